/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The listener's answers (seccomp-notify.h). Why a kill is a SIGKILL sent
 * from here: SECCOMP_RET_USER_NOTIF has no "kill" answer. The caller
 * waits in the kernel, not in user space, until it is answered, and is
 * never let through (only SECCOMP_USER_NOTIF_FLAG_CONTINUE would do that,
 * which we send for "log" alone), so the SIGKILL, which it cannot catch,
 * arrives while the call has not run. Its other threads run meanwhile,
 * for the length of one round trip; the kernel's kill-process stops them
 * at once. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "seccomp-bpf.h"
#include "seccomp-notify.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* Tgid and the last NStgid (the innermost pid namespace) of tid. */
static int read_tgid(pid_t tid, pid_t *ret_tgid, pid_t *ret_sandbox_pid) {
        char path[64], buf[2048], *p;
        _cleanup_close_ int fd = -EBADF;
        pid_t tgid = 0, ns = 0;
        ssize_t n;

        (void) snprintf(path, sizeof(path), "/proc/%d/status", (int) tid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        p = strstr(buf, "\nTgid:");
        if (p)
                tgid = (pid_t) strtol(p + 6, NULL, 10);
        p = strstr(buf, "\nNStgid:");
        if (p) {
                char *end = p + 8, *nl = strchr(end, '\n');

                if (nl)
                        *nl = 0;
                for (char *w = strtok(end, " \t"); w; w = strtok(NULL, " \t"))
                        ns = (pid_t) strtol(w, NULL, 10);
        }
        if (tgid <= 0)
                return -EBADMSG;
        *ret_tgid = tgid;
        *ret_sandbox_pid = ns;
        return 0;
}

static bool id_valid(int fd, uint64_t id) {
        return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) >= 0;
}

static int answer(int fd, uint64_t id, int error, uint32_t flags) {
        struct seccomp_notif_resp resp = {
                .id = id,
                .error = error,
                .flags = flags,
        };

        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
                /* ENOENT: the caller is gone (a signal), nothing to answer. */
                return errno == ENOENT ? 0 : negative_errno();
        return 0;
}

static bool kill_caller(int fd, uint64_t id, pid_t tgid) {
        _cleanup_close_ int pidfd = -EBADF;

        pidfd = (int) syscall(SYS_pidfd_open, tgid, 0);
        if (pidfd < 0)
                return false;
        /* The pidfd is of the process that made this call only if the call
         * still waits: then the pid cannot have been reused. */
        if (!id_valid(fd, id))
                return false;
        return syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) >= 0;
}

int seccomp_listener_handle(SeccompListener *l, SeccompEvent *ret) {
        struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
        struct seccomp_notif req;
        SeccompEvent ev = {};
        uint32_t r = 0;
        int k;

        k = poll(&pfd, 1, 0);
        if (k < 0)
                return errno == EINTR ? 0 : negative_errno();
        if (k == 0)
                return 0;
        if (!(pfd.revents & POLLIN))
                return (pfd.revents & (POLLHUP | POLLERR)) ? -EPIPE : 0;

        /* The kernel refuses a request buffer that is not zeroed. */
        memset(&req, 0, sizeof(req));
        if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                /* ENOENT: the caller was interrupted between poll and here. */
                return errno == ENOENT || errno == EINTR ? 0 : negative_errno();

        ev.arch = req.data.arch;
        ev.nr = req.data.nr;
        if (seccomp_bpf_run(l->prog, l->n, &req.data, &r) < 0 || seccomp_action_from_ret(r, &ev.action) < 0 ||
            ev.action.type == SECCOMP_ACTION_ALLOW)
                /* Not a return this filter notifies: refuse, never let through. */
                ev.action = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };

        if (l->cache_tid == (pid_t) req.pid && l->cache_tgid > 0) {
                ev.pid = l->cache_tgid;
                ev.sandbox_pid = l->cache_sandbox_pid;
        } else if (read_tgid((pid_t) req.pid, &ev.pid, &ev.sandbox_pid) >= 0 && id_valid(l->fd, req.id)) {
                /* Still waiting: what /proc said was about the caller. */
                l->cache_tid = (pid_t) req.pid;
                l->cache_tgid = ev.pid;
                l->cache_sandbox_pid = ev.sandbox_pid;
        } else
                ev.pid = ev.sandbox_pid = 0;

        switch (ev.action.type) {
        case SECCOMP_ACTION_ERRNO:
                k = answer(l->fd, req.id, -ev.action.errno_value, 0);
                break;
        case SECCOMP_ACTION_LOG:
                k = answer(l->fd, req.id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
                break;
        default:
                /* kill-process (and what the kernel would kill for anyway) */
                ev.killed = ev.pid > 0 && kill_caller(l->fd, req.id, ev.pid);
                /* Could not kill it: it must not run the call either. */
                k = ev.killed ? 0 : answer(l->fd, req.id, -EPERM, 0);
                l->cache_tid = 0;
                break;
        }
        *ret = ev;
        return k < 0 ? k : 1;
}

