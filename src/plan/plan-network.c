/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "in-addr-util.h"
#include "macro.h"
#include "net-config.h"
#include "plan-network.h"
#include "plan.h"
#include "policy.h"
#include "port-range.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"

_Static_assert(POLICY_NETWORK_NONE == NETWORK_NONE && POLICY_NETWORK_HOST == NETWORK_HOST &&
               POLICY_NETWORK_PRIVATE == NETWORK_PRIVATE && POLICY_NETWORK_SERVICE == NETWORK_SERVICE,
               "policy and plan network modes differ");

static const char *loc(const Unit *u, const UnitLocation *l) {
        return l->file ?: u->path;
}

static const char *modes_of(uint64_t m, char buf[static 40]) {
        static const char *const names[] = { "none", "host", "private", "service" };

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (m & (UINT64_C(1) << i)) {
                        if (buf[0])
                                strcat(buf, " ");
                        strcat(buf, names[i]);
                }
        if (!buf[0])
                strcpy(buf, "nothing");
        return buf;
}

/* The policy's AllowOutbound= bounds what the service may reach: each
 * prefix of IPAddressAllow= must lie within one of the policy's (as for
 * capabilities, asking for more is an error), and, unless the policy
 * allows any, the plan carries the ceiling so that the rules pass only
 * what both the unit's lists and the policy allow. A unit without lists
 * so gets the ceiling, and IPAddressDeny= still narrows within it. */
static int check_outbound(const Unit *u, const Policy *pol, PlanNetwork *n, Diagnostics *diags) {
        _cleanup_free_ char *ceiling = NULL;
        bool any4 = false, any6 = false;
        int failed = 0;

        if (!pol->allow_outbound_set)
                return 0;
        STRV_FOREACH(o, pol->allow_outbound) {
                any4 = any4 || streq(*o, "0.0.0.0/0");
                any6 = any6 || streq(*o, "::/0");
        }
        if (any4 && any6)
                return 0;
        ceiling = strv_join(pol->allow_outbound, " ");
        if (!ceiling)
                return -ENOMEM;
        STRV_FOREACH(a, u->ip_allow) {
                bool in = false;

                STRV_FOREACH(o, pol->allow_outbound)
                        in = in || ip_prefix_within(*a, *o);
                if (!in)
                        failed = diag_add(diags, loc(u, &u->loc_ip_allow), u->loc_ip_allow.line, "IPAddressAllow",
                                          "%s is not allowed by policy %s (%s: [Network] AllowOutbound=%s).", *a,
                                          pol->name, pol->path, isempty(ceiling) ? "(nothing)" : ceiling);
        }
        n->outbound = strv_copy(pol->allow_outbound);
        if (!n->outbound)
                return -ENOMEM;
        n->outbound_limited = true;
        return failed;
}

