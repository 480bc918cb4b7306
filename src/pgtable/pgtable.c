// SPDX-License-Identifier: MIT
/*
 * pgtable.c - page tables: allocation, walks, the table lock, zap, free
 * with Linux's floor/ceiling rule, move (mremap), copy (fork), validation.
 * See pgtable.h for the layout and docs/memory.md ("Page tables") for the
 * locking and the grace-period argument.
 *
 * Who changes what:
 *  - an entry of a table: under that table's lock;
 *  - a child table is linked under the parent's lock (pt_alloc_walk), and
 *    unlinked under the parent's and the child's lock, child empty, then
 *    marked dead and freed after an RCU grace period (pt_free_range);
 *  - lock-free walkers load entries atomically (acquire) inside an RCU read
 *    section; a walker that locks a leaf table re-checks that it is not
 *    dead, so a locked live table stays linked until it is unlocked.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/lockdep.h"
#include "pgtable/pgtable.h"

/* Upper-level entries: child address | PT_TABLE_PRESENT. */
#define PT_TABLE_PRESENT 1ULL

static inline struct pt_table *entry_table(uint64_t v)
{
	return (struct pt_table *)(uintptr_t)(v & ~PT_TABLE_PRESENT);
}

static inline uint64_t table_entry(struct pt_table *t)
{
	return (uint64_t)(uintptr_t)t | PT_TABLE_PRESENT;
}

static inline uint64_t entry_load(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static inline void entry_store(uint64_t *slot, uint64_t v)
{
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

/* ---- the table lock --------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void __pt_lock(struct pt_lock *ptl, bool nested)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	lockdep_acquire(ptl, LOCK_RANK_PTL, LOCK_MODE_WRITE, false, nested);
	for (unsigned int spins = 0;; spins++) {
		if (!__atomic_load_n(&ptl->locked, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(&ptl->locked, 1u, __ATOMIC_ACQUIRE))
			return;
		if (spins < 64)
			cpu_relax();
		else
			sched_yield();	/* two CPUs: let the holder run */
	}
}

void pt_lock(struct pt_lock *ptl)
{
	__pt_lock(ptl, false);
}

/* A second table lock, taken after its parent or its source table. */
static void pt_lock_nested(struct pt_lock *ptl)
{
	__pt_lock(ptl, true);
}

void pt_unlock(struct pt_lock *ptl) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	VAS_BUG_ON(!__atomic_load_n(&ptl->locked, __ATOMIC_RELAXED));
	__atomic_store_n(&ptl->locked, 0u, __ATOMIC_RELEASE);
	lockdep_release(ptl);
}

void pt_assert_locked(const pte_t *ptep)
{
	struct pt_table *t = pt_table_of(ptep);

	VAS_BUG_ON(!__atomic_load_n(&t->ptl.locked, __ATOMIC_RELAXED));
	VAS_BUG_ON(lockdep_held_mode(&t->ptl) == LOCK_MODE_NONE);
}

/* ---- table allocation ------------------------------------------------- */

static struct pt_table *table_alloc(void)
{
	struct pt_table *t;

	t = vas_alloc_aligned(sizeof(*t), PAGE_SIZE, VAS_FP_PGTABLE);
	if (t)
		memset(t, 0, sizeof(*t));
	return t;
}

static void table_free_rcu(struct vas_rcu_head *head)
{
	vas_free(container_of(head, struct pt_table, rcu));
}

struct pgd *pt_pgd_alloc(void)
{
	struct pgd *pgd;

	pgd = vas_alloc_aligned(sizeof(*pgd), PAGE_SIZE, VAS_FP_PGTABLE);
	if (!pgd)
		return NULL;
	memset(pgd, 0, sizeof(*pgd));
	pgd->table.level = PT_LEVEL_PGD;
	pgd->nr_tables[PT_LEVEL_PGD] = 1;
	return pgd;
}

