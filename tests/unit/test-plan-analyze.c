/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl analyze's exposure score (src/plan/plan-analyze.c): each
 * factor on plans built by hand, the ranking the issue asks for, and the
 * weight tables against their list in sandboxctl(1). The shipped units'
 * scores are checked by test-policy-review.sh, which compiles them. */

#include <sys/socket.h>

#include "fileio.h"
#include "plan-analyze.h"
#include "plan-devices.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

/* What a unit that keeps every default compiles to, minus the filter. */
static Plan *locked_plan(void) {
        Plan *p = plan_new();

        ASSERT_TRUE(p);
        ASSERT_TRUE(p->name = strdup("locked"));
        p->namespaces = NAMESPACE_MASK_DEFAULT;
        p->uid_map_count = 65536;
        p->limits.memory_max = 64 << 20;
        p->limits.tasks_max = 64;
        p->seccomp_restrict_address_families = true;
        p->seccomp_address_families = (UINT64_C(1) << AF_UNIX) | (UINT64_C(1) << AF_INET) | (UINT64_C(1) << AF_INET6);
        ASSERT_TRUE(plan_devices_add_minimal(p) >= 0);
        return p;
}

static const PlanExposureFactor *factor(const PlanExposure *e, const char *name) {
        for (size_t i = 0; i < e->n_factors; i++)
                if (streq(e->factors[i].info->name, name))
                        return &e->factors[i];
        fprintf(stderr, "no factor %s\n", name);
        abort();
}

static void add_syscall(Plan *p, const char *name, SeccompActionType t) {
        PlanSyscall *n = reallocarray(p->syscalls, p->n_syscalls + 1, sizeof(PlanSyscall));

        ASSERT_TRUE(n);
        p->syscalls = n;
        /* Callers add them sorted by name, as the compiler does. */
        ASSERT_TRUE(p->n_syscalls == 0 || strcmp(p->syscalls[p->n_syscalls - 1].name, name) < 0);
        p->syscalls[p->n_syscalls++] = (PlanSyscall) {
                .name = strdup(name), .origin = strdup(""), .action = { .type = t },
        };
}

TEST(locked_down_is_zero) {
        Plan *p = locked_plan();
        PlanExposure e;

        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(e.points, 0);
        ASSERT_EQ(e.score, 0);
        ASSERT_EQ(e.n_factors, n_plan_exposure_factors);
        for (size_t i = 0; i < e.n_factors; i++)
                ASSERT_STREQ(e.factors[i].detail, "");
        plan_exposure_done(&e);
        plan_free(p);
}

TEST(host_network_and_sys_admin_rank_worse) {
        Plan *good = locked_plan(), *bad = locked_plan();
        PlanExposure eg, eb;

        bad->network = NETWORK_HOST;
        bad->namespaces &= ~(NAMESPACE_MASK(NAMESPACE_NET) | NAMESPACE_MASK(NAMESPACE_USER));
        bad->uid_map_count = 0;
        bad->cap_bounding = bad->cap_permitted = bad->cap_effective = UINT64_C(1) << 21; /* CAP_SYS_ADMIN */
        ASSERT_OK(plan_analyze(good, &eg));
        ASSERT_OK(plan_analyze(bad, &eb));
        ASSERT_TRUE(eb.score > eg.score);
        ASSERT_EQ(factor(&eb, "network-host")->points, 15);
        ASSERT_EQ(factor(&eb, "capabilities")->points, 15);
        ASSERT_STREQ(factor(&eb, "capabilities")->detail, "CAP_SYS_ADMIN");
        ASSERT_EQ(factor(&eb, "user-namespace")->points, 20);
        ASSERT_EQ(eb.points, 50);
        ASSERT_EQ(eb.score, 50);
        plan_exposure_done(&eg);
        plan_exposure_done(&eb);
        plan_free(good);
        plan_free(bad);
}

