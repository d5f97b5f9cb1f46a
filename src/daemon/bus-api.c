/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The D-Bus surface of sandboxd (docs/sandboxd-api.md): every argument is
 * checked here before it reaches the manager or a path, and every method
 * that changes state checks the caller first. */

#include <arpa/inet.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>

#include "bus-api.h"
#include "config.h"
#include "file-trust.h"
#include "log.h"
#include "manager.h"
#include "namespace-util.h"
#include "path-util.h"
#include "plan-json.h"
#include "plan.h"
#include "service-denials.h"
#include "service.h"
#include "state-file.h"
#include "string-util.h"
#include "strv.h"

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

int bus_api_unit_path(const char *name, char **ret) {
        return sd_bus_path_encode(BUS_API_UNIT_PREFIX, name, ret);
}

/* ---- authorization ---- */

bool bus_api_uid_in_group(uid_t uid, gid_t gid) {
        _cleanup_free_ gid_t *groups = NULL;
        struct passwd pw, *p = NULL;
        char buf[16384];
        int n = 64;

        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &p) != 0 || !p)
                return false;
        if (p->pw_gid == gid)
                return true;
        for (int attempt = 0; attempt < 2; attempt++) {
                free(groups);
                groups = calloc((size_t) n, sizeof(gid_t));
                if (!groups)
                        return false;
                if (getgrouplist(p->pw_name, p->pw_gid, groups, &n) >= 0) {
                        for (int i = 0; i < n; i++)
                                if (groups[i] == gid)
                                        return true;
                        return false;
                }
                if (n <= 0 || n > 65536)
                        return false;
        }
        return false;
}

/* sd-bus (before v254 or so) does not read the UnixGroupIDs that
 * dbus-daemon's GetConnectionCredentials returns: ask for them ourselves.
 * 1 and the membership answer in *ret_member, 0 if the bus does not say. */
static int bus_sender_in_group(sd_bus_message *msg, gid_t gid, bool *ret_member) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(msg);
        bool member = false, found = false;
        int r;

        if (!sender)
                return 0;
        r = sd_bus_call_method(sd_bus_message_get_bus(msg), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetConnectionCredentials", NULL, &reply, "s", sender);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "UnixGroupIDs")) {
                        const uint32_t *ids;
                        size_t size;

                        r = sd_bus_message_enter_container(reply, 'v', "au");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_read_array(reply, 'u', (const void **) &ids, &size);
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < size / sizeof(uint32_t); i++)
                                if (ids[i] == gid)
                                        member = true;
                        found = true;
                        r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (!found)
                return 0;
        *ret_member = member;
        return 1;
}

/* Methods marked (admin): uid 0, or the admin group (primary or
 * supplementary) of --admin-group. Returns 0 and the caller's uid, or
 * AccessDenied in error. */
static int check_admin(Manager *m, sd_bus_message *msg, const char *method, uid_t *ret_uid, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const gid_t *gids;
        uid_t euid;
        gid_t egid;
        int r, n;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS,
                                      &creds);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot tell who called %s.", method);
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot tell who called %s.", method);

        if (euid == 0)
                goto ok;
        if (m->admin_gid != (gid_t) -1) {
                if (sd_bus_creds_get_egid(creds, &egid) >= 0 && egid == m->admin_gid)
                        goto ok;
                n = sd_bus_creds_get_supplementary_gids(creds, &gids);
                if (n >= 0) {
                        for (int i = 0; i < n; i++)
                                if (gids[i] == m->admin_gid)
                                        goto ok;
                } else {
                        bool member = false;

                        r = bus_sender_in_group(msg, m->admin_gid, &member);
                        if (r > 0 ? member : bus_api_uid_in_group(euid, m->admin_gid))
                                /* Without the bus's word, the group database's. */
                                goto ok;
                }
        }
        log_debug("Refused %s to uid %u.", method, (unsigned) euid);
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "%s needs root%s.", method,
                                 m->admin_gid != (gid_t) -1 ? " or the admin group" : "");
ok:
        *ret_uid = euid;
        return 0;
}

/* ---- errors ---- */

static int error_invalid_name(sd_bus_error *error) {
        return sd_bus_error_set(error, BUS_ERROR_INVALID_NAME,
                                "Invalid unit: a NAME is " UNIT_NAME_RULE ", optionally followed by .unit; "
                                "StartUnit and EnableUnit also take an absolute, normalized path to a .unit file.");
}

