/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlopen-nftables.h"
#include "macro.h"
#include "nft.h"
#include "string-util.h"

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

int nft_table_ensure(const PlanNetwork *n, char **reterr_message) {
        _cleanup_free_ char *cmd = NULL;
        char net[INET_ADDRSTRLEN], net6[INET6_ADDRSTRLEN], v6[256] = "";
        int r;

        /* All there (the last thing the definition makes): nothing to do.
         * Partly there (someone flushed or deleted part of it): made anew,
         * and the callers add their elements again. */
        r = nft_run("list chain " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " postrouting", NULL, NULL);
        if (r >= 0)
                return 0;
        if (r == -EOPNOTSUPP)
                return nft_run("", NULL, reterr_message);       /* says what to install */

        inet_ntop(AF_INET, &n->subnet, net, sizeof(net));
        if (n->prefixlen6 > 0)
                snprintf(v6, sizeof(v6), "ip6 saddr %s/%u oifname != \"%s\" masquerade\n",
                         inet_ntop(AF_INET6, &n->subnet6, net6, sizeof(net6)), n->prefixlen6, n->bridge);
        if (asprintf(&cmd,
                     "add table " NFT_TABLE_FAMILY " " NFT_TABLE_NAME "\n"
                     "delete table " NFT_TABLE_FAMILY " " NFT_TABLE_NAME "\n"
                     "table " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " {\n"
                     "  map pub4_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
                     "  map pub4_addr { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
                     "  chain published {\n"
                     "    meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @pub4_addr\n"
                     "    meta nfproto ipv4 dnat ip to meta l4proto . th dport map @pub4_any\n"
                     "  }\n"
                     "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
                     "    fib daddr type local jump published\n"
                     "  }\n"
                     "  chain output { type nat hook output priority -100; policy accept;\n"
                     "    fib daddr type local jump published\n"
                     "  }\n"
                     "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
                     "    ip saddr %s/%u oifname != \"%s\" masquerade\n"
                     "    %s"
                     "    ip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n"
                     "    ip saddr %s/%u oifname \"%s\" ct status dnat masquerade\n"
                     "  }\n"
                     "}\n",
                     net, n->prefixlen, n->bridge, v6, n->bridge, net, n->prefixlen, n->bridge) < 0)
                return -ENOMEM;
        return nft_run(cmd, NULL, reterr_message);
}

static int port_element(const PlanNetwork *n, const PlanPort *p, bool with_value, char *buf, size_t size) {
        char host[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN], value[64] = "";
        const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";

        if (with_value)
                snprintf(value, sizeof(value), " : %s . %u", inet_ntop(AF_INET, &n->address, addr, sizeof(addr)),
                         p->container_port);
        if (p->host_address.s_addr == 0)
                return snprintf(buf, size, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub4_any { %s . %u%s }", proto,
                                p->host_port, value);
        return snprintf(buf, size, NFT_TABLE_FAMILY " " NFT_TABLE_NAME " pub4_addr { %s . %s . %u%s }",
                        inet_ntop(AF_INET, &p->host_address, host, sizeof(host)), proto, p->host_port, value);
}

int nft_ports_add(const PlanNetwork *n, bool exclusive, char **reterr_message) {
        for (size_t i = 0; i < n->n_ports; i++) {
                char cmd[256], elem[200];
                int r;

                port_element(n, &n->ports[i], true, elem, sizeof(elem));
                snprintf(cmd, sizeof(cmd), "%s element %s", exclusive ? "create" : "add", elem);
                r = nft_run(cmd, NULL, reterr_message);
                if (r == -EEXIST) {
                        char host[INET_ADDRSTRLEN];

                        free(*reterr_message);
                        *reterr_message = NULL;
                        (void) asprintf(reterr_message, "Host port %s:%u/%s is already published by another service.",
                                        inet_ntop(AF_INET, &n->ports[i].host_address, host, sizeof(host)),
                                        n->ports[i].host_port, n->ports[i].protocol == IPPROTO_UDP ? "udp" : "tcp");
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
                char cmd[256], elem[200];

                port_element(n, &n->ports[i], false, elem, sizeof(elem));
                snprintf(cmd, sizeof(cmd), "delete element %s", elem);
                (void) nft_run(cmd, NULL, NULL);
        }
}
