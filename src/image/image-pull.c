/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl image pull: manifest (and index), then the config, then the
 * layers in parallel, every byte hashed on its way to the disk. The config
 * comes first so that an image for another machine is refused before its
 * layers are downloaded. The store's lock is held throughout: it makes
 * blobs/sha256/.partial/HEX ours, and imports wait for the pull. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#include "image-import.h"
#include "image-pull.h"
#include "host-path.h"
#include "image-store.h"
#include "path-util.h"
#include "string-util.h"
#include "tarball-cache.h"
#include "unit.h"

typedef struct Pull Pull;

typedef struct PullBlob {
        Pull *pull;
        const OciDescriptor *d;
        const char *what;
        ssize_t layer;          /* its index in the manifest's layers, or -1 */
        ImageBlobWriter w;
        uint64_t resumed_from;
        bool open;
        ImageError error;       /* why done() failed */
} PullBlob;

struct Pull {
        RegistryClient *client;
        int store_fd, blobs_fd, layers_fd;
        ImageLayerBatch *batch; /* layers unpack as their blobs complete */
        ImagePullProgress progress;
        ImagePullBytes bytes;
        void *userdata;
};

static void pull_done(Pull *p) {
        image_layer_batch_free(p->batch);
        registry_client_free(p->client);
        safe_close(p->blobs_fd);
        safe_close(p->layers_fd);
}

static int client_error(Pull *p, int r, ImageError *e) {
        if (r == -ENOMEM)
                return r;
        return image_error(e, r, "%s", p->client ? registry_client_error(p->client) ?: strerror(-r) : strerror(-r));
}

static bool blob_present(Pull *p, const char *digest) {
        struct stat st;

        return fstatat(p->blobs_fd, oci_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode);
}

/* A manifest or index by tag or digest; by digest, its bytes must hash to
 * it (the registry is not trusted with that). */
static int get_manifest(Pull *p, const char *reference, char **ret_body, size_t *ret_size, OciMediaKind *ret_kind,
                        char ret_hex[static SHA256_HEX_SIZE], ImageError *e) {
        _cleanup_free_ char *body = NULL, *type = NULL;
        uint8_t d[SHA256_DIGEST_SIZE];
        const char *want = oci_digest_hex(reference);
        OciMediaKind kind;
        Sha256 s;
        size_t size;
        int r;

        r = registry_get_manifest(p->client, reference, &body, &size, &type);
        if (r < 0)
                return client_error(p, r, e);
        sha256_init(&s);
        sha256_update(&s, body, size);
        sha256_finish(&s, d);
        sha256_to_hex(d, ret_hex);
        if (want && !streq(want, ret_hex))
                return image_error(e, -EBADMSG, "the manifest sha256:%s does not match its digest (its content is sha256:%.12s...)",
                                   want, ret_hex);
        kind = oci_media_kind(type);
        if (kind != OCI_MEDIA_INDEX && kind != OCI_MEDIA_MANIFEST)
                return image_error(e, -EMEDIUMTYPE, "unknown manifest media type %s", strna(type));
        *ret_body = TAKE_PTR(body);
        *ret_size = size;
        *ret_kind = kind;
        return 0;
}

/* The image manifest ref names: through an index, the one for this
 * machine (fetched by its digest). */
/* The registry client for ref, which must name a registry. */
static int pull_connect(Pull *p, const ImageRef *ref, const RegistryOptions *o, ImageError *e) {
        int r;

        if (ref->type != IMAGE_REF_REGISTRY)
                return image_error(e, -EINVAL, "only registry references can be pulled");
        r = registry_client_new(ref->domain, ref->repository, o, &p->client);
        if (r < 0)
                return image_error(e, r, "cannot make a registry client: %s", strerror(-r));
        return 0;
}

