/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The named syscall sets. Written from syscalls(2) and each call's own man
 * page for x86_64, spelled as libseccomp spells them. Two sets are
 * security-relevant beyond their name:
 *
 *   @default         what any program needs to start, run threads and exit;
 *                    a filter without it cannot even reach main().
 *   @system-service  what a plain daemon or shell needs. It deliberately
 *                    lacks every set a container escape or kernel exploit
 *                    typically starts from: @mount, @namespaces, @keyring,
 *                    @debug (ptrace, perf_event_open), @io-uring, bpf,
 *                    userfaultfd, @module, open_by_handle_at, @clock,
 *                    @reboot, @swap, @raw-io, @numa (Docker requires
 *                    CAP_SYS_NICE there) and personality (ASLR off).
 *
 * Members are syscall names or "@group" names. Names that only newer
 * kernels have (and that libseccomp may not know yet) are listed so that a
 * newer libseccomp picks them up; expansion skips unknown names. */

#include <stdbool.h>
#include <stdlib.h>

#include "macro.h"
#include "syscall-groups.h"

#define GROUP(n, d, ...)                                                        \
        {                                                                       \
                .name = n,                                                      \
                .description = d,                                               \
                .members = (const char *const[]) { __VA_ARGS__, NULL },         \
        }

const SyscallGroup syscall_groups[] = {
        GROUP("@default",
              "What every program needs: exec, exit, memory maps, threads and futexes, own ids, clocks",
              "arch_prctl",
              "brk",
              "clock_getres",
              "clock_gettime",
              "clock_nanosleep",
              "execve",
              "exit",
              "exit_group",
              "futex",
              "futex_requeue",
              "futex_wait",
              "futex_waitv",
              "futex_wake",
              "get_robust_list",
              "get_thread_area",
              "getegid",
              "geteuid",
              "getgid",
              "getgroups",
              "getpgid",
              "getpgrp",
              "getpid",
              "getppid",
              "getrandom",
              "getresgid",
              "getresuid",
              "getrlimit",
              "getsid",
              "gettid",
              "gettimeofday",
              "getuid",
              "map_shadow_stack",
              "membarrier",
              "mmap",
              "mprotect",
              "munmap",
              "nanosleep",
              "pause",
              "prlimit64",      /* glibc's getrlimit() */
              "restart_syscall",
              "rseq",
              "rt_sigreturn",
              "sched_getaffinity",
              "sched_yield",
              "set_robust_list",
              "set_thread_area",
              "set_tid_address",
              "time"),
        GROUP("@basic-io",
              "Read, write, seek, duplicate and close file descriptors; copy data between them",
              "close",
              "close_range",
              "copy_file_range",
              "dup",
              "dup2",
              "dup3",
              "fcntl",
              "lseek",
              "pread64",
              "preadv",
              "preadv2",
              "pwrite64",
              "pwritev",
              "pwritev2",
              "read",
              "readv",
              "sendfile",
              "splice",
              "tee",
              "vmsplice",
              "write",
              "writev"),
        GROUP("@file-system",
              "Open, inspect, create, rename and remove files and directories; attributes and change notification",
              "access",
              "cachestat",
              "chdir",
              "chmod",
              "creat",
              "faccessat",
              "faccessat2",
              "fadvise64",
              "fallocate",
              "fchdir",
              "fchmod",
              "fchmodat",
              "fchmodat2",
              "fgetxattr",
              "flistxattr",
              "flock",
              "fremovexattr",
              "fsetxattr",
              "fstat",
              "fstatfs",
              "ftruncate",
              "futimesat",
              "getcwd",
              "getdents",
              "getdents64",
              "getxattr",
              "getxattrat",     /* Linux 6.13 */
              "inotify_add_watch",
              "inotify_init",
              "inotify_init1",
              "inotify_rm_watch",
              "lgetxattr",
              "link",
              "linkat",
              "listxattr",
              "listxattrat",    /* Linux 6.13 */
              "llistxattr",
              "lremovexattr",
              "lsetxattr",
              "lstat",
              "mkdir",
              "mkdirat",
              "mknod",          /* device nodes need CAP_MKNOD; FIFOs and sockets do not */
              "mknodat",
              "newfstatat",
              "open",
              "openat",
              "openat2",
              "readahead",
              "readlink",
              "readlinkat",
              "removexattr",
              "removexattrat",  /* Linux 6.13 */
              "rename",
              "renameat",
              "renameat2",
              "rmdir",
              "setxattr",
              "setxattrat",     /* Linux 6.13 */
              "stat",
              "statfs",
              "statx",
              "symlink",
              "symlinkat",
              "truncate",
              "umask",
              "unlink",
              "unlinkat",
              "utime",
              "utimensat",
              "utimes"),
        GROUP("@io-event",
              "Wait for events on file descriptors: poll, select, epoll, eventfd",
              "epoll_create",
              "epoll_create1",
              "epoll_ctl",
              "epoll_pwait",
              "epoll_pwait2",
              "epoll_wait",
              "eventfd",
              "eventfd2",
              "poll",
              "ppoll",
              "pselect6",
              "select"),
        GROUP("@network-io",
              "Sockets: create, bind, listen, accept, connect, send, receive, options",
              "accept",
              "accept4",
              "bind",
              "connect",
              "getpeername",
              "getsockname",
              "getsockopt",
              "listen",
              "recvfrom",
              "recvmmsg",
              "recvmsg",
              "sendmmsg",
              "sendmsg",
              "sendto",
              "setsockopt",
              "shutdown",
              "socket",
              "socketpair"),
        GROUP("@signal",
              "Handle, block and wait for signals (sending them is in @process)",
              "rt_sigaction",
              "rt_sigpending",
              "rt_sigprocmask",
              "rt_sigsuspend",
              "rt_sigtimedwait",
              "sigaltstack",
              "signalfd",
              "signalfd4"),
        GROUP("@timer",
              "Alarms, interval timers, POSIX timers, timerfd and process times",
              "alarm",
              "getitimer",
              "setitimer",
              "timer_create",
              "timer_delete",
              "timer_getoverrun",
              "timer_gettime",
              "timer_settime",
              "timerfd_create",
              "timerfd_gettime",
              "timerfd_settime",
              "times"),
        GROUP("@process",
              "Create, exec, wait for and signal processes and threads; sessions, process groups, prctl",
              "capget",
              "clone",          /* CLONE_NEW* flags are filtered apart, see sandbox.policy(5) */
              "clone3",         /* ENOSYS unless every namespace type is allowed */
              "execveat",
              "fork",
              "getrusage",
              "kill",
              "pidfd_open",
              "pidfd_send_signal",
              "prctl",
              "process_mrelease",
              "rt_sigqueueinfo",
              "rt_tgsigqueueinfo",
              "setpgid",
              "setsid",
              "tgkill",
              "tkill",
              "vfork",
              "wait4",
              "waitid"),
        GROUP("@ipc",
              "Pipes, memfd, System V IPC and POSIX message queues",
              "memfd_create",
              "mq_getsetattr",
              "mq_notify",
              "mq_open",
              "mq_timedreceive",
              "mq_timedsend",
              "mq_unlink",
              "msgctl",
              "msgget",
              "msgrcv",
              "msgsnd",
              "pipe",
              "pipe2",
              "semctl",
              "semget",
              "semop",
              "semtimedop",
              "shmat",
              "shmctl",
              "shmdt",
              "shmget"),
        GROUP("@memory",
              "Memory beyond the basics: advice, locking (bounded by RLIMIT_MEMLOCK), remapping, secret memory",
              "madvise",
              "memfd_secret",
              "mincore",
              "mlock",
              "mlock2",
              "mlockall",
              "mremap",
              "mseal",          /* Linux 6.10 */
              "msync",
              "munlock",
              "munlockall",
              "remap_file_pages"),
        GROUP("@pkey",
              "Memory protection keys",
              "pkey_alloc",
              "pkey_free",
              "pkey_mprotect"),
        GROUP("@sync",
              "Flush file data and metadata to storage",
              "fdatasync",
              "fsync",
              "msync",
              "sync",
              "sync_file_range",
              "syncfs"),
        GROUP("@aio",
              "Kernel asynchronous I/O (io_setup and friends; io_uring is the separate @io-uring)",
              "io_cancel",
              "io_destroy",
              "io_getevents",
              "io_pgetevents",
              "io_setup",
              "io_submit"),
        GROUP("@io-uring",
              "io_uring: a large attack surface behind many kernel exploits; off in Docker, Android and ChromeOS",
              "io_uring_enter",
              "io_uring_register",
              "io_uring_setup"),
        GROUP("@chown",
              "Change file ownership (beyond one's own groups, CAP_CHOWN decides)",
              "chown",
              "fchown",
              "fchownat",
              "lchown"),
        GROUP("@setuid",
              "Change user and group ids, supplementary groups and one's own capabilities (CAP_SETUID, CAP_SETGID decide)",
              "capset",
              "setfsgid",
              "setfsuid",
              "setgid",
              "setgroups",
              "setregid",
              "setresgid",
              "setresuid",
              "setreuid",
              "setuid"),
        GROUP("@resources",
              "Change resource limits, priorities, scheduling and CPU placement (raising them needs capabilities)",
              "ioprio_set",
              "process_madvise",
              "sched_setaffinity",
              "sched_setattr",
              "sched_setparam",
              "sched_setscheduler",
              "setpriority",
              "setrlimit"),
        GROUP("@numa",
              "NUMA memory policy and page migration (Docker asks CAP_SYS_NICE for these)",
              "get_mempolicy",
              "mbind",
              "migrate_pages",
              "move_pages",
              "set_mempolicy",
              "set_mempolicy_home_node"),
        GROUP("@self-restrict",
              "Restrict oneself further: seccomp filters and Landlock rulesets (they only ever take rights away)",
              "landlock_add_rule",
              "landlock_create_ruleset",
              "landlock_restrict_self",
              "seccomp"),
        GROUP("@clock",
              "Set the system clock (CAP_SYS_TIME)",
              "adjtimex",
              "clock_adjtime",
              "clock_settime",
              "settimeofday"),
        GROUP("@mount",
              "Mount, unmount and move filesystems; change the root directory",
              "chroot",
              "fsconfig",
              "fsmount",
              "fsopen",
              "fspick",
              "listmount",      /* Linux 6.8 */
              "mount",
              "mount_setattr",
              "move_mount",
              "open_tree",
              "pivot_root",
              "statmount",      /* Linux 6.8 */
              "umount2"),
        GROUP("@namespaces",
              "Create or enter namespaces with unshare and setns (clone's CLONE_NEW* flags are filtered apart)",
              "setns",
              "unshare"),
        GROUP("@module",
              "Load and unload kernel modules (CAP_SYS_MODULE)",
              "delete_module",
              "finit_module",
              "init_module"),
        GROUP("@raw-io",
              "Raw I/O port access (CAP_SYS_RAWIO)",
              "ioperm",
              "iopl"),
        GROUP("@reboot",
              "Reboot, halt, or load a new kernel to boot",
              "kexec_file_load",
              "kexec_load",
              "reboot"),
        GROUP("@swap",
              "Enable and disable swap space (CAP_SYS_ADMIN)",
              "swapoff",
              "swapon"),
        GROUP("@keyring",
              "Kernel keyrings: not namespaced, shared by every process of a uid on the host",
              "add_key",
              "keyctl",
              "request_key"),
        GROUP("@debug",
              "Trace and inspect other processes: ptrace, perf events, their memory and fds; personality (turns ASLR off)",
              "kcmp",
              "perf_event_open",
              "personality",
              "pidfd_getfd",
              "process_vm_readv",
              "process_vm_writev",
              "ptrace"),
        GROUP("@cpu-emulation",
              "Change the CPU's segment descriptors (modify_ldt, used by old 16-bit emulators)",
              "modify_ldt"),
        GROUP("@obsolete",
              "Syscalls the kernel no longer implements, or old interfaces with modern replacements",
              "_sysctl",
              "afs_syscall",
              "create_module",
              "epoll_ctl_old",
              "epoll_wait_old",
              "get_kernel_syms",
              "getpmsg",
              "lookup_dcookie",
              "nfsservctl",
              "putpmsg",
              "query_module",
              "security",
              "sysfs",
              "tuxcall",
              "uselib",
              "ustat",
              "vserver"),
        GROUP("@privileged",
              "Administer the host: every call here needs a capability no ordinary service holds",
              "@clock",
              "@module",
              "@mount",
              "@raw-io",
              "@reboot",
              "@swap",
              "acct",
              "bpf",
              "fanotify_init",
              "fanotify_mark",
              "open_by_handle_at", /* CAP_DAC_READ_SEARCH; the 2014 "shocker" container escape */
              "quotactl",
              "quotactl_fd",
              "setdomainname",
              "sethostname",
              "syslog",
              "vhangup"),
        GROUP("@system-service",
              "What a typical daemon or shell needs; none of mount, namespaces, keyrings, tracing, bpf, io_uring",
              "@default",
              "@basic-io",
              "@file-system",
              "@io-event",
              "@network-io",
              "@signal",
              "@timer",
              "@process",
              "@ipc",
              "@memory",
              "@pkey",
              "@sync",
              "@aio",
              "@chown",
              "@setuid",
              "@resources",
              "@self-restrict",
              "getcpu",
              "getpriority",
              "ioctl",          /* TIOCSTI and TIOCLINUX are filtered apart */
              "ioprio_get",
              "name_to_handle_at",
              "sched_get_priority_max",
              "sched_get_priority_min",
              "sched_getattr",
              "sched_getparam",
              "sched_getscheduler",
              "sched_rr_get_interval",
              "sysinfo",
              "uname"),
};

