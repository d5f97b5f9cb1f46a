/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl logs NAME: a service's output and sandboxd's messages about
 * it. With journald: the entries of its scope (_SYSTEMD_UNIT=
 * sandbox-NAME.scope, the systemd cgroup driver), sandboxd's own messages
 * (SANDBOXD_UNIT=NAME from root), and the output of every run that no
 * scope names (the cgroupfs driver): sandboxd's messages about a run name
 * its main process (OBJECT_PID=), for which journald adds the process's
 * cgroup as OBJECT_SYSTEMD_CGROUP=, the same path it records as
 * _SYSTEMD_CGROUP= on every line the run's processes log, their output
 * stream included. A cgroupfs cgroup is new for every run
 * (sandbox-NAME-<hex>), so it names that run alone. Printed as
 * journalctl's short format. Without journald, sandboxd writes the output to
 * $SANDBOXD_LOG_DIR/NAME.log, rotated to NAME.log.1, NAME.log.2 ...: those
 * files are shown, the oldest first, read from their end so that a huge
 * file costs no memory. */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-common.h"
#include "ctl-escape.h"
#include "dlopen-systemd.h"
#include "fs-util.h"
#include "log.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"

/* sandboxd sends service output to journald when this exists, else to the file. */
#define JOURNAL_STDOUT "/run/systemd/journal/stdout"
#define LOG_CHUNK (64 * 1024)
#define FOLLOW_INTERVAL_USEC (250 * USEC_PER_MSEC)

static void help(void) {
        printf("sandboxctl logs [OPTIONS] NAME\n\n"
               "Show the output of a service and sandboxd's messages about it, from\n"
               "journald; without journald, from $SANDBOXD_LOG_DIR/NAME.log and its\n"
               "rotated files NAME.log.1 ... (default /var/log/sandboxd/NAME.log).\n\n"
               "  -f --follow       Wait for new lines and show them as they come\n"
               "  -n --lines=N      Show the last N lines (\"all\": every line; default:\n"
               "                    all, or 10 with --follow)\n"
               "     --since=TIME   Show entries from TIME on: \"2025-11-23 16:00:00\",\n"
               "                    \"16:00\", \"today\", \"yesterday\", \"-1h\", \"30min ago\"\n"
               "                    (journal only)\n"
               "     --raw          Write the output as it is, control characters and\n"
               "                    escape sequences included, also to a terminal\n"
               "  -h --help         Show this help\n");
}

static uint64_t now_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* ---- journald ---- */

/* The value of FIELD in the current entry, not NUL-terminated. */
static int get_field(sd_journal *j, const char *field, const char **ret, size_t *ret_len) {
        const void *data;
        size_t l, fl = strlen(field);
        int r;

        r = sd_journal_get_data(j, field, &data, &l);
        if (r < 0)
                return r;
        if (l < fl + 1)
                return -EBADMSG;
        *ret = (const char *) data + fl + 1;
        *ret_len = l - fl - 1;
        return 0;
}

/* "Nov 23 16:00:00 host IDENT[PID]: MESSAGE", as journalctl -o short;
 * continuation lines of a message are indented under its first. Every
 * field but the time comes from the service or the journal's view of it,
 * so all of them go through the escaping on a terminal. */
