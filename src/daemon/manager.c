/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd's manager: the table of services, startup (runtime directory,
 * cgroup driver, re-adoption, enabled units), the bus connections (the
 * private socket and the system bus), compiling units for clients, Reload,
 * the enabled-unit symlinks, and the work that must not run inside
 * service.c's calls into us. The D-Bus surface itself is bus-api.c. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "bus-api.h"
#include "diag.h"
#include "dlopen-systemd.h"
#include "fileio.h"
#include "image-import.h"
#include "image-store.h"
#include "log.h"
#include "manager.h"
#include "path-util.h"
#include "plan-compile.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "pod-order.h"
#include "service.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"

#define RUNTIME_DIR_DEFAULT "/run/sandboxd"
#define CONFIG_DIR_DEFAULT "/etc/sandboxd"

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

bool service_has_process(const Service *s) {
        return s->rt.state == SERVICE_STARTING || s->rt.state == SERVICE_RUNNING || s->rt.state == SERVICE_STOPPING;
}

int manager_parse_unit_arg(const char *arg, bool allow_path, char **ret_name, char **ret_path) {
        _cleanup_free_ char *name = NULL, *path = NULL;
        const char *e;

        /* Bound it before anything else looks at it. */
        if (!arg || strnlen(arg, PATH_MAX) >= PATH_MAX)
                return -EINVAL;

        if (arg[0] == '/') {
                const char *base;

                if (!allow_path || !path_is_normalized_absolute(arg))
                        return -EINVAL;
                base = path_basename(arg);
                e = endswith(base, ".unit");
                if (!e || e == base)
                        return -EINVAL;
                name = strndup(base, (size_t) (e - base));
                path = strdup(arg);
                if (!name || !path)
                        return -ENOMEM;
        } else {
                e = endswith(arg, ".unit");
                name = e ? strndup(arg, (size_t) (e - arg)) : strdup(arg);
                if (!name)
                        return -ENOMEM;
        }

        if (!unit_name_is_valid(name))
                return -EINVAL;

        *ret_name = TAKE_PTR(name);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

/* ---- the table of services (sorted by name) ---- */

static ssize_t service_index(Manager *m, const char *name) {
        size_t lo = 0, hi = m->n_services;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(name, m->services[mid]->name);

                if (c == 0)
                        return (ssize_t) mid;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -(ssize_t) lo - 1;
}

Service *manager_get_service(Manager *m, const char *name) {
        ssize_t i;

        if (!m || !name)
                return NULL;
        i = service_index(m, name);
        return i >= 0 ? m->services[i] : NULL;
}

int manager_add_service(Manager *m, Service *s) {
        Service **n;
        ssize_t i;
        size_t at;

        if (!m || !s || !s->name)
                return -EINVAL;
        i = service_index(m, s->name);
        if (i >= 0)
                return m->services[i] == s ? 0 : -EEXIST;
        at = (size_t) (-i - 1);

        n = reallocarray(m->services, m->n_services + 1, sizeof(Service *));
        if (!n)
                return -ENOMEM;
        m->services = n;
        memmove(m->services + at + 1, m->services + at, (m->n_services - at) * sizeof(Service *));
        m->services[at] = s;
        m->n_services++;
        return 0;
}

void manager_remove_service(Manager *m, Service *s) {
        if (!m || !s)
                return;
        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i] == s) {
                        memmove(m->services + i, m->services + i + 1, (m->n_services - i - 1) * sizeof(Service *));
                        m->n_services--;
                        return;
                }
}

unsigned manager_n_running(Manager *m) {
        unsigned n = 0;

        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i]->rt.state == SERVICE_RUNNING)
                        n++;
        return n;
}

/* ---- pending plans (Reload while a service runs) ---- */

static void pending_plan_drop(Manager *m, size_t i) {
        free(m->pending_plans[i].name);
        plan_free(m->pending_plans[i].plan);
        memmove(m->pending_plans + i, m->pending_plans + i + 1, (m->n_pending_plans - i - 1) * sizeof(PendingPlan));
        m->n_pending_plans--;
}

static void pending_plan_forget(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_pending_plans; i++)
                if (streq(m->pending_plans[i].name, name)) {
                        pending_plan_drop(m, i);
                        return;
                }
}

