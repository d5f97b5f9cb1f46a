/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl image pull|import|list|inspect|rm|prune: the local store, worked
 * on directly (root only: the store is root's 0700). Writers take the
 * store's lock, so they wait for an import sandboxd is doing. */

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl-common.h"
#include "ctl-format.h"
#include "image-gc.h"
#include "image-import.h"
#include "image-pull.h"
#include "parse-util.h"
#include "image-store.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

static void help(void) {
        printf("sandboxctl image pull [--tls-verify=false] REF\n"
               "sandboxctl image import FILE|DIR|REF [NAME[:TAG]]\n"
               "sandboxctl image list [--json]\n"
               "sandboxctl image inspect [--json] REF\n"
               "sandboxctl image rm REF...\n"
               "sandboxctl image prune\n\n"
               "The local image store (%s).\n\n"
               "  pull     Pull an image from a registry into the store\n"
               "  import   Import an OCI layout directory, an OCI archive or docker save\n"
               "           output (oci:, oci-archive:, docker-archive: REF forms too)\n"
               "  list     Every image: name, tag, digest, size, the services using it\n"
               "  inspect  An image's manifest, config and layers\n"
               "  rm       Remove an image's name, and its data no other name uses;\n"
               "           refused while a service that is not stopped runs it\n"
               "  prune    Remove what no name and no running service uses, and the\n"
               "           unused trees of the tarball cache\n\n"
               "  --json      Print JSON\n"
               "  --tls-verify=BOOL  false: no certificate checks, plain http allowed\n"
               "  -h --help   Show this help\n", image_store_dir());
}

static int parse_ref(const char *arg, ImageRef **ret) {
        const char *why = NULL;
        int r;

        r = image_ref_parse(arg, ret, &why);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Invalid image reference \"%s\": %s.", arg, why);
        return 0;
}

static int image_import_verb(int argc, char *argv[]) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL, *name = NULL;
        _cleanup_free_ char *digest = NULL, *guessed = NULL;
        const char *why = NULL, *arg;
        ImageError e = {};
        int r;

        if (argc < 2 || argc > 3)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image import takes FILE|DIR|REF [NAME[:TAG]].");
        arg = argv[1];
        if (arg[0] == '/' || startswith(arg, "./") || startswith(arg, "../") || access(arg, F_OK) >= 0) {
                _cleanup_free_ char *abs = realpath(arg, NULL);
                ImageRefType t;

                if (!abs)
                        return log_error_errno(negative_errno(), "%s: %m", arg);
                r = image_import_guess(abs, &t);
                if (r == -EMEDIUMTYPE)
                        return log_error_errno(r, "%s: neither an OCI layout, an OCI archive nor docker save output.",
                                               arg);
                if (r < 0)
                        return log_error_errno(r, "%s: %m", arg);
                guessed = strjoin(image_ref_type_to_string(t), ":", abs);
                if (!guessed)
                        return log_oom();
                arg = guessed;
        }
        r = parse_ref(arg, &ref);
        if (r < 0)
                return r;
        if (argc == 3) {
                r = image_ref_parse_registry(argv[2], &name, &why);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0 || name->digest)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid image name \"%s\": %s.", argv[2],
                                               why ?: "a name has no digest");
        }
        r = image_import(image_store_dir(), ref, name ? name->string : NULL, &digest, &e);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s: %s", ref->string, e.msg);
        printf("%s %s%s%s\n", digest, ref->string, name ? " as " : "", name ? name->string : "");
        return 0;
}

/* On a terminal: one line per blob, redrawn in place at most 10 times a
 * second (every chunk curl hands over would flood the terminal). */
typedef struct TtyBar {
        char digest[sizeof("sha256:") + 12];
        const char *what;
        uint64_t done, size;
        const char *state;      /* NULL: downloading */
} TtyBar;

typedef struct TtyProgress {
        TtyBar bars[64];
        size_t n, drawn;
        uint64_t last;
} TtyProgress;

static TtyBar *tty_bar(TtyProgress *t, const char *what, const char *digest) {
        for (size_t i = 0; i < t->n; i++)
                if (strneq(t->bars[i].digest, digest, sizeof(t->bars[i].digest) - 1))
                        return &t->bars[i];
        if (t->n >= ELEMENTSOF(t->bars))
                return NULL;
        TtyBar *b = &t->bars[t->n++];
        *b = (TtyBar) { .what = what };
        strncpy(b->digest, digest, sizeof(b->digest) - 1);
        return b;
}

