/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>

#include "cap-util.h"
#include "conf-parser.h"
#include "conf-values.h"
#include "extract-word.h"
#include "namespace-util.h"
#include "in-addr-util.h"
#include "parse-util.h"
#include "path-util.h"
#include "sandbox-limits.h"
#include "string-util.h"
#include "strv.h"
#include "unit-name.h"
#include "unit.h"

static const char *const unit_sections[] = {
        "Unit", "Sandbox", "Security", "Resources", "Service", "Socket", "Install", NULL,
};

Unit *unit_of(ConfContext *c) {
        return c->userdata;
}

int unit_set_location(ConfContext *c, UnitLocation *l) {
        char *f = strdup(c->file);

        if (!f)
                return -ENOMEM;
        free(l->file);
        l->file = f;
        l->line = c->line;
        return 0;
}

static int parse_image(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        UnitImage *n;

        if (unit_set_location(c, &u->loc_images) < 0)
                return -ENOMEM;
        if (isempty(v)) {
                for (size_t i = 0; i < u->n_images; i++) {
                        free(u->images[i].path);
                        free(u->images[i].file);
                }
                u->images = mfree(u->images);
                u->n_images = 0;
                return 0;
        }
        /* A path is checked here; an image reference (oci:..., a registry
         * name) by the compiler, which resolves it against the store. */
        if (path_is_absolute(v) && !path_is_normalized_absolute(v))
                return conf_error(c, "Image path \"%s\" is not normalized.", v);
        if (!path_is_absolute(v) && (strchr(v, ' ') || string_has_cc(v)))
                return conf_error(c, "Image \"%s\" is neither an absolute path nor an image reference.", v);
        if (u->n_images >= LAYERS_MAX)
                return conf_error(c, "Too many image layers (at most %u).", LAYERS_MAX);

        n = reallocarray(u->images, u->n_images + 1, sizeof(UnitImage));
        if (!n)
                return -ENOMEM;
        u->images = n;
        u->images[u->n_images] = (UnitImage) {
                .path = strdup(v),
                .file = strdup(c->file),
                .line = c->line,
        };
        if (!u->images[u->n_images].path || !u->images[u->n_images].file)
                return -ENOMEM;
        u->n_images++;
        return 0;
}

static int parse_namespaces(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        int r;

        r = unit_set_location(c, &u->loc_namespaces);
        if (r < 0)
                return r;
        r = conf_parse_namespace_mask(c, v, &u->namespaces);
        if (r < 0)
                return r;
        u->namespaces_set = true;
        return 0;
}

static bool hostname_is_valid(const char *s) {
        size_t l = strlen(s);

        if (l == 0 || l > HOSTNAME_LENGTH_MAX || s[0] == '-' || s[0] == '.' || s[l - 1] == '.' || s[l - 1] == '-')
                return false;
        for (const char *p = s; *p; p++) {
                if (!isalnum((unsigned char) *p) && *p != '-' && *p != '.')
                        return false;
                if (*p == '.' && p[1] == '.')
                        return false;
        }
        return true;
}

static int parse_hostname(ConfContext *c, const char *v, void *data) {
        if (!isempty(v) && !hostname_is_valid(v))
                return conf_error(c, "Invalid hostname \"%s\" (letters, digits, '-' and '.', at most %u characters).", v,
                                  HOSTNAME_LENGTH_MAX);
        return conf_parse_string(c, v, data);
}

static int parse_network(ConfContext *c, const char *v, void *data) {
        NetworkMode *m = data, k;

        if (unit_set_location(c, &unit_of(c)->loc_network) < 0)
                return -ENOMEM;
        if (isempty(v)) {
                *m = _NETWORK_MODE_INVALID; /* back to the default */
                return 0;
        }
        /* service:NAME joins the network namespace of the running NAME;
         * whether it runs is sandboxd's to check at start. */
        if (startswith(v, "service:")) {
                const char *name = v + strlen("service:");
                char *copy;

                if (!unit_name_is_valid(name))
                        return conf_error(c, "Invalid unit name \"%s\" in Network=service:NAME (%s).", name,
                                          UNIT_NAME_RULE);
                copy = strdup(name);
                if (!copy)
                        return -ENOMEM;
                free(unit_of(c)->network_service);
                unit_of(c)->network_service = copy;
                *m = NETWORK_SERVICE;
                return 0;
        }
        if (streq(v, "service"))
                return conf_error(c, "Network=service needs the name of the service to join: service:NAME.");
        k = network_mode_from_string(v);
        if (k < 0) {
                size_t n;
                const char *const *names = network_mode_names(&n);
                return conf_error_unknown(c, "Invalid network mode", v, names, n);
        }
        *m = k;
        return 0;
}

