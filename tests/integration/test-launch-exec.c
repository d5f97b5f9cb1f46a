/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* launch_exec() into a running sandbox, against the real kernel (root),
 * asserted from inside: the same namespaces, root, cgroups and hostname
 * as the service, the plan's identity, capabilities, no_new_privs,
 * seccomp, environment, only fds 0-2, its own session (TIOCSTI into the
 * caller's terminal fails); the failures before exec; signals to the
 * caller reaching the command. After each sandbox: no new mount on the
 * host, no child process, no new fd. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "launch-fixture.h"
#include "launch.h"
#include "plan-seccomp.h"
#include "plan.h"
#include "strv.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* ---- launch_exec ---- */

static int start_sleeper(const Plan *p, Cgroup *cg, Launched *ret) {
        LaunchParams params = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .state_dir = state, .cgroup = cg };

        return launch_start(p, &params, ret);
}

static size_t count_lines_of(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void stop_sandbox(Launched *l) {
        CHECK(syscall(SYS_pidfd_send_signal, l->pidfd, SIGKILL, NULL, 0) >= 0);
        (void) wait_status(l->pidfd);
        close(l->pidfd);
}

/* launch_exec with the command's stdout and stderr in a file, and ours
 * (launch_exec's own messages) too; returns launch_exec's result. */
static int exec_capture(const Plan *p, const Launched *l, char **argv, char *out, size_t size, int *ret_status) {
        char path[512];
        int fd, saved_out, saved_err, r;

        snprintf(path, sizeof(path), "%s/exec-out", tmpdir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                die(path);
        fflush(stdout);
        fflush(stderr);
        saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
        saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
        if (saved_out < 0 || saved_err < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                die("dup2");
        *ret_status = -1;
        r = launch_exec(p, l->pid, l->pidfd, argv,
                        &(LaunchExecParams) { .stdin_fd = -1, .stdout_fd = fd, .stderr_fd = fd }, ret_status);
        fflush(stderr);
        if (dup2(saved_out, STDOUT_FILENO) < 0 || dup2(saved_err, STDERR_FILENO) < 0)
                die("dup2");
        close(saved_out);
        close(saved_err);
        close(fd);
        read_text(path, out, size);
        if (getenv("TEST_LAUNCH_VERBOSE"))
                fprintf(stderr, "--- launch_exec(%s ...) = %d, status %d:\n%s---\n", argv[0], r, *ret_status, out);
        return r;
}

#define EXEC_SCRIPT                                                                                     \
        "echo host=$(hostname); "                                                                       \
        "for n in mnt pid net uts ipc cgroup; do "                                                      \
        "  [ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/2/ns/$n)\" ] && echo same-$n; "      \
        "done; "                                                                                        \
        "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/2/cgroup)\" ] && echo same-cgroups; "           \
        "[ \"$(stat -c %d:%i /)\" = \"$(stat -L -c %d:%i /proc/2/root)\" ] && echo same-root; "         \
        "grep -E '^(Uid|Gid|Groups|Cap...|NoNewPrivs|Seccomp):' /proc/self/status; "                    \
        "echo cwd=$(pwd) comm2=$(cat /proc/2/comm) comm1=$(cat /proc/1/comm); "                         \
        "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" ] && echo session-leader; "                      \
        "(echo x > /dev/tty) 2>/dev/null || echo no-tty; "                                              \
        "mkdir /tmp/made 2>&1; touch /tmp/touched && echo touched; "                                    \
        "env | sort | tr '\\n' ' '; echo; "                                                             \
        "exit 7"

static void test_exec_main(void) {
        char out[16384], procs[600], buf[4096];
        char *script[] = { (char *) "sh", (char *) "-c", (char *) EXEC_SCRIPT, NULL };
        char *fds[] = { (char *) "sandbox-probe", (char *) "fds", NULL };
        char *missing[] = { (char *) "no-such-command", NULL };
        char *not_exec[] = { (char *) "/etc/not-executable", NULL };
        char *comms[] = { (char *) "/bin/sh", (char *) "-c", (char *) "n=0; for f in /proc/[0-9]*/comm; do read c < $f; "
                          "echo \"comm=$c\"; n=$((n + 1)); done; echo n=$n", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("");
        Cgroup *cg = NULL;
        int status, r;
        Launched l;

        strv_free(p->argv);
        p->argv = NULL;
        strv_extend(&p->argv, "/bin/sleep");
        strv_extend(&p->argv, "1000");
        strv_extend(&p->environment, "FOO=bar");
        free(p->working_directory);
        p->working_directory = strdup("/tmp");
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].type == MOUNT_TMPFS) {
                        free(p->mounts[i].options);
                        p->mounts[i].options = strdup("mode=1777,size=1m");
                }
        p->uid = 33;
        p->gid = 33;
        p->supplementary_gids = calloc(1, sizeof(gid_t));
        p->supplementary_gids[0] = 4;
        p->n_supplementary_gids = 1;
        p->cap_bounding = (1 << 10) | (1 << 0);
        p->cap_ambient = p->cap_inheritable = p->cap_permitted = p->cap_effective = 1 << 10;
        p->limits.tasks_max = 64;      /* a controller: the v1 pids hierarchy on a hybrid host */
        p->seccomp_default_action = (SeccompAction) { SECCOMP_ACTION_ALLOW, 0 };
        p->syscalls = calloc(2, sizeof(PlanSyscall));
        p->syscalls[0] = (PlanSyscall) { strdup("mkdir"), { SECCOMP_ACTION_ERRNO, EXDEV }, strdup("") };
        p->syscalls[1] = (PlanSyscall) { strdup("mkdirat"), { SECCOMP_ACTION_ERRNO, EXDEV }, strdup("") };
        p->n_syscalls = 2;
        strv_extend(&p->seccomp_architectures, "native");
        CHECK(plan_compile_seccomp(p) >= 0);

        r = cgroup_create(&cgroup_driver_cgroupfs, p, &cg);
        if (r < 0) {
                fprintf(stderr, "SKIP exec into a cgroup: cannot create one here (%s); the test's own is shared\n", strerror(-r));
                cg = NULL;
        }
        CHECK(start_sleeper(p, cg, &l) >= 0);
        setenv("LEAKED_FROM_CALLER", "1", 1);

        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 7);
        CHECK_CONTAINS(out, "host=lt\n");
        CHECK_CONTAINS(out, "same-mnt\nsame-pid\nsame-net\nsame-uts\nsame-ipc\nsame-cgroup\n");
        CHECK_CONTAINS(out, "same-cgroups\n");
        CHECK_CONTAINS(out, "same-root\n");
        CHECK_CONTAINS(out, "Uid:\t33\t33\t33\t33\n");
        CHECK_CONTAINS(out, "Gid:\t33\t33\t33\t33\n");
        CHECK_CONTAINS(out, "Groups:\t4");
        CHECK_CONTAINS(out, "CapInh:\t0000000000000400");
        CHECK_CONTAINS(out, "CapPrm:\t0000000000000400");
        CHECK_CONTAINS(out, "CapEff:\t0000000000000400");
        CHECK_CONTAINS(out, "CapBnd:\t0000000000000401");
        CHECK_CONTAINS(out, "CapAmb:\t0000000000000400");
        CHECK_CONTAINS(out, "NoNewPrivs:\t1");
        CHECK_CONTAINS(out, "Seccomp:\t2");
        CHECK_CONTAINS(out, "cwd=/tmp comm2=sleep comm1=sandbox-init\n");
        CHECK_CONTAINS(out, "session-leader\n");
        CHECK_CONTAINS(out, "no-tty\n");
        CHECK_CONTAINS(out, "Invalid cross-device link");     /* mkdir: the filter's errno */
        CHECK_CONTAINS(out, "touched\n");
        CHECK_CONTAINS(out, "FOO=bar PATH=/bin ");
        CHECK(!strstr(out, "LEAKED_FROM_CALLER"));

        CHECK(exec_capture(p, &l, fds, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "fds=0 1 2\n");

        /* A pidfd that is not the pid's: refused before anything starts. */
        {
                Launched wrong = l;

                wrong.pid = l.pid + 1;
                CHECK(exec_capture(p, &wrong, script, out, sizeof(out), &status) == -EINVAL);
                CHECK_CONTAINS(out, "is of pid");
        }

        /* Failures before exec: reported, with the shells' statuses. */
        CHECK(exec_capture(p, &l, missing, out, sizeof(out), &status) >= 0);
        CHECK(status == LAUNCH_EXIT_NOT_FOUND);
        CHECK_CONTAINS(out, "Command no-such-command not found in PATH=/bin in the sandbox");
        CHECK(exec_capture(p, &l, not_exec, out, sizeof(out), &status) >= 0);
        CHECK(status == LAUNCH_EXIT_CANNOT_EXECUTE);

        /* Nothing of the commands is left in the sandbox or its cgroup. */
        CHECK(exec_capture(p, &l, comms, out, sizeof(out), &status) >= 0);
        CHECK_CONTAINS(out, "comm=sandbox-init\n");
        CHECK_CONTAINS(out, "comm=sleep\n");
        CHECK_CONTAINS(out, "comm=sh\n");
        CHECK_CONTAINS(out, "n=3\n");
        if (cgroup_v2_path(cg)) {
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_v2_path(cg));
                read_text(procs, buf, sizeof(buf));
                CHECK(count_lines_of(buf) == 2);        /* init and the service */
        }

        unsetenv("LEAKED_FROM_CALLER");
        CHECK(syscall(SYS_pidfd_send_signal, l.pidfd, SIGKILL, NULL, 0) >= 0);
        (void) wait_status(l.pidfd);
        /* Gone: said so, nothing started. */
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) == -ESRCH);
        CHECK_CONTAINS(out, "is not running");
        close(l.pidfd);
        if (cg) {
                CHECK(cgroup_destroy(cg) >= 0);
                cgroup_free(cg);
        }
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* Without a pid namespace (the service itself is the target, no relay),
 * and with a user namespace (setns joins it first). */
