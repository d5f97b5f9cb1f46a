/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/socket.h>

#include "namespace-util.h"
#include "strv.h"
#include "test-helpers.h"
#include "unit.h"

static char *dir;

/* Parse a unit written from text; returns the unit or NULL, fills d. */
static Unit *parse(const char *name, const char *text, Diagnostics *d) {
        Unit *u = NULL;
        char *p = write_file(dir, name, text);
        int r = unit_load(p, &u, d);

        free(p);
        if (r < 0)
                return NULL;
        return u;
}

static void expect_error(const char *text, const char *needle) {
        Diagnostics d = {};
        Unit *u = parse("bad.unit", text, &d);

        if (u) {
                fprintf(stderr, "unit unexpectedly parsed:\n%s\n", text);
                abort();
        }
        ASSERT_DIAG(&d, needle);
        diagnostics_done(&d);
}

TEST(every_key) {
        Diagnostics d = {};
        Unit *u = parse("all.unit",
                        "[Unit]\n"
                        "Description=Everything\n"
                        "Documentation=man:x(1) https://example.invalid/doc\n"
                        "[Sandbox]\n"
                        "Image=/img/base\n"
                        "Image=/img/top.tar.gz\n"
                        "ReadOnly=no\n"
                        "Namespaces=pid mount net\n"
                        "Namespaces=user\n"
                        "Hostname=web-1.example\n"
                        "Network=none\n"
                        "BindPaths=/srv/a:/a -/srv/maybe\n"
                        "BindReadOnlyPaths=/srv/b:/b:norbind\n"
                        "TemporaryFileSystem=/tmp:size=16M,mode=1777 /run\n"
                        "Environment=A=1 \"B=two words\"\n"
                        "Environment=A=3\n"
                        "EnvironmentFile=-/etc/default/web\n"
                        "WorkingDirectory=/var/www\n"
                        "[Security]\n"
                        "Capabilities=CAP_NET_BIND_SERVICE CAP_CHOWN\n"
                        "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
                        "NoNewPrivileges=no\n"
                        "Policy=web\n"
                        "[Resources]\n"
                        "MemoryMax=64M\n"
                        "MemoryHigh=48M\n"
                        "MemorySwapMax=0\n"
                        "CPUQuota=150%\n"
                        "CPUWeight=200\n"
                        "TasksMax=64\n"
                        "IOWeight=50\n"
                        "LimitNOFILE=1024:4096\n"
                        "LimitCORE=0\n"
                        "LimitCPU=1min\n"
                        "[Service]\n"
                        "ExecStart=/bin/httpd -f -p 80 \"-h\" /var/www\n"
                        "User=www\n"
                        "Group=www\n"
                        "SupplementaryGroups=adm 100\n"
                        "Restart=on-failure\n"
                        "RestartSec=500ms\n"
                        "RestartSteps=3\n"
                        "RestartMaxDelaySec=10s\n"
                        "StartLimitBurst=7\n"
                        "StartLimitIntervalSec=1min\n"
                        "KillSignal=SIGINT\n"
                        "TimeoutStopSec=5s\n"
                        "[Install]\n"
                        "WantedBy=default\n",
                        &d);

        if (!u) {
                char *s = diag_string(&d);
                fprintf(stderr, "%s", s);
                abort();
        }
        ASSERT_STREQ(u->name, "all");
        ASSERT_STREQ(u->description, "Everything");
        ASSERT_EQ(strv_length(u->documentation), 2);
        ASSERT_EQ(u->n_images, 2);
        ASSERT_STREQ(u->images[1].path, "/img/top.tar.gz");
        ASSERT_EQ(u->images[1].line, 6);
        ASSERT_EQ(u->read_only, 0);
        ASSERT_U64(u->namespaces, NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_MOUNT) |
                                          NAMESPACE_MASK(NAMESPACE_NET) | NAMESPACE_MASK(NAMESPACE_USER));
        ASSERT_STREQ(u->hostname, "web-1.example");
        ASSERT_EQ(u->network, NETWORK_NONE);
        ASSERT_EQ(u->n_binds, 3);
        ASSERT_STREQ(u->binds[0].target, "/a");
        ASSERT_TRUE(u->binds[1].ignore_missing);
        ASSERT_STREQ(u->binds[1].target, "/srv/maybe");
        ASSERT_TRUE(u->binds[2].read_only);
        ASSERT_TRUE(!u->binds[2].recursive);
        ASSERT_EQ(u->n_tmpfs, 2);
        ASSERT_STREQ(u->tmpfs[0].options, "size=16M,mode=1777");
        ASSERT_TRUE(u->tmpfs[1].options == NULL);
        ASSERT_EQ(strv_length(u->environment), 2);
        ASSERT_STREQ(strv_env_get(u->environment, "A"), "3");
        ASSERT_STREQ(strv_env_get(u->environment, "B"), "two words");
        ASSERT_STREQ(u->environment_files[0], "-/etc/default/web");
        ASSERT_STREQ(u->working_directory, "/var/www");
        ASSERT_U64(u->capabilities, (1ULL << 10) | 1ULL);
        ASSERT_U64(u->ambient_capabilities, 1ULL << 10);
        ASSERT_EQ(u->no_new_privileges, 0);
        ASSERT_STREQ(u->policy, "web");
        ASSERT_U64(u->limits.memory_max, 64ULL << 20);
        ASSERT_U64(u->limits.memory_high, 48ULL << 20);
        ASSERT_U64(u->limits.memory_swap_max, 0);
        ASSERT_U64(u->limits.cpu_quota_per_sec_usec, 1500000);
        ASSERT_U64(u->limits.cpu_weight, 200);
        ASSERT_U64(u->limits.tasks_max, 64);
        ASSERT_U64(u->limits.io_weight, 50);
        ASSERT_TRUE(u->rlimits[RLIMIT_NOFILE].set);
        ASSERT_U64(u->rlimits[RLIMIT_NOFILE].soft, 1024);
        ASSERT_U64(u->rlimits[RLIMIT_NOFILE].hard, 4096);
        ASSERT_U64(u->rlimits[RLIMIT_CORE].hard, 0);
        ASSERT_U64(u->rlimits[RLIMIT_CPU].soft, 60);
        ASSERT_EQ(strv_length(u->exec_start), 6);
        ASSERT_STREQ(u->exec_start[4], "-h");
        ASSERT_STREQ(u->user, "www");
        ASSERT_STREQ(u->group, "www");
        ASSERT_EQ(strv_length(u->supplementary_groups), 2);
        ASSERT_EQ(u->restart, RESTART_ON_FAILURE);
        ASSERT_U64(u->restart_usec, 500000);
        ASSERT_EQ(u->restart_steps, 3);
        ASSERT_U64(u->restart_max_delay_usec, 10000000);
        ASSERT_EQ(u->start_limit_burst, 7);
        ASSERT_U64(u->start_limit_interval_usec, 60000000);
        ASSERT_EQ(u->kill_signal, SIGINT);
        ASSERT_U64(u->timeout_stop_usec, 5000000);
        ASSERT_STREQ(u->wanted_by[0], "default");
        ASSERT_EQ(d.n, 0);
        unit_free(u);
}

