/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The launcher against the real kernel (root), with hand-built plans and
 * no cgroup: what the service sees from inside (capability sets, ids, pid
 * 1, mounts, writes to the root), the image layers (directories, overlay,
 * a tarball unpacked into a private state directory, hostile tarballs
 * refused), the failures (exit statuses 125/126/127 and one message), and
 * after every run: no new mount on the host, no child process, no new fd.
 * Also prints the mean time of launch_start() for /bin/true. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static char tmpdir[] = "/tmp/test-launch.XXXXXX";
static char image[256], state[256];
static int n_failed;

#define CHECK(expr)                                                                     \
        do {                                                                            \
                if (!(expr)) {                                                          \
                        fprintf(stderr, "test-launch.c:%d: FAIL: %s\n", __LINE__, #expr); \
                        n_failed++;                                                     \
                }                                                                       \
        } while (0)

#define CHECK_CONTAINS(out, needle)                                                                     \
        do {                                                                                            \
                if (!strstr((out), (needle))) {                                                         \
                        fprintf(stderr, "test-launch.c:%d: FAIL: no \"%s\" in:\n%s\n", __LINE__, (needle), (out)); \
                        n_failed++;                                                                     \
                }                                                                                       \
        } while (0)

static void die(const char *what) {
        perror(what);
        exit(EXIT_FAILURE);
}

static void write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                die(path);
        close(fd);
}

static void copy_file(const char *from, const char *to, mode_t mode) {
        char buf[65536];
        ssize_t n;
        int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (in < 0 || out < 0)
                die(from);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t) n) != n)
                        die(to);
        close(in);
        close(out);
}

static void make_image(void) {
        static const char *const dirs[] = { "bin", "etc", "proc", "sys", "dev", "tmp", "var", "var/empty" };
        static const char *const applets[] = { "sh", "cat", "grep", "hostname", "id", "ls", "echo", "sleep", "true", "touch", "readlink" };
        char p[512];

        snprintf(image, sizeof(image), "%s/image", tmpdir);
        snprintf(state, sizeof(state), "%s/state", tmpdir);
        if (mkdir(image, 0755) < 0)
                die(image);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(p, sizeof(p), "%s/%s", image, dirs[i]);
                if (mkdir(p, 0755) < 0)
                        die(p);
        }
        snprintf(p, sizeof(p), "%s/bin/busybox", image);
        copy_file("/bin/busybox", p, 0755);
        for (size_t i = 0; i < ELEMENTSOF(applets); i++) {
                snprintf(p, sizeof(p), "%s/bin/%s", image, applets[i]);
                if (symlink("busybox", p) < 0)
                        die(p);
        }
        snprintf(p, sizeof(p), "%s/etc/passwd", image);
        write_file(p, "root:x:0:0:root:/:/bin/sh\nwww:x:33:33::/:/bin/sh\n", 0644);
        snprintf(p, sizeof(p), "%s/etc/not-executable", image);
        write_file(p, "#!/bin/sh\n", 0644);
}

/* A plan like the compiler makes for a default unit: every namespace but
 * user and time, the standard mount list, root without capabilities. */
static Plan *make_plan(const char *script) {
        static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sysrq-trigger", "/sys/firmware" };
        static const char *const ro[] = { "/proc/sys", "/proc/bus", "/proc/irq" };
        Plan *p = plan_new();

        CHECK(p);
        p->name = strdup("launchtest");
        p->namespaces = NAMESPACE_MASK_DEFAULT;
        p->hostname = strdup("lt");
        p->layers = calloc(1, sizeof(PlanLayer));
        p->layers[0] = (PlanLayer) { LAYER_DIRECTORY, strdup(image) };
        p->n_layers = 1;
        plan_add_mount(p, MOUNT_PROC, NULL, "/proc", NULL, false, false, false);
        plan_add_mount(p, MOUNT_SYSFS, NULL, "/sys", NULL, true, false, false);
        plan_add_mount(p, MOUNT_DEV, NULL, "/dev", NULL, false, false, false);
        plan_add_mount(p, MOUNT_DEVPTS, NULL, "/dev/pts", NULL, false, false, false);
        plan_add_mount(p, MOUNT_SHM, NULL, "/dev/shm", NULL, false, false, false);
        plan_add_mount(p, MOUNT_MQUEUE, NULL, "/dev/mqueue", NULL, false, false, false);
        plan_add_mount(p, MOUNT_TMPFS, NULL, "/tmp", "mode=0711,size=1m,noexec", false, false, false);
        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                plan_add_mount(p, MOUNT_MASK, NULL, masked[i], NULL, true, false, true);
        for (size_t i = 0; i < ELEMENTSOF(ro); i++)
                plan_add_mount(p, MOUNT_READ_ONLY, NULL, ro[i], NULL, true, false, true);
        strv_extend(&p->argv, "/bin/sh");
        strv_extend(&p->argv, "-c");
        strv_extend(&p->argv, script);
        strv_extend(&p->environment, "PATH=/bin");
        p->working_directory = strdup("/");
        return p;
}