/* Free @t and its subtree now; count leaf entries left behind. */
static void free_subtree(struct pgd *pgd, struct pt_table *t,
			 unsigned long *left)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		uint64_t v = entry_load(&t->e[i]);

		if (!v)
			continue;
		if (t->level == PT_LEVEL_PTE) {
			if (pte_present(v))
				(*left)++;
			continue;
		}
		free_subtree(pgd, entry_table(v), left);
	}
	__atomic_sub_fetch(&pgd->nr_tables[t->level], 1, __ATOMIC_RELAXED);
	if (t != &pgd->table)
		vas_free(t);
}

void pt_pgd_free(struct pgd *pgd)
{
	unsigned long left = 0;

	if (!pgd)
		return;
	free_subtree(pgd, &pgd->table, &left);
	VAS_WARN_ON(left != 0);
	for (int l = 0; l < PT_LEVELS; l++)
		VAS_WARN_ON(pgd->nr_tables[l] != 0);
	vas_free(pgd);
}

/* ---- preallocation ---------------------------------------------------- */

static struct pt_table *prealloc_take(struct pt_prealloc *pa)
{
	struct pt_table *t;

	if (pa->nr)
		return pa->tables[--pa->nr];
	t = pa->__more;
	if (t) {
		pa->__more = entry_table(t->e[0]);
		t->e[0] = 0;
		pa->__nr_more--;
	}
	return t;
}

static void prealloc_put_more(struct pt_prealloc *pa, struct pt_table *t)
{
	t->e[0] = pa->__more ? table_entry(pa->__more) : 0;
	pa->__more = t;
	pa->__nr_more++;
}

static unsigned long prealloc_count(const struct pt_prealloc *pa)
{
	return pa->nr + pa->__nr_more;
}

/* Top @pa up to @n tables; on failure drop only what this call added. */
static int prealloc_n(struct pt_prealloc *pa, unsigned long n)
{
	unsigned long have = prealloc_count(pa), added = 0;

	while (have + added < n) {
		struct pt_table *t = table_alloc();

		if (!t) {
			while (added--)
				vas_free(prealloc_take(pa));
			return -ENOMEM;
		}
		if (pa->nr < PT_PREALLOC_MAX)
			pa->tables[pa->nr++] = t;
		else
			prealloc_put_more(pa, t);
		added++;
	}
	return 0;
}

void pt_prealloc_release(struct pt_prealloc *pa)
{
	struct pt_table *t;

	while ((t = prealloc_take(pa)))
		vas_free(t);
}

/* Levels below the deepest existing table on the way to @addr (0..3). */
static unsigned int missing_levels(struct pgd *pgd, unsigned long addr)
{
	struct pt_table *t = &pgd->table;

	for (int l = PT_LEVEL_PGD; l > PT_LEVEL_PTE; l--) {
		uint64_t v = entry_load(&t->e[pt_index(addr, l)]);

		if (!v)
			return (unsigned int)l;
		t = entry_table(v);
	}
	return 0;
}

int pt_prealloc_for(struct pgd *pgd, unsigned long addr,
		    struct pt_prealloc *pa)
{
	unsigned int need;

	VAS_BUG_ON(addr >= PT_USER_TOP);
	vas_rcu_read_lock();
	need = missing_levels(pgd, addr);
	vas_rcu_read_unlock();
	return prealloc_n(pa, need);
}

/* ---- walks ------------------------------------------------------------ */

pte_t *pt_walk(struct pgd *pgd, unsigned long addr)
{
	struct pt_table *t = &pgd->table;

	if (unlikely(addr >= PT_USER_TOP))
		return NULL;
	for (int l = PT_LEVEL_PGD; l > PT_LEVEL_PTE; l--) {
		uint64_t v = entry_load(&t->e[pt_index(addr, l)]);

		if (!v)
			return NULL;
		t = entry_table(v);
	}
	return &t->e[pt_index(addr, PT_LEVEL_PTE)];
}

bool pt_entry_present(struct pgd *pgd, unsigned long addr,
		      enum pt_level level)
{
	struct pt_table *t = &pgd->table;

	if (unlikely(addr >= PT_USER_TOP))
		return false;
	for (int l = PT_LEVEL_PGD;; l--) {
		uint64_t v = entry_load(&t->e[pt_index(addr, l)]);

		if (!v || l == (int)level)
			return v != 0;
		t = entry_table(v);
	}
}