static void tty_draw(TtyProgress *t, bool force) {
        struct timespec ts;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;

        if (!force && now - t->last < 100 * USEC_PER_MSEC)
                return;
        t->last = now;
        if (t->drawn > 0)
                printf("\033[%zuA", t->drawn);
        for (size_t i = 0; i < t->n; i++) {
                const TtyBar *b = &t->bars[i];
                char d[CTL_FORMAT_MAX], s[CTL_FORMAT_MAX], bar[31];
                size_t fill = b->size > 0 ? (size_t) (MIN(b->done, b->size) * 30 / b->size) : 30;

                memset(bar, '=', fill);
                memset(bar + fill, ' ', 30 - fill);
                bar[30] = '\0';
                printf("\r\033[2KCopying %s %s... [%s] %s / %s%s%s\n", b->what, b->digest, bar,
                       ctl_format_bytes(d, b->done), ctl_format_bytes(s, b->size), b->state ? " " : "",
                       strempty(b->state));
        }
        t->drawn = t->n;
        fflush(stdout);
}

static void tty_bytes(void *userdata, const char *what, const char *digest, uint64_t done, uint64_t size) {
        TtyProgress *t = userdata;
        TtyBar *b = tty_bar(t, what, digest);

        if (!b)
                return;
        b->done = done;
        b->size = size;
        tty_draw(t, false);
}

static void tty_progress(void *userdata, const char *what, const char *digest, uint64_t size, uint64_t resumed_from,
                         bool present) {
        TtyProgress *t = userdata;
        TtyBar *b = tty_bar(t, what, digest);

        if (!b)
                return;
        b->done = b->size = size;
        b->state = present ? "skipped: already in the store" : resumed_from > 0 ? "done (resumed)" : "done";
        tty_draw(t, true);
}

static int image_pull_verb(int argc, char *argv[], bool tls_verify) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        _cleanup_free_ char *digest = NULL;
        _cleanup_(image_pull_config_done) ImagePullConfig c = {};
        _cleanup_free_ char *text = NULL;
        RegistryOptions o;
        const char *why = NULL;
        ImageError e = {};
        int r;

        if (argc != 2)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image pull takes one REF.");
        r = image_ref_parse_registry(argv[1], &ref, &why);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Invalid image reference \"%s\": %s.", argv[1], why);
        r = image_pull_config_load(NULL, &c, &text);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", text);
        c.tls_verify = tls_verify;
        image_pull_config_options(&c, ref, &o);
        if (isatty(STDOUT_FILENO)) {
                TtyProgress t = {};

                r = image_pull(image_store_dir(), ref, &o, tty_progress, tty_bytes, &t, &digest, &e);
        } else
                r = image_pull(image_store_dir(), ref, &o, ctl_pull_progress, NULL, stdout, &digest, &e);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s: %s", ref->string, e.msg);
        printf("%s %s\n", digest, ref->string);
        return 0;
}

/* Resolves a reference, a tag, or a bare manifest digest. */
static int resolve(const char *arg, char **ret_digest, ImageError *e) {
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        int r;

        if (oci_digest_hex(arg)) {
                *ret_digest = strdup(arg);
                return *ret_digest ? 0 : log_oom();
        }
        r = parse_ref(arg, &ref);
        if (r < 0)
                return r;
        if (ref->type == IMAGE_REF_PATH)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s is a plain image path, not in the store.", arg);
        r = image_store_resolve(image_store_dir(), ref, ret_digest, e);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", e->msg);
        return 0;
}

