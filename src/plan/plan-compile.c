/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "af-util.h"
#include "cap-util.h"
#include "file-trust.h"
#include "fileio.h"
#include "hash-util.h"
#include "host-path.h"
#include "image-store.h"
#include "image-users.h"
#include "parse-util.h"
#include "path-util.h"
#include "plan-compile.h"
#include "plan-devices.h"
#include "plan-image-check.h"
#include "plan-network.h"
#include "plan-seccomp.h"
#include "plan-sockets.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-groups.h"

/* systemd's defaults, so a unit means what an ops person expects. */
#define DEFAULT_RESTART_USEC (100 * USEC_PER_MSEC)
#define DEFAULT_START_LIMIT_BURST 5
#define DEFAULT_START_LIMIT_INTERVAL_USEC (10 * USEC_PER_SEC)
#define DEFAULT_TIMEOUT_STOP_USEC (90 * USEC_PER_SEC)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* User namespaces: ids 0..65535 inside. Which host range they map to is
 * decided at start by the launcher's allocator (src/launch/idrange.c),
 * not here: the compiler writes nothing. */
#define USERNS_RANGE_SIZE UINT32_C(65536)

typedef struct Compiler {
        const Unit *u;
        const Policy *pol;
        Plan *p;
        Diagnostics *diags;
        int failed;
        ImageInfo *image;               /* the uppermost image of the store, for its config */
        const char *image_file;         /* its Image= line */
        bool skeleton;                  /* the store's mount points are the lowest layer */
        unsigned image_line;
} Compiler;

static void fail_at(Compiler *c, const char *file, unsigned line, const char *key, const char *fmt, ...) _printf_(5, 6);
static void fail_at(Compiler *c, const char *file, unsigned line, const char *key, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(c->diags, file, line, key, fmt, ap);
        va_end(ap);
        if (r == -ENOMEM)
                (void) diag_add(c->diags, file, line, key, "Out of memory.");
        c->failed = -EINVAL;
}

static const char *loc_file(const Compiler *c, const UnitLocation *l) {
        return l->file ?: c->u->path;
}

/* ---- layers ---- */

static LayerType layer_type_of(const char *path, const struct stat *st) {
        if (S_ISDIR(st->st_mode))
                return LAYER_DIRECTORY;
        if (S_ISREG(st->st_mode) && host_path_is_tarball_name(path))
                return LAYER_TARBALL;
        return _LAYER_TYPE_INVALID;
}

/* The layers of an image in the store, each pinned as a directory. The
 * store is read, never written: importing a local form is the caller's
 * step before the compile (image-import.h), pulling the registry client's. */
/* A directory of the image store pinned for the launcher: -ENOTDIR if
 * something else stands there. */
static int pin_store_dir(const char *path, PlanFileId *ret_id) {
        PlanFileId id;
        mode_t mode = 0;
        int r;

        r = host_path_pin(path, &id, &mode);
        if (r < 0)
                return r;
        if (!S_ISDIR(mode))
                return -ENOTDIR;
        *ret_id = id;
        return 0;
}

static int compile_image_ref(Compiler *c, const UnitImage *img, const ImageRef *ref) {
        _cleanup_(image_info_freep) ImageInfo *info = NULL;
        _cleanup_free_ char *digest = NULL;
        const char *store = image_store_dir();
        Plan *p = c->p;
        ImageError e = {};
        int r;

        r = image_store_resolve(store, ref, &digest, &e);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && ref->type == IMAGE_REF_REGISTRY) {
                if (c->u->pull == PULL_NEVER)
                        fail_at(c, img->file, img->line, "Image", "%s is not in the local store, and Pull=never.",
                                ref->string);
                else
                        fail_at(c, img->file, img->line, "Image",
                                "%s is not in the local store; run sandboxctl image pull %s", ref->string, ref->string);
                return 0;
        }
        if (r == -ENOENT) {
                fail_at(c, img->file, img->line, "Image",
                        "%s is not in the local store (or changed since it was imported); sandboxctl run and start "
                        "import it, or run sandboxctl image import %s", ref->string, ref->string);
                return 0;
        }
        if (r < 0) {
                fail_at(c, img->file, img->line, "Image", "%s: %s", ref->string, e.msg);
                return 0;
        }
        r = image_store_load(store, digest, &info, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fail_at(c, img->file, img->line, "Image", "%s: %s", ref->string, e.msg);
                return 0;
        }
        if (p->n_layers + info->config.n_diff_ids + 1 > 64) {
                fail_at(c, img->file, img->line, "Image", "Too many image layers (at most 64).");
                return 0;
        }
        /* Below the first image of the store: the mount points it may lack. */
        if (!c->skeleton) {
                _cleanup_free_ char *path = strjoin(store, "/" IMAGE_STORE_SKELETON);
                PlanFileId id;

                r = path ? pin_store_dir(path, &id) : -ENOMEM;
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail_at(c, img->file, img->line, "Image", "%s: the store has no %s; import the image again",
                                ref->string, path);
                        return 0;
                }
                memmove(p->layers + 1, p->layers, p->n_layers * sizeof(PlanLayer));
                p->layers[0] = (PlanLayer) { .type = LAYER_DIRECTORY, .path = TAKE_PTR(path), .id = id };
                p->n_layers++;
                c->skeleton = true;
        }
        for (size_t i = 0; i < info->config.n_diff_ids; i++) {
                _cleanup_free_ char *path = image_store_layer_path(store, info->config.diff_ids[i]);
                PlanLayer *l = &p->layers[p->n_layers];
                PlanFileId id;

                r = path ? pin_store_dir(path, &id) : -ENOMEM;
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail_at(c, img->file, img->line, "Image", "%s: the layer %s is not unpacked in the store (%s); "
                                "import the image again", ref->string, info->config.diff_ids[i],
                                r == -ENOTDIR ? "not a directory" : strerror(-r));
                        return 0;
                }
                *l = (PlanLayer) {
                        .type = LAYER_DIRECTORY,
                        .path = TAKE_PTR(path),
                        .id = id,
                        .diff_id = strdup(info->config.diff_ids[i]),
                        .image = strdup(ref->string),
                        .manifest = strdup(digest),
                };
                p->n_layers++;
                if (!l->diff_id || !l->image || !l->manifest)
                        return -ENOMEM;
        }
        /* The uppermost image's config gives the defaults. */
        image_info_free(c->image);
        c->image = TAKE_PTR(info);
        c->image_file = img->file;
        c->image_line = img->line;
        return 0;
}

