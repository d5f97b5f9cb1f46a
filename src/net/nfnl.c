/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "netlink-util.h"
#include "nfnl.h"

/* nft keeps a rule's comment in its user data, a list of type, length,
 * value records of its own (libnftnl's udata); the comment is type 0,
 * with its NUL. */
#define UDATA_RULE_COMMENT 0

typedef struct RuleQuery {
        const char *table;
        const char *chain;
        const char *mark;
        bool found;
} RuleQuery;

static bool udata_has_comment(const uint8_t *d, size_t len, const char *mark) {
        size_t m = strlen(mark);

        while (len >= 2) {
                uint8_t type = d[0], l = d[1];

                if ((size_t) l > len - 2)
                        return false;
                /* With or without the NUL that nft writes. */
                if (type == UDATA_RULE_COMMENT && (l == m || (l == m + 1 && d[2 + m] == '\0')) && memcmp(d + 2, mark, m) == 0)
                        return true;
                d += 2 + (size_t) l;
                len -= 2 + (size_t) l;
        }
        return false;
}

static int rule_attr(const struct nlattr *a, void *data) {
        const struct nlattr **tb = data;
        uint16_t type = mnl_attr_get_type(a);

        if (mnl_attr_type_valid(a, NFTA_RULE_MAX) < 0)
                return MNL_CB_OK;       /* newer than our headers: not ours to judge */
        if ((type == NFTA_RULE_TABLE || type == NFTA_RULE_CHAIN) && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
                return MNL_CB_ERROR;
        tb[type] = a;
        return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data) {
        const struct nlattr *tb[NFTA_RULE_MAX + 1] = {};
        RuleQuery *q = data;
        const struct nfgenmsg *g;

        if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
                return MNL_CB_OK;
        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
                return MNL_CB_ERROR;
        g = mnl_nlmsg_get_payload(nlh);
        if (g->nfgen_family != NFPROTO_INET)
                return MNL_CB_OK;
        if (mnl_attr_parse(nlh, sizeof(*g), rule_attr, tb) < 0)
                return MNL_CB_ERROR;
        /* The kernel filters the dump by table and chain; a kernel that
         * did not would answer with every rule, so both are checked. */
        if (!tb[NFTA_RULE_TABLE] || !tb[NFTA_RULE_CHAIN] || !tb[NFTA_RULE_USERDATA] ||
            strcmp(mnl_attr_get_str(tb[NFTA_RULE_TABLE]), q->table) != 0 ||
            strcmp(mnl_attr_get_str(tb[NFTA_RULE_CHAIN]), q->chain) != 0)
                return MNL_CB_OK;
        if (udata_has_comment(mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]), mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]),
                              q->mark))
                q->found = true;
        return MNL_CB_OK;
}

int nfnl_rules_parse(const void *buf, size_t len, unsigned seq, const char *table, const char *chain, const char *mark,
                     bool *found) {
        RuleQuery q = { .table = table, .chain = chain, .mark = mark };
        int c;

        c = netlink_buffer_check(buf, len);
        if (c < 0)
                return c;
        errno = 0;
        c = mnl_cb_run(buf, len, seq, 0, rule_cb, &q);
        if (q.found)
                *found = true;
        if (c < 0)
                return errno > 0 ? -errno : -EBADMSG;
        return c;
}

static int chain_marked(struct mnl_socket *nl, unsigned seq, const char *table, const char *chain, const char *mark) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct nfgenmsg *g;
        bool found = false;
        ssize_t n;
        int q;

        nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        nlh->nlmsg_seq = seq;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
        g->nfgen_family = NFPROTO_INET;
        g->version = NFNETLINK_V0;
        mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        do {
                n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
                if (n < 0)
                        return negative_errno();
                q = nfnl_rules_parse(buf, (size_t) n, seq, table, chain, mark, &found);
                /* No such table or chain: not whole. */
                if (q == -ENOENT)
                        return 0;
                if (q < 0)
                        return q;
        } while (q > MNL_CB_STOP);
        return found;
}

int nfnl_chains_marked(const char *table, const char *const *chains, size_t n_chains, const char *mark) {
        struct mnl_socket *nl;
        unsigned seq = (unsigned) time(NULL);
        int r = 1;

        nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!nl)
                return negative_errno();
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                r = negative_errno();
        for (size_t i = 0; r > 0 && i < n_chains; i++)
                r = chain_marked(nl, seq + (unsigned) i, table, chains[i], mark);
        mnl_socket_close(nl);
        return r;
}