typedef struct Snapshot {
        size_t mounts, fds;
} Snapshot;

static size_t count_lines(const char *path) {
        FILE *f = fopen(path, "re");
        size_t n = 0;
        int c;

        if (!f)
                die(path);
        while ((c = fgetc(f)) != EOF)
                n += c == '\n';
        fclose(f);
        return n;
}

static size_t count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        size_t n = 0;

        if (!d)
                die("/proc/self/fd");
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static Snapshot snapshot(void) {
        return (Snapshot) { count_lines("/proc/self/mountinfo"), count_fds() };
}

static void check_nothing_left(Snapshot before, int line) {
        Snapshot after = snapshot();

        if (after.mounts != before.mounts || after.fds != before.fds || waitpid(-1, NULL, WNOHANG) != -1) {
                fprintf(stderr, "test-launch.c:%d: FAIL: left behind: mounts %zu -> %zu, fds %zu -> %zu, or a child\n",
                        line, before.mounts, after.mounts, before.fds, after.fds);
                n_failed++;
        }
}

/* Run p with stdout and stderr into a pipe; returns launch_start's result,
 * with the output and the service's status (128+N for signal N). */
static int run(const Plan *p, char *out, size_t size, int *ret_status) {
        Snapshot before = snapshot();
        int pipe_fds[2], r, status = -1;
        LaunchParams params;
        Launched l;
        size_t pos = 0;
        ssize_t n;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                die("pipe2");
        params = (LaunchParams) {
                .stdin_fd = -1,
                .stdout_fd = pipe_fds[1],
                .stderr_fd = pipe_fds[1],
                .state_dir = state,
                .reterr_exit_status = &status,
        };
        r = launch_start(p, &params, &l);
        close(pipe_fds[1]);
        while (pos + 1 < size && (n = read(pipe_fds[0], out + pos, size - 1 - pos)) > 0)
                pos += (size_t) n;
        out[pos] = '\0';
        close(pipe_fds[0]);
        if (r >= 0) {
                siginfo_t si = {};

                if (waitid((idtype_t) P_PIDFD, (id_t) l.pidfd, &si, WEXITED) < 0)
                        die("waitid");
                close(l.pidfd);
                status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        }
        *ret_status = status;
        check_nothing_left(before, __LINE__);
        return r;
}

static void test_identity(void) {
        char out[8192];
        int status;
        Plan *p = make_plan("grep -E '^(Cap|NoNewPrivs)' /proc/self/status; echo host=$(hostname); "
                            "echo pid1=$(cat /proc/1/comm) me=$$; ls /dev | tr '\\n' ' '; echo; "
                            "readlink /proc/self/cwd; ls /proc/self/fd | tr '\\n' ' '; echo; "
                            "touch /etc/x 2>&1; touch /tmp/x && echo tmp-ok; grep -c . /proc/kcore /proc/keys 2>&1; "
                            "touch /proc/sys/kernel/x 2>&1; grep ' /tmp ' /proc/self/mountinfo; true");

        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "CapBnd:\t0000000000000000");
        CHECK_CONTAINS(out, "CapEff:\t0000000000000000");
        CHECK_CONTAINS(out, "NoNewPrivs:\t1");
        CHECK_CONTAINS(out, "host=lt");
        CHECK_CONTAINS(out, "pid1=sandbox-init me=2");
        CHECK_CONTAINS(out, "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero");
        CHECK_CONTAINS(out, "\n/\n");
        CHECK_CONTAINS(out, "0 1 2 3 \n");     /* 3: ls's own directory fd */
        CHECK_CONTAINS(out, "/etc/x: Read-only file system");
        CHECK_CONTAINS(out, "tmp-ok");
        CHECK_CONTAINS(out, "/proc/keys:0");
        CHECK_CONTAINS(out, " /tmp rw,nosuid,nodev,noexec,");        /* libmount split "noexec" off */
        CHECK_CONTAINS(out, "size=1024k,mode=711");
        CHECK_CONTAINS(out, "Read-only file system");
        plan_free(p);
}

