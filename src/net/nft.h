/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The nftables table "inet sandboxd", through libnftables (dlopen()ed).
 *
 * One table that ops can read with `nft list table inet sandboxd`:
 *   postrouting  masquerade of the subnet towards anything but the
 *                bridge; of 127.0.0.0/8 and of hairpinned DNAT towards it
 *   prerouting, output  (nat, dstnat) local destinations -> published
 *   published    dnat through the four maps below
 *   pub4_any     proto . port               : address . port   (PublishPort=P:C)
 *   pub4_addr    host address . proto . port : address . port  (PublishPort=IP:P:C)
 *   pub6_any, pub6_addr  the same for IPv6, to the service's IPv6 address
 *                (PublishPort=P:C with Subnet6=, PublishPort=[IP6]:P:C);
 *                never for ::1, which returns before them (no route_localnet)
 *   egress_VETH  (filter, ingress hook of the service's host end VETH,
 *                policy drop) IPAddressAllow=, IPAddressDeny=, the
 *                policy's AllowOutbound=: one per service that has them
 * A service's published ports are elements of those maps, keyed by what
 * they publish: they are added and deleted without rule handles, adding
 * one that is there is a no-op (re-adoption does not duplicate), and two
 * services cannot publish the same key (the second is refused). */

#include <netinet/in.h>
#include <stdbool.h>

#include "plan.h"

#define NFT_TABLE_FAMILY "inet"
#define NFT_TABLE_NAME "sandboxd"

/* Makes the table with its chains and maps unless it is all there
 * already; rewrites the chains' rules when they are not (a flushed
 * table), keeping the maps' elements. A whole table is recognised over
 * nfnetlink (nfnl.h): libnftables is loaded only when something is
 * missing. reterr_message: what nft said, or what to install. */
int nft_table_ensure(const PlanNetwork *n, char **reterr_message);
/* The plan's published ports to net->address. exclusive: refuse a key
 * already in a map (a start), else accept one with the same value (a
 * re-adoption). -EADDRINUSE names the port in *reterr_message. */
int nft_ports_add(const PlanNetwork *n, bool exclusive, char **reterr_message);
/* Each port's element, if there. */
void nft_ports_remove(const PlanNetwork *n);
/* For tests and status: run one nft command, its output in *ret_output. */
int nft_run(const char *cmd, char **ret_output, char **reterr_message);
/* IPAddressAllow=, IPAddressDeny= and the policy's AllowOutbound= of the
 * service whose host end is veth: its chain egress_VETH, a filter on the
 * ingress hook of that device (so the device must exist), written anew
 * (a start, a re-adoption, a repair after a flush alike). Nothing when
 * the plan restricts nothing (nft_egress_wanted()). */
#define NFT_EGRESS_CHAIN_MAX 32
bool nft_egress_wanted(const PlanNetwork *n);
int nft_egress_add(const PlanNetwork *n, const char *veth, char **reterr_message);
/* The chain, if there. */
void nft_egress_remove(const char *veth);
