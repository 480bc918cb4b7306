// SPDX-License-Identifier: MIT
/*
 * zap.c - taking pages out of an address space: zap (munmap, madvise,
 * zap_page_range_single, exit), page-table teardown of gaps, mremap's
 * move, write-protection before writeback, smaps' page figures, and
 * truncation's unmap of every mapping of a file.
 */
#include <errno.h>
#include <limits.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "pte/pte.h"
#include "mm/mm.h"

struct zap_ctx {
	struct mm_struct *mm;
	long rss[NR_MM_COUNTERS];
};

/* One present entry cleared (leaf lock held): give back the mapping. */
static void zap_one(void *arg, unsigned long addr, pte_t pte)
{
	struct zap_ctx *z = arg;
	struct page *page;

	(void)addr;
	if (pte_special(pte))
		return;		/* the zero page, a PFN map: nothing counted */
	page = pfn_to_page(z->mm->machine->frames, pte_pfn(pte));
	if (!page)
		return;
	if (pte_dirty(pte) && !PageAnon(page))
		set_page_dirty(page);
	z->rss[mm_counter_of(page)]--;
	page_remove_map(page);
	put_page(page);
}

unsigned long zap_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int flags)
{
	struct zap_ctx z = { .mm = mm };
	unsigned long n;
	int i;

	if (start >= end || !mm->pgd)
		return 0;
	n = pt_zap_range(mm->pgd, start, end,
			 flags & ZAP_GUARDS ? PT_ZAP_GUARDS : 0, zap_one, &z);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		if (z.rss[i])
			add_mm_counter(mm, (enum mm_counter)i, z.rss[i]);
	return n;
}

/*
 * Call @fn on each entry of [@start, @end) that has a leaf table, with the
 * table's lock held (ranges without a table are skipped whole). @fn gets
 * the page behind a present, non-special entry, or NULL.
 */
typedef void (*pte_fn)(struct mm_struct *mm, pte_t *ptep, pte_t pte,
		       struct page *page, void *arg);

static void walk_ptes_locked(struct mm_struct *mm, unsigned long start,
			     unsigned long end, pte_fn fn, void *arg)
{
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct pt_lock *ptl;
		pte_t *ptep = pte_offset_map_lock(mm->pgd, addr, &ptl), pte;
		struct page *page;

		if (!ptep) {
			/* no table: on to the next one */
			addr = (addr | (PMD_SIZE - 1)) + 1 - PAGE_SIZE;
			continue;
		}
		pte = ptep_get(ptep);
		page = pte_present(pte) && !pte_special(pte)
			       ? pfn_to_page(mm->machine->frames, pte_pfn(pte))
			       : NULL;
		fn(mm, ptep, pte, page, arg);
		pte_unmap_unlock(ptep, ptl);
	}
}

static void keep_cows_one(struct mm_struct *mm, pte_t *ptep, pte_t pte,
			  struct page *page, void *arg)
{
	(void)mm;
	(void)pte;
	if (page && !PageAnon(page))
		zap_one(arg, 0, ptep_get_and_clear(ptep));
}

/*
 * zap_range() that keeps anonymous pages: the private copies a hole punch
 * leaves alone (zap_details.even_cows false).
 */
void zap_range_keep_cows(struct mm_struct *mm, unsigned long start,
				unsigned long end)
{
	struct zap_ctx z = { .mm = mm };
	int i;

	walk_ptes_locked(mm, start, end, keep_cows_one, &z);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		if (z.rss[i])
			add_mm_counter(mm, (enum mm_counter)i, z.rss[i]);
}

void unmap_region(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long floor = 0, ceiling = 0, e;
	struct vm_area_struct *prev, *next;

	mmap_assert_write_locked(mm);
	zap_range(mm, start, end, ZAP_GUARDS);
	/* free_pgtables(): only what lies between the neighbours that stay */
	prev = start ? rt_prev(&mm->mm_mt, start, NULL, &e) : NULL;
	if (prev)
		floor = e;
	next = rt_find(&mm->mm_mt, end, &ceiling, NULL);
	if (!next)
		ceiling = 0;
	pt_free_range(mm->pgd, start, end, floor, ceiling);
}

int move_page_tables(struct mm_struct *mm, unsigned long old,
		     unsigned long new, unsigned long len)
{
	mmap_assert_write_locked(mm);
	if (!len || old == new)
		return 0;
	return pt_move_range(mm->pgd, old, new, len);
}

