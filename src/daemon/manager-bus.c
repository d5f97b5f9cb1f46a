/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd's connections: the private socket ($RUNTIME_DIR/private, 0600,
 * or 0660 with the admin group; one peer-to-peer D-Bus connection per
 * client), the system bus (the name org.sandboxd1), and the systemd cgroup
 * driver's own bus connection. The objects served on them are bus-api.c's.
 *
 * The private socket is the administrators' way in: root and the admin
 * group. Everyone else asks through dbus-daemon, which bounds what one
 * client may queue, send or hold open; sd-bus here bounds none of that. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "bus-api.h"
#include "dlopen-systemd.h"
#include "log.h"
#include "manager.h"
#include "path-util.h"
#include "string-util.h"

#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

/* ---- the private socket ---- */

int manager_private_path(Manager *m, char **ret) {
        char *p = path_join(m->runtime_dir, "private");

        if (!p)
                return -ENOMEM;
        if (strlen(p) >= sizeof(((struct sockaddr_un *) NULL)->sun_path)) {
                free(p);
                return -ENAMETOOLONG;
        }
        *ret = p;
        return 0;
}

static int sockaddr_for(const char *path, struct sockaddr_un *ret) {
        *ret = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(ret->sun_path, path, strlen(path) + 1);
        return 0;
}

/* Another sandboxd on this runtime directory would adopt the same services. */
int manager_private_socket_in_use(const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        sockaddr_for(path, &sa);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) >= 0)
                return 1;
        /* A full backlog means a listener, too. */
        return errno == EAGAIN ? 1 : 0;
}

void manager_drop_private_connection(Manager *m, sd_bus *bus) {
        for (size_t i = 0; i < m->n_private_conns; i++)
                if (m->private_conns[i] == bus) {
                        memmove(m->private_conns + i, m->private_conns + i + 1,
                                (m->n_private_conns - i - 1) * sizeof(sd_bus *));
                        m->n_private_conns--;
                        (void) sd_bus_detach_event(bus);
                        sd_bus_close_unref(bus);
                        return;
                }
}

static int on_private_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_debug("A private connection went away.");
        manager_drop_private_connection(m, sd_bus_message_get_bus(message));
        return 0;
}

static uid_t peer_uid(int fd) {
        struct ucred uc;
        socklen_t l = sizeof(uc);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0)
                return (uid_t) -1;
        return uc.uid;
}

static size_t private_conns_of(Manager *m, uid_t uid) {
        size_t n = 0;

        for (size_t i = 0; i < m->n_private_conns; i++) {
                int fd = sd_bus_get_fd(m->private_conns[i]);

                if (fd >= 0 && peer_uid(fd) == uid)
                        n++;
        }
        return n;
}

/* Refusals are the one thing any local user can make us log: say it once
 * in a while, not once per connection. */
static bool refusal_log_ok_at(uint64_t *last_sec) {
        uint64_t last = *last_sec;
        struct timespec ts;
        uint64_t now;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return true;
        now = (uint64_t) ts.tv_sec;
        if (last != 0 && now < last + 10)
                return false;
        *last_sec = now;
        return true;
}

static bool refusal_log_ok(void) {
        static uint64_t last = 0;

        return refusal_log_ok_at(&last);
}

/* Every call gets a reply: a client that sends calls and reads none of the
 * replies would make us queue them without end (the socket is open to every
 * local user). Checked before each incoming message is dispatched; the
 * signals are checked where they are sent (bus-api.c). */
static int on_private_message(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        sd_bus *bus = sd_bus_message_get_bus(message);
        Manager *m = userdata;
        uint64_t queued = 0;

        if (sd_bus_get_n_queued_write(bus, &queued) < 0 || queued <= MANAGER_PRIVATE_WQUEUE_MAX)
                return 0;
        if (refusal_log_ok())
                log_warning("Dropping a private connection that reads none of its replies (%" PRIu64 " queued).",
                            queued);
        /* sd_bus_process() holds a reference for the rest of this dispatch. */
        manager_drop_private_connection(m, bus);
        return 1;
}

/* Takes fd, also on failure.
 *
 * sd-bus reads each incoming message whole before anything sees it, up to
 * its compiled-in 128 MiB (BUS_MESSAGE_SIZE_MAX), and has no call to lower
 * that: one client holding a message half-sent keeps that much of our
 * memory (measured: 100 MiB for one 100 MiB call from uid 65534). The
 * connection limits times that is our bound here; sandboxd.service's
 * MemoryMax= is the host's. */
