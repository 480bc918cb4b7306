// expect: incompatible pointer types passing 'struct vas_vma_ref \*' to parameter of type 'struct vas_vma_mixedmap \*'
/* SPDX-License-Identifier: MIT */
/*
 * vm_insert_page on a plain vas_vma_ref: vas_vm_insert_page() takes a
 * struct vas_vma_mixedmap *, and a plain struct vas_vma_ref * (no
 * VM_MIXEDMAP proof) must not convert to it.
 * Twin (-DVAS_CF_OK): the reference goes through vas_vma_as_mixedmap(),
 * the one way to reach that level, and its NULL result is checked.
 */
#include <errno.h>
#include <vas/vas.h>

int insert_at(struct vas_mm_user *mm, unsigned long addr,
	      struct vas_page *page);

int insert_at(struct vas_mm_user *mm, unsigned long addr,
	      struct vas_page *page)
{
	struct vas_vma_ref *vma;
	int err = -EFAULT;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma) {
#ifdef VAS_CF_OK
		struct vas_vma_mixedmap *mix = vas_vma_as_mixedmap(vma);

		err = mix ? vas_vm_insert_page(mix, addr, page) : -EINVAL;
#else
		err = vas_vm_insert_page(vma, addr, page);
#endif
	}
	vas_mmap_read_unlock(mm);
	return err;
}
