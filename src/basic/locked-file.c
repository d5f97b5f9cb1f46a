/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "locked-file.h"
#include "macro.h"
#include "string-util.h"

int locked_dir_open(const char *parent, const char *name, int *ret_dir_fd) {
        _cleanup_close_ int parent_fd = -EBADF, fd = -EBADF;
        struct stat st;

        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        parent_fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0)
                return negative_errno();
        if (mkdirat(parent_fd, name, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_uid != geteuid() || (st.st_mode & 0022))
                return -EPERM;
        *ret_dir_fd = TAKE_FD(fd);
        return 0;
}

int locked_dir_lock(int dir_fd, int *ret_lock_fd) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return negative_errno();
        if (flock(fd, LOCK_EX) < 0)
                return negative_errno();
        *ret_lock_fd = TAKE_FD(fd);
        return 0;
}

int locked_file_read(int dir_fd, const char *name, size_t max, char **ret_text) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_full_file_at(dir_fd, name, O_NOFOLLOW, max, &text, NULL);
        if (r == -ENOENT) {
                text = strdup("");
                if (!text)
                        return -ENOMEM;
        } else if (r < 0)
                return r;
        *ret_text = TAKE_PTR(text);
        return 0;
}

int locked_file_write(int dir_fd, const char *name, size_t n, locked_file_line_t line, const void *userdata) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                line(f, i, userdata);
        if (fclose(f) != 0)
                return -ENOMEM;
        return write_file_atomic_at_full(dir_fd, name, text, size, 0600, WRITE_ATOMIC_SYNC);
}

bool locked_file_name_is_valid(const char *name) {
        if (isempty(name) || strlen(name) > 255)
                return false;
        for (const char *c = name; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f)
                        return false;
        return true;
}
