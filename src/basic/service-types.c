/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <stdio.h>

#include "service-types.h"

static const char *const network_mode_table[_NETWORK_MODE_MAX] = {
        [NETWORK_NONE] = "none",
        [NETWORK_HOST] = "host",
        [NETWORK_PRIVATE] = "private",
        [NETWORK_SERVICE] = "service",
};
DEFINE_STRING_TABLE_LOOKUP(network_mode, NetworkMode);

static const char *const restart_policy_table[_RESTART_POLICY_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_SUCCESS] = "on-success",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ON_ABNORMAL] = "on-abnormal",
        [RESTART_ON_ABORT] = "on-abort",
        [RESTART_ALWAYS] = "always",
};
DEFINE_STRING_TABLE_LOOKUP(restart_policy, RestartPolicy);

static const char *const pull_policy_table[_PULL_POLICY_MAX] = {
        [PULL_MISSING] = "missing",
        [PULL_ALWAYS] = "always",
        [PULL_NEVER] = "never",
        [PULL_NEWER] = "newer",
};
DEFINE_STRING_TABLE_LOOKUP(pull_policy, PullPolicy);

const char *port_mapping_host(const PortMapping *p, char buf[static INET6_ADDRSTRLEN]) {
        if (p->host_ipv6)
                return inet_ntop(AF_INET6, &p->host_address6, buf, INET6_ADDRSTRLEN);
        return inet_ntop(AF_INET, &p->host_address, buf, INET6_ADDRSTRLEN);
}

const char *port_mapping_host_port(const PortMapping *p, char buf[static PORT_MAPPING_STRING_MAX]) {
        char host[INET6_ADDRSTRLEN];

        snprintf(buf, PORT_MAPPING_STRING_MAX, p->host_ipv6 ? "[%s]:%u/%s" : "%s:%u/%s", port_mapping_host(p, host),
                 (unsigned) p->host_port, p->protocol == IPPROTO_UDP ? "udp" : "tcp");
        return buf;
}

static bool port_mapping_every_address(const PortMapping *p) {
        return !p->host_ipv6 && p->host_address.s_addr == 0;
}

bool port_mapping_overlap(const PortMapping *a, const PortMapping *b) {
        if (a->protocol != b->protocol || a->host_port != b->host_port)
                return false;
        if (port_mapping_every_address(a) || port_mapping_every_address(b))
                return true;
        if (a->host_ipv6 != b->host_ipv6)
                return false;
        if (!a->host_ipv6)
                return a->host_address.s_addr == b->host_address.s_addr;
        return IN6_IS_ADDR_UNSPECIFIED(&a->host_address6) || IN6_IS_ADDR_UNSPECIFIED(&b->host_address6) ||
                IN6_ARE_ADDR_EQUAL(&a->host_address6, &b->host_address6);
}
