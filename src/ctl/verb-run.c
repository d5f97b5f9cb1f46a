/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl run UNIT: compile, make the cgroup, launch, and stay in the
 * foreground until the service is gone, passing stop requests on the way
 * the supervisor would: KillSignal= first, and after TimeoutStopSec= a
 * SIGKILL to the whole cgroup. Exits with the service's status. */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctl-common.h"
#include "ctl-escape.h"
#include "launch.h"
#include "log.h"
#include "plan.h"
#include "root-check.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void help(void) {
        printf("sandboxctl run [OPTIONS] UNIT\n\n"
               "Run the service of UNIT (a unit file, or a name looked up on the unit\n"
               "search path) in its sandbox, in the foreground, with this terminal's\n"
               "stdin, stdout and stderr.\n\n"
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

/* The service's stdout or stderr, when it is a terminal of ours: a pipe
 * we copy to the terminal, escaped. */
typedef struct Relay {
        int fd;                 /* read end; -EBADF: none, or at its end */
        FILE *to;
        CtlEscape esc;
} Relay;

/* Copies what there is; at the end (EOF, an error), closes the pipe. Until
 * EAGAIN with drain: the service is gone, and what it left behind must not
 * keep us (a daemonised child may hold the pipe open). */
static void relay_copy(Relay *rl, bool drain) {
        char buf[64 * 1024];

        if (!rl->to)
                return;

        while (rl->fd >= 0) {
                ssize_t n = read(rl->fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN && !drain)
                        return;
                if (n <= 0) {
                        rl->fd = safe_close(rl->fd);
                        break;
                }
                (void) ctl_escape_write(&rl->esc, rl->to, buf, (size_t) n);
                fflush(rl->to);
                if (!drain)
                        return;
        }
        (void) ctl_escape_flush(&rl->esc, rl->to);
        fflush(rl->to);
}

/* Wait for the sandbox to end, passing signals on and copying the relayed
 * output; returns the wait status. */
static int wait_for_service(const Plan *p, Cgroup *cg, const Launched *l, int sig_fd, Relay relays[static 2],
                            siginfo_t *ret) {
        uint64_t deadline = 0;
        bool stopping = false;
        int r;

        for (;;) {
                struct pollfd pfd[4] = {
                        { .fd = l->pidfd, .events = POLLIN },
                        { .fd = sig_fd, .events = POLLIN },
                        { .fd = relays[0].fd, .events = POLLIN },
                        { .fd = relays[1].fd, .events = POLLIN },
                };
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

                if (poll(pfd, 4, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "Failed to wait for the service: %m");
                }
                for (size_t i = 0; i < 2; i++)
                        if (pfd[2 + i].revents)
                                relay_copy(&relays[i], false);
                if (pfd[0].revents)
                        break;
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

        for (size_t i = 0; i < 2; i++)
                relay_copy(&relays[i], true);
        while (waitid((idtype_t) P_PIDFD, (id_t) l->pidfd, ret, WEXITED) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to reap the service: %m");
        return 0;
}

/* stdout and stderr that are terminals become pipes to relays; stdin that
 * is one is opened again read-only, so the service cannot write to the
 * terminal through it either. */
static int setup_terminal(LaunchParams *params, int *ret_stdin, Relay relays[static 2], int write_ends[static 2]) {
        static const int targets[2] = { STDOUT_FILENO, STDERR_FILENO };

        for (size_t i = 0; i < 2; i++) {
                int fds[2];

                if (!ctl_escape_wanted(targets[i]))
                        continue;
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return log_error_errno(negative_errno(), "Failed to create a pipe for the service's output: %m");
                (void) fcntl(fds[0], F_SETFL, O_NONBLOCK);
                relays[i] = (Relay) { .fd = fds[0], .to = i == 0 ? stdout : stderr, .esc.escape = true };
                write_ends[i] = fds[1];
        }
        params->stdout_fd = write_ends[0] >= 0 ? write_ends[0] : STDOUT_FILENO;
        params->stderr_fd = write_ends[1] >= 0 ? write_ends[1] : STDERR_FILENO;

        if (ctl_escape_wanted(STDIN_FILENO)) {
                *ret_stdin = open("/proc/self/fd/0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
                if (*ret_stdin < 0)
                        log_debug_errno(negative_errno(), "Failed to open the terminal again read-only, the service "
                                        "gets /dev/null as stdin: %m");
                params->stdin_fd = *ret_stdin >= 0 ? *ret_stdin : -1;
        }
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
        int write_ends[2] = { -EBADF, -EBADF };
        Relay relays[2] = { { .fd = -EBADF }, { .fd = -EBADF } };
        _cleanup_(cgroup_freep) Cgroup *cg = NULL;
        _cleanup_free_ char *msg = NULL, *why = NULL;
        _cleanup_close_ int sig_fd = -EBADF, pidfd = -EBADF;
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

        driver = cgroup_driver_pick();
        r = cgroup_create_full(driver, plan, &cg, &msg);
        if (r < 0) {
                if (msg)
                        return log_error_errno(r, "%s", msg);
                return log_error_errno(r, "Failed to create the cgroup of %s (%s driver): %m", plan->name, driver->name);
        }

        params = (LaunchParams) {
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
                .cgroup = cg,
                .die_with_parent = true,
                .reterr_exit_status = &status,
        };
        r = setup_terminal(&params, &tty_in, relays, write_ends);
        if (r >= 0)
                r = launch_start(plan, &params, &l);
        /* Only the service writes into the pipes now: their end is its end. */
        for (size_t i = 0; i < 2; i++)
                write_ends[i] = safe_close(write_ends[i]);
        tty_in = safe_close(tty_in);
        if (r < 0) {
                for (size_t i = 0; i < 2; i++)
                        relays[i].fd = safe_close(relays[i].fd);
                /* launch_start logged; the cgroup goes with cgroup_freep. */
                return status;
        }
        pidfd = l.pidfd;

        r = wait_for_service(plan, cg, &l, sig_fd, relays, &si);
        for (size_t i = 0; i < 2; i++)
                relays[i].fd = safe_close(relays[i].fd);
        if (r < 0) {
                kill_all(cg, pidfd);
                return r;
        }
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
