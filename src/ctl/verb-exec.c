/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl exec NAME CMD...: run a command inside a running service's
 * sandbox, confined as the service is. The plan comes from sandboxd (the
 * plan of the current run, not the unit file as it is now, which may have
 * changed), the sandbox is found through the service's main PID, and the
 * launcher joins it (launch_exec_start). The command never gets our own
 * stdin, stdout or stderr: pipes, or with -t a pty made inside the
 * sandbox, which we relay (ctl-relay.c). */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-common.h"
#include "ctl-run.h"
#include "ctl-relay.h"
#include "image-users.h"
#include "launch.h"
#include "log.h"
#include "missing-wait.h"
#include "parse-util.h"
#include "plan-json.h"
#include "plan.h"
#include "string-util.h"
#include "strv.h"

static void help(void) {
        printf("sandboxctl exec [OPTIONS] [--] NAME COMMAND [ARGUMENT...]\n\n"
               "Run COMMAND inside the sandbox of the running service NAME: in its\n"
               "namespaces, root and cgroup, as its user, with its capabilities,\n"
               "resource limits, no_new_privs, seccomp filter and environment.\n"
               "COMMAND is looked up in the service's PATH inside the sandbox. It never\n"
               "gets this terminal or these files: its stdout and stderr are pipes copied\n"
               "to ours, its stdin /dev/null (a pipe fed from ours with -i), or with -t\n"
               "a new terminal inside the sandbox, relayed. Needs root.\n\n"
               "Exit status: COMMAND's, or 128+N when signal N killed it; 125 when it\n"
               "could not be started in the sandbox (or sandboxd refused), 126 when\n"
               "COMMAND cannot be executed, 127 when it is not found.\n\n"
               "Options:\n"
               "  -t --tty                 A pseudo-terminal inside the sandbox as the\n"
               "                           command's terminal (with -i this one in raw mode)\n"
               "  -i --interactive         Pass our stdin on\n"
               "  -u --user=USER[:GROUP]   Run as USER (a name of the image or a number)\n"
               "  -w --workdir=DIR         Start in DIR instead of WorkingDirectory=\n"
               "  -e --env=NAME=VALUE      Set a variable (repeatable)\n"
               "  -h --help                Show this help\n");
}

int ctl_query_main_pid(sd_bus *bus, const char *name, sd_bus_error *reterr, pid_t *ret_pid) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool running = false;
        uint32_t pid = 0;
        int r;

        r = ctl_bus_get_unit_properties(bus, name, reterr, &reply);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *s;

                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r < 0)
                        break;
                if (streq(key, "MainPID"))
                        r = sd_bus_message_read(reply, "v", "u", &pid);
                else if (streq(key, "State")) {
                        r = sd_bus_message_read(reply, "v", "s", &s);
                        if (r >= 0)
                                running = streq(s, "running");
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                return -EBADMSG;
        if (!running || pid == 0)
                return -ESRCH;
        *ret_pid = (pid_t) pid;
        return 0;
}

int ctl_get_main_pid(sd_bus *bus, const char *name, pid_t *ret_pid) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *what = NULL;
        int r;

        r = ctl_query_main_pid(bus, name, &e, ret_pid);
        if (r == -ESRCH)
                return log_error_errno(r, "Service %s is not running.", name);
        if (r == -EBADMSG)
                return log_error_errno(r, "Failed to parse the properties of %s: %m", name);
        if (r < 0) {
                if (asprintf_safe(&what, "find service %s", name) < 0)
                        return log_oom();
                (void) ctl_bus_log_error(&e, r, false, what);
                return -ESRCH;
        }
        return 0;
}

int ctl_get_plan(sd_bus *bus, const char *name, Plan **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = NULL, *msg = NULL;
        const char *json;
        int r;

        r = ctl_bus_call(bus, "GetUnitPlan", 0, &e, &reply, "s", name);
        if (r < 0) {
                if (asprintf_safe(&what, "get the plan of %s", name) < 0)
                        return log_oom();
                (void) ctl_bus_log_error(&e, r, false, what);
                return r;
        }

        r = sd_bus_message_read(reply, "s", &json);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the plan of %s: %m", name);

        r = plan_from_json(json, strlen(json), ret, &msg);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "sandboxd sent an invalid plan for %s: %s", name, msg ?: "invalid plan");
        return 0;
}

static bool env_name_valid(const char *s, size_t n) {
        if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '_'))
                        return false;
        return true;
}

