/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Drives the systemd cgroup driver inside a testhost, for
 * test-cgroup-systemd.sh, which asserts from outside (systemctl, /proc,
 * the cgroup files) what each step made. Every step prints KEY=VALUE lines.
 *
 *   create NAME [--bus=own|event|plain] [--pause] [--no-limits] [--memory-high] [--memory-max=BYTES]
 *       create + attach a sleeping child (MemoryMax=64M TasksMax=32 CPUQuota=50%
 *       CPUWeight=200 IOWeight=300 unless --no-limits); leaves it running in its scope
 *       (no destroy), prints pid=, serialized=, control_group=
 *       --bus=event: the driver gets a connection attached to an sd-event
 *       loop (as sandboxd gives it); plain: one not attached to any loop;
 *       own (default): the driver opens its own. With event or plain the
 *       connection's read queue must be empty afterwards (queued_read=0).
 *       --pause: wait for a line on stdin between create() and attach()
 *   adopt NAME SERIALIZED [stats|oom|serialize|kill:SIG|destroy]...
 *       cgroup_adopt() in this (second) process, then the actions in order
 *   oom NAME [--exit]
 *       MemoryMax=32M; the child's child touches 64M and must be killed;
 *       prints oom_killed=, then destroys. --exit: the child exits too, so
 *       the scope is empty (inactive) when oom_killed() asks
 *   join PID
 *       cgroup_attach_like(PID, a new sleeping child) (sandboxctl exec);
 *       prints attach_like=, same_cgroups=yes|no and the child's joined_pid=
 *   zombie NAME
 *       attach() of a process that has exited (a zombie): the start job
 *       fails; prints attach=ERRNO, then nothing must be left
 *
 * Exit status: 0 when the step did what it was asked, 1 when not, 2 on a
 * usage error. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "dlopen-systemd.h"
#include "log.h"
#include "plan.h"

static const char *errno_name(int r) {
        static char buf[64];

        switch (-r) {
        case 0: return "0";
        case EINVAL: return "EINVAL";
        case ENOENT: return "ENOENT";
        case EBUSY: return "EBUSY";
        case EEXIST: return "EEXIST";
        case EIO: return "EIO";
        case ESRCH: return "ESRCH";
        case ENODATA: return "ENODATA";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        case ETIMEDOUT: return "ETIMEDOUT";
        case ESTALE: return "ESTALE";
        default:
                snprintf(buf, sizeof(buf), "errno%d", -r);
                return buf;
        }
}

