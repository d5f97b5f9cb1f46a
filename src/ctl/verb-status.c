/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl status and list: what sandboxd knows about its services, from
 * the org.sandboxd1.Unit properties and ListUnits, shown the way systemctl
 * shows units, or as JSON keyed by the property names. */

#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "ctl-bus.h"
#include "ctl-common.h"
#include "ctl-escape.h"
#include "ctl-format.h"
#include "log.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

typedef struct UnitStatus {
        char *name;
        char *description;
        char *unit_path;
        char *state;
        char *result;
        char *control_group;
        char *cgroup_driver;
        char *last_exit;
        char *last_start_error;
        char *job;
        char *user;
        char *userns_range;
        char **namespaces;
        char **listen;
        char *seccomp_kill;
        char **denial_strings;  /* name, action, name, action, ... */
        uint64_t *denial_counts;
        size_t n_denials;
        char **addresses;
        char *network;          /* "private", "service:db" */
        char **published;       /* "0.0.0.0:18780 -> 8080/tcp" */
        uint32_t main_pid;
        uint32_t n_restarts;
        uint32_t last_exit_left;
        uint64_t active_since_realtime;
        uint64_t state_change_realtime;
        uint64_t next_restart_realtime;
        uint64_t memory_current;
        uint64_t tasks_current;
        uint64_t cpu_usage_nsec;
        uint64_t memory_max;
        uint64_t tasks_max;
        int enabled;
} UnitStatus;

#define UNIT_STATUS_INIT                                                                                        \
        {                                                                                                      \
                .memory_current = UINT64_MAX, .tasks_current = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX,       \
                .memory_max = UINT64_MAX, .tasks_max = UINT64_MAX, .enabled = -1,                              \
        }

static void unit_status_done(UnitStatus *u) {
        free(u->name);
        free(u->description);
        free(u->unit_path);
        free(u->state);
        free(u->result);
        free(u->control_group);
        free(u->cgroup_driver);
        free(u->last_exit);
        free(u->last_start_error);
        free(u->job);
        free(u->user);
        free(u->userns_range);
        strv_free(u->namespaces);
        strv_free(u->listen);
        free(u->seccomp_kill);
        strv_free(u->denial_strings);
        free(u->denial_counts);
        strv_free(u->addresses);
        free(u->network);
        strv_free(u->published);
}

/* The properties we show, by D-Bus type; the others only go to --json. */
static const struct {
        const char *name;
        const char *type;
        size_t offset;
} unit_properties[] = {
        { "Name", "s", offsetof(UnitStatus, name) },
        { "Description", "s", offsetof(UnitStatus, description) },
        { "UnitPath", "s", offsetof(UnitStatus, unit_path) },
        { "State", "s", offsetof(UnitStatus, state) },
        { "Result", "s", offsetof(UnitStatus, result) },
        { "ControlGroup", "s", offsetof(UnitStatus, control_group) },
        { "CgroupDriver", "s", offsetof(UnitStatus, cgroup_driver) },
        { "LastExit", "s", offsetof(UnitStatus, last_exit) },
        { "LastStartError", "s", offsetof(UnitStatus, last_start_error) },
        { "Job", "s", offsetof(UnitStatus, job) },
        { "User", "s", offsetof(UnitStatus, user) },
        { "Namespaces", "as", offsetof(UnitStatus, namespaces) },
        { "UserNamespaceRange", "s", offsetof(UnitStatus, userns_range) },
        { "Listen", "as", offsetof(UnitStatus, listen) },
        { "SeccompKill", "s", offsetof(UnitStatus, seccomp_kill) },
        { "Addresses", "as", offsetof(UnitStatus, addresses) },
        { "Network", "s", offsetof(UnitStatus, network) },
        { "MainPID", "u", offsetof(UnitStatus, main_pid) },
        { "NRestarts", "u", offsetof(UnitStatus, n_restarts) },
        { "LastExitLeft", "u", offsetof(UnitStatus, last_exit_left) },
        { "ActiveSinceRealtime", "t", offsetof(UnitStatus, active_since_realtime) },
        { "StateChangeRealtime", "t", offsetof(UnitStatus, state_change_realtime) },
        { "NextRestartRealtime", "t", offsetof(UnitStatus, next_restart_realtime) },
        { "MemoryCurrent", "t", offsetof(UnitStatus, memory_current) },
        { "TasksCurrent", "t", offsetof(UnitStatus, tasks_current) },
        { "CPUUsageNSec", "t", offsetof(UnitStatus, cpu_usage_nsec) },
        { "MemoryMax", "t", offsetof(UnitStatus, memory_max) },
        { "TasksMax", "t", offsetof(UnitStatus, tasks_max) },
        { "Enabled", "b", offsetof(UnitStatus, enabled) },
};

