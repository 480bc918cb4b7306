// SPDX-License-Identifier: MIT
/*
 * access.c - the access-level types: field accessors for vas_vma_ref, the
 * step up to vas_vma_mixedmap, and the setters of vas_vma_new. Every entry
 * checks (in debug builds) that the calling thread holds a lock that
 * covers the VMA. Also the accessors of vas_vma_closing, a copy on the
 * stack of vma_close(), which need no lock.
 */
#include <errno.h>
#include "base/bug.h"
#include "base/lockdep.h"
#include "mm/mm.h"
#include <vas/file.h>
#include "vma/access.h"

unsigned long vas_vma_start(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_start;
}

unsigned long vas_vma_end(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_end;
}

unsigned long vas_vma_flags(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_flags;
}

unsigned long vas_vma_pgoff(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_pgoff;
}

struct vas_file *vas_vma_file(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_file;
}

struct vas_mm_user *vas_vma_mm(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return mm_user(vma->vm_mm);
}

void *vas_vma_private(const struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	return vma->vm_private_data;
}

struct vas_vma_mixedmap *vas_vma_as_mixedmap(struct vas_vma_ref *ref)
{
	const struct vm_area_struct *vma = vma_of_ref(ref);

	vma_assert_stable(vma);
	if (!(vma->vm_flags & VAS_VM_MIXEDMAP))
		return NULL;
	return (struct vas_vma_mixedmap *)ref;
}

struct vas_vma_ref *vas_vma_mixedmap_ref(struct vas_vma_mixedmap *vma)
{
	return (struct vas_vma_ref *)vma;
}

/* ---- vas_vma_closing: what vm_ops->close sees ------------------------ */

unsigned long vas_vma_closing_start(const struct vas_vma_closing *vma)
{
	return vma->start;
}

unsigned long vas_vma_closing_end(const struct vas_vma_closing *vma)
{
	return vma->end;
}

unsigned long vas_vma_closing_flags(const struct vas_vma_closing *vma)
{
	return vma->flags;
}

unsigned long vas_vma_closing_pgoff(const struct vas_vma_closing *vma)
{
	return vma->pgoff;
}

struct vas_file *vas_vma_closing_file(const struct vas_vma_closing *vma)
{
	return vma->file;
}

void *vas_vma_closing_private(const struct vas_vma_closing *vma)
{
	return vma->private_data;
}

const struct vas_mm_id *vas_vma_closing_mm_id(const struct vas_vma_closing *vma)
{
	return (const struct vas_mm_id *)vma->mm;
}

const struct vas_mm_id *vas_mm_id(const struct vas_mm *mm)
{
	return (const struct vas_mm_id *)mm_of(mm);
}

/* ---- vas_vma_new ---------------------------------------------------- */

void vma_new_begin(struct vm_area_struct *vma)
{
	mmap_assert_write_locked(vma->vm_mm);
	vma_assert_detached(vma);
	lockdep_acquire(vma, LOCK_RANK_VMA, LOCK_MODE_SETUP, true, false);
}

void vma_new_end(struct vm_area_struct *vma)
{
	lockdep_release(vma);
}

void vma_assert_new(const struct vm_area_struct *vma)
{
#ifdef VAS_DEBUG
	if (lockdep_held_mode(vma) != LOCK_MODE_SETUP)
		lockdep_report("vas_vma_new used outside its mmap hook", vma);
#else
	(void)vma;
#endif
}

static struct vm_area_struct *new_vma(struct vas_vma_new *ref)
{
	struct vm_area_struct *vma = vma_of_new(ref);

	vma_assert_new(vma);
	return vma;
}

struct vas_vma_ref *vas_vma_new_ref(struct vas_vma_new *ref)
{
	return vma_ref(new_vma(ref));
}

void vas_vma_new_set_io(struct vas_vma_new *ref)
{
	new_vma(ref)->vm_flags |= VAS_VM_IO;
}

void vas_vma_new_set_dontexpand(struct vas_vma_new *ref)
{
	new_vma(ref)->vm_flags |= VAS_VM_DONTEXPAND;
}

void vas_vma_new_set_dontcopy(struct vas_vma_new *ref)
{
	new_vma(ref)->vm_flags |= VAS_VM_DONTCOPY;
}

void vas_vma_new_set_dontdump(struct vas_vma_new *ref)
{
	new_vma(ref)->vm_flags |= VAS_VM_DONTDUMP;
}

struct vas_vma_mixedmap *vas_vma_new_set_mixedmap(struct vas_vma_new *ref)
{
	struct vm_area_struct *vma = new_vma(ref);

	if (vma->vm_flags & VAS_VM_PFNMAP)
		return NULL;	/* Linux: BUG_ON(VM_PFNMAP && VM_MIXEDMAP) */
	vma->vm_flags |= VAS_VM_MIXEDMAP;
	return vas_vma_as_mixedmap(vma_ref(vma));
}

int vas_vma_new_set_pfnmap(struct vas_vma_new *ref)
{
	struct vm_area_struct *vma = new_vma(ref);

	if (vma->vm_flags & VAS_VM_MIXEDMAP)
		return -EINVAL;
	vma->vm_flags |= VAS_VM_PFNMAP | VAS_VM_IO | VAS_VM_DONTEXPAND |
			 VAS_VM_DONTDUMP;
	return 0;
}

bool vas_vma_new_readable(struct vas_vma_new *ref)
{
	return new_vma(ref)->vm_flags & VAS_VM_READ;
}

bool vas_vma_new_writable(struct vas_vma_new *ref)
{
	return new_vma(ref)->vm_flags & VAS_VM_WRITE;
}

bool vas_vma_new_executable(struct vas_vma_new *ref)
{
	return new_vma(ref)->vm_flags & VAS_VM_EXEC;
}

void vas_vma_new_set_private(struct vas_vma_new *ref, void *data)
{
	new_vma(ref)->vm_private_data = data;
}

static int try_clear(struct vas_vma_new *ref, unsigned long may,
		     unsigned long flag)
{
	struct vm_area_struct *vma = new_vma(ref);

	if (vma->vm_flags & flag)
		return -EINVAL;
	vma->vm_flags &= ~may;
	return 0;
}

int vas_vma_new_try_clear_mayread(struct vas_vma_new *ref)
{
	return try_clear(ref, VAS_VM_MAYREAD, VAS_VM_READ);
}

int vas_vma_new_try_clear_maywrite(struct vas_vma_new *ref)
{
	return try_clear(ref, VAS_VM_MAYWRITE, VAS_VM_WRITE);
}

int vas_vma_new_try_clear_mayexec(struct vas_vma_new *ref)
{
	return try_clear(ref, VAS_VM_MAYEXEC, VAS_VM_EXEC);
}

void vas_vma_new_set_ops(struct vas_vma_new *ref, const struct vas_vm_ops *ops)
{
	struct vm_area_struct *vma = vma_of_new(ref);

	vma_assert_new(vma);
	vma->vm_ops = (const struct vas_vm_ops *)ops;
}
