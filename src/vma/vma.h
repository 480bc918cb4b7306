/* SPDX-License-Identifier: MIT */
/*
 * vma.h (internal) - VMA objects and the operations that change the set of
 * VMAs of an address space: link, remove, split, merge, replace.
 *
 * Each operation preallocates everything first (tree nodes, new VMAs) and
 * then commits with one tree store, so it is atomic to lock-free readers
 * and either completes or fails with -ENOMEM leaving the address space
 * unchanged. The mapping system calls (src/mmap) are built on these.
 *
 * VMAs are type-safe under RCU: a freed VMA goes back to its machine's
 * cache at once and may be reused, by any address space, while RCU readers
 * still hold a pointer to it (as with Linux's SLAB_TYPESAFE_BY_RCU). Its
 * memory is returned to the host only after a grace period. Readers must
 * therefore re-check a VMA after locking it (vma_start_read does).
 */
#ifndef VAS_VMA_VMA_H
#define VAS_VMA_VMA_H

#include "mm/mm.h"
#include "vma/anon_vma.h"

/**
 * vm_area_alloc() - A detached, zeroed VMA for @mm (vm_refcnt 0), from
 * @mm's own cache, else the machine's, else new.
 * Context: mmap lock of @mm held for write (it guards @mm's cache); may
 * allocate (site VAS_FP_VMA). Return: the VMA or NULL.
 */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm) VAS_MUST_CHECK;

/**
 * vm_area_free() - Give back a detached VMA, to its mm's cache. It may be
 * reused at once; its memory stays a VMA until a grace period has passed.
 * Context: mmap lock of @vma->vm_mm held for write; @vma detached
 * (vm_refcnt 0).
 */
void vm_area_free(struct vm_area_struct *vma);

/**
 * vma_cache_flush() - Give the VMAs of @mm's own cache to the machine's
 * (exit_mmap: the address space maps nothing more).
 * Context: mmap lock of @mm held for write.
 */
void vma_cache_flush(struct mm_struct *mm) VAS_REQUIRES(mm);

/**
 * vma_cache_drain() - Free every cached VMA and anon_vma.
 * Context: machine teardown.
 */
void vma_cache_drain(struct vas_machine *machine);

/*
 * The machine's cache of anon_vmas (anon_vma.h), under the VMA cache's
 * mutex, limited as the VMAs' (vma_cache_max; the rest is freed).
 * anon_vma_cache_take() - One cached anon_vma, or NULL.
 * anon_vma_cache_give() - Give @list's anon_vmas (emptied).
 * Context: any; they take the machine's VMA cache mutex.
 */
struct anon_vma *anon_vma_cache_take(struct vas_machine *machine);
void anon_vma_cache_give(struct vas_machine *machine,
			 struct anon_vma_list *list);

/*
 * struct vma_batch - VMAs and anon_vmas moved between the caller and the
 * machine's caches in one acquisition of their mutex: fork reserves what
 * its copies will need, exit collects what it frees.
 */
struct vma_batch {
	struct vm_area_struct *vmas;	/* linked by cache_next */
	unsigned long nr_vmas;
	struct anon_vma_list avs;
};
#define VMA_BATCH_INIT {.vmas = NULL}

/**
 * vma_batch_reserve() - Move up to @vmas cached VMAs and @avs cached
 * anon_vmas of @machine to @b (fewer if the caches hold fewer), in one
 * acquisition. Context: @b is the caller's; takes the cache's mutex.
 */
void vma_batch_reserve(struct vas_machine *machine, struct vma_batch *b,
		       unsigned long vmas, unsigned long avs);

/**
 * vma_batch_release() - Give everything in @b to @machine's caches in one
 * acquisition (beyond their limit: VMAs freed after a grace period,
 * anon_vmas at once); @b is left empty.
 */
void vma_batch_release(struct vas_machine *machine, struct vma_batch *b);

/**
 * vm_area_alloc_from() - vm_area_alloc(), taking the VMA from @b first
 * (with the same failure injection). Context: as vm_area_alloc().
 */
struct vm_area_struct *vm_area_alloc_from(struct mm_struct *mm,
					  struct vma_batch *b) VAS_MUST_CHECK;

