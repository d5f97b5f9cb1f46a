/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "service-state.h"

static const char *const service_state_table[_SERVICE_STATE_MAX] = {
        [SERVICE_INACTIVE] = "inactive",
        [SERVICE_STARTING] = "starting",
        [SERVICE_RUNNING] = "running",
        [SERVICE_STOPPING] = "stopping",
        [SERVICE_AUTO_RESTART] = "auto-restart",
        [SERVICE_FAILED] = "failed",
};
DEFINE_STRING_TABLE_LOOKUP(service_state, ServiceState);

static const char *const service_event_table[_SERVICE_EVENT_MAX] = {
        [SERVICE_EVENT_START] = "start",
        [SERVICE_EVENT_STARTED] = "started",
        [SERVICE_EVENT_START_FAILED] = "start-failed",
        [SERVICE_EVENT_EXITED] = "exited",
        [SERVICE_EVENT_STOP] = "stop",
        [SERVICE_EVENT_STOP_TIMEOUT] = "stop-timeout",
        [SERVICE_EVENT_RESTART_TIMER] = "restart-timer",
};
DEFINE_STRING_TABLE_LOOKUP(service_event, ServiceEvent);

static const char *const service_result_table[_SERVICE_RESULT_MAX] = {
        [SERVICE_RESULT_NONE] = "",
        [SERVICE_RESULT_SUCCESS] = "success",
        [SERVICE_RESULT_EXIT_CODE] = "exit-code",
        [SERVICE_RESULT_SIGNAL] = "signal",
        [SERVICE_RESULT_CORE_DUMP] = "core-dump",
        [SERVICE_RESULT_OOM_KILL] = "oom-kill",
        [SERVICE_RESULT_TIMEOUT] = "timeout",
        [SERVICE_RESULT_RESOURCES] = "resources",
        [SERVICE_RESULT_START_LIMIT_HIT] = "start-limit-hit",
        [SERVICE_RESULT_BAD_STATE] = "bad-state",
        [SERVICE_RESULT_BAD_UNIT] = "bad-unit",
        [SERVICE_RESULT_UNTRUSTED_FILES] = "untrusted-files",
        [SERVICE_RESULT_ENABLER_NOT_ADMIN] = "enabler-not-admin",
};
DEFINE_STRING_TABLE_LOOKUP(service_result, ServiceResult);

static bool is_clean_signal(int sig) {
        return sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE;
}

ServiceExitKind service_exit_classify(const ServiceExit *e) {
        if (e->oom_killed)
                return SERVICE_EXIT_OOM;
        if (e->code == CLD_EXITED)
                return e->status == 0 ? SERVICE_EXIT_CLEAN : SERVICE_EXIT_FAILURE;
        if (e->code == CLD_DUMPED)
                return SERVICE_EXIT_CORE;
        /* systemd counts these as a clean end of a service. */
        if (is_clean_signal(e->status))
                return SERVICE_EXIT_CLEAN;
        return SERVICE_EXIT_SIGNAL;
}

bool restart_policy_applies(RestartPolicy r, ServiceExitKind k) {
        switch (r) {
        case RESTART_NO:
                return false;
        case RESTART_ALWAYS:
                return true;
        case RESTART_ON_SUCCESS:
                return k == SERVICE_EXIT_CLEAN;
        case RESTART_ON_FAILURE:
                return k != SERVICE_EXIT_CLEAN;
        case RESTART_ON_ABNORMAL:
                return k == SERVICE_EXIT_SIGNAL || k == SERVICE_EXIT_CORE || k == SERVICE_EXIT_OOM;
        case RESTART_ON_ABORT:
                return k == SERVICE_EXIT_SIGNAL || k == SERVICE_EXIT_CORE;
        default:
                return false;
        }
}

uint64_t service_restart_delay(const Plan *p, unsigned n) {
        long double ratio, d;

        if (n <= 1 || p->restart_steps == 0 || p->restart_usec == 0 || p->restart_max_delay_usec == USEC_INFINITY ||
            p->restart_usec >= p->restart_max_delay_usec)
                return p->restart_usec;
        if (n > p->restart_steps)
                return p->restart_max_delay_usec;
        /* Geometric growth: after RestartSteps steps the delay reaches the maximum. */
        ratio = (long double) p->restart_max_delay_usec / (long double) p->restart_usec;
        d = (long double) p->restart_usec * powl(ratio, (long double) (n - 1) / (long double) p->restart_steps);
        if (d > (long double) p->restart_max_delay_usec)
                return p->restart_max_delay_usec;
        return (uint64_t) d;
}

bool service_start_limit_check(const Plan *p, ServiceRuntime *rt, uint64_t now) {
        if (p->start_limit_burst == 0 || p->start_limit_interval_usec == 0)
                return true; /* no limit */
        if (rt->starts_in_window == 0 || now < rt->start_window_usec ||
            now - rt->start_window_usec >= p->start_limit_interval_usec) {
                rt->start_window_usec = now;
                rt->starts_in_window = 0;
        }
        if (rt->starts_in_window >= p->start_limit_burst)
                return false;
        rt->starts_in_window++;
        return true;
}

static ServiceResult exit_result(ServiceExitKind k) {
        switch (k) {
        case SERVICE_EXIT_CLEAN: return SERVICE_RESULT_SUCCESS;
        case SERVICE_EXIT_FAILURE: return SERVICE_RESULT_EXIT_CODE;
        case SERVICE_EXIT_SIGNAL: return SERVICE_RESULT_SIGNAL;
        case SERVICE_EXIT_CORE: return SERVICE_RESULT_CORE_DUMP;
        case SERVICE_EXIT_OOM: return SERVICE_RESULT_OOM_KILL;
        }
        return SERVICE_RESULT_EXIT_CODE;
}

