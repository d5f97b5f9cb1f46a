/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandboxctl's side of the D-Bus contract (docs/sandboxd-api.md): the
 * connection to sandboxd, method calls, and D-Bus errors turned into one
 * sentence and an exit status. */

#include <stdbool.h>
#include <stdint.h>

#include "dlopen-systemd.h"
#include "unit-name.h"

/* Exit statuses of the verbs that talk to sandboxd, as systemctl's
 * (LSB's): documented in sandboxctl(1), EXIT STATUS. */
#define CTL_EXIT_FAILURE 1
#define CTL_EXIT_NOT_RUNNING 3          /* status: the unit is not running */
#define CTL_EXIT_NO_PERMISSION 4        /* AccessDenied */
#define CTL_EXIT_STATUS_UNKNOWN 4       /* status: no such unit */
#define CTL_EXIT_NO_SUCH_UNIT 5         /* any other verb: no such unit */

#define SANDBOXD_BUS_NAME "org.sandboxd1"
#define SANDBOXD_OBJECT_PATH "/org/sandboxd1"
#define SANDBOXD_MANAGER_INTERFACE "org.sandboxd1.Manager"
#define SANDBOXD_UNIT_INTERFACE "org.sandboxd1.Unit"
#define ERROR_NO_SUCH_UNIT "org.sandboxd1.Error.NoSuchUnit"

/* Connects to $SANDBOXD_RUNTIME_DIR/private when it exists, else to
 * org.sandboxd1 on the system bus. Logs and returns < 0 when neither
 * answers. */
int ctl_bus_open(sd_bus **ret);
/* The same, silent: -ECONNREFUSED when sandboxd is not running, -EACCES
 * when its socket is not ours and it is not on the system bus, for a
 * caller that says so in its own words. */
int ctl_bus_open_quiet(sd_bus **ret);

/* Calls org.sandboxd1.Manager.method with the arguments of types (as
 * sd_bus_message_append). timeout_usec 0: sd-bus's default, UINT64_MAX:
 * none (stopping a service may take TimeoutStopSec=). On failure, fills
 * *reterr (when the error came from the peer) and returns < 0. */
int ctl_bus_call(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_error *reterr,
                 sd_bus_message **ret_reply, const char *types, ...);

/* Reports a failed call in one sentence ("Failed to <what>: ...") or, for
 * BadUnit, the diagnostics as they came, and returns the exit status
 * (CTL_EXIT_*). for_status picks the status verb's code for NoSuchUnit. */
int ctl_bus_log_error(const sd_bus_error *e, int r, bool for_status, const char *what);

/* What the user typed for a running unit ("web", "web.unit" or a path to
 * web.unit) -> the NAME sandboxd knows it by; -EINVAL (logged) if there is
 * none. */
int ctl_unit_name_from_arg(const char *arg, char **ret);

/* GetUnit, then Properties.GetAll of org.sandboxd1.Unit; the reply is an
 * a{sv}. reterr/return as ctl_bus_call. */
int ctl_bus_get_unit_properties(sd_bus *bus, const char *name, sd_bus_error *reterr, sd_bus_message **ret_reply);
