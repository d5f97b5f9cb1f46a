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
                add(w, x, "host_address", j_str(w, port_mapping_host(&n->ports[i], addr)));
                add(w, x, "host_port", j_i64(w, n->ports[i].host_port));
                add(w, x, "container_port", j_i64(w, n->ports[i].container_port));
                append(w, a, x);
        }
        add(w, o, "ports", a);
        return o;
}

/* The parts of a plan that are more than a value: written by these, read
 * by the read_*() functions below, both named by the field table. Each
 * returns 1 to add its value (NULL: JSON null), 0 to leave the key out. */

static int w_format(JsonWriter *w, const Plan *p, json_object **ret) {
        *ret = j_i64(w, PLAN_FORMAT_VERSION);
        return 1;
}

static int w_network_service(JsonWriter *w, const Plan *p, json_object **ret) {
        if (p->network != NETWORK_SERVICE)
                return 0;
        *ret = j_str(w, p->network_service);
        return 1;
}

static int w_layers(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *a = j_array(w), *x;

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
        *ret = a;
        return 1;
}

static int w_mounts(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *a = j_array(w), *x;

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
        *ret = a;
        return 1;
}

static int w_supplementary_gids(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *a = j_array(w);

        for (size_t i = 0; i < p->n_supplementary_gids; i++)
                append(w, a, j_i64(w, p->supplementary_gids[i]));
        *ret = a;
        return 1;
}

static int w_rlimits(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *rl = j_object(w), *x;

        for (int i = 0; i < RLIMIT_NLIMITS; i++) {
                if (!p->rlimits[i].set || !rlimit_to_name(i))
                        continue;
                x = j_object(w);
                add(w, x, "soft", j_u64(w, p->rlimits[i].soft));
                add(w, x, "hard", j_u64(w, p->rlimits[i].hard));
                add(w, rl, rlimit_to_name(i), x);
        }
        *ret = rl;
        return 1;
}

static int w_seccomp(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *sc = j_object(w), *a, *x;

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
                        w->oom = true;
                add(w, sc, "bpf", b ? j_string(w, b) : NULL);
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
        *ret = sc;
        return 1;
}

static int w_kill_signal(JsonWriter *w, const Plan *p, json_object **ret) {
        char num[16];

        if (signal_to_name(p->kill_signal)) {
                *ret = j_str(w, signal_to_name(p->kill_signal));
                return 1;
        }
        /* Real-time signals have no name of their own: their number. */
        (void) snprintf(num, sizeof(num), "%d", p->kill_signal);
        *ret = j_str(w, num);
        return 1;
}

static int w_devices(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *a = j_array(w), *x;

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
        *ret = a;
        return 1;
}

static int w_net(JsonWriter *w, const Plan *p, json_object **ret) {
        if (p->network != NETWORK_PRIVATE)
                return 0;
        *ret = j_net(w, &p->net);
        return 1;
}

