// SPDX-License-Identifier: MIT
/*
 * fork.c - vas_mm_fork() (Linux's dup_mm and dup_mmap; the page tables are
 * copied by pte/copy.c's copy_page_range).
 *
 * The child gets a copy of each VMA but VM_DONTCOPY ones, in one pass
 * under both mmap locks (the parent's first, the child's nested). Page
 * tables are copied where Linux copies them (vma_needs_copy): a VMA with
 * an anon_vma, a PFN or mixed map, or guard markers; file pages of other
 * VMAs fault in again from the page cache.
 *
 * anon_vmas: the child's copy of a VMA with an anon_vma gets a new one of
 * its own, marked forked (its chain also holds the parent's), which keeps
 * it from merging with fresh neighbours, as in Linux. VM_WIPEONFORK copies
 * get neither pages nor anon_vma.
 */
#include <errno.h>
#include <limits.h>
#include <vas/memory.h>
#include "base/bug.h"
#include "vma/anon_vma.h"
#include "page/file.h"
#include "page/page.h"
#include "fault/fault.h"
#include "vma/vma.h"

/* The child's copy of @src, not yet linked; objects from @b first. */
static struct vm_area_struct *dup_vma(struct mm_struct *child,
				      struct vm_area_struct *src,
				      struct vma_batch *b)
{
	struct vm_area_struct *v = vm_area_alloc_from(child, b);

	if (!v)
		return NULL;
	if (src->anon_vma && !(src->vm_flags & VAS_VM_WIPEONFORK)) {
		v->anon_vma = anon_vma_alloc(child->machine, &b->avs);
		if (!v->anon_vma) {
			vm_area_free(v);
			return NULL;
		}
		v->anon_vma_forked = true;
	}
	v->vm_start = src->vm_start;
	v->vm_end = src->vm_end;
	/* mlock is not inherited */
	v->vm_flags = src->vm_flags & ~(VAS_VM_LOCKED | VAS_VM_LOCKONFAULT);
	v->vm_pgoff = src->vm_pgoff;
	v->vm_ops = src->vm_ops;
	v->vm_private_data = src->vm_private_data;
	if (src->vm_file)
		v->vm_file = vma_file_get(src->vm_file);
	return v;
}

/*
 * dup_mmap() - The child's VMAs. The tree is copied node by node first
 * (rt_dup, as Linux's __mt_dup); the walk then puts each VMA's copy in
 * place of the parent's VMA in the child's tree (rt_iter_replace: no node,
 * no tree walk) and erases the VM_DONTCOPY ones. If anything fails, the
 * child's tree is cut where the walk stands (rt_truncate: no allocation),
 * so that it holds only the child's own VMAs for exit_mmap() to free.
 */
static int dup_mmap(struct mm_struct *child, struct mm_struct *parent,
		    struct vma_batch *b, struct copy_state *cs)
	VAS_REQUIRES(parent) VAS_REQUIRES(child)
{
	struct vm_area_struct *src, *v;
	struct rt_iter it;
	int err;

	child->mmap_base = parent->mmap_base;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	child->def_flags = parent->def_flags &
			   ~(VAS_VM_LOCKED | VAS_VM_LOCKONFAULT);
	for (int r = 0; r < VAS_NR_RLIMITS; r++)
		child->rlimit[r] = __atomic_load_n(&parent->rlimit[r],
						   __ATOMIC_RELAXED);
	child->cap_ipc_lock = __atomic_load_n(&parent->cap_ipc_lock,
					      __ATOMIC_RELAXED);
	child->cap_sys_rawio = __atomic_load_n(&parent->cap_sys_rawio,
					       __ATOMIC_RELAXED);
	child->cap_sys_admin = __atomic_load_n(&parent->cap_sys_admin,
					       __ATOMIC_RELAXED);
	/*
	 * copy_page_range() writes the child's page tables without their
	 * locks, and its RSS once at the end: nothing else can reach them. The child's handle is not
	 * returned yet (no fault, GUP, mirror or notifier registration), and
	 * the one path that finds address spaces by the machine's list,
	 * truncation, takes the child's mmap lock, held here for write.
	 */
	VAS_BUG_ON(__atomic_load_n(&child->notifier_subscriptions,
				   __ATOMIC_RELAXED));
	err = rt_dup(&child->mm_mt, &parent->mm_mt);
	if (err)
		return err;
	rt_iter_init(&it, &child->mm_mt, 0, ULONG_MAX);
	while ((src = rt_iter_next(&it, NULL, NULL))) {
		if (src->vm_flags & VAS_VM_DONTCOPY) {
			struct rt_prealloc pa = RT_PREALLOC_INIT;

			err = rt_preallocate_entry(&child->mm_mt, &pa,
						   src->vm_start, src->vm_end,
						   true);
			if (err)
				goto cut;
			rt_store(&child->mm_mt, &pa, src->vm_start,
				 src->vm_end, NULL);
			rt_prealloc_release(&pa);
			continue;
		}
		/* the copy of private writable memory is committed too */
		if ((src->vm_flags & VAS_VM_ACCOUNT) &&
		    vm_enough_memory(parent, vma_pages(src))) {
			err = -ENOMEM;
			goto cut;
		}
		v = dup_vma(child, src, b);
		if (!v) {
			err = -ENOMEM;
			goto cut;
		}
		/* what vma_link() does, but the tree already has the range */
		mmap_assert_write_locked(v->vm_mm);
		vma_start_write(v);
		vma_mark_attached(v);
		rt_iter_replace(&it, v);
		vma_account(child, v, 1);
		child->map_count++;
		vma_open(v);
		if (src->vm_flags & VAS_VM_WIPEONFORK)
			continue;
		mmap_assert_write_locked(src->vm_mm);
		vma_start_write(src);	/* no fault races the copy */
		err = copy_page_range(v, src, cs);
		if (err) {
			/* v stays, with what it got; the rest goes */
			rt_truncate(&child->mm_mt, v->vm_end);
			return err;
		}
	}
	return 0;
cut:
	rt_truncate(&child->mm_mt, src->vm_start);
	return err;
}

int vas_mm_fork(struct vas_mm_user *u, struct vas_mm_user **out)
{
	struct mm_struct *parent = mm_of_user(u), *child;
	struct vma_batch b = VMA_BATCH_INIT;
	struct copy_state cs = COPY_STATE_INIT;
	struct vas_mm_user *cu;
	int err;

	err = vas_mm_create(parent->machine, &cu);
	if (err)
		return err;
	child = mm_of_user(cu);
	mmap_write_lock(parent);
	mmap_write_lock_nested(child);
	/*
	 * The VMAs and anon_vmas the copies will need, from the machine's
	 * caches in one acquisition of their mutex; what is left goes back
	 * in one more.
	 */
	vma_batch_reserve(child->machine, &b, (unsigned long)parent->map_count,
			  (unsigned long)parent->map_count);
	err = dup_mmap(child, parent, &b, &cs);
	copy_state_finish(child, &cs);
	vma_batch_release(child->machine, &b);
	mmap_write_unlock(child);
	mmap_write_unlock(parent);
	if (err) {
		vas_mm_put(cu);	/* tears down what was copied */
		return err;
	}
	*out = cu;
	return 0;
}
