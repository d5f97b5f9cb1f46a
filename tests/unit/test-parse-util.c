/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/resource.h>

#include "base64.h"
#include "cap-util.h"
#include "extract-word.h"
#include "namespace-util.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"
#include "unit-name.h"

TEST(size) {
        uint64_t v;

        ASSERT_OK(parse_size("64M", &v));
        ASSERT_U64(v, 64ULL << 20);
        ASSERT_OK(parse_size("1G", &v));
        ASSERT_U64(v, 1ULL << 30);
        ASSERT_OK(parse_size("2T", &v));
        ASSERT_U64(v, 2ULL << 40);
        ASSERT_OK(parse_size("512", &v));
        ASSERT_U64(v, 512);
        ASSERT_OK(parse_size("1.5K", &v));
        ASSERT_U64(v, 1536);
        ASSERT_OK(parse_size("16k", &v));
        ASSERT_U64(v, 16384);
        ASSERT_OK(parse_size("infinity", &v));
        ASSERT_U64(v, UINT64_MAX);
        ASSERT_EQ(parse_size("", &v), -EINVAL);
        ASSERT_EQ(parse_size("-1", &v), -EINVAL);
        ASSERT_EQ(parse_size("64MB", &v), -EINVAL);
        ASSERT_EQ(parse_size("64 M", &v), -EINVAL);
        ASSERT_EQ(parse_size("1.5", &v), -EINVAL);
        ASSERT_EQ(parse_size("99999999999999999999", &v), -ERANGE);
        ASSERT_EQ(parse_size("17000000000E", &v), -ERANGE);
        ASSERT_EQ(parse_size("M", &v), -EINVAL);
        ASSERT_EQ(parse_size("8E", &v), -ERANGE);        /* 2^63: past int64 */
        ASSERT_OK(parse_size("7E", &v));
}

TEST(time) {
        uint64_t v;

        ASSERT_OK(parse_time_usec("500ms", &v));
        ASSERT_U64(v, 500000);
        ASSERT_OK(parse_time_usec("5", &v));
        ASSERT_U64(v, 5000000);
        ASSERT_OK(parse_time_usec("1min 30s", &v));
        ASSERT_U64(v, 90000000);
        ASSERT_OK(parse_time_usec("1min30s", &v));
        ASSERT_U64(v, 90000000);
        ASSERT_OK(parse_time_usec("2h", &v));
        ASSERT_U64(v, 7200000000ULL);
        ASSERT_OK(parse_time_usec("10us", &v));
        ASSERT_U64(v, 10);
        ASSERT_OK(parse_time_usec("0.5s", &v));
        ASSERT_U64(v, 500000);
        ASSERT_OK(parse_time_usec("infinity", &v));
        ASSERT_U64(v, UINT64_MAX);
        ASSERT_EQ(parse_time_usec("", &v), -EINVAL);
        ASSERT_EQ(parse_time_usec("5 parsecs", &v), -EINVAL);
        ASSERT_EQ(parse_time_usec("ms", &v), -EINVAL);
        ASSERT_EQ(parse_time_usec("-5s", &v), -EINVAL);
}

TEST(percent_bool_signal) {
        uint64_t v;
        int s;

        ASSERT_OK(parse_percent("50%", false, &v));
        ASSERT_U64(v, 50);
        ASSERT_OK(parse_percent("250%", true, &v));
        ASSERT_U64(v, 250);
        ASSERT_EQ(parse_percent("250%", false, &v), -ERANGE);
        ASSERT_EQ(parse_percent("50", true, &v), -EINVAL);
        ASSERT_EQ(parse_percent("%", true, &v), -EINVAL);

        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("Off"), 0);
        ASSERT_EQ(parse_boolean("maybe"), -EINVAL);

        ASSERT_OK(parse_signal("SIGTERM", &s));
        ASSERT_EQ(s, SIGTERM);
        ASSERT_OK(parse_signal("KILL", &s));
        ASSERT_EQ(s, SIGKILL);
        ASSERT_OK(parse_signal("10", &s));
        ASSERT_EQ(s, 10);
        ASSERT_TRUE(parse_signal("SIGFOO", &s) < 0);
        ASSERT_TRUE(parse_signal("0", &s) < 0);
}

