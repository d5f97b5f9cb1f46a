/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The host id range registry (src/launch/idrange.c): a registered name
 * keeps its range, a new name never overlaps one, and a registry with any
 * line that does not parse is refused as a whole. */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fs-util.h"
#include "idrange.h"
#include "macro.h"
#include "tests.h"

#define FIRST UINT32_C(0x70000000)
#define SLOT UINT32_C(65536)

static char tmpdir[] = "/tmp/test-idrange.XXXXXX";
static char state[256];
static int n_state;

/* A fresh state directory with STATE/userns/ranges holding text (NULL:
 * no file). */
static void registry(const char *text) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(state, sizeof(state), "%s/s%d", tmpdir, n_state++);
        ASSERT_EQ(mkdir(state, 0755), 0);
        snprintf(path, sizeof(path), "%s/userns", state);
        ASSERT_EQ(mkdir(path, 0700), 0);
        if (!text)
                return;
        snprintf(path, sizeof(path), "%s/userns/ranges", state);
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        fputs(text, f);
        ASSERT_EQ(fclose(f), 0);
}

static char *registry_text(void) {
        char path[PATH_MAX];
        char *text = NULL;

        snprintf(path, sizeof(path), "%s/userns/ranges", state);
        ASSERT_OK(read_full_file(path, 16 * 1024 * 1024, &text, NULL));
        return text;
}

TEST(registered_name_keeps_its_range) {
        uint32_t base;

        registry("1879048192 65536 web\n1879113728 65536 db\n\n1879179264 4096 small\n");
        ASSERT_OK(idrange_acquire(state, "db", SLOT, &base));
        ASSERT_EQ(base, FIRST + SLOT);
        ASSERT_OK(idrange_acquire(state, "web", 1, &base));
        ASSERT_EQ(base, FIRST);
        /* A registered range smaller than asked for is not stretched. */
        ASSERT_EQ(idrange_acquire(state, "small", SLOT, &base), -ERANGE);
        /* The last line need not end in a newline. */
        registry("1879048192 65536 web\n1879113728 65536 db");
        ASSERT_OK(idrange_acquire(state, "db", SLOT, &base));
        ASSERT_EQ(base, FIRST + SLOT);
}

TEST(new_name_gets_a_free_slot_and_is_kept) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        uint32_t base, again;

        registry(NULL);
        ASSERT_OK(idrange_acquire(state, "first", SLOT, &base));
        ASSERT_TRUE(base >= FIRST && (base - FIRST) % SLOT == 0);
        before = registry_text();
        ASSERT_OK(idrange_acquire(state, "first", SLOT, &again));
        ASSERT_EQ(again, base);
        after = registry_text();
        ASSERT_STREQ(before, after);
}

/* Every slot but one is taken: a new name must land in that one, whatever
 * its hash says, and the file keeps every other line as it was. */
TEST(new_name_skips_every_taken_slot) {
        const uint32_t slots = (UINT32_C(0x7FFE0000) - FIRST) / SLOT, free_slot = 1234;
        _cleanup_free_ char *text = NULL, *after = NULL;
        size_t size = 0;
        uint32_t base;
        FILE *f;

        f = open_memstream(&text, &size);
        ASSERT_TRUE(f);
        for (uint32_t i = 0; i < slots; i++)
                if (i != free_slot)
                        fprintf(f, "%u %u unit-%u\n", FIRST + i * SLOT, SLOT, i);
        ASSERT_EQ(fclose(f), 0);
        registry(text);
        ASSERT_OK(idrange_acquire(state, "newcomer", SLOT, &base));
        ASSERT_EQ(base, FIRST + free_slot * SLOT);
        after = registry_text();
        ASSERT_EQ(strncmp(after, text, size), 0);
        ASSERT_TRUE(strstr(after + size, "newcomer"));
        /* And then there is none. */
        ASSERT_EQ(idrange_acquire(state, "one-more", SLOT, &base), -ENOSPC);
        /* A registered name still finds its own among 4094 lines. */
        ASSERT_OK(idrange_acquire(state, "unit-4000", SLOT, &base));
        ASSERT_EQ(base, FIRST + 4000 * SLOT);
}

TEST(bad_lines_refuse_the_registry) {
        static const char *const bad[] = {
                "garbage\n",
                "1879048192\n",
                "1879048192 65536\n",
                "1879048192 65536 \n",
                "1879048192 0 web\n",
                "1879048192 65537 web\n",
                "1879048191 65536 web\n",       /* below the first slot */
                "2147352576 1 web\n",           /* at the end */
                "2147418111 2 web\n",           /* crosses the end */
                "-1879048192 65536 web\n",
                "+1879048192 65536 web\n",
                " 1879048192 65536 web\n",
                "18790481920 65536 web\n",      /* 11 digits */
                "99999999999999999999 1 web\n",
                "1879048192x 65536 web\n",
                "1879048192 65536x web\n",
                "1879048192\t65536 web\n",
                "1879048192 65536 w\teb\n",
                "1879048192 65536 w\177b\n",
                "1879048192 65536 web\n1879113728 65536 db\nbroken\n",
        };
        uint32_t base;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                registry(bad[i]);
                if (idrange_acquire(state, "web", 1, &base) != -EBADMSG) {
                        fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
                        ASSERT_TRUE(false);
                }
        }
}

TEST(invalid_names_and_counts) {
        uint32_t base;

        registry(NULL);
        ASSERT_EQ(idrange_acquire(state, "", SLOT, &base), -EINVAL);
        ASSERT_EQ(idrange_acquire(state, "a b", SLOT, &base), -EINVAL);
        ASSERT_EQ(idrange_acquire(state, "web", 0, &base), -EINVAL);
        ASSERT_EQ(idrange_acquire(state, "web", SLOT + 1, &base), -EINVAL);
}

TEST(registry_dir_others_can_write_is_refused) {
        char path[PATH_MAX];
        uint32_t base;

        registry("1879048192 65536 web\n");
        snprintf(path, sizeof(path), "%s/userns", state);
        ASSERT_EQ(chmod(path, 0777), 0);
        ASSERT_EQ(idrange_acquire(state, "web", SLOT, &base), -EPERM);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(tmpdir));
        RUN(registered_name_keeps_its_range);
        RUN(new_name_gets_a_free_slot_and_is_kept);
        RUN(new_name_skips_every_taken_slot);
        RUN(bad_lines_refuse_the_registry);
        RUN(invalid_names_and_counts);
        RUN(registry_dir_others_can_write_is_refused);
        (void) rm_rf_at(AT_FDCWD, tmpdir);
        return 0;
}
