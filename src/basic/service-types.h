/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The vocabulary a unit file, the launch plan and the supervisor share:
 * enumerated key values with their one string table each, and the value
 * of a Limit*= key. Below src/unit and src/plan so that both speak it and
 * neither includes the other. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "string-table.h"

typedef enum NetworkMode {
        NETWORK_NONE,   /* own network namespace with only lo, up */
        NETWORK_HOST,   /* the host's network namespace */
        NETWORK_PRIVATE, /* own network namespace, a veth into sandboxd's bridge, an address */
        NETWORK_SERVICE, /* "service:NAME": the network namespace of the running service NAME */
        _NETWORK_MODE_MAX,
        _NETWORK_MODE_INVALID = -EINVAL,
} NetworkMode;
DECLARE_STRING_TABLE_LOOKUP(network_mode, NetworkMode);

/* PublishPort=[HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTO], as the unit says it
 * and the plan carries it. HOSTIP is an IPv4 address or a bracketed IPv6
 * one; without it, every local address of both families. */
typedef struct PortMapping {
        int protocol;                   /* IPPROTO_TCP, IPPROTO_UDP */
        struct in_addr host_address;    /* 0.0.0.0: every local address (IPv4 and IPv6) */
        uint16_t host_port;
        uint16_t container_port;
        bool host_ipv6;                 /* host_address6 is the host address, not host_address */
        struct in6_addr host_address6;  /* ::: every local IPv6 address */
} PortMapping;

/* The host address as nft and the D-Bus API write it: "0.0.0.0",
 * "2001:db8::1" (no brackets). */
const char *port_mapping_host(const PortMapping *p, char buf[static INET6_ADDRSTRLEN]);
/* "0.0.0.0:8080/tcp", "[2001:db8::1]:8080/tcp": for messages. */
#define PORT_MAPPING_STRING_MAX (INET6_ADDRSTRLEN + 16)
const char *port_mapping_host_port(const PortMapping *p, char buf[static PORT_MAPPING_STRING_MAX]);
/* Do the two publish the same host port on an address they share? */
bool port_mapping_overlap(const PortMapping *a, const PortMapping *b);

/* Pull= (Quadlet's key): when a registry reference is pulled at start. */
typedef enum PullPolicy {
        PULL_MISSING,
        PULL_ALWAYS,
        PULL_NEVER,
        PULL_NEWER,
        _PULL_POLICY_MAX,
        _PULL_POLICY_INVALID = -EINVAL,
} PullPolicy;
DECLARE_STRING_TABLE_LOOKUP(pull_policy, PullPolicy);

typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_ON_SUCCESS,
        RESTART_ON_FAILURE,
        RESTART_ON_ABNORMAL,
        RESTART_ON_ABORT,
        RESTART_ALWAYS,
        _RESTART_POLICY_MAX,
        _RESTART_POLICY_INVALID = -EINVAL,
} RestartPolicy;
DECLARE_STRING_TABLE_LOOKUP(restart_policy, RestartPolicy);

/* A service's cgroup limits, one value from the unit's [Resources] through
 * the plan to the cgroup drivers. CGROUP_LIMIT_MAX: no limit; weights 0:
 * unset. The unit holds UNIT_TASKS_MAX_UNSET in tasks_max until the
 * compiler puts in the default. */
typedef struct CgroupLimits {
        uint64_t memory_max;
        uint64_t memory_high;
        uint64_t memory_swap_max;
        uint64_t tasks_max;
        uint64_t cpu_quota_per_sec_usec; /* USEC_INFINITY: no quota */
        uint64_t cpu_weight;             /* 1..10000, 0 = unset */
        uint64_t io_weight;              /* 1..10000, 0 = unset */
} CgroupLimits;

#define CGROUP_LIMITS_NONE                                                              \
        ((CgroupLimits) {                                                               \
                .memory_max = UINT64_MAX, .memory_high = UINT64_MAX,                    \
                .memory_swap_max = UINT64_MAX, .tasks_max = UINT64_MAX,                 \
                .cpu_quota_per_sec_usec = UINT64_MAX,                                   \
        })

/* One Limit*= key, as the unit says it and the launcher applies it. */
typedef struct ResourceLimit {
        bool set;
        uint64_t soft, hard;    /* RLIM_INFINITY for infinity */
} ResourceLimit;