static void wrprotect_one(struct mm_struct *mm, pte_t *ptep, pte_t pte,
			  struct page *page, void *arg)
{
	(void)mm;
	(void)arg;
	if (!page || !(pte_write(pte) || pte_dirty(pte)))
		return;
	if (pte_dirty(pte) && !PageAnon(page))
		set_page_dirty(page);
	set_pte(ptep, pte_wrprotect(pte_mkclean(pte)));
}

void wrprotect_shared_range(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end)
{
	walk_ptes_locked(vma->vm_mm, start, end, wrprotect_one, NULL);
}

/* ---- smaps --------------------------------------------------------------- */

struct smaps_ctx {
	struct mm_struct *mm;
	struct mem_size_stats *mss;
	bool locked;
};

/* smaps_account(): one present entry. */
static void smaps_pte(struct smaps_ctx *s, pte_t pte)
{
	struct mem_size_stats *mss = s->mss;
	unsigned long long pss;
	struct page *page;
	bool dirty;
	int mapcount;

	if (!pte_present(pte) || pte_special(pte))
		return;
	page = pfn_to_page(s->mm->machine->frames, pte_pfn(pte));
	if (!page)
		return;
	mss->resident += PAGE_SIZE;
	if (PageAnon(page))
		mss->anonymous += PAGE_SIZE;
	if (pte_young(pte))
		mss->referenced += PAGE_SIZE;
	dirty = pte_dirty(pte) || PageDirty(page);
	mapcount = page_mapcount(page);
	if (mapcount >= 2) {
		pss = ((unsigned long long)PAGE_SIZE << PSS_SHIFT) /
		      (unsigned long long)mapcount;
		if (dirty)
			mss->shared_dirty += PAGE_SIZE;
		else
			mss->shared_clean += PAGE_SIZE;
	} else {
		pss = (unsigned long long)PAGE_SIZE << PSS_SHIFT;
		if (dirty)
			mss->private_dirty += PAGE_SIZE;
		else
			mss->private_clean += PAGE_SIZE;
	}
	mss->pss += pss;
	if (dirty)
		mss->pss_dirty += pss;
	if (s->locked)
		mss->pss_locked += pss;
}

void smaps_account_vma(struct vm_area_struct *vma, struct mem_size_stats *mss)
{
	struct smaps_ctx s = { .mm = vma->vm_mm, .mss = mss,
			       .locked = vma->vm_flags & VAS_VM_LOCKED };
	unsigned long addr;

	vma_assert_stable(vma);
	vas_rcu_read_lock();
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		pte_t *ptep = pt_walk(vma->vm_mm->pgd, addr);

		if (!ptep) {
			addr = (addr | (PMD_SIZE - 1)) + 1 - PAGE_SIZE;
			continue;
		}
		smaps_pte(&s, ptep_get(ptep));
	}
	vas_rcu_read_unlock();
}

/* ---- guard regions (MADV_GUARD_INSTALL / _REMOVE) ------------------------- */

int install_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end)
{
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct pt_lock *ptl;
		pte_t *ptep = pte_get_locked(mm, addr, &ptl);

		if (!ptep)
			return -ENOMEM;
		if (pte_present(ptep_get(ptep))) {
			/* a page is there: zap it first, then the marker */
			pte_unmap_unlock(ptep, ptl);
			zap_range(mm, addr, addr + PAGE_SIZE, 0);
			addr -= PAGE_SIZE;
			continue;
		}
		if (pte_none(ptep_get(ptep)))
			set_pte(ptep, PTE_GUARD);
		pte_unmap_unlock(ptep, ptl);
	}
	return 0;
}

static void unguard_one(struct mm_struct *mm, pte_t *ptep, pte_t pte,
			struct page *page, void *arg)
{
	(void)mm;
	(void)page;
	(void)arg;
	if (pte_is_guard(pte))
		(void)ptep_get_and_clear(ptep);
}

void remove_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end)
{
	walk_ptes_locked(mm, start, end, unguard_one, NULL);
}

/* ---- MADV_FREE and MADV_PAGEOUT ------------------------------------------ */

/* A page another entry maps is left alone. */
static void lazyfree_one(struct mm_struct *mm, pte_t *ptep, pte_t pte,
			 struct page *page, void *arg)
{
	(void)mm;
	(void)arg;
	if (page && PageAnon(page) && page_mapcount(page) == 1) {
		set_pte(ptep, pte_mkold(pte_mkclean(pte)));
		SetPageLazyfree(page);
	}
}

