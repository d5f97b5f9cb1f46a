/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* File descriptors of the child. It is a copy of the caller, so it holds
 * every fd the caller had, close-on-exec or not (a leaked directory fd of
 * the host is a way out of any root: CVE-2016-9962, CVE-2024-21626). The
 * first thing the child does is to keep only the service's stdio as 0, 1,
 * 2, the sync socket as 3, at most one more fd the launcher itself needs
 * as 4, sandbox-init's image as 5 and the read end of the service's output
 * pipe as 6 (all close-on-exec), and close everything else; the last thing before seccomp is to close everything
 * from 3 on but the sync socket again, for whatever the setup opened since.
 *
 * The one kept fd is either init's exit status file (report_exit) or, for
 * launch_exec(), the pidfd of the sandbox to join. sandbox-init's image is
 * a sealed memfd of a program of ours (init-exe.c). The output pipe's read
 * end is held by init and never read (LaunchParams.keep_output, init.c).
 * None of them reaches the service: they are closed before seccomp in the process that execs.
 *
 * Socket activation's listening sockets (LaunchParams.listen_fds) follow
 * at LAUNCH_INIT_LISTEN_FD and up: init holds them there (so a restarted
 * sandboxd can take them back), and the service gets them as 3, 4, ...
 * (fd_pass_listen(), the last step before seccomp), the one case where
 * the service inherits fds of the host. They are sockets the caller opened
 * for it, checked to be sockets by launch_start().
 *
 * The journald stdout stream is connected here too: it replaces 1 and 2. */

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "dlopen-systemd.h"
#include "launch-internal.h"

static int close_from(unsigned first) {
        if (syscall(SYS_close_range, first, ~0U, 0) < 0)
                return negative_errno();
        return 0;
}

/* Returns the sync socket's new fd number (LAUNCH_SYNC_FD); kept_fd,
 * init_fd and output_fd, if >= 0, are moved to LAUNCH_KEPT_FD,
 * LAUNCH_INIT_FD and LAUNCH_OUTPUT_FD, and the n_listen fds of listen to
 * LAUNCH_INIT_LISTEN_FD and up. A number whose fd is not given is left
 * closed. */
int fd_setup_stdio(int stdin_fd, int stdout_fd, int stderr_fd, int sync_fd, int kept_fd, int init_fd, int output_fd,
                   const int *listen, size_t n_listen, LaunchError *e) {
        const int above = LAUNCH_INIT_LISTEN_FD + (int) n_listen;
        int ltmp[LAUNCH_MAX_LISTEN_FDS];
        int src[7] = { stdin_fd, stdout_fd, stderr_fd, sync_fd, kept_fd, init_fd, output_fd }, tmp[7];
        int null_fd = -EBADF, r;

        /* A missing fd (-1, or a caller started with 1 closed) is /dev/null:
         * the service must not find 0, 1 or 2 free for its first open(). */
        for (size_t i = 0; i < 3; i++)
                if (src[i] < 0 || (fcntl(src[i], F_GETFD) < 0 && errno == EBADF)) {
                        if (null_fd < 0) {
                                null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
                                if (null_fd < 0)
                                        return launch_error(e, negative_errno(), "stdio", "open /dev/null for the service's stdio");
                        }
                        src[i] = null_fd;
                }

        /* Copies above the last fixed number first, so that moving one into
         * place cannot overwrite another that is still to be moved. */
        for (size_t i = 0; i < ELEMENTSOF(src); i++) {
                if (src[i] < 0) {
                        tmp[i] = -EBADF;
                        continue;
                }
                tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, above);
                if (tmp[i] < 0)
                        return launch_error(e, negative_errno(), "stdio", "duplicate fd %d", src[i]);
        }
        if (n_listen > LAUNCH_MAX_LISTEN_FDS)
                return launch_error(e, -E2BIG, "listen-fds", "pass %zu listening sockets", n_listen);
        for (size_t i = 0; i < n_listen; i++) {
                ltmp[i] = fcntl(listen[i], F_DUPFD_CLOEXEC, above);
                if (ltmp[i] < 0)
                        return launch_error(e, negative_errno(), "listen-fds", "duplicate listening socket %d", listen[i]);
        }
        for (int i = 0; i < 3; i++)
                if (dup3(tmp[i], i, 0) < 0)
                        return launch_error(e, negative_errno(), "stdio", "set up fd %d of the service", i);
        /* The rest stay close-on-exec: the service's execve drops them. */
        for (int i = LAUNCH_SYNC_FD; i <= LAUNCH_OUTPUT_FD; i++) {
                if (tmp[i] < 0)
                        (void) close(i);
                else if (dup3(tmp[i], i, O_CLOEXEC) < 0)
                        return launch_error(e, negative_errno(), "stdio", "move fd %d to fd %d", src[i], i);
        }

        for (size_t i = 0; i < n_listen; i++)
                if (dup3(ltmp[i], LAUNCH_INIT_LISTEN_FD + (int) i, O_CLOEXEC) < 0)
                        return launch_error(e, negative_errno(), "listen-fds", "move listening socket %d to fd %d",
                                            listen[i], LAUNCH_INIT_LISTEN_FD + (int) i);
        /* Nothing between the fixed numbers and the listening sockets. */
        for (int i = LAUNCH_OUTPUT_FD + 1; i < LAUNCH_INIT_LISTEN_FD; i++)
                (void) close(i);

        r = close_from((unsigned) above);
        if (r < 0)
                return launch_error(e, r, "close-fds", "close the launcher's file descriptors");
        return LAUNCH_SYNC_FD;
}