static int error_no_such_unit(sd_bus_error *error, const char *name) {
        return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT, "Unit %s is not known to sandboxd.", name);
}

static int error_start(sd_bus_error *error, int r, const char *message, bool bad_unit) {
        if (r == -ENOMEM)
                return r;
        if (bad_unit)
                return sd_bus_error_set(error, BUS_ERROR_BAD_UNIT, message ?: "The unit does not compile.");
        if (message)
                return sd_bus_error_set(error, BUS_ERROR_LAUNCH_FAILED, message);
        return sd_bus_error_setf(error, BUS_ERROR_LAUNCH_FAILED, "Failed to start: %s", strerror(-r));
}

void bus_api_reply_start(sd_bus_message *msg, const char *name, int r, const char *message, bool bad_unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        if (r >= 0) {
                (void) sd_bus_reply_method_return(msg, "s", name);
                return;
        }
        (void) error_start(&error, r, message, bad_unit);
        if (sd_bus_error_is_set(&error))
                (void) sd_bus_reply_method_error(msg, &error);
        else
                (void) sd_bus_reply_method_errnof(msg, r, "Failed to start: %m");
}

/* Read one name (or path, when allow_path) argument; InvalidName in error. */
static int read_unit_arg(sd_bus_message *msg, bool allow_path, char **ret_name, char **ret_path,
                         sd_bus_error *error) {
        const char *arg;
        int r;

        r = sd_bus_message_read(msg, "s", &arg);
        if (r < 0)
                return r;
        r = manager_parse_unit_arg(arg, allow_path, ret_name, ret_path);
        if (r == -EINVAL)
                return error_invalid_name(error);
        return r;
}

/* The argument names a service sandboxd knows: NoSuchUnit otherwise. */
static int read_known_service(Manager *m, sd_bus_message *msg, char **ret_name, Service **ret,
                              sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Service *s;
        int r;

        r = read_unit_arg(msg, false, &name, NULL, error);
        if (r < 0)
                return r;
        s = manager_get_service(m, name);
        if (!s)
                return error_no_such_unit(error, name);
        *ret_name = TAKE_PTR(name);
        *ret = s;
        return 0;
}

/* ---- waiting calls (StopUnit, RestartUnit) ---- */

static int add_waiter(Service *s, sd_bus_message *msg) {
        sd_bus_message **n;

        n = reallocarray(s->stop_waiters, s->n_stop_waiters + 1, sizeof(sd_bus_message *));
        if (!n)
                return -ENOMEM;
        s->stop_waiters = n;
        s->stop_waiters[s->n_stop_waiters++] = sd_bus_message_ref(msg);
        /* Answered later, when the change to inactive is sent (manager.c). */
        return 1;
}

static bool waiter_is_stop(sd_bus_message *msg) {
        const char *member = sd_bus_message_get_member(msg);

        return member && streq(member, "StopUnit");
}

void bus_api_answer_stop_waiters(Manager *m, Service *s) {
        size_t k = 0;

        for (size_t i = 0; i < s->n_stop_waiters; i++) {
                sd_bus_message *msg = s->stop_waiters[i];

                if (waiter_is_stop(msg))
                        (void) sd_bus_reply_method_return(msg, NULL);
                else if (s->restart_after_stop) {
                        s->stop_waiters[k++] = msg;
                        continue;
                } else
                        (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_FAILED,
                                                          "Unit %s was stopped (StopUnit) before it started again.",
                                                          s->name);
                sd_bus_message_unref(msg);
        }
        s->n_stop_waiters = k;
}

void bus_api_finish_restart(Manager *m, Service *s) {
        _cleanup_free_ char *message = NULL;
        sd_bus_message **waiters;
        bool bad = false;
        size_t n;
        int r;

        /* Take the calls out first: a failed start changes the state to
         * failed, which must not answer them with "stopped". */
        waiters = TAKE_PTR(s->stop_waiters);
        n = s->n_stop_waiters;
        s->n_stop_waiters = 0;
        s->restart_after_stop = false;

        log_info("Starting %s again (restart).", s->name);
        r = manager_start_unit_as(m, s->name, NULL, s->started_by, NULL, &message, &bad);
        if (r < 0)
                log_error_errno(r, "Failed to restart %s: %s", s->name, message ?: strerror(-r));
        /* A start that never got as far as the launch keeps nothing open. */
        service_release_sockets_if_idle(s);

        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                if (waiter_is_stop(waiters[i]))
                        (void) sd_bus_reply_method_return(waiters[i], NULL);
                else if (r >= 0)
                        (void) sd_bus_reply_method_return(waiters[i], "s", s->name);
                else {
                        (void) error_start(&error, r, message, bad);
                        if (sd_bus_error_is_set(&error))
                                (void) sd_bus_reply_method_error(waiters[i], &error);
                        else
                                (void) sd_bus_reply_method_errnof(waiters[i], r, "Failed to restart: %m");
                }
                sd_bus_message_unref(waiters[i]);
        }
        free(waiters);
}

