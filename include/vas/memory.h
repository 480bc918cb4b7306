/* SPDX-License-Identifier: MIT */
/*
 * memory.h - the bytes of an address space: user access through page
 * faults, fork, RSS, pages a driver owns and inserts, and zapping.
 *
 * User access (vas_read, vas_write, vas_fill, vas_fault) stands for a thread
 * of the process touching its memory: page by page, lowest first, each page
 * faulted in as the hardware would make the kernel do it. The first page
 * that cannot be accessed stops the access with the signal the kernel
 * would send; the pages before it were accessed.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_MEMORY_H
#define VAS_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <vas/defs.h>
#include <vas/mm.h>
#include <vas/vma.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_file;
struct vas_page;

/* Signals a user access can raise (the x86-64 Linux numbers). */
#define VAS_SIGBUS 7
#define VAS_SIGSEGV 11

/* Where and why a user access stopped. */
struct vas_fault_info {
	int signo;		/* VAS_SIGSEGV or VAS_SIGBUS */
	unsigned long addr;	/* the page-aligned address of the page */
};

/*
 * Context for vas_read(), vas_write(), vas_fill(), vas_fault(): the caller
 * holds a user of @mm and no mmap lock or VMA lock of it. They take a VMA's
 * read lock (lock_vma_under_rcu) and fall back to the mmap read lock, as
 * the kernel's fault handler does.
 * Return: 0; -EFAULT with *@fi set (@fi may be NULL) when a page raises a
 * signal; -ENOMEM when memory ran out (the kernel's OOM; the pages before
 * the failing one were accessed). A range that wraps around the address
 * space faults at the first page past the top.
 */

/** vas_read() - Load @len bytes at @addr into @buf. */
VAS_API int vas_read(struct vas_mm_user *mm, unsigned long addr, void *buf,
		     size_t len, struct vas_fault_info *fi) VAS_EXCLUDES(mm);
/** vas_write() - Store @len bytes of @buf at @addr. */
VAS_API int vas_write(struct vas_mm_user *mm, unsigned long addr,
		      const void *buf, size_t len, struct vas_fault_info *fi)
	VAS_EXCLUDES(mm);
/** vas_fill() - Store @byte into @len bytes at @addr (memset). */
VAS_API int vas_fill(struct vas_mm_user *mm, unsigned long addr, int byte,
		     size_t len, struct vas_fault_info *fi) VAS_EXCLUDES(mm);

#define VAS_FAULT_WRITE 0x1u
/**
 * vas_fault() - The fault entry point: make the page at @addr accessible
 * for a read (or a write with VAS_FAULT_WRITE), without moving bytes.
 */
VAS_API int vas_fault(struct vas_mm_user *mm, unsigned long addr,
		      unsigned int flags, struct vas_fault_info *fi)
	VAS_EXCLUDES(mm);

/* RSS counters (Linux's MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES). */
enum vas_rss {
	VAS_RSS_FILE = 0,
	VAS_RSS_ANON = 1,
	VAS_RSS_SHMEM = 2,
};
/** vas_mm_rss() - Pages of the kind @which mapped now. Context: any. */
VAS_API long vas_mm_rss(struct vas_mm_user *mm, enum vas_rss which);

/**
 * vas_mm_fork() - fork(2) of the address space @mm: a new address space
 * with a copy of each VMA but VM_DONTCOPY ones; private pages shared
 * copy-on-write, shared pages shared, VM_WIPEONFORK areas empty, seals and
 * guard markers kept, mlock not inherited.
 * @out: receives the child, with one user (the caller's).
 * Context: takes @mm's mmap lock for write. Return: 0 or -ENOMEM (no
 * child, @mm unchanged but for write-protected entries).
 */
VAS_API int vas_mm_fork(struct vas_mm_user *mm, struct vas_mm_user **out)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/* ---- pages a driver owns ---------------------------------------------- */

/**
 * vas_page_alloc() - A zeroed page of @machine's memory, with one
 * reference, the caller's. Context: any. Return: the page or NULL (-ENOMEM).
 */
VAS_API struct vas_page *vas_page_alloc(struct vas_machine *machine)
	VAS_MUST_CHECK;
/** vas_page_get() - Take another reference. Context: any; the caller holds one. */
VAS_API void vas_page_get(struct vas_page *page);
/**
 * vas_page_put() - Drop a reference; the last one frees the page (it is
 * then unmapped everywhere: each mapping holds its own). Context: any; no
 * page-table lock held. NULL is a no-op.
 */
VAS_API void vas_page_put(struct vas_page *page);
/**
 * vas_page_address() - The page's 4096 bytes, for the driver to fill.
 * Lifetime: while the caller holds a reference.
 */
VAS_API void *vas_page_address(struct vas_page *page);
/** vas_page_mapcount() - How many entries map the page now (racy). Context: any. */
VAS_API int vas_page_mapcount(const struct vas_page *page);

/**
 * vas_vm_insert_page() - Map @page at @addr of @vma (vm_insert_page): the
 * mapping takes its own reference, the caller keeps its own; writable only
 * if the VMA is shared and writable.
 * Context: @vma's guard held (mmap read lock or the VMA's read lock); takes
 * the page-table lock; may allocate page tables.
 * Return: 0; -EFAULT if @addr lies outside @vma; -EBUSY if something is
 * mapped there; -ENOMEM; -EINVAL for a misaligned @addr.
 */
VAS_API int vas_vm_insert_page(struct vas_vma_mixedmap *vma,
			       unsigned long addr, struct vas_page *page)
	VAS_MUST_CHECK;