TEST(factors) {
        Plan *p = locked_plan();
        PlanExposure e;

        /* A non-root uid without a user namespace: a real host user. */
        p->namespaces &= ~(NAMESPACE_MASK(NAMESPACE_USER) | NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_UTS));
        p->uid = 1000;
        /* Non-root: only the ambient set is held with no_new_privs... */
        p->cap_bounding = (UINT64_C(1) << 12) | (UINT64_C(1) << 10); /* CAP_NET_ADMIN, CAP_NET_BIND_SERVICE */
        p->cap_ambient = p->cap_permitted = p->cap_effective = UINT64_C(1) << 10;
        p->read_only = false;
        ASSERT_OK(plan_add_mount(p, MOUNT_BIND, "/srv/a", "/a", NULL, false, true, false));
        ASSERT_OK(plan_add_mount(p, MOUNT_BIND, "/srv/b", "/b", NULL, true, true, false));
        ASSERT_OK(plan_add_mount(p, MOUNT_BIND, "/srv/c", "/c", NULL, false, true, false));
        ASSERT_OK(plan_add_mount(p, MOUNT_BIND, "/srv/d", "/d", NULL, false, true, false));
        p->limits.memory_max = CGROUP_LIMIT_MAX;
        p->seccomp_address_families |= (UINT64_C(1) << AF_NETLINK) | (UINT64_C(1) << AF_PACKET) | (UINT64_C(1) << AF_CAN);
        p->seccomp_allow_namespaces = NAMESPACE_MASK(NAMESPACE_USER);
        ASSERT_OK(plan_add_device(p, "/dev/fuse", false, 10, 229, 3));
        ASSERT_OK(plan_add_device(p, "/dev/loop0", true, 7, 0, 3));
        ASSERT_OK(plan_add_device(p, "/dev/null", false, 1, 3, 3)); /* in the minimal set: nothing */

        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "user-namespace")->points, 5);
        ASSERT_EQ(factor(&e, "capabilities")->points, 1);
        ASSERT_STREQ(factor(&e, "capabilities")->detail, "CAP_NET_BIND_SERVICE");
        ASSERT_EQ(factor(&e, "no-new-privileges")->points, 0);
        ASSERT_EQ(factor(&e, "writable-root")->points, 4);
        /* 3 writable binds x 5, capped at 10; the read-only one is free. */
        ASSERT_EQ(factor(&e, "writable-binds")->points, 10);
        ASSERT_STREQ(factor(&e, "writable-binds")->detail, "/a /c /d");
        ASSERT_EQ(factor(&e, "namespaces")->points, 5);
        ASSERT_STREQ(factor(&e, "namespaces")->detail, "pid uts");
        ASSERT_EQ(factor(&e, "memory-max")->points, 3);
        ASSERT_EQ(factor(&e, "tasks-max")->points, 0);
        ASSERT_EQ(factor(&e, "namespace-creation")->points, 4);
        /* NETLINK 1 + PACKET 4 + CAN (not in the table) 2, capped at 6. */
        ASSERT_EQ(factor(&e, "address-families")->points, 6);
        ASSERT_EQ(factor(&e, "devices")->points, 7);
        ASSERT_STREQ(factor(&e, "devices")->detail, "/dev/fuse /dev/loop0");
        plan_exposure_done(&e);

        /* ... without no_new_privs a setuid binary reaches the bounding set. */
        p->no_new_privileges = false;
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "no-new-privileges")->points, 3);
        ASSERT_EQ(factor(&e, "capabilities")->points, 9);
        plan_exposure_done(&e);

        p->limits.tasks_max = CGROUP_LIMIT_MAX;
        p->seccomp_restrict_address_families = false;
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "tasks-max")->points, 3);
        ASSERT_EQ(factor(&e, "address-families")->points, 6);
        ASSERT_STREQ(factor(&e, "address-families")->detail, "any family");
        plan_exposure_done(&e);
        plan_free(p);
}

