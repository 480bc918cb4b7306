// SPDX-License-Identifier: MIT
/*
 * stack.c - growing a VM_GROWSDOWN VMA down to a faulting address
 * (Linux's expand_stack / expand_downwards / acct_stack_growth), and the
 * address-space and mlock limits every growth checks (may_expand_vm,
 * mlock_future_ok).
 */
#include <errno.h>
#include "vma/anon_vma.h"
#include "vma/vma.h"

/* ---- the limits a growing VMA must keep (also for mmap, mremap, brk) ---- */

bool may_expand_vm(struct mm_struct *mm, unsigned long flags,
		   unsigned long npages)
{
	if (mm->total_vm + npages > rlimit_pages(mm, VAS_RLIMIT_AS))
		return false;
	if (is_data_mapping(flags) &&
	    mm->data_vm + npages > rlimit_pages(mm, VAS_RLIMIT_DATA))
		return false;
	return true;
}

int vm_enough_memory(struct mm_struct *mm, unsigned long pages)
{
	const struct vas_machine_config *cfg = &mm->machine->cfg;
	unsigned long ram = cfg->commit_ram_bytes >> PAGE_SHIFT;
	unsigned long swap = cfg->commit_swap_bytes >> PAGE_SHIFT;
	unsigned long reserve, committed;
	long allowed, c;

	switch (cfg->overcommit_memory) {
	case VAS_OVERCOMMIT_ALWAYS:
		return 0;
	case VAS_OVERCOMMIT_GUESS:
		return pages > ram + swap ? -ENOMEM : 0;
	}
	/* vm_commit_limit(); no huge pages to take off the RAM */
	if (cfg->overcommit_kbytes)
		allowed = (long)(cfg->overcommit_kbytes >> (PAGE_SHIFT - 10));
	else
		allowed = (long)(ram / 100 * cfg->overcommit_ratio +
				 ram % 100 * cfg->overcommit_ratio / 100);
	allowed += (long)swap;
	if (!__atomic_load_n(&mm->cap_sys_admin, __ATOMIC_RELAXED))
		allowed -= (long)(cfg->admin_reserve_kbytes >>
				  (PAGE_SHIFT - 10));
	/* don't let a single process grow so big a user can't recover */
	reserve = cfg->user_reserve_kbytes >> (PAGE_SHIFT - 10);
	allowed -= (long)min_t(unsigned long, mm->total_vm / 32, reserve);
	/* with what this write section has committed so far (0 otherwise) */
	c = __atomic_load_n(&mm->machine->committed, __ATOMIC_RELAXED) +
	    mm->committed_pending;
	committed = (c > 0 ? (unsigned long)c : 0) + pages;
	if (allowed > 0 && committed < (unsigned long)allowed)
		return 0;
	return -ENOMEM;
}

bool mlock_future_ok(struct mm_struct *mm, unsigned long flags,
		     unsigned long bytes)
{
	if (!(flags & VAS_VM_LOCKED) ||
	    __atomic_load_n(&mm->cap_ipc_lock, __ATOMIC_RELAXED))
		return true;
	return (bytes >> PAGE_SHIFT) + mm->locked_vm <=
	       rlimit_pages(mm, VAS_RLIMIT_MEMLOCK);
}

int expand_stack_locked(struct mm_struct *mm, struct vm_area_struct *vma,
			unsigned long addr)
{
	struct vm_area_struct *prev;
	unsigned long grow, size;
	int err;

	mmap_assert_write_locked(mm);
	addr &= PAGE_MASK;
	if (!(vma->vm_flags & VAS_VM_GROWSDOWN) || addr >= vma->vm_start)
		return -EFAULT;
	if (addr < mmap_min_addr(mm->machine))
		return -EPERM;
	/* keep the guard gap to an accessible VMA below */
	prev = rt_prev(&mm->mm_mt, vma->vm_start, NULL, NULL);
	if (prev) {
		if (addr < prev->vm_end)
			return -ENOMEM;
		if (!(prev->vm_flags & VAS_VM_GROWSDOWN) &&
		    (prev->vm_flags & VAS_VM_ACCESS_FLAGS) &&
		    addr - prev->vm_end < mm->machine->cfg.stack_guard_gap)
			return -ENOMEM;
	}
	/* acct_stack_growth() */
	grow = (vma->vm_start - addr) >> PAGE_SHIFT;
	size = vma->vm_end - addr;
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if (size > __atomic_load_n(&mm->rlimit[VAS_RLIMIT_STACK],
				   __ATOMIC_RELAXED))
		return -ENOMEM;
	if (!mlock_future_ok(mm, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	/*
	 * Overcommit, the last test. (Linux charges the growth even for a
	 * stack without VM_ACCOUNT and never gives it back; the model
	 * commits VM_ACCOUNT memory only.)
	 */
	if (vm_enough_memory(mm, grow))
		return -ENOMEM;
	/* expand_downwards() prepares the anon_vma first */
	err = anon_vma_prepare(mm, vma);
	if (err)
		return err;
	{
		VMC_STATE(c, addr, vma->vm_end, vma, vma->vm_pgoff - grow);

		err = vmc_prepare(mm, &c);
		if (err)
			return err;
		vmc_commit(mm, &c);
	}
	return 0;
}
