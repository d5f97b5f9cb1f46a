/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Pods: services with Network=service:NAME (joiners) live in the network
 * namespace of NAME's current run, and that namespace dies with it. So a
 * joiner runs only while the run of NAME it joined runs: when NAME's
 * main process changes (a restart, automatic or asked for, also one that
 * happened while sandboxd was away) or NAME stops, the joiner is
 * stopped; if NAME is coming back, the joiner starts again, with its
 * plan, once NAME runs. The tie is the joiner's plan (network_service)
 * and the owner's main pid and start time saved in its state file, so a
 * re-adopting sandboxd keeps it; so is the wait for NAME's return
 * (restart_with_owner), so a sandboxd killed while NAME restarts does not
 * forget the joiner. Run from the deferred work, never from inside a
 * service's dispatch. At boot, enabled owners start before their joiners
 * (manager_pods_unit_owner()). */

#include "diag.h"
#include "log.h"
#include "manager.h"
#include "service.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"

static bool is_joiner(const Service *s) {
        return s->plan && s->plan->network == NETWORK_SERVICE && s->plan->network_service;
}

bool manager_has_joiners(Manager *m) {
        for (size_t i = 0; i < m->n_services; i++)
                if (is_joiner(m->services[i]))
                        return true;
        return false;
}

bool manager_pods_joined(Manager *m, const Service *owner) {
        if (!m || owner->main_pid <= 0)
                return false;
        for (size_t i = 0; i < m->n_services; i++) {
                const Service *j = m->services[i];

                if (is_joiner(j) && j->main_pid > 0 && streq(j->plan->network_service, owner->name) &&
                    j->net_owner_pid == owner->main_pid && j->net_owner_starttime == owner->main_pid_starttime)
                        return true;
        }
        return false;
}

static bool owner_runs(const Service *o) {
        return o && o->rt.state == SERVICE_RUNNING && o->main_pid > 0;
}

/* Will the owner run again without anyone asking? */
static bool owner_returns(const Service *o) {
        return o && (o->rt.state == SERVICE_AUTO_RESTART || o->rt.state == SERVICE_STARTING || o->restart_after_stop);
}

/* Waiting for NAME to come back (or no longer): remembered in the state
 * file, which the state change that follows a stop may not rewrite. */
static void set_waiting(Service *j, bool b) {
        int r;

        if (j->restart_with_owner == b)
                return;
        j->restart_with_owner = b;
        r = service_save(j, false);
        if (r < 0)
                log_warning_errno(r, "Failed to save the state of %s, ignoring: %m", j->name);
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
                if (j->rt.state == SERVICE_AUTO_RESTART && owner_runs(o))
                        return; /* its restart joins the owner's current run */
                /* Its own restart (or this run) would find nothing to join:
                 * it waits for the owner instead, if the owner comes back. */
                again = owner_runs(o) || owner_returns(o);
                log_info("Stopping %s: service %s, whose network it shares, %s.", j->name, j->plan->network_service,
                         again ? "restarts" : "stopped");
                r = service_stop(j);
                if (r < 0)
                        log_warning_errno(r, "Failed to stop %s: %m", j->name);
                /* After the stop, which forgets it (a client's stop means stopped). */
                set_waiting(j, again);
                return;
        case SERVICE_INACTIVE:
        case SERVICE_FAILED:
                if (!j->restart_with_owner)
                        return;
                if (owner_runs(o)) {
                        _cleanup_free_ char *msg = NULL;

                        set_waiting(j, false);
                        log_info("Starting %s again: service %s, whose network it shares, runs again.", j->name,
                                 j->plan->network_service);
                        r = service_start_again(j, &msg);
                        if (r < 0)
                                log_error_errno(r, "Failed to start %s again: %s", j->name, msg ?: strerror(-r));
                } else if (!owner_returns(o))
                        set_waiting(j, false);
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

int manager_pods_unit_owner(const char *unit, uid_t caller, char **ret_owner) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;
        char *owner = NULL;

        /* A unit that does not load is the compiler's to report, at its start. */
        if (unit_load_as(unit, caller, &u, &d) >= 0 && u->network == NETWORK_SERVICE && u->network_service) {
                owner = strdup(u->network_service);
                if (!owner)
                        return -ENOMEM;
        }
        *ret_owner = owner;
        return 0;
}
