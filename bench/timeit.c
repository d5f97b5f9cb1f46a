/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* timeit: wall time of whole commands, interleaved.
 *
 *   timeit [-n RUNS] [-w WARMUP] [-o RAW.tsv] SPECFILE
 *
 * SPECFILE has one command per line: LABEL<TAB>ARGV words separated by
 * spaces (no quoting; put anything fancier in a script). Lines starting
 * with '#' are skipped. Each round runs every command once, in file order,
 * so slow drift of the machine (page cache, the kernel's deferred netns
 * cleanup, a neighbour's build) hits all commands alike and ratios taken
 * within one invocation stay honest. Time is fork to waitpid, CLOCK_MONOTONIC.
 * stdout goes to /dev/null, stderr to a temporary file that is printed
 * when a command fails; any failure aborts (exit 1): a benchmark of a
 * command that did not do its job measures nothing.
 *
 * A command whose first word is "@cg2" runs in a private mount namespace
 * that timeit makes once at start, with an empty cgroup2 mounted on
 * /sys/fs/cgroup: crun 1.8 refuses a hybrid cgroup layout. The child joins
 * it with setns() (microseconds) instead of a per-run `unshare -m sh -c
 * 'mount ...'` wrapper, whose own cost (a mount, and its teardown) is
 * larger and noisier than what it wraps. The namespace lives as long as
 * timeit's file descriptor, so its mount goes away with timeit.
 *
 * Output, one line per command: label median p90 min mean (milliseconds). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 64
#define MAX_ARGS 64

typedef struct Cmd {
        char *label;
        char *argv[MAX_ARGS + 1];
        int ns_fd;              /* mount namespace to join, or -1 */
        double *ms;
} Cmd;

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array; the median of an even count
 * is the mean of the two middle values. */
static double percentile(const double *v, int n, double p) {
        int k;

        if (p == 50 && n % 2 == 0)
                return (v[n / 2 - 1] + v[n / 2]) / 2;
        k = (int) (p / 100.0 * n + 0.999999) - 1;
        if (k < 0)
                k = 0;
        if (k >= n)
                k = n - 1;
        return v[k];
}

/* The private mount namespace for "@cg2" commands; returns its fd. */
static int make_cg2_ns(void) {
        int host, ns;

        host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (host < 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
                perror("timeit: private mount namespace with cgroup2");
                exit(1);
        }
        ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(host, CLONE_NEWNS) < 0) {
                perror("timeit: back to the host's mount namespace");
                exit(1);
        }
        close(host);
        return ns;
}

static double run_once(const Cmd *c, int err_fd) {
        double t0, t1;
        pid_t pid;
        int status;

        if (ftruncate(err_fd, 0) < 0 || lseek(err_fd, 0, SEEK_SET) < 0) {
                perror("timeit: stderr file");
                exit(1);
        }
        t0 = now_ms();
        pid = fork();
        if (pid < 0) {
                perror("timeit: fork");
                exit(1);
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);

                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
                    dup2(err_fd, STDERR_FILENO) < 0)
                        _exit(124);
                if (c->ns_fd >= 0 && setns(c->ns_fd, CLONE_NEWNS) < 0) {
                        fprintf(stderr, "setns: %s\n", strerror(errno));
                        _exit(124);
                }
                execvp(c->argv[0], c->argv);
                fprintf(stderr, "exec %s: %s\n", c->argv[0], strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        perror("timeit: waitpid");
                        exit(1);
                }
        t1 = now_ms();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char buf[4096];
                ssize_t k;

                fprintf(stderr, "timeit: %s failed (status 0x%x); its stderr:\n", c->label, status);
                if (lseek(err_fd, 0, SEEK_SET) == 0)
                        while ((k = read(err_fd, buf, sizeof(buf))) > 0)
                                fwrite(buf, 1, (size_t) k, stderr);
                exit(1);
        }
        return t1 - t0;
}

int main(int argc, char *argv[]) {
        static Cmd cmds[MAX_CMDS];
        int n_runs = 30, warmup = 3, n_cmds = 0, opt, err_fd, cg2_fd = -1;
        const char *raw_path = NULL;
        char line[8192], tmpl[] = "/tmp/timeit-stderr.XXXXXX";
        FILE *f, *raw = NULL;

        while ((opt = getopt(argc, argv, "n:w:o:")) >= 0)
                switch (opt) {
                case 'n': n_runs = atoi(optarg); break;
                case 'w': warmup = atoi(optarg); break;
                case 'o': raw_path = optarg; break;
                default:
                        fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-o RAW.tsv] SPECFILE\n");
                        return 2;
                }
        if (optind + 1 != argc || n_runs < 1 || warmup < 0) {
                fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-o RAW.tsv] SPECFILE\n");
                return 2;
        }

        f = fopen(argv[optind], "re");
        if (!f) {
                perror(argv[optind]);
                return 1;
        }
        while (fgets(line, sizeof(line), f)) {
                char *tab, *save = NULL, *w;
                Cmd *c;
                int a = 0;

                line[strcspn(line, "\n")] = 0;
                if (line[0] == '#' || line[0] == 0)
                        continue;
                tab = strchr(line, '\t');
                if (!tab || n_cmds == MAX_CMDS) {
                        fprintf(stderr, "timeit: bad spec line: %s\n", line);
                        return 2;
                }
                *tab = 0;
                c = &cmds[n_cmds++];
                c->label = strdup(line);
                c->ns_fd = -1;
                for (w = strtok_r(tab + 1, " ", &save); w && a < MAX_ARGS; w = strtok_r(NULL, " ", &save))
                        c->argv[a++] = strdup(w);
                if (a > 1 && strcmp(c->argv[0], "@cg2") == 0) {
                        if (cg2_fd < 0)
                                cg2_fd = make_cg2_ns();
                        c->ns_fd = cg2_fd;
                        memmove(c->argv, c->argv + 1, sizeof(char *) * (size_t) a);
                        a--;
                }
                c->ms = calloc((size_t) n_runs, sizeof(double));
                if (a == 0 || !c->ms || !c->label) {
                        fprintf(stderr, "timeit: bad spec line for %s\n", line);
                        return 2;
                }
        }
        fclose(f);

        err_fd = mkstemp(tmpl);
        if (err_fd < 0) {
                perror("timeit: mkstemp");
                return 1;
        }
        unlink(tmpl);

        if (raw_path) {
                raw = fopen(raw_path, "we");
                if (!raw) {
                        perror(raw_path);
                        return 1;
                }
                fprintf(raw, "round\tlabel\tms\n");
        }

        for (int r = 0; r < warmup; r++)
                for (int i = 0; i < n_cmds; i++)
                        (void) run_once(&cmds[i], err_fd);
        for (int r = 0; r < n_runs; r++)
                for (int i = 0; i < n_cmds; i++) {
                        cmds[i].ms[r] = run_once(&cmds[i], err_fd);
                        if (raw)
                                fprintf(raw, "%d\t%s\t%.4f\n", r, cmds[i].label, cmds[i].ms[r]);
                }
        if (raw)
                fclose(raw);

        for (int i = 0; i < n_cmds; i++) {
                Cmd *c = &cmds[i];
                double sum = 0;

                for (int r = 0; r < n_runs; r++)
                        sum += c->ms[r];
                qsort(c->ms, (size_t) n_runs, sizeof(double), cmp_double);
                printf("%s\t%.3f\t%.3f\t%.3f\t%.3f\n", c->label, percentile(c->ms, n_runs, 50),
                       percentile(c->ms, n_runs, 90), c->ms[0], sum / n_runs);
        }
        return 0;
}
