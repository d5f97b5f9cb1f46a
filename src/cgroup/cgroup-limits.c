/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>

#include "cgroup-devices.h"
#include "cgroup-limits.h"
#include "cgroup.h"
#include "plan.h"

unsigned cgroup_limits_mask(const CgroupSpec *s) {
        unsigned m = 0;

        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                if (cgroup_limits_reason(s, c))
                        m |= CGROUP_MASK(c);
        return m;
}

const char *cgroup_limits_reason(const CgroupSpec *s, CgroupController c) {
        switch (c) {
        case CGROUP_CONTROLLER_MEMORY:
                return s->limits.memory_max != CGROUP_LIMIT_MAX ? "MemoryMax=" :
                       s->limits.memory_high != CGROUP_LIMIT_MAX ? "MemoryHigh=" :
                       s->limits.memory_swap_max != CGROUP_LIMIT_MAX ? "MemorySwapMax=" : NULL;
        case CGROUP_CONTROLLER_PIDS:
                return s->limits.tasks_max != CGROUP_LIMIT_MAX ? "TasksMax=" : NULL;
        case CGROUP_CONTROLLER_CPU:
                return s->limits.cpu_quota_per_sec_usec != USEC_INFINITY ? "CPUQuota=" :
                       s->limits.cpu_weight != 0 ? "CPUWeight=" : NULL;
        case CGROUP_CONTROLLER_IO:
                return s->limits.io_weight != 0 ? "IOWeight=" : NULL;
        case CGROUP_CONTROLLER_DEVICES:
                return s->n_devices > 0 ? "The device allow list (DeviceAllow=)" : NULL;
        default:
                return NULL;
        }
}

uint64_t cgroup_cpu_quota_per_period(uint64_t quota_per_sec_usec, uint64_t period_usec) {
        uint64_t q;

        /* Split so that large quotas cannot overflow the product. */
        q = quota_per_sec_usec / USEC_PER_SEC * period_usec +
            quota_per_sec_usec % USEC_PER_SEC * period_usec / USEC_PER_SEC;
        /* The kernel refuses a quota under 1 ms (EINVAL); CPUQuota=0.5% on a
         * 100 ms period rounds up to it rather than failing. */
        return MAX(q, (uint64_t) 1000);
}

uint64_t cgroup_cpu_weight_to_shares(uint64_t weight) {
        /* The default weight 100 is the default 1024 shares; the kernel
         * accepts shares 2..262144. */
        uint64_t s = weight * 1024 / 100;

        return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

/* Piecewise linear: minimum to minimum, default to default, maximum to
 * maximum, so that "twice the default" keeps meaning roughly that. */
static uint64_t map_weight(uint64_t w, uint64_t smin, uint64_t sdef, uint64_t smax,
                           uint64_t dmin, uint64_t ddef, uint64_t dmax) {
        w = w < smin ? smin : w > smax ? smax : w;
        if (w <= sdef)
                return dmin + (w - smin) * (ddef - dmin) / (sdef - smin);
        return ddef + (w - sdef) * (dmax - ddef) / (smax - sdef);
}

uint64_t cgroup_io_weight_to_blkio(uint64_t weight) {
        /* IOWeight= 1..100..10000; CFQ's blkio.weight 10..500..1000. */
        return map_weight(weight, 1, 100, 10000, 10, 500, 1000);
}

uint64_t cgroup_io_weight_to_bfq(uint64_t weight) {
        /* BFQ's weight is 1..100..1000. */
        return map_weight(weight, 1, 100, 10000, 1, 100, 1000);
}

static int put(int dir_fd, const char *path, const char *file, uint64_t v, char **reterr_message) {
        int r;

        r = cg_write_u64(dir_fd, file, v);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to write %" PRIu64 " to %s/%s", v, path, file);
        return 0;
}

/* Writes v unless it is CGROUP_LIMIT_MAX, the kernel's default "max". */
static int put_limit(int dir_fd, const char *path, const char *file, uint64_t v, char **reterr_message) {
        return v == CGROUP_LIMIT_MAX ? 0 : put(dir_fd, path, file, v, reterr_message);
}

static int put_str(int dir_fd, const char *path, const char *file, const char *v, char **reterr_message) {
        int r;

        r = cg_write(dir_fd, file, v);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to write \"%s\" to %s/%s", v, path, file);
        return 0;
}

