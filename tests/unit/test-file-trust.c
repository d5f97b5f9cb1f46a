/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <unistd.h>

#include "file-trust.h"
#include "macro.h"
#include "policy.h"
#include "test-helpers.h"

static char *dir;

static char *mkdir_in(const char *parent, const char *name, mode_t mode) {
        char *p;

        ASSERT_TRUE(asprintf(&p, "%s/%s", parent, name) > 0);
        ASSERT_TRUE(mkdir(p, 0700) == 0);
        ASSERT_TRUE(chmod(p, mode) == 0);
        return p;
}

/* trust_open() on path for caller: the problem found (TRUST_OK if none). */
static TrustProblem problem_of(const char *path, uid_t caller, int flags, char **ret_where) {
        TrustFailure f = {};
        int fd = trust_open(path, caller, flags, &f);

        if (fd >= 0) {
                close(fd);
                return TRUST_OK;
        }
        ASSERT_EQ(fd, -EPERM);
        if (ret_where)
                *ret_where = TAKE_PTR(f.path);
        trust_failure_done(&f);
        return f.problem;
}

TEST(check_stat) {
        struct stat st = { .st_uid = 0, .st_mode = S_IFREG | 0644 };

        ASSERT_EQ(trust_check_stat(&st, 1000, false), TRUST_OK);
        st.st_mode = S_IFREG | 0664;
        ASSERT_EQ(trust_check_stat(&st, 1000, false), TRUST_GROUP_WRITABLE);
        st.st_mode = S_IFREG | 0646;
        ASSERT_EQ(trust_check_stat(&st, 1000, false), TRUST_OTHER_WRITABLE);
        st.st_uid = 1000;
        st.st_mode = S_IFREG | 0644;
        ASSERT_EQ(trust_check_stat(&st, 1000, false), TRUST_OK);
        ASSERT_EQ(trust_check_stat(&st, 0, false), TRUST_BAD_OWNER);
        ASSERT_EQ(trust_check_stat(&st, 1001, false), TRUST_BAD_OWNER);
        /* Sticky: fine above a file, whoever may write; not as the file. */
        st.st_uid = 0;
        st.st_mode = S_IFDIR | 01777;
        ASSERT_EQ(trust_check_stat(&st, 1000, true), TRUST_OK);
        ASSERT_EQ(trust_check_stat(&st, 1000, false), TRUST_OTHER_WRITABLE);
        /* ... and never for a sticky directory someone else owns. */
        st.st_uid = 1001;
        ASSERT_EQ(trust_check_stat(&st, 1000, true), TRUST_BAD_OWNER);
}

TEST(ancestor_walk) {
        uid_t me = geteuid();
        char *a, *b, *f, *where = NULL, *link, *m = NULL;
        TrustFailure tf = {};

        a = mkdir_in(dir, "a", 0755);
        b = mkdir_in(a, "b", 0755);
        f = write_file(b, "f.unit", "x");
        ASSERT_TRUE(chmod(f, 0644) == 0);
        ASSERT_EQ(problem_of(f, me, 0, NULL), TRUST_OK);

        /* Each directory above it, at any depth. */
        ASSERT_TRUE(chmod(a, 0775) == 0);
        ASSERT_EQ(problem_of(f, me, 0, &where), TRUST_GROUP_WRITABLE);
        ASSERT_STREQ(where, a);
        where = mfree(where);
        ASSERT_TRUE(chmod(a, 0777) == 0);
        ASSERT_EQ(problem_of(f, me, 0, NULL), TRUST_OTHER_WRITABLE);
        ASSERT_TRUE(chmod(a, 01777) == 0);
        ASSERT_EQ(problem_of(f, me, 0, NULL), TRUST_OK);
        ASSERT_TRUE(chmod(a, 0755) == 0);

        /* The file itself. */
        ASSERT_TRUE(chmod(f, 0620) == 0);
        ASSERT_EQ(problem_of(f, me, 0, &where), TRUST_GROUP_WRITABLE);
        ASSERT_STREQ(where, f);
        where = mfree(where);
        ASSERT_TRUE(chmod(f, 0644) == 0);

        /* A directory opened as such, without the sticky exception. */
        ASSERT_TRUE(chmod(b, 01777) == 0);
        ASSERT_EQ(problem_of(b, me, O_DIRECTORY, NULL), TRUST_OTHER_WRITABLE);
        ASSERT_EQ(problem_of(f, me, 0, NULL), TRUST_OK);
        ASSERT_TRUE(chmod(b, 0755) == 0);

        /* A symlink is judged by what it leads to, and where that is. */
        ASSERT_TRUE(asprintf(&link, "%s/link.unit", dir) > 0 && symlink(f, link) == 0);
        ASSERT_EQ(problem_of(link, me, 0, NULL), TRUST_OK);
        ASSERT_TRUE(chmod(b, 0757) == 0);
        ASSERT_EQ(problem_of(link, me, 0, &where), TRUST_OTHER_WRITABLE);
        ASSERT_STREQ(where, b);
        where = mfree(where);
        ASSERT_TRUE(chmod(b, 0755) == 0);

        /* The message names the directory and the problem. */
        ASSERT_TRUE(chmod(a, 0770) == 0);
        ASSERT_EQ(trust_open(f, me, 0, &tf), -EPERM);
        ASSERT_OK(trust_failure_message(&tf, &m));
        ASSERT_TRUE(strstr(m, "directory ") == m && strstr(m, "/a above it is writable by group ") &&
                    strstr(m, "(mode 0770); refusing."));
        trust_failure_done(&tf);
        free(m);
        ASSERT_TRUE(chmod(a, 0755) == 0);

        /* Owned by someone else (root can make one). */
        if (me == 0) {
                ASSERT_TRUE(chown(f, 4242, 4242) == 0);
                ASSERT_EQ(problem_of(f, 0, 0, NULL), TRUST_BAD_OWNER);
                ASSERT_EQ(problem_of(f, 4242, 0, NULL), TRUST_OK);
                ASSERT_EQ(problem_of(f, 4243, 0, NULL), TRUST_BAD_OWNER);
                ASSERT_TRUE(chown(a, 4242, 4242) == 0);
                ASSERT_EQ(problem_of(f, 4242, 0, NULL), TRUST_OK);
                ASSERT_EQ(problem_of(f, 0, 0, &where), TRUST_BAD_OWNER);
                ASSERT_STREQ(where, a);
                where = mfree(where);
                ASSERT_EQ(trust_open(f, 0, 0, &tf), -EPERM);
                ASSERT_OK(trust_failure_message(&tf, &m));
                ASSERT_TRUE(strstr(m, "above it is writable by uid 4242 (its owner, neither root nor the caller); refusing."));
                trust_failure_done(&tf);
                free(m);
        } else
                printf("# not root: the owner checks with other uids are skipped\n");

        ASSERT_EQ(trust_open("/nonexistent/x", me, 0, &tf), -ENOENT);
        free(link);
        free(f);
        free(b);
        free(a);
}

