/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the launcher's files share. Each file owns one kernel concern; the
 * order in which they run is in launch.c and nowhere else. Functions that
 * run in the child fill a LaunchError on failure (and return the negative
 * errno), which the child sends whole to the parent: the parent then logs
 * one precise sentence. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "launch.h"
#include "macro.h"

/* linux/filter.h's: sandbox-init, built with musl, includes this too. */
struct sock_filter;
typedef struct PlanMount PlanMount;
typedef struct BecomeOptions BecomeOptions;
typedef struct PlanFileId PlanFileId;

/* A failure in the child, sent as one SOCK_SEQPACKET message. */
typedef struct LaunchError {
        int32_t error;          /* positive errno */
        bool sentence;          /* what is a whole sentence, not the object of "Failed to ..." */
        char step[32];          /* "mount-proc": which step of the launch order */
        char what[480];         /* "set up /proc" */
} LaunchError;

/* Fill e and return r (negative errno), for "return launch_error(e, r, ...);". */
int launch_error(LaunchError *e, int r, const char *step, const char *fmt, ...) _printf_(4, 5);
int launch_error_sentence(LaunchError *e, int r, const char *step, const char *fmt, ...) _printf_(4, 5);

/* Idmapped mount trees the parent sends the child at SYNC 1 (idmap.c):
 * the image layers, then one per BindPaths=...:rootidmap. */
#define LAUNCH_MAX_PASSED_FDS 64

/* Per plan mount, worked out by the parent before the clone so that the
 * child neither allocates nor parses. */
typedef struct MountPrep {
        unsigned long flags;    /* MS_* for the new mount */
        char *data;             /* file system options, or NULL */
} MountPrep;

typedef struct LaunchContext {
        const Plan *plan;
        const LaunchParams *params;
        char **layer_dirs;      /* host directories of the layers, lowest first */
        MountPrep *mount_prep;  /* one per plan mount */
        int sync_fd;            /* child: its end of the socketpair (fd 3 once set up) */
        bool userns;
        bool pidns;
        bool report_exit;       /* params->report_exit, and there is an init to do it */
        bool keep_output;       /* params->keep_output, and there is an init to hold it */
        int init_exe_fd;        /* sandbox-init's image (init-exe.c), or < 0: init stays the fork */
        int oom_fd;             /* child: the OOM count's file for init's report (launch.c), or < 0 */
        int *join_fds;          /* cgroup_open_self_join(): the child moves itself in through these */
        size_t n_join_fds;
        bool mknod_denied;      /* child: mknod failed once, bind device nodes instead */
        bool layers_idmapped;   /* child: passed_fds starts with one tree per layer (idmapped where the
                                 * file system allows), then the fd of the root's mount point */
        int passed_fds[LAUNCH_MAX_PASSED_FDS]; /* child: what came with SYNC 1 (idmap.c) */
        size_t n_passed_fds;
        size_t next_passed_fd;  /* child: the next rootidmap bind's tree */
        int dev_fd;             /* child: the root of the /dev tmpfs until it is made read-only, or -EBADF */
        char *resolv_conf;      /* Network=private: /etc/resolv.conf's text, made by the parent */
        char **service_env;     /* the plan's environment with LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID
                                 * (socket activation), or NULL */
        char *listen_pid;       /* in service_env: where the service writes its pid */
        struct sock_filter *notify_prog; /* the plan's filter with its denials notifying (listener.c), or NULL */
        size_t notify_n;
} LaunchContext;

/* PATH for a command looked up in a plan without one, as systemd's. */
#define LAUNCH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* "/proc/self/fd/N": mount(2) follows it to exactly the file the fd holds. */
#define FD_PATH_MAX (sizeof("/proc/self/fd/") + 11)
const char *fd_path(int fd, char buf[static FD_PATH_MAX]);

/* clone.c */
pid_t launch_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_into_cgroup);
pid_t launch_vfork(int (*fn)(void *), void *arg);
void launch_vfork_stack_free(void);

/* userns.c (parent: the child's /proc/PID, checked against its pidfd) */
int userns_write_map(pid_t pid, int pidfd, const char *file, const char *line, size_t len);
int userns_write_maps(pid_t pid, int pidfd, uint32_t base, uint32_t count);
int userns_open_ns(pid_t pid, int pidfd, int *ret_fd);
int launch_open_ns(pid_t pid, int pidfd, const char *type, int *ret_fd);
int userns_open_root_path(pid_t pid, int pidfd, const char *path, int *ret_fd);
int userns_become_root(LaunchError *e);

