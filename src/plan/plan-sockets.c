/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include "parse-util.h"
#include "plan-sockets.h"
#include "port-range.h"
#include "string-util.h"

/* systemd's default mode for socket files. */
#define SOCKET_MODE_DEFAULT 0666

/* A host id by name or number: the socket file is the host's, so the
 * image's /etc/passwd has no say. */
static int resolve_owner(const char *s, bool group, uint32_t *ret) {
        uid_t id;

        if (parse_uid(s, &id) >= 0) {
                *ret = id;
                return 0;
        }
        if (group) {
                struct group *g = getgrnam(s);

                if (!g)
                        return -ENOENT;
                *ret = g->gr_gid;
        } else {
                struct passwd *pw = getpwnam(s);

                if (!pw)
                        return -ENOENT;
                *ret = pw->pw_uid;
        }
        return 0;
}

static const char *loc_file(const Unit *u, const UnitLocation *l) {
        return l->file ?: u->path;
}

int plan_compile_sockets(const Unit *u, const Policy *pol, Plan *p, Diagnostics *diags) {
        const UnitSocket *us = &u->socket;
        uint32_t uid = 0, gid = 0;
        int failed = 0;

        if (us->n_listens == 0)
                return 0;

        if (us->user && resolve_owner(us->user, false, &uid) < 0) {
                failed = -EINVAL;
                (void) diag_add(diags, loc_file(u, &us->loc_user), us->loc_user.line, "SocketUser",
                                "No user \"%s\" on this host.", us->user);
        }
        if (us->group && resolve_owner(us->group, true, &gid) < 0) {
                failed = -EINVAL;
                (void) diag_add(diags, loc_file(u, &us->loc_group), us->loc_group.line, "SocketGroup",
                                "No group \"%s\" on this host.", us->group);
        }

        p->sockets = calloc(us->n_listens, sizeof(PlanSocket));
        if (!p->sockets)
                return -ENOMEM;
        for (size_t i = 0; i < us->n_listens; i++) {
                const UnitListen *l = &us->listens[i];
                PlanSocket *ps = &p->sockets[i];
                char text[LISTEN_ADDRESS_STRING_MAX];

                listen_address_format(&l->address, text);
                if (l->address.family != AF_UNIX &&
                    !port_ranges_contain(pol->allow_publish_ports, pol->n_allow_publish_ports, l->address.port)) {
                        _cleanup_free_ char *allowed = NULL;

                        if (port_ranges_to_string(pol->allow_publish_ports, pol->n_allow_publish_ports, &allowed) < 0)
                                return -ENOMEM;
                        failed = -EINVAL;
                        (void) diag_add(diags, l->file, l->line, listen_type_to_key(l->type),
                                        "Port %u not allowed by policy %s (%s: [Network] AllowPublishPorts=%s).",
                                        l->address.port, pol->name, pol->path, allowed);
                }
                *ps = (PlanSocket) {
                        .type = l->type,
                        .address = strdup(text),
                        .name = strdup(us->fd_name ?: u->name),
                        .backlog = us->backlog > 0 ? us->backlog : SOMAXCONN,
                        .bind_ipv6_only = us->bind_ipv6_only,
                        .uid = l->address.family == AF_UNIX ? uid : 0,
                        .gid = l->address.family == AF_UNIX ? gid : 0,
                        .mode = l->address.family == AF_UNIX ? (us->mode >= 0 ? (unsigned) us->mode : SOCKET_MODE_DEFAULT) : 0,
                };
                p->n_sockets = i + 1;
                if (!ps->address || !ps->name)
                        return -ENOMEM;
        }
        return failed < 0 ? -EINVAL : 0;
}
