// SPDX-License-Identifier: MIT
/*
 * reclaim.c - MADV_FREE (lazily freeable anonymous pages) and MADV_PAGEOUT
 * without swap (what can go: lazily freed clean anonymous pages, the pages
 * of MAP_DROPPABLE memory, folios of host files mapped only here, written
 * back first when dirty; shmem pages mapped only here lose that mapping
 * but stay in the object, as no swap takes them).
 */
#include <errno.h>
#include <limits.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "pte/pte.h"
#include "mm/mm.h"
#include "mm/mmu_notifier.h"

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
	struct vas_mmu_notifier_range range;

	if (start >= end)
		return;
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_CLEAR, vma->vm_mm,
				start, end);
	mmu_notifier_invalidate_range_start(&range);
	walk_ptes_locked(vma->vm_mm, start, end, lazyfree_one, NULL);
	mmu_notifier_invalidate_range_end(&range);
}

static pte_t pte_at(struct mm_struct *mm, unsigned long addr);

/*
 * Whether @pte maps an anonymous page reclaim may drop: a clean lazily
 * freed one, or in a VM_DROPPABLE VMA (@droppable) any, clean or dirty, as
 * Linux's reclaim discards them; mapped only there and not referenced
 * elsewhere.
 */
static bool lazyfree_droppable(struct mm_struct *mm, pte_t pte, bool droppable)
{
	struct page *page = pte_present(pte) && !pte_special(pte)
		? pfn_to_page(mm->machine->frames, pte_pfn(pte))
		: NULL;

	return page && PageAnon(page) &&
	       (droppable || (PageLazyfree(page) && !pte_dirty(pte))) &&
	       page_mapcount(page) == 1 && page_ref_count(page) == 1;
}

/*
 * Drop the droppable anonymous page mapped at @addr, if any
 * (lazyfree_droppable(); try_to_unmap(): CLEAR over its page, around the
 * change; a page that changed meanwhile stays).
 */
static void pageout_anon(struct mm_struct *mm, unsigned long addr,
			 bool droppable)
{
	struct vas_mmu_notifier_range range;
	struct pt_lock *ptl;
	struct page *page;
	pte_t *ptep, pte;

	if (!lazyfree_droppable(mm, pte_at(mm, addr), droppable))
		return;
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_CLEAR, mm, addr,
				addr + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	ptep = pte_offset_map_lock(mm->pgd, addr, &ptl);
	if (ptep) {
		pte = ptep_get(ptep);
		if (lazyfree_droppable(mm, pte, droppable)) {
			page = pfn_to_page(mm->machine->frames, pte_pfn(pte));
			(void)ptep_get_and_clear(ptep);
			page_remove_map(page);
			add_mm_counter(mm, MM_ANONPAGES, -1);
			put_page(page);
		}
		pte_unmap_unlock(ptep, ptl);
	}
	mmu_notifier_invalidate_range_end(&range);
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

/*
 * A shmem page mapped at @addr of @vma and nowhere else: unmapped, as
 * Linux's reclaim does (try_to_unmap() before the write-out), but kept in
 * the object, since the write-out needs swap (shmem_writeout() gives it
 * back, dirty); the next access faults it back, bytes unchanged.
 */
static void pageout_shmem(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	pte_t pte = pte_at(mm, addr);
	struct page *page = pte_present(pte) && !pte_special(pte)
		? pfn_to_page(mm->machine->frames, pte_pfn(pte))
		: NULL;

	if (page && !PageAnon(page) && page_mapcount(page) == 1)
		zap_range(mm, addr, addr + PAGE_SIZE, 0);
}

void pageout_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end)
{
	struct vas_file *file = vma->vm_file;
	unsigned long addr;

	mmap_assert_locked(vma->vm_mm);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (!file) {
			pageout_anon(vma->vm_mm, addr,
				     vma->vm_flags & VAS_VM_DROPPABLE);
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
		} else if (file->kind == VAS_FILE_SHMEM) {
			pageout_shmem(vma, addr);
		}
		/* driver pages stay: not on an LRU */
	}
}
