/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Escape attempts on the kernel side: TIOCSTI, foreign syscall ABIs, the
 * syscalls that widen the kernel's attack surface or need a capability the
 * sandbox must not hold, ptrace and its relatives, sockets and networks. */

#include <arpa/inet.h>
#include <dirent.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
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

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define X32_SYSCALL_BIT 0x40000000UL

/* ---- TIOCSTI: typing into someone's terminal ---- */

static int open_own_pty(void) {
        int m, s;
        char *name;

        setsid();
        m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)))
                return -errno;
        s = open(name, O_RDWR | O_CLOEXEC);     /* becomes our controlling tty */
        if (s < 0)
                return -errno;
        (void) ioctl(s, TIOCSCTTY, 0);
        return s;
}

void t_tiocsti(long variant) {
        static const char *const names[] = { "tiocsti", "tiocsti-highbits", "tiocsti-stdin" };
        const char *name = names[variant];
        unsigned long req = TIOCSTI;
        char c = ' ';
        int fd;
        long rc;

        if (variant == 2) {
                if (!isatty(STDIN_FILENO)) {
                        report(name, VERDICT_SKIP, "stdin is not a terminal");
                        return;
                }
                fd = STDIN_FILENO;
        } else {
                fd = open_own_pty();
                if (fd < 0) {
                        report(name, VERDICT_SKIP, "cannot open a pty: %s", errno_name(-fd));
                        return;
                }
        }
        if (variant == 1)
                /* ioctl's cmd is an unsigned int in the kernel: a filter that
                 * compares all 64 bits sees another number than the kernel. */
                req |= 0xdead000000000000UL;
        rc = syscall(SYS_ioctl, fd, req, &c);
        if (rc == 0)
                report(name, VERDICT_ALLOWED, "injected a character into %s", variant == 2 ? "stdin" : "a tty");
        else
                report(name, VERDICT_BLOCKED, "%s", errno_name(errno));
}

/* ---- other ABIs ---- */

void t_x32(long nr) {
        const char *name = nr == SYS_getpid ? "x32-getpid" : "x32-unshare";
        long rc = syscall(X32_SYSCALL_BIT | nr, CLONE_NEWUSER);

        classify(name, rc, errno, ALSO(EINVAL));
}

#if defined(__x86_64__)
static long int80(long nr, long a) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a) : "memory", "rcx", "r11");
        return ret;
}
#endif

void t_i386(long nr) {
        const char *name = nr == 20 ? "i386-getpid" : "i386-unshare";
#if defined(__x86_64__)
        long rc = int80(nr, CLONE_NEWUSER);

        if (rc < 0 && rc > -4096)
                classify(name, -1, (int) -rc, ALSO(EINVAL));
        else
                classify(name, rc, 0, NULL);
#else
        report(name, VERDICT_SKIP, "not x86-64");
#endif
}

/* ---- kernel attack surface ---- */

