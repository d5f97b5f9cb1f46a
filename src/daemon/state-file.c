/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The runtime directory's files. A restarted sandboxd believes what it
 * reads here enough to adopt a pid and kill a cgroup, so every reader is
 * bounded and strict, and the writer checks each value against the same
 * rules before anything reaches the disk. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fileio.h"
#include "parse-util.h"
#include "path-util.h"
#include "proc-cgroup.h"
#include "state-file.h"
#include "string-util.h"

/* The cgroup line is the longest: key, '=', up to 4 KiB of value. */
#define STATE_LINE_MAX (STATE_CGROUP_MAX + 64U)

typedef enum StateKeyType {
        KEY_STATE,
        KEY_RESULT,
        KEY_PATH,
        KEY_PID,
        KEY_U64,
        KEY_UNSIGNED,
        KEY_BOOL,
        KEY_BOOT_ID,
        KEY_CGROUP,
        KEY_DRIVER,
        KEY_EXIT,
        KEY_UID,
        KEY_SENTENCE,
} StateKeyType;

/* Every key of docs/sandboxd-api.md, in its order; the writer emits them
 * in this order and the reader requires each exactly once. */
typedef enum StateKey {
        SK_STATE,
        SK_RESULT,
        SK_UNIT,
        SK_MAIN_PID,
        SK_MAIN_PID_STARTTIME,
        SK_BOOT_ID,
        SK_HAS_INIT,
        SK_CGROUP,
        SK_CGROUP_DRIVER,
        SK_N_RESTARTS,
        SK_START_WINDOW_USEC,
        SK_STARTS_IN_WINDOW,
        SK_RUNNING_SINCE_USEC,
        SK_ACTIVE_SINCE_REALTIME,
        SK_STATE_CHANGE_REALTIME,
        SK_STOP_REQUESTED,
        SK_RESTART_AT_USEC,
        SK_LAST_EXIT,
        SK_STARTED_BY,
        SK_NET_OWNER_PID,
        SK_NET_OWNER_STARTTIME,
        SK_RESTART_WITH_OWNER,
        SK_LAST_EXIT_SECCOMP,
        SK_LAST_START_ERROR,
        SK_LAST_EXIT_LEFT,
        _SK_MAX,
} StateKey;

static const struct {
        const char *name;
        StateKeyType type;
} state_keys[_SK_MAX] = {
        [SK_STATE] = { "state", KEY_STATE },
        [SK_RESULT] = { "result", KEY_RESULT },
        [SK_UNIT] = { "unit", KEY_PATH },
        [SK_MAIN_PID] = { "main_pid", KEY_PID },
        [SK_MAIN_PID_STARTTIME] = { "main_pid_starttime", KEY_U64 },
        [SK_BOOT_ID] = { "boot_id", KEY_BOOT_ID },
        [SK_HAS_INIT] = { "has_init", KEY_BOOL },
        [SK_CGROUP] = { "cgroup", KEY_CGROUP },
        [SK_CGROUP_DRIVER] = { "cgroup_driver", KEY_DRIVER },
        [SK_N_RESTARTS] = { "n_restarts", KEY_UNSIGNED },
        [SK_START_WINDOW_USEC] = { "start_window_usec", KEY_U64 },
        [SK_STARTS_IN_WINDOW] = { "starts_in_window", KEY_UNSIGNED },
        [SK_RUNNING_SINCE_USEC] = { "running_since_usec", KEY_U64 },
        [SK_ACTIVE_SINCE_REALTIME] = { "active_since_realtime", KEY_U64 },
        [SK_STATE_CHANGE_REALTIME] = { "state_change_realtime", KEY_U64 },
        [SK_STOP_REQUESTED] = { "stop_requested", KEY_BOOL },
        [SK_RESTART_AT_USEC] = { "restart_at_usec", KEY_U64 },
        [SK_LAST_EXIT] = { "last_exit", KEY_EXIT },
        [SK_STARTED_BY] = { "started_by", KEY_UID },
        [SK_NET_OWNER_PID] = { "net_owner_pid", KEY_PID },
        [SK_NET_OWNER_STARTTIME] = { "net_owner_starttime", KEY_U64 },
        [SK_RESTART_WITH_OWNER] = { "restart_with_owner", KEY_BOOL },
        [SK_LAST_EXIT_SECCOMP] = { "last_exit_seccomp", KEY_SENTENCE },
        [SK_LAST_START_ERROR] = { "last_start_error", KEY_SENTENCE },
        [SK_LAST_EXIT_LEFT] = { "last_exit_left", KEY_U64 },
};