TEST(errors_name_file_line_key) {
        expect_error("[Sandbx]\nImage=/x\n", "bad.unit:1: Unknown section [Sandbx]; did you mean [Sandbox]?");
        expect_error("[Resources]\n\nMemoryMaks=5M\n", "bad.unit:3: MemoryMaks: Unknown key in section [Resources]; did you mean MemoryMax=?");
        expect_error("[Sandbox]\nMemoryMax=5M\n", "bad.unit:2: MemoryMax: Unknown key in section [Sandbox]; it belongs in [Resources].");
        expect_error("[Resources]\nMemoryMax=5Q\n", "bad.unit:2: MemoryMax: Invalid size \"5Q\"");
        expect_error("[Resources]\nMemoryMax=50%\n", "bad.unit:2: MemoryMax: Percentages");
        expect_error("[Resources]\nCPUQuota=50\n", "bad.unit:2: CPUQuota: Invalid CPUQuota \"50\"");
        expect_error("[Resources]\nCPUWeight=0\n", "bad.unit:2: CPUWeight: Invalid weight");
        expect_error("[Resources]\nTasksMax=-1\n", "bad.unit:2: TasksMax:");
        expect_error("[Resources]\nLimitNOFILE=lots\n", "bad.unit:2: LimitNOFILE: Invalid limit");
        expect_error("[Resources]\nLimitNOFILE=10:5\n", "bad.unit:2: LimitNOFILE: Soft limit above hard");
        expect_error("[Resources]\nLimitFROB=1\n", "bad.unit:2: LimitFROB: Unknown key in section [Resources]");
        expect_error("[Sandbox]\nImage=relative path\n",
                     "bad.unit:2: Image: Image \"relative path\" is neither an absolute path nor an image reference.");
        expect_error("[Sandbox]\nPull=sometimes\n",
                     "bad.unit:2: Pull: Invalid pull policy \"sometimes\", expected missing, always, never or newer.");
        expect_error("[Sandbox]\nImage=/a/../b\n", "bad.unit:2: Image: Image path \"/a/../b\" is not normalized.");
        expect_error("[Sandbox]\nReadOnly=perhaps\n", "bad.unit:2: ReadOnly: Invalid boolean");
        expect_error("[Sandbox]\nNamespaces=pid mnt\n", "bad.unit:2: Namespaces: Unknown namespace type \"mnt\"");
        expect_error("[Sandbox]\nNetwork=hots\n", "bad.unit:2: Network: Invalid network mode \"hots\"; did you mean \"host\"?");
        expect_error("[Sandbox]\nNetwork=bridge\n", "bad.unit:2: Network: Invalid network mode");
        expect_error("[Sandbox]\nPublishPort=0:80\n", "bad.unit:2: PublishPort: Invalid host port \"0\"");
        expect_error("[Sandbox]\nPublishPort=80:65536\n", "bad.unit:2: PublishPort: Invalid container port \"65536\"");
        expect_error("[Sandbox]\nPublishPort=80\n", "bad.unit:2: PublishPort: Invalid PublishPort=80");
        expect_error("[Sandbox]\nPublishPort=80:80/icmp\n", "bad.unit:2: PublishPort: Invalid protocol \"icmp\"");
        expect_error("[Sandbox]\nPublishPort=::1:80:80\n", "bad.unit:2: PublishPort: Invalid host address");
        expect_error("[Sandbox]\nPublishPort=2001:db8::1:80:80\n", "bad.unit:2: PublishPort: Invalid host address \"2001:db8::1\"");
        expect_error("[Sandbox]\nPublishPort=[2001:db8::1:80:80\n", "bad.unit:2: PublishPort: Invalid host address \"[2001:db8::1\"");
        expect_error("[Sandbox]\nPublishPort=[10.0.0.1]:80:80\n", "bad.unit:2: PublishPort: Invalid host address \"10.0.0.1\"");
        expect_error("[Sandbox]\nPublishPort=[2001:db8::/64]:80:80\n", "bad.unit:2: PublishPort: Invalid");
        expect_error("[Sandbox]\nPublishPort=[::1]:80:80\n",
                     "bad.unit:2: PublishPort: Host address [::1] in \"[::1]:80:80\" cannot be published: the kernel does not "
                     "forward IPv6 loopback connections out of the host; use 127.0.0.1.");
        expect_error("[Sandbox]\nPublishPort=[fe80::1]:80:80\n", "bad.unit:2: PublishPort: Host address [fe80::1] in");
        expect_error("[Sandbox]\nPublishPort=[ff02::1]:80:80\n", "bad.unit:2: PublishPort: Host address [ff02::1] in");
        expect_error("[Sandbox]\nPublishPort=[::ffff:10.0.0.1]:80:80\n", "bad.unit:2: PublishPort: Host address [::ffff:10.0.0.1] in");
        expect_error("[Sandbox]\nPublishPort=8080:80\nPublishPort=[2001:db8::1]:8080:81\n",
                     "bad.unit:3: PublishPort: Host port 8080/tcp is published twice");
        expect_error("[Sandbox]\nPublishPort=[::]:8080:80\nPublishPort=[2001:db8::1]:8080:81\n",
                     "bad.unit:3: PublishPort: Host port 8080/tcp is published twice");
        expect_error("[Sandbox]\nPublishPort=8080:80\nPublishPort=127.0.0.1:8080:81\n", "bad.unit:3: PublishPort: Host port 8080/tcp is published twice");
        expect_error("[Sandbox]\nAddress=10.89.0.300\n", "bad.unit:2: Address: Invalid IPv4 address");
        expect_error("[Sandbox]\nIPAddressAllow=10.0.0.300\n", "bad.unit:2: IPAddressAllow: Invalid address or prefix \"10.0.0.300\"");
        expect_error("[Sandbox]\nIPAddressDeny=any nowhere\n", "bad.unit:2: IPAddressDeny: Invalid address or prefix \"nowhere\"");
        expect_error("[Sandbox]\nIPAddressDeny=10.0.0.0/33\n",
                     "bad.unit:2: IPAddressDeny: Prefix length of \"10.0.0.0/33\" is out of range (at most 32 for IPv4, 128 for IPv6).");
        expect_error("[Sandbox]\nIPAddressAllow=fd00::/129\n", "bad.unit:2: IPAddressAllow: Prefix length of \"fd00::/129\" is out of range");
        expect_error("[Sandbox]\nIPAddressAllow=10.0.0.0/\n", "bad.unit:2: IPAddressAllow: Invalid address or prefix \"10.0.0.0/\"");
        expect_error("[Sandbox]\nDNS=1.1.1.1 dns.example\n", "bad.unit:2: DNS: Invalid DNS server \"dns.example\"");
        expect_error("[Sandbox]\nHostname=-bad\n", "bad.unit:2: Hostname: Invalid hostname");
        expect_error("[Sandbox]\nBindPaths=relative:/x\n", "bad.unit:2: BindPaths: Bind source \"relative\"");
        expect_error("[Sandbox]\nBindPaths=/a:/\n", "bad.unit:2: BindPaths: Bind destination may not be \"/\"");
        expect_error("[Sandbox]\nBindPaths=/a:/b:wat\n", "bad.unit:2: BindPaths: Invalid bind mount option \"wat\"");
        expect_error("[Sandbox]\nTemporaryFileSystem=/tmp:exec,suid,foo=1\n", "bad.unit:2: TemporaryFileSystem: Invalid tmpfs options");
        expect_error("[Sandbox]\nEnvironment=1A=x\n", "bad.unit:2: Environment: Invalid environment assignment");
        expect_error("[Sandbox]\nEnvironment=NOVALUE\n", "bad.unit:2: Environment: Invalid environment assignment");
        expect_error("[Sandbox]\nEnvironment=\"A=unterminated\n", "bad.unit:2: Environment: Invalid quoting");
        expect_error("[Sandbox]\nWorkingDirectory=www\n", "bad.unit:2: WorkingDirectory: Path \"www\" is not absolute.");
        expect_error("[Security]\nCapabilities=CAP_NET_BIND_SERVICE CAP_SYS_ADMINN\n", "bad.unit:2: Capabilities: Unknown capability \"CAP_SYS_ADMINN\"");
        expect_error("[Security]\nPolicy=../etc/x\n", "bad.unit:2: Policy: Invalid policy");
        expect_error("[Service]\nExecStart=bin/true\n", "bad.unit:2: ExecStart: Program \"bin/true\" is not an absolute path");
        expect_error("[Service]\nExecStart=-/bin/true\n", "bad.unit:2: ExecStart: Command prefixes");
        expect_error("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", "bad.unit:3: ExecStart: ExecStart= is already set");
        expect_error("[Service]\nUser=9bad\n", "bad.unit:2: User: Invalid User");
        expect_error("[Service]\nUser=1:x\n", "bad.unit:2: User: Invalid User");
        expect_error("[Service]\nRestart=sometimes\n", "bad.unit:2: Restart: Invalid restart policy");
        expect_error("[Service]\nRestart=on-falure\n", "did you mean \"on-failure\"?");
        expect_error("[Service]\nRestartSec=soon\n", "bad.unit:2: RestartSec: Invalid time \"soon\"");
        expect_error("[Service]\nKillSignal=SIGNOPE\n", "bad.unit:2: KillSignal: Invalid signal");
        expect_error("[Service]\nStartLimitBurst=many\n", "bad.unit:2: StartLimitBurst: Invalid number");
        expect_error("[Install]\nWantedBy=graphical.target\n", "bad.unit:2: WantedBy: Unknown target");
}