/* idmap.c. Parent: detached idmapped trees (1: made, 0: the file
 * system cannot be idmapped, *ret_fds NULL), and SYNC 1 with them. Child:
 * SYNC 1, and the layers attached on their paths. */
int idmap_prepare(const LaunchContext *c, pid_t pid, int pidfd, int fds[static LAUNCH_MAX_PASSED_FDS], size_t *ret_n,
                  char *ret_what);
int idmap_send(int sock, char what, const int *fds, size_t n);
int idmap_recv(LaunchContext *c, char *ret_what);
int idmap_mount_root(const LaunchContext *c, int *ret_root_fd, LaunchError *e);

/* fd.c: fd numbers in the child once its fds are set up */
#define LAUNCH_SYNC_FD 3
#define LAUNCH_KEPT_FD 4
#define LAUNCH_INIT_FD 5
#define LAUNCH_OUTPUT_FD LAUNCH_INIT_OUTPUT_FD
#define LAUNCH_MAX_LISTEN_FDS 64
int fd_setup_stdio(int stdin_fd, int stdout_fd, int stderr_fd, int sync_fd, int kept_fd, int init_fd, int output_fd,
                   const int *listen, size_t n_listen, LaunchError *e);
int fd_pass_listen(size_t n_listen, int *sync_fd, LaunchError *e);
int fd_connect_journal(const char *identifier, LaunchError *e);

/* process.c */
int process_new_session(LaunchError *e);
int process_die_with_parent(int sync_fd, LaunchError *e);
int process_set_hostname(const char *hostname, LaunchError *e);
int process_set_rlimits(const Plan *p, LaunchError *e);

/* image.c (parent: layers to directories; child: the root mount) */
int image_prepare_layers(const Plan *p, const char *state_dir, char ***ret_dirs);
int image_mount_root(const LaunchContext *c, int *ret_root_fd, LaunchError *e);
/* image-unpack.c */
int image_unpack_tarball(const char *path, const PlanFileId *id, const char *state_dir, char **ret_dir);

/* mount-setup.c */
int mount_prepare(const Plan *p, MountPrep **ret);
MountPrep *mount_prep_free(MountPrep *m, size_t n);
int mount_make_private(LaunchError *e);
int mount_plan(LaunchContext *c, int root_fd, LaunchError *e);
int mount_pivot_root(int root_fd, LaunchError *e);
typedef enum MountCreate {
        MOUNT_CREATE_NONE,      /* the target must exist */
        MOUNT_CREATE_DIR,
        MOUNT_CREATE_FILE,
} MountCreate;
int mount_open_target(int root_fd, const char *path, MountCreate create, int *ret_fd);
int mount_clone_onto(int dir_fd, const char *path, int target_fd, bool recursive, uint64_t attr_set);

/* host-open.c: path opened without following symlinks and checked against
 * what the compiler pinned. 0 and the fd; -ENOENT; or -ELOOP (a symlink on
 * the path) and -ESTALE (another file, or one where none was: missing) with
 * why filled ("was inode N, now M"). */
int launch_open_pinned(const char *path, int flags, const PlanFileId *id, bool missing, int *ret_fd, char *why,
                       size_t why_size);

/* dev.c */
int dev_mount(LaunchContext *c, int root_fd, const PlanMount *m, const MountPrep *prep, LaunchError *e);
/* After the plan's last mount: /dev read-only, so nothing can add a node. */
int dev_seal(LaunchContext *c, LaunchError *e);

/* pty.c. Child, in the sandbox's root and about to become the service
 * or the command: a pty of the plan's devpts, its master sent over
 * sync_fd, its slave as 0 1 2 and controlling terminal, made by the
 * plan's user (launch_become_service calls it after the uid change; rows and cols:
 * the window size, 0: unset). Parent: recv() for SYNC 2 that keeps the
 * master if one comes first (pty_master NULL: none may come). */
/* The one byte of the message that carries the master (SCM_RIGHTS). */
#define PTY_MESSAGE 't'
int pty_setup_child(const Plan *p, int sync_fd, unsigned short rows, unsigned short cols, LaunchError *e);
ssize_t pty_recv_sync(int sock, LaunchError *e, int *pty_master);
/* listener.c: the seccomp listener, from the service to the launcher
 * and to init. */