/* Takes plan, also on failure. */
static int pending_plan_set(Manager *m, const char *name, Plan *plan) {
        _cleanup_(plan_freep) Plan *p = plan;
        PendingPlan *n;
        char *nm;

        for (size_t i = 0; i < m->n_pending_plans; i++)
                if (streq(m->pending_plans[i].name, name)) {
                        plan_free(m->pending_plans[i].plan);
                        m->pending_plans[i].plan = TAKE_PTR(p);
                        return 0;
                }

        nm = strdup(name);
        if (!nm)
                return -ENOMEM;
        n = reallocarray(m->pending_plans, m->n_pending_plans + 1, sizeof(PendingPlan));
        if (!n) {
                free(nm);
                return -ENOMEM;
        }
        m->pending_plans = n;
        m->pending_plans[m->n_pending_plans++] = (PendingPlan) { .name = nm, .plan = TAKE_PTR(p) };
        return 0;
}

/* The run is over: the plan Reload made becomes the one the next
 * (automatic) start uses. */
static void pending_plans_apply(Manager *m) {
        for (size_t i = m->n_pending_plans; i > 0; i--) {
                PendingPlan *pp = &m->pending_plans[i - 1];
                Service *s = manager_get_service(m, pp->name);
                int r;

                if (s && service_has_process(s))
                        continue;
                if (s) {
                        plan_free(s->plan);
                        s->plan = TAKE_PTR(pp->plan);
                        r = service_save_plan(s);
                        if (r < 0)
                                log_warning_errno(r, "Failed to save the reloaded plan of %s, ignoring: %m", s->name);
                        else
                                log_debug("Unit %s now has its reloaded plan.", s->name);
                }
                pending_plan_drop(m, i - 1);
        }
}

/* ---- deferred work ---- */

static int on_deferred(sd_event_source *es, void *userdata) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **restart = NULL;

        /* Before the restart timers: a high priority source. */
        pending_plans_apply(m);

        for (size_t i = 0; i < m->n_services; i++) {
                Service *s = m->services[i];

                if (s->restart_after_stop && (s->rt.state == SERVICE_INACTIVE || s->rt.state == SERVICE_FAILED))
                        if (strv_extend(&restart, s->name) < 0)
                                return log_oom();
        }
        /* By name: starting one service must not invalidate the walk. */
        STRV_FOREACH(n, restart) {
                Service *s = manager_get_service(m, *n);

                if (s && s->restart_after_stop)
                        bus_api_finish_restart(m, s);
        }
        manager_pods_sync(m);
        return 0;
}

