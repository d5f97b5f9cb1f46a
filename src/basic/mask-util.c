/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>

#include "macro.h"
#include "mask-util.h"
#include "strv.h"

int mask_from_words(const char *s, int (*from_name)(const char *name), uint64_t *ret, char **reterr_word) {
        _cleanup_free_ char *c = strdup(s);
        uint64_t mask = 0;
        char *save = NULL;

        if (!c)
                return -ENOMEM;
        for (char *w = strtok_r(c, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                int bit = from_name(w);

                if (bit < 0 || bit >= 64) {
                        if (reterr_word) {
                                *reterr_word = strdup(w);
                                if (!*reterr_word)
                                        return -ENOMEM;
                        }
                        return -EINVAL;
                }
                mask |= UINT64_C(1) << bit;
        }
        *ret = mask;
        return 0;
}

int mask_to_words(uint64_t mask, unsigned n_bits, const char *(*to_name)(unsigned bit, char buf[static 64]),
                  char **ret) {
        _cleanup_strv_free_ char **l = NULL;
        char buf[64], *s;

        for (unsigned i = 0; i < n_bits && i < 64; i++) {
                const char *n;

                if (!(mask & (UINT64_C(1) << i)))
                        continue;
                n = to_name(i, buf);
                if (!n)
                        return -ENOMEM;
                if (*n && strv_extend(&l, n) < 0)
                        return -ENOMEM;
        }
        s = l ? strv_join(l, " ") : strdup("");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
