// SPDX-License-Identifier: MIT
/*
 * mlock.c - mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2):
 * VM_LOCKED / VM_LOCKONFAULT on ranges, RLIMIT_MEMLOCK unless the address
 * space has CAP_IPC_LOCK, locked_vm accounting, and populating what was
 * locked (__mm_populate, VMA by VMA).
 */
#include <errno.h>
#include <limits.h>
#include "base/err.h"
#include "vma/anon_vma.h"
#include "mmap/mmap_internal.h"

#define VM_LOCKED_MASK (VAS_VM_LOCKED | VAS_VM_LOCKONFAULT)

static bool vma_supports_mlock(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VAS_VM_SPECIAL | VAS_VM_DROPPABLE));
}

static int mlock_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
		       unsigned long start, unsigned long end,
		       unsigned long newflags) VAS_REQUIRES(mm)
{
	struct vm_area_struct *got;

	if (newflags == vma->vm_flags || !vma_supports_mlock(vma))
		return 0;
	/* vma_modify_flags keeps locked_vm (it accounts VM_LOCKED pages) */
	got = vma_modify_flags(mm, vma, start, end, newflags);
	return IS_ERR(got) ? (int)PTR_ERR(got) : 0;
}

/* apply_vma_lock_flags(): @start page aligned, @len a page multiple. */
static int apply_vma_lock_flags(struct mm_struct *mm, unsigned long start,
				unsigned long len, unsigned long flags)
	VAS_REQUIRES(mm)
{
	unsigned long end = start + len, nstart, tmp;
	struct vm_area_struct *vma;
	int error;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	vma = rt_lookup(&mm->mm_mt, start, NULL, NULL);
	if (!vma)
		return -ENOMEM;
	nstart = start;
	tmp = vma->vm_start;
	while (vma && vma->vm_start < end) {
		unsigned long newflags;

		if (vma->vm_start != tmp)
			return -ENOMEM;
		newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		error = mlock_fixup(mm, vma, nstart, tmp, newflags);
		if (error)
			return error;
		rt_lookup(&mm->mm_mt, tmp - 1, NULL, &tmp);
		nstart = tmp;
		vma = rt_find(&mm->mm_mt, tmp, NULL, NULL);
	}
	return tmp < end ? -ENOMEM : 0;
}

/* Pages of [start, start + len) already in VM_LOCKED VMAs. */
static unsigned long count_mlocked(struct mm_struct *mm, unsigned long start,
				   unsigned long len) VAS_REQUIRES(mm)
{
	unsigned long end = start + len, n = 0, s, e;
	struct vm_area_struct *vma;
	struct rt_iter it;

	rt_iter_init(&it, &mm->mm_mt, start, end);
	while ((vma = rt_iter_next(&it, &s, &e)))
		if (vma->vm_flags & VAS_VM_LOCKED)
			n += (min_t(unsigned long, e, end) -
			      max_t(unsigned long, s, start)) >> PAGE_SHIFT;
	return n;
}

/*
 * __mm_populate() after mlock: VMA by VMA; VM_IO/VM_PFNMAP and
 * lock-on-fault VMAs are skipped; a VMA without any access (PROT_NONE)
 * cannot be faulted in and stops the walk with -EFAULT, which mlock
 * reports as -ENOMEM; running out of memory is reported as -EAGAIN.
 */
static int mlock_populate(struct mm_struct *mm, unsigned long start,
			  unsigned long len) VAS_REQUIRES(mm)
{
	unsigned long end = start + len, e;
	struct vm_area_struct *vma;

	while (start < end && (vma = rt_find(&mm->mm_mt, start, NULL, &e)) &&
	       vma->vm_start < end) {
		unsigned long to = e < end ? e : end, from = start;
		int err;

		start = e;
		if (vma->vm_flags & (VAS_VM_IO | VAS_VM_PFNMAP | VAS_VM_LOCKONFAULT))
			continue;
		if (!(vma->vm_flags & VAS_VM_ACCESS_FLAGS))
			return -ENOMEM;	/* -EFAULT, as mlock reports it */
		err = vma_populate(mm, vma, from, to);
		if (err == -ENOMEM)
			return -EAGAIN;
		if (err)
			return -ENOMEM;	/* -EFAULT from the fault */
	}
	return 0;
}

static bool can_do_mlock(struct mm_struct *mm)
{
	return __atomic_load_n(&mm->cap_ipc_lock, __ATOMIC_RELAXED) ||
	       rlimit_pages(mm, VAS_RLIMIT_MEMLOCK) != 0;
}

