/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The device allow list (CgroupSpec.devices, from the plan) as each driver enforces it:
 *
 *   cgroup v1   the devices controller: "a" to devices.deny (deny all),
 *               then one devices.allow line per entry ("c 1:3 rwm")
 *   cgroup v2   a BPF_PROG_TYPE_CGROUP_DEVICE program, written here by
 *               hand from the list, attached to the service's cgroup with
 *               BPF_CGROUP_DEVICE (BPF_F_ALLOW_MULTI: a device must pass
 *               every program up the tree)
 *   systemd     DevicePolicy=closed and DeviceAllow= on the scope
 *
 * A plan with no list (a Plan made by hand in a test) asks for no device
 * controller at all. */

#include <linux/bpf.h>
#include <stddef.h>

typedef struct CgroupSpec CgroupSpec;
typedef struct PlanDevice PlanDevice;

int cgroup_devices_apply_v1(int dir_fd, const char *path, const CgroupSpec *s, char **reterr_message);
int cgroup_devices_apply_bpf(int dir_fd, const char *path, const CgroupSpec *s, char **reterr_message);

/* The program for n entries (pure). The caller frees *ret. */
int cgroup_devices_bpf_build(const PlanDevice *d, size_t n, struct bpf_insn **ret, size_t *ret_n);
/* "c 136:* rw": one devices.allow line. */
#define CGROUP_DEVICE_LINE_MAX 40
const char *cgroup_devices_v1_line(const PlanDevice *d, char buf[static CGROUP_DEVICE_LINE_MAX]);
/* What systemd's DeviceAllow= takes for d: "/dev/char/1:3" for one node,
 * else the class name ("char-pts", "char-*"). */
int cgroup_devices_systemd_name(const PlanDevice *d, char **ret);