const size_t n_syscall_groups = ELEMENTSOF(syscall_groups);

const SyscallGroup *syscall_group_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < n_syscall_groups; i++)
                if (streq(syscall_groups[i].name, name))
                        return &syscall_groups[i];
        return NULL;
}

typedef struct Reached {
        const char *name;
        const SyscallGroup *from;
        size_t order;           /* position in the depth-first walk */
        bool keep;
} Reached;

typedef struct Walk {
        Reached *items;
        size_t n, allocated;
        bool *expanded;         /* per group index: each group is walked once, which also ends cycles */
} Walk;

static int walk_group(Walk *w, const SyscallGroup *g) {
        size_t idx = (size_t) (g - syscall_groups);

        if (idx >= n_syscall_groups)
                return -EINVAL;
        if (w->expanded[idx])
                return 0;
        w->expanded[idx] = true;

        for (const char *const *m = g->members; *m; m++) {
                if ((*m)[0] == '@') {
                        const SyscallGroup *sub = syscall_group_find(*m);
                        int r;

                        if (!sub)
                                return -EINVAL;
                        r = walk_group(w, sub);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (greedy_realloc((void **) &w->items, &w->allocated, w->n + 1, sizeof(Reached)) < 0)
                        return -ENOMEM;
                w->items[w->n] = (Reached) { .name = *m, .from = g, .order = w->n };
                w->n++;
        }
        return 0;
}

static int reached_by_name(const void *a, const void *b) {
        const Reached *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int reached_by_order(const void *a, const void *b) {
        const Reached *x = a, *y = b;

        return x->order < y->order ? -1 : x->order > y->order;
}

int syscall_group_foreach(const SyscallGroup *g,
                          int (*f)(const char *syscall, const SyscallGroup *from, void *userdata),
                          void *userdata) {
        _cleanup_free_ bool *expanded = NULL;
        Walk w = {};
        int r;

        if (!g || !f)
                return -EINVAL;

        expanded = calloc(n_syscall_groups, sizeof(bool));
        if (!expanded)
                return -ENOMEM;
        w.expanded = expanded;

        r = walk_group(&w, g);
        if (r < 0)
                goto finish;

        /* One report per syscall. When several groups name it, the one to
         * credit is a subgroup over the group asked for (a reviewer learns
         * more from "@sync" than from "@system-service"), else the first met. */
        if (w.n > 0)
                qsort(w.items, w.n, sizeof(Reached), reached_by_name);
        for (size_t i = 0; i < w.n;) {
                size_t j = i, pick = i;

                while (j < w.n && streq(w.items[j].name, w.items[i].name))
                        j++;
                for (size_t k = i; k < j; k++)
                        if (w.items[k].from != g) {
                                pick = k;
                                break;
                        }
                w.items[pick].keep = true;
                /* Report at the position the name was first met, so that the
                 * walk order stays the table order. */
                w.items[pick].order = w.items[i].order;
                i = j;
        }
        if (w.n > 0)
                qsort(w.items, w.n, sizeof(Reached), reached_by_order);

        for (size_t i = 0; i < w.n; i++) {
                if (!w.items[i].keep)
                        continue;
                r = f(w.items[i].name, w.items[i].from, userdata);
                if (r < 0)
                        goto finish;
        }
        r = 0;

finish:
        free(w.items);
        return r;
}