static int do_mlock(struct mm_struct *mm, unsigned long start,
		    unsigned long len, unsigned long flags)
{
	bool cap = __atomic_load_n(&mm->cap_ipc_lock, __ATOMIC_RELAXED);
	unsigned long locked, limit;
	int error = -ENOMEM;

	if (!can_do_mlock(mm))
		return -EPERM;
	len = (len + (start & ~PAGE_MASK) + PAGE_SIZE - 1) & PAGE_MASK;
	start &= PAGE_MASK;
	limit = rlimit_pages(mm, VAS_RLIMIT_MEMLOCK);
	mmap_write_lock(mm);
	locked = (len >> PAGE_SHIFT) + mm->locked_vm;
	if (locked > limit && !cap)
		locked -= count_mlocked(mm, start, len);
	if (locked <= limit || cap)
		error = apply_vma_lock_flags(mm, start, len, flags);
	if (!error)
		error = mlock_populate(mm, start, len);
	mmap_write_unlock(mm);
	return error;
}

int vas_mlock(struct vas_mm_user *u, unsigned long addr, unsigned long len)
{
	return do_mlock(mm_of_user(u), addr, len, VAS_VM_LOCKED);
}

int vas_mlock2(struct vas_mm_user *u, unsigned long addr, unsigned long len,
	       int flags)
{
	unsigned long vm_flags = VAS_VM_LOCKED;

	if (flags & ~VAS_MLOCK_ONFAULT)
		return -EINVAL;
	if (flags & VAS_MLOCK_ONFAULT)
		vm_flags |= VAS_VM_LOCKONFAULT;
	return do_mlock(mm_of_user(u), addr, len, vm_flags);
}

int vas_munlock(struct vas_mm_user *u, unsigned long addr, unsigned long len)
{
	struct mm_struct *mm = mm_of_user(u);
	int err;

	len = (len + (addr & ~PAGE_MASK) + PAGE_SIZE - 1) & PAGE_MASK;
	addr &= PAGE_MASK;
	mmap_write_lock(mm);
	err = apply_vma_lock_flags(mm, addr, len, 0);
	mmap_write_unlock(mm);
	return err;
}

/* apply_mlockall_flags(): errors on single VMAs are ignored, as in Linux. */
static void apply_mlockall_flags(struct mm_struct *mm, int flags)
	VAS_REQUIRES(mm)
{
	unsigned long to_add = 0, addr = 0, e;
	struct vm_area_struct *vma;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & VAS_MCL_FUTURE) {
		mm->def_flags |= VAS_VM_LOCKED;
		if (flags & VAS_MCL_ONFAULT)
			mm->def_flags |= VAS_VM_LOCKONFAULT;
		if (!(flags & VAS_MCL_CURRENT))
			return;
	}
	if (flags & VAS_MCL_CURRENT) {
		to_add |= VAS_VM_LOCKED;
		if (flags & VAS_MCL_ONFAULT)
			to_add |= VAS_VM_LOCKONFAULT;
	}
	while ((vma = rt_find(&mm->mm_mt, addr, NULL, &e))) {
		unsigned long newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;

		(void)mlock_fixup(mm, vma, vma->vm_start, vma->vm_end, newflags);
		/* the VMA may have merged: go on after whatever covers e - 1 */
		rt_lookup(&mm->mm_mt, e - 1, NULL, &addr);
	}
	/* mm_populate(0, TASK_SIZE) with errors ignored */
	if ((flags & VAS_MCL_CURRENT) && !(flags & VAS_MCL_ONFAULT))
		mm_populate(mm, 0, VAS_TASK_SIZE);
}

int vas_mlockall(struct vas_mm_user *u, int flags)
{
	struct mm_struct *mm = mm_of_user(u);
	bool cap = __atomic_load_n(&mm->cap_ipc_lock, __ATOMIC_RELAXED);
	int ret = -ENOMEM;

	if (!flags || (flags & ~(VAS_MCL_CURRENT | VAS_MCL_FUTURE |
				 VAS_MCL_ONFAULT)) || flags == VAS_MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(mm))
		return -EPERM;
	mmap_write_lock(mm);
	if (!(flags & VAS_MCL_CURRENT) ||
	    mm->total_vm <= rlimit_pages(mm, VAS_RLIMIT_MEMLOCK) || cap) {
		apply_mlockall_flags(mm, flags);
		ret = 0;
	}
	mmap_write_unlock(mm);
	return ret;
}

int vas_munlockall(struct vas_mm_user *u)
{
	struct mm_struct *mm = mm_of_user(u);

	mmap_write_lock(mm);
	apply_mlockall_flags(mm, 0);
	mmap_write_unlock(mm);
	return 0;
}