TEST(syntax) {
        expect_error("Image=/x\n", "bad.unit:1: Image: Assignment outside of any section.");
        expect_error("[Sandbox]\nthis line has no equals\n", "bad.unit:2: Missing '='");
        expect_error("[Sandbox\nImage=/x\n", "bad.unit:1: Invalid section header");
        expect_error("[Sandbox]\nIm age=/x\n", "bad.unit:2: Invalid key name");
        expect_error("[Sandbox]\nHostname=a\x01" "b\n", "bad.unit:2: Hostname:");
        expect_error("[Sandbox]\nHostname=\xff\xfe\n", "bad.unit:2: Line is not valid UTF-8.");

        /* A NUL byte in the middle of the file is refused, not a truncation. */
        {
                Diagnostics d = {};
                Unit *u = NULL;
                static const char text[] = "[Sandbox]\nHostname=a\0b\nImage=/x\n";
                char *p = write_file_n(dir, "nul.unit", text, sizeof(text) - 1);
                ASSERT_TRUE(unit_load(p, &u, &d) < 0);
                ASSERT_DIAG(&d, "nul.unit:2: Line contains a NUL byte.");
                diagnostics_done(&d);
                free(p);
        }
        /* An over-long line is an error, never silently cut. */
        {
                size_t n = 40 * 1024;
                char *big = malloc(n + 64);
                Diagnostics d = {};
                Unit *u = NULL;
                char *p;

                strcpy(big, "[Unit]\nDescription=");
                memset(big + strlen(big), 'x', n);
                strcpy(big + strlen("[Unit]\nDescription=") + n, "\n");
                p = write_file(dir, "long.unit", big);
                ASSERT_TRUE(unit_load(p, &u, &d) < 0);
                ASSERT_DIAG(&d, "long.unit:2: Line too long");
                diagnostics_done(&d);
                free(p);
                free(big);
        }
        /* A long line below the limit (beyond inih's 200 bytes) passes whole. */
        {
                char big[3000];
                Diagnostics d = {};
                Unit *u;
                size_t k = strlen("[Unit]\nDescription=");

                strcpy(big, "[Unit]\nDescription=");
                memset(big + k, 'y', 2500);
                strcpy(big + k + 2500, "; z\n");
                u = parse("ok-long.unit", big, &d);
                ASSERT_TRUE(u);
                ASSERT_EQ(strlen(u->description), 2503);
                ASSERT_TRUE(strstr(u->description, "; z"));
                unit_free(u);
        }
}

