/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandbox-probe: reports what a process sees of the world, from inside a
 * sandbox, one machine-readable line per fact. Built static so that it runs
 * in any image (tests/integration builds it and tools/mkimage-busybox.sh
 * copies it to /usr/bin/sandbox-probe).
 *
 *   sandbox-probe identity          uid, gid, groups, capability sets, seccomp,
 *                                   hostname, cwd, environ, pid, namespaces, fds, network
 *   sandbox-probe env               the environment, one VAR=value per line
 *   sandbox-probe fds               open fds: "fd=N TARGET" and "fds=0 1 2"
 *   sandbox-probe escape [OPTS]     try every forbidden thing, one "test" line each
 *   sandbox-probe sleep SEC [--ignore-term]   print "ready", sleep (SIGTERM: "got=SIGTERM", exit 0)
 *   sandbox-probe exit N            exit with status N
 *   sandbox-probe kill-self SIG     die by signal SIG
 *   sandbox-probe spawn N           leave N daemonised sleepers behind, then exit 0
 *   sandbox-probe write PATH TEXT   "test write: blocked|ALLOWED (errno)"
 *   sandbox-probe stdout-attack     what fds 0 and 1 are, then fchmod(1, 04755), chmod of
 *                                   /proc/self/fd/1 and ftruncate(1, 0) on it: one line each
 *   sandbox-probe flood SEC         write lines to stdout as fast as it can for SEC
 *                                   seconds, then "flood_done bytes=N"
 *   sandbox-probe fork N            fork N sleeping children: "forked=K", "fork_error=E"
 *   sandbox-probe alloc MB          touch MB MiB of memory: "allocated=K" as it goes
 *   sandbox-probe device PATH r|w|rw [c|b MAJOR MINOR]
 *                                   (mknod PATH first: "mknod=ok|ERRNO"), then open
 *                                   it: "open=ok|ERRNO"
 *   sandbox-probe fill PATH MB      write up to MB MiB into PATH: "filled=K", "fill_error=E"
 *   sandbox-probe df PATH           the size of the filesystem at PATH: "fs_size=BYTES"
 *   sandbox-probe listen [--tcp PORT] [--abstract NAME] [--unix PATH]
 *                                   host side of the escape test: listen, print
 *                                   "listening", then "accepted=KIND" per connection
 *   sandbox-probe families          socket/socketpair per address family (probe-seccomp.c)
 *   sandbox-probe syscall NR...     raw syscalls: "syscall.NR=ERRNO|ok|killed:SIGSYS"
 *   sandbox-probe deny NAME COUNT [SLEEP]  COUNT denied calls in this process (probe-seccomp.c)
 *   sandbox-probe own-listener      a seccomp listener of its own: "own-listener=EBUSY"
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

extern char **environ;

/* Where report() writes: stdout, or the pipe to the parent in an escape child. */
int probe_report_fd = STDOUT_FILENO;

const char *errno_name(int e) {
        static __thread char buf[16];
        const char *n = strerrorname_np(e);

        if (n)
                return n;
        snprintf(buf, sizeof buf, "E%d", e);
        return buf;
}

static const char *verdict_string(Verdict v) {
        switch (v) {
        case VERDICT_BLOCKED: return "blocked";
        case VERDICT_ALLOWED: return "ALLOWED";
        case VERDICT_SKIP:    return "skip";
        default:              return "error";
        }
}

void report(const char *name, Verdict v, const char *fmt, ...) {
        char detail[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);

        /* One write per line: lines from children cannot interleave. */
        dprintf(probe_report_fd, "test %s: %s (%s)\n", name, verdict_string(v), detail);
}

static void print_status_fields(void) {
        static const char *const keys[] = {
                "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                "NoNewPrivs", "Seccomp", "Seccomp_filters", "NSpid",
        };
        char line[1024];
        FILE *f = fopen("/proc/self/status", "re");

        if (!f) {
                printf("status_error=%s\n", errno_name(errno));
                return;
        }
        while (fgets(line, sizeof line, f)) {
                char *colon = strchr(line, ':'), *v;

                if (!colon)
                        continue;
                *colon = 0;
                for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                        if (strcmp(line, keys[i]) != 0)
                                continue;
                        v = colon + 1;
                        v += strspn(v, " \t");
                        v[strcspn(v, "\n")] = 0;
                        /* Tabs inside values (Uid, Gid) become spaces. */
                        for (char *c = v; *c; c++)
                                if (*c == '\t')
                                        *c = ' ';
                        printf("%s=%s\n", keys[i], v);
                }
        }
        fclose(f);
}

