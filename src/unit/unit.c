/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>

#include "path-util.h"
#include "search-path.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"

Unit *unit_new(const char *name) {
        Unit *u = calloc(1, sizeof(Unit));

        if (!u)
                return NULL;
        u->name = strdup(name);
        if (!u->name)
                return mfree(u);

        /* Unset markers; the compiler applies defaults, so that `plan`
         * shows what a key left out means. */
        u->read_only = -1;
        u->no_new_privileges = -1;
        u->network = _NETWORK_MODE_INVALID;
        u->memory_max = u->memory_high = u->memory_swap_max = u->tasks_max = CGROUP_LIMIT_MAX;
        u->cpu_quota_per_sec_usec = USEC_INFINITY;
        u->restart = _RESTART_POLICY_INVALID;
        u->restart_usec = UNIT_USEC_UNSET;
        u->restart_max_delay_usec = UNIT_USEC_UNSET;
        u->start_limit_burst = UINT32_MAX;
        u->start_limit_interval_usec = UNIT_USEC_UNSET;
        u->timeout_stop_usec = UNIT_USEC_UNSET;
        u->restart_steps = UINT32_MAX;
        return u;
}

Unit *unit_free(Unit *u) {
        if (!u)
                return NULL;
        free(u->name);
        free(u->path);
        strv_free(u->dropin_paths);
        free(u->description);
        strv_free(u->documentation);
        for (size_t i = 0; i < u->n_images; i++) {
                free(u->images[i].path);
                free(u->images[i].file);
        }
        free(u->images);
        free(u->hostname);
        for (size_t i = 0; i < u->n_binds; i++) {
                free(u->binds[i].source);
                free(u->binds[i].target);
                free(u->binds[i].file);
        }
        free(u->binds);
        for (size_t i = 0; i < u->n_tmpfs; i++) {
                free(u->tmpfs[i].path);
                free(u->tmpfs[i].options);
        }
        free(u->tmpfs);
        strv_free(u->environment);
        strv_free(u->environment_files);
        free(u->working_directory);
        free(u->policy);
        free(u->policy_file);
        strv_free(u->exec_start);
        free(u->exec_start_file);
        free(u->user);
        free(u->user_file);
        free(u->group);
        strv_free(u->supplementary_groups);
        strv_free(u->wanted_by);
        free(u->loc_capabilities.file);
        free(u->loc_ambient.file);
        free(u->loc_network.file);
        free(u->loc_namespaces.file);
        free(u->loc_images.file);
        for (size_t i = 0; i < AF_MASK_BITS; i++)
                free(u->loc_address_family[i].file);
        free(u);
        return NULL;
}

bool unit_restricts_address_families(const Unit *u) {
        /* As systemd: an allow list restricts even when empty ("none"), a
         * deny list only when it names something. */
        return u->address_families_allow_list || u->address_families != 0;
}

static bool unit_name_is_valid(const char *n) {
        if (!filename_is_valid(n) || strlen(n) > 128)
                return false;
        for (const char *p = n; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("-_.@", *p)))
                        return false;
        return true;
}

int unit_load(const char *arg, Unit **ret, Diagnostics *diags) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *path = NULL, *file = NULL, *name = NULL;
        _cleanup_strv_free_ char **dropins = NULL;
        int r, failed = 0;

        if (isempty(arg))
                return diag_add(diags, NULL, 0, NULL, "Empty unit name.");

        if (strchr(arg, '/')) {
                const char *base = path_basename(arg);
                const char *e = endswith(base, ".unit");

                path = strdup(arg);
                file = strdup(base);
                name = e ? strndup(base, (size_t) (e - base)) : strdup(base);
                if (!path || !file || !name)
                        return -ENOMEM;
                if (!e)
                        return diag_add(diags, arg, 0, NULL, "Unit file names end in .unit.");
                /* Drop-ins are looked up beside the file, and in the search path. */
        } else {
                const char *e = endswith(arg, ".unit");

                name = e ? strndup(arg, (size_t) (e - arg)) : strdup(arg);
                if (!name)
                        return -ENOMEM;
                file = strjoin(name, ".unit");
                if (!file)
                        return -ENOMEM;
                r = search_path_find(SEARCH_UNITS, file, &path);
                if (r == -ENOENT) {
                        _cleanup_strv_free_ char **dirs = NULL;
                        _cleanup_free_ char *j = NULL;
                        (void) search_path_get(SEARCH_UNITS, &dirs);
                        j = dirs ? strv_join(dirs, ":") : NULL;
                        return diag_add(diags, NULL, 0, NULL, "Unit %s not found in the unit search path (%s).", file, strna(j));
                }
                if (r < 0)
                        return r;
        }

        if (!unit_name_is_valid(name))
                return diag_add(diags, arg, 0, NULL, "Invalid unit name \"%s\" (letters, digits, '-', '_', '.', '@').", name);

        u = unit_new(name);
        if (!u)
                return -ENOMEM;
        u->path = strdup(path);
        if (!u->path)
                return -ENOMEM;

        r = unit_parse_file(u, path, diags);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                failed = r;

        /* Drop-ins: beside a unit given by path, plus the search path. */
        if (strchr(arg, '/')) {
                _cleanup_strv_free_ char **dirs = NULL;
                _cleanup_free_ char *parent = strdup(path);
                char *slash;

                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (slash == parent)
                        slash[1] = 0;
                else
                        *slash = 0;
                r = search_path_get(SEARCH_UNITS, &dirs);
                if (r < 0)
                        return r;
                /* Drop-ins beside a unit given by path come first, then the search path's. */
                if (!strv_contains(dirs, parent)) {
                        _cleanup_strv_free_ char **n = NULL;
                        if (strv_extend(&n, parent) < 0 || strv_extend_strv(&n, dirs) < 0)
                                return -ENOMEM;
                        strv_free(dirs);
                        dirs = TAKE_PTR(n);
                }
                r = search_path_dropins_in(dirs, file, &dropins);
        } else
                r = search_path_dropins(SEARCH_UNITS, file, &dropins);
        if (r < 0)
                return r;

        STRV_FOREACH(d, dropins) {
                r = unit_parse_file(u, *d, diags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        failed = r;
        }
        u->dropin_paths = TAKE_PTR(dropins);

        if (failed < 0)
                return failed;
        *ret = TAKE_PTR(u);
        return 0;
}
