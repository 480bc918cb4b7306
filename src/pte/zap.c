// SPDX-License-Identifier: MIT
/*
 * zap.c - taking pages out of an address space: zap (munmap, madvise,
 * zap_page_range_single, truncation, exit), the variant that keeps private
 * copies (a hole punch), and the page-table teardown of gaps (unmap_region).
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
	struct vas_mmu_notifier_range range;
	unsigned long n;
	int i;

	if (start >= end || !mm->pgd)
		return 0;
	/* unmap_vmas() (UNMAP) or zap_page_range_single() (CLEAR) */
	mmu_notifier_range_init(&range, flags & ZAP_GUARDS ?
				VAS_MMU_NOTIFY_UNMAP : VAS_MMU_NOTIFY_CLEAR,
				mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	n = pt_zap_range(mm->pgd, start, end,
			 flags & ZAP_GUARDS ? PT_ZAP_GUARDS : 0, zap_one, &z);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		if (z.rss[i])
			add_mm_counter(mm, (enum mm_counter)i, z.rss[i]);
	mmu_notifier_invalidate_range_end(&range);
	return n;
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
	struct vas_mmu_notifier_range range;
	int i;

	if (start >= end)
		return;
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_CLEAR, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	walk_ptes_locked(mm, start, end, keep_cows_one, &z);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		if (z.rss[i])
			add_mm_counter(mm, (enum mm_counter)i, z.rss[i]);
	mmu_notifier_invalidate_range_end(&range);
}

void unmap_region_within(struct mm_struct *mm, unsigned long start,
			 unsigned long end, unsigned long floor,
			 unsigned long ceiling)
{
	mmap_assert_write_locked(mm);
	zap_range(mm, start, end, ZAP_GUARDS);
	pt_free_range(mm->pgd, start, end, floor, ceiling);
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
