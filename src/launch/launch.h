/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The launcher: runs a Plan and nothing else. */

#include <stdbool.h>
#include <sys/types.h>

typedef struct Plan Plan;
typedef struct Cgroup Cgroup;
typedef struct PlanSocket PlanSocket;
typedef struct Unit Unit;
struct SeccompEvent;

/* Exit statuses for a service that never ran (launch_start failed), in
 * the shells' convention: 127 the ExecStart= binary is not in the image,
 * 126 it is there but cannot be executed, 125 the sandbox itself could not
 * be set up. */
#define LAUNCH_EXIT_SETUP 125
#define LAUNCH_EXIT_CANNOT_EXECUTE 126
#define LAUNCH_EXIT_NOT_FOUND 127

typedef struct LaunchParams {
        int stdin_fd;           /* fds the service gets as 0, 1, 2; -1: /dev/null */
        int stdout_fd;
        int stderr_fd;
        Cgroup *cgroup;         /* may be NULL: no cgroup (tests only) */
        /* Additions by the launcher: */
        const char *state_dir;  /* where tarball layers are unpacked; NULL: SANDBOXD_STATE_DIR */
        bool die_with_parent;   /* the sandbox gets SIGKILL when the caller's thread exits
                                 * (sandboxctl run); sandboxd leaves it off so that it can
                                 * re-adopt running services after a restart */
        int *reterr_exit_status; /* if non-NULL, set on failure to one of LAUNCH_EXIT_* */
        char **reterr_message;  /* if non-NULL, set on a failure inside the sandbox to the sentence
                                 * ("... (step mount-bind).") instead of logging it: the caller logs
                                 * it, once; the caller frees it */
        /* Additions for sandboxd: */
        bool report_exit;       /* init keeps exit_status_fd and writes "exited N\n", "killed N\n" or
                                 * "dumped N\n" (si_code, si_status) into it with one pwrite() at
                                 * offset 0 when the service ends, so that a sandboxd that is not
                                 * init's parent (it re-adopted the service) learns how it ended.
                                 * Needs a pid namespace: ignored without one (no init). */
        int exit_status_fd;     /* an empty regular file opened O_WRONLY (else launch_start fails
                                 * with -EINVAL): the only fd of the host init keeps (init.c) */
        const char *journal_identifier; /* non-NULL: once in its cgroup (after SYNC 1) the child
                                 * connects a journald stdout stream with this SYSLOG_IDENTIFIER
                                 * (no newline) and makes it the service's stdout and stderr, so
                                 * that journald attributes the output to the service's cgroup
                                 * (its scope). Without journald (ENOENT, ECONNREFUSED) stdout_fd
                                 * and stderr_fd are used as given, silently; any other error
                                 * fails the launch (step "journal"). */
        /* Additions for the output pipe: */
        bool keep_output;       /* init holds output_read_fd as LAUNCH_INIT_OUTPUT_FD and never
                                 * reads from it, so that the pipe stdout_fd and stderr_fd write
                                 * into, and what the service wrote into it (up to the pipe's
                                 * capacity), outlive the caller: a restarted caller takes it back
                                 * with pidfd_getfd(2) on init. Needs a pid namespace: ignored
                                 * without one (no init). */
        int output_read_fd;     /* a pipe opened O_RDONLY (else launch_start fails with -EINVAL) */
        /* Socket activation: one socket per p->sockets entry, in order
         * (launch_open_sockets()), else launch_start fails with -EINVAL. The
         * service gets them as fds 3... with LISTEN_FDS, LISTEN_FDNAMES and
         * LISTEN_PID; init holds copies at LAUNCH_INIT_LISTEN_FD... for a
         * restarted caller (launch_take_sockets()). */
        const int *listen_fds;
        size_t n_listen_fds;
        /* Additions for a terminal (sandboxctl run -t): */
        bool tty;               /* the service gets a new pseudo-terminal of the sandbox's own devpts
                                 * as 0, 1, 2 and controlling terminal, in a session of its own;
                                 * stdin_fd, stdout_fd and stderr_fd are then init's only, and the
                                 * master comes back in Launched.pty_master (src/launch/pty.c) */
        unsigned short tty_rows, tty_cols; /* its window size; 0: the kernel's default */
        /* Additions for denials: */
        unsigned seccomp_notify; /* SECCOMP_NOTIFY_* (src/plan/seccomp-bpf.h): which returns of the
                                 * plan's filter go to a listener instead (SECCOMP_RET_USER_NOTIF),
                                 * handed out as Launched.listener_fd, for the caller to answer
                                 * (src/launch/seccomp-notify.h). init holds a copy at
                                 * LAUNCH_INIT_LISTENER_FD, for a restarted caller. Needs a pid
                                 * namespace and a filter: else ignored (listener_fd -1), as it is
                                 * when the filter would not let the service's last steps
                                 * (write and read on the sync socket) through. */
        /* Called for each call the launcher answered itself while it waited for the exec (the
         * service's first calls, or a failed execve's checks): the caller counts them as it
         * counts those it answers later. May be NULL. */
        void (*on_seccomp_event)(const struct SeccompEvent *ev, void *userdata);
        void *seccomp_event_userdata;
        /* Network=service:NAME (read only for such a plan): the network
         * namespace of NAME's running sandbox (launch_open_netns()), which
         * the sandbox is born in, and the text of its /etc/resolv.conf
         * (NAME's; NULL: the image's own). */
        int netns_fd;
        const char *resolv_conf;
} LaunchParams;

