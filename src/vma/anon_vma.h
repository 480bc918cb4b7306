/* SPDX-License-Identifier: MIT */
/*
 * anon_vma.h - the anonymous-memory object of VMAs (Linux's anon_vma): its
 * identity decides which VMAs may merge (mm/vma.c is_mergeable_anon_vma),
 * and a VMA gets one on its first anonymous write fault, reusing a
 * compatible neighbour's (find_mergeable_anon_vma). vas keeps no reverse
 * map: an anonymous page's ->mapping names its anon_vma, never followed.
 *
 * Reference counted: each VMA that points at it holds one reference.
 */
#ifndef VAS_MEM_ANON_VMA_H
#define VAS_MEM_ANON_VMA_H

#include "mm/mm_types.h"

struct anon_vma {
	int refcount;		/* (a) one per VMA using it */
	unsigned long id;	/* (c) for reports and tests */
};

/** anon_vma_get() - Take a reference; returns @av. NULL-safe. */
struct anon_vma *anon_vma_get(struct anon_vma *av);
/** anon_vma_put() - Drop a reference; the last frees it. NULL-safe. */
void anon_vma_put(struct anon_vma *av);

/**
 * vma_take_anon_vma() - If @dst has no anon_vma and @src has one, @dst
 * shares it (Linux's dup_anon_vma when a merge or copy extends @dst over
 * @src's memory). Context: mmap lock held for write.
 */
void vma_take_anon_vma(struct vm_area_struct *dst,
		       const struct vm_area_struct *src);

/** anon_vma_alloc() - A new anon_vma, one reference. NULL: -ENOMEM. */
struct anon_vma *anon_vma_alloc(void) VAS_MUST_CHECK;

/**
 * anon_vma_prepare() - Give @vma an anon_vma if it has none: a compatible
 * neighbour's (the next VMA first, then the previous), else a new one.
 * Context: mmap lock held (read is enough: mm->page_table_lock serialises
 * two faults, as in Linux). vma->anon_vma is published with a release
 * store; readers under a VMA lock load it atomically.
 * Return: 0 or -ENOMEM.
 */
int anon_vma_prepare(struct mm_struct *mm, struct vm_area_struct *vma)
	VAS_REQUIRES_SHARED(mm) VAS_MUST_CHECK;

#endif /* VAS_MEM_ANON_VMA_H */
