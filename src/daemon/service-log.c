/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The service's output without journald (service-log.h says why a pipe).
 *
 * One pipe per run, for stdout and stderr together, so that their lines
 * keep their order. The log file (log-file.c) belongs to the service and
 * lives across its runs, so that the rate limit holds across a crash loop
 * too. A flood cannot take sandboxd over: the pipe is read on the event
 * loop at the lowest priority (clients, exits and timers first), one read
 * of at most 64 KiB per iteration, at most READ_BURST reads per
 * READ_INTERVAL per service (past that the source waits, and so, once the
 * pipe is full, does the writer); what is read past the rate limit is
 * counted and dropped, never buffered.
 *
 * The pipe outlives sandboxd: init holds a copy of the read end
 * (LAUNCH_INIT_OUTPUT_FD, src/launch/init.c), so while no sandboxd runs
 * the service's writes wait in the pipe (and block once it is full) rather
 * than fail, and a re-adopting sandboxd takes the read end back with
 * pidfd_getfd(2). That needs PTRACE_MODE_ATTACH over init, which root has
 * (CAP_SYS_PTRACE in the host's user namespace, where init's memory
 * belongs), unless an LSM or Yama's ptrace_scope=3 forbids it: then the
 * read end is reopened through /proc/PID/fd, which needs only READ. */

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch.h"
#include "log-file.h"
#include "manager.h"
#include "path-util.h"
#include "service-internal.h"
#include "service-log.h"
#include "string-util.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* With this, the launcher connects a journald stream instead (src/launch/fd.c). */
#define JOURNAL_STDOUT "/run/systemd/journal/stdout"
#define READ_CHUNK (64U * 1024U)
#define READ_INTERVAL_USEC (100 * USEC_PER_MSEC)
#define READ_BURST 32U
/* At the end of a run, what is left in the pipe: its default capacity,
 * or more if the service made it bigger (F_SETPIPE_SZ), up to this. */
#define DRAIN_MAX (4U * 1024U * 1024U)

struct ServiceLog {
        Service *service;
        LogFile *file;
        int pipe_fd;                    /* our read end, O_NONBLOCK; < 0 between runs */
        sd_event_source *io_source;
        sd_event_source *timer_source;  /* the drop marker at the end of the rate interval */
        int last_error;                 /* of the file, logged once until it changes */
};

/* sandboxd is one thread: one buffer for every service. */
static char read_buffer[READ_CHUNK];

static const char *log_dir(void) {
        const char *dir = getenv("SANDBOXD_LOG_DIR");

        return path_is_absolute(dir) ? dir : "/var/log/sandboxd";
}

static int service_log_new(Service *s, ServiceLog **ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        const char *dir = log_dir();
        ServiceLog *l;
        int r;

        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return log_unit_warning_errno(s, negative_errno(), "Failed to create %s, the service's output is lost: %m",
                                              dir);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return log_unit_warning_errno(s, negative_errno(), "Failed to open %s, the service's output is lost: %m",
                                              dir);
        l = calloc(1, sizeof(ServiceLog));
        if (!l)
                return log_oom();
        l->service = s;
        l->pipe_fd = -EBADF;
        r = log_file_open(dir_fd, s->name, &s->manager->log_limits, &l->file);
        if (r < 0) {
                free(l);
                return log_unit_warning_errno(s, r, "Failed to open %s/%s.log, the service's output is lost: %m", dir,
                                              s->name);
        }
        *ret = l;
        return 0;
}

static void note_result(ServiceLog *l, int r) {
        if (r < 0 && r != l->last_error)
                log_unit_warning_errno(l->service, r, "Failed to write to %s/%s.log, dropping output: %m", log_dir(),
                                       l->service->name);
        l->last_error = r < 0 ? r : 0;
}

static int on_marker_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        ServiceLog *l = userdata;

        l->timer_source = sd_event_source_disable_unref(l->timer_source);
        note_result(l, log_file_tick(l->file, usec));
        return 0;
}

static void append(ServiceLog *l, const void *data, size_t size) {
        sd_event *e = l->service->manager->event;
        uint64_t now = 0, due;
        int r;

        (void) sd_event_now(e, CLOCK_MONOTONIC, &now);
        note_result(l, log_file_append(l->file, data, size, now));

        due = log_file_marker_due(l->file);
        if (due > 0 && !l->timer_source) {
                r = sd_event_add_time(e, &l->timer_source, CLOCK_MONOTONIC, due, USEC_PER_SEC, on_marker_timer, l);
                if (r < 0)
                        log_unit_debug(l->service, "Failed to arm the drop marker's timer, it comes with the next output.");
        }
}

/* The run's pipe is done with: EOF, or the run is over. The marker of
 * what it dropped ends its output. */
static void end_run(ServiceLog *l) {
        l->io_source = sd_event_source_disable_unref(l->io_source);
        l->pipe_fd = safe_close(l->pipe_fd);
        l->timer_source = sd_event_source_disable_unref(l->timer_source);
        note_result(l, log_file_flush_dropped(l->file));
}

static int on_pipe(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        ServiceLog *l = userdata;
        ssize_t n;

        n = read(fd, read_buffer, sizeof(read_buffer));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n < 0)
                log_unit_warning_errno(l->service, negative_errno(), "Failed to read the service's output: %m");
        if (n <= 0) {
                /* Every writer is gone. */
                end_run(l);
                return 0;
        }
        append(l, read_buffer, (size_t) n);
        return 0;
}

