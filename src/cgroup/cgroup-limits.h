/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service's limits (CgroupSpec) as cgroup files: which controllers they need, how a
 * systemd-style value maps onto each kernel interface, and the writers for
 * cgroup v2 and for the v1 controllers. Nothing here creates or removes a
 * cgroup. */

#include <stdint.h>

#include "cgroup-util.h"

typedef struct CgroupSpec CgroupSpec;

#define CGROUP_CPU_PERIOD_USEC ((uint64_t) 100000)

/* The controllers p's limits need, as a mask of CGROUP_MASK(). */
unsigned cgroup_limits_mask(const CgroupSpec *s);
/* The first unit key ("MemoryMax=") that makes p need c, for messages. */
const char *cgroup_limits_reason(const CgroupSpec *s, CgroupController c);

/* Value mappings, pure (unit-tested). */
uint64_t cgroup_cpu_quota_per_period(uint64_t quota_per_sec_usec, uint64_t period_usec);
uint64_t cgroup_cpu_weight_to_shares(uint64_t weight);  /* CPUWeight= -> cpu.shares */
uint64_t cgroup_io_weight_to_blkio(uint64_t weight);    /* IOWeight= -> blkio.weight (CFQ) */
uint64_t cgroup_io_weight_to_bfq(uint64_t weight);      /* IOWeight= -> {io,blkio}.bfq.weight */

/* Write every limit of p that belongs to controller c into the cgroup at
 * dir_fd (path is for messages). A limit the kernel has no file for is
 * -EOPNOTSUPP, never skipped. */
int cgroup_limits_apply_v2(int dir_fd, const char *path, CgroupController c, const CgroupSpec *s, char **reterr_message);
int cgroup_limits_apply_v1(int dir_fd, const char *path, CgroupController c, const CgroupSpec *s, char **reterr_message);
