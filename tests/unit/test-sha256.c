/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* SHA-256 (src/basic/sha256.c): the FIPS 180-2 example vectors, and the
 * CPU's SHA instructions against the portable code on every length up to
 * a few blocks, fed whole and in odd pieces, and on a long input. */

#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tests.h"

static void hex_of(const void *data, size_t n, size_t piece, char ret[static SHA256_HEX_SIZE]) {
        const uint8_t *p = data;
        uint8_t d[SHA256_DIGEST_SIZE];
        Sha256 s;

        sha256_init(&s);
        for (size_t o = 0; o < n; o += piece)
                sha256_update(&s, p + o, n - o < piece ? n - o : piece);
        sha256_finish(&s, d);
        sha256_to_hex(d, ret);
}

static void test_vectors(bool accelerated) {
        static const struct {
                const char *in, *hex;
        } v[] = {
                { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        };
        char hex[SHA256_HEX_SIZE], *million;

        printf("-- vectors (%s)\n", accelerated ? "SHA instructions" : "portable");
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                hex_of(v[i].in, strlen(v[i].in), 64, hex);
                ASSERT_STREQ(hex, v[i].hex);
                hex_of(v[i].in, strlen(v[i].in), 1, hex);
                ASSERT_STREQ(hex, v[i].hex);
        }
        million = malloc(1000000);
        ASSERT_TRUE(million);
        memset(million, 'a', 1000000);
        hex_of(million, 1000000, 4096, hex);
        ASSERT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(million);
}

static void test_paths_agree(void) {
        size_t n = (1 << 20) + 37;
        uint8_t *buf = malloc(n);
        char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];
        uint32_t x = 2463534242u;

        printf("-- the SHA instructions against the portable code\n");
        ASSERT_TRUE(buf);
        for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                buf[i] = (uint8_t) x;
        }
        for (size_t len = 0; len <= 300; len++)
                for (size_t piece = 1; piece <= 130; piece += 43) {
                        sha256_set_accelerated(false);
                        hex_of(buf, len, piece, a);
                        sha256_set_accelerated(true);
                        hex_of(buf, len, piece, b);
                        ASSERT_STREQ(a, b);
                }
        sha256_set_accelerated(false);
        hex_of(buf, n, 65536 + 3, a);
        sha256_set_accelerated(true);
        hex_of(buf, n, 65536 + 3, b);
        ASSERT_STREQ(a, b);
        free(buf);
}

int main(void) {
        bool cpu = sha256_set_accelerated(true);

        test_vectors(cpu);
        sha256_set_accelerated(false);
        test_vectors(false);
        if (cpu)
                test_paths_agree();
        else
                printf("-- no SHA instructions on this CPU: only the portable code was tested\n");
        return 0;
}
