/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The runtime directory's files are read back by a restarted sandboxd,
 * which then adopts a pid and kills a cgroup: every malformed or hostile
 * form must be rejected, with a reason, and never crash the reader. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "macro.h"
#include "fileio.h"
#include "state-file.h"
#include "tests.h"

#define BOOT_ID "0123456789abcdef0123456789abcdef"

static StateFile sample(void) {
        StateFile f = {
                .rt = {
                        .state = SERVICE_RUNNING,
                        .n_restarts = 3,
                        .start_window_usec = 123456789,
                        .starts_in_window = 2,
                        .running_since_usec = 987654321,
                        .stop_requested = false,
                },
                .unit = (char *) "/etc/sandboxd/units/web.unit",
                .main_pid = 1234,
                .main_pid_starttime = 555666,
                .boot_id = BOOT_ID,
                .has_init = true,
                .cgroup = (char *) "/sys/fs/cgroup/sandbox/sandbox-web-1a2b",
                .cgroup_driver = "cgroupfs",
                .active_since_realtime = 1700000000000000,
                .state_change_realtime = 1700000000000001,
                .restart_at_usec = 0,
                .has_last_exit = true,
                .last_exit = { .code = CLD_KILLED, .status = SIGKILL, .n_left = 2 },
                .started_by = 1000,
                .net_owner_pid = 4321,
                .net_owner_starttime = 777888,
                .restart_with_owner = true,
        };
        f.rt.result = SERVICE_RESULT_SUCCESS;
        return f;
}

static char *sample_text(void) {
        StateFile f = sample();
        char *t = NULL;

        ASSERT_OK(state_file_format(&f, &t));
        return t;
}

/* Parse text; expect rejection with a reason that contains want. */
static void expect_bad(const char *text, size_t size, const char *want) {
        StateFile f = {};
        char *msg = NULL;
        int r;

        r = state_file_parse(text, size, &f, &msg);
        if (r != -EBADMSG || !msg || (want && !strstr(msg, want))) {
                fprintf(stderr, "expected rejection containing \"%s\", got r=%d msg=\"%s\" for:\n%.*s\n", strempty(want),
                        r, strempty(msg), (int) size, text);
                abort();
        }
        fprintf(stderr, "   rejected: %s\n", msg);
        free(msg);
        ASSERT_TRUE(!f.unit && !f.cgroup); /* nothing handed out on failure */
}

static void expect_bad_str(const char *text, const char *want) {
        expect_bad(text, strlen(text), want);
}

/* The sample with the line of key replaced by line (NULL: dropped). */
static char *replace_line(const char *key, const char *line) {
        char *t = sample_text(), *out = malloc(strlen(t) + (line ? strlen(line) : 0) + 2), *o = out;
        size_t kl = strlen(key);

        ASSERT_TRUE(out);
        for (char *p = t; *p;) {
                char *nl = strchr(p, '\n');
                size_t l = (size_t) (nl - p) + 1;

                if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
                        if (line)
                                o += sprintf(o, "%s\n", line);
                } else {
                        memcpy(o, p, l);
                        o += l;
                }
                p += l;
        }
        *o = 0;
        free(t);
        return out;
}

static void expect_bad_line(const char *key, const char *line, const char *want) {
        char *t = replace_line(key, line);

        expect_bad_str(t, want);
        free(t);
}

