/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* xfer: bulk TCP throughput, one connection at a time.
 *
 *   xfer server PORT            accept forever on every IPv4 address
 *   xfer client ADDRESS PORT BYTES [CHUNK]
 *
 * The client connects, writes BYTES in CHUNK-sized writes (default 64
 * KiB), shuts its side down and waits for the server's reply: the number
 * of bytes the server read, as 8 bytes. The time is taken from before
 * connect() to that reply, so it covers every byte having arrived, not
 * just having left the client's socket buffer (several MiB on loopback).
 * The client prints "BYTES SECONDS MB/s" (MB = 10^6 bytes) and fails when
 * the server's count differs from what it wrote.
 *
 * The server reads into one buffer and discards it; it serves one client
 * at a time, so two measurements never share the link. Built static, so
 * the same binary runs on the host and inside any image. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_MAX (4u << 20)

static char buf[BUF_MAX];

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s)
                return -EINVAL;
        switch (*end) {
        case 'K': v <<= 10; end++; break;
        case 'M': v <<= 20; end++; break;
        case 'G': v <<= 30; end++; break;
        }
        if (*end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int write_all(int fd, const void *p, size_t n) {
        const char *c = p;

        while (n > 0) {
                ssize_t k = write(fd, c, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

static void serve_one(int fd) {
        uint64_t total = 0;
        ssize_t k;

        for (;;) {
                k = read(fd, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                total += (uint64_t) k;
        }
        /* A reset connection gets no count; the client then fails. */
        if (k == 0)
                (void) write_all(fd, &total, sizeof(total));
}

static int server(const char *port_s) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
        int fd, one = 1, port = atoi(port_s);

        if (port <= 0 || port > 65535) {
                fprintf(stderr, "xfer: bad port %s\n", port_s);
                return 2;
        }
        sa.sin_port = htons((uint16_t) port);
        signal(SIGPIPE, SIG_IGN);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
                perror("xfer: listen");
                return 1;
        }
        for (;;) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

                if (c < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        perror("xfer: accept");
                        return 1;
                }
                serve_one(c);
                close(c);
        }
}

static int client(const char *host, const char *port, const char *bytes_s, const char *chunk_s) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        socklen_t salen;
        uint64_t bytes, chunk = 64 << 10, sent = 0, got = 0;
        size_t have = 0;
        double t0, t1;
        int fd, r, port_n = atoi(port);

        if (parse_u64(bytes_s, &bytes) < 0 || (chunk_s && parse_u64(chunk_s, &chunk) < 0) ||
            chunk == 0 || chunk > BUF_MAX) {
                fprintf(stderr, "xfer: bad size (BYTES, CHUNK up to 4M; K, M, G suffixes)\n");
                return 2;
        }
        if (port_n <= 0 || port_n > 65535) {
                fprintf(stderr, "xfer: bad port %s\n", port);
                return 2;
        }
        /* Numeric addresses only: no resolver in a static binary. */
        if (inet_pton(AF_INET, host, &sa.in.sin_addr) == 1) {
                sa.in.sin_family = AF_INET;
                sa.in.sin_port = htons((uint16_t) port_n);
                salen = sizeof(sa.in);
        } else if (inet_pton(AF_INET6, host, &sa.in6.sin6_addr) == 1) {
                sa.in6.sin6_family = AF_INET6;
                sa.in6.sin6_port = htons((uint16_t) port_n);
                salen = sizeof(sa.in6);
        } else {
                fprintf(stderr, "xfer: %s is not a numeric IPv4 or IPv6 address\n", host);
                return 2;
        }
        memset(buf, 'x', chunk);
        signal(SIGPIPE, SIG_IGN);

        t0 = now_s();
        fd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, &sa.sa, salen) < 0) {
                fprintf(stderr, "xfer: connect %s:%s: %s\n", host, port, strerror(errno));
                return 1;
        }
        while (sent < bytes) {
                size_t n = bytes - sent < chunk ? (size_t) (bytes - sent) : (size_t) chunk;

                r = write_all(fd, buf, n);
                if (r < 0) {
                        fprintf(stderr, "xfer: write after %llu bytes: %s\n", (unsigned long long) sent, strerror(-r));
                        return 1;
                }
                sent += n;
        }
        if (shutdown(fd, SHUT_WR) < 0) {
                perror("xfer: shutdown");
                return 1;
        }
        while (have < sizeof(got)) {
                ssize_t k = read(fd, (char *) &got + have, sizeof(got) - have);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        fprintf(stderr, "xfer: no count from the server: %s\n", k < 0 ? strerror(errno) : "end of stream");
                        return 1;
                }
                have += (size_t) k;
        }
        t1 = now_s();
        close(fd);
        if (got != bytes) {
                fprintf(stderr, "xfer: the server read %llu bytes of %llu\n", (unsigned long long) got,
                        (unsigned long long) bytes);
                return 1;
        }
        printf("%llu %.6f %.1f\n", (unsigned long long) bytes, t1 - t0, bytes / (t1 - t0) / 1e6);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc == 3 && strcmp(argv[1], "server") == 0)
                return server(argv[2]);
        if ((argc == 5 || argc == 6) && strcmp(argv[1], "client") == 0)
                return client(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
        fprintf(stderr, "usage: xfer server PORT\n"
                        "       xfer client ADDRESS PORT BYTES [CHUNK]\n");
        return 2;
}
