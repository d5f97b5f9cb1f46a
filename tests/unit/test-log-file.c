/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd's log file without journald: never bigger than size_max per
 * file and files_max files, rotated on line ends, a flood cut at the rate
 * limit with one marker line, and never written through what was planted
 * in its place. In a temporary directory, with a clock we move by hand. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log-file.h"
#include "macro.h"
#include "tests.h"

#define KIB 1024U
#define SEC USEC_PER_SEC

static char tmpdir[] = "/tmp/test-log-file.XXXXXX";
static int dir_fd = -EBADF;

static void clean_dir(void) {
        static const char *const names[] = { "web.log", "web.log.1", "web.log.2", "web.log.3", "other" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                (void) unlinkat(dir_fd, names[i], 0);
}

static uint64_t file_size(const char *name) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return UINT64_MAX;
        return (uint64_t) st.st_size;
}

static char *file_text(const char *name) {
        char *t = NULL;
        size_t size;

        ASSERT_OK(read_full_file_at(dir_fd, name, O_NOFOLLOW, 16 * 1024 * 1024, &t, &size));
        return t;
}

static size_t count(const char *s, const char *needle) {
        size_t n = 0;

        for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* n lines of "line NNNNNN\n" (12 bytes each) from first on. */
static char *lines(unsigned first, unsigned n) {
        char *b = malloc((size_t) n * 12 + 1), *p = b;

        ASSERT_TRUE(b);
        for (unsigned i = 0; i < n; i++)
                p += sprintf(p, "line %06u\n", first + i);
        return b;
}

TEST(limits) {
        ASSERT_OK(log_file_limits_check(&(LogFileLimits) { .size_max = LOG_FILE_SIZE_MAX_DEFAULT, .files_max = 2 }));
        ASSERT_EQ(log_file_limits_check(&(LogFileLimits) { .size_max = 1024, .files_max = 2 }), -EINVAL);
        ASSERT_EQ(log_file_limits_check(&(LogFileLimits) { .size_max = LOG_FILE_SIZE_MAX_MIN, .files_max = 0 }), -EINVAL);
        ASSERT_EQ(log_file_limits_check(&(LogFileLimits) { .size_max = LOG_FILE_SIZE_MAX_MIN, .files_max = 101 }),
                  -EINVAL);
}

/* Every file stays within size_max, cuts fall on line ends, the newest
 * lines are kept, and at most files_max files exist. */
TEST(rotation) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 3, .rate_burst = UINT64_MAX / 2 };
        _cleanup_(log_file_freep) LogFile *f = NULL;
        _cleanup_free_ char *cur = NULL, *old = NULL;
        unsigned next = 0;

        clean_dir();
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_U64(file_size("web.log"), 0);
        /* 400 KiB in chunks of 1000 lines (12000 bytes): several rotations. */
        for (int i = 0; i < 34; i++) {
                _cleanup_free_ char *b = lines(next, 1000);

                ASSERT_OK(log_file_append(f, b, 12000, (uint64_t) i * SEC));
                next += 1000;
        }
        ASSERT_TRUE(file_size("web.log") <= 64 * KIB);
        ASSERT_TRUE(file_size("web.log.1") <= 64 * KIB);
        ASSERT_TRUE(file_size("web.log.2") <= 64 * KIB);
        ASSERT_U64(file_size("web.log.3"), UINT64_MAX);
        /* Whole lines: each file is a multiple of 12 bytes. */
        ASSERT_U64(file_size("web.log") % 12, 0);
        ASSERT_U64(file_size("web.log.1") % 12, 0);
        ASSERT_U64(file_size("web.log.1"), 64 * KIB / 12 * 12);
        cur = file_text("web.log");
        old = file_text("web.log.1");
        /* The last line written is the last line of web.log, and web.log.1
         * ends right before web.log begins. */
        ASSERT_TRUE(strstr(cur, "line 033999\n"));
        {
                unsigned first_cur, last_old;

                ASSERT_EQ(sscanf(cur, "line %u", &first_cur), 1);
                ASSERT_EQ(sscanf(old + strlen(old) - 12, "line %u", &last_old), 1);
                ASSERT_EQ(last_old + 1, first_cur);
        }
        ASSERT_EQ(count(cur, "dropped"), 0);
        ASSERT_EQ((int) (file_size("web.log") + file_size("web.log.1") + file_size("web.log.2") <= 3 * 64 * KIB), 1);
}

/* A line longer than a file is cut where the file is full. */
TEST(long_line) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 2, .rate_burst = UINT64_MAX / 2 };
        _cleanup_(log_file_freep) LogFile *f = NULL;
        _cleanup_free_ char *b = malloc(200 * KIB);

        clean_dir();
        ASSERT_TRUE(b);
        memset(b, 'x', 200 * KIB);
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_OK(log_file_append(f, "first\n", 6, 0));
        ASSERT_OK(log_file_append(f, b, 200 * KIB, 0));
        ASSERT_TRUE(file_size("web.log") <= 64 * KIB);
        ASSERT_U64(file_size("web.log.1"), 64 * KIB);
}

/* Over the rate: whole lines up to the burst, the rest dropped, one marker
 * line once the interval is over, with the count; then output again. */
