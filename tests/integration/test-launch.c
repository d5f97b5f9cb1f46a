/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The launcher against the real kernel (root), with hand-built plans and
 * no cgroup: what the service sees from inside (capability sets, ids, pid
 * 1, mounts, writes to the root), the image layers (directories, overlay,
 * a tarball unpacked into a private state directory, hostile tarballs
 * refused), the failures (exit statuses 125/126/127 and one message), and
 * after every run: no new mount on the host, no child process, no new fd.
 * What sandboxd asks of the launcher besides is in test-launch-report.c
 * (init's exit status file, the journald stream) and test-launch-exec.c
 * (launch_exec() into a running sandbox).
 * Also prints the mean time of launch_start() for /bin/true. */

#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch-fixture.h"
#include "launch.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"

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
        p->rlimits[RLIMIT_NOFILE] = (ResourceLimit) { true, 123, 456 };
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
        p->layers[1] = pinned_layer(LAYER_DIRECTORY, layer2);
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
        p->layers[1] = pinned_layer(LAYER_TARBALL, tar);
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
        p->layers[1] = pinned_layer(LAYER_TARBALL, evil);
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
        pin_binds(p);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        plan_free(p);

        p = make_plan("true");
        free(p->layers[0].path);
        p->layers[0].path = strdup("/no/such/image");
        CHECK(run(p, out, sizeof(out), &status) < 0);
        plan_free(p);
}

/* A service that owns the directory of a bind source swaps what is below
 * it between the compile and a (re)start: the launcher must refuse what
 * it finds, not mount it, and leave nothing behind (run() checks that). */
static void test_swapped_sources(void) {
        static const char *const layer_dirs[] = { "etc", "proc", "sys", "dev", "tmp", "var", "var/empty" };
        char out[8192], app[256], config[512], old[512], secret[512], path[600], layer[512], maybe[512];
        int status;
        Plan *p = make_plan("cat /var/empty/inside /var/empty/marker 2>&1; ls /tmp/maybe 2>&1; true");

        snprintf(app, sizeof(app), "%s/swap-app", tmpdir);
        snprintf(config, sizeof(config), "%s/config", app);
        snprintf(old, sizeof(old), "%s/config.old", app);
        snprintf(secret, sizeof(secret), "%s/swap-secret", tmpdir);
        snprintf(maybe, sizeof(maybe), "%s/maybe", app);
        if (mkdir(app, 0755) < 0 || mkdir(config, 0755) < 0 || mkdir(secret, 0755) < 0)
                die(app);
        snprintf(path, sizeof(path), "%s/inside", config);
        write_file(path, "pinned source\n", 0644);
        snprintf(path, sizeof(path), "%s/marker", secret);
        write_file(path, "host secret\n", 0644);

        /* The root gets a tmpfs at /tmp for the "-" source's target. */
        plan_add_mount(p, MOUNT_BIND, config, "/var/empty", NULL, true, true, false);
        plan_add_mount(p, MOUNT_BIND, maybe, "/tmp/maybe", NULL, true, true, true);
        pin_binds(p);
        CHECK(p->mounts[p->n_mounts - 1].source_missing);
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "pinned source\n");
        CHECK_CONTAINS(out, "/tmp/maybe: No such file");

        /* a symlink to a host directory in its place */
        if (rename(config, old) < 0 || symlink(secret, config) < 0)
                die(config);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        CHECK(!strstr(out, "host secret"));
        CHECK_CONTAINS(last_message, "BindReadOnlyPaths= source ");
        CHECK_CONTAINS(last_message, "/swap-app/config changed since the unit was compiled (a symlink is on its path now); "
                                     "refusing (step mount-bind).");

        /* a symlink further up: the source's own name is still a directory */
        if (unlink(config) < 0 || rename(old, config) < 0)
                die(config);
        snprintf(path, sizeof(path), "%s/swap-app.real", tmpdir);
        if (rename(app, path) < 0 || symlink(path, app) < 0)
                die(app);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK_CONTAINS(last_message, "(a symlink is on its path now); refusing");
        if (unlink(app) < 0 || rename(path, app) < 0)
                die(app);

        /* another directory under the same name */
        if (rename(config, old) < 0 || mkdir(config, 0755) < 0)
                die(config);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        CHECK_CONTAINS(last_message, "changed since the unit was compiled (was inode ");
        CHECK_CONTAINS(last_message, "); refusing (step mount-bind).");

        /* the pinned directory back: it runs again */
        if (rmdir(config) < 0 || rename(old, config) < 0)
                die(config);
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "pinned source\n");

        /* a "-" source that was missing when compiled and is there now */
        if (symlink(secret, maybe) < 0)
                die(maybe);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK_CONTAINS(last_message, "/swap-app/maybe changed since the unit was compiled (a symlink is on its path now)");
        if (unlink(maybe) < 0 || mkdir(maybe, 0755) < 0)
                die(maybe);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK_CONTAINS(last_message, "/swap-app/maybe changed since the unit was compiled (was missing, now inode ");
        if (rmdir(maybe) < 0)
                die(maybe);

        /* a plan that records nothing (an older compiler's) */
        p->mounts[p->n_mounts - 2].source_id = (PlanFileId) {};
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK_CONTAINS(last_message, "The plan records no inode for BindReadOnlyPaths= source ");
        plan_free(p);

        /* an image layer: refused by the parent, before any child */
        p = make_plan("cat /etc/layer 2>&1; true");
        snprintf(layer, sizeof(layer), "%s/swap-layer", tmpdir);
        if (mkdir(layer, 0755) < 0)
                die(layer);
        for (size_t i = 0; i < ELEMENTSOF(layer_dirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", layer, layer_dirs[i]);
                if (mkdir(path, 0755) < 0)
                        die(path);
        }
        snprintf(path, sizeof(path), "%s/etc/layer", layer);
        write_file(path, "upper layer\n", 0644);
        p->layers = realloc(p->layers, 2 * sizeof(PlanLayer));
        p->layers[1] = pinned_layer(LAYER_DIRECTORY, layer);
        p->n_layers = 2;
        CHECK(run(p, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "upper layer\n");
        snprintf(path, sizeof(path), "%s/swap-layer.old", tmpdir);
        if (rename(layer, path) < 0 || symlink(secret, layer) < 0)
                die(layer);
        CHECK(run(p, out, sizeof(out), &status) < 0);
        CHECK(status == LAUNCH_EXIT_SETUP);
        /* the single read-only layer, mounted from a checked fd in the child */
        free(p->layers[0].path);
        p->layers[0] = p->layers[1];
        p->n_layers = 1;
        CHECK(run(p, out, sizeof(out), &status) < 0);
        if (unlink(layer) < 0 || rename(path, layer) < 0)
                die(layer);
        CHECK(run(p, out, sizeof(out), &status) < 0); /* that layer has no /bin/sh: it got that far */
        CHECK(status == LAUNCH_EXIT_NOT_FOUND);
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
                fprintf(stderr, "%s:%d: FAIL: the fallback init (see above)\n", __FILE__, __LINE__);
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

int main(void) {
        int r;

        r = launch_fixture_setup();
        if (r != 0)
                return r;

        /* First: it needs a process that has not loaded sandbox-init yet. */
        test_init_fallback();
        test_identity();
        test_user_and_caps();
        test_writable_root_and_layers();
        test_tarball();
        test_failures();
        test_swapped_sources();
        test_namespaces();
        test_signals();
        test_small_init();
        test_seccomp();
        bench();

        return launch_fixture_finish();
}
