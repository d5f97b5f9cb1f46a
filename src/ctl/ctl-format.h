/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Formatting for status and list, as systemctl shows these values. */
#define CTL_FORMAT_MAX 64
/* 1234567 -> "1.1M", 512 -> "512B"; one decimal, truncated. */
char *ctl_format_bytes(char buf[static CTL_FORMAT_MAX], uint64_t v);
/* CLOCK_REALTIME usec -> "Sun 2025-11-23 16:00:00 UTC", local time. */
char *ctl_format_timestamp(char buf[static CTL_FORMAT_MAX], uint64_t usec);
/* The age of a CLOCK_REALTIME usec, the two largest units: "5min 3s ago". */
char *ctl_format_ago(char buf[static CTL_FORMAT_MAX], uint64_t usec);
/* A duration in usec: "12ms", "1.234s", "2min 5.100s", "3h 2min". */
char *ctl_format_timespan(char buf[static CTL_FORMAT_MAX], uint64_t usec);

/* Whether stdout gets colours: a terminal, and NO_COLOR unset, TERM not dumb. */
bool ctl_use_color(void);
#define ANSI_GREEN "\x1b[0;1;32m"
#define ANSI_RED "\x1b[0;1;31m"
#define ANSI_NORMAL "\x1b[0m"

/* One syscall the filter denied, as status and run show it. */
typedef struct CtlDenial {
        const char *name;       /* "keyctl" */
        const char *action;     /* "errno:EPERM", "kill-process" */
        uint64_t count;
} CtlDenial;
/* "keyctl ×3 (errno:EPERM), socketpair ×1 (kill-process)", the first max
 * entries (the caller orders them, latest first) then "and N more";
 * "x" for "×" where the locale's charset is not UTF-8. NULL on ENOMEM. */
char *ctl_format_denials(const CtlDenial *d, size_t n, size_t max);
/* Whether LC_ALL, LC_CTYPE or LANG (the first set) names UTF-8. */
bool ctl_locale_is_utf8(void);