void t_syscalls(long which) {
        long rc;

        switch (which) {
        case 0: {
                unsigned char params[120] = { 0 };     /* struct io_uring_params */
                rc = syscall(SYS_io_uring_setup, 1, params);
                classify("io_uring_setup", rc, errno, NULL);
                break;
        }
        case 1:
                rc = syscall(SYS_userfaultfd, O_CLOEXEC);
                classify("userfaultfd", rc, errno, NULL);
                break;
        case 2:
                rc = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
                classify("userfaultfd-usermode", rc, errno, NULL);
                break;
        case 3: {
                struct perf_event_attr a = {
                        .type = PERF_TYPE_SOFTWARE,
                        .size = sizeof a,
                        .config = PERF_COUNT_SW_CPU_CLOCK,
                        .disabled = 1, .exclude_kernel = 1, .exclude_hv = 1,
                };
                rc = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
                classify("perf_event_open", rc, errno, ALSO(ENOENT, ENODEV));
                break;
        }
        case 4: {
                union bpf_attr a = {
                        .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1,
                };
                rc = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
                classify("bpf", rc, errno, NULL);
                break;
        }
        case 5: {
                static char empty[1];
                rc = syscall(SYS_init_module, empty, 0, "");
                classify("init_module", rc, errno, NULL);
                break;
        }
        case 6:
                rc = syscall(SYS_finit_module, -1, "", 0);
                classify("finit_module", rc, errno, NULL);
                break;
        case 7:
                rc = syscall(SYS_delete_module, "sbxprobe_none", O_NONBLOCK);
                classify("delete_module", rc, errno, NULL);
                break;
        case 8:
                /* More segments than KEXEC_SEGMENT_MAX: EINVAL after the check. */
                rc = syscall(SYS_kexec_load, 0, 1000, NULL, 0);
                classify("kexec_load", rc, errno, NULL);
                break;
        case 9: {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                rc = clock_settime(CLOCK_REALTIME, &now);
                classify("clock_settime", rc, errno, NULL);
                break;
        }
        case 10:
                /* Both NULL: the privilege check and nothing else. */
                rc = syscall(SYS_settimeofday, NULL, NULL);
                classify("settimeofday", rc, errno, NULL);
                break;
        case 11: {
                struct timex tx = { .modes = ADJ_TICK, .tick = 1 };
                rc = clock_adjtime(CLOCK_REALTIME, &tx);
                classify("clock_adjtime", rc, errno, NULL);
                break;
        }
        case 12:
                /* Wrong magic: EINVAL after the CAP_SYS_BOOT check. */
                rc = syscall(SYS_reboot, 0xdeadbeefL, 0xfeedL, 0, NULL);
                classify("reboot", rc, errno, NULL);
                break;
        case 13:
                rc = swapon("/sbxprobe-none", 0);
                classify("swapon", rc, errno, NULL);
                break;
        case 14:
                rc = swapoff("/sbxprobe-none");
                classify("swapoff", rc, errno, NULL);
                break;
        case 15:
                rc = acct("/sbxprobe-none");
                classify("acct", rc, errno, NULL);
                break;
        case 16:
                rc = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
                classify("syslog", rc, errno, NULL);
                break;
        case 17:
                rc = ioperm(0x80, 1, 1);
                classify("ioperm", rc, errno, ALSO(EINVAL));
                break;
        case 18:
                rc = iopl(3);
                classify("iopl", rc, errno, ALSO(EINVAL));
                break;
        case 19: {
                char host[256] = "";
                gethostname(host, sizeof host);
                rc = sethostname(host, strlen(host));
                classify("sethostname", rc, errno, NULL);
                break;
        }
        case 20:
                rc = syscall(SYS_add_key, "user", "sbxprobe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
                classify("add_key", rc, errno, NULL);
                break;
        case 21:
                /* uid 0 without a user namespace shares the host root's keyring. */
                rc = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
                classify("keyctl", rc, errno, NULL);
                break;
        case 22:
                rc = syscall(SYS_request_key, "user", "sbxprobe-none", NULL, 0);
                classify("request_key", rc, errno, NULL);
                break;
        }
}

/* ---- ptrace and friends, against processes the probe did not create
 * (its parent, PID 1) and one it did. SEIZE does not stop the tracee and is
 * undone when this child exits. ---- */

void t_ptrace(long which) {
        long rc;

        if (which == 0) {
                pid_t c = fork();

                if (c == 0) {
                        /* Do not outlive the attempt, whatever kills it. */
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        for (;;)
                                pause();
                }
                rc = ptrace(PTRACE_ATTACH, c, NULL, NULL);
                classify("ptrace-child", rc, errno, NULL);
                kill(c, SIGKILL);
                waitpid(c, NULL, 0);
        } else if (which == 1) {
                if (probe_parent <= 1) {
                        report("ptrace-parent", VERDICT_SKIP, "parent is pid %d: see ptrace-init", probe_parent);
                        return;
                }
                rc = ptrace(PTRACE_SEIZE, probe_parent, NULL, NULL);
                classify("ptrace-parent", rc, errno, ALSO(ESRCH));
        } else {
                if (probe_main == 1) {
                        report("ptrace-init", VERDICT_SKIP, "the probe is pid 1");
                        return;
                }
                rc = ptrace(PTRACE_SEIZE, 1, NULL, NULL);
                classify("ptrace-init", rc, errno, ALSO(ESRCH));
        }
}

void t_process_vm(long which) {
        if (which == 0) {
                uint64_t v = 0;
                struct iovec l = { &v, sizeof v }, r = { (void *) &probe_canary, sizeof v };
                long rc = syscall(SYS_process_vm_readv, probe_main, &l, 1, &r, 1, 0);

                classify("process_vm_readv", rc, errno, ALSO(ESRCH));
        } else {
                long pidfd = syscall(SYS_pidfd_open, probe_main, 0), rc;

                if (pidfd < 0) {
                        report("pidfd_getfd", VERDICT_BLOCKED, "pidfd_open: %s", errno_name(errno));
                        return;
                }
                rc = syscall(SYS_pidfd_getfd, pidfd, 1, 0);
                classify("pidfd_getfd", rc, errno, ALSO(ESRCH));
        }
}

/* ---- network ---- */

void t_sockets(long which) {
        long rc;

        if (which == 0) {
                rc = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
                classify("raw-socket", rc, errno, ALSO(EAFNOSUPPORT, EPROTONOSUPPORT));
        } else {
                rc = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003 /* ETH_P_ALL */));
                classify("packet-socket", rc, errno, ALSO(EAFNOSUPPORT, EPROTONOSUPPORT));
        }
}

