// expect: (calling function 'vas_vma_read_guard_vma' requires holding|releasing) vma_read_lock 'g'
/* SPDX-License-Identifier: MIT */
/*
 * The guard used without testing vas_lock_vma_under_rcu()'s result (cast
 * to void to silence VAS_MUST_CHECK): on false there is no guard. The
 * analysis gives the guard to a branch on a true result only.
 * Twin (-DVAS_CF_OK): the result decides.
 */
#include <vas/vas.h>

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr);

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_read_guard *g;
	unsigned long start;

#ifdef VAS_CF_OK
	if (!vas_lock_vma_under_rcu(mm, addr, &g))
		return 0;
#else
	(void)vas_lock_vma_under_rcu(mm, addr, &g);
#endif
	start = vas_vma_start(vas_vma_read_guard_vma(g));
	vas_vma_end_read(g);
	return start;
}
