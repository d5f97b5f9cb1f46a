/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <seccomp.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "af-util.h"
#include "cap-util.h"
#include "device-util.h"
#include "ctl-common.h"
#include "ctl-policy.h"
#include "diag.h"
#include "log.h"
#include "oci-seccomp.h"
#include "path-util.h"
#include "plan-compile.h"
#include "plan-seccomp.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-groups.h"

static void help(void) {
        printf("sandboxctl policy show [--since=GIT_REF] NAME|FILE\n"
               "sandboxctl policy diff OLD NEW\n"
               "sandboxctl policy learn [--duration=SEC] [--base=POLICY] [-o FILE] [--diff] UNIT\n"
               "sandboxctl policy groups [GROUP]\n"
               "sandboxctl policy oci NAME|FILE\n\n"
               "show    Print a policy's expanded, sorted syscall list per action, each\n"
               "        with the group it came from, so a review sees what a change does.\n"
               "        --since=GIT_REF: instead, what changed since the file's version\n"
               "        at GIT_REF in its git work tree, as diff prints it.\n"
               "diff    Print what changes from policy OLD to NEW, one line each, - for\n"
               "        what goes, + for what comes: every syscall whose action changes\n"
               "        (groups expanded), capabilities, namespaces, address families,\n"
               "        devices, bind paths and the other ceilings. Nothing if they agree.\n"
               "learn   Run UNIT in the foreground with every syscall its policy would\n"
               "        not allow reported and let through, then write a policy that\n"
               "        allows what it used (see sandboxctl policy learn --help).\n"
               "groups  List the syscall groups, or the syscalls of one group.\n"
               "oci     Print the policy's seccomp rules as an OCI runtime config's\n"
               "        \"linux.seccomp\" object (for crun/runc), argument filters included.\n\n"
               "  -h --help   Show this help\n");
}

static int show(const char *arg) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_strv_free_ char **arches = NULL;
        _cleanup_free_ char *caps = NULL, *req = NULL, *nsallow = NULL, *archs = NULL;
        char abuf[SECCOMP_ACTION_STRING_MAX];
        PlanSyscall *s = NULL;
        size_t n = 0;
        bool *done;
        int r;

        r = policy_load(arg, &p, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                diagnostics_print(&d, stderr);
                return r;
        }
        r = policy_expand(p, &s, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to expand policy: %m");
        r = policy_resolve_architectures(p->architectures, &arches);
        if (r < 0) {
                plan_syscalls_free(s, n);
                return log_error_errno(r, "Failed to resolve architectures: %m");
        }

        (void) capability_mask_to_string(p->capabilities, &caps);
        (void) namespace_mask_to_string(p->require_namespaces, &req);
        (void) namespace_mask_to_string(p->allow_namespaces, &nsallow);
        archs = strv_join(arches, " ");

        printf("# Policy %s (%s)\n", p->name, p->path);
        if (p->description)
                printf("# %s\n", p->description);
        printf("default-action %s\n", seccomp_action_to_string(p->default_action, abuf));
        printf("architectures %s\n", strempty(archs));
        printf("namespace-creation %s\n", isempty(nsallow) ? "none" : nsallow);
        printf("capabilities %s\n", isempty(caps) ? "none" : caps);
        printf("require-namespaces %s\n", isempty(req) ? "none" : req);
        printf("host-network %s\n", p->allow_host_network > 0 ? "allowed" : "refused");
        if (p->address_families_set) {
                _cleanup_free_ char *afs = NULL;
                (void) af_mask_to_string(p->address_families, &afs);
                printf("address-families %s\n", isempty(afs) ? "none" : afs);
        } else
                printf("address-families any\n");

        /* One line per syscall, grouped by action, sorted by name within:
         * stable output, so a diff of two runs is a review of the change. */
        done = calloc(n + 1, sizeof(bool));
        if (!done) {
                plan_syscalls_free(s, n);
                return log_oom();
        }
        for (size_t i = 0; i < n; i++) {
                size_t count = 0;

                if (done[i])
                        continue;
                for (size_t j = i; j < n; j++)
                        if (seccomp_action_equal(s[i].action, s[j].action))
                                count++;
                printf("\n[%s] %zu syscalls\n", seccomp_action_to_string(s[i].action, abuf), count);
                for (size_t j = i; j < n; j++)
                        if (!done[j] && seccomp_action_equal(s[i].action, s[j].action)) {
                                printf("%-28s %s\n", s[j].name, isempty(s[j].origin) ? "(named)" : s[j].origin);
                                done[j] = true;
                        }
        }
        printf("\n[%s] every other syscall\n", seccomp_action_to_string(p->default_action, abuf));
        printf("\n# Argument filters added to every filter:\n");
        printf("# clone, unshare: flags creating a namespace type not in namespace-creation -> errno:EPERM\n");
        printf("# clone3: errno:ENOSYS unless every namespace type may be created (its flags are not inspectable)\n");
        printf("# setns: allowed only with an nstype of exactly one type in namespace-creation, else errno:EPERM\n");
        printf("# ioctl: TIOCSTI, TIOCLINUX -> errno:EPERM (low 32 bits of the request compared, as the kernel does)\n");
        if (p->address_families_set)
                printf("# socket, socketpair: a family not in address-families (or not in the unit's RestrictAddressFamilies=) -> errno:EAFNOSUPPORT;\n"
                       "#   socketcall, where an architecture has it -> errno:ENOSYS (its arguments are not inspectable)\n");
        /* The same ceilings the compiler puts in a plan under this policy. */
        {
                _cleanup_(plan_freep) Plan *pl = plan_new();

                if (!pl)
                        return log_oom();
                pl->syscalls = s;
                pl->n_syscalls = n;
                pl->seccomp_architectures = arches;
                r = plan_seccomp_resolve_enosys(pl);
                pl->syscalls = NULL;
                pl->n_syscalls = 0;
                pl->seccomp_architectures = NULL;
                if (r < 0) {
                        free(done);
                        plan_syscalls_free(s, n);
                        return log_error_errno(r, "Failed to resolve the syscall tables: %m");
                }
                for (size_t i = 0; i < pl->n_seccomp_enosys; i++)
                        printf("# syscall numbers above %" PRIu32 " on %s (the highest this libseccomp knows): errno:ENOSYS, so a libc falls back from a syscall newer than the filter\n",
                               pl->seccomp_enosys[i].max, pl->seccomp_enosys[i].arch);
        }
        free(done);
        plan_syscalls_free(s, n);
        return 0;
}

