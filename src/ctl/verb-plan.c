/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <getopt.h>
#include <stdio.h>

#include "ctl-common.h"
#include "fileio.h"
#include "log.h"
#include "plan-json.h"
#include "plan-print.h"
#include "sandbox-limits.h"

static void help(void) {
        printf("sandboxctl plan [OPTIONS] FILE|NAME\n"
               "sandboxctl plan [OPTIONS] --from-json FILE\n\n"
               "Show the launch plan a unit compiles to: every path, id, capability,\n"
               "syscall rule, mount and limit resolved.\n\n"
               "  --json            Print the plan as JSON (format in sandboxctl(1))\n"
               "  --from-json FILE  Read a JSON plan back (\"-\" for stdin) and print it\n"
               "  -h --help         Show this help\n");
}

static int read_stdin(char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, a = 0;

        for (;;) {
                size_t k;
                if (n + 4096 > a) {
                        char *nb;
                        a = (a ?: 8192) * 2;
                        if (a > PLAN_JSON_SIZE_MAX + 8192)
                                return -EFBIG;
                        nb = realloc(buf, a);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = fread(buf + n, 1, a - n - 1, stdin);
                n += k;
                if (k == 0)
                        break;
        }
        if (ferror(stdin))
                return -EIO;
        if (!buf && !(buf = calloc(1, 1)))
                return -ENOMEM;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

int verb_plan(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_FROM_JSON };
        /* Like every verb's, this table and its getopt loop stay in the verb's
         * body: test-man-pages.sh and test-completions.sh read the options
         * from here, and the cases after -h and --json are the verb's own. */
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                { "from-json", required_argument, NULL, ARG_FROM_JSON },
                {}
        };
        _cleanup_(plan_freep) Plan *p = NULL;
        const char *from = NULL;
        bool json = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_FROM_JSON:
                        from = optarg;
                        break;
                default:
                        return -EINVAL;
                }

        if (from) {
                _cleanup_free_ char *text = NULL, *msg = NULL;
                size_t size;

                if (optind != argc)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "plan: --from-json takes no unit argument.");
                r = streq(from, "-") ? read_stdin(&text, &size) : read_full_file(from, PLAN_JSON_SIZE_MAX, &text, &size);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", from);
                r = plan_from_json(text, size, &p, &msg);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "%s: %s", from, msg ?: "invalid plan");
        } else {
                if (optind + 1 != argc)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "plan: expected exactly one unit (see sandboxctl plan --help).");
                r = ctl_compile_unit(argv[optind], &p);
                if (r < 0)
                        return r;
        }

        if (json) {
                _cleanup_free_ char *s = NULL;
                r = plan_to_json(p, &s);
                if (r < 0)
                        return log_oom();
                puts(s);
        } else
                plan_print(p, stdout);
        return 0;
}
