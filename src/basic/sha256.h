/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4), for the content keys of unpacked image tarballs.
 * Small and dependency-free: the launcher needs a digest of a file, not a
 * crypto library. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (SHA256_DIGEST_SIZE * 2 + 1)

typedef struct Sha256 {
        uint32_t h[8];
        uint64_t length;        /* bytes hashed so far */
        uint8_t buf[64];
        size_t n_buf;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_finish(Sha256 *s, uint8_t ret[static SHA256_DIGEST_SIZE]);

/* Whether the CPU's SHA instructions are used (where there are any; the
 * default); off: the portable code. Returns whether they are used now.
 * For tests that compare both. */
bool sha256_set_accelerated(bool on);

/* Lower-case hex, NUL-terminated. */
void sha256_to_hex(const uint8_t digest[static SHA256_DIGEST_SIZE], char ret[static SHA256_HEX_SIZE]);