TEST(continuation_comments_bom) {
        Diagnostics d = {};
        Unit *u = parse("cont.unit",
                        "\xef\xbb\xbf# comment\n"
                        "; another\n"
                        "[Service]\n"
                        "ExecStart=/bin/sh -c \"echo a; \\\n"
                        "# a comment inside a continuation is skipped\n"
                        "   echo b\"\n"
                        "  User = 1000:1000  \n"
                        "[Unit]\n"
                        "Description=semi ; colons: and # hashes stay\n",
                        &d);
        ASSERT_TRUE(u);
        ASSERT_STREQ(u->exec_start[2], "echo a;  echo b");
        ASSERT_EQ(u->exec_start_line, 4);
        ASSERT_STREQ(u->user, "1000:1000");
        ASSERT_EQ(u->user_line, 7);
        ASSERT_STREQ(u->description, "semi ; colons: and # hashes stay");
        unit_free(u);
}

TEST(dropins_order_and_reset) {
        Diagnostics d = {};
        Unit *u;
        char *sub, *p;

        ASSERT_TRUE(asprintf(&sub, "%s/drop.unit.d", dir) > 0);
        ASSERT_TRUE(mkdir(sub, 0755) == 0);
        free(write_file(sub, "20-second.conf", "[Sandbox]\nEnvironment=\nEnvironment=B=2\n[Resources]\nMemoryMax=2M\n"));
        free(write_file(sub, "10-first.conf", "[Sandbox]\nEnvironment=A=1\n[Resources]\nMemoryMax=1M\nTasksMax=10\n"));
        free(write_file(sub, "not-a-dropin.txt", "garbage\n"));
        free(write_file(sub, "30-third.conf", "[Service]\nExecStart=\nExecStart=/bin/replaced\n"));
        p = write_file(dir, "drop.unit", "[Sandbox]\nEnvironment=Z=0\n[Resources]\nMemoryMax=0\n[Service]\nExecStart=/bin/orig\n");

        ASSERT_OK(unit_load(p, &u, &d));
        ASSERT_EQ(strv_length(u->dropin_paths), 3);
        ASSERT_TRUE(strstr(u->dropin_paths[0], "10-first.conf"));
        ASSERT_TRUE(strstr(u->dropin_paths[2], "30-third.conf"));
        /* Scalars: the last drop-in wins. Lists: accumulate; empty resets. */
        ASSERT_U64(u->limits.memory_max, 2ULL << 20);
        ASSERT_U64(u->limits.tasks_max, 10);
        ASSERT_EQ(strv_length(u->environment), 1);
        ASSERT_STREQ(u->environment[0], "B=2");
        ASSERT_STREQ(u->exec_start[0], "/bin/replaced");
        unit_free(u);

        /* A bad drop-in is reported with its own path and line. */
        free(write_file(sub, "40-bad.conf", "[Resources]\nMemoryMax=lots\n"));
        ASSERT_TRUE(unit_load(p, &u, &d) < 0);
        ASSERT_DIAG(&d, "40-bad.conf:2: MemoryMax: Invalid size");
        diagnostics_done(&d);
        free(p);
        free(sub);
}