static void print_file_line(const char *key, const char *path) {
        char buf[4096];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0) {
                printf("%s_error=%s\n", key, errno_name(errno));
                return;
        }
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n < 0) {
                printf("%s_error=%s\n", key, errno_name(errno));
                return;
        }
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        printf("%s=%s\n", key, buf);
}

static int print_fds(void) {
        char fds[1024] = "";
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d) {
                printf("fds_error=%s\n", errno_name(errno));
                return -errno;
        }
        while ((de = readdir(d))) {
                char p[PATH_MAX], target[PATH_MAX];
                ssize_t n;

                if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
                        continue;
                snprintf(p, sizeof p, "/proc/self/fd/%s", de->d_name);
                n = readlink(p, target, sizeof target - 1);
                target[n < 0 ? 0 : n] = 0;
                printf("fd=%s %s\n", de->d_name, target);
                if (strlen(fds) + strlen(de->d_name) + 2 < sizeof fds) {
                        if (fds[0])
                                strcat(fds, " ");
                        strcat(fds, de->d_name);
                }
        }
        closedir(d);
        printf("fds=%s\n", fds);
        return 0;
}

static void print_namespaces(void) {
        static const char *const types[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };

        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
                char p[64], target[128], *lb;
                ssize_t n;

                snprintf(p, sizeof p, "/proc/self/ns/%s", types[i]);
                n = readlink(p, target, sizeof target - 1);
                if (n < 0) {
                        printf("ns.%s_error=%s\n", types[i], errno_name(errno));
                        continue;
                }
                target[n] = 0;
                lb = strchr(target, '[');
                printf("ns.%s=%.*s\n", types[i], lb ? (int) strcspn(lb + 1, "]") : (int) n, lb ? lb + 1 : target);
        }
}

/* Interfaces from /proc/net/dev: works without sysfs and without netlink. */
static void print_network(void) {
        char line[512], names[512] = "";
        FILE *f = fopen("/proc/net/dev", "re");

        if (!f) {
                printf("netifs_error=%s\n", errno_name(errno));
                return;
        }
        while (fgets(line, sizeof line, f)) {
                char *colon = strchr(line, ':'), *n = line;

                if (!colon)
                        continue;
                *colon = 0;
                n += strspn(n, " ");
                printf("netif=%s\n", n);
                if (strlen(names) + strlen(n) + 2 < sizeof names) {
                        if (names[0])
                                strcat(names, " ");
                        strcat(names, n);
                }
        }
        fclose(f);
        printf("netifs=%s\n", names);
}

static void print_cgroups(void) {
        char line[1024];
        FILE *f = fopen("/proc/self/cgroup", "re");

        if (!f) {
                printf("cgroup_error=%s\n", errno_name(errno));
                return;
        }
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                printf("cgroup=%s\n", line);
        }
        fclose(f);
}

static unsigned count_processes(void) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        unsigned n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
                        n++;
        closedir(d);
        return n;
}