/* Keys a state file of an older sandboxd lacks, and what they meant then:
 * started_by came later, and before it every restart compiled as root;
 * the last run's sentences and what its exit left were not kept (empty, 0). */
static bool key_is_optional(StateKey k) {
        return k == SK_STARTED_BY || k == SK_NET_OWNER_PID || k == SK_NET_OWNER_STARTTIME ||
               k == SK_RESTART_WITH_OWNER || k == SK_LAST_EXIT_SECCOMP || k == SK_LAST_START_ERROR ||
               k == SK_LAST_EXIT_LEFT;
}

void state_file_done(StateFile *f) {
        if (!f)
                return;
        f->unit = mfree(f->unit);
        f->cgroup = mfree(f->cgroup);
        f->last_exit_seccomp = mfree(f->last_exit_seccomp);
        f->last_start_error = mfree(f->last_start_error);
}

/* ---- value checks shared by the reader and the writer ---- */

static bool has_control_chars(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 127)
                        return true;
        return false;
}

/* Both go out over D-Bus (UnitPath, ControlGroup), where a string that is
 * not UTF-8 makes the whole reply fail: for every client, not just one. */
static bool unit_path_is_valid(const char *s) {
        size_t n = strlen(s);

        return n <= STATE_UNIT_PATH_MAX && path_is_normalized_absolute(s) && !has_control_chars(s) &&
               utf8_is_valid(s, n);
}

static bool cgroup_string_is_valid(const char *s) {
        size_t n = strlen(s);

        /* The driver's adopt() validates the content; here only what could
         * break the file format, a log line or a D-Bus reply. */
        return n <= STATE_CGROUP_MAX && !has_control_chars(s) && utf8_is_valid(s, n);
}

bool state_sentence_is_valid(const char *s, size_t max) {
        size_t n = strlen(s);

        return n <= max && !has_control_chars(s) && utf8_is_valid(s, n);
}

static bool driver_is_valid(const char *s) {
        return streq(s, "systemd") || streq(s, "cgroupfs");
}

static bool boot_id_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n != 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

/* ---- exit reports ---- */

static const char *exit_code_word(int code) {
        switch (code) {
        case CLD_EXITED: return "exited";
        case CLD_KILLED: return "killed";
        case CLD_DUMPED: return "dumped";
        default: return NULL;
        }
}

int exit_report_format(const ServiceExit *e, char *buf, size_t size) {
        const char *w = exit_code_word(e->code);
        int k;

        if (!w)
                return -EINVAL;
        if (e->code == CLD_EXITED ? (e->status < 0 || e->status > 255) : (e->status < 1 || e->status > 64))
                return -EINVAL;
        k = snprintf(buf, size, "%s %d", w, e->status);
        if (k < 0 || (size_t) k >= size)
                return -ENOBUFS;
        return 0;
}

/* "exited 3" (no newline): a word, one space, 1..3 digits without a
 * leading zero, in range for the word. */
