/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>

#include "plan-compile.h"
#include "in-addr-util.h"
#include "plan-json.h"
#include "strv.h"
#include "test-helpers.h"

static char *dir, *img;

/* Allocation failures injected one at a time: the Nth call of malloc,
 * calloc or realloc in this process fails. Not under a sanitizer, which
 * brings its own allocator. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define INJECT_ALLOC_FAILURES 0
#else
#define INJECT_ALLOC_FAILURES 1
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);

static long alloc_fail_at = -1, alloc_count;

static bool alloc_fails(void) {
        if (alloc_fail_at < 0 || alloc_count++ != alloc_fail_at)
                return false;
        errno = ENOMEM;
        return true;
}

void *malloc(size_t n) {
        return alloc_fails() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m) {
        return alloc_fails() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n) {
        return alloc_fails() ? NULL : __libc_realloc(p, n);
}
#endif

static Plan *make_plan(void) {
        char *units, *pol, *etc;
        Diagnostics d = {};
        Plan *p = NULL;

        if (dir) {
                rm_rf(dir);
                dir = mfree(dir);
                img = mfree(img);
        }
        dir = make_tmpdir();
        ASSERT_TRUE(asprintf(&img, "%s/img", dir) > 0 && mkdir(img, 0755) == 0);
        ASSERT_TRUE(asprintf(&etc, "%s/etc", img) > 0 && mkdir(etc, 0755) == 0);
        make_stand_in_image(img);
        free(write_file(etc, "passwd", "www:x:33:33:web:/var/www:/bin/false\n"));
        ASSERT_TRUE(asprintf(&units, "%s/units", dir) > 0 && mkdir(units, 0755) == 0);
        ASSERT_TRUE(asprintf(&pol, "%s/policies", dir) > 0 && mkdir(pol, 0755) == 0);
        free(write_file(pol, "default.policy", "[Seccomp]\nAllow=@system-service\nDeny=ptrace:EACCES @mount\n"
                                               "[Capabilities]\nAllow=CAP_NET_BIND_SERVICE\n"
                                               "[Sandbox]\nAllowBindPaths=/tmp\n"));
        free(write_file(dir, "env", "FROM_FILE=1\n"));
        {
                char *u;
                ASSERT_TRUE(asprintf(&u, "[Unit]\nDescription=Round \"trip\" ü\n[Sandbox]\nImage=%1$s\nHostname=rt\n"
                                         "TemporaryFileSystem=/tmp:size=1M\nBindReadOnlyPaths=%2$s:/d:norbind\nEnvironmentFile=%2$s/env\n"
                                         "[Security]\nCapabilities=CAP_NET_BIND_SERVICE\n"
                                         "[Resources]\nMemoryMax=64M\nCPUQuota=50%%\nIOWeight=10\nLimitNOFILE=100:200\nLimitCORE=infinity\n"
                                         "[Service]\nExecStart=/bin/sh -c \"echo 'hi'\"\nUser=www\nRestart=always\nRestartSteps=2\nRestartMaxDelaySec=5s\n"
                                         "[Install]\nWantedBy=default\n",
                                 img, dir) > 0);
                free(write_file(units, "rt.unit", u));
                free(u);
        }
        setenv("SANDBOXD_UNIT_PATH", units, 1);
        setenv("SANDBOXD_POLICY_PATH", pol, 1);
        if (plan_compile_unit("rt", &p, &d) < 0) {
                fprintf(stderr, "%s", diag_string(&d));
                abort();
        }
        free(units);
        free(pol);
        free(etc);
        return p;
}

TEST(round_trip) {
        Plan *p = make_plan(), *q = NULL;
        char *a, *b, *err = NULL;

        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_OK(plan_from_json(a, strlen(a), &q, &err));
        ASSERT_OK(plan_to_json(q, &b));
        ASSERT_STREQ(a, b);
        ASSERT_EQ(q->seccomp_bpf_size, p->seccomp_bpf_size);
        ASSERT_TRUE(memcmp(q->seccomp_bpf, p->seccomp_bpf, p->seccomp_bpf_size) == 0);
        ASSERT_TRUE(q->rlimits[RLIMIT_CORE].set && q->rlimits[RLIMIT_CORE].hard == RLIM_INFINITY);
        ASSERT_U64(q->limits.memory_max, 64ULL << 20);
        ASSERT_U64(q->limits.memory_high, UINT64_MAX);
        ASSERT_EQ(q->uid, 33);
        ASSERT_TRUE(q->wanted);
        plan_free(q);
        free(b);

        /* Without "bpf" the reader recompiles the same filter from the rules. */
        {
                char *nobpf = strdup(a), *s = strstr(nobpf, "\"bpf\": \"");
                char *e;
                ASSERT_TRUE(s);
                e = strchr(s + 8, '"');
                memmove(s + 7, "null", 4);
                memmove(s + 11, e + 1, strlen(e + 1) + 1);
                ASSERT_OK(plan_from_json(nobpf, strlen(nobpf), &q, &err));
                ASSERT_EQ(q->seccomp_bpf_size, p->seccomp_bpf_size);
                ASSERT_TRUE(memcmp(q->seccomp_bpf, p->seccomp_bpf, p->seccomp_bpf_size) == 0);
                plan_free(q);
                free(nobpf);
        }
        free(a);
        plan_free(p);
}

