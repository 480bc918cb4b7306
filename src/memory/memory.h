/* SPDX-License-Identifier: MIT */
/*
 * memory.h - the page-level core of an address space (Linux mm/memory.c):
 * page faults, user access, zapping, page-table teardown, fork's copy and
 * the RSS counters. Internal. docs/faults.md has the design.
 *
 * Which lock covers a VMA here (the fault's "lock mode"):
 *  FAULT_FLAG_VMA_LOCK  the VMA's per-VMA read lock (lock_vma_under_rcu);
 *                       anything that needs more (a new anon_vma) returns
 *                       VM_FAULT_RETRY and the caller retries under the
 *                       mmap lock, as Linux's vmf_anon_prepare does;
 *  (none)               the mmap lock, read or write.
 * In both, the VMA cannot change or go away, and the page tables under it
 * cannot be freed (pt_free_range() frees only gaps, under the write lock).
 * Page-table entries change under the leaf table's lock (PTL).
 */
#ifndef VAS_MEMORY_MEMORY_H
#define VAS_MEMORY_MEMORY_H

#include "mm/mm.h"
#include "pgtable/pgtable.h"

struct page;

/* RSS counters of an address space (Linux's MM_*PAGES). */
enum mm_counter {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS,
};

/* The counter a mapped page of this kind counts in. */
enum mm_counter mm_counter_of(const struct page *page);

static inline void add_mm_counter(struct mm_struct *mm, enum mm_counter c,
				  long n)
{
	__atomic_add_fetch(&mm->rss_stat[c], n, __ATOMIC_RELAXED);
}

/**
 * pte_get_locked() - The leaf slot of @addr with its table's lock held,
 * installing missing tables first (allocated with no lock held).
 * Context: a lock covering @addr (mmap lock or the VMA's read lock).
 * Return: the slot (release with pte_unmap_unlock()), or NULL: -ENOMEM.
 */
pte_t *pte_get_locked(struct mm_struct *mm, unsigned long addr,
		      struct pt_lock **ptlp) VAS_MUST_CHECK;

/* ---- faults -------------------------------------------------------------- */

#define FAULT_FLAG_WRITE 0x1u	  /* a store */
#define FAULT_FLAG_VMA_LOCK 0x2u  /* under the VMA's read lock only */

/* vm_fault_t: 0 or one of these. */
#define VM_FAULT_SIGSEGV 0x1u
#define VM_FAULT_SIGBUS 0x2u
#define VM_FAULT_OOM 0x4u
#define VM_FAULT_RETRY 0x8u
typedef unsigned int vm_fault_t;

/**
 * handle_mm_fault() - Make the page at @addr of @vma accessible for the
 * access @flags describes: map the zero page or a new anonymous page,
 * a page-cache page (with fault-around on reads), a driver's page
 * (vm_ops->fault), or copy on write.
 * Checks @vma's permissions first (x86: any of read/write/exec allows a
 * read; a write needs VM_WRITE) and guard markers (SIGSEGV).
 * Context: @vma held as @flags says (see above); takes PTLs; may block
 * (file reads) and allocate. Return: 0 (the caller retries the access;
 * the entry may have changed again meanwhile) or VM_FAULT_*.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long addr,
			   unsigned int flags) VAS_MUST_CHECK;

/**
 * vma_access_ok() - Whether @vma allows the access (the x86 rule above).
 */
static inline bool vma_access_ok(const struct vm_area_struct *vma, bool write)
{
	if (write)
		return vma->vm_flags & VAS_VM_WRITE;
	return vma->vm_flags & VAS_VM_ACCESS_FLAGS;
}

/**
 * fault_in_range() - Fault [@start, @end) of @vma in, page by page, as
 * populating does (populate_vma_page_range, faultin_page_range): @write
 * faults for write. Context: mmap lock held (read or write).
 * Return: 0, or the first page's VM_FAULT_* (pages before it stay).
 */
vm_fault_t fault_in_range(struct vm_area_struct *vma, unsigned long start,
			  unsigned long end, bool write) VAS_MUST_CHECK;

/*
 * file_folio_of() - The folio of @file's page cache holding page @idx
 * (*@first, *@nr pages), at most the machine's file_folio_max, as Linux
 * 6.18 builds them for a host file written in pieces of that size; shmem,
 * single pages, pages read back into a hole (FILEMAP_SMALL or still
 * absent) and their neighbours in the written folio: the page alone
 * (fault.c). Context: takes the page cache's index lock.
 */
#define FILE_FOLIO_PAGES (VAS_FILE_FOLIO_MAX >> PAGE_SHIFT)
void file_folio_of(struct vas_file *file, unsigned long idx,
		   unsigned long *first, unsigned long *nr);

/**
 * file_readahead() - Bring page @idx of host file @file into the page
 * cache if it is not there, with what Linux's readahead reads with it: an
 * evicted page (FILEMAP_EVICTED) comes back with the evicted pages of its
 * folio, and nothing more (measured: faults and reads bring back one
 * folio); a page in a hole (FILEMAP_ABSENT) with the other pages of the
 * hole in the window [@first, @first + @nr), each a folio of its own
 * (FILEMAP_SMALL: readahead into a hole allocates single pages). Pages
 * past the end of the file are left. Errors are left to the caller's own
 * read of @idx. Context: may block (host I/O), may allocate; holds no
 * page-table lock.
 */
void file_readahead(struct vas_file *file, unsigned long idx,
		    unsigned long first, unsigned long nr);