static int oci(const char *arg) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(policy_freep) Policy *pol = NULL;
        _cleanup_(plan_freep) Plan *p = plan_new();
        _cleanup_free_ char *json = NULL;
        int r;

        if (!p)
                return log_oom();
        r = policy_load(arg, &pol, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                diagnostics_print(&d, stderr);
                return r;
        }
        p->seccomp_default_action = pol->default_action;
        p->seccomp_allow_namespaces = pol->allow_namespaces;
        r = policy_expand(pol, &p->syscalls, &p->n_syscalls);
        if (r < 0)
                return log_error_errno(r, "Failed to expand policy: %m");
        r = policy_resolve_architectures(pol->architectures, &p->seccomp_architectures);
        if (r < 0)
                return log_error_errno(r, "Failed to resolve architectures: %m");
        r = oci_seccomp_from_plan(p, &json);
        if (r < 0)
                return log_oom();
        puts(json);
        return 0;
}

/* ---- diff ---- */

/* The policy as sorted lines of one kind each ("capability CAP_CHOWN"), so
 * that two of them compare as sets. Syscalls are compared apart, by the
 * action each one ends up with. */
typedef enum FactKind {
        FACT_DEFAULT_ACTION,
        FACT_ARCHITECTURE,
        FACT_NAMESPACE_CREATION,
        FACT_CAPABILITY,
        FACT_REQUIRE_NAMESPACE,
        FACT_HOST_NETWORK,
        FACT_ROOT_OWNED_BINDS,
        FACT_ADDRESS_FAMILY,
        FACT_DEVICE,
        FACT_BIND_PATH,
        _FACT_KIND_MAX,
} FactKind;

typedef struct PolicyFacts {
        char **lines[_FACT_KIND_MAX];
        PlanSyscall *syscalls;
        size_t n_syscalls;
        SeccompAction default_action;
} PolicyFacts;

static void policy_facts_done(PolicyFacts *f) {
        for (size_t k = 0; k < _FACT_KIND_MAX; k++)
                f->lines[k] = strv_free(f->lines[k]);
        plan_syscalls_free(f->syscalls, f->n_syscalls);
        f->syscalls = NULL;
        f->n_syscalls = 0;
}

static int fact_add(PolicyFacts *f, FactKind k, const char *what, const char *value) {
        _cleanup_free_ char *l = strjoin(what, " ", value);

        if (!l)
                return -ENOMEM;
        return strv_consume(&f->lines[k], TAKE_PTR(l));
}

