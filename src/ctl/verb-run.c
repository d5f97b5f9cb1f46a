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

#include "net.h"
#include "cgroup.h"
#include "ctl-bus.h"
#include "ctl-common.h"
#include "image-gc.h"
#include "image-store.h"
#include "ctl-escape.h"
#include "ctl-format.h"
#include "ctl-relay.h"
#include "ctl-run.h"
#include "launch.h"
#include "log.h"
#include "missing-wait.h"
#include "plan.h"
#include "root-check.h"
#include "seccomp-bpf.h"
#include "seccomp-notify.h"
#include "strv.h"

static void help(void) {
        printf("sandboxctl run [OPTIONS] UNIT\n\n"
               "Run the service of UNIT (a unit file, or a name looked up on the unit\n"
               "search path) in its sandbox, in the foreground. It never gets this\n"
               "terminal or these files: when stdin and stdout are terminals (or with\n"
               "-t) it gets a new terminal inside the sandbox, relayed with this one in\n"
               "raw mode, so ^C and ^Z reach it; otherwise its stdin, stdout and stderr\n"
               "are pipes copied from and to ours.\n\n"
               "SIGINT and SIGTERM stop the service: KillSignal= first, then SIGKILL to\n"
               "everything in its cgroup after TimeoutStopSec=; a second one kills at\n"
               "once. SIGHUP, SIGUSR1 and SIGUSR2 are passed on to the service.\n\n"
               "Exit status: the service's, or 128+N when signal N killed it; 125 when\n"
               "the sandbox could not be set up, 126 when the ExecStart= binary cannot\n"
               "be executed, 127 when it is not in the image, 1 when the unit does not\n"
               "compile.\n\n"
               "On a terminal, the service's output is escaped: control characters\n"
               "(but newline, tab, and carriage return from its terminal) and bytes\n"
               "that are not UTF-8 are shown as \\xNN.\n\n"
               "Options:\n"
               "  -t --tty      A terminal inside the sandbox (default when stdin and\n"
               "                stdout are terminals)\n"
               "  -T --no-tty   Pipes, even on a terminal\n"
               "     --raw     The service's output unchanged (escape sequences reach\n"
               "                the terminal): for interactive programs\n"
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

/* Its ports and its veth, on every way out once it was launched. */
typedef struct RunNet {
        const Plan *plan;       /* NULL: nothing to release */
        bool netns_ended;       /* the cgroup is gone: no process holds its network namespace */
} RunNet;

static void run_net_release(RunNet *n) {
        if (n->plan)
                net_host_release(n->plan, n->netns_ended);
}

static void kill_all(Cgroup *cg, int pidfd) {
        int r;

        if (cg) {
                r = cgroup_kill(cg, SIGKILL);
                if (r < 0)
                        log_warning_errno(r, "Failed to kill the processes of cgroup %s, killing the sandbox's PID 1 only: %m",
                                          strna(cgroup_name(cg)));
        }
        (void) send_signal(pidfd, SIGKILL);
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
        const CtlRunOptions *options;   /* on_log */
} RunDenials;

static void run_denials_done(RunDenials *d) {
        d->listener.fd = safe_close(d->listener.fd);
}

static void denials_note(RunDenials *d, const SeccompEvent *ev) {
        char name[SECCOMP_NAME_MAX], pol[PLAN_POLICY_NAME_MAX];
        struct timespec ts;

        /* Let through, not denied: the learning run's to record. */
        if (ev->action.type == SECCOMP_ACTION_LOG) {
                if (d->options->on_log)
                        d->options->on_log(ev, d->options->userdata);
                return;
        }
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
static void begin_stop(const Plan *p, const Launched *l, uint64_t *deadline) {
        int r;

        r = send_signal(l->pidfd, p->kill_signal);
        if (r < 0)
                log_warning_errno(r, "Failed to send %s to the service: %m", strsignal(p->kill_signal));
        if (p->timeout_stop_usec > 0 && p->timeout_stop_usec != USEC_INFINITY)
                *deadline = now_usec() + p->timeout_stop_usec;
}

/* stop_at: CLOCK_MONOTONIC usec at which to stop the service as ^C
 * would; 0 never. */
static int wait_for_service(const Plan *p, Cgroup *cg, const Launched *l, int sig_fd, CtlRelay *relay,
                            RunDenials *denials, uint64_t stop_at, siginfo_t *ret) {
        uint64_t deadline = 0;
        bool stopping = false;

        for (;;) {
                struct pollfd pfd[3 + CTL_RELAY_MAX_POLLFDS] = {
                        { .fd = l->pidfd, .events = POLLIN },
                        { .fd = sig_fd, .events = POLLIN },
                        /* poll ignores a negative fd */
                        { .fd = denials->listener.fd, .events = POLLIN },
                };
                size_t n_relay = ctl_relay_pollfds(relay, pfd + 3);
                int timeout = -1;

                if (stop_at > 0 && !stopping) {
                        uint64_t n = now_usec();

                        if (n >= stop_at) {
                                log_info("Stopping service %s: its time is up.", p->name);
                                stopping = true;
                                begin_stop(p, l, &deadline);
                                continue;
                        }
                        timeout = (int) MIN(DIV_ROUND_UP(stop_at - n, USEC_PER_MSEC), (uint64_t) INT32_MAX);
                }
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
                ctl_relay_dispatch(relay, pfd + 3);
                if (pfd[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sig_fd, &si, sizeof(si)) != (ssize_t) sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGWINCH)
                                ctl_relay_winch(relay);
                        else if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
                                if (stopping) {
                                        kill_all(cg, l->pidfd);
                                        continue;
                                }
                                stopping = true;
                                begin_stop(p, l, &deadline);
                        } else
                                (void) send_signal(l->pidfd, (int) si.ssi_signo);
                }
        }

        /* Gone, and with a pid namespace everything in it: what it wrote
         * last must not be lost. Without one, a daemonised child may keep
         * the pipes open: bounded. */
        /* The last denials (a killed service's call was answered before its exit). */
        denials_run(denials);
        ctl_relay_drain(relay);
        while (waitid((idtype_t) P_PIDFD, (id_t) l->pidfd, ret, WEXITED) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to reap the service: %m");
        return 0;
}

/* Socket activation: the sockets live as long as this run. */
typedef struct RunSockets {
        int *fds;
        size_t n;
        char **files;
} RunSockets;

static void run_sockets_done(RunSockets *s) {
        launch_close_sockets(s->fds, s->n, s->files);
        strv_free(s->files);
}

int verb_run(int argc, char *argv[]) {
        enum { ARG_RAW = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "raw", no_argument, NULL, ARG_RAW },
                { "tty", no_argument, NULL, 't' },
                { "no-tty", no_argument, NULL, 'T' },
                {}
        };
        _cleanup_(plan_freep) Plan *plan = NULL;
        /* A terminal of its own when ours is one, as for a login. */
        CtlRunOptions o = {
                .tty = isatty(STDIN_FILENO) > 0 && isatty(STDOUT_FILENO) > 0,
                .seccomp_notify = SECCOMP_NOTIFY_DENIALS,
        };
        int c, r;

        /* Alike on purpose, not shared: each verb keeps its table and loop
         * in its body (test-man-pages.sh and test-completions.sh read them
         * there), so -h, -t/-T and --raw read as in exec, policy learn,
         * logs and status. */
        optind = 0;
        while ((c = getopt_long(argc, argv, "htT", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 't':
                        o.tty = true;
                        break;
                case 'T':
                        o.tty = false;
                        break;
                case ARG_RAW:
                        ctl_escape_set_raw(true);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "run takes exactly one unit (see sandboxctl run --help).");

        r = ctl_run_prepare(argv[optind]);
        if (r != 0)
                return r;
        r = ctl_compile_unit(argv[optind], &plan);
        if (r < 0)
                return r;
        return ctl_run_plan(plan, &o);
}

/* NAME's MainPID, or one line saying why there is none. */
static int query_owner(sd_bus *bus, const char *name, pid_t *ret_pid) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_query_main_pid(bus, name, &e, ret_pid);
        if (r == -ESRCH || sd_bus_error_has_name(&e, ERROR_NO_SUCH_UNIT))
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH), "Network=service:%s: service %s is not running.",
                                       name, name);
        if (r < 0)
                return log_error_errno(r, "Network=service:%s: cannot ask sandboxd about %s: %s", name, name,
                                       sd_bus_error_is_set(&e) && e.message ? e.message : strerror(-r));
        return 0;
}

