/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxctl policy learn: run a unit in the foreground under the
 * learning variant of a base policy (policy_make_learning(): whatever the
 * base would not allow is reported to us and let through), then write the
 * base policy again with an Allow= for what the run used. Calls the base
 * allows are never reported, so the base's Allow= lines stay as they are;
 * what the run added is grouped where a whole group is harmless. */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#include "ctl-common.h"
#include "ctl-policy.h"
#include "ctl-run.h"
#include "diag.h"
#include "fileio.h"
#include "image-store.h"
#include "launch.h"
#include "log.h"
#include "parse-util.h"
#include "path-util.h"
#include "plan-compile.h"
#include "plan-seccomp.h"
#include "seccomp-bpf.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-groups.h"
#include "unit.h"

/* Groups a learned policy never allows whole, only the calls the run
 * made: each is host administration or kernel attack surface, and one
 * call of it says nothing about the others. */
static const char *const risky_groups[] = {
        "@clock", "@cpu-emulation", "@debug",    "@io-uring", "@keyring", "@module",     "@mount",
        "@namespaces", "@obsolete", "@privileged", "@raw-io", "@reboot",  "@swap",       NULL,
};

static void help(void) {
        printf("sandboxctl policy learn [OPTIONS] UNIT\n\n"
               "Run the service of UNIT in the foreground, as `sandboxctl run` does, under the\n"
               "learning variant of a base policy (default: the unit's own): every syscall the\n"
               "base would not allow is recorded and then let through, so the run is NOT\n"
               "confined by seccomp. Learn only from a workload you trust. When the service\n"
               "exits (or after --duration, when it is stopped with KillSignal=), write the\n"
               "base policy with an Allow= for what the run used: a group where the run used\n"
               "one of its calls and the group is harmless, the single name otherwise. The\n"
               "base's DefaultAction=, Deny= lines and capabilities stay; a call the base\n"
               "denies by name or group is allowed by name under a\n"
               "\"# needed by the learning run: review\" comment.\n\n"
               "Options:\n"
               "     --duration=SEC  Stop the service after SEC seconds\n"
               "     --base=POLICY   Learn on top of POLICY (name or file) instead of the unit's\n"
               "  -o --output=FILE   Write the policy to FILE (default: stdout)\n"
               "     --diff          Print what the learned policy changes against the unit's\n"
               "                     current policy (as `policy diff`) instead of the policy\n"
               "  -t --tty / -T --no-tty  As for run\n"
               "  -h --help          Show this help\n");
}

typedef struct Learned {
        char **names;           /* distinct syscalls the base would not have allowed */
        uint64_t n_calls;
        bool oom;
} Learned;

/* CtlRunOptions.on_log */
static void learned_add(const SeccompEvent *ev, void *userdata) {
        Learned *l = userdata;
        char buf[SECCOMP_NAME_MAX];
        const char *name = seccomp_event_syscall_name(ev->arch, ev->nr, buf);

        l->n_calls++;
        if (strv_contains(l->names, name))
                return;
        if (strv_extend(&l->names, name) < 0)
                l->oom = true;
}

/* ---- which group says it ---- */

typedef struct GroupScan {
        const char *name;       /* looked for; NULL: count only */
        bool found;
        bool risky;             /* reaches a risky group */
        size_t n;
} GroupScan;

static int scan_cb(const char *syscall, const SyscallGroup *from, void *userdata) {
        GroupScan *s = userdata;

        s->n++;
        if (s->name && streq(syscall, s->name))
                s->found = true;
        if (from && strv_contains((char **) risky_groups, from->name))
                s->risky = true;
        return 0;
}

static bool group_contains(const SyscallGroup *g, const char *name) {
        GroupScan s = { .name = name };

        return syscall_group_foreach(g, scan_cb, &s) >= 0 && s.found;
}

static bool entry_covers(const PolicyEntry *e, const char *name) {
        const SyscallGroup *g;

        if (e->name[0] != '@')
                return streq(e->name, name);
        g = syscall_group_find(e->name);
        return g && group_contains(g, name);
}

static bool denied_explicitly(const Policy *base, const char *name) {
        for (size_t i = 0; i < base->n_entries; i++)
                if (base->entries[i].deny && entry_covers(&base->entries[i], name))
                        return true;
        return false;
}

/* The smallest harmless group that has name, or NULL. */
static const SyscallGroup *pick_group(const char *name) {
        const SyscallGroup *best = NULL;
        size_t best_n = SIZE_MAX;

        for (size_t i = 0; i < n_syscall_groups; i++) {
                const SyscallGroup *g = &syscall_groups[i];
                GroupScan s = { .name = name };

                if (strv_contains((char **) risky_groups, g->name))
                        continue;
                if (syscall_group_foreach(g, scan_cb, &s) < 0 || !s.found || s.risky)
                        continue;
                if (s.n < best_n) {
                        best = g;
                        best_n = s.n;
                }
        }
        return best;
}

