/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <stdio.h>
#include <sys/capability.h>

#include "cap-util.h"
#include "macro.h"
#include "mask-util.h"

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

        /* libcap allocates the name; a number instead would be a wrong plan. */
        if (!n)
                return NULL;
        (void) snprintf(buf, 64, "%s", n);
        for (char *p = buf; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        cap_free(n);
        return buf;
}

int capability_mask_from_string(const char *s, uint64_t *ret, char **reterr_word) {
        return mask_from_words(s, capability_from_name, ret, reterr_word);
}

int capability_mask_to_string(uint64_t mask, char **ret) {
        return mask_to_words(mask, cap_last() + 1, capability_to_name, ret);
}
