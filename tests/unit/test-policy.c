/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/socket.h>

#include "plan-compile.h"
#include "policy.h"
#include "strv.h"
#include "syscall-groups.h"
#include "test-helpers.h"

static char *dir;

static Policy *load(const char *name, const char *text, Diagnostics *d) {
        Policy *p = NULL;
        char *path = write_file(dir, name, text);
        int r = policy_load(path, &p, d);

        free(path);
        return r < 0 ? NULL : p;
}

static void expect_error(const char *text, const char *needle) {
        Diagnostics d = {};
        Policy *p = load("bad.policy", text, &d);

        if (p) {
                fprintf(stderr, "policy unexpectedly loaded:\n%s\n", text);
                abort();
        }
        ASSERT_DIAG(&d, needle);
        diagnostics_done(&d);
}

static const PlanSyscall *find(const PlanSyscall *s, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(s[i].name, name))
                        return &s[i];
        return NULL;
}

TEST(parse) {
        Diagnostics d = {};
        Policy *p = load("ok.policy",
                         "[Policy]\nDescription=Test\n"
                         "[Seccomp]\n"
                         "DefaultAction=kill-process\n"
                         "Allow=read write execve exit_group\n"
                         "Allow=@mount\n"
                         "Deny=umount2:EACCES ptrace\n"
                         "Architectures=native x86\n"
                         "AllowNamespaces=user net\n"
                         "[Capabilities]\nAllow=CAP_CHOWN CAP_NET_BIND_SERVICE\n"
                         "[Sandbox]\nRequireNamespaces=pid mount\nAllowHostNetwork=yes\n",
                         &d);
        ASSERT_TRUE(p);
        ASSERT_STREQ(p->name, "ok");
        ASSERT_STREQ(p->description, "Test");
        ASSERT_EQ(p->default_action.type, SECCOMP_ACTION_KILL_PROCESS);
        ASSERT_EQ(p->n_entries, 7);
        ASSERT_EQ(strv_length(p->architectures), 2);
        ASSERT_U64(p->allow_namespaces, NAMESPACE_MASK(NAMESPACE_USER) | NAMESPACE_MASK(NAMESPACE_NET));
        ASSERT_U64(p->capabilities, (1ULL << 0) | (1ULL << 10));
        ASSERT_U64(p->require_namespaces, NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_MOUNT));
        ASSERT_EQ(p->allow_host_network, 1);

        /* Deny wins over Allow (even over a group Allow), and carries its action. */
        PlanSyscall *s;
        size_t n;
        ASSERT_OK(policy_expand(p, &s, &n));
        ASSERT_EQ(find(s, n, "read")->action.type, SECCOMP_ACTION_ALLOW);
        ASSERT_STREQ(find(s, n, "read")->origin, "");
        ASSERT_EQ(find(s, n, "mount")->action.type, SECCOMP_ACTION_ALLOW);
        ASSERT_STREQ(find(s, n, "mount")->origin, "@mount");
        ASSERT_EQ(find(s, n, "umount2")->action.type, SECCOMP_ACTION_ERRNO);
        ASSERT_EQ(find(s, n, "umount2")->action.errno_value, EACCES);
        /* Deny without action = DefaultAction, and equal-to-default rules are dropped. */
        ASSERT_TRUE(find(s, n, "ptrace") == NULL);
        for (size_t i = 1; i < n; i++)
                ASSERT_TRUE(strcmp(s[i - 1].name, s[i].name) < 0);
        plan_syscalls_free(s, n);
        policy_free(p);
}

TEST(order_does_not_matter) {
        Diagnostics d = {};
        Policy *a = load("a.policy", "[Seccomp]\nDeny=@mount\nAllow=@mount execve\n", &d);
        Policy *b = load("b.policy", "[Seccomp]\nAllow=@mount execve\nDeny=@mount\n", &d);
        PlanSyscall *sa, *sb;
        size_t na, nb;

        ASSERT_TRUE(a && b);
        ASSERT_OK(policy_expand(a, &sa, &na));
        ASSERT_OK(policy_expand(b, &sb, &nb));
        ASSERT_EQ(na, nb);
        for (size_t i = 0; i < na; i++) {
                ASSERT_STREQ(sa[i].name, sb[i].name);
                ASSERT_TRUE(seccomp_action_equal(sa[i].action, sb[i].action));
        }
        /* Under the default errno:EPERM, denied @mount equals the default: only execve stays. */
        ASSERT_EQ(na, 1);
        ASSERT_STREQ(sa[0].name, "execve");
        plan_syscalls_free(sa, na);
        plan_syscalls_free(sb, nb);
        policy_free(a);
        policy_free(b);
}

