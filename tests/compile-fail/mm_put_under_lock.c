// expect: cannot call function 'vas_mm_put' while mmap_lock 'mm' is held
/* SPDX-License-Identifier: MIT */
/*
 * Dropping a user while holding its mmap lock: if it is the last user,
 * vas_mm_put() tears the address space down and takes the mmap lock for
 * write itself (VAS_EXCLUDES(mm)), so this would self-deadlock.
 * Twin (-DVAS_CF_OK): unlock first, then put.
 */
#include <vas/vas.h>

int count_and_put(struct vas_mm_user *mm);

int count_and_put(struct vas_mm_user *mm)
{
	int n;

	vas_mmap_read_lock(mm);
	n = vas_mm_map_count(mm);
#ifdef VAS_CF_OK
	vas_mmap_read_unlock(mm);
	vas_mm_put(mm);
#else
	vas_mm_put(mm);
	vas_mmap_read_unlock(mm);
#endif
	return n;
}
