/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The service's log file, bounded in size and rate (log-file.h says what
 * the bounds are). Everything is relative to the log directory's fd, so a
 * rotation renames within the directory we opened, whatever happens to its
 * path meanwhile. */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "log-file.h"
#include "string-util.h"

#define LOG_FILE_MODE 0640

static uint64_t burst_of(const LogFile *f) {
        return f->limits.rate_burst > 0 ? f->limits.rate_burst : f->limits.size_max;
}

static uint64_t interval_of(const LogFile *f) {
        return f->limits.rate_interval_usec > 0 ? f->limits.rate_interval_usec : LOG_FILE_RATE_INTERVAL_USEC;
}

int log_file_limits_check(const LogFileLimits *l) {
        if (l->size_max < LOG_FILE_SIZE_MAX_MIN || l->size_max > INT64_MAX)
                return -EINVAL;
        if (l->files_max < 1 || l->files_max > LOG_FILE_FILES_MAX_LIMIT)
                return -EINVAL;
        return 0;
}

/* NAME.log, or NAME.log.N for N > 0. */
static void file_name(const LogFile *f, unsigned n, char buf[static NAME_MAX + 1]) {
        if (n == 0)
                (void) snprintf(buf, NAME_MAX + 1, "%s", f->name);
        else
                (void) snprintf(buf, NAME_MAX + 1, "%s.%u", f->name, n);
}

/* O_NONBLOCK so that a FIFO in its place cannot block the open; the type
 * is checked before anything is written. The mode is what it must be
 * whoever changed it: an earlier sandboxd handed the file itself to the
 * service, which could fchmod() it. */
static int open_current(LogFile *f, bool exclusive) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = openat(f->dir_fd, f->name,
                    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
                            (exclusive ? O_EXCL : 0),
                    LOG_FILE_MODE);
        if (fd < 0)
                return negative_errno();
        r = fd_stat_regular(fd, &st);
        if (r < 0)
                return r;
        if ((st.st_mode & 07777) != LOG_FILE_MODE && fchmod(fd, LOG_FILE_MODE) < 0)
                return negative_errno();
        f->size = (uint64_t) st.st_size;
        f->fd = TAKE_FD(fd);
        return 0;
}

int log_file_open(int dir_fd, const char *name, const LogFileLimits *limits, LogFile **ret) {
        _cleanup_(log_file_freep) LogFile *f = NULL;
        int r;

        if (dir_fd < 0 || isempty(name) || strchr(name, '/') || strlen(name) + strlen(".log.100") > NAME_MAX ||
            !limits || log_file_limits_check(limits) < 0)
                return -EINVAL;

        f = calloc(1, sizeof(LogFile));
        if (!f)
                return -ENOMEM;
        f->dir_fd = -EBADF;
        f->fd = -EBADF;
        f->limits = *limits;
        f->at_line_start = true;
        f->name = strjoin(name, ".log");
        if (!f->name)
                return -ENOMEM;
        f->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (f->dir_fd < 0)
                return negative_errno();
        r = open_current(f, false);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

LogFile *log_file_free(LogFile *f) {
        if (!f)
                return NULL;
        safe_close(f->fd);
        safe_close(f->dir_fd);
        free(f->name);
        free(f);
        return NULL;
}

/* NAME.log.(N-1) -> NAME.log.N ... NAME.log -> NAME.log.1, a new NAME.log.
 * With files_max 1 there is no old file: NAME.log begins anew. */
static int rotate(LogFile *f) {
        char from[NAME_MAX + 1], to[NAME_MAX + 1];
        int r;

        f->fd = safe_close(f->fd);
        for (unsigned i = f->limits.files_max - 1; i >= 1; i--) {
                file_name(f, i - 1, from);
                file_name(f, i, to);
                if (renameat(f->dir_fd, from, f->dir_fd, to) < 0 && errno != ENOENT)
                        return negative_errno();
        }
        if (f->limits.files_max == 1 && unlinkat(f->dir_fd, f->name, 0) < 0 && errno != ENOENT)
                return negative_errno();
        r = open_current(f, true);
        if (r == -EEXIST)
                r = open_current(f, false);
        return r;
}

static int write_all(LogFile *f, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(f->fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return -EIO;
                f->size += (uint64_t) k;
                f->at_line_start = p[k - 1] == '\n';
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Into NAME.log, rotating before it would pass size_max; a chunk that does
 * not fit is cut after its last line end within what fits, if it has one
 * there, else where the file is full. On an error the rest is dropped. */
static int write_rotating(LogFile *f, const char *p, size_t n) {
        int r;

        while (n > 0) {
                uint64_t room;
                size_t k;

                if (f->fd < 0) {
                        r = open_current(f, false);
                        if (r < 0)
                                goto drop;
                }
                room = f->size < f->limits.size_max ? f->limits.size_max - f->size : 0;
                k = (size_t) MIN((uint64_t) n, room);
                if (k < n && f->size > 0) {
                        const char *nl = k > 0 ? memrchr(p, '\n', k) : NULL;

                        if (nl)
                                k = (size_t) (nl - p) + 1;
                        else if (f->at_line_start || k == 0)
                                k = 0;  /* the line begins the next file */
                }
                if (k == 0) {
                        r = rotate(f);
                        if (r < 0)
                                goto drop;
                        continue;
                }
                r = write_all(f, p, k);
                if (r < 0)
                        goto drop;
                p += k;
                n -= k;
        }
        return 0;

drop:
        f->dropped += n;
        return r;
}

int log_file_flush_dropped(LogFile *f) {
        char line[192];
        uint64_t dropped = f->dropped;
        int n;

        if (dropped == 0)
                return 0;
        n = snprintf(line, sizeof(line),
                     "%s-- sandboxd: %" PRIu64 " bytes dropped (more than %" PRIu64 " bytes of output in %" PRIu64
                     " s) --\n",
                     f->at_line_start ? "" : "\n", dropped, burst_of(f), interval_of(f) / USEC_PER_SEC);
        f->dropped = 0;
        return write_rotating(f, line, (size_t) n);
}

uint64_t log_file_marker_due(const LogFile *f) {
        if (f->dropped == 0 || !f->window_open)
                return 0;
        return f->window_start_usec + interval_of(f);
}

int log_file_tick(LogFile *f, uint64_t now_usec) {
        if (!f->window_open || now_usec - f->window_start_usec < interval_of(f))
                return 0;
        f->window_open = false;
        return log_file_flush_dropped(f);
}

int log_file_append(LogFile *f, const void *data, size_t size, uint64_t now_usec) {
        const char *p = data;
        uint64_t burst = burst_of(f);
        size_t allowed;
        int r, ret = 0;

        if (size == 0)
                return 0;

        /* A new interval: the marker of the last one first. */
        ret = log_file_tick(f, now_usec);
        if (!f->window_open) {
                f->window_open = true;
                f->window_start_usec = now_usec;
                f->window_bytes = 0;
        }

        allowed = (size_t) MIN((uint64_t) size, burst - f->window_bytes);
        if (allowed < size) {
                /* Over the rate: keep the whole lines that fit, drop the
                 * rest and everything else until the interval is over. */
                const char *nl = allowed > 0 ? memrchr(p, '\n', allowed) : NULL;

                if (nl)
                        allowed = (size_t) (nl - p) + 1;
                f->dropped += size - allowed;
                f->window_bytes = burst;
        } else
                f->window_bytes += allowed;

        r = write_rotating(f, p, allowed);
        return ret < 0 ? ret : r;
}
