/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The sandbox's PID 1, when the plan has a pid namespace.
 *
 * The kernel gives PID 1 of a namespace two jobs a service never expects:
 * orphans are re-parented to it (and stay zombies unless it reaps them),
 * and signals without a handler are dropped for it (so SIGTERM to a service
 * running as PID 1 does nothing unless it installed a handler). So a tiny
 * init runs as PID 1: it forks the service, forwards every signal it gets
 * to it, reaps whatever dies, and when the service itself exits it exits
 * with the service's status: the exit code, or 128+N when signal N killed
 * the service. (PID 1 cannot re-raise: a namespace's init is immune to its
 * own signals.) Its exit makes the kernel SIGKILL everything left in the
 * namespace, so daemonised leftovers go with the service.
 *
 * init is a fork of the launcher, that is of the caller's binary (sandboxctl
 * or sandboxd), and /proc/1/exe inside the sandbox points at it: the
 * CVE-2019-5736 class of attacks opens it to overwrite the host binary.
 * Here that fails three ways: init is not dumpable (set right after the
 * clone), so /proc/1/exe, /proc/1/mem and ptrace need CAP_SYS_PTRACE over
 * the host's user namespace; it keeps no fd of the host but one (below),
 * and its root and cwd are the sandbox's; and a binary that is running
 * cannot be opened for writing (ETXTBSY) while init lives, which is as long
 * as the sandbox does. It holds only CAP_KILL, under no_new_privs. It does
 * not re-exec anything.
 *
 * The one fd (LaunchParams.report_exit): sandboxd's exit status file,
 * /run/sandboxd/services/NAME/exit, into which init writes how the service
 * ended ("exited N", "killed N", "dumped N"; at most 32 bytes, one pwrite
 * at offset 0) just before it exits itself. A restarted sandboxd is not
 * init's parent and cannot wait for it; this file is how it learns the
 * status. Keeping it is safe because of what it is, which launch_start()
 * checks before the clone: a regular file, opened write-only. It is not a
 * directory, so nothing can be opened relative to it (openat, fchdir) and
 * it leads nowhere else on the host; it cannot be read through; and it
 * names a file that sandboxd reads with a 64-byte bound and a strict
 * parser. Reaching it at all takes what /proc/1/fd needs, the same as for
 * /proc/1/exe above. The service never has it: it sits at a fixed number,
 * close-on-exec, and the service closes it with every other fd before its
 * seccomp filter. Without a pid namespace there is no init, and no file. */

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-internal.h"

/* Everything a signal can be sent with, except those the kernel raises
 * for a fault in init itself, which must keep their default action. */
static void forwarded_set(sigset_t *ret) {
        sigfillset(ret);
        sigdelset(ret, SIGSEGV);
        sigdelset(ret, SIGBUS);
        sigdelset(ret, SIGILL);
        sigdelset(ret, SIGFPE);
        sigdelset(ret, SIGTRAP);
        sigdelset(ret, SIGSYS);
}

/* Before the fork of the service, so that a signal sent to the sandbox
 * in between is queued for init rather than lost; the service unblocks. */
int init_block_signals(void) {
        sigset_t set;

        forwarded_set(&set);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return negative_errno();
        return 0;
}

static int status_of(int wstatus) {
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

/* si_code and si_status, as waitid(2) gives them to a parent: what the
 * parent of the sandbox would have seen, had the service been its child. */
static void report_exit(int fd, int wstatus) {
        char buf[32];
        int n;

        if (WIFEXITED(wstatus))
                n = snprintf(buf, sizeof(buf), "exited %d\n", WEXITSTATUS(wstatus));
        else if (WIFSIGNALED(wstatus))
                n = snprintf(buf, sizeof(buf), "%s %d\n", WCOREDUMP(wstatus) ? "dumped" : "killed", WTERMSIG(wstatus));
        else
                return;
        /* One write at offset 0 into an empty file: a reader sees the whole
         * line or nothing; nothing is read as "killed 9". */
        (void) pwrite(fd, buf, (size_t) n, 0);
}

/* close_range(2) around the fds kept, a and b (either may be < 0). */
static void close_all_but(int a, int b) {
        const int keep[2] = { MIN(a, b), MAX(a, b) };
        unsigned from = 0;

        for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
                if (keep[i] < 0)
                        continue;
                if ((unsigned) keep[i] > from)
                        (void) close_range(from, (unsigned) keep[i] - 1, 0);
                from = (unsigned) keep[i] + 1;
        }
        (void) close_range(from, ~0U, 0);
}

/* exit_fd: the exit status file, or < 0. This is also the loop of
 * launch_exec()'s relay process (exec.c), without a file. */
_noreturn_ void init_run(pid_t service, int sync_fd, int exit_fd) {
        sigset_t set;

        /* Nothing of the host stays (not even stdio: init writes nothing)
         * but the exit status file. The sync socket goes last: the launcher
         * takes its EOF (once the service's copy is closed by its execve
         * and this one is gone) to mean that init is set up. */
        close_all_but(sync_fd, exit_fd);
        (void) close(sync_fd);

        forwarded_set(&set);
        for (;;) {
                siginfo_t si;
                int sig;

                sig = sigwaitinfo(&set, &si);
                if (sig < 0)
                        continue;       /* EINTR */
                if (sig != SIGCHLD) {
                        (void) kill(service, sig);
                        continue;
                }
                for (;;) {
                        int wstatus;
                        pid_t pid = waitpid(-1, &wstatus, WNOHANG);

                        if (pid <= 0)
                                break;
                        if (pid != service)
                                continue;
                        if (exit_fd >= 0)
                                report_exit(exit_fd, wstatus);
                        _exit(status_of(wstatus));
                }
        }
}
