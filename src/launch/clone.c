/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The child is made with clone3(2):
 *
 *   - CLONE_PIDFD: the parent gets a pidfd at birth, so every later
 *     signal, /proc lookup and wait refers to this process and cannot hit a
 *     recycled pid.
 *   - CLONE_INTO_CGROUP (Linux 5.7): the child is born in the service's
 *     cgroup v2 directory, so there is no moment in which it (or anything
 *     it forks) runs outside the limits. On the hybrid layout this reaches
 *     only the v2 hierarchy; the v1 controllers are joined by the parent's
 *     cgroup_attach() while the child waits at SYNC 1, before it runs any
 *     code of the service.
 *   - the namespace flags, so the child starts inside all of them at once.
 *     CLONE_NEWTIME works only here (clone3 has room for it, clone(2) does
 *     not), and the child itself is in the new time namespace.
 *
 * Fallbacks: a kernel without CLONE_INTO_CGROUP (E2BIG for the larger
 * struct on < 5.7, EINVAL on a kernel that knows the field but cannot use
 * this fd) gets a second clone3 without it; the parent's cgroup_attach()
 * then writes the v2 cgroup.procs too, still before SYNC 1. A kernel
 * without clone3 (< 5.3) is not supported: CLONE_PIDFD through clone(2)
 * would work, but pidfd_send_signal (5.1) and waitid(P_PIDFD) (5.4) are
 * needed anyway, and so are close_range (5.9) and mount_setattr (5.12).
 *
 * The service is started from init by launch_vfork() below, not by a
 * clone3 fork.
 *
 * The child is a copy of the caller like after fork(2), but glibc does not
 * know about it: no atfork handlers ran and its thread descriptor still
 * holds the parent's tid. That is why launch_start() wants a
 * single-threaded caller, and why the child never uses pthread calls. */

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch-internal.h"
#include "log.h"

static pid_t raw_clone3(struct clone_args *args) {
        return (pid_t) syscall(SYS_clone3, args, sizeof(*args));
}

/* Returns the child's pid in the parent, 0 in the child, or a negative
 * errno. ret_pidfd may be NULL (a plain fork, as for the service under
 * our init); cgroup_fd < 0 means no CLONE_INTO_CGROUP. */
pid_t launch_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_into_cgroup) {
        int pidfd = -EBADF;
        struct clone_args args = {
                .flags = flags | (ret_pidfd ? CLONE_PIDFD : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        pid_t pid;

        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgroup_fd;
        }

        pid = raw_clone3(&args);
        if (pid < 0 && cgroup_fd >= 0 && (errno == E2BIG || errno == EINVAL)) {
                log_debug_errno(negative_errno(), "clone3 with CLONE_INTO_CGROUP failed, the parent attaches the child instead: %m");
                args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
                args.cgroup = 0;
                pid = raw_clone3(&args);
        }
        if (pid < 0)
                return negative_errno();
        if (pid > 0 && ret_pidfd)
                *ret_pidfd = pidfd;
        if (pid > 0 && ret_into_cgroup)
                *ret_into_cgroup = args.flags & CLONE_INTO_CGROUP;
        return pid;
}

/* The service, from init: CLONE_VM | CLONE_VFORK, as posix_spawn(3) does.
 * fn(arg) runs on a stack of its own in our memory (1 MiB, reserved, with
 * a guard page), and we wait until it has exec'd or exited. A fork would
 * copy the page tables of our memory (which is the whole caller's,
 * sandboxd's heap included), for the service's execve to free them again
 * at once: 1 ms of the start for a 2 MiB caller, 2 ms for 20 MiB. For a
 * child that only sets itself up and execs: it shares our memory but has
 * its own fds, fs (cwd, umask), signal handlers, rlimits, credentials and
 * seccomp filter, all of which it changes; and we are stopped meanwhile,
 * so its writes (errno, the allocator's state) cannot race with ours. A
 * credential change in it resets the shared memory's dumpable flag to
 * fs.suid_dumpable, never to dumpable. Returns its pid or a negative
 * errno.
 *
 * The stack is left mapped when the child ran: unmapping it costs a TLB
 * flush on the CPU the service ran on (up to a millisecond on a busy VM),
 * and our caller replaces its memory right away anyway (sandbox-init).
 * launch_vfork_stack_free() is for a caller that stays. */
#define VFORK_STACK_SIZE (1024 * 1024)
static char *vfork_stack;

#if defined(__SANITIZE_ADDRESS__)
#  define LAUNCH_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define LAUNCH_ASAN 1
#  endif
#endif

pid_t launch_vfork(int (*fn)(void *), void *arg) {
        const size_t guard = (size_t) sysconf(_SC_PAGESIZE);
        pid_t pid;
        int r;

#ifdef LAUNCH_ASAN
        /* AddressSanitizer cannot follow a switch to another stack: it
         * warns into the service's stderr and may report false errors. A
         * fork then, in sanitizer builds only. */
        pid = launch_clone(0, -EBADF, NULL, NULL);
        if (pid == 0)
                _exit(fn(arg));
        return pid;
#endif

        vfork_stack = mmap(NULL, VFORK_STACK_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (vfork_stack == MAP_FAILED) {
                vfork_stack = NULL;
                return negative_errno();
        }
        /* An overflow faults instead of writing into whatever is below. */
        if (mprotect(vfork_stack, guard, PROT_NONE) < 0) {
                r = negative_errno();
                launch_vfork_stack_free();
                return r;
        }
        pid = clone(fn, vfork_stack + VFORK_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
        if (pid < 0) {
                r = negative_errno();
                launch_vfork_stack_free();
                return r;
        }
        return pid;
}

void launch_vfork_stack_free(void) {
        if (vfork_stack)
                (void) munmap(vfork_stack, VFORK_STACK_SIZE);
        vfork_stack = NULL;
}