/*
 * Link a table from @pa below @parent for @addr unless one is there.
 * Return the child; NULL with *@dead set if @parent was unlinked meanwhile
 * (walk again), NULL alone if @pa is empty.
 */
static struct pt_table *install(struct pgd *pgd, struct pt_table *parent,
				unsigned long addr, struct pt_prealloc *pa,
				bool *dead)
{
	unsigned int i = pt_index(addr, parent->level);
	struct pt_table *child;
	uint64_t v;

	pt_lock(&parent->ptl);
	if (unlikely(parent->dead)) {
		pt_unlock(&parent->ptl);
		*dead = true;
		return NULL;
	}
	v = __atomic_load_n(&parent->e[i], __ATOMIC_RELAXED);
	if (v) {			/* another thread was faster */
		pt_unlock(&parent->ptl);
		return entry_table(v);
	}
	child = prealloc_take(pa);
	if (!child) {
		pt_unlock(&parent->ptl);
		return NULL;
	}
	child->level = (uint16_t)(parent->level - 1);
	child->base = addr & ~(PT_TABLE_SIZE(child->level) - 1);
	entry_store(&parent->e[i], table_entry(child));	/* publish */
	parent->nr++;
	__atomic_add_fetch(&pgd->nr_tables[child->level], 1, __ATOMIC_RELAXED);
	pt_unlock(&parent->ptl);
	return child;
}

pte_t *pt_alloc_walk(struct pgd *pgd, unsigned long addr,
		     struct pt_prealloc *pa)
{
	struct pt_table *t;

	if (unlikely(addr >= PT_USER_TOP))
		return NULL;
again:
	t = &pgd->table;
	for (int l = PT_LEVEL_PGD; l > PT_LEVEL_PTE; l--) {
		uint64_t v = entry_load(&t->e[pt_index(addr, l)]);
		bool dead = false;

		if (v) {
			t = entry_table(v);
			continue;
		}
		t = install(pgd, t, addr, pa, &dead);
		if (dead)
			goto again;
		if (!t)
			return NULL;
	}
	return &t->e[pt_index(addr, PT_LEVEL_PTE)];
}

static pte_t *__pte_map_lock(struct pgd *pgd, unsigned long addr,
			     struct pt_prealloc *pa, struct pt_lock **ptlp)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct pt_table *t;
	pte_t *ptep;

	vas_rcu_read_lock();
	for (;;) {
		ptep = pa ? pt_alloc_walk(pgd, addr, pa) : pt_walk(pgd, addr);
		if (!ptep) {
			vas_rcu_read_unlock();
			return NULL;
		}
		t = pt_table_of(ptep);
		pt_lock(&t->ptl);
		if (likely(!t->dead))
			break;
		/* Unlinked between our walk and our lock: walk again. */
		pt_unlock(&t->ptl);
	}
	*ptlp = &t->ptl;
	return ptep;
}

pte_t *pte_offset_map_lock(struct pgd *pgd, unsigned long addr,
			   struct pt_lock **ptlp)
{
	return __pte_map_lock(pgd, addr, NULL, ptlp);
}

pte_t *pte_alloc_map_lock(struct pgd *pgd, unsigned long addr,
			  struct pt_prealloc *pa, struct pt_lock **ptlp)
{
	return __pte_map_lock(pgd, addr, pa, ptlp);
}

void pte_unmap_unlock(pte_t *ptep, struct pt_lock *ptl)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	VAS_BUG_ON(&pt_table_of(ptep)->ptl != ptl);
	pt_unlock(ptl);
	vas_rcu_read_unlock();
}

void set_pte(pte_t *ptep, pte_t pte)
{
	struct pt_table *t = pt_table_of(ptep);
	pte_t old = __atomic_load_n(ptep, __ATOMIC_RELAXED);

	VAS_DEBUG_ONLY(pt_assert_locked(ptep));
	VAS_BUG_ON(t->level != PT_LEVEL_PTE || t->dead);
	VAS_BUG_ON(!pte_none(pte) && !pte_present(pte) && !pte_is_guard(pte));
	if (pte_none(old) && !pte_none(pte))
		t->nr++;
	else if (!pte_none(old) && pte_none(pte))
		t->nr--;
	__atomic_store_n(ptep, pte, __ATOMIC_RELEASE);
}

