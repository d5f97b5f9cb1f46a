/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The supervisor's side of a seccomp listener (launch_start() hands one
 * out as Launched.listener_fd): each denied syscall of the service waits
 * in the kernel until it is read here, judged by the plan's own program
 * (seccomp-bpf.h) and answered: errno as the policy says, or SIGKILL to
 * the process for a kill action. Nothing here logs; the caller (sandboxd,
 * `sandboxctl run`) decides what to say, and keeps a SeccompDenials. */

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "seccomp-action.h"

typedef struct SeccompEvent SeccompEvent;
struct SeccompEvent {
        uint32_t arch;          /* AUDIT_ARCH_* of the call */
        int nr;                 /* its number on that ABI */
        SeccompAction action;   /* what the policy does with it */
        pid_t pid;              /* the calling process (thread group), as the supervisor sees it; 0 gone */
        pid_t sandbox_pid;      /* the same in the sandbox's pid namespace; 0 unknown */
        bool killed;            /* kill-process: SIGKILL was sent */
};

typedef struct SeccompListener {
        int fd;
        const struct sock_filter *prog;  /* the plan's program (not the variant loaded) */
        size_t n;
        /* The last caller's /proc lookup, reused while the same thread calls. */
        pid_t cache_tid, cache_tgid, cache_sandbox_pid;
} SeccompListener;

/* One pending notification, answered: 1 and *ret filled; 0 when none is
 * pending (it polls first, so it never blocks); -EPIPE once no process
 * is left under the filter; < 0 errno otherwise. A call the program would
 * let through (it cannot come from this filter) is refused with EPERM;
 * "log" is let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
int seccomp_listener_handle(SeccompListener *l, SeccompEvent *ret);

/* The syscall's name for arch ("keyctl"), or "syscall-NR" when this
 * libseccomp does not know it. */
#define SECCOMP_NAME_MAX 48
const char *seccomp_event_syscall_name(uint32_t arch, int nr, char buf[static SECCOMP_NAME_MAX]);
/* "x86_64", "x86", "aarch64", ...; "0xHEX" for one not in our table. */
const char *seccomp_arch_name(uint32_t arch, char buf[static 16]);

/* What a run was denied, per distinct syscall and action. Bounded: past
 * SECCOMP_DENIALS_MAX distinct entries, calls are only counted. */
#define SECCOMP_DENIALS_MAX 64
typedef struct SeccompDenial {
        uint32_t arch;
        int nr;
        SeccompAction action;
        uint64_t count;
        uint64_t last_usec;     /* CLOCK_REALTIME */
        pid_t sandbox_pid;      /* of the last call */
} SeccompDenial;

typedef struct SeccompDenials {
        SeccompDenial items[SECCOMP_DENIALS_MAX];
        size_t n;
        uint64_t n_unlisted;    /* calls past a full table */
} SeccompDenials;

/* Counts ev. 1: its first call (a new entry), 0: counted in its entry,
 * -ENOSPC: the table is full, counted in n_unlisted. */
int seccomp_denials_add(SeccompDenials *t, const SeccompEvent *ev, uint64_t now_usec);
/* The index of items, latest first (n entries). */
void seccomp_denials_order(const SeccompDenials *t, size_t order[static SECCOMP_DENIALS_MAX]);

/* Whether fd is a seccomp listener ("anon_inode:seccomp notify"), for
 * one taken from another process. */
bool seccomp_fd_is_listener(int fd);