/* Denials, a(sssttu): a list of objects keyed as the struct's fields. */
static int read_denials(sd_bus_message *m, UnitStatus *u, json_object **ret) {
        _cleanup_(json_object_putp) json_object *list = json_object_new_array();
        const char *name, *arch, *action;
        uint64_t count, last;
        uint32_t pid;
        int r;

        if (!list)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "(sssttu)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(sssttu)", &name, &arch, &action, &count, &last, &pid)) > 0) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                uint64_t *c;

                if (!o || json_object_object_add(o, "Name", json_object_new_string(name)) < 0 ||
                    json_object_object_add(o, "Arch", json_object_new_string(arch)) < 0 ||
                    json_object_object_add(o, "Action", json_object_new_string(action)) < 0 ||
                    json_object_object_add(o, "Count", json_object_new_uint64(count)) < 0 ||
                    json_object_object_add(o, "LastTime", json_object_new_uint64(last)) < 0 ||
                    json_object_object_add(o, "Pid", json_object_new_int64(pid)) < 0 ||
                    json_object_array_add(list, o) < 0)
                        return -ENOMEM;
                TAKE_PTR(o);
                c = reallocarray(u->denial_counts, u->n_denials + 1, sizeof(uint64_t));
                if (!c)
                        return -ENOMEM;
                u->denial_counts = c;
                if (strv_extend(&u->denial_strings, name) < 0 || strv_extend(&u->denial_strings, action) < 0)
                        return -ENOMEM;
                c[u->n_denials++] = count;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

/* One variant's value: into the struct when it is one of ours, and into
 * the JSON object (UINT64_MAX, "unknown" or "no limit", as null). */
static int json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* PublishedPorts a(sqqs): a list of objects for JSON, "HOST:PORT -> PORT/PROTO"
 * lines for the text. */
static int read_published_ports(sd_bus_message *m, UnitStatus *u, json_object **ret) {
        _cleanup_(json_object_putp) json_object *v = json_object_new_array();
        _cleanup_strv_free_ char **lines = NULL;
        const char *host, *proto;
        uint16_t host_port, container_port;
        int r;

        if (!v)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "(sqqs)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(sqqs)", &host, &host_port, &container_port, &proto)) > 0) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                _cleanup_free_ char *line = NULL;

                if (!o ||
                    json_add(o, "HostAddress", json_object_new_string(host)) < 0 ||
                    json_add(o, "HostPort", json_object_new_int64(host_port)) < 0 ||
                    json_add(o, "ContainerPort", json_object_new_int64(container_port)) < 0 ||
                    json_add(o, "Protocol", json_object_new_string(proto)) < 0 ||
                    json_object_array_add(v, o) < 0)
                        return -ENOMEM;
                TAKE_PTR(o);
                if (asprintf_safe(&line, strchr(host, ':') ? "[%s]:%u -> %u/%s" : "%s:%u -> %u/%s", host, host_port,
                                  container_port, proto) < 0 ||
                    strv_extend(&lines, line) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        strv_free(u->published);
        u->published = TAKE_PTR(lines);
        *ret = TAKE_PTR(v);
        return 0;
}

