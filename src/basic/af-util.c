/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "af-util.h"
#include "macro.h"
#include "mask-util.h"
#include "string-util.h"

/* The kernel's numbers (include/linux/socket.h), which are ABI: written out
 * so that a libc that lacks a newer name does not change the table. */
static const char *const af_names[AF_MASK_BITS] = {
        [1] = "AF_UNIX",        [2] = "AF_INET",        [3] = "AF_AX25",        [4] = "AF_IPX",
        [5] = "AF_APPLETALK",   [6] = "AF_NETROM",      [7] = "AF_BRIDGE",      [8] = "AF_ATMPVC",
        [9] = "AF_X25",         [10] = "AF_INET6",      [11] = "AF_ROSE",       [12] = "AF_DECnet",
        [13] = "AF_NETBEUI",    [14] = "AF_SECURITY",   [15] = "AF_KEY",        [16] = "AF_NETLINK",
        [17] = "AF_PACKET",     [18] = "AF_ASH",        [19] = "AF_ECONET",     [20] = "AF_ATMSVC",
        [21] = "AF_RDS",        [22] = "AF_SNA",        [23] = "AF_IRDA",       [24] = "AF_PPPOX",
        [25] = "AF_WANPIPE",    [26] = "AF_LLC",        [27] = "AF_IB",         [28] = "AF_MPLS",
        [29] = "AF_CAN",        [30] = "AF_TIPC",       [31] = "AF_BLUETOOTH",  [32] = "AF_IUCV",
        [33] = "AF_RXRPC",      [34] = "AF_ISDN",       [35] = "AF_PHONET",     [36] = "AF_IEEE802154",
        [37] = "AF_CAIF",       [38] = "AF_ALG",        [39] = "AF_NFC",        [40] = "AF_VSOCK",
        [41] = "AF_KCM",        [42] = "AF_QIPCRTR",    [43] = "AF_SMC",        [44] = "AF_XDP",
        [45] = "AF_MCTP",
};

static const struct {
        const char *name;
        int af;
} af_aliases[] = {
        { "AF_LOCAL", 1 },
        { "AF_FILE", 1 },
        { "AF_ROUTE", 16 },
};

_Static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10 && AF_NETLINK == 16 && AF_PACKET == 17 &&
               AF_BLUETOOTH == 31 && AF_VSOCK == 40, "address family numbers are the kernel's");

int af_from_name(const char *name) {
        if (!name)
                return -EINVAL;
        for (int i = 0; i < AF_MASK_BITS; i++)
                if (af_names[i] && streq(af_names[i], name))
                        return i;
        for (size_t i = 0; i < ELEMENTSOF(af_aliases); i++)
                if (streq(af_aliases[i].name, name))
                        return af_aliases[i].af;
        return -EINVAL;
}

const char *af_to_name(int af) {
        if (af < 0 || af >= AF_MASK_BITS)
                return NULL;
        return af_names[af];
}

uint64_t af_mask_all(void) {
        uint64_t m = 0;

        for (int i = 0; i < AF_MASK_BITS; i++)
                if (af_names[i])
                        m |= UINT64_C(1) << i;
        return m;
}

const char *af_closest_name(const char *name) {
        const char *names[AF_MASK_BITS + ELEMENTSOF(af_aliases)];
        char prefixed[64];
        size_t n = 0;
        int af;

        /* "inet6" and "unix" mean AF_INET6 and AF_UNIX. */
        if (strlen(name) < sizeof(prefixed) - 3 && !startswith_no_case(name, "AF_")) {
                size_t i;

                memcpy(prefixed, "AF_", 3);
                for (i = 0; name[i]; i++)
                        prefixed[3 + i] = (char) toupper((unsigned char) name[i]);
                prefixed[3 + i] = 0;
                for (int k = 0; k < AF_MASK_BITS; k++)
                        if (af_names[k] && strcasecmp(af_names[k], prefixed) == 0)
                                return af_names[k];
                af = af_from_name(prefixed);
                if (af >= 0)
                        return af_names[af];
        }

        for (int i = 0; i < AF_MASK_BITS; i++)
                if (af_names[i])
                        names[n++] = af_names[i];
        for (size_t i = 0; i < ELEMENTSOF(af_aliases); i++)
                names[n++] = af_aliases[i].name;
        return closest_match(name, names, n);
}

static const char *af_bit_name(unsigned bit, char buf[static 64]) {
        return af_to_name((int) bit) ?: "";
}

int af_mask_from_string(const char *s, uint64_t *ret, char **reterr_word) {
        return mask_from_words(s, af_from_name, ret, reterr_word);
}

int af_mask_to_string(uint64_t mask, char **ret) {
        return mask_to_words(mask, AF_MASK_BITS, af_bit_name, ret);
}
