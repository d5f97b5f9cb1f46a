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
 * waits at its sync point until the job has finished.
 *
 * The scope is made with AddRef=yes: systemd keeps the unit, and with it
 * Result= (oom-kill), after its last process is gone and until destroy()
 * drops the reference, or until our connection closes (a crash leaks
 * nothing). A re-adopting sandboxd takes a reference anew (RefUnit).
 * CollectMode=inactive-or-failed then lets systemd forget the unit as soon
 * as the reference is dropped, failed or not, so that the next start of
 * the service finds the name free.
 *
 * Under it: cgroup-systemd-bus.c talks to systemd (the connection, unit
 * lookups, waiting for a job), cgroup-systemd-oom.c keeps the OOM kill
 * count (see there why a watch on memory.events).
 */

#include <fcntl.h>
#include <stdio.h>

#include "cgroup-devices.h"
#include "cgroup-systemd-internal.h"
#include "cgroup-util.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "dlopen-systemd.h"
#include "log.h"
#include "plan.h"
#include "string-util.h"
#include "strv.h"

#define SLICE "sandbox.slice"
/* systemd's UNIT_NAME_MAX */
#define UNIT_NAME_MAX 256U

/* ---- names ---- */

static bool unit_char_ok(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == ':' || ch == '_' || ch == '.' || ch == '-';
}

/* "sandbox-NAME.scope"; what a unit name cannot hold ('@' would make it a
 * template instance) escaped as \xNN, as systemd-escape does. */
