/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pure parts of the cgroup driver: layout detection from mountinfo and
 * /proc/self/cgroup text, names, value mappings, which limit needs what. */

#include <fcntl.h>

#include "cgroup-devices.h"
#include "cgroup-limits.h"
#include "cgroup.h"
#include "cgroup-util.h"
#include "plan.h"
#include "test-helpers.h"

/* This project's CI host (testbeds.md, bed 1): hybrid, cpu and cpuacct
 * mounted apart, the process in a memory cgroup of its own. */
static const char hybrid_mountinfo[] =
        "22 1 0:20 / / rw,relatime - overlay overlay rw\n"
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:7 - cgroup cgroup rw,memory\n"
        "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_cgroup[] =
        "9:name=systemd:/\n"
        "8:pids:/\n"
        "7:blkio:/\n"
        "4:memory:/process_api/94f6\n"
        "2:cpuacct:/\n"
        "1:cpu:/\n"
        "0::/\n";

TEST(layout_hybrid) {
        CgroupLayout *l = NULL;
        const CgroupHierarchy *h;
        char *d = NULL;

        ASSERT_OK(cgroup_layout_parse(hybrid_mountinfo, hybrid_cgroup, &l));
        ASSERT_TRUE(l->v2);
        ASSERT_TRUE(!l->unified);
        ASSERT_STREQ(l->v2->mount_point, "/sys/fs/cgroup/unified");
        ASSERT_STREQ(l->v2->own_path, "/");
        ASSERT_EQ(l->n_v1, 6);

        h = cgroup_layout_v1(l, "memory");
        ASSERT_TRUE(h);
        ASSERT_STREQ(h->own_path, "/process_api/94f6");
        ASSERT_OK(cgroup_hierarchy_dir(h, h->own_path, &d));
        ASSERT_STREQ(d, "/sys/fs/cgroup/memory/process_api/94f6");
        free(d);

        h = cgroup_layout_v1(l, "cpu");
        ASSERT_TRUE(h);
        ASSERT_STREQ(h->proc_key, "cpu");
        ASSERT_STREQ(h->mount_point, "/sys/fs/cgroup/cpu");
        ASSERT_OK(cgroup_hierarchy_dir(h, "/", &d));
        ASSERT_STREQ(d, "/sys/fs/cgroup/cpu");
        free(d);

        ASSERT_TRUE(cgroup_layout_v1(l, "blkio"));
        ASSERT_TRUE(cgroup_layout_v1(l, "name=systemd"));
        ASSERT_TRUE(!cgroup_layout_v1(l, "hugetlb"));
        cgroup_layout_free(l);
}

TEST(layout_comounted) {
        static const char mi[] =
                "25 20 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
                "28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                "29 25 0:26 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n";
        static const char pc[] = "3:net_cls,net_prio:/\n2:cpu,cpuacct:/system.slice/sandboxd.service\n0::/\n";
        CgroupLayout *l = NULL;
        const CgroupHierarchy *h;

        ASSERT_OK(cgroup_layout_parse(mi, pc, &l));
        ASSERT_TRUE(!l->v2);    /* pure v1: the driver refuses it */
        h = cgroup_layout_v1(l, "cpu");
        ASSERT_TRUE(h);
        ASSERT_TRUE(h == cgroup_layout_v1(l, "cpuacct"));
        ASSERT_STREQ(h->proc_key, "cpu,cpuacct");
        ASSERT_STREQ(h->own_path, "/system.slice/sandboxd.service");
        ASSERT_TRUE(!cgroup_layout_v1(l, "memory"));
        cgroup_layout_free(l);
}

