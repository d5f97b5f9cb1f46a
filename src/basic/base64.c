/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>

#include "base64.h"
#include "macro.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const void *data, size_t size, char **ret) {
        const uint8_t *d = data;
        char *r, *p;

        if (size > SIZE_MAX / 4 - 4)
                return -ENOMEM;
        r = malloc(DIV_ROUND_UP(size, 3) * 4 + 1);
        if (!r)
                return -ENOMEM;
        p = r;
        for (size_t i = 0; i < size; i += 3) {
                uint32_t v = (uint32_t) d[i] << 16;
                if (i + 1 < size)
                        v |= (uint32_t) d[i + 1] << 8;
                if (i + 2 < size)
                        v |= d[i + 2];
                *p++ = alphabet[(v >> 18) & 63];
                *p++ = alphabet[(v >> 12) & 63];
                *p++ = i + 1 < size ? alphabet[(v >> 6) & 63] : '=';
                *p++ = i + 2 < size ? alphabet[v & 63] : '=';
        }
        *p = 0;
        *ret = r;
        return 0;
}

static int unbase64(char c) {
        const char *p = c ? strchr(alphabet, c) : NULL;
        return p ? (int) (p - alphabet) : -EINVAL;
}

int base64_decode(const char *s, void **ret, size_t *ret_size) {
        size_t l = strlen(s), n = 0;
        _cleanup_free_ uint8_t *r = NULL;

        if (l % 4 != 0)
                return -EINVAL;
        r = malloc(l / 4 * 3 + 1);
        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i < l; i += 4) {
                int a = unbase64(s[i]), b = unbase64(s[i + 1]), c, d;
                bool last = i + 4 == l;

                if (a < 0 || b < 0)
                        return -EINVAL;
                r[n++] = (uint8_t) ((a << 2) | (b >> 4));
                if (last && s[i + 2] == '=') {
                        if (s[i + 3] != '=')
                                return -EINVAL;
                        break;
                }
                c = unbase64(s[i + 2]);
                if (c < 0)
                        return -EINVAL;
                r[n++] = (uint8_t) (((b & 15) << 4) | (c >> 2));
                if (last && s[i + 3] == '=')
                        break;
                d = unbase64(s[i + 3]);
                if (d < 0)
                        return -EINVAL;
                r[n++] = (uint8_t) (((c & 3) << 6) | d);
        }
        *ret = TAKE_PTR(r);
        *ret_size = n;
        return 0;
}
