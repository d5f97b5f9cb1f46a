/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "af-util.h"
#include "macro.h"
#include "namespace-util.h"
#include "masked-complement.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"
#include "syscall-groups.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Two traps in libseccomp shape everything below:
 *
 *  - A syscall that has an unconditional rule silently drops every
 *    conditional rule added for it later, and an unconditional rule added
 *    later replaces the conditional ones. So a syscall whose arguments we
 *    inspect never gets an unconditional rule: its permitted case is
 *    spelled as conditions too.
 *  - Which of two overlapping conditional rules with different actions
 *    wins depends on libseccomp's internal ordering. So the permitted and
 *    the refused cases are always disjoint sets of argument values.
 *
 * Comparisons are masked equalities with a mask inside the low 32 bits:
 * libseccomp then ignores the high word, as the kernel does for clone and
 * unshare flags (int) and ioctl requests (unsigned int) — so setting high
 * bits neither bypasses a refusal nor changes the outcome. */

typedef struct Filter {
        scmp_filter_ctx ctx;
        SeccompAction default_action;
} Filter;

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

static const SeccompAction action_eperm = { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
static const SeccompAction action_enosys = { .type = SECCOMP_ACTION_ERRNO, .errno_value = ENOSYS };

/* The syscall may run (its arguments then matter). */
static bool action_permits(SeccompAction a) {
        return a.type == SECCOMP_ACTION_ALLOW || a.type == SECCOMP_ACTION_LOG;
}

static int add_rule(Filter *f, SeccompAction a, int nr, unsigned n_cmp, const struct scmp_arg_cmp *cmp) {
        /* libseccomp refuses rules whose action is the default one; they
         * would change nothing anyway. */
        if (seccomp_action_equal(a, f->default_action))
                return 0;
        return seccomp_rule_add_array(f->ctx, seccomp_action_to_scmp(a), nr, n_cmp, cmp);
}

static int add_masked_rule(Filter *f, SeccompAction a, int nr, unsigned arg, uint32_t mask, uint32_t value) {
        const struct scmp_arg_cmp cmp = {
                .arg = arg,
                .op = SCMP_CMP_MASKED_EQ,
                .datum_a = mask,
                .datum_b = value,
        };

        return add_rule(f, a, nr, 1, &cmp);
}

static const PlanSyscall *find_syscall(const Plan *p, const char *name) {
        for (size_t i = 0; i < p->n_syscalls; i++)
                if (streq(p->syscalls[i].name, name))
                        return &p->syscalls[i];
        return NULL;
}

static SeccompAction action_of(const Plan *p, const char *name) {
        const PlanSyscall *s = find_syscall(p, name);

        return s ? s->action : p->seccomp_default_action;
}

typedef struct ComplementRules {
        Filter *f;
        SeccompAction a;
        int nr;
        unsigned arg;
} ComplementRules;

static int emit_masked_rule(uint32_t mask, uint32_t value, void *userdata) {
        ComplementRules *c = userdata;
        return add_masked_rule(c->f, c->a, c->nr, c->arg, mask, value);
}

/* Rules of action a for every 32-bit value of argument arg except bad[]. */
static int add_complement(Filter *f, SeccompAction a, int nr, unsigned arg, const uint32_t *bad, size_t n_bad) {
        ComplementRules c = { .f = f, .a = a, .nr = nr, .arg = arg };
        return masked_complement(bad, n_bad, emit_masked_rule, &c);
}

static int resolve(const char *name) {
        return seccomp_syscall_resolve_name(name);
}

/* clone(2)'s flags are its first argument, except on s390, where the
 * stack pointer comes first. */
static unsigned clone_flags_arg(void) {
        uint32_t native = seccomp_arch_native();

        return native == SCMP_ARCH_S390 || native == SCMP_ARCH_S390X ? 1 : 0;
}

/* Permit nr when no flag in forbidden is set, refuse it with EPERM when
 * any is. */
static int add_flags_rules(Filter *f, SeccompAction permitted, int nr, unsigned arg, uint32_t forbidden) {
        int r;

        if (forbidden == 0)
                return add_rule(f, permitted, nr, 0, NULL);

        r = add_masked_rule(f, permitted, nr, arg, forbidden, 0);
        if (r < 0)
                return r;
        for (unsigned b = 0; b < 32; b++) {
                uint32_t bit = UINT32_C(1) << b;

                if (!(forbidden & bit))
                        continue;
                r = add_masked_rule(f, action_eperm, nr, arg, bit, bit);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* setns(fd, 0) joins whatever namespace fd refers to, so only an nstype of
 * exactly one allowed type's flag is let through: the kernel then refuses
 * an fd of any other type (EINVAL). Everything else — 0, a combination (a
 * pidfd joins several at once), a type not allowed — fails with EPERM. */
static int add_setns_rules(Filter *f, SeccompAction permitted, int nr, uint64_t allowed_types) {
        uint32_t flags[_NAMESPACE_TYPE_MAX];
        size_t n = 0;
        int r;

        if (allowed_types == NAMESPACE_MASK_ALL)
                return add_rule(f, permitted, nr, 0, NULL);

        for (NamespaceType t = 0; t < _NAMESPACE_TYPE_MAX; t++)
                if (allowed_types & NAMESPACE_MASK(t)) {
                        flags[n] = (uint32_t) namespace_type_to_clone_flag(t);
                        r = add_masked_rule(f, permitted, nr, 1, UINT32_MAX, flags[n]);
                        if (r < 0)
                                return r;
                        n++;
                }
        if (n == 0)
                return add_rule(f, action_eperm, nr, 0, NULL);
        return add_complement(f, action_eperm, nr, 1, flags, n);
}

static int add_namespace_rules(Filter *f, const Plan *p) {
        uint64_t forbidden_types = NAMESPACE_MASK_ALL & ~p->seccomp_allow_namespaces;
        uint32_t forbidden = (uint32_t) namespace_mask_to_clone_flags(forbidden_types);
        SeccompAction a;
        int nr, r;

        /* CLONE_NEWTIME lies inside clone's exit-signal byte, so clone(2)
         * cannot ask for a time namespace; only unshare and clone3 can. */
        nr = resolve("clone");
        a = action_of(p, "clone");
        if (nr != __NR_SCMP_ERROR) {
                r = action_permits(a) ? add_flags_rules(f, a, nr, clone_flags_arg(), forbidden & ~CLONE_NEWTIME)
                                      : add_rule(f, a, nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        nr = resolve("unshare");
        a = action_of(p, "unshare");
        if (nr != __NR_SCMP_ERROR) {
                r = action_permits(a) ? add_flags_rules(f, a, nr, 0, forbidden) : add_rule(f, a, nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        nr = resolve("setns");
        a = action_of(p, "setns");
        if (nr != __NR_SCMP_ERROR) {
                r = action_permits(a) ? add_setns_rules(f, a, nr, p->seccomp_allow_namespaces & NAMESPACE_MASK_ALL)
                                      : add_rule(f, a, nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        /* clone3 passes its flags in a struct in memory, which seccomp cannot
         * read. ENOSYS (not EPERM) makes glibc and others fall back to clone,
         * whose flags we can see. */
        nr = resolve("clone3");
        a = action_of(p, "clone3");
        if (nr != __NR_SCMP_ERROR) {
                r = add_rule(f, action_permits(a) && forbidden != 0 ? action_enosys : a, nr, 0, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* TIOCSTI pushes bytes into a terminal's input queue — a sandboxed process
 * holding the caller's tty could type commands into the shell that
 * started it (CVE-2017-5226 in bubblewrap, CVE-2016-7545 in SELinux's
 * sandbox). TIOCLINUX can do the same on a virtual console (selection
 * paste). The kernel takes the request as unsigned int, so only the low 32
 * bits are compared, or setting a high bit would slip past. */
static int add_ioctl_rules(Filter *f, const Plan *p) {
        static const uint32_t refused[] = { TIOCSTI, TIOCLINUX };
        SeccompAction a = action_of(p, "ioctl");
        int nr = resolve("ioctl"), r;

        if (nr == __NR_SCMP_ERROR)
                return 0;
        if (!action_permits(a))
                return add_rule(f, a, nr, 0, NULL);

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                r = add_masked_rule(f, action_eperm, nr, 1, UINT32_MAX, refused[i]);
                if (r < 0)
                        return r;
        }
        return add_complement(f, a, nr, 1, refused, ELEMENTSOF(refused));
}

/* Whether any ABI in the filter has socketcall(2), the multiplexer through
 * which 32-bit x86 (and s390, ppc, ...) reach socket() with the arguments
 * in memory. */
static bool filter_has_socketcall(const Plan *p) {
        if (!p->seccomp_architectures || !p->seccomp_architectures[0])
                return seccomp_syscall_resolve_name_arch(seccomp_arch_native(), "socketcall") >= 0;
        for (char **a = p->seccomp_architectures; *a; a++) {
                uint32_t token = streq(*a, "native") ? seccomp_arch_native() : seccomp_arch_resolve_name(*a);

                if (token != 0 && seccomp_syscall_resolve_name_arch(token, "socketcall") >= 0)
                        return true;
        }
        return false;
}

/* socket(2) and socketpair(2) create only the plan's address families; any
 * other family fails with EAFNOSUPPORT, as from a kernel without it. The
 * family is an int: the low 32 bits are compared, as the kernel reads them.
 * Unnamed family numbers (above the kernel's AF_MAX) are refused too. */
static int add_address_family_rules(Filter *f, const Plan *p) {
        static const char *const names[] = { "socket", "socketpair" };
        const SeccompAction eafnosupport = { .type = SECCOMP_ACTION_ERRNO, .errno_value = EAFNOSUPPORT };
        uint32_t allowed[AF_MASK_BITS];
        size_t n = 0;
        int r;

        if (!p->seccomp_restrict_address_families)
                return 0;
        for (uint32_t af = 0; af < AF_MASK_BITS; af++)
                if (p->seccomp_address_families & (UINT64_C(1) << af))
                        allowed[n++] = af;

        /* socketcall's arguments live in memory, out of seccomp's sight, and
         * libseccomp turns every socket rule below into a socketcall rule
         * that ignores the family (and refuses the second one of another
         * action). An unconditional rule for socketcall, added first, makes
         * it drop those (see the top of this file): ENOSYS, so that a libc
         * that can falls back to the direct socket calls checked below. */
        if (filter_has_socketcall(p)) {
                SeccompAction a = action_of(p, "socketcall");

                if (action_permits(a) || seccomp_action_equal(a, f->default_action))
                        a = seccomp_action_equal(action_enosys, f->default_action) ? eafnosupport : action_enosys;
                r = add_rule(f, a, resolve("socketcall"), 0, NULL);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                SeccompAction a = action_of(p, names[i]);
                int nr = resolve(names[i]);

                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (!action_permits(a)) {
                        r = add_rule(f, a, nr, 0, NULL);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t k = 0; k < n; k++) {
                        r = add_masked_rule(f, a, nr, 0, UINT32_MAX, allowed[k]);
                        if (r < 0)
                                return r;
                }
                r = n == 0 ? add_rule(f, eafnosupport, nr, 0, NULL) : add_complement(f, eafnosupport, nr, 0, allowed, n);
                if (r < 0)
                        return r;
        }

        return 0;
}

static bool handled_apart(const Plan *p, const char *name) {
        static const char *const names[] = { "clone", "clone3", "unshare", "setns", "ioctl" };
        static const char *const socket_names[] = { "socket", "socketpair", "socketcall" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(names[i], name))
                        return true;
        if (p->seccomp_restrict_address_families)
                for (size_t i = 0; i < ELEMENTSOF(socket_names); i++)
                        if (streq(socket_names[i], name))
                                return true;
        return false;
}

static int add_architectures(Filter *f, char * const *arches) {
        uint32_t native = seccomp_arch_native();
        bool native_listed = false;
        int r;

        if (!arches || !arches[0])
                return 0; /* seccomp_init() added the native ABI */

        for (char * const *a = arches; *a; a++) {
                uint32_t token = streq(*a, "native") ? native : seccomp_arch_resolve_name(*a);

                if (token == 0)
                        return -EINVAL;
                if (token == native) {
                        native_listed = true;
                        continue;
                }
                r = seccomp_arch_add(f->ctx, token);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        if (!native_listed) {
                r = seccomp_arch_remove(f->ctx, native);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int export_bpf(scmp_filter_ctx ctx, void **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        size_t done = 0;
        int r;

        /* libseccomp 2.5 exports only to a file descriptor. */
        fd = memfd_create("sandboxd-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
                return -EBADMSG;
        if ((size_t) st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -E2BIG; /* the kernel would refuse it at launch */

        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t n = pread(fd, (uint8_t *) buf + done, st.st_size - done, done);

                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EIO;
                done += n;
        }

        *ret = TAKE_PTR(buf);
        *ret_size = done;
        return 0;
}

/* ---- ENOSYS for syscalls newer than the filter ----
 *
 * A syscall this libseccomp does not know cannot be named in a policy, so
 * it got the default action: EPERM, or a kill under a strict policy. A
 * libc that tries a new syscall first (glibc's clone3, faccessat2, ...)
 * falls back to the old one only on ENOSYS, so EPERM broke programs and a
 * kill killed them. Numbers above the highest one libseccomp knows for the
 * ABI therefore fail with ENOSYS, as on an older kernel; known syscalls the
 * policy does not allow keep the default action.
 *
 * libseccomp cannot compare the syscall number with "greater than", so a
 * few instructions of our own run first, for each ABI with a ceiling:
 *
 *         ld  [arch]
 *     A:  jeq #ARCH_A, 0, B        (not this ABI: try the next one)
 *         ld  [nr]
 *         jset #0x40000000, LIBSECCOMP, 0   (x86-64 only: x32 numbers)
 *         jgt #MAX_A, ENOSYS, LIBSECCOMP
 *     B:  ...
 *     ENOSYS: ret ERRNO(ENOSYS)
 *     LIBSECCOMP: libseccomp's program, which loads what it needs itself
 *
 * An ABI without a block (x32, one not allowed) falls through to
 * libseccomp, which handles x32 and kills foreign ABIs as before. The
 * kernel's per-syscall cache of constant "allow" results evaluates these
 * instructions like libseccomp's, so allowed syscalls stay as cheap. */

#define X32_SYSCALL_BIT UINT32_C(0x40000000)
/* Past the highest number resolved by name, libseccomp's table may hold a
 * few more; after this many unknown numbers in a row it holds none. */
#define SYSCALL_SCAN_GAP 64u
/* ARM's private syscalls (cacheflush, set_tls, ...) live at 0x0f0000 + n. */
#define ARM_PRIVATE_BASE UINT32_C(0x0f0000)

static uint32_t scan_up(uint32_t token, uint32_t from, uint32_t max) {
        for (uint32_t nr = from, misses = 0; misses < SYSCALL_SCAN_GAP; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(token, (int) nr);

                if (name) {
                        free(name);
                        max = MAX(max, nr);
                        misses = 0;
                } else
                        misses++;
        }
        return max;
}

static void max_by_name(uint32_t token, const char *name, uint32_t *max) {
        int nr = seccomp_syscall_resolve_name_arch(token, name);

        if (nr >= 0 && (uint32_t) nr > *max)
                *max = (uint32_t) nr;
}

/* libseccomp has no "highest syscall number" call, and asking it about every
 * number costs ~0.2 us each. So: the highest number among the names we know
 * (the groups' members and the plan's rules, ~20 ns each), then a scan
 * past it for numbers libseccomp knows that our names miss. */
static uint32_t highest_known_syscall(uint32_t token, const Plan *p) {
        uint32_t max = 0;

        for (size_t g = 0; g < n_syscall_groups; g++)
                for (const char *const *m = syscall_groups[g].members; *m; m++)
                        if ((*m)[0] != '@')
                                max_by_name(token, *m, &max);
        for (size_t i = 0; i < p->n_syscalls; i++)
                max_by_name(token, p->syscalls[i].name, &max);
        max = scan_up(token, max + 1, max);
        if (token == SCMP_ARCH_ARM)
                max = scan_up(token, ARM_PRIVATE_BASE, max);
        return max;
}

int plan_seccomp_resolve_enosys(Plan *p) {
        _cleanup_strv_free_ char **natives = NULL;
        char * const *arches = p->seccomp_architectures;
        PlanSyscallCeiling *l;
        size_t n = 0;

        if (!arches || !arches[0]) {
                if (strv_extend(&natives, "native") < 0)
                        return -ENOMEM;
                arches = natives;
        }
        l = calloc(strv_length((char **) arches) + 1, sizeof(PlanSyscallCeiling));
        if (!l)
                return -ENOMEM;
        for (char * const *a = arches; *a; a++) {
                uint32_t token = streq(*a, "native") ? seccomp_arch_native() : seccomp_arch_resolve_name(*a);

                if (token == 0) {
                        plan_syscall_ceilings_free(l, n);
                        return -EINVAL;
                }
                /* x32 shares x86-64's audit arch; its numbers carry bit 30
                 * and are left to libseccomp. */
                if (token == SCMP_ARCH_X32)
                        continue;
                l[n] = (PlanSyscallCeiling) { .arch = strdup(*a), .max = highest_known_syscall(token, p) };
                if (!l[n++].arch) {
                        plan_syscall_ceilings_free(l, n);
                        return -ENOMEM;
                }
        }
        plan_syscall_ceilings_free(p->seccomp_enosys, p->n_seccomp_enosys);
        p->seccomp_enosys = l;
        p->n_seccomp_enosys = n;
        return 0;
}

static int prepend_enosys(const Plan *p, void **bpf, size_t *size) {
        struct sock_filter prefix[1 + 4 * 16 + 1], *n;
        size_t k = 0, end, enosys, starts[16];

        if (p->n_seccomp_enosys == 0)
                return 0;
        if (p->n_seccomp_enosys > ELEMENTSOF(starts))
                return -E2BIG;

        /* Lay the blocks out first: every jump goes forward to a block
         * start, the ENOSYS return or libseccomp's first instruction. */
        k = 1;
        for (size_t i = 0; i < p->n_seccomp_enosys; i++) {
                const char *a = p->seccomp_enosys[i].arch;
                uint32_t token = streq(a, "native") ? seccomp_arch_native() : seccomp_arch_resolve_name(a);

                if (token == 0 || token == SCMP_ARCH_X32)
                        return -EINVAL;
                starts[i] = k;
                k += token == SCMP_ARCH_X86_64 ? 4 : 3;
        }
        enosys = k;
        end = k + 1;

        prefix[0] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        for (size_t i = 0; i < p->n_seccomp_enosys; i++) {
                const char *a = p->seccomp_enosys[i].arch;
                uint32_t token = streq(a, "native") ? seccomp_arch_native() : seccomp_arch_resolve_name(a);
                size_t s = starts[i], next = i + 1 < p->n_seccomp_enosys ? starts[i + 1] : end, j = s;

                prefix[j] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, token, 0, next - (j + 1));
                j++;
                prefix[j++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
                if (token == SCMP_ARCH_X86_64) {
                        prefix[j] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, end - (j + 1), 0);
                        j++;
                }
                prefix[j] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, p->seccomp_enosys[i].max,
                                                          enosys - (j + 1), end - (j + 1));
        }
        prefix[enosys] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));

        if (end + *size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -E2BIG;
        n = malloc(end * sizeof(struct sock_filter) + *size);
        if (!n)
                return -ENOMEM;
        memcpy(n, prefix, end * sizeof(struct sock_filter));
        memcpy(n + end, *bpf, *size);
        free(*bpf);
        *bpf = n;
        *size += end * sizeof(struct sock_filter);
        return 0;
}

int plan_compile_seccomp(Plan *p) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        Filter f;
        void *bpf;
        size_t size;
        int r;

        if (!p)
                return -EINVAL;
        if (p->seccomp_default_action.type < 0 || p->seccomp_default_action.type >= _SECCOMP_ACTION_TYPE_MAX)
                return -EINVAL;

        r = plan_seccomp_cache_lookup(p);
        if (r != 0)
                return r < 0 ? r : 0;

        ctx = seccomp_init(seccomp_action_to_scmp(p->seccomp_default_action));
        if (!ctx)
                return -ENOMEM;
        f = (Filter) { .ctx = ctx, .default_action = p->seccomp_default_action };

        /* A syscall from an ABI the filter does not describe would be
         * matched against the wrong numbers: kill, never guess. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return r;
        /* The launcher sets no_new_privs itself, as its own step. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return r;
        /* A binary search over syscall numbers instead of a linear scan:
         * a few hundred allowed syscalls cost ~9 comparisons, not ~300. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return r;

        r = add_architectures(&f, p->seccomp_architectures);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_syscalls; i++) {
                const PlanSyscall *s = &p->syscalls[i];
                int nr;

                if (handled_apart(p, s->name))
                        continue;
                nr = resolve(s->name);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* unknown to this libseccomp: nothing can call it by that name */
                if (s->action.type < 0 || s->action.type >= _SECCOMP_ACTION_TYPE_MAX)
                        return -EINVAL;
                r = add_rule(&f, s->action, nr, 0, NULL);
                if (r < 0)
                        return r;
        }

        r = add_namespace_rules(&f, p);
        if (r < 0)
                return r;
        r = add_ioctl_rules(&f, p);
        if (r < 0)
                return r;
        r = add_address_family_rules(&f, p);
        if (r < 0)
                return r;

        r = export_bpf(ctx, &bpf, &size);
        if (r < 0)
                return r;
        r = prepend_enosys(p, &bpf, &size);
        if (r < 0) {
                free(bpf);
                return r;
        }

        free(p->seccomp_bpf);
        p->seccomp_bpf = bpf;
        p->seccomp_bpf_size = size;
        return 0;
}
