/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>

#include "af-util.h"
#include "cap-util.h"
#include "plan-analyze.h"
#include "plan-devices.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-groups.h"

/* The rows, in the order sandboxctl analyze prints them. A new factor (a
 * published port, once plans have them) is a row here, a case in
 * plan_analyze() and an entry in sandboxctl(1). */
typedef enum FactorId {
        FACTOR_USER_NAMESPACE,
        FACTOR_CAPABILITIES,
        FACTOR_NO_NEW_PRIVILEGES,
        FACTOR_NETWORK_HOST,
        FACTOR_WRITABLE_ROOT,
        FACTOR_WRITABLE_BINDS,
        FACTOR_SECCOMP_DEFAULT,
        FACTOR_SYSCALLS,
        FACTOR_NAMESPACE_CREATION,
        FACTOR_NAMESPACES,
        FACTOR_MEMORY_MAX,
        FACTOR_TASKS_MAX,
        FACTOR_ADDRESS_FAMILIES,
        FACTOR_DEVICES,
        FACTOR_HOST_PORTS,
        _FACTOR_MAX,
} FactorId;

const PlanExposureFactorInfo plan_exposure_factors[_FACTOR_MAX] = {
        [FACTOR_USER_NAMESPACE] = { "user-namespace", 20,
                "Without a user namespace the service's ids are the host's: uid 0 is the host's root (20 points), "
                "any other uid a real host user (5), for whatever escapes or is written through a bind." },
        [FACTOR_CAPABILITIES] = { "capabilities", 30,
                "Each capability the service can hold opens kernel code and host objects to it; weighted by danger." },
        [FACTOR_NO_NEW_PRIVILEGES] = { "no-new-privileges", 3,
                "Without no_new_privs a setuid or file-capability binary in the image raises privileges up to the bounding set." },
        [FACTOR_NETWORK_HOST] = { "network-host", 15,
                "Network=host: every host interface, every port the service listens on is the host's, and the host's "
                "loopback-only services are reachable." },
        [FACTOR_WRITABLE_ROOT] = { "writable-root", 4,
                "ReadOnly=no: the service can replace its own binaries and libraries, so a compromise persists for the run." },
        [FACTOR_WRITABLE_BINDS] = { "writable-binds", 10,
                "Each writable bind (5 points) is host state the service can change, and a way to hand files to the host." },
        [FACTOR_SECCOMP_DEFAULT] = { "seccomp-default", 10,
                "The policy's DefaultAction= lets unlisted syscalls run: new kernel interfaces reach the service unreviewed." },
        [FACTOR_SYSCALLS] = { "syscalls", 25,
                "Syscall groups that administer the host or have a history of kernel exploits, allowed by the policy." },
        [FACTOR_NAMESPACE_CREATION] = { "namespace-creation", 4,
                "clone and unshare may create namespaces: in a user namespace that reaches kernel code otherwise only root reaches." },
        [FACTOR_NAMESPACES] = { "namespaces", 8,
                "A namespace left out shares host state: pid (4 points) the host's processes, ipc (2) its System V IPC "
                "and message queues, uts (1) its hostname, cgroup (1) its cgroup tree." },
        [FACTOR_MEMORY_MAX] = { "memory-max", 3,
                "No MemoryMax=: the service can take the host's memory and make the OOM killer pick other processes." },
        [FACTOR_TASKS_MAX] = { "tasks-max", 3,
                "TasksMax=infinity: a fork bomb in the service takes the host's pids." },
        [FACTOR_ADDRESS_FAMILIES] = { "address-families", 6,
                "Socket families beyond AF_UNIX, AF_INET and AF_INET6 are kernel code few services need (6 points "
                "when any family may be created)." },
        [FACTOR_DEVICES] = { "devices", 10,
                "Devices beyond the minimal set: each is a driver the service talks to directly." },
        [FACTOR_HOST_PORTS] = { "host-ports", 6,
                "Each host port the service answers on (PublishPort=, or a socket-activation port) is reachable from "
                "other machines (2 points), or from the host's own processes only when bound to loopback (1)." },
};
const size_t n_plan_exposure_factors = _FACTOR_MAX;

