/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The lines of /proc/PID/cgroup, "ID:CONTROLLERS:PATH" ("0::PATH" for the
 * cgroup v2 hierarchy; PATH may itself hold ':'), read by every layer
 * that needs them through this one iterator. The text need not be NUL
 * terminated (it may come from a hostile file); the fields point into it. */
typedef struct ProcCgroupLine {
        const char *id;
        size_t id_len;
        const char *controllers;        /* "cpu,cpuacct", "name=systemd", "" on v2 */
        size_t controllers_len;
        const char *path;
        size_t path_len;
} ProcCgroupLine;

/* The next well-formed line at or after *p, before end; lines without two
 * ':' are skipped. Returns true and advances *p, or false at the end. */
bool proc_cgroup_next(const char **p, const char *end, ProcCgroupLine *ret);

/* The line of the v2 hierarchy ("0::"). */
static inline bool proc_cgroup_line_is_v2(const ProcCgroupLine *l) {
        return l->id_len == 1 && l->id[0] == '0' && l->controllers_len == 0;
}

/* PATH is path or below it ("/a" holds "/a" and "/a/b", not "/ab"). */
bool proc_cgroup_line_below(const ProcCgroupLine *l, const char *path);
