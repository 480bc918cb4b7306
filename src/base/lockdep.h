/* SPDX-License-Identifier: MIT */
/*
 * lockdep.h - lock ranks and per-thread held-lock records (debug builds).
 *
 * Every lock of vas has a rank; a thread may only take a lock whose rank is
 * not below that of a lock it already holds (trylocks are exempt: they
 * cannot deadlock). Equal ranks are allowed only where noted. The records
 * also answer "does this thread hold a lock that covers this VMA?", which is
 * how a VMA reference used after its guard was released gets reported.
 *
 * The global lock order is the enum below, top to bottom; docs/locking.md
 * quotes it. Every lock of src/ is a struct vas_mutex or a struct
 * vas_spinlock (base/lock.h) with one of these ranks, or the mmap lock,
 * the VMA locks, the page locks and the page-table locks, which record
 * themselves.
 *
 * In builds without VAS_DEBUG everything here compiles to nothing and the
 * queries answer "unknown" (LOCKDEP_UNKNOWN), which every assertion accepts.
 */
#ifndef VAS_BASE_LOCKDEP_H
#define VAS_BASE_LOCKDEP_H

#include <stdbool.h>
#include "base/compiler.h"

/*
 * The order (docs/locking.md "Order:" quotes it, same names):
 *   mmap lock -> VMA lock -> page lock -> page-table lock (PTL)
 *   -> mm->page_table_lock -> MMU notifier list lock -> page-cache index lock
 *   -> host-inode table lock
 *   -> mm list lock -> worker lock -> VMA cache lock -> frame pools list lock
 *   -> frame pool lock -> mmap lock wait queue -> statistics slots lock
 *   -> allocation count lock -> node pool lock
 */
enum lock_rank {
	LOCK_RANK_MMAP = 10,		/* mm->mmap_lock */
	LOCK_RANK_VMA = 20,		/* VMA locks; several reads may nest */
	LOCK_RANK_PAGE = 30,		/* page (folio) locks */
	LOCK_RANK_PTL = 40,		/* page-table locks */
	LOCK_RANK_MM_PAGE_TABLE = 45,	/* mm->page_table_lock */
	LOCK_RANK_MMU_NOTIFIER = 47,	/* an mm's MMU notifier list */
	LOCK_RANK_PAGECACHE = 50,	/* address_space i_lock */
	LOCK_RANK_INODES = 55,		/* the frames' host-inode table */
	LOCK_RANK_MM_LIST = 60,		/* machine->mm_list_lock */
	LOCK_RANK_WORKER = 65,		/* machine->worker_lock */
	LOCK_RANK_VMA_CACHE = 70,	/* machine->vma_cache_lock */
	LOCK_RANK_FRAME_POOLS = 75,	/* pools_lock: the list of pools */
	LOCK_RANK_FRAME_POOL = 80,	/* one frame pool's lock */
	LOCK_RANK_MMAP_WAIT = 85,	/* the mmap lock's wait queue (m) */
	LOCK_RANK_STATS = 87,		/* base/stats.c: slot owners, live sets */
	LOCK_RANK_ALLOC_LIVE = 88,	/* base/alloc.c: per-thread live counts */
	LOCK_RANK_NODE_POOL = 90,	/* base/alloc.c: the node pool */
};

enum lock_mode {
	LOCK_MODE_NONE = 0,
	LOCK_MODE_READ = 1,
	LOCK_MODE_WRITE = 2,
	LOCK_MODE_SETUP = 3,	/* a VMA in its mmap hook, not yet visible */
	LOCKDEP_UNKNOWN = -1,	/* no records kept in this build */
};

#define LOCKDEP_MAX_HELD 32

#ifdef VAS_DEBUG
void lockdep_acquire(const void *lock, enum lock_rank rank,
		     enum lock_mode mode, bool trylock, bool nested);
void lockdep_release(const void *lock);
void lockdep_set_mode(const void *lock, enum lock_mode mode);
enum lock_mode lockdep_held_mode(const void *lock);
unsigned int lockdep_depth(void);
/* The highest rank among the locks this thread holds; 0 if none. */
int lockdep_highest_rank(void);
/* Abort with @what and the thread's held locks. */
void lockdep_report(const char *what, const void *obj)
	__attribute__((noreturn));
#else
static inline void lockdep_acquire(const void *lock, enum lock_rank rank,
				   enum lock_mode mode, bool trylock,
				   bool nested)
{
	(void)lock, (void)rank, (void)mode, (void)trylock, (void)nested;
}
static inline void lockdep_release(const void *lock)
{
	(void)lock;
}
static inline void lockdep_set_mode(const void *lock, enum lock_mode mode)
{
	(void)lock, (void)mode;
}
static inline enum lock_mode lockdep_held_mode(const void *lock)
{
	(void)lock;
	return LOCKDEP_UNKNOWN;
}
static inline unsigned int lockdep_depth(void)
{
	return 0;
}
static inline int lockdep_highest_rank(void)
{
	return LOCKDEP_UNKNOWN;
}
#endif

#endif /* VAS_BASE_LOCKDEP_H */
