/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* See launch-fixture.h. */

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host-path.h"
#include "launch-fixture.h"
#include "launch.h"
#include "plan.h"
#include "strv.h"

char tmpdir[] = "/tmp/test-launch.XXXXXX";
char image[256], state[256];
char last_message[1024];
int n_failed;

void die(const char *what) {
        perror(what);
        exit(EXIT_FAILURE);
}

void write_file(const char *path, const char *text, mode_t mode) {
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
        static const char *const applets[] = { "sh", "cat", "grep", "hostname", "id", "ls", "echo", "sleep", "true", "touch", "readlink",
                                               "tty", "stty", "stat", "cut" };
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

        /* The static probe, built next to this test (meson: a dependency of
         * the test), for TIOCSTI and the fds check. Missing, the test fails:
         * it is part of this build, not of the machine. */
        {
                char self[512], probe[600];
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

                if (n <= 0)
                        die("readlink /proc/self/exe");
                self[n] = '\0';
                snprintf(probe, sizeof(probe), "%s/sandbox-probe", dirname(self));
                if (access(probe, X_OK) < 0)
                        die(probe);
                snprintf(p, sizeof(p), "%s/bin/sandbox-probe", image);
                copy_file(probe, p, 0755);
        }
}

PlanLayer pinned_layer(LayerType type, const char *path) {
        PlanLayer l = { .type = type, .path = strdup(path) };

        if (!l.path || host_path_pin(path, &l.id, NULL) < 0)
                die(path);
        return l;
}

void pin_binds(Plan *p) {
        for (size_t i = 0; i < p->n_mounts; i++) {
                PlanMount *m = &p->mounts[i];
                int r;

                if (m->type != MOUNT_BIND)
                        continue;
                r = host_path_pin(m->source, &m->source_id, NULL);
                if (r == -ENOENT && m->ignore_missing)
                        m->source_missing = true;
                else if (r < 0)
                        die(m->source);
        }
}

Plan *make_plan(const char *script) {
        static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sysrq-trigger", "/sys/firmware" };
        static const char *const ro[] = { "/proc/sys", "/proc/bus", "/proc/irq" };
        Plan *p = plan_new();

        if (!p)
                die("plan_new");
        p->name = strdup("launchtest");
        p->namespaces = NAMESPACE_MASK_DEFAULT;
        p->uid_map_count = 65536;
        /* The allocator's registry of this test run, not the host's. */
        CHECK(launch_acquire_id_range(p, state) >= 0);
        p->hostname = strdup("lt");
        p->layers = calloc(1, sizeof(PlanLayer));
        p->layers[0] = pinned_layer(LAYER_DIRECTORY, image);
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

Snapshot snapshot(void) {
        return (Snapshot) { count_lines("/proc/self/mountinfo"), count_fds() };
}

void check_nothing_left_at(Snapshot before, const char *file, int line) {
        Snapshot after = snapshot();

        if (after.mounts != before.mounts || after.fds != before.fds || waitpid(-1, NULL, WNOHANG) != -1) {
                fprintf(stderr, "%s:%d: FAIL: left behind: mounts %zu -> %zu, fds %zu -> %zu, or a child\n",
                        file, line, before.mounts, after.mounts, before.fds, after.fds);
                n_failed++;
        }
}

int run(const Plan *p, char *out, size_t size, int *ret_status) {
        Snapshot before = snapshot();
        int pipe_fds[2], r, status = -1;
        char *message = NULL;
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
                .reterr_message = &message,
        };
        r = launch_start(p, &params, &l);
        snprintf(last_message, sizeof(last_message), "%s", message ?: "");
        free(message);
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

bool wait_init_settled(pid_t pid) {
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

char *read_text(const char *path, char *buf, size_t size) {
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

size_t read_all(int fd, char *buf, size_t size) {
        size_t pos = 0;
        ssize_t n;

        while (pos + 1 < size && (n = read(fd, buf + pos, size - 1 - pos)) > 0)
                pos += (size_t) n;
        buf[pos] = '\0';
        return pos;
}

int wait_status(int pidfd) {
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
                die("waitid");
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

static void cleanup(void) {
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
}

int launch_fixture_setup(void) {
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
        return 0;
}

int launch_fixture_finish(void) {
        cleanup();
        if (n_failed > 0) {
                fprintf(stderr, "%d checks failed\n", n_failed);
                return EXIT_FAILURE;
        }
        fprintf(stderr, "all checks passed\n");
        return EXIT_SUCCESS;
}
