/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Bounds on what a unit may ask for and on what a plan may hold. The unit
 * parser refuses more, and the plan's JSON reader (which reads sandboxd's
 * plans back from /run as hostile input) refuses more too: one number
 * each, so that every plan the compiler writes can be read back. */

#define LAYERS_MAX                      64      /* Image= lines; the plan's "layers" */
#define BIND_MOUNTS_MAX                 256     /* BindPaths= and BindReadOnlyPaths= entries */
#define ARGV_MAX                        4096    /* words of ExecStart=; the plan's "argv" */
#define SUPPLEMENTARY_GROUPS_MAX        64      /* SupplementaryGroups=; the plan's gids */
#define CG_WEIGHT_MAX                   10000   /* CPUWeight=, IOWeight= (from 1) */
#define RESTART_COUNT_MAX               1000000 /* RestartSteps=, StartLimitBurst= */
#define HOSTNAME_LENGTH_MAX             64      /* Hostname= */

/* The plan alone. */
#define PLAN_MOUNTS_MAX                 4096
#define PLAN_DEVICES_MAX                4096
#define PLAN_SYSCALLS_MAX               4096
#define PLAN_ENVIRONMENT_MAX            4096
#define PLAN_DROPINS_MAX                1024
#define PLAN_ARCHITECTURES_MAX          16
#define PLAN_SECCOMP_BPF_MAX            (4096 * 8)      /* bytes: BPF_MAXINSNS instructions */
#define PLAN_JSON_SIZE_MAX              (16 * 1024 * 1024)
