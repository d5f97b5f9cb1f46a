/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "in-addr-util.h"
#include "macro.h"
#include "netlink-util.h"
#include "rtnl.h"

struct Rtnl {
        struct mnl_socket *nl;
        unsigned portid;
        unsigned seq;
};

int rtnl_open(Rtnl **ret) {
        Rtnl *r = calloc(1, sizeof(Rtnl));

        if (!r)
                return -ENOMEM;
        r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int e = negative_errno();

                rtnl_close(r);
                return e;
        }
        r->portid = mnl_socket_get_portid(r->nl);
        r->seq = (unsigned) time(NULL);
        *ret = r;
        return 0;
}

Rtnl *rtnl_close(Rtnl *r) {
        if (!r)
                return NULL;
        if (r->nl)
                mnl_socket_close(r->nl);
        free(r);
        return NULL;
}

static struct nlmsghdr *request(Rtnl *r, char *buf, uint16_t type, uint16_t flags) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++r->seq;
        return nlh;
}

/* Sends nlh and waits for its ack: 0, or the kernel's errno. */
static int transact(Rtnl *r, struct nlmsghdr *nlh) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        ssize_t n;
        int q;

        if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        for (;;) {
                n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
                if (n < 0)
                        return errno == EINTR ? -EINTR : negative_errno();
                q = mnl_cb_run(buf, (size_t) n, nlh->nlmsg_seq, r->portid, NULL, NULL);
                if (q < 0)
                        return negative_errno();
                if (q == MNL_CB_STOP)
                        return 0;
        }
}

int rtnl_link_index(Rtnl *r, const char *name, unsigned *ret_index) {
        unsigned i = if_nametoindex(name);

        if (i == 0)
                return errno == ENODEV || errno == ENXIO ? -ENODEV : negative_errno();
        *ret_index = i;
        return 0;
}

int rtnl_link_set_up(Rtnl *r, unsigned ifindex) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = request(r, buf, RTM_NEWLINK, 0);
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = (int) ifindex;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return transact(r, nlh);
}

int rtnl_link_set_down(Rtnl *r, const char *name) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = request(r, buf, RTM_NEWLINK, 0);
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

        if (!ifname_is_valid(name))
                return -EINVAL;
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        return transact(r, nlh);
}

int rtnl_bridge_ensure(Rtnl *r, const char *name, unsigned *ret_index) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        struct nlattr *li;
        unsigned index;
        int q;

        if (!ifname_is_valid(name))
                return -EINVAL;
        q = rtnl_link_index(r, name, &index);
        if (q == -ENODEV) {
                nlh = request(r, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
                ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
                ifi->ifi_family = AF_UNSPEC;
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
                li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
                mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
                mnl_attr_nest_end(nlh, li);
                q = transact(r, nlh);
                if (q < 0 && q != -EEXIST)
                        return q;
                q = rtnl_link_index(r, name, &index);
        }
        if (q < 0)
                return q;
        q = rtnl_link_set_up(r, index);
        if (q < 0)
                return q;
        *ret_index = index;
        return 0;
}

int rtnl_link_delete(Rtnl *r, const char *name) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = request(r, buf, RTM_DELLINK, 0);
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

        if (!ifname_is_valid(name))
                return -EINVAL;
        ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        return transact(r, nlh);
}

int rtnl_veth_create(Rtnl *r, const char *name, unsigned master, const char *peer_name, int netns_fd) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi, *peer;
        struct nlattr *li, *data, *pi;

        if (!ifname_is_valid(name) || !ifname_is_valid(peer_name))
                return -EINVAL;
        nlh = request(r, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        /* Up as it is made (the kernel applies the header's flags to a new
         * link), as `ip link add ... up` does: no second request. */
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (master > 0)
                mnl_attr_put_u32(nlh, IFLA_MASTER, master);
        li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer's ifinfomsg comes first in VETH_INFO_PEER, then its
         * attributes, as in a link message of its own. */
        peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
        peer->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
        if (netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        mnl_attr_nest_end(nlh, pi);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, li);
        return transact(r, nlh);
}

