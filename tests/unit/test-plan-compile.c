/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/socket.h>

#include "af-util.h"

#include "plan-compile.h"
#include "plan-devices.h"
#include "plan-network.h"
#include "policy.h"
#include "unit.h"
#include "strv.h"
#include "test-helpers.h"

/* The unit texts below are printf formats with the image path as %1$s. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static char *dir, *img, *units, *policies;

static void setup(void) {
        char *etc, *share;

        /* The files a unit is made of must not be group- or world-writable. */
        umask(022);
        dir = make_tmpdir();
        ASSERT_TRUE(asprintf(&img, "%s/img", dir) > 0 && mkdir(img, 0755) == 0);
        ASSERT_TRUE(asprintf(&etc, "%s/etc", img) > 0 && mkdir(etc, 0755) == 0);
        make_stand_in_image(img);
        free(write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                       "www:x:33:33:web:/var/www:/bin/false\n"
                                       "broken line\n"
                                       "nobody:x:65534:65534::/nonexistent:/bin/false\n"));
        free(write_file(etc, "group", "root:x:0:\nadm:x:4:\nwww:x:33:\n"));
        ASSERT_TRUE(asprintf(&units, "%s/units", dir) > 0 && mkdir(units, 0755) == 0);
        ASSERT_TRUE(asprintf(&policies, "%s/policies", dir) > 0 && mkdir(policies, 0755) == 0);
        free(write_file(policies, "default.policy",
                        "[Seccomp]\nAllow=@system-service\nDeny=@mount ptrace:EPERM\n"));
        {
                char *caps;

                /* Binds under the test's directory, and nowhere else. */
                ASSERT_TRUE(asprintf(&caps, "[Seccomp]\nAllow=@system-service\n"
                                            "[Capabilities]\nAllow=CAP_NET_BIND_SERVICE CAP_CHOWN\n"
                                            "[Sandbox]\nRequireNamespaces=pid\nAllowHostNetwork=yes\n"
                                            "AllowBindPaths=/nonexistent %s/share %s/real\n", dir, dir) > 0);
                free(write_file(policies, "caps.policy", caps));
                free(caps);
        }
        free(write_file(policies, "narrow.policy",
                        "[Seccomp]\nAllow=@system-service\n[Network]\nAllowNetwork=none private\n"
                        "AllowOutbound=10.250.0.0/16 fd00::/8\n"));
        free(write_file(policies, "opennet.policy",
                        "[Seccomp]\nAllow=@system-service\n[Network]\nAllowNetwork=none private\nAllowOutbound=any\n"));
        free(write_file(policies, "noexec.policy", "[Seccomp]\nAllow=read write\n"));
        ASSERT_TRUE(asprintf(&share, "%s/share", dir) > 0 && mkdir(share, 0755) == 0);
        free(write_file(policies, "af.policy",
                        "[Seccomp]\nAllow=@system-service\nAllowAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"));
        setenv("SANDBOXD_UNIT_PATH", units, 1);
        setenv("SANDBOXD_POLICY_PATH", policies, 1);
        free(etc);
        free(share);
}

static Plan *compile(const char *name, const char *text, Diagnostics *d) {
        char *fn, *full;
        Plan *p = NULL;
        int r;

        ASSERT_TRUE(asprintf(&fn, "%s.unit", name) > 0);
        ASSERT_TRUE(asprintf(&full, text, img) > 0); /* "%1$s" in text = the image */
        free(write_file(units, fn, full));
        r = plan_compile_unit(name, &p, d);
        free(fn);
        free(full);
        return r < 0 ? NULL : p;
}

static void expect_error(const char *text, const char *needle) {
        Diagnostics d = {};
        Plan *p = compile("bad", text, &d);

        if (p) {
                fprintf(stderr, "unit unexpectedly compiled:\n%s\n", text);
                abort();
        }
        ASSERT_DIAG(&d, needle);
        diagnostics_done(&d);
}

static Plan *compile_ok(const char *name, const char *text) {
        Diagnostics d = {};
        Plan *p = compile(name, text, &d);

        if (!p) {
                char *s = diag_string(&d);
                fprintf(stderr, "%s", s);
                abort();
        }
        return p;
}

