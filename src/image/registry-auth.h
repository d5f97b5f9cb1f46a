/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pure parts of talking to a registry's authentication (Docker's token
 * scheme, RFC 7235 challenges, docker-style auth.json): text in, values
 * out, nothing read from disk or the network, so that the fuzzers reach
 * everything a hostile registry or token server can send. */

#include <stddef.h>

/* What a header, a token or a credential may be at most: they end up in
 * request headers, so that bound is also what we send. */
#define AUTH_HEADER_MAX 8192U
#define AUTH_TOKEN_MAX 8192U
#define AUTH_FILE_MAX (1024U * 1024U)

typedef enum AuthScheme {
        AUTH_SCHEME_BASIC,
        AUTH_SCHEME_BEARER,
} AuthScheme;

typedef struct AuthChallenge {
        AuthScheme scheme;
        char *realm;    /* Bearer: the token server's URL (http or https); Basic: informative */
        char *service;  /* may be NULL */
        char *scope;    /* may be NULL */
} AuthChallenge;

void auth_challenge_done(AuthChallenge *c);

/* A WWW-Authenticate value: the first challenge of a scheme we speak
 * (Bearer, Basic; case-insensitive), its parameters unquoted.
 * -EBADMSG for a malformed value or a parameter with a control character,
 * -EOPNOTSUPP if no challenge is Bearer or Basic, -EINVAL for a Bearer
 * challenge whose realm is not an http(s) URL. */
int auth_challenge_parse(const char *value, AuthChallenge *ret);

/* A token server's JSON answer: "token", or else "access_token" (OAuth2).
 * Refused (-EBADMSG) unless it is printable ASCII without spaces, since it
 * is sent back in a header: a CR/LF would inject headers of its own. */
int auth_token_parse(const char *json, size_t size, char **ret);

/* The credentials for host ("docker.io", "127.0.0.1:5000") in an
 * auth.json text: {"auths": {KEY: {"auth": base64("user:password")}}},
 * where KEY is the host, optionally with a scheme and a path
 * ("https://index.docker.io/v1/" is docker.io's). -ENOENT if none;
 * -EBADMSG if the file or the matching entry is malformed. */
int auth_file_lookup(const char *json, size_t size, const char *host, char **ret_user, char **ret_password);