static int parse_address(ConfContext *c, const char *v, void *data) {
        struct in_addr a;

        if (unit_set_location(c, &unit_of(c)->loc_address) < 0)
                return -ENOMEM;
        if (!isempty(v) && in4_addr_from_string(v, &a) < 0)
                return conf_error(c, "Invalid IPv4 address \"%s\".", v);
        return conf_parse_string(c, v, data);
}

static int parse_dns(ConfContext *c, const char *v, void *data) {
        char ***l = data;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (unit_set_location(c, &unit_of(c)->loc_dns) < 0)
                return -ENOMEM;
        if (isempty(v)) {
                *l = strv_free(*l);
                return 0;
        }
        r = conf_parse_strv(c, v, &words);
        if (r < 0)
                return r;
        STRV_FOREACH(w, words) {
                struct in_addr a4;
                struct in6_addr a6;
                unsigned len;

                if (in4_addr_from_string(*w, &a4) < 0 &&
                    (strchr(*w, '/') || in6_prefix_from_string(*w, false, &a6, &len) < 0))
                        return conf_error(c, "Invalid DNS server \"%s\": expected an IPv4 or IPv6 address.", *w);
                r = strv_extend(l, *w);
                if (r < 0)
                        return r;
        }
        if (strv_length(*l) > 3)
                return conf_error(c, "At most 3 DNS servers (resolv.conf's MAXNS).");
        return 0;
}

/* systemd's IPAddressAllow=/IPAddressDeny=: words accumulate, empty resets. */
static int parse_ip_filter(ConfContext *c, const char *v, char ***l, UnitLocation *loc) {
        if (unit_set_location(c, loc) < 0)
                return -ENOMEM;
        return conf_parse_ip_prefixes(c, v, l);
}

static int parse_ip_allow(ConfContext *c, const char *v, void *data) {
        return parse_ip_filter(c, v, &unit_of(c)->ip_allow, &unit_of(c)->loc_ip_allow);
}

static int parse_ip_deny(ConfContext *c, const char *v, void *data) {
        return parse_ip_filter(c, v, &unit_of(c)->ip_deny, &unit_of(c)->loc_ip_deny);
}

/* "[ADDRESS]" of PublishPort=. What the host's nftables DNAT cannot carry
 * out is refused here rather than published to no effect. */
static int parse_publish_address6(ConfContext *c, char *bracketed, const char *v, PortMapping *port) {
        size_t len = strlen(bracketed);
        unsigned prefixlen;

        if (len < 3 || bracketed[len - 1] != ']')
                return conf_error(c, "Invalid host address \"%s\" in \"%s\": expected [IPV6ADDRESS].", bracketed, v);
        bracketed[len - 1] = '\0';
        if (in6_prefix_from_string(bracketed + 1, false, &port->host_address6, &prefixlen) < 0 || prefixlen != 128 ||
            strchr(bracketed, '/'))
                return conf_error(c, "Invalid host address \"%s\" in \"%s\": expected an IPv6 address.", bracketed + 1, v);
        /* IPv6 has no route_localnet: the kernel drops a connection from
         * ::1 that a DNAT sends out of the host (podman and netavark do
         * not publish it either). */
        if (IN6_IS_ADDR_LOOPBACK(&port->host_address6))
                return conf_error(c, "Host address [::1] in \"%s\" cannot be published: the kernel does not forward IPv6 "
                                  "loopback connections out of the host; use 127.0.0.1.", v);
        if (IN6_IS_ADDR_LINKLOCAL(&port->host_address6) || IN6_IS_ADDR_MULTICAST(&port->host_address6) ||
            IN6_IS_ADDR_V4MAPPED(&port->host_address6))
                return conf_error(c, "Host address [%s] in \"%s\" cannot be published: expected a global or unique local "
                                  "IPv6 address (or an IPv4 address without brackets).", bracketed + 1, v);
        port->host_ipv6 = true;
        return 0;
}

