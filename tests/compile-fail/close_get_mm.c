// expect: incompatible pointer types passing 'const struct vas_mm_id \*' to parameter of type 'struct vas_mm \*'
/* SPDX-License-Identifier: MIT */
/*
 * Issue 8, defect 3: in vm_ops->close the address space may have no user
 * left (teardown), so a close op must not get a user or a count of it.
 * The closing view gives only an identity, struct vas_mm_id, which no
 * function takes: vas_mm_get_not_zero() (or vas_mm_grab()) cannot be
 * called with it. Twin (-DVAS_CF_OK): compare the identity with the one
 * of an address space the driver holds a count of.
 */
#include <vas/vas.h>

struct proc {
	struct vas_mm *mm;	/* a count, taken at open */
	int closes;
};

static void proc_close(const struct vas_vma_closing *vma)
{
	struct proc *p = vas_vma_closing_private(vma);
#ifdef VAS_CF_OK
	if (vas_vma_closing_mm_id(vma) == vas_mm_id(p->mm))
		p->closes++;
#else
	struct vas_mm_user *mm = vas_mm_get_not_zero(vas_vma_closing_mm_id(vma));

	if (mm) {
		p->closes++;
		vas_mm_put(mm);
	}
#endif
}

const struct vas_vm_ops proc_vm_ops;

const struct vas_vm_ops proc_vm_ops = VAS_VM_OPS_INIT(.close = proc_close);
