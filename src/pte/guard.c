// SPDX-License-Identifier: MIT
/*
 * guard.c - guard markers (MADV_GUARD_INSTALL / _REMOVE): installing
 * zaps what is there; markers stay through zaps but munmap's.
 */
#include <errno.h>
#include <limits.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "pte/pte.h"
#include "mm/mm.h"

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
			/*
			 * A page is there: as madvise_guard_install(), zap
			 * the whole range (markers set so far stay), then go
			 * on from here.
			 */
			pte_unmap_unlock(ptep, ptl);
			zap_range(mm, start, end, 0);
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
