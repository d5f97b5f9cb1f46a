/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl-escape.h"

static bool arg_raw = false;

void ctl_escape_set_raw(bool raw) {
        arg_raw = raw;
}

bool ctl_escape_wanted(int fd) {
        return !arg_raw && isatty(fd) > 0;
}

/* The UTF-8 sequence at s: its length with *ret_cp, 0 if the n bytes are
 * a valid but unfinished start, -1 if s[0] starts no valid sequence
 * (overlong forms, surrogates and values above U+10FFFF included). */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp) {
        uint32_t cp, min;
        int len;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        else
                return -1;
        for (int i = 1; i < len; i++) {
                if ((size_t) i >= n)
                        return 0;
                if ((s[i] & 0xc0) != 0x80)
                        return -1;
                cp = (cp << 6) | (s[i] & 0x3f);
                /* Refuse as early as the second byte allows, so that an
                 * unfinished start is never a sequence that cannot end well. */
                if (i == 1 && len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
                        return -1;
                if (i == 1 && len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
                        return -1;
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return -1;
        *ret_cp = cp;
        return len;
}

static bool is_control(uint32_t cp, bool pass_cr) {
        return (cp < 0x20 && cp != '\n' && cp != '\t' && !(pass_cr && cp == '\r')) || (cp >= 0x7f && cp <= 0x9f);
}

static void put_hex(FILE *f, const unsigned char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                fprintf(f, "\\x%02x", s[i]);
}

/* Writes the whole sequences of s; returns how many bytes it consumed
 * (less than n only when the tail is an unfinished sequence and !final). */
static size_t escape_some(FILE *f, const unsigned char *s, size_t n, bool final, bool pass_cr) {
        size_t i = 0, run = 0;

        while (i < n) {
                uint32_t cp;
                int l = utf8_decode(s + i, n - i, &cp);

                if (l == 0 && !final)
                        break;
                if (l > 0 && !is_control(cp, pass_cr)) {
                        i += (size_t) l;
                        continue;
                }
                /* A plain run, then the escaped sequence or byte. */
                fwrite(s + run, 1, i - run, f);
                put_hex(f, s + i, l > 0 ? (size_t) l : 1);
                i += l > 0 ? (size_t) l : 1;
                run = i;
        }
        fwrite(s + run, 1, i - run, f);
        return i;
}

int ctl_escape_write(CtlEscape *e, FILE *f, const void *buf, size_t n) {
        const unsigned char *s = buf;
        size_t used;

        if (!e->escape) {
                if (n > 0 && fwrite(buf, 1, n, f) != n)
                        return -EIO;
                return 0;
        }

        /* Finish a sequence that the last chunk cut: at most 3 more bytes. */
        while (e->n_pending > 0 && n > 0) {
                unsigned char tmp[4];
                uint32_t cp;
                int l;

                memcpy(tmp, e->pending, e->n_pending);
                tmp[e->n_pending] = *s;
                l = utf8_decode(tmp, e->n_pending + 1, &cp);
                if (l == 0) {
                        e->pending[e->n_pending++] = *s++;
                        n--;
                        continue;
                }
                if (l < 0) {
                        /* The pending start was bad: escape its first byte, retry the rest. */
                        put_hex(f, e->pending, 1);
                        memmove(e->pending, e->pending + 1, --e->n_pending);
                        while (e->n_pending > 0 && utf8_decode(e->pending, e->n_pending, &cp) < 0) {
                                put_hex(f, e->pending, 1);
                                memmove(e->pending, e->pending + 1, --e->n_pending);
                        }
                        continue;
                }
                if (is_control(cp, e->pass_cr))
                        put_hex(f, tmp, (size_t) l);
                else
                        fwrite(tmp, 1, (size_t) l, f);
                e->n_pending = 0;
                s++;
                n--;
        }

        used = escape_some(f, s, n, false, e->pass_cr);
        memcpy(e->pending + e->n_pending, s + used, n - used);
        e->n_pending += n - used;
        return ferror(f) ? -EIO : 0;
}

int ctl_escape_flush(CtlEscape *e, FILE *f) {
        if (e->n_pending > 0) {
                put_hex(f, e->pending, e->n_pending);
                e->n_pending = 0;
        }
        return ferror(f) ? -EIO : 0;
}

int ctl_escape_fputs(FILE *f, const char *s, size_t n, bool escape) {
        if (!escape) {
                if (n > 0 && fwrite(s, 1, n, f) != n)
                        return -EIO;
                return 0;
        }
        (void) escape_some(f, (const unsigned char *) s, n, true, false);
        return ferror(f) ? -EIO : 0;
}
