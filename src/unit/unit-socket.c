/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* [Socket]: systemd.socket(5)'s keys for socket activation, as systemd
 * reads them. The addresses are checked for syntax here; ports against
 * the policy and owners against the host's users by the compiler. */

#include <stdlib.h>

#include "parse-util.h"
#include "string-util.h"
#include "unit.h"

static void listens_clear(UnitSocket *s) {
        for (size_t i = 0; i < s->n_listens; i++)
                free(s->listens[i].file);
        s->listens = mfree(s->listens);
        s->n_listens = 0;
}

void unit_socket_done(UnitSocket *s) {
        listens_clear(s);
        free(s->fd_name);
        free(s->user);
        free(s->group);
        free(s->loc_user.file);
        free(s->loc_group.file);
        free(s->loc_mode.file);
}

/* The service gets one fd per address; systemd stops far below this too. */
#define UNIT_LISTEN_MAX 64

int unit_parse_listen(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        ListenType type = streq(c->key, "ListenDatagram") ? LISTEN_DATAGRAM
                          : streq(c->key, "ListenSequentialPacket") ? LISTEN_SEQUENTIAL_PACKET
                                                                    : LISTEN_STREAM;
        ListenAddress a;
        UnitListen *n;
        char why[256];
        int r;

        /* As systemd: an empty assignment to any of the three resets them all. */
        if (isempty(v)) {
                listens_clear(s);
                return 0;
        }
        r = listen_address_parse(v, &a, why, sizeof(why));
        if (r < 0)
                return conf_error(c, "Invalid address \"%s\": %s.", v, why);
        if (a.family != AF_UNIX && type == LISTEN_SEQUENTIAL_PACKET)
                return conf_error(c, "Sequential packet sockets are AF_UNIX only; \"%s\" is not an absolute path.", v);
        for (size_t i = 0; i < s->n_listens; i++)
                if (s->listens[i].type == type && !memcmp(&s->listens[i].address, &a, sizeof(a)))
                        return conf_error(c, "\"%s\" is listed already (%s:%u).", v, s->listens[i].file,
                                          s->listens[i].line);
        if (s->n_listens >= UNIT_LISTEN_MAX)
                return conf_error(c, "Too many listening sockets (at most %d).", UNIT_LISTEN_MAX);

        n = reallocarray(s->listens, s->n_listens + 1, sizeof(UnitListen));
        if (!n)
                return -ENOMEM;
        s->listens = n;
        s->listens[s->n_listens] = (UnitListen) {
                .type = type,
                .address = a,
                .file = strdup(c->file),
                .line = c->line,
        };
        if (!s->listens[s->n_listens].file)
                return -ENOMEM;
        s->n_listens++;
        return 0;
}

int unit_parse_fd_name(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        char *n = NULL;

        if (!isempty(v)) {
                if (!fd_name_is_valid(v))
                        return conf_error(c, "Invalid name \"%s\": 1 to 255 printable ASCII characters, no ':'.", v);
                n = strdup(v);
                if (!n)
                        return -ENOMEM;
        }
        free(s->fd_name);
        s->fd_name = n;
        return 0;
}

int unit_parse_backlog(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        unsigned b;

        if (isempty(v)) {
                s->backlog = 0;
                return 0;
        }
        if (safe_atou(v, &b) < 0 || b == 0 || b > INT32_MAX)
                return conf_error(c, "Invalid backlog \"%s\": expected a number from 1 to %d.", v, INT32_MAX);
        s->backlog = b;
        return 0;
}

int unit_parse_bind_ipv6_only(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        BindIPv6Only b;

        if (isempty(v)) {
                s->bind_ipv6_only = BIND_IPV6_ONLY_DEFAULT;
                return 0;
        }
        b = bind_ipv6_only_from_string(v);
        if (b < 0)
                return conf_error(c, "Invalid value \"%s\": expected default, both or ipv6-only.", v);
        s->bind_ipv6_only = b;
        return 0;
}

/* SocketUser=, SocketGroup=: names or ids of the host (the socket file
 * is the host's); the compiler resolves them. */
int unit_parse_socket_owner(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        bool group = streq(c->key, "SocketGroup");
        char **field = group ? &s->group : &s->user, *n = NULL;
        uid_t id;
        int r;

        if (!isempty(v)) {
                if (parse_uid(v, &id) < 0 && !user_name_is_valid(v))
                        return conf_error(c, "Invalid %s \"%s\": expected a name or a numeric id of the host.",
                                          group ? "group" : "user", v);
                n = strdup(v);
                if (!n)
                        return -ENOMEM;
        }
        r = unit_set_location(c, group ? &s->loc_group : &s->loc_user);
        if (r < 0) {
                free(n);
                return r;
        }
        free(*field);
        *field = n;
        return 0;
}

int unit_parse_socket_mode(ConfContext *c, const char *v, void *data) {
        UnitSocket *s = &unit_of(c)->socket;
        char *end;
        long m;

        if (isempty(v)) {
                s->mode = -1;
                return 0;
        }
        errno = 0;
        m = strtol(v, &end, 8);
        if (errno != 0 || *end != 0 || end == v || v[0] == '-' || v[0] == '+' || m < 0 || m > 07777)
                return conf_error(c, "Invalid mode \"%s\": expected an octal mode such as 0660.", v);
        /* setuid, setgid and sticky mean nothing on a socket. */
        if (m & 07000)
                return conf_error(c, "Invalid mode \"%s\": a socket takes permission bits only (0000-0777).", v);
        s->mode = (int) m;
        return unit_set_location(c, &s->loc_mode);
}

int unit_parse_accept(ConfContext *c, const char *v, void *data) {
        int b;

        if (isempty(v))
                return 0;
        b = parse_boolean(v);
        if (b < 0)
                return conf_error(c, "Invalid boolean \"%s\".", v);
        if (b > 0)
                return conf_error(c, "Accept=yes is not supported: the service gets the listening sockets and "
                                  "accepts connections itself (Accept=no).");
        return 0;
}
