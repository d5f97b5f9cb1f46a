/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The address of one listening socket, as systemd.socket(5) writes it
 * after ListenStream= and friends: "8080" (every address, IPv6 and IPv4),
 * "127.0.0.1:8080", "[::1]:8080", or an absolute path for an AF_UNIX
 * socket. Shared by the unit parser (syntax), the compiler (ceilings),
 * the plan (its canonical text) and the launcher (the sockaddr). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "string-table.h"

/* sizeof(sun_path) less the NUL: the kernel takes no longer path. */
#define LISTEN_PATH_MAX (sizeof(((struct sockaddr_un *) 0)->sun_path) - 1)
/* "[" + the longest IPv6 text + "]:" + 5 digits, or a path, and a NUL. */
#define LISTEN_ADDRESS_STRING_MAX 128

typedef struct ListenAddress {
        int family;             /* AF_INET, AF_INET6 or AF_UNIX */
        bool port_only;         /* written as a port alone: [::] with IPv4 too */
        struct in_addr in;
        struct in6_addr in6;
        uint16_t port;          /* 1..65535 for AF_INET and AF_INET6 */
        char path[LISTEN_PATH_MAX + 1]; /* AF_UNIX: absolute and normalized */
} ListenAddress;

/* 0, or -EINVAL (not an address; "why" says what is wrong, at least 128
 * bytes), -ERANGE (port out of range). */
int listen_address_parse(const char *s, ListenAddress *ret, char *why, size_t why_size);
/* "[::]:8080", "127.0.0.1:8080", "[::1]:8080", "/run/web.sock": the
 * canonical text, which parses back to the same address (a port alone
 * becomes "[::]:PORT", and then keeps port_only). */
void listen_address_format(const ListenAddress *a, char buf[static LISTEN_ADDRESS_STRING_MAX]);
/* The sockaddr to bind(2). */
socklen_t listen_address_sockaddr(const ListenAddress *a, struct sockaddr_storage *ret);
/* Is path under /proc, /sys or /dev (kernel file systems where a socket
 * file has no business)? */
bool listen_path_is_forbidden(const char *path);

/* ListenStream= and friends: the socket(2) type of a key, and back. */
typedef enum ListenType {
        LISTEN_STREAM,
        LISTEN_DATAGRAM,
        LISTEN_SEQUENTIAL_PACKET,
        _LISTEN_TYPE_MAX,
        _LISTEN_TYPE_INVALID = -22,
} ListenType;
/* "stream", "datagram", "seqpacket" */
DECLARE_STRING_TABLE_LOOKUP(listen_type, ListenType);
int listen_type_to_socket_type(ListenType t);           /* SOCK_STREAM ... */
const char *listen_type_to_key(ListenType t);           /* "ListenStream" ... */

/* BindIPv6Only=: default (the kernel's net.ipv6.bindv6only), both, ipv6-only. */
typedef enum BindIPv6Only {
        BIND_IPV6_ONLY_DEFAULT,
        BIND_IPV6_ONLY_BOTH,
        BIND_IPV6_ONLY_IPV6_ONLY,
        _BIND_IPV6_ONLY_MAX,
        _BIND_IPV6_ONLY_INVALID = -22,
} BindIPv6Only;
DECLARE_STRING_TABLE_LOOKUP(bind_ipv6_only, BindIPv6Only);

/* FileDescriptorName=: what LISTEN_FDNAMES can carry (systemd's rule:
 * 1..255 printable ASCII characters, no ':'). */
bool fd_name_is_valid(const char *s);
