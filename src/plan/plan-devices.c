/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fileio.h"
#include "parse-util.h"
#include "plan-devices.h"
#include "string-util.h"

static const struct {
        const char *name;
        uint32_t major, minor;
        unsigned access;
} minimal[] = {
        /* What MOUNT_DEV creates: the launcher mknods them (m). */
        { "/dev/null", 1, 3, DEVICE_ACCESS_ALL },
        { "/dev/zero", 1, 5, DEVICE_ACCESS_ALL },
        { "/dev/full", 1, 7, DEVICE_ACCESS_ALL },
        { "/dev/random", 1, 8, DEVICE_ACCESS_ALL },
        { "/dev/urandom", 1, 9, DEVICE_ACCESS_ALL },
        { "/dev/tty", 5, 0, DEVICE_ACCESS_ALL },
        /* devpts makes its own nodes: no mknod. The pty slaves' major is
         * fixed by the kernel (UNIX98_PTY_SLAVE_MAJOR). */
        { "/dev/ptmx", 5, 2, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE },
        { "char-pts", 136, PLAN_DEVICE_ANY, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE },
};

int plan_devices_add_minimal(Plan *p) {
        for (size_t i = 0; i < ELEMENTSOF(minimal); i++) {
                int r = plan_add_device(p, minimal[i].name, false, minimal[i].major, minimal[i].minor, minimal[i].access);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Every major /proc/devices lists under name in its block or character section. */
static int resolve_class(Plan *p, const char *spec, const char *name, bool block, unsigned access, const char *text) {
        _cleanup_free_ char *copy = strdup(text);
        bool in_section = false;
        char *save = NULL;
        int r, found = 0;

        if (!copy)
                return -ENOMEM;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned major;
                char drv[128];

                if (streq(l, "Character devices:") || streq(l, "Block devices:")) {
                        in_section = streq(l, block ? "Block devices:" : "Character devices:");
                        continue;
                }
                if (!in_section || sscanf(l, "%u %127s", &major, drv) != 2 || !streq(drv, name))
                        continue;
                r = plan_add_device(p, spec, block, major, PLAN_DEVICE_ANY, access);
                if (r < 0)
                        return r;
                found++;
        }
        return found > 0 ? 0 : -ENXIO;
}

int plan_devices_resolve(Plan *p, const char *spec, unsigned access, const char *proc_devices) {
        _cleanup_free_ char *text = NULL;
        const char *name;
        bool block;

        if (startswith(spec, "/dev/")) {
                struct stat st;

                if (stat(spec, &st) < 0)
                        return negative_errno();
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return -ENOTBLK;
                return plan_add_device(p, spec, S_ISBLK(st.st_mode), major(st.st_rdev), minor(st.st_rdev), access);
        }

        block = !!startswith(spec, "block-");
        name = block ? spec + strlen("block-") : startswith(spec, "char-");
        if (!name)
                return -EINVAL;
        if (streq(name, "*"))
                return plan_add_device(p, spec, block, PLAN_DEVICE_ANY, PLAN_DEVICE_ANY, access);

        if (!proc_devices) {
                _cleanup_close_ int fd = open("/proc/devices", O_RDONLY | O_CLOEXEC);
                int r;

                if (fd < 0)
                        return negative_errno();
                r = read_full_fd(fd, 64 * 1024, &text, NULL);
                if (r < 0)
                        return r;
                proc_devices = text;
        }
        return resolve_class(p, spec, name, block, access, proc_devices);
}

bool plan_device_covers(const PlanDevice *outer, const PlanDevice *inner) {
        if (outer->block != inner->block || (inner->access & ~outer->access))
                return false;
        if (outer->major != PLAN_DEVICE_ANY && outer->major != inner->major)
                return false;
        return outer->minor == PLAN_DEVICE_ANY || outer->minor == inner->minor;
}

const char *plan_device_to_string(const PlanDevice *d, char buf[static PLAN_DEVICE_STRING_MAX]) {
        char ma[12] = "*", mi[12] = "*";

        if (d->major != PLAN_DEVICE_ANY)
                snprintf(ma, sizeof(ma), "%" PRIu32, d->major);
        if (d->minor != PLAN_DEVICE_ANY)
                snprintf(mi, sizeof(mi), "%" PRIu32, d->minor);
        snprintf(buf, PLAN_DEVICE_STRING_MAX, "%s %s:%s", d->block ? "block" : "char", ma, mi);
        return buf;
}

static const char *resolve_error(int r) {
        return r == -ENOTBLK ? "is not a device node" :
               r == -ENXIO ? "names no driver in /proc/devices" :
               r == -ENOENT ? "does not exist on this host" : strerror(-r);
}

int plan_compile_devices(const Unit *u, const Policy *pol, Plan *p, Diagnostics *diags) {
        _cleanup_(plan_freep) Plan *ceiling = NULL;
        int r, failed = 0;

        r = plan_devices_add_minimal(p);
        if (r < 0 || u->n_devices == 0)
                return r;

        /* The policy's entries, resolved on this host. A node or driver the
         * host does not have cannot be asked for either: skipped, so one
         * policy serves hosts with and without it. */
        ceiling = plan_new();
        if (!ceiling)
                return -ENOMEM;
        for (size_t i = 0; i < pol->n_allow_devices; i++) {
                const DeviceAllow *a = &pol->allow_devices[i];

                r = plan_devices_resolve(ceiling, a->spec, a->access, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT || r == -ENXIO)
                        continue;
                if (r < 0)
                        failed = diag_add(diags, a->file, a->line, "AllowDevices", "%s %s.", a->spec, resolve_error(r));
        }

        for (size_t i = 0; i < u->n_devices; i++) {
                const DeviceAllow *a = &u->devices[i];
                size_t first = p->n_devices;

                r = plan_devices_resolve(p, a->spec, a->access, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        failed = diag_add(diags, a->file, a->line, "DeviceAllow", "%s %s.", a->spec, resolve_error(r));
                        continue;
                }
                for (size_t k = first; k < p->n_devices; k++) {
                        const PlanDevice *d = &p->devices[k];
                        char buf[PLAN_DEVICE_STRING_MAX], acc[DEVICE_ACCESS_STRING_MAX];
                        bool ok = false;

                        for (size_t j = 0; j < ELEMENTSOF(minimal) && !ok; j++)
                                ok = plan_device_covers(&p->devices[j], d);
                        for (size_t j = 0; j < ceiling->n_devices && !ok; j++)
                                ok = plan_device_covers(&ceiling->devices[j], d);
                        if (!ok) {
                                failed = diag_add(diags, a->file, a->line, "DeviceAllow",
                                                  "%s (%s) %s is not allowed by policy %s (%s: [Sandbox] AllowDevices=).",
                                                  a->spec, plan_device_to_string(d, buf), device_access_to_string(d->access, acc),
                                                  pol->name, pol->path);
                                break;
                        }
                }
        }
        return failed;
}

uint64_t plan_default_tasks_max_of(uint64_t pid_max, uint64_t threads_max) {
        uint64_t t = MIN(pid_max, threads_max);

        return MAX((t * 15 + 50) / 100, (uint64_t) 1);
}

static uint64_t read_sysctl(const char *path, uint64_t fallback) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        uint64_t v;

        if (fd < 0 || read_full_fd(fd, 64, &text, NULL) < 0 || safe_atou64(strstrip(text), &v) < 0 || v == 0 ||
            v > (UINT64_C(1) << 32))
                return fallback;
        return v;
}

uint64_t plan_default_tasks_max(void) {
        return plan_default_tasks_max_of(read_sysctl("/proc/sys/kernel/pid_max", 32768),
                                         read_sysctl("/proc/sys/kernel/threads-max", 32768));
}

uint64_t plan_default_tmpfs_size(uint64_t memory_max) {
        /* tmpfs reads size=0 as "no limit". */
        return memory_max != CGROUP_LIMIT_MAX && memory_max > 0 ? memory_max : PLAN_TMPFS_SIZE_DEFAULT;
}
