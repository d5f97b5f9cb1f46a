/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <limits.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "macro.h"
#include "registry-auth.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free);

void auth_challenge_done(AuthChallenge *c) {
        if (!c)
                return;
        c->realm = mfree(c->realm);
        c->service = mfree(c->service);
        c->scope = mfree(c->scope);
}

static bool is_tchar(char ch) {
        /* RFC 7230 token characters; strchr() would find the NUL. */
        if (ch == 0)
                return false;
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               strchr("!#$%&'*+-.^_`|~", ch);
}

static const char *skip_ws(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* A token at p into buf (at most size-1 chars); the end, or NULL if none. */
static const char *read_token(const char *p, char *buf, size_t size) {
        size_t n = 0;

        while (is_tchar(*p)) {
                if (n + 1 >= size)
                        return NULL;
                buf[n++] = *p++;
        }
        buf[n] = 0;
        return n > 0 ? p : NULL;
}

/* A token or a quoted-string at p, unquoted, into *ret; the end, or NULL
 * if malformed. Control characters are refused: they would reach a URL,
 * a header or a log line. */
static const char *read_value(const char *p, char **ret) {
        _cleanup_free_ char *v = NULL;
        size_t n = 0;

        v = malloc(strlen(p) + 1);
        if (!v)
                return NULL;
        if (*p == '"') {
                for (p++; *p != '"'; p++) {
                        if (*p == 0)
                                return NULL;
                        if (*p == '\\') {
                                p++;
                                if (*p == 0)
                                        return NULL;
                        }
                        if ((unsigned char) *p < ' ' || *p == 127)
                                return NULL;
                        v[n++] = *p;
                }
                p++;
        } else {
                while (is_tchar(*p) || (*p != 0 && strchr("/:=", *p)))
                        v[n++] = *p++;
                if (n == 0)
                        return NULL;
        }
        v[n] = 0;
        *ret = TAKE_PTR(v);
        return p;
}

static bool url_is_http(const char *s) {
        return startswith_no_case(s, "https://") || startswith_no_case(s, "http://");
}

int auth_challenge_parse(const char *value, AuthChallenge *ret) {
        const char *p;

        if (!value || strlen(value) > AUTH_HEADER_MAX)
                return -EBADMSG;

        p = skip_ws(value);
        while (*p) {
                _cleanup_(auth_challenge_done) AuthChallenge c = {};
                char scheme[32];
                bool known;

                p = read_token(p, scheme, sizeof(scheme));
                if (!p)
                        return -EBADMSG;
                known = strcasecmp(scheme, "Bearer") == 0 || strcasecmp(scheme, "Basic") == 0;
                c.scheme = strcasecmp(scheme, "Bearer") == 0 ? AUTH_SCHEME_BEARER : AUTH_SCHEME_BASIC;
                p = skip_ws(p);

                /* auth-params, comma-separated, until the next scheme
                 * (a token followed by a space, not by '='). */
                for (;;) {
                        _cleanup_free_ char *v = NULL;
                        char key[32];
                        const char *q;

                        while (*p == ',' || *p == ' ' || *p == '\t')
                                p++;
                        if (!*p)
                                break;
                        q = read_token(p, key, sizeof(key));
                        if (!q)
                                return -EBADMSG;
                        q = skip_ws(q);
                        if (*q != '=')
                                break;  /* the next challenge's scheme */
                        q = read_value(skip_ws(q + 1), &v);
                        if (!q)
                                return -EBADMSG;
                        p = q;
                        if (!known)
                                continue;
                        char **slot = strcasecmp(key, "realm") == 0   ? &c.realm :
                                      strcasecmp(key, "service") == 0 ? &c.service :
                                      strcasecmp(key, "scope") == 0   ? &c.scope : NULL;
                        if (slot) {
                                if (*slot)
                                        return -EBADMSG;        /* twice: which one would be meant? */
                                *slot = TAKE_PTR(v);
                        }
                }
                if (!known)
                        continue;
                if (c.scheme == AUTH_SCHEME_BEARER && (!c.realm || !url_is_http(c.realm)))
                        return -EINVAL;
                *ret = c;
                c = (AuthChallenge) {};
                return 0;
        }
        return -EOPNOTSUPP;
}

static bool token_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > AUTH_TOKEN_MAX)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 127)
                        return false;
        return true;
}

