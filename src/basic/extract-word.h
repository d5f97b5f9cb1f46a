/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Split one word off *p with systemd's command-line rules: whitespace
 * separates words; "double" and 'single' quotes group; backslash escapes
 * (\n \t \\ \" \' \s \xNN \NNN octal) are decoded in and out of quotes.
 * Returns 1 and the word, 0 at the end, -EINVAL on unbalanced quotes, a
 * trailing backslash, a bad escape or an escape that decodes to NUL. */
int extract_first_word(const char **p, char **ret);

/* All words of s; the same errors. */
int split_words(const char *s, char ***ret);
