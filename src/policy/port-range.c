/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <stdlib.h>

#include "extract-word.h"
#include "macro.h"
#include "parse-util.h"
#include "port-range.h"
#include "string-util.h"

static int parse_word(const char *w, PortRange *ret) {
        _cleanup_free_ char *first = NULL;
        const char *dash = strchr(w, '-');
        PortRange pr;
        int r;

        if (!dash) {
                r = parse_ip_port(w, &pr.first);
                if (r < 0)
                        return r;
                pr.last = pr.first;
        } else {
                first = strndup(w, (size_t) (dash - w));
                if (!first)
                        return -ENOMEM;
                r = parse_ip_port(first, &pr.first);
                if (r < 0)
                        return r;
                r = parse_ip_port(dash + 1, &pr.last);
                if (r < 0)
                        return r;
                if (pr.last < pr.first)
                        return -ERANGE;
        }
        *ret = pr;
        return 0;
}

int port_ranges_parse(const char *s, PortRange **ranges, size_t *n, char **ret_bad) {
        _cleanup_free_ PortRange *add = NULL;
        size_t n_add = 0;
        int r;

        for (const char *p = s;;) {
                _cleanup_free_ char *w = NULL;
                PortRange *grown;
                PortRange pr;

                r = extract_first_word(&p, &w);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = parse_word(w, &pr);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (ret_bad)
                                *ret_bad = TAKE_PTR(w);
                        return r;
                }
                grown = reallocarray(add, n_add + 1, sizeof(PortRange));
                if (!grown)
                        return -ENOMEM;
                add = grown;
                add[n_add++] = pr;
        }
        if (n_add > 0) {
                PortRange *all = reallocarray(*ranges, *n + n_add, sizeof(PortRange));

                if (!all)
                        return -ENOMEM;
                memcpy(all + *n, add, n_add * sizeof(PortRange));
                *ranges = all;
                *n += n_add;
        }
        return 0;
}

bool port_ranges_contain(const PortRange *ranges, size_t n, uint16_t port) {
        for (size_t i = 0; i < n; i++)
                if (port >= ranges[i].first && port <= ranges[i].last)
                        return true;
        return false;
}

int port_ranges_to_string(const PortRange *ranges, size_t n, char **ret) {
        char *s = strdup("");

        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char *t;
                int k;

                if (ranges[i].first == ranges[i].last)
                        k = asprintf(&t, "%s%s%u", s, i > 0 ? " " : "", ranges[i].first);
                else
                        k = asprintf(&t, "%s%s%u-%u", s, i > 0 ? " " : "", ranges[i].first, ranges[i].last);
                free(s);
                if (k < 0)
                        return -ENOMEM;
                s = t;
        }
        *ret = s;
        return 0;
}