static void test_user_and_caps(void) {
        char out[8192];
        int status;
        Plan *p = make_plan("id -u; id -g; id -G; grep -E '^Cap' /proc/self/status; ulimit -n");

        p->uid = 33;
        p->gid = 33;
        p->supplementary_gids = calloc(2, sizeof(gid_t));
        p->supplementary_gids[0] = 4;
        p->supplementary_gids[1] = 100;
        p->n_supplementary_gids = 2;
        p->cap_bounding = (1 << 10) | (1 << 0);
        p->cap_ambient = p->cap_inheritable = p->cap_permitted = p->cap_effective = 1 << 10;
        p->rlimits[RLIMIT_NOFILE] = (PlanRlimit) { true, 123, 456 };
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "33\n33\n");
        CHECK_CONTAINS(out, "4 100");
        CHECK_CONTAINS(out, "CapInh:\t0000000000000400");
        CHECK_CONTAINS(out, "CapPrm:\t0000000000000400");
        CHECK_CONTAINS(out, "CapEff:\t0000000000000400");
        CHECK_CONTAINS(out, "CapBnd:\t0000000000000401");
        CHECK_CONTAINS(out, "CapAmb:\t0000000000000400");
        CHECK_CONTAINS(out, "123\n");
        plan_free(p);

        /* root keeps the bounding set as permitted and effective */
        p = make_plan("grep -E '^Cap' /proc/self/status");
        p->cap_bounding = p->cap_permitted = p->cap_effective = 0x4c0;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "CapPrm:\t00000000000004c0");
        CHECK_CONTAINS(out, "CapEff:\t00000000000004c0");
        CHECK_CONTAINS(out, "CapBnd:\t00000000000004c0");
        CHECK_CONTAINS(out, "CapAmb:\t0000000000000000");
        plan_free(p);
}

static void test_writable_root_and_layers(void) {
        char out[8192], path[600], layer2[300];
        struct stat st;
        int status;
        Plan *p = make_plan("echo new > /etc/new && cat /etc/new; rm /bin/true && echo removed; cat /etc/from-layer2");

        snprintf(layer2, sizeof(layer2), "%s/layer2", tmpdir);
        snprintf(path, sizeof(path), "%s/etc", layer2);
        if (mkdir(layer2, 0755) < 0 || mkdir(path, 0755) < 0)
                die(layer2);
        snprintf(path, sizeof(path), "%s/etc/from-layer2", layer2);
        write_file(path, "layer two\n", 0644);

        p->read_only = false;
        p->layers = realloc(p->layers, 2 * sizeof(PlanLayer));
        p->layers[1] = (PlanLayer) { LAYER_DIRECTORY, strdup(layer2) };
        p->n_layers = 2;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "new\nremoved\nlayer two\n");
        snprintf(path, sizeof(path), "%s/etc/new", image);
        CHECK(stat(path, &st) < 0);
        snprintf(path, sizeof(path), "%s/bin/true", image);
        CHECK(lstat(path, &st) >= 0);

        /* two layers, read-only: an overlay without upper */
        p->read_only = true;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "Read-only file system");
        CHECK_CONTAINS(out, "layer two\n");
        plan_free(p);
}

