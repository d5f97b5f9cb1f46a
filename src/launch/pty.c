/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A terminal of the sandbox's own, for a service (LaunchParams.tty) or a
 * command run in it (LaunchExecParams.tty): the caller's terminal never
 * enters the sandbox, where any process of the same uid could reopen it
 * through /proc/PID/fd and keep it (read what the operator types, fake a
 * password prompt, change its modes).
 *
 * The pair is made by the process that is about to become the service or
 * the command, once it is in the sandbox's mount namespace and root, from
 * the ptmx of the sandbox's own devpts instance (dev.c mounts it with
 * newinstance): the pty belongs to that instance, so it is numbered, seen
 * and limited there, never in the host's /dev/pts. Then:
 *
 * - it is opened as the plan's user, after the uid change, so that the
 *   slave is the user's (devpts gives it the opener's ids), as it would be
 *   for a login; in a user namespace the launcher's own ids are not even
 *   mapped, and a pty made by them could not be given away;
 * - the slave is opened with TIOCGPTPEER, from the master, not by a path
 *   the sandbox could have changed;
 * - the master goes to the launcher over the sync socket (SCM_RIGHTS),
 *   before the execve, and the launcher hands it to its caller, which
 *   relays between it and its own terminal;
 * - the slave becomes 0, 1 and 2 and the controlling terminal of the
 *   process, which is a session leader: the terminal's ^C and ^Z (bytes
 *   through the pty) signal the foreground process group inside.
 *
 * The window size is set on the slave before the execve, so the first
 * thing the program asks for is already right. */

#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "launch-internal.h"
#include "plan.h"


static const char *devpts_of(const Plan *p) {
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_DEVPTS)
                        return p->mounts[i].target;
        return NULL;
}

static int open_ptmx(const char *devpts, int *ret) {
        struct open_how how = {
                .flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK,
                /* The sandbox may have put a symlink where a mount point
                 * was (a writable /dev/pts directory under a bind). */
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        char path[PATH_MAX];
        struct statfs sfs;
        struct stat st;
        int fd;

        if ((size_t) snprintf(path, sizeof(path), "%s/ptmx", devpts) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        /* A devpts instance's own ptmx, nothing else the sandbox made. */
        if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0) {
                int r = negative_errno();

                (void) close(fd);
                return r;
        }
        if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
                (void) close(fd);
                return -ENOTTY;
        }
        /* Blocking again: the caller decides how it reads. */
        if (fcntl(fd, F_SETFL, O_RDWR) < 0) {
                int r = negative_errno();

                (void) close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

/* Room for the one fd a message on the sync socket carries. */
typedef union OneFdControl {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
} OneFdControl;

static struct msghdr one_fd_msghdr(struct iovec *iov, OneFdControl *control) {
        return (struct msghdr) {
                .msg_iov = iov,
                .msg_iovlen = 1,
                .msg_control = control->buf,
                .msg_controllen = sizeof(control->buf),
        };
}

static int send_master(int sync_fd, int master) {
        char byte = PTY_MESSAGE;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        OneFdControl control = {};
        struct msghdr mh = one_fd_msghdr(&iov, &control);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
        if (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0)
                return negative_errno();
        return 0;
}

int pty_setup_child(const Plan *p, int sync_fd, unsigned short rows, unsigned short cols, LaunchError *e) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        const char *devpts = devpts_of(p);
        int r;

        if (!devpts)
                return launch_error_sentence(e, -ENOENT, "tty", "The plan of %s mounts no devpts, so a terminal "
                                             "cannot be made inside the sandbox", strna(p->name));
        r = open_ptmx(devpts, &master);
        if (r == -ENOTTY)
                return launch_error_sentence(e, r, "tty", "%s/ptmx in the sandbox is not the ptmx of a devpts "
                                             "instance", devpts);
        if (r < 0)
                return launch_error(e, r, "tty", "open %s/ptmx in the sandbox", devpts);
        if (ioctl(master, TIOCSPTLCK, &(int) { 0 }) < 0)
                return launch_error(e, negative_errno(), "tty", "unlock the new pseudo-terminal");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return launch_error(e, negative_errno(), "tty", "open the new pseudo-terminal's slave");
        if (rows > 0 && cols > 0 &&
            ioctl(slave, TIOCSWINSZ, &(struct winsize) { .ws_row = rows, .ws_col = cols }) < 0)
                return launch_error(e, negative_errno(), "tty", "set the window size of the pseudo-terminal");

        r = send_master(sync_fd, master);
        if (r < 0)
                return launch_error(e, r, "tty", "pass the pseudo-terminal to the launcher");
        master = safe_close(master);

        /* A session leader without a terminal takes the first it asks for. */
        if (getsid(0) != getpid() && setsid() < 0)
                return launch_error(e, negative_errno(), "tty", "start a new session");
        for (int i = 0; i < 3; i++)
                if (dup3(slave, i, 0) < 0)
                        return launch_error(e, negative_errno(), "tty", "make the pseudo-terminal fd %d", i);
        if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
                return launch_error(e, negative_errno(), "tty", "make the pseudo-terminal the controlling terminal");
        return 0;
}

/* SYNC 2 with a terminal: the master may come first, then the EOF or the
 * LaunchError as ever. */
ssize_t pty_recv_sync(int sock, LaunchError *e, int *pty_master) {
        for (;;) {
                struct iovec iov = { .iov_base = e, .iov_len = sizeof(*e) };
                OneFdControl control = {};
                struct msghdr mh = one_fd_msghdr(&iov, &control);
                int fd = -EBADF;
                ssize_t n;

                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                            c->cmsg_len == CMSG_LEN(sizeof(int)))
                                memcpy(&fd, CMSG_DATA(c), sizeof(int));
                if (n != 1 || *(const char *) e != PTY_MESSAGE) {
                        safe_close(fd);
                        return n;
                }
                /* Only one is ever sent, and only when it was asked for. */
                if (!pty_master || *pty_master >= 0 || fd < 0) {
                        safe_close(fd);
                        errno = EBADMSG;
                        return -1;
                }
                *pty_master = fd;
        }
}
