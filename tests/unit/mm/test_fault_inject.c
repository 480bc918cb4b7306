// SPDX-License-Identifier: MIT
/*
 * test_fault_inject.c - every allocation an operation of this layer makes
 * is failed in turn; each time the operation must return -ENOMEM and leave
 * the address space exactly as it was, valid, and leak nothing.
 */
#include "mm_test.h"

/* The layout every case starts from:
 * 0         1
 * 0123456789012
 * aaaa bb cccc          */
static void setup(struct fixture *f)
{
	fixture_init(f);
	mmap_write_lock(f->mm);
	ASSERT_NOT_NULL(mk(f->mm, W, W + 4 * P, RW));
	ASSERT_NOT_NULL(mk(f->mm, W + 5 * P, W + 7 * P, RW));
	ASSERT_NOT_NULL(mk(f->mm, W + 8 * P, W + 12 * P, RW));
	mmap_write_unlock(f->mm);
}

static void expect_setup_layout(struct fixture *f)
{
	mmap_read_lock(f->mm);
	EXPECT_LAYOUT(f->mm, 3, W, W + 4 * P, W + 5 * P, W + 7 * P, W + 8 * P,
		      W + 12 * P);
	EXPECT_EQ(f->mm->total_vm, 10);
	mmap_read_unlock(f->mm);
}

static struct vm_area_struct *at(struct fixture *f, unsigned long addr)
{
	return rt_lookup(&f->mm->mm_mt, addr, NULL, NULL);
}

static struct vm_area_struct *fresh(struct fixture *f, unsigned long s,
				    unsigned long e)
{
	struct vm_area_struct *v = vm_area_alloc(f->mm);

	if (v) {
		v->vm_start = s;
		v->vm_end = e;
		v->vm_flags = RW;
		v->vm_pgoff = s / P;
	}
	return v;
}

/* Each op allocates what it needs itself, so the failures land inside. */
static int op_link(struct fixture *f)
{
	return mk(f->mm, W + 13 * P, W + 14 * P, RW) ? 0 : -ENOMEM;
}
static int op_split(struct fixture *f)
{
	struct vm_area_struct *n;

	return vma_split(f->mm, at(f, W), W + 2 * P, false, &n);
}
static int op_merge(struct fixture *f)
{
	return vma_merge_next(f->mm, at(f, W), at(f, W + 5 * P)) == -EINVAL
		       ? 0 : -EINVAL;	/* not adjacent: checked before alloc */
}
static int op_remove(struct fixture *f)
{
	return vma_remove(f->mm, at(f, W + 5 * P));
}
static int replace(struct fixture *f, unsigned long s, unsigned long e)
{
	struct vm_area_struct *v = fresh(f, s, e);
	int err;

	if (!v)
		return -ENOMEM;
	err = vma_replace_range(f->mm, v);
	if (err)
		vm_area_free(v);
	return err;
}
static int op_replace_span(struct fixture *f)
{
	return replace(f, W + 2 * P, W + 10 * P);
}
static int op_replace_inside(struct fixture *f)
{
	return replace(f, W + 9 * P, W + 10 * P);
}
static int op_replace_hole(struct fixture *f)
{
	return replace(f, W + 4 * P, W + 5 * P);
}

static const struct {
	const char *name;
	int (*fn)(struct fixture *f);
} ops[] = {
	{ "link", op_link },
	{ "split", op_split },
	{ "merge(refused)", op_merge },
	{ "remove", op_remove },
	{ "replace_span", op_replace_span },
	{ "replace_inside", op_replace_inside },
	{ "replace_hole", op_replace_hole },
};

static int run_op(struct fixture *f, int i) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	int err;

	mmap_write_lock(f->mm);
	err = ops[i].fn(f);
	if (validate_mm(f->mm))
		harness_fail(__FILE__, __LINE__, "%s: invalid after err %d",
			     ops[i].name, err);
	mmap_write_unlock(f->mm);
	return err;
}

TEST(every_allocation_site_fails_cleanly)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		struct fixture f;
		unsigned long before, need;
		long live;
		int err;

		/* dry run: how many allocations does the op make? */
		setup(&f);
		before = vas_alloc_count();
		err = run_op(&f, (int)i);
		need = vas_alloc_count() - before;
		EXPECT_EQ(err, 0);
		fixture_fini(&f);
		if (strcmp(ops[i].name, "merge(refused)") != 0)
			EXPECT_GT(need, 0);

		for (unsigned long k = 1; k <= need; k++) {
			live = vas_alloc_live();
			setup(&f);
			vas_fail_nth(k);
			err = run_op(&f, (int)i);
			vas_fail_nth(0);
			if (err != -ENOMEM)
				harness_fail(__FILE__, __LINE__,
					     "%s: failing allocation %lu/%lu gave %d",
					     ops[i].name, k, need, err);
			expect_setup_layout(&f);
			fixture_fini(&f);	/* frees all, after a grace period */
			if (vas_alloc_live() != live)
				harness_fail(__FILE__, __LINE__,
					     "%s: allocation %lu: %ld objects leaked",
					     ops[i].name, k, vas_alloc_live() - live);
		}
	}
}

TEST(create_fails_cleanly)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	long live = vas_alloc_live();

	vas_fail_site(VAS_FP_MACHINE, true);
	EXPECT_EQ(vas_machine_create(NULL, &m), -ENOMEM);
	vas_fail_site(VAS_FP_MACHINE, false);
	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	vas_fail_site(VAS_FP_MM, true);
	EXPECT_EQ(vas_mm_create(m, &u), -ENOMEM);
	vas_fail_site(VAS_FP_MM, false);
	EXPECT_EQ(vas_machine_destroy(m), 0);
	EXPECT_EQ(vas_alloc_live(), live);
}

TEST(vma_site_failure_everywhere)
{
	struct fixture f;

	setup(&f);
	vas_fail_site(VAS_FP_VMA, true);
	mmap_write_lock(f.mm);
	{
		struct vm_area_struct *n;

		EXPECT_NULL(mk(f.mm, W + 20 * P, W + 21 * P, RW));
		EXPECT_EQ(vma_split(f.mm, at(&f, W), W + P, true, &n), -ENOMEM);
	}
	mmap_write_unlock(f.mm);
	vas_fail_site(VAS_FP_VMA, false);
	expect_setup_layout(&f);
	EXPECT_GE(vas_fail_fired(), 2);
	fixture_fini(&f);
}
