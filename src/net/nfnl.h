/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* nf_tables read over nfnetlink with libmnl, for the one question asked
 * at every Network=private start: is the table whole? Answering it
 * without libnftables (nft.c) spares a start that changes no rule the
 * cost of loading it. Library code: negative errnos, no logging. */

#include <stdbool.h>
#include <stddef.h>

/* Has each of the chains of table "inet TABLE" a rule whose comment is
 * MARK? 1 yes; 0 no: a chain (or the table) is missing, a chain lacks
 * the rule (a flushed table), or the ruleset changed while it was read;
 * negative errno when the kernel could not be asked. */
int nfnl_chains_marked(const char *table, const char *const *chains, size_t n_chains, const char *mark);

/* The parser nfnl_chains_marked() runs on the kernel's answer to a rule
 * dump of TABLE's CHAIN (NFT_MSG_NEWRULE messages, NLMSG_DONE,
 * NLMSG_ERROR), apart so that it can be fuzzed: MNL_CB_OK/STOP (>= 0)
 * or a negative errno (-EINTR: the ruleset changed during the dump,
 * which then proves nothing). *found is set when a rule of that table and
 * chain carries the comment MARK. */
int nfnl_rules_parse(const void *buf, size_t len, unsigned seq, const char *table, const char *chain, const char *mark,
                     bool *found);