void manager_schedule_deferred(Manager *m) {
        int r;

        if (!m->event)
                return;
        if (!m->defer_source) {
                r = sd_event_add_defer(m->event, &m->defer_source, on_deferred, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to add a defer event source: %m");
                        return;
                }
                (void) sd_event_source_set_priority(m->defer_source, SD_EVENT_PRIORITY_IMPORTANT);
                (void) sd_event_source_set_description(m->defer_source, "manager-deferred");
        }
        r = sd_event_source_set_enabled(m->defer_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to enable the defer event source: %m");
}

void manager_notify(Manager *m, const char *extra) {
        unsigned n = manager_n_running(m);

        m->last_status_running = n;
        (void) sd_notifyf(false, "%s%sSTATUS=%u service%s running", strempty(extra), extra ? "\n" : "", n,
                          n == 1 ? "" : "s");
}

static void manager_update_status(Manager *m) {
        if (manager_n_running(m) != m->last_status_running)
                manager_notify(m, NULL);
}

/* Called by service.c on every change of state or result. The manager's
 * own bookkeeping happens now; what goes out on the bus (signals, answers
 * to waiting StopUnit calls) is queued and sent from the event loop, so
 * that service.c never calls into the bus API, which calls service.c. */
void manager_service_changed(Manager *m, Service *s) {
        int r;

        if (!m || !s)
                return;

        r = manager_changes_push(m, s);
        if (r < 0)
                log_warning_errno(r, "Failed to queue the state change of %s for its clients: %m", s->name);

        if (s->rt.state == SERVICE_INACTIVE || s->rt.state == SERVICE_FAILED) {
                if (s->restart_after_stop)
                        manager_schedule_deferred(m);
                service_release_sockets_if_idle(s);
        }
        if (m->n_pending_plans > 0 && !service_has_process(s))
                manager_schedule_deferred(m);
        if (manager_has_joiners(m))
                manager_schedule_deferred(m);

        manager_update_status(m);
}

/* ---- compiling for clients ---- */

/* Diagnostics quote what files say: they reach a D-Bus string (which must
 * be UTF-8, else the reply cannot be sent) and a terminal. Control
 * characters but newline and tab become '?', and so does every non-ASCII
 * byte of a text that is not valid UTF-8. */
static void text_sanitize(char *s) {
        bool utf8 = utf8_is_valid(s, strlen(s));

        for (unsigned char *p = (unsigned char *) s; *p; p++)
                if ((*p < ' ' && *p != '\n' && *p != '\t') || *p == 127 || (!utf8 && *p >= 0x80))
                        *p = '?';
}

/* A multi-line text (diagnostics) into the log one line per entry, each
 * carrying what, so that no line of a unit file can pass for a line of
 * ours on stderr. */
static void log_text_lines(int level, const char *what, const char *text) {
        for (const char *p = text; p && *p;) {
                size_t l = strcspn(p, "\n");

                if (l > 0)
                        log_full(level, "%s: %.*s", what, (int) MIN(l, (size_t) 1024), p);
                p += l;
                if (*p == '\n')
                        p++;
        }
}

/* The diagnostics as one text for a D-Bus error, cut at a line boundary. */
static char *diagnostics_to_text(const Diagnostics *d, const char *unit, int error) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (d->n > 0 || d->dropped > 0)
                diagnostics_print(d, f);
        else {
                errno = -error;
                fprintf(f, "%s: Failed to compile: %m\n", unit);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return NULL;

        if (size > MANAGER_DIAGNOSTICS_MAX) {
                static const char more[] = "... (more diagnostics cut)\n";
                size_t keep = MANAGER_DIAGNOSTICS_MAX - sizeof(more);
                char *nl;

                buf[keep] = 0;
                nl = strrchr(buf, '\n');
                keep = nl ? (size_t) (nl - buf) + 1 : 0;
                memcpy(buf + keep, more, sizeof(more));
        }
        text_sanitize(buf);
        return TAKE_PTR(buf);
}

static ResourceLimit service_nofile;

void manager_set_service_nofile(uint64_t soft, uint64_t hard) {
        service_nofile = (ResourceLimit) { .set = true, .soft = soft, .hard = hard };
}

int manager_import_unit_images(const char *unit, uid_t caller, char **reterr_text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;

        /* A unit that does not load is the compiler's to report. */
        if (unit_load_as(unit, caller, &u, &d) < 0)
                return 0;
        return image_import_unit(image_store_dir(), u, caller, reterr_text);
}

int manager_compile_unit(const char *unit, Plan **ret, char **reterr_text) {
        return manager_compile_unit_as(unit, 0, ret, reterr_text);
}

int manager_compile_unit_as(const char *unit, uid_t caller, Plan **ret, char **reterr_text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(plan_freep) Plan *p = NULL;
        int r;

        /* No stat() of the unit first: what it saw could be swapped for a
         * FIFO before the open. The parser opens every unit file and drop-in
         * O_NONBLOCK and refuses anything fstat() does not call a regular
         * file, or that is larger than CONF_FILE_MAX (read_full_file_at()),
         * so a FIFO or a device cannot block this event loop. */
        r = plan_compile_unit_as(unit, caller, &p, &d);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && diagnostics_count(&d) == 0) {
                /* A cache miss compiled the seccomp filter (~2 ms of the
                 * ~3 ms a compile takes): keep it for the next start. */
                r = plan_seccomp_cache_store(p);
                if (r < 0)
                        log_debug_errno(r, "Failed to store the seccomp filter of %s in the cache, ignoring: %m", unit);
                if (!p->rlimits[RLIMIT_NOFILE].set)
                        p->rlimits[RLIMIT_NOFILE] = service_nofile;
                *ret = TAKE_PTR(p);
                return 0;
        }
        if (r >= 0)
                /* Diagnostics without failure: refuse a half-understood unit. */
                r = -EINVAL;
        if (reterr_text)
                *reterr_text = diagnostics_to_text(&d, unit, r);
        return r;
}

