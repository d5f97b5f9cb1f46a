/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One small interface to the cgroup of a service, behind which sit the
 * drivers: cgroupfs (v2, and the v1/hybrid layout) and, with sandboxd on a
 * systemd host, systemd over D-Bus. Only the drivers touch cgroups. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "service-types.h"

typedef struct Plan Plan;
typedef struct PlanDevice PlanDevice;
typedef struct Cgroup Cgroup;

/* What a driver needs to make a service's cgroup, and nothing else of its
 * plan: the launcher fills it (cgroup_spec_from_plan()), and a driver
 * that needs more must say so here. */
#define CGROUP_DELEGATE_NONE ((uid_t) -1)

typedef struct CgroupSpec {
        const char *name;               /* the service's name */
        const char *description;        /* for systemd's Description=; may be NULL */
        CgroupLimits limits;
        const PlanDevice *devices;      /* the device allow list (DeviceAllow=) */
        size_t n_devices;
        uid_t delegate_to;              /* the sandbox's mapped root (uid = gid), who gets the v2 cgroup
                                         * to manage inside its cgroup namespace; CGROUP_DELEGATE_NONE: nobody */
} CgroupSpec;

/* p's cgroup, by reference: ret borrows p's strings and device list. */
void cgroup_spec_from_plan(const Plan *p, CgroupSpec *ret);

#define CGROUP_SERIALIZED_MAX 4096U

typedef struct CgroupStats {
        uint64_t memory_current;        /* bytes, UINT64_MAX unknown */
        uint64_t tasks_current;         /* UINT64_MAX unknown */
        uint64_t cpu_usage_usec;        /* UINT64_MAX unknown */
} CgroupStats;

typedef struct CgroupDriver {
        const char *name;
        /* Make the cgroup for p and apply every limit p asks for, before the
         * service exists. A limit whose controller is missing is an error
         * (-EOPNOTSUPP), never skipped. Nothing is left behind on failure.
         * On failure *reterr_message (if reterr_message is non-NULL) may be
         * set to one complete sentence naming what failed, e.g. "MemoryMax=
         * needs the memory controller, which is not available in
         * /sys/fs/cgroup/...", or "Failed to write 1000 to .../cpu.weight:
         * Invalid argument"; the caller frees it. */
        int (*create)(const CgroupSpec *s, Cgroup **ret, char **reterr_message);
        /* Move pid in, for hierarchies that CLONE_INTO_CGROUP cannot reach
         * (v1 controllers); the child is still held at its sync point. */
        int (*attach)(Cgroup *c, pid_t pid);
        /* Optional: instead of attach() moving the child into the v1
         * hierarchies, open for each a write-only fd through which the child
         * moves itself (cgroup_join_self()). A process that moves itself, one
         * thread at a time, spares the kernel's global threadgroup lock and
         * its RCU grace period (8-15 ms per start on a loaded hybrid host).
         * The files are opened here, by the launcher, so the kernel checks
         * the launcher's credentials, not the child's. attach() then leaves
         * those hierarchies alone. *ret_n = 0: nothing to join. */
        int (*open_self_join)(Cgroup *c, int **ret_fds, size_t *ret_n);
        /* Signal every process in the cgroup. */
        int (*kill)(Cgroup *c, int sig);
        /* > 0 (the count) if the kernel OOM-killed something in it, 0 if not;
         * -ENODATA if the driver cannot tell: cgroupfs when no memory
         * controller is attached (no Memory*= limit was asked), systemd once
         * the scope's cgroup is gone (its last process exited) unless systemd
         * recorded Result=oom-kill or, on cgroup v2 with the driver's bus
         * attached to an sd-event loop (cgroup_systemd_set_bus()), the
         * driver kept the count while the cgroup lived; -EOPNOTSUPP if the
         * kernel keeps no count (cgroup v1 before 4.13). Ask while the
         * service still runs where the answer matters. */
        int (*oom_killed)(Cgroup *c);
        int (*stats)(Cgroup *c, CgroupStats *ret);
        /* Kill what is left, wait for it to be empty, remove the cgroup. */
        int (*destroy)(Cgroup *c);
        void (*free)(Cgroup *c);
        /* A string from which adopt() re-opens this cgroup in another process
         * (a restarted sandboxd): no control character, at most
         * CGROUP_SERIALIZED_MAX bytes. */
        int (*serialize)(Cgroup *c, char **ret);
        /* Re-open a cgroup made by an earlier process for the service name
         * (NULL: any of ours): -ENOENT if it is gone; -EINVAL for a
         * malformed string (it may be hostile). */
        int (*adopt)(const char *name, const char *serialized, Cgroup **ret);
} CgroupDriver;


extern const CgroupDriver cgroup_driver_cgroupfs;
extern const CgroupDriver cgroup_driver_systemd;

