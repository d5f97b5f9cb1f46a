/* SPDX-License-Identifier: LGPL-2.1-or-later */

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
