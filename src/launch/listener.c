/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The seccomp listener of the service's filter: made by the service, taken
 * by the launcher, held by init (LaunchParams.seccomp_notify).
 *
 * The listener comes into being in the service, with the filter, as its
 * last step before execve, and is close-on-exec: it has to leave the
 * service between the two. init cannot take it (it waits in vfork until
 * the exec), and the service can pass nothing but through the filter. So
 * the service announces the fd's number on the sync socket (a write) and
 * waits for a byte back (a read); the launcher, which receives the
 * service's pid with the message (SCM_CREDENTIALS), takes the fd with
 * pidfd_getfd(2) while the service waits (so the pid cannot be reused),
 * sends the byte, and then a copy of the listener for init on the same
 * socket, which init reads once the service has exec'd. Only write and
 * read must pass the filter; listener_prepare() checks that on the plan's
 * program before anything starts, and does without a listener otherwise
 * (never a service that waits on its own listener). From the message on,
 * the launcher answers the filter's notifications while it waits for the
 * exec (a failed execve's checks may be denied). */

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch-internal.h"
#include "log.h"
#include "plan.h"
#include "seccomp-bpf.h"
#include "seccomp-load.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define LISTENER_TAG "lsn"

static bool allows(const Plan *p, int nr, uint64_t arg0) {
        struct seccomp_data d = {
                .nr = nr,
                .arch = seccomp_arch_native(),
                .args = { arg0 },
        };
        uint32_t r;

        return seccomp_bpf_run(p->seccomp_bpf, p->seccomp_bpf_size / sizeof(struct sock_filter), &d, &r) >= 0 &&
               (r & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
}

int listener_prepare(LaunchContext *c) {
        const Plan *p = c->plan;
        size_t n = p->seccomp_bpf_size / sizeof(struct sock_filter), k;
        int r;

        if (!c->params->seccomp_notify || !c->pidns || !p->seccomp_bpf || n == 0)
                return 0;
        if (!allows(p, SYS_write, LAUNCH_SYNC_FD) || !allows(p, SYS_read, LAUNCH_SYNC_FD)) {
                log_debug("The seccomp filter of %s refuses write or read: its denials are not reported.",
                          strna(p->name));
                return 0;
        }
        r = seccomp_bpf_notify_variant(p->seccomp_bpf, n, c->params->seccomp_notify, &c->notify_prog, &k);
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the seccomp filter of %s for its listener: %m",
                                       strna(p->name));
        if (k == 0) /* nothing it could report */
                c->notify_prog = mfree(c->notify_prog);
        else
                c->notify_n = n;
        return 0;
}

int listener_load(const Plan *p, const BecomeOptions *o, int sync_fd, LaunchError *e) {
        LaunchListenerMsg m = { .tag = LISTENER_TAG, .fd = -1 };
        char ack;
        int fd;

        fd = launch_seccomp_load_listener(o->notify_prog, o->notify_n);
        if (fd < 0) {
                /* EBUSY: the launcher itself runs under a filter with a
                 * listener, and the kernel allows one per chain. The plain
                 * filter then: the same decisions, unreported. */
                int r = launch_seccomp_load(p);

                if (r < 0)
                        return launch_error(e, r, "seccomp", "load the seccomp filter");
        } else
                m.fd = fd;

        /* Under the filter from here: write and read are what
         * listener_prepare() checked it allows. */
        if (write(sync_fd, &m, sizeof(m)) != (ssize_t) sizeof(m))
                return launch_error(e, errno ? -errno : -EIO, "seccomp", "announce the seccomp listener");
        if (read(sync_fd, &ack, 1) != 1 || ack != 'a')
                return launch_error(e, -EPIPE, "seccomp", "hand over the seccomp listener");
        /* Our copy goes with the execve (close-on-exec). */
        return 0;
}

int listener_init_recv(int sync_fd, LaunchError *e) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char what = 0;
        struct iovec iov = { .iov_base = &what, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cm;
        ssize_t n;
        int fd = -EBADF;

        /* The service and init share this socket, and the launcher sends
         * the service's acknowledgement ('a') before init's message: both
         * wait to read, and whichever the kernel wakes first takes the
         * head. So init only looks (MSG_PEEK, without a control buffer,
         * which installs no fd) until the 'a' is gone, and then reads its
         * own. Bounded: a service that died before reading its 'a' makes
         * the launcher kill us anyway. */
        for (unsigned i = 0; i < 20000; i++) {
                char head;

                n = recv(sync_fd, &head, 1, MSG_PEEK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n != 1 || head != 'a')
                        break;
                (void) usleep(500);
        }
        do
                n = recvmsg(sync_fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                return launch_error(e, n < 0 ? -errno : -EPIPE, "seccomp", "receive the seccomp listener");
        cm = CMSG_FIRSTHDR(&mh);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        if (what != 'l' || fd < 0) {
                if (fd >= 0)
                        (void) close(fd);
                return 0;
        }
        if (fd != LAUNCH_INIT_LISTENER_FD) {
                if (dup3(fd, LAUNCH_INIT_LISTENER_FD, O_CLOEXEC) < 0) {
                        int r = -errno;

                        (void) close(fd);
                        return launch_error(e, r, "seccomp", "keep the seccomp listener");
                }
                (void) close(fd);
        }
        return 1;
}

static int send_to_init(int sock, int fd) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char what = fd >= 0 ? 'l' : 'n';
        struct iovec iov = { .iov_base = &what, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                struct cmsghdr *cm;

                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        }
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

int listener_take(int sock, const LaunchListenerMsg *m, pid_t pid, int *ret_fd) {
        _cleanup_close_ int pidfd = -EBADF, fd = -EBADF;
        int r;

        if (memcmp(m->tag, LISTENER_TAG, sizeof(m->tag)) != 0 || pid <= 0)
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Unexpected message on the sandbox's sync socket.");
        if (m->fd >= 0) {
                pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
                if (pidfd < 0)
                        return log_error_errno(errno, "Failed to open the service's process %d: %m", (int) pid);
                fd = (int) syscall(SYS_pidfd_getfd, pidfd, m->fd, 0);
                if (fd < 0)
                        return log_error_errno(errno, "Failed to take the seccomp listener from the service: %m");
        }
        /* The service first (it reads one message), then init's copy,
         * which init reads after the service's execve. */
        if (send(sock, "a", 1, MSG_NOSIGNAL) < 0 || (r = send_to_init(sock, fd)) < 0)
                return log_error_errno(errno, "Failed to hand over the seccomp listener: %m");
        *ret_fd = TAKE_FD(fd);
        return 0;
}
