/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The plan as JSON: the stable format of `sandboxctl plan --json`,
 * documented in sandboxctl(1), and how sandboxd keeps plans under /run.
 * The reader is strict (unknown keys, wrong types, relative paths and
 * out-of-range values are errors), since a plan read back is trusted by
 * the launcher. */

#include "plan.h"

int plan_to_json(const Plan *p, char **ret);
/* The same as a json-c object; -ENOMEM for any allocation that failed, so
 * that no field is ever written as a null it is not. */
struct json_object;
int plan_to_json_object(const Plan *p, struct json_object **ret);
/* reterr_message: a sentence naming the offending field, on -EINVAL. */
int plan_from_json(const char *text, size_t size, Plan **ret, char **reterr_message);