int manager_start_unit(Manager *m, const char *name, const char *path, Service **ret, char **reterr_message,
                       bool *reterr_bad_unit) {
        return manager_start_unit_as(m, name, path, 0, ret, reterr_message, reterr_bad_unit);
}

int manager_start_unit_as(Manager *m, const char *name, const char *path, uid_t caller, Service **ret,
                          char **reterr_message, bool *reterr_bad_unit) {
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *message = NULL;
        const char *unit;
        Service *s;
        int r;

        s = manager_get_service(m, name);
        /* sandboxd remembers where a unit came from: a unit started by path
         * is found again by its name. */
        unit = path ?: (s && s->unit_path ? s->unit_path : name);

        /* A client start imports the unit's local image forms first (a
         * restart runs the layers its plan pinned). */
        r = manager_import_unit_images(unit, caller, &message);
        if (r >= 0)
                r = manager_compile_unit_as(unit, caller, &plan, &message);
        if (r < 0) {
                if (reterr_bad_unit)
                        *reterr_bad_unit = true;
                if (reterr_message)
                        *reterr_message = TAKE_PTR(message);
                return r;
        }
        if (!plan->name || !streq(plan->name, name)) {
                if (reterr_bad_unit)
                        *reterr_bad_unit = true;
                if (reterr_message)
                        (void) asprintf_safe(reterr_message, "%s: the unit compiles to service \"%s\", not \"%s\".\n",
                                             unit, strna(plan->name), name);
                return -EINVAL;
        }

        /* A fresh compile supersedes what Reload left for later. */
        pending_plan_forget(m, name);

        if (!s) {
                r = service_new(m, name, &s);
                if (r < 0)
                        return r;
        }
        if (plan->unit_path && (!s->unit_path || !streq(s->unit_path, plan->unit_path))) {
                char *p = strdup(plan->unit_path);
                if (!p)
                        return -ENOMEM;
                free(s->unit_path);
                s->unit_path = p;
        }

        s->started_by = caller;
        r = service_start(s, TAKE_PTR(plan), &message);
        if (r < 0) {
                if (reterr_bad_unit)
                        *reterr_bad_unit = false;
                if (reterr_message)
                        *reterr_message = TAKE_PTR(message);
                return r;
        }
        if (ret)
                *ret = s;
        return 0;
}

int manager_reload(Manager *m, char **reterr_diagnostics) {
        _cleanup_strv_free_ char **names = NULL, **failures = NULL;
        int r, ret = 0;

        for (size_t i = 0; i < m->n_services; i++)
                if (strv_extend(&names, m->services[i]->name) < 0)
                        return -ENOMEM;

        STRV_FOREACH(n, names) {
                _cleanup_(plan_freep) Plan *plan = NULL;
                _cleanup_free_ char *text = NULL;
                Service *s = manager_get_service(m, *n);
                const char *unit;

                if (!s)
                        continue;
                unit = s->unit_path ?: s->name;
                r = manager_compile_unit_as(unit, s->started_by, &plan, &text);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* It keeps its old plan. */
                        log_warning("Reload: unit %s does not compile, keeping its old plan.", s->name);
                        log_text_lines(LOG_WARNING, s->name, text);
                        if (text && strv_consume(&failures, TAKE_PTR(text)) < 0)
                                return -ENOMEM;
                        ret = -EINVAL;
                        continue;
                }
                if (service_has_process(s)) {
                        r = pending_plan_set(m, s->name, TAKE_PTR(plan));
                        if (r < 0)
                                return r;
                        continue;
                }
                pending_plan_forget(m, s->name);
                plan_free(s->plan);
                s->plan = TAKE_PTR(plan);
                r = service_save_plan(s);
                if (r < 0)
                        log_warning_errno(r, "Failed to save the plan of %s, ignoring: %m", s->name);
        }

        if (ret < 0 && reterr_diagnostics) {
                _cleanup_free_ char *j = strv_join(failures, "");

                if (j && strlen(j) > MANAGER_DIAGNOSTICS_MAX) {
                        static const char more[] = "... (more diagnostics cut)\n";
                        char *nl;

                        j[MANAGER_DIAGNOSTICS_MAX - sizeof(more)] = 0;
                        nl = strrchr(j, '\n');
                        strcpy(nl ? nl + 1 : j, more);
                }
                *reterr_diagnostics = TAKE_PTR(j);
        }
        return ret;
}