static int exit_words_parse(const char *s, size_t n, ServiceExit *ret) {
        static const int codes[] = { CLD_EXITED, CLD_KILLED, CLD_DUMPED };
        int code = -1, status = 0;
        size_t i;

        for (i = 0; i < ELEMENTSOF(codes); i++) {
                const char *w = exit_code_word(codes[i]);
                size_t l = strlen(w);

                if (n > l + 1 && memcmp(s, w, l) == 0 && s[l] == ' ') {
                        code = codes[i];
                        s += l + 1;
                        n -= l + 1;
                        break;
                }
        }
        if (code < 0 || n < 1 || n > 3 || (n > 1 && s[0] == '0'))
                return -EBADMSG;
        for (i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                status = status * 10 + (s[i] - '0');
        }
        if (code == CLD_EXITED ? status > 255 : (status < 1 || status > 64))
                return -EBADMSG;

        *ret = (ServiceExit) { .code = code, .status = status };
        return 0;
}

int exit_report_format_line(const ServiceExit *e, char *buf, size_t size) {
        size_t n;
        int r, k;

        r = exit_report_format(e, buf, size);
        if (r < 0)
                return r;
        if (e->n_left > STATE_PID_MAX || (e->has_oom_count && e->oom_count > INT32_MAX))
                return -EINVAL;
        n = strlen(buf);
        if (e->n_left > 0) {
                k = snprintf(buf + n, size - n, " left=%u", e->n_left);
                if (k < 0 || (size_t) k >= size - n)
                        return -ENOBUFS;
                n += (size_t) k;
        }
        if (e->has_oom_count) {
                k = snprintf(buf + n, size - n, " oom=%u", e->oom_count);
                if (k < 0 || (size_t) k >= size - n)
                        return -ENOBUFS;
                n += (size_t) k;
        }
        k = snprintf(buf + n, size - n, "\n");
        if (k < 0 || (size_t) k >= size - n)
                return -ENOBUFS;
        return 0;
}

/* The number of " left=M" (1..STATE_PID_MAX) or " oom=K" (0..INT32_MAX):
 * digits without a leading zero, within min..max. */
static int exit_number_parse(const char *s, size_t n, uint64_t min, uint64_t max, unsigned *ret) {
        uint64_t v = 0;

        if (n < 1 || n > 10 || (n > 1 && s[0] == '0'))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v < min || v > max)
                return -EBADMSG;
        *ret = (unsigned) v;
        return 0;
}

int exit_report_parse(const char *text, size_t size, ServiceExit *ret) {
        static const char left[] = " left=", oom[] = " oom=";
        const char *l, *o;
        ServiceExit e;
        unsigned n_left = 0, oom_count = 0;
        bool has_oom = false;
        size_t n;
        int r;

        if (size == 0)
                return -ENODATA;
        /* Exactly one line, as init writes it with one pwrite(). */
        if (size > EXIT_FILE_MAX || text[size - 1] != '\n' || memchr(text, '\n', size - 1) || memchr(text, 0, size))
                return -EBADMSG;
        n = size - 1;
        /* The words, then " left=M" (since the second version), then
         * " oom=K" (since the third), each optional, in that order. */
        o = memmem(text, n, oom, strlen(oom));
        if (o) {
                r = exit_number_parse(o + strlen(oom), n - (size_t) (o - text) - strlen(oom), 0, INT32_MAX, &oom_count);
                if (r < 0)
                        return r;
                has_oom = true;
                n = (size_t) (o - text);
        }
        l = memmem(text, n, left, strlen(left));
        if (l) {
                r = exit_number_parse(l + strlen(left), n - (size_t) (l - text) - strlen(left), 1, STATE_PID_MAX, &n_left);
                if (r < 0)
                        return r;
                n = (size_t) (l - text);
        }
        r = exit_words_parse(text, n, &e);
        if (r < 0)
                return r;
        e.n_left = n_left;
        e.has_oom_count = has_oom;
        e.oom_count = oom_count;
        *ret = e;
        return 0;
}

/* ---- /proc/PID/stat ---- */

