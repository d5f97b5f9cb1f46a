/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlopen-nftables.h"
#include "macro.h"
#include "nfnl.h"
#include "nft.h"
#include "string-util.h"
#include "strv.h"

static void nft_ctx_freep(struct nft_ctx **c) {
        if (*c)
                sym_nft_ctx_free(*c);
}

int nft_run(const char *cmd, char **ret_output, char **reterr_message) {
        struct nft_ctx *ctx __attribute__((cleanup(nft_ctx_freep))) = NULL;
        const char *why = NULL;
        int r;

        r = dlopen_libnftables(&why);
        if (r < 0) {
                if (reterr_message)
                        *reterr_message = strdup(why);
                return r;
        }
        ctx = sym_nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        if (sym_nft_ctx_buffer_output(ctx) < 0 || sym_nft_ctx_buffer_error(ctx) < 0)
                return -ENOMEM;
        if (sym_nft_run_cmd_from_buffer(ctx, cmd) < 0) {
                const char *err = sym_nft_ctx_get_error_buffer(ctx);

                if (reterr_message && err) {
                        /* The first line is the sentence; the rest repeats the command. */
                        free(*reterr_message);
                        *reterr_message = strndup(err, strcspn(err, "\n"));
                }
                if (err && strstr(err, "File exists"))
                        return -EEXIST;
                if (err && strstr(err, "No such file or directory"))
                        return -ENOENT;
                if (err && strstr(err, "Operation not permitted"))
                        return -EPERM;
                return -EIO;
        }
        if (ret_output) {
                char *o = strdup(strempty(sym_nft_ctx_get_output_buffer(ctx)));

                if (!o)
                        return -ENOMEM;
                *ret_output = o;
        }
        return 0;
}

/* The last rule of each chain carries one of these: all of them in the
 * listing means the table is whole. `nft flush table` keeps the chains and
 * maps but not the rules, so the chains' existence proves nothing. */
#define NFT_MARK "sandboxd-rules-2"   /* -2: the pub6 maps and rules */

int nft_table_ensure(const PlanNetwork *n, char **reterr_message) {
        static const char *const marked_chains[] = { "published", "prerouting", "output", "postrouting" };
        _cleanup_free_ char *cmd = NULL, *listing = NULL;
        char net[INET_ADDRSTRLEN], net6[INET6_ADDRSTRLEN], v6[512] = "";
        const char *t = NFT_TABLE_FAMILY " " NFT_TABLE_NAME;
        const char *p;
        unsigned marks = 0;
        int r;

        /* The common case, a table made by an earlier start: asked over
         * nfnetlink, so that a start that changes no rule never loads
         * libnftables. Anything else (missing, partial, the kernel could
         * not say) is looked at again below, by nft. */
        if (nfnl_chains_marked(NFT_TABLE_NAME, marked_chains, ELEMENTSOF(marked_chains), NFT_MARK) > 0)
                return 0;

        r = nft_run("list table " NFT_TABLE_FAMILY " " NFT_TABLE_NAME, &listing, NULL);
        if (r == -EOPNOTSUPP)
                return nft_run("", NULL, reterr_message);       /* says what to install */
        for (p = listing; p && (p = strstr(p, NFT_MARK)); p++)
                marks++;
        if (r >= 0 && marks == 4)
                return 0;

        /* Missing or partly there (someone flushed it or deleted part of
         * it): the chains' rules are written anew in one transaction, the
         * maps kept with their elements (the services' ports), and the
         * callers add their own elements again. The forward chain and
         * egress map of earlier versions (they keyed egress by iifname,
         * which forward sees as the bridge, never the veth) go. */
        inet_ntop(AF_INET, &n->subnet, net, sizeof(net));
        /* IPv6 has no route_localnet and no loopback masquerade: only the
         * hairpin (a service to a published port of the bridge) is. */
        if (n->prefixlen6 > 0)
                snprintf(v6, sizeof(v6),
                         "add rule %1$s postrouting ip6 saddr %2$s/%3$u oifname != \"%4$s\" masquerade\n"
                         "add rule %1$s postrouting ip6 saddr %2$s/%3$u oifname \"%4$s\" ct status dnat masquerade\n", t,
                         inet_ntop(AF_INET6, &n->subnet6, net6, sizeof(net6)), n->prefixlen6, n->bridge);
        if (asprintf(&cmd,
                     "add table %1$s\n"
                     "add map %1$s pub4_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
                     "add map %1$s pub4_addr { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
                     "add map %1$s pub6_any { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
                     "add map %1$s pub6_addr { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }\n"

                     "add chain %1$s published\n"
                     "add chain %1$s prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
                     "add chain %1$s output { type nat hook output priority -100; policy accept; }\n"
                     "add chain %1$s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"

                     "flush chain %1$s published\n"
                     "flush chain %1$s prerouting\n"
                     "flush chain %1$s output\n"
                     "flush chain %1$s postrouting\n"

                     "add rule %1$s published meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @pub4_addr\n"
                     "add rule %1$s published meta nfproto ipv4 dnat ip to meta l4proto . th dport map @pub4_any\n"
                     /* A DNAT of ::1 would be dropped on the way out (no
                      * route_localnet for IPv6): the client is refused at
                      * once instead, and falls back to 127.0.0.1. */
                     "add rule %1$s published ip6 daddr ::1 return\n"
                     "add rule %1$s published meta nfproto ipv6 dnat ip6 to ip6 daddr . meta l4proto . th dport map @pub6_addr\n"
                     "add rule %1$s published meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @pub6_any comment \"" NFT_MARK "\"\n"
                     "add rule %1$s prerouting fib daddr type local jump published comment \"" NFT_MARK "\"\n"
                     "add rule %1$s output fib daddr type local jump published comment \"" NFT_MARK "\"\n"
                     "add rule %1$s postrouting ip saddr %2$s/%3$u oifname != \"%4$s\" masquerade\n"
                     "%5$s"
                     "add rule %1$s postrouting ip saddr 127.0.0.0/8 oifname \"%4$s\" masquerade\n"
                     "add rule %1$s postrouting ip saddr %2$s/%3$u oifname \"%4$s\" ct status dnat masquerade comment \"" NFT_MARK "\"\n"
                     "add chain %1$s forward { type filter hook forward priority filter; policy accept; }\n"
                     "flush chain %1$s forward\n"
                     "delete chain %1$s forward\n"
                     "add map %1$s egress { type ifname : verdict; }\n"
                     "delete map %1$s egress\n",
                     t, net, n->prefixlen, n->bridge, v6) < 0)
                return -ENOMEM;
        return nft_run(cmd, NULL, reterr_message);
}

