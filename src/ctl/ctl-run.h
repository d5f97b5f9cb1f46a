/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The foreground run of a compiled plan, shared by `run` and `policy
 * learn`: cgroup, network, sockets, launch, the stdio relay, the filter's
 * listener, stop requests, the exit status. */

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

#include "dlopen-systemd.h"
#include "seccomp-notify.h"

typedef struct Plan Plan;

/* A running service of sandboxd (verb-exec.c): its MainPID (-ESRCH,
 * logged, when it is not running) and its plan (logged on failure). */
int ctl_get_main_pid(sd_bus *bus, const char *name, pid_t *ret_pid);
/* The same, silent: -ESRCH when it is not running, -EBADMSG for a reply
 * that does not parse, else the call's error with *reterr filled. */
int ctl_query_main_pid(sd_bus *bus, const char *name, sd_bus_error *reterr, pid_t *ret_pid);
int ctl_get_plan(sd_bus *bus, const char *name, Plan **ret);

typedef struct CtlRunOptions {
        bool tty;
        unsigned seccomp_notify;        /* SECCOMP_NOTIFY_* (seccomp-bpf.h) */
        /* Each "log" return of the filter, let through by the listener
         * (SECCOMP_NOTIFY_LOG); the denials are counted and summed up at
         * the end as `run` does. */
        void (*on_log)(const SeccompEvent *ev, void *userdata);
        void *userdata;
        /* Fail, and stop the service, when the filter's listener could
         * not be had (no pid namespace, or a listener above ours). */
        bool require_listener;
        /* > 0: after this long, stop the service as ^C would (KillSignal=,
         * then SIGKILL after TimeoutStopSec=). */
        uint64_t duration_usec;
} CtlRunOptions;

/* Runs plan in the foreground until its service is gone. Returns the
 * exit status as `sandboxctl run` documents it (the service's, 128+N,
 * 125/126/127 for a launch that failed), or < 0 when it could not wait. */
int ctl_run_plan(Plan *plan, const CtlRunOptions *o);
/* Blocks the signals exec and run pass on to the process (SIGINT, SIGTERM,
 * SIGHUP, SIGUSR1, SIGUSR2) and SIGWINCH (the pty's size), and returns a
 * signalfd for them (logged on failure). Called before the launch, so
 * that a ^C while it is set up is passed on once the process runs rather
 * than lost; the child resets its mask. */
int ctl_block_passed_signals(void);
/* Before the unit arg is compiled to run here (run, policy learn): 0, the
 * exit status (125) after saying why no sandbox can be run from here (a
 * chroot), or < 0 when its images cannot be imported or pulled
 * (ctl_import_unit_images()). */
int ctl_run_prepare(const char *arg);
