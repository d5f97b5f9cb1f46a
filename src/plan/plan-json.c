/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <stdio.h>

#include "af-util.h"
#include "base64.h"
#include "cap-util.h"
#include "in-addr-util.h"
#include "listen-address.h"
#include "parse-util.h"
#include "path-util.h"
#include "plan-json.h"
#include "plan-seccomp.h"
#include "sandbox-limits.h"
#include "string-util.h"
#include "strv.h"
#include "unit-name.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* ---- writing ---- */

/* Every value and every insertion goes through these: json-c stores a NULL
 * it was handed as JSON null, so an allocation failure would otherwise
 * write a plan that sandboxd later refuses to read back. The first failure
 * is remembered and plan_to_json() returns -ENOMEM. */
typedef struct JsonWriter {
        bool oom;
} JsonWriter;

static json_object *j_new(JsonWriter *w, json_object *v) {
        if (!v)
                w->oom = true;
        return v;
}

#define j_object(w) j_new((w), json_object_new_object())
#define j_array(w) j_new((w), json_object_new_array())
#define j_string(w, s) j_new((w), json_object_new_string(s))
#define j_i64(w, v) j_new((w), json_object_new_int64(v))
#define j_bool(w, v) j_new((w), json_object_new_boolean(v))

/* v NULL is JSON null. */
static void add(JsonWriter *w, json_object *o, const char *k, json_object *v) {
        if (!o || json_object_object_add(o, k, v) < 0) {
                json_object_put(v);
                w->oom = true;
        }
}

static void append(JsonWriter *w, json_object *a, json_object *v) {
        if (!a || json_object_array_add(a, v) < 0) {
                json_object_put(v);
                w->oom = true;
        }
}

static json_object *j_str(JsonWriter *w, const char *s) {
        return s ? j_string(w, s) : NULL;
}

static json_object *j_u64(JsonWriter *w, uint64_t v) {
        /* JSON numbers past 2^53 lose precision in many readers; "infinity"
         * is the only value that large we use. */
        if (v == UINT64_MAX)
                return j_string(w, "infinity");
        return j_i64(w, (int64_t) v);
}

static json_object *j_strv(JsonWriter *w, char * const *l) {
        json_object *a = j_array(w);
        for (char * const *s = l; s && *s; s++)
                append(w, a, j_string(w, *s));
        return a;
}

static json_object *j_caps(JsonWriter *w, uint64_t mask) {
        json_object *a = j_array(w);
        char buf[64];

        for (unsigned c = 0; c < 64; c++)
                if (mask & (UINT64_C(1) << c)) {
                        const char *n = capability_to_name(c, buf);

                        append(w, a, n ? j_string(w, n) : j_new(w, NULL));
                }
        return a;
}

static json_object *j_namespaces(JsonWriter *w, uint64_t mask) {
        json_object *a = j_array(w);

        for (NamespaceType t = 0; t < _NAMESPACE_TYPE_MAX; t++)
                if (mask & NAMESPACE_MASK(t))
                        append(w, a, j_string(w, namespace_type_to_string(t)));
        return a;
}

static json_object *j_file_id(JsonWriter *w, const PlanFileId *id) {
        json_object *x;

        if (id->ino == 0)
                return NULL;
        x = j_object(w);
        add(w, x, "device", j_i64(w, (int64_t) id->dev));
        add(w, x, "inode", j_i64(w, (int64_t) id->ino));
        return x;
}

static json_object *j_action(JsonWriter *w, SeccompAction a) {
        char buf[SECCOMP_ACTION_STRING_MAX];
        return j_string(w, seccomp_action_to_string(a, buf));
}

static json_object *j_net(JsonWriter *w, const PlanNetwork *n) {
        json_object *o = j_object(w), *a = j_array(w);
        char buf[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];

        add(w, o, "bridge", j_str(w, n->bridge));
        snprintf(buf, sizeof(buf), "%s/%u", inet_ntop(AF_INET, &n->subnet, addr, sizeof(addr)), n->prefixlen);
        add(w, o, "subnet", j_str(w, buf));
        if (n->prefixlen6 > 0) {
                snprintf(buf, sizeof(buf), "%s/%u", inet_ntop(AF_INET6, &n->subnet6, addr, sizeof(addr)), n->prefixlen6);
                add(w, o, "subnet6", j_str(w, buf));
        } else
                add(w, o, "subnet6", NULL);
        add(w, o, "address", n->address.s_addr == 0 ? NULL : j_str(w, inet_ntop(AF_INET, &n->address, addr, sizeof(addr))));
        add(w, o, "address_static", j_bool(w, n->address_static));
        add(w, o, "dns", j_strv(w, n->dns));
        add(w, o, "ip_allow", j_strv(w, n->ip_allow));
        add(w, o, "ip_deny", j_strv(w, n->ip_deny));
        add(w, o, "outbound", n->outbound_limited ? j_strv(w, n->outbound) : NULL);
        for (size_t i = 0; i < n->n_ports; i++) {
                json_object *x = j_object(w);

                add(w, x, "protocol", j_str(w, n->ports[i].protocol == IPPROTO_UDP ? "udp" : "tcp"));
                add(w, x, "host_address", j_str(w, inet_ntop(AF_INET, &n->ports[i].host_address, addr, sizeof(addr))));
                add(w, x, "host_port", j_i64(w, n->ports[i].host_port));
                add(w, x, "container_port", j_i64(w, n->ports[i].container_port));
                append(w, a, x);
        }
        add(w, o, "ports", a);
        return o;
}