/* -u USER[:GROUP]: names from the image, as for User= and Group=. */
static int apply_user(Plan *p, const char *spec) {
        _cleanup_free_ char *u = strdup(spec);
        ImageUser iu = {};
        char *group;
        uid_t uid;
        int r;

        if (!u)
                return log_oom();
        group = strchr(u, ':');
        if (group)
                *group++ = '\0';
        if (parse_uid(u, &uid) >= 0) {
                p->uid = uid;
                p->gid = uid;
                r = image_find_user(p->layers, p->n_layers, NULL, uid, &iu);
                if (r >= 0)
                        p->gid = iu.gid;
        } else {
                r = image_find_user(p->layers, p->n_layers, u, 0, &iu);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "--user: user \"%s\" not found in the image's /etc/passwd.", u);
                p->uid = iu.uid;
                p->gid = iu.gid;
        }
        if (group && parse_uid(group, &p->gid) < 0) {
                r = image_find_group(p->layers, p->n_layers, group, &p->gid);
                if (r == -ENOMEM)
                        r = log_oom();
                else if (r < 0)
                        r = log_error_errno(r, "--user: group \"%s\" not found in the image's /etc/group.", group);
                if (r < 0)
                        goto finish;
        }
        if ((p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) && (p->uid >= p->uid_map_count || p->gid >= p->uid_map_count)) {
                r = log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--user: with a user namespace, uid and gid must be below %u.",
                                    p->uid_map_count);
                goto finish;
        }
        /* The service's supplementary groups are its user's, not this one's. */
        p->supplementary_gids = mfree(p->supplementary_gids);
        p->n_supplementary_gids = 0;
        if (iu.name) {
                _cleanup_free_ char *user = NULL, *logname = NULL, *home = NULL;

                if (asprintf_safe(&user, "USER=%s", iu.name) < 0 || asprintf_safe(&logname, "LOGNAME=%s", iu.name) < 0 ||
                    asprintf_safe(&home, "HOME=%s", iu.home ?: "/") < 0 || strv_env_set(&p->environment, user) < 0 ||
                    strv_env_set(&p->environment, logname) < 0 || strv_env_set(&p->environment, home) < 0) {
                        r = log_oom();
                        goto finish;
                }
        }
        r = 0;
finish:
        image_user_done(&iu);
        return r;
}

typedef struct ExecOptions {
        bool tty;
        bool interactive;
        const char *user;
        const char *workdir;
        char **env;
} ExecOptions;

static int apply_options(Plan *p, const ExecOptions *o) {
        int r;

        if (o->user) {
                r = apply_user(p, o->user);
                if (r < 0)
                        return r;
        }
        if (o->workdir) {
                if (o->workdir[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--workdir: \"%s\" is not an absolute path.",
                                               o->workdir);
                char *w = strdup(o->workdir);

                if (!w)
                        return log_oom();
                free(p->working_directory);
                p->working_directory = w;
        }
        STRV_FOREACH(e, o->env) {
                const char *eq = strchr(*e, '=');

                if (!eq || !env_name_valid(*e, (size_t) (eq - *e)))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--env: \"%s\" is not NAME=VALUE.", *e);
                if (strv_env_set(&p->environment, *e) < 0)
                        return log_oom();
        }
        return 0;
}

static int status_of(const siginfo_t *si) {
        return si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
}

/* Until the command ends: copy its stdio, pass signals on (SIGWINCH as the
 * pty's new size), then its status. */