static int print_entry(sd_journal *j, bool *printed_any, const CtlLogs *o) {
        const char *host = NULL, *ident = NULL, *pid = NULL, *msg = NULL;
        size_t host_l = 0, ident_l = 0, pid_l = 0, msg_l = 0;
        bool escape = ctl_escape_wanted(STDOUT_FILENO);
        char ts[32] = "";
        uint64_t usec;
        struct tm tm;
        time_t t;
        int r, prefix;

        r = sd_journal_get_realtime_usec(j, &usec);
        if (r < 0)
                return r;
        if (usec < o->since_usec)
                return 0;

        (void) get_field(j, "_HOSTNAME", &host, &host_l);
        if (get_field(j, "SYSLOG_IDENTIFIER", &ident, &ident_l) < 0)
                (void) get_field(j, "_COMM", &ident, &ident_l);
        if (get_field(j, "_PID", &pid, &pid_l) < 0)
                (void) get_field(j, "SYSLOG_PID", &pid, &pid_l);
        if (get_field(j, "MESSAGE", &msg, &msg_l) < 0)
                msg = NULL;

        t = (time_t) (usec / USEC_PER_SEC);
        if (localtime_r(&t, &tm))
                (void) strftime(ts, sizeof(ts), "%b %d %H:%M:%S", &tm);

        if (!*printed_any && o->before)
                fputs(o->before, stdout);
        *printed_any = true;

        /* The indentation of continuation lines: the prefix's width as
         * printed unescaped (escaping only widens it; close enough). */
        prefix = printf("%s ", ts);
        (void) ctl_escape_fputs(stdout, strempty(host), host_l, escape);
        putchar(' ');
        (void) ctl_escape_fputs(stdout, ident ?: "unknown", ident ? ident_l : strlen("unknown"), escape);
        prefix += (int) host_l + 1 + (int) (ident ? ident_l : strlen("unknown"));
        if (pid) {
                putchar('[');
                (void) ctl_escape_fputs(stdout, pid, pid_l, escape);
                putchar(']');
                prefix += (int) pid_l + 2;
        }
        prefix += printf(": ");

        if (!msg)
                fputs("[no message]\n", stdout);
        else {
                size_t start = 0;

                for (size_t i = 0; i <= msg_l; i++) {
                        if (i < msg_l && msg[i] != '\n')
                                continue;
                        (void) ctl_escape_fputs(stdout, msg + start, i - start, escape);
                        putchar('\n');
                        if (i + 1 < msg_l)
                                printf("%*s", prefix, "");
                        start = i + 1;
                }
        }
        return ferror(stdout) ? -EIO : 0;
}

/* ---- the runs of a service, for the cgroupfs driver ---- */

/* A crash loop makes one run per restart; beyond this many, the oldest
 * runs' output is not looked for (sandboxd's own lines still are). */
#define RUNS_MAX 4096U
#define RUN_CGROUP_MAX 4096U

typedef struct Run {
        char boot[33];          /* _BOOT_ID */
        char *cgroup;           /* journald's _SYSTEMD_CGROUP= of the run's processes */
} Run;

typedef struct Runs {
        Run *v;
        size_t n;
} Runs;

static void runs_done(Runs *runs) {
        for (size_t i = 0; i < runs->n; i++)
                free(runs->v[i].cgroup);
        runs->v = mfree(runs->v);
        runs->n = 0;
}

static bool field_is(sd_journal *j, const char *field, const char *value) {
        const char *v;
        size_t l;

        return get_field(j, field, &v, &l) >= 0 && l == strlen(value) && memcmp(v, value, l) == 0;
}

/* Copies FIELD's value into buf if it is 1..size-1 characters of accept. */
static bool field_get_word(sd_journal *j, const char *field, const char *accept, char *buf, size_t size) {
        const char *v;
        size_t l;

        if (get_field(j, field, &v, &l) < 0 || l == 0 || l >= size)
                return false;
        for (size_t i = 0; i < l; i++)
                if (!strchr(accept, v[i]))
                        return false;
        memcpy(buf, v, l);
        buf[l] = '\0';
        return true;
}

/* A cgroup the cgroupfs driver made for NAME: ".../sandbox-NAME-<hex>".
 * Anything else (a scope, sandboxd's own cgroup on a host where journald
 * sees another hierarchy) is not one run's. */
static char *run_cgroup(sd_journal *j, const char *name) {
        const char *v, *base, *rest;
        size_t l, nl = strlen(name);

        if (get_field(j, "OBJECT_SYSTEMD_CGROUP", &v, &l) < 0 || l == 0 || l > RUN_CGROUP_MAX || v[0] != '/' ||
            memchr(v, '\0', l) || memchr(v, '\n', l))
                return NULL;
        base = memrchr(v, '/', l) + 1;
        if ((size_t) (v + l - base) <= strlen("sandbox-") + nl + 1 || memcmp(base, "sandbox-", 8) != 0 ||
            memcmp(base + 8, name, nl) != 0 || base[8 + nl] != '-')
                return NULL;
        for (rest = base + 8 + nl + 1; rest < v + l; rest++)
                if (!strchr("0123456789abcdef", *rest))
                        return NULL;
        return strndup(v, l);
}