static int scope_name(const char *name, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        if (isempty(name) || strlen(name) > 64)
                return -EINVAL;
        s = malloc(strlen("sandbox-") + 4 * strlen(name) + strlen(".scope") + 1);
        if (!s)
                return -ENOMEM;
        n = (size_t) sprintf(s, "sandbox-");
        for (const char *p = name; *p; p++) {
                if (unit_char_ok(*p))
                        s[n++] = *p;
                else
                        n += (size_t) sprintf(s + n, "\\x%02x", (unsigned) (unsigned char) *p);
        }
        strcpy(s + n, ".scope");
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- create, attach ---- */

static void systemd_free(Cgroup *c);

static void systemd_freep(Cgroup **c) {
        if (*c)
                systemd_free(*c);
}

static int new_cgroup(const char *unit, Cgroup **ret) {
        _cleanup_(systemd_freep) Cgroup *c = NULL;
        SystemdData *d;

        c = calloc(1, sizeof(Cgroup));
        if (!c)
                return -ENOMEM;
        c->driver = &cgroup_driver_systemd;
        c->v2_fd = -EBADF;
        c->driver_data = d = calloc(1, sizeof(SystemdData));
        if (!d)
                return -ENOMEM;
        d->cgroup_fd = -EBADF;
        d->oom_kills = -ENODATA;
        d->delegate_uid = CGROUP_DELEGATE_NONE;
        d->unit = strdup(unit);
        c->name = strdup(unit);
        if (!d->unit || !c->name)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

static int systemd_create(const CgroupSpec *s, Cgroup **ret, char **reterr_message) {
        _cleanup_(systemd_freep) Cgroup *c = NULL;
        _cleanup_free_ char *unit = NULL, *state = NULL;
        SystemdData *d;
        int r;

        r = scope_name(s->name, &unit);
        if (r < 0)
                return cg_error(reterr_message, r, false, "Service name \"%s\" cannot make a systemd scope name.",
                                strna(s->name));

        /* On a hybrid or legacy host systemd applies the memory limits
         * through the v1 controller, which has MemoryMax= only: it would
         * drop these two with a line in its log. */
        if (!systemd_host_is_unified()) {
                const char *key = s->limits.memory_high != CGROUP_LIMIT_MAX ? "MemoryHigh=" :
                                  s->limits.memory_swap_max != CGROUP_LIMIT_MAX ? "MemorySwapMax=" : NULL;

                if (key)
                        return cg_error(reterr_message, -EOPNOTSUPP, false,
                                        "%s cannot be applied by systemd on this host: its memory controller is a "
                                        "cgroup v1 hierarchy, where systemd supports MemoryMax= only.", key);
        }

        r = new_cgroup(unit, &c);
        if (r < 0)
                return r;
        d = c->driver_data;
        r = systemd_acquire_bus(&d->bus);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to connect to the system bus");

        r = systemd_unit_state(d->bus, unit, &state, NULL);
        if (r >= 0 && !state_is_down(state)) {
                systemd_drain(d->bus);
                return cg_error(reterr_message, -EBUSY, false,
                                "Scope %s already exists and is %s: refusing to put this service's limits on "
                                "another's cgroup (is the service running elsewhere, under sandboxd or another "
                                "sandboxctl run?).", unit, state);
        }
        if (r >= 0 && streq(state, "failed"))
                /* Kept for inspection (CollectMode= of whoever made it):
                 * resetting it lets systemd collect it and free the name. */
                (void) systemd_manager_call(d->bus, "ResetFailedUnit", NULL, unit);
        systemd_drain(d->bus);
        if (r < 0 && r != -ENOENT)
                return cg_error(reterr_message, r, true, "Failed to ask systemd about %s", unit);

        if (s->description) {
                d->description = strdup(s->description);
                if (!d->description)
                        return -ENOMEM;
        }
        d->limits = s->limits;
        d->delegate_uid = s->delegate_to;
        for (size_t i = 0; i < s->n_devices; i++) {
                _cleanup_free_ char *name = NULL;
                char acc[DEVICE_ACCESS_STRING_MAX];

                r = cgroup_devices_systemd_name(&s->devices[i], &name);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return cg_error(reterr_message, r, false, "Device %s cannot be expressed as systemd's DeviceAllow=.",
                                        s->devices[i].name);
                /* A class with several majors is one entry for systemd. */
                if (strv_contains(d->device_allow, name))
                        continue;
                if (strv_extend(&d->device_allow, name) < 0 ||
                    strv_extend(&d->device_allow, device_access_to_string(s->devices[i].access, acc)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static int append_u64(sd_bus_message *m, const char *name, uint64_t v) {
        return sd_bus_message_append(m, "(sv)", name, "t", v);
}

static int build_start(SystemdData *d, sd_bus *bus, pid_t pid, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r < 0)
                return r;
        /* "fail": never replace a job of an existing unit of that name. */
        r = sd_bus_message_append(m, "ss", d->unit, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)",
                                  "Description", "s", d->description ?: d->unit,
                                  "Slice", "s", SLICE,
                                  "Delegate", "b", 1,
                                  "CollectMode", "s", "inactive-or-failed",
                                  "AddRef", "b", 1);
        if (r < 0)
                return r;
        /* Accounting on, whatever the host's defaults, for stats(). */
        r = sd_bus_message_append(m, "(sv)(sv)(sv)",
                                  "MemoryAccounting", "b", 1,
                                  "TasksAccounting", "b", 1,
                                  "CPUAccounting", "b", 1);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t) pid);
        if (r < 0)
                return r;
        if (d->limits.memory_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemoryMax", d->limits.memory_max)) < 0)
                return r;
        if (d->limits.memory_high != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemoryHigh", d->limits.memory_high)) < 0)
                return r;
        if (d->limits.memory_swap_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "MemorySwapMax", d->limits.memory_swap_max)) < 0)
                return r;
        if (d->limits.tasks_max != CGROUP_LIMIT_MAX && (r = append_u64(m, "TasksMax", d->limits.tasks_max)) < 0)
                return r;
        if (d->limits.cpu_quota_per_sec_usec != USEC_INFINITY && (r = append_u64(m, "CPUQuotaPerSecUSec", d->limits.cpu_quota_per_sec_usec)) < 0)
                return r;
        if (d->limits.cpu_weight != 0 && (r = append_u64(m, "CPUWeight", d->limits.cpu_weight)) < 0)
                return r;
        if (d->limits.io_weight != 0 && (r = append_u64(m, "IOWeight", d->limits.io_weight)) < 0)
                return r;
        if (d->device_allow) {
                /* closed: nothing but the list (and systemd's own null, zero,
                 * full, random, urandom, which the list has anyway). */
                r = sd_bus_message_append(m, "(sv)", "DevicePolicy", "s", "closed");
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "DeviceAllow");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(ss)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(ss)");
                for (char **s = d->device_allow; r >= 0 && s[0] && s[1]; s += 2)
                        r = sd_bus_message_append(m, "(ss)", s[0], s[1]);
                for (int k = 0; r >= 0 && k < 3; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* Our reference dropped and a failure reset: systemd collects the unit
 * if nothing else holds it. Harmless to a unit of that name that is not
 * ours: UnrefUnit drops only the caller's own reference. */
static void forget_unit(SystemdData *d, sd_bus *bus) {
        (void) systemd_manager_call(bus, "ResetFailedUnit", NULL, d->unit);
        (void) systemd_manager_call(bus, "UnrefUnit", NULL, d->unit);
        d->referenced = false;
}

/* Whatever a start job that went wrong left, in a unit that is ours (its
 * job was ours): stopped, reset, forgotten. */
static void undo_start(SystemdData *d, sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *result = NULL;

        (void) sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit", NULL, NULL, "ssi", d->unit, "all", SIGKILL);
        if (sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit") >= 0 &&
            sd_bus_message_append(m, "ss", d->unit, "replace") >= 0)
                (void) systemd_call_and_wait(bus, m, d->unit, "inactive", &result, &error);
        forget_unit(d, bus);
}

static int start_scope(SystemdData *d, sd_bus *bus, pid_t pid, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = build_start(d, bus, pid, &m);
        if (r < 0)
                return r;
        return systemd_call_and_wait(bus, m, d->unit, "active", ret_result, error);
}

static int job_result_to_errno(const char *result) {
        return streq(result, "timeout") ? -ETIMEDOUT :
               streq(result, "canceled") ? -ECANCELED :
               streq(result, "dependency") ? -ENOLINK : -EIO;
}

/* Delegate=yes makes systemd leave the scope's subtree alone, but it
 * chowns it only to a service's User=, and a scope has none: the mapped
 * root gets the scope's cgroup v2 directory and the files that let it
 * manage its own subtree, as the cgroupfs driver gives it, so that it is
 * the owner of the root of its cgroup namespace. Done while the child
 * still waits at its sync point, before it unshares that namespace. */
static int delegate_scope(const SystemdData *d, const char *cg) {
        _cleanup_(cgroup_layout_freep) CgroupLayout *l = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = cgroup_layout_load(&l);
        if (r < 0)
                return r;
        if (!l->v2)
                return 0;       /* a legacy host: no v2 hierarchy to hand over */
        r = cgroup_hierarchy_dir(l->v2, cg, &dir);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        return cg_delegate(fd, d->delegate_uid, (gid_t) d->delegate_uid);
}

static int do_attach(Cgroup *c, sd_bus *bus, pid_t pid) {
        SystemdData *d = c->driver_data;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *result = NULL, *path = NULL, *cg = NULL;
        int r;

        r = start_scope(d, bus, pid, &result, &error);
        if (r < 0 && is_bus_error(&error, "org.freedesktop.systemd1.UnitExists")) {
                _cleanup_free_ char *state = NULL;

                /* Made since create() looked, or a failed/inactive one
                 * that systemd has not collected yet: once, after a reset. */
                r = systemd_unit_state(bus, d->unit, &state, NULL);
                if (r >= 0 && !state_is_down(state)) {
                        log_debug("Scope %s already exists and is %s: refusing to reuse it.", d->unit, state);
                        return -EBUSY;
                }
                log_debug("Scope %s exists and is %s: resetting it and trying once more.", d->unit, strna(state));
                (void) systemd_manager_call(bus, "ResetFailedUnit", NULL, d->unit);
                sd_bus_error_free(&error);
                r = start_scope(d, bus, pid, &result, &error);
                if (r < 0 && is_bus_error(&error, "org.freedesktop.systemd1.UnitExists")) {
                        log_debug("Scope %s still exists after a reset: %s", d->unit, error.message);
                        return -EEXIST;
                }
        }
        if (r < 0) {
                log_debug("Failed to start scope %s: %s", d->unit, error.message ?: strerror(-r));
                /* Refused after systemd made the unit (a masked slice fails
                 * the transaction), which AddRef= would keep, name taken, for
                 * as long as our connection lives: forget it, without
                 * touching its processes, which may not be ours. A job we
                 * gave up waiting for (no bus error) was ours: undo it. */
                if (sd_bus_error_is_set(&error))
                        forget_unit(d, bus);
                else
                        undo_start(d, bus);
                return r;
        }
        d->referenced = true;
        if (!streq(result, "done")) {
                log_debug("Start job of scope %s finished with result \"%s\".", d->unit, result);
                undo_start(d, bus);
                return job_result_to_errno(result);
        }
        d->started = true;

        /* For display and the OOM watch: a failure here does not undo the
         * scope; oom_killed() then asks systemd, as without an event loop. */
        r = systemd_get_unit(bus, d->unit, &path);
        if (r >= 0)
                r = systemd_get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (d->delegate_uid != CGROUP_DELEGATE_NONE) {
                /* Without it the sandbox's root would find its own cgroup
                 * read-only: a start that cannot hand it over fails. */
                if (r >= 0 && isempty(cg))
                        r = -ENODATA;
                if (r >= 0)
                        r = delegate_scope(d, cg);
                if (r < 0) {
                        log_debug_errno(r, "Failed to delegate scope %s to uid %u: %m", d->unit,
                                        (unsigned) d->delegate_uid);
                        undo_start(d, bus);
                        d->started = false;
                        return r;
                }
        }
        if (r >= 0 && !isempty(cg)) {
                c->control_group = TAKE_PTR(cg);
                r = systemd_watch_oom(d, bus, c->control_group);
                if (r < 0)
                        log_debug_errno(r, "Failed to watch memory.events of %s, ignoring: %m", c->control_group);
        }
        return 0;
}

static int systemd_attach(Cgroup *c, pid_t pid) {
        SystemdData *d = c->driver_data;
        sd_bus *bus;
        int r;

        if (d->started)
                return -EBUSY;
        r = systemd_data_bus(d, &bus);
        if (r < 0)
                return r;
        r = do_attach(c, bus, pid);
        systemd_drain(bus);
        return r;
}

/* ---- the life of the scope ---- */

static int do_kill(SystemdData *d, sd_bus *bus, int sig) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (sig == 0) {
                /* KillUnit takes real signals only; 0 asks whether anyone is there. */
                r = systemd_unit_state(bus, d->unit, NULL, NULL);
                return r == -ENOENT ? 0 : r;
        }
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit", &error, NULL, "ssi", d->unit, "all", sig);
        if (r < 0 && (unit_gone_error(&error) || is_bus_error(&error, "org.freedesktop.systemd1.NoSuchProcess")))
                return 0;       /* nobody left to signal */
        return r < 0 ? r : 0;
}

static int kill_op(Cgroup *c, sd_bus *bus, void *userdata) {
        return do_kill(c->driver_data, bus, *(const int *) userdata);
}

static int systemd_kill(Cgroup *c, int sig) {
        return systemd_call_started(c, kill_op, &sig);
}

static int systemd_stats(Cgroup *c, CgroupStats *ret) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL;
        CgroupStats s = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        sd_bus *bus;
        uint64_t ns;
        int r;

        if (d->started) {
                r = systemd_data_bus(d, &bus);
                if (r < 0)
                        return r;
                r = systemd_get_unit(bus, d->unit, &path);
                if (r >= 0) {
                        /* UINT64_MAX where systemd does not know either. */
                        (void) systemd_get_u64(bus, path, SD_SCOPE, "MemoryCurrent", &s.memory_current);
                        (void) systemd_get_u64(bus, path, SD_SCOPE, "TasksCurrent", &s.tasks_current);
                        if (systemd_get_u64(bus, path, SD_SCOPE, "CPUUsageNSec", &ns) >= 0 && ns != UINT64_MAX)
                                s.cpu_usage_usec = ns / NSEC_PER_USEC;
                }
                systemd_drain(bus);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        *ret = s;
        return 0;
}

static int do_destroy(Cgroup *c, sd_bus *bus, void *userdata) {
        SystemdData *d = c->driver_data;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *result = NULL, *state = NULL;
        int r;

        /* SIGKILL first: stopping a scope would otherwise wait out the
         * scope's own TimeoutStopSec; ours has already run. */
        r = do_kill(d, bus, SIGKILL);
        if (r < 0)
                log_debug_errno(r, "Failed to SIGKILL scope %s, stopping it anyway: %m", d->unit);

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", d->unit, "replace");
        if (r < 0)
                return r;
        r = systemd_call_and_wait(bus, m, d->unit, "inactive", &result, &error);
        if (r < 0 && !unit_gone_error(&error))
                return log_debug_errno(r, "Failed to stop scope %s: %s", d->unit, error.message ?: strerror(-r));

        if (d->referenced) {
                sd_bus_error_free(&error);
                r = systemd_manager_call(bus, "UnrefUnit", &error, d->unit);
                if (r < 0 && !unit_gone_error(&error) && !is_bus_error(&error, "org.freedesktop.systemd1.NotReferenced"))
                        log_debug_errno(r, "Failed to drop our reference on %s, ignoring: %s", d->unit,
                                        error.message ?: strerror(-r));
                d->referenced = false;
        }

        r = systemd_unit_state(bus, d->unit, &state, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!state_is_down(state))
                return log_debug_errno(SYNTHETIC_ERRNO(EBUSY), "Scope %s is still %s after StopUnit.", d->unit, state);
        if (streq(state, "failed"))
                (void) systemd_manager_call(bus, "ResetFailedUnit", NULL, d->unit);
        return 0;
}

static int systemd_destroy(Cgroup *c) {
        SystemdData *d = c->driver_data;
        int r;

        if (!d->started)
                return 0;
        r = systemd_call_started(c, do_destroy, NULL);
        if (r < 0)
                return r;
        systemd_unwatch_oom(d);
        d->started = false;
        return 0;
}

/* ---- serialize, adopt ---- */

static int systemd_serialize(Cgroup *c, char **ret) {
        SystemdData *d = c->driver_data;
        char *s;

        s = strdup(d->unit);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool scope_name_valid(const char *s) {
        size_t l = strlen(s);

        if (l > UNIT_NAME_MAX || !startswith(s, "sandbox-") || !endswith(s, ".scope") || l <= strlen("sandbox-.scope"))
                return false;
        for (const char *p = s; *p; p++)
                if (!unit_char_ok(*p) && *p != '\\')
                        return false;
        return true;
}

static int do_adopt(Cgroup *c, sd_bus *bus) {
        SystemdData *d = c->driver_data;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *state = NULL, *path = NULL, *cg = NULL;
        int r;

        r = systemd_unit_state(bus, d->unit, &state, &path);
        if (r < 0)
                return r;
        if (!streq(state, "active"))
                return -ENOENT;         /* stopping or stopped: nothing to adopt */
        r = systemd_get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (r < 0)
                return r;
        if (isempty(cg))
                return -ENOENT;

        /* Our reference, as AddRef= gave the process that made it. */
        r = systemd_manager_call(bus, "RefUnit", &error, d->unit);
        if (r < 0)
                log_debug_errno(r, "Failed to take a reference on %s, ignoring: %s", d->unit, error.message ?: strerror(-r));
        else
                d->referenced = true;

        c->control_group = TAKE_PTR(cg);
        d->started = true;

        /* As attach() does: the count of what happens from now on. */
        r = systemd_watch_oom(d, bus, c->control_group);
        if (r < 0)
                log_debug_errno(r, "Failed to watch memory.events of %s, ignoring: %m", c->control_group);
        return 0;
}

static int systemd_adopt(const char *service_name, const char *serialized, Cgroup **ret) {
        _cleanup_(systemd_freep) Cgroup *c = NULL;
        SystemdData *d;
        int r;

        if (!scope_name_valid(serialized))
                return -EINVAL;
        if (service_name) {
                _cleanup_free_ char *want = NULL;

                r = scope_name(service_name, &want);
                if (r < 0)
                        return r;
                if (!streq(want, serialized))
                        return -EINVAL;         /* another service's scope */
        }

        r = new_cgroup(serialized, &c);
        if (r < 0)
                return r;
        d = c->driver_data;
        r = systemd_acquire_bus(&d->bus);
        if (r < 0)
                return r;
        r = do_adopt(c, d->bus);
        systemd_drain(d->bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static void systemd_free(Cgroup *c) {
        SystemdData *d = c->driver_data;

        if (d) {
                systemd_unwatch_oom(d);
                /* Still referenced (destroy failed or was never called):
                 * the reference goes with the connection, or with this. */
                if (d->referenced && d->bus && sd_bus_is_open(d->bus) > 0) {
                        (void) systemd_manager_call(d->bus, "UnrefUnit", NULL, d->unit);
                        systemd_drain(d->bus);
                }
                sd_bus_unref(d->bus);
                free(d->unit);
                free(d->description);
                strv_free(d->device_allow);
                free(d);
        }
        free(c->name);
        free(c->v2_path);
        free(c->control_group);
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
        .serialize = systemd_serialize,
        .adopt = systemd_adopt,
};
