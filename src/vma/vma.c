// SPDX-License-Identifier: MIT
/*
 * vma.c - VMA objects (type-safe reuse cache) and the operations that change
 * an address space's set of VMAs; see vma.h.
 */
#include <errno.h>
#include <string.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "vma/vma.h"

/* A stamp no address space's mm_lock_seq takes while write-locked (odd). */
#define VMA_SEQ_UNLOCKED (~0UL - 1)

static void vma_reset(struct vm_area_struct *vma, struct mm_struct *mm)
{
	/*
	 * RCU readers of a previous life may still read vm_refcnt (it is 0
	 * and stays 0 until attach), vm_mm and vm_lock_seq: those are
	 * written atomically. Other fields are read only under a reference.
	 */
	vma->vm_start = 0;
	vma->vm_end = 0;
	vma->vm_flags = 0;
	vma->vm_pgoff = 0;
	vma->vm_file = NULL;
	vma->vm_ops = NULL;
	vma->vm_private_data = NULL;
	vma->cache_next = NULL;
	__atomic_store_n(&vma->vm_lock_seq, VMA_SEQ_UNLOCKED, __ATOMIC_RELAXED);
	__atomic_store_n(&vma->vm_mm, mm, __ATOMIC_RELAXED);
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vas_machine *machine = mm->machine;
	struct vm_area_struct *vma;

	if (!vas_alloc_check(VAS_FP_VMA))
		return NULL;
	pthread_mutex_lock(&machine->vma_cache_lock);
	vma = machine->vma_cache;
	if (vma) {
		machine->vma_cache = vma->cache_next;
		machine->vma_cache_nr--;
	}
	pthread_mutex_unlock(&machine->vma_cache_lock);
	if (!vma) {
		vma = vas_alloc_aligned(sizeof(*vma), 64, VAS_FP_MISC);
		if (!vma)
			return NULL;
		memset(vma, 0, sizeof(*vma));
	}
	VAS_BUG_ON(__atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED) != 0);
	vma_reset(vma, mm);
	stats_add(&machine->stats, VAS_STAT_VMA_ALLOC, 1);
	return vma;
}

static void vm_area_free_rcu(struct vas_rcu_head *head)
{
	vas_free(container_of(head, struct vm_area_struct, rcu));
}

void vm_area_free(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vas_machine *machine = mm->machine;

	vma_assert_detached(vma);
	stats_add(&machine->stats, VAS_STAT_VMA_FREE, 1);
	pthread_mutex_lock(&machine->vma_cache_lock);
	if (machine->vma_cache_nr < machine->cfg.vma_cache_max) {
		vma->cache_next = machine->vma_cache;
		machine->vma_cache = vma;
		machine->vma_cache_nr++;
		vma = NULL;
	}
	pthread_mutex_unlock(&machine->vma_cache_lock);
	if (vma)	/* cache full: free for real once no reader can see it */
		vas_call_rcu(&vma->rcu, vm_area_free_rcu);
}

void vma_cache_drain(struct vas_machine *machine)
{
	struct vm_area_struct *vma, *next;

	pthread_mutex_lock(&machine->vma_cache_lock);
	vma = machine->vma_cache;
	machine->vma_cache = NULL;
	machine->vma_cache_nr = 0;
	pthread_mutex_unlock(&machine->vma_cache_lock);
	for (; vma; vma = next) {
		next = vma->cache_next;
		vas_free(vma);
	}
}

void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
	mm->total_vm += (unsigned long)npages;
	if ((flags & (VAS_VM_EXEC | VAS_VM_WRITE | VAS_VM_STACK)) == VAS_VM_EXEC)
		mm->exec_vm += (unsigned long)npages;
	else if (flags & (VAS_VM_STACK | VAS_VM_SHADOW_STACK))
		mm->stack_vm += (unsigned long)npages;
	else if ((flags & (VAS_VM_WRITE | VAS_VM_SHARED | VAS_VM_STACK)) ==
		 VAS_VM_WRITE)
		mm->data_vm += (unsigned long)npages;
}

static bool range_ok(unsigned long start, unsigned long end)
{
	return start < end && PAGE_ALIGNED(start) && PAGE_ALIGNED(end);
}

static bool map_count_ok(struct mm_struct *mm, int more)
{
	return (unsigned long)(mm->map_count + more) <=
	       mm->machine->cfg.max_map_count;
}

/*
 * The per-VMA lock calls, for a VMA of @mm: the check that it is @mm's
 * also tells the thread-safety analysis that vma->vm_mm is the lock held.
 */
static void vma_write_lock(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm)
{
	VAS_BUG_ON(vma->vm_mm != mm);
	mmap_assert_write_locked(vma->vm_mm);
	vma_start_write(vma);
}

