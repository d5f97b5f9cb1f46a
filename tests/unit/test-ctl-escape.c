/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl's escaping of a service's output for a terminal
 * (src/ctl/ctl-escape.c), fed whole and one byte at a time. */

#include "ctl-escape.h"
#include "tests.h"

/* s escaped as one chunk, and again fed byte by byte: both must agree. */
static char *escaped(const char *s, size_t n, bool bytewise) {
        CtlEscape e = { .escape = true };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_TRUE(f);
        if (bytewise)
                for (size_t i = 0; i < n; i++)
                        ASSERT_EQ(ctl_escape_write(&e, f, s + i, 1), 0);
        else
                ASSERT_EQ(ctl_escape_write(&e, f, s, n), 0);
        ASSERT_EQ(ctl_escape_flush(&e, f), 0);
        fclose(f);
        return buf;
}

static void check(const char *in, size_t n, const char *want) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
                char *got = escaped(in, n, bytewise);

                if (strcmp(got, want) != 0) {
                        fprintf(stderr, "escaping (bytewise=%d) gave \"%s\", want \"%s\"\n", bytewise, got, want);
                        abort();
                }
                free(got);
        }
}

#define CHECK(in, want) check((in), sizeof(in) - 1, (want))

TEST(controls) {
        CHECK("plain text\n\ttab", "plain text\n\ttab");
        CHECK("\033]0;pwned\007", "\\x1b]0;pwned\\x07");
        CHECK("\033[2J", "\\x1b[2J");
        CHECK("cr\rdel\x7f", "cr\\x0ddel\\x7f");
        CHECK("nul\0end", "nul\\x00end");
}

TEST(utf8) {
        /* Valid text passes, whole or cut anywhere. */
        CHECK("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
        /* C1 controls (8-bit CSI as U+009B) are controls too. */
        CHECK("\xc2\x9b" "2J", "\\xc2\\x9b2J");
        /* Invalid bytes: a lone continuation, a raw 0x9b, an overlong
         * ESC, a surrogate, a start cut by the end of the stream. */
        CHECK("a\x80z", "a\\x80z");
        CHECK("\x9b" "2J", "\\x9b2J");
        CHECK("\xc0\x9b", "\\xc0\\x9b");
        CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");
        CHECK("x\xe2\x82", "x\\xe2\\x82");
        CHECK("\xe2\x82" "A", "\\xe2\\x82A");
}

TEST(raw) {
        CtlEscape e = { .escape = false };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_TRUE(f);
        ASSERT_EQ(ctl_escape_write(&e, f, "\033[2J\x80", 5), 0);
        ASSERT_EQ(ctl_escape_flush(&e, f), 0);
        fclose(f);
        ASSERT_EQ(size, 5);
        ASSERT_TRUE(memcmp(buf, "\033[2J\x80", 5) == 0);
        free(buf);

        f = open_memstream(&buf, &size);
        ASSERT_TRUE(f);
        ASSERT_EQ(ctl_escape_fputs(f, "id\033x", 4, true), 0);
        fclose(f);
        ASSERT_STREQ(buf, "id\\x1bx");
        free(buf);
}

int main(void) {
        RUN(controls);
        RUN(utf8);
        RUN(raw);
        return 0;
}
