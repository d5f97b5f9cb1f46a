/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-oci.h"
#include "string-util.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

#define JSON_MAX_DEPTH 16

static bool streq_ptr(const char *a, const char *b) {
        return a && b && streq(a, b);
}

int image_error(ImageError *e, int r, const char *fmt, ...) {
        va_list ap;

        if (e) {
                va_start(ap, fmt);
                vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
                va_end(ap);
        }
        return r;
}

OciMediaKind oci_media_kind(const char *mt) {
        static const struct {
                const char *type;
                OciMediaKind kind;
        } table[] = {
                { "application/vnd.oci.image.index.v1+json", OCI_MEDIA_INDEX },
                { "application/vnd.docker.distribution.manifest.list.v2+json", OCI_MEDIA_INDEX },
                { "application/vnd.oci.image.manifest.v1+json", OCI_MEDIA_MANIFEST },
                { "application/vnd.docker.distribution.manifest.v2+json", OCI_MEDIA_MANIFEST },
                { "application/vnd.oci.image.config.v1+json", OCI_MEDIA_CONFIG },
                { "application/vnd.docker.container.image.v1+json", OCI_MEDIA_CONFIG },
                { "application/vnd.oci.image.layer.v1.tar", OCI_MEDIA_LAYER },
                { "application/vnd.oci.image.layer.v1.tar+gzip", OCI_MEDIA_LAYER },
                { "application/vnd.oci.image.layer.v1.tar+zstd", OCI_MEDIA_LAYER },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar", OCI_MEDIA_LAYER },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", OCI_MEDIA_LAYER },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", OCI_MEDIA_LAYER },
                { "application/vnd.docker.image.rootfs.diff.tar", OCI_MEDIA_LAYER },
                { "application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_MEDIA_LAYER },
                { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", OCI_MEDIA_LAYER },
        };

        if (!mt)
                return OCI_MEDIA_UNKNOWN;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(mt, table[i].type))
                        return table[i].kind;
        return OCI_MEDIA_UNKNOWN;
}

const char *oci_digest_hex(const char *digest) {
        const char *hex = digest ? startswith(digest, "sha256:") : NULL;

        if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
                return NULL;
        return hex;
}

const char *oci_native_architecture(void) {
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__i386__)
        return "386";
#elif defined(__arm__)
        return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64le";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#else
        return "unknown";
#endif
}

void oci_descriptor_done(OciDescriptor *d) {
        d->media_type = mfree(d->media_type);
        d->digest = mfree(d->digest);
        d->os = mfree(d->os);
        d->architecture = mfree(d->architecture);
        d->variant = mfree(d->variant);
        d->ref_name = mfree(d->ref_name);
}

void oci_descriptors_free(OciDescriptor *d, size_t n) {
        for (size_t i = 0; i < n; i++)
                oci_descriptor_done(&d[i]);
        free(d);
}

void oci_manifest_done(OciManifest *m) {
        oci_descriptor_done(&m->config);
        oci_descriptors_free(m->layers, m->n_layers);
        m->layers = NULL;
        m->n_layers = 0;
}

void oci_config_done(OciConfig *c) {
        free(c->os);
        free(c->architecture);
        free(c->variant);
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        strv_free(c->env);
        free(c->working_dir);
        free(c->user);
        free(c->stop_signal);
        strv_free(c->exposed_ports);
        strv_free(c->diff_ids);
        *c = (OciConfig) {};
}

static int parse_json(const char *data, size_t size, const char *what, json_object **ret, ImageError *e) {
        json_tokener *tok;
        json_object *o;

        if (size > INT32_MAX)
                return image_error(e, -EFBIG, "the %s is too large", what);
        tok = json_tokener_new_ex(JSON_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) < size) {
                enum json_tokener_error err = json_tokener_get_error(tok);

                json_object_put(o);
                json_tokener_free(tok);
                return image_error(e, -EBADMSG, "the %s is not valid JSON (%s)", what,
                                   json_tokener_error_desc(err == json_tokener_success ? json_tokener_error_parse_eof : err));
        }
        json_tokener_free(tok);
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return image_error(e, -EBADMSG, "the %s is not a JSON object", what);
        }
        *ret = o;
        return 0;
}

static const char *get_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int dup_str(json_object *o, const char *key, char **ret) {
        const char *s = get_str(o, key);

        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* An array of strings, or absent/null (*ret = NULL); anything else -EBADMSG. */
static int get_strv(json_object *o, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *a;
        size_t n;
        int r;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(a, i);

                if (!json_object_is_type(s, json_type_string))
                        return -EBADMSG;
                l[i] = strdup(json_object_get_string(s));
                if (!l[i])
                        return -ENOMEM;
        }
        r = 0;
        *ret = TAKE_PTR(l);
        return r;
}

