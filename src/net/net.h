/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Network=private, as the launcher's callers (sandboxd, sandboxctl run)
 * and the launcher use it. The host side (bridge, nftables table, leases)
 * belongs to the caller, which can re-adopt it and clean it up; the veth
 * is made by the launcher at SYNC 1, the inside configured by the child.
 * Library code: negative errnos, and a sentence in *reterr_message where
 * one helps; no logging. */

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* The host end of the service's veth: "sbx" and the address in hex, so
 * unique while addresses are. */
#define NET_VETH_NAME_MAX 16
const char *net_veth_name(const PlanNetwork *n, char buf[static NET_VETH_NAME_MAX]);
#define NET_VETH_PEER "eth0"

/* Before a start: the bridge (made, addressed, up), ip_forward and
 * route_localnet, the table, the service's lease into p->net.address, the
 * host's DNS servers into p->net.dns if the unit named none, and each
 * published port checked free on the host. Under the lock of lease.h. */
int net_host_prepare(Plan *p, const char *state_dir, char **reterr_message);
/* After the launch succeeded: the published ports (exclusive: a start;
 * not: a re-adoption, where the table may have been flushed and is made
 * again, and the egress filter with it). */
int net_host_publish(const Plan *p, bool exclusive, char **reterr_message);
/* After the service ended (or a launch failed): its ports, its egress
 * filter and its veth. The lease stays. netns_ended: the caller knows
 * that no process is left in the service's network namespace (its
 * cgroup is gone and nothing it knows of joined it), so the namespace
 * dies and the kernel removes the veth with it, in its own worker: not
 * deleted here then, which would wait for RCU grace periods, unless an
 * egress filter covered it (see net.c). */
void net_host_release(const Plan *p, bool netns_ended);

/* Launcher, parent, at SYNC 1: the veth pair, its peer named eth0 in the
 * network namespace netns_fd. */
int net_veth_add(const PlanNetwork *n, int netns_fd);
/* Launcher, parent, at SYNC 1 after net_veth_add(), before the child may
 * go on: the egress filter on the host end (nft.h), so that the service
 * never sends a packet unfiltered. Nothing when the plan restricts
 * nothing. */
int net_egress_install(const PlanNetwork *n, char **reterr_message);
/* Launcher, parent, when the launch failed after net_veth_add(): the veth
 * and its egress filter. */
void net_veth_del(const PlanNetwork *n);
/* Child, in its network namespace: lo and eth0 up, the addresses, the
 * default routes via the bridge. */
int net_inside_configure(const PlanNetwork *n, const char **reterr_step);
/* resolv.conf for the sandbox from n->dns. */
int net_resolv_conf(const PlanNetwork *n, char **ret);
/* nspawn's --resolv-conf=auto, as servers: the host's /etc/resolv.conf,
 * or, when it names only a loopback stub (127.0.0.53), systemd-resolved's
 * upstream list in /run/systemd/resolve/resolv.conf. */
int net_host_dns_servers(char ***ret);
