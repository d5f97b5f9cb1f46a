/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Re-adoption (docs/sandboxd-api.md, "Re-adoption"): at startup, each
 * $services_dir/NAME written by an earlier sandboxd is read back as hostile
 * input (state-file.c parses it strictly) and acted on: a service whose
 * main process still runs is watched again through a new pidfd, one that
 * ended meanwhile is fed to the state table as if we had seen it end, and
 * one whose files do not read back is not adopted: what is left in its
 * cgroup is killed. */

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net.h"
#include "cgroup.h"
#include "manager.h"
#include "plan-json.h"
#include "service-denials.h"
#include "service-internal.h"
#include "service-log.h"
#include "fileio.h"
#include "state-file.h"
#include "string-util.h"

static int pidfd_open_pid(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? negative_errno() : fd;
}


/* Not adoptable: log why, kill its cgroup if the driver accepts the
 * string (nothing unsupervised may keep running), keep it as failed. The
 * driver's adopt() gets a plan that holds only this service's name, so a
 * doctored string can never name another service's cgroup. */
static int service_adopt_bad(Service *s, const char *driver, const char *cgroup, const char *why) {
        const CgroupDriver *d;
        Cgroup *cg = NULL;
        int r;

        log_unit_error(s, "Not adopting it: %s", why);

        d = driver && !isempty(cgroup) ? cgroup_driver_by_name(driver) : NULL;
        if (d) {
                r = cgroup_adopt(d, s->name, cgroup, &cg);
                if (r >= 0) {
                        log_unit_warning(s, "Killing what is left in its cgroup %s.", strna(cgroup_name(cg)));
                        (void) cgroup_kill(cg, SIGKILL);
                        r = cgroup_destroy(cg);
                        if (r < 0)
                                log_unit_warning_errno(s, r, "Failed to remove the cgroup: %m");
                        cg = cgroup_free(cg);
                } else if (r != -ENOENT)
                        log_unit_warning_errno(s, r, "Cannot re-open its cgroup to kill what is left: %m");
        }

        if (s->cgroup)
                log_unit_warning(s, "Killing what is left in its cgroup %s.", strna(cgroup_name(s->cgroup)));
        service_cleanup(s);
        service_disarm_timers(s);
        s->rt.state = SERVICE_FAILED;
        s->rt.result = SERVICE_RESULT_BAD_STATE;
        s->state_change_realtime = service_now_usec(CLOCK_REALTIME);
        r = service_save(s, false);
        if (r < 0)
                log_unit_warning_errno(s, r, "Failed to rewrite its state: %m");
        return 0;
}

/* A unit that had a process: re-adopt it if it is still the same process,
 * else act on its end as if we had seen it. */