static int private_connection_new(Manager *m, int fd, sd_bus **ret) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        _cleanup_close_ int nfd = fd;
        sd_id128_t id;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_fd(bus, nfd, nfd);
        if (r < 0)
                return r;
        TAKE_FD(nfd);
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        r = sd_bus_set_server(bus, 1, id);
        if (r < 0)
                return r;
        /* No method takes an fd; a peer that could send them (SCM_RIGHTS,
         * up to 253 per message, held until the message is whole) would pin
         * our fd table with a few calls it never finishes. */
        r = sd_bus_negotiate_fds(bus, false);
        if (r < 0)
                return r;
        /* Who the peer is comes from SO_PEERCRED, not from the handshake. */
        r = sd_bus_set_anonymous(bus, 1);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, "private-connection");
        r = sd_bus_add_filter(bus, NULL, on_private_message, m);
        if (r < 0)
                return r;
        r = bus_api_attach_private(m, bus);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_private_disconnected, m);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int on_private_resume(sd_event_source *es, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        m->private_resume = sd_event_source_disable_unref(m->private_resume);
        if (m->reserve_fd < 0)
                m->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        r = sd_event_source_set_enabled(m->private_source, SD_EVENT_ON);
        if (r < 0)
                log_error_errno(r, "Failed to listen on the private socket again: %m");
        return 0;
}

/* Out of fds: the listening socket stays readable, and the level-triggered
 * source would call us again at once, for ever. Refuse one waiting peer
 * with the reserve fd (it sees a hang-up, not a hang), stop listening, and
 * listen again later; logged once per pause. */