pte_t ptep_get_and_clear(pte_t *ptep)
{
	struct pt_table *t = pt_table_of(ptep);
	pte_t old;

	VAS_DEBUG_ONLY(pt_assert_locked(ptep));
	old = __atomic_exchange_n(ptep, PTE_NONE, __ATOMIC_ACQ_REL);
	if (!pte_none(old))
		t->nr--;
	return old;
}

/*
 * The leaf table covering @addr, or NULL if a level is missing. *@next is
 * the first address after the span looked at: the table's end, or the end
 * of the missing entry's span. Context: inside an RCU read section.
 */
static struct pt_table *leaf_lookup(struct pgd *pgd, unsigned long addr,
				    unsigned long *next)
{
	struct pt_table *t = &pgd->table;

	for (int l = PT_LEVEL_PGD; l > PT_LEVEL_PTE; l--) {
		uint64_t v = entry_load(&t->e[pt_index(addr, l)]);

		if (!v) {
			*next = (addr | (PT_ENTRY_SIZE(l) - 1)) + 1;
			return NULL;
		}
		t = entry_table(v);
	}
	*next = t->base + PMD_SIZE;
	return t;
}

/* leaf_lookup() that returns the table locked and live. */
static struct pt_table *leaf_lookup_lock(struct pgd *pgd, unsigned long addr,
					 unsigned long *next)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct pt_table *t;

	for (;;) {
		t = leaf_lookup(pgd, addr, next);
		if (!t)
			return NULL;
		pt_lock(&t->ptl);
		if (likely(!t->dead))
			return t;
		pt_unlock(&t->ptl);
	}
}

/* ---- zap -------------------------------------------------------------- */

unsigned long pt_zap_range(struct pgd *pgd, unsigned long start,
			   unsigned long end, unsigned int flags, pt_zap_fn fn,
			   void *arg)
{
	unsigned long addr = start, next, zapped = 0;

	VAS_BUG_ON(!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end));
	VAS_BUG_ON(start > end || end > PT_USER_TOP);
	while (addr < end) {
		struct pt_table *t;

		vas_rcu_read_lock();
		t = leaf_lookup_lock(pgd, addr, &next);
		if (next > end)
			next = end;
		if (t) {
			for (; addr < next; addr += PAGE_SIZE) {
				pte_t *ptep = &t->e[pt_index(addr, 0)];
				pte_t v = __atomic_load_n(ptep,
							  __ATOMIC_RELAXED);

				if (pte_none(v))
					continue;
				if (!pte_present(v) &&
				    !(flags & PT_ZAP_GUARDS))
					continue;
				v = ptep_get_and_clear(ptep);
				if (pte_present(v)) {
					zapped++;
					if (fn)
						fn(arg, addr, v);
				}
			}
			pt_unlock(&t->ptl);
		}
		vas_rcu_read_unlock();
		addr = next;
	}
	return zapped;
}

/* ---- free ------------------------------------------------------------- */

/*
 * Unlink the empty @child from entry @i of @parent and free it after a
 * grace period. Return 1, or 0 (and a warning) if it is not empty.
 */
static unsigned long unlink_table(struct pgd *pgd, struct pt_table *parent,
				  unsigned int i, struct pt_table *child)
{
	pt_lock(&parent->ptl);
	pt_lock_nested(&child->ptl);
	VAS_BUG_ON(__atomic_load_n(&parent->e[i], __ATOMIC_RELAXED) !=
		   table_entry(child));
	if (VAS_WARN_ON(child->nr != 0)) {
		/* A leaf entry left in the gap: keep the table. */
		pt_unlock(&child->ptl);
		pt_unlock(&parent->ptl);
		return 0;
	}
	entry_store(&parent->e[i], 0);
	parent->nr--;
	child->dead = true;
	pt_unlock(&child->ptl);
	pt_unlock(&parent->ptl);
	__atomic_sub_fetch(&pgd->nr_tables[child->level], 1, __ATOMIC_RELAXED);
	/* Walkers that loaded the entry before we cleared it are inside RCU
	 * read sections that started before now: the grace period waits. */
	vas_call_rcu(&child->rcu, table_free_rcu);
	return 1;
}