/* The services whose plans name the image's manifest. */
static int users_of(const char *digest, const ImageUse *uses, size_t n_uses, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < n_uses; i++)
                if (strv_contains(uses[i].manifests, digest) && strv_extend(&l, uses[i].service) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int image_list_verb(bool json) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_json_ json_object *a = json_object_new_array();
        ImageUse *uses = NULL;
        size_t n_uses = 0;
        ImageError e = {};
        int r;

        if (!a)
                return log_oom();
        r = image_store_index_load(image_store_dir(), &x, &e);
        if (r < 0)
                return log_error_errno(r, "%s", e.msg);
        r = image_uses_load(&uses, &n_uses);
        if (r < 0)
                log_warning_errno(r, "Cannot read the services sandboxd knows, ignoring: %m");
        if (!json)
                printf("%-40s %-12s %-19s %9s  %s\n", "NAME", "TAG", "DIGEST", "SIZE", "USED BY");
        for (size_t i = 0; i < x.n_tags + x.n_sources; i++) {
                bool tag = i < x.n_tags;
                const char *name = tag ? x.tags[i].name : x.sources[i - x.n_tags].source;
                const char *digest = tag ? x.tags[i].manifest : x.sources[i - x.n_tags].manifest;
                _cleanup_(image_info_freep) ImageInfo *info = NULL;
                _cleanup_strv_free_ char **users = NULL;
                _cleanup_free_ char *n = strdup(name), *joined = NULL;
                const char *t = "-";
                char *colon, b[CTL_FORMAT_MAX];

                if (!n)
                        return log_oom();
                /* The tag is what follows the last ':' after the last '/'. */
                colon = strrchr(n, ':');
                if (tag && colon && colon > strrchr(n, '/') && !strchr(n, '@')) {
                        *colon = '\0';
                        t = colon + 1;
                }
                (void) image_store_load(image_store_dir(), digest, &info, &e);
                if (users_of(digest, uses, n_uses, &users) < 0)
                        return log_oom();
                if (json) {
                        json_object *o = json_object_new_object();

                        if (!o)
                                return log_oom();
                        json_object_object_add(o, "name", json_object_new_string(n));
                        json_object_object_add(o, "tag", tag && t[0] != '-' ? json_object_new_string(t) : NULL);
                        json_object_object_add(o, "source", tag ? NULL : json_object_new_string(name));
                        json_object_object_add(o, "digest", json_object_new_string(digest));
                        json_object_object_add(o, "size", info ? json_object_new_int64((int64_t) info->size) : NULL);
                        json_object *u = json_object_new_array();
                        STRV_FOREACH(s, users)
                                json_object_array_add(u, json_object_new_string(*s));
                        json_object_object_add(o, "used_by", u);
                        json_object_array_add(a, o);
                        continue;
                }
                joined = strv_join(users, ",");
                printf("%-40s %-12s %-19.19s %9s  %s\n", n, t, digest, info ? ctl_format_bytes(b, info->size) : "?",
                       joined && joined[0] ? joined : "-");
        }
        if (json)
                printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        image_uses_free(uses, n_uses);
        return 0;
}

static void print_strv(const char *label, char **l) {
        _cleanup_free_ char *j = strv_join(l, " ");

        if (l)
                printf("  %-12s %s\n", label, j ?: "?");
}