/* The map elements of one published port, each "inet sandboxd MAP { KEY[ :
 * VALUE] }": a port on every address is in pub4_any and, with IPv6 on the
 * bridge, pub6_any; one on an address in that family's _addr map. */
#define PORT_ELEMENTS_MAX 2
#define PORT_ELEMENT_SIZE 200
static size_t port_elements(const PlanNetwork *n, const PlanPort *p, bool with_value,
                            char elems[static PORT_ELEMENTS_MAX][PORT_ELEMENT_SIZE]) {
        char host[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN], value4[64] = "", value6[80] = "";
        const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";
        size_t k = 0;

        if (with_value) {
                struct in6_addr a6 = plan_network_address6(n, n->address);

                snprintf(value4, sizeof(value4), " : %s . %u", inet_ntop(AF_INET, &n->address, addr, sizeof(addr)),
                         p->container_port);
                snprintf(value6, sizeof(value6), " : %s . %u", inet_ntop(AF_INET6, &a6, addr, sizeof(addr)),
                         p->container_port);
        }
        if (!p->host_ipv6 && p->host_address.s_addr == 0) {
                snprintf(elems[k++], PORT_ELEMENT_SIZE, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub4_any { %s . %u%s }",
                         proto, p->host_port, value4);
                if (n->prefixlen6 > 0)
                        snprintf(elems[k++], PORT_ELEMENT_SIZE, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub6_any { %s . %u%s }",
                                 proto, p->host_port, value6);
        } else if (!p->host_ipv6)
                snprintf(elems[k++], PORT_ELEMENT_SIZE, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub4_addr { %s . %s . %u%s }",
                         port_mapping_host(p, host), proto, p->host_port, value4);
        else if (IN6_IS_ADDR_UNSPECIFIED(&p->host_address6))
                snprintf(elems[k++], PORT_ELEMENT_SIZE, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub6_any { %s . %u%s }",
                         proto, p->host_port, value6);
        else
                snprintf(elems[k++], PORT_ELEMENT_SIZE, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub6_addr { %s . %s . %u%s }",
                         port_mapping_host(p, host), proto, p->host_port, value6);
        return k;
}

int nft_ports_add(const PlanNetwork *n, bool exclusive, char **reterr_message) {
        for (size_t i = 0; i < n->n_ports; i++) {
                char cmd[PORT_ELEMENTS_MAX * (PORT_ELEMENT_SIZE + 16)] = "", elems[PORT_ELEMENTS_MAX][PORT_ELEMENT_SIZE];
                size_t k = port_elements(n, &n->ports[i], true, elems);
                int r;

                /* One transaction per port: both families or neither. */
                for (size_t j = 0; j < k; j++)
                        snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s element %s\n",
                                 exclusive ? "create" : "add", elems[j]);
                r = nft_run(cmd, NULL, reterr_message);
                if (r == -EEXIST) {
                        char where[PORT_MAPPING_STRING_MAX];

                        free(*reterr_message);
                        *reterr_message = NULL;
                        (void) asprintf(reterr_message, "Host port %s is already published by another service.",
                                        port_mapping_host_port(&n->ports[i], where));
                        r = -EADDRINUSE;
                }
                if (r < 0) {
                        /* Nothing half-published: take back what this call added. */
                        PlanNetwork done = *n;

                        done.n_ports = i;
                        nft_ports_remove(&done);
                        return r;
                }
        }
        return 0;
}