/* Network=service:NAME: NAME is one of sandboxd's services; sandboxd
 * tells its main process, which we pin with a pidfd and check is still
 * NAME's afterwards (a pid reused in between would not be), and its plan
 * for the resolv.conf its sandbox got. */
static int join_owner(const Plan *plan, int *ret_fd, char **ret_resolv_conf) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(plan_freep) Plan *owner = NULL;
        _cleanup_close_ int pidfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *resolv = NULL;
        const char *name = plan->network_service;
        pid_t pid, again;
        int r;

        /* One line for each way it fails: the helpers' own words would
         * add a second (and sandboxd's advice to use sandboxctl run). */
        r = ctl_bus_open_quiet(&bus);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Network=service:%s: %s, so %s is not running either.", name,
                                       r == -EACCES ? "cannot reach sandboxd (permission denied)" : "sandboxd is not running",
                                       name);
        r = query_owner(bus, name, &pid);
        if (r < 0)
                return r;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return log_error_errno(negative_errno(), "Network=service:%s: service %s is not running (PID %d: %m).",
                                       name, name, (int) pid);
        r = query_owner(bus, name, &again);
        if (r < 0)
                return r;
        if (again != pid)
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH),
                                       "Network=service:%s: service %s restarted meanwhile; try again.", name, name);
        r = launch_open_netns(pid, pidfd, &fd);
        if (r < 0)
                return log_error_errno(r, "Network=service:%s: cannot open the network namespace of %s: %m", name, name);
        r = ctl_get_plan(bus, name, &owner);
        if (r < 0)
                return r;
        if (owner->network == NETWORK_HOST)
                return log_error_errno(SYNTHETIC_ERRNO(EPERM),
                                       "Network=service:%s: service %s has the host's network, which is not shared this way.",
                                       name, name);
        if (owner->network == NETWORK_PRIVATE && net_resolv_conf(&owner->net, &resolv) < 0)
                return log_oom();
        *ret_fd = TAKE_FD(fd);
        *ret_resolv_conf = TAKE_PTR(resolv);
        return 0;
}