/*
 * Free below @t (level >= PMD) over [lo, hi) (inside @t's span): each child
 * whose whole span lies in [floor, top) goes, with everything under it;
 * other children are only descended into over [lo, hi).
 */
static unsigned long free_level(struct pgd *pgd, struct pt_table *t,
				unsigned long lo, unsigned long hi,
				unsigned long floor, unsigned long top)
{
	unsigned long esz = PT_ENTRY_SIZE(t->level), addr, freed = 0;

	for (addr = lo; addr < hi;) {
		unsigned int i = pt_index(addr, t->level);
		unsigned long cb = t->base + i * esz, ce = cb + esz;
		uint64_t v = entry_load(&t->e[i]);
		bool whole = cb >= floor && ce <= top;

		addr = ce;
		if (!v)
			continue;
		if (t->level > PT_LEVEL_PMD)
			freed += free_level(pgd, entry_table(v),
					    whole ? cb : max_t(unsigned long, lo, cb),
					    whole ? ce : min_t(unsigned long, hi, ce),
					    floor, top);
		if (whole)
			freed += unlink_table(pgd, t, i, entry_table(v));
	}
	return freed;
}

unsigned long pt_free_range(struct pgd *pgd, unsigned long start,
			    unsigned long end, unsigned long floor,
			    unsigned long ceiling)
{
	unsigned long top = ceiling ? ceiling : PT_USER_TOP, freed;

	if (top > PT_USER_TOP)
		top = PT_USER_TOP;
	VAS_BUG_ON(!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end));
	VAS_BUG_ON(end > PT_USER_TOP);
	if (VAS_WARN_ON(floor > start || end > top) || start >= end)
		return 0;
	vas_rcu_read_lock();
	freed = free_level(pgd, &pgd->table, start, end, floor, top);
	vas_rcu_read_unlock();
	return freed;
}

/* ---- move and copy ---------------------------------------------------- */

/* Tables a walk to @addr would create beyond those already counted. */
struct need_state {
	unsigned long need;
	unsigned long span[PT_LEVELS];	/* last counted span per level + 1 */
};

static void count_need(struct pgd *pgd, unsigned long addr,
		       struct need_state *ns)
{
	unsigned int miss = missing_levels(pgd, addr);

	/* A missing table at level l - 1 covers addr >> entry shift of l. */
	for (unsigned int l = miss; l >= 1; l--) {
		unsigned long key = (addr >> PT_ENTRY_SHIFT(l)) + 1;

		if (ns->span[l - 1] == key)
			continue;	/* counted for an earlier chunk */
		ns->span[l - 1] = key;
		ns->need++;
	}
}

/* Whether a leaf table has a non-none entry in [a, b). */
static bool leaf_has_entries(struct pt_table *t, unsigned long a,
			     unsigned long b)
{
	for (; a < b; a += PAGE_SIZE)
		if (__atomic_load_n(&t->e[pt_index(a, 0)], __ATOMIC_RELAXED))
			return true;
	return false;
}

static bool ranges_overlap(unsigned long a, unsigned long b, unsigned long len)
{
	return a < b + len && b < a + len;
}

/*
 * Move [a, b) of the locked source leaf @st to the destination (one
 * destination leaf table: @dt, locked by the caller).
 */
static void move_chunk(struct pt_table *st, struct pt_table *dt,
		       unsigned long a, unsigned long b, unsigned long delta)
{
	for (; a < b; a += PAGE_SIZE) {
		pte_t *sp = &st->e[pt_index(a, 0)];
		pte_t *dp = &dt->e[pt_index(a + delta, 0)];
		pte_t v;

		if (pte_none(__atomic_load_n(sp, __ATOMIC_RELAXED)))
			continue;
		VAS_WARN_ON(!pte_none(__atomic_load_n(dp, __ATOMIC_RELAXED)));
		v = ptep_get_and_clear(sp);
		set_pte(dp, v);
	}
}

