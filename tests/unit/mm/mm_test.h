/* SPDX-License-Identifier: MIT */
/* mm_test.h - helpers shared by the white-box mm and VMA tests. */
#ifndef VAS_TEST_MM_TEST_H
#define VAS_TEST_MM_TEST_H

#include <errno.h>
#include <limits.h>
#include "harness.h"
#include "base/alloc.h"
#include "mm/mm.h"
#include "vma/vma.h"

#define W 0x200000000000UL
#define P 4096UL
#define RW (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_MAYREAD | VAS_VM_MAYWRITE | VAS_VM_MAYEXEC)

struct fixture {
	struct vas_machine *machine;
	struct vas_mm_user *user;
	struct mm_struct *mm;
};

static inline void fixture_init(struct fixture *f)
{
	ASSERT_EQ(vas_machine_create(NULL, &f->machine), 0);
	ASSERT_EQ(vas_mm_create(f->machine, &f->user), 0);
	f->mm = mm_of_user(f->user);
}

static inline void fixture_fini(struct fixture *f)
{
	if (f->user)
		vas_mm_put(f->user);
	ASSERT_EQ(vas_machine_destroy(f->machine), 0);
}

/* A VMA [start, end) with @flags and pgoff = start / P, linked into @mm. */
static inline struct vm_area_struct *mk(struct mm_struct *mm, unsigned long start,
					unsigned long end, unsigned long flags)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma = vm_area_alloc(mm);

	if (!vma)
		return NULL;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = flags;
	vma->vm_pgoff = start / P;
	if (vma_link(mm, vma)) {
		vm_area_free(vma);
		return NULL;
	}
	return vma;
}

/*
 * Assert the whole layout: exactly @n VMAs with the given [start, end)
 * pairs, each with pgoff = start / P (unless moved deliberately), the tree
 * agreeing, map_count = n, and the validator passing.
 */
static inline void expect_layout_(const char *file, int line, struct mm_struct *mm,
				  int n, const unsigned long *ranges, bool pgoff_identity)
	VAS_REQUIRES_SHARED(mm)
{
	struct rt_iter it;
	struct vm_area_struct *vma;
	int i = 0;

	rt_iter_init(&it, &mm->mm_mt, 0, ULONG_MAX);
	while ((vma = rt_iter_next(&it, NULL, NULL))) {
		if (i >= n) {
			harness_fail(file, line, "extra VMA [%#lx, %#lx)",
				     vma->vm_start, vma->vm_end);
			i++;
			continue;
		}
		if (vma->vm_start != ranges[2 * i] || vma->vm_end != ranges[2 * i + 1])
			harness_fail(file, line, "VMA %d is [%#lx, %#lx), want [%#lx, %#lx)",
				     i, vma->vm_start, vma->vm_end, ranges[2 * i],
				     ranges[2 * i + 1]);
		if (pgoff_identity && vma->vm_pgoff != vma->vm_start / P)
			harness_fail(file, line, "VMA %d pgoff %#lx, want %#lx", i,
				     vma->vm_pgoff, vma->vm_start / P);
		i++;
	}
	if (i != n)
		harness_fail(file, line, "%d VMAs, want %d", i, n);
	if (mm->map_count != n)
		harness_fail(file, line, "map_count %d, want %d", mm->map_count, n);
	if (validate_mm(mm))
		harness_fail(file, line, "validate_mm failed");
}

#define EXPECT_LAYOUT(mm, n, ...)                                             \
	expect_layout_(__FILE__, __LINE__, mm, n,                             \
		       (const unsigned long[]){ 0, 0, __VA_ARGS__ } + 2, true)

#endif
