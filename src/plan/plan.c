/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "strv.h"

static const char *const network_mode_table[_NETWORK_MODE_MAX] = {
        [NETWORK_NONE] = "none",
        [NETWORK_HOST] = "host",
};
DEFINE_STRING_TABLE_LOOKUP(network_mode, NetworkMode);

static const char *const restart_policy_table[_RESTART_POLICY_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_SUCCESS] = "on-success",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ON_ABNORMAL] = "on-abnormal",
        [RESTART_ON_ABORT] = "on-abort",
        [RESTART_ALWAYS] = "always",
};
DEFINE_STRING_TABLE_LOOKUP(restart_policy, RestartPolicy);

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
        p->memory_max = p->memory_high = p->memory_swap_max = p->tasks_max = CGROUP_LIMIT_MAX;
        p->cpu_quota_per_sec_usec = USEC_INFINITY;
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
        p->restart = RESTART_NO;
        p->kill_signal = 15;
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
        for (size_t i = 0; i < p->n_layers; i++)
                free(p->layers[i].path);
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
        free(p);
        return NULL;
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
