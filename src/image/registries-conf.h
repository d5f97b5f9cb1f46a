/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/sandboxd/registries.conf: the subset of containers-registries.conf(5)
 * that says which registries are spoken to without TLS verification.
 *
 *   # comment
 *   [[registry]]
 *   location = "127.0.0.1:5000"      # HOST[:PORT], or HOST[:PORT]/NAMESPACE
 *   insecure = true                   # plain http allowed, no certificate checks
 *
 * Nothing else: another key or table is an error, so that a setting of
 * podman's that this file would silently ignore is noticed. Pure: no file
 * is read by the parser. */

#include <stdbool.h>
#include <stddef.h>

#define REGISTRIES_CONF_MAX (256U * 1024U)

typedef struct RegistryEntry {
        char *location;
        bool insecure;
} RegistryEntry;

typedef struct RegistriesConf {
        RegistryEntry *entries;
        size_t n_entries;
} RegistriesConf;

void registries_conf_done(RegistriesConf *c);

/* text[0..size) as read from file (which names it in errors). -EINVAL
 * with "FILE:LINE: message" in *reterr_message; -ENOMEM. */
int registries_conf_parse(const char *text, size_t size, const char *file, RegistriesConf *ret,
                          char **reterr_message);

/* Reads path (a missing file is an empty configuration). */
int registries_conf_load(const char *path, RegistriesConf *ret, char **reterr_message);

/* Whether the entry that matches domain/repository best (the longest
 * location that is the domain, or a prefix of domain/repository ending at
 * a '/') says insecure. */
bool registries_conf_insecure(const RegistriesConf *c, const char *domain, const char *repository);