/* Start (or restart) unless the start limit says no. */
static ServiceTransition try_start(const Plan *p, ServiceRuntime *rt, uint64_t now) {
        if (!service_start_limit_check(p, rt, now)) {
                rt->result = SERVICE_RESULT_START_LIMIT_HIT;
                return (ServiceTransition) { .next = SERVICE_FAILED, .actions = SERVICE_ACTION_DISARM_TIMERS };
        }
        rt->stop_requested = false;
        return (ServiceTransition) { .next = SERVICE_STARTING, .actions = SERVICE_ACTION_DISARM_TIMERS | SERVICE_ACTION_LAUNCH };
}

/* The main process is gone (or never started): restart or settle. */
static ServiceTransition after_end(const Plan *p, ServiceRuntime *rt, ServiceExitKind k, uint64_t now) {
        if (!rt->stop_requested && restart_policy_applies(p->restart, k)) {
                /* A run that stayed up longer than the longest delay resets the backoff. */
                uint64_t stayed = rt->running_since_usec && now > rt->running_since_usec ? now - rt->running_since_usec : 0;
                uint64_t reset_after = p->restart_max_delay_usec != USEC_INFINITY ? p->restart_max_delay_usec
                                                                                   : 10 * USEC_PER_SEC;
                if (stayed >= reset_after)
                        rt->n_restarts = 0;
                rt->n_restarts++;
                return (ServiceTransition) {
                        .next = SERVICE_AUTO_RESTART,
                        .actions = SERVICE_ACTION_CLEANUP | SERVICE_ACTION_ARM_RESTART_TIMER,
                        .restart_delay_usec = service_restart_delay(p, rt->n_restarts),
                };
        }
        rt->running_since_usec = 0;
        if (rt->stop_requested || k == SERVICE_EXIT_CLEAN)
                return (ServiceTransition) { .next = SERVICE_INACTIVE, .actions = SERVICE_ACTION_CLEANUP | SERVICE_ACTION_DISARM_TIMERS };
        return (ServiceTransition) { .next = SERVICE_FAILED, .actions = SERVICE_ACTION_CLEANUP | SERVICE_ACTION_DISARM_TIMERS };
}

ServiceTransition service_transition(const Plan *p, ServiceRuntime *rt, ServiceEvent ev, const ServiceExit *exit, uint64_t now) {
        ServiceTransition same = { .next = rt->state };
        ServiceTransition t = same;
        ServiceExitKind k;

        switch (rt->state) {
        case SERVICE_INACTIVE:
        case SERVICE_FAILED:
                if (ev == SERVICE_EVENT_START) {
                        /* A start by hand is a fresh start: like `systemctl reset-failed; start`. */
                        rt->n_restarts = 0;
                        rt->starts_in_window = 0;
                        t = try_start(p, rt, now);
                }
                break;

        case SERVICE_STARTING:
                if (ev == SERVICE_EVENT_STARTED) {
                        rt->running_since_usec = now;
                        t = (ServiceTransition) { .next = SERVICE_RUNNING };
                        break;
                }
                if (ev == SERVICE_EVENT_START_FAILED) {
                        rt->result = SERVICE_RESULT_RESOURCES;
                        t = after_end(p, rt, SERVICE_EXIT_FAILURE, now);
                        break;
                }
                /* An exit or a stop means the same while starting as while running. */
                _fallthrough_;
        case SERVICE_RUNNING:
                if (ev == SERVICE_EVENT_EXITED && exit) {
                        k = service_exit_classify(exit);
                        rt->result = exit_result(k);
                        t = after_end(p, rt, k, now);
                } else if (ev == SERVICE_EVENT_STOP) {
                        rt->stop_requested = true;
                        rt->result = SERVICE_RESULT_NONE;
                        t = (ServiceTransition) { .next = SERVICE_STOPPING,
                                                  .actions = SERVICE_ACTION_SEND_KILL_SIGNAL | SERVICE_ACTION_ARM_STOP_TIMER };
                }
                break;

        case SERVICE_STOPPING:
                if (ev == SERVICE_EVENT_STOP_TIMEOUT) {
                        /* Still there after TimeoutStopSec: no more asking. */
                        rt->result = SERVICE_RESULT_TIMEOUT;
                        t = (ServiceTransition) { .next = SERVICE_STOPPING, .actions = SERVICE_ACTION_KILL_CGROUP };
                } else if (ev == SERVICE_EVENT_EXITED) {
                        rt->running_since_usec = 0;
                        if (rt->result == SERVICE_RESULT_TIMEOUT)
                                /* It had to be killed: as in systemd, that is a failure. */
                                t = (ServiceTransition) { .next = SERVICE_FAILED,
                                                          .actions = SERVICE_ACTION_CLEANUP | SERVICE_ACTION_DISARM_TIMERS };
                        else {
                                rt->result = SERVICE_RESULT_SUCCESS;
                                t = after_end(p, rt, SERVICE_EXIT_CLEAN, now);
                        }
                }
                break;

        case SERVICE_AUTO_RESTART:
                if (ev == SERVICE_EVENT_RESTART_TIMER)
                        t = try_start(p, rt, now);
                else if (ev == SERVICE_EVENT_STOP) {
                        rt->stop_requested = true;
                        t = (ServiceTransition) { .next = SERVICE_INACTIVE, .actions = SERVICE_ACTION_DISARM_TIMERS };
                } else if (ev == SERVICE_EVENT_START)
                        t = try_start(p, rt, now);
                break;

        default:
                break;
        }

        rt->state = t.next;
        return t;
}
