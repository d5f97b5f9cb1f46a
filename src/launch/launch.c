/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Starting a sandbox: the parent's steps and the child's steps, each as
 * one flat list in the order the design gives, with the points where the
 * two wait for each other marked "SYNC n (parent)" and "SYNC n (child)".
 *
 *   SYNC 1  parent -> child, one byte: the child is in every cgroup it
 *           belongs to and its id maps are written. Until then it only
 *           arranges its own fds; it runs nothing of the plan.
 *   SYNC 2  child -> parent: a LaunchError if a step failed, else nothing
 *           and EOF: the socket is close-on-exec, so it closes when the
 *           service's execve succeeds (and init has closed its copy).
 *
 * Failure has one path on each side. In the child: the failing step fills
 * a LaunchError, which is sent to the parent, and the child exits; every
 * mount it made lives in its own mount namespace and dies with it. In the
 * parent: log that one sentence, SIGKILL the child through its pidfd (with
 * a pid namespace that ends everything in it), reap it, close our fds.
 * The cgroup is the caller's: it made it, it destroys it. */

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "idrange.h"
#include "launch-internal.h"
#include "log.h"
#include "missing-wait.h"
#include "net.h"
#include "plan-seccomp.h"
#include "seccomp-load.h"
#include "seccomp-notify.h"
#include "plan.h"
#include "proc-cgroup.h"
#include "string-util.h"
#include "strv.h"


_printf_(5, 0) static int launch_error_va(LaunchError *e, int r, bool sentence, const char *step, const char *fmt, va_list ap) {
        e->error = r < 0 ? -r : EIO;
        e->sentence = sentence;
        snprintf(e->step, sizeof(e->step), "%s", step);
        vsnprintf(e->what, sizeof(e->what), fmt, ap);
        return r < 0 ? r : -EIO;
}

int launch_error(LaunchError *e, int r, const char *step, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        r = launch_error_va(e, r, false, step, fmt, ap);
        va_end(ap);
        return r;
}

int launch_error_sentence(LaunchError *e, int r, const char *step, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        r = launch_error_va(e, r, true, step, fmt, ap);
        va_end(ap);
        return r;
}

static void launch_context_close_join_fds(LaunchContext *c) {
        close_many(c->join_fds, c->n_join_fds);
        c->join_fds = mfree(c->join_fds);
        c->n_join_fds = 0;
}

static void launch_context_done(LaunchContext *c) {
        c->layer_dirs = strv_free(c->layer_dirs);
        c->resolv_conf = mfree(c->resolv_conf);
        c->service_env = strv_free(c->service_env);
        c->mount_prep = mount_prep_free(c->mount_prep, c->plan->n_mounts);
        launch_context_close_join_fds(c);
        c->notify_prog = mfree(c->notify_prog);
}

/* ---- the child ---- */

_noreturn_ void launch_child_exit(int sync_fd, const LaunchError *e) {
        /* write(), not send(): after the seccomp filter is loaded, write is
         * what every policy allows. The parent reads the reason; the status
         * only has to be non-zero. */
        (void) write(sync_fd, e, sizeof(*e));
        _exit(streq(e->step, "exec") ? (e->error == ENOENT ? LAUNCH_EXIT_NOT_FOUND : LAUNCH_EXIT_CANNOT_EXECUTE)
                                     : LAUNCH_EXIT_SETUP);
}

/* Behind one function so that the seccomp helper's loader can be swapped
 * without touching the launch order. */
static int load_seccomp(const Plan *p, LaunchError *e) {
        int r;

        if (!p->seccomp_bpf || p->seccomp_bpf_size == 0)
                return 0;
        r = launch_seccomp_load(p);
        if (r < 0)
                return launch_error(e, r, "seccomp", "load the seccomp filter");
        return 0;
}

/* Said plainly, since these are what a unit author gets wrong. The checks
 * run only after a failed execve, under the filter, which may refuse
 * them: then we say less. */
static int exec_failed(const Plan *p, const BecomeOptions *o, const char *bin, int r, LaunchError *e) {
        if (r == -ENOENT) {
                if (faccessat(AT_FDCWD, bin, F_OK, 0) >= 0)
                        return launch_error_sentence(e, r, "exec", "%s %s is in %s, but its interpreter (ELF "
                                                     "loader or #! program) is not", o->what, bin, o->where);
                return launch_error_sentence(e, r, "exec", "%s %s not found in %s", o->what, bin, o->where);
        }
        if (r == -EACCES)
                return launch_error_sentence(e, r, "exec", "%s %s cannot be executed by uid %u "
                                             "(not a regular file with execute permission, or on a noexec mount)",
                                             o->what, bin, (unsigned) p->uid);
        if (r == -ENOEXEC)
                return launch_error_sentence(e, r, "exec", "%s %s is not in an executable format", o->what, bin);
        return launch_error(e, r, "exec", "execute %s", bin);
}

/* Errors of one PATH entry after which the search goes on. */
static bool path_entry_lacks_it(int r) {
        return r == -ENOENT || r == -ENOTDIR || r == -ENAMETOOLONG || r == -ELOOP || r == -ESTALE || r == -ENODEV;
}