/* Quadlet's syntax: [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]. */
static int parse_publish_port(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        _cleanup_free_ char *buf = NULL;
        PortMapping port = { .protocol = IPPROTO_TCP };
        char *slash, *last, *host_port;
        PortMapping *n;
        int r;

        if (unit_set_location(c, &u->loc_publish) < 0)
                return -ENOMEM;
        if (isempty(v)) {
                u->publish_ports = mfree(u->publish_ports);
                u->n_publish_ports = 0;
                return 0;
        }
        buf = strdup(v);
        if (!buf)
                return -ENOMEM;
        slash = strchr(buf, '/');
        if (slash) {
                *slash = '\0';
                if (streq(slash + 1, "udp"))
                        port.protocol = IPPROTO_UDP;
                else if (!streq(slash + 1, "tcp"))
                        return conf_error(c, "Invalid protocol \"%s\" in \"%s\": expected tcp or udp.", slash + 1, v);
        }
        last = strrchr(buf, ':');
        if (!last)
                return conf_error(c, "Invalid PublishPort=%s: expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp].", v);
        *last = '\0';
        if (parse_ip_port(last + 1, &port.container_port) < 0)
                return conf_error(c, "Invalid container port \"%s\" in \"%s\": expected 1-65535.", last + 1, v);
        host_port = strrchr(buf, ':');
        if (host_port) {
                *host_port++ = '\0';
                if (buf[0] == '[') {
                        r = parse_publish_address6(c, buf, v, &port);
                        if (r < 0)
                                return r;
                } else if (in4_addr_from_string(buf, &port.host_address) < 0)
                        return conf_error(c, "Invalid host address \"%s\" in \"%s\": expected an IPv4 address or a "
                                          "bracketed IPv6 address ([2001:db8::1]).", buf, v);
        } else
                host_port = buf;
        if (parse_ip_port(host_port, &port.host_port) < 0)
                return conf_error(c, "Invalid host port \"%s\" in \"%s\": expected 1-65535.", host_port, v);
        for (size_t i = 0; i < u->n_publish_ports; i++)
                if (port_mapping_overlap(&u->publish_ports[i], &port))
                        return conf_error(c, "Host port %u/%s is published twice.", port.host_port,
                                          port.protocol == IPPROTO_UDP ? "udp" : "tcp");
        n = reallocarray(u->publish_ports, u->n_publish_ports + 1, sizeof(PortMapping));
        if (!n)
                return -ENOMEM;
        u->publish_ports = n;
        n[u->n_publish_ports++] = port;
        return 0;
}

static void unit_bind_done(UnitBind *b) {
        free(b->source);
        free(b->target);
        free(b->file);
}