/* The current entry, if it is sandboxd's (root's) about NAME and names a
 * run's cgroup: that run. 1 if it is new. */
static int runs_add_entry(Runs *runs, sd_journal *j, const char *name, const char *tag_value) {
        _cleanup_free_ char *cg = NULL;
        char boot[33];
        Run *n;

        if (!field_is(j, "SANDBOXD_UNIT", tag_value) || !field_is(j, "_UID", "0") ||
            !field_get_word(j, "_BOOT_ID", "0123456789abcdef", boot, sizeof(boot)))
                return 0;
        cg = run_cgroup(j, name);
        if (!cg)
                return 0;
        for (size_t i = 0; i < runs->n; i++)
                if (streq(runs->v[i].cgroup, cg) && streq(runs->v[i].boot, boot))
                        return 0;
        if (runs->n >= RUNS_MAX) {
                /* Forget the oldest. */
                free(runs->v[0].cgroup);
                memmove(runs->v, runs->v + 1, (runs->n - 1) * sizeof(Run));
                runs->n--;
        }
        n = reallocarray(runs->v, runs->n + 1, sizeof(Run));
        if (!n)
                return -ENOMEM;
        runs->v = n;
        runs->v[runs->n] = (Run) { .cgroup = TAKE_PTR(cg) };
        memcpy(runs->v[runs->n].boot, boot, sizeof(boot));
        runs->n++;
        return 1;
}

/* Every run sandboxd logged about NAME, oldest first. */
static int runs_collect(sd_journal *j, const char *name, const char *tag, const char *tag_value, Runs *runs) {
        int r;

        sd_journal_flush_matches(j);
        r = sd_journal_add_match(j, tag, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "_UID=0", 0);
        if (r >= 0)
                r = sd_journal_seek_head(j);
        if (r < 0)
                return r;
        while ((r = sd_journal_next(j)) > 0) {
                r = runs_add_entry(runs, j, name, tag_value);
                if (r < 0)
                        return r;
        }
        return r;
}

/* The scope, sandboxd's lines, and each run's cgroup. */
static int add_matches(sd_journal *j, const char *scope, const char *tag, const Runs *runs) {
        int r;

        sd_journal_flush_matches(j);
        r = sd_journal_add_match(j, scope, 0);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = sd_journal_add_match(j, tag, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "_UID=0", 0);
        for (size_t i = 0; r >= 0 && i < runs->n; i++) {
                _cleanup_free_ char *cg = strjoin("_SYSTEMD_CGROUP=", runs->v[i].cgroup);
                char boot[64];

                if (!cg)
                        return -ENOMEM;
                (void) snprintf(boot, sizeof(boot), "_BOOT_ID=%s", runs->v[i].boot);
                r = sd_journal_add_disjunction(j);
                if (r >= 0)
                        r = sd_journal_add_match(j, cg, 0);
                if (r >= 0)
                        r = sd_journal_add_match(j, boot, 0);
        }
        return r;
}

static bool entry_is_run(sd_journal *j, const Run *run) {
        return field_is(j, "_SYSTEMD_CGROUP", run->cgroup) && field_is(j, "_BOOT_ID", run->boot);
}

/* Following, a run starts: its output may be in the journal before
 * sandboxd's line that names its process (the service writes as soon as
 * it has exec'd, sandboxd logs "Started" after). Matches anew, and the
 * new run's entries since the last line of sandboxd's that we showed
 * (which came before the launch), then on from the current entry. */