int rtnl_addr_add(Rtnl *r, unsigned ifindex, int family, const void *addr, unsigned prefixlen) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = request(r, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        size_t size = family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);

        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        ifa->ifa_family = (uint8_t) family;
        ifa->ifa_prefixlen = (uint8_t) prefixlen;
        ifa->ifa_index = ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        if (family == AF_INET6)
                ifa->ifa_flags = IFA_F_NODAD;
        mnl_attr_put(nlh, IFA_LOCAL, size, addr);
        mnl_attr_put(nlh, IFA_ADDRESS, size, addr);
        if (family == AF_INET6)
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        return transact(r, nlh);
}

int rtnl_route_add_default(Rtnl *r, int family, const void *gateway, unsigned ifindex) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = request(r, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        rtm->rtm_family = (uint8_t) family;
        rtm->rtm_dst_len = 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_STATIC;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr), gateway);
        mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
        return transact(r, nlh);
}

typedef struct RouteQuery {
        struct in_addr net;
        unsigned prefixlen;
        unsigned except_ifindex;
        bool overlap;
        RtnlRoute first;
} RouteQuery;

static int route_attr(const struct nlattr *a, void *data) {
        const struct nlattr **tb = data;
        uint16_t type = mnl_attr_get_type(a);

        if (mnl_attr_type_valid(a, RTA_MAX) < 0)
                return MNL_CB_OK;       /* newer than our headers: not ours to judge */
        if ((type == RTA_DST || type == RTA_OIF || type == RTA_TABLE) && mnl_attr_validate(a, MNL_TYPE_U32) < 0)
                return MNL_CB_ERROR;
        tb[type] = a;
        return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data) {
        const struct nlattr *tb[RTA_MAX + 1] = {};
        RouteQuery *q = data;
        const struct rtmsg *rtm;
        struct in_addr dst = {};
        unsigned table, oif = 0;

        if (nlh->nlmsg_type != RTM_NEWROUTE)
                return MNL_CB_OK;
        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
                return MNL_CB_ERROR;
        rtm = mnl_nlmsg_get_payload(nlh);
        if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len > 32)
                return MNL_CB_OK;
        if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0)
                return MNL_CB_ERROR;
        table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
        if (table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
                return MNL_CB_OK;
        /* The default route overlaps everything and says nothing. */
        if (rtm->rtm_dst_len == 0)
                return MNL_CB_OK;
        if (tb[RTA_DST])
                dst.s_addr = mnl_attr_get_u32(tb[RTA_DST]);
        if (tb[RTA_OIF])
                oif = mnl_attr_get_u32(tb[RTA_OIF]);
        if (oif != 0 && oif == q->except_ifindex)
                return MNL_CB_OK;
        if (in4_prefix_overlaps(q->net, q->prefixlen, dst, rtm->rtm_dst_len) && !q->overlap) {
                q->overlap = true;
                q->first = (RtnlRoute) { .dst = dst, .dst_len = rtm->rtm_dst_len, .oif = oif };
        }
        return MNL_CB_OK;
}

int rtnl_route_parse(const void *buf, size_t len, unsigned seq, struct in_addr net, unsigned prefixlen,
                     unsigned except_ifindex, bool *overlap, RtnlRoute *route) {
        RouteQuery q = { .net = net, .prefixlen = prefixlen, .except_ifindex = except_ifindex };
        int c;

        c = netlink_buffer_check(buf, len);
        if (c < 0)
                return c;
        errno = 0;
        c = mnl_cb_run(buf, len, seq, 0, route_cb, &q);
        if (q.overlap && !*overlap) {
                *overlap = true;
                if (route)
                        *route = q.first;
        }
        if (c < 0)
                return errno > 0 ? -errno : -EBADMSG;
        return c;
}

int rtnl_route_overlap(Rtnl *r, struct in_addr net, unsigned prefixlen, unsigned except_ifindex, RtnlRoute *ret_route) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct rtmsg *rtm;
        bool overlap = false;
        RtnlRoute route = {};
        ssize_t n;
        int q;

        nlh->nlmsg_type = RTM_GETROUTE;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        nlh->nlmsg_seq = ++r->seq;
        rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = AF_INET;
        if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        do {
                n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
                if (n < 0)
                        return negative_errno();
                q = rtnl_route_parse(buf, (size_t) n, r->seq, net, prefixlen, except_ifindex, &overlap, &route);
                if (q < 0)
                        return q;
        } while (q > MNL_CB_STOP);
        if (overlap && ret_route)
                *ret_route = route;
        return overlap;
}
