/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Copying between our stdio and a sandboxed process's pipes or pty.
 *
 * Our own stdin, stdout and stderr stay blocking: their open file
 * descriptions are shared with the shell, and flags set on them would
 * outlive us. So they are touched only when poll() says so, and our
 * buffer is PIPE_BUF, which one write after POLLOUT puts into a pipe
 * whole. Our ends of the pipes and the master are non-blocking.
 *
 * How each stream ends:
 * - our stdin at EOF (or EIO: the terminal hung up): the stdin pipe is
 *   closed, or the pty gets its EOF character (twice after a partial
 *   line, as a user typing ^D would);
 * - the process's output at EOF, or EIO on the master (the last slave fd
 *   was closed): done;
 * - our stdout or stderr failing (EPIPE: its reader went away; SIGPIPE
 *   is ignored by the verbs): that stream is closed, and the process gets
 *   EPIPE (a pipe) or a hangup (the pty) in turn, as it would writing
 *   there itself;
 * - the process exiting: the verb stops reading our stdin and drains
 *   what is left, a bounded time, since a process it left behind in the
 *   background may keep the pipe or the pty open for ever. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl-relay.h"
#include "macro.h"

/* After the process's exit: how long what it left in the background may
 * keep its output coming. */
#define DRAIN_IDLE_MSEC 100
#define DRAIN_MAX_MSEC 1000

static void stream_close(CtlRelayStream *st) {
        if (st->from >= 0 && st->own_from)
                (void) close(st->from);
        if (st->to >= 0 && st->own_to)
                (void) close(st->to);
        st->from = st->to = -EBADF;
        st->len = st->off = 0;
}

