/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The launcher against the real kernel (root), with hand-built plans and
 * no cgroup: what the service sees from inside (capability sets, ids, pid
 * 1, mounts, writes to the root), the image layers (directories, overlay,
 * a tarball unpacked into a private state directory, hostile tarballs
 * refused), the failures (exit statuses 125/126/127 and one message), and
 * after every run: no new mount on the host, no child process, no new fd.
 * Then what sandboxd asks of the launcher: init's exit status file
 * (report_exit), the journald stream (journal_identifier, against a fake
 * journald in a private mount namespace, and the fallbacks), and
 * launch_exec() into a running sandbox, asserted from inside: the same
 * namespaces, root, cgroups and hostname as the service, the plan's
 * identity, capabilities, no_new_privs, seccomp, environment, only fds 0-2,
 * its own session (TIOCSTI into the caller's terminal fails).
 * Also prints the mean time of launch_start() for /bin/true. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "launch.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static char tmpdir[] = "/tmp/test-launch.XXXXXX";
static char image[256], state[256];
static bool have_probe;
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

        /* The static probe, built next to this test, for TIOCSTI. */
        {
                char self[512], probe[600];
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

                if (n > 0) {
                        self[n] = '\0';
                        snprintf(probe, sizeof(probe), "%s/sandbox-probe", dirname(self));
                        if (access(probe, X_OK) >= 0) {
                                snprintf(p, sizeof(p), "%s/bin/sandbox-probe", image);
                                copy_file(probe, p, 0755);
                                have_probe = true;
                        }
                }
        }
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

/* Except sandbox-init's image: the launcher keeps that one on purpose,
 * made at the first launch with a pid namespace (init-exe.c). */
static size_t count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        size_t n = 0;

        if (!d)
                die("/proc/self/fd");
        while ((de = readdir(d))) {
                char path[300], target[64];
                ssize_t k;

                snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
                k = readlink(path, target, sizeof(target) - 1);
                target[k > 0 ? k : 0] = '\0';
                n += !strstr(target, "/memfd:sandbox-init");
        }
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
                            "for i in 1 2 3 4 5 6 7 8 9 10; do c=$(cat /proc/1/comm); "
                            "[ $c = sandbox-init ] && break; sleep 0.05; done; "
                            "echo pid1=$c me=$$; ls /dev | tr '\\n' ' '; echo; "
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

/* launch_start() returns once the service has exec'd; its init execs
 * sandbox-init right after, without holding it up (init-exe.c). Wait for
 * that, up to 5 s; false if it never came. */
static bool wait_init_settled(pid_t pid) {
        for (int i = 0; i < 5000; i++) {
                char path[64], exe[128];
                ssize_t n;

                snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
                n = readlink(path, exe, sizeof(exe) - 1);
                exe[n > 0 ? n : 0] = '\0';
                if (strstr(exe, "/memfd:sandbox-init"))
                        return true;
                usleep(1000);
        }
        return false;
}

/* The init, seen from the host once it has settled: it runs
 * sandbox-init from a sealed memfd, with a few pages of its own rather than
 * a copy of this process, not dumpable (its /proc files belong to the
 * host's root even in a user namespace, whose root is 0x60000000 here),
 * and it still passes signals on. */
static void check_small_init(bool userns) {
        Snapshot before = snapshot();
        LaunchParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .state_dir = state };
        Plan *p = make_plan("exec sleep 100");
        char path[64], exe[128] = "", line[256];
        unsigned long anon = ULONG_MAX;
        siginfo_t si = {};
        struct stat st;
        Launched l;
        FILE *f;
        ssize_t n;

        if (userns) {
                p->namespaces |= NAMESPACE_MASK(NAMESPACE_USER);
                p->uid_map_base = 0x60000000;
                p->uid_map_count = 65536;
        }
        CHECK(launch_start(p, &params, &l) >= 0);
        CHECK(l.has_init);
        CHECK(wait_init_settled(l.pid));
        snprintf(path, sizeof(path), "/proc/%d/exe", (int) l.pid);
        n = readlink(path, exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        CHECK_CONTAINS(exe, "/memfd:sandbox-init");
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int) l.pid);
        f = fopen(path, "re");
        CHECK(f);
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "Anonymous: %lu kB", &anon) == 1)
                        break;
        if (f)
                fclose(f);
        if (anon > 128)
                fprintf(stderr, "init's anonymous memory: %lu KiB\n", anon);
        CHECK(anon <= 128);
        snprintf(path, sizeof(path), "/proc/%d/status", (int) l.pid);
        CHECK(stat(path, &st) >= 0 && st.st_uid == 0);
        CHECK(syscall(SYS_pidfd_send_signal, l.pidfd, SIGTERM, NULL, 0) >= 0);
        CHECK(waitid((idtype_t) P_PIDFD, (id_t) l.pidfd, &si, WEXITED) >= 0);
        CHECK(si.si_code == CLD_EXITED && si.si_status == 128 + SIGTERM);
        close(l.pidfd);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

