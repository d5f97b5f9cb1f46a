/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "image-store.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

const char *image_store_dir(void) {
        const char *e = getenv("SANDBOXD_STORE_DIR");

        return e && e[0] == '/' ? e : SANDBOXD_STATE_DIR "/store";
}

void image_store_index_done(ImageStoreIndex *x) {
        for (size_t i = 0; i < x->n_tags; i++) {
                free(x->tags[i].name);
                free(x->tags[i].manifest);
        }
        for (size_t i = 0; i < x->n_sources; i++) {
                free(x->sources[i].key);
                free(x->sources[i].source);
                free(x->sources[i].manifest);
        }
        free(x->tags);
        free(x->sources);
        *x = (ImageStoreIndex) {};
}

static const char *obj_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int image_store_index_load(const char *store, ImageStoreIndex *ret, ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *tags, *sources;
        size_t size;
        int r;

        path = strjoin(store, "/index.json");
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, IMAGE_JSON_MAX, &data, &size);
        if (r == -ENOENT) {
                *ret = (ImageStoreIndex) {};
                return 0;
        }
        if (r < 0)
                return image_error(e, r, "cannot read the store's index %s: %s", path, strerror(-r));
        o = json_tokener_parse(data);
        if (!o || !json_object_is_type(o, json_type_object))
                return image_error(e, -EBADMSG, "the store's index %s is not a JSON object", path);

        if (json_object_object_get_ex(o, "tags", &tags) && json_object_is_type(tags, json_type_object)) {
                x.tags = calloc(json_object_object_length(tags) + 1, sizeof(ImageStoreTag));
                if (!x.tags)
                        return -ENOMEM;
                json_object_object_foreach(tags, k, v) {
                        if (!json_object_is_type(v, json_type_string) || !oci_digest_hex(json_object_get_string(v)))
                                continue;
                        x.tags[x.n_tags] = (ImageStoreTag) { strdup(k), strdup(json_object_get_string(v)) };
                        if (!x.tags[x.n_tags].name || !x.tags[x.n_tags].manifest)
                                return -ENOMEM;
                        x.n_tags++;
                }
        }
        if (json_object_object_get_ex(o, "sources", &sources) && json_object_is_type(sources, json_type_object)) {
                x.sources = calloc(json_object_object_length(sources) + 1, sizeof(ImageStoreSource));
                if (!x.sources)
                        return -ENOMEM;
                json_object_object_foreach(sources, k, v) {
                        const char *src = obj_str(v, "source"), *m = obj_str(v, "manifest");

                        if (!src || !oci_digest_hex(m))
                                continue;
                        x.sources[x.n_sources] = (ImageStoreSource) { strdup(k), strdup(src), strdup(m) };
                        if (!x.sources[x.n_sources].key || !x.sources[x.n_sources].source ||
                            !x.sources[x.n_sources].manifest)
                                return -ENOMEM;
                        x.n_sources++;
                }
        }
        *ret = x;
        x = (ImageStoreIndex) {};
        return 0;
}

ImageInfo *image_info_free(ImageInfo *i) {
        if (!i)
                return NULL;
        free(i->digest);
        oci_manifest_done(&i->manifest);
        oci_config_done(&i->config);
        return mfree(i);
}

int image_store_source_key(const ImageRef *ref, char ret[static SHA256_HEX_SIZE]) {
        _cleanup_free_ char *file = NULL;
        uint8_t digest[SHA256_DIGEST_SIZE];
        struct stat st;
        Sha256 s;

        if (ref->type != IMAGE_REF_OCI && ref->type != IMAGE_REF_OCI_ARCHIVE && ref->type != IMAGE_REF_DOCKER_ARCHIVE)
                return -EINVAL;
        file = ref->type == IMAGE_REF_OCI ? strjoin(ref->path, "/index.json") : strdup(ref->path);
        if (!file)
                return -ENOMEM;
        if (stat(file, &st) < 0)
                return negative_errno();

        uint64_t v[] = {
                (uint64_t) st.st_dev, (uint64_t) st.st_ino, (uint64_t) st.st_size,
                (uint64_t) st.st_mtim.tv_sec, (uint64_t) st.st_mtim.tv_nsec,
                (uint64_t) st.st_ctim.tv_sec, (uint64_t) st.st_ctim.tv_nsec,
        };
        sha256_init(&s);
        sha256_update(&s, ref->string, strlen(ref->string) + 1);
        sha256_update(&s, v, sizeof(v));
        sha256_finish(&s, digest);
        sha256_to_hex(digest, ret);
        return 0;
}

static char *blob_path(const char *store, const char *digest) {
        const char *hex = oci_digest_hex(digest);

        return hex ? strjoin(store, "/blobs/sha256/", hex) : NULL;
}