/* ---- writing the policy ---- */

typedef struct Collect {
        char **names;
} Collect;

static int collect_cb(const char *syscall, const SyscallGroup *from, void *userdata) {
        Collect *c = userdata;

        /* Names this libseccomp does not know would not parse. */
        if (seccomp_syscall_resolve_name(syscall) == __NR_SCMP_ERROR || strv_contains(c->names, syscall))
                return 0;
        return strv_extend(&c->names, syscall);
}

/* The Deny= entries of base line `line`, minus what the run needed: a
 * group becomes its other members by name. */
static int write_narrowed_deny(FILE *f, const Policy *base, unsigned line, const char *text, char **needed) {
        char abuf[SECCOMP_ACTION_STRING_MAX];

        fprintf(f, "# needed by the learning run: review (was: %s)\n", text);
        for (size_t i = 0; i < base->n_entries; i++) {
                const PolicyEntry *e = &base->entries[i];
                const char *suffix = "";
                Collect c = {};
                int r;

                if (!e->deny || e->line != line || !streq(e->file, base->path))
                        continue;
                if (e->has_action)
                        suffix = seccomp_action_to_string(e->action, abuf);
                if (e->name[0] != '@') {
                        if (!strv_contains(needed, e->name))
                                fprintf(f, "Deny=%s%s%s\n", e->name, e->has_action ? ":" : "", suffix);
                        continue;
                }
                r = syscall_group_foreach(syscall_group_find(e->name), collect_cb, &c);
                if (r < 0) {
                        strv_free(c.names);
                        return r;
                }
                STRV_FOREACH(n, c.names)
                        if (!strv_contains(needed, *n))
                                fprintf(f, "Deny=%s%s%s\n", *n, e->has_action ? ":" : "", suffix);
                strv_free(c.names);
        }
        return 0;
}

static bool line_has_needed_deny(const Policy *base, unsigned line, char **needed) {
        for (size_t i = 0; i < base->n_entries; i++) {
                const PolicyEntry *e = &base->entries[i];

                if (!e->deny || e->line != line || !streq(e->file, base->path))
                        continue;
                STRV_FOREACH(n, needed)
                        if (entry_covers(e, *n))
                                return true;
        }
        return false;
}

static bool is_section(const char *l, const char **ret_name, size_t *ret_len) {
        const char *e;

        l += strspn(l, " \t");
        if (*l != '[')
                return false;
        e = strchr(l, ']');
        if (!e)
                return false;
        *ret_name = l + 1;
        *ret_len = (size_t) (e - l - 1);
        return true;
}

static bool is_blank_or_comment(const char *l) {
        l += strspn(l, " \t");
        return *l == 0 || *l == '#' || *l == ';';
}

