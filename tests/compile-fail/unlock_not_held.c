// expect: releasing mmap_lock 'mm' that was not held
/* SPDX-License-Identifier: MIT */
/*
 * Releasing the mmap lock without holding it.
 * Twin (-DVAS_CF_OK): the lock is taken first.
 */
#include <vas/vas.h>

int count_vmas(struct vas_mm_user *mm);

int count_vmas(struct vas_mm_user *mm)
{
	int n;

#ifdef VAS_CF_OK
	vas_mmap_read_lock(mm);
	n = vas_mm_map_count(mm);
#else
	n = 0;
#endif
	vas_mmap_read_unlock(mm);
	return n;
}
