/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Escape attempts on the filesystem side: mounts, namespaces, chroot, the
 * files under /proc and /sys that must not be writable, device nodes,
 * cgroup v1 release_agent, and what of the host the sandbox can see. */

#include <dirent.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif

/* ---- mounts and namespaces ---- */

void t_mount(long arg) {
        char dir[PATH_MAX];
        long rc;

        if (make_subdir("mnt", dir, sizeof dir) < 0)
                snprintf(dir, sizeof dir, "%s", dir_exists("/tmp") ? "/tmp" : "/");
        rc = mount("sbxprobe", dir, "tmpfs", 0, "size=1m");
        if (rc == 0) {
                umount2(dir, MNT_DETACH);
                report("mount-tmpfs", VERDICT_ALLOWED, "mounted a tmpfs on %s", dir);
                return;
        }
        classify("mount-tmpfs", rc, errno, NULL);
}

void t_umount(long arg) {
        /* Not a mount point: EINVAL proves the privilege check passed. */
        const char *dir = probe_workdir ?: "/bin";
        long rc = umount2(dir, 0);

        classify("umount", rc, errno, NULL);
}

void t_pivot_root(long arg) {
        long rc = syscall(SYS_pivot_root, "/sbxprobe-none-a", "/sbxprobe-none-b");
        classify("pivot_root", rc, errno, NULL);
}

void t_fsopen(long arg) {
        long rc = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        classify("fsopen", rc, errno, ALSO(ENODEV));
}

static const struct { const char *name; int flag; } ns_types[] = {
        { "user",   CLONE_NEWUSER },
        { "mnt",    CLONE_NEWNS },
        { "net",    CLONE_NEWNET },
        { "pid",    CLONE_NEWPID },
        { "uts",    CLONE_NEWUTS },
        { "ipc",    CLONE_NEWIPC },
        { "cgroup", CLONE_NEWCGROUP },
        { "time",   0x00000080 /* CLONE_NEWTIME */ },
};

void t_unshare(long i) {
        char name[32];
        long rc;

        snprintf(name, sizeof name, "unshare-%s", ns_types[i].name);
        rc = unshare(ns_types[i].flag);
        classify(name, rc, errno, ALSO(EINVAL, EUSERS, ENOSPC));
}

