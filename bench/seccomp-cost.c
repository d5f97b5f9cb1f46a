/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What the project's seccomp filter costs, in-process, with libplan:
 *
 *   seccomp-cost UNIT [ITERATIONS]
 *
 * 1. compile: plan_compile_seccomp() on UNIT's plan (the BPF the launcher
 *    would load), repeated, median in microseconds;
 * 2. load: launch_seccomp_load() in a fresh forked child after
 *    PR_SET_NO_NEW_PRIVS, median in microseconds;
 * 3. per-syscall cost: a getppid and an ioctl(FIONREAD) loop in a forked
 *    child without a filter, with a one-instruction allow-all filter (the
 *    kernel's fixed price for having any filter), with the unit's
 *    filter, and with the variant a service runs under (its denials
 *    notifying a listener); ns per call.
 *
 * Output: "key value" lines for bench/run.sh. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "plan-compile.h"
#include "plan-seccomp.h"
#include "seccomp-bpf.h"
#include "seccomp-load.h"
#include "plan.h"

static double now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
        qsort(v, (size_t) n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double loop_ns(int which, long n) {
        int fds[2], v;
        double t0;

        if (pipe(fds) < 0)
                return -1;
        t0 = now_ns();
        if (which == 0)
                for (long i = 0; i < n; i++)
                        (void) syscall(SYS_getppid);
        else
                for (long i = 0; i < n; i++)
                        (void) syscall(SYS_ioctl, fds[0], FIONREAD, &v);
        return (now_ns() - t0) / (double) n;
}

/* In a child: optionally load the filter, then run the loop; the result
 * (ns per call, or the load time in ns when which < 0) comes back over a
 * pipe, as the filter stays with the child. */
static int load_allow_all(void) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = { .len = 1, .filter = &allow };

        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -1 : 0;
}

enum { FILTER_NONE, FILTER_ALLOW_ALL, FILTER_PLAN, FILTER_NOTIFY };

/* What a service gets: the plan's program with its denials notifying
 * (seccomp-bpf.h), loaded with a listener. */
static int load_notify(const Plan *p) {
        _cleanup_free_ struct sock_filter *v = NULL;
        size_t n = p->seccomp_bpf_size / sizeof(struct sock_filter), k;

        if (seccomp_bpf_notify_variant(p->seccomp_bpf, n, SECCOMP_NOTIFY_DENIALS, &v, &k) < 0)
                return -1;
        return launch_seccomp_load_listener(v, n) < 0 ? -1 : 0;
}

static double in_child(const Plan *p, int filter, int which, long n) {
        int fd[2], status;
        double res = -1;
        pid_t pid;

        if (pipe(fd) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                double t0, t1, out;

                close(fd[0]);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(1);
                t0 = now_ns();
                if (filter == FILTER_PLAN && launch_seccomp_load(p) < 0)
                        _exit(1);
                if (filter == FILTER_NOTIFY && load_notify(p) < 0)
                        _exit(1);
                if (filter == FILTER_ALLOW_ALL && load_allow_all() < 0)
                        _exit(1);
                t1 = now_ns();
                out = which < 0 ? t1 - t0 : loop_ns(which, n);
                if (write(fd[1], &out, sizeof(out)) != sizeof(out))
                        _exit(1);
                _exit(0);
        }
        close(fd[1]);
        if (read(fd[0], &res, sizeof(res)) != sizeof(res))
                res = -1;
        close(fd[0]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                res = -1;
        return res;
}

int main(int argc, char *argv[]) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(plan_freep) Plan *p = NULL;
        long n = argc > 2 ? atol(argv[2]) : 10000000L;
        enum { REPS = 31, LOOPS = 3 };
        double v[REPS];
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: seccomp-cost UNIT [ITERATIONS]\n");
                return 2;
        }
        r = plan_compile_unit(argv[1], &p, &d);
        if (r < 0 || d.n > 0) {
                diagnostics_print(&d, stderr);
                fprintf(stderr, "seccomp-cost: cannot compile %s: %s\n", argv[1], strerror(-r));
                return 1;
        }

        for (int i = 0; i < REPS; i++) {
                double t0 = now_ns();

                if (plan_compile_seccomp(p) < 0) {
                        fprintf(stderr, "seccomp-cost: plan_compile_seccomp failed\n");
                        return 1;
                }
                v[i] = now_ns() - t0;
        }
        printf("compile_us %.1f\n", median(v, REPS) / 1e3);
        printf("bpf_insns %zu\n", p->seccomp_bpf_size / 8);

        for (int i = 0; i < REPS; i++)
                if ((v[i] = in_child(p, FILTER_PLAN, -1, 0)) < 0) {
                        fprintf(stderr, "seccomp-cost: loading the filter failed\n");
                        return 1;
                }
        printf("load_us %.1f\n", median(v, REPS) / 1e3);

        /* Plain and filtered children alternate, so drift hits both alike. */
        for (int which = 0; which < 2; which++) {
                double plain[LOOPS], trivial[LOOPS], filt[LOOPS], notif[LOOPS];

                for (int i = 0; i < LOOPS; i++) {
                        plain[i] = in_child(p, FILTER_NONE, which, n);
                        trivial[i] = in_child(p, FILTER_ALLOW_ALL, which, n);
                        filt[i] = in_child(p, FILTER_PLAN, which, n);
                        notif[i] = in_child(p, FILTER_NOTIFY, which, n);
                        if (plain[i] < 0 || trivial[i] < 0 || filt[i] < 0 || notif[i] < 0) {
                                fprintf(stderr, "seccomp-cost: loop child failed\n");
                                return 1;
                        }
                }
                printf("%s_plain_ns %.2f\n", which ? "ioctl" : "getppid", median(plain, LOOPS));
                printf("%s_allowall_ns %.2f\n", which ? "ioctl" : "getppid", median(trivial, LOOPS));
                printf("%s_filtered_ns %.2f\n", which ? "ioctl" : "getppid", median(filt, LOOPS));
                printf("%s_notify_ns %.2f\n", which ? "ioctl" : "getppid", median(notif, LOOPS));
        }
        return 0;
}
