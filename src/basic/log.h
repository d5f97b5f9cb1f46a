/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* Logging for the programs (sandboxctl, sandboxd, the launcher's parent
 * side). Library layers (basic, unit, policy, plan) do not log: they return
 * errors and diagnostics, and the program that knows what failed logs once.
 *
 * log_*_errno(r, ...) take a negative errno, set errno from it so that "%m"
 * works, and return r, so that "return log_error_errno(r, ...);" both reports
 * and propagates. SYNTHETIC_ERRNO(E) marks an error made up by the caller. */

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
} LogTarget;

void log_set_max_level(int level);
int log_get_max_level(void);
/* "emerg" ... "debug" (syslog's names, as systemd's --log-level=) or 0..7;
 * -EINVAL for anything else. */
int log_level_from_string(const char *s);
/* The names, for messages: "emerg, alert, ... or debug". */
#define LOG_LEVEL_NAMES "emerg, alert, crit, err, warning, notice, info or debug"
/* The level from $SANDBOXD_LOG_LEVEL when it is set: 0, or -EINVAL (the
 * level left as it was) for a value that is not a level. */
int log_set_max_level_from_env(void);
void log_set_target(LogTarget target);
void log_set_prefix(const char *prefix);
/* Extra journal field attached to every entry, e.g. "SANDBOX_UNIT=web". */
void log_set_field(const char *field);

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);

/* The same, with extra journal fields for this one entry ("FIELD=value",
 * NULL-terminated list, may be NULL), and a subject (e.g. a unit name) that
 * the stderr target prints as "SUBJECT: message". sandboxd logs about a
 * service this way so that `journalctl -u sandbox-NAME.scope` (through
 * OBJECT_SYSTEMD_UNIT=) and `journalctl SANDBOXD_UNIT=NAME` find it. */
int log_internal_fields(int level, int error, const char *file, int line, const char *func, const char *subject,
                        const char *const *fields, const char *format, ...) _printf_(8, 9);

/* While a context is set, an entry logged without a subject of its own
 * (plain log_*()) gets this subject and these fields. sandboxd sets a
 * service's around the calls into the launcher and the cgroup drivers,
 * which log failures without knowing which service they are about, so that
 * every line about a launch names its service, once. The strings must
 * outlive the context; (NULL, NULL) clears it. */
void log_set_context(const char *subject, const char *const *fields);

static inline void log_context_clearp(bool *set) {
        if (*set)
                log_set_context(NULL, NULL);
}
/* The context for the rest of the scope. */
#define LOG_CONTEXT_SCOPE(subject, fields) \
        _cleanup_(log_context_clearp) _unused_ bool _log_context_ = (log_set_context((subject), (fields)), true)

#define SYNTHETIC_ERRNO(e) (-(e))

#define log_full_errno(level, error, ...)                                               \
        ({                                                                              \
                int _l_ = (level), _e_ = (error);                                       \
                (log_get_max_level() >= _l_)                                            \
                        ? log_internal(_l_, _e_, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                        : (_e_ < 0 ? _e_ : -_e_);                                       \
        })
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_fields_full_errno(subject, fields, level, error, ...)                       \
        ({                                                                              \
                int _l_ = (level), _e_ = (error);                                       \
                (log_get_max_level() >= _l_)                                            \
                        ? log_internal_fields(_l_, _e_, __FILE__, __LINE__, __func__, (subject), (fields), \
                                              __VA_ARGS__)                              \
                        : (_e_ < 0 ? _e_ : -_e_);                                       \
        })

#define log_oom() log_error_errno(SYNTHETIC_ERRNO(ENOMEM), "Out of memory.")
