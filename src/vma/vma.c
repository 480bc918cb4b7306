// SPDX-License-Identifier: MIT
/*
 * vma.c - VMA objects (type-safe reuse cache) and the operations that change
 * an address space's set of VMAs; see vma.h.
 */
#include "vma/vma_internal.h"
#include <vas/file.h>

/* A stamp no address space's mm_lock_seq takes (mm/mm_types.h). */
#define VMA_SEQ_UNLOCKED MM_SEQ_UNLOCKED

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

/*
 * The VMA caches. A freed VMA goes first to its address space's own cache
 * (mm->vma_cache, MM_VMA_CACHE_MAX), guarded by the mmap write lock that
 * every vm_area_alloc() and vm_area_free() of that mm holds: no atomic
 * instruction. It is filled from (and emptied into) the machine's cache
 * MM_VMA_CACHE_BATCH VMAs at a time under the machine's mutex, so a run
 * of allocations or frees (fork, exit, a long munmap) takes the mutex
 * once per batch. A machine configured with fewer than MM_VMA_CACHE_MAX
 * cached VMAs uses the machine's cache alone (its limit then holds
 * exactly). Either way a cached VMA stays a VMA until its memory is
 * returned after a grace period (type-safe by RCU, vma.h).
 */
static bool mm_vma_cache_on(const struct vas_machine *machine)
{
	return machine->cfg.vma_cache_max >= MM_VMA_CACHE_MAX;
}

/* Refill @mm's empty cache from the machine's; return one VMA or NULL. */
static struct vm_area_struct *vma_cache_take(struct mm_struct *mm)
{
	struct vas_machine *machine = mm->machine;
	unsigned int want = mm_vma_cache_on(machine) ? MM_VMA_CACHE_BATCH : 1;
	struct vm_area_struct *vma = NULL;

	vas_mutex_lock(&machine->vma_cache_lock);
	while (want-- && machine->vma_cache) {
		if (vma)
			mm->vma_cache[mm->vma_cache_nr++] = vma;
		vma = machine->vma_cache;
		machine->vma_cache = vma->cache_next;
		machine->vma_cache_nr--;
	}
	vas_mutex_unlock(&machine->vma_cache_lock);
	return vma;
}

/* The common end of an allocation: reset for @mm, counted. */
static struct vm_area_struct *vma_init_for(struct mm_struct *mm,
					   struct vm_area_struct *vma)
{
	VAS_BUG_ON(__atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED) != 0);
	vma_reset(vma, mm);
	stats_add(&mm->machine->stats, VAS_STAT_VMA_ALLOC, 1);
	return vma;
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	if (!vas_alloc_check(VAS_FP_VMA))
		return NULL;
	mmap_assert_write_locked(mm);
	if (mm->vma_cache_nr)
		vma = mm->vma_cache[--mm->vma_cache_nr];
	else
		vma = vma_cache_take(mm);
	if (!vma) {
		vma = vas_alloc_aligned(sizeof(*vma), 64, VAS_FP_MISC);
		if (!vma)
			return NULL;
		memset(vma, 0, sizeof(*vma));
	}
	return vma_init_for(mm, vma);
}

struct vm_area_struct *vm_area_alloc_from(struct mm_struct *mm,
					  struct vma_batch *b)
{
	struct vm_area_struct *vma = b->vmas;

	if (!vma)
		return vm_area_alloc(mm);
	if (!vas_alloc_check(VAS_FP_VMA))
		return NULL;
	mmap_assert_write_locked(mm);
	b->vmas = vma->cache_next;
	b->nr_vmas--;
	return vma_init_for(mm, vma);
}

static void vm_area_free_rcu(struct vas_rcu_head *head)
{
	vas_free(container_of(head, struct vm_area_struct, rcu));
}

/*
 * Give @n VMAs (@vmas) to the machine's cache, those beyond its limit to
 * RCU to be freed for real once no reader can see them.
 */