int plan_to_json_object(const Plan *p, struct json_object **ret) {
        JsonWriter writer = {}, *w = &writer;
        _cleanup_json_ json_object *o = j_object(w);
        json_object *a, *x, *sc, *cg, *sv, *rl;

        if (!o)
                return -ENOMEM;

        add(w, o, "format", j_i64(w, PLAN_FORMAT_VERSION));
        add(w, o, "name", j_str(w, p->name));
        add(w, o, "description", j_str(w, p->description));
        add(w, o, "unit_path", j_str(w, p->unit_path));
        add(w, o, "dropin_paths", j_strv(w, p->dropin_paths));
        add(w, o, "policy_path", j_str(w, p->policy_path));

        add(w, o, "namespaces", j_namespaces(w, p->namespaces));
        x = j_object(w);
        add(w, x, "base", j_i64(w, p->uid_map_base));
        add(w, x, "count", j_i64(w, p->uid_map_count));
        add(w, o, "uid_map", x);
        add(w, o, "hostname", j_str(w, p->hostname));
        add(w, o, "network", j_str(w, network_mode_to_string(p->network)));
        if (p->network == NETWORK_SERVICE)
                add(w, o, "network_service", j_str(w, p->network_service));

        a = j_array(w);
        for (size_t i = 0; i < p->n_layers; i++) {
                x = j_object(w);
                add(w, x, "type", j_str(w, layer_type_to_string(p->layers[i].type)));
                add(w, x, "path", j_str(w, p->layers[i].path));
                add(w, x, "id", j_file_id(w, &p->layers[i].id));
                add(w, x, "diff_id", j_str(w, p->layers[i].diff_id));
                add(w, x, "image", j_str(w, p->layers[i].image));
                add(w, x, "manifest", j_str(w, p->layers[i].manifest));
                append(w, a, x);
        }
        add(w, o, "layers", a);
        add(w, o, "read_only", j_bool(w, p->read_only));
        add(w, o, "pull", j_str(w, pull_policy_to_string(p->pull)));
        add(w, o, "exposed_ports", j_strv(w, p->exposed_ports));

        a = j_array(w);
        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                x = j_object(w);
                add(w, x, "type", j_str(w, mount_type_to_string(m->type)));
                add(w, x, "source", j_str(w, m->source));
                add(w, x, "target", j_str(w, m->target));
                add(w, x, "options", j_str(w, m->options));
                add(w, x, "read_only", j_bool(w, m->read_only));
                add(w, x, "recursive", j_bool(w, m->recursive));
                add(w, x, "ignore_missing", j_bool(w, m->ignore_missing));
                if (m->root_idmap)
                        add(w, x, "root_idmap", j_bool(w, true));
                if (m->type == MOUNT_BIND)
                        add(w, x, "source_id", m->source_missing ? j_string(w, "missing")
                                                                                 : j_file_id(w, &m->source_id));
                append(w, a, x);
        }
        add(w, o, "mounts", a);

        add(w, o, "argv", j_strv(w, p->argv));
        add(w, o, "environment", j_strv(w, p->environment));
        add(w, o, "environment_sources", j_strv(w, p->environment_sources));
        add(w, o, "working_directory", j_str(w, p->working_directory));
        add(w, o, "uid", j_i64(w, p->uid));
        add(w, o, "gid", j_i64(w, p->gid));
        a = j_array(w);
        for (size_t i = 0; i < p->n_supplementary_gids; i++)
                append(w, a, j_i64(w, p->supplementary_gids[i]));
        add(w, o, "supplementary_gids", a);

        rl = j_object(w);
        for (int i = 0; i < RLIMIT_NLIMITS; i++) {
                if (!p->rlimits[i].set || !rlimit_to_name(i))
                        continue;
                x = j_object(w);
                add(w, x, "soft", j_u64(w, p->rlimits[i].soft));
                add(w, x, "hard", j_u64(w, p->rlimits[i].hard));
                add(w, rl, rlimit_to_name(i), x);
        }
        add(w, o, "rlimits", rl);

        x = j_object(w);
        add(w, x, "bounding", j_caps(w, p->cap_bounding));
        add(w, x, "permitted", j_caps(w, p->cap_permitted));
        add(w, x, "effective", j_caps(w, p->cap_effective));
        add(w, x, "inheritable", j_caps(w, p->cap_inheritable));
        add(w, x, "ambient", j_caps(w, p->cap_ambient));
        add(w, o, "capabilities", x);
        add(w, o, "no_new_privileges", j_bool(w, p->no_new_privileges));

        sc = j_object(w);
        add(w, sc, "default_action", j_action(w, p->seccomp_default_action));
        add(w, sc, "architectures", j_strv(w, p->seccomp_architectures));
        add(w, sc, "allow_namespaces", j_namespaces(w, p->seccomp_allow_namespaces));
        a = j_array(w);
        for (size_t i = 0; i < p->n_syscalls; i++) {
                x = j_object(w);
                add(w, x, "name", j_str(w, p->syscalls[i].name));
                add(w, x, "action", j_action(w, p->syscalls[i].action));
                add(w, x, "origin", j_str(w, p->syscalls[i].origin));
                append(w, a, x);
        }
        add(w, sc, "syscalls", a);
        if (p->seccomp_bpf) {
                _cleanup_free_ char *b = NULL;
                if (base64_encode(p->seccomp_bpf, p->seccomp_bpf_size, &b) < 0)
                        return -ENOMEM;
                add(w, sc, "bpf", j_string(w, b));
        } else
                add(w, sc, "bpf", NULL);
        if (p->seccomp_restrict_address_families) {
                a = j_array(w);
                for (int af = 0; af < AF_MASK_BITS; af++)
                        if ((p->seccomp_address_families & (UINT64_C(1) << af)) && af_to_name(af))
                                append(w, a, j_string(w, af_to_name(af)));
                add(w, sc, "address_families", a);
        } else
                add(w, sc, "address_families", NULL);
        x = j_object(w);
        for (size_t i = 0; i < p->n_seccomp_enosys; i++)
                add(w, x, p->seccomp_enosys[i].arch, j_i64(w, p->seccomp_enosys[i].max));
        add(w, sc, "enosys_above", x);
        add(w, o, "seccomp", sc);

        cg = j_object(w);
        add(w, cg, "memory_max", j_u64(w, p->limits.memory_max));
        add(w, cg, "memory_high", j_u64(w, p->limits.memory_high));
        add(w, cg, "memory_swap_max", j_u64(w, p->limits.memory_swap_max));
        add(w, cg, "tasks_max", j_u64(w, p->limits.tasks_max));
        add(w, cg, "cpu_quota_per_sec_usec", j_u64(w, p->limits.cpu_quota_per_sec_usec));
        add(w, cg, "cpu_weight", p->limits.cpu_weight ? j_u64(w, p->limits.cpu_weight) : NULL);
        add(w, cg, "io_weight", p->limits.io_weight ? j_u64(w, p->limits.io_weight) : NULL);
        add(w, o, "cgroup", cg);

        sv = j_object(w);
        add(w, sv, "restart", j_str(w, restart_policy_to_string(p->restart)));
        add(w, sv, "restart_usec", j_u64(w, p->restart_usec));
        add(w, sv, "restart_steps", j_i64(w, p->restart_steps));
        add(w, sv, "restart_max_delay_usec", j_u64(w, p->restart_max_delay_usec));
        add(w, sv, "start_limit_burst", j_i64(w, p->start_limit_burst));
        add(w, sv, "start_limit_interval_usec", j_u64(w, p->start_limit_interval_usec));
        if (signal_to_name(p->kill_signal))
                add(w, sv, "kill_signal", j_str(w, signal_to_name(p->kill_signal)));
        else {
                /* Real-time signals have no name of their own: their number. */
                char num[16];
                (void) snprintf(num, sizeof(num), "%d", p->kill_signal);
                add(w, sv, "kill_signal", j_str(w, num));
        }
        add(w, sv, "timeout_stop_usec", j_u64(w, p->timeout_stop_usec));
        add(w, sv, "wanted", j_bool(w, p->wanted));
        add(w, o, "service", sv);

        add(w, o, "upper_size", j_i64(w, (int64_t) p->upper_size));
        a = j_array(w);
        for (size_t i = 0; i < p->n_devices; i++) {
                const PlanDevice *d = &p->devices[i];
                char acc[DEVICE_ACCESS_STRING_MAX];

                x = j_object(w);
                add(w, x, "name", j_str(w, d->name));
                add(w, x, "type", j_str(w, d->block ? "block" : "char"));
                add(w, x, "major", d->major == PLAN_DEVICE_ANY ? j_str(w, "*") : j_i64(w, d->major));
                add(w, x, "minor", d->minor == PLAN_DEVICE_ANY ? j_str(w, "*") : j_i64(w, d->minor));
                add(w, x, "access", j_str(w, device_access_to_string(d->access, acc)));
                append(w, a, x);
        }
        add(w, o, "devices", a);
        if (p->network == NETWORK_PRIVATE)
                add(w, o, "net", j_net(w, &p->net));

        a = j_array(w);
        for (size_t i = 0; i < p->n_sockets; i++) {
                const PlanSocket *k = &p->sockets[i];

                x = j_object(w);
                add(w, x, "type", j_str(w, listen_type_to_string(k->type)));
                add(w, x, "address", j_str(w, k->address));
                add(w, x, "name", j_str(w, k->name));
                add(w, x, "backlog", j_i64(w, k->backlog));
                add(w, x, "bind_ipv6_only", j_str(w, bind_ipv6_only_to_string(k->bind_ipv6_only)));
                add(w, x, "user", j_i64(w, k->uid));
                add(w, x, "group", j_i64(w, k->gid));
                add(w, x, "mode", j_i64(w, k->mode));
                append(w, a, x);
        }
        add(w, o, "sockets", a);

        if (w->oom)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int plan_to_json(const Plan *p, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        const char *s;
        char *copy;
        int r;

        r = plan_to_json_object(p, &o);
        if (r < 0)
                return r;
        /* json-c's printer ignores a failed append of its buffer here and
         * there (0.16): under memory pressure the text could lack a piece,
         * which the strict reader refuses at re-adoption. Reading it back
         * here would not help: json-c's parser does not survive a failed
         * allocation either. */
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

/* ---- reading ---- */

typedef struct Reader {
        char *error;
} Reader;

static int rfail(Reader *r, const char *fmt, ...) _printf_(2, 3);
static int rfail(Reader *r, const char *fmt, ...) {
        va_list ap;

        if (!r->error) {
                va_start(ap, fmt);
                if (vasprintf(&r->error, fmt, ap) < 0)
                        r->error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

/* Every key of o must be one of keys: a misspelt field must not be ignored. */
static int check_keys(Reader *r, json_object *o, const char *where, const char *const *keys) {
        json_object_object_foreach(o, k, v) {
                bool ok = false;
                (void) v;
                for (const char *const *x = keys; *x; x++)
                        if (streq(*x, k))
                                ok = true;
                if (!ok)
                        return rfail(r, "%s: unknown field \"%s\".", where, k);
        }
        return 0;
}

static json_object *field(json_object *o, const char *k) {
        json_object *v = NULL;
        (void) json_object_object_get_ex(o, k, &v);
        return v;
}

static int get_obj(Reader *r, json_object *o, const char *k, json_object **ret) {
        json_object *v = field(o, k);
        if (!v || !json_object_is_type(v, json_type_object))
                return rfail(r, "\"%s\" must be an object.", k);
        *ret = v;
        return 0;
}

static int get_arr(Reader *r, json_object *o, const char *k, size_t max, json_object **ret) {
        json_object *v = field(o, k);
        if (!v || !json_object_is_type(v, json_type_array))
                return rfail(r, "\"%s\" must be an array.", k);
        if (json_object_array_length(v) > max)
                return rfail(r, "\"%s\" has too many elements.", k);
        *ret = v;
        return 0;
}

static int get_bool(Reader *r, json_object *o, const char *k, bool *ret) {
        json_object *v = field(o, k);
        if (!v || !json_object_is_type(v, json_type_boolean))
                return rfail(r, "\"%s\" must be true or false.", k);
        *ret = json_object_get_boolean(v);
        return 0;
}

static int get_str(Reader *r, json_object *o, const char *k, bool nullable, char **ret) {
        json_object *v = field(o, k);
        char *s;

        if (nullable && (!v || json_object_is_type(v, json_type_null))) {
                *ret = NULL;
                return 0;
        }
        if (!v || !json_object_is_type(v, json_type_string))
                return rfail(r, "\"%s\" must be a string.", k);
        if (strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v) ||
            string_has_cc(json_object_get_string(v)))
                return rfail(r, "\"%s\" contains NUL or control characters.", k);
        s = strdup(json_object_get_string(v));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int get_path(Reader *r, json_object *o, const char *k, bool nullable, char **ret) {
        _cleanup_free_ char *s = NULL;
        int q;

        q = get_str(r, o, k, nullable, &s);
        if (q < 0)
                return q;
        if (s && !path_is_normalized_absolute(s))
                return rfail(r, "\"%s\" must be an absolute, normalized path.", k);
        *ret = TAKE_PTR(s);
        return 0;
}

static int get_u64_value(Reader *r, json_object *v, const char *k, uint64_t max, uint64_t *ret) {
        int64_t i;

        if (v && json_object_is_type(v, json_type_string) && streq(json_object_get_string(v), "infinity") && max == UINT64_MAX) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (!v || !json_object_is_type(v, json_type_int))
                return rfail(r, "\"%s\" must be an integer%s.", k, max == UINT64_MAX ? " or \"infinity\"" : "");
        errno = 0;
        i = json_object_get_int64(v);
        if (i < 0 || errno != 0 || (uint64_t) i > max || (max == UINT64_MAX && (uint64_t) i == UINT64_MAX))
                return rfail(r, "\"%s\" is out of range.", k);
        *ret = (uint64_t) i;
        return 0;
}

static int get_u64(Reader *r, json_object *o, const char *k, uint64_t max, uint64_t *ret) {
        return get_u64_value(r, field(o, k), k, max, ret);
}

static int get_strv(Reader *r, json_object *o, const char *k, size_t max, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *a;
        int q;

        q = get_arr(r, o, k, max, &a);
        if (q < 0)
                return q;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string) ||
                    strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                        return rfail(r, "\"%s\"[%zu] must be a string without NUL.", k, i);
                q = strv_extend(&l, json_object_get_string(v));
                if (q < 0)
                        return q;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int get_caps(Reader *r, json_object *o, const char *k, uint64_t *ret) {
        json_object *a;
        uint64_t m = 0;
        int q;

        q = get_arr(r, o, k, 64, &a);
        if (q < 0)
                return q;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *v = json_object_array_get_idx(a, i);
                int c = json_object_is_type(v, json_type_string) ? capability_from_name(json_object_get_string(v)) : -EINVAL;
                if (c < 0)
                        return rfail(r, "capabilities.%s[%zu] is not a capability name.", k, i);
                m |= UINT64_C(1) << c;
        }
        *ret = m;
        return 0;
}

static int get_namespaces(Reader *r, json_object *o, const char *k, uint64_t *ret) {
        json_object *a;
        uint64_t m = 0;
        int q;

        q = get_arr(r, o, k, _NAMESPACE_TYPE_MAX, &a);
        if (q < 0)
                return q;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *v = json_object_array_get_idx(a, i);
                NamespaceType t = json_object_is_type(v, json_type_string) ? namespace_type_from_string(json_object_get_string(v))
                                                                             : _NAMESPACE_TYPE_INVALID;
                if (t < 0)
                        return rfail(r, "\"%s\"[%zu] is not a namespace type.", k, i);
                m |= NAMESPACE_MASK(t);
        }
        *ret = m;
        return 0;
}

static int get_action(Reader *r, json_object *o, const char *k, SeccompAction *ret) {
        _cleanup_free_ char *s = NULL;
        int q;

        q = get_str(r, o, k, false, &s);
        if (q < 0)
                return q;
        if (seccomp_action_from_string(s, ret) < 0)
                return rfail(r, "\"%s\": invalid seccomp action \"%s\".", k, s);
        return 0;
}

#define TRY(x)                          \
        do {                            \
                int _q_ = (x);          \
                if (_q_ < 0)            \
                        return _q_;     \
        } while (0)

/* {"device": N, "inode": N}; absent or null: not recorded (a plan of an
 * older sandboxd), which the launcher refuses to open. */
static int get_file_id(Reader *r, json_object *o, const char *k, PlanFileId *ret) {
        static const char *const keys[] = { "device", "inode", NULL };
        json_object *v = field(o, k);
        PlanFileId id;

        if (!v || json_object_is_type(v, json_type_null)) {
                *ret = (PlanFileId) {};
                return 0;
        }
        if (!json_object_is_type(v, json_type_object))
                return rfail(r, "\"%s\" must be an object with \"device\" and \"inode\".", k);
        TRY(check_keys(r, v, k, keys));
        TRY(get_u64(r, v, "device", INT64_MAX, &id.dev));
        TRY(get_u64(r, v, "inode", INT64_MAX, &id.ino));
        if (id.ino == 0)
                return rfail(r, "\"%s\": inode 0 is no file.", k);
        *ret = id;
        return 0;
}

static int read_mounts(Reader *r, json_object *o, Plan *p) {
        static const char *const keys[] = { "type", "source", "target", "options", "read_only", "recursive", "ignore_missing",
                                            "source_id", "root_idmap", NULL };
        json_object *a;

        TRY(get_arr(r, o, "mounts", PLAN_MOUNTS_MAX, &a));
        p->mounts = calloc(json_object_array_length(a) + 1, sizeof(PlanMount));
        if (!p->mounts)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *m = json_object_array_get_idx(a, i);
                PlanMount *pm = &p->mounts[i];
                _cleanup_free_ char *type = NULL;

                if (!json_object_is_type(m, json_type_object))
                        return rfail(r, "mounts[%zu] must be an object.", i);
                TRY(check_keys(r, m, "mounts[]", keys));
                TRY(get_str(r, m, "type", false, &type));
                pm->type = mount_type_from_string(type);
                p->n_mounts = i + 1;
                if (pm->type < 0)
                        return rfail(r, "mounts[%zu].type \"%s\" is unknown.", i, type);
                TRY(get_path(r, m, "source", true, &pm->source));
                TRY(get_path(r, m, "target", false, &pm->target));
                TRY(get_str(r, m, "options", true, &pm->options));
                TRY(get_bool(r, m, "read_only", &pm->read_only));
                TRY(get_bool(r, m, "recursive", &pm->recursive));
                TRY(get_bool(r, m, "ignore_missing", &pm->ignore_missing));
                /* Optional: written only when set. */
                if (field(m, "root_idmap"))
                        TRY(get_bool(r, m, "root_idmap", &pm->root_idmap));
                if (pm->root_idmap && pm->type != MOUNT_BIND)
                        return rfail(r, "mounts[%zu]: root_idmap is for bind mounts only.", i);
                if ((pm->type == MOUNT_BIND) != !!pm->source)
                        return rfail(r, "mounts[%zu]: a source is required for bind mounts and only for them.", i);
                if (pm->type != MOUNT_BIND) {
                        if (field(m, "source_id") && !json_object_is_type(field(m, "source_id"), json_type_null))
                                return rfail(r, "mounts[%zu]: source_id is only for bind mounts.", i);
                } else if (json_object_is_type(field(m, "source_id"), json_type_string)) {
                        if (!streq(json_object_get_string(field(m, "source_id")), "missing"))
                                return rfail(r, "mounts[%zu].source_id must be an object or \"missing\".", i);
                        if (!pm->ignore_missing)
                                return rfail(r, "mounts[%zu]: only an ignore_missing source can be missing.", i);
                        pm->source_missing = true;
                } else
                        TRY(get_file_id(r, m, "source_id", &pm->source_id));
        }
        return 0;
}