static int follow_new_run(sd_journal *j, const char *scope, const char *tag, const Runs *runs,
                          const char *since_cursor, bool *printed, const CtlLogs *o) {
        _cleanup_free_ char *here = NULL;
        const Run *run = &runs->v[runs->n - 1];
        int r;

        r = sd_journal_get_cursor(j, &here);
        if (r < 0)
                return r;
        r = add_matches(j, scope, tag, runs);
        if (r < 0)
                return r;
        if (since_cursor) {
                r = sd_journal_seek_cursor(j, since_cursor);
                if (r < 0)
                        return r;
                /* seek_cursor() lands before since_cursor's entry. */
                while ((r = sd_journal_next(j)) > 0) {
                        if (sd_journal_test_cursor(j, here) > 0)
                                break;
                        if (entry_is_run(j, run)) {
                                r = print_entry(j, printed, o);
                                if (r < 0)
                                        log_debug_errno(r, "Skipping an unreadable journal entry: %m");
                        }
                }
                if (r < 0)
                        return r;
        }
        /* Back on the entry that named the run, which the caller prints. */
        r = sd_journal_seek_cursor(j, here);
        if (r >= 0)
                r = sd_journal_next(j);
        return r < 0 ? r : 0;
}

static int show_journal(const char *name, const CtlLogs *o) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_free_ char *scope = NULL, *tag = NULL, *last_tag_cursor = NULL;
        _cleanup_(runs_done) Runs runs = {};
        bool printed = o->n_lines == 0, need_next = true;
        const char *tag_value;
        int r;

        scope = strjoin("_SYSTEMD_UNIT=sandbox-", name, ".scope");
        tag = strjoin("SANDBOXD_UNIT=", name);
        if (!scope || !tag)
                return log_oom();
        tag_value = tag + strlen("SANDBOXD_UNIT=");

        /* Not SD_JOURNAL_SYSTEM alone: a service runs as an id of its
         * user namespace's range (>= 1000 on the host), and journald files
         * such entries in that uid's journal. What is shown is chosen by
         * fields journald sets itself (_SYSTEMD_UNIT, _SYSTEMD_CGROUP,
         * _UID), so another user's journal cannot pose as the service. */
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return log_error_errno(r, "Failed to open the journal: %m");

        r = runs_collect(j, name, tag, tag_value, &runs);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to read sandboxd's entries about %s from the journal: %m", name);
        r = add_matches(j, scope, tag, &runs);
        if (r < 0)
                return log_error_errno(r, "Failed to add journal matches: %m");

        if (o->n_lines == 0) {
                /* On the last entry, which is not shown: only what comes. */
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);
        } else if (o->n_lines != UINT64_MAX) {
                /* Lands on the Nth entry from the end: shown first, no next. */
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous_skip(j, o->n_lines);
                if (r > 0)
                        need_next = false;
        } else if (o->since_usec > 0)
                r = sd_journal_seek_realtime_usec(j, o->since_usec);
        else
                r = sd_journal_seek_head(j);
        if (r < 0)
                return log_error_errno(r, "Failed to seek in the journal: %m");

        for (;;) {
                if (need_next) {
                        r = sd_journal_next(j);
                        if (r < 0)
                                return log_error_errno(r, "Failed to read the journal: %m");
                        if (r == 0) {
                                if (!o->follow)
                                        break;
                                if (!printed && !o->quiet)
                                        puts("-- No entries --");
                                printed = true;
                                fflush(stdout);
                                r = sd_journal_wait(j, UINT64_MAX);
                                if (r < 0)
                                        return log_error_errno(r, "Failed to wait for the journal: %m");
                                continue;
                        }
                }
                need_next = true;
                if (o->follow) {
                        r = runs_add_entry(&runs, j, name, tag_value);
                        if (r > 0)
                                r = follow_new_run(j, scope, tag, &runs, last_tag_cursor, &printed, o);
                        if (r == -ENOMEM)
                                return log_oom();
                        if (r < 0)
                                return log_error_errno(r, "Failed to follow a new run of %s in the journal: %m", name);
                        if (field_is(j, "SANDBOXD_UNIT", tag_value)) {
                                free(last_tag_cursor);
                                if (sd_journal_get_cursor(j, &last_tag_cursor) < 0)
                                        last_tag_cursor = NULL;
                        }
                }
                r = print_entry(j, &printed, o);
                if (r < 0)
                        log_debug_errno(r, "Skipping an unreadable journal entry: %m");
        }
        if (!printed && !o->quiet) {
                puts("-- No entries --");
                if (geteuid() != 0)
                        fprintf(stderr, "(without root, only members of the adm and systemd-journal groups see the system journal)\n");
        }
        fflush(stdout);
        return 0;
}

