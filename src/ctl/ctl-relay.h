/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The stdio of a sandboxed process that `exec` and `run` start: never our
 * own stdin, stdout or stderr (a process of the sandbox could reopen them
 * through /proc/PID/fd and keep them), but pipes, or a pty made inside the
 * sandbox, between which and ours we copy. The caller owns the loop: it
 * polls what ctl_relay_pollfds() gives beside its own fds (the process's
 * pidfd, a signalfd) and calls ctl_relay_dispatch() with the result. */

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "ctl-escape.h"

#define CTL_RELAY_MAX_POLLFDS 3

typedef struct CtlRelayStream {
        int from;               /* < 0: done */
        int to;
        bool own_from, own_to;  /* ours to close (a pipe end); else the caller's stdio or the master */
        bool input;             /* our stdin to the process */
        bool pty;               /* to or from the master */
        FILE *file;             /* output: stdout or stderr, for escaped writes */
        CtlEscape esc;
        int pfd;                /* its entry of the last ctl_relay_pollfds(), or -1 */
        short events;
        unsigned char last;     /* input: the last byte passed on (is a line pending?) */
        unsigned char buf[4096]; /* PIPE_BUF: one write after POLLOUT cannot block a pipe */
        size_t len, off;
} CtlRelayStream;

typedef struct CtlRelay {
        CtlRelayStream s[3];
        size_t n;
        int master;             /* the pty's master, or -EBADF */
} CtlRelay;

/* Pipes for the process: ret_fds[0..2] are its stdin (-1 without input:
 * /dev/null), stdout and stderr (one pipe for both when our stdout and
 * stderr are the same file, so the order of its lines is kept). The caller
 * closes its copies of them once the process has them. Output to a
 * terminal is escaped unless --raw (ctl-escape.h) when escape is set. */
int ctl_relay_pipes(CtlRelay *r, bool input, bool escape, int ret_fds[static 3]);
/* The pty's master (taken): output to our stdout, our stdin to it with
 * input. escape: as above, carriage returns pass. */
int ctl_relay_pty(CtlRelay *r, int master, bool input, bool escape);

/* Our terminal's window size (stdin's, else stdout's); 0 0 if neither is one. */
void ctl_relay_window_size(unsigned short *ret_rows, unsigned short *ret_cols);
/* SIGWINCH: our window size to the pty. */
void ctl_relay_winch(CtlRelay *r);

/* Our stdin terminal in raw mode, so that every key goes to the pty (^C,
 * ^Z and ^\ are bytes its line discipline turns into signals inside).
 * Restored by ctl_relay_restore_terminal(), by ctl_relay_done(), and by a
 * handler of the signals that would end us otherwise. 0 when stdin is no
 * terminal. */
int ctl_relay_raw_terminal(void);
void ctl_relay_restore_terminal(void);

/* Entries for poll(), at most CTL_RELAY_MAX_POLLFDS. */
size_t ctl_relay_pollfds(CtlRelay *r, struct pollfd *pfd);
/* One step of each stream that poll found ready (pfd as given to poll). */
void ctl_relay_dispatch(CtlRelay *r, const struct pollfd *pfd);
/* The process is gone: stop reading our stdin, copy what is left of its
 * output, waiting at most 100 ms for more (something it left in the
 * background may hold the pipe or pty open) and 1 s in all. */
void ctl_relay_drain(CtlRelay *r);
/* Close everything ours, restore our terminal. */
void ctl_relay_done(CtlRelay *r);
