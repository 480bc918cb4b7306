// expect: calling function 'vas_vma_lookup' requires holding mmap_lock 'mm'
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 11: a lookup after the mmap lock block ended. The block's
 * END releases the lock, and the analysis sees it (the scoped guard before
 * it asserted the lock held to the end of the function, so this compiled).
 * Twin (-DVAS_CF_OK): the same function locks again after the block, for
 * write this time, and looks up under that lock. The old guard made the
 * analysis reject this correct code ("acquiring mmap_lock 'mm' that is
 * already held").
 */
#include <vas/vas.h>

int mapped_twice(struct vas_mm_user *mm, unsigned long addr);

int mapped_twice(struct vas_mm_user *mm, unsigned long addr)
{
	int n = 0;

	VAS_MMAP_READ_BEGIN(mm);
	if (vas_vma_lookup(mm, addr))
		n++;
	VAS_MMAP_READ_END(mm);
#ifdef VAS_CF_OK
	VAS_MMAP_WRITE_BEGIN(mm);
#endif
	if (vas_vma_lookup(mm, addr))
		n++;
#ifdef VAS_CF_OK
	VAS_MMAP_WRITE_END(mm);
#endif
	return n;
}