TEST(search_path) {
        Diagnostics d = {};
        Unit *u;
        char *a, *b, *env;

        ASSERT_TRUE(asprintf(&a, "%s/sp-a", dir) > 0 && asprintf(&b, "%s/sp-b", dir) > 0);
        ASSERT_TRUE(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0);
        free(write_file(b, "svc.unit", "[Unit]\nDescription=from b\n"));
        free(write_file(a, "svc.unit", "[Unit]\nDescription=from a\n"));
        ASSERT_TRUE(asprintf(&env, "%s:%s", a, b) > 0);
        setenv("SANDBOXD_UNIT_PATH", env, 1);

        ASSERT_OK(unit_load("svc", &u, &d));
        ASSERT_STREQ(u->description, "from a");
        unit_free(u);
        ASSERT_OK(unit_load("svc.unit", &u, &d));
        unit_free(u);

        ASSERT_TRUE(unit_load("nosuch", &u, &d) < 0);
        ASSERT_DIAG(&d, "Unit nosuch.unit not found in the unit search path");
        diagnostics_done(&d);

        /* Files that are not units. */
        ASSERT_TRUE(unit_load(a, &u, &d) < 0);
        diagnostics_done(&d);
        {
                char *dd;
                ASSERT_TRUE(asprintf(&dd, "%s/dir.unit", dir) > 0);
                ASSERT_TRUE(mkdir(dd, 0755) == 0);
                ASSERT_TRUE(unit_load(dd, &u, &d) < 0);
                ASSERT_DIAG(&d, "dir.unit: Is a directory");
                diagnostics_done(&d);
                free(dd);
        }
        ASSERT_TRUE(unit_load("/nonexistent/x.unit", &u, &d) < 0);
        ASSERT_DIAG(&d, "/nonexistent/x.unit: Cannot read: No such file or directory");
        diagnostics_done(&d);
        unsetenv("SANDBOXD_UNIT_PATH");
        free(a);
        free(b);
        free(env);
}

