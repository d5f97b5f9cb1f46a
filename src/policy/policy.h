/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A policy: the ceiling ops set for units. A unit asks; its policy bounds;
 * the compiler refuses a unit that asks for more. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "device-util.h"
#include "diag.h"
#include "port-range.h"
#include "seccomp-action.h"

typedef struct PolicyEntry {
        char *name;             /* "ptrace" or "@mount" */
        bool deny;
        bool has_action;        /* Deny=NAME:ACTION */
        SeccompAction action;
        char *file;
        unsigned line;
} PolicyEntry;

typedef struct Policy {
        char *name;
        char *path;
        char *description;

        SeccompAction default_action;
        bool default_action_set;
        PolicyEntry *entries;
        size_t n_entries;
        char **architectures;           /* libseccomp names or "native"; NULL: native only */
        uint64_t allow_namespaces;      /* types clone/unshare may create */

        uint64_t capabilities;          /* the ceiling */
        uint64_t require_namespaces;
        int allow_host_network;         /* -1 unset = no */
        int allow_root_owned_binds;     /* -1 unset = no: a writable rootidmap bind of a directory of root's */

        /* [Sandbox] AllowBindPaths=: host path prefixes (whole components)
         * that BindPaths=/BindReadOnlyPaths= sources may be under, once
         * made canonical. NULL or empty: no bind mounts at all. */
        char **allow_bind_paths;

        /* Devices a unit may add with DeviceAllow= beyond the minimal set. */
        DeviceAllow *allow_devices;
        size_t n_allow_devices;

        /* [Seccomp] AllowAddressFamilies=: the families socket(2) and
         * socketpair(2) may create, the ceiling for a unit's
         * RestrictAddressFamilies=. Unset: any family. */
        bool address_families_set;
        uint64_t address_families;      /* mask of 1 << AF_* */
        /* [Network] AllowNetwork=: mask of 1 << NetworkMode (POLICY_NETWORK_SERVICE
         * for service:NAME). Unset: none, plus host where AllowHostNetwork=yes. */
        bool allow_network_set;
        uint64_t allow_network;

        /* [Network] AllowPublishPorts=: the ports a unit may listen on
         * (ListenStream= and friends; AF_UNIX paths are not ports). None:
         * no port at all. */
        PortRange *allow_publish_ports;
        size_t n_allow_publish_ports;

        /* [Network] AllowOutbound=: canonical prefixes a unit's
         * IPAddressAllow= must fit in, and, unless they are any, the
         * destinations its service may reach at all. Unset: any. */
        bool allow_outbound_set;
        char **allow_outbound;
} Policy;

/* Bits of allow_network: the values of the plan's NetworkMode (the
 * compiler checks they agree), and service:NAME. */
#define POLICY_NETWORK_NONE 0
#define POLICY_NETWORK_HOST 1
#define POLICY_NETWORK_PRIVATE 2
#define POLICY_NETWORK_SERVICE 3
/* What the policy lets a unit ask for, AllowHostNetwork= applied as an alias. */
uint64_t policy_network_mask(const Policy *p);

Policy *policy_new(const char *name);
Policy *policy_free(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, policy_free);

int policy_parse_file(Policy *p, const char *path, Diagnostics *diags);
/* The same from an open fd (no trust check: the caller made the text);
 * path is what diagnostics name. */
int policy_parse_fd(Policy *p, int fd, const char *path, Diagnostics *diags);
/* The learning variant of p (`sandboxctl policy learn`): DefaultAction=
 * and every Deny= become "log", so whatever p would not allow is reported
 * to the supervisor and then let through. Unconfined for syscalls: only
 * for a run the operator chose to learn from. */
void policy_make_learning(Policy *p);
/* name ("web", "web.policy") in the policy search path, or an absolute path. */
int policy_load(const char *name_or_path, Policy **ret, Diagnostics *diags);
/* The same for caller (policy_load(): geteuid()): the file and the
 * directories above it must pass trust_open() for caller; a caller other
 * than root may only name a policy that is in the policy search path,
 * since the policy is what bounds that caller. */
int policy_load_as(const char *name_or_path, uid_t caller, Policy **ret, Diagnostics *diags);
/* Is the canonical host path under one of the policy's AllowBindPaths=
 * prefixes (matched on whole path components)? */
bool policy_allows_bind_path(const Policy *p, const char *canonical_path);
/* Does path start with prefix, on whole components ("/srv" covers "/srv"
 * and "/srv/a", not "/srvx")? Both absolute and normalized. */
bool path_under_prefix(const char *path, const char *prefix);
/* The action Deny= entries without their own action get. */
SeccompAction policy_deny_action(const Policy *p);
