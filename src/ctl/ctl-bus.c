/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "log.h"
#include "path-util.h"
#include "string-util.h"

#define ERROR_BAD_UNIT "org.sandboxd1.Error.BadUnit"
#define ERROR_INVALID_NAME "org.sandboxd1.Error.InvalidName"

static const char *runtime_dir(void) {
        const char *e = getenv("SANDBOXD_RUNTIME_DIR");

        return isempty(e) ? "/run/sandboxd" : e;
}

static bool is_disconnect(int r) {
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN;
}

static int log_not_running(void) {
        return log_error_errno(SYNTHETIC_ERRNO(ECONNREFUSED),
                               "sandboxd is not running: no %s/private and no " SANDBOXD_BUS_NAME " on the system bus "
                               "(start it: systemctl start sandboxd, or sandboxd &; "
                               "or use sandboxctl run for the foreground).",
                               runtime_dir());
}

/* A D-Bus address value: everything but [-0-9A-Za-z_/.\*] as %XX. */
static char *address_escape(const char *s) {
        char *buf, *p;

        buf = malloc(strlen(s) * 3 + 1);
        if (!buf)
                return NULL;
        p = buf;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    strchr("-_/.\\*", c))
                        *p++ = (char) c;
                else
                        p += sprintf(p, "%%%02x", c);
        }
        *p = 0;
        return buf;
}

static int open_private(const char *path, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *escaped = NULL, *address = NULL;
        int r;

        escaped = address_escape(path);
        if (!escaped)
                return -ENOMEM;
        address = strjoin("unix:path=", escaped);
        if (!address)
                return -ENOMEM;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;

        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;

        r = sd_bus_start(bus);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(bus);
        return 0;
}

static int open_system(sd_bus **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, has_owner;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;

        /* Ask the bus rather than let the first real call fail, so that
         * "not running" is told apart from a call that went wrong. */
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", &e, &reply, "s", SANDBOXD_BUS_NAME);
        if (r < 0)
                return r;

        r = sd_bus_message_read(reply, "b", &has_owner);
        if (r < 0)
                return r;
        if (!has_owner)
                return -ESRCH;

        *ret = TAKE_PTR(bus);
        return 0;
}

int ctl_bus_open_quiet(sd_bus **ret) {
        _cleanup_free_ char *path = NULL;
        bool denied = false;
        int r;

        path = path_join(runtime_dir(), "private");
        if (!path)
                return -ENOMEM;

        if (access(path, F_OK) >= 0) {
                r = open_private(path, ret);
                if (r >= 0 || r == -ENOMEM)
                        return r;
                /* EACCES: the socket is root's and the admin group's; others
                 * ask on the system bus. Else a socket left behind by a
                 * sandboxd that is gone; sandboxd may still be on the system bus. */
                denied = r == -EACCES || r == -EPERM;
                log_debug_errno(r, "Failed to connect to %s, trying the system bus: %m", path);
        }

        r = open_system(ret);
        if (r >= 0 || r == -ENOMEM)
                return r;
        log_debug_errno(r, "No " SANDBOXD_BUS_NAME " on the system bus: %m");
        return denied ? -EACCES : -ECONNREFUSED;
}

int ctl_bus_open(sd_bus **ret) {
        int r;

        r = ctl_bus_open_quiet(ret);
        if (r == -ENOMEM)
                return log_oom();
        if (r == -EACCES) {
                _cleanup_free_ char *path = path_join(runtime_dir(), "private");

                return log_error_errno(r,
                                       "Permission denied: %s is for root and sandboxd's admin group only, and "
                                       SANDBOXD_BUS_NAME " is not on the system bus, where anyone may query it.",
                                       strna(path));
        }
        if (r < 0)
                return log_not_running();
        return 0;
}

int ctl_bus_call(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_error *reterr,
                 sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        /* A peer-to-peer connection has no bus to route by name. */
        r = sd_bus_message_new_method_call(bus, &m, sd_bus_is_bus_client(bus) > 0 ? SANDBOXD_BUS_NAME : NULL,
                                           SANDBOXD_OBJECT_PATH, SANDBOXD_MANAGER_INTERFACE, method);
        if (r < 0)
                return r;

        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }

        return sd_bus_call(bus, m, timeout_usec, reterr, ret_reply);
}

int ctl_bus_get_unit_properties(sd_bus *bus, const char *name, sd_bus_error *reterr, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *m = NULL;
        const char *path;
        int r;

        r = ctl_bus_call(bus, "GetUnit", 0, reterr, &reply, "s", name);
        if (r < 0)
                return r;

        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_call(bus, &m, sd_bus_is_bus_client(bus) > 0 ? SANDBOXD_BUS_NAME : NULL, path,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        if (r < 0)
                return r;

        r = sd_bus_message_append(m, "s", SANDBOXD_UNIT_INTERFACE);
        if (r < 0)
                return r;

        return sd_bus_call(bus, m, 0, reterr, ret_reply);
}

int ctl_bus_log_error(const sd_bus_error *e, int r, bool for_status, const char *what) {
        const char *msg = e && !isempty(e->message) ? e->message : NULL;

        if (sd_bus_error_has_name(e, ERROR_BAD_UNIT)) {
                /* The diagnostics, as `sandboxctl check` prints them. */
                if (msg)
                        fprintf(stderr, "%s%s", msg, endswith(msg, "\n") ? "" : "\n");
                else
                        log_error("Failed to %s: the unit does not compile.", what);
                return CTL_EXIT_FAILURE;
        }
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                log_error("Permission denied: cannot %s without root or sandboxd's admin group.", what);
                return CTL_EXIT_NO_PERMISSION;
        }
        if (sd_bus_error_has_name(e, ERROR_NO_SUCH_UNIT)) {
                log_error("Failed to %s: %s", what, msg ?: "no such unit.");
                return for_status ? CTL_EXIT_STATUS_UNKNOWN : CTL_EXIT_NO_SUCH_UNIT;
        }
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_DISCONNECTED) ||
            (!sd_bus_error_is_set(e) && is_disconnect(r))) {
                (void) log_not_running();
                return CTL_EXIT_FAILURE;
        }
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT) || r == -ETIMEDOUT) {
                log_error("Failed to %s: sandboxd did not answer in time.", what);
                return CTL_EXIT_FAILURE;
        }
        /* LaunchFailed, InvalidName and anything else: the peer's sentence. */
        if (msg)
                log_error("Failed to %s: %s", what, msg);
        else
                log_error_errno(r, "Failed to %s: %m", what);
        return CTL_EXIT_FAILURE;
}

int ctl_unit_name_from_arg(const char *arg, char **ret) {
        const char *base = strchr(arg, '/') ? path_basename(arg) : arg;
        const char *suffix = endswith(base, ".unit");
        char *name;

        name = strndup(base, suffix ? (size_t) (suffix - base) : strlen(base));
        if (!name)
                return log_oom();
        if (!unit_name_is_valid(name)) {
                free(name);
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid unit name \"%s\": " UNIT_NAME_RULE ".", arg);
        }
        *ret = name;
        return 0;
}
