// SPDX-License-Identifier: MIT
/*
 * test_overcommit.c - commit accounting (vm.overcommit_memory 0, 1, 2 as
 * machine tunables), MAP_HUGETLB without huge pages, and MAP_DROPPABLE,
 * through the public API.
 *
 * Regression (issue 12, weak spot 5): the model had no commit accounting
 * (a private writable mapping larger than the machine could back was
 * mapped; Linux's heuristic gives -ENOMEM), accepted MAP_HUGETLB and mapped
 * it with small pages (Linux: -ENOMEM with no huge pages reserved, -EINVAL
 * for a huge page size it does not have or a file), and refused
 * MAP_DROPPABLE with -EINVAL (Linux 6.11 maps it).
 */
#include <errno.h>
#include <vas/vas.h>
#include "harness.h"

#define PG 4096UL
#define MB (1UL << 20)
#define W 0x200000000000UL
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define SHANON (VAS_MAP_SHARED | VAS_MAP_ANONYMOUS)
#define DROP (VAS_MAP_DROPPABLE | VAS_MAP_ANONYMOUS)

static struct vas_machine *m;
static struct vas_mm_user *mm;

/* A machine with @mode, @ram bytes of RAM for the accounting, no reserves. */
static void setup(int mode, size_t ram, size_t swap)
{
	struct vas_machine_config cfg;

	vas_machine_config_init(&cfg);
	cfg.overcommit_memory = mode;
	cfg.commit_ram_bytes = ram;
	cfg.commit_swap_bytes = swap;
	cfg.admin_reserve_kbytes = 0;
	cfg.user_reserve_kbytes = 0;
	m = NULL;
	mm = NULL;
	if (vas_machine_create(&cfg, &m) || vas_mm_create(m, &mm))
		harness_abort_case();
}

static void done(void)
{
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_committed(m), 0);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

static int nvmas(struct vas_mm_user *u)
{
	int n;

	vas_mmap_read_lock(u);
	n = vas_mm_map_count(u);
	vas_mmap_read_unlock(u);
	return n;
}

static unsigned long flags_at(struct vas_mm_user *u, unsigned long addr)
{
	struct vas_vma_ref *vma;
	unsigned long f = 0;

	vas_mmap_read_lock(u);
	vma = vas_vma_lookup(u, addr);
	if (vma)
		f = vas_vma_flags(vma);
	vas_mmap_read_unlock(u);
	return f;
}

static long mm_map(unsigned long addr, unsigned long len, int prot, int flags)
{
	unsigned long got = 0;
	int err = vas_mmap(mm, addr, len, prot, flags, NULL, 0, &got);

	return err ? err : (long)got;
}

TEST(config_defaults_and_range)
{
	struct vas_machine_config cfg;
	struct vas_machine *mc = NULL;
	const struct vas_machine_config *got;

	vas_machine_config_init(&cfg);
	EXPECT_EQ(cfg.overcommit_memory, VAS_OVERCOMMIT_GUESS);
	EXPECT_EQ(cfg.overcommit_ratio, 50);
	EXPECT_EQ(cfg.overcommit_kbytes, 0);
	cfg.frames_bytes = 64 * MB;
	ASSERT_EQ(vas_machine_create(&cfg, &mc), 0);
	got = vas_machine_config(mc);
	/* RAM: frames_bytes; the reserves: 1/32 of it, at most 8M / 128M */
	EXPECT_EQ(got->commit_ram_bytes, got->frames_bytes);
	EXPECT_EQ(got->admin_reserve_kbytes,
		  got->frames_bytes / 1024 / 32 < 8192 ?
			  got->frames_bytes / 1024 / 32 : 8192);
	EXPECT_EQ(got->user_reserve_kbytes, got->frames_bytes / 1024 / 32);
	EXPECT_EQ(vas_machine_destroy(mc), 0);
	cfg.overcommit_memory = 3;
	EXPECT_EQ(vas_machine_create(&cfg, &mc), -EINVAL);
	cfg.overcommit_memory = -1;
	EXPECT_EQ(vas_machine_create(&cfg, &mc), -EINVAL);
}

