/* SPDX-License-Identifier: MIT */
/*
 * page.h (internal) - the machine's physical memory: a pool of 4 KiB frames
 * backed by host memory, one struct page per frame, and the shared zero
 * page. docs/memory.md, "Frames", has the design.
 *
 * The rule every user of this file keeps:
 *
 *   No address space can ever read bytes another one left behind.
 *
 * alloc_page() hands out zeroed frames. Only a caller that overwrites all
 * PAGE_SIZE bytes before the frame becomes visible to any address space
 * (a copy-on-write copy, a page-cache fill that zeroes the tail past EOF)
 * may pass __GFP_NOZERO. The zero page is read-only: its host memory is
 * mapped read-only, so a stray write faults in the host.
 *
 * Counts (the kernel's, for one 4 KiB page):
 *  - refcount: 0 while the frame is free; alloc_page() returns it at 1;
 *    every mapping of the page holds a reference of its own, so
 *    page_mapcount() <= page_ref_count() for every page in use. The last
 *    put_page() frees the frame.
 *  - mapcount: stored -1 based (_mapcount == -1: not mapped), as in Linux;
 *    page_mapcount() returns the 0-based count. The zero page is never
 *    counted: it is mapped by "special" entries, as Linux maps it, and
 *    callers need not take references on it either.
 *  - pincount: pins taken by pin_user_pages (fault/gup.c), exact (Linux
 *    biases the refcount instead); each pin also holds a reference, so
 *    page_mapcount() + page_pincount() <= page_ref_count(). The zero page
 *    is never counted.
 */
#ifndef VAS_MEM_PAGE_H
#define VAS_MEM_PAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/bug.h"
#include "base/compiler.h"
#include "base/lock.h"

struct frames;
struct vas_file;
struct vas_stats;
struct frames;

/* Bits of page->flags. */
enum pageflags {
	PG_locked,	/* the page lock is held (lock_page) */
	PG_waiters,	/* someone sleeps in lock_page() */
	PG_uptodate,	/* contents valid (a file page has been read in) */
	PG_dirty,	/* contents must be written back to the file */
	PG_anon,	/* anonymous: ->mapping is the anon_vma */
	PG_zero,	/* contents known to be all zero (pool-internal) */
	PG_reserved,	/* never freed: the zero page */
	PG_free,	/* in the pool: a free list or a thread's cache */
	PG_lazyfree,	/* anonymous, MADV_FREE'd: reclaim may drop it if clean */
	__NR_PAGEFLAGS,
};

/*
 * Locking key:
 *  (a) atomic
 *  (o) the owner's: whoever holds a reference and owns the page's use
 *      (the page lock, or the page cache's index lock, as the owner says)
 *  (L) the pool lock while on the global free list; the owning thread
 *      while in its cache
 *  (c) constant after the pool is created
 */
struct page {
	uint32_t flags;			/* (a) 1 << PG_*; the futex word of
					 * lock_page() */
	int _refcount;			/* (a) 0: free */
	int _mapcount;			/* (a) -1 based */
	int _pincount;			/* (a) pins (FOLL_PIN) held; each
					 * also holds a reference */
	void *mapping;			/* (o) vas_file or anon_vma; NULL */
	unsigned long index;		/* (o) page offset in ->mapping */
	union {
		unsigned long private;	/* (o) while allocated */
		struct page *free_next;	/* (L) while free */
	};
	struct frames *pool;		/* (c) */
};

/* ---- flags ------------------------------------------------------------- */

static inline bool page_test_flag(const struct page *page, enum pageflags f)
{
	return __atomic_load_n(&page->flags, __ATOMIC_ACQUIRE) & (1u << f);
}
static inline void page_set_flag(struct page *page, enum pageflags f)
{
	__atomic_fetch_or(&page->flags, 1u << f, __ATOMIC_ACQ_REL);
}
static inline void page_clear_flag(struct page *page, enum pageflags f)
{
	__atomic_fetch_and(&page->flags, ~(1u << f), __ATOMIC_ACQ_REL);
}
/* Return: whether the bit was set before. */
static inline bool page_test_set_flag(struct page *page, enum pageflags f)
{
	return __atomic_fetch_or(&page->flags, 1u << f, __ATOMIC_ACQ_REL) &
	       (1u << f);
}
static inline bool page_test_clear_flag(struct page *page, enum pageflags f)
{
	return __atomic_fetch_and(&page->flags, ~(1u << f), __ATOMIC_ACQ_REL) &
	       (1u << f);
}

