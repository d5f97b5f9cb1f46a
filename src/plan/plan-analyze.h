/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An exposure score of a compiled plan, in the spirit of systemd-analyze
 * security: 0.0 is locked down, 10.0 unprotected. Pure: it reads the plan
 * and nothing else, so the score of a unit is what the launcher would
 * build, not what the unit file seems to say.
 *
 * Every factor is a row of plan_exposure_factors[] with its maximum
 * weight; capabilities, syscall groups, address families and devices have
 * weight tables of their own. Points add up; the score is
 * min(points, 100) / 10. sandboxctl(1) documents the same tables, and
 * tests/unit/test-plan-analyze.c keeps the two in step. */

#include <stddef.h>

#include "plan.h"

#define PLAN_EXPOSURE_POINTS_MAX 100U

typedef struct PlanExposureFactorInfo {
        const char *name;       /* "network-host" */
        unsigned max;           /* the most points this factor can give */
        const char *why;        /* one sentence: why it matters */
} PlanExposureFactorInfo;

extern const PlanExposureFactorInfo plan_exposure_factors[];
extern const size_t n_plan_exposure_factors;

/* The weight tables of the factors that add up items. */
typedef struct PlanExposureWeight {
        const char *name;       /* "CAP_SYS_ADMIN", "@mount", "bpf", "AF_PACKET", "block", ... */
        unsigned points;
} PlanExposureWeight;

extern const PlanExposureWeight plan_exposure_capability_weights[];
extern const size_t n_plan_exposure_capability_weights;
#define PLAN_EXPOSURE_CAPABILITY_DEFAULT 2U     /* a capability not in the table */

/* Syscalls the service can make, first row that has a syscall wins (so
 * @privileged counts only what the rows above it do not have). */
extern const PlanExposureWeight plan_exposure_syscall_weights[];
extern const size_t n_plan_exposure_syscall_weights;

extern const PlanExposureWeight plan_exposure_family_weights[];
extern const size_t n_plan_exposure_family_weights;
#define PLAN_EXPOSURE_FAMILY_DEFAULT 2U         /* a family not in the table */

extern const PlanExposureWeight plan_exposure_device_weights[];
extern const size_t n_plan_exposure_device_weights;

typedef struct PlanExposureFactor {
        const PlanExposureFactorInfo *info;
        unsigned points;        /* 0..info->max */
        char *detail;           /* what in the plan gave the points; "" with none */
} PlanExposureFactor;

typedef struct PlanExposure {
        unsigned points;        /* sum of the factors' points */
        unsigned score;         /* tenths: min(points, 100); 25 is "2.5" */
        PlanExposureFactor *factors;    /* one per row of plan_exposure_factors, in order */
        size_t n_factors;
} PlanExposure;

void plan_exposure_done(PlanExposure *e);

/* 0 or -ENOMEM; *ret written on success only. */
int plan_analyze(const Plan *p, PlanExposure *ret);
