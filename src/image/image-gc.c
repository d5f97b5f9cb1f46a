/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* rm and prune. Marks: every manifest a name (tag or source) leads to,
 * its config and layer blobs and its unpacked layers; every layer
 * directory an active service's plan pins (an automatic restart uses
 * it, whatever the names say by then). Sweeps the rest. Under the
 * store's lock, so no import runs meanwhile; a half-written .tmp- entry
 * can only be a dead import's. */

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fs-util.h"
#include "image-gc.h"
#include "image-import.h"
#include "image-store.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

void image_uses_free(ImageUse *u, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(u[i].service);
                free(u[i].state);
                strv_free(u[i].layers);
                strv_free(u[i].manifests);
        }
        free(u);
}

bool image_use_active(const ImageUse *u) {
        return !u->state || !(streq(u->state, "inactive") || streq(u->state, "failed"));
}

static char *state_of(int dir_fd) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        char *p, *e;

        if (read_full_file_at(dir_fd, "state", O_NOFOLLOW, 16 * 1024, &text, &size) < 0)
                return NULL;
        p = strstr(text, "\nstate=");
        p = p ? p + 1 : startswith(text, "state=") ? text : NULL;
        if (!p)
                return NULL;
        p += strlen("state=");
        e = strchrnul(p, '\n');
        return strndup(p, e - p);
}

int image_uses_load(ImageUse **ret, size_t *ret_n) {
        const char *rt = getenv("SANDBOXD_RUNTIME_DIR");
        _cleanup_free_ char *dir = NULL;
        ImageUse *l = NULL;
        size_t n = 0;
        DIR *d;

        dir = path_join(rt && rt[0] == '/' ? rt : "/run/sandboxd", "services");
        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                *ret = NULL;
                *ret_n = 0;
                return errno == ENOENT ? 0 : negative_errno();
        }
        for (struct dirent *de; (de = readdir(d)); ) {
                _cleanup_close_ int fd = -EBADF;
                _cleanup_free_ char *json = NULL;
                _cleanup_json_ json_object *o = NULL;
                json_object *layers;
                ImageUse *nl;
                size_t size;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (read_full_file_at(fd, "plan.json", O_NOFOLLOW, 4 * 1024 * 1024, &json, &size) < 0)
                        continue;
                o = json_tokener_parse(json);
                if (!o || !json_object_object_get_ex(o, "layers", &layers) || !json_object_is_type(layers, json_type_array))
                        continue;
                nl = reallocarray(l, n + 1, sizeof(ImageUse));
                if (!nl)
                        goto oom;
                l = nl;
                l[n] = (ImageUse) { .service = strdup(de->d_name), .state = state_of(fd) };
                if (!l[n++].service)
                        goto oom;
                for (size_t i = 0; i < json_object_array_length(layers); i++) {
                        json_object *x = json_object_array_get_idx(layers, i), *p, *m;

                        if (json_object_object_get_ex(x, "path", &p) && json_object_is_type(p, json_type_string) &&
                            strv_extend(&l[n - 1].layers, json_object_get_string(p)) < 0)
                                goto oom;
                        if (json_object_object_get_ex(x, "manifest", &m) && json_object_is_type(m, json_type_string) &&
                            !strv_contains(l[n - 1].manifests, json_object_get_string(m)) &&
                            strv_extend(&l[n - 1].manifests, json_object_get_string(m)) < 0)
                                goto oom;
                }
        }
        closedir(d);
        *ret = l;
        *ret_n = n;
        return 0;
oom:
        closedir(d);
        image_uses_free(l, n);
        return -ENOMEM;
}

int image_store_hold_layers(const char *store, const PlanLayer *layers, size_t n_layers, int *ret_fd) {
        _cleanup_free_ char *path = NULL;
        bool any = false;
        int fd;

        for (size_t i = 0; i < n_layers; i++)
                any = any || layers[i].diff_id;
        if (!any) {
                *ret_fd = -EBADF;
                return 0;
        }
        path = strjoin(store, "/run.lock");
        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return negative_errno();
        /* Waits for a prune that is removing things. */
        if (flock(fd, LOCK_SH) < 0) {
                safe_close(fd);
                return negative_errno();
        }
        *ret_fd = fd;
        return 0;
}

/* rm and prune: no sandboxctl run may be using the store's layers. */
static int no_foreground_runs(int store_fd, int *ret_fd, ImageError *e) {
        int fd = openat(store_fd, "run.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

        if (fd < 0)
                return image_error(e, negative_errno(), "cannot open run.lock of the store: %m");
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();

                safe_close(fd);
                return image_error(e, r, "%s", r == -EBUSY ? "a sandboxctl run is running an image of the store; "
                                   "try again when it has exited" : strerror(-r));
        }
        *ret_fd = fd;
        return 0;
}

/* ---- mark ---- */

typedef struct Marks {
        char **blobs;           /* hex */
        char **layers;          /* hex */
} Marks;

