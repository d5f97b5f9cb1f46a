/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fileio.h"
#include "config.h"
#include "in-addr-util.h"
#include "lease.h"
#include "macro.h"
#include "net.h"
#include "net-config.h"
#include "nft.h"
#include "rtnl.h"
#include "string-util.h"
#include "strv.h"

const char *net_veth_name(const PlanNetwork *n, char buf[static NET_VETH_NAME_MAX]) {
        snprintf(buf, NET_VETH_NAME_MAX, "sbx%08x", (unsigned) ntohl(n->address.s_addr));
        return buf;
}

static int set_message(char **m, const char *fmt, ...) _printf_(2, 3);
static int set_message(char **m, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        if (!m)
                return 0;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        free(*m);
        *m = s;
        return 0;
}

static int write_sysctl(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t n = strlen(value);

        if (fd < 0)
                return negative_errno();
        if (write(fd, value, n) != (ssize_t) n)
                return negative_errno();
        return 0;
}

/* Bound for a moment: a host program listening there would lose its
 * traffic to the DNAT without knowing; refuse instead. Not kept: the
 * rules, not a socket, carry the port (a placeholder would also die
 * with a killed sandboxd, while the rules stay). */
static int port_bind(int family, const PlanPort *p, const void *addr) {
        _cleanup_close_ int fd = -EBADF;
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        int one = 1;

        if (family == AF_INET)
                sa.in = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons(p->host_port),
                                               .sin_addr = *(const struct in_addr *) addr };
        else
                sa.in6 = (struct sockaddr_in6) { .sin6_family = AF_INET6, .sin6_port = htons(p->host_port),
                                                 .sin6_addr = *(const struct in6_addr *) addr };
        fd = socket(family, (p->protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* Connections in TIME_WAIT are no one's listener. */
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* [::] alone: a listener on 0.0.0.0 is the IPv4 check's. */
        if (family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, &sa.sa, family == AF_INET ? sizeof(sa.in) : sizeof(sa.in6)) < 0)
                return negative_errno();
        return 0;
}

/* Bound for a moment: a host program listening there would lose its
 * traffic to the DNAT without knowing; refuse instead. Not kept: the
 * rules, not a socket, carry the port (a placeholder would also die
 * with a killed sandboxd, while the rules stay). A port on every address
 * is checked on [::] too when it is published there. */
static int port_is_free(const PlanNetwork *n, const PlanPort *p) {
        int r;

        if (p->host_ipv6)
                return port_bind(AF_INET6, p, &p->host_address6);
        r = port_bind(AF_INET, p, &p->host_address);
        if (r >= 0 && p->host_address.s_addr == 0 && n->prefixlen6 > 0) {
                r = port_bind(AF_INET6, p, &in6addr_any);
                if (r == -EAFNOSUPPORT)
                        r = 0;  /* no IPv6 on the host: nothing there to take */
        }
        return r;
}

static int bridge_prepare(const PlanNetwork *n, char **reterr_message) {
        _cleanup_(rtnl_closep) Rtnl *rt = NULL;
        struct in_addr gw = plan_network_gateway(n);
        RtnlRoute route = {};
        char path[128];
        unsigned index;
        int r;

        r = rtnl_open(&rt);
        if (r < 0)
                return set_message(reterr_message, "Cannot open rtnetlink: %s.", strerror(-r)), r;
        /* A subnet that some route other than the bridge's already covers
         * would take that traffic away from where it goes now: refused
         * before the bridge is made (or used), so nothing is left. */
        r = rtnl_link_index(rt, n->bridge, &index);
        if (r == -ENODEV)
                index = 0;
        else if (r < 0)
                return set_message(reterr_message, "Cannot look up bridge %s: %s.", n->bridge, strerror(-r)), r;
        r = rtnl_route_overlap(rt, n->subnet, n->prefixlen, index, &route);
        if (r < 0)
                return set_message(reterr_message, "Cannot read the host's routes: %s.", strerror(-r)), r;
        if (r > 0) {
                char subnet[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], dev[IF_NAMESIZE] = "";

                (void) inet_ntop(AF_INET, &n->subnet, subnet, sizeof(subnet));
                (void) inet_ntop(AF_INET, &route.dst, dst, sizeof(dst));
                if (route.oif == 0 || !if_indextoname(route.oif, dev))
                        snprintf(dev, sizeof(dev), "%s", route.oif == 0 ? "" : "?");
                return set_message(reterr_message,
                                   "%s: [Network] Subnet=%s/%u overlaps the host's route %s/%u%s%s; choose another subnet.",
                                   NET_CONFIG_PATH, subnet, n->prefixlen, dst, route.dst_len, dev[0] ? " dev " : "", dev),
                       -EADDRINUSE;
        }
        r = rtnl_bridge_ensure(rt, n->bridge, &index);
        if (r < 0)
                return set_message(reterr_message, "Cannot create bridge %s: %s.", n->bridge, strerror(-r)), r;
        r = rtnl_addr_add(rt, index, AF_INET, &gw, n->prefixlen);
        if (r >= 0 && n->prefixlen6 > 0) {
                struct in6_addr gw6 = plan_network_gateway6(n);

                r = rtnl_addr_add(rt, index, AF_INET6, &gw6, n->prefixlen6);
        }
        if (r < 0)
                return set_message(reterr_message, "Cannot address bridge %s: %s.", n->bridge, strerror(-r)), r;

        /* Forwarding for the NAT; route_localnet so that 127.0.0.1:PORT can
         * be DNATed out of the bridge (the source is masqueraded there). */
        r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
        if (r >= 0) {
                snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
                r = write_sysctl(path, "1");
        }
        if (r >= 0 && n->prefixlen6 > 0)
                (void) write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
        if (r < 0)
                return set_message(reterr_message, "Cannot enable forwarding for bridge %s: %s.", n->bridge, strerror(-r)), r;
        return 0;
}

