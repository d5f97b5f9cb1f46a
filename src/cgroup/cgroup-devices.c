/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup-util.h"
#include "cgroup.h"
#include "plan.h"
#include "string-util.h"

/* ---- cgroup v1 ---- */

const char *cgroup_devices_v1_line(const PlanDevice *d, char buf[static CGROUP_DEVICE_LINE_MAX]) {
        char ma[12] = "*", mi[12] = "*", acc[DEVICE_ACCESS_STRING_MAX];

        if (d->major != PLAN_DEVICE_ANY)
                snprintf(ma, sizeof(ma), "%" PRIu32, d->major);
        if (d->minor != PLAN_DEVICE_ANY)
                snprintf(mi, sizeof(mi), "%" PRIu32, d->minor);
        snprintf(buf, CGROUP_DEVICE_LINE_MAX, "%c %s:%s %s", d->block ? 'b' : 'c', ma, mi,
                 device_access_to_string(d->access, acc));
        return buf;
}

int cgroup_devices_apply_v1(int dir_fd, const char *path, const CgroupSpec *s, char **reterr_message) {
        int r;

        /* "a" empties the list and makes the default deny. A new cgroup is
         * empty, so nothing can open a device between the two writes. */
        r = cg_write(dir_fd, "devices.deny", "a");
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to write \"a\" to %s/devices.deny", path);
        for (size_t i = 0; i < s->n_devices; i++) {
                char line[CGROUP_DEVICE_LINE_MAX];

                r = cg_write(dir_fd, "devices.allow", cgroup_devices_v1_line(&s->devices[i], line));
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to write \"%s\" to %s/devices.allow (%s)",
                                        line, path, s->devices[i].name);
        }
        return 0;
}

