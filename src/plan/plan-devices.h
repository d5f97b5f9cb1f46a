/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The compiler's device and default-limit rules (pure: reads /dev nodes'
 * metadata, /proc/devices and /proc/sys/kernel, writes nothing).
 *
 * Devices: every plan allows the minimal set that MOUNT_DEV creates (null
 * zero full random urandom tty, rwm), /dev/ptmx (5:2) and the ptys of
 * the sandbox's devpts (char-pts, 136:*), rw. A unit adds to it with
 * DeviceAllow=, within its policy's [Sandbox] AllowDevices=. */

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "unit.h"

/* Appends the minimal set to p->devices. */
int plan_devices_add_minimal(Plan *p);

/* Resolve one spec on this host and append what it names to p->devices:
 * a node by stat(2), a class by the majors /proc/devices lists under that
 * name (proc_devices: that file's text, NULL to read it), "char-*" and
 * "block-*" as every major. -ENOENT: no such node; -ENOTBLK: not a
 * device node; -ENXIO: no driver of that name. */
int plan_devices_resolve(Plan *p, const char *spec, unsigned access, const char *proc_devices);

/* Whether outer allows everything inner asks for. */
bool plan_device_covers(const PlanDevice *outer, const PlanDevice *inner);

/* "char 1:3", "block 7:*" */
#define PLAN_DEVICE_STRING_MAX 40
const char *plan_device_to_string(const PlanDevice *d, char buf[static PLAN_DEVICE_STRING_MAX]);

/* The minimal set plus u's DeviceAllow=, each entry checked against
 * pol's AllowDevices=. 0, -ENOMEM, or -EINVAL with diagnostics added. */
int plan_compile_devices(const Unit *u, const Policy *pol, Plan *p, Diagnostics *diags);

/* systemd's DefaultTasksMax= rule: 15 % of the kernel's task limit, the
 * smaller of kernel.pid_max and kernel.threads-max, rounded to nearest. */
uint64_t plan_default_tasks_max_of(uint64_t pid_max, uint64_t threads_max);
/* The same for this host (/proc/sys/kernel; 32768 for what cannot be read,
 * the kernel's default pid_max). */
uint64_t plan_default_tasks_max(void);

/* TemporaryFileSystem= and the writable layer get this size unless the
 * unit says size=: MemoryMax= when there is one, else 1 GiB. */
#define PLAN_TMPFS_SIZE_DEFAULT (UINT64_C(1) << 30)
#define PLAN_SHM_SIZE_DEFAULT (UINT64_C(64) << 20)
uint64_t plan_default_tmpfs_size(uint64_t memory_max);
