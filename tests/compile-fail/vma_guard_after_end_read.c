// expect: calling function 'vas_vma_read_guard_vma' requires holding vma_read_lock 'g'
/* SPDX-License-Identifier: MIT */
/*
 * A VMA read guard used after vas_vma_end_read() ended it: the VMA may
 * change or go away from then on. The guard is a capability of the
 * analysis, held from a true vas_lock_vma_under_rcu() to vas_vma_end_read().
 * Twin (-DVAS_CF_OK): every use of the guard comes before its end.
 */
#include <vas/vas.h>

unsigned long size_of(struct vas_mm_user *mm, unsigned long addr);

unsigned long size_of(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_read_guard *g;
	unsigned long start, end;

	if (!vas_lock_vma_under_rcu(mm, addr, &g))
		return 0;
	start = vas_vma_start(vas_vma_read_guard_vma(g));
#ifdef VAS_CF_OK
	end = vas_vma_end(vas_vma_read_guard_vma(g));
	vas_vma_end_read(g);
#else
	vas_vma_end_read(g);
	end = vas_vma_end(vas_vma_read_guard_vma(g));	/* the bug */
#endif
	return end - start;
}