/* A JSON object of at most AUTH_FILE_MAX bytes (a token answer or an
 * auth file), or -EBADMSG. */
static int parse_json_object(const char *text, size_t size, json_object **ret) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        json_object *o;

        if (size > AUTH_FILE_MAX || size > INT_MAX)
                return -EBADMSG;
        tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != size || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

int auth_token_parse(const char *json, size_t size, char **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *t = NULL;
        const char *s;
        char *copy;
        int r;

        r = parse_json_object(json, size, &o);
        if (r < 0)
                return r;
        if ((!json_object_object_get_ex(o, "token", &t) || !json_object_is_type(t, json_type_string) ||
             json_object_get_string_len(t) == 0) &&
            (!json_object_object_get_ex(o, "access_token", &t) || !json_object_is_type(t, json_type_string)))
                return -EBADMSG;
        s = json_object_get_string(t);
        if ((size_t) json_object_get_string_len(t) != strlen(s) || !token_is_valid(s))
                return -EBADMSG;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

/* "https://index.docker.io/v1/" -> "index.docker.io"; "host:5000/repo" ->
 * "host:5000": the host part of an auth.json key, into buf. */
static bool key_host(const char *key, char *buf, size_t size) {
        const char *p = key, *e;

        if (startswith_no_case(p, "https://"))
                p += strlen("https://");
        else if (startswith_no_case(p, "http://"))
                p += strlen("http://");
        e = p + strcspn(p, "/");
        if (e == p || (size_t) (e - p) >= size)
                return false;
        memcpy(buf, p, (size_t) (e - p));
        buf[e - p] = 0;
        return true;
}

static bool host_matches(const char *key_host_part, const char *host) {
        static const char *const docker_hub[] = { "docker.io", "index.docker.io", "registry-1.docker.io" };

        if (strcasecmp(key_host_part, host) == 0)
                return true;
        /* Docker Hub goes by three names; `docker login` writes the oldest. */
        bool a = false, b = false;
        for (size_t i = 0; i < ELEMENTSOF(docker_hub); i++) {
                a = a || strcasecmp(key_host_part, docker_hub[i]) == 0;
                b = b || strcasecmp(host, docker_hub[i]) == 0;
        }
        return a && b;
}

int auth_file_lookup(const char *json, size_t size, const char *host, char **ret_user, char **ret_password) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ void *decoded = NULL;
        _cleanup_free_ char *user = NULL, *password = NULL;
        json_object *auths, *entry = NULL, *auth;
        size_t n;
        char *colon;
        int r;

        r = parse_json_object(json, size, &o);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "auths", &auths))
                return -ENOENT;
        if (!json_object_is_type(auths, json_type_object))
                return -EBADMSG;
        /* An exact key first, then the other spellings of the same host. */
        json_object_object_foreach(auths, key, val) {
                char h[256];

                if (!key_host(key, h, sizeof(h)) || !host_matches(h, host))
                        continue;
                if (!entry || strcasecmp(h, host) == 0)
                        entry = val;
        }
        if (!entry)
                return -ENOENT;
        if (!json_object_is_type(entry, json_type_object) || !json_object_object_get_ex(entry, "auth", &auth) ||
            !json_object_is_type(auth, json_type_string))
                return -EBADMSG;
        r = base64_decode(json_object_get_string(auth), &decoded, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || n == 0 || n > AUTH_TOKEN_MAX || memchr(decoded, 0, n))
                return -EBADMSG;
        ((char *) decoded)[n] = 0;      /* base64_decode leaves room for it */
        colon = strchr(decoded, ':');
        if (!colon || colon == decoded)
                return -EBADMSG;
        *colon = 0;
        user = strdup(decoded);
        password = strdup(colon + 1);
        if (!user || !password)
                return -ENOMEM;
        /* They go into a header (base64 again) and a token request's
         * Basic auth: no control characters, no ':' in the user. */
        if (string_has_cc(user) || string_has_cc(password))
                return -EBADMSG;
        *ret_user = TAKE_PTR(user);
        *ret_password = TAKE_PTR(password);
        return 0;
}
