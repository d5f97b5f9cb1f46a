/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The systemd driver: systemd owns the cgroup tree on a systemd host, so the
 * service's cgroup is a transient scope, sandbox-NAME.scope in sandbox.slice,
 * made by StartTransientUnit with the unit's limits as scope properties and
 * Delegate=yes. `systemctl status sandbox-web.scope` and systemd-cgls then
 * show the service, and systemd never finds a cgroup it did not make.
 *
 * A scope needs a process, so create() only checks that the name is free
 * (a scope of that name still active means another service's limits: never
 * reuse it) and attach() makes the scope with the launcher's child, which
 * waits at its sync point until the job has finished. */

#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "cgroup.h"
#include "cgroup-util.h"
#include "plan.h"
#include "string-util.h"

#define JOB_TIMEOUT_USEC (30 * USEC_PER_SEC)

typedef struct SystemdData {
        sd_bus *bus;
        char *unit;             /* sandbox-web.scope */
        char *description;
        uint64_t memory_max, memory_high, memory_swap_max, tasks_max, cpu_quota, cpu_weight, io_weight;
        bool started;
} SystemdData;

static sd_bus *shared_bus = NULL;

void cgroup_systemd_set_bus(sd_bus *bus) {
        sd_bus_unref(shared_bus);
        shared_bus = sd_bus_ref(bus);
}

static int get_bus(sd_bus **ret) {
        int r;

        if (shared_bus) {
                *ret = sd_bus_ref(shared_bus);
                return 0;
        }
        r = sd_bus_open_system(ret);
        return r;
}

bool cgroup_systemd_available(void) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        /* sd_booted(): systemd is PID 1 here (it made /run/systemd/system). */
        if (sd_booted() <= 0)
                return false;
        r = get_bus(&bus);
        if (r < 0)
                return false;
        r = sd_bus_get_name_creds(bus, "org.freedesktop.systemd1", 0, NULL);
        return r >= 0;
}

static int unit_escape_name(const char *name, char **ret) {
        /* Unit names allow [a-zA-Z0-9:_.\-]; ours are already within that
         * except '@', which systemd gives a meaning. */
        if (strchr(name, '@'))
                return -EINVAL;
        return asprintf_safe(ret, "sandbox-%s.scope", name);
}

static int get_unit_state(sd_bus *bus, const char *unit, char **ret_active, char **ret_path) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *p;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
                        return -ENOENT;
                return r;
        }
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0)
                return r;
        path = strdup(p);
        if (!path)
                return -ENOMEM;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", NULL, ret_active);
        if (r < 0)
                return r;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

static int systemd_create(const Plan *p, Cgroup **ret, char **reterr_message) {
        _cleanup_free_ SystemdData *d = NULL;
        _cleanup_free_ Cgroup *c = NULL;
        _cleanup_free_ char *active = NULL;
        int r;

        d = calloc(1, sizeof(SystemdData));
        c = calloc(1, sizeof(Cgroup));
        if (!d || !c)
                return -ENOMEM;
        r = get_bus(&d->bus);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to connect to the system bus");
        r = unit_escape_name(p->name, &d->unit);
        if (r < 0) {
                sd_bus_unref(d->bus);
                return cg_error(reterr_message, r, false, "Unit name %s cannot be a systemd scope name.", p->name);
        }

        r = get_unit_state(d->bus, d->unit, &active, NULL);
        if (r >= 0 && !streq(active, "inactive") && !streq(active, "failed")) {
                cg_error(reterr_message, -EBUSY, false,
                         "Scope %s already exists and is %s: refusing to put this service's limits on another's cgroup.",
                         d->unit, active);
                r = -EBUSY;
                goto fail;
        }
        if (r >= 0 && streq(active, "failed"))
                (void) sd_bus_call_method(d->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                          "org.freedesktop.systemd1.Manager", "ResetFailedUnit", NULL, NULL, "s", d->unit);
        if (r < 0 && r != -ENOENT) {
                cg_error(reterr_message, r, true, "Failed to ask systemd about %s", d->unit);
                goto fail;
        }

        d->description = p->description ? strdup(p->description) : NULL;
        d->memory_max = p->memory_max;
        d->memory_high = p->memory_high;
        d->memory_swap_max = p->memory_swap_max;
        d->tasks_max = p->tasks_max;
        d->cpu_quota = p->cpu_quota_per_sec_usec;
        d->cpu_weight = p->cpu_weight;
        d->io_weight = p->io_weight;
        c->name = strdup(d->unit);
        if (!c->name) {
                r = -ENOMEM;
                goto fail;
        }
        c->driver = &cgroup_driver_systemd;
        c->v2_fd = -EBADF;
        c->driver_data = TAKE_PTR(d);
        *ret = TAKE_PTR(c);
        return 0;

fail:
        sd_bus_unref(d->bus);
        free(d->unit);
        return r;
}

typedef struct JobWait {
        const char *job;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && streq(path, w->job) && !w->result)
                w->result = strdup(result);
        return 0;
}

/* Runs method (which returns a job path) and waits for that job's end. */
static int call_and_wait(sd_bus *bus, sd_bus_message *call, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        JobWait w = {};
        uint64_t deadline;
        const char *job;
        int r;

        /* The match goes in before the call, or the signal could be missed. */
        r = sd_bus_match_signal(bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;

        deadline = JOB_TIMEOUT_USEC;
        while (!w.result) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (deadline == 0)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, 100 * USEC_PER_MSEC);
                if (r < 0)
                        return r;
                deadline = deadline > 100 * USEC_PER_MSEC ? deadline - 100 * USEC_PER_MSEC : 0;
        }
        *ret_result = w.result;
        return 0;
}

