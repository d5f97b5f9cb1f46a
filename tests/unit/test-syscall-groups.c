/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The syscall group table: every member known to libseccomp (or a newer
 * syscall on an explicit list), no cycles, descriptions everywhere,
 * @system-service free of the dangerous sets, foreach semantics, and the
 * man page listing every group exactly as the table says.
 *
 *   test-syscall-groups --man-groups
 * prints the GROUPS block of man/sandbox.policy.5 from the table. */

#include <seccomp.h>
#include <stdbool.h>

#include "macro.h"
#include "strv.h"
#include "syscall-groups.h"
#include "tests.h"

/* Newer than the libseccomp this project builds against (2.5.4): listed in
 * the table so that a newer libseccomp picks them up. */
static const char *const too_new[] = {
        "getxattrat", "listxattrat", "removexattrat", "setxattrat", /* 6.13 */
        "mseal",                                                    /* 6.10 */
        "listmount", "statmount",                                   /* 6.8 */
};

static bool is_too_new(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(too_new); i++)
                if (streq(too_new[i], name))
                        return true;
        return false;
}

typedef struct Seen {
        char **names;
        char **froms;
} Seen;

static int collect(const char *syscall, const SyscallGroup *from, void *userdata) {
        Seen *s = userdata;

        ASSERT_TRUE(from);
        ASSERT_OK(strv_extend(&s->names, syscall));
        ASSERT_OK(strv_extend(&s->froms, from->name));
        return 0;
}

static Seen expand(const char *group) {
        const SyscallGroup *g = syscall_group_find(group);
        Seen s = {};

        ASSERT_TRUE(g);
        ASSERT_OK(syscall_group_foreach(g, collect, &s));
        return s;
}

static void seen_done(Seen *s) {
        strv_free(s->names);
        strv_free(s->froms);
}

static const char *from_of(const Seen *s, const char *name) {
        for (size_t i = 0; s->names && s->names[i]; i++)
                if (streq(s->names[i], name))
                        return s->froms[i];
        return NULL;
}

TEST(table) {
        ASSERT_TRUE(n_syscall_groups >= 27);
        for (size_t i = 0; i < n_syscall_groups; i++) {
                const SyscallGroup *g = &syscall_groups[i];

                ASSERT_TRUE(g->name && g->name[0] == '@' && g->name[1]);
                ASSERT_TRUE(g->description && strlen(g->description) > 10);
                ASSERT_TRUE(g->members && g->members[0]);
                ASSERT_TRUE(syscall_group_find(g->name) == g);
                for (size_t j = 0; j < i; j++)
                        ASSERT_TRUE(!streq(syscall_groups[j].name, g->name));

                for (const char *const *m = g->members; *m; m++) {
                        for (const char *const *o = g->members; o < m; o++)
                                if (streq(*o, *m)) {
                                        fprintf(stderr, "%s lists %s twice\n", g->name, *m);
                                        abort();
                                }
                        if ((*m)[0] == '@') {
                                if (!syscall_group_find(*m)) {
                                        fprintf(stderr, "%s names unknown group %s\n", g->name, *m);
                                        abort();
                                }
                                continue;
                        }
                        if (seccomp_syscall_resolve_name(*m) == __NR_SCMP_ERROR && !is_too_new(*m)) {
                                fprintf(stderr, "%s: libseccomp does not know \"%s\"\n", g->name, *m);
                                abort();
                        }
                }
        }
        ASSERT_TRUE(!syscall_group_find("@nonexistent"));
        ASSERT_TRUE(!syscall_group_find("mount"));
        ASSERT_TRUE(!syscall_group_find(NULL));
}

/* Depth-first search with colours: a grey group met again is a cycle. */
static void visit(size_t i, int *colour) {
        ASSERT_TRUE(colour[i] != 1);
        if (colour[i] == 2)
                return;
        colour[i] = 1;
        for (const char *const *m = syscall_groups[i].members; *m; m++)
                if ((*m)[0] == '@') {
                        const SyscallGroup *sub = syscall_group_find(*m);
                        visit((size_t) (sub - syscall_groups), colour);
                }
        colour[i] = 2;
}