/* "-SRC[:DST[:OPTIONS]]", several per line, systemd's syntax. */
static int parse_bind(ConfContext *c, const char *v, bool read_only) {
        Unit *u = unit_of(c);
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(v)) {
                /* systemd resets both lists on an empty BindPaths= or
                 * BindReadOnlyPaths=; we reset only the ones of this kind. */
                size_t j = 0;
                for (size_t i = 0; i < u->n_binds; i++) {
                        if (u->binds[i].read_only == read_only)
                                unit_bind_done(&u->binds[i]);
                        else
                                u->binds[j++] = u->binds[i];
                }
                u->n_binds = j;
                return 0;
        }

        r = conf_split_words(c, v, &words);
        if (r < 0)
                return r;

        STRV_FOREACH(w, words) {
                _cleanup_free_ char *src = NULL, *dst = NULL;
                const char *s = *w;
                bool ignore_missing = false, recursive = true, root_idmap = false;
                char *colon, *colon2;
                UnitBind *n;

                if (s[0] == '-') {
                        ignore_missing = true;
                        s++;
                }
                src = strdup(s);
                if (!src)
                        return -ENOMEM;
                colon = strchr(src, ':');
                if (colon) {
                        *colon = 0;
                        colon2 = strchr(colon + 1, ':');
                        if (colon2) {
                                char *save = NULL;

                                *colon2 = 0;
                                /* Comma-separated, as systemd-nspawn's --bind= options. */
                                for (char *o = strtok_r(colon2 + 1, ",", &save); o; o = strtok_r(NULL, ",", &save))
                                        if (streq(o, "rbind"))
                                                recursive = true;
                                        else if (streq(o, "norbind"))
                                                recursive = false;
                                        else if (streq(o, "rootidmap"))
                                                root_idmap = true;
                                        else
                                                return conf_error(c, "Invalid bind mount option \"%s\", expected rbind, norbind or rootidmap.", o);
                        }
                        dst = strdup(colon + 1);
                } else
                        dst = strdup(src);
                if (!dst)
                        return -ENOMEM;

                if (!path_is_normalized_absolute(src))
                        return conf_error(c, "Bind source \"%s\" is not an absolute, normalized path.", src);
                if (!path_is_normalized_absolute(dst))
                        return conf_error(c, "Bind destination \"%s\" is not an absolute, normalized path.", dst);
                if (streq(dst, "/"))
                        return conf_error(c, "Bind destination may not be \"/\"; the root comes from Image=.");
                if (u->n_binds >= BIND_MOUNTS_MAX)
                        return conf_error(c, "Too many bind mounts (at most %u).", BIND_MOUNTS_MAX);

                n = reallocarray(u->binds, u->n_binds + 1, sizeof(UnitBind));
                if (!n)
                        return -ENOMEM;
                u->binds = n;
                u->binds[u->n_binds] = (UnitBind) {
                        .source = TAKE_PTR(src),
                        .target = TAKE_PTR(dst),
                        .read_only = read_only,
                        .recursive = recursive,
                        .ignore_missing = ignore_missing,
                        .root_idmap = root_idmap,
                        .line = c->line,
                        .file = strdup(c->file),
                };
                u->n_binds++;
                if (!u->binds[u->n_binds - 1].file)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_bind_rw(ConfContext *c, const char *v, void *data) {
        return parse_bind(c, v, false);
}

static int parse_bind_ro(ConfContext *c, const char *v, void *data) {
        return parse_bind(c, v, true);
}

static bool tmpfs_options_are_valid(const char *o) {
        /* Only what makes sense for a tmpfs in a sandbox; anything else
         * (e.g. "uid=" mapping tricks) must be a deliberate change here. */
        static const char *const allowed[] = { "ro", "rw", "nosuid", "suid", "nodev", "noexec", "exec",
                                               "mode=", "size=", "nr_inodes=", "uid=", "gid=" };
        _cleanup_free_ char *c = strdup(o);
        char *save = NULL;

        if (!c)
                return false;
        for (char *w = strtok_r(c, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                bool ok = false;
                for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
                        const char *a = allowed[i];
                        if (endswith(a, "=") ? !!startswith(w, a) : streq(w, a))
                                ok = true;
                }
                if (!ok)
                        return false;
        }
        return true;
}

static int parse_tmpfs(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(v)) {
                for (size_t i = 0; i < u->n_tmpfs; i++) {
                        free(u->tmpfs[i].path);
                        free(u->tmpfs[i].options);
                        free(u->tmpfs[i].file);
                }
                u->tmpfs = mfree(u->tmpfs);
                u->n_tmpfs = 0;
                return 0;
        }
        r = conf_split_words(c, v, &words);
        if (r < 0)
                return r;

        STRV_FOREACH(w, words) {
                _cleanup_free_ char *p = strdup(*w);
                char *colon, *opts = NULL;
                UnitTmpfs *n;

                if (!p)
                        return -ENOMEM;
                colon = strchr(p, ':');
                if (colon) {
                        *colon = 0;
                        if (!tmpfs_options_are_valid(colon + 1))
                                return conf_error(c, "Invalid tmpfs options \"%s\" (allowed: ro rw nosuid nodev noexec mode= size= "
                                                  "nr_inodes= uid= gid=; a tmpfs in a sandbox is always nodev).", colon + 1);
                        opts = strdup(colon + 1);
                        if (!opts)
                                return -ENOMEM;
                }
                if (!path_is_normalized_absolute(p) || streq(p, "/")) {
                        free(opts);
                        return conf_error(c, "TemporaryFileSystem path \"%s\" is not an absolute, normalized path other than /.", p);
                }
                n = reallocarray(u->tmpfs, u->n_tmpfs + 1, sizeof(UnitTmpfs));
                if (!n) {
                        free(opts);
                        return -ENOMEM;
                }
                u->tmpfs = n;
                u->tmpfs[u->n_tmpfs++] = (UnitTmpfs) {
                        .path = TAKE_PTR(p), .options = opts, .line = c->line, .file = strdup(c->file),
                };
                if (!u->tmpfs[u->n_tmpfs - 1].file)
                        return -ENOMEM;
        }
        return 0;
}