static int service_adopt_process(Service *s, const StateFile *f) {
        _cleanup_close_ int pidfd = -EBADF;
        const CgroupDriver *d = cgroup_driver_by_name(f->cgroup_driver);
        Cgroup *cg = NULL;
        uint64_t starttime;
        ServiceExit e;
        int r;

        if (!d)
                return service_adopt_bad(s, NULL, NULL, "unknown cgroup driver");
        if (f->cgroup) {
                /* The only value from the file that names a kernel object,
                 * and it goes through the driver's validating adopt(). */
                r = cgroup_adopt(d, s->plan ? s->plan->name : NULL, f->cgroup, &cg);
                if (r < 0 && r != -ENOENT) {
                        _cleanup_free_ char *why = NULL;

                        if (asprintf(&why, "cannot re-open its cgroup (%s)", strerror(-r)) < 0)
                                why = NULL;
                        return service_adopt_bad(s, f->cgroup_driver, f->cgroup, why ?: "cannot re-open its cgroup");
                }
        }
        s->cgroup = cg;

        /* pidfd first, then the start time: if they match, the pidfd pins
         * the process we launched and not a later one with its pid. */
        if (f->main_pid > 0) {
                r = pidfd_open_pid(f->main_pid);
                if (r < 0 && r != -ESRCH)
                        /* We cannot tell whether it lives: neither restart
                         * it nor kill it. The next sandboxd may manage. */
                        return log_unit_full_errno(s, LOG_ERR, r, "Cannot pin main PID %d, leaving the service alone: %m",
                                                   (int) f->main_pid);
                if (r >= 0) {
                        pidfd = r;
                        r = pid_get_starttime(f->main_pid, &starttime);
                        if (r < 0 || starttime != f->main_pid_starttime)
                                pidfd = safe_close(pidfd);
                        else if (!cg || !cgroup_control_group(cg) || pid_in_cgroup(f->main_pid, cgroup_control_group(cg)) <= 0) {
                                /* Same pid and start time, but not in the
                                 * service's cgroup: the file names a process
                                 * that is not ours. Never signal it. */
                                log_unit_error(s, "PID %d is not in the service's cgroup, not adopting it.",
                                               (int) f->main_pid);
                                pidfd = safe_close(pidfd);
                                return service_adopt_bad(s, NULL, NULL, "its main PID is not in its cgroup");
                        }
                        else if (poll(&(struct pollfd) { .fd = pidfd, .events = POLLIN }, 1, 0) > 0)
                                /* Ended, but nobody reaped it yet (its new
                                 * parent need not be a real init). */
                                pidfd = safe_close(pidfd);
                }
        }

        if (pidfd >= 0) {
                s->main_pid = f->main_pid;
                s->main_pid_starttime = f->main_pid_starttime;
                s->net_owner_pid = f->net_owner_pid;
                s->net_owner_starttime = f->net_owner_starttime;
                s->pidfd = TAKE_FD(pidfd);
                /* Not our child any more: its end is known only from the
                 * exit file. */
                s->is_child = false;
                r = service_watch_pidfd(s);
                if (r < 0) {
                        s->pidfd = safe_close(s->pidfd);
                        return service_adopt_bad(s, NULL, NULL, "cannot watch its main process");
                }
                log_unit_info(s, "Re-adopted, main PID %d.", (int) s->main_pid);
                service_log_adopt(s);
                /* Its ports again: a no-op where they are, the table made
                 * anew where another tool flushed it meanwhile. */
                if (s->plan->network == NETWORK_PRIVATE) {
                        _cleanup_free_ char *net_msg = NULL;

                        r = net_host_publish(s->plan, false, &net_msg);
                        if (r < 0)
                                log_unit_warning_errno(s, r, "Failed to restore the published ports, ignoring: %s",
                                                       strna(net_msg));
                }
                service_adopt_sockets(s);
                service_denials_adopt(s);

                if (s->rt.state == SERVICE_STARTING)
                        /* It was saved between the launch and STARTED. */
                        (void) service_dispatch(s, SERVICE_EVENT_STARTED, NULL, NULL);
                else if (s->rt.state == SERVICE_STOPPING && s->plan->timeout_stop_usec > 0 &&
                         s->plan->timeout_stop_usec != USEC_INFINITY)
                        /* The old deadline is not kept: a full timeout again. */
                        service_arm_timer(s, service_now_usec(CLOCK_MONOTONIC) + s->plan->timeout_stop_usec);
                return 0;
        }

        log_unit_notice(s, "Main process %d ended while sandboxd was not running.", (int) f->main_pid);
        s->main_pid = f->main_pid; /* for the log lines; CLEANUP forgets it */
        s->is_child = false;
        service_collect_exit(s, &e);
        (void) service_dispatch(s, SERVICE_EVENT_EXITED, &e, NULL);
        return 0;
}

