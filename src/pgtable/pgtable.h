/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - page tables: four levels of 512 entries (pgd, pud, pmd, pte)
 * for 47-bit user addresses, as x86-64 with 4-level paging. Internal.
 *
 *   bits 47..39   38..30   29..21   20..12   11..0
 *        pgd      pud      pmd      pte      offset in the 4 KiB page
 *
 * Each table is one 4 KiB-aligned block of 512 64-bit entries from the
 * allocation hook (site PGTABLE), with a small header right after the
 * entries (never inside them): the table's lock (ptl), its level, the
 * count of non-empty entries and the RCU head used to free it. The table
 * of a slot is found by masking the slot's address (pt_table_of()).
 *
 * Upper-level entries (pgd, pud, pmd) hold the address of the child table
 * with bit 0 (PT_TABLE_PRESENT) set; 0 is an empty entry. There are no huge
 * entries.
 *
 * Leaf entries (pte_t), bit for bit like x86-64:
 *
 *    63      52 51                        12 11  10  9   8 7  6   5  4 3  2   1   0
 *   [  zero   ][ pfn (40 bits)              ][ 0][G][S][  0 ][D][A][ 0 ][U][W][P]
 *
 *   P  PTE_PRESENT   bit 0   mapped
 *   W  PTE_WRITE     bit 1   writable (clear: read-only, or CoW-shared)
 *   U  PTE_USER      bit 2   user accessible (always set on user ptes)
 *   A  PTE_ACCESSED  bit 5   young (reads and writes set it)
 *   D  PTE_DIRTY     bit 6   written since last cleaned
 *   S  PTE_SPECIAL   bit 9   no struct page behind it to count (the zero
 *                            page, PFN maps), x86's _PAGE_SPECIAL
 *   G  guard marker  bit 10  only in the one non-present value PTE_GUARD
 *                            (MADV_GUARD_INSTALL); a present pte never has
 *                            bit 10 set
 *
 * An entry is "none" when it is 0, "present" when bit 0 is set, and
 * otherwise a guard marker (the only non-present non-none value). A table's
 * count (nr) is the number of entries that are not none, whatever level.
 *
 * Locking key:
 *  (c) constant after creation      (a) atomic
 *  (P) the table's own lock (ptl): held to change it; lock-free readers
 *      load entries atomically and may see any value stored so far
 *  (M) mmap_lock held for write (or the address space not yet visible)
 *
 * Lifetime (docs/memory.md, "Page tables"): a table is unlinked from its
 * parent under the parent's and its own lock, marked dead, and freed only
 * after an RCU grace period. A walker inside an RCU read section (or one
 * holding the mmap lock or a VMA lock that covers the address it walks)
 * never touches freed table memory.
 *
 * Lock order: parent table before child table; of two leaf tables (move,
 * copy) the source first. Callbacks below run with leaf locks held: they
 * may not block, nor take any lock ranked at or below LOCK_RANK_PTL (page
 * locks, VMA or mmap locks); page-cache index and leaf locks are fine.
 */
#ifndef VAS_PGTABLE_PGTABLE_H
#define VAS_PGTABLE_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/compiler.h"
#include "base/rcu.h"

/* ---- geometry --------------------------------------------------------- */

#define PT_ENTRIES 512
#define PT_BITS 9
#define PT_LEVELS 4
enum pt_level {
	PT_LEVEL_PTE = 0,
	PT_LEVEL_PMD = 1,
	PT_LEVEL_PUD = 2,
	PT_LEVEL_PGD = 3,
};

/* Bytes mapped by one entry of a table at @level (4 KiB for a pte). */
#define PT_ENTRY_SHIFT(level) (PAGE_SHIFT + PT_BITS * (level))
#define PT_ENTRY_SIZE(level) (1UL << PT_ENTRY_SHIFT(level))
/* Bytes covered by a whole table at @level (2 MiB for a pte table). */
#define PT_TABLE_SIZE(level) (PT_ENTRY_SIZE(level) << PT_BITS)

