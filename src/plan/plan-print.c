/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "af-util.h"
#include "cap-util.h"
#include "parse-util.h"
#include "plan-devices.h"
#include "plan-print.h"
#include "strv.h"

static void print_caps(FILE *f, const char *label, uint64_t mask) {
        _cleanup_free_ char *s = NULL;

        if (capability_mask_to_string(mask, &s) < 0)
                return;
        fprintf(f, "  %-12s %s\n", label, isempty(s) ? "(none)" : s);
}

static void print_limit(FILE *f, const char *label, uint64_t v, bool bytes) {
        char buf[64];

        if (v == UINT64_MAX)
                fprintf(f, "  %-22s infinity\n", label);
        else if (bytes)
                fprintf(f, "  %-22s %s (%" PRIu64 " bytes)\n", label, format_bytes(buf, sizeof(buf), v), v);
        else
                fprintf(f, "  %-22s %" PRIu64 "\n", label, v);
}

void plan_print(const Plan *p, FILE *f) {
        _cleanup_free_ char *ns = NULL, *argv = NULL;
        char buf[64], abuf[SECCOMP_ACTION_STRING_MAX];
        size_t n_allow = 0;

        fprintf(f, "Service %s", p->name);
        if (p->description)
                fprintf(f, " - %s", p->description);
        fputc('\n', f);
        fprintf(f, "  Unit:        %s\n", p->unit_path);
        STRV_FOREACH(d, p->dropin_paths)
                fprintf(f, "  Drop-in:     %s\n", *d);
        fprintf(f, "  Policy:      %s\n", p->policy_path);

        (void) namespace_mask_to_string(p->namespaces, &ns);
        fprintf(f, "\nSandbox\n");
        fprintf(f, "  Namespaces:  %s\n", strempty(ns));
        if (p->uid_map_count > 0 && p->uid_map_base == 0)
                fprintf(f, "  User map:    0-%u -> a host range of %u ids, allocated at start\n", p->uid_map_count - 1,
                        p->uid_map_count);
        else if (p->uid_map_count > 0)
                fprintf(f, "  User map:    0-%u -> host %u-%u\n", p->uid_map_count - 1, p->uid_map_base,
                        p->uid_map_base + p->uid_map_count - 1);
        fprintf(f, "  Hostname:    %s\n", p->hostname ?: "(unchanged)");
        if (p->network == NETWORK_SERVICE)
                fprintf(f, "  Network:     service:%s\n", p->network_service);
        else
                fprintf(f, "  Network:     %s\n", network_mode_to_string(p->network));
        for (size_t i = 0; i < p->n_layers; i++) {
                const PlanLayer *l = &p->layers[i];

                if (!l->diff_id) {
                        fprintf(f, "  Layer %zu:     %s (%s)\n", i, l->path, layer_type_to_string(l->type));
                        continue;
                }
                /* The first layer of each image names it and its manifest. */
                if (i == 0 || !p->layers[i - 1].manifest || !streq(p->layers[i - 1].manifest, strna(l->manifest)) ||
                    !streq(strna(p->layers[i - 1].image), strna(l->image)))
                        fprintf(f, "  Image:       %s\n               manifest %s\n", strna(l->image), strna(l->manifest));
                fprintf(f, "  Layer %zu:     %s\n               diff_id %s\n", i, l->path, l->diff_id);
        }
        if (p->exposed_ports && p->exposed_ports[0]) {
                _cleanup_free_ char *ports = strv_join(p->exposed_ports, " ");

                fprintf(f, "  Ports:       %s (the image's ExposedPorts; nothing is published)\n", strna(ports));
        }
        if (p->read_only)
                fprintf(f, "  Root:        read-only\n");
        else
                fprintf(f, "  Root:        writable, changes discarded at exit (tmpfs upper layer of %s)\n",
                        format_bytes(buf, sizeof(buf), p->upper_size));

        fprintf(f, "\nMounts, in order\n");
        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                fprintf(f, "  %2zu. %-9s %s", i + 1, mount_type_to_string(m->type), m->target);
                if (m->source)
                        fprintf(f, " <- %s", m->source);
                if (m->options)
                        fprintf(f, " (%s)", m->options);
                if (m->read_only && m->type != MOUNT_MASK && m->type != MOUNT_READ_ONLY)
                        fprintf(f, " ro");
                if (m->root_idmap)
                        fputs(" rootidmap", f);
                if (m->type == MOUNT_BIND && !m->recursive)
                        fprintf(f, " norbind");
                if (m->ignore_missing)
                        fprintf(f, " (if present)");
                fputc('\n', f);
        }

        argv = strv_join(p->argv, " ");
        fprintf(f, "\nProcess\n");
        fprintf(f, "  Command:     %s\n", strempty(argv));
        fprintf(f, "  Directory:   %s\n", p->working_directory);
        fprintf(f, "  User:        uid %u, gid %u", (unsigned) p->uid, (unsigned) p->gid);
        if (p->n_supplementary_gids > 0) {
                fprintf(f, ", groups");
                for (size_t i = 0; i < p->n_supplementary_gids; i++)
                        fprintf(f, " %u", (unsigned) p->supplementary_gids[i]);
        }
        fputc('\n', f);
        STRV_FOREACH(e, p->environment)
                fprintf(f, "  Environment: %s\n", *e);
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                if (p->rlimits[i].set) {
                        char s[32], h[32];
                        snprintf(s, sizeof(s), "%" PRIu64, p->rlimits[i].soft);
                        snprintf(h, sizeof(h), "%" PRIu64, p->rlimits[i].hard);
                        fprintf(f, "  %-12s %s:%s\n", rlimit_to_key(i),
                                p->rlimits[i].soft == RLIM_INFINITY ? "infinity" : s,
                                p->rlimits[i].hard == RLIM_INFINITY ? "infinity" : h);
                }

        fprintf(f, "\nCapabilities\n");
        print_caps(f, "Bounding:", p->cap_bounding);
        print_caps(f, "Permitted:", p->cap_permitted);
        print_caps(f, "Effective:", p->cap_effective);
        print_caps(f, "Inheritable:", p->cap_inheritable);
        print_caps(f, "Ambient:", p->cap_ambient);
        fprintf(f, "  NoNewPrivs:  %s\n", yes_no(p->no_new_privileges));

        for (size_t i = 0; i < p->n_syscalls; i++)
                if (p->syscalls[i].action.type == SECCOMP_ACTION_ALLOW)
                        n_allow++;
        {
                _cleanup_free_ char *arches = strv_join(p->seccomp_architectures, " ");
                _cleanup_free_ char *nsallow = NULL;
                (void) namespace_mask_to_string(p->seccomp_allow_namespaces, &nsallow);
                fprintf(f, "\nSeccomp\n");
                fprintf(f, "  Default:     %s\n", seccomp_action_to_string(p->seccomp_default_action, abuf));
                fprintf(f, "  Allowed:     %zu syscalls\n", n_allow);
                fprintf(f, "  Denied:      %zu syscalls with their own action\n", p->n_syscalls - n_allow);
                fprintf(f, "  Arches:      %s (all others killed)\n", strempty(arches));
                fprintf(f, "  New namespaces inside: %s\n", isempty(nsallow) ? "none" : nsallow);
                if (p->seccomp_restrict_address_families) {
                        _cleanup_free_ char *afs = NULL;
                        (void) af_mask_to_string(p->seccomp_address_families, &afs);
                        fprintf(f, "  Address families: %s (socket, socketpair; others EAFNOSUPPORT)\n", isempty(afs) ? "none" : afs);
                } else
                        fprintf(f, "  Address families: any\n");
                for (size_t i = 0; i < p->n_seccomp_enosys; i++)
                        fprintf(f, "  Unknown syscalls: above %" PRIu32 " on %s fail with ENOSYS\n",
                                p->seccomp_enosys[i].max, p->seccomp_enosys[i].arch);
                fprintf(f, "  Filter:      %zu BPF instructions\n", p->seccomp_bpf_size / 8);
                fprintf(f, "  (sandboxctl policy show %s lists every syscall)\n", p->policy_path);
        }

        fprintf(f, "\nResources\n");
        print_limit(f, "MemoryMax:", p->limits.memory_max, true);
        print_limit(f, "MemoryHigh:", p->limits.memory_high, true);
        print_limit(f, "MemorySwapMax:", p->limits.memory_swap_max, true);
        print_limit(f, "TasksMax:", p->limits.tasks_max, false);
        if (p->limits.cpu_quota_per_sec_usec == USEC_INFINITY)
                fprintf(f, "  %-22s infinity\n", "CPUQuota:");
        else
                fprintf(f, "  %-22s %" PRIu64 "%% (%" PRIu64 "us per second)\n", "CPUQuota:",
                        p->limits.cpu_quota_per_sec_usec * 100 / USEC_PER_SEC, p->limits.cpu_quota_per_sec_usec);
        if (p->limits.cpu_weight)
                fprintf(f, "  %-22s %" PRIu64 "\n", "CPUWeight:", p->limits.cpu_weight);
        if (p->limits.io_weight)
                fprintf(f, "  %-22s %" PRIu64 "\n", "IOWeight:", p->limits.io_weight);

        fprintf(f, "\nDevices (the cgroup device controller allows only these)\n");
        for (size_t i = 0; i < p->n_devices; i++) {
                char dbuf[PLAN_DEVICE_STRING_MAX], acc[DEVICE_ACCESS_STRING_MAX];

                fprintf(f, "  %-14s %-14s %s\n", p->devices[i].name, plan_device_to_string(&p->devices[i], dbuf),
                        device_access_to_string(p->devices[i].access, acc));
        }

        if (p->n_sockets > 0) {
                fprintf(f, "\nSockets (opened on the host before the start, kept across restarts; fds 3 and up)\n");
                for (size_t i = 0; i < p->n_sockets; i++) {
                        const PlanSocket *k = &p->sockets[i];

                        fprintf(f, "  fd %-3zu %-9s %-28s name %s, backlog %u", 3 + i, listen_type_to_string(k->type),
                                k->address, k->name, k->backlog);
                        if (k->address[0] == '/')
                                fprintf(f, ", owner %u:%u, mode %04o", (unsigned) k->uid, (unsigned) k->gid, k->mode);
                        else if (k->bind_ipv6_only != BIND_IPV6_ONLY_DEFAULT)
                                fprintf(f, ", BindIPv6Only=%s", bind_ipv6_only_to_string(k->bind_ipv6_only));
                        fputc('\n', f);
                }
        }

        fprintf(f, "\nLifecycle\n");
        fprintf(f, "  Restart:     %s, after %s", restart_policy_to_string(p->restart), format_usec(buf, sizeof(buf), p->restart_usec));
        if (p->restart_steps > 0)
                fprintf(f, ", growing in %u steps to %s", p->restart_steps, format_usec(buf, sizeof(buf), p->restart_max_delay_usec));
        fputc('\n', f);
        fprintf(f, "  Start limit: %u starts in %s\n", p->start_limit_burst, format_usec(buf, sizeof(buf), p->start_limit_interval_usec));
        fprintf(f, "  Stop:        %s, then SIGKILL after %s\n", strna(signal_to_name(p->kill_signal)),
                format_usec(buf, sizeof(buf), p->timeout_stop_usec));
        fprintf(f, "  Enabled:     %s\n", p->wanted ? "starts with sandboxd ([Install] WantedBy=)" : "no [Install] section");
}
