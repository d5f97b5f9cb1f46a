/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl-common.h"
#include "diag.h"
#include "log.h"
#include "plan-compile.h"
#include "string-util.h"

static void help(void) {
        printf("sandboxctl check [OPTIONS] FILE|NAME...\n\n"
               "Compile units (and the policies they name) without running anything.\n"
               "Arguments ending in .policy are checked as policies.\n"
               "Prints FILE:LINE: Key: message for every problem; exits 1 if there was any.\n"
               "Warnings (FILE:LINE: Key: warning: ...) are printed too and do not fail.\n\n"
               "  -q --quiet     Print nothing for units that compile\n"
               "  -h --help      Show this help\n");
}

static int check_policy(const char *arg, Diagnostics *d) {
        _cleanup_(policy_freep) Policy *p = NULL;
        PlanSyscall *s = NULL;
        size_t n = 0;
        int r;

        r = policy_load(arg, &p, d);
        if (r < 0)
                return r;
        r = policy_expand(p, &s, &n);
        plan_syscalls_free(s, n);
        return r;
}

int verb_check(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                {}
        };
        bool quiet = false;
        int c, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "check: expected at least one unit (see sandboxctl check --help).");

        for (int i = optind; i < argc; i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {}, w = {};
                _cleanup_(plan_freep) Plan *p = NULL;
                int r;

                if (endswith(argv[i], ".policy"))
                        r = check_policy(argv[i], &d);
                else
                        r = plan_compile_unit_full(argv[i], geteuid(), &p, &d, &w);
                if (r == -ENOMEM)
                        return log_oom();
                diagnostics_print(&w, stderr);
                if (r < 0 || d.n > 0) {
                        diagnostics_print(&d, stderr);
                        if (d.n == 0)
                                fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        ret = -EINVAL;
                } else if (!quiet) {
                        if (diagnostics_count(&w) > 0)
                                printf("%s: OK (%zu warning%s)\n", argv[i], diagnostics_count(&w),
                                       diagnostics_count(&w) == 1 ? "" : "s");
                        else
                                printf("%s: OK\n", argv[i]);
                }
        }
        return ret;
}