/* As execvp(3) does, but with the plan's PATH (the caller's environment is
 * not the sandbox's), and only execve(2) calls: this runs under the filter.
 * An empty PATH entry means the working directory, as POSIX has it. */
static int exec_in_path(const Plan *p, const BecomeOptions *o, LaunchError *e) {
        char **env = o->environment ?: p->environment;
        const char *bin = o->argv[0], *path = strv_env_get(env, "PATH") ?: LAUNCH_DEFAULT_PATH;
        bool denied = false;
        char buf[PATH_MAX];

        for (const char *s = path;;) {
                size_t len = strcspn(s, ":");
                int n = len > 0 ? snprintf(buf, sizeof(buf), "%.*s/%s", (int) len, s, bin)
                                : snprintf(buf, sizeof(buf), "%s", bin);

                if (n > 0 && (size_t) n < sizeof(buf)) {
                        int r;

                        execve(buf, o->argv, env);
                        r = negative_errno();
                        if (r == -EACCES)
                                denied = true;
                        else if (!path_entry_lacks_it(r))
                                return exec_failed(p, o, buf, r, e);
                }
                if (s[len] == '\0')
                        break;
                s += len + 1;
        }
        if (denied)
                return launch_error_sentence(e, -EACCES, "exec", "%s %s was found in PATH=%s, but cannot be executed "
                                             "by uid %u", o->what, bin, path, (unsigned) p->uid);
        return launch_error_sentence(e, -ENOENT, "exec", "%s %s not found in PATH=%s in %s", o->what, bin, path, o->where);
}

/* Become the plan's process and exec: the service itself, init's child, or
 * the command of launch_exec(). One path, so that a command run in a
 * sandbox later gets exactly what the service got. */
int launch_become_service(const Plan *p, const BecomeOptions *o, int *sync_fd, LaunchError *e) {
        sigset_t none;
        bool nnp;
        int r;

        /* init (or launch_exec's middle process) blocked every signal
         * before it forked us. */
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return launch_error(e, negative_errno(), "signals", "unblock signals");

        r = process_set_rlimits(p, e);
        if (r < 0)
                return r;

        /* groups, gid, uid (keeping wanted caps) -> bounding, permitted,
         * effective, inheritable, ambient: see caps.c for the order. */
        r = caps_apply(p, e);
        if (r < 0)
                return r;

        /* The uid change cleared the parent death signal. */
        if (o->die_with_parent) {
                r = process_die_with_parent(*sync_fd, e);
                if (r < 0)
                        return r;
        }

        /* Made by the user who will use it, so that it is theirs. */
        if (o->tty) {
                r = pty_setup_child(p, *sync_fd, o->tty_rows, o->tty_cols, e);
                if (r < 0)
                        return r;
        }

        /* seccomp(2) refuses a filter to a process that has neither
         * no_new_privs nor CAP_SYS_ADMIN; like systemd, a filter implies
         * NoNewPrivileges= then (the compiler should say so in the plan). */
        nnp = p->no_new_privileges ||
              (p->seccomp_bpf && !(p->cap_effective & (UINT64_C(1) << CAP_SYS_ADMIN)));
        if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "no-new-privileges", "set no_new_privs");

        /* As the service's user, so that its permissions decide. */
        if (chdir(p->working_directory ?: "/") < 0)
                return launch_error(e, negative_errno(), "working-directory", "change to WorkingDirectory=%s",
                                    p->working_directory ?: "/");
        umask(0022);

        r = fd_pass_listen(o->n_listen_fds, sync_fd, e);
        if (r < 0)
                return r;
        /* LISTEN_PID is the pid the service sees for itself: in a pid
         * namespace, not init's 1 and not the host's. We are the process
         * that execs, so getpid() is it. */
        if (o->listen_pid)
                (void) snprintf(o->listen_pid, LAUNCH_LISTEN_PID_DIGITS + 1, "%d", (int) getpid());

        /* Last before exec: from here on only what the filter allows. */
        r = o->notify_prog ? listener_load(p, o, *sync_fd, e) : load_seccomp(p, e);
        if (r < 0)
                return r;

        /* SYNC 2 (child): a successful execve closes our copy of the sync
         * socket (close-on-exec); a failure returns the LaunchError. */
        if (o->search_path && !strchr(o->argv[0], '/'))
                return exec_in_path(p, o, e);
        execve(o->argv[0], o->argv, o->environment ?: p->environment);
        return exec_failed(p, o, o->argv[0], negative_errno(), e);
}

/* The service: the child itself, or init's child with a pid namespace. */
static _noreturn_ void service_main(LaunchContext *c) {
        const BecomeOptions o = {
                .argv = c->plan->argv,
                .what = "ExecStart binary",
                .where = "the image",
                /* With a pid namespace init carries it, and the service
                 * dies with init. */
                .die_with_parent = c->params->die_with_parent && !c->pidns,
                .n_listen_fds = c->params->n_listen_fds,
                .environment = c->service_env,
                .listen_pid = c->listen_pid,
                .tty = c->params->tty,
                .tty_rows = c->params->tty_rows,
                .tty_cols = c->params->tty_cols,
                .notify_prog = c->notify_prog,
                .notify_n = c->notify_n,
        };
        /* Ours: with a pid namespace we share init's memory (vfork), and
         * init's c->sync_fd must stay its own. */
        int sync_fd = c->sync_fd;
        LaunchError e = {};

        (void) launch_become_service(c->plan, &o, &sync_fd, &e);
        launch_child_exit(sync_fd, &e);
}

