/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* [Network] of sandboxd.conf: the bridge Network=private services are
 * attached to, and its subnets. The compiler reads it (Address= must lie
 * in the subnet) and copies it into the plan, so that the launcher and
 * sandboxd use what the plan says and nothing else. */

#include <netinet/in.h>

#include "diag.h"

#define NET_CONFIG_PATH SYSCONFDIR "/sandboxd/sandboxd.conf"
#define NET_DEFAULT_BRIDGE "sandbox0"
#define NET_DEFAULT_SUBNET "10.89.0.0/16"
#define NET_DEFAULT_SUBNET6 "fd89:5bd0:7e1a::/64"

typedef struct NetConfig {
        char *bridge;
        struct in_addr subnet;
        unsigned prefixlen;
        struct in6_addr subnet6;
        unsigned prefixlen6;            /* 64, or 0: no IPv6 (Subnet6= empty) */
} NetConfig;

void net_config_done(NetConfig *c);
/* path NULL: NET_CONFIG_PATH. A missing file gives the defaults; a file
 * that does not parse is -EINVAL with diagnostics. */
int net_config_load(const char *path, NetConfig *ret, Diagnostics *diags);
