/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A service's denials (service-denials.h).
 *
 * Each denied call waits in the kernel until it is answered here, so the
 * answering is bounded like the output pipe's reading: the listener is
 * read at the lowest priority of the loop (the bus, exits and timers
 * first), at most BATCH notifications per turn, at most BURST turns per
 * INTERVAL per service. A flood of denied calls then costs sandboxd a
 * bounded share of a CPU and no memory: past the rate the flooding
 * service's calls wait, which slows that service alone. The log gets one
 * line per distinct syscall and action per run (the first), the table at
 * most SECCOMP_DENIALS_MAX entries; past that, calls are only counted. */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch.h"
#include "manager.h"
#include "path-util.h"
#include "seccomp-notify.h"
#include "service-denials.h"
#include "service-internal.h"
#include "string-util.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define BATCH 64U
#define INTERVAL_USEC (100 * USEC_PER_MSEC)
#define BURST 100U

struct ServiceDenials {
        Service *service;
        SeccompListener listener;       /* .fd < 0 when not answering */
        sd_event_source *io_source;
        SeccompDenials table;
        bool logged_full;
        bool logged_error;
        char kill_reason[128];          /* the main process killed by the filter */
};

static const char *policy_name(const Service *s, char buf[static PLAN_POLICY_NAME_MAX]) {
        return plan_policy_name(s->plan, buf);
}

static void note(ServiceDenials *d, const SeccompEvent *ev) {
        Service *s = d->service;
        char name[SECCOMP_NAME_MAX], arch[16], action[SECCOMP_ACTION_STRING_MAX], pol[PLAN_POLICY_NAME_MAX];
        int r;

        r = seccomp_denials_add(&d->table, ev, service_now_usec(CLOCK_REALTIME));
        (void) seccomp_event_syscall_name(ev->arch, ev->nr, name);
        /* The service itself is the sandbox's PID 2: init's first child. */
        if (ev->killed && s->plan && (s->plan->namespaces & NAMESPACE_MASK(NAMESPACE_PID)) && ev->sandbox_pid == 2)
                (void) snprintf(d->kill_reason, sizeof(d->kill_reason), "%s denied by policy %s", name,
                                policy_name(s, pol));
        if (r == -ENOSPC && !d->logged_full) {
                d->logged_full = true;
                log_unit_warning(s, "More than %u distinct syscalls denied; further ones are only counted.",
                                 SECCOMP_DENIALS_MAX);
        }
        if (r != 1)
                return;
        if (ev->killed)
                log_unit_warning(s, "Killed PID %d (in the sandbox) for syscall %s (%s): %s by policy %s.",
                                 (int) ev->sandbox_pid, name, seccomp_arch_name(ev->arch, arch),
                                 seccomp_action_to_string(ev->action, action), policy_name(s, pol));
        else
                log_unit_warning(s, "Denied syscall %s (%s) to PID %d (in the sandbox): %s by policy %s.", name,
                                 seccomp_arch_name(ev->arch, arch), (int) ev->sandbox_pid,
                                 seccomp_action_to_string(ev->action, action), policy_name(s, pol));
}

static void stop_answering(ServiceDenials *d) {
        d->io_source = sd_event_source_disable_unref(d->io_source);
        d->listener.fd = safe_close(d->listener.fd);
}

static int on_listener(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        ServiceDenials *d = userdata;

        /* The plan can change under a running service (daemon-reload), the
         * program it was started with is the plan's of the run: re-read. */
        d->listener.prog = d->service->plan ? d->service->plan->seccomp_bpf : NULL;
        d->listener.n = d->service->plan ? d->service->plan->seccomp_bpf_size / sizeof(struct sock_filter) : 0;

        for (unsigned i = 0; i < BATCH; i++) {
                SeccompEvent ev;
                int r;

                r = seccomp_listener_handle(&d->listener, &ev);
                if (r == 0)
                        break;
                if (r == -EPIPE) {
                        /* Nothing is left under the filter. */
                        stop_answering(d);
                        break;
                }
                if (r < 0) {
                        if (!d->logged_error)
                                log_unit_warning_errno(d->service, r, "Failed to answer a denied syscall: %m");
                        d->logged_error = true;
                        break;
                }
                note(d, &ev);
        }
        return 0;
}

