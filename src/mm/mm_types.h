/* SPDX-License-Identifier: MIT */
/*
 * mm_types.h - the machine, the address space (struct mm_struct) and the VMA
 * (struct vm_area_struct). Internal.
 *
 * Locking key (every field below is tagged):
 *  (c) constant after creation      (a) atomic
 *  (M) mmap_lock: write to change, read to read
 *  (V) VMA write lock (implies M for write)
 *  (L) the lock named in the comment
 *  (P) mm->page_table_lock
 * Two letters: either suffices to read, both are needed to write.
 * (M+P) on anon_vma: set under the mmap read lock plus page_table_lock
 * (anon_vma_prepare), or changed with the VMA write-locked; read under the
 * mmap lock or the VMA's read lock, with an acquire load.
 * No VMA field has lock-free readers: lock_vma_under_rcu() finds the VMA
 * through the tree and reads vm_start/vm_end only after vma_start_read().
 */
#ifndef VAS_MM_MM_TYPES_H
#define VAS_MM_MM_TYPES_H

#include <pthread.h>
#include <stdint.h>
#include <vas/mm.h>
#include <vas/stats.h>
#include <vas/vma.h>
#include <vas/mman.h>
#include "base/compiler.h"
#include "base/lock.h"
#include "base/rcu.h"
#include "base/stats.h"
#include "mm/mmap_lock.h"
#include "tree/rt.h"

/* The mmap lock is a capability named by its address space. */
struct VAS_CAPABILITY("mmap_lock") mm_struct;
struct mmu_notifier_subscriptions;

struct vas_machine {
	/* Read-mostly: every fault reads these. */
	struct vas_machine_config cfg;		/* (c) */
	struct frames *frames;			/* (c) physical memory: page/page.c */
	struct vas_stats stats;			/* (a) */
	long nr_mms __attribute__((aligned(64))); /* (a) address spaces alive */
	long committed;				/* (a) vm_committed_as, pages */

	/* The VMA cache: see vma/vma.c. (L: vma_cache_lock) */
	struct vas_mutex vma_cache_lock __attribute__((aligned(64)));
	struct vm_area_struct *vma_cache;	/* (L) freed VMAs for reuse */
	unsigned int vma_cache_nr;		/* (L) */
	/* Freed anon_vmas for reuse (vma/vma.c, fork branch). (L) */
	struct anon_vma *anon_vma_cache;	/* (L) */
	unsigned int anon_vma_cache_nr;		/* (L) */

	/* Deferred teardown (vas_mm_put_async). (L: worker_lock) */
	struct vas_mutex worker_lock;
	struct vas_cond worker_cond;		/* work queued or stop */
	struct vas_cond worker_idle;		/* queue drained */
	struct mm_struct *worker_queue;		/* (L) linked by async_next */
	bool worker_busy;			/* (L) a teardown is running */
	bool worker_stop;			/* (L) */
	pthread_t worker;			/* (c) */

	/* Every address space not yet freed (truncation zaps them). */
	struct vas_mutex mm_list_lock;
	struct mm_struct *mm_list;		/* (L: mm_list_lock) */
};

/*
 * Field order is by who writes how often, one cache line per group, so
 * that lock-free readers (lock_vma_under_rcu, faults) do not miss on lines
 * the writer or the lock word dirty: line 0 is constant (page tables,
 * machine), then the tree (its root changes with every mapping change),
 * then mm_lock_seq (changes once per write-lock section), then the mmap
 * lock, then counts and accounting, then the RSS counters faults write.
 */
#define MM_VMA_CACHE_MAX 16
#define MM_LOCKED_VMAS_MAX 6
/* A stamp mm_lock_seq never takes: a VMA write-locked in no section. */
#define MM_SEQ_UNLOCKED (~0UL - 1)
#define MM_VMA_CACHE_BATCH 8

