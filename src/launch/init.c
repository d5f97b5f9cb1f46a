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
 * the host's user namespace; it keeps no fd at all, and its root and cwd
 * are the sandbox's; and a binary that is running cannot be opened for
 * writing (ETXTBSY) while init lives, which is as long as the sandbox does.
 * It holds only CAP_KILL, under no_new_privs. It does not re-exec anything. */

#include <signal.h>
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

_noreturn_ void init_run(pid_t service, int sync_fd) {
        sigset_t set;

        /* The launcher reads EOF on the sync socket once the service's copy
         * is closed by its execve and this one is gone. Nothing else of
         * the host stays: not even stdio, init writes nothing. */
        (void) close(sync_fd);
        (void) close_range(0, ~0U, 0);

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
                        if (pid == service)
                                _exit(status_of(wstatus));
                }
        }
}