static void test_exec_namespaces(void) {
        char out[8192], want[128], link[64];
        char *script[] = { (char *) "/bin/sh", (char *) "-c",
                           (char *) "readlink /proc/self/ns/mnt; echo host=$(hostname) uid=$(id -u); "
                                    "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; kill -USR1 $$", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("");
        int status;
        ssize_t n;
        Launched l;

        strv_free(p->argv);
        p->argv = NULL;
        strv_extend(&p->argv, "/bin/sleep");
        strv_extend(&p->argv, "1000");
        p->namespaces &= ~NAMESPACE_MASK(NAMESPACE_PID);
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        CHECK(!l.has_init);
        snprintf(link, sizeof(link), "/proc/%d/ns/mnt", (int) l.pid);
        n = readlink(link, want, sizeof(want) - 2);
        want[n > 0 ? n : 0] = '\0';
        strcat(want, "\n");
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 128 + SIGUSR1);
        CHECK_CONTAINS(out, want);
        CHECK_CONTAINS(out, "host=lt uid=0\n");
        CHECK_CONTAINS(out, "NoNewPrivs:\t1");
        stop_sandbox(&l);

        p->namespaces |= NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_USER);
        p->uid_map_base = 0x60000000;
        p->uid_map_count = 65536;
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        script[2] = (char *) "cat /proc/self/uid_map; echo uid=$(id -u) me=$$; touch /tmp/x && echo tmp-ok";
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 0);
        CHECK_CONTAINS(out, "1610612736");
        CHECK_CONTAINS(out, "uid=0 me=3\n");
        CHECK_CONTAINS(out, "tmp-ok\n");
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* The caller's terminal never reaches the command: with a controlling
 * terminal as our stdin, the command's stdin is not a terminal, it has no
 * controlling terminal, and it cannot push input anywhere (TIOCSTI). The
 * plan has no seccomp filter here, which would refuse TIOCSTI anyway. */