TEST(round_trip) {
        StateFile f = sample(), g = {};
        char *t, *t2, *msg = NULL;

        ASSERT_OK(state_file_format(&f, &t));
        ASSERT_TRUE(strstr(t, "state=running\n"));
        ASSERT_TRUE(strstr(t, "last_exit=killed 9\n"));
        ASSERT_TRUE(strstr(t, "boot_id=" BOOT_ID "\n"));
        ASSERT_OK(state_file_parse(t, strlen(t), &g, &msg));
        ASSERT_TRUE(!msg);
        ASSERT_EQ(g.rt.state, SERVICE_RUNNING);
        ASSERT_STREQ(service_result_to_string(g.rt.result), "success");
        ASSERT_STREQ(g.unit, f.unit);
        ASSERT_EQ(g.main_pid, 1234);
        ASSERT_U64(g.main_pid_starttime, 555666);
        ASSERT_STREQ(g.boot_id, BOOT_ID);
        ASSERT_TRUE(g.has_init);
        ASSERT_STREQ(g.cgroup, f.cgroup);
        ASSERT_STREQ(g.cgroup_driver, "cgroupfs");
        ASSERT_EQ(g.rt.n_restarts, 3);
        ASSERT_U64(g.rt.start_window_usec, 123456789);
        ASSERT_EQ(g.rt.starts_in_window, 2);
        ASSERT_U64(g.rt.running_since_usec, 987654321);
        ASSERT_U64(g.active_since_realtime, 1700000000000000);
        ASSERT_U64(g.state_change_realtime, 1700000000000001);
        ASSERT_TRUE(g.has_last_exit);
        ASSERT_EQ(g.last_exit.code, CLD_KILLED);
        ASSERT_EQ(g.last_exit.status, SIGKILL);
        ASSERT_EQ(g.started_by, 1000);
        ASSERT_EQ(g.net_owner_pid, 4321);
        ASSERT_U64(g.net_owner_starttime, 777888);
        ASSERT_TRUE(g.restart_with_owner);
        ASSERT_EQ(g.last_exit.n_left, 2);

        /* Formatting what was parsed gives the same bytes. */
        ASSERT_OK(state_file_format(&g, &t2));
        ASSERT_STREQ(t, t2);
        free(t);
        free(t2);
        state_file_done(&g);

        /* Not running: empty unit, cgroup and last_exit read back as none. */
        f = sample();
        f.rt.state = SERVICE_FAILED;
        f.rt.result = SERVICE_RESULT_START_LIMIT_HIT;
        f.unit = NULL;
        f.cgroup = NULL;
        f.main_pid = 0;
        f.has_last_exit = false;
        f.rt.stop_requested = true;
        f.cgroup_driver[0] = 0;
        snprintf(f.cgroup_driver, sizeof(f.cgroup_driver), "systemd");
        ASSERT_OK(state_file_format(&f, &t));
        ASSERT_TRUE(strstr(t, "unit=\n"));
        ASSERT_TRUE(strstr(t, "last_exit=\n"));
        ASSERT_OK(state_file_parse(t, strlen(t), &g, NULL));
        ASSERT_EQ(g.rt.state, SERVICE_FAILED);
        ASSERT_STREQ(service_result_to_string(g.rt.result), "start-limit-hit");
        ASSERT_TRUE(!g.unit && !g.cgroup && !g.has_last_exit && g.rt.stop_requested);
        ASSERT_STREQ(g.cgroup_driver, "systemd");
        free(t);
        state_file_done(&g);

        /* Every state word round-trips. */
        for (int s = 0; s < _SERVICE_STATE_MAX; s++) {
                f = sample();
                f.rt.state = (ServiceState) s;
                ASSERT_OK(state_file_format(&f, &t));
                ASSERT_OK(state_file_parse(t, strlen(t), &g, NULL));
                ASSERT_EQ(g.rt.state, s);
                free(t);
                state_file_done(&g);
        }
}

TEST(writer_refuses) {
        StateFile f;
        char *t = NULL;

        f = sample();
        f.unit = (char *) "/etc/sandboxd/units/web.unit\nstate=running";
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.unit = (char *) "relative/web.unit";
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.cgroup = (char *) "/sys/fs/cgroup/x\ncgroup=/";
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.rt.result = _SERVICE_RESULT_MAX;
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.rt.state = _SERVICE_STATE_MAX;
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.boot_id[0] = 0;
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        snprintf(f.cgroup_driver, sizeof(f.cgroup_driver), "lxc");
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.last_exit = (ServiceExit) { .code = CLD_KILLED, .status = 0 };
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        f = sample();
        f.main_pid = -1;
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
        ASSERT_TRUE(!t);
}