/**
 * vm_area_free_to() - vm_area_free(), but @vma (and its anon_vma, if this
 * was its last user) goes to @b. Context: as vm_area_free().
 */
void vm_area_free_to(struct vm_area_struct *vma, struct vma_batch *b);

/*
 * The operations below share one context:
 * Context: mmap lock held for write. Write-locks every VMA they change.
 * May allocate. Return: 0, or -ENOMEM with the address space unchanged,
 * or -EINVAL / -EEXIST for a bad request (also unchanged).
 */

/**
 * vma_link() - Insert @vma, set up by the caller with vm_start < vm_end,
 * page-aligned, into an empty range of @mm. On success the tree owns it.
 */
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm) VAS_MUST_CHECK;

/** vma_remove() - Remove @vma from @mm and free it. */
int vma_remove(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm) VAS_MUST_CHECK;

/**
 * vma_split() - Split @vma at @addr (vm_start < @addr < vm_end, aligned):
 *
 *      before:  |-------- vma --------|
 *      after:   |-- vma --|--- new ---|      (new_below == false)
 *               |-- new --|--- vma ---|      (new_below == true)
 *
 * @newp: receives the new VMA, which gets a copy of @vma's fields with
 * vm_pgoff adjusted. One tree store makes both halves visible at once.
 */
int vma_split(struct mm_struct *mm, struct vm_area_struct *vma,
	      unsigned long addr, bool new_below, struct vm_area_struct **newp)
	VAS_REQUIRES(mm) VAS_MUST_CHECK;

/**
 * vma_merge_next() - Grow @prev over @next, which must start at prev's end,
 * and free @next:
 *
 *      before:  |-- prev --|-- next --|
 *      after:   |------- prev --------|
 *
 * The caller has decided that the two are compatible (vma/merge.c owns
 * the merge rules); this only moves the ranges.
 */
int vma_merge_next(struct mm_struct *mm, struct vm_area_struct *prev,
		   struct vm_area_struct *next) VAS_REQUIRES(mm) VAS_MUST_CHECK;

/**
 * vma_replace_range() - Make @vma (set up by the caller for [start, end))
 * the only VMA in its range: VMAs inside are removed and freed, VMAs
 * straddling an edge are trimmed, a VMA covering the whole range is split
 * around it. This is how MAP_FIXED replaces what is there, atomically.
 */