static int service_vforked(void *userdata) {
        service_main(userdata);
}

static bool controllers_have(const ProcCgroupLine *l, const char *name) {
        const char *p = l->controllers, *end = l->controllers + l->controllers_len;
        size_t n = strlen(name);

        while (p < end) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                size_t len = (size_t) ((comma ?: end) - p);

                if (len == n && memcmp(p, name, n) == 0)
                        return true;
                p += len + 1;
        }
        return false;
}

/* For init's exit report (init.c): the memory controller's event file of
 * the cgroup we are in now, memory.oom_control where memory is a v1
 * hierarchy, else memory.events on cgroup v2, opened while the host's
 * /sys and our cgroup's path are still in sight; moved to min_fd or above,
 * clear of the fds with fixed numbers. Only if that cgroup is the
 * sandbox's own (its last component is name): the count of a parent
 * (a driver that made no memory cgroup for us) would be other services'
 * kills too. Allocates nothing (we are the caller's fork) and fails
 * nothing: without it, sandboxd asks the cgroup (cgroup_oom_killed()). */
static int open_oom_events(const char *name, int min_fd) {
        char text[4096], path[PATH_MAX];
        const ProcCgroupLine *cg = NULL;
        ProcCgroupLine l, v1 = {}, v2 = {};
        const char *last;
        _cleanup_close_ int fd = -EBADF, f = -EBADF;
        const char *p = text;
        struct statfs sfs;
        size_t size = 0;
        int k;

        f = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (f < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(f, text + size, sizeof(text) - size);

                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size == sizeof(text))
                        return -E2BIG;
        }
        while (proc_cgroup_next(&p, text + size, &l)) {
                if (!v1.path && controllers_have(&l, "memory"))
                        v1 = l;
                else if (!v2.path && proc_cgroup_line_is_v2(&l))
                        v2 = l;
        }
        if (v1.path)
                cg = &v1;
        else if (v2.path && statfs("/sys/fs/cgroup", &sfs) >= 0 && (uint64_t) sfs.f_type == (uint64_t) CGROUP2_SUPER_MAGIC)
                cg = &v2;
        else
                return -ENOENT;
        if (cg->path_len == 0 || cg->path[0] != '/' || memmem(cg->path, cg->path_len, "/..", 3))
                return -EINVAL;
        last = (const char *) memrchr(cg->path, '/', cg->path_len) + 1;
        if (!name || (size_t) (cg->path + cg->path_len - last) != strlen(name) || memcmp(last, name, strlen(name)) != 0)
                return -ENOENT;
        k = snprintf(path, sizeof(path), "%s%.*s/%s", cg == &v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup",
                     (int) cg->path_len, cg->path, cg == &v1 ? "memory.oom_control" : "memory.events");
        if (k < 0 || (size_t) k >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        k = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
        return k < 0 ? -errno : k;
}