/* A device number, or "*" for every one. Numbers stay below 2^20 (the
 * kernel's MINORBITS), majors below 2^12. */
static int get_devnum(Reader *r, json_object *o, const char *k, uint64_t max, uint32_t *ret) {
        json_object *v = field(o, k);
        uint64_t n;

        if (v && json_object_is_type(v, json_type_string) && streq(json_object_get_string(v), "*")) {
                *ret = PLAN_DEVICE_ANY;
                return 0;
        }
        TRY(get_u64_value(r, v, k, max, &n));
        *ret = (uint32_t) n;
        return 0;
}

static int read_devices(Reader *r, json_object *o, Plan *p) {
        static const char *const keys[] = { "name", "type", "major", "minor", "access", NULL };
        json_object *a;

        TRY(get_arr(r, o, "devices", PLAN_DEVICES_MAX, &a));
        /* The compiler always lists the minimal set; none would mean no
         * device controller at all. */
        if (json_object_array_length(a) == 0)
                return rfail(r, "\"devices\" must not be empty.");
        p->devices = calloc(json_object_array_length(a) + 1, sizeof(PlanDevice));
        if (!p->devices)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *d = json_object_array_get_idx(a, i);
                PlanDevice *pd = &p->devices[i];
                _cleanup_free_ char *type = NULL, *access = NULL;

                if (!json_object_is_type(d, json_type_object))
                        return rfail(r, "devices[%zu] must be an object.", i);
                TRY(check_keys(r, d, "devices[]", keys));
                p->n_devices = i + 1;
                TRY(get_str(r, d, "name", false, &pd->name));
                if (!device_spec_is_valid(pd->name))
                        return rfail(r, "devices[%zu].name \"%s\" is not a device node or class.", i, pd->name);
                TRY(get_str(r, d, "type", false, &type));
                if (!streq(type, "char") && !streq(type, "block"))
                        return rfail(r, "devices[%zu].type must be char or block.", i);
                pd->block = streq(type, "block");
                TRY(get_devnum(r, d, "major", (1U << 12) - 1, &pd->major));
                TRY(get_devnum(r, d, "minor", (1U << 20) - 1, &pd->minor));
                TRY(get_str(r, d, "access", false, &access));
                if (device_access_from_string(access, &pd->access) < 0)
                        return rfail(r, "devices[%zu].access \"%s\" is not a combination of r, w and m.", i, access);
        }
        return 0;
}