static bool env_name_is_valid(const char *s, size_t l) {
        if (l == 0 || l > 256 || isdigit((unsigned char) s[0]))
                return false;
        for (size_t i = 0; i < l; i++)
                if (!isalnum((unsigned char) s[i]) && s[i] != '_')
                        return false;
        return true;
}

static int parse_environment(ConfContext *c, const char *v, void *data) {
        char ***env = data;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = conf_list_words(c, v, env, &words);
        if (r <= 0)
                return r;
        STRV_FOREACH(w, words) {
                const char *eq = strchr(*w, '=');
                if (!eq || !env_name_is_valid(*w, (size_t) (eq - *w)))
                        return conf_error(c, "Invalid environment assignment \"%s\", expected NAME=value.", *w);
                if (string_has_cc(*w))
                        return conf_error(c, "Environment value contains control characters.");
                r = strv_env_set(env, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_environment_file(ConfContext *c, const char *v, void *data) {
        const char *p = v;

        if (isempty(v))
                return conf_parse_strv_whole(c, v, data);
        if (p[0] == '-')
                p++;
        if (!path_is_normalized_absolute(p))
                return conf_error(c, "EnvironmentFile path \"%s\" is not an absolute, normalized path.", p);
        return conf_parse_strv_whole(c, v, data);
}

static int parse_caps(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        uint64_t *mask = data;
        int r;

        r = unit_set_location(c, mask == &u->capabilities ? &u->loc_capabilities : &u->loc_ambient);
        if (r < 0)
                return r;
        if (mask == &u->capabilities)
                u->capabilities_set = true;
        return conf_parse_capability_mask(c, v, mask);
}

/* systemd's RestrictAddressFamilies=: "AF_UNIX AF_INET", "~AF_PACKET",
 * "none", or empty to reset. Unlike systemd, an unknown family is an error,
 * not a warning: a typo must not silently widen or narrow the list. */
static int parse_address_families(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        bool invert = false;
        uint64_t m;
        int r;

        if (isempty(v)) {
                u->address_families_listed = false;
                u->address_families_allow_list = false;
                u->address_families = 0;
                return 0;
        }
        if (streq(v, "none")) {
                u->address_families_listed = false;
                u->address_families_allow_list = true;
                u->address_families = 0;
                return 0;
        }
        if (v[0] == '~') {
                invert = true;
                v++;
        }
        r = conf_parse_address_family_mask(c, v, &m);
        if (r < 0)
                return r;

        if (!u->address_families_listed) {
                u->address_families_listed = true;
                u->address_families_allow_list = !invert;
                u->address_families = 0;
        }
        if (invert == !u->address_families_allow_list) {
                u->address_families |= m;
                if (!u->address_families_allow_list)
                        return 0;
                for (int af = 0; af < AF_MASK_BITS; af++)
                        if (m & (UINT64_C(1) << af)) {
                                r = unit_set_location(c, &u->loc_address_family[af]);
                                if (r < 0)
                                        return r;
                        }
        } else
                /* Taking a family out of an allow list, or allowing one a
                 * deny list named. */
                u->address_families &= ~m;
        return 0;
}

static int parse_policy(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);

        if (!isempty(v) && v[0] != '/' && !filename_is_valid(v))
                return conf_error(c, "Invalid policy \"%s\": a name in the policy search path, or an absolute path.", v);
        if (!isempty(v) && v[0] == '/' && !path_is_normalized_absolute(v))
                return conf_error(c, "Policy path \"%s\" is not normalized.", v);
        free(u->policy_file);
        u->policy_file = strdup(c->file);
        u->policy_line = c->line;
        if (!u->policy_file)
                return -ENOMEM;
        return conf_parse_string(c, v, data);
}

static int parse_limit_size(ConfContext *c, const char *v, void *data) {
        uint64_t *x = data;

        if (isempty(v)) {
                *x = CGROUP_LIMIT_MAX;
                return 0;
        }
        if (endswith(v, "%"))
                return conf_error(c, "Percentages of physical memory are not supported; give bytes (K, M, G, T suffixes) or infinity.");
        return conf_parse_size(c, v, data);
}

static int parse_tasks_max(ConfContext *c, const char *v, void *data) {
        uint64_t *x = data;

        if (isempty(v)) {
                *x = UNIT_TASKS_MAX_UNSET;
                return 0;
        }
        if (streq(v, "infinity")) {
                *x = CGROUP_LIMIT_MAX;
                return 0;
        }
        if (safe_atou64(v, x) < 0 || *x == 0 || *x >= UNIT_TASKS_MAX_UNSET)
                return conf_error(c, "Invalid TasksMax \"%s\", expected a positive number or infinity.", v);
        return 0;
}

static int parse_device_allow(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);

        return conf_parse_device_allow(c, v, &u->devices, &u->n_devices);
}

static int parse_cpu_quota(ConfContext *c, const char *v, void *data) {
        uint64_t *x = data, pct;

        if (isempty(v)) {
                *x = USEC_INFINITY;
                return 0;
        }
        if (parse_percent(v, true, &pct) < 0 || pct == 0 || pct > 100000)
                return conf_error(c, "Invalid CPUQuota \"%s\", expected a percentage like 50%% or 200%%.", v);
        /* A percentage of one CPU's time per second. */
        *x = pct * USEC_PER_SEC / 100;
        return 0;
}

static int parse_weight(ConfContext *c, const char *v, void *data) {
        uint64_t *x = data;

        if (isempty(v)) {
                *x = 0;
                return 0;
        }
        if (safe_atou64(v, x) < 0 || *x < 1 || *x > CG_WEIGHT_MAX)
                return conf_error(c, "Invalid weight \"%s\", expected 1..%u.", v, CG_WEIGHT_MAX);
        return 0;
}

/* Catch-all for Limit*= keys in [Resources]: 1 handled, 0 not a Limit key. */
static int parse_rlimit_key(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        int res = rlimit_from_key(c->key);
        uint64_t soft, hard;
        int r;

        if (res < 0)
                return 0;
        if (isempty(v)) {
                u->rlimits[res] = (ResourceLimit) {};
                return 1;
        }
        r = parse_rlimit(v, rlimit_value_kind(res), &soft, &hard);
        if (r == -EILSEQ)
                return conf_error(c, "Soft limit above hard limit in \"%s\".", v);
        if (r < 0)
                return conf_error(c, "Invalid limit \"%s\", expected a value or SOFT:HARD, or infinity.", v);
        u->rlimits[res] = (ResourceLimit) { .set = true, .soft = soft, .hard = hard };
        return 1;
}

static int parse_exec_start(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        if (isempty(v)) {
                u->exec_start = strv_free(u->exec_start);
                return 0;
        }
        if (strchr("-@+!:|", v[0]))
                return conf_error(c, "Command prefixes (\"%c\") are not supported; give the absolute path of the program.", v[0]);
        r = conf_split_words(c, v, &argv);
        if (r < 0)
                return r;
        if (!argv[0])
                return conf_error(c, "Empty command.");
        if (!path_is_absolute(argv[0]))
                return conf_error(c, "Program \"%s\" is not an absolute path inside the image.", argv[0]);
        if (!path_is_normalized_absolute(argv[0]))
                return conf_error(c, "Program path \"%s\" is not normalized.", argv[0]);
        if (strv_length(argv) > ARGV_MAX)
                return conf_error(c, "Too many arguments (at most %u).", ARGV_MAX);
        if (u->exec_start)
                return conf_error(c, "ExecStart= is already set (only one command; use an empty ExecStart= first to replace it).");
        u->exec_start = TAKE_PTR(argv);
        free(u->exec_start_file);
        u->exec_start_file = strdup(c->file);
        u->exec_start_line = c->line;
        return u->exec_start_file ? 0 : -ENOMEM;
}

bool user_name_is_valid(const char *s) {
        size_t l = strlen(s);

        if (l == 0 || l > 32 || s[0] == '-' || isdigit((unsigned char) s[0]))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '_' && *p != '-' && !(*p == '$' && p[1] == 0))
                        return false;
        return true;
}