/* In the process that execs: everything but stdio and the sync socket
 * (which its execve closes), the kept fd and the output pipe's read end
 * included. With n_listen sockets at LAUNCH_INIT_LISTEN_FD and up, those
 * become 3, 4, ... (not close-on-exec), and the sync socket moves above
 * them: *sync_fd is its new number. */
int fd_pass_listen(size_t n_listen, int *sync_fd, LaunchError *e) {
        int s, r;

        if (n_listen == 0) {
                r = close_from(LAUNCH_KEPT_FD);
                if (r < 0)
                        return launch_error(e, r, "close-fds", "close the launcher's file descriptors");
                return 0;
        }

        /* Above everything that is still to move. */
        s = fcntl(*sync_fd, F_DUPFD_CLOEXEC, LAUNCH_INIT_LISTEN_FD + (int) n_listen);
        if (s < 0)
                return launch_error(e, negative_errno(), "listen-fds", "move the sync socket");
        (void) close(*sync_fd);
        *sync_fd = s;
        if (syscall(SYS_close_range, LAUNCH_SYNC_FD, LAUNCH_INIT_LISTEN_FD - 1, 0) < 0)
                return launch_error(e, negative_errno(), "close-fds", "close the launcher's file descriptors");
        /* Upwards: 3 + i is below 7 + i, and a source it overwrites
         * (7 + j, j < i) has been moved already. dup2 clears close-on-exec. */
        for (size_t i = 0; i < n_listen; i++)
                if (dup2(LAUNCH_INIT_LISTEN_FD + (int) i, LAUNCH_SYNC_FD + (int) i) < 0)
                        return launch_error(e, negative_errno(), "listen-fds", "pass listening socket %zu as fd %zu",
                                            i, LAUNCH_SYNC_FD + i);
        if ((unsigned) s > LAUNCH_SYNC_FD + n_listen &&
            syscall(SYS_close_range, LAUNCH_SYNC_FD + (unsigned) n_listen, (unsigned) s - 1, 0) < 0)
                return launch_error(e, negative_errno(), "close-fds", "close the launcher's file descriptors");
        r = close_from((unsigned) s + 1);
        if (r < 0)
                return launch_error(e, r, "close-fds", "close the launcher's file descriptors");
        return 0;
}

/* The stream is connected from the child once it is in the service's
 * cgroup: journald looks at the peer (SO_PEERCRED, then /proc/PID/cgroup)
 * to attribute the stream to a unit, so connected from here it is the
 * service's scope (_SYSTEMD_UNIT=sandbox-NAME.scope), not sandboxd's. It
 * is a path-based AF_UNIX socket, so a new network namespace does not stop
 * it, but it must come before the mounts hide the host's /run. One stream
 * for stdout and stderr, as systemd gives its services by default. */
int fd_connect_journal(const char *identifier, LaunchError *e) {
        int fd;

        fd = sd_journal_stream_fd(identifier, LOG_INFO, /* level_prefix= */ 1);
        /* No journald (a host without systemd, a container): the fds given
         * in the parameters, which sandboxd points at its log file. */
        if (fd == -ENOENT || fd == -ECONNREFUSED)
                return 0;
        if (fd < 0)
                return launch_error(e, fd, "journal", "connect a journald stream for %s", identifier);
        if (dup3(fd, STDOUT_FILENO, 0) < 0 || dup3(fd, STDERR_FILENO, 0) < 0) {
                int r = negative_errno();

                (void) close(fd);
                return launch_error(e, r, "journal", "make the journald stream stdout and stderr");
        }
        (void) close(fd);
        return 1;
}
