/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The unit model: what a unit file (plus its drop-ins) says, parsed but not
 * yet resolved against an image or a policy. The compiler (src/plan) turns
 * it into a Plan. Unset values are marked so the compiler can apply
 * defaults and policy ceilings knowingly. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "device-util.h"
#include "af-util.h"
#include "listen-address.h"
#include "conf-parser.h"
#include "diag.h"
#include "service-types.h"

/* Time keys that were never set (infinity is a value a unit may give). */
#define UNIT_USEC_UNSET (USEC_INFINITY - 1)
/* TasksMax= never set: the compiler's default applies (infinity is a value). */
#define UNIT_TASKS_MAX_UNSET (CGROUP_LIMIT_MAX - 1)

typedef struct UnitBind {
        char *source;
        char *target;
        bool read_only;
        bool recursive;
        bool ignore_missing;
        bool root_idmap;        /* the owner of source is root inside (systemd-nspawn's rootidmap) */
        unsigned line;          /* for diagnostics at compile time */
        char *file;
} UnitBind;

typedef struct UnitTmpfs {
        char *path;
        char *options;
        unsigned line;          /* for diagnostics at compile time */
        char *file;
} UnitTmpfs;

typedef struct UnitImage {
        char *path;
        char *file;
        unsigned line;
} UnitImage;

/* Where a key was last set, so the compiler's diagnostics point at it. */
typedef struct UnitLocation {
        char *file;
        unsigned line;
} UnitLocation;

/* [Socket]: one ListenStream=, ListenDatagram= or ListenSequentialPacket=. */
typedef struct UnitListen {
        ListenType type;
        ListenAddress address;
        char *file;
        unsigned line;
} UnitListen;

/* [Socket], systemd.socket(5)'s keys for the sockets sandboxd opens on
 * the host and hands to the service (socket activation). */
typedef struct UnitSocket {
        UnitListen *listens;            /* in order: the service's fds 3, 4, ... */
        size_t n_listens;
        char *fd_name;                  /* FileDescriptorName=; NULL: the unit's name */
        unsigned backlog;               /* 0: unset (SOMAXCONN) */
        BindIPv6Only bind_ipv6_only;
        char *user, *group;             /* SocketUser=, SocketGroup=: host names or ids, as written */
        int mode;                       /* SocketMode=; -1 unset (0666) */
        UnitLocation loc_user, loc_group, loc_mode;
} UnitSocket;