TEST(defaults) {
        Plan *p = compile_ok("min", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\n");

        ASSERT_STREQ(p->name, "min");
        ASSERT_U64(p->namespaces, NAMESPACE_MASK_DEFAULT);
        ASSERT_EQ(p->network, NETWORK_NONE);
        ASSERT_TRUE(p->read_only);
        ASSERT_EQ(p->n_layers, 1);
        ASSERT_EQ(p->layers[0].type, LAYER_DIRECTORY);
        ASSERT_EQ(p->uid, 0);
        ASSERT_U64(p->cap_bounding, 0);
        ASSERT_U64(p->cap_effective, 0);
        ASSERT_TRUE(p->no_new_privileges);
        ASSERT_EQ(p->restart, RESTART_NO);
        ASSERT_U64(p->restart_usec, 100000);
        ASSERT_EQ(p->start_limit_burst, 5);
        ASSERT_U64(p->start_limit_interval_usec, 10000000);
        ASSERT_EQ(p->kill_signal, SIGTERM);
        ASSERT_U64(p->timeout_stop_usec, 90000000);
        ASSERT_U64(p->limits.memory_max, UINT64_MAX);
        ASSERT_STREQ(p->working_directory, "/");
        ASSERT_TRUE(p->seccomp_bpf && p->seccomp_bpf_size > 0 && p->seccomp_bpf_size % 8 == 0);
        ASSERT_TRUE(strv_length(p->seccomp_architectures) == 1);

        /* Mounts: API filesystems first, masks and read-only paths last. */
        ASSERT_EQ(p->mounts[0].type, MOUNT_PROC);
        ASSERT_STREQ(p->mounts[0].target, "/proc");
        ASSERT_EQ(p->mounts[p->n_mounts - 1].type, MOUNT_READ_ONLY);
        {
                bool kcore = false, sys = false;
                for (size_t i = 0; i < p->n_mounts; i++) {
                        if (p->mounts[i].type == MOUNT_MASK && streq(p->mounts[i].target, "/proc/kcore"))
                                kcore = true;
                        if (p->mounts[i].type == MOUNT_READ_ONLY && streq(p->mounts[i].target, "/proc/sys"))
                                sys = true;
                }
                ASSERT_TRUE(kcore && sys);
        }

        /* Never the caller's environment. */
        setenv("CANARY_FROM_CALLER", "leak", 1);
        ASSERT_TRUE(strv_env_get(p->environment, "CANARY_FROM_CALLER") == NULL);
        ASSERT_STREQ(strv_env_get(p->environment, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        plan_free(p);
}

TEST(identity_and_caps) {
        char *envfile = write_file(dir, "env", "# comment\nFROM_FILE=\"quoted value\"\nA=from-file\nexport E=x\n");
        char *text;
        Plan *p;

        ASSERT_TRUE(asprintf(&text,
                             "[Sandbox]\nImage=%%1$s\nEnvironment=A=from-unit B=b\nEnvironmentFile=%s\nEnvironmentFile=-/nonexistent\n"
                             "Namespaces=pid mount net uts ipc\nBindReadOnlyPaths=%s/share:/data\n"
                             "[Security]\nPolicy=caps\nCapabilities=CAP_NET_BIND_SERVICE CAP_CHOWN\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"
                             "[Service]\nExecStart=/bin/httpd\nUser=www\nSupplementaryGroups=adm 7\n",
                             envfile, dir) > 0);
        p = compile_ok("ident", text);
        ASSERT_EQ(p->uid, 33);
        ASSERT_EQ(p->gid, 33);
        ASSERT_EQ(p->n_supplementary_gids, 2);
        ASSERT_EQ(p->supplementary_gids[0], 4);
        ASSERT_EQ(p->supplementary_gids[1], 7);
        ASSERT_STREQ(strv_env_get(p->environment, "HOME"), "/var/www");
        ASSERT_STREQ(strv_env_get(p->environment, "USER"), "www");
        ASSERT_STREQ(strv_env_get(p->environment, "A"), "from-file");
        ASSERT_STREQ(strv_env_get(p->environment, "B"), "b");
        ASSERT_STREQ(strv_env_get(p->environment, "FROM_FILE"), "quoted value");
        ASSERT_STREQ(strv_env_get(p->environment, "E"), "x");
        /* Non-root: only ambient capabilities are held. */
        ASSERT_U64(p->cap_bounding, (1ULL << 10) | 1ULL);
        ASSERT_U64(p->cap_ambient, 1ULL << 10);
        ASSERT_U64(p->cap_permitted, 1ULL << 10);
        ASSERT_U64(p->cap_effective, 1ULL << 10);
        ASSERT_U64(p->cap_inheritable, 1ULL << 10);
        {
                bool found = false;
                for (size_t i = 0; i < p->n_mounts; i++)
                        if (p->mounts[i].type == MOUNT_BIND && streq(p->mounts[i].target, "/data") && p->mounts[i].read_only)
                                found = true;
                ASSERT_TRUE(found);
        }
        plan_free(p);
        free(text);

        /* Root keeps the whole bounding set as permitted/effective. */
        p = compile_ok("rootcaps", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=caps\nCapabilities=CAP_CHOWN\n"
                                   "[Service]\nExecStart=/bin/true\nUser=0\n");
        ASSERT_U64(p->cap_permitted, 1);
        ASSERT_U64(p->cap_effective, 1);
        ASSERT_U64(p->cap_ambient, 0);
        ASSERT_STREQ(strv_env_get(p->environment, "HOME"), "/root");
        plan_free(p);

        /* Numeric user without passwd entry. */
        p = compile_ok("numeric", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\nUser=1234:5678\n");
        ASSERT_EQ(p->uid, 1234);
        ASSERT_EQ(p->gid, 5678);
        plan_free(p);
        free(envfile);
}

TEST(ceilings_name_both_files) {
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nCapabilities=CAP_SYS_ADMIN\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:4: Capabilities: CAP_SYS_ADMIN not allowed by policy default (");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nCapabilities=CAP_SYS_ADMIN\n[Service]\nExecStart=/bin/true\n",
                     "default.policy: [Capabilities] Allow=)");
        expect_error("[Sandbox]\nImage=%1$s\nNetwork=host\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: Network: Network=host is not allowed by policy default");
        expect_error("[Sandbox]\nImage=%1$s\nNamespaces=mount net\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: Namespaces: Policy caps requires the namespaces \"pid\"");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=caps\nCapabilities=CAP_CHOWN\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:6: AmbientCapabilities: CAP_NET_BIND_SERVICE must also be in Capabilities=");
        /* Network=host where the policy allows it. */
        {
                Plan *p = compile_ok("hostnet", "[Sandbox]\nImage=%1$s\nNetwork=host\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n");
                ASSERT_TRUE(!(p->namespaces & NAMESPACE_MASK(NAMESPACE_NET)));
                plan_free(p);
        }
}

/* IPAddressAllow=/IPAddressDeny= need Network=private; the allow-list
 * fits in the policy's AllowOutbound=, which the plan carries unless it
 * is any. */
TEST(egress) {
        expect_error("[Sandbox]\nImage=%1$s\nIPAddressAllow=10.0.0.1\nIPAddressDeny=any\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: IPAddressAllow: IPAddressAllow= needs Network=private.");
        expect_error("[Sandbox]\nImage=%1$s\nIPAddressAllow=10.0.0.1\nIPAddressDeny=any\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:4: IPAddressDeny: IPAddressDeny= needs Network=private.");
        expect_error("[Sandbox]\nImage=%1$s\nNetwork=private\nIPAddressAllow=10.250.1.0/24\nIPAddressAllow=10.0.0.0/8 ::1\n"
                     "[Security]\nPolicy=narrow\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:5: IPAddressAllow: 10.0.0.0/8 is not allowed by policy narrow (");
        expect_error("[Sandbox]\nImage=%1$s\nNetwork=private\nIPAddressAllow=10.0.0.0/8 ::1\n"
                     "[Security]\nPolicy=narrow\n[Service]\nExecStart=/bin/true\n",
                     "narrow.policy: [Network] AllowOutbound=10.250.0.0/16 fd00::/8)");
        expect_error("[Sandbox]\nImage=%1$s\nNetwork=private\nIPAddressAllow=::1\n"
                     "[Security]\nPolicy=narrow\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:4: IPAddressAllow: ::1/128 is not allowed by policy narrow");
        {
                Plan *p = compile_ok("eg1", "[Sandbox]\nImage=%1$s\nNetwork=private\nIPAddressAllow=10.250.3.4 fd00::/16\n"
                                            "IPAddressDeny=10.250.3.0/24\n[Security]\nPolicy=narrow\n[Service]\nExecStart=/bin/true\n");
                ASSERT_EQ(strv_length(p->net.ip_allow), 2);
                ASSERT_STREQ(p->net.ip_allow[0], "10.250.3.4/32");
                ASSERT_STREQ(p->net.ip_deny[0], "10.250.3.0/24");
                ASSERT_TRUE(p->net.outbound_limited);
                ASSERT_EQ(strv_length(p->net.outbound), 2);
                ASSERT_STREQ(p->net.outbound[1], "fd00::/8");
                plan_free(p);
        }
        {
                /* No lists: the ceiling alone. */
                Plan *p = compile_ok("eg2", "[Sandbox]\nImage=%1$s\nNetwork=private\n[Security]\nPolicy=narrow\n"
                                            "[Service]\nExecStart=/bin/true\n");
                ASSERT_EQ(strv_length(p->net.ip_allow), 0);
                ASSERT_TRUE(p->net.outbound_limited);
                plan_free(p);
        }
        {
                /* A policy without AllowOutbound= (or with any) bounds nothing. */
                Plan *p = compile_ok("eg3", "[Sandbox]\nImage=%1$s\nNetwork=private\nIPAddressAllow=192.0.2.0/24\n"
                                            "IPAddressDeny=any\n[Security]\nPolicy=opennet\n[Service]\nExecStart=/bin/true\n");
                ASSERT_TRUE(!p->net.outbound_limited);
                ASSERT_EQ(strv_length(p->net.ip_deny), 2);
                plan_free(p);
        }
}

/* A published IPv6 host address needs an IPv6 subnet on the bridge. */
TEST(publish_port_ipv6) {
        char *conf = write_file(dir, "nov6.conf", "[Network]\nSubnet6=\n");
        char *v6 = write_file(dir, "v6.conf", "[Network]\nSubnet6=fd00:1:2:3::/64\n");
        char *path = write_file(units, "pub6.unit", "[Sandbox]\nNetwork=private\nPublishPort=8080:80\n"
                                                   "PublishPort=[2001:db8::7]:8081:80\n");
        Diagnostics d = {};
        Unit *u = NULL;
        Policy *pol = NULL;
        Plan *p = plan_new();

        ASSERT_TRUE(p);
        ASSERT_OK(unit_load(path, &u, &d));
        free(write_file(policies, "pub.policy", "[Seccomp]\nAllow=@system-service\n[Network]\nAllowNetwork=private\n"
                                                "AllowPublishPorts=8080-8081\n"));
        ASSERT_OK(policy_load("pub", &pol, &d));
        p->network = NETWORK_PRIVATE;
        ASSERT_TRUE(plan_compile_network(u, pol, conf, p, &d) < 0);
        ASSERT_DIAG(&d, "pub6.unit:4: PublishPort: Host address [2001:db8::7]:8081/tcp needs IPv6 on bridge sandbox0, and");
        ASSERT_DIAG(&d, "nov6.conf sets no [Network] Subnet6=.");
        ASSERT_EQ(d.n, 1);
        diagnostics_done(&d);
        plan_free(p);

        p = plan_new();
        ASSERT_TRUE(p);
        p->network = NETWORK_PRIVATE;
        ASSERT_OK(plan_compile_network(u, pol, v6, p, &d));
        ASSERT_EQ(p->net.n_ports, 2);
        ASSERT_TRUE(p->net.ports[1].host_ipv6);
        ASSERT_EQ(p->net.prefixlen6, 64);
        plan_free(p);
        unit_free(u);
        policy_free(pol);
        free(conf);
        free(v6);
        free(path);
}

#define AFM(x) (UINT64_C(1) << (x))

TEST(address_families) {
        Plan *p;

        /* The policy lists none, the unit none: any family. */
        p = compile_ok("afany", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(!p->seccomp_restrict_address_families);
        ASSERT_EQ(p->n_seccomp_enosys, 1);
        plan_free(p);
        /* A unit that says nothing gets the policy's set. */
        p = compile_ok("afpol", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\n[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->seccomp_restrict_address_families);
        ASSERT_U64(p->seccomp_address_families, AFM(AF_UNIX) | AFM(AF_INET) | AFM(AF_INET6) | AFM(AF_NETLINK));
        plan_free(p);
        /* An allow list within the ceiling. */
        p = compile_ok("afnarrow", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=AF_UNIX\n"
                                   "[Service]\nExecStart=/bin/true\n");
        ASSERT_U64(p->seccomp_address_families, AFM(AF_UNIX));
        plan_free(p);
        /* A deny list takes from the ceiling. */
        p = compile_ok("afdeny", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=~AF_INET6 AF_PACKET\n"
                                 "[Service]\nExecStart=/bin/true\n");
        ASSERT_U64(p->seccomp_address_families, AFM(AF_UNIX) | AFM(AF_INET) | AFM(AF_NETLINK));
        plan_free(p);
        /* ... or from every family when the policy lists none. */
        p = compile_ok("afdenyall", "[Sandbox]\nImage=%1$s\n[Security]\nRestrictAddressFamilies=~AF_PACKET\n"
                                    "[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->seccomp_restrict_address_families);
        ASSERT_U64(p->seccomp_address_families, af_mask_all() & ~AFM(AF_PACKET));
        plan_free(p);
        p = compile_ok("afnone", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=none\n"
                                 "[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->seccomp_restrict_address_families && p->seccomp_address_families == 0);
        plan_free(p);

        /* Asking for more: each line that does, naming both files. */
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=AF_UNIX AF_PACKET AF_VSOCK\n"
                     "[Service]\nExecStart=/bin/true\n",
                     "bad.unit:5: RestrictAddressFamilies: AF_PACKET AF_VSOCK not allowed by policy af (");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=AF_UNIX AF_PACKET\n"
                     "RestrictAddressFamilies=AF_BLUETOOTH\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:6: RestrictAddressFamilies: AF_BLUETOOTH not allowed by policy af (");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=af\nRestrictAddressFamilies=AF_PACKET\n"
                     "[Service]\nExecStart=/bin/true\n",
                     "af.policy: [Seccomp] AllowAddressFamilies=)");
}

TEST(errors) {
        expect_error("[Service]\nExecStart=/bin/true\n", "bad.unit: Image: No Image= given");
        expect_error("[Sandbox]\nImage=/nonexistent/image\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:2: Image: Image /nonexistent/image: No such file or directory.");
        expect_error("[Sandbox]\nImage=/dev/null\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:2: Image: Image /dev/null is neither a directory nor a tarball");
        expect_error("[Sandbox]\nImage=%1$s\n", "bad.unit: ExecStart: No ExecStart= given");
        expect_error("[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\nUser=alice\n",
                     "bad.unit:5: User: User \"alice\" not found in the image's /etc/passwd.");
        expect_error("[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\nGroup=wheel\n",
                     "bad.unit: Group: Group \"wheel\" not found");
        expect_error("[Sandbox]\nImage=%1$s\nBindPaths=/nonexistent/src:/x\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: BindPaths: Bind source /nonexistent/src: No such file or directory.");
        expect_error("[Sandbox]\nImage=%1$s\nNamespaces=pid net\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: Namespaces: The mount namespace cannot be turned off");
        expect_error("[Sandbox]\nImage=%1$s\nNamespaces=pid mount\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: Namespaces: Network=none needs the net namespace");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=nosuch\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:4: Policy: Cannot load policy nosuch.");
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=noexec\n[Service]\nExecStart=/bin/true\n",
                     "noexec.policy: Policy noexec does not allow execve");
        expect_error("[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\nRestartSteps=3\n",
                     "bad.unit: RestartSteps: RestartSteps= needs RestartMaxDelaySec=");
        /* Missing ignorable bind source is fine, and recorded as missing. */
        {
                Plan *p = compile_ok("optbind", "[Sandbox]\nImage=%1$s\nBindPaths=-/nonexistent/src:/x\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n");
                size_t n = 0;
                for (size_t i = 0; i < p->n_mounts; i++)
                        if (p->mounts[i].type == MOUNT_BIND) {
                                ASSERT_TRUE(p->mounts[i].source_missing && p->mounts[i].ignore_missing);
                                ASSERT_STREQ(p->mounts[i].source, "/nonexistent/src");
                                n++;
                        }
                ASSERT_EQ(n, 1);
                plan_free(p);
        }
}

/* Bind sources, layers and EnvironmentFile= are resolved once, here, and
 * what was found is pinned for the launcher (src/plan/host-path.h). */
TEST(pinned_host_paths) {
        char *real, *link, *sub, *img_link, *text, *want, *env;
        struct stat st_sub, st_img;
        Plan *p;

        ASSERT_TRUE(asprintf(&real, "%s/real", dir) > 0 && mkdir(real, 0755) == 0);
        ASSERT_TRUE(asprintf(&sub, "%s/sub", real) > 0 && mkdir(sub, 0755) == 0);
        ASSERT_TRUE(asprintf(&link, "%s/link", dir) > 0 && symlink("real", link) == 0);
        ASSERT_TRUE(asprintf(&img_link, "%s/img-link", dir) > 0 && symlink(img, img_link) == 0);
        env = write_file(real, "env", "FROM_FILE=yes\n");
        ASSERT_TRUE(stat(sub, &st_sub) == 0 && stat(img, &st_img) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\nBindReadOnlyPaths=%s/sub:/x -%s/nope/deeper:/y\n"
                                    "EnvironmentFile=%s/env\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n",
                             img_link, link, link, link) > 0);
        p = compile_ok("pinned", text);
        ASSERT_STREQ(p->layers[0].path, img);
        ASSERT_U64(p->layers[0].id.dev, (uint64_t) st_img.st_dev);
        ASSERT_U64(p->layers[0].id.ino, (uint64_t) st_img.st_ino);
        for (size_t i = 0, n = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                if (m->type != MOUNT_BIND)
                        continue;
                if (n++ == 0) {
                        ASSERT_STREQ(m->source, sub);
                        ASSERT_TRUE(!m->source_missing);
                        ASSERT_U64(m->source_id.dev, (uint64_t) st_sub.st_dev);
                        ASSERT_U64(m->source_id.ino, (uint64_t) st_sub.st_ino);
                } else {
                        /* canonical as far as it exists */
                        ASSERT_TRUE(asprintf(&want, "%s/nope/deeper", real) > 0);
                        ASSERT_STREQ(m->source, want);
                        ASSERT_TRUE(m->source_missing && m->source_id.ino == 0);
                        free(want);
                }
        }
        ASSERT_TRUE(strv_contains(p->environment, "FROM_FILE=yes"));
        plan_free(p);
        free(text);

        /* A symlink is followed only by the compiler's canonicalization:
         * a bind source that is one resolves to its target. */
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nBindPaths=%s:/x\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n", link) > 0);
        p = compile_ok("pinned2", text);
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_BIND)
                        ASSERT_STREQ(p->mounts[i].source, real);
        plan_free(p);
        free(text);
        free(real);
        free(sub);
        free(link);
        free(img_link);
        free(env);
}

TEST(bind_paths_bounded_by_policy) {
        char *text, *link, *share, *real_share;
        Plan *p;

        /* The default policy allows no bind source at all. */
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nBindReadOnlyPaths=%s/share:/d\n[Service]\nExecStart=/bin/true\n", dir) > 0);
        expect_error(text, "bad.unit:3: BindReadOnlyPaths: ");
        expect_error(text, "/share not allowed by policy default (");
        expect_error(text, "default.policy: [Sandbox] AllowBindPaths=)");
        free(text);

        /* Prefixes match whole components: share-x is not under share. */
        ASSERT_TRUE(asprintf(&share, "%s/share-x", dir) > 0 && mkdir(share, 0755) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nBindPaths=%s:/d\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n", share) > 0);
        expect_error(text, "bad.unit:3: BindPaths: ");
        expect_error(text, "share-x not allowed by policy caps (");
        free(text);

        /* A symlink under the allowed prefix that leads out of it is judged
         * by where it leads, and named so. */
        ASSERT_TRUE(asprintf(&link, "%s/share/out", dir) > 0 && symlink(share, link) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nBindPaths=%s:/d\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n", link) > 0);
        expect_error(text, "/share/out (");
        expect_error(text, "/share-x) not allowed by policy caps");
        free(text);

        /* Inside: compiles, and the plan carries the canonical source. */
        real_share = NULL;
        ASSERT_TRUE(asprintf(&real_share, "%s/share/sub", dir) > 0 && mkdir(real_share, 0755) == 0);
        free(link);
        ASSERT_TRUE(asprintf(&link, "%s/share/alias", dir) > 0 && symlink("sub", link) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nBindPaths=%s:/d\n[Security]\nPolicy=caps\n[Service]\nExecStart=/bin/true\n", link) > 0);
        p = compile_ok("bindok", text);
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_BIND)
                        ASSERT_STREQ(p->mounts[i].source, real_share);
        plan_free(p);
        free(text);
        free(real_share);
        free(link);
        free(share);
}

/* Each file a unit is made of, and each directory above it, as a local
 * attacker would plant or loosen them. */
TEST(file_ownership) {
        char *text, *sub, *env, *dropdir;
        Diagnostics d = {};
        Plan *p;

        /* A group-writable unit. */
        free(write_file(units, "gw.unit", "[Sandbox]\nImage=/\n[Service]\nExecStart=/bin/true\n"));
        ASSERT_TRUE(asprintf(&text, "%s/gw.unit", units) > 0);
        ASSERT_TRUE(chmod(text, 0664) == 0);
        ASSERT_TRUE(plan_compile_unit("gw", &p, &d) < 0);
        ASSERT_DIAG(&d, "gw.unit: is writable by group ");
        ASSERT_DIAG(&d, "(mode 0664); refusing.");
        diagnostics_done(&d);
        free(text);

        /* A unit in a world-writable directory; a sticky one is fine. */
        ASSERT_TRUE(asprintf(&sub, "%s/ww", dir) > 0 && mkdir(sub, 0755) == 0);
        ASSERT_TRUE(chmod(sub, 0777) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\n[Service]\nExecStart=/bin/true\n", img) > 0);
        free(write_file(sub, "ww.unit", text));
        free(text);
        ASSERT_TRUE(asprintf(&text, "%s/ww.unit", sub) > 0);
        d = (Diagnostics) {};
        ASSERT_TRUE(plan_compile_unit(text, &p, &d) < 0);
        ASSERT_DIAG(&d, "ww.unit: directory ");
        ASSERT_DIAG(&d, "/ww above it is writable by anyone (mode 0777); refusing.");
        diagnostics_done(&d);
        ASSERT_TRUE(chmod(sub, 01777) == 0);
        d = (Diagnostics) {};
        ASSERT_OK(plan_compile_unit(text, &p, &d));
        plan_free(p);
        diagnostics_done(&d);

        /* ... but a drop-in directory in it gets no sticky exception. */
        ASSERT_TRUE(asprintf(&dropdir, "%s/ww.unit.d", sub) > 0 && mkdir(dropdir, 0755) == 0);
        ASSERT_TRUE(chmod(dropdir, 01777) == 0);
        free(write_file(dropdir, "zz.conf", "[Security]\nCapabilities=CAP_SYS_ADMIN\n"));
        d = (Diagnostics) {};
        ASSERT_TRUE(plan_compile_unit(text, &p, &d) < 0);
        ASSERT_DIAG(&d, "ww.unit.d: is writable by anyone (mode 1777); refusing.");
        diagnostics_done(&d);
        /* A group-writable drop-in in a good directory. */
        ASSERT_TRUE(chmod(dropdir, 0755) == 0);
        free(write_file(dropdir, "zz.conf", "[Sandbox]\nHostname=x\n"));
        free(text);
        ASSERT_TRUE(asprintf(&text, "%s/zz.conf", dropdir) > 0);
        ASSERT_TRUE(chmod(text, 0666) == 0);
        free(text);
        ASSERT_TRUE(asprintf(&text, "%s/ww.unit", sub) > 0);
        d = (Diagnostics) {};
        ASSERT_TRUE(plan_compile_unit(text, &p, &d) < 0);
        ASSERT_DIAG(&d, "zz.conf: is writable by anyone (mode 0666); refusing.");
        diagnostics_done(&d);
        free(text);

        /* A world-writable EnvironmentFile=; a good one records its variables. */
        env = write_file(dir, "secret.env", "TOKEN=s3cret\nPLAIN=x\n");
        ASSERT_TRUE(chmod(env, 0646) == 0);
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%%1$s\nEnvironment=PLAIN=unit\nEnvironmentFile=%s\n[Service]\nExecStart=/bin/true\n", env) > 0);
        expect_error(text, "secret.env: is writable by anyone (mode 0646); refusing.");
        ASSERT_TRUE(chmod(env, 0600) == 0);
        p = compile_ok("envsrc", text);
        ASSERT_STREQ(strv_env_get(p->environment, "TOKEN"), "s3cret");
        ASSERT_STREQ(strv_env_get(p->environment_sources, "TOKEN"), env);
        ASSERT_STREQ(strv_env_get(p->environment_sources, "PLAIN"), env);
        ASSERT_TRUE(strv_env_get(p->environment_sources, "PATH") == NULL);
        plan_free(p);
        free(text);
        free(env);
        free(dropdir);
        free(sub);
}

/* A caller other than root names only policies of the search path: the
 * policy is what bounds that caller. */
TEST(policy_outside_search_path) {
        char *other, *pol, *text;
        Diagnostics d = {};
        Plan *p;

        ASSERT_TRUE(asprintf(&other, "%s/elsewhere", dir) > 0 && mkdir(other, 0755) == 0);
        pol = write_file(other, "mine.policy", "[Seccomp]\nAllow=@system-service\n[Capabilities]\nAllow=CAP_SYS_ADMIN\n");
        ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\n[Security]\nPolicy=%s\nCapabilities=CAP_SYS_ADMIN\n[Service]\nExecStart=/bin/true\n", img, pol) > 0);
        free(write_file(units, "byadmin.unit", text));
        if (geteuid() == 0) {
                ASSERT_OK(plan_compile_unit_as("byadmin", 0, &p, &d));
                plan_free(p);
        }
        ASSERT_TRUE(plan_compile_unit_as("byadmin", 4242, &p, &d) < 0);
        ASSERT_DIAG(&d, "mine.policy: Not in the policy search path (");
        ASSERT_DIAG(&d, "only root may name a policy elsewhere (caller uid 4242); refusing.");
        diagnostics_done(&d);
        free(text);
        /* The same file named through the search path directory is fine. */
        if (geteuid() == 0) {
                char *inpath;
                ASSERT_TRUE(asprintf(&inpath, "%s/caps.policy", policies) > 0);
                ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\n[Security]\nPolicy=%s\n[Service]\nExecStart=/bin/true\n", img, inpath) > 0);
                free(write_file(units, "byadmin2.unit", text));
                d = (Diagnostics) {};
                ASSERT_OK(plan_compile_unit_as("byadmin2", 4242, &p, &d));
                plan_free(p);
                free(inpath);
                free(text);
        }
        free(pol);
        free(other);
}

TEST(exec_start_variables) {
        Plan *p = compile_ok("vars", "[Sandbox]\nImage=%1$s\nEnvironment=\"OPTS=-a -b  -c\" NAME=web\n"
                                     "[Service]\nExecStart=/bin/x $OPTS ${NAME} pre-${NAME}-post $$HOME $(id) ${MISSING}x $MISSING\n");
        ASSERT_EQ(strv_length(p->argv), 9);
        ASSERT_STREQ(p->argv[1], "-a");
        ASSERT_STREQ(p->argv[3], "-c");
        ASSERT_STREQ(p->argv[4], "web");
        ASSERT_STREQ(p->argv[5], "pre-web-post");
        ASSERT_STREQ(p->argv[6], "$HOME");
        ASSERT_STREQ(p->argv[7], "$(id)");
        ASSERT_STREQ(p->argv[8], "x");
        plan_free(p);
}

TEST(user_namespace) {
        Plan *p = compile_ok("userns", "[Sandbox]\nImage=%1$s\nNamespaces=pid mount net user\n[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->uid_map_count == 65536);
        /* The compiler writes nothing: the range is the launcher's to
         * allocate at start. */
        ASSERT_TRUE(p->uid_map_base == 0);
        ASSERT_TRUE(p->namespaces & NAMESPACE_MASK(NAMESPACE_USER));
        plan_free(p);

        /* On by default. */
        p = compile_ok("userns-default", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->namespaces & NAMESPACE_MASK(NAMESPACE_USER));
        ASSERT_TRUE(p->uid_map_count == 65536 && p->uid_map_base == 0);
        plan_free(p);
}

static const PlanMount *find_mount(const Plan *p, MountType type, const char *target) {
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == type && streq(p->mounts[i].target, target))
                        return &p->mounts[i];
        return NULL;
}

TEST(bounded_defaults) {
        Plan *p;

        /* 15 % of the smaller of pid_max and threads-max, rounded. */
        ASSERT_U64(plan_default_tasks_max_of(32768, 192735), 4915);
        ASSERT_U64(plan_default_tasks_max_of(4194304, 62000), 9300);
        ASSERT_U64(plan_default_tasks_max_of(10, 10), 2);
        ASSERT_U64(plan_default_tasks_max_of(1, 1), 1);
        ASSERT_U64(plan_default_tmpfs_size(CGROUP_LIMIT_MAX), 1ULL << 30);
        ASSERT_U64(plan_default_tmpfs_size(0), 1ULL << 30);
        ASSERT_U64(plan_default_tmpfs_size(32ULL << 20), 32ULL << 20);

        p = compile_ok("nolimits", "[Sandbox]\nImage=%1$s\nTemporaryFileSystem=/tmp /run:mode=0700 /srv:size=5M\n"
                                   "[Service]\nExecStart=/bin/true\n");
        ASSERT_U64(p->limits.tasks_max, plan_default_tasks_max());
        ASSERT_TRUE(p->limits.tasks_max > 0 && p->limits.tasks_max != CGROUP_LIMIT_MAX);
        ASSERT_STREQ(find_mount(p, MOUNT_SHM, "/dev/shm")->options, "mode=1777,size=64M");
        ASSERT_STREQ(find_mount(p, MOUNT_TMPFS, "/tmp")->options, "mode=0755,size=1G");
        ASSERT_STREQ(find_mount(p, MOUNT_TMPFS, "/run")->options, "mode=0700,size=1G");
        ASSERT_STREQ(find_mount(p, MOUNT_TMPFS, "/srv")->options, "size=5M");
        ASSERT_U64(p->upper_size, 0);
        plan_free(p);

        p = compile_ok("limits", "[Sandbox]\nImage=%1$s\nReadOnly=no\nTemporaryFileSystem=/tmp\n"
                                 "[Resources]\nMemoryMax=48M\nTasksMax=infinity\n[Service]\nExecStart=/bin/true\n");
        ASSERT_U64(p->limits.tasks_max, CGROUP_LIMIT_MAX);
        ASSERT_STREQ(find_mount(p, MOUNT_TMPFS, "/tmp")->options, "mode=0755,size=48M");
        ASSERT_U64(p->upper_size, 48ULL << 20);
        plan_free(p);

        p = compile_ok("tasks", "[Sandbox]\nImage=%1$s\n[Resources]\nTasksMax=7\n[Service]\nExecStart=/bin/true\n");
        ASSERT_U64(p->limits.tasks_max, 7);
        plan_free(p);
}

TEST(devices) {
        static const char proc_devices[] = "Character devices:\n  1 mem\n 10 misc\n136 pts\n137 pts\n\n"
                                           "Block devices:\n  7 loop\n 10 misc\n";
        PlanDevice outer = { .major = 10, .minor = PLAN_DEVICE_ANY, .access = DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE };
        PlanDevice inner = { .major = 10, .minor = 229, .access = DEVICE_ACCESS_READ };
        char buf[PLAN_DEVICE_STRING_MAX];
        Plan *p;

        /* The minimal set, and nothing else, without DeviceAllow=. */
        p = compile_ok("devmin", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/true\n");
        ASSERT_EQ(p->n_devices, 8);
        ASSERT_STREQ(p->devices[0].name, "/dev/null");
        ASSERT_EQ(p->devices[0].major, 1);
        ASSERT_EQ(p->devices[0].minor, 3);
        ASSERT_EQ(p->devices[0].access, DEVICE_ACCESS_ALL);
        ASSERT_STREQ(p->devices[7].name, "char-pts");
        ASSERT_STREQ(plan_device_to_string(&p->devices[7], buf), "char 136:*");
        ASSERT_EQ(p->devices[7].access, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE);
        plan_free(p);

        /* Classes from /proc/devices, every major of that name in its section. */
        p = plan_new();
        ASSERT_TRUE(p);
        ASSERT_OK(plan_devices_resolve(p, "char-pts", DEVICE_ACCESS_READ, proc_devices));
        ASSERT_EQ(p->n_devices, 2);
        ASSERT_EQ(p->devices[1].major, 137);
        ASSERT_TRUE(!p->devices[1].block && p->devices[1].minor == PLAN_DEVICE_ANY);
        ASSERT_OK(plan_devices_resolve(p, "block-misc", DEVICE_ACCESS_READ, proc_devices));
        ASSERT_TRUE(p->devices[2].block && p->devices[2].major == 10);
        ASSERT_TRUE(plan_devices_resolve(p, "char-loop", DEVICE_ACCESS_READ, proc_devices) == -ENXIO);
        ASSERT_OK(plan_devices_resolve(p, "block-*", DEVICE_ACCESS_MKNOD, proc_devices));
        ASSERT_TRUE(p->devices[3].major == PLAN_DEVICE_ANY && p->devices[3].block);
        ASSERT_OK(plan_devices_resolve(p, "/dev/null", DEVICE_ACCESS_READ, NULL));
        ASSERT_TRUE(p->devices[4].major == 1 && p->devices[4].minor == 3);
        ASSERT_TRUE(plan_devices_resolve(p, "/dev/nonexistent-sbx", DEVICE_ACCESS_READ, NULL) == -ENOENT);
        ASSERT_TRUE(plan_devices_resolve(p, "/dev/shm", DEVICE_ACCESS_READ, NULL) == -ENOTBLK ||
                    access("/dev/shm", F_OK) < 0);
        plan_free(p);

        /* Coverage: type, numbers, access. */
        ASSERT_TRUE(plan_device_covers(&outer, &inner));
        inner.access = DEVICE_ACCESS_MKNOD;
        ASSERT_TRUE(!plan_device_covers(&outer, &inner));
        inner.access = DEVICE_ACCESS_READ;
        inner.block = true;
        ASSERT_TRUE(!plan_device_covers(&outer, &inner));
        inner.block = false;
        inner.major = PLAN_DEVICE_ANY;
        ASSERT_TRUE(!plan_device_covers(&outer, &inner));

        /* The ceiling: the default policy allows nothing more. */
        expect_error("[Sandbox]\nImage=%1$s\n[Resources]\nDeviceAllow=/dev/null rw\nDeviceAllow=/dev/full r\n"
                     "DeviceAllow=char-* r\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:6: DeviceAllow: char-* (char *:*) r is not allowed by policy default (");
        expect_error("[Sandbox]\nImage=%1$s\n[Resources]\nDeviceAllow=char-* r\n[Service]\nExecStart=/bin/true\n",
                     "default.policy: [Sandbox] AllowDevices=).");
        expect_error("[Sandbox]\nImage=%1$s\n[Resources]\nDeviceAllow=/dev/nonexistent-sbx\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:4: DeviceAllow: /dev/nonexistent-sbx does not exist on this host.");
        /* Within the ceiling. */
        free(write_file(policies, "devs.policy", "[Seccomp]\nAllow=@system-service\n[Sandbox]\nAllowDevices=char-* r\n"
                                                 "AllowDevices=/dev/nonexistent-sbx\n"));
        p = compile_ok("devok", "[Sandbox]\nImage=%1$s\n[Security]\nPolicy=devs\n[Resources]\nDeviceAllow=/dev/null r\n"
                                "DeviceAllow=char-mem r\n[Service]\nExecStart=/bin/true\n");
        ASSERT_TRUE(p->n_devices >= 10);
        ASSERT_STREQ(p->devices[p->n_devices - 1].name, "char-mem");
        plan_free(p);
        expect_error("[Sandbox]\nImage=%1$s\n[Security]\nPolicy=devs\n[Resources]\nDeviceAllow=char-mem rw\n"
                     "[Service]\nExecStart=/bin/true\n",
                     "bad.unit:6: DeviceAllow: char-mem (char 1:*) rw is not allowed by policy devs");
}

/* What the launcher would only find at start: a target missing from a
 * read-only image, an ExecStart= binary missing from any. */
TEST(image_contents) {
        Diagnostics d = {}, w = {};
        char *tar, *cmd, *unit;
        Plan *p;

        ASSERT_TRUE(asprintf(&unit, "[Seccomp]\nAllow=@system-service\n[Sandbox]\nAllowBindPaths=%s\n", img) > 0);
        free(write_file(policies, "imgbind.policy", unit));
        free(unit);

        expect_error("[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/usr/sbin/ngnix -g daemon\n",
                     "bad.unit:4: ExecStart: ExecStart= binary /usr/sbin/ngnix is not in the image (");
        expect_error("[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/var\n",
                     "bad.unit:4: ExecStart: ExecStart= binary /var is a directory in the image");
        expect_error("[Sandbox]\nImage=%1$s\nBindReadOnlyPaths=%1$s/etc:/sock\n[Security]\nPolicy=imgbind\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: BindReadOnlyPaths: Target /sock does not exist in the image (");
        expect_error("[Sandbox]\nImage=%1$s\nTemporaryFileSystem=/tmp /cache\n[Service]\nExecStart=/bin/true\n",
                     "bad.unit:3: TemporaryFileSystem: Target /cache does not exist in the image");
        /* A bind is made before the tmpfs: under one, its target must exist too. */
        expect_error("[Sandbox]\nImage=%1$s\nTemporaryFileSystem=/run\n[Service]\nExecStart=/bin/true\n"
                     "[Sandbox]\nBindReadOnlyPaths=%1$s/etc:/run/etc\n[Security]\nPolicy=imgbind\n",
                     "bad.unit:7: BindReadOnlyPaths: Target /run/etc does not exist");
        /* Where the launcher finds or makes the target itself: fine. */
        plan_free(compile_ok("imgok",
                             "[Sandbox]\nImage=%1$s\nTemporaryFileSystem=/tmp /tmp/deeper /dev/x\n"
                             "BindReadOnlyPaths=%1$s/etc:/dev/etc %1$s/etc:/x -%1$s/etc:/nope\n[Security]\nPolicy=imgbind\n"
                             "[Service]\nExecStart=/tmp/built-at-runtime\n"));
        plan_free(compile_ok("imgrw", "[Sandbox]\nImage=%1$s\nReadOnly=no\nTemporaryFileSystem=/cache\n[Service]\nExecStart=/bin/sh\n"));
        /* An image symlink resolves inside the image. */
        ASSERT_TRUE(asprintf(&cmd, "ln -s /bin/true %s/bin/link", img) > 0 && system(cmd) == 0);
        free(cmd);
        plan_free(compile_ok("imglink", "[Sandbox]\nImage=%1$s\n[Service]\nExecStart=/bin/link\n"));

        /* A tarball, read without unpacking. */
        ASSERT_TRUE(asprintf(&tar, "%s/image.tar.gz", dir) > 0);
        ASSERT_TRUE(asprintf(&cmd, "tar -C %s -czf %s ./etc ./bin/sh ./srv", img, tar) > 0 && system(cmd) == 0);
        free(cmd);
        ASSERT_TRUE(asprintf(&unit, "[Sandbox]\nImage=%s\nTemporaryFileSystem=/srv /etc\n[Service]\nExecStart=/bin/sh\n", tar) > 0);
        plan_free(compile_ok("imgtar", unit));
        free(unit);
        ASSERT_TRUE(asprintf(&unit, "[Sandbox]\nImage=%s\nTemporaryFileSystem=/tmp\n[Service]\nExecStart=/bin/true\n", tar) > 0);
        p = compile("bad", unit, &d);
        ASSERT_TRUE(!p);
        ASSERT_DIAG(&d, "bad.unit:3: TemporaryFileSystem: Target /tmp does not exist in the image");
        ASSERT_DIAG(&d, "bad.unit:5: ExecStart: ExecStart= binary /bin/true is not in the image");
        diagnostics_done(&d);
        free(unit);
        free(tar);

        /* /tmp its non-root user cannot write: a warning, not an error. */
        free(write_file(units, "tmpw.unit", ""));
        {
                char *text;

                ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\nTemporaryFileSystem=/tmp /run\n[Service]\nUser=www\nExecStart=/bin/true\n", img) > 0);
                free(write_file(units, "tmpw.unit", text));
                free(text);
        }
        ASSERT_OK(plan_compile_unit_full("tmpw", geteuid(), &p, &d, &w));
        ASSERT_EQ(d.n, 0);
        ASSERT_EQ(w.n, 1);
        ASSERT_DIAG(&w, "tmpw.unit:3: TemporaryFileSystem: warning: /tmp is a tmpfs of mode 0755 owned by uid 0, "
                        "which the service's user (uid 33) cannot write to; say /tmp:mode=1777");
        plan_free(p);
        diagnostics_done(&w);
        {
                char *text;

                ASSERT_TRUE(asprintf(&text, "%s/var/tmp", img) > 0 && mkdir(text, 0755) == 0);
                free(text);
                ASSERT_TRUE(asprintf(&text, "[Sandbox]\nImage=%s\nTemporaryFileSystem=/tmp:mode=1777 /var/tmp:uid=33,mode=0700\n"
                                            "[Service]\nUser=www\nExecStart=/bin/true\n", img) > 0);
                free(write_file(units, "tmpw.unit", text));
                free(text);
        }
        ASSERT_OK(plan_compile_unit_full("tmpw", geteuid(), &p, &d, &w));
        ASSERT_EQ(w.n, 0);
        plan_free(p);
}

int main(void) {
        setup();
        RUN(bounded_defaults);
        RUN(devices);
        RUN(defaults);
        RUN(identity_and_caps);
        RUN(ceilings_name_both_files);
        RUN(egress);
        RUN(publish_port_ipv6);
        RUN(address_families);
        RUN(errors);
        RUN(bind_paths_bounded_by_policy);
        RUN(file_ownership);
        RUN(policy_outside_search_path);
        RUN(exec_start_variables);
        RUN(pinned_host_paths);
        RUN(user_namespace);
        RUN(image_contents);
        rm_rf(dir);
        return 0;
}
