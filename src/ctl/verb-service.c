/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The verbs that ask sandboxd to change something: start, stop, restart,
 * enable, disable, reset-failed, daemon-reload. Each is one method call
 * per unit (docs/sandboxd-api.md); what happens is sandboxd's business,
 * and its errors are reported as they come. */

#include <getopt.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-common.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

typedef enum UnitArgKind {
        UNIT_ARG_FILE,          /* a unit sandboxd finds or is given: NAME, NAME.unit, /path/NAME.unit */
        UNIT_ARG_NAME,          /* a unit sandboxd knows: NAME */
} UnitArgKind;

/* StartUnit and EnableUnit take an absolute path for anything that looks
 * like one (sandboxd does not share our working directory); the others take
 * NAME, which the user may write as NAME.unit or as the unit's path. */
static int unit_arg(const char *arg, UnitArgKind kind, char **ret) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (kind == UNIT_ARG_NAME)
                return ctl_unit_name_from_arg(arg, ret);

        if (strchr(arg, '/')) {
                p = realpath(arg, NULL);
                if (!p)
                        return log_error_errno(negative_errno(), "Failed to find unit file %s: %m", arg);
                if (!endswith(p, ".unit"))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s: a unit file's name ends in .unit.", arg);
                *ret = TAKE_PTR(p);
                return 0;
        }

        /* NAME or NAME.unit, as given; checked here for a clear message
         * (sandboxd checks again). */
        r = ctl_unit_name_from_arg(arg, &p);
        if (r < 0)
                return r;
        p = mfree(p);
        p = strdup(arg);
        if (!p)
                return log_oom();
        *ret = TAKE_PTR(p);
        return 0;
}

/* Each argument as sandboxd takes it, all checked before anything is
 * asked of sandboxd. Returns 0 or the exit status. */
static int unit_args(char **args, int n_args, UnitArgKind kind, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int ret_status = 0;

        for (int i = 0; i < n_args; i++) {
                char *arg;
                int r;

                r = unit_arg(args[i], kind, &arg);
                if (r == -ENOMEM)
                        return CTL_EXIT_FAILURE;
                if (r < 0) {
                        if (ret_status == 0)
                                ret_status = r == -ENOENT ? CTL_EXIT_NO_SUCH_UNIT : CTL_EXIT_FAILURE;
                        continue;
                }
                if (strv_consume(&l, arg) < 0)
                        return log_oom();
        }
        if (ret_status != 0)
                return ret_status;
        *ret = TAKE_PTR(l);
        return 0;
}

/* One call per unit, in order; carries on after a failure and returns the
 * exit status of the first. */
static int call_each(sd_bus *bus, const char *method, const char *verb, uint64_t timeout_usec, char **args,
                     char **user_args) {
        int ret = 0;

        for (size_t i = 0; args && args[i]; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *what = NULL;
                int r;

                r = ctl_bus_call(bus, method, timeout_usec, &e, NULL, "s", args[i]);
                if (r < 0) {
                        if (asprintf_safe(&what, "%s %s", verb, user_args[i]) < 0)
                                return log_oom();
                        r = ctl_bus_log_error(&e, r, false, what);
                        if (ret == 0)
                                ret = r;
                }
        }
        return ret;
}

enum { ARG_NOW = 0x100 };

/* Each verb has its options table in its own body (the completions and
 * man page tests read them from there); they share this loop. Returns 0
 * after --help, 1 to go on. */
static int parse_options(int argc, char *argv[], const struct option *options, void (*help)(void), bool *now) {
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_NOW:
                        *now = true;
                        break;
                default:
                        return -EINVAL;
                }
        return 1;
}

/* The common shape of start, stop, restart, reset-failed: options, units,
 * one call each. */
static int simple_verb(int argc, char *argv[], const struct option *options, void (*help)(void), const char *method,
                       UnitArgKind kind, uint64_t timeout_usec) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **args = NULL;
        bool now = false;
        int r;

        r = parse_options(argc, argv, options, help, &now);
        if (r <= 0)
                return r;
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s: expected at least one unit (see sandboxctl %s --help).",
                                       argv[0], argv[0]);

        r = unit_args(argv + optind, argc - optind, kind, &args);
        if (r != 0)
                return r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        return call_each(bus, method, argv[0], timeout_usec, args, argv + optind);
}

static void help_start(void) {
        printf("sandboxctl start [OPTIONS] UNIT...\n\n"
               "Ask sandboxd to start each unit: NAME or NAME.unit from sandboxd's unit\n"
               "search path, or a path to a unit file (anything with a '/'). The unit is\n"
               "compiled anew; a failed unit is reset first. Returns once each service\n"
               "has started (exec'd). Needs root or sandboxd's admin group.\n\n"
               "  -h --help     Show this help\n");
}

int verb_start(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };

        /* Tarball images are unpacked and scopes made before a start returns. */
        return simple_verb(argc, argv, options, help_start, "StartUnit", UNIT_ARG_FILE, UINT64_MAX);
}

static void help_stop(void) {
        printf("sandboxctl stop [OPTIONS] NAME...\n\n"
               "Ask sandboxd to stop each service: KillSignal=, then after TimeoutStopSec=\n"
               "SIGKILL to everything in its cgroup. Returns once the services are gone.\n"
               "Needs root or sandboxd's admin group.\n\n"
               "  -h --help     Show this help\n");
}

int verb_stop(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };

        return simple_verb(argc, argv, options, help_stop, "StopUnit", UNIT_ARG_NAME, UINT64_MAX);
}

