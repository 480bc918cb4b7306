// expect: incompatible pointer types passing 'struct vas_vma_ref \*' to parameter of type 'struct vas_vma_read_guard \*'
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 2: vas_vma_end_read() on a VMA from vas_vma_lookup(). The
 * lookup took no VMA read lock, so "ending" it dropped the VMA's attach
 * count: the validator then found the VMA in the tree but detached, and
 * the next vas_lock_vma_under_rcu() looped forever. The read lock is its
 * own type now, struct vas_vma_read_guard, and vas_vma_end_read() takes
 * only that; a struct vas_vma_ref (what a lookup returns) does not convert.
 * The analysis is off in the misuse so that the type check alone is shown
 * (with it on, -Wthread-safety also reports releasing a lock that was not
 * held); it holds with any C compiler that errors on incompatible pointer
 * types. The twin is analysed.
 * Twin (-DVAS_CF_OK): a looked-up VMA is released with the mmap lock; the
 * read lock is taken and ended through its guard.
 */
#include <vas/vas.h>

#ifdef VAS_CF_OK
#define CF_NO_ANALYSIS
#else
#define CF_NO_ANALYSIS VAS_NO_THREAD_SAFETY_ANALYSIS
#endif

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
	CF_NO_ANALYSIS;

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
	CF_NO_ANALYSIS
{
	struct vas_vma_ref *vma;
	unsigned long start = 0;
#ifdef VAS_CF_OK
	struct vas_vma_read_guard *g;

	if (vas_lock_vma_under_rcu(mm, addr, &g)) {
		start = vas_vma_start(vas_vma_read_guard_vma(g));
		vas_vma_end_read(g);
		return start;
	}
#endif
	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma) {
		start = vas_vma_start(vma);
#ifndef VAS_CF_OK
		vas_vma_end_read(vma);		/* the bug */
#endif
	}
	vas_mmap_read_unlock(mm);
	return start;
}