static int relay_and_wait(CtlRelay *relay, const LaunchExeced *x, int sig_fd, int *ret_status) {
        siginfo_t si = {};

        for (;;) {
                struct pollfd pfd[2 + CTL_RELAY_MAX_POLLFDS] = {
                        { .fd = x->pidfd, .events = POLLIN },
                        { .fd = sig_fd, .events = POLLIN },
                };
                size_t n = ctl_relay_pollfds(relay, pfd + 2);
                struct signalfd_siginfo ssi;

                if (poll(pfd, 2 + n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "Failed to wait for the command: %m");
                }
                ctl_relay_dispatch(relay, pfd + 2);
                while (read(sig_fd, &ssi, sizeof(ssi)) == (ssize_t) sizeof(ssi)) {
                        if (ssi.ssi_signo == SIGWINCH)
                                ctl_relay_winch(relay);
                        else
                                (void) syscall(SYS_pidfd_send_signal, x->pidfd, (int) ssi.ssi_signo, NULL, 0);
                }
                if (pfd[0].revents & POLLIN)
                        break;
        }

        ctl_relay_drain(relay);
        while (waitid((idtype_t) P_PIDFD, (id_t) x->pidfd, &si, WEXITED) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to reap the command: %m");
        *ret_status = status_of(&si);
        return 0;
}

int verb_exec(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "tty", no_argument, NULL, 't' },
                { "interactive", no_argument, NULL, 'i' },
                { "user", required_argument, NULL, 'u' },
                { "workdir", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_ int pidfd = -EBADF, sig_fd = -EBADF, x_pidfd = -EBADF;
        _cleanup_(ctl_relay_done) CtlRelay relay = { .master = -EBADF };
        ExecOptions o = {};
        LaunchExecParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
        LaunchExeced x;
        int cmd_fds[3] = { -EBADF, -EBADF, -EBADF };
        pid_t pid, again;
        int c, r, status = LAUNCH_EXIT_SETUP;

        optind = 0;
        /* '+': the command's own options are not ours. */
        while ((c = getopt_long(argc, argv, "+htiu:w:e:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 't':
                        o.tty = true;
                        break;
                case 'i':
                        o.interactive = true;
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case 'w':
                        o.workdir = optarg;
                        break;
                case 'e':
                        if (strv_extend(&env, optarg) < 0)
                                return log_oom(), LAUNCH_EXIT_SETUP;
                        break;
                default:
                        return LAUNCH_EXIT_SETUP;
                }
        o.env = env;
        if (argc - optind < 2) {
                log_error("exec: expected a service name and a command (see sandboxctl exec --help).");
                return LAUNCH_EXIT_SETUP;
        }

        r = ctl_unit_name_from_arg(argv[optind], &name);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        r = ctl_get_main_pid(bus, name, &pid);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        r = ctl_get_plan(bus, name, &plan);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;
        r = apply_options(plan, &o);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                log_error_errno(negative_errno(), "Failed to open the main process %d of %s: %m", (int) pid, name);
                return LAUNCH_EXIT_SETUP;
        }

        /* The pid may have been reused between sandboxd's answer and
         * pidfd_open(), or the service restarted (with another plan) since:
         * if sandboxd still names the same pid now, the pidfd pins the
         * process the plan belongs to (one that died since stays dead, and
         * joining it through the pidfd fails). */
        r = ctl_get_main_pid(bus, name, &again);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;
        if (again != pid) {
                log_error("Service %s restarted while joining it (main PID %d, now %d); try again.", name, (int) pid,
                          (int) again);
                return LAUNCH_EXIT_SETUP;
        }
        /* Not needed any more, and a sandboxed process must not reach us
         * through it; nor through /proc/PID/mem or ptrace. */
        bus = sd_bus_flush_close_unref(bus);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        sig_fd = ctl_block_passed_signals();
        if (sig_fd < 0)
                return LAUNCH_EXIT_SETUP;
        /* A reader of our output that goes away ends that stream only. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
                log_error_errno(negative_errno(), "Failed to ignore SIGPIPE: %m");
                return LAUNCH_EXIT_SETUP;
        }

        params.tty = o.tty;
        params.reterr_exit_status = &status;
        if (o.tty)
                ctl_relay_window_size(&params.tty_rows, &params.tty_cols);
        else {
                r = ctl_relay_pipes(&relay, o.interactive, /* escape= */ false, cmd_fds);
                if (r < 0) {
                        log_error_errno(r, "Failed to create the pipes for the command's stdio: %m");
                        return LAUNCH_EXIT_SETUP;
                }
                params.stdin_fd = cmd_fds[0];
                params.stdout_fd = cmd_fds[1];
                params.stderr_fd = cmd_fds[2];
        }

        r = launch_exec_start(plan, pid, pidfd, argv + optind + 1, &params, &x);
        /* The command's ends: it has its copies, and ours would keep its
         * output from ending. */
        close_many(cmd_fds, cmd_fds[2] == cmd_fds[1] ? 2 : 3);
        if (r < 0)
                /* Logged; status says what it means. */
                return status;
        x_pidfd = x.pidfd;

        if (o.tty) {
                r = ctl_relay_pty(&relay, x.pty_master, o.interactive, /* escape= */ false);
                if (r >= 0 && o.interactive)
                        r = ctl_relay_raw_terminal();
                if (r < 0) {
                        log_error_errno(r, "Failed to set up the terminal: %m");
                        (void) syscall(SYS_pidfd_send_signal, x_pidfd, SIGKILL, NULL, 0);
                }
        }

        r = relay_and_wait(&relay, &x, sig_fd, &status);
        ctl_relay_done(&relay);
        if (r < 0) {
                (void) syscall(SYS_pidfd_send_signal, x_pidfd, SIGKILL, NULL, 0);
                return LAUNCH_EXIT_SETUP;
        }
        return status;
}
