/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "strv.h"

static const char *const layer_type_table[_LAYER_TYPE_MAX] = {
        [LAYER_DIRECTORY] = "directory",
        [LAYER_TARBALL] = "tarball",
};
DEFINE_STRING_TABLE_LOOKUP(layer_type, LayerType);


static const char *const mount_type_table[_MOUNT_TYPE_MAX] = {
        [MOUNT_BIND] = "bind",
        [MOUNT_TMPFS] = "tmpfs",
        [MOUNT_PROC] = "proc",
        [MOUNT_SYSFS] = "sysfs",
        [MOUNT_DEV] = "dev",
        [MOUNT_DEVPTS] = "devpts",
        [MOUNT_SHM] = "shm",
        [MOUNT_MQUEUE] = "mqueue",
        [MOUNT_MASK] = "mask",
        [MOUNT_READ_ONLY] = "read-only",
};
DEFINE_STRING_TABLE_LOOKUP(mount_type, MountType);

Plan *plan_new(void) {
        Plan *p = calloc(1, sizeof(Plan));

        if (!p)
                return NULL;
        p->network = NETWORK_NONE;
        p->read_only = true;
        p->no_new_privileges = true;
        p->limits = CGROUP_LIMITS_NONE;
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
        p->restart = RESTART_NO;
        p->kill_signal = SIGTERM;
        return p;
}

void plan_syscall_ceilings_free(PlanSyscallCeiling *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].arch);
        free(l);
}

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->description);
        free(p->unit_path);
        strv_free(p->dropin_paths);
        free(p->policy_path);
        free(p->hostname);
        free(p->network_service);
        for (size_t i = 0; i < p->n_layers; i++) {
                free(p->layers[i].path);
                free(p->layers[i].diff_id);
                free(p->layers[i].image);
                free(p->layers[i].manifest);
        }
        strv_free(p->exposed_ports);
        free(p->layers);
        for (size_t i = 0; i < p->n_mounts; i++) {
                free(p->mounts[i].source);
                free(p->mounts[i].target);
                free(p->mounts[i].options);
        }
        free(p->mounts);
        strv_free(p->argv);
        strv_free(p->environment);
        strv_free(p->environment_sources);
        free(p->working_directory);
        free(p->supplementary_gids);
        for (size_t i = 0; i < p->n_syscalls; i++) {
                free(p->syscalls[i].name);
                free(p->syscalls[i].origin);
        }
        free(p->syscalls);
        strv_free(p->seccomp_architectures);
        free(p->seccomp_bpf);
        for (size_t i = 0; i < p->n_devices; i++)
                free(p->devices[i].name);
        free(p->devices);
        plan_syscall_ceilings_free(p->seccomp_enosys, p->n_seccomp_enosys);
        free(p->net.bridge);
        strv_free(p->net.dns);
        strv_free(p->net.ip_allow);
        strv_free(p->net.ip_deny);
        strv_free(p->net.outbound);
        free(p->net.ports);
        plan_sockets_free(p->sockets, p->n_sockets);
        free(p);
        return NULL;
}

void plan_sockets_free(PlanSocket *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].address);
                free(l[i].name);
        }
        free(l);
}

bool plan_sockets_equal(const Plan *a, const Plan *b) {
        if (!a || !b || a->n_sockets != b->n_sockets)
                return false;
        for (size_t i = 0; i < a->n_sockets; i++) {
                const PlanSocket *x = &a->sockets[i], *y = &b->sockets[i];

                if (x->type != y->type || !x->address || !y->address || !streq(x->address, y->address) || x->backlog != y->backlog ||
                    x->bind_ipv6_only != y->bind_ipv6_only || x->uid != y->uid || x->gid != y->gid ||
                    x->mode != y->mode)
                        return false;
        }
        return true;
}

int plan_add_mount(Plan *p, MountType type, const char *source, const char *target, const char *options,
                   bool read_only, bool recursive, bool ignore_missing) {
        PlanMount *n, *m;

        n = reallocarray(p->mounts, p->n_mounts + 1, sizeof(PlanMount));
        if (!n)
                return -ENOMEM;
        p->mounts = n;
        m = &p->mounts[p->n_mounts];
        *m = (PlanMount) {
                .type = type,
                .source = source ? strdup(source) : NULL,
                .target = strdup(target),
                .options = options ? strdup(options) : NULL,
                .read_only = read_only,
                .recursive = recursive,
                .ignore_missing = ignore_missing,
        };
        if ((source && !m->source) || !m->target || (options && !m->options)) {
                free(m->source);
                free(m->target);
                free(m->options);
                return -ENOMEM;
        }
        p->n_mounts++;
        return 0;
}

int plan_add_device(Plan *p, const char *name, bool block, uint32_t major, uint32_t minor, unsigned access) {
        PlanDevice *n;
        char *s;

        s = strdup(name);
        if (!s)
                return -ENOMEM;
        n = reallocarray(p->devices, p->n_devices + 1, sizeof(PlanDevice));
        if (!n) {
                free(s);
                return -ENOMEM;
        }
        p->devices = n;
        p->devices[p->n_devices++] = (PlanDevice) {
                .name = s,
                .block = block,
                .major = major,
                .minor = minor,
                .access = access,
        };
        return 0;
}

unsigned long plan_clone_flags(const Plan *p) {
        return namespace_mask_to_clone_flags(p->namespaces);
}

struct in_addr plan_network_gateway(const PlanNetwork *n) {
        return (struct in_addr) { .s_addr = htonl(ntohl(n->subnet.s_addr) + 1) };
}

struct in6_addr plan_network_address6(const PlanNetwork *n, struct in_addr a) {
        struct in6_addr r = n->subnet6;
        uint32_t host = ntohl(a.s_addr) & ~(n->prefixlen == 0 ? 0 : UINT32_MAX << (32 - n->prefixlen));

        r.s6_addr[12] = host >> 24;
        r.s6_addr[13] = host >> 16;
        r.s6_addr[14] = host >> 8;
        r.s6_addr[15] = host;
        return r;
}

struct in6_addr plan_network_gateway6(const PlanNetwork *n) {
        struct in6_addr r = n->subnet6;

        r.s6_addr[15] |= 1;
        return r;
}

const char *plan_policy_name(const Plan *p, char buf[static PLAN_POLICY_NAME_MAX]) {
        const char *path = p ? p->policy_path : NULL, *base;
        size_t n;

        if (!path)
                return "(none)";
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        n = strlen(base);
        if (n > 7 && streq(base + n - 7, ".policy"))
                n -= 7;
        (void) snprintf(buf, PLAN_POLICY_NAME_MAX, "%.*s", (int) MIN(n, (size_t) PLAN_POLICY_NAME_MAX - 1), base);
        return buf;
}
