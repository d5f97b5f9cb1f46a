/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>
#include <sys/stat.h>

#include "image-paths.h"
#include "parse-util.h"
#include "plan-image-check.h"
#include "policy.h"
#include "string-util.h"

/* Mounts under which the launcher finds or makes a path itself: the API
 * filesystems (tmpfs or the kernel's), tmpfs, and binds (the host's
 * tree). Masks and read-only remounts change nothing there. */
static bool mount_provides_subtree(const PlanMount *m) {
        return m->type != MOUNT_MASK && m->type != MOUNT_READ_ONLY;
}

/* Is path inside (or, with or_equal, at) the target of one of the first n mounts? */
static bool covered_by(const Plan *p, size_t n, const char *path, bool or_equal) {
        for (size_t j = 0; j < n; j++) {
                const PlanMount *m = &p->mounts[j];

                if (!mount_provides_subtree(m) || !path_under_prefix(path, m->target))
                        continue;
                if (or_equal || !streq(path, m->target))
                        return true;
        }
        return false;
}

typedef struct Check {
        const char *file;
        unsigned line;
        const char *key;
        bool exec;              /* the ExecStart= binary, else a mount target */
} Check;

int plan_check_image(const Unit *u, const Plan *p, Diagnostics *diags) {
        _cleanup_free_ ImagePathQuery *q = NULL;
        _cleanup_free_ Check *what = NULL;
        size_t n = 0, k_bind = 0, k_tmpfs = 0, max = p->n_mounts + 1;
        int r, ret = 0;

        if (p->n_layers == 0)
                return 0;
        q = calloc(max, sizeof(ImagePathQuery));
        what = calloc(max, sizeof(Check));
        if (!q || !what)
                return -ENOMEM;

        /* In plan order: a bind is made before the tmpfs, so a bind under
         * a TemporaryFileSystem= path needs its target in the image too. */
        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                const char *file;
                unsigned line;

                if (m->type == MOUNT_BIND) {
                        if (k_bind >= u->n_binds)
                                return 0; /* not u's plan: nothing to say */
                        file = u->binds[k_bind].file ?: u->path;
                        line = u->binds[k_bind].line;
                        what[n].key = u->binds[k_bind].read_only ? "BindReadOnlyPaths" : "BindPaths";
                        k_bind++;
                } else if (m->type == MOUNT_TMPFS) {
                        if (k_tmpfs >= u->n_tmpfs)
                                return 0;
                        file = u->tmpfs[k_tmpfs].file ?: u->path;
                        line = u->tmpfs[k_tmpfs].line;
                        what[n].key = "TemporaryFileSystem";
                        k_tmpfs++;
                } else
                        continue;
                /* A writable root takes a missing target; "-" skips it. */
                if (!p->read_only || m->ignore_missing || covered_by(p, i, m->target, false))
                        continue;
                what[n].file = file;
                what[n].line = line;
                q[n++].path = m->target;
        }
        if (p->argv && p->argv[0] && p->argv[0][0] == '/' && !covered_by(p, p->n_mounts, p->argv[0], true)) {
                what[n] = (Check) { .file = u->exec_start_file ?: u->path, .line = u->exec_start_line,
                                    .key = "ExecStart", .exec = true };
                q[n++].path = p->argv[0];
        }

        r = image_paths_lookup(p->layers, p->n_layers, q, n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *image = p->layers[p->n_layers - 1].path;

                if (what[i].exec && q[i].state == IMAGE_PATH_FOUND && q[i].type == S_IFDIR)
                        r = diag_add(diags, what[i].file, what[i].line, what[i].key,
                                     "ExecStart= binary %s is a directory in the image (%s).", q[i].path, image);
                else if (q[i].state != IMAGE_PATH_MISSING)
                        continue;
                else if (what[i].exec)
                        r = diag_add(diags, what[i].file, what[i].line, what[i].key,
                                     "ExecStart= binary %s is not in the image (%s).", q[i].path, image);
                else
                        r = diag_add(diags, what[i].file, what[i].line, what[i].key,
                                     "Target %s does not exist in the image (%s), and the root is read-only "
                                     "(ReadOnly=yes): create it in the image, or mount it under a "
                                     "TemporaryFileSystem= path.", q[i].path, image);
                if (r == -ENOMEM)
                        return r;
                ret = -EINVAL;
        }
        return ret;
}

/* mode= and uid= of a tmpfs option string; 0755 and 0 without them, as
 * the kernel (and the compiler's default "mode=0755") makes it. */
static void tmpfs_owner_mode(const char *options, uid_t *ret_uid, unsigned *ret_mode) {
        *ret_uid = 0;
        *ret_mode = 0755;
        for (const char *o = options; o && *o;) {
                size_t len = strcspn(o, ",");
                _cleanup_free_ char *w = strndup(o, len);
                const char *v;

                if (w && (v = startswith(w, "mode="))) {
                        char *end;
                        unsigned long m = strtoul(v, &end, 8);

                        if (*v && !*end && m <= 07777)
                                *ret_mode = (unsigned) m;
                } else if (w && (v = startswith(w, "uid=")))
                        (void) parse_uid(v, ret_uid);
                o += len + (o[len] == ',');
        }
}

int plan_check_warnings(const Unit *u, const Plan *p, Diagnostics *warnings) {
        if (!warnings || p->uid == 0)
                return 0;
        for (size_t i = 0; i < u->n_tmpfs; i++) {
                const UnitTmpfs *t = &u->tmpfs[i];
                unsigned mode;
                uid_t owner;
                int r;

                if (!streq(t->path, "/tmp") && !streq(t->path, "/var/tmp"))
                        continue;
                tmpfs_owner_mode(t->options, &owner, &mode);
                if ((mode & 0002) || (owner == p->uid && (mode & 0200)))
                        continue;
                r = diag_add(warnings, t->file ?: u->path, t->line, "TemporaryFileSystem",
                             "warning: %s is a tmpfs of mode %04o owned by uid %u, which the service's user (uid %u) "
                             "cannot write to; say %s:mode=1777 for a shared temporary directory.",
                             t->path, mode, (unsigned) owner, (unsigned) p->uid, t->path);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}