static int cmd_identity(void) {
        char buf[PATH_MAX];
        gid_t groups[NGROUPS_MAX];
        int n;
        struct statvfs sv;
        struct rlimit rl;
        mode_t um;

        /* fds first, before this program opens anything. */
        print_fds();

        printf("uid=%u\neuid=%u\ngid=%u\negid=%u\n", getuid(), geteuid(), getgid(), getegid());
        n = getgroups(NGROUPS_MAX, groups);
        printf("groups=");
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? " " : "", groups[i]);
        printf("\n");
        print_status_fields();
        printf("no_new_privs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));

        if (gethostname(buf, sizeof buf) == 0)
                printf("hostname=%s\n", buf);
        if (getcwd(buf, sizeof buf))
                printf("cwd=%s\n", buf);
        else
                printf("cwd_error=%s\n", errno_name(errno));
        printf("pid=%d\nppid=%d\n", getpid(), getppid());
        print_file_line("pid1_comm", "/proc/1/comm");
        print_file_line("comm", "/proc/self/comm");
        printf("procs=%u\n", count_processes());
        um = umask(0);
        umask(um);
        printf("umask=%04o\n", um);
        if (statvfs("/", &sv) == 0)
                printf("root_readonly=%d\n", !!(sv.f_flag & ST_RDONLY));
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
                printf("rlimit_nofile=%llu %llu\n", (unsigned long long) rl.rlim_cur,
                       (unsigned long long) rl.rlim_max);
        print_cgroups();
        print_namespaces();
        print_network();
        for (char **e = environ; e && *e; e++)
                printf("env=%s\n", *e);
        return 0;
}

static int cmd_env(void) {
        for (char **e = environ; e && *e; e++)
                printf("%s\n", *e);
        return 0;
}

static volatile sig_atomic_t got_term;

static void on_term(int sig) {
        got_term = sig;
}

static int cmd_sleep(int argc, char **argv) {
        struct sigaction sa = { .sa_handler = on_term };
        bool ignore = argc > 2 && strcmp(argv[2], "--ignore-term") == 0;
        unsigned sec;

        if (argc < 2)
                return 2;
        sec = (unsigned) strtoul(argv[1], NULL, 10);
        if (ignore)
                sa.sa_handler = SIG_IGN;
        sigaction(SIGTERM, &sa, NULL);
        printf("ready pid=%d\n", getpid());
        fflush(stdout);
        for (unsigned i = 0; i < sec * 10 && !got_term; i++)
                usleep(100 * 1000);
        if (got_term) {
                printf("got=SIGTERM\n");
                return 0;
        }
        printf("slept=%u\n", sec);
        return 0;
}

/* Daemons that escape their parent (setsid, double fork) and would outlive
 * the service without a PID-1 init and a cgroup to clean up after it. */
static int cmd_spawn(int argc, char **argv) {
        unsigned n = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 1;

        for (unsigned i = 0; i < n; i++) {
                int p[2];
                pid_t pid, grandchild = 0;

                if (pipe2(p, O_CLOEXEC) < 0)
                        return 1;
                pid = fork();
                if (pid < 0)
                        return 1;
                if (pid == 0) {
                        setsid();
                        pid = fork();
                        if (pid == 0) {
                                int null = open("/dev/null", O_RDWR);

                                if (null >= 0) {
                                        dup2(null, 0), dup2(null, 1), dup2(null, 2);
                                        if (null > 2)
                                                close(null);
                                }
                                signal(SIGHUP, SIG_IGN);
                                for (;;)
                                        pause();
                        }
                        (void) !write(p[1], &pid, sizeof pid);
                        _exit(0);
                }
                close(p[1]);
                (void) !read(p[0], &grandchild, sizeof grandchild);
                close(p[0]);
                waitpid(pid, NULL, 0);
                printf("daemon=%d\n", grandchild);
        }
        fflush(stdout);
        return 0;
}

/* As many processes as TasksMax= lets it have, up to n. */
static int cmd_fork(int argc, char **argv) {
        unsigned n = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 1, k = 0;
        pid_t *pids = calloc(n ? n : 1, sizeof(pid_t));

        if (!pids)
                return 1;
        for (; k < n; k++) {
                pid_t pid = fork();

                if (pid < 0) {
                        printf("fork_error=%s\n", errno_name(errno));
                        break;
                }
                if (pid == 0) {
                        for (;;)
                                pause();
                }
                pids[k] = pid;
        }
        printf("forked=%u\n", k);
        fflush(stdout);
        for (unsigned i = 0; i < k; i++)
                kill(pids[i], SIGKILL);
        for (unsigned i = 0; i < k; i++)
                waitpid(pids[i], NULL, 0);
        free(pids);
        return 0;
}

