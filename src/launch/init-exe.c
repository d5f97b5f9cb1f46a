/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandbox-init's image, and init's exec into it (init.c says why init
 * changes its image once the service is forked).
 *
 * The program is found at, first match:
 *   1. $SANDBOXD_INIT_PATH (a program run from its build tree: the test
 *      suites, tools/quickstart.sh and the benchmarks set it, so that a
 *      build never execs an older installed copy; a relocated install);
 *   2. LIBEXECDIR/sandboxd/sandbox-init, where meson installs it. No path
 *      of the build tree is compiled in: the installed programs are the
 *      built ones, and must look under their own prefix only.
 * Missing or unusable: init stays the launcher's fork (logged once per
 * process), which works the same and costs more memory.
 *
 * It is copied once per process into a memfd that the process keeps, and
 * init execs that, never the file:
 *   - /proc/1/exe inside every sandbox is then the memfd: no file of the
 *     host to open for writing (CVE-2019-5736) or to learn the path of.
 *   - Sealed (F_SEAL_WRITE, SHRINK, GROW, and EXEC on 6.3+, then SEAL): not
 *     even a holder of the fd can change its contents or mode.
 *   - Mode 0111, owned by the host's root: init (no CAP_DAC_*) can execute
 *     it but not read it, which is what keeps init non-dumpable across the
 *     exec, with its memory owned by the host's user namespace (the
 *     kernel's would_dump(); init.c). The installed file is readable, and
 *     an exec of it would make init dumpable, and traceable from inside a
 *     user namespace by a service that has CAP_SYS_PTRACE there.
 *   - One copy for all sandboxes: every init maps the same pages, so the
 *     program's text is shared, not private to each service.
 * memfds that may be executed must be asked for with MFD_EXEC since 6.3
 * (vm.memfd_noexec); where they may not be at all (vm.memfd_noexec=2) the
 * memfd cannot be made, and init stays the fork. */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "launch-internal.h"
#include "log.h"
#include "string-util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* sandbox-init is a small static program; anything much bigger is not it. */
#define INIT_EXE_SIZE_MAX (16 * 1024 * 1024)

static int cached_fd = -EBADF;
static int cached_error = 0;

static const char *init_exe_path(bool *ret_expected) {
        const char *p = secure_getenv("SANDBOXD_INIT_PATH");

        *ret_expected = true;
        if (!isempty(p))
                return p;
#ifndef HAVE_SANDBOX_INIT
        /* Not built (no static libc, src/launch/meson.build): its absence is no surprise. */
        *ret_expected = false;
#endif
        return LIBEXECDIR "/sandboxd/sandbox-init";
}

/* The whole file, checked: an ELF file that carries this launcher's
 * INIT_PROTOCOL_MARKER (sandbox-init.c), so that a sandbox-init of another
 * version is refused here, with a message, rather than failing inside a
 * sandbox where nobody would see why. */
static int read_checked(int fd, char **ret, size_t *ret_size) {
        static const char marker[] = INIT_PROTOCOL_MARKER;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size, got = 0;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || st.st_size < 4 || st.st_size > INIT_EXE_SIZE_MAX)
                return -EBADMSG;
        size = (size_t) st.st_size;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        while (got < size) {
                ssize_t n = read(fd, buf + got, size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EIO;    /* shrank under us */
                got += (size_t) n;
        }
        if (memcmp(buf, "\177ELF", 4) != 0)
                return -ENOEXEC;
        if (!memmem(buf, size, marker, sizeof(marker)))
                return -EPROTO;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int copy_sealed(int fd, int *ret) {
        _cleanup_close_ int mfd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size, done = 0;
        int r;

        r = read_checked(fd, &buf, &size);
        if (r < 0)
                return r;

        mfd = memfd_create("sandbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (mfd < 0 && errno == EINVAL)         /* before 6.3, no MFD_EXEC: executable anyway */
                mfd = memfd_create("sandbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return negative_errno();
        while (done < size) {
                ssize_t n = write(mfd, buf + done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? negative_errno() : -EIO;
                done += (size_t) n;
        }

        if (fchmod(mfd, 0111) < 0)
                return negative_errno();
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return negative_errno();
        /* The mode, too, where the kernel can seal it (6.3). */
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_EXEC) < 0 && errno != EINVAL)
                return negative_errno();
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL) < 0)
                return negative_errno();

        *ret = TAKE_FD(mfd);
        return 0;
}

