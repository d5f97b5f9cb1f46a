/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A registry image into the store (the write side; privileged callers
 * only): the registry client for the transport, image-import.c's blob
 * writer and layer unpacker for the store, so a pull leaves what an import
 * leaves: complete blobs and layers, and a tag written last. */

#include <stdbool.h>
#include <stdint.h>

#include "image-oci.h"
#include "image-ref.h"
#include "registries-conf.h"
#include "registry-client.h"

typedef struct Unit Unit;

/* Called once a blob is in the store: downloaded (resumed_from: the bytes
 * a killed pull had left), or there before (present). */
typedef void (*ImagePullProgress)(void *userdata, const char *what, const char *digest, uint64_t size,
                                  uint64_t resumed_from, bool present);
/* While a blob downloads: its bytes so far (a resumed one counts what it
 * had), for a progress bar; called for every chunk curl hands over. */
typedef void (*ImagePullBytes)(void *userdata, const char *what, const char *digest, uint64_t done, uint64_t size);

/* Pulls ref (the registry form): its manifest (through an index, the one
 * for linux/this architecture), config and layers, each checked against
 * its digest, each layer unpacked and checked against its diff_id; then
 * tags ref->string. Returns the manifest's digest. Bytes of a blob whose
 * download failed stay in blobs/sha256/.partial/ for the next pull. */
int image_pull(const char *store, const ImageRef *ref, const RegistryOptions *o, ImagePullProgress progress,
               ImagePullBytes bytes, void *userdata, char **ret_digest, ImageError *e);

/* What a pull needs besides the reference, from CONFIG_DIR (/etc/sandboxd,
 * or $SANDBOXD_CONFIG_DIR): certs.d/, auth.json (or $REGISTRY_AUTH_FILE),
 * and registries.conf, whose insecure = true turns TLS verification off
 * for its registry. */
typedef struct ImagePullConfig {
        char *certs_dir;
        char *auth_file;
        RegistriesConf registries;
        bool tls_verify;        /* false: --tls-verify=false, for every registry */
} ImagePullConfig;

/* config_dir NULL: $SANDBOXD_CONFIG_DIR or SYSCONFDIR/sandboxd. A bad
 * registries.conf: -EINVAL and "FILE:LINE: message" in *reterr_message. */
int image_pull_config_load(const char *config_dir, ImagePullConfig *ret, char **reterr_message);
void image_pull_config_done(ImagePullConfig *c);
/* The options for ref (pointing into c). */
void image_pull_config_options(const ImagePullConfig *c, const ImageRef *ref, RegistryOptions *ret);

/* The manifest digest a pull of ref would tag now (through an index, the
 * one picked from it), asked of the registry: two small GETs at most, no
 * blob. What Pull=newer compares with the store's. */
int image_pull_remote_digest(const ImageRef *ref, const RegistryOptions *o, char **ret_digest, ImageError *e);

typedef void (*ImagePullWarning)(void *userdata, const char *text);

/* Pull= at start, for every registry reference of u's Image=: missing
 * pulls what the store does not have, always pulls each time, newer asks
 * the registry for the digest and pulls if it differs from the stored one
 * (keeping the stored one, with a warning, when the registry cannot be
 * asked), never pulls nothing (the compile then says what is missing). A
 * reference with a digest is pulled only if absent: its content cannot
 * change. Fills reterr_text with "FILE:LINE: Image: REF: what failed". */
int image_pull_unit(const char *store, const Unit *u, const ImagePullConfig *c, ImagePullProgress progress,
                    ImagePullWarning warning, void *userdata, char **reterr_text);

/* Whether image_import_unit() or image_pull_unit() may have work for u
 * (an archive not imported, a reference to pull or to compare): looks at
 * the store only, never at the network. */
bool image_unit_needs_fetch(const char *store, const Unit *u);
