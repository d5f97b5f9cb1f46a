/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* In-process cost of compiling a unit (drop-ins, policy, image user
 * database, seccomp BPF) into a plan, and of the parts:
 *
 *   compile-cost UNIT [ITERATIONS]
 *
 * Prints "key value" lines, medians in microseconds:
 *   plan_compile_unit   the whole of `sandboxctl check/plan` minus process start
 *   plan_compile_seccomp  its seccomp share (recompiling the same plan)
 *   plan_to_json        serialising the plan (what sandboxd stores under /run) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "plan-compile.h"
#include "plan-json.h"
#include "plan-seccomp.h"
#include "plan.h"

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
        qsort(v, (size_t) n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char *argv[]) {
        int n = argc > 2 ? atoi(argv[2]) : 101;
        double *full, *sec, *json;

        if (argc < 2 || n < 1) {
                fprintf(stderr, "usage: compile-cost UNIT [ITERATIONS]\n");
                return 2;
        }
        full = calloc((size_t) n, sizeof(double));
        sec = calloc((size_t) n, sizeof(double));
        json = calloc((size_t) n, sizeof(double));
        if (!full || !sec || !json)
                return 1;

        for (int i = 0; i < n; i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_(plan_freep) Plan *p = NULL;
                _cleanup_free_ char *j = NULL;
                double t0 = now_us(), t1, t2;
                int r;

                r = plan_compile_unit(argv[1], &p, &d);
                t1 = now_us();
                if (r < 0 || d.n > 0) {
                        diagnostics_print(&d, stderr);
                        fprintf(stderr, "compile-cost: cannot compile %s: %s\n", argv[1], strerror(-r));
                        return 1;
                }
                if (plan_compile_seccomp(p) < 0)
                        return 1;
                t2 = now_us();
                if (plan_to_json(p, &j) < 0)
                        return 1;
                full[i] = t1 - t0;
                sec[i] = t2 - t1;
                json[i] = now_us() - t2;
        }
        printf("plan_compile_unit_us %.1f\n", median(full, n));
        printf("plan_compile_seccomp_us %.1f\n", median(sec, n));
        printf("plan_to_json_us %.1f\n", median(json, n));
        return 0;
}