/**
 * vas_vm_insert_pages() - Map @pages[0..*@num) at @addr, @addr + 4096, ...
 * of @vma, in order (vm_insert_pages): each as vas_vm_insert_page() would.
 * @num: in, the number of pages; out, how many were NOT inserted (0 on
 *       success), as Linux's: on an error the pages before the failing one
 *       stay mapped, and the caller decides what to do with them.
 * Context: as vas_vm_insert_page().
 * Return: 0; -EINVAL for a misaligned @addr (nothing inserted); -EFAULT if
 * the range leaves @vma (nothing inserted); else the first failing page's
 * error (-EBUSY: something mapped there; -EINVAL: an anonymous page or the
 * zero page; -ENOMEM: no page table), with *@num pages left.
 */
VAS_API int vas_vm_insert_pages(struct vas_vma_mixedmap *vma,
				unsigned long addr, struct vas_page **pages,
				unsigned long *num) VAS_MUST_CHECK;

/**
 * vas_page_pfn() - The frame number of @page in its machine's memory
 * (vas_page_offset() / 4096), for vas_vmf_insert_pfn(). Context: any;
 * the caller holds a reference.
 */
VAS_API unsigned long vas_page_pfn(const struct vas_page *page);

/**
 * vas_vmf_insert_pfn() - Map frame @pfn at @addr of the PFN mapping @vma
 * (vmf_insert_pfn): a "special" entry with no page behind it as far as the
 * address space knows: no reference, no map count, no RSS; a zap just
 * clears it, fork copies it as it is (Linux 6.18's vma_needs_copy copies
 * VM_PFNMAP entries), get_user_pages refuses the VMA (-EFAULT). Writable
 * if the VMA is shared and writable; vm_ops->page_mkwrite is not called
 * for it. Use it in the mmap hook (through vas_vma_new_ref()) or in
 * vm_ops->fault (then leave vmf->page NULL).
 * @pfn: a frame of @vma's machine allocated now (vas_page_pfn() of a page
 *       the driver holds). The driver must keep the frame allocated while
 *       it is mapped: unmap it first (vas_unmap_mapping_range(),
 *       vas_zap_page_range_single()), as Linux drivers must with their
 *       memory.
 * Context: @vma's guard held (mmap read lock or the VMA's read lock); takes
 * the page-table lock; may allocate page tables.
 * Return: 0, also when something is mapped at @addr already (it stays, as
 * in Linux's insert_pfn); -EFAULT if @addr is outside @vma (Linux:
 * VM_FAULT_SIGBUS); -EINVAL for a misaligned @addr, a VMA that is not
 * VM_PFNMAP (vas_vma_new_set_pfnmap()) or is a private one that may
 * become writable (VM_MAYWRITE without VM_SHARED: Linux BUG()s on both),
 * or a @pfn that is not an allocated frame of the machine; -ENOMEM.
 */
VAS_API int vas_vmf_insert_pfn(struct vas_vma_ref *vma, unsigned long addr,
			       unsigned long pfn) VAS_MUST_CHECK;

/**
 * vas_unmap_mapping_range() - Unmap [@start, @start + @len) of @file from
 * every address space of its machine (unmap_mapping_range): the entries of
 * every VMA that maps those file offsets are zapped, so the next access
 * faults again (a driver's vm_ops->fault supplies the page anew). As in
 * Linux, the range is in whole pages: from the page of @start (rounded
 * down: a partial page goes too), @len rounded up to pages; @len 0 means
 * to the end of the file.
 * @even_cows: also zap private copies (anonymous pages a write to a
 *             private mapping made); false keeps them, as for a hole punch.
 * Context: no mmap lock held (it takes each address space's mmap lock for
 * read in turn, holding none across the walk); may block. A mapping made
 * meanwhile in an address space already visited is not zapped, as in
 * Linux where the caller must stop new faults itself.
 * Lifetime: the caller holds a reference to @file.
 * Return: 0, or -EINVAL for a negative @start or @len (nothing done).
 */
VAS_API int vas_unmap_mapping_range(struct vas_file *file, off_t start,
				    off_t len, bool even_cows) VAS_MUST_CHECK;

/**
 * vas_zap_page_range_single() - Clear the entries of [@addr, @addr + @size)
 * of @vma (zap_page_range_single): anonymous pages are freed, file and
 * driver pages lose the mapping's reference, dirty data still reaches the
 * file. A range that overflows or leaves @vma does nothing (and is
 * reported in debug builds), as in Linux.
 * Context: @vma's guard held (mmap read lock or the VMA's read lock).
 */
VAS_API void vas_zap_page_range_single(struct vas_vma_ref *vma,
				       unsigned long addr, unsigned long size);

/**
 * vas_file_pread() - pread(2) of a file through its page cache: pages
 * written through shared mappings are seen at once, as in Linux. As
 * pread(2): a negative @off, a @len above SSIZE_MAX, or a range whose end
 * lies beyond the largest file offset (@off + @len > LLONG_MAX) is
 * -EINVAL, even past the end of the file (@len 0 never is); at most
 * MAX_RW_COUNT (INT_MAX rounded down to a page) bytes are read at once.
 * Pages of the range that are not cached (reclaimed, or in a punched
 * hole) are read into the cache first.
 * Context: any; may block (host I/O), may allocate. Lifetime: @file
 * referenced by the caller for the call.
 * Return: bytes read (short at end of file, 0 at or past it) or -errno:
 * -EINVAL as above or for a driver file, -EBADF for a file without
 * VAS_FMODE_READ, a host pread error.
 */
VAS_API ssize_t vas_file_pread(struct vas_file *file, void *buf, size_t len,
			       off_t off);

#ifdef __cplusplus
}
#endif

#endif /* VAS_MEMORY_H */