/* Touch memory a MiB at a time, so a memory limit has to act. */
static int cmd_alloc(int argc, char **argv) {
        unsigned mb = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 1;

        for (unsigned i = 1; i <= mb; i++) {
                char *p = malloc(1 << 20);

                if (!p) {
                        printf("alloc_error=%s\n", errno_name(errno));
                        return 1;
                }
                memset(p, (int) i, 1 << 20);
                if (i % 8 == 0 || i == mb) {
                        printf("allocated=%u\n", i);
                        fflush(stdout);
                }
        }
        return 0;
}

static int usage(void);

static int cmd_device(int argc, char **argv) {
        int flags, fd;

        if (argc != 3 && argc != 6)
                return usage();
        flags = strcmp(argv[2], "r") == 0 ? O_RDONLY : strcmp(argv[2], "w") == 0 ? O_WRONLY : O_RDWR;
        if (argc == 6) {
                mode_t type = strcmp(argv[3], "b") == 0 ? S_IFBLK : S_IFCHR;
                dev_t dev = makedev((unsigned) strtoul(argv[4], NULL, 10), (unsigned) strtoul(argv[5], NULL, 10));

                if (mknod(argv[1], type | 0666, dev) < 0) {
                        printf("mknod=%s\n", errno_name(errno));
                        return 0;
                }
                printf("mknod=ok\n");
        }
        /* O_NONBLOCK: a tty or fifo must not hang the probe. */
        fd = open(argv[1], flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        printf("open=%s\n", fd >= 0 ? "ok" : errno_name(errno));
        if (fd >= 0)
                close(fd);
        if (argc == 6)
                unlink(argv[1]);
        return 0;
}

static int cmd_fill(int argc, char **argv) {
        static char buf[1 << 20];
        unsigned mb = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 1, k = 0;
        int fd;

        if (argc < 3)
                return usage();
        fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
                printf("fill_error=%s\n", errno_name(errno));
                return 0;
        }
        memset(buf, 'x', sizeof buf);
        for (; k < mb; k++) {
                size_t done = 0;

                while (done < sizeof buf) {
                        ssize_t n = write(fd, buf + done, sizeof buf - done);

                        if (n < 0) {
                                printf("filled=%u\nfill_error=%s\n", k, errno_name(errno));
                                close(fd);
                                unlink(argv[1]);
                                return 0;
                        }
                        done += (size_t) n;
                }
        }
        printf("filled=%u\n", k);
        close(fd);
        unlink(argv[1]);
        return 0;
}

static int cmd_df(int argc, char **argv) {
        struct statvfs sv;

        if (argc < 2)
                return usage();
        if (statvfs(argv[1], &sv) < 0) {
                printf("fs_error=%s\n", errno_name(errno));
                return 0;
        }
        printf("fs_size=%llu\n", (unsigned long long) sv.f_blocks * sv.f_frsize);
        return 0;
}

static int cmd_write(int argc, char **argv) {
        int fd;

        if (argc < 3)
                return 2;
        fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                report("write", VERDICT_BLOCKED, "%s", errno_name(errno));
                return 0;
        }
        if (write(fd, argv[2], strlen(argv[2])) < 0)
                report("write", VERDICT_BLOCKED, "%s", errno_name(errno));
        else
                report("write", VERDICT_ALLOWED, "wrote %s", argv[1]);
        close(fd);
        return 0;
}

static const char *type_name(mode_t m) {
        return S_ISREG(m) ? "file" : S_ISFIFO(m) ? "fifo" : S_ISCHR(m) ? "chr" : S_ISSOCK(m) ? "socket" : "other";
}

/* What a root service could do to the host file its output went to: make
 * it setuid root, or empty it. The host side checks the file; this says
 * what the calls returned. Printed after the attempts, so that what an
 * ftruncate() wiped is only what came before. */