static int parse_user(ConfContext *c, const char *v, void *data) {
        Unit *u = unit_of(c);
        _cleanup_free_ char *x = NULL;
        char *colon;
        uid_t id;

        if (!isempty(v)) {
                x = strdup(v);
                if (!x)
                        return -ENOMEM;
                colon = strchr(x, ':');
                if (colon) {
                        *colon = 0;
                        if (parse_uid(x, &id) < 0 || parse_uid(colon + 1, &id) < 0)
                                return conf_error(c, "Invalid User \"%s\": expected a user name, UID or UID:GID.", v);
                } else if (parse_uid(x, &id) < 0 && !user_name_is_valid(x))
                        return conf_error(c, "Invalid User \"%s\": expected a user name, UID or UID:GID.", v);
        }
        free(u->user_file);
        u->user_file = strdup(c->file);
        u->user_line = c->line;
        if (!u->user_file)
                return -ENOMEM;
        return conf_parse_string(c, v, data);
}

static int parse_group(ConfContext *c, const char *v, void *data) {
        uid_t id;

        if (!isempty(v) && parse_uid(v, &id) < 0 && !user_name_is_valid(v))
                return conf_error(c, "Invalid Group \"%s\": expected a group name or GID.", v);
        return conf_parse_string(c, v, data);
}

