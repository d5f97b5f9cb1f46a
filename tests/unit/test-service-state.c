/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/wait.h>

#include "service-state.h"
#include "tests.h"

#define SEC USEC_PER_SEC
#define MSEC USEC_PER_MSEC

static Plan *plan(RestartPolicy r) {
        Plan *p = plan_new();
        ASSERT_TRUE(p);
        p->restart = r;
        p->restart_usec = 100 * MSEC;
        p->restart_max_delay_usec = USEC_INFINITY;
        p->start_limit_burst = 5;
        p->start_limit_interval_usec = 10 * SEC;
        p->timeout_stop_usec = 90 * SEC;
        return p;
}

static const ServiceExit exit_ok = { CLD_EXITED, 0, false, 0, false, 0 };
static const ServiceExit exit_fail = { CLD_EXITED, 3, false, 0, false, 0 };
static const ServiceExit exit_segv = { CLD_DUMPED, SIGSEGV, false, 0, false, 0 };
static const ServiceExit exit_kill = { CLD_KILLED, SIGKILL, false, 0, false, 0 };
static const ServiceExit exit_term = { CLD_KILLED, SIGTERM, false, 0, false, 0 };
static const ServiceExit exit_oom = { CLD_KILLED, SIGKILL, true, 0, false, 0 };

TEST(policy_table) {
        /* Rows: Restart=; columns: clean, failure, unclean signal, core, oom (systemd.service(5)). */
        static const struct {
                RestartPolicy r;
                bool expect[5];
        } rows[] = {
                { RESTART_NO, { 0, 0, 0, 0, 0 } },
                { RESTART_ALWAYS, { 1, 1, 1, 1, 1 } },
                { RESTART_ON_SUCCESS, { 1, 0, 0, 0, 0 } },
                { RESTART_ON_FAILURE, { 0, 1, 1, 1, 1 } },
                { RESTART_ON_ABNORMAL, { 0, 0, 1, 1, 1 } },
                { RESTART_ON_ABORT, { 0, 0, 1, 1, 0 } },
        };
        const ServiceExit *exits[5] = { &exit_ok, &exit_fail, &exit_kill, &exit_segv, &exit_oom };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                for (size_t j = 0; j < 5; j++)
                        ASSERT_EQ(restart_policy_applies(rows[i].r, service_exit_classify(exits[j])), rows[i].expect[j]);
        ASSERT_EQ(service_exit_classify(&exit_term), SERVICE_EXIT_CLEAN);
}

TEST(backoff) {
        Plan *p = plan(RESTART_ALWAYS);

        p->restart_usec = 100 * MSEC;
        p->restart_max_delay_usec = 10 * SEC;
        p->restart_steps = 2;
        ASSERT_U64(service_restart_delay(p, 1), 100 * MSEC);
        ASSERT_U64(service_restart_delay(p, 2), 1 * SEC);   /* 100ms * 100^(1/2) */
        ASSERT_U64(service_restart_delay(p, 3), 10 * SEC);
        ASSERT_U64(service_restart_delay(p, 50), 10 * SEC);
        p->restart_steps = 0;
        ASSERT_U64(service_restart_delay(p, 7), 100 * MSEC);
        plan_free(p);
}

