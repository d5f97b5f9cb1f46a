/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The grammar is the distribution project's reference grammar, which podman
 * and docker both use: a name is path components of lower-case
 * alphanumerics joined by '.', '_', "__" or runs of '-'; the first
 * component is a registry host when it holds a '.' or a ':' or is
 * "localhost"; a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */

#include <stdlib.h>
#include <string.h>

#include "image-ref.h"
#include "path-util.h"
#include "string-util.h"

#define NAME_MAX_LEN 255

static const char *const image_ref_type_table[_IMAGE_REF_TYPE_MAX] = {
        [IMAGE_REF_PATH] = "path",
        [IMAGE_REF_OCI] = "oci",
        [IMAGE_REF_OCI_ARCHIVE] = "oci-archive",
        [IMAGE_REF_DOCKER_ARCHIVE] = "docker-archive",
        [IMAGE_REF_REGISTRY] = "registry",
};
DEFINE_STRING_TABLE_LOOKUP(image_ref_type, ImageRefType);

ImageRef *image_ref_free(ImageRef *r) {
        if (!r)
                return NULL;
        free(r->path);
        free(r->tag);
        free(r->domain);
        free(r->repository);
        free(r->registry_tag);
        free(r->digest);
        free(r->string);
        return mfree(r);
}

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool component_valid(const char *s, size_t n) {
        if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return false;
        for (size_t i = 1; i < n; i++) {
                if (is_lower_alnum(s[i]))
                        continue;
                if (s[i] == '.' || s[i] == '-' || s[i] == '_') {
                        /* A separator is followed by an alphanumeric, except
                         * "__" and runs of '-'. */
                        if (s[i] == '_' && s[i + 1] == '_' && i + 2 < n && is_lower_alnum(s[i + 2])) {
                                i++;
                                continue;
                        }
                        if (s[i] == '-') {
                                while (i + 1 < n && s[i + 1] == '-')
                                        i++;
                                continue;
                        }
                        if (!is_lower_alnum(s[i + 1]))
                                return false;
                        continue;
                }
                return false;
        }
        return true;
}

static bool domain_valid(const char *s, size_t n) {
        const char *colon = memchr(s, ':', n);
        size_t host = colon ? (size_t) (colon - s) : n;

        if (host == 0 || s[0] == '-' || s[0] == '.' || s[host - 1] == '-' || s[host - 1] == '.')
                return false;
        for (size_t i = 0; i < host; i++)
                if (!(is_lower_alnum(s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '.'))
                        return false;
        if (colon) {
                size_t port = n - host - 1;

                if (port == 0 || port > 5 || strspn(colon + 1, "0123456789") < port)
                        return false;
        }
        return true;
}

static bool tag_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 128)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';

                if (!word && (i == 0 || (c != '.' && c != '-')))
                        return false;
        }
        return true;
}

static bool digest_valid(const char *s) {
        const char *hex = startswith(s, "sha256:");

        return hex && strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64;
}

#define FAIL(msg)                               \
        do {                                    \
                if (reterr_message)             \
                        *reterr_message = (msg); \
                return -EINVAL;                 \
        } while (0)

