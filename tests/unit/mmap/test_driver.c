// SPDX-License-Identifier: MIT
/*
 * test_driver.c - a driver file's mmap hook at the vas_vma_new access
 * level: the flags it may set, VM_MAY* it may clear (and what mprotect
 * then refuses), vm_ops open/close/name, private data, a hook that fails
 * the mmap, and that such special mappings never merge.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL

struct drv {
	int mmaps, opens, closes, releases;
	int fail_with;
	int token;
};

static void drv_open(struct vas_vma_ref *vma)
{
	struct drv *d = vas_vma_private(vma);

	d->opens++;
}

static void drv_close(struct vas_vma_ref *vma)
{
	struct drv *d = vas_vma_private(vma);

	d->closes++;
}

static const char *drv_name(struct vas_vma_ref *vma)
{
	(void)vma;
	return "[drv]";
}

static const struct vas_vm_ops drv_vm_ops = {
	.open = drv_open, .close = drv_close, .name = drv_name,
};

/* Like binder: read-only for good, no fork copy, pages by vm_insert_page. */
static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);

	d->mmaps++;
	if (d->fail_with)
		return d->fail_with;
	if (vas_vma_end(ref) - vas_vma_start(ref) > 16 * P)
		return -EINVAL;
	if (vas_vma_new_try_clear_maywrite(vma))
		return -EPERM;		/* VM_WRITE was asked for */
	vas_vma_new_set_dontcopy(vma);
	vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	vas_vma_new_set_private(vma, d);
	return 0;
}

static void drv_release(struct vas_file *file)
{
	struct drv *d = vas_file_private(file);

	d->releases++;
}

static const struct vas_file_ops drv_ops = {
	.mmap = drv_mmap, .release = drv_release,
};

TEST(driver_mmap_hook_sets_up_the_vma)
{
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_file *f;
	struct drv d = { 0 };
	unsigned long a, a2;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_file_create(m, &drv_ops, &d, VAS_FMODE_READ | VAS_FMODE_WRITE,
				  "drv", &f), 0);

	/* writable mappings are refused by the hook */
	EXPECT_EQ(vas_mmap(mm, W, 4 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, f, 0, &a), -EPERM);
	EXPECT_EQ(d.mmaps, 1);
	/* too large */
	EXPECT_EQ(vas_mmap(mm, W, 32 * P, VAS_PROT_READ, VAS_MAP_SHARED, f, 0, &a),
		  -EINVAL);
	ASSERT_EQ(vas_mmap(mm, W, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED | VAS_MAP_FIXED,
			   f, 0, &a), 0);
	EXPECT_EQ(a, W);
	/* an adjacent mapping of the same file never merges (VM_MIXEDMAP) */
	ASSERT_EQ(vas_mmap(mm, W + 4 * P, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, f, 4 * P, &a2), 0);
	vas_mmap_read_lock(mm);
	{
		struct vas_vma_ref *v = vas_vma_lookup(mm, W);
		unsigned long fl = vas_vma_flags(v);

		ASSERT_NOT_NULL(v);
		EXPECT_EQ(vas_vma_end(v), W + 4 * P);
		EXPECT_TRUE(fl & VAS_VM_MIXEDMAP);
		EXPECT_TRUE(fl & VAS_VM_DONTCOPY);
		EXPECT_TRUE(fl & VAS_VM_MAYSHARE);
		/* like binder: only VM_MAYWRITE cleared; VM_SHARED stays */
		EXPECT_FALSE(fl & (VAS_VM_MAYWRITE | VAS_VM_WRITE));
		EXPECT_TRUE(fl & VAS_VM_SHARED);
		EXPECT_PTR_EQ(vas_vma_private(v), &d);
		EXPECT_PTR_EQ(vas_vma_file(v), f);
		EXPECT_NOT_NULL(vas_vma_as_mixedmap(v));
		EXPECT_NOT_NULL(vas_vma_lookup(mm, W + 4 * P));
		EXPECT_NE((uintptr_t)vas_vma_lookup(mm, W + 4 * P), (uintptr_t)v);
	}
	vas_mmap_read_unlock(mm);
	/* VM_MAYWRITE is gone: mprotect to writable is refused */
	EXPECT_EQ(vas_mprotect(mm, W, 4 * P, VAS_PROT_READ | VAS_PROT_WRITE), -EACCES);
	/*
	 * Unmapping the middle cuts the VMA in two: the upper part is a new
	 * VMA object (open). Linux makes three objects and closes the middle
	 * one; vas trims instead (docs/mapping.md): opens and closes stay
	 * paired per object.
	 */
	EXPECT_EQ(vas_munmap(mm, W + P, P), 0);
	EXPECT_EQ(d.opens, 1);
	EXPECT_EQ(d.closes, 0);
	/* unmapping a whole VMA object closes it */
	EXPECT_EQ(vas_munmap(mm, W + 4 * P, 4 * P), 0);
	EXPECT_EQ(d.closes, 1);
	/* maps names the VMA by vm_ops->name only without a file; ours has one */
	{
		char buf[4096] = { 0 };
		FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");

		ASSERT_NOT_NULL(out);
		EXPECT_EQ(vas_proc_maps_print(mm, out), 0);
		fclose(out);
		EXPECT_TRUE(strstr(buf, "drv\n") != NULL);
	}
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);		/* closes the two remaining VMAs */
	EXPECT_EQ(d.closes, 3);
	EXPECT_EQ(d.opens + 2, d.closes);	/* 2 came from mmap, 1 from open */
	vas_file_put(f);	/* the VMAs' references are gone: released */
	EXPECT_EQ(d.releases, 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(driver_hook_failure_leaves_replaced_mapping)
{
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_file *f;
	struct drv d = { .fail_with = -ENODEV };
	unsigned long a;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_file_create(m, &drv_ops, &d, VAS_FMODE_READ, "drv", &f), 0);
	ASSERT_EQ(vas_mmap(mm, W, 4 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS, NULL, 0, &a), 0);
	/* MAP_FIXED over it with a failing hook: the old mapping stays */
	EXPECT_EQ(vas_mmap(mm, W + P, 2 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, f, 0, &a), -ENODEV);
	vas_mmap_read_lock(mm);
	{
		struct vas_vma_ref *v = vas_vma_lookup(mm, W + P);

		ASSERT_NOT_NULL(v);
		EXPECT_EQ(vas_vma_start(v), W);
		EXPECT_EQ(vas_vma_end(v), W + 4 * P);
		EXPECT_NULL(vas_vma_file(v));
	}
	vas_mmap_read_unlock(mm);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	vas_file_put(f);
	EXPECT_EQ(d.releases, 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
