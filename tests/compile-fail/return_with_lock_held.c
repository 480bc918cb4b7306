// expect: (mutex|mmap_lock) 'mm' is still held at the end of function
/* SPDX-License-Identifier: MIT */
/*
 * A function that returns with the mmap lock held (leaks it). Clang 14
 * words this "mutex 'mm' is still held at the end of function" whatever the
 * capability's name; later versions may say "mmap_lock", hence the regex.
 * Twin (-DVAS_CF_OK): the lock is released before the return.
 */
#include <vas/vas.h>

int count_vmas(struct vas_mm_user *mm);

int count_vmas(struct vas_mm_user *mm)
{
	int n;

	vas_mmap_read_lock(mm);
	n = vas_mm_map_count(mm);
#ifdef VAS_CF_OK
	vas_mmap_read_unlock(mm);
#endif
	return n;
}
