/* SPDX-License-Identifier: MIT */
/*
 * mmap_internal.h - shared pieces of the mapping system calls: flag
 * translation, limits, and the merge checks of Linux's mm/vma.c.
 */
#ifndef VAS_MMAP_INTERNAL_H
#define VAS_MMAP_INTERNAL_H

#include "mm/mm.h"
#include "vma/vma.h"

/* prot -> VM_READ/WRITE/EXEC (calc_vm_prot_bits). */
static inline unsigned long calc_vm_prot_bits(int prot)
{
	return (prot & VAS_PROT_READ ? VAS_VM_READ : 0) |
	       (prot & VAS_PROT_WRITE ? VAS_VM_WRITE : 0) |
	       (prot & VAS_PROT_EXEC ? VAS_VM_EXEC : 0);
}

static inline unsigned long rlimit_pages(struct mm_struct *mm,
					 enum vas_rlimit r)
{
	unsigned long v = __atomic_load_n(&mm->rlimit[r], __ATOMIC_RELAXED);

	return v == VAS_RLIM_INFINITY ? ~0UL : v >> PAGE_SHIFT;
}

/* Private writable mapping: counts against RLIMIT_DATA (is_data_mapping). */
static inline bool is_data_mapping(unsigned long flags)
{
	return (flags & (VAS_VM_WRITE | VAS_VM_SHARED | VAS_VM_STACK)) ==
	       VAS_VM_WRITE;
}

/* may_expand_vm(): RLIMIT_AS and RLIMIT_DATA. Context: M. */
bool may_expand_vm(struct mm_struct *mm, unsigned long flags,
		   unsigned long npages) VAS_REQUIRES(mm);

/* mlock_future_ok(): RLIMIT_MEMLOCK for a VM_LOCKED change. Context: M. */
bool mlock_future_ok(struct mm_struct *mm, unsigned long flags,
		     unsigned long bytes) VAS_REQUIRES(mm);

/*
 * struct vmg - what a range would look like, for the merge checks
 * (is_mergeable_vma, is_mergeable_anon_vma, pgoff contiguity).
 */
struct vmg {
	unsigned long start, end, pgoff, flags;
	struct vas_file *file;
	struct anon_vma *anon_vma;
	struct vm_area_struct *middle;	/* the VMA being changed, or NULL */
};

/* Whether @prev, ending at vmg->start with pgoff @prev_pgoff_end (its pgoff
 * at that end), can take the range. */
bool vmg_can_merge_prev(const struct vmg *g, const struct vm_area_struct *prev,
			unsigned long prev_pgoff_end);
/* Whether @next, starting at vmg->end with pgoff @next_pgoff_start there,
 * can take the range. */
bool vmg_can_merge_next(const struct vmg *g, const struct vm_area_struct *next,
			unsigned long next_pgoff_start);
/* Both neighbours' anon_vmas compatible with each other. */
bool anon_vmas_compatible(const struct vm_area_struct *a,
			  const struct vm_area_struct *b);
/* A VMA whose removal by a merge is allowed (no vm_ops->close). */
bool can_merge_remove_vma(const struct vm_area_struct *vma);

/*
 * vma_modify_flags() - Give [start, end) of @vma the flags @newflags,
 * merging with a neighbour where Linux would (vma_merge_existing_range) and
 * splitting otherwise (vma_modify). @start/@end lie inside @vma.
 * Return: the VMA that now covers [start, end) with @newflags, or an
 * ERR_PTR (-ENOMEM) with @vma unchanged. (Linux splits twice and may keep
 * the first split when the second fails; vas carves the range out in one
 * commit, so an allocation failure leaves nothing behind.)
 * Context: mmap lock held for write.
 */
struct vm_area_struct *vma_modify_flags(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long newflags) VAS_REQUIRES(mm);

/*
 * expand_stack_locked() - Grow the VM_GROWSDOWN @vma down to @addr (a
 * fault below it): the guard gap to the VMA below, RLIMIT_STACK, the
 * address-space and mlock limits, the anon_vma. Context: mmap lock held
 * for write. Return: 0, -EFAULT (not a stack), -ENOMEM, -EPERM (below
 * mmap_min_addr).
 */
int expand_stack_locked(struct mm_struct *mm, struct vm_area_struct *vma,
			unsigned long addr) VAS_REQUIRES(mm) VAS_MUST_CHECK;

/*
 * user_range() - The pages (start, len_in) name, as madvise and mseal read
 * them: @start page aligned, @len_in rounded up to pages without wrapping.
 * Return: 0 with *@endp set (== @start for an empty range), or -EINVAL.
 */
static inline int user_range(unsigned long start, unsigned long len_in,
			     unsigned long *endp)
{
	unsigned long len = (len_in + PAGE_SIZE - 1) & PAGE_MASK;

	if ((start & ~PAGE_MASK) || (len_in && !len) || start + len < start)
		return -EINVAL;
	*endp = start + len;
	return 0;
}

/* munmap.c */
int munmap_check_sealed(struct mm_struct *mm, unsigned long start,
			unsigned long end) VAS_REQUIRES(mm);
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
	VAS_REQUIRES(mm);
/* mmap.c: address selection as mmap does it (MAP_FIXED honoured). */
long get_unmapped_area(struct mm_struct *mm, unsigned long addr,
		       unsigned long len, int flags) VAS_REQUIRES(mm);

/* The VMA before @vma in the tree (vma_prev), or NULL. Context: M. */
static inline struct vm_area_struct *vma_prev_of(struct mm_struct *mm,
						 struct vm_area_struct *vma)
{
	return rt_prev(&mm->mm_mt, vma->vm_start, NULL, NULL);
}

static inline struct vm_area_struct *vma_next_of(struct mm_struct *mm,
						 struct vm_area_struct *vma)
{
	return rt_next(&mm->mm_mt, vma->vm_end, NULL, NULL);
}

#endif /* VAS_MMAP_INTERNAL_H */