int ctl_block_passed_signals(void) {
        sigset_t mask;
        int fd;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigaddset(&mask, SIGWINCH);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");
        fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create a signalfd: %m");
        return fd;
}

int ctl_run_prepare(const char *arg) {
        _cleanup_free_ char *why = NULL;
        int r;

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
        return ctl_import_unit_images(arg);
}

int ctl_run_plan(Plan *plan, const CtlRunOptions *o) {
        _cleanup_close_ int store_hold_fd = -EBADF;
        _cleanup_(cgroup_freep) Cgroup *cg = NULL;
        _cleanup_free_ char *msg = NULL;
        _cleanup_close_ int sig_fd = -EBADF, pidfd = -EBADF, netns_fd = -EBADF;
        _cleanup_free_ char *resolv_conf = NULL;
        _cleanup_(ctl_relay_done) CtlRelay relay = { .master = -EBADF };
        _cleanup_(run_denials_done) RunDenials denials = { .listener.fd = -EBADF, .options = o };
        int service_fds[3] = { -EBADF, -EBADF, -EBADF };
        bool tty = o->tty;
        _cleanup_(run_net_release) RunNet net = {};
        _cleanup_(run_sockets_done) RunSockets sockets = {};
        int r, status = LAUNCH_EXIT_SETUP, oom;
        const CgroupDriver *driver;
        LaunchParams params;
        Launched l;
        siginfo_t si = {};

        /* sandboxd does not know this service: rm and prune of the store
         * wait for the layers it runs by this lock instead. */
        r = image_store_hold_layers(image_store_dir(), plan->layers, plan->n_layers, &store_hold_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to lock the image store %s: %m", image_store_dir());

        /* A sandboxed process must not reach this one through /proc/PID/exe
         * or ptrace (without a pid namespace it can see us). */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        sig_fd = ctl_block_passed_signals();
        if (sig_fd < 0)
                return sig_fd;

        r = launch_acquire_id_range(plan, NULL);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        if (plan->network == NETWORK_PRIVATE) {
                _cleanup_free_ char *net_msg = NULL;

                r = net_host_prepare(plan, NULL, &net_msg);
                if (r < 0) {
                        log_error_errno(r, "Failed to prepare the network of %s: %s", plan->name, strna(net_msg));
                        return LAUNCH_EXIT_SETUP;
                }
        }

        if (plan->network == NETWORK_SERVICE) {
                r = join_owner(plan, &netns_fd, &resolv_conf);
                if (r < 0)
                        return LAUNCH_EXIT_SETUP;
        }

        driver = cgroup_driver_pick();
        r = cgroup_create_full(driver, plan, &cg, &msg);
        if (r < 0) {
                if (msg)
                        return log_error_errno(r, "%s", msg);
                return log_error_errno(r, "Failed to create the cgroup of %s (%s driver): %m", plan->name, driver->name);
        }

        /* In our network namespace (the host's), before the sandbox exists. */
        r = launch_socket_files(plan, &sockets.files);
        if (r < 0)
                return log_oom();
        r = launch_open_sockets(plan, &sockets.fds, &sockets.n, NULL);
        if (r < 0) {
                /* Only what it made is removed. */
                sockets.files = strv_free(sockets.files);
                return LAUNCH_EXIT_SETUP;
        }

        /* A reader of our output that goes away closes that stream only
         * (ctl-relay.c); the service gets the default back (process.c). */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return log_error_errno(negative_errno(), "Failed to ignore SIGPIPE: %m");

        /* Never our own stdio (ctl-relay.h): pipes, or a pty of the
         * sandbox's devpts. Without a terminal the service's 0 1 2 are
         * init's only, which the pty replaces in the service. */
        params = (LaunchParams) {
                .stdin_fd = -1,
                .stdout_fd = -1,
                .stderr_fd = -1,
                .cgroup = cg,
                .die_with_parent = true,
                .reterr_exit_status = &status,
                .listen_fds = sockets.fds,
                .n_listen_fds = sockets.n,
                .netns_fd = netns_fd,
                .resolv_conf = resolv_conf,
                .tty = tty,
                .seccomp_notify = o->seccomp_notify,
                .on_seccomp_event = denials_note_launch,
                .seccomp_event_userdata = &denials,
        };
        denials.plan = plan;
        if (tty)
                ctl_relay_window_size(&params.tty_rows, &params.tty_cols);
        else {
                r = ctl_relay_pipes(&relay, /* input= */ true, /* escape= */ true, service_fds);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the pipes for the service's stdio: %m");
                params.stdin_fd = service_fds[0];
                params.stdout_fd = service_fds[1];
                params.stderr_fd = service_fds[2];
        }
        r = launch_start(plan, &params, &l);
        /* The service's copies only: EOF once it and its children are gone. */
        close_many(service_fds, service_fds[2] == service_fds[1] ? 2 : 3);
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
        if (o->require_listener && denials.listener.fd < 0) {
                log_error("Service %s runs without a seccomp listener (it needs a PID namespace, and sandboxctl "
                          "must not run under a filter with a listener itself): nothing to learn from, stopping it.",
                          plan->name);
                kill_all(cg, pidfd);
                (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED);
                return LAUNCH_EXIT_SETUP;
        }
        if (tty) {
                r = ctl_relay_pty(&relay, l.pty_master, /* input= */ true, /* escape= */ true);
                if (r >= 0)
                        r = ctl_relay_raw_terminal();
                if (r < 0) {
                        log_error_errno(r, "Failed to set up the terminal: %m");
                        kill_all(cg, pidfd);
                }
        }

        net.plan = plan;
        if (plan->network == NETWORK_PRIVATE) {
                _cleanup_free_ char *net_msg = NULL;

                r = net_host_publish(plan, true, &net_msg);
                if (r < 0) {
                        log_error_errno(r, "Failed to publish the ports of %s: %s", plan->name, strna(net_msg));
                        kill_all(cg, pidfd);
                        return LAUNCH_EXIT_SETUP;
                }
        }

        r = wait_for_service(plan, cg, &l, sig_fd, &relay, &denials,
                             o->duration_usec > 0 ? now_usec() + o->duration_usec : 0, &si);
        if (r < 0) {
                kill_all(cg, pidfd);
                return r;
        }
        /* After the output, so that the summary is the last thing said
         * (the terminal is restored by then, see ctl_relay_done). */
        denials_print(&denials, plan);
        status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;

        oom = cgroup_oom_killed(cg);
        if (oom > 0) {
                char buf[32] = "";

                if (plan->limits.memory_max != CGROUP_LIMIT_MAX)
                        snprintf(buf, sizeof(buf), " (MemoryMax=%s)", format_bytes(plan->limits.memory_max, (char[32]) {}));
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
                log_warning_errno(r, "Failed to remove cgroup %s: %m", strna(cgroup_name(cg)));
        else
                /* Nothing can join a namespace of ours (sandboxd alone
                 * knows the owners of Network=service:). */
                net.netns_ended = true;

        return status;
}