static void expect_bad(const char *json, const char *needle);
static char *mutate(const char *json, const char *from, const char *to);

static char **one(const char *s) {
        char **l = strv_copy((char *[]) { (char *) s, NULL });

        ASSERT_TRUE(l);
        return l;
}

/* The egress lists and the policy's ceiling; null and [] differ. */
TEST(egress_lists) {
        Plan *p = make_plan(), *q = NULL;
        char *a, *b, *m, *err = NULL;

        p->network = NETWORK_PRIVATE;
        p->namespaces |= NAMESPACE_MASK(NAMESPACE_NET);
        p->net.bridge = strdup("sandbox0");
        (void) in4_prefix_from_string("10.89.0.0/16", false, &p->net.subnet, &p->net.prefixlen);
        p->net.dns = one("192.0.2.53");
        p->net.ip_allow = one("10.250.8.2/32");
        p->net.ip_deny = one("0.0.0.0/0");
        p->net.outbound = one("10.250.8.0/24");
        p->net.outbound_limited = true;
        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_OK(plan_from_json(a, strlen(a), &q, &err));
        ASSERT_TRUE(q->net.outbound_limited);
        ASSERT_STREQ(q->net.outbound[0], "10.250.8.0/24");
        ASSERT_STREQ(q->net.ip_allow[0], "10.250.8.2/32");
        ASSERT_OK(plan_to_json(q, &b));
        ASSERT_STREQ(a, b);
        plan_free(q);
        free(b);
        m = mutate(a, "\"10.250.8.2/32\"", "\"10.250.8.2/24\""); expect_bad(m, "not a canonical prefix"); free(m);
        {
                /* Published ports, IPv4 and IPv6. */
                static const char *const hosts[] = { "0.0.0.0", "2001:db8::7", "::" };
                const char *ports = "\"ports\": [";
                char *with = NULL;

                ASSERT_TRUE(strstr(a, ports));
                m = mutate(a, ports, "\"ports\": [ { \"protocol\": \"tcp\", \"host_address\": \"0.0.0.0\", \"host_port\": 8080, "
                                     "\"container_port\": 80 }, { \"protocol\": \"udp\", \"host_address\": \"2001:db8::7\", "
                                     "\"host_port\": 8081, \"container_port\": 81 }, { \"protocol\": \"tcp\", \"host_address\": \"::\", "
                                     "\"host_port\": 8082, \"container_port\": 82 }");
                expect_bad(m, "net.ports[1].host_address is IPv6, and net.subnet6 is null");
                with = mutate(m, "\"subnet6\": null", "\"subnet6\": \"fd89:5bd0:7e1a::/64\"");
                ASSERT_OK(plan_from_json(with, strlen(with), &q, &err));
                ASSERT_EQ(q->net.n_ports, 3);
                for (size_t i = 0; i < 3; i++) {
                        char buf[INET6_ADDRSTRLEN];

                        ASSERT_STREQ(port_mapping_host(&q->net.ports[i], buf), hosts[i]);
                        ASSERT_EQ(q->net.ports[i].host_ipv6, i > 0);
                }
                ASSERT_OK(plan_to_json(q, &b));
                plan_free(q);
                ASSERT_OK(plan_from_json(b, strlen(b), &q, &err));
                plan_free(q);
                free(b);
                free(m);
                m = mutate(with, "\"2001:db8::7\"", "\"::1\""); expect_bad(m, "net.ports[1].host_address is not an IP address that can be published"); free(m);
                m = mutate(with, "\"2001:db8::7\"", "\"fe80::1\""); expect_bad(m, "net.ports[1].host_address is not an IP address that can be published"); free(m);
                m = mutate(with, "\"2001:db8::7\"", "\"2001:db8::/64\""); expect_bad(m, "net.ports[1].host_address is not"); free(m);
                m = mutate(with, "\"0.0.0.0\"", "\"0.0.0\""); expect_bad(m, "net.ports[0].host_address is not an IP address"); free(m);
                free(with);
        }
        m = mutate(a, "\"0.0.0.0/0\"", "\"any\""); expect_bad(m, "not a canonical prefix"); free(m);
        m = mutate(a, "\"10.250.8.0/24\"", "\"10.250.8.0/24 ip saddr\""); expect_bad(m, "not a canonical prefix"); free(m);
        {
                /* Empty: a ceiling that allows nothing, not "no ceiling". */
                m = mutate(a, "\"10.250.8.0/24\"", "");
                ASSERT_OK(plan_from_json(m, strlen(m), &q, &err));
                ASSERT_TRUE(q->net.outbound_limited);
                ASSERT_EQ(strv_length(q->net.outbound), 0);
                plan_free(q);
                free(m);
        }
        free(a);
        plan_free(p);
}

