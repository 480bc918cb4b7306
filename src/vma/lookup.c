// SPDX-License-Identifier: MIT
/*
 * lookup.c - finding VMAs: under the mmap lock (vma_lookup, find_vma, ...,
 * the iterator) and without it (lock_vma_under_rcu). The public functions
 * hand out struct vas_vma_ref, the read access level; see vas/vma.h.
 */
#include <limits.h>
#include "base/bug.h"
#include "base/lockdep.h"
#include "mm/mm.h"
#include "vma/access.h"

/* Under the mmap lock the tree cannot change: no RCU section is needed. */

struct vas_vma_ref *vas_vma_lookup(struct vas_mm_user *u, unsigned long addr)
{
	struct mm_struct *mm = mm_of_user(u);

	mmap_assert_locked(mm);
	return vma_ref(rt_lookup(&mm->mm_mt, addr, NULL, NULL));
}

struct vas_vma_ref *vas_find_vma(struct vas_mm_user *u, unsigned long addr)
{
	struct mm_struct *mm = mm_of_user(u);

	mmap_assert_locked(mm);
	return vma_ref(rt_find(&mm->mm_mt, addr, NULL, NULL));
}

struct vas_vma_ref *vas_find_vma_intersection(struct vas_mm_user *u,
					      unsigned long start,
					      unsigned long end)
{
	struct mm_struct *mm = mm_of_user(u);
	unsigned long s;
	void *vma;

	mmap_assert_locked(mm);
	if (start >= end)
		return NULL;
	vma = rt_find(&mm->mm_mt, start, &s, NULL);
	if (!vma || s >= end)
		return NULL;
	return vma_ref(vma);
}

struct vas_vma_ref *vas_vma_prev(struct vas_mm_user *u,
				 const struct vas_vma_ref *ref)
{
	struct mm_struct *mm = mm_of_user(u);
	const struct vm_area_struct *vma = vma_of_ref(ref);

	mmap_assert_locked(mm);
	vma_assert_stable(vma);
	return vma_ref(rt_prev(&mm->mm_mt, vma->vm_start, NULL, NULL));
}

struct vas_vma_ref *vas_vma_next(struct vas_mm_user *u,
				 const struct vas_vma_ref *ref)
{
	struct mm_struct *mm = mm_of_user(u);
	const struct vm_area_struct *vma = vma_of_ref(ref);

	mmap_assert_locked(mm);
	vma_assert_stable(vma);
	return vma_ref(rt_next(&mm->mm_mt, vma->vm_end, NULL, NULL));
}

void vas_vma_iter_init(struct vas_vma_iter *it, struct vas_mm_user *u,
		       unsigned long start, unsigned long end)
{
	mmap_assert_locked(mm_of_user(u));
	*it = (struct vas_vma_iter){ .pos = start, .end = end };
}

/*
 * The public iterator keeps a tree iterator's fields: the next slot of the
 * same leaf is an inline step (rt_iter_step), anything else goes through
 * the tree's iterator (rt_iter_next_slow).
 */
static __attribute__((noinline)) void *
vma_iter_next_slow(struct vas_vma_iter *it, struct mm_struct *mm)
{
	struct rt_iter ri = {
		.tree = &mm->mm_mt, .pos = it->pos, .limit = it->end,
		.__leaf = it->__leaf, .__parent = it->__parent,
		.__slot = it->__slot, .__pslot = it->__pslot,
		.__seq = it->__seq,
	};
	void *vma = rt_iter_next_slow(&ri, NULL, NULL);

	it->pos = ri.pos;
	it->__leaf = ri.__leaf;
	it->__parent = ri.__parent;
	it->__slot = ri.__slot;
	it->__pslot = ri.__pslot;
	it->__seq = ri.__seq;
	return vma;
}

struct vas_vma_ref *vas_vma_iter_next(struct vas_vma_iter *it,
				      struct vas_mm_user *u)
{
	struct mm_struct *mm = mm_of_user(u);
	void *vma;

	mmap_assert_locked(mm);
	vma = rt_iter_step(&mm->mm_mt, it->__leaf, &it->__slot, it->__seq,
			   &it->pos, it->end, NULL, NULL);
	if (unlikely(!vma))
		vma = vma_iter_next_slow(it, mm);
	return vma_ref(vma);
}

/*
 * The three guard functions acquire, use and release the capability their
 * declarations name (the caller's guard variable); the analysis cannot see
 * that in their bodies.
 */
bool vas_lock_vma_under_rcu(struct vas_mm_user *u, unsigned long addr,
			    struct vas_vma_read_guard **guardp)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct vm_area_struct *vma = lock_vma_under_rcu(mm_of_user(u), addr);

	*guardp = vma ? vma_read_guard(vma) : NULL;
	return vma != NULL;
}

/* Debug builds: abort unless this thread holds @vma's read lock. */
static void vma_assert_read_guard_held(const struct vm_area_struct *vma)
{
#ifdef VAS_DEBUG
	if (lockdep_held_mode(vma) != LOCK_MODE_READ)
		lockdep_report("VMA read guard used or ended, but this thread "
			       "does not hold it (was it ended already?)", vma);
#else
	(void)vma;
#endif
}

struct vas_vma_ref *vas_vma_read_guard_vma(struct vas_vma_read_guard *guard)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct vm_area_struct *vma = vma_of_read_guard(guard);

	vma_assert_read_guard_held(vma);
	return vma_ref(vma);
}

void vas_vma_end_read(struct vas_vma_read_guard *guard)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct vm_area_struct *vma = vma_of_read_guard(guard);

	vma_assert_read_guard_held(vma);
	vma_end_read(vma);
}

void vas_vma_count_retry(struct vas_mm_user *u)
{
	mm_stat_inc(mm_of_user(u), VAS_STAT_VMA_LOCK_RETRY);
}
