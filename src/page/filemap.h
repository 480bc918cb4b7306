/* SPDX-License-Identifier: MIT */
/*
 * filemap.h (internal) - the page cache of a vas_file: index -> struct page,
 * filled from the host file with pread (shmem: zero-filled), written back
 * with pwrite, read by the script's fread, cut by truncation.
 * docs/memory.md, "Page cache", has the design.
 *
 * Every page in the index is uptodate (it is filled before it is inserted),
 * holds one reference owned by the index, and has ->mapping == the file and
 * ->index == its page offset. A page leaves the index only by truncation or
 * release, which clear ->mapping under the page lock before dropping the
 * index's reference.
 *
 * Locks:
 *  - the index lock (i_lock, LOCK_RANK_PAGECACHE) is innermost: nothing
 *    else is taken while it is held (no page lock, no frame allocation, no
 *    put_page, no host I/O, no callback).
 *  - the page lock (lock_page) serialises writeback of a page against
 *    truncation of it.
 * Unmapping the pages a truncation or a hole punch cuts is the caller's
 * (mmap/truncate.c, as Linux's mm/truncate.c: unmap, cut, unmap again).
 */
#ifndef VAS_PAGE_FILEMAP_H
#define VAS_PAGE_FILEMAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/compiler.h"
#include "base/lock.h"

struct vas_file;
struct page;

struct fm_node;

/* A bit per page offset, grown on demand; clear past @nbits. */
struct fm_bits {
	unsigned long *w;
	unsigned long nbits;
};

/* Page offsets [start, end) with no page and no shadow (FILEMAP_ABSENT). */
struct fm_hole {
	unsigned long start, end;
};

/*
 * struct address_space - the page cache of one vas_file, embedded in it
 * (file->f_mapping).
 *
 * Locking key:
 *  (I) the index lock i_lock
 *  (a) atomic: written under (I), read anywhere with READ_ONCE
 *  (c) constant after creation
 */
struct address_space {
	struct vas_mutex i_lock;
	void *root;			/* (I) radix tree: fm_node, or NULL */
	unsigned int height;		/* (I) levels of the tree; 0: empty */
	unsigned long nrpages;		/* (I,a) pages in the index */
	unsigned long trunc_seq;	/* (I) bumped by every truncation */
	loff_t i_size;			/* (I,a) size in bytes */
	/*
	 * Host files stand for files whose pages the host caches: every page
	 * counts as cached (fault-around maps it) in the folio shape the
	 * writes gave it, unless its FILEMAP_* state says otherwise
	 * (filemap_page_state()): bit maps grown on demand for the pages
	 * evicted or read back small, ranges for the holes.
	 */
	struct fm_bits evicted;		/* (I) FILEMAP_EVICTED */
	struct fm_bits small;		/* (I) FILEMAP_SMALL */
	/* (I) FILEMAP_ABSENT: sorted, disjoint, non-adjacent [start, end) */
	struct fm_hole *holes;
	unsigned long nholes, holes_cap;
};

/*
 * Page states of a host file's page cache (filemap_page_state()):
 *  FILEMAP_EVICTED  reclaim took the page (MADV_PAGEOUT) and left a shadow:
 *                   not cached; a fault reads its folio back, nothing more.
 *  FILEMAP_ABSENT   not cached and no shadow (a hole was punched over its
 *                   whole folio): a fault reads around it (readahead).
 *  FILEMAP_SMALL    the page is its own folio (order 0): read back into a
 *                   hole by readahead, which allocates single pages.
 * No flag: cached, in the folio the file's writes gave it.
 */
#define FILEMAP_EVICTED 0x1u
#define FILEMAP_ABSENT 0x2u
#define FILEMAP_SMALL 0x4u

/* Flags of filemap_get_page(). */
#define FGP_CREAT 0x1u	/* fill and insert the page if it is not cached */

/**
 * filemap_init() - Set up an empty page cache of @size bytes.
 * Context: file creation.
 */
void filemap_init(struct address_space *as, loff_t size);

