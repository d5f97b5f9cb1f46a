/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the launcher's integration tests (test-launch*.c) share: a busybox
 * image in a private temporary directory, a plan like the compiler makes
 * for a default unit, the checks, and the leftover check run after every
 * launch (no new mount on the host, no child process, no new fd). */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "plan.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char tmpdir[];
extern char image[256], state[256];
extern int n_failed;

#define CHECK(expr)                                                                      \
        do {                                                                             \
                if (!(expr)) {                                                           \
                        fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #expr); \
                        n_failed++;                                                      \
                }                                                                        \
        } while (0)

#define CHECK_CONTAINS(out, needle)                                                                               \
        do {                                                                                                      \
                if (!strstr((out), (needle))) {                                                                   \
                        fprintf(stderr, "%s:%d: FAIL: no \"%s\" in:\n%s\n", __FILE__, __LINE__, (needle), (out)); \
                        n_failed++;                                                                               \
                }                                                                                                 \
        } while (0)

void die(const char *what) _noreturn_;
void write_file(const char *path, const char *text, mode_t mode);

/* A plan like the compiler makes for a default unit: every namespace but
 * user and time, the standard mount list, root without capabilities. */
Plan *make_plan(const char *script);

/* A layer, and the plan's bind sources, pinned as the compiler pins them
 * (src/plan/host-path.h); the launcher refuses what is not. A missing
 * source with ignore_missing is pinned as missing. */
PlanLayer pinned_layer(LayerType type, const char *path);
void pin_binds(Plan *p);

/* The sentence launch_start() logged for the last run() that failed in
 * the sandbox (LaunchParams.reterr_message), or "". */
extern char last_message[1024];

typedef struct Snapshot {
        size_t mounts, fds;
} Snapshot;

Snapshot snapshot(void);
void check_nothing_left_at(Snapshot before, const char *file, int line);
#define check_nothing_left(before, line) check_nothing_left_at((before), __FILE__, (line))

/* Run p with stdout and stderr into a pipe; returns launch_start's result,
 * with the output and the service's status (128+N for signal N). */
int run(const Plan *p, char *out, size_t size, int *ret_status);

/* launch_start() returns once the service has exec'd; its init execs
 * sandbox-init right after, without holding it up (init-exe.c). Wait for
 * that, up to 5 s; false if it never came. */
bool wait_init_settled(pid_t pid);

char *read_text(const char *path, char *buf, size_t size);
size_t read_all(int fd, char *buf, size_t size);
int wait_status(int pidfd);

/* Skip (77, with "SKIP: <reason>" printed) unless root with busybox, else
 * make the temporary directory and the image in it: 0. */
int launch_fixture_setup(void);
/* Remove the temporary directory; the exit status of the test. */
int launch_fixture_finish(void);