static int need_file(int dir_fd, const char *path, const char *file, const char *key, const char *why,
                     char **reterr_message) {
        if (cg_file_exists(dir_fd, file))
                return 0;
        return cg_error(reterr_message, -EOPNOTSUPP, false,
                        "%s needs %s/%s, which this kernel does not provide (%s)", key, path, file, why);
}

int cgroup_limits_apply_v2(int dir_fd, const char *path, CgroupController c, const CgroupSpec *s, char **reterr_message) {
        char buf[64];
        int r;

        switch (c) {
        case CGROUP_CONTROLLER_MEMORY:
                r = put_limit(dir_fd, path, "memory.high", s->limits.memory_high, reterr_message);
                if (r < 0)
                        return r;
                r = put_limit(dir_fd, path, "memory.max", s->limits.memory_max, reterr_message);
                if (r < 0)
                        return r;
                if (s->limits.memory_swap_max == CGROUP_LIMIT_MAX)
                        return 0;
                r = need_file(dir_fd, path, "memory.swap.max", "MemorySwapMax=", "no swap accounting", reterr_message);
                if (r < 0)
                        return r;
                return put(dir_fd, path, "memory.swap.max", s->limits.memory_swap_max, reterr_message);

        case CGROUP_CONTROLLER_PIDS:
                return put_limit(dir_fd, path, "pids.max", s->limits.tasks_max, reterr_message);

        case CGROUP_CONTROLLER_CPU:
                if (s->limits.cpu_quota_per_sec_usec != USEC_INFINITY) {
                        snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64,
                                 cgroup_cpu_quota_per_period(s->limits.cpu_quota_per_sec_usec, CGROUP_CPU_PERIOD_USEC),
                                 CGROUP_CPU_PERIOD_USEC);
                        r = put_str(dir_fd, path, "cpu.max", buf, reterr_message);
                        if (r < 0)
                                return r;
                }
                if (s->limits.cpu_weight != 0)
                        return put(dir_fd, path, "cpu.weight", s->limits.cpu_weight, reterr_message);
                return 0;

        case CGROUP_CONTROLLER_IO: {
                bool done = false;

                if (s->limits.io_weight == 0)
                        return 0;
                /* io.weight comes from blk-iocost, io.bfq.weight from the BFQ
                 * scheduler; either, both or neither may be there. Each
                 * weighs only the devices its policy runs on, so write both. */
                if (cg_file_exists(dir_fd, "io.weight")) {
                        snprintf(buf, sizeof(buf), "default %" PRIu64, s->limits.io_weight);
                        r = put_str(dir_fd, path, "io.weight", buf, reterr_message);
                        if (r < 0)
                                return r;
                        done = true;
                }
                if (cg_file_exists(dir_fd, "io.bfq.weight")) {
                        r = put(dir_fd, path, "io.bfq.weight", cgroup_io_weight_to_bfq(s->limits.io_weight), reterr_message);
                        if (r < 0)
                                return r;
                        done = true;
                }
                if (!done)
                        return cg_error(reterr_message, -EOPNOTSUPP, false,
                                        "IOWeight= needs %s/io.weight or io.bfq.weight, which this kernel does not provide "
                                        "(neither blk-iocost nor the BFQ scheduler)", path);
                return 0;
        }
        case CGROUP_CONTROLLER_DEVICES:
                return s->n_devices > 0 ? cgroup_devices_apply_bpf(dir_fd, path, s, reterr_message) : 0;
        default:
                return -EINVAL;
        }
}

/* The v1 files. We write limits only: never release_agent or
 * notify_on_release, which run a program as root in the host's namespaces
 * when a cgroup empties (CVE-2022-0492: a process that could write them
 * escaped its container). The service cannot reach them either: it only
 * sees its own cgroup, through a cgroup namespace. */