static int w_sockets(JsonWriter *w, const Plan *p, json_object **ret) {
        json_object *a = j_array(w), *x;

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
        *ret = a;
        return 1;
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

/* An IPv4 address, or an IPv6 one that the unit parser lets through (so
 * never ::1: see PublishPort= in unit-parse.c). */
static int read_port_host(Reader *r, json_object *pj, size_t i, PlanPort *pp) {
        _cleanup_free_ char *host = NULL;
        unsigned len;

        TRY(get_str(r, pj, "host_address", false, &host));
        if (!strchr(host, ':'))
                return in4_addr_from_string(host, &pp->host_address) < 0 ?
                        rfail(r, "net.ports[%zu].host_address is not an IP address.", i) : 0;
        if (in6_prefix_from_string(host, false, &pp->host_address6, &len) < 0 || len != 128 || strchr(host, '/') ||
            IN6_IS_ADDR_LOOPBACK(&pp->host_address6) || IN6_IS_ADDR_LINKLOCAL(&pp->host_address6) ||
            IN6_IS_ADDR_MULTICAST(&pp->host_address6) || IN6_IS_ADDR_V4MAPPED(&pp->host_address6))
                return rfail(r, "net.ports[%zu].host_address is not an IP address that can be published.", i);
        pp->host_ipv6 = true;
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
                TRY(read_port_host(r, pj, i, pp));
                if (pp->host_ipv6 && n->prefixlen6 == 0)
                        return rfail(r, "net.ports[%zu].host_address is IPv6, and net.subnet6 is null.", i);
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

/* read_*() for the table: o is the object that holds the key. */

static int read_format(Reader *r, json_object *o, Plan *p) {
        uint64_t v;

        TRY(get_u64(r, o, "format", 1000, &v));
        if (v != PLAN_FORMAT_VERSION)
                return rfail(r, "Unsupported plan format %" PRIu64 " (this sandboxd reads format %d).", v, PLAN_FORMAT_VERSION);
        return 0;
}

static int read_network_service(Reader *r, json_object *o, Plan *p) {
        if (p->network != NETWORK_SERVICE) {
                if (field(o, "network_service"))
                        return rfail(r, "\"network_service\" is only for \"network\": \"service\".");
                return 0;
        }
        TRY(get_str(r, o, "network_service", false, &p->network_service));
        if (!unit_name_is_valid(p->network_service))
                return rfail(r, "\"network_service\" is not a valid unit name.");
        return 0;
}

static int read_net_field(Reader *r, json_object *o, Plan *p) {
        if (p->network != NETWORK_PRIVATE) {
                if (field(o, "net"))
                        return rfail(r, "\"net\" is only for \"network\": \"private\".");
                return 0;
        }
        return read_net(r, o, &p->net);
}

static int read_layers(Reader *r, json_object *o, Plan *p) {
        static const char *const lkeys[] = { "type", "path", "id", "diff_id", "image", "manifest", NULL };
        json_object *a = NULL;

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
        return 0;
}

static int read_supplementary_gids(Reader *r, json_object *o, Plan *p) {
        json_object *a = NULL;
        uint64_t v;

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
        return 0;
}

static int read_rlimits(Reader *r, json_object *o, Plan *p) {
        static const char *const rkeys[] = { "soft", "hard", NULL };
        json_object *x = NULL;

        TRY(get_obj(r, o, "rlimits", &x));
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
        return 0;
}

static int read_kill_signal(Reader *r, json_object *o, Plan *p) {
        _cleanup_free_ char *sig = NULL;

        TRY(get_str(r, o, "kill_signal", false, &sig));
        if (parse_signal(sig, &p->kill_signal) < 0)
                return rfail(r, "service.kill_signal \"%s\" is not a signal.", sig);
        return 0;
}

/* ---- the fields of a plan ----
 *
 * One table says, for every key of the plan's JSON, where its value lives
 * in the Plan and how it is spelt; plan_to_json_object() writes by it,
 * read_plan() reads by it and refuses any key it does not list. A field
 * that is more than a value names its writer and reader. */

typedef enum FieldKind {
        FIELD_STRING,           /* char *; FIELD_NULLABLE: NULL is null */
        FIELD_PATH,             /* char *, absolute and normalized */
        FIELD_STRV,             /* char **; max: how many */
        FIELD_U64,              /* uint64_t up to max; UINT64_MAX is "infinity" when max is UINT64_MAX */
        FIELD_U32,              /* uint32_t up to max */
        FIELD_UNSIGNED,         /* unsigned up to max */
        FIELD_BOOL,
        FIELD_CAPS,             /* uint64_t capability mask, as names */
        FIELD_NAMESPACES,       /* uint64_t namespace mask, as names */
        FIELD_ENUM,             /* an enum with a string table */
        FIELD_OBJECT,           /* an object whose fields are .fields */
        FIELD_CUSTOM,           /* .write and .read */
} FieldKind;

enum {
        FIELD_NULLABLE = 1 << 0,        /* null (or absent) reads as NULL / 0; 0 is written as null */
        FIELD_OPTIONAL = 1 << 1,        /* absent in plans of an older sandboxd: the Plan's default stays */
};

typedef struct Field Field;
struct Field {
        const char *key;
        FieldKind kind;
        size_t offset;                  /* of the value in Plan */
        uint64_t max;
        unsigned flags;
        const Field *fields;            /* FIELD_OBJECT, ending with a NULL key */
        const char *(*to_string)(int v);                        /* FIELD_ENUM */
        int (*from_string)(const char *s);                      /* FIELD_ENUM: < 0 unknown */
        const char *expected;                                   /* FIELD_ENUM: the words, for messages */
        int (*write)(JsonWriter *w, const Plan *p, json_object **ret);  /* FIELD_CUSTOM */
        int (*read)(Reader *r, json_object *o, Plan *p);                /* FIELD_CUSTOM */
};

/* The enums through int, for the table. */
_Static_assert(sizeof(NetworkMode) == sizeof(int) && sizeof(PullPolicy) == sizeof(int) &&
               sizeof(RestartPolicy) == sizeof(int), "FIELD_ENUM stores an int");
#define ENUM_ACCESS(name, type)                                                                         \
        static const char *name##_name(int v) { return name##_to_string((type) v); }                    \
        static int name##_value(const char *s) { return (int) name##_from_string(s); }
ENUM_ACCESS(network_mode, NetworkMode)
ENUM_ACCESS(pull_policy, PullPolicy)
ENUM_ACCESS(restart_policy, RestartPolicy)

#define F(k, kind_, member, ...) { .key = k, .kind = kind_, .offset = offsetof(Plan, member), __VA_ARGS__ }
#define F_ENUM(k, member, name, words, ...)                                                            \
        F(k, FIELD_ENUM, member, .to_string = name##_name, .from_string = name##_value, .expected = words, __VA_ARGS__)
#define F_OBJECT(k, table) { .key = k, .kind = FIELD_OBJECT, .fields = table }
#define F_CUSTOM(k, w_, r_) { .key = k, .kind = FIELD_CUSTOM, .write = w_, .read = r_ }

static const Field uid_map_fields[] = {
        F("base", FIELD_U32, uid_map_base, .max = UINT32_MAX),
        F("count", FIELD_U32, uid_map_count, .max = UINT32_MAX),
        {},
};

static const Field capability_fields[] = {
        F("bounding", FIELD_CAPS, cap_bounding),
        F("permitted", FIELD_CAPS, cap_permitted),
        F("effective", FIELD_CAPS, cap_effective),
        F("inheritable", FIELD_CAPS, cap_inheritable),
        F("ambient", FIELD_CAPS, cap_ambient),
        {},
};

static const Field cgroup_fields[] = {
        F("memory_max", FIELD_U64, limits.memory_max, .max = UINT64_MAX),
        F("memory_high", FIELD_U64, limits.memory_high, .max = UINT64_MAX),
        F("memory_swap_max", FIELD_U64, limits.memory_swap_max, .max = UINT64_MAX),
        F("tasks_max", FIELD_U64, limits.tasks_max, .max = UINT64_MAX),
        F("cpu_quota_per_sec_usec", FIELD_U64, limits.cpu_quota_per_sec_usec, .max = UINT64_MAX),
        F("cpu_weight", FIELD_U64, limits.cpu_weight, .max = CG_WEIGHT_MAX, .flags = FIELD_NULLABLE),
        F("io_weight", FIELD_U64, limits.io_weight, .max = CG_WEIGHT_MAX, .flags = FIELD_NULLABLE),
        {},
};

static const Field service_fields[] = {
        F_ENUM("restart", restart, restart_policy, "no, on-success, on-failure, on-abnormal, on-abort or always"),
        F("restart_usec", FIELD_U64, restart_usec, .max = UINT64_MAX),
        F("restart_steps", FIELD_UNSIGNED, restart_steps, .max = RESTART_COUNT_MAX),
        F("restart_max_delay_usec", FIELD_U64, restart_max_delay_usec, .max = UINT64_MAX),
        F("start_limit_burst", FIELD_UNSIGNED, start_limit_burst, .max = RESTART_COUNT_MAX),
        F("start_limit_interval_usec", FIELD_U64, start_limit_interval_usec, .max = UINT64_MAX),
        F_CUSTOM("kill_signal", w_kill_signal, read_kill_signal),
        F("timeout_stop_usec", FIELD_U64, timeout_stop_usec, .max = UINT64_MAX),
        F("wanted", FIELD_BOOL, wanted),
        {},
};

/* In the order they are written; read in the same order, so that a field
 * may depend on one above it ("net" on "network"). */
static const Field plan_fields[] = {
        F_CUSTOM("format", w_format, read_format),
        F("name", FIELD_STRING, name),
        F("description", FIELD_STRING, description, .flags = FIELD_NULLABLE),
        F("unit_path", FIELD_PATH, unit_path),
        F("dropin_paths", FIELD_STRV, dropin_paths, .max = PLAN_DROPINS_MAX),
        F("policy_path", FIELD_PATH, policy_path),
        F("namespaces", FIELD_NAMESPACES, namespaces),
        F_OBJECT("uid_map", uid_map_fields),
        F("hostname", FIELD_STRING, hostname, .flags = FIELD_NULLABLE),
        F_ENUM("network", network, network_mode, "none, host, private or service"),
        F_CUSTOM("network_service", w_network_service, read_network_service),
        F_CUSTOM("layers", w_layers, read_layers),
        F("read_only", FIELD_BOOL, read_only),
        F_ENUM("pull", pull, pull_policy, "missing, always, never or newer", .flags = FIELD_OPTIONAL),
        F("exposed_ports", FIELD_STRV, exposed_ports, .max = 1024, .flags = FIELD_OPTIONAL),
        F_CUSTOM("mounts", w_mounts, read_mounts),
        F("argv", FIELD_STRV, argv, .max = ARGV_MAX),
        F("environment", FIELD_STRV, environment, .max = PLAN_ENVIRONMENT_MAX),
        F("environment_sources", FIELD_STRV, environment_sources, .max = PLAN_ENVIRONMENT_MAX, .flags = FIELD_OPTIONAL),
        F("working_directory", FIELD_PATH, working_directory),
        F("uid", FIELD_U32, uid, .max = UINT32_MAX - 1),
        F("gid", FIELD_U32, gid, .max = UINT32_MAX - 1),
        F_CUSTOM("supplementary_gids", w_supplementary_gids, read_supplementary_gids),
        F_CUSTOM("rlimits", w_rlimits, read_rlimits),
        F_OBJECT("capabilities", capability_fields),
        F("no_new_privileges", FIELD_BOOL, no_new_privileges),
        F_CUSTOM("seccomp", w_seccomp, read_seccomp),
        F_OBJECT("cgroup", cgroup_fields),
        F_OBJECT("service", service_fields),
        F("upper_size", FIELD_U64, upper_size, .max = UINT64_MAX - 1),
        F_CUSTOM("devices", w_devices, read_devices),
        F_CUSTOM("net", w_net, read_net_field),
        F_CUSTOM("sockets", w_sockets, read_sockets),
        {},
};

#define AT(p, f, type) ((type *) ((uint8_t *) (p) + (f)->offset))
#define AT_CONST(p, f, type) ((type const *) ((const uint8_t *) (p) + (f)->offset))

static json_object *write_fields(JsonWriter *w, const Plan *p, const Field *fields) {
        json_object *o = j_object(w);

        for (const Field *f = fields; f->key; f++) {
                json_object *v = NULL;
                uint64_t n;

                switch (f->kind) {
                case FIELD_STRING:
                case FIELD_PATH:
                        v = j_str(w, *AT_CONST(p, f, char *));
                        break;
                case FIELD_STRV:
                        v = j_strv(w, *AT_CONST(p, f, char **));
                        break;
                case FIELD_U64:
                case FIELD_U32:
                case FIELD_UNSIGNED:
                        n = f->kind == FIELD_U64 ? *AT_CONST(p, f, uint64_t) :
                            f->kind == FIELD_U32 ? *AT_CONST(p, f, uint32_t) : *AT_CONST(p, f, unsigned);
                        /* "infinity" only where the reader takes it. */
                        v = (f->flags & FIELD_NULLABLE) && n == 0 ? NULL :
                            f->max == UINT64_MAX ? j_u64(w, n) : j_i64(w, (int64_t) n);
                        break;
                case FIELD_BOOL:
                        v = j_bool(w, *AT_CONST(p, f, bool));
                        break;
                case FIELD_CAPS:
                        v = j_caps(w, *AT_CONST(p, f, uint64_t));
                        break;
                case FIELD_NAMESPACES:
                        v = j_namespaces(w, *AT_CONST(p, f, uint64_t));
                        break;
                case FIELD_ENUM:
                        v = j_str(w, f->to_string(*AT_CONST(p, f, int)));
                        break;
                case FIELD_OBJECT:
                        v = write_fields(w, p, f->fields);
                        break;
                case FIELD_CUSTOM:
                        if (f->write(w, p, &v) == 0)
                                continue;
                        break;
                }
                add(w, o, f->key, v);
        }
        return o;
}

static int read_fields(Reader *r, json_object *o, const char *where, const Field *fields, Plan *p) {
        /* Every key must be one of the table's: a misspelt field must not be ignored. */
        json_object_object_foreach(o, k, unused) {
                const Field *f = fields;

                (void) unused;
                while (f->key && !streq(f->key, k))
                        f++;
                if (!f->key)
                        return rfail(r, "%s: unknown field \"%s\".", where, k);
        }

        for (const Field *f = fields; f->key; f++) {
                json_object *v = field(o, f->key);
                _cleanup_free_ char *s = NULL;
                uint64_t n;
                int e;

                if ((f->flags & FIELD_OPTIONAL) && !v)
                        continue;
                if ((f->flags & FIELD_NULLABLE) && (!v || json_object_is_type(v, json_type_null)) &&
                    (f->kind == FIELD_U64 || f->kind == FIELD_U32 || f->kind == FIELD_UNSIGNED)) {
                        n = 0;
                        goto store_number;
                }

                switch (f->kind) {
                case FIELD_STRING:
                        TRY(get_str(r, o, f->key, f->flags & FIELD_NULLABLE, AT(p, f, char *)));
                        break;
                case FIELD_PATH:
                        TRY(get_path(r, o, f->key, f->flags & FIELD_NULLABLE, AT(p, f, char *)));
                        break;
                case FIELD_STRV:
                        TRY(get_strv(r, o, f->key, f->max, AT(p, f, char **)));
                        break;
                case FIELD_U64:
                case FIELD_U32:
                case FIELD_UNSIGNED:
                        TRY(get_u64(r, o, f->key, f->max, &n));
                store_number:
                        if (f->kind == FIELD_U64)
                                *AT(p, f, uint64_t) = n;
                        else if (f->kind == FIELD_U32)
                                *AT(p, f, uint32_t) = (uint32_t) n;
                        else
                                *AT(p, f, unsigned) = (unsigned) n;
                        break;
                case FIELD_BOOL:
                        TRY(get_bool(r, o, f->key, AT(p, f, bool)));
                        break;
                case FIELD_CAPS:
                        TRY(get_caps(r, o, f->key, AT(p, f, uint64_t)));
                        break;
                case FIELD_NAMESPACES:
                        TRY(get_namespaces(r, o, f->key, AT(p, f, uint64_t)));
                        break;
                case FIELD_ENUM:
                        TRY(get_str(r, o, f->key, false, &s));
                        e = f->from_string(s);
                        if (e < 0)
                                return streq(where, "plan") ? rfail(r, "\"%s\" must be %s.", f->key, f->expected)
                                                            : rfail(r, "%s.%s \"%s\" must be %s.", where, f->key, s, f->expected);
                        *AT(p, f, int) = e;
                        break;
                case FIELD_OBJECT: {
                        json_object *x = NULL;

                        TRY(get_obj(r, o, f->key, &x));
                        TRY(read_fields(r, x, f->key, f->fields, p));
                        break;
                }
                case FIELD_CUSTOM:
                        TRY(f->read(r, o, p));
                        break;
                }
        }
        return 0;
}

int plan_to_json_object(const Plan *p, struct json_object **ret) {
        JsonWriter writer = {};
        _cleanup_json_ json_object *o = NULL;

        o = write_fields(&writer, p, plan_fields);
        if (!o || writer.oom)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* What no single field can check: the values against each other. */
static int check_plan(Reader *r, const Plan *p) {
        if (!filename_is_valid(p->name))
                return rfail(r, "\"name\" is not a valid unit name.");
        if (!p->argv[0] || !path_is_normalized_absolute(p->argv[0]))
                return rfail(r, "\"argv\" must start with an absolute program path.");
        STRV_FOREACH(e, p->environment)
                if (!strchr(*e, '=') || **e == '=')
                        return rfail(r, "\"environment\" entries must be NAME=value.");
        STRV_FOREACH(e, p->environment_sources)
                if (!strchr(*e, '=') || **e == '=' || !path_is_absolute(strchr(*e, '=') + 1))
                        return rfail(r, "\"environment_sources\" entries must be NAME=/path.");
        if ((p->cap_permitted | p->cap_ambient) & ~p->cap_bounding || p->cap_effective & ~p->cap_permitted ||
            p->cap_ambient & ~(p->cap_permitted & p->cap_inheritable))
                return rfail(r, "\"capabilities\" are inconsistent (permitted and ambient within bounding, effective within permitted, ambient within permitted and inheritable).");
        if (p->read_only != (p->upper_size == 0))
                return rfail(r, "\"upper_size\" must be 0 with a read-only root, and only then.");
        return 0;
}

static int read_plan(Reader *r, json_object *o, Plan *p) {
        if (!json_object_is_type(o, json_type_object))
                return rfail(r, "The plan must be a JSON object.");
        /* The version before anything else: a newer plan's other fields
         * would be reported as unknown. */
        if (field(o, "format"))
                TRY(read_format(r, o, p));
        TRY(read_fields(r, o, "plan", plan_fields, p));
        return check_plan(r, p);
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