int vma_replace_range(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES(mm) VAS_MUST_CHECK;

/**
 * vma_carve() - Give [@start, @end) of @vma the flags @newflags, splitting
 * off what lies outside it, in one commit. As Linux's splits: @vma keeps
 * [@start, @end) and takes @newflags; each part outside becomes a new VMA
 * with the old flags and is opened (vm_ops->open). Return: @vma, or
 * ERR_PTR(-ENOMEM) with nothing changed.
 */
struct vm_area_struct *vma_carve(struct mm_struct *mm,
				 struct vm_area_struct *vma, unsigned long start,
				 unsigned long end, unsigned long newflags)
	VAS_REQUIRES(mm);

/*
 * vma_carve_vmi() - vma_carve() whose commit walks from the caller's
 * position @vmi (struct vmc's @vmi; NULL: from the root).
 */
struct vm_area_struct *vma_carve_vmi(struct mm_struct *mm,
				     const struct rt_iter *vmi,
				     struct vm_area_struct *vma,
				     unsigned long start, unsigned long end,
				     unsigned long newflags) VAS_REQUIRES(mm);

/*
 * struct vmc - one atomic change of a range of an address space.
 *
 * After the commit, @target covers exactly [start, end) (with @pgoff), or
 * the range is unmapped if @target is NULL:
 *  - VMAs wholly inside [start, end), other than @target, are removed;
 *  - a VMA straddling @start keeps its part below, one straddling @end its
 *    part above (its pgoff moves up);
 *  - a VMA straddling both edges, or an existing @target that reached past
 *    @end, is cut in two: the part above @end becomes a new VMA;
 *  - an existing @target that reached below @start keeps [start, end) and
 *    its part below becomes a new VMA (Linux's split: the original object
 *    keeps the range the operation changes).
 * @target may be new (detached: it is attached) or an existing VMA being
 * grown over its neighbours (a merge) or cut down to the range.
 *
 *	before:  |--A--|   |---B---|  |--C--|
 *	                [start ........... end)
 *	after:   |-A-|[start .. target .. end)C|
 *
 * Driver VMAs (vm_ops with open or close) see the objects Linux makes: the
 * parts that a removal (a range inside [zap_start, zap_end)) cuts off a
 * straddling VMA become new VMA objects, each opened (vm_ops->open); the
 * old object goes, and its removed piece gets vm_ops->close with that
 * piece's range. Pieces a merge takes over need no call (commit_merge).
 * Every new part of a cut or of a target reaching past its range is
 * opened too. Opens come first, then the zap, then the closes, in address
 * order (vms_gather_munmap_vmas, vms_complete_munmap_vmas).
 *
 * vmc_prepare() allocates everything (tree nodes, the new objects) and
 * checks map_count; vmc_commit() cannot fail; vmc_abort() undoes the
 * prepare. Between the two the caller may run hooks that can fail (a
 * file's mmap hook): vmc_clean_up() first removes the old mapping (the
 * opens, the zap, the closes), then the commit completes with the target
 * or, after vmc_drop_target(), with the range left unmapped. One tree
 * store makes the change visible (further in-place stores, each of
 * exactly one range, give the cut-off parts their own objects).
 *
 * Context for all: mmap lock held for write.
 */
struct vmc {
	unsigned long start, end;
	struct vm_area_struct *target;
	unsigned long pgoff;
	/*
	 * [zap_start, zap_end): memory that goes with the old VMAs (munmap,
	 * MAP_FIXED): zapped after the store, before those VMAs are closed
	 * and freed; with no @target its page tables are freed too. Empty
	 * (0, 0) when the change keeps the pages (merges, flag changes).
	 */
	unsigned long zap_start, zap_end;
	/* in: the caller may vmc_drop_target() after vmc_prepare() */
	bool may_gap;
	/*
	 * in: a munmap (do_munmap; @target NULL): vmc_prepare() refuses a
	 * range holding a sealed VMA with -EPERM, after Linux's side effect
	 * (munmap_check_sealed()), and finds a range that holds no VMA a
	 * no-op: it sets @nothing and reserves nothing (do not commit).
	 */
	bool munmap;
	bool nothing;		/* out, with @munmap: no VMA in the range */
	/*
	 * in, optional: the caller's position in the tree (an iterator that
	 * rt_iter_seek() aimed near [start, end); a store since only costs a
	 * walk): vmc_prepare()'s walk seeks from its leaf instead of the root.
	 */
	const struct rt_iter *vmi;
	/* out: the sticky flags of what the target absorbed (set on it) */
	unsigned long sticky;
	/* private: */
	struct vm_area_struct *__cut;	/* VMA cut in two, or NULL */
	struct vm_area_struct *__upper;	/* new object for its upper part */
	struct vm_area_struct *__left;	/* a VMA (or target) reaching below start */
	struct vm_area_struct *__right;	/* a VMA reaching past end, not the cut */
	struct vm_area_struct *__left_new;	/* new object for __left's part below */
	struct vm_area_struct *__right_new;	/* new object for __right's part above */
	struct vm_area_struct *__doomed; /* what goes away (vmc_begin()) */
	bool __cleaned;			/* vmc_clean_up() ran */
	/*
	 * vmc_prepare()'s walk, kept for vmc_begin(): the first VMA of the
	 * range and the iterator just past it (if a store happens in
	 * between, the iterator routes again from its position; none may:
	 * the reservation needs none), so the commit does not walk from the
	 * root again.
	 */
	struct vm_area_struct *__first;
	struct rt_iter __it;
	/*
	 * The page-table bounds of a munmap (unmap_region()'s floor and
	 * ceiling: the end of the VMA that stays below, the start of the one
	 * that stays above, 0 for none), found from the walk's leaves
	 * (__bounds set); else unmap_region() looks them up after the store.
	 */
	unsigned long __floor, __ceiling;
	bool __bounds;
	struct rt_prealloc __pa;
	int __delta;			/* change of map_count */
};

/*
 * Sticky flags (Linux 6.18's VM_STICKY): kept by a VMA that a merge grows
 * over a part that had them, and ignored by the merge checks.
 */
#define VM_STICKY VAS_VM_MAYBE_GUARD

#define VMC_STATE(name, s, e, tgt, pg)                                      \
	struct vmc name = { .start = (s), .end = (e), .target = (tgt),       \
			    .pgoff = (pg), .__pa = RT_PREALLOC_INIT }

int vmc_prepare(struct mm_struct *mm, struct vmc *c)
	VAS_REQUIRES(mm) VAS_MUST_CHECK;
void vmc_commit(struct mm_struct *mm, struct vmc *c) VAS_REQUIRES(mm);
void vmc_abort(struct mm_struct *mm, struct vmc *c) VAS_REQUIRES(mm);

/**
 * vmc_clean_up() - Remove the old mapping of a prepared change before the
 * commit (vms_clean_up_area): write-lock what the commit changes, open the
 * new objects of the parts that stay, zap [zap_start, zap_end), call the
 * closes of what goes. The tree is not touched yet. After it the change
 * can only be committed (vmc_abort() is no longer allowed).
 */
void vmc_clean_up(struct mm_struct *mm, struct vmc *c) VAS_REQUIRES(mm);

/**
 * vmc_drop_target() - After vmc_clean_up(), commit with the range left
 * unmapped instead (vms_abort_munmap_vmas once the old pages are gone):
 * the new, detached target stays the caller's to free, and whatever was
 * mapped in [start, end) in between (a driver's pages) is unmapped by the
 * commit. Needs @may_gap set before vmc_prepare().
 */
void vmc_drop_target(struct vmc *c);

/**
 * vma_account() - Add (@sign 1) or remove (-1) @vma's pages in @mm's
 * counters: total_vm, locked_vm, and data/exec/stack as vm_stat_account.
 */
void vma_account(struct mm_struct *mm, const struct vm_area_struct *vma,
		 int sign) VAS_REQUIRES(mm);

/*
 * vma_open() - Call @vma's vm_ops->open, if any: @vma is a new VMA object
 * that maps what an existing one mapped (a piece a split cut off, an
 * mremap or fork copy). Context: mmap lock held for write.
 */
void vma_open(struct vm_area_struct *vma);

/*
 * vma_close() - Call @vma's vm_ops->close, if any, for [@start, @end) of
 * it (all of it, or the piece that goes away), seen as a struct
 * vas_vma_closing. Context: mmap lock held for write (at teardown too,
 * where the address space has no user left).
 */
void vma_close(struct vm_area_struct *vma, unsigned long start,
	       unsigned long end);

/* vma_has_open_close() - Whether @vma's vm_ops has an open or a close. */
bool vma_has_open_close(const struct vm_area_struct *vma);
/*
 * vma_wants_page_mkwrite() - Whether @vma's vm_ops has a page_mkwrite
 * (Linux's vma_wants_writenotify for drivers): its shared pages are then
 * mapped read-only until a write fault has asked the driver.
 */
bool vma_wants_page_mkwrite(const struct vm_area_struct *vma);

/** vma_pages() - Pages spanned by @vma. Context: @vma stable. */
static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* Accounting of @vma's pages added (@sign 1) or removed (-1). */
void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
	VAS_REQUIRES(mm);

/* ---- limits, merge checks, flag changes, stack growth ------------------- */

static inline unsigned long rlimit_pages(struct mm_struct *mm,
					 enum vas_rlimit r)
{
	unsigned long v = __atomic_load_n(&mm->rlimit[r], __ATOMIC_RELAXED);

	return v == VAS_RLIM_INFINITY ? ~0UL : v >> PAGE_SHIFT;
}

/* Private writable mapping: counts against RLIMIT_DATA (is_data_mapping). */
static inline bool is_data_mapping(unsigned long flags)
{
	return (flags & (VAS_VM_WRITE | VAS_VM_SHARED | VAS_VM_STACK)) ==
	       VAS_VM_WRITE;
}

/*
 * vm_acct_memory() - Add @pages (negative: take them off) to what @mm and
 * its machine have committed (vm_acct_memory / vm_unacct_memory). Called
 * by vma_account() for VM_ACCOUNT VMAs, so the committed total is always
 * the VM_ACCOUNT pages of every address space. The machine's total gets
 * the section's net change when the mmap write lock is released or
 * downgraded (mm->committed_pending). Context: M (write).
 */
void vm_acct_memory(struct mm_struct *mm, long pages);

/*
 * vm_enough_memory() - May @mm commit @pages more (__vm_enough_memory
 * with the machine's overcommit tunables)? Nothing is charged: the VMAs
 * are, when they are committed (vma_account()).
 * Context: M. Return: 0 or -ENOMEM.
 */
int vm_enough_memory(struct mm_struct *mm, unsigned long pages);

/* may_expand_vm(): RLIMIT_AS and RLIMIT_DATA. Context: M. */
bool may_expand_vm(struct mm_struct *mm, unsigned long flags,
		   unsigned long npages) VAS_REQUIRES(mm);

/* mlock_future_ok(): RLIMIT_MEMLOCK for a VM_LOCKED change. Context: M. */
bool mlock_future_ok(struct mm_struct *mm, unsigned long flags,
		     unsigned long bytes) VAS_REQUIRES(mm);

/*
 * The merge engine (vma/merge.c), as Linux 6.18's mm/vma.c.
 *
 * Two VMAs merge when the flags are equal (VM_SOFTDIRTY and VM_STICKY
 * aside), the file is the same, the file offsets are contiguous, the
 * anon_vmas are compatible (equal, or one side has none and the other was
 * not inherited through fork), and the range is not VM_SPECIAL. A VMA that
 * a merge would remove must not have a vm_ops->close.
 */
enum vma_merge_state {
	VMA_MERGE_START,
	VMA_MERGE_ERROR_NOMEM,
	VMA_MERGE_NOMERGE,
	VMA_MERGE_SUCCESS,
};

/*
 * struct vma_merge_struct - a proposed range and its neighbours.
 * @prev, @next: the VMAs just below @start and at or just above @end (or
 *	NULL). For a new range that replaces a mapping (MAP_FIXED) they may
 *	straddle the edges, even be one VMA around the whole range: they are
 *	taken as they will be once [start, end) is unmapped.
 * @middle: the VMA whose range or memory this is (the VMA being changed,
 *	the source of mremap's copy), or NULL for a new mapping.
 * @zap_start, @zap_end: memory the change unmaps (MAP_FIXED), or 0, 0.
 * @vmi: optional, the caller's position in the tree, passed to the
 *	commit (struct vmc's @vmi). For vma_merge_existing_range() it must be
 *	an iterator whose last step returned @middle, with no store since:
 *	the neighbours are taken from it (rt_iter_prev_entry(),
 *	rt_iter_next_entry()) instead of being looked up.
 * @merge_next: out, set when @next can take the range but cannot grow to
 *	it (it straddles @start too): the caller's new VMA spans to next's end.
 * @state: out, VMA_MERGE_*.
 */
struct vma_merge_struct {
	struct mm_struct *mm;
	struct vm_area_struct *prev, *middle, *next;
	unsigned long start, end, pgoff, vm_flags;
	struct vas_file *file;
	struct anon_vma *anon_vma;
	unsigned long zap_start, zap_end;
	const struct rt_iter *vmi;
	bool merge_next;
	enum vma_merge_state state;
};

#define VMG_STATE(name, mm_, start_, end_, flags_, pgoff_)                   \
	struct vma_merge_struct name = { .mm = (mm_), .start = (start_),      \
					 .end = (end_), .vm_flags = (flags_), \
					 .pgoff = (pgoff_),                   \
					 .state = VMA_MERGE_START }

/* Whether the last merge attempt failed for lack of memory. */
static inline bool vmg_nomem(const struct vma_merge_struct *vmg)
{
	return vmg->state == VMA_MERGE_ERROR_NOMEM;
}

/**
 * vma_merge_new_range() - Map the unmapped (or about to be unmapped)
 * range [vmg->start, vmg->end) by growing vmg->prev, vmg->next or both
 * over it, where Linux would (mmap, mremap's copy and in-place growth).
 * The merged VMA takes vmg->middle's anon_vma if it has none, and next's
 * when prev grows over both (dup_anon_vma); it keeps its flags plus the
 * sticky ones of vmg->vm_flags.
 * Context: mmap lock held for write.
 * Return: the merged VMA (state VMA_MERGE_SUCCESS), or NULL with state
 * VMA_MERGE_NOMERGE (no merge: the caller maps a new VMA) or
 * VMA_MERGE_ERROR_NOMEM (nothing changed).
 */
struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg);

