/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The rule-dump parser that tells, at every Network=private start,
 * whether table inet sandboxd is whole (src/net/nfnl.c): a "yes" that is
 * wrong would leave a flushed table unrepaired, so each way of saying
 * "no" is tried, on answers made here and on the kernel's own (the fuzz
 * corpus, recorded from a whole table). */

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdbool.h>
#include <unistd.h>

#include "nfnl.h"
#include "tests.h"

#define MARK "sandboxd-rules-1"

typedef struct Answer {
        char buf[16384] __attribute__((aligned(8)));
        size_t len;
} Answer;

static struct nlmsghdr *answer_msg(Answer *a, uint16_t type, uint16_t flags) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(a->buf + a->len);

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        return nlh;
}

static void answer_end(Answer *a, struct nlmsghdr *nlh) {
        a->len += MNL_ALIGN(nlh->nlmsg_len);
}

/* One NFT_MSG_NEWRULE; udata NULL: none. */
static void answer_rule(Answer *a, uint8_t family, const char *table, const char *chain, const void *udata, size_t udata_len,
                        uint16_t flags) {
        struct nlmsghdr *nlh = answer_msg(a, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE, NLM_F_MULTI | flags);
        struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

        g->nfgen_family = family;
        g->version = NFNETLINK_V0;
        mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
        mnl_attr_put_u64(nlh, NFTA_RULE_HANDLE, htobe64(7));
        if (udata)
                mnl_attr_put(nlh, NFTA_RULE_USERDATA, udata_len, udata);
        answer_end(a, nlh);
}

static void answer_done(Answer *a) {
        struct nlmsghdr *nlh = answer_msg(a, NLMSG_DONE, NLM_F_MULTI);

        mnl_nlmsg_put_extra_header(nlh, sizeof(int));
        answer_end(a, nlh);
}

static void answer_error(Answer *a, int error) {
        struct nlmsghdr *nlh = answer_msg(a, NLMSG_ERROR, 0);
        struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

        e->error = error;
        answer_end(a, nlh);
}

/* The parse of a, with chain "postrouting": its return, *found. */
static int parse(const Answer *a, bool *found) {
        *found = false;
        return nfnl_rules_parse(a->buf, a->len, 0, "sandboxd", "postrouting", MARK, found);
}

/* nft's comment record: type 0, its length, the text with its NUL. */
static const uint8_t comment[] = { 0, 17, 's', 'a', 'n', 'd', 'b', 'o', 'x', 'd', '-', 'r', 'u', 'l', 'e', 's', '-', '1', 0 };

TEST(marked) {
        Answer a = {};
        bool found;

        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", NULL, 0, 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", comment, sizeof(comment), 0);
        answer_done(&a);
        ASSERT_EQ(parse(&a, &found), MNL_CB_STOP);
        ASSERT_TRUE(found);
}

TEST(comment_after_other_records_and_without_nul) {
        static const uint8_t udata[] = { 1, 2, 'x', 'y', 0, 16, 's', 'a', 'n', 'd', 'b', 'o', 'x', 'd', '-', 'r', 'u', 'l', 'e', 's', '-', '1' };
        Answer a = {};
        bool found;

        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", udata, sizeof(udata), 0);
        answer_done(&a);
        ASSERT_EQ(parse(&a, &found), MNL_CB_STOP);
        ASSERT_TRUE(found);
}

