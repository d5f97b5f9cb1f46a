/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The seccomp filter cache: a hit gives the very program a fresh compile
 * gives; a different rule set, a corrupt or truncated entry, an entry whose
 * stored key is not ours (a hash collision), or a file not owned by us is a
 * miss, never a wrong filter. */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"
#include "tests.h"

static char dir[] = "/tmp/test-seccomp-cache-XXXXXX";

static Plan *make_plan(const char *extra) {
        static const char *const allowed[] = { "read", "write", "execve", "exit_group", "getppid", NULL };
        Plan *p = plan_new();

        ASSERT_TRUE(p);
        p->seccomp_default_action = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = EPERM };
        ASSERT_OK(strv_extend(&p->seccomp_architectures, "native"));
        for (const char *const *s = allowed; *s; s++) {
                p->syscalls = reallocarray(p->syscalls, p->n_syscalls + 1, sizeof(PlanSyscall));
                ASSERT_TRUE(p->syscalls);
                p->syscalls[p->n_syscalls++] = (PlanSyscall) {
                        .name = strdup(*s), .origin = strdup(""), .action = { .type = SECCOMP_ACTION_ALLOW } };
        }
        if (extra) {
                p->syscalls = reallocarray(p->syscalls, p->n_syscalls + 1, sizeof(PlanSyscall));
                ASSERT_TRUE(p->syscalls);
                p->syscalls[p->n_syscalls++] = (PlanSyscall) {
                        .name = strdup(extra), .origin = strdup(""), .action = { .type = SECCOMP_ACTION_ALLOW } };
        }
        return p;
}

/* Remove every cache file except keep. */
__attribute__((noinline)) static void remove_all_but(const char *keep) {
        struct dirent *de;
        DIR *d = opendir(dir);

        ASSERT_TRUE(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && !streq(de->d_name, strrchr(keep, '/') + 1))
                        ASSERT_TRUE(unlinkat(dirfd(d), de->d_name, 0) == 0);
        closedir(d);
}

/* The one file in the cache directory. */
static char *only_entry(void) {
        struct dirent *de;
        char *path = NULL;
        DIR *d = opendir(dir);
        int n = 0;

        ASSERT_TRUE(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        n++;
                        free(path);
                        ASSERT_TRUE(asprintf(&path, "%s/%s", dir, de->d_name) > 0);
                }
        closedir(d);
        ASSERT_EQ(n, 1);
        return path;
}

static void write_file(const char *path, const void *data, size_t n) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, data, n), (ssize_t) n);
        close(fd);
}

static size_t read_file(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        ASSERT_TRUE(fd >= 0);
        n = read(fd, buf, size);
        ASSERT_TRUE(n > 0);
        close(fd);
        return (size_t) n;
}

int main(void) {
        _cleanup_(plan_freep) Plan *fresh = NULL, *cached = NULL, *other = NULL, *again = NULL;
        _cleanup_free_ char *entry = NULL;
        static char buf[1024 * 1024];
        size_t n;

        ASSERT_TRUE(mkdtemp(dir));

        /* No cache dir: plain compile, nothing stored. */
        fresh = make_plan(NULL);
        ASSERT_OK(plan_compile_seccomp(fresh));
        ASSERT_TRUE(fresh->seccomp_bpf_size > 0);
        ASSERT_EQ(plan_seccomp_cache_store(fresh), 0);

        ASSERT_OK(plan_seccomp_set_cache_dir(dir));
        ASSERT_EQ(plan_seccomp_cache_store(fresh), 1);
        ASSERT_EQ(plan_seccomp_cache_store(fresh), 0);     /* already there */
        entry = only_entry();

        /* A hit is byte-for-byte the fresh program. */
        cached = make_plan(NULL);
        ASSERT_EQ(plan_seccomp_cache_lookup(cached), 1);
        ASSERT_EQ(cached->seccomp_bpf_size, fresh->seccomp_bpf_size);
        ASSERT_TRUE(memcmp(cached->seccomp_bpf, fresh->seccomp_bpf, fresh->seccomp_bpf_size) == 0);

        /* Another rule set misses. */
        other = make_plan("getpid");
        ASSERT_EQ(plan_seccomp_cache_lookup(other), 0);
        ASSERT_TRUE(!other->seccomp_bpf);

        /* So do the same rules with an address family list, or with
         * another ENOSYS ceiling: the program differs. */
        {
                _cleanup_(plan_freep) Plan *af = make_plan(NULL), *nosys = make_plan(NULL);

                af->seccomp_restrict_address_families = true;
                af->seccomp_address_families = UINT64_C(1) << 1;
                ASSERT_EQ(plan_seccomp_cache_lookup(af), 0);
                ASSERT_OK(plan_seccomp_resolve_enosys(nosys));
                ASSERT_EQ(plan_seccomp_cache_lookup(nosys), 0);
                ASSERT_OK(plan_compile_seccomp(nosys));
                ASSERT_EQ(plan_seccomp_cache_store(nosys), 1);
                nosys->seccomp_enosys[0].max++;
                ASSERT_EQ(plan_seccomp_cache_lookup(nosys), 0);
                nosys->seccomp_enosys[0].max--;
                ASSERT_EQ(plan_seccomp_cache_lookup(nosys), 1);
                /* The stored program is the one with the prefix. */
                ASSERT_TRUE(nosys->seccomp_bpf_size > fresh->seccomp_bpf_size);
                remove_all_but(entry);
        }

        n = read_file(entry, buf, sizeof(buf));

        /* A stored key that is not ours at our file name (a collision, or
         * an edited file): a miss. */
        buf[0] ^= 1;
        write_file(entry, buf, n);
        again = make_plan(NULL);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        buf[0] ^= 1;

        /* Truncated inside the program, and a program that is not whole
         * instructions: misses. */
        write_file(entry, buf, n - 8);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        write_file(entry, buf, n - 3);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        buf[n - 5] ^= 0x40;                               /* one bit of the program */
        write_file(entry, buf, n);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        buf[n - 5] ^= 0x40;
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        write_file(entry, buf, strlen(buf) + 1);          /* key only, no program */
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);

        /* Group- or world-writable: not trusted. */
        write_file(entry, buf, n);
        ASSERT_TRUE(chmod(entry, 0666) == 0);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 0);
        ASSERT_TRUE(chmod(entry, 0600) == 0);
        ASSERT_EQ(plan_seccomp_cache_lookup(again), 1);

        /* plan_compile_seccomp() itself uses the cache. */
        again->seccomp_bpf = mfree(again->seccomp_bpf);
        ASSERT_OK(plan_compile_seccomp(again));
        ASSERT_TRUE(memcmp(again->seccomp_bpf, fresh->seccomp_bpf, fresh->seccomp_bpf_size) == 0);

        ASSERT_TRUE(unlink(entry) == 0);
        ASSERT_TRUE(rmdir(dir) == 0);
        ASSERT_OK(plan_seccomp_set_cache_dir(NULL));
        printf("ok\n");
        return 0;
}
