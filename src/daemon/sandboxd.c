/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* sandboxd: supervises sandboxed services. One thread, one sd-event loop;
 * see docs/sandboxd-api.md and sandboxd(8). */

#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "config.h"
#include "dlopen-systemd.h"
#include "log.h"
#include "log-file.h"
#include "manager.h"
#include "parse-util.h"
#include "plan-seccomp.h"
#include "root-check.h"
#include "string-util.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef enum LogTargetChoice {
        LOG_CHOICE_AUTO,
        LOG_CHOICE_JOURNAL,
        LOG_CHOICE_STDERR,
} LogTargetChoice;

static const char *arg_admin_group = NULL;
static ManagerCgroupChoice arg_cgroup = MANAGER_CGROUP_AUTO;
static LogTargetChoice arg_log_target = LOG_CHOICE_AUTO;
static bool arg_system_bus = true;
static LogFileLimits arg_log_limits = {
        .size_max = LOG_FILE_SIZE_MAX_DEFAULT,
        .files_max = LOG_FILE_FILES_MAX_DEFAULT,
};

static void help(void) {
        printf("sandboxd [OPTIONS]\n\n"
               "Supervise sandboxed services; D-Bus API org.sandboxd1 (see sandboxd(8)).\n\n"
               "Options:\n"
               "  -h --help                     Show this help\n"
               "     --version                  Show the version\n"
               "     --admin-group=GROUP        Members of GROUP may change state, besides root\n"
               "     --cgroup-driver=DRIVER     auto (default), systemd or cgroupfs\n"
               "     --log-target=TARGET        auto (default), journal or stderr\n"
               "     --log-level=LEVEL          debug, info (default), notice, warning, err, ...\n"
               "     --log-size-max=SIZE        Without journald: a service's log file is rotated\n"
               "                                before it passes SIZE (default 8M)\n"
               "     --log-files-max=N          ... and N files are kept, NAME.log included (default 2)\n"
               "     --no-system-bus            Serve the API on the private socket only\n"
               "\nEnvironment: SANDBOXD_RUNTIME_DIR (/run/sandboxd), SANDBOXD_CONFIG_DIR (/etc/sandboxd),\n"
               "SANDBOXD_UNIT_PATH, SANDBOXD_POLICY_PATH, SANDBOXD_LOG_LEVEL (as --log-level=).\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ADMIN_GROUP,
                ARG_CGROUP_DRIVER,
                ARG_LOG_TARGET,
                ARG_NO_SYSTEM_BUS,
                ARG_LOG_SIZE_MAX,
                ARG_LOG_FILES_MAX,
                ARG_LOG_LEVEL,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "admin-group", required_argument, NULL, ARG_ADMIN_GROUP },
                { "cgroup-driver", required_argument, NULL, ARG_CGROUP_DRIVER },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                { "no-system-bus", no_argument, NULL, ARG_NO_SYSTEM_BUS },
                { "log-size-max", required_argument, NULL, ARG_LOG_SIZE_MAX },
                { "log-files-max", required_argument, NULL, ARG_LOG_FILES_MAX },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sandboxd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_ADMIN_GROUP:
                        arg_admin_group = optarg;
                        break;
                case ARG_CGROUP_DRIVER:
                        if (streq(optarg, "auto"))
                                arg_cgroup = MANAGER_CGROUP_AUTO;
                        else if (streq(optarg, "systemd"))
                                arg_cgroup = MANAGER_CGROUP_SYSTEMD;
                        else if (streq(optarg, "cgroupfs"))
                                arg_cgroup = MANAGER_CGROUP_CGROUPFS;
                        else
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--cgroup-driver= takes auto, systemd or cgroupfs, not \"%s\".", optarg);
                        break;
                case ARG_LOG_TARGET:
                        if (streq(optarg, "auto"))
                                arg_log_target = LOG_CHOICE_AUTO;
                        else if (streq(optarg, "journal"))
                                arg_log_target = LOG_CHOICE_JOURNAL;
                        else if (streq(optarg, "stderr"))
                                arg_log_target = LOG_CHOICE_STDERR;
                        else
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--log-target= takes auto, journal or stderr, not \"%s\".", optarg);
                        break;
                case ARG_NO_SYSTEM_BUS:
                        arg_system_bus = false;
                        break;
                case ARG_LOG_LEVEL: {
                        int l = log_level_from_string(optarg);

                        if (l < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--log-level= takes %s, not \"%s\".",
                                                       LOG_LEVEL_NAMES, optarg);
                        log_set_max_level(l);
                        break;
                }
                case ARG_LOG_SIZE_MAX: {
                        LogFileLimits l = arg_log_limits;

                        if (parse_size(optarg, &l.size_max) < 0 || log_file_limits_check(&l) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--log-size-max= takes a size from 64K to 8E, not \"%s\".", optarg);
                        arg_log_limits = l;
                        break;
                }
                case ARG_LOG_FILES_MAX: {
                        LogFileLimits l = arg_log_limits;

                        if (safe_atou(optarg, &l.files_max) < 0 || log_file_limits_check(&l) < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--log-files-max= takes a number from 1 to %u, not \"%s\".",
                                                       LOG_FILE_FILES_MAX_LIMIT, optarg);
                        arg_log_limits = l;
                        break;
                }
                default:
                        return -EINVAL;
                }

        if (optind < argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "sandboxd takes no arguments (see --help).");
        return 1;
}

