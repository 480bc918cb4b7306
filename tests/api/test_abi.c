// SPDX-License-Identifier: MIT
/*
 * test_abi.c - the sizes of the caller-filled structs (issue 12, weak spot
 * 6; docs/design.md "ABI"), through the public API:
 *  - vas_machine_create() takes a config whose size was set by
 *    vas_machine_config_init(), and refuses size 0, a size below the first
 *    version's and one above the library's with -EINVAL;
 *  - vas_file_create() refuses file ops of an unknown size (-EINVAL,
 *    nothing made);
 *  - a driver mmap whose hook installs vm_ops of an unknown size fails
 *    with -EINVAL and leaves the range as a failed hook does: empty, the
 *    hook's page no longer mapped, no vm_ops callback made;
 *  - vas_mmu_notifier_register() refuses ops of an unknown size;
 *  - struct vas_vma_iter keeps its size (it has reserved room to grow).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <vas/vas.h>
#include "harness.h"

#define P 4096UL
#define W 0x300000000000UL

/* The iterator's size is part of the VAS_0 ABI (LP64: 10 words). */
_Static_assert(sizeof(struct vas_vma_iter) == 10 * sizeof(unsigned long),
	       "struct vas_vma_iter changed size: that breaks the ABI");

TEST(machine_config_size)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;

	vas_machine_config_init(&cfg);
	EXPECT_EQ(cfg.size, sizeof(cfg));
	cfg.max_map_count = 1000;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	EXPECT_EQ(vas_machine_config(m)->size, sizeof(cfg));
	EXPECT_EQ(vas_machine_config(m)->max_map_count, 1000);
	EXPECT_TRUE(VAS_ABI_HAS(vas_machine_config(m), commit_swap_bytes));
	EXPECT_EQ(vas_machine_destroy(m), 0);

	m = NULL;
	cfg.size = 0;		/* an initialiser that forgot the size */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);
	cfg.size = sizeof(size_t) + sizeof(unsigned long); /* no version */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	cfg.size = sizeof(cfg) + 8;	/* a newer caller than the library */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);
	/* NULL still means the defaults */
	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	EXPECT_EQ(vas_machine_config(m)->max_map_count, 65530);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

struct drv {
	struct vas_machine *m;
	const struct vas_vm_ops *vm_ops;
	struct vas_page *page;
	int opens, closes;
};

static void drv_open(struct vas_vma_ref *vma)
{
	((struct drv *)vas_vma_private(vma))->opens++;
}

static void drv_close(const struct vas_vma_closing *vma)
{
	((struct drv *)vas_vma_closing_private(vma))->closes++;
}

static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);

	vas_vma_new_set_private(vma, d);
	vas_vma_new_set_ops(vma, d->vm_ops);
	return vas_vm_insert_page(vas_vma_new_set_mixedmap(vma),
				  vas_vma_start(ref), d->page);
}

static const struct vas_file_ops drv_fops = VAS_FILE_OPS_INIT(.mmap = drv_mmap);

TEST(file_ops_size)
{
	struct vas_file_ops bad = VAS_FILE_OPS_INIT(.mmap = drv_mmap);
	struct vas_machine *m;
	struct vas_file *f = NULL;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	bad.size = 0;
	EXPECT_EQ(vas_file_create(m, &bad, NULL, VAS_FMODE_READ, "x", &f),
		  -EINVAL);
	EXPECT_NULL(f);
	bad.size = sizeof(bad) + sizeof(void *);
	EXPECT_EQ(vas_file_create(m, &bad, NULL, VAS_FMODE_READ, "x", &f),
		  -EINVAL);
	EXPECT_NULL(f);
	ASSERT_EQ(vas_file_create(m, &drv_fops, NULL, VAS_FMODE_READ, "x", &f),
		  0);
	vas_file_put(f);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(vm_ops_size)
{
	static const struct vas_vm_ops good =
		VAS_VM_OPS_INIT(.open = drv_open, .close = drv_close);
	struct vas_vm_ops bad = good;
	struct drv d = { 0 };
	struct vas_mm_user *mm;
	struct vas_file *f;
	unsigned long a = 0;
	int n;

	ASSERT_EQ(vas_machine_create(NULL, &d.m), 0);
	ASSERT_EQ(vas_mm_create(d.m, &mm), 0);
	d.page = vas_page_alloc(d.m);
	ASSERT_NOT_NULL(d.page);
	ASSERT_EQ(vas_file_create(d.m, &drv_fops, &d,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "drv", &f),
		  0);

	/* an anonymous mapping there first: MAP_FIXED replaces it */
	ASSERT_EQ(vas_mmap(mm, W, 2 * P, VAS_PROT_READ,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &a), 0);
	for (size_t size = 0; size <= sizeof(bad) + 8; size += sizeof(bad) + 8) {
		bad.size = size;
		d.vm_ops = &bad;
		EXPECT_EQ(vas_mmap(mm, W, 2 * P, VAS_PROT_READ,
				   VAS_MAP_SHARED | VAS_MAP_FIXED, f, 0, &a),
			  -EINVAL);
		EXPECT_EQ(vas_page_mapcount(d.page), 0);
		vas_mmap_read_lock(mm);
		EXPECT_NULL(vas_find_vma_intersection(mm, W, W + 2 * P));
		n = vas_mm_map_count(mm);
		vas_mmap_read_unlock(mm);
		EXPECT_EQ(n, 0);
		EXPECT_EQ(d.opens + d.closes, 0);
		EXPECT_EQ(vas_mm_validate(mm), 0);
	}

	/* the right size maps, and its callbacks run */
	d.vm_ops = &good;
	ASSERT_EQ(vas_mmap(mm, W, 2 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, f, 0, &a), 0);
	EXPECT_EQ(vas_page_mapcount(d.page), 1);
	EXPECT_EQ(vas_munmap(mm, W + P, P), 0);	/* split: open, close */
	EXPECT_EQ(d.opens, 1);
	EXPECT_EQ(d.closes, 1);
	vas_mm_put(mm);
	EXPECT_EQ(d.closes, 2);
	vas_file_put(f);
	vas_page_put(d.page);
	EXPECT_EQ(vas_machine_destroy(d.m), 0);
}

TEST(mmu_notifier_ops_size)
{
	struct vas_mmu_notifier_ops ops = VAS_MMU_NOTIFIER_OPS_INIT();
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_mmu_notifier *mn = NULL;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ops.size = 0;
	EXPECT_EQ(vas_mmu_notifier_register(mm, &ops, NULL, &mn), -EINVAL);
	EXPECT_NULL(mn);
	ops.size = sizeof(ops) * 2;
	EXPECT_EQ(vas_mmu_notifier_register(mm, &ops, NULL, &mn), -EINVAL);
	ops.size = sizeof(ops);
	ASSERT_EQ(vas_mmu_notifier_register(mm, &ops, NULL, &mn), 0);
	vas_mmu_notifier_unregister(mn);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

