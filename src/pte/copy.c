// SPDX-License-Identifier: MIT
/*
 * copy.c - fork's copy of a VMA's page-table entries (Linux's
 * copy_page_range): private pages shared copy-on-write, shared pages
 * shared, guard markers kept; pinned anonymous pages copied at once.
 */
#include <errno.h>
#include <string.h>
#include <vas/memory.h>
#include "page/page.h"
#include "mm/mmu_notifier.h"
#include "pte/pte.h"

struct copy_ctx {
	struct mm_struct *dst_mm;
	struct vm_area_struct *dst;
	unsigned long flags;	/* the VMA's vm_flags */
	bool has_pinned;	/* the parent's MMF_HAS_PINNED */
	long *rss;		/* NR_MM_COUNTERS: the fork's copy_state */
};

/*
 * folio_needs_cow_for_dma(): an anonymous page of a private writable
 * mapping that may be pinned, in an address space that pinned pages, is
 * not shared with the child: the parent's pin must keep seeing what the
 * parent maps, and a shared page would be write-protected and copied on
 * the parent's next write.
 */
static bool needs_cow_for_dma(const struct copy_ctx *c, const struct page *page)
{
	return (c->flags & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) ==
		       VAS_VM_MAYWRITE &&
	       c->has_pinned && PageAnon(page) && page_maybe_dma_pinned(page);
}

/*
 * copy_present_page(): the child gets its own copy of @page, dirty, young,
 * writable if its VMA is; the parent's entry stays as it is.
 * Return: PT_COPY_SET, or -ENOMEM (nothing taken).
 */
static int copy_present_page(struct copy_ctx *c, pte_t src, pte_t *dst,
			     struct page *page)
{
	struct page *new = alloc_page(c->dst_mm->machine->frames, __GFP_NOZERO);

	if (!new)
		return -ENOMEM;
	memcpy(page_address(new), page_address(page), PAGE_SIZE);
	new->mapping = c->dst->anon_vma;
	new->index = page->index;	/* the child's VMA has the same pgoff */
	SetPageAnon(new);
	page_add_map(new);
	c->rss[MM_ANONPAGES]++;
	*dst = pte_mkpresent(page_to_pfn(new),
			     PTE_USER | PTE_ACCESSED | PTE_DIRTY |
				     (c->flags & VAS_VM_WRITE ? PTE_WRITE : 0));
	(void)src;
	return PT_COPY_SET;
}

/* copy_present_pte(): the source's leaf lock held. */
static int copy_one(void *arg, unsigned long addr, pte_t src, pte_t *dst)
{
	struct copy_ctx *c = arg;
	struct page *page;

	(void)addr;
	*dst = src;
	if (pte_special(src))
		return PT_COPY_SET;	/* zero page, PFN map: no counts */
	page = pfn_to_page(c->dst_mm->machine->frames, pte_pfn(src));
	if (!page)
		return PT_COPY_SET;
	if (unlikely(needs_cow_for_dma(c, page)))
		return copy_present_page(c, src, dst, page);
	get_page(page);
	page_add_map(page);
	c->rss[mm_counter_of(page)]++;
	/* a private writable page: copy on write in both */
	if (!(c->flags & VAS_VM_SHARED) && pte_write(src))
		return PT_COPY_COW;
	*dst = pte_mkold(src);
	return PT_COPY_SET;
}

void copy_state_finish(struct mm_struct *dst, struct copy_state *cs)
{
	for (int i = 0; i < NR_MM_COUNTERS; i++)
		if (cs->rss[i])
			add_mm_counter(dst, (enum mm_counter)i, cs->rss[i]);
	memset(cs->rss, 0, sizeof(cs->rss));
}

int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src,
		    struct copy_state *cs)
{
	struct copy_ctx c = {
		.dst_mm = dst->vm_mm,
		.dst = dst,
		.flags = src->vm_flags,
		.has_pinned = mm_flag_test(src->vm_mm, MMF_HAS_PINNED),
		.rss = cs->rss,
	};
	struct vas_mmu_notifier_range range;
	bool is_cow;
	int err;

	if (!(src->vm_flags & (VAS_VM_PFNMAP | VAS_VM_MIXEDMAP |
			       VAS_VM_MAYBE_GUARD)) && !src->anon_vma)
		return 0;
	/*
	 * The parent's entries may lose write access only in a COW mapping
	 * (is_cow_mapping): its secondary translations hear of it first.
	 */
	is_cow = (src->vm_flags & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) ==
		 VAS_VM_MAYWRITE;
	if (is_cow) {
		mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_PROTECTION_PAGE,
					src->vm_mm, src->vm_start, src->vm_end);
		mmu_notifier_invalidate_range_start(&range);
	}
	err = pt_copy_range(dst->vm_mm->pgd, src->vm_mm->pgd, src->vm_start,
			    src->vm_end, copy_one, &c, &cs->cur);
	if (is_cow)
		mmu_notifier_invalidate_range_end(&range);
	return err;
}