const PlanExposureWeight plan_exposure_capability_weights[] = {
        { "CAP_SYS_ADMIN", 15 },         { "CAP_SYS_MODULE", 15 },      { "CAP_SYS_RAWIO", 12 },
        { "CAP_SYS_PTRACE", 10 },        { "CAP_BPF", 8 },              { "CAP_DAC_READ_SEARCH", 8 },
        { "CAP_NET_ADMIN", 8 },          { "CAP_DAC_OVERRIDE", 6 },     { "CAP_MAC_ADMIN", 6 },
        { "CAP_MAC_OVERRIDE", 6 },       { "CAP_SYS_BOOT", 6 },         { "CAP_PERFMON", 5 },
        { "CAP_SETFCAP", 5 },            { "CAP_SYS_TIME", 5 },         { "CAP_CHECKPOINT_RESTORE", 4 },
        { "CAP_FOWNER", 4 },             { "CAP_MKNOD", 4 },            { "CAP_NET_RAW", 4 },
        { "CAP_SETPCAP", 4 },            { "CAP_AUDIT_CONTROL", 3 },    { "CAP_IPC_OWNER", 3 },
        { "CAP_SETGID", 3 },             { "CAP_SETUID", 3 },           { "CAP_SYSLOG", 3 },
        { "CAP_CHOWN", 2 },              { "CAP_FSETID", 2 },           { "CAP_KILL", 2 },
        { "CAP_LINUX_IMMUTABLE", 2 },    { "CAP_SYS_CHROOT", 2 },       { "CAP_SYS_RESOURCE", 2 },
        { "CAP_AUDIT_READ", 1 },         { "CAP_AUDIT_WRITE", 1 },      { "CAP_BLOCK_SUSPEND", 1 },
        { "CAP_IPC_LOCK", 1 },           { "CAP_LEASE", 1 },            { "CAP_NET_BIND_SERVICE", 1 },
        { "CAP_NET_BROADCAST", 1 },      { "CAP_SYS_NICE", 1 },         { "CAP_SYS_PACCT", 1 },
        { "CAP_SYS_TTY_CONFIG", 1 },     { "CAP_WAKE_ALARM", 1 },
};
const size_t n_plan_exposure_capability_weights = ELEMENTSOF(plan_exposure_capability_weights);

const PlanExposureWeight plan_exposure_syscall_weights[] = {
        { "@module", 8 },       { "@mount", 8 },        { "@debug", 6 },           { "bpf", 6 },
        { "@raw-io", 5 },       { "open_by_handle_at", 5 },                        { "@io-uring", 4 },
        { "@reboot", 4 },       { "@clock", 3 },        { "@keyring", 3 },         { "userfaultfd", 3 },
        { "@cpu-emulation", 2 },                        { "@swap", 2 },            { "@obsolete", 1 },
        /* Last: only what the rows above do not count. */
        { "@privileged", 4 },
};
const size_t n_plan_exposure_syscall_weights = ELEMENTSOF(plan_exposure_syscall_weights);

const PlanExposureWeight plan_exposure_family_weights[] = {
        { "AF_UNIX", 0 },       { "AF_INET", 0 },       { "AF_INET6", 0 },      { "AF_NETLINK", 1 },
        { "AF_PACKET", 4 },     { "AF_ALG", 3 },        { "AF_BLUETOOTH", 3 },  { "AF_KEY", 3 },
        { "AF_VSOCK", 3 },      { "AF_XDP", 3 },
};
const size_t n_plan_exposure_family_weights = ELEMENTSOF(plan_exposure_family_weights);

/* Per device entry beyond the minimal set. */
const PlanExposureWeight plan_exposure_device_weights[] = {
        { "char", 2 },          /* one character device, or one major of them */
        { "block", 5 },         /* one block device, or one major of them */
        { "any", 10 },          /* every major: char-* or block-* */
};
const size_t n_plan_exposure_device_weights = ELEMENTSOF(plan_exposure_device_weights);

