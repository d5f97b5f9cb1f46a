/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>

/* The address of a Network=private service, kept in STATE_DIR/net/leases
 * (one "ADDRESS NAME" line per unit name) across restarts and reboots, so
 * that a service keeps its address. want 0.0.0.0: the name's lease, made
 * on first use (first choice by the name's hash, then the next free one);
 * else that address (Address=), -EADDRINUSE when another name holds it.
 * -ENOSPC when the subnet is full. Under an exclusive flock of
 * STATE_DIR/net/lock, written atomically (the registry of idrange.c, for
 * addresses). */
int lease_acquire(const char *state_dir, const char *name, struct in_addr subnet, unsigned prefixlen, struct in_addr want,
                  struct in_addr *ret);
/* The lock the host side of the network is changed under (bridge, table,
 * leases), held until the fd is closed. */
int net_lock(const char *state_dir, int *ret_fd);
