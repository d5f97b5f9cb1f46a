/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* registries.conf (src/image/registries-conf.c): whatever parses has only
 * locations that are safe in a URL's authority and path, and a failure
 * always names FILE:LINE. */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "registries-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RegistriesConf c = {};
        char *err = NULL;
        int r;

        if (size > REGISTRIES_CONF_MAX + 1)
                return 0;
        r = registries_conf_parse((const char *) data, size, "f", &c, &err);
        if (r >= 0) {
                if (err)
                        abort();
                for (size_t i = 0; i < c.n_entries; i++) {
                        const char *l = c.entries[i].location;

                        if (!l || !l[0] || strstr(l, "://"))
                                abort();
                        for (const char *p = l; *p; p++)
                                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 127)
                                        abort();
                        (void) registries_conf_insecure(&c, l, "a/b");
                }
                registries_conf_done(&c);
        } else if (r == -EINVAL) {
                if (!err || strncmp(err, "f:", 2) != 0 || strchr(err, '\n'))
                        abort();
        }
        free(err);
        return 0;
}
