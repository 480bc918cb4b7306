// SPDX-License-Identifier: MIT
/*
 * mremap.c - mremap(2) as Linux 6.18 has it: parameter checks
 * (check_mremap_params), per-VMA checks (check_prep_vma, remap_is_valid),
 * shrink, expand in place (merging with the next VMA), moves with
 * MREMAP_MAYMOVE / MREMAP_FIXED / MREMAP_DONTUNMAP, and the 6.18 move of
 * several VMAs at once (MREMAP_FIXED with old_len == new_len), which keeps
 * the gaps between them. A move carries the page-table entries along
 * (move_page_tables).
 */
#include <errno.h>
#include "base/bug.h"
#include <vas/file.h>
#include "base/err.h"
#include "vma/anon_vma.h"
#include "page/file.h"
#include "fault/fault.h"
#include "mmap/mmap_internal.h"

#define VM_LOCKED_MASK (VAS_VM_LOCKED | VAS_VM_LOCKONFAULT)

struct vrm {
	unsigned long addr, old_len, new_len, flags, new_addr, delta;
	struct vm_area_struct *vma;
};

static bool implies_new_addr(const struct vrm *r)
{
	return r->flags & (VAS_MREMAP_FIXED | VAS_MREMAP_DONTUNMAP);
}

static int check_params(struct mm_struct *mm, const struct vrm *r)
	VAS_REQUIRES(mm)
{
	if (r->flags & ~(VAS_MREMAP_FIXED | VAS_MREMAP_MAYMOVE |
			 VAS_MREMAP_DONTUNMAP))
		return -EINVAL;
	if (r->addr & ~PAGE_MASK)
		return -EINVAL;
	if (!r->new_len)
		return -EINVAL;
	if (r->new_len > VAS_TASK_SIZE)
		return -EINVAL;
	/* new_addr counts only where it is used (Linux 6.18: since the fix
	 * of "mm/mremap: fix regression in vrm->new_addr check") */
	if (!implies_new_addr(r))
		return 0;
	if (r->new_addr > VAS_TASK_SIZE - r->new_len)
		return -EINVAL;
	if (r->new_addr & ~PAGE_MASK)
		return -EINVAL;
	if (!(r->flags & VAS_MREMAP_MAYMOVE))
		return -EINVAL;
	if ((r->flags & VAS_MREMAP_DONTUNMAP) && r->old_len != r->new_len)
		return -EINVAL;
	if (r->addr + r->old_len > r->new_addr &&
	    r->new_addr + r->new_len > r->addr)
		return -EINVAL;	/* source and target overlap */
	if ((unsigned long)mm->map_count + 2 >=
	    mm->machine->cfg.max_map_count - 3)
		return -ENOMEM;
	return 0;
}

