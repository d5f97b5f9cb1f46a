/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service's output without journald: its stdout and stderr are the write
 * end of one pipe, sandboxd reads the other end on its event loop and
 * appends to $SANDBOXD_LOG_DIR/NAME.log (log-file.c: size cap, rotation,
 * rate limit). The service never holds a file of the host, so it cannot
 * fchmod, ftruncate or fill it. With a pid namespace, the sandbox's init
 * holds a copy of the read end that it never reads, so that the pipe
 * outlives a killed sandboxd; the next one takes it back from init. Owned
 * by service.c and service-adopt.c. */

#include <stdbool.h>

typedef struct Service Service;
typedef struct ServiceLog ServiceLog;

/* For a launch: a new pipe, whose write end (*ret_write_fd) becomes the
 * service's stdout and stderr and whose read end (*ret_read_fd) init
 * keeps; the service's log file (s->log) opened on its first run. Both
 * -EBADF when journald takes the output (the launcher connects it) or
 * when the file or the pipe cannot be had (logged: the output is lost,
 * the service still starts). */
void service_log_prepare(Service *s, int *ret_write_fd, int *ret_read_fd);
/* One line of sandboxd's own in the service's log file ("sandboxd: "
 * LINE): without journald, status and logs show that file, and an
 * automatic restart that failed has no client to tell why. */
void service_log_note(Service *s, const char *line);
/* After a successful launch: read read_fd (taken over; the copy of what
 * init keeps) on the event loop. */
void service_log_start(Service *s, int read_fd);
/* A re-adopted service: take the pipe's read end back from its init
 * (pidfd_getfd(2)) and read it again. Nothing if the run had no pipe. */
void service_log_adopt(Service *s);
/* drain: the run is over, what is left in the pipe (bounded) is written
 * and the marker of what was dropped. Otherwise (sandboxd exits) what is
 * in the pipe stays there for the next sandboxd. The file stays open. */
void service_log_close(Service *s, bool drain);
ServiceLog *service_log_free(ServiceLog *l);