/* ---- enabled units ---- */

static char *enabled_dir(Manager *m) {
        return path_join(m->config_dir, "enabled");
}

static char *enabled_link(Manager *m, const char *name) {
        _cleanup_free_ char *file = strjoin(name, ".unit");

        return file ? strjoin(m->config_dir, "/enabled/", file) : NULL;
}

bool manager_unit_is_enabled(Manager *m, const char *name) {
        _cleanup_free_ char *link = NULL;
        struct stat st;

        if (!unit_name_is_valid(name))
                return false;
        link = enabled_link(m, name);
        return link && lstat(link, &st) >= 0 && S_ISLNK(st.st_mode);
}

static int mkdir_safe(const char *path, mode_t mode) {
        struct stat st;

        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        /* Anything another user could write to lets them steer us. */
        if (st.st_uid != geteuid() || (st.st_mode & 0022))
                return -EPERM;
        return 0;
}

int manager_enable_unit(Manager *m, const char *name, const char *unit_path) {
        return manager_enable_unit_as(m, name, unit_path, 0);
}

int manager_enable_unit_as(Manager *m, const char *name, const char *unit_path, uid_t enabler) {
        _cleanup_free_ char *dir = NULL, *link = NULL;
        int r;

        if (!unit_name_is_valid(name) || !path_is_normalized_absolute(unit_path))
                return -EINVAL;
        dir = enabled_dir(m);
        link = enabled_link(m, name);
        if (!dir || !link)
                return -ENOMEM;

        r = mkdir_safe(m->config_dir, 0755);
        if (r < 0)
                return r;
        r = mkdir_safe(dir, 0755);
        if (r < 0)
                return r;

        /* The link's owner is who enabled it, kept where the link is. */
        return symlink_atomic_at(unit_path, AT_FDCWD, link, enabler);
}

int manager_disable_unit(Manager *m, const char *name) {
        _cleanup_free_ char *link = NULL;
        struct stat st;

        if (!unit_name_is_valid(name))
                return -EINVAL;
        link = enabled_link(m, name);
        if (!link)
                return -ENOMEM;
        if (lstat(link, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISLNK(st.st_mode))
                return -EPERM;
        if (unlink(link) < 0 && errno != ENOENT)
                return -errno;
        return 1;
}

bool manager_uid_is_admin(Manager *m, uid_t uid) {
        return uid == 0 || (m->admin_gid != (gid_t) -1 && bus_api_uid_in_group(uid, m->admin_gid));
}

/* docs/sandboxd-api.md: an enabled unit that does not compile is marked
 * failed with result "bad-unit" ("untrusted-files" when its files failed
 * the ownership checks, "enabler-not-admin" when whoever enabled it may no
 * longer start units), so that status shows why it is not up. */
static void service_mark_bad_unit(Manager *m, const char *name, const char *path, ServiceResult result) {
        struct timespec ts;
        Service *s;
        char *p;

        s = manager_get_service(m, name);
        if (!s && service_new(m, name, &s) < 0) {
                log_oom();
                return;
        }
        if (service_has_process(s))
                return;
        p = strdup(path);
        if (p) {
                free(s->unit_path);
                s->unit_path = p;
        }
        s->rt.state = SERVICE_FAILED;
        s->rt.result = result;
        if (clock_gettime(CLOCK_REALTIME, &ts) >= 0)
                s->state_change_realtime = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
        manager_service_changed(m, s);
}

typedef struct EnabledUnit {
        char *name;
        char *target;                   /* the unit file the link points to */
        uid_t uid;                      /* who enabled it: the link's owner */
        char *owner;                    /* Network=service:OWNER, or NULL */
} EnabledUnit;

static void enabled_units_free(EnabledUnit *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                free(e[i].target);
                free(e[i].owner);
        }
        free(e);
}

