// expect: acquiring mmap_lock 'mm' that is already held
/* SPDX-License-Identifier: MIT */
/*
 * Taking the mmap lock again while holding it. The lock is writer-fair: a
 * second read acquisition queues behind a waiting writer, which itself waits
 * for the first hold, so a recursive read lock can deadlock.
 * Twin (-DVAS_CF_OK): the second lookup runs under the first hold.
 */
#include <vas/vas.h>

int both_mapped(struct vas_mm_user *mm, unsigned long a, unsigned long b);

int both_mapped(struct vas_mm_user *mm, unsigned long a, unsigned long b)
{
	int n = 0;

	vas_mmap_read_lock(mm);
	if (vas_vma_lookup(mm, a))
		n++;
#ifndef VAS_CF_OK
	vas_mmap_read_lock(mm);		/* the bug: already held */
#endif
	if (vas_vma_lookup(mm, b))
		n++;
	vas_mmap_read_unlock(mm);
	return n;
}
