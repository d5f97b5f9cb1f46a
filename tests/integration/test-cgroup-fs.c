/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The cgroupfs driver against the real kernel (root). On a hybrid host (this
 * project's CI: v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified)
 * it checks the v1 path; where /sys/fs/cgroup is cgroup2 (the vm lane) the
 * v2 path, including the move into the supervisor leaf that cgroup v2's "no
 * internal processes" rule calls for. Children are started as the launcher
 * starts them: clone3 with CLONE_INTO_CGROUP, then attach() while they wait,
 * then released; what they see is asserted from inside where it matters.
 *
 * Every check that fails tears down what the test made before exiting, and
 * the last step asserts that no directory of this run is left anywhere
 * under /sys/fs/cgroup. */

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup-util.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "plan.h"

static char tag[64];            /* plan name of this run: "cgtest<pid>" */
static bool unified;            /* /sys/fs/cgroup is cgroup2 */
static Cgroup *live[4];         /* torn down on failure */
static char *moved_from;        /* v2 test: the cgroup we left, to go back to */
static char *made_v2_dir;       /* v2 test: the cgroup we made for ourselves */

static void teardown(void);

_printf_(2, 3) static void _noreturn_ fail(int line, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "test-cgroup-fs.c:%d: FAIL: ", line);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        teardown();
        exit(EXIT_FAILURE);
}

#define CHECK(expr) do { if (!(expr)) fail(__LINE__, "%s", #expr); } while (0)
#define CHECK_OK(expr)                                                                          \
        do {                                                                                    \
                int _r_ = (expr);                                                               \
                if (_r_ < 0)                                                                    \
                        fail(__LINE__, "%s: %s", #expr, strerror(-_r_));                        \
        } while (0)

static void track(Cgroup *c) {
        for (size_t i = 0; i < ELEMENTSOF(live); i++)
                if (!live[i]) {
                        live[i] = c;
                        return;
                }
        abort();
}

static void untrack_free(Cgroup *c) {
        for (size_t i = 0; i < ELEMENTSOF(live); i++)
                if (live[i] == c)
                        live[i] = NULL;
        cgroup_free(c);
}

static void reap_all(void) {
        while (waitpid(-1, NULL, WNOHANG) > 0 || (errno == EINTR))
                ;
}

static void go_back(void) {
        char buf[32];
        int fd;

        if (!moved_from)
                return;
        fd = open(moved_from, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                snprintf(buf, sizeof(buf), "%d", (int) getpid());
                (void) !write(fd, buf, strlen(buf));
                close(fd);
        }
        free(moved_from);
        moved_from = NULL;
        if (made_v2_dir) {
                char *leaf;

                if (asprintf(&leaf, "%s/sandboxd-supervisor", made_v2_dir) > 0) {
                        (void) rmdir(leaf);
                        free(leaf);
                }
                (void) rmdir(made_v2_dir);
                free(made_v2_dir);
                made_v2_dir = NULL;
        }
}

static void teardown(void) {
        for (size_t i = 0; i < ELEMENTSOF(live); i++)
                if (live[i]) {
                        int r = cgroup_destroy(live[i]);

                        if (r < 0)
                                fprintf(stderr, "teardown: destroy %s: %s\n", live[i]->name, strerror(-r));
                        cgroup_free(live[i]);
                        live[i] = NULL;
                }
        reap_all();
        go_back();
}

/* ---- files ---- */

static char *read_text(const char *path) {
        char buf[4096];
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return NULL;
        while (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = 0;
        return strdup(buf);
}

static char *v1_dir(const char *controller, const char *name) {
        /* Where the driver should have put it: below this process's own
         * cgroup in that hierarchy, mounted at /sys/fs/cgroup/<controller>. */
        char *text = read_text("/proc/self/cgroup"), *dir = NULL;

        CHECK(text);
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

                if (!c2)
                        continue;
                *c2 = 0;
                if (strcmp(c1 + 1, controller) != 0)
                        continue;
                CHECK(asprintf(&dir, "/sys/fs/cgroup/%s%s/%s", controller, strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1, name) > 0);
                break;
        }
        free(text);
        CHECK(dir);
        return dir;
}

static void expect_file(const char *dir, const char *file, const char *want) {
        char *p, *got;

        CHECK(asprintf(&p, "%s/%s", dir, file) > 0);
        got = read_text(p);
        if (!got || strcmp(got, want) != 0)
                fail(__LINE__, "%s holds \"%s\", expected \"%s\"", p, got ?: "(unreadable)", want);
        printf("  ok   %s = %s\n", p, got);
        free(got);
        free(p);
}

static bool exists(const char *p) {
        struct stat st;

        return stat(p, &st) >= 0;
}

static const char *needle;
static int n_found;

static int find_cb(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        if (type == FTW_D && strstr(path + ftw->base, needle)) {
                fprintf(stderr, "  left behind: %s\n", path);
                n_found++;
        }
        return 0;
}

/* Directories under /sys/fs/cgroup whose name contains s. */
static int count_dirs(const char *s) {
        needle = s;
        n_found = 0;
        (void) nftw("/sys/fs/cgroup", find_cb, 32, FTW_PHYS);
        return n_found;
}

/* ---- children, started as the launcher starts them ---- */

typedef int (*child_fn)(void *arg);

static pid_t spawn(Cgroup *c, child_fn fn, void *arg, bool check_before_release) {
        struct clone_args ca = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) c->v2_fd,
        };
        int sync[2];
        pid_t pid;

        CHECK(pipe2(sync, O_CLOEXEC) >= 0);
        pid = (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
        CHECK(pid >= 0);
        if (pid == 0) {
                char x;

                close(sync[1]);
                if (read(sync[0], &x, 1) != 1)  /* sync point: wait for attach() */
                        _exit(100);
                close(sync[0]);
                _exit(fn(arg));
        }
        close(sync[0]);

        CHECK_OK(cgroup_attach(c, pid));
        if (check_before_release) {
                /* Seen from outside, in every hierarchy, before it runs. */
                char *p, *text;
                int n = 0;

                CHECK(asprintf(&p, "/proc/%d/cgroup", (int) pid) > 0);
                text = read_text(p);
                CHECK(text);
                for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                        const char *path = strrchr(l, ':') + 1;
                        const char *base = strrchr(path, '/') + 1;

                        if (strcmp(base, c->name) == 0) {
                                printf("  ok   child %d in %s\n", (int) pid, l);
                                n++;
                        }
                }
                free(text);
                free(p);
                /* v2 + memory, pids, cpu on v1; only v2 when unified */
                if (n != (unified ? 1 : 4))
                        fail(__LINE__, "child is in %d of the expected %d cgroups", n, unified ? 1 : 4);
        }
        CHECK(write(sync[1], "x", 1) == 1);
        close(sync[1]);
        return pid;
}