/* Mode 0: one request larger than RAM + swap is refused, nothing else. */
TEST(guess_refuses_more_than_ram_and_swap)
{
	setup(VAS_OVERCOMMIT_GUESS, 64 * MB, 16 * MB);
	EXPECT_EQ(mm_map(W, 80 * MB + PG, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W, 80 * MB + PG, RW, SHANON), -ENOMEM);
	EXPECT_EQ(mm_map(W, 80 * MB + PG, VAS_PROT_READ, SHANON), -ENOMEM);
	EXPECT_EQ(nvmas(mm), 0);
	EXPECT_EQ(vas_machine_committed(m), 0);
	/* not committed: read-only private, noreserve, droppable */
	EXPECT_EQ(mm_map(W, 80 * MB + PG, VAS_PROT_READ, ANON), (long)W);
	EXPECT_EQ(mm_map(W + 128 * MB, 80 * MB + PG, RW,
			 ANON | VAS_MAP_NORESERVE), (long)(W + 128 * MB));
	EXPECT_TRUE(flags_at(mm, W + 128 * MB) & VAS_VM_NORESERVE);
	EXPECT_FALSE(flags_at(mm, W + 128 * MB) & VAS_VM_ACCOUNT);
	EXPECT_EQ(mm_map(W + 256 * MB, 80 * MB + PG, RW, DROP),
		  (long)(W + 256 * MB));
	EXPECT_EQ(vas_machine_committed(m), 0);
	/* mprotect making the read-only one writable commits it: refused */
	EXPECT_EQ(vas_mprotect(mm, W, 80 * MB + PG, RW), -ENOMEM);
	EXPECT_FALSE(flags_at(mm, W) & VAS_VM_WRITE);
	EXPECT_EQ(vas_mprotect(mm, W, 80 * MB, RW), 0);
	EXPECT_TRUE(flags_at(mm, W) & VAS_VM_ACCOUNT);
	EXPECT_EQ(vas_machine_committed(m), 80 * MB / PG);
	/* exactly RAM + swap is fine; the committed total does not count */
	EXPECT_EQ(mm_map(W + 512 * MB, 80 * MB, RW, ANON), (long)(W + 512 * MB));
	EXPECT_EQ(vas_machine_committed(m), 160 * MB / PG);
	EXPECT_EQ(vas_munmap(mm, W, 1024 * MB), 0);
	EXPECT_EQ(vas_machine_committed(m), 0);
	done();
}

