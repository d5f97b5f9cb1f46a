/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Plan *p = NULL;
        char *err = NULL;

        if (plan_from_json((const char *) data, size, &p, &err) >= 0) {
                /* What was accepted must serialise and read back the same. */
                char *a = NULL, *b = NULL;
                Plan *q = NULL;

                if (plan_to_json(p, &a) >= 0 && plan_from_json(a, strlen(a), &q, NULL) >= 0 && plan_to_json(q, &b) >= 0 &&
                    strcmp(a, b) != 0)
                        abort();
                free(a);
                free(b);
                plan_free(q);
                plan_free(p);
        }
        free(err);
        return 0;
}
