// SPDX-License-Identifier: MIT
/*
 * pte.c - what every walker of entries needs: the RSS counter a page
 * counts in, the leaf slot of an address with its table installed and
 * locked, and the walk of a range's entries under their tables' locks.
 */
#include "page/file.h"
#include "page/page.h"
#include "pte/pte.h"

enum mm_counter mm_counter_of(const struct page *page)
{
	if (PageAnon(page))
		return MM_ANONPAGES;
	if (page->mapping && vas__file_is_shmem(page->mapping))
		return MM_SHMEMPAGES;
	return MM_FILEPAGES;
}

pte_t *pte_get_locked(struct mm_struct *mm, unsigned long addr,
		      struct pt_lock **ptlp)
{
	struct pt_prealloc pa = PT_PREALLOC_INIT;
	pte_t *ptep;

	for (;;) {
		ptep = pte_offset_map_lock(mm->pgd, addr, ptlp);
		if (ptep)
			break;
		if (pt_prealloc_for(mm->pgd, addr, &pa))
			break;
		ptep = pte_alloc_map_lock(mm->pgd, addr, &pa, ptlp);
		if (ptep)
			break;
	}
	pt_prealloc_release(&pa);
	return ptep;
}

static bool pte_usable(pte_t pte, bool write)
{
	return pte_present(pte) && (!write || pte_write(pte));
}

pte_t *pte_lock_usable(struct mm_struct *mm, unsigned long addr, bool write,
		       struct pt_lock **ptlp, pte_t *ptev)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct pt_table *t;
	pte_t *ptep;

	vas_rcu_read_lock();
	ptep = pt_walk(mm->pgd, addr);
	if (!ptep || !pte_usable(ptep_get(ptep), write))
		goto none;
	/* as pte_offset_map_lock(): a table unlinked meanwhile is dead */
	t = pt_table_of(ptep);
	pt_lock(&t->ptl);
	*ptev = ptep_get(ptep);
	if (likely(!t->dead && pte_usable(*ptev, write))) {
		*ptlp = &t->ptl;
		return ptep;
	}
	pt_unlock(&t->ptl);
none:
	vas_rcu_read_unlock();
	return NULL;
}

pte_t *pte_relock(pte_t *ptep, struct pt_lock **ptlp)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct pt_table *t = pt_table_of(ptep);

	vas_rcu_read_lock();
	pt_lock(&t->ptl);
	if (likely(!t->dead)) {
		*ptlp = &t->ptl;
		return ptep;
	}
	pt_unlock(&t->ptl);
	vas_rcu_read_unlock();
	return NULL;
}

void walk_ptes_locked(struct mm_struct *mm, unsigned long start,
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
