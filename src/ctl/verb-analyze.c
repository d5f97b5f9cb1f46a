/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl analyze: the exposure score of units' compiled plans
 * (src/plan/plan-analyze.c), one line per factor, or JSON; --threshold
 * turns it into a CI check. */

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>

#include "ctl-common.h"
#include "log.h"
#include "plan-analyze.h"
#include "plan.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static void help(void) {
        printf("sandboxctl analyze [OPTIONS] FILE|NAME...\n\n"
               "Score how exposed each unit's service would be, from its compiled plan:\n"
               "0.0 is locked down, 10.0 unprotected. One line per factor with its points,\n"
               "the most it can give, what in the plan gave them and why it matters.\n"
               "The weights are listed in sandboxctl(1).\n\n"
               "     --threshold=N  Exit 1 if any unit scores above N (0 to 10, e.g. 2.5)\n"
               "     --json         Print one JSON object per unit, with the factors\n"
               "  -h --help         Show this help\n");
}

/* "2", "2.5", "10" -> tenths. */
static int parse_score(const char *s, unsigned *ret) {
        unsigned whole = 0, tenth = 0;
        const char *p = s;

        if (!*p)
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                whole = whole * 10 + (unsigned) (*p - '0');
                if (whole > 10)
                        return -ERANGE;
        }
        if (p == s)
                return -EINVAL;
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9' || p[1] != 0)
                        return -EINVAL;
                tenth = (unsigned) (*p - '0');
                p++;
        }
        if (*p != 0 || whole * 10 + tenth > PLAN_EXPOSURE_POINTS_MAX)
                return *p ? -EINVAL : -ERANGE;
        *ret = whole * 10 + tenth;
        return 0;
}

static void print_text(const Plan *p, const PlanExposure *e) {
        printf("%s (%s)\n", p->name, p->unit_path);
        for (size_t i = 0; i < e->n_factors; i++) {
                const PlanExposureFactor *f = &e->factors[i];

                printf("  %s %-19s %2u/%-2u  %s%s%s\n", f->points > 0 ? "✗" : "✓", f->info->name, f->points,
                       f->info->max, f->detail, isempty(f->detail) ? "" : ": ", f->info->why);
        }
        printf("→ Exposure of %s: %u.%u (%u point%s; 0 = locked down, 10 = unprotected)\n", p->name, e->score / 10,
               e->score % 10, e->points, e->points == 1 ? "" : "s");
}

static int add_json(const Plan *p, const PlanExposure *e) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object(), *factors = json_object_new_array();
        char score[32];

        if (!o || !factors)
                return -ENOMEM;
        (void) snprintf(score, sizeof(score), "%u.%u", e->score / 10, e->score % 10);
        if (json_object_object_add(o, "Unit", json_object_new_string(p->name)) < 0 ||
            json_object_object_add(o, "UnitPath", json_object_new_string(p->unit_path)) < 0 ||
            json_object_object_add(o, "Exposure", json_object_new_double_s((double) e->score / 10, score)) < 0 ||
            json_object_object_add(o, "Points", json_object_new_int64(e->points)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_factors; i++) {
                const PlanExposureFactor *f = &e->factors[i];
                _cleanup_(json_object_putp) json_object *fo = json_object_new_object();

                if (!fo ||
                    json_object_object_add(fo, "Name", json_object_new_string(f->info->name)) < 0 ||
                    json_object_object_add(fo, "Points", json_object_new_int64(f->points)) < 0 ||
                    json_object_object_add(fo, "Max", json_object_new_int64(f->info->max)) < 0 ||
                    json_object_object_add(fo, "Detail", json_object_new_string(f->detail)) < 0 ||
                    json_object_object_add(fo, "Why", json_object_new_string(f->info->why)) < 0 ||
                    json_object_array_add(factors, fo) < 0)
                        return -ENOMEM;
                TAKE_PTR(fo);
        }
        if (json_object_object_add(o, "Factors", factors) < 0)
                return -ENOMEM;
        TAKE_PTR(factors);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}

int verb_analyze(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_THRESHOLD };
        /* Like every verb's, this table and its getopt loop stay in the verb's
         * body: test-man-pages.sh and test-completions.sh read the options
         * from here, and the cases after -h and --json are the verb's own. */
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                { "threshold", required_argument, NULL, ARG_THRESHOLD },
                {}
        };
        unsigned threshold = PLAN_EXPOSURE_POINTS_MAX;
        bool json = false, above = false;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_THRESHOLD:
                        if (parse_score(optarg, &threshold) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "Invalid --threshold=%s: expected a score from 0 to 10 (one decimal).", optarg);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "analyze: expected at least one unit (see sandboxctl analyze --help).");

        for (int i = optind; i < argc; i++) {
                _cleanup_(plan_freep) Plan *p = NULL;
                _cleanup_(plan_exposure_done) PlanExposure e = {};

                r = ctl_compile_unit(argv[i], &p);
                if (r < 0) {
                        /* The diagnostics are printed; the others are still scored. */
                        ret = -EINVAL;
                        continue;
                }
                r = plan_analyze(p, &e);
                if (r < 0)
                        return log_error_errno(r, "Failed to analyze %s: %m", argv[i]);
                if (json)
                        r = add_json(p, &e);
                else {
                        if (i > optind)
                                putchar('\n');
                        print_text(p, &e);
                }
                if (r < 0)
                        return log_oom();
                if (e.score > threshold) {
                        above = true;
                        fflush(stdout);
                        log_error("%s scores %u.%u, above the threshold %u.%u.", p->name, e.score / 10, e.score % 10,
                                  threshold / 10, threshold % 10);
                }
        }
        if (ret < 0)
                return ret;
        return above ? 1 : 0;
}
