/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One supervised service: its plan, its sandbox's first process (through
 * a pidfd), its cgroup, its timers, and its ServiceRuntime driven by the
 * table in service-state.c. Owned by service.c, service-adopt.c and
 * state-file.c. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "dlopen-systemd.h"
#include "plan.h"
#include "service-state.h"

typedef struct Manager Manager;
typedef struct ServiceLog ServiceLog;
typedef struct ServiceDenials ServiceDenials;

typedef struct Service {
        Manager *manager;
        char *name;                     /* "web" */
        char *unit_path;                /* absolute path of the unit file it was compiled from */
        Plan *plan;                     /* plan of the current (or last) run; NULL before the first */

        ServiceRuntime rt;
        /* How the last run that ended ended, shown until the next one
         * ends: an automatic restart that runs does not hide why it was
         * needed. A launch that fails empties it, since that attempt is
         * then the last run and last_start_error says why. */
        ServiceExit last_exit;
        bool has_last_exit;
        char *last_exit_seccomp;        /* the filter killed that run: "socketpair denied by policy strict" */
        /* Why the last launch failed ("ExecStart= binary ... is not in the
         * image."), until a launch succeeds: a start-limit-hit or an
         * automatic restart that failed has no client to tell. */
        char *last_start_error;

        pid_t main_pid;                 /* 0 when not running */
        uint64_t main_pid_starttime;
        int pidfd;                      /* -EBADF when not running */
        bool is_child;                  /* launched by this sandboxd (waitid works), not re-adopted */
        bool has_init;
        sd_event_source *pidfd_source;
        sd_event_source *timer_source;  /* stop timeout or restart delay */
        uint64_t restart_at_usec;       /* CLOCK_MONOTONIC; 0 none */

        Cgroup *cgroup;

        uint64_t active_since_realtime; /* usec; 0 when not running */
        uint64_t state_change_realtime;

        /* StopUnit/RestartUnit calls waiting for this service to be gone;
         * answered by manager_service_changed(). */
        sd_bus_message **stop_waiters;
        size_t n_stop_waiters;
        bool restart_after_stop;        /* RestartUnit: start again once inactive */

        /* Who last started it (StartUnit, RestartUnit, or the enabler of an
         * enabled unit): its files are checked for this uid when the unit
         * is compiled again (Reload, a deferred restart). 0 when sandboxd
         * re-adopted it, which checks them as strictly as can be. */
        uid_t started_by;
        /* Additions by service-log.c: */
        ServiceLog *log;                /* without journald: the log file, the current run's pipe */
        /* Socket activation: the listening sockets, opened at the first
         * start and kept while the service is active or restarting (a
         * client waits in the backlog meanwhile), closed when it stops. */
        int *listen_fds;
        size_t n_listen_fds;
        char **listen_files;            /* the AF_UNIX socket files to remove then */
        /* Additions by service-denials.c: */
        ServiceDenials *denials;        /* the seccomp listener of the run, what it denied */
        /* Network=service:NAME: the run of NAME whose network namespace
         * this run joined (its main pid and start time, saved in the state
         * file), and whether to start again once NAME runs again (NAME is
         * restarting; manager_pods_sync()). */
        pid_t net_owner_pid;
        uint64_t net_owner_starttime;
        bool restart_with_owner;

        /* Additions by manager-fetch.c: */
        bool fetching;                  /* a worker imports or pulls its images for a start */
} Service;

/* A new, inactive service object registered with m. */
int service_new(Manager *m, const char *name, Service **ret);
/* Kills nothing: forgets the object (unregisters from m). */
Service *service_free(Service *s);

/* Start with plan (taken over on success and on failure). A client asked:
 * a failed unit is reset first. Returns once the service has exec'd, or
 * < 0 with *reterr_message (if non-NULL) set to one sentence. */
int service_start(Service *s, Plan *plan, char **reterr_message);
/* Start again with the plan it has (as an automatic restart does), fresh
 * counters and result; for a service that is inactive or failed. */
int service_start_again(Service *s, char **reterr_message);
/* KillSignal=, stop timer; the state change to inactive comes later. */
int service_stop(Service *s);
int service_reset_failed(Service *s);

/* Close the listening sockets (removing their files) unless the service
 * is active, restarting, or about to start again (RestartUnit). */
void service_release_sockets_if_idle(Service *s);

/* Stats for status: from the cgroup driver; UINT64_MAX fields when unknown. */
int service_get_stats(Service *s, CgroupStats *ret);

/* Runtime directory: $services_dir/NAME/{plan.json,state,exit}.
 * service_save() writes state (and plan.json when plan_changed) atomically;
 * service_save_plan() plan.json alone (the plan changed, the state did not). */
int service_save(Service *s, bool plan_changed);
int service_save_plan(Service *s);
/* Re-adopt NAME from its runtime directory at startup (see
 * docs/sandboxd-api.md, "Re-adoption"). Returns the service (registered
 * with m), which may have been restarted or marked failed in the process;
 * -ESTALE if the directory belongs to another boot (it is removed). */
int service_adopt(Manager *m, const char *name, Service **ret);
/* Remove $services_dir/NAME (for an inactive service forgotten by the manager). */
int service_remove_runtime_dir(Service *s);
