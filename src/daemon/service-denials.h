/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a service's seccomp filter denied, by name (docs/architecture.md,
 * "Denials by name"): sandboxd holds the filter's listener
 * (src/launch/seccomp-notify.h), answers each denied call as the policy
 * says, counts it per syscall and action, logs the first of each, and
 * shows the counts in status. Owned by service.c and service-adopt.c. */

#include "dlopen-systemd.h"

typedef struct Service Service;
typedef struct ServiceDenials ServiceDenials;
struct SeccompEvent;

/* Before a launch: the counts start at zero. */
int service_denials_reset(Service *s);
/* LaunchParams.on_seccomp_event, userdata the Service: a call the
 * launcher answered. */
void service_denials_note(const struct SeccompEvent *ev, void *userdata);
/* After the launch: answer listener_fd (taken over; < 0: the run has
 * none) on the event loop. */
void service_denials_start(Service *s, int listener_fd);
/* A re-adopted service: take the listener back from its init
 * (pidfd_getfd(2)). Nothing if the run has none. */
void service_denials_adopt(Service *s);
/* The run is over, or sandboxd goes: stop answering. The counts stay for
 * status until the next start. */
void service_denials_stop(Service *s);
ServiceDenials *service_denials_free(ServiceDenials *d);

/* The bus property Denials: a(sssttu) Name, Arch, Action, Count,
 * LastTime (CLOCK_REALTIME usec), Pid (in the sandbox), latest first. */
int service_denials_append(Service *s, sd_bus_message *reply);
/* "socketpair denied by policy strict" when the filter killed the
 * service's main process in its last run, else "". */
const char *service_denials_kill_reason(Service *s);