static int compile_layers(Compiler *c) {
        const Unit *u = c->u;
        Plan *p = c->p;

        if (u->n_images == 0) {
                fail_at(c, u->path, 0, "Image", "No Image= given: a unit needs a root image (a directory or a tarball).");
                return 0;
        }
        p->pull = u->pull >= 0 ? u->pull : PULL_MISSING;
        /* Up to 64 layers in all, however the images add up. */
        p->layers = calloc(64, sizeof(PlanLayer));
        if (!p->layers)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_images; i++) {
                const UnitImage *img = &u->images[i];
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *canonical = NULL;
                const char *why = NULL;
                struct stat st = {};
                PlanFileId id;
                LayerType t;
                int r;

                r = image_ref_parse(img->path, &ref, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail_at(c, img->file, img->line, "Image", "Invalid image reference \"%s\": %s.", img->path, why);
                        continue;
                }
                if (ref->type != IMAGE_REF_PATH) {
                        r = compile_image_ref(c, img, ref);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (p->n_layers >= 64) {
                        fail_at(c, img->file, img->line, "Image", "Too many image layers (at most 64).");
                        continue;
                }

                r = host_path_canonicalize(img->path, &canonical);
                if (r >= 0)
                        r = host_path_pin(canonical, &id, &st.st_mode);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail_at(c, img->file, img->line, "Image", "Image %s: %s.", img->path, strerror(-r));
                        continue;
                }
                t = layer_type_of(img->path, &st);
                if (t < 0) {
                        fail_at(c, img->file, img->line, "Image",
                                "Image %s is neither a directory nor a tarball (.tar, .tar.gz, .tar.xz, .tar.zst).", img->path);
                        continue;
                }
                p->layers[p->n_layers++] = (PlanLayer) { .type = t, .path = TAKE_PTR(canonical), .id = id };
        }
        return 0;
}

/* ---- namespaces, network ---- */

