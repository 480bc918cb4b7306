// SPDX-License-Identifier: MIT
/* anon_vma.c - see anon_vma.h. */
#include <errno.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "vma/anon_vma.h"
#include "vma/vma.h"
#include "page/file.h"
#include "page/filemap.h"
#include "pte/pte.h"
#include "mm/mm.h"

static unsigned long next_id;

struct anon_vma *anon_vma_get(struct anon_vma *av)
{
	if (av) {
		int old = __atomic_fetch_add(&av->refcount, 1, __ATOMIC_RELAXED);

		VAS_BUG_ON(old <= 0);
	}
	return av;
}

/* Drop a reference; true if it was the last. */
static bool put_last(struct anon_vma *av)
{
	int left = __atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL);

	VAS_BUG_ON(left < 0);
	return left == 0;
}

void anon_vma_put(struct anon_vma *av)
{
	struct anon_vma_list one;

	if (!av || !put_last(av))
		return;
	av->cache_next = NULL;
	one = (struct anon_vma_list){.head = av, .nr = 1};
	anon_vma_cache_give(av->machine, &one);
}

void anon_vma_put_to(struct anon_vma *av, struct anon_vma_list *freed)
{
	if (!av || !put_last(av))
		return;
	av->cache_next = freed->head;
	freed->head = av;
	freed->nr++;
}

void vma_take_anon_vma(struct vm_area_struct *dst,
		       const struct vm_area_struct *src)
{
	if (dst->anon_vma || !src->anon_vma)
		return;
	/* faults under dst's VMA lock read anon_vma: lock them out */
	mmap_assert_write_locked(dst->vm_mm);
	vma_start_write(dst);
	dst->anon_vma_forked = false;
	__atomic_store_n(&dst->anon_vma, anon_vma_get(src->anon_vma),
			 __ATOMIC_RELEASE);
}

/*
 * anon_vma_compatible(): @a directly below @b, same but for access flags
 * and the flags merges ignore (VM_SOFTDIRTY and the sticky
 * VM_MAYBE_GUARD, Linux 6.18's VM_IGNORE_MERGE).
 */
static bool anon_vma_compatible(const struct vm_area_struct *a,
				const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) &
		 ~(VAS_VM_ACCESS_FLAGS | VAS_VM_SOFTDIRTY |
		   VAS_VM_MAYBE_GUARD)) &&
	       b->vm_pgoff == a->vm_pgoff +
			      ((b->vm_start - a->vm_start) >> PAGE_SHIFT);
}

/* reusable_anon_vma(): @old's anon_vma, if it has its own (not forked). */
static struct anon_vma *reusable(const struct vm_area_struct *old,
				 const struct vm_area_struct *a,
				 const struct vm_area_struct *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma && !old->anon_vma_forked)
		return old->anon_vma;
	return NULL;
}

struct anon_vma *anon_vma_alloc(struct vas_machine *machine,
				struct anon_vma_list *reserve)
{
	struct anon_vma *av = NULL;

	if (reserve && reserve->head) {
		if (!vas_alloc_check(VAS_FP_MISC))
			return NULL;
		av = reserve->head;
		reserve->head = av->cache_next;
		reserve->nr--;
	} else {
		av = anon_vma_cache_take(machine);
		if (av && !vas_alloc_check(VAS_FP_MISC)) {
			struct anon_vma_list one = {.head = av, .nr = 1};

			av->cache_next = NULL;
			anon_vma_cache_give(machine, &one);
			return NULL;
		}
	}
	if (!av) {
		av = vas_alloc(sizeof(*av), VAS_FP_MISC);
		if (!av)
			return NULL;
	}
	av->machine = machine;
	av->cache_next = NULL;
	av->refcount = 1;
	av->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	return av;
}

int anon_vma_prepare(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next, *prev;
	struct anon_vma *av = NULL, *fresh = NULL;

	mmap_assert_locked(mm);
	if (__atomic_load_n(&vma->anon_vma, __ATOMIC_ACQUIRE))
		return 0;
	/* allocated first: nothing is allocated under page_table_lock */
	fresh = anon_vma_alloc(mm->machine, NULL);
	vas_mutex_lock(&mm->page_table_lock);
	if (vma->anon_vma)
		goto out;	/* another fault won */
	/* find_mergeable_anon_vma(): the next VMA first, then the previous */
	next = rt_lookup(&mm->mm_mt, vma->vm_end, NULL, NULL);
	if (next)
		av = reusable(next, vma, next);
	if (!av && vma->vm_start) {
		prev = rt_lookup(&mm->mm_mt, vma->vm_start - 1, NULL, NULL);
		if (prev)
			av = reusable(prev, prev, vma);
	}
	if (av) {
		anon_vma_get(av);
	} else if (fresh) {
		av = fresh;
		fresh = NULL;
	} else {
		vas_mutex_unlock(&mm->page_table_lock);
		return -ENOMEM;
	}
	vma->anon_vma_forked = false;
	__atomic_store_n(&vma->anon_vma, av, __ATOMIC_RELEASE);
out:
	vas_mutex_unlock(&mm->page_table_lock);
	anon_vma_put(fresh);
	return 0;
}