static int cmd_stdout_attack(void) {
        struct stat st;
        int rc[3], err[3];

        if (fstat(STDIN_FILENO, &st) == 0)
                printf("stdin=%s\n", type_name(st.st_mode));
        if (fstat(STDOUT_FILENO, &st) < 0)
                return 1;
        printf("stdout=%s mode=%o\n", type_name(st.st_mode), (unsigned) (st.st_mode & 07777));
        fflush(stdout);
        rc[0] = fchmod(STDOUT_FILENO, 04755);
        err[0] = errno;
        rc[1] = chmod("/proc/self/fd/1", 04755);
        err[1] = errno;
        rc[2] = ftruncate(STDOUT_FILENO, 0);
        err[2] = errno;
        printf("fchmod=%s\n", rc[0] == 0 ? "ok" : errno_name(err[0]));
        printf("chmod_proc_fd=%s\n", rc[1] == 0 ? "ok" : errno_name(err[1]));
        printf("ftruncate=%s\n", rc[2] == 0 ? "ok" : errno_name(err[2]));
        printf("attack_done\n");
        return 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static int cmd_flood(int argc, char **argv) {
        static char buf[64 * 1024];
        uint64_t end, total = 0;
        size_t n = 0;
        unsigned line = 0;

        if (argc < 2)
                return 2;
        end = now_ms() + (uint64_t) strtoul(argv[1], NULL, 10) * 1000;
        while (n + 100 < sizeof(buf))
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, "flood %08u %s\n", line++,
                                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        while (now_ms() < end) {
                ssize_t k = write(STDOUT_FILENO, buf, n);

                if (k < 0 && errno != EINTR)
                        return 1;
                if (k > 0)
                        total += (uint64_t) k;
        }
        printf("\nflood_done bytes=%llu\n", (unsigned long long) total);
        return 0;
}

static int usage(void);

static int listen_on(int family, const void *sa, socklen_t len) {
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

        if (fd < 0)
                return -errno;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, sa, len) < 0 || listen(fd, 16) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* The host end of the escape test's network checks: a connection that
 * arrives here came out of the sandbox. */
static int cmd_listen(int argc, char **argv) {
        struct pollfd p[3];
        const char *kinds[3];
        int n = 0;

        for (int i = 1; i + 1 < argc; i += 2) {
                const char *a = argv[i], *v = argv[i + 1];
                int fd;

                if (strcmp(a, "--tcp") == 0) {
                        struct sockaddr_in sin = {
                                .sin_family = AF_INET,
                                .sin_port = htons(atoi(v)),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                        };
                        fd = listen_on(AF_INET, &sin, sizeof sin);
                        kinds[n] = "tcp";
                } else if (strcmp(a, "--abstract") == 0 || strcmp(a, "--unix") == 0) {
                        struct sockaddr_un sun = { .sun_family = AF_UNIX };
                        bool abstract = a[2] == 'a';
                        size_t l = strlen(v);

                        if (l + 2 > sizeof sun.sun_path)
                                return 2;
                        memcpy(sun.sun_path + abstract, v, l);
                        if (!abstract)
                                unlink(v);
                        fd = listen_on(AF_UNIX, &sun, offsetof(struct sockaddr_un, sun_path) + abstract + l);
                        kinds[n] = abstract ? "abstract" : "unix";
                } else
                        return usage();
                if (fd < 0) {
                        fprintf(stderr, "sandbox-probe listen %s %s: %s\n", a, v, strerror(-fd));
                        return 1;
                }
                if (n >= 3)
                        return usage();
                p[n++] = (struct pollfd) { .fd = fd, .events = POLLIN };
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                if (poll(p, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return 1;
                }
                for (int i = 0; i < n; i++)
                        if (p[i].revents & POLLIN) {
                                int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);

                                if (c >= 0) {
                                        /* Whose connection: for unix sockets, the peer's mount
                                         * namespace, so a test can tell a sandbox from an
                                         * unrelated host process. */
                                        struct ucred cred;
                                        socklen_t cl = sizeof(cred);
                                        char nsp[64], ns[128] = "?";
                                        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && cred.pid > 0) {
                                                snprintf(nsp, sizeof(nsp), "/proc/%d/ns/mnt", (int) cred.pid);
                                                ssize_t k = readlink(nsp, ns, sizeof(ns) - 1);
                                                ns[k > 0 ? k : 0] = 0;
                                                printf("accepted=%s pid=%d mntns=%s\n", kinds[i], (int) cred.pid, ns);
                                        } else
                                                printf("accepted=%s\n", kinds[i]);
                                        fflush(stdout);
                                        close(c);
                                }
                        }
        }
}