TEST(host_ports) {
        Plan *p = locked_plan();
        PlanExposure e;

        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "host-ports")->points, 0);
        plan_exposure_done(&e);

        /* A published port on every address (2), one on loopback (1), a
         * socket on loopback (1), one on every address (2), an AF_UNIX
         * path (nothing): 6, the factor's maximum. */
        p->network = NETWORK_PRIVATE;
        ASSERT_TRUE(p->net.ports = calloc(2, sizeof(PlanPort)));
        p->net.ports[0] = (PlanPort) { .protocol = IPPROTO_TCP, .host_port = 8080, .container_port = 80 };
        p->net.ports[1] = (PlanPort) { .protocol = IPPROTO_UDP, .host_port = 5353, .container_port = 53,
                                       .host_address.s_addr = htonl(INADDR_LOOPBACK) };
        p->net.n_ports = 2;
        ASSERT_TRUE(p->sockets = calloc(3, sizeof(PlanSocket)));
        ASSERT_TRUE(p->sockets[0].address = strdup("127.0.0.1:8081"));
        ASSERT_TRUE(p->sockets[1].address = strdup("[::]:8082"));
        ASSERT_TRUE(p->sockets[2].address = strdup("/run/web.sock"));
        p->n_sockets = 3;
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "host-ports")->points, 6);
        ASSERT_STREQ(factor(&e, "host-ports")->detail, "8080/tcp 127.x:5353/udp 127.0.0.1:8081 [::]:8082");
        plan_exposure_done(&e);
        plan_free(p);
}

TEST(syscalls_count_once) {
        Plan *p = locked_plan();
        PlanExposure e;

        /* mount is in @mount and, through it, in @privileged: 8, not 12. */
        add_syscall(p, "mount", SECCOMP_ACTION_ALLOW);
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "syscalls")->points, 8);
        ASSERT_STREQ(factor(&e, "syscalls")->detail, "@mount(mount)");
        plan_exposure_done(&e);
        plan_free(p);

        /* acct is @privileged's own: 4 more. A logged call runs too. */
        p = locked_plan();
        add_syscall(p, "acct", SECCOMP_ACTION_LOG);
        add_syscall(p, "mount", SECCOMP_ACTION_ALLOW);
        add_syscall(p, "ptrace", SECCOMP_ACTION_ERRNO);
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "syscalls")->points, 12);
        ASSERT_STREQ(factor(&e, "syscalls")->detail, "@mount(mount) @privileged(acct)");
        ASSERT_EQ(factor(&e, "seccomp-default")->points, 0);
        plan_exposure_done(&e);

        /* A default action that lets unlisted calls run: everything not
         * listed counts, capped. */
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_LOG };
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_EQ(factor(&e, "seccomp-default")->points, 10);
        ASSERT_EQ(factor(&e, "syscalls")->points, 25);
        ASSERT_TRUE(strstr(factor(&e, "syscalls")->detail, "@debug(") && !strstr(factor(&e, "syscalls")->detail, "ptrace"));
        plan_exposure_done(&e);
        plan_free(p);
}

TEST(score_is_capped) {
        Plan *p = locked_plan();
        PlanExposure e;

        p->namespaces = NAMESPACE_MASK(NAMESPACE_MOUNT);
        p->network = NETWORK_HOST;
        p->cap_bounding = p->cap_permitted = p->cap_effective = UINT64_MAX >> 23;
        p->no_new_privileges = false;
        p->read_only = false;
        p->limits.memory_max = p->limits.tasks_max = CGROUP_LIMIT_MAX;
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_ALLOW };
        p->seccomp_restrict_address_families = false;
        ASSERT_OK(plan_analyze(p, &e));
        ASSERT_TRUE(e.points > PLAN_EXPOSURE_POINTS_MAX);
        ASSERT_EQ(e.score, 100);
        ASSERT_EQ(factor(&e, "capabilities")->points, 30);
        plan_exposure_done(&e);
        plan_free(p);
}

/* "user-namespace" -> "user\-namespace", as roff writes it. */
static char *roff(const char *s) {
        char *r = calloc(strlen(s) * 2 + 1, 1), *q = r;

        ASSERT_TRUE(r);
        for (; *s; s++) {
                if (*s == '-')
                        *q++ = '\\';
                *q++ = *s;
        }
        return r;
}