/* ---- signals ---- */

static void emit_on(sd_bus *bus, const char *name, ServiceState state, ServiceResult result, const char *path) {
        (void) sd_bus_emit_signal(bus, BUS_API_PATH, BUS_API_MANAGER_INTERFACE, "UnitStateChanged", "sss", name,
                                  strempty(service_state_to_string(state)), strempty(service_result_to_string(result)));
        if (path)
                (void) sd_bus_emit_properties_changed(bus, path, BUS_API_UNIT_INTERFACE, "State", "Result", "MainPID",
                                                      "ActiveSinceRealtime", "StateChangeRealtime", "NRestarts",
                                                      "NextRestartRealtime", "LastExit", "LastStartError", "Job", "LastExitLeft", NULL);
}

void bus_api_emit_unit_changed(Manager *m, const char *name, ServiceState state, ServiceResult result) {
        _cleanup_free_ char *path = NULL;

        (void) bus_api_unit_path(name, &path);
        if (m->api_bus)
                emit_on(m->api_bus, name, state, result, path);
        for (size_t i = m->n_private_conns; i > 0; i--) {
                sd_bus *bus = m->private_conns[i - 1];
                uint64_t queued = 0;

                if (sd_bus_get_n_queued_write(bus, &queued) >= 0 && queued > MANAGER_PRIVATE_WQUEUE_MAX) {
                        log_warning("Dropping a private connection that reads nothing (%" PRIu64 " messages queued).",
                                    queued);
                        manager_drop_private_connection(m, bus);
                        continue;
                }
                emit_on(bus, name, state, result, path);
        }
}

/* ---- org.sandboxd1.Manager methods ---- */

static int method_start_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *path = NULL, *message = NULL;
        Manager *m = userdata;
        bool bad = false;
        Service *s;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "StartUnit", &uid, error);
        if (r < 0)
                return r;
        r = read_unit_arg(msg, true, &name, &path, error);
        if (r < 0)
                return r;
        log_info("StartUnit %s%s%s by uid %u.", name, path ? " from " : "", strempty(path), (unsigned) uid);

        s = manager_get_service(m, name);
        if (s && (s->rt.state == SERVICE_STARTING || s->rt.state == SERVICE_RUNNING))
                return sd_bus_reply_method_return(msg, "s", name);
        if (s && s->rt.state == SERVICE_STOPPING) {
                /* Start again once it is gone, as RestartUnit does. */
                s->restart_after_stop = true;
                s->started_by = uid;
                return add_waiter(s, msg);
        }

        /* Pull= and archives not imported yet: a worker, the reply later. */
        r = manager_start_unit_fetching(m, name, path, uid, msg);
        if (r != 0)
                return r;
        r = manager_start_unit_as(m, name, path, uid, NULL, &message, &bad);
        if (r < 0)
                return error_start(error, r, message, bad);
        return sd_bus_reply_method_return(msg, "s", name);
}

static int method_stop_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Service *s;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "StopUnit", &uid, error);
        if (r < 0)
                return r;
        r = read_known_service(m, msg, &name, &s, error);
        if (r < 0)
                return r;
        log_info("StopUnit %s by uid %u.", name, (unsigned) uid);

        /* A stop cancels a restart that was waiting for the previous stop,
         * and a start that waits for its images. */
        s->restart_after_stop = false;
        manager_cancel_fetch(m, name);

        if (s->rt.state == SERVICE_STARTING || s->rt.state == SERVICE_RUNNING || s->rt.state == SERVICE_AUTO_RESTART) {
                r = service_stop(s);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to stop %s: %m", name);
        }
        /* A restart that was waiting held the sockets. */
        service_release_sockets_if_idle(s);
        /* service_stop() may have finished already (auto-restart -> inactive). */
        if (!service_has_process(s))
                return sd_bus_reply_method_return(msg, NULL);
        return add_waiter(s, msg);
}

