/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI image documents (image-spec v1.1) and Docker's v2 schema 2
 * equivalents: index, manifest, config. Parsing only, from bytes a caller
 * read and (where a digest names them) verified. Strict where a wrong
 * guess would run the wrong thing: unknown media types, a manifest
 * without layers, a diff_id count that differs from the layer count are
 * errors. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* One line, for "REF: what failed". */
typedef struct ImageError {
        char msg[512];
} ImageError;

int image_error(ImageError *e, int r, const char *fmt, ...) _printf_(3, 4);

typedef enum OciMediaKind {
        OCI_MEDIA_UNKNOWN,
        OCI_MEDIA_INDEX,
        OCI_MEDIA_MANIFEST,
        OCI_MEDIA_CONFIG,
        OCI_MEDIA_LAYER,        /* tar, tar+gzip or tar+zstd: libarchive detects which */
} OciMediaKind;

OciMediaKind oci_media_kind(const char *media_type);

typedef struct OciDescriptor {
        char *media_type;
        char *digest;           /* "sha256:HEX", checked */
        int64_t size;
        char *os, *architecture, *variant;      /* platform, index entries only */
        char *ref_name;         /* org.opencontainers.image.ref.name */
        bool attestation;       /* vnd.docker.reference.type=attestation-manifest */
} OciDescriptor;

typedef struct OciManifest {
        OciDescriptor config;
        OciDescriptor *layers;
        size_t n_layers;
} OciManifest;

typedef struct OciConfig {
        char *os, *architecture, *variant;
        char **entrypoint;      /* NULL: not set */
        char **cmd;
        char **env;
        char *working_dir;
        char *user;
        char *stop_signal;
        char **exposed_ports;   /* "80/tcp" */
        char **diff_ids;        /* "sha256:HEX", lowest first */
        size_t n_diff_ids;
} OciConfig;

void oci_descriptor_done(OciDescriptor *d);
void oci_descriptors_free(OciDescriptor *d, size_t n);
void oci_manifest_done(OciManifest *m);
void oci_config_done(OciConfig *c);

/* An index (or a layout's index.json): its manifests. */
int oci_index_parse(const char *data, size_t size, OciDescriptor **ret, size_t *ret_n, ImageError *e);
int oci_manifest_parse(const char *data, size_t size, OciManifest *ret, ImageError *e);
int oci_config_parse(const char *data, size_t size, OciConfig *ret, ImageError *e);

/* GOARCH of this machine ("amd64", "arm64", ...). */
const char *oci_native_architecture(void);

/* The entry of an index to use: with tag, the one whose ref name is tag
 * (then the platform must still fit, when given); else the one for
 * linux/this architecture, attestations skipped; -ENOENT with a message
 * naming what the index offered. */
int oci_index_pick(const OciDescriptor *d, size_t n, const char *tag, size_t *ret, ImageError *e);

/* "sha256:HEX" -> HEX, or NULL if it is not that. */
const char *oci_digest_hex(const char *digest);
