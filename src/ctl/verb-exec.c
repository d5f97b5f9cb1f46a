/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl exec NAME CMD...: run a command inside a running service's
 * sandbox, confined as the service is. The plan comes from sandboxd (the
 * plan of the current run, not the unit file as it is now, which may have
 * changed), the sandbox is found through the service's main PID, and the
 * launcher joins it (launch_exec). */

#include <getopt.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-common.h"
#include "launch.h"
#include "log.h"
#include "plan-json.h"
#include "plan.h"
#include "string-util.h"

static void help(void) {
        printf("sandboxctl exec [OPTIONS] [--] NAME COMMAND [ARGUMENT...]\n\n"
               "Run COMMAND inside the sandbox of the running service NAME: in its\n"
               "namespaces, root and cgroup, as its user, with its capabilities,\n"
               "resource limits, no_new_privs, seccomp filter and environment, with this\n"
               "terminal's stdin, stdout and stderr. COMMAND is looked up in the\n"
               "service's PATH inside the sandbox. Needs root or sandboxd's admin group.\n\n"
               "Exit status: COMMAND's, or 128+N when signal N killed it; 125 when it\n"
               "could not be started in the sandbox (or sandboxd refused), 126 when\n"
               "COMMAND cannot be executed, 127 when it is not found.\n\n"
               "  -h --help     Show this help\n");
}

/* MainPID and State of the unit. */
static int get_main_pid(sd_bus *bus, const char *name, pid_t *ret_pid) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = NULL;
        bool running = false;
        uint32_t pid = 0;
        int r;

        r = ctl_bus_get_unit_properties(bus, name, &e, &reply);
        if (r < 0) {
                if (asprintf_safe(&what, "find service %s", name) < 0)
                        return log_oom();
                (void) ctl_bus_log_error(&e, r, false, what);
                return -ESRCH;
        }

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
                return log_error_errno(r, "Failed to parse the properties of %s: %m", name);

        if (!running || pid == 0)
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH), "Service %s is not running.", name);
        *ret_pid = (pid_t) pid;
        return 0;
}

static int get_plan(sd_bus *bus, const char *name, Plan **ret) {
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

int verb_exec(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        pid_t pid, again;
        int c, r, status = LAUNCH_EXIT_SETUP;

        optind = 0;
        /* '+': the command's own options are not ours. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                default:
                        return LAUNCH_EXIT_SETUP;
                }
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

        r = get_main_pid(bus, name, &pid);
        if (r < 0)
                return LAUNCH_EXIT_SETUP;

        r = get_plan(bus, name, &plan);
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
        r = get_main_pid(bus, name, &again);
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

        r = launch_exec(plan, pid, pidfd, argv + optind + 1, &status);
        if (r < 0)
                /* launch_exec logged. */
                return status > 0 ? status : LAUNCH_EXIT_SETUP;
        return status;
}
