/* SPDX-License-Identifier: MIT */
/*
 * mmap_internal.h - shared pieces of the mapping system calls: flag
 * translation, limits, unmapping, teardown and truncation entry points.
 */
#ifndef VAS_MMAP_INTERNAL_H
#define VAS_MMAP_INTERNAL_H

#include "fault/fault.h"
#include "mm/mm.h"
#include "vma/vma.h"

/* prot -> VM_READ/WRITE/EXEC (calc_vm_prot_bits). */
static inline unsigned long calc_vm_prot_bits(int prot)
{
	return (prot & VAS_PROT_READ ? VAS_VM_READ : 0) |
	       (prot & VAS_PROT_WRITE ? VAS_VM_WRITE : 0) |
	       (prot & VAS_PROT_EXEC ? VAS_VM_EXEC : 0);
}

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

/* exit.c */
/* Drop a user; the last one tears the address space down (mmput). */
void mmput(struct mm_struct *mm);
/* The same, the teardown queued to the machine's worker (mmput_async). */
void mmput_async(struct mm_struct *mm);
/* Remove and free every VMA, zap and free the page tables: the last
 * user's teardown. Context: no user left; takes the mmap write lock. */
void exit_mmap(struct mm_struct *mm);
/* The machine's teardown worker thread (started by vas_machine_create). */
void *teardown_worker(void *machine);
/* Stop the worker and join it. Context: machine destruction. */
void teardown_worker_stop(struct vas_machine *machine);

/* truncate.c */
/**
 * unmap_mapping_range() - Zap the entries that map @file's pages at
 * offsets [@first, @last] in every address space of its machine; with
 * @even_cows (truncation) private copies of those pages too, without (a
 * hole punch) they stay, as in Linux.
 * Context: no mmap lock held (takes each address space's for read).
 */
void unmap_mapping_range(struct vas_file *file, unsigned long first,
			 unsigned long last, bool even_cows);


#endif /* VAS_MMAP_INTERNAL_H */
