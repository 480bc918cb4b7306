// SPDX-License-Identifier: MIT
/*
 * mseal.c - mseal(2) (do_mseal): all-or-nothing over holes, VM_SEALED set
 * with the splits and merges of any flag change. Sealed VMAs then refuse
 * munmap, MAP_FIXED over them, mprotect, mremap and discarding madvise
 * (checked in those calls).
 */
#include <errno.h>
#include "base/err.h"
#include "mmap/mmap_internal.h"

int vas_mseal(struct vas_mm_user *u, unsigned long start, unsigned long len_in,
	      unsigned long flags)
{
	struct mm_struct *mm = mm_of_user(u);
	unsigned long end, pos, s, e;
	struct vm_area_struct *vma, *got;
	int err = 0;

	if (flags)
		return -EINVAL;
	if (user_range(start, len_in, &end))
		return -EINVAL;
	if (end == start)
		return 0;
	mmap_write_lock(mm);
	/* First pass: any hole fails the whole call before a change. */
	for (pos = start; pos < end; pos = e) {
		vma = rt_find(&mm->mm_mt, pos, &s, &e);
		if (!vma || s > pos) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (pos = start; pos < end;) {
		vma = rt_find(&mm->mm_mt, pos, NULL, NULL);
		e = vma->vm_end < end ? vma->vm_end : end;
		if (!(vma->vm_flags & VAS_VM_SEALED)) {
			got = vma_modify_flags(mm, vma, pos, e,
					       vma->vm_flags | VAS_VM_SEALED);
			if (IS_ERR(got)) {
				err = (int)PTR_ERR(got);
				goto out;
			}
		}
		rt_lookup(&mm->mm_mt, e - 1, NULL, &pos);
	}
out:
	mmap_write_unlock(mm);
	return err;
}