TEST(missing_and_repeated_keys) {
        static const char *const keys[] = {
                "state", "result", "unit", "main_pid", "main_pid_starttime", "boot_id", "has_init", "cgroup",
                "cgroup_driver", "n_restarts", "start_window_usec", "starts_in_window", "running_since_usec",
                "active_since_realtime", "state_change_realtime", "stop_requested", "restart_at_usec", "last_exit",
        };
        char want[64];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                snprintf(want, sizeof(want), "%s= missing", keys[i]);
                expect_bad_line(keys[i], NULL, want);
        }

        char *t = sample_text(), *u = malloc(strlen(t) + 32);
        ASSERT_TRUE(u);
        sprintf(u, "%smain_pid=1\n", t);
        expect_bad_str(u, "main_pid= given twice");
        sprintf(u, "%sfoo=1\n", t);
        expect_bad_str(u, "unknown key foo=");
        sprintf(u, "%s\x1b[31m=1\n", t);
        expect_bad_str(u, "unknown key"); /* not echoed: it could be an escape sequence */
        sprintf(u, "%sjustaword\n", t);
        expect_bad_str(u, "not KEY=VALUE");
        sprintf(u, "%s\n", t);
        expect_bad_str(u, "not KEY=VALUE");
        free(u);
        free(t);

        /* started_by= is optional: a state file from before it means root. */
        StateFile g = {};
        t = replace_line("started_by", NULL);
        ASSERT_OK(state_file_parse(t, strlen(t), &g, NULL));
        ASSERT_EQ(g.started_by, 0);
        state_file_done(&g);
        free(t);
        expect_bad_line("started_by", "started_by=4294967295", "started_by=: uid out of range");
        expect_bad_line("started_by", "started_by=-1", "started_by=: not a number");
        expect_bad_line("started_by", "started_by=", "started_by=: not a number");

        /* So are the pod keys: an older sandboxd ran no Network=service:NAME. */
        t = sample_text();
        for (const char *k = "\nnet_owner_pid="; k;
             k = streq(k, "\nnet_owner_pid=") ? "\nnet_owner_starttime=" :
                 streq(k, "\nnet_owner_starttime=") ? "\nrestart_with_owner=" : NULL) {
                char *b = strstr(t, k);

                ASSERT_TRUE(b);
                memmove(b + 1, strchr(b + 1, '\n') + 1, strlen(strchr(b + 1, '\n') + 1) + 1);
        }
        ASSERT_TRUE(!strstr(t, "owner"));
        g = (StateFile) {};
        ASSERT_OK(state_file_parse(t, strlen(t), &g, NULL));
        ASSERT_EQ(g.net_owner_pid, 0);
        ASSERT_U64(g.net_owner_starttime, 0);
        ASSERT_TRUE(!g.restart_with_owner);
        state_file_done(&g);
        free(t);
        expect_bad_line("restart_with_owner", "restart_with_owner=yes", "restart_with_owner=: not 0 or 1");
        expect_bad_line("net_owner_pid", "net_owner_pid=-1", "net_owner_pid=: not a number");
}