/* Mode 0 with MAP_FIXED, mremap, brk, stack growth, fork. */
TEST(guess_other_paths)
{
	struct vas_mm_user *child = NULL;
	unsigned long got = 0;
	char b = 1;

	setup(VAS_OVERCOMMIT_GUESS, 64 * MB, 0);
	/* over committed memory only the new part counts (48M of 80M) */
	EXPECT_EQ(mm_map(W, 32 * MB, RW, ANON), (long)W);
	EXPECT_EQ(mm_map(W, 80 * MB, RW, ANON | VAS_MAP_FIXED), (long)W);
	EXPECT_EQ(vas_machine_committed(m), 80 * MB / PG);
	EXPECT_EQ(vas_munmap(mm, W, 80 * MB), 0);
	EXPECT_EQ(mm_map(W, 80 * MB, RW, ANON | VAS_MAP_FIXED), -ENOMEM);
	/* mremap: the growth is checked, in place or moved */
	EXPECT_EQ(mm_map(W, 16 * MB, RW, ANON), (long)W);
	EXPECT_EQ(vas_mremap(mm, W, 16 * MB, 96 * MB, VAS_MREMAP_MAYMOVE, 0,
			     &got), -ENOMEM);
	EXPECT_EQ(mm_map(W + 16 * MB, PG, VAS_PROT_READ, ANON),
		  (long)(W + 16 * MB));
	EXPECT_EQ(vas_mremap(mm, W, 16 * MB, 96 * MB, VAS_MREMAP_MAYMOVE, 0,
			     &got), -ENOMEM);
	EXPECT_EQ(vas_mremap(mm, W, 16 * MB, 64 * MB, VAS_MREMAP_MAYMOVE, 0,
			     &got), 0);
	EXPECT_EQ(vas_machine_committed(m), 64 * MB / PG);
	/* dontunmap commits the whole new range */
	EXPECT_EQ(vas_mremap(mm, got, 64 * MB, 64 * MB,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED |
				     VAS_MREMAP_DONTUNMAP,
			     W + 512 * MB, &got), 0);
	EXPECT_EQ(vas_machine_committed(m), 128 * MB / PG);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	/* fork commits the copies */
	EXPECT_EQ(vas_mm_fork(mm, &child), 0);
	EXPECT_EQ(vas_machine_committed(m), 256 * MB / PG);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	EXPECT_EQ(vas_machine_committed(m), 128 * MB / PG);
	/* brk: a step larger than RAM is refused, the break stays */
	EXPECT_EQ(vas_mm_set_brk_start(mm, 0x10000000UL), 0);
	EXPECT_EQ(vas_brk(mm, 0x10000000UL + 96 * MB, &got), 0);
	EXPECT_EQ(got, 0x10000000UL);
	EXPECT_EQ(vas_brk(mm, 0x10000000UL + 8 * MB, &got), 0);
	EXPECT_EQ(got, 0x10000000UL + 8 * MB);
	EXPECT_EQ(vas_machine_committed(m), 136 * MB / PG);
	/* a stack grows while each growth fits */
	EXPECT_EQ(vas_munmap(mm, W, 1024 * MB), 0);
	EXPECT_EQ(mm_map(W + 512 * MB, PG, RW, ANON | VAS_MAP_GROWSDOWN),
		  (long)(W + 512 * MB));
	EXPECT_EQ(vas_write(mm, W + 512 * MB - PG, &b, 1, NULL), 0);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	mm = NULL;
	EXPECT_EQ(vas_machine_committed(m), 0);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* Mode 1: nothing is refused, all is still counted. */
TEST(always_refuses_nothing)
{
	setup(VAS_OVERCOMMIT_ALWAYS, 64 * MB, 0);
	EXPECT_EQ(mm_map(W, 1024 * MB, RW, ANON), (long)W);
	EXPECT_EQ(mm_map(W + 1024 * MB, 1024 * MB, RW, SHANON),
		  (long)(W + 1024 * MB));
	EXPECT_EQ(vas_machine_committed(m), 1024 * MB / PG);
	done();
}

/*
 * Mode 2: the committed total must stay below RAM * ratio / 100 + swap
 * (here 32M + 4M), less the reserves; MAP_NORESERVE is ignored.
 */
TEST(never_limits_the_total)
{
	struct vas_mm_user *child = NULL;
	unsigned long got = 0;

	setup(VAS_OVERCOMMIT_NEVER, 64 * MB, 4 * MB);
	EXPECT_EQ(mm_map(W, 20 * MB, RW, ANON), (long)W);
	EXPECT_EQ(mm_map(W + 64 * MB, 16 * MB, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W + 64 * MB, 16 * MB, RW, ANON | VAS_MAP_NORESERVE),
		  -ENOMEM);
	EXPECT_EQ(mm_map(W + 64 * MB, 16 * MB - PG, RW,
			 ANON | VAS_MAP_NORESERVE), (long)(W + 64 * MB));
	EXPECT_TRUE(flags_at(mm, W + 64 * MB) & VAS_VM_ACCOUNT);
	EXPECT_FALSE(flags_at(mm, W + 64 * MB) & VAS_VM_NORESERVE);
	EXPECT_EQ(vas_machine_committed(m), 36 * MB / PG - 1);
	EXPECT_EQ(mm_map(W + 128 * MB, PG, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W + 128 * MB, PG, RW, SHANON), -ENOMEM);
	/* droppable and read-only memory is not committed */
	EXPECT_EQ(mm_map(W + 128 * MB, PG, RW, DROP), (long)(W + 128 * MB));
	EXPECT_EQ(mm_map(W + 132 * MB, PG, VAS_PROT_READ, ANON),
		  (long)(W + 132 * MB));
	EXPECT_EQ(vas_mprotect(mm, W + 132 * MB, PG, RW), -ENOMEM);
	EXPECT_EQ(vas_mremap(mm, W, 20 * MB, 20 * MB + PG, 0, 0, &got),
		  -ENOMEM);
	EXPECT_EQ(vas_mm_fork(mm, &child), -ENOMEM);
	EXPECT_EQ(child, NULL);
	EXPECT_EQ(nvmas(mm), 4);
	EXPECT_EQ(vas_machine_committed(m), 36 * MB / PG - 1);
	/* room again after an unmap */
	EXPECT_EQ(vas_munmap(mm, W, 4 * MB), 0);
	EXPECT_EQ(vas_mprotect(mm, W + 132 * MB, PG, RW), 0);
	EXPECT_EQ(vas_machine_committed(m), 32 * MB / PG);
	done();
}

/* Mode 2: overcommit_kbytes, the admin reserve without CAP_SYS_ADMIN,
 * and the user reserve (total_vm / 32 of the one asking). */
TEST(never_kbytes_and_reserves)
{
	struct vas_machine_config cfg;

	vas_machine_config_init(&cfg);
	cfg.overcommit_memory = VAS_OVERCOMMIT_NEVER;
	cfg.overcommit_kbytes = 8192;		/* 8M, the ratio is unused */
	cfg.admin_reserve_kbytes = 2048;
	cfg.user_reserve_kbytes = 1024;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	EXPECT_EQ(mm_map(W, 8 * MB, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W, 8 * MB - PG, RW, ANON), (long)W);
	EXPECT_EQ(vas_munmap(mm, W, 8 * MB), 0);
	vas_mm_set_cap_sys_admin(mm, false);
	EXPECT_EQ(mm_map(W, 6 * MB, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W, 6 * MB - PG, RW, ANON), (long)W);
	EXPECT_EQ(vas_munmap(mm, W, 8 * MB), 0);
	vas_mm_set_cap_sys_admin(mm, true);
	/* 64M mapped read-only: total_vm / 32 = 2M, capped by the 1M reserve */
	EXPECT_EQ(mm_map(W + 64 * MB, 64 * MB, VAS_PROT_READ, ANON),
		  (long)(W + 64 * MB));
	EXPECT_EQ(mm_map(W, 7 * MB, RW, ANON), -ENOMEM);
	EXPECT_EQ(mm_map(W, 7 * MB - PG, RW, ANON), (long)W);
	done();
}

/* MAP_HUGETLB: no huge pages, and only the 2M size. */
TEST(hugetlb_has_no_pages)
{
	static const struct vas_file_ops no_ops = VAS_FILE_OPS_INIT();
	struct vas_file *f = NULL;
	unsigned long got = 0;

	setup(VAS_OVERCOMMIT_GUESS, 0, 0);
	EXPECT_EQ(mm_map(W, 2 * MB, RW, ANON | VAS_MAP_HUGETLB), -ENOMEM);
	EXPECT_EQ(mm_map(W, PG, RW, SHANON | VAS_MAP_HUGETLB), -ENOMEM);
	EXPECT_EQ(mm_map(W, PG, RW, ANON | VAS_MAP_HUGETLB | VAS_MAP_HUGE_2MB),
		  -ENOMEM);
	EXPECT_EQ(mm_map(W, PG, RW, ANON | VAS_MAP_HUGETLB | VAS_MAP_HUGE_1GB),
		  -EINVAL);
	EXPECT_EQ(mm_map(W, PG, RW,
			 ANON | VAS_MAP_HUGETLB | (16 << VAS_MAP_HUGE_SHIFT)),
		  -EINVAL);
	/* without MAP_HUGETLB the size bits are ignored */
	EXPECT_EQ(mm_map(W, PG, RW, ANON | VAS_MAP_HUGE_1GB), (long)W);
	EXPECT_EQ(mm_map(W + PG, 2 * MB, RW,
			 ANON | VAS_MAP_HUGETLB | VAS_MAP_FIXED), -EINVAL);
	EXPECT_EQ(mm_map(W, 0, RW, ANON | VAS_MAP_HUGETLB), -EINVAL);
	EXPECT_EQ(mm_map(W, PG, RW, VAS_MAP_ANONYMOUS | VAS_MAP_HUGETLB),
		  -EINVAL);
	ASSERT_EQ(vas_file_create(m, &no_ops, NULL,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "drv", &f),
		  0);
	EXPECT_EQ(vas_mmap(mm, W, PG, RW, VAS_MAP_PRIVATE | VAS_MAP_HUGETLB,
			   f, 0, &got), -EINVAL);
	vas_file_put(f);
	EXPECT_EQ(nvmas(mm), 1);
	done();
}

/* MAP_DROPPABLE: flags, no lock, wiped on fork. */
TEST(droppable_maps)
{
	struct vas_mm_user *child = NULL;
	unsigned long f;
	char b = 7, r = 0;

	setup(VAS_OVERCOMMIT_GUESS, 0, 0);
	EXPECT_EQ(mm_map(W, 2 * PG, RW, DROP), (long)W);
	f = flags_at(mm, W);
	EXPECT_EQ(f & (VAS_VM_DROPPABLE | VAS_VM_NORESERVE | VAS_VM_WIPEONFORK |
		       VAS_VM_DONTDUMP | VAS_VM_ACCOUNT | VAS_VM_LOCKED),
		  VAS_VM_DROPPABLE | VAS_VM_NORESERVE | VAS_VM_WIPEONFORK |
			  VAS_VM_DONTDUMP);
	EXPECT_EQ(mm_map(W + 4 * PG, PG, RW, DROP | VAS_MAP_LOCKED), -EINVAL);
	EXPECT_EQ(mm_map(W + 4 * PG, PG, RW, DROP | VAS_MAP_GROWSDOWN),
		  -EINVAL);
	EXPECT_EQ(mm_map(W + 4 * PG, PG, RW, DROP | VAS_MAP_HUGETLB), -EINVAL);
	EXPECT_EQ(mm_map(W + 4 * PG, PG, RW, DROP | VAS_MAP_PRIVATE), -EINVAL);
	/* mlockall(MCL_FUTURE): populated, but not locked */
	EXPECT_EQ(vas_mlockall(mm, VAS_MCL_FUTURE), 0);
	EXPECT_EQ(mm_map(W + 8 * PG, 2 * PG, RW, DROP), (long)(W + 8 * PG));
	EXPECT_FALSE(flags_at(mm, W + 8 * PG) & VAS_VM_LOCKED);
	EXPECT_EQ(vas_munlockall(mm), 0);
	EXPECT_EQ(vas_write(mm, W, &b, 1, NULL), 0);
	EXPECT_EQ(vas_mm_fork(mm, &child), 0);
	EXPECT_EQ(vas_read(child, W, &r, 1, NULL), 0);
	EXPECT_EQ(r, 0);
	EXPECT_EQ(vas_read(mm, W, &r, 1, NULL), 0);
	EXPECT_EQ(r, 7);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	done();
}
