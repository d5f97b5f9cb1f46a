/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The systemd driver's answer to oom_killed() (the driver is in
 * cgroup-systemd.c).
 *
 * sandboxd asks it only when the sandbox's init did not give the count in
 * its exit report (init reads it from the cgroup before it exits, see
 * src/launch/init.c): a sandbox without a pid namespace, an init killed
 * itself, or an init of an older sandboxd. What follows is how it answers
 * then, and why that can come too late.
 *
 * OOM kills: while the scope's cgroup exists, oom_killed() reads the
 * kernel's count from it (memory.events, or memory.oom_control on a hybrid
 * host). Once the last process is gone systemd removes the cgroup, and the
 * count with it, often before the caller learns that the service's main
 * process exited (measured in the vm lane: systemd 252 removed it 2 ms
 * before sandboxd's pidfd source ran). So on cgroup v2, when our bus is
 * attached to an event loop (sandboxd), an inotify watch on the scope's
 * memory.events (and cgroup.events, see below) keeps the last count
 * read, at a priority above the caller's sources: the kernel notifies
 * that file when it OOM-kills, well before the last process is gone, and
 * oom_killed() answers from that count once the cgroup is gone. Not on a
 * hybrid host, where the memory controller is v1: memory.oom_control is
 * never notified through inotify (only an eventfd registered in
 * cgroup.event_control is, on OOM conditions, not on kills), so there the
 * answer stays what it was. Without a count (no watch, nothing read),
 * only Result=oom-kill can tell, which systemd sets where it applies
 * OOMPolicy= to scopes (newer than 252; measured: 252 logs "A process of
 * this unit has been killed by the OOM killer" and leaves the scope
 * running, Result=success). Otherwise the answer is -ENODATA, "cannot
 * tell", never a made-up 0.
 */

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/statfs.h>

#include "cgroup-systemd-internal.h"
#include "cgroup-util.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "dlopen-systemd.h"
#include "path-util.h"
#include "string-util.h"

bool systemd_host_is_unified(void) {
        struct statfs sfs;

        return statfs(CGROUP_FS_ROOT, &sfs) >= 0 && (uint64_t) sfs.f_type == (uint64_t) CGROUP2_SUPER_MAGIC;
}

/* The scope's cgroup in the hierarchy with the memory controller. */
static int open_memory_cgroup(const char *cg, bool unified) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        if (!path_is_absolute(cg) || strstr(cg, "/.."))
                return -EINVAL;
        dir = strjoin(CGROUP_FS_ROOT, unified ? "" : "/memory", cg);
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return fd;
}

static int read_oom_count(int dir_fd, bool unified) {
        uint64_t n;
        int r;

        r = cg_read_key_u64(dir_fd, unified ? "memory.events" : "memory.oom_control", "oom_kill", &n);
        if (r < 0)
                return r;
        return (int) MIN(n, (uint64_t) INT32_MAX);
}

/* The watched cgroup's count now, remembered; -ENOENT (or -ENODEV, read
 * while it went) once the cgroup is gone. */
static int update_oom_count(SystemdData *d) {
        uint64_t populated = UINT64_MAX;
        int r;

        if (d->cgroup_fd < 0)
                return -EBADF;
        /* Emptiness first: a count read after it is the last word. */
        (void) cg_read_key_u64(d->cgroup_fd, "cgroup.events", "populated", &populated);
        r = read_oom_count(d->cgroup_fd, true);
        if (r < 0)
                return r;
        d->oom_kills = MAX(d->oom_kills, r);
        if (populated == 0)
                d->oom_final = true;
        return r;
}

static int on_memory_events(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        (void) update_oom_count(userdata);
        return 0;
}

void systemd_unwatch_oom(SystemdData *d) {
        for (size_t i = 0; i < ELEMENTSOF(d->oom_sources); i++)
                d->oom_sources[i] = sd_event_source_disable_unref(d->oom_sources[i]);
        d->cgroup_fd = safe_close(d->cgroup_fd);
}

/* Watch the scope's cgroup cg, on cgroup v2 and when bus is attached to
 * an event loop; else nothing to do. Each change of memory.events (an OOM
 * kill among them) or of cgroup.events (the last process left) reads the
 * count anew. The second because the kernel sends at most one notification
 * per file every 10 ms, defers the next one, and drops it if the cgroup is
 * removed meanwhile: a kill right after a "max" event could go unnoticed,
 * but the count is read once more when the cgroup empties, usually before
 * systemd removes it on that same notification (when not, oom_killed()
 * says "cannot tell", not a stale 0). */
