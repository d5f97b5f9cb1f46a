/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Import of the local forms.
 *
 *   oci:PATH          blobs are copied from PATH/blobs/sha256/ as the
 *                     index, manifest and config name them
 *   oci-archive:PATH  the tar is read once, front to back: every regular
 *   docker-archive:   file is written to the store as a blob under the
 *                     digest computed while writing it (a member named
 *                     blobs/sha256/HEX must hash to HEX), the small JSON
 *                     members are kept in memory; then the image is
 *                     resolved from index.json (OCI) or manifest.json
 *                     (docker save, both the legacy shape with
 *                     HEX/layer.tar and Docker 25+'s blobs/sha256/HEX)
 *
 * A docker-archive has no manifest blob: one is written, in OCI form,
 * from its config and layers, so every image in the store is a manifest
 * digest. */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlopen-archive.h"
#include "fileio.h"
#include "fs-util.h"
#include "image-import.h"
#include "image-store.h"
#include "layer-unpack.h"
#include "string-util.h"
#include "strv.h"
#include "unit.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

#define MEMBERS_MAX 4096

typedef struct Member {
        char *path;
        char hex[SHA256_HEX_SIZE];
        uint64_t size;
} Member;

typedef struct Import {
        const char *store;
        const ImageRef *ref;
        int store_fd, blobs_fd, layers_fd;
        int layout_fd;          /* oci: */
        Member *members;        /* archives */
        size_t n_members;
        char *index_json, *manifest_json;
        size_t index_size, manifest_size;
        const ImageInfo *info;  /* while its layers are unpacked */
} Import;

static void import_done(Import *im) {
        safe_close(im->blobs_fd);
        safe_close(im->layers_fd);
        safe_close(im->layout_fd);
        for (size_t i = 0; i < im->n_members; i++)
                free(im->members[i].path);
        free(im->members);
        free(im->index_json);
        free(im->manifest_json);
}

/* The mount points the launcher needs in a root it cannot write: images
 * from registries rarely have /proc or /sys (docker and podman make them in
 * a writable copy). The compiler puts this below every store image. */
static int skeleton_make(int store_fd) {
        static const struct {
                const char *name;
                mode_t mode;
        } dirs[] = { { "dev", 0755 }, { "proc", 0555 }, { "sys", 0555 }, { "run", 0755 }, { "tmp", 01777 } };
        _cleanup_close_ int fd = -EBADF;
        char tmp[32];
        int r = 0;

        if (faccessat(store_fd, IMAGE_STORE_SKELETON, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 0;
        snprintf(tmp, sizeof(tmp), ".tmp-skeleton-%d", (int) getpid());
        (void) rm_rf_at(store_fd, tmp);
        if (mkdirat(store_fd, tmp, 0755) < 0)
                return negative_errno();
        fd = openat(store_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                r = negative_errno();
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++)
                if (mkdirat(fd, dirs[i].name, 0700) < 0 || fchmodat(fd, dirs[i].name, dirs[i].mode, 0) < 0)
                        r = negative_errno();
        if (r >= 0 && fchmod(fd, 0755) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(store_fd, tmp, store_fd, IMAGE_STORE_SKELETON) < 0 && errno != EEXIST && errno != ENOTEMPTY)
                r = negative_errno();
        if (faccessat(store_fd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                (void) rm_rf_at(store_fd, tmp);
        return r;
}

int image_store_open_locked(const char *store, int *ret_fd, int *ret_lock_fd, ImageError *e) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int fd = -EBADF, pfd = -EBADF, lock = -EBADF;
        struct stat st;
        char *slash;
        int r;

        parent = strdup(store);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash && slash != parent)
                *slash = '\0';
        r = mkdir_p(parent, 0755);
        if (r < 0)
                return image_error(e, r, "cannot create %s: %s", parent, strerror(-r));
        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0 || fstat(pfd, &st) < 0)
                return image_error(e, negative_errno(), "cannot open %s: %m", parent);
        if (st.st_uid != 0 || (st.st_mode & 0022))
                /* Whoever may rename entries there can put a store of theirs in place. */
                return image_error(e, -EPERM, "refusing the image store in %s: it is owned by uid %u with mode %04o, "
                                   "and must be root's and writable by root only", parent, (unsigned) st.st_uid,
                                   (unsigned) (st.st_mode & 07777));
        if (mkdir(store, 0700) < 0 && errno != EEXIST)
                return image_error(e, negative_errno(), "cannot create the image store %s: %m", store);
        fd = open(store, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return image_error(e, negative_errno(), "cannot open the image store %s: %m", store);
        if (st.st_uid != 0 || (st.st_mode & 0077))
                return image_error(e, -EPERM, "refusing the image store %s: it is owned by uid %u with mode %04o, "
                                   "and must be root's and 0700", store, (unsigned) st.st_uid,
                                   (unsigned) (st.st_mode & 07777));
        (void) mkdirat(fd, "blobs", 0700);
        (void) mkdirat(fd, "blobs/sha256", 0700);
        (void) mkdirat(fd, "layers", 0700);
        r = skeleton_make(fd);
        if (r < 0)
                return image_error(e, r, "cannot make %s/" IMAGE_STORE_SKELETON ": %s", store, strerror(-r));
        lock = openat(fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock < 0)
                return image_error(e, negative_errno(), "cannot open %s/lock: %m", store);
        if (flock(lock, LOCK_EX) < 0)
                return image_error(e, negative_errno(), "cannot lock %s: %m", store);
        *ret_fd = TAKE_FD(fd);
        *ret_lock_fd = TAKE_FD(lock);
        return 0;
}

/* ---- the index ---- */

int image_store_index_save(int store_fd, const ImageStoreIndex *x) {
        _cleanup_json_ json_object *o = json_object_new_object(), *tags = json_object_new_object(),
                                   *sources = json_object_new_object();
        const char *s;
        int r;

        if (!o || !tags || !sources)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_tags; i++)
                json_object_object_add(tags, x->tags[i].name, json_object_new_string(x->tags[i].manifest));
        for (size_t i = 0; i < x->n_sources; i++) {
                json_object *v = json_object_new_object();

                if (!v)
                        return -ENOMEM;
                json_object_object_add(v, "source", json_object_new_string(x->sources[i].source));
                json_object_object_add(v, "manifest", json_object_new_string(x->sources[i].manifest));
                json_object_object_add(sources, x->sources[i].key, v);
        }
        json_object_object_add(o, "tags", TAKE_PTR(tags));
        json_object_object_add(o, "sources", TAKE_PTR(sources));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = write_file_atomic_at_full(store_fd, "index.json", s, strlen(s), 0600, WRITE_ATOMIC_SYNC);
        return r;
}

static int index_put_tag(ImageStoreIndex *x, const char *name, const char *digest) {
        ImageStoreTag *n;

        for (size_t i = 0; i < x->n_tags; i++)
                if (streq(x->tags[i].name, name)) {
                        if (!digest) {
                                free(x->tags[i].name);
                                free(x->tags[i].manifest);
                                x->tags[i] = x->tags[--x->n_tags];
                                return 0;
                        }
                        free(x->tags[i].manifest);
                        x->tags[i].manifest = strdup(digest);
                        return x->tags[i].manifest ? 0 : -ENOMEM;
                }
        if (!digest)
                return 0;
        n = reallocarray(x->tags, x->n_tags + 1, sizeof(ImageStoreTag));
        if (!n)
                return -ENOMEM;
        x->tags = n;
        x->tags[x->n_tags] = (ImageStoreTag) { strdup(name), strdup(digest) };
        if (!x->tags[x->n_tags].name || !x->tags[x->n_tags].manifest)
                return -ENOMEM;
        x->n_tags++;
        return 0;
}

/* The newest version of a source replaces the older ones. */
static int index_put_source(ImageStoreIndex *x, const char *key, const char *source, const char *digest) {
        ImageStoreSource *n;

        for (size_t i = 0; i < x->n_sources;)
                if (streq(x->sources[i].source, source)) {
                        free(x->sources[i].key);
                        free(x->sources[i].source);
                        free(x->sources[i].manifest);
                        x->sources[i] = x->sources[--x->n_sources];
                } else
                        i++;
        n = reallocarray(x->sources, x->n_sources + 1, sizeof(ImageStoreSource));
        if (!n)
                return -ENOMEM;
        x->sources = n;
        x->sources[x->n_sources] = (ImageStoreSource) { strdup(key), strdup(source), strdup(digest) };
        if (!x->sources[x->n_sources].key || !x->sources[x->n_sources].source || !x->sources[x->n_sources].manifest)
                return -ENOMEM;
        x->n_sources++;
        return 0;
}

int image_store_set_tag(int store_fd, const char *store, const char *name, const char *digest, ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        int r;

        r = image_store_index_load(store, &x, e);
        if (r < 0)
                return r;
        r = index_put_tag(&x, name, digest);
        if (r < 0)
                return r;
        r = image_store_index_save(store_fd, &x);
        if (r < 0)
                return image_error(e, r, "cannot write the store's index: %s", strerror(-r));
        return 0;
}

/* ---- blobs ---- */

/* ---- the blob writer ---- */

int image_store_blob_begin(int blobs_fd, const char *expect_hex, bool keep_partial, ImageBlobWriter *ret,
                           ImageError *e) {
        ImageBlobWriter w = { .blobs_fd = blobs_fd, .fd = -EBADF };
        char buf[128 * 1024];
        int r;

        assert(ret);
        assert(!keep_partial || expect_hex);

        sha256_init(&w.hash);
        if (expect_hex)
                snprintf(w.expect_hex, sizeof(w.expect_hex), "%s", expect_hex);
        if (keep_partial) {
                /* Named by what it will be: a pull killed half-way finds its
                 * bytes again (the store's lock makes the name ours). */
                if (mkdirat(blobs_fd, IMAGE_STORE_PARTIAL, 0700) < 0 && errno != EEXIST)
                        return image_error(e, negative_errno(), "cannot create " IMAGE_STORE_PARTIAL " in the store: %m");
                snprintf(w.tmp, sizeof(w.tmp), IMAGE_STORE_PARTIAL "/%s", expect_hex);
                w.fd = openat(blobs_fd, w.tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (w.fd < 0)
                        return image_error(e, negative_errno(), "cannot open the partial blob sha256:%s: %m", expect_hex);
                w.partial = true;
                /* What was written before is hashed again, not trusted. */
                for (;;) {
                        ssize_t n = read(w.fd, buf, sizeof(buf));

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                r = image_error(e, negative_errno(), "cannot read the partial blob sha256:%s: %m", expect_hex);
                                safe_close(w.fd);
                                return r;
                        }
                        if (n == 0)
                                break;
                        sha256_update(&w.hash, buf, (size_t) n);
                        w.size += (uint64_t) n;
                }
        } else
                for (unsigned attempt = 0;; attempt++) {
                        snprintf(w.tmp, sizeof(w.tmp), ".tmp-%08x%08x", (unsigned) random(), attempt);
                        w.fd = openat(blobs_fd, w.tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                        if (w.fd >= 0)
                                break;
                        if (errno != EEXIST || attempt > 16)
                                return image_error(e, negative_errno(), "cannot create a blob in the store: %m");
                }
        *ret = w;
        return 0;
}

int image_store_blob_write(ImageBlobWriter *w, const void *data, size_t size) {
        const uint8_t *p = data;

        sha256_update(&w->hash, data, size);
        while (size > 0) {
                ssize_t k = write(w->fd, p, size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                p += k;
                size -= (size_t) k;
                w->size += (uint64_t) k;
        }
        return 0;
}

int image_store_blob_rewind(ImageBlobWriter *w) {
        if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
                return negative_errno();
        sha256_init(&w->hash);
        w->size = 0;
        return 0;
}

void image_store_blob_abort(ImageBlobWriter *w) {
        if (w->fd < 0)
                return;
        w->fd = safe_close(w->fd);
        /* A partial blob stays for the next pull to resume; it is renamed,
         * never used, unless its bytes hash to its name. */
        if (!w->partial)
                (void) unlinkat(w->blobs_fd, w->tmp, 0);
}

int image_store_blob_commit(ImageBlobWriter *w, char *ret_hex, ImageError *e) {
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];
        int r;

        sha256_finish(&w->hash, d);
        sha256_to_hex(d, hex);
        if (w->expect_hex[0] && !streq(hex, w->expect_hex)) {
                r = image_error(e, -EBADMSG, "the blob sha256:%s does not match its digest (its content is sha256:%.12s...)",
                                w->expect_hex, hex);
                w->partial = false;     /* wrong bytes: nothing to resume */
                image_store_blob_abort(w);
                return r;
        }
        if (fsync(w->fd) < 0 || renameat(w->blobs_fd, w->tmp, w->blobs_fd, hex) < 0) {
                r = image_error(e, negative_errno(), "cannot write a blob to the store: %m");
                image_store_blob_abort(w);
                return r;
        }
        w->fd = safe_close(w->fd);
        if (ret_hex)
                memcpy(ret_hex, hex, SHA256_HEX_SIZE);
        return 0;
}

typedef ssize_t (*ReadFn)(void *userdata, void *buf, size_t n);

static ssize_t read_fd_fn(void *userdata, void *buf, size_t n) {
        ssize_t k;

        do
                k = read(*(int *) userdata, buf, n);
        while (k < 0 && errno == EINTR);
        return k < 0 ? negative_errno() : k;
}

static ssize_t read_archive_fn(void *userdata, void *buf, size_t n) {
        la_ssize_t k = sym_archive_read_data(userdata, buf, n);

        return k < 0 ? -EBADMSG : (ssize_t) k;
}

/* Writes what fn reads into blobs/sha256/ under its digest. expect_hex:
 * the digest it must have. */
static int blob_write(Import *im, ReadFn fn, void *userdata, const char *expect_hex, char ret_hex[static SHA256_HEX_SIZE],
                      uint64_t *ret_size, ImageError *e) {
        ImageBlobWriter w;
        char buf[128 * 1024];
        uint64_t size;
        int r;

        r = image_store_blob_begin(im->blobs_fd, expect_hex, false, &w, e);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = fn(userdata, buf, sizeof(buf));

                if (n < 0) {
                        image_store_blob_abort(&w);
                        return image_error(e, (int) n, "cannot read %s: %s", expect_hex ? "a blob" : "a member",
                                           n == -EBADMSG ? "the archive is truncated or corrupt" : strerror((int) -n));
                }
                if (n == 0)
                        break;
                r = image_store_blob_write(&w, buf, (size_t) n);
                if (r < 0) {
                        image_store_blob_abort(&w);
                        return image_error(e, r, "cannot write a blob to the store: %s", strerror(-r));
                }
        }
        size = w.size;
        r = image_store_blob_commit(&w, ret_hex, e);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = size;
        return 0;
}

/* Makes sure the blob digest is in the store (from the layout or the
 * archive read before). */
static int blob_get(Import *im, const char *digest, ImageError *e) {
        const char *hex = oci_digest_hex(digest);
        _cleanup_close_ int fd = -EBADF;
        char got[SHA256_HEX_SIZE], path[128];
        struct stat st;

        if (!hex)
                return image_error(e, -EBADMSG, "\"%s\" is not a sha256 digest", digest);
        /* Content-addressed and checked when it was written, by whichever
         * import: the same bytes. */
        if (fstatat(im->blobs_fd, hex, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode))
                return 0;
        if (im->layout_fd < 0)
                return image_error(e, -EBADMSG, "the blob %s is not in the archive", digest);
        snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
        fd = openat(im->layout_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return image_error(e, negative_errno(), "the blob %s is missing from the layout: %m", digest);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return image_error(e, -EBADMSG, "the blob %s of the layout is not a regular file", digest);
        return blob_write(im, read_fd_fn, &fd, hex, got, NULL, e);
}

static int blob_read(Import *im, const char *digest, char **ret, size_t *ret_size, ImageError *e) {
        int r;

        r = blob_get(im, digest, e);
        if (r < 0)
                return r;
        return image_store_read_blob(im->store, digest, IMAGE_JSON_MAX, ret, ret_size, e);
}

/* ---- archives ---- */

static bool member_is_json(const char *path) {
        return streq(path, "index.json") || streq(path, "manifest.json") || streq(path, "oci-layout") ||
               streq(path, "repositories");
}

static int read_archive(Import *im, ImageError *e) {
        _cleanup_close_ int fd = -EBADF;
        struct archive *a;
        struct archive_entry *entry;
        const char *why;
        struct stat st;
        int r;

        r = dlopen_libarchive(&why);
        if (r < 0)
                return image_error(e, r, "%s", why);
        fd = open(im->ref->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return image_error(e, negative_errno(), "cannot open it: %m");
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return image_error(e, -EBADMSG, "it is not a regular file");
        a = archive_tar_reader_new();
        if (!a)
                return -ENOMEM;
        if (sym_archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                r = image_error(e, -EBADMSG, "not a tar archive: %s", sym_archive_error_string(a) ?: "unreadable");
                goto finish;
        }
        for (;;) {
                const char *path, *name_hex;
                Member *n;

                r = sym_archive_read_next_header(a, &entry);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        r = image_error(e, -EBADMSG, "the archive is truncated or corrupt: %s",
                                        sym_archive_error_string(a) ?: "unreadable");
                        goto finish;
                }
                if (sym_archive_entry_filetype(entry) != AE_IFREG)
                        continue;
                path = sym_archive_entry_pathname(entry);
                if (!path)
                        continue;
                if (path[0] == '.' && path[1] == '/')
                        path += 2;
                if (member_is_json(path)) {
                        char **buf = streq(path, "index.json") ? &im->index_json :
                                     streq(path, "manifest.json") ? &im->manifest_json : NULL;
                        size_t *size = buf == &im->index_json ? &im->index_size : &im->manifest_size;
                        la_int64_t sz = sym_archive_entry_size(entry);

                        if (!buf)
                                continue;
                        if (sz < 0 || sz > (la_int64_t) IMAGE_JSON_MAX) {
                                r = image_error(e, -EFBIG, "%s is larger than 4 MiB", path);
                                goto finish;
                        }
                        free(*buf);
                        *buf = calloc(1, (size_t) sz + 1);
                        if (!*buf) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (sym_archive_read_data(a, *buf, (size_t) sz) != (la_ssize_t) sz) {
                                r = image_error(e, -EBADMSG, "the archive is truncated or corrupt: %s",
                                                sym_archive_error_string(a) ?: "short read");
                                goto finish;
                        }
                        *size = (size_t) sz;
                        continue;
                }
                if (im->n_members >= MEMBERS_MAX) {
                        r = image_error(e, -E2BIG, "more than %d files in the archive", MEMBERS_MAX);
                        goto finish;
                }
                n = reallocarray(im->members, im->n_members + 1, sizeof(Member));
                if (!n) {
                        r = -ENOMEM;
                        goto finish;
                }
                im->members = n;
                n = &im->members[im->n_members];
                *n = (Member) { .path = strdup(path) };
                if (!n->path) {
                        r = -ENOMEM;
                        goto finish;
                }
                im->n_members++;
                name_hex = startswith(path, "blobs/sha256/");
                if (name_hex && !sha256_hex_valid(name_hex)) {
                        r = image_error(e, -EBADMSG, "%s is not named by a sha256 digest", path);
                        goto finish;
                }
                if (name_hex && faccessat(im->blobs_fd, name_hex, F_OK, AT_SYMLINK_NOFOLLOW) >= 0) {
                        /* In the store already, checked when it was written. */
                        memcpy(n->hex, name_hex, SHA256_HEX_SIZE);
                        continue;
                }
                r = blob_write(im, read_archive_fn, a, name_hex, n->hex, &n->size, e);
                if (r < 0) {
                        char m[sizeof(e->msg)];

                        snprintf(m, sizeof(m), "%s", e->msg);
                        r = image_error(e, r, "%s: %s", path, m);
                        goto finish;
                }
        }
        r = 0;
finish:
        sym_archive_read_free(a);
        return r;
}

static const Member *member_find(const Import *im, const char *path) {
        for (size_t i = 0; i < im->n_members; i++)
                if (streq(im->members[i].path, path))
                        return &im->members[i];
        return NULL;
}

static int member_size(Import *im, const Member *m, uint64_t *ret) {
        struct stat st;

        if (fstatat(im->blobs_fd, m->hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        *ret = (uint64_t) st.st_size;
        return 0;
}

static json_object *j_digest(const char *hex) {
        char d[sizeof("sha256:") + SHA256_HEX_SIZE];

        snprintf(d, sizeof(d), "sha256:%s", hex);
        return json_object_new_string(d);
}

/* docker save's manifest.json: [{"Config": PATH, "RepoTags": [...], "Layers": [PATH...]}].
 * Writes an OCI manifest for the chosen entry; returns its digest and the
 * entry's RepoTags. */
static int docker_manifest(Import *im, char **ret_digest, char ***ret_tags, ImageError *e) {
        _cleanup_json_ json_object *o = NULL, *m = NULL;
        _cleanup_strv_free_ char **tags = NULL;
        json_object *entry = NULL, *layers, *v, *ls;
        const Member *cfg;
        const char *s, *want = im->ref->tag;
        char hex[SHA256_HEX_SIZE];
        uint64_t size;
        int r, fd;

        if (!im->manifest_json)
                return image_error(e, -EBADMSG, "the archive has no manifest.json: not docker save output");
        o = json_tokener_parse(im->manifest_json);
        if (!o || !json_object_is_type(o, json_type_array) || json_object_array_length(o) == 0)
                return image_error(e, -EBADMSG, "manifest.json is not a list of images");
        for (size_t i = 0; i < json_object_array_length(o) && !entry; i++) {
                json_object *x = json_object_array_get_idx(o, i), *rt;

                if (!want) {
                        entry = x;
                        break;
                }
                if (!json_object_object_get_ex(x, "RepoTags", &rt) || !json_object_is_type(rt, json_type_array))
                        continue;
                for (size_t k = 0; k < json_object_array_length(rt); k++) {
                        _cleanup_(image_ref_freep) ImageRef *n = NULL;
                        const char *t = json_object_get_string(json_object_array_get_idx(rt, k));

                        if (t && image_ref_parse_registry(t, &n, NULL) >= 0 && streq(n->string, want))
                                entry = x;
                }
        }
        if (!entry)
                return image_error(e, -ENOENT, "no image tagged %s in manifest.json", want);
        if (json_object_array_length(o) > 1 && !want)
                return image_error(e, -EINVAL, "manifest.json holds %zu images: name one (docker-archive:PATH:NAME:TAG)",
                                   json_object_array_length(o));

        if (!json_object_object_get_ex(entry, "Config", &v) || !(s = json_object_get_string(v)) ||
            !(cfg = member_find(im, s)))
                return image_error(e, -EBADMSG, "manifest.json names a config that is not in the archive");
        if (json_object_object_get_ex(entry, "RepoTags", &v) && json_object_is_type(v, json_type_array))
                for (size_t k = 0; k < json_object_array_length(v); k++) {
                        _cleanup_(image_ref_freep) ImageRef *n = NULL;
                        const char *t = json_object_get_string(json_object_array_get_idx(v, k));

                        if (t && image_ref_parse_registry(t, &n, NULL) >= 0 && !n->digest &&
                            strv_extend(&tags, n->string) < 0)
                                return -ENOMEM;
                }
        if (!json_object_object_get_ex(entry, "Layers", &layers) || !json_object_is_type(layers, json_type_array) ||
            json_object_array_length(layers) == 0)
                return image_error(e, -EBADMSG, "manifest.json lists no layers");

        m = json_object_new_object();
        ls = json_object_new_array();
        v = json_object_new_object();
        if (!m || !ls || !v)
                return -ENOMEM;
        json_object_object_add(m, "schemaVersion", json_object_new_int(2));
        json_object_object_add(m, "mediaType", json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
        r = member_size(im, cfg, &size);
        if (r < 0)
                return image_error(e, r, "the config blob vanished: %s", strerror(-r));
        json_object_object_add(v, "mediaType", json_object_new_string("application/vnd.oci.image.config.v1+json"));
        json_object_object_add(v, "digest", j_digest(cfg->hex));
        json_object_object_add(v, "size", json_object_new_int64((int64_t) size));
        json_object_object_add(m, "config", v);
        for (size_t i = 0; i < json_object_array_length(layers); i++) {
                const char *p = json_object_get_string(json_object_array_get_idx(layers, i));
                const Member *l = p ? member_find(im, p) : NULL;
                json_object *d;

                if (!l)
                        return image_error(e, -EBADMSG, "manifest.json names a layer %s that is not in the archive",
                                           strna(p));
                r = member_size(im, l, &size);
                if (r < 0)
                        return image_error(e, r, "a layer blob vanished: %s", strerror(-r));
                d = json_object_new_object();
                if (!d)
                        return -ENOMEM;
                json_object_object_add(d, "mediaType", json_object_new_string("application/vnd.oci.image.layer.v1.tar"));
                json_object_object_add(d, "digest", j_digest(l->hex));
                json_object_object_add(d, "size", json_object_new_int64((int64_t) size));
                json_object_array_add(ls, d);
        }
        json_object_object_add(m, "layers", ls);

        s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        fd = memfd_create("manifest", MFD_CLOEXEC);
        if (fd < 0)
                return image_error(e, negative_errno(), "cannot make the manifest: %m");
        if (write(fd, s, strlen(s)) != (ssize_t) strlen(s) || lseek(fd, 0, SEEK_SET) < 0) {
                r = image_error(e, negative_errno(), "cannot make the manifest: %m");
                safe_close(fd);
                return r;
        }
        r = blob_write(im, read_fd_fn, &fd, NULL, hex, NULL, e);
        safe_close(fd);
        if (r < 0)
                return r;
        *ret_digest = strjoin("sha256:", hex);
        if (!*ret_digest)
                return -ENOMEM;
        *ret_tags = TAKE_PTR(tags);
        return 0;
}

/* ---- the image ---- */

/* From an index (a layout's index.json) to a manifest digest, through one
 * nested index at most. */
static int oci_pick(Import *im, const char *index, size_t size, char **ret_digest, ImageError *e) {
        OciDescriptor *d = NULL;
        size_t n = 0, pick;
        _cleanup_free_ char *digest = NULL;
        int r;

        for (unsigned depth = 0;; depth++) {
                _cleanup_free_ char *nested = NULL;
                size_t nsize;
                OciMediaKind kind;

                r = oci_index_parse(index, size, &d, &n, e);
                if (r < 0)
                        return r;
                /* The ref name picks from the layout's index; a nested index
                 * is picked from by platform. */
                r = oci_index_pick(d, n, depth == 0 ? im->ref->tag : NULL, &pick, e);
                if (r < 0)
                        goto finish;
                kind = oci_media_kind(d[pick].media_type);
                free(digest);
                digest = strdup(d[pick].digest);
                if (!digest) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (kind == OCI_MEDIA_MANIFEST)
                        break;
                if (kind != OCI_MEDIA_INDEX || depth > 0) {
                        r = image_error(e, -EMEDIUMTYPE, "unknown manifest media type %s", strna(d[pick].media_type));
                        goto finish;
                }
                oci_descriptors_free(d, n);
                d = NULL;
                r = blob_read(im, digest, &nested, &nsize, e);
                if (r < 0)
                        return r;
                free(im->index_json);
                im->index_json = TAKE_PTR(nested);
                index = im->index_json;
                size = nsize;
        }
        *ret_digest = TAKE_PTR(digest);
        r = 0;
finish:
        oci_descriptors_free(d, n);
        return r;
}

typedef struct LayerJob {
        LayerUnpack u;
        size_t index;
        char tmp[32];
} LayerJob;

static void layer_job_abort(int layers_fd, LayerJob *j) {
        layer_unpack_abort(&j->u);
        if (j->tmp[0])
                (void) rm_rf_at(layers_fd, j->tmp);
        j->tmp[0] = '\0';
}

static int layer_job_start(int blobs_fd, int layers_fd, const char *digest, LayerJob *j, ImageError *e) {
        _cleanup_close_ int fd = -EBADF;
        char msg[1024];
        int r;

        fd = openat(blobs_fd, oci_digest_hex(digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return image_error(e, negative_errno(), "cannot open the layer %s: %m", digest);
        for (unsigned attempt = 0;; attempt++) {
                snprintf(j->tmp, sizeof(j->tmp), ".tmp-%08x%08x", (unsigned) random(), attempt);
                if (mkdirat(layers_fd, j->tmp, 0755) >= 0)
                        break;
                if (errno != EEXIST || attempt > 16) {
                        j->tmp[0] = '\0';
                        return image_error(e, negative_errno(), "cannot make a layer directory: %m");
                }
        }
        r = layer_unpack_start(fd, layers_fd, j->tmp, LAYER_UNPACK_OCI, &j->u, msg, sizeof(msg));
        if (r < 0) {
                (void) rm_rf_at(layers_fd, j->tmp);
                j->tmp[0] = '\0';
                return image_error(e, r, "layer %s: %s", digest, r == -EBADMSG ? msg : strerror(-r));
        }
        return 0;
}

static int layer_job_finish(int layers_fd, LayerJob *j, const char *digest, const char *diff_id, ImageError *e) {
        char got[SHA256_HEX_SIZE], msg[1024];
        int r;

        r = layer_unpack_finish(&j->u, got, msg, sizeof(msg));
        if (r < 0)
                return image_error(e, r, "layer %s: %s", digest, r == -EBADMSG ? msg : strerror(-r));
        if (!streq(got, oci_digest_hex(diff_id)))
                return image_error(e, -EBADMSG, "layer %s: its content is sha256:%.12s..., not the config's diff_id %s",
                                   digest, got, diff_id);
        return 0;
}

static unsigned unpack_parallel(size_t n) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t k = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t) cpus;

        return (unsigned) (k < n ? k : n ? n : 1);
}

struct ImageLayerBatch {
        int blobs_fd, layers_fd;
        const OciDescriptor *layers;
        char *const *diff_ids;
        size_t n;
        unsigned parallel;
        bool *started;          /* per layer: unpacking, unpacked, or there already */
        LayerJob *jobs;         /* in the order they were started */
        size_t n_jobs, done;    /* jobs[done..n_jobs) are running */
};

ImageLayerBatch *image_layer_batch_free(ImageLayerBatch *b) {
        if (!b)
                return NULL;
        for (size_t k = 0; k < b->n_jobs; k++)
                layer_job_abort(b->layers_fd, &b->jobs[k]);
        free(b->jobs);
        free(b->started);
        return mfree(b);
}

int image_layer_batch_new(int blobs_fd, int layers_fd, const OciDescriptor *layers, char *const *diff_ids, size_t n,
                          ImageLayerBatch **ret, ImageError *e) {
        _cleanup_(image_layer_batch_freep) ImageLayerBatch *b = NULL;

        for (size_t i = 0; i < n; i++)
                if (!oci_digest_hex(layers[i].digest) || !oci_digest_hex(diff_ids[i]))
                        return image_error(e, -EBADMSG, "\"%s\" is not a sha256 digest",
                                           oci_digest_hex(layers[i].digest) ? diff_ids[i] : layers[i].digest);
        b = calloc(1, sizeof(ImageLayerBatch));
        if (!b)
                return -ENOMEM;
        *b = (ImageLayerBatch) { .blobs_fd = blobs_fd, .layers_fd = layers_fd, .layers = layers,
                                 .diff_ids = diff_ids, .n = n, .parallel = unpack_parallel(n) };
        b->started = calloc(n ? n : 1, sizeof(bool));
        b->jobs = calloc(n ? n : 1, sizeof(LayerJob));
        if (!b->started || !b->jobs)
                return -ENOMEM;
        *ret = TAKE_PTR(b);
        return 0;
}

static int batch_wait_oldest(ImageLayerBatch *b, ImageError *e) {
        LayerJob *j = &b->jobs[b->done++];

        return layer_job_finish(b->layers_fd, j, b->layers[j->index].digest, b->diff_ids[j->index], e);
}

int image_layer_batch_start(ImageLayerBatch *b, size_t i, ImageError *e) {
        struct stat st;
        LayerJob *j;
        int r;

        assert(i < b->n);
        if (b->started[i])
                return 0;
        b->started[i] = true;
        if (fstatat(b->layers_fd, oci_digest_hex(b->diff_ids[i]), &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode))
                return 0;       /* another image has it */
        if (b->n_jobs - b->done == b->parallel) {
                r = batch_wait_oldest(b, e);
                if (r < 0)
                        return r;
        }
        j = &b->jobs[b->n_jobs++];
        *j = (LayerJob) { .index = i, .u = { .fd = -EBADF } };
        return layer_job_start(b->blobs_fd, b->layers_fd, b->layers[i].digest, j, e);
}

int image_layer_batch_finish(ImageLayerBatch *b, ImageError *e) {
        int r;

        for (size_t i = 0; i < b->n; i++) {
                r = image_layer_batch_start(b, i, e);
                if (r < 0)
                        return r;
        }
        while (b->done < b->n_jobs) {
                r = batch_wait_oldest(b, e);
                if (r < 0)
                        return r;
        }
        if (b->n_jobs == 0)
                return 0;

        /* One sync for all the trees, then each is renamed into place:
         * a layer is there complete or not at all. */
        if (syncfs(b->layers_fd) < 0)
                return image_error(e, negative_errno(), "cannot sync the layers: %m");
        for (size_t k = 0; k < b->n_jobs; k++) {
                LayerJob *j = &b->jobs[k];

                if (renameat(b->layers_fd, j->tmp, b->layers_fd, oci_digest_hex(b->diff_ids[j->index])) < 0 &&
                    errno != EEXIST && errno != ENOTEMPTY)
                        return image_error(e, negative_errno(), "cannot rename the layer into place: %m");
                if (faccessat(b->layers_fd, j->tmp, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        j->tmp[0] = '\0';      /* renamed: not ours to remove any more */
        }
        return 0;
}

int image_store_add_layers(int blobs_fd, int layers_fd, const OciDescriptor *layers, char *const *diff_ids, size_t n,
                           ImageLayerPrepare prepare, void *userdata, ImageError *e) {
        _cleanup_(image_layer_batch_freep) ImageLayerBatch *b = NULL;
        int r;

        r = image_layer_batch_new(blobs_fd, layers_fd, layers, diff_ids, n, &b, e);
        if (r < 0)
                return r;
        /* The next blob is prepared while the layers before it unpack. */
        for (size_t i = 0; i < n; i++) {
                struct stat st;

                if (fstatat(layers_fd, oci_digest_hex(diff_ids[i]), &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode))
                        continue;       /* no need for its blob */
                if (prepare) {
                        r = prepare(userdata, i, e);
                        if (r < 0)
                                return r;
                }
                r = image_layer_batch_start(b, i, e);
                if (r < 0)
                        return r;
        }
        return image_layer_batch_finish(b, e);
}

static int prepare_blob(void *userdata, size_t i, ImageError *e) {
        Import *im = userdata;

        return blob_get(im, im->info->manifest.layers[i].digest, e);
}

static int unpack_layers(Import *im, const ImageInfo *info, ImageError *e) {
        im->info = info;
        return image_store_add_layers(im->blobs_fd, im->layers_fd, info->manifest.layers, info->config.diff_ids,
                                      info->manifest.n_layers, prepare_blob, im, e);
}

static int import_locked(Import *im, const char *name, char **ret_digest, ImageError *e) {
        _cleanup_(image_store_index_done) ImageStoreIndex x = {};
        _cleanup_(image_info_freep) ImageInfo *info = NULL;
        _cleanup_strv_free_ char **tags = NULL;
        _cleanup_free_ char *digest = NULL, *m = NULL, *c = NULL;
        char key[SHA256_HEX_SIZE];
        size_t msize, csize;
        int r;

        /* Before anything is read: a file changed during the import makes
         * a key nobody will look up. */
        r = image_store_source_key(im->ref, key);
        if (r < 0)
                return image_error(e, r, "%s", strerror(-r));

        if (im->ref->type == IMAGE_REF_OCI) {
                im->layout_fd = open(im->ref->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (im->layout_fd < 0)
                        return image_error(e, negative_errno(), "cannot open the layout: %m");
                r = read_full_file_at(im->layout_fd, "index.json", O_NONBLOCK, IMAGE_JSON_MAX, &im->index_json,
                                      &im->index_size);
                if (r < 0)
                        return image_error(e, r, "cannot read index.json of the layout: %s", strerror(-r));
        } else {
                r = read_archive(im, e);
                if (r < 0)
                        return r;
        }

        if (im->ref->type == IMAGE_REF_DOCKER_ARCHIVE)
                r = docker_manifest(im, &digest, &tags, e);
        else if (!im->index_json)
                r = image_error(e, -EBADMSG, "the archive has no index.json: not an OCI layout");
        else
                r = oci_pick(im, im->index_json, im->index_size, &digest, e);
        if (r < 0)
                return r;

        r = blob_read(im, digest, &m, &msize, e);
        if (r < 0)
                return r;
        info = calloc(1, sizeof(*info));
        if (!info)
                return -ENOMEM;
        r = oci_manifest_parse(m, msize, &info->manifest, e);
        if (r < 0)
                return r;
        r = blob_read(im, info->manifest.config.digest, &c, &csize, e);
        if (r < 0)
                return r;
        r = oci_config_parse(c, csize, &info->config, e);
        if (r < 0)
                return r;
        if (!streq(info->config.os, "linux") || !streq(info->config.architecture, oci_native_architecture()))
                return image_error(e, -ENOEXEC, "the image is for %s/%s, this machine is linux/%s", info->config.os,
                                   info->config.architecture, oci_native_architecture());
        if (info->config.n_diff_ids != info->manifest.n_layers)
                return image_error(e, -EBADMSG, "the manifest has %zu layers but the config %zu diff_ids",
                                   info->manifest.n_layers, info->config.n_diff_ids);

        r = unpack_layers(im, info, e);
        if (r < 0)
                return r;

        /* Last: only now can a name lead to the image. */
        r = image_store_index_load(im->store, &x, e);
        if (r < 0)
                return r;
        r = index_put_source(&x, key, im->ref->string, digest);
        if (r >= 0 && name)
                r = index_put_tag(&x, name, digest);
        STRV_FOREACH(t, tags)
                if (r >= 0)
                        r = index_put_tag(&x, *t, digest);
        if (r < 0)
                return r;
        r = image_store_index_save(im->store_fd, &x);
        if (r < 0)
                return image_error(e, r, "cannot write the store's index: %s", strerror(-r));
        *ret_digest = TAKE_PTR(digest);
        return 0;
}

static bool image_complete(const char *store, const char *digest) {
        _cleanup_(image_info_freep) ImageInfo *info = NULL;

        if (image_store_load(store, digest, &info, NULL) < 0)
                return false;
        for (size_t i = 0; i < info->config.n_diff_ids; i++) {
                _cleanup_free_ char *p = image_store_layer_path(store, info->config.diff_ids[i]);
                struct stat st;

                if (!p || stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                        return false;
        }
        return true;
}

int image_import(const char *store, const ImageRef *ref, const char *name, char **ret_digest, ImageError *e) {
        _cleanup_(import_done) Import im = { .store = store, .ref = ref, .store_fd = -EBADF, .blobs_fd = -EBADF,
                                             .layers_fd = -EBADF, .layout_fd = -EBADF };
        _cleanup_close_ int store_fd = -EBADF, lock_fd = -EBADF;
        _cleanup_free_ char *digest = NULL;
        int r;

        if (ref->type != IMAGE_REF_OCI && ref->type != IMAGE_REF_OCI_ARCHIVE && ref->type != IMAGE_REF_DOCKER_ARCHIVE)
                return image_error(e, -EINVAL, "only oci:, oci-archive: and docker-archive: images can be imported");

        r = image_store_open_locked(store, &store_fd, &lock_fd, e);
        if (r < 0)
                return r;
        im.store_fd = store_fd;

        /* The same version of the file, imported before: one stat and one
         * small read. */
        if (image_store_resolve(store, ref, &digest, NULL) >= 0 && image_complete(store, digest)) {
                if (name) {
                        r = image_store_set_tag(store_fd, store, name, digest, e);
                        if (r < 0)
                                return r;
                }
                if (ret_digest)
                        *ret_digest = TAKE_PTR(digest);
                return 0;
        }

        im.blobs_fd = openat(store_fd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        im.layers_fd = openat(store_fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (im.blobs_fd < 0 || im.layers_fd < 0)
                return image_error(e, negative_errno(), "cannot open the image store %s: %m", store);
        r = import_locked(&im, name, &digest, e);
        if (r < 0)
                return r;
        if (ret_digest)
                *ret_digest = TAKE_PTR(digest);
        return 0;
}

/* sandboxd imports as root for a caller who may not be: the file must be
 * one the caller could read itself (its own, or readable by others), so
 * a unit cannot make sandboxd copy a private archive into a sandbox. */
static int caller_may_read(const ImageRef *ref, uid_t caller) {
        _cleanup_free_ char *file = NULL;
        struct stat st;

        if (caller == 0)
                return 0;
        file = ref->type == IMAGE_REF_OCI ? strjoin(ref->path, "/index.json") : strdup(ref->path);
        if (!file)
                return -ENOMEM;
        if (stat(file, &st) < 0)
                return negative_errno();
        if (st.st_uid != caller && !(st.st_mode & S_IROTH))
                return -EACCES;
        return 0;
}

int image_import_unit(const char *store, const Unit *u, uid_t caller, char **reterr_text) {
        for (size_t i = 0; i < u->n_images; i++) {
                const UnitImage *img = &u->images[i];
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                ImageError e = {};
                int r;

                /* A bad reference is the compiler's to report. */
                if (image_ref_parse(img->path, &ref, NULL) < 0)
                        continue;
                if (ref->type != IMAGE_REF_OCI && ref->type != IMAGE_REF_OCI_ARCHIVE &&
                    ref->type != IMAGE_REF_DOCKER_ARCHIVE)
                        continue;
                r = caller_may_read(ref, caller);
                if (r < 0)
                        (void) image_error(&e, r, "%s", r == -EACCES ? "the caller may not read it" : strerror(-r));
                else
                        r = image_import(store, ref, NULL, NULL, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (reterr_text && asprintf_safe(reterr_text, "%s:%u: Image: %s: %s", img->file ?: u->path,
                                                         img->line, ref->string, e.msg) < 0)
                                return -ENOMEM;
                        return r;
                }
        }
        return 0;
}

int image_import_guess(const char *path, ImageRefType *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct archive *a;
        struct archive_entry *entry;
        bool index = false, manifest = false;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode)) {
                *ret = IMAGE_REF_OCI;
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        r = dlopen_libarchive(NULL);
        if (r < 0)
                return r;
        a = archive_tar_reader_new();
        if (!a)
                return -ENOMEM;
        if (sym_archive_read_open_fd(a, fd, 64 * 1024) == ARCHIVE_OK)
                while (sym_archive_read_next_header(a, &entry) >= ARCHIVE_WARN) {
                        const char *p = sym_archive_entry_pathname(entry);

                        if (!p)
                                continue;
                        if (startswith(p, "./"))
                                p += 2;
                        index = index || streq(p, "index.json");
                        manifest = manifest || streq(p, "manifest.json");
                }
        sym_archive_read_free(a);
        /* Docker 25+ writes both; its manifest.json names the tags. */
        if (manifest)
                *ret = IMAGE_REF_DOCKER_ARCHIVE;
        else if (index)
                *ret = IMAGE_REF_OCI_ARCHIVE;
        else
                return -EMEDIUMTYPE;
        return 0;
}