/* Absent in plans written before socket activation: none. */
static int read_sockets(Reader *r, json_object *o, Plan *p) {
        static const char *const keys[] = { "type", "address", "name", "backlog", "bind_ipv6_only", "user", "group",
                                            "mode", NULL };
        json_object *a;

        if (!field(o, "sockets"))
                return 0;
        TRY(get_arr(r, o, "sockets", 64, &a));
        p->sockets = calloc(json_object_array_length(a) + 1, sizeof(PlanSocket));
        if (!p->sockets)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *d = json_object_array_get_idx(a, i);
                PlanSocket *ps = &p->sockets[i];
                _cleanup_free_ char *type = NULL, *v6 = NULL;
                char canonical[LISTEN_ADDRESS_STRING_MAX], why[256];
                ListenAddress la;
                uint64_t v;

                if (!json_object_is_type(d, json_type_object))
                        return rfail(r, "sockets[%zu] must be an object.", i);
                TRY(check_keys(r, d, "sockets[]", keys));
                p->n_sockets = i + 1;
                TRY(get_str(r, d, "type", false, &type));
                ps->type = listen_type_from_string(type);
                if (ps->type < 0)
                        return rfail(r, "sockets[%zu].type \"%s\" is not stream, datagram or seqpacket.", i, type);
                TRY(get_str(r, d, "address", false, &ps->address));
                /* The launcher binds what this says: only the compiler's own spelling. */
                if (listen_address_parse(ps->address, &la, why, sizeof(why)) < 0)
                        return rfail(r, "sockets[%zu].address: %s.", i, why);
                listen_address_format(&la, canonical);
                if (!streq(canonical, ps->address))
                        return rfail(r, "sockets[%zu].address \"%s\" is not canonical (\"%s\").", i, ps->address, canonical);
                if (ps->type == LISTEN_SEQUENTIAL_PACKET && la.family != AF_UNIX)
                        return rfail(r, "sockets[%zu]: a seqpacket socket must be AF_UNIX.", i);
                TRY(get_str(r, d, "name", false, &ps->name));
                if (!fd_name_is_valid(ps->name))
                        return rfail(r, "sockets[%zu].name \"%s\" is not a valid fd name.", i, ps->name);
                TRY(get_u64(r, d, "backlog", INT32_MAX, &v));
                if (v == 0)
                        return rfail(r, "sockets[%zu].backlog must be positive.", i);
                ps->backlog = (unsigned) v;
                TRY(get_str(r, d, "bind_ipv6_only", false, &v6));
                ps->bind_ipv6_only = bind_ipv6_only_from_string(v6);
                if (ps->bind_ipv6_only < 0)
                        return rfail(r, "sockets[%zu].bind_ipv6_only \"%s\" is unknown.", i, v6);
                TRY(get_u64(r, d, "user", UINT32_MAX - 1, &v));
                ps->uid = (uid_t) v;
                TRY(get_u64(r, d, "group", UINT32_MAX - 1, &v));
                ps->gid = (gid_t) v;
                TRY(get_u64(r, d, "mode", 0777, &v));
                ps->mode = (unsigned) v;
        }
        return 0;
}