static void write_tarball(const char *path, const char *const *names, const char *const *contents, size_t n) {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();

        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
        if (archive_write_open_filename(a, path) != ARCHIVE_OK)
                die(path);
        for (size_t i = 0; i < n; i++) {
                archive_entry_clear(e);
                archive_entry_set_pathname(e, names[i]);
                if (contents[i]) {
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_perm(e, strstr(names[i], "suid") ? 04755 : 0644);
                        archive_entry_set_size(e, (la_int64_t) strlen(contents[i]));
                } else {
                        archive_entry_set_filetype(e, AE_IFCHR);
                        archive_entry_set_perm(e, 0666);
                        archive_entry_set_rdevmajor(e, 1);
                        archive_entry_set_rdevminor(e, 1);
                }
                archive_write_header(a, e);
                if (contents[i])
                        archive_write_data(a, contents[i], strlen(contents[i]));
        }
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
}

static void test_tarball(void) {
        static const char *const names[] = { "etc/from-tar", "bin/suid-thing", "dev-mem" };
        static const char *const contents[] = { "tar layer\n", "x", NULL };
        static const char *const evil_names[] = { "etc/ok", "../../../tmp/test-launch-escaped" };
        static const char *const evil_contents[] = { "ok", "escaped" };
        char out[8192], tar[512], evil[512];
        struct stat st;
        int status;
        Plan *p = make_plan("cat /etc/from-tar; ls -l /bin/suid-thing; ls /dev-mem 2>&1; true");

        snprintf(tar, sizeof(tar), "%s/layer.tar.gz", tmpdir);
        write_tarball(tar, names, contents, ELEMENTSOF(names));
        p->layers = realloc(p->layers, 2 * sizeof(PlanLayer));
        p->layers[1] = (PlanLayer) { LAYER_TARBALL, strdup(tar) };
        p->n_layers = 2;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "tar layer\n");
        CHECK_CONTAINS(out, "-rwxr-xr-x");     /* setuid bit dropped */
        CHECK_CONTAINS(out, "No such file");   /* no device node */
        /* second run: from the cache, via the stat memo */
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "tar layer\n");

        snprintf(evil, sizeof(evil), "%s/evil.tar.gz", tmpdir);
        write_tarball(evil, evil_names, evil_contents, ELEMENTSOF(evil_names));
        free(p->layers[1].path);
        p->layers[1].path = strdup(evil);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        CHECK(stat("/tmp/test-launch-escaped", &st) < 0);
        plan_free(p);
}

static void test_failures(void) {
        char out[8192];
        int status;
        Plan *p = make_plan("true");

        free(p->argv[0]);
        p->argv[0] = strdup("/bin/no-such-binary");
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_NOT_FOUND);

        free(p->argv[0]);
        p->argv[0] = strdup("/etc/not-executable");
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_CANNOT_EXECUTE);

        /* a bind target the read-only image lacks */
        free(p->argv[0]);
        p->argv[0] = strdup("/bin/sh");
        plan_add_mount(p, MOUNT_BIND, "/etc", "/no/such/target", NULL, true, true, false);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        plan_free(p);

        p = make_plan("true");
        free(p->layers[0].path);
        p->layers[0].path = strdup("/no/such/image");
        CHECK(run(p, out, sizeof(out), &status) < 0);
        plan_free(p);
}

static void test_namespaces(void) {
        char out[8192], host_net[64], want[128];
        ssize_t n;
        int status;
        Plan *p = make_plan("readlink /proc/self/ns/net; cat /proc/self/uid_map; echo me=$$; kill -SEGV $$");

        /* Network=host, no pid namespace: the service is the child itself,
         * and its death by signal is seen as such. */
        p->network = NETWORK_HOST;
        p->namespaces &= ~(NAMESPACE_MASK(NAMESPACE_NET) | NAMESPACE_MASK(NAMESPACE_PID));
        n = readlink("/proc/self/ns/net", host_net, sizeof(host_net) - 1);
        host_net[n > 0 ? n : 0] = '\0';
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 128 + SIGSEGV);
        snprintf(want, sizeof(want), "%s\n", host_net);
        CHECK_CONTAINS(out, want);
        CHECK(!strstr(out, "me=2\n"));
        plan_free(p);

        /* a user namespace: root inside is the plan's host range */
        p = make_plan("cat /proc/self/uid_map; id -u; echo w > /tmp/w && cat /tmp/w");
        p->namespaces |= NAMESPACE_MASK(NAMESPACE_USER);
        p->uid_map_base = 0x60000000;
        p->uid_map_count = 65536;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "1610612736");
        CHECK_CONTAINS(out, "\n0\nw\n");

        /* ... and with the host's network: sysfs cannot be mounted anew
         * then, the host's is shown read-only instead. */
        p->network = NETWORK_HOST;
        p->namespaces &= ~NAMESPACE_MASK(NAMESPACE_NET);
        free(p->argv[2]);
        p->argv[2] = strdup("ls /sys/class/net | grep -c .; touch /sys/x 2>&1; true");
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "Read-only file system");
        plan_free(p);
}

