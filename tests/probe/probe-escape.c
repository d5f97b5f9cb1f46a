/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandbox-probe escape: try each thing a sandboxed service must not be
 * able to do and print one verdict line per attempt:
 *
 *     test NAME: blocked (EPERM)
 *     test NAME: ALLOWED (detail)
 *     test NAME: skip (why it could not be tried)
 *
 * Every attempt runs in its own forked child, so that one that succeeds
 * (an unshare, a setns, a chroot) cannot change what the next one sees, a
 * seccomp kill or a missing ABI only ends that child, and a hung connect is
 * ended by alarm().
 *
 * The probe must be safe to run unsandboxed as root on a real host, where
 * most attempts succeed: so each privileged call is made with arguments
 * that fail right after the kernel's privilege check (reboot with a wrong
 * magic, swapon of a missing file, init_module of an empty image, kexec_load
 * with too many segments, umount of a directory that is not a mount point),
 * files that must not be written are only opened (sysrq-trigger,
 * core_pattern, release_agent of a host hierarchy), and what is created is
 * removed again (a tmpfs mount, device nodes, a private cgroup v1 hierarchy).
 * An errno other than the "blocked" ones therefore means the call got past
 * the privilege check, and is reported as ALLOWED with that errno. */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

const char *probe_workdir;
static char workdir_buf[PATH_MAX];
pid_t probe_parent;
pid_t probe_main;
char probe_leaked_fds[1024];
volatile uint64_t probe_canary = 0x5ec0de5ec0deULL;
const EscapeOptions *probe_opts;

/* Errors that mean the sandbox (seccomp, capabilities, a read-only or
 * masked path, a missing device) stopped the call. */
bool errno_blocks(int e, const int *also) {
        if (e == EPERM || e == EACCES || e == ENOSYS || e == EROFS)
                return true;
        for (; also && *also; also++)
                if (*also == e)
                        return true;
        return false;
}

/* rc < 0 and errno in the blocked set: blocked. rc >= 0: allowed.
 * Anything else got past the privilege check. */
void classify(const char *name, long rc, int e, const int *also_blocked) {
        if (rc >= 0)
                report(name, VERDICT_ALLOWED, "returned %ld", rc);
        else if (errno_blocks(e, also_blocked))
                report(name, VERDICT_BLOCKED, "%s", errno_name(e));
        else
                report(name, VERDICT_ALLOWED, "%s: got past the privilege check", errno_name(e));
}

