// expect: incompatible pointer types passing 'struct vas_mm \*' to parameter of type 'struct vas_mm_user \*'
/* SPDX-License-Identifier: MIT */
/*
 * Locking an address space through a struct vas_mm * (a count, no user):
 * the address space may already be torn down. The lock takes only a
 * struct vas_mm_user *; the one way there is vas_mm_get_not_zero().
 * Twin (-DVAS_CF_OK): take a user first, lock through it, put it.
 */
#include <vas/vas.h>

int peek(struct vas_mm *counted);

int peek(struct vas_mm *counted)
{
	int n;
#ifdef VAS_CF_OK
	struct vas_mm_user *mm = vas_mm_get_not_zero(counted);

	if (!mm)
		return -1;
	vas_mmap_read_lock(mm);
	n = vas_mm_map_count(mm);
	vas_mmap_read_unlock(mm);
	vas_mm_put(mm);
#else
	vas_mmap_read_lock(counted);
	n = 0;
	vas_mmap_read_unlock(counted);
#endif
	return n;
}