void nft_ports_remove(const PlanNetwork *n) {
        for (size_t i = 0; i < n->n_ports; i++) {
                char cmd[PORT_ELEMENTS_MAX * PORT_ELEMENT_SIZE + 32], elems[PORT_ELEMENTS_MAX][PORT_ELEMENT_SIZE];
                size_t k = port_elements(n, &n->ports[i], false, elems);

                /* Apart: a port published before its IPv6 element existed
                 * (re-adopted from an older version) still loses the other. */
                for (size_t j = 0; j < k; j++) {
                        snprintf(cmd, sizeof(cmd), "delete element %s", elems[j]);
                        (void) nft_run(cmd, NULL, NULL);
                }
        }
}

static void egress_chain_name(const char *veth, char buf[static NFT_EGRESS_CHAIN_MAX]) {
        snprintf(buf, NFT_EGRESS_CHAIN_MAX, "egress_%s", veth);
}

bool nft_egress_wanted(const PlanNetwork *n) {
        return n->outbound_limited || strv_length(n->ip_allow) > 0 || strv_length(n->ip_deny) > 0;
}

#define EGRESS_RULE "add rule " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %s "

/* Refused, not dropped: a client fails at once (a reset for TCP, else an
 * ICMP "administratively prohibited") instead of waiting for a timeout. */
static void egress_rules(FILE *f, const char *chain, char **l, bool refuse) {
        STRV_FOREACH(p, l) {
                const char *match = strchr(*p, ':') ? "ip6" : "ip";

                if (refuse) {
                        fprintf(f, EGRESS_RULE "%s daddr %s meta l4proto tcp reject with tcp reset\n", chain, match, *p);
                        fprintf(f, EGRESS_RULE "%s daddr %s reject with icmpx admin-prohibited\n", chain, match, *p);
                } else
                        fprintf(f, EGRESS_RULE "%s daddr %s accept\n", chain, match, *p);
        }
}

int nft_egress_add(const PlanNetwork *n, const char *veth, char **reterr_message) {
        _cleanup_free_ char *cmd = NULL;
        char chain[NFT_EGRESS_CHAIN_MAX];
        size_t size = 0;
        FILE *f;

        if (!nft_egress_wanted(n))
                return 0;
        egress_chain_name(veth, chain);
        f = open_memstream(&cmd, &size);
        if (!f)
                return -ENOMEM;
        /* The ingress hook of the host end sees every IP packet the service
         * sends, before the bridge: to other machines (forward), to the
         * host's own addresses (input) and to other services (bridged,
         * which no inet hook after it sees). Keyed by the port, not the
         * source address, which the service (CAP_NET_ADMIN in its own
         * namespace) could change. Stateless, as systemd's filter is: the
         * answers to a client count as packets to the client. The chain
         * drops by policy, so that a flushed table cuts the service off
         * instead of opening it; the last rule accepts. "add chain" of a
         * chain left by an earlier run rebinds it to the new device; the
         * flush makes this idempotent (re-adoption). */
        fprintf(f, "add chain " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %s { type filter hook ingress device \"%s\" "
                "priority -500; policy drop; }\n", chain, veth);
        fprintf(f, "flush chain " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %s\n", chain);
        /* Without neighbour discovery no IPv6 address on the link answers;
         * it carries nothing beyond the link. */
        fprintf(f, "add rule " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %s icmpv6 type { nd-neighbor-solicit, "
                "nd-neighbor-advert } ip6 hoplimit 255 accept\n", chain);
        /* systemd's order: an allowed destination passes whatever the deny
         * list says (and lies within the ceiling: the compiler checked),
         * then the deny list; the rest passes, under a policy ceiling only
         * what it allows. */
        egress_rules(f, chain, n->ip_allow, false);
        egress_rules(f, chain, n->ip_deny, true);
        if (n->outbound_limited) {
                egress_rules(f, chain, n->outbound, false);
                fprintf(f, EGRESS_RULE "meta l4proto tcp reject with tcp reset\n", chain);
                fprintf(f, EGRESS_RULE "reject with icmpx admin-prohibited\n", chain);
        } else
                fprintf(f, EGRESS_RULE "accept\n", chain);
        if (fclose(f) != 0)
                return -ENOMEM;
        return nft_run(cmd, NULL, reterr_message);
}

void nft_egress_remove(const char *veth) {
        char cmd[256], chain[NFT_EGRESS_CHAIN_MAX];

        egress_chain_name(veth, chain);
        /* Both in one transaction: a chain with rules is not deleted alone
         * by every version of nft. */
        snprintf(cmd, sizeof(cmd),
                 "flush chain " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %1$s\n"
                 "delete chain " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %1$s\n", chain);
        (void) nft_run(cmd, NULL, NULL);
}
