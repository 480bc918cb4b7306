// SPDX-License-Identifier: MIT
/*
 * brk.c - brk(2) (SYSCALL_DEFINE1(brk), do_brk_flags): the heap grows by
 * extending the VMA that ends at the old break, or by a new VMA; it shrinks
 * by unmapping; a refused request leaves the break where it was.
 */
#include <errno.h>
#include "vma/anon_vma.h"
#include "mmap/mmap_internal.h"

#define VM_DATA_DEFAULT_FLAGS                                                 \
	(VAS_VM_READ | VAS_VM_WRITE | VAS_VM_MAYREAD | VAS_VM_MAYWRITE |       \
	 VAS_VM_MAYEXEC)

int vas_mm_set_brk_start(struct vas_mm_user *u, unsigned long start)
{
	struct mm_struct *mm = mm_of_user(u);
	int err = 0;

	if ((start & ~PAGE_MASK) || !start || start >= VAS_TASK_SIZE)
		return -EINVAL;
	mmap_write_lock(mm);
	if (mm->start_brk)
		err = -EBUSY;
	else
		mm->start_brk = mm->brk = start;
	mmap_write_unlock(mm);
	return err;
}

/* do_brk_flags(): map [addr, addr + len) as heap, extending @brkvma. */
static int do_brk_flags(struct mm_struct *mm, struct vm_area_struct *brkvma,
			unsigned long addr, unsigned long len) VAS_REQUIRES(mm)
{
	unsigned long flags = VM_DATA_DEFAULT_FLAGS | VAS_VM_ACCOUNT | mm->def_flags;
	struct vm_area_struct *t, *vma = NULL;
	unsigned long ts;
	int err;

	if ((unsigned long)mm->map_count > mm->machine->cfg.max_map_count)
		return -ENOMEM;
	if (!may_expand_vm(mm, flags, len >> PAGE_SHIFT))
		return -ENOMEM;
	if (vm_enough_memory(mm, len >> PAGE_SHIFT))	/* commit accounting */
		return -ENOMEM;
	if (brkvma && brkvma->vm_end == addr && !brkvma->anon_vma_forked &&
	    (brkvma->vm_flags & ~VAS_VM_SOFTDIRTY) == flags && !brkvma->vm_file) {
		t = brkvma;	/* expand the existing heap VMA */
		ts = brkvma->vm_start;
	} else {
		vma = vm_area_alloc(mm);
		if (!vma)
			return -ENOMEM;
		vma->vm_start = addr;
		vma->vm_end = addr + len;
		vma->vm_flags = flags;
		vma->vm_pgoff = addr >> PAGE_SHIFT;
		t = vma;
		ts = addr;
	}
	{
		VMC_STATE(c, ts, addr + len, t, t == vma ? addr >> PAGE_SHIFT :
							    brkvma->vm_pgoff);

		err = vmc_prepare(mm, &c);
		if (err) {
			if (vma)
				vm_area_free(vma);
			return err;
		}
		vmc_commit(mm, &c);
	}
	return 0;
}

int vas_brk(struct vas_mm_user *u, unsigned long brk, unsigned long *brkp)
{
	struct mm_struct *mm = mm_of_user(u);
	unsigned long origbrk, newbrk, oldbrk, gap, s;
	struct vm_area_struct *next, *brkvma;

	mmap_write_lock(mm);
	origbrk = mm->brk;
	if (!mm->start_brk || brk < mm->start_brk)
		goto out;
	/* RLIMIT_DATA counts the heap (check_data_rlimit) */
	if (rlimit_pages(mm, VAS_RLIMIT_DATA) != ~0UL &&
	    brk - mm->start_brk > mm->rlimit[VAS_RLIMIT_DATA])
		goto out;
	newbrk = (brk + PAGE_SIZE - 1) & PAGE_MASK;
	oldbrk = (mm->brk + PAGE_SIZE - 1) & PAGE_MASK;
	if (oldbrk == newbrk) {
		mm->brk = brk;
		goto success;
	}
	if (brk <= mm->brk) {	/* shrinking is always allowed */
		brkvma = rt_find(&mm->mm_mt, newbrk, &s, NULL);
		if (!brkvma || s >= oldbrk)
			goto out;
		if (do_munmap(mm, newbrk, oldbrk - newbrk))
			goto out;
		mm->brk = brk;
		goto success;
	}
	/* check_brk_limits(): the range must be placeable */
	if (newbrk - oldbrk > VAS_TASK_SIZE || oldbrk > VAS_TASK_SIZE - (newbrk - oldbrk))
		goto out;
	gap = mm->machine->cfg.stack_guard_gap;
	next = rt_find(&mm->mm_mt, oldbrk, &s, NULL);
	if (next && s < newbrk + PAGE_SIZE + gap) {
		unsigned long sg = s;

		if (next->vm_flags & VAS_VM_GROWSDOWN)
			sg = s > gap ? s - gap : 0;
		if (newbrk + PAGE_SIZE > sg)
			goto out;
	}
	brkvma = oldbrk > mm->start_brk ?
		 rt_lookup(&mm->mm_mt, oldbrk - 1, NULL, NULL) : NULL;
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk) < 0)
		goto out;
	mm->brk = brk;
	if (mm->def_flags & VAS_VM_LOCKED)	/* mlockall(MCL_FUTURE) */
		mm_populate(mm, oldbrk, newbrk);
success:
	*brkp = brk;
	mmap_write_unlock(mm);
	return 0;
out:
	mm->brk = origbrk;
	*brkp = origbrk;
	mmap_write_unlock(mm);
	return 0;
}