static int fact_add_words(PolicyFacts *f, FactKind k, const char *what, const char *words, const char *none) {
        _cleanup_free_ char *copy = strdup(words ?: "");
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        if (isempty(copy) && none)
                return fact_add(f, k, what, none);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                r = fact_add(f, k, what, w);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int policy_facts(const Policy *p, PolicyFacts *ret) {
        _cleanup_strv_free_ char **arches = NULL;
        _cleanup_free_ char *caps = NULL, *req = NULL, *nsallow = NULL, *afs = NULL;
        char abuf[SECCOMP_ACTION_STRING_MAX];
        PolicyFacts f = {};
        int r;

        r = policy_expand(p, &f.syscalls, &f.n_syscalls);
        if (r < 0)
                return log_error_errno(r, "Failed to expand policy %s: %m", p->path);
        f.default_action = p->default_action;
        r = policy_resolve_architectures(p->architectures, &arches);
        if (r < 0) {
                policy_facts_done(&f);
                return log_error_errno(r, "Failed to resolve the architectures of %s: %m", p->path);
        }
        if (capability_mask_to_string(p->capabilities, &caps) < 0 ||
            namespace_mask_to_string(p->require_namespaces, &req) < 0 ||
            namespace_mask_to_string(p->allow_namespaces, &nsallow) < 0 ||
            (p->address_families_set && af_mask_to_string(p->address_families, &afs) < 0))
                goto oom;

        r = fact_add(&f, FACT_DEFAULT_ACTION, "default-action", seccomp_action_to_string(p->default_action, abuf));
        STRV_FOREACH(a, arches)
                if (r >= 0)
                        r = fact_add(&f, FACT_ARCHITECTURE, "architecture", *a);
        if (r >= 0)
                r = fact_add_words(&f, FACT_NAMESPACE_CREATION, "namespace-creation", nsallow, NULL);
        if (r >= 0)
                r = fact_add_words(&f, FACT_CAPABILITY, "capability", caps, NULL);
        if (r >= 0)
                r = fact_add_words(&f, FACT_REQUIRE_NAMESPACE, "require-namespace", req, NULL);
        if (r >= 0)
                r = fact_add(&f, FACT_HOST_NETWORK, "host-network", p->allow_host_network > 0 ? "allowed" : "refused");
        if (r >= 0)
                r = fact_add(&f, FACT_ROOT_OWNED_BINDS, "root-owned-binds",
                             p->allow_root_owned_binds > 0 ? "allowed" : "refused");
        if (r >= 0)
                r = fact_add_words(&f, FACT_ADDRESS_FAMILY, "address-family", p->address_families_set ? afs : "any",
                                   "none");
        for (size_t i = 0; i < p->n_allow_devices && r >= 0; i++) {
                char buf[DEVICE_ACCESS_STRING_MAX];
                _cleanup_free_ char *v = strjoin(p->allow_devices[i].spec, " ",
                                                 device_access_to_string(p->allow_devices[i].access, buf));

                r = v ? fact_add(&f, FACT_DEVICE, "device", v) : -ENOMEM;
        }
        STRV_FOREACH(b, p->allow_bind_paths)
                if (r >= 0)
                        r = fact_add(&f, FACT_BIND_PATH, "bind-path", *b);
        if (r < 0)
                goto oom;
        for (size_t k = 0; k < _FACT_KIND_MAX; k++)
                strv_sort(f.lines[k]);
        *ret = f;
        return 0;

oom:
        policy_facts_done(&f);
        return log_oom();
}

static void diff_lines(char **old, char **new) {
        size_t i = 0, j = 0, n_old = strv_length(old), n_new = strv_length(new);

        /* Both sorted: a merge. */
        while (i < n_old || j < n_new) {
                int c = i >= n_old ? 1 : j >= n_new ? -1 : strcmp(old[i], new[j]);

                if (c == 0) {
                        i++;
                        j++;
                } else if (c < 0)
                        printf("- %s\n", old[i++]);
                else
                        printf("+ %s\n", new[j++]);
        }
}

static const PlanSyscall *find_syscall(const PolicyFacts *f, const char *name) {
        for (size_t i = 0; i < f->n_syscalls; i++)
                if (streq(f->syscalls[i].name, name))
                        return &f->syscalls[i];
        return NULL;
}

static void print_syscall(char sign, const char *name, const PolicyFacts *f, const PlanSyscall *s) {
        char abuf[SECCOMP_ACTION_STRING_MAX];

        printf("%c syscall %-24s %s (%s)\n", sign, name, seccomp_action_to_string(s ? s->action : f->default_action, abuf),
               !s ? "default" : isempty(s->origin) ? "named" : s->origin);
}

/* Every syscall either policy lists, with the action it ends up with on
 * each side (its own, or the default): a syscall whose action changes is
 * a - and a + line, whichever side names it. Both lists are sorted. */
static void diff_syscalls(const PolicyFacts *old, const PolicyFacts *new) {
        size_t i = 0, j = 0;

        while (i < old->n_syscalls || j < new->n_syscalls) {
                int c = i >= old->n_syscalls ? 1
                      : j >= new->n_syscalls ? -1
                                              : strcmp(old->syscalls[i].name, new->syscalls[j].name);
                const char *name = c <= 0 ? old->syscalls[i].name : new->syscalls[j].name;
                const PlanSyscall *a = c <= 0 ? &old->syscalls[i] : find_syscall(old, name);
                const PlanSyscall *b = c >= 0 ? &new->syscalls[j] : find_syscall(new, name);

                if (c <= 0)
                        i++;
                if (c >= 0)
                        j++;
                if (seccomp_action_equal(a ? a->action : old->default_action, b ? b->action : new->default_action))
                        continue;
                print_syscall('-', name, old, a);
                print_syscall('+', name, new, b);
        }
}

static int load(const char *arg, Policy **ret) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        int r;

        r = policy_load(arg, ret, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                diagnostics_print(&d, stderr);
        return r;
}

static int diff(const char *old_arg, const char *new_arg) {
        _cleanup_(policy_freep) Policy *a = NULL, *b = NULL;
        int r;

        r = load(old_arg, &a);
        if (r < 0)
                return r;
        r = load(new_arg, &b);
        if (r < 0)
                return r;
        return ctl_policy_diff(a, b);
}

/* ---- show --since ---- */

/* A policy's text at a git revision: `git show REF:./FILE` in the file's
 * directory, run with our own credentials and nothing else of ours (a
 * review tool's step; sandboxd never does this). As root, git itself
 * refuses a repository owned by another user (safe.directory). */
#define GIT_POLICY_MAX (1024U * 1024U)

static bool ref_is_plain(const char *ref) {
        if (isempty(ref) || ref[0] == '-' || strchr(ref, ':'))
                return false;
        for (const unsigned char *c = (const unsigned char *) ref; *c; c++)
                if (*c <= ' ' || *c == 127)
                        return false;
        return true;
}

static int git_show(const char *ref, const char *path, char **ret, size_t *ret_size) {
        _cleanup_free_ char *dir = NULL, *spec = NULL, *buf = NULL;
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF;
        posix_spawn_file_actions_t fa;
        const char *base = path_basename(path);
        extern char **environ;
        size_t size = 0;
        int fds[2], status, r;
        pid_t pid;

        /* An option for git, or a second revision: not a ref of ours. */
        if (!ref_is_plain(ref))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy show --since: invalid git revision \"%s\".",
                                       ref);
        dir = strndup(path, (size_t) (base - path));
        if (!dir || asprintf_safe(&spec, "%s:./%s", ref, base) < 0)
                return log_oom();
        if (pipe2(fds, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), "Failed to create a pipe: %m");
        out_r = fds[0];
        out_w = fds[1];

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return log_oom();
        (void) posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
        (void) posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = posix_spawnp(&pid, "git", &fa, NULL,
                         (char *[]) { (char *) "git", (char *) "-C", isempty(dir) ? (char *) "." : dir,
                                      (char *) "--no-pager", (char *) "show", spec, NULL },
                         environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return log_error_errno(-r, "Failed to run git: %m");
        out_w = safe_close(out_w);

        buf = malloc(GIT_POLICY_MAX + 1);
        if (!buf)
                r = log_oom();
        while (buf) {
                ssize_t k = read(out_r, buf + size, GIT_POLICY_MAX + 1 - size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                size += (size_t) k;
                if (size > GIT_POLICY_MAX)
                        break;
        }
        out_r = safe_close(out_r);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        if (size > GIT_POLICY_MAX)
                return log_error_errno(SYNTHETIC_ERRNO(EFBIG), "%s at %s: larger than %u bytes.", path, ref,
                                       GIT_POLICY_MAX);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                       "git show %s failed (see above): is %s in a git work tree, and in %s?", spec,
                                       path, ref);
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int show_since(const char *ref, const char *arg) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(policy_freep) Policy *cur = NULL, *old = NULL;
        _cleanup_free_ char *text = NULL, *label = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0;
        int r;

        r = load(arg, &cur);
        if (r < 0)
                return r;
        r = git_show(ref, cur->path, &text, &size);
        if (r < 0)
                return r;
        if (asprintf_safe(&label, "%s:%s", ref, cur->path) < 0)
                return log_oom();
        old = policy_new(cur->name);
        if (!old || !(old->path = strdup(label)))
                return log_oom();
        fd = memfd_create("policy-since", MFD_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create a memfd: %m");
        if (write(fd, text, size) != (ssize_t) size || lseek(fd, 0, SEEK_SET) < 0)
                return log_error_errno(errno ? negative_errno() : -EIO, "Failed to write to a memfd: %m");
        r = policy_parse_fd(old, fd, label, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || d.n > 0) {
                diagnostics_print(&d, stderr);
                return r < 0 ? r : -EINVAL;
        }
        return ctl_policy_diff(old, cur);
}

int ctl_policy_diff(const Policy *a, const Policy *b) {
        PolicyFacts old = {}, new = {};
        int r;

        r = policy_facts(a, &old);
        if (r < 0)
                return r;
        r = policy_facts(b, &new);
        if (r < 0) {
                policy_facts_done(&old);
                return r;
        }
        for (size_t k = 0; k < _FACT_KIND_MAX; k++)
                diff_lines(old.lines[k], new.lines[k]);
        diff_syscalls(&old, &new);
        policy_facts_done(&old);
        policy_facts_done(&new);
        return 0;
}

typedef struct GroupList {
        char **names;
        char **origins;
} GroupList;

static int collect(const char *syscall, const SyscallGroup *from, void *userdata) {
        GroupList *l = userdata;

        if (strv_contains(l->names, syscall))
                return 0;
        if (strv_extend(&l->names, syscall) < 0 || strv_extend(&l->origins, from ? from->name : "") < 0)
                return -ENOMEM;
        return 0;
}

static int groups(const char *name) {
        if (!name) {
                for (size_t i = 0; i < n_syscall_groups; i++)
                        printf("%-20s %s\n", syscall_groups[i].name, syscall_groups[i].description);
                return 0;
        }

        const SyscallGroup *g = syscall_group_find(name);
        GroupList l = {};
        size_t n;
        int r;

        if (!g)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT), "No such syscall group: %s (see sandboxctl policy groups).", name);
        r = syscall_group_foreach(g, collect, &l);
        if (r < 0) {
                strv_free(l.names);
                strv_free(l.origins);
                return log_oom();
        }
        printf("# %s: %s\n", g->name, g->description);
        n = strv_length(l.names);
        /* Sort names, carrying origins along. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(l.names[j - 1], l.names[j]) > 0; j--) {
                        char *t = l.names[j];
                        l.names[j] = l.names[j - 1];
                        l.names[j - 1] = t;
                        t = l.origins[j];
                        l.origins[j] = l.origins[j - 1];
                        l.origins[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++) {
                bool known = seccomp_syscall_resolve_name(l.names[i]) != __NR_SCMP_ERROR;
                printf("%-28s %s%s\n", l.names[i], streq(l.origins[i], g->name) ? "" : l.origins[i],
                       known ? "" : " (unknown to this libseccomp, skipped)");
        }
        strv_free(l.names);
        strv_free(l.origins);
        return 0;
}

int verb_policy(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy: expected show, diff, learn, groups or oci (see sandboxctl policy --help).");

        if (streq(argv[optind], "show")) {
                const char *since = NULL, *v;
                int i = optind + 1;

                if (i < argc && (v = startswith(argv[i], "--since="))) {
                        since = v;
                        i++;
                } else if (i + 1 < argc && streq(argv[i], "--since")) {
                        since = argv[i + 1];
                        i += 2;
                }
                if (argc - i != 1)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy show: expected one policy name or file.");
                return since ? show_since(since, argv[i]) : show(argv[i]);
        }
        if (streq(argv[optind], "diff")) {
                if (argc - optind != 3)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy diff: expected two policy names or files.");
                return diff(argv[optind + 1], argv[optind + 2]);
        }
        if (streq(argv[optind], "learn"))
                return verb_policy_learn(argc - optind, argv + optind);
        if (streq(argv[optind], "groups")) {
                if (argc - optind > 2)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy groups: expected at most one group.");
                return groups(argc - optind == 2 ? argv[optind + 1] : NULL);
        }
        if (streq(argv[optind], "oci")) {
                if (argc - optind != 2)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy oci: expected one policy name or file.");
                return oci(argv[optind + 1]);
        }
        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "policy: unknown command \"%s\", expected show, diff, learn, groups or oci.", argv[optind]);
}
