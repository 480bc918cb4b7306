/* SPDX-License-Identifier: MIT */
/*
 * access.h (internal) - conversions between struct vm_area_struct and the
 * public access-level types, which are views of it.
 */
#ifndef VAS_VMA_ACCESS_H
#define VAS_VMA_ACCESS_H

#include <vas/vma.h>
#include "mm/mm_types.h"

static inline struct vas_vma_ref *vma_ref(void *vma)
{
	return (struct vas_vma_ref *)vma;
}
static inline struct vm_area_struct *vma_of_ref(const struct vas_vma_ref *r)
{
	return (struct vm_area_struct *)(uintptr_t)r;
}
static inline struct vm_area_struct *
vma_of_mixedmap(const struct vas_vma_mixedmap *r)
{
	return (struct vm_area_struct *)(uintptr_t)r;
}
static inline struct vm_area_struct *vma_of_new(const struct vas_vma_new *r)
{
	return (struct vm_area_struct *)(uintptr_t)r;
}
static inline struct vas_vma_new *vma_new(struct vm_area_struct *vma)
{
	return (struct vas_vma_new *)vma;
}
/*
 * A struct vas_vma_read_guard is the read-locked VMA itself: the type, not
 * the address, tells a held read lock from a reference.
 */
static inline struct vas_vma_read_guard *
vma_read_guard(struct vm_area_struct *vma)
{
	return (struct vas_vma_read_guard *)vma;
}
static inline struct vm_area_struct *
vma_of_read_guard(const struct vas_vma_read_guard *g)
{
	return (struct vm_area_struct *)(uintptr_t)g;
}

/*
 * struct vas_vma_closing - what vm_ops->close gets: a copy of the fields of
 * a VMA, or of the piece of one, that goes away (vma_close() fills it on
 * its stack). No pointer to the VMA or to a vas_mm_user: at teardown the
 * address space has no user left.
 */
struct vas_vma_closing {
	unsigned long start, end, flags, pgoff;
	struct vas_file *file;
	void *private_data;
	const struct mm_struct *mm;
};

/*
 * vma_new_begin() / vma_new_end() - bracket a file's mmap hook: @vma is
 * handed to the hook as a vas_vma_new, and the held-lock records let its
 * accessors and setters run. Context: mmap lock held for write; @vma is
 * detached.
 */
void vma_new_begin(struct vm_area_struct *vma);
/* Debug builds: abort unless @vma is inside its mmap hook (vma_new_begin). */
void vma_assert_new(const struct vm_area_struct *vma);
void vma_new_end(struct vm_area_struct *vma);

#endif /* VAS_VMA_ACCESS_H */