/* PageDirty(), SetPageDirty(), ClearPageDirty(), TestClearPageDirty()... */
#define PAGEFLAG(Name, bit)                                                   \
	static inline bool Page##Name(const struct page *page)               \
	{                                                                     \
		return page_test_flag(page, bit);                             \
	}                                                                     \
	static inline void SetPage##Name(struct page *page)                  \
	{                                                                     \
		page_set_flag(page, bit);                                     \
	}                                                                     \
	static inline void ClearPage##Name(struct page *page)                \
	{                                                                     \
		page_clear_flag(page, bit);                                   \
	}                                                                     \
	static inline bool TestSetPage##Name(struct page *page)              \
	{                                                                     \
		return page_test_set_flag(page, bit);                         \
	}                                                                     \
	static inline bool TestClearPage##Name(struct page *page)            \
	{                                                                     \
		return page_test_clear_flag(page, bit);                       \
	}

/*
 * __page_set_flag() - Set @f on a page no other thread can reach yet (a
 * new page before its entry is stored: Linux's __folio_set_*): a plain
 * read-modify-write, no atomic. set_pte()'s release store publishes it.
 */
static inline void __page_set_flag(struct page *page, enum pageflags f)
{
	__atomic_store_n(&page->flags,
			 __atomic_load_n(&page->flags, __ATOMIC_RELAXED) |
				 (1u << f),
			 __ATOMIC_RELAXED);
}

PAGEFLAG(Locked, PG_locked)
PAGEFLAG(Uptodate, PG_uptodate)
PAGEFLAG(Dirty, PG_dirty)
PAGEFLAG(Anon, PG_anon)
PAGEFLAG(Reserved, PG_reserved)
PAGEFLAG(Lazyfree, PG_lazyfree)

/* ---- allocation -------------------------------------------------------- */

/* gfp flags of alloc_page(). */
#define GFP_KERNEL 0u
/* Zero the frame: the default; for call sites that read like the kernel's. */
#define __GFP_ZERO 0x1u
/*
 * vas: do not zero. The caller overwrites all PAGE_SIZE bytes before the
 * frame can be seen by any address space. Debug builds hand such frames
 * out filled with PAGE_POISON, so a caller that forgets shows up.
 */
#define __GFP_NOZERO 0x2u

#define PAGE_POISON 0x6b	/* fill of free frames in VAS_DEBUG builds */

/**
 * alloc_page() - Allocate one frame of pool @f.
 * @f:   the machine's frame pool (machine->frames).
 * @gfp: GFP_KERNEL / __GFP_ZERO (zeroed), or __GFP_NOZERO.
 *
 * Context: any thread; takes and releases the pool lock (a leaf) when this
 * thread's cache is empty, and under it may grow the memory file (one
 * ftruncate(2)). Never blocks on anything but that lock and that call.
 * Return: the page, refcount 1, mapcount 0, flags, mapping, index and
 * private clear; or NULL when the pool is exhausted (the limit reached,
 * or the file could not grow: the host refused, or injection at
 * VAS_FP_FRAMES_GROW; counted as VAS_STAT_OOM) or the allocation was
 * failed by injection (vas_fail_site(VAS_FP_FRAME)). Callers turn NULL
 * into -ENOMEM or VM_FAULT_OOM.
 */
struct page *alloc_page(struct frames *f, unsigned int gfp)
	VAS_MUST_CHECK;

/** get_page() - Take a reference. Context: the caller holds one. */
static inline void get_page(struct page *page)
{
	int old = __atomic_fetch_add(&page->_refcount, 1, __ATOMIC_RELAXED);

	VAS_BUG_ON(old <= 0);
}

/**
 * get_page_unless_zero() - Take a reference unless the page is free
 * (folio_try_get). For lookups that find a page without holding a
 * reference (the page cache under its lock or RCU).
 * Return: whether a reference was taken.
 */