static int watch(ServiceDenials *d, int fd) {
        int r;

        r = sd_event_add_io(d->service->manager->event, &d->io_source, fd, EPOLLIN, on_listener, d);
        if (r < 0)
                return r;
        d->listener.fd = fd;
        /* Below the bus, as the output pipe is. */
        (void) sd_event_source_set_priority(d->io_source, SD_EVENT_PRIORITY_IDLE);
        r = sd_event_source_set_ratelimit(d->io_source, INTERVAL_USEC, BURST);
        if (r < 0)
                log_unit_debug(d->service, "Failed to rate-limit the seccomp listener, ignoring.");
        return 0;
}

static ServiceDenials *denials_get(Service *s) {
        if (!s->denials) {
                s->denials = calloc(1, sizeof(ServiceDenials));
                if (!s->denials)
                        return NULL;
                s->denials->service = s;
                s->denials->listener.fd = -EBADF;
        }
        return s->denials;
}

int service_denials_reset(Service *s) {
        ServiceDenials *d = denials_get(s);

        if (!d)
                return log_oom();
        stop_answering(d);
        *d = (ServiceDenials) { .service = s, .listener.fd = -EBADF };
        return 0;
}

void service_denials_note(const SeccompEvent *ev, void *userdata) {
        Service *s = userdata;

        if (s->denials)
                note(s->denials, ev);
}

void service_denials_start(Service *s, int listener_fd) {
        _cleanup_close_ int fd = listener_fd;
        ServiceDenials *d = denials_get(s);
        int r;

        if (!d) {
                log_oom();
                return;
        }
        stop_answering(d);
        if (fd < 0)
                return;
        r = watch(d, fd);
        if (r < 0) {
                /* Its denied calls would wait for nobody: not a run to keep. */
                log_unit_error_errno(s, r, "Failed to watch the seccomp listener, denied syscalls wait: %m");
                return;
        }
        TAKE_FD(fd);
}

void service_denials_adopt(Service *s) {
        _cleanup_close_ int fd = -EBADF;
        ServiceDenials *d;
        int r;

        if (!s->has_init || s->pidfd < 0)
                return;
        fd = (int) syscall(SYS_pidfd_getfd, s->pidfd, LAUNCH_INIT_LISTENER_FD, 0);
        if (fd < 0) {
                if (errno != EBADF)
                        log_unit_warning_errno(s, negative_errno(), "Failed to take the seccomp listener back from PID "
                                               "%d, denied syscalls wait: %m", (int) s->main_pid);
                return;
        }
        /* What init holds there is the listener only if its fdinfo says so. */
        if (!seccomp_fd_is_listener(fd)) {
                log_unit_warning(s, "PID %d holds no seccomp listener at fd %d, not answering it.", (int) s->main_pid,
                                 LAUNCH_INIT_LISTENER_FD);
                return;
        }
        d = denials_get(s);
        if (!d) {
                log_oom();
                return;
        }
        stop_answering(d);
        r = watch(d, fd);
        if (r < 0) {
                log_unit_error_errno(s, r, "Failed to watch the seccomp listener, denied syscalls wait: %m");
                return;
        }
        TAKE_FD(fd);
        log_unit_debug(s, "Took the seccomp listener back from PID %d.", (int) s->main_pid);
}

void service_denials_stop(Service *s) {
        if (s->denials)
                stop_answering(s->denials);
}

ServiceDenials *service_denials_free(ServiceDenials *d) {
        if (!d)
                return NULL;
        stop_answering(d);
        free(d);
        return NULL;
}

int service_denials_append(Service *s, sd_bus_message *reply) {
        size_t order[SECCOMP_DENIALS_MAX];
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sssttu)");
        if (r < 0)
                return r;
        if (s->denials) {
                const SeccompDenials *t = &s->denials->table;

                seccomp_denials_order(t, order);
                for (size_t i = 0; i < t->n; i++) {
                        const SeccompDenial *e = &t->items[order[i]];
                        char name[SECCOMP_NAME_MAX], arch[16], action[SECCOMP_ACTION_STRING_MAX];

                        r = sd_bus_message_append(reply, "(sssttu)", seccomp_event_syscall_name(e->arch, e->nr, name),
                                                  seccomp_arch_name(e->arch, arch),
                                                  seccomp_action_to_string(e->action, action), e->count, e->last_usec,
                                                  (uint32_t) e->sandbox_pid);
                        if (r < 0)
                                return r;
                }
        }
        return sd_bus_message_close_container(reply);
}

const char *service_denials_kill_reason(Service *s) {
        return s->denials ? s->denials->kill_reason : "";
}
