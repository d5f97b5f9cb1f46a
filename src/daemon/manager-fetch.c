/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A start whose images must be imported or pulled first (Pull=, an
 * archive not in the store yet): the import and the pull run in a forked
 * worker, because libarchive and the registry client block for as long as
 * the bytes take, and sandboxd's loop must keep answering (and its
 * watchdog keep being fed) meanwhile. The worker writes only to the store,
 * whose writes are atomic and locked, so killing it (StopUnit, a sandboxd
 * that dies: PR_SET_PDEATHSIG) leaves no half image. The compile and the
 * launch then run on the loop as for any start, and the StartUnit calls
 * that waited are answered. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-api.h"
#include "diag.h"
#include "image-import.h"
#include "image-pull.h"
#include "image-store.h"
#include "launch.h"
#include "log.h"
#include "manager.h"
#include "service.h"
#include "string-util.h"
#include "unit.h"

/* The worker's error text, at most: it waits in the pipe (64 KiB). */
#define FETCH_TEXT_MAX (16U * 1024U)

struct FetchJob {
        Manager *manager;
        char *name;
        char *path;             /* the unit as the client named it, or NULL */
        uid_t caller;
        pid_t pid;
        int pidfd;
        int text_fd;            /* read end: what failed, one sentence */
        sd_event_source *source;
        sd_bus_message **waiters;
        size_t n_waiters;
        bool created;           /* the Service was made for status while it pulls */
        bool cancelled;         /* StopUnit */
};

static FetchJob *fetch_job_free(FetchJob *j) {
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->source);
        if (j->pidfd >= 0) {
                /* Not answered: kill and reap, never leave a worker behind. */
                (void) syscall(SYS_pidfd_send_signal, j->pidfd, SIGKILL, NULL, 0);
                (void) waitid((idtype_t) P_PIDFD, (id_t) j->pidfd, &(siginfo_t) {}, WEXITED);
                safe_close(j->pidfd);
        }
        safe_close(j->text_fd);
        for (size_t i = 0; i < j->n_waiters; i++)
                sd_bus_message_unref(j->waiters[i]);
        free(j->waiters);
        free(j->name);
        free(j->path);
        return mfree(j);
}

FetchJob *manager_get_fetch_job(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_fetch_jobs; i++)
                if (streq(m->fetch_jobs[i]->name, name))
                        return m->fetch_jobs[i];
        return NULL;
}

static void fetch_job_forget(Manager *m, FetchJob *j) {
        for (size_t i = 0; i < m->n_fetch_jobs; i++)
                if (m->fetch_jobs[i] == j) {
                        memmove(m->fetch_jobs + i, m->fetch_jobs + i + 1, (m->n_fetch_jobs - i - 1) * sizeof(FetchJob *));
                        m->n_fetch_jobs--;
                        break;
                }
        fetch_job_free(j);
}

int manager_fetch_job_add_waiter(FetchJob *j, sd_bus_message *msg) {
        sd_bus_message **w;

        w = reallocarray(j->waiters, j->n_waiters + 1, sizeof(sd_bus_message *));
        if (!w)
                return -ENOMEM;
        j->waiters = w;
        j->waiters[j->n_waiters++] = sd_bus_message_ref(msg);
        return 1; /* answered later */
}

static void worker_progress(void *userdata, const char *what, const char *digest, uint64_t size,
                            uint64_t resumed_from, bool present) {
        const char *name = userdata;

        if (!present)
                log_info("%s: pulled %s %s (%" PRIu64 " bytes%s)", name, what, digest, size,
                         resumed_from > 0 ? ", resumed" : "");
}

static void worker_warning(void *userdata, const char *text) {
        log_warning("%s: %s", (const char *) userdata, text);
}

/* In the worker: the imports, then the pulls. 0, or the failure's sentence
 * written to fd. */