static int fetch_manifest(Pull *p, const ImageRef *ref, char **ret_body, size_t *ret_size,
                          char ret_hex[static SHA256_HEX_SIZE], ImageError *e) {
        _cleanup_free_ char *body = NULL;
        OciMediaKind kind;
        size_t size;
        int r;

        r = get_manifest(p, ref->digest ?: ref->registry_tag, &body, &size, &kind, ret_hex, e);
        if (r < 0)
                return r;
        if (kind == OCI_MEDIA_INDEX) {
                OciDescriptor *d = NULL;
                size_t n = 0, pick;
                _cleanup_free_ char *picked = NULL;

                r = oci_index_parse(body, size, &d, &n, e);
                if (r < 0)
                        return r;
                r = oci_index_pick(d, n, NULL, &pick, e);
                if (r >= 0 && oci_media_kind(d[pick].media_type) != OCI_MEDIA_MANIFEST)
                        r = image_error(e, -EMEDIUMTYPE, "the index names a %s for linux/%s, not an image manifest",
                                        strna(d[pick].media_type), oci_native_architecture());
                if (r >= 0) {
                        picked = strdup(d[pick].digest);
                        if (!picked)
                                r = -ENOMEM;
                }
                oci_descriptors_free(d, n);
                if (r < 0)
                        return r;
                body = mfree(body);
                r = get_manifest(p, picked, &body, &size, &kind, ret_hex, e);
                if (r < 0)
                        return r;
                if (kind != OCI_MEDIA_MANIFEST)
                        return image_error(e, -EMEDIUMTYPE, "the index names another index for linux/%s",
                                           oci_native_architecture());
        }
        *ret_body = TAKE_PTR(body);
        *ret_size = size;
        return 0;
}

static int blob_cb_write(void *userdata, const void *data, size_t size) {
        PullBlob *b = userdata;
        int r;

        r = image_store_blob_write(&b->w, data, size);
        if (r >= 0 && b->pull->bytes)
                b->pull->bytes(b->pull->userdata, b->what, b->d->digest, b->w.size, (uint64_t) b->d->size);
        return r;
}

static int blob_cb_rewind(void *userdata) {
        PullBlob *b = userdata;

        b->resumed_from = 0;
        return image_store_blob_rewind(&b->w);
}

/* A blob is complete: checked and renamed at once, whatever the others
 * do, and a layer starts unpacking while the others download. */
static int blob_cb_done(void *userdata) {
        PullBlob *b = userdata;
        int r;

        r = image_store_blob_commit(&b->w, NULL, &b->error);
        b->open = false;
        if (r < 0)
                return r;
        if (b->pull->progress)
                b->pull->progress(b->pull->userdata, b->what, b->d->digest, (uint64_t) b->d->size, b->resumed_from, false);
        if (b->pull->batch && b->layer >= 0)
                return image_layer_batch_start(b->pull->batch, (size_t) b->layer, &b->error);
        return 0;
}

/* Downloads the blobs not in the store yet, in parallel, into .partial/. */
static int get_blobs(Pull *p, PullBlob *pb, size_t n, ImageError *e) {
        _cleanup_free_ RegistryBlob *rb = NULL;
        size_t m = 0;
        int r, ret = 0;
        ImageError first = {};

        rb = calloc(n, sizeof(RegistryBlob));
        if (!rb)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (blob_present(p, pb[i].d->digest)) {
                        if (p->progress)
                                p->progress(p->userdata, pb[i].what, pb[i].d->digest, (uint64_t) pb[i].d->size, 0, true);
                        continue;
                }
                r = image_store_blob_begin(p->blobs_fd, oci_digest_hex(pb[i].d->digest), true, &pb[i].w, e);
                if (r < 0)
                        goto finish;
                pb[i].open = true;
                if (pb[i].w.size > (uint64_t) pb[i].d->size) {
                        r = image_store_blob_rewind(&pb[i].w);
                        if (r < 0) {
                                r = image_error(e, r, "cannot write the blob %s: %s", pb[i].d->digest, strerror(-r));
                                goto finish;
                        }
                }
                pb[i].resumed_from = pb[i].w.size;
                pb[i].pull = p;
                rb[m++] = (RegistryBlob) {
                        .digest = pb[i].d->digest,
                        .size = (uint64_t) pb[i].d->size,
                        .offset = pb[i].w.size,
                        .write = blob_cb_write,
                        .rewind = blob_cb_rewind,
                        .done = blob_cb_done,
                        .userdata = &pb[i],
                };
        }
        if (m > 0)
                ret = registry_get_blobs(p->client, rb, m, 0);
        if (ret < 0) {
                (void) client_error(p, ret, &first);
                /* A blob that did not match its digest, or a layer that
                 * did not unpack, says so better than the transport. */
                for (size_t k = 0; k < m; k++) {
                        PullBlob *b = rb[k].userdata;

                        if (b->error.msg[0]) {
                                first = b->error;
                                break;
                        }
                }
                *e = first;
        }
        r = ret;
