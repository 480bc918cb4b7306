// SPDX-License-Identifier: MIT
/*
 * populate.c - populating ranges (Linux's __mm_populate and
 * populate_vma_page_range, the faultin side of gup): MAP_POPULATE,
 * MAP_LOCKED, mlock, brk and mremap growth of locked memory.
 */
#include "base/bug.h"
#include "fault/fault.h"

int vma_populate(struct mm_struct *mm, struct vm_area_struct *vma,
		 unsigned long start, unsigned long end)
{
	unsigned long f = vma->vm_flags;
	vm_fault_t ret;

	if (f & (VAS_VM_IO | VAS_VM_PFNMAP | VAS_VM_LOCKONFAULT))
		return 0;
	if (!(f & VAS_VM_ACCESS_FLAGS))
		return 0;
	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	/* private writable memory is faulted for write (FOLL_WRITE) */
	mmap_assert_locked(mm);
	ret = fault_in_range(vma, start, end,
			     (f & (VAS_VM_WRITE | VAS_VM_SHARED)) ==
				     VAS_VM_WRITE);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	return ret ? -EFAULT : 0;
}

int populate_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long e;
	int err;

	while (start < end && (vma = rt_find(&mm->mm_mt, start, NULL, &e)) &&
	       vma->vm_start < end) {
		err = vma_populate(mm, vma, start, end);
		if (err)
			return err;
		start = e;
	}
	return 0;
}

void mm_populate(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (populate_range(mm, start, end))
		return;	/* left to be faulted on access */
}