/* Socket activation's service: what it was given (LISTEN_* and its own
 * pid, the fds it holds), then answer on fds 3... one line per
 * connection or datagram: "hello pid=P fd=N name=NAME served=K".
 * --crash-after K: exit 3 after the K-th answer (a crash, for
 * Restart=always); --delay-ms D: wait D ms before each answer. */
static int cmd_listen_fd(int argc, char **argv) {
        const char *fds_s = getenv("LISTEN_FDS"), *pid_s = getenv("LISTEN_PID"), *names = getenv("LISTEN_FDNAMES");
        unsigned crash_after = 0, delay_ms = 0, served = 0;
        struct pollfd p[64];
        char name[64][256];
        int n;

        for (int i = 1; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--crash-after") == 0)
                        crash_after = (unsigned) strtoul(argv[i + 1], NULL, 10);
                else if (strcmp(argv[i], "--delay-ms") == 0)
                        delay_ms = (unsigned) strtoul(argv[i + 1], NULL, 10);
                else
                        return usage();
        }
        printf("getpid=%d\nlisten_pid=%s\nlisten_fds=%s\nlisten_fdnames=%s\n", (int) getpid(), pid_s ? pid_s : "",
               fds_s ? fds_s : "", names ? names : "");
        n = fds_s ? atoi(fds_s) : 0;
        if (n < 0 || n > 64)
                n = 0;
        for (int i = 0; i < n; i++) {
                int type = 0, acc = 0;
                socklen_t l = sizeof(int);
                const char *start = names ? names : "";

                for (int k = 0; k < i && start; k++) {
                        start = strchr(start, ':');
                        if (start)
                                start++;
                }
                snprintf(name[i], sizeof(name[i]), "%.*s", start ? (int) strcspn(start, ":") : 0, start ? start : "");
                (void) getsockopt(3 + i, SOL_SOCKET, SO_TYPE, &type, &l);
                l = sizeof(int);
                (void) getsockopt(3 + i, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l);
                printf("listen_fd=%d type=%s accepting=%d\n", 3 + i,
                       type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "datagram" : type == SOCK_SEQPACKET ? "seqpacket" : "none",
                       acc);
                p[i] = (struct pollfd) { .fd = 3 + i, .events = POLLIN };
        }
        print_fds();
        printf("serving\n");
        fflush(stdout);

        for (;;) {
                if (poll(p, (nfds_t) n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        char line[1024], buf[512];
                        int type = 0, c;
                        socklen_t l = sizeof(int);

                        if (!(p[i].revents & POLLIN))
                                continue;
                        (void) getsockopt(p[i].fd, SOL_SOCKET, SO_TYPE, &type, &l);
                        if (delay_ms)
                                usleep(delay_ms * 1000);
                        served++;
                        snprintf(line, sizeof(line), "hello pid=%d fd=%d name=%.256s served=%u\n", (int) getpid(), p[i].fd,
                                 name[i], served);
                        if (type == SOCK_DGRAM) {
                                struct sockaddr_storage from;
                                socklen_t fl = sizeof(from);

                                if (recvfrom(p[i].fd, buf, sizeof(buf), 0, (struct sockaddr *) &from, &fl) >= 0)
                                        (void) sendto(p[i].fd, line, strlen(line), 0, (struct sockaddr *) &from, fl);
                        } else {
                                c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
                                if (c < 0)
                                        continue;
                                (void) write(c, line, strlen(line));
                                close(c);
                        }
                        if (crash_after && served >= crash_after)
                                _exit(3);
                }
        }
}

static int usage(void) {
        fprintf(stderr,
                "usage: sandbox-probe identity|env|fds\n"
                "       sandbox-probe escape [--marker PATH] [--tcp PORT]\n"
                "                            [--abstract NAME] [--unix PATH] [--dbus PATH]\n"
                "                            [--host-proc ARGV0] [--tty-stdin] [--only T1,T2]\n"
                "       sandbox-probe sleep SEC [--ignore-term] | exit N | kill-self SIG | spawn N\n"
                "       sandbox-probe write PATH TEXT | fork N | alloc MB\n"
                "       sandbox-probe stdout-attack | flood SEC\n"
                "       sandbox-probe device PATH r|w|rw [c|b MAJOR MINOR] | fill PATH MB | df PATH\n"
                "       sandbox-probe listen [--tcp PORT] [--abstract NAME] [--unix PATH]\n"
                "       sandbox-probe listen-fd [--crash-after N] [--delay-ms MS]\n"
                "       sandbox-probe families | syscall NR... | deny NAME COUNT [SLEEP] | own-listener\n");
        return 2;
}

static int cmd_escape(int argc, char **argv) {
        EscapeOptions o = { .dbus_path = "/run/dbus/system_bus_socket" };

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "--tty-stdin") == 0) {
                        o.tty_stdin = true;
                        continue;
                }
                if (!v)
                        return usage();
                i++;
                if (strcmp(a, "--marker") == 0)
                        o.marker = v;
                else if (strcmp(a, "--tcp") == 0)
                        o.tcp_port = atoi(v);
                else if (strcmp(a, "--abstract") == 0)
                        o.abstract_name = v;
                else if (strcmp(a, "--unix") == 0)
                        o.unix_path = v;
                else if (strcmp(a, "--dbus") == 0)
                        o.dbus_path = v;
                else if (strcmp(a, "--host-proc") == 0)
                        o.host_proc = v;
                else if (strcmp(a, "--only") == 0)
                        o.only = v;
                else
                        return usage();
        }
        return run_escape(&o);
}