static int image_inspect_verb(const char *arg, bool json) {
        _cleanup_(image_info_freep) ImageInfo *info = NULL;
        _cleanup_free_ char *digest = NULL, *m = NULL, *c = NULL;
        ImageError e = {};
        size_t ms, cs;
        int r;

        r = resolve(arg, &digest, &e);
        if (r < 0)
                return r;
        r = image_store_load(image_store_dir(), digest, &info, &e);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s: %s", arg, e.msg);
        if (json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object *layers = json_object_new_array();

                if (!o || !layers)
                        return log_oom();
                r = image_store_read_blob(image_store_dir(), digest, IMAGE_JSON_MAX, &m, &ms, &e);
                if (r >= 0)
                        r = image_store_read_blob(image_store_dir(), info->manifest.config.digest, IMAGE_JSON_MAX, &c,
                                                  &cs, &e);
                if (r < 0)
                        return log_error_errno(r, "%s: %s", arg, e.msg);
                json_object_object_add(o, "digest", json_object_new_string(digest));
                json_object_object_add(o, "manifest", json_tokener_parse(m));
                json_object_object_add(o, "config", json_tokener_parse(c));
                for (size_t i = 0; i < info->manifest.n_layers; i++) {
                        json_object *l = json_object_new_object();
                        _cleanup_free_ char *p = image_store_layer_path(image_store_dir(), info->config.diff_ids[i]);

                        json_object_object_add(l, "digest", json_object_new_string(info->manifest.layers[i].digest));
                        json_object_object_add(l, "diff_id", json_object_new_string(info->config.diff_ids[i]));
                        json_object_object_add(l, "size", json_object_new_int64(info->manifest.layers[i].size));
                        json_object_object_add(l, "path", p ? json_object_new_string(p) : NULL);
                        json_object_array_add(layers, l);
                }
                json_object_object_add(o, "layers", layers);
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        printf("Image %s\n", arg);
        printf("  %-12s %s\n", "Digest:", digest);
        printf("  %-12s %s\n", "Config:", info->manifest.config.digest);
        printf("  %-12s %s/%s\n", "Platform:", info->config.os, info->config.architecture);
        print_strv("Entrypoint:", info->config.entrypoint);
        print_strv("Cmd:", info->config.cmd);
        print_strv("Env:", info->config.env);
        if (info->config.working_dir)
                printf("  %-12s %s\n", "WorkingDir:", info->config.working_dir);
        if (info->config.user)
                printf("  %-12s %s\n", "User:", info->config.user);
        if (info->config.stop_signal)
                printf("  %-12s %s\n", "StopSignal:", info->config.stop_signal);
        print_strv("Ports:", info->config.exposed_ports);
        for (size_t i = 0; i < info->manifest.n_layers; i++) {
                char b[CTL_FORMAT_MAX];

                printf("  Layer %-6zu %s %s\n               diff_id %s\n", i,
                       ctl_format_bytes(b, (uint64_t) info->manifest.layers[i].size), info->manifest.layers[i].digest,
                       info->config.diff_ids[i]);
        }
        return 0;
}

static void print_freed(const char *what, const ImageGcStats *s) {
        char b[CTL_FORMAT_MAX];

        printf("%s%sfreed %s: %" PRIu64 " blobs, %" PRIu64 " layers, %" PRIu64 " tarball trees\n", what ?: "",
               what ? ": " : "Pruned: ", ctl_format_bytes(b, s->bytes), s->blobs, s->layers, s->trees);
}

static int image_rm_verb(int argc, char *argv[]) {
        int ret = 0;

        if (argc < 2)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image rm takes one or more REF.");
        for (int i = 1; i < argc; i++) {
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                ImageGcStats s = {};
                ImageError e = {};
                int r;

                if (oci_digest_hex(argv[i])) {
                        _cleanup_free_ char *a = strjoin("x@", argv[i]);

                        if (!a)
                                return log_oom();
                        r = image_ref_parse_registry(a, &ref, NULL);
                        if (r >= 0) {
                                ref->registry_tag = mfree(ref->registry_tag);
                                free(ref->string);
                                ref->string = strdup(argv[i]);
                                if (!ref->string)
                                        return log_oom();
                        }
                } else
                        r = parse_ref(argv[i], &ref);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                r = image_store_rm(image_store_dir(), ref, &s, &e);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        ret = log_error_errno(r, "Cannot remove %s: %s.", ref->string, e.msg);
                        continue;
                }
                print_freed(ref->string, &s);
        }
        return ret;
}

static int image_prune_verb(void) {
        _cleanup_free_ char *legacy = strjoin(SANDBOXD_STATE_DIR, "/images");
        ImageGcStats s = {};
        ImageError e = {};
        int r;

        if (!legacy)
                return log_oom();
        r = image_store_prune(image_store_dir(), legacy, &s, &e);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Cannot prune the store: %s.", e.msg);
        print_freed(NULL, &s);
        return 0;
}

int verb_image(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_TLS_VERIFY };
        /* Like every verb's, this table and its getopt loop stay in the verb's
         * body: test-man-pages.sh and test-completions.sh read the options
         * from here, and the cases after -h and --json are the verb's own. */
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                { "tls-verify", required_argument, NULL, ARG_TLS_VERIFY },
                {}
        };
        bool json = false, tls_verify = true;
        const char *sub;
        int c, r;

        /* "image VERB ...": options may come after the sub-verb. */
        if (argc < 2 || streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help();
                return argc < 2 ? -EINVAL : 0;
        }
        sub = argv[1];
        argc--;
        argv++;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_TLS_VERIFY:
                        r = parse_boolean(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --tls-verify=%s: not a boolean.", optarg);
                        tls_verify = r;
                        break;
                default:
                        return -EINVAL;
                }
        argv[optind - 1] = argv[0];
        argc -= optind - 1;
        argv += optind - 1;

        if (streq(sub, "pull"))
                return image_pull_verb(argc, argv, tls_verify);
        if (streq(sub, "import"))
                return image_import_verb(argc, argv);
        if (streq(sub, "list") || streq(sub, "ls")) {
                if (argc != 1)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image list takes no argument.");
                return image_list_verb(json);
        }
        if (streq(sub, "inspect")) {
                if (argc != 2)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image inspect takes one REF.");
                return image_inspect_verb(argv[1], json);
        }
        if (streq(sub, "rm"))
                return image_rm_verb(argc, argv);
        if (streq(sub, "prune")) {
                if (argc != 1)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "image prune takes no argument.");
                return image_prune_verb();
        }
        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Unknown image verb \"%s\" (pull, import, list, inspect, rm, prune).",
                               sub);
}
