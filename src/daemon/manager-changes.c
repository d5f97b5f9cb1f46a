/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd's news about its services, sent from the event loop. A change
 * of state is queued by manager_service_changed() as it happens and sent
 * by a defer source: the UnitStateChanged signals, PropertiesChanged, and
 * the answers to StopUnit calls that waited for the stop. So service.c
 * never calls into the bus API, which calls service.c. */

#include <stdlib.h>

#include "bus-api.h"
#include "log.h"
#include "manager.h"
#include "service.h"
#include "string-util.h"

/* A change as it was when it happened: a service may pass through several
 * states in one dispatch, and each is sent, in order. */
typedef struct UnitChange {
        char *name;
        ServiceState state;
        ServiceResult result;
} UnitChange;

void manager_changes_clear(Manager *m) {
        for (size_t i = 0; i < m->n_changes; i++)
                free(m->changes[i].name);
        m->changes = mfree(m->changes);
        m->n_changes = 0;
}

static int on_changes(sd_event_source *es, void *userdata) {
        Manager *m = userdata;
        UnitChange *changes = TAKE_PTR(m->changes);
        size_t n = m->n_changes;

        m->n_changes = 0;
        for (size_t i = 0; i < n; i++) {
                UnitChange *c = &changes[i];
                Service *s;

                bus_api_emit_unit_changed(m, c->name, c->state, c->result);
                s = c->state == SERVICE_INACTIVE || c->state == SERVICE_FAILED ? manager_get_service(m, c->name) : NULL;
                if (s)
                        bus_api_answer_stop_waiters(m, s);
                free(c->name);
        }
        free(changes);
        return 0;
}

int manager_changes_push(Manager *m, const Service *s) {
        _cleanup_free_ char *name = NULL;
        UnitChange *n;
        int r;

        if (!m->event)
                return 0;       /* no loop, no bus: nobody to tell */
        if (!m->changes_source) {
                r = sd_event_add_defer(m->event, &m->changes_source, on_changes, m);
                if (r < 0)
                        return r;
                /* Before other work: a client that waits for a change must
                 * see it before what follows from it. */
                (void) sd_event_source_set_priority(m->changes_source, SD_EVENT_PRIORITY_IMPORTANT - 1);
                (void) sd_event_source_set_description(m->changes_source, "manager-changes");
        }
        name = strdup(s->name);
        n = reallocarray(m->changes, m->n_changes + 1, sizeof(UnitChange));
        if (!name || !n)
                return -ENOMEM;
        m->changes = n;
        m->changes[m->n_changes++] = (UnitChange) {
                .name = TAKE_PTR(name),
                .state = s->rt.state,
                .result = s->rt.result,
        };
        return sd_event_source_set_enabled(m->changes_source, SD_EVENT_ONESHOT);
}