void t_net_admin(long arg) {
        struct ifreq ifr = { .ifr_name = "lo" };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        long rc;

        if (fd < 0) {
                if (errno_blocks(errno, ALSO(EAFNOSUPPORT)))
                        report("net-admin", VERDICT_BLOCKED, "socket: %s", errno_name(errno));
                else
                        report("net-admin", VERDICT_SKIP, "socket: %s", errno_name(errno));
                return;
        }
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
                report("net-admin", VERDICT_SKIP, "no lo: %s", errno_name(errno));
                return;
        }
        /* The same flags again: a no-op that needs CAP_NET_ADMIN. */
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
        classify("net-admin", rc, errno, NULL);
}

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int err = 0;
        socklen_t l = sizeof err;

        if (connect(fd, sa, len) == 0)
                return 0;
        if (errno != EINPROGRESS)
                return -errno;
        if (poll(&p, 1, 2000) <= 0)
                return -ETIMEDOUT;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
                return -errno;
        return -err;
}

static void report_connect(const char *name, const char *what, int r) {
        if (r == 0)
                report(name, VERDICT_ALLOWED, "connected to %s", what);
        else
                report(name, VERDICT_BLOCKED, "%s", errno_name(-r));
}

void t_tcp(long arg) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(probe_opts->tcp_port) };
        char what[64];
        int fd;

        if (!probe_opts->tcp_port) {
                report("tcp-localhost", VERDICT_SKIP, "no --tcp PORT");
                return;
        }
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                report("tcp-localhost", VERDICT_BLOCKED, "socket: %s", errno_name(errno));
                return;
        }
        snprintf(what, sizeof what, "127.0.0.1:%d", probe_opts->tcp_port);
        report_connect("tcp-localhost", what, connect_timeout(fd, (struct sockaddr *) &sin, sizeof sin));
}

static void connect_unix(const char *name, const char *path, bool abstract) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        size_t n = strlen(path);
        int fd;

        if (n + 1 >= sizeof sun.sun_path) {
                report(name, VERDICT_ERROR, "path too long");
                return;
        }
        memcpy(sun.sun_path + abstract, path, n);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                report(name, VERDICT_BLOCKED, "socket: %s", errno_name(errno));
                return;
        }
        report_connect(name, path, connect_timeout(fd, (struct sockaddr *) &sun,
                                                   offsetof(struct sockaddr_un, sun_path) + abstract + n));
}

void t_unix(long which) {
        if (which == 0) {
                if (probe_opts->abstract_name)
                        connect_unix("abstract-unix", probe_opts->abstract_name, true);
                else
                        report("abstract-unix", VERDICT_SKIP, "no --abstract NAME");
        } else if (which == 1) {
                if (probe_opts->unix_path)
                        connect_unix("unix-socket", probe_opts->unix_path, false);
                else
                        report("unix-socket", VERDICT_SKIP, "no --unix PATH");
        } else
                connect_unix("dbus-system", probe_opts->dbus_path, false);
}

/* ---- privilege changes for a non-root service ---- */

void t_setuid(long arg) {
        gid_t zero = 0;

        if (getuid() == 0) {
                report("setuid-root", VERDICT_SKIP, "already uid 0");
                report("setgroups-root", VERDICT_SKIP, "already uid 0");
                return;
        }
        classify("setuid-root", setuid(0), errno, NULL);
        classify("setgroups-root", setgroups(1, &zero), errno, NULL);
}