static int compile_namespaces(Compiler *c) {
        const Unit *u = c->u;
        const Policy *pol = c->pol;
        Plan *p = c->p;
        uint64_t ns = u->namespaces_set ? u->namespaces : NAMESPACE_MASK_DEFAULT;
        const char *nsfile = loc_file(c, &u->loc_namespaces);
        unsigned nsline = u->loc_namespaces.line;
        uint64_t missing;

        /* The policy's AllowNetwork= is checked in plan-network.c. */
        p->network = u->network >= 0 ? u->network : NETWORK_NONE;
        if (p->network == NETWORK_HOST) {
                if (u->namespaces_set && (ns & NAMESPACE_MASK(NAMESPACE_NET)))
                        fail_at(c, nsfile, nsline, "Namespaces",
                                "Namespaces= has net, but Network=host shares the host's network namespace.");
                ns &= ~NAMESPACE_MASK(NAMESPACE_NET);
        } else if (p->network == NETWORK_SERVICE) {
                /* The namespace is the other service's, joined at start:
                 * none is made, and a policy's RequireNamespaces=net is
                 * met by it (it is no host namespace). */
                ns &= ~NAMESPACE_MASK(NAMESPACE_NET);
                p->network_service = strdup(u->network_service);
                if (!p->network_service)
                        return -ENOMEM;
        } else if (!(ns & NAMESPACE_MASK(NAMESPACE_NET)))
                fail_at(c, nsfile, nsline, "Namespaces",
                        "Network=%s needs the net namespace; add net to Namespaces= or say Network=host.",
                        network_mode_to_string(p->network));

        /* The root is set up with pivot_root inside a private mount
         * namespace; without one the launcher would change the host. */
        if (!(ns & NAMESPACE_MASK(NAMESPACE_MOUNT)))
                fail_at(c, nsfile, nsline, "Namespaces", "The mount namespace cannot be turned off: the root image needs it.");

        missing = pol->require_namespaces & ~ns;
        if (p->network == NETWORK_SERVICE)
                missing &= ~NAMESPACE_MASK(NAMESPACE_NET);
        if (missing) {
                _cleanup_free_ char *s = NULL;
                if (namespace_mask_to_string(missing, &s) < 0)
                        return -ENOMEM;
                fail_at(c, nsfile, nsline, "Namespaces",
                        "Policy %s requires the namespaces \"%s\" (%s: [Sandbox] RequireNamespaces=).", pol->name, s, pol->path);
        }

        p->namespaces = ns;
        if (ns & NAMESPACE_MASK(NAMESPACE_USER)) {
                p->uid_map_base = 0;    /* allocated at start */
                p->uid_map_count = USERNS_RANGE_SIZE;
        }
        if (u->hostname) {
                if (!(ns & NAMESPACE_MASK(NAMESPACE_UTS)))
                        fail_at(c, u->path, 0, "Hostname", "Hostname= needs the uts namespace.");
                p->hostname = strdup(u->hostname);
                if (!p->hostname)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- mounts ---- */

static const char *const masked_paths[] = {
        "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/proc/sysrq-trigger", "/sys/firmware",
};
static const char *const read_only_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
};

/* "size=64M": tmpfs takes K, M and G suffixes. */
static void format_tmpfs_size(uint64_t v, char buf[static 32]) {
        if (v % (UINT64_C(1) << 30) == 0)
                snprintf(buf, 32, "size=%" PRIu64 "G", v >> 30);
        else if (v % (UINT64_C(1) << 20) == 0)
                snprintf(buf, 32, "size=%" PRIu64 "M", v >> 20);
        else
                snprintf(buf, 32, "size=%" PRIu64, v);
}

/* The unit's options, with the default size when they set none: a tmpfs
 * without one may take half the host's memory. */
static int tmpfs_options_with_size(const char *options, uint64_t memory_max, char **ret) {
        char size[32];
        bool has_size = false;

        for (const char *o = options; o && *o;) {
                size_t n = strcspn(o, ",");

                if (n >= 5 && startswith(o, "size="))
                        has_size = true;
                o += n + (o[n] == ',');
        }
        if (has_size) {
                *ret = strdup(options);
                return *ret ? 0 : -ENOMEM;
        }
        format_tmpfs_size(plan_default_tmpfs_size(memory_max), size);
        *ret = strjoin(options ?: "mode=0755", ",", size);
        return *ret ? 0 : -ENOMEM;
}

static int compile_mounts(Compiler *c) {
        const Unit *u = c->u;
        Plan *p = c->p;
        char shm[64], size[32];
        int r;

        /* The kernel's API filesystems first, so that a unit's own bind
         * mounts can go inside them (e.g. a device under /dev) ... */
        r = plan_add_mount(p, MOUNT_PROC, NULL, "/proc", NULL, false, false, false);
        if (r < 0)
                return r;
        r = plan_add_mount(p, MOUNT_SYSFS, NULL, "/sys", NULL, true, false, false);
        if (r < 0)
                return r;
        r = plan_add_mount(p, MOUNT_DEV, NULL, "/dev", NULL, false, false, false);
        if (r < 0)
                return r;
        r = plan_add_mount(p, MOUNT_DEVPTS, NULL, "/dev/pts", NULL, false, false, false);
        if (r < 0)
                return r;
        format_tmpfs_size(PLAN_SHM_SIZE_DEFAULT, size);
        snprintf(shm, sizeof(shm), "mode=1777,%s", size);
        r = plan_add_mount(p, MOUNT_SHM, NULL, "/dev/shm", shm, false, false, false);
        if (r < 0)
                return r;
        if (p->namespaces & NAMESPACE_MASK(NAMESPACE_IPC)) {
                r = plan_add_mount(p, MOUNT_MQUEUE, NULL, "/dev/mqueue", NULL, false, false, false);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < u->n_binds; i++) {
                const UnitBind *b = &u->binds[i];
                const char *key = b->read_only ? "BindReadOnlyPaths" : "BindPaths";
                _cleanup_free_ char *canonical = NULL;
                PlanFileId id = {};
                bool missing = false;
                struct stat st = {};

                /* The canonical path is what the policy bounds and what the
                 * plan carries: a symlink in the source cannot lead the
                 * launcher past the policy. It is pinned here: automatic
                 * restarts reuse the plan, and the service may own a
                 * directory on the path by then. */
                r = host_path_canonicalize(b->source, &canonical);
                if (r >= 0)
                        r = host_path_pin(canonical, &id, NULL);
                /* The owner, for rootidmap: the pinned file is this one. */
                if (r >= 0 && b->root_idmap && stat(canonical, &st) < 0)
                        r = negative_errno();
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT && b->ignore_missing && canonical)
                        missing = true;
                else if (r < 0) {
                        fail_at(c, b->file, b->line, key, "Bind source %s: %s.", b->source, strerror(-r));
                        continue;
                }
                if (!policy_allows_bind_path(c->pol, canonical)) {
                        _cleanup_free_ char *allowed = strv_join(c->pol->allow_bind_paths, " ");

                        if (!allowed)
                                return -ENOMEM;
                        fail_at(c, b->file, b->line, key,
                                "%s%s%s%s not allowed by policy %s (%s: [Sandbox] AllowBindPaths=%s).", b->source,
                                streq(canonical, b->source) ? "" : " (", streq(canonical, b->source) ? "" : canonical,
                                streq(canonical, b->source) ? "" : ")", c->pol->name, c->pol->path, allowed);
                        continue;
                }
                if (b->root_idmap) {
                        if (!(p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)))
                                fail_at(c, b->file, b->line, key,
                                        "rootidmap maps %s's owner to root of the sandbox's user namespace; the unit has none.",
                                        b->source);
                        /* Root inside would write as the host's root there. */
                        else if (!missing && st.st_uid == 0 && !b->read_only && c->pol->allow_root_owned_binds <= 0)
                                fail_at(c, b->file, b->line, key,
                                        "%s is owned by root: a writable rootidmap bind would make root inside root over it; "
                                        "not allowed by policy %s (%s: [Sandbox] AllowRootOwnedBinds=no).",
                                        b->source, c->pol->name, c->pol->path);
                }
                r = plan_add_mount(p, MOUNT_BIND, canonical, b->target, NULL, b->read_only, b->recursive, b->ignore_missing);
                if (r < 0)
                        return r;
                p->mounts[p->n_mounts - 1].source_missing = missing;
                p->mounts[p->n_mounts - 1].source_id = id;
                p->mounts[p->n_mounts - 1].root_idmap = b->root_idmap;
        }
        for (size_t i = 0; i < u->n_tmpfs; i++) {
                _cleanup_free_ char *o = NULL;

                r = tmpfs_options_with_size(u->tmpfs[i].options, u->limits.memory_max, &o);
                if (r < 0)
                        return r;
                r = plan_add_mount(p, MOUNT_TMPFS, NULL, u->tmpfs[i].path, o, false, false, false);
                if (r < 0)
                        return r;
        }

        /* ... and the masks last, so no bind mount can uncover what they hide. */
        for (size_t i = 0; i < ELEMENTSOF(masked_paths); i++) {
                r = plan_add_mount(p, MOUNT_MASK, NULL, masked_paths[i], NULL, true, false, true);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(read_only_paths); i++) {
                r = plan_add_mount(p, MOUNT_READ_ONLY, NULL, read_only_paths[i], NULL, true, false, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- identity ---- */

static int compile_identity(Compiler *c, ImageUser *ret_user) {
        const Unit *u = c->u;
        Plan *p = c->p;
        const char *ufile = u->user_file ?: u->path, *user = u->user, *ukey = "User";
        unsigned uline = u->user_line;
        ImageUser iu = {};
        bool have_iu = false;
        int r;

        p->uid = 0;
        p->gid = 0;
        /* The image's User= unless the unit has one (as podman run --user). */
        if (!user && c->image && !isempty(c->image->config.user)) {
                user = c->image->config.user;
                ufile = c->image_file;
                uline = c->image_line;
                ukey = "Image";
        }
        if (user && p->n_layers > 0) {
                _cleanup_free_ char *x = strdup(user);
                char *colon;
                uid_t uid;

                if (!x)
                        return -ENOMEM;
                colon = strchr(x, ':');
                if (colon)
                        *colon = 0;
                if (parse_uid(x, &uid) >= 0) {
                        p->uid = uid;
                        p->gid = uid;
                        if (colon)
                                (void) parse_uid(colon + 1, &p->gid);
                        /* A numeric user may still have a passwd entry for $HOME. */
                        if (image_find_user(p->layers, p->n_layers, NULL, uid, &iu) >= 0) {
                                have_iu = true;
                                if (!colon)
                                        p->gid = iu.gid;
                        }
                } else {
                        r = image_find_user(p->layers, p->n_layers, x, 0, &iu);
                        if (r == -ENOMEM)
                                return r;
                        if (r == -ENOENT)
                                fail_at(c, ufile, uline, ukey, "User \"%s\" not found in the image's /etc/passwd.", x);
                        else if (r == -ENODATA)
                                fail_at(c, ufile, uline, ukey, "User \"%s\" cannot be resolved: the image has no /etc/passwd.", x);
                        else if (r < 0)
                                fail_at(c, ufile, uline, ukey, "Cannot read the image's /etc/passwd: %s.", strerror(-r));
                        else {
                                have_iu = true;
                                p->uid = iu.uid;
                                p->gid = iu.gid;
                        }
                }
                /* NAME:GROUP, the image config's form. */
                if (colon && parse_uid(colon + 1, &p->gid) < 0) {
                        gid_t g;

                        r = image_find_group(p->layers, p->n_layers, colon + 1, &g);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                fail_at(c, ufile, uline, ukey, "Group \"%s\" not found in the image's /etc/group.", colon + 1);
                        else
                                p->gid = g;
                }
        }

        if (u->group && p->n_layers > 0) {
                gid_t g;
                if (parse_uid(u->group, &g) >= 0)
                        p->gid = g;
                else {
                        r = image_find_group(p->layers, p->n_layers, u->group, &g);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                fail_at(c, u->path, 0, "Group", "Group \"%s\" not found in the image's /etc/group.", u->group);
                        else
                                p->gid = g;
                }
        }

        STRV_FOREACH(s, u->supplementary_groups) {
                gid_t g, *n;

                if (parse_uid(*s, &g) < 0) {
                        r = image_find_group(p->layers, p->n_layers, *s, &g);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                fail_at(c, u->path, 0, "SupplementaryGroups", "Group \"%s\" not found in the image's /etc/group.", *s);
                                continue;
                        }
                }
                n = reallocarray(p->supplementary_gids, p->n_supplementary_gids + 1, sizeof(gid_t));
                if (!n)
                        return -ENOMEM;
                p->supplementary_gids = n;
                p->supplementary_gids[p->n_supplementary_gids++] = g;
        }

        if (p->namespaces & NAMESPACE_MASK(NAMESPACE_USER)) {
                if (p->uid >= p->uid_map_count || p->gid >= p->uid_map_count)
                        fail_at(c, ufile, uline, ukey, "With a user namespace, uid and gid must be below %u.", p->uid_map_count);
        }

        if (have_iu)
                *ret_user = iu;
        else
                *ret_user = (ImageUser) { .uid = p->uid, .gid = p->gid };
        return 0;
}

/* ---- environment ---- */

static int load_environment_file(Compiler *c, const char *spec, char ***env) {
        bool optional = spec[0] == '-';
        const char *path = optional ? spec + 1 : spec;
        _cleanup_(trust_failure_done) TrustFailure f = {};
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        char *save = NULL;
        unsigned line = 0;
        int r;

        fd = trust_open(path, c->u->caller_uid, 0, &f);
        if (fd == -ENOENT && optional)
                return 0;
        if (fd == -ENOMEM)
                return fd;
        if (fd == -EPERM && f.path) {
                c->failed = -EINVAL;
                return trust_failure_report(&f, c->diags, path) == -ENOMEM ? -ENOMEM : 0;
        }
        r = fd < 0 ? fd : read_full_regular_fd(fd, 1024 * 1024, &data, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fail_at(c, c->u->path, 0, "EnvironmentFile", "Cannot read %s: %s.", path, strerror(-r));
                return 0;
        }
        for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *t = strstrip(l), *eq;
                size_t vl;

                line++;
                if (!*t || t[0] == '#' || t[0] == ';')
                        continue;
                if (startswith(t, "export "))
                        t = strstrip(t + 7);
                eq = strchr(t, '=');
                if (!eq || eq == t || string_has_cc(t)) {
                        fail_at(c, path, line, NULL, "Invalid environment line, expected NAME=value.");
                        continue;
                }
                /* Strip one pair of matching quotes around the value. */
                vl = strlen(eq + 1);
                if (vl >= 2 && (eq[1] == '"' || eq[1] == '\'') && eq[vl] == eq[1]) {
                        memmove(eq + 1, eq + 2, vl - 2);
                        eq[vl - 1] = 0;
                }
                r = strv_env_set(env, t);
                if (r < 0)
                        return r;
                /* Where the value came from, for sandboxd to hide it from
                 * whoever could not read this file. */
                {
                        _cleanup_free_ char *src = NULL;

                        *eq = 0;
                        src = strjoin(t, "=", path);
                        if (!src)
                                return -ENOMEM;
                        r = strv_env_set(&c->p->environment_sources, src);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int compile_environment(Compiler *c, const ImageUser *iu) {
        const Unit *u = c->u;
        Plan *p = c->p;
        _cleanup_strv_free_ char **env = NULL;
        char *s;
        int r;

        /* Never the caller's environment: only what the unit says, plus
         * what any service manager provides. */
        r = strv_env_set(&env, "PATH=" DEFAULT_PATH);
        if (r < 0)
                return r;
        r = strv_env_set(&env, "container=sandboxd");
        if (r < 0)
                return r;
        if (iu->name) {
                if (asprintf_safe(&s, "USER=%s", iu->name) < 0 || strv_consume(&env, s) < 0)
                        return -ENOMEM;
                if (asprintf_safe(&s, "LOGNAME=%s", iu->name) < 0 || strv_consume(&env, s) < 0)
                        return -ENOMEM;
                if (asprintf_safe(&s, "HOME=%s", iu->home) < 0 || strv_consume(&env, s) < 0)
                        return -ENOMEM;
                if (!isempty(iu->shell) && (asprintf_safe(&s, "SHELL=%s", iu->shell) < 0 || strv_consume(&env, s) < 0))
                        return -ENOMEM;
        } else {
                r = strv_env_set(&env, p->uid == 0 ? "HOME=/root" : "HOME=/");
                if (r < 0)
                        return r;
        }

        /* The image's Env is the base the unit's variables override. */
        if (c->image)
                STRV_FOREACH(a, c->image->config.env)
                        if (strchr(*a, '=') && (r = strv_env_set(&env, *a)) < 0)
                                return r;
        STRV_FOREACH(a, u->environment) {
                r = strv_env_set(&env, *a);
                if (r < 0)
                        return r;
        }
        /* As in systemd, EnvironmentFile= wins over Environment=. */
        STRV_FOREACH(f, u->environment_files) {
                r = load_environment_file(c, *f, &env);
                if (r < 0)
                        return r;
        }
        p->environment = TAKE_PTR(env);
        return 0;
}

/* ---- capabilities ---- */

static int compile_capabilities(Compiler *c) {
        const Unit *u = c->u;
        const Policy *pol = c->pol;
        Plan *p = c->p;
        uint64_t want = u->capabilities_set ? u->capabilities : 0;
        uint64_t extra = (want | u->ambient_capabilities) & ~pol->capabilities;

        if (extra) {
                _cleanup_free_ char *s = NULL;
                const UnitLocation *l = (want & ~pol->capabilities) ? &u->loc_capabilities : &u->loc_ambient;

                if (capability_mask_to_string(extra, &s) < 0)
                        return -ENOMEM;
                fail_at(c, loc_file(c, l), l->line, (want & ~pol->capabilities) ? "Capabilities" : "AmbientCapabilities",
                        "%s not allowed by policy %s (%s: [Capabilities] Allow=).", s, pol->name, pol->path);
        }
        if (u->ambient_capabilities & ~want) {
                _cleanup_free_ char *s = NULL;
                if (capability_mask_to_string(u->ambient_capabilities & ~want, &s) < 0)
                        return -ENOMEM;
                fail_at(c, loc_file(c, &u->loc_ambient), u->loc_ambient.line, "AmbientCapabilities",
                        "%s must also be in Capabilities= (the bounding set).", s);
        }

        p->cap_bounding = want;
        p->cap_ambient = u->ambient_capabilities & want;
        p->cap_inheritable = p->cap_ambient;
        if (p->uid == 0) {
                p->cap_permitted = want;
                p->cap_effective = want;
        } else {
                /* A non-root service holds only what is made ambient. */
                p->cap_permitted = p->cap_ambient;
                p->cap_effective = p->cap_ambient;
        }
        p->no_new_privileges = u->no_new_privileges != 0;
        return 0;
}

/* ---- seccomp ---- */

typedef struct Expansion {
        PlanSyscall *items;
        size_t n;
        bool deny;
        SeccompAction action;
        int error;
        /* Open addressing over items, keyed by name: a policy names every
         * syscall there is (~450), and a linear search per name was most of
         * the compile's CPU. Slots hold index + 1, 0 is empty. */
        uint32_t *slots;
        size_t n_slots;         /* a power of two, kept over twice n */
} Expansion;

/* true and the item's index if name is there; false and the free slot for it if not. */
static bool expansion_find(Expansion *e, const char *name, size_t *ret_index, size_t *ret_slot) {
        size_t mask = e->n_slots - 1;

        for (size_t i = fnv1a_32(name) & mask;; i = (i + 1) & mask) {
                if (e->slots[i] == 0) {
                        *ret_slot = i;
                        return false;
                }
                if (streq(e->items[e->slots[i] - 1].name, name)) {
                        *ret_index = e->slots[i] - 1;
                        return true;
                }
        }
}

static int expansion_grow(Expansion *e) {
        size_t n_slots = e->n_slots ? e->n_slots * 2 : 1024;
        uint32_t *slots;

        slots = calloc(n_slots, sizeof(uint32_t));
        if (!slots)
                return -ENOMEM;
        free(e->slots);
        e->slots = slots;
        e->n_slots = n_slots;
        for (size_t k = 0; k < e->n; k++) {
                size_t i = fnv1a_32(e->items[k].name) & (n_slots - 1);

                while (slots[i] != 0)
                        i = (i + 1) & (n_slots - 1);
                slots[i] = (uint32_t) k + 1;
        }
        return 0;
}

static int expansion_set(Expansion *e, const char *name, const char *origin) {
        PlanSyscall *n;
        size_t i, slot;
        int r;

        if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
                return 0; /* unknown to this libseccomp: cannot be called by name anyway */

        if (e->n_slots < 2 * (e->n + 1)) {
                r = expansion_grow(e);
                if (r < 0)
                        return r;
        }
        if (expansion_find(e, name, &i, &slot)) {
                char *o;

                /* Deny wins over allow; among denials the first one stays. */
                if (!e->deny || e->items[i].action.type != SECCOMP_ACTION_ALLOW)
                        return 0;
                o = strdup(origin);
                if (!o)
                        return -ENOMEM;
                free(e->items[i].origin);
                e->items[i].origin = o;
                e->items[i].action = e->action;
                return 0;
        }
        n = reallocarray(e->items, e->n + 1, sizeof(PlanSyscall));
        if (!n)
                return -ENOMEM;
        e->items = n;
        e->items[e->n] = (PlanSyscall) {
                .name = strdup(name),
                .origin = strdup(origin),
                .action = e->deny ? e->action : (SeccompAction) { .type = SECCOMP_ACTION_ALLOW },
        };
        if (!e->items[e->n].name || !e->items[e->n].origin) {
                free(e->items[e->n].name);
                free(e->items[e->n].origin);
                return -ENOMEM;
        }
        e->slots[slot] = (uint32_t) ++e->n;
        return 0;
}

static int expansion_cb(const char *syscall, const SyscallGroup *from, void *userdata) {
        return expansion_set(userdata, syscall, from ? from->name : "");
}

static int syscall_cmp(const void *a, const void *b) {
        return strcmp(((const PlanSyscall *) a)->name, ((const PlanSyscall *) b)->name);
}

void plan_syscalls_free(PlanSyscall *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(s[i].name);
                free(s[i].origin);
        }
        free(s);
}

int policy_expand(const Policy *pol, PlanSyscall **ret, size_t *ret_n) {
        Expansion e = {};
        int r = 0;

        /* Two passes: every Allow=, then every Deny=, so that the result
         * does not depend on the order of lines — a reviewer reads a set. */
        for (int pass = 0; pass < 2 && r >= 0; pass++) {
                e.deny = pass == 1;
                for (size_t i = 0; i < pol->n_entries && r >= 0; i++) {
                        const PolicyEntry *en = &pol->entries[i];

                        if (en->deny != e.deny)
                                continue;
                        e.action = en->has_action ? en->action : policy_deny_action(pol);
                        if (en->name[0] == '@') {
                                const SyscallGroup *g = syscall_group_find(en->name);
                                r = g ? syscall_group_foreach(g, expansion_cb, &e) : -EINVAL;
                        } else
                                r = expansion_set(&e, en->name, "");
                }
        }
        e.slots = mfree(e.slots);
        if (r < 0) {
                plan_syscalls_free(e.items, e.n);
                return r;
        }
        /* A rule equal to the default action is noise in the filter and
         * in review output alike. */
        {
                size_t j = 0;
                for (size_t i = 0; i < e.n; i++) {
                        if (seccomp_action_equal(e.items[i].action, pol->default_action)) {
                                free(e.items[i].name);
                                free(e.items[i].origin);
                        } else
                                e.items[j++] = e.items[i];
                }
                e.n = j;
        }
        if (e.n > 0)
                qsort(e.items, e.n, sizeof(PlanSyscall), syscall_cmp);
        *ret = e.items;
        *ret_n = e.n;
        return 0;
}

static const char *arch_name(uint32_t token) {
        static const struct {
                uint32_t token;
                const char *name;
        } arches[] = {
                { SCMP_ARCH_X86_64, "x86_64" }, { SCMP_ARCH_X86, "x86" },         { SCMP_ARCH_X32, "x32" },
                { SCMP_ARCH_AARCH64, "aarch64" }, { SCMP_ARCH_ARM, "arm" },       { SCMP_ARCH_PPC64LE, "ppc64le" },
                { SCMP_ARCH_PPC64, "ppc64" },   { SCMP_ARCH_S390X, "s390x" },     { SCMP_ARCH_RISCV64, "riscv64" },
                { SCMP_ARCH_MIPS, "mips" },     { SCMP_ARCH_MIPSEL64, "mipsel64" }, { SCMP_ARCH_MIPS64, "mips64" },
        };
        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (arches[i].token == token)
                        return arches[i].name;
        return NULL;
}

int policy_resolve_architectures(char * const *archs, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *native = arch_name(seccomp_arch_native());
        int r;

        if (!native)
                return -EOPNOTSUPP;
        r = strv_extend(&l, native);
        if (r < 0)
                return r;
        for (char * const *a = archs; a && *a; a++) {
                const char *n = streq(*a, "native") ? native : *a;
                if (!strv_contains(l, n)) {
                        r = strv_extend(&l, n);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* RestrictAddressFamilies= within the policy's AllowAddressFamilies=: an
 * allow list may only name families the policy allows; a deny list takes
 * families away from the policy's set; a unit that says nothing gets the
 * policy's set. */
static int compile_address_families(Compiler *c) {
        const Unit *u = c->u;
        const Policy *pol = c->pol;
        Plan *p = c->p;
        uint64_t ceiling = pol->address_families_set ? pol->address_families : af_mask_all();

        if (!unit_restricts_address_families(u)) {
                p->seccomp_restrict_address_families = pol->address_families_set;
                p->seccomp_address_families = pol->address_families_set ? ceiling : 0;
                return 0;
        }
        if (!u->address_families_allow_list) {
                p->seccomp_restrict_address_families = true;
                p->seccomp_address_families = ceiling & ~u->address_families;
                return 0;
        }

        /* One diagnostic per line that asks for more than the policy allows. */
        for (int af = 0; af < AF_MASK_BITS; af++) {
                const UnitLocation *l = &u->loc_address_family[af];
                _cleanup_free_ char *s = NULL;
                uint64_t extra = 0;
                bool first = true;

                if (!(u->address_families & ~ceiling & (UINT64_C(1) << af)))
                        continue;
                for (int k = 0; k < AF_MASK_BITS; k++) {
                        const UnitLocation *o = &u->loc_address_family[k];

                        if (!(u->address_families & ~ceiling & (UINT64_C(1) << k)))
                                continue;
                        if (o->line == l->line && streq(loc_file(c, o), loc_file(c, l))) {
                                if (k < af)
                                        first = false;
                                extra |= UINT64_C(1) << k;
                        }
                }
                if (!first)
                        continue;
                if (af_mask_to_string(extra, &s) < 0)
                        return -ENOMEM;
                fail_at(c, loc_file(c, l), l->line, "RestrictAddressFamilies",
                        "%s not allowed by policy %s (%s: [Seccomp] AllowAddressFamilies=).", s, pol->name, pol->path);
        }
        p->seccomp_restrict_address_families = true;
        p->seccomp_address_families = u->address_families & ceiling;
        return 0;
}

static int compile_seccomp(Compiler *c) {
        Plan *p = c->p;
        int r;

        p->seccomp_default_action = c->pol->default_action;
        r = policy_expand(c->pol, &p->syscalls, &p->n_syscalls);
        if (r < 0)
                return r;
        r = policy_resolve_architectures(c->pol->architectures, &p->seccomp_architectures);
        if (r < 0)
                return r;
        p->seccomp_allow_namespaces = c->pol->allow_namespaces;
        r = compile_address_families(c);
        if (r < 0)
                return r;
        r = plan_seccomp_resolve_enosys(p);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fail_at(c, c->pol->path, 0, NULL, "Cannot find the syscall table of an architecture: %s.", strerror(-r));
                return 0;
        }

        /* execve must pass the filter, since it is loaded before execve. */
        for (size_t i = 0; i < p->n_syscalls; i++)
                if (streq(p->syscalls[i].name, "execve") && p->syscalls[i].action.type == SECCOMP_ACTION_ALLOW)
                        goto compile;
        fail_at(c, c->pol->path, 0, NULL, "Policy %s does not allow execve, so no service could start under it.", c->pol->name);
        return 0;

compile:
        /* The kernel loads a filter only with no_new_privs or CAP_SYS_ADMIN:
         * say so in the plan instead of letting the launcher decide. */
        if (!(p->cap_effective & (UINT64_C(1) << 21 /* CAP_SYS_ADMIN */)))
                p->no_new_privileges = true;
        r = plan_compile_seccomp(p);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                fail_at(c, c->pol->path, 0, NULL, "Cannot compile the seccomp filter: %s.", strerror(-r));
        return 0;
}

/* ---- ExecStart= variables, as systemd expands them ---- */

static bool is_var_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_var_char(char c) {
        return is_var_start(c) || (c >= '0' && c <= '9');
}

/* "${NAME}" anywhere -> the value, "$$" -> "$"; any other '$' stays. */
static int expand_inline(const char *w, char * const *env, char **ret) {
        size_t n = 0, a = strlen(w) + 1;
        _cleanup_free_ char *r = malloc(a);

        if (!r)
                return -ENOMEM;
        for (const char *p = w; *p;) {
                const char *add = p;
                size_t l = 1;

                if (p[0] == '$' && p[1] == '$') {
                        l = 1;
                        p += 2;
                } else if (p[0] == '$' && p[1] == '{' && strchr(p + 2, '}')) {
                        const char *e = strchr(p + 2, '}');
                        _cleanup_free_ char *name = strndup(p + 2, (size_t) (e - p - 2));
                        if (!name)
                                return -ENOMEM;
                        add = strv_env_get(env, name) ?: "";
                        l = strlen(add);
                        p = e + 1;
                } else
                        p++;
                if (n + l + 1 > a) {
                        char *x;
                        a = (n + l + 1) * 2;
                        x = realloc(r, a);
                        if (!x)
                                return -ENOMEM;
                        r = x;
                }
                memcpy(r + n, add, l);
                n += l;
        }
        r[n] = 0;
        *ret = TAKE_PTR(r);
        return 0;
}

static int expand_argv(char * const *argv, char * const *env, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = strv_extend(&l, argv[0]); /* the program itself is never expanded, as in systemd */
        if (r < 0)
                return r;
        for (char * const *w = argv + 1; *w; w++) {
                const char *v = *w;

                /* "$NAME" as a whole word: the value split at whitespace. */
                if (v[0] == '$' && is_var_start(v[1])) {
                        bool whole = true;
                        for (const char *p = v + 2; *p; p++)
                                if (!is_var_char(*p))
                                        whole = false;
                        if (whole) {
                                _cleanup_free_ char *copy = strdup(strv_env_get(env, v + 1) ?: "");
                                char *save = NULL;
                                if (!copy)
                                        return -ENOMEM;
                                for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
                                        r = strv_extend(&l, t);
                                        if (r < 0)
                                                return r;
                                }
                                continue;
                        }
                }
                {
                        char *x;
                        r = expand_inline(v, env, &x);
                        if (r < 0)
                                return r;
                        r = strv_consume(&l, x);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- the rest ---- */

/* Entrypoint + Cmd, as podman runs them: the exec form, no variable
 * expansion; a program without '/' is looked up in the image's PATH (the
 * plan's, which the image's Env may have set), in its layers. */
static int compile_image_command(Compiler *c) {
        _cleanup_strv_free_ char **argv = NULL;
        Plan *p = c->p;
        int r;

        r = strv_extend_strv(&argv, c->image->config.entrypoint);
        if (r >= 0)
                r = strv_extend_strv(&argv, c->image->config.cmd);
        if (r < 0)
                return r;
        if (!argv || !argv[0] || isempty(argv[0])) {
                fail_at(c, c->image_file, c->image_line, "Image", "The image's Entrypoint and Cmd are empty; give ExecStart=.");
                return 0;
        }
        if (!strchr(argv[0], '/')) {
                _cleanup_free_ char *found = NULL;

                r = image_find_program(p->layers, p->n_layers, strv_env_get(p->environment, "PATH") ?: DEFAULT_PATH,
                                       argv[0], &found);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fail_at(c, c->image_file, c->image_line, "Image", "The image's command \"%s\" is not found in its PATH.",
                                argv[0]);
                        return 0;
                }
                free(argv[0]);
                argv[0] = TAKE_PTR(found);
        } else if (!path_is_normalized_absolute(argv[0])) {
                fail_at(c, c->image_file, c->image_line, "Image", "The image's command \"%s\" is not an absolute path.",
                        argv[0]);
                return 0;
        }
        p->argv = TAKE_PTR(argv);
        return 0;
}

static int compile_service(Compiler *c) {
        const Unit *u = c->u;
        Plan *p = c->p;
        int r;

        if (u->exec_start) {
                r = expand_argv(u->exec_start, p->environment, &p->argv);
                if (r < 0)
                        return r;
        } else if (c->image && (c->image->config.entrypoint || c->image->config.cmd)) {
                r = compile_image_command(c);
                if (r < 0)
                        return r;
        } else {
                fail_at(c, u->path, 0, "ExecStart", "No ExecStart= given%s: what should run?",
                        c->image ? ", and the image has no Entrypoint or Cmd" : "");
                return 0;
        }
        p->working_directory = strdup(u->working_directory ?:
                                      c->image && !isempty(c->image->config.working_dir) ? c->image->config.working_dir : "/");
        if (!p->working_directory)
                return -ENOMEM;
        if (!path_is_normalized_absolute(p->working_directory))
                fail_at(c, c->image_file, c->image_line, "Image", "The image's WorkingDir \"%s\" is not an absolute path.",
                        p->working_directory);
        if (c->image && c->image->config.exposed_ports) {
                p->exposed_ports = strv_copy(c->image->config.exposed_ports);
                if (!p->exposed_ports)
                        return -ENOMEM;
        }

        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                p->rlimits[i] = u->rlimits[i];

        p->limits = u->limits;
        if (p->limits.tasks_max == UNIT_TASKS_MAX_UNSET)
                p->limits.tasks_max = plan_default_tasks_max();

        p->restart = u->restart >= 0 ? u->restart : RESTART_NO;
        p->restart_usec = u->restart_usec != UNIT_USEC_UNSET ? u->restart_usec : DEFAULT_RESTART_USEC;
        p->restart_steps = u->restart_steps != UINT32_MAX ? u->restart_steps : 0;
        p->restart_max_delay_usec = u->restart_max_delay_usec != UNIT_USEC_UNSET ? u->restart_max_delay_usec : USEC_INFINITY;
        if (p->restart_steps > 0 && p->restart_max_delay_usec == USEC_INFINITY)
                fail_at(c, u->path, 0, "RestartSteps", "RestartSteps= needs RestartMaxDelaySec= (the delay to grow to).");
        if (p->restart_max_delay_usec != USEC_INFINITY && p->restart_max_delay_usec < p->restart_usec)
                fail_at(c, u->path, 0, "RestartMaxDelaySec", "RestartMaxDelaySec= is below RestartSec=.");
        p->start_limit_burst = u->start_limit_burst != UINT32_MAX ? u->start_limit_burst : DEFAULT_START_LIMIT_BURST;
        p->start_limit_interval_usec = u->start_limit_interval_usec != UNIT_USEC_UNSET ? u->start_limit_interval_usec
                                                                                       : DEFAULT_START_LIMIT_INTERVAL_USEC;
        p->kill_signal = u->kill_signal > 0 ? u->kill_signal : SIGTERM;
        if (u->kill_signal <= 0 && c->image && !isempty(c->image->config.stop_signal)) {
                int sig;

                if (parse_signal(c->image->config.stop_signal, &sig) < 0)
                        fail_at(c, c->image_file, c->image_line, "Image", "The image's StopSignal \"%s\" is not a signal.",
                                c->image->config.stop_signal);
                else
                        p->kill_signal = sig;
        }
        p->timeout_stop_usec = u->timeout_stop_usec != UNIT_USEC_UNSET ? u->timeout_stop_usec : DEFAULT_TIMEOUT_STOP_USEC;
        p->wanted = !!u->wanted_by && u->wanted_by[0];
        p->read_only = u->read_only != 0;
        p->upper_size = p->read_only ? 0 : plan_default_tmpfs_size(p->limits.memory_max);
        return 0;
}

static void compiler_done(Compiler *c) {
        c->image = image_info_free(c->image);
}

int plan_compile(const Unit *u, const Policy *pol, Plan **ret, Diagnostics *diags) {
        return plan_compile_full(u, pol, ret, diags, NULL);
}

int plan_compile_full(const Unit *u, const Policy *pol, Plan **ret, Diagnostics *diags, Diagnostics *warnings) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_(image_user_done) ImageUser iu = {};
        _cleanup_(compiler_done) Compiler c = {};
        int r;

        p = plan_new();
        if (!p)
                return -ENOMEM;
        c = (Compiler) { .u = u, .pol = pol, .p = p, .diags = diags };

        p->name = strdup(u->name);
        p->unit_path = strdup(u->path);
        p->policy_path = strdup(pol->path);
        p->description = u->description ? strdup(u->description) : NULL;
        p->dropin_paths = strv_copy(u->dropin_paths);
        if (!p->name || !p->unit_path || !p->policy_path || (u->description && !p->description) || !p->dropin_paths)
                return -ENOMEM;

        r = compile_layers(&c);
        if (r < 0)
                return r;
        r = compile_namespaces(&c);
        if (r < 0)
                return r;
        r = compile_mounts(&c);
        if (r < 0)
                return r;
        r = compile_identity(&c, &iu);
        if (r < 0)
                return r;
        r = compile_environment(&c, &iu);
        if (r < 0)
                return r;
        r = compile_capabilities(&c);
        if (r < 0)
                return r;
        r = compile_service(&c);
        if (r < 0)
                return r;
        r = compile_seccomp(&c);
        if (r < 0)
                return r;
        r = plan_compile_network(u, pol, NULL, p, diags);
        if (r == -EINVAL)
                c.failed = r;
        else if (r < 0)
                return r;
        r = plan_compile_devices(u, pol, p, diags);
        if (r == -EINVAL)
                c.failed = r;
        else if (r < 0)
                return r;
        r = plan_check_image(u, p, diags);
        if (r == -EINVAL)
                c.failed = r;
        else if (r < 0)
                return r;
        r = plan_compile_sockets(u, pol, p, diags);
        if (r == -EINVAL)
                c.failed = r;
        else if (r < 0)
                return r;
        r = plan_check_warnings(u, p, warnings);
        if (r < 0)
                return r;

        if (c.failed < 0)
                return c.failed;
        *ret = TAKE_PTR(p);
        return 0;
}

int plan_compile_unit(const char *arg, Plan **ret, Diagnostics *diags) {
        return plan_compile_unit_as(arg, geteuid(), ret, diags);
}

int plan_compile_unit_as(const char *arg, uid_t caller, Plan **ret, Diagnostics *diags) {
        return plan_compile_unit_full(arg, caller, ret, diags, NULL);
}

int plan_compile_unit_full(const char *arg, uid_t caller, Plan **ret, Diagnostics *diags, Diagnostics *warnings) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_(policy_freep) Policy *pol = NULL;
        int r;

        r = unit_load_as(arg, caller, &u, diags);
        if (r < 0)
                return r;

        r = policy_load_as(u->policy ?: "default", caller, &pol, diags);
        if (r < 0) {
                /* Say which unit asked for it. */
                if (r != -ENOMEM && u->policy)
                        (void) diag_add(diags, u->policy_file, u->policy_line, "Policy", "Cannot load policy %s.", u->policy);
                return r;
        }
        return plan_compile_full(u, pol, ret, diags, warnings);
}
