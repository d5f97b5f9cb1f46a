/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A tight loop of one cheap syscall; prints nanoseconds per call.
 * Linked statically so it runs inside the busybox image unchanged.
 *
 *   syscall-loop [getppid|ioctl] [ITERATIONS]
 *
 * getppid: allowed by the default policy without argument checks, so the
 *   kernel's seccomp action cache (Linux 5.11+) may skip the BPF program.
 * ioctl: FIONREAD on a pipe; the default policy filters ioctl on its
 *   request argument (TIOCSTI/TIOCLINUX refused), so every call runs the
 *   BPF program. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        const char *what = argc > 1 ? argv[1] : "getppid";
        long n = argc > 2 ? atol(argv[2]) : 10000000L;
        struct timespec a, b;
        int fds[2], v;

        if (pipe(fds) < 0) {
                perror("pipe");
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (strcmp(what, "getppid") == 0)
                for (long i = 0; i < n; i++)
                        (void) syscall(SYS_getppid);
        else if (strcmp(what, "ioctl") == 0) {
                for (long i = 0; i < n; i++)
                        if (syscall(SYS_ioctl, fds[0], FIONREAD, &v) < 0) {
                                perror("ioctl");
                                return 1;
                        }
        } else {
                fprintf(stderr, "usage: syscall-loop [getppid|ioctl] [ITERATIONS]\n");
                return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double) n);
        return 0;
}
