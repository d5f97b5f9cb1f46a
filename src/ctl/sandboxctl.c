/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <getopt.h>
#include <stdio.h>

#include "config.h"
#include "ctl-common.h"
#include "log.h"
#include "string-util.h"

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *summary;
} Verb;

static const Verb verbs[] = {
        { "check", verb_check, "Compile units and policies, report every problem" },
        { "plan", verb_plan, "Show the launch plan of a unit (--json for the stable format)" },
        { "policy", verb_policy, "Show a policy's syscalls, or the syscall groups" },
#ifndef SANDBOXCTL_NO_RUN
        { "run", verb_run, "Run a unit's service in the foreground, in its sandbox" },
#endif
};

static void help(void) {
        printf("sandboxctl [OPTIONS] COMMAND ...\n\n"
               "Compile and run sandboxed services described by unit files.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-8s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nOptions:\n"
               "  -h --help      Show this help (COMMAND --help for a command's)\n"
               "     --version  Show the version\n"
               "\nUnits are found in $SANDBOXD_UNIT_PATH or /etc/sandboxd/units,\n"
               "/run/sandboxd/units, /usr/lib/sandboxd/units; see sandboxctl(1).\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c, r;

        log_set_prefix("sandboxctl");

        /* '+': stop at the first non-option, the verb parses its own. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sandboxctl %s\n", PACKAGE_VERSION);
                        return 0;
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

        log_error("Unknown command \"%s\" (see sandboxctl --help).", argv[optind]);
        return 2;
}
