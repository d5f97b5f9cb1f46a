/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd and `sandboxctl run` refuse to run chrooted. The launcher makes
 * each sandbox's root with pivot_root(2) in a new mount namespace copied
 * from ours: if our "/" is not the root of our mount namespace, the copy
 * still holds the tree above it (the host's "/"), attached above the
 * sandbox's root where mountinfo does not show it but the classic
 * chroot(2)-and-".." climb reaches it for a service with CAP_SYS_CHROOT
 * (docs/launcher.md, "Known limits"). A service manager that confines
 * sandboxd must give it a mount namespace whose root is its root
 * (systemd's RootDirectory= does, with pivot_root), not a chroot.
 *
 * The callers check once at their start, not launch_start() at every
 * launch: the root of a running process does not move by itself, and
 * mountinfo can be megabytes on a host with many mounts.
 *
 * Three checks, each where the kernel can answer it:
 *   1. "/" is the root of a mount: the mount that statx() reports for it is
 *      listed in /proc/self/mountinfo (the kernel lists only mounts whose
 *      root we can reach, and a mount whose root lies above ours is not).
 *   2. That mount is the namespace's top mount or sits directly on it
 *      (statmount(2), Linux 6.8): a chroot into a mount point has the rest
 *      of the tree between it and the top.
 *   3. Sharing PID 1's mount namespace, we have PID 1's root (for kernels
 *      without statmount()). */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "root-check.h"
#include "string-util.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* statmount(2) is newer than the kernel headers we build with: its number
 * (the same in every architecture's table that has the unified numbers)
 * and the head of its result, as include/uapi/linux/mount.h has them. */
#if defined(__NR_statmount)
#define SYS_STATMOUNT __NR_statmount
#elif defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || defined(__riscv) || \
        defined(__powerpc__) || defined(__s390__) || defined(__loongarch__)
#define SYS_STATMOUNT 457
#endif

#define STATMOUNT_MNT_BASIC 0x00000002U

struct mnt_id_req_v0 {
        uint32_t size;
        uint32_t spare;
        uint64_t mnt_id;
        uint64_t param;
};

struct statmount_head {
        uint32_t size;
        uint32_t spare1;
        uint64_t mask;
        uint32_t sb_dev_major, sb_dev_minor;
        uint64_t sb_magic;
        uint32_t sb_flags;
        uint32_t fs_type;
        uint64_t mnt_id;
        uint64_t mnt_parent_id;         /* the mount itself for the namespace's top */
        uint32_t mnt_id_old;
        uint32_t mnt_parent_id_old;
};

/* Mountinfo is one line per mount; a host with many mounts makes it big. */
#define MOUNTINFO_MAX (64U * 1024U * 1024U)

/* 1 if the mount with this (mountinfo) id is in text. */
static bool mountinfo_has(const char *text, size_t size, uint64_t id) {
        const char *p = text, *end = text + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                char *e;
                unsigned long long v;

                errno = 0;
                v = strtoull(p, &e, 10);
                if (errno == 0 && e != p && *e == ' ' && v == id)
                        return true;
                if (!nl)
                        break;
                p = nl + 1;
        }
        return false;
}

#ifdef SYS_STATMOUNT
/* The parent of mount id (unique id); -EOPNOTSUPP without statmount(). */
static int mount_parent(uint64_t id, uint64_t *ret) {
        struct mnt_id_req_v0 req = { .size = sizeof(req), .mnt_id = id, .param = STATMOUNT_MNT_BASIC };
        union {
                struct statmount_head h;
                uint8_t buf[1024];      /* room for the fields we do not read */
        } u = {};

        if (syscall(SYS_STATMOUNT, &req, &u, sizeof(u), 0) < 0)
                return errno == ENOSYS || errno == EINVAL || errno == EPERM ? -EOPNOTSUPP : negative_errno();
        if (!(u.h.mask & STATMOUNT_MNT_BASIC))
                return -EOPNOTSUPP;
        *ret = u.h.mnt_parent_id;
        return 0;
}
#else
static int mount_parent(uint64_t id, uint64_t *ret) {
        return -EOPNOTSUPP;
}
#endif

/* 1, and the reason in *ret_why. */
static int chrooted(char **ret_why, const char *why) {
        char *w;

        if (ret_why) {
                w = strdup(why);
                if (!w)
                        return -ENOMEM;
                *ret_why = w;
        }
        return 1;
}

static bool same_inode(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int root_check_chrooted(char **ret_why) {
        _cleanup_free_ char *mountinfo = NULL;
        struct statx sx = {}, sxu = {};
        struct stat root, ns_self, ns_1, root_1;
        uint64_t parent, grandparent;
        size_t size;
        int r;

        /* 1: "/" is the root of a mount we can see. */
        if (statx(AT_FDCWD, "/", AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0)
                return negative_errno();
        if (sx.stx_mask & STATX_MNT_ID) {
                r = read_full_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, &size);
                if (r < 0)
                        return r;
                if (!mountinfo_has(mountinfo, size, sx.stx_mnt_id))
                        return chrooted(ret_why, "its root directory is not the root of a mount "
                                        "(chroot into a directory)");
        }

        /* 2: that mount is (on) the top of the namespace. */
        if (statx(AT_FDCWD, "/", AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE, &sxu) >= 0 &&
            (sxu.stx_mask & STATX_MNT_ID_UNIQUE) && mount_parent(sxu.stx_mnt_id, &parent) >= 0 &&
            parent != sxu.stx_mnt_id && mount_parent(parent, &grandparent) >= 0 && grandparent != parent)
                return chrooted(ret_why, "its root directory is a mount inside a larger tree of its mount "
                                "namespace (chroot into a mount point)");

        /* 3: PID 1's root, if we share its mount namespace and may look.
         * (PID 1 need not let us: then checks 1 and 2 are what we have.) */
        if (stat("/", &root) < 0)
                return negative_errno();
        if (stat("/proc/self/ns/mnt", &ns_self) >= 0 && stat("/proc/1/ns/mnt", &ns_1) >= 0 &&
            same_inode(&ns_self, &ns_1) && stat("/proc/1/root/", &root_1) >= 0 && !same_inode(&root, &root_1))
                return chrooted(ret_why, "its root directory is not PID 1's, in PID 1's mount namespace "
                                "(chroot)");
        return 0;
}
