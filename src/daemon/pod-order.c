/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The order sandboxd starts its enabled units in at boot: a pod's owner
 * before the units that join its network (manager-pods.c). Pure, so the
 * unit tests reach it. */

#include <stdlib.h>

#include "macro.h"
#include "pod-order.h"
#include "string-util.h"

/* Does unit e wait for one not yet placed? */
static bool waits_for(const char *const *names, const char *const *owners, const bool *placed, size_t n, size_t e) {
        for (size_t i = 0; owners[e] && i < n; i++)
                if (i != e && !placed[i] && streq(names[i], owners[e]))
                        return true;
        return false;
}

int pod_start_order(const char *const *names, const char *const *owners, size_t n, size_t **ret) {
        _cleanup_free_ size_t *order = calloc(n + 1, sizeof(size_t));
        _cleanup_free_ bool *placed = calloc(n + 1, sizeof(bool));
        size_t k = 0;

        if (!order || !placed)
                return -ENOMEM;
        while (k < n) {
                size_t before = k;

                for (size_t i = 0; i < n; i++)
                        if (!placed[i] && !waits_for(names, owners, placed, n, i)) {
                                placed[i] = true;
                                order[k++] = i;
                        }
                /* A cycle, which cannot all start: its first by name. */
                for (size_t i = 0; k == before && i < n; i++)
                        if (!placed[i]) {
                                placed[i] = true;
                                order[k++] = i;
                        }
        }
        *ret = TAKE_PTR(order);
        return 0;
}