void t_setns(long i) {
        char name[32], path[64];
        int fd;
        long rc;

        /* PID 1's namespaces if it lets us open them, else our own: either
         * way the point is whether setns(2) itself is refused. */
        snprintf(name, sizeof name, "setns-%s", ns_types[i].name);
        snprintf(path, sizeof path, "/proc/1/ns/%s", ns_types[i].name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(path, sizeof path, "/proc/self/ns/%s", ns_types[i].name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        if (fd < 0) {
                report(name, VERDICT_BLOCKED, "open %s: %s", path, errno_name(errno));
                return;
        }
        rc = setns(fd, 0);
        if (rc < 0 && errno_blocks(errno, ALSO(EINVAL)))
                report(name, VERDICT_BLOCKED, "%s (%s)", errno_name(errno), path);
        else
                classify(name, rc, errno, ALSO(EINVAL));
}

void t_clone_ns(long flag) {
        const char *name = flag == CLONE_NEWUSER ? "clone-newuser" : "clone-newnet";
        long pid = syscall(SYS_clone, flag | SIGCHLD, NULL, NULL, NULL, 0);

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        classify(name, pid, errno, ALSO(EINVAL, EUSERS, ENOSPC));
}

/* clone3 passes its flags in memory, where seccomp cannot look: a filter
 * that only checks clone/unshare arguments misses it. */
void t_clone3_newuser(long arg) {
        struct {
                uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        } a = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &a, sizeof a);

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        classify("clone3-newuser", pid, errno, ALSO(EINVAL, EUSERS, ENOSPC));
}

void t_chroot(long arg) {
        const char *marker = probe_opts->marker;
        char dir[PATH_MAX];
        struct stat root, top, up;

        if (make_subdir("chroot", dir, sizeof dir) < 0) {
                report("chroot", VERDICT_SKIP, "no writable directory");
                report("chroot-escape", VERDICT_SKIP, "no writable directory");
                return;
        }
        if (stat("/", &root) < 0 || chdir(probe_workdir) < 0) {
                report("chroot-escape", VERDICT_ERROR, "stat /: %s", errno_name(errno));
                return;
        }
        if (chroot(dir) < 0) {
                int e = errno;
                report("chroot", VERDICT_BLOCKED, "%s", errno_name(e));
                report("chroot-escape", VERDICT_BLOCKED, "chroot: %s", errno_name(e));
                return;
        }
        report("chroot", VERDICT_ALLOWED, "chroot into %s", dir);

        /* The classic: cwd is outside the new root, so ".." is not clamped
         * and climbs to the real root of the mount namespace. */
        for (int i = 0; i < 256; i++) {
                if (stat(".", &top) < 0 || stat("..", &up) < 0)
                        break;
                if (top.st_dev == up.st_dev && top.st_ino == up.st_ino)
                        break;
                if (chdir("..") < 0)
                        break;
        }
        if (chroot(".") < 0) {
                report("chroot-escape", VERDICT_BLOCKED, "second chroot: %s", errno_name(errno));
                return;
        }
        if (stat("/", &top) < 0) {
                report("chroot-escape", VERDICT_ERROR, "stat: %s", errno_name(errno));
                return;
        }
        if (marker && access(marker, F_OK) == 0)
                report("chroot-escape", VERDICT_ALLOWED, "host file %s visible after the escape", marker);
        else if (top.st_dev != root.st_dev || top.st_ino != root.st_ino)
                report("chroot-escape", VERDICT_ALLOWED, "climbed above the sandbox root to %u:%u ino %lu",
                       major(top.st_dev), minor(top.st_dev), (unsigned long) top.st_ino);
        else
                report("chroot-escape", VERDICT_BLOCKED, "chroot allowed, but the climb ends at the sandbox root");
}

/* ---- files the sandbox must not write ---- */

/* Opened for writing, on the real filesystem (not a /dev/null or tmpfs mask)? */
static void try_open_write(const char *name, const char *path, bool write_back) {
        char cur[256] = "";
        struct statfs sf;
        struct stat st;
        int fd;

        if (write_back) {
                int r = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t n = r >= 0 ? read(r, cur, sizeof cur - 1) : -1;

                if (n > 0)
                        cur[n] = 0;
                if (r >= 0)
                        close(r);
        }
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                report(name, VERDICT_BLOCKED, "%s", errno_name(errno));
                return;
        }
        if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
                report(name, VERDICT_BLOCKED, "masked by char device %u:%u", major(st.st_rdev), minor(st.st_rdev));
                close(fd);
                return;
        }
        if (fstatfs(fd, &sf) == 0 && sf.f_type != PROC_SUPER_MAGIC && sf.f_type != SYSFS_MAGIC &&
            sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC) {
                report(name, VERDICT_BLOCKED, "masked: opened a file on fs type 0x%lx", (unsigned long) sf.f_type);
                close(fd);
                return;
        }
        if (write_back && cur[0]) {
                ssize_t n = write(fd, cur, strlen(cur));

                if (n < 0)
                        report(name, VERDICT_BLOCKED, "opened, write: %s", errno_name(errno));
                else
                        report(name, VERDICT_ALLOWED, "wrote %s", path);
        } else
                report(name, VERDICT_ALLOWED, "opened %s for writing", path);
        close(fd);
}

void t_proc_writes(long which) {
        switch (which) {
        case 0: try_open_write("proc-sys-hostname", "/proc/sys/kernel/hostname", true); break;
        case 1: try_open_write("sysrq-trigger", "/proc/sysrq-trigger", false); break;
        case 2: try_open_write("core-pattern", "/proc/sys/kernel/core_pattern", false); break;
        case 3: try_open_write("proc-sys-modprobe", "/proc/sys/kernel/modprobe", false); break;
        case 4: {
                static const char *const paths[] = {
                        "/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
                        "/sys/kernel/profiling", "/sys/power/state",
                };
                for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
                        if (access(paths[i], F_OK) == 0) {
                                try_open_write("sys-write", paths[i], false);
                                return;
                        }
                report("sys-write", VERDICT_BLOCKED, "no writable sysfs file found (sysfs hidden)");
                break;
        }
        }
}

void t_proc_kcore(long arg) {
        struct statfs sf;
        int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                report("proc-kcore", VERDICT_BLOCKED, "%s", errno_name(errno));
                return;
        }
        if (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
                report("proc-kcore", VERDICT_ALLOWED, "opened /proc/kcore");
        else
                report("proc-kcore", VERDICT_BLOCKED, "masked");
        close(fd);
}

/* CVE-2019-5736: a sandboxed process rewriting the runtime's binary
 * through /proc/PID/exe. */
void t_exe_write(long which) {
        const char *path = which ? "/proc/1/exe" : "/proc/self/exe";
        const char *name = which ? "proc1-exe-write" : "self-exe-write";
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof target - 1);
        int fd;

        target[n < 0 ? 0 : n] = 0;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                report(name, VERDICT_ALLOWED, "opened %s (%s) for writing", path, target);
                close(fd);
        } else
                report(name, VERDICT_BLOCKED, "%s (%s)", errno_name(errno), target);
}