static bool same_file(int a, int b) {
        struct stat sa, sb;

        return fstat(a, &sa) >= 0 && fstat(b, &sb) >= 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void add_output(CtlRelay *r, int from, bool own, int to, bool escape, bool pty) {
        r->s[r->n++] = (CtlRelayStream) {
                .from = from,
                .own_from = own,
                .to = to,
                .pty = pty,
                .file = to == STDOUT_FILENO ? stdout : stderr,
                .esc.escape = escape && ctl_escape_wanted(to),
                .esc.pass_cr = pty,
                .pfd = -1,
        };
}

static void add_input(CtlRelay *r, int to, bool own, bool pty) {
        r->s[r->n++] = (CtlRelayStream) {
                .from = STDIN_FILENO,
                .to = to,
                .own_to = own,
                .input = true,
                .pty = pty,
                .last = '\n',
                .pfd = -1,
        };
}

int ctl_relay_pipes(CtlRelay *r, bool input, bool escape, int ret_fds[static 3]) {
        bool one = same_file(STDOUT_FILENO, STDERR_FILENO);
        int fds[3][2] = { { -EBADF, -EBADF }, { -EBADF, -EBADF }, { -EBADF, -EBADF } };

        *r = (CtlRelay) { .master = -EBADF };
        for (size_t i = input ? 0 : 1; i < (one ? 2U : 3U); i++)
                if (pipe2(fds[i], O_CLOEXEC) < 0 || fcntl(fds[i][i == 0 ? 1 : 0], F_SETFL, O_NONBLOCK) < 0) {
                        int error = -errno;

                        for (size_t j = 0; j < 3; j++)
                                close_many(fds[j], 2);
                        return error;
                }
        if (input)
                add_input(r, fds[0][1], true, false);
        add_output(r, fds[1][0], true, STDOUT_FILENO, escape, false);
        if (!one)
                add_output(r, fds[2][0], true, STDERR_FILENO, escape, false);
        ret_fds[0] = fds[0][0];
        ret_fds[1] = fds[1][1];
        ret_fds[2] = one ? fds[1][1] : fds[2][1];
        return 0;
}

int ctl_relay_pty(CtlRelay *r, int master, bool input, bool escape) {
        *r = (CtlRelay) { .master = master };
        if (fcntl(master, F_SETFL, O_RDWR | O_NONBLOCK) < 0)
                return -errno;
        if (input)
                add_input(r, master, false, true);
        add_output(r, master, false, STDOUT_FILENO, escape, true);
        return 0;
}

/* ---- the terminal ---- */

static struct termios saved_termios;
static volatile sig_atomic_t terminal_raw = 0;

static const int fatal_signals[] = { SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGALRM, SIGVTALRM, SIGPROF,
                                     SIGXCPU, SIGXFSZ, SIGTRAP, SIGSYS };

void ctl_relay_restore_terminal(void) {
        if (!terminal_raw)
                return;
        (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
        terminal_raw = 0;
}

/* Async-signal-safe: tcsetattr is; then the signal's own default action. */
static void restore_and_die(int sig) {
        if (terminal_raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        terminal_raw = 0;
        (void) signal(sig, SIG_DFL);
        (void) raise(sig);
}

int ctl_relay_raw_terminal(void) {
        struct sigaction sa = { .sa_handler = restore_and_die, .sa_flags = SA_RESETHAND | SA_NODEFER };
        struct termios raw;

        if (isatty(STDIN_FILENO) <= 0)
                return 0;
        if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(fatal_signals); i++)
                (void) sigaction(fatal_signals[i], &sa, NULL);
        raw = saved_termios;
        cfmakeraw(&raw);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        terminal_raw = 1;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
                int r = -errno;

                terminal_raw = 0;
                return r;
        }
        return 0;
}

void ctl_relay_window_size(unsigned short *ret_rows, unsigned short *ret_cols) {
        struct winsize ws = {};

        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
                ws = (struct winsize) {};
        *ret_rows = ws.ws_row;
        *ret_cols = ws.ws_col;
}

void ctl_relay_winch(CtlRelay *r) {
        struct winsize ws = {};

        if (r->master < 0)
                return;
        ctl_relay_window_size(&ws.ws_row, &ws.ws_col);
        /* The kernel sends SIGWINCH to the pty's foreground process group. */
        if (ws.ws_row > 0 && ws.ws_col > 0)
                (void) ioctl(r->master, TIOCSWINSZ, &ws);
}

/* ---- the copying ---- */

size_t ctl_relay_pollfds(CtlRelay *r, struct pollfd *pfd) {
        size_t n = 0;

        for (size_t i = 0; i < r->n; i++) {
                CtlRelayStream *st = &r->s[i];

                st->pfd = -1;
                if (st->from < 0)
                        continue;
                st->pfd = (int) n;
                st->events = st->len > st->off ? POLLOUT : POLLIN;
                pfd[n++] = (struct pollfd) { .fd = st->events == POLLOUT ? st->to : st->from, .events = st->events };
        }
        return n;
}

/* Our stdin ended: so does the process's. */
static void input_eof(CtlRelay *r, CtlRelayStream *st) {
        if (st->pty) {
                struct termios t;
                unsigned char eof[2];

                /* ^D ends a read in canonical mode; after a partial line the
                 * first one only passes the line on. */
                if (tcgetattr(r->master, &t) >= 0 && (t.c_lflag & ICANON)) {
                        eof[0] = eof[1] = t.c_cc[VEOF];
                        (void) write(r->master, eof, st->last == '\n' ? 1 : 2);
                }
        }
        stream_close(st);
}

static void output_failed(CtlRelay *r, CtlRelayStream *st) {
        stream_close(st);
        /* The master is one file for both ways: closing it hangs the pty
         * up, which is how the process learns that no one reads. */
        if (st->pty) {
                for (size_t i = 0; i < r->n; i++)
                        stream_close(&r->s[i]);
                r->master = safe_close(r->master);
        }
}

/* Read once (poll said so, or the fd is ours and non-blocking), then
 * write what we hold once. */
static void stream_step(CtlRelay *r, CtlRelayStream *st, short revents) {
        ssize_t k;

        if (st->len == st->off) {
                if (!(revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
                        return;
                k = read(st->from, st->buf, sizeof(st->buf));
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        return;
                if (k <= 0) {
                        /* EOF; EIO: our terminal hung up, or the pty's
                         * last slave is closed. */
                        if (st->input)
                                input_eof(r, st);
                        else {
                                (void) ctl_escape_flush(&st->esc, st->file);
                                (void) fflush(st->file);
                                stream_close(st);
                        }
                        return;
                }
                st->len = (size_t) k;
                st->off = 0;
        } else if (!(revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)))
                return;

        if (st->esc.escape) {
                /* A terminal: escaped, whole, through stdio. */
                (void) ctl_escape_write(&st->esc, st->file, st->buf + st->off, st->len - st->off);
                k = fflush(st->file) == 0 ? (ssize_t) (st->len - st->off) : -1;
        } else
                k = write(st->to, st->buf + st->off, st->len - st->off);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (k < 0) {
                if (st->input)
                        /* The process closed its stdin: nothing to pass on. */
                        stream_close(st);
                else
                        output_failed(r, st);
                return;
        }
        if (st->input && k > 0)
                st->last = st->buf[st->off + (size_t) k - 1];
        st->off += (size_t) k;
        if (st->off == st->len)
                st->len = st->off = 0;
}

void ctl_relay_dispatch(CtlRelay *r, const struct pollfd *pfd) {
        for (size_t i = 0; i < r->n; i++) {
                CtlRelayStream *st = &r->s[i];

                if (st->from < 0 || st->pfd < 0 || pfd[st->pfd].revents == 0)
                        continue;
                stream_step(r, st, pfd[st->pfd].revents);
        }
}

static int64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctl_relay_drain(CtlRelay *r) {
        int64_t end = now_msec() + DRAIN_MAX_MSEC;

        for (size_t i = 0; i < r->n; i++)
                if (r->s[i].input)
                        stream_close(&r->s[i]);
        for (;;) {
                struct pollfd pfd[CTL_RELAY_MAX_POLLFDS];
                size_t n = ctl_relay_pollfds(r, pfd);
                int64_t left = end - now_msec();
                int k;

                if (n == 0 || left <= 0)
                        break;
                k = poll(pfd, n, (int) MIN(left, (int64_t) DRAIN_IDLE_MSEC));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                ctl_relay_dispatch(r, pfd);
        }
        for (size_t i = 0; i < r->n; i++)
                if (r->s[i].file) {
                        (void) ctl_escape_flush(&r->s[i].esc, r->s[i].file);
                        (void) fflush(r->s[i].file);
                }
}

void ctl_relay_done(CtlRelay *r) {
        for (size_t i = 0; i < r->n; i++)
                stream_close(&r->s[i]);
        r->n = 0;
        r->master = safe_close(r->master);
        ctl_relay_restore_terminal();
}
