/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A few assertion macros for the unit suite: a failure names the file,
 * line and expression, and the test binary exits non-zero. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT_TRUE(expr)                                                                       \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_EQ(a, b)                                                                         \
        do {                                                                                    \
                long long _a_ = (long long) (a), _b_ = (long long) (b);                         \
                if (_a_ != _b_) {                                                               \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a_, _b_); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_U64(a, b)                                                                        \
        do {                                                                                    \
                uint64_t _a_ = (a), _b_ = (b);                                                  \
                if (_a_ != _b_) {                                                               \
                        fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n", __FILE__, __LINE__, #a, #b, _a_, _b_); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                      \
        do {                                                                                    \
                const char *_a_ = (a), *_b_ = (b);                                              \
                if (!_a_ || !_b_ || strcmp(_a_, _b_) != 0) {                                    \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
                                _a_ ? _a_ : "(null)", _b_ ? _b_ : "(null)");                    \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_OK(expr)                                                                         \
        do {                                                                                    \
                int _r_ = (expr);                                                               \
                if (_r_ < 0) {                                                                  \
                        fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, strerror(-_r_)); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                       \
        do {                                            \
                fprintf(stderr, "-- %s\n", #name);      \
                test_##name();                          \
        } while (0)
