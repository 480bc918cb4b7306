// SPDX-License-Identifier: MIT
/*
 * move.c - mremap's move of page-table entries (Linux's move_page_tables).
 */
#include "pte/pte.h"

int move_page_tables(struct mm_struct *mm, unsigned long old,
		     unsigned long new, unsigned long len)
{
	mmap_assert_write_locked(mm);
	if (!len || old == new)
		return 0;
	return pt_move_range(mm->pgd, old, new, len);
}
