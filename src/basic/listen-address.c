/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "listen-address.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-table.h"
#include "string-util.h"

static const char *const listen_type_table[_LISTEN_TYPE_MAX] = {
        [LISTEN_STREAM] = "stream",
        [LISTEN_DATAGRAM] = "datagram",
        [LISTEN_SEQUENTIAL_PACKET] = "seqpacket",
};
DEFINE_STRING_TABLE_LOOKUP(listen_type, ListenType);

static const char *const bind_ipv6_only_table[_BIND_IPV6_ONLY_MAX] = {
        [BIND_IPV6_ONLY_DEFAULT] = "default",
        [BIND_IPV6_ONLY_BOTH] = "both",
        [BIND_IPV6_ONLY_IPV6_ONLY] = "ipv6-only",
};
DEFINE_STRING_TABLE_LOOKUP(bind_ipv6_only, BindIPv6Only);

int listen_type_to_socket_type(ListenType t) {
        return t == LISTEN_DATAGRAM ? SOCK_DGRAM : t == LISTEN_SEQUENTIAL_PACKET ? SOCK_SEQPACKET : SOCK_STREAM;
}

const char *listen_type_to_key(ListenType t) {
        return t == LISTEN_DATAGRAM ? "ListenDatagram"
               : t == LISTEN_SEQUENTIAL_PACKET ? "ListenSequentialPacket"
                                               : "ListenStream";
}

bool listen_path_is_forbidden(const char *path) {
        static const char *const kernel_fs[] = { "/proc", "/sys", "/dev" };

        for (size_t i = 0; i < ELEMENTSOF(kernel_fs); i++) {
                size_t n = strlen(kernel_fs[i]);

                if (strneq(path, kernel_fs[i], n) && (path[n] == 0 || path[n] == '/'))
                        return true;
        }
        return false;
}

_printf_(3, 4) static int fail(char *why, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

int listen_address_parse(const char *s, ListenAddress *ret, char *why, size_t why_size) {
        ListenAddress a = {};
        const char *colon;
        char host[INET6_ADDRSTRLEN + 1];
        int r;

        if (isempty(s))
                return fail(why, why_size, "empty address");

        if (s[0] == '/') {
                if (!path_is_normalized_absolute(s))
                        return fail(why, why_size, "socket path \"%s\" is not normalized", s);
                if (strlen(s) > LISTEN_PATH_MAX)
                        return fail(why, why_size, "socket path \"%s\" is longer than %zu bytes", s, LISTEN_PATH_MAX);
                if (listen_path_is_forbidden(s))
                        return fail(why, why_size, "socket path \"%s\" is under /proc, /sys or /dev", s);
                a.family = AF_UNIX;
                strcpy(a.path, s);
                *ret = a;
                return 0;
        }
        if (s[0] == '@')
                return fail(why, why_size, "abstract sockets (\"%s\") are not supported", s);

        if (s[0] == '[') {
                const char *end = strchr(s, ']');
                size_t n;

                if (!end || end[1] != ':')
                        return fail(why, why_size, "\"%s\" is not [IPV6]:PORT", s);
                n = (size_t) (end - s - 1);
                if (n == 0 || n >= sizeof(host))
                        return fail(why, why_size, "\"%s\" is not [IPV6]:PORT", s);
                memcpy(host, s + 1, n);
                host[n] = 0;
                if (inet_pton(AF_INET6, host, &a.in6) != 1)
                        return fail(why, why_size, "\"%s\" is not an IPv6 address", host);
                a.family = AF_INET6;
                colon = end + 1;
        } else if ((colon = strrchr(s, ':'))) {
                size_t n = (size_t) (colon - s);

                if (strchr(s, ':') != colon)
                        return fail(why, why_size, "IPv6 addresses are written [ADDRESS]:PORT, not \"%s\"", s);
                if (n == 0 || n >= sizeof(host))
                        return fail(why, why_size, "\"%s\" is not ADDRESS:PORT", s);
                memcpy(host, s, n);
                host[n] = 0;
                if (inet_pton(AF_INET, host, &a.in) != 1)
                        return fail(why, why_size, "\"%s\" is not an IPv4 address", host);
                a.family = AF_INET;
        } else {
                /* A port alone: every address, IPv6 and (BindIPv6Only=) IPv4. */
                a.family = AF_INET6;
                a.in6 = in6addr_any;
                a.port_only = true;
                r = parse_ip_port(s, &a.port);
                if (r == -ERANGE) {
                        (void) snprintf(why, why_size, "port %s is out of range (1-65535)", s);
                        return r;
                }
                if (r < 0)
                        return fail(why, why_size, "\"%s\" is not a port, ADDRESS:PORT, [IPV6]:PORT or an absolute path", s);
                *ret = a;
                return 0;
        }

        r = parse_ip_port(colon + 1, &a.port);
        if (r == -ERANGE) {
                (void) snprintf(why, why_size, "port %s is out of range (1-65535)", colon + 1);
                return r;
        }
        if (r < 0)
                return fail(why, why_size, "\"%s\" is not a port", colon + 1);
        /* "[::]:PORT" is what a port alone means, and how it is written back. */
        if (a.family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a.in6))
                a.port_only = true;
        *ret = a;
        return 0;
}

void listen_address_format(const ListenAddress *a, char buf[static LISTEN_ADDRESS_STRING_MAX]) {
        char host[INET6_ADDRSTRLEN];

        switch (a->family) {
        case AF_UNIX:
                (void) snprintf(buf, LISTEN_ADDRESS_STRING_MAX, "%s", a->path);
                return;
        case AF_INET:
                (void) inet_ntop(AF_INET, &a->in, host, sizeof(host));
                (void) snprintf(buf, LISTEN_ADDRESS_STRING_MAX, "%s:%u", host, a->port);
                return;
        default:
                (void) inet_ntop(AF_INET6, &a->in6, host, sizeof(host));
                (void) snprintf(buf, LISTEN_ADDRESS_STRING_MAX, "[%s]:%u", host, a->port);
                return;
        }
}

socklen_t listen_address_sockaddr(const ListenAddress *a, struct sockaddr_storage *ret) {
        memset(ret, 0, sizeof(*ret));
        switch (a->family) {
        case AF_UNIX: {
                struct sockaddr_un *un = (struct sockaddr_un *) ret;

                un->sun_family = AF_UNIX;
                memcpy(un->sun_path, a->path, strlen(a->path) + 1);
                return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(a->path) + 1);
        }
        case AF_INET: {
                struct sockaddr_in *in = (struct sockaddr_in *) ret;

                in->sin_family = AF_INET;
                in->sin_addr = a->in;
                in->sin_port = htons(a->port);
                return sizeof(*in);
        }
        default: {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;

                in6->sin6_family = AF_INET6;
                in6->sin6_addr = a->in6;
                in6->sin6_port = htons(a->port);
                return sizeof(*in6);
        }
        }
}

bool fd_name_is_valid(const char *s) {
        size_t n = 0;

        if (isempty(s))
                return false;
        for (; *s; s++, n++)
                if (*s < ' ' || *s > '~' || *s == ':')
                        return false;
        return n <= 255;
}
