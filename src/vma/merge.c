// SPDX-License-Identifier: MIT
/*
 * merge.c - the one merge engine: when Linux 6.18 merges VMAs and how
 * (mm/vma.c: vma_merge_new_range, vma_merge_existing_range), and
 * vma_modify_flags(), which changes the flags of part of a VMA with the
 * merges and splits Linux makes (vma_modify).
 *
 * Two VMAs merge when the flags are equal (VM_SOFTDIRTY aside), the file
 * is the same, the file offsets are contiguous (anonymous memory: the
 * address >> PAGE_SHIFT at creation), the anon_vmas are compatible (equal,
 * or one side has none and the other was not inherited through fork), and
 * neither is VM_SPECIAL. A VMA that a merge would remove must not have a
 * vm_ops->close.
 */
#include "vma/vma_internal.h"

/*
 * Flags that do not stop a merge. VM_MAYBE_GUARD is sticky too: the merged
 * VMA has it if any part had it (vmc_commit() carries it over).
 */
#define VM_IGNORE_MERGE (VAS_VM_SOFTDIRTY | VM_STICKY)

static bool is_mergeable_vma(const struct vma_merge_struct *vmg,
			     const struct vm_area_struct *v)
{
	if ((v->vm_flags ^ vmg->vm_flags) & ~VM_IGNORE_MERGE)
		return false;
	return v->vm_file == vmg->file;
}

static bool is_mergeable_anon_vma(const struct vma_merge_struct *vmg,
				  const struct vm_area_struct *tgt)
{
	const struct vm_area_struct *src = vmg->middle;

	/* We would take src's anon_vma into tgt. */
	if (!tgt->anon_vma && vmg->anon_vma)
		return !(src && src->anon_vma && src->anon_vma_forked);
	/* We would use tgt's anon_vma. */
	if (tgt->anon_vma && !vmg->anon_vma)
		return !tgt->anon_vma_forked;
	return tgt->anon_vma == vmg->anon_vma;
}

/* A VMA whose removal by a merge is allowed (no vm_ops->close). */
static bool can_merge_remove_vma(const struct vm_area_struct *vma)
{
	return !vma->vm_ops || !vma->vm_ops->close;
}

/* Both neighbours' anon_vmas compatible with each other. */
static bool anon_vmas_compatible(const struct vm_area_struct *a,
				 const struct vm_area_struct *b)
{
	return !a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma;
}

/*
 * A neighbour that straddles an edge of the range (MAP_FIXED over part of
 * it) and has open/close: vas does not merge with it (mmap.c explains).
 * Never true of a neighbour that only touches the range.
 */
static bool cut_with_ops(const struct vm_area_struct *v, unsigned long start,
			 unsigned long end)
{
	return (v->vm_start < start ? v->vm_end > start : v->vm_start < end) &&
	       vma_has_open_close(v);
}

/* vmg->prev can take the range: its pgoff at vmg->start is vmg->pgoff. */
static bool can_vma_merge_after(const struct vma_merge_struct *vmg)
{
	const struct vm_area_struct *prev = vmg->prev;

	return is_mergeable_vma(vmg, prev) && is_mergeable_anon_vma(vmg, prev) &&
	       prev->vm_pgoff + ((vmg->start - prev->vm_start) >> PAGE_SHIFT) ==
		       vmg->pgoff;
}

/* vmg->next can take the range: its pgoff at vmg->end follows the range. */
static bool can_vma_merge_before(const struct vma_merge_struct *vmg)
{
	const struct vm_area_struct *next = vmg->next;
	unsigned long pglen = (vmg->end - vmg->start) >> PAGE_SHIFT;

	return is_mergeable_vma(vmg, next) && is_mergeable_anon_vma(vmg, next) &&
	       next->vm_pgoff + ((vmg->end - next->vm_start) >> PAGE_SHIFT) ==
		       vmg->pgoff + pglen;
}

static bool can_vma_merge_left(const struct vma_merge_struct *vmg)
{
	return vmg->prev && can_vma_merge_after(vmg) &&
	       !cut_with_ops(vmg->prev, vmg->start, vmg->end);
}

static bool can_vma_merge_right(const struct vma_merge_struct *vmg,
				bool can_merge_left)
{
	struct vm_area_struct *prev = vmg->prev, *next = vmg->next;

	if (!next || !can_vma_merge_before(vmg) ||
	    cut_with_ops(next, vmg->start, vmg->end))
		return false;
	if (!can_merge_left)
		return true;
	/* prev would take both: their anon_vmas must agree, next must go */
	return anon_vmas_compatible(prev, next) &&
	       (next == prev || can_merge_remove_vma(next));
}

/* The decision, the same for every kind of merge. */
static void vmg_decide(const struct vma_merge_struct *vmg, bool *left,
		       bool *right)
{
	*left = *right = false;
	if (vmg->vm_flags & VAS_VM_SPECIAL)
		return;
	*left = can_vma_merge_left(vmg);
	*right = can_vma_merge_right(vmg, *left);
}

/*
 * Grow @t over [s, e) (with @pgoff); @t takes @anon_src's anon_vma, then
 * @anon_src2's, if it has none (dup_anon_vma), once nothing can fail any
 * more. Return: 0, or -ENOMEM with nothing changed (state set).
 */