int proc_stat_starttime(const char *text, size_t size, uint64_t *ret) {
        const char *p, *end = text + size;
        char num[21];
        size_t l;

        /* comm (field 2) is in parentheses and may contain ") " itself:
         * only the last ')' ends it. */
        p = memrchr(text, ')', size);
        if (!p)
                return -EBADMSG;
        p++;
        /* Fields 3..21 are skipped: each is " VALUE". */
        for (unsigned field = 3; field < 22; field++) {
                if (p >= end || *p != ' ')
                        return -EBADMSG;
                p++;
                while (p < end && *p != ' ' && *p != '\n')
                        p++;
        }
        if (p >= end || *p != ' ')
                return -EBADMSG;
        p++;
        for (l = 0; p + l < end && p[l] != ' ' && p[l] != '\n'; l++)
                if (l >= sizeof(num) - 1)
                        return -EBADMSG;
        memcpy(num, p, l);
        num[l] = 0;
        return safe_atou64(num, ret) < 0 ? -EBADMSG : 0;
}

/* /proc/PID/name whole: -ESRCH once the process is gone. */
static int read_pid_file(pid_t pid, const char *name, size_t max_size, char **ret, size_t *ret_size) {
        char path[64];
        int r;

        if (pid <= 0)
                return -EINVAL;
        (void) snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, name);
        r = read_full_file(path, max_size, ret, ret_size);
        return r == -ENOENT ? -ESRCH : r;
}

int pid_get_starttime(pid_t pid, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_pid_file(pid, "stat", 4096, &text, &size);
        if (r < 0)
                return r;
        return proc_stat_starttime(text, size, ret);
}

bool proc_cgroup_contains(const char *text, size_t size, const char *control_group) {
        const char *p = text;
        ProcCgroupLine l;

        /* "/" would match every process: never a service's own cgroup. */
        if (!path_is_absolute(control_group) || strlen(control_group) < 2)
                return false;
        while (proc_cgroup_next(&p, text + size, &l))
                if (proc_cgroup_line_below(&l, control_group))
                        return true;
        return false;
}

int pid_in_cgroup(pid_t pid, const char *control_group) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_pid_file(pid, "cgroup", 64 * 1024, &text, &size);
        if (r < 0)
                return r;
        return proc_cgroup_contains(text, size, control_group);
}

/* ---- the state file ---- */

int state_file_format(const StateFile *f, char **ret) {
        _cleanup_free_ char *buf = NULL;
        char exit_buf[32] = "";
        size_t size = 0;
        FILE *out;
        int r;

        if (!service_state_to_string(f->rt.state) || !service_result_to_string(f->rt.result) ||
            (f->unit && !unit_path_is_valid(f->unit)) || f->main_pid < 0 || f->main_pid > STATE_PID_MAX ||
            !boot_id_is_valid(f->boot_id) || (f->cgroup && !cgroup_string_is_valid(f->cgroup)) ||
            !driver_is_valid(f->cgroup_driver) || f->started_by == (uid_t) -1 || f->net_owner_pid < 0 ||
            f->net_owner_pid > STATE_PID_MAX ||
            (f->last_exit_seccomp && !state_sentence_is_valid(f->last_exit_seccomp, STATE_SECCOMP_KILL_MAX)) ||
            (f->last_start_error && !state_sentence_is_valid(f->last_start_error, STATE_START_ERROR_MAX)) ||
            f->last_exit.n_left > STATE_PID_MAX)
                return -EINVAL;
        if (f->has_last_exit) {
                r = exit_report_format(&f->last_exit, exit_buf, sizeof(exit_buf));
                if (r < 0)
                        return r;
        }

        out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        fprintf(out,
                "state=%s\n"
                "result=%s\n"
                "unit=%s\n"
                "main_pid=%d\n"
                "main_pid_starttime=%" PRIu64 "\n"
                "boot_id=%s\n"
                "has_init=%d\n"
                "cgroup=%s\n"
                "cgroup_driver=%s\n"
                "n_restarts=%u\n"
                "start_window_usec=%" PRIu64 "\n"
                "starts_in_window=%u\n"
                "running_since_usec=%" PRIu64 "\n"
                "active_since_realtime=%" PRIu64 "\n"
                "state_change_realtime=%" PRIu64 "\n"
                "stop_requested=%d\n"
                "restart_at_usec=%" PRIu64 "\n"
                "last_exit=%s\n"
                "started_by=%u\n"
                "net_owner_pid=%d\n"
                "net_owner_starttime=%" PRIu64 "\n"
                "restart_with_owner=%d\n"
                "last_exit_seccomp=%s\n"
                "last_start_error=%s\n"
                "last_exit_left=%u\n",
                service_state_to_string(f->rt.state), service_result_to_string(f->rt.result), strempty(f->unit), (int) f->main_pid,
                f->main_pid_starttime, f->boot_id, f->has_init, strempty(f->cgroup), f->cgroup_driver,
                f->rt.n_restarts, f->rt.start_window_usec, f->rt.starts_in_window, f->rt.running_since_usec,
                f->active_since_realtime, f->state_change_realtime, f->rt.stop_requested, f->restart_at_usec,
                exit_buf, (unsigned) f->started_by, (int) f->net_owner_pid, f->net_owner_starttime,
                f->restart_with_owner, strempty(f->last_exit_seccomp), strempty(f->last_start_error),
                f->has_last_exit ? f->last_exit.n_left : 0);
        if (fclose(out) != 0 || !buf)
                return -ENOMEM;

        *ret = TAKE_PTR(buf);
        return 0;
}

