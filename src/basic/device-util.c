/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device-util.h"
#include "extract-word.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

int device_access_from_string(const char *s, unsigned *ret) {
        unsigned a = 0;

        if (isempty(s))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                unsigned bit = *p == 'r' ? DEVICE_ACCESS_READ : *p == 'w' ? DEVICE_ACCESS_WRITE :
                               *p == 'm' ? DEVICE_ACCESS_MKNOD : 0;

                if (bit == 0 || (a & bit))
                        return -EINVAL;
                a |= bit;
        }
        *ret = a;
        return 0;
}

const char *device_access_to_string(unsigned access, char buf[static DEVICE_ACCESS_STRING_MAX]) {
        size_t n = 0;

        if (access & DEVICE_ACCESS_READ)
                buf[n++] = 'r';
        if (access & DEVICE_ACCESS_WRITE)
                buf[n++] = 'w';
        if (access & DEVICE_ACCESS_MKNOD)
                buf[n++] = 'm';
        buf[n] = 0;
        return buf;
}

bool device_spec_is_valid(const char *spec) {
        const char *name;

        if (startswith(spec, "/dev/"))
                return path_is_normalized_absolute(spec) && strlen(spec) < 4096;

        name = startswith(spec, "char-") ?: startswith(spec, "block-");
        if (!name || isempty(name) || strlen(name) > 64)
                return false;
        if (streq(name, "*"))
                return true;
        /* Driver names as /proc/devices lists them ("pts", "cpu/cpuid", "ttyS"). */
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("-_./", *p))
                        return false;
        return true;
}

int device_allow_parse(const char *v, char **ret_spec, unsigned *ret_access) {
        _cleanup_strv_free_ char **words = NULL;
        unsigned access = DEVICE_ACCESS_ALL;
        char *spec;
        int r;

        r = split_words(v, &words);
        if (r < 0)
                return r;
        if (strv_length(words) < 1 || strv_length(words) > 2 || !device_spec_is_valid(words[0]))
                return -EINVAL;
        if (words[1] && device_access_from_string(words[1], &access) < 0)
                return -EINVAL;
        spec = strdup(words[0]);
        if (!spec)
                return -ENOMEM;
        *ret_spec = spec;
        *ret_access = access;
        return 0;
}

int device_allow_append(DeviceAllow **list, size_t *n, const char *v, const char *file, unsigned line) {
        _cleanup_free_ char *spec = NULL, *f = NULL;
        DeviceAllow *l;
        unsigned access;
        int r;

        r = device_allow_parse(v, &spec, &access);
        if (r < 0)
                return r;
        if (*n >= DEVICE_ALLOW_MAX)
                return -E2BIG;
        f = strdup(file);
        if (!f)
                return -ENOMEM;
        l = reallocarray(*list, *n + 1, sizeof(DeviceAllow));
        if (!l)
                return -ENOMEM;
        *list = l;
        l[(*n)++] = (DeviceAllow) {
                .spec = TAKE_PTR(spec),
                .access = access,
                .file = TAKE_PTR(f),
                .line = line,
        };
        return 0;
}

void device_allow_free_all(DeviceAllow **list, size_t *n) {
        for (size_t i = 0; i < *n; i++) {
                free((*list)[i].spec);
                free((*list)[i].file);
        }
        *list = mfree(*list);
        *n = 0;
}
