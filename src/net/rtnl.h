/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* rtnetlink through libmnl: the few link, address and route operations
 * Network=private needs, each one request answered by an ack (or an
 * errno). Library code: returns negative errnos, never logs. Works in
 * whatever network namespace the calling thread is in. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Rtnl Rtnl;

int rtnl_open(Rtnl **ret);
Rtnl *rtnl_close(Rtnl *r);
static inline void rtnl_closep(Rtnl **r) {
        if (*r)
                *r = rtnl_close(*r);
}

/* 0 and the index, -ENODEV if there is no such link. */
int rtnl_link_index(Rtnl *r, const char *name, unsigned *ret_index);
/* A bridge named name, made if missing (up either way); its index. */
int rtnl_bridge_ensure(Rtnl *r, const char *name, unsigned *ret_index);
int rtnl_link_set_up(Rtnl *r, unsigned ifindex);
/* Down, by name (-ENODEV if none): it passes no packet either way. */
int rtnl_link_set_down(Rtnl *r, const char *name);
/* Deletes the link (a veth takes its peer with it); -ENODEV if none. */
int rtnl_link_delete(Rtnl *r, const char *name);
/* A veth pair: name here, attached to master (0: none) and up; the peer
 * named peer_name, made directly in the network namespace netns_fd. */
int rtnl_veth_create(Rtnl *r, const char *name, unsigned master, const char *peer_name, int netns_fd);
/* Adds (or replaces) an address; IPv6 ones without duplicate address
 * detection, since the subnet's addresses are handed out by us. */
int rtnl_addr_add(Rtnl *r, unsigned ifindex, int family, const void *addr, unsigned prefixlen);
int rtnl_route_add_default(Rtnl *r, int family, const void *gateway, unsigned ifindex);

/* An IPv4 route of the main table, as rtnl_route_overlap() names it. */
typedef struct RtnlRoute {
        struct in_addr dst;
        unsigned dst_len;
        unsigned oif;           /* 0: none given */
} RtnlRoute;

/* Is any IPv4 route of the main table, other than through
 * except_ifindex, overlapping net/prefixlen? (1 yes, and the first such
 * route in *ret_route if non-NULL; 0 no). The default route is not
 * counted: it overlaps everything. */
int rtnl_route_overlap(Rtnl *r, struct in_addr net, unsigned prefixlen, unsigned except_ifindex, RtnlRoute *ret_route);

/* The parser rtnl_route_overlap() runs on the kernel's answer (a buffer
 * of RTM_NEWROUTE messages, NLMSG_DONE, NLMSG_ERROR), apart so that it
 * can be fuzzed: MNL_CB_OK/STOP (>= 0) or a negative errno; *overlap set
 * when a route overlaps, and *route (if non-NULL) to the first one,
 * unless *overlap was set already. */
int rtnl_route_parse(const void *buf, size_t len, unsigned seq, struct in_addr net, unsigned prefixlen,
                     unsigned except_ifindex, bool *overlap, RtnlRoute *route);
