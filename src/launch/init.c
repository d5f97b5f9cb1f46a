/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The sandbox's PID 1, when the plan has a pid namespace.
 *
 * The kernel gives PID 1 of a namespace two jobs a service never expects:
 * orphans are re-parented to it (and stay zombies unless it reaps them),
 * and signals without a handler are dropped for it (so SIGTERM to a service
 * running as PID 1 does nothing unless it installed a handler). So a tiny
 * init runs as PID 1: it forks the service, forwards every signal it gets
 * to it, reaps whatever dies, and when the service itself exits it exits
 * with the service's status: the exit code, or 128+N when signal N killed
 * the service. (PID 1 cannot re-raise: a namespace's init is immune to its
 * own signals.) Its exit makes the kernel SIGKILL everything left in the
 * namespace, so daemonised leftovers go with the service.
 *
 * Two images. init is born a fork of the launcher, that is of the caller's
 * binary (sandboxctl or sandboxd), which it must be to set the sandbox up.
 * Once it has forked the service it needs none of that image, and keeping
 * it costs: every page sandboxd writes after the fork is copied for each
 * init, 0.8 to 2.2 MiB of private memory per service. So init then execs
 * sandbox-init (sandbox-init.c: this file's loop and a main(), static,
 * 12-16 KiB of private memory with musl, 44 KiB with glibc) from a sealed
 * memfd (init-exe.c). Where that
 * program is missing, the loop below runs in the fork, as before.
 *
 * What the service could try against its PID 1, and why it fails:
 *
 * - Its image, /proc/1/exe: the CVE-2019-5736 class opens it to overwrite
 *   the runtime's binary on the host. After the exec it is a memfd, no
 *   file of the host at all, sealed against writing and resizing. In the
 *   fallback it is the caller's binary, which a running init also pins
 *   against writes (ETXTBSY), and which the next point keeps out of reach.
 * - Its memory, fds and /proc/1/exe, or ptrace: init is not dumpable, so
 *   all of these need CAP_SYS_PTRACE over the host's user namespace. That
 *   is set right after the clone and again after any uid change. execve
 *   would make a process dumpable again, except that the kernel keeps a
 *   process that execs a file it cannot read non-dumpable, its memory
 *   owned by the closest user namespace privileged over that file
 *   (would_dump()): the memfd has mode 0111 and belongs to the host's
 *   root, and init has no CAP_DAC_*; so from the first instruction of
 *   sandbox-init the same CAP_SYS_PTRACE is needed, also in a user
 *   namespace. sandbox-init sets it non-dumpable again all the same.
 * - Its privileges: uid 0 (of the sandbox's user namespace, if any) with
 *   CAP_KILL alone, in its sets and its bounding set, under no_new_privs.
 *   execve as uid 0 recomputes the permitted set as the bounding set, so
 *   CAP_KILL is what sandbox-init has, and nothing can come back.
 * - Its fds: none of the host's but two (below); root and cwd are the
 *   sandbox's. sandbox-init reads nothing: signals are its only input.
 *
 * The one fd (LaunchParams.report_exit): sandboxd's exit status file,
 * /run/sandboxd/services/NAME/exit, into which init writes how the service
 * ended ("exited N", "killed N", "dumped N", followed by " left=M" when M
 * other processes of the sandbox were still there, which its exit then
 * ends; at most 48 bytes, one pwrite at offset 0) just before it exits
 * itself. A restarted sandboxd is not
 * init's parent and cannot wait for it; this file is how it learns the
 * status. Keeping it is safe because of what it is, which launch_start()
 * checks before the clone: a regular file, opened write-only. It is not a
 * directory, so nothing can be opened relative to it (openat, fchdir) and
 * it leads nowhere else on the host; it cannot be read through; and it
 * names a file that sandboxd reads with a 64-byte bound and a strict
 * parser. Reaching it at all takes what /proc/1/fd needs, the same as for
 * /proc/1/exe above. The service never has it: it sits at a fixed number,
 * close-on-exec, and the service closes it with every other fd before its
 * seccomp filter. Without a pid namespace there is no init, and no file.
 *
 * With the exit status file comes the memory controller's event file of
 * the sandbox's own cgroup (memory.events, or memory.oom_control on a v1
 * hierarchy), opened read-only by the launcher before the cgroup
 * namespace and pivot_root hide it: init reads the OOM kill count from it
 * into the report (" oom=K") while it still holds the cgroup, which a
 * service manager removes once it is empty. A read-only regular file of
 * cgroupfs leads nowhere else either, and what it tells is the sandbox's
 * own memory events.
 *
 * The second one (LaunchParams.keep_output): the read end of the pipe that
 * is the service's stdout and stderr when sandboxd writes its log (no
 * journald), at LAUNCH_INIT_OUTPUT_FD. init never reads it: it holds it so
 * that the pipe outlives a sandboxd that is killed. The service's writes
 * then wait in the pipe (up to its capacity, then the writer blocks)
 * instead of failing with EPIPE, and the next sandboxd takes the read end
 * back with pidfd_getfd(2), which root may do on init whatever init's
 * dumpable flag (CAP_SYS_PTRACE over the host's user namespace). A pipe
 * leads nowhere: nothing can be opened relative to it, and what can be
 * read from it is the service's own output. The service never has it, as
 * for the exit status file.
 *
 * The listening sockets of socket activation (LaunchParams.listen_fds),
 * at LAUNCH_INIT_LISTEN_FD and up: the service has them too (as 3, 4,
 * ...), so init's copies give it nothing it lacks, and init never
 * accepts on them. They let a restarted sandboxd take the sockets back
 * with pidfd_getfd(2), as for the output pipe, so that it holds them for
 * the next run while the service restarts.
 *
 * The third one (LaunchParams.seccomp_notify): the listener of the
 * service's seccomp filter, at LAUNCH_INIT_LISTENER_FD, which init never
 * reads either. It is the one fd here that would matter in the service's
 * hands: whoever holds it answers the filter's denials, and could answer
 * "go on" (SECCOMP_USER_NOTIF_FLAG_CONTINUE). So it is held only where
 * the rest of init already is out of reach: /proc/1/fd/7 and
 * pidfd_getfd(2) need what /proc/1/mem needs (the points above), and the
 * service closes its own copy before its execve (close-on-exec, and the
 * launcher has taken it by then). Held, the listener survives a killed
 * sandboxd: the service's denied calls wait for the next one, which takes
 * it back from here; without a listener at all the kernel would make
 * them fail with ENOSYS, kill actions included.
 *
 * This file is compiled into sandbox-init too: no stdio, nothing from
 * libbasic but macro.h. */

#include <fcntl.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-internal.h"

/* Everything a signal can be sent with, except those the kernel raises
 * for a fault in init itself, which must keep their default action. */
static void forwarded_set(sigset_t *ret) {
        sigfillset(ret);
        sigdelset(ret, SIGSEGV);
        sigdelset(ret, SIGBUS);
        sigdelset(ret, SIGILL);
        sigdelset(ret, SIGFPE);
        sigdelset(ret, SIGTRAP);
        sigdelset(ret, SIGSYS);
}

/* Before the fork of the service, so that a signal sent to the sandbox
 * in between is queued for init rather than lost; the service unblocks. */
int init_block_signals(void) {
        sigset_t set;

        forwarded_set(&set);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return negative_errno();
        return 0;
}

static int status_of(int wstatus) {
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

#define PROC_FS_MAGIC 0x9fa0 /* PROC_SUPER_MAGIC, without the kernel's headers (musl) */

/* The processes of the sandbox other than init, once the service is
 * reaped: what a service that daemonised leaves behind, which init's exit
 * is about to kill (the hint in sandboxd's log and status). Counted from
 * the sandbox's own procfs, checked to be one: a service that mounted
 * something else there can only make the number wrong. -1 if unknown. */
static long count_left(void) {
        _Alignas(8) char buf[4096];
        struct statfs sfs;
        long n = 0;
        int fd;

        fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return -1;
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_FS_MAGIC) {
                (void) close(fd);
                return -1;
        }
        for (;;) {
                long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));

                if (k <= 0) {
                        if (k < 0)
                                n = -1;
                        break;
                }
                for (long off = 0; off < k;) {
                        /* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name. */
                        const char *name = buf + off + 19;
                        unsigned short reclen;
                        bool pid = name[0] >= '1' && name[0] <= '9';

                        memcpy(&reclen, buf + off + 16, sizeof(reclen));
                        if (reclen == 0)
                                break;
                        for (const char *c = name; pid && *c; c++)
                                pid = *c >= '0' && *c <= '9';
                        if (pid && !(name[0] == '1' && name[1] == 0))
                                n++;
                        off += reclen;
                }
        }
        (void) close(fd);
        return n;
}

