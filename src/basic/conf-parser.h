/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "diag.h"

/* Table-driven INI parsing for unit and policy files.
 *
 * inih parses the structure (sections, keys, comments, BOM). Our line reader
 * feeds it, and owns what inih cannot do safely for a security tool: exact
 * line numbers, refusing NUL bytes, invalid UTF-8 and over-long lines instead
 * of truncating them (inih's buffer is 200 bytes), systemd-style backslash
 * continuation lines, and keeping ';' and '#' inside values (inih would cut an
 * ExecStart= at " ;"). So values travel beside inih, not through it. */

typedef struct ConfContext {
        const char *file;
        unsigned line;
        const char *section;
        const char *key;
        Diagnostics *diags;
        void *userdata;
} ConfContext;

/* Parse one value into data (= base + offset). An empty value resets list
 * keys. Return 0, or the result of conf_error() (< 0) after recording. */
typedef int (*ConfParserFn)(ConfContext *c, const char *value, void *data);

typedef struct ConfItem {
        const char *section;
        const char *key;        /* NULL: matches any key via parse (prefix tables) */
        ConfParserFn parse;
        size_t offset;
} ConfItem;

#define CONF_LINE_MAX (32u * 1024u)
#define CONF_FILE_MAX (4u * 1024u * 1024u)

int conf_error(ConfContext *c, const char *fmt, ...) _printf_(2, 3);
/* "WHAT "v"; did you mean "x"?" with the closest of names, else "WHAT "v",
 * expected a, b or c." */
int conf_error_unknown(ConfContext *c, const char *what, const char *v, const char *const *names, size_t n);
/* split_words() for a value: bad quoting is the value's error (reported,
 * negative), out of memory is the caller's. */
int conf_split_words(ConfContext *c, const char *v, char ***ret);
/* A list key's value: an empty one clears *l (returns 0), any other is
 * split as conf_split_words() does into *ret_words (returns 1). */
int conf_list_words(ConfContext *c, const char *v, char ***l, char ***ret_words);

/* Parses path into base. Problems are added to diags; returns -EINVAL if
 * any were found in this file, another negative errno if the file could
 * not be read (also recorded as a diagnostic), 0 otherwise.
 * key_matcher, if given, is consulted for keys not in items (Limit*=). */
int conf_parse_file(const char *path, const char *const *sections, const ConfItem *items, size_t n_items,
                    void *base, void *userdata, Diagnostics *diags);
/* The same from an open fd (a regular file, at most CONF_FILE_MAX bytes);
 * path is what diagnostics name. fd < 0: open path. */
int conf_parse_fd(int fd, const char *path, const char *const *sections, const ConfItem *items, size_t n_items,
                  void *base, void *userdata, Diagnostics *diags);

/* Common value parsers. */
int conf_parse_string(ConfContext *c, const char *v, void *data);        /* char*, last wins */
int conf_parse_strv(ConfContext *c, const char *v, void *data);          /* char**, words, accumulate */
int conf_parse_strv_whole(ConfContext *c, const char *v, void *data);    /* char**, whole value, accumulate */
int conf_parse_bool(ConfContext *c, const char *v, void *data);          /* int: -1 unset, 0, 1 */
int conf_parse_size(ConfContext *c, const char *v, void *data);          /* uint64_t, infinity */
int conf_parse_usec(ConfContext *c, const char *v, void *data);          /* uint64_t */
int conf_parse_unsigned(ConfContext *c, const char *v, void *data);      /* unsigned */
int conf_parse_path(ConfContext *c, const char *v, void *data);          /* char*, absolute normalized */
int conf_parse_signal(ConfContext *c, const char *v, void *data);        /* int */