static void test_exec_tty(void) {
        char out[4096];
        char *script[] = { (char *) "/bin/sh", (char *) "-c",
                           (char *) "[ -t 0 ] || echo stdin-not-tty; [ -t 1 ] || echo stdout-not-tty; "
                                    "(echo x > /dev/tty) 2>/dev/null || echo no-tty; "
                                    "sandbox-probe escape --tty-stdin --only tiocsti-stdin", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("exec sleep 1000");
        int st = 0, status;
        Launched l;
        pid_t pid;

        p->uid = p->gid = 33;
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid == 0) {
                /* A controlling terminal of our own, as the caller's stdin. */
                int m, s;
                char *name;

                if (setsid() < 0 || (m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(m) < 0 ||
                    unlockpt(m) < 0 || !(name = ptsname(m)) || (s = open(name, O_RDWR)) < 0 ||
                    ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, STDIN_FILENO) < 0)
                        _exit(2);
                if (exec_capture(p, &l, script, out, sizeof(out), &status) < 0 || status != 0)
                        _exit(3);
                if (!strstr(out, "stdin-not-tty\nstdout-not-tty\nno-tty\n") ||
                    !strstr(out, "test tiocsti-stdin: skip")) {
                        fprintf(stderr, "%s", out);
                        _exit(4);
                }
                _exit(0);
        }
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* A pty of the sandbox's own (launch_exec_start with tty): its master is
 * of the sandbox's devpts instance, not the host's; the command has the
 * slave as its controlling terminal, with the size we asked for, owned by
 * the plan's user; the master ends with EIO once the command is gone. */
static void test_exec_pty(void) {
        char out[4096] = "", hostpts[64];
        char *script[] = { (char *) "/bin/sh", (char *) "-c",
                           (char *) "tty; stty size; stat -c owner=%u:%g $(tty); "
                                    "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" ] && echo session-leader; exit 5", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("exec sleep 1000");
        LaunchExecParams params = { .tty = true, .tty_rows = 33, .tty_cols = 77 };
        struct stat st_master, st_host;
        struct statfs sfs;
        LaunchExeced x;
        siginfo_t si = {};
        size_t len = 0;
        Launched l;

        p->uid = p->gid = 33;
        CHECK(start_sleeper(p, NULL, &l) >= 0);
        CHECK(launch_exec_start(p, l.pid, l.pidfd, script, &params, &x) >= 0);
        CHECK(x.pty_master >= 0);
        CHECK(fstatfs(x.pty_master, &sfs) >= 0 && sfs.f_type == DEVPTS_SUPER_MAGIC);
        snprintf(hostpts, sizeof(hostpts), "/dev/pts/ptmx");
        CHECK(fstat(x.pty_master, &st_master) >= 0);
        if (stat(hostpts, &st_host) >= 0)
                CHECK(st_master.st_dev != st_host.st_dev);
        for (;;) {
                ssize_t n = read(x.pty_master, out + len, sizeof(out) - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;  /* EIO: the slave's last fd is closed */
                len += (size_t) n;
        }
        out[len] = '\0';
        CHECK(waitid((idtype_t) P_PIDFD, (id_t) x.pidfd, &si, WEXITED) >= 0);
        CHECK(si.si_code == CLD_EXITED && si.si_status == 5);
        CHECK_CONTAINS(out, "/dev/pts/0\r\n");
        CHECK_CONTAINS(out, "33 77\r\n");
        CHECK_CONTAINS(out, "owner=33:33\r\n");
        CHECK_CONTAINS(out, "session-leader\r\n");
        close(x.pty_master);
        close(x.pidfd);
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

/* SIGTERM to the caller reaches the command (through the relay of the pid
 * namespace), which dies of it: 128+15, and the caller lives on. */
static void test_exec_signals(void) {
        char out[4096], ready[128];
        char *script[] = { (char *) "/bin/sh", (char *) "-c", (char *) "touch /tmp/ready; exec sleep 100", NULL };
        Snapshot before = snapshot();
        Plan *p = make_plan("exec sleep 1000");
        sigset_t pending;
        int status, st;
        Launched l;
        pid_t killer;

        CHECK(start_sleeper(p, NULL, &l) >= 0);
        snprintf(ready, sizeof(ready), "/proc/%d/root/tmp/ready", (int) l.pid);
        fflush(stdout);
        fflush(stderr);
        killer = fork();
        if (killer == 0) {
                for (int i = 0; i < 200 && access(ready, F_OK) < 0; i++)
                        usleep(50 * 1000);
                usleep(50 * 1000);      /* from the shell's touch to its exec of sleep */
                kill(getppid(), SIGTERM);
                _exit(0);
        }
        CHECK(exec_capture(p, &l, script, out, sizeof(out), &status) >= 0);
        CHECK(status == 128 + SIGTERM);
        CHECK(waitpid(killer, &st, 0) == killer);
        CHECK(sigpending(&pending) >= 0 && !sigismember(&pending, SIGTERM));
        stop_sandbox(&l);
        check_nothing_left(before, __LINE__);
        plan_free(p);
}

int main(void) {
        int r;

        r = launch_fixture_setup();
        if (r != 0)
                return r;

        test_exec_main();
        test_exec_namespaces();
        test_exec_tty();
        test_exec_pty();
        test_exec_signals();

        return launch_fixture_finish();
}