/**
 * filemap_release() - At the last vas_file_put(): write dirty pages back
 * (host files; errors are lost, as at a close in Linux), then drop every
 * page and free the index.
 * Context: no other user of @file remains; may block (host I/O).
 */
void filemap_release(struct vas_file *file);

/** i_size_read() - The file's size in bytes (may be stale at once). */
loff_t i_size_read(struct vas_file *file);

/**
 * filemap_get_page() - The page of @file at page offset @index.
 * @file:  host or shmem file.
 * @index: page offset.
 * @flags: FGP_CREAT to fill and insert a missing page: pread from the host
 *         file, the part beyond EOF zeroed; shmem: a zeroed page.
 *
 * Two threads that miss on one index may both read it; one page wins the
 * insertion and the other is dropped.
 * Context: may block (host I/O), may allocate (frame, index nodes); takes
 * and releases the index lock. The caller may hold mmap, VMA and page
 * locks of other pages, never the page-table lock.
 * Return: the page with a reference of the caller's, uptodate; NULL if not
 * cached and !FGP_CREAT; ERR_PTR(-ENXIO) if @index lies wholly beyond EOF
 * (the fault path turns that into SIGBUS); ERR_PTR(-ENOMEM) when a frame or
 * an index node cannot be allocated (nothing changed); ERR_PTR(-EIO) or the
 * negated host errno when pread fails; ERR_PTR(-EINVAL) for a driver file.
 */
struct page *filemap_get_page(struct vas_file *file, unsigned long index,
			      unsigned int flags) VAS_MUST_CHECK;

/**
 * filemap_find_page() - The cached page at @index, referenced, or NULL.
 * Never creates, never checks EOF. Context: takes and releases the index
 * lock.
 */
struct page *filemap_find_page(struct vas_file *file, unsigned long index)
	VAS_MUST_CHECK;

/**
 * set_page_dirty() - Mark a page-cache page dirty after writing into it,
 * so writeback stores it (folio_mark_dirty()). The caller holds a
 * reference. Shmem pages are never written back; marking them is harmless.
 * Context: any; lock-free.
 * Return: true if the page was clean before.
 */
bool set_page_dirty(struct page *page);
#define folio_mark_dirty(p) set_page_dirty(p)

/**
 * filemap_write_and_wait_range() - Write back the dirty pages of @file
 * whose bytes meet [@start, @end] (@end inclusive, as Linux's lend; LLONG_MAX
 * for all) with pwrite, each only up to i_size, and wait for it (pwrite is
 * synchronous). A page written into while it is written back stays dirty
 * when the write raced after the copy. No-op for shmem.
 * Context: may block; takes page locks and the index lock. The caller holds
 * no page lock of @file.
 * Return: 0, or the first negative errno from pwrite (the page stays
 * dirty; the other pages are still written).
 */
int filemap_write_and_wait_range(struct vas_file *file, loff_t start,
				 loff_t end) VAS_MUST_CHECK;

/**
 * filemap_fread() - Read @len bytes of @file at @off into @buf through the
 * page cache: cached pages are read from memory, so bytes written into them
 * show at once; the rest with pread (shmem: zeros). Stops at i_size.
 * Never brings pages into the cache (vas_file_pread() reads ahead first).
 * Context: may block; takes and releases the index lock.
 * Return: the bytes read (0 at or beyond EOF), or a negative errno
 * (-EINVAL for a negative @off or a driver file; a pread error).
 */
ssize_t filemap_fread(struct vas_file *file, loff_t off, size_t len,
		      void *buf) VAS_MUST_CHECK;

/**
 * filemap_cut() - The page-cache half of Linux's truncate_pagecache(): drop
 * the pages wholly beyond @newsize (dirty or not), zero the tail of the
 * partial last page, forget the page states beyond it. Does not change
 * i_size and unmaps nothing: the caller zaps the mappings before and after
 * (mmap/truncate.c).
 * Context: may block; takes page locks and the index lock; the caller
 * holds none of them.
 */
void filemap_cut(struct vas_file *file, loff_t newsize);