TEST(empty_means_default) {
        Diagnostics d = {};
        Unit *u = parse("reset.unit",
                        "[Sandbox]\nReadOnly=no\nReadOnly=\nNetwork=host\nNetwork=\n"
                        "[Service]\nRestart=always\nRestart=\nKillSignal=SIGINT\nKillSignal=\n"
                        "StartLimitBurst=3\nStartLimitBurst=\nTimeoutStopSec=5s\nTimeoutStopSec=\n"
                        "RestartSec=infinity\n",
                        &d);
        ASSERT_TRUE(u);
        ASSERT_EQ(u->read_only, -1);
        ASSERT_EQ(u->network, _NETWORK_MODE_INVALID);
        ASSERT_EQ(u->restart, _RESTART_POLICY_INVALID);
        ASSERT_EQ(u->kill_signal, 0);
        ASSERT_EQ(u->start_limit_burst, UINT32_MAX);
        ASSERT_U64(u->timeout_stop_usec, UNIT_USEC_UNSET);
        /* infinity is a value, not "unset" */
        ASSERT_U64(u->restart_usec, USEC_INFINITY);
        unit_free(u);
}

/* systemd's words and syntax; repeated keys accumulate, empty resets. */
/* An IPv6 host address is bracketed; the families do not collide. */
TEST(publish_port_ipv6) {
        Diagnostics d = {};
        Unit *u = parse("pub6.unit",
                        "[Sandbox]\nPublishPort=8080:80\nPublishPort=[2001:db8::7]:8081:80/udp\n"
                        "PublishPort=[::]:8082:80\nPublishPort=127.0.0.1:8083:80\nPublishPort=[2001:db8::7]:8083:80\n",
                        &d);
        char buf[PORT_MAPPING_STRING_MAX];

        ASSERT_TRUE(u);
        ASSERT_EQ(u->n_publish_ports, 5);
        ASSERT_TRUE(!u->publish_ports[0].host_ipv6);
        ASSERT_STREQ(port_mapping_host_port(&u->publish_ports[0], buf), "0.0.0.0:8080/tcp");
        ASSERT_TRUE(u->publish_ports[1].host_ipv6);
        ASSERT_STREQ(port_mapping_host_port(&u->publish_ports[1], buf), "[2001:db8::7]:8081/udp");
        ASSERT_STREQ(port_mapping_host_port(&u->publish_ports[2], buf), "[::]:8082/tcp");
        ASSERT_STREQ(port_mapping_host_port(&u->publish_ports[3], buf), "127.0.0.1:8083/tcp");
        ASSERT_STREQ(port_mapping_host_port(&u->publish_ports[4], buf), "[2001:db8::7]:8083/tcp");
        ASSERT_TRUE(port_mapping_overlap(&u->publish_ports[0], &u->publish_ports[0]));
        ASSERT_TRUE(!port_mapping_overlap(&u->publish_ports[3], &u->publish_ports[4]));
        unit_free(u);
        diagnostics_done(&d);
}