static void help_restart(void) {
        printf("sandboxctl restart [OPTIONS] NAME...\n\n"
               "Ask sandboxd to stop each service (waiting until it is gone) and start it\n"
               "again, compiling its unit anew. Needs root or sandboxd's admin group.\n\n"
               "  -h --help     Show this help\n");
}

int verb_restart(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };

        return simple_verb(argc, argv, options, help_restart, "RestartUnit", UNIT_ARG_NAME, UINT64_MAX);
}

static void help_reset_failed(void) {
        printf("sandboxctl reset-failed [OPTIONS] [NAME...]\n\n"
               "Reset failed services to inactive, with their start-limit counters; without\n"
               "a NAME, every failed service. Needs root or sandboxd's admin group.\n\n"
               "  -h --help     Show this help\n");
}

static int reset_all_failed(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *state;
        int r, ret = 0;

        r = ctl_bus_call(bus, "ListUnits", 0, &e, &reply, NULL);
        if (r < 0)
                return ctl_bus_log_error(&e, r, false, "list units");

        r = sd_bus_message_enter_container(reply, 'a', "(ssssuutt)");
        if (r < 0)
                goto parse_error;
        while ((r = sd_bus_message_read(reply, "(ssssuutt)", &name, NULL, &state, NULL, NULL, NULL, NULL, NULL)) > 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e2 = SD_BUS_ERROR_NULL;

                if (!streq(state, "failed"))
                        continue;
                r = ctl_bus_call(bus, "ResetFailed", 0, &e2, NULL, "s", name);
                if (r < 0) {
                        _cleanup_free_ char *what = NULL;

                        if (asprintf_safe(&what, "reset-failed %s", name) < 0)
                                return log_oom();
                        r = ctl_bus_log_error(&e2, r, false, what);
                        if (ret == 0)
                                ret = r;
                }
        }
        if (r < 0)
                goto parse_error;
        return ret;

parse_error:
        log_error_errno(r, "Failed to parse sandboxd's list of units: %m");
        return CTL_EXIT_FAILURE;
}

int verb_reset_failed(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool now = false;
        int r;

        r = parse_options(argc, argv, options, help_reset_failed, &now);
        if (r <= 0)
                return r;
        if (optind < argc)
                return simple_verb(argc, argv, options, help_reset_failed, "ResetFailed", UNIT_ARG_NAME, 0);

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;
        return reset_all_failed(bus);
}

static void help_daemon_reload(void) {
        printf("sandboxctl daemon-reload [OPTIONS]\n\n"
               "Ask sandboxd to compile every unit it knows anew from disk, for its next\n"
               "automatic restart (running services keep running as they are). A unit that\n"
               "does not compile keeps its old plan, and its problems are printed.\n"
               "Needs root or sandboxd's admin group.\n\n"
               "  -h --help     Show this help\n");
}

int verb_daemon_reload(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool now = false;
        int r;

        r = parse_options(argc, argv, options, help_daemon_reload, &now);
        if (r <= 0)
                return r;
        if (optind < argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "daemon-reload takes no arguments.");

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        r = ctl_bus_call(bus, "Reload", UINT64_MAX, &e, NULL, NULL);
        if (r < 0)
                return ctl_bus_log_error(&e, r, false, "reload");
        return 0;
}

static void help_enable(void) {
        printf("sandboxctl enable [OPTIONS] UNIT...\n\n"
               "Mark each unit to be started when sandboxd starts: a link in\n"
               "$SANDBOXD_CONFIG_DIR/enabled (default /etc/sandboxd/enabled). The unit\n"
               "needs [Install] WantedBy=default. UNIT is NAME, NAME.unit or a path.\n"
               "Needs root or sandboxd's admin group.\n\n"
               "     --now      Start the units too\n"
               "  -h --help     Show this help\n");
}

static void help_disable(void) {
        printf("sandboxctl disable [OPTIONS] NAME...\n\n"
               "Stop starting each unit when sandboxd starts.\n"
               "Needs root or sandboxd's admin group.\n\n"
               "     --now      Stop the services too\n"
               "  -h --help     Show this help\n");
}

/* enable/disable [--now] UNIT...: the [Install] link, and with --now the
 * start or stop too. */
static int install_verb(int argc, char *argv[], const struct option *options, bool enable) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **args = NULL;
        bool now = false;
        int r;

        r = parse_options(argc, argv, options, enable ? help_enable : help_disable, &now);
        if (r <= 0)
                return r;
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s: expected at least one unit (see sandboxctl %s --help).",
                                       argv[0], argv[0]);

        r = unit_args(argv + optind, argc - optind, enable ? UNIT_ARG_FILE : UNIT_ARG_NAME, &args);
        if (r != 0)
                return r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        if (enable) {
                r = call_each(bus, "EnableUnit", "enable", 0, args, argv + optind);
                if (r == 0 && now)
                        r = call_each(bus, "StartUnit", "start", UINT64_MAX, args, argv + optind);
        } else {
                r = call_each(bus, "DisableUnit", "disable", 0, args, argv + optind);
                if (r == 0 && now)
                        r = call_each(bus, "StopUnit", "stop", UINT64_MAX, args, argv + optind);
        }
        return r;
}

int verb_enable(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "now", no_argument, NULL, ARG_NOW },
                {}
        };

        return install_verb(argc, argv, options, true);
}

int verb_disable(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "now", no_argument, NULL, ARG_NOW },
                {}
        };

        return install_verb(argc, argv, options, false);
}
