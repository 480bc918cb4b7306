/* SPDX-License-Identifier: MIT */
/*
 * pte.h - the contents of an address space's page tables, without VMA
 * rules (the parts of Linux's mm/memory.c, mremap.c and madvise.c that
 * walk entries): zapping and page-table teardown, mremap's move, fork's
 * copy, msync's write-protect, guard markers, lazy free and pageout, the
 * smaps walk, and the RSS counters. Internal. docs/faults.md has the
 * design.
 *
 * The caller holds what keeps the range's VMAs and page tables in place:
 * the mmap lock, or the VMA's read lock where a function says so; the
 * page tables under a VMA cannot be freed (pt_free_range() frees only
 * gaps, under the write lock). Entries change under the leaf table's lock
 * (PTL).
 */
#ifndef VAS_PTE_PTE_H
#define VAS_PTE_PTE_H

#include "mm/mm.h"
#include "pgtable/pgtable.h"

struct page;

/* RSS counters of an address space (Linux's MM_*PAGES). */
enum mm_counter {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS,
};

/* The counter a mapped page of this kind counts in. */
enum mm_counter mm_counter_of(const struct page *page);

static inline void add_mm_counter(struct mm_struct *mm, enum mm_counter c,
				  long n)
{
	__atomic_add_fetch(&mm->rss_stat[c], n, __ATOMIC_RELAXED);
}

/**
 * pte_get_locked() - The leaf slot of @addr with its table's lock held,
 * installing missing tables first (allocated with no lock held).
 * Context: a lock covering @addr (mmap lock or the VMA's read lock).
 * Return: the slot (release with pte_unmap_unlock()), or NULL: -ENOMEM.
 */
pte_t *pte_get_locked(struct mm_struct *mm, unsigned long addr,
		      struct pt_lock **ptlp) VAS_MUST_CHECK;

/**
 * pte_lock_usable() - The leaf slot of @addr with its table's lock held,
 * if its entry is present and allows the access (@write: writable), as a
 * user access finds it; else NULL with nothing held, and the access must
 * fault. The entry is first read without the lock (RCU), so an entry that
 * needs a fault costs no lock here (the fault takes it).
 * Context: a lock covering @addr (mmap lock or the VMA's read lock).
 * Return: the slot (release with pte_unmap_unlock()) and its entry in
 * *@ptev, or NULL.
 */
pte_t *pte_lock_usable(struct mm_struct *mm, unsigned long addr, bool write,
		       struct pt_lock **ptlp, pte_t *ptev) VAS_MUST_CHECK;

/**
 * pte_relock() - Lock again the table of @ptep, a slot this thread had
 * locked (pte_offset_map_lock() and friends) and unlocked since, without
 * a walk: the tables under a VMA are not freed while the caller holds it.
 * Context: the lock the slot was found under (mmap lock or the VMA's read
 * lock) still held. Return: @ptep with its table's lock held (release with
 * pte_unmap_unlock(), *@ptlp set), or NULL with nothing held if the table
 * was unlinked meanwhile (then the entry is gone: a racing change).
 */
pte_t *pte_relock(pte_t *ptep, struct pt_lock **ptlp) VAS_MUST_CHECK;

/* ---- walking entries (pte.c) --------------------------------------------- */

/*
 * Call @fn on each entry of [@start, @end) that has a leaf table, with the
 * table's lock held (ranges without a table are skipped whole). @fn gets
 * the page behind a present, non-special entry, or NULL.
 */
typedef void (*pte_fn)(struct mm_struct *mm, pte_t *ptep, pte_t pte,
		       struct page *page, void *arg);

void walk_ptes_locked(struct mm_struct *mm, unsigned long start,
		      unsigned long end, pte_fn fn, void *arg);

/* ---- zap and teardown ------------------------------------------------------ */

/*
 * ZAP_GUARDS: munmap's zap (Linux's unmap_vmas, ZAP_FLAG_DROP_MARKER |
 * ZAP_FLAG_UNMAP): guard markers go too, and MMU notifiers see
 * VAS_MMU_NOTIFY_UNMAP. Without it the zap is zap_page_range_single()'s
 * (VAS_MMU_NOTIFY_CLEAR).
 */