static void vma_cache_give(struct vas_machine *machine,
			   struct vm_area_struct **vmas, unsigned int n)
{
	struct vm_area_struct *over = NULL, *vma;

	vas_mutex_lock(&machine->vma_cache_lock);
	while (n--) {
		vma = vmas[n];
		if (machine->vma_cache_nr < machine->cfg.vma_cache_max) {
			vma->cache_next = machine->vma_cache;
			machine->vma_cache = vma;
			machine->vma_cache_nr++;
		} else {
			vma->cache_next = over;
			over = vma;
		}
	}
	vas_mutex_unlock(&machine->vma_cache_lock);
	while (over) {
		vma = over;
		over = vma->cache_next;
		vas_call_rcu(&vma->rcu, vm_area_free_rcu);
	}
}

/* What every free does first: the VMA's references, the count. */
static void vma_release(struct vm_area_struct *vma, struct anon_vma_list *avs)
{
	struct mm_struct *mm = vma->vm_mm;

	vma_assert_detached(vma);
	mmap_assert_write_locked(mm);
	if (vma->vm_file) {
		vma_file_put(vma->vm_file);
		vma->vm_file = NULL;
	}
	if (avs)
		anon_vma_put_to(vma->anon_vma, avs);
	else
		anon_vma_put(vma->anon_vma);
	vma->anon_vma = NULL;
	stats_add(&mm->machine->stats, VAS_STAT_VMA_FREE, 1);
}

void vm_area_free(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vas_machine *machine = mm->machine;

	vma_release(vma, NULL);
	if (!mm_vma_cache_on(machine)) {
		vma_cache_give(machine, &vma, 1);
		return;
	}
	if (mm->vma_cache_nr == MM_VMA_CACHE_MAX) {
		/* the oldest half goes to the machine's cache */
		vma_cache_give(machine, mm->vma_cache, MM_VMA_CACHE_BATCH);
		memmove(mm->vma_cache, mm->vma_cache + MM_VMA_CACHE_BATCH,
			(MM_VMA_CACHE_MAX - MM_VMA_CACHE_BATCH) *
				sizeof(mm->vma_cache[0]));
		mm->vma_cache_nr -= MM_VMA_CACHE_BATCH;
	}
	mm->vma_cache[mm->vma_cache_nr++] = vma;
}

void vm_area_free_to(struct vm_area_struct *vma, struct vma_batch *b)
{
	vma_release(vma, &b->avs);
	vma->cache_next = b->vmas;
	b->vmas = vma;
	b->nr_vmas++;
}

void vma_batch_reserve(struct vas_machine *machine, struct vma_batch *b,
		       unsigned long vmas, unsigned long avs)
{
	struct vm_area_struct *vma;
	struct anon_vma *av;

	vas_mutex_lock(&machine->vma_cache_lock);
	for (; vmas && (vma = machine->vma_cache); vmas--) {
		machine->vma_cache = vma->cache_next;
		machine->vma_cache_nr--;
		vma->cache_next = b->vmas;
		b->vmas = vma;
		b->nr_vmas++;
	}
	for (; avs && (av = machine->anon_vma_cache); avs--) {
		machine->anon_vma_cache = av->cache_next;
		machine->anon_vma_cache_nr--;
		av->cache_next = b->avs.head;
		b->avs.head = av;
		b->avs.nr++;
	}
	vas_mutex_unlock(&machine->vma_cache_lock);
}

/* Move @list's anon_vmas to the machine's cache; return those beyond it. */
static struct anon_vma *anon_vma_cache_put_locked(struct vas_machine *machine,
						  struct anon_vma_list *list)
{
	struct anon_vma *av, *over = NULL;

	while ((av = list->head)) {
		list->head = av->cache_next;
		if (machine->anon_vma_cache_nr < machine->cfg.vma_cache_max) {
			av->cache_next = machine->anon_vma_cache;
			machine->anon_vma_cache = av;
			machine->anon_vma_cache_nr++;
		} else {
			av->cache_next = over;
			over = av;
		}
	}
	list->nr = 0;
	return over;
}

