/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where units and policies are found: /etc, /run, /usr/lib (first match
 * wins), or the colon-separated list in SANDBOXD_UNIT_PATH /
 * SANDBOXD_POLICY_PATH when set. */

#include "diag.h"

typedef enum SearchKind {
        SEARCH_UNITS,
        SEARCH_POLICIES,
} SearchKind;

/* NULL-terminated list of directories (a strv). */
int search_path_get(SearchKind kind, char ***ret);
/* First "<dir>/<file>" that exists as a regular file. -ENOENT if none. */
int search_path_find(SearchKind kind, const char *file, char **ret);
/* NAME or NAME.SUFFIX (".unit", ".policy") found in the search path: the
 * name without the suffix, the file name and its path. Not found: a
 * diagnostic that lists the path ("Unit web.unit not found in the unit
 * search path (DIRS).") and -EINVAL. */
int search_path_resolve(SearchKind kind, const char *arg, char **ret_name, char **ret_file, char **ret_path,
                        Diagnostics *diags);
/* Names (without suffix) of every unit/policy in the path, sorted, unique. */
int search_path_list(SearchKind kind, const char *suffix, char ***ret);
