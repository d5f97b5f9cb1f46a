/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandbox-init: the image of the sandbox's PID 1 once the service is
 * forked (init.c says why; init-exe.c how it is started).
 *
 *   sandbox-init PROTOCOL SERVICE_PID EXIT_FD OOM_FD
 *
 * PROTOCOL is the launcher's INIT_PROTOCOL; EXIT_FD is -1 without an exit
 * status file, OOM_FD -1 without the memory controller's event file that
 * the report's OOM count is read from. Everything else it gets from the launcher's fork across
 * the execve: every forwarded signal blocked (so nothing sent to the
 * sandbox meanwhile is lost, a SIGCHLD of the service included), its
 * session, root and cwd, uid 0 with CAP_KILL alone under no_new_privs, no
 * other fd but the output pipe's read end at LAUNCH_INIT_OUTPUT_FD and the
 * listening sockets of socket activation from LAUNCH_INIT_LISTEN_FD up, which
 * it only holds (init.c). Then it is init.c's loop.
 *
 * Nobody listens any more when it starts (the launcher has returned), so
 * a mismatch cannot be reported; init-exe.c refuses a sandbox-init without
 * this version's marker before any sandbox is started with it. Anything
 * else wrong with the arguments means it was not started by the launcher:
 * it exits, which ends the sandbox.
 *
 * Linked statically: it runs inside the image, which need not have a libc.
 * It has no stdio and reads no input but signals. */

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-internal.h"

/* Looked for by init_exe_get() in the file. */
__attribute__((used)) static const char protocol_marker[] = INIT_PROTOCOL_MARKER;

static bool parse_int(const char *s, int min, int *ret) {
        long v = 0;

        if (!s || *s == '\0')
                return false;
        if (min < 0 && s[0] == '-' && s[1] == '1' && s[2] == '\0') {
                *ret = -1;
                return true;
        }
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > 0x7fffffffL / 10)
                        return false;
                v = v * 10 + (*s - '0');
        }
        if (v < min || v > 0x7fffffffL)
                return false;
        *ret = (int) v;
        return true;
}

int main(int argc, char *argv[]) {
        int service, exit_fd, oom_fd;
        siginfo_t si = {};

        /* First: the exec did not make us dumpable (init-exe.c), but a
         * copy of this program exec'd by other means would be. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) prctl(PR_SET_NAME, "sandbox-init", 0, 0, 0);

        if (argc != 5 || strcmp(argv[1], INIT_PROTOCOL) != 0 || !parse_int(argv[2], 2, &service) ||
            !parse_int(argv[3], -1, &exit_fd) || !parse_int(argv[4], -1, &oom_fd))
                _exit(LAUNCH_EXIT_SETUP);
        /* Only as what the launcher makes it: PID 1, the service its child. */
        if (getpid() != 1 || waitid(P_PID, (id_t) service, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
                _exit(LAUNCH_EXIT_SETUP);
        /* Blocked already; again, in case it was started otherwise. */
        if (init_block_signals() < 0)
                _exit(LAUNCH_EXIT_SETUP);

        init_loop((pid_t) service, exit_fd, oom_fd);
}