_printf_(2, 3) static int bad(char **reterr_message, const char *fmt, ...) {
        va_list ap;

        if (reterr_message) {
                char *m = NULL;

                va_start(ap, fmt);
                if (vasprintf(&m, fmt, ap) < 0)
                        m = NULL;
                va_end(ap);
                free(*reterr_message);
                *reterr_message = m;
        }
        return -EBADMSG;
}

/* One value into f; a static reason on rejection. */
static const char *parse_value(StateKey k, const char *v, StateFile *f) {
        uint64_t u;
        unsigned n;
        int r;

        switch (state_keys[k].type) {
        case KEY_STATE:
                r = service_state_from_string(v);
                if (r < 0)
                        return "unknown state";
                f->rt.state = (ServiceState) r;
                return NULL;
        case KEY_RESULT:
                r = service_result_from_string(v);
                if (r < 0)
                        return "not a result word";
                f->rt.result = (ServiceResult) r;
                return NULL;
        case KEY_PATH:
                if (isempty(v))
                        return NULL;
                if (!unit_path_is_valid(v))
                        return "not a normalized absolute path in UTF-8";
                f->unit = strdup(v);
                return f->unit ? NULL : "out of memory";
        case KEY_PID:
                r = safe_atou64(v, &u);
                if (r == -ERANGE || (r >= 0 && u > STATE_PID_MAX))
                        return "pid out of range";
                if (r < 0)
                        return "not a number";
                if (k == SK_NET_OWNER_PID)
                        f->net_owner_pid = (pid_t) u;
                else
                        f->main_pid = (pid_t) u;
                return NULL;
        case KEY_U64:
        case KEY_UNSIGNED:
                r = safe_atou64(v, &u);
                if (r == -ERANGE)
                        return "number out of range";
                if (r < 0)
                        return "not a number";
                /* Counters never get near this; a huge one is not ours. */
                if (state_keys[k].type == KEY_UNSIGNED && u > 1000000000)
                        return "number out of range";
                n = (unsigned) u;
                switch (k) {
                case SK_MAIN_PID_STARTTIME: f->main_pid_starttime = u; break;
                case SK_N_RESTARTS: f->rt.n_restarts = n; break;
                case SK_START_WINDOW_USEC: f->rt.start_window_usec = u; break;
                case SK_STARTS_IN_WINDOW: f->rt.starts_in_window = n; break;
                case SK_RUNNING_SINCE_USEC: f->rt.running_since_usec = u; break;
                case SK_ACTIVE_SINCE_REALTIME: f->active_since_realtime = u; break;
                case SK_STATE_CHANGE_REALTIME: f->state_change_realtime = u; break;
                case SK_RESTART_AT_USEC: f->restart_at_usec = u; break;
                case SK_NET_OWNER_STARTTIME: f->net_owner_starttime = u; break;
                case SK_LAST_EXIT_LEFT:
                        if (u > STATE_PID_MAX)
                                return "number out of range";
                        f->last_exit.n_left = (unsigned) u;
                        break;
                default: return "internal error";
                }
                return NULL;
        case KEY_BOOL:
                if (!streq(v, "0") && !streq(v, "1"))
                        return "not 0 or 1";
                if (k == SK_HAS_INIT)
                        f->has_init = v[0] == '1';
                else if (k == SK_RESTART_WITH_OWNER)
                        f->restart_with_owner = v[0] == '1';
                else
                        f->rt.stop_requested = v[0] == '1';
                return NULL;
        case KEY_BOOT_ID:
                if (!boot_id_is_valid(v))
                        return "not 32 lowercase hex digits";
                memcpy(f->boot_id, v, 33);
                return NULL;
        case KEY_CGROUP:
                if (isempty(v))
                        return NULL;
                if (!cgroup_string_is_valid(v))
                        return "too long, not UTF-8, or has control characters";
                f->cgroup = strdup(v);
                return f->cgroup ? NULL : "out of memory";
        case KEY_DRIVER:
                if (!driver_is_valid(v))
                        return "not \"systemd\" or \"cgroupfs\"";
                (void) snprintf(f->cgroup_driver, sizeof(f->cgroup_driver), "%s", v);
                return NULL;
        case KEY_EXIT:
                if (isempty(v)) {
                        f->has_last_exit = false;
                        return NULL;
                }
                {
                        ServiceExit e;

                        if (exit_words_parse(v, strlen(v), &e) < 0)
                                return "not \"exited N\", \"killed N\" or \"dumped N\"";
                        /* last_exit_left= may come first. */
                        e.n_left = f->last_exit.n_left;
                        f->last_exit = e;
                }
                f->has_last_exit = true;
                return NULL;
        case KEY_UID:
                r = safe_atou64(v, &u);
                /* (uid_t) -1 is no one: chown()'s "unchanged", never a caller. */
                if (r == -ERANGE || (r >= 0 && u >= UINT32_MAX))
                        return "uid out of range";
                if (r < 0)
                        return "not a number";
                f->started_by = (uid_t) u;
                return NULL;
        case KEY_SENTENCE: {
                size_t max = k == SK_LAST_EXIT_SECCOMP ? STATE_SECCOMP_KILL_MAX : STATE_START_ERROR_MAX;
                char **where = k == SK_LAST_EXIT_SECCOMP ? &f->last_exit_seccomp : &f->last_start_error;

                if (isempty(v))
                        return NULL;
                if (!state_sentence_is_valid(v, max))
                        return "too long, not UTF-8, or has control characters";
                *where = strdup(v);
                return *where ? NULL : "out of memory";
        }
        }
        return "internal error";
}