int init_exe_get(void) {
        _cleanup_close_ int fd = -EBADF;
        const char *path;
        bool expected;
        int r;

        if (cached_fd >= 0)
                return cached_fd;
        if (cached_error < 0)
                return cached_error;

        path = init_exe_path(&expected);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        r = fd < 0 ? negative_errno() : copy_sealed(fd, &cached_fd);
        if (r < 0) {
                cached_error = r;
                if (r == -EPROTO)
                        return log_warning_errno(r, "%s is not the sandbox-init of this version (no \"%s\"), "
                                                 "the sandboxes' PID 1 stays a copy of this process (more memory "
                                                 "per service), ignoring it.", path, INIT_PROTOCOL_MARKER);
                return log_full_errno(expected ? LOG_WARNING : LOG_DEBUG, r,
                                      "Failed to load %s, the sandboxes' PID 1 stays a copy of this process "
                                      "(more memory per service), ignoring: %m", path);
        }
        return cached_fd;
}

/* In init, once the service is forked, its capabilities dropped and
 * no_new_privs set. Only the exit status file and the output pipe's read
 * end go across: every other fd is closed, the sync socket included (SYNC
 * 2 for init).
 *
 * The sync socket is closed here, not by the exec: the exec's first work
 * is to free this process's copy of the caller's memory (1 to 2 ms for a
 * sandboxd with a large heap), and the launcher need not wait for that.
 * So from here on nothing is reported: an exec that fails leaves init in
 * the fork (the caller falls back to init_run()). That is also why the
 * version is checked by init_exe_get(), and not by sandbox-init. */
int init_exe_exec(int exe_fd, pid_t service, int exit_fd, int oom_fd, int output_fd, int listener_fd, size_t n_listen) {
        char pid_s[16], exit_s[16], oom_s[16];
        char *argv[] = { (char *) "sandbox-init", (char *) INIT_PROTOCOL, pid_s, exit_s, oom_s, NULL };
        char *envp[] = { NULL };

        snprintf(pid_s, sizeof(pid_s), "%d", (int) service);
        snprintf(exit_s, sizeof(exit_s), "%d", exit_fd >= 0 ? exit_fd : -1);
        snprintf(oom_s, sizeof(oom_s), "%d", oom_fd >= 0 ? oom_fd : -1);

        /* The memfd stays close-on-exec: the exec holds its file. The
         * output pipe keeps its number: a restarted sandboxd takes it from
         * there (LAUNCH_INIT_OUTPUT_FD); sandbox-init need not know it. */
        init_close_fds_except((const int[]) { exit_fd, exe_fd, oom_fd, output_fd, listener_fd }, 5, n_listen);
        if (exit_fd >= 0 && fcntl(exit_fd, F_SETFD, 0) < 0)
                return negative_errno();
        if (oom_fd >= 0 && fcntl(oom_fd, F_SETFD, 0) < 0)
                return negative_errno();
        /* The listening sockets keep their numbers too (LAUNCH_INIT_LISTEN_FD). */
        for (size_t i = 0; i < n_listen; i++)
                if (fcntl(LAUNCH_INIT_LISTEN_FD + (int) i, F_SETFD, 0) < 0)
                        return negative_errno();
        if (output_fd >= 0 && fcntl(output_fd, F_SETFD, 0) < 0)
                return negative_errno();
        /* The same for the listener (LAUNCH_INIT_LISTENER_FD). */
        if (listener_fd >= 0 && fcntl(listener_fd, F_SETFD, 0) < 0)
                return negative_errno();

        (void) syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
        return negative_errno();
}
