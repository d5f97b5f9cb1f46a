/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "file-trust.h"

#include "path-util.h"
#include "search-path.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"
#include "unit-name.h"

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
        u->limits = CGROUP_LIMITS_NONE;
        u->limits.tasks_max = UNIT_TASKS_MAX_UNSET;
        u->restart = _RESTART_POLICY_INVALID;
        u->pull = _PULL_POLICY_INVALID;
        u->restart_usec = UNIT_USEC_UNSET;
        u->restart_max_delay_usec = UNIT_USEC_UNSET;
        u->start_limit_burst = UINT32_MAX;
        u->start_limit_interval_usec = UNIT_USEC_UNSET;
        u->timeout_stop_usec = UNIT_USEC_UNSET;
        u->restart_steps = UINT32_MAX;
        u->caller_uid = geteuid();
        u->socket.mode = -1;
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
                free(u->tmpfs[i].file);
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
        free(u->address);
        free(u->network_service);
        strv_free(u->dns);
        free(u->publish_ports);
        free(u->loc_address.file);
        free(u->loc_dns.file);
        free(u->loc_publish.file);
        strv_free(u->ip_allow);
        strv_free(u->ip_deny);
        free(u->loc_ip_allow.file);
        free(u->loc_ip_deny.file);
        free(u->loc_namespaces.file);
        free(u->loc_images.file);
        device_allow_free_all(&u->devices, &u->n_devices);
        for (size_t i = 0; i < AF_MASK_BITS; i++)
                free(u->loc_address_family[i].file);
        unit_socket_done(&u->socket);
        free(u);
        return NULL;
}

bool unit_restricts_address_families(const Unit *u) {
        /* As systemd: an allow list restricts even when empty ("none"), a
         * deny list only when it names something. */
        return u->address_families_allow_list || u->address_families != 0;
}

/* Open path for parsing as u's caller; a diagnostic on failure. */
static int open_trusted(const Unit *u, const char *path, int flags, Diagnostics *diags) {
        _cleanup_(trust_failure_done) TrustFailure f = {};
        int fd;

        fd = trust_open(path, u->caller_uid, flags, &f);
        if (fd >= 0 || fd == -ENOMEM)
                return fd;
        if (fd == -EPERM && f.path) {
                if (trust_failure_report(&f, diags, path) == -ENOMEM)
                        return -ENOMEM;
        } else if (fd == -EISDIR)
                (void) diag_add(diags, path, 0, NULL, "Is a directory, expected a file.");
        else
                (void) diag_add(diags, path, 0, NULL, "Cannot read: %s", strerror(-fd));
        return fd;
}

static int parse_trusted(Unit *u, const char *path, Diagnostics *diags) {
        _cleanup_close_ int fd = -EBADF;

        fd = open_trusted(u, path, 0, diags);
        if (fd < 0)
                return fd;
        return unit_parse_fd(u, fd, path, diags);
}

static int dropin_cmp(const void *a, const void *b) {
        return strcmp(path_basename(*(char * const *) a), path_basename(*(char * const *) b));
}

/* "<dir>/<file>.d/ *.conf" over dirs, a name in an earlier dir masking the
 * same name in later ones, sorted by file name. Each drop-in directory is
 * opened with trust_open() and listed through that fd, so the listing is
 * of the directory that was checked. */
static int find_dropins(const Unit *u, char * const *dirs, const char *file, char ***ret, Diagnostics *diags) {
        _cleanup_strv_free_ char **found = NULL;
        _cleanup_free_ char *dname = strjoin(file, ".d");
        int r, failed = 0;

        if (!dname)
                return -ENOMEM;
        found = calloc(1, sizeof(char *));
        if (!found)
                return -ENOMEM;

        for (char * const *d = dirs; d && *d; d++) {
                _cleanup_free_ char *p = path_join(*d, dname);
                _cleanup_(trust_failure_done) TrustFailure f = {};
                struct dirent *de;
                DIR *dir;
                int fd;

                if (!p)
                        return -ENOMEM;
                fd = trust_open(p, u->caller_uid, O_DIRECTORY, &f);
                if (fd == -ENOMEM)
                        return fd;
                if (fd == -EPERM && f.path) {
                        failed = trust_failure_report(&f, diags, p);
                        if (failed == -ENOMEM)
                                return failed;
                        continue;
                }
                if (fd < 0)
                        continue; /* none there (or not a directory): nothing to apply */
                dir = fdopendir(fd);
                if (!dir) {
                        r = negative_errno();
                        safe_close(fd);
                        return r;
                }
                while ((de = readdir(dir))) {
                        bool masked = false;

                        if (!endswith(de->d_name, ".conf") || de->d_name[0] == '.')
                                continue;
                        STRV_FOREACH(x, found)
                                if (streq(path_basename(*x), de->d_name))
                                        masked = true;
                        if (masked)
                                continue;
                        r = strv_consume(&found, path_join(p, de->d_name));
                        if (r < 0) {
                                closedir(dir);
                                return r;
                        }
                }
                closedir(dir);
        }
        qsort(found, strv_length(found), sizeof(char *), dropin_cmp);
        *ret = TAKE_PTR(found);
        return failed;
}

int unit_load(const char *arg, Unit **ret, Diagnostics *diags) {
        return unit_load_as(arg, geteuid(), ret, diags);
}

int unit_load_as(const char *arg, uid_t caller, Unit **ret, Diagnostics *diags) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *path = NULL, *file = NULL, *name = NULL;
        _cleanup_strv_free_ char **dropins = NULL, **dirs = NULL;
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
        } else {
                r = search_path_resolve(SEARCH_UNITS, arg, &name, &file, &path, diags);
                if (r < 0)
                        return r;
        }

        if (!unit_name_is_valid(name))
                return diag_add(diags, arg, 0, NULL, "Invalid unit name \"%s\": " UNIT_NAME_RULE ".", name);

        u = unit_new(name);
        if (!u)
                return -ENOMEM;
        u->caller_uid = caller;
        u->path = strdup(path);
        if (!u->path)
                return -ENOMEM;

        r = parse_trusted(u, path, diags);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                failed = r;

        r = search_path_get(SEARCH_UNITS, &dirs);
        if (r < 0)
                return r;
        /* Drop-ins beside a unit given by path come first, then the search path's. */
        if (strchr(arg, '/')) {
                _cleanup_free_ char *parent = strdup(path);
                char *slash;

                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (slash == parent)
                        slash[1] = 0;
                else
                        *slash = 0;
                if (!strv_contains(dirs, parent)) {
                        _cleanup_strv_free_ char **n = NULL;
                        if (strv_extend(&n, parent) < 0 || strv_extend_strv(&n, dirs) < 0)
                                return -ENOMEM;
                        strv_free(dirs);
                        dirs = TAKE_PTR(n);
                }
        }
        r = find_dropins(u, dirs, file, &dropins, diags);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                failed = r;

        STRV_FOREACH(d, dropins) {
                r = parse_trusted(u, *d, diags);
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