struct mm_struct {
	struct pgd *pgd;			/* (c) page tables: pgtable/pgtable.h */
	struct vas_machine *machine;		/* (c) */
	unsigned long id;			/* (c) for reports */
	/*
	 * The MMU notifiers (mm/mmu_notifier.c): NULL until the first
	 * registration, then set once (under the mmap write lock) and kept
	 * until the object is freed. Every invalidation loads it: it sits
	 * on the read-mostly line. (M to set, a)
	 */
	struct mmu_notifier_subscriptions *notifier_subscriptions;
	struct rt_tree mm_mt __attribute__((aligned(64))); /* (M,R) the VMAs */
	/*
	 * mm_lock_seq: a VMA whose vm_lock_seq equals it is write-locked.
	 * Always even. A write section whose VMA write locks fit in
	 * locked_vmas[] leaves it alone and releases them one by one at
	 * mmap_write_unlock (vm_lock_seq = MM_SEQ_UNLOCKED), so that
	 * lock_vma_under_rcu, which reads it on every fault, does not miss
	 * on it while another thread maps and unmaps; a section that locked
	 * more adds 2 at its end, releasing all at once. Nothing else is on
	 * its cache line. (a; written under M write)
	 */
	unsigned long mm_lock_seq __attribute__((aligned(64)));
	struct mmap_lock mmap_lock __attribute__((aligned(64)));
	/*
	 * The VMAs write-locked (and attached) in the current write section,
	 * released at its end; nr_locked_vmas == MM_LOCKED_VMAS_MAX + 1 when
	 * they did not fit (mm_lock_seq then moves on). Only the writer reads
	 * them: they share the lock word's line. (M write)
	 */
	unsigned int nr_locked_vmas;
	struct vm_area_struct *locked_vmas[MM_LOCKED_VMAS_MAX];
	/*
	 * The section's net vm_acct_memory(), added to the machine's
	 * committed total when it ends (one atomic add, none if 0: an
	 * mprotect split and merge nets 0). (M write)
	 */
	long committed_pending;
	int mm_users __attribute__((aligned(64))); /* (a) */
	int mm_count;				/* (a) */
	/* Writers waiting for VMA readers sleep on this word (a futex). */
	uint32_t vma_writer_wait;		/* (a) */
	int map_count;				/* (M) number of VMAs */
	unsigned long total_vm;			/* (M) pages mapped */
	unsigned long locked_vm;		/* (M) */
	unsigned long data_vm;			/* (M) */
	unsigned long exec_vm;			/* (M) */
	unsigned long stack_vm;			/* (M) */
	unsigned long committed_vm;		/* (M) VM_ACCOUNT pages */
	unsigned long mmap_base;		/* (M) top-down search start */
	unsigned long start_brk, brk;		/* (M) the heap; 0: none */
	unsigned long def_flags;		/* (M) mlockall(MCL_FUTURE) */
	/*
	 * The address space's own VMA cache (vma/vma.c): freed VMAs of this
	 * mm, taken again by its next vm_area_alloc() with no lock but the
	 * mmap write lock that both calls hold; filled from and emptied into
	 * the machine's cache MM_VMA_CACHE_BATCH at a time (one mutex
	 * acquisition each). Spliced back into the machine's cache when the
	 * object is freed.
	 */
	unsigned int vma_cache_nr;		/* (M) */
	struct vm_area_struct *vma_cache[MM_VMA_CACHE_MAX]; /* (M) */
	unsigned long rlimit[VAS_NR_RLIMITS];	/* (M,a) soft limits, bytes */
	bool cap_ipc_lock;			/* (a) mlock beyond RLIMIT_MEMLOCK */
	bool cap_sys_rawio;			/* (a) map below vm.mmap_min_addr */
	unsigned long flags;			/* (a) 1 << MMF_* */
	bool cap_sys_admin;			/* (a) the admin reserve */
	struct mm_struct *async_next;		/* (L: machine worker_lock) */
	/*
	 * page_table_lock serialises giving VMAs their anon_vma under the
	 * mmap read lock (anon_vma_prepare), as Linux's does. The (P) of the
	 * key; rank LOCK_RANK_MM_PAGE_TABLE; takes nothing.
	 */
	struct vas_mutex page_table_lock;
	long rss_stat[3] __attribute__((aligned(64))); /* (a) enum mm_counter */
	/* The machine's list of address spaces (truncation walks it). */
	struct mm_struct *mm_list_next;		/* (L: machine mm_list_lock) */
	struct mm_struct **mm_list_pprev;	/* (L) */
} __attribute__((aligned(64)));

