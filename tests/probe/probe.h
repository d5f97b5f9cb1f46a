/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandbox-probe: a static program run inside sandboxes by the integration
 * and escape suites. Everything it prints is one fact per line, either
 * "key=value" or "test NAME: blocked|ALLOWED|skip (detail)", so shell
 * tests can grep them. It links nothing of sandboxd on purpose: it checks
 * the product from the outside. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

typedef enum Verdict {
        VERDICT_BLOCKED,
        VERDICT_ALLOWED,
        VERDICT_SKIP,
        VERDICT_ERROR,
} Verdict;

typedef struct EscapeOptions {
        const char *marker;        /* absolute host path that must stay invisible */
        int tcp_port;              /* a host listener on 127.0.0.1 */
        const char *abstract_name; /* a host abstract unix socket (without the leading NUL) */
        const char *unix_path;     /* a host unix socket path */
        const char *dbus_path;
        const char *host_proc;     /* argv[0] of a host process that must stay invisible */
        const char *only;          /* comma-separated test names, NULL: all */
        bool tty_stdin;            /* also try TIOCSTI on fd 0 */
} EscapeOptions;

/* Print one verdict line; in an escape test child it goes to the parent. */
void report(const char *name, Verdict v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "EPERM" for EPERM, "E123" for unknown values. */
const char *errno_name(int e);

extern int probe_report_fd;

int run_escape(const EscapeOptions *o);

/* probe-seccomp.c: exact answers of the filter. */
int cmd_families(void);
int cmd_syscall(int argc, char **argv);
int cmd_deny(int argc, char **argv);
int cmd_own_listener(void);

/* ---- shared by the escape attempts (probe-escape*.c) ---- */

extern const EscapeOptions *probe_opts;
extern const char *probe_workdir;       /* writable scratch directory, NULL if none */
extern pid_t probe_parent;              /* whoever started the probe */
extern pid_t probe_main;                /* the escape run, parent of every attempt */
extern char probe_leaked_fds[1024];     /* " N=target" for each fd beyond 0 1 2 at start */
extern volatile uint64_t probe_canary;  /* something to read out of probe_main */

/* EPERM EACCES ENOSYS EROFS, or one of also (0-terminated): the sandbox
 * stopped the call. */
bool errno_blocks(int e, const int *also);
#define ALSO(...) ((const int[]) { __VA_ARGS__, 0 })

/* rc >= 0: ALLOWED; errno that blocks: blocked; any other errno: the call
 * got past the kernel's privilege check, so ALLOWED. */
void classify(const char *name, long rc, int e, const int *also_blocked);

bool dir_exists(const char *p);
int make_subdir(const char *name, char *ret, size_t n);

/* One attempt each; arg selects a variant. They run in a forked child. */
void t_mount(long arg);
void t_umount(long arg);
void t_pivot_root(long arg);
void t_fsopen(long arg);
void t_unshare(long ns_index);
void t_setns(long ns_index);
void t_clone_ns(long clone_flag);
void t_clone3_newuser(long arg);
void t_chroot(long arg);
void t_proc_writes(long which);
void t_proc_kcore(long arg);
void t_exe_write(long proc1);
void t_mknod(long block);
void t_devices(long arg);
void t_open_by_handle(long arg);
void t_host_procs(long arg);
void t_host_marker(long arg);
void t_leaked_fds(long arg);
void t_cwd(long arg);
void t_release_agent(long which);
void t_tiocsti(long variant);
void t_x32(long nr);
void t_i386(long nr);
void t_syscalls(long which);
void t_ptrace(long which);
void t_process_vm(long which);
void t_sockets(long which);
void t_net_admin(long arg);
void t_tcp(long arg);
void t_unix(long which);
void t_setuid(long arg);
