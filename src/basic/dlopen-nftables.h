/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libnftables, loaded when a Network=private service is first set up:
 * it brings libnftnl, libmnl, libjansson and libxtables, which a unit
 * without networking has no use for at its start. */

#include <nftables/libnftables.h>

#include "dlopen-util.h"

DLSYM_PROTOTYPE(nft_ctx_new);
DLSYM_PROTOTYPE(nft_ctx_free);
DLSYM_PROTOTYPE(nft_ctx_buffer_output);
DLSYM_PROTOTYPE(nft_ctx_get_output_buffer);
DLSYM_PROTOTYPE(nft_ctx_buffer_error);
DLSYM_PROTOTYPE(nft_ctx_get_error_buffer);
DLSYM_PROTOTYPE(nft_run_cmd_from_buffer);

/* 0, or -EOPNOTSUPP with *reterr_message (static text) saying what to install. */
int dlopen_libnftables(const char **reterr_message);