static int read_property(sd_bus_message *m, const char *key, const char *type, UnitStatus *u, json_object *obj) {
        _cleanup_(json_object_putp) json_object *v = NULL;
        void *field = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(unit_properties); i++)
                if (streq(unit_properties[i].name, key) && streq(unit_properties[i].type, type))
                        field = (uint8_t *) u + unit_properties[i].offset;

        if (streq(type, "s") || streq(type, "o")) {
                const char *s;

                r = sd_bus_message_read_basic(m, type[0], &s);
                if (r < 0)
                        return r;
                if (field) {
                        free(*(char **) field);
                        *(char **) field = strdup(s);
                        if (!*(char **) field)
                                return -ENOMEM;
                }
                v = json_object_new_string(s);
        } else if (streq(type, "b")) {
                int b;

                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r < 0)
                        return r;
                if (field)
                        *(int *) field = b;
                v = json_object_new_boolean(b);
        } else if (streq(type, "u")) {
                uint32_t x;

                r = sd_bus_message_read_basic(m, 'u', &x);
                if (r < 0)
                        return r;
                if (field)
                        *(uint32_t *) field = x;
                v = json_object_new_int64(x);
        } else if (streq(type, "t")) {
                uint64_t x;

                r = sd_bus_message_read_basic(m, 't', &x);
                if (r < 0)
                        return r;
                if (field)
                        *(uint64_t *) field = x;
                if (x == UINT64_MAX) {
                        json_object_object_add(obj, key, NULL);
                        return 0;
                }
                v = json_object_new_uint64(x);
        } else if (streq(type, "i") || streq(type, "x")) {
                int64_t x = 0;
                int32_t y;

                if (type[0] == 'i') {
                        r = sd_bus_message_read_basic(m, 'i', &y);
                        x = y;
                } else
                        r = sd_bus_message_read_basic(m, 'x', &x);
                if (r < 0)
                        return r;
                v = json_object_new_int64(x);
        } else if (streq(key, "PublishedPorts") && streq(type, "a(sqqs)")) {
                r = read_published_ports(m, u, &v);
                if (r < 0)
                        return r;
        } else if (streq(type, "as")) {
                _cleanup_strv_free_ char **l = NULL;

                r = sd_bus_message_read_strv(m, &l);
                if (r < 0)
                        return r;
                v = json_object_new_array();
                if (!v)
                        return -ENOMEM;
                STRV_FOREACH(s, l) {
                        json_object *e = json_object_new_string(*s);

                        if (!e || json_object_array_add(v, e) < 0) {
                                json_object_put(e);
                                return -ENOMEM;
                        }
                }
                if (field) {
                        strv_free(*(char ***) field);
                        *(char ***) field = TAKE_PTR(l);
                }
        } else if (streq(type, "a(sssttu)") && streq(key, "Denials")) {
                r = read_denials(m, u, &v);
                if (r < 0)
                        return r;
        } else
                /* A type a later sandboxd may add: not ours to guess. */
                return sd_bus_message_skip(m, type);

        if (!v)
                return -ENOMEM;
        if (json_object_object_add(obj, key, v) < 0)
                return -ENOMEM;
        TAKE_PTR(v);
        return 0;
}

static int read_properties(sd_bus_message *m, UnitStatus *u, json_object *obj) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *type;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &type);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'v', type);
                if (r < 0)
                        return r;
                r = read_property(m, key, type, u, obj);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static void print_field(const char *label, const char *format, ...) _printf_(2, 3);
static void print_field(const char *label, const char *format, ...) {
        va_list ap;

        printf("%11s: ", label);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
}

static void print_active(const UnitStatus *u, bool color) {
        char ts[CTL_FORMAT_MAX], ago[CTL_FORMAT_MAX];
        const char *state = strna(u->state), *on = "", *off = "";
        uint64_t since = u->state_change_realtime;
        _cleanup_free_ char *what = NULL;

        if (streq(state, "running")) {
                what = strdup("active (running)");
                if (u->active_since_realtime > 0)
                        since = u->active_since_realtime;
                if (color)
                        on = ANSI_GREEN, off = ANSI_NORMAL;
        } else if (streq(state, "starting"))
                what = strdup("activating (start)");
        else if (streq(state, "stopping"))
                what = strdup("deactivating (stop)");
        else if (streq(state, "auto-restart"))
                (void) asprintf_safe(&what, "activating (auto-restart) (Result: %s)", strna(u->result));
        else if (streq(state, "failed")) {
                (void) asprintf_safe(&what, "failed (Result: %s)", strna(u->result));
                if (color)
                        on = ANSI_RED, off = ANSI_NORMAL;
        } else if (streq(state, "inactive"))
                what = strdup("inactive (dead)");

        if (since > 0)
                print_field("Active", "%s%s%s since %s; %s", on, what ?: state, off, ctl_format_timestamp(ts, since),
                            ctl_format_ago(ago, since));
        else
                print_field("Active", "%s%s%s", on, what ?: state, off);
}