/*
 * Visit [start, end) in chunks that lie in one source leaf table and one
 * destination leaf table (destination = source + delta), skipping missing
 * source levels. @fn returns 0 to go on.
 */
typedef int (*chunk_fn)(void *ctx, struct pt_table *st, unsigned long a,
			unsigned long b);

static int for_each_chunk(struct pgd *src, unsigned long start,
			  unsigned long end, unsigned long delta, chunk_fn fn,
			  void *ctx)
{
	unsigned long addr = start, next;
	int err = 0;

	while (addr < end && !err) {
		struct pt_table *st;

		vas_rcu_read_lock();
		st = leaf_lookup(src, addr, &next);
		if (next > end)
			next = end;
		while (st && addr < next && !err) {
			unsigned long d = addr + delta;
			unsigned long b = addr + (PMD_SIZE - (d & (PMD_SIZE - 1)));

			if (b > next)
				b = next;
			if (leaf_has_entries(st, addr, b))
				err = fn(ctx, st, addr, b);
			addr = b;
		}
		vas_rcu_read_unlock();
		addr = next;
	}
	return err;
}

/* The first pass of a move or a copy: the tables the destination needs. */
struct count_ctx {
	struct pgd *pgd;	/* the destination */
	unsigned long delta;	/* destination address - source address */
	struct need_state ns;
};

static int count_chunk(void *ctx, struct pt_table *st, unsigned long a,
		       unsigned long b)
{
	struct count_ctx *n = ctx;

	(void)st, (void)b;
	count_need(n->pgd, a + n->delta, &n->ns);
	return 0;
}

struct move_ctx {
	struct count_ctx cnt;	/* first pass; .pgd and .delta for both */
	struct pt_prealloc pa;
};

static int move_apply(void *ctx, struct pt_table *st, unsigned long a,
		      unsigned long b)
{
	struct move_ctx *m = ctx;
	pte_t *dp = pt_alloc_walk(m->cnt.pgd, a + m->cnt.delta, &m->pa);
	struct pt_table *dt;

	VAS_BUG_ON(!dp);	/* counted in the first pass */
	dt = pt_table_of(dp);
	pt_lock(&st->ptl);
	if (dt != st)
		pt_lock_nested(&dt->ptl);
	VAS_BUG_ON(st->dead || dt->dead);
	move_chunk(st, dt, a, b, m->cnt.delta);
	if (dt != st)
		pt_unlock(&dt->ptl);
	pt_unlock(&st->ptl);
	return 0;
}

int pt_move_range(struct pgd *pgd, unsigned long old, unsigned long new,
		  unsigned long len)
{
	struct move_ctx m = {.cnt = {.pgd = pgd, .delta = new - old}};
	int err;

	if (!len)
		return 0;
	if (!PAGE_ALIGNED(old) || !PAGE_ALIGNED(new) || !PAGE_ALIGNED(len) ||
	    old >= PT_USER_TOP || new >= PT_USER_TOP ||
	    len > PT_USER_TOP - old || len > PT_USER_TOP - new ||
	    ranges_overlap(old, new, len))
		return -EINVAL;
	/* Allocate... */
	(void)for_each_chunk(pgd, old, old + len, m.cnt.delta, count_chunk,
			     &m.cnt);
	err = prealloc_n(&m.pa, m.cnt.ns.need);
	if (err)
		return err;
	/* ...then commit: nothing below can fail. */
	(void)for_each_chunk(pgd, old, old + len, m.cnt.delta, move_apply, &m);
	pt_prealloc_release(&m.pa);
	return 0;
}

/*
 * A store into the destination of a copy. Its lock is not taken: no other
 * thread can reach the destination's tables (pt_copy_range()'s context:
 * fork's child, whose mmap lock the copier holds for write and which no
 * other thread has a handle to, no notifier and no mirror yet), so the
 * table's count and entries have one writer.
 */