/* ---- cgroup v2: the program ----
 *
 * The kernel runs it on every open, mknod and (for block devices) I/O
 * permission check with
 *
 *     struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; };
 *
 * access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*, and takes its
 * return value 1 as allow, 0 as deny. The program is a list of rules, one
 * per plan entry, each a run of compares that jumps past the rest of the
 * rule on a mismatch, and "return 1" at its end; after the last rule,
 * "return 0":
 *
 *     r2 = ctx->access_type; r3 = r2 & 0xffff (type); r2 >>= 16 (access)
 *     r4 = ctx->major; r5 = ctx->minor
 *     rule:  if r3 != TYPE goto next
 *            if r4 != MAJOR goto next      (left out for "*")
 *            if r5 != MINOR goto next      (left out for "*")
 *            r6 = r2 & ~ALLOWED; if r6 != 0 goto next
 *            r0 = 1; exit
 *     next:  ...
 *            r0 = 0; exit
 */

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off)    INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV32_X(dst, src)       INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND32_K(dst, imm)       INSN(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_K(dst, imm)       INSN(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_K(dst, imm, off)    INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()                  INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int32_t bpf_access(unsigned access) {
        return (access & DEVICE_ACCESS_READ ? BPF_DEVCG_ACC_READ : 0) |
               (access & DEVICE_ACCESS_WRITE ? BPF_DEVCG_ACC_WRITE : 0) |
               (access & DEVICE_ACCESS_MKNOD ? BPF_DEVCG_ACC_MKNOD : 0);
}

int cgroup_devices_bpf_build(const PlanDevice *d, size_t n, struct bpf_insn **ret, size_t *ret_n) {
        struct bpf_insn *insns;
        size_t k = 0;

        /* 6 of setup, at most 8 per rule, 2 at the end; the kernel takes 1M. */
        if (n > 4096)
                return -E2BIG;
        insns = calloc(6 + 8 * n + 2, sizeof(struct bpf_insn));
        if (!insns)
                return -ENOMEM;

        insns[k++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        insns[k++] = MOV32_X(BPF_REG_3, BPF_REG_2);
        insns[k++] = AND32_K(BPF_REG_3, 0xffff);
        insns[k++] = RSH32_K(BPF_REG_2, 16);
        insns[k++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        insns[k++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));

        for (size_t i = 0; i < n; i++) {
                bool any_major = d[i].major == PLAN_DEVICE_ANY, any_minor = d[i].minor == PLAN_DEVICE_ANY;
                /* The rule's length; each jump goes to the instruction after it. */
                int16_t len = (int16_t) (1 + !any_major + !any_minor + 3 + 2), at = 0;

                insns[k++] = JNE_K(BPF_REG_3, d[i].block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, len - ++at);
                if (!any_major)
                        insns[k++] = JNE_K(BPF_REG_4, (int32_t) d[i].major, len - ++at);
                if (!any_minor)
                        insns[k++] = JNE_K(BPF_REG_5, (int32_t) d[i].minor, len - ++at);
                insns[k++] = MOV32_X(BPF_REG_6, BPF_REG_2);
                insns[k++] = AND32_K(BPF_REG_6, ~bpf_access(d[i].access));
                at += 2;
                insns[k++] = JNE_K(BPF_REG_6, 0, len - ++at);
                insns[k++] = MOV64_K(BPF_REG_0, 1);
                insns[k++] = EXIT();
        }
        insns[k++] = MOV64_K(BPF_REG_0, 0);
        insns[k++] = EXIT();

        *ret = insns;
        *ret_n = k;
        return 0;
}

static int bpf(int cmd, union bpf_attr *attr) {
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int cgroup_devices_apply_bpf(int dir_fd, const char *path, const CgroupSpec *s, char **reterr_message) {
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int prog_fd = -EBADF, cg_fd = -EBADF;
        static const char license[] = "LGPL-2.1-or-later";
        char log[1024] = "";
        union bpf_attr attr;
        size_t n;
        int r;

        r = cgroup_devices_bpf_build(s->devices, s->n_devices, &insns, &n);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to build the device program for %s", path);

        attr = (union bpf_attr) {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t) (uintptr_t) insns,
                .insn_cnt = (uint32_t) n,
                .license = (uint64_t) (uintptr_t) license,
        };
        prog_fd = bpf(BPF_PROG_LOAD, &attr);
        if (prog_fd < 0 && errno == EINVAL) {
                /* Again with the verifier's log, for the message. */
                attr.log_level = 1;
                attr.log_buf = (uint64_t) (uintptr_t) log;
                attr.log_size = sizeof(log);
                prog_fd = bpf(BPF_PROG_LOAD, &attr);
        }
        if (prog_fd < 0)
                return cg_error(reterr_message, negative_errno(), true,
                                "The device allow list (DeviceAllow=) needs a BPF_CGROUP_DEVICE program on cgroup v2, "
                                "which the kernel refused to load%s%.200s", log[0] ? ": " : "", log);

        /* BPF_PROG_ATTACH wants a real fd of the cgroup's directory, not O_PATH. */
        cg_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg_fd < 0)
                return cg_error(reterr_message, negative_errno(), true, "Failed to open %s", path);
        attr = (union bpf_attr) {
                .target_fd = (uint32_t) cg_fd,
                .attach_bpf_fd = (uint32_t) prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        if (bpf(BPF_PROG_ATTACH, &attr) < 0)
                return cg_error(reterr_message, negative_errno(), true,
                                "Failed to attach the device program (DeviceAllow=) to %s", path);
        /* The attachment holds the program; it goes with the cgroup. */
        return 0;
}

/* ---- systemd ---- */

int cgroup_devices_systemd_name(const PlanDevice *d, char **ret) {
        char *s;

        if (d->major != PLAN_DEVICE_ANY && d->minor != PLAN_DEVICE_ANY) {
                if (asprintf(&s, "/dev/%s/%" PRIu32 ":%" PRIu32, d->block ? "block" : "char", d->major, d->minor) < 0)
                        return -ENOMEM;
        } else if (startswith(d->name, "char-") || startswith(d->name, "block-")) {
                s = strdup(d->name);
                if (!s)
                        return -ENOMEM;
        } else
                /* A node with a wildcard minor: only the class can say that. */
                return -EINVAL;
        *ret = s;
        return 0;
}