typedef struct LaunchListenerMsg {
        char tag[4];            /* "lsn" */
        int32_t fd;             /* the listener in the service, or -1: loaded without one */
} LaunchListenerMsg;
/* Parent, before the clone: c->notify_prog, or none (0). */
int listener_prepare(LaunchContext *c);
/* Service: the filter with a listener, announced on sync_fd, and kept
 * until the launcher has taken it. */
int listener_load(const Plan *p, const BecomeOptions *o, int sync_fd, LaunchError *e);
/* init, once the service has exec'd: the listener at LAUNCH_INIT_LISTENER_FD
 * (1), or none (0). */
int listener_init_recv(int sync_fd, LaunchError *e);
/* Parent, on a LaunchListenerMsg from pid: the listener taken from the
 * service (*ret_fd, or -EBADF if it had none), the service let go on, and
 * init sent its copy. Logs. */
int listener_take(int sock, const LaunchListenerMsg *m, pid_t pid, int *ret_fd);

/* net.c */
int net_loopback_up(LaunchError *e);
/* Network=private (child): eth0 and lo configured from the plan. */
int net_configure(const Plan *p, LaunchError *e);
/* Network=private (child, before /dev is sealed): /etc/resolv.conf. */
int net_mount_resolv_conf(LaunchContext *c, int root_fd, LaunchError *e);

/* caps.c */
int caps_apply(const Plan *p, LaunchError *e);
int caps_drop_for_init(LaunchError *e);

/* init.c (also the middle process of launch_exec, with exit_fd < 0; and
 * compiled into sandbox-init) */
int init_block_signals(void);
void init_close_fds_except(const int *keep, size_t n, size_t n_listen);
_noreturn_ void init_loop(pid_t service, int exit_fd, int oom_fd);
_noreturn_ void init_run(pid_t service, int sync_fd, int exit_fd, int oom_fd, int output_fd, int listener_fd,
                         size_t n_listen);

/* init-exe.c: sandbox-init's image. Parent: a sealed memfd, made once per
 * process (the fd stays open, cached), or < 0 when there is none (logged
 * once). Child (init, after the fork of the service): close every fd but
 * exit_fd and output_fd and execveat() it; returns only if that failed. INIT_PROTOCOL changes whenever sandbox-init's arguments
 * or duties do: it is argv[1], and sandbox-init carries the marker, which
 * init_exe_get() looks for. */
#define INIT_PROTOCOL "3"
#define INIT_PROTOCOL_MARKER "sandbox-init protocol " INIT_PROTOCOL
int init_exe_get(void);
int init_exe_exec(int exe_fd, pid_t service, int exit_fd, int oom_fd, int output_fd, int listener_fd, size_t n_listen);

/* launch.c: the last steps, shared by the service and launch_exec()'s
 * command. Returns only on failure, with e filled. */
typedef struct BecomeOptions {
        char **argv;            /* what to execute: argv[0] absolute, or searched in PATH */
        const char *what;       /* how messages name argv[0]: "ExecStart binary", "Command" */
        const char *where;      /* "the image", "the sandbox" */
        bool search_path;       /* argv[0] without '/' is looked up in the plan's PATH */
        bool die_with_parent;   /* re-arm the parent death signal after the uid change */
        size_t n_listen_fds;    /* listening sockets at LAUNCH_INIT_LISTEN_FD..., passed as 3... */
        char **environment;     /* NULL: the plan's */
        char *listen_pid;       /* in environment: the digits of "LISTEN_PID=", written with our pid
                                 * (LAUNCH_LISTEN_PID_DIGITS bytes and a NUL) */
        bool tty;               /* stdio: a pty of the sandbox's devpts (pty.c), after the uid change */
        unsigned short tty_rows, tty_cols;
        const struct sock_filter *notify_prog; /* load this with a listener instead (listener.c) */
        size_t notify_n;
} BecomeOptions;
#define LAUNCH_LISTEN_PID_DIGITS 11
/* *sync_fd may move (fd_pass_listen()). */
int launch_become_service(const Plan *p, const BecomeOptions *o, int *sync_fd, LaunchError *e);
_noreturn_ void launch_child_exit(int sync_fd, const LaunchError *e);
/* launch.c, parent side: one sentence for a child's LaunchError, and the
 * LAUNCH_EXIT_* status that goes with it. */
int launch_log_child_error(const LaunchError *e);
int launch_exit_status_of(const LaunchError *e);