static int wait_child(pid_t pid) {
        int st;

        CHECK(waitpid(pid, &st, 0) == pid);
        return st;
}

/* From inside: every line of /proc/self/cgroup that belongs to a hierarchy
 * we limit ends in our cgroup's name. */
static int child_check_membership(void *arg) {
        const char *name = arg;
        char *text = read_text("/proc/self/cgroup");
        int want = unified ? 1 : 4, n = 0;

        if (!text)
                return 10;
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                const char *base = strrchr(l, '/');

                if (base && strcmp(base + 1, name) == 0)
                        n++;
        }
        return n == want ? 0 : 11;
}

static int child_alloc_64m(void *arg) {
        size_t n = 64 << 20;
        volatile char *p = malloc(n);

        if (!p)
                return 20;
        /* Touch every page (the limit is on resident memory), through a
         * volatile pointer so that the compiler cannot drop the stores. */
        for (size_t i = 0; i < n; i += 4096)
                p[i] = 0x5a;
        return 21;              /* survived: the limit did not hold */
}

static int child_fork_bomb(void *arg) {
        int *report = arg;      /* write end of a pipe */
        int forks = 0;

        for (;;) {
                pid_t p = fork();

                if (p < 0)
                        break;
                if (p == 0) {
                        pause();
                        _exit(0);
                }
                if (++forks > 1000)
                        break;
        }
        if (write(*report, &forks, sizeof(forks)) != sizeof(forks))
                return 30;
        pause();
        return 0;
}

static int child_nest_and_sleep(void *arg) {
        /* A service that makes cgroups of its own below its cgroup, as a
         * container manager inside would: destroy must remove them too. */
        const char *v2_path = arg;
        char *sub, *procs;
        int fd;

        if (asprintf(&sub, "%s/inner", v2_path) < 0 || mkdir(sub, 0755) < 0)
                return 40;
        if (fork() == 0) {
                if (asprintf(&procs, "%s/cgroup.procs", sub) < 0)
                        _exit(1);
                fd = open(procs, O_WRONLY);
                if (fd < 0 || write(fd, "0", 1) != 1)
                        _exit(1);
                pause();
                _exit(0);
        }
        pause();
        return 0;
}

/* ---- tests ---- */

static Plan *new_plan(void) {
        Plan *p = plan_new();

        CHECK(p);
        p->name = strdup(tag);
        CHECK(p->name);
        return p;
}

static Cgroup *create_ok(const Plan *p) {
        char *msg = NULL;
        Cgroup *c = NULL;
        int r;

        r = cgroup_create_full(&cgroup_driver_cgroupfs, p, &c, &msg);
        if (r < 0)
                fail(__LINE__, "create: %s (%s)", msg ?: "(no message)", strerror(-r));
        CHECK(c->v2_fd >= 0);
        CHECK(c->v2_path && exists(c->v2_path));
        track(c);
        printf("  ok   created %s\n", c->v2_path);
        return c;
}