static void expect_bad(const char *json, const char *needle) {
        Plan *q = NULL;
        char *err = NULL;

        if (plan_from_json(json, strlen(json), &q, &err) >= 0) {
                fprintf(stderr, "accepted: %s\n", json);
                abort();
        }
        if (!err || !strstr(err, needle)) {
                fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err ? err : "(none)", needle);
                abort();
        }
        free(err);
}

/* Replace the first occurrence of from in the plan's JSON with to. */
static char *mutate(const char *json, const char *from, const char *to) {
        const char *s = strstr(json, from);
        char *r;

        ASSERT_TRUE(s);
        ASSERT_TRUE(asprintf(&r, "%.*s%s%s", (int) (s - json), json, to, s + strlen(from)) > 0);
        return r;
}

TEST(strict_reader) {
        Plan *p = make_plan();
        char *a, *m;

        ASSERT_OK(plan_to_json(p, &a));
        expect_bad("", "Invalid JSON");
        expect_bad("[]", "must be a JSON object");
        expect_bad("{\"format\": 1", "Invalid JSON");
        expect_bad("{\"format\": 99}", "Unsupported plan format 99");

        m = mutate(a, "\"read_only\": true", "\"read_only\": true, \"surprise\": 1"); expect_bad(m, "unknown field \"surprise\""); free(m);
        m = mutate(a, "\"uid\": 33", "\"uid\": -1"); expect_bad(m, "\"uid\" is out of range"); free(m);
        m = mutate(a, "\"uid\": 33", "\"uid\": \"33\""); expect_bad(m, "\"uid\" must be an integer"); free(m);
        m = mutate(a, "\"working_directory\": \"/\"", "\"working_directory\": \"relative\""); expect_bad(m, "absolute, normalized path"); free(m);
        m = mutate(a, "\"network\": \"none\"", "\"network\": \"bridge\""); expect_bad(m, "\"network\" must be none, host, private or service"); free(m);
        m = mutate(a, "\"CAP_NET_BIND_SERVICE\"", "\"CAP_EVERYTHING\""); expect_bad(m, "is not a capability name"); free(m);
        m = mutate(a, "\"type\": \"proc\"", "\"type\": \"nfs\""); expect_bad(m, "mounts[0].type \"nfs\" is unknown"); free(m);
        m = mutate(a, "\"bpf\": \"", "\"bpf\": \"!!!!"); expect_bad(m, "seccomp.bpf is not valid base64"); free(m);
        m = mutate(a, "\"bpf\": \"", "\"bpf\": \"AAAA"); expect_bad(m, "seccomp.bpf"); free(m);
        m = mutate(a, "\"default_action\": \"errno:EPERM\"", "\"default_action\": \"allow-all\""); expect_bad(m, "invalid seccomp action"); free(m);
        m = mutate(a, "\"restart\": \"always\"", "\"restart\": \"sometimes\""); expect_bad(m, "service.restart"); free(m);
        m = mutate(a, "\"kill_signal\": \"SIGTERM\"", "\"kill_signal\": \"SIGFOO\""); expect_bad(m, "kill_signal"); free(m);
        m = mutate(a, "\"effective\": [\n    ]", "\"effective\": [ \"CAP_SYS_ADMIN\" ]"); expect_bad(m, "inconsistent"); free(m);
        m = mutate(a, "\"address_families\": null", "\"address_families\": [ \"AF_UNIX\", \"AF_BOGUS\" ]"); expect_bad(m, "seccomp.address_families[1]"); free(m);
        m = mutate(a, "\"address_families\": null", "\"address_families\": [ \"AF_UNIX\", \"AF_UNIX\" ]"); expect_bad(m, "seccomp.address_families[1]"); free(m);
        m = mutate(a, "\"address_families\": null", "\"address_families\": [ \"AF_LOCAL\" ]"); expect_bad(m, "seccomp.address_families[0]"); free(m);
        m = mutate(a, "\"address_families\": null", "\"address_families\": \"AF_UNIX\""); expect_bad(m, "\"address_families\" must be an array"); free(m);
        m = mutate(a, "\"enosys_above\": {", "\"enosys_above\": { \"vax\": 1,"); expect_bad(m, "seccomp.enosys_above"); free(m);
        m = mutate(a, "\"enosys_above\": {", "\"enosys_above\": { \"x32\": 1,"); expect_bad(m, "seccomp.enosys_above"); free(m);
        m = mutate(a, "\"architectures\": [", "\"architectures\": [ \"x86\","); expect_bad(m, "seccomp.enosys_above must have one entry per architecture"); free(m);
        {
                /* A plan with a family list reads back the same. */
                Plan *q = NULL;
                char *err = NULL, *b;

                m = mutate(a, "\"address_families\": null", "\"address_families\": [ \"AF_UNIX\", \"AF_INET6\" ]");
                ASSERT_OK(plan_from_json(m, strlen(m), &q, &err));
                ASSERT_TRUE(q->seccomp_restrict_address_families);
                ASSERT_U64(q->seccomp_address_families, (1ULL << 1) | (1ULL << 10));
                ASSERT_OK(plan_to_json(q, &b));
                ASSERT_TRUE(strstr(b, "\"address_families\": [\n      \"AF_UNIX\",\n      \"AF_INET6\"\n    ]"));
                free(b);
                free(m);
                plan_free(q);
        }
        m = mutate(a, "\"format\": 1", "\"format\": 1, \"format\": 1"); /* duplicate keys: json-c keeps the last */
        free(m);
        {
                char *trail;
                ASSERT_TRUE(asprintf(&trail, "%s\n\n", a) > 0);
                Plan *q = NULL;
                char *err = NULL;
                ASSERT_OK(plan_from_json(trail, strlen(trail), &q, &err));
                plan_free(q);
                free(trail);
                ASSERT_TRUE(asprintf(&trail, "%s x", a) > 0);
                expect_bad(trail, "Invalid JSON");
                free(trail);
        }
        {
                /* Deep nesting is refused by the tokenizer's depth limit, not the stack. */
                char *deep = malloc(200001);
                memset(deep, '[', 200000);
                deep[200000] = 0;
                expect_bad(deep, "Invalid JSON");
                free(deep);
        }
        free(a);
        plan_free(p);
}

