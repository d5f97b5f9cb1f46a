/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "af-util.h"
#include "cap-util.h"
#include "conf-values.h"
#include "in-addr-util.h"
#include "namespace-util.h"
#include "string-util.h"
#include "strv.h"

int conf_parse_namespace_mask(ConfContext *c, const char *v, uint64_t *mask) {
        _cleanup_free_ char *bad = NULL;
        const char *const *names;
        uint64_t m;
        size_t n;
        int r;

        if (isempty(v)) {
                *mask = 0;
                return 0;
        }
        r = namespace_mask_from_string(v, &m, &bad);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                names = namespace_type_names(&n);
                return conf_error_unknown(c, "Unknown namespace type", strna(bad), names, n);
        }
        *mask |= m;
        return 0;
}

int conf_parse_capability_mask(ConfContext *c, const char *v, uint64_t *mask) {
        _cleanup_free_ char *bad = NULL;
        uint64_t m;
        int r;

        if (isempty(v)) {
                *mask = 0;
                return 0;
        }
        r = capability_mask_from_string(v, &m, &bad);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_error(c, "Unknown capability \"%s\" (names as in capabilities(7), e.g. CAP_NET_BIND_SERVICE).",
                                  strna(bad));
        *mask |= m;
        return 0;
}

int conf_parse_address_family_mask(ConfContext *c, const char *v, uint64_t *ret) {
        _cleanup_free_ char *bad = NULL;
        const char *hint;
        uint64_t m;
        int r;

        r = af_mask_from_string(v, &m, &bad);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && m != 0) {
                *ret = m;
                return 0;
        }
        if (!bad)
                return conf_error(c, "Expected address family names after \"~\".");
        hint = af_closest_name(bad);
        if (hint)
                return conf_error(c, "Unknown address family \"%s\"; did you mean \"%s\"?", bad, hint);
        return conf_error(c, "Unknown address family \"%s\" (names as in address_families(7), e.g. AF_UNIX AF_INET "
                          "AF_INET6, or none).", bad);
}

int conf_parse_device_allow(ConfContext *c, const char *v, DeviceAllow **list, size_t *n) {
        int r;

        if (isempty(v)) {
                device_allow_free_all(list, n);
                return 0;
        }
        r = device_allow_append(list, n, v, c->file, c->line);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                return conf_error(c, "Too many %s= entries (at most %d).", c->key, DEVICE_ALLOW_MAX);
        if (r < 0)
                return conf_error(c, "Invalid device \"%s\", expected /dev/NODE, char-NAME, block-NAME, char-* or block-*, "
                                  "then optionally the access letters r, w, m (e.g. \"/dev/fuse rw\").", v);
        return 0;
}

int conf_parse_ip_prefixes(ConfContext *c, const char *v, char ***l) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = conf_parse_strv(c, v, &words);
        if (r < 0)
                return r;
        if (isempty(v))
                *l = strv_free(*l);
        STRV_FOREACH(w, words) {
                r = ip_prefix_word_expand(*w, l);
                if (r == -ENOMEM)
                        return r;
                if (r == -ERANGE)
                        return conf_error(c, "Prefix length of \"%s\" is out of range (at most 32 for IPv4, 128 for IPv6).", *w);
                if (r < 0)
                        return conf_error(c, "Invalid address or prefix \"%s\": expected any, localhost, link-local, "
                                          "multicast, or an IPv4 or IPv6 address or prefix.", *w);
        }
        return 0;
}