static void private_pause(Manager *m, int error) {
        static uint64_t last_log = 0;
        int r;

        if (m->reserve_fd >= 0) {
                m->reserve_fd = safe_close(m->reserve_fd);
                safe_close(accept4(m->private_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
        }
        m->n_private_pauses++;
        if (refusal_log_ok_at(&last_log)) {
                log_warning_errno(error, "Out of file descriptors: private connections are accepted again %u ms "
                                  "after each failure (%u pauses so far): %m",
                                  MANAGER_PRIVATE_PAUSE_USEC / 1000U, m->n_private_pauses);
        }
        r = sd_event_source_set_enabled(m->private_source, SD_EVENT_OFF);
        if (r < 0) {
                log_error_errno(r, "Failed to stop listening on the private socket: %m");
                return;
        }
        if (m->private_resume)
                return;
        r = sd_event_add_time_relative(m->event, &m->private_resume, CLOCK_MONOTONIC, MANAGER_PRIVATE_PAUSE_USEC,
                                       10 * USEC_PER_MSEC, on_private_resume, m);
        if (r < 0) {
                /* Without the timer, listen on: a loop beats a deaf daemon. */
                log_error_errno(r, "Failed to arm the timer of the private socket: %m");
                (void) sd_event_source_set_enabled(m->private_source, SD_EVENT_ON);
        }
}

/* Root never waits for a slot another uid holds: other uids share all but
 * MANAGER_PRIVATE_CONNECTIONS_ROOT_RESERVED slots, at most
 * MANAGER_PRIVATE_CONNECTIONS_PER_UID_MAX each. */
static const char *private_refusal(Manager *m, uid_t uid) {
        if (uid == 0)
                return m->n_private_conns >= MANAGER_PRIVATE_CONNECTIONS_MAX ? "too many private connections" : NULL;
        if (m->n_private_conns >= MANAGER_PRIVATE_CONNECTIONS_MAX - MANAGER_PRIVATE_CONNECTIONS_ROOT_RESERVED)
                return "too many private connections (the rest are root's)";
        if (private_conns_of(m, uid) >= MANAGER_PRIVATE_CONNECTIONS_PER_UID_MAX)
                return "too many private connections of this uid";
        return NULL;
}

static int on_private_connection(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        _cleanup_close_ int nfd = -EBADF;
        Manager *m = userdata;
        sd_bus *bus = NULL;
        const char *why;
        sd_bus **n;
        uid_t uid;
        int r;

        nfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (nfd < 0) {
                if (errno == EMFILE || errno == ENFILE)
                        private_pause(m, -errno);
                else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning_errno(-errno, "Failed to accept a private connection: %m");
                return 0;
        }
        uid = peer_uid(nfd);
        why = private_refusal(m, uid);
        if (why) {
                if (refusal_log_ok())
                        log_warning("Refusing a private connection of uid %u: %s (%zu open).", (unsigned) uid, why,
                                    m->n_private_conns);
                return 0;
        }

        n = reallocarray(m->private_conns, m->n_private_conns + 1, sizeof(sd_bus *));
        if (!n) {
                log_oom();
                return 0;
        }
        m->private_conns = n;

        r = private_connection_new(m, TAKE_FD(nfd), &bus);
        if (r < 0) {
                /* A peer that hung up at once (another sandboxd checking
                 * whether we are there) is not worth a warning. */
                log_full_errno(r == -ECONNRESET || r == -EPIPE || r == -ENOTCONN ? LOG_DEBUG : LOG_WARNING, r,
                               "Failed to set up a private connection: %m");
                return 0;
        }
        m->private_conns[m->n_private_conns++] = bus;
        log_debug("New private connection of uid %u (%zu open).", (unsigned) uid, m->n_private_conns);
        return 0;
}

int manager_listen_private(Manager *m) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa;
        mode_t old_umask;
        int r;

        r = manager_private_path(m, &path);
        if (r < 0)
                return log_error_errno(r, "Invalid runtime directory %s: %m", m->runtime_dir);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to create the private socket: %m");
        sockaddr_for(path, &sa);
        (void) unlink(path);
        /* Root and the admin group only: everyone else goes through
         * dbus-daemon, which bounds what a client may hold of ours. The
         * umask makes it 0600 from the start, so that nobody else can
         * connect between bind() and chmod(). */
        old_umask = umask(0177);
        r = RET_NERRNO(bind(fd, (struct sockaddr *) &sa, sizeof(sa)));
        (void) umask(old_umask);
        if (r < 0)
                return log_error_errno(r, "Failed to bind %s: %m", path);
        if (m->admin_gid != (gid_t) -1) {
                if (lchown(path, 0, m->admin_gid) < 0)
                        return log_error_errno(-errno, "Failed to give %s to group %u: %m", path,
                                               (unsigned) m->admin_gid);
                if (chmod(path, 0660) < 0)
                        return log_error_errno(-errno, "Failed to chmod %s: %m", path);
        }
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(-errno, "Failed to listen on %s: %m", path);

        r = sd_event_add_io(m->event, &m->private_source, fd, EPOLLIN, on_private_connection, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the private socket: %m");
        (void) sd_event_source_set_description(m->private_source, "private-socket");
        m->private_fd = TAKE_FD(fd);
        /* Failing this only means the first connection at EMFILE hangs
         * until the pause is over instead of being refused. */
        m->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        log_debug("Listening on %s.", path);
        return 0;
}

/* ---- the system bus ---- */

static bool system_bus_exists(void) {
        const char *e = getenv("DBUS_SYSTEM_BUS_ADDRESS");

        return !isempty(e) || access(SYSTEM_BUS_SOCKET, F_OK) >= 0;
}

static int on_api_bus_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* What could not be done, for the caller's log line. */
typedef enum ApiBusStep {
        API_BUS_CONNECT,
        API_BUS_SETUP,
        API_BUS_NAME,
} ApiBusStep;

/* Connect, serve the objects, take org.sandboxd1. Logs nothing. */
static int api_bus_open(Manager *m, sd_bus **ret, ApiBusStep *reterr_step) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        int r;

        *reterr_step = API_BUS_CONNECT;
        r = sd_bus_open_system_with_description(&bus, "api-bus");
        if (r < 0)
                return r;
        *reterr_step = API_BUS_SETUP;
        r = bus_api_attach(m, bus);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_api_bus_disconnected, m);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *reterr_step = API_BUS_NAME;
        r = sd_bus_request_name(bus, "org.sandboxd1", 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

/* After a lost connection: again after 1 s, then twice as long each time,
 * up to a minute. */
#define API_BUS_RETRY_MIN_USEC (1 * USEC_PER_SEC)
#define API_BUS_RETRY_MAX_USEC (60 * USEC_PER_SEC)

static int on_api_bus_retry(sd_event_source *es, uint64_t usec, void *userdata);

static void api_bus_schedule_retry(Manager *m) {
        int r;

        m->api_bus_retry_usec = m->api_bus_retry_usec == 0 ? API_BUS_RETRY_MIN_USEC
                                                          : MIN(m->api_bus_retry_usec * 2, API_BUS_RETRY_MAX_USEC);
        m->api_bus_retry = sd_event_source_disable_unref(m->api_bus_retry);
        r = sd_event_add_time_relative(m->event, &m->api_bus_retry, CLOCK_MONOTONIC, m->api_bus_retry_usec,
                                       USEC_PER_SEC / 10, on_api_bus_retry, m);
        if (r < 0)
                log_error_errno(r, "Failed to arm the system bus reconnection timer; the API stays on the "
                                "private socket until sandboxd restarts: %m");
}

static int on_api_bus_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        Manager *m = userdata;
        ApiBusStep step;
        int r;

        m->api_bus_retry = sd_event_source_disable_unref(m->api_bus_retry);
        if (m->exiting || m->api_bus)
                return 0;
        r = api_bus_open(m, &bus, &step);
        if (r < 0) {
                /* EEXIST: a second sandboxd took the name meanwhile. Either
                 * way, try again later: quietly, the loss was logged. */
                log_debug_errno(r, "Reconnecting to the system bus failed (%s), retrying later: %m",
                                step == API_BUS_CONNECT ? "connect" : step == API_BUS_NAME ? "name" : "setup");
                api_bus_schedule_retry(m);
                return 0;
        }
        m->api_bus = TAKE_PTR(bus);
        m->api_bus_retry_usec = 0;
        log_notice("Reconnected to the system bus: org.sandboxd1 is served there again.");
        return 0;
}

static int on_api_bus_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (m->api_bus != sd_bus_message_get_bus(message))
                return 0;
        /* dbus-daemon restarted or stopped. Clients of the private socket
         * (sandboxctl prefers it) see nothing of this; callers on the
         * system bus get "no such name" (or a D-Bus activation that waits
         * for a name we do not hold yet) until we are back. */
        log_warning("Lost the connection to the system bus (dbus-daemon restarted or stopped): org.sandboxd1 is not "
                    "served there until sandboxd reconnects; the private socket %s/private keeps serving. "
                    "Services are not affected.", m->runtime_dir);
        (void) sd_bus_detach_event(m->api_bus);
        m->api_bus = sd_bus_close_unref(m->api_bus);
        if (!m->exiting)
                api_bus_schedule_retry(m);
        return 0;
}