finish:
        for (size_t i = 0; i < n; i++)
                if (pb[i].open) {
                        image_store_blob_abort(&pb[i].w);
                        pb[i].open = false;
                }
        return r;
}

static int write_manifest(Pull *p, const char *body, size_t size, const char *hex, ImageError *e) {
        ImageBlobWriter w;
        char d[sizeof("sha256:") + SHA256_HEX_SIZE];
        int r;

        snprintf(d, sizeof(d), "sha256:%s", hex);
        if (blob_present(p, d))
                return 0;
        r = image_store_blob_begin(p->blobs_fd, hex, false, &w, e);
        if (r < 0)
                return r;
        r = image_store_blob_write(&w, body, size);
        if (r < 0) {
                image_store_blob_abort(&w);
                return image_error(e, r, "cannot write the manifest to the store: %s", strerror(-r));
        }
        return image_store_blob_commit(&w, NULL, e);
}

int image_pull(const char *store, const ImageRef *ref, const RegistryOptions *o, ImagePullProgress progress,
               ImagePullBytes bytes, void *userdata, char **ret_digest, ImageError *e) {
        _cleanup_(pull_done) Pull p = { .blobs_fd = -EBADF, .layers_fd = -EBADF, .progress = progress,
                                        .bytes = bytes, .userdata = userdata };
        _cleanup_(oci_manifest_done) OciManifest m = {};
        _cleanup_(oci_config_done) OciConfig cfg = {};
        _cleanup_close_ int store_fd = -EBADF, lock_fd = -EBADF;
        _cleanup_free_ char *body = NULL, *c = NULL, *digest = NULL;
        _cleanup_free_ PullBlob *pb = NULL;
        char hex[SHA256_HEX_SIZE];
        size_t size, csize;
        int r;

        r = pull_connect(&p, ref, o, e);
        if (r < 0)
                return r;
        r = image_store_open_locked(store, &store_fd, &lock_fd, e);
        if (r < 0)
                return r;
        p.store_fd = store_fd;
        p.blobs_fd = openat(store_fd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        p.layers_fd = openat(store_fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (p.blobs_fd < 0 || p.layers_fd < 0)
                return image_error(e, negative_errno(), "cannot open the image store %s: %m", store);

        r = fetch_manifest(&p, ref, &body, &size, hex, e);
        if (r < 0)
                return r;
        r = oci_manifest_parse(body, size, &m, e);
        if (r < 0)
                return r;

        pb = calloc(m.n_layers + 1, sizeof(PullBlob));
        if (!pb)
                return -ENOMEM;
        pb[0] = (PullBlob) { .d = &m.config, .what = "config", .layer = -1 };
        for (size_t i = 0; i < m.n_layers; i++)
                pb[i + 1] = (PullBlob) { .d = &m.layers[i], .what = "blob", .layer = (ssize_t) i };

        r = get_blobs(&p, pb, 1, e);
        if (r < 0)
                return r;
        r = image_store_read_blob(store, m.config.digest, IMAGE_JSON_MAX, &c, &csize, e);
        if (r < 0)
                return r;
        r = oci_config_parse(c, csize, &cfg, e);
        if (r < 0)
                return r;
        if (!streq(cfg.os, "linux") || !streq(cfg.architecture, oci_native_architecture()))
                return image_error(e, -ENOEXEC, "the image is for %s/%s, this machine is linux/%s", cfg.os,
                                   cfg.architecture, oci_native_architecture());
        if (cfg.n_diff_ids != m.n_layers)
                return image_error(e, -EBADMSG, "the manifest has %zu layers but the config %zu diff_ids", m.n_layers,
                                   cfg.n_diff_ids);

        r = image_layer_batch_new(p.blobs_fd, p.layers_fd, m.layers, cfg.diff_ids, m.n_layers, &p.batch, e);
        if (r < 0)
                return r;
        r = get_blobs(&p, pb + 1, m.n_layers, e);
        if (r < 0)
                return r;
        /* Layers whose blobs were in the store already start now. */
        r = image_layer_batch_finish(p.batch, e);
        if (r < 0)
                return r;

        /* The manifest after what it names, the tag last: no name leads to
         * a half image. */
        r = write_manifest(&p, body, size, hex, e);
        if (r < 0)
                return r;
        digest = strjoin("sha256:", hex);
        if (!digest)
                return -ENOMEM;
        r = image_store_set_tag(store_fd, store, ref->string, digest, e);
        if (r < 0)
                return r;
        if (ret_digest)
                *ret_digest = TAKE_PTR(digest);
        return 0;
}

void image_pull_config_done(ImagePullConfig *c) {
        c->certs_dir = mfree(c->certs_dir);
        c->auth_file = mfree(c->auth_file);
        registries_conf_done(&c->registries);
}

int image_pull_config_load(const char *config_dir, ImagePullConfig *ret, char **reterr_message) {
        _cleanup_(image_pull_config_done) ImagePullConfig c = { .tls_verify = true };
        _cleanup_free_ char *conf = NULL;
        const char *env = getenv("REGISTRY_AUTH_FILE");
        int r;

        if (!config_dir) {
                config_dir = getenv("SANDBOXD_CONFIG_DIR");
                if (!config_dir || config_dir[0] != '/')
                        config_dir = SYSCONFDIR "/sandboxd";
        }
        c.certs_dir = path_join(config_dir, "certs.d");
        c.auth_file = !isempty(env) ? strdup(env) : path_join(config_dir, "auth.json");
        conf = path_join(config_dir, "registries.conf");
        if (!c.certs_dir || !c.auth_file || !conf)
                return -ENOMEM;
        r = registries_conf_load(conf, &c.registries, reterr_message);
        if (r < 0)
                return r;
        *ret = c;
        c = (ImagePullConfig) {};
        return 0;
}

void image_pull_config_options(const ImagePullConfig *c, const ImageRef *ref, RegistryOptions *ret) {
        *ret = (RegistryOptions) {
                .tls_verify = c->tls_verify && !registries_conf_insecure(&c->registries, ref->domain, ref->repository),
                .certs_dir = c->certs_dir,
                .auth_file = c->auth_file,
        };
}

int image_pull_remote_digest(const ImageRef *ref, const RegistryOptions *o, char **ret_digest, ImageError *e) {
        _cleanup_(pull_done) Pull p = { .blobs_fd = -EBADF, .layers_fd = -EBADF };
        _cleanup_free_ char *body = NULL, *digest = NULL;
        char hex[SHA256_HEX_SIZE];
        size_t size;
        int r;

        r = pull_connect(&p, ref, o, e);
        if (r < 0)
                return r;
        r = fetch_manifest(&p, ref, &body, &size, hex, e);
        if (r < 0)
                return r;
        digest = strjoin("sha256:", hex);
        if (!digest)
                return -ENOMEM;
        *ret_digest = TAKE_PTR(digest);
        return 0;
}

/* Whether the policy asks for a pull of ref now; *ret_local: the stored
 * digest (NULL: none). */
static bool pull_wanted(const char *store, const ImageRef *ref, PullPolicy policy, char **ret_local) {
        _cleanup_free_ char *local = NULL;
        bool present = image_store_resolve(store, ref, &local, NULL) >= 0;

        *ret_local = NULL;
        if (policy == PULL_NEVER || (present && (ref->digest || policy == PULL_MISSING)))
                return false;
        *ret_local = TAKE_PTR(local);
        return true;
}

static int unit_error(char **reterr_text, const Unit *u, const UnitImage *img, const ImageRef *ref, const char *msg) {
        if (reterr_text && asprintf_safe(reterr_text, "%s:%u: Image: %s: %s", img->file ?: u->path, img->line,
                                         ref->string, msg) < 0)
                return -ENOMEM;
        return 0;
}

int image_pull_unit(const char *store, const Unit *u, const ImagePullConfig *c, ImagePullProgress progress,
                    ImagePullWarning warning, void *userdata, char **reterr_text) {
        PullPolicy policy = u->pull >= 0 ? u->pull : PULL_MISSING;

        for (size_t i = 0; i < u->n_images; i++) {
                const UnitImage *img = &u->images[i];
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *local = NULL, *remote = NULL;
                RegistryOptions o;
                ImageError e = {};
                int r;

                /* A bad reference is the compiler's to report. */
                if (image_ref_parse(img->path, &ref, NULL) < 0 || ref->type != IMAGE_REF_REGISTRY)
                        continue;
                if (!pull_wanted(store, ref, policy, &local))
                        continue;
                image_pull_config_options(c, ref, &o);
                if (policy == PULL_NEWER && local) {
                        /* A registry that is down must not keep a service
                         * from starting with what it ran before: ask once. */
                        o.max_retries = 1;
                        r = image_pull_remote_digest(ref, &o, &remote, &e);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                if (warning) {
                                        _cleanup_free_ char *t = NULL;

                                        if (asprintf_safe(&t, "%s: cannot ask the registry for a newer image (%s); using %.19s... from the store",
                                                          ref->string, e.msg, local) < 0)
                                                return -ENOMEM;
                                        warning(userdata, t);
                                }
                                continue;
                        }
                        if (streq(remote, local))
                                continue;
                        o.max_retries = 0;
                }
                r = image_pull(store, ref, &o, progress, NULL, userdata, NULL, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (unit_error(reterr_text, u, img, ref, e.msg) < 0)
                                return -ENOMEM;
                        return r;
                }
        }
        return 0;
}

/* A tarball layer that no start has unpacked yet: unpacking it (seconds
 * for a large one) is a fetch too, done before the compile. */
static bool tarball_needs_unpack(const char *path) {
        _cleanup_free_ char *canonical = NULL, *tree = NULL;
        struct stat st;

        if (host_path_canonicalize(path, &canonical) < 0 || stat(canonical, &st) < 0 || !S_ISREG(st.st_mode) ||
            !host_path_is_tarball_name(path))
                return false;
        return tarball_cache_find(NULL, canonical, &tree) == -ENOENT;
}

bool image_unit_needs_fetch(const char *store, const Unit *u) {
        PullPolicy policy = u->pull >= 0 ? u->pull : PULL_MISSING;

        for (size_t i = 0; i < u->n_images; i++) {
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *local = NULL;

                if (image_ref_parse(u->images[i].path, &ref, NULL) < 0)
                        continue;
                if (ref->type == IMAGE_REF_PATH) {
                        if (tarball_needs_unpack(u->images[i].path))
                                return true;
                        continue;
                }
                if (ref->type != IMAGE_REF_REGISTRY) {
                        if (image_store_resolve(store, ref, &local, NULL) < 0)
                                return true;
                        continue;
                }
                if (pull_wanted(store, ref, policy, &local))
                        return true;
        }
        return false;
}