static void destroy_and_check_gone(Cgroup *c) {
        char *name = strdup(c->name);

        CHECK(name);
        CHECK_OK(cgroup_destroy(c));
        untrack_free(c);
        if (count_dirs(name) != 0)
                fail(__LINE__, "directories of %s are left", name);
        printf("  ok   destroyed %s, nothing left\n", name);
        free(name);
}

static void test_limits_and_membership(void) {
        Plan *p = new_plan();
        Cgroup *c;
        pid_t pid;
        int st;

        p->limits.memory_max = 32 << 20;
        p->limits.tasks_max = 16;
        p->limits.cpu_quota_per_sec_usec = 500000;     /* 50% */
        p->limits.cpu_weight = 200;
        c = create_ok(p);

        if (unified) {
                expect_file(c->v2_path, "memory.max", "33554432");
                expect_file(c->v2_path, "pids.max", "16");
                expect_file(c->v2_path, "cpu.max", "50000 100000");
                expect_file(c->v2_path, "cpu.weight", "200");
        } else {
                char *m = v1_dir("memory", c->name), *t = v1_dir("pids", c->name), *u = v1_dir("cpu", c->name);

                expect_file(m, "memory.limit_in_bytes", "33554432");
                expect_file(t, "pids.max", "16");
                expect_file(u, "cpu.cfs_quota_us", "50000");
                expect_file(u, "cpu.cfs_period_us", "100000");
                expect_file(u, "cpu.shares", "2048");
                free(m);
                free(t);
                free(u);
        }

        pid = spawn(c, child_check_membership, c->name, true);
        st = wait_child(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail(__LINE__, "child's own view of /proc/self/cgroup is wrong (status %#x)", st);
        printf("  ok   child sees itself in all its cgroups\n");

        destroy_and_check_gone(c);
        plan_free(p);
}

static void test_oom(void) {
        Plan *p = new_plan();
        char *swaps = read_text("/proc/swaps");
        CgroupStats s;
        Cgroup *c;
        pid_t pid;
        int st;

        p->limits.memory_max = 32 << 20;
        /* With swap on, the child would page out instead of dying: forbid it. */
        if (swaps && strchr(swaps, '\n'))
                p->limits.memory_swap_max = 0;
        free(swaps);
        c = create_ok(p);
        CHECK(cgroup_oom_killed(c) == 0);

        pid = spawn(c, child_alloc_64m, NULL, false);
        st = wait_child(pid);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
                fail(__LINE__, "a child touching 64M under MemoryMax=32M was not OOM-killed (status %#x)", st);
        CHECK(cgroup_oom_killed(c) > 0);
        printf("  ok   64M child OOM-killed, oom_killed() = %d\n", cgroup_oom_killed(c));
        CHECK_OK(cgroup_stats(c, &s));
        CHECK(s.memory_current != UINT64_MAX);

        destroy_and_check_gone(c);
        plan_free(p);
}

static void test_tasks_max(void) {
        Plan *p = new_plan();
        CgroupStats s;
        int report[2], forks = -1;
        Cgroup *c;
        pid_t pid;
        int st;

        p->limits.tasks_max = 16;
        c = create_ok(p);
        CHECK(pipe2(report, O_CLOEXEC) >= 0);
        pid = spawn(c, child_fork_bomb, &report[1], false);
        close(report[1]);
        CHECK(read(report[0], &forks, sizeof(forks)) == sizeof(forks));
        close(report[0]);
        if (forks != 15)
                fail(__LINE__, "the fork loop made %d children under TasksMax=16, expected 15", forks);
        CHECK_OK(cgroup_stats(c, &s));
        if (s.tasks_current != 16)
                fail(__LINE__, "tasks_current = %" PRIu64 ", expected 16", s.tasks_current);
        printf("  ok   fork loop held at 16 tasks (15 forks)\n");

        CHECK_OK(cgroup_kill(c, SIGKILL));
        st = wait_child(pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        reap_all();     /* the grandchildren, through PR_SET_CHILD_SUBREAPER */
        printf("  ok   cgroup_kill(SIGKILL) ended all 16\n");

        destroy_and_check_gone(c);
        plan_free(p);
}

/* Exit status: bit 0 /dev/null opened for writing, bit 1 /dev/zero for reading. */
static int child_open_devices(void *arg) {
        int r = 0, fd;

        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                r |= 1;
                close(fd);
        }
        fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                r |= 2;
                close(fd);
        }
        return r;
}

static void expect_devices(Cgroup *c, int want, const char *what) {
        int st = wait_child(spawn(c, child_open_devices, NULL, false));

        if (!WIFEXITED(st) || WEXITSTATUS(st) != want)
                fail(__LINE__, "%s: child opened %#x of null (1) and zero (2), expected %#x (status %#x)", what,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1, want, st);
        printf("  ok   %s: /dev/null %s, /dev/zero %s\n", what, want & 1 ? "opens" : "refused",
               want & 2 ? "opens" : "refused");
}

