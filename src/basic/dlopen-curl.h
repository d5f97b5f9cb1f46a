/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libcurl, loaded when an image is first pulled from a registry.
 *
 * Only `sandboxctl image pull` and a start with a Pull= that asks for the
 * network need it; linked at build time, libcurl and its TLS, HTTP/2,
 * IDN, LDAP, SSH and Kerberos libraries would be mapped at every start of
 * sandboxctl and sandboxd. As for libarchive (dlopen-archive.h), callers
 * call dlopen_libcurl() first and then the sym_ pointers. */

/* curl.h wraps curl_easy_setopt() in a type-checking macro when built
 * with gcc; the calls go through sym_curl_easy_setopt instead. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "dlopen-util.h"

DLSYM_PROTOTYPE(curl_easy_cleanup);
DLSYM_PROTOTYPE(curl_easy_getinfo);
DLSYM_PROTOTYPE(curl_easy_init);
DLSYM_PROTOTYPE(curl_easy_perform);
DLSYM_PROTOTYPE(curl_easy_setopt);
DLSYM_PROTOTYPE(curl_easy_strerror);
DLSYM_PROTOTYPE(curl_global_init);
DLSYM_PROTOTYPE(curl_multi_add_handle);
DLSYM_PROTOTYPE(curl_multi_cleanup);
DLSYM_PROTOTYPE(curl_multi_info_read);
DLSYM_PROTOTYPE(curl_multi_init);
DLSYM_PROTOTYPE(curl_multi_perform);
DLSYM_PROTOTYPE(curl_multi_poll);
DLSYM_PROTOTYPE(curl_multi_remove_handle);
DLSYM_PROTOTYPE(curl_multi_strerror);
DLSYM_PROTOTYPE(curl_slist_append);
DLSYM_PROTOTYPE(curl_slist_free_all);

/* 0 once every symbol is resolved and curl_global_init() ran (the library
 * stays loaded), -EOPNOTSUPP if libcurl is not installed or lacks a
 * symbol; *reterr_message (if non-NULL, static) then says which. */
int dlopen_libcurl(const char **reterr_message);