static uint64_t now_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* "killed 15" -> "SIGTERM" */
static const char *last_exit_signal(const char *last_exit) {
        const char *n = startswith(last_exit, "killed ") ?: startswith(last_exit, "dumped ");
        unsigned sig;

        if (!n || safe_atou(n, &sig) < 0 || sig > INT32_MAX)
                return NULL;
        return signal_to_name((int) sig);
}

static void print_status(const UnitStatus *u, const char *name) {
        bool color = ctl_use_color();
        const char *dot_on = "", *dot_off = "";
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX];

        if (color && u->state && streq(u->state, "running"))
                dot_on = ANSI_GREEN, dot_off = ANSI_NORMAL;
        else if (color && u->state && streq(u->state, "failed"))
                dot_on = ANSI_RED, dot_off = ANSI_NORMAL;

        printf("%s●%s %s", dot_on, dot_off, u->name ?: name);
        if (!isempty(u->description))
                printf(" - %s", u->description);
        putchar('\n');

        if (u->enabled >= 0)
                print_field("Loaded", "loaded (%s; %s)", strna(u->unit_path), u->enabled ? "enabled" : "disabled");
        else
                print_field("Loaded", "loaded (%s)", strna(u->unit_path));
        print_active(u, color);
        if (!isempty(u->job) && streq(u->job, "fetching-images"))
                print_field("Job", "start: pulling or importing its images");
        else if (!isempty(u->job))
                print_field("Job", "%s", u->job);

        if (u->main_pid > 0)
                print_field("Main PID", "%" PRIu32, u->main_pid);
        if (u->tasks_current != UINT64_MAX) {
                if (u->tasks_max != UINT64_MAX)
                        print_field("Tasks", "%" PRIu64 " (limit: %" PRIu64 ")", u->tasks_current, u->tasks_max);
                else
                        print_field("Tasks", "%" PRIu64, u->tasks_current);
        }
        if (u->memory_current != UINT64_MAX) {
                if (u->memory_max != UINT64_MAX)
                        print_field("Memory", "%s (max: %s)", ctl_format_bytes(a, u->memory_current),
                                    ctl_format_bytes(b, u->memory_max));
                else
                        print_field("Memory", "%s", ctl_format_bytes(a, u->memory_current));
        }
        if (u->cpu_usage_nsec != UINT64_MAX)
                print_field("CPU", "%s", ctl_format_timespan(a, u->cpu_usage_nsec / NSEC_PER_USEC));
        if (!isempty(u->control_group)) {
                if (!isempty(u->cgroup_driver))
                        print_field("CGroup", "%s (%s)", u->control_group, u->cgroup_driver);
                else
                        print_field("CGroup", "%s", u->control_group);
        }
        if (strv_length(u->namespaces) > 0 || !isempty(u->user)) {
                _cleanup_free_ char *ns = strv_join(u->namespaces, " ");

                print_field("Sandbox", "%s%s%s%s%s", ns && *ns ? "namespaces " : "", strempty(ns),
                            ns && *ns && !isempty(u->user) ? "; " : "", isempty(u->user) ? "" : "user ",
                            strempty(u->user));
        }
        if (!isempty(u->userns_range))
                print_field("Host IDs", "%s (ids 0 and up inside)", u->userns_range);
        STRV_FOREACH(l, u->listen)
                print_field(l == u->listen ? "Listen" : "", "%s", *l);
        /* The default (none) says nothing new. */
        if (!isempty(u->network) && !streq(u->network, "none"))
                print_field("Network", "%s", u->network);
        STRV_FOREACH(l, u->addresses)
                print_field(l == u->addresses ? "Address" : "", "%s", *l);
        STRV_FOREACH(l, u->published)
                print_field(l == u->published ? "Published" : "", "%s", *l);
        if (u->next_restart_realtime > 0) {
                uint64_t now = now_realtime();

                print_field("Restarts", "%" PRIu32 " (next in %s)", u->n_restarts,
                            ctl_format_timespan(a, u->next_restart_realtime > now ? u->next_restart_realtime - now : 0));
        } else
                print_field("Restarts", "%" PRIu32, u->n_restarts);
        if (!isempty(u->last_exit) && !isempty(u->seccomp_kill) && startswith(u->last_exit, "killed "))
                /* sandboxd's SIGKILL for the filter's kill action */
                print_field("Last exit", "killed by seccomp: %s", u->seccomp_kill);
        else if (!isempty(u->last_exit)) {
                const char *sig = last_exit_signal(u->last_exit);

                print_field("Last exit", "%s%s%s%s", u->last_exit, sig ? " (" : "", strempty(sig), sig ? ")" : "");
        }
        /* Only after a clean exit: a crash that leaves processes behind
         * has another story. */
        if (u->last_exit_left > 0 && u->last_exit && streq(u->last_exit, "exited 0"))
                print_field("Hint", "main process exited and left %" PRIu32 " process%s, which were stopped: "
                            "does it daemonise? run it in the foreground", u->last_exit_left,
                            u->last_exit_left == 1 ? "" : "es");
        if (!isempty(u->last_start_error))
                print_field("Start error", "%s", u->last_start_error);
        if (u->n_denials > 0) {
                _cleanup_free_ CtlDenial *d = calloc(u->n_denials, sizeof(CtlDenial));
                _cleanup_free_ char *line = NULL;

                for (size_t i = 0; d && i < u->n_denials; i++)
                        d[i] = (CtlDenial) { u->denial_strings[2 * i], u->denial_strings[2 * i + 1], u->denial_counts[i] };
                line = d ? ctl_format_denials(d, u->n_denials, 8) : NULL;
                if (line)
                        print_field("Denied", "%s", line);
        }
}