_printf_(1, 2) static void _noreturn_ die(const char *fmt, ...) {
        va_list ap;

        fputs("cgroup-systemd-driver: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

static Plan *new_plan(const char *name) {
        Plan *p = plan_new();

        if (!p)
                die("plan_new: out of memory");
        p->name = strdup(name);
        if (asprintf(&p->description, "cgroup-systemd test %s", name) < 0 || !p->name)
                die("out of memory");
        return p;
}

/* A child that sleeps until killed, detached from our stdout (the shell
 * reads it to its end) and from our session. */
static pid_t spawn_sleeper(int *ret_release) {
        int sync[2];
        pid_t pid;

        if (pipe2(sync, O_CLOEXEC) < 0)
                die("pipe: %m");
        pid = fork();
        if (pid < 0)
                die("fork: %m");
        if (pid == 0) {
                char x;

                (void) setsid();
                (void) freopen("/dev/null", "r", stdin);
                (void) freopen("/dev/null", "w", stdout);
                (void) freopen("/dev/null", "w", stderr);
                close(sync[1]);
                /* The launcher's SYNC 1: run only once in the cgroup. */
                if (read(sync[0], &x, 1) != 1)
                        _exit(100);
                for (;;)
                        pause();
        }
        close(sync[0]);
        *ret_release = sync[1];
        return pid;
}

static void print_stats(Cgroup *c) {
        CgroupStats s;
        int r;

        r = cgroup_stats(c, &s);
        if (r < 0) {
                printf("stats=%s\n", errno_name(r));
                return;
        }
        printf("memory_current=%s\n", s.memory_current == UINT64_MAX ? "unknown" : "known");
        printf("memory_current_bytes=%llu\n", (unsigned long long) s.memory_current);
        printf("tasks_current=%llu\n", (unsigned long long) s.tasks_current);
        printf("cpu_usage=%s\n", s.cpu_usage_usec == UINT64_MAX ? "unknown" : "known");
}

/* Seen from another connection than the driver's: is the unit loaded? */
static const char *unit_loaded(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *unit = NULL;

        if (asprintf(&unit, "sandbox-%s.scope", name) < 0 || sd_bus_open_system(&bus) < 0)
                die("cannot ask systemd");
        if (sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", NULL, &reply, "s", unit) < 0)
                return "no";
        return "yes";
}

static int cmd_create(int argc, char **argv) {
        const char *name = argv[2], *bus_mode = "own";
        bool pause_before = false, limits = true, memory_high = false;
        unsigned long long memory_max = 64 << 20;
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_free_ char *msg = NULL, *ser = NULL;
        Cgroup *c = NULL;
        Plan *p;
        pid_t pid;
        int r, release;

        for (int i = 3; i < argc; i++) {
                if (strncmp(argv[i], "--bus=", 6) == 0)
                        bus_mode = argv[i] + 6;
                else if (strcmp(argv[i], "--pause") == 0)
                        pause_before = true;
                else if (strcmp(argv[i], "--no-limits") == 0)
                        limits = false;
                else if (strcmp(argv[i], "--memory-high") == 0)
                        memory_high = true;
                else if (strncmp(argv[i], "--memory-max=", 13) == 0)
                        memory_max = strtoull(argv[i] + 13, NULL, 10);
                else
                        die("unknown option %s", argv[i]);
        }

        if (strcmp(bus_mode, "own") != 0) {
                r = sd_bus_open_system(&bus);
                if (r < 0)
                        die("sd_bus_open_system: %s", strerror(-r));
                if (strcmp(bus_mode, "event") == 0) {
                        r = sd_event_default(&e);
                        if (r >= 0)
                                r = sd_bus_attach_event(bus, e, 0);
                        if (r < 0)
                                die("attach the bus to an event loop: %s", strerror(-r));
                } else if (strcmp(bus_mode, "plain") != 0)
                        die("--bus=own|event|plain");
                cgroup_systemd_set_bus(bus);
        }

        p = new_plan(name);
        if (limits) {
                p->limits.memory_max = memory_max;
                p->limits.tasks_max = 32;
                p->limits.cpu_quota_per_sec_usec = 500000;     /* CPUQuota=50% */
                p->limits.cpu_weight = 200;
                p->limits.io_weight = 300;
        }
        if (memory_high)
                p->limits.memory_high = 48 << 20;

        printf("available=%s\n", cgroup_systemd_available() ? "yes" : "no");
        printf("picked=%s\n", cgroup_driver_pick()->name);
        r = cgroup_create_full(&cgroup_driver_systemd, p, &c, &msg);
        if (r < 0) {
                printf("create=%s\n", errno_name(r));
                printf("message=%s\n", msg ?: "");
                return EXIT_FAILURE;
        }
        printf("create=0\n");
        fflush(stdout);
        if (pause_before) {
                char line[16];

                if (!fgets(line, sizeof(line), stdin))
                        die("stdin closed while paused");
        }

        pid = spawn_sleeper(&release);
        printf("pid=%d\n", (int) pid);
        r = cgroup_attach(c, pid);
        printf("attach=%s\n", errno_name(r));
        if (r < 0) {
                /* While our connection (and a reference it may hold) lives. */
                printf("unit_loaded_after_failure=%s\n", unit_loaded(name));
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                cgroup_free(c);
                return EXIT_FAILURE;
        }
        if (write(release, "x", 1) != 1)
                die("release the child: %m");
        close(release);

        r = cgroup_serialize(c, &ser);
        if (r < 0)
                die("serialize: %s", strerror(-r));
        printf("serialized=%s\n", ser);
        printf("control_group=%s\n", strempty(cgroup_control_group(c)));
        print_stats(c);
        printf("oom_killed=%s\n", errno_name(cgroup_oom_killed(c)) /* "0": none */);

        if (e) {
                /* What the loop would do while sandboxd waits for work. */
                for (int i = 0; i < 20; i++)
                        (void) sd_event_run(e, 5000);
        }
        if (bus) {
                uint64_t n = UINT64_MAX;

                (void) sd_bus_get_n_queued_read(bus, &n);
                printf("queued_read=%llu\n", (unsigned long long) n);
                if (n != 0)
                        return EXIT_FAILURE;
        }
        /* No destroy, no free: the scope outlives us, as a service
         * outlives a sandboxd that was killed. */
        fflush(stdout);
        _exit(EXIT_SUCCESS);
}

static int cmd_adopt(int argc, char **argv) {
        Plan *p = new_plan(argv[2]);
        _cleanup_free_ char *ser = NULL;
        Cgroup *c = NULL;
        bool destroyed = false;
        int r;

        r = cgroup_adopt(cgroup_driver_by_name("systemd"), p->name, argv[3], &c);
        printf("adopt=%s\n", errno_name(r));
        if (r < 0)
                return EXIT_FAILURE;
        printf("control_group=%s\n", strempty(cgroup_control_group(c)));

        for (int i = 4; i < argc; i++) {
                const char *a = argv[i];

                if (strcmp(a, "stats") == 0)
                        print_stats(c);
                else if (strcmp(a, "oom") == 0)
                        printf("oom_killed=%s\n", errno_name(cgroup_oom_killed(c)));
                else if (strcmp(a, "serialize") == 0) {
                        r = cgroup_serialize(c, &ser);
                        printf("serialized=%s\n", r < 0 ? errno_name(r) : ser);
                } else if (strncmp(a, "kill:", 5) == 0)
                        printf("kill=%s\n", errno_name(cgroup_kill(c, atoi(a + 5))));
                else if (strcmp(a, "destroy") == 0) {
                        r = cgroup_destroy(c);
                        printf("destroy=%s\n", errno_name(r));
                        if (r < 0)
                                return EXIT_FAILURE;
                        destroyed = true;
                } else
                        die("unknown action %s", a);
        }
        fflush(stdout);
        if (destroyed)
                cgroup_free(c);
        /* Else leave the scope as it is, for the next step. */
        _exit(EXIT_SUCCESS);
}

static int cmd_oom(int argc, char **argv) {
        _cleanup_free_ char *msg = NULL;
        Plan *p = new_plan(argv[2]);
        bool exit_after = argc > 3 && strcmp(argv[3], "--exit") == 0;
        int report[2], release, st = -1, r;
        Cgroup *c = NULL;
        pid_t pid;

        p->limits.memory_max = 32 << 20;
        r = cgroup_create_full(&cgroup_driver_systemd, p, &c, &msg);
        if (r < 0)
                die("create: %s", msg ?: strerror(-r));
        if (pipe2(report, O_CLOEXEC) < 0)
                die("pipe: %m");
        {
                int sync[2];

                if (pipe2(sync, O_CLOEXEC) < 0)
                        die("pipe: %m");
                pid = fork();
                if (pid < 0)
                        die("fork: %m");
                if (pid == 0) {
                        char x;
                        pid_t g;

                        close(sync[1]);
                        close(report[0]);
                        if (read(sync[0], &x, 1) != 1)
                                _exit(100);
                        g = fork();
                        if (g == 0) {
                                size_t n = 64 << 20;
                                volatile char *m = malloc(n);

                                for (size_t i = 0; m && i < n; i += 4096)
                                        m[i] = 0x5a;
                                _exit(21);      /* the limit did not hold */
                        }
                        if (g < 0 || waitpid(g, &st, 0) != g)
                                st = -1;
                        if (write(report[1], &st, sizeof(st)) != sizeof(st))
                                _exit(101);
                        if (exit_after)
                                _exit(0);
                        for (;;)
                                pause();
                }
                close(sync[0]);
                release = sync[1];
        }
        close(report[1]);
        r = cgroup_attach(c, pid);
        if (r < 0)
                die("attach: %s", strerror(-r));
        if (write(release, "x", 1) != 1)
                die("release: %m");
        /* No report: systemd stopped the scope on the OOM kill (OOMPolicy=stop
         * on a unified host) before the child could write it. */
        if (read(report[0], &st, sizeof(st)) != sizeof(st))
                printf("allocator=unknown\n");
        else
                printf("allocator=%s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "SIGKILL" : "survived");
        if (exit_after) {
                /* As sandboxctl run asks: after the service is gone. */
                (void) waitpid(pid, NULL, 0);
                usleep(500 * 1000);
        }
        r = cgroup_oom_killed(c);
        printf("oom_killed=%s\n", r > 0 ? "yes" : errno_name(r));
        r = cgroup_destroy(c);
        printf("destroy=%s\n", errno_name(r));
        (void) waitpid(pid, NULL, 0);
        cgroup_free(c);
        return EXIT_SUCCESS;
}

static int cmd_zombie(char **argv) {
        _cleanup_free_ char *msg = NULL;
        Plan *p = new_plan(argv[2]);
        Cgroup *c = NULL;
        pid_t pid;
        int r;

        p->limits.tasks_max = 8;
        r = cgroup_create_full(&cgroup_driver_systemd, p, &c, &msg);
        if (r < 0)
                die("create: %s", msg ?: strerror(-r));
        pid = fork();
        if (pid < 0)
                die("fork: %m");
        if (pid == 0)
                _exit(0);
        /* Not reaped: a zombie, which no cgroup takes in. */
        {
                siginfo_t si = {};

                (void) waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT);
        }
        r = cgroup_attach(c, pid);
        printf("attach=%s\n", errno_name(r));
        printf("unit_loaded_after_attach=%s\n", unit_loaded(argv[2]));
        (void) waitpid(pid, NULL, 0);
        r = cgroup_destroy(c);
        printf("destroy=%s\n", errno_name(r));
        cgroup_free(c);
        return EXIT_SUCCESS;
}

static char *read_cgroup_of(pid_t pid) {
        char path[64], buf[4096];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die("open %s: %m", path);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                die("read %s: %m", path);
        buf[n] = 0;
        return strdup(buf);
}

static int cmd_join(char **argv) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        pid_t model = (pid_t) atoi(argv[2]), pid;
        int release, r;

        pid = spawn_sleeper(&release);
        r = cgroup_attach_like(model, pid);
        printf("attach_like=%s\n", errno_name(r));
        if (write(release, "x", 1) != 1)
                die("release the child: %m");
        close(release);
        a = read_cgroup_of(model);
        b = read_cgroup_of(pid);
        printf("same_cgroups=%s\n", a && b && strcmp(a, b) == 0 ? "yes" : "no");
        printf("joined_pid=%d\n", (int) pid);
        fflush(stdout);
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* The driver's debug lines (on stderr) say which path it took. */
        log_set_max_level(LOG_DEBUG);
        if (argc >= 3 && strcmp(argv[1], "create") == 0)
                return cmd_create(argc, argv);
        if (argc >= 4 && strcmp(argv[1], "adopt") == 0)
                return cmd_adopt(argc, argv);
        if ((argc == 3 || argc == 4) && strcmp(argv[1], "oom") == 0)
                return cmd_oom(argc, argv);
        if (argc == 3 && strcmp(argv[1], "join") == 0)
                return cmd_join(argv);
        if (argc == 3 && strcmp(argv[1], "zombie") == 0)
                return cmd_zombie(argv);
        fprintf(stderr, "usage: see the head of %s\n", __FILE__);
        return 2;
}