TEST(errors) {
        expect_error("[Seccomp]\nAllow=read wirte\n", "bad.policy:2: Allow: Unknown syscall \"wirte\".");
        expect_error("[Seccomp]\nAllow=read\nDeny=@mounts\n", "bad.policy:3: Deny: Unknown syscall group \"@mounts\"; did you mean \"@mount\"?");
        expect_error("[Seccomp]\nAllow=read:EPERM\n", "bad.policy:2: Allow: Allow= entries cannot carry an action");
        expect_error("[Seccomp]\nAllow=read\nDeny=ptrace:EFROB\n", "bad.policy:3: Deny: Invalid action \"EFROB\"");
        expect_error("[Seccomp]\nAllow=read\nDeny=ptrace:allow\n", "bad.policy:3: Deny: Invalid action \"allow\"");
        expect_error("[Seccomp]\nDefaultAction=allow\nAllow=read\n", "bad.policy:2: DefaultAction: DefaultAction=allow");
        expect_error("[Seccomp]\nDefaultAction=explode\nAllow=read\n", "bad.policy:2: DefaultAction: Invalid action");
        expect_error("[Seccomp]\nAllow=read\nArchitectures=vax\n", "bad.policy:3: Architectures: Unknown architecture \"vax\"");
        expect_error("[Seccomp]\nAllow=read\nAllowNamespaces=pid bogus\n", "bad.policy:3: AllowNamespaces: Unknown namespace type");
        expect_error("[Capabilities]\nAllow=CAP_CHOWN CAP_BOGUS\n", "bad.policy:2: Allow: Unknown capability \"CAP_BOGUS\"");
        expect_error("[Sandbox]\nAllowHostNetwork=sure\n", "bad.policy:2: AllowHostNetwork: Invalid boolean");
        expect_error("[Seccomp]\nAllow=read\n[Seccmp]\n", "bad.policy:3: Unknown section [Seccmp]; did you mean [Seccomp]?");
        expect_error("[Seccomp]\nDeny=@mount\n", "bad.policy: Policy allows no syscalls");
        expect_error("", "bad.policy: Policy allows no syscalls");
        expect_error("\x7f" "ELF\x02\x01\x01", "bad.policy:1:");
}

TEST(empty_resets) {
        Diagnostics d = {};
        Policy *p = load("reset.policy", "[Seccomp]\nAllow=read\nAllow=\nAllow=write\nDeny=ptrace\nDeny=\n"
                                         "[Capabilities]\nAllow=CAP_CHOWN\nAllow=\n", &d);
        ASSERT_TRUE(p);
        ASSERT_EQ(p->n_entries, 1);
        ASSERT_STREQ(p->entries[0].name, "write");
        ASSERT_U64(p->capabilities, 0);
        policy_free(p);
}