static int split_lines(const char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (const char *p = text; *p;) {
                size_t k = strcspn(p, "\n");
                char *line = strndup(p, k);

                if (!line || strv_consume(&l, line) < 0)
                        return -ENOMEM;
                p += k;
                if (*p == '\n')
                        p++;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int write_learned(FILE *f, const char *unit, const Policy *base, const char *base_text, const Learned *l) {
        _cleanup_strv_free_ char **lines = NULL, **groups = NULL, **singles = NULL, **reviewed = NULL;
        size_t n, seccomp_start = SIZE_MAX, insert_after = SIZE_MAX;
        int r;

        /* Sorted: the same run writes the same policy. */
        STRV_FOREACH(name, l->names) {
                const SyscallGroup *g;

                if (startswith(*name, "syscall-")) {
                        log_warning("The run used syscall %s, which this libseccomp cannot name: not in the policy.",
                                    *name);
                        continue;
                }
                if (denied_explicitly(base, *name))
                        r = strv_extend(&reviewed, *name);
                else if ((g = pick_group(*name)))
                        r = strv_contains(groups, g->name) ? 0 : strv_extend(&groups, g->name);
                else
                        r = strv_extend(&singles, *name);
                if (r < 0)
                        return r;
        }
        strv_sort(groups);
        strv_sort(singles);
        strv_sort(reviewed);

        r = split_lines(base_text, &lines);
        if (r < 0)
                return r;
        n = strv_length(lines);
        for (size_t i = 0; i < n; i++) {
                const char *s;
                size_t len;

                if (!is_section(lines[i], &s, &len))
                        continue;
                if (len == strlen("Seccomp") && strneq(s, "Seccomp", len))
                        seccomp_start = i;
                else if (seccomp_start != SIZE_MAX && insert_after == SIZE_MAX)
                        insert_after = i; /* the next section, for now */
        }
        if (seccomp_start != SIZE_MAX) {
                size_t end = insert_after == SIZE_MAX ? n : insert_after;

                /* After the section's last setting, not before the comment
                 * that opens the next section. */
                while (end > seccomp_start + 1 && is_blank_or_comment(lines[end - 1]))
                        end--;
                insert_after = end - 1;
        }

        fprintf(f, "# Learned by `sandboxctl policy learn` from a run of %s under policy %s:\n"
                   "# %zu syscall%s the base would not allow (%" PRIu64 " call%s). Review before use: the\n"
                   "# lines marked \"needed by the learning run\" undo a denial of the base.\n"
                   "# Capabilities are the base's: seccomp does not see capability checks.\n",
                unit, base->name, strv_length(l->names), strv_length(l->names) == 1 ? "" : "s", l->n_calls,
                l->n_calls == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
                const PolicyEntry *e = NULL;

                for (size_t k = 0; k < base->n_entries; k++)
                        if (base->entries[k].deny && base->entries[k].line == i + 1 &&
                            streq(base->entries[k].file, base->path))
                                e = &base->entries[k];
                if (e && line_has_needed_deny(base, (unsigned) (i + 1), reviewed)) {
                        r = write_narrowed_deny(f, base, (unsigned) (i + 1), lines[i], reviewed);
                        if (r < 0)
                                return r;
                } else
                        fprintf(f, "%s\n", lines[i]);

                if (i == insert_after || (seccomp_start == SIZE_MAX && i + 1 == n)) {
                        if (seccomp_start == SIZE_MAX)
                                fputs("\n[Seccomp]\n", f);
                        if ((groups != NULL) || (singles != NULL) || (reviewed != NULL))
                                fprintf(f, "\n# What the learning run of %s used beyond the base policy:\n", unit);
                        STRV_FOREACH(g, groups)
                                fprintf(f, "Allow=%s\n", *g);
                        STRV_FOREACH(s, singles)
                                fprintf(f, "Allow=%s\n", *s);
                        STRV_FOREACH(s, reviewed)
                                fprintf(f, "# needed by the learning run: review\nAllow=%s\n", *s);
                }
        }
        return fflush(f) == EOF ? negative_errno() : 0;
}

/* The text back as a policy, as a check of what we wrote and for --diff. */
static int parse_learned(const char *text, const char *path, Policy **ret) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *b = path_basename(path), *e = endswith(b, ".policy");
        _cleanup_free_ char *name = e ? strndup(b, (size_t) (e - b)) : strdup(b);
        size_t len = strlen(text);
        int r;

        if (!name)
                return log_oom();
        p = policy_new(name);
        if (!p || !(p->path = strdup(path)))
                return log_oom();
        fd = memfd_create("learned-policy", MFD_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create a memfd: %m");
        if (write(fd, text, len) != (ssize_t) len || lseek(fd, 0, SEEK_SET) < 0)
                return log_error_errno(errno ? negative_errno() : -EIO, "Failed to write to a memfd: %m");
        r = policy_parse_fd(p, fd, path, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || d.n > 0) {
                diagnostics_print(&d, stderr);
                return log_error_errno(r < 0 ? r : SYNTHETIC_ERRNO(EINVAL),
                                       "The learned policy does not parse; this is a bug.");
        }
        *ret = TAKE_PTR(p);
        return 0;
}

static int write_output(const char *path, const char *text) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return log_oom();
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create %s: %m", tmp);
        /* A policy is read by root and reviewed by ops: world-readable,
         * never writable by others (policy_load() refuses that). */
        if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t) len || fsync(fd) < 0 ||
            rename(tmp, path) < 0) {
                int r = errno ? negative_errno() : -EIO;

                (void) unlink(tmp);
                return log_error_errno(r, "Failed to write %s: %m", path);
        }
        return 0;
}

/* Unit, base policy and the learning plan: the base loaded twice, once to
 * write from, once made the learning variant and compiled. */
static int compile_learning(const char *unit, const char *base_arg, Plan **ret_plan, Policy **ret_base,
                            char **ret_current) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_(policy_freep) Policy *base = NULL, *learning = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *current = NULL;
        const char *b;
        int r;

        if (geteuid() == 0 && plan_seccomp_set_cache_dir(SANDBOXD_CACHE_DIR "/seccomp") < 0)
                return log_oom();
        r = unit_load(unit, &u, &d);
        if (r >= 0) {
                b = base_arg ?: u->policy ?: "default";
                current = strdup(u->policy ?: "default");
                if (!current)
                        return log_oom();
                r = policy_load(b, &base, &d);
                if (r >= 0)
                        r = policy_load(b, &learning, &d);
                if (r < 0 && r != -ENOMEM && base_arg)
                        (void) diag_add(&d, NULL, 0, NULL, "Cannot load the base policy %s (--base=).", base_arg);
                else if (r < 0 && r != -ENOMEM && u->policy)
                        (void) diag_add(&d, u->policy_file, u->policy_line, "Policy", "Cannot load policy %s.",
                                        u->policy);
        }
        if (r >= 0) {
                policy_make_learning(learning);
                r = plan_compile_full(u, learning, &plan, &d, NULL);
        }
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || d.n > 0) {
                diagnostics_print(&d, stderr);
                return r < 0 ? r : -EINVAL;
        }
        *ret_plan = TAKE_PTR(plan);
        *ret_base = TAKE_PTR(base);
        *ret_current = TAKE_PTR(current);
        return 0;
}

