/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What a registry or a token server sends before any image byte: the
 * WWW-Authenticate challenge and the token answer; and auth.json. The
 * first byte picks the parser. What parses must be safe to put into a
 * URL or a header: no control characters, an http(s) realm. */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "registry-auth.h"

static void no_cc_but(const char *s, char allowed) {
        for (; s && *s; s++)
                if (((unsigned char) *s < ' ' && *s != allowed) || *s == 127)
                        abort();
}

static void no_cc(const char *s) {
        no_cc_but(s, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (size < 1 || size > AUTH_FILE_MAX)
                return 0;
        text = strndup((const char *) data + 1, size - 1);
        if (!text)
                return 0;

        switch (data[0] % 3) {
        case 0: {
                AuthChallenge c = {};

                r = auth_challenge_parse(text, &c);
                if (r >= 0) {
                        no_cc(c.realm);
                        no_cc(c.service);
                        no_cc(c.scope);
                        if (c.scheme == AUTH_SCHEME_BEARER && (!c.realm || (strncasecmp(c.realm, "http://", 7) != 0 &&
                                                                             strncasecmp(c.realm, "https://", 8) != 0)))
                                abort();
                        auth_challenge_done(&c);
                }
                break;
        }
        case 1: {
                _cleanup_free_ char *t = NULL;

                r = auth_token_parse((const char *) data + 1, size - 1, &t);
                if (r >= 0)
                        for (const char *p = t; *p; p++)
                                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 127)
                                        abort();
                break;
        }
        default: {
                _cleanup_free_ char *u = NULL, *p = NULL;

                r = auth_file_lookup((const char *) data + 1, size - 1, "127.0.0.1:5000", &u, &p);
                /* Credentials travel base64-encoded: a tab may be part of
                 * a password, nothing else below ' '. */
                if (r >= 0) {
                        no_cc_but(u, '\t');
                        no_cc_but(p, '\t');
                }
                break;
        }
        }
        return 0;
}