static int method_restart_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *message = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        Manager *m = userdata;
        bool bad = false;
        Service *s;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "RestartUnit", &uid, error);
        if (r < 0)
                return r;
        r = read_unit_arg(msg, false, &name, NULL, error);
        if (r < 0)
                return r;
        log_info("RestartUnit %s by uid %u.", name, (unsigned) uid);

        s = manager_get_service(m, name);
        if (!s || !service_has_process(s)) {
                r = manager_start_unit_fetching(m, name, NULL, uid, msg);
                if (r != 0)
                        return r;
                r = manager_start_unit_as(m, name, NULL, uid, NULL, &message, &bad);
                if (r < 0)
                        return error_start(error, r, message, bad);
                return sd_bus_reply_method_return(msg, "s", name);
        }

        /* Never stop a service for a unit that cannot start again. The start
         * compiles once more: what is on disk then is what runs. */
        r = manager_compile_unit_as(s->unit_path ?: name, uid, &plan, &message);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return error_start(error, r, message, true);

        s->restart_after_stop = true;
        s->started_by = uid;
        if (s->rt.state != SERVICE_STOPPING) {
                r = service_stop(s);
                if (r < 0) {
                        s->restart_after_stop = false;
                        return sd_bus_error_set_errnof(error, r, "Failed to stop %s: %m", name);
                }
        }
        if (!service_has_process(s))
                manager_schedule_deferred(m);
        return add_waiter(s, msg);
}

static int method_reset_failed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Service *s;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "ResetFailed", &uid, error);
        if (r < 0)
                return r;
        r = read_known_service(m, msg, &name, &s, error);
        if (r < 0)
                return r;
        log_info("ResetFailed %s by uid %u.", name, (unsigned) uid);

        r = service_reset_failed(s);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to reset %s: %m", name);
        if (!s->plan && s->rt.state == SERVICE_INACTIVE && !s->fetching) {
                /* Never ran (an enabled unit that did not compile): nothing
                 * left to show, and nothing a restarted sandboxd could adopt. */
                r = service_remove_runtime_dir(s);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove the runtime directory of %s, ignoring: %m", name);
                service_free(s);
        }
        return sd_bus_reply_method_return(msg, NULL);
}