TEST(ip_address_lists) {
        Diagnostics d = {};
        Unit *u = parse("ipf.unit",
                        "[Sandbox]\nIPAddressAllow=localhost 10.1.2.3/8\nIPAddressAllow=fe80::1/64 link-local\n"
                        "IPAddressAllow=192.0.2.7 2001:db8::1\n"
                        "IPAddressDeny=any\nIPAddressDeny=\nIPAddressDeny=multicast\n",
                        &d);
        const char *allow[] = { "127.0.0.0/8", "::1/128", "10.0.0.0/8", "fe80::/64", "169.254.0.0/16", "fe80::/64",
                                "192.0.2.7/32", "2001:db8::1/128", NULL };

        ASSERT_TRUE(u);
        ASSERT_EQ(strv_length(u->ip_allow), 8);
        for (size_t i = 0; allow[i]; i++)
                ASSERT_STREQ(u->ip_allow[i], allow[i]);
        ASSERT_EQ(strv_length(u->ip_deny), 2);
        ASSERT_STREQ(u->ip_deny[0], "224.0.0.0/4");
        ASSERT_STREQ(u->ip_deny[1], "ff00::/8");
        ASSERT_EQ(u->loc_ip_deny.line, 7);
        unit_free(u);
        diagnostics_done(&d);
}

TEST(devices_and_tasks) {
        Diagnostics d = {};
        Unit *u = parse("dev.unit",
                        "[Resources]\nDeviceAllow=/dev/fuse rw\nDeviceAllow=\nDeviceAllow=char-pts\n"
                        "DeviceAllow=\"/dev/net/tun\" rwm\nTasksMax=5\nTasksMax=\n",
                        &d);
        ASSERT_TRUE(u);
        ASSERT_EQ(u->n_devices, 2);
        ASSERT_STREQ(u->devices[0].spec, "char-pts");
        ASSERT_EQ(u->devices[0].access, DEVICE_ACCESS_ALL);
        ASSERT_STREQ(u->devices[1].spec, "/dev/net/tun");
        ASSERT_EQ(u->devices[1].line, 5);
        ASSERT_U64(u->limits.tasks_max, UNIT_TASKS_MAX_UNSET);
        unit_free(u);

        u = parse("inf.unit", "[Resources]\nTasksMax=infinity\n", &d);
        ASSERT_TRUE(u);
        ASSERT_U64(u->limits.tasks_max, CGROUP_LIMIT_MAX);
        unit_free(u);

        ASSERT_TRUE(!parse("bad1.unit", "[Resources]\nDeviceAllow=/dev/fuse rwx\n", &d));
        ASSERT_DIAG(&d, "bad1.unit:2: DeviceAllow: Invalid device \"/dev/fuse rwx\"");
        diagnostics_done(&d);
        ASSERT_TRUE(!parse("bad2.unit", "[Resources]\nDeviceAllow=/etc/passwd r\n", &d));
        ASSERT_DIAG(&d, "bad2.unit:2: DeviceAllow: Invalid device");
        diagnostics_done(&d);
        ASSERT_TRUE(!parse("bad3.unit", "[Resources]\nDeviceAllow=/dev/../etc r\nDeviceAllow=tty r\n"
                                        "DeviceAllow=char-a;b\nDeviceAllow=/dev/null rr\nDeviceAllow=/dev/null r w\n", &d));
        ASSERT_EQ(d.n, 5);
        diagnostics_done(&d);
        ASSERT_TRUE(!parse("bad4.unit", "[Sandbox]\nTemporaryFileSystem=/tmp:dev\n", &d));
        ASSERT_DIAG(&d, "bad4.unit:2: TemporaryFileSystem: Invalid tmpfs options \"dev\"");
        diagnostics_done(&d);
        ASSERT_TRUE(!parse("bad5.unit", "[Resources]\nTasksMax=18446744073709551614\n", &d));
        diagnostics_done(&d);
}

static Unit *parse_families(const char *lines) {
        Diagnostics d = {};
        char *text;
        Unit *u;

        ASSERT_TRUE(asprintf(&text, "[Security]\n%s", lines) > 0);
        u = parse("af.unit", text, &d);
        if (!u) {
                fprintf(stderr, "%s", diag_string(&d));
                abort();
        }
        diagnostics_done(&d);
        free(text);
        return u;
}

#define AF(x) (UINT64_C(1) << (x))