/* ---- the log files, without journald ---- */

/* sandboxd rotates NAME.log to NAME.log.1, NAME.log.1 to NAME.log.2 ...
 * (--log-files-max=, at most this many). */
#define LOG_FILES_MAX 100U

/* Offset where the last n lines of fd begin (a final newline ends the last
 * line, it does not start another one), reading backwards by chunks; and
 * how many lines were found, fewer than n when the file has fewer (then
 * the offset is 0). */
static int find_tail(int fd, off_t size, uint64_t n, off_t *ret, uint64_t *ret_found) {
        _cleanup_free_ char *buf = NULL;
        uint64_t seen = 0;
        off_t end = size;
        bool first = true;

        if (n == UINT64_MAX || size == 0) {
                *ret = n == 0 ? size : 0;
                *ret_found = 0;
                return 0;
        }
        if (n == 0) {
                *ret = size;
                *ret_found = 0;
                return 0;
        }

        buf = malloc(LOG_CHUNK);
        if (!buf)
                return -ENOMEM;

        while (end > 0) {
                off_t start = end > LOG_CHUNK ? end - LOG_CHUNK : 0;
                ssize_t k = pread(fd, buf, (size_t) (end - start), start);

                if (k < 0)
                        return negative_errno();
                if (k != end - start)
                        return -EIO;    /* the file shrank under us */
                for (ssize_t i = k - 1; i >= 0; i--) {
                        if (buf[i] != '\n')
                                continue;
                        if (first && start + i == size - 1) {
                                first = false;
                                continue;
                        }
                        if (++seen == n) {
                                *ret = start + i + 1;
                                *ret_found = n;
                                return 0;
                        }
                }
                first = false;
                end = start;
        }
        *ret = 0;
        *ret_found = seen + 1;  /* the first line has no newline before it */
        return 0;
}

/* Copies from *pos to the end of fd to stdout; moves *pos. A sequence cut
 * at the end is kept in esc for the next call. */
static int copy_from(int fd, off_t *pos, bool *printed_any, const CtlLogs *o, CtlEscape *esc) {
        char buf[LOG_CHUNK];

        for (;;) {
                ssize_t k = pread(fd, buf, sizeof(buf), *pos);

                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return 0;
                if (!*printed_any && o->before)
                        fputs(o->before, stdout);
                *printed_any = true;
                if (ctl_escape_write(esc, stdout, buf, (size_t) k) < 0)
                        return -EIO;
                *pos += k;
        }
}

static int open_log(const char *path, int *ret_fd, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        r = fd_stat_regular(fd, &st);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        *ret_st = st;
        return 0;
}

/* The files, newest first: NAME.log (may be missing), NAME.log.1, ...
 * up to the first one missing. Opened at once, so that a rotation while
 * we read cannot show a line twice or skip a file. */
typedef struct LogFiles {
        int fd[LOG_FILES_MAX + 1];
        struct stat st[LOG_FILES_MAX + 1];
        size_t n;
} LogFiles;

static void log_files_done(LogFiles *f) {
        close_many(f->fd, f->n);
        f->n = 0;
}

