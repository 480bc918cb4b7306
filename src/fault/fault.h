/* SPDX-License-Identifier: MIT */
/*
 * fault.h - page faults (Linux mm/memory.c handle_mm_fault and friends),
 * populating (gup's faultin), user access and vm_insert_page. Internal.
 * docs/faults.md has the design.
 *
 * Which lock covers a VMA here (the fault's "lock mode"):
 *  FAULT_FLAG_VMA_LOCK  the VMA's per-VMA read lock (lock_vma_under_rcu);
 *                       anything that needs more (a new anon_vma) returns
 *                       VM_FAULT_RETRY and the caller retries under the
 *                       mmap lock, as Linux's vmf_anon_prepare does;
 *  (none)               the mmap lock, read or write.
 * In both, the VMA cannot change or go away, and the page tables under it
 * cannot be freed.
 */
#ifndef VAS_FAULT_FAULT_H
#define VAS_FAULT_FAULT_H

#include "page/page.h"
#include "pte/pte.h"

/* ---- faults -------------------------------------------------------------- */

#define FAULT_FLAG_WRITE 0x1u	  /* a store */
#define FAULT_FLAG_VMA_LOCK 0x2u  /* under the VMA's read lock only */
/*
 * FAULT_FLAG_UNSHARE: a read pin (fault/gup.c) of a write-protected private
 * page that is not exclusive to this mapping: copy it (do_wp_page), but map
 * the copy read-only as the entry was. Never with FAULT_FLAG_WRITE.
 */
#define FAULT_FLAG_UNSHARE 0x4u

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
 * With FAULT_FLAG_UNSHARE, a present read-only entry of a private VMA
 * whose page is not exclusive (anon_page_exclusive()) gets a private copy,
 * read-only.
 * Context: @vma held as @flags says (see above); takes PTLs; may block
 * (file reads) and allocate. Return: 0 (the caller retries the access;
 * the entry may have changed again meanwhile) or VM_FAULT_*.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long addr,
			   unsigned int flags) VAS_MUST_CHECK;

/*
 * The user access a write fault was taken for (fault/uaccess.c), made by
 * the fault itself where it holds the page anyway: @fn gets the page's
 * first byte. A write fault that maps a new page (a zeroed page, a copy on
 * write) calls it on the page before the entry that maps it is stored, as
 * the access retried right after the fault would write it, and a write
 * fault that reuses its own anonymous page calls it under the page-table
 * lock. @done tells the caller whether the access was made; if not (any
 * other fault, or one that lost a race), it retries the access itself. A
 * fault that loses its race may have called @fn on the page it drops, so
 * @fn must leave the access as it was (the caller moves on at @done).
 */
struct fault_access {
	void (*fn)(struct fault_access *fa, unsigned char *kaddr);
	bool done;
};

/**
 * handle_mm_fault_access() - handle_mm_fault() that makes the write access
 * @fa where it can (struct fault_access); @fa->done must be false.
 * Context, Return: as handle_mm_fault().
 */
vm_fault_t handle_mm_fault_access(struct vm_area_struct *vma,
				  unsigned long addr, unsigned int flags,
				  struct fault_access *fa) VAS_MUST_CHECK;

/**
 * anon_page_exclusive() - Whether the anonymous @page, mapped, belongs to
 * one entry alone (Linux's PageAnonExclusive, which vas does not keep):
 * mapped once, and either referenced by that mapping alone or pinned. A
 * pinned page mapped once is exclusive: gup pins an anonymous page only
 * when it is (unsharing it first), and fork copies pinned pages instead
 * of sharing them, so the pins' references (and any reference taken
 * while it is pinned) do not make it shared. Other references (a
 * get_user_pages reference, a fault in flight) make an unpinned page
 * look shared, so it is copied where Linux, which keeps the exclusive
 * bit, would reuse it.
 * Context: the page-table lock of the entry mapping @page (pins of a
 * mapped page are taken under it; an unpin racing the check can only
 * make the page look shared as its last pin goes).
 */
static inline bool anon_page_exclusive(const struct page *page)
{
	return PageAnon(page) && page_mapcount(page) == 1 &&
	       (page_maybe_dma_pinned(page) || page_ref_count(page) == 1);
}

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

/* ---- populate (populate.c) ------------------------------------------- */

/**
 * vma_populate() - Fault [@start, @end) (clamped to @vma) in, as
 * populate_vma_page_range() does after mlock, MAP_POPULATE and the like:
 * private writable memory for write, the rest for read; lock-on-fault,
 * VM_IO and VM_PFNMAP VMAs, and inaccessible ones, are skipped.
 * Context: mmap lock held. Return: 0, -ENOMEM (out of memory), -EFAULT
 * (a page raised SIGBUS or SIGSEGV: past the end of a file, a guard).
 */
int vma_populate(struct mm_struct *mm, struct vm_area_struct *vma,
		 unsigned long start, unsigned long end)
	VAS_REQUIRES_SHARED(mm) VAS_MUST_CHECK;

/** populate_range() - vma_populate() for every VMA in [start, end). */
int populate_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end) VAS_REQUIRES_SHARED(mm) VAS_MUST_CHECK;

/**
 * mm_populate() - populate_range() with errors ignored (Linux's
 * mm_populate after mmap, mlockall, mremap and brk: a failure to fault
 * leaves the memory to be faulted on access).
 */
void mm_populate(struct mm_struct *mm, unsigned long start, unsigned long end)
	VAS_REQUIRES_SHARED(mm);

#endif /* VAS_FAULT_FAULT_H */
