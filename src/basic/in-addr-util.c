/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "in-addr-util.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

int in4_addr_from_string(const char *s, struct in_addr *ret) {
        struct in_addr a;

        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = a;
        return 0;
}

/* Splits "ADDR/N" into buf (the address) and the length, max when absent. */
static int split_prefix(const char *s, char *buf, size_t size, unsigned max, unsigned *ret_len) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t) (slash - s) : strlen(s);
        unsigned len = max;

        if (n == 0 || n >= size)
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (slash) {
                const char *d = slash + 1;

                if (*d < '0' || *d > '9' || strlen(d) > 3 || (d[0] == '0' && d[1]))
                        return -EINVAL;
                len = 0;
                for (; *d; d++) {
                        if (*d < '0' || *d > '9')
                                return -EINVAL;
                        len = len * 10 + (unsigned) (*d - '0');
                }
                if (len > max)
                        return -ERANGE;
        }
        *ret_len = len;
        return 0;
}

int in4_prefix_from_string(const char *s, bool allow_host_bits, struct in_addr *ret_addr, unsigned *ret_prefixlen) {
        char buf[INET_ADDRSTRLEN];
        struct in_addr a;
        unsigned len;
        int r;

        if (!s)
                return -EINVAL;
        r = split_prefix(s, buf, sizeof(buf), 32, &len);
        if (r < 0)
                return r;
        if (inet_pton(AF_INET, buf, &a) != 1)
                return -EINVAL;
        if (!allow_host_bits && (ntohl(a.s_addr) & ~in4_netmask(len)))
                return -EDOM;
        *ret_addr = a;
        *ret_prefixlen = len;
        return 0;
}

int in6_prefix_from_string(const char *s, bool allow_host_bits, struct in6_addr *ret_addr, unsigned *ret_prefixlen) {
        char buf[INET6_ADDRSTRLEN];
        struct in6_addr a;
        unsigned len;
        int r;

        if (!s)
                return -EINVAL;
        r = split_prefix(s, buf, sizeof(buf), 128, &len);
        if (r < 0)
                return r;
        if (inet_pton(AF_INET6, buf, &a) != 1)
                return -EINVAL;
        if (!allow_host_bits)
                for (unsigned bit = len; bit < 128; bit++)
                        if (a.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
                                return -EDOM;
        *ret_addr = a;
        *ret_prefixlen = len;
        return 0;
}

bool in4_prefix_contains(struct in_addr net, unsigned prefixlen, struct in_addr a) {
        uint32_t m = in4_netmask(prefixlen);

        return (ntohl(net.s_addr) & m) == (ntohl(a.s_addr) & m);
}

bool in4_prefix_overlaps(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen) {
        unsigned len = alen < blen ? alen : blen;

        return in4_prefix_contains(a, len, b);
}

bool ifname_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n >= 16 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f || *c == '/' || *c == ':')
                        return false;
        return true;
}

/* An IPv4 or IPv6 address with an optional /LEN, host bits allowed. The
 * family is told by a ':' so that a length out of range is -ERANGE, not
 * "not an address". IPv4 goes into the first four bytes of *ret. */
static int prefix_parse(const char *s, int *ret_family, struct in6_addr *ret, unsigned *ret_len) {
        struct in6_addr a = {};
        struct in_addr a4;
        unsigned len;
        int r;

        if (strchr(s, ':')) {
                r = in6_prefix_from_string(s, true, &a, &len);
                if (r < 0)
                        return r == -ERANGE ? r : -EINVAL;
                *ret_family = AF_INET6;
        } else {
                r = in4_prefix_from_string(s, true, &a4, &len);
                if (r < 0)
                        return r == -ERANGE ? r : -EINVAL;
                memcpy(a.s6_addr, &a4, sizeof(a4));
                *ret_family = AF_INET;
        }
        *ret = a;
        *ret_len = len;
        return 0;
}

static void prefix_mask(struct in6_addr *a, unsigned len, unsigned bits) {
        for (unsigned bit = len; bit < bits; bit++)
                a->s6_addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

int ip_prefix_word_expand(const char *word, char ***l) {
        static const struct {
                const char *name;
                const char *prefixes[2];
        } words[] = {
                { "any", { "0.0.0.0/0", "::/0" } },
                { "localhost", { "127.0.0.0/8", "::1/128" } },
                { "link-local", { "169.254.0.0/16", "fe80::/64" } },
                { "multicast", { "224.0.0.0/4", "ff00::/8" } },
        };
        char buf[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
        struct in6_addr a;
        unsigned len;
        int family, r;

        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (streq(word, words[i].name)) {
                        for (size_t j = 0; j < 2; j++)
                                if (strv_extend(l, words[i].prefixes[j]) < 0)
                                        return -ENOMEM;
                        return 0;
                }
        r = prefix_parse(word, &family, &a, &len);
        if (r < 0)
                return r;
        /* Host bits are allowed, as systemd does, and dropped. */
        prefix_mask(&a, len, family == AF_INET ? 32 : 128);
        snprintf(buf, sizeof(buf), "%s/%u", inet_ntop(family, &a, addr, sizeof(addr)), len);
        return strv_extend(l, buf) < 0 ? -ENOMEM : 0;
}

bool ip_prefix_within(const char *inner, const char *outer) {
        struct in6_addr a, b;
        unsigned alen, blen;
        int af, bf;

        if (prefix_parse(inner, &af, &a, &alen) < 0 || prefix_parse(outer, &bf, &b, &blen) < 0 || af != bf || alen < blen)
                return false;
        prefix_mask(&a, blen, af == AF_INET ? 32 : 128);
        prefix_mask(&b, blen, af == AF_INET ? 32 : 128);
        return memcmp(&a, &b, sizeof(a)) == 0;
}
