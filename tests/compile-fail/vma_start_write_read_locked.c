// expect: calling function 'vma_start_write' requires holding mmap_lock 'vma->vm_mm' exclusively
// white-box: needs -I src (internal mm/mm.h)
/* SPDX-License-Identifier: MIT */
/*
 * Changing a VMA with only the mmap read lock. The public API has no VMA
 * mutator yet, so this uses the internal one every mutator starts with:
 * vma_start_write() is VAS_REQUIRES(vma->vm_mm), the exclusive hold.
 * Twin (-DVAS_CF_OK): the same code under the write lock.
 */
#include "mm/mm.h"

void touch_vma(struct vm_area_struct *vma);

void touch_vma(struct vm_area_struct *vma)
{
#ifdef VAS_CF_OK
	mmap_write_lock(vma->vm_mm);
#else
	mmap_read_lock(vma->vm_mm);
#endif
	vma_start_write(vma);
#ifdef VAS_CF_OK
	mmap_write_unlock(vma->vm_mm);
#else
	mmap_read_unlock(vma->vm_mm);
#endif
}