/* The pins of bind sources and layers (src/plan/host-path.h). */
TEST(pinned_paths) {
        Plan *p = make_plan(), *q = NULL;
        PlanMount *bind = NULL;
        char *a, *m, *err = NULL;

        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_BIND)
                        bind = &p->mounts[i];
        ASSERT_TRUE(bind && bind->source_id.ino != 0 && !bind->source_missing);
        ASSERT_TRUE(p->layers[0].id.ino != 0);
        bind->source_id = (PlanFileId) { .dev = 7, .ino = 99999 };
        p->layers[0].id = (PlanFileId) { .dev = 3, .ino = 88888 };
        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_OK(plan_from_json(a, strlen(a), &q, &err));
        ASSERT_U64(q->layers[0].id.dev, 3);
        ASSERT_U64(q->layers[0].id.ino, 88888);
        for (size_t i = 0; i < q->n_mounts; i++)
                if (q->mounts[i].type == MOUNT_BIND) {
                        ASSERT_U64(q->mounts[i].source_id.dev, 7);
                        ASSERT_U64(q->mounts[i].source_id.ino, 99999);
                }
        plan_free(q);

        m = mutate(a, "\"inode\": 99999", "\"inode\": 0"); expect_bad(m, "\"source_id\": inode 0 is no file"); free(m);
        m = mutate(a, "\"inode\": 99999", "\"inode\": -1"); expect_bad(m, "\"inode\" is out of range"); free(m);
        m = mutate(a, "\"device\": 7", "\"device\": \"7\""); expect_bad(m, "\"device\" must be an integer"); free(m);
        m = mutate(a, "\"inode\": 99999", "\"inode\": 99999, \"generation\": 1"); expect_bad(m, "unknown field \"generation\""); free(m);
        m = mutate(a, "\"inode\": 88888", "\"inode\": 0"); expect_bad(m, "\"id\": inode 0 is no file"); free(m);
        m = mutate(a, "\"ignore_missing\": false", "\"ignore_missing\": false, \"source_id\": { \"device\": 1, \"inode\": 2 }");
        expect_bad(m, "mounts[0]: source_id is only for bind mounts"); free(m);
        free(a);

        /* "missing": only for a "-" source. */
        bind->source_missing = true;
        bind->source_id = (PlanFileId) {};
        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_TRUE(strstr(a, "\"source_id\": \"missing\""));
        expect_bad(a, "only an ignore_missing source can be missing");
        m = mutate(a, "\"source_id\": \"missing\"", "\"source_id\": \"gone\""); expect_bad(m, "must be an object or \"missing\""); free(m);
        free(a);
        bind->ignore_missing = true;
        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_OK(plan_from_json(a, strlen(a), &q, &err));
        for (size_t i = 0; i < q->n_mounts; i++)
                if (q->mounts[i].type == MOUNT_BIND)
                        ASSERT_TRUE(q->mounts[i].source_missing && q->mounts[i].ignore_missing);
        plan_free(q);
        free(a);

        /* Not recorded (null or absent): read as such; the launcher refuses it. */
        bind->source_missing = false;
        p->layers[0].id = (PlanFileId) {};
        ASSERT_OK(plan_to_json(p, &a));
        ASSERT_TRUE(strstr(a, "\"source_id\": null") && strstr(a, "\"id\": null"));
        ASSERT_OK(plan_from_json(a, strlen(a), &q, &err));
        ASSERT_U64(q->layers[0].id.ino, 0);
        plan_free(q);
        free(a);
        plan_free(p);
}

