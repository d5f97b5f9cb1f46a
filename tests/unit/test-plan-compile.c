/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/socket.h>

#include "af-util.h"

#include "plan-compile.h"
#include "strv.h"
#include "test-helpers.h"

/* The unit texts below are printf formats with the image path as %1$s. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static char *dir, *img, *units, *policies;

static void setup(void) {
        char *etc;

        dir = make_tmpdir();
        ASSERT_TRUE(asprintf(&img, "%s/img", dir) > 0 && mkdir(img, 0755) == 0);
        ASSERT_TRUE(asprintf(&etc, "%s/etc", img) > 0 && mkdir(etc, 0755) == 0);
        free(write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                       "www:x:33:33:web:/var/www:/bin/false\n"
                                       "broken line\n"
                                       "nobody:x:65534:65534::/nonexistent:/bin/false\n"));
        free(write_file(etc, "group", "root:x:0:\nadm:x:4:\nwww:x:33:\n"));
        ASSERT_TRUE(asprintf(&units, "%s/units", dir) > 0 && mkdir(units, 0755) == 0);
        ASSERT_TRUE(asprintf(&policies, "%s/policies", dir) > 0 && mkdir(policies, 0755) == 0);
        free(write_file(policies, "default.policy",
                        "[Seccomp]\nAllow=@system-service\nDeny=@mount ptrace:EPERM\n"));
        free(write_file(policies, "caps.policy",
                        "[Seccomp]\nAllow=@system-service\n"
                        "[Capabilities]\nAllow=CAP_NET_BIND_SERVICE CAP_CHOWN\n"
                        "[Sandbox]\nRequireNamespaces=pid\nAllowHostNetwork=yes\n"));
        free(write_file(policies, "noexec.policy", "[Seccomp]\nAllow=read write\n"));
        free(write_file(policies, "af.policy",
                        "[Seccomp]\nAllow=@system-service\nAllowAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"));
        setenv("SANDBOXD_UNIT_PATH", units, 1);
        setenv("SANDBOXD_POLICY_PATH", policies, 1);
        free(etc);
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
        ASSERT_U64(p->memory_max, UINT64_MAX);
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
                             "Namespaces=pid mount net uts ipc\nBindReadOnlyPaths=%s:/data\n"
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
        /* Missing ignorable bind source is fine. */
        {
                Plan *p = compile_ok("optbind", "[Sandbox]\nImage=%1$s\nBindPaths=-/nonexistent/src:/x\n[Service]\nExecStart=/bin/true\n");
                for (size_t i = 0; i < p->n_mounts; i++)
                        ASSERT_TRUE(p->mounts[i].type != MOUNT_BIND);
                plan_free(p);
        }
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
        ASSERT_TRUE(p->uid_map_base >= 0x60000000u && p->uid_map_base % 65536 == 0);
        plan_free(p);
}

int main(void) {
        setup();
        RUN(defaults);
        RUN(identity_and_caps);
        RUN(ceilings_name_both_files);
        RUN(address_families);
        RUN(errors);
        RUN(exec_start_variables);
        RUN(user_namespace);
        rm_rf(dir);
        return 0;
}
