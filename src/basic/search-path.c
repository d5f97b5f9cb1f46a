/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <sys/stat.h>

#include "macro.h"
#include "path-util.h"
#include "config.h"
#include "search-path.h"
#include "string-util.h"
#include "strv.h"

int search_path_get(SearchKind kind, char ***ret) {
        const char *env = getenv(kind == SEARCH_UNITS ? "SANDBOXD_UNIT_PATH" : "SANDBOXD_POLICY_PATH");
        const char *sub = kind == SEARCH_UNITS ? "units" : "policies";
        _cleanup_strv_free_ char **l = NULL;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        if (env) {
                _cleanup_free_ char *c = strdup(env);
                char *save = NULL;

                if (!c)
                        return -ENOMEM;
                for (char *d = strtok_r(c, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                        if (!path_is_absolute(d))
                                continue; /* relative entries would depend on the cwd */
                        r = strv_extend(&l, d);
                        if (r < 0)
                                return r;
                }
        } else {
                static const char *const roots[] = { "/etc/sandboxd", "/run/sandboxd", VENDORDIR };
                for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                        r = strv_consume(&l, strjoin(roots[i], "/", sub));
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int search_path_find(SearchKind kind, const char *file, char **ret) {
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        r = search_path_get(kind, &dirs);
        if (r < 0)
                return r;
        STRV_FOREACH(d, dirs) {
                _cleanup_free_ char *p = path_join(*d, file);
                struct stat st;

                if (!p)
                        return -ENOMEM;
                if (stat(p, &st) < 0)
                        continue;
                *ret = TAKE_PTR(p);
                return 0;
        }
        return -ENOENT;
}

int search_path_resolve(SearchKind kind, const char *arg, char **ret_name, char **ret_file, char **ret_path,
                        Diagnostics *diags) {
        const char *suffix = kind == SEARCH_UNITS ? ".unit" : ".policy";
        const char *what = kind == SEARCH_UNITS ? "unit" : "policy";
        _cleanup_free_ char *name = NULL, *file = NULL, *path = NULL;
        const char *e = endswith(arg, suffix);
        int r;

        name = e ? strndup(arg, (size_t) (e - arg)) : strdup(arg);
        if (!name)
                return -ENOMEM;
        file = strjoin(name, suffix);
        if (!file)
                return -ENOMEM;
        r = search_path_find(kind, file, &path);
        if (r == -ENOENT) {
                _cleanup_strv_free_ char **dirs = NULL;
                _cleanup_free_ char *j = NULL;

                (void) search_path_get(kind, &dirs);
                j = dirs ? strv_join(dirs, ":") : NULL;
                return diag_add(diags, NULL, 0, NULL, "%s %s not found in the %s search path (%s).",
                                kind == SEARCH_UNITS ? "Unit" : "Policy", file, what, strna(j));
        }
        if (r < 0)
                return r;
        *ret_name = TAKE_PTR(name);
        if (ret_file)
                *ret_file = TAKE_PTR(file);
        *ret_path = TAKE_PTR(path);
        return 0;
}

int search_path_list(SearchKind kind, const char *suffix, char ***ret) {
        _cleanup_strv_free_ char **dirs = NULL, **names = NULL;
        int r;

        r = search_path_get(kind, &dirs);
        if (r < 0)
                return r;
        names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        STRV_FOREACH(d, dirs) {
                DIR *dir = opendir(*d);
                struct dirent *de;

                if (!dir)
                        continue;
                while ((de = readdir(dir))) {
                        const char *e = endswith(de->d_name, suffix);
                        _cleanup_free_ char *n = NULL;

                        if (!e || e == de->d_name || de->d_name[0] == '.')
                                continue;
                        n = strndup(de->d_name, (size_t) (e - de->d_name));
                        if (!n) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                        if (strv_contains(names, n))
                                continue;
                        r = strv_consume(&names, TAKE_PTR(n));
                        if (r < 0) {
                                closedir(dir);
                                return r;
                        }
                }
                closedir(dir);
        }
        strv_sort(names);
        *ret = TAKE_PTR(names);
        return 0;
}