_noreturn_ static void worker_main(const char *name, const char *unit, uid_t caller, const char *config_dir, int fd) {
        _cleanup_(image_pull_config_done) ImagePullConfig c = {};
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *text = NULL;
        int r = 0;

        if (unit_load_as(unit, caller, &u, &d) >= 0) {
                r = image_import_unit(image_store_dir(), u, caller, &text);
                if (r >= 0)
                        r = image_pull_config_load(config_dir, &c, &text);
                if (r >= 0)
                        r = image_pull_unit(image_store_dir(), u, &c, worker_progress, worker_warning, (void *) name,
                                            &text);
                /* Here rather than in the event loop. A tarball that does
                 * not unpack fails the start itself, which says why. */
                if (r >= 0)
                        (void) image_unpack_unit_tarballs(u, NULL);
        }
        if (r < 0) {
                if (!text)
                        (void) asprintf_safe(&text, "%s: Failed to fetch the unit's images: %s", unit, strerror(-r));
                if (text)
                        (void) !write(fd, text, MIN(strlen(text), (size_t) FETCH_TEXT_MAX));
        }
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static void answer(FetchJob *j, int r, const char *message, bool bad) {
        for (size_t i = 0; i < j->n_waiters; i++)
                bus_api_reply_start(j->waiters[i], j->name, r, message, bad);
        if (j->n_waiters == 0 && r < 0)
                /* An enabled unit at startup: nobody else to tell. */
                log_error_errno(r, "Failed to start %s: %s", j->name, message ?: strerror(-r));
}

static int on_worker_exit(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        FetchJob *j = userdata;
        Manager *m = j->manager;
        _cleanup_free_ char *message = NULL, *name = NULL;
        siginfo_t si = {};
        char buf[FETCH_TEXT_MAX + 1];
        bool bad = true;
        ssize_t n;
        Service *s;
        int r;

        if (waitid((idtype_t) P_PIDFD, (id_t) j->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0; /* not yet: spurious */
        j->pidfd = safe_close(j->pidfd);
        j->source = sd_event_source_disable_unref(j->source);
        n = read(j->text_fd, buf, FETCH_TEXT_MAX);
        buf[n > 0 ? (size_t) n : 0] = '\0';

        s = manager_get_service(m, j->name);
        if (s) {
                s->fetching = false;
                bus_api_emit_unit_changed(m, s->name, s->rt.state, s->rt.result);
        }

        if (j->cancelled) {
                r = -ECANCELED;
                (void) asprintf_safe(&message, "Unit %s was stopped (StopUnit) while its images were pulled.", j->name);
                bad = false;
        } else if (si.si_code == CLD_EXITED && si.si_status == EXIT_SUCCESS) {
                log_info("Images of %s are ready, starting it.", j->name);
                r = manager_start_unit_as(m, j->name, j->path, j->caller, NULL, &message, &bad);
        } else {
                r = si.si_code == CLD_EXITED ? -EIO : -EINTR;
                if (buf[0])
                        message = strdup(buf);
                else
                        (void) asprintf_safe(&message, "The image worker of %s was killed by signal %d.", j->name,
                                             si.si_status);
                bad = si.si_code == CLD_EXITED;
        }
        s = manager_get_service(m, j->name);
        if (r < 0 && s && j->created && !s->plan && s->rt.state == SERVICE_INACTIVE) {
                /* Nothing of a start that never got its image stays behind. */
                bus_api_emit_unit_changed(m, s->name, s->rt.state, s->rt.result);
                service_free(s);
        }
        answer(j, r, message, bad);
        name = TAKE_PTR(j->name);
        fetch_job_forget(m, j);
        /* Its enabled joiners now find it running, or fail saying it is not. */
        manager_start_deferred(m, name);
        return 0;
}

int manager_start_unit_fetching(Manager *m, const char *name, const char *path, uid_t caller, sd_bus_message *msg) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_close_pair_ int pipefd[2] = { -EBADF, -EBADF };
        FetchJob *j, **a;
        Service *s = manager_get_service(m, name);
        const char *unit = path ?: (s && s->unit_path ? s->unit_path : name);
        pid_t pid;
        int r;

        j = manager_get_fetch_job(m, name);
        if (j)
                return msg ? manager_fetch_job_add_waiter(j, msg) : 1;

        /* A unit that does not load is the synchronous start's to report;
         * one whose images are all in the store needs no worker. */
        if (unit_load_as(unit, caller, &u, &d) < 0 || !image_unit_needs_fetch(image_store_dir(), u))
                return 0;

        /* Non-blocking: the text (at most FETCH_TEXT_MAX) fits the pipe, and the
         * read after the exit must not wait for a writer that inherited it. */
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        j = calloc(1, sizeof(FetchJob));
        if (!j)
                return -ENOMEM;
        *j = (FetchJob) { .manager = m, .caller = caller, .pidfd = -EBADF, .text_fd = -EBADF };
        j->name = strdup(name);
        j->path = path ? strdup(path) : NULL;
        a = reallocarray(m->fetch_jobs, m->n_fetch_jobs + 1, sizeof(FetchJob *));
        if (!j->name || (path && !j->path) || !a) {
                fetch_job_free(j);
                return -ENOMEM;
        }
        m->fetch_jobs = a;

        pid = fork();
        if (pid < 0) {
                r = -errno;
                fetch_job_free(j);
                return r;
        }
        if (pid == 0) {
                /* Dies with sandboxd: a new one starts the unit again. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
                        _exit(EXIT_FAILURE);
                pipefd[0] = safe_close(pipefd[0]);
                worker_main(name, unit, caller, m->config_dir, pipefd[1]);
        }
        j->pid = pid;
        j->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        j->text_fd = TAKE_FD(pipefd[0]);
        if (j->pidfd < 0) {
                r = -errno;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                fetch_job_free(j);
                return r;
        }
        r = sd_event_add_io(m->event, &j->source, j->pidfd, EPOLLIN, on_worker_exit, j);
        if (r >= 0 && msg)
                r = manager_fetch_job_add_waiter(j, msg);
        if (r >= 0 && !s) {
                r = service_new(m, name, &s);
                j->created = r >= 0;
        }
        if (r < 0) {
                fetch_job_free(j);
                return r;
        }
        m->fetch_jobs[m->n_fetch_jobs++] = j;
        s->fetching = true;
        if (path && !s->unit_path)
                s->unit_path = strdup(path); /* for status; the start sets it again */
        bus_api_emit_unit_changed(m, s->name, s->rt.state, s->rt.result);
        log_info("Fetching the images of %s in worker %d.", name, (int) pid);
        return 1;
}

void manager_cancel_fetch(Manager *m, const char *name) {
        FetchJob *j = manager_get_fetch_job(m, name);

        if (!j || j->pidfd < 0)
                return;
        j->cancelled = true;
        (void) syscall(SYS_pidfd_send_signal, j->pidfd, SIGKILL, NULL, 0);
}

void manager_free_fetch_jobs(Manager *m) {
        while (m->n_fetch_jobs > 0)
                fetch_job_forget(m, m->fetch_jobs[m->n_fetch_jobs - 1]);
        m->fetch_jobs = mfree(m->fetch_jobs);
}
