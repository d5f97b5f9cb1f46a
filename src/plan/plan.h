/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The launch plan: the contract between the compiler and the launcher.
 *
 * Everything in it is resolved: absolute host paths, numeric ids, final
 * capability masks, the syscall list per action with the compiled BPF
 * program, the mount list in the order the launcher performs it, cgroup
 * limits in bytes and microseconds. The launcher reads nothing else: it
 * never opens a unit or policy file. A Plan serialises to JSON and back
 * (plan-json.h), which is how sandboxd keeps it under /run. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "device-util.h"
#include "listen-address.h"
#include "namespace-util.h"
#include "seccomp-action.h"
#include "service-types.h"
#include "string-table.h"

#define PLAN_FORMAT_VERSION 1

typedef enum LayerType {
        LAYER_DIRECTORY,
        LAYER_TARBALL,  /* unpacked by the launcher into its content-keyed cache */
        _LAYER_TYPE_MAX,
        _LAYER_TYPE_INVALID = -EINVAL,
} LayerType;
DECLARE_STRING_TABLE_LOOKUP(layer_type, LayerType);

/* The identity of a host file as the compiler found it (st_dev, st_ino).
 * The launcher opens the same canonical path without following any
 * symlink and refuses another file there (src/plan/host-path.h). */
typedef struct PlanFileId {
        uint64_t dev;
        uint64_t ino;           /* 0: not recorded (the launcher refuses the path) */
} PlanFileId;

typedef struct PlanLayer {
        LayerType type;
        char *path;     /* absolute host path */
        PlanFileId id;  /* of path when compiled */
        /* A layer of an image in the store (src/image): its diff_id, the
         * Image= reference and the manifest it was resolved to. NULL for
         * a plain directory or tarball. */
        char *diff_id;
        char *image;
        char *manifest;
} PlanLayer;


/* The mount steps, performed in plan order after the root is set up and
 * before pivot_root. Targets are absolute paths inside the sandbox and are
 * resolved by the launcher without following symlinks out of the root. */
typedef enum MountType {
        MOUNT_BIND,         /* source (host) -> target; flags may say read-only */
        MOUNT_TMPFS,        /* options: tmpfs options, e.g. "mode=0755,size=64m" */
        MOUNT_PROC,         /* a fresh procfs */
        MOUNT_SYSFS,        /* sysfs, always read-only */
        MOUNT_DEV,          /* minimal /dev: a tmpfs with null zero full random urandom tty,
                             * the standard symlinks, and nothing else */
        MOUNT_DEVPTS,       /* newinstance devpts, with /dev/ptmx pointing into it */
        MOUNT_SHM,          /* tmpfs for /dev/shm */
        MOUNT_MQUEUE,       /* mqueue, needs an IPC namespace */
        MOUNT_MASK,         /* hide target: /dev/null over files, an empty read-only tmpfs over dirs */
        MOUNT_READ_ONLY,    /* remount an already visible path read-only (e.g. /proc/sys) */
        _MOUNT_TYPE_MAX,
        _MOUNT_TYPE_INVALID = -EINVAL,
} MountType;
DECLARE_STRING_TABLE_LOOKUP(mount_type, MountType);

typedef struct PlanMount {
        MountType type;
        char *source;           /* MOUNT_BIND only: absolute host path */
        char *target;           /* absolute path inside the sandbox */
        char *options;          /* MOUNT_TMPFS: tmpfs data string, or NULL */
        bool read_only;
        bool recursive;         /* MOUNT_BIND: rbind (default) */
        bool ignore_missing;    /* a missing source or target is skipped ("-" prefix) */
        bool root_idmap;        /* MOUNT_BIND: idmapped so that the source's owner is root inside */
        /* MOUNT_BIND: source is canonical; what the compiler found there. */
        bool source_missing;    /* ignore_missing, and absent when compiled */
        PlanFileId source_id;
} PlanMount;

typedef struct PlanSyscall {
        char *name;             /* libseccomp's name */
        SeccompAction action;
        char *origin;           /* "@mount", or "" when named directly */
} PlanSyscall;

/* Syscall numbers above max on arch fail with ENOSYS (see plan-seccomp.h). */
typedef struct PlanSyscallCeiling {
        char *arch;             /* libseccomp's name, one of seccomp_architectures */
        uint32_t max;           /* the highest syscall number libseccomp knows there */
} PlanSyscallCeiling;