/* null: any family; else the names of the families socket() may create. */
static int read_address_families(Reader *r, json_object *sc, Plan *p) {
        json_object *a = NULL;

        /* json-c represents null as NULL: present but NULL is null. */
        if (json_object_object_get_ex(sc, "address_families", &a) && json_object_is_type(a, json_type_null)) {
                p->seccomp_restrict_address_families = false;
                p->seccomp_address_families = 0;
                return 0;
        }
        TRY(get_arr(r, sc, "address_families", AF_MASK_BITS, &a));
        p->seccomp_restrict_address_families = true;
        p->seccomp_address_families = 0;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *v = json_object_array_get_idx(a, i);
                const char *name = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                int af = name ? af_from_name(name) : -EINVAL;

                /* Only main spellings, each once: what the writer writes. */
                if (af < 0 || !streq(af_to_name(af), name) || (p->seccomp_address_families & (UINT64_C(1) << af)))
                        return rfail(r, "seccomp.address_families[%zu] is not an address family named once (AF_UNIX, ...).", i);
                p->seccomp_address_families |= UINT64_C(1) << af;
        }
        return 0;
}

/* One entry per architecture except x32, whose syscalls carry x86-64's. */
static int read_enosys(Reader *r, json_object *sc, Plan *p) {
        json_object *x = NULL;
        size_t n = 0, want = 0;

        TRY(get_obj(r, sc, "enosys_above", &x));
        STRV_FOREACH(a, p->seccomp_architectures)
                if (!streq(*a, "x32"))
                        want++;
        if ((size_t) json_object_object_length(x) != want)
                return rfail(r, "seccomp.enosys_above must have one entry per architecture except x32.");
        p->seccomp_enosys = calloc(want + 1, sizeof(PlanSyscallCeiling));
        if (!p->seccomp_enosys)
                return -ENOMEM;
        json_object_object_foreach(x, k, v) {
                uint64_t max;

                if (!strv_contains(p->seccomp_architectures, k) || streq(k, "x32"))
                        return rfail(r, "seccomp.enosys_above: \"%s\" is not one of the architectures (x32 has no entry).", k);
                TRY(get_u64_value(r, v, "seccomp.enosys_above.*", UINT32_MAX, &max));
                p->seccomp_enosys[n].arch = strdup(k);
                if (!p->seccomp_enosys[n].arch)
                        return -ENOMEM;
                p->seccomp_enosys[n].max = (uint32_t) max;
                p->n_seccomp_enosys = ++n;
        }
        return 0;
}

