/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Host id ranges for user namespaces.
 *
 * A sandbox with a user namespace maps its ids 0..65535 onto 65536 host
 * ids that belong to its unit and to nothing else on the host: files it
 * leaves behind (through a writable bind, in a copy-up) are owned by ids
 * that no user, no other sandbox and no other container manager has.
 *
 * Where the ranges lie: 0x70000000 up to 0x7FFE0000, 4094 slots of 65536.
 * systemd's UIDS-GIDS.md documents everything around it as taken: below
 * 0x70000000 the container ranges systemd-nspawn and machined pick from
 * (0x00080000-0x6FFFFFFF), at 0x7FFE0000 the "foreign" range of systemd's
 * mountfsd, from 0x80000000 on ids that tools mistake for negative
 * numbers. The range lies above everything a distribution hands to users
 * (Debian's /etc/subuid ranges start at 100000 and grow by 65536).
 *
 * The registry, STATE_DIR/userns/ranges, one line "BASE COUNT NAME" per
 * unit name, is kept across reboots: a unit gets the same range at every
 * start, so the files it owns stay its own. A name's first choice is the
 * slot its name hashes to; a slot that is taken (another name, an id that
 * NSS resolves, a range in /etc/subuid or /etc/subgid) is passed over for
 * the next one. sandboxctl run and sandboxd share the registry under an
 * exclusive flock(2) of STATE_DIR/userns/lock, and every change is written
 * to a new file, fsync()ed and renamed over the old one, so a crash leaves
 * either registry, never a torn one.
 *
 * The cost at a start: with the name registered, one lock, one read and
 * one pass over the file (~60 us for 1500 units); only a name's first
 * start enumerates NSS. */

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "fileio.h"
#include "hash-util.h"
#include "idrange.h"
#include "locked-file.h"
#include "macro.h"
#include "string-util.h"

#define IDRANGE_FIRST UINT32_C(0x70000000)
#define IDRANGE_END UINT32_C(0x7FFE0000)
#define IDRANGE_SLOT UINT32_C(65536)
#define IDRANGE_SLOTS ((IDRANGE_END - IDRANGE_FIRST) / IDRANGE_SLOT)
#define REGISTRY_MAX (IDRANGE_SLOTS * 320)

typedef struct Entry {
        uint32_t base, count;
        const char *name;       /* into Registry.text, or the caller's */
} Entry;

typedef struct Registry {
        char *text;
        Entry *entries;
        size_t n, allocated;
} Registry;

static void registry_done(Registry *r) {
        r->text = mfree(r->text);
        r->entries = mfree(r->entries);
        r->n = r->allocated = 0;
}

bool idrange_name_is_valid(const char *name) {
        return locked_file_name_is_valid(name);
}

static bool overlaps(uint32_t a, uint32_t na, uint32_t b, uint32_t nb) {
        return (uint64_t) a < (uint64_t) b + nb && (uint64_t) b < (uint64_t) a + na;
}

static int registry_add(Registry *reg, uint32_t base, uint32_t count, const char *name) {
        if (greedy_realloc((void **) &reg->entries, &reg->allocated, reg->n + 1, sizeof(Entry)) < 0)
                return -ENOMEM;
        reg->entries[reg->n++] = (Entry) { .base = base, .count = count, .name = name };
        return 0;
}

/* A decimal field of at most 10 digits and the spaces after it. */
static bool parse_field(char **p, uint64_t *ret) {
        uint64_t v = 0;
        char *s = *p;
        int digits = 0;

        for (; *s >= '0' && *s <= '9'; s++) {
                if (++digits > 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        if (digits == 0 || *s != ' ')
                return false;
        while (*s == ' ')
                s++;
        *p = s;
        *ret = v;
        return true;
}

/* "BASE COUNT NAME\n"... parsed in place (the names point into the text),
 * since every start of a sandbox with a user namespace reads the whole
 * registry: sscanf() and a copy per line took ~1 ms for 1500 units. A line
 * that does not parse makes the whole file unusable: skipping it could
 * hand its range to a second unit. */
static int registry_parse(char *text, Registry *ret) {
        _cleanup_(registry_done) Registry reg = { .text = text };
        char *line = text;

        while (*line) {
                char *end = strchrnul(line, '\n'), *p = line;
                uint64_t base, count;
                bool last = *end == '\0';
                int r;

                *end = '\0';
                if (p == end) {         /* an empty line */
                        if (last)
                                break;
                        line = end + 1;
                        continue;
                }
                if (!parse_field(&p, &base) || !parse_field(&p, &count))
                        return -EBADMSG;
                if (base < IDRANGE_FIRST || count == 0 || count > IDRANGE_SLOT || base + count > IDRANGE_END ||
                    !idrange_name_is_valid(p))
                        return -EBADMSG;
                r = registry_add(&reg, (uint32_t) base, (uint32_t) count, p);
                if (r < 0)
                        return r;
                if (last)
                        break;
                line = end + 1;
        }
        *ret = reg;
        reg = (Registry) {};
        return 0;
}

/* Host ids in [IDRANGE_FIRST, IDRANGE_END) that something else claims:
 * users and groups NSS enumerates, and /etc/subuid, /etc/subgid ranges
 * ("owner:first:count"). Pairs of (first, count). */
typedef struct Claims {
        uint32_t (*ranges)[2];
        size_t n;
} Claims;

static int claims_add(Claims *c, uint64_t first, uint64_t count) {
        uint32_t (*nr)[2];

        if (count == 0 || first >= IDRANGE_END || first + count <= IDRANGE_FIRST)
                return 0;
        nr = reallocarray(c->ranges, c->n + 1, sizeof(*nr));
        if (!nr)
                return -ENOMEM;
        c->ranges = nr;
        nr[c->n][0] = (uint32_t) MAX(first, (uint64_t) IDRANGE_FIRST);
        nr[c->n][1] = (uint32_t) (MIN(first + count, (uint64_t) IDRANGE_END) - nr[c->n][0]);
        c->n++;
        return 0;
}

static int claims_read_subid(Claims *c, const char *path) {
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r;

        r = read_full_file(path, 16 * 1024 * 1024, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long long first, count;
                const char *colon = strchr(line, ':');

                if (!colon || sscanf(colon + 1, "%llu:%llu", &first, &count) != 2)
                        continue;       /* not ours to judge; shadow-utils ignores it too */
                r = claims_add(c, first, count);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int claims_collect(Claims *ret) {
        _cleanup_free_ uint32_t (*ranges)[2] = NULL;
        Claims c = {};
        struct passwd *pw;
        struct group *gr;
        int r = 0;

        setpwent();
        while (r >= 0 && (pw = getpwent()))
                r = claims_add(&c, pw->pw_uid, 1);
        endpwent();
        setgrent();
        while (r >= 0 && (gr = getgrent()))
                r = claims_add(&c, gr->gr_gid, 1);
        endgrent();
        if (r >= 0)
                r = claims_read_subid(&c, "/etc/subuid");
        if (r >= 0)
                r = claims_read_subid(&c, "/etc/subgid");
        ranges = c.ranges;
        if (r < 0)
                return r;
        ret->ranges = TAKE_PTR(ranges);
        ret->n = c.n;
        return 0;
}

static bool slot_is_free(const Registry *reg, const Claims *claims, uint32_t base) {
        for (size_t i = 0; i < reg->n; i++)
                if (overlaps(base, IDRANGE_SLOT, reg->entries[i].base, reg->entries[i].count))
                        return false;
        for (size_t i = 0; i < claims->n; i++)
                if (overlaps(base, IDRANGE_SLOT, claims->ranges[i][0], claims->ranges[i][1]))
                        return false;
        /* NSS sources that do not enumerate (LDAP without enumeration)
         * still answer for single ids: ask for both ends. */
        if (getpwuid(base) || getpwuid(base + IDRANGE_SLOT - 1) || getgrgid(base) || getgrgid(base + IDRANGE_SLOT - 1))
                return false;
        return true;
}

static void registry_line(FILE *f, size_t i, const void *userdata) {
        const Registry *reg = userdata;

        fprintf(f, "%" PRIu32 " %" PRIu32 " %s\n", reg->entries[i].base, reg->entries[i].count, reg->entries[i].name);
}

int idrange_acquire(const char *state_dir, const char *name, uint32_t count, uint32_t *ret_base) {
        _cleanup_close_ int dir_fd = -EBADF, lock_fd = -EBADF;
        _cleanup_(registry_done) Registry reg = {};
        _cleanup_free_ uint32_t (*claim_ranges)[2] = NULL;
        char *text = NULL;
        Claims claims = {};
        uint32_t first;
        int r;

        if (!idrange_name_is_valid(name) || count == 0 || count > IDRANGE_SLOT)
                return -EINVAL;

        /* STATE_DIR/userns is refused unless nobody else can write it: the
         * registry decides whose files are whose. */
        r = locked_dir_open(state_dir ?: SANDBOXD_STATE_DIR, "userns", &dir_fd);
        if (r < 0)
                return r;
        r = locked_dir_lock(dir_fd, &lock_fd);
        if (r < 0)
                return r;

        r = locked_file_read(dir_fd, "ranges", REGISTRY_MAX, &text);
        if (r < 0)
                return r;
        /* The registry takes the text, parsed or not. */
        r = registry_parse(text, &reg);
        if (r < 0)
                return r;

        for (size_t i = 0; i < reg.n; i++)
                if (streq(reg.entries[i].name, name)) {
                        if (reg.entries[i].count < count)
                                return -ERANGE;
                        *ret_base = reg.entries[i].base;
                        return 0;
                }

        r = claims_collect(&claims);
        if (r < 0)
                return r;
        claim_ranges = claims.ranges;

        first = fnv1a_32(name) % IDRANGE_SLOTS;
        for (uint32_t i = 0; i < IDRANGE_SLOTS; i++) {
                uint32_t base = IDRANGE_FIRST + ((first + i) % IDRANGE_SLOTS) * IDRANGE_SLOT;

                if (!slot_is_free(&reg, &claims, base))
                        continue;
                r = registry_add(&reg, base, IDRANGE_SLOT, name);
                if (r < 0)
                        return r;
                r = locked_file_write(dir_fd, "ranges", reg.n, registry_line, &reg);
                if (r < 0)
                        return r;
                *ret_base = base;
                return 0;
        }
        return -ENOSPC;
}
