/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* plan_compile_seccomp / launch_seccomp_load: plans built by hand, each
 * filter loaded in a forked child (with no_new_privs, so no privileges are
 * needed) and its behaviour checked from inside that child. */

#include <errno.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "af-util.h"
#include "macro.h"
#include "plan-compile.h"
#include "plan-seccomp.h"
#include "seccomp-bpf.h"
#include "seccomp-load.h"
#include "plan.h"
#include "policy.h"
#include "strv.h"
#include "syscall-groups.h"
#include "test-helpers.h"

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define X32_SYSCALL_BIT 0x40000000UL

static pid_t test_pid;
static bool have_int80;

static SeccompAction act_errno(int e) {
        return (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = e };
}
static const SeccompAction act_allow = { .type = SECCOMP_ACTION_ALLOW };

static void plan_set(Plan *p, const char *name, SeccompAction a) {
        PlanSyscall *n;

        for (size_t i = 0; i < p->n_syscalls; i++)
                if (streq(p->syscalls[i].name, name)) {
                        p->syscalls[i].action = a;
                        return;
                }
        n = reallocarray(p->syscalls, p->n_syscalls + 1, sizeof(PlanSyscall));
        ASSERT_TRUE(n);
        p->syscalls = n;
        p->syscalls[p->n_syscalls++] = (PlanSyscall) { .name = strdup(name), .origin = strdup(""), .action = a };
}

static int add_allowed(const char *syscall, const SyscallGroup *from, void *userdata) {
        plan_set(userdata, syscall, act_allow);
        return 0;
}

static void plan_allow_group(Plan *p, const char *group) {
        ASSERT_OK(syscall_group_foreach(syscall_group_find(group), add_allowed, p));
}

static Plan *make_plan(SeccompAction def, const char *group, uint64_t allow_ns) {
        Plan *p = plan_new();

        ASSERT_TRUE(p);
        p->seccomp_default_action = def;
        p->seccomp_allow_namespaces = allow_ns;
        ASSERT_OK(strv_extend(&p->seccomp_architectures, "native"));
        if (group)
                plan_allow_group(p, group);
        return p;
}

/* ---- in the child ---- */

#define CHILD_CHECK(expr)                                                                       \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: in the filtered child: %s (errno %d: %s)\n",    \
                                __FILE__, __LINE__, #expr, errno, strerror(errno));             \
                        _exit(1);                                                               \
                }                                                                               \
        } while (0)

/* A call failed with exactly this errno. */
#define CHILD_ERRNO(call, e)                                                                    \
        do {                                                                                    \
                errno = 0;                                                                      \
                long _r_ = (long) (call);                                                       \
                if (_r_ != -1 || errno != (e)) {                                                \
                        fprintf(stderr, "%s:%d: in the filtered child: %s = %ld, errno %d (%s), expected %s\n", \
                                __FILE__, __LINE__, #call, _r_, errno, strerror(errno), #e);    \
                        _exit(1);                                                               \
                }                                                                               \
        } while (0)

/* Fork; the child sets no_new_privs, loads p's filter and runs fn. Returns
 * the child's wait status. */
static int run_filtered(const Plan *p, void (*fn)(void *), void *userdata) {
        int status;
        pid_t pid = fork();

        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int r;

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(90);
                r = launch_seccomp_load(p);
                if (r < 0) {
                        fprintf(stderr, "launch_seccomp_load: %s\n", strerror(-r));
                        _exit(91);
                }
                fn(userdata);
                _exit(0);
        }
        ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
        return status;
}