#define PMD_SIZE PT_TABLE_SIZE(PT_LEVEL_PTE)	/* 2 MiB */
#define PUD_SIZE PT_TABLE_SIZE(PT_LEVEL_PMD)	/* 1 GiB */
#define PGDIR_SIZE PT_TABLE_SIZE(PT_LEVEL_PUD)	/* 512 GiB */
/* First address above user space: 2^47 (x86-64 4-level TASK_SIZE_MAX). */
#define PT_USER_TOP (1UL << 47)

/* Index of @addr in a table at @level. */
static inline unsigned int pt_index(unsigned long addr, int level)
{
	return (addr >> PT_ENTRY_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* ---- leaf entries ----------------------------------------------------- */

typedef uint64_t pte_t;

#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITE (1ULL << 1)
#define PTE_USER (1ULL << 2)
#define PTE_ACCESSED (1ULL << 5)
#define PTE_DIRTY (1ULL << 6)
#define PTE_SPECIAL (1ULL << 9)
#define PTE_GUARD_BIT (1ULL << 10)
#define PTE_PFN_SHIFT 12
#define PTE_PFN_BITS 40
#define PTE_PFN_MASK (((1ULL << PTE_PFN_BITS) - 1) << PTE_PFN_SHIFT)
/* Flag bits a present pte may carry besides PTE_PRESENT and the pfn. */
#define PTE_FLAGS_MASK                                                        \
	(PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_SPECIAL)
/* The guard marker: not present, not none (MADV_GUARD_INSTALL). */
#define PTE_GUARD ((pte_t)PTE_GUARD_BIT)
#define PTE_NONE ((pte_t)0)
/* Largest frame number a pte can hold. */
#define PTE_PFN_MAX ((1UL << PTE_PFN_BITS) - 1)

/** pte_mkpresent() - A present pte for frame @pfn with @flags (PTE_*). */
static inline pte_t pte_mkpresent(unsigned long pfn, pte_t flags)
{
	return ((pte_t)pfn << PTE_PFN_SHIFT) | (flags & PTE_FLAGS_MASK) |
	       PTE_PRESENT;
}
static inline unsigned long pte_pfn(pte_t pte)
{
	return (unsigned long)((pte & PTE_PFN_MASK) >> PTE_PFN_SHIFT);
}
static inline pte_t pte_flags(pte_t pte)
{
	return pte & ~PTE_PFN_MASK;
}
static inline bool pte_none(pte_t pte)
{
	return pte == PTE_NONE;
}
static inline bool pte_present(pte_t pte)
{
	return (pte & PTE_PRESENT) != 0;
}
static inline bool pte_is_guard(pte_t pte)
{
	return pte == PTE_GUARD;
}
static inline bool pte_write(pte_t pte)
{
	return pte_present(pte) && (pte & PTE_WRITE);
}
static inline bool pte_dirty(pte_t pte)
{
	return pte_present(pte) && (pte & PTE_DIRTY);
}
static inline bool pte_young(pte_t pte)
{
	return pte_present(pte) && (pte & PTE_ACCESSED);
}
static inline bool pte_special(pte_t pte)
{
	return pte_present(pte) && (pte & PTE_SPECIAL);
}
static inline pte_t pte_mkwrite(pte_t pte)
{
	return pte | PTE_WRITE;
}
static inline pte_t pte_wrprotect(pte_t pte)
{
	return pte & ~PTE_WRITE;
}
static inline pte_t pte_mkdirty(pte_t pte)
{
	return pte | PTE_DIRTY;
}
static inline pte_t pte_mkclean(pte_t pte)
{
	return pte & ~PTE_DIRTY;
}
static inline pte_t pte_mkyoung(pte_t pte)
{
	return pte | PTE_ACCESSED;
}
static inline pte_t pte_mkold(pte_t pte)
{
	return pte & ~PTE_ACCESSED;
}
static inline pte_t pte_mkspecial(pte_t pte)
{
	return pte | PTE_SPECIAL;
}

/* ---- tables ----------------------------------------------------------- */

/* The page-table lock: a small spinlock (held for a few entries). */
struct pt_lock {
	uint32_t locked;	/* (a) 0 free, 1 held */
};

struct pt_table {
	uint64_t e[PT_ENTRIES];		/* (P, a) the 4 KiB block */
	/* The header, beside the entries. */
	struct pt_lock ptl;
	uint16_t level;			/* (c) enum pt_level */
	uint16_t nr;			/* (P) entries that are not none */
	bool dead;			/* (P) unlinked; waiting for RCU */
	unsigned long base;		/* (c) first address covered */
	struct vas_rcu_head rcu;	/* for the deferred free */
};

/* The top level; struct mm_struct points to one. */
struct pgd {
	struct pt_table table;		/* level PT_LEVEL_PGD, base 0 */
	long nr_tables[PT_LEVELS];	/* (a) live tables per level, pgd incl. */
};

/* The table a slot belongs to (tables are 4 KiB aligned). */
static inline struct pt_table *pt_table_of(const pte_t *ptep)
{
	return (struct pt_table *)((uintptr_t)ptep & ~(uintptr_t)(PAGE_SIZE - 1));
}

/**
 * ptep_get() - Read a leaf entry (atomic, acquire: what was written before
 * the pte was stored, such as the frame's contents, is seen).
 * Context: any; the slot must be reachable (see pt_walk()).
 */
static inline pte_t ptep_get(const pte_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

/* ---- lifecycle -------------------------------------------------------- */

/**
 * pt_pgd_alloc() - A new, empty top-level table.
 * Context: may allocate (site PGTABLE). Return: the pgd or NULL (-ENOMEM).
 */
struct pgd *pt_pgd_alloc(void) VAS_MUST_CHECK;

/**
 * pt_pgd_free() - Free @pgd and every table below it, at once.
 * Context: nothing can reach @pgd any more (mm_users is 0 and no walker is
 * left). Leaf entries should have been zapped: a present pte left over is
 * reported with a warning (its page would leak). NULL is a no-op.
 */
void pt_pgd_free(struct pgd *pgd);

/* ---- preallocation ---------------------------------------------------- */

/* Tables allocated before taking locks, consumed by the walks below. */
#define PT_PREALLOC_MAX 3
struct pt_prealloc {
	struct pt_table *tables[PT_PREALLOC_MAX];
	unsigned int nr;
	/* private: a list of more tables for range operations */
	struct pt_table *__more;
	unsigned long __nr_more;
};
#define PT_PREALLOC_INIT {.nr = 0}

/**
 * pt_prealloc_for() - Make @pa hold the tables a walk to @addr needs now
 * (0 to 3: the missing pud, pmd and pte tables).
 * Context: inside an RCU read section or a lock covering @addr; may
 * allocate (may be called inside an RCU read section: it does not block).
 * Return: 0, or -ENOMEM with @pa as it was and the page tables unchanged.
 */
int pt_prealloc_for(struct pgd *pgd, unsigned long addr,
		    struct pt_prealloc *pa) VAS_MUST_CHECK;

/**
 * pt_prealloc_release() - Free the tables of @pa that were not used.
 * Context: any (they were never visible).
 */
void pt_prealloc_release(struct pt_prealloc *pa);

/* ---- walks ------------------------------------------------------------ */

/**
 * pt_walk() - The leaf slot of @addr, or NULL if a level is missing.
 * Context: inside an RCU read section, or holding the mmap lock or a VMA
 * lock covering @addr; the slot stays valid memory until that ends. Takes
 * no lock: read the slot with ptep_get(), change it only under its table's
 * lock (pte_offset_map_lock()).
 */
pte_t *pt_walk(struct pgd *pgd, unsigned long addr);

/**
 * pt_entry_present() - Whether the entry of the @level table that covers
 * @addr is not empty: for PT_LEVEL_PGD .. PT_LEVEL_PMD, whether it links a
 * child table (Linux's !pgd_none(), !pud_none(), !pmd_none()); for
 * PT_LEVEL_PTE, whether the pte is not none. False when a table above it
 * is missing.
 * Context: as pt_walk(). Racy unless the caller excludes changes.
 */
bool pt_entry_present(struct pgd *pgd, unsigned long addr,
		      enum pt_level level);

/**
 * pt_alloc_walk() - The leaf slot of @addr, installing missing tables from
 * @pa; takes and releases each parent's lock to install a child.
 * Context: inside an RCU read section or holding a lock covering @addr.
 * Never allocates. Return: the slot, or NULL if @pa ran out (@pa was
 * filled for a state that changed meanwhile: refill and retry).
 */
pte_t *pt_alloc_walk(struct pgd *pgd, unsigned long addr,
		     struct pt_prealloc *pa);

/**
 * pte_offset_map_lock() - The leaf slot of @addr with its table's lock held.
 * @ptlp: receives the lock to pass to pte_unmap_unlock().
 *
 * Context: any thread; enters an RCU read section that pte_unmap_unlock()
 * leaves, and takes the leaf table's lock (rank LOCK_RANK_PTL).
 * Return: the slot, or NULL if a level is missing (nothing held then).
 */
pte_t *pte_offset_map_lock(struct pgd *pgd, unsigned long addr,
			   struct pt_lock **ptlp);

/**
 * pte_alloc_map_lock() - pte_offset_map_lock() that installs missing
 * tables from @pa first. Return: the slot with the lock held, or NULL
 * (nothing held) if @pa ran out.
 */
pte_t *pte_alloc_map_lock(struct pgd *pgd, unsigned long addr,
			  struct pt_prealloc *pa, struct pt_lock **ptlp);

/** pte_unmap_unlock() - Release what pte_offset_map_lock() took. */
void pte_unmap_unlock(pte_t *ptep, struct pt_lock *ptl);

/**
 * set_pte() - Store @pte in the slot @ptep and keep its table's count.
 * Context: the slot's table lock held. Release store: what was written
 * before (the frame's contents) is seen by a reader of the new pte.
 */
void set_pte(pte_t *ptep, pte_t pte);

/**
 * ptep_get_and_clear() - Clear the slot @ptep; return its old value.
 * Context: the slot's table lock held.
 */
pte_t ptep_get_and_clear(pte_t *ptep);

/** pt_lock() / pt_unlock() - The table lock; rank LOCK_RANK_PTL. */
void pt_lock(struct pt_lock *ptl);
void pt_unlock(struct pt_lock *ptl);

/** pt_assert_locked() - Debug builds: the caller holds the lock of @ptep. */
void pt_assert_locked(const pte_t *ptep);

/* ---- range operations ------------------------------------------------- */

/* Called for each present pte removed, with the leaf lock held; @pte is
 * the value it had (already cleared in the table). */
typedef void (*pt_zap_fn)(void *arg, unsigned long addr, pte_t pte);

#define PT_ZAP_GUARDS 0x1u	/* also remove guard markers (munmap) */

/**
 * pt_zap_range() - Clear the leaf entries of [@start, @end): report each
 * present one to @fn (the caller drops the page, writes back dirty data),
 * clear guard markers only with PT_ZAP_GUARDS. Frees no table.
 * @start, @end: page aligned, @start < @end <= PT_USER_TOP.
 *
 * Context: mmap lock held or a VMA read lock covering the range; takes and
 * releases each leaf table's lock; @fn runs under it. Never allocates.
 * Return: the number of present ptes cleared.
 */
unsigned long pt_zap_range(struct pgd *pgd, unsigned long start,
			   unsigned long end, unsigned int flags, pt_zap_fn fn,
			   void *arg);

/**
 * pt_free_range() - Free the tables of [@start, @end) that no VMA needs
 * any more: a table is freed only if the whole span it covers lies inside
 * [@floor, @ceiling), Linux free_pgd_range()'s rule.
 * @floor:   end of the previous VMA that stays (0: none);
 * @ceiling: start of the next VMA that stays (0: none, the top).
 *
 *   floor            start        end              ceiling
 *     |      (gap)     |  unmapped  |     (gap)       |
 *   tables wholly inside [floor, ceiling) go; a table that also covers a
 *   byte below floor or at/above ceiling stays (a neighbour uses it).
 *
 * ASSUMPTIONS:
 *  - floor <= start < end <= ceiling (or ceiling == 0), page aligned;
 *  - every leaf entry in [floor, ceiling) is none (zapped with
 *    PT_ZAP_GUARDS): a table that still holds one is kept and reported;
 *  - no VMA covers [floor, ceiling): no fault can install entries there.
 *
 * Context: mmap_lock held for write; takes parent then child locks.
 * Unlinked tables are freed after an RCU grace period. Never allocates.
 * Return: the number of tables freed.
 */
unsigned long pt_free_range(struct pgd *pgd, unsigned long start,
			    unsigned long end, unsigned long floor,
			    unsigned long ceiling);

/**
 * pt_move_range() - Move the leaf entries of [@old, @old + @len) to
 * [@new, @new + @len) (mremap). The source tables stay (pt_free_range()
 * them after); the destination entries must be none.
 *
 * Context: mmap_lock held for write, both ranges' VMAs write-locked. May
 * allocate: every table the destination needs is allocated first.
 * Return: 0, or -ENOMEM with nothing changed; -EINVAL for overlapping or
 * unaligned ranges.
 */
int pt_move_range(struct pgd *pgd, unsigned long old, unsigned long new,
		  unsigned long len) VAS_MUST_CHECK;

/* What pt_copy_range() does with one present pte. */
enum pt_copy_action {
	PT_COPY_SKIP = 0,	/* the child gets nothing there */
	PT_COPY_COW = 1,	/* both write-protected; the child's is old */
	PT_COPY_SET = 2,	/* the child gets *@dst (preset to the source) */
};

/*
 * Decide for the present pte @src at @addr; for PT_COPY_SET store the
 * child's pte in *@dst. Runs with the source leaf's lock held. Return an
 * action, or a negative errno to stop the copy.
 */
typedef int (*pt_copy_fn)(void *arg, unsigned long addr, pte_t src,
			  pte_t *dst);

/*
 * struct pt_copy_cursor - What pt_copy_range() keeps between the calls of
 * one fork: the source and destination leaf tables of the last 2 MiB span
 * it copied into, so that the next VMA in that span (fork copies VMA by
 * VMA, in address order) needs no walk from the top and no allocation.
 * Start it with PT_COPY_CURSOR_INIT; valid for one source and one
 * destination while the source's mmap lock stays held for write (its
 * tables are not freed then) and the destination is not visible.
 */
struct pt_copy_cursor {
	unsigned long base;		/* the span's start; 1: none */
	struct pt_table *src, *dst;	/* its leaf tables */
};
#define PT_COPY_CURSOR_INIT {.base = 1}

/**
 * pt_copy_range() - Copy the entries of [@start, @end) from @src to @dst
 * (fork): guard markers always, present ptes as @fn decides. @cur (may be
 * NULL) carries the last leaf tables from one call to the next.
 *
 * Context: @src's mmap_lock held for write (the range's VMA write-locked);
 * @dst not visible to any other thread: its leaf tables are written
 * without their locks (the source's are taken, one per leaf per call).
 * May allocate: all tables @dst needs come first. Return: 0; -ENOMEM with
 * @dst unchanged; or @fn's error, with the entries before it copied (the
 * caller tears @dst down, as Linux does).
 */
int pt_copy_range(struct pgd *dst, struct pgd *src, unsigned long start,
		  unsigned long end, pt_copy_fn fn, void *arg,
		  struct pt_copy_cursor *cur) VAS_MUST_CHECK;

/* ---- validation ------------------------------------------------------- */

struct pt_stats {
	unsigned long tables[PT_LEVELS];	/* reachable, per level */
	unsigned long present;			/* present ptes */
	unsigned long guards;			/* guard markers */
	unsigned long empty_tables;		/* below the pgd, nr == 0 */
};

/* Check one non-none leaf entry; return 0 or a negative errno. */
typedef int (*pt_check_fn)(void *arg, unsigned long addr, pte_t pte);

/**
 * pt_validate() - Walk every table: levels, bases, counts against the
 * entries, well-formed ptes, the per-level table counts; call @check
 * (may be NULL) for each non-none leaf entry; fill @st (may be NULL).
 * Context: mmap_lock held (the tables do not change under it except by
 * faults, whose entries @check may or may not see); takes each table's
 * lock in turn. Return: 0, or -EUCLEAN (reported on stderr) or @check's
 * first error.
 */
int pt_validate(struct pgd *pgd, pt_check_fn check, void *arg,
		struct pt_stats *st) VAS_MUST_CHECK;

#endif /* VAS_PGTABLE_PGTABLE_H */
