/* SPDX-License-Identifier: MIT */
/*
 * binder.h - a driver modelled on Android's Rust Binder, written against
 * the public vas API only (<vas/vas.h>).
 *
 * What it models is the memory side of binder: each process that opens
 * the device maps a read-only buffer area, and the driver fills that area
 * with pages on demand (a transaction needs a buffer) and reclaims pages
 * nobody uses (a shrinker). The pieces:
 *
 *  struct binder_dev   the device: the LRU of reclaimable pages, counters.
 *  struct binder_proc  one open of the device by one address space: a
 *                      count on that address space (taken at open), the
 *                      vas_file its mmap goes through, and one slot per
 *                      page of the buffer area.
 *
 * Lock order (outermost first):
 *
 *	proc->install_lock        installs and reclaims of this proc's pages
 *	  mmap lock | VMA lock    of the proc's address space (vas)
 *	    proc->lock            slots, the recorded mapping, dead
 *	      dev->lru_lock       the LRU list
 *
 * The shrinker enters with trylocks only (install_lock, the mmap lock), so
 * it may be called from any context that holds none of this proc's locks,
 * and it drops its address-space user with vas_mm_put_async(): it never
 * runs a teardown itself.
 */
#ifndef VAS_EXAMPLE_BINDER_H
#define VAS_EXAMPLE_BINDER_H

#include <stdbool.h>
#include <stdint.h>
#include <vas/vas.h>

#define BINDER_PAGE_SIZE 4096UL
/* Binder uses at most the first 4 MiB of a mapping (SZ_4M). */
#define BINDER_MAX_BUFFER (4UL << 20)
#define BINDER_MAX_PAGES (BINDER_MAX_BUFFER / BINDER_PAGE_SIZE)

struct binder_dev;
struct binder_proc;

/* Counters of a device; each is read with a relaxed atomic load. */
struct binder_stats {
	unsigned long procs;		/* binder_procs not yet freed */
	unsigned long pages_alloc;	/* vas_page_alloc() by the driver */
	unsigned long pages_freed;	/* the driver's last vas_page_put() */
	unsigned long dropped_mapped;	/* pages dropped while still mapped */
	unsigned long inserted;		/* vas_vm_insert_page() that succeeded */
	unsigned long insert_failed;	/* vas_vm_insert_page() errors */
	unsigned long vma_locked;	/* installs under the per-VMA lock */
	unsigned long mmap_locked;	/* installs under the mmap read lock */
	unsigned long no_vma;		/* no VMA at the address */
	unsigned long not_owned;	/* a VMA there, but not this proc's */
	unsigned long no_mm;		/* the address space was gone */
	unsigned long shrink_freed;	/* pages the shrinker freed */
	unsigned long shrink_zapped;	/* ... after zapping them in our VMA */
	unsigned long shrink_busy;	/* skipped: install_lock contended */
	unsigned long shrink_mmap_busy;	/* skipped: mmap lock contended */
	unsigned long shrink_no_mm;	/* skipped: address space gone */
	unsigned long vma_opens;	/* vm_ops->open calls */
	unsigned long vma_closes;	/* vm_ops->close calls */
};

/**
 * binder_dev_create() - Create a device whose pages come from @machine.
 * Context: any; may allocate. Return: 0 or -ENOMEM.
 */
int binder_dev_create(struct vas_machine *machine, struct binder_dev **out);

/**
 * binder_dev_destroy() - Destroy @dev.
 * Context: every binder_proc of @dev has been freed.
 * Return: 0, or -EBUSY (procs remain; nothing done).
 */
int binder_dev_destroy(struct binder_dev *dev);

/** binder_dev_stats() - Copy the counters of @dev into @out. Context: any. */
void binder_dev_stats(struct binder_dev *dev, struct binder_stats *out);

/* Where binder_dev_set_hook()'s callback runs. */
enum binder_hook_point {
	BINDER_HOOK_INSERT,	/* before vas_vm_insert_page() */
	BINDER_HOOK_ZAP,	/* before the shrinker's vas_zap_page_range_single() */
};

/**
 * binder_dev_set_hook() - Instrumentation for tests: @fn runs right before
 * each insert and each zap of a page at @addr of @vma, with the VMA's
 * guard held (for a zap: the mmap read lock), and may inspect @vma
 * (vas_vma_flags(), vas_vma_private(), ...). It must not take a lock of
 * the address space.
 * Context: before any thread uses @dev.
 */
void binder_dev_set_hook(struct binder_dev *dev,
			 void (*fn)(struct binder_proc *proc,
				    enum binder_hook_point point,
				    struct vas_vma_ref *vma, unsigned long addr,
				    void *arg),
			 void *arg);

/**
 * binder_dev_set_skip_vma_check() - Behave as binder did before the fix
 * "check ownership before using vma": insert into (and zap in) whatever
 * VM_MIXEDMAP VMA covers the address. For the regression test only.
 * Context: any.
 */
