/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a service wrote, shown on the operator's terminal: `logs`, the
 * log lines of `status`, and the output of `run`. A terminal acts on
 * escape sequences (set its title, rewrite the screen, answer queries into
 * its input), so bytes from a service never reach one as they are: every
 * control character but newline and tab, DEL, the C1 controls and every
 * byte that is not valid UTF-8 is written as \xNN. A pipe or a file gets
 * the bytes unchanged, and so does a terminal with --raw. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* --raw: pass the bytes through even to a terminal. */
void ctl_escape_set_raw(bool raw);
/* Whether output to fd gets escaped: a terminal, and no --raw. */
bool ctl_escape_wanted(int fd);

/* One stream of output: a UTF-8 sequence cut at the end of one chunk is
 * completed by the next. */
typedef struct CtlEscape {
        bool escape;            /* false: bytes pass unchanged */
        bool pass_cr;           /* carriage return passes too: the output of a pty, whose newlines
                                 * are "\r\n", to a terminal in raw mode */
        unsigned char pending[4];
        size_t n_pending;
} CtlEscape;

/* Writes buf to f, escaped if e->escape. -EIO if f fails. */
int ctl_escape_write(CtlEscape *e, FILE *f, const void *buf, size_t n);
/* The bytes of an unfinished sequence, escaped: at the end of the stream. */
int ctl_escape_flush(CtlEscape *e, FILE *f);
/* One whole string (a journal field), escaped if escape. */
int ctl_escape_fputs(FILE *f, const char *s, size_t n, bool escape);
