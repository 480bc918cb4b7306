// expect: incompatible pointer types passing 'const struct vas_vma_closing \*' to parameter of type 'const struct vas_vma_ref \*'
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 3: vm_ops->close runs at teardown, after the last user
 * of the address space is gone (vas_mm_put), so it must not lock the
 * address space or look VMAs up in it. The VMA close gets is a struct
 * vas_vma_closing, not a vas_vma_ref: vas_vma_mm() does not take it, and
 * nothing hands out a vas_mm_user from it, so the lock cannot be reached.
 * Twin (-DVAS_CF_OK): read the range from the closing view instead.
 */
#include <vas/vas.h>

struct counter {
	unsigned long pages;
};

static void count_close(const struct vas_vma_closing *vma)
{
	struct counter *c = vas_vma_closing_private(vma);
#ifdef VAS_CF_OK
	c->pages -= (vas_vma_closing_end(vma) - vas_vma_closing_start(vma)) >> 12;
#else
	struct vas_mm_user *mm = vas_vma_mm(vma);

	vas_mmap_read_lock(mm);
	c->pages = (unsigned long)vas_mm_map_count(mm);
	vas_mmap_read_unlock(mm);
#endif
}

const struct vas_vm_ops count_vm_ops;

const struct vas_vm_ops count_vm_ops = VAS_VM_OPS_INIT(.close = count_close);
