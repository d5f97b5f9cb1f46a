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
 * OOM kills: while the scope's cgroup exists, oom_killed() reads the
 * kernel's count from it (memory.events, or memory.oom_control on a hybrid
 * host). Once the last process is gone systemd removes the cgroup, and the
 * count with it, often before the caller learns that the service's main
 * process exited (measured in the vm lane: systemd 252 removed it 2 ms
 * before sandboxd's pidfd source ran). So on cgroup v2, when our bus is
 * attached to an event loop (sandboxd), an inotify watch on the scope's
 * memory.events (and cgroup.events, see watch_oom()) keeps the last count
 * read, at a priority above the caller's sources: the kernel notifies
 * that file when it OOM-kills, well before the last process is gone, and
 * oom_killed() answers from that count once the cgroup is gone. Not on a
 * hybrid host, where the memory controller is v1: memory.oom_control is
 * never notified through inotify (only an eventfd registered in
 * cgroup.event_control is, on OOM conditions, not on kills), so there the
 * answer stays what it was. Without a count (no watch, nothing read),
 * only Result=oom-kill can tell, which systemd sets where it applies
 * OOMPolicy= to scopes (newer than 252; measured: 252 logs "A process of
 * this unit has been killed by the OOM killer" and leaves the scope
 * running, Result=success). Otherwise the answer is -ENODATA, "cannot
 * tell", never a made-up 0.
 */

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "cgroup-util.h"
#include "cgroup.h"
#include "log.h"
#include "path-util.h"
#include "plan.h"
#include "string-util.h"

#define JOB_TIMEOUT_USEC (30 * USEC_PER_SEC)
/* Without its JobRemoved signal for this long, look whether the job is
 * still there: a signal can be lost (a dbus-daemon under pressure drops
 * messages for a slow reader), a finished job cannot come back. */
#define JOB_PROBE_USEC (2 * USEC_PER_SEC)
/* Bound on what one drain dispatches. */
#define DRAIN_MAX 4096U

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SCOPE "org.freedesktop.systemd1.Scope"
#define SD_JOB "org.freedesktop.systemd1.Job"

#define SLICE "sandbox.slice"
/* systemd's UNIT_NAME_MAX */
#define UNIT_NAME_MAX 256U

typedef struct SystemdData {
        sd_bus *bus;
        char *unit;             /* sandbox-web.scope */
        char *description;
        uint64_t memory_max, memory_high, memory_swap_max, tasks_max, cpu_quota, cpu_weight, io_weight;
        bool started;           /* the scope exists (made or adopted): destroy() must stop it */
        bool referenced;        /* we hold a reference on the unit (AddRef=, RefUnit) */
        /* cgroup v2 with an event loop only (see the top of this file): */
        int cgroup_fd;          /* O_PATH of the scope's cgroup while watched; -EBADF */
        sd_event_source *oom_sources[2];        /* inotify on its memory.events, cgroup.events */
        int oom_kills;          /* the last oom_kill count read from it; -ENODATA before any */
        bool oom_final;         /* ... read after its last process was gone: no kill can follow */
} SystemdData;

static sd_bus *shared_bus = NULL;

void cgroup_systemd_set_bus(sd_bus *bus) {
        sd_bus_unref(shared_bus);
        shared_bus = bus ? sd_bus_ref(bus) : NULL;
}

static int acquire_bus(sd_bus **ret) {
        if (shared_bus && sd_bus_is_open(shared_bus) > 0) {
                *ret = sd_bus_ref(shared_bus);
                return 0;
        }
        return sd_bus_open_system(ret);
}

/* The cgroup's connection; a new one if it was closed under us (a
 * dbus-daemon restart), so that destroy() still reaches systemd. */
static int data_bus(SystemdData *d, sd_bus **ret) {
        sd_bus *b;
        int r;

        if (!d->bus || sd_bus_is_open(d->bus) <= 0) {
                r = acquire_bus(&b);
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
static void drain(sd_bus *bus) {
        if (!bus || sd_bus_get_event(bus))
                return;
        for (unsigned i = 0; i < DRAIN_MAX; i++)
                if (sd_bus_process(bus, NULL) <= 0)
                        break;
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
        r = acquire_bus(&bus);
        if (r < 0)
                return false;
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", SD_DEST);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        drain(bus);
        if (bus == shared_bus)
                sd_bus_unref(bus);      /* not ours to close */
        else
                sd_bus_flush_close_unref(bus);
        return r >= 0 && has;
}

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

static bool is_bus_error(const sd_bus_error *e, const char *name) {
        return sd_bus_error_has_name(e, name);
}

static bool unit_gone_error(const sd_bus_error *e) {
        return is_bus_error(e, "org.freedesktop.systemd1.NoSuchUnit") ||
               is_bus_error(e, "org.freedesktop.systemd1.LoadFailed");
}

/* GetUnit without loading it: -ENOENT when systemd does not have it. */
static int get_unit(sd_bus *bus, const char *unit, char **ret_path) {
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

static int get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(bus, SD_DEST, path, iface, prop, &error, ret);
        /* The unit went away between GetUnit and this. */
        if (r < 0 && is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return -ENOENT;
        return r;
}

static int get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop, uint64_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, prop, &error, 't', ret);
        if (r < 0 && is_bus_error(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return -ENOENT;
        return r;
}

/* ActiveState of unit, and its object path; -ENOENT when systemd does not have it. */
static int unit_state(sd_bus *bus, const char *unit, char **ret_state, char **ret_path) {
        _cleanup_free_ char *path = NULL, *state = NULL;
        int r;

        r = get_unit(bus, unit, &path);
        if (r < 0)
                return r;
        r = get_string(bus, path, SD_UNIT, "ActiveState", &state);
        if (r < 0)
                return r;
        if (ret_state)
                *ret_state = TAKE_PTR(state);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

static bool state_is_down(const char *state) {
        return streq(state, "inactive") || streq(state, "failed");
}

static int manager_call(sd_bus *bus, const char *method, sd_bus_error *error, const char *unit) {
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
static int call_and_wait(sd_bus *bus, sd_bus_message *call, const char *unit, const char *want_state,
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
                                r = unit_state(bus, unit, &state, NULL);
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

/* ---- create, attach ---- */

static bool host_is_unified(void) {
        struct statfs sfs;

        return statfs(CGROUP_FS_ROOT, &sfs) >= 0 && (uint64_t) sfs.f_type == (uint64_t) CGROUP2_SUPER_MAGIC;
}

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
        d->unit = strdup(unit);
        c->name = strdup(unit);
        if (!d->unit || !c->name)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

/* ---- the OOM kill count ---- */

/* The scope's cgroup in the hierarchy with the memory controller. */
static int open_memory_cgroup(const char *cg, bool unified) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        if (!path_is_absolute(cg) || strstr(cg, "/.."))
                return -EINVAL;
        dir = strjoin(CGROUP_FS_ROOT, unified ? "" : "/memory", cg);
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return fd;
}

static int read_oom_count(int dir_fd, bool unified) {
        uint64_t n;
        int r;

        r = cg_read_key_u64(dir_fd, unified ? "memory.events" : "memory.oom_control", "oom_kill", &n);
        if (r < 0)
                return r;
        return (int) MIN(n, (uint64_t) INT32_MAX);
}

/* The watched cgroup's count now, remembered; -ENOENT (or -ENODEV, read
 * while it went) once the cgroup is gone. */
static int update_oom_count(SystemdData *d) {
        uint64_t populated = UINT64_MAX;
        int r;

        if (d->cgroup_fd < 0)
                return -EBADF;
        /* Emptiness first: a count read after it is the last word. */
        (void) cg_read_key_u64(d->cgroup_fd, "cgroup.events", "populated", &populated);
        r = read_oom_count(d->cgroup_fd, true);
        if (r < 0)
                return r;
        d->oom_kills = MAX(d->oom_kills, r);
        if (populated == 0)
                d->oom_final = true;
        return r;
}

static int on_memory_events(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        (void) update_oom_count(userdata);
        return 0;
}

static void unwatch_oom(SystemdData *d) {
        for (size_t i = 0; i < ELEMENTSOF(d->oom_sources); i++)
                d->oom_sources[i] = sd_event_source_disable_unref(d->oom_sources[i]);
        d->cgroup_fd = safe_close(d->cgroup_fd);
}

/* Watch the scope's cgroup cg, on cgroup v2 and when bus is attached to
 * an event loop; else nothing to do. Each change of memory.events (an OOM
 * kill among them) or of cgroup.events (the last process left) reads the
 * count anew. The second because the kernel sends at most one notification
 * per file every 10 ms, defers the next one, and drops it if the cgroup is
 * removed meanwhile: a kill right after a "max" event could go unnoticed,
 * but the count is read once more when the cgroup empties, usually before
 * systemd removes it on that same notification (when not, oom_killed()
 * says "cannot tell", not a stale 0). */
static int watch_oom(SystemdData *d, sd_bus *bus, const char *cg) {
        static const char *const files[] = { "memory.events", "cgroup.events" };
        _cleanup_close_ int dir_fd = -EBADF;
        sd_event *e;
        int r;

        _Static_assert(ELEMENTSOF(files) == ELEMENTSOF(d->oom_sources), "one source per file");
        unwatch_oom(d);
        e = sd_bus_get_event(bus);
        if (!e || !host_is_unified())
                return 0;
        dir_fd = open_memory_cgroup(cg, true);
        if (dir_fd < 0)
                return dir_fd;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_close_ int fd = -EBADF;

                fd = openat(dir_fd, files[i], O_PATH | O_CLOEXEC);
                if (fd < 0) {
                        r = negative_errno();
                        if (r == -ENOENT && i == 0)
                                return 0;       /* no memory controller in the scope: no count to keep */
                        goto fail;
                }
                r = sd_event_add_inotify_fd(e, &d->oom_sources[i], fd, IN_MODIFY, on_memory_events, d);
                if (r < 0)
                        goto fail;
                /* Before the caller's own sources (sandboxd's pidfd of the
                 * main process, at the default priority), when both are
                 * ready at once: the count must be in before the exit is
                 * handled. */
                r = sd_event_source_set_priority(d->oom_sources[i], SD_EVENT_PRIORITY_IMPORTANT);
                if (r < 0)
                        goto fail;
                (void) sd_event_source_set_description(d->oom_sources[i], "cgroup-oom-watch");
        }
        d->cgroup_fd = TAKE_FD(dir_fd);
        /* What came before the watch. */
        (void) update_oom_count(d);
        return 0;

fail:
        unwatch_oom(d);
        return r;
}

static int systemd_create(const Plan *p, Cgroup **ret, char **reterr_message) {
        _cleanup_(systemd_freep) Cgroup *c = NULL;
        _cleanup_free_ char *unit = NULL, *state = NULL;
        SystemdData *d;
        int r;

        r = scope_name(p->name, &unit);
        if (r < 0)
                return cg_error(reterr_message, r, false, "Service name \"%s\" cannot make a systemd scope name.",
                                strna(p->name));

        /* On a hybrid or legacy host systemd applies the memory limits
         * through the v1 controller, which has MemoryMax= only: it would
         * drop these two with a line in its log. */
        if (!host_is_unified()) {
                const char *key = p->memory_high != CGROUP_LIMIT_MAX ? "MemoryHigh=" :
                                  p->memory_swap_max != CGROUP_LIMIT_MAX ? "MemorySwapMax=" : NULL;

                if (key)
                        return cg_error(reterr_message, -EOPNOTSUPP, false,
                                        "%s cannot be applied by systemd on this host: its memory controller is a "
                                        "cgroup v1 hierarchy, where systemd supports MemoryMax= only.", key);
        }

        r = new_cgroup(unit, &c);
        if (r < 0)
                return r;
        d = c->driver_data;
        r = acquire_bus(&d->bus);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to connect to the system bus");

        r = unit_state(d->bus, unit, &state, NULL);
        if (r >= 0 && !state_is_down(state)) {
                drain(d->bus);
                return cg_error(reterr_message, -EBUSY, false,
                                "Scope %s already exists and is %s: refusing to put this service's limits on "
                                "another's cgroup (is the service running elsewhere, under sandboxd or another "
                                "sandboxctl run?).", unit, state);
        }
        if (r >= 0 && streq(state, "failed"))
                /* Kept for inspection (CollectMode= of whoever made it):
                 * resetting it lets systemd collect it and free the name. */
                (void) manager_call(d->bus, "ResetFailedUnit", NULL, unit);
        drain(d->bus);
        if (r < 0 && r != -ENOENT)
                return cg_error(reterr_message, r, true, "Failed to ask systemd about %s", unit);

        if (p->description) {
                d->description = strdup(p->description);
                if (!d->description)
                        return -ENOMEM;
        }
        d->memory_max = p->memory_max;
        d->memory_high = p->memory_high;
        d->memory_swap_max = p->memory_swap_max;
        d->tasks_max = p->tasks_max;
        d->cpu_quota = p->cpu_quota_per_sec_usec;
        d->cpu_weight = p->cpu_weight;
        d->io_weight = p->io_weight;
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
        *ret = TAKE_PTR(m);
        return 0;
}

/* Our reference dropped and a failure reset: systemd collects the unit
 * if nothing else holds it. Harmless to a unit of that name that is not
 * ours: UnrefUnit drops only the caller's own reference. */
static void forget_unit(SystemdData *d, sd_bus *bus) {
        (void) manager_call(bus, "ResetFailedUnit", NULL, d->unit);
        (void) manager_call(bus, "UnrefUnit", NULL, d->unit);
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
                (void) call_and_wait(bus, m, d->unit, "inactive", &result, &error);
        forget_unit(d, bus);
}

static int start_scope(SystemdData *d, sd_bus *bus, pid_t pid, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = build_start(d, bus, pid, &m);
        if (r < 0)
                return r;
        return call_and_wait(bus, m, d->unit, "active", ret_result, error);
}

static int job_result_to_errno(const char *result) {
        return streq(result, "timeout") ? -ETIMEDOUT :
               streq(result, "canceled") ? -ECANCELED :
               streq(result, "dependency") ? -ENOLINK : -EIO;
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
                r = unit_state(bus, d->unit, &state, NULL);
                if (r >= 0 && !state_is_down(state)) {
                        log_debug("Scope %s already exists and is %s: refusing to reuse it.", d->unit, state);
                        return -EBUSY;
                }
                log_debug("Scope %s exists and is %s: resetting it and trying once more.", d->unit, strna(state));
                (void) manager_call(bus, "ResetFailedUnit", NULL, d->unit);
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
        r = get_unit(bus, d->unit, &path);
        if (r >= 0)
                r = get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (r >= 0 && !isempty(cg)) {
                c->control_group = TAKE_PTR(cg);
                r = watch_oom(d, bus, c->control_group);
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
        r = data_bus(d, &bus);
        if (r < 0)
                return r;
        r = do_attach(c, bus, pid);
        drain(bus);
        return r;
}

/* ---- the life of the scope ---- */

static int do_kill(SystemdData *d, sd_bus *bus, int sig) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (sig == 0) {
                /* KillUnit takes real signals only; 0 asks whether anyone is there. */
                r = unit_state(bus, d->unit, NULL, NULL);
                return r == -ENOENT ? 0 : r;
        }
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit", &error, NULL, "ssi", d->unit, "all", sig);
        if (r < 0 && (unit_gone_error(&error) || is_bus_error(&error, "org.freedesktop.systemd1.NoSuchProcess")))
                return 0;       /* nobody left to signal */
        return r < 0 ? r : 0;
}

static int systemd_kill(Cgroup *c, int sig) {
        SystemdData *d = c->driver_data;
        sd_bus *bus;
        int r;

        if (!d->started)
                return 0;
        r = data_bus(d, &bus);
        if (r < 0)
                return r;
        r = do_kill(d, bus, sig);
        drain(bus);
        return r;
}

/* The kernel's OOM kill count of the scope's cgroup, where the memory
 * controller is; -ENOENT when the cgroup is gone. */
static int kernel_oom_count(const char *cg) {
        _cleanup_close_ int fd = -EBADF;
        bool unified = host_is_unified();

        fd = open_memory_cgroup(cg, unified);
        if (fd < 0)
                return fd;
        return read_oom_count(fd, unified);
}

static int do_oom_killed(Cgroup *c, sd_bus *bus) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL, *result = NULL, *cg = NULL;
        int r, gone;

        /* Watched: the count now if the cgroup is still there, else the
         * last one read. A kill counted is the answer (the count only
         * grows); with none, systemd may know more (Result=oom-kill:
         * systemd-oomd's kills, which the kernel does not count). Once the
         * cgroup is gone, a 0 is only an answer if it was read after the
         * last process had left: the kernel may drop the notification of
         * a kill that came later (see watch_oom()), and we may not have
         * run before systemd removed the cgroup (measured under TCG: about
         * one time in ten after an adopt). Else "cannot tell". */
        (void) update_oom_count(d);
        if (d->oom_kills > 0)
                return d->oom_kills;
        gone = d->oom_final ? d->oom_kills : -ENODATA;

        r = get_unit(bus, d->unit, &path);
        if (r == -ENOENT)
                return gone;    /* gone with whatever it knew */
        if (r < 0)
                return r;
        r = get_string(bus, path, SD_SCOPE, "Result", &result);
        if (r == -ENOENT)
                return gone;
        if (r < 0)
                return r;
        if (streq(result, "oom-kill"))
                return 1;

        /* Still there: the kernel's count. */
        r = get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (r >= 0 && !isempty(cg)) {
                r = kernel_oom_count(cg);
                if (r >= 0)
                        return r;
                if (r == -ENODATA)
                        return -EOPNOTSUPP;     /* a kernel without the count */
        }
        return gone;
}

static int systemd_oom_killed(Cgroup *c) {
        SystemdData *d = c->driver_data;
        sd_bus *bus;
        int r;

        if (!d->started)
                return 0;
        r = data_bus(d, &bus);
        if (r < 0)
                return r;
        r = do_oom_killed(c, bus);
        drain(bus);
        return r;
}

static int systemd_stats(Cgroup *c, CgroupStats *ret) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL;
        CgroupStats s = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        sd_bus *bus;
        uint64_t ns;
        int r;

        if (d->started) {
                r = data_bus(d, &bus);
                if (r < 0)
                        return r;
                r = get_unit(bus, d->unit, &path);
                if (r >= 0) {
                        /* UINT64_MAX where systemd does not know either. */
                        (void) get_u64(bus, path, SD_SCOPE, "MemoryCurrent", &s.memory_current);
                        (void) get_u64(bus, path, SD_SCOPE, "TasksCurrent", &s.tasks_current);
                        if (get_u64(bus, path, SD_SCOPE, "CPUUsageNSec", &ns) >= 0 && ns != UINT64_MAX)
                                s.cpu_usage_usec = ns / NSEC_PER_USEC;
                }
                drain(bus);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        *ret = s;
        return 0;
}

static int do_destroy(SystemdData *d, sd_bus *bus) {
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
        r = call_and_wait(bus, m, d->unit, "inactive", &result, &error);
        if (r < 0 && !unit_gone_error(&error))
                return log_debug_errno(r, "Failed to stop scope %s: %s", d->unit, error.message ?: strerror(-r));

        if (d->referenced) {
                sd_bus_error_free(&error);
                r = manager_call(bus, "UnrefUnit", &error, d->unit);
                if (r < 0 && !unit_gone_error(&error) && !is_bus_error(&error, "org.freedesktop.systemd1.NotReferenced"))
                        log_debug_errno(r, "Failed to drop our reference on %s, ignoring: %s", d->unit,
                                        error.message ?: strerror(-r));
                d->referenced = false;
        }

        r = unit_state(bus, d->unit, &state, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!state_is_down(state))
                return log_debug_errno(SYNTHETIC_ERRNO(EBUSY), "Scope %s is still %s after StopUnit.", d->unit, state);
        if (streq(state, "failed"))
                (void) manager_call(bus, "ResetFailedUnit", NULL, d->unit);
        return 0;
}

static int systemd_destroy(Cgroup *c) {
        SystemdData *d = c->driver_data;
        sd_bus *bus;
        int r;

        if (!d->started)
                return 0;
        r = data_bus(d, &bus);
        if (r < 0)
                return r;
        r = do_destroy(d, bus);
        drain(bus);
        if (r < 0)
                return r;
        unwatch_oom(d);
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

        r = unit_state(bus, d->unit, &state, &path);
        if (r < 0)
                return r;
        if (!streq(state, "active"))
                return -ENOENT;         /* stopping or stopped: nothing to adopt */
        r = get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (r < 0)
                return r;
        if (isempty(cg))
                return -ENOENT;

        /* Our reference, as AddRef= gave the process that made it. */
        r = manager_call(bus, "RefUnit", &error, d->unit);
        if (r < 0)
                log_debug_errno(r, "Failed to take a reference on %s, ignoring: %s", d->unit, error.message ?: strerror(-r));
        else
                d->referenced = true;

        c->control_group = TAKE_PTR(cg);
        d->started = true;

        /* As attach() does: the count of what happens from now on. */
        r = watch_oom(d, bus, c->control_group);
        if (r < 0)
                log_debug_errno(r, "Failed to watch memory.events of %s, ignoring: %m", c->control_group);
        return 0;
}

static int systemd_adopt(const Plan *p, const char *serialized, Cgroup **ret) {
        _cleanup_(systemd_freep) Cgroup *c = NULL;
        SystemdData *d;
        int r;

        if (!scope_name_valid(serialized))
                return -EINVAL;
        if (p && p->name) {
                _cleanup_free_ char *want = NULL;

                r = scope_name(p->name, &want);
                if (r < 0)
                        return r;
                if (!streq(want, serialized))
                        return -EINVAL;         /* another service's scope */
        }

        r = new_cgroup(serialized, &c);
        if (r < 0)
                return r;
        d = c->driver_data;
        r = acquire_bus(&d->bus);
        if (r < 0)
                return r;
        r = do_adopt(c, d->bus);
        drain(d->bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static void systemd_free(Cgroup *c) {
        SystemdData *d = c->driver_data;

        if (d) {
                unwatch_oom(d);
                /* Still referenced (destroy failed or was never called):
                 * the reference goes with the connection, or with this. */
                if (d->referenced && d->bus && sd_bus_is_open(d->bus) > 0) {
                        (void) manager_call(d->bus, "UnrefUnit", NULL, d->unit);
                        drain(d->bus);
                }
                sd_bus_unref(d->bus);
                free(d->unit);
                free(d->description);
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