/**
 * vma_merge_existing_range() - Give [vmg->start, vmg->end) of vmg->middle
 * the flags vmg->vm_flags by merging it into a neighbour, where Linux
 * would (mprotect, madvise, mlock, mseal):
 *
 *	merge left (prev grows):   |prev|*mid*---|  -> |prev.....|mid|
 *	merge right (next grows):  |---*mid*|next|  -> |mid|.....next|
 *	both:                      |prev|*mid*|next| -> |prev..........|
 *
 * The caller sets mm, middle, start, end, pgoff and vm_flags; the
 * neighbours are looked up here. Context: mmap lock held for write.
 * Return: the merged VMA, or NULL with state VMA_MERGE_NOMERGE or
 * VMA_MERGE_ERROR_NOMEM (nothing changed).
 */
struct vm_area_struct *vma_merge_existing_range(struct vma_merge_struct *vmg);

/*
 * vma_modify_flags() - Give [start, end) of @vma the flags @newflags,
 * merging with a neighbour where Linux would (vma_merge_existing_range) and
 * splitting otherwise (vma_modify). @start/@end lie inside @vma.
 * Return: the VMA that now covers [start, end) with @newflags, or an
 * ERR_PTR (-ENOMEM) with @vma unchanged. (Linux splits twice and may keep
 * the first split when the second fails; vas carves the range out in one
 * commit, so an allocation failure leaves nothing behind.)
 * Context: mmap lock held for write.
 */
