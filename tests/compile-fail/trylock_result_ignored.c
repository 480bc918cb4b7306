// expect: ignoring return value of function declared with 'warn_unused_result' attribute
/* SPDX-License-Identifier: MIT */
/*
 * vas_mmap_read_trylock()'s result ignored: the caller cannot know whether
 * it holds the lock (VAS_MUST_CHECK).
 * Twin (-DVAS_CF_OK): the result decides whether the lock is used.
 */
#include <vas/vas.h>

int try_count(struct vas_mm_user *mm);

int try_count(struct vas_mm_user *mm)
{
#ifdef VAS_CF_OK
	int n;

	if (!vas_mmap_read_trylock(mm))
		return -1;
	n = vas_mm_map_count(mm);
	vas_mmap_read_unlock(mm);
	return n;
#else
	vas_mmap_read_trylock(mm);
	return 0;
#endif
}