TEST(no_cycles) {
        int *colour = calloc(n_syscall_groups, sizeof(int));

        ASSERT_TRUE(colour);
        for (size_t i = 0; i < n_syscall_groups; i++)
                visit(i, colour);
        free(colour);
}

TEST(foreach_once_innermost) {
        for (size_t i = 0; i < n_syscall_groups; i++) {
                Seen s = expand(syscall_groups[i].name);

                /* Each syscall exactly once. */
                for (size_t a = 0; s.names[a]; a++)
                        for (size_t b = 0; b < a; b++)
                                ASSERT_TRUE(!streq(s.names[a], s.names[b]));
                seen_done(&s);
        }

        Seen s = expand("@system-service");
        ASSERT_STREQ(from_of(&s, "read"), "@basic-io");
        ASSERT_STREQ(from_of(&s, "execve"), "@default");
        ASSERT_STREQ(from_of(&s, "accept4"), "@network-io");
        ASSERT_STREQ(from_of(&s, "uname"), "@system-service");
        ASSERT_STREQ(from_of(&s, "ioctl"), "@system-service");
        /* msync is in @memory and @sync: the first subgroup met wins. */
        ASSERT_STREQ(from_of(&s, "msync"), "@memory");
        seen_done(&s);

        s = expand("@privileged");
        ASSERT_STREQ(from_of(&s, "mount"), "@mount");
        ASSERT_STREQ(from_of(&s, "reboot"), "@reboot");
        ASSERT_STREQ(from_of(&s, "bpf"), "@privileged");
        seen_done(&s);
}

static int fail_on_third(const char *syscall, const SyscallGroup *from, void *userdata) {
        unsigned *n = userdata;

        return ++*n == 3 ? -EIO : 0;
}

TEST(foreach_errors) {
        unsigned n = 0;

        ASSERT_EQ(syscall_group_foreach(syscall_group_find("@system-service"), fail_on_third, &n), -EIO);
        ASSERT_EQ(n, 3);
        ASSERT_EQ(syscall_group_foreach(NULL, fail_on_third, &n), -EINVAL);
}

TEST(system_service_is_safe) {
        static const char *const dangerous_groups[] = {
                "@mount", "@namespaces", "@keyring", "@debug", "@io-uring", "@module", "@clock",
                "@reboot", "@swap", "@raw-io", "@privileged", "@obsolete", "@cpu-emulation", "@numa",
        };
        static const char *const dangerous[] = {
                "mount", "umount2", "pivot_root", "chroot", "fsopen", "move_mount", "open_tree",
                "unshare", "setns", "add_key", "keyctl", "request_key", "ptrace", "bpf",
                "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register",
                "userfaultfd", "init_module", "finit_module", "delete_module", "open_by_handle_at",
                "clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "reboot", "kexec_load",
                "kexec_file_load", "swapon", "swapoff", "process_vm_readv", "process_vm_writev",
                "personality", "iopl", "ioperm", "modify_ldt", "syslog", "acct", "fanotify_init",
        };
        static const char *const needed[] = {
                "execve", "exit_group", "rt_sigreturn", "brk", "mmap", "futex", "arch_prctl", "read",
                "write", "openat", "close", "newfstatat", "getdents64", "socket", "bind", "listen",
                "accept4", "sendfile", "epoll_wait", "clone", "wait4", "rt_sigaction", "ioctl",
                "pipe2", "dup2", "fcntl", "setuid", "chown", "uname", "madvise", "prlimit64",
        };
        Seen s = expand("@system-service");

        for (size_t i = 0; i < ELEMENTSOF(dangerous_groups); i++) {
                Seen d = expand(dangerous_groups[i]);

                for (size_t j = 0; d.names[j]; j++)
                        if (strv_contains(s.names, d.names[j])) {
                                fprintf(stderr, "@system-service contains %s from %s\n", d.names[j], dangerous_groups[i]);
                                abort();
                        }
                seen_done(&d);
        }
        for (size_t i = 0; i < ELEMENTSOF(dangerous); i++)
                if (strv_contains(s.names, dangerous[i])) {
                        fprintf(stderr, "@system-service contains %s\n", dangerous[i]);
                        abort();
                }
        for (size_t i = 0; i < ELEMENTSOF(needed); i++)
                if (!strv_contains(s.names, needed[i])) {
                        fprintf(stderr, "@system-service lacks %s\n", needed[i]);
                        abort();
                }
        seen_done(&s);
}