/* ---- devices ---- */

void t_mknod(long blk) {
        const char *name = blk ? "mknod-block" : "mknod-char";
        char path[PATH_MAX];
        dev_t dev = blk ? makedev(7, 0) /* loop0 */ : makedev(1, 1) /* mem */;
        int fd;

        if (!probe_workdir) {
                report(name, VERDICT_SKIP, "no writable directory");
                return;
        }
        snprintf(path, sizeof path, "%s/dev-%s", probe_workdir, blk ? "blk" : "chr");
        if (mknod(path, (blk ? S_IFBLK : S_IFCHR) | 0600, dev) < 0) {
                report(name, VERDICT_BLOCKED, "%s", errno_name(errno));
                return;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        report(name, VERDICT_ALLOWED, "created %s, open: %s", path, fd >= 0 ? "ok" : errno_name(errno));
        if (fd >= 0)
                close(fd);
        unlink(path);
}

static void scan_block_devices(const char *dir, int depth, char *found, size_t n) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char p[PATH_MAX];
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISBLK(st.st_mode) && strlen(found) + strlen(p) + 2 < n) {
                        strcat(found, " ");
                        strcat(found, p);
                } else if (S_ISDIR(st.st_mode) && depth > 0)
                        scan_block_devices(p, depth - 1, found, n);
        }
        closedir(d);
}

void t_devices(long arg) {
        char found[1024] = "";
        int fd;

        scan_block_devices("/dev", 2, found, sizeof found);
        if (found[0])
                report("dev-block-nodes", VERDICT_ALLOWED, "block devices visible:%s", found);
        else
                report("dev-block-nodes", VERDICT_BLOCKED, "no block devices in /dev");

        fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                report("dev-mem", VERDICT_ALLOWED, "opened /dev/mem");
                close(fd);
        } else
                report("dev-mem", VERDICT_BLOCKED, "%s", errno_name(errno));
}

/* "Shocker": open_by_handle_at with a handle for a file outside the root. */
void t_open_by_handle(long arg) {
        struct {
                struct file_handle fh;
                unsigned char buf[MAX_HANDLE_SZ];
        } h = { .fh.handle_bytes = MAX_HANDLE_SZ };
        int mount_id, mfd;
        long rc;

        if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0) {
                /* Shocker's own guess: inode 2, generation 0 (an ext4 root). */
                h.fh.handle_bytes = 8;
                h.fh.handle_type = 1;
                memset(h.buf, 0, 8);
                h.buf[0] = 2;
        }
        mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
        classify("open_by_handle_at", rc, errno, NULL);
}

/* ---- what the sandbox can see ---- */

void t_host_procs(long arg) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        unsigned n = 0;
        pid_t found = 0;

        if (!d) {
                report("host-procs", VERDICT_BLOCKED, "no /proc: %s", errno_name(errno));
                return;
        }
        while ((de = readdir(d))) {
                char p[PATH_MAX], argv0[256];
                int fd;
                ssize_t k;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                n++;
                if (!probe_opts->host_proc)
                        continue;
                snprintf(p, sizeof p, "/proc/%s/cmdline", de->d_name);
                fd = open(p, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                k = read(fd, argv0, sizeof argv0 - 1);
                close(fd);
                if (k <= 0)
                        continue;
                argv0[k] = 0;
                if (strcmp(argv0, probe_opts->host_proc) == 0)
                        found = atoi(de->d_name);
        }
        closedir(d);
        if (!probe_opts->host_proc)
                report("host-procs", VERDICT_SKIP, "no --host-proc ARGV0; %u processes visible", n);
        else if (found)
                report("host-procs", VERDICT_ALLOWED, "host process %s visible as pid %d (%u processes visible)",
                       probe_opts->host_proc, found, n);
        else
                report("host-procs", VERDICT_BLOCKED, "%u processes visible, none of them the host's", n);
}

void t_host_marker(long arg) {
        int fd;

        if (!probe_opts->marker) {
                report("host-marker", VERDICT_SKIP, "no --marker PATH");
                return;
        }
        fd = open(probe_opts->marker, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                report("host-marker", VERDICT_ALLOWED, "read %s", probe_opts->marker);
                close(fd);
        } else
                report("host-marker", VERDICT_BLOCKED, "%s", errno_name(errno));
}

void t_leaked_fds(long arg) {
        if (probe_leaked_fds[0])
                report("leaked-fds", VERDICT_ALLOWED, "inherited%s", probe_leaked_fds);
        else
                report("leaked-fds", VERDICT_BLOCKED, "only 0 1 2");
}

