/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "proc-cgroup.h"

bool proc_cgroup_next(const char **p, const char *end, ProcCgroupLine *ret) {
        while (*p && *p < end) {
                const char *line = *p, *nl = memchr(line, '\n', (size_t) (end - line));
                const char *le = nl ?: end, *c1, *c2;

                *p = nl ? nl + 1 : end;
                c1 = memchr(line, ':', (size_t) (le - line));
                c2 = c1 ? memchr(c1 + 1, ':', (size_t) (le - c1 - 1)) : NULL;
                if (!c2)
                        continue;
                *ret = (ProcCgroupLine) {
                        .id = line,
                        .id_len = (size_t) (c1 - line),
                        .controllers = c1 + 1,
                        .controllers_len = (size_t) (c2 - c1 - 1),
                        .path = c2 + 1,
                        .path_len = (size_t) (le - c2 - 1),
                };
                return true;
        }
        return false;
}

bool proc_cgroup_line_below(const ProcCgroupLine *l, const char *path) {
        size_t n = strlen(path);

        if (n == 1 && path[0] == '/')
                return l->path_len > 0 && l->path[0] == '/';
        return l->path_len >= n && memcmp(l->path, path, n) == 0 && (l->path_len == n || l->path[n] == '/');
}