static void test_small_init(void) {
        check_small_init(false);
        check_small_init(true);
}

/* Without sandbox-init (in a child: the image is loaded once per
 * process), init stays the launcher's fork and works the same. */
static void test_init_fallback(void) {
        pid_t pid;
        int st;

        pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                char out[4096];
                Plan *p = make_plan("echo pid1=$(cat /proc/1/comm); kill -TERM $$");
                int status;

                n_failed = 0;
                setenv("SANDBOXD_INIT_PATH", "/nonexistent/sandbox-init", 1);
                CHECK(run(p, out, sizeof(out), &status) >= 0);
                CHECK(status == 128 + SIGTERM);
                CHECK_CONTAINS(out, "pid1=sandbox-init\n");
                plan_free(p);
                _exit(n_failed > 0);
        }
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "test-launch.c:%d: FAIL: the fallback init (see above)\n", __LINE__);
                n_failed++;
        }
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

static char *read_text(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        buf[0] = '\0';
        if (fd < 0)
                return buf;
        n = read(fd, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
        return buf;
}

static size_t read_all(int fd, char *buf, size_t size) {
        size_t pos = 0;
        ssize_t n;

        while (pos + 1 < size && (n = read(fd, buf + pos, size - 1 - pos)) > 0)
                pos += (size_t) n;
        buf[pos] = '\0';
        return pos;
}

static int wait_status(int pidfd) {
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
                die("waitid");
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* ---- report_exit: init's exit status file ---- */

/* Start p with report_exit into a fresh file opened with open_flags, check
 * from the host that init keeps that file and nothing else, wait. Returns
 * the service's status (-1: launch_start failed), its output and what init
 * wrote into the file. */
static int run_reporting(const Plan *p, int open_flags, char *out, size_t size, char *file, size_t file_size) {
        Snapshot before = snapshot();
        LaunchParams params = { .state_dir = state, .report_exit = true };
        char path[512], fdpath[64], link[600], target[512];
        int pipe_fds[2], in_fds[2], status = -1, r;
        Launched l;

        snprintf(path, sizeof(path), "%s/exit", tmpdir);
        (void) unlink(path);
        params.exit_status_fd = open(path, open_flags | O_CREAT | O_CLOEXEC, 0600);
        if (params.exit_status_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) < 0 || pipe2(in_fds, O_CLOEXEC) < 0)
                die(path);
        params.stdout_fd = params.stderr_fd = pipe_fds[1];
        /* The service waits for EOF on stdin ("read x") until we looked. */
        params.stdin_fd = in_fds[0];
        r = launch_start(p, &params, &l);
        close(in_fds[0]);
        if (r >= 0) {
                if (l.has_init) {
                        DIR *d;
                        struct dirent *de;
                        int n_fds = 0;

                        CHECK(wait_init_settled(l.pid));
                        snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd", (int) l.pid);
                        d = opendir(fdpath);
                        CHECK(d);
                        while (d && (de = readdir(d))) {
                                ssize_t n;

                                if (de->d_name[0] == '.')
                                        continue;
                                n_fds++;
                                snprintf(link, sizeof(link), "%s/%s", fdpath, de->d_name);
                                n = readlink(link, target, sizeof(target) - 1);
                                target[n > 0 ? n : 0] = '\0';
                                CHECK(streq(target, path));
                        }
                        if (d)
                                closedir(d);
                        CHECK(n_fds == 1);
                }
                close(in_fds[1]);
                close(pipe_fds[1]);
                read_all(pipe_fds[0], out, size);
                status = wait_status(l.pidfd);
                close(l.pidfd);
        } else {
                close(in_fds[1]);
                close(pipe_fds[1]);
                read_all(pipe_fds[0], out, size);
        }
        close(pipe_fds[0]);
        close(params.exit_status_fd);
        read_text(path, file, file_size);
        check_nothing_left(before, __LINE__);
        return status;
}

static void test_report_exit(void) {
        char out[4096], file[64];
        Plan *p = make_plan("ls -l /proc/self/fd/; read x; exit 3");

        /* The service has 0, 1, 2 and nothing else (3 is ls's directory). */
        CHECK(run_reporting(p, O_WRONLY, out, sizeof(out), file, sizeof(file)) == 3);
        CHECK(streq(file, "exited 3\n"));
        CHECK(!strstr(out, "/exit"));
        CHECK(!strstr(out, " 4 -> "));
        CHECK_CONTAINS(out, " 0 -> pipe:");
        CHECK_CONTAINS(out, " 2 -> pipe:");

        free(p->argv[2]);
        p->argv[2] = strdup("read x; kill -TERM $$");
        CHECK(run_reporting(p, O_WRONLY, out, sizeof(out), file, sizeof(file)) == 128 + SIGTERM);
        CHECK(streq(file, "killed 15\n"));

        /* Only a write-only regular file is kept. */
        CHECK(run_reporting(p, O_RDWR, out, sizeof(out), file, sizeof(file)) == -1);
        CHECK(streq(file, ""));

        /* Without a pid namespace there is no init: ignored. */
        p->namespaces &= ~NAMESPACE_MASK(NAMESPACE_PID);
        free(p->argv[2]);
        p->argv[2] = strdup("ls -l /proc/self/fd/; read x; exit 4");
        CHECK(run_reporting(p, O_WRONLY, out, sizeof(out), file, sizeof(file)) == 4);
        CHECK(!strstr(out, "/exit"));
        CHECK(streq(file, ""));
        plan_free(p);
}

/* ---- journal_identifier ---- */

#define JOURNAL_STDOUT "/run/systemd/journal/stdout"
#define JOURNAL_HEADER "lt-journal\n\n6\n1\n0\n0\n0\n"

/* A socket at journald's path: listening (returned), or left behind with
 * nobody listening (ECONNREFUSED, returns -1). */
static int fake_journald(bool listening, mode_t mode) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_STDOUT };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        (void) unlink(JOURNAL_STDOUT);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(JOURNAL_STDOUT, mode) < 0)
                die("bind " JOURNAL_STDOUT);
        if (!listening) {
                close(fd);
                return -1;
        }
        if (listen(fd, 4) < 0)
                die("listen");
        return fd;
}