static int read_seccomp(Reader *r, json_object *o, Plan *p) {
        static const char *const keys[] = { "default_action", "architectures", "allow_namespaces", "syscalls", "bpf",
                                            "address_families", "enosys_above", NULL };
        static const char *const skeys[] = { "name", "action", "origin", NULL };
        _cleanup_free_ char *bpf = NULL;
        json_object *sc = NULL, *a = NULL;

        TRY(get_obj(r, o, "seccomp", &sc));
        TRY(check_keys(r, sc, "seccomp", keys));
        TRY(get_action(r, sc, "default_action", &p->seccomp_default_action));
        TRY(get_strv(r, sc, "architectures", PLAN_ARCHITECTURES_MAX, &p->seccomp_architectures));
        TRY(get_namespaces(r, sc, "allow_namespaces", &p->seccomp_allow_namespaces));
        TRY(get_arr(r, sc, "syscalls", PLAN_SYSCALLS_MAX, &a));
        p->syscalls = calloc(json_object_array_length(a) + 1, sizeof(PlanSyscall));
        if (!p->syscalls)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *s = json_object_array_get_idx(a, i);
                PlanSyscall *ps = &p->syscalls[i];

                if (!json_object_is_type(s, json_type_object))
                        return rfail(r, "seccomp.syscalls[%zu] must be an object.", i);
                TRY(check_keys(r, s, "seccomp.syscalls[]", skeys));
                p->n_syscalls = i + 1;
                TRY(get_str(r, s, "name", false, &ps->name));
                TRY(get_action(r, s, "action", &ps->action));
                TRY(get_str(r, s, "origin", false, &ps->origin));
        }
        TRY(read_address_families(r, sc, p));
        TRY(read_enosys(r, sc, p));
        TRY(get_str(r, sc, "bpf", true, &bpf));
        if (bpf) {
                if (base64_decode(bpf, &p->seccomp_bpf, &p->seccomp_bpf_size) < 0)
                        return rfail(r, "seccomp.bpf is not valid base64.");
                /* struct sock_filter is 8 bytes; the kernel takes at most 4096. */
                if (p->seccomp_bpf_size == 0 || p->seccomp_bpf_size % 8 != 0 || p->seccomp_bpf_size > PLAN_SECCOMP_BPF_MAX)
                        return rfail(r, "seccomp.bpf has an invalid size (%zu bytes).", p->seccomp_bpf_size);
        }
        return 0;
}

static int get_in4(Reader *r, json_object *o, const char *k, bool nullable, struct in_addr *ret) {
        _cleanup_free_ char *v = NULL;

        TRY(get_str(r, o, k, nullable, &v));
        if (!v) {
                *ret = (struct in_addr) {};
                return 0;
        }
        if (in4_addr_from_string(v, ret) < 0)
                return rfail(r, "net.%s is not an IPv4 address.", k);
        return 0;
}

static int read_net(Reader *r, json_object *o, PlanNetwork *n) {
        static const char *const keys[] = { "bridge", "subnet", "subnet6", "address", "address_static", "dns", "ports", "ip_allow", "ip_deny", "outbound", NULL };
        static const char *const pkeys[] = { "protocol", "host_address", "host_port", "container_port", NULL };
        _cleanup_free_ char *subnet = NULL, *subnet6 = NULL;
        json_object *x = NULL, *a = NULL;
        uint64_t v;

        TRY(get_obj(r, o, "net", &x));
        TRY(check_keys(r, x, "net", keys));
        TRY(get_str(r, x, "bridge", false, &n->bridge));
        if (!ifname_is_valid(n->bridge))
                return rfail(r, "net.bridge is not a valid interface name.");
        TRY(get_str(r, x, "subnet", false, &subnet));
        if (in4_prefix_from_string(subnet, false, &n->subnet, &n->prefixlen) < 0 || n->prefixlen < 8 || n->prefixlen > 30)
                return rfail(r, "net.subnet is not an IPv4 subnet between /8 and /30.");
        TRY(get_str(r, x, "subnet6", true, &subnet6));
        if (subnet6 && (in6_prefix_from_string(subnet6, false, &n->subnet6, &n->prefixlen6) < 0 || n->prefixlen6 != 64))
                return rfail(r, "net.subnet6 is not an IPv6 /64.");
        TRY(get_in4(r, x, "address", true, &n->address));
        if (n->address.s_addr != 0 && !in4_prefix_contains(n->subnet, n->prefixlen, n->address))
                return rfail(r, "net.address is outside net.subnet.");
        TRY(get_bool(r, x, "address_static", &n->address_static));
        TRY(get_strv(r, x, "dns", 16, &n->dns));
        STRV_FOREACH(d, n->dns) {
                struct in6_addr a6;
                unsigned len;

                if (in6_prefix_from_string(*d, false, &a6, &len) < 0 || len != 128) {
                        struct in_addr a4;

                        if (in4_addr_from_string(*d, &a4) < 0)
                                return rfail(r, "net.dns has \"%s\", which is not an IP address.", *d);
                }
        }
        TRY(get_strv(r, x, "ip_allow", 1024, &n->ip_allow));
        TRY(get_strv(r, x, "ip_deny", 1024, &n->ip_deny));
        /* null: no ceiling; a list, even empty, is one. */
        if (field(x, "outbound") && !json_object_is_type(field(x, "outbound"), json_type_null)) {
                TRY(get_strv(r, x, "outbound", 1024, &n->outbound));
                n->outbound_limited = true;
        }
        /* They become nft rules: only what the unit parser makes. */
        char **lists[] = { n->ip_allow, n->ip_deny, n->outbound };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH(d, lists[i]) {
                        _cleanup_strv_free_ char **c = NULL;

                        if (ip_prefix_word_expand(*d, &c) < 0 || strv_length(c) != 1 || !streq(c[0], *d))
                                return rfail(r, "net.ip_allow, net.ip_deny or net.outbound has \"%s\", which is not a "
                                             "canonical prefix.", *d);
                }
        TRY(get_arr(r, x, "ports", 1024, &a));
        if (json_object_array_length(a) > 0) {
                n->ports = calloc(json_object_array_length(a), sizeof(PlanPort));
                if (!n->ports)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *pj = json_object_array_get_idx(a, i);
                _cleanup_free_ char *proto = NULL;
                PlanPort *pp = &n->ports[i];

                if (!json_object_is_type(pj, json_type_object))
                        return rfail(r, "net.ports[%zu] must be an object.", i);
                TRY(check_keys(r, pj, "net.ports[]", pkeys));
                n->n_ports = i + 1;
                TRY(get_str(r, pj, "protocol", false, &proto));
                if (streq(proto, "tcp"))
                        pp->protocol = IPPROTO_TCP;
                else if (streq(proto, "udp"))
                        pp->protocol = IPPROTO_UDP;
                else
                        return rfail(r, "net.ports[%zu].protocol must be tcp or udp.", i);
                TRY(get_in4(r, pj, "host_address", false, &pp->host_address));
                TRY(get_u64(r, pj, "host_port", 65535, &v));
                if (v == 0)
                        return rfail(r, "net.ports[%zu].host_port must be 1-65535.", i);
                pp->host_port = (uint16_t) v;
                TRY(get_u64(r, pj, "container_port", 65535, &v));
                if (v == 0)
                        return rfail(r, "net.ports[%zu].container_port must be 1-65535.", i);
                pp->container_port = (uint16_t) v;
        }
        return 0;
}