struct vm_area_struct *vma_modify_flags(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long newflags) VAS_REQUIRES(mm);

/*
 * vma_modify_flags_vmi() - vma_modify_flags() at the caller's position
 * @vmi: an iterator whose last step returned @vma, with no store since
 * (vma_merge_struct's @vmi). The neighbours come from it and the commit's
 * walk starts from its leaf, as Linux's vma_modify() uses its vma_iterator.
 * Context, return: as vma_modify_flags(); @vmi is stale afterwards if
 * anything changed (seek it again).
 */
struct vm_area_struct *vma_modify_flags_vmi(struct mm_struct *mm,
					    const struct rt_iter *vmi,
					    struct vm_area_struct *vma,
					    unsigned long start,
					    unsigned long end,
					    unsigned long newflags)
	VAS_REQUIRES(mm);

/*
 * expand_stack_locked() - Grow the VM_GROWSDOWN @vma down to @addr (a
 * fault below it): the guard gap to the VMA below, RLIMIT_STACK, the
 * address-space and mlock limits, the anon_vma. Context: mmap lock held
 * for write. Return: 0, -EFAULT (not a stack), -ENOMEM, -EPERM (below
 * mmap_min_addr).
 */
int expand_stack_locked(struct mm_struct *mm, struct vm_area_struct *vma,
			unsigned long addr) VAS_REQUIRES(mm) VAS_MUST_CHECK;


/* The VMA before @vma in the tree (vma_prev), or NULL. Context: M. */
static inline struct vm_area_struct *vma_prev_of(struct mm_struct *mm,
						 struct vm_area_struct *vma)
{
	return rt_prev(&mm->mm_mt, vma->vm_start, NULL, NULL);
}

static inline struct vm_area_struct *vma_next_of(struct mm_struct *mm,
						 struct vm_area_struct *vma)
{
	return rt_next(&mm->mm_mt, vma->vm_end, NULL, NULL);
}

#endif /* VAS_VMA_VMA_H */
