/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "unit-name.h"

bool unit_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        /* Bounded before anything else looks at it: it may come from D-Bus. */
        n = strnlen(name, UNIT_NAME_MAX + 1);
        if (n < 1 || n > UNIT_NAME_MAX)
                return false;
        /* Neither "." nor "..", nor something a command line takes for an option. */
        if (name[0] == '.' || name[0] == '-')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '.' || *p == '@' || *p == '-'))
                        return false;
        return true;
}