static void vma_attach(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm)
{
	VAS_BUG_ON(vma->vm_mm != mm);
	mmap_assert_write_locked(vma->vm_mm);
	vma_mark_attached(vma);
}

static void vma_detach(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm)
{
	VAS_BUG_ON(vma->vm_mm != mm);
	mmap_assert_write_locked(vma->vm_mm);
	vma_mark_detached(vma);
}

int vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	unsigned long next_start;
	int err;

	mmap_assert_write_locked(mm);
	if (!range_ok(vma->vm_start, vma->vm_end) || vma->vm_mm != mm)
		return -EINVAL;
	vma_assert_detached(vma);
	if (rt_find(&mm->mm_mt, vma->vm_start, &next_start, NULL) &&
	    next_start < vma->vm_end)
		return -EEXIST;
	if (!map_count_ok(mm, 1))
		return -ENOMEM;
	err = rt_preallocate(&mm->mm_mt, &pa, vma->vm_start, vma->vm_end);
	if (err)
		return err;
	/* Point of no return. */
	vma_write_lock(mm, vma);
	vma_attach(mm, vma);
	rt_store(&mm->mm_mt, &pa, vma->vm_start, vma->vm_end, vma);
	rt_prealloc_release(&pa);
	mm->map_count++;
	vm_stat_account(mm, vma->vm_flags, (long)vma_pages(vma));
	return 0;
}

int vma_remove(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(vma->vm_mm != mm);
	err = rt_preallocate(&mm->mm_mt, &pa, vma->vm_start, vma->vm_end);
	if (err)
		return err;
	/* Point of no return. */
	vma_write_lock(mm, vma);
	rt_store(&mm->mm_mt, &pa, vma->vm_start, vma->vm_end, NULL);
	rt_prealloc_release(&pa);
	vma_detach(mm, vma);
	mm->map_count--;
	vm_stat_account(mm, vma->vm_flags, -(long)vma_pages(vma));
	vm_area_free(vma);
	return 0;
}

/* Copy the fields a split or a trim keeps from @src into the new @dst. */
static void vma_copy_fields(struct vm_area_struct *dst,
			    const struct vm_area_struct *src)
{
	dst->vm_start = src->vm_start;
	dst->vm_end = src->vm_end;
	dst->vm_flags = src->vm_flags;
	dst->vm_pgoff = src->vm_pgoff;
	dst->vm_file = src->vm_file;
	dst->vm_ops = src->vm_ops;
	dst->vm_private_data = src->vm_private_data;
}

/* Move @vma's start to @addr, keeping pgoff in step. Context: V. */
static void vma_set_start(struct vm_area_struct *vma, unsigned long addr)
{
	vma->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
	vma->vm_start = addr;
}

int vma_split(struct mm_struct *mm, struct vm_area_struct *vma,
	      unsigned long addr, bool new_below, struct vm_area_struct **newp)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	struct vm_area_struct *new;
	unsigned long ns, ne;
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(vma->vm_mm != mm);
	if (!PAGE_ALIGNED(addr) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	if (!map_count_ok(mm, 1))
		return -ENOMEM;
	new = vm_area_alloc(mm);
	if (!new)
		return -ENOMEM;
	ns = new_below ? vma->vm_start : addr;
	ne = new_below ? addr : vma->vm_end;
	err = rt_preallocate(&mm->mm_mt, &pa, ns, ne);
	if (err) {
		vm_area_free(new);
		return err;
	}
	/* Point of no return. */
	vma_write_lock(mm, vma);
	vma_copy_fields(new, vma);
	if (new_below) {
		new->vm_end = addr;
		vma_set_start(vma, addr);
	} else {
		vma_set_start(new, addr);
		vma->vm_end = addr;
	}
	vma_write_lock(mm, new);
	vma_attach(mm, new);
	rt_store(&mm->mm_mt, &pa, ns, ne, new);
	rt_prealloc_release(&pa);
	mm->map_count++;
	stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT, 1);
	*newp = new;
	return 0;
}

int vma_merge_next(struct mm_struct *mm, struct vm_area_struct *prev,
		   struct vm_area_struct *next)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(prev->vm_mm != mm || next->vm_mm != mm);
	if (prev->vm_end != next->vm_start)
		return -EINVAL;
	err = rt_preallocate(&mm->mm_mt, &pa, prev->vm_start, next->vm_end);
	if (err)
		return err;
	/* Point of no return. */
	vma_write_lock(mm, prev);
	vma_write_lock(mm, next);
	vm_stat_account(mm, next->vm_flags, -(long)vma_pages(next));
	vm_stat_account(mm, prev->vm_flags, (long)vma_pages(next));
	prev->vm_end = next->vm_end;
	rt_store(&mm->mm_mt, &pa, prev->vm_start, prev->vm_end, prev);
	rt_prealloc_release(&pa);
	vma_detach(mm, next);
	mm->map_count--;
	vm_area_free(next);
	stats_add(&mm->machine->stats, VAS_STAT_VMA_MERGE, 1);
	return 0;
}