int systemd_watch_oom(SystemdData *d, sd_bus *bus, const char *cg) {
        static const char *const files[] = { "memory.events", "cgroup.events" };
        _cleanup_close_ int dir_fd = -EBADF;
        sd_event *e;
        int r;

        _Static_assert(ELEMENTSOF(files) == ELEMENTSOF(d->oom_sources), "one source per file");
        systemd_unwatch_oom(d);
        e = sd_bus_get_event(bus);
        if (!e || !systemd_host_is_unified())
                return 0;
        dir_fd = open_memory_cgroup(cg, true);
        if (dir_fd < 0)
                return dir_fd;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_close_ int fd = -EBADF;

                fd = openat(dir_fd, files[i], O_PATH | O_CLOEXEC);
                if (fd < 0) {
                        r = negative_errno();
                        if (r == -ENOENT && i == 0)
                                return 0;       /* no memory controller in the scope: no count to keep */
                        goto fail;
                }
                r = sd_event_add_inotify_fd(e, &d->oom_sources[i], fd, IN_MODIFY, on_memory_events, d);
                if (r < 0)
                        goto fail;
                /* Before the caller's own sources (sandboxd's pidfd of the
                 * main process, at the default priority), when both are
                 * ready at once: the count must be in before the exit is
                 * handled. */
                r = sd_event_source_set_priority(d->oom_sources[i], SD_EVENT_PRIORITY_IMPORTANT);
                if (r < 0)
                        goto fail;
                (void) sd_event_source_set_description(d->oom_sources[i], "cgroup-oom-watch");
        }
        d->cgroup_fd = TAKE_FD(dir_fd);
        /* What came before the watch. */
        (void) update_oom_count(d);
        return 0;

fail:
        systemd_unwatch_oom(d);
        return r;
}

/* The kernel's OOM kill count of the scope's cgroup, where the memory
 * controller is; -ENOENT when the cgroup is gone. */
static int kernel_oom_count(const char *cg) {
        _cleanup_close_ int fd = -EBADF;
        bool unified = systemd_host_is_unified();

        fd = open_memory_cgroup(cg, unified);
        if (fd < 0)
                return fd;
        return read_oom_count(fd, unified);
}

static int do_oom_killed(Cgroup *c, sd_bus *bus, void *userdata) {
        SystemdData *d = c->driver_data;
        _cleanup_free_ char *path = NULL, *result = NULL, *cg = NULL;
        int r, gone;

        /* Watched: the count now if the cgroup is still there, else the
         * last one read. A kill counted is the answer (the count only
         * grows); with none, systemd may know more (Result=oom-kill:
         * systemd-oomd's kills, which the kernel does not count). Once the
         * cgroup is gone, a 0 is only an answer if it was read after the
         * last process had left: the kernel may drop the notification of
         * a kill that came later (see systemd_watch_oom()), and we may not
         * have run before systemd removed the cgroup (measured under TCG: about
         * one time in ten after an adopt). Else "cannot tell". */
        (void) update_oom_count(d);
        if (d->oom_kills > 0)
                return d->oom_kills;
        gone = d->oom_final ? d->oom_kills : -ENODATA;

        r = systemd_get_unit(bus, d->unit, &path);
        if (r == -ENOENT)
                return gone;    /* gone with whatever it knew */
        if (r < 0)
                return r;
        r = systemd_get_string(bus, path, SD_SCOPE, "Result", &result);
        if (r == -ENOENT)
                return gone;
        if (r < 0)
                return r;
        if (streq(result, "oom-kill"))
                return 1;

        /* Still there: the kernel's count. */
        r = systemd_get_string(bus, path, SD_SCOPE, "ControlGroup", &cg);
        if (r >= 0 && !isempty(cg)) {
                r = kernel_oom_count(cg);
                if (r >= 0)
                        return r;
                if (r == -ENODATA)
                        return -EOPNOTSUPP;     /* a kernel without the count */
        }
        return gone;
}

int systemd_oom_killed(Cgroup *c) {
        return systemd_call_started(c, do_oom_killed, NULL);
}