static int log_files_open(const char *path, LogFiles *ret) {
        int r;

        ret->n = 0;
        for (unsigned i = 0; i <= LOG_FILES_MAX; i++) {
                _cleanup_free_ char *p = NULL;

                if (i == 0)
                        p = strdup(path);
                else if (asprintf(&p, "%s.%u", path, i) < 0)
                        p = NULL;
                if (!p)
                        return -ENOMEM;
                r = open_log(p, &ret->fd[ret->n], &ret->st[ret->n]);
                if (r == -ENOENT && i == 0) {
                        /* Between sandboxd's rename and its new file. */
                        ret->fd[ret->n] = -EBADF;
                        ret->st[ret->n] = (struct stat) {};
                } else if (r == -ENOENT)
                        return 0;
                else if (r < 0) {
                        log_files_done(ret);
                        return log_error_errno(r, "Failed to open %s: %m", p);
                }
                ret->n++;
        }
        return 0;
}

static int show_file(const char *name, const CtlLogs *o) {
        _cleanup_free_ char *file = NULL, *path = NULL;
        _cleanup_(log_files_done) LogFiles files = {};
        _cleanup_close_ int fd = -EBADF;
        const char *dir = getenv("SANDBOXD_LOG_DIR");
        /* -n 0 asks for no old lines: "no entries" would be noise. */
        bool printed = o->n_lines == 0;
        uint64_t want = o->n_lines;
        off_t start[LOG_FILES_MAX + 1], pos = 0;
        size_t oldest = 0;
        CtlEscape esc = { .escape = ctl_escape_wanted(STDOUT_FILENO) };
        struct stat st = {};
        int r;

        file = strjoin(name, ".log");
        if (!file)
                return log_oom();
        path = path_join(isempty(dir) ? "/var/log/sandboxd" : dir, file);
        if (!path)
                return log_oom();

        if (!o->quiet)
                fprintf(stderr, "(no journal on this machine; showing %s)\n", path);

        r = log_files_open(path, &files);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return r;

        /* From the newest file back, until the last n lines are found. */
        for (size_t i = 0; i < files.n; i++) {
                uint64_t found = 0;

                start[i] = 0;
                oldest = i;
                if (files.fd[i] < 0)
                        continue;
                r = find_tail(files.fd[i], files.st[i].st_size, want, &start[i], &found);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", path);
                if (want != UINT64_MAX) {
                        want -= MIN(found, want);
                        if (want == 0)
                                break;
                }
        }
        for (size_t i = oldest + 1; i-- > 0;) {
                if (files.fd[i] < 0)
                        continue;
                pos = start[i];
                r = copy_from(files.fd[i], &pos, &printed, o, &esc);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", path);
        }
        fd = files.n > 0 ? TAKE_FD(files.fd[0]) : -EBADF;
        st = files.n > 0 ? files.st[0] : (struct stat) {};
        (void) ctl_escape_flush(&esc, stdout);
        fflush(stdout);
        if (!o->follow) {
                if (!printed && !o->quiet)
                        puts("-- No entries --");
                return 0;
        }

        /* Follow: poll, and move on to the new file when sandboxd rotated
         * (the rest of the old one first) or replaced it. */
        for (;;) {
                struct stat now;

                (void) usleep(FOLLOW_INTERVAL_USEC);

                if (fd < 0 || stat(path, &now) < 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
                        _cleanup_close_ int nfd = -EBADF;

                        r = open_log(path, &nfd, &now);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                return log_error_errno(r, "Failed to open %s: %m", path);
                        if (fd >= 0) {
                                r = copy_from(fd, &pos, &printed, o, &esc);
                                if (r < 0)
                                        return log_error_errno(r, "Failed to read %s: %m", path);
                        }
                        safe_close(fd);
                        fd = TAKE_FD(nfd);
                        st = now;
                        pos = 0;
                        (void) ctl_escape_flush(&esc, stdout);
                }
                if (fstat(fd, &now) < 0)
                        return log_error_errno(negative_errno(), "Failed to stat %s: %m", path);
                if (now.st_size < pos)
                        pos = 0;
                if (now.st_size == pos)
                        continue;
                r = copy_from(fd, &pos, &printed, o, &esc);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", path);
                fflush(stdout);
        }
}

int ctl_show_logs(const char *name, const CtlLogs *o) {
        if (access(JOURNAL_STDOUT, F_OK) >= 0)
                return show_journal(name, o);
        if (o->since_usec > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "--since needs the journal; there is no journald on this machine.");
        return show_file(name, o);
}