int main(int argc, char **argv) {
        const char *cmd;
        int r;

        if (argc < 2)
                return usage();
        cmd = argv[1];
        argc--, argv++;

        if (strcmp(cmd, "identity") == 0)
                r = cmd_identity();
        else if (strcmp(cmd, "env") == 0)
                r = cmd_env();
        else if (strcmp(cmd, "fds") == 0)
                r = print_fds() < 0;
        else if (strcmp(cmd, "escape") == 0)
                r = cmd_escape(argc, argv);
        else if (strcmp(cmd, "sleep") == 0)
                r = cmd_sleep(argc, argv);
        else if (strcmp(cmd, "exit") == 0 && argc > 1)
                r = atoi(argv[1]);
        else if (strcmp(cmd, "kill-self") == 0 && argc > 1) {
                fflush(stdout);
                signal(atoi(argv[1]), SIG_DFL);
                kill(getpid(), atoi(argv[1]));
                pause();
                r = 1;
        } else if (strcmp(cmd, "spawn") == 0)
                r = cmd_spawn(argc, argv);
        else if (strcmp(cmd, "write") == 0)
                r = cmd_write(argc, argv);
        else if (strcmp(cmd, "stdout-attack") == 0)
                r = cmd_stdout_attack();
        else if (strcmp(cmd, "flood") == 0)
                r = cmd_flood(argc, argv);
        else if (strcmp(cmd, "listen") == 0)
                r = cmd_listen(argc, argv);
        else if (strcmp(cmd, "listen-fd") == 0)
                r = cmd_listen_fd(argc, argv);
        else if (strcmp(cmd, "fork") == 0)
                r = cmd_fork(argc, argv);
        else if (strcmp(cmd, "alloc") == 0)
                r = cmd_alloc(argc, argv);
        else if (strcmp(cmd, "device") == 0)
                r = cmd_device(argc, argv);
        else if (strcmp(cmd, "fill") == 0)
                r = cmd_fill(argc, argv);
        else if (strcmp(cmd, "df") == 0)
                r = cmd_df(argc, argv);
        else if (strcmp(cmd, "families") == 0)
                r = cmd_families();
        else if (strcmp(cmd, "syscall") == 0)
                r = cmd_syscall(argc, argv);
        else if (strcmp(cmd, "deny") == 0)
                r = cmd_deny(argc, argv);
        else if (strcmp(cmd, "own-listener") == 0)
                r = cmd_own_listener();
        else
                return usage();

        fflush(stdout);
        return r;
}
