/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        if (!value)
                return -ENOMEM;
        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

int strv_extend_strv(char ***a, char * const *b) {
        int r;

        for (char * const *s = b; s && *s; s++) {
                r = strv_extend(a, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

char **strv_copy(char * const *l) {
        _cleanup_strv_free_ char **c = NULL;

        c = calloc(1, sizeof(char *));
        if (!c)
                return NULL;
        if (strv_extend_strv(&c, l) < 0)
                return NULL;
        return TAKE_PTR(c);
}

bool strv_contains(char * const *l, const char *s) {
        for (char * const *i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

char *strv_join(char * const *l, const char *sep) {
        size_t n = 0, k = strlen(sep);
        char *r, *p;

        for (char * const *i = l; i && *i; i++)
                n += strlen(*i) + k;
        r = malloc(n + 1);
        if (!r)
                return NULL;
        p = r;
        *p = 0;
        for (char * const *i = l; i && *i; i++) {
                if (i != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *i);
        }
        return r;
}

char *strv_join_or(const char *const *l, size_t n) {
        size_t len = 0, k = 0, left;
        char *r, *p;

        for (size_t i = 0; i < n; i++)
                if (l[i]) {
                        len += strlen(l[i]) + 4;        /* ", " or " or " before it */
                        k++;
                }
        r = malloc(len + 1);
        if (!r)
                return NULL;
        p = r;
        *p = 0;
        left = k;
        for (size_t i = 0; i < n; i++) {
                if (!l[i])
                        continue;
                if (left < k)
                        p = stpcpy(p, left == 1 ? " or " : ", ");
                p = stpcpy(p, l[i]);
                left--;
        }
        return r;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

void strv_sort(char **l) {
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
}

static size_t env_name_len(const char *a) {
        const char *eq = strchr(a, '=');
        return eq ? (size_t) (eq - a) : strlen(a);
}

int strv_env_set(char ***l, const char *assignment) {
        size_t k = env_name_len(assignment);

        for (char **i = *l; i && *i; i++)
                if (env_name_len(*i) == k && strneq(*i, assignment, k)) {
                        char *c = strdup(assignment);
                        if (!c)
                                return -ENOMEM;
                        free(*i);
                        *i = c;
                        return 0;
                }
        return strv_extend(l, assignment);
}

const char *strv_env_get(char * const *l, const char *name) {
        size_t k = strlen(name);

        for (char * const *i = l; i && *i; i++)
                if (strneq(*i, name, k) && (*i)[k] == '=')
                        return *i + k + 1;
        return NULL;
}
