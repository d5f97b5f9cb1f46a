/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the three files of the systemd driver share, and nobody else:
 * cgroup-systemd.c is the driver (create, attach, kill, stats, destroy,
 * serialize, adopt: the scope's life), cgroup-systemd-bus.c the D-Bus
 * plumbing under it (the connection, unit lookups, waiting for a job),
 * cgroup-systemd-oom.c the OOM kill count (the memory.events watch). The
 * interface to callers is cgroup.h. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "dlopen-systemd.h"
#include "string-util.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SCOPE "org.freedesktop.systemd1.Scope"
#define SD_JOB "org.freedesktop.systemd1.Job"

typedef struct SystemdData {
        sd_bus *bus;
        char *unit;             /* sandbox-web.scope */
        char *description;
        CgroupLimits limits;
        bool started;           /* the scope exists (made or adopted): destroy() must stop it */
        bool referenced;        /* we hold a reference on the unit (AddRef=, RefUnit) */
        /* cgroup v2 with an event loop only (see the top of cgroup-systemd-oom.c): */
        int cgroup_fd;          /* O_PATH of the scope's cgroup while watched; -EBADF */
        sd_event_source *oom_sources[2];        /* inotify on its memory.events, cgroup.events */
        int oom_kills;          /* the last oom_kill count read from it; -ENODATA before any */
        bool oom_final;         /* ... read after its last process was gone: no kill can follow */
        char **device_allow;    /* DeviceAllow= pairs (name, access) under DevicePolicy=closed; NULL: no list */
        uid_t delegate_uid;     /* the sandbox's mapped root, who gets the scope's v2 cgroup; CGROUP_DELEGATE_NONE: nobody */
} SystemdData;

static inline bool is_bus_error(const sd_bus_error *e, const char *name) {
        return sd_bus_error_has_name(e, name);
}

static inline bool unit_gone_error(const sd_bus_error *e) {
        return is_bus_error(e, "org.freedesktop.systemd1.NoSuchUnit") ||
               is_bus_error(e, "org.freedesktop.systemd1.LoadFailed");
}

static inline bool state_is_down(const char *state) {
        return streq(state, "inactive") || streq(state, "failed");
}

/* ---- cgroup-systemd-bus.c ---- */

/* The shared connection (cgroup_systemd_set_bus()) if it is open, else a
 * new one of our own. */
int systemd_acquire_bus(sd_bus **ret);
int systemd_data_bus(SystemdData *d, sd_bus **ret);
/* Dispatch what piled up in the read queue, when no event loop does. */
void systemd_drain(sd_bus *bus);
/* op(c, bus, userdata) on the scope's connection, then systemd_drain();
 * 0 without calling op while the scope is not started: there is nothing
 * to signal, count or stop. */
typedef int (*SystemdOp)(Cgroup *c, sd_bus *bus, void *userdata);
int systemd_call_started(Cgroup *c, SystemdOp op, void *userdata);
int systemd_get_unit(sd_bus *bus, const char *unit, char **ret_path);
/* A property of the unit at path: -ENOENT if it went away meanwhile. */
int systemd_get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char **ret);
int systemd_get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop, uint64_t *ret);
int systemd_unit_state(sd_bus *bus, const char *unit, char **ret_state, char **ret_path);
/* A Manager method that takes a unit name and answers nothing we need. */
int systemd_manager_call(sd_bus *bus, const char *method, sd_bus_error *error, const char *unit);
/* Send call (a method that answers with a job path) and wait for that
 * job's end: *ret_result is JobRemoved's result ("done", "failed", ...). */
int systemd_call_and_wait(sd_bus *bus, sd_bus_message *call, const char *unit, const char *want_state,
                          char **ret_result, sd_bus_error *error);

/* ---- cgroup-systemd-oom.c ---- */

/* /sys/fs/cgroup is the cgroup2 mount. */
bool systemd_host_is_unified(void);
/* Keep the OOM kill count of the scope's cgroup cg: on cgroup v2 when bus
 * is attached to an event loop; elsewhere 0, and nothing done. */
int systemd_watch_oom(SystemdData *d, sd_bus *bus, const char *cg);
void systemd_unwatch_oom(SystemdData *d);
/* CgroupDriver.oom_killed. */
int systemd_oom_killed(Cgroup *c);
