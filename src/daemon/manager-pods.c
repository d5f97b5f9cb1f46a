/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Pods: services with Network=service:NAME (joiners) live in the network
 * namespace of NAME's current run, and that namespace dies with it. So a
 * joiner runs only while the run of NAME it joined runs: when NAME's
 * main process changes (a restart, automatic or asked for, also one that
 * happened while sandboxd was away) or NAME stops, the joiner is
 * stopped; if NAME is coming back, the joiner starts again, with its
 * plan, once NAME runs. The tie is the joiner's plan (network_service)
 * and the owner's main pid and start time saved in its state file, so a
 * re-adopting sandboxd keeps it. Run from the deferred work, never from
 * inside a service's dispatch. */

#include "log.h"
#include "manager.h"
#include "service.h"
#include "string-util.h"
#include "strv.h"

static bool is_joiner(const Service *s) {
        return s->plan && s->plan->network == NETWORK_SERVICE && s->plan->network_service;
}

bool manager_has_joiners(Manager *m) {
        for (size_t i = 0; i < m->n_services; i++)
                if (is_joiner(m->services[i]))
                        return true;
        return false;
}

static bool owner_runs(const Service *o) {
        return o && o->rt.state == SERVICE_RUNNING && o->main_pid > 0;
}

/* Will the owner run again without anyone asking? */
static bool owner_returns(const Service *o) {
        return o && (o->rt.state == SERVICE_AUTO_RESTART || o->rt.state == SERVICE_STARTING || o->restart_after_stop);
}

static void sync_one(Manager *m, Service *j) {
        Service *o = manager_get_service(m, j->plan->network_service);
        bool again;
        int r;

        switch (j->rt.state) {
        case SERVICE_STARTING:
        case SERVICE_RUNNING:
        case SERVICE_AUTO_RESTART:
                if (j->main_pid > 0 && owner_runs(o) && o->main_pid == j->net_owner_pid &&
                    o->main_pid_starttime == j->net_owner_starttime)
                        return; /* in the namespace of the owner's current run */
                if (j->rt.state == SERVICE_AUTO_RESTART && !owner_runs(o) && !owner_returns(o)) {
                        /* Its own restart would only fail: nothing to join. */
                        log_info("Stopping %s: service %s, whose network it shares, is not running.", j->name,
                                 j->plan->network_service);
                        (void) service_stop(j);
                        return;
                }
                if (j->rt.state == SERVICE_AUTO_RESTART)
                        return; /* its restart joins the owner's current run */
                again = owner_runs(o) || owner_returns(o);
                log_info("Stopping %s: service %s, whose network it shares, %s.", j->name, j->plan->network_service,
                         again ? "restarted" : "stopped");
                r = service_stop(j);
                if (r < 0)
                        log_warning_errno(r, "Failed to stop %s: %m", j->name);
                /* After the stop, which forgets it (a client's stop means stopped). */
                j->restart_with_owner = again;
                return;
        case SERVICE_INACTIVE:
        case SERVICE_FAILED:
                if (!j->restart_with_owner)
                        return;
                if (owner_runs(o)) {
                        _cleanup_free_ char *msg = NULL;

                        j->restart_with_owner = false;
                        log_info("Starting %s again: service %s, whose network it shares, runs again.", j->name,
                                 j->plan->network_service);
                        r = service_start_again(j, &msg);
                        if (r < 0)
                                log_error_errno(r, "Failed to start %s again: %s", j->name, msg ?: strerror(-r));
                } else if (!owner_returns(o))
                        j->restart_with_owner = false;
                return;
        default:
                return; /* stopping: looked at again once it is inactive */
        }
}

void manager_pods_sync(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;

        for (size_t i = 0; i < m->n_services; i++)
                if (is_joiner(m->services[i]) && strv_extend(&names, m->services[i]->name) < 0) {
                        log_oom();
                        return;
                }
        /* By name: a stop or start changes the services' states, and a
         * start may fail and be forgotten. */
        STRV_FOREACH(n, names) {
                Service *j = manager_get_service(m, *n);

                if (j && is_joiner(j))
                        sync_one(m, j);
        }
}
