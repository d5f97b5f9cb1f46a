/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fileio.h"
#include "fs-util.h"
#include "parse-util.h"
#include "path-util.h"
#include "proc-cgroup.h"
#include "string-util.h"
#include "strv.h"

static const char *const cgroup_controller_table[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CONTROLLER_CPU] = "cpu",
        [CGROUP_CONTROLLER_MEMORY] = "memory",
        [CGROUP_CONTROLLER_PIDS] = "pids",
        [CGROUP_CONTROLLER_IO] = "io",
        [CGROUP_CONTROLLER_DEVICES] = "devices",
};
DEFINE_STRING_TABLE_LOOKUP(cgroup_controller, CgroupController);

const char *cgroup_controller_v1_name(CgroupController c) {
        return c == CGROUP_CONTROLLER_IO ? "blkio" : cgroup_controller_to_string(c);
}

/* ---- layout ---- */

static void hierarchy_done(CgroupHierarchy *h) {
        free(h->mount_point);
        free(h->mount_root);
        free(h->proc_key);
        free(h->own_path);
        *h = (CgroupHierarchy) {};
}

static CgroupHierarchy *hierarchy_free(CgroupHierarchy *h) {
        if (h) {
                hierarchy_done(h);
                free(h);
        }
        return NULL;
}

CgroupLayout *cgroup_layout_free(CgroupLayout *l) {
        if (!l)
                return NULL;
        hierarchy_free(l->v2);
        for (size_t i = 0; i < l->n_v1; i++)
                hierarchy_done(&l->v1[i]);
        free(l->v1);
        free(l);
        return NULL;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *mountinfo_unescape(const char *s) {
        char *r = malloc(strlen(s) + 1), *t = r;

        if (!r)
                return NULL;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
                        *t++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
                        s += 4;
                } else
                        *t++ = *s++;
        }
        *t = 0;
        return r;
}

typedef struct MountEntry {
        char *root, *mount_point, *fstype, *super_options;
} MountEntry;

static void mount_entry_done(MountEntry *m) {
        free(m->root);
        free(m->mount_point);
        free(m->fstype);
        free(m->super_options);
        *m = (MountEntry) {};
}