int verb_policy_learn(int argc, char *argv[]) {
        enum { ARG_DURATION = 0x100, ARG_BASE, ARG_DIFF };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "duration", required_argument, NULL, ARG_DURATION },
                { "base", required_argument, NULL, ARG_BASE },
                { "output", required_argument, NULL, 'o' },
                { "diff", no_argument, NULL, ARG_DIFF },
                { "tty", no_argument, NULL, 't' },
                { "no-tty", no_argument, NULL, 'T' },
                {}
        };
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_(policy_freep) Policy *base = NULL, *learned = NULL, *current = NULL;
        _cleanup_free_ char *current_name = NULL, *base_text = NULL, *text = NULL;
        _cleanup_strv_free_ char **names = NULL;
        const char *base_arg = NULL, *output = NULL;
        Learned l = {};
        CtlRunOptions o = {
                .tty = isatty(STDIN_FILENO) > 0 && isatty(STDOUT_FILENO) > 0,
                /* The denials too: what the built-in argument rules refuse
                 * (namespaces, address families) is not the policy's to
                 * learn, but the operator should see it. */
                .seccomp_notify = SECCOMP_NOTIFY_LOG | SECCOMP_NOTIFY_DENIALS,
                .on_log = learned_add,
                .userdata = &l,
                .require_listener = true,
        };
        bool show_diff = false;
        size_t text_size = 0;
        FILE *f;
        int c, r, status;

        optind = 0;
        while ((c = getopt_long(argc, argv, "ho:tT", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_DURATION:
                        r = parse_time_usec(optarg, &o.duration_usec);
                        if (r < 0 || o.duration_usec == 0 || o.duration_usec == USEC_INFINITY)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--duration= takes a time span like 30 or 5min, not \"%s\".", optarg);
                        break;
                case ARG_BASE:
                        base_arg = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case ARG_DIFF:
                        show_diff = true;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case 'T':
                        o.tty = false;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "policy learn takes exactly one unit (see sandboxctl policy learn --help).");

        r = ctl_run_prepare(argv[optind]);
        if (r != 0)
                return r;
        r = compile_learning(argv[optind], base_arg, &plan, &base, &current_name);
        if (r < 0)
                return r;
        r = read_full_file(base->path, 1024 * 1024, &base_text, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read policy %s: %m", base->path);

        log_notice("Learning from %s under policy %s: every syscall the policy would not allow is let through "
                   "and recorded; the service is not confined by seccomp during this run.",
                   plan->name, base->name);
        status = ctl_run_plan(plan, &o);
        if (status < 0)
                return status;
        if (l.oom)
                return log_oom();
        if ((status == LAUNCH_EXIT_SETUP || status == LAUNCH_EXIT_CANNOT_EXECUTE || status == LAUNCH_EXIT_NOT_FOUND) &&
            !l.names) {
                log_error("Service %s did not run (exit status %d): no policy learned.", plan->name, status);
                return status;
        }
        if (status != 0)
                log_info("Service %s ended with status %d.", plan->name, status);

        strv_sort(l.names);
        names = l.names;
        f = open_memstream(&text, &text_size);
        if (!f)
                return log_oom();
        r = write_learned(f, plan->name, base, base_text, &l);
        if (fclose(f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)
                return log_error_errno(r, "Failed to write the learned policy: %m");

        r = parse_learned(text, output ?: "learned.policy", &learned);
        if (r < 0)
                return r;
        if (output) {
                r = write_output(output, text);
                if (r < 0)
                        return r;
                log_info("Wrote %s: %zu syscall%s added to policy %s.", output, strv_length(l.names),
                         strv_length(l.names) == 1 ? "" : "s", base->name);
        }
        if (show_diff) {
                _cleanup_(diagnostics_done) Diagnostics d = {};

                r = policy_load(current_name, &current, &d);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        diagnostics_print(&d, stderr);
                        return r;
                }
                return ctl_policy_diff(current, learned);
        }
        if (!output)
                fputs(text, stdout);
        return 0;
}