TEST(not_marked) {
        /* Another comment, a longer one that starts with the mark, a
         * record that claims more than there is, the mark on the wrong
         * chain, table or family, the mark as another record type. */
        static const uint8_t other[] = { 0, 6, 'o', 't', 'h', 'e', 'r', 0 };
        static const uint8_t longer[] = { 0, 18, 's', 'a', 'n', 'd', 'b', 'o', 'x', 'd', '-', 'r', 'u', 'l', 'e', 's', '-', '1', '0', 0 };
        static const uint8_t type1[] = { 1, 17, 's', 'a', 'n', 'd', 'b', 'o', 'x', 'd', '-', 'r', 'u', 'l', 'e', 's', '-', '1', 0 };
        uint8_t truncated[sizeof(comment)];
        Answer a = {};
        bool found;

        memcpy(truncated, comment, sizeof(comment));
        truncated[1] = 0xff;
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", other, sizeof(other), 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", longer, sizeof(longer), 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", type1, sizeof(type1), 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", truncated, sizeof(truncated), 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd", "prerouting", comment, sizeof(comment), 0);
        answer_rule(&a, NFPROTO_INET, "sandboxd2", "postrouting", comment, sizeof(comment), 0);
        answer_rule(&a, NFPROTO_IPV4, "sandboxd", "postrouting", comment, sizeof(comment), 0);
        answer_done(&a);
        ASSERT_EQ(parse(&a, &found), MNL_CB_STOP);
        ASSERT_TRUE(!found);
}

TEST(flushed_or_missing) {
        Answer a = {};
        bool found;

        /* A flushed chain, or no such table or chain: the dump is empty. */
        answer_done(&a);
        ASSERT_EQ(parse(&a, &found), MNL_CB_STOP);
        ASSERT_TRUE(!found);

        /* A kernel that says so with an error. */
        a = (Answer) {};
        answer_error(&a, -ENOENT);
        ASSERT_EQ(parse(&a, &found), -ENOENT);
        ASSERT_TRUE(!found);
}

TEST(interrupted) {
        Answer a = {};
        bool found;

        /* A ruleset changed during the dump proves nothing, mark or not. */
        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", comment, sizeof(comment), NLM_F_DUMP_INTR);
        answer_done(&a);
        ASSERT_EQ(parse(&a, &found), -EINTR);
}

TEST(bad_lengths) {
        Answer a = {};
        bool found;
        struct nlmsghdr *h;

        answer_rule(&a, NFPROTO_INET, "sandboxd", "postrouting", comment, sizeof(comment), 0);
        h = (struct nlmsghdr *) a.buf;
        h->nlmsg_len = 0x80000010u;
        ASSERT_EQ(parse(&a, &found), -EBADMSG);
        h->nlmsg_len = (uint32_t) a.len + 4;
        ASSERT_EQ(parse(&a, &found), -EBADMSG);
        h->nlmsg_len = 8;
        ASSERT_EQ(parse(&a, &found), -EBADMSG);
}

/* The kernel's answers for a whole table, and the same with the mark
 * changed, recorded into the fuzz corpus. */
static void corpus(const char *name, size_t skip, const char *chain, int want_found) {
        char path[512];
        Answer a = {};
        bool found = false;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/nfnl/%s", getenv("SANDBOXD_SOURCE_DIR") ?: ".", name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        n = read(fd, a.buf, sizeof(a.buf));
        close(fd);
        ASSERT_TRUE(n > (ssize_t) skip);
        memmove(a.buf, a.buf + skip, (size_t) n - skip);
        a.len = (size_t) n - skip;
        ASSERT_TRUE(nfnl_rules_parse(a.buf, a.len, 0, "sandboxd", chain, MARK, &found) >= 0);
        ASSERT_EQ(found, want_found);
}

TEST(kernel_answers) {
        corpus("postrouting", 0, "postrouting", true);
        corpus("published", 2, "published", true);
        corpus("prerouting", 2, "prerouting", true);
        corpus("output", 2, "output", true);
        corpus("postrouting-unmarked", 0, "postrouting", false);
        /* One chain's answer is not another's. */
        corpus("postrouting", 0, "output", false);
}

int main(void) {
        RUN(marked);
        RUN(comment_after_other_records_and_without_nul);
        RUN(not_marked);
        RUN(flushed_or_missing);
        RUN(interrupted);
        RUN(bad_lengths);
        RUN(kernel_answers);
        return 0;
}