/* remap_is_valid(): the checks for an expand or a move. */
static int remap_is_valid(struct mm_struct *mm, const struct vrm *r)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma = r->vma;
	unsigned long old_len = r->old_len, pgoff;

	if (!old_len && !(vma->vm_flags & (VAS_VM_SHARED | VAS_VM_MAYSHARE)))
		return -EINVAL;
	if ((r->flags & VAS_MREMAP_DONTUNMAP) &&
	    (vma->vm_flags & (VAS_VM_DONTEXPAND | VAS_VM_PFNMAP)))
		return -EINVAL;
	if (r->old_len > r->new_len)	/* shrink: only the kept part counts */
		old_len = r->new_len;
	if (old_len > vma->vm_end - r->addr)
		return -EFAULT;
	if (r->new_len == old_len)
		return 0;
	pgoff = vma->vm_pgoff + ((r->addr - vma->vm_start) >> PAGE_SHIFT);
	if (pgoff + (r->new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (vma->vm_flags & (VAS_VM_DONTEXPAND | VAS_VM_PFNMAP))
		return -EFAULT;
	if (!mlock_future_ok(mm, vma->vm_flags, r->delta))
		return -EAGAIN;
	if (!may_expand_vm(mm, vma->vm_flags, r->delta >> PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

static int check_prep_vma(struct mm_struct *mm, struct vrm *r)
	VAS_REQUIRES(mm)
{
	if (!r->vma)
		return -EFAULT;
	if (r->vma->vm_flags & VAS_VM_SEALED)
		return -EPERM;
	r->delta = r->old_len > r->new_len ? r->old_len - r->new_len :
					     r->new_len - r->old_len;
	if (!implies_new_addr(r))
		r->new_addr = r->addr;
	if (r->new_len > r->old_len || implies_new_addr(r))
		return remap_is_valid(mm, r);
	return 0;
}

/*
 * copy_vma() - A VMA like @src at [addr, addr + len) with file offset
 * @pgoff, merged with its new neighbours where Linux would. The range is
 * unmapped. Return: the VMA now covering it, or an ERR_PTR.
 */
static struct vm_area_struct *copy_vma(struct mm_struct *mm,
				       struct vm_area_struct *src,
				       unsigned long addr, unsigned long len,
				       unsigned long pgoff) VAS_REQUIRES(mm)
{
	unsigned long end = addr + len;
	struct vm_area_struct *next, *t, *new;
	int err;
	VMG_STATE(vmg, mm, addr, end, src->vm_flags, pgoff);

	mmap_assert_write_locked(mm);
	/* An unfaulted anonymous VMA takes the pgoff of its new address. */
	if (!src->vm_file && !src->vm_ops && !src->anon_vma)
		vmg.pgoff = pgoff = addr >> PAGE_SHIFT;
	if (addr)
		vmg.prev = rt_lookup(&mm->mm_mt, addr - 1, NULL, NULL);
	next = rt_lookup(&mm->mm_mt, end, NULL, NULL);
	vmg.next = next && next->vm_start == end ? next : NULL;
	vmg.file = src->vm_file;
	vmg.anon_vma = src->anon_vma;
	vmg.middle = src;	/* the target takes its anon_vma (dup_anon_vma) */
	t = vma_merge_new_range(&vmg);
	if (t)
		return t;
	if (vmg_nomem(&vmg))
		return ERR_PTR(-ENOMEM);

	new = vm_area_alloc(mm);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->vm_start = addr;
	new->vm_end = end;
	new->vm_flags = src->vm_flags;
	new->vm_pgoff = pgoff;
	new->vm_file = src->vm_file ? vma_file_get(src->vm_file) : NULL;
	new->vm_ops = src->vm_ops;
	new->vm_private_data = src->vm_private_data;
	new->anon_vma = anon_vma_get(src->anon_vma);
	new->anon_vma_forked = src->anon_vma_forked;
	{
		VMC_STATE(c, addr, end, new, pgoff);

		err = vmc_prepare(mm, &c);
		if (err) {
			vm_area_free(new);
			return ERR_PTR(err);
		}
		vmc_commit(mm, &c);
	}
	vma_open(new);
	return new;
}

/*
 * unmap_source() - Turn the copy into a move: unmap the source range
 * (unmap_source_vma). As in Linux this is best effort, and the move has
 * already happened: with old_len 0 (the duplicate of a shared mapping)
 * there is nothing to unmap, and when the unmap fails for lack of memory
 * the source VMA stays (its pages are at the new address), without
 * VM_ACCOUNT, which Linux takes off before it unmaps and puts back only
 * on the pieces that remain after a successful unmap.
 */
static void unmap_source(struct mm_struct *mm, const struct vrm *r)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma;

	if (!r->old_len)
		return;
	if (!do_munmap(mm, r->addr, r->old_len))
		return;
	vma = rt_lookup(&mm->mm_mt, r->addr, NULL, NULL);
	if (vma && (vma->vm_flags & VAS_VM_ACCOUNT)) {
		mmap_assert_write_locked(vma->vm_mm);
		vma_start_write(vma);
		vma_account(mm, vma, -1);
		vma->vm_flags &= ~VAS_VM_ACCOUNT;
		vma_account(mm, vma, 1);
	}
}

/*
 * vrm_charge_ok() - Commit accounting of a move or an expansion
 * (vrm_calc_charge): committed memory commits its growth, or all of the
 * new range when MREMAP_DONTUNMAP keeps the old one.
 */
static bool vrm_charge_ok(struct mm_struct *mm, const struct vrm *r)
	VAS_REQUIRES(mm)
{
	unsigned long charged;

	if (!(r->vma->vm_flags & VAS_VM_ACCOUNT))
		return true;
	if (r->flags & VAS_MREMAP_DONTUNMAP)
		charged = r->new_len >> PAGE_SHIFT;
	else
		charged = r->delta >> PAGE_SHIFT;
	return !vm_enough_memory(mm, charged);
}

/*
 * move_vma(): copy the range to r->new_addr, then unmap the source.
 * Return: the new address once the copy is made (whatever the unmap of
 * the source does), or -errno with nothing changed.
 */
static long move_vma(struct mm_struct *mm, struct vrm *r) VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma = r->vma, *moved;
	unsigned long pgoff;
	int err;

	if ((unsigned long)mm->map_count >= mm->machine->cfg.max_map_count - 3)
		return -ENOMEM;
	if (!vrm_charge_ok(mm, r))
		return -ENOMEM;
	pgoff = vma->vm_pgoff + ((r->addr - vma->vm_start) >> PAGE_SHIFT);
	/*
	 * The entries move first (move_page_tables), with the source VMA
	 * write-locked so that no fault races them; the destination has no
	 * VMA yet. If the new VMA cannot be made they move back (the source
	 * tables are still there, so that needs no memory).
	 */
	mmap_assert_write_locked(vma->vm_mm);
	vma_start_write(vma);
	err = move_page_tables(mm, r->addr, r->new_addr, r->old_len);
	if (err)
		return err;
	moved = copy_vma(mm, vma, r->new_addr, r->new_len, pgoff);
	if (IS_ERR(moved)) {
		err = move_page_tables(mm, r->new_addr, r->addr, r->old_len);
		VAS_WARN_ON(err);
		pt_free_range(mm->pgd, r->new_addr, r->new_addr + r->old_len,
			      r->new_addr, r->new_addr + r->old_len);
		return PTR_ERR(moved);
	}
	if (r->flags & VAS_MREMAP_DONTUNMAP) {
		/* the source stays, without its pages and mlock (6.18 keeps
		 * VM_ACCOUNT on it) */
		vma = rt_lookup(&mm->mm_mt, r->addr, NULL, NULL);
		if (vma) {
			vma_account(mm, vma, -1);
			mmap_assert_write_locked(vma->vm_mm);
			vma_start_write(vma);
			vma->vm_flags &= ~VM_LOCKED_MASK;
			vma_account(mm, vma, 1);
			/* all of it moved: its anon_vma links go (unlink_anon_vmas) */
			if (vma != moved && vma->vm_start == r->addr &&
			    vma->vm_end == r->addr + r->old_len) {
				anon_vma_put(vma->anon_vma);
				vma->anon_vma = NULL;
				vma->anon_vma_forked = false;
			}
		}
	} else {
		unmap_source(mm, r);
	}
	return (long)r->new_addr;
}

static long mremap_to(struct mm_struct *mm, struct vrm *r) VAS_REQUIRES(mm)
{
	long found;
	int err;

	if (r->flags & VAS_MREMAP_FIXED) {
		err = do_munmap(mm, r->new_addr, r->new_len);
		if (err)
			return err;
		r->vma = rt_lookup(&mm->mm_mt, r->addr, NULL, NULL);
		if (!r->vma)
			return -EFAULT;
	}
	if (r->old_len > r->new_len) {
		err = do_munmap(mm, r->addr + r->new_len, r->delta);
		if (err)
			return err;
		r->vma = rt_lookup(&mm->mm_mt, r->addr, NULL, NULL);
		if (!r->vma)
			return -EFAULT;
		r->old_len = r->new_len;
	}
	if ((r->flags & VAS_MREMAP_DONTUNMAP) &&
	    !may_expand_vm(mm, r->vma->vm_flags, r->old_len >> PAGE_SHIFT))
		return -ENOMEM;
	found = get_unmapped_area(mm, implies_new_addr(r) ? r->new_addr : 0,
				  r->new_len,
				  (r->flags & VAS_MREMAP_FIXED) ? VAS_MAP_FIXED : 0);
	if (found < 0)
		return found;
	r->new_addr = (unsigned long)found;
	return move_vma(mm, r);
}

/* Grow r->vma in place by r->delta (vma_merge_extend). */
static long expand_in_place(struct mm_struct *mm, struct vrm *r)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma = r->vma, *next;
	unsigned long end = vma->vm_end + r->delta;
	VMG_STATE(vmg, mm, vma->vm_end, end, vma->vm_flags,
		  vma->vm_pgoff + vma_pages(vma));

	mmap_assert_write_locked(mm);
	if (!vrm_charge_ok(mm, r))
		return -ENOMEM;
	if (vma->vm_flags & VAS_VM_SPECIAL)
		return -ENOMEM;	/* vma_merge_new_range() refuses */
	vmg.file = vma->vm_file;
	vmg.anon_vma = vma->anon_vma;
	vmg.prev = vma;
	next = rt_lookup(&mm->mm_mt, end, NULL, NULL);
	vmg.next = next && next->vm_start == end ? next : NULL;
	/* vma_merge_extend(): vma grows over the range, and over next if it can */
	if (!vma_merge_new_range(&vmg))
		return -ENOMEM;
	return (long)r->addr;
}

static bool can_expand_in_place(struct mm_struct *mm, const struct vrm *r)
	VAS_REQUIRES(mm)
{
	unsigned long end = r->vma->vm_end + r->delta, s;

	if (r->vma->vm_end - r->addr != r->old_len)
		return false;
	if (end < r->vma->vm_end || end > VAS_TASK_SIZE)
		return false;
	/* vma_expandable() asks get_unmapped_area() for vm_start: -EPERM */
	if (r->vma->vm_start < mm->machine->cfg.mmap_min_addr &&
	    !__atomic_load_n(&mm->cap_sys_rawio, __ATOMIC_RELAXED))
		return false;
	return !(rt_find(&mm->mm_mt, r->vma->vm_end, &s, NULL) && s < end);
}

static long mremap_at(struct mm_struct *mm, struct vrm *r) VAS_REQUIRES(mm)
{
	long found;
	int err;

	if (r->old_len == r->new_len)
		return (long)r->addr;
	if (r->old_len > r->new_len) {
		err = do_munmap(mm, r->addr + r->new_len, r->delta);
		return err ? err : (long)r->addr;
	}
	if (can_expand_in_place(mm, r))
		return expand_in_place(mm, r);
	if (!(r->flags & VAS_MREMAP_MAYMOVE))
		return -ENOMEM;
	found = get_unmapped_area(mm, 0, r->new_len, 0);
	if (found < 0)
		return found;
	r->new_addr = (unsigned long)found;
	return move_vma(mm, r);
}

/*
 * remap_move() - MREMAP_FIXED with old_len == new_len: every VMA in the
 * source range moves, keeping the gaps between them; no gap at the start.
 */
static long remap_move(struct mm_struct *mm, struct vrm *r) VAS_REQUIRES(mm)
{
	unsigned long start = r->addr, end = r->addr + r->old_len;
	unsigned long target = r->new_addr, last_end = 0, pos = start;
	long res = -EFAULT, one;
	bool seen = false;
	int flags = (int)r->flags;

	while (pos < end) {	/* the search is bounded by end (vma_find) */
		unsigned long s, e, addr, len, offset;
		struct vm_area_struct *vma = rt_find(&mm->mm_mt, pos, &s, &e);

		if (!vma || s >= end)
			break;
		if (!seen && start < s)
			return -EFAULT;
		addr = s > start ? s : start;
		len = (e < end ? e : end) - addr;
		offset = seen ? s - last_end : 0;
		last_end = e;
		*r = (struct vrm){ .addr = addr, .old_len = len, .new_len = len,
				   .flags = (unsigned long)flags,
				   .new_addr = target + offset, .vma = vma };
		one = check_prep_vma(mm, r);
		if (!one)
			one = mremap_to(mm, r);
		if (one < 0)
			return one;
		if (!seen)
			res = one;
		seen = true;
		target = (unsigned long)one + len;
		/*
		 * Go on after the VMA as it was found (Linux's iterator):
		 * with MREMAP_DONTUNMAP the source stays, and must not be
		 * found again.
		 */
		pos = e;
	}
	return res;
}

int vas_mremap(struct vas_mm_user *u, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, int flags, unsigned long new_addr,
	       unsigned long *addrp)
{
	struct mm_struct *mm = mm_of_user(u);
	struct vrm r = { .addr = addr, .flags = (unsigned long)(unsigned)flags,
			 .new_addr = new_addr };
	long res;

	r.old_len = (old_len + PAGE_SIZE - 1) & PAGE_MASK;
	r.new_len = (new_len + PAGE_SIZE - 1) & PAGE_MASK;
	mmap_write_lock(mm);
	res = check_params(mm, &r);
	if (res)
		goto out;
	if ((r.flags & VAS_MREMAP_FIXED) && r.old_len == r.new_len) {
		res = remap_move(mm, &r);
	} else {
		r.vma = rt_lookup(&mm->mm_mt, r.addr, NULL, NULL);
		res = check_prep_vma(mm, &r);
		if (!res)
			res = implies_new_addr(&r) ? mremap_to(mm, &r) :
						     mremap_at(mm, &r);
	}
	/* an mlock()ed VMA that grew is populated (errors ignored) */
	if (res >= 0 && r.vma && r.new_len > r.old_len) {
		struct vm_area_struct *v = rt_lookup(&mm->mm_mt,
						     (unsigned long)res, NULL, NULL);

		if (v && (v->vm_flags & VAS_VM_LOCKED))
			mm_populate(mm, (unsigned long)res + r.old_len,
					     (unsigned long)res + r.new_len);
	}
out:
	mmap_write_unlock(mm);
	if (res < 0)
		return (int)res;
	*addrp = (unsigned long)res;
	return 0;
}