#define ASSERT_EXITED_OK(status)                                                                \
        do {                                                                                    \
                int _s_ = (status);                                                             \
                if (!WIFEXITED(_s_) || WEXITSTATUS(_s_) != 0) {                                 \
                        fprintf(stderr, "%s:%d: child %s %d\n", __FILE__, __LINE__,             \
                                WIFEXITED(_s_) ? "exited with" : "was killed by signal",        \
                                WIFEXITED(_s_) ? WEXITSTATUS(_s_) : WTERMSIG(_s_));             \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_KILLED_BY_SIGSYS(status)                                                         \
        do {                                                                                    \
                int _s_ = (status);                                                             \
                if (!WIFSIGNALED(_s_) || WTERMSIG(_s_) != SIGSYS) {                             \
                        fprintf(stderr, "%s:%d: child was not killed by SIGSYS (%s %d)\n",      \
                                __FILE__, __LINE__, WIFEXITED(_s_) ? "exit" : "signal",         \
                                WIFEXITED(_s_) ? WEXITSTATUS(_s_) : WTERMSIG(_s_));             \
                        abort();                                                                \
                }                                                                               \
        } while (0)

static long int80(long nr) {
#if defined(__x86_64__)
        long r;

        /* The i386 entry point, reachable from 64-bit code: the kernel
         * reports AUDIT_ARCH_I386 to seccomp and uses the i386 numbers. */
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
        return r;
#else
        return -ENOSYS;
#endif
}

#define I386_NR_GETPID 20

static void do_int80_getpid(void *userdata) {
        long r = int80(I386_NR_GETPID);

        /* Only reached when the filter let the i386 call through. */
        _exit(r == getpid() ? 42 : 43);
}

static void do_int80_1000(void *userdata) {
        long r = int80(1000);

        _exit(r < 0 && r > -4096 ? (int) -r : 0);
}

/* socketcall(SYS_SOCKET, {AF_PACKET, SOCK_RAW, 0}) on the i386 ABI. */
static void do_int80_socketcall(void *userdata) {
#if defined(__x86_64__)
        static uint32_t args[3] = { AF_PACKET, SOCK_RAW, 0 };
        long r;

        __asm__ volatile("int $0x80" : "=a"(r) : "a"(102), "b"(1), "c"(args) : "memory", "r8", "r9", "r10", "r11");
        _exit(r < 0 && r > -4096 ? (int) -r : 0);
#else
        _exit(0);
#endif
}

static void do_x32_getpid(void *userdata) {
        /* getpid with the x32 bit: same number, other ABI. */
        (void) syscall(X32_SYSCALL_BIT | __NR_getpid);
        _exit(44);
}

static void *thread_main(void *arg) {
        return arg;
}

static void check_common_service(void) {
        pid_t child;
        int status;
        char c = 'x';
        pthread_t t;
        void *ret;

        /* Allowed. */
        CHILD_CHECK(getppid() == test_pid);
        CHILD_CHECK(write(STDERR_FILENO, "", 0) == 0);

        /* fork is clone with SIGCHLD and no namespace flag. */
        child = fork();
        CHILD_CHECK(child >= 0);
        if (child == 0)
                _exit(7);
        CHILD_CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 7);

        /* pthread_create tries clone3 first; ENOSYS makes glibc fall back to clone. */
        CHILD_CHECK(pthread_create(&t, NULL, thread_main, &c) == 0);
        CHILD_CHECK(pthread_join(t, &ret) == 0 && ret == &c);

        /* Namespace creation through clone and clone3. */
        CHILD_ERRNO(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0), EPERM);
        CHILD_ERRNO(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0), EPERM);
        CHILD_ERRNO(syscall(SYS_clone, (1UL << 32) | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0), EPERM);
        {
                uint64_t args[11] = {};

                args[4] = SIGCHLD; /* exit_signal */
                CHILD_ERRNO(syscall(__NR_clone3, args, sizeof(args)), ENOSYS);
                args[0] = CLONE_NEWUSER;
                CHILD_ERRNO(syscall(__NR_clone3, args, sizeof(args)), ENOSYS);
        }

        /* ioctl: TIOCSTI and TIOCLINUX refused whatever the high bits say;
         * everything else reaches the kernel (EBADF on fd -1). */
        CHILD_ERRNO(ioctl(-1, TIOCSTI, &c), EPERM);
        CHILD_ERRNO(ioctl(-1, TIOCLINUX, &c), EPERM);
        CHILD_ERRNO(syscall(SYS_ioctl, -1, (1UL << 32) | TIOCSTI, &c), EPERM);
        CHILD_ERRNO(syscall(SYS_ioctl, -1, 0xffffffff00000000UL | TIOCSTI, &c), EPERM);
        CHILD_ERRNO(syscall(SYS_ioctl, -1, (1UL << 63) | TIOCLINUX, &c), EPERM);
        CHILD_ERRNO(ioctl(-1, TIOCGWINSZ, &c), EBADF);
        CHILD_ERRNO(ioctl(-1, FIONREAD, &c), EBADF);
        CHILD_ERRNO(ioctl(-1, TIOCSTI ^ 1, &c), EBADF);
        CHILD_ERRNO(ioctl(-1, TIOCSTI | 0x80000000U, &c), EBADF);
        CHILD_ERRNO(syscall(SYS_ioctl, -1, (1UL << 32) | TIOCGWINSZ, &c), EBADF);
}

