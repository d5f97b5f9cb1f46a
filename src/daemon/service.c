/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* One supervised service. The decisions (what happens on an exit, when to
 * restart, the start limit) are service-state.c's table; this file feeds it
 * events (a pidfd that became readable, a timer, a client's start or stop)
 * and performs the actions it returns, in the order of the action bits.
 * Everything a restarted sandboxd needs to pick a service up again is
 * written to $services_dir/NAME after each transition (state-file.c), and
 * service_adopt() (service-adopt.c) reads it back as hostile input. */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "missing-wait.h"
#include "net.h"
#include "cgroup.h"
#include "launch.h"
#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "path-util.h"
#include "plan-json.h"
#include "service-internal.h"
#include "seccomp-bpf.h"
#include "service-denials.h"
#include "seccomp-notify.h"
#include "service-log.h"
#include "fileio.h"
#include "state-file.h"
#include "string-util.h"
#include "strv.h"


/* ---- logging about a service ---- */

/* SANDBOXD_UNIT=NAME always; with the systemd driver also the scope as
 * OBJECT_SYSTEMD_UNIT=, which journald trusts from a root sender, so that
 * `journalctl -u sandbox-NAME.scope` shows our lines beside the service's
 * own output, as it does for a systemd service. And OBJECT_PID= of the
 * main process, for which journald adds its cgroup as
 * OBJECT_SYSTEMD_CGROUP=: the _SYSTEMD_CGROUP= of the run's output, which
 * is how `sandboxctl logs` finds that output where no scope names it (the
 * cgroupfs driver). */
const char *const *service_log_fields(const Service *s, UnitLogFields *f) {
        const CgroupDriver *d = s->cgroup ? cgroup_driver_of(s->cgroup) : s->manager ? s->manager->cgroup_driver : NULL;
        size_t n = 0;

        (void) snprintf(f->unit, sizeof(f->unit), "SANDBOXD_UNIT=%s", s->name);
        f->v[n++] = f->unit;
        if (d && streq(d->name, "systemd")) {
                (void) snprintf(f->scope, sizeof(f->scope), "OBJECT_SYSTEMD_UNIT=sandbox-%s.scope", s->name);
                f->v[n++] = f->scope;
        }
        if (s->main_pid > 0) {
                (void) snprintf(f->pid, sizeof(f->pid), "OBJECT_PID=%d", (int) s->main_pid);
                f->v[n++] = f->pid;
        }
        f->v[n] = NULL;
        return f->v;
}

/* ---- small helpers ---- */

static int pidfd_signal(int pidfd, int sig) {
        if (pidfd < 0)
                return -EBADF;
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return errno == ESRCH ? 0 : negative_errno(); /* already gone: nothing to do */
        return 0;
}

static const char *service_description(const Service *s) {
        return s->plan && !isempty(s->plan->description) ? s->plan->description : s->name;
}

_printf_(2, 3) static void set_message(char **reterr_message, const char *fmt, ...) {
        va_list ap;
        char *m;

        if (!reterr_message)
                return;
        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        free(*reterr_message);
        *reterr_message = m;
}

/* Kept without the "Failed to start NAME: " of the client's message:
 * status shows it under the service's name. */
static void service_set_start_error(Service *s, const char *message) {
        _cleanup_free_ char *prefix = NULL;
        const char *m = message;

        s->last_start_error = mfree(s->last_start_error);
        if (!m)
                return;
        if (asprintf_safe(&prefix, "Failed to start %s: ", s->name) >= 0 && startswith(m, prefix))
                m += strlen(prefix);
        /* Kept in the state file, which bounds it: cut at a character. */
        s->last_start_error = strndup(m, STATE_START_ERROR_MAX);
        if (s->last_start_error && strlen(m) > STATE_START_ERROR_MAX) {
                size_t n = STATE_START_ERROR_MAX;

                while (n > 0 && ((unsigned char) s->last_start_error[n] & 0xc0) == 0x80)
                        n--;
                s->last_start_error[n] = 0;
        }
        /* It quotes the unit (paths): a D-Bus string must be UTF-8, and it
         * reaches a terminal. */
        if (s->last_start_error) {
                bool utf8 = utf8_is_valid(s->last_start_error, strlen(s->last_start_error));

                for (unsigned char *p = (unsigned char *) s->last_start_error; *p; p++)
                        if (*p < ' ' || *p == 127 || (!utf8 && *p >= 0x80))
                                *p = '?';
        }
}

/* e NULL: no exit (a launch that failed). The kill reason is the run's
 * that just ended; the next launch resets the denials, not this. */
static void service_set_last_exit(Service *s, const ServiceExit *e) {
        const char *why = e ? service_denials_kill_reason(s) : NULL;

        s->has_last_exit = e;
        if (e)
                s->last_exit = *e;
        s->last_exit_seccomp = mfree(s->last_exit_seccomp);
        if (!isempty(why) && state_sentence_is_valid(why, STATE_SECCOMP_KILL_MAX))
                s->last_exit_seccomp = strdup(why);
}

static const char *exit_code_name(int code) {
        return code == CLD_EXITED ? "exited" : code == CLD_DUMPED ? "dumped" : "killed";
}

/* ---- the object ---- */

int service_new(Manager *m, const char *name, Service **ret) {
        Service *s;
        int r;

        if (!m || !unit_name_is_valid(name))
                return -EINVAL;

        s = calloc(1, sizeof(Service));
        if (!s)
                return -ENOMEM;
        s->name = strdup(name);
        if (!s->name) {
                free(s);
                return -ENOMEM;
        }
        s->pidfd = -EBADF;
        s->rt.state = SERVICE_INACTIVE;
        s->rt.result = SERVICE_RESULT_SUCCESS;
        s->manager = m;

        r = manager_add_service(m, s);
        if (r < 0) {
                free(s->name);
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

Service *service_free(Service *s) {
        if (!s)
                return NULL;

        if (s->manager)
                manager_remove_service(s->manager, s);

        s->pidfd_source = sd_event_source_disable_unref(s->pidfd_source);
        s->timer_source = sd_event_source_disable_unref(s->timer_source);
        s->pidfd = safe_close(s->pidfd);
        /* Not drained: init keeps the pipe, and what is in it, for the next
         * sandboxd. */
        service_log_close(s, false);
        s->log = service_log_free(s->log);
        /* Closed: init keeps the listener for the next sandboxd too. */
        s->denials = service_denials_free(s->denials);
        /* The driver's free() only, not cgroup_free(): that would destroy
         * the cgroup, and a forgotten service keeps running (sandboxd
         * exiting leaves its services for the next one to adopt). */
        cgroup_forget(s->cgroup);
        for (size_t i = 0; i < s->n_stop_waiters; i++)
                sd_bus_message_unref(s->stop_waiters[i]);
        free(s->stop_waiters);
        /* Our copies only, files kept: a running service still uses them,
         * and the next sandboxd takes them back. */
        close_many(s->listen_fds, s->n_listen_fds);
        free(s->listen_fds);
        strv_free(s->listen_files);
        plan_free(s->plan);
        free(s->last_exit_seccomp);
        free(s->last_start_error);
        free(s->unit_path);
        free(s->name);
        free(s);
        return NULL;
}

/* ---- actions ---- */

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        Service *s = userdata;
        ServiceEvent ev = s->rt.state == SERVICE_STOPPING ? SERVICE_EVENT_STOP_TIMEOUT : SERVICE_EVENT_RESTART_TIMER;

        /* One-shot: drop it now, so that whatever the table arms next is new. */
        s->timer_source = sd_event_source_disable_unref(s->timer_source);
        if (ev == SERVICE_EVENT_RESTART_TIMER)
                s->restart_at_usec = 0;
        (void) service_dispatch(s, ev, NULL, NULL);
        return 0;
}

void service_arm_timer(Service *s, uint64_t at_usec) {
        uint64_t now = 0, accuracy = USEC_PER_MSEC;
        int r;

        s->timer_source = sd_event_source_disable_unref(s->timer_source);
        /* 1 ms accuracy: RestartSec=100ms must not become 350ms because
         * sd-event's default slack is 250 ms. And none for a time that has
         * come (RestartSec=0): sd-event wakes at the end of the window when
         * no common wake-up point falls in it, which would add 1 ms to
         * every immediate restart. */
        (void) sd_event_now(s->manager->event, CLOCK_MONOTONIC, &now);
        if (at_usec <= now + USEC_PER_MSEC)
                accuracy = 1;
        r = sd_event_add_time(s->manager->event, &s->timer_source, CLOCK_MONOTONIC, at_usec, accuracy, on_timer,
                              s);
        if (r < 0)
                log_unit_error_errno(s, r, "Failed to arm a timer, the service will wait for a client: %m");
}

void service_disarm_timers(Service *s) {
        s->timer_source = sd_event_source_disable_unref(s->timer_source);
        s->restart_at_usec = 0;
}

static void service_send_kill_signal(Service *s) {
        int sig = s->plan->kill_signal > 0 ? s->plan->kill_signal : SIGTERM, r;

        /* To the sandbox's first process: init forwards it to the service. */
        r = pidfd_signal(s->pidfd, sig);
        if (r < 0)
                log_unit_warning_errno(s, r, "Failed to send %s to the main process: %m", strna(signal_to_name(sig)));
}

static void service_kill_cgroup(Service *s) {
        int r;

        if (s->cgroup) {
                r = cgroup_kill(s->cgroup, SIGKILL);
                if (r < 0)
                        log_unit_warning_errno(s, r, "Failed to kill the processes of the cgroup, killing the main process: %m");
        }
        /* Also, and in any case, the main process: with a pid namespace its
         * end takes everything in the sandbox with it. */
        (void) pidfd_signal(s->pidfd, SIGKILL);
}

void service_cleanup(Service *s) {
        bool netns_ended = false;
        int r;

        s->pidfd_source = sd_event_source_disable_unref(s->pidfd_source);
        s->pidfd = safe_close(s->pidfd);
        /* Its last words, before the cgroup takes what is left. */
        service_log_close(s, true);
        service_denials_stop(s);
        if (s->cgroup) {
                /* Whatever the service left behind (daemonised children
                 * without a pid namespace) goes with the cgroup. */
                r = cgroup_destroy(s->cgroup);
                if (r < 0)
                        log_unit_warning_errno(s, r, "Failed to remove the cgroup %s: %m", strna(cgroup_name(s->cgroup)));
                else
                        netns_ended = true;
                s->cgroup = cgroup_free(s->cgroup);
        }
        /* Its ports and its veth; the lease stays for its next start. The
         * namespace ends with the cgroup's processes unless joiners still
         * hold it: then the pod's network ends now, with its owner, as
         * the joiners are about to (manager_pods_sync()). */
        if (s->plan)
                net_host_release(s->plan, netns_ended && !manager_pods_joined(s->manager, s));
        s->main_pid = 0;
        s->main_pid_starttime = 0;
        s->is_child = false;
        s->active_since_realtime = 0;
}

/* ---- the exit of the main process ---- */

/* waitid's view, for a child of ours. init exits with 128+N when signal N
 * killed the service; the exit file says it precisely, so this is only the
 * fallback when init could not write it. */
static bool service_reap(Service *s, ServiceExit *ret) {
        siginfo_t si = {};

        if (!s->is_child || s->pidfd < 0)
                return false;
        if (waitid((idtype_t) P_PIDFD, (id_t) s->pidfd, &si, WEXITED | WNOHANG) < 0) {
                log_unit_debug(s, "waitid() on the main process failed: %m");
                return false;
        }
        if (si.si_pid == 0)
                return false;
        s->is_child = false; /* reaped: no second waitid */

        if (s->has_init && si.si_code == CLD_EXITED && si.si_status > 128 && si.si_status <= 128 + 64)
                *ret = (ServiceExit) { .code = CLD_KILLED, .status = si.si_status - 128 };
        else
                *ret = (ServiceExit) { .code = si.si_code, .status = si.si_status };
        return true;
}

static int service_read_exit_file(Service *s, ServiceExit *ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = service_dir_open(s->manager->services_dir, s->name, false, &dir_fd);
        if (r < 0)
                return r;
        r = read_full_file_at(dir_fd, "exit", O_NOFOLLOW, EXIT_FILE_MAX, &text, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return exit_report_parse(text, size, ret);
}

/* How did it end: the exit file (the service's own si_code and status,
 * written by init), else waitid's status (a child of ours), else, with
 * nothing known, as if SIGKILL had ended it (what the kernel does to a
 * sandbox's processes when its init dies). */
void service_collect_exit(Service *s, ServiceExit *ret) {
        ServiceExit from_wait = {}, from_file = {}, e;
        bool waited;
        int r;

        waited = service_reap(s, &from_wait);
        r = service_read_exit_file(s, &from_file);
        if (r >= 0)
                e = from_file;
        else {
                if (r == -EBADMSG)
                        log_unit_warning(s, "Malformed exit report in %s/%s/exit, ignoring it.", s->manager->services_dir,
                                         s->name);
                else if (r != -ENODATA && r != -ENOENT)
                        log_unit_warning_errno(s, r, "Failed to read %s/%s/exit, ignoring it: %m", s->manager->services_dir,
                                               s->name);
                if (waited)
                        e = from_wait;
                else
                        e = (ServiceExit) { .code = CLD_KILLED, .status = SIGKILL };
        }

        /* init's report has the count when it had the file to read it
         * from: read while init still held the cgroup, which the systemd
         * driver's scope may have lost by now (cgroup-systemd-oom.c). */
        e.oom_killed = false;
        if (e.has_oom_count)
                r = (int) MIN(e.oom_count, (unsigned) INT_MAX);
        else
                r = s->cgroup ? cgroup_oom_killed(s->cgroup) : 0;
        if (r > 0) {
                e.oom_killed = true;
                log_unit_warning(s, "The OOM killer killed %d process%s of this unit.", r, r == 1 ? "" : "es");
        }
        *ret = e;
}

static int on_pidfd(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Service *s = userdata;
        ServiceExit e;

        service_collect_exit(s, &e);
        (void) service_dispatch(s, SERVICE_EVENT_EXITED, &e, NULL);

        /* The table ignored the exit (it cannot, in a state with a
         * process, but a level-triggered readable pidfd must never spin). */
        if (s->pidfd_source == source)
                s->pidfd_source = sd_event_source_disable_unref(s->pidfd_source);
        return 0;
}

int service_watch_pidfd(Service *s) {
        s->pidfd_source = sd_event_source_disable_unref(s->pidfd_source);
        /* A pidfd is readable once the process has exited. */
        return sd_event_add_io(s->manager->event, &s->pidfd_source, s->pidfd, EPOLLIN, on_pidfd, s);
}

/* ---- socket activation ---- */

static void service_close_sockets(Service *s) {
        if (s->n_listen_fds == 0 && !s->listen_files)
                return;
        launch_close_sockets(s->listen_fds, s->n_listen_fds, s->listen_files);
        s->listen_fds = NULL;
        s->n_listen_fds = 0;
        s->listen_files = strv_free(s->listen_files);
}

void service_release_sockets_if_idle(Service *s) {
        if (s->n_listen_fds == 0)
                return;
        if ((s->rt.state != SERVICE_INACTIVE && s->rt.state != SERVICE_FAILED) || s->restart_after_stop)
                return;
        log_unit_debug(s, "Closing its %zu listening socket%s.", s->n_listen_fds, s->n_listen_fds == 1 ? "" : "s");
        service_close_sockets(s);
}

/* The sockets of the run before serve this one if the plan still asks
 * for the same; else they go, and the plan's are opened. */
static int service_acquire_sockets(Service *s, char **reterr_message) {
        _cleanup_strv_free_ char **files = NULL;
        bool same = s->n_listen_fds == s->plan->n_sockets;
        int r;

        for (size_t i = 0; same && i < s->n_listen_fds; i++)
                same = launch_socket_matches(s->listen_fds[i], &s->plan->sockets[i]) > 0;
        if (same && (s->n_listen_fds > 0 || s->plan->n_sockets == 0))
                return 0;

        service_close_sockets(s);
        if (s->plan->n_sockets == 0)
                return 0;
        r = launch_socket_files(s->plan, &files);
        if (r < 0)
                return r;
        r = launch_open_sockets(s->plan, &s->listen_fds, &s->n_listen_fds, reterr_message);
        if (r < 0)
                return r;
        s->listen_files = TAKE_PTR(files);
        return 0;
}

void service_adopt_sockets(Service *s) {
        int r;

        if (!s->plan || s->plan->n_sockets == 0 || s->pidfd < 0)
                return;
        service_close_sockets(s);
        r = launch_take_sockets(s->plan, s->main_pid, s->pidfd, s->has_init, &s->listen_fds, &s->n_listen_fds);
        if (r < 0) {
                log_unit_warning_errno(s, r, "Failed to take the listening sockets back from PID %d, they are opened "
                                       "again at the next start: %m", (int) s->main_pid);
                return;
        }
        r = launch_socket_files(s->plan, &s->listen_files);
        if (r < 0)
                log_oom();
        log_unit_debug(s, "Took %zu listening socket%s back from PID %d.", s->n_listen_fds,
                       s->n_listen_fds == 1 ? "" : "s", (int) s->main_pid);
}

/* ---- launching ---- */

/* Network=service:NAME: NAME's current run, its network namespace (opened
 * through /proc of its pidfd-pinned main process, checked alive after the
 * open) and the resolv.conf its sandbox got. */
static int service_open_owner_netns(Service *s, int *ret_fd, char **ret_resolv_conf, pid_t *ret_pid,
                                    uint64_t *ret_starttime, char **m) {
        const char *name = s->plan->network_service;
        Service *o = manager_get_service(s->manager, name);
        _cleanup_free_ char *resolv = NULL;
        int fd = -EBADF, r;

        if (!o || o->rt.state != SERVICE_RUNNING || o->pidfd < 0 || o->main_pid <= 0) {
                set_message(m, "Network=service:%s: service %s is not running.", name, name);
                log_unit_error(s, "%s", *m);
                return -ESRCH;
        }
        if (o->plan->network == NETWORK_HOST) {
                set_message(m, "Network=service:%s: service %s has the host's network, which is not shared this way.",
                            name, name);
                log_unit_error(s, "%s", *m);
                return -EPERM;
        }
        r = launch_open_netns(o->main_pid, o->pidfd, &fd);
        if (r < 0) {
                set_message(m, "Network=service:%s: cannot open the network namespace of %s (%s).", name, name,
                            strerror(-r));
                log_unit_error(s, "%s", *m);
                return r;
        }
        if (o->plan->network == NETWORK_PRIVATE && net_resolv_conf(&o->plan->net, &resolv) < 0) {
                safe_close(fd);
                set_message(m, "Failed to start %s: out of memory.", s->name);
                return -ENOMEM;
        }
        *ret_fd = fd;
        *ret_resolv_conf = TAKE_PTR(resolv);
        *ret_pid = o->main_pid;
        *ret_starttime = o->main_pid_starttime;
        return 0;
}

/* The LAUNCH action: cgroup, exit file, launch_start(), and on success the
 * pid, pidfd and its io source recorded. On failure nothing is left: no
 * process (launch_start), no cgroup (cgroup_freep). */
static int service_launch(Service *s, char **reterr_message) {
        _cleanup_free_ char *local_message = NULL;
        /* An automatic restart has no client to tell, but the log wants the sentence. */
        char **m = reterr_message ?: &local_message;
        _cleanup_(cgroup_freep) Cgroup *cg = NULL;
        _cleanup_close_ int dir_fd = -EBADF, exit_fd = -EBADF, out_w = -EBADF, out_r = -EBADF, pidfd = -EBADF, listener_fd = -EBADF,
                            in_r = -EBADF, netns_fd = -EBADF;
        _cleanup_free_ char *resolv_conf = NULL;
        pid_t owner_pid = 0;
        uint64_t owner_starttime = 0;
        _cleanup_free_ char *msg = NULL, *launch_msg = NULL;
        const CgroupDriver *driver = s->manager->cgroup_driver;
        bool pidns = s->plan->namespaces & NAMESPACE_MASK(NAMESPACE_PID);
        int status = LAUNCH_EXIT_SETUP, r;
        uint64_t starttime = 0;
        LaunchParams params;
        Launched l = {};
        UnitLogFields lf = {};
        /* The launcher and the cgroup driver log what failed; this names the service. */
        LOG_CONTEXT_SCOPE(s->name, service_log_fields(s, &lf));

        log_unit_info(s, "Starting %s...", service_description(s));

        r = service_dir_open(s->manager->services_dir, s->name, true, &dir_fd);
        if (r < 0) {
                log_unit_error_errno(s, r, "Failed to create the runtime directory %s/%s: %m", s->manager->services_dir,
                                     s->name);
                set_message(m, "Failed to create the runtime directory of %s: %s.", s->name, strerror(-r));
                return r;
        }

        /* The same range at every start (the registry keeps it); saved in
         * plan.json for status, exec and the next sandboxd. */
        if ((s->plan->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) && s->plan->uid_map_base == 0) {
                r = launch_acquire_id_range(s->plan, NULL);
                if (r < 0) {
                        set_message(m, "Failed to start %s: no host id range for its user namespace (%s).", s->name,
                                    strerror(-r));
                        return r;
                }
                r = service_save_plan(s);
                if (r < 0)
                        log_unit_warning_errno(s, r, "Failed to save the plan: %m");
        }

        /* Network=private: bridge, table, the lease (the same address at
         * every start) and the host's DNS servers, into the plan. */
        if (s->plan->network == NETWORK_PRIVATE) {
                _cleanup_free_ char *net_msg = NULL;

                r = net_host_prepare(s->plan, NULL, &net_msg);
                if (r < 0) {
                        log_unit_error_errno(s, r, "Failed to prepare the network: %s", strna(net_msg));
                        set_message(m, "Failed to start %s: %s", s->name, strna(net_msg));
                        return r;
                }
                r = service_save_plan(s);
                if (r < 0)
                        log_unit_warning_errno(s, r, "Failed to save the plan: %m");
        }

        /* Network=service:NAME: born in the network namespace of NAME's
         * current run, which must be running now. */
        if (s->plan->network == NETWORK_SERVICE) {
                r = service_open_owner_netns(s, &netns_fd, &resolv_conf, &owner_pid, &owner_starttime, m);
                if (r < 0)
                        return r;
        }

        /* On the host, before the sandbox; kept from the run before. */
        r = service_acquire_sockets(s, &msg);
        if (r < 0) {
                if (msg) {
                        log_unit_error_errno(s, r, "%s", msg);
                        set_message(m, "Failed to start %s: %s", s->name, msg);
                } else {
                        log_unit_error_errno(s, r, "Failed to open the listening sockets: %m");
                        set_message(m, "Failed to start %s: cannot open its listening sockets (%s).", s->name,
                                    strerror(-r));
                }
                if (*m)
                        service_log_note(s, *m);
                return r;
        }

        r = cgroup_create_full(driver, s->plan, &cg, &msg);
        if (r < 0) {
                if (msg) {
                        log_unit_error_errno(s, r, "%s", msg);
                        set_message(m, "%s", msg);
                } else {
                        log_unit_error_errno(s, r, "Failed to create the cgroup (%s driver): %m", driver->name);
                        set_message(m, "Failed to create the cgroup of %s (%s driver): %s.", s->name,
                                    driver->name, strerror(-r));
                }
                return r;
        }

        /* Empty before every run: an old report must never describe this one. */
        exit_fd = openat(dir_fd, "exit", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (exit_fd < 0) {
                r = log_unit_error_errno(s, negative_errno(), "Failed to create %s/%s/exit: %m", s->manager->services_dir,
                                         s->name);
                set_message(m, "Failed to create the exit file of %s: %s.", s->name, strerror(-r));
                return r;
        }
        /* Without journald a pipe that we read, never a file of ours: the
         * service could fchmod or truncate it through its fd. */
        service_log_prepare(s, &out_w, &out_r);
        /* stdin: end of file at once, as /dev/null gives it, but not the
         * host's /dev/null (the launcher's default), whose mode a root
         * service could change through its fd 0. */
        {
                int fds[2];

                if (pipe2(fds, O_CLOEXEC) >= 0) {
                        in_r = fds[0];
                        safe_close(fds[1]);
                }
        }

        params = (LaunchParams) {
                .stdin_fd = in_r,
                .stdout_fd = out_w,
                .stderr_fd = out_w,
                .cgroup = cg,
                .state_dir = NULL,
                /* Services outlive sandboxd; the next one adopts them. */
                .die_with_parent = false,
                .reterr_exit_status = &status,
                /* Only init writes the report, and only a pid namespace has one. */
                .report_exit = pidns,
                .exit_status_fd = pidns ? exit_fd : -EBADF,
                .journal_identifier = s->name,
                .reterr_message = &launch_msg,
                /* init holds the pipe for the next sandboxd. */
                .keep_output = pidns && out_r >= 0,
                .output_read_fd = out_r,
                .listen_fds = s->listen_fds,
                .n_listen_fds = s->n_listen_fds,
                /* Denied syscalls come to us, by name (service-denials.c). */
                .seccomp_notify = SECCOMP_NOTIFY_DENIALS,
                .on_seccomp_event = service_denials_note,
                .seccomp_event_userdata = s,
                .netns_fd = netns_fd,
                .resolv_conf = resolv_conf,
        };
        r = service_denials_reset(s);
        if (r < 0) {
                set_message(m, "Failed to start %s: out of memory.", s->name);
                return r;
        }
        r = launch_start(s->plan, &params, &l);
        if (r < 0) {
                /* launch_start() logged the failed step; say what it means. */
                if (status == LAUNCH_EXIT_NOT_FOUND)
                        set_message(m, "Failed to start %s: ExecStart= binary %s is not in the image.",
                                    s->name, strna(s->plan->argv ? s->plan->argv[0] : NULL));
                else if (status == LAUNCH_EXIT_CANNOT_EXECUTE)
                        set_message(m, "Failed to start %s: ExecStart= binary %s cannot be executed (%s).",
                                    s->name, strna(s->plan->argv ? s->plan->argv[0] : NULL), strerror(-r));
                else if (launch_msg)
                        set_message(m, "Failed to start %s: %s", s->name, launch_msg);
                else
                        set_message(m,
                                    "Failed to start %s: the sandbox could not be set up (%s); sandboxd's log names the step.",
                                    s->name, strerror(-r));
                if (*m) {
                        log_unit_error(s, "%s", *m);
                        /* Without journald, status and logs show this file:
                         * an automatic restart that failed says why there. */
                        service_log_note(s, *m);
                }
                return r;
        }
        pidfd = l.pidfd;
        listener_fd = l.listener_fd;
        out_w = safe_close(out_w);

        /* Once it runs, so that a failed launch never published anything. */
        if (s->plan->network == NETWORK_PRIVATE) {
                _cleanup_free_ char *net_msg = NULL;

                r = net_host_publish(s->plan, true, &net_msg);
                if (r < 0) {
                        log_unit_error_errno(s, r, "Failed to publish the ports: %s", strna(net_msg));
                        set_message(m, "Failed to start %s: %s", s->name, strna(net_msg));
                        (void) pidfd_signal(pidfd, SIGKILL);
                        (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
                        net_host_release(s->plan, /* netns_ended= */ false);
                        return r;
                }
        }

        /* The child is ours and not reaped: /proc/PID is still it, even
         * if it has exited already. */
        r = pid_get_starttime(l.pid, &starttime);
        if (r < 0) {
                log_unit_error_errno(s, r, "Failed to read the start time of PID %d: %m", (int) l.pid);
                goto kill;
        }

        s->pidfd = TAKE_FD(pidfd);
        r = service_watch_pidfd(s);
        if (r < 0) {
                pidfd = TAKE_FD(s->pidfd);
                log_unit_error_errno(s, r, "Failed to watch the main process: %m");
                goto kill;
        }
        s->main_pid = l.pid;
        s->main_pid_starttime = starttime;
        s->net_owner_pid = owner_pid;
        s->net_owner_starttime = owner_starttime;
        s->has_init = l.has_init;
        s->is_child = true;
        s->cgroup = TAKE_PTR(cg);
        s->active_since_realtime = service_now_usec(CLOCK_REALTIME);
        service_log_start(s, TAKE_FD(out_r));
        service_denials_start(s, TAKE_FD(listener_fd));

        /* Saved by service_dispatch() once the launch's transitions are
         * done: nothing between here and there can block. plan.json is
         * current already (written whenever s->plan changes). */
        return 0;

kill:
        /* We could not supervise it: it must not run unsupervised. */
        (void) pidfd_signal(pidfd, SIGKILL);
        (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
        net_host_release(s->plan, /* netns_ended= */ false);
        set_message(m, "Failed to start %s: could not supervise it (%s).", s->name, strerror(-r));
        return r;
}

/* ---- the table, driven ---- */

static void service_log_transition(Service *s, ServiceState old, ServiceEvent ev, const ServiceExit *e,
                                   const ServiceTransition *t) {
        char buf[32];

        if (ev == SERVICE_EVENT_EXITED && e) {
                const char *sig = e->code == CLD_EXITED ? NULL : signal_to_name(e->status);
                bool clean = service_exit_classify(e) == SERVICE_EXIT_CLEAN;

                if (sig)
                        log_unit_full(s, clean ? LOG_INFO : LOG_NOTICE, "Main process exited, code=%s, status=%d/%s.",
                                      exit_code_name(e->code), e->status, sig + 3);
                else
                        log_unit_full(s, clean ? LOG_INFO : LOG_NOTICE, "Main process exited, code=%s, status=%d.",
                                      exit_code_name(e->code), e->status);
        }
        if (ev == SERVICE_EVENT_EXITED && e && e->code == CLD_EXITED && e->status == 0 && e->n_left > 0)
                log_unit_warning(s, "Main process exited and left %u process%s, which were stopped: does it daemonise? "
                                 "Run it in the foreground.", e->n_left, e->n_left == 1 ? "" : "es");
        if (ev == SERVICE_EVENT_STOP_TIMEOUT)
                log_unit_warning(s, "Processes still around after TimeoutStopSec=, killing.");

        if (t->next == old)
                return;
        switch (t->next) {
        case SERVICE_RUNNING:
                log_unit_info(s, "Started %s.", service_description(s));
                break;
        case SERVICE_STOPPING:
                log_unit_info(s, "Stopping %s...", service_description(s));
                break;
        case SERVICE_AUTO_RESTART:
                log_unit_info(s, "Restarting in %s (restart counter is at %u).",
                              format_usec(buf, sizeof(buf), t->restart_delay_usec), s->rt.n_restarts);
                break;
        case SERVICE_FAILED:
                if (s->rt.result == SERVICE_RESULT_START_LIMIT_HIT)
                        log_unit_warning(s, "Start request repeated too quickly.");
                log_unit_warning(s, "Failed with result '%s'.", service_result_to_string(s->rt.result));
                if (ev == SERVICE_EVENT_START_FAILED || ev == SERVICE_EVENT_RESTART_TIMER ||
                    ev == SERVICE_EVENT_START)
                        log_unit_error(s, "Failed to start %s.", service_description(s));
                break;
        case SERVICE_INACTIVE:
                if (s->rt.stop_requested)
                        log_unit_info(s, "Stopped %s.", service_description(s));
                else
                        log_unit_info(s, "Deactivated successfully.");
                break;
        default:
                break;
        }
}

/* Feed ev to the table and perform its actions in bit order; a LAUNCH
 * yields a second event (STARTED or START_FAILED), fed after the first
 * transition's actions are all done, so that the table's order holds
 * (e.g. DISARM_TIMERS of a restart does not disarm the restart timer
 * that a failed launch arms). Each transition is announced; the state
 * is saved once the last one is done (STARTED or START_FAILED always
 * changes the state after a launch), each write being a file rename
 * that a start would otherwise pay twice. Returns the launch's error, if
 * one failed. */
int service_dispatch(Service *s, ServiceEvent ev, const ServiceExit *e, char **reterr_message) {
        bool dirty = false;
        int ret = 0;

        if (!s->plan)
                return log_unit_error_errno(s, SYNTHETIC_ERRNO(ENOEXEC), "No plan to act on (%s), ignoring.",
                                            service_event_to_string(ev));

        for (;;) {
                ServiceState old = s->rt.state;
                ServiceResult old_result = s->rt.result;
                uint64_t now = service_now_usec(CLOCK_MONOTONIC);
                int launch_r = 1, r;
                ServiceTransition t;

                t = service_transition(s->plan, &s->rt, ev, e, now);
                if (ev == SERVICE_EVENT_EXITED && e)
                        service_set_last_exit(s, e);
                if (t.next != old)
                        s->state_change_realtime = service_now_usec(CLOCK_REALTIME);
                service_log_transition(s, old, ev, e, &t);

                if (t.actions & SERVICE_ACTION_LAUNCH) {
                        _cleanup_free_ char *msg = NULL;

                        launch_r = service_launch(s, &msg);
                        service_set_start_error(s, launch_r < 0 ? msg : NULL);
                        /* The failed attempt is the last run now: an exit
                         * of the one before must not pass for its. */
                        if (launch_r < 0)
                                service_set_last_exit(s, NULL);
                        if (reterr_message && msg) {
                                free(*reterr_message);
                                *reterr_message = TAKE_PTR(msg);
                        }
                }
                if (t.actions & SERVICE_ACTION_SEND_KILL_SIGNAL)
                        service_send_kill_signal(s);
                if ((t.actions & SERVICE_ACTION_ARM_STOP_TIMER) && s->plan->timeout_stop_usec > 0 &&
                    s->plan->timeout_stop_usec != USEC_INFINITY)
                        service_arm_timer(s, now + s->plan->timeout_stop_usec);
                if (t.actions & SERVICE_ACTION_KILL_CGROUP)
                        service_kill_cgroup(s);
                if (t.actions & SERVICE_ACTION_CLEANUP)
                        service_cleanup(s);
                if (t.actions & SERVICE_ACTION_ARM_RESTART_TIMER) {
                        s->restart_at_usec = t.restart_delay_usec >= USEC_INFINITY - now ? USEC_INFINITY - 1
                                                                                         : now + t.restart_delay_usec;
                        service_arm_timer(s, s->restart_at_usec);
                }
                if (t.actions & SERVICE_ACTION_DISARM_TIMERS)
                        service_disarm_timers(s);

                if (t.next != old || t.actions != 0 || old_result != s->rt.result) {
                        dirty = true;
                        manager_service_changed(s->manager, s);
                }

                if (launch_r > 0) {
                        if (dirty) {
                                r = service_save(s, false);
                                if (r < 0)
                                        log_unit_warning_errno(s, r, "Failed to save the state under %s: %m",
                                                               s->manager->services_dir);
                        }
                        return ret;
                }
                if (launch_r < 0) {
                        ret = launch_r;
                        ev = SERVICE_EVENT_START_FAILED;
                } else
                        ev = SERVICE_EVENT_STARTED;
                e = NULL;
        }
}

/* ---- what clients ask ---- */

int service_start(Service *s, Plan *plan, char **reterr_message) {
        _cleanup_(plan_freep) Plan *p = plan;
        int r;

        if (!s || !p)
                return -EINVAL;

        switch (s->rt.state) {
        case SERVICE_STARTING:
        case SERVICE_RUNNING:
                return 0; /* already: a no-op, as in the contract */
        case SERVICE_STOPPING:
                set_message(reterr_message, "%s is stopping; start it again once it is inactive.", s->name);
                return -EBUSY;
        default:
                /* From failed or inactive the table resets the restart and
                 * start-limit counters itself: a client's start is fresh,
                 * and so is its result. */
                s->rt.result = SERVICE_RESULT_SUCCESS;
                break;
        }

        plan_free(s->plan);
        s->plan = TAKE_PTR(p);
        if (!s->unit_path && s->plan->unit_path) {
                s->unit_path = strdup(s->plan->unit_path);
                if (!s->unit_path)
                        return -ENOMEM;
        }
        /* Now, not only after a launch: a start that fails still leaves
         * the plan that failed, for status and for the next sandboxd. */
        r = service_save_plan(s);
        if (r < 0)
                log_unit_warning_errno(s, r, "Failed to save the plan: %m");

        r = service_dispatch(s, SERVICE_EVENT_START, NULL, reterr_message);
        if (r < 0)
                return r;
        if (s->rt.state == SERVICE_FAILED && s->rt.result == SERVICE_RESULT_START_LIMIT_HIT) {
                set_message(reterr_message, "%s: start request repeated too quickly; ResetFailed clears the limit.",
                            s->name);
                return -EAGAIN;
        }
        return 0;
}

int service_start_again(Service *s, char **reterr_message) {
        if (!s || !s->plan)
                return -EINVAL;
        if (s->rt.state != SERVICE_INACTIVE && s->rt.state != SERVICE_FAILED)
                return 0;
        s->rt.result = SERVICE_RESULT_SUCCESS;
        return service_dispatch(s, SERVICE_EVENT_START, NULL, reterr_message);
}

int service_stop(Service *s) {
        if (!s)
                return -EINVAL;
        if (s->restart_with_owner) {
                /* Stopped means stopped, also for a pod's joiner waiting to
                 * start again with its owner: the next sandboxd too. */
                s->restart_with_owner = false;
                (void) service_save(s, false);
        }
        if (s->rt.state == SERVICE_INACTIVE || s->rt.state == SERVICE_FAILED || s->rt.state == SERVICE_STOPPING)
                return 0; /* nothing to stop, or already on its way */
        return service_dispatch(s, SERVICE_EVENT_STOP, NULL, NULL);
}

int service_reset_failed(Service *s) {
        int r;

        if (!s)
                return -EINVAL;

        s->rt.starts_in_window = 0;
        s->rt.start_window_usec = 0;
        if (s->rt.state == SERVICE_FAILED) {
                s->rt.state = SERVICE_INACTIVE;
                s->rt.n_restarts = 0;
                s->rt.result = SERVICE_RESULT_SUCCESS;
                s->state_change_realtime = service_now_usec(CLOCK_REALTIME);
                r = service_save(s, false);
                if (r < 0)
                        log_unit_warning_errno(s, r, "Failed to save the state: %m");
                manager_service_changed(s->manager, s);
                return 0;
        }
        r = service_save(s, false);
        if (r < 0)
                log_unit_warning_errno(s, r, "Failed to save the state: %m");
        return 0;
}

int service_get_stats(Service *s, CgroupStats *ret) {
        if (!s || !ret)
                return -EINVAL;
        if (!s->cgroup || cgroup_is_destroyed(s->cgroup)) {
                *ret = (CgroupStats) { UINT64_MAX, UINT64_MAX, UINT64_MAX };
                return 0;
        }
        return cgroup_stats(s->cgroup, ret);
}

/* ---- the runtime directory ---- */

static int service_write_plan(Service *s, int dir_fd) {
        _cleanup_free_ char *json = NULL;
        int r;

        if (!s->plan)
                return 0;
        r = plan_to_json(s->plan, &json);
        if (r < 0)
                return r;
        return write_file_atomic_at(dir_fd, "plan.json", json, strlen(json), 0600);
}

int service_save_plan(Service *s) {
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        r = service_dir_open(s->manager->services_dir, s->name, true, &dir_fd);
        if (r < 0)
                return r;
        return service_write_plan(s, dir_fd);
}

int service_save(Service *s, bool plan_changed) {
        _cleanup_free_ char *cg = NULL, *text = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const CgroupDriver *driver = s->cgroup ? cgroup_driver_of(s->cgroup) : s->manager->cgroup_driver;
        StateFile f;
        int r, ret = 0;

        r = service_dir_open(s->manager->services_dir, s->name, true, &dir_fd);
        if (r < 0)
                return r;

        if (plan_changed) {
                r = service_write_plan(s, dir_fd);
                if (r < 0)
                        return r;
        }

        if (s->cgroup && !cgroup_is_destroyed(s->cgroup)) {
                /* Without it the state is still worth writing (pid,
                 * counters); adoption then cannot re-open the cgroup. */
                r = cgroup_serialize(s->cgroup, &cg);
                if (r < 0)
                        ret = r;
        }

        f = (StateFile) {
                .rt = s->rt,
                .unit = s->unit_path,
                .main_pid = s->main_pid,
                .main_pid_starttime = s->main_pid_starttime,
                .has_init = s->has_init,
                .cgroup = cg,
                .active_since_realtime = s->active_since_realtime,
                .state_change_realtime = s->state_change_realtime,
                .restart_at_usec = s->restart_at_usec,
                .has_last_exit = s->has_last_exit,
                .last_exit = s->last_exit,
                .last_exit_seccomp = s->has_last_exit ? s->last_exit_seccomp : NULL,
                .last_start_error = s->last_start_error,
                .started_by = s->started_by,
                .net_owner_pid = s->main_pid > 0 ? s->net_owner_pid : 0,
                .net_owner_starttime = s->main_pid > 0 ? s->net_owner_starttime : 0,
                .restart_with_owner = s->restart_with_owner,
        };
        memcpy(f.boot_id, s->manager->boot_id, sizeof(f.boot_id));
        f.boot_id[sizeof(f.boot_id) - 1] = 0;
        (void) snprintf(f.cgroup_driver, sizeof(f.cgroup_driver), "%s", driver ? driver->name : "cgroupfs");

        r = state_file_format(&f, &text);
        if (r < 0)
                return r;
        r = write_file_atomic_at(dir_fd, "state", text, strlen(text), 0600);
        if (r < 0)
                return r;
        return ret;
}

int service_runtime_dir_remove(const char *services_dir, const char *name) {
        static const char *const files[] = { "state", "state.new", "plan.json", "plan.json.new", "exit" };
        _cleanup_close_ int parent = -EBADF, fd = -EBADF;

        if (!filename_is_valid(name))
                return -EINVAL;
        parent = open(services_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return negative_errno();
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        /* Only the names we write: anything else makes rmdir fail, and we
         * say so rather than delete what we do not know. */
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (unlinkat(fd, files[i], 0) < 0 && errno != ENOENT)
                        return negative_errno();
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int service_remove_runtime_dir(Service *s) {
        return service_runtime_dir_remove(s->manager->services_dir, s->name);
}
