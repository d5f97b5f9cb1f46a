/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Is this process chrooted, i.e. is its "/" not the root of its mount
 * namespace (root-check.c says why neither sandboxd nor `sandboxctl run`
 * may launch sandboxes so)? 1 and a sentence in *ret_why if it is, 0 if
 * no check finds it so, < 0 if it cannot tell (no /proc). */
int root_check_chrooted(char **ret_why);
