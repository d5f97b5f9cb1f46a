/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The registry client (src/image/registry-client.c) on its own, for
 * test-registry-client.sh against a real registry:
 *
 *   registry-get [--insecure] [--certs DIR] [--auth FILE] [--parallel N]
 *                [--retries N] HOST REPO REF OUTDIR
 *
 * Writes the manifest to OUTDIR/manifest and prints "media-type: T". If it
 * is an image manifest, downloads its config and layers to OUTDIR/<hex>
 * (resuming from OUTDIR/<hex> if it is there and shorter than the blob)
 * and prints "blob: DIGEST SIZE RESUMED-FROM" for each. Whether the bytes
 * hash to the digest is the test's to check (sha256sum): the client is
 * transport only. On failure: "error: <the client's sentence>", exit 1. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "registry-client.h"

typedef struct Sink {
        int fd;
} Sink;

static int sink_write(void *userdata, const void *data, size_t size) {
        Sink *s = userdata;
        const char *p = data;

        while (size > 0) {
                ssize_t k = write(s->fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                size -= (size_t) k;
        }
        return 0;
}

static int sink_rewind(void *userdata) {
        Sink *s = userdata;

        if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
                return -errno;
        return 0;
}

static int fail_client(RegistryClient *c, int r) {
        fprintf(stderr, "error: %s (%s)\n", registry_client_error(c), strerror(-r));
        registry_client_free(c);
        return EXIT_FAILURE;
}

int main(int argc, char *argv[]) {
        RegistryOptions o = { .tls_verify = true };
        unsigned parallel = 0;
        RegistryClient *c = NULL;
        char *body = NULL, *type = NULL, path[4096];
        size_t size;
        int r, opt;
        static const struct option options[] = {
                { "insecure", no_argument, NULL, 'k' },
                { "certs", required_argument, NULL, 'c' },
                { "auth", required_argument, NULL, 'a' },
                { "parallel", required_argument, NULL, 'p' },
                { "retries", required_argument, NULL, 'r' },
                {}
        };

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (opt) {
                case 'k': o.tls_verify = false; break;
                case 'c': o.certs_dir = optarg; break;
                case 'a': o.auth_file = optarg; break;
                case 'p': parallel = (unsigned) atoi(optarg); break;
                case 'r': o.max_retries = (unsigned) atoi(optarg); break;
                default: return 2;
                }
        if (argc - optind != 4) {
                fprintf(stderr, "usage: %s [options] HOST REPO REF OUTDIR\n", argv[0]);
                return 2;
        }
        o.backoff_usec = 50 * 1000;     /* keep the retry tests short */
        const char *host = argv[optind], *repo = argv[optind + 1], *ref = argv[optind + 2], *out = argv[optind + 3];

        r = registry_client_new(host, repo, &o, &c);
        if (r < 0) {
                fprintf(stderr, "error: registry_client_new: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = registry_get_manifest(c, ref, &body, &size, &type);
        if (r < 0)
                return fail_client(c, r);
        printf("scheme: %s\nmedia-type: %s\n", registry_client_scheme(c), type);
        snprintf(path, sizeof(path), "%s/manifest", out);
        FILE *f = fopen(path, "we");
        if (!f || fwrite(body, 1, size, f) != size || fclose(f) != 0) {
                perror(path);
                return EXIT_FAILURE;
        }

        json_object *m = json_tokener_parse(body), *cfg, *layers;
        if (!m || !json_object_object_get_ex(m, "config", &cfg) || !json_object_object_get_ex(m, "layers", &layers)) {
                /* An index: the test reads it itself. */
                json_object_put(m);
                free(body);
                free(type);
                registry_client_free(c);
                return EXIT_SUCCESS;
        }

        size_t n = json_object_array_length(layers) + 1;
        RegistryBlob *blobs = calloc(n, sizeof(RegistryBlob));
        Sink *sinks = calloc(n, sizeof(Sink));
        if (!blobs || !sinks)
                return EXIT_FAILURE;
        for (size_t i = 0; i < n; i++) {
                json_object *d = i == 0 ? cfg : json_object_array_get_idx(layers, i - 1), *dg, *sz;
                struct stat st;

                if (!json_object_object_get_ex(d, "digest", &dg) || !json_object_object_get_ex(d, "size", &sz))
                        return EXIT_FAILURE;
                blobs[i].digest = json_object_get_string(dg);
                blobs[i].size = (uint64_t) json_object_get_int64(sz);
                snprintf(path, sizeof(path), "%s/%s", out, blobs[i].digest + strlen("sha256:"));
                sinks[i].fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (sinks[i].fd < 0 || fstat(sinks[i].fd, &st) < 0) {
                        perror(path);
                        return EXIT_FAILURE;
                }
                blobs[i].offset = (uint64_t) st.st_size <= blobs[i].size ? (uint64_t) st.st_size : 0;
                if ((uint64_t) st.st_size > blobs[i].size && ftruncate(sinks[i].fd, 0) < 0)
                        return EXIT_FAILURE;
                blobs[i].write = sink_write;
                blobs[i].rewind = sink_rewind;
                blobs[i].userdata = &sinks[i];
        }
        r = registry_get_blobs(c, blobs, n, parallel);
        for (size_t i = 0; i < n; i++)
                printf("blob: %s %" PRIu64 " %" PRIu64 " %d\n", blobs[i].digest, blobs[i].size, blobs[i].offset,
                       blobs[i].result);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        close(sinks[i].fd);
                json_object_put(m);
                free(blobs);
                free(sinks);
                free(body);
                free(type);
                return fail_client(c, r);
        }
        for (size_t i = 0; i < n; i++)
                close(sinks[i].fd);
        json_object_put(m);
        free(blobs);
        free(sinks);
        free(body);
        free(type);
        registry_client_free(c);
        return EXIT_SUCCESS;
}
