/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "ctl-common.h"
#include "log.h"
#include "string-util.h"

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *summary;
        bool daemon;            /* talks to sandboxd */
} Verb;

static const Verb verbs[] = {
        { "check", verb_check, "Compile units and policies, report every problem", false },
        { "plan", verb_plan, "Show the launch plan of a unit (--json for the stable format)", false },
        { "analyze", verb_analyze, "Score how exposed a unit's service would be (0 locked down, 10 unprotected)", false },
        { "policy", verb_policy, "Show a policy's syscalls, or the syscall groups", false },
        { "run", verb_run, "Run a unit's service in the foreground, in its sandbox", false },
        { "image", verb_image, "Pull, import, list, inspect and remove images of the local store", false },
        { "start", verb_start, "Start units under sandboxd", true },
        { "stop", verb_stop, "Stop services", true },
        { "restart", verb_restart, "Stop services and start them again from their units", true },
        { "status", verb_status, "Show the state of services and their last log lines", true },
        { "list", verb_list, "List the services sandboxd knows", true },
        { "logs", verb_logs, "Show (-f: follow) the logs of a service", true },
        { "exec", verb_exec, "Run a command inside a running service's sandbox", true },
        { "enable", verb_enable, "Start units when sandboxd starts ([Install])", true },
        { "disable", verb_disable, "Stop starting units when sandboxd starts", true },
        { "reset-failed", verb_reset_failed, "Reset failed services to inactive", true },
        { "daemon-reload", verb_daemon_reload, "Recompile the units sandboxd knows, for their next start", true },
};

static void help(void) {
        printf("sandboxctl [OPTIONS] COMMAND ...\n\n"
               "Compile and run sandboxed services described by unit files.\n\n"
               "Unit commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (!verbs[i].daemon)
                        printf("  %-14s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nService commands (through sandboxd):\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (verbs[i].daemon)
                        printf("  %-14s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nOptions:\n"
               "  -h --help      Show this help (COMMAND --help for a command's)\n"
               "     --version   Show the version\n"
               "     --log-level=LEVEL  debug, info (default), notice, warning, err, ...\n"
               "                 (also $SANDBOXD_LOG_LEVEL)\n"
               "\nUnits are found in $SANDBOXD_UNIT_PATH or /etc/sandboxd/units,\n"
               "/run/sandboxd/units, /usr/lib/sandboxd/units; sandboxd is reached through\n"
               "$SANDBOXD_RUNTIME_DIR/private (default /run/sandboxd) or the system bus.\n"
               "See sandboxctl(1).\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c, r;

        log_set_prefix("sandboxctl");
        if (log_set_max_level_from_env() < 0)
                log_warning("Ignoring SANDBOXD_LOG_LEVEL=%s: not one of %s.", getenv("SANDBOXD_LOG_LEVEL"),
                            LOG_LEVEL_NAMES);

        /* '+': stop at the first non-option, the verb parses its own. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sandboxctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_LOG_LEVEL: {
                        int level = log_level_from_string(optarg);

                        if (level < 0) {
                                log_error("--log-level= takes %s, not \"%s\".", LOG_LEVEL_NAMES, optarg);
                                return 2;
                        }
                        log_set_max_level(level);
                        break;
                }
                default:
                        return 2;
                }

        if (optind >= argc) {
                help();
                return 2;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[optind])) {
                        r = verbs[i].run(argc - optind, argv + optind);
                        /* run returns the service's exit status as a positive value. */
                        if (r > 0)
                                return r > 255 ? 255 : r;
                        return r < 0 ? 1 : 0;
                }

        const char *names[ELEMENTSOF(verbs)], *hint;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                names[i] = verbs[i].name;
        hint = closest_match(argv[optind], names, ELEMENTSOF(names));
        if (hint)
                log_error("Unknown command \"%s\"; did you mean \"%s\"? (see sandboxctl --help)", argv[optind], hint);
        else
                log_error("Unknown command \"%s\" (see sandboxctl --help).", argv[optind]);
        return 2;
}