int net_host_prepare(Plan *p, const char *state_dir, char **reterr_message) {
        _cleanup_close_ int lock_fd = -EBADF;
        PlanNetwork *n = &p->net;
        struct in_addr a;
        int r;

        if (p->network != NETWORK_PRIVATE)
                return 0;
        r = net_lock(state_dir, &lock_fd);
        if (r < 0)
                return set_message(reterr_message, "Cannot lock the network state: %s.", strerror(-r)), r;
        r = bridge_prepare(n, reterr_message);
        if (r < 0)
                return r;
        r = nft_table_ensure(n, reterr_message);
        if (r < 0)
                return r;

        r = lease_acquire(state_dir, p->name, n->subnet, n->prefixlen, n->address_static ? n->address : (struct in_addr) {}, &a);
        if (r == -EADDRINUSE)
                return set_message(reterr_message, "Address %s is leased to another service.", inet_ntoa(n->address)), r;
        if (r == -ENOSPC)
                return set_message(reterr_message, "No address is left in %s/%u.", inet_ntoa(n->subnet), n->prefixlen), r;
        if (r == -EBADMSG)
                return set_message(reterr_message, "The lease file does not parse."), r;
        if (r < 0)
                return set_message(reterr_message, "Cannot lease an address: %s.", strerror(-r)), r;
        n->address = a;

        if (strv_length(n->dns) == 0) {
                char **servers = NULL;

                r = net_host_dns_servers(&servers);
                if (r >= 0) {
                        strv_free(n->dns);
                        n->dns = servers;
                }
        }

        for (size_t i = 0; i < n->n_ports; i++) {
                r = port_is_free(n, &n->ports[i]);
                if (r < 0) {
                        char where[PORT_MAPPING_STRING_MAX];

                        return set_message(reterr_message, "Host port %s is in use (%s).",
                                           port_mapping_host_port(&n->ports[i], where), strerror(-r)), r;
                }
        }
        return 0;
}

int net_host_publish(const Plan *p, bool exclusive, char **reterr_message) {
        char veth[NET_VETH_NAME_MAX];
        int r;

        if (p->network != NETWORK_PRIVATE)
                return 0;
        if (!exclusive) {
                /* A re-adoption: the table may be gone (flushed while we
                 * were away); the bridge and sysctls as well. */
                r = bridge_prepare(&p->net, reterr_message);
                if (r < 0)
                        return r;
                r = nft_table_ensure(&p->net, reterr_message);
                if (r < 0)
                        return r;
        }
        r = nft_ports_add(&p->net, exclusive, reterr_message);
        if (r < 0 || exclusive)
                return r;
        /* At a start the launcher put the egress filter in place before
         * the service ran; a re-adoption writes it anew (flushed?). */
        r = nft_egress_add(&p->net, net_veth_name(&p->net, veth), reterr_message);
        if (r < 0)
                nft_ports_remove(&p->net);
        return r;
}

void net_host_release(const Plan *p, bool netns_ended) {
        _cleanup_(rtnl_closep) Rtnl *rt = NULL;
        char veth[NET_VETH_NAME_MAX];
        bool egress;

        if (p->network != NETWORK_PRIVATE || p->net.address.s_addr == 0)
                return;
        net_veth_name(&p->net, veth);
        egress = nft_egress_wanted(&p->net);
        nft_ports_remove(&p->net);
        /* A dying namespace takes its end of the pair and so ours, in the
         * kernel's cleanup worker: a deletion here would only wait for
         * that (RCU grace periods) on our path, and a next start that
         * finds the name still taken deletes it then (net_veth_add()).
         * Deleted here when the namespace may live on (a failed launch, a
         * pod's joiners, a cgroup that would not go). Under an egress
         * filter a namespace held by something we do not know of (a
         * sandboxctl run joining a sandboxd service) must not keep a veth
         * whose filter is gone: it is set down first, which stops every
         * packet for a fraction of a deletion's wait. */
        if ((!netns_ended || egress) && rtnl_open(&rt) >= 0)
                (void) (netns_ended ? rtnl_link_set_down(rt, veth) : rtnl_link_delete(rt, veth));
        /* The kernel unhooks the chain with its device but keeps it. */
        if (egress)
                nft_egress_remove(veth);
}

