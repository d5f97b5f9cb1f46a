/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service's output on disk when there is no journald: DIR/NAME.log,
 * written by sandboxd alone (the service writes into a pipe that sandboxd
 * reads, service-log.c), bounded in size and in rate:
 *
 *   - a file never grows past size_max: before it would, NAME.log becomes
 *     NAME.log.1 (NAME.log.1 becomes NAME.log.2 ..., up to files_max - 1
 *     old files), and a new NAME.log is begun; a cut falls on a line end
 *     when the chunk has one. So the service's output takes at most
 *     size_max * files_max bytes on disk.
 *   - at most rate_burst bytes are written per rate_interval_usec; beyond
 *     that the output is dropped until the interval is over, and one line
 *     "-- sandboxd: N bytes dropped ... --" says how much. So a flood
 *     rotates at most about once per interval, and the file before it
 *     outlives the flood's first interval.
 *
 * No event loop and no logging here: the caller feeds what it read, with
 * the time, and logs the errors it gets back. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define LOG_FILE_SIZE_MAX_DEFAULT (UINT64_C(8) * 1024 * 1024)
#define LOG_FILE_SIZE_MAX_MIN (UINT64_C(64) * 1024)
#define LOG_FILE_FILES_MAX_DEFAULT 2U
#define LOG_FILE_FILES_MAX_LIMIT 100U
#define LOG_FILE_RATE_INTERVAL_USEC (10 * USEC_PER_SEC)

typedef struct LogFileLimits {
        uint64_t size_max;              /* bytes per file, >= LOG_FILE_SIZE_MAX_MIN */
        unsigned files_max;             /* NAME.log and up to files_max - 1 old ones, 1..LOG_FILE_FILES_MAX_LIMIT */
        uint64_t rate_burst;            /* bytes per interval; 0: size_max */
        uint64_t rate_interval_usec;    /* 0: LOG_FILE_RATE_INTERVAL_USEC */
} LogFileLimits;

typedef struct LogFile {
        int dir_fd;
        char *name;                     /* "web.log" */
        int fd;                         /* NAME.log, O_APPEND; < 0 when it could not be (re)opened */
        uint64_t size;                  /* of NAME.log, as we wrote it */
        LogFileLimits limits;
        bool at_line_start;             /* the last byte written was '\n' (or none was) */
        bool window_open;
        uint64_t window_start_usec;
        uint64_t window_bytes;
        uint64_t dropped;               /* bytes dropped since the last marker */
} LogFile;

/* Check limits: -EINVAL with the reason's key if one is out of range. */
int log_file_limits_check(const LogFileLimits *limits);

/* DIR/NAME.log, created 0640 if missing (never through a symlink, never
 * anything but a regular file), its mode set to 0640 if it was not. dir_fd
 * is duplicated. */
int log_file_open(int dir_fd, const char *name, const LogFileLimits *limits, LogFile **ret);
LogFile *log_file_free(LogFile *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(LogFile *, log_file_free);

/* Append what the service wrote, at now_usec (CLOCK_MONOTONIC). Returns
 * 0, or the first error of a write, rotation or reopen (what could not be
 * written is counted as dropped). */
int log_file_append(LogFile *f, const void *data, size_t size, uint64_t now_usec);

/* When the interval in which output was dropped ends (to write the marker
 * then, with log_file_tick()); 0 if nothing was dropped. */
uint64_t log_file_marker_due(const LogFile *f);
/* At now_usec: if the interval is over, write the marker of what it
 * dropped. */
int log_file_tick(LogFile *f, uint64_t now_usec);
/* The marker now, whatever the interval (the end of the output). */
int log_file_flush_dropped(LogFile *f);