/* ---- zap and teardown ------------------------------------------------------ */

#define ZAP_GUARDS 0x1u		/* remove guard markers too (munmap) */

/**
 * zap_range() - Clear the leaf entries of [@start, @end) of @mm: pages
 * lose the mapping's reference and mapcount, a dirty pte dirties its
 * page-cache page, RSS counters drop. Guard markers stay unless
 * ZAP_GUARDS. Frees no table.
 * Context: mmap lock held, or a VMA read lock covering the range.
 * Return: pages unmapped.
 */
unsigned long zap_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int flags);

/**
 * unmap_region() - After [@start, @end) became a gap of @mm: zap it
 * (guards too) and free the page tables only the gap used.
 * Context: mmap lock held for write; no VMA covers the range any more.
 */
void unmap_region(struct mm_struct *mm, unsigned long start,
		  unsigned long end) VAS_REQUIRES(mm);

/**
 * move_page_tables() - mremap's move of the entries of [@old, @old + @len)
 * to @new (pt_move_range). Context: mmap lock held for write, the source
 * VMA write-locked, no VMA at the destination yet.
 * Return: 0 or -ENOMEM (nothing moved).
 */
int move_page_tables(struct mm_struct *mm, unsigned long old,
		     unsigned long new, unsigned long len) VAS_REQUIRES(mm)
	VAS_MUST_CHECK;

/**
 * wrprotect_shared_range() - Before writeback (msync): move the dirty bit of
 * each pte of [@start, @end) of @vma to its page and write-protect the pte,
 * so the next store dirties the page again (Linux's page_mkclean, for this
 * address space). Context: mmap lock held.
 */
void wrprotect_shared_range(struct vm_area_struct *vma, unsigned long start,
			    unsigned long end);

/**
 * install_guards() - Put a guard marker in each entry of [@start, @end),
 * zapping pages that are there (MADV_GUARD_INSTALL).
 * Context: mmap lock held. Return: 0 or -ENOMEM (markers before stay).
 */
int install_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end) VAS_MUST_CHECK;
/** remove_guards() - Clear the guard markers of [@start, @end). */
void remove_guards(struct mm_struct *mm, unsigned long start,
		   unsigned long end);

/**
 * madvise_free_range() - MADV_FREE: the anonymous pages of [@start, @end)
 * of @vma that only this entry maps become lazily freeable: clean, old,
 * marked; a later store dirties them again. Context: mmap lock held.
 */
void madvise_free_range(struct vm_area_struct *vma, unsigned long start,
			unsigned long end);

/**
 * pageout_range() - MADV_PAGEOUT without swap: reclaim what can go without
 * it — lazily freed anonymous pages still clean, and folios of host files
 * mapped only here (unmapped, written back if dirty, evicted from the
 * cache; a folio whose writeback fails stays cached). Other anonymous
 * pages and shmem stay. Context: mmap lock held; may block (host I/O).
 */
void pageout_range(struct vm_area_struct *vma, unsigned long start,
		   unsigned long end);

/* ---- fork ---------------------------------------------------------------- */

/**
 * copy_page_range() - Fork's copy of @src's entries into @dst: private
 * pages shared copy-on-write, shared pages shared, guard markers kept.
 * Context: both mmap locks held for write, @src write-locked.
 * Return: 0 or -ENOMEM (@dst holds what was copied; tear it down).
 */
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
	VAS_MUST_CHECK;

/* ---- smaps -------------------------------------------------------------- */

/* PSS figures are fixed-point bytes << PSS_SHIFT (the kernel's). */
struct mem_size_stats {
	unsigned long long resident;
	unsigned long long pss;			/* << PSS_SHIFT */
	unsigned long long pss_dirty;		/* << PSS_SHIFT */
	unsigned long long shared_clean;
	unsigned long long shared_dirty;
	unsigned long long private_clean;
	unsigned long long private_dirty;
	unsigned long long referenced;
	unsigned long long anonymous;
	unsigned long long ksm;
	unsigned long long lazyfree;
	unsigned long long anonymous_thp;
	unsigned long long shmem_thp;
	unsigned long long file_thp;
	unsigned long long shared_hugetlb;
	unsigned long long private_hugetlb;
	unsigned long long swap;
	unsigned long long swap_pss;		/* << PSS_SHIFT */
	unsigned long long pss_locked;		/* << PSS_SHIFT */
};
#define PSS_SHIFT 12

/** smaps_account_vma() - Add @vma's pages to @mss. Context: mmap lock held. */
void smaps_account_vma(struct vm_area_struct *vma, struct mem_size_stats *mss);

/* ---- truncation (unmap_mapping_range) ------------------------------------- */

/**
 * mapping_register() - Make truncation of host file @file zap its pages in
 * every address space of its machine (registers the file's unmap hook;
 * once per file; shmem and driver files have no truncation).
 * Context: no mmap lock held (the hook lock ranks outside mmap locks:
 * truncation takes mmap locks inside it). Called at vas_file_open_host.
 */
void mapping_register(struct vas_file *file);

/**
 * unmap_mapping_range() - Zap the entries that map @file's pages at
 * offsets [@first, @last] in every address space of its machine; with
 * @even_cows (truncation) private copies of those pages too, without (a
 * hole punch) they stay, as in Linux.
 * Context: no mmap lock held (takes each address space's for read).
 */
void unmap_mapping_range(struct vas_file *file, unsigned long first,
			 unsigned long last, bool even_cows);

#endif /* VAS_MEMORY_MEMORY_H */