static const struct {
        uint32_t arch;
        const char *name;
} arch_names[] = {
        { AUDIT_ARCH_X86_64, "x86_64" },
        { AUDIT_ARCH_I386, "x86" },
        { AUDIT_ARCH_AARCH64, "aarch64" },
        { AUDIT_ARCH_ARM, "arm" },
        { AUDIT_ARCH_RISCV64, "riscv64" },
        { AUDIT_ARCH_S390X, "s390x" },
        { AUDIT_ARCH_S390, "s390" },
        { AUDIT_ARCH_PPC64LE, "ppc64le" },
        { AUDIT_ARCH_PPC64, "ppc64" },
        { AUDIT_ARCH_PPC, "ppc" },
        { AUDIT_ARCH_MIPSEL64, "mipsel64" },
        { AUDIT_ARCH_LOONGARCH64, "loongarch64" },
};

const char *seccomp_arch_name(uint32_t arch, char buf[static 16]) {
        for (size_t i = 0; i < ELEMENTSOF(arch_names); i++)
                if (arch_names[i].arch == arch)
                        return arch_names[i].name;
        (void) snprintf(buf, 16, "0x%" PRIx32, arch);
        return buf;
}

const char *seccomp_event_syscall_name(uint32_t arch, int nr, char buf[static SECCOMP_NAME_MAX]) {
        uint32_t token = arch;
        char *name;

        /* x32 shares x86-64's audit arch; its numbers carry bit 30. */
        if (arch == AUDIT_ARCH_X86_64 && (nr & 0x40000000))
                token = SCMP_ARCH_X32;
        name = seccomp_syscall_resolve_num_arch(token, nr);
        if (name && strlen(name) < SECCOMP_NAME_MAX) {
                strcpy(buf, name);
                free(name);
                return buf;
        }
        free(name);
        (void) snprintf(buf, SECCOMP_NAME_MAX, "syscall-%d", nr);
        return buf;
}

int seccomp_denials_add(SeccompDenials *t, const SeccompEvent *ev, uint64_t now_usec) {
        SeccompDenial *d;

        for (size_t i = 0; i < t->n; i++) {
                d = &t->items[i];
                if (d->arch == ev->arch && d->nr == ev->nr && seccomp_action_equal(d->action, ev->action)) {
                        d->count++;
                        d->last_usec = now_usec;
                        d->sandbox_pid = ev->sandbox_pid;
                        return 0;
                }
        }
        if (t->n >= SECCOMP_DENIALS_MAX) {
                t->n_unlisted++;
                return -ENOSPC;
        }
        t->items[t->n++] = (SeccompDenial) {
                .arch = ev->arch,
                .nr = ev->nr,
                .action = ev->action,
                .count = 1,
                .last_usec = now_usec,
                .sandbox_pid = ev->sandbox_pid,
        };
        return 1;
}

void seccomp_denials_order(const SeccompDenials *t, size_t order[static SECCOMP_DENIALS_MAX]) {
        for (size_t i = 0; i < t->n; i++) {
                size_t j = i;

                /* insertion sort, latest first; ties keep first-seen order */
                for (; j > 0 && t->items[order[j - 1]].last_usec < t->items[i].last_usec; j--)
                        order[j] = order[j - 1];
                order[j] = i;
        }
}

bool seccomp_fd_is_listener(int fd) {
        char path[64], target[64];
        ssize_t n;

        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = 0;
        return streq(target, "anon_inode:seccomp notify");
}