static void child_common(void *userdata) {
        check_common_service();
}

/* What any service filter must still do. */
static void check_common_service_plan(const Plan *p) {
        ASSERT_EXITED_OK(run_filtered(p, child_common, NULL));
}

typedef struct Pty {
        int master, slave;
} Pty;

static void open_pty(Pty *pty) {
        char *name;

        pty->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        ASSERT_TRUE(pty->master >= 0);
        ASSERT_TRUE(grantpt(pty->master) == 0 && unlockpt(pty->master) == 0);
        name = ptsname(pty->master);
        ASSERT_TRUE(name);
        pty->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        ASSERT_TRUE(pty->slave >= 0);
}

static void check_pty(const Pty *pty) {
        struct winsize ws;
        char c = 'x';

        /* On a real terminal: TIOCSTI refused, terminal queries work. */
        CHILD_ERRNO(ioctl(pty->slave, TIOCSTI, &c), EPERM);
        CHILD_ERRNO(syscall(SYS_ioctl, pty->slave, (1UL << 40) | TIOCSTI, &c), EPERM);
        CHILD_CHECK(ioctl(pty->slave, TIOCGWINSZ, &ws) == 0);
        CHILD_CHECK(isatty(pty->slave));
}

/* ---- plans ---- */

/* A distinctive default action, so "the default applied" is visible. */
#define DEFAULT_ERRNO EDOM

static void child_service(void *userdata) {
        const Pty *pty = userdata;

        check_common_service();
        check_pty(pty);

        /* Listed with their own actions. */
        CHILD_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
        CHILD_ERRNO(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EACCES);
        /* Unlisted: the default action. */
        CHILD_ERRNO(syscall(SYS_swapon, NULL, 0), DEFAULT_ERRNO);
        CHILD_ERRNO(syscall(SYS_acct, NULL), DEFAULT_ERRNO);
        CHILD_ERRNO(syscall(SYS_bpf, 0, NULL, 0), DEFAULT_ERRNO);

        /* unshare is allowed, but only for the namespace types allowed (uts). */
        CHILD_CHECK(unshare(0) == 0);
        CHILD_CHECK(unshare(CLONE_FILES) == 0);
        CHILD_ERRNO(unshare(CLONE_NEWUSER), EPERM);
        CHILD_ERRNO(unshare(CLONE_NEWNET), EPERM);
        CHILD_ERRNO(unshare(CLONE_NEWNS), EPERM);
        CHILD_ERRNO(unshare(CLONE_NEWTIME), EPERM);
        CHILD_ERRNO(unshare(CLONE_NEWUTS | CLONE_NEWUSER), EPERM);
        CHILD_ERRNO(syscall(SYS_unshare, (1UL << 32) | CLONE_NEWUSER), EPERM);
        if (geteuid() == 0)
                CHILD_CHECK(unshare(CLONE_NEWUTS) == 0);
        else
                CHILD_ERRNO(unshare(CLONE_NEWUTS), EPERM); /* the kernel's answer */
        /* setns is listed as allowed, but only for exactly the allowed type:
         * nstype 0 would join whatever the fd is. EBADF: the kernel saw it. */
        CHILD_ERRNO(setns(-1, CLONE_NEWUTS), EBADF);
        CHILD_ERRNO(syscall(SYS_setns, -1, (1UL << 32) | CLONE_NEWUTS), EBADF);
        CHILD_ERRNO(setns(-1, 0), EPERM);
        CHILD_ERRNO(setns(-1, CLONE_NEWNET), EPERM);
        CHILD_ERRNO(setns(-1, CLONE_NEWUTS | CLONE_NEWNET), EPERM);
        CHILD_ERRNO(syscall(SYS_setns, -1, (1UL << 32) | CLONE_NEWUSER), EPERM);
}