/* UINT64_MAX for whatever is unknown, as the API says. */
static void service_stats_or_unknown(Service *s, CgroupStats *ret) {
        *ret = (CgroupStats) { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        if (service_has_process(s) && service_get_stats(s, ret) < 0)
                *ret = (CgroupStats) { UINT64_MAX, UINT64_MAX, UINT64_MAX };
}

static int method_list_units(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssuutt)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_services; i++) {
                Service *s = m->services[i];
                CgroupStats st;

                service_stats_or_unknown(s, &st);
                r = sd_bus_message_append(reply, "(ssssuutt)", s->name,
                                          s->plan ? strempty(s->plan->description) : "",
                                          strempty(service_state_to_string(s->rt.state)), strempty(service_result_to_string(s->rt.result)),
                                          (uint32_t) s->main_pid, (uint32_t) s->rt.n_restarts,
                                          s->active_since_realtime, st.memory_current);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *path = NULL;
        Manager *m = userdata;
        int r;

        r = read_unit_arg(msg, false, &name, NULL, error);
        if (r < 0)
                return r;
        if (!manager_get_service(m, name))
                return error_no_such_unit(error, name);
        r = bus_api_unit_path(name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

/* The environment as this caller may see it: the value of a variable that
 * came from an EnvironmentFile= the caller could not read is replaced by
 * "(hidden)". Access is judged as the caller's uid and groups (the bus's
 * word, else the group database), by the file's mode bits today. */
static int environment_for_caller(sd_bus_message *msg, const Plan *p, char ***ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ gid_t *db_gids = NULL;
        const gid_t *gids = NULL;
        uid_t uid;
        gid_t gid;
        int r, n;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS,
                                      &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (sd_bus_creds_get_egid(creds, &gid) < 0)
                gid = (gid_t) -1;
        n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        if (n < 0) {
                struct passwd pw, *pwp = NULL;
                char buf[16384];
                int k = 256;

                gids = NULL;
                n = 0;
                db_gids = calloc((size_t) k, sizeof(gid_t));
                if (!db_gids)
                        return -ENOMEM;
                if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp &&
                    getgrouplist(pwp->pw_name, pwp->pw_gid, db_gids, &k) >= 0) {
                        gids = db_gids;
                        n = k;
                }
        }

        env = strv_copy(p->environment);
        if (!env)
                return -ENOMEM;
        STRV_FOREACH(src, p->environment_sources) {
                const char *eq = strchr(*src, '=');
                _cleanup_free_ char *hidden = NULL;

                if (!eq || trust_can_read_as(eq + 1, uid, gid, gids, (size_t) n) > 0)
                        continue;
                if (asprintf_safe(&hidden, "%.*s=(hidden)", (int) (eq - *src), *src) < 0)
                        return -ENOMEM;
                r = strv_env_set(&env, hidden);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

static int plan_to_json_for_caller(sd_bus_message *msg, Plan *p, char **ret) {
        _cleanup_strv_free_ char **env = NULL;
        char **saved;
        int r;

        r = environment_for_caller(msg, p, &env);
        if (r < 0)
                return r;
        saved = p->environment;
        p->environment = env;
        r = plan_to_json(p, ret);
        p->environment = saved;
        return r;
}

static int method_get_unit_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *json = NULL;
        Manager *m = userdata;
        Service *s;
        uid_t uid;
        int r;

        /* The environment may hold secrets. */
        r = check_admin(m, msg, "GetUnitPlan", &uid, error);
        if (r < 0)
                return r;
        r = read_known_service(m, msg, &name, &s, error);
        if (r < 0)
                return r;
        if (!s->plan)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT, "Unit %s has no plan yet.", name);
        r = plan_to_json_for_caller(msg, s->plan, &json);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to format the plan of %s: %m", name);
        return sd_bus_reply_method_return(msg, "s", json);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        Manager *m = userdata;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "Reload", &uid, error);
        if (r < 0)
                return r;
        log_info("Reload by uid %u.", (unsigned) uid);

        r = manager_reload(m, &text);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_set(error, BUS_ERROR_BAD_UNIT, text ?: "Some units do not compile.");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_enable_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *path = NULL, *text = NULL, *abs = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        Manager *m = userdata;
        const char *unit;
        Service *s;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "EnableUnit", &uid, error);
        if (r < 0)
                return r;
        r = read_unit_arg(msg, true, &name, &path, error);
        if (r < 0)
                return r;

        s = manager_get_service(m, name);
        unit = path ?: (s && s->unit_path ? s->unit_path : name);
        r = manager_compile_unit_as(unit, uid, &plan, &text);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_set(error, BUS_ERROR_BAD_UNIT, text ?: "The unit does not compile.");
        if (!plan->wanted)
                return sd_bus_error_setf(error, BUS_ERROR_BAD_UNIT,
                                         "%s: only units with [Install] WantedBy=default can be enabled.\n",
                                         strna(plan->unit_path));
        if (!plan->name || !streq(plan->name, name))
                return sd_bus_error_setf(error, BUS_ERROR_BAD_UNIT, "%s: the unit compiles to service \"%s\", not \"%s\".\n",
                                         unit, strna(plan->name), name);

        /* The link must work from anywhere: resolve a relative search path entry. */
        if (plan->unit_path && plan->unit_path[0] == '/')
                abs = strdup(plan->unit_path);
        else if (plan->unit_path)
                abs = realpath(plan->unit_path, NULL);
        if (!abs)
                return sd_bus_error_set_errnof(error, errno ?: ENOENT, "Cannot resolve the path of unit %s: %m", name);
        path_simplify(abs);

        r = manager_enable_unit_as(m, name, abs, uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to enable %s: %m", name);
        log_info("EnableUnit %s (%s) by uid %u.", name, abs, (unsigned) uid);
        return sd_bus_reply_method_return(msg, "s", name);
}