/**
 * filemap_punch_hole_prepare() - Allocate what filemap_punch_hole() of
 * @file needs (the record of one more hole of a host file), so that a
 * caller can fail with -ENOMEM before it zaps the mappings of the hole.
 * Context: takes the index lock; may allocate. Return: 0 or -ENOMEM.
 */
int filemap_punch_hole_prepare(struct vas_file *file) VAS_MUST_CHECK;

/**
 * filemap_punch_hole() - fallocate(PUNCH_HOLE | KEEP_SIZE) of the @nr pages
 * from page offset @first: the host file's blocks (a host file), then the
 * page cache, as Linux's truncate_inode_pages_range() leaves it:
 *  - the pages of [@drop, @drop + @ndrop) (the folios wholly inside the
 *    hole; the caller works them out with file_folio_of()) leave the
 *    cache, dirty or not; a host file's become FILEMAP_ABSENT;
 *  - the other pages of the hole belong to a large folio only partly
 *    inside it, which stays cached whole (ext4's folio does not split):
 *    their bytes are zeroed in place (an evicted one becomes absent).
 * [@drop, @drop + @ndrop) lies inside the hole. The caller has zapped the
 * mappings first, of those partial folios whole (mmap/truncate.c
 * unmap_mapping_range()).
 * Context: may block (host I/O); may allocate (page states).
 * Return: 0, -EBADF (not open for write), -EOPNOTSUPP (a driver file),
 * -ENOMEM (nothing changed), or the host's errno.
 */
int filemap_punch_hole(struct vas_file *file, unsigned long first,
		       unsigned long nr, unsigned long drop,
		       unsigned long ndrop) VAS_MUST_CHECK;

/**
 * filemap_evict() - Reclaim the clean page at @index of a host file (the
 * caller unmapped it): it leaves the cache and counts as not cached
 * (FILEMAP_EVICTED) until a fault reads it again. A dirty page, or one
 * still referenced elsewhere, stays. Context: takes the index lock; may
 * allocate (a failure leaves the page cached). Return: whether it went.
 */
bool filemap_evict(struct vas_file *file, unsigned long index);

/**
 * filemap_page_state() - The FILEMAP_* state of the page at @index of a
 * host file; filemap_get_page(FGP_CREAT) reads an evicted or absent page
 * back (an absent one as FILEMAP_SMALL). Shmem and driver files: 0.
 * Context: takes the index lock.
 */
unsigned int filemap_page_state(struct vas_file *file, unsigned long index);

/**
 * filemap_set_isize() - Set i_size to @newsize (bumping the truncation
 * sequence); when it grows, zero the bytes past the old end in the cached
 * last page. The i_size half of Linux's truncate_setsize(): the caller
 * cuts the cache when it shrinks (mmap/truncate.c).
 * Context: takes the index lock and a page lock. Return: the old size.
 */
loff_t filemap_set_isize(struct vas_file *file, loff_t newsize);

/**
 * filemap_host_truncate() - ftruncate() the host file of description
 * @desc to @size. Context: may block. Return: 0 or the negated errno.
 */
int filemap_host_truncate(struct vas_file *desc, loff_t size) VAS_MUST_CHECK;

/**
 * filemap_nrpages() - Pages in @file's cache (racy unless quiescent).
 */
unsigned long filemap_nrpages(struct vas_file *file);

/*
 * file_folio_of() - The folio of @file's page cache holding page @idx
 * (*@first, *@nr pages), at most the machine's file_folio_max, as Linux
 * 6.18 builds them for a host file written in pieces of that size; shmem,
 * single pages, pages read back into a hole (FILEMAP_SMALL or still
 * absent) and their neighbours in the written folio: the page alone
 * (filemap.c). Context: takes the page cache's index lock.
 */
#define FILE_FOLIO_PAGES (VAS_FILE_FOLIO_MAX >> PAGE_SHIFT)
void file_folio_of(struct vas_file *file, unsigned long idx,
		   unsigned long *first, unsigned long *nr);

#endif /* VAS_PAGE_FILEMAP_H */