TEST(service_plan) {
        Plan *p = make_plan(act_errno(DEFAULT_ERRNO), "@system-service", NAMESPACE_MASK(NAMESPACE_UTS));
        Pty pty;

        plan_set(p, "unshare", act_allow);
        plan_set(p, "setns", act_allow);
        plan_set(p, "mount", act_errno(EPERM));
        plan_set(p, "ptrace", act_errno(EACCES));
        /* A name this libseccomp does not know is skipped quietly. */
        plan_set(p, "no_such_syscall_anywhere", act_allow);
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_TRUE(p->seccomp_bpf && p->seccomp_bpf_size % sizeof(struct sock_filter) == 0);
        fprintf(stderr, "   service filter: %zu instructions\n", p->seccomp_bpf_size / sizeof(struct sock_filter));

        open_pty(&pty);
        ASSERT_EXITED_OK(run_filtered(p, child_service, &pty));
        close(pty.master);
        close(pty.slave);

        /* Foreign ABIs: i386 through int $0x80, x32 through the x32 bit. */
        if (have_int80)
                ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_int80_getpid, NULL));
        else
                fprintf(stderr, "   (no i386 emulation in this kernel: int $0x80 check skipped)\n");
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));
        plan_free(p);
}

static void child_eperm_default(void *userdata) {
        check_common_service();
        CHILD_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
        CHILD_ERRNO(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM);
        /* Not allowed at all: refused even without namespace flags. */
        CHILD_ERRNO(unshare(0), EPERM);
        CHILD_ERRNO(setns(-1, 0), EPERM);
}

/* The default policy's shape: rules equal to the default action (EPERM)
 * must be left out rather than make libseccomp fail. */
TEST(eperm_default_plan) {
        Plan *p = make_plan(act_errno(EPERM), "@system-service", 0);

        plan_set(p, "ptrace", act_errno(EPERM));
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_EXITED_OK(run_filtered(p, child_eperm_default, NULL));
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));
        plan_free(p);
}

static void child_allow_default(void *userdata) {
        check_common_service();
        CHILD_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
        CHILD_CHECK(unshare(0) == 0);
        CHILD_ERRNO(unshare(CLONE_NEWUSER), EPERM);
        CHILD_ERRNO(unshare(CLONE_NEWCGROUP), EPERM);
        CHILD_ERRNO(setns(-1, 0), EPERM);
}

/* A deny list (default allow: only a hand-made plan can say so). The
 * namespace and ioctl refusals are the only rules for those syscalls. */
TEST(allow_default_plan) {
        Plan *p = make_plan(act_allow, NULL, 0);

        plan_set(p, "mount", act_errno(EPERM));
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_EXITED_OK(run_filtered(p, child_allow_default, NULL));
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));
        plan_free(p);
}

static void child_kill_default(void *userdata) {
        char buf[64];

        CHILD_CHECK(getppid() == test_pid);
        CHILD_ERRNO(unshare(CLONE_NEWNS), EPERM);  /* the refusal, not the kill */
        (void) syscall(SYS_getcwd, buf, sizeof(buf)); /* not allowed: dies here */
        _exit(45);
}

TEST(kill_default_plan) {
        Plan *p = make_plan((SeccompAction) { .type = SECCOMP_ACTION_KILL_PROCESS }, "@default", 0);

        plan_allow_group(p, "@basic-io");
        plan_set(p, "unshare", act_allow);
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, child_kill_default, NULL));
        plan_free(p);
}

static void child_all_namespaces(void *userdata) {
        /* clone3 and setns reach the kernel when every type is allowed. */
        CHILD_ERRNO(syscall(__NR_clone3, NULL, 0), EINVAL);
        CHILD_ERRNO(setns(-1, 0), EBADF);
        CHILD_CHECK(unshare(0) == 0);
}

TEST(all_namespaces_plan) {
        Plan *p = make_plan(act_errno(EPERM), "@system-service", NAMESPACE_MASK_ALL);

        plan_allow_group(p, "@namespaces");
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_EXITED_OK(run_filtered(p, child_all_namespaces, NULL));
        plan_free(p);
}