/* The plan's device list through the driver: the v1 devices controller on
 * a hybrid host, the BPF_CGROUP_DEVICE program on cgroup v2. On a hybrid
 * host the program is also attached by hand to the v2 directory, under a
 * v1 list that allows both: that the kernel takes it and refuses
 * /dev/zero is what the vm lane relies on. */
static void test_devices(void) {
        Plan *p = new_plan(), *q = new_plan();
        char *msg = NULL;
        Cgroup *c;

        CHECK_OK(plan_add_device(p, "/dev/null", false, 1, 3, DEVICE_ACCESS_ALL));
        c = create_ok(p);
        expect_devices(c, 1, unified ? "BPF_CGROUP_DEVICE program" : "v1 devices controller");
        destroy_and_check_gone(c);

        if (!unified) {
                CHECK_OK(plan_add_device(q, "/dev/null", false, 1, 3, DEVICE_ACCESS_ALL));
                CHECK_OK(plan_add_device(q, "/dev/zero", false, 1, 5, DEVICE_ACCESS_READ));
                c = create_ok(q);
                expect_devices(c, 3, "v1 list with null and zero");
                CgroupSpec spec;

                cgroup_spec_from_plan(p, &spec);
                if (cgroup_devices_apply_bpf(c->v2_fd, c->v2_path, &spec, &msg) < 0)
                        fail(__LINE__, "%s", msg ?: "attaching the device program failed");
                expect_devices(c, 1, "plus the BPF_CGROUP_DEVICE program of null alone on the cgroup2 directory");
                destroy_and_check_gone(c);
        }
        plan_free(p);
        plan_free(q);
}

static int child_sleep(void *arg) {
        pause();
        return 0;
}