static size_t count_lines_matching(const char *text, const char *prefix, const char *suffix) {
        size_t n = 0;

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                size_t len = strcspn(l, "\n");
                char *line = strndup(l, len);

                ASSERT_TRUE(line);
                if (startswith(line, prefix) && endswith(line, suffix))
                        n++;
                free(line);
        }
        return n;
}

static void expect_weights(const char *section, const PlanExposureWeight *t, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char *name = roff(t[i].name), *line;

                ASSERT_TRUE(asprintf(&line, "\n%s %u\n", name, t[i].points) > 0);
                if (!strstr(section, line)) {
                        fprintf(stderr, "sandboxctl.1 lacks the weight \"%s %u\"\n", name, t[i].points);
                        abort();
                }
                free(name);
                free(line);
        }
}

TEST(man_page_agrees) {
        const char *src = getenv("SANDBOXD_SOURCE_DIR");
        char *path, *text = NULL, *section, *end, *weights;
        size_t n_weight_lines = 0;

        if (!src) {
                fprintf(stderr, "   SANDBOXD_SOURCE_DIR not set: the man page is not compared\n");
                return;
        }
        ASSERT_TRUE(asprintf(&path, "%s/man/sandboxctl.1", src) > 0);
        ASSERT_OK(read_full_file(path, 4 * 1024 * 1024, &text, NULL));
        section = strstr(text, "\n.SH \"EXPOSURE SCORE\"\n");
        ASSERT_TRUE(section);
        end = strstr(section + 1, "\n.SH ");
        ASSERT_TRUE(end);
        *end = 0;

        /* Every factor with its maximum, and no other. */
        for (size_t i = 0; i < n_plan_exposure_factors; i++) {
                char *name = roff(plan_exposure_factors[i].name), *entry;

                ASSERT_TRUE(asprintf(&entry, "\n.TP\n.BR %s \" (%u)\"\n", name, plan_exposure_factors[i].max) > 0);
                if (!strstr(section, entry)) {
                        fprintf(stderr, "sandboxctl.1 lacks the factor entry%s", entry);
                        abort();
                }
                free(name);
                free(entry);
        }
        ASSERT_EQ(count_lines_matching(section, ".BR ", ")\""), n_plan_exposure_factors);

        expect_weights(section, plan_exposure_capability_weights, n_plan_exposure_capability_weights);
        expect_weights(section, plan_exposure_syscall_weights, n_plan_exposure_syscall_weights);
        expect_weights(section, plan_exposure_family_weights, n_plan_exposure_family_weights);
        expect_weights(section, plan_exposure_device_weights, n_plan_exposure_device_weights);
        /* No weight listed that the tables do not have: every line of the
         * .nf blocks is one of theirs. */
        for (weights = strstr(section, "\n.nf\n"); weights; weights = strstr(weights, "\n.nf\n")) {
                char *fi = strstr(weights, "\n.fi\n");

                ASSERT_TRUE(fi);
                for (char *l = weights + 5; l < fi + 1; l = strchr(l, '\n') + 1)
                        n_weight_lines++;
                weights = fi;
        }
        ASSERT_EQ(n_weight_lines, n_plan_exposure_capability_weights + n_plan_exposure_syscall_weights +
                                          n_plan_exposure_family_weights + n_plan_exposure_device_weights);
        ASSERT_TRUE(strstr(section, "any other capability gives 2:") && PLAN_EXPOSURE_CAPABILITY_DEFAULT == 2);
        ASSERT_TRUE(strstr(section, "any other family gives 2:") && PLAN_EXPOSURE_FAMILY_DEFAULT == 2);
        free(text);
        free(path);
}

int main(void) {
        RUN(locked_down_is_zero);
        RUN(host_network_and_sys_admin_rank_worse);
        RUN(factors);
        RUN(host_ports);
        RUN(syscalls_count_once);
        RUN(score_is_capped);
        RUN(man_page_agrees);
        return 0;
}
