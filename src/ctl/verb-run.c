/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl run UNIT: compile, make the cgroup, launch, and stay in the
 * foreground until the service is gone, passing stop requests on the way
 * the supervisor would: KillSignal= first, and after TimeoutStopSec= a
 * SIGKILL to the whole cgroup. Exits with the service's status. */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctl-common.h"
#include "ctl-escape.h"
#include "ctl-format.h"
#include "launch.h"
#include "log.h"
#include "plan.h"
#include "root-check.h"
#include "seccomp-bpf.h"
#include "seccomp-notify.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void help(void) {
        printf("sandboxctl run [OPTIONS] UNIT\n\n"
               "Run the service of UNIT (a unit file, or a name looked up on the unit\n"
               "search path) in its sandbox, in the foreground, with this terminal's\n"
               "stdin; its stdout and stderr are pipes copied to this one's.\n\n"
               "SIGINT and SIGTERM stop the service: KillSignal= first, then SIGKILL to\n"
               "everything in its cgroup after TimeoutStopSec=; a second one kills at\n"
               "once. SIGHUP, SIGUSR1 and SIGUSR2 are passed on to the service.\n\n"
               "Exit status: the service's, or 128+N when signal N killed it; 125 when\n"
               "the sandbox could not be set up, 126 when the ExecStart= binary cannot\n"
               "be executed, 127 when it is not in the image, 1 when the unit does not\n"
               "compile.\n\n"
               "On a terminal, the service's output is escaped: control characters\n"
               "(but newline and tab) and bytes that are not UTF-8 are shown as \\xNN;\n"
               "its stdin is the terminal opened read-only.\n\n"
               "Options:\n"
               "     --raw     Give the service this terminal as it is, and its output\n"
               "                unchanged (escape sequences reach the terminal)\n"
               "  -h --help     Show this help\n");
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* 67108864 -> "64M", as a unit file would say it. */
static const char *format_bytes(uint64_t v, char buf[static 32]) {
        static const char suffixes[] = "KMGTPE";
        int i = -1;

        while (v >= 1024 && v % 1024 == 0 && i < (int) sizeof(suffixes) - 2) {
                v /= 1024;
                i++;
        }
        if (i < 0)
                snprintf(buf, 32, "%" PRIu64, v);
        else
                snprintf(buf, 32, "%" PRIu64 "%c", v, suffixes[i]);
        return buf;
}

static int send_signal(int pidfd, int sig) {
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                return negative_errno();
        return 0;
}

static void kill_all(Cgroup *cg, int pidfd) {
        int r;

        if (cg) {
                r = cgroup_kill(cg, SIGKILL);
                if (r < 0)
                        log_warning_errno(r, "Failed to kill the processes of cgroup %s, killing the sandbox's PID 1 only: %m",
                                          strna(cg->name));
        }
        (void) send_signal(pidfd, SIGKILL);
}

/* ---- the output relay ----
 *
 * The service's stdout and stderr are pipes that we copy to ours, so that
 * it never holds the caller's file or terminal: a root service could
 * fchmod (setuid) or ftruncate a file it was given as fd 1. One pipe when
 * our stdout and stderr are the same file (a terminal, 2>&1), so that the
 * order of its lines is kept; else one each. A stream whose reader went
 * away (EPIPE) is closed, and the service gets EPIPE in turn, as it would
 * have writing there itself. The service's stdin stays the caller's. */

typedef struct RelayStream {
        int from;               /* our read end, O_NONBLOCK; < 0 when done */
        int to;                 /* STDOUT_FILENO or STDERR_FILENO */
        char buf[PIPE_BUF];     /* one write of at most PIPE_BUF cannot block a pipe that polled writable */
        size_t len, off;
        FILE *file;             /* stdout or stderr: escaped output goes through stdio */
        CtlEscape esc;          /* a terminal gets control characters escaped (ctl-escape.c) */
} RelayStream;

typedef struct Relay {
        RelayStream s[2];
        size_t n;
} Relay;

static void relay_done(Relay *r) {
        for (size_t i = 0; i < r->n; i++)
                r->s[i].from = safe_close(r->s[i].from);
}