static void help_status(void) {
        printf("sandboxctl status [OPTIONS] NAME...\n\n"
               "Show the state of services as sandboxd sees them: state and since when,\n"
               "main PID, tasks, memory, CPU time, cgroup, restarts, and the last lines\n"
               "of their logs.\n\n"
               "Exit status: 0 when every service is running, 3 when one is not, 4 when\n"
               "sandboxd does not know one.\n\n"
               "     --json         Print one JSON object per service, keyed by the\n"
               "                    org.sandboxd1.Unit property names\n"
               "  -n --lines=N      Show the last N log lines (default 10, 0: none)\n"
               "     --raw          Write the log lines as they are, control characters\n"
               "                    and escape sequences included, also to a terminal\n"
               "  -h --help         Show this help\n");
}

/* Worst first: a failure, then an unknown unit, then a stopped one. */
static int worse_exit(int a, int b) {
        static const int order[] = { CTL_EXIT_FAILURE, CTL_EXIT_STATUS_UNKNOWN, CTL_EXIT_NOT_RUNNING, 0 };

        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (a == order[i] || b == order[i])
                        return order[i];
        return a ?: b;
}

static int status_one(sd_bus *bus, const char *arg, bool json, uint64_t n_lines, bool first) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(unit_status_done) UnitStatus u = UNIT_STATUS_INIT;
        _cleanup_(json_object_putp) json_object *obj = NULL;
        _cleanup_free_ char *name = NULL, *what = NULL;
        int r;

        r = ctl_unit_name_from_arg(arg, &name);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        r = ctl_bus_get_unit_properties(bus, name, &e, &reply);
        if (r < 0) {
                if (asprintf_safe(&what, "get the status of %s", name) < 0)
                        return log_oom();
                return ctl_bus_log_error(&e, r, true, what);
        }

        obj = json_object_new_object();
        if (!obj)
                return log_oom();
        r = read_properties(reply, &u, obj);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_error_errno(r, "Failed to parse the properties of %s: %m", name);
                return CTL_EXIT_FAILURE;
        }

        if (json)
                puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        else {
                if (!first)
                        putchar('\n');
                print_status(&u, name);
                if (n_lines > 0) {
                        CtlLogs o = { .n_lines = n_lines, .quiet = true, .before = "\n" };

                        fflush(stdout);
                        /* Logs are a bonus here: the state above is the answer. */
                        (void) ctl_show_logs(name, &o);
                }
        }
        return u.state && streq(u.state, "running") ? 0 : CTL_EXIT_NOT_RUNNING;
}

