/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "conf-parser.h"
#include "extract-word.h"
#include "fileio.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

typedef struct Reader {
        const char *path;
        const char *data;
        size_t size;
        size_t pos;
        unsigned next_line;     /* physical line number of data[pos] */
        unsigned line;          /* first physical line of the logical line handed to inih last */

        char *value;            /* value of the key=value line handed to inih last */
        char *key;
        bool bad_section;       /* the current section is unknown: its keys are not reported again */

        const char *const *sections;
        const ConfItem *items;
        size_t n_items;
        void *base;
        void *userdata;
        Diagnostics *diags;
        int errors;
} Reader;

int conf_error(ConfContext *c, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(c->diags, c->file, c->line, c->key, fmt, ap);
        va_end(ap);
        return r;
}

int conf_error_unknown(ConfContext *c, const char *what, const char *v, const char *const *names, size_t n) {
        _cleanup_free_ char *all = NULL;
        const char *hint = closest_match(v, names, n);

        if (hint)
                return conf_error(c, "%s \"%s\"; did you mean \"%s\"?", what, v, hint);
        all = strv_join_or(names, n);
        if (!all)
                return -ENOMEM;
        return conf_error(c, "%s \"%s\", expected %s.", what, v, all);
}

int conf_split_words(ConfContext *c, const char *v, char ***ret) {
        int r;

        r = split_words(v, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_error(c, "Invalid quoting or escape in \"%s\".", v);
        return 0;
}

int conf_list_words(ConfContext *c, const char *v, char ***l, char ***ret_words) {
        int r;

        if (isempty(v)) {
                *l = strv_free(*l);
                return 0;
        }
        r = conf_split_words(c, v, ret_words);
        return r < 0 ? r : 1;
}

static void reader_error(Reader *r, unsigned line, const char *key, const char *msg) {
        (void) diag_add(r->diags, r->path, line, key, "%s", msg);
        r->errors++;
}

static bool key_is_valid(const char *k) {
        if (isempty(k) || strlen(k) > 64)
                return false;
        for (const char *p = k; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '-' && *p != '_' && *p != '.')
                        return false;
        return true;
}

/* Returns the next logical line (continuations joined, outer whitespace
 * stripped) as a new string, or NULL at the end (*eof set) or on OOM. */
static char *next_logical_line(Reader *r, bool *eof) {
        _cleanup_free_ char *acc = NULL;
        size_t acc_len = 0;
        bool continued = false;

        *eof = false;
        r->line = r->next_line;

        while (r->pos < r->size) {
                const char *s = r->data + r->pos;
                const char *nl = memchr(s, '\n', r->size - r->pos);
                size_t l = nl ? (size_t) (nl - s) : r->size - r->pos;
                unsigned phys = r->next_line;
                _cleanup_free_ char *ln = NULL;
                char *t;

                r->pos += l + (nl ? 1 : 0);
                r->next_line++;

                if (memchr(s, 0, l)) {
                        reader_error(r, phys, NULL, "Line contains a NUL byte.");
                        ln = strdup("");
                } else if (!utf8_is_valid(s, l)) {
                        reader_error(r, phys, NULL, "Line is not valid UTF-8.");
                        ln = strdup("");
                } else if (l > CONF_LINE_MAX || acc_len + l > CONF_LINE_MAX) {
                        char m[96];
                        (void) snprintf(m, sizeof(m), "Line too long (more than %u bytes), refusing.", CONF_LINE_MAX);
                        reader_error(r, phys, NULL, m);
                        ln = strdup("");
                        /* Drop the rest of a continued line too. */
                        acc = mfree(acc);
                        acc_len = 0;
                        continued = false;
                        return TAKE_PTR(ln);
                } else
                        ln = strndup(s, l);
                if (!ln)
                        return NULL;

                t = strstrip(ln);

                /* systemd: comment lines inside a continuation are skipped. */
                if (continued && (t[0] == '#' || t[0] == ';'))
                        continue;
                if (!continued && (t[0] == '#' || t[0] == ';' || t[0] == 0))
                        return strdup("");

                if (endswith(t, "\\")) {
                        size_t tl = strlen(t) - 1;
                        char *n = realloc(acc, acc_len + tl + 2);
                        if (!n)
                                return NULL;
                        acc = n;
                        memcpy(acc + acc_len, t, tl);
                        acc_len += tl;
                        acc[acc_len++] = ' ';
                        acc[acc_len] = 0;
                        continued = true;
                        continue;
                }

                if (continued) {
                        size_t tl = strlen(t);
                        char *n = realloc(acc, acc_len + tl + 1);
                        if (!n)
                                return NULL;
                        acc = n;
                        memcpy(acc + acc_len, t, tl + 1);
                        return strdup(strstrip(acc));
                }
                return strdup(t);
        }

        if (continued && acc) {
                /* A final line ending in a backslash: take what we have. */
                return strdup(strstrip(acc));
        }
        *eof = true;
        return NULL;
}

static bool section_known(Reader *r, const char *name) {
        for (const char *const *s = r->sections; *s; s++)
                if (streq(*s, name))
                        return true;
        return false;
}

static char *reader_fn(char *buf, int num, void *stream) {
        Reader *r = stream;

        for (;;) {
                _cleanup_free_ char *l = NULL;
                bool eof;
                char *eq;

                r->value = mfree(r->value);
                r->key = mfree(r->key);

                l = next_logical_line(r, &eof);
                if (eof)
                        return NULL;
                if (!l) {
                        reader_error(r, r->line, NULL, "Out of memory.");
                        return NULL;
                }
                if (l[0] == 0)
                        continue;

                if (l[0] == '[') {
                        size_t n = strlen(l);

                        if (n < 3 || l[n - 1] != ']') {
                                reader_error(r, r->line, NULL, "Invalid section header, expected [Section].");
                                r->bad_section = true;
                                /* Keys below belong to no known section. */
                                (void) snprintf(buf, (size_t) num, "[\x01invalid]\n");
                                return buf;
                        }
                        l[n - 1] = 0;
                        if (!section_known(r, l + 1)) {
                                _cleanup_free_ char *m = NULL;
                                const char *hint = closest_match(l + 1, r->sections, strv_length((char **) r->sections));
                                if (hint)
                                        (void) asprintf_safe(&m, "Unknown section [%s]; did you mean [%s]?", l + 1, hint);
                                else
                                        (void) asprintf_safe(&m, "Unknown section [%s].", l + 1);
                                reader_error(r, r->line, NULL, m ?: "Unknown section.");
                                r->bad_section = true;
                                (void) snprintf(buf, (size_t) num, "[\x01invalid]\n");
                                return buf;
                        }
                        r->bad_section = false;
                        (void) snprintf(buf, (size_t) num, "[%s]\n", l + 1);
                        return buf;
                }

                eq = strchr(l, '=');
                if (!eq) {
                        reader_error(r, r->line, NULL, "Missing '=', expected Key=Value.");
                        continue;
                }
                *eq = 0;
                r->key = strdup(strstrip(l));
                r->value = strdup(strstrip(eq + 1));
                if (!r->key || !r->value) {
                        reader_error(r, r->line, NULL, "Out of memory.");
                        return NULL;
                }
                if (!key_is_valid(r->key)) {
                        reader_error(r, r->line, NULL, "Invalid key name, expected letters, digits, '-' or '_'.");
                        continue;
                }
                /* The value stays in r->value: see the comment in conf-parser.h. */
                (void) snprintf(buf, (size_t) num, "%s=v\n", r->key);
                return buf;
        }
}

static int handler_fn(void *user, const char *section, const char *name, const char *value) {
        Reader *r = user;
        ConfContext c = {
                .file = r->path,
                .line = r->line,
                .section = section,
                .key = r->key,
                .diags = r->diags,
                .userdata = r->userdata,
        };
        const char *keys[256];
        size_t n_keys = 0;

        if (!r->key || !r->value)
                return 1;
        if (section[0] == 0) {
                reader_error(r, r->line, r->key, "Assignment outside of any section.");
                return 1;
        }
        if (section[0] == '\x01' || r->bad_section)
                return 1; /* already reported at the section header */

        for (size_t i = 0; i < r->n_items; i++) {
                const ConfItem *it = &r->items[i];

                if (!streq(it->section, section))
                        continue;
                if (it->key && !streq(it->key, r->key)) {
                        if (n_keys < ELEMENTSOF(keys))
                                keys[n_keys++] = it->key;
                        continue;
                }
                if (!it->key) {
                        /* Catch-all entry: the parser decides whether it knows the key
                         * (>0 handled, 0 not its key). */
                        int k = it->parse(&c, r->value, (uint8_t *) r->base + it->offset);
                        if (k == 0)
                                continue;
                        if (k < 0)
                                r->errors++;
                        return 1;
                }
                if (it->parse(&c, r->value, (uint8_t *) r->base + it->offset) < 0)
                        r->errors++;
                return 1;
        }

        /* Unknown here: a typo, or a key of another section. */
        {
                _cleanup_free_ char *m = NULL;
                const char *hint = closest_match(r->key, keys, n_keys);
                const char *other = NULL;

                for (size_t i = 0; i < r->n_items; i++)
                        if (r->items[i].key && streq(r->items[i].key, r->key)) {
                                other = r->items[i].section;
                                break;
                        }
                if (other)
                        (void) asprintf_safe(&m, "Unknown key in section [%s]; it belongs in [%s].", section, other);
                else if (hint)
                        (void) asprintf_safe(&m, "Unknown key in section [%s]; did you mean %s=?", section, hint);
                else
                        (void) asprintf_safe(&m, "Unknown key in section [%s].", section);
                reader_error(r, r->line, r->key, m ?: "Unknown key.");
        }
        (void) name;
        (void) value;
        return 1;
}

static int conf_parse_data(const char *path, const char *data, size_t size, const char *const *sections,
                           const ConfItem *items, size_t n_items, void *base, void *userdata, Diagnostics *diags);

int conf_parse_file(const char *path, const char *const *sections, const ConfItem *items, size_t n_items,
                    void *base, void *userdata, Diagnostics *diags) {
        return conf_parse_fd(-EBADF, path, sections, items, n_items, base, userdata, diags);
}

int conf_parse_fd(int fd, const char *path, const char *const *sections, const ConfItem *items, size_t n_items,
                  void *base, void *userdata, Diagnostics *diags) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int k;

        if (fd >= 0)
                k = read_full_regular_fd(fd, CONF_FILE_MAX, &data, &size);
        else
                k = read_full_file(path, CONF_FILE_MAX, &data, &size);
        if (k < 0) {
                if (k == -EISDIR)
                        (void) diag_add(diags, path, 0, NULL, "Is a directory, expected a file.");
                else if (k == -EBADFD)
                        (void) diag_add(diags, path, 0, NULL, "Not a regular file.");
                else if (k == -EFBIG)
                        (void) diag_add(diags, path, 0, NULL, "File too large (more than %u bytes).", CONF_FILE_MAX);
                else
                        (void) diag_add(diags, path, 0, NULL, "Cannot read: %s", strerror(-k));
                return k;
        }
        return conf_parse_data(path, data, size, sections, items, n_items, base, userdata, diags);
}

