/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fileio.h"

/* The files of $services_dir/NAME (docs/sandboxd-api.md, "Runtime
 * directory"): the `state` key=value file, the `exit` report that the
 * sandbox's init writes, and the bounded, symlink-refusing I/O on them.
 *
 * Everything read back is treated as hostile: a restarted sandboxd acts on
 * it (adopts a pid, kills a cgroup), so the parser is strict, every value
 * is range-checked, and a rejection names the line and the reason. The
 * formatter refuses to write what the parser would refuse to read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "service-state.h"

/* Read bounds of the contract. */
#define STATE_FILE_MAX (16U * 1024U)
#define PLAN_FILE_MAX (4U * 1024U * 1024U)
#define EXIT_FILE_MAX 64U

/* The longest serialized cgroup the drivers produce (cgroup.h) and the
 * longest unit path we accept. */
#define STATE_CGROUP_MAX 4096U
#define STATE_UNIT_PATH_MAX 4095U

/* The sentences kept with the last run: why the filter killed it
 * ("socketpair denied by policy strict") and why its launch failed. */
#define STATE_SECCOMP_KILL_MAX 127U
#define STATE_START_ERROR_MAX 2048U

/* Linux's PID_MAX_LIMIT on 64-bit: no pid is ever larger. */
#define STATE_PID_MAX 4194304

typedef struct StateFile {
        ServiceRuntime rt;              /* state, result, counters, stop_requested */
        char *unit;                     /* absolute path, or NULL (unknown) */
        pid_t main_pid;                 /* 0: none */
        uint64_t main_pid_starttime;
        char boot_id[33];               /* 32 lowercase hex digits */
        bool has_init;
        char *cgroup;                   /* driver-serialized, or NULL */
        char cgroup_driver[16];         /* "systemd" | "cgroupfs" */
        uint64_t active_since_realtime;
        uint64_t state_change_realtime;
        uint64_t restart_at_usec;
        bool has_last_exit;
        ServiceExit last_exit;          /* oom_killed is not stored; n_left as last_exit_left= */
        char *last_exit_seccomp;        /* the last exit was the filter's kill: why; NULL if not */
        char *last_start_error;         /* why the last launch failed, NULL if it did not */
        uid_t started_by;               /* whom restarts and reloads compile for; 0 if absent */
        /* Network=service:NAME: the main process of NAME whose network
         * namespace this run joined (0: none, or absent). */
        pid_t net_owner_pid;
        uint64_t net_owner_starttime;
        /* ... and, stopped because NAME restarts, to start again once NAME
         * runs (manager-pods.c). */
        bool restart_with_owner;
} StateFile;

void state_file_done(StateFile *f);

/* key=value lines, in the order of docs/sandboxd-api.md. -EINVAL if a
 * value would not read back (newline, control character, relative unit
 * path, bad boot id, unknown state...). */
int state_file_format(const StateFile *f, char **ret);
/* A sentence fit for the state file, a log line and D-Bus: no control
 * character, UTF-8, at most max bytes. */
bool state_sentence_is_valid(const char *s, size_t max);

/* Strict: every key exactly once, no unknown key, no NUL byte, every line
 * newline-terminated and at most STATE_CGROUP_MAX+64 bytes. -EBADMSG with
 * *reterr_message ("line 3: main_pid: not a number") on rejection. */
int state_file_parse(const char *text, size_t size, StateFile *ret, char **reterr_message);

/* For a state file that did not parse: its cgroup= and cgroup_driver=
 * lines, if each occurs once and is well-formed on its own, so that the
 * cgroup of a service we will not adopt can still be found (through the
 * driver's validating adopt()) and killed. -ENOENT if there is none. */
int state_file_salvage_cgroup(const char *text, size_t size, char **ret_cgroup, char ret_driver[static 16]);

/* "exited N" (N 0..255), "killed N" or "dumped N" (N a signal 1..64), as
 * last_exit= and LastExit hold them. */
int exit_report_format(const ServiceExit *e, char *buf, size_t size);
/* The exit file's line as init writes it: those words, " left=M" when
 * n_left is M > 0 (since INIT_PROTOCOL 2), and a newline. */
int exit_report_format_line(const ServiceExit *e, char *buf, size_t size);
/* The exit file: -ENODATA if empty (init did not write: it was killed, or
 * there was none), -EBADMSG if malformed, else the report. Both forms are
 * read: a re-adopted service may have an init of an older sandboxd. */
int exit_report_parse(const char *text, size_t size, ServiceExit *ret);

/* Field 22 (starttime, clock ticks since boot) of a /proc/PID/stat text;
 * parsed after the last ')' since the command name may contain anything. */
int proc_stat_starttime(const char *text, size_t size, uint64_t *ret);
/* The same for a live pid: 0, -ESRCH if it is gone, -EBADMSG if unreadable. */
int pid_get_starttime(pid_t pid, uint64_t *ret);

/* Does a /proc/PID/cgroup text put the process in control_group (or
 * below it) in any hierarchy? A pid read back from a state file is only
 * believed if its process sits in the cgroup the driver re-opened. */
bool proc_cgroup_contains(const char *text, size_t size, const char *control_group);
int pid_in_cgroup(pid_t pid, const char *control_group);

/* The runtime directory's files are read with read_full_file_at(dirfd,
 * NAME, O_NOFOLLOW, ...) (fileio.h): a symlink planted there must not make
 * us read, and then trust, another file.
 * Writes go through write_file_atomic_at() (fileio.h). */
/* $services_dir/NAME: created 0700 if create, opened O_DIRECTORY|O_NOFOLLOW,
 * and refused (-EPERM) unless it is a directory owned by us. */
int service_dir_open(const char *services_dir, const char *name, bool create, int *ret_fd);