/* launch_start with journal_identifier, the given fds a pipe; with
 * lfd >= 0 the stream journald would get is accepted and read too. */
static int run_journal(const Plan *p, int lfd, char *out, size_t size, char *stream, size_t stream_size, int *ret_status) {
        Snapshot before = snapshot();
        LaunchParams params = { .stdin_fd = -1, .state_dir = state, .journal_identifier = "lt-journal" };
        int pipe_fds[2], r, status = -1;
        Launched l;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                die("pipe2");
        params.stdout_fd = params.stderr_fd = pipe_fds[1];
        params.reterr_exit_status = &status;
        r = launch_start(p, &params, &l);
        close(pipe_fds[1]);
        stream[0] = '\0';
        if (r >= 0 && lfd >= 0) {
                struct pollfd pfd = { .fd = lfd, .events = POLLIN };

                /* The child connected before it exec'd: it is queued. */
                CHECK(poll(&pfd, 1, 5000) == 1);
                if (pfd.revents & POLLIN) {
                        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                        CHECK(cfd >= 0);
                        read_all(cfd, stream, stream_size);
                        close(cfd);
                }
        }
        read_all(pipe_fds[0], out, size);
        close(pipe_fds[0]);
        if (r >= 0) {
                status = wait_status(l.pidfd);
                close(l.pidfd);
        }
        *ret_status = status;
        check_nothing_left(before, __LINE__);
        return r;
}