static _noreturn_ void child_main(LaunchContext *c) {
        const Plan *p = c->plan;
        const LaunchParams *params = c->params;
        _cleanup_close_ int root_fd = -EBADF;
        LaunchError e = {};
        pid_t service;
        int exit_fd, output_fd, listener_fd = -EBADF;
        char go;
        int r;

        /* Nothing in the sandbox may open /proc/<us>/exe (the caller's
         * binary) or our memory: see init.c. execve of the service resets
         * this for the service's own binary. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        umask(0);

        /* Into the v1 hierarchies before anything else runs here, so that
         * everything the sandbox does is charged there (see cgroup.h). */
        r = cgroup_join_self(c->join_fds, c->n_join_fds);
        if (r < 0) {
                launch_error(&e, r, "cgroup", "join the service's cgroup v1 hierarchies");
                goto fail;
        }

        /* 0, 1, 2 are the service's stdio, 3 the sync socket, 4 init's exit
         * status file if it reports one, 5 sandbox-init's image if init is
         * to exec it, 6 the output pipe's read end if init holds it,
         * nothing else. */
        r = fd_setup_stdio(params->stdin_fd, params->stdout_fd, params->stderr_fd, c->sync_fd,
                           c->report_exit ? params->exit_status_fd : -EBADF, c->init_exe_fd,
                           c->keep_output ? params->output_read_fd : -EBADF, params->listen_fds,
                           params->n_listen_fds, &e);
        if (r < 0)
                goto fail;
        c->sync_fd = r;
        if (c->init_exe_fd >= 0)
                c->init_exe_fd = LAUNCH_INIT_FD;

        if (params->die_with_parent && process_die_with_parent(c->sync_fd, &e) < 0)
                goto fail;
        if (process_new_session(&e) < 0)
                goto fail;

        /* SYNC 1 (child): wait for the cgroup attach, the id maps and the
         * idmapped mount trees that come with the byte. */
        r = idmap_recv(c, &go);
        if (r < 0) {
                launch_error(&e, r, "sync", "wait for the launcher");
                goto fail;
        }
        c->layers_idmapped = go == 'i';
        c->next_passed_fd = c->layers_idmapped ? p->n_layers + 1 : 0;

        /* First thing in the cgroup, while the host's /run is still there
         * and our ids are still the launcher's: see fd.c. */
        if (params->journal_identifier && fd_connect_journal(params->journal_identifier, &e) < 0)
                goto fail;

        if (c->userns) {
                if (userns_become_root(&e) < 0)
                        goto fail;
                if (params->die_with_parent && process_die_with_parent(c->sync_fd, &e) < 0)
                        goto fail;
        }

        /* Before the cgroup namespace hides our cgroup's path. */
        if (c->report_exit && params->cgroup)
                c->oom_fd = open_oom_events(cgroup_name(params->cgroup), LAUNCH_INIT_LISTEN_FD + (int) params->n_listen_fds);

        /* Now that we are in the service's cgroups, so that the namespace's
         * root is the service's cgroup in every hierarchy. */
        if ((p->namespaces & NAMESPACE_MASK(NAMESPACE_CGROUP)) && unshare(CLONE_NEWCGROUP) < 0) {
                launch_error(&e, negative_errno(), "cgroup-namespace", "create the cgroup namespace");
                goto fail;
        }

        if (mount_make_private(&e) < 0)
                goto fail;
        if (image_mount_root(c, &root_fd, &e) < 0)
                goto fail;
        /* /proc, /sys, /dev ..., binds, tmpfs, masks, read-only paths. */
        if (mount_plan(c, root_fd, &e) < 0)
                goto fail;
        if (mount_pivot_root(root_fd, &e) < 0)
                goto fail;
        root_fd = safe_close(root_fd);
        /* Attached, or unused: the trees live on as mounts. */
        close_many(c->passed_fds, c->n_passed_fds);
        c->n_passed_fds = 0;

        if (process_set_hostname(p->hostname, &e) < 0)
                goto fail;
        if (p->network == NETWORK_NONE && (p->namespaces & NAMESPACE_MASK(NAMESPACE_NET)) && net_loopback_up(&e) < 0)
                goto fail;
        /* The veth's end is here since SYNC 1; we are root of the user
         * namespace that owns this network namespace. */
        if (p->network == NETWORK_PRIVATE && net_configure(p, &e) < 0)
                goto fail;

        if (!c->pidns)
                service_main(c);

        /* With a pid namespace we are its PID 1: start the service, then
         * become the init that waits for it. */
        if (init_block_signals() < 0) {
                launch_error(&e, negative_errno(), "init", "block signals in init");
                goto fail;
        }
        /* What ps shows for PID 1 inside, instead of the caller's name;
         * before the service runs. (The exec of sandbox-init shows
         * "memfd:sandbox-i" for a moment, until it sets the name again.) */
        (void) prctl(PR_SET_NAME, "sandbox-init", 0, 0, 0);
        /* We wait here until the service has exec'd (or failed: its error
         * is on the sync socket then, and init reaps it). */
        service = launch_vfork(service_vforked, c);
        if (service < 0) {
                launch_error(&e, service, "init", "start the service");
                goto fail;
        }
        /* The service's execve woke us, and as the task that slept we
         * preempt it on its CPU; what is left for us (capabilities, the
         * exec of sandbox-init with the freeing of this memory) can wait
         * until the service runs: its first instruction comes 0.5 to 1.5
         * ms sooner. */
        (void) sched_yield();
        /* The listener's copy that the launcher sent after taking it from
         * the service (listener.c). */
        if (c->notify_prog) {
                r = listener_init_recv(c->sync_fd, &e);
                if (r < 0) {
                        (void) kill(service, SIGKILL);
                        goto fail;
                }
                if (r > 0)
                        listener_fd = LAUNCH_INIT_LISTENER_FD;
        }
        if (caps_drop_for_init(&e) < 0) {
                (void) kill(service, SIGKILL);
                goto fail;
        }
        /* Again: a uid change (user namespace, or the service's while it
         * shared our memory) reset it to fs.suid_dumpable. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        exit_fd = c->report_exit ? LAUNCH_KEPT_FD : -EBADF;
        output_fd = c->keep_output ? LAUNCH_OUTPUT_FD : -EBADF;
        /* SYNC 2 (child, init): our copy of the socket closes before the
         * exec of sandbox-init, or in init_run() if there is none (init
         * then stays this fork, as it does if the exec fails). */
        if (c->init_exe_fd >= 0) {
                (void) init_exe_exec(c->init_exe_fd, service, exit_fd, c->oom_fd, output_fd, listener_fd,
                                     params->n_listen_fds);
                c->sync_fd = -EBADF;
        }
        /* This fork stays init: the service's stack is ours to free. */
        launch_vfork_stack_free();
        init_run(service, c->sync_fd, exit_fd, c->oom_fd, output_fd, listener_fd, params->n_listen_fds);

fail:
        launch_child_exit(c->sync_fd, &e);
}

/* ---- the parent ---- */