bool dir_exists(const char *p) {
        struct stat st;
        return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int make_subdir(const char *name, char *ret, size_t n) {
        if (!probe_workdir)
                return -ENOENT;
        snprintf(ret, n, "%s/%s", probe_workdir, name);
        if (mkdir(ret, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* ---- the runner ---- */

typedef struct EscapeTest {
        const char *name;         /* its first line, and the name --only selects */
        const char *also;         /* names of further lines it prints, comma-separated */
        void (*fn)(long arg);
        long arg;
        bool signal_blocks;       /* dying by any signal means the ABI is not there */
} EscapeTest;

static bool selected(const char *only, const char *name) {
        size_t n = strlen(name);

        if (!only)
                return true;
        for (const char *p = only; (p = strstr(p, name)); p += n)
                if ((p == only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
                        return true;
        return false;
}

typedef struct Counts {
        unsigned blocked, allowed, skipped, errors;
} Counts;

static void count_lines(const char *buf, Counts *c) {
        for (const char *p = buf; (p = strstr(p, "test ")); p++) {
                const char *v = strstr(p, ": ");

                if (!v)
                        break;
                v += 2;
                if (strncmp(v, "blocked", 7) == 0)
                        c->blocked++;
                else if (strncmp(v, "ALLOWED", 7) == 0)
                        c->allowed++;
                else if (strncmp(v, "skip", 4) == 0)
                        c->skipped++;
                else
                        c->errors++;
                p = v;
        }
}

/* A child killed before it printed a line for name (seccomp's SIGSYS, or
 * no such ABI; SIGKILL where the supervisor answers the filter's kill
 * action and kills for it): say so in that line's place. */
static void report_killed(const char *name, size_t n, const char *buf, const EscapeTest *t, int status,
                          Counts *c) {
        char prefix[128];
        int sig;

        snprintf(prefix, sizeof prefix, "test %.*s: ", (int) n, name);
        if (strstr(buf, prefix))
                return;
        if (!WIFSIGNALED(status)) {
                printf("%serror (exited %d without a verdict)\n", prefix, WEXITSTATUS(status));
                c->errors++;
                return;
        }
        sig = WTERMSIG(status);
        if (sig == SIGSYS || sig == SIGKILL || t->signal_blocks) {
                printf("%sblocked (killed by SIG%s)\n", prefix, sigabbrev_np(sig) ?: "?");
                c->blocked++;
        } else {
                printf("%serror (killed by SIG%s)\n", prefix, sigabbrev_np(sig) ?: "?");
                c->errors++;
        }
}

static void run_one(const EscapeTest *t, Counts *c) {
        char buf[8192];
        size_t len = 0;
        int p[2], status;
        pid_t pid;

        fflush(stdout);
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid < 0) {
                printf("test %s: error (fork: %s)\n", t->name, errno_name(errno));
                c->errors++;
                close(p[0]), close(p[1]);
                return;
        }
        if (pid == 0) {
                close(p[0]);
                probe_report_fd = p[1];
                alarm(10);
                t->fn(t->arg);
                _exit(0);
        }
        close(p[1]);
        /* Wait for the child, not for EOF: a process it forked may still
         * hold the pipe. The few lines it writes fit in the pipe's buffer. */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        for (;;) {
                ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += n;
                if (len >= sizeof buf - 1)
                        break;
        }
        buf[len] = 0;
        close(p[0]);
        fputs(buf, stdout);
        count_lines(buf, c);
        report_killed(t->name, strlen(t->name), buf, t, status, c);
        for (const char *a = t->also; a && *a;) {
                size_t n = strcspn(a, ",");

                report_killed(a, n, buf, t, status, c);
                a += n + (a[n] == ',');
        }
}

static void collect_leaked_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char p[64], target[256] = "", item[300];
                int fd = atoi(de->d_name);
                ssize_t n;

                if (de->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
                        continue;
                snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
                n = readlink(p, target, sizeof target - 1);
                target[n < 0 ? 0 : n] = 0;
                snprintf(item, sizeof item, " %d=%s", fd, target);
                if (strlen(probe_leaked_fds) + strlen(item) < sizeof probe_leaked_fds)
                        strcat(probe_leaked_fds, item);
        }
        closedir(d);
}

static void make_workdir(void) {
        static const char *const candidates[] = { "/tmp", "/dev/shm", "/run", "/var/tmp", "." };

        for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
                char cwd[PATH_MAX - 64];

                if (strcmp(candidates[i], ".") == 0) {
                        if (!getcwd(cwd, sizeof cwd))
                                continue;
                        snprintf(workdir_buf, sizeof workdir_buf, "%s/.sbxprobe-XXXXXX",
                                 strcmp(cwd, "/") == 0 ? "" : cwd);
                } else
                        snprintf(workdir_buf, sizeof workdir_buf, "%s/.sbxprobe-XXXXXX", candidates[i]);
                if (mkdtemp(workdir_buf)) {
                        probe_workdir = workdir_buf;
                        return;
                }
        }
}

static void remove_workdir(void) {
        static const char *const subdirs[] = { "mnt", "chroot", "cg", "cgu" };
        char p[PATH_MAX];

        if (!probe_workdir)
                return;
        for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
                snprintf(p, sizeof p, "%s/%s", probe_workdir, subdirs[i]);
                rmdir(p);
        }
        if (rmdir(probe_workdir) < 0)
                fprintf(stderr, "sandbox-probe: cannot remove %s: %m\n", probe_workdir);
}

int run_escape(const EscapeOptions *o) {
        EscapeTest tests[] = {
                { .name = "mount-tmpfs", .fn = t_mount },
                { .name = "umount", .fn = t_umount },
                { .name = "pivot_root", .fn = t_pivot_root },
                { .name = "fsopen", .fn = t_fsopen },
                { .name = "unshare-user", .fn = t_unshare, .arg = 0 },
                { .name = "unshare-mnt", .fn = t_unshare, .arg = 1 },
                { .name = "unshare-net", .fn = t_unshare, .arg = 2 },
                { .name = "unshare-pid", .fn = t_unshare, .arg = 3 },
                { .name = "unshare-uts", .fn = t_unshare, .arg = 4 },
                { .name = "unshare-ipc", .fn = t_unshare, .arg = 5 },
                { .name = "unshare-cgroup", .fn = t_unshare, .arg = 6 },
                { .name = "unshare-time", .fn = t_unshare, .arg = 7 },
                { .name = "clone-newuser", .fn = t_clone_ns, .arg = CLONE_NEWUSER },
                { .name = "clone-newnet", .fn = t_clone_ns, .arg = CLONE_NEWNET },
                { .name = "clone3-newuser", .fn = t_clone3_newuser },
                { .name = "setns-mnt", .fn = t_setns, .arg = 1 },
                { .name = "setns-net", .fn = t_setns, .arg = 2 },
                { .name = "setns-pid", .fn = t_setns, .arg = 3 },
                { .name = "setns-uts", .fn = t_setns, .arg = 4 },
                { .name = "setns-ipc", .fn = t_setns, .arg = 5 },
                { .name = "setns-cgroup", .fn = t_setns, .arg = 6 },
                { .name = "chroot", .also = "chroot-escape", .fn = t_chroot },
                { .name = "proc-sys-hostname", .fn = t_proc_writes, .arg = 0 },
                { .name = "sysrq-trigger", .fn = t_proc_writes, .arg = 1 },
                { .name = "core-pattern", .fn = t_proc_writes, .arg = 2 },
                { .name = "proc-sys-modprobe", .fn = t_proc_writes, .arg = 3 },
                { .name = "sys-write", .fn = t_proc_writes, .arg = 4 },
                { .name = "proc-kcore", .fn = t_proc_kcore },
                { .name = "self-exe-write", .fn = t_exe_write, .arg = 0 },
                { .name = "proc1-exe-write", .fn = t_exe_write, .arg = 1 },
                { .name = "mknod-block", .fn = t_mknod, .arg = 1 },
                { .name = "mknod-char", .fn = t_mknod, .arg = 0 },
                { .name = "dev-block-nodes", .also = "dev-mem", .fn = t_devices },
                { .name = "open_by_handle_at", .fn = t_open_by_handle },
                { .name = "tiocsti", .fn = t_tiocsti, .arg = 0 },
                { .name = "tiocsti-highbits", .fn = t_tiocsti, .arg = 1 },
                { .name = "tiocsti-stdin", .fn = t_tiocsti, .arg = 2 },
                { .name = "x32-getpid", .fn = t_x32, .arg = SYS_getpid, .signal_blocks = true },
                { .name = "x32-unshare", .fn = t_x32, .arg = SYS_unshare, .signal_blocks = true },
                { .name = "i386-getpid", .fn = t_i386, .arg = 20, .signal_blocks = true },
                { .name = "i386-unshare", .fn = t_i386, .arg = 310, .signal_blocks = true },
                { .name = "io_uring_setup", .fn = t_syscalls, .arg = 0 },
                { .name = "userfaultfd", .fn = t_syscalls, .arg = 1 },
                { .name = "userfaultfd-usermode", .fn = t_syscalls, .arg = 2 },
                { .name = "perf_event_open", .fn = t_syscalls, .arg = 3 },
                { .name = "bpf", .fn = t_syscalls, .arg = 4 },
                { .name = "init_module", .fn = t_syscalls, .arg = 5 },
                { .name = "finit_module", .fn = t_syscalls, .arg = 6 },
                { .name = "delete_module", .fn = t_syscalls, .arg = 7 },
                { .name = "kexec_load", .fn = t_syscalls, .arg = 8 },
                { .name = "clock_settime", .fn = t_syscalls, .arg = 9 },
                { .name = "settimeofday", .fn = t_syscalls, .arg = 10 },
                { .name = "clock_adjtime", .fn = t_syscalls, .arg = 11 },
                { .name = "reboot", .fn = t_syscalls, .arg = 12 },
                { .name = "swapon", .fn = t_syscalls, .arg = 13 },
                { .name = "swapoff", .fn = t_syscalls, .arg = 14 },
                { .name = "acct", .fn = t_syscalls, .arg = 15 },
                { .name = "syslog", .fn = t_syscalls, .arg = 16 },
                { .name = "ioperm", .fn = t_syscalls, .arg = 17 },
                { .name = "iopl", .fn = t_syscalls, .arg = 18 },
                { .name = "sethostname", .fn = t_syscalls, .arg = 19 },
                { .name = "add_key", .fn = t_syscalls, .arg = 20 },
                { .name = "keyctl", .fn = t_syscalls, .arg = 21 },
                { .name = "request_key", .fn = t_syscalls, .arg = 22 },
                { .name = "ptrace-child", .fn = t_ptrace, .arg = 0 },
                { .name = "ptrace-parent", .fn = t_ptrace, .arg = 1 },
                { .name = "ptrace-init", .fn = t_ptrace, .arg = 2 },
                { .name = "process_vm_readv", .fn = t_process_vm, .arg = 0 },
                { .name = "pidfd_getfd", .fn = t_process_vm, .arg = 1 },
                { .name = "raw-socket", .fn = t_sockets, .arg = 0 },
                { .name = "packet-socket", .fn = t_sockets, .arg = 1 },
                { .name = "net-admin", .fn = t_net_admin },
                { .name = "tcp-localhost", .fn = t_tcp },
                { .name = "abstract-unix", .fn = t_unix, .arg = 0 },
                { .name = "unix-socket", .fn = t_unix, .arg = 1 },
                { .name = "dbus-system", .fn = t_unix, .arg = 2 },
                { .name = "host-procs", .fn = t_host_procs },
                { .name = "host-marker", .fn = t_host_marker },
                { .name = "leaked-fds", .fn = t_leaked_fds },
                { .name = "cwd-outside-root", .fn = t_cwd },
                { .name = "setuid-root", .also = "setgroups-root", .fn = t_setuid },
                { .name = "cgroup1-mount", .also = "release-agent", .fn = t_release_agent, .arg = 0 },
                { .name = "cgroup1-mount-userns", .also = "release-agent-userns", .fn = t_release_agent, .arg = 1 },
                { .name = "release-agent-host", .fn = t_release_agent, .arg = 2 },
        };
        Counts c = { 0 };

        /* Before this program opens anything of its own. */
        collect_leaked_fds();
        probe_opts = o;
        probe_parent = getppid();
        probe_main = getpid();
        if (!o->tty_stdin)
                for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
                        if (strcmp(tests[i].name, "tiocsti-stdin") == 0)
                                tests[i].name = NULL;
        make_workdir();
        printf("workdir=%s\n", probe_workdir ?: "");

        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
                if (tests[i].name && (selected(o->only, tests[i].name) ||
                                      (tests[i].also && selected(o->only, tests[i].also))))
                        run_one(&tests[i], &c);

        remove_workdir();
        printf("escape_summary=blocked %u allowed %u skipped %u errors %u\n",
               c.blocked, c.allowed, c.skipped, c.errors);
        return 0;
}
