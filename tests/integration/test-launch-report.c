/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What sandboxd asks of the launcher for a service's outputs, against the
 * real kernel (root): init's exit status file (report_exit), and the
 * journald stream (journal_identifier, against a fake journald in a
 * private mount namespace, and the fallbacks). After every run: no new
 * mount on the host, no child process, no new fd. */

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-fixture.h"
#include "launch.h"
#include "plan.h"

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

int main(void) {
        int r;

        r = launch_fixture_setup();
        if (r != 0)
                return r;

        test_report_exit();
        test_journal();

        return launch_fixture_finish();
}
