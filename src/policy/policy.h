/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A policy: the ceiling ops set for units. A unit asks; its policy bounds;
 * the compiler refuses a unit that asks for more. */

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
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

        /* [Seccomp] AllowAddressFamilies=: the families socket(2) and
         * socketpair(2) may create, the ceiling for a unit's
         * RestrictAddressFamilies=. Unset: any family. */
        bool address_families_set;
        uint64_t address_families;      /* mask of 1 << AF_* */
} Policy;

Policy *policy_new(const char *name);
Policy *policy_free(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, policy_free);

int policy_parse_file(Policy *p, const char *path, Diagnostics *diags);
/* name ("web", "web.policy") in the policy search path, or an absolute path. */
int policy_load(const char *name_or_path, Policy **ret, Diagnostics *diags);
/* The action Deny= entries without their own action get. */
SeccompAction policy_deny_action(const Policy *p);