char *image_store_layer_path(const char *store, const char *diff_id) {
        const char *hex = oci_digest_hex(diff_id);

        return hex ? strjoin(store, "/layers/", hex) : NULL;
}

int image_store_resolve(const char *store, const ImageRef *ref, char **ret_digest, ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_free_ char *want = NULL;
        char key[SHA256_HEX_SIZE];
        const char *found = NULL;
        int r;

        if (ref->type == IMAGE_REF_REGISTRY && ref->digest) {
                _cleanup_free_ char *p = blob_path(store, ref->digest);

                /* A digest of an index: the pull tagged the reference with
                 * the manifest it picked from it. */
                if (image_store_index_load(store, &x, NULL) >= 0)
                        for (size_t i = 0; i < x.n_tags; i++)
                                if (streq(x.tags[i].name, ref->string))
                                        found = x.tags[i].manifest;
                if (found) {
                        want = strdup(found);
                        if (!want)
                                return -ENOMEM;
                        *ret_digest = TAKE_PTR(want);
                        return 0;
                }

                if (!p)
                        return -EINVAL;
                if (access(p, F_OK) < 0)
                        return image_error(e, -ENOENT, "%s is not in the local store", ref->string);
                want = strdup(ref->digest);
                if (!want)
                        return -ENOMEM;
                *ret_digest = TAKE_PTR(want);
                return 0;
        }

        if (ref->type != IMAGE_REF_REGISTRY) {
                r = image_store_source_key(ref, key);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return image_error(e, r, "%s: %s", ref->path, strerror(-r));
        }
        r = image_store_index_load(store, &x, e);
        if (r < 0)
                return r;
        if (ref->type == IMAGE_REF_REGISTRY) {
                for (size_t i = 0; i < x.n_tags; i++)
                        if (streq(x.tags[i].name, ref->string))
                                found = x.tags[i].manifest;
        } else
                for (size_t i = 0; i < x.n_sources; i++)
                        if (streq(x.sources[i].key, key))
                                found = x.sources[i].manifest;
        if (!found)
                return image_error(e, -ENOENT, "%s is not in the local store", ref->string);
        want = strdup(found);
        if (!want)
                return -ENOMEM;
        *ret_digest = TAKE_PTR(want);
        return 0;
}

int image_store_read_blob(const char *store, const char *digest, size_t max, char **ret, size_t *ret_size,
                          ImageError *e) {
        _cleanup_free_ char *p = blob_path(store, digest), *data = NULL;
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];
        size_t size;
        Sha256 s;
        int r;

        if (!p)
                return image_error(e, -EINVAL, "\"%s\" is not a sha256 digest", digest);
        r = read_full_file_at(AT_FDCWD, p, O_NOFOLLOW, max, &data, &size);
        if (r == -ENOENT)
                return image_error(e, r, "the blob %s is not in the store", digest);
        if (r < 0)
                return image_error(e, r, "cannot read the blob %s: %s", digest, strerror(-r));
        sha256_init(&s);
        sha256_update(&s, data, size);
        sha256_finish(&s, d);
        sha256_to_hex(d, hex);
        if (!streq(hex, oci_digest_hex(digest)))
                return image_error(e, -EBADMSG, "the blob %s in the store does not match its digest", digest);
        *ret = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

int image_store_load(const char *store, const char *digest, ImageInfo **ret, ImageError *e) {
        _cleanup_(image_info_freep) ImageInfo *i = NULL;
        _cleanup_free_ char *m = NULL, *c = NULL;
        size_t msize, csize;
        int r;

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->digest = strdup(digest);
        if (!i->digest)
                return -ENOMEM;
        r = image_store_read_blob(store, digest, IMAGE_JSON_MAX, &m, &msize, e);
        if (r < 0)
                return r;
        r = oci_manifest_parse(m, msize, &i->manifest, e);
        if (r < 0)
                return r;
        r = image_store_read_blob(store, i->manifest.config.digest, IMAGE_JSON_MAX, &c, &csize, e);
        if (r < 0)
                return r;
        r = oci_config_parse(c, csize, &i->config, e);
        if (r < 0)
                return r;
        if (i->config.n_diff_ids != i->manifest.n_layers)
                return image_error(e, -EBADMSG, "the manifest has %zu layers but the config %zu diff_ids",
                                   i->manifest.n_layers, i->config.n_diff_ids);
        i->size = msize + csize;
        for (size_t k = 0; k < i->manifest.n_layers; k++)
                i->size += (uint64_t) i->manifest.layers[k].size;
        *ret = TAKE_PTR(i);
        return 0;
}
