/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hash-util.h"
#include "in-addr-util.h"
#include "lease.h"
#include "locked-file.h"
#include "macro.h"
#include "string-util.h"

#define LEASES_MAX (1024 * 1024)

/* STATE_DIR/net: who has which address decides whose published ports go
 * where. */
static int open_net_dir(const char *state_dir, int *ret_fd) {
        return locked_dir_open(state_dir ?: SANDBOXD_STATE_DIR, "net", ret_fd);
}

int net_lock(const char *state_dir, int *ret_fd) {
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        r = open_net_dir(state_dir, &dir_fd);
        if (r < 0)
                return r;
        return locked_dir_lock(dir_fd, ret_fd);
}

typedef struct Lease {
        struct in_addr address;
        char *name;
} Lease;

typedef struct Leases {
        Lease *l;
        size_t n;
} Leases;

static void leases_done(Leases *ls) {
        for (size_t i = 0; i < ls->n; i++)
                free(ls->l[i].name);
        ls->l = mfree(ls->l);
        ls->n = 0;
}

static int leases_add(Leases *ls, struct in_addr a, const char *name) {
        Lease *n = reallocarray(ls->l, ls->n + 1, sizeof(Lease));

        if (!n)
                return -ENOMEM;
        ls->l = n;
        n[ls->n] = (Lease) { .address = a, .name = strdup(name) };
        if (!n[ls->n].name)
                return -ENOMEM;
        ls->n++;
        return 0;
}

/* A line that does not parse makes the whole file unusable: skipping it
 * could hand its address to a second service. */
static int leases_parse(char *text, Leases *ret) {
        _cleanup_(leases_done) Leases ls = {};
        char *line, *save = NULL;
        int r;

        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                struct in_addr a;

                if (!sp)
                        return -EBADMSG;
                *sp = '\0';
                if (in4_addr_from_string(line, &a) < 0 || !locked_file_name_is_valid(sp + 1))
                        return -EBADMSG;
                r = leases_add(&ls, a, sp + 1);
                if (r < 0)
                        return r;
        }
        *ret = ls;
        ls = (Leases) {};
        return 0;
}

static void lease_line(FILE *f, size_t i, const void *userdata) {
        const Leases *ls = userdata;

        fprintf(f, "%s %s\n", inet_ntoa(ls->l[i].address), ls->l[i].name);
}

static int leases_write(int dir_fd, const Leases *ls) {
        return locked_file_write(dir_fd, "leases", ls->n, lease_line, ls);
}

static const Lease *leases_find_address(const Leases *ls, struct in_addr a) {
        for (size_t i = 0; i < ls->n; i++)
                if (ls->l[i].address.s_addr == a.s_addr)
                        return &ls->l[i];
        return NULL;
}

/* NAME's lease (MINE, or a new one) is A from now on, written before it
 * is handed out. */
static int leases_assign(int dir_fd, Leases *ls, Lease *mine, const char *name, struct in_addr a, struct in_addr *ret) {
        int r;

        if (mine)
                mine->address = a;
        else {
                r = leases_add(ls, a, name);
                if (r < 0)
                        return r;
        }
        r = leases_write(dir_fd, ls);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

int lease_acquire(const char *state_dir, const char *name, struct in_addr subnet, unsigned prefixlen, struct in_addr want,
                  struct in_addr *ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_(leases_done) Leases ls = {};
        _cleanup_free_ char *text = NULL;
        uint32_t base = ntohl(subnet.s_addr) & in4_netmask(prefixlen), size = ~in4_netmask(prefixlen) + 1, first;
        Lease *mine = NULL;
        int r;

        if (!locked_file_name_is_valid(name) || prefixlen < 8 || prefixlen > 30)
                return -EINVAL;
        r = open_net_dir(state_dir, &dir_fd);
        if (r < 0)
                return r;
        r = locked_file_read(dir_fd, "leases", LEASES_MAX, &text);
        if (r >= 0)
                r = leases_parse(text, &ls);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ls.n; i++)
                if (streq(ls.l[i].name, name))
                        mine = &ls.l[i];

        if (want.s_addr != 0) {
                const Lease *holder = leases_find_address(&ls, want);

                if (holder && holder != mine)
                        return -EADDRINUSE;
                if (mine && mine->address.s_addr == want.s_addr) {
                        *ret = want;
                        return 0;
                }
                return leases_assign(dir_fd, &ls, mine, name, want, ret);
        }

        /* Kept while it lies in the subnet (sandboxd.conf may have changed it). */
        if (mine && in4_prefix_contains(subnet, prefixlen, mine->address)) {
                *ret = mine->address;
                return 0;
        }

        /* Hosts 2 .. size-2: .0 is the network, .1 the bridge, the last the broadcast. */
        first = fnv1a_32(name) % (size - 3);
        for (uint32_t i = 0; i < size - 3; i++) {
                struct in_addr a = { .s_addr = htonl(base + 2 + (first + i) % (size - 3)) };

                if (leases_find_address(&ls, a))
                        continue;
                return leases_assign(dir_fd, &ls, mine, name, a, ret);
        }
        return -ENOSPC;
}