static int parse_descriptor(json_object *o, OciDescriptor *ret, const char *what, ImageError *e) {
        OciDescriptor d = {};
        json_object *v, *x;
        int r = -ENOMEM;

        if (!json_object_is_type(o, json_type_object))
                return image_error(e, -EBADMSG, "a %s is not a JSON object", what);
        if (!oci_digest_hex(get_str(o, "digest")))
                return image_error(e, -EBADMSG, "a %s has no sha256 digest (\"%s\")", what, strna(get_str(o, "digest")));
        if (!json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) < 0)
                return image_error(e, -EBADMSG, "the %s %s has no size", what, get_str(o, "digest"));
        d.size = json_object_get_int64(v);
        if (dup_str(o, "mediaType", &d.media_type) < 0 || dup_str(o, "digest", &d.digest) < 0)
                goto fail;
        if (json_object_object_get_ex(o, "platform", &x) && json_object_is_type(x, json_type_object))
                if (dup_str(x, "os", &d.os) < 0 || dup_str(x, "architecture", &d.architecture) < 0 ||
                    dup_str(x, "variant", &d.variant) < 0)
                        goto fail;
        if (json_object_object_get_ex(o, "annotations", &x) && json_object_is_type(x, json_type_object)) {
                if (dup_str(x, "org.opencontainers.image.ref.name", &d.ref_name) < 0)
                        goto fail;
                d.attestation = streq_ptr(get_str(x, "vnd.docker.reference.type"), "attestation-manifest");
        }
        *ret = d;
        return 0;
fail:
        oci_descriptor_done(&d);
        return r;
}

int oci_index_parse(const char *data, size_t size, OciDescriptor **ret, size_t *ret_n, ImageError *e) {
        _cleanup_json_ json_object *o = NULL;
        OciDescriptor *l = NULL;
        json_object *a;
        size_t n;
        int r;

        r = parse_json(data, size, "index", &o, e);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "manifests", &a) || !json_object_is_type(a, json_type_array))
                return image_error(e, -EBADMSG, "the index has no \"manifests\" list");
        n = json_object_array_length(a);
        if (n > 4096)
                return image_error(e, -EBADMSG, "the index lists %zu manifests", n);
        l = calloc(n + 1, sizeof(OciDescriptor));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_descriptor(json_object_array_get_idx(a, i), &l[i], "manifest entry of the index", e);
                if (r < 0) {
                        oci_descriptors_free(l, i);
                        return r;
                }
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int oci_manifest_parse(const char *data, size_t size, OciManifest *ret, ImageError *e) {
        _cleanup_json_ json_object *o = NULL;
        OciManifest m = {};
        json_object *v, *a;
        const char *mt;
        int r;

        r = parse_json(data, size, "manifest", &o, e);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "schemaVersion", &v) || json_object_get_int(v) != 2)
                return image_error(e, -EBADMSG, "the manifest is not schemaVersion 2");
        mt = get_str(o, "mediaType");
        if (mt && oci_media_kind(mt) != OCI_MEDIA_MANIFEST)
                return image_error(e, -EMEDIUMTYPE, "unknown manifest media type %s", mt);
        if (!json_object_object_get_ex(o, "config", &v))
                return image_error(e, -EBADMSG, "the manifest has no config");
        r = parse_descriptor(v, &m.config, "config", e);
        if (r < 0)
                return r;
        if (oci_media_kind(m.config.media_type) != OCI_MEDIA_CONFIG) {
                r = image_error(e, -EMEDIUMTYPE, "unknown config media type %s", strna(m.config.media_type));
                goto fail;
        }
        if (!json_object_object_get_ex(o, "layers", &a) || !json_object_is_type(a, json_type_array) ||
            json_object_array_length(a) == 0 || json_object_array_length(a) > 63) {
                r = image_error(e, -EBADMSG, "the manifest has no layers, or more than 63");
                goto fail;
        }
        m.layers = calloc(json_object_array_length(a), sizeof(OciDescriptor));
        if (!m.layers) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                r = parse_descriptor(json_object_array_get_idx(a, i), &m.layers[i], "layer", e);
                if (r < 0)
                        goto fail;
                m.n_layers = i + 1;
                if (oci_media_kind(m.layers[i].media_type) != OCI_MEDIA_LAYER) {
                        r = image_error(e, -EMEDIUMTYPE, "unknown layer media type %s", strna(m.layers[i].media_type));
                        goto fail;
                }
        }
        *ret = m;
        return 0;
