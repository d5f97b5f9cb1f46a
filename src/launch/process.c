/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Attributes of the child process itself: signal dispositions, the parent
 * death signal, the hostname of its uts namespace, resource limits. */

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch-internal.h"
#include "parse-util.h"
#include "plan.h"

/* A handler installed by the caller (sandboxd's event loop, sandboxctl's
 * signalfd) would otherwise reach the service: handlers are reset by exec,
 * but ignored signals stay ignored, and the blocked mask is inherited. */
static int reset_signals(void) {
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                /* EINVAL for the signals glibc keeps for itself: fine. */
                (void) sigaction(sig, &sa, NULL);
        }
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return negative_errno();
        return 0;
}

/* A forked child's first steps: the signal dispositions and mask the
 * program it becomes expects, and a session of its own, so that it has no
 * controlling terminal to inject input into and a terminal's ^C goes to
 * the launcher, which decides. */
int process_new_session(LaunchError *e) {
        int r;

        r = reset_signals();
        if (r < 0)
                return launch_error(e, r, "signals", "reset the signal handlers");
        if (setsid() < 0)
                return launch_error(e, negative_errno(), "session", "start a new session");
        return 0;
}

/* PR_SET_PDEATHSIG is cleared whenever our uids change, so this is called
 * again after each such change. The parent may have died before the call:
 * it keeps its end of the sync socket open until the service has exec'd,
 * so a peer that is gone means the parent is. */
int process_die_with_parent(int sync_fd, LaunchError *e) {
        char c;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "parent-death-signal", "set the parent death signal");
        if (recv(sync_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
                return launch_error(e, -ESRCH, "parent-death-signal", "outlive the launcher, which is gone");
        return 0;
}

int process_set_hostname(const char *hostname, LaunchError *e) {
        if (!hostname)
                return 0;
        if (sethostname(hostname, strlen(hostname)) < 0)
                return launch_error(e, negative_errno(), "hostname", "set the hostname to \"%s\"", hostname);
        return 0;
}

/* Before the uid change: raising a hard limit needs CAP_SYS_RESOURCE. */
int process_set_rlimits(const Plan *p, LaunchError *e) {
        for (int i = 0; i < RLIMIT_NLIMITS; i++) {
                const ResourceLimit *l = &p->rlimits[i];
                struct rlimit rl;

                if (!l->set)
                        continue;
                rl = (struct rlimit) { .rlim_cur = l->soft, .rlim_max = l->hard };
                if (setrlimit(i, &rl) < 0)
                        return launch_error(e, negative_errno(), "rlimits", "set %s=%llu:%llu",
                                            rlimit_to_key(i) ?: "Limit?", (unsigned long long) l->soft,
                                            (unsigned long long) l->hard);
        }
        return 0;
}
