/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* How a pull talks to a registry, and what it refuses to do:
 *
 * - Authentication as the distribution spec and Docker's token scheme have
 *   it: GET /v2/ and read the 401's WWW-Authenticate; Bearer: ask the
 *   realm for a token scoped to "repository:REPO:pull", with the
 *   credentials of auth.json if there are any; Basic: send them. A 401
 *   later (an expired token) authenticates once more.
 * - Redirects are followed here, not by libcurl: blob GETs are commonly
 *   redirected to a CDN or object store, and the registry's Authorization
 *   header must not travel to another origin; nor may https turn into
 *   http, nor a redirect lead to another scheme.
 * - A request that failed in transit, or with 408, 429 or 5xx, is retried
 *   with exponential backoff (Retry-After honoured up to a bound); a blob
 *   resumes with a Range request from the bytes already delivered.
 * - Every answer is bounded: manifests by REGISTRY_MANIFEST_MAX, blobs by
 *   the size the manifest gives, error bodies by a few KiB, headers by
 *   AUTH_HEADER_MAX.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#include "base64.h"
#include "dlopen-curl.h"
#include "fileio.h"
#include "macro.h"
#include "registry-auth.h"
#include "registry-client.h"
#include "string-util.h"

#define MAX_REDIRECTS 5U
#define RETRY_AFTER_MAX_SEC 30U
#define ERROR_BODY_MAX 4096U
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define CA_FILE_MAX (4U * 1024U * 1024U)

struct RegistryClient {
        char *host;             /* as given: the key of auth.json and certs.d */
        char *api_host;         /* where the API is: docker.io's is registry-1.docker.io */
        char *repository;
        RegistryOptions opts;
        const char *scheme;     /* NULL until the first answer, then "https" or "http" */
        char *authorization;    /* "Authorization: ..." header line, or NULL (anonymous) */
        char *user, *password;  /* from auth.json, or NULL */
        bool loaded;            /* libcurl, the CA blob and the credentials are loaded */
        bool authenticated;     /* the dance was done (with or without a result) */
        char *ca_blob;          /* system CAs + certs.d's ca.crt, or NULL (system CAs only) */
        size_t ca_blob_size;
        char error[512];
};

/* One request's answer, as far as we keep it. */
typedef struct Response {
        long status;
        char *www_authenticate;
        char *content_type;
        char *location;
        unsigned retry_after;   /* seconds; 0: none given */
        char *body;             /* manifests and error bodies only */
        size_t body_size, body_max;
        bool too_large;
} Response;

static void response_done(Response *r) {
        r->www_authenticate = mfree(r->www_authenticate);
        r->content_type = mfree(r->content_type);
        r->location = mfree(r->location);
        r->body = mfree(r->body);
        *r = (Response) { .body_max = r->body_max };
}

_printf_(2, 3) static int fail(RegistryClient *c, const char *fmt, ...);

static int fail_errno(RegistryClient *c, int r, const char *fmt, ...) _printf_(3, 4);
static int fail_errno(RegistryClient *c, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(c->error, sizeof(c->error), fmt, ap);
        va_end(ap);
        return r;
}

static int fail(RegistryClient *c, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(c->error, sizeof(c->error), fmt, ap);
        va_end(ap);
        return -EIO;
}

const char *registry_client_error(const RegistryClient *c) {
        return c && c->error[0] ? c->error : "unknown error";
}

const char *registry_client_scheme(const RegistryClient *c) {
        return c->scheme;
}

/* ---- names ---- */

static bool host_is_valid(const char *h) {
        size_t n = strlen(h);

        if (n == 0 || n > 255)
                return false;
        for (const char *p = h; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr(".-:[]", *p)))
                        return false;
        return h[0] != '.' && h[0] != '-' && h[0] != ':';
}

/* The distribution spec's path components, joined by '/': what goes into a
 * URL path unescaped, so nothing else passes. */
static bool repository_is_valid(const char *r) {
        size_t n = strlen(r);

        if (n == 0 || n > 255 || r[0] == '/' || r[n - 1] == '/' || strstr(r, "//") || strstr(r, ".."))
                return false;
        for (const char *p = r; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
                        return false;
        return true;
}

/* A tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or "sha256:<64 lowercase hex>". */
static bool reference_is_valid(const char *ref) {
        const char *hex = startswith(ref, "sha256:");
        size_t n = strlen(ref);

        if (hex) {
                if (strlen(hex) != 64)
                        return false;
                for (const char *p = hex; *p; p++)
                        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                                return false;
                return true;
        }
        if (n == 0 || n > 128 || ref[0] == '.' || ref[0] == '-')
                return false;
        for (const char *p = ref; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_.-", *p)))
                        return false;
        return true;
}

/* Query values (a token server's service and scope): RFC 3986 unreserved
 * characters pass, everything else is %XX. */
static char *url_escape(const char *s) {
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("-._~", *p))
                        *o++ = (char) *p;
                else
                        o += sprintf(o, "%%%02X", *p);
        }
        *o = 0;
        return out;
}

