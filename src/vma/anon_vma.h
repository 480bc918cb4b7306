/* SPDX-License-Identifier: MIT */
/*
 * anon_vma.h - the anonymous-memory object of VMAs (Linux's anon_vma): its
 * identity decides which VMAs may merge (mm/vma.c is_mergeable_anon_vma),
 * and a VMA gets one on its first anonymous write fault, reusing a
 * compatible neighbour's (find_mergeable_anon_vma). vas keeps no reverse
 * map: an anonymous page's ->mapping names its anon_vma, never followed.
 *
 * Reference counted: each VMA that points at it holds one reference. The
 * last put gives it to its machine's cache of anon_vmas (Linux's
 * anon_vma slab), beside the VMA cache and under the same mutex
 * (vma/vma.c), so that fork and exit move both in one acquisition.
 */
#ifndef VAS_MEM_ANON_VMA_H
#define VAS_MEM_ANON_VMA_H

#include "mm/mm_types.h"

struct anon_vma {
	int refcount;		/* (a) one per VMA using it */
	unsigned long id;	/* (c) for reports and tests; new on reuse */
	struct vas_machine *machine;	/* (c) whose cache it goes back to */
	struct anon_vma *cache_next;	/* (L: machine vma_cache_lock) */
};

/*
 * struct anon_vma_list - anon_vmas out of use, linked by cache_next: a
 * reserve taken from the machine's cache in one acquisition (fork), or
 * the ones freed by a run of puts (exit), given back in one.
 */
struct anon_vma_list {
	struct anon_vma *head;
	unsigned long nr;
};

/** anon_vma_get() - Take a reference; returns @av. NULL-safe. */
struct anon_vma *anon_vma_get(struct anon_vma *av);
/**
 * anon_vma_put() - Drop a reference; the last gives it to its machine's
 * cache (taking the cache's mutex). NULL-safe. Context: any.
 */
void anon_vma_put(struct anon_vma *av);

/**
 * anon_vma_put_to() - anon_vma_put(), but the last reference puts it on
 * @freed (for vma_batch_release(), vma/vma.h). NULL-safe.
 * Context: @freed is the caller's.
 */
void anon_vma_put_to(struct anon_vma *av, struct anon_vma_list *freed);

/**
 * vma_take_anon_vma() - If @dst has no anon_vma and @src has one, @dst
 * shares it (Linux's dup_anon_vma when a merge or copy extends @dst over
 * @src's memory). Context: mmap lock held for write.
 */
void vma_take_anon_vma(struct vm_area_struct *dst,
		       const struct vm_area_struct *src);

/**
 * anon_vma_alloc() - A new anon_vma of @machine, one reference: from
 * @reserve (may be NULL), else the machine's cache, else the host
 * allocator (site VAS_FP_MISC; a reuse counts there too, with failure
 * injection). Context: @reserve is the caller's. Return: NULL: -ENOMEM.
 */
struct anon_vma *anon_vma_alloc(struct vas_machine *machine,
				struct anon_vma_list *reserve) VAS_MUST_CHECK;

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