int service_adopt(Manager *m, const char *name, Service **ret) {
        _cleanup_(state_file_done) StateFile f = {};
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *text = NULL, *json = NULL, *reason = NULL, *why = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        bool state_ok = false;
        size_t size, state_size = 0;
        Service *s;
        int r;

        if (!m || !unit_name_is_valid(name))
                return -EINVAL;

        r = service_dir_open(m->services_dir, name, false, &dir_fd);
        if (r < 0)
                return r;

        r = read_full_file_at(dir_fd, "state", O_NOFOLLOW, STATE_FILE_MAX, &text, &state_size);
        if (r < 0)
                (void) asprintf_safe(&why, "%s/%s/state: %s", m->services_dir, name, strerror(-r));
        else {
                r = state_file_parse(text, state_size, &f, &reason);
                if (r < 0)
                        (void) asprintf_safe(&why, "%s/%s/state: %s", m->services_dir, name,
                                             reason ?: strerror(-r));
                else
                        state_ok = true;
        }

        if (state_ok && !streq(f.boot_id, m->boot_id)) {
                /* Nothing of another boot runs now: forget it entirely. */
                log_debug("Runtime directory of %s is from another boot, removing it.", name);
                r = service_runtime_dir_remove(m->services_dir, name);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s/%s: %m", m->services_dir, name);
                return -ESTALE;
        }

        if (state_ok) {
                reason = mfree(reason);
                r = read_full_file_at(dir_fd, "plan.json", O_NOFOLLOW, PLAN_FILE_MAX, &json, &size);
                if (r == -ENOENT && (f.rt.state == SERVICE_INACTIVE || f.rt.state == SERVICE_FAILED))
                        /* Never launched (a unit that did not compile): kept for status. */
                        ;
                else if (r < 0)
                        (void) asprintf_safe(&why, "%s/%s/plan.json: %s", m->services_dir, name, strerror(-r));
                else if (!utf8_is_valid(json, size))
                        /* Its strings go out over D-Bus (Description...),
                         * where one that is not UTF-8 fails the reply. */
                        (void) asprintf_safe(&why, "%s/%s/plan.json: not UTF-8", m->services_dir, name);
                else {
                        r = plan_from_json(json, size, &plan, &reason);
                        if (r < 0)
                                (void) asprintf_safe(&why, "%s/%s/plan.json: %s", m->services_dir, name,
                                                     reason ?: strerror(-r));
                        else if (plan->name && !streq(plan->name, name))
                                (void) asprintf_safe(&why, "%s/%s/plan.json: the plan of another service", m->services_dir,
                                                     name);
                }
        }

        r = service_new(m, name, &s);
        if (r < 0)
                return r;

        if (state_ok) {
                s->rt = f.rt;
                s->unit_path = TAKE_PTR(f.unit);
                s->has_init = f.has_init;
                s->last_exit = f.last_exit;
                s->has_last_exit = f.has_last_exit;
                s->last_exit_seccomp = TAKE_PTR(f.last_exit_seccomp);
                s->last_start_error = TAKE_PTR(f.last_start_error);
                s->started_by = f.started_by;
                s->restart_with_owner = f.restart_with_owner;
                s->active_since_realtime = f.active_since_realtime;
                s->state_change_realtime = f.state_change_realtime;
        }
        /* A plan that did not read back is worth nothing: keep none. */
        if (!why)
                s->plan = TAKE_PTR(plan);

        if (!state_ok || why ||
            (!s->plan && s->rt.state != SERVICE_INACTIVE && s->rt.state != SERVICE_FAILED)) {
                _cleanup_free_ char *salvaged = NULL;
                char driver[16] = "";

                /* An unparseable state may still name its cgroup well enough
                 * for the driver to find (and validate) it. */
                if (state_ok)
                        (void) service_adopt_bad(s, f.cgroup_driver, f.cgroup, why ?: "unreadable state or plan");
                else {
                        (void) state_file_salvage_cgroup(text, state_size, &salvaged, driver);
                        (void) service_adopt_bad(s, driver, salvaged, why ?: "unreadable state");
                }
                *ret = s;
                return 0;
        }

        switch (s->rt.state) {
        case SERVICE_STARTING:
        case SERVICE_RUNNING:
        case SERVICE_STOPPING:
                r = service_adopt_process(s, &f);
                break;

        case SERVICE_AUTO_RESTART: {
                uint64_t now = service_now_usec(CLOCK_MONOTONIC), delay = service_restart_delay(s->plan, s->rt.n_restarts);
                uint64_t at = f.restart_at_usec;

                /* Never later than the delay the table would give now: a
                 * hostile restart_at_usec must not park the unit forever. */
                if (at > now && at - now > delay)
                        at = delay >= USEC_INFINITY - now ? USEC_INFINITY - 1 : now + delay;
                s->restart_at_usec = at;
                service_arm_timer(s, at);
                log_unit_info(s, "Re-adopted, waiting to restart.");
                r = 0;
                break;
        }

        default:
                /* inactive, failed: kept for status. */
                r = 0;
                break;
        }
        if (r < 0)
                return r;

        r = service_save(s, false);
        if (r < 0)
                log_unit_warning_errno(s, r, "Failed to rewrite its state: %m");
        *ret = s;
        return 0;
}
