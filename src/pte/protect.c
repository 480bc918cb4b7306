// SPDX-License-Identifier: MIT
/*
 * protect.c - mprotect's pass over the page tables (Linux's
 * change_protection). vas keeps a range's rights in its VMA, not in its
 * ptes (an access checks the VMA first; a write-protected pte only means
 * copy on write or a clean shared page), so no entry changes here: what is
 * left of Linux's walk is telling the MMU notifiers, with Linux's ranges.
 */
#include "mm/mmu_notifier.h"
#include "pte/pte.h"

/* The end of the pgd (or pud) entry's span that holds @addr, or @end. */
static unsigned long span_end(unsigned long addr, unsigned long end,
			      unsigned long size)
{
	unsigned long next = (addr + size) & ~(size - 1);

	return next - 1 < end - 1 ? next : end;
}

void change_protection(struct vm_area_struct *vma, unsigned long start,
		       unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, next, a;

	vma_assert_stable(vma);
	/*
	 * change_protection_range(): per pgd entry that links a table,
	 * change_pud_range() starts the notifiers at the first pud entry
	 * that links a table and ends them after that pgd entry's span:
	 * [that pud's address (or @start), the span's end).
	 */
	for (addr = start; addr < end; addr = next) {
		next = span_end(addr, end, PGDIR_SIZE);
		if (!pt_entry_present(mm->pgd, addr, PT_LEVEL_PGD))
			continue;
		for (a = addr; a < next; a = span_end(a, next, PUD_SIZE)) {
			struct vas_mmu_notifier_range range;

			if (!pt_entry_present(mm->pgd, a, PT_LEVEL_PUD))
				continue;
			mmu_notifier_range_init(&range,
						VAS_MMU_NOTIFY_PROTECTION_VMA,
						mm, a, next);
			mmu_notifier_invalidate_range_start(&range);
			mmu_notifier_invalidate_range_end(&range);
			break;
		}
	}
}
