// expect: calling function 'vas_vma_lookup' requires holding mmap_lock 'mm'
/* SPDX-License-Identifier: MIT */
/*
 * A lookup without the mmap lock. vas_vma_lookup() is
 * VAS_REQUIRES_SHARED(mm): the VMA it returns is only valid under the lock.
 * Twin (-DVAS_CF_OK): the same lookup inside read_lock/read_unlock.
 */
#include <vas/vas.h>

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr);

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_ref *vma;
	unsigned long start = 0;

#ifdef VAS_CF_OK
	vas_mmap_read_lock(mm);
#endif
	vma = vas_vma_lookup(mm, addr);
	if (vma)
		start = vas_vma_start(vma);
#ifdef VAS_CF_OK
	vas_mmap_read_unlock(mm);
#endif
	return start;
}