/* Where init holds LaunchParams.output_read_fd, in the launcher's fork and
 * in sandbox-init alike. */
#define LAUNCH_INIT_OUTPUT_FD 6
/* Where init holds the seccomp listener (LaunchParams.seccomp_notify). */
#define LAUNCH_INIT_LISTENER_FD 7
/* ... and the listening sockets of socket activation, from here up. */
#define LAUNCH_INIT_LISTEN_FD 8

typedef struct Launched {
        pid_t pid;              /* host pid of the sandbox's PID 1 (init) or of the service */
        int pidfd;              /* pidfd of that process; the caller owns it */
        bool has_init;          /* pid is our init: it exits with the service's status, and
                                 * 128+N when the service was killed by signal N */
        int pty_master;         /* LaunchParams.tty: the pty's master, the caller owns it; else -EBADF */
        int listener_fd;        /* the seccomp listener (LaunchParams.seccomp_notify), or -EBADF;
                                 * the caller owns it */
} Launched;

/* Start the sandbox described by p: returns once the service has been
 * exec'd (or with the errno and failed step logged, nothing left behind:
 * no process, no mount, no fd; the cgroup is the caller's to destroy).
 * Call it from a single-threaded process: the child is made with a raw
 * clone3() and runs ordinary libc code until it execs.
 * With a pid namespace, init replaces its image with sandbox-init right
 * after the return (src/launch/init.c), and the first such launch leaves
 * one fd open for the rest of the process, on purpose: sandbox-init's
 * sealed copy (a memfd, close-on-exec), shared by every later sandbox. */
int launch_start(const Plan *p, const LaunchParams *params, Launched *ret);

/* Socket activation (socket-activate.c), on the caller's side. Open the
 * plan's listening sockets in the caller's network namespace: *ret_fds
 * has one per p->sockets entry, in order. On failure nothing is left open
 * and no socket file it made is left behind, and the sentence that names
 * the address is logged, or put in *reterr_message if that is non-NULL
 * (the caller logs it). A socket file whose listener is gone is removed
 * first (a stale one); any other file at the path is "in use". */
int launch_open_sockets(const Plan *p, int **ret_fds, size_t *ret_n, char **reterr_message);
/* The AF_UNIX socket files of p, for launch_close_sockets(). */
int launch_socket_files(const Plan *p, char ***ret);
/* Close the n fds (and free the array) and remove those of files that
 * are still sockets. */
void launch_close_sockets(int *fds, size_t n, char **files);
/* Is fd a listening socket of the kind and at the address s says (the
 * one the previous launch_open_sockets() made)? 1 yes, 0 no, < 0 error. */
int launch_socket_matches(int fd, const PlanSocket *s);
/* A restarted caller takes the listening sockets back from a running
 * sandbox whose first process is pidfd (pid): from init
 * (LAUNCH_INIT_LISTEN_FD...) when has_init, else from the service's fds
 * 3.... Each is checked with launch_socket_matches(). 0 and the fds, or
 * < 0 (not logged). */
int launch_take_sockets(const Plan *p, pid_t pid, int pidfd, bool has_init, int **ret_fds, size_t *ret_n);