static int read_plan(Reader *r, json_object *o, Plan *p) {
        static const char *const keys[] = {
                "format", "name", "description", "unit_path", "dropin_paths", "policy_path", "namespaces",
                "uid_map", "hostname", "network", "layers", "read_only", "mounts", "argv", "environment",
                "environment_sources", "working_directory", "uid", "gid", "supplementary_gids", "rlimits", "capabilities",
                "no_new_privileges", "seccomp", "cgroup", "service", "upper_size", "devices", "net", "network_service", "sockets",
                "pull", "exposed_ports", NULL,
        };
        static const char *const ukeys[] = { "base", "count", NULL };
        static const char *const lkeys[] = { "type", "path", "id", "diff_id", "image", "manifest", NULL };
        static const char *const ckeys[] = { "bounding", "permitted", "effective", "inheritable", "ambient", NULL };
        static const char *const gkeys[] = { "memory_max", "memory_high", "memory_swap_max", "tasks_max",
                                             "cpu_quota_per_sec_usec", "cpu_weight", "io_weight", NULL };
        static const char *const skeys[] = { "restart", "restart_usec", "restart_steps", "restart_max_delay_usec",
                                             "start_limit_burst", "start_limit_interval_usec", "kill_signal",
                                             "timeout_stop_usec", "wanted", NULL };
        static const char *const rkeys[] = { "soft", "hard", NULL };
        _cleanup_free_ char *network = NULL, *restart = NULL, *sig = NULL;
        json_object *x = NULL, *a = NULL;
        uint64_t v;

        if (!json_object_is_type(o, json_type_object))
                return rfail(r, "The plan must be a JSON object.");
        TRY(check_keys(r, o, "plan", keys));
        TRY(get_u64(r, o, "format", 1000, &v));
        if (v != PLAN_FORMAT_VERSION)
                return rfail(r, "Unsupported plan format %" PRIu64 " (this sandboxd reads format %d).", v, PLAN_FORMAT_VERSION);

        TRY(get_str(r, o, "name", false, &p->name));
        if (!filename_is_valid(p->name))
                return rfail(r, "\"name\" is not a valid unit name.");
        TRY(get_str(r, o, "description", true, &p->description));
        TRY(get_path(r, o, "unit_path", false, &p->unit_path));
        TRY(get_strv(r, o, "dropin_paths", PLAN_DROPINS_MAX, &p->dropin_paths));
        TRY(get_path(r, o, "policy_path", false, &p->policy_path));

        TRY(get_namespaces(r, o, "namespaces", &p->namespaces));
        TRY(get_obj(r, o, "uid_map", &x));
        TRY(check_keys(r, x, "uid_map", ukeys));
        TRY(get_u64(r, x, "base", UINT32_MAX, &v));
        p->uid_map_base = (uint32_t) v;
        TRY(get_u64(r, x, "count", UINT32_MAX, &v));
        p->uid_map_count = (uint32_t) v;
        TRY(get_str(r, o, "hostname", true, &p->hostname));
        TRY(get_str(r, o, "network", false, &network));
        p->network = network_mode_from_string(network);
        if (p->network < 0)
                return rfail(r, "\"network\" must be none, host, private or service.");
        if (p->network == NETWORK_SERVICE) {
                TRY(get_str(r, o, "network_service", false, &p->network_service));
                if (!unit_name_is_valid(p->network_service))
                        return rfail(r, "\"network_service\" is not a valid unit name.");
        } else if (field(o, "network_service"))
                return rfail(r, "\"network_service\" is only for \"network\": \"service\".");
        if (p->network == NETWORK_PRIVATE)
                TRY(read_net(r, o, &p->net));
        else if (field(o, "net"))
                return rfail(r, "\"net\" is only for \"network\": \"private\".");

        TRY(get_arr(r, o, "layers", LAYERS_MAX, &a));
        if (json_object_array_length(a) == 0)
                return rfail(r, "\"layers\" must not be empty.");
        p->layers = calloc(json_object_array_length(a), sizeof(PlanLayer));
        if (!p->layers)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *l = json_object_array_get_idx(a, i);
                _cleanup_free_ char *type = NULL;

                if (!json_object_is_type(l, json_type_object))
                        return rfail(r, "layers[%zu] must be an object.", i);
                TRY(check_keys(r, l, "layers[]", lkeys));
                p->n_layers = i + 1;
                TRY(get_str(r, l, "type", false, &type));
                p->layers[i].type = layer_type_from_string(type);
                if (p->layers[i].type < 0)
                        return rfail(r, "layers[%zu].type must be directory or tarball.", i);
                TRY(get_path(r, l, "path", false, &p->layers[i].path));
                TRY(get_file_id(r, l, "id", &p->layers[i].id));
                TRY(get_str(r, l, "diff_id", true, &p->layers[i].diff_id));
                TRY(get_str(r, l, "image", true, &p->layers[i].image));
                TRY(get_str(r, l, "manifest", true, &p->layers[i].manifest));
        }
        TRY(get_bool(r, o, "read_only", &p->read_only));
        /* Both absent in plans of an sandboxd without images. */
        if (field(o, "pull")) {
                _cleanup_free_ char *pull = NULL;

                TRY(get_str(r, o, "pull", false, &pull));
                p->pull = pull_policy_from_string(pull);
                if (p->pull < 0)
                        return rfail(r, "\"pull\" must be missing, always, never or newer.");
        }
        if (field(o, "exposed_ports"))
                TRY(get_strv(r, o, "exposed_ports", 1024, &p->exposed_ports));
        TRY(read_mounts(r, o, p));

        TRY(get_strv(r, o, "argv", ARGV_MAX, &p->argv));
        if (!p->argv[0] || !path_is_normalized_absolute(p->argv[0]))
                return rfail(r, "\"argv\" must start with an absolute program path.");
        TRY(get_strv(r, o, "environment", PLAN_ENVIRONMENT_MAX, &p->environment));
        STRV_FOREACH(e, p->environment)
                if (!strchr(*e, '=') || **e == '=')
                        return rfail(r, "\"environment\" entries must be NAME=value.");
        /* Absent in plans written before it existed. */
        if (field(o, "environment_sources")) {
                TRY(get_strv(r, o, "environment_sources", PLAN_ENVIRONMENT_MAX, &p->environment_sources));
                STRV_FOREACH(e, p->environment_sources)
                        if (!strchr(*e, '=') || **e == '=' || !path_is_absolute(strchr(*e, '=') + 1))
                                return rfail(r, "\"environment_sources\" entries must be NAME=/path.");
        }
        TRY(get_path(r, o, "working_directory", false, &p->working_directory));
        TRY(get_u64(r, o, "uid", UINT32_MAX - 1, &v));
        p->uid = (uid_t) v;
        TRY(get_u64(r, o, "gid", UINT32_MAX - 1, &v));
        p->gid = (gid_t) v;
        TRY(get_arr(r, o, "supplementary_gids", SUPPLEMENTARY_GROUPS_MAX, &a));
        if (json_object_array_length(a) > 0) {
                p->supplementary_gids = calloc(json_object_array_length(a), sizeof(gid_t));
                if (!p->supplementary_gids)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                TRY(get_u64_value(r, json_object_array_get_idx(a, i), "supplementary_gids[]", UINT32_MAX - 1, &v));
                p->supplementary_gids[p->n_supplementary_gids++] = (gid_t) v;
        }

        TRY(get_obj(r, o, "rlimits", &x));
        {
                json_object_object_foreach(x, k, lim) {
                        int res = rlimit_from_name(k);
                        if (res < 0 || !json_object_is_type(lim, json_type_object))
                                return rfail(r, "rlimits: \"%s\" is not a resource limit object.", k);
                        TRY(check_keys(r, lim, "rlimits.*", rkeys));
                        TRY(get_u64(r, lim, "soft", UINT64_MAX, &p->rlimits[res].soft));
                        TRY(get_u64(r, lim, "hard", UINT64_MAX, &p->rlimits[res].hard));
                        if (p->rlimits[res].soft > p->rlimits[res].hard)
                                return rfail(r, "rlimits.%s: soft above hard.", k);
                        p->rlimits[res].set = true;
                }
        }

        TRY(get_obj(r, o, "capabilities", &x));
        TRY(check_keys(r, x, "capabilities", ckeys));
        TRY(get_caps(r, x, "bounding", &p->cap_bounding));
        TRY(get_caps(r, x, "permitted", &p->cap_permitted));
        TRY(get_caps(r, x, "effective", &p->cap_effective));
        TRY(get_caps(r, x, "inheritable", &p->cap_inheritable));
        TRY(get_caps(r, x, "ambient", &p->cap_ambient));
        if ((p->cap_permitted | p->cap_ambient) & ~p->cap_bounding || p->cap_effective & ~p->cap_permitted ||
            p->cap_ambient & ~(p->cap_permitted & p->cap_inheritable))
                return rfail(r, "\"capabilities\" are inconsistent (permitted and ambient within bounding, effective within permitted, ambient within permitted and inheritable).");
        TRY(get_bool(r, o, "no_new_privileges", &p->no_new_privileges));

        TRY(read_seccomp(r, o, p));

        TRY(get_obj(r, o, "cgroup", &x));
        TRY(check_keys(r, x, "cgroup", gkeys));
        TRY(get_u64(r, x, "memory_max", UINT64_MAX, &p->limits.memory_max));
        TRY(get_u64(r, x, "memory_high", UINT64_MAX, &p->limits.memory_high));
        TRY(get_u64(r, x, "memory_swap_max", UINT64_MAX, &p->limits.memory_swap_max));
        TRY(get_u64(r, x, "tasks_max", UINT64_MAX, &p->limits.tasks_max));
        TRY(get_u64(r, x, "cpu_quota_per_sec_usec", UINT64_MAX, &p->limits.cpu_quota_per_sec_usec));
        if (field(x, "cpu_weight") && !json_object_is_type(field(x, "cpu_weight"), json_type_null))
                TRY(get_u64(r, x, "cpu_weight", CG_WEIGHT_MAX, &p->limits.cpu_weight));
        if (field(x, "io_weight") && !json_object_is_type(field(x, "io_weight"), json_type_null))
                TRY(get_u64(r, x, "io_weight", CG_WEIGHT_MAX, &p->limits.io_weight));

        TRY(get_obj(r, o, "service", &x));
        TRY(check_keys(r, x, "service", skeys));
        TRY(get_str(r, x, "restart", false, &restart));
        p->restart = restart_policy_from_string(restart);
        if (p->restart < 0)
                return rfail(r, "service.restart \"%s\" is unknown.", restart);
        TRY(get_u64(r, x, "restart_usec", UINT64_MAX, &p->restart_usec));
        TRY(get_u64(r, x, "restart_steps", RESTART_COUNT_MAX, &v));
        p->restart_steps = (unsigned) v;
        TRY(get_u64(r, x, "restart_max_delay_usec", UINT64_MAX, &p->restart_max_delay_usec));
        TRY(get_u64(r, x, "start_limit_burst", RESTART_COUNT_MAX, &v));
        p->start_limit_burst = (unsigned) v;
        TRY(get_u64(r, x, "start_limit_interval_usec", UINT64_MAX, &p->start_limit_interval_usec));
        TRY(get_str(r, x, "kill_signal", false, &sig));
        if (parse_signal(sig, &p->kill_signal) < 0)
                return rfail(r, "service.kill_signal \"%s\" is not a signal.", sig);
        TRY(get_u64(r, x, "timeout_stop_usec", UINT64_MAX, &p->timeout_stop_usec));
        TRY(get_bool(r, x, "wanted", &p->wanted));

        TRY(get_u64(r, o, "upper_size", UINT64_MAX - 1, &p->upper_size));
        if (p->read_only != (p->upper_size == 0))
                return rfail(r, "\"upper_size\" must be 0 with a read-only root, and only then.");
        TRY(read_devices(r, o, p));
        TRY(read_sockets(r, o, p));
        return 0;
}

