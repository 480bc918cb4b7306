/* SPDX-License-Identifier: MIT */
/*
 * physmem.h - the machine's physical memory seen from the host: the memory
 * file that holds every frame, its figures, and the pages of an address
 * space taken for use outside it (get_user_pages / pin_user_pages).
 *
 * Every frame of a machine (anonymous pages, page-cache pages of host and
 * vas files, shmem pages, driver pages, the zero page) lives in one host
 * memory file (a memfd, sealed against shrinking). A frame has a fixed
 * offset in that file for as long as it is allocated, so the embedder can
 * map it anywhere with mmap(2) of vas_machine_memfd() at
 * vas_page_offset(). The library itself reaches the frames through one
 * shared mapping of the file (the "direct map"); vas_page_address() is a
 * pointer into it. docs/host-memory.md has the design.
 */
#ifndef VAS_PHYSMEM_H
#define VAS_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <vas/defs.h>
#include <vas/mm.h>
#include <vas/memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_page;

/* ---- the memory file ------------------------------------------------------ */

/* The figures of a machine's memory (vas_machine_mem_info()). */
struct vas_mem_info {
	size_t limit;		/* the most the pool may hold: the config's
				 * frames_bytes */
	size_t size;		/* the memory file's size now: what the pool
				 * has grown to (<= limit) */
	size_t used;		/* bytes of frames allocated now (the zero
				 * page included) */
	size_t peak;		/* the most bytes ever taken from the pool
				 * at once: allocated, or kept in a
				 * thread's cache of free frames (at most
				 * 64 frames a thread); >= used */
	unsigned long grows;	/* times the file grew (its first sizing,
				 * at machine creation, included) */
	unsigned long grow_failures; /* times growing failed (host out of
				      * memory, or injection) */
};

/**
 * vas_machine_mem_info() - @machine's memory figures, into *@out.
 * Context: any thread; the figures are a racy snapshot.
 */
VAS_API void vas_machine_mem_info(const struct vas_machine *machine,
				  struct vas_mem_info *out);

/**
 * vas_machine_memfd() - The host file descriptor of @machine's memory
 * file. Map it MAP_SHARED at a page's vas_page_offset() to reach that
 * page's bytes; map only pages you hold a reference to (or that a
 * notifier tells you about, docs/host-memory.md). Sealed with
 * F_SEAL_SHRINK and F_SEAL_SEAL: it can grow, never shrink.
 * Lifetime: the machine's; do not close it.
 * Context: any.
 */
VAS_API int vas_machine_memfd(const struct vas_machine *machine);

/**
 * vas_page_offset() - The byte offset of @page in its machine's memory
 * file (a multiple of 4096). Lifetime: the page's frame keeps it while
 * the caller holds a reference or a pin; a freed frame's offset is given
 * to the next page allocated there.
 * Context: any.
 */
VAS_API off_t vas_page_offset(const struct vas_page *page);

/* ---- get_user_pages and pin_user_pages ------------------------------------ */

/*
 * gup_flags (Linux's FOLL_*):
 *  VAS_FOLL_WRITE     the pages will be written: break COW, fault in for
 *                     write, need VM_WRITE;
 *  VAS_FOLL_LONGTERM  pins held indefinitely, as RDMA or a guest's memory
 *                     holds them: refused for shared writable mappings of
 *                     host files (Linux: -EFAULT); a read pin of a private
 *                     writable mapping unshares even a file page or the
 *                     zero page; only with vas_pin_user_pages();
 *  VAS_FOLL_NOFAULT   take only pages mapped now with the rights asked
 *                     (get_user_pages_fast_only): stop at the first that
 *                     would fault.
 */
#define VAS_FOLL_WRITE 0x01u
#define VAS_FOLL_LONGTERM 0x02u
#define VAS_FOLL_NOFAULT 0x04u

