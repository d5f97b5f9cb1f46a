/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A client of the OCI distribution API (v2) for one repository: the
 * authentication dance, manifests, and blobs streamed to the caller while
 * they arrive, several at once. Transport only: what a manifest says, and
 * whether a blob's bytes hash to its digest, is the caller's to check
 * (every byte passes through its write callback).
 *
 * libcurl is dlopen()ed (dlopen-curl.h) at registry_client_new(). Not
 * thread-safe; one client per pull. Every failing call leaves a sentence
 * in registry_client_error(), without the reference: callers prefix it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGISTRY_MANIFEST_MAX (4U * 1024U * 1024U)

/* What the registry may answer, newest first. */
#define REGISTRY_MANIFEST_ACCEPT                                         \
        "application/vnd.oci.image.index.v1+json, "                      \
        "application/vnd.docker.distribution.manifest.list.v2+json, "    \
        "application/vnd.oci.image.manifest.v1+json, "                   \
        "application/vnd.docker.distribution.manifest.v2+json"

typedef struct RegistryOptions {
        /* false: https without certificate checks, and plain http if the
         * registry does not speak TLS at all (podman's --tls-verify=false). */
        bool tls_verify;
        /* Directory of HOST[:PORT]/ca.crt files, each trusted for its host
         * on top of the system's CAs; NULL: none. */
        const char *certs_dir;
        /* A docker-style auth.json, or NULL; a missing file is no error. */
        const char *auth_file;
        /* Retries of a request that failed in transit or with 408, 429 or
         * 5xx, with exponential backoff; 0 means the default (5). */
        unsigned max_retries;
        /* The first backoff, doubled at each retry; 0: 250 ms. */
        uint64_t backoff_usec;
} RegistryOptions;

typedef struct RegistryClient RegistryClient;

/* host as in a reference ("docker.io", "quay.io", "127.0.0.1:5000",
 * "[::1]:5000"), repository as normalised ("library/busybox"). Checks
 * both, loads libcurl, reads the credentials; no request yet. */
int registry_client_new(const char *host, const char *repository, const RegistryOptions *o,
                        RegistryClient **ret);
RegistryClient *registry_client_free(RegistryClient *c);
const char *registry_client_error(const RegistryClient *c);
/* "https" or "http", once a request succeeded; NULL before. */
const char *registry_client_scheme(const RegistryClient *c);

/* GET /v2/REPO/manifests/REFERENCE (a tag, or a digest "sha256:<64 hex>")
 * with REGISTRY_MANIFEST_ACCEPT. The body (at most REGISTRY_MANIFEST_MAX,
 * NUL-terminated) and its Content-Type without parameters. -ENOENT on 404,
 * -EACCES on 401/403 after authenticating, -EPROTO on another status,
 * -EFBIG if too large, -EIO on transport errors after the retries. */
int registry_get_manifest(RegistryClient *c, const char *reference, char **ret_body, size_t *ret_size,
                          char **ret_content_type);

typedef struct RegistryBlob {
        const char *digest;     /* "sha256:<64 hex>" */
        uint64_t size;          /* from the manifest: more bytes than this is an error */
        uint64_t offset;        /* bytes the caller has already (a resumed download); a Range request */
        /* Every byte from offset on, in order. Non-zero return aborts the
         * blob with that (negative errno) result. */
        int (*write)(void *userdata, const void *data, size_t size);
        /* The registry ignored the Range: the caller must drop what it has
         * and take the blob from byte 0. */
        int (*rewind)(void *userdata);
        /* NULL, or called once the blob is complete, while the others
         * still download; non-zero return fails the blob with it. */
        int (*done)(void *userdata);
        void *userdata;
        /* Out: 0, or a negative errno; the first failure's sentence is in
         * registry_client_error(). */
        int result;
        uint64_t received;      /* bytes passed to write() (beyond offset) */
} RegistryBlob;

/* Downloads blobs[0..n), up to parallel at a time (0: 3), each until its
 * size is reached. Returns 0 if every blob succeeded, else the first
 * failure's result; each blob's own result is set either way. */
int registry_get_blobs(RegistryClient *c, RegistryBlob *blobs, size_t n, unsigned parallel);
