/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <unistd.h>

#include "af-util.h"
#include "cap-util.h"
#include "conf-parser.h"
#include "conf-values.h"
#include "extract-word.h"
#include "file-trust.h"
#include "namespace-util.h"
#include "parse-util.h"
#include "path-util.h"
#include "policy.h"
#include "search-path.h"
#include "string-util.h"
#include "in-addr-util.h"
#include "strv.h"
#include "syscall-groups.h"

static const char *const policy_sections[] = { "Policy", "Seccomp", "Capabilities", "Sandbox", "Network", NULL };

Policy *policy_new(const char *name) {
        Policy *p = calloc(1, sizeof(Policy));

        if (!p)
                return NULL;
        p->name = strdup(name);
        if (!p->name)
                return mfree(p);
        p->default_action = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
        p->allow_host_network = -1;
        p->allow_root_owned_binds = -1;
        return p;
}

static void entries_clear(Policy *p, bool deny) {
        size_t j = 0;

        for (size_t i = 0; i < p->n_entries; i++) {
                if (p->entries[i].deny == deny) {
                        free(p->entries[i].name);
                        free(p->entries[i].file);
                } else
                        p->entries[j++] = p->entries[i];
        }
        p->n_entries = j;
}

Policy *policy_free(Policy *p) {
        if (!p)
                return NULL;
        entries_clear(p, true);
        entries_clear(p, false);
        free(p->entries);
        free(p->name);
        free(p->path);
        free(p->description);
        strv_free(p->architectures);
        strv_free(p->allow_bind_paths);
        free(p->allow_publish_ports);
        strv_free(p->allow_outbound);
        device_allow_free_all(&p->allow_devices, &p->n_allow_devices);
        free(p);
        return NULL;
}