static void anon_vma_free_list(struct anon_vma *av)
{
	struct anon_vma *next;

	for (; av; av = next) {
		next = av->cache_next;
		vas_free(av);
	}
}

struct anon_vma *anon_vma_cache_take(struct vas_machine *machine)
{
	struct anon_vma *av;

	vas_mutex_lock(&machine->vma_cache_lock);
	av = machine->anon_vma_cache;
	if (av) {
		machine->anon_vma_cache = av->cache_next;
		machine->anon_vma_cache_nr--;
	}
	vas_mutex_unlock(&machine->vma_cache_lock);
	return av;
}

void anon_vma_cache_give(struct vas_machine *machine,
			 struct anon_vma_list *list)
{
	struct anon_vma *over;

	vas_mutex_lock(&machine->vma_cache_lock);
	over = anon_vma_cache_put_locked(machine, list);
	vas_mutex_unlock(&machine->vma_cache_lock);
	anon_vma_free_list(over);
}

void vma_batch_release(struct vas_machine *machine, struct vma_batch *b)
{
	struct vm_area_struct *vma, *over = NULL;
	struct anon_vma *aover;

	if (!b->vmas && !b->avs.head)
		return;
	vas_mutex_lock(&machine->vma_cache_lock);
	while ((vma = b->vmas)) {
		b->vmas = vma->cache_next;
		if (machine->vma_cache_nr < machine->cfg.vma_cache_max) {
			vma->cache_next = machine->vma_cache;
			machine->vma_cache = vma;
			machine->vma_cache_nr++;
		} else {
			vma->cache_next = over;
			over = vma;
		}
	}
	aover = anon_vma_cache_put_locked(machine, &b->avs);
	vas_mutex_unlock(&machine->vma_cache_lock);
	b->nr_vmas = 0;
	while (over) {
		vma = over;
		over = vma->cache_next;
		vas_call_rcu(&vma->rcu, vm_area_free_rcu);
	}
	anon_vma_free_list(aover);
}

void vma_cache_flush(struct mm_struct *mm)
{
	mmap_assert_write_locked(mm);
	if (mm->vma_cache_nr)
		vma_cache_give(mm->machine, mm->vma_cache, mm->vma_cache_nr);
	mm->vma_cache_nr = 0;
}

void vma_cache_drain(struct vas_machine *machine)
{
	struct vm_area_struct *vma, *next;
	struct anon_vma *av;

	vas_mutex_lock(&machine->vma_cache_lock);
	vma = machine->vma_cache;
	machine->vma_cache = NULL;
	machine->vma_cache_nr = 0;
	vas_mutex_unlock(&machine->vma_cache_lock);
	for (; vma; vma = next) {
		next = vma->cache_next;
		vas_free(vma);
	}
	vas_mutex_lock(&machine->vma_cache_lock);
	av = machine->anon_vma_cache;
	machine->anon_vma_cache = NULL;
	machine->anon_vma_cache_nr = 0;
	vas_mutex_unlock(&machine->vma_cache_lock);
	anon_vma_free_list(av);
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

void vm_acct_memory(struct mm_struct *mm, long pages)
{
	mm->committed_vm += (unsigned long)pages;
	/* the machine's total: at the end of the write section (mm_types.h) */
	mm->committed_pending += pages;
}

void vma_account(struct mm_struct *mm, const struct vm_area_struct *vma,
		 int sign)
{
	long pages = (long)vma_pages(vma) * sign;

	vm_stat_account(mm, vma->vm_flags, pages);
	if (vma->vm_flags & VAS_VM_LOCKED)
		mm->locked_vm += (unsigned long)pages;
	if (vma->vm_flags & VAS_VM_ACCOUNT)
		vm_acct_memory(mm, pages);
}

bool vma_wants_page_mkwrite(const struct vm_area_struct *vma)
{
	const struct vas_vm_ops *ops = vma->vm_ops;

	return ops && VAS_ABI_HAS(ops, page_mkwrite) && ops->page_mkwrite;
}

bool vma_has_open_close(const struct vm_area_struct *vma)
{
	return vma->vm_ops && (vma->vm_ops->open || vma->vm_ops->close);
}

/* vm_ops->open / ->close of a VMA. Context: mmap lock held for write. */
void vma_open(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->open)
		vma->vm_ops->open(vma_ref(vma));
}