int image_ref_parse_registry(const char *s, ImageRef **ret, const char **reterr_message) {
        _cleanup_(image_ref_freep) ImageRef *r = NULL;
        _cleanup_free_ char *copy = NULL;
        char *name, *at, *colon, *slash, *rest;

        if (!s || !*s)
                FAIL("empty image reference");
        if (strlen(s) > 4096)
                FAIL("image reference too long");
        copy = strdup(s);
        r = calloc(1, sizeof(*r));
        if (!copy || !r)
                return -ENOMEM;
        r->type = IMAGE_REF_REGISTRY;
        name = copy;

        at = strchr(name, '@');
        if (at) {
                *at = '\0';
                if (!digest_valid(at + 1))
                        FAIL("the digest is not sha256: followed by 64 lower-case hex digits");
                r->digest = strdup(at + 1);
                if (!r->digest)
                        return -ENOMEM;
        }
        slash = strrchr(name, '/');
        colon = strrchr(name, ':');
        if (colon && (!slash || colon > slash)) {
                *colon = '\0';
                if (!tag_valid(colon + 1))
                        FAIL("the tag is not [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
                r->registry_tag = strdup(colon + 1);
                if (!r->registry_tag)
                        return -ENOMEM;
        }

        slash = strchr(name, '/');
        if (slash && (memchr(name, '.', slash - name) || memchr(name, ':', slash - name) ||
                      (slash - name == 9 && strncmp(name, "localhost", 9) == 0))) {
                if (!domain_valid(name, slash - name))
                        FAIL("the registry host is not HOST[:PORT]");
                r->domain = strndup(name, slash - name);
                rest = slash + 1;
        } else {
                r->domain = strdup("docker.io");
                rest = name;
        }
        if (!r->domain)
                return -ENOMEM;
        /* Docker Hub's official images live under library/. */
        if (streq(r->domain, "docker.io") && !strchr(rest, '/'))
                r->repository = strjoin("library/", rest);
        else
                r->repository = strdup(rest);
        if (!r->repository)
                return -ENOMEM;

        for (const char *p = r->repository;;) {
                const char *e = strchrnul(p, '/');

                if (!component_valid(p, e - p))
                        FAIL("the repository name is not lower-case path components of [a-z0-9] joined by . _ __ or -");
                if (*e == '\0')
                        break;
                p = e + 1;
        }
        if (strlen(r->domain) + 1 + strlen(r->repository) > NAME_MAX_LEN)
                FAIL("the repository name is longer than 255 characters");

        if (!r->registry_tag && !r->digest) {
                r->registry_tag = strdup("latest");
                if (!r->registry_tag)
                        return -ENOMEM;
        }
        r->string = strjoin(r->domain, "/", r->repository, r->registry_tag ? ":" : "", r->registry_tag ?: "",
                            r->digest ? "@" : "", r->digest ?: "");
        if (!r->string)
                return -ENOMEM;
        *ret = TAKE_PTR(r);
        return 0;
}

int image_ref_parse(const char *s, ImageRef **ret, const char **reterr_message) {
        static const struct {
                const char *prefix;
                ImageRefType type;
        } local[] = {
                { "oci:", IMAGE_REF_OCI },
                { "oci-archive:", IMAGE_REF_OCI_ARCHIVE },
                { "docker-archive:", IMAGE_REF_DOCKER_ARCHIVE },
        };
        _cleanup_(image_ref_freep) ImageRef *r = NULL;
        const char *rest = NULL, *colon;
        int q;

        if (!s || !*s)
                FAIL("empty image reference");
        if (s[0] == '/') {
                if (!path_is_normalized_absolute(s))
                        FAIL("the path is not normalized");
                r = calloc(1, sizeof(*r));
                if (!r)
                        return -ENOMEM;
                r->type = IMAGE_REF_PATH;
                r->path = strdup(s);
                r->string = strdup(s);
                if (!r->path || !r->string)
                        return -ENOMEM;
                *ret = TAKE_PTR(r);
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(local); i++) {
                rest = startswith(s, local[i].prefix);
                if (!rest)
                        continue;
                r = calloc(1, sizeof(*r));
                if (!r)
                        return -ENOMEM;
                r->type = local[i].type;
                break;
        }
        if (!r)
                return image_ref_parse_registry(s, ret, reterr_message);

        colon = strchr(rest, ':');
        r->path = colon ? strndup(rest, colon - rest) : strdup(rest);
        if (!r->path)
                return -ENOMEM;
        if (r->path[0] != '/' || !path_is_normalized_absolute(r->path))
                FAIL("the path after the transport is not absolute and normalized");
        if (colon && r->type == IMAGE_REF_DOCKER_ARCHIVE) {
                _cleanup_(image_ref_freep) ImageRef *n = NULL;

                q = image_ref_parse_registry(colon + 1, &n, reterr_message);
                if (q < 0)
                        return q;
                if (n->digest)
                        FAIL("a docker-archive: image is named NAME:TAG, without a digest");
                r->domain = TAKE_PTR(n->domain);
                r->repository = TAKE_PTR(n->repository);
                r->registry_tag = TAKE_PTR(n->registry_tag);
                r->tag = TAKE_PTR(n->string);
        } else if (colon) {
                /* An OCI layout's org.opencontainers.image.ref.name. */
                if (colon[1] == '\0' || strlen(colon + 1) > 255 || string_has_cc(colon + 1) ||
                    !utf8_is_valid(colon + 1, strlen(colon + 1)))
                        FAIL("the tag after the path is empty or not printable");
                r->tag = strdup(colon + 1);
                if (!r->tag)
                        return -ENOMEM;
        }
        r->string = strjoin(image_ref_type_to_string(r->type), ":", r->path, r->tag ? ":" : "", r->tag ?: "");
        if (!r->string)
                return -ENOMEM;
        *ret = TAKE_PTR(r);
        return 0;
}

char *image_ref_name_tag(const ImageRef *r) {
        if (!r->domain || !r->repository || !r->registry_tag)
                return NULL;
        return strjoin(r->domain, "/", r->repository, ":", r->registry_tag);
}
