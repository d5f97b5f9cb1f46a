/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A cache of compiled seccomp filters, keyed by the rules' content.
 *
 * Turning a policy into BPF costs ~2 ms (libseccomp builds and optimises a
 * tree over three ABIs); the result depends only on the rules, the
 * architectures, the allowed namespace types and address families, the
 * ENOSYS ceilings, libseccomp's version and our own rule-building code. So the filter is made once per distinct rule set
 * and read back afterwards (~20 us).
 *
 * The file name is a 64-bit hash of the key, but a cache entry is used only
 * if the complete key text stored in it is byte-for-byte the key of the
 * plan at hand: a hash collision, a truncated file or a stale format is a
 * miss, never a wrong filter. The directory is root's (0700), written with
 * a temporary file and rename(2).
 *
 * The compiler only reads the cache (plan_seccomp_cache_lookup(), called
 * from plan_compile_seccomp()); the programs store what they compiled
 * (plan_seccomp_cache_store()), so the compiler stays free of side
 * effects. */

#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "plan-seccomp.h"
#include "plan.h"

/* Bump when plan-seccomp.c changes the filter it builds for the same rules. */
#define SECCOMP_CACHE_FORMAT "sandboxd-seccomp-bpf 3"
#define SECCOMP_CACHE_MAX (1024 * 1024)

static char *cache_dir = NULL;

int plan_seccomp_set_cache_dir(const char *dir) {
        char *d = NULL;

        if (dir) {
                d = strdup(dir);
                if (!d)
                        return -ENOMEM;
        }
        free(cache_dir);
        cache_dir = d;
        return 0;
}

/* Everything the filter is a function of, as text. */
static int cache_key(const Plan *p, char **ret, size_t *ret_len) {
        const struct scmp_version *v = seccomp_version();
        char buf[SECCOMP_ACTION_STRING_MAX];
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "%s\nlibseccomp %u.%u.%u\ndefault %s\nnamespaces %" PRIx64 "\narchitectures",
                SECCOMP_CACHE_FORMAT, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
                seccomp_action_to_string(p->seccomp_default_action, buf), p->seccomp_allow_namespaces);
        for (char **a = p->seccomp_architectures; a && *a; a++)
                fprintf(f, " %s", *a);
        fputc('\n', f);
        /* The ENOSYS prefix and the socket rules. */
        fprintf(f, "enosys");
        for (size_t i = 0; i < p->n_seccomp_enosys; i++)
                fprintf(f, " %s>%" PRIu32, p->seccomp_enosys[i].arch, p->seccomp_enosys[i].max);
        fputc('\n', f);
        if (p->seccomp_restrict_address_families)
                fprintf(f, "address-families %" PRIx64 "\n", p->seccomp_address_families);
        else
                fprintf(f, "address-families any\n");
        for (size_t i = 0; i < p->n_syscalls; i++)
                fprintf(f, "%s %s\n", p->syscalls[i].name, seccomp_action_to_string(p->syscalls[i].action, buf));
        if (fclose(f) != 0 || !text) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        *ret_len = len;
        return 0;
}

static uint64_t fnv1a(const void *data, size_t n) {
        const uint8_t *s = data;
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < n; i++) {
                h ^= s[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

/* The plan's key, and the file its entry is stored under. */
static int cache_entry(const Plan *p, char **ret_key, size_t *ret_key_len, char **ret_path) {
        _cleanup_free_ char *key = NULL;
        size_t key_len;
        char *path;
        int r;

        r = cache_key(p, &key, &key_len);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/%016" PRIx64 ".bpf", cache_dir, fnv1a(key, key_len)) < 0)
                return -ENOMEM;
        *ret_key = TAKE_PTR(key);
        *ret_key_len = key_len;
        *ret_path = path;
        return 0;
}

int plan_seccomp_cache_lookup(Plan *p) {
        _cleanup_free_ char *key = NULL, *path = NULL, *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t key_len, n = 0;
        uint64_t trailer[2];
        struct stat st;
        void *bpf;
        int r;

        if (!cache_dir)
                return 0;
        r = cache_entry(p, &key, &key_len, &path);
        if (r < 0)
                return r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return 0;
        /* Only root's own regular files: anything else in there is not ours. */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
            st.st_size <= (off_t) (key_len + 1) || st.st_size > SECCOMP_CACHE_MAX)
                return 0;
        data = malloc(st.st_size);
        if (!data)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = pread(fd, data + n, st.st_size - n, n);

                if (k <= 0)
                        return 0;
                n += k;
        }

        /* key, NUL, the program's size and hash, the program: a file cut
         * short or changed anywhere is a miss. */
        if (memcmp(data, key, key_len) != 0 || data[key_len] != '\0')
                return 0;
        n -= key_len + 1;
        if (n < sizeof(trailer))
                return 0;
        memcpy(trailer, data + key_len + 1, sizeof(trailer));
        n -= sizeof(trailer);
        if (trailer[0] != n || n == 0 || n % sizeof(struct sock_filter) != 0 || n / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return 0;
        if (trailer[1] != fnv1a(data + key_len + 1 + sizeof(trailer), n))
                return 0;
        bpf = malloc(n);
        if (!bpf)
                return -ENOMEM;
        memcpy(bpf, data + key_len + 1 + sizeof(trailer), n);
        free(p->seccomp_bpf);
        p->seccomp_bpf = bpf;
        p->seccomp_bpf_size = n;
        return 1;
}

int plan_seccomp_cache_store(const Plan *p) {
        _cleanup_free_ char *key = NULL, *path = NULL, *buf = NULL;
        uint64_t trailer[2];
        size_t key_len, size;
        struct stat st;
        int r;

        if (!cache_dir || !p->seccomp_bpf || p->seccomp_bpf_size == 0)
                return 0;
        r = cache_entry(p, &key, &key_len, &path);
        if (r < 0)
                return r;
        if (stat(path, &st) >= 0)
                return 0;

        if (mkdir(cache_dir, 0700) < 0 && errno != EEXIST) {
                /* Its parent too (/var/cache/sandboxd), once. */
                _cleanup_free_ char *parent = strdup(cache_dir);
                char *slash;

                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (errno != ENOENT || !slash || slash == parent)
                        return negative_errno();
                *slash = '\0';
                if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                if (mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
                        return negative_errno();
        }
        trailer[0] = p->seccomp_bpf_size;
        trailer[1] = fnv1a(p->seccomp_bpf, p->seccomp_bpf_size);
        size = key_len + 1 + sizeof(trailer) + p->seccomp_bpf_size;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        memcpy(mempcpy(mempcpy(buf, key, key_len + 1), trailer, sizeof(trailer)), p->seccomp_bpf, p->seccomp_bpf_size);
        /* sandboxctl and sandboxd may store the same filter at once. */
        r = write_file_atomic_at_full(AT_FDCWD, path, buf, size, 0600, WRITE_ATOMIC_SHARED);
        if (r < 0)
                return r;
        return 1;
}