static inline bool get_page_unless_zero(struct page *page)
{
	int old = __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);

	do {
		if (old == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&page->_refcount, &old, old + 1,
					      true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

void __free_page_frame(struct page *page);

/**
 * put_page() - Drop a reference; the last one frees the frame to the pool.
 * The page must be unmapped (mapcount 0) and unlocked by then; putting the
 * zero page's last reference is a bug.
 * Context: any thread; may take and release the pool lock (a leaf).
 */
static inline void put_page(struct page *page)
{
	int now = __atomic_sub_fetch(&page->_refcount, 1, __ATOMIC_ACQ_REL);

	if (likely(now > 0))
		return;
	VAS_BUG_ON(now < 0);
	VAS_BUG_ON(__atomic_load_n(&page->_pincount, __ATOMIC_RELAXED));
	__free_page_frame(page);
}

/**
 * put_page_refs() - put_page() of @n references at once (one atomic).
 * Context: as put_page(); the caller holds the @n references.
 */
static inline void put_page_refs(struct page *page, int n)
{
	int now = __atomic_sub_fetch(&page->_refcount, n, __ATOMIC_ACQ_REL);

	if (likely(now > 0))
		return;
	VAS_BUG_ON(now < 0);
	VAS_BUG_ON(__atomic_load_n(&page->_pincount, __ATOMIC_RELAXED));
	__free_page_frame(page);
}

/**
 * page_ref_count() - The reference count (racy unless owned). An acquire
 * load: a caller that sees the count drop (copy on write deciding to reuse
 * a page) also sees what the dropped users did with the page before.
 */
static inline int page_ref_count(const struct page *page)
{
	return __atomic_load_n(&page->_refcount, __ATOMIC_ACQUIRE);
}

/* ---- mappings ---------------------------------------------------------- */

/** page_mapcount() - How many page-table entries map @page (0-based). */
static inline int page_mapcount(const struct page *page)
{
	return __atomic_load_n(&page->_mapcount, __ATOMIC_ACQUIRE) + 1;
}

/** page_mapped() - Whether any page-table entry maps @page. */
static inline bool page_mapped(const struct page *page)
{
	return page_mapcount(page) > 0;
}

/**
 * page_add_map() - Count one more page-table entry mapping @page. The
 * caller holds a reference for that entry (get_page) and the page-table
 * lock of the entry. Not for the zero page (warns and does nothing).
 * Return: true if this is the first mapping (Linux's first-map check).
 */
static inline bool page_add_map(struct page *page)
{
	if (VAS_WARN_ON_ONCE(PageReserved(page)))
		return false;
	return __atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_ACQ_REL) == 0;
}

/**
 * page_add_new_anon_map() - page_add_map() of a new anonymous page's first
 * mapping, before the entry that maps it is stored: no other thread can
 * reach the page yet, so the count is set, not added to atomically
 * (Linux's folio_add_new_anon_rmap). set_pte()'s release store publishes
 * it with the entry. Context: the page-table lock of the entry.
 */
static inline void page_add_new_anon_map(struct page *page)
{
	VAS_BUG_ON(__atomic_load_n(&page->_mapcount, __ATOMIC_RELAXED) != -1);
	__atomic_store_n(&page->_mapcount, 0, __ATOMIC_RELAXED);
}

/**
 * page_remove_map() - Count one page-table entry less. The caller then
 * drops the entry's reference (put_page). Not for the zero page.
 * Return: true if that was the last mapping.
 */
static inline bool page_remove_map(struct page *page)
{
	int now;

	if (VAS_WARN_ON_ONCE(PageReserved(page)))
		return false;
	now = __atomic_sub_fetch(&page->_mapcount, 1, __ATOMIC_ACQ_REL);
	VAS_BUG_ON(now < -1);
	return now == -1;
}

/* ---- pins --------------------------------------------------------------- */

/** page_pincount() - The pins held on @page (racy unless pinning is
 * excluded). */
static inline int page_pincount(const struct page *page)
{
	return __atomic_load_n(&page->_pincount, __ATOMIC_ACQUIRE);
}

/**
 * page_maybe_dma_pinned() - Whether @page is pinned (folio_maybe_dma_pinned;
 * exact in vas). Stable while the caller excludes new pins: pins of a
 * mapped page are taken under its page-table lock.
 */
static inline bool page_maybe_dma_pinned(const struct page *page)
{
	return page_pincount(page) > 0;
}

/* ---- addresses and frame numbers --------------------------------------- */

/** page_to_pfn() - The frame number of @page in its machine. */
unsigned long page_to_pfn(const struct page *page);

/**
 * pfn_to_page() - The page of frame @pfn of pool @f.
 * Return: the page, or NULL if !pfn_valid(@f, @pfn).
 */
struct page *pfn_to_page(const struct frames *f, unsigned long pfn);

/** pfn_valid() - Whether @pfn names a frame of @f (the zero page's too). */
bool pfn_valid(const struct frames *f, unsigned long pfn);

/**
 * page_address() - The host address of @page's PAGE_SIZE bytes, valid
 * while the caller holds a reference (the zero page's: always).
 */
void *page_address(const struct page *page);

/**
 * frames_zero_page() - The machine's shared zero page: all zero, never
 * freed, read-only (a write faults in the host). ZERO_PAGE(m) in kernel
 * spelling.
 */
struct page *frames_zero_page(const struct frames *f);
#define ZERO_PAGE(f) frames_zero_page(f)

/** is_zero_page() - Whether @page is its machine's zero page. */
static inline bool is_zero_page(const struct page *page)
{
	return PageReserved(page);
}

/* ---- the page lock ----------------------------------------------------- */

/**
 * lock_page() - Take @page's lock (PG_locked); sleeps while another thread
 * holds it. The caller holds a reference.
 * Context: may block; lock rank LOCK_RANK_PAGE (after the VMA lock, before
 * the page-table lock).
 */
void lock_page(struct page *page);

/** trylock_page() - lock_page() if that needs no wait. Return: taken. */
bool trylock_page(struct page *page) VAS_MUST_CHECK;

/** unlock_page() - Release the page lock and wake its waiters. */
void unlock_page(struct page *page);

/* ---- the pool ------------------------------------------------------------ */

/**
 * frames_create() - Create a machine's frame pool of at most *@bytesp
 * bytes (the limit; 0: the default, 256 MiB, written back into *@bytesp)
 * in *@out, counting into @stats; @file_folio_max is the machine's
 * tunable for the page cache (frames_file_folio_max()). The frames live
 * in a memory file that starts at 2 MiB (or the limit if smaller) and
 * grows on demand up to the limit. Frame 0 becomes the zero page.
 *
 * Context: machine creation; may allocate, may block.
 * Return: 0, -EINVAL (the size is not a multiple of PAGE_SIZE, is below
 * two frames or above 64 TiB), -ENOMEM (host memory could not be
 * reserved, or the file's first growth failed: the host's error or
 * injection at VAS_FP_FRAMES_GROW), or the host's error creating the
 * memory file (-EMFILE, -ENFILE).
 */
int frames_create(size_t *bytesp, unsigned long file_folio_max,
		  struct vas_stats *stats, struct frames **out) VAS_MUST_CHECK;

/**
 * frames_destroy() - Give @f's frames back to the host. Frames still in use
 * are reported (a warning) and lost with the rest.
 * Context: machine destruction: no other thread uses @f any more; frames
 * other threads still cache are forgotten, not touched.
 */
void frames_destroy(struct frames *f);

/*
 * What the page layer keeps per machine besides frames, read through the
 * pool: the machine's counters, its page-cache folio tunable, and the
 * table of host files that own a page cache (page/file.c; the lock is a
 * leaf). Context: any; the table under its lock.
 */
struct vas_stats *frames_vstats(const struct frames *f);
unsigned long frames_file_folio_max(const struct frames *f);
struct vas_mutex *frames_inode_lock(struct frames *f);
struct vas_file **frames_inodes(struct frames *f);

struct vas_mem_info;

/** frames_memfd() - The memory file's descriptor (vas_machine_memfd()). */
int frames_memfd(const struct frames *f);

/**
 * frames_exec_ok() - Whether the memory file can be mapped PROT_EXEC on
 * this host (probed at creation: vm.memfd_noexec, security modules).
 */
bool frames_exec_ok(const struct frames *f);

/**
 * frames_mem_info() - The figures of vas_machine_mem_info().
 * Context: any; a racy snapshot, no lock taken.
 */
void frames_mem_info(const struct frames *f, struct vas_mem_info *out);

/* Figures of the pool. Not a snapshot while other threads allocate. */
struct frames_stats {
	unsigned long total;	/* frames, the zero page included: the
				 * limit */
	unsigned long free;	/* frames alloc_page() can still hand out
				 * (growing the file where needed) */
	unsigned long cached;	/*  of which in threads' caches */
	unsigned long untouched; /* of which never handed out yet */
};

/** frames_stats() - Fill @st for @f. Context: takes the pool lock. */
void frames_stats(struct frames *f, struct frames_stats *st);

/**
 * frames_drain_local() - Give the frames this thread caches back to their
 * pool (a thread going idle does this; thread exit does it by itself).
 * Context: takes the pool lock.
 */
void frames_drain_local(void);

/**
 * frames_validate() - Check the pool: the free list (bounds, no cycle,
 * count), every frame handed out so far (a free frame has refcount 0,
 * mapcount 0, no mapping, PG_free; a frame in use has refcount > 0,
 * mapcount <= refcount, no PG_free), the free count against the frames
 * counted free, the zero page (reserved, referenced, all zero), and the
 * memory file (its size as counted, never below the frames handed out).
 * Prints what is wrong to stderr.
 * Context: takes the pool lock; exact only while no other thread
 * allocates or frees frames of @m.
 * Return: 0, or -EUCLEAN.
 */
int frames_validate(struct frames *f) VAS_MUST_CHECK;

#endif /* VAS_MEM_PAGE_H */
