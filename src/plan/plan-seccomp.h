/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The plan's seccomp filter: compiled once, with libseccomp, when the plan
 * is made; loaded as plain BPF by the launcher, which therefore does no
 * rule work at launch time. */

#include "plan.h"

/* From p->seccomp_default_action, p->syscalls, p->seccomp_architectures and
 * p->seccomp_allow_namespaces, build the filter and store its BPF program
 * (struct sock_filter[]) in p->seccomp_bpf / p->seccomp_bpf_size, replacing
 * any old one. Needs no privileges and loads nothing. Besides the listed
 * rules, the filter:
 *   - kills the process on any ABI not in seccomp_architectures (i386 via
 *     int $0x80, x32 via the 0x40000000 bit);
 *   - makes clone/unshare with a CLONE_NEW* flag of a type not allowed fail
 *     with EPERM, setns unless its nstype is exactly one allowed type,
 *     and clone3 with ENOSYS unless every type is allowed (its flags live
 *     in memory seccomp cannot read; glibc falls back to clone on ENOSYS);
 *   - makes ioctl TIOCSTI and TIOCLINUX fail with EPERM, matching the low
 *     32 bits of the request as the kernel does;
 *   - with p->seccomp_restrict_address_families, makes socket and
 *     socketpair fail with EAFNOSUPPORT for a family outside
 *     p->seccomp_address_families (low 32 bits compared), and socketcall
 *     with ENOSYS on ABIs that have it;
 *   - makes every syscall number above p->seccomp_enosys[].max of its ABI
 *     fail with ENOSYS (a raw BPF prefix before libseccomp's program).
 * Syscalls the running libseccomp does not know are skipped. */
int plan_compile_seccomp(Plan *p);

/* Fill p->seccomp_enosys for p->seccomp_architectures (no entry for x32,
 * whose syscalls carry x86-64's audit arch): the highest syscall number
 * libseccomp knows for each, and at least that of every rule in p. */
int plan_seccomp_resolve_enosys(Plan *p);

/* The filter cache (seccomp-cache.c). With a cache directory set (by the
 * program: sandboxctl, sandboxd), plan_compile_seccomp() first looks the
 * rules up there; a program stores what was compiled with
 * plan_seccomp_cache_store(). Without one, every compile is fresh. */
int plan_seccomp_set_cache_dir(const char *dir);
/* 1 and p->seccomp_bpf set on a hit, 0 on a miss, < 0 only on ENOMEM. */
int plan_seccomp_cache_lookup(Plan *p);
/* 1 stored, 0 nothing to do (no cache, or already there), < 0 errno. */
int plan_seccomp_cache_store(const Plan *p);
