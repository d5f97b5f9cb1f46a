/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* IPv4 and IPv6 addresses and prefixes as unit, policy and config files
 * write them. Pure parsing: nothing is resolved by name. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* "10.89.0.7": dotted quad only (inet_pton's strict form). */
int in4_addr_from_string(const char *s, struct in_addr *ret);
/* "10.89.0.0/16"; without "/N" a host (/32). The host bits must be 0
 * unless allow_host_bits. */
int in4_prefix_from_string(const char *s, bool allow_host_bits, struct in_addr *ret_addr, unsigned *ret_prefixlen);
int in6_prefix_from_string(const char *s, bool allow_host_bits, struct in6_addr *ret_addr, unsigned *ret_prefixlen);

/* Host-order netmask of a prefix length (0..32). */
static inline uint32_t in4_netmask(unsigned prefixlen) {
        return prefixlen == 0 ? 0 : UINT32_MAX << (32 - prefixlen);
}
bool in4_prefix_contains(struct in_addr net, unsigned prefixlen, struct in_addr a);
bool in4_prefix_overlaps(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen);

/* A network interface name the kernel takes: 1-15 bytes, no '/', ':',
 * whitespace or control characters, not "." or "..". */
bool ifname_is_valid(const char *s);

/* One word of IPAddressAllow=/IPAddressDeny= (systemd's syntax: "any",
 * "localhost", "link-local", "multicast", an IPv4 or IPv6 address or
 * prefix) appended to *l as canonical prefixes ("10.0.0.0/8", "::1/128"),
 * host bits dropped. -ERANGE for a prefix length beyond 32 or 128,
 * -EINVAL for anything else. */
int ip_prefix_word_expand(const char *word, char ***l);
/* Is the canonical prefix inner within outer? (false across families) */
bool ip_prefix_within(const char *inner, const char *outer);