int verb_status(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_RAW };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                { "lines", required_argument, NULL, 'n' },
                { "raw", no_argument, NULL, ARG_RAW },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t n_lines = 10;
        bool json = false;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hn:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_status();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                case 'n':
                        if (ctl_parse_lines(optarg, &n_lines) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid number of lines: %s", optarg);
                        break;
                case ARG_RAW:
                        ctl_escape_set_raw(true);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "status: expected at least one unit name (see sandboxctl status --help).");

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        for (int i = optind; i < argc; i++) {
                r = status_one(bus, argv[i], json, n_lines, i == optind);
                if (r < 0)
                        r = CTL_EXIT_FAILURE;
                ret = worse_exit(ret, r);
                fflush(stdout);
        }
        return ret;
}

/* ---- list ---- */

enum { COL_UNIT, COL_STATE, COL_RESULT, COL_PID, COL_RESTARTS, COL_MEMORY, COL_ADDRESS, COL_SINCE, COL_DESCRIPTION, _COL_MAX };

typedef struct ListRow {
        char *cols[_COL_MAX];
} ListRow;

static void list_rows_free(ListRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < _COL_MAX; c++)
                        free(rows[i].cols[c]);
        free(rows);
}

static char *format_since(uint64_t usec) {
        char buf[CTL_FORMAT_MAX];
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
                return strdup("-");
        return strdup(buf);
}

static void print_table(ListRow *rows, size_t n, bool legend) {
        static const char *const headers[_COL_MAX] = {
                "UNIT", "STATE", "RESULT", "PID", "RESTARTS", "MEMORY", "ADDRESS", "SINCE", "DESCRIPTION",
        };
        size_t width[_COL_MAX];
        bool color = ctl_use_color();

        for (size_t c = 0; c < _COL_MAX; c++) {
                width[c] = legend ? strlen(headers[c]) : 0;
                for (size_t i = 0; i < n; i++)
                        width[c] = MAX(width[c], strlen(rows[i].cols[c]));
        }

        if (legend)
                for (size_t c = 0; c < _COL_MAX; c++) {
                        if (c == COL_PID || c == COL_RESTARTS || c == COL_MEMORY)
                                printf("%*s ", (int) width[c], headers[c]);
                        else if (c + 1 < _COL_MAX)
                                printf("%-*s ", (int) width[c], headers[c]);
                        else
                                printf("%s\n", headers[c]);
                }
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < _COL_MAX; c++) {
                        const char *s = rows[i].cols[c], *on = "", *off = "";
                        bool numeric = c == COL_PID || c == COL_RESTARTS || c == COL_MEMORY;

                        if (color && c == COL_STATE && streq(s, "running"))
                                on = ANSI_GREEN, off = ANSI_NORMAL;
                        else if (color && c == COL_STATE && streq(s, "failed"))
                                on = ANSI_RED, off = ANSI_NORMAL;

                        if (c + 1 == _COL_MAX)
                                printf("%s\n", s);
                        else if (numeric)
                                printf("%*s ", (int) width[c], s);
                        else
                                printf("%s%s%s%*s ", on, s, off, (int) (width[c] - strlen(s)), "");
                }
        if (legend)
                printf("\n%zu unit%s listed.\n", n, n == 1 ? "" : "s");
}

static void help_list(void) {
        printf("sandboxctl list [OPTIONS]\n\n"
               "List the services sandboxd knows: running, starting, stopping, waiting\n"
               "to restart, failed, or stopped since sandboxd started.\n\n"
               "     --json         Print a JSON array of objects keyed by the\n"
               "                    org.sandboxd1.Unit property names\n"
               "     --no-legend    Leave out the header and the footer\n"
               "  -h --help         Show this help\n");
}

/* Not in ListUnits (its signature is API): the unit's Addresses property.
 * Empty, not an error, when the unit went away meanwhile. */