/* ---- the verb ---- */

/* As status and stop: a name sandboxd does not know is an error (exit 5),
 * not an empty log that looks like a quiet service. */
static int check_known(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = NULL;
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;
        r = ctl_bus_call(bus, "GetUnit", 0, &e, &reply, "s", name);
        if (r < 0) {
                if (asprintf_safe(&what, "show the logs of %s", name) < 0)
                        return log_oom();
                return ctl_bus_log_error(&e, r, false, what);
        }
        return 0;
}

static int parse_since(const char *s, uint64_t *ret) {
        static const char *const formats[] = {
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%H:%M:%S", "%H:%M",
        };
        uint64_t now = now_realtime(), d;
        _cleanup_free_ char *copy = NULL;
        time_t t = (time_t) (now / USEC_PER_SEC);
        struct tm today;
        const char *e;

        if (!localtime_r(&t, &today))
                return -EINVAL;

        if (streq(s, "now")) {
                *ret = now;
                return 0;
        }
        if (streq(s, "today") || streq(s, "yesterday")) {
                struct tm tm = today;

                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                tm.tm_isdst = -1;
                if (streq(s, "yesterday"))
                        tm.tm_mday--;
                t = mktime(&tm);
                if (t == (time_t) -1)
                        return -EINVAL;
                *ret = (uint64_t) t * USEC_PER_SEC;
                return 0;
        }

        /* "-1h", "1h ago" */
        e = endswith(s, " ago");
        if (s[0] == '-' || e) {
                copy = strndup(s[0] == '-' ? s + 1 : s, e ? (size_t) (e - s) : strlen(s));
                if (!copy)
                        return -ENOMEM;
                if (parse_time_usec(copy, &d) < 0 || d > now)
                        return -EINVAL;
                *ret = now - d;
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {};
                const char *end = strptime(s, formats[i], &tm);

                if (!end || *end)
                        continue;
                if (i >= 3) {
                        tm.tm_year = today.tm_year;
                        tm.tm_mon = today.tm_mon;
                        tm.tm_mday = today.tm_mday;
                }
                tm.tm_isdst = -1;
                t = mktime(&tm);
                if (t == (time_t) -1 || t < 0)
                        return -EINVAL;
                *ret = (uint64_t) t * USEC_PER_SEC;
                return 0;
        }
        return -EINVAL;
}

int ctl_parse_lines(const char *s, uint64_t *ret) {
        if (streq(s, "all")) {
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64(s, ret);
}

int verb_logs(int argc, char *argv[]) {
        enum { ARG_SINCE = 0x100, ARG_RAW };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                { "since", required_argument, NULL, ARG_SINCE },
                { "raw", no_argument, NULL, ARG_RAW },
                {}
        };
        _cleanup_free_ char *name = NULL;
        CtlLogs o = { .n_lines = UINT64_MAX };
        bool lines_set = false;
        int c, r;

        /* Alike on purpose, not shared: each verb keeps its table and loop
         * in its body (test-man-pages.sh and test-completions.sh read them
         * there), so -h and --raw read as in run and status. */
        optind = 0;
        while ((c = getopt_long(argc, argv, "hfn:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'f':
                        o.follow = true;
                        break;
                case 'n':
                        if (ctl_parse_lines(optarg, &o.n_lines) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid number of lines: %s", optarg);
                        lines_set = true;
                        break;
                case ARG_SINCE:
                        if (parse_since(optarg, &o.since_usec) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid time for --since: %s", optarg);
                        break;
                case ARG_RAW:
                        ctl_escape_set_raw(true);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "logs: expected exactly one unit name (see sandboxctl logs --help).");
        if (o.follow && !lines_set && o.since_usec == 0)
                o.n_lines = 10;

        r = ctl_unit_name_from_arg(argv[optind], &name);
        if (r < 0)
                return r;
        r = check_known(name);
        if (r != 0)
                return r;

        return ctl_show_logs(name, &o);
}