/* s after prefix (ASCII case-insensitive), or NULL. */
static const char *after_prefix(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncasecmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* scheme://host[:port] of url, for comparing origins; NULL if url is not
 * http(s). */
static char *url_origin(const char *url) {
        const char *rest;
        size_t n;

        rest = after_prefix(url, "https://");
        if (!rest)
                rest = after_prefix(url, "http://");
        if (!rest)
                return NULL;
        n = (size_t) (rest - url) + strcspn(rest, "/?#");
        return strndup(url, n);
}

/* ---- setup ---- */

RegistryClient *registry_client_free(RegistryClient *c) {
        if (!c)
                return NULL;
        free(c->host);
        free(c->api_host);
        free(c->repository);
        free(c->authorization);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->user);
        free(c->password);
        free(c->ca_blob);
        return mfree(c);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryClient *, registry_client_free);

/* certs.d/HOST/ca.crt: trusted for this host on top of the system's CAs.
 * libcurl's CAINFO replaces the bundle, so both go into one blob. */
static int load_ca(RegistryClient *c) {
        _cleanup_free_ char *path = NULL, *extra = NULL, *system = NULL;
        size_t extra_size, system_size = 0;
        int r;

        if (!c->opts.certs_dir)
                return 0;
        path = strjoin(c->opts.certs_dir, "/", c->host, "/ca.crt");
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, CA_FILE_MAX, &extra, &extra_size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return fail_errno(c, r, "cannot read %s: %s", path, strerror(-r));
        r = read_full_file(SYSTEM_CA_BUNDLE, CA_FILE_MAX * 4, &system, &system_size);
        if (r < 0 && r != -ENOENT)
                return fail_errno(c, r, "cannot read %s: %s", SYSTEM_CA_BUNDLE, strerror(-r));
        c->ca_blob = malloc(system_size + 1 + extra_size + 1);
        if (!c->ca_blob)
                return -ENOMEM;
        if (system_size > 0)
                memcpy(c->ca_blob, system, system_size);
        c->ca_blob[system_size] = '\n';
        memcpy(c->ca_blob + system_size + 1, extra, extra_size);
        c->ca_blob_size = system_size + 1 + extra_size;
        c->ca_blob[c->ca_blob_size] = 0;
        return 0;
}

static int load_credentials(RegistryClient *c) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (!c->opts.auth_file)
                return 0;
        r = read_full_file(c->opts.auth_file, AUTH_FILE_MAX, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return fail_errno(c, r, "cannot read %s: %s", c->opts.auth_file, strerror(-r));
        r = auth_file_lookup(text, size, c->host, &c->user, &c->password);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail_errno(c, r, "%s: the entry for %s is malformed", c->opts.auth_file, c->host);
        return 0;
}