/* "36 25 0:32 / /sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory" */
static int mountinfo_parse_line(const char *line, MountEntry *ret) {
        _cleanup_strv_free_ char **w = NULL;
        _cleanup_free_ char *copy = strdup(line);
        size_t n, dash;
        char *save = NULL;
        MountEntry m = {};

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
                if (strv_extend(&w, t) < 0)
                        return -ENOMEM;
        n = strv_length(w);
        if (n < 7)
                return -EINVAL;
        for (dash = 6; dash < n && !streq(w[dash], "-"); dash++)
                ;
        if (dash + 2 >= n)      /* fstype and source follow the separator */
                return -EINVAL;

        m.root = mountinfo_unescape(w[3]);
        m.mount_point = mountinfo_unescape(w[4]);
        m.fstype = strdup(w[dash + 1]);
        m.super_options = dash + 3 < n ? strdup(w[dash + 3]) : strdup("");
        if (!m.root || !m.mount_point || !m.fstype || !m.super_options) {
                mount_entry_done(&m);
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

static bool option_list_contains(const char *list, const char *word) {
        size_t l = strlen(word);

        for (const char *p = list; p && *p;) {
                size_t k = strcspn(p, ",");

                if (k == l && strneq(p, word, l))
                        return true;
                p += k;
                if (*p == ',')
                        p++;
        }
        return false;
}

/* A v1 line of /proc/self/cgroup belongs to a mount when every controller
 * it names ("cpu,cpuacct", "name=systemd") is among the super options. */
static bool proc_key_matches_mount(const char *proc_key, const char *super_options) {
        _cleanup_free_ char *copy = strdup(proc_key);
        char *save = NULL;
        bool any = false;

        if (!copy)
                return false;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (!option_list_contains(super_options, t))
                        return false;
                any = true;
        }
        return any;
}

typedef struct ProcCgroupEntry {
        char *key;      /* "" for the "0::" line */
        char *path;
} ProcCgroupEntry;

static int proc_cgroup_find(const char *text, bool v2, const char *super_options, ProcCgroupEntry *ret) {
        const char *p = text;
        ProcCgroupLine l;

        while (proc_cgroup_next(&p, text + strlen(text), &l)) {
                _cleanup_free_ char *key = strndup(l.controllers, l.controllers_len);

                if (!key)
                        return -ENOMEM;
                if (v2 ? !proc_cgroup_line_is_v2(&l)
                       : (l.id_len == 1 && l.id[0] == '0') || !proc_key_matches_mount(key, super_options))
                        continue;
                ret->path = strndup(l.path, l.path_len);
                if (!ret->path)
                        return -ENOMEM;
                ret->key = TAKE_PTR(key);
                return 1;
        }
        return 0;
}

static void layout_forget_at(CgroupLayout *l, const char *mount_point, bool below_too) {
        _cleanup_free_ char *prefix = strjoin(mount_point, "/");

        if (l->v2 && (streq(l->v2->mount_point, mount_point) || (below_too && prefix && startswith(l->v2->mount_point, prefix)))) {
                l->v2 = hierarchy_free(l->v2);
                l->unified = false;
        }
        for (size_t i = 0; i < l->n_v1;) {
                if (streq(l->v1[i].mount_point, mount_point) || (below_too && prefix && startswith(l->v1[i].mount_point, prefix))) {
                        hierarchy_done(&l->v1[i]);
                        memmove(l->v1 + i, l->v1 + i + 1, (l->n_v1 - i - 1) * sizeof(CgroupHierarchy));
                        l->n_v1--;
                } else
                        i++;
        }
}

static int layout_add(CgroupLayout *l, MountEntry *m, const char *proc_cgroup) {
        bool v2 = streq(m->fstype, "cgroup2");
        ProcCgroupEntry pl = {};
        CgroupHierarchy h;
        int r;

        r = proc_cgroup_find(proc_cgroup, v2, m->super_options, &pl);
        if (r <= 0)
                return r;       /* a hierarchy we are not in (or not listed): nothing to do there */

        h = (CgroupHierarchy) {
                .proc_key = pl.key,
                .own_path = pl.path,
        };
        h.mount_point = TAKE_PTR(m->mount_point);
        h.mount_root = TAKE_PTR(m->root);
        if (v2) {
                l->v2 = malloc(sizeof(CgroupHierarchy));
                if (!l->v2) {
                        hierarchy_done(&h);
                        return -ENOMEM;
                }
                *l->v2 = h;
                l->unified = streq(l->v2->mount_point, CGROUP_FS_ROOT);
                return 0;
        }

        CgroupHierarchy *n = realloc(l->v1, (l->n_v1 + 1) * sizeof(CgroupHierarchy));
        if (!n) {
                hierarchy_done(&h);
                return -ENOMEM;
        }
        l->v1 = n;
        l->v1[l->n_v1++] = h;
        return 0;
}

int cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup, CgroupLayout **ret) {
        _cleanup_(cgroup_layout_freep) CgroupLayout *l = calloc(1, sizeof(CgroupLayout));
        int r;

        if (!l)
                return -ENOMEM;

        /* Mounts are listed in the order they were made: a later mount on
         * the same point, or on /sys/fs/cgroup itself, hides what was there. */
        for (const char *p = mountinfo; p && *p;) {
                size_t k = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, k);
                MountEntry m = {};
                bool at_root, below;

                p += k;
                if (*p == '\n')
                        p++;
                if (!line)
                        return -ENOMEM;
                if (isempty(line))
                        continue;
                r = mountinfo_parse_line(line, &m);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;

                at_root = streq(m.mount_point, CGROUP_FS_ROOT);
                below = !!startswith(m.mount_point, CGROUP_FS_ROOT "/");
                if (at_root || below)
                        layout_forget_at(l, m.mount_point, true);

                if ((at_root || streq(m.mount_point, CGROUP_FS_ROOT "/unified")) && streq(m.fstype, "cgroup2"))
                        r = layout_add(l, &m, proc_cgroup);
                else if (below && streq(m.fstype, "cgroup"))
                        r = layout_add(l, &m, proc_cgroup);
                else
                        r = 0;
                mount_entry_done(&m);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int cgroup_layout_load(CgroupLayout **ret) {
        _cleanup_free_ char *mi = NULL, *pc = NULL;
        int r;

        r = read_full_file("/proc/self/mountinfo", 16 * 1024 * 1024, &mi, NULL);
        if (r < 0)
                return r;
        r = read_full_file("/proc/self/cgroup", 1024 * 1024, &pc, NULL);
        if (r < 0)
                return r;
        return cgroup_layout_parse(mi, pc, ret);
}

const CgroupHierarchy *cgroup_layout_v1(const CgroupLayout *l, const char *controller) {
        for (size_t i = 0; i < l->n_v1; i++)
                if (option_list_contains(l->v1[i].proc_key, controller))
                        return &l->v1[i];
        return NULL;
}

int cgroup_hierarchy_dir(const CgroupHierarchy *h, const char *rel, char **ret) {
        const char *tail;
        char *d;

        if (!path_is_absolute(rel))
                return -EINVAL;
        if (streq(h->mount_root, "/"))
                tail = rel;
        else {
                tail = startswith(rel, h->mount_root);
                if (!tail || (*tail != 0 && *tail != '/'))
                        return -EXDEV;
        }
        if (streq(tail, "/"))
                tail = "";
        d = strjoin(h->mount_point, tail);
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

/* NAME reduced to [A-Za-z0-9_.-] and 64 bytes: only characters that are
 * harmless in a path, a shell and a log line. */
static char *sanitize_service_name(const char *service) {
        char *s = strndup(isempty(service) ? "unnamed" : service, 64);

        if (!s)
                return NULL;
        for (char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '-' || *p == '.'))
                        *p = '_';
        return s;
}

int cgroup_make_name(const char *service, char **ret) {
        _cleanup_free_ char *s = sanitize_service_name(service);
        uint8_t rnd[6];
        ssize_t k;
        char *n;

        if (!s)
                return -ENOMEM;
        /* The "sandbox-" prefix keeps the name clear of the kernel's
         * "cgroup." and "<controller>." interface files. */
        k = getrandom(rnd, sizeof(rnd), 0);
        if (k < 0)
                return negative_errno();
        if (k != (ssize_t) sizeof(rnd))
                return -EIO;
        if (asprintf(&n, "sandbox-%s-%02x%02x%02x%02x%02x%02x", s, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) < 0)
                return -ENOMEM;
        *ret = n;
        return 0;
}

bool cgroup_name_is_ours(const char *service, const char *name) {
        _cleanup_free_ char *s = NULL;
        const char *p;
        size_t l;

        if (!name || !(p = startswith(name, "sandbox-")))
                return false;
        if (service) {
                s = sanitize_service_name(service);
                if (!s)
                        return false;
                p = startswith(p, s);
                if (!p || *p != '-')
                        return false;
                p++;
        } else {
                /* Any service: the 12 hex digits after the last dash. */
                const char *dash = strrchr(p, '-');

                if (!dash || dash == p)
                        return false;
                p = dash + 1;
        }
        l = strlen(p);
        if (l != 12)
                return false;
        for (size_t i = 0; i < l; i++)
                if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
                        return false;
        return true;
}

bool cg_word_in_list(const char *list, const char *word) {
        size_t l = strlen(word);

        for (const char *p = list; p && *p;) {
                size_t k;

                p += strspn(p, " \t\n");
                k = strcspn(p, " \t\n");
                if (k == l && strneq(p, word, l))
                        return true;
                p += k;
        }
        return false;
}

/* ---- files ---- */

int cg_write(int dir_fd, const char *file, const char *value) {
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(value);
        ssize_t k;

        fd = openat(dir_fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        /* cgroup files take a value in one write() and report a bad one as
         * that write's errno. */
        k = write(fd, value, l);
        if (k < 0)
                return negative_errno();
        if ((size_t) k != l)
                return -EIO;
        return 0;
}

int cg_write_u64(int dir_fd, const char *file, uint64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return cg_write(dir_fd, file, buf);
}

int cg_read(int dir_fd, const char *file, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        char *s;
        size_t l;
        int r;

        fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        r = read_full_fd(fd, 16 * 1024 * 1024, &s, NULL);
        if (r < 0)
                return r;
        l = strlen(s);
        while (l > 0 && s[l - 1] == '\n')
                s[--l] = 0;
        *ret = s;
        return 0;
}

int cg_read_u64(int dir_fd, const char *file, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        uint64_t v;
        int r;

        r = cg_read(dir_fd, file, &s);
        if (r < 0)
                return r;
        if (streq(s, "max"))
                v = UINT64_MAX;
        else {
                r = safe_atou64(s, &v);
                if (r < 0)
                        return r;
        }
        *ret = v;
        return 0;
}

int cg_read_key_u64(int dir_fd, const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        size_t kl = strlen(key);
        int r;

        r = cg_read(dir_fd, file, &s);
        if (r < 0)
                return r;
        for (char *p = s; *p;) {
                size_t l = strcspn(p, "\n");
                char save = p[l];

                if (l > kl && strneq(p, key, kl) && p[kl] == ' ') {
                        uint64_t v;

                        p[l] = 0;
                        r = safe_atou64(p + kl + 1, &v);
                        p[l] = save;
                        if (r < 0)
                                return r;
                        *ret = v;
                        return 0;
                }
                p += l;
                if (*p)
                        p++;
        }
        return -ENODATA;
}

bool cg_file_exists(int dir_fd, const char *file) {
        return faccessat(dir_fd, file, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

/* ---- processes ---- */

int cg_pid_in_cgroup(pid_t pid, const char *proc_key, const char *rel) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        const char *p;
        ProcCgroupLine l;
        size_t size;
        int r;

        if (asprintf(&path, "/proc/%d/cgroup", (int) pid) < 0)
                return -ENOMEM;
        r = read_full_file(path, 1024 * 1024, &text, &size);
        if (r == -ENOENT || r == -ESRCH)
                return 0;
        if (r < 0)
                return r;

        p = text;
        while (proc_cgroup_next(&p, text + size, &l)) {
                if (l.controllers_len != strlen(proc_key) || memcmp(l.controllers, proc_key, l.controllers_len) != 0)
                        continue;
                if (proc_key[0] == '\0' && !proc_cgroup_line_is_v2(&l))
                        continue;
                return proc_cgroup_line_below(&l, rel);
        }
        return 0;
}

void pid_set_done(PidSet *s) {
        free(s->pids);
        *s = (PidSet) {};
}

static bool pid_set_contains(const PidSet *s, pid_t pid) {
        for (size_t i = 0; i < s->n; i++)
                if (s->pids[i] == pid)
                        return true;
        return false;
}

static int pid_set_add(PidSet *s, pid_t pid) {
        if (s->n >= s->allocated) {
                size_t na = s->allocated ? s->allocated * 2 : 16;
                pid_t *n = realloc(s->pids, na * sizeof(pid_t));

                if (!n)
                        return -ENOMEM;
                s->pids = n;
                s->allocated = na;
        }
        s->pids[s->n++] = pid;
        return 0;
}

static int signal_pid_checked(pid_t pid, const char *proc_key, const char *rel, int sig) {
        _cleanup_close_ int pidfd = -EBADF;
        int r;

        /* Pin the process first, then check where it is: while the pidfd is
         * open and the process alive, pid names this process and no other,
         * so the membership we check is that of the process we signal. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 && errno == ESRCH)
                return 0;
        if (pidfd < 0 && errno != ENOSYS)
                return negative_errno();

        r = cg_pid_in_cgroup(pid, proc_key, rel);
        if (r <= 0)
                return r;

        if (pidfd >= 0)
                r = (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        else
                r = kill(pid, sig);     /* kernel < 5.3: a small pid-reuse window remains */
        if (r < 0 && errno != ESRCH)
                return negative_errno();
        return 0;
}

static int signal_tree(int dir_fd, const char *proc_key, const char *rel, int sig, PidSet *done, unsigned depth) {
        _cleanup_free_ char *procs = NULL;
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        int r, n = 0;

        if (depth > 128)
                return -ELOOP;

        r = cg_read(dir_fd, "cgroup.procs", &procs);
        if (r == -ENOENT || r == -ENODEV)
                return 0;       /* removed under us */
        if (r < 0)
                return r;
        for (char *p = procs; *p;) {
                size_t l = strcspn(p, "\n");
                uint32_t v;
                char save = p[l];

                p[l] = 0;
                r = safe_atou32(p, &v);
                p[l] = save;
                p += l;
                if (*p)
                        p++;
                if (r < 0 || v == 0)
                        continue;
                n++;
                if (pid_set_contains(done, (pid_t) v))
                        continue;
                if (sig != 0) {
                        r = signal_pid_checked((pid_t) v, proc_key, rel, sig);
                        if (r < 0)
                                return r;
                }
                r = pid_set_add(done, (pid_t) v);
                if (r < 0)
                        return r;
        }

        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        TAKE_FD(fd);
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                _cleanup_close_ int sub = -EBADF;
                _cleanup_free_ char *sub_rel = NULL;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (sub < 0 && errno == ENOENT)
                        continue;
                if (sub < 0) {
                        r = negative_errno();
                        closedir(d);
                        return r;
                }
                sub_rel = streq(rel, "/") ? strjoin("/", de->d_name) : strjoin(rel, "/", de->d_name);
                if (!sub_rel) {
                        closedir(d);
                        return -ENOMEM;
                }
                r = signal_tree(sub, proc_key, sub_rel, sig, done, depth + 1);
                if (r < 0) {
                        closedir(d);
                        return r;
                }
                n += r;
        }
        r = errno > 0 ? -errno : 0;
        closedir(d);
        return r < 0 ? r : n;
}

int cg_signal_tree(int dir_fd, const char *proc_key, const char *rel, int sig, PidSet *done) {
        return signal_tree(dir_fd, proc_key, rel, sig, done, 0);
}

static int remove_tree(int parent_fd, const char *name, unsigned depth) {
        DIR *d;
        int r;

        if (depth > 128)
                return -ELOOP;

        r = opendir_at(parent_fd, name, &d);
        if (r <= 0)
                return r;
        r = 0;
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = remove_tree(dirfd(d), de->d_name, depth + 1);
                if (r < 0)
                        break;
        }
        if (r == 0 && errno > 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;

        if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int cg_remove_tree(int parent_fd, const char *name) {
        return remove_tree(parent_fd, name, 0);
}

int cg_error(char **reterr_message, int r, bool errno_text, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int k;

        if (!reterr_message || *reterr_message)
                return r;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return r;
        if (errno_text) {
                char *t = strjoin(s, ": ", strerror(r < 0 ? -r : r));

                if (!t)
                        return r;
                free(s);
                s = t;
        }
        *reterr_message = TAKE_PTR(s);
        return r;
}

int cg_delegate(int dir_fd, uid_t uid, gid_t gid) {
        static const char *const files[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };

        if (fchownat(dir_fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return negative_errno();
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (fchownat(dir_fd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return negative_errno();
        return 0;
}