int launch_log_child_error(const LaunchError *e) {
        if (e->sentence)
                return log_error_errno(-e->error, "%s (step %s).", e->what, e->step);
        return log_error_errno(-e->error, "Failed to %s (step %s): %m", e->what, e->step);
}

static int child_error_message(const LaunchError *e, char **ret) {
        char *m;

        if (e->sentence ? asprintf(&m, "%s (step %s).", e->what, e->step) < 0
                        : asprintf(&m, "Failed to %s (step %s): %s", e->what, e->step, strerror(e->error)) < 0)
                return -ENOMEM;
        free(*ret);
        *ret = m;
        return 0;
}

int launch_exit_status_of(const LaunchError *e) {
        if (!streq(e->step, "exec"))
                return LAUNCH_EXIT_SETUP;
        return e->error == ENOENT ? LAUNCH_EXIT_NOT_FOUND : LAUNCH_EXIT_CANNOT_EXECUTE;
}

static int check_plan(const Plan *p) {
        if (strv_length(p->argv) == 0 || p->argv[0][0] != '/')
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has no absolute ExecStart= binary.", strna(p->name));
        if (!(p->namespaces & NAMESPACE_MASK(NAMESPACE_MOUNT)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has no mount namespace; refusing to mount on the host.", strna(p->name));
        if ((p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) && p->uid_map_count == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s asks for a user namespace without an id range.", strna(p->name));
        /* 0 is the compiler's "allocated at start"; anything below 65536
         * would hand the sandbox the ids of the host's own users, root
         * first. */
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].root_idmap && !(p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has a rootidmap bind without a user namespace.",
                                               strna(p->name));
        if (p->network == NETWORK_SERVICE && (p->namespaces & NAMESPACE_MASK(NAMESPACE_NET)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The plan of %s joins a network namespace and asks for a new one.", strna(p->name));
        if (p->network == NETWORK_PRIVATE &&
            (!(p->namespaces & NAMESPACE_MASK(NAMESPACE_NET)) || p->net.address.s_addr == 0 || !p->net.bridge))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The plan of %s has Network=private without a network namespace or an address.",
                                       strna(p->name));
        if ((p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) && p->uid_map_base < 65536)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The plan of %s has no host id range for its user namespace (base %u).",
                                       strna(p->name), p->uid_map_base);
        return 0;
}

int launch_acquire_id_range(Plan *p, const char *state_dir) {
        uint32_t base;
        int r;

        if (!(p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)))
                return 0;
        r = idrange_acquire(state_dir, p->name, p->uid_map_count, &base);
        if (r == -ENOSPC)
                return log_error_errno(r, "No host id range is left for %s: every slot is registered (%s/userns/ranges).",
                                       strna(p->name), state_dir ?: SANDBOXD_STATE_DIR);
        if (r == -EBADMSG)
                return log_error_errno(r, "Failed to allocate a host id range for %s: %s/userns/ranges does not parse.",
                                       strna(p->name), state_dir ?: SANDBOXD_STATE_DIR);
        if (r == -EPERM)
                return log_error_errno(r, "Failed to allocate a host id range for %s: %s/userns is not a directory of "
                                       "root's that only root can write.", strna(p->name), state_dir ?: SANDBOXD_STATE_DIR);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate a host id range for %s: %m", strna(p->name));
        p->uid_map_base = base;
        return 0;
}

/* init keeps this one fd of the host (init.c says why that is safe), so
 * it must be exactly what the API says: a regular file open for writing
 * only, not a directory or a socket that the caller passed by mistake. */
static int check_exit_status_fd(int fd) {
        struct stat st;
        int flags;

        if (fd < 0 || fstat(fd, &st) < 0)
                return log_error_errno(fd < 0 ? SYNTHETIC_ERRNO(EBADF) : negative_errno(),
                                       "Failed to use the exit status file (fd %d): %m", fd);
        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return log_error_errno(negative_errno(), "Failed to read the flags of the exit status file: %m");
        if (!S_ISREG(st.st_mode) || (flags & O_ACCMODE) != O_WRONLY)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The exit status file (fd %d) is not a regular file opened write-only.", fd);
        return 0;
}

/* init holds it (init.c says why a pipe's read end is safe there): a
 * pipe, opened for reading only. */
static int check_output_read_fd(int fd) {
        struct stat st;
        int flags;

        if (fd < 0 || fstat(fd, &st) < 0)
                return log_error_errno(fd < 0 ? SYNTHETIC_ERRNO(EBADF) : negative_errno(),
                                       "Failed to use the output pipe (fd %d): %m", fd);
        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return log_error_errno(negative_errno(), "Failed to read the flags of the output pipe: %m");
        if (!S_ISFIFO(st.st_mode) || (flags & O_ACCMODE) != O_RDONLY)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The output pipe (fd %d) is not a pipe opened read-only.", fd);
        return 0;
}

/* Network=service:NAME: the fd must be a network namespace, nothing else
 * the caller may have passed by mistake. */
static int check_netns_fd(const Plan *p, int fd) {
        int t = fd >= 0 ? ioctl(fd, NS_GET_NSTYPE) : -1;

        if (t != CLONE_NEWNET)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "The plan of %s joins the network of %s, but no network namespace was passed (fd %d).",
                                       strna(p->name), strna(p->network_service), fd);
        return 0;
}