TEST(rlimit) {
        uint64_t soft, hard;

        ASSERT_EQ(rlimit_from_key("LimitNOFILE"), RLIMIT_NOFILE);
        ASSERT_EQ(rlimit_from_key("LimitCORE"), RLIMIT_CORE);
        ASSERT_TRUE(rlimit_from_key("LimitFOO") < 0);
        ASSERT_TRUE(rlimit_from_key("NOFILE") < 0);
        ASSERT_OK(parse_rlimit("1024:4096", RLIMIT_VALUE_NUMBER, &soft, &hard));
        ASSERT_U64(soft, 1024);
        ASSERT_U64(hard, 4096);
        ASSERT_OK(parse_rlimit("infinity", RLIMIT_VALUE_BYTES, &soft, &hard));
        ASSERT_U64(soft, RLIM_INFINITY);
        ASSERT_OK(parse_rlimit("8M", RLIMIT_VALUE_BYTES, &soft, &hard));
        ASSERT_U64(hard, 8ULL << 20);
        ASSERT_OK(parse_rlimit("1min", RLIMIT_VALUE_SECONDS, &soft, &hard));
        ASSERT_U64(soft, 60);
        ASSERT_EQ(parse_rlimit("4096:1024", RLIMIT_VALUE_NUMBER, &soft, &hard), -EILSEQ);
        ASSERT_TRUE(parse_rlimit("8M", RLIMIT_VALUE_NUMBER, &soft, &hard) < 0);
}

TEST(words) {
        char **w = NULL;

        ASSERT_OK(split_words("/bin/sh -c \"echo 'a b'; x\" last\\ word", &w));
        ASSERT_EQ(strv_length(w), 4);
        ASSERT_STREQ(w[0], "/bin/sh");
        ASSERT_STREQ(w[1], "-c");
        ASSERT_STREQ(w[2], "echo 'a b'; x");
        ASSERT_STREQ(w[3], "last word");
        w = strv_free(w);

        ASSERT_OK(split_words("'single \"inner\"' \\x41\\t", &w));
        ASSERT_STREQ(w[0], "single \"inner\"");
        ASSERT_STREQ(w[1], "A\t");
        w = strv_free(w);

        ASSERT_EQ(split_words("\"unbalanced", &w), -EINVAL);
        ASSERT_EQ(split_words("trailing\\", &w), -EINVAL);
        ASSERT_EQ(split_words("bad\\q", &w), -EINVAL);
        ASSERT_EQ(split_words("nul\\x00", &w), -EINVAL);
        ASSERT_EQ(split_words("nul\\000", &w), -EINVAL);
}

TEST(paths) {
        char p[] = "//a/./b//c/";

        ASSERT_TRUE(path_is_normalized_absolute("/"));
        ASSERT_TRUE(path_is_normalized_absolute("/var/www"));
        ASSERT_TRUE(!path_is_normalized_absolute("var/www"));
        ASSERT_TRUE(!path_is_normalized_absolute("/var/../etc"));
        ASSERT_TRUE(!path_is_normalized_absolute("/var/./www"));
        ASSERT_TRUE(!path_is_normalized_absolute("/var//www"));
        ASSERT_TRUE(!path_is_normalized_absolute("/var/www/"));
        ASSERT_TRUE(!path_is_normalized_absolute("/var/w\nw"));
        ASSERT_STREQ(path_simplify(p), "/a/b/c");
        ASSERT_STREQ(path_basename("/x/web.unit"), "web.unit");
        ASSERT_TRUE(filename_is_valid("web.unit"));
        ASSERT_TRUE(!filename_is_valid(".."));
        ASSERT_TRUE(!filename_is_valid("a/b"));
}

TEST(utf8_and_hints) {
        ASSERT_TRUE(utf8_is_valid("plain", 5));
        ASSERT_TRUE(utf8_is_valid("\xc3\xa9t\xc3\xa9", 6));
        ASSERT_TRUE(!utf8_is_valid("\xc3", 1));
        ASSERT_TRUE(!utf8_is_valid("\xc0\xaf", 2));        /* overlong '/' */
        ASSERT_TRUE(!utf8_is_valid("\xed\xa0\x80", 3));    /* surrogate */
        ASSERT_TRUE(!utf8_is_valid("\xff", 1));

        static const char *const keys[] = { "MemoryMax", "MemoryHigh", "TasksMax", "CPUQuota" };
        ASSERT_STREQ(closest_match("MemoryMaks", keys, 4), "MemoryMax");
        ASSERT_STREQ(closest_match("cpuquota", keys, 4), "CPUQuota");
        ASSERT_TRUE(closest_match("Frobnicate", keys, 4) == NULL);
}

