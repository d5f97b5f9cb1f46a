/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* registries.conf: the [[registry]] subset, FILE:LINE errors, and which
 * entry a reference matches (src/image/registries-conf.c). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "registries-conf.h"
#include "tests.h"

static int parse(const char *text, RegistriesConf *c, char **err) {
        return registries_conf_parse(text, strlen(text), "/etc/sandboxd/registries.conf", c, err);
}

static void expect_error(const char *text, const char *message) {
        RegistriesConf c = {};
        char *err = NULL;

        ASSERT_EQ(parse(text, &c, &err), -EINVAL);
        ASSERT_TRUE(err != NULL);
        if (!strstr(err, message)) {
                fprintf(stderr, "got \"%s\", expected \"%s\"\n", err, message);
                abort();
        }
        ASSERT_EQ(c.n_entries, (size_t) 0);
        free(err);
}

TEST(parse) {
        RegistriesConf c = {};
        char *err = NULL;

        ASSERT_OK(parse("# podman's form\n"
                        "\n"
                        "[[registry]]\n"
                        "location = \"127.0.0.1:5000\"   # the test registry\n"
                        "insecure = true\n"
                        "  [[ registry ]]  \r\n"
                        "location='quay.io/ns'\n"
                        "insecure=false\n"
                        "[[registry]]\n"
                        "insecure = true\n"
                        "location = \"[::1]:5000\"\n",
                        &c, &err));
        ASSERT_EQ(c.n_entries, (size_t) 3);
        ASSERT_STREQ(c.entries[0].location, "127.0.0.1:5000");
        ASSERT_TRUE(c.entries[0].insecure);
        ASSERT_STREQ(c.entries[1].location, "quay.io/ns");
        ASSERT_TRUE(!c.entries[1].insecure);
        ASSERT_STREQ(c.entries[2].location, "[::1]:5000");
        ASSERT_TRUE(c.entries[2].insecure);
        registries_conf_done(&c);

        ASSERT_OK(parse("", &c, &err));
        ASSERT_EQ(c.n_entries, (size_t) 0);
}

TEST(errors) {
        expect_error("[[registry]]\nlocation = \"a\"\ninsecure = yes\n",
                     "/etc/sandboxd/registries.conf:3: insecure: expected true or false.");
        expect_error("unqualified-search-registries = [\"docker.io\"]\n",
                     "registries.conf:1: unqualified-search-registries: keys outside a [[registry]] table");
        expect_error("[[registry]]\nlocation = \"a\"\nprefix = \"b\"\n", ":3: Unsupported key \"prefix\"");
        expect_error("[[registry]]\nlocation = \"a\"\n[[registry.mirror]]\n", ":3: Unsupported table [[registry.mirror]]");
        expect_error("[registry]\n", ":1: Unsupported table header");
        expect_error("\n[[registry]]\ninsecure = true\n", ":2: This [[registry]] table has no location.");
        expect_error("[[registry]]\n[[registry]]\nlocation = \"a\"\n", ":1: This [[registry]] table has no location.");
        expect_error("[[registry]]\nlocation = \"a\"\nlocation = \"b\"\n", ":3: location: set twice");
        expect_error("[[registry]]\nlocation = \"a\"\n[[registry]]\nlocation = \"a\"\n", ":4: location: \"a\" has a");
        expect_error("[[registry]]\nlocation = \"http://a\"\n", ":2: location: \"http://a\" is not");
        expect_error("[[registry]]\nlocation = \"a b\"\n", ":2: location:");
        expect_error("[[registry]]\nlocation = \"a\n", ":2: location: unterminated");
        expect_error("[[registry]]\nlocation = a\n", ":2: location: expected a quoted string.");
        expect_error("[[registry]]\ninsecure = true false\n", ":2: insecure: expected true or false.");
        expect_error("[[registry]]\ngarbage\n", ":2: Expected key = value");
        expect_error("[[registry]]\n = 1\n", ":2: Invalid key");
}

TEST(nul) {
        RegistriesConf c = {};
        char *err = NULL;
        static const char t[] = "[[registry]]\nlocation = \"a\"\0\n";

        ASSERT_EQ(registries_conf_parse(t, sizeof(t) - 1, "f", &c, &err), -EINVAL);
        ASSERT_STREQ(err, "f:2: NUL byte.");
        free(err);
}

TEST(match) {
        RegistriesConf c = {};
        char *err = NULL;

        ASSERT_OK(parse("[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n"
                        "[[registry]]\nlocation = \"quay.io/ns\"\ninsecure = true\n"
                        "[[registry]]\nlocation = \"quay.io/ns/secure\"\ninsecure = false\n",
                        &c, &err));
        ASSERT_TRUE(registries_conf_insecure(&c, "127.0.0.1:5000", "t/img"));
        ASSERT_TRUE(!registries_conf_insecure(&c, "127.0.0.1:5001", "t/img"));
        ASSERT_TRUE(!registries_conf_insecure(&c, "127.0.0.1", "t/img"));
        ASSERT_TRUE(registries_conf_insecure(&c, "quay.io", "ns/img"));
        ASSERT_TRUE(registries_conf_insecure(&c, "quay.io", "ns"));
        ASSERT_TRUE(!registries_conf_insecure(&c, "quay.io", "nsx/img"));
        ASSERT_TRUE(!registries_conf_insecure(&c, "quay.io", "other/img"));
        /* The longest location wins. */
        ASSERT_TRUE(!registries_conf_insecure(&c, "quay.io", "ns/secure/img"));
        ASSERT_TRUE(!registries_conf_insecure(&c, "docker.io", "library/busybox"));
        registries_conf_done(&c);
}

int main(void) {
        RUN(parse);
        RUN(errors);
        RUN(nul);
        RUN(match);
        return 0;
}