static void marks_done(Marks *m) {
        strv_free(m->blobs);
        strv_free(m->layers);
}

static int mark_image(const char *store, const char *digest, Marks *m) {
        _cleanup_(image_info_freep) ImageInfo *info = NULL;
        int r;

        r = strv_extend(&m->blobs, oci_digest_hex(digest));
        if (r < 0)
                return r;
        /* A manifest that does not load keeps what it names unknown: its
         * blob stays, and the rest goes. */
        if (image_store_load(store, digest, &info, NULL) < 0)
                return 0;
        if (strv_extend(&m->blobs, oci_digest_hex(info->manifest.config.digest)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < info->manifest.n_layers; i++)
                if (strv_extend(&m->blobs, oci_digest_hex(info->manifest.layers[i].digest)) < 0 ||
                    strv_extend(&m->layers, oci_digest_hex(info->config.diff_ids[i])) < 0)
                        return -ENOMEM;
        return 0;
}

static uint64_t du_at(int dir_fd, const char *name) {
        struct stat st;
        uint64_t total = 0;
        int fd;
        DIR *d;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        total = (uint64_t) st.st_blocks * 512;
        if (!S_ISDIR(st.st_mode))
                return total;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return total;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return total;
        }
        for (struct dirent *de; (de = readdir(d)); )
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        total += du_at(dirfd(d), de->d_name);
        closedir(d);
        return total;
}

/* Removes entries of dir (hex names, and .tmp- leftovers) not in keep. */
static int sweep(int store_fd, const char *dir, char **keep, uint64_t *count, uint64_t *bytes) {
        DIR *d;
        int r;

        r = opendir_at(store_fd, dir, &d);
        if (r <= 0)
                return r;
        for (struct dirent *de; (de = readdir(d)); ) {
                if (!(sha256_hex_valid(de->d_name) && !strv_contains(keep, de->d_name)) &&
                    !startswith(de->d_name, ".tmp-"))
                        continue;
                *bytes += du_at(dirfd(d), de->d_name);
                if (rm_rf_at(dirfd(d), de->d_name) >= 0 && !startswith(de->d_name, ".tmp-"))
                        (*count)++;
        }
        closedir(d);
        return 0;
}

static int collect(const char *store, int store_fd, const ImageUse *uses, size_t n_uses, ImageGcStats *stats,
                   ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_(marks_done) Marks m = {};
        _cleanup_free_ char *prefix = strjoin(store, "/layers/");
        int r;

        if (!prefix)
                return -ENOMEM;
        r = image_store_index_load(store, &x, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < x.n_tags; i++)
                if ((r = mark_image(store, x.tags[i].manifest, &m)) < 0)
                        return r;
        for (size_t i = 0; i < x.n_sources; i++)
                if ((r = mark_image(store, x.sources[i].manifest, &m)) < 0)
                        return r;
        for (size_t i = 0; i < n_uses; i++) {
                if (!image_use_active(&uses[i]))
                        continue;
                STRV_FOREACH(l, uses[i].layers) {
                        const char *hex = startswith(*l, prefix);

                        if (hex && sha256_hex_valid(hex) && strv_extend(&m.layers, hex) < 0)
                                return -ENOMEM;
                }
        }
        r = sweep(store_fd, "blobs/sha256", m.blobs, &stats->blobs, &stats->bytes);
        if (r >= 0)
                r = sweep(store_fd, "layers", m.layers, &stats->layers, &stats->bytes);
        if (r < 0)
                return image_error(e, r, "cannot clean the store %s: %s", store, strerror(-r));
        return 0;
}

static const char *image_user(const char *digest, const ImageUse *uses, size_t n_uses) {
        for (size_t i = 0; i < n_uses; i++)
                if (image_use_active(&uses[i]) && strv_contains(uses[i].manifests, digest))
                        return uses[i].service;
        return NULL;
}

/* What rm and prune both hold while they delete: the store's writer
 * lock, the proof that no sandboxctl run uses store layers, and which
 * services run (their plans pin layers). */
static int gc_begin(const char *store, int *store_fd, int *lock_fd, int *run_fd, ImageUse **uses, size_t *n_uses,
                    ImageError *e) {
        int r;

        r = image_store_open_locked(store, store_fd, lock_fd, e);
        if (r < 0)
                return r;
        r = no_foreground_runs(*store_fd, run_fd, e);
        if (r < 0)
                return r;
        r = image_uses_load(uses, n_uses);
        if (r < 0)
                return image_error(e, r, "cannot read which services run: %s", strerror(-r));
        return 0;
}