void vma_close(struct vm_area_struct *vma, unsigned long start,
	       unsigned long end)
{
	struct vas_vma_closing c;

	if (!vma->vm_ops || !vma->vm_ops->close)
		return;
	VAS_BUG_ON(start < vma->vm_start || end > vma->vm_end || start >= end);
	c = (struct vas_vma_closing){
		.start = start,
		.end = end,
		.flags = vma->vm_flags,
		.pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT),
		.file = vma->vm_file,
		.private_data = vma->vm_private_data,
		.mm = vma->vm_mm,
	};
	vma->vm_ops->close(&c);
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
 * Whether the part of @v inside the change goes away with its memory (a
 * munmap or MAP_FIXED range), as opposed to being taken over by a merge.
 */
static bool vmc_removes(const struct vmc *c, const struct vm_area_struct *v)
{
	return c->zap_start < c->zap_end && v->vm_start < c->zap_end &&
	       v->vm_end > c->zap_start;
}

static void vmc_free_spares(struct vmc *c)
{
	if (c->__upper)
		vm_area_free(c->__upper);
	if (c->__left_new)
		vm_area_free(c->__left_new);
	if (c->__right_new)
		vm_area_free(c->__right_new);
	c->__upper = c->__left_new = c->__right_new = NULL;
}