static int method_disable_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        uid_t uid;
        int r;

        r = check_admin(m, msg, "DisableUnit", &uid, error);
        if (r < 0)
                return r;
        r = read_unit_arg(msg, false, &name, NULL, error);
        if (r < 0)
                return r;
        r = manager_disable_unit(m, name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to disable %s: %m", name);
        log_info("DisableUnit %s by uid %u%s.", name, (unsigned) uid, r == 0 ? " (was not enabled)" : "");
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- org.sandboxd1.Manager properties ---- */

static int property_get_manager(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (streq(property, "CgroupDriver"))
                return sd_bus_message_append(reply, "s", m->cgroup_driver ? m->cgroup_driver->name : "");
        if (streq(property, "NServices"))
                return sd_bus_message_append(reply, "u", (uint32_t) m->n_services);
        return -EINVAL;
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_manager, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CgroupDriver", "s", property_get_manager, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NServices", "u", property_get_manager, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("StartUnit", SD_BUS_ARGS("s", unit), SD_BUS_RESULT("s", name), method_start_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopUnit", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_stop_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartUnit", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", name), method_restart_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResetFailed", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_reset_failed,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListUnits", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssuutt)", units), method_list_units,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUnit", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path), method_get_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUnitPlan", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", json),
                                method_get_unit_plan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnableUnit", SD_BUS_ARGS("s", unit), SD_BUS_RESULT("s", name), method_enable_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DisableUnit", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_disable_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("UnitStateChanged", SD_BUS_ARGS("s", name, "s", state, "s", result), 0),
        SD_BUS_VTABLE_END,
};

/* ---- org.sandboxd1.Unit ---- */

static int unit_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        const Plan *p = s->plan;
        char buf[64] = "";

        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", s->name);
        if (streq(property, "Description"))
                return sd_bus_message_append(reply, "s", p ? strempty(p->description) : "");
        if (streq(property, "UnitPath"))
                return sd_bus_message_append(reply, "s", strempty(s->unit_path));
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", strempty(service_state_to_string(s->rt.state)));
        if (streq(property, "Result"))
                return sd_bus_message_append(reply, "s", strempty(service_result_to_string(s->rt.result)));
        if (streq(property, "ControlGroup"))
                return sd_bus_message_append(reply, "s",
                                             strempty(cgroup_control_group(s->cgroup) ?: cgroup_v2_path(s->cgroup)));
        if (streq(property, "CgroupDriver"))
                return sd_bus_message_append(reply, "s", s->cgroup ? cgroup_driver_of(s->cgroup)->name
                                                         : s->manager->cgroup_driver ? s->manager->cgroup_driver->name
                                                                                     : "");
        if (streq(property, "LastExit")) {
                if (s->has_last_exit && exit_report_format(&s->last_exit, buf, sizeof(buf)) >= 0)
                        buf[strcspn(buf, "\n")] = 0;
                else
                        buf[0] = 0;
                return sd_bus_message_append(reply, "s", buf);
        }
        if (streq(property, "LastStartError"))
                return sd_bus_message_append(reply, "s", strempty(s->last_start_error));
        if (streq(property, "Job"))
                return sd_bus_message_append(reply, "s", s->fetching ? "fetching-images" : "");
        if (streq(property, "User")) {
                if (p)
                        (void) snprintf(buf, sizeof(buf), "%u:%u", (unsigned) p->uid, (unsigned) p->gid);
                return sd_bus_message_append(reply, "s", buf);
        }
        if (streq(property, "Network")) {
                /* "service:NAME" for a pod's joiner, else the mode's word. */
                if (p && p->network == NETWORK_SERVICE)
                        (void) snprintf(buf, sizeof(buf), "service:%s", strna(p->network_service));
                else if (p)
                        (void) snprintf(buf, sizeof(buf), "%s", strempty(network_mode_to_string(p->network)));
                return sd_bus_message_append(reply, "s", buf);
        }
        if (streq(property, "SeccompKill"))
                return sd_bus_message_append(reply, "s", s->has_last_exit ? strempty(s->last_exit_seccomp) : "");
        if (streq(property, "UserNamespaceRange")) {
                /* Empty until the first start allocated it. */
                if (p && (p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) && p->uid_map_base > 0 && p->uid_map_count > 0)
                        (void) snprintf(buf, sizeof(buf), "%" PRIu32 "-%" PRIu32, p->uid_map_base,
                                        p->uid_map_base + (p->uid_map_count - 1));
                return sd_bus_message_append(reply, "s", buf);
        }
        return -EINVAL;
}

