// SPDX-License-Identifier: MIT
/*
 * stubs.c - what vma/ takes from outside (src/vma/vma_internal.h), as
 * tests/unit/vma builds it: calls are counted, nothing else happens.
 */
#include "vma/vma_internal.h"

struct stub_calls stub_calls;

void mmap_assert_write_locked(struct mm_struct *mm)
{
	(void)mm;
	if (!stub_calls.write_locked)
		vas_bug(__FILE__, __LINE__, "mmap lock not held for write");
}

void vma_start_write(struct vm_area_struct *vma)
{
	mmap_assert_write_locked(vma->vm_mm);
}

void vma_assert_detached(struct vm_area_struct *vma)
{
	if (__atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED))
		vas_bug(__FILE__, __LINE__, "VMA attached");
}

void vma_mark_attached(struct vm_area_struct *vma)
{
	__atomic_store_n(&vma->vm_refcnt, 1, __ATOMIC_RELEASE);
}

void vma_mark_detached(struct vm_area_struct *vma)
{
	__atomic_store_n(&vma->vm_refcnt, 0, __ATOMIC_RELEASE);
}

unsigned long zap_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int flags)
{
	(void)mm, (void)start, (void)end, (void)flags;
	stub_calls.zap_range++;
	return 0;
}

void unmap_region(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm, (void)start, (void)end;
	stub_calls.unmap_region++;
}

void unmap_region_within(struct mm_struct *mm, unsigned long start,
			 unsigned long end, unsigned long floor,
			 unsigned long ceiling)
{
	(void)mm, (void)start, (void)end, (void)floor, (void)ceiling;
	stub_calls.unmap_region++;
}

struct vas_file *vma_file_get(struct vas_file *file)
{
	stub_calls.file_get++;
	return file;
}

void vma_file_put(struct vas_file *file)
{
	(void)file;
	stub_calls.file_put++;
}

struct anon_vma *anon_vma_get(struct anon_vma *av)
{
	if (av)
		stub_calls.anon_get++;
	return av;
}

void anon_vma_put(struct anon_vma *av)
{
	if (av)
		stub_calls.anon_put++;
}

void anon_vma_put_to(struct anon_vma *av, struct anon_vma_list *freed)
{
	(void)freed;
	if (av)
		stub_calls.anon_put++;
}

void vma_take_anon_vma(struct vm_area_struct *dst,
		       const struct vm_area_struct *src)
{
	if (dst->anon_vma || !src->anon_vma)
		return;
	vma_start_write(dst);
	dst->anon_vma_forked = false;
	dst->anon_vma = anon_vma_get(src->anon_vma);
}
