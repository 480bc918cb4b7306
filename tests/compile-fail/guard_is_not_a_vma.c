// expect: incompatible pointer types passing 'struct vas_vma_read_guard \*' to parameter of type 'const struct vas_vma_ref \*'
/* SPDX-License-Identifier: MIT */
/*
 * A VMA read guard is the lock, not the VMA: the VMA accessors, and every
 * function that works on a VMA (vas_zap_page_range_single(),
 * vas_vma_as_mixedmap() for vas_vm_insert_page(), ...), take the read view
 * struct vas_vma_ref, which a lookup under the mmap lock and a guard give
 * alike and which is valid under either lock. Only vas_vma_read_guard_vma()
 * turns a guard into that view, and nothing turns a view into a guard.
 * Twin (-DVAS_CF_OK): the view comes from vas_vma_read_guard_vma().
 */
#include <vas/vas.h>

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr);

unsigned long start_of(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_read_guard *g;
	unsigned long start;

	if (!vas_lock_vma_under_rcu(mm, addr, &g))
		return 0;
#ifdef VAS_CF_OK
	start = vas_vma_start(vas_vma_read_guard_vma(g));
#else
	start = vas_vma_start(g);
#endif
	vas_vma_end_read(g);
	return start;
}
