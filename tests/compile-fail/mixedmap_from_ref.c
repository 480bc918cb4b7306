// expect: incompatible pointer types passing 'struct vas_vma_ref \*' to parameter of type 'struct vas_vma_mixedmap \*'
/* SPDX-License-Identifier: MIT */
/*
 * "vm_insert_page on a plain vas_vma_ref". vas_vm_insert_page() does not
 * exist yet (it comes with the memory issue), so this checks the same type
 * rule with the function that exists today only at the mixed-map level:
 * vas_vma_mixedmap_ref() takes a struct vas_vma_mixedmap *, and a plain
 * struct vas_vma_ref * (no VM_MIXEDMAP proof) must not convert to it.
 * Replace the call with vas_vm_insert_page() when that lands.
 * Twin (-DVAS_CF_OK): the reference goes through vas_vma_as_mixedmap(),
 * the one way to reach that level, and its NULL result is checked.
 */
#include <vas/vas.h>

unsigned long mixed_start(struct vas_mm_user *mm, unsigned long addr);

unsigned long mixed_start(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_ref *vma;
	unsigned long start = 0;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma) {
#ifdef VAS_CF_OK
		struct vas_vma_mixedmap *mix = vas_vma_as_mixedmap(vma);

		if (mix)
			start = vas_vma_start(vas_vma_mixedmap_ref(mix));
#else
		start = vas_vma_start(vas_vma_mixedmap_ref(vma));
#endif
	}
	vas_mmap_read_unlock(mm);
	return start;
}