/* dir/file, a link: its unit's name, target and enabler into *ret; 0 with
 * ret->name NULL when it is to be ignored (logged). */
static int read_enabled_unit(int dir_fd, const char *dir, const char *file, EnabledUnit *ret) {
        _cleanup_free_ char *name = NULL, *target = NULL;
        char buf[PATH_MAX];
        struct stat st;
        ssize_t n;
        int r;

        *ret = (EnabledUnit) {};

        r = manager_parse_unit_arg(file, false, &name, NULL);
        if (r < 0 || !endswith(file, ".unit")) {
                log_warning("Ignoring %s/%s: not NAME.unit with a valid name.", dir, file);
                return 0;
        }
        if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_warning_errno(-errno, "Failed to stat %s/%s, ignoring: %m", dir, file);
        if (!S_ISLNK(st.st_mode)) {
                log_warning("Ignoring %s/%s: not a symlink to a unit file.", dir, file);
                return 0;
        }
        n = readlinkat(dir_fd, file, buf, sizeof(buf) - 1);
        if (n < 0)
                return log_warning_errno(-errno, "Failed to read the link %s/%s, ignoring: %m", dir, file);
        buf[n] = 0;
        if (buf[0] == '/')
                target = strdup(buf);
        else {
                /* Relative to the link's directory; ".." resolved through the
                 * real directories, the file name itself left alone. */
                _cleanup_free_ char *joined = strjoin(dir, "/", buf), *parent = NULL, *real = NULL;
                char *slash;

                if (!joined)
                        return log_oom();
                slash = strrchr(joined, '/');
                parent = strndup(joined, (size_t) (slash - joined));
                if (!parent)
                        return log_oom();
                real = realpath(parent, NULL);
                target = real ? strjoin(real, slash) : strdup(joined);
        }
        if (!target)
                return log_oom();
        path_simplify(target);
        /* It is logged, kept as the unit's path, written to the state file
         * and sent over D-Bus: a printable, UTF-8 absolute path or nothing. */
        if (!path_is_normalized_absolute(target) || !utf8_is_valid(target, strlen(target))) {
                log_warning("Ignoring %s/%s: its target is not a normalized absolute path in UTF-8.", dir, file);
                return 0;
        }
        if (!streq(path_basename(target), file)) {
                log_warning("Ignoring %s/%s: it points to %s, whose name differs.", dir, file, target);
                return 0;
        }
        *ret = (EnabledUnit) { .name = TAKE_PTR(name), .target = TAKE_PTR(target), .uid = st.st_uid };
        return 0;
}

static int defer_enabled_unit(Manager *m, const EnabledUnit *e) {
        EnabledUnit *a, c = { .uid = e->uid };

        c.name = strdup(e->name);
        c.target = strdup(e->target);
        c.owner = strdup(e->owner);
        a = reallocarray(m->deferred, m->n_deferred + 1, sizeof(EnabledUnit));
        if (!c.name || !c.target || !c.owner || !a) {
                if (a)
                        m->deferred = a;
                free(c.name);
                free(c.target);
                free(c.owner);
                return log_oom();
        }
        m->deferred = a;
        m->deferred[m->n_deferred++] = c;
        log_info("Starting enabled unit %s once %s, whose network it shares, has its images.", e->name, e->owner);
        return 0;
}

static int start_enabled_unit(Manager *m, const EnabledUnit *e);

void manager_start_deferred(Manager *m, const char *owner) {
        size_t i = 0;

        while (i < m->n_deferred) {
                EnabledUnit e = m->deferred[i];

                if (!streq(e.owner, owner)) {
                        i++;
                        continue;
                }
                /* Out of the list first: the start may defer it again. */
                memmove(m->deferred + i, m->deferred + i + 1, (m->n_deferred - i - 1) * sizeof(EnabledUnit));
                m->n_deferred--;
                (void) start_enabled_unit(m, &e);
                free(e.name);
                free(e.target);
                free(e.owner);
        }
}

