/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "seccomp-bpf.h"

#define BPF_MEMWORDS_SECCOMP 16

/* Classic BPF as seccomp accepts it (the kernel's seccomp_check_filter):
 * loads are 32-bit words of struct seccomp_data at aligned offsets, no
 * packet. Every jump goes forward, so the loop ends. */
int seccomp_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d, uint32_t *ret) {
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS_SECCOMP] = {};

        if (!prog || n == 0 || n > BPF_MAXINSNS || !d)
                return -EINVAL;

        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &prog[pc];
                uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;
                size_t skip = 0;

                switch (BPF_CLASS(f->code)) {
                case BPF_LD:
                case BPF_LDX: {
                        uint32_t v;

                        switch (BPF_MODE(f->code)) {
                        case BPF_ABS:
                                if (BPF_CLASS(f->code) != BPF_LD || BPF_SIZE(f->code) != BPF_W ||
                                    k % 4 != 0 || k > sizeof(*d) - 4)
                                        return -EINVAL;
                                memcpy(&v, (const uint8_t *) d + k, 4);
                                break;
                        case BPF_IMM:
                                v = k;
                                break;
                        case BPF_MEM:
                                if (k >= BPF_MEMWORDS_SECCOMP)
                                        return -EINVAL;
                                v = mem[k];
                                break;
                        case BPF_LEN:
                                v = sizeof(*d);
                                break;
                        default:
                                return -EINVAL;
                        }
                        if (BPF_CLASS(f->code) == BPF_LD)
                                a = v;
                        else
                                x = v;
                        break;
                }
                case BPF_ST:
                case BPF_STX:
                        if (k >= BPF_MEMWORDS_SECCOMP)
                                return -EINVAL;
                        mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(f->code)) {
                        case BPF_ADD: a += src; break;
                        case BPF_SUB: a -= src; break;
                        case BPF_MUL: a *= src; break;
                        case BPF_DIV:
                                if (src == 0)
                                        return -EINVAL;
                                a /= src;
                                break;
                        case BPF_MOD:
                                if (src == 0)
                                        return -EINVAL;
                                a %= src;
                                break;
                        case BPF_OR: a |= src; break;
                        case BPF_AND: a &= src; break;
                        case BPF_XOR: a ^= src; break;
                        case BPF_LSH: a = src < 32 ? a << src : 0; break;
                        case BPF_RSH: a = src < 32 ? a >> src : 0; break;
                        case BPF_NEG: a = -a; break;
                        default: return -EINVAL;
                        }
                        break;
                case BPF_JMP:
                        switch (BPF_OP(f->code)) {
                        case BPF_JA: skip = k; break;
                        case BPF_JEQ: skip = a == src ? f->jt : f->jf; break;
                        case BPF_JGT: skip = a > src ? f->jt : f->jf; break;
                        case BPF_JGE: skip = a >= src ? f->jt : f->jf; break;
                        case BPF_JSET: skip = (a & src) ? f->jt : f->jf; break;
                        default: return -EINVAL;
                        }
                        if (skip >= n - pc - 1)
                                return -EINVAL;
                        pc += skip;
                        break;
                case BPF_RET:
                        if (BPF_RVAL(f->code) == BPF_K)
                                *ret = k;
                        else if (BPF_RVAL(f->code) == BPF_A)
                                *ret = a;
                        else
                                return -EINVAL;
                        return 0;
                case BPF_MISC:
                        if (BPF_MISCOP(f->code) == BPF_TAX)
                                x = a;
                        else if (BPF_MISCOP(f->code) == BPF_TXA)
                                a = x;
                        else
                                return -EINVAL;
                        break;
                default:
                        return -EINVAL;
                }
        }
        return -EINVAL; /* fell off the end: the kernel refuses such a program */
}

bool seccomp_ret_notifies(uint32_t r, unsigned which) {
        switch (r & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ERRNO:
                return (which & SECCOMP_NOTIFY_DENIALS) && (r & SECCOMP_RET_DATA) != ENOSYS;
        case SECCOMP_RET_KILL_PROCESS:
                return which & SECCOMP_NOTIFY_DENIALS;
        case SECCOMP_RET_LOG:
                return which & SECCOMP_NOTIFY_LOG;
        default:
                return false;
        }
}

int seccomp_bpf_notify_variant(const struct sock_filter *prog, size_t n, unsigned which, struct sock_filter **ret,
                               size_t *ret_n_notify) {
        struct sock_filter *v;
        size_t k = 0;

        if (!prog || n == 0 || n > BPF_MAXINSNS)
                return -EINVAL;
        v = malloc(n * sizeof(*prog));
        if (!v)
                return -ENOMEM;
        memcpy(v, prog, n * sizeof(*prog));
        for (size_t i = 0; i < n; i++)
                if (v[i].code == (BPF_RET | BPF_K) && seccomp_ret_notifies(v[i].k, which)) {
                        v[i].k = SECCOMP_RET_USER_NOTIF;
                        k++;
                }
        *ret = v;
        *ret_n_notify = k;
        return 0;
}

int seccomp_action_from_ret(uint32_t r, SeccompAction *ret) {
        SeccompAction a = {};

        switch (r & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ALLOW:
                a.type = SECCOMP_ACTION_ALLOW;
                break;
        case SECCOMP_RET_ERRNO:
                a = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = (int) (r & SECCOMP_RET_DATA) };
                break;
        case SECCOMP_RET_KILL_PROCESS:
                a.type = SECCOMP_ACTION_KILL_PROCESS;
                break;
        case SECCOMP_RET_KILL_THREAD:
                a.type = SECCOMP_ACTION_KILL_THREAD;
                break;
        case SECCOMP_RET_TRAP:
                a.type = SECCOMP_ACTION_TRAP;
                break;
        case SECCOMP_RET_LOG:
                a.type = SECCOMP_ACTION_LOG;
                break;
        default:
                return -EINVAL;
        }
        *ret = a;
        return 0;
}