int vmc_prepare(struct mm_struct *mm, struct vmc *c)
{
	struct vm_area_struct *cur, *t = c->target, *v = NULL;
	unsigned long s = c->start, e = c->end;
	bool split = false;
	unsigned long sealed = 0;
	struct rt_iter it, first_it, last_it;
	int delta = 0, err;

	mmap_assert_write_locked(mm);
	if (!range_ok(s, e))
		return -EINVAL;
	VAS_BUG_ON(c->munmap && t);
	c->nothing = false;
	c->__bounds = false;
	c->__cut = c->__upper = c->__left = c->__right = NULL;
	c->__left_new = c->__right_new = NULL;
	c->__cleaned = false;
	if (t && !vma_is_attached(t)) {
		VAS_BUG_ON(t->vm_mm != mm);
		delta++;
	}
	/*
	 * One pass over what intersects [s, e): the first VMA may reach
	 * below start (the target, or a VMA, maybe the cut), the last may
	 * reach past end (the cut: both edges, or the target; or not).
	 */
	if (c->vmi) {	/* from the caller's position (rt_iter_seek()) */
		VAS_BUG_ON(c->vmi->tree != &mm->mm_mt);
		it = *c->vmi;
		cur = rt_iter_seek(&it, s, e) ? rt_iter_next(&it, NULL, NULL) :
						NULL;
	} else {
		rt_iter_init(&it, &mm->mm_mt, s, e);
		cur = rt_iter_next(&it, NULL, NULL);
	}
	c->__first = cur;
	c->__it = it;
	if (c->munmap) {
		if (!cur) {
			c->nothing = true;
			return 0;
		}
		first_it = it;
	}
	for (; cur; cur = rt_iter_next(&it, NULL, NULL)) {
		if (cur->vm_start < s)
			c->__left = cur;
		if (cur->vm_end > e)
			v = cur;
		if (cur != t && cur->vm_start >= s && cur->vm_end <= e)
			delta--;
		if (c->munmap) {
			sealed |= cur->vm_flags & VAS_VM_SEALED;
			last_it = it;
		}
	}
	if (sealed) {
		struct vm_area_struct *first = c->__first, *n;

		/*
		 * Linux's vms_gather_munmap_vmas(): the first VMA is split at
		 * start before a sealed one further on is met (the split
		 * stays, -EPERM); a split that fails returns its own error
		 * (-ENOMEM) and changes nothing.
		 */
		if (!(first->vm_flags & VAS_VM_SEALED) && first->vm_start < s) {
			int serr = vma_split(mm, first, s, true, &n);

			if (serr)
				return serr;
		}
		return -EPERM;
	}
	if (c->munmap) {
		/*
		 * unmap_region()'s bounds as they will be after the store:
		 * what stays of a straddler, else the neighbour (0: none).
		 */
		if (c->__left)
			c->__floor = s;
		else if (!rt_iter_prev_end(&first_it, &c->__floor))
			c->__floor = 0;
		if (v)
			c->__ceiling = e;
		else if (!rt_iter_next_start(&last_it, &c->__ceiling))
			c->__ceiling = 0;
		c->__bounds = true;
	}
	if (v) {
		if (v == t || v->vm_start < s)
			c->__cut = v;
		else
			c->__right = v;
	}
	if (c->__cut) {
		delta++;
		split = true;
	}
	if (c->__left && c->__left == t) {	/* t keeps [s, e) only */
		delta++;
		split = true;
	}
	if (split || delta > 0) {
		if (!map_count_ok(mm, delta > 0 ? delta : 0))
			return -ENOMEM;
	}
	c->__delta = delta;
	if (c->__cut) {
		c->__upper = vm_area_alloc(mm);
		if (!c->__upper)
			goto nomem;
	}
	/*
	 * A new object for the part below start: the target's (it keeps the
	 * range), or a driver VMA's whose part inside goes away.
	 */
	if (c->__left && (c->__left == t ||
			  (vmc_removes(c, c->__left) &&
			   vma_has_open_close(c->__left)))) {
		c->__left_new = vm_area_alloc(mm);
		if (!c->__left_new)
			goto nomem;
	}
	if (c->__right && vmc_removes(c, c->__right) &&
	    vma_has_open_close(c->__right)) {
		c->__right_new = vm_area_alloc(mm);
		if (!c->__right_new)
			goto nomem;
	}
	err = c->may_gap ? rt_preallocate(&mm->mm_mt, &c->__pa, s, e) :
			   rt_preallocate_entry(&mm->mm_mt, &c->__pa, s, e, !t);
	if (err) {
		vmc_free_spares(c);
		return err;
	}
	return 0;

nomem:
	vmc_free_spares(c);
	return -ENOMEM;
}

void vmc_abort(struct mm_struct *mm, struct vmc *c)
{
	mmap_assert_write_locked(mm);
	VAS_BUG_ON(c->__cleaned);
	rt_prealloc_release(&c->__pa);
	vmc_free_spares(c);
}

/* A new object for [start, end) of @src, with its fields (split_vma). */
static void vmc_init_piece(struct mm_struct *mm, struct vm_area_struct *new,
			   const struct vm_area_struct *src,
			   unsigned long start, unsigned long end)
	VAS_REQUIRES(mm)
{
	vma_copy_fields(new, src);
	vma_set_start(new, start);
	new->vm_end = end;
	if (new->vm_file)
		vma_file_get(new->vm_file);
	vma_write_lock(mm, new);
}

/*
 * Un-account @cur, which the store changes; if the target takes over
 * memory of it (a part of it inside [start, end) that is not zapped),
 * keep its sticky flags for the target. A straddler cut by MAP_FIXED
 * keeps its memory outside the range: the new VMA takes none of it.
 */
static inline void vmc_account_one(struct mm_struct *mm, struct vmc *c,
				   struct vm_area_struct *cur) VAS_REQUIRES(mm)
{
	unsigned long s = max_t(unsigned long, cur->vm_start, c->start);
	unsigned long e = min_t(unsigned long, cur->vm_end, c->end);

	vma_account(mm, cur, -1);
	if (c->target && (s < c->zap_start || e > c->zap_end))
		c->sticky |= cur->vm_flags & VM_STICKY;
}