static bool key_is_printable(const char *k) {
        if (strlen(k) > 32)
                return false;
        for (; *k; k++)
                if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
                        return false;
        return true;
}

int state_file_parse(const char *text, size_t size, StateFile *ret, char **reterr_message) {
        _cleanup_(state_file_done) StateFile f = {};
        _cleanup_free_ char *line = NULL;
        bool seen[_SK_MAX] = {};
        const char *p = text, *end = text + size;
        const void *nul;
        unsigned lineno = 0;

        if (size == 0)
                return bad(reterr_message, "empty file");
        if (size > STATE_FILE_MAX)
                return bad(reterr_message, "larger than %u bytes", STATE_FILE_MAX);
        nul = memchr(text, 0, size);
        if (nul)
                return bad(reterr_message, "NUL byte at offset %zu", (size_t) ((const char *) nul - text));

        line = malloc(STATE_LINE_MAX + 1);
        if (!line)
                return -ENOMEM;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *reason;
                size_t l;
                char *eq;
                ssize_t k;

                lineno++;
                if (!nl)
                        return bad(reterr_message, "line %u: no newline at the end (truncated?)", lineno);
                l = (size_t) (nl - p);
                if (l > STATE_LINE_MAX)
                        return bad(reterr_message, "line %u: longer than %u bytes", lineno, STATE_LINE_MAX);
                memcpy(line, p, l);
                line[l] = 0;
                p = nl + 1;

                eq = strchr(line, '=');
                if (!eq)
                        return bad(reterr_message, "line %u: not KEY=VALUE", lineno);
                *eq = 0;
                k = -1;
                for (size_t i = 0; i < _SK_MAX; i++)
                        if (streq(line, state_keys[i].name)) {
                                k = (ssize_t) i;
                                break;
                        }
                if (k < 0) {
                        if (key_is_printable(line))
                                return bad(reterr_message, "line %u: unknown key %s=", lineno, line);
                        return bad(reterr_message, "line %u: unknown key", lineno);
                }
                if (seen[k])
                        return bad(reterr_message, "line %u: %s= given twice", lineno, line);
                seen[k] = true;

                reason = parse_value((StateKey) k, eq + 1, &f);
                if (reason)
                        return bad(reterr_message, "line %u: %s=: %s", lineno, line, reason);
        }

        for (size_t i = 0; i < _SK_MAX; i++)
                if (!seen[i] && !key_is_optional((StateKey) i))
                        return bad(reterr_message, "%s= missing", state_keys[i].name);

        *ret = f;
        f = (StateFile) {};
        return 0;
}