int cgroup_limits_apply_v1(int dir_fd, const char *path, CgroupController c, const CgroupSpec *s, char **reterr_message) {
        int r;

        switch (c) {
        case CGROUP_CONTROLLER_MEMORY:
                r = put_limit(dir_fd, path, "memory.limit_in_bytes", s->limits.memory_max, reterr_message);
                if (r < 0)
                        return r;
                /* v1 has no memory.high (throttle and reclaim above a
                 * threshold). The soft limit is the nearest thing: above it
                 * the group is reclaimed from first, but only when the whole
                 * machine is short of memory, and it is never throttled. */
                r = put_limit(dir_fd, path, "memory.soft_limit_in_bytes", s->limits.memory_high, reterr_message);
                if (r < 0)
                        return r;
                if (s->limits.memory_swap_max != CGROUP_LIMIT_MAX) {
                        uint64_t memsw;

                        /* v1 bounds memory plus swap together, so swap alone is
                         * only expressible on top of a memory limit. */
                        if (s->limits.memory_max == CGROUP_LIMIT_MAX)
                                return cg_error(reterr_message, -EOPNOTSUPP, false,
                                                "MemorySwapMax= without MemoryMax= cannot be expressed with the cgroup v1 "
                                                "memory controller (memory.memsw.limit_in_bytes bounds memory plus swap)");
                        r = need_file(dir_fd, path, "memory.memsw.limit_in_bytes", "MemorySwapMax=",
                                      "no swap accounting: boot with swapaccount=1", reterr_message);
                        if (r < 0)
                                return r;
                        memsw = s->limits.memory_max + s->limits.memory_swap_max;
                        if (memsw < s->limits.memory_max)      /* overflow: no swap bound that matters */
                                return 0;
                        return put(dir_fd, path, "memory.memsw.limit_in_bytes", memsw, reterr_message);
                }
                return 0;

        case CGROUP_CONTROLLER_PIDS:
                return put_limit(dir_fd, path, "pids.max", s->limits.tasks_max, reterr_message);

        case CGROUP_CONTROLLER_CPU:
                if (s->limits.cpu_quota_per_sec_usec != USEC_INFINITY) {
                        r = put(dir_fd, path, "cpu.cfs_period_us", CGROUP_CPU_PERIOD_USEC, reterr_message);
                        if (r < 0)
                                return r;
                        r = put(dir_fd, path, "cpu.cfs_quota_us",
                                cgroup_cpu_quota_per_period(s->limits.cpu_quota_per_sec_usec, CGROUP_CPU_PERIOD_USEC),
                                reterr_message);
                        if (r < 0)
                                return r;
                }
                if (s->limits.cpu_weight != 0)
                        return put(dir_fd, path, "cpu.shares", cgroup_cpu_weight_to_shares(s->limits.cpu_weight), reterr_message);
                return 0;

        case CGROUP_CONTROLLER_IO: {
                bool done = false;

                if (s->limits.io_weight == 0)
                        return 0;
                /* blkio.weight is CFQ's (gone with the legacy block layer in
                 * 5.0), blkio.bfq.weight BFQ's. */
                if (cg_file_exists(dir_fd, "blkio.bfq.weight")) {
                        r = put(dir_fd, path, "blkio.bfq.weight", cgroup_io_weight_to_bfq(s->limits.io_weight), reterr_message);
                        if (r < 0)
                                return r;
                        done = true;
                }
                if (cg_file_exists(dir_fd, "blkio.weight")) {
                        r = put(dir_fd, path, "blkio.weight", cgroup_io_weight_to_blkio(s->limits.io_weight), reterr_message);
                        if (r < 0)
                                return r;
                        done = true;
                }
                if (!done)
                        return cg_error(reterr_message, -EOPNOTSUPP, false,
                                        "IOWeight= needs %s/blkio.weight or blkio.bfq.weight, which this kernel does not "
                                        "provide (neither the CFQ nor the BFQ scheduler)", path);
                return 0;
        }
        case CGROUP_CONTROLLER_DEVICES:
                return s->n_devices > 0 ? cgroup_devices_apply_v1(dir_fd, path, s, reterr_message) : 0;
        default:
                return -EINVAL;
        }
}