/* The man page block for the groups, from the table: each group as a .TP
 * entry with its description and members. Hyphens are escaped for roff. */
static void roff_escaped(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == '-' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

static char *man_groups_block(void) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        ASSERT_TRUE(f);
        for (size_t i = 0; i < n_syscall_groups; i++) {
                const SyscallGroup *g = &syscall_groups[i];

                fputs(".TP\n.B ", f);
                roff_escaped(f, g->name);
                fputc('\n', f);
                roff_escaped(f, g->description);
                fputs(".\n.br\n", f);
                /* Members wrapped at 72 columns, so that a change to a group
                 * is a small diff of the page too. */
                size_t col = 0;
                for (const char *const *m = g->members; *m; m++) {
                        size_t len = strlen(*m);

                        if (col > 0 && col + 1 + len > 72) {
                                fputc('\n', f);
                                col = 0;
                        } else if (col > 0) {
                                fputc(' ', f);
                                col++;
                        }
                        roff_escaped(f, *m);
                        col += len;
                }
                fputc('\n', f);
        }
        ASSERT_TRUE(fclose(f) == 0);
        return buf;
}

#define MAN_BEGIN ".\\\" BEGIN GROUPS (generated: test-syscall-groups --man-groups)\n"
#define MAN_END ".\\\" END GROUPS\n"

TEST(man_page_lists_every_group) {
        const char *src = getenv("SANDBOXD_SOURCE_DIR");
        char *path, *text = NULL, *block = man_groups_block();
        const char *b, *e;
        size_t n = 0;
        FILE *f;

        if (!src) {
                fprintf(stderr, "SANDBOXD_SOURCE_DIR not set: run this test through meson\n");
                abort();
        }
        ASSERT_TRUE(asprintf(&path, "%s/man/sandbox.policy.5", src) > 0);
        f = fopen(path, "re");
        ASSERT_TRUE(f);
        ASSERT_TRUE(getdelim(&text, &n, '\0', f) > 0);
        fclose(f);

        b = strstr(text, MAN_BEGIN);
        e = b ? strstr(b, MAN_END) : NULL;
        ASSERT_TRUE(b && e);
        b += strlen(MAN_BEGIN);
        if ((size_t) (e - b) != strlen(block) || memcmp(b, block, e - b) != 0) {
                fprintf(stderr,
                        "%s: the GROUPS block differs from src/policy/syscall-groups.c.\n"
                        "Regenerate it with: build/tests/unit/test-syscall-groups --man-groups\n", path);
                abort();
        }
        free(block);
        free(text);
        free(path);
}

int main(int argc, char *argv[]) {
        if (argc > 1 && streq(argv[1], "--man-groups")) {
                char *block = man_groups_block();

                fputs(MAN_BEGIN, stdout);
                fputs(block, stdout);
                fputs(MAN_END, stdout);
                free(block);
                return 0;
        }

        RUN(table);
        RUN(no_cycles);
        RUN(foreach_once_innermost);
        RUN(foreach_errors);
        RUN(system_service_is_safe);
        RUN(man_page_lists_every_group);
        return 0;
}
