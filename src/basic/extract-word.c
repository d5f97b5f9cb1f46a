/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "extract-word.h"
#include "macro.h"
#include "strv.h"

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* Decodes the escape at s (after the backslash); returns characters consumed. */
static int cunescape_one(const char *s, char *ret) {
        switch (s[0]) {
        case 'a': *ret = '\a'; return 1;
        case 'b': *ret = '\b'; return 1;
        case 'f': *ret = '\f'; return 1;
        case 'n': *ret = '\n'; return 1;
        case 'r': *ret = '\r'; return 1;
        case 't': *ret = '\t'; return 1;
        case 'v': *ret = '\v'; return 1;
        case 's': *ret = ' '; return 1;
        case '\\': case '"': case '\'': case ' ': case '$': case ';':
                *ret = s[0];
                return 1;
        case 'x': {
                int a = unhex(s[1]), b = a >= 0 ? unhex(s[2]) : -EINVAL;
                if (a < 0 || b < 0 || (a == 0 && b == 0))
                        return -EINVAL;
                *ret = (char) (a * 16 + b);
                return 3;
        }
        case '0' ... '7': {
                int v = 0;
                for (int i = 0; i < 3; i++) {
                        if (s[i] < '0' || s[i] > '7')
                                return -EINVAL;
                        v = v * 8 + (s[i] - '0');
                }
                if (v == 0 || v > 255)
                        return -EINVAL;
                *ret = (char) v;
                return 3;
        }
        default:
                return -EINVAL;
        }
}

int extract_first_word(const char **p, char **ret) {
        _cleanup_free_ char *w = NULL;
        const char *s = *p;
        size_t n = 0;
        char quote = 0;
        bool any = false;

        while (*s == ' ' || *s == '\t' || *s == '\n')
                s++;
        if (!*s) {
                *p = s;
                return 0;
        }

        w = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;

        for (; *s; s++) {
                if (!quote && (*s == ' ' || *s == '\t' || *s == '\n'))
                        break;
                if (*s == '\\') {
                        char c;
                        int k = cunescape_one(s + 1, &c);
                        if (k < 0)
                                return -EINVAL;
                        w[n++] = c;
                        s += k;
                        any = true;
                        continue;
                }
                if (quote) {
                        if (*s == quote)
                                quote = 0;
                        else
                                w[n++] = *s;
                        continue;
                }
                if (*s == '"' || *s == '\'') {
                        quote = *s;
                        any = true;
                        continue;
                }
                w[n++] = *s;
                any = true;
        }
        if (quote)
                return -EINVAL;

        w[n] = 0;
        *p = s;
        (void) any;
        *ret = TAKE_PTR(w);
        return 1;
}

int split_words(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (;;) {
                char *w;

                r = extract_first_word(&s, &w);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&l, w);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