/* systemd's RestrictAddressFamilies= semantics, line by line. */
TEST(address_families) {
        Unit *u;

        u = parse_families("");
        ASSERT_TRUE(!unit_restricts_address_families(u));
        unit_free(u);

        /* An allow list; lines add up; aliases; the line of each family. */
        u = parse_families("RestrictAddressFamilies=AF_UNIX AF_INET\nRestrictAddressFamilies=AF_INET6 AF_LOCAL\n");
        ASSERT_TRUE(unit_restricts_address_families(u) && u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_UNIX) | AF(AF_INET) | AF(AF_INET6));
        ASSERT_EQ(u->loc_address_family[AF_INET].line, 2);
        ASSERT_EQ(u->loc_address_family[AF_INET6].line, 3);
        ASSERT_EQ(u->loc_address_family[AF_UNIX].line, 3);
        unit_free(u);

        /* ~ on an allow list takes families out of it. */
        u = parse_families("RestrictAddressFamilies=AF_UNIX AF_INET\nRestrictAddressFamilies=~AF_INET\n");
        ASSERT_TRUE(u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_UNIX));
        unit_free(u);

        /* A deny list; a later plain line allows a family again. */
        u = parse_families("RestrictAddressFamilies=~AF_PACKET AF_VSOCK\nRestrictAddressFamilies=AF_VSOCK\n");
        ASSERT_TRUE(unit_restricts_address_families(u) && !u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_PACKET));
        unit_free(u);
        /* A deny list emptied again restricts nothing. */
        u = parse_families("RestrictAddressFamilies=~AF_PACKET\nRestrictAddressFamilies=AF_PACKET\n");
        ASSERT_TRUE(!unit_restricts_address_families(u));
        unit_free(u);

        /* none: an empty allow list; what follows adds to it. */
        u = parse_families("RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=none\n");
        ASSERT_TRUE(unit_restricts_address_families(u) && u->address_families_allow_list && u->address_families == 0);
        unit_free(u);
        u = parse_families("RestrictAddressFamilies=none\nRestrictAddressFamilies=AF_UNIX\n");
        ASSERT_TRUE(u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_UNIX));
        unit_free(u);
        /* As in systemd: after none, a "~" line starts a deny list. */
        u = parse_families("RestrictAddressFamilies=none\nRestrictAddressFamilies=~AF_INET\n");
        ASSERT_TRUE(!u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_INET));
        unit_free(u);

        /* Empty: reset, whatever came before. */
        u = parse_families("RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=\n");
        ASSERT_TRUE(!unit_restricts_address_families(u));
        unit_free(u);
        u = parse_families("RestrictAddressFamilies=none\nRestrictAddressFamilies=\nRestrictAddressFamilies=~AF_X25\n");
        ASSERT_TRUE(!u->address_families_allow_list);
        ASSERT_U64(u->address_families, AF(AF_X25));
        unit_free(u);

        expect_error("[Security]\nRestrictAddressFamilies=AF_UNIX AF_INTE\n",
                     "bad.unit:2: RestrictAddressFamilies: Unknown address family \"AF_INTE\"; did you mean \"AF_INET\"?");
        expect_error("[Security]\nRestrictAddressFamilies=~unix\n",
                     "bad.unit:2: RestrictAddressFamilies: Unknown address family \"unix\"; did you mean \"AF_UNIX\"?");
        expect_error("[Security]\nRestrictAddressFamilies=AF_UNIX none\n",
                     "bad.unit:2: RestrictAddressFamilies: Unknown address family \"none\"");
        expect_error("[Security]\nRestrictAddressFamilies=~\n",
                     "bad.unit:2: RestrictAddressFamilies: Expected address family names after \"~\".");
}

TEST(garbage_is_bounded) {
        /* Every line wrong: diagnostics are capped, and parsing ends. */
        char *buf = malloc(200000);
        Diagnostics d = {};
        Unit *u = NULL;
        char *p;
        size_t n = 0;

        n += sprintf(buf, "[Sandbox]\n");
        for (int i = 0; i < 10000; i++)
                n += sprintf(buf + n, "junk line %d\n", i);
        p = write_file(dir, "junk.unit", buf);
        ASSERT_TRUE(unit_load(p, &u, &d) < 0);
        ASSERT_EQ(d.n, 100);
        ASSERT_TRUE(d.dropped > 9000);
        ASSERT_DIAG(&d, "more problems");
        diagnostics_done(&d);
        free(p);
        free(buf);
}

int main(void) {
        dir = make_tmpdir();
        RUN(every_key);
        RUN(errors_name_file_line_key);
        RUN(syntax);
        RUN(continuation_comments_bom);
        RUN(dropins_order_and_reset);
        RUN(search_path);
        RUN(empty_means_default);
        RUN(publish_port_ipv6);
        RUN(ip_address_lists);
        RUN(devices_and_tasks);
        RUN(address_families);
        RUN(garbage_is_bounded);
        rm_rf(dir);
        free(dir);
        return 0;
}
