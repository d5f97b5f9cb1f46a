/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "macro.h"
#include "path-util.h"
#include "string-util.h"

bool path_is_normalized_absolute(const char *p) {
        if (!path_is_absolute(p))
                return false;
        if (string_has_cc(p))
                return false;
        if (strstr(p, "//"))
                return false;
        if (streq(p, "/"))
                return true;
        if (endswith(p, "/"))
                return false;
        for (const char *c = p; c && *c;) {
                const char *n;
                size_t l;

                c++; /* skip '/' */
                n = strchr(c, '/');
                l = n ? (size_t) (n - c) : strlen(c);
                if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c = n;
        }
        return true;
}

char *path_simplify(char *p) {
        bool absolute;
        char *w;

        if (!p)
                return NULL;
        absolute = p[0] == '/';
        w = p;
        for (const char *r = p; *r;) {
                const char *e;
                size_t l;

                while (*r == '/')
                        r++;
                e = strchrnul(r, '/');
                l = (size_t) (e - r);
                if (l == 0 || (l == 1 && r[0] == '.')) {
                        r = e;
                        continue;
                }
                if (w != p || absolute)
                        *w++ = '/';
                memmove(w, r, l);
                w += l;
                r = e;
        }
        if (w == p && absolute)
                *w++ = '/';
        *w = 0;
        return p;
}

const char *path_basename(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

char *path_join(const char *a, const char *b) {
        if (endswith(a, "/"))
                return strjoin(a, b[0] == '/' ? b + 1 : b);
        return strjoin(a, b[0] == '/' ? "" : "/", b);
}

bool filename_is_valid(const char *s) {
        return !isempty(s) && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") && !string_has_cc(s);
}