static int open_self_netns(int *ret_fd) {
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the host's network namespace: %m");
        *ret_fd = fd;
        return 0;
}

/* Only what the plan asks for reaches the service: one socket per entry. */
static int check_listen_fds(const Plan *p, const LaunchParams *params) {
        if (params->n_listen_fds != p->n_sockets || params->n_listen_fds > LAUNCH_MAX_LISTEN_FDS ||
            (params->n_listen_fds > 0 && !params->listen_fds))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has %zu listening sockets, %zu were passed.",
                                       strna(p->name), p->n_sockets, params->n_listen_fds);
        for (size_t i = 0; i < params->n_listen_fds; i++) {
                struct stat st;

                if (fstat(params->listen_fds[i], &st) < 0 || !S_ISSOCK(st.st_mode))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Listening socket %zu of %s (fd %d) is not a socket.",
                                               i, strna(p->name), params->listen_fds[i]);
        }
        return 0;
}

/* The plan's environment, whatever it says of LISTEN_*, and systemd's
 * three variables; LISTEN_PID's digits are the service's to write. */
static int service_environment(LaunchContext *c) {
        const Plan *p = c->plan;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *names = NULL;
        char *pid_var;
        size_t n = 0;
        int r;

        STRV_FOREACH(v, p->environment)
                if (!startswith(*v, "LISTEN_PID=") && !startswith(*v, "LISTEN_FDS=") && !startswith(*v, "LISTEN_FDNAMES=")) {
                        r = strv_extend(&env, *v);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < p->n_sockets; i++)
                n += strlen(p->sockets[i].name) + 1;
        names = malloc(n + 1);
        if (!names)
                return -ENOMEM;
        names[0] = 0;
        for (size_t i = 0; i < p->n_sockets; i++) {
                if (i > 0)
                        strcat(names, ":");
                strcat(names, p->sockets[i].name);
        }
        for (int k = 0; k < 3; k++) {
                char *v;

                if ((k == 0 ? asprintf(&v, "LISTEN_FDS=%zu", p->n_sockets)
                     : k == 1 ? asprintf(&v, "LISTEN_FDNAMES=%s", names)
                              : asprintf(&v, "LISTEN_PID=%0*d", LAUNCH_LISTEN_PID_DIGITS, 0)) < 0)
                        return -ENOMEM;
                r = strv_consume(&env, v);
                if (r < 0)
                        return r;
        }
        pid_var = env[strv_length(env) - 1];
        c->listen_pid = pid_var + strlen("LISTEN_PID=");
        c->service_env = TAKE_PTR(env);
        return 0;
}

/* One message of SYNC 2 into e (*ret_n: its size, 0 at EOF), and the
 * sender's pid. Meanwhile the listener's notifications are answered as
 * the policy says: they come from the service's own last steps (a failed
 * execve's checks), before anyone else could. */
static int sync2_recv(int sock, int listener_fd, const Plan *p, const LaunchParams *params, LaunchError *e,
                      ssize_t *ret_n, pid_t *ret_pid, int *ret_fd) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = e, .iov_len = sizeof(*e) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        while (listener_fd >= 0) {
                struct pollfd pfd[2] = {
                        { .fd = sock, .events = POLLIN },
                        { .fd = listener_fd, .events = POLLIN },
                };
                SeccompListener l = {
                        .fd = listener_fd,
                        .prog = p->seccomp_bpf,
                        .n = p->seccomp_bpf_size / sizeof(struct sock_filter),
                };
                SeccompEvent ev;

                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "Failed to wait for the sandbox: %m");
                }
                if (pfd[0].revents)
                        break;
                if (pfd[1].revents) {
                        int k = seccomp_listener_handle(&l, &ev);

                        if (k > 0 && params->on_seccomp_event)
                                params->on_seccomp_event(&ev, params->seccomp_event_userdata);
                        if (k < 0)
                                /* Nothing left under the filter (or worse): the
                                 * socket says the rest. */
                                listener_fd = -EBADF;
                }
        }
        do {
                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        } while (n < 0 && errno == EINTR);
        *ret_pid = 0;
        *ret_fd = -EBADF;
        if (n >= 0)
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS &&
                            cm->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                                struct ucred u;

                                memcpy(&u, CMSG_DATA(cm), sizeof(u));
                                *ret_pid = u.pid;
                        } else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
                                   cm->cmsg_len == CMSG_LEN(sizeof(int))) {
                                /* The pty's master (LaunchParams.tty): one fd, and
                                 * only in its own message; the caller checks. */
                                safe_close(*ret_fd);
                                memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
                        }
                }
        *ret_n = n < 0 ? negative_errno() : n;
        return 0;
}

