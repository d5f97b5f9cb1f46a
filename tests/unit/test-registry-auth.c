/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What a registry and its token server send, and auth.json: the parsers of
 * src/image/registry-auth.c. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "registry-auth.h"
#include "tests.h"

TEST(challenge) {
        AuthChallenge c = {};

        ASSERT_OK(auth_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                       "scope=\"repository:library/busybox:pull\"", &c));
        ASSERT_EQ(c.scheme, AUTH_SCHEME_BEARER);
        ASSERT_STREQ(c.realm, "https://auth.docker.io/token");
        ASSERT_STREQ(c.service, "registry.docker.io");
        ASSERT_STREQ(c.scope, "repository:library/busybox:pull");
        auth_challenge_done(&c);

        /* Case, spaces, unquoted values, an escaped quote, unknown params. */
        ASSERT_OK(auth_challenge_parse("  bearer  Realm = \"http://127.0.0.1:5056/t\" , foo=bar, service=\"a\\\"b\"", &c));
        ASSERT_EQ(c.scheme, AUTH_SCHEME_BEARER);
        ASSERT_STREQ(c.realm, "http://127.0.0.1:5056/t");
        ASSERT_STREQ(c.service, "a\"b");
        ASSERT_TRUE(!c.scope);
        auth_challenge_done(&c);

        ASSERT_OK(auth_challenge_parse("Basic realm=\"Registry Realm\"", &c));
        ASSERT_EQ(c.scheme, AUTH_SCHEME_BASIC);
        ASSERT_STREQ(c.realm, "Registry Realm");
        auth_challenge_done(&c);

        /* An unknown scheme first, then one we speak. */
        ASSERT_OK(auth_challenge_parse("Negotiate abc=def, Basic realm=x", &c));
        ASSERT_EQ(c.scheme, AUTH_SCHEME_BASIC);
        auth_challenge_done(&c);

        ASSERT_EQ(auth_challenge_parse("Negotiate", &c), -EOPNOTSUPP);
        ASSERT_EQ(auth_challenge_parse("", &c), -EOPNOTSUPP);
        ASSERT_EQ(auth_challenge_parse("Bearer service=x", &c), -EINVAL);      /* no realm */
        ASSERT_EQ(auth_challenge_parse("Bearer realm=\"file:///etc/passwd\"", &c), -EINVAL);
        ASSERT_EQ(auth_challenge_parse("Bearer realm=\"http://x\", realm=\"http://y\"", &c), -EBADMSG);
        ASSERT_EQ(auth_challenge_parse("Bearer realm=\"http://x\r\nX-Evil: 1\"", &c), -EBADMSG);
        ASSERT_EQ(auth_challenge_parse("Bearer realm=\"unterminated", &c), -EBADMSG);
        ASSERT_EQ(auth_challenge_parse("Bearer realm=", &c), -EBADMSG);
        ASSERT_EQ(auth_challenge_parse("\"quoted\"", &c), -EBADMSG);

        char *big = malloc(AUTH_HEADER_MAX + 2);
        ASSERT_TRUE(big);
        memset(big, 'a', AUTH_HEADER_MAX + 1);
        big[AUTH_HEADER_MAX + 1] = 0;
        ASSERT_EQ(auth_challenge_parse(big, &c), -EBADMSG);
        free(big);
}

static int token(const char *json, char **ret) {
        return auth_token_parse(json, strlen(json), ret);
}

TEST(token) {
        char *t = NULL;

        ASSERT_OK(token("{\"token\": \"abc.def-ghi\", \"expires_in\": 300}", &t));
        ASSERT_STREQ(t, "abc.def-ghi");
        free(t);
        ASSERT_OK(token("{\"access_token\": \"xyz\"}", &t));
        ASSERT_STREQ(t, "xyz");
        free(t);
        /* An empty "token" falls back to access_token, as Docker does. */
        ASSERT_OK(token("{\"token\": \"\", \"access_token\": \"xyz\"}", &t));
        ASSERT_STREQ(t, "xyz");
        free(t);

        /* It goes into a header: no CR/LF, spaces or control characters. */
        ASSERT_EQ(token("{\"token\": \"a\\r\\nX-Injected: 1\"}", &t), -EBADMSG);
        ASSERT_EQ(token("{\"token\": \"a b\"}", &t), -EBADMSG);
        ASSERT_EQ(token("{\"token\": \"a\\u0000b\"}", &t), -EBADMSG);
        ASSERT_EQ(token("{\"token\": \"\\u00e9\"}", &t), -EBADMSG);
        ASSERT_EQ(token("{\"token\": 5}", &t), -EBADMSG);
        ASSERT_EQ(token("{}", &t), -EBADMSG);
        ASSERT_EQ(token("[\"token\"]", &t), -EBADMSG);
        ASSERT_EQ(token("{\"token\": \"a\"} trailing", &t), -EBADMSG);
        ASSERT_EQ(token("not json", &t), -EBADMSG);
}

static int lookup(const char *json, const char *host, char **u, char **p) {
        return auth_file_lookup(json, strlen(json), host, u, p);
}

TEST(auth_file) {
        char *u = NULL, *p = NULL;
        /* base64("alice:s3:cret") and base64("bob:pw") */
        const char *f = "{\"auths\": {\"127.0.0.1:5000\": {\"auth\": \"YWxpY2U6czM6Y3JldA==\"},"
                        " \"https://index.docker.io/v1/\": {\"auth\": \"Ym9iOnB3\"}}}";

        ASSERT_OK(lookup(f, "127.0.0.1:5000", &u, &p));
        ASSERT_STREQ(u, "alice");
        ASSERT_STREQ(p, "s3:cret");     /* only the first ':' separates */
        free(u);
        free(p);
        /* docker login's key for Docker Hub serves docker.io. */
        ASSERT_OK(lookup(f, "docker.io", &u, &p));
        ASSERT_STREQ(u, "bob");
        free(u);
        free(p);
        ASSERT_EQ(lookup(f, "127.0.0.1:5001", &u, &p), -ENOENT);
        ASSERT_EQ(lookup(f, "quay.io", &u, &p), -ENOENT);
        ASSERT_EQ(lookup("{}", "quay.io", &u, &p), -ENOENT);

        /* Malformed entries are errors, not "no credentials". */
        ASSERT_EQ(lookup("{\"auths\": {\"q.io\": {\"auth\": \"!!!\"}}}", "q.io", &u, &p), -EBADMSG);
        ASSERT_EQ(lookup("{\"auths\": {\"q.io\": {\"auth\": \"bm9jb2xvbg==\"}}}", "q.io", &u, &p), -EBADMSG);
        ASSERT_EQ(lookup("{\"auths\": {\"q.io\": {}}}", "q.io", &u, &p), -EBADMSG);
        ASSERT_EQ(lookup("{\"auths\": []}", "q.io", &u, &p), -EBADMSG);
        /* "a:b\nc" has a newline in the password. */
        ASSERT_EQ(lookup("{\"auths\": {\"q.io\": {\"auth\": \"YTpiCmM=\"}}}", "q.io", &u, &p), -EBADMSG);
        ASSERT_EQ(lookup("{\"auths\"", "q.io", &u, &p), -EBADMSG);
}

int main(void) {
        RUN(challenge);
        RUN(token);
        RUN(auth_file);
        return 0;
}
