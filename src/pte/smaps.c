// SPDX-License-Identifier: MIT
/*
 * smaps.c - the page figures of a VMA for /proc/PID/smaps (Linux's
 * smaps_pte_range): resident, PSS, shared and private, clean and dirty.
 */
#include <errno.h>
#include <limits.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "pte/pte.h"
#include "mm/mm.h"

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
