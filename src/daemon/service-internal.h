/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What service.c (the running service: events, actions, the runtime
 * directory) shares with service-adopt.c (picking a service up again at
 * startup). Nothing else includes this. */

#include <time.h>

#include "log.h"
#include "service.h"

/* ---- logging about a service ---- */

typedef struct UnitLogFields {
        char unit[96];
        char scope[112];
        char pid[32];
        const char *v[4];
} UnitLogFields;

/* SANDBOXD_UNIT=NAME; OBJECT_SYSTEMD_UNIT= with the systemd driver;
 * OBJECT_PID= while there is a main process. */
const char *const *service_log_fields(const Service *s, UnitLogFields *f);

#define log_unit_full_errno(s, level, error, ...)                                                           \
        log_fields_full_errno((s)->name, service_log_fields((s), &(UnitLogFields) {}), (level), (error), __VA_ARGS__)
#define log_unit_full(s, level, ...) (void) log_unit_full_errno((s), (level), 0, __VA_ARGS__)
#define log_unit_debug(s, ...) log_unit_full((s), LOG_DEBUG, __VA_ARGS__)
#define log_unit_info(s, ...) log_unit_full((s), LOG_INFO, __VA_ARGS__)
#define log_unit_notice(s, ...) log_unit_full((s), LOG_NOTICE, __VA_ARGS__)
#define log_unit_warning(s, ...) log_unit_full((s), LOG_WARNING, __VA_ARGS__)
#define log_unit_error(s, ...) log_unit_full((s), LOG_ERR, __VA_ARGS__)
#define log_unit_warning_errno(s, e, ...) log_unit_full_errno((s), LOG_WARNING, (e), __VA_ARGS__)
#define log_unit_error_errno(s, e, ...) log_unit_full_errno((s), LOG_ERR, (e), __VA_ARGS__)

static inline uint64_t service_now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* ---- service.c's actions, for service-adopt.c ---- */

void service_arm_timer(Service *s, uint64_t at_usec);
void service_disarm_timers(Service *s);
/* The CLEANUP action: pidfd and its source closed, cgroup destroyed, pid forgotten. */
void service_cleanup(Service *s);
int service_watch_pidfd(Service *s);
/* How the main process ended: the exit file, waitid, or SIGKILL. */
void service_collect_exit(Service *s, ServiceExit *ret);
/* Feed an event to the table and perform its actions. */
int service_dispatch(Service *s, ServiceEvent ev, const ServiceExit *e, char **reterr_message);
/* A re-adopted service: take its listening sockets back from its init
 * (or, without one, from the service's fds 3...). */
void service_adopt_sockets(Service *s);
/* rm services_dir/NAME: only the files we write, then the directory. */
int service_runtime_dir_remove(const char *services_dir, const char *name);