/* json-c stores a NULL it is handed as JSON null: a failed allocation
 * must fail the whole write, never produce a plan with nulls that sandboxd
 * then refuses to read back. */
TEST(out_of_memory) {
#if INJECT_ALLOC_FAILURES
        Plan *p = make_plan();
        char *ref = NULL;
        long n;

        ASSERT_OK(plan_to_json(p, &ref));
        for (n = 0;; n++) {
                struct json_object *o = NULL;
                bool injected;
                int r;

                alloc_count = 0;
                alloc_fail_at = n;
                r = plan_to_json_object(p, &o);
                alloc_fail_at = -1;
                injected = alloc_count > n;
                if (r < 0) {
                        ASSERT_EQ(r, -ENOMEM);
                        continue;
                }
                ASSERT_STREQ(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                       JSON_C_TO_STRING_NOSLASHESCAPE),
                             ref);
                json_object_put(o);
                if (!injected)
                        break;  /* nothing failed: every allocation has been tried */
        }
        fprintf(stderr, "each of the %ld allocations of plan_to_json_object() failed once: -ENOMEM or the same plan\n", n);
        free(ref);
        plan_free(p);
#else
        fprintf(stderr, "not injected under a sanitizer\n");
#endif
}

int main(void) {
        RUN(round_trip);
        RUN(strict_reader);
        RUN(egress_lists);
        RUN(pinned_paths);
        RUN(out_of_memory);
        rm_rf(dir);
        free(dir);
        free(img);
        return 0;
}
