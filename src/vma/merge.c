// SPDX-License-Identifier: MIT
/*
 * merge.c - when Linux 6.18 merges VMAs, and vma_modify_flags(), which
 * changes the flags of part of a VMA with the merges and splits Linux
 * makes (mm/vma.c: vma_merge_existing_range, vma_modify).
 *
 * Two VMAs merge when the flags are equal (VM_SOFTDIRTY aside), the file
 * is the same, the file offsets are contiguous (anonymous memory: the
 * address >> PAGE_SHIFT at creation), the anon_vmas are compatible (equal,
 * or one side has none and the other was not inherited through fork), and
 * neither is VM_SPECIAL. A VMA that a merge would remove must not have a
 * vm_ops->close.
 */
#include "base/bug.h"
#include <vas/file.h>
#include "base/err.h"
#include "vma/anon_vma.h"
#include "vma/vma.h"

/*
 * Flags that do not stop a merge. VM_MAYBE_GUARD is sticky too: the merged
 * VMA has it if any part had it (vmc_commit() carries it over).
 */
#define VM_IGNORE_MERGE (VAS_VM_SOFTDIRTY | VM_STICKY)

static bool is_mergeable_vma(const struct vmg *g,
			     const struct vm_area_struct *v)
{
	if ((v->vm_flags ^ g->flags) & ~VM_IGNORE_MERGE)
		return false;
	return v->vm_file == g->file;
}

static bool is_mergeable_anon_vma(const struct vmg *g,
				  const struct vm_area_struct *tgt)
{
	const struct vm_area_struct *src = g->middle;

	/* We would take src's anon_vma into tgt. */
	if (!tgt->anon_vma && g->anon_vma)
		return !(src && src->anon_vma && src->anon_vma_forked);
	/* We would use tgt's anon_vma. */
	if (tgt->anon_vma && !g->anon_vma)
		return !tgt->anon_vma_forked;
	return tgt->anon_vma == g->anon_vma;
}

bool can_merge_remove_vma(const struct vm_area_struct *vma)
{
	return !vma->vm_ops || !vma->vm_ops->close;
}

bool anon_vmas_compatible(const struct vm_area_struct *a,
			  const struct vm_area_struct *b)
{
	return !a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma;
}

bool vmg_can_merge_prev(const struct vmg *g, const struct vm_area_struct *prev,
			unsigned long prev_pgoff_end)
{
	return is_mergeable_vma(g, prev) && is_mergeable_anon_vma(g, prev) &&
	       prev_pgoff_end == g->pgoff;
}

bool vmg_can_merge_next(const struct vmg *g, const struct vm_area_struct *next,
			unsigned long next_pgoff_start)
{
	unsigned long pglen = (g->end - g->start) >> PAGE_SHIFT;

	return is_mergeable_vma(g, next) && is_mergeable_anon_vma(g, next) &&
	       next_pgoff_start == g->pgoff + pglen;
}

/*
 * Grow @t over [s, e) with @flags; @t takes @anon_src's anon_vma if it has
 * none (dup_anon_vma), once nothing can fail any more.
 */
static struct vm_area_struct *commit(struct mm_struct *mm,
				     struct vm_area_struct *t,
				     unsigned long s, unsigned long e,
				     unsigned long pgoff, unsigned long flags,
				     const struct vm_area_struct *anon_src)
	VAS_REQUIRES(mm)
{
	VMC_STATE(c, s, e, t, pgoff);
	int err = vmc_prepare(mm, &c);

	if (err)
		return ERR_PTR(err);
	vma_take_anon_vma(t, anon_src);
	vmc_commit(mm, &c);
	flags |= c.sticky;
	if (t->vm_flags != flags) {	/* VM_SOFTDIRTY may differ */
		vma_account(mm, t, -1);
		t->vm_flags = flags;
		vma_account(mm, t, 1);
	}
	stats_add(&mm->machine->stats, VAS_STAT_VMA_MERGE, 1);
	return t;
}

/*
 * Try to merge [start, end) of @vma, with @newflags, into a neighbour.
 *
 *	merge left (prev grows):   |prev|*mid*---|  -> |prev.....|mid|
 *	merge right (next grows):  |---*mid*|next|  -> |mid|.....next|
 *	both:                      |prev|*mid*|next| -> |prev..........|
 *
 * Return: the merged VMA, NULL if no merge applies, or ERR_PTR.
 */
static struct vm_area_struct *merge_existing(struct mm_struct *mm,
					     struct vm_area_struct *vma,
					     unsigned long start,
					     unsigned long end,
					     unsigned long newflags)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *prev = NULL, *next = NULL;
	bool left_side = start == vma->vm_start, right_side = end == vma->vm_end;
	bool merge_left = false, merge_right = false;
	unsigned long pgoff = vma->vm_pgoff +
			      ((start - vma->vm_start) >> PAGE_SHIFT);
	struct vmg g = { .start = start, .end = end, .pgoff = pgoff,
			 .flags = newflags, .file = vma->vm_file,
			 .anon_vma = vma->anon_vma, .middle = vma };

	if ((newflags & VAS_VM_SPECIAL) || (!left_side && !right_side))
		return NULL;
	if (left_side) {
		prev = vma_prev_of(mm, vma);
		merge_left = prev && prev->vm_end == start &&
			     vmg_can_merge_prev(&g, prev,
						prev->vm_pgoff + vma_pages(prev));
	}
	if (right_side) {
		next = vma_next_of(mm, vma);
		merge_right = next && next->vm_start == end &&
			      vmg_can_merge_next(&g, next, next->vm_pgoff) &&
			      (!merge_left || anon_vmas_compatible(prev, next));
	}
	if (!merge_left && !merge_right)
		return NULL;
	/* The whole of vma goes away in a merge: it must be removable. */
	if (left_side && right_side && !can_merge_remove_vma(vma))
		return NULL;
	if (merge_left && merge_right && !can_merge_remove_vma(next))
		merge_right = false;
	if (merge_left && merge_right)	/* dup_anon_vma(prev, next ?: middle) */
		return commit(mm, prev, prev->vm_start, next->vm_end,
			      prev->vm_pgoff, newflags,
			      next->anon_vma ? next : vma);
	if (merge_left)	/* prev takes [start, end); vma keeps what is above */
		return commit(mm, prev, prev->vm_start, end, prev->vm_pgoff,
			      newflags, vma);
	/* merge right: next grows down to start; vma keeps what is below */
	return commit(mm, next, start, next->vm_end, pgoff, newflags, vma);
}

struct vm_area_struct *vma_modify_flags(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long newflags)
{
	struct vm_area_struct *merged;

	mmap_assert_write_locked(mm);
	merged = merge_existing(mm, vma, start, end, newflags);
	if (merged)
		return merged;
	/* No merge: split off what lies outside [start, end), at once. */
	return vma_carve(mm, vma, start, end, newflags);
}
