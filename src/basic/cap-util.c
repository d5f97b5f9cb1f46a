/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <stdio.h>
#include <sys/capability.h>

#include "cap-util.h"
#include "macro.h"
#include "strv.h"

unsigned cap_last(void) {
        /* libcap's compiled-in table, not the running kernel's: the plan
         * must not depend on where it is compiled. */
        return CAP_LAST_CAP;
}

int capability_from_name(const char *name) {
        cap_value_t v;
        char lower[64];
        size_t l = strlen(name);

        /* libcap accepts "cap_chown" and bare numbers; we want the exact
         * spelling of capabilities(7), so a reviewer greps one name. */
        if (l < 5 || l >= sizeof(lower) || !strneq(name, "CAP_", 4))
                return -EINVAL;
        for (size_t i = 0; i <= l; i++) {
                if (name[i] && !(isupper((unsigned char) name[i]) || isdigit((unsigned char) name[i]) || name[i] == '_'))
                        return -EINVAL;
                lower[i] = (char) tolower((unsigned char) name[i]);
        }
        if (cap_from_name(lower, &v) < 0)
                return -EINVAL;
        if (v < 0 || (unsigned) v > cap_last())
                return -EINVAL;
        return (int) v;
}

const char *capability_to_name(unsigned cap, char buf[static 64]) {
        char *n = cap_to_name((cap_value_t) cap);

        if (!n) {
                (void) snprintf(buf, 64, "CAP_%u", cap);
                return buf;
        }
        (void) snprintf(buf, 64, "%s", n);
        for (char *p = buf; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        cap_free(n);
        return buf;
}

int capability_mask_from_string(const char *s, uint64_t *ret, char **reterr_word) {
        _cleanup_free_ char *c = strdup(s);
        uint64_t mask = 0;
        char *save = NULL;

        if (!c)
                return -ENOMEM;
        for (char *w = strtok_r(c, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                int v = capability_from_name(w);
                if (v < 0) {
                        if (reterr_word)
                                *reterr_word = strdup(w);
                        return -EINVAL;
                }
                mask |= UINT64_C(1) << v;
        }
        *ret = mask;
        return 0;
}

int capability_mask_to_string(uint64_t mask, char **ret) {
        _cleanup_strv_free_ char **l = NULL;
        char buf[64], *s;

        for (unsigned c = 0; c <= cap_last() && c < 64; c++)
                if (mask & (UINT64_C(1) << c))
                        if (strv_extend(&l, capability_to_name(c, buf)) < 0)
                                return -ENOMEM;
        s = l ? strv_join(l, " ") : strdup("");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