TEST(address_families) {
        Diagnostics d = {};
        Policy *p = load("af.policy", "[Seccomp]\nAllow=read\nAllowAddressFamilies=AF_UNIX AF_INET\n"
                                      "AllowAddressFamilies=AF_LOCAL AF_ROUTE\n", &d);

        ASSERT_TRUE(p);
        ASSERT_TRUE(p->address_families_set);
        ASSERT_U64(p->address_families, (1ULL << AF_UNIX) | (1ULL << AF_INET) | (1ULL << AF_NETLINK));
        policy_free(p);

        /* none: no family at all; empty: no restriction. */
        p = load("afnone.policy", "[Seccomp]\nAllow=read\nAllowAddressFamilies=AF_INET\nAllowAddressFamilies=none\n", &d);
        ASSERT_TRUE(p && p->address_families_set && p->address_families == 0);
        policy_free(p);
        p = load("afreset.policy", "[Seccomp]\nAllow=read\nAllowAddressFamilies=AF_INET\nAllowAddressFamilies=\n", &d);
        ASSERT_TRUE(p && !p->address_families_set && p->address_families == 0);
        policy_free(p);
        p = load("afunset.policy", "[Seccomp]\nAllow=read\n", &d);
        ASSERT_TRUE(p && !p->address_families_set);
        policy_free(p);
        diagnostics_done(&d);

        expect_error("[Seccomp]\nAllow=read\nAllowAddressFamilies=AF_UNIX AF_INTE\n",
                     "bad.policy:3: AllowAddressFamilies: Unknown address family \"AF_INTE\"; did you mean \"AF_INET\"?");
        expect_error("[Seccomp]\nAllow=read\nAllowAddressFamilies=inet6\n",
                     "bad.policy:3: AllowAddressFamilies: Unknown address family \"inet6\"; did you mean \"AF_INET6\"?");
        expect_error("[Seccomp]\nAllow=read\nAllowAddressFamilies=AF_SPACESHIP\n",
                     "bad.policy:3: AllowAddressFamilies: Unknown address family \"AF_SPACESHIP\" (names as in address_families(7)");
        expect_error("[Seccomp]\nAllow=read\nAllowAddressFamilies=~AF_PACKET\n",
                     "bad.policy:3: AllowAddressFamilies: A ceiling lists the families allowed");
}

TEST(shipped_policies) {
        const char *src = getenv("SANDBOXD_SOURCE_DIR");
        static const char *const names[] = { "default", "strict", "web" };
        char *pp;

        if (!src) {
                fprintf(stderr, "SKIP shipped_policies: SANDBOXD_SOURCE_DIR not set\n");
                return;
        }
        ASSERT_TRUE(asprintf(&pp, "%s/policies", src) > 0);
        setenv("SANDBOXD_POLICY_PATH", pp, 1);
        for (size_t i = 0; i < 3; i++) {
                Diagnostics d = {};
                Policy *p = NULL;
                PlanSyscall *s;
                size_t n;
                int r = policy_load(names[i], &p, &d);

                if (r < 0) {
                        char *x = diag_string(&d);
                        fprintf(stderr, "%s", x);
                        abort();
                }
                ASSERT_OK(policy_expand(p, &s, &n));
                /* The default policy's promises (Docker's default profile or stricter). */
                if (streq(names[i], "default")) {
                        static const char *const denied[] = {
                                "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "request_key", "ptrace",
                                "bpf", "perf_event_open", "io_uring_setup", "userfaultfd", "init_module",
                                "finit_module", "delete_module", "open_by_handle_at", "clock_settime", "settimeofday",
                                "reboot", "swapon", "swapoff", "kexec_load", "pivot_root", "chroot",
                        };
                        for (size_t j = 0; j < ELEMENTSOF(denied); j++) {
                                const PlanSyscall *x = find(s, n, denied[j]);
                                if (x && x->action.type == SECCOMP_ACTION_ALLOW) {
                                        fprintf(stderr, "default.policy allows %s\n", denied[j]);
                                        abort();
                                }
                        }
                        ASSERT_EQ(p->capabilities, 0);
                        ASSERT_TRUE(p->allow_namespaces == 0);
                        ASSERT_TRUE(p->architectures == NULL || (strv_length(p->architectures) == 1 && streq(p->architectures[0], "native")));
                }
                ASSERT_TRUE(find(s, n, "execve") && find(s, n, "execve")->action.type == SECCOMP_ACTION_ALLOW);
                /* Every shipped policy: local, IPv4, IPv6 and netlink sockets only. */
                ASSERT_TRUE(p->address_families_set);
                ASSERT_U64(p->address_families, (1ULL << AF_UNIX) | (1ULL << AF_INET) | (1ULL << AF_INET6) | (1ULL << AF_NETLINK));
                plan_syscalls_free(s, n);
                policy_free(p);
        }
        unsetenv("SANDBOXD_POLICY_PATH");
        free(pp);
}