static bool same_file(int a, int b) {
        struct stat sa, sb;

        return fstat(a, &sa) >= 0 && fstat(b, &sb) >= 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The pipes; their write ends go to the launcher as the service's 1 and 2. */
static int relay_setup(Relay *r, int ret_write[static 2]) {
        bool one = same_file(STDOUT_FILENO, STDERR_FILENO);

        ret_write[0] = ret_write[1] = -EBADF;
        for (size_t i = 0; i < (one ? 1U : 2U); i++) {
                int fds[2] = { -EBADF, -EBADF };

                if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
                        int error = negative_errno();

                        close_many(fds, 2);
                        close_many(ret_write, 2);
                        return error;
                }
                r->s[i] = (RelayStream) {
                        .from = fds[0],
                        .to = i == 0 ? STDOUT_FILENO : STDERR_FILENO,
                        .file = i == 0 ? stdout : stderr,
                        .esc.escape = ctl_escape_wanted(i == 0 ? STDOUT_FILENO : STDERR_FILENO),
                };
                r->n++;
                ret_write[i] = fds[1];
        }
        if (one)
                ret_write[1] = ret_write[0];
        return 0;
}

/* What to wait for: data to read, or room to write what we hold. */
static size_t relay_pollfds(const Relay *r, struct pollfd *pfd) {
        size_t n = 0;

        for (size_t i = 0; i < r->n; i++) {
                const RelayStream *st = &r->s[i];

                if (st->from < 0)
                        continue;
                pfd[n++] = st->len > st->off ? (struct pollfd) { .fd = st->to, .events = POLLOUT }
                                             : (struct pollfd) { .fd = st->from, .events = POLLIN };
        }
        return n;
}

/* One step per stream that is ready; with drain, until every pipe is
 * empty (the service is gone: what it wrote last must not be lost). */
static void relay_run(Relay *r, bool drain) {
        for (size_t i = 0; i < r->n; i++) {
                RelayStream *st = &r->s[i];

                while (st->from >= 0) {
                        ssize_t k;

                        if (st->len == st->off) {
                                k = read(st->from, st->buf, sizeof(st->buf));
                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k < 0 && errno == EAGAIN)
                                        break;
                                if (k <= 0) {
                                        (void) ctl_escape_flush(&st->esc, st->file);
                                        fflush(st->file);
                                        st->from = safe_close(st->from);
                                        break;
                                }
                                st->len = (size_t) k;
                                st->off = 0;
                        }
                        if (st->esc.escape) {
                                /* A terminal: escaped, whole, through stdio. */
                                (void) ctl_escape_write(&st->esc, st->file, st->buf + st->off, st->len - st->off);
                                k = fflush(st->file) == 0 ? (ssize_t) (st->len - st->off) : -1;
                        } else
                                k = write(st->to, st->buf + st->off, st->len - st->off);
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k < 0) {
                                /* Our reader is gone (EPIPE), or our file failed. */
                                st->from = safe_close(st->from);
                                break;
                        }
                        st->off += (size_t) k;
                        if (!drain)
                                break;
                }
        }
}

/* ---- denials ----
 * The filter's listener (src/launch/seccomp-notify.h): each denied call
 * is answered as the policy says and counted; the summary goes to stderr
 * at the end. One service in the foreground: no rate limit, but at most
 * DENIALS_BATCH answers between two looks at the rest. */

#define DENIALS_BATCH 64U

typedef struct RunDenials {
        SeccompListener listener;       /* .fd < 0: none */
        SeccompDenials table;
        char kill_reason[128];          /* the service itself was killed by the filter */
        const Plan *plan;
} RunDenials;

static void run_denials_done(RunDenials *d) {
        d->listener.fd = safe_close(d->listener.fd);
}