#define ZAP_GUARDS 0x1u

/**
 * zap_range() - Clear the leaf entries of [@start, @end) of @mm: pages
 * lose the mapping's reference and mapcount, a dirty pte dirties its
 * page-cache page, RSS counters drop. Guard markers stay unless
 * ZAP_GUARDS. Frees no table. MMU notifiers are told of [@start, @end)
 * around the change (UNMAP with ZAP_GUARDS, else CLEAR).
 * Context: mmap lock held, or a VMA read lock covering the range; no
 * page-table lock (the notifiers may sleep).
 * Return: pages unmapped.
 */
unsigned long zap_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int flags);

/**
 * zap_range_keep_cows() - zap_range() of the entries that map page-cache
 * pages only: private copies (anonymous pages) in the range stay, as a
 * hole punch leaves them (Linux's unmap_mapping_range without even_cows).
 * MMU notifiers see CLEAR over [@start, @end).
 * Context: as zap_range().
 */
void zap_range_keep_cows(struct mm_struct *mm, unsigned long start,
			 unsigned long end);

/**
 * unmap_region() - After [@start, @end) became a gap of @mm: zap it
 * (guards too) and free the page tables only the gap used.
 * Context: mmap lock held for write; no VMA covers the range any more.
 */
void unmap_region(struct mm_struct *mm, unsigned long start,
		  unsigned long end) VAS_REQUIRES(mm);

/**
 * unmap_region_within() - unmap_region() when the caller knows the bounds:
 * @floor, the end of the VMA that stays below @start (0 if none), and
 * @ceiling, the start of the one that stays above @end (0 if none), as
 * free_pgtables() takes them from the munmap's own walk.
 * Context: as unmap_region().
 */
void unmap_region_within(struct mm_struct *mm, unsigned long start,
			 unsigned long end, unsigned long floor,
			 unsigned long ceiling) VAS_REQUIRES(mm);

/**
 * move_page_tables() - mremap's move of the entries of [@old, @old + @len)
 * to @new (pt_move_range). MMU notifiers see UNMAP over the old range,
 * as Linux's move_page_tables() reports it. Context: mmap lock held for
 * write, the source VMA write-locked, no VMA at the destination yet.
 * Return: 0 or -ENOMEM (nothing moved).
 */
int move_page_tables(struct mm_struct *mm, unsigned long old,
		     unsigned long new, unsigned long len) VAS_REQUIRES(mm)
	VAS_MUST_CHECK;

/**
 * wrprotect_shared_range() - Before writeback (msync): move the dirty bit of
 * each pte of [@start, @end) of @vma to its page and write-protect the pte,
 * so the next store dirties the page again (Linux's page_mkclean, for this
 * address space). MMU notifiers see PROTECTION_PAGE over [@start, @end).
 * Context: mmap lock held.
 */
void wrprotect_shared_range(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end);

/**
 * install_guards() - Put a guard marker in each entry of [@start, @end),
 * zapping pages that are there (MADV_GUARD_INSTALL): the first page
 * found makes it zap the whole range, as Linux does (one CLEAR over
 * [@start, @end) for MMU notifiers), and go on.
 * Context: mmap lock held. Return: 0 or -ENOMEM (markers before stay).
 */
int install_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end) VAS_MUST_CHECK;
/** remove_guards() - Clear the guard markers of [@start, @end). */
void remove_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end);

/**
 * madvise_free_range() - MADV_FREE: the anonymous pages of [@start, @end)
 * of @vma that only this entry maps become lazily freeable: clean, old,
 * marked; a later store dirties them again. MMU notifiers see CLEAR over
 * [@start, @end) (madvise_free_single_vma). Context: mmap lock held.
 */
void madvise_free_range(struct vm_area_struct *vma, unsigned long start,
			unsigned long end);