static int start_enabled_unit(Manager *m, const EnabledUnit *e) {
        _cleanup_free_ char *message = NULL;
        const char *name = e->name, *target = e->target;
        bool bad = false;
        Service *s;
        int r;

        s = manager_get_service(m, name);
        if (s && (service_has_process(s) || s->rt.state == SERVICE_AUTO_RESTART))
                return 0;

        /* A joiner cannot start before its owner runs, and an owner whose
         * images a worker fetches starts only when the worker is done. */
        if (e->owner && manager_get_fetch_job(m, e->owner))
                return defer_enabled_unit(m, e);

        /* Enabled by someone who has since left the admin group (or whose
         * account is gone): they no longer decide what runs as root. */
        if (!manager_uid_is_admin(m, e->uid)) {
                log_error("Not starting enabled unit %s: it was enabled by uid %u, who is no longer root or in the admin group.",
                          name, (unsigned) e->uid);
                service_mark_bad_unit(m, name, target, SERVICE_RESULT_ENABLER_NOT_ADMIN);
                return 0;
        }

        log_info("Starting enabled unit %s (%s) for uid %u.", name, target, (unsigned) e->uid);
        r = manager_start_unit_fetching(m, name, target, e->uid, NULL);
        if (r == -ENOMEM)
                return log_oom();
        if (r > 0)
                return 0;
        if (r < 0)
                log_warning_errno(r, "Cannot fetch the images of %s in a worker, trying the start: %m", name);
        r = manager_start_unit_as(m, name, target, e->uid, NULL, &message, &bad);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 && bad) {
                log_error("Enabled unit %s does not compile.", name);
                log_text_lines(LOG_ERR, name, message);
                /* Our own wording for a failed ownership check (file-trust.c, policy.c). */
                service_mark_bad_unit(m, name, target,
                                      message && strstr(message, "; refusing.") ? SERVICE_RESULT_UNTRUSTED_FILES
                                                                                      : SERVICE_RESULT_BAD_UNIT);
        } else if (r < 0)
                log_error_errno(r, "Failed to start enabled unit %s: %s", name, message ?: strerror(-r));
        return 0;
}

static int manager_start_enabled(Manager *m) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_free_ char *dir = enabled_dir(m);
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ const char **names = NULL;
        EnabledUnit *units = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;

        if (!dir)
                return log_oom();
        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        }
        while ((errno = 0, de = readdir(d)))
                if (de->d_name[0] != '.' && strv_extend(&files, de->d_name) < 0)
                        return log_oom();
        strv_sort(files);

        units = calloc(strv_length(files) + 1, sizeof(EnabledUnit));
        if (!units)
                return log_oom();
        STRV_FOREACH(f, files) {
                r = read_enabled_unit(dirfd(d), dir, *f, &units[n]);
                if (r == -ENOMEM)
                        goto finish;
                if (units[n].name)
                        n++;
        }
        /* The owners of Network=service:NAME first: a joiner cannot start
         * before the service whose network it joins runs. */
        for (size_t i = 0; i < n; i++) {
                r = manager_pods_unit_owner(units[i].target, units[i].uid, &units[i].owner);
                if (r < 0)
                        goto finish;
        }
        names = calloc(2 * n + 1, sizeof(char *));
        if (!names) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                names[i] = units[i].name;
                names[n + i] = units[i].owner;
        }
        r = pod_start_order(names, names + n, n, &order);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n; i++)
                (void) start_enabled_unit(m, &units[order[i]]);
finish:
        enabled_units_free(units, n);
        return r == -ENOMEM ? log_oom() : 0;
}

/* ---- re-adoption ---- */

static int manager_adopt_all(Manager *m) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        int r;

        d = opendir(m->services_dir);
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", m->services_dir);
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!unit_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a valid service name.", m->services_dir, de->d_name);
                        continue;
                }
                if (strv_extend(&names, de->d_name) < 0)
                        return log_oom();
        }
        strv_sort(names);

        STRV_FOREACH(n, names) {
                Service *s = NULL;

                r = service_adopt(m, *n, &s);
                if (r == -ESTALE) {
                        log_info("Dropped %s/%s: it is from another boot.", m->services_dir, *n);
                        continue;
                }
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        log_error_errno(r, "Failed to re-adopt %s: %m", *n);
                        continue;
                }
                log_debug("Re-adopted %s: %s (pid %d).", s->name, strna(service_state_to_string(s->rt.state)),
                         (int) s->main_pid);
        }
        /* A joiner whose owner restarted while we were away. */
        if (manager_has_joiners(m))
                manager_schedule_deferred(m);
        return 0;
}