TEST(layout_unified_and_shadowing) {
        /* A tmpfs on /sys/fs/cgroup hides the hybrid mounts made before it;
         * the cgroup2 mounted on it afterwards is the unified layout. A
         * mount root other than "/" (cgroup namespace, bind of a subtree)
         * is stripped from the paths. */
        static const char mi[] =
                "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                "50 22 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                "51 50 0:38 /payload /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        static const char pc[] = "1:cpu:/\n0::/payload/svc\n";
        CgroupLayout *l = NULL;
        char *d = NULL;

        ASSERT_OK(cgroup_layout_parse(mi, pc, &l));
        ASSERT_TRUE(l->v2);
        ASSERT_TRUE(l->unified);
        ASSERT_EQ(l->n_v1, 0);
        ASSERT_STREQ(l->v2->mount_root, "/payload");
        ASSERT_OK(cgroup_hierarchy_dir(l->v2, "/payload/svc", &d));
        ASSERT_STREQ(d, "/sys/fs/cgroup/svc");
        free(d);
        ASSERT_OK(cgroup_hierarchy_dir(l->v2, "/payload", &d));
        ASSERT_STREQ(d, "/sys/fs/cgroup");
        free(d);
        ASSERT_EQ(cgroup_hierarchy_dir(l->v2, "/payloadx", &d), -EXDEV);
        ASSERT_EQ(cgroup_hierarchy_dir(l->v2, "/other", &d), -EXDEV);
        cgroup_layout_free(l);
}

TEST(layout_escapes_and_garbage) {
        static const char mi[] =
                "garbage\n"
                "\n"
                "60 1 0:50 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n"
                "61 1 0:51 / /mnt/elsewhere rw - cgroup cgroup rw,memory\n";
        static const char pc[] = "5:memory:/\n4:pids:/a b\n";
        CgroupLayout *l = NULL;

        ASSERT_OK(cgroup_layout_parse(mi, pc, &l));
        ASSERT_EQ(l->n_v1, 1);  /* hierarchies outside /sys/fs/cgroup are not ours to use */
        ASSERT_STREQ(l->v1[0].mount_point, "/sys/fs/cgroup/my pids");
        ASSERT_STREQ(l->v1[0].own_path, "/a b");
        cgroup_layout_free(l);
}