TEST(framing) {
        char *t = sample_text(), *big;
        size_t n = strlen(t);

        expect_bad("", 0, "empty file");
        /* Truncated: the last line without its newline. */
        expect_bad(t, n - 1, "no newline");

        /* NUL bytes anywhere. */
        t[10] = 0;
        expect_bad(t, n, "NUL byte at offset 10");
        free(t);

        /* An overlong line (a cgroup string beyond 4 KiB). */
        big = malloc(6000);
        ASSERT_TRUE(big);
        memset(big, 'a', 5999);
        big[5999] = 0;
        memcpy(big, "cgroup=/", 8);
        expect_bad_line("cgroup", big, "longer than");
        /* ... and one just over the value limit, under the line limit. */
        big[8 + STATE_CGROUP_MAX] = 0;
        expect_bad_line("cgroup", big, "cgroup=: too long");
        free(big);

        /* Over 16 KiB in all. */
        big = malloc(STATE_FILE_MAX + 2);
        ASSERT_TRUE(big);
        memset(big, '\n', STATE_FILE_MAX + 1);
        expect_bad(big, STATE_FILE_MAX + 1, "larger than");
        free(big);
}

TEST(values) {
        /* A newline in the unit path: the rest becomes a line of its own. */
        expect_bad_line("unit", "unit=/etc/sandboxd/units/web\n.unit", "line 4: not KEY=VALUE");
        expect_bad_line("unit", "unit=/etc/sandboxd/units/web\r.unit", "unit=: not a normalized absolute path");
        expect_bad_line("unit", "unit=/etc/sandboxd/units/\x01web.unit", "unit=: not a normalized");
        expect_bad_line("unit", "unit=web.unit", "unit=: not a normalized");
        expect_bad_line("unit", "unit=/etc/../etc/shadow", "unit=: not a normalized");

        expect_bad_line("main_pid", "main_pid=12a", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid=-1", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid= 12", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid=+12", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid=0x10", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid=", "main_pid=: not a number");
        expect_bad_line("main_pid", "main_pid=4194305", "main_pid=: pid out of range");
        expect_bad_line("main_pid", "main_pid=99999999999999999999999", "main_pid=: pid out of range");

        expect_bad_line("main_pid_starttime", "main_pid_starttime=18446744073709551616", "number out of range");
        expect_bad_line("restart_at_usec", "restart_at_usec=1e9", "not a number");
        expect_bad_line("n_restarts", "n_restarts=4294967296", "number out of range");
        expect_bad_line("starts_in_window", "starts_in_window=1000000001", "number out of range");

        expect_bad_line("state", "state=zombie", "state=: unknown state");
        expect_bad_line("state", "state=Running", "unknown state");
        expect_bad_line("state", "state=running ", "unknown state");
        expect_bad_line("result", "result=exit code", "not a result word");
        expect_bad_line("result", "result=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "not a result word");

        expect_bad_line("has_init", "has_init=yes", "has_init=: not 0 or 1");
        expect_bad_line("stop_requested", "stop_requested=2", "not 0 or 1");

        expect_bad_line("boot_id", "boot_id=0123456789ABCDEF0123456789abcdef", "boot_id=: not 32");
        expect_bad_line("boot_id", "boot_id=0123456789abcdef0123456789abcde", "boot_id=: not 32");
        expect_bad_line("boot_id", "boot_id=01234567-89ab-cdef-0123-456789abcdef", "boot_id=: not 32");

        expect_bad_line("cgroup", "cgroup=/sys/fs/cgroup/\x7f", "cgroup=: too long, not UTF-8, or has control characters");
        /* Sent over D-Bus (ControlGroup, UnitPath): not UTF-8 would fail every reply that holds them. */
        expect_bad_line("cgroup", "cgroup=/sys/fs/cgroup/sandbox-\xff-1", "cgroup=: too long, not UTF-8");
        expect_bad_line("unit", "unit=/etc/sandboxd/units/w\xc3" "eb.unit", "unit=: not a normalized absolute path in UTF-8");
        expect_bad_line("cgroup_driver", "cgroup_driver=lxc", "cgroup_driver=: not");
        expect_bad_line("cgroup_driver", "cgroup_driver=", "cgroup_driver=: not");

        expect_bad_line("last_exit", "last_exit=exited 256", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=killed 0", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=killed 65", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=exited 01", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=exited", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=exited  1", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=exploded 1", "last_exit=: not");
        expect_bad_line("last_exit", "last_exit=exited 0 left=2", "last_exit=: not");
        expect_bad_line("last_exit_left", "last_exit_left=4194305", "last_exit_left=: number out of range");
}

/* The last run's sentences: kept, bounded, optional (an older sandboxd's
 * state has neither). */
TEST(last_run_sentences) {
        StateFile f = sample(), g = {};
        char *t, *msg = NULL, *long_error;

        f.last_exit_seccomp = (char *) "socketpair denied by policy strict";
        f.last_start_error = (char *) "ExecStart= binary /usr/sbin/ngnix is not in the image.";
        ASSERT_OK(state_file_format(&f, &t));
        ASSERT_TRUE(strstr(t, "last_exit_seccomp=socketpair denied by policy strict\n"));
        ASSERT_OK(state_file_parse(t, strlen(t), &g, &msg));
        ASSERT_STREQ(g.last_exit_seccomp, f.last_exit_seccomp);
        ASSERT_STREQ(g.last_start_error, f.last_start_error);
        state_file_done(&g);
        free(t);

        /* Absent and empty both read back as none. */
        t = replace_line("last_start_error", NULL);
        ASSERT_OK(state_file_parse(t, strlen(t), &g, NULL));
        ASSERT_TRUE(!g.last_start_error && !g.last_exit_seccomp);
        state_file_done(&g);
        free(t);

        expect_bad_line("last_exit_seccomp", "last_exit_seccomp=a\x1b[2Jb", "last_exit_seccomp=: too long, not UTF-8");
        expect_bad_line("last_start_error", "last_start_error=\xff", "last_start_error=: too long, not UTF-8");
        long_error = malloc(STATE_START_ERROR_MAX + 32);
        ASSERT_TRUE(long_error);
        memset(long_error, 'x', STATE_START_ERROR_MAX + 31);
        memcpy(long_error, "last_start_error=", 17);
        long_error[STATE_START_ERROR_MAX + 18] = 0;
        expect_bad_line("last_start_error", long_error, "last_start_error=: too long");
        free(long_error);

        /* The writer refuses what the reader would. */
        f = sample();
        f.last_exit_seccomp = (char *) "two\nlines";
        ASSERT_EQ(state_file_format(&f, &t), -EINVAL);
}

TEST(salvage) {
        char *t, *cg = NULL, drv[16];

        /* A state broken elsewhere still names its cgroup. */
        t = replace_line("main_pid", "main_pid=garbage");
        ASSERT_OK(state_file_salvage_cgroup(t, strlen(t), &cg, drv));
        ASSERT_STREQ(cg, "/sys/fs/cgroup/sandbox/sandbox-web-1a2b");
        ASSERT_STREQ(drv, "cgroupfs");
        free(cg);
        free(t);
        /* ... even with NUL bytes and no final newline elsewhere. */
        ASSERT_OK(state_file_salvage_cgroup("x\0y\ncgroup=/a\ncgroup_driver=systemd", 35, &cg, drv));
        ASSERT_STREQ(cg, "/a");
        ASSERT_STREQ(drv, "systemd");
        free(cg);
        /* Twice (which one?), empty, malformed, or missing: nothing. */
        ASSERT_EQ(state_file_salvage_cgroup("cgroup=/a\ncgroup=/b\ncgroup_driver=systemd\n", 42, &cg, drv), -EBADMSG);
        ASSERT_EQ(state_file_salvage_cgroup("cgroup=\ncgroup_driver=systemd\n", 30, &cg, drv), -EBADMSG);
        ASSERT_EQ(state_file_salvage_cgroup("cgroup=/a\x01\ncgroup_driver=systemd\n", 33, &cg, drv), -EBADMSG);
        ASSERT_EQ(state_file_salvage_cgroup("cgroup=/a\ncgroup_driver=lxc\n", 28, &cg, drv), -EBADMSG);
        ASSERT_EQ(state_file_salvage_cgroup("cgroup=/a\n", 10, &cg, drv), -ENOENT);
        ASSERT_EQ(state_file_salvage_cgroup("", 0, &cg, drv), -ENOENT);
}

TEST(exit_report) {
        ServiceExit e;
        char buf[32];

        ASSERT_OK(exit_report_parse("exited 0\n", 9, &e));
        ASSERT_EQ(e.code, CLD_EXITED);
        ASSERT_EQ(e.status, 0);
        ASSERT_TRUE(!e.oom_killed);
        ASSERT_OK(exit_report_parse("exited 255\n", 11, &e));
        ASSERT_EQ(e.status, 255);
        ASSERT_OK(exit_report_parse("killed 9\n", 9, &e));
        ASSERT_EQ(e.code, CLD_KILLED);
        ASSERT_EQ(e.status, 9);
        ASSERT_OK(exit_report_parse("dumped 11\n", 10, &e));
        ASSERT_EQ(e.code, CLD_DUMPED);
        ASSERT_EQ(e.status, 11);
        ASSERT_OK(exit_report_parse("killed 64\n", 10, &e));

        ASSERT_EQ(exit_report_parse("", 0, &e), -ENODATA);
        ASSERT_EQ(exit_report_parse("exited 0", 8, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0\n\n", 10, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0\nkilled 9\n", 18, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0\0\n", 10, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 256\n", 11, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited -1\n", 10, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("killed 0\n", 9, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("killed 65\n", 10, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("killed 0009\n", 12, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("KILLED 9\n", 9, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse(" exited 0\n", 10, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 \n", 10, &e), -EBADMSG);

        /* The second form: what the exit left, after the words. */
        ASSERT_OK(exit_report_parse("exited 0 left=3\n", 16, &e));
        ASSERT_EQ(e.code, CLD_EXITED);
        ASSERT_EQ(e.status, 0);
        ASSERT_EQ(e.n_left, 3);
        ASSERT_OK(exit_report_parse("killed 9 left=4194304\n", 22, &e));
        ASSERT_EQ(e.n_left, 4194304);
        ASSERT_OK(exit_report_parse("exited 1\n", 9, &e));
        ASSERT_EQ(e.n_left, 0);
        ASSERT_EQ(exit_report_parse("exited 0 left=0\n", 16, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 left=03\n", 17, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 left=\n", 15, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 left=4194305\n", 22, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 left=3 left=3\n", 23, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0  left=3\n", 17, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse(" left=3\n", 8, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 left=3 \n", 17, &e), -EBADMSG);

        /* The third form: the cgroup's OOM kill count, read by init. */
        ASSERT_OK(exit_report_parse("killed 9 oom=1\n", 15, &e));
        ASSERT_EQ(e.code, CLD_KILLED);
        ASSERT_EQ(e.status, 9);
        ASSERT_TRUE(e.has_oom_count);
        ASSERT_EQ(e.oom_count, 1);
        ASSERT_EQ(e.n_left, 0);
        ASSERT_OK(exit_report_parse("exited 0 left=2 oom=0\n", 22, &e));
        ASSERT_EQ(e.n_left, 2);
        ASSERT_TRUE(e.has_oom_count);
        ASSERT_EQ(e.oom_count, 0);
        ASSERT_OK(exit_report_parse("dumped 64 left=4194304 oom=2147483647\n", 38, &e));
        ASSERT_EQ(e.oom_count, 2147483647);
        ASSERT_OK(exit_report_parse("exited 0 left=2\n", 16, &e));
        ASSERT_TRUE(!e.has_oom_count);
        ASSERT_EQ(exit_report_parse("exited 0 oom=\n", 14, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=01\n", 16, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=-1\n", 16, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=2147483648\n", 24, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=99999999999\n", 25, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=1 left=2\n", 22, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=1 oom=1\n", 21, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse("exited 0 oom=1 \n", 16, &e), -EBADMSG);
        ASSERT_EQ(exit_report_parse(" oom=1\n", 7, &e), -EBADMSG);
        ASSERT_OK(exit_report_format_line(&(ServiceExit) { .code = CLD_KILLED, .status = 9, .n_left = 3,
                                                           .has_oom_count = true, .oom_count = 1 },
                                          buf, sizeof(buf)));
        ASSERT_STREQ(buf, "killed 9 left=3 oom=1\n");
        ASSERT_OK(exit_report_format_line(&(ServiceExit) { .code = CLD_EXITED, .has_oom_count = true }, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "exited 0 oom=0\n");

        ASSERT_OK(exit_report_format_line(&(ServiceExit) { CLD_EXITED, 0, false, 2, false, 0 }, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "exited 0 left=2\n");
        ASSERT_OK(exit_report_format_line(&(ServiceExit) { CLD_KILLED, 9, false, 0, false, 0 }, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "killed 9\n");

        ASSERT_OK(exit_report_format(&(ServiceExit) { CLD_EXITED, 3, false, 0, false, 0 }, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "exited 3");
        ASSERT_OK(exit_report_format(&(ServiceExit) { CLD_DUMPED, SIGSEGV, true, 0, false, 0 }, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "dumped 11");
        ASSERT_EQ(exit_report_format(&(ServiceExit) { 42, 1, false, 0, false, 0 }, buf, sizeof(buf)), -EINVAL);
        ASSERT_EQ(exit_report_format(&(ServiceExit) { CLD_EXITED, 300, false, 0, false, 0 }, buf, sizeof(buf)), -EINVAL);
}

TEST(proc_stat) {
        /* comm may hold spaces and parentheses: only the last ')' counts. */
        static const char line[] =
                "4242 (evil) 1 2 3 4 5) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 778899 1000 200 "
                "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";
        uint64_t t;

        ASSERT_OK(proc_stat_starttime(line, sizeof(line) - 1, &t));
        ASSERT_U64(t, 778899);
        ASSERT_EQ(proc_stat_starttime("4242 (x S 1 2\n", 14, &t), -EBADMSG);
        ASSERT_EQ(proc_stat_starttime("4242 (x) S 1 2 3\n", 17, &t), -EBADMSG);
        ASSERT_EQ(proc_stat_starttime("", 0, &t), -EBADMSG);

        /* Our own: a real kernel line, and a child's differs from nothing. */
        ASSERT_OK(pid_get_starttime(getpid(), &t));
        ASSERT_TRUE(t > 0);
        ASSERT_EQ(pid_get_starttime(0, &t), -EINVAL);
}

TEST(proc_cgroup) {
        static const char hybrid[] =
                "9:name=systemd:/\n4:memory:/process_api/48fa/sandbox-web-0123456789ab\n0::/sandbox-web-0123456789ab\n";
        static const char sd[] = "0::/sandbox.slice/sandbox-web.scope/init\n";

        ASSERT_TRUE(proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, "/sandbox-web-0123456789ab"));
        ASSERT_TRUE(proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, "/process_api/48fa/sandbox-web-0123456789ab"));
        ASSERT_TRUE(!proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, "/sandbox-web-0123456789"));
        ASSERT_TRUE(!proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, "/sandbox-other-0123456789ab"));
        ASSERT_TRUE(!proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, "/"));
        ASSERT_TRUE(!proc_cgroup_contains(hybrid, sizeof(hybrid) - 1, ""));
        ASSERT_TRUE(proc_cgroup_contains(sd, sizeof(sd) - 1, "/sandbox.slice/sandbox-web.scope"));
        ASSERT_TRUE(!proc_cgroup_contains(sd, sizeof(sd) - 1, "/sandbox.slice/sandbox-we"));
        ASSERT_TRUE(!proc_cgroup_contains("garbage", 7, "/sandbox.slice"));
        ASSERT_EQ(pid_in_cgroup(getpid(), "/no-such-cgroup-of-this-test"), 0);
}

TEST(file_io) {
        char dir[256], path[300];
        char *text = NULL;
        size_t size;
        int dfd, sdir;
        struct stat st;

        snprintf(dir, sizeof(dir), "%s/test-state-file-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        ASSERT_TRUE(mkdtemp(dir));
        ASSERT_OK(service_dir_open(dir, "web", true, &sdir));
        ASSERT_TRUE(fstat(sdir, &st) == 0);
        ASSERT_EQ(st.st_mode & 07777, 0700);
        ASSERT_EQ(service_dir_open(dir, "../etc", true, &dfd), -EINVAL);
        ASSERT_EQ(service_dir_open(dir, "nosuch", false, &dfd), -ENOENT);

        ASSERT_OK(write_file_atomic_at(sdir, "state", "a=1\n", 4, 0600));
        ASSERT_OK(read_full_file_at(sdir, "state", O_NOFOLLOW, STATE_FILE_MAX, &text, &size));
        ASSERT_EQ(size, 4);
        ASSERT_STREQ(text, "a=1\n");
        free(text);
        ASSERT_TRUE(fstatat(sdir, "state", &st, 0) == 0);
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ(faccessat(sdir, "state.new", F_OK, 0), -1);

        /* Bounded: one byte over is refused. */
        ASSERT_EQ(read_full_file_at(sdir, "state", O_NOFOLLOW, 3, &text, &size), -EFBIG);

        /* A symlink planted in the directory is not followed, a FIFO is
         * refused without blocking, a directory is not a file. */
        ASSERT_TRUE(symlinkat("/etc/passwd", sdir, "plan.json") == 0);
        ASSERT_EQ(read_full_file_at(sdir, "plan.json", O_NOFOLLOW, PLAN_FILE_MAX, &text, &size), -ELOOP);
        ASSERT_TRUE(mkfifoat(sdir, "exit", 0600) == 0);
        ASSERT_EQ(read_full_file_at(sdir, "exit", O_NOFOLLOW, EXIT_FILE_MAX, &text, &size), -EBADFD);
        ASSERT_TRUE(mkdirat(sdir, "d", 0700) == 0);
        ASSERT_EQ(read_full_file_at(sdir, "d", O_NOFOLLOW, EXIT_FILE_MAX, &text, &size), -EISDIR);
        /* The writer replaces a symlink at NAME (rename), never writes through one at NAME.new. */
        snprintf(path, sizeof(path), "%s/target", dir);
        ASSERT_TRUE(symlinkat(path, sdir, "x.new") == 0);
        ASSERT_TRUE(write_file_atomic_at(sdir, "x", "1", 1, 0600) < 0);
        ASSERT_EQ(access(path, F_OK), -1);

        /* A directory we do not own is refused: only checkable as root. */
        if (geteuid() == 0) {
                ASSERT_TRUE(mkdirat(dfd = open(dir, O_RDONLY | O_DIRECTORY), "other", 0700) == 0);
                ASSERT_TRUE(fchownat(dfd, "other", 65534, 65534, 0) == 0);
                ASSERT_EQ(service_dir_open(dir, "other", false, &sdir), -EPERM);
                (void) unlinkat(dfd, "other", AT_REMOVEDIR);
                close(dfd);
        }

        close(sdir);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        ASSERT_EQ(system(path), 0);
}

int main(void) {
        RUN(round_trip);
        RUN(writer_refuses);
        RUN(missing_and_repeated_keys);
        RUN(framing);
        RUN(values);
        RUN(last_run_sentences);
        RUN(salvage);
        RUN(exit_report);
        RUN(proc_stat);
        RUN(proc_cgroup);
        RUN(file_io);
        return 0;
}
