// expect: incompatible pointer types passing 'struct vas_vma_ref \*' to parameter of type 'struct vas_vma_new \*'
/* SPDX-License-Identifier: MIT */
/*
 * A vas_vma_new setter on a looked-up VMA. Flags may only be set on a VMA
 * that a file's mmap hook is still setting up (struct vas_vma_new); a VMA
 * from a lookup is visible to others and must not change this way.
 * Twin (-DVAS_CF_OK): the setter in an mmap hook, on its vas_vma_new.
 */
#include <vas/vas.h>

void set_mixed(struct vas_mm_user *mm, unsigned long addr);
int my_mmap_hook(struct vas_vma_new *vma);

#ifdef VAS_CF_OK
int my_mmap_hook(struct vas_vma_new *vma)
{
	vas_vma_new_set_mixedmap(vma);
	return 0;
}
#else
void set_mixed(struct vas_mm_user *mm, unsigned long addr)
{
	vas_mmap_read_lock(mm);
	vas_vma_new_set_mixedmap(vas_vma_lookup(mm, addr));
	vas_mmap_read_unlock(mm);
}
#endif