static void dst_set(pte_t *dp, pte_t v)
{
	struct pt_table *t = pt_table_of(dp);
	pte_t old = __atomic_load_n(dp, __ATOMIC_RELAXED);

	VAS_BUG_ON(t->level != PT_LEVEL_PTE || t->dead);
	if (pte_none(old))
		t->nr++;
	__atomic_store_n(dp, v, __ATOMIC_RELEASE);
}

/* Copy [a, b) of the source leaf @st (locked here) into the leaf @dt. */
static int copy_leaf(struct pt_table *st, struct pt_table *dt,
		     unsigned long a, unsigned long b, pt_copy_fn fn,
		     void *arg) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	int err = 0;

	pt_lock(&st->ptl);
	VAS_BUG_ON(st->dead);
	for (; a < b; a += PAGE_SIZE) {
		pte_t *sp = &st->e[pt_index(a, 0)];
		pte_t *dp = &dt->e[pt_index(a, 0)];
		pte_t v = __atomic_load_n(sp, __ATOMIC_RELAXED), out = v;
		int act;

		if (pte_none(v))
			continue;
		if (pte_is_guard(v)) {
			dst_set(dp, v);
			continue;
		}
		act = fn(arg, a, v, &out);
		if (act == PT_COPY_COW) {
			set_pte(sp, pte_wrprotect(v));
			dst_set(dp, pte_mkold(pte_wrprotect(v)));
		} else if (act == PT_COPY_SET) {
			dst_set(dp, out);
		} else if (act != PT_COPY_SKIP) {
			VAS_BUG_ON(act >= 0);
			err = act;
			break;
		}
	}
	pt_unlock(&st->ptl);
	return err;
}

/*
 * Two passes over the 2 MiB spans of the range: the first counts the
 * destination tables to allocate and allocates them, the second copies
 * (nothing in it can fail for want of memory). A span the cursor holds
 * needs no walk: its source and destination leaves are known, and the
 * destination's exists (a range inside it, fork's usual one-page VMA, is
 * one copy_leaf()). The source's tables found stay valid without an
 * RCU section: nothing frees them while its mmap lock is held for write.
 */
static __noinline int
copy_range_walk(struct pgd *dst, struct pgd *src, unsigned long start,
		unsigned long end, pt_copy_fn fn, void *arg,
		struct pt_copy_cursor *cur)
{
	struct pt_prealloc pa = PT_PREALLOC_INIT;
	struct need_state ns = {0};
	unsigned long addr, next;
	int err = 0;

	for (int pass = 0; pass < 2 && !err; pass++) {
		for (addr = start; addr < end && !err; addr = next) {
			unsigned long base = addr & ~(PMD_SIZE - 1);
			struct pt_table *st;
			pte_t *dp;

			next = base + PMD_SIZE < end ? base + PMD_SIZE : end;
			if (cur->base == base) {
				if (pass)
					err = copy_leaf(cur->src, cur->dst,
							addr, next, fn, arg);
				continue;
			}
			vas_rcu_read_lock();
			st = leaf_lookup(src, addr, &next);
			vas_rcu_read_unlock();
			if (next > end)
				next = end;
			if (!st || !leaf_has_entries(st, addr, next))
				continue;
			if (!pass) {
				count_need(dst, addr, &ns);
				continue;
			}
			vas_rcu_read_lock();
			dp = pt_alloc_walk(dst, addr, &pa);
			vas_rcu_read_unlock();
			VAS_BUG_ON(!dp);	/* counted in the first pass */
			cur->base = base;
			cur->src = st;
			cur->dst = pt_table_of(dp);
			err = copy_leaf(st, cur->dst, addr, next, fn, arg);
		}
		if (!pass && ns.need)
			err = prealloc_n(&pa, ns.need);
	}
	pt_prealloc_release(&pa);
	return err;
}

int pt_copy_range(struct pgd *dst, struct pgd *src, unsigned long start,
		  unsigned long end, pt_copy_fn fn, void *arg,
		  struct pt_copy_cursor *cur)
{
	struct pt_copy_cursor none = PT_COPY_CURSOR_INIT;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start > end ||
	    end > PT_USER_TOP || dst == src)
		return -EINVAL;
	if (!cur)
		cur = &none;
	else if (cur->base == (start & ~(PMD_SIZE - 1)) &&
		 end - cur->base <= PMD_SIZE)
		return copy_leaf(cur->src, cur->dst, start, end, fn, arg);
	return copy_range_walk(dst, src, start, end, fn, arg, cur);
}

