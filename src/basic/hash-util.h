/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* FNV-1a: small and good enough to spread names over hash slots. Not for
 * anything an attacker can aim at (nothing here is). */
static inline uint32_t fnv1a_32(const char *s) {
        uint32_t h = UINT32_C(2166136261);

        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * UINT32_C(16777619);
        return h;
}