static void test_kill_sigterm(void) {
        Plan *p = new_plan();
        Cgroup *c;
        pid_t pid;
        int st, r;

        c = create_ok(p);       /* no limits: the v2 cgroup, and a v1 memory one for accounting */
        pid = spawn(c, child_sleep, NULL, false);
        {
                CgroupStats stats;

                /* Memory use without MemoryMax=, for status and list; on v2
                 * only where the parent hands the controller down. */
                CHECK_OK(cgroup_stats(c, &stats));
                CHECK(unified || stats.memory_current != UINT64_MAX);
        }
        CHECK_OK(cgroup_kill(c, SIGTERM));
        st = wait_child(pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
        /* No kill counted: 0 with the memory directory, -ENODATA without. */
        r = cgroup_oom_killed(c);
        CHECK(r == 0 || r == -ENODATA);
        printf("  ok   cgroup_kill(SIGTERM) delivered SIGTERM\n");
        destroy_and_check_gone(c);
        plan_free(p);
}

static void test_destroy_live(void) {
        Plan *p = new_plan();
        char *inner;
        Cgroup *c;
        pid_t pid;
        int st, tries = 0;

        p->limits.tasks_max = 8;
        p->limits.memory_max = 64 << 20;
        c = create_ok(p);
        pid = spawn(c, child_nest_and_sleep, c->v2_path, false);
        CHECK(asprintf(&inner, "%s/inner/cgroup.procs", c->v2_path) > 0);
        /* wait until the grandchild sits in the nested cgroup */
        for (;;) {
                char *t = read_text(inner);
                bool ok = t && *t;

                free(t);
                if (ok)
                        break;
                CHECK(++tries < 500);
                usleep(10000);
        }
        free(inner);
        printf("  ok   the service made %s/inner and lives in it\n", c->v2_path);

        destroy_and_check_gone(c);      /* kills both, removes inner then the rest */
        st = wait_child(pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        reap_all();
        plan_free(p);
}

static void expect_refused(Plan *p, const char *what, const char *in_message) {
        char *msg = NULL;
        Cgroup *c = NULL;
        int r;

        r = cgroup_create_full(&cgroup_driver_cgroupfs, p, &c, &msg);
        if (r >= 0) {
                track(c);
                fail(__LINE__, "%s was accepted", what);
        }
        CHECK(!c);
        if (!msg || !strstr(msg, in_message))
                fail(__LINE__, "%s: message does not name %s: \"%s\"", what, in_message, msg ?: "(none)");
        printf("  ok   %s refused (%s): %s\n", what, strerror(-r), msg);
        free(msg);
        if (count_dirs(tag) != 0)
                fail(__LINE__, "a failed create left directories behind");
        printf("  ok   nothing left behind\n");
}

static void test_failure_leaves_nothing(void) {
        Plan *p = new_plan();
        char *msg = NULL;
        Cgroup *c = NULL;
        int r;

        /* IOWeight= where the kernel has a weight file for it: the value;
         * where it has none (blkio without CFQ and BFQ, io without iocost
         * and BFQ), a clean -EOPNOTSUPP naming the key. */
        p->limits.io_weight = 500;
        r = cgroup_create_full(&cgroup_driver_cgroupfs, p, &c, &msg);
        if (r >= 0) {
                /* io in cgroup v2, or blkio as a v1 hierarchy (hybrid) */
                char *dirs[2] = { strdup(c->v2_path), exists("/sys/fs/cgroup/blkio") ? v1_dir("blkio", c->name) : NULL };
                static const char *const files[][2] = {
                        { "io.weight", "default 500" },
                        { "io.bfq.weight", "default 136" },
                        { "blkio.bfq.weight", "136" },
                        { "blkio.weight", "520" },
                };
                bool any = false;
                char *f;

                track(c);
                printf("  SKIP: no IOWeight= error to provoke here: the kernel has a weight file (the error path "
                       "is covered by test-cgroup-util with a fake cgroup directory); checking the values\n");
                for (size_t j = 0; j < ELEMENTSOF(dirs); j++) {
                        for (size_t i = 0; dirs[j] && i < ELEMENTSOF(files); i++) {
                                CHECK(asprintf(&f, "%s/%s", dirs[j], files[i][0]) > 0);
                                if (exists(f)) {
                                        expect_file(dirs[j], files[i][0], files[i][1]);
                                        any = true;
                                }
                                free(f);
                        }
                        free(dirs[j]);
                }
                CHECK(any);
                destroy_and_check_gone(c);
        } else {
                CHECK(!c);
                if (r != -EOPNOTSUPP || !msg || !strstr(msg, "IOWeight="))
                        fail(__LINE__, "IOWeight failure: r=%s, message \"%s\"", strerror(-r), msg ?: "(none)");
                printf("  ok   IOWeight=500 refused: %s\n", msg);
                free(msg);
                if (count_dirs(tag) != 0)
                        fail(__LINE__, "a failed create left directories behind");
                printf("  ok   nothing left behind\n");
        }

        /* Values the kernel refuses, written after directories exist. Limits
         * are applied cpu, memory, pids, io: a bad TasksMax fails when the
         * v2 cgroup and, on v1, the cpu, memory and pids ones are made. */
        p->limits.io_weight = 0;
        p->limits.memory_max = 32 << 20;
        p->limits.cpu_weight = 100;
        p->limits.tasks_max = UINT64_C(1) << 40;
        expect_refused(p, "TasksMax=2^40", "pids.max");

        p->limits.tasks_max = 16;
        p->limits.cpu_quota_per_sec_usec = UINT64_C(1) << 62;
        expect_refused(p, "CPUQuota=2^62us/s", unified ? "cpu.max" : "cpu.cfs_quota_us");
        plan_free(p);
}

static void test_driver_names(void) {
        CHECK(cgroup_driver_by_name("systemd") == &cgroup_driver_systemd);
        CHECK(cgroup_driver_by_name("cgroupfs") == &cgroup_driver_cgroupfs);
        CHECK(!cgroup_driver_by_name("cgroupfs "));
        CHECK(!cgroup_driver_by_name(""));
        CHECK(!cgroup_driver_by_name(NULL));
        CHECK(cgroup_name_is_ours("web", "sandbox-web-0123456789ab"));
        CHECK(cgroup_name_is_ours("a@b", "sandbox-a_b-0123456789ab"));
        CHECK(cgroup_name_is_ours(NULL, "sandbox-web-0123456789ab"));
        CHECK(!cgroup_name_is_ours("web", "sandbox-webx-0123456789ab"));
        CHECK(!cgroup_name_is_ours("web", "sandbox-web-0123456789aB"));
        CHECK(!cgroup_name_is_ours("web", "sandbox-web-0123456789a"));
        CHECK(!cgroup_name_is_ours("web", "sandbox-web"));
        CHECK(!cgroup_name_is_ours(NULL, "sandbox--0123456789ab"));
        CHECK(!cgroup_name_is_ours("web", "system.slice"));
        printf("  ok   cgroup_driver_by_name(), cgroup_name_is_ours()\n");
}

/* The line of /proc/PID/cgroup for hierarchy key ("" for v2): its path. */
static char *proc_cgroup_path(pid_t pid, const char *key) {
        char *p, *text, *ret = NULL;

        CHECK(asprintf(&p, "/proc/%d/cgroup", (int) pid) > 0);
        text = read_text(p);
        CHECK(text);
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

                if (!c2)
                        continue;
                *c2 = 0;
                if (strcmp(c1 + 1, key) == 0 && (*key || strncmp(l, "0:", 2) == 0)) {
                        ret = strdup(c2 + 1);
                        break;
                }
        }
        free(text);
        free(p);
        CHECK(ret);
        return ret;
}

/* Moves this process into a new cgroup <own>/<tag>-elsewhere in the v2
 * hierarchy and, on a hybrid host, in the memory one: a restarted sandboxd
 * need not sit where the one that made the cgroup sat. */
static void move_elsewhere(void) {
        const char *keys[] = { "", "memory" };

        for (size_t i = 0; i < (unified ? 1 : 2); i++) {
                char *own = proc_cgroup_path(getpid(), keys[i]), *dir, *procs;
                int fd;

                CHECK(asprintf(&dir, "/sys/fs/cgroup%s%s/%s-elsewhere", unified ? "" : (i == 0 ? "/unified" : "/memory"),
                               strcmp(own, "/") == 0 ? "" : own, tag) > 0);
                CHECK(mkdir(dir, 0755) >= 0 || errno == EEXIST);
                CHECK(asprintf(&procs, "%s/cgroup.procs", dir) > 0);
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                CHECK(fd >= 0);
                CHECK(write(fd, "0", 1) == 1);
                close(fd);
                free(procs);
                free(dir);
                free(own);
        }
}

static void remove_elsewhere(void) {
        const char *keys[] = { "", "memory" };

        for (size_t i = 0; i < (unified ? 1 : 2); i++) {
                char *own = proc_cgroup_path(getpid(), keys[i]), *dir;

                CHECK(asprintf(&dir, "/sys/fs/cgroup%s%s/%s-elsewhere", unified ? "" : (i == 0 ? "/unified" : "/memory"),
                               strcmp(own, "/") == 0 ? "" : own, tag) > 0);
                (void) rmdir(dir);
                free(dir);
                free(own);
        }
}

static void test_serialize_adopt(void) {
        Plan *p = new_plan();
        char *ser = NULL, *child_v2;
        Cgroup *c, *a = NULL;
        pid_t pid, adopter;
        int st;

        p->limits.memory_max = 32 << 20;
        p->limits.tasks_max = 16;
        p->limits.cpu_weight = 100;
        c = create_ok(p);
        pid = spawn(c, child_sleep, NULL, false);

        child_v2 = proc_cgroup_path(pid, "");
        CHECK(c->control_group);
        if (strcmp(c->control_group, child_v2) != 0)
                fail(__LINE__, "control_group is %s, /proc/%d/cgroup says %s", c->control_group, (int) pid, child_v2);
        printf("  ok   control_group = %s, as /proc/%d/cgroup shows it\n", c->control_group, (int) pid);

        CHECK_OK(cgroup_serialize(c, &ser));
        CHECK(!strchr(ser, '\n') && strlen(ser) <= CGROUP_SERIALIZED_MAX);
        printf("  ok   serialized: %s\n", ser);

        adopter = fork();
        CHECK(adopter >= 0);
        if (adopter == 0) {
                Cgroup *x = NULL;
                char *again = NULL;
                CgroupStats s;
                int r;

                move_elsewhere();
                r = cgroup_adopt(&cgroup_driver_cgroupfs, p->name, ser, &x);
                if (r < 0)
                        _exit(10);
                if (strcmp(x->control_group, c->control_group) != 0 || strcmp(x->v2_path, c->v2_path) != 0 ||
                    strcmp(x->name, c->name) != 0 || x->v2_fd < 0)
                        _exit(11);
                if (cgroup_stats(x, &s) < 0 || s.tasks_current != 1 || s.memory_current == UINT64_MAX)
                        _exit(12);
                if (cgroup_oom_killed(x) != 0)
                        _exit(13);
                if (cgroup_serialize(x, &again) < 0 || strcmp(again, ser) != 0)
                        _exit(14);
                /* No free: that would destroy what we only looked at. */
                _exit(0);
        }
        st = wait_child(adopter);
        remove_elsewhere();
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail(__LINE__, "the adopting process failed its checks (status %#x)", st);
        printf("  ok   adopted from another cgroup: same cgroup, 1 task, memory known, no OOM kill, same string\n");

        CHECK_OK(cgroup_adopt(&cgroup_driver_cgroupfs, p->name, ser, &a));
        track(a);
        CHECK_OK(cgroup_kill(a, SIGTERM));
        st = wait_child(pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
        printf("  ok   cgroup_kill() of the adopted cgroup delivered SIGTERM\n");
        destroy_and_check_gone(a);
        CHECK(cgroup_adopt(&cgroup_driver_cgroupfs, p->name, ser, &a) == -ENOENT);
        printf("  ok   destroyed through the adopted one; adopt again: ENOENT\n");
        /* The original's directories are gone under it: destroy is a no-op. */
        destroy_and_check_gone(c);

        free(child_v2);
        free(ser);
        plan_free(p);
}

static void expect_adopt(const Plan *p, const char *s, int want) {
        Cgroup *a = NULL;
        int r;

        r = cgroup_adopt(&cgroup_driver_cgroupfs, p->name, s, &a);
        if (r >= 0)
                track(a);
        if (r != want)
                fail(__LINE__, "adopt(\"%s\") = %s, expected %s", s, r < 0 ? strerror(-r) : "success", strerror(-want));
        CHECK(!a);
}

static void test_adopt_hostile(void) {
        Plan *p = new_plan(), *other = new_plan();
        char *ser = NULL, *v2 = NULL, *rest, *b;
        Cgroup *c;

        p->limits.memory_max = 32 << 20;
        c = create_ok(p);
        CHECK_OK(cgroup_serialize(c, &ser));
        v2 = strdup(ser + 5);   /* "v2:0:" or "v2:2:" */
        CHECK(v2 && strncmp(ser, "v2:", 3) == 0 && ser[4] == ':');
        rest = strchr(v2, ' ');
        if (rest)
                *rest++ = 0;

#define BAD(fmt, ...) do { CHECK(asprintf(&b, fmt, __VA_ARGS__) > 0); expect_adopt(p, b, -EINVAL); free(b); } while (0)
        expect_adopt(p, "", -EINVAL);
        expect_adopt(p, "v2:0:/sys/fs/cgroup/../../etc", -EINVAL);
        expect_adopt(p, "v2:0:/tmp/sandbox-x-0123456789ab", -EINVAL);
        expect_adopt(p, "v2:0:/sys/fs/cgroup", -EINVAL);
        BAD("v2:0:%s/", v2);                            /* not normalized */
        BAD("v2:0:%s\n", v2);                           /* control character */
        BAD("v2:0:%s ", v2);                            /* trailing separator */
        BAD("v2:0:%s  v2:0:%s", v2, v2);                /* empty token */
        BAD("v2:0:%s v2:0:%s", v2, v2);                 /* two v2 */
        BAD("v1:2:%s", v2);                             /* v2 first */
        BAD("v2:99:%s", v2);                            /* mask out of range */
        BAD("v2:-1:%s", v2);
        BAD("v2::%s", v2);
        BAD("v3:0:%s", v2);
        BAD("v2:0:%.*s", (int) (strrchr(v2, '/') - v2), v2);      /* the parent: not ours */
        BAD("v2:0:%.*s/sandbox-someoneelse-0123456789ab", (int) (strrchr(v2, '/') - v2), v2);
        if (rest) {
                /* hybrid: the v1 memory dir, with another controller's mask */
                const char *colon = strchr(rest + 3, ':');

                CHECK(colon);
                BAD("v2:0:%s v1:%u:%s", v2, CGROUP_MASK(CGROUP_CONTROLLER_PIDS), colon + 1);
                BAD("v2:0:%s v1:0:%s", v2, colon + 1);
                BAD("v2:0:%s %s %s", v2, rest, rest);   /* a controller twice */
                BAD("v2:0:%s v2:0:%s", colon + 1, v2);  /* a v1 path as the v2 one */
        }
        /* The serialized string of another service (plan name). */
        free(other->name);
        CHECK(asprintf(&other->name, "%s-other", tag) > 0);
        expect_adopt(other, ser, -EINVAL);
        {
                /* Well-formed, ours, but not there. */
                char *gone = strdup(v2);

                CHECK(gone);
                memset(gone + strlen(gone) - 12, '0', 12);
                CHECK(asprintf(&b, "v2:0:%s", gone) > 0);
                expect_adopt(p, b, -ENOENT);
                free(b);
                free(gone);
        }
#undef BAD
        printf("  ok   malformed, foreign and out-of-tree strings: EINVAL; a missing cgroup: ENOENT\n");

        destroy_and_check_gone(c);
        free(v2);
        free(ser);
        plan_free(p);
        plan_free(other);
}

static void test_attach_like(void) {
        Plan *p = new_plan();
        char *a, *b, *pa, *pb;
        pid_t model, other;
        Cgroup *c;
        int st;

        p->limits.memory_max = 64 << 20;
        p->limits.tasks_max = 16;
        c = create_ok(p);
        model = spawn(c, child_sleep, NULL, false);
        other = fork();
        CHECK(other >= 0);
        if (other == 0) {
                pause();
                _exit(0);
        }
        CHECK_OK(cgroup_attach_like(model, other));
        CHECK(asprintf(&pa, "/proc/%d/cgroup", (int) model) > 0);
        CHECK(asprintf(&pb, "/proc/%d/cgroup", (int) other) > 0);
        a = read_text(pa);
        b = read_text(pb);
        CHECK(a && b);
        if (strcmp(a, b) != 0)
                fail(__LINE__, "after attach_like, /proc/%d/cgroup:\n%s\ndiffers from the model's:\n%s", (int) other, b, a);
        printf("  ok   attach_like: the process is in every cgroup of the model:\n%s\n", a);
        CHECK(cgroup_attach_like(INT32_MAX, other) == -ESRCH);
        CHECK(cgroup_attach_like(0, other) == -EINVAL);
        printf("  ok   attach_like: a model that is gone is ESRCH\n");

        destroy_and_check_gone(c);      /* kills both */
        st = wait_child(model);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        st = wait_child(other);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        printf("  ok   destroy killed the model and the attached process\n");
        free(a);
        free(b);
        free(pa);
        free(pb);
        plan_free(p);
}

/* cgroup v2 only: started in a non-root cgroup of our own, the driver must
 * move us into <own>/sandboxd-supervisor to enable controllers there. */
static void test_supervisor_leaf(void) {
        char *self = read_text("/proc/self/cgroup"), *own, *procs, *now, *mine;
        Plan *p;
        Cgroup *c;
        char buf[32];
        int fd;

        CHECK(self);
        own = strncmp(self, "0::", 3) == 0 ? self + 3 : strstr(self, "\n0::");
        CHECK(own);
        if (own != self + 3)
                own += 4;
        own[strcspn(own, "\n")] = 0;
        CHECK(asprintf(&moved_from, "/sys/fs/cgroup%s/cgroup.procs", strcmp(own, "/") == 0 ? "" : own) > 0);
        CHECK(asprintf(&made_v2_dir, "/sys/fs/cgroup%s/%s-self", strcmp(own, "/") == 0 ? "" : own, tag) > 0);
        CHECK(mkdir(made_v2_dir, 0755) >= 0);
        mine = strdup(made_v2_dir);
        CHECK(mine);
        CHECK(asprintf(&procs, "%s/cgroup.procs", made_v2_dir) > 0);
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        snprintf(buf, sizeof(buf), "%d", (int) getpid());
        CHECK(write(fd, buf, strlen(buf)) > 0);
        close(fd);
        free(procs);

        p = new_plan();
        p->limits.tasks_max = 16;
        c = create_ok(p);
        now = read_text("/proc/self/cgroup");
        CHECK(now && strstr(now, "0::/") && strstr(strstr(now, "0::/"), "/sandboxd-supervisor"));
        printf("  ok   moved into the leaf: %s\n", now);
        expect_file(c->v2_path, "pids.max", "16");
        free(now);
        destroy_and_check_gone(c);

        /* A second service finds the supervisor leaf and uses its parent. */
        c = create_ok(p);
        CHECK(strstr(c->v2_path, "-self/sandbox-"));
        destroy_and_check_gone(c);

        plan_free(p);
        go_back();
        CHECK(!exists(mine));
        printf("  ok   back in %s, test cgroups removed\n", own);
        free(mine);
        free(self);
}

int main(void) {
        struct statfs fs;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (geteuid() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        if (statfs("/sys/fs/cgroup", &fs) < 0) {
                printf("SKIP: no /sys/fs/cgroup\n");
                return 77;
        }
        unified = fs.f_type == CGROUP2_SUPER_MAGIC;
        if (!unified && (statfs("/sys/fs/cgroup/unified", &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)) {
                printf("SKIP: neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2 (pure v1 is not supported)\n");
                return 77;
        }
        if (!unified) {
                struct stat st;

                if (stat("/sys/fs/cgroup/memory", &st) < 0 || stat("/sys/fs/cgroup/pids", &st) < 0 ||
                    stat("/sys/fs/cgroup/cpu", &st) < 0) {
                        printf("SKIP: hybrid layout without memory, pids and cpu v1 hierarchies\n");
                        return 77;
                }
        }
        /* Orphaned grandchildren come back to us, so the test reaps them. */
        CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) >= 0);
        snprintf(tag, sizeof(tag), "cgtest%d", (int) getpid());
        /* The cgroupfs driver whatever cgroup_driver_pick() says: on a
         * systemd host that is the systemd driver (tests/testhost covers it). */
        printf("layout: %s; driver: cgroupfs (cgroup_driver_pick(): %s); tag: %s\n",
               unified ? "unified (cgroup v2)" : "hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)",
               cgroup_driver_pick()->name, tag);
        CHECK(count_dirs(tag) == 0);

        printf("-- limits and membership\n");
        test_limits_and_membership();
        printf("-- OOM kill\n");
        test_oom();
        printf("-- TasksMax\n");
        test_tasks_max();
        printf("-- devices\n");
        test_devices();
        printf("-- kill with SIGTERM\n");
        test_kill_sigterm();
        printf("-- destroy with live processes and nested cgroups\n");
        test_destroy_live();
        printf("-- driver names\n");
        test_driver_names();
        printf("-- serialize, adopt in another process (and another cgroup)\n");
        test_serialize_adopt();
        printf("-- adopt refuses what it did not make\n");
        test_adopt_hostile();
        printf("-- attach_like (sandboxctl exec)\n");
        test_attach_like();
        printf("-- failures leave nothing behind\n");
        test_failure_leaves_nothing();
        printf("-- supervisor leaf (cgroup v2 no-internal-processes rule)\n");
        if (unified)
                test_supervisor_leaf();
        else
                printf("  SKIP: runs only where /sys/fs/cgroup is cgroup2 (the vm lane): in the hybrid layout "
                       "the test process sits in the cgroup2 root, which the rule exempts\n");

        if (count_dirs(tag) != 0)
                fail(__LINE__, "directories left under /sys/fs/cgroup");
        printf("all checks passed; nothing of %s left under /sys/fs/cgroup\n", tag);
        return 0;
}
