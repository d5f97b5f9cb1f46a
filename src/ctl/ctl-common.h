/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Plan Plan;

/* Compile a unit given as a path (contains '/') or a name looked up in the
 * unit search path, with its drop-ins and policy, into a plan. Diagnostics
 * are printed to stderr as FILE:LINE: Key: message; returns < 0 on any. */
int ctl_compile_unit(const char *arg, Plan **ret);
/* Imports the unit's oci:, oci-archive: and docker-archive: images into
 * the store (as root), and pulls its registry references as its Pull=
 * says, before ctl_compile_unit() resolves them there. */
int ctl_import_unit_images(const char *arg);
/* ImagePullProgress for a FILE * (userdata): a line per blob. */
void ctl_pull_progress(void *userdata, const char *what, const char *digest, uint64_t size, uint64_t resumed_from,
                       bool present);

/* The logs of a service, for `logs` and for the tail of `status`: from
 * journald when it runs on this machine, else from the file sandboxd
 * writes ($SANDBOXD_LOG_DIR/NAME.log). */
typedef struct CtlLogs {
        uint64_t n_lines;       /* the last n_lines; UINT64_MAX: all */
        bool follow;            /* then wait for more, until interrupted */
        uint64_t since_usec;    /* CLOCK_REALTIME; 0: from the start (journal only) */
        bool quiet;             /* no "-- No entries --" and no note about the log file */
        const char *before;     /* printed before the first line, if there is one */
} CtlLogs;
int ctl_show_logs(const char *name, const CtlLogs *o);
/* -n/--lines: a number, or "all" (UINT64_MAX). */
int ctl_parse_lines(const char *s, uint64_t *ret);

/* Every verb: argc/argv start at the verb's own name (argv[0] = "run").
 * A positive return is the exit status, < 0 exits with 1. */
int verb_analyze(int argc, char *argv[]);
int verb_check(int argc, char *argv[]);
int verb_plan(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_run(int argc, char *argv[]);
int verb_image(int argc, char *argv[]);
int verb_start(int argc, char *argv[]);
int verb_stop(int argc, char *argv[]);
int verb_restart(int argc, char *argv[]);
int verb_enable(int argc, char *argv[]);
int verb_disable(int argc, char *argv[]);
int verb_reset_failed(int argc, char *argv[]);
int verb_daemon_reload(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
int verb_list(int argc, char *argv[]);
int verb_logs(int argc, char *argv[]);
int verb_exec(int argc, char *argv[]);