TEST(rate_limit) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 2, .rate_burst = 12 * 1000, .rate_interval_usec = 10 * SEC };
        _cleanup_(log_file_freep) LogFile *f = NULL;
        _cleanup_free_ char *b = lines(0, 5000), *text = NULL;
        uint64_t t0 = 1000 * SEC;

        clean_dir();
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_U64(log_file_marker_due(f), 0);
        /* 60000 bytes at once, then 60000 more within the interval. */
        ASSERT_OK(log_file_append(f, b, 60000, t0));
        ASSERT_U64(file_size("web.log"), 12000);
        ASSERT_OK(log_file_append(f, b, 60000, t0 + 5 * SEC));
        ASSERT_U64(file_size("web.log"), 12000);
        ASSERT_U64(log_file_marker_due(f), t0 + 10 * SEC);
        ASSERT_OK(log_file_tick(f, t0 + 9 * SEC));
        ASSERT_U64(file_size("web.log"), 12000);
        ASSERT_OK(log_file_tick(f, t0 + 10 * SEC));
        ASSERT_U64(log_file_marker_due(f), 0);
        text = file_text("web.log");
        ASSERT_EQ(count(text, "-- sandboxd: 108000 bytes dropped"), 1);
        ASSERT_TRUE(strstr(text, "line 000999\n-- sandboxd: "));
        text = mfree(text);
        /* The next interval writes again, with no second marker. */
        ASSERT_OK(log_file_append(f, "after\n", 6, t0 + 11 * SEC));
        text = file_text("web.log");
        ASSERT_EQ(count(text, "bytes dropped"), 1);
        ASSERT_TRUE(strstr(text, " --\nafter\n"));
}

/* The marker also comes with the first write of a later interval, and
 * starts on a line of its own. */
TEST(marker_on_next_write) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 2, .rate_burst = 100, .rate_interval_usec = 10 * SEC };
        _cleanup_(log_file_freep) LogFile *f = NULL;
        _cleanup_free_ char *b = malloc(1000), *text = NULL;

        clean_dir();
        memset(b, 'y', 1000);
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_OK(log_file_append(f, b, 1000, 0));
        ASSERT_U64(file_size("web.log"), 100);
        ASSERT_OK(log_file_append(f, "z\n", 2, 20 * SEC));
        text = file_text("web.log");
        ASSERT_TRUE(strstr(text, "y\n-- sandboxd: 900 bytes dropped"));
        ASSERT_TRUE(strstr(text, " --\nz\n"));
        text = mfree(text);
        /* Nothing pending: flush writes nothing. */
        ASSERT_OK(log_file_flush_dropped(f));
        text = file_text("web.log");
        ASSERT_EQ(count(text, "dropped"), 1);
}

/* A file left with a setuid mode is made 0640; a symlink or a FIFO in
 * its place is refused, not followed or blocked on. */
TEST(hostile_file) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 2 };
        LogFile *f = NULL;
        struct stat st;
        int fd;

        clean_dir();
        fd = openat(dir_fd, "web.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(write(fd, "old\n", 4) == 4);
        ASSERT_TRUE(fchmod(fd, 04755) == 0);
        close(fd);
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_TRUE(fstatat(dir_fd, "web.log", &st, 0) == 0);
        ASSERT_EQ(st.st_mode & 07777, 0640);
        ASSERT_U64(f->size, 4);
        f = log_file_free(f);

        clean_dir();
        fd = openat(dir_fd, "other", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_TRUE(symlinkat("other", dir_fd, "web.log") == 0);
        ASSERT_EQ(log_file_open(dir_fd, "web", &l, &f), -ELOOP);
        ASSERT_U64(file_size("other"), 0);

        clean_dir();
        ASSERT_TRUE(mkfifoat(dir_fd, "web.log", 0600) == 0);
        /* ENXIO: O_NONBLOCK without a reader; EBADFD: not a regular file. */
        {
                int r = log_file_open(dir_fd, "web", &l, &f);

                ASSERT_TRUE(r == -ENXIO || r == -EBADFD);
        }
        clean_dir();

        ASSERT_EQ(log_file_open(dir_fd, "a/b", &l, &f), -EINVAL);
        ASSERT_EQ(log_file_open(dir_fd, "web", &(LogFileLimits) { .size_max = 10, .files_max = 2 }, &f), -EINVAL);
}

/* files_max 1: NAME.log begins anew, no old file. */
TEST(single_file) {
        LogFileLimits l = { .size_max = 64 * KIB, .files_max = 1, .rate_burst = UINT64_MAX / 2 };
        _cleanup_(log_file_freep) LogFile *f = NULL;
        _cleanup_free_ char *b = lines(0, 10000);

        clean_dir();
        ASSERT_OK(log_file_open(dir_fd, "web", &l, &f));
        ASSERT_OK(log_file_append(f, b, 120000, 0));
        ASSERT_TRUE(file_size("web.log") <= 64 * KIB);
        ASSERT_U64(file_size("web.log.1"), UINT64_MAX);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(tmpdir));
        dir_fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dir_fd >= 0);

        RUN(limits);
        RUN(rotation);
        RUN(long_line);
        RUN(rate_limit);
        RUN(marker_on_next_write);
        RUN(hostile_file);
        RUN(single_file);

        clean_dir();
        close(dir_fd);
        ASSERT_TRUE(rmdir(tmpdir) == 0);
        return 0;
}