static size_t append_number(char *buf, size_t n, unsigned long v) {
        char digits[24];
        size_t k = 0;

        do
                digits[k++] = (char) ('0' + v % 10);
        while ((v /= 10) > 0);
        while (k > 0)
                buf[n++] = digits[--k];
        return n;
}

/* The kernel's count of OOM kills in our cgroup, from the memory
 * controller's event file that the launcher opened for us (memory.events
 * on cgroup v2, memory.oom_control on a v1 hierarchy: both have a line
 * "oom_kill N"), or -1. Read here, while init still holds the cgroup:
 * once it is empty, systemd removes a scope's cgroup and the count with
 * it, often before sandboxd has run (cgroup-systemd-oom.c). */
static long read_oom_kills(int fd) {
        static const char key[] = "oom_kill ";
        char buf[512];
        ssize_t n;
        long v = 0;
        int digits = 0;

        if (fd < 0)
                return -1;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');

                if (strncmp(line, key, sizeof(key) - 1) == 0) {
                        for (char *d = line + sizeof(key) - 1; *d >= '0' && *d <= '9'; d++) {
                                if (++digits > 10)
                                        return -1;
                                v = v * 10 + (*d - '0');
                        }
                        return digits > 0 && v <= 0x7fffffffL ? v : -1;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -1;
}

static size_t append_word(char *buf, size_t n, const char *w) {
        for (; *w; w++)
                buf[n++] = *w;
        return n;
}

/* si_code and si_status, as waitid(2) gives them to a parent: what the
 * parent of the sandbox would have seen, had the service been its child;
 * " left=N" if N processes were left (since the second version of the
 * report), and " oom=K", the cgroup's OOM kill count, when init has the
 * file to read it from (since the third); a sandboxd reads all three.
 * Formatted by hand: snprintf would make sandbox-init several times
 * bigger. */
static void report_exit(int fd, int wstatus, long left, long oom) {
        char buf[64];
        const char *word;
        unsigned v;
        size_t n = 0;

        if (WIFEXITED(wstatus)) {
                word = "exited ";
                v = (unsigned) WEXITSTATUS(wstatus);
        } else if (WIFSIGNALED(wstatus)) {
                word = WCOREDUMP(wstatus) ? "dumped " : "killed ";
                v = (unsigned) WTERMSIG(wstatus);
        } else
                return;
        n = append_word(buf, n, word);
        n = append_number(buf, n, v);
        /* Bounded as the reader bounds it (PID_MAX_LIMIT). */
        if (left > 0 && left <= 4194304) {
                n = append_word(buf, n, " left=");
                n = append_number(buf, n, (unsigned long) left);
        }
        if (oom >= 0) {
                n = append_word(buf, n, " oom=");
                n = append_number(buf, n, (unsigned long) oom);
        }
        buf[n++] = '\n';
        /* One write at offset 0 into an empty file: a reader sees the whole
         * line or nothing; nothing is read as "killed 9". */
        (void) pwrite(fd, buf, n, 0);
}

/* close_range(2) over [from, to], except the n_listen listening sockets
 * from LAUNCH_INIT_LISTEN_FD up. */
static void close_span(unsigned from, unsigned to, size_t n_listen) {
        const unsigned l = LAUNCH_INIT_LISTEN_FD, le = LAUNCH_INIT_LISTEN_FD + (unsigned) n_listen;

        if (from > to)
                return;
        if (n_listen == 0 || to < l || from >= le) {
                (void) syscall(SYS_close_range, from, to, 0U);
                return;
        }
        if (from < l)
                (void) syscall(SYS_close_range, from, l - 1, 0U);
        if (to >= le)
                (void) syscall(SYS_close_range, le, to, 0U);
}

/* Every fd but those in keep (any order, any numbers; entries < 0 are
 * ignored) and the n_listen listening sockets from LAUNCH_INIT_LISTEN_FD
 * up: close_range(2) over the gaps. */
void init_close_fds_except(const int *keep, size_t n, size_t n_listen) {
        int sorted[5];
        unsigned from = 0;
        size_t m = 0;

        /* Callers keep at most five. */
        for (size_t i = 0; i < n && m < ELEMENTSOF(sorted); i++) {
                size_t j;

                if (keep[i] < 0)
                        continue;
                for (j = m++; j > 0 && sorted[j - 1] > keep[i]; j--)
                        sorted[j] = sorted[j - 1];
                sorted[j] = keep[i];
        }
        for (size_t i = 0; i < m; i++) {
                if ((unsigned) sorted[i] > from)
                        close_span(from, (unsigned) sorted[i] - 1, n_listen);
                from = (unsigned) sorted[i] + 1;
        }
        close_span(from, ~0U, n_listen);
}

/* The loop itself, in the fork (init_run) or in sandbox-init: every
 * forwarded signal is blocked (init_block_signals), so each one waits in
 * the queue, even across the exec, until it is taken here. */
_noreturn_ void init_loop(pid_t service, int exit_fd, int oom_fd) {
        sigset_t set;

        forwarded_set(&set);
        for (;;) {
                siginfo_t si;
                int sig;

                sig = sigwaitinfo(&set, &si);
                if (sig < 0)
                        continue;       /* EINTR */
                if (sig != SIGCHLD) {
                        (void) kill(service, sig);
                        continue;
                }
                bool ended = false;
                int service_status = 0;

                for (;;) {
                        int wstatus;
                        pid_t pid = waitpid(-1, &wstatus, WNOHANG);

                        if (pid <= 0)
                                break;
                        if (pid == service) {
                                ended = true;
                                service_status = wstatus;
                        }
                }
                /* Every zombie reaped first, so that only the living count. */
                if (ended) {
                        if (exit_fd >= 0)
                                report_exit(exit_fd, service_status, count_left(), read_oom_kills(oom_fd));
                        _exit(status_of(service_status));
                }
        }
}

/* exit_fd: the exit status file, or < 0; oom_fd: the memory controller's
 * event file of our cgroup, or < 0; output_fd: the output pipe's read end,
 * or < 0; listener_fd: the seccomp listener, or < 0; sync_fd may be < 0
 * (closed already). This is also the loop of launch_exec()'s relay process
 * (exec.c), without any of them. */
_noreturn_ void init_run(pid_t service, int sync_fd, int exit_fd, int oom_fd, int output_fd, int listener_fd,
                         size_t n_listen) {
        /* Nothing of the host stays (not even stdio: init writes nothing)
         * but the exit status file and the output pipe. The sync socket
         * goes last: the launcher takes its EOF (once the service's copy is
         * closed by its execve and this one is gone) to mean that init is
         * set up. */
        init_close_fds_except((const int[]) { sync_fd, exit_fd, oom_fd, output_fd, listener_fd }, 5, n_listen);
        if (sync_fd >= 0)
                (void) close(sync_fd);
        init_loop(service, exit_fd, oom_fd);
}
