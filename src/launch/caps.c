/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Identity and capabilities of the service, with libcap, in the one order
 * that works:
 *
 *   1. bounding set: drop every capability not in the plan's. Needs
 *      CAP_SETPCAP, so it comes while we still hold everything. Every
 *      capability the *kernel* knows is dropped, not only the ones libcap
 *      has names for: a newer kernel's capability must not slip through.
 *   2. groups, gid, uid: setgroups needs CAP_SETGID and setresuid needs
 *      CAP_SETUID, so the uid goes last. PR_SET_KEEPCAPS keeps the
 *      permitted set across the change to a non-zero uid (the effective
 *      set is emptied by the kernel either way).
 *   3. permitted, effective, inheritable in one capset(2): the plan's
 *      sets exactly. Permitted can only shrink here, which it does.
 *   4. ambient: cleared, then each of the plan's raised. The kernel wants
 *      an ambient capability in both permitted and inheritable, which the
 *      compiler guarantees (ambient is a subset of both).
 *
 * After execve the kernel recomputes the sets: a non-root service then
 * holds exactly its ambient set in permitted and effective; for root it is
 * the bounding set (plus inheritable, a subset of it). The compiler makes
 * the plan's sets what the kernel will compute, so /proc/self/status of
 * the service shows exactly the plan. */

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "launch-internal.h"
#include "plan.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static int drop_bounding(uint64_t keep) {
        /* Up to the first number the kernel does not know (EINVAL): one
         * syscall per capability dropped, none for those kept. */
        for (cap_value_t c = 0; c < 64; c++)
                if (!(keep & CAP_BIT(c)) && cap_drop_bound(c) < 0) {
                        if (errno == EINVAL)
                                break;
                        return negative_errno();
                }
        return 0;
}

static int set_sets(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
        cap_t caps;
        int r = 0;

        caps = cap_init();
        if (!caps)
                return -ENOMEM;
        for (cap_value_t c = 0; c < 64; c++) {
                const struct { uint64_t mask; cap_flag_t flag; } sets[] = {
                        { permitted, CAP_PERMITTED },
                        { effective, CAP_EFFECTIVE },
                        { inheritable, CAP_INHERITABLE },
                };

                for (size_t i = 0; i < ELEMENTSOF(sets); i++)
                        if ((sets[i].mask & CAP_BIT(c)) && cap_set_flag(caps, sets[i].flag, 1, &c, CAP_SET) < 0) {
                                r = negative_errno();
                                goto finish;
                        }
        }
        if (cap_set_proc(caps) < 0)
                r = negative_errno();
finish:
        cap_free(caps);
        return r;
}

static int set_ambient(uint64_t ambient) {
        /* One prctl; libcap's cap_reset_ambient() asks about every
         * capability first (~40 calls on every launch). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return negative_errno();
        for (cap_value_t c = 0; c < 64; c++)
                if ((ambient & CAP_BIT(c)) && cap_set_ambient(c, CAP_SET) < 0)
                        return negative_errno();
        return 0;
}

int caps_apply(const Plan *p, LaunchError *e) {
        int r;

        r = drop_bounding(p->cap_bounding);
        if (r < 0)
                return launch_error(e, r, "capabilities", "drop capabilities from the bounding set");

        if (setgroups(p->n_supplementary_gids, p->supplementary_gids) < 0)
                return launch_error(e, negative_errno(), "credentials", "set the supplementary groups");
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return launch_error(e, negative_errno(), "credentials", "change to gid %u", (unsigned) p->gid);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "credentials", "keep capabilities across the uid change");
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return launch_error(e, negative_errno(), "credentials", "change to uid %u", (unsigned) p->uid);

        r = set_sets(p->cap_permitted, p->cap_effective, p->cap_inheritable);
        if (r < 0)
                return launch_error(e, r, "capabilities", "set the permitted, effective and inheritable capabilities");
        r = set_ambient(p->cap_ambient);
        if (r < 0)
                return launch_error(e, r, "capabilities", "raise the ambient capabilities");
        /* Cleared by execve anyway; no reason to carry it until then. */
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "capabilities", "reset PR_SET_KEEPCAPS");
        return 0;
}

/* Our PID 1 needs nothing but CAP_KILL: the service may have changed its
 * uid (a web server dropping root), and init must still be able to pass
 * signals on. It keeps uid 0, and with no_new_privs and nothing in its
 * bounding set, it cannot regain anything. */
int caps_drop_for_init(LaunchError *e) {
        int r;

        r = drop_bounding(CAP_BIT(CAP_KILL));
        if (r < 0)
                return launch_error(e, r, "init", "drop the bounding set of init");
        if (setgroups(0, NULL) < 0)
                return launch_error(e, negative_errno(), "init", "drop the supplementary groups of init");
        r = set_sets(CAP_BIT(CAP_KILL), CAP_BIT(CAP_KILL), 0);
        if (r < 0)
                return launch_error(e, r, "init", "drop the capabilities of init");
        r = set_ambient(0);
        if (r < 0)
                return launch_error(e, r, "init", "clear the ambient capabilities of init");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "init", "set no_new_privs for init");
        return 0;
}
