/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The service lifecycle as data: states x events -> next state + actions.
 * The supervisor performs the actions; this file decides, and is pure, so
 * every transition is unit-tested. Restart decisions follow systemd's
 * Restart=, RestartSec=, RestartSteps=/RestartMaxDelaySec= and start limits. */

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "string-table.h"

typedef enum ServiceState {
        SERVICE_INACTIVE,
        SERVICE_STARTING,       /* launcher running, not yet exec'd */
        SERVICE_RUNNING,
        SERVICE_STOPPING,       /* KillSignal sent, waiting up to TimeoutStopSec */
        SERVICE_AUTO_RESTART,   /* waiting RestartSec before starting again */
        SERVICE_FAILED,
        _SERVICE_STATE_MAX,
        _SERVICE_STATE_INVALID = -EINVAL,
} ServiceState;
DECLARE_STRING_TABLE_LOOKUP(service_state, ServiceState);

typedef enum ServiceEvent {
        SERVICE_EVENT_START,            /* asked to start */
        SERVICE_EVENT_STARTED,          /* exec succeeded */
        SERVICE_EVENT_START_FAILED,     /* setup or exec failed */
        SERVICE_EVENT_EXITED,           /* main process ended (see ServiceExit) */
        SERVICE_EVENT_STOP,             /* asked to stop */
        SERVICE_EVENT_STOP_TIMEOUT,     /* TimeoutStopSec passed while stopping */
        SERVICE_EVENT_RESTART_TIMER,    /* RestartSec passed */
        _SERVICE_EVENT_MAX,
        _SERVICE_EVENT_INVALID = -EINVAL,
} ServiceEvent;
DECLARE_STRING_TABLE_LOOKUP(service_event, ServiceEvent);

/* Actions, as bits: several may follow one event, in this order. */
typedef enum ServiceAction {
        SERVICE_ACTION_LAUNCH = 1 << 0,
        SERVICE_ACTION_SEND_KILL_SIGNAL = 1 << 1,  /* KillSignal to the main process */
        SERVICE_ACTION_ARM_STOP_TIMER = 1 << 2,
        SERVICE_ACTION_KILL_CGROUP = 1 << 3,       /* SIGKILL to every process in the cgroup */
        SERVICE_ACTION_CLEANUP = 1 << 4,           /* destroy the cgroup, forget the pid */
        SERVICE_ACTION_ARM_RESTART_TIMER = 1 << 5,
        SERVICE_ACTION_DISARM_TIMERS = 1 << 6,
} ServiceAction;

typedef enum ServiceExitKind {
        SERVICE_EXIT_CLEAN,             /* status 0 (or SIGHUP/SIGINT/SIGTERM/SIGPIPE: clean, as systemd counts them) */
        SERVICE_EXIT_FAILURE,           /* non-zero status */
        SERVICE_EXIT_SIGNAL,            /* killed by an unclean signal */
        SERVICE_EXIT_CORE,              /* dumped core */
        SERVICE_EXIT_OOM,               /* the OOM killer ended it */
} ServiceExitKind;

typedef struct ServiceExit {
        int code;               /* si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED */
        int status;             /* exit status or signal */
        bool oom_killed;
        unsigned n_left;        /* other processes of the sandbox when it ended (init's report; 0 unknown) */
        bool has_oom_count;     /* init's report gave the cgroup's OOM kill count, read before it left */
        unsigned oom_count;
} ServiceExit;

ServiceExitKind service_exit_classify(const ServiceExit *e);
/* Would Restart= restart after this exit? (never after a requested stop) */
bool restart_policy_applies(RestartPolicy r, ServiceExitKind k);

/* How a service's last run ended, as systemd's Result=. The strings are
 * the contract (the state file, D-Bus, `sandboxctl status`). */
typedef enum ServiceResult {
        SERVICE_RESULT_NONE,                    /* "": a stop is under way */
        SERVICE_RESULT_SUCCESS,
        SERVICE_RESULT_EXIT_CODE,
        SERVICE_RESULT_SIGNAL,
        SERVICE_RESULT_CORE_DUMP,
        SERVICE_RESULT_OOM_KILL,
        SERVICE_RESULT_TIMEOUT,                 /* killed after TimeoutStopSec= */
        SERVICE_RESULT_RESOURCES,               /* the launch failed */
        SERVICE_RESULT_START_LIMIT_HIT,
        SERVICE_RESULT_BAD_STATE,               /* its state under /run could not be re-adopted */
        SERVICE_RESULT_BAD_UNIT,                /* an enabled unit that does not compile */
        SERVICE_RESULT_UNTRUSTED_FILES,         /* ... whose files failed the ownership checks */
        SERVICE_RESULT_ENABLER_NOT_ADMIN,       /* ... enabled by a uid that may no longer */
        _SERVICE_RESULT_MAX,
        _SERVICE_RESULT_INVALID = -EINVAL,
} ServiceResult;
DECLARE_STRING_TABLE_LOOKUP(service_result, ServiceResult);

/* Counters the supervisor keeps per service (and persists under /run). */
typedef struct ServiceRuntime {
        ServiceState state;
        unsigned n_restarts;            /* consecutive automatic restarts */
        uint64_t start_window_usec;     /* when the current start-limit window opened */
        unsigned starts_in_window;
        uint64_t running_since_usec;
        bool stop_requested;
        ServiceResult result;
} ServiceRuntime;

/* The delay before the next automatic restart: RestartSec, growing
 * geometrically over RestartSteps restarts to RestartMaxDelaySec. */
uint64_t service_restart_delay(const Plan *p, unsigned n_restarts_next);

/* Records a start attempt at now; false if it exceeds the start limit. */
bool service_start_limit_check(const Plan *p, ServiceRuntime *rt, uint64_t now_usec);

typedef struct ServiceTransition {
        ServiceState next;
        unsigned actions;       /* ServiceAction bits */
        uint64_t restart_delay_usec;
} ServiceTransition;

/* The table. exit may be NULL except for SERVICE_EVENT_EXITED. Updates rt
 * (counters, result) as the transition requires. An event that makes no
 * sense in a state leaves it unchanged with no actions. */
ServiceTransition service_transition(const Plan *p, ServiceRuntime *rt, ServiceEvent ev, const ServiceExit *exit,
                                     uint64_t now_usec);