/*
 * vma_replace_range() - see vma.h.
 *
 *      before:  |--A--|   |---B---|  |--C--|
 *                   [s .................. e)
 *      after:   |-A-|[s ....... vma ..... e)C|
 *
 * A (straddles s) is trimmed to end at s, B (inside) is removed, C
 * (straddles e) is trimmed to start at e. All allocation happens before the
 * first change, and one store of @vma over [s, e) makes the change visible.
 *
 * If one VMA straddles both edges, that store leaves the tree's part above
 * e pointing at it; a second store hands exactly that range to the new
 * tail VMA in place (an exact overwrite, which the tree does without
 * nodes). Between the two stores the old VMA is write-locked, so lock-free
 * readers of that range fall back to the mmap lock and wait.
 */
int vma_replace_range(struct mm_struct *mm, struct vm_area_struct *vma)
{
	unsigned long s = vma->vm_start, e = vma->vm_end;
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	struct vm_area_struct *tail = NULL, *cur, *left = NULL, *right = NULL;
	struct vm_area_struct *doomed_head = NULL;
	struct rt_iter it;
	int removed = 0, err;

	mmap_assert_write_locked(mm);
	if (!range_ok(s, e) || vma->vm_mm != mm)
		return -EINVAL;
	vma_assert_detached(vma);

	rt_iter_init(&it, &mm->mm_mt, s, e);
	while ((cur = rt_iter_next(&it, NULL, NULL))) {
		if (cur->vm_start < s)
			left = cur;
		if (cur->vm_end > e)
			right = cur;
		if (cur->vm_start >= s && cur->vm_end <= e)
			removed++;
	}
	if (!map_count_ok(mm, 1 - removed + (left && left == right)))
		return -ENOMEM;
	if (left && left == right) {
		tail = vm_area_alloc(mm);
		if (!tail)
			return -ENOMEM;
	}
	err = rt_preallocate(&mm->mm_mt, &pa, s, e);
	if (err)
		goto out_release;

	/* Point of no return. Write-lock everything the store changes. */
	rt_iter_init(&it, &mm->mm_mt, s, e);
	while ((cur = rt_iter_next(&it, NULL, NULL))) {
		vma_write_lock(mm, cur);
		if (cur->vm_start >= s && cur->vm_end <= e) {
			cur->cache_next = doomed_head;	/* detached below */
			doomed_head = cur;
		}
	}
	if (tail) {
		vma_copy_fields(tail, left);
		vma_set_start(tail, e);
		vma_write_lock(mm, tail);
		vma_attach(mm, tail);
		/* left keeps [start, s); the pages above e move to tail */
		vm_stat_account(mm, left->vm_flags,
				-(long)((left->vm_end - s) >> PAGE_SHIFT));
		vm_stat_account(mm, tail->vm_flags, (long)vma_pages(tail));
		left->vm_end = s;
		right = NULL;
		mm->map_count++;
		stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT, 1);
	} else if (left) {
		vm_stat_account(mm, left->vm_flags,
				-(long)((left->vm_end - s) >> PAGE_SHIFT));
		left->vm_end = s;
	}
	if (right) {
		vm_stat_account(mm, right->vm_flags,
				-(long)((e - right->vm_start) >> PAGE_SHIFT));
		vma_set_start(right, e);
	}
	vma_write_lock(mm, vma);
	vma_attach(mm, vma);
	rt_store(&mm->mm_mt, &pa, s, e, vma);
	if (tail)	/* exact overwrite of [e, end): in place, no node */
		rt_store(&mm->mm_mt, &pa, e, tail->vm_end, tail);
	rt_prealloc_release(&pa);
	mm->map_count++;
	vm_stat_account(mm, vma->vm_flags, (long)vma_pages(vma));
	while (doomed_head) {
		cur = doomed_head;
		doomed_head = cur->cache_next;
		cur->cache_next = NULL;
		vma_detach(mm, cur);
		vm_stat_account(mm, cur->vm_flags, -(long)vma_pages(cur));
		mm->map_count--;
		vm_area_free(cur);
	}
	return 0;

out_release:
	rt_prealloc_release(&pa);
	if (tail)
		vm_area_free(tail);
	return err;
}