/*
 * The first steps of a commit, done once (by vmc_clean_up() or by
 * vmc_commit()), in one pass over the range: write-lock every VMA the
 * change touches and link what goes away on cache_next into c->__doomed,
 * in address order (the VMAs wholly inside [start, end) but the target,
 * and the straddlers that new objects replace; they stay in the tree,
 * write-locked, until the store; the links are ours while the mmap write
 * lock is held). With @account (vmc_commit() without a clean-up before),
 * the same pass does vmc_account_one() for each VMA. Then give the parts of cut-off VMAs that stay
 * their new objects and open those, in address order as Linux's splits do.
 */
static void vmc_begin(struct mm_struct *mm, struct vmc *c, bool account)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *cur, **tail = &c->__doomed;
	struct vm_area_struct *t = c->target;
	struct rt_iter it;

	mmap_assert_write_locked(mm);
	c->__doomed = NULL;
	if (account)
		c->sticky = 0;
	/* vmc_prepare()'s walk, from its first VMA (no store since) */
	it = c->__it;
	for (cur = c->__first; cur; cur = rt_iter_next(&it, NULL, NULL)) {
		vma_write_lock(mm, cur);
		if (account)
			vmc_account_one(mm, c, cur);
		if (cur == t)
			continue;
		if ((cur->vm_start >= c->start && cur->vm_end <= c->end) ||
		    (cur == c->__left && c->__left_new) ||
		    (cur == c->__right && c->__right_new)) {
			cur->cache_next = NULL;
			*tail = cur;
			tail = &cur->cache_next;
		}
	}
	if (c->__left_new)
		vmc_init_piece(mm, c->__left_new, c->__left,
			       c->__left->vm_start, c->start);
	if (c->__upper)
		vmc_init_piece(mm, c->__upper, c->__cut, c->end,
			       c->__cut->vm_end);
	if (c->__right_new)
		vmc_init_piece(mm, c->__right_new, c->__right, c->end,
			       c->__right->vm_end);
	if (c->__left_new)
		vma_open(c->__left_new);
	if (c->__upper)
		vma_open(c->__upper);
	if (c->__right_new)
		vma_open(c->__right_new);
}

/* vmc_account_one() for each VMA of the range: the accounting half of
 * vmc_begin(), for a commit after vmc_clean_up(). */
static void vmc_account_out(struct mm_struct *mm, struct vmc *c)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *cur;
	struct rt_iter it;

	c->sticky = 0;
	rt_iter_init(&it, &mm->mm_mt, c->start, c->end);
	while ((cur = rt_iter_next(&it, NULL, NULL)))
		vmc_account_one(mm, c, cur);
}

/* The closes of what goes away: each VMA's piece inside [start, end). */
static void vmc_close_doomed(const struct vmc *c, struct vm_area_struct *doomed)
{
	for (; doomed; doomed = doomed->cache_next)
		vma_close(doomed, max_t(unsigned long, doomed->vm_start, c->start),
			  min_t(unsigned long, doomed->vm_end, c->end));
}

void vmc_clean_up(struct mm_struct *mm, struct vmc *c)
{
	mmap_assert_write_locked(mm);
	VAS_BUG_ON(c->__cleaned);
	vmc_begin(mm, c, false);
	if (c->zap_start < c->zap_end)
		zap_range(mm, c->zap_start, c->zap_end, ZAP_GUARDS);
	vmc_close_doomed(c, c->__doomed);
	c->__cleaned = true;
}

void vmc_drop_target(struct vmc *c)
{
	VAS_BUG_ON(!c->may_gap || !c->__cleaned || !c->target ||
		   vma_is_attached(c->target));
	c->target = NULL;
	c->__delta--;
}

