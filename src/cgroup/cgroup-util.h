/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where the cgroup hierarchies are and where this process sits in them
 * (/proc/self/mountinfo + /proc/self/cgroup), and small fd-based helpers
 * for the files of one cgroup. No policy here: cgroup-fs.c decides what to
 * create, cgroup-limits.c what to write. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "string-table.h"

/* The controllers a Plan's limits can need. */
typedef enum CgroupController {
        CGROUP_CONTROLLER_CPU,          /* CPUQuota=, CPUWeight= */
        CGROUP_CONTROLLER_MEMORY,       /* MemoryMax=, MemoryHigh=, MemorySwapMax= */
        CGROUP_CONTROLLER_PIDS,         /* TasksMax= */
        CGROUP_CONTROLLER_IO,           /* IOWeight= ("blkio" in cgroup v1) */
        CGROUP_CONTROLLER_DEVICES,      /* the device list; cgroup v2 has no such controller,
                                         * but a BPF program on the cgroup (cgroup-devices.h) */
        _CGROUP_CONTROLLER_MAX,
        _CGROUP_CONTROLLER_INVALID = -EINVAL,
} CgroupController;
#define CGROUP_MASK(c) (1U << (c))

/* The cgroup v2 name ("io"); cgroup_controller_v1_name() gives "blkio". */
DECLARE_STRING_TABLE_LOOKUP(cgroup_controller, CgroupController);
const char *cgroup_controller_v1_name(CgroupController c);

#define CGROUP_FS_ROOT "/sys/fs/cgroup"

typedef struct CgroupHierarchy {
        char *mount_point;      /* "/sys/fs/cgroup/memory" */
        char *mount_root;       /* mountinfo's root field: "/" unless only a subtree is mounted */
        char *proc_key;         /* controller field of its /proc/PID/cgroup line: "memory",
                                 * "cpu,cpuacct", "name=systemd"; "" for cgroup v2 */
        char *own_path;         /* this process's cgroup in it, as in /proc/self/cgroup */
} CgroupHierarchy;

typedef struct CgroupLayout {
        CgroupHierarchy *v2;    /* NULL: no cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified */
        bool unified;           /* /sys/fs/cgroup itself is the cgroup2 mount */
        CgroupHierarchy *v1;    /* v1 hierarchies mounted under /sys/fs/cgroup that this process is in */
        size_t n_v1;
} CgroupLayout;

/* From the text of /proc/self/mountinfo and /proc/self/cgroup (pure, for
 * tests); cgroup_layout_load() reads the real ones. */
int cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup, CgroupLayout **ret);
int cgroup_layout_load(CgroupLayout **ret);
CgroupLayout *cgroup_layout_free(CgroupLayout *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupLayout *, cgroup_layout_free);

/* The v1 hierarchy that carries controller (its v1 name, e.g. "blkio"), or NULL. */
const CgroupHierarchy *cgroup_layout_v1(const CgroupLayout *l, const char *controller);

/* The directory of the cgroup rel (a path as in /proc/PID/cgroup) in h.
 * -EXDEV if rel is not below the part of the hierarchy that is mounted. */
int cgroup_hierarchy_dir(const CgroupHierarchy *h, const char *rel, char **ret);

/* "sandbox-NAME-<12 hex>": NAME reduced to [A-Za-z0-9_.-] and 64 bytes. */
int cgroup_make_name(const char *service, char **ret);
/* Whether name is one cgroup_make_name(service) could have made (service
 * NULL: for any service). */
bool cgroup_name_is_ours(const char *service, const char *name);

/* Whether word is one of the space-separated words of list
 * (cgroup.controllers, cgroup.subtree_control). */
bool cg_word_in_list(const char *list, const char *word);

/* Files of one cgroup, relative to a directory fd (O_PATH is enough). */
int cg_write(int dir_fd, const char *file, const char *value);
int cg_write_u64(int dir_fd, const char *file, uint64_t v);
int cg_read(int dir_fd, const char *file, char **ret);            /* trailing newline stripped */
int cg_read_u64(int dir_fd, const char *file, uint64_t *ret);     /* "max" -> UINT64_MAX */
/* The value of "key N" in a flat-keyed file (memory.events, cpu.stat). -ENODATA if absent. */
int cg_read_key_u64(int dir_fd, const char *file, const char *key, uint64_t *ret);
bool cg_file_exists(int dir_fd, const char *file);

/* Whether pid is in the cgroup rel, or below it, of the hierarchy whose
 * /proc/PID/cgroup line has proc_key: > 0 yes, 0 no (or gone). */
int cg_pid_in_cgroup(pid_t pid, const char *proc_key, const char *rel);

typedef struct PidSet {
        pid_t *pids;
        size_t n, allocated;
} PidSet;
void pid_set_done(PidSet *s);

/* Walk the cgroup at dir_fd (path rel in the hierarchy with proc_key) and
 * every cgroup below it; send sig (0: only count) to each process found in
 * a cgroup.procs that is not yet in done, and add it there. A pid is
 * signalled through a pidfd only after checking that the process behind the
 * pidfd is still in the cgroup, so a recycled pid is never hit. Returns the
 * number of processes found (signalled or already in done). */
int cg_signal_tree(int dir_fd, const char *proc_key, const char *rel, int sig, PidSet *done);

/* Remove the cgroup name in parent_fd and every cgroup below it, deepest
 * first. They must be empty of processes. 0 also if it is already gone. */
int cg_remove_tree(int parent_fd, const char *name);
/* Delegate the cgroup v2 directory dir_fd to uid:gid, as systemd's
 * Delegate= does: the directory (so its owner can make children) and the
 * files that move processes and enable controllers below it. The limits
 * set on the directory itself stay root's. */
int cg_delegate(int dir_fd, uid_t uid, gid_t gid);

/* Failure with a message for reterr_message (may be NULL): the sentence
 * given, and ": <strerror>" for an errno from the kernel (errno_text).
 * Keeps a message already set by a deeper layer, which knows more. */
int cg_error(char **reterr_message, int r, bool errno_text, const char *fmt, ...) _printf_(4, 5);