int plan_from_json(const char *text, size_t size, Plan **ret, char **reterr_message) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_tokener *tok;
        Reader r = {};
        int q;

        if (size > PLAN_JSON_SIZE_MAX || memchr(text, 0, size)) {
                if (reterr_message)
                        *reterr_message = strdup("Plan is too large or contains NUL bytes.");
                return -EINVAL;
        }
        tok = json_tokener_new_ex(64);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, text, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != size) {
                /* Whitespace after the object is fine; anything else is not. */
                bool trailing_ok = o && json_tokener_get_error(tok) == json_tokener_success;
                for (size_t i = trailing_ok ? json_tokener_get_parse_end(tok) : size; i < size; i++)
                        if (!strchr(" \t\r\n", text[i]))
                                trailing_ok = false;
                if (!trailing_ok) {
                        if (reterr_message)
                                (void) asprintf_safe(reterr_message, "Invalid JSON: %s.",
                                                     json_tokener_error_desc(json_tokener_get_error(tok)));
                        json_tokener_free(tok);
                        return -EINVAL;
                }
        }
        json_tokener_free(tok);

        p = plan_new();
        if (!p)
                return -ENOMEM;
        q = read_plan(&r, o, p);
        if (q < 0) {
                if (reterr_message)
                        *reterr_message = TAKE_PTR(r.error);
                free(r.error);
                return q;
        }
        if (!p->seccomp_bpf) {
                q = plan_compile_seccomp(p);
                if (q < 0) {
                        if (reterr_message)
                                (void) asprintf_safe(reterr_message, "Cannot compile the seccomp filter: %s.", strerror(-q));
                        return q;
                }
        }
        *ret = TAKE_PTR(p);
        return 0;
}
