/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The kernel floor for a sandboxed start: clone with the namespaces the
 * benchmark asks of every runtime, chroot into the image, exec /bin/true,
 * waitpid. No mounts beyond making / private, no /proc, no cgroup, no
 * capability drop, no seccomp: what no runtime can go below.
 *
 *   floor [--no-net] IMAGE */

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *image;
static char stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg) {
        (void) arg;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chroot(image) < 0 || chdir("/") < 0) {
                perror("floor: child setup");
                _exit(125);
        }
        execl("/bin/true", "true", (char *) NULL);
        perror("floor: exec /bin/true");
        _exit(127);
}

int main(int argc, char *argv[]) {
        int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
        int status;
        pid_t pid;

        if (argc == 3 && strcmp(argv[1], "--no-net") == 0) {
                flags &= ~CLONE_NEWNET;
                image = argv[2];
        } else if (argc == 2)
                image = argv[1];
        else {
                fprintf(stderr, "usage: floor [--no-net] IMAGE\n");
                return 2;
        }

        pid = clone(child, stack + sizeof(stack), flags | SIGCHLD, NULL);
        if (pid < 0) {
                perror("floor: clone");
                return 1;
        }
        if (waitpid(pid, &status, 0) < 0) {
                perror("floor: waitpid");
                return 1;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
