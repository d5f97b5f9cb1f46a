/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A service for the restart benchmark: prints CLOCK_MONOTONIC in
 * nanoseconds as soon as it runs, then waits to be killed. The clock is
 * the host's (no time namespace), so the benchmark can subtract the time
 * it sent SIGKILL from the time the replacement started. Built static, so
 * it runs from any image. */

#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("%lld\n", (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
        fflush(stdout);
        for (;;)
                pause();
}
