// SPDX-License-Identifier: MIT
/*
 * vma.c - VMA objects (type-safe reuse cache) and the operations that change
 * an address space's set of VMAs; see vma.h.
 */
#include <errno.h>
#include <string.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/err.h"
#include "mem/anon_vma.h"
#include "mem/file.h"
#include "memory/memory.h"
#include "vma/access.h"
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
	vma->anon_vma = NULL;
	vma->anon_vma_forked = false;
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
	if (vma->vm_file) {
		vma_file_put(vma->vm_file);
		vma->vm_file = NULL;
	}
	anon_vma_put(vma->anon_vma);
	vma->anon_vma = NULL;
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

void vma_account(struct mm_struct *mm, const struct vm_area_struct *vma,
		 int sign)
{
	long pages = (long)vma_pages(vma) * sign;

	vm_stat_account(mm, vma->vm_flags, pages);
	if (vma->vm_flags & VAS_VM_LOCKED)
		mm->locked_vm += (unsigned long)pages;
}

/* vm_ops->open / ->close of a VMA. Context: mmap lock held for write. */
void vma_open(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->open)
		vma->vm_ops->open(vma_ref(vma));
}

void vma_close(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma_ref(vma));
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
	VMC_STATE(c, vma->vm_start, vma->vm_end, vma, vma->vm_pgoff);
	unsigned long next_start;
	int err;

	mmap_assert_write_locked(mm);
	if (!range_ok(vma->vm_start, vma->vm_end) || vma->vm_mm != mm)
		return -EINVAL;
	vma_assert_detached(vma);
	if (rt_find(&mm->mm_mt, vma->vm_start, &next_start, NULL) &&
	    next_start < vma->vm_end)
		return -EEXIST;
	err = vmc_prepare(mm, &c);
	if (err)
		return err;
	vmc_commit(mm, &c);
	return 0;
}

int vma_remove(struct mm_struct *mm, struct vm_area_struct *vma)
{
	VMC_STATE(c, vma->vm_start, vma->vm_end, NULL, 0);
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(vma->vm_mm != mm);
	err = vmc_prepare(mm, &c);
	if (err)
		return err;
	vmc_commit(mm, &c);
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
	dst->anon_vma = anon_vma_get(src->anon_vma);
	dst->anon_vma_forked = src->anon_vma_forked;
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
	err = rt_preallocate_entry(&mm->mm_mt, &pa, ns, ne, false);
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
	if (new->vm_file)
		vma_file_get(new->vm_file);
	vma_write_lock(mm, new);
	vma_attach(mm, new);
	rt_store(&mm->mm_mt, &pa, ns, ne, new);
	rt_prealloc_release(&pa);
	mm->map_count++;
	vma_open(new);
	stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT, 1);
	*newp = new;
	return 0;
}

int vma_merge_next(struct mm_struct *mm, struct vm_area_struct *prev,
		   struct vm_area_struct *next)
{
	VMC_STATE(c, prev->vm_start, next->vm_end, prev, prev->vm_pgoff);
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(prev->vm_mm != mm || next->vm_mm != mm);
	if (prev->vm_end != next->vm_start)
		return -EINVAL;
	err = vmc_prepare(mm, &c);
	if (err)
		return err;
	vmc_commit(mm, &c);
	stats_add(&mm->machine->stats, VAS_STAT_VMA_MERGE, 1);
	return 0;
}

/* ---- struct vmc: one atomic change of a range --------------------------- */

/*
 * The VMA that straddles both edges of [start, end) and so must be cut in
 * two, or an existing target reaching past end; NULL if none.
 */
static struct vm_area_struct *vmc_find_cut(struct mm_struct *mm,
					   const struct vmc *c)
{
	struct vm_area_struct *v = rt_lookup(&mm->mm_mt, c->end - 1, NULL, NULL);

	if (!v || v->vm_end <= c->end)
		return NULL;
	if (v == c->target || v->vm_start < c->start)
		return v;
	return NULL;
}

int vmc_prepare(struct mm_struct *mm, struct vmc *c)
{
	struct vm_area_struct *cur;
	struct rt_iter it;
	int delta = 0, err;

	mmap_assert_write_locked(mm);
	if (!range_ok(c->start, c->end))
		return -EINVAL;
	if (c->target && !vma_is_attached(c->target)) {
		VAS_BUG_ON(c->target->vm_mm != mm);
		delta++;
	}
	rt_iter_init(&it, &mm->mm_mt, c->start, c->end);
	while ((cur = rt_iter_next(&it, NULL, NULL)))
		if (cur != c->target && cur->vm_start >= c->start &&
		    cur->vm_end <= c->end)
			delta--;
	c->__cut = vmc_find_cut(mm, c);
	c->__upper = NULL;
	if (c->__cut) {
		delta++;
		if (!map_count_ok(mm, delta > 0 ? delta : 0))
			return -ENOMEM;
		c->__upper = vm_area_alloc(mm);
		if (!c->__upper)
			return -ENOMEM;
	} else if (delta > 0 && !map_count_ok(mm, delta)) {
		return -ENOMEM;
	}
	c->__delta = delta;
	err = rt_preallocate_entry(&mm->mm_mt, &c->__pa, c->start, c->end,
				   !c->target);
	if (err) {
		if (c->__upper)
			vm_area_free(c->__upper);
		c->__upper = NULL;
		return err;
	}
	return 0;
}

