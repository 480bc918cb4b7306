// expect: releasing mmap_lock 'mm' using exclusive access, expected shared access
/* SPDX-License-Identifier: MIT */
/*
 * A write-lock-only call under the read lock, through the public API:
 * vas_mmap_write_downgrade() releases an exclusive hold (VAS_RELEASE) and
 * takes a shared one, so it needs the write lock.
 * Twin (-DVAS_CF_OK): the lock is taken for write before the downgrade.
 */
#include <vas/vas.h>

int downgrade_and_count(struct vas_mm_user *mm);

int downgrade_and_count(struct vas_mm_user *mm)
{
	int n;

#ifdef VAS_CF_OK
	vas_mmap_write_lock(mm);
#else
	vas_mmap_read_lock(mm);
#endif
	vas_mmap_write_downgrade(mm);
	n = vas_mm_map_count(mm);
	vas_mmap_read_unlock(mm);
	return n;
}
