/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "plan.h"

/* The plan for people: what will happen, in order, with every value
 * resolved (`sandboxctl plan`). */
void plan_print(const Plan *p, FILE *f);