static int unit_addresses(sd_bus *bus, const char *name, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = ctl_bus_call(bus, "GetUnit", 0, &e, &reply, "s", name);
        if (r < 0) {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property_strv(bus, sd_bus_is_bus_client(bus) > 0 ? SANDBOXD_BUS_NAME : NULL, path,
                                     SANDBOXD_UNIT_INTERFACE, "Addresses", &e, ret);
        if (r < 0 && r != -ENOMEM) {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

static int list_add_json(json_object *array, const char *name, const char *description, const char *state,
                         const char *result, uint32_t pid, uint32_t restarts, uint64_t since, uint64_t memory,
                         char **addresses) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!o || !a)
                return -ENOMEM;
        STRV_FOREACH(s, addresses) {
                json_object *e = json_object_new_string(*s);

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        if (json_object_object_add(o, "Name", json_object_new_string(name)) < 0 ||
            json_object_object_add(o, "Description", json_object_new_string(description)) < 0 ||
            json_object_object_add(o, "State", json_object_new_string(state)) < 0 ||
            json_object_object_add(o, "Result", json_object_new_string(result)) < 0 ||
            json_object_object_add(o, "MainPID", json_object_new_int64(pid)) < 0 ||
            json_object_object_add(o, "NRestarts", json_object_new_int64(restarts)) < 0 ||
            json_object_object_add(o, "ActiveSinceRealtime", json_object_new_uint64(since)) < 0 ||
            json_object_object_add(o, "MemoryCurrent", memory == UINT64_MAX ? NULL : json_object_new_uint64(memory)) < 0 ||
            json_object_object_add(o, "Addresses", a) < 0)
                return -ENOMEM;
        TAKE_PTR(a);
        if (json_object_array_add(array, o) < 0)
                return -ENOMEM;
        TAKE_PTR(o);
        return 0;
}

int verb_list(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_NO_LEGEND };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                {}
        };
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(json_object_putp) json_object *array = NULL;
        const char *name, *description, *state, *result;
        uint32_t pid, restarts;
        uint64_t since, memory;
        ListRow *rows = NULL;
        size_t n = 0;
        bool json = false, legend = true;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help_list();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_NO_LEGEND:
                        legend = false;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "list takes no arguments.");

        r = ctl_bus_open(&bus);
        if (r < 0)
                return CTL_EXIT_FAILURE;

        r = ctl_bus_call(bus, "ListUnits", 0, &e, &reply, NULL);
        if (r < 0)
                return ctl_bus_log_error(&e, r, false, "list units");

        if (json && !(array = json_object_new_array()))
                return log_oom();

        r = sd_bus_message_enter_container(reply, 'a', "(ssssuutt)");
        if (r < 0)
                goto parse_error;
        while ((r = sd_bus_message_read(reply, "(ssssuutt)", &name, &description, &state, &result, &pid, &restarts,
                                        &since, &memory)) > 0) {
                _cleanup_strv_free_ char **addresses = NULL;
                char buf[CTL_FORMAT_MAX];
                ListRow *nr, *row;

                if (unit_addresses(bus, name, &addresses) < 0)
                        goto oom;
                if (json) {
                        if (list_add_json(array, name, description, state, result, pid, restarts, since, memory,
                                          addresses) < 0)
                                goto oom;
                        continue;
                }

                nr = realloc(rows, (n + 1) * sizeof(ListRow));
                if (!nr)
                        goto oom;
                rows = nr;
                row = &rows[n++];
                *row = (ListRow) {};
                row->cols[COL_UNIT] = strdup(name);
                row->cols[COL_STATE] = strdup(state);
                row->cols[COL_RESULT] = strdup(result);
                if (pid > 0)
                        (void) asprintf_safe(&row->cols[COL_PID], "%" PRIu32, pid);
                else
                        row->cols[COL_PID] = strdup("-");
                (void) asprintf_safe(&row->cols[COL_RESTARTS], "%" PRIu32, restarts);
                row->cols[COL_MEMORY] = strdup(memory == UINT64_MAX ? "-" : ctl_format_bytes(buf, memory));
                row->cols[COL_ADDRESS] = strdup(addresses && addresses[0] ? addresses[0] : "-");
                row->cols[COL_SINCE] = format_since(since);
                row->cols[COL_DESCRIPTION] = strdup(description);
                for (size_t k = 0; k < _COL_MAX; k++)
                        if (!row->cols[k])
                                goto oom;
        }
        if (r < 0)
                goto parse_error;

        if (json)
                puts(json_object_to_json_string_ext(array, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        else
                print_table(rows, n, legend);
        list_rows_free(rows, n);
        return 0;

oom:
        list_rows_free(rows, n);
        return log_oom();
parse_error:
        list_rows_free(rows, n);
        log_error_errno(r, "Failed to parse sandboxd's list of units: %m");
        return CTL_EXIT_FAILURE;
}
