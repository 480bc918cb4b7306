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

/*
 * mprotect_fixup() - Give [start, end) of @vma (the VMA @vmi's last step
 * returned) @newflags. Return: 0 and in *@coverp the VMA that covers the
 * range now (a merge may carry it past @end), or an error.
 */
static int mprotect_fixup(struct mm_struct *mm, const struct rt_iter *vmi,
			  struct vm_area_struct *vma, unsigned long start,
			  unsigned long end, unsigned long newflags,
			  struct vm_area_struct **coverp) VAS_REQUIRES(mm)
{
	unsigned long oldflags = vma->vm_flags;
	unsigned long nrpages = (end - start) >> PAGE_SHIFT;
	struct vm_area_struct *got;

	*coverp = vma;
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
				  VAS_VM_SHARED | VAS_VM_NORESERVE))) {
			/* private memory turns writable: it is committed */
			if (vm_enough_memory(mm, nrpages))
				return -ENOMEM;
			newflags |= VAS_VM_ACCOUNT;
		}
	} else if ((oldflags & VAS_VM_ACCOUNT) && vma_is_anonymous(vma) &&
		   !vma->anon_vma) {
		newflags &= ~VAS_VM_ACCOUNT;
	}
	got = vma_modify_flags_vmi(mm, vmi, vma, start, end, newflags);
	if (IS_ERR(got))
		return (int)PTR_ERR(got);
	*coverp = got;
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
	struct vm_area_struct *vma, *cover;
	unsigned long nstart, tmp;
	struct rt_iter vmi;	/* one position for the whole call */
	int error;

	/* find_vma(start), if it starts below end */
	rt_iter_init(&vmi, &mm->mm_mt, start, end);
	vma = rt_iter_next(&vmi, NULL, NULL);
	if (!vma)
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
		error = mprotect_fixup(mm, &vmi, vma, nstart, tmp, newflags,
				       &cover);
		if (error)
			break;
		/*
		 * Go on after the VMA that now covers the changed range: a
		 * merge may have carried it past tmp (vma_iter_end()).
		 */
		tmp = cover->vm_end;
		nstart = tmp;
		if (tmp >= end)
			break;	/* nothing more to look up */
		/* find_vma(tmp): from the leaf if nothing changed, else a walk */
		vma = rt_iter_seek(&vmi, tmp, end) ?
			      rt_iter_next(&vmi, NULL, NULL) : NULL;
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
