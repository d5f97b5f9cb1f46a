/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A line-based reader of the TOML that registries.conf files use in
 * practice: [[registry]] tables of key = value, values a quoted string or
 * a boolean, comments after '#'. Multi-line values, inline tables and
 * arrays are not part of the subset and are refused with their line. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"
#include "registries-conf.h"
#include "string-util.h"

void registries_conf_done(RegistriesConf *c) {
        for (size_t i = 0; i < c->n_entries; i++)
                free(c->entries[i].location);
        c->entries = mfree(c->entries);
        c->n_entries = 0;
}

typedef struct Parser {
        const char *file;
        unsigned line;
        unsigned table_line;    /* of the last [[registry]] */
        char **reterr;
} Parser;

_printf_(2, 3) static int fail(Parser *p, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (p->reterr && asprintf_safe(p->reterr, "%s:%u: %s", p->file, p->line, m) < 0)
                return -ENOMEM;
        return -EINVAL;
}

static char *strip(char *s, char *end) {
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        *end = '\0';
        return s;
}

/* After a value: only blanks and a comment. */
static bool rest_is_empty(const char *s) {
        s += strspn(s, " \t\r");
        return *s == '\0' || *s == '#';
}

static bool location_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > 255 || strstr(s, "://") || s[0] == '/' || s[strlen(s) - 1] == '/')
                return false;
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c <= ' ' || (unsigned char) *c >= 127 || strchr("\"'\\#", *c))
                        return false;
        return true;
}

static int parse_line(Parser *p, char *s, RegistriesConf *c, bool *seen_location, bool *seen_insecure) {
        char *eq, *key, *v;

        if (*s == '\0' || *s == '#')
                return 0;
        if (s[0] == '[') {
                char *close = strstr(s, "]]");
                char *name;

                if (s[1] != '[' || !close || !rest_is_empty(close + 2))
                        return fail(p, "Unsupported table header \"%s\": only [[registry]] tables are understood.", s);
                name = strip(s + 2, close);
                if (!streq(name, "registry"))
                        return fail(p, "Unsupported table [[%s]]: only [[registry]] tables are understood.", name);
                if (c->n_entries > 0 && !*seen_location) {
                        p->line = p->table_line;
                        return fail(p, "This [[registry]] table has no location.");
                }
                p->table_line = p->line;
                RegistryEntry *n = reallocarray(c->entries, c->n_entries + 1, sizeof(RegistryEntry));
                if (!n)
                        return -ENOMEM;
                c->entries = n;
                c->entries[c->n_entries++] = (RegistryEntry) {};
                *seen_location = *seen_insecure = false;
                return 0;
        }

        eq = strchr(s, '=');
        if (!eq)
                return fail(p, "Expected key = value, [[registry]] or a comment.");
        key = strip(s, eq);
        if (isempty(key) || strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(key))
                return fail(p, "Invalid key \"%s\".", key);
        if (c->n_entries == 0)
                return fail(p, "%s: keys outside a [[registry]] table are not supported.", key);
        v = eq + 1;
        v += strspn(v, " \t");
        RegistryEntry *e = &c->entries[c->n_entries - 1];

        if (streq(key, "location")) {
                char q = v[0], *end;

                if (*seen_location)
                        return fail(p, "location: set twice in one [[registry]] table.");
                if (q != '"' && q != '\'')
                        return fail(p, "location: expected a quoted string.");
                end = strchr(v + 1, q);
                if (!end || !rest_is_empty(end + 1))
                        return fail(p, "location: unterminated string, or text after it.");
                *end = '\0';
                if (!location_is_valid(v + 1))
                        return fail(p, "location: \"%s\" is not HOST[:PORT] or HOST[:PORT]/NAMESPACE.", v + 1);
                for (size_t i = 0; i + 1 < c->n_entries; i++)
                        if (streq(c->entries[i].location, v + 1))
                                return fail(p, "location: \"%s\" has a [[registry]] table already.", v + 1);
                e->location = strdup(v + 1);
                if (!e->location)
                        return -ENOMEM;
                *seen_location = true;
                return 0;
        }
        if (streq(key, "insecure")) {
                size_t l = strspn(v, "abcdefghijklmnopqrstuvwxyz");

                if (*seen_insecure)
                        return fail(p, "insecure: set twice in one [[registry]] table.");
                if (!rest_is_empty(v + l) || !((l == 4 && startswith(v, "true")) || (l == 5 && startswith(v, "false"))))
                        return fail(p, "insecure: expected true or false.");
                e->insecure = v[0] == 't';
                *seen_insecure = true;
                return 0;
        }
        return fail(p, "Unsupported key \"%s\": only location and insecure are understood.", key);
}

int registries_conf_parse(const char *text, size_t size, const char *file, RegistriesConf *ret,
                          char **reterr_message) {
        _cleanup_(registries_conf_done) RegistriesConf c = {};
        _cleanup_free_ char *copy = NULL;
        Parser p = { .file = file ?: "registries.conf", .reterr = reterr_message };
        bool seen_location = false, seen_insecure = false;
        char *s;
        int r;

        if (size > REGISTRIES_CONF_MAX) {
                p.line = 1;
                return fail(&p, "The file is larger than %u bytes.", REGISTRIES_CONF_MAX);
        }
        if (memchr(text, '\0', size)) {
                p.line = 1;
                for (const char *t = text; *t; t++)
                        p.line += *t == '\n';
                return fail(&p, "NUL byte.");
        }
        copy = strndup(text, size);
        if (!copy)
                return -ENOMEM;
        s = copy;
        while (s) {
                char *nl = strchr(s, '\n');

                p.line++;
                if (nl)
                        *nl = '\0';
                r = parse_line(&p, strip(s, s + strlen(s)), &c, &seen_location, &seen_insecure);
                if (r < 0)
                        return r;
                s = nl ? nl + 1 : NULL;
        }
        if (c.n_entries > 0 && !seen_location) {
                p.line = p.table_line;
                return fail(&p, "This [[registry]] table has no location.");
        }
        *ret = c;
        c = (RegistriesConf) {};
        return 0;
}

int registries_conf_load(const char *path, RegistriesConf *ret, char **reterr_message) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, REGISTRIES_CONF_MAX + 1, &text, &size);
        if (r == -ENOENT) {
                *ret = (RegistriesConf) {};
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (reterr_message && asprintf_safe(reterr_message, "%s: %s", path, strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }
        return registries_conf_parse(text, size, path, ret, reterr_message);
}

bool registries_conf_insecure(const RegistriesConf *c, const char *domain, const char *repository) {
        const RegistryEntry *best = NULL;
        size_t dl = strlen(domain);

        for (size_t i = 0; i < c->n_entries; i++) {
                const char *l = c->entries[i].location;
                size_t n = strlen(l);
                bool match;

                if (n <= dl)
                        match = n == dl && memcmp(l, domain, dl) == 0;
                else {
                        /* HOST/NAMESPACE: a prefix of domain/repository at a '/'. */
                        const char *rest = l + dl;
                        size_t rl = repository ? strlen(repository) : 0;

                        match = memcmp(l, domain, dl) == 0 && rest[0] == '/' && repository &&
                                strlen(rest + 1) <= rl && strncmp(rest + 1, repository, strlen(rest + 1)) == 0 &&
                                (repository[strlen(rest + 1)] == '\0' || repository[strlen(rest + 1)] == '/');
                }
                if (match && (!best || n > strlen(best->location)))
                        best = &c->entries[i];
        }
        return best && best->insecure;
}