/* One entry of the device allow list, which every cgroup driver enforces
 * (the v1 devices controller, a BPF_CGROUP_DEVICE program on cgroup v2,
 * or systemd's DevicePolicy=closed + DeviceAllow=). Nothing else is
 * opened, written or mknod'ed as a device inside the sandbox. */
#define PLAN_DEVICE_ANY UINT32_MAX
typedef struct PlanDevice {
        char *name;             /* how it was asked for: "/dev/null", "char-pts", "char-*" */
        bool block;             /* a block device; else a character device */
        uint32_t major, minor;  /* PLAN_DEVICE_ANY: every number */
        unsigned access;        /* DEVICE_ACCESS_READ | _WRITE | _MKNOD */
} PlanDevice;

/* PublishPort=: host traffic to host_address:host_port (any local
 * address when host_address is 0) goes to the service's container_port. */
typedef PortMapping PlanPort;

/* Network=private. The bridge and subnets come from sandboxd.conf at
 * compile time; the address is the unit's Address=, or 0.0.0.0 for
 * "leased at start" (the caller of the launcher fills it in, as it does
 * the id range, and the plan under /run records it). */
typedef struct PlanNetwork {
        char *bridge;                   /* "sandbox0" */
        struct in_addr subnet;          /* 10.89.0.0 */
        unsigned prefixlen;             /* 16 */
        struct in6_addr subnet6;        /* a ULA /64; :: for none */
        unsigned prefixlen6;
        struct in_addr address;         /* the service's; 0.0.0.0: leased at start */
        bool address_static;            /* Address= */
        char **dns;                     /* DNS=; empty: the host's servers (filled at start) */
        PlanPort *ports;
        size_t n_ports;
        /* IPAddressAllow=, IPAddressDeny=: canonical prefixes, systemd's
         * order (allowed, else denied, else allowed) */
        char **ip_allow, **ip_deny;
        /* The policy's [Network] AllowOutbound= when it is narrower than
         * any: what passes the two lists must also be in outbound (empty:
         * nothing). Unlimited: no such bound. */
        bool outbound_limited;
        char **outbound;
} PlanNetwork;
/* One listening socket of socket activation: opened on the host by the
 * caller of the launcher, before the sandbox exists, and passed to the
 * service as fd 3 + its index (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID). */
typedef struct PlanSocket {
        ListenType type;
        char *address;          /* canonical (listen_address_format()): "[::]:8080", "/run/web.sock" */
        char *name;             /* its LISTEN_FDNAMES entry */
        unsigned backlog;
        BindIPv6Only bind_ipv6_only;
        uid_t uid;              /* AF_UNIX: owner, group and mode of the socket file (host ids) */
        gid_t gid;
        unsigned mode;
} PlanSocket;