static int conf_parse_data(const char *path, const char *data, size_t size, const char *const *sections,
                           const ConfItem *items, size_t n_items, void *base, void *userdata, Diagnostics *diags) {
        Reader r;
        int k;

        r = (Reader) {
                .path = path,
                .data = data,
                .size = size,
                .next_line = 1,
                .sections = sections,
                .items = items,
                .n_items = n_items,
                .base = base,
                .userdata = userdata,
                .diags = diags,
        };

        /* A UTF-8 BOM is skipped here, not by inih, so line 1 stays line 1. */
        if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                r.pos = 3;

        k = ini_parse_stream(reader_fn, &r, handler_fn, &r);
        free(r.value);
        free(r.key);
        if (k != 0 && r.errors == 0) {
                /* inih disagreed with a line we accepted: report it rather than
                 * guessing. */
                (void) diag_add(diags, path, k > 0 ? (unsigned) k : 0, NULL, "Syntax error.");
                r.errors++;
        }
        return r.errors > 0 ? -EINVAL : 0;
}

int conf_parse_string(ConfContext *c, const char *v, void *data) {
        char **s = data, *n;

        if (string_has_cc(v))
                return conf_error(c, "Value contains control characters.");
        if (isempty(v)) {
                *s = mfree(*s);
                return 0;
        }
        n = strdup(v);
        if (!n)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

int conf_parse_strv(ConfContext *c, const char *v, void *data) {
        char ***l = data;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = conf_list_words(c, v, l, &words);
        if (r <= 0)
                return r;
        STRV_FOREACH(w, words)
                if (string_has_cc(*w))
                        return conf_error(c, "Value contains control characters.");
        r = strv_extend_strv(l, words);
        return r < 0 ? r : 0;
}

int conf_parse_strv_whole(ConfContext *c, const char *v, void *data) {
        char ***l = data;

        if (isempty(v)) {
                *l = strv_free(*l);
                return 0;
        }
        if (string_has_cc(v))
                return conf_error(c, "Value contains control characters.");
        return strv_extend(l, v);
}

int conf_parse_bool(ConfContext *c, const char *v, void *data) {
        int *b = data, k;

        k = parse_boolean(v);
        if (k < 0)
                return conf_error(c, "Invalid boolean \"%s\", expected yes or no.", v);
        *b = k;
        return 0;
}

int conf_parse_size(ConfContext *c, const char *v, void *data) {
        uint64_t *u = data;
        int k;

        k = parse_size(v, u);
        if (k == -ERANGE)
                return conf_error(c, "Size \"%s\" is out of range.", v);
        if (k < 0)
                return conf_error(c, "Invalid size \"%s\", expected bytes with an optional K, M, G or T suffix (base 1024), or infinity.", v);
        return 0;
}

int conf_parse_usec(ConfContext *c, const char *v, void *data) {
        uint64_t *u = data;
        int k;

        k = parse_time_usec(v, u);
        if (k == -ERANGE)
                return conf_error(c, "Time \"%s\" is out of range.", v);
        if (k < 0)
                return conf_error(c, "Invalid time \"%s\", expected e.g. 500ms, 5s, 1min 30s, 2h or infinity.", v);
        return 0;
}

int conf_parse_unsigned(ConfContext *c, const char *v, void *data) {
        unsigned *u = data;

        if (safe_atou(v, u) < 0)
                return conf_error(c, "Invalid number \"%s\", expected a non-negative integer.", v);
        return 0;
}

int conf_parse_path(ConfContext *c, const char *v, void *data) {
        char **s = data, *n;

        if (isempty(v)) {
                *s = mfree(*s);
                return 0;
        }
        if (!path_is_absolute(v))
                return conf_error(c, "Path \"%s\" is not absolute.", v);
        if (!path_is_normalized_absolute(v))
                return conf_error(c, "Path \"%s\" is not normalized (no \"..\", \".\", \"//\" or trailing \"/\").", v);
        n = strdup(v);
        if (!n)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

int conf_parse_signal(ConfContext *c, const char *v, void *data) {
        int *sig = data;

        if (parse_signal(v, sig) < 0)
                return conf_error(c, "Invalid signal \"%s\", expected e.g. SIGTERM.", v);
        return 0;
}
