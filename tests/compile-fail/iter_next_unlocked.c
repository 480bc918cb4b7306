// expect: calling function 'vas_vma_iter_next' requires holding mmap_lock 'mm'
/* SPDX-License-Identifier: MIT */
/*
 * vas_vma_iter_next() after the lock was dropped: the walk needs the mmap
 * lock from vas_vma_iter_init() to the last vas_vma_iter_next().
 * Twin (-DVAS_CF_OK): the lock is held for the whole walk.
 */
#include <limits.h>
#include <vas/vas.h>

unsigned long mapped_bytes(struct vas_mm_user *mm);

unsigned long mapped_bytes(struct vas_mm_user *mm)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *vma;
	unsigned long bytes = 0;

	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
#ifndef VAS_CF_OK
	vas_mmap_read_unlock(mm);
#endif
	while ((vma = vas_vma_iter_next(&it, mm)))
		bytes += vas_vma_end(vma) - vas_vma_start(vma);
#ifdef VAS_CF_OK
	vas_mmap_read_unlock(mm);
#endif
	return bytes;
}
