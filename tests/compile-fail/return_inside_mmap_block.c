// expect: (mutex|mmap_lock) 'mm' is (still held at the end of function|not held on every path through here)
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 11: leaving an mmap lock block by return. The block
 * unlocks only at its END (Clang 14's analysis cannot see a cleanup
 * function release a lock), so the analysis reports the return; compiled
 * without it, the block aborts at run time when its scope ends.
 * Twin (-DVAS_CF_OK): the result is set and the block left through END.
 */
#include <vas/vas.h>

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr);

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_ref *vma;
	unsigned long start = 0;

	VAS_MMAP_READ_BEGIN(mm);
	vma = vas_vma_lookup(mm, addr);
#ifdef VAS_CF_OK
	if (vma)
		start = vas_vma_start(vma);
#else
	if (!vma)
		return 0;		/* the bug: the lock is still held */
	start = vas_vma_start(vma);
#endif
	VAS_MMAP_READ_END(mm);
	return start;
}
