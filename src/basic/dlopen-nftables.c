/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "dlopen-nftables.h"
#include "macro.h"

DLSYM_DEFINE(nft_ctx_new);
DLSYM_DEFINE(nft_ctx_free);
DLSYM_DEFINE(nft_ctx_buffer_output);
DLSYM_DEFINE(nft_ctx_get_output_buffer);
DLSYM_DEFINE(nft_ctx_buffer_error);
DLSYM_DEFINE(nft_ctx_get_error_buffer);
DLSYM_DEFINE(nft_run_cmd_from_buffer);

int dlopen_libnftables(const char **reterr_message) {
        static const DlSym table[] = {
                DLSYM_ENTRY(nft_ctx_new),
                DLSYM_ENTRY(nft_ctx_free),
                DLSYM_ENTRY(nft_ctx_buffer_output),
                DLSYM_ENTRY(nft_ctx_get_output_buffer),
                DLSYM_ENTRY(nft_ctx_buffer_error),
                DLSYM_ENTRY(nft_ctx_get_error_buffer),
                DLSYM_ENTRY(nft_run_cmd_from_buffer),
        };
        static bool loaded = false;
        int r;

        r = dlopen_symbols("libnftables.so.1", table, ELEMENTSOF(table), &loaded);
        if (r < 0 && reterr_message)
                *reterr_message = "libnftables (libnftables.so.1, Debian package libnftables1) is needed for "
                                  "Network=private, and is not installed or lacks a function sandboxd needs";
        return r;
}