int image_store_rm(const char *store, const ImageRef *ref, ImageGcStats *ret_stats, ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_close_ int store_fd = -EBADF, lock_fd = -EBADF, run_fd = -EBADF;
        ImageUse *uses = NULL;
        size_t n_uses = 0, removed = 0;
        ImageGcStats stats = {};
        const char *who;
        int r;

        r = gc_begin(store, &store_fd, &lock_fd, &run_fd, &uses, &n_uses, e);
        if (r < 0)
                return r;
        r = image_store_index_load(store, &x, e);
        if (r < 0) {
                image_uses_free(uses, n_uses);
                return r;
        }

        /* A registry name is a tag; a local form is every version of that
         * source; a digest is every name of that manifest. */
        for (size_t i = 0; i < x.n_tags + x.n_sources; i++) {
                bool tag = i < x.n_tags;
                const char *name = tag ? x.tags[i].name : x.sources[i - x.n_tags].source;
                const char *digest = tag ? x.tags[i].manifest : x.sources[i - x.n_tags].manifest;
                bool match = streq(name, ref->string) ||
                             (ref->type == IMAGE_REF_REGISTRY && ref->digest && !ref->registry_tag &&
                              streq(digest, ref->digest));

                if (!match)
                        continue;
                who = image_user(digest, uses, n_uses);
                if (who) {
                        r = image_error(e, -EBUSY, "the service %s runs it (stop it first)", who);
                        goto finish;
                }
        }
        for (size_t i = 0; i < x.n_tags;) {
                if (streq(x.tags[i].name, ref->string) ||
                    (ref->digest && !ref->registry_tag && streq(x.tags[i].manifest, ref->digest))) {
                        free(x.tags[i].name);
                        free(x.tags[i].manifest);
                        x.tags[i] = x.tags[--x.n_tags];
                        removed++;
                } else
                        i++;
        }
        for (size_t i = 0; i < x.n_sources;) {
                if (streq(x.sources[i].source, ref->string) ||
                    (ref->digest && !ref->registry_tag && streq(x.sources[i].manifest, ref->digest))) {
                        free(x.sources[i].key);
                        free(x.sources[i].source);
                        free(x.sources[i].manifest);
                        x.sources[i] = x.sources[--x.n_sources];
                        removed++;
                } else
                        i++;
        }
        if (removed == 0) {
                r = image_error(e, -ENOENT, "no such image in the local store");
                goto finish;
        }
        r = image_store_index_save(store_fd, &x);
        if (r < 0) {
                r = image_error(e, r, "cannot write the store's index: %s", strerror(-r));
                goto finish;
        }
        r = collect(store, store_fd, uses, n_uses, &stats, e);
        if (r >= 0 && ret_stats)
                *ret_stats = stats;
finish:
        image_uses_free(uses, n_uses);
        return r;
}

static bool is_tarball(const char *p) {
        static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst" };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(p, suffixes[i]))
                        return true;
        return false;
}

/* The old cache: STATE/images/HEX trees (and .by-stat memos of them). A
 * tree an active service's plan names stays. */
static int prune_legacy(const char *cache, const ImageUse *uses, size_t n_uses, ImageGcStats *stats) {
        DIR *d;
        int r;

        r = opendir_at(AT_FDCWD, cache, &d);
        if (r <= 0)
                return r;
        for (struct dirent *de; (de = readdir(d)); ) {
                _cleanup_free_ char *p = NULL;
                bool used = false;

                if (!sha256_hex_valid(de->d_name) && !startswith(de->d_name, ".tmp-"))
                        continue;
                p = path_join(cache, de->d_name);
                if (!p) {
                        closedir(d);
                        return -ENOMEM;
                }
                /* A plan names the tarball, not its tree: keep every tree
                 * while an active service has a tarball layer. */
                for (size_t i = 0; i < n_uses && !used; i++)
                        STRV_FOREACH(l, uses[i].layers)
                                if (image_use_active(&uses[i]) && is_tarball(*l))
                                        used = true;
                if (used)
                        continue;
                stats->bytes += du_at(dirfd(d), de->d_name);
                if (rm_rf_at(dirfd(d), de->d_name) >= 0)
                        stats->trees++;
        }
        (void) rm_rf_at(dirfd(d), ".by-stat");
        closedir(d);
        return 0;
}

int image_store_prune(const char *store, const char *legacy_cache, ImageGcStats *ret_stats, ImageError *e) {
        _cleanup_close_ int store_fd = -EBADF, lock_fd = -EBADF, run_fd = -EBADF;
        ImageUse *uses = NULL;
        size_t n_uses = 0;
        ImageGcStats stats = {};
        int r;

        r = gc_begin(store, &store_fd, &lock_fd, &run_fd, &uses, &n_uses, e);
        if (r < 0)
                return r;
        r = collect(store, store_fd, uses, n_uses, &stats, e);
        if (r >= 0 && legacy_cache) {
                r = prune_legacy(legacy_cache, uses, n_uses, &stats);
                if (r < 0)
                        r = image_error(e, r, "cannot clean the tarball cache %s: %s", legacy_cache, strerror(-r));
        }
        if (r >= 0 && ret_stats)
                *ret_stats = stats;
        image_uses_free(uses, n_uses);
        return r;
}