typedef struct Unit {
        char *name;                     /* "web" */
        char *path;                     /* the main file */
        char **dropin_paths;

        /* [Unit] */
        char *description;
        char **documentation;

        /* [Sandbox] */
        UnitImage *images;              /* paths or image references (src/image/image-ref.h) */
        size_t n_images;
        PullPolicy pull;                /* _PULL_POLICY_INVALID unset: missing */
        int read_only;                  /* -1 unset */
        uint64_t namespaces;
        bool namespaces_set;
        char *hostname;
        NetworkMode network;            /* _NETWORK_MODE_INVALID unset */
        char *network_service;          /* Network=service:NAME: NAME */
        UnitBind *binds;
        size_t n_binds;
        UnitTmpfs *tmpfs;
        size_t n_tmpfs;
        char **environment;             /* "NAME=value", later ones win */
        char **environment_files;       /* "-/path" = may be missing */
        char *working_directory;

        /* [Security] */
        uint64_t capabilities;
        bool capabilities_set;
        uint64_t ambient_capabilities;
        int no_new_privileges;          /* -1 unset */
        char *policy;
        char *policy_file;              /* where Policy= was set, for messages */
        unsigned policy_line;

        /* [Resources] */
        CgroupLimits limits;
        ResourceLimit rlimits[RLIMIT_NLIMITS];

        /* [Service] */
        char **exec_start;              /* argv */
        char *exec_start_file;
        unsigned exec_start_line;
        char *user, *group;
        char *user_file;
        unsigned user_line;
        char **supplementary_groups;
        RestartPolicy restart;
        uint64_t restart_usec;
        unsigned restart_steps;
        uint64_t restart_max_delay_usec;
        unsigned start_limit_burst;
        uint64_t start_limit_interval_usec;
        int kill_signal;
        uint64_t timeout_stop_usec;

        UnitLocation loc_capabilities, loc_ambient, loc_network, loc_namespaces, loc_images;

        /* [Install] */
        char **wanted_by;

        /* Who asked for this unit: the files that feed it (unit, drop-ins,
         * policy, EnvironmentFile=s) must be owned by root or by this uid
         * (src/basic/file-trust.h). unit_new(): geteuid(). */
        uid_t caller_uid;
        /* [Resources] DeviceAllow=, in order */
        DeviceAllow *devices;
        size_t n_devices;
        /* [Security] RestrictAddressFamilies=, kept as systemd keeps it: the
         * first assignment after a reset picks allow or deny list ("~"),
         * later ones add to or take from it; "none" is an empty allow list. */
        bool address_families_listed;           /* a list was started since the last reset */
        bool address_families_allow_list;       /* true: only these; false: all but these */
        uint64_t address_families;              /* mask of 1 << AF_* */
        UnitLocation loc_address_family[AF_MASK_BITS]; /* where each family was allowed */
        /* [Sandbox] Network=private: Address=, DNS=, PublishPort= */
        char *address;
        char **dns;
        PortMapping *publish_ports;
        size_t n_publish_ports;
        UnitLocation loc_address, loc_dns, loc_publish;
        /* IPAddressAllow=, IPAddressDeny=: canonical prefixes */
        char **ip_allow, **ip_deny;
        UnitLocation loc_ip_allow, loc_ip_deny;
        /* [Socket] (unit-socket.c) */
        UnitSocket socket;
} Unit;

Unit *unit_new(const char *name);
Unit *unit_free(Unit *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(Unit *, unit_free);

/* Parse path (and, by the caller, each drop-in in order) into u. Returns
 * -EINVAL when diagnostics were added. */
int unit_parse_file(Unit *u, const char *path, Diagnostics *diags);
/* The same from an open fd; path is what diagnostics name. */
int unit_parse_fd(Unit *u, int fd, const char *path, Diagnostics *diags);

/* Find name or path, read it and its drop-ins (NAME.unit.d/ *.conf in
 * every search-path directory, applied in lexical order of file name).
 * name_or_path: contains '/' -> a path; else "web" or "web.unit". */
int unit_load(const char *name_or_path, Unit **ret, Diagnostics *diags);
/* The same for caller: the unit, its drop-in directories and drop-ins (and
 * every directory above them) must pass trust_open() for caller, else a
 * diagnostic "FILE: is writable by ...; refusing." unit_load() is
 * unit_load_as(..., geteuid(), ...). */
int unit_load_as(const char *name_or_path, uid_t caller, Unit **ret, Diagnostics *diags);

/* unit-parse.c, for the key parsers in the other files: the unit being
 * parsed, and where a key was last set (FILE:LINE for the compiler's
 * messages). */
Unit *unit_of(ConfContext *c);
int unit_set_location(ConfContext *c, UnitLocation *l);

/* unit-socket.c: the [Socket] keys, for unit-parse.c's table. */
int unit_parse_listen(ConfContext *c, const char *v, void *data);
int unit_parse_fd_name(ConfContext *c, const char *v, void *data);
int unit_parse_backlog(ConfContext *c, const char *v, void *data);
int unit_parse_bind_ipv6_only(ConfContext *c, const char *v, void *data);
int unit_parse_socket_owner(ConfContext *c, const char *v, void *data);
int unit_parse_socket_mode(ConfContext *c, const char *v, void *data);
int unit_parse_accept(ConfContext *c, const char *v, void *data);
void unit_socket_done(UnitSocket *s);
/* A user or group name as useradd(8) takes it. */
bool user_name_is_valid(const char *s);

/* RestrictAddressFamilies= restricts anything (a reset list does not). */
bool unit_restricts_address_families(const Unit *u);