TEST(foreign_abi_listed) {
        Plan *p = make_plan(act_errno(EPERM), "@system-service", 0);
        size_t native_size;

        if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
                fprintf(stderr, "   (not x86_64: skipped)\n");
                plan_free(p);
                return;
        }
        ASSERT_OK(plan_compile_seccomp(p));
        native_size = p->seccomp_bpf_size;

        /* Listing x86 lets i386 calls through; x32 stays killed. */
        ASSERT_OK(strv_extend(&p->seccomp_architectures, "x86"));
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_TRUE(p->seccomp_bpf_size > native_size);
        if (have_int80) {
                int status = run_filtered(p, do_int80_getpid, NULL);

                ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 42);
        }
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));

        /* Listing only x86 removes the native ABI: even exit is refused. */
        strv_free(p->seccomp_architectures);
        p->seccomp_architectures = NULL;
        ASSERT_OK(strv_extend(&p->seccomp_architectures, "x86"));
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));
        plan_free(p);
}

/* ---- address families ---- */

#define AFM(x) (UINT64_C(1) << (x))

static void child_families(void *userdata) {
        int sv[2], fd;

        /* Allowed: the kernel answers. */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHILD_CHECK(fd >= 0);
        close(fd);
        fd = syscall(SYS_socket, (1UL << 32) | AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHILD_CHECK(fd >= 0);
        close(fd);
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        CHILD_CHECK(fd >= 0);
        close(fd);
        CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        close(sv[0]);
        close(sv[1]);
        CHILD_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
        /* Refused by the filter, whatever the high bits say. */
        CHILD_ERRNO(socket(AF_INET6, SOCK_DGRAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(AF_NETLINK, SOCK_RAW, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(63, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(AF_UNIX | 0x100, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(syscall(SYS_socket, (1UL << 32) | AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
        CHILD_ERRNO(syscall(SYS_socket, 0xffffffff00000000UL | AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(syscall(SYS_socket, -1L, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socketpair(AF_VSOCK, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
        CHILD_ERRNO(socketpair(AF_PACKET, SOCK_RAW, 0, sv), EAFNOSUPPORT);
}

static void child_no_families(void *userdata) {
        int sv[2];

        CHILD_ERRNO(socket(AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socket(AF_INET, SOCK_STREAM, 0), EAFNOSUPPORT);
        CHILD_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
}

TEST(address_families) {
        Plan *p = make_plan(act_errno(DEFAULT_ERRNO), "@system-service", 0);
        size_t unrestricted;

        ASSERT_OK(plan_compile_seccomp(p));
        unrestricted = p->seccomp_bpf_size / sizeof(struct sock_filter);

        p->seccomp_restrict_address_families = true;
        p->seccomp_address_families = AFM(AF_UNIX) | AFM(AF_INET);
        ASSERT_OK(plan_compile_seccomp(p));
        fprintf(stderr, "   AF_UNIX AF_INET: %zu instructions (%zu without a family list)\n",
                p->seccomp_bpf_size / sizeof(struct sock_filter), unrestricted);
        ASSERT_EXITED_OK(run_filtered(p, child_families, NULL));
        check_common_service_plan(p);

        p->seccomp_address_families = 0;
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_EXITED_OK(run_filtered(p, child_no_families, NULL));

        /* Every named family but one: the complement rules stay within
         * the kernel's limit. */
        p->seccomp_address_families = af_mask_all() & ~AFM(AF_PACKET);
        ASSERT_OK(plan_compile_seccomp(p));
        fprintf(stderr, "   all but AF_PACKET: %zu instructions\n", p->seccomp_bpf_size / sizeof(struct sock_filter));

        /* With i386 in the filter, socket() can be reached through
         * socketcall(2), whose arguments seccomp cannot see: it must not
         * make the compile fail, and socketcall gets ENOSYS. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                p->seccomp_address_families = AFM(AF_UNIX) | AFM(AF_INET);
                ASSERT_OK(strv_extend(&p->seccomp_architectures, "x86"));
                ASSERT_OK(plan_compile_seccomp(p));
                ASSERT_EXITED_OK(run_filtered(p, child_families, NULL));
                if (have_int80) {
                        int status = run_filtered(p, do_int80_socketcall, NULL);

                        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == ENOSYS);
                }
        }
        plan_free(p);
}

/* ---- ENOSYS above the syscall table ---- */

static void child_enosys(void *userdata) {
        const Plan *p = userdata;
        uint32_t max = p->seccomp_enosys[0].max;

        CHILD_ERRNO(syscall(1000), ENOSYS);
        CHILD_ERRNO(syscall(max + 1), ENOSYS);
        CHILD_ERRNO(syscall(0x3fffffffL), ENOSYS);
        CHILD_ERRNO(syscall(0x80000000L), ENOSYS);
        /* Numbers with the x32 bit (-1 among them) are libseccomp's to judge. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64)
                CHILD_ERRNO(syscall(-1L), DEFAULT_ERRNO);
        /* Known, not allowed: the default action (without a filter, the
         * kernel would say ENOSYS for vserver). */
        CHILD_ERRNO(syscall(SYS_acct, NULL), DEFAULT_ERRNO);
#ifdef SYS_vserver
        CHILD_ERRNO(syscall(SYS_vserver), DEFAULT_ERRNO);
#endif
        /* A rule at the ceiling itself still applies. */
        CHILD_CHECK(getppid() == test_pid);
}

static void child_enosys_kill(void *userdata) {
        CHILD_ERRNO(syscall(1000), ENOSYS);
        CHILD_CHECK(getppid() == test_pid);
        (void) syscall(SYS_acct, NULL); /* known, not allowed: killed */
        _exit(45);
}

TEST(enosys_above_table) {
        Plan *p = make_plan(act_errno(DEFAULT_ERRNO), "@system-service", 0);
        size_t without;

        ASSERT_OK(plan_compile_seccomp(p));
        without = p->seccomp_bpf_size;
        ASSERT_OK(plan_seccomp_resolve_enosys(p));
        ASSERT_EQ(p->n_seccomp_enosys, 1);
        ASSERT_STREQ(p->seccomp_enosys[0].arch, "native");
        /* At least every number libseccomp resolves by name for us. */
        ASSERT_TRUE(p->seccomp_enosys[0].max >= (uint32_t) seccomp_syscall_resolve_name("getppid"));
        {
                /* libseccomp hands the name over: ours to free. */
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(seccomp_arch_native(),
                                                                             (int) p->seccomp_enosys[0].max);
                ASSERT_TRUE(name != NULL);
        }
        for (uint32_t nr = p->seccomp_enosys[0].max + 1; nr < p->seccomp_enosys[0].max + 1000; nr++)
                ASSERT_TRUE(seccomp_syscall_resolve_num_arch(seccomp_arch_native(), (int) nr) == NULL);
        fprintf(stderr, "   highest known syscall on the native ABI: %u\n", p->seccomp_enosys[0].max);
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_TRUE(p->seccomp_bpf_size > without);
        ASSERT_EXITED_OK(run_filtered(p, child_enosys, p));
        check_common_service_plan(p);
        /* x32 numbers are above every x86-64 number: still killed, not ENOSYS. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64)
                ASSERT_KILLED_BY_SIGSYS(run_filtered(p, do_x32_getpid, NULL));

        /* Under a kill-process default the unknown get ENOSYS too. */
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_KILL_PROCESS };
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_KILLED_BY_SIGSYS(run_filtered(p, child_enosys_kill, NULL));

        /* Several ABIs: one block each, x32 none; i386 numbers above the
         * i386 table get ENOSYS too. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                p->seccomp_default_action = act_errno(DEFAULT_ERRNO);
                strv_free(p->seccomp_architectures);
                p->seccomp_architectures = NULL;
                ASSERT_OK(strv_extend(&p->seccomp_architectures, "x86_64"));
                ASSERT_OK(strv_extend(&p->seccomp_architectures, "x32"));
                ASSERT_OK(strv_extend(&p->seccomp_architectures, "x86"));
                ASSERT_OK(plan_seccomp_resolve_enosys(p));
                ASSERT_EQ(p->n_seccomp_enosys, 2);
                ASSERT_STREQ(p->seccomp_enosys[0].arch, "x86_64");
                ASSERT_STREQ(p->seccomp_enosys[1].arch, "x86");
                ASSERT_OK(plan_compile_seccomp(p));
                ASSERT_EXITED_OK(run_filtered(p, child_enosys, p));
                if (have_int80) {
                        int status = run_filtered(p, do_int80_1000, NULL);

                        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == ENOSYS);
                        status = run_filtered(p, do_int80_getpid, NULL);
                        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 42);
                }
        }
        plan_free(p);
}

TEST(errors) {
        Plan *p = make_plan(act_errno(EPERM), "@default", 0);
        void *old;

        ASSERT_EQ(launch_seccomp_load(p), -ENODATA);
        ASSERT_OK(plan_compile_seccomp(p));
        /* Compiling again replaces the program (and leaks nothing: ASan). */
        old = p->seccomp_bpf;
        ASSERT_OK(plan_compile_seccomp(p));
        ASSERT_TRUE(p->seccomp_bpf && p->seccomp_bpf != old);

        ASSERT_OK(strv_extend(&p->seccomp_architectures, "no-such-arch"));
        ASSERT_EQ(plan_compile_seccomp(p), -EINVAL);
        ASSERT_TRUE(p->seccomp_bpf); /* the old program stays on failure */

        p->seccomp_bpf_size = 12;
        ASSERT_EQ(launch_seccomp_load(p), -EINVAL);
        plan_free(p);
}

/* ---- timing ---- */

static uint64_t now_nsec(void) {
        struct timespec ts;

        ASSERT_TRUE(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

/* The default policy as shipped, expanded by the compiler. */
static Plan *default_policy_plan(void) {
        const char *src = getenv("SANDBOXD_SOURCE_DIR");
        Diagnostics d = {};
        Policy *pol = NULL;
        char *path;
        Plan *p;

        if (!src)
                return NULL;
        ASSERT_TRUE(asprintf(&path, "%s/policies/default.policy", src) > 0);
        if (policy_load(path, &pol, &d) < 0) {
                char *x = diag_string(&d);
                fprintf(stderr, "%s", x);
                abort();
        }
        diagnostics_done(&d);
        free(path);

        p = plan_new();
        ASSERT_TRUE(p);
        p->seccomp_default_action = pol->default_action;
        p->seccomp_allow_namespaces = pol->allow_namespaces;
        ASSERT_OK(policy_expand(pol, &p->syscalls, &p->n_syscalls));
        ASSERT_OK(policy_resolve_architectures(pol->architectures, &p->seccomp_architectures));
        policy_free(pol);
        return p;
}

TEST(timing) {
        Plan *p = default_policy_plan();
        uint64_t best = UINT64_MAX, total = 0, t, load_best = UINT64_MAX;
        const unsigned n = 50;

        if (!p) {
                fprintf(stderr, "   SANDBOXD_SOURCE_DIR not set: timing of the shipped default policy skipped\n");
                return;
        }
        for (unsigned i = 0; i < n; i++) {
                t = now_nsec();
                ASSERT_OK(plan_compile_seccomp(p));
                t = now_nsec() - t;
                total += t;
                best = MIN(best, t);
        }
        fprintf(stderr, "   default.policy: %zu rules, %zu BPF instructions; plan_compile_seccomp mean %.3f ms, best %.3f ms\n",
                p->n_syscalls, p->seccomp_bpf_size / sizeof(struct sock_filter),
                (double) total / n / 1e6, (double) best / 1e6);

        /* The launch-time cost: one seccomp(2) call on the ready program. */
        for (unsigned i = 0; i < 10; i++) {
                int pipefd[2], status;
                pid_t pid;

                ASSERT_TRUE(pipe(pipefd) == 0);
                pid = fork();
                ASSERT_TRUE(pid >= 0);
                if (pid == 0) {
                        uint64_t a, b;

                        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                                _exit(90);
                        a = now_nsec();
                        if (launch_seccomp_load(p) < 0)
                                _exit(91);
                        b = now_nsec() - a;
                        _exit(write(pipefd[1], &b, sizeof(b)) == sizeof(b) ? 0 : 92);
                }
                close(pipefd[1]);
                ASSERT_TRUE(read(pipefd[0], &t, sizeof(t)) == sizeof(t));
                close(pipefd[0]);
                ASSERT_TRUE(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
                load_best = MIN(load_best, t);
        }
        fprintf(stderr, "   default.policy: launch_seccomp_load best %.1f us\n", (double) load_best / 1e3);
        plan_free(p);
}

/* Can this kernel run i386 code at all? Without IA32 emulation, int $0x80
 * is a general protection fault (SIGSEGV) and never reaches seccomp. */
static bool probe_int80(void) {
        int status;
        pid_t pid = fork();

        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                /* The fault is the answer, not a bug: no sanitizer report. */
                signal(SIGSEGV, SIG_DFL);
                _exit(int80(I386_NR_GETPID) == getpid() ? 0 : 1);
        }
        ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The supervisor's reading of the program (seccomp-bpf.c): the same
 * answers as the kernel gives, and the notify variant changes only the
 * denied returns. */
static uint32_t emulate(const struct sock_filter *prog, size_t n, uint32_t arch, int nr, uint64_t a0, uint64_t a1) {
        struct seccomp_data d = { .nr = nr, .arch = arch, .args = { a0, a1 } };
        uint32_t r = 0;

        ASSERT_OK(seccomp_bpf_run(prog, n, &d, &r));
        return r;
}

static void test_notify_variant(void) {
        _cleanup_(plan_freep) Plan *p = make_plan(act_errno(EPERM), "@system-service", 0);
        _cleanup_free_ struct sock_filter *v = NULL;
        const SeccompAction kill = { .type = SECCOMP_ACTION_KILL_PROCESS };
        uint32_t native = seccomp_arch_native();
        size_t n, k, rets = 0;
        SeccompAction a;

        plan_set(p, "keyctl", kill);
        ASSERT_OK(plan_seccomp_resolve_enosys(p));
        ASSERT_OK(plan_compile_seccomp(p));
        n = p->seccomp_bpf_size / sizeof(struct sock_filter);

        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_getppid, 0, 0), SECCOMP_RET_ALLOW);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_keyctl, 0, 0), SECCOMP_RET_KILL_PROCESS);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_mount, 0, 0), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_ioctl, 0, TIOCSTI), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_ioctl, 0, FIONREAD), SECCOMP_RET_ALLOW);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, __NR_ioctl, 0, (1ULL << 32) | TIOCSTI), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, native, 1000, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
        ASSERT_EQ(emulate(p->seccomp_bpf, n, 0x12345678, __NR_getppid, 0, 0), SECCOMP_RET_KILL_PROCESS);
        ASSERT_OK(seccomp_action_from_ret(SECCOMP_RET_ERRNO | EPERM, &a));
        ASSERT_TRUE(a.type == SECCOMP_ACTION_ERRNO && a.errno_value == EPERM);

        ASSERT_OK(seccomp_bpf_notify_variant(p->seccomp_bpf, n, SECCOMP_NOTIFY_DENIALS, &v, &k));
        ASSERT_TRUE(k > 0);
        for (size_t i = 0; i < n; i++) {
                const struct sock_filter *o = &((const struct sock_filter *) p->seccomp_bpf)[i];

                if (o->code == (BPF_RET | BPF_K) && seccomp_ret_notifies(o->k, SECCOMP_NOTIFY_DENIALS)) {
                        ASSERT_EQ(v[i].k, SECCOMP_RET_USER_NOTIF);
                        rets++;
                } else
                        ASSERT_TRUE(memcmp(o, &v[i], sizeof(*o)) == 0);
        }
        ASSERT_EQ(rets, k);
        ASSERT_EQ(emulate(v, n, native, __NR_getppid, 0, 0), SECCOMP_RET_ALLOW);
        ASSERT_EQ(emulate(v, n, native, __NR_keyctl, 0, 0), SECCOMP_RET_USER_NOTIF);
        ASSERT_EQ(emulate(v, n, native, __NR_mount, 0, 0), SECCOMP_RET_USER_NOTIF);
        /* ENOSYS is not a denial: a libc probes it on every fork. */
        ASSERT_EQ(emulate(v, n, native, 1000, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);

        /* Malformed programs are refused, not run past their end. */
        {
                struct sock_filter bad[] = { BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0) };
                struct sock_filter noret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
                struct sock_filter oob[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_A, 0) };
                struct seccomp_data d = {};
                uint32_t r;

                ASSERT_EQ(seccomp_bpf_run(bad, 2, &d, &r), -EINVAL);
                ASSERT_EQ(seccomp_bpf_run(noret, 1, &d, &r), -EINVAL);
                ASSERT_EQ(seccomp_bpf_run(oob, 2, &d, &r), -EINVAL);
        }
}

int main(void) {
        test_pid = getpid();
        have_int80 = probe_int80();

        RUN(service_plan);
        RUN(eperm_default_plan);
        RUN(allow_default_plan);
        RUN(kill_default_plan);
        RUN(all_namespaces_plan);
        RUN(foreign_abi_listed);
        RUN(address_families);
        RUN(enosys_above_table);
        RUN(notify_variant);
        RUN(errors);
        RUN(timing);
        return 0;
}
