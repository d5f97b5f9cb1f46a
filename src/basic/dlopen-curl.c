/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "dlopen-curl.h"
#include "macro.h"

DLSYM_DEFINE(curl_easy_cleanup);
DLSYM_DEFINE(curl_easy_getinfo);
DLSYM_DEFINE(curl_easy_init);
DLSYM_DEFINE(curl_easy_perform);
DLSYM_DEFINE(curl_easy_setopt);
DLSYM_DEFINE(curl_easy_strerror);
DLSYM_DEFINE(curl_global_init);
DLSYM_DEFINE(curl_multi_add_handle);
DLSYM_DEFINE(curl_multi_cleanup);
DLSYM_DEFINE(curl_multi_info_read);
DLSYM_DEFINE(curl_multi_init);
DLSYM_DEFINE(curl_multi_perform);
DLSYM_DEFINE(curl_multi_poll);
DLSYM_DEFINE(curl_multi_remove_handle);
DLSYM_DEFINE(curl_multi_strerror);
DLSYM_DEFINE(curl_slist_append);
DLSYM_DEFINE(curl_slist_free_all);

int dlopen_libcurl(const char **reterr_message) {
        static const DlSym table[] = {
                DLSYM_ENTRY(curl_easy_cleanup),
                DLSYM_ENTRY(curl_easy_getinfo),
                DLSYM_ENTRY(curl_easy_init),
                DLSYM_ENTRY(curl_easy_perform),
                DLSYM_ENTRY(curl_easy_setopt),
                DLSYM_ENTRY(curl_easy_strerror),
                DLSYM_ENTRY(curl_global_init),
                DLSYM_ENTRY(curl_multi_add_handle),
                DLSYM_ENTRY(curl_multi_cleanup),
                DLSYM_ENTRY(curl_multi_info_read),
                DLSYM_ENTRY(curl_multi_init),
                DLSYM_ENTRY(curl_multi_perform),
                DLSYM_ENTRY(curl_multi_poll),
                DLSYM_ENTRY(curl_multi_remove_handle),
                DLSYM_ENTRY(curl_multi_strerror),
                DLSYM_ENTRY(curl_slist_append),
                DLSYM_ENTRY(curl_slist_free_all),
        };
        static bool loaded = false, initialized = false;
        int r;

        /* The soname of the headers we built against (Debian's libcurl4,
         * or libcurl3-gnutls's twin: the OpenSSL one, for certs.d's PEM
         * files and the system CA bundle). */
        r = dlopen_symbols("libcurl.so.4", table, ELEMENTSOF(table), &loaded);
        if (r < 0) {
                if (reterr_message)
                        *reterr_message = "libcurl (libcurl.so.4, Debian package libcurl4) is needed to pull "
                                          "images from a registry, and is not installed or lacks a function "
                                          "sandboxd needs";
                return r;
        }
        /* Explicitly, once, before any handle: curl_easy_init() would do it
         * implicitly, which is not thread-safe in older versions. */
        if (!initialized) {
                if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        if (reterr_message)
                                *reterr_message = "libcurl's global initialisation failed";
                        return -EIO;
                }
                initialized = true;
        }
        return 0;
}