/* $JOURNAL_STREAM names our stderr only if its device:inode match: the
 * variable is inherited by everything a service starts. */
static bool stderr_is_journal_stream(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        char tail;

        if (isempty(e) || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static void setup_logging(void) {
        bool journal;

        switch (arg_log_target) {
        case LOG_CHOICE_JOURNAL:
                journal = true;
                break;
        case LOG_CHOICE_STDERR:
                journal = false;
                break;
        default:
                journal = stderr_is_journal_stream() ||
                          (!isatty(STDERR_FILENO) && access(JOURNAL_SOCKET, F_OK) >= 0);
        }
        log_set_target(journal ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR);
}

static int resolve_group(const char *name, gid_t *ret) {
        struct group gr, *g = NULL;
        char buf[16384];
        uid_t id;
        int r;

        r = getgrnam_r(name, &gr, buf, sizeof(buf), &g);
        if (r == 0 && g) {
                *ret = g->gr_gid;
                return 0;
        }
        /* A number works too, with or without a database entry. */
        if (parse_uid(name, &id) >= 0) {
                *ret = (gid_t) id;
                return 0;
        }
        return r > 0 ? -r : -ESRCH;
}

/* Each running service holds fds of ours (a pidfd, its cgroup's directory),
 * each client connection one: the soft limit of 1024 that a shell or
 * systemd gives by default ends at a few hundred services. The services
 * keep the soft limit we started with (manager_set_service_nofile()): a
 * program that uses select() must not find fds above 1023. */
static void raise_nofile(void) {
        struct rlimit rl;
        rlim_t soft;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
                log_warning_errno(-errno, "Failed to read RLIMIT_NOFILE, ignoring: %m");
                return;
        }
        soft = rl.rlim_cur;
        manager_set_service_nofile(soft, rl.rlim_max);
        if (rl.rlim_cur == rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning_errno(-errno, "Failed to raise RLIMIT_NOFILE from %llu to %llu, ignoring: %m",
                                  (unsigned long long) soft, (unsigned long long) rl.rlim_max);
        else
                log_debug("RLIMIT_NOFILE raised from %llu to %llu.", (unsigned long long) soft,
                          (unsigned long long) rl.rlim_max);
}

static int on_exit_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        /* Services stay up: the next sandboxd re-adopts them. */
        log_info("Received %s, exiting; services keep running.", strna(signal_to_name((int) si->ssi_signo)));
        m->exiting = true;
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Exiting, services keep running.");
        return sd_event_exit(sd_event_source_get_event(es), 0);
}

static int on_reload_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        _cleanup_free_ char *text = NULL;
        Manager *m = userdata;
        int r;

        log_info("Received SIGHUP, reloading units.");
        (void) sd_notify(false, "RELOADING=1");
        r = manager_reload(m, &text);
        if (r == -ENOMEM)
                log_oom();
        else if (r < 0)
                /* manager_reload() named each unit and its diagnostics. */
                log_error("Reload done; some units do not compile and keep their old plan.");
        manager_notify(m, "READY=1");
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *why = NULL;
        sigset_t mask;
        int r;

        log_set_prefix("sandboxd");
        if (log_set_max_level_from_env() < 0)
                log_warning("Ignoring SANDBOXD_LOG_LEVEL=%s: not one of %s.", getenv("SANDBOXD_LOG_LEVEL"),
                            LOG_LEVEL_NAMES);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;
        /* Now rather than at the first call: the daemon uses libsystemd for
         * its whole life, and the children it forks log to the journal after
         * their mounts hid the host's files, where dlopen() could not work. */
        dlopen_systemd_or_die();
        setup_logging();

        if (geteuid() != 0)
                return log_error_errno(SYNTHETIC_ERRNO(EPERM), "sandboxd must run as root.");

        /* Every sandbox's mount namespace is a copy of ours: under a chroot
         * the host's tree would sit above each sandbox's root. */
        r = root_check_chrooted(&why);
        if (r < 0)
                return log_error_errno(r, "Cannot tell whether sandboxd runs chrooted (is /proc mounted?): %m");
        if (r > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EPERM),
                                       "Refusing to run chrooted: %s. Each sandbox would keep the tree above "
                                       "that root in its mount namespace; run sandboxd at the root of its mount "
                                       "namespace (a container's root made with pivot_root is fine).", why);

        umask(0022);
        raise_nofile();
        /* Compiled seccomp filters, shared with sandboxctl (root's too):
         * every start compiles its unit anew, and the filter is most of
         * that work. */
        r = plan_seccomp_set_cache_dir(SANDBOXD_CACHE_DIR "/seccomp");
        if (r < 0)
                return log_oom();
        /* No core dumps or ptrace by others of a process that holds plans
         * (environments may carry secrets). */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                log_warning_errno(-errno, "Failed to clear the dumpable flag, ignoring: %m");
        /* A client that hangs up mid-reply must not kill us. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return log_error_errno(-errno, "Failed to ignore SIGPIPE: %m");

        /* sd_event_add_signal() needs them blocked; the launcher unblocks
         * everything in the sandbox. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");

        r = manager_new(NULL, NULL, &m);
        if (r == -EINVAL)
                return log_error_errno(r, "SANDBOXD_RUNTIME_DIR and SANDBOXD_CONFIG_DIR must be absolute paths.");
        if (r < 0)
                return log_error_errno(r, "Failed to set up the manager: %m");

        m->log_limits = arg_log_limits;

        if (arg_admin_group) {
                r = resolve_group(arg_admin_group, &m->admin_gid);
                if (r < 0)
                        return log_error_errno(r, "Unknown group \"%s\" for --admin-group=.", arg_admin_group);
        }

        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_reload_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        /* WATCHDOG=1 from the loop when the unit sets WatchdogSec=. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        log_info("sandboxd %s starting (runtime directory %s, configuration %s).", PACKAGE_VERSION, m->runtime_dir,
                 m->config_dir);
        r = manager_startup(m, arg_cgroup, arg_system_bus);
        if (r < 0) {
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
                return r;
        }

        m->ready = true;
        manager_notify(m, "READY=1");
        log_info("Ready: %zu services known, %u running.", m->n_services, manager_n_running(m));

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return 0;
}

int main(int argc, char *argv[]) {
        return run(argc, argv) < 0 ? 1 : 0;
}