int net_veth_add(const PlanNetwork *n, int netns_fd) {
        _cleanup_(rtnl_closep) Rtnl *rt = NULL;
        char veth[NET_VETH_NAME_MAX];
        unsigned master;
        int r;

        r = rtnl_open(&rt);
        if (r < 0)
                return r;
        r = rtnl_link_index(rt, n->bridge, &master);
        if (r < 0)
                return r;
        net_veth_name(n, veth);
        r = rtnl_veth_create(rt, veth, master, NET_VETH_PEER, netns_fd);
        if (r == -EEXIST) {
                /* Left by the previous run of this service, whose namespace
                 * is still being freed: ours by its name (the address). */
                (void) rtnl_link_delete(rt, veth);
                r = rtnl_veth_create(rt, veth, master, NET_VETH_PEER, netns_fd);
        }
        return r;
}

int net_egress_install(const PlanNetwork *n, char **reterr_message) {
        char veth[NET_VETH_NAME_MAX];

        return nft_egress_add(n, net_veth_name(n, veth), reterr_message);
}

void net_veth_del(const PlanNetwork *n) {
        _cleanup_(rtnl_closep) Rtnl *rt = NULL;
        char veth[NET_VETH_NAME_MAX];

        net_veth_name(n, veth);
        if (nft_egress_wanted(n))
                nft_egress_remove(veth);
        if (rtnl_open(&rt) >= 0)
                (void) rtnl_link_delete(rt, veth);
}

int net_inside_configure(const PlanNetwork *n, const char **reterr_step) {
        _cleanup_(rtnl_closep) Rtnl *rt = NULL;
        struct in_addr gw = plan_network_gateway(n);
        unsigned lo, eth;
        int r;

#define STEP(s, x)                              \
        do {                                    \
                r = (x);                        \
                if (r < 0) {                    \
                        *reterr_step = (s);     \
                        return r;               \
                }                               \
        } while (0)

        STEP("open rtnetlink", rtnl_open(&rt));
        STEP("find lo", rtnl_link_index(rt, "lo", &lo));
        STEP("bring lo up", rtnl_link_set_up(rt, lo));
        STEP("find " NET_VETH_PEER, rtnl_link_index(rt, NET_VETH_PEER, &eth));
        STEP("address " NET_VETH_PEER, rtnl_addr_add(rt, eth, AF_INET, &n->address, n->prefixlen));
        if (n->prefixlen6 > 0) {
                struct in6_addr a6 = plan_network_address6(n, n->address);

                STEP("address " NET_VETH_PEER " (IPv6)", rtnl_addr_add(rt, eth, AF_INET6, &a6, n->prefixlen6));
        }
        STEP("bring " NET_VETH_PEER " up", rtnl_link_set_up(rt, eth));
        STEP("add the default route", rtnl_route_add_default(rt, AF_INET, &gw, eth));
        if (n->prefixlen6 > 0) {
                struct in6_addr gw6 = plan_network_gateway6(n);

                STEP("add the IPv6 default route", rtnl_route_add_default(rt, AF_INET6, &gw6, eth));
        }
#undef STEP
        return 0;
}

int net_resolv_conf(const PlanNetwork *n, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return -ENOMEM;
        fputs("# Generated by sandboxd (Network=private): DNS= of the unit, or the host's servers.\n", f);
        STRV_FOREACH(s, n->dns)
                fprintf(f, "nameserver %s\n", *s);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}

static int read_nameservers(const char *path, char ***ret, bool *ret_loopback_only) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        bool loopback_only = true;
        char *line, *save = NULL;
        int r;

        r = read_full_file(path, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char addr[64];
                struct in_addr a4;
                struct in6_addr a6;
                unsigned len;

                if (sscanf(line, " nameserver %63s", addr) != 1)
                        continue;
                if (in4_addr_from_string(addr, &a4) >= 0) {
                        if ((ntohl(a4.s_addr) >> 24) != 127)
                                loopback_only = false;
                } else if (in6_prefix_from_string(addr, false, &a6, &len) >= 0 && len == 128) {
                        if (!IN6_IS_ADDR_LOOPBACK(&a6))
                                loopback_only = false;
                } else
                        continue;
                if (strv_length(l) < 3) {
                        r = strv_extend(&l, addr);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        *ret_loopback_only = loopback_only;
        return 0;
}

int net_host_dns_servers(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        bool loopback;
        int r;

        r = read_nameservers("/etc/resolv.conf", &l, &loopback);
        if (r < 0 && r != -ENOENT)
                return r;
        /* A stub on the host's loopback cannot be reached from the
         * sandbox's own loopback: its upstream servers then. */
        if (r < 0 || loopback) {
                _cleanup_strv_free_ char **up = NULL;

                if (read_nameservers("/run/systemd/resolve/resolv.conf", &up, &loopback) >= 0 && !loopback) {
                        strv_free(l);
                        l = TAKE_PTR(up);
                } else if (l) {
                        l = strv_free(l);
                        l = calloc(1, sizeof(char *));
                        if (!l)
                                return -ENOMEM;
                }
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