static uint64_t next_restart_realtime(const Service *s) {
        uint64_t mono, rt;

        if (s->rt.state != SERVICE_AUTO_RESTART || s->restart_at_usec == 0)
                return 0;
        mono = now_usec(CLOCK_MONOTONIC);
        rt = now_usec(CLOCK_REALTIME);
        return s->restart_at_usec > mono ? rt + (s->restart_at_usec - mono) : rt;
}

static int unit_get_number(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        const Plan *p = s->plan;
        CgroupStats st;

        if (streq(property, "MainPID"))
                return sd_bus_message_append(reply, "u", (uint32_t) s->main_pid);
        if (streq(property, "NRestarts"))
                return sd_bus_message_append(reply, "u", (uint32_t) s->rt.n_restarts);
        if (streq(property, "LastExitLeft"))
                return sd_bus_message_append(reply, "u", (uint32_t) (s->has_last_exit ? s->last_exit.n_left : 0));
        if (streq(property, "ActiveSinceRealtime"))
                return sd_bus_message_append(reply, "t", service_has_process(s) ? s->active_since_realtime : UINT64_C(0));
        if (streq(property, "StateChangeRealtime"))
                return sd_bus_message_append(reply, "t", s->state_change_realtime);
        if (streq(property, "NextRestartRealtime"))
                return sd_bus_message_append(reply, "t", next_restart_realtime(s));
        if (streq(property, "MemoryMax"))
                return sd_bus_message_append(reply, "t", p ? p->limits.memory_max : UINT64_MAX);
        if (streq(property, "TasksMax"))
                return sd_bus_message_append(reply, "t", p ? p->limits.tasks_max : UINT64_MAX);

        service_stats_or_unknown(s, &st);
        if (streq(property, "MemoryCurrent"))
                return sd_bus_message_append(reply, "t", st.memory_current);
        if (streq(property, "TasksCurrent"))
                return sd_bus_message_append(reply, "t", st.tasks_current);
        if (streq(property, "CPUUsageNSec"))
                return sd_bus_message_append(reply, "t", st.cpu_usage_usec == UINT64_MAX ? UINT64_MAX
                                                                                          : st.cpu_usage_usec * NSEC_PER_USEC);
        return -EINVAL;
}

static int unit_get_enabled(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;

        return sd_bus_message_append(reply, "b", (int) manager_unit_is_enabled(s->manager, s->name));
}