static void test_signals(void) {
        Snapshot before = snapshot();
        LaunchParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .state_dir = state };
        Plan *p = make_plan("exec sleep 100");
        siginfo_t si = {};
        Launched l;

        /* SIGTERM to our init reaches the service, init exits 128+15. */
        CHECK(launch_start(p, &params, &l) >= 0);
        CHECK(l.has_init);
        CHECK(syscall(SYS_pidfd_send_signal, l.pidfd, SIGTERM, NULL, 0) >= 0);
        CHECK(waitid((idtype_t) P_PIDFD, (id_t) l.pidfd, &si, WEXITED) >= 0);
        CHECK(si.si_code == CLD_EXITED && si.si_status == 128 + SIGTERM);
        close(l.pidfd);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

static void test_seccomp(void) {
        char out[8192];
        int status;
        Plan *p = make_plan("hostname foo 2>&1; echo done");

        /* default allow, sethostname refused with EPERM */
        p->seccomp_default_action = (SeccompAction) { SECCOMP_ACTION_ALLOW, 0 };
        p->syscalls = calloc(1, sizeof(PlanSyscall));
        p->syscalls[0] = (PlanSyscall) { strdup("sethostname"), { SECCOMP_ACTION_ERRNO, EPERM }, strdup("") };
        p->n_syscalls = 1;
        strv_extend(&p->seccomp_architectures, "native");
        p->no_new_privileges = false;   /* implied by the filter: no CAP_SYS_ADMIN */
        if (plan_compile_seccomp(p) < 0) {
                fprintf(stderr, "SKIP seccomp: cannot compile a filter\n");
                plan_free(p);
                return;
        }
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "Operation not permitted");
        CHECK_CONTAINS(out, "done");
        plan_free(p);
}

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void bench(void) {
        LaunchParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .state_dir = state };
        Plan *p = make_plan("");
        uint64_t total = 0;
        const int N = 50;

        strv_free(p->argv);
        p->argv = NULL;
        strv_extend(&p->argv, "/bin/true");
        for (int i = 0; i < N; i++) {
                siginfo_t si;
                Launched l;
                uint64_t t = now_nsec();

                if (launch_start(p, &params, &l) < 0) {
                        n_failed++;
                        break;
                }
                total += now_nsec() - t;
                waitid((idtype_t) P_PIDFD, (id_t) l.pidfd, &si, WEXITED);
                close(l.pidfd);
        }
        fprintf(stderr, "launch_start() to exec of /bin/true, mean of %d: %.2f ms\n", N, (double) total / N / 1e6);
        plan_free(p);
}

static void cleanup(void) {
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void) {
        if (geteuid() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        if (access("/bin/busybox", X_OK) < 0) {
                printf("SKIP: needs /bin/busybox (busybox-static)\n");
                return 77;
        }
        if (!mkdtemp(tmpdir))
                die("mkdtemp");
        chmod(tmpdir, 0755);
        make_image();

        test_identity();
        test_user_and_caps();
        test_writable_root_and_layers();
        test_tarball();
        test_failures();
        test_namespaces();
        test_signals();
        test_seccomp();
        bench();

        cleanup();
        if (n_failed > 0) {
                fprintf(stderr, "%d checks failed\n", n_failed);
                return EXIT_FAILURE;
        }
        fprintf(stderr, "all checks passed\n");
        return EXIT_SUCCESS;
}