/* Is the working directory below the root? An fd or cwd left outside the
 * new root would let ".." walk out of it. */
void t_cwd(long arg) {
        char buf[PATH_MAX];
        struct stat root, top, up;

        if (!getcwd(buf, sizeof buf)) {
                report("cwd-outside-root", VERDICT_ALLOWED, "getcwd: %s", errno_name(errno));
                return;
        }
        if (buf[0] != '/') {
                report("cwd-outside-root", VERDICT_ALLOWED, "cwd is %s", buf);
                return;
        }
        if (stat("/", &root) < 0) {
                report("cwd-outside-root", VERDICT_ERROR, "stat /: %s", errno_name(errno));
                return;
        }
        for (int i = 0; i < 256; i++) {
                if (stat(".", &top) < 0 || stat("..", &up) < 0 || chdir("..") < 0)
                        break;
                if (top.st_dev == up.st_dev && top.st_ino == up.st_ino)
                        break;
        }
        if (stat(".", &top) == 0 && (top.st_dev != root.st_dev || top.st_ino != root.st_ino))
                report("cwd-outside-root", VERDICT_ALLOWED, "\"..\" from %s climbs above the root", buf);
        else
                report("cwd-outside-root", VERDICT_BLOCKED, "cwd %s is inside the root", buf);
}

/* ---- cgroup v1 release_agent (CVE-2022-0492) ---- */

static int write_file(const char *path, const char *s) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, s, strlen(s));
        close(fd);
        return n < 0 ? -errno : 0;
}

/* Mount a private named v1 hierarchy (nobody else uses it, so a write to
 * its release_agent harms nothing even where it works) and try to set it. */
static void try_release_agent(const char *mname, const char *aname, const char *dir) {
        char p[PATH_MAX], opts_buf[64];
        int r;

        snprintf(opts_buf, sizeof opts_buf, "none,name=sbxprobe%d", getpid());
        if (mount("cgroup", dir, "cgroup", 0, opts_buf) < 0) {
                int e = errno;
                report(mname, VERDICT_BLOCKED, "%s", errno_name(e));
                report(aname, VERDICT_BLOCKED, "cannot mount cgroup v1: %s", errno_name(e));
                return;
        }
        report(mname, VERDICT_ALLOWED, "mounted a cgroup v1 hierarchy");
        snprintf(p, sizeof p, "%s/release_agent", dir);
        r = write_file(p, "/sbxprobe-none-agent");
        if (r == 0)
                report(aname, VERDICT_ALLOWED, "wrote release_agent");
        else
                report(aname, VERDICT_BLOCKED, "write release_agent: %s", errno_name(-r));
        umount2(dir, MNT_DETACH);
}

void t_release_agent(long which) {
        char dir[PATH_MAX], buf[64];
        uid_t uid = getuid();
        gid_t gid = getgid();

        if (which == 2) {
                /* A host hierarchy, if one is visible: only opened, never written. */
                DIR *d = opendir("/sys/fs/cgroup");
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        char p[PATH_MAX];

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(p, sizeof p, "/sys/fs/cgroup/%s/release_agent", de->d_name);
                        if (access(p, F_OK) == 0) {
                                closedir(d);
                                try_open_write("release-agent-host", p, false);
                                return;
                        }
                }
                if (d)
                        closedir(d);
                report("release-agent-host", VERDICT_BLOCKED, "no cgroup v1 hierarchy visible");
                return;
        }
        if (make_subdir(which ? "cgu" : "cg", dir, sizeof dir) < 0) {
                snprintf(dir, sizeof dir, "/tmp");
                if (!dir_exists(dir)) {
                        report(which ? "cgroup1-mount-userns" : "cgroup1-mount", VERDICT_SKIP, "no directory");
                        return;
                }
        }
        if (which == 0) {
                try_release_agent("cgroup1-mount", "release-agent", dir);
                return;
        }
        /* The CVE's path: a new user namespace makes us "root", with
         * CAP_SYS_ADMIN over a new mount and cgroup namespace. */
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) < 0) {
                int e = errno;
                report("cgroup1-mount-userns", VERDICT_BLOCKED, "unshare: %s", errno_name(e));
                report("release-agent-userns", VERDICT_BLOCKED, "unshare: %s", errno_name(e));
                return;
        }
        write_file("/proc/self/setgroups", "deny");
        snprintf(buf, sizeof buf, "0 %u 1", uid);
        write_file("/proc/self/uid_map", buf);
        snprintf(buf, sizeof buf, "0 %u 1", gid);
        write_file("/proc/self/gid_map", buf);
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        try_release_agent("cgroup1-mount-userns", "release-agent-userns", dir);
}