static int parse_supplementary_groups(ConfContext *c, const char *v, void *data) {
        char ***l = data;
        int r;

        r = conf_parse_strv(c, v, data);
        if (r < 0)
                return r;
        STRV_FOREACH(g, *l) {
                uid_t id;
                if (parse_uid(*g, &id) < 0 && !user_name_is_valid(*g))
                        return conf_error(c, "Invalid group \"%s\".", *g);
        }
        if (strv_length(*l) > SUPPLEMENTARY_GROUPS_MAX)
                return conf_error(c, "Too many supplementary groups (at most %u).", SUPPLEMENTARY_GROUPS_MAX);
        return 0;
}

static int parse_pull(ConfContext *c, const char *v, void *data) {
        PullPolicy *p = data, k;

        if (isempty(v)) {
                *p = _PULL_POLICY_INVALID;
                return 0;
        }
        k = pull_policy_from_string(v);
        if (k < 0)
                return conf_error(c, "Invalid pull policy \"%s\", expected missing, always, never or newer.", v);
        *p = k;
        return 0;
}

static int parse_restart(ConfContext *c, const char *v, void *data) {
        RestartPolicy *p = data, k;

        if (isempty(v)) {
                *p = _RESTART_POLICY_INVALID;
                return 0;
        }
        k = restart_policy_from_string(v);
        if (k < 0) {
                size_t n;
                const char *const *names = restart_policy_names(&n);
                return conf_error_unknown(c, "Invalid restart policy", v, names, n);
        }
        *p = k;
        return 0;
}

static int parse_positive_unsigned(ConfContext *c, const char *v, void *data) {
        unsigned *x = data;

        if (isempty(v)) {
                *x = UINT32_MAX; /* unset: the default applies */
                return 0;
        }
        if (safe_atou(v, x) < 0 || *x > RESTART_COUNT_MAX)
                return conf_error(c, "Invalid number \"%s\".", v);
        return 0;
}

static int parse_wanted_by(ConfContext *c, const char *v, void *data) {
        char ***l = data;
        int r;

        r = conf_parse_strv(c, v, data);
        if (r < 0)
                return r;
        STRV_FOREACH(w, *l)
                if (!streq(*w, "default") && !streq(*w, "sandboxd.service") && !streq(*w, "multi-user.target"))
                        return conf_error(c, "Unknown target \"%s\": sandboxd starts enabled units itself; use WantedBy=default.", *w);
        return 0;
}

/* Time keys: empty means "back to the default" (UNIT_USEC_UNSET). */
static int parse_usec_or_unset(ConfContext *c, const char *v, void *data) {
        uint64_t *u = data;

        if (isempty(v)) {
                *u = UNIT_USEC_UNSET;
                return 0;
        }
        return conf_parse_usec(c, v, data);
}

static int parse_signal_or_unset(ConfContext *c, const char *v, void *data) {
        int *sig = data;

        if (isempty(v)) {
                *sig = 0;
                return 0;
        }
        return conf_parse_signal(c, v, data);
}

static int parse_bool_or_unset(ConfContext *c, const char *v, void *data) {
        int *b = data;

        if (isempty(v)) {
                *b = -1;
                return 0;
        }
        return conf_parse_bool(c, v, data);
}