SeccompAction policy_deny_action(const Policy *p) {
        /* In audit mode (DefaultAction=log) explicit denials still deny. */
        if (p->default_action.type == SECCOMP_ACTION_LOG || p->default_action.type == SECCOMP_ACTION_ALLOW)
                return (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
        return p->default_action;
}

static int parse_default_action(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;
        SeccompAction a;

        if (seccomp_action_from_string(v, &a) < 0)
                return conf_error(c, "Invalid action \"%s\", expected errno:NAME, kill-process, kill-thread, trap or log.", v);
        if (a.type == SECCOMP_ACTION_ALLOW)
                return conf_error(c, "DefaultAction=allow makes the filter a deny list, which misses every new syscall; use log for auditing.");
        p->default_action = a;
        p->default_action_set = true;
        return 0;
}

static int parse_entries(ConfContext *c, const char *v, bool deny) {
        Policy *p = c->userdata;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(v)) {
                entries_clear(p, deny);
                return 0;
        }
        r = conf_split_words(c, v, &words);
        if (r < 0)
                return r;

        STRV_FOREACH(w, words) {
                _cleanup_free_ char *name = strdup(*w);
                SeccompAction a = {};
                bool has_action = false;
                PolicyEntry *n;
                char *colon;

                if (!name)
                        return -ENOMEM;
                colon = strchr(name, ':');
                if (colon) {
                        *colon = 0;
                        if (!deny)
                                return conf_error(c, "Allow= entries cannot carry an action (\"%s\"); use Deny=%s:ACTION.", *w, name);
                        if (seccomp_action_from_string(colon + 1, &a) < 0 || a.type == SECCOMP_ACTION_ALLOW)
                                return conf_error(c, "Invalid action \"%s\" for %s, expected an errno name like EPERM, kill-process, kill-thread, trap or log.", colon + 1, name);
                        has_action = true;
                }

                if (name[0] == '@') {
                        if (!syscall_group_find(name)) {
                                const char *names[256];
                                size_t k = 0;
                                const char *hint;

                                for (size_t i = 0; i < n_syscall_groups && k < ELEMENTSOF(names); i++)
                                        names[k++] = syscall_groups[i].name;
                                hint = closest_match(name, names, k);
                                if (hint)
                                        return conf_error(c, "Unknown syscall group \"%s\"; did you mean \"%s\"?", name, hint);
                                return conf_error(c, "Unknown syscall group \"%s\" (see sandboxctl policy groups).", name);
                        }
                } else if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
                        return conf_error(c, "Unknown syscall \"%s\".", name);

                if (p->n_entries >= 4096)
                        return conf_error(c, "Too many entries (at most 4096).");
                n = reallocarray(p->entries, p->n_entries + 1, sizeof(PolicyEntry));
                if (!n)
                        return -ENOMEM;
                p->entries = n;
                p->entries[p->n_entries] = (PolicyEntry) {
                        .name = TAKE_PTR(name),
                        .deny = deny,
                        .has_action = has_action,
                        .action = a,
                        .file = strdup(c->file),
                        .line = c->line,
                };
                p->n_entries++;
                if (!p->entries[p->n_entries - 1].file)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_allow(ConfContext *c, const char *v, void *data) {
        return parse_entries(c, v, false);
}

static int parse_deny(ConfContext *c, const char *v, void *data) {
        return parse_entries(c, v, true);
}

static int parse_architectures(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(v)) {
                p->architectures = strv_free(p->architectures);
                return 0;
        }
        r = split_words(v, &words);
        if (r < 0)
                return r == -ENOMEM ? r : conf_error(c, "Invalid quoting in \"%s\".", v);
        STRV_FOREACH(w, words) {
                if (!streq(*w, "native") && seccomp_arch_resolve_name(*w) == 0)
                        return conf_error(c, "Unknown architecture \"%s\" (libseccomp names: native, x86_64, x86, x32, aarch64, ...).", *w);
                if (!strv_contains(p->architectures, *w)) {
                        r = strv_extend(&p->architectures, *w);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int parse_ns_mask(ConfContext *c, const char *v, void *data) {
        return conf_parse_namespace_mask(c, v, data);
}

static int parse_caps(ConfContext *c, const char *v, void *data) {
        return conf_parse_capability_mask(c, v, data);
}

static int parse_bind_paths(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(v)) {
                p->allow_bind_paths = strv_free(p->allow_bind_paths);
                return 0;
        }
        r = split_words(v, &words);
        if (r < 0)
                return r == -ENOMEM ? r : conf_error(c, "Invalid quoting in \"%s\".", v);
        STRV_FOREACH(w, words) {
                /* Matched against canonical sources: a prefix with ".." or
                 * "//" would never match, or match more than it says. */
                if (!path_is_normalized_absolute(*w))
                        return conf_error(c, "\"%s\" is not an absolute, normalized path.", *w);
                if (!strv_contains(p->allow_bind_paths, *w)) {
                        r = strv_extend(&p->allow_bind_paths, *w);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

bool path_under_prefix(const char *path, const char *prefix) {
        size_t n = strlen(prefix);

        if (streq(prefix, "/"))
                return path[0] == '/';
        return strneq(path, prefix, n) && (path[n] == 0 || path[n] == '/');
}

bool policy_allows_bind_path(const Policy *p, const char *canonical_path) {
        STRV_FOREACH(a, p->allow_bind_paths) {
                _cleanup_free_ char *real = NULL;

                if (path_under_prefix(canonical_path, *a))
                        return true;
                /* A prefix that is itself a symlink (/srv -> /data/srv) covers
                 * what it points to. */
                real = realpath(*a, NULL);
                if (real && path_under_prefix(canonical_path, real))
                        return true;
        }
        return false;
}

static int parse_allow_devices(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;

        return conf_parse_device_allow(c, v, &p->allow_devices, &p->n_allow_devices);
}

/* A ceiling is a list: names accumulate, "none" allows no family at all,
 * an empty assignment lifts the restriction. */
static int parse_address_families(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;
        uint64_t m;
        int r;

        if (isempty(v)) {
                p->address_families_set = false;
                p->address_families = 0;
                return 0;
        }
        if (streq(v, "none")) {
                p->address_families_set = true;
                p->address_families = 0;
                return 0;
        }
        if (v[0] == '~')
                return conf_error(c, "A ceiling lists the families allowed; \"~\" (all but these) is for a unit's RestrictAddressFamilies=.");
        r = conf_parse_address_family_mask(c, v, &m);
        if (r < 0)
                return r;
        p->address_families_set = true;
        p->address_families |= m;
        return 0;
}

static int parse_allow_network(ConfContext *c, const char *v, void *data) {
        Policy *p = data;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        p->allow_network_set = true;
        if (isempty(v)) {
                p->allow_network = 0;
                return 0;
        }
        r = conf_parse_strv(c, v, &words);
        if (r < 0)
                return r;
        STRV_FOREACH(w, words) {
                if (streq(*w, "none"))
                        p->allow_network |= UINT64_C(1) << POLICY_NETWORK_NONE;
                else if (streq(*w, "host"))
                        p->allow_network |= UINT64_C(1) << POLICY_NETWORK_HOST;
                else if (streq(*w, "private"))
                        p->allow_network |= UINT64_C(1) << POLICY_NETWORK_PRIVATE;
                else if (streq(*w, "service"))
                        p->allow_network |= UINT64_C(1) << POLICY_NETWORK_SERVICE;
                else
                        return conf_error(c, "Unknown network mode \"%s\", expected none, private, host or service.", *w);
        }
        return 0;
}

uint64_t policy_network_mask(const Policy *p) {
        uint64_t m = p->allow_network_set ? p->allow_network : UINT64_C(1) << POLICY_NETWORK_NONE;

        if (p->allow_host_network > 0)
                m |= UINT64_C(1) << POLICY_NETWORK_HOST;
        else if (p->allow_host_network == 0)
                m &= ~(UINT64_C(1) << POLICY_NETWORK_HOST);
        return m;
}

/* Ports and ranges accumulate; an empty assignment allows none again. */
static int parse_publish_ports(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;
        _cleanup_free_ char *bad = NULL;
        int r;

        if (isempty(v)) {
                p->allow_publish_ports = mfree(p->allow_publish_ports);
                p->n_allow_publish_ports = 0;
                return 0;
        }
        r = port_ranges_parse(v, &p->allow_publish_ports, &p->n_allow_publish_ports, &bad);
        if (r == -ENOMEM)
                return r;
        if (r == -ERANGE)
                return conf_error(c, "Port or range \"%s\" is out of range (ports are 1-65535, a range is FIRST-LAST).",
                                  strna(bad));
        if (r < 0)
                return conf_error(c, "\"%s\" is not a port or a range of ports (e.g. \"80 443 8000-8999\").",
                                  bad ?: v);
        return 0;
}

/* Prefixes accumulate; an empty assignment allows nothing outside. */
static int parse_allow_outbound(ConfContext *c, const char *v, void *data) {
        Policy *p = c->userdata;

        p->allow_outbound_set = true;
        return conf_parse_ip_prefixes(c, v, &p->allow_outbound);
}

#define P(f) offsetof(Policy, f)
static const ConfItem policy_items[] = {
        { "Policy", "Description", conf_parse_string, P(description) },
        { "Seccomp", "DefaultAction", parse_default_action, 0 },
        { "Seccomp", "Allow", parse_allow, 0 },
        { "Seccomp", "Deny", parse_deny, 0 },
        { "Seccomp", "Architectures", parse_architectures, 0 },
        { "Seccomp", "AllowNamespaces", parse_ns_mask, P(allow_namespaces) },
        { "Seccomp", "AllowAddressFamilies", parse_address_families, 0 },
        { "Capabilities", "Allow", parse_caps, P(capabilities) },
        { "Sandbox", "RequireNamespaces", parse_ns_mask, P(require_namespaces) },
        { "Sandbox", "AllowHostNetwork", conf_parse_bool, P(allow_host_network) },
        { "Sandbox", "AllowRootOwnedBinds", conf_parse_bool, P(allow_root_owned_binds) },
        { "Sandbox", "AllowBindPaths", parse_bind_paths, 0 },
        { "Sandbox", "AllowDevices", parse_allow_devices, 0 },
        { "Network", "AllowNetwork", parse_allow_network, 0 },
        { "Network", "AllowPublishPorts", parse_publish_ports, 0 },
        { "Network", "AllowOutbound", parse_allow_outbound, 0 },
};
#undef P

int policy_parse_file(Policy *p, const char *path, Diagnostics *diags) {
        return conf_parse_file(path, policy_sections, policy_items, ELEMENTSOF(policy_items), p, p, diags);
}

int policy_parse_fd(Policy *p, int fd, const char *path, Diagnostics *diags) {
        return conf_parse_fd(fd, path, policy_sections, policy_items, ELEMENTSOF(policy_items), p, p, diags);
}

void policy_make_learning(Policy *p) {
        /* Allow= entries stay as they are: what the policy allows costs
         * nothing under the filter and is not reported. Everything else
         * becomes "log", which the supervisor's listener answers with
         * "continue". Deny= entries get an explicit action, since a Deny=
         * without one means errno:EPERM under DefaultAction=log. */
        p->default_action = (SeccompAction) { .type = SECCOMP_ACTION_LOG };
        p->default_action_set = true;
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].deny) {
                        p->entries[i].has_action = true;
                        p->entries[i].action = p->default_action;
                }
}

/* Is path's directory one of the policy search path's (both canonical)? */
static int in_policy_search_path(const char *path) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_free_ char *real = NULL;
        char *slash;
        int r;

        real = realpath(path, NULL);
        if (!real)
                return negative_errno();
        slash = strrchr(real, '/');
        *slash = 0;
        r = search_path_get(SEARCH_POLICIES, &dirs);
        if (r < 0)
                return r;
        STRV_FOREACH(d, dirs) {
                _cleanup_free_ char *rd = realpath(*d, NULL);

                if (rd && streq(rd, isempty(real) ? "/" : real))
                        return 1;
        }
        return 0;
}

int policy_load(const char *arg, Policy **ret, Diagnostics *diags) {
        return policy_load_as(arg, geteuid(), ret, diags);
}

int policy_load_as(const char *arg, uid_t caller, Policy **ret, Diagnostics *diags) {
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_free_ char *path = NULL, *name = NULL;
        _cleanup_(trust_failure_done) TrustFailure f = {};
        _cleanup_close_ int fd = -EBADF;
        bool any_allow = false;
        int r;

        if (isempty(arg))
                return diag_add(diags, NULL, 0, NULL, "Empty policy name.");

        if (strchr(arg, '/')) {
                const char *b = path_basename(arg), *e = endswith(b, ".policy");

                path = strdup(arg);
                name = e ? strndup(b, (size_t) (e - b)) : strdup(b);
                if (!path || !name)
                        return -ENOMEM;
                if (caller != 0) {
                        _cleanup_strv_free_ char **dirs = NULL;
                        _cleanup_free_ char *j = NULL;

                        r = in_policy_search_path(path);
                        if (r == -ENOMEM)
                                return r;
                        if (r <= 0) {
                                (void) search_path_get(SEARCH_POLICIES, &dirs);
                                j = dirs ? strv_join(dirs, ":") : NULL;
                                return diag_add(diags, path, 0, NULL,
                                                "Not in the policy search path (%s): only root may name a policy "
                                                "elsewhere (caller uid %u); refusing.", strna(j), (unsigned) caller);
                        }
                }
        } else {
                if (!filename_is_valid(arg))
                        return diag_add(diags, NULL, 0, NULL, "Invalid policy name \"%s\".", arg);
                r = search_path_resolve(SEARCH_POLICIES, arg, &name, NULL, &path, diags);
                if (r < 0)
                        return r;
        }

        p = policy_new(name);
        if (!p)
                return -ENOMEM;
        p->path = strdup(path);
        if (!p->path)
                return -ENOMEM;

        fd = trust_open(path, caller, 0, &f);
        if (fd == -ENOMEM)
                return fd;
        if (fd == -EPERM && f.path)
                return trust_failure_report(&f, diags, path);
        if (fd < 0)
                return diag_add(diags, path, 0, NULL, "Cannot read: %s", strerror(-fd));

        r = conf_parse_fd(fd, path, policy_sections, policy_items, ELEMENTSOF(policy_items), p, p, diags);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_entries; i++)
                if (!p->entries[i].deny)
                        any_allow = true;
        if (!any_allow)
                return diag_add(diags, path, 0, NULL,
                                "Policy allows no syscalls: [Seccomp] has no Allow= entries, so no program could run under it.");

        *ret = TAKE_PTR(p);
        return 0;
}