/**
 * pageout_range() - MADV_PAGEOUT without swap: reclaim what can go without
 * it — lazily freed anonymous pages still clean, and folios of host files
 * mapped only here (unmapped, written back if dirty, evicted from the
 * cache; a folio whose writeback fails stays cached), and shmem pages
 * mapped only here (unmapped; they stay in the object: no swap to write
 * them to). Other anonymous pages stay. MMU notifiers see CLEAR over each
 * page or folio reclaimed (try_to_unmap). Context: mmap lock held; may block (host I/O).
 */
void pageout_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end);

/* ---- mprotect ------------------------------------------------------------ */

/**
 * change_protection() - mprotect changed the rights of [@start, @end) of
 * @vma (its flags are already the new ones). The ptes keep their bits
 * (rights live in the VMA), so this only tells the MMU notifiers, as
 * Linux's change_protection() does: PROTECTION_VMA over [the first 1 GiB
 * span of the range that has page tables, the end of its 512 GiB span),
 * once per such 512 GiB span; nothing where there are no page tables.
 * Context: mmap lock held for write; no page-table lock.
 */
void change_protection(struct vm_area_struct *vma, unsigned long start,
		       unsigned long end);

/* ---- fork ---------------------------------------------------------------- */

/*
 * struct copy_state - What fork's copies of its VMAs share: the page-table
 * cursor (pt_copy_range()) and the child's RSS counts, added once at the
 * end (copy_state_finish()) instead of per VMA.
 */
struct copy_state {
	struct pt_copy_cursor cur;
	long rss[NR_MM_COUNTERS];
};
#define COPY_STATE_INIT {.cur = PT_COPY_CURSOR_INIT}

/**
 * copy_page_range() - Fork's copy of @src's entries into @dst: private
 * pages shared copy-on-write, shared pages shared, guard markers kept; an
 * anonymous page of a private writable mapping that is pinned, in an
 * address space with MMF_HAS_PINNED, is copied for the child at once
 * (folio_needs_cow_for_dma), the parent's entry left as it is.
 * For a COW mapping (private, may write) whose entries are copied, MMU
 * notifiers of @src's address space see PROTECTION_PAGE over all of @src.
 * @cs carries the leaf tables from one VMA's copy to the next of the same
 * fork, and counts the child's pages (copy_state_finish() adds them).
 * Context: both mmap locks held for write, @src write-locked; @dst's
 * address space not visible to any other thread (fork's child: its page
 * tables are written without their locks).
 * Return: 0 or -ENOMEM (@dst holds what was copied, counted in @cs; tear
 * it down after copy_state_finish(); the parent's entries already copied
 * stay write-protected, as Linux leaves them).
 */
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src,
		    struct copy_state *cs) VAS_MUST_CHECK;

/**
 * copy_state_finish() - Add the pages counted in @cs to @dst's RSS.
 * Context: @dst's mmap lock held for write; after the last
 * copy_page_range() of @cs, whether it failed or not.
 */
void copy_state_finish(struct mm_struct *dst, struct copy_state *cs);

/* ---- smaps -------------------------------------------------------------- */

/* PSS figures are fixed-point bytes << PSS_SHIFT (the kernel's). */
struct mem_size_stats {
	unsigned long long resident;
	unsigned long long pss;			/* << PSS_SHIFT */
	unsigned long long pss_dirty;		/* << PSS_SHIFT */
	unsigned long long shared_clean;
	unsigned long long shared_dirty;
	unsigned long long private_clean;
	unsigned long long private_dirty;
	unsigned long long referenced;
	unsigned long long anonymous;
	unsigned long long ksm;
	unsigned long long lazyfree;
	unsigned long long anonymous_thp;
	unsigned long long shmem_thp;
	unsigned long long file_thp;
	unsigned long long shared_hugetlb;
	unsigned long long private_hugetlb;
	unsigned long long swap;
	unsigned long long swap_pss;		/* << PSS_SHIFT */
	unsigned long long pss_locked;		/* << PSS_SHIFT */
};
#define PSS_SHIFT 12

/** smaps_account_vma() - Add @vma's pages to @mss. Context: mmap lock held. */
void smaps_account_vma(struct vm_area_struct *vma, struct mem_size_stats *mss);

#endif /* VAS_PTE_PTE_H */
