/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandboxd's state: the event loop, the bus connections, the services.
 * Owned by manager.c (with bus-api.c and sandboxd.c); services live in
 * service.c. See docs/sandboxd-api.md for the contract. */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "dlopen-systemd.h"
#include "log-file.h"
#include "unit-name.h"

typedef struct Service Service;
typedef struct Plan Plan;
typedef struct FetchJob FetchJob;

/* A plan compiled by Reload for a service that was running then: it
 * becomes the service's plan once that run is over (the running one keeps
 * the plan it was started with, which plan.json must show). */
typedef struct PendingPlan {
        char *name;
        Plan *plan;
} PendingPlan;

typedef struct Manager {
        sd_event *event;
        sd_bus *api_bus;                /* system bus, org.sandboxd1; NULL without one */
        sd_event_source *api_bus_retry; /* reconnection after a lost system bus */
        uint64_t api_bus_retry_usec;    /* its current interval; 0: none yet */
        sd_bus *cgroup_bus;             /* a second system bus connection, only for the systemd
                                         * cgroup driver, so that its synchronous waits never
                                         * dispatch API calls (no re-entrancy); NULL with cgroupfs */
        int private_fd;                 /* listening socket of $RUNTIME_DIR/private */
        sd_event_source *private_source;
        sd_event_source *private_resume; /* re-enables private_source after accept4() hit
                                         * EMFILE/ENFILE; NULL while listening */
        int reserve_fd;                 /* /dev/null, given up to refuse a connection at EMFILE */
        unsigned n_private_pauses;      /* how often accept4() ran out of fds */
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

        /* Additions by manager.c: */
        PendingPlan *pending_plans;
        size_t n_pending_plans;
        sd_event_source *defer_source;  /* deferred work: RestartUnit's start, pending plans */
        /* State changes waiting to be sent from the event loop, in order
         * (manager_service_changed()): */
        struct UnitChange *changes;
        size_t n_changes;
        sd_event_source *changes_source;
        bool ready;                     /* READY=1 sent */
        unsigned last_status_running;   /* last "N services running" sent, (unsigned) -1 none */

        /* Additions by manager-fetch.c: starts waiting for their images. */
        FetchJob **fetch_jobs;
        size_t n_fetch_jobs;
        /* Enabled joiners (Network=service:OWNER) whose boot start waits
         * for the end of OWNER's fetch job (manager_start_deferred()). */
        struct EnabledUnit *deferred;
        size_t n_deferred;

        /* Additions for the services' log files (without journald): */
        LogFileLimits log_limits;       /* --log-size-max=, --log-files-max= */
} Manager;

/* The largest diagnostics text a reply carries. */
#define MANAGER_DIAGNOSTICS_MAX (64U * 1024U)
#define MANAGER_PRIVATE_CONNECTIONS_MAX 256U
#define MANAGER_PRIVATE_CONNECTIONS_PER_UID_MAX 64U  /* for uids other than 0 */
/* Of MANAGER_PRIVATE_CONNECTIONS_MAX, the slots only uid 0 may take. */
#define MANAGER_PRIVATE_CONNECTIONS_ROOT_RESERVED 16U
/* How long the private socket is not listened on after accept4() ran out
 * of fds. */
#define MANAGER_PRIVATE_PAUSE_USEC (250U * 1000U)
/* Messages queued for a private connection that does not read them. */
#define MANAGER_PRIVATE_WQUEUE_MAX 4096U

typedef enum ManagerCgroupChoice {
        MANAGER_CGROUP_AUTO,
        MANAGER_CGROUP_SYSTEMD,
        MANAGER_CGROUP_CGROUPFS,
} ManagerCgroupChoice;

