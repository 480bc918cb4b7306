// SPDX-License-Identifier: MIT
/*
 * move.c - mremap's move of page-table entries (Linux's move_page_tables).
 */
#include "mm/mmu_notifier.h"
#include "pte/pte.h"

int move_page_tables(struct mm_struct *mm, unsigned long old,
		     unsigned long new, unsigned long len)
{
	struct vas_mmu_notifier_range range;
	int err;

	mmap_assert_write_locked(mm);
	if (!len || old == new)
		return 0;
	/* Linux's move_page_tables() reports the old range as UNMAP */
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_UNMAP, mm, old,
				old + len);
	mmu_notifier_invalidate_range_start(&range);
	err = pt_move_range(mm->pgd, old, new, len);
	mmu_notifier_invalidate_range_end(&range);
	return err;
}
