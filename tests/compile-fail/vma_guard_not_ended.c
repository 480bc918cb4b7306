// expect: (mutex|vma_read_lock) 'g' is (still held at the end of function|not held on every path through here)
/* SPDX-License-Identifier: MIT */
/*
 * A path that leaves the function with the VMA read lock held (the early
 * return skips vas_vma_end_read()): the VMA stays read-locked, and every
 * writer that wants it waits forever.
 * Twin (-DVAS_CF_OK): the early path ends the read lock too.
 */
#include <vas/vas.h>

int is_writable(struct vas_mm_user *mm, unsigned long addr);

int is_writable(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_read_guard *g;
	unsigned long flags;

	if (!vas_lock_vma_under_rcu(mm, addr, &g))
		return -1;
	flags = vas_vma_flags(vas_vma_read_guard_vma(g));
	if (!(flags & VAS_VM_WRITE)) {
#ifdef VAS_CF_OK
		vas_vma_end_read(g);
#endif
		return 0;
	}
	vas_vma_end_read(g);
	return 1;
}