fail:
        oci_manifest_done(&m);
        return r;
}

int oci_config_parse(const char *data, size_t size, OciConfig *ret, ImageError *e) {
        _cleanup_json_ json_object *o = NULL;
        OciConfig c = {};
        json_object *cfg, *rootfs, *ports;
        int r;

        r = parse_json(data, size, "config", &o, e);
        if (r < 0)
                return r;
        if (dup_str(o, "os", &c.os) < 0 || dup_str(o, "architecture", &c.architecture) < 0 ||
            dup_str(o, "variant", &c.variant) < 0)
                goto oom;
        if (json_object_object_get_ex(o, "config", &cfg) && json_object_is_type(cfg, json_type_object)) {
                if ((r = get_strv(cfg, "Entrypoint", &c.entrypoint)) < 0 || (r = get_strv(cfg, "Cmd", &c.cmd)) < 0 ||
                    (r = get_strv(cfg, "Env", &c.env)) < 0) {
                        if (r == -ENOMEM)
                                goto oom;
                        oci_config_done(&c);
                        return image_error(e, -EBADMSG, "the config's Entrypoint, Cmd or Env is not a list of strings");
                }
                if (dup_str(cfg, "WorkingDir", &c.working_dir) < 0 || dup_str(cfg, "User", &c.user) < 0 ||
                    dup_str(cfg, "StopSignal", &c.stop_signal) < 0)
                        goto oom;
                if (json_object_object_get_ex(cfg, "ExposedPorts", &ports) && json_object_is_type(ports, json_type_object)) {
                        json_object_object_foreach(ports, k, val) {
                                (void) val;
                                if (strv_extend(&c.exposed_ports, k) < 0)
                                        goto oom;
                        }
                }
        }
        if (!json_object_object_get_ex(o, "rootfs", &rootfs) || !json_object_is_type(rootfs, json_type_object) ||
            !streq_ptr(get_str(rootfs, "type"), "layers")) {
                oci_config_done(&c);
                return image_error(e, -EBADMSG, "the config has no rootfs of type layers");
        }
        r = get_strv(rootfs, "diff_ids", &c.diff_ids);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0 || strv_length(c.diff_ids) == 0) {
                oci_config_done(&c);
                return image_error(e, -EBADMSG, "the config's rootfs.diff_ids is not a list of digests");
        }
        c.n_diff_ids = strv_length(c.diff_ids);
        for (size_t i = 0; i < c.n_diff_ids; i++)
                if (!oci_digest_hex(c.diff_ids[i])) {
                        r = image_error(e, -EBADMSG, "the config's diff_id \"%s\" is not a sha256 digest", c.diff_ids[i]);
                        oci_config_done(&c);
                        return r;
                }
        if (!c.os || !c.architecture) {
                oci_config_done(&c);
                return image_error(e, -EBADMSG, "the config names no os or architecture");
        }
        *ret = c;
        return 0;
oom:
        oci_config_done(&c);
        return -ENOMEM;
}

int oci_index_pick(const OciDescriptor *d, size_t n, const char *tag, size_t *ret, ImageError *e) {
        const char *arch = oci_native_architecture();
        size_t found = SIZE_MAX, candidates = 0;
        char others[256] = "";
        size_t pos = 0;

        for (size_t i = 0; i < n; i++) {
                if (tag && !streq_ptr(d[i].ref_name, tag))
                        continue;
                if (d[i].attestation)
                        continue;
                candidates++;
                if (d[i].architecture && (!streq(d[i].architecture, arch) || !streq_ptr(d[i].os, "linux"))) {
                        if (pos < sizeof(others) - 1)
                                pos += snprintf(others + pos, sizeof(others) - pos, "%s%s/%s", pos ? ", " : "",
                                                strna(d[i].os), d[i].architecture);
                        continue;
                }
                if (found == SIZE_MAX)
                        found = i;
        }
        if (found != SIZE_MAX) {
                *ret = found;
                return 0;
        }
        if (candidates == 0 && tag)
                return image_error(e, -ENOENT, "no image tagged \"%s\" in the index", tag);
        if (candidates == 0)
                return image_error(e, -ENOENT, "the index lists no image");
        return image_error(e, -ENOENT, "no image for linux/%s (the index has %s)", arch, others);
}
