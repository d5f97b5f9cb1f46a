/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The systemd driver's D-Bus plumbing: the connection (a shared one, see
 * cgroup_systemd_set_bus(), or one per cgroup), what it read and nobody
 * dispatched, the units' states and properties, and waiting for a job to
 * end. The driver itself, and why scopes, is in cgroup-systemd.c. */

#include <time.h>

#include "cgroup-systemd-internal.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "dlopen-systemd.h"
#include "string-util.h"

#define JOB_TIMEOUT_USEC (30 * USEC_PER_SEC)
/* Without its JobRemoved signal for this long, look whether the job is
 * still there: a signal can be lost (a dbus-daemon under pressure drops
 * messages for a slow reader), a finished job cannot come back. */
#define JOB_PROBE_USEC (2 * USEC_PER_SEC)
/* Bound on what one drain dispatches. */
#define DRAIN_MAX 4096U

static sd_bus *shared_bus = NULL;

void cgroup_systemd_set_bus(sd_bus *bus) {
        sd_bus_unref(shared_bus);
        shared_bus = bus ? sd_bus_ref(bus) : NULL;
}

int systemd_acquire_bus(sd_bus **ret) {
        if (shared_bus && sd_bus_is_open(shared_bus) > 0) {
                *ret = sd_bus_ref(shared_bus);
                return 0;
        }
        return sd_bus_open_system(ret);
}

/* The cgroup's connection; a new one if it was closed under us (a
 * dbus-daemon restart), so that destroy() still reaches systemd. */
int systemd_data_bus(SystemdData *d, sd_bus **ret) {
        sd_bus *b;
        int r;

        if (!d->bus || sd_bus_is_open(d->bus) <= 0) {
                r = systemd_acquire_bus(&b);
                if (r < 0)
                        return r;
                sd_bus_unref(d->bus);
                d->bus = b;
        }
        *ret = d->bus;
        return 0;
}

/* What sd_bus_call() read while it waited for its reply (signals that a
 * match of ours let through after we stopped caring) sits in the read
 * queue until someone dispatches it. With an event loop that is the loop;
 * without one, it is us, after every operation. */
void systemd_drain(sd_bus *bus) {
        if (!bus || sd_bus_get_event(bus))
                return;
        for (unsigned i = 0; i < DRAIN_MAX; i++)
                if (sd_bus_process(bus, NULL) <= 0)
                        break;
}

int systemd_call_started(Cgroup *c, SystemdOp op, void *userdata) {
        SystemdData *d = c->driver_data;
        sd_bus *bus;
        int r;

        if (!d->started)
                return 0;
        r = systemd_data_bus(d, &bus);
        if (r < 0)
                return r;
        r = op(c, bus, userdata);
        systemd_drain(bus);
        return r;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

bool cgroup_systemd_available(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int r, has = 0;

        /* sd_booted(): systemd is PID 1 here (it made /run/systemd/system). */
        if (sd_booted() <= 0)
                return false;
        r = systemd_acquire_bus(&bus);
        if (r < 0)
                return false;
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", SD_DEST);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        systemd_drain(bus);
        if (bus == shared_bus)
                sd_bus_unref(bus);      /* not ours to close */
        else
                sd_bus_flush_close_unref(bus);
        return r >= 0 && has;
}

/* GetUnit without loading it: -ENOENT when systemd does not have it. */
int systemd_get_unit(sd_bus *bus, const char *unit, char **ret_path) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *p;
        char *s;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", unit);
        if (r < 0)
                return unit_gone_error(&error) ? -ENOENT : r;
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0)
                return r;
        s = strdup(p);
        if (!s)
                return -ENOMEM;
        *ret_path = s;
        return 0;
}

int systemd_get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(bus, SD_DEST, path, iface, prop, &error, ret);
        /* The unit went away between GetUnit and this. */
        if (r < 0 && is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return -ENOENT;
        return r;
}

int systemd_get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop, uint64_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, prop, &error, 't', ret);
        if (r < 0 && is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return -ENOENT;
        return r;
}

/* ActiveState of unit, and its object path; -ENOENT when systemd does not have it. */
int systemd_unit_state(sd_bus *bus, const char *unit, char **ret_state, char **ret_path) {
        _cleanup_free_ char *path = NULL, *state = NULL;
        int r;

        r = systemd_get_unit(bus, unit, &path);
        if (r < 0)
                return r;
        r = systemd_get_string(bus, path, SD_UNIT, "ActiveState", &state);
        if (r < 0)
                return r;
        if (ret_state)
                *ret_state = TAKE_PTR(state);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

int systemd_manager_call(sd_bus *bus, const char *method, sd_bus_error *error, const char *unit) {
        return sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, error, NULL, "s", unit);
}

/* ---- jobs ---- */

typedef struct JobWait {
        const char *job;
        char *result;
        bool oom;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && !w->result && !w->oom && streq(path, w->job)) {
                w->result = strdup(result);
                w->oom = !w->result;
        }
        return 0;
}

/* > 0 if the job object is gone (the job has finished), 0 if it is there. */
static int job_gone(sd_bus *bus, const char *job) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t id;
        int r;

        r = sd_bus_get_property_trivial(bus, SD_DEST, job, SD_JOB, "Id", &error, 'u', &id);
        if (r >= 0)
                return 0;
        if (is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) || is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
            is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_PROPERTY) || is_bus_error(&error, "org.freedesktop.systemd1.NoSuchJob"))
                return 1;
        return r;
}

/* Sends call (a method that answers with a job path) and waits for that
 * job's end: *ret_result is JobRemoved's result ("done", "failed",
 * "canceled", "timeout", ...). The match goes in before the call, or the
 * signal could come before it. Dispatching here is safe because the bus
 * is the driver's own (see cgroup_systemd_set_bus()); it works the same
 * with the bus attached to an event loop or not. If the signal never
 * comes but the job is gone, the result is "done" when the unit is in
 * want_state, else "failed". */
int systemd_call_and_wait(sd_bus *bus, sd_bus_message *call, const char *unit, const char *want_state,
                          char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        JobWait w = {};
        uint64_t start, probe_at;
        int r;

        r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &w.job);
        if (r < 0)
                return r;

        start = now_usec();
        probe_at = start + JOB_PROBE_USEC;
        while (!w.result) {
                uint64_t n;

                if (w.oom)
                        return -ENOMEM;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        goto fail;
                n = now_usec();
                if (n >= start + JOB_TIMEOUT_USEC) {
                        r = -ETIMEDOUT;
                        goto fail;
                }
                if (r > 0)
                        continue;

                if (n >= probe_at) {
                        r = job_gone(bus, w.job);
                        if (r < 0)
                                goto fail;
                        if (r > 0) {
                                _cleanup_free_ char *state = NULL;

                                /* The signal may have come with that reply. */
                                while (!w.result && sd_bus_process(bus, NULL) > 0)
                                        ;
                                if (w.result)
                                        break;
                                r = systemd_unit_state(bus, unit, &state, NULL);
                                if (r < 0 && r != -ENOENT)
                                        goto fail;
                                w.result = strdup(streq(r == -ENOENT ? "inactive" : state, want_state) ? "done" : "failed");
                                if (!w.result) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                break;
                        }
                        probe_at = n + JOB_PROBE_USEC;
                        continue;
                }
                r = sd_bus_wait(bus, MIN(probe_at, start + JOB_TIMEOUT_USEC) - n);
                if (r < 0)
                        goto fail;
        }
        *ret_result = w.result;
        return 0;

fail:
        free(w.result);
        return r;
}