/**
 * vas_get_user_pages() - Take references on the pages that map
 * [@addr, @addr + @nr_pages * 4096) of @mm (get_user_pages, FOLL_GET):
 * each page is faulted in first as a user access would be (a read, or a
 * write with VAS_FOLL_WRITE, which breaks COW), unless VAS_FOLL_NOFAULT.
 * @pages: receives the pages, in order; release each with vas_page_put().
 * @fi: where the first page that could not be taken faulted (may be NULL):
 *      its address, and the signal the access raised (VAS_SIGSEGV: no VMA,
 *      or the VMA does not allow the access; VAS_SIGBUS: past the end of a
 *      file), or 0 where VAS_FOLL_NOFAULT stopped.
 *
 * A reference keeps the frame (and its vas_page_offset()) but not the
 * mapping: the address space may unmap or replace the page at any time
 * (an MMU notifier tells when). As Linux's check_vma_flags(): VM_IO and
 * VM_PFNMAP areas give -EFAULT, a write needs VM_WRITE and a read VM_READ
 * (a write-only or exec-only area refuses a read), and a stack below its
 * VMA is not grown. The zero page is returned for a read of an untouched
 * private page.
 *
 * Context: the caller holds a user of @mm and no mmap lock or VMA lock of
 * it; takes the mmap read lock. May allocate.
 * Return: the number of pages taken (the first ones; fewer than @nr_pages
 * when a later page failed), or -errno when none was: -EFAULT (*@fi set),
 * -ENOMEM, -EINVAL (@addr not page aligned, @nr_pages 0, the range wraps,
 * @pages NULL, an unknown flag, or VAS_FOLL_LONGTERM, which only pinning
 * takes).
 */
VAS_API long vas_get_user_pages(struct vas_mm_user *mm, unsigned long addr,
				unsigned long nr_pages, unsigned int gup_flags,
				struct vas_page **pages,
				struct vas_fault_info *fi) VAS_EXCLUDES(mm);

/**
 * vas_pin_user_pages() - As vas_get_user_pages(), but each page is pinned
 * (pin_user_pages, FOLL_PIN): a pin is a reference that also marks the
 * page "maybe DMA pinned", and @mm as having pinned pages. Release with
 * vas_unpin_user_pages().
 *
 * Linux's rules for pins hold:
 *  - a private anonymous page is pinned only while exclusive to @mm: a
 *    page shared copy-on-write (after fork) is copied first, even for a
 *    read pin (FAULT_FLAG_UNSHARE), so the pin and the mapping agree;
 *  - a pinned page outlives munmap() of its VMA until unpinned;
 *  - fork() copies a pinned anonymous page into the child at once instead
 *    of sharing it copy-on-write (folio_needs_cow_for_dma), so the parent
 *    keeps writing the pinned page and the child never sees those writes;
 *  - the zero page can be pinned (a read pin of an untouched private
 *    page, not VAS_FOLL_LONGTERM); such pins are not counted;
 *  - vas_machine_destroy() refuses (-EBUSY) while pins are held.
 * A pin is counted exactly in the page (and each holds a reference);
 * vas_page_address() gives the bytes of any pinned page.
 *
 * Context, Return: as vas_get_user_pages(); also -EFAULT for
 * VAS_FOLL_LONGTERM | VAS_FOLL_WRITE on a shared mapping of a host file.
 */
VAS_API long vas_pin_user_pages(struct vas_mm_user *mm, unsigned long addr,
				unsigned long nr_pages, unsigned int gup_flags,
				struct vas_page **pages,
				struct vas_fault_info *fi) VAS_EXCLUDES(mm);

/**
 * vas_unpin_user_pages() - Release pins taken by vas_pin_user_pages(),
 * @nr_pages of them from @pages (unpin_user_pages). NULL entries are
 * skipped. With @make_dirty, each page is marked dirty first
 * (unpin_user_pages_dirty_lock), so a file page's bytes written through
 * the pin reach the file.
 * Context: any thread; no page-table lock held.
 */
VAS_API void vas_unpin_user_pages(struct vas_page **pages,
				  unsigned long nr_pages, bool make_dirty);

/**
 * vas_page_maybe_dma_pinned() - Whether @page may be pinned
 * (page_maybe_dma_pinned): exact in vas, but racy unless the caller
 * excludes pinning.
 * Context: any.
 */
VAS_API bool vas_page_maybe_dma_pinned(const struct vas_page *page);

#ifdef __cplusplus
}
#endif

#endif /* VAS_PHYSMEM_H */