TEST(lifecycle) {
        Plan *p = plan(RESTART_ON_FAILURE);
        ServiceRuntime rt = { .state = SERVICE_INACTIVE };
        ServiceTransition t;
        uint64_t now = 1000 * SEC;

        t = service_transition(p, &rt, SERVICE_EVENT_START, NULL, now);
        ASSERT_EQ(t.next, SERVICE_STARTING);
        ASSERT_TRUE(t.actions & SERVICE_ACTION_LAUNCH);
        t = service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now);
        ASSERT_EQ(t.next, SERVICE_RUNNING);

        /* Crash: auto-restart after RestartSec. */
        t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_fail, now + SEC);
        ASSERT_EQ(t.next, SERVICE_AUTO_RESTART);
        ASSERT_TRUE(t.actions & SERVICE_ACTION_ARM_RESTART_TIMER);
        ASSERT_U64(t.restart_delay_usec, 100 * MSEC);
        ASSERT_STREQ(service_result_to_string(rt.result), "exit-code");
        t = service_transition(p, &rt, SERVICE_EVENT_RESTART_TIMER, NULL, now + 2 * SEC);
        ASSERT_EQ(t.next, SERVICE_STARTING);
        t = service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now + 2 * SEC);

        /* Clean exit under on-failure: inactive, no restart. */
        t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_ok, now + 3 * SEC);
        ASSERT_EQ(t.next, SERVICE_INACTIVE);
        ASSERT_TRUE(t.actions & SERVICE_ACTION_CLEANUP);

        /* Stop: KillSignal + timer; the timer ends in SIGKILL to the cgroup and failure. */
        service_transition(p, &rt, SERVICE_EVENT_START, NULL, now + 4 * SEC);
        service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now + 4 * SEC);
        t = service_transition(p, &rt, SERVICE_EVENT_STOP, NULL, now + 5 * SEC);
        ASSERT_EQ(t.next, SERVICE_STOPPING);
        ASSERT_EQ(t.actions, SERVICE_ACTION_SEND_KILL_SIGNAL | SERVICE_ACTION_ARM_STOP_TIMER);
        t = service_transition(p, &rt, SERVICE_EVENT_STOP_TIMEOUT, NULL, now + 95 * SEC);
        ASSERT_TRUE(t.actions & SERVICE_ACTION_KILL_CGROUP);
        t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_kill, now + 95 * SEC);
        ASSERT_EQ(t.next, SERVICE_FAILED);
        ASSERT_STREQ(service_result_to_string(rt.result), "timeout");

        /* A requested stop is never restarted, even with Restart=always. */
        p->restart = RESTART_ALWAYS;
        service_transition(p, &rt, SERVICE_EVENT_START, NULL, now + 100 * SEC);
        service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now + 100 * SEC);
        service_transition(p, &rt, SERVICE_EVENT_STOP, NULL, now + 101 * SEC);
        t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_term, now + 101 * SEC);
        ASSERT_EQ(t.next, SERVICE_INACTIVE);
        ASSERT_STREQ(service_result_to_string(rt.result), "success");

        /* Events that make no sense change nothing. */
        t = service_transition(p, &rt, SERVICE_EVENT_STOP_TIMEOUT, NULL, now);
        ASSERT_EQ(t.next, SERVICE_INACTIVE);
        ASSERT_EQ(t.actions, 0);
        plan_free(p);
}

TEST(start_limit) {
        Plan *p = plan(RESTART_ALWAYS);
        ServiceRuntime rt = { .state = SERVICE_INACTIVE };
        ServiceTransition t;
        uint64_t now = 1000 * SEC;

        t = service_transition(p, &rt, SERVICE_EVENT_START, NULL, now);
        for (int i = 0; i < 10 && t.next != SERVICE_FAILED; i++) {
                service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now);
                t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_segv, now + 1);
                ASSERT_EQ(t.next, SERVICE_AUTO_RESTART);
                now += 200 * MSEC;
                t = service_transition(p, &rt, SERVICE_EVENT_RESTART_TIMER, NULL, now);
        }
        /* 5 starts in 10 s allowed; the 6th within the window fails the unit. */
        ASSERT_EQ(t.next, SERVICE_FAILED);
        ASSERT_STREQ(service_result_to_string(rt.result), "start-limit-hit");
        ASSERT_EQ(rt.starts_in_window, 5);

        /* A start by hand resets the limit. */
        t = service_transition(p, &rt, SERVICE_EVENT_START, NULL, now);
        ASSERT_EQ(t.next, SERVICE_STARTING);

        /* Starts spread over more than the interval never hit it. */
        rt = (ServiceRuntime) { .state = SERVICE_INACTIVE };
        now = 5000 * SEC;
        for (int i = 0; i < 20; i++) {
                ASSERT_TRUE(service_start_limit_check(p, &rt, now));
                now += 3 * SEC;
        }
        plan_free(p);
}

TEST(backoff_resets_after_a_long_run) {
        Plan *p = plan(RESTART_ALWAYS);
        ServiceRuntime rt = { .state = SERVICE_INACTIVE };
        ServiceTransition t;
        uint64_t now = 1000 * SEC;

        p->restart_max_delay_usec = 8 * SEC;
        p->restart_steps = 3;
        p->start_limit_burst = 0; /* no start limit */
        service_transition(p, &rt, SERVICE_EVENT_START, NULL, now);
        for (int i = 1; i <= 3; i++) {
                service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now);
                t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_fail, now + SEC);
                ASSERT_EQ(rt.n_restarts, i);
                now += 20 * SEC;
                service_transition(p, &rt, SERVICE_EVENT_RESTART_TIMER, NULL, now);
        }
        ASSERT_TRUE(t.restart_delay_usec > 100 * MSEC);
        /* This run stays up longer than RestartMaxDelaySec: the next delay starts over. */
        service_transition(p, &rt, SERVICE_EVENT_STARTED, NULL, now);
        t = service_transition(p, &rt, SERVICE_EVENT_EXITED, &exit_fail, now + 60 * SEC);
        ASSERT_EQ(rt.n_restarts, 1);
        ASSERT_U64(t.restart_delay_usec, 100 * MSEC);
        plan_free(p);
}

int main(void) {
        RUN(policy_table);
        RUN(backoff);
        RUN(lifecycle);
        RUN(start_limit);
        RUN(backoff_resets_after_a_long_run);
        return 0;
}
