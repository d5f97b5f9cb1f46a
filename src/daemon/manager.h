/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandboxd's state: the event loop, the bus connections, the services.
 * Owned by manager.c (with bus-api.c and sandboxd.c); services live in
 * service.c. See docs/sandboxd-api.md for the contract. */

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgroup.h"

typedef struct Service Service;

typedef struct Manager {
        sd_event *event;
        sd_bus *api_bus;                /* system bus, org.sandboxd1; NULL without one */
        sd_bus *cgroup_bus;             /* a second system bus connection, only for the systemd
                                         * cgroup driver, so that its synchronous waits never
                                         * dispatch API calls (no re-entrancy); NULL with cgroupfs */
        int private_fd;                 /* listening socket of $RUNTIME_DIR/private */
        sd_event_source *private_source;
        sd_bus **private_conns;         /* accepted peer-to-peer connections */
        size_t n_private_conns;

        const CgroupDriver *cgroup_driver;
        char *runtime_dir;              /* /run/sandboxd */
        char *services_dir;             /* /run/sandboxd/services */
        char *config_dir;               /* /etc/sandboxd */
        gid_t admin_gid;                /* (gid_t) -1: root only */

        Service **services;             /* sorted by name */
        size_t n_services;

        char boot_id[33];
        bool exiting;
} Manager;

/* Lookup; NULL if sandboxd does not know NAME. */
Service *manager_get_service(Manager *m, const char *name);
/* Add a new service object (service_new() calls this). */
int manager_add_service(Manager *m, Service *s);
void manager_remove_service(Manager *m, Service *s);

/* Called by service.c on every state change: emits UnitStateChanged,
 * answers pending StopUnit/RestartUnit calls, updates sd_notify STATUS=. */
void manager_service_changed(Manager *m, Service *s);

/* Valid NAME per docs/sandboxd-api.md. */
bool service_name_is_valid(const char *name);