static int append_u64(sd_bus_message *m, const char *name, uint64_t v) {
        return sd_bus_message_append(m, "(sv)", name, "t", v);
}

static int systemd_attach(Cgroup *c, pid_t pid) {
        SystemdData *d = c->driver_data;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *result = NULL;
        int r;

        if (d->started)
                return -EBUSY;
        r = sd_bus_message_new_method_call(d->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r < 0)
                return r;
        /* "fail": never replace a job of an existing unit of that name. */
        r = sd_bus_message_append(m, "ss", d->unit, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
                                  "Description", "s", d->description ?: d->unit,
                                  "Slice", "s", "sandbox.slice",
                                  "Delegate", "b", 1,
                                  "CollectMode", "s", "inactive-or-failed");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t) pid);
        if (r < 0)
                return r;
        if (d->memory_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemoryMax", d->memory_max)) < 0)
                return r;
        if (d->memory_high != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemoryHigh", d->memory_high)) < 0)
                return r;
        if (d->memory_swap_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemorySwapMax", d->memory_swap_max)) < 0)
                return r;
        if (d->tasks_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "TasksMax", d->tasks_max)) < 0)
                return r;
        if (d->cpu_quota != USEC_INFINITY && (r = append_u64(m, "CPUQuotaPerSecUSec", d->cpu_quota)) < 0)
                return r;
        if (d->cpu_weight != 0 && (r = append_u64(m, "CPUWeight", d->cpu_weight)) < 0)
                return r;
        if (d->io_weight != 0 && (r = append_u64(m, "IOWeight", d->io_weight)) < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;

        r = call_and_wait(d->bus, m, &result, &error);
        if (r < 0)
                return r;
        d->started = true; /* from here on, destroy() must stop it whatever the result */
        if (!streq(result, "done"))
                return -EIO;
        return 0;
}

static int systemd_kill(Cgroup *c, int sig) {
        SystemdData *d = c->driver_data;

        if (!d->started)
                return 0;
        return sd_bus_call_method(d->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "KillUnit", NULL, NULL, "ssi", d->unit, "all", sig);
}

static int unit_path(SystemdData *d, char **ret) {
        _cleanup_free_ char *active = NULL;
        return get_unit_state(d->bus, d->unit, &active, ret);
}

static int systemd_oom_killed(Cgroup *c) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL, *result = NULL;
        int r;

        if (!d->started)
                return 0;
        r = unit_path(d, &path);
        if (r < 0)
                return r == -ENOENT ? -ENODATA : r;
        r = sd_bus_get_property_string(d->bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Scope",
                                       "Result", NULL, &result);
        if (r < 0)
                return r;
        return streq(result, "oom-kill") ? 1 : 0;
}

static int get_u64_property(SystemdData *d, const char *path, const char *prop, uint64_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_get_property(d->bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Scope", prop,
                                NULL, &reply, "t");
        if (r < 0)
                return r;
        return sd_bus_message_read(reply, "t", ret);
}

static int systemd_stats(Cgroup *c, CgroupStats *ret) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL;
        CgroupStats s = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        uint64_t ns;
        int r;

        if (d->started) {
                r = unit_path(d, &path);
                if (r < 0)
                        return r;
                (void) get_u64_property(d, path, "MemoryCurrent", &s.memory_current);
                (void) get_u64_property(d, path, "TasksCurrent", &s.tasks_current);
                if (get_u64_property(d, path, "CPUUsageNSec", &ns) >= 0 && ns != UINT64_MAX)
                        s.cpu_usage_usec = ns / NSEC_PER_USEC;
        }
        *ret = s;
        return 0;
}

static int systemd_destroy(Cgroup *c) {
        SystemdData *d = c->driver_data;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *result = NULL, *active = NULL;
        int r;

        if (!d->started)
                return 0;
        /* SIGKILL first: stopping a scope would otherwise wait out the
         * scope's own TimeoutStopSec; ours has already run. */
        (void) systemd_kill(c, SIGKILL);
        r = sd_bus_message_new_method_call(d->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StopUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", d->unit, "replace");
        if (r < 0)
                return r;
        r = call_and_wait(d->bus, m, &result, &error);
        if (r < 0 && !sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
                return r;
        /* CollectMode=inactive-or-failed: the unit is gone once stopped. */
        r = get_unit_state(d->bus, d->unit, &active, NULL);
        if (r >= 0 && !streq(active, "inactive") && !streq(active, "failed"))
                return -EBUSY;
        d->started = false;
        return 0;
}

static void systemd_free(Cgroup *c) {
        SystemdData *d = c->driver_data;

        if (d) {
                sd_bus_unref(d->bus);
                free(d->unit);
                free(d->description);
                free(d);
        }
        free(c->name);
        free(c);
}

const CgroupDriver cgroup_driver_systemd = {
        .name = "systemd",
        .create = systemd_create,
        .attach = systemd_attach,
        .kill = systemd_kill,
        .oom_killed = systemd_oom_killed,
        .stats = systemd_stats,
        .destroy = systemd_destroy,
        .free = systemd_free,
};
