/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What the seccomp filter answers, as exact errnos (the escape attempts only
 * tell blocked from allowed):
 *
 *   sandbox-probe families      socket(2) and socketpair(2) per address family:
 *                               "socket.AF_PACKET=EAFNOSUPPORT", "socketpair.AF_UNIX=ok"
 *   sandbox-probe syscall NR... a raw syscall(NR, 0, ...) each: "syscall.1000=ENOSYS"
 *
 * Each call runs in a forked child, so a filter that kills (SIGSYS) ends
 * only that child: "=killed:SIGSYS". */

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

/* rc in the child: 0 ok, else an errno; -1 when it could not tell. */
static void run_child(const char *key, long (*fn)(long, long, long), long a, long b, long c) {
        int p[2], status, e = -1;
        pid_t pid;

        fflush(stdout);
        if (pipe2(p, O_CLOEXEC) < 0) {
                printf("%s=error:%s\n", key, errno_name(errno));
                return;
        }
        pid = fork();
        if (pid < 0) {
                printf("%s=error:%s\n", key, errno_name(errno));
                close(p[0]), close(p[1]);
                return;
        }
        if (pid == 0) {
                long r;

                close(p[0]);
                alarm(10);
                errno = 0;
                r = fn(a, b, c);
                e = r < 0 ? errno : 0;
                (void) !write(p[1], &e, sizeof e);
                _exit(0);
        }
        close(p[1]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (read(p[0], &e, sizeof e) != sizeof e)
                e = -1;
        close(p[0]);
        if (WIFSIGNALED(status))
                printf("%s=killed:SIG%s\n", key, sigabbrev_np(WTERMSIG(status)) ?: "?");
        else if (e < 0)
                printf("%s=error:no result\n", key);
        else
                printf("%s=%s\n", key, e == 0 ? "ok" : errno_name(e));
}

/* family as the syscall's 64-bit argument (high bits included), type,
 * protocol. */
static long do_socket(long family, long type, long protocol) {
        return syscall(SYS_socket, family, type | SOCK_CLOEXEC, protocol);
}

static long do_socketpair(long family, long type, long protocol) {
        int sv[2];

        return syscall(SYS_socketpair, family, type | SOCK_CLOEXEC, protocol, sv);
}

static long do_syscall(long nr, long unused, long unused2) {
        return syscall(nr, 0, 0, 0, 0, 0, 0);
}

int cmd_families(void) {
        static const struct {
                const char *name;
                long family;
                int type, protocol;
        } families[] = {
                { "AF_UNIX", AF_UNIX, SOCK_STREAM, 0 },
                { "AF_INET", AF_INET, SOCK_STREAM, 0 },
                /* Needs CAP_NET_RAW: shows whether the service holds it. */
                { "AF_INET-raw", AF_INET, SOCK_RAW, IPPROTO_ICMP },
                { "AF_INET6", AF_INET6, SOCK_STREAM, 0 },
                { "AF_NETLINK", AF_NETLINK, SOCK_RAW, 0 },
                { "AF_PACKET", AF_PACKET, SOCK_RAW, 0 },
                { "AF_PACKET-dgram", AF_PACKET, SOCK_DGRAM, 0 },
                { "AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0 },
                { "AF_BLUETOOTH", AF_BLUETOOTH, SOCK_RAW, 0 },
                { "AF_ALG", AF_ALG, SOCK_SEQPACKET, 0 },
                { "AF_XDP", AF_XDP, SOCK_RAW, 0 },
                /* The kernel reads the family as an int: high bits must
                 * neither hide a refused family nor refuse an allowed one. */
                { "AF_PACKET-highbits", (1L << 32) | AF_PACKET, SOCK_RAW, 0 },
                { "AF_VSOCK-highbits", (long) (0xffffffff00000000UL | AF_VSOCK), SOCK_STREAM, 0 },
                { "AF_UNIX-highbits", (1L << 32) | AF_UNIX, SOCK_STREAM, 0 },
                /* A number no kernel has a family for. */
                { "family-63", 63, SOCK_STREAM, 0 },
        };
        char key[64];

        for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
                snprintf(key, sizeof key, "socket.%s", families[i].name);
                run_child(key, do_socket, families[i].family, families[i].type, families[i].protocol);
        }
        for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
                snprintf(key, sizeof key, "socketpair.%s", families[i].name);
                run_child(key, do_socketpair, families[i].family, families[i].type, families[i].protocol);
        }
        return 0;
}

int cmd_syscall(int argc, char **argv) {
        char key[64];

        if (argc < 2)
                return 2;
        for (int i = 1; i < argc; i++) {
                char *end;
                long nr = strtol(argv[i], &end, 0);

                if (*end)
                        return 2;
                snprintf(key, sizeof key, "syscall.%s", argv[i]);
                run_child(key, do_syscall, nr, 0, 0);
        }
        return 0;
}

/*   sandbox-probe deny NAME COUNT [SLEEP]
 *
 * In this process (not a child: a kill action must kill the service
 * itself), COUNT calls of a syscall the test policies deny: keyctl,
 * add_key (each with arguments that would fail anyway) or socketpair
 * (AF_UNIX). Prints "deny.NAME=ERRNO count=COUNT usec=ELAPSED", then
 * sleeps SLEEP seconds, so that status sees a running service.
 *
 *   sandbox-probe own-listener
 *
 * Tries to install a filter of its own with a listener, which could answer
 * "continue" to its own calls ahead of ours: "own-listener=EBUSY". */
int cmd_deny(int argc, char **argv) {
        struct timespec t0, t1;
        long count, sleep_s = 0, nr, r = 0;
        int sv[2], e = 0;

        if (argc < 3)
                return 2;
        count = strtol(argv[2], NULL, 10);
        if (argc > 3)
                sleep_s = strtol(argv[3], NULL, 10);
        if (strcmp(argv[1], "keyctl") == 0)
                nr = SYS_keyctl;
        else if (strcmp(argv[1], "add_key") == 0)
                nr = SYS_add_key;
        else if (strcmp(argv[1], "socketpair") == 0)
                nr = SYS_socketpair;
        else
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < count; i++) {
                if (nr == SYS_socketpair)
                        r = syscall(nr, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
                else
                        r = syscall(nr, 0, 0, 0, 0, 0);
                e = r < 0 ? errno : 0;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("deny.%s=%s count=%ld usec=%ld\n", argv[1], e ? errno_name(e) : "ok", count,
               (long) ((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000));
        fflush(stdout);
        if (sleep_s > 0)
                sleep((unsigned) sleep_s);
        return 0;
}

int cmd_own_listener(void) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
        struct sock_fprog prog = { .len = 1, .filter = &allow };
        long fd;

        (void) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        printf("own-listener=%s\n", fd < 0 ? errno_name(errno) : "ok");
        return 0;
}