static int vmg_commit(struct vma_merge_struct *vmg, struct vm_area_struct *t,
		      unsigned long s, unsigned long e, unsigned long pgoff,
		      const struct vm_area_struct *anon_src,
		      const struct vm_area_struct *anon_src2)
{
	struct mm_struct *mm = vmg->mm;

	mmap_assert_write_locked(mm);
	{
		VMC_STATE(c, s, e, t, pgoff);
		int err;

		c.zap_start = vmg->zap_start;
		c.zap_end = vmg->zap_end;
		c.vmi = vmg->vmi;
		err = vmc_prepare(mm, &c);
		if (err) {
			vmg->state = VMA_MERGE_ERROR_NOMEM;
			return err;
		}
		if (anon_src)
			vma_take_anon_vma(t, anon_src);
		if (anon_src2)
			vma_take_anon_vma(t, anon_src2);
		vmc_commit(mm, &c);
		vmg->vm_flags |= c.sticky;
	}
	vmg->state = VMA_MERGE_SUCCESS;
	stats_add(&mm->machine->stats, VAS_STAT_VMA_MERGE, 1);
	return 0;
}

struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg)
{
	struct mm_struct *mm = vmg->mm;
	struct vm_area_struct *prev = vmg->prev, *next = vmg->next, *t;
	unsigned long ts, te, tpgoff;
	bool merge_left, merge_right;

	mmap_assert_write_locked(mm);
	vmg_decide(vmg, &merge_left, &merge_right);
	vmg->merge_next = false;
	if (merge_left) {
		t = prev;
		ts = prev->vm_start;
		te = merge_right ? next->vm_end : vmg->end;
		tpgoff = prev->vm_pgoff;
	} else if (merge_right && next->vm_start >= vmg->start) {
		t = next;
		ts = vmg->start;
		te = next->vm_end;
		tpgoff = vmg->pgoff;
	} else {
		/*
		 * No VMA grows. When next straddles both edges (one VMA around
		 * a MAP_FIXED range) and would merge, the caller's new VMA
		 * takes the place of next's upper part instead.
		 */
		vmg->merge_next = merge_right;
		vmg->state = VMA_MERGE_NOMERGE;
		return NULL;
	}
	if (vmg_commit(vmg, t, ts, te, tpgoff, vmg->middle,
		       merge_left && merge_right ? next : NULL))
		return NULL;
	/* The merged VMA keeps the range's sticky flags (t write-locked). */
	t->vm_flags |= vmg->vm_flags & VM_STICKY;
	return t;
}

struct vm_area_struct *vma_merge_existing_range(struct vma_merge_struct *vmg)
{
	struct mm_struct *mm = vmg->mm;
	struct vm_area_struct *vma = vmg->middle, *prev = NULL, *next = NULL, *t;
	bool left_side = vmg->start == vma->vm_start;
	bool right_side = vmg->end == vma->vm_end;
	bool merge_left, merge_right;
	unsigned long flags;

	mmap_assert_write_locked(mm);
	vmg->file = vma->vm_file;
	vmg->anon_vma = vma->anon_vma;
	vmg->state = VMA_MERGE_NOMERGE;
	/* from the caller's iterator (its last step returned vma), if any */
	if (left_side) {
		prev = vmg->vmi ? rt_iter_prev_entry(vmg->vmi, NULL, NULL) :
				  vma_prev_of(mm, vma);
		if (prev && prev->vm_end != vmg->start)
			prev = NULL;
	}
	if (right_side) {
		next = vmg->vmi ? rt_iter_next_entry(vmg->vmi, NULL, NULL) :
				  vma_next_of(mm, vma);
		if (next && next->vm_start != vmg->end)
			next = NULL;
	}
	vmg->prev = prev;
	vmg->next = next;
	vmg_decide(vmg, &merge_left, &merge_right);
	if (!merge_left && !merge_right)
		return NULL;
	/* The whole of vma goes away in a merge: it must be removable. */
	if (left_side && right_side && !can_merge_remove_vma(vma))
		return NULL;
	if (merge_left && merge_right) {	/* dup_anon_vma(prev, next ?: middle) */
		t = prev;
		if (vmg_commit(vmg, prev, prev->vm_start, next->vm_end,
			       prev->vm_pgoff, next->anon_vma ? next : vma,
			       NULL))
			return NULL;
	} else if (merge_left) {	/* prev takes [start, end); vma keeps the rest */
		t = prev;
		if (vmg_commit(vmg, prev, prev->vm_start, vmg->end,
			       prev->vm_pgoff, vma, NULL))
			return NULL;
	} else {	/* next grows down to start; vma keeps what is below */
		t = next;
		if (vmg_commit(vmg, next, vmg->start, next->vm_end, vmg->pgoff,
			       vma, NULL))
			return NULL;
	}
	flags = vmg->vm_flags;	/* with the sticky flags absorbed */
	if (t->vm_flags != flags) {	/* VM_SOFTDIRTY may differ */
		vma_account(mm, t, -1);
		t->vm_flags = flags;
		vma_account(mm, t, 1);
	}
	return t;
}

struct vm_area_struct *vma_modify_flags_vmi(struct mm_struct *mm,
					    const struct rt_iter *vmi,
					    struct vm_area_struct *vma,
					    unsigned long start,
					    unsigned long end,
					    unsigned long newflags)
{
	struct vm_area_struct *merged;

	mmap_assert_write_locked(mm);
	VMG_STATE(vmg, mm, start, end, newflags,
		  vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT));
	vmg.middle = vma;
	vmg.vmi = vmi;
	merged = vma_merge_existing_range(&vmg);
	if (merged)
		return merged;
	if (vmg_nomem(&vmg))
		return ERR_PTR(-ENOMEM);
	/* No merge: split off what lies outside [start, end), at once. */
	return vma_carve_vmi(mm, vmi, vma, start, end, newflags);
}

struct vm_area_struct *vma_modify_flags(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long newflags)
{
	return vma_modify_flags_vmi(mm, NULL, vma, start, end, newflags);
}