int plan_compile_network(const Unit *u, const Policy *pol, const char *config_path, Plan *p, Diagnostics *diags) {
        _cleanup_(net_config_done) NetConfig cfg = {};
        uint64_t allowed = policy_network_mask(pol);
        int failed = 0, r;
        char buf[40];

        if (!(allowed & (UINT64_C(1) << p->network)))
                failed = diag_add(diags, loc(u, &u->loc_network), u->loc_network.line, "Network",
                                  "Network=%s is not allowed by policy %s (%s: [Network] AllowNetwork=%s).",
                                  network_mode_to_string(p->network), pol->name, pol->path, modes_of(allowed, buf));

        /* The owner's network decides its addresses, ports and DNS. */
        if (p->network == NETWORK_SERVICE) {
                if (u->address)
                        failed = diag_add(diags, loc(u, &u->loc_address), u->loc_address.line, "Address",
                                          "Address= cannot be used with Network=service:%s: the network is %s's.",
                                          p->network_service, p->network_service);
                if (u->n_publish_ports > 0)
                        failed = diag_add(diags, loc(u, &u->loc_publish), u->loc_publish.line, "PublishPort",
                                          "PublishPort= cannot be used with Network=service:%s: publish the port in %s.",
                                          p->network_service, p->network_service);
                if (strv_length(u->dns) > 0)
                        failed = diag_add(diags, loc(u, &u->loc_dns), u->loc_dns.line, "DNS",
                                          "DNS= cannot be used with Network=service:%s: the network is %s's.",
                                          p->network_service, p->network_service);
                if (p->name && streq(p->network_service, p->name))
                        failed = diag_add(diags, loc(u, &u->loc_network), u->loc_network.line, "Network",
                                          "Network=service:%s names this service itself.", p->network_service);
                return failed;
        }
        if (p->network != NETWORK_PRIVATE) {
                if (u->address)
                        failed = diag_add(diags, loc(u, &u->loc_address), u->loc_address.line, "Address",
                                          "Address= needs Network=private.");
                if (u->n_publish_ports > 0)
                        failed = diag_add(diags, loc(u, &u->loc_publish), u->loc_publish.line, "PublishPort",
                                          "PublishPort= needs Network=private.");
                if (strv_length(u->ip_allow) > 0)
                        failed = diag_add(diags, loc(u, &u->loc_ip_allow), u->loc_ip_allow.line, "IPAddressAllow",
                                          "IPAddressAllow= needs Network=private.");
                if (strv_length(u->ip_deny) > 0)
                        failed = diag_add(diags, loc(u, &u->loc_ip_deny), u->loc_ip_deny.line, "IPAddressDeny",
                                          "IPAddressDeny= needs Network=private.");
                if (strv_length(u->dns) > 0)
                        failed = diag_add(diags, loc(u, &u->loc_dns), u->loc_dns.line, "DNS", "DNS= needs Network=private.");
                return failed;
        }

        r = net_config_load(config_path, &cfg, diags);
        if (r == -EINVAL)
                return r;       /* the diagnostics name sandboxd.conf's lines */
        if (r < 0)
                return diag_add(diags, config_path ?: NET_CONFIG_PATH, 0, "Network", "Cannot read the network configuration: %s.",
                                strerror(-r));

        p->net.bridge = TAKE_PTR(cfg.bridge);
        p->net.subnet = cfg.subnet;
        p->net.prefixlen = cfg.prefixlen;
        p->net.subnet6 = cfg.subnet6;
        p->net.prefixlen6 = cfg.prefixlen6;

        if (u->address) {
                struct in_addr a;
                uint32_t host;

                (void) in4_addr_from_string(u->address, &a);   /* checked by the parser */
                host = ntohl(a.s_addr) & ~in4_netmask(p->net.prefixlen);
                if (!in4_prefix_contains(p->net.subnet, p->net.prefixlen, a))
                        failed = diag_add(diags, loc(u, &u->loc_address), u->loc_address.line, "Address",
                                          "Address %s is outside the subnet %s/%u of bridge %s (sandboxd.conf [Network] Subnet=).",
                                          u->address, inet_ntoa(p->net.subnet), p->net.prefixlen, p->net.bridge);
                else if (host <= 1 || host == ~in4_netmask(p->net.prefixlen))
                        failed = diag_add(diags, loc(u, &u->loc_address), u->loc_address.line, "Address",
                                          "Address %s is the subnet's network, gateway or broadcast address.", u->address);
                p->net.address = a;
                p->net.address_static = true;
        }
        p->net.dns = strv_copy(u->dns);
        p->net.ip_allow = strv_copy(u->ip_allow);
        p->net.ip_deny = strv_copy(u->ip_deny);
        if (!p->net.dns || !p->net.ip_allow || !p->net.ip_deny)
                return -ENOMEM;
        r = check_outbound(u, pol, &p->net, diags);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                failed = r;
        /* The host side of every published port is bounded by the same
         * ceiling as socket activation's: a host port is a host port. */
        for (size_t i = 0; i < u->n_publish_ports; i++) {
                _cleanup_free_ char *ports = NULL;

                if (port_ranges_contain(pol->allow_publish_ports, pol->n_allow_publish_ports,
                                        u->publish_ports[i].host_port))
                        continue;
                if (port_ranges_to_string(pol->allow_publish_ports, pol->n_allow_publish_ports, &ports) < 0)
                        return -ENOMEM;
                failed = diag_add(diags, loc(u, &u->loc_publish), u->loc_publish.line, "PublishPort",
                                  "Port %u not allowed by policy %s (%s: [Network] AllowPublishPorts=%s).",
                                  (unsigned) u->publish_ports[i].host_port, pol->name, pol->path, ports);
        }
        /* An IPv6 host address is DNATed to the service's IPv6 address,
         * which only a bridge with an IPv6 subnet gives it. */
        for (size_t i = 0; p->net.prefixlen6 == 0 && i < u->n_publish_ports; i++) {
                char where[PORT_MAPPING_STRING_MAX];

                if (!u->publish_ports[i].host_ipv6)
                        continue;
                failed = diag_add(diags, loc(u, &u->loc_publish), u->loc_publish.line, "PublishPort",
                                  "Host address %s needs IPv6 on bridge %s, and %s sets no [Network] Subnet6=.",
                                  port_mapping_host_port(&u->publish_ports[i], where), p->net.bridge,
                                  config_path ?: NET_CONFIG_PATH);
        }
        if (u->n_publish_ports > 0) {
                p->net.ports = calloc(u->n_publish_ports, sizeof(PlanPort));
                if (!p->net.ports)
                        return -ENOMEM;
                memcpy(p->net.ports, u->publish_ports, u->n_publish_ports * sizeof(PlanPort));
                p->net.n_ports = u->n_publish_ports;
        }
        return failed;
}