static void denials_note(RunDenials *d, const SeccompEvent *ev) {
        char name[SECCOMP_NAME_MAX], pol[PLAN_POLICY_NAME_MAX];
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        (void) seccomp_denials_add(&d->table, ev,
                                   (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC);
        /* The service is the sandbox's PID 2, init's first child. */
        if (ev->killed && d->plan->namespaces & NAMESPACE_MASK(NAMESPACE_PID) && ev->sandbox_pid == 2)
                (void) snprintf(d->kill_reason, sizeof(d->kill_reason), "%s denied by policy %s",
                                seccomp_event_syscall_name(ev->arch, ev->nr, name), plan_policy_name(d->plan, pol));
}

/* LaunchParams.on_seccomp_event */
static void denials_note_launch(const SeccompEvent *ev, void *userdata) {
        denials_note(userdata, ev);
}

static void denials_run(RunDenials *d) {
        for (unsigned i = 0; i < DENIALS_BATCH && d->listener.fd >= 0; i++) {
                SeccompEvent ev;
                int r;

                r = seccomp_listener_handle(&d->listener, &ev);
                if (r == 0)
                        return;
                if (r < 0) {
                        /* -EPIPE: nothing is left under the filter. */
                        if (r != -EPIPE)
                                log_warning_errno(r, "Failed to answer a denied syscall: %m");
                        d->listener.fd = safe_close(d->listener.fd);
                        return;
                }
                denials_note(d, &ev);
        }
}

static void denials_print(const RunDenials *d, const Plan *p) {
        const SeccompDenials *t = &d->table;
        char names[SECCOMP_DENIALS_MAX][SECCOMP_NAME_MAX], actions[SECCOMP_DENIALS_MAX][SECCOMP_ACTION_STRING_MAX];
        size_t order[SECCOMP_DENIALS_MAX];
        CtlDenial l[SECCOMP_DENIALS_MAX];
        _cleanup_free_ char *line = NULL;

        if (!isempty(d->kill_reason))
                log_error("Service %s was killed by seccomp: %s.", p->name, d->kill_reason);
        if (t->n == 0)
                return;
        seccomp_denials_order(t, order);
        for (size_t i = 0; i < t->n; i++) {
                const SeccompDenial *e = &t->items[order[i]];

                l[i] = (CtlDenial) {
                        .name = seccomp_event_syscall_name(e->arch, e->nr, names[i]),
                        .action = seccomp_action_to_string(e->action, actions[i]),
                        .count = e->count,
                };
        }
        line = ctl_format_denials(l, t->n, SECCOMP_DENIALS_MAX);
        if (line)
                fprintf(stderr, "Denied: %s%s\n", line, t->n_unlisted > 0 ? ", and more" : "");
}

/* Wait for the sandbox to end, passing signals on, relaying its output
 * and answering its filter's denials; returns the wait status. */
static int wait_for_service(const Plan *p, Cgroup *cg, const Launched *l, int sig_fd, Relay *relay, RunDenials *denials,
                            siginfo_t *ret) {
        uint64_t deadline = 0;
        bool stopping = false;
        int r;

        for (;;) {
                struct pollfd pfd[5] = {
                        { .fd = l->pidfd, .events = POLLIN },
                        { .fd = sig_fd, .events = POLLIN },
                        /* poll ignores a negative fd */
                        { .fd = denials->listener.fd, .events = POLLIN },
                };
                size_t n_relay = relay_pollfds(relay, pfd + 3);
                int timeout = -1;

                if (deadline > 0) {
                        uint64_t n = now_usec();

                        if (n >= deadline) {
                                log_notice("Service %s did not stop within TimeoutStopSec=, killing it.", p->name);
                                kill_all(cg, l->pidfd);
                                deadline = 0;
                                continue;
                        }
                        timeout = (int) MIN(DIV_ROUND_UP(deadline - n, USEC_PER_MSEC), (uint64_t) INT32_MAX);
                }

                if (poll(pfd, 3 + n_relay, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "Failed to wait for the service: %m");
                }
                if (pfd[0].revents)
                        break;
                if (pfd[2].revents)
                        denials_run(denials);
                relay_run(relay, false);
                if (pfd[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sig_fd, &si, sizeof(si)) != (ssize_t) sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
                                if (stopping) {
                                        kill_all(cg, l->pidfd);
                                        continue;
                                }
                                stopping = true;
                                r = send_signal(l->pidfd, p->kill_signal);
                                if (r < 0)
                                        log_warning_errno(r, "Failed to send %s to the service: %m", strsignal(p->kill_signal));
                                if (p->timeout_stop_usec > 0 && p->timeout_stop_usec != USEC_INFINITY)
                                        deadline = now_usec() + p->timeout_stop_usec;
                        } else
                                (void) send_signal(l->pidfd, (int) si.ssi_signo);
                }
        }

        /* The last ones (a killed service's call was answered before its exit). */
        denials_run(denials);
        relay_run(relay, true);
        while (waitid((idtype_t) P_PIDFD, (id_t) l->pidfd, ret, WEXITED) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to reap the service: %m");
        return 0;
}

/* The service's stdin, when ours is a terminal: the terminal opened
 * again read-only, so the service can read it but not write to it or
 * change its settings through fd 0. */
static int setup_terminal_stdin(LaunchParams *params, int *ret_stdin) {
        if (!ctl_escape_wanted(STDIN_FILENO))
                return 0;
        *ret_stdin = open("/proc/self/fd/0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (*ret_stdin < 0)
                log_debug_errno(negative_errno(), "Failed to open the terminal again read-only, the service "
                                "gets /dev/null as stdin: %m");
        params->stdin_fd = *ret_stdin >= 0 ? *ret_stdin : -1;
        return 0;
}

int verb_run(int argc, char *argv[]) {
        enum { ARG_RAW = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "raw", no_argument, NULL, ARG_RAW },
                {}
        };
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_close_ int tty_in = -EBADF;
        _cleanup_(cgroup_freep) Cgroup *cg = NULL;
        _cleanup_free_ char *msg = NULL, *why = NULL;
        _cleanup_close_ int sig_fd = -EBADF, pidfd = -EBADF, out_w = -EBADF, err_w = -EBADF;
        _cleanup_(relay_done) Relay relay = {};
        _cleanup_(run_denials_done) RunDenials denials = { .listener.fd = -EBADF };
        int relay_w[2];
        int c, r, status = LAUNCH_EXIT_SETUP, oom;
        const CgroupDriver *driver;
        LaunchParams params;
        Launched l;
        siginfo_t si = {};
        sigset_t mask;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_RAW:
                        ctl_escape_set_raw(true);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "run takes exactly one unit (see sandboxctl run --help).");

        /* The sandbox's mount namespace is a copy of ours: under a chroot
         * the host's tree would sit above its root (src/launch/root-check.c). */
        r = root_check_chrooted(&why);
        if (r < 0) {
                log_error_errno(r, "Cannot tell whether sandboxctl runs chrooted (is /proc mounted?): %m");
                return LAUNCH_EXIT_SETUP;
        }
        if (r > 0) {
                log_error("Refusing to run a sandbox from a chroot: %s. The sandbox would keep the tree above "
                          "that root in its mount namespace; run sandboxctl at the root of its mount namespace "
                          "(a container's root made with pivot_root is fine).", why);
                return LAUNCH_EXIT_SETUP;
        }

        r = ctl_compile_unit(argv[optind], &plan);
        if (r < 0)
                return r;

        /* A sandboxed process must not reach this one through /proc/PID/exe
         * or ptrace (without a pid namespace it can see us). */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        /* Blocked before the launch, so that a ^C during it is not lost but
         * handled once the service runs. The child resets its mask. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");
        sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sig_fd < 0)
                return log_error_errno(negative_errno(), "Failed to create a signalfd: %m");

        r = launch_acquire_id_range(plan, NULL);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        driver = cgroup_driver_pick();
        r = cgroup_create_full(driver, plan, &cg, &msg);
        if (r < 0) {
                if (msg)
                        return log_error_errno(r, "%s", msg);
                return log_error_errno(r, "Failed to create the cgroup of %s (%s driver): %m", plan->name, driver->name);
        }

        /* A reader of our output that goes away closes that stream only
         * (relay_run); the service gets the default back (process.c). */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return log_error_errno(negative_errno(), "Failed to ignore SIGPIPE: %m");
        r = relay_setup(&relay, relay_w);
        if (r < 0)
                return log_error_errno(r, "Failed to create the pipes for the service's output: %m");
        out_w = relay_w[0];
        err_w = relay_w[1] != relay_w[0] ? relay_w[1] : -EBADF;

        params = (LaunchParams) {
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = relay_w[0],
                .stderr_fd = relay_w[1],
                .cgroup = cg,
                .die_with_parent = true,
                .reterr_exit_status = &status,
                .seccomp_notify = SECCOMP_NOTIFY_DENIALS,
                .on_seccomp_event = denials_note_launch,
                .seccomp_event_userdata = &denials,
        };
        denials.plan = plan;
        r = setup_terminal_stdin(&params, &tty_in);
        if (r >= 0)
                r = launch_start(plan, &params, &l);
        tty_in = safe_close(tty_in);
        if (r < 0) {
                /* launch_start logged; the cgroup goes with cgroup_freep. */
                return status;
        }
        pidfd = l.pidfd;
        denials.listener = (SeccompListener) {
                .fd = l.listener_fd,
                .prog = plan->seccomp_bpf,
                .n = plan->seccomp_bpf_size / sizeof(struct sock_filter),
        };
        /* The service's copies only: EOF once it and its children are gone. */
        out_w = safe_close(out_w);
        err_w = safe_close(err_w);

        r = wait_for_service(plan, cg, &l, sig_fd, &relay, &denials, &si);
        if (r < 0) {
                kill_all(cg, pidfd);
                return r;
        }
        denials_print(&denials, plan);
        status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;

        oom = cgroup_oom_killed(cg);
        if (oom > 0) {
                char buf[32] = "";

                if (plan->memory_max != CGROUP_LIMIT_MAX)
                        snprintf(buf, sizeof(buf), " (MemoryMax=%s)", format_bytes(plan->memory_max, (char[32]) {}));
                /* The kernel picks its victim: it may have been a helper
                 * process and the service lived on. */
                if (status == 128 + SIGKILL)
                        log_error("Service %s was killed by the OOM killer%s.", plan->name, buf);
                else
                        log_warning("The OOM killer killed %d process%s of service %s%s.", oom, oom == 1 ? "" : "es",
                                    plan->name, buf);
        }

        /* Whatever the service left running (without a pid namespace,
         * daemonised children) goes now, with the cgroup. */
        r = cgroup_destroy(cg);
        if (r < 0)
                log_warning_errno(r, "Failed to remove cgroup %s: %m", strna(cg->name));

        return status;
}
