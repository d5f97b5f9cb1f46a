/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Image= references (src/oci/image-ref.c) and the OCI documents an
 * archive or a registry hands us (src/oci/image-oci.c). */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image-oci.h"
#include "image-ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ImageRef *r = NULL;
        OciManifest m = {};
        OciConfig c = {};
        OciDescriptor *d = NULL;
        ImageError e = {};
        size_t n = 0, pick;
        char *s;

        if (size > 64 * 1024)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (image_ref_parse(s, &r, NULL) >= 0) {
                free(image_ref_name_tag(r));
                image_ref_free(r);
        }
        if (oci_manifest_parse((const char *) data, size, &m, &e) >= 0)
                oci_manifest_done(&m);
        if (oci_config_parse((const char *) data, size, &c, &e) >= 0)
                oci_config_done(&c);
        if (oci_index_parse((const char *) data, size, &d, &n, &e) >= 0) {
                (void) oci_index_pick(d, n, "latest", &pick, &e);
                (void) oci_index_pick(d, n, NULL, &pick, &e);
                oci_descriptors_free(d, n);
        }
        free(s);
        return 0;
}
