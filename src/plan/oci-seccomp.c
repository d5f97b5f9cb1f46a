/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <linux/sched.h>
#include <sys/ioctl.h>

#include "masked-complement.h"
#include "oci-seccomp.h"
#include "string-util.h"

static const char *oci_action(SeccompActionType t) {
        switch (t) {
        case SECCOMP_ACTION_ALLOW: return "SCMP_ACT_ALLOW";
        case SECCOMP_ACTION_ERRNO: return "SCMP_ACT_ERRNO";
        case SECCOMP_ACTION_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
        case SECCOMP_ACTION_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
        case SECCOMP_ACTION_TRAP: return "SCMP_ACT_TRAP";
        case SECCOMP_ACTION_LOG: return "SCMP_ACT_LOG";
        default: return NULL;
        }
}

static const char *oci_arch(const char *a) {
        static const char *const map[][2] = {
                { "x86_64", "SCMP_ARCH_X86_64" }, { "x86", "SCMP_ARCH_X86" },      { "x32", "SCMP_ARCH_X32" },
                { "aarch64", "SCMP_ARCH_AARCH64" }, { "arm", "SCMP_ARCH_ARM" },    { "ppc64le", "SCMP_ARCH_PPC64LE" },
                { "s390x", "SCMP_ARCH_S390X" },   { "riscv64", "SCMP_ARCH_RISCV64" },
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(map[i][0], a))
                        return map[i][1];
        return NULL;
}

static json_object *arg(unsigned index, uint64_t value, uint64_t value2, const char *op);
static json_object *rule(const char *name, SeccompAction a);

/* One rule: (argument & mask) == value. A mask within the low 32 bits
 * makes the comparison ignore the high half, as the kernel does for ioctl
 * requests and flag words. */
static void add_masked(json_object *rules, SeccompAction a, const char *name, unsigned index, uint32_t mask, uint32_t value) {
        json_object *x = rule(name, a), *args = json_object_new_array();

        json_object_array_add(args, arg(index, mask, value, "SCMP_CMP_MASKED_EQ"));
        json_object_object_add(x, "args", args);
        json_object_array_add(rules, x);
}

typedef struct OciComplement {
        json_object *rules;
        SeccompAction a;
        const char *name;
        unsigned index;
} OciComplement;

static int emit_masked(uint32_t mask, uint32_t value, void *userdata) {
        OciComplement *c = userdata;
        add_masked(c->rules, c->a, c->name, c->index, mask, value);
        return 0;
}

static json_object *rule(const char *name, SeccompAction a) {
        json_object *r = json_object_new_object(), *names = json_object_new_array();

        json_object_array_add(names, json_object_new_string(name));
        json_object_object_add(r, "names", names);
        json_object_object_add(r, "action", json_object_new_string(oci_action(a.type)));
        if (a.type == SECCOMP_ACTION_ERRNO)
                json_object_object_add(r, "errnoRet", json_object_new_int(a.errno_value));
        return r;
}

static json_object *arg(unsigned index, uint64_t value, uint64_t value2, const char *op) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "index", json_object_new_int((int) index));
        json_object_object_add(o, "value", json_object_new_int64((int64_t) value));
        json_object_object_add(o, "valueTwo", json_object_new_int64((int64_t) value2));
        json_object_object_add(o, "op", json_object_new_string(op));
        return o;
}

int oci_seccomp_from_plan(const Plan *p, char **ret) {
        json_object *o = json_object_new_object(), *arches = json_object_new_array(), *rules = json_object_new_array();
        unsigned long ns_denied = namespace_mask_to_clone_flags(NAMESPACE_MASK_ALL & ~p->seccomp_allow_namespaces);
        const char *s;
        int r = 0;

        if (!o || !arches || !rules)
                return -ENOMEM;
        json_object_object_add(o, "defaultAction", json_object_new_string(oci_action(p->seccomp_default_action.type)));
        if (p->seccomp_default_action.type == SECCOMP_ACTION_ERRNO)
                json_object_object_add(o, "defaultErrnoRet", json_object_new_int(p->seccomp_default_action.errno_value));
        for (char **a = p->seccomp_architectures; a && *a; a++)
                if (oci_arch(*a))
                        json_object_array_add(arches, json_object_new_string(oci_arch(*a)));
        json_object_object_add(o, "architectures", arches);

        for (size_t i = 0; i < p->n_syscalls; i++) {
                const PlanSyscall *sc = &p->syscalls[i];
                bool allow = sc->action.type == SECCOMP_ACTION_ALLOW;

                /* The argument filters our own compiler adds, in OCI form. */
                if (allow && streq(sc->name, "clone") && (ns_denied & ~(unsigned long) CLONE_NEWTIME)) {
                        /* CLONE_NEWTIME (0x80) is part of clone(2)'s exit-signal byte. */
                        json_object *x = rule("clone", sc->action), *args = json_object_new_array();
                        json_object_array_add(args, arg(0, ns_denied & ~(unsigned long) CLONE_NEWTIME, 0, "SCMP_CMP_MASKED_EQ"));
                        json_object_object_add(x, "args", args);
                        json_object_array_add(rules, x);
                        continue;
                }
                if (allow && streq(sc->name, "unshare") && ns_denied) {
                        json_object *x = rule("unshare", sc->action), *args = json_object_new_array();
                        json_object_array_add(args, arg(0, ns_denied, 0, "SCMP_CMP_MASKED_EQ"));
                        json_object_object_add(x, "args", args);
                        json_object_array_add(rules, x);
                        continue;
                }
                if (allow && streq(sc->name, "clone3") && ns_denied) {
                        json_object_array_add(rules, rule("clone3", (SeccompAction) { SECCOMP_ACTION_ERRNO, ENOSYS }));
                        continue;
                }
                if (allow && streq(sc->name, "ioctl")) {
                        static const uint32_t bad[] = { TIOCSTI, TIOCLINUX };
                        /* OCI rules can only allow: allow the complement of the two. */
                        OciComplement oc = { .rules = rules, .a = sc->action, .name = "ioctl", .index = 1 };
                        r = masked_complement(bad, ELEMENTSOF(bad), emit_masked, &oc);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                if (allow && streq(sc->name, "setns")) {
                        /* Only an nstype of exactly one allowed type; anything else
                         * falls to the default action. */
                        for (NamespaceType t = 0; t < _NAMESPACE_TYPE_MAX; t++)
                                if (p->seccomp_allow_namespaces & NAMESPACE_MASK(t))
                                        add_masked(rules, sc->action, "setns", 1, UINT32_MAX,
                                                   (uint32_t) namespace_type_to_clone_flag(t));
                        continue;
                }
                json_object_array_add(rules, rule(sc->name, sc->action));
        }
        json_object_object_add(o, "syscalls", rules);

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        *ret = s ? strdup(s) : NULL;
        if (!*ret)
                r = -ENOMEM;
finish:
        json_object_put(o);
        return r;
}
