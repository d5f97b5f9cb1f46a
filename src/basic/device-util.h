/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The syntax of a device allow entry, shared by the unit's DeviceAllow=
 * and the policy's AllowDevices= (systemd's DeviceAllow= syntax):
 *
 *     /dev/fuse rw        a device node on the host, by path
 *     char-pts rw         every device of a driver class in /proc/devices
 *     char-* r            every character (block-*: block) device
 *
 * The access letters are r (read), w (write) and m (mknod); none given
 * means all three. Only the syntax lives here; what a spec resolves to
 * (a stat, /proc/devices) is the compiler's business. */

#include <stdbool.h>

#define DEVICE_ACCESS_READ  (1U << 0)
#define DEVICE_ACCESS_WRITE (1U << 1)
#define DEVICE_ACCESS_MKNOD (1U << 2)
#define DEVICE_ACCESS_ALL   (DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE | DEVICE_ACCESS_MKNOD)

#define DEVICE_ACCESS_STRING_MAX 4

/* "rw" -> READ|WRITE; each letter at most once, at least one. */
int device_access_from_string(const char *s, unsigned *ret);
const char *device_access_to_string(unsigned access, char buf[static DEVICE_ACCESS_STRING_MAX]);

/* "/dev/NODE" (absolute, normalized, below /dev), "char-NAME",
 * "block-NAME", "char-*" or "block-*". */
bool device_spec_is_valid(const char *spec);

/* "SPEC [ACCESS]" -> the spec and the access mask. -EINVAL for anything
 * else (the caller says what is wrong with device_spec_is_valid() and
 * device_access_from_string()). */
int device_allow_parse(const char *v, char **ret_spec, unsigned *ret_access);

/* One DeviceAllow= or AllowDevices= entry, with where it was written. */
typedef struct DeviceAllow {
        char *spec;
        unsigned access;
        char *file;
        unsigned line;
} DeviceAllow;

#define DEVICE_ALLOW_MAX 256

/* Parse v as above and append it: -EINVAL on bad syntax, -E2BIG past
 * DEVICE_ALLOW_MAX entries. */
int device_allow_append(DeviceAllow **list, size_t *n, const char *v, const char *file, unsigned line);
void device_allow_free_all(DeviceAllow **list, size_t *n);
