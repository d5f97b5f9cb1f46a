/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What an Image= line names. Pure: no file is looked at.
 *
 *   /PATH                          a directory or a tarball, used as it is
 *   oci:PATH[:TAG]                 an OCI image layout directory
 *   oci-archive:PATH[:TAG]         the same in a tar file
 *   docker-archive:PATH[:NAME:TAG] `docker save` output (legacy manifest.json
 *                                  or Docker 25+'s OCI layout in tar)
 *   anything else                  a registry reference,
 *                                  [HOST[:PORT]/]REPO[:TAG][@sha256:HEX],
 *                                  normalised as podman does: busybox is
 *                                  docker.io/library/busybox:latest
 *
 * PATH of the local forms is absolute and normalised and holds no ':'. */

#include <errno.h>

#include "macro.h"
#include "string-table.h"

typedef enum ImageRefType {
        IMAGE_REF_PATH,
        IMAGE_REF_OCI,
        IMAGE_REF_OCI_ARCHIVE,
        IMAGE_REF_DOCKER_ARCHIVE,
        IMAGE_REF_REGISTRY,
        _IMAGE_REF_TYPE_MAX,
        _IMAGE_REF_TYPE_INVALID = -EINVAL,
} ImageRefType;
DECLARE_STRING_TABLE_LOOKUP(image_ref_type, ImageRefType);

typedef struct ImageRef {
        ImageRefType type;
        char *path;             /* PATH and the local forms */
        char *tag;              /* oci:, oci-archive: the layout's ref name (NULL: the only image) */
        /* registry references, and NAME:TAG of docker-archive: */
        char *domain;           /* "docker.io", "127.0.0.1:5000" */
        char *repository;       /* "library/busybox" */
        char *registry_tag;     /* "latest"; NULL when only a digest was given */
        char *digest;           /* "sha256:HEX" or NULL */
        char *string;           /* the normalised whole: how the store names it */
} ImageRef;

ImageRef *image_ref_free(ImageRef *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageRef *, image_ref_free);

/* -EINVAL with a static message in *reterr_message (may be NULL). */
int image_ref_parse(const char *s, ImageRef **ret, const char **reterr_message);

/* Only the registry form (also NAME[:TAG] of `image import`). */
int image_ref_parse_registry(const char *s, ImageRef **ret, const char **reterr_message);

/* "domain/repository:tag" (no digest), or NULL without a tag. */
char *image_ref_name_tag(const ImageRef *r);