TEST(port_ranges) {
        PortRange *r = NULL;
        _cleanup_free_ char *bad = NULL, *text = NULL;
        size_t n = 0;

        ASSERT_OK(port_ranges_parse("80 443 8000-8999", &r, &n, NULL));
        ASSERT_EQ(n, 3);
        ASSERT_TRUE(port_ranges_contain(r, n, 80));
        ASSERT_TRUE(port_ranges_contain(r, n, 8000));
        ASSERT_TRUE(port_ranges_contain(r, n, 8999));
        ASSERT_TRUE(!port_ranges_contain(r, n, 81));
        ASSERT_TRUE(!port_ranges_contain(r, n, 9000));
        ASSERT_TRUE(!port_ranges_contain(r, n, 1023));
        ASSERT_OK(port_ranges_to_string(r, n, &text));
        ASSERT_STREQ(text, "80 443 8000-8999");
        /* Errors append nothing and name the word. */
        ASSERT_EQ(port_ranges_parse("22 70000", &r, &n, &bad), -ERANGE);
        ASSERT_STREQ(bad, "70000");
        ASSERT_EQ(n, 3);
        bad = mfree(bad);
        ASSERT_EQ(port_ranges_parse("9000-8000", &r, &n, &bad), -ERANGE);
        bad = mfree(bad);
        ASSERT_EQ(port_ranges_parse("0", &r, &n, &bad), -ERANGE);
        bad = mfree(bad);
        ASSERT_EQ(port_ranges_parse("http", &r, &n, &bad), -EINVAL);
        ASSERT_STREQ(bad, "http");
        bad = mfree(bad);
        ASSERT_EQ(port_ranges_parse("80-", &r, &n, &bad), -EINVAL);
        ASSERT_EQ(n, 3);
        free(r);

        /* In a policy: accumulate, reset, and a clear error. */
        {
                Diagnostics d = {};
                Policy *p = load("ports.policy", "[Seccomp]\nDefaultAction=kill-process\nAllow=read\n[Network]\nAllowPublishPorts=80\nAllowPublishPorts=8000-8001\n", &d);

                ASSERT_TRUE(p);
                ASSERT_EQ(p->n_allow_publish_ports, 2);
                policy_free(p);
                p = load("ports.policy", "[Seccomp]\nDefaultAction=kill-process\nAllow=read\n[Network]\nAllowPublishPorts=80\nAllowPublishPorts=\n", &d);
                ASSERT_TRUE(p);
                ASSERT_EQ(p->n_allow_publish_ports, 0);
                policy_free(p);
                diagnostics_done(&d);
        }
        {
                Diagnostics d = {};
                Policy *p = load("out.policy", "[Seccomp]\nDefaultAction=kill-process\nAllow=read\n[Network]\n"
                                               "AllowOutbound=10.1.2.3/16 localhost\nAllowOutbound=fd00::/8\n", &d);

                ASSERT_TRUE(p);
                ASSERT_TRUE(p->allow_outbound_set);
                ASSERT_EQ(strv_length(p->allow_outbound), 4);
                ASSERT_STREQ(p->allow_outbound[0], "10.1.0.0/16");
                ASSERT_STREQ(p->allow_outbound[3], "fd00::/8");
                policy_free(p);
                /* Empty: nothing at all outside the sandbox. */
                p = load("out.policy", "[Seccomp]\nDefaultAction=kill-process\nAllow=read\n[Network]\n"
                                       "AllowOutbound=any\nAllowOutbound=\n", &d);
                ASSERT_TRUE(p);
                ASSERT_TRUE(p->allow_outbound_set);
                ASSERT_EQ(strv_length(p->allow_outbound), 0);
                policy_free(p);
                diagnostics_done(&d);
        }
        expect_error("[Network]\nAllowOutbound=10.0.0.0/40\n", "bad.policy:2: AllowOutbound: Prefix length of \"10.0.0.0/40\" is out of range");
        expect_error("[Network]\nAllowOutbound=internet\n", "bad.policy:2: AllowOutbound: Invalid address or prefix \"internet\"");
        expect_error("[Network]\nAllowPublishPorts=80 99999\n", "bad.policy:2: AllowPublishPorts: Port or range \"99999\" is out of range");
}

int main(void) {
        dir = make_tmpdir();
        RUN(parse);
        RUN(order_does_not_matter);
        RUN(errors);
        RUN(empty_resets);
        RUN(address_families);
        RUN(shipped_policies);
        RUN(port_ranges);
        rm_rf(dir);
        free(dir);
        return 0;
}