void vmc_abort(struct mm_struct *mm, struct vmc *c)
{
	mmap_assert_write_locked(mm);
	rt_prealloc_release(&c->__pa);
	if (c->__upper)
		vm_area_free(c->__upper);
	c->__upper = NULL;
}

void vmc_commit(struct mm_struct *mm, struct vmc *c)
{
	struct vm_area_struct *cur, *left = NULL, *right = NULL, *doomed = NULL;
	struct vm_area_struct *t = c->target, *upper = c->__upper;
	unsigned long s = c->start, e = c->end;
	struct rt_iter it;

	mmap_assert_write_locked(mm);
	/*
	 * Write-lock and un-account everything the store changes; collect
	 * what disappears. (Point of no return.)
	 */
	c->sticky = 0;
	rt_iter_init(&it, &mm->mm_mt, s, e);
	while ((cur = rt_iter_next(&it, NULL, NULL))) {
		vma_write_lock(mm, cur);
		vma_account(mm, cur, -1);
		/* memory the target takes over keeps its sticky flags */
		if (t && (cur->vm_start < c->zap_start ||
			  cur->vm_end > c->zap_end))
			c->sticky |= cur->vm_flags & VM_STICKY;
		if (cur == t)
			continue;
		if (cur->vm_start < s)
			left = cur;
		else if (cur->vm_end > e)
			right = cur;
		else {
			cur->cache_next = doomed;
			doomed = cur;
		}
	}
	if (upper) {
		vma_copy_fields(upper, c->__cut);
		vma_set_start(upper, e);
		upper->vm_end = c->__cut->vm_end;
		if (upper->vm_file)
			vma_file_get(upper->vm_file);
		vma_write_lock(mm, upper);
		vma_attach(mm, upper);
	}
	if (left && left != t)
		left->vm_end = s;
	if (right)
		vma_set_start(right, e);
	if (t) {
		vma_write_lock(mm, t);
		t->vm_start = s;
		t->vm_end = e;
		t->vm_pgoff = c->pgoff;
		t->vm_flags |= c->sticky;
		if (!vma_is_attached(t))
			vma_attach(mm, t);
	}
	rt_store(&mm->mm_mt, &c->__pa, s, e, t);
	if (upper)	/* exact overwrite of the cut's upper part: no node */
		rt_store(&mm->mm_mt, &c->__pa, e, upper->vm_end, upper);
	rt_prealloc_release(&c->__pa);
	mm->map_count += c->__delta;

	if (left && left != t)
		vma_account(mm, left, 1);
	if (right)
		vma_account(mm, right, 1);
	if (upper) {
		vma_account(mm, upper, 1);
		vma_open(upper);
		stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT, 1);
	}
	if (t)
		vma_account(mm, t, 1);
	if (c->zap_start < c->zap_end) {
		if (t)
			zap_range(mm, c->zap_start, c->zap_end, ZAP_GUARDS);
		else
			unmap_region(mm, c->zap_start, c->zap_end);
	}
	while (doomed) {
		cur = doomed;
		doomed = cur->cache_next;
		cur->cache_next = NULL;
		vma_close(cur);
		vma_detach(mm, cur);
		vm_area_free(cur);
	}
	c->__upper = NULL;
}

struct vm_area_struct *vma_carve(struct mm_struct *mm,
				 struct vm_area_struct *vma, unsigned long start,
				 unsigned long end, unsigned long newflags)
{
	struct vm_area_struct *mid;
	int err;

	mmap_assert_write_locked(mm);
	VAS_BUG_ON(vma->vm_mm != mm || start < vma->vm_start ||
		   end > vma->vm_end || !range_ok(start, end));
	if (vma->vm_start == start && vma->vm_end == end) {
		vma_write_lock(mm, vma);
		vma_account(mm, vma, -1);
		vma->vm_flags = newflags;
		vma_account(mm, vma, 1);
		return vma;
	}
	mid = vm_area_alloc(mm);
	if (!mid)
		return ERR_PTR(-ENOMEM);
	vma_copy_fields(mid, vma);
	mid->vm_start = start;
	mid->vm_end = end;
	mid->vm_pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	mid->vm_flags = newflags;
	if (mid->vm_file)
		vma_file_get(mid->vm_file);
	{
		VMC_STATE(c, start, end, mid, mid->vm_pgoff);

		err = vmc_prepare(mm, &c);
		if (err) {
			vm_area_free(mid);
			return ERR_PTR(err);
		}
		vmc_commit(mm, &c);
	}
	vma_open(mid);
	stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT, 1);
	return mid;
}

int vma_replace_range(struct mm_struct *mm, struct vm_area_struct *vma)
{
	VMC_STATE(c, vma->vm_start, vma->vm_end, vma, vma->vm_pgoff);
	int err;

	mmap_assert_write_locked(mm);
	if (!range_ok(c.start, c.end) || vma->vm_mm != mm)
		return -EINVAL;
	vma_assert_detached(vma);
	err = vmc_prepare(mm, &c);
	if (err)
		return err;
	vmc_commit(mm, &c);
	return 0;
}
