/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pod_start_order(): sandboxd's boot order of enabled units, an owner of
 * Network=service:NAME before its joiners. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "pod-order.h"
#include "tests.h"

/* The names in the order given, space-separated, into buf. */
static const char *order_of(const char *const *names, const char *const *owners, size_t n, char *buf, size_t size) {
        size_t *order = NULL;

        ASSERT_OK(pod_start_order(names, owners, n, &order));
        buf[0] = 0;
        for (size_t i = 0; i < n; i++) {
                ASSERT_TRUE(order[i] < n);
                if (i > 0)
                        strncat(buf, " ", size - strlen(buf) - 1);
                strncat(buf, names[order[i]], size - strlen(buf) - 1);
        }
        free(order);
        return buf;
}

TEST(plain) {
        const char *names[] = { "a", "b", "c" }, *owners[] = { NULL, NULL, NULL };
        char buf[64];

        ASSERT_STREQ(order_of(names, owners, 3, buf, sizeof(buf)), "a b c");
        ASSERT_STREQ(order_of(names, owners, 0, buf, sizeof(buf)), "");
}

TEST(owner_first) {
        /* web joins db, which sorts after it; side joins web (a chain). */
        const char *names[] = { "api", "db", "side", "web" }, *owners[] = { NULL, NULL, "web", "db" };
        const char *names2[] = { "a-side", "b-web", "c-db" }, *owners2[] = { "b-web", "c-db", NULL };
        char buf[64];

        ASSERT_STREQ(order_of(names, owners, 4, buf, sizeof(buf)), "api db web side");
        ASSERT_STREQ(order_of(names2, owners2, 3, buf, sizeof(buf)), "c-db b-web a-side");
}

TEST(owner_not_enabled) {
        /* An owner that is not among them (running already, or never):
         * nothing to wait for. */
        const char *names[] = { "a", "b" }, *owners[] = { "zz", NULL };
        char buf[64];

        ASSERT_STREQ(order_of(names, owners, 2, buf, sizeof(buf)), "a b");
}

TEST(cycle) {
        /* a and b join each other (neither can start), c joins a: every
         * unit still comes once, the cycle in name order. */
        const char *names[] = { "a", "b", "c", "d" }, *owners[] = { "b", "a", "a", NULL };
        char buf[64];

        ASSERT_STREQ(order_of(names, owners, 4, buf, sizeof(buf)), "d a b c");
}

int main(void) {
        RUN(plain);
        RUN(owner_first);
        RUN(owner_not_enabled);
        RUN(cycle);
        return 0;
}