TEST(caps_and_namespaces) {
        uint64_t m;
        char *bad = NULL, *s = NULL;

        ASSERT_OK(capability_mask_from_string("CAP_NET_BIND_SERVICE CAP_CHOWN", &m, NULL));
        ASSERT_U64(m, (1ULL << 10) | (1ULL << 0));
        ASSERT_OK(capability_mask_to_string(m, &s));
        ASSERT_STREQ(s, "CAP_CHOWN CAP_NET_BIND_SERVICE");
        free(s);
        ASSERT_EQ(capability_mask_from_string("CAP_CHOWN cap_kill", &m, &bad), -EINVAL);
        ASSERT_STREQ(bad, "cap_kill");
        free(bad);
        bad = NULL;
        ASSERT_EQ(capability_mask_from_string("CAP_FROB", &m, &bad), -EINVAL);
        free(bad);
        bad = NULL;

        ASSERT_OK(namespace_mask_from_string("net pid", &m, NULL));
        ASSERT_OK(namespace_mask_to_string(m, &s));
        ASSERT_STREQ(s, "pid net");
        free(s);
        ASSERT_EQ(namespace_mask_from_string("pid netz", &m, &bad), -EINVAL);
        ASSERT_STREQ(bad, "netz");
        free(bad);
}

TEST(base64) {
        static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
        static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

        for (size_t i = 0; i < 7; i++) {
                char *e = NULL;
                void *d = NULL;
                size_t n;

                ASSERT_OK(base64_encode(in[i], strlen(in[i]), &e));
                ASSERT_STREQ(e, out[i]);
                ASSERT_OK(base64_decode(e, &d, &n));
                ASSERT_EQ(n, strlen(in[i]));
                ASSERT_TRUE(memcmp(d, in[i], n) == 0);
                free(e);
                free(d);
        }
        void *d;
        size_t n;
        ASSERT_EQ(base64_decode("Zm9", &d, &n), -EINVAL);
        ASSERT_EQ(base64_decode("Zm=v", &d, &n), -EINVAL);
        ASSERT_EQ(base64_decode("Z!9v", &d, &n), -EINVAL);
}

/* One rule for the unit loader, sandboxctl and sandboxd. */
TEST(unit_name) {
        char name[UNIT_NAME_MAX + 2];

        ASSERT_TRUE(unit_name_is_valid("web"));
        ASSERT_TRUE(unit_name_is_valid("getty@tty1"));
        ASSERT_TRUE(unit_name_is_valid("a.b_c-d"));
        ASSERT_TRUE(!unit_name_is_valid(NULL));
        ASSERT_TRUE(!unit_name_is_valid(""));
        ASSERT_TRUE(!unit_name_is_valid("."));
        ASSERT_TRUE(!unit_name_is_valid(".."));
        ASSERT_TRUE(!unit_name_is_valid(".hidden"));
        ASSERT_TRUE(!unit_name_is_valid("-web"));
        ASSERT_TRUE(!unit_name_is_valid("a/b"));
        ASSERT_TRUE(!unit_name_is_valid("a:b"));
        ASSERT_TRUE(!unit_name_is_valid("a b"));
        ASSERT_TRUE(!unit_name_is_valid("caf\xc3\xa9"));

        memset(name, 'x', sizeof(name));
        name[UNIT_NAME_MAX] = '\0';
        ASSERT_TRUE(unit_name_is_valid(name));
        name[65] = '\0';
        ASSERT_TRUE(unit_name_is_valid(name));
        name[65] = 'x';
        name[UNIT_NAME_MAX] = 'x';
        name[UNIT_NAME_MAX + 1] = '\0';
        ASSERT_TRUE(!unit_name_is_valid(name));
}

TEST(ip_port) {
        uint16_t p = 7;

        ASSERT_OK(parse_ip_port("1", &p));
        ASSERT_U64(p, 1);
        ASSERT_OK(parse_ip_port("65535", &p));
        ASSERT_U64(p, 65535);
        ASSERT_EQ(parse_ip_port("0", &p), -ERANGE);
        ASSERT_EQ(parse_ip_port("65536", &p), -ERANGE);
        ASSERT_EQ(parse_ip_port("http", &p), -EINVAL);
        ASSERT_EQ(parse_ip_port("", &p), -EINVAL);
        ASSERT_EQ(parse_ip_port("-1", &p), -EINVAL);
        ASSERT_U64(p, 65535);   /* untouched on failure */
}

int main(void) {
        RUN(size);
        RUN(ip_port);
        RUN(time);
        RUN(percent_bool_signal);
        RUN(rlimit);
        RUN(words);
        RUN(paths);
        RUN(utf8_and_hints);
        RUN(caps_and_namespaces);
        RUN(base64);
        RUN(unit_name);
        return 0;
}
