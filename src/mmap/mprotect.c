// SPDX-License-Identifier: MIT
/*
 * mprotect.c - mprotect(2) (do_mprotect_pkey, mprotect_fixup): VM_MAY*
 * rules, accounting of memory that becomes writable, splits and merges at
 * the edges of the range. Like Linux, an error part-way keeps what was
 * changed before it.
 */
#include <errno.h>
#include "base/err.h"
#include "vma/anon_vma.h"
#include "mmap/mmap_internal.h"

#define PKEY_FLAGS                                                            \
	(VAS_VM_PKEY_BIT0 | VAS_VM_PKEY_BIT1 | VAS_VM_PKEY_BIT2 |              \
	 VAS_VM_PKEY_BIT3)

static bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_file && !vma->vm_ops;
}

static int mprotect_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
			  unsigned long start, unsigned long end,
			  unsigned long newflags) VAS_REQUIRES(mm)
{
	unsigned long oldflags = vma->vm_flags;
	unsigned long nrpages = (end - start) >> PAGE_SHIFT;
	struct vm_area_struct *got;

	if (oldflags & VAS_VM_SEALED)
		return -EPERM;
	if (newflags == oldflags)
		return 0;
	if (newflags & VAS_VM_WRITE) {
		/* Check space limits when the area turns into data. */
		if (!may_expand_vm(mm, newflags, nrpages) &&
		    may_expand_vm(mm, oldflags, nrpages))
			return -ENOMEM;
		if (!(oldflags & (VAS_VM_ACCOUNT | VAS_VM_WRITE | VAS_VM_HUGETLB |
				  VAS_VM_SHARED | VAS_VM_NORESERVE)))
			newflags |= VAS_VM_ACCOUNT;
	} else if ((oldflags & VAS_VM_ACCOUNT) && vma_is_anonymous(vma) &&
		   !vma->anon_vma) {
		newflags &= ~VAS_VM_ACCOUNT;
	}
	got = vma_modify_flags(mm, vma, start, end, newflags);
	if (IS_ERR(got))
		return (int)PTR_ERR(got);
	/* any change of flags, as Linux: its MMU notifier call */
	change_protection(got, start, end);
	/*
	 * A locked private VMA that becomes writable is faulted in for write:
	 * the range changed only, even when it merged into a larger VMA
	 * (populate_vma_page_range(vma, start, end)).
	 */
	if ((oldflags & (VAS_VM_WRITE | VAS_VM_SHARED | VAS_VM_LOCKED)) ==
	    VAS_VM_LOCKED && (newflags & VAS_VM_WRITE))
		mm_populate(mm, start, end);
	return 0;
}

static int do_mprotect(struct mm_struct *mm, unsigned long start,
		       unsigned long end, int prot, int grows)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma;
	unsigned long nstart, tmp, s;
	int error;

	vma = rt_find(&mm->mm_mt, start, &s, NULL);
	if (!vma || s >= end)
		return -ENOMEM;
	if (grows & VAS_PROT_GROWSDOWN) {
		if (vma->vm_start >= end)
			return -ENOMEM;
		start = vma->vm_start;
		if (!(vma->vm_flags & VAS_VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & VAS_PROT_GROWSUP)
			return -EINVAL;	/* no VM_GROWSUP on x86 */
	}
	nstart = start;
	tmp = vma->vm_start;
	error = 0;
	while (vma && vma->vm_start < end) {
		unsigned long newflags;

		if (vma->vm_start != tmp) {
			error = -ENOMEM;
			break;
		}
		newflags = calc_vm_prot_bits(prot) |
			   (vma->vm_flags & ~(VAS_VM_ACCESS_FLAGS | PKEY_FLAGS));
		/* newflags >> 4 puts VM_MAY* where VM_* is */
		if ((newflags & ~(newflags >> 4)) & VAS_VM_ACCESS_FLAGS) {
			error = -EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		error = mprotect_fixup(mm, vma, nstart, tmp, newflags);
		if (error)
			break;
		/*
		 * Go on after the VMA that now covers the changed range: a
		 * merge may have carried it past tmp (vma_iter_end()).
		 */
		rt_lookup(&mm->mm_mt, tmp - 1, NULL, &tmp);
		nstart = tmp;
		vma = rt_find(&mm->mm_mt, tmp, NULL, NULL);
	}
	if (!error && tmp < end)
		error = -ENOMEM;
	return error;
}

int vas_mprotect(struct vas_mm_user *u, unsigned long start,
		 unsigned long len, int prot)
{
	struct mm_struct *mm = mm_of_user(u);
	int grows = prot & (VAS_PROT_GROWSDOWN | VAS_PROT_GROWSUP);
	unsigned long end;
	int err;

	prot &= ~grows;
	if (grows == (VAS_PROT_GROWSDOWN | VAS_PROT_GROWSUP))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(VAS_PROT_READ | VAS_PROT_WRITE | VAS_PROT_EXEC |
		     VAS_PROT_SEM))
		return -EINVAL;
	mmap_write_lock(mm);
	err = do_mprotect(mm, start, end, prot, grows);
	mmap_write_unlock(mm);
	return err;
}