TEST(can_read_as) {
        char *d = mkdir_in(dir, "r", 0755), *f = write_file(d, "env", "A=1\n");
        gid_t other = 4242;

        ASSERT_TRUE(chmod(f, 0644) == 0);
        ASSERT_EQ(trust_can_read_as(f, 4242, 4242, NULL, 0), 1);
        ASSERT_TRUE(chmod(f, 0600) == 0);
        ASSERT_EQ(trust_can_read_as(f, 4242, 4242, NULL, 0), 0);
        ASSERT_EQ(trust_can_read_as(f, 0, 0, NULL, 0), 1);
        ASSERT_EQ(trust_can_read_as(f, geteuid(), getegid(), NULL, 0), 1);
        /* Through the group, primary or supplementary. */
        ASSERT_TRUE(chmod(f, 0640) == 0);
        ASSERT_EQ(trust_can_read_as(f, 4242, getegid(), NULL, 0), 1);
        ASSERT_EQ(trust_can_read_as(f, 4242, 4242, NULL, 0), 0);
        {
                gid_t g = getegid();
                ASSERT_EQ(trust_can_read_as(f, 4242, other, &g, 1), 1);
        }
        /* A directory above it that the caller cannot search. */
        ASSERT_TRUE(chmod(f, 0644) == 0);
        ASSERT_TRUE(chmod(d, 0750) == 0);
        ASSERT_EQ(trust_can_read_as(f, 4242, 4242, NULL, 0), 0);
        ASSERT_TRUE(chmod(d, 0755) == 0);
        free(f);
        free(d);
}

TEST(bind_prefix_match) {
        ASSERT_TRUE(path_under_prefix("/srv", "/srv"));
        ASSERT_TRUE(path_under_prefix("/srv/www/a", "/srv"));
        ASSERT_TRUE(!path_under_prefix("/srvx", "/srv"));
        ASSERT_TRUE(!path_under_prefix("/sr", "/srv"));
        ASSERT_TRUE(!path_under_prefix("/var/lib/sandboxd", "/var/lib/sandboxd/data"));
        ASSERT_TRUE(path_under_prefix("/var/lib/sandboxd/data/x", "/var/lib/sandboxd/data"));
        ASSERT_TRUE(path_under_prefix("/anything", "/"));
        ASSERT_TRUE(path_under_prefix("/", "/"));
}

int main(void) {
        umask(022);
        dir = make_tmpdir();
        ASSERT_TRUE(chmod(dir, 0755) == 0);
        RUN(check_stat);
        RUN(ancestor_walk);
        RUN(can_read_as);
        RUN(bind_prefix_match);
        rm_rf(dir);
        return 0;
}