TEST(names) {
        char *n = NULL;

        ASSERT_OK(cgroup_make_name("web", &n));
        ASSERT_TRUE(strncmp(n, "sandbox-web-", 12) == 0);
        ASSERT_EQ(strlen(n), 12 + 12);
        free(n);

        ASSERT_OK(cgroup_make_name("../a b/ü\n", &n));
        ASSERT_TRUE(strncmp(n, "sandbox-.._a_b___", 17) == 0);
        ASSERT_TRUE(!strchr(n, '/') && !strchr(n, ' ') && !strchr(n, '\n'));
        free(n);

        ASSERT_OK(cgroup_make_name(NULL, &n));
        ASSERT_TRUE(strncmp(n, "sandbox-unnamed-", 16) == 0);
        free(n);

        ASSERT_OK(cgroup_make_name("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &n));
        ASSERT_EQ(strlen(n), 8 + 64 + 1 + 12);
        free(n);
}

TEST(words) {
        ASSERT_TRUE(cg_word_in_list("cpuset cpu io memory pids\n", "cpu"));
        ASSERT_TRUE(cg_word_in_list("cpuset cpu io memory pids\n", "pids"));
        ASSERT_TRUE(!cg_word_in_list("cpuset io memory", "cpu"));
        ASSERT_TRUE(!cg_word_in_list("", "cpu"));
}

TEST(mappings) {
        ASSERT_U64(cgroup_cpu_quota_per_period(500000, 100000), 50000);     /* CPUQuota=50% */
        ASSERT_U64(cgroup_cpu_quota_per_period(2000000, 100000), 200000);   /* 200% */
        ASSERT_U64(cgroup_cpu_quota_per_period(5000, 100000), 1000);        /* 0.5%: the kernel's floor */
        ASSERT_U64(cgroup_cpu_quota_per_period(UINT64_MAX / 2, 100000), (UINT64_MAX / 2) / 10);

        ASSERT_U64(cgroup_cpu_weight_to_shares(100), 1024);
        ASSERT_U64(cgroup_cpu_weight_to_shares(200), 2048);
        ASSERT_U64(cgroup_cpu_weight_to_shares(1), 10);
        ASSERT_U64(cgroup_cpu_weight_to_shares(10000), 102400);

        ASSERT_U64(cgroup_io_weight_to_blkio(100), 500);
        ASSERT_U64(cgroup_io_weight_to_blkio(1), 10);
        ASSERT_U64(cgroup_io_weight_to_blkio(10000), 1000);
        ASSERT_U64(cgroup_io_weight_to_bfq(100), 100);
        ASSERT_U64(cgroup_io_weight_to_bfq(1), 1);
        ASSERT_U64(cgroup_io_weight_to_bfq(50), 50);
        ASSERT_U64(cgroup_io_weight_to_bfq(10000), 1000);
}

TEST(limits_mask) {
        CgroupSpec spec = { .name = "test", .limits = CGROUP_LIMITS_NONE, .delegate_to = CGROUP_DELEGATE_NONE },
                   *p = &spec;
        ASSERT_EQ(cgroup_limits_mask(p), 0);
        ASSERT_TRUE(!cgroup_limits_reason(p, CGROUP_CONTROLLER_MEMORY));

        p->limits.memory_swap_max = 0;
        ASSERT_EQ(cgroup_limits_mask(p), CGROUP_MASK(CGROUP_CONTROLLER_MEMORY));
        ASSERT_STREQ(cgroup_limits_reason(p, CGROUP_CONTROLLER_MEMORY), "MemorySwapMax=");
        p->limits.memory_max = 32 << 20;
        ASSERT_STREQ(cgroup_limits_reason(p, CGROUP_CONTROLLER_MEMORY), "MemoryMax=");

        p->limits.cpu_weight = 200;
        ASSERT_STREQ(cgroup_limits_reason(p, CGROUP_CONTROLLER_CPU), "CPUWeight=");
        p->limits.cpu_quota_per_sec_usec = 500000;
        ASSERT_STREQ(cgroup_limits_reason(p, CGROUP_CONTROLLER_CPU), "CPUQuota=");
        p->limits.tasks_max = 0;
        p->limits.io_weight = 10;
        ASSERT_STREQ(cgroup_limits_reason(p, CGROUP_CONTROLLER_IO), "IOWeight=");
        ASSERT_EQ(cgroup_limits_mask(p), CGROUP_MASK(CGROUP_CONTROLLER_MEMORY) | CGROUP_MASK(CGROUP_CONTROLLER_CPU) |
                                         CGROUP_MASK(CGROUP_CONTROLLER_PIDS) | CGROUP_MASK(CGROUP_CONTROLLER_IO));

        ASSERT_STREQ(cgroup_controller_to_string(CGROUP_CONTROLLER_IO), "io");
        ASSERT_STREQ(cgroup_controller_v1_name(CGROUP_CONTROLLER_IO), "blkio");
        ASSERT_EQ(cgroup_controller_from_string("pids"), CGROUP_CONTROLLER_PIDS);
}

/* The writers against a fake cgroup directory: plain files named as the
 * kernel's, so every mapping and every "this kernel has no file for it"
 * error is checked without root. */
static int fake_cgroup(const char *dir, const char *const *files) {
        int fd;

        for (const char *const *f = files; *f; f++)
                free(write_file(dir, *f, ""));
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        return fd;
}

static void expect_content(int fd, const char *file, const char *want) {
        char *s = NULL;

        ASSERT_OK(cg_read(fd, file, &s));
        ASSERT_STREQ(s, want);
        free(s);
}

static void expect_refusal(int fd, const char *dir, CgroupController c, const CgroupSpec *p, bool v2, const char *needle) {
        char *msg = NULL;
        int r = v2 ? cgroup_limits_apply_v2(fd, dir, c, p, &msg) : cgroup_limits_apply_v1(fd, dir, c, p, &msg);

        ASSERT_EQ(r, -EOPNOTSUPP);
        ASSERT_TRUE(msg);
        if (!strstr(msg, needle)) {
                fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
                abort();
        }
        free(msg);
}

TEST(writers_v1) {
        static const char *const files[] = {
                "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "pids.max", "cpu.cfs_period_us",
                "cpu.cfs_quota_us", "cpu.shares", "blkio.bfq.weight", NULL,
        };
        char *dir = make_tmpdir(), *msg = NULL;
        int fd = fake_cgroup(dir, files);
        CgroupSpec spec = { .name = "test", .limits = CGROUP_LIMITS_NONE, .delegate_to = CGROUP_DELEGATE_NONE },
                   *p = &spec;

        p->limits.memory_max = 32 << 20;
        p->limits.memory_high = 16 << 20;
        p->limits.tasks_max = 16;
        p->limits.cpu_quota_per_sec_usec = 500000;
        p->limits.cpu_weight = 200;
        p->limits.io_weight = 500;
        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                ASSERT_OK(cgroup_limits_apply_v1(fd, dir, c, p, &msg));
        ASSERT_TRUE(!msg);
        expect_content(fd, "memory.limit_in_bytes", "33554432");
        expect_content(fd, "memory.soft_limit_in_bytes", "16777216");
        expect_content(fd, "pids.max", "16");
        expect_content(fd, "cpu.cfs_period_us", "100000");
        expect_content(fd, "cpu.cfs_quota_us", "50000");
        expect_content(fd, "cpu.shares", "2048");
        expect_content(fd, "blkio.bfq.weight", "136");

        /* No swap accounting; swap alone is not expressible in v1. */
        p->limits.memory_swap_max = 0;
        expect_refusal(fd, dir, CGROUP_CONTROLLER_MEMORY, p, false, "memory.memsw.limit_in_bytes");
        p->limits.memory_max = CGROUP_LIMIT_MAX;
        expect_refusal(fd, dir, CGROUP_CONTROLLER_MEMORY, p, false, "MemorySwapMax= without MemoryMax=");

        /* Neither CFQ's nor BFQ's weight file: IOWeight= is an error. */
        ASSERT_OK(unlinkat(fd, "blkio.bfq.weight", 0) < 0 ? -errno : 0);
        expect_refusal(fd, dir, CGROUP_CONTROLLER_IO, p, false, "IOWeight= needs");
        /* ... but only when asked for. */
        p->limits.io_weight = 0;
        ASSERT_OK(cgroup_limits_apply_v1(fd, dir, CGROUP_CONTROLLER_IO, p, NULL));

        close(fd);
        rm_rf(dir);
        free(dir);
}

TEST(writers_v1_memsw) {
        static const char *const files[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", NULL };
        char *dir = make_tmpdir();
        int fd = fake_cgroup(dir, files);
        CgroupSpec spec = { .name = "test", .limits = CGROUP_LIMITS_NONE, .delegate_to = CGROUP_DELEGATE_NONE },
                   *p = &spec;

        p->limits.memory_max = 32 << 20;
        p->limits.memory_swap_max = 8 << 20;
        ASSERT_OK(cgroup_limits_apply_v1(fd, dir, CGROUP_CONTROLLER_MEMORY, p, NULL));
        expect_content(fd, "memory.memsw.limit_in_bytes", "41943040");
        close(fd);
        rm_rf(dir);
        free(dir);
}

TEST(writers_v2) {
        static const char *const files[] = {
                "memory.max", "memory.high", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight",
                "io.weight", NULL,
        };
        char *dir = make_tmpdir(), *msg = NULL;
        int fd = fake_cgroup(dir, files);
        CgroupSpec spec = { .name = "test", .limits = CGROUP_LIMITS_NONE, .delegate_to = CGROUP_DELEGATE_NONE },
                   *p = &spec;

        p->limits.memory_max = 32 << 20;
        p->limits.memory_high = 16 << 20;
        p->limits.memory_swap_max = 0;
        p->limits.tasks_max = 16;
        p->limits.cpu_quota_per_sec_usec = 500000;
        p->limits.cpu_weight = 200;
        p->limits.io_weight = 500;
        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                ASSERT_OK(cgroup_limits_apply_v2(fd, dir, c, p, &msg));
        ASSERT_TRUE(!msg);
        expect_content(fd, "memory.max", "33554432");
        expect_content(fd, "memory.high", "16777216");
        expect_content(fd, "memory.swap.max", "0");
        expect_content(fd, "pids.max", "16");
        expect_content(fd, "cpu.max", "50000 100000");
        expect_content(fd, "cpu.weight", "200");
        expect_content(fd, "io.weight", "default 500");

        ASSERT_OK(unlinkat(fd, "io.weight", 0) < 0 ? -errno : 0);
        expect_refusal(fd, dir, CGROUP_CONTROLLER_IO, p, true, "IOWeight= needs");
        ASSERT_OK(unlinkat(fd, "memory.swap.max", 0) < 0 ? -errno : 0);
        expect_refusal(fd, dir, CGROUP_CONTROLLER_MEMORY, p, true, "MemorySwapMax= needs");

        /* A write the kernel refuses carries the file's name up. */
        ASSERT_OK(unlinkat(fd, "pids.max", 0) < 0 ? -errno : 0);
        ASSERT_EQ(cgroup_limits_apply_v2(fd, dir, CGROUP_CONTROLLER_PIDS, p, &msg), -ENOENT);
        ASSERT_TRUE(msg && strstr(msg, "/pids.max: No such file or directory") && strstr(msg, "Failed to write 16 to "));
        free(msg);

        close(fd);
        rm_rf(dir);
        free(dir);
}

/* Runs the device program on one request, for the instructions the
 * builder uses: the kernel is not needed to check what it decides. */
static int run_device_program(const struct bpf_insn *insns, size_t n, bool block, uint32_t major, uint32_t minor,
                              unsigned bpf_access) {
        uint64_t reg[11] = {};
        uint32_t ctx[3] = { (bpf_access << 16) | (block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor };

        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *x = &insns[pc];

                switch (x->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        ASSERT_TRUE(x->src_reg == BPF_REG_1 && x->off % 4 == 0 && x->off < 12);
                        reg[x->dst_reg] = ctx[x->off / 4];
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        reg[x->dst_reg] = (uint32_t) reg[x->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        reg[x->dst_reg] = (uint64_t) (int64_t) x->imm;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        reg[x->dst_reg] = (uint32_t) reg[x->dst_reg] & (uint32_t) x->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        reg[x->dst_reg] = (uint32_t) reg[x->dst_reg] >> x->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (reg[x->dst_reg] != (uint64_t) (int64_t) x->imm)
                                pc += (size_t) x->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int) reg[0];
                default:
                        ASSERT_TRUE(!"unexpected instruction");
                }
                ASSERT_TRUE(pc + 1 <= n);
        }
        ASSERT_TRUE(!"ran off the end");
        return -1;
}

TEST(devices) {
        static const char *const files[] = { "devices.deny", "devices.allow", NULL };
        PlanDevice list[] = {
                { .name = (char *) "/dev/null", .major = 1, .minor = 3, .access = DEVICE_ACCESS_ALL },
                { .name = (char *) "block-*", .block = true, .major = PLAN_DEVICE_ANY, .minor = PLAN_DEVICE_ANY,
                  .access = DEVICE_ACCESS_READ },
                { .name = (char *) "char-pts", .major = 136, .minor = PLAN_DEVICE_ANY,
                  .access = DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE },
        };
        char line[CGROUP_DEVICE_LINE_MAX], *name = NULL, *dir = make_tmpdir();
        struct bpf_insn *insns = NULL;
        int fd = fake_cgroup(dir, files);
        CgroupSpec spec = { .name = "test", .limits = CGROUP_LIMITS_NONE, .delegate_to = CGROUP_DELEGATE_NONE },
                   *p = &spec;
        size_t n;

        ASSERT_STREQ(cgroup_devices_v1_line(&list[0], line), "c 1:3 rwm");
        ASSERT_STREQ(cgroup_devices_v1_line(&list[1], line), "b *:* r");
        ASSERT_STREQ(cgroup_devices_v1_line(&list[2], line), "c 136:* rw");

        /* v1: deny all, then the list (a fake file keeps the last, longest write). */
        p->devices = list;
        p->n_devices = ELEMENTSOF(list);
        ASSERT_TRUE(cgroup_limits_mask(p) & CGROUP_MASK(CGROUP_CONTROLLER_DEVICES));
        ASSERT_OK(cgroup_limits_apply_v1(fd, dir, CGROUP_CONTROLLER_DEVICES, p, NULL));
        expect_content(fd, "devices.deny", "a");
        expect_content(fd, "devices.allow", "c 136:* rw");
        p->devices = NULL;
        p->n_devices = 0;
        ASSERT_TRUE(!(cgroup_limits_mask(p) & CGROUP_MASK(CGROUP_CONTROLLER_DEVICES)));

        /* v2: the program allows exactly the list. */
        ASSERT_OK(cgroup_devices_bpf_build(list, ELEMENTSOF(list), &insns, &n));
        ASSERT_EQ(run_device_program(insns, n, false, 1, 3, BPF_DEVCG_ACC_WRITE), 1);
        ASSERT_EQ(run_device_program(insns, n, false, 1, 3, BPF_DEVCG_ACC_MKNOD), 1);
        ASSERT_EQ(run_device_program(insns, n, false, 1, 11, BPF_DEVCG_ACC_READ), 0);
        ASSERT_EQ(run_device_program(insns, n, false, 3, 1, BPF_DEVCG_ACC_READ), 0);
        ASSERT_EQ(run_device_program(insns, n, false, 136, 7, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE), 1);
        ASSERT_EQ(run_device_program(insns, n, false, 136, 7, BPF_DEVCG_ACC_MKNOD), 0);
        ASSERT_EQ(run_device_program(insns, n, true, 136, 7, BPF_DEVCG_ACC_WRITE), 0);
        ASSERT_EQ(run_device_program(insns, n, true, 8, 0, BPF_DEVCG_ACC_READ), 1);
        ASSERT_EQ(run_device_program(insns, n, true, 8, 0, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE), 0);
        ASSERT_EQ(run_device_program(insns, n, false, 1, 3, 0), 1);
        free(insns);
        /* An empty list denies everything. */
        ASSERT_OK(cgroup_devices_bpf_build(list, 0, &insns, &n));
        ASSERT_EQ(run_device_program(insns, n, false, 1, 3, BPF_DEVCG_ACC_READ), 0);
        free(insns);

        /* systemd: a node by its numbers, a class by its name. */
        ASSERT_OK(cgroup_devices_systemd_name(&list[0], &name));
        ASSERT_STREQ(name, "/dev/char/1:3");
        free(name);
        ASSERT_OK(cgroup_devices_systemd_name(&list[2], &name));
        ASSERT_STREQ(name, "char-pts");
        free(name);

        close(fd);
        rm_rf(dir);
        free(dir);
}

int main(void) {
        RUN(layout_hybrid);
        RUN(layout_comounted);
        RUN(layout_unified_and_shadowing);
        RUN(layout_escapes_and_garbage);
        RUN(names);
        RUN(words);
        RUN(mappings);
        RUN(limits_mask);
        RUN(writers_v1);
        RUN(writers_v1_memsw);
        RUN(writers_v2);
        RUN(devices);
        return 0;
}