int manager_connect_system_bus(Manager *m) {
        ApiBusStep step;
        int r;

        if (!system_bus_exists()) {
                log_info("No system bus here; the API is on the private socket only.");
                return 0;
        }
        r = api_bus_open(m, &m->api_bus, &step);
        if (r >= 0)
                return 0;
        switch (step) {
        case API_BUS_CONNECT:
                log_warning_errno(r, "Failed to connect to the system bus, the API is on the private socket only: %m");
                return 0;
        case API_BUS_SETUP:
                return log_error_errno(r, "Failed to serve the D-Bus objects on the system bus: %m");
        default:
                if (r == -EEXIST)
                        return log_error_errno(r, "org.sandboxd1 is already owned on the system bus: is another sandboxd running?");
                return log_error_errno(r, "Failed to acquire org.sandboxd1 on the system bus "
                                       "(is org.sandboxd1.conf installed in /usr/share/dbus-1/system.d?): %m");
        }
}

int manager_setup_cgroup(Manager *m, ManagerCgroupChoice choice) {
        bool systemd;
        int r;

        switch (choice) {
        case MANAGER_CGROUP_SYSTEMD:
                if (!cgroup_systemd_available())
                        return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                               "--cgroup-driver=systemd, but systemd does not answer on the system bus.");
                systemd = true;
                break;
        case MANAGER_CGROUP_CGROUPFS:
                systemd = false;
                break;
        default:
                systemd = cgroup_systemd_available();
        }

        if (!systemd) {
                m->cgroup_driver = &cgroup_driver_cgroupfs;
                log_info("Cgroup driver: cgroupfs.");
                return 0;
        }

        /* Its own connection: the driver waits for systemd's JobRemoved
         * synchronously, and must never dispatch an API call meanwhile. */
        r = sd_bus_open_system_with_description(&m->cgroup_bus, "cgroup-bus");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus for the cgroup driver: %m");
        r = sd_bus_attach_event(m->cgroup_bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the cgroup driver's bus to the event loop: %m");
        cgroup_systemd_set_bus(m->cgroup_bus);
        m->cgroup_driver = &cgroup_driver_systemd;
        log_info("Cgroup driver: systemd.");
        return 0;
}

void manager_close_connections(Manager *m) {
        for (size_t i = 0; i < m->n_private_conns; i++) {
                (void) sd_bus_detach_event(m->private_conns[i]);
                sd_bus_flush_close_unref(m->private_conns[i]);
        }
        m->private_conns = mfree(m->private_conns);
        m->n_private_conns = 0;
        m->api_bus_retry = sd_event_source_disable_unref(m->api_bus_retry);
        if (m->api_bus) {
                (void) sd_bus_detach_event(m->api_bus);
                m->api_bus = sd_bus_flush_close_unref(m->api_bus);
        }
        if (m->cgroup_bus) {
                cgroup_systemd_set_bus(NULL);
                (void) sd_bus_detach_event(m->cgroup_bus);
                m->cgroup_bus = sd_bus_flush_close_unref(m->cgroup_bus);
        }
        m->private_source = sd_event_source_disable_unref(m->private_source);
        m->private_resume = sd_event_source_disable_unref(m->private_resume);
        m->reserve_fd = safe_close(m->reserve_fd);
        if (m->private_fd >= 0) {
                _cleanup_free_ char *path = NULL;

                /* Clients fall back to the system bus rather than find a dead socket. */
                if (manager_private_path(m, &path) >= 0)
                        (void) unlink(path);
                m->private_fd = safe_close(m->private_fd);
        }
}
