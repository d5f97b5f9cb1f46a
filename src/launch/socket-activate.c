/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Socket activation, on the side of whoever launches: the plan's
 * listening sockets are made here, in the caller's network namespace (the
 * host's), before the sandbox exists, and the launcher hands them to the
 * service as fds 3 and up. The caller keeps its copies: sandboxd from the
 * first start until the service is stopped, so that a client that
 * connects while the service restarts waits in the backlog instead of
 * being refused. A sandboxd that was killed takes them back from the
 * sandbox's init (launch_take_sockets()).
 *
 * As systemd does: close-on-exec and non-blocking, SO_REUSEADDR on IP
 * sockets, IPV6_V6ONLY as BindIPv6Only= says (default: the kernel's
 * net.ipv6.bindv6only), a port alone on [::] (on 0.0.0.0 where the host
 * has no IPv6). AF_UNIX socket files get SocketUser=, SocketGroup= and
 * SocketMode=, and are made with no permission at all until then. */

#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch-internal.h"
#include "listen-address.h"
#include "log.h"
#include "plan.h"
#include "strv.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* A socket file nobody listens on any more (its listener died with a
 * sandboxd or a host that went down) is in the way of nobody: remove it.
 * Anything else at the path is someone's: in use. */
static int remove_stale(const char *path, int type) {
        struct sockaddr_storage ss;
        ListenAddress a = { .family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        socklen_t len;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        strcpy(a.path, path);
        len = listen_address_sockaddr(&a, &ss);
        if (connect(fd, (struct sockaddr *) &ss, len) >= 0 || errno != ECONNREFUSED)
                return -EADDRINUSE;
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

static int open_one(const PlanSocket *s, int *ret_fd, bool *ret_made_file) {
        struct sockaddr_storage ss;
        _cleanup_close_ int fd = -EBADF;
        int type = listen_type_to_socket_type(s->type), one = 1,
            v6only = s->bind_ipv6_only == BIND_IPV6_ONLY_IPV6_ONLY;
        bool made_file = false;
        ListenAddress a;
        socklen_t len;
        char why[256];
        int r;

        r = listen_address_parse(s->address, &a, why, sizeof(why));
        if (r < 0)
                return r;

        fd = socket(a.family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 && errno == EAFNOSUPPORT && a.family == AF_INET6 && a.port_only) {
                /* No IPv6 on this host: a port alone is IPv4's any address. */
                a.family = AF_INET;
                a.in.s_addr = htonl(INADDR_ANY);
                fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        }
        if (fd < 0)
                return negative_errno();

        if (a.family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return negative_errno();
        if (a.family == AF_INET6 && s->bind_ipv6_only != BIND_IPV6_ONLY_DEFAULT &&
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
                return negative_errno();

        len = listen_address_sockaddr(&a, &ss);
        if (a.family == AF_UNIX) {
                mode_t old;

                r = remove_stale(a.path, type);
                if (r < 0)
                        return r;
                /* No access until it has its owner and mode. */
                old = umask(0777);
                r = bind(fd, (struct sockaddr *) &ss, len) < 0 ? negative_errno() : 0;
                umask(old);
                if (r < 0)
                        return r;
                made_file = true;
                if (lchown(a.path, s->uid, s->gid) < 0 || chmod(a.path, s->mode) < 0) {
                        r = negative_errno();
                        (void) unlink(a.path);
                        return r;
                }
        } else if (bind(fd, (struct sockaddr *) &ss, len) < 0)
                return negative_errno();

        if (type != SOCK_DGRAM && listen(fd, (int) s->backlog) < 0) {
                r = negative_errno();
                if (made_file)
                        (void) unlink(a.path);
                return r;
        }
        *ret_fd = TAKE_FD(fd);
        *ret_made_file = made_file;
        return 0;
}

/* Only a socket: whatever else is there now is not ours. */
static void remove_file(const char *path) {
        struct stat st;

        if (path[0] == '/' && lstat(path, &st) >= 0 && S_ISSOCK(st.st_mode))
                (void) unlink(path);
}

int launch_socket_files(const Plan *p, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t i = 0; i < p->n_sockets; i++)
                if (p->sockets[i].address[0] == '/') {
                        r = strv_extend(&l, p->sockets[i].address);
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

/* A slot for each socket of the plan (NULL for none): both ends of the
 * hand-over fill one. */
static int socket_fds_new(const Plan *p, int **ret) {
        int *fds = NULL;

        if (p->n_sockets > 0) {
                fds = calloc(p->n_sockets, sizeof(int));
                if (!fds)
                        return -ENOMEM;
        }
        *ret = fds;
        return 0;
}

int launch_open_sockets(const Plan *p, int **ret_fds, size_t *ret_n, char **reterr_message) {
        _cleanup_free_ int *fds = NULL;
        size_t n = 0;
        int r;

        r = socket_fds_new(p, &fds);
        if (r < 0)
                return log_oom();
        for (; n < p->n_sockets; n++) {
                const PlanSocket *s = &p->sockets[n];
                bool made_file;

                r = open_one(s, &fds[n], &made_file);
                if (r < 0) {
                        _cleanup_free_ char *m = NULL;

                        if (asprintf(&m, "Failed to listen on %s (%s=): %s.", s->address, listen_type_to_key(s->type),
                                     r == -EADDRINUSE ? "the address is already in use"
                                     : r == -EEXIST   ? "the path is taken by a file that is not a socket"
                                                      : strerror(-r)) < 0)
                                m = NULL;
                        if (reterr_message && m) {
                                free(*reterr_message);
                                *reterr_message = TAKE_PTR(m);
                        } else
                                log_error_errno(r, "%s", m ?: "Failed to listen on a socket of the unit.");
                        close_many(fds, n);
                        /* The files of those we made; the failed one removed its own. */
                        for (size_t i = 0; i < n; i++)
                                remove_file(p->sockets[i].address);
                        return r;
                }
        }
        *ret_fds = TAKE_PTR(fds);
        *ret_n = n;
        return 0;
}

void launch_close_sockets(int *fds, size_t n, char **files) {
        close_many(fds, n);
        free(fds);
        STRV_FOREACH(f, files)
                remove_file(*f);
}

int launch_socket_matches(int fd, const PlanSocket *s) {
        struct sockaddr_storage want, got;
        socklen_t want_len, got_len = sizeof(got);
        int type, accepting = 0;
        ListenAddress a;
        char why[256];
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISSOCK(st.st_mode))
                return 0;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &(socklen_t) { sizeof(type) }) < 0)
                return negative_errno();
        if (type != listen_type_to_socket_type(s->type))
                return 0;
        if (type != SOCK_DGRAM &&
            (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &(socklen_t) { sizeof(accepting) }) < 0 || !accepting))
                return 0;
        if (listen_address_parse(s->address, &a, why, sizeof(why)) < 0)
                return -EINVAL;
        if (getsockname(fd, (struct sockaddr *) &got, &got_len) < 0)
                return negative_errno();
        if (got.ss_family == AF_INET && a.family == AF_INET6 && a.port_only) {
                /* The IPv4 fallback of a port alone. */
                a.family = AF_INET;
                a.in.s_addr = htonl(INADDR_ANY);
        }
        want_len = listen_address_sockaddr(&a, &want);
        if (got.ss_family != want.ss_family)
                return 0;
        if (a.family == AF_UNIX)
                return got_len >= want_len &&
                       streq(((struct sockaddr_un *) &got)->sun_path, ((struct sockaddr_un *) &want)->sun_path);
        if (a.family == AF_INET)
                return ((struct sockaddr_in *) &got)->sin_port == ((struct sockaddr_in *) &want)->sin_port &&
                       ((struct sockaddr_in *) &got)->sin_addr.s_addr == ((struct sockaddr_in *) &want)->sin_addr.s_addr;
        return ((struct sockaddr_in6 *) &got)->sin6_port == ((struct sockaddr_in6 *) &want)->sin6_port &&
               !memcmp(&((struct sockaddr_in6 *) &got)->sin6_addr, &((struct sockaddr_in6 *) &want)->sin6_addr,
                       sizeof(struct in6_addr));
}

int launch_take_sockets(const Plan *p, pid_t pid, int pidfd, bool has_init, int **ret_fds, size_t *ret_n) {
        _cleanup_free_ int *fds = NULL;
        int base = has_init ? LAUNCH_INIT_LISTEN_FD : LAUNCH_SYNC_FD;
        size_t n = 0;
        int r;

        r = socket_fds_new(p, &fds);
        if (r < 0)
                return r;
        for (; n < p->n_sockets; n++) {
                /* The pidfd pins the process: this is its fd table whatever
                 * became of the pid. */
                fds[n] = (int) syscall(SYS_pidfd_getfd, pidfd, base + (int) n, 0);
                if (fds[n] < 0) {
                        r = negative_errno();
                        goto fail;
                }
                r = launch_socket_matches(fds[n], &p->sockets[n]);
                if (r <= 0) {
                        n++;
                        r = r < 0 ? r : -ENOTSOCK;
                        goto fail;
                }
                /* Ours close on exec; the flag is per fd, not shared. */
                (void) fcntl(fds[n], F_SETFD, FD_CLOEXEC);
        }
        (void) pid;
        *ret_fds = TAKE_PTR(fds);
        *ret_n = n;
        return 0;
fail:
        close_many(fds, n);
        return r;
}
