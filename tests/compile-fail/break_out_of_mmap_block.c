// expect: (mutex|mmap_lock) 'mm' is not held on every path through here
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 11: leaving an mmap lock block by break (a goto or a
 * continue are alike): the lock stays held on that path only, and the
 * analysis reports where the paths meet.
 * Twin (-DVAS_CF_OK): the block records the result, ends, then the loop
 * breaks.
 */
#include <stdbool.h>
#include <vas/vas.h>

int first_mapped(struct vas_mm_user *mm, const unsigned long *addrs, int n);

int first_mapped(struct vas_mm_user *mm, const unsigned long *addrs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bool found;

		VAS_MMAP_READ_BEGIN(mm);
		found = vas_vma_lookup(mm, addrs[i]) != NULL;
#ifndef VAS_CF_OK
		if (found)
			break;	/* the bug: out of the block, locked */
#endif
		VAS_MMAP_READ_END(mm);
#ifdef VAS_CF_OK
		if (found)
			break;
#endif
	}
	return i < n ? i : -1;
}
