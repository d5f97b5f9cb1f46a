/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conf-parser.h"
#include "in-addr-util.h"
#include "macro.h"
#include "net-config.h"
#include "string-util.h"

static const char *const net_config_sections[] = { "Network", NULL };

void net_config_done(NetConfig *c) {
        c->bridge = mfree(c->bridge);
}

static int parse_bridge(ConfContext *c, const char *v, void *data) {
        char **b = data;

        if (!ifname_is_valid(v))
                return conf_error(c, "Invalid interface name \"%s\" (1-15 characters, no '/', ':' or spaces).", v);
        return conf_parse_string(c, v, b);
}

static int parse_subnet(ConfContext *c, const char *v, void *data) {
        NetConfig *n = data;
        int r;

        r = in4_prefix_from_string(v, false, &n->subnet, &n->prefixlen);
        if (r == -EDOM)
                return conf_error(c, "Subnet %s has host bits set; write the network address.", v);
        if (r < 0)
                return conf_error(c, "Invalid IPv4 subnet \"%s\", expected ADDRESS/PREFIXLENGTH.", v);
        /* /30 leaves the bridge and one service; /8 is plenty. */
        if (n->prefixlen < 8 || n->prefixlen > 30)
                return conf_error(c, "Subnet %s: the prefix length must be between 8 and 30.", v);
        return 0;
}

static int parse_subnet6(ConfContext *c, const char *v, void *data) {
        NetConfig *n = data;
        int r;

        if (isempty(v)) {
                n->prefixlen6 = 0;
                return 0;
        }
        r = in6_prefix_from_string(v, false, &n->subnet6, &n->prefixlen6);
        if (r < 0 || n->prefixlen6 != 64)
                return conf_error(c, "Invalid IPv6 subnet \"%s\", expected a /64 (e.g. a ULA fdXX:XXXX:XXXX::/64).", v);
        return 0;
}

static const ConfItem net_config_items[] = {
        { "Network", "Bridge", parse_bridge, offsetof(NetConfig, bridge) },
        { "Network", "Subnet", parse_subnet, 0 },
        { "Network", "Subnet6", parse_subnet6, 0 },
};

int net_config_load(const char *path, NetConfig *ret, Diagnostics *diags) {
        NetConfig c = {};
        int r;

        c.bridge = strdup(NET_DEFAULT_BRIDGE);
        if (!c.bridge)
                return -ENOMEM;
        (void) in4_prefix_from_string(NET_DEFAULT_SUBNET, false, &c.subnet, &c.prefixlen);
        (void) in6_prefix_from_string(NET_DEFAULT_SUBNET6, false, &c.subnet6, &c.prefixlen6);

        path = path ?: NET_CONFIG_PATH;
        if (access(path, F_OK) < 0 && errno == ENOENT) {
                *ret = c;
                return 0;
        }
        r = conf_parse_file(path, net_config_sections, net_config_items, ELEMENTSOF(net_config_items), &c, &c, diags);
        if (r < 0) {
                net_config_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
