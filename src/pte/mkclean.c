// SPDX-License-Identifier: MIT
/*
 * mkclean.c - before writeback (msync): dirty bits move from the entries of
 * a range to their pages, and the entries become read-only (Linux's
 * page_mkclean, for one address space).
 */
#include "page/filemap.h"
#include "page/page.h"
#include "mm/mmu_notifier.h"
#include "pte/pte.h"

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
	struct vas_mmu_notifier_range range;

	if (start >= end)
		return;
	/* page_vma_mkclean_one(), over the range at once */
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_PROTECTION_PAGE,
				vma->vm_mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	walk_ptes_locked(vma->vm_mm, start, end, wrprotect_one, NULL);
	mmu_notifier_invalidate_range_end(&range);
}