/* In a child of ours with its own mount namespace and a tmpfs on /run:
 * the fake journald hides a real one, and nothing of it shows on the host. */
static int journal_tests(void) {
        char out[4096], stream[4096];
        Plan *p = make_plan("echo to-stdout; echo to-stderr >&2");
        int status, lfd;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
            mkdir("/run/systemd", 0755) < 0 || mkdir("/run/systemd/journal", 0755) < 0)
                die("journal test setup");

        /* No journald (ENOENT): the fds given, silently. */
        CHECK(run_journal(p, -1, out, sizeof(out), stream, sizeof(stream), &status) >= 0);
        CHECK(status == 0);
        CHECK(streq(out, "to-stdout\nto-stderr\n"));

        /* A dead journald (ECONNREFUSED): the same. */
        fake_journald(false, 0666);
        CHECK(run_journal(p, -1, out, sizeof(out), stream, sizeof(stream), &status) >= 0);
        CHECK(status == 0);
        CHECK(streq(out, "to-stdout\nto-stderr\n"));

        /* journald: one stream for stdout and stderr, with the identifier,
         * and nothing on the fds given. */
        lfd = fake_journald(true, 0666);
        CHECK(run_journal(p, lfd, out, sizeof(out), stream, sizeof(stream), &status) >= 0);
        CHECK(status == 0);
        CHECK(streq(out, ""));
        CHECK(streq(stream, JOURNAL_HEADER "to-stdout\nto-stderr\n"));

        /* Also from a new user namespace, connected before any mount. */
        p->namespaces |= NAMESPACE_MASK(NAMESPACE_USER);
        p->uid_map_base = 0x60000000;
        p->uid_map_count = 65536;
        CHECK(run_journal(p, lfd, out, sizeof(out), stream, sizeof(stream), &status) >= 0);
        CHECK(streq(stream, JOURNAL_HEADER "to-stdout\nto-stderr\n"));
        close(lfd);

        /* Any other error fails the launch: a socket the child may not
         * write to (the user namespace's root is not the host's). */
        lfd = fake_journald(true, 0);
        CHECK(run_journal(p, lfd, out, sizeof(out), stream, sizeof(stream), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        close(lfd);

        plan_free(p);
        return n_failed;
}

static void test_journal(void) {
        pid_t pid;
        int st;

        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                n_failed = 0;
                _exit(journal_tests() == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
        }
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- launch_exec ---- */

static int start_sleeper(const Plan *p, Cgroup *cg, Launched *ret) {
        LaunchParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .state_dir = state, .cgroup = cg };

        return launch_start(p, &params, ret);
}

static size_t count_lines_of(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void stop_sandbox(Launched *l) {
        CHECK(syscall(SYS_pidfd_send_signal, l->pidfd, SIGKILL, NULL, 0) >= 0);
        (void) wait_status(l->pidfd);
        close(l->pidfd);
}

/* launch_exec with our stdout and stderr (launch_exec's own messages
 * included) in a file; returns launch_exec's result. */
static int exec_capture(const Plan *p, const Launched *l, char **argv, char *out, size_t size, int *ret_status) {
        char path[512];
        int fd, saved_out, saved_err, r;

        snprintf(path, sizeof(path), "%s/exec-out", tmpdir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                die(path);
        fflush(stdout);
        fflush(stderr);
        saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
        saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
        if (saved_out < 0 || saved_err < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                die("dup2");
        *ret_status = -1;
        r = launch_exec(p, l->pid, l->pidfd, argv, ret_status);
        fflush(stderr);
        if (dup2(saved_out, STDOUT_FILENO) < 0 || dup2(saved_err, STDERR_FILENO) < 0)
                die("dup2");
        close(saved_out);
        close(saved_err);
        close(fd);
        read_text(path, out, size);
        if (getenv("TEST_LAUNCH_VERBOSE"))
                fprintf(stderr, "--- launch_exec(%s ...) = %d, status %d:\n%s---\n", argv[0], r, *ret_status, out);
        return r;
}

#define EXEC_SCRIPT                                                                                     \
        "echo host=$(hostname); "                                                                       \
        "for n in mnt pid net uts ipc cgroup; do "                                                      \
        "  [ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/2/ns/$n)\" ] && echo same-$n; "      \
        "done; "                                                                                        \
        "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/2/cgroup)\" ] && echo same-cgroups; "           \
        "[ \"$(stat -c %d:%i /)\" = \"$(stat -L -c %d:%i /proc/2/root)\" ] && echo same-root; "         \
        "grep -E '^(Uid|Gid|Groups|Cap...|NoNewPrivs|Seccomp):' /proc/self/status; "                    \
        "echo cwd=$(pwd) comm2=$(cat /proc/2/comm) comm1=$(cat /proc/1/comm); "                         \
        "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" ] && echo session-leader; "                      \
        "(echo x > /dev/tty) 2>/dev/null || echo no-tty; "                                              \
        "mkdir /tmp/made 2>&1; touch /tmp/touched && echo touched; "                                    \
        "env | sort | tr '\\n' ' '; echo; "                                                             \
        "exit 7"

static void test_exec_main(void) {
        char out[16384], procs[600], buf[4096];
        char *script[] = { (char *) "sh", (char *) "-c", (char *) EXEC_SCRIPT, NULL };
        char *fds[] = { (char *) "sandbox-probe", (char *) "fds", NULL };
        char *missing[] = { (char *) "no-such-command", NULL };
        char *not_exec[] = { (char *) "/etc/not-executable", NULL };
        char *comms[] = { (char *) "/bin/sh", (char *) "-c", (char *) "n=0; for f in /proc/[0-9]*/comm; do read c < $f; "
                          "echo \"comm=$c\"; n=$((n + 1)); done; echo n=$n", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("");
        Cgroup *cg = NULL;
        int status, r;
        Launched l;

        strv_free(p->argv);
        p->argv = NULL;
        strv_extend(&p->argv, "/bin/sleep");
        strv_extend(&p->argv, "1000");
        strv_extend(&p->environment, "FOO=bar");
        free(p->working_directory);
        p->working_directory = strdup("/tmp");
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_TMPFS) {
                        free(p->mounts[i].options);
                        p->mounts[i].options = strdup("mode=1777,size=1m");
                }
        p->uid = 33;
        p->gid = 33;
        p->supplementary_gids = calloc(1, sizeof(gid_t));
        p->supplementary_gids[0] = 4;
        p->n_supplementary_gids = 1;
        p->cap_bounding = (1 << 10) | (1 << 0);
        p->cap_ambient = p->cap_inheritable = p->cap_permitted = p->cap_effective = 1 << 10;
        p->tasks_max = 64;      /* a controller: the v1 pids hierarchy on a hybrid host */
        p->seccomp_default_action = (SeccompAction) { SECCOMP_ACTION_ALLOW, 0 };
        p->syscalls = calloc(2, sizeof(PlanSyscall));
        p->syscalls[0] = (PlanSyscall) { strdup("mkdir"), { SECCOMP_ACTION_ERRNO, EXDEV }, strdup("") };
        p->syscalls[1] = (PlanSyscall) { strdup("mkdirat"), { SECCOMP_ACTION_ERRNO, EXDEV }, strdup("") };
        p->n_syscalls = 2;
        strv_extend(&p->seccomp_architectures, "native");
        CHECK(plan_compile_seccomp(p) >= 0);

        r = cgroup_create(&cgroup_driver_cgroupfs, p, &cg);
        if (r < 0) {
                fprintf(stderr, "SKIP exec into a cgroup: cannot create one here (%s); the test's own is shared\n", strerror(-r));
                cg = NULL;
        }
        CHECK(start_sleeper(p, cg, &l) >= 0);
        setenv("LEAKED_FROM_CALLER", "1", 1);

        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 7);
        CHECK_CONTAINS(out, "host=lt\n");
        CHECK_CONTAINS(out, "same-mnt\nsame-pid\nsame-net\nsame-uts\nsame-ipc\nsame-cgroup\n");
        CHECK_CONTAINS(out, "same-cgroups\n");
        CHECK_CONTAINS(out, "same-root\n");
        CHECK_CONTAINS(out, "Uid:\t33\t33\t33\t33\n");
        CHECK_CONTAINS(out, "Gid:\t33\t33\t33\t33\n");
        CHECK_CONTAINS(out, "Groups:\t4");
        CHECK_CONTAINS(out, "CapInh:\t0000000000000400");
        CHECK_CONTAINS(out, "CapPrm:\t0000000000000400");
        CHECK_CONTAINS(out, "CapEff:\t0000000000000400");
        CHECK_CONTAINS(out, "CapBnd:\t0000000000000401");
        CHECK_CONTAINS(out, "CapAmb:\t0000000000000400");
        CHECK_CONTAINS(out, "NoNewPrivs:\t1");
        CHECK_CONTAINS(out, "Seccomp:\t2");
        CHECK_CONTAINS(out, "cwd=/tmp comm2=sleep comm1=sandbox-init\n");
        CHECK_CONTAINS(out, "session-leader\n");
        CHECK_CONTAINS(out, "no-tty\n");
        CHECK_CONTAINS(out, "Invalid cross-device link");     /* mkdir: the filter's errno */
        CHECK_CONTAINS(out, "touched\n");
        CHECK_CONTAINS(out, "FOO=bar PATH=/bin ");
        CHECK(!strstr(out, "LEAKED_FROM_CALLER"));

        if (have_probe) {
                CHECK(exec_capture(p, &l, fds, out, sizeof(out), &status) >= 0);
                CHECK(status == 0);
                CHECK_CONTAINS(out, "fds=0 1 2\n");
        } else
                fprintf(stderr, "SKIP exec fds: no sandbox-probe next to this test\n");

        /* A pidfd that is not the pid's: refused before anything starts. */
        {
                Launched wrong = l;

                wrong.pid = l.pid + 1;
                CHECK(exec_capture(p, &wrong, script, out, sizeof(out), &status) == -EINVAL);
                CHECK_CONTAINS(out, "is of pid");
        }

        /* Failures before exec: reported, with the shells' statuses. */
        CHECK(exec_capture(p, &l, missing, out, sizeof(out), &status) >= 0);
        CHECK(status == LAUNCH_EXIT_NOT_FOUND);
        CHECK_CONTAINS(out, "Command no-such-command not found in PATH=/bin in the sandbox");
        CHECK(exec_capture(p, &l, not_exec, out, sizeof(out), &status) >= 0);
        CHECK(status == LAUNCH_EXIT_CANNOT_EXECUTE);

        /* Nothing of the commands is left in the sandbox or its cgroup. */
        CHECK(exec_capture(p, &l, comms, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "comm=sandbox-init\n");
        CHECK_CONTAINS(out, "comm=sleep\n");
        CHECK_CONTAINS(out, "comm=sh\n");
        CHECK_CONTAINS(out, "n=3\n");
        if (cg && cg->v2_path) {
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->v2_path);
                read_text(procs, buf, sizeof(buf));
                CHECK(count_lines_of(buf) == 2);        /* init and the service */
        }

        unsetenv("LEAKED_FROM_CALLER");
        CHECK(syscall(SYS_pidfd_send_signal, l.pidfd, SIGKILL, NULL, 0) >= 0);
        (void) wait_status(l.pidfd);
        /* Gone: said so, nothing started. */
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) == -ESRCH);
        CHECK_CONTAINS(out, "is not running");
        close(l.pidfd);
        if (cg) {
                CHECK(cgroup_destroy(cg) >= 0);
                cgroup_free(cg);
        }
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* Without a pid namespace (the service itself is the target, no relay),
 * and with a user namespace (setns joins it first). */
static void test_exec_namespaces(void) {
        char out[8192], want[128], link[64];
        char *script[] = { (char *) "/bin/sh", (char *) "-c",
                           (char *) "readlink /proc/self/ns/mnt; echo host=$(hostname) uid=$(id -u); "
                                    "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; kill -USR1 $$", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("");
        int status;
        ssize_t n;
        Launched l;

        strv_free(p->argv);
        p->argv = NULL;
        strv_extend(&p->argv, "/bin/sleep");
        strv_extend(&p->argv, "1000");
        p->namespaces &= ~NAMESPACE_MASK(NAMESPACE_PID);
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        CHECK(!l.has_init);
        snprintf(link, sizeof(link), "/proc/%d/ns/mnt", (int) l.pid);
        n = readlink(link, want, sizeof(want) - 2);
        want[n > 0 ? n : 0] = '\0';
        strcat(want, "\n");
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 128 + SIGUSR1);
        CHECK_CONTAINS(out, want);
        CHECK_CONTAINS(out, "host=lt uid=0\n");
        CHECK_CONTAINS(out, "NoNewPrivs:\t1");
        stop_sandbox(&l);

        p->namespaces |= NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_USER);
        p->uid_map_base = 0x60000000;
        p->uid_map_count = 65536;
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        script[2] = (char *) "cat /proc/self/uid_map; echo uid=$(id -u) me=$$; touch /tmp/x && echo tmp-ok";
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "1610612736");
        CHECK_CONTAINS(out, "uid=0 me=3\n");
        CHECK_CONTAINS(out, "tmp-ok\n");
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* The caller's terminal: the command is in a session of its own, so it
 * cannot push input into it (TIOCSTI on its stdin, the caller's tty). The
 * plan has no seccomp filter here, which would refuse TIOCSTI anyway. */
static void test_exec_tty(void) {
        char out[4096];
        char *probe[] = { (char *) "sandbox-probe", (char *) "escape", (char *) "--tty-stdin",
                          (char *) "--only", (char *) "tiocsti-stdin", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("exec sleep 1000");
        int st = 0, status;
        Launched l;
        pid_t pid;

        if (!have_probe) {
                fprintf(stderr, "SKIP exec tty: no sandbox-probe next to this test\n");
                plan_free(p);
                return;
        }
        p->uid = p->gid = 33;
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid == 0) {
                /* A controlling terminal of our own, as the caller's stdin. */
                int m, s;
                char *name;

                if (setsid() < 0 || (m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(m) < 0 ||
                    unlockpt(m) < 0 || !(name = ptsname(m)) || (s = open(name, O_RDWR)) < 0 ||
                    ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, STDIN_FILENO) < 0)
                        _exit(2);
                if (exec_capture(p, &l, probe, out, sizeof(out), &status) < 0 || status != 0)
                        _exit(3);
                if (!strstr(out, "test tiocsti-stdin: blocked")) {
                        fprintf(stderr, "%s", out);
                        _exit(4);
                }
                _exit(0);
        }
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* SIGTERM to the caller reaches the command (through the relay of the pid
 * namespace), which dies of it: 128+15, and the caller lives on. */
static void test_exec_signals(void) {
        char out[4096], ready[128];
        char *script[] = { (char *) "/bin/sh", (char *) "-c", (char *) "touch /tmp/ready; exec sleep 100", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("exec sleep 1000");
        sigset_t pending;
        int status, st;
        Launched l;
        pid_t killer;

        CHECK(start_sleeper(p, NULL, &l) >= 0);
        snprintf(ready, sizeof(ready), "/proc/%d/root/tmp/ready", (int) l.pid);
        fflush(stdout);
        fflush(stderr);
        killer = fork();
        if (killer == 0) {
                for (int i = 0; i < 200 && access(ready, F_OK) < 0; i++)
                        usleep(50 * 1000);
                usleep(50 * 1000);      /* from the shell's touch to its exec of sleep */
                kill(getppid(), SIGTERM);
                _exit(0);
        }
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 128 + SIGTERM);
        CHECK(waitpid(killer, &st, 0) == killer);
        CHECK(sigpending(&pending) >= 0 && !sigismember(&pending, SIGTERM));
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
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

        /* First: it needs a process that has not loaded sandbox-init yet. */
        test_init_fallback();
        test_identity();
        test_user_and_caps();
        test_writable_root_and_layers();
        test_tarball();
        test_failures();
        test_namespaces();
        test_signals();
        test_small_init();
        test_seccomp();
        test_report_exit();
        test_journal();
        test_exec_main();
        test_exec_namespaces();
        test_exec_tty();
        test_exec_signals();
        bench();

        cleanup();
        if (n_failed > 0) {
                fprintf(stderr, "%d checks failed\n", n_failed);
                return EXIT_FAILURE;
        }
        fprintf(stderr, "all checks passed\n");
        return EXIT_SUCCESS;
}