/* runtime_dir/config_dir NULL: $SANDBOXD_RUNTIME_DIR / $SANDBOXD_CONFIG_DIR or the defaults. */
int manager_new(const char *runtime_dir, const char *config_dir, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
/* Everything up to READY=1, in order: runtime directory, cgroup driver,
 * re-adoption, enabled units, the private socket, the system bus. */
int manager_startup(Manager *m, ManagerCgroupChoice cgroup, bool system_bus);
/* Reload (Reload() and SIGHUP): recompile every known unit; *reterr_diagnostics
 * (if non-NULL) gets the diagnostics of the units that failed. */
int manager_reload(Manager *m, char **reterr_diagnostics);
/* Number of services in state running (for STATUS=). */
unsigned manager_n_running(Manager *m);
/* sd_notify(): extra (e.g. "READY=1", or NULL) and STATUS="N services running". */
void manager_notify(Manager *m, const char *extra);

/* Parse a client's unit argument: NAME, NAME.unit or (when allow_path) an
 * absolute path to a .unit file. -EINVAL if it is none of those. */
int manager_parse_unit_arg(const char *arg, bool allow_path, char **ret_name, char **ret_path);
/* Compile unit (a name or a path). On failure, *reterr_text is the
 * diagnostics (FILE:LINE: Key: message lines, at most MANAGER_DIAGNOSTICS_MAX). */
/* Imports the unit's oci:, oci-archive: and docker-archive: images into
 * the store before a client start compiles it. */
int manager_import_unit_images(const char *unit, uid_t caller, char **reterr_text);
int manager_compile_unit(const char *unit, Plan **ret, char **reterr_text);
/* The same for a caller (manager_compile_unit(): root): see
 * plan_compile_unit_as() for what that checks. */
int manager_compile_unit_as(const char *unit, uid_t caller, Plan **ret, char **reterr_text);
/* Compile (a client asked: always anew) and start. name is the service;
 * path NULL: its remembered unit path, else the search path. On failure
 * *reterr_bad_unit says whether the unit did not compile (the message is
 * the diagnostics) or the launch failed (one sentence). */
int manager_start_unit(Manager *m, const char *name, const char *path, Service **ret, char **reterr_message,
                       bool *reterr_bad_unit);
/* A service that RestartUnit/StartUnit stopped: start it once the current
 * dispatch is over (never from inside service.c's call into us). */
void manager_schedule_deferred(Manager *m);
/* manager_start_unit() for caller, remembered as the service's started_by. */
int manager_start_unit_as(Manager *m, const char *name, const char *path, uid_t caller, Service **ret,
                          char **reterr_message, bool *reterr_bad_unit);
/* Is uid root, or in the admin group by the group database? */
bool manager_uid_is_admin(Manager *m, uid_t uid);

/* Pods (manager-pods.c): is any service a Network=service:NAME joiner?
 * Stop the joiners whose owner's run ended or changed, start again those
 * whose owner runs again. From the deferred work only. */
bool manager_has_joiners(Manager *m);
void manager_pods_sync(Manager *m);
/* Does a joiner run in the network namespace of owner's current run
 * (which it keeps alive)? */
bool manager_pods_joined(Manager *m, const Service *owner);
/* The service whose network the unit joins (Network=service:NAME) as it
 * reads for caller, or NULL (also for a unit that does not load: its
 * start says why); -ENOMEM only. */
int manager_pods_unit_owner(const char *unit, uid_t caller, char **ret_owner);

/* $CONFIG_DIR/enabled/NAME.unit */
bool manager_unit_is_enabled(Manager *m, const char *name);
int manager_enable_unit(Manager *m, const char *name, const char *unit_path);
/* The same, and the link is owned by enabler: at sandboxd's start the unit
 * is started for that uid, and only while it is root or an admin. */
int manager_enable_unit_as(Manager *m, const char *name, const char *unit_path, uid_t enabler);
int manager_disable_unit(Manager *m, const char *name);

/* manager-bus.c: the connections. */
int manager_private_path(Manager *m, char **ret);
/* > 0 if a sandboxd listens there already. */
int manager_private_socket_in_use(const char *path);
/* Listens on $RUNTIME_DIR/private: mode 0600 root:root, or 0660
 * root:admin_gid with an admin group. */
int manager_listen_private(Manager *m);
int manager_connect_system_bus(Manager *m);
int manager_setup_cgroup(Manager *m, ManagerCgroupChoice choice);
void manager_close_connections(Manager *m);
/* Close one accepted private connection and forget it. */
void manager_drop_private_connection(Manager *m, sd_bus *bus);

/* The RLIMIT_NOFILE a plan without LimitNOFILE= gets (sandboxd's own soft
 * limit before it raised it): services must not inherit the raised one. */
void manager_set_service_nofile(uint64_t soft, uint64_t hard);

/* Is there a process (starting, running, stopping)? */
bool service_has_process(const Service *s);

/* Lookup; NULL if sandboxd does not know NAME. */
Service *manager_get_service(Manager *m, const char *name);
/* Add a new service object (service_new() calls this). */
int manager_add_service(Manager *m, Service *s);
void manager_remove_service(Manager *m, Service *s);

/* Called by service.c on every state change: emits UnitStateChanged,
 * answers pending StopUnit/RestartUnit calls, updates sd_notify STATUS=. */
void manager_service_changed(Manager *m, Service *s);
/* manager-changes.c: queue s's state and result for its clients (sent from
 * the event loop, in order); drop what is queued (at exit). */
int manager_changes_push(Manager *m, const Service *s);
void manager_changes_clear(Manager *m);

/* manager-fetch.c. A start (StartUnit, RestartUnit of a stopped service,
 * an enabled unit) whose unit has images to import or to pull first
 * (image_unit_needs_fetch()): forks a worker for them and returns 1; msg
 * (NULL: none) is answered as StartUnit once the worker is done and the
 * start with manager_start_unit_as() is. A start of a service whose images
 * are being fetched joins that job. 0: nothing to fetch, start now. */
int manager_start_unit_fetching(Manager *m, const char *name, const char *path, uid_t caller, sd_bus_message *msg);
FetchJob *manager_get_fetch_job(Manager *m, const char *name);
/* manager.c: starts the enabled joiners deferred until OWNER's fetch job
 * ended (OWNER started, or failed to: then theirs fail saying so). */
void manager_start_deferred(Manager *m, const char *owner);
int manager_fetch_job_add_waiter(FetchJob *j, sd_bus_message *msg);
/* StopUnit: the worker is killed, the waiting starts fail. */
void manager_cancel_fetch(Manager *m, const char *name);
void manager_free_fetch_jobs(Manager *m);