void madvise_free_range(struct vm_area_struct *vma, unsigned long start,
			unsigned long end)
{
	walk_ptes_locked(vma->vm_mm, start, end, lazyfree_one, NULL);
}

/* Drop the clean lazily freed anonymous page mapped at @addr, if any. */
static void pageout_anon(struct mm_struct *mm, unsigned long addr)
{
	struct pt_lock *ptl;
	pte_t *ptep = pte_offset_map_lock(mm->pgd, addr, &ptl), pte;
	struct page *page;

	if (!ptep)
		return;
	pte = ptep_get(ptep);
	page = pte_present(pte) && !pte_special(pte)
		       ? pfn_to_page(mm->machine->frames, pte_pfn(pte))
		       : NULL;
	if (page && PageAnon(page) && PageLazyfree(page) && !pte_dirty(pte) &&
	    page_mapcount(page) == 1 && page_ref_count(page) == 1) {
		(void)ptep_get_and_clear(ptep);
		page_remove_map(page);
		add_mm_counter(mm, MM_ANONPAGES, -1);
		put_page(page);
	}
	pte_unmap_unlock(ptep, ptl);
}

/* The entry at @addr, read under RCU (the caller holds the mmap lock). */
static pte_t pte_at(struct mm_struct *mm, unsigned long addr)
{
	pte_t *ptep, pte;

	vas_rcu_read_lock();
	ptep = pt_walk(mm->pgd, addr);
	pte = ptep ? ptep_get(ptep) : PTE_NONE;
	vas_rcu_read_unlock();
	return pte;
}

/*
 * Reclaim the folio of host file @file holding page @idx, mapped in @vma:
 * only if it lies whole in [@start, @end) and every page of it is cached
 * and mapped once, here. A dirty folio
 * is written back first (Linux 6.18, measured: MADV_PAGEOUT of a shared
 * mapping's dirty folio leaves it neither mapped nor cached, its bytes in
 * the file); one whose writeback fails stays cached, unmapped.
 */
static void pageout_file_folio(struct vm_area_struct *vma,
			       struct vas_file *file, unsigned long idx,
			       unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long first, nr, i, a0;
	bool ok = true;

	file_folio_of(file, idx, &first, &nr);
	if (first < vma->vm_pgoff)
		return;
	a0 = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
	/*
	 * A large folio only partly inside the range would be split first;
	 * ext4's does not split, and it stays (measured).
	 */
	if (a0 < start || a0 + (nr << PAGE_SHIFT) > end)
		return;
	for (i = 0; i < nr && ok; i++) {
		struct page *page = filemap_find_page(file, first + i);
		pte_t pte = pte_at(mm, a0 + (i << PAGE_SHIFT));

		ok = page && pte_present(pte) &&
		     pte_pfn(pte) == page_to_pfn(page) &&
		     page_mapcount(page) == 1;
		if (page)
			put_page(page);
	}
	if (!ok)
		return;
	zap_range(mm, a0, a0 + (nr << PAGE_SHIFT), 0);	/* dirty moves over */
	if (filemap_write_and_wait_range(file, (loff_t)first << PAGE_SHIFT,
					 (loff_t)((first + nr) << PAGE_SHIFT) - 1)) {
		/* the folio stays whole: no page of it is evicted */
		stats_add(&mm->machine->stats, VAS_STAT_WRITEBACK_ERROR, 1);
		return;
	}
	for (i = 0; i < nr; i++)
		(void)filemap_evict(file, first + i);
}

void pageout_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end)
{
	struct vas_file *file = vma->vm_file;
	unsigned long addr;

	mmap_assert_locked(vma->vm_mm);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (!file) {
			pageout_anon(vma->vm_mm, addr);
		} else if (file->kind == VAS_FILE_HOST) {
			pte_t pte = pte_at(vma->vm_mm, addr);
			struct page *page = pte_present(pte) && !pte_special(pte)
				? pfn_to_page(vma->vm_mm->machine->frames, pte_pfn(pte))
				: NULL;

			if (page && PageAnon(page))
				continue;	/* a private copy: no swap */
			if (page)
				pageout_file_folio(vma, file,
					vma->vm_pgoff +
					((addr - vma->vm_start) >> PAGE_SHIFT),
					start, end);
		}
		/* shmem and driver pages stay: no swap, not on an LRU */
	}
}