int state_file_salvage_cgroup(const char *text, size_t size, char **ret_cgroup, char ret_driver[static 16]) {
        _cleanup_free_ char *cgroup = NULL;
        char driver[16] = "";
        const char *p, *end;

        if (!text || size > STATE_FILE_MAX)
                return -EINVAL;
        p = text;
        end = text + size;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *v;
                size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);
                _cleanup_free_ char *line = NULL;

                if (l <= STATE_LINE_MAX && !memchr(p, 0, l)) {
                        line = strndup(p, l);
                        if (!line)
                                return -ENOMEM;
                        if ((v = startswith(line, "cgroup="))) {
                                if (cgroup || isempty(v) || !cgroup_string_is_valid(v))
                                        return -EBADMSG;
                                cgroup = strdup(v);
                                if (!cgroup)
                                        return -ENOMEM;
                        } else if ((v = startswith(line, "cgroup_driver="))) {
                                if (driver[0] || !driver_is_valid(v))
                                        return -EBADMSG;
                                (void) snprintf(driver, sizeof(driver), "%s", v);
                        }
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        if (!cgroup || !driver[0])
                return -ENOENT;

        *ret_cgroup = TAKE_PTR(cgroup);
        memcpy(ret_driver, driver, sizeof(driver));
        return 0;
}

/* ---- I/O ---- */

int service_dir_open(const char *services_dir, const char *name, bool create, int *ret_fd) {
        _cleanup_close_ int parent = -EBADF, fd = -EBADF;
        struct stat st;

        if (!filename_is_valid(name))
                return -EINVAL;

        parent = open(services_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return negative_errno();
        if (create && mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        /* Ours alone: what is in it decides which process we adopt. */
        if (st.st_uid != geteuid())
                return -EPERM;
        if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
                return negative_errno();

        *ret_fd = TAKE_FD(fd);
        return 0;
}