static unsigned weight_of(const PlanExposureWeight *t, size_t n, const char *name, unsigned fallback) {
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].name, name))
                        return t[i].points;
        return fallback;
}

void plan_exposure_done(PlanExposure *e) {
        for (size_t i = 0; i < e->n_factors; i++)
                free(e->factors[i].detail);
        e->factors = mfree(e->factors);
        e->n_factors = 0;
}

/* ---- the factors ---- */

/* Each returns 0 or -ENOMEM, its points in *points and what gave them
 * appended to *detail. */

static int analyze_user_namespace(const Plan *p, char ***detail, unsigned *points) {
        if (p->namespaces & NAMESPACE_MASK(NAMESPACE_USER))
                return 0;
        *points = p->uid == 0 ? 20 : 5;
        return strv_extend(detail, p->uid == 0 ? "uid 0 is the host's root" : "the service's uid is a host uid");
}

/* What the service can come to hold: with no_new_privs what it starts
 * with (a non-root service only its ambient set); without, the bounding
 * set, which a setuid-root binary of the image would give it. */
static uint64_t reachable_capabilities(const Plan *p) {
        if (!p->no_new_privileges)
                return p->cap_bounding;
        return p->cap_permitted | p->cap_ambient;
}

static int analyze_capabilities(const Plan *p, char ***detail, unsigned *points) {
        uint64_t caps = reachable_capabilities(p);

        for (unsigned c = 0; c < 64; c++) {
                char buf[64];

                if (!(caps & (UINT64_C(1) << c)))
                        continue;
                (void) capability_to_name(c, buf);
                *points += weight_of(plan_exposure_capability_weights, n_plan_exposure_capability_weights, buf,
                                     PLAN_EXPOSURE_CAPABILITY_DEFAULT);
                if (strv_extend(detail, buf) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int analyze_writable_binds(const Plan *p, char ***detail, unsigned *points) {
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_BIND && !p->mounts[i].read_only) {
                        *points += 5;
                        if (strv_extend(detail, p->mounts[i].target) < 0)
                                return -ENOMEM;
                }
        return 0;
}

static bool address_is_loopback(const char *a) {
        return startswith(a, "127.") || startswith(a, "[::1]:");
}

static int analyze_host_ports(const Plan *p, char ***detail, unsigned *points) {
        char buf[64];

        if (p->network == NETWORK_PRIVATE)
                for (size_t i = 0; i < p->net.n_ports; i++) {
                        const PlanPort *pp = &p->net.ports[i];
                        bool lo = !pp->host_ipv6 && (ntohl(pp->host_address.s_addr) >> 24) == 127;

                        *points += lo ? 1 : 2;
                        (void) snprintf(buf, sizeof(buf), "%s%u/%s", lo ? "127.x:" : "", (unsigned) pp->host_port,
                                        pp->protocol == IPPROTO_UDP ? "udp" : "tcp");
                        if (strv_extend(detail, buf) < 0)
                                return -ENOMEM;
                }
        for (size_t i = 0; i < p->n_sockets; i++) {
                const char *a = p->sockets[i].address;

                if (a[0] == '/')
                        continue;       /* AF_UNIX: a host path, not a port */
                *points += address_is_loopback(a) ? 1 : 2;
                if (strv_extend(detail, a) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static bool action_runs(SeccompAction a) {
        return a.type == SECCOMP_ACTION_ALLOW || a.type == SECCOMP_ACTION_LOG;
}

static int analyze_seccomp_default(const Plan *p, char ***detail, unsigned *points) {
        char buf[SECCOMP_ACTION_STRING_MAX];

        if (!action_runs(p->seccomp_default_action))
                return 0;
        *points = 10;
        return strv_extend(detail, seccomp_action_to_string(p->seccomp_default_action, buf));
}

static int syscall_name_cmp(const void *key, const void *elem) {
        return strcmp(key, ((const PlanSyscall *) elem)->name);
}

/* Does the plan's filter let the syscall run? (Argument filters aside.) */
static bool syscall_runs(const Plan *p, const char *name) {
        const PlanSyscall *s = NULL;

        if (p->n_syscalls > 0)
                s = bsearch(name, p->syscalls, p->n_syscalls, sizeof(PlanSyscall), syscall_name_cmp);
        return action_runs(s ? s->action : p->seccomp_default_action);
}

typedef struct SyscallScan {
        const Plan *p;
        char **counted;         /* by an earlier row */
        char **hits;            /* of this row */
} SyscallScan;

static int scan_cb(const char *syscall, const SyscallGroup *from, void *userdata) {
        SyscallScan *s = userdata;

        /* A name this libseccomp does not know cannot be in a filter, and
         * its number, if any, is above the table: ENOSYS. */
        if (seccomp_syscall_resolve_name(syscall) == __NR_SCMP_ERROR)
                return 0;
        if (strv_contains(s->counted, syscall) || strv_contains(s->hits, syscall))
                return 0;
        if (!syscall_runs(s->p, syscall))
                return 0;
        return strv_extend(&s->hits, syscall);
}

static int analyze_syscalls(const Plan *p, char ***detail, unsigned *points) {
        _cleanup_strv_free_ char **counted = NULL;
        int r;

        for (size_t i = 0; i < n_plan_exposure_syscall_weights; i++) {
                const PlanExposureWeight *w = &plan_exposure_syscall_weights[i];
                SyscallScan s = { .p = p, .counted = counted };
                _cleanup_strv_free_ char **hits = NULL;
                _cleanup_free_ char *joined = NULL, *item = NULL;

                if (w->name[0] == '@') {
                        const SyscallGroup *g = syscall_group_find(w->name);

                        r = g ? syscall_group_foreach(g, scan_cb, &s) : -EINVAL;
                } else
                        r = scan_cb(w->name, NULL, &s);
                hits = s.hits;
                if (r < 0)
                        return r;
                if (!hits)
                        continue;
                *points += w->points;
                joined = strv_join(hits, ",");
                if (!joined || strv_extend_strv(&counted, hits) < 0)
                        return -ENOMEM;
                item = w->name[0] == '@' ? strjoin(w->name, "(", joined, ")") : strdup(w->name);
                if (!item || strv_consume(detail, TAKE_PTR(item)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int analyze_namespace_creation(const Plan *p, char ***detail, unsigned *points) {
        char *s = NULL;

        if (p->seccomp_allow_namespaces == 0)
                return 0;
        *points = 4;
        if (namespace_mask_to_string(p->seccomp_allow_namespaces, &s) < 0)
                return -ENOMEM;
        return strv_consume(detail, s);
}

static int analyze_namespaces(const Plan *p, char ***detail, unsigned *points) {
        static const struct {
                NamespaceType type;
                unsigned points;
        } weights[] = {
                { NAMESPACE_PID, 4 }, { NAMESPACE_IPC, 2 }, { NAMESPACE_UTS, 1 }, { NAMESPACE_CGROUP, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(weights); i++)
                if (!(p->namespaces & NAMESPACE_MASK(weights[i].type))) {
                        *points += weights[i].points;
                        if (strv_extend(detail, namespace_type_to_string(weights[i].type)) < 0)
                                return -ENOMEM;
                }
        return 0;
}

static int analyze_address_families(const Plan *p, char ***detail, unsigned *points) {
        if (!p->seccomp_restrict_address_families) {
                *points = plan_exposure_factors[FACTOR_ADDRESS_FAMILIES].max;
                return strv_extend(detail, "any family");
        }
        for (int af = 0; af < AF_MASK_BITS; af++) {
                const char *name = af_to_name(af);
                unsigned w;

                if (!(p->seccomp_address_families & (UINT64_C(1) << af)) || !name)
                        continue;
                w = weight_of(plan_exposure_family_weights, n_plan_exposure_family_weights, name,
                              PLAN_EXPOSURE_FAMILY_DEFAULT);
                if (w == 0)
                        continue;
                *points += w;
                if (strv_extend(detail, name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int analyze_devices(const Plan *p, char ***detail, unsigned *points) {
        _cleanup_(plan_freep) Plan *minimal = plan_new();
        int r;

        if (!minimal)
                return -ENOMEM;
        r = plan_devices_add_minimal(minimal);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_devices; i++) {
                const PlanDevice *d = &p->devices[i];
                bool covered = false;

                for (size_t j = 0; j < minimal->n_devices && !covered; j++)
                        covered = plan_device_covers(&minimal->devices[j], d);
                if (covered)
                        continue;
                *points += weight_of(plan_exposure_device_weights, n_plan_exposure_device_weights,
                                     d->major == PLAN_DEVICE_ANY ? "any" : d->block ? "block" : "char", 0);
                if (strv_extend(detail, d->name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int analyze_flag(bool exposed, unsigned weight, unsigned *points) {
        *points = exposed ? weight : 0;
        return 0;
}

int plan_analyze(const Plan *p, PlanExposure *ret) {
        PlanExposure e = {};
        int r = 0;

        e.factors = calloc(_FACTOR_MAX, sizeof(PlanExposureFactor));
        if (!e.factors)
                return -ENOMEM;
        e.n_factors = _FACTOR_MAX;

        for (FactorId id = 0; id < _FACTOR_MAX && r >= 0; id++) {
                _cleanup_strv_free_ char **detail = NULL;
                unsigned points = 0;

                switch (id) {
                case FACTOR_USER_NAMESPACE:
                        r = analyze_user_namespace(p, &detail, &points);
                        break;
                case FACTOR_CAPABILITIES:
                        r = analyze_capabilities(p, &detail, &points);
                        break;
                case FACTOR_NO_NEW_PRIVILEGES:
                        r = analyze_flag(!p->no_new_privileges, 3, &points);
                        break;
                case FACTOR_NETWORK_HOST:
                        r = analyze_flag(p->network == NETWORK_HOST, 15, &points);
                        break;
                case FACTOR_WRITABLE_ROOT:
                        r = analyze_flag(!p->read_only, 4, &points);
                        break;
                case FACTOR_WRITABLE_BINDS:
                        r = analyze_writable_binds(p, &detail, &points);
                        break;
                case FACTOR_SECCOMP_DEFAULT:
                        r = analyze_seccomp_default(p, &detail, &points);
                        break;
                case FACTOR_SYSCALLS:
                        r = analyze_syscalls(p, &detail, &points);
                        break;
                case FACTOR_NAMESPACE_CREATION:
                        r = analyze_namespace_creation(p, &detail, &points);
                        break;
                case FACTOR_NAMESPACES:
                        r = analyze_namespaces(p, &detail, &points);
                        break;
                case FACTOR_MEMORY_MAX:
                        r = analyze_flag(p->limits.memory_max == CGROUP_LIMIT_MAX, 3, &points);
                        break;
                case FACTOR_TASKS_MAX:
                        r = analyze_flag(p->limits.tasks_max == CGROUP_LIMIT_MAX, 3, &points);
                        break;
                case FACTOR_ADDRESS_FAMILIES:
                        r = analyze_address_families(p, &detail, &points);
                        break;
                case FACTOR_DEVICES:
                        r = analyze_devices(p, &detail, &points);
                        break;
                case FACTOR_HOST_PORTS:
                        r = analyze_host_ports(p, &detail, &points);
                        break;
                default:
                        break;
                }
                if (r < 0)
                        break;

                points = MIN(points, plan_exposure_factors[id].max);
                e.factors[id] = (PlanExposureFactor) {
                        .info = &plan_exposure_factors[id],
                        .points = points,
                        .detail = detail ? strv_join(detail, " ") : strdup(""),
                };
                if (!e.factors[id].detail)
                        r = -ENOMEM;
                e.points += points;
        }
        if (r < 0) {
                plan_exposure_done(&e);
                return r;
        }
        e.score = MIN(e.points, PLAN_EXPOSURE_POINTS_MAX);
        *ret = e;
        return 0;
}