/* Bits of mm->flags (Linux's MMF_*). */
enum {
	MMF_HAS_PINNED,	/* pages of it were ever pinned (FOLL_PIN); fork
			 * then copies pinned anonymous pages at once */
};

static inline bool mm_flag_test(const struct mm_struct *mm, int bit)
{
	return __atomic_load_n(&mm->flags, __ATOMIC_ACQUIRE) & (1UL << bit);
}

static inline void mm_flag_set(struct mm_struct *mm, int bit)
{
	if (!mm_flag_test(mm, bit))
		__atomic_fetch_or(&mm->flags, 1UL << bit, __ATOMIC_ACQ_REL);
}

/* vm_refcnt values (Linux 6.18 scheme). */
#define VMA_LOCK_OFFSET 0x40000000u
#define VMA_REF_LIMIT (VMA_LOCK_OFFSET - 1)

struct vas_vm_ops;
struct anon_vma;

struct vm_area_struct {
	unsigned long vm_start;			/* (V) see vma_lock.c */
	unsigned long vm_end;			/* (V) */
	/*
	 * vm_mm may change when a freed VMA is reused (the VMA cache is
	 * type-safe under RCU, like Linux's SLAB_TYPESAFE_BY_RCU), so RCU
	 * readers re-check it after taking the read lock. (a)
	 */
	struct mm_struct *vm_mm;
	unsigned long vm_flags;			/* (V) */
	unsigned long vm_pgoff;			/* (V) */
	struct vas_file *vm_file;		/* (V) holds a reference */
	/*
	 * The anonymous-memory object (Linux anon_vma), created on the first
	 * anonymous fault; NULL until then. anon_vma_forked: the chain has a
	 * parent's anon_vma too (a VMA inherited through fork), which stops
	 * it from merging with fresh neighbours. (M+P, or V; see the key)
	 */
	struct anon_vma *anon_vma;
	bool anon_vma_forked;
	const struct vas_vm_ops *vm_ops;	/* (V) */
	void *vm_private_data;			/* (V) */
	/*
	 * Per-VMA lock. vm_refcnt: 0 detached; 1 attached; +1 per reader;
	 * VMA_LOCK_OFFSET added while a writer waits for readers to leave.
	 * vm_lock_seq: equal to mm->mm_lock_seq while write-locked. (a;
	 * written under M write, with release at the section's end)
	 */
	uint32_t vm_refcnt;
	unsigned long vm_lock_seq;
	struct vm_area_struct *cache_next;	/* (L: machine vma_cache_lock) */
	struct vas_rcu_head rcu;		/* for the deferred real free */
} __attribute__((aligned(64)));	/* no line shared with another VMA */

/* The two public pointer types are views of struct mm_struct. */
static inline struct mm_struct *mm_of_user(const struct vas_mm_user *u)
{
	return (struct mm_struct *)(uintptr_t)u;
}
static inline struct mm_struct *mm_of(const struct vas_mm *m)
{
	return (struct mm_struct *)(uintptr_t)m;
}
static inline struct vas_mm_user *mm_user(struct mm_struct *mm)
{
	return (struct vas_mm_user *)mm;
}
static inline struct vas_mm *mm_counted(struct mm_struct *mm)
{
	return (struct vas_mm *)mm;
}

#endif /* VAS_MM_MM_TYPES_H */