int launch_start(const Plan *p, const LaunchParams *params, Launched *ret) {
        _cleanup_(launch_context_done) LaunchContext c = {
                .plan = p, .params = params, .init_exe_fd = -EBADF, .oom_fd = -EBADF, .dev_fd = -EBADF,
        };
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        _cleanup_close_ int pidfd = -EBADF, pty_master = -EBADF, listener_fd = -EBADF, host_netns_fd = -EBADF;
        int status = LAUNCH_EXIT_SETUP, passed[LAUNCH_MAX_PASSED_FDS];
        size_t n_passed = 0;
        LaunchError e = {};
        char go = 'g';
        bool veth_added = false;
        _cleanup_free_ char *nft_msg = NULL;
        siginfo_t si;
        ssize_t n = 0;
        bool born_in_v2 = false;
        pid_t pid;
        int r;

        r = check_plan(p);
        if (r < 0)
                goto finish;
        /* It becomes a line of the stream's header (newline-separated). */
        if (params->journal_identifier && (isempty(params->journal_identifier) || strchr(params->journal_identifier, '\n'))) {
                r = log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid journal identifier for %s.", strna(p->name));
                goto finish;
        }
        c.userns = p->namespaces & NAMESPACE_MASK(NAMESPACE_USER);
        c.pidns = p->namespaces & NAMESPACE_MASK(NAMESPACE_PID);
        /* Without a pid namespace there is no init to outlive the service
         * and write the file: report_exit is ignored (the caller, then the
         * service's parent, sees its status directly). */
        c.report_exit = params->report_exit && c.pidns;
        if (c.report_exit) {
                r = check_exit_status_fd(params->exit_status_fd);
                if (r < 0)
                        goto finish;
        }
        /* The same for the output pipe: nothing else may go to init. */
        c.keep_output = params->keep_output && c.pidns;
        if (c.keep_output) {
                r = check_output_read_fd(params->output_read_fd);
                if (r < 0)
                        goto finish;
        }

        r = check_listen_fds(p, params);
        if (r < 0)
                goto finish;
        if (p->network == NETWORK_SERVICE) {
                r = check_netns_fd(p, params->netns_fd);
                if (r < 0)
                        goto finish;
                if (params->resolv_conf) {
                        c.resolv_conf = strdup(params->resolv_conf);
                        if (!c.resolv_conf) {
                                r = log_oom();
                                goto finish;
                        }
                }
                r = open_self_netns(&host_netns_fd);
                if (r < 0)
                        goto finish;
        }
        if (p->n_sockets > 0) {
                r = service_environment(&c);
                if (r < 0) {
                        log_oom();
                        goto finish;
                }
        }

        /* Made once per process and kept (init-exe.c); without it init
         * stays the fork, so a failure here is not the launch's. */
        if (c.pidns)
                c.init_exe_fd = init_exe_get();

        /* Everything that can fail without a child fails here, before it. */
        r = image_prepare_layers(p, params->state_dir, &c.layer_dirs);
        if (r < 0)
                goto finish;
        if (p->network == NETWORK_PRIVATE) {
                r = net_resolv_conf(&p->net, &c.resolv_conf);
                if (r < 0) {
                        log_error_errno(r, "Failed to make resolv.conf for %s: %m", strna(p->name));
                        goto finish;
                }
        }
        r = mount_prepare(p, &c.mount_prep);
        if (r < 0) {
                log_error_errno(r, "Failed to parse the mount options of %s: %m", strna(p->name));
                goto finish;
        }
        if (params->cgroup) {
                r = cgroup_open_self_join(params->cgroup, &c.join_fds, &c.n_join_fds);
                if (r < 0) {
                        log_error_errno(r, "Failed to open the cgroup %s for the sandbox: %m", strna(cgroup_name(params->cgroup)));
                        goto finish;
                }
        }
        r = listener_prepare(&c);
        if (r < 0)
                goto finish;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                r = log_error_errno(negative_errno(), "Failed to create the sync socket: %m");
                goto finish;
        }
        /* The service's pid comes with its listener message (listener.c). */
        if (c.notify_prog && setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &(int) { 1 }, sizeof(int)) < 0) {
                r = log_error_errno(negative_errno(), "Failed to set up the sync socket: %m");
                goto finish;
        }

        /* Network=service:NAME: the child is born in NAME's network
         * namespace, so the parent is in it for the clone alone. Joining
         * it later is not possible: setns(CLONE_NEWNET) needs
         * CAP_SYS_ADMIN over the user namespace that owns it (NAME's),
         * and the child's own user namespace, made by this clone, is
         * NAME's sibling, not its parent. We are host root here, and
         * single-threaded: nothing of ours runs in the meantime. */
        if (host_netns_fd >= 0 && setns(params->netns_fd, CLONE_NEWNET) < 0) {
                r = log_error_errno(negative_errno(), "Failed to enter the network namespace of %s for %s: %m",
                                    strna(p->network_service), strna(p->name));
                goto finish;
        }
        /* The cgroup namespace comes later, from the child (see there). */
        pid = launch_clone(plan_clone_flags(p) & ~(unsigned long) CLONE_NEWCGROUP, cgroup_v2_fd(params->cgroup), &pidfd,
                           &born_in_v2);
        if (pid != 0 && host_netns_fd >= 0 && setns(host_netns_fd, CLONE_NEWNET) < 0) {
                /* Every later step would act on the wrong network: never go on. */
                log_error_errno(negative_errno(), "Failed to return to the host's network namespace, aborting: %m");
                abort();
        }
        if (pid < 0) {
                r = log_error_errno(pid, "Failed to clone the sandbox's first process: %m");
                goto finish;
        }
        if (pid == 0) {
                c.sync_fd = pair[1];
                child_main(&c);
        }
        pair[1] = safe_close(pair[1]);
        if (born_in_v2)
                cgroup_note_born_in_v2(params->cgroup);
        /* The child has its copies; ours would only keep the files open. */
        launch_context_close_join_fds(&c);

        /* SYNC 1 (parent): cgroups (v2 if CLONE_INTO_CGROUP was not
         * available, whatever the child does not join itself), then the id
         * maps, then let the child go. */
        if (params->cgroup) {
                r = cgroup_attach(params->cgroup, pid);
                if (r < 0) {
                        log_error_errno(r, "Failed to move the sandbox into cgroup %s: %m", strna(cgroup_name(params->cgroup)));
                        goto kill;
                }
        }
        if (c.userns) {
                r = userns_write_maps(pid, pidfd, p->uid_map_base, p->uid_map_count);
                if (r < 0) {
                        log_error_errno(r, "Failed to write the user namespace id maps of the sandbox: %m");
                        goto kill;
                }
                r = idmap_prepare(&c, pid, pidfd, passed, &n_passed, &go);
                if (r < 0)
                        goto kill;      /* logged */
        }
        /* The veth, its peer made directly in the child's network
         * namespace (owned by its user namespace: we, host root, may). */
        if (p->network == NETWORK_PRIVATE) {
                _cleanup_close_ int netns_fd = -EBADF;
                char veth[NET_VETH_NAME_MAX];

                r = launch_open_ns(pid, pidfd, "net", &netns_fd);
                if (r >= 0)
                        r = net_veth_add(&p->net, netns_fd);
                if (r < 0) {
                        log_error_errno(r, "Failed to create the veth %s of %s on bridge %s: %m",
                                        net_veth_name(&p->net, veth), strna(p->name), p->net.bridge);
                        goto kill;
                }
                veth_added = true;
                /* The child still waits for the go: its first packet
                 * meets the filter. */
                r = net_egress_install(&p->net, &nft_msg);
                if (r < 0) {
                        log_error_errno(r, "Failed to install the egress filter of %s on %s: %s",
                                        strna(p->name), net_veth_name(&p->net, veth), nft_msg ?: strerror(-r));
                        goto kill;
                }
        }
        /* If the child is already gone, this fails with EPIPE and the recv
         * below finds the reason it left. */
        (void) idmap_send(pair[0], go, passed, n_passed);
        close_many(passed, n_passed);

        /* SYNC 2 (parent): EOF once the service has exec'd, or the error;
         * before them, with a terminal its master, with a listener its
         * message (listener.c). */
        for (;;) {
                pid_t sender = 0;
                int fd = -EBADF;

                r = sync2_recv(pair[0], listener_fd, p, params, &e, &n, &sender, &fd);
                if (r < 0)
                        goto kill;
                if (n == 1 && *(const char *) &e == PTY_MESSAGE) {
                        /* Only one is ever sent, and only when it was asked for. */
                        if (!params->tty || pty_master >= 0 || fd < 0) {
                                safe_close(fd);
                                n = -EBADMSG;
                                break;
                        }
                        pty_master = fd;
                        continue;
                }
                safe_close(fd);
                if (n != (ssize_t) sizeof(LaunchListenerMsg) || !c.notify_prog || listener_fd >= 0)
                        break;
                r = listener_take(pair[0], (const LaunchListenerMsg *) &e, sender, &listener_fd);
                if (r < 0)
                        goto kill;
                /* Without one (the kernel refused it) the filter is the plain one. */
                if (listener_fd < 0)
                        c.notify_prog = mfree(c.notify_prog);
        }
        if (n == 0 && params->tty && pty_master < 0)
                n = -EBADMSG;
        if (n == 0) {
                *ret = (Launched) {
                        .pid = pid,
                        .pidfd = TAKE_FD(pidfd),
                        .has_init = c.pidns,
                        .pty_master = TAKE_FD(pty_master),
                        .listener_fd = TAKE_FD(listener_fd),
                };
                return 0;
        }
        if (n == (ssize_t) sizeof(e)) {
                e.step[sizeof(e.step) - 1] = e.what[sizeof(e.what) - 1] = '\0';
                status = launch_exit_status_of(&e);
                /* Logged once: here, or by the caller that asked for the
                 * sentence and says it with what it means. */
                if (params->reterr_message && child_error_message(&e, params->reterr_message) >= 0)
                        r = -e.error;
                else
                        r = launch_log_child_error(&e);
        } else
                r = log_error_errno(n < 0 ? (int) n : SYNTHETIC_ERRNO(EBADMSG),
                                    "Failed to read from the sandbox's sync socket: %m");

kill:
        /* Whatever the child still does, it is over; with a pid namespace
         * this ends everything in it. */
        (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        while (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        /* Gone with the namespace too, but later: a failed launch leaves nothing now. */
        if (veth_added)
                net_veth_del(&p->net);
finish:
        if (params->reterr_exit_status)
                *params->reterr_exit_status = status;
        return r;
}