typedef struct Plan {
        /* Identity of the service and where it came from (for status and
         * diagnostics only; the launcher never opens these). */
        char *name;                     /* "web" */
        char *description;
        char *unit_path;
        char **dropin_paths;
        char *policy_path;

        /* Namespaces and the root. */
        uint64_t namespaces;            /* mask of NAMESPACE_MASK(type) */
        uint32_t uid_map_base;          /* user namespace: host uid of root inside */
        uint32_t uid_map_count;         /* ... and the size of the range; 0 without NAMESPACE_USER */
        char *hostname;                 /* NULL: leave as is */
        NetworkMode network;
        char *network_service;          /* NETWORK_SERVICE: the service whose network namespace is joined */
        PlanLayer *layers;              /* lowest first; at least one */
        size_t n_layers;
        bool read_only;                 /* no: writes land in a tmpfs upper layer */
        PullPolicy pull;
        char **exposed_ports;           /* the image's ExposedPorts, shown only */
        PlanMount *mounts;              /* in order */
        size_t n_mounts;

        /* The process. */
        char **argv;                    /* argv[0] is an absolute path inside the root */
        char **environment;             /* complete; never the caller's */
        char *working_directory;        /* absolute inside the root */
        uid_t uid;
        gid_t gid;
        gid_t *supplementary_gids;
        size_t n_supplementary_gids;
        ResourceLimit rlimits[RLIMIT_NLIMITS];

        /* Privileges: final masks of CAP_* bits (1 << cap). */
        uint64_t cap_bounding;
        uint64_t cap_permitted;
        uint64_t cap_effective;
        uint64_t cap_inheritable;
        uint64_t cap_ambient;
        bool no_new_privileges;

        /* Seccomp. The rules are for people and for re-compiling; the
         * launcher loads seccomp_bpf as it is. */
        SeccompAction seccomp_default_action;
        PlanSyscall *syscalls;          /* sorted by name; default action for anything else */
        size_t n_syscalls;
        char **seccomp_architectures;   /* libseccomp arch names; "native" resolved */
        uint64_t seccomp_allow_namespaces; /* namespace types that clone/unshare may create */
        void *seccomp_bpf;              /* struct sock_filter[] */
        size_t seccomp_bpf_size;        /* bytes */

        CgroupLimits limits;            /* tasks_max has its default filled in */

        /* Lifecycle (used by the supervisor and by sandboxctl run). The
         * Unit has fields of the same names on purpose: there they hold
         * what the file says (or an unset marker), here the values in
         * force, defaults applied (plan-compile.c). */
        RestartPolicy restart;
        uint64_t restart_usec;
        unsigned restart_steps;
        uint64_t restart_max_delay_usec;
        unsigned start_limit_burst;
        uint64_t start_limit_interval_usec;
        int kill_signal;
        uint64_t timeout_stop_usec;
        bool wanted;                    /* [Install] says start with sandboxd */

        /* "NAME=/path/of/EnvironmentFile" for each variable of environment
         * whose value came from that file: sandboxd hides those values from
         * a caller who could not read the file. */
        char **environment_sources;
        /* Devices: the minimal set of MOUNT_DEV plus the unit's DeviceAllow=. */
        PlanDevice *devices;
        size_t n_devices;
        /* ReadOnly=no: the size of the tmpfs that takes the root's writes
         * (bytes); 0 with a read-only root. */
        uint64_t upper_size;
        /* Seccomp, continued. socket(2) and socketpair(2) create only the
         * families in the mask when restricted; others fail with
         * EAFNOSUPPORT. */
        bool seccomp_restrict_address_families;
        uint64_t seccomp_address_families;      /* mask of 1 << AF_* */
        /* Per architecture: unknown syscall numbers get ENOSYS. Empty: no
         * such rule (a plan built by hand). */
        PlanSyscallCeiling *seccomp_enosys;
        size_t n_seccomp_enosys;
        /* Network=private only. */
        PlanNetwork net;
        /* Socket activation, in fd order. */
        PlanSocket *sockets;
        size_t n_sockets;
} Plan;

/* The gateway (the bridge's address): the subnet's first host. */
struct in_addr plan_network_gateway(const PlanNetwork *n);
/* The service's IPv6 address: the subnet6 prefix with the IPv4 host part. */
struct in6_addr plan_network_address6(const PlanNetwork *n, struct in_addr a);
struct in6_addr plan_network_gateway6(const PlanNetwork *n);

void plan_syscall_ceilings_free(PlanSyscallCeiling *l, size_t n);

Plan *plan_new(void);
Plan *plan_free(Plan *p);
/* The policy's name as units write it ("strict" for .../strict.policy);
 * "(none)" without one. */
#define PLAN_POLICY_NAME_MAX 64
const char *plan_policy_name(const Plan *p, char buf[static PLAN_POLICY_NAME_MAX]);
DEFINE_TRIVIAL_CLEANUP_FUNC(Plan *, plan_free);

int plan_add_mount(Plan *p, MountType type, const char *source, const char *target, const char *options,
                   bool read_only, bool recursive, bool ignore_missing);

int plan_add_device(Plan *p, const char *name, bool block, uint32_t major, uint32_t minor, unsigned access);

void plan_sockets_free(PlanSocket *l, size_t n);
/* Do a and b open the same sockets (names aside: those are only the
 * environment)? Then the sockets of one run serve the next. */
bool plan_sockets_equal(const Plan *a, const Plan *b);

/* Clone flags for the plan's namespaces. */
unsigned long plan_clone_flags(const Plan *p);