void vmc_commit(struct mm_struct *mm, struct vmc *c)
{
	struct vm_area_struct *cur, *doomed, *t = c->target;
	struct vm_area_struct *left = c->__left, *right = c->__right;
	struct vm_area_struct *upper = c->__upper, *lnew = c->__left_new;
	struct vm_area_struct *rnew = c->__right_new;
	unsigned long s = c->start, e = c->end;
	bool cleaned = c->__cleaned;

	mmap_assert_write_locked(mm);
	/*
	 * Point of no return. Un-account everything the store changes and
	 * gather the sticky flags, in vmc_begin()'s pass if it runs now.
	 */
	if (cleaned)
		vmc_account_out(mm, c);
	else
		vmc_begin(mm, c, true);
	doomed = c->__doomed;
	c->__doomed = NULL;
	/* What stays of a straddler in its own object is trimmed. */
	if (left && left != t && !lnew)
		left->vm_end = s;
	if (right && !rnew)
		vma_set_start(right, e);
	if (upper)
		vma_attach(mm, upper);
	if (lnew)
		vma_attach(mm, lnew);
	if (rnew)
		vma_attach(mm, rnew);
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
	/* exact overwrites of what the store left of the straddlers: no node */
	if (upper)
		rt_store(&mm->mm_mt, &c->__pa, e, upper->vm_end, upper);
	if (lnew)
		rt_store(&mm->mm_mt, &c->__pa, lnew->vm_start, s, lnew);
	if (rnew)
		rt_store(&mm->mm_mt, &c->__pa, e, rnew->vm_end, rnew);
	rt_prealloc_release(&c->__pa);
	mm->map_count += c->__delta;

	if (left && left != t && !lnew)
		vma_account(mm, left, 1);
	if (right && !rnew)
		vma_account(mm, right, 1);
	if (upper)
		vma_account(mm, upper, 1);
	if (lnew)
		vma_account(mm, lnew, 1);
	if (rnew)
		vma_account(mm, rnew, 1);
	if (t)
		vma_account(mm, t, 1);
	/* (an atomic add: none when nothing was split) */
	if (upper || lnew || rnew)
		stats_add(&mm->machine->stats, VAS_STAT_VMA_SPLIT,
			  (upper ? 1 : 0) + (lnew ? 1 : 0) + (rnew ? 1 : 0));
	if (!cleaned) {
		if (c->zap_start < c->zap_end) {
			if (t)
				zap_range(mm, c->zap_start, c->zap_end,
					  ZAP_GUARDS);
			else if (c->__bounds && c->zap_start == s &&
				 c->zap_end == e)
				unmap_region_within(mm, s, e, c->__floor,
						    c->__ceiling);
			else
				unmap_region(mm, c->zap_start, c->zap_end);
		}
		vmc_close_doomed(c, doomed);
	} else if (!t) {
		/* a dropped target: unmap what the hook put there too */
		unmap_region(mm, s, e);
	}
	while (doomed) {
		cur = doomed;
		doomed = cur->cache_next;
		cur->cache_next = NULL;
		vma_detach(mm, cur);
		vm_area_free(cur);
	}
	c->__upper = c->__left_new = c->__right_new = NULL;
}

struct vm_area_struct *vma_carve(struct mm_struct *mm,
				 struct vm_area_struct *vma, unsigned long start,
				 unsigned long end, unsigned long newflags)
{
	return vma_carve_vmi(mm, NULL, vma, start, end, newflags);
}

struct vm_area_struct *vma_carve_vmi(struct mm_struct *mm,
				     const struct rt_iter *vmi,
				     struct vm_area_struct *vma,
				     unsigned long start, unsigned long end,
				     unsigned long newflags)
{
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
	{
		/*
		 * As Linux's splits (vma_modify): @vma keeps [start, end) and
		 * takes the new flags; what lies outside becomes new VMAs
		 * with the old flags, each opened.
		 */
		VMC_STATE(c, start, end, vma,
			  vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT));

		c.vmi = vmi;
		err = vmc_prepare(mm, &c);
		if (err)
			return ERR_PTR(err);
		vmc_commit(mm, &c);
		vma_account(mm, vma, -1);
		vma->vm_flags = newflags | c.sticky;
		vma_account(mm, vma, 1);
	}
	return vma;
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
