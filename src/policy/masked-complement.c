/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "macro.h"
#include "masked-complement.h"

static int walk(const uint32_t *bad, size_t n_bad, uint32_t mask, uint32_t value,
                int (*emit)(uint32_t mask, uint32_t value, void *userdata), void *userdata) {
        uint32_t inside[MASKED_COMPLEMENT_MAX], agree_one = UINT32_MAX, agree_zero = UINT32_MAX, split = 0;
        size_t n = 0;
        int r;

        for (size_t i = 0; i < n_bad; i++)
                if ((bad[i] & mask) == value) {
                        if (n >= ELEMENTSOF(inside))
                                return -E2BIG;
                        inside[n++] = bad[i];
                        agree_one &= bad[i];
                        agree_zero &= ~bad[i];
                }
        if (n == 0)
                return emit(mask, value, userdata);
        if (mask == UINT32_MAX)
                return 0; /* the cube is one bad value */

        /* Highest free bit on which the bad values agree, else any free bit. */
        for (int b = 31; b >= 0; b--) {
                uint32_t bit = UINT32_C(1) << b;

                if (mask & bit)
                        continue;
                if ((agree_one | agree_zero) & bit) {
                        split = bit;
                        break;
                }
                if (!split)
                        split = bit;
        }

        r = walk(inside, n, mask | split, value, emit, userdata);
        if (r < 0)
                return r;
        return walk(inside, n, mask | split, value | split, emit, userdata);
}

int masked_complement(const uint32_t *bad, size_t n_bad,
                      int (*emit)(uint32_t mask, uint32_t value, void *userdata), void *userdata) {
        return walk(bad, n_bad, 0, 0, emit, userdata);
}