/* ---- validation ------------------------------------------------------- */

#define BAD(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "vas: pt_validate: ");                        \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		if (!*err)                                                    \
			*err = -EUCLEAN;                                      \
	} while (0)

static void validate_table(struct pt_table *t, int level, unsigned long base,
			   pt_check_fn check, void *arg, struct pt_stats *st,
			   int *err)
{
	uint64_t snap[PT_ENTRIES];
	unsigned long esz = PT_ENTRY_SIZE(level);
	unsigned int nr = 0, limit = PT_ENTRIES;
	uint16_t count;
	bool dead;

	if (t->level != level || t->base != base)
		BAD("table %p: level %u base %#lx, want %d %#lx", (void *)t,
		    t->level, t->base, level, base);
	pt_lock(&t->ptl);
	memcpy(snap, t->e, sizeof(snap));	/* stable under the lock */
	count = t->nr;
	dead = t->dead;
	pt_unlock(&t->ptl);
	if (dead)
		BAD("table %p (level %d, %#lx) is linked but dead", (void *)t,
		    level, base);
	st->tables[level]++;
	if (level == PT_LEVEL_PGD)
		limit = pt_index(PT_USER_TOP - 1, PT_LEVEL_PGD) + 1;
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		unsigned long addr = base + i * esz;
		uint64_t v = snap[i];

		if (!v)
			continue;
		nr++;
		if (i >= limit) {
			BAD("pgd entry %u above user space", i);
			continue;
		}
		if (level == PT_LEVEL_PTE) {
			if (pte_is_guard(v)) {
				st->guards++;
			} else if (!pte_present(v) ||
				   (v & ~(PTE_PFN_MASK | PTE_FLAGS_MASK |
					  PTE_PRESENT))) {
				BAD("bad pte %#llx at %#lx",
				    (unsigned long long)v, addr);
				continue;
			} else {
				st->present++;
			}
			if (check) {
				int e = check(arg, addr, v);

				if (e && !*err)
					*err = e;
			}
			continue;
		}
		if (!(v & PT_TABLE_PRESENT) ||
		    (v & (PAGE_SIZE - 1)) != PT_TABLE_PRESENT) {
			BAD("bad level-%d entry %#llx at %#lx", level,
			    (unsigned long long)v, addr);
			continue;
		}
		validate_table(entry_table(v), level - 1, addr, check, arg, st,
			       err);
	}
	if (nr != count)
		BAD("table %p (level %d, %#lx): count %u, %u entries",
		    (void *)t, level, base, count, nr);
	if (level != PT_LEVEL_PGD && nr == 0)
		st->empty_tables++;
}

int pt_validate(struct pgd *pgd, pt_check_fn check, void *arg,
		struct pt_stats *out)
{
	struct pt_stats st = {0};
	long before[PT_LEVELS];
	int err = 0;
	int *errp = &err;

	for (int l = 0; l < PT_LEVELS; l++)
		before[l] = __atomic_load_n(&pgd->nr_tables[l],
					    __ATOMIC_RELAXED);
	vas_rcu_read_lock();
	validate_table(&pgd->table, PT_LEVEL_PGD, 0, check, arg, &st, errp);
	vas_rcu_read_unlock();
	/* Faults may add tables meanwhile; nothing is freed under mmap_lock. */
	for (int l = 0; l < PT_LEVELS; l++) {
		long after = __atomic_load_n(&pgd->nr_tables[l],
					     __ATOMIC_RELAXED);

		if ((long)st.tables[l] < before[l] ||
		    (long)st.tables[l] > after) {
			err = err ? err : -EUCLEAN;
			fprintf(stderr,
				"vas: pt_validate: level %d: %lu tables "
				"reachable, %ld..%ld counted\n",
				l, st.tables[l], before[l], after);
		}
	}
	if (out)
		*out = st;
	return err;
}