int registry_client_new(const char *host, const char *repository, const RegistryOptions *o,
                        RegistryClient **ret) {
        _cleanup_(registry_client_freep) RegistryClient *c = NULL;

        /* The reference parser has checked both; these are what goes
         * into URLs unescaped, so they are checked again here. */
        if (!host || !host_is_valid(host) || !repository || !repository_is_valid(repository))
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (o)
                c->opts = *o;
        if (c->opts.max_retries == 0)
                c->opts.max_retries = 5;
        if (c->opts.backoff_usec == 0)
                c->opts.backoff_usec = 250 * 1000;
        c->host = strdup(host);
        /* Docker Hub's API is not at the name references use. */
        c->api_host = strdup(strcasecmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
        c->repository = strdup(repository);
        if (!c->host || !c->api_host || !c->repository)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

/* What the first request needs; failures leave their sentence. */
static int client_load(RegistryClient *c) {
        const char *why = NULL;
        int r;

        if (c->loaded)
                return 0;
        r = dlopen_libcurl(&why);
        if (r < 0)
                return fail_errno(c, r, "%s", why);
        r = load_ca(c);
        if (r < 0)
                return r;
        r = load_credentials(c);
        if (r < 0)
                return r;
        c->loaded = true;
        return 0;
}

/* ---- one request ---- */

static const char *skip_ws(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *userdata) {
        Response *resp = userdata;
        size_t n = size * nitems, l = n;
        char **slot = NULL;
        const char *v;
        char line[AUTH_HEADER_MAX + 64];

        while (l > 0 && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
                l--;
        if (startswith_no_case(buf, "HTTP/")) {
                /* A new response (after a 100 Continue, say): forget the
                 * previous one's headers. */
                resp->www_authenticate = mfree(resp->www_authenticate);
                resp->content_type = mfree(resp->content_type);
                resp->location = mfree(resp->location);
                resp->retry_after = 0;
                return n;
        }
        if (l >= sizeof(line))
                return n;       /* longer than any header we use: ignored */
        memcpy(line, buf, l);
        line[l] = 0;
        if ((v = after_prefix(line, "WWW-Authenticate:")))
                slot = &resp->www_authenticate;
        else if ((v = after_prefix(line, "Content-Type:")))
                slot = &resp->content_type;
        else if ((v = after_prefix(line, "Location:")))
                slot = &resp->location;
        else if ((v = after_prefix(line, "Retry-After:"))) {
                unsigned long s;
                char *end;

                errno = 0;
                s = strtoul(v, &end, 10);
                if (errno == 0 && end != v && *skip_ws(end) == 0)
                        resp->retry_after = s > RETRY_AFTER_MAX_SEC ? RETRY_AFTER_MAX_SEC : (unsigned) s;
                return n;
        }
        if (!slot || *slot)
                return n;       /* the first of a repeated header wins */
        v = skip_ws(v);
        *slot = strdup(v);
        return *slot ? n : 0;
}

static size_t body_cb(char *data, size_t size, size_t nmemb, void *userdata) {
        Response *resp = userdata;
        size_t n = size * nmemb;

        if (resp->body_size + n > resp->body_max) {
                resp->too_large = true;
                return 0;       /* CURLE_WRITE_ERROR */
        }
        if (!resp->body) {
                resp->body = malloc(resp->body_max + 1);
                if (!resp->body)
                        return 0;
        }
        memcpy(resp->body + resp->body_size, data, n);
        resp->body_size += n;
        resp->body[resp->body_size] = 0;
        return n;
}

/* The options every handle gets: TLS, timeouts, no redirects (ours), no
 * protocols but http(s), no signals (the multi loop must not be
 * interrupted by alarms), no proxy from the environment unless asked
 * (libcurl reads http_proxy itself; that is the user's choice). */
static int setup_handle(RegistryClient *c, CURL *h, const char *url, struct curl_slist *headers) {
        CURLcode e = CURLE_OK;

#define SET(opt, val) (e != CURLE_OK ? e : (e = sym_curl_easy_setopt(h, opt, val)))
        SET(CURLOPT_URL, url);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_CONNECTTIMEOUT, 30L);
        /* A stalled transfer (under 1 byte/s for 60 s) fails, and is
         * retried with a Range from where it stopped. */
        SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
        SET(CURLOPT_LOW_SPEED_TIME, 60L);
        SET(CURLOPT_USERAGENT, "sandboxd/" PACKAGE_VERSION);
        SET(CURLOPT_HTTPHEADER, headers);
        SET(CURLOPT_SSL_VERIFYPEER, c->opts.tls_verify ? 1L : 0L);
        SET(CURLOPT_SSL_VERIFYHOST, c->opts.tls_verify ? 2L : 0L);
        if (c->ca_blob) {
                struct curl_blob blob = { .data = c->ca_blob, .len = c->ca_blob_size, .flags = CURL_BLOB_COPY };
                SET(CURLOPT_CAINFO_BLOB, &blob);
        }
#undef SET
        return e == CURLE_OK ? 0 : fail(c, "cannot set up a request: %s", sym_curl_easy_strerror(e));
}

/* Request headers: Accept if any, Authorization when with_auth, Range
 * from offset if non-zero. */
static int make_headers(RegistryClient *c, const char *accept, bool with_auth, uint64_t offset,
                        struct curl_slist **ret) {
        struct curl_slist *l = NULL, *t;
        char buf[64];

        if (accept) {
                _cleanup_free_ char *a = strjoin("Accept: ", accept);
                if (!a || !(t = sym_curl_slist_append(l, a)))
                        goto oom;
                l = t;
        }
        if (with_auth && c->authorization) {
                if (!(t = sym_curl_slist_append(l, c->authorization)))
                        goto oom;
                l = t;
        }
        if (offset > 0) {
                (void) snprintf(buf, sizeof(buf), "Range: bytes=%" PRIu64 "-", offset);
                if (!(t = sym_curl_slist_append(l, buf)))
                        goto oom;
                l = t;
        }
        *ret = l;
        return 0;
oom:
        sym_curl_slist_free_all(l);
        return -ENOMEM;
}

static bool curl_error_is_transient(CURLcode e) {
        switch (e) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

static bool status_is_transient(long s) {
        return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static bool status_is_redirect(long s) {
        return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

static void backoff_sleep(const RegistryClient *c, unsigned attempt, unsigned retry_after) {
        uint64_t usec = c->opts.backoff_usec << (attempt < 6 ? attempt : 6);

        if (retry_after > 0 && (uint64_t) retry_after * 1000000U > usec)
                usec = (uint64_t) retry_after * 1000000U;
        if (usec > 8U * 1000000U && retry_after == 0)
                usec = 8U * 1000000U;
        (void) nanosleep(&(struct timespec) { .tv_sec = (time_t) (usec / 1000000U),
                                              .tv_nsec = (long) (usec % 1000000U) * 1000 }, NULL);
}

/* One GET with the body kept (bounded), redirects and retries handled.
 * Transport failures after the retries: -EIO, with c->error set. */
static int get_small(RegistryClient *c, const char *url_in, const char *accept, bool with_auth, size_t max,
                     Response *resp) {
        _cleanup_free_ char *url = strdup(url_in), *origin = NULL;
        unsigned redirects = 0, attempt = 0;

        if (!url)
                return -ENOMEM;
        origin = url_origin(url);
        if (!origin)
                return -ENOMEM;

        for (;;) {
                struct curl_slist *headers = NULL;
                CURLcode e = CURLE_OK;
                CURL *h;
                int r;

                response_done(resp);
                resp->body_max = max;
                r = make_headers(c, accept, with_auth, 0, &headers);
                if (r < 0)
                        return r;
                h = sym_curl_easy_init();
                if (!h) {
                        sym_curl_slist_free_all(headers);
                        return -ENOMEM;
                }
                r = setup_handle(c, h, url, headers);
                if (r >= 0) {
                        (void) sym_curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
                        (void) sym_curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
                        (void) sym_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
                        (void) sym_curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
                        e = sym_curl_easy_perform(h);
                        (void) sym_curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
                }
                sym_curl_easy_cleanup(h);
                sym_curl_slist_free_all(headers);
                if (r < 0)
                        return r;

                if (resp->too_large)
                        return fail_errno(c, -EFBIG, "the answer from %s is larger than %zu bytes", origin, max);
                if (e != CURLE_OK) {
                        if (curl_error_is_transient(e) && attempt < c->opts.max_retries) {
                                backoff_sleep(c, attempt++, 0);
                                continue;
                        }
                        return fail(c, "%s: %s", origin, sym_curl_easy_strerror(e));
                }
                if (status_is_transient(resp->status) && attempt < c->opts.max_retries) {
                        backoff_sleep(c, attempt++, resp->retry_after);
                        continue;
                }
                if (status_is_redirect(resp->status) && resp->location) {
                        _cleanup_free_ char *next_origin = NULL;

                        if (++redirects > MAX_REDIRECTS)
                                return fail(c, "more than %u redirects", MAX_REDIRECTS);
                        /* Relative locations are resolved against the
                         * origin; only http(s) absolute ones are taken. */
                        if (resp->location[0] == '/') {
                                char *n = strjoin(origin, resp->location);
                                if (!n)
                                        return -ENOMEM;
                                free(url);
                                url = n;
                        } else {
                                next_origin = url_origin(resp->location);
                                if (!next_origin)
                                        return fail(c, "redirected to a location that is not http(s)");
                                if (startswith_no_case(origin, "https://") &&
                                    !startswith_no_case(next_origin, "https://"))
                                        return fail(c, "redirected from https to plain http: refusing");
                                if (strcasecmp(next_origin, origin) != 0)
                                        with_auth = false;
                                free(url);
                                url = strdup(resp->location);
                                if (!url)
                                        return -ENOMEM;
                                free(origin);
                                origin = TAKE_PTR(next_origin);
                        }
                        if (string_has_cc(url))
                                return fail(c, "redirected to a location with control characters");
                        continue;
                }
                return 0;
        }
}

/* ---- authentication ---- */

static int basic_header(RegistryClient *c, char **ret) {
        _cleanup_free_ char *pair = NULL, *b64 = NULL;
        int r;

        pair = strjoin(c->user, ":", c->password);
        if (!pair)
                return -ENOMEM;
        r = base64_encode(pair, strlen(pair), &b64);
        explicit_bzero(pair, strlen(pair));
        if (r < 0)
                return r;
        *ret = strjoin("Authorization: Basic ", b64);
        return *ret ? 0 : -ENOMEM;
}

static int fetch_token(RegistryClient *c, const AuthChallenge *ch) {
        _cleanup_free_ char *service = NULL, *scope = NULL, *scope_value = NULL, *url = NULL, *token = NULL,
                            *saved = NULL;
        _cleanup_(response_done) Response resp = {};
        int r;

        scope_value = strjoin("repository:", c->repository, ":pull");
        if (!scope_value)
                return -ENOMEM;
        scope = url_escape(scope_value);
        service = ch->service ? url_escape(ch->service) : strdup("");
        if (!scope || !service)
                return -ENOMEM;
        url = strjoin(ch->realm, strchr(ch->realm, '?') ? "&" : "?", "scope=", scope,
                      ch->service ? "&service=" : "", service);
        if (!url)
                return -ENOMEM;
        if (c->opts.tls_verify && startswith_no_case(url, "http://") && c->scheme && streq(c->scheme, "https"))
                return fail(c, "the registry sends its credentials to a plain-http token server: refusing");

        /* The token server gets Basic credentials when we have some; the
         * Authorization of this request is that, not a registry token. */
        saved = TAKE_PTR(c->authorization);
        if (c->user) {
                r = basic_header(c, &c->authorization);
                if (r < 0)
                        return r;
        }
        r = get_small(c, url, NULL, true, AUTH_FILE_MAX, &resp);
        free(c->authorization);
        c->authorization = TAKE_PTR(saved);
        if (r < 0)
                return r;
        if (resp.status == 401 || resp.status == 403)
                return fail_errno(c, -EACCES, "the token server refused %s (HTTP %ld)%s",
                                  c->user ? "our credentials" : "an anonymous pull", resp.status,
                                  c->user ? "" : "; add credentials to the auth file");
        if (resp.status != 200)
                return fail_errno(c, -EPROTO, "the token server answered HTTP %ld", resp.status);
        r = auth_token_parse(resp.body ?: "", resp.body_size, &token);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail_errno(c, -EPROTO, "the token server's answer has no usable token");
        free(c->authorization);
        c->authorization = strjoin("Authorization: Bearer ", token);
        explicit_bzero(token, strlen(token));
        return c->authorization ? 0 : -ENOMEM;
}

/* The answer to a 401: a token, or our Basic credentials. */
static int authenticate(RegistryClient *c, const char *www_authenticate) {
        _cleanup_(auth_challenge_done) AuthChallenge ch = {};
        int r;

        if (!www_authenticate)
                return fail_errno(c, -EACCES, "the registry answered 401 without a challenge");
        r = auth_challenge_parse(www_authenticate, &ch);
        if (r == -ENOMEM)
                return r;
        if (r == -EOPNOTSUPP)
                return fail_errno(c, -EACCES, "the registry asks for an authentication scheme other than Bearer or Basic");
        if (r < 0)
                return fail_errno(c, -EPROTO, "the registry's WWW-Authenticate challenge is malformed");
        if (ch.scheme == AUTH_SCHEME_BEARER)
                return fetch_token(c, &ch);
        if (!c->user)
                return fail_errno(c, -EACCES, "the registry requires credentials (HTTP 401), and the auth file has none for %s",
                                  c->host);
        free(c->authorization);
        c->authorization = NULL;
        return basic_header(c, &c->authorization);
}

static char *base_url(const RegistryClient *c, const char *scheme) {
        return strjoin(scheme, "://", c->api_host, "/v2/");
}

/* GET /v2/: which scheme, and which authentication. */
static int ensure_session(RegistryClient *c) {
        _cleanup_(response_done) Response resp = {};
        char https_error[sizeof(c->error)] = "";
        int r;

        if (c->authenticated)
                return 0;
        r = client_load(c);
        if (r < 0)
                return r;
        for (unsigned i = 0;; i++) {
                const char *scheme = i == 0 ? "https" : "http";
                _cleanup_free_ char *url = base_url(c, scheme);

                if (!url)
                        return -ENOMEM;
                r = get_small(c, url, NULL, false, ERROR_BODY_MAX, &resp);
                if (r >= 0) {
                        c->scheme = scheme;
                        break;
                }
                if (r == -ENOMEM)
                        return r;
                /* https failed in transit: with verification off, plain
                 * http is tried (podman's --tls-verify=false). */
                if (i == 0 && !c->opts.tls_verify) {
                        memcpy(https_error, c->error, sizeof(https_error));
                        continue;
                }
                if (i == 1) {
                        char http_error[sizeof(c->error)];

                        memcpy(http_error, c->error, sizeof(http_error));
                        /* Both halves bounded so that neither is lost. */
                        (void) snprintf(c->error, sizeof(c->error), "%.240s; over plain http: %.240s", https_error,
                                        http_error);
                }
                return r;
        }
        if (resp.status == 401) {
                r = authenticate(c, resp.www_authenticate);
                if (r < 0)
                        return r;
        } else if (resp.status != 200)
                return fail_errno(c, -EPROTO, "%s://%s/v2/ answered HTTP %ld: not a registry?", c->scheme,
                                  c->api_host, resp.status);
        c->authenticated = true;
        return 0;
}

static char *media_type_of(const char *content_type) {
        size_t n = strcspn(content_type, "; \t");
        return strndup(content_type, n);
}

int registry_get_manifest(RegistryClient *c, const char *reference, char **ret_body, size_t *ret_size,
                          char **ret_content_type) {
        _cleanup_(response_done) Response resp = {};
        _cleanup_free_ char *url = NULL, *base = NULL;
        int r;

        if (!reference_is_valid(reference))
                return fail_errno(c, -EINVAL, "invalid tag or digest");
        r = ensure_session(c);
        if (r < 0)
                return r;
        base = base_url(c, c->scheme);
        if (!base)
                return -ENOMEM;
        url = strjoin(base, c->repository, "/manifests/", reference);
        if (!url)
                return -ENOMEM;
        for (unsigned again = 0;; again++) {
                r = get_small(c, url, REGISTRY_MANIFEST_ACCEPT, true, REGISTRY_MANIFEST_MAX, &resp);
                if (r < 0)
                        return r;
                if (resp.status == 401 && again == 0) {
                        /* A token that expired, or a registry that wants one
                         * only for this repository. */
                        r = authenticate(c, resp.www_authenticate);
                        if (r < 0)
                                return r;
                        continue;
                }
                break;
        }
        if (resp.status == 404)
                return fail_errno(c, -ENOENT, "manifest unknown to the registry (HTTP 404)");
        if (resp.status == 401 || resp.status == 403)
                return fail_errno(c, -EACCES, "access denied by the registry (HTTP %ld)", resp.status);
        if (resp.status != 200)
                return fail_errno(c, -EPROTO, "the registry answered HTTP %ld for the manifest", resp.status);
        if (!resp.content_type)
                return fail_errno(c, -EPROTO, "the registry's manifest has no Content-Type");
        *ret_content_type = media_type_of(resp.content_type);
        if (!*ret_content_type)
                return -ENOMEM;
        if (!resp.body) {
                resp.body = strdup("");
                if (!resp.body)
                        return -ENOMEM;
        }
        *ret_size = resp.body_size;
        *ret_body = TAKE_PTR(resp.body);
        return 0;
}

/* ---- blobs, several at once ---- */

typedef struct Transfer {
        RegistryClient *client;
        RegistryBlob *blob;
        CURL *handle;
        struct curl_slist *headers;
        Response resp;          /* headers; the body only for error answers */
        char *url, *origin;
        bool with_auth;
        unsigned attempts, redirects, reauths;
        bool checked_status;    /* the first body byte of this answer was seen */
        bool body_is_blob;      /* this answer's body goes to the blob (200/206) */
        int abort_result;       /* the write callback's failure */
} Transfer;

static size_t blob_body_cb(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        RegistryBlob *b = t->blob;
        size_t n = size * nmemb;
        int r;

        if (!t->checked_status) {
                long status = 0;

                t->checked_status = true;
                (void) sym_curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
                t->body_is_blob = status == 200 || status == 206;
                if (status == 200 && b->offset + b->received > 0) {
                        /* The Range was ignored: from the start. */
                        if (!b->rewind) {
                                t->abort_result = -EPROTO;
                                return 0;
                        }
                        r = b->rewind(b->userdata);
                        if (r < 0) {
                                t->abort_result = r;
                                return 0;
                        }
                        b->offset = 0;
                        b->received = 0;
                }
        }
        if (!t->body_is_blob)
                return body_cb(data, size, nmemb, &t->resp);    /* an error body, bounded */
        if (b->offset + b->received + n > b->size) {
                t->abort_result = -EFBIG;
                return 0;
        }
        r = b->write(b->userdata, data, n);
        if (r < 0) {
                t->abort_result = r;
                return 0;
        }
        b->received += n;
        return n;
}

static void transfer_release(Transfer *t) {
        if (t->handle)
                sym_curl_easy_cleanup(t->handle);
        t->handle = NULL;
        if (t->headers)
                sym_curl_slist_free_all(t->headers);
        t->headers = NULL;
}

static void transfer_done(Transfer *t) {
        transfer_release(t);
        response_done(&t->resp);
        t->url = mfree(t->url);
        t->origin = mfree(t->origin);
}

static int transfer_start(Transfer *t, CURLM *multi) {
        RegistryClient *c = t->client;
        CURLMcode m;
        int r;

        transfer_release(t);
        response_done(&t->resp);
        t->resp.body_max = ERROR_BODY_MAX;
        t->checked_status = t->body_is_blob = false;
        t->abort_result = 0;
        r = make_headers(c, NULL, t->with_auth, t->blob->offset + t->blob->received, &t->headers);
        if (r < 0)
                return r;
        t->handle = sym_curl_easy_init();
        if (!t->handle)
                return -ENOMEM;
        r = setup_handle(c, t->handle, t->url, t->headers);
        if (r < 0)
                return r;
        (void) sym_curl_easy_setopt(t->handle, CURLOPT_HEADERFUNCTION, header_cb);
        (void) sym_curl_easy_setopt(t->handle, CURLOPT_HEADERDATA, &t->resp);
        (void) sym_curl_easy_setopt(t->handle, CURLOPT_WRITEFUNCTION, blob_body_cb);
        (void) sym_curl_easy_setopt(t->handle, CURLOPT_WRITEDATA, t);
        (void) sym_curl_easy_setopt(t->handle, CURLOPT_PRIVATE, t);
        m = sym_curl_multi_add_handle(multi, t->handle);
        if (m != CURLM_OK)
                return fail(c, "cannot start a download: %s", sym_curl_multi_strerror(m));
        return 0;
}

/* The blob's URL at the registry, with the registry's authorization. */
static int transfer_reset_url(Transfer *t) {
        RegistryClient *c = t->client;
        _cleanup_free_ char *base = base_url(c, c->scheme);

        if (!base)
                return -ENOMEM;
        free(t->url);
        free(t->origin);
        t->url = strjoin(base, c->repository, "/blobs/", t->blob->digest);
        t->origin = t->url ? url_origin(t->url) : NULL;
        t->with_auth = true;
        t->redirects = 0;
        return t->url && t->origin ? 0 : -ENOMEM;
}

typedef enum Next { NEXT_DONE, NEXT_AGAIN, NEXT_FAILED } Next;

/* A finished request: done, or what to do next (and t set up for it). */
static Next transfer_finished(Transfer *t, CURLcode e, int *ret_error) {
        RegistryClient *c = t->client;
        RegistryBlob *b = t->blob;
        long status = 0;
        int r;

        (void) sym_curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
        *ret_error = 0;

        if (t->abort_result < 0) {
                *ret_error = t->abort_result == -EFBIG ?
                        fail_errno(c, -EFBIG, "blob %s: more bytes than the manifest's %" PRIu64, b->digest, b->size) :
                        fail_errno(c, t->abort_result, "blob %s: %s", b->digest, strerror(-t->abort_result));
                return NEXT_FAILED;
        }
        if (e != CURLE_OK || status_is_transient(status)) {
                if ((e == CURLE_OK || curl_error_is_transient(e)) && t->attempts < c->opts.max_retries) {
                        /* Back to the registry: a redirect's signed URL may
                         * have expired meanwhile. */
                        backoff_sleep(c, t->attempts++, t->resp.retry_after);
                        r = transfer_reset_url(t);
                        if (r < 0)
                                return *ret_error = r, NEXT_FAILED;
                        return NEXT_AGAIN;
                }
                *ret_error = e != CURLE_OK ?
                        fail(c, "blob %s: %s (after %u retries)", b->digest, sym_curl_easy_strerror(e), t->attempts) :
                        fail(c, "blob %s: HTTP %ld (after %u retries)", b->digest, status, t->attempts);
                return NEXT_FAILED;
        }
        if (status_is_redirect(status) && t->resp.location) {
                _cleanup_free_ char *next_origin = NULL;

                if (++t->redirects > MAX_REDIRECTS)
                        return *ret_error = fail(c, "blob %s: more than %u redirects", b->digest, MAX_REDIRECTS),
                               NEXT_FAILED;
                if (t->resp.location[0] == '/') {
                        char *n = strjoin(t->origin, t->resp.location);
                        if (!n)
                                return *ret_error = -ENOMEM, NEXT_FAILED;
                        free(t->url);
                        t->url = n;
                } else {
                        next_origin = url_origin(t->resp.location);
                        if (!next_origin)
                                return *ret_error = fail(c, "blob %s: redirected to a location that is not http(s)",
                                                         b->digest), NEXT_FAILED;
                        if (startswith_no_case(t->origin, "https://") && !startswith_no_case(next_origin, "https://"))
                                return *ret_error = fail(c, "blob %s: redirected from https to plain http: refusing",
                                                         b->digest), NEXT_FAILED;
                        /* The registry's credentials stay with the registry. */
                        if (strcasecmp(next_origin, t->origin) != 0)
                                t->with_auth = false;
                        free(t->url);
                        t->url = strdup(t->resp.location);
                        if (!t->url)
                                return *ret_error = -ENOMEM, NEXT_FAILED;
                        free(t->origin);
                        t->origin = TAKE_PTR(next_origin);
                }
                if (string_has_cc(t->url))
                        return *ret_error = fail(c, "blob %s: redirected to a location with control characters",
                                                 b->digest), NEXT_FAILED;
                return NEXT_AGAIN;
        }
        if (status == 401 && t->with_auth && t->reauths++ == 0) {
                r = authenticate(c, t->resp.www_authenticate);
                if (r < 0)
                        return *ret_error = r, NEXT_FAILED;
                return NEXT_AGAIN;
        }
        if (status == 404)
                return *ret_error = fail_errno(c, -ENOENT, "blob %s unknown to the registry (HTTP 404)", b->digest),
                       NEXT_FAILED;
        if (status == 401 || status == 403)
                return *ret_error = fail_errno(c, -EACCES, "blob %s: access denied (HTTP %ld)", b->digest, status),
                       NEXT_FAILED;
        if (status != 200 && status != 206)
                return *ret_error = fail_errno(c, -EPROTO, "blob %s: HTTP %ld", b->digest, status), NEXT_FAILED;
        if (b->offset + b->received != b->size)
                return *ret_error = fail_errno(c, -EPROTO, "blob %s: %" PRIu64 " bytes, the manifest says %" PRIu64,
                                               b->digest, b->offset + b->received, b->size), NEXT_FAILED;
        return NEXT_DONE;
}

int registry_get_blobs(RegistryClient *c, RegistryBlob *blobs, size_t n, unsigned parallel) {
        _cleanup_free_ Transfer *transfers = NULL;
        CURLM *multi = NULL;
        size_t next = 0, active = 0;
        int first_error = 0, r;

        if (parallel == 0)
                parallel = 3;
        for (size_t i = 0; i < n; i++) {
                blobs[i].result = 0;
                blobs[i].received = 0;
                if (!reference_is_valid(blobs[i].digest) || !startswith(blobs[i].digest, "sha256:") ||
                    !blobs[i].write || blobs[i].offset > blobs[i].size)
                        return fail_errno(c, -EINVAL, "invalid blob request %zu", i);
        }
        if (n == 0)
                return 0;
        r = ensure_session(c);
        if (r < 0)
                return r;

        transfers = calloc(n, sizeof(Transfer));
        multi = sym_curl_multi_init();
        if (!transfers || !multi) {
                if (multi)
                        sym_curl_multi_cleanup(multi);
                return -ENOMEM;
        }

        for (;;) {
                int running = 0;
                CURLMsg *msg;
                int left;

                /* Fill the slots; blobs already complete need no request. */
                while (active < parallel && next < n && first_error == 0) {
                        Transfer *t = &transfers[next];

                        t->client = c;
                        t->blob = &blobs[next++];
                        if (t->blob->offset == t->blob->size)
                                continue;
                        r = transfer_reset_url(t);
                        if (r >= 0)
                                r = transfer_start(t, multi);
                        if (r < 0) {
                                t->blob->result = first_error = r;
                                transfer_release(t);
                                break;
                        }
                        active++;
                }
                if (active == 0)
                        break;

                CURLMcode m = sym_curl_multi_perform(multi, &running);
                if (m != CURLM_OK) {
                        first_error = fail(c, "download loop: %s", sym_curl_multi_strerror(m));
                        break;
                }
                bool finished = false;
                while ((msg = sym_curl_multi_info_read(multi, &left))) {
                        Transfer *t = NULL;
                        Next what;
                        int err;

                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        finished = true;
                        (void) sym_curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                        (void) sym_curl_multi_remove_handle(multi, msg->easy_handle);
                        what = transfer_finished(t, msg->data.result, &err);
                        if (what == NEXT_DONE && t->blob->done) {
                                err = t->blob->done(t->blob->userdata);
                                if (err < 0) {
                                        (void) fail_errno(c, err, "blob %s: %s", t->blob->digest, strerror(-err));
                                        what = NEXT_FAILED;
                                }
                        }
                        if (what == NEXT_AGAIN && first_error == 0) {
                                err = transfer_start(t, multi);
                                if (err >= 0)
                                        continue;
                                what = NEXT_FAILED;
                        }
                        transfer_release(t);
                        active--;
                        if (what == NEXT_FAILED || (what == NEXT_AGAIN && first_error != 0)) {
                                t->blob->result = err < 0 ? err : -ECANCELED;
                                if (first_error == 0)
                                        first_error = t->blob->result;
                        }
                }
                /* After a failure the others are not waited for: the pull
                 * fails as a whole, and what they wrote is the caller's
                 * partial state, resumable next time. */
                if (first_error != 0)
                        break;
                /* Wait only when nothing finished: a transfer that is done
                 * leaves no socket to wake the poll, so waiting then would
                 * hold its slot (and the last transfer's end) for the
                 * whole timeout. */
                if (!finished) {
                        m = sym_curl_multi_poll(multi, NULL, 0, 1000, NULL);
                        if (m != CURLM_OK) {
                                first_error = fail(c, "download loop: %s", sym_curl_multi_strerror(m));
                                break;
                        }
                }
        }

        for (size_t i = 0; i < n; i++) {
                if (transfers[i].handle) {
                        (void) sym_curl_multi_remove_handle(multi, transfers[i].handle);
                        if (transfers[i].blob && transfers[i].blob->result == 0)
                                transfers[i].blob->result = -ECANCELED;
                }
                transfer_done(&transfers[i]);
        }
        sym_curl_multi_cleanup(multi);
        for (size_t i = next; i < n; i++)
                if (blobs[i].result == 0 && first_error != 0)
                        blobs[i].result = -ECANCELED;
        return first_error;
}
