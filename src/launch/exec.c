/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* launch_exec_start(): a command in a running sandbox (sandboxctl exec). It
 * becomes the plan's process exactly as the service did, by the same code
 * (launch_become_service), after joining what launch_start() created:
 *
 *   parent                              child (a fork of the caller)
 *   pidfd is target_pid, alive
 *   clone ------------------------------> not dumpable; stdio 0 1 2 (the
 *                                       caller's pipes, or /dev/null),
 *                                       sync 3, target pidfd 4
 *                                       parent death signal, default
 *                                       signal handlers, setsid
 *                                       join the target's cgroups, while
 *                                       still in the host's cgroup ns
 *                                       open /proc/TARGET/root
 *                                       the pidfd is still alive: the pid
 *                                       we used was the target's
 *                                       setns(pidfd, every ns of the plan)
 *                                       chroot to the target's root
 *                                       pid ns: fork; this process stays
 *                                       outside as a relay (init_run) with
 *                                       CAP_KILL only; the fork setsid()s
 *                                       tty: a pty of the sandbox's devpts,
 *                                       its master sent back (pty.c)
 *                                       launch_become_service: rlimits,
 *                                       ids, capabilities, no_new_privs,
 *                                       cwd, close fds, seccomp, execve
 *   SYNC 2: (the pty's master) EOF =
 *   exec'd, or the LaunchError
 *   the caller relays, forwards signals
 *   and waits (launch_exec: SIGINT
 *   SIGTERM SIGHUP SIGUSR1 SIGUSR2)
 *
 * Why each step:
 *
 * - setns() on a pidfd with all flags at once (Linux 5.8): the kernel
 *   orders the namespaces itself (user first) and either joins all or
 *   none, and the pidfd, not a pid, names the sandbox.
 * - The cgroups are joined before the cgroup namespace, where
 *   /proc/TARGET/cgroup still shows host paths, and by pid: the target's
 *   pidfd being alive afterwards proves the pid was not reused meanwhile.
 * - Root and cwd: setns(CLONE_NEWNS) sets both to the root of the mount
 *   namespace. After the launcher's pivot_root that is the image's root
 *   only if the launcher itself ran at its namespace's root: a launcher in
 *   a chroot (a container started that way; the testhost, where this was
 *   seen) pivots the mount of its chroot, and the namespace's root is
 *   still the host's "/". So the root is taken from the target instead:
 *   /proc/TARGET/root, opened before the setns, then fchdir + chroot(".")
 *   inside. Where the namespace's root is the image that changes nothing
 *   (not even what the kernel counts as "chrooted"); elsewhere it is what
 *   makes the command see the sandbox's files at all.
 * - setns(CLONE_NEWPID) moves only the children: the command is a second
 *   fork, and its parent stays outside, invisible from inside the sandbox
 *   (its pid namespace has no number for it), as init's loop: it forwards
 *   signals and exits with the command's status, or 128+N.
 * - Its own session, and never the caller's stdio: a process of the
 *   sandbox with the command's uid can open /proc/PID/fd/0 of the command
 *   and keep whatever it is, so the caller's terminal, pipe or file must
 *   not be there (TIOCSTI, a fake password prompt, reading what the
 *   operator types after the command ended). The caller gives pipes it
 *   relays, or asks for a pty made inside the sandbox (pty.c), whose
 *   master it relays. Without one, the terminal's ^C reaches the caller,
 *   which forwards it.
 * - The command dies with the caller (parent death signal): it belongs to
 *   the `sandboxctl exec` that started it, like a command run over ssh,
 *   and no one else would wait for it. It is in the service's cgroups, so
 *   stopping the service ends it too.
 * - Environment, PATH included, is the plan's: nothing of the caller's
 *   environment enters the sandbox. Resource limits the plan does not set
 *   are the caller's, as the service's are sandboxd's. */

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "launch-internal.h"
#include "log.h"
#include "missing-wait.h"
#include "plan.h"
#include "strv.h"


typedef struct ExecContext {
        const Plan *plan;
        const LaunchExecParams *params;
        char **argv;
        pid_t target_pid;
        int target_pidfd;       /* child: LAUNCH_KEPT_FD */
        unsigned long ns_flags;
        int sync_fd;
        bool pidns;
} ExecContext;

static int pidfd_alive(int pidfd) {
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return negative_errno();
        return 0;
}

/* ---- the child ---- */

static int open_root(pid_t pid, int *ret) {
        char path[32];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/root", (int) pid);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret = fd;
        return 0;
}

static _noreturn_ void command_main(ExecContext *c) {
        const BecomeOptions o = {
                .argv = c->argv,
                .what = "Command",
                .where = "the sandbox",
                .search_path = true,
                .die_with_parent = true,
                .tty = c->params->tty,
                .tty_rows = c->params->tty_rows,
                .tty_cols = c->params->tty_cols,
        };
        LaunchError e = {};

        int sync_fd = c->sync_fd;

        (void) launch_become_service(c->plan, &o, &sync_fd, &e);
        launch_child_exit(sync_fd, &e);
}

static _noreturn_ void exec_child_main(ExecContext *c) {
        _cleanup_close_ int root_fd = -EBADF;
        LaunchError e = {};
        pid_t command;
        int r;

        /* As in launch_start's child: nothing in the sandbox may open our
         * /proc/PID/exe (the caller's binary) or our memory. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        /* 0, 1, 2 are the stdio the caller made for the command (never its
         * own: see launch.h), 3 the sync socket, 4 the target's pidfd,
         * nothing else. With a terminal, 0, 1, 2 are /dev/null until the
         * command opens it inside. */
        r = fd_setup_stdio(c->params->tty ? -1 : c->params->stdin_fd, c->params->tty ? -1 : c->params->stdout_fd,
                           c->params->tty ? -1 : c->params->stderr_fd, c->sync_fd, c->target_pidfd, -EBADF, -EBADF, NULL, 0, &e);
        if (r < 0)
                goto fail;
        c->sync_fd = r;
        c->target_pidfd = LAUNCH_KEPT_FD;

        if (process_die_with_parent(c->sync_fd, &e) < 0)
                goto fail;
        if (process_new_session(&e) < 0)
                goto fail;

        r = cgroup_attach_like(c->target_pid, getpid());
        if (r < 0) {
                launch_error(&e, r, "cgroup", "join the cgroups of the sandbox's process %d", (int) c->target_pid);
                goto fail;
        }
        /* Opened by pid, so the target's pidfd is asked afterwards: alive,
         * so the pid was the target's for the cgroups and the root. */
        r = open_root(c->target_pid, &root_fd);
        if (r >= 0)
                r = pidfd_alive(c->target_pidfd);
        if (r == -ESRCH || r == -ENOENT) {
                launch_error_sentence(&e, -ESRCH, "root", "The sandbox's process %d is gone", (int) c->target_pid);
                goto fail;
        }
        if (r < 0) {
                launch_error(&e, r, "root", "open the root directory of the sandbox's process %d", (int) c->target_pid);
                goto fail;
        }

        /* Network=service:NAME: the sandbox's network namespace is NAME's,
         * owned by NAME's user namespace, which the sandbox's is not:
         * joined first, while we are still host root. */
        if (c->plan->network == NETWORK_SERVICE && setns(c->target_pidfd, CLONE_NEWNET) < 0) {
                launch_error(&e, negative_errno(), "setns", "join the network namespace of the sandbox's process %d",
                             (int) c->target_pid);
                goto fail;
        }
        if (setns(c->target_pidfd, (int) c->ns_flags) < 0) {
                launch_error(&e, negative_errno(), "setns", "join the namespaces of the sandbox's process %d",
                             (int) c->target_pid);
                goto fail;
        }
        /* Joining a user namespace changed our credentials, which resets
         * both of these. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (process_die_with_parent(c->sync_fd, &e) < 0)
                goto fail;

        /* setns() put our root at the root of the mount namespace, which is
         * the image only where the launcher ran unconfined: one that was
         * itself chroot()ed (a container, the testhost) pivoted the mount
         * of its chroot, below the namespace's root. The target's own root
         * is right by construction; the same as the service's, it is not
         * "chrooted" where the service is not. */
        if (fchdir(root_fd) < 0 || chroot(".") < 0) {
                launch_error(&e, negative_errno(), "root", "change to the root directory of the sandbox");
                goto fail;
        }
        root_fd = safe_close(root_fd);

        if (!c->pidns)
                command_main(c);

        if (init_block_signals() < 0) {
                launch_error(&e, negative_errno(), "init", "block signals in the relay process");
                goto fail;
        }
        command = launch_clone(0, -EBADF, NULL, NULL);
        if (command < 0) {
                launch_error(&e, command, "init", "fork the command into the sandbox's pid namespace");
                goto fail;
        }
        if (command == 0) {
                /* A parent death signal is not inherited. Our parent is
                 * outside the pid namespace, where getppid() says 0: any
                 * other number means it is gone already. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
                        _exit(LAUNCH_EXIT_SETUP);
                /* A session of our own inside the sandbox's pid namespace
                 * (the relay's is numbered outside it). */
                if (setsid() < 0) {
                        launch_error(&e, negative_errno(), "session", "start a new session");
                        launch_child_exit(c->sync_fd, &e);
                }
                command_main(c);
        }
        (void) prctl(PR_SET_NAME, "sandbox-exec", 0, 0, 0);
        if (caps_drop_for_init(&e) < 0) {
                (void) kill(command, SIGKILL);
                goto fail;
        }
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* SYNC 2 (child, relay): our copy of the socket closes here. */
        init_run(command, c->sync_fd, -EBADF, -EBADF, -EBADF, -EBADF, 0);

fail:
        launch_child_exit(c->sync_fd, &e);
}

/* ---- the parent ---- */

/* The pid a pidfd refers to, from its fdinfo; -ESRCH once it has exited. */
static int pidfd_get_pid(int pidfd, pid_t *ret) {
        char path[64], buf[4096];
        _cleanup_close_ int fd = -EBADF;
        const char *s;
        ssize_t n;
        int pid;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        s = strstr(buf, "\nPid:\t");
        if (!s || sscanf(s + 6, "%d", &pid) != 1)
                return -EBADF;  /* not a pidfd */
        if (pid <= 0)
                return -ESRCH;
        *ret = pid;
        return 0;
}

static void forwarded_signals(sigset_t *ret) {
        sigemptyset(ret);
        sigaddset(ret, SIGINT);
        sigaddset(ret, SIGTERM);
        sigaddset(ret, SIGHUP);
        sigaddset(ret, SIGUSR1);
        sigaddset(ret, SIGUSR2);
}

static int status_of(const siginfo_t *si) {
        return si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
}

static int wait_status(int pidfd, int *ret_status) {
        siginfo_t si = {};

        while (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
                if (errno != EINTR)
                        return negative_errno();
        *ret_status = status_of(&si);
        return 0;
}

/* Until the child exits: pass on the signals, then its status. */
static int wait_forwarding(int pidfd, int sfd, int *ret_status) {
        for (;;) {
                struct pollfd fds[2] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };
                struct signalfd_siginfo ssi;

                if (poll(fds, ELEMENTSOF(fds), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                while (read(sfd, &ssi, sizeof(ssi)) == (ssize_t) sizeof(ssi))
                        (void) syscall(SYS_pidfd_send_signal, pidfd, (int) ssi.ssi_signo, NULL, 0);
                if (fds[0].revents & POLLIN)
                        return wait_status(pidfd, ret_status);
        }
}

int launch_exec_start(const Plan *p, pid_t target_pid, int target_pidfd, char **argv, const LaunchExecParams *params,
                      LaunchExeced *ret) {
        ExecContext c = {
                .plan = p,
                .params = params,
                .argv = argv,
                .target_pid = target_pid,
                .target_pidfd = target_pidfd,
                .ns_flags = namespace_mask_to_clone_flags(p->namespaces),
                .pidns = p->namespaces & NAMESPACE_MASK(NAMESPACE_PID),
        };
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        _cleanup_close_ int pidfd = -EBADF, pty_master = -EBADF;
        LaunchError e = {};
        pid_t pid;
        ssize_t n;
        int r;

        if (strv_length(argv) == 0 || isempty(argv[0]))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "No command to run in %s.", strna(p->name));
        /* Without one, setns would leave us on the host's file system. */
        if (!(p->namespaces & NAMESPACE_MASK(NAMESPACE_MOUNT)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has no mount namespace; refusing "
                                       "to run a command on the host.", strna(p->name));

        r = pidfd_get_pid(target_pidfd, &pid);
        if (r == -ESRCH)
                return log_error_errno(r, "The sandbox of %s is not running.", strna(p->name));
        if (r < 0)
                return log_error_errno(r, "Failed to read the pid of the sandbox's pidfd: %m");
        if (pid != target_pid)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The pidfd given for %s is of pid %d, not %d.",
                                       strna(p->name), (int) pid, (int) target_pid);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(negative_errno(), "Failed to create the sync socket: %m");

        pid = launch_clone(0, -EBADF, &pidfd, NULL);
        if (pid < 0)
                return log_error_errno(pid, "Failed to fork the command for %s: %m", strna(p->name));
        if (pid == 0) {
                c.sync_fd = pair[1];
                exec_child_main(&c);
        }
        pair[1] = safe_close(pair[1]);

        /* SYNC 2 (parent): EOF once the command has exec'd, or the error;
         * with a terminal its master first. */
        n = pty_recv_sync(pair[0], &e, params->tty ? &pty_master : NULL);
        if (n == 0 && params->tty && pty_master < 0)
                n = -1, errno = EBADMSG;
        if (n == 0) {
                *ret = (LaunchExeced) {
                        .pid = pid,
                        .pidfd = TAKE_FD(pidfd),
                        .pty_master = TAKE_FD(pty_master),
                };
                return 0;
        }
        if (n == (ssize_t) sizeof(e)) {
                e.step[sizeof(e.step) - 1] = e.what[sizeof(e.what) - 1] = '\0';
                r = launch_log_child_error(&e);
                if (params->reterr_exit_status)
                        *params->reterr_exit_status = launch_exit_status_of(&e);
                /* The child exits right after sending this; with a pid
                 * namespace the relay first reaps the command, which must
                 * not be left to the sandbox's init as a zombie of ours. */
                (void) wait_status(pidfd, &(int) { 0 });
                return r;
        }
        r = log_error_errno(n < 0 ? negative_errno() : SYNTHETIC_ERRNO(EBADMSG),
                            "Failed to read from the command's sync socket: %m");
        (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        (void) wait_status(pidfd, &(int) { 0 });
        return r;
}

int launch_exec(const Plan *p, pid_t target_pid, int target_pidfd, char **argv, const LaunchExecParams *params,
                int *ret_status) {
        LaunchExecParams ep = *params;
        _cleanup_close_ int sfd = -EBADF;
        sigset_t forwarded, old_mask, added, pending;
        int status = -1;
        LaunchExeced x;
        int r;

        if (params->tty)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "launch_exec() relays no terminal.");
        ep.reterr_exit_status = &status;

        /* Blocked from before the clone, so that a ^C while the command is
         * being set up is passed on once it runs, rather than lost or
         * ending us. Only those we block here are drained at the end: a
         * caller that had them blocked already reads them itself. */
        forwarded_signals(&forwarded);
        if (sigprocmask(SIG_BLOCK, &forwarded, &old_mask) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");
        sigemptyset(&added);
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(&forwarded, sig) == 1 && sigismember(&old_mask, sig) == 0)
                        sigaddset(&added, sig);
        sfd = signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                r = log_error_errno(negative_errno(), "Failed to create a signalfd: %m");
                goto restore;
        }

        r = launch_exec_start(p, target_pid, target_pidfd, argv, &ep, &x);
        if (r < 0) {
                /* It failed in the sandbox: that is its status, not our failure. */
                if (status >= 0)
                        r = 0;
                goto restore;
        }
        r = wait_forwarding(x.pidfd, sfd, &status);
        if (r < 0) {
                log_error_errno(r, "Failed to wait for the command in %s: %m", strna(p->name));
                (void) syscall(SYS_pidfd_send_signal, x.pidfd, SIGKILL, NULL, 0);
                (void) wait_status(x.pidfd, &(int) { 0 });
        }
        safe_close(x.pidfd);

restore:
        /* Signals that came too late to be passed on are dropped, not
         * delivered to a caller that may not expect them. */
        if (sigpending(&pending) >= 0)
                for (int sig = 1; sig < NSIG; sig++)
                        if (sigismember(&added, sig) == 1 && sigismember(&pending, sig) == 1) {
                                const struct timespec zero = {};
                                sigset_t one;

                                sigemptyset(&one);
                                sigaddset(&one, sig);
                                (void) sigtimedwait(&one, NULL, &zero);
                        }
        (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        if (r < 0)
                return r;
        *ret_status = status;
        return 0;
}