static int unit_get_namespaces(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (NamespaceType t = 0; s->plan && t < _NAMESPACE_TYPE_MAX; t++)
                if (s->plan->namespaces & NAMESPACE_MASK(t)) {
                        r = strv_extend(&l, namespace_type_to_string(t));
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_append_strv(reply, l);
}

/* Socket activation: "ADDRESS (Stream)", as systemctl status shows a
 * socket unit's Listen: lines. */
static int unit_get_listen(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t i = 0; s->plan && i < s->plan->n_sockets; i++) {
                const PlanSocket *k = &s->plan->sockets[i];
                char buf[LISTEN_ADDRESS_STRING_MAX + 32];

                (void) snprintf(buf, sizeof(buf), "%s (%s)", k->address,
                                k->type == LISTEN_DATAGRAM ? "Datagram" : k->type == LISTEN_SEQUENTIAL_PACKET ? "SequentialPacket" : "Stream");
                r = strv_extend(&l, buf);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_append_strv(reply, l);
}

static int unit_get_denials(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return service_denials_append(userdata, reply);
}

/* Network=private: the service's addresses while it runs (its lease
 * outlives it, its veth does not). */
static int unit_get_addresses(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (s->plan && s->plan->network == NETWORK_PRIVATE && s->plan->net.address.s_addr != 0 && s->main_pid > 0) {
                const PlanNetwork *n = &s->plan->net;
                char buf[INET6_ADDRSTRLEN];

                r = strv_extend(&l, inet_ntop(AF_INET, &n->address, buf, sizeof(buf)));
                if (r >= 0 && n->prefixlen6 > 0) {
                        struct in6_addr a6 = plan_network_address6(n, n->address);

                        r = strv_extend(&l, inet_ntop(AF_INET6, &a6, buf, sizeof(buf)));
                }
                if (r < 0)
                        return r;
        }
        return sd_bus_message_append_strv(reply, l);
}

/* PublishPort=: (HostAddress, HostPort, ContainerPort, Protocol). */
static int unit_get_published_ports(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Service *s = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sqqs)");
        if (r < 0)
                return r;
        for (size_t i = 0; s->plan && s->plan->network == NETWORK_PRIVATE && i < s->plan->net.n_ports; i++) {
                const PlanPort *p = &s->plan->net.ports[i];
                char host[INET6_ADDRSTRLEN];

                r = sd_bus_message_append(reply, "(sqqs)", port_mapping_host(p, host),
                                          (uint16_t) p->host_port, (uint16_t) p->container_port,
                                          p->protocol == IPPROTO_UDP ? "udp" : "tcp");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

#define UNIT_CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", unit_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Description", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("UnitPath", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("State", "s", unit_get_string, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("Result", "s", unit_get_string, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("MainPID", "u", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("ActiveSinceRealtime", "t", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("StateChangeRealtime", "t", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("NRestarts", "u", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("NextRestartRealtime", "t", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("ControlGroup", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("CgroupDriver", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("MemoryCurrent", "t", unit_get_number, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", unit_get_number, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", unit_get_number, 0, 0),
        SD_BUS_PROPERTY("MemoryMax", "t", unit_get_number, 0, 0),
        SD_BUS_PROPERTY("TasksMax", "t", unit_get_number, 0, 0),
        SD_BUS_PROPERTY("LastExit", "s", unit_get_string, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("LastStartError", "s", unit_get_string, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("Job", "s", unit_get_string, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("LastExitLeft", "u", unit_get_number, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("Enabled", "b", unit_get_enabled, 0, 0),
        SD_BUS_PROPERTY("Namespaces", "as", unit_get_namespaces, 0, 0),
        SD_BUS_PROPERTY("User", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("UserNamespaceRange", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("Listen", "as", unit_get_listen, 0, 0),
        SD_BUS_PROPERTY("Denials", "a(sssttu)", unit_get_denials, 0, 0),
        SD_BUS_PROPERTY("SeccompKill", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("Network", "s", unit_get_string, 0, 0),
        SD_BUS_PROPERTY("Addresses", "as", unit_get_addresses, 0, UNIT_CHANGES),
        SD_BUS_PROPERTY("PublishedPorts", "a(sqqs)", unit_get_published_ports, 0, 0),
        SD_BUS_VTABLE_END,
};

static int unit_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Service *s;
        int r;

        r = sd_bus_path_decode(path, BUS_API_UNIT_PREFIX, &name);
        if (r <= 0)
                return r == -ENOMEM ? r : 0;
        if (!unit_name_is_valid(name))
                return 0;
        s = manager_get_service(m, name);
        if (!s)
                return 0;
        *found = s;
        return 1;
}

static int unit_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        char **l;

        l = calloc(m->n_services + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_services; i++) {
                int r = bus_api_unit_path(m->services[i]->name, &l[i]);

                if (r < 0) {
                        for (size_t j = 0; j < i; j++)
                                free(l[j]);
                        free(l);
                        return r;
                }
        }
        *nodes = l;
        return 1;
}

/* ---- bus-client peers on the private socket ----
 *
 * Clients written for a message bus (busctl --address=..., gdbus) send
 * Hello first and AddMatch for signals. There is no bus here: Hello gets a
 * made-up unique name, and matches need nothing, since every signal goes
 * to every private connection and the client filters. */

static int method_hello(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        static uint64_t counter = 0;
        char name[32];

        (void) snprintf(name, sizeof(name), ":1.%" PRIu64, ++counter);
        return sd_bus_reply_method_return(msg, "s", name);
}

static int method_match(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable peer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Hello", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", name), method_hello,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddMatch", SD_BUS_ARGS("s", rule), SD_BUS_NO_RESULT, method_match,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveMatch", SD_BUS_ARGS("s", rule), SD_BUS_NO_RESULT, method_match,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_api_attach_private(Manager *m, sd_bus *bus) {
        int r;

        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/DBus", "org.freedesktop.DBus", peer_vtable, m);
        if (r < 0)
                return r;
        return bus_api_attach(m, bus);
}

int bus_api_attach(Manager *m, sd_bus *bus) {
        int r;

        r = sd_bus_add_object_vtable(bus, NULL, BUS_API_PATH, BUS_API_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(bus, NULL, BUS_API_UNIT_PREFIX, BUS_API_UNIT_INTERFACE, unit_vtable,
                                       unit_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(bus, NULL, BUS_API_UNIT_PREFIX, unit_node_enumerator, m);
}