#define U(f) offsetof(Unit, f)
static const ConfItem unit_items[] = {
        { "Unit", "Description", conf_parse_string, U(description) },
        { "Unit", "Documentation", conf_parse_strv, U(documentation) },

        { "Sandbox", "Image", parse_image, 0 },
        { "Sandbox", "Pull", parse_pull, U(pull) },
        { "Sandbox", "ReadOnly", parse_bool_or_unset, U(read_only) },
        { "Sandbox", "Namespaces", parse_namespaces, 0 },
        { "Sandbox", "Hostname", parse_hostname, U(hostname) },
        { "Sandbox", "Network", parse_network, U(network) },
        { "Sandbox", "Address", parse_address, U(address) },
        { "Sandbox", "DNS", parse_dns, U(dns) },
        { "Sandbox", "PublishPort", parse_publish_port, 0 },
        { "Sandbox", "IPAddressAllow", parse_ip_allow, 0 },
        { "Sandbox", "IPAddressDeny", parse_ip_deny, 0 },
        { "Sandbox", "BindPaths", parse_bind_rw, 0 },
        { "Sandbox", "BindReadOnlyPaths", parse_bind_ro, 0 },
        { "Sandbox", "TemporaryFileSystem", parse_tmpfs, 0 },
        { "Sandbox", "Environment", parse_environment, U(environment) },
        { "Sandbox", "EnvironmentFile", parse_environment_file, U(environment_files) },
        { "Sandbox", "WorkingDirectory", conf_parse_path, U(working_directory) },

        { "Security", "Capabilities", parse_caps, U(capabilities) },
        { "Security", "AmbientCapabilities", parse_caps, U(ambient_capabilities) },
        { "Security", "NoNewPrivileges", parse_bool_or_unset, U(no_new_privileges) },
        { "Security", "Policy", parse_policy, U(policy) },
        { "Security", "RestrictAddressFamilies", parse_address_families, 0 },

        { "Resources", "MemoryMax", parse_limit_size, U(limits.memory_max) },
        { "Resources", "MemoryHigh", parse_limit_size, U(limits.memory_high) },
        { "Resources", "MemorySwapMax", parse_limit_size, U(limits.memory_swap_max) },
        { "Resources", "CPUQuota", parse_cpu_quota, U(limits.cpu_quota_per_sec_usec) },
        { "Resources", "CPUWeight", parse_weight, U(limits.cpu_weight) },
        { "Resources", "TasksMax", parse_tasks_max, U(limits.tasks_max) },
        { "Resources", "IOWeight", parse_weight, U(limits.io_weight) },
        { "Resources", "DeviceAllow", parse_device_allow, 0 },
        { "Resources", NULL, parse_rlimit_key, 0 },

        { "Service", "ExecStart", parse_exec_start, 0 },
        { "Service", "User", parse_user, U(user) },
        { "Service", "Group", parse_group, U(group) },
        { "Service", "SupplementaryGroups", parse_supplementary_groups, U(supplementary_groups) },
        { "Service", "Restart", parse_restart, U(restart) },
        { "Service", "RestartSec", parse_usec_or_unset, U(restart_usec) },
        { "Service", "RestartSteps", parse_positive_unsigned, U(restart_steps) },
        { "Service", "RestartMaxDelaySec", parse_usec_or_unset, U(restart_max_delay_usec) },
        { "Service", "StartLimitBurst", parse_positive_unsigned, U(start_limit_burst) },
        { "Service", "StartLimitIntervalSec", parse_usec_or_unset, U(start_limit_interval_usec) },
        { "Service", "KillSignal", parse_signal_or_unset, U(kill_signal) },
        { "Service", "TimeoutStopSec", parse_usec_or_unset, U(timeout_stop_usec) },

        { "Socket", "ListenStream", unit_parse_listen, 0 },
        { "Socket", "ListenDatagram", unit_parse_listen, 0 },
        { "Socket", "ListenSequentialPacket", unit_parse_listen, 0 },
        { "Socket", "FileDescriptorName", unit_parse_fd_name, 0 },
        { "Socket", "Backlog", unit_parse_backlog, 0 },
        { "Socket", "BindIPv6Only", unit_parse_bind_ipv6_only, 0 },
        { "Socket", "SocketUser", unit_parse_socket_owner, 0 },
        { "Socket", "SocketGroup", unit_parse_socket_owner, 0 },
        { "Socket", "SocketMode", unit_parse_socket_mode, 0 },
        { "Socket", "Accept", unit_parse_accept, 0 },

        { "Install", "WantedBy", parse_wanted_by, U(wanted_by) },
};
#undef U

int unit_parse_file(Unit *u, const char *path, Diagnostics *diags) {
        return conf_parse_file(path, unit_sections, unit_items, ELEMENTSOF(unit_items), u, u, diags);
}

int unit_parse_fd(Unit *u, int fd, const char *path, Diagnostics *diags) {
        return conf_parse_fd(fd, path, unit_sections, unit_items, ELEMENTSOF(unit_items), u, u, diags);
}