typedef struct sd_bus sd_bus;
/* systemd driver: true when systemd is PID 1 and answers on the system bus. */
bool cgroup_systemd_available(void);
/* The connection the systemd driver uses from now on, instead of one of its
 * own per cgroup (NULL: back to that). It must be a connection of its own,
 * not one that serves method calls: the driver waits for systemd's jobs
 * synchronously, dispatching what arrives on it (sd_bus_process()) until
 * the JobRemoved signal of its job comes. It may be attached to an
 * sd-event loop or not; when not, the driver drains what it received after
 * each call, so nothing piles up. When it is, on cgroup v2, the driver also
 * watches each scope's memory.events on that loop (inotify, at
 * SD_EVENT_PRIORITY_IMPORTANT), so that oom_killed() still knows the count
 * after systemd removed the cgroup. */
void cgroup_systemd_set_bus(sd_bus *bus);

/* The driver for this host: systemd when it is PID 1 and answers on the
 * system bus (the service then lives in a transient scope, like systemd-run
 * --scope), else cgroupfs. */
const CgroupDriver *cgroup_driver_pick(void);

int cgroup_create_full(const CgroupDriver *d, const Plan *p, Cgroup **ret, char **reterr_message);
static inline int cgroup_create(const CgroupDriver *d, const Plan *p, Cgroup **ret) {
        return cgroup_create_full(d, p, ret, NULL);
}
/* The same, with the driver's sentence on failure (see CgroupDriver.create):
 *     r = cgroup_create_full(d, p, &c, &msg);
 *     if (r < 0)
 *             return log_error_errno(r, "%s", msg ?: "Failed to create the service's cgroup: %m"); */
int cgroup_attach(Cgroup *c, pid_t pid);
/* See CgroupDriver.open_self_join; the caller closes the fds and frees the
 * array. Drivers without it return 0 fds. */
int cgroup_open_self_join(Cgroup *c, int **ret_fds, size_t *ret_n);
/* In the launcher's child, while it is single-threaded and before it runs
 * anything of the service: write "0" to each fd (v1 "tasks": this thread,
 * which is the whole process). Async-signal-safe. */
int cgroup_join_self(const int *fds, size_t n);
int cgroup_serialize(Cgroup *c, char **ret);
/* -EINVAL for a malformed or foreign string (it is checked against the
 * service name, if not NULL), -ENOENT if the cgroup is gone (systemd: the
 * scope is not active). */
int cgroup_adopt(const CgroupDriver *d, const char *name, const char *serialized, Cgroup **ret);
/* "systemd" or "cgroupfs" (CgroupDriver.name); NULL for anything else. */
const CgroupDriver *cgroup_driver_by_name(const char *name);
/* Move pid into every cgroup that model is in (all hierarchies mounted
 * under /sys/fs/cgroup), e.g. a command run by `sandboxctl exec` into the
 * service's cgroups. -ESRCH if model is gone; -EXDEV if model's cgroup is
 * outside our cgroup namespace. */
int cgroup_attach_like(pid_t model, pid_t pid);
int cgroup_kill(Cgroup *c, int sig);
int cgroup_oom_killed(Cgroup *c);
int cgroup_stats(Cgroup *c, CgroupStats *ret);
int cgroup_destroy(Cgroup *c);
/* Destroys if not yet destroyed, then frees; accepts NULL, returns NULL. */
Cgroup *cgroup_free(Cgroup *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Cgroup *, cgroup_free);
/* Frees c without destroying the cgroup: its processes live on, for the
 * next sandboxd to adopt (sandboxd exiting). Accepts NULL. */
void cgroup_forget(Cgroup *c);

/* What callers may read of a Cgroup; the struct is the drivers' own. */
const char *cgroup_name(const Cgroup *c);               /* "sandbox-web-<id>", "sandbox-web.scope" */
const CgroupDriver *cgroup_driver_of(const Cgroup *c);  /* NULL for NULL */
/* As /proc/PID/cgroup shows it ("/sandbox.slice/sandbox-web.scope"), or NULL
 * while unknown (systemd: before attach()). For display and for comparing
 * with /proc/PID/cgroup. */
const char *cgroup_control_group(const Cgroup *c);
/* The v2 cgroup's directory: its O_PATH fd (-EBADF if none; owned by c) and path (NULL if none). */
int cgroup_v2_fd(const Cgroup *c);
const char *cgroup_v2_path(const Cgroup *c);
bool cgroup_is_destroyed(const Cgroup *c);
/* The launcher tells the driver that CLONE_INTO_CGROUP put the child into
 * cgroup_v2_fd(): attach() then skips that cgroup.procs write, which costs
 * 8-15 ms on a hybrid host (an RCU grace period). */
void cgroup_note_born_in_v2(Cgroup *c);