static int watch(ServiceLog *l, int read_fd) {
        int flags, r;

        flags = fcntl(read_fd, F_GETFL);
        if (flags < 0 || fcntl(read_fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();
        r = sd_event_add_io(l->service->manager->event, &l->io_source, read_fd, EPOLLIN, on_pipe, l);
        if (r < 0)
                return r;
        l->pipe_fd = read_fd;
        (void) sd_event_source_set_priority(l->io_source, SD_EVENT_PRIORITY_IDLE);
        r = sd_event_source_set_ratelimit(l->io_source, READ_INTERVAL_USEC, READ_BURST);
        if (r < 0)
                log_unit_debug(l->service, "Failed to rate-limit the reads of the output pipe, ignoring.");
        return 0;
}

void service_log_prepare(Service *s, int *ret_write_fd, int *ret_read_fd) {
        int fds[2];

        *ret_write_fd = *ret_read_fd = -EBADF;
        if (access(JOURNAL_STDOUT, F_OK) >= 0)
                return;
        if (!s->log && service_log_new(s, &s->log) < 0)
                return;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                log_unit_warning_errno(s, negative_errno(), "Failed to create the output pipe, the service's output is lost: %m");
                return;
        }
        *ret_read_fd = fds[0];
        *ret_write_fd = fds[1];
}

void service_log_note(Service *s, const char *line) {
        _cleanup_free_ char *text = NULL;

        if (!s->log || !s->log->file)
                return;
        text = strjoin("sandboxd: ", line, "\n");
        if (text)
                (void) log_file_append(s->log->file, text, strlen(text), service_now_usec(CLOCK_MONOTONIC));
}

void service_log_start(Service *s, int read_fd) {
        _cleanup_close_ int fd = read_fd;
        int r;

        if (fd < 0 || !s->log)
                return;
        service_log_close(s, false);
        r = watch(s->log, fd);
        if (r < 0) {
                log_unit_error_errno(s, r, "Failed to watch the output pipe, the service's output is not read: %m");
                return;
        }
        TAKE_FD(fd);
}

/* init's copy, by pidfd: the pidfd pins init, so this is its fd table
 * whatever happened to the pid. /proc/PID/fd needs only PTRACE_MODE_READ,
 * for when an LSM refuses pidfd_getfd's ATTACH; the pidfd checked alive
 * afterwards makes /proc/PID init's, as it was when opened. */
static int take_from_init(Service *s, int *ret) {
        char path[64];
        int fd;

        fd = (int) syscall(SYS_pidfd_getfd, s->pidfd, LAUNCH_INIT_OUTPUT_FD, 0);
        if (fd < 0 && (errno == EPERM || errno == EACCES || errno == ENOSYS)) {
                (void) snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int) s->main_pid, LAUNCH_INIT_OUTPUT_FD);
                fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd >= 0 && syscall(SYS_pidfd_send_signal, s->pidfd, 0, NULL, 0) < 0) {
                        fd = safe_close(fd);
                        errno = ESRCH;
                }
                if (fd < 0 && errno == ENOENT)
                        errno = EBADF;
        }
        if (fd < 0)
                return negative_errno();
        *ret = fd;
        return 0;
}

void service_log_adopt(Service *s) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int flags, r;

        if (!s->has_init || s->pidfd < 0)
                return;
        r = take_from_init(s, &fd);
        if (r == -EBADF)
                return; /* no pipe: journald had the output */
        if (r < 0) {
                log_unit_warning_errno(s, r, "Failed to take the output pipe back from PID %d, the service's output is "
                                       "not read (it blocks once the pipe is full): %m", (int) s->main_pid);
                return;
        }
        flags = fcntl(fd, F_GETFL);
        if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || flags < 0 || (flags & O_ACCMODE) != O_RDONLY) {
                log_unit_warning(s, "PID %d holds no output pipe at fd %d, not reading it.", (int) s->main_pid,
                                 LAUNCH_INIT_OUTPUT_FD);
                return;
        }
        if (!s->log && service_log_new(s, &s->log) < 0)
                return;
        service_log_start(s, TAKE_FD(fd));
        log_unit_debug(s, "Took the output pipe back from PID %d.", (int) s->main_pid);
}

void service_log_close(Service *s, bool drain) {
        ServiceLog *l = s->log;

        if (!l || l->pipe_fd < 0)
                return;
        if (drain)
                for (size_t total = 0; total < DRAIN_MAX;) {
                        ssize_t n = read(l->pipe_fd, read_buffer, sizeof(read_buffer));

                        if (n <= 0)
                                break;
                        append(l, read_buffer, (size_t) n);
                        total += (size_t) n;
                }
        if (drain)
                end_run(l);
        else {
                /* sandboxd goes: what is in the pipe is the next one's. */
                l->io_source = sd_event_source_disable_unref(l->io_source);
                l->pipe_fd = safe_close(l->pipe_fd);
        }
}

ServiceLog *service_log_free(ServiceLog *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->io_source);
        sd_event_source_disable_unref(l->timer_source);
        safe_close(l->pipe_fd);
        log_file_free(l->file);
        free(l);
        return NULL;
}