/* Network=service:NAME: the network namespace of NAME's sandbox, whose
 * first process is pid, pinned by pidfd (checked alive after the open,
 * so a recycled pid is never used). 0 and the fd, or < 0 (not logged;
 * -ESRCH: it is gone). */
int launch_open_netns(pid_t pid, int pidfd, int *ret_fd);

/* A plan with a user namespace comes from the compiler with no host id
 * range (uid_map_base 0: "allocated at start"); this takes the one
 * registered for p->name under state_dir (NULL: SANDBOXD_STATE_DIR),
 * registering one on first use (idrange.c), and sets p->uid_map_base.
 * Plans without a user namespace are left alone. Logs its errors. */
int launch_acquire_id_range(Plan *p, const char *state_dir);

/* The unit's tarball layers (Image= paths) unpacked into the image cache
 * under state_dir (NULL: SANDBOXD_STATE_DIR) before it is compiled, so
 * that the compile reads a User='s passwd entry from the tree instead of
 * decompressing the archive, and so that sandboxd can do it in a worker
 * rather than in its event loop. Images that are not tarballs are left to
 * the compiler. Logs its errors. */
int image_unpack_unit_tarballs(const Unit *u, const char *state_dir);

/* How a command run in a sandbox gets its stdio. Never the caller's own
 * terminal, pipe or file: any process of the sandbox with the command's
 * uid could reopen it through /proc/PID/fd and keep it after the command
 * ended. */
typedef struct LaunchExecParams {
        int stdin_fd;           /* without tty: the command's 0, 1, 2, such as pipes the
                                 * caller relays; -1: /dev/null */
        int stdout_fd;
        int stderr_fd;
        bool tty;               /* a new pseudo-terminal of the sandbox's own devpts as 0, 1, 2 and
                                 * controlling terminal; its master is LaunchExeced.pty_master */
        unsigned short tty_rows, tty_cols; /* its window size; 0: the kernel's default */
        int *reterr_exit_status; /* if non-NULL, set when the command failed in the sandbox, before
                                 * its execve, to the status that stands for it: LAUNCH_EXIT_*;
                                 * left alone when nothing was started */
} LaunchExecParams;

typedef struct LaunchExeced {
        pid_t pid;              /* the process to wait for: it exits with the command's status, or
                                 * 128+N when signal N killed it; signals sent to it are passed on */
        int pidfd;              /* its pidfd; the caller owns it */
        int pty_master;         /* tty: the pty's master, the caller owns it; else -EBADF */
} LaunchExeced;

/* Start argv inside the running sandbox of plan p (the plan of the current
 * run), whose first process is target_pid, pinned by target_pidfd: the
 * sandbox's namespaces, root and cgroups, the plan's identity, rlimits,
 * capabilities, no_new_privs, seccomp filter and environment, its working
 * directory, in a session of its own (with tty: the pty its controlling
 * terminal). argv[0] without a '/' is looked up in the plan's PATH inside
 * the sandbox. The command dies with the caller's thread. Returns 0 once
 * the command has exec'd; the caller waits for ret->pidfd. < 0 (logged)
 * when it did not: nothing was started (the sandbox is not running:
 * -ESRCH; the pidfd is not target_pid's: -EINVAL; the caller's own
 * steps), or it failed in the sandbox (*params->reterr_exit_status set:
 * LAUNCH_EXIT_SETUP, LAUNCH_EXIT_CANNOT_EXECUTE, LAUNCH_EXIT_NOT_FOUND).
 * Single-threaded callers only, as for launch_start(); block the signals
 * you forward before the call. */
int launch_exec_start(const Plan *p, pid_t target_pid, int target_pidfd, char **argv, const LaunchExecParams *params,
                      LaunchExeced *ret);

/* launch_exec_start(), then wait for the command, passing on SIGINT,
 * SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 the caller gets meanwhile. Returns
 * 0 and *ret_status: the exit status, 128+N for signal N, or LAUNCH_EXIT_*
 * if it never ran (the reason is logged). < 0 (logged) when nothing was
 * started because of the sandbox or the caller. Not for tty. */
int launch_exec(const Plan *p, pid_t target_pid, int target_pidfd, char **argv, const LaunchExecParams *params,
                int *ret_status);