static int manager_setup_runtime_dir(Manager *m) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = mkdir_safe(m->runtime_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the runtime directory %s (a directory owned by root, "
                                       "not writable by others): %m", m->runtime_dir);
        if (chmod(m->runtime_dir, 0755) < 0)
                return log_error_errno(-errno, "Failed to chmod %s: %m", m->runtime_dir);
        r = mkdir_safe(m->services_dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to set up %s: %m", m->services_dir);
        if (chmod(m->services_dir, 0700) < 0)
                return log_error_errno(-errno, "Failed to chmod %s: %m", m->services_dir);

        r = manager_private_path(m, &path);
        if (r < 0)
                return log_error_errno(r, "Invalid runtime directory %s: %m", m->runtime_dir);
        if (manager_private_socket_in_use(path) > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EBUSY), "Another sandboxd listens on %s.", path);
        return 0;
}

int manager_startup(Manager *m, ManagerCgroupChoice cgroup, bool system_bus) {
        sd_id128_t boot;
        int r;

        r = manager_setup_runtime_dir(m);
        if (r < 0)
                return r;

        r = sd_id128_get_boot(&boot);
        if (r < 0)
                return log_error_errno(r, "Failed to read the boot id: %m");
        sd_id128_to_string(boot, m->boot_id);

        r = manager_setup_cgroup(m, cgroup);
        if (r < 0)
                return r;

        r = manager_adopt_all(m);
        if (r < 0)
                return r;
        r = manager_start_enabled(m);
        if (r < 0)
                return r;

        r = manager_listen_private(m);
        if (r < 0)
                return r;
        if (system_bus) {
                r = manager_connect_system_bus(m);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- lifetime ---- */

int manager_new(const char *runtime_dir, const char *config_dir, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->private_fd = -EBADF;
        m->reserve_fd = -EBADF;
        m->admin_gid = (gid_t) -1;
        m->last_status_running = (unsigned) -1;
        m->log_limits = (LogFileLimits) {
                .size_max = LOG_FILE_SIZE_MAX_DEFAULT,
                .files_max = LOG_FILE_FILES_MAX_DEFAULT,
        };

        runtime_dir = runtime_dir ?: getenv("SANDBOXD_RUNTIME_DIR");
        config_dir = config_dir ?: getenv("SANDBOXD_CONFIG_DIR");
        m->runtime_dir = strdup(!isempty(runtime_dir) ? runtime_dir : RUNTIME_DIR_DEFAULT);
        m->config_dir = strdup(!isempty(config_dir) ? config_dir : CONFIG_DIR_DEFAULT);
        if (!m->runtime_dir || !m->config_dir)
                return -ENOMEM;
        path_simplify(m->runtime_dir);
        path_simplify(m->config_dir);
        if (!path_is_normalized_absolute(m->runtime_dir) || !path_is_normalized_absolute(m->config_dir))
                return -EINVAL;
        m->services_dir = path_join(m->runtime_dir, "services");
        if (!m->services_dir)
                return -ENOMEM;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        Service **services;
        size_t n;

        if (!m)
                return NULL;

        /* Forget the services, kill nothing: the next sandboxd re-adopts them. */
        m->exiting = true;
        services = TAKE_PTR(m->services);
        n = m->n_services;
        m->n_services = 0;
        for (size_t i = 0; i < n; i++)
                service_free(services[i]);
        free(services);

        manager_free_fetch_jobs(m);
        enabled_units_free(m->deferred, m->n_deferred);
        manager_close_connections(m);
        sd_event_source_disable_unref(m->defer_source);
        sd_event_source_disable_unref(m->changes_source);
        manager_changes_clear(m);

        while (m->n_pending_plans > 0)
                pending_plan_drop(m, m->n_pending_plans - 1);
        free(m->pending_plans);

        sd_event_unref(m->event);
        free(m->runtime_dir);
        free(m->services_dir);
        free(m->config_dir);
        return mfree(m);
}
