/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Value parsers for unit and policy keys. Each returns 0 or -EINVAL /
 * -ERANGE and writes *ret only on success. The syntax follows systemd's, so
 * values ops people already write work unchanged. */

int parse_boolean(const char *v);                        /* 1/0 or -EINVAL */
int safe_atou64(const char *s, uint64_t *ret);           /* decimal only, no sign, no spaces */
int safe_atou32(const char *s, uint32_t *ret);
int safe_atou(const char *s, unsigned *ret);
/* "64M", "1G", "512", "infinity" (-> UINT64_MAX); K/M/G/T/P/E are base 1024. */
int parse_size(const char *s, uint64_t *ret);
/* "500ms", "1min 30s", "2h", "5" (seconds), "infinity" (-> UINT64_MAX). */
int parse_time_usec(const char *s, uint64_t *ret);
/* "50%" -> 50 ; percent may exceed 100 when allow_over_100. */
int parse_percent(const char *s, bool allow_over_100, uint64_t *ret);
/* A TCP/UDP port, 1..65535: -EINVAL if not a number, -ERANGE outside.
 * Port 0 would be one the kernel picks: nothing a client can be told. */
int parse_ip_port(const char *s, uint16_t *ret);
int parse_uid(const char *s, uid_t *ret);                /* 0..4294967294, not -1 */
int parse_signal(const char *s, int *ret);               /* "SIGTERM", "TERM", "15" */
const char *signal_to_name(int sig);

/* rlimit value of one Limit*= key: "N", "SOFT:HARD", "infinity";
 * kind says whether values are bytes, seconds, microseconds or plain. */
typedef enum RlimitValueKind {
        RLIMIT_VALUE_NUMBER,
        RLIMIT_VALUE_BYTES,
        RLIMIT_VALUE_SECONDS,
        RLIMIT_VALUE_USEC,
} RlimitValueKind;
int parse_rlimit(const char *s, RlimitValueKind kind, uint64_t *ret_soft, uint64_t *ret_hard);

int rlimit_from_key(const char *key);                    /* "LimitNOFILE" -> RLIMIT_NOFILE */
const char *rlimit_to_key(int resource);
RlimitValueKind rlimit_value_kind(int resource);
const char *rlimit_to_name(int resource);                /* "NOFILE" */
int rlimit_from_name(const char *name);

/* Formatting for plan output: "64M", "1.5G" exactly only when exact. */
char *format_bytes(char *buf, size_t l, uint64_t v);
char *format_usec(char *buf, size_t l, uint64_t v);
