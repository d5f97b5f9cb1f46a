/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "namespace-util.h"
#include "masked-complement.h"
#include "plan-seccomp.h"
#include "plan.h"

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

static bool handled_apart(const char *name) {
        static const char *const names[] = { "clone", "clone3", "unshare", "setns", "ioctl" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(names[i], name))
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

                if (handled_apart(s->name))
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

        r = export_bpf(ctx, &bpf, &size);
        if (r < 0)
                return r;

        free(p->seccomp_bpf);
        p->seccomp_bpf = bpf;
        p->seccomp_bpf_size = size;
        return 0;
}
