/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandboxd's D-Bus API (docs/sandboxd-api.md): org.sandboxd1.Manager on
 * /org/sandboxd1 and org.sandboxd1.Unit on /org/sandboxd1/unit/NAME, served
 * alike on the system bus and on every private connection. */

#include <stdbool.h>
#include <sys/types.h>

#include "dlopen-systemd.h"
#include "service-state.h"

typedef struct Manager Manager;
typedef struct Service Service;

#define BUS_API_PATH "/org/sandboxd1"
#define BUS_API_UNIT_PREFIX "/org/sandboxd1/unit"
#define BUS_API_MANAGER_INTERFACE "org.sandboxd1.Manager"
#define BUS_API_UNIT_INTERFACE "org.sandboxd1.Unit"

#define BUS_ERROR_NO_SUCH_UNIT "org.sandboxd1.Error.NoSuchUnit"
#define BUS_ERROR_BAD_UNIT "org.sandboxd1.Error.BadUnit"
#define BUS_ERROR_LAUNCH_FAILED "org.sandboxd1.Error.LaunchFailed"
#define BUS_ERROR_INVALID_NAME "org.sandboxd1.Error.InvalidName"

/* Register the objects on one connection. */
int bus_api_attach(Manager *m, sd_bus *bus);
/* The same for a private connection, plus the minimal org.freedesktop.DBus
 * (Hello, AddMatch) that clients made for a bus expect. */
int bus_api_attach_private(Manager *m, sd_bus *bus);
/* "/org/sandboxd1/unit/<escaped name>" */
int bus_api_unit_path(const char *name, char **ret);

/* UnitStateChanged (with the state and result the change had) and
 * PropertiesChanged on every connection. From the event loop only
 * (manager_service_changed() queues the changes). */
void bus_api_emit_unit_changed(Manager *m, const char *name, ServiceState state, ServiceResult result);
/* s became inactive or failed: answer StopUnit calls waiting for that; the
 * calls of a start that follows (RestartUnit) wait on, unless it was
 * cancelled. */
void bus_api_answer_stop_waiters(Manager *m, Service *s);
/* RestartUnit's second half (from the deferred work, never from inside
 * service.c): compile anew, start, answer the waiting calls. */
void bus_api_finish_restart(Manager *m, Service *s);
/* The answer to a StartUnit (or RestartUnit) call that waited for its
 * images: name, or the error manager_start_unit_as() gave. */
void bus_api_reply_start(sd_bus_message *msg, const char *name, int r, const char *message, bool bad_unit);

/* Is uid in group gid (primary or supplementary) by the group database? */
bool bus_api_uid_in_group(uid_t uid, gid_t gid);