void binder_dev_set_skip_vma_check(struct binder_dev *dev, bool skip);

/**
 * binder_open() - open(2) of the device by the process whose address space
 * is @mm: a new proc with a count on @mm (vas_mm_grab) and a driver file.
 * @out: receives the proc. The caller's handle is the file's reference
 *       (binder_proc_file()); binder_close() drops it.
 * Context: the caller holds a user of @mm; may allocate.
 * Return: 0 or -ENOMEM.
 */
int binder_open(struct binder_dev *dev, struct vas_mm_user *mm,
		struct binder_proc **out);

/**
 * binder_close() - close(2) of the file. When no mapping holds the file
 * any more, the proc is marked dead (no more installs) and the file's
 * reference on it is dropped; the last reference frees its pages and drops
 * the count on the address space.
 * Context: no lock of the proc's address space held.
 */
void binder_close(struct binder_proc *proc);

/** binder_proc_get() - Take a reference on @proc. Context: caller holds one. */
void binder_proc_get(struct binder_proc *proc);
/** binder_proc_put() - Drop a reference; the last frees @proc. */
void binder_proc_put(struct binder_proc *proc);

/** binder_proc_file() - The file to vas_mmap(). Lifetime: until binder_close(). */
struct vas_file *binder_proc_file(struct binder_proc *proc);
/** binder_proc_id() - The proc's number (1, 2, ...), as written into its pages. */
unsigned int binder_proc_id(const struct binder_proc *proc);

/**
 * binder_proc_buffer() - Where the buffer area was mapped and how large it
 * is (the mapping's size, capped at BINDER_MAX_BUFFER).
 * Return: false if the proc has not been mapped yet.
 */
bool binder_proc_buffer(struct binder_proc *proc, unsigned long *start,
			unsigned long *size);

/**
 * binder_use_range() - A buffer covering pages [@first, @first + @count) of
 * the buffer area is about to be used: install each page that is not
 * there (allocate it, write its pattern, vas_vm_insert_page() it into the
 * proc's VMA) and pin it against the shrinker.
 *
 * Context: holds a reference on @proc and no lock of its address space;
 * may block, may allocate.
 * Return: 0 (every page pinned), or, with nothing pinned: -EINVAL (outside
 * the buffer), -ESRCH (the proc is dead or not mapped, its address space
 * is gone, or the VMA at the address is not the proc's), -ENOMEM, or the
 * error of vas_vm_insert_page().
 */
int binder_use_range(struct binder_proc *proc, unsigned long first,
		     unsigned long count);

/**
 * binder_stop_using_range() - Unpin pages [@first, @first + @count); the
 * pages nobody pins go on the LRU, where the shrinker may reclaim them.
 * Context: as binder_use_range(); the range was pinned by it.
 */
void binder_stop_using_range(struct binder_proc *proc, unsigned long first,
			     unsigned long count);

/**
 * binder_shrink() - The shrinker's scan: look at up to @nr_to_scan pages
 * of the LRU, oldest first, and free those it can reclaim without waiting
 * (zapping them from the proc's VMA first).
 * Context: any thread that holds no lock of the procs' address spaces.
 * Return: the number of pages freed.
 */
unsigned long binder_shrink(struct binder_dev *dev, unsigned long nr_to_scan);

/** binder_lru_count() - Pages on the LRU now (list_lru_count). */
unsigned long binder_lru_count(struct binder_dev *dev);

/**
 * binder_proc_page_gen() - The last generation of page @idx: 0 before its
 * first install, then one more for each page installed for @idx.
 */
unsigned int binder_proc_page_gen(struct binder_proc *proc, unsigned long idx);

/**
 * binder_proc_page_get() - The page the driver holds for @idx now, with a
 * reference for the caller (vas_page_put() it), or NULL. For tests.
 */
struct vas_page *binder_proc_page_get(struct binder_proc *proc,
				      unsigned long idx);

/*
 * The bytes the driver writes into a page before inserting it: 512 words,
 * word @k of page @idx of proc @proc_id in generation @gen being
 * binder_pattern_word(). Word 0 encodes the three numbers; the others mix
 * in @k, so a page of another index, proc or generation, a zero page or a
 * torn copy all fail binder_pattern_decode().
 */
uint64_t binder_pattern_word(unsigned int proc_id, unsigned long idx,
			     unsigned int gen, unsigned int k);
/**
 * binder_pattern_decode() - If the BINDER_PAGE_SIZE bytes at @buf are one
 * whole pattern page, store its numbers and return true.
 */
bool binder_pattern_decode(const void *buf, unsigned int *proc_id,
			   unsigned long *idx, unsigned int *gen);

#endif /* VAS_EXAMPLE_BINDER_H */
