// SPDX-License-Identifier: MIT
/*
 * munmap.c - munmap(2) (do_vmi_munmap): every VMA in the range is removed,
 * VMAs straddling an edge are trimmed, one covering the range is cut in
 * two; one atomic store. Sealed VMAs refuse with -EPERM.
 */
#include <errno.h>
#include "mmap/mmap_internal.h"

/*
 * munmap_check_sealed() - -EPERM if a VMA in [start, end) is sealed, after
 * the side effect Linux has there (vms_gather_munmap_vmas): it splits the
 * first VMA at @start before it looks at the others, so a sealed VMA
 * further on leaves that split behind.
 */
int munmap_check_sealed(struct mm_struct *mm, unsigned long start,
			unsigned long end)
{
	struct vm_area_struct *vma, *first, *n;
	unsigned long s;
	struct rt_iter it;

	first = rt_find(&mm->mm_mt, start, &s, NULL);
	if (!first || s >= end)
		return 0;
	if (first->vm_flags & VAS_VM_SEALED)
		return -EPERM;
	rt_iter_init(&it, &mm->mm_mt, start, end);
	while ((vma = rt_iter_next(&it, NULL, NULL))) {
		if (vma->vm_flags & VAS_VM_SEALED) {
			/* a failed split changes nothing: -EPERM either way */
			if (first->vm_start < start &&
			    vma_split(mm, first, start, true, &n))
				return -EPERM;
			return -EPERM;
		}
	}
	return 0;
}

/*
 * do_munmap() - Unmap [start, start + len). Context: mmap lock held for
 * write. Return: 0 or -errno.
 */
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end;
	int err;

	if ((start & ~PAGE_MASK) || start > VAS_TASK_SIZE ||
	    len > VAS_TASK_SIZE - start)
		return -EINVAL;
	end = start + ((len + PAGE_SIZE - 1) & PAGE_MASK);
	if (end == start)
		return -EINVAL;
	{
		/*
		 * One walk of the range (vmc_prepare(), c.munmap): it finds
		 * whether anything is mapped, checks the seals as
		 * munmap_check_sealed() and notes the page-table bounds;
		 * the commit goes on from the same position.
		 */
		VMC_STATE(c, start, end, NULL, 0);

		c.zap_start = start;
		c.zap_end = end;
		c.munmap = true;
		err = vmc_prepare(mm, &c);
		if (err || c.nothing)
			return err;
		vmc_commit(mm, &c);
	}
	return 0;
}

int vas_munmap(struct vas_mm_user *u, unsigned long addr, unsigned long len)
{
	struct mm_struct *mm = mm_of_user(u);
	int err;

	mmap_write_lock(mm);
	err = do_munmap(mm, addr, len);
	mmap_write_unlock(mm);
	return err;
}
