// SPDX-License-Identifier: MIT
/*
 * test_pgtable.c - white-box tests of the page tables (src/pgtable/).
 *
 * Every case starts from a fresh pgd, checks the whole state with
 * pt_validate() (tables per level, present ptes, guards, and every entry
 * against the expected map), and ends with pt_pgd_free() and a leak check
 * after an RCU barrier.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"
#include "base/alloc.h"
#include "base/bug.h"
#include "base/rcu.h"
#include "pgtable/pgtable.h"

#define P PAGE_SIZE
#define M2 PMD_SIZE
#define G1 PUD_SIZE
#define TOP PT_USER_TOP
#define RW (PTE_USER | PTE_WRITE)

/* The pte every test stores for @addr: its pfn is the page number. */
static pte_t pte_for(unsigned long addr)
{
	return pte_mkpresent(addr >> PAGE_SHIFT, RW | PTE_ACCESSED);
}

static long live0;

static struct pgd *fresh_pgd(void)
{
	struct pgd *pgd;

	vas_rcu_barrier();
	live0 = vas_alloc_live();
	pgd = pt_pgd_alloc();
	if (!pgd)
		harness_fail(__FILE__, __LINE__, "pt_pgd_alloc failed");
	return pgd;
}

static void done_pgd(struct pgd *pgd)
{
	unsigned long warns = vas_warn_count();

	pt_pgd_free(pgd);
	EXPECT_EQ(vas_warn_count(), warns);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
}

/* Store @pte at @addr, allocating tables as needed. */
static void put(struct pgd *pgd, unsigned long addr, pte_t pte)
{
	struct pt_prealloc pa = PT_PREALLOC_INIT;
	struct pt_lock *ptl;
	pte_t *ptep;

	ASSERT_EQ(pt_prealloc_for(pgd, addr, &pa), 0);
	ptep = pte_alloc_map_lock(pgd, addr, &pa, &ptl);
	ASSERT_NOT_NULL(ptep);
	set_pte(ptep, pte);
	pte_unmap_unlock(ptep, ptl);
	pt_prealloc_release(&pa);
}

/* The entry at @addr, 0 if a level is missing. */
static pte_t get(struct pgd *pgd, unsigned long addr)
{
	pte_t *ptep, v = 0;

	vas_rcu_read_lock();
	ptep = pt_walk(pgd, addr);
	if (ptep)
		v = ptep_get(ptep);
	vas_rcu_read_unlock();
	return v;
}

static void expect_tables(struct pgd *pgd, unsigned long pud,
			  unsigned long pmd, unsigned long pte,
			  unsigned long present, unsigned long guards)
{
	struct pt_stats st;

	EXPECT_EQ(pt_validate(pgd, NULL, NULL, &st), 0);
	EXPECT_EQ(st.tables[PT_LEVEL_PGD], 1);
	EXPECT_EQ(st.tables[PT_LEVEL_PUD], pud);
	EXPECT_EQ(st.tables[PT_LEVEL_PMD], pmd);
	EXPECT_EQ(st.tables[PT_LEVEL_PTE], pte);
	EXPECT_EQ(st.present, present);
	EXPECT_EQ(st.guards, guards);
}

/* ---- encoding --------------------------------------------------------- */

TEST(pte_encoding)
{
	pte_t p = pte_mkpresent(0x12345, PTE_USER | PTE_WRITE);

	EXPECT_EQ(p, 0x12345007ULL);
	EXPECT_EQ(pte_pfn(p), 0x12345);
	EXPECT_TRUE(pte_present(p));
	EXPECT_TRUE(pte_write(p));
	EXPECT_FALSE(pte_dirty(p));
	EXPECT_FALSE(pte_young(p));
	EXPECT_FALSE(pte_special(p));
	EXPECT_FALSE(pte_is_guard(p));
	EXPECT_FALSE(pte_write(pte_wrprotect(p)));
	EXPECT_EQ(pte_pfn(pte_wrprotect(p)), 0x12345);
	EXPECT_TRUE(pte_dirty(pte_mkdirty(p)));
	EXPECT_FALSE(pte_dirty(pte_mkclean(pte_mkdirty(p))));
	EXPECT_TRUE(pte_young(pte_mkyoung(p)));
	EXPECT_FALSE(pte_young(pte_mkold(pte_mkyoung(p))));
	EXPECT_TRUE(pte_special(pte_mkspecial(p)));
	EXPECT_EQ(pte_mkpresent(PTE_PFN_MAX, 0) >> 12, PTE_PFN_MAX);
	EXPECT_EQ(pte_pfn(pte_mkpresent(PTE_PFN_MAX, PTE_DIRTY)), PTE_PFN_MAX);
	/* x86-64 bit positions */
	EXPECT_EQ(PTE_PRESENT, 0x1);
	EXPECT_EQ(PTE_WRITE, 0x2);
	EXPECT_EQ(PTE_USER, 0x4);
	EXPECT_EQ(PTE_ACCESSED, 0x20);
	EXPECT_EQ(PTE_DIRTY, 0x40);
	EXPECT_EQ(PTE_SPECIAL, 0x200);
	/* The guard marker: not none, not present, and nothing else is. */
	EXPECT_TRUE(pte_is_guard(PTE_GUARD));
	EXPECT_FALSE(pte_present(PTE_GUARD));
	EXPECT_FALSE(pte_none(PTE_GUARD));
	EXPECT_FALSE(pte_write(PTE_GUARD));
	EXPECT_TRUE(pte_none(PTE_NONE));
	/* Geometry */
	EXPECT_EQ(M2, 2UL << 20);
	EXPECT_EQ(G1, 1UL << 30);
	EXPECT_EQ(PGDIR_SIZE, 512UL << 30);
	EXPECT_EQ(pt_index(TOP - P, PT_LEVEL_PGD), 255);
	EXPECT_EQ(pt_index(TOP - P, PT_LEVEL_PTE), 511);
	EXPECT_EQ(pt_index(M2, PT_LEVEL_PMD), 1);
	EXPECT_EQ(pt_index(G1, PT_LEVEL_PUD), 1);
}

/* ---- walk and allocate at the edges ---------------------------------- */

TEST(walk_alloc_edges)
{
	struct pgd *pgd = fresh_pgd();
	struct pt_prealloc pa = PT_PREALLOC_INIT;
	/* address, missing levels before, then pud/pmd/pte tables after */
	static const struct {
		unsigned long addr;
		unsigned int need;
		unsigned long pud, pmd, pte;
	} steps[] = {
		{0, 3, 1, 1, 1},
		{M2 - P, 0, 1, 1, 1},
		{M2, 1, 1, 1, 2},
		{G1 - P, 1, 1, 1, 3},
		{G1, 2, 1, 2, 4},
		{G1 + M2 - P, 0, 1, 2, 4},
		{PGDIR_SIZE - P, 2, 1, 3, 5},
		{PGDIR_SIZE, 3, 2, 4, 6},
		{TOP - P, 3, 3, 5, 7},
	};

	ASSERT_NOT_NULL(pgd);
	EXPECT_NULL(pt_walk(pgd, TOP));
	EXPECT_NULL(pt_walk(pgd, ~0UL));
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned long a = steps[i].addr;
		pte_t *ptep;

		if (steps[i].need)
			EXPECT_NULL(pt_walk(pgd, a));
		else
			EXPECT_EQ(get(pgd, a), 0);
		EXPECT_EQ(pt_prealloc_for(pgd, a, &pa), 0);
		EXPECT_EQ(pa.nr, steps[i].need);
		vas_rcu_read_lock();
		ptep = pt_alloc_walk(pgd, a, &pa);
		ASSERT_NOT_NULL(ptep);
		EXPECT_EQ(pa.nr, 0);
		EXPECT_PTR_EQ(pt_walk(pgd, a), ptep);
		EXPECT_EQ(pt_table_of(ptep)->level, PT_LEVEL_PTE);
		EXPECT_EQ(pt_table_of(ptep)->base, a & ~(M2 - 1));
		EXPECT_EQ(ptep_get(ptep), 0);
		vas_rcu_read_unlock();
		put(pgd, a, pte_for(a));
		EXPECT_EQ(get(pgd, a), pte_for(a));
		expect_tables(pgd, steps[i].pud, steps[i].pmd, steps[i].pte,
			      i + 1, 0);
	}
	/* Neighbours of each stored address stay none. */
	EXPECT_EQ(get(pgd, P), 0);
	EXPECT_EQ(get(pgd, M2 + P), 0);
	EXPECT_EQ(get(pgd, TOP - 2 * P), 0);
	/* An empty prealloc cannot install: NULL, nothing changed. */
	vas_rcu_read_lock();
	EXPECT_NULL(pt_alloc_walk(pgd, 4 * G1, &pa));
	vas_rcu_read_unlock();
	expect_tables(pgd, 3, 5, 7, ARRAY_SIZE(steps), 0);
	EXPECT_EQ(pgd->nr_tables[PT_LEVEL_PTE], 7);
	/* pte_offset_map_lock never allocates. */
	{
		struct pt_lock *ptl;

		EXPECT_NULL(pte_offset_map_lock(pgd, 4 * G1, &ptl));
		pte_t *ptep = pte_offset_map_lock(pgd, G1, &ptl);

		ASSERT_NOT_NULL(ptep);
		EXPECT_EQ(ptep_get(ptep), pte_for(G1));
		pt_assert_locked(ptep);
		set_pte(ptep, PTE_NONE);
		pte_unmap_unlock(ptep, ptl);
	}
	expect_tables(pgd, 3, 5, 7, ARRAY_SIZE(steps) - 1, 0);
	/* Zap everything so that pgd_free finds no page to warn about. */
	EXPECT_EQ(pt_zap_range(pgd, 0, TOP, 0, NULL, NULL),
		  ARRAY_SIZE(steps) - 1);
	done_pgd(pgd);
}

/* ---- counts and the validator ---------------------------------------- */

TEST(counts_and_validate)
{
	struct pgd *pgd = fresh_pgd();
	struct pt_lock *ptl;
	struct pt_table *t;
	pte_t *ptep;

	ASSERT_NOT_NULL(pgd);
	for (unsigned long a = 0; a < 8 * P; a += P)
		put(pgd, a, pte_for(a));
	ptep = pte_offset_map_lock(pgd, 0, &ptl);
	ASSERT_NOT_NULL(ptep);
	t = pt_table_of(ptep);
	EXPECT_EQ(t->nr, 8);
	set_pte(ptep, PTE_GUARD);		/* present -> guard: same */
	EXPECT_EQ(t->nr, 8);
	set_pte(ptep + 1, PTE_NONE);		/* present -> none */
	EXPECT_EQ(t->nr, 7);
	EXPECT_EQ(ptep_get_and_clear(ptep + 2), pte_for(2 * P));
	EXPECT_EQ(t->nr, 6);
	EXPECT_EQ(ptep_get_and_clear(ptep + 100), 0);
	EXPECT_EQ(t->nr, 6);
	set_pte(ptep + 100, pte_for(100 * P));
	EXPECT_EQ(t->nr, 7);
	pte_unmap_unlock(ptep, ptl);
	expect_tables(pgd, 1, 1, 1, 6, 1);
	EXPECT_EQ(((struct pt_table *)&pgd->table)->nr, 1);

	/* A corrupted count and a corrupted pte are reported. */
	pt_lock(&t->ptl);
	t->nr++;
	pt_unlock(&t->ptl);
	fprintf(stderr, "(two validator reports expected)\n");
	EXPECT_EQ(pt_validate(pgd, NULL, NULL, NULL), -EUCLEAN);
	pt_lock(&t->ptl);
	t->nr--;
	__atomic_store_n(&t->e[200], 0x800ULL, __ATOMIC_RELAXED);
	t->nr++;
	pt_unlock(&t->ptl);
	EXPECT_EQ(pt_validate(pgd, NULL, NULL, NULL), -EUCLEAN);
	pt_lock(&t->ptl);
	__atomic_store_n(&t->e[200], 0ULL, __ATOMIC_RELAXED);
	t->nr--;
	pt_unlock(&t->ptl);
	EXPECT_EQ(pt_validate(pgd, NULL, NULL, NULL), 0);
	pt_zap_range(pgd, 0, M2, PT_ZAP_GUARDS, NULL, NULL);
	done_pgd(pgd);
}

/* The caller's check: every non-none pte must lie in one of its VMAs. */
struct vmas {
	unsigned long s[4], e[4];
	unsigned int n;
	unsigned long seen;
};

static int check_in_vma(void *arg, unsigned long addr, pte_t pte)
{
	struct vmas *v = arg;

	(void)pte;
	v->seen++;
	for (unsigned int i = 0; i < v->n; i++)
		if (addr >= v->s[i] && addr < v->e[i])
			return 0;
	return -EFAULT;
}

TEST(validate_callback)
{
	struct pgd *pgd = fresh_pgd();
	struct vmas v = {.s = {M2}, .e = {M2 + 4 * P}, .n = 1};

	ASSERT_NOT_NULL(pgd);
	for (unsigned long a = M2; a < M2 + 4 * P; a += P)
		put(pgd, a, pte_for(a));
	EXPECT_EQ(pt_validate(pgd, check_in_vma, &v, NULL), 0);
	EXPECT_EQ(v.seen, 4);
	put(pgd, M2 + 4 * P, PTE_GUARD);	/* outside the "VMA" */
	v.seen = 0;
	EXPECT_EQ(pt_validate(pgd, check_in_vma, &v, NULL), -EFAULT);
	EXPECT_EQ(v.seen, 5);
	pt_zap_range(pgd, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	done_pgd(pgd);
}

/* ---- zap -------------------------------------------------------------- */

struct zap_rec {
	unsigned long addr[64];
	pte_t pte[64];
	unsigned int n;
};

static void zap_record(void *arg, unsigned long addr, pte_t pte)
{
	struct zap_rec *r = arg;

	if (r->n < ARRAY_SIZE(r->addr)) {
		r->addr[r->n] = addr;
		r->pte[r->n] = pte;
	}
	r->n++;
}

TEST(zap_range)
{
	struct pgd *pgd = fresh_pgd();
	struct zap_rec r = {0};
	/* 0x1ff000: the last page below 2 MiB; the range crosses into the
	 * next pte table and skips a missing one:
	 *   1fe 1ff | 200 201 ... | (no table) | G1
	 *    p   p  |  g   p      |            |  p          */
	unsigned long a0 = M2 - 2 * P;

	ASSERT_NOT_NULL(pgd);
	put(pgd, a0, pte_for(a0));
	put(pgd, a0 + P, pte_mkdirty(pte_for(a0 + P)));
	put(pgd, M2, PTE_GUARD);
	put(pgd, M2 + P, pte_for(M2 + P));
	put(pgd, G1, pte_for(G1));
	expect_tables(pgd, 1, 2, 3, 4, 1);

	/* Zap [0x1ff000, G1): not a0, not G1; the guard stays. */
	EXPECT_EQ(pt_zap_range(pgd, a0 + P, G1, 0, zap_record, &r), 2);
	ASSERT_EQ(r.n, 2);
	EXPECT_EQ(r.addr[0], a0 + P);
	EXPECT_EQ(r.pte[0], pte_mkdirty(pte_for(a0 + P)));
	EXPECT_TRUE(pte_dirty(r.pte[0]));
	EXPECT_EQ(r.addr[1], M2 + P);
	EXPECT_EQ(get(pgd, a0), pte_for(a0));
	EXPECT_EQ(get(pgd, a0 + P), 0);
	EXPECT_EQ(get(pgd, M2), PTE_GUARD);
	EXPECT_EQ(get(pgd, G1), pte_for(G1));
	/* Tables stay: zap frees none. */
	expect_tables(pgd, 1, 2, 3, 2, 1);

	/* With PT_ZAP_GUARDS the marker goes too, not reported. */
	r.n = 0;
	EXPECT_EQ(pt_zap_range(pgd, M2, M2 + P, PT_ZAP_GUARDS, zap_record, &r),
		  0);
	EXPECT_EQ(r.n, 0);
	EXPECT_EQ(get(pgd, M2), 0);
	expect_tables(pgd, 1, 2, 3, 2, 0);
	/* Empty range, whole space. */
	EXPECT_EQ(pt_zap_range(pgd, G1, G1, 0, NULL, NULL), 0);
	EXPECT_EQ(pt_zap_range(pgd, 0, TOP, 0, NULL, NULL), 2);
	expect_tables(pgd, 1, 2, 3, 0, 0);
	done_pgd(pgd);
}

/* ---- free with floor and ceiling ------------------------------------- */

/* Unmap [s, e) between neighbours ending at @floor / starting at @ceil. */
static unsigned long unmap(struct pgd *pgd, unsigned long s, unsigned long e,
			   unsigned long floor, unsigned long ceil)
{
	pt_zap_range(pgd, s, e, PT_ZAP_GUARDS, NULL, NULL);
	return pt_free_range(pgd, s, e, floor, ceil);
}

TEST(free_floor_ceiling_same_pte_table)
{
	struct pgd *pgd = fresh_pgd();

	/* 0x200000      0x3ff000 0x400000
	 * A  .  .  .  .  B               one pte table [2M, 4M)   */
	ASSERT_NOT_NULL(pgd);
	put(pgd, M2, pte_for(M2));
	put(pgd, 2 * M2 - P, pte_for(2 * M2 - P));
	/* Unmap A; B starts at 0x3ff000: nothing goes. */
	EXPECT_EQ(unmap(pgd, M2, M2 + P, 0, 2 * M2 - P), 0);
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_EQ(get(pgd, 2 * M2 - P), pte_for(2 * M2 - P));
	/* Unmap B with no neighbours: pte, pmd and pud tables go. */
	EXPECT_EQ(unmap(pgd, 2 * M2 - P, 2 * M2, 0, 0), 3);
	expect_tables(pgd, 0, 0, 0, 0, 0);
	EXPECT_NULL(pt_walk(pgd, 2 * M2 - P));
	EXPECT_EQ(pgd->table.nr, 0);
	done_pgd(pgd);
}

TEST(free_floor_ceiling_neighbour_tables)
{
	struct pgd *pgd = fresh_pgd();

	/* 2M         4M  4M+4K
	 * AAAAAAAAAAAA   B          A fills [2M,4M); B just above it. */
	ASSERT_NOT_NULL(pgd);
	for (unsigned long a = M2; a < 2 * M2; a += 64 * P)
		put(pgd, a, pte_for(a));
	put(pgd, 2 * M2, pte_for(2 * M2));
	expect_tables(pgd, 1, 1, 2, 9, 0);
	/* ceiling 4M: A's own pte table goes, the pmd table B uses stays. */
	EXPECT_EQ(unmap(pgd, M2, 2 * M2, 0, 2 * M2), 1);
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_NULL(pt_walk(pgd, M2));
	EXPECT_EQ(get(pgd, 2 * M2), pte_for(2 * M2));

	/* Floor: B = [4M, 4M+4K) stays, C = [4M+4K, 4M+8K) goes; B's
	 * table stays. Then B goes with a floor at 4M exactly (a neighbour
	 * ending there): the table [4M, 6M) may go, the pmd table may not.
	 *  4M  4M+4K 4M+8K
	 *  B   C                                           */
	put(pgd, 2 * M2 + P, pte_for(2 * M2 + P));
	EXPECT_EQ(unmap(pgd, 2 * M2 + P, 2 * M2 + 2 * P, 2 * M2 + P, 0), 0);
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_EQ(get(pgd, 2 * M2), pte_for(2 * M2));
	EXPECT_EQ(unmap(pgd, 2 * M2, 2 * M2 + P, 2 * M2, 3 * M2), 1);
	expect_tables(pgd, 1, 1, 0, 0, 0);
	/* Upper tables go once the floor allows their whole span. */
	EXPECT_EQ(pt_free_range(pgd, 2 * M2, 3 * M2, P, 0), 0);
	EXPECT_EQ(pt_free_range(pgd, 2 * M2, 3 * M2, 0, 0), 2);
	expect_tables(pgd, 0, 0, 0, 0, 0);
	done_pgd(pgd);
}

TEST(free_floor_ceiling_gigabyte)
{
	struct pgd *pgd = fresh_pgd();

	/* G1-4K G1  G1+4K        G1+2M       G1+2M+4K
	 * A     A                 C                     A spans two pmd
	 * tables; C in the second pmd table, another pte table. */
	ASSERT_NOT_NULL(pgd);
	put(pgd, G1 - P, pte_for(G1 - P));
	put(pgd, G1, pte_for(G1));
	put(pgd, G1 + M2, pte_for(G1 + M2));
	expect_tables(pgd, 1, 2, 3, 3, 0);
	EXPECT_EQ(unmap(pgd, G1 - P, G1 + P, 0, G1 + M2), 3);
	/* Gone: pte [G1-2M, G1), the pmd table [0, G1), pte [G1, G1+2M).
	 * Stays: the pmd table [G1, 2G) and C's pte table, the pud. */
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_NULL(pt_walk(pgd, G1 - P));
	EXPECT_NULL(pt_walk(pgd, G1));
	EXPECT_EQ(get(pgd, G1 + M2), pte_for(G1 + M2));

	/* Top of user space, ceiling 0 means the top. */
	put(pgd, TOP - P, pte_for(TOP - P));
	EXPECT_EQ(unmap(pgd, TOP - P, TOP, TOP - 2 * P, 0), 0);
	EXPECT_EQ(pt_free_range(pgd, TOP - P, TOP, TOP - M2, 0), 1);
	EXPECT_EQ(pt_free_range(pgd, TOP - P, TOP, G1 + M2 + P, 0), 2);
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_EQ(unmap(pgd, G1 + M2, G1 + M2 + P, 0, 0), 3);
	expect_tables(pgd, 0, 0, 0, 0, 0);
	done_pgd(pgd);
}

TEST(free_keeps_nonempty_table)
{
	struct pgd *pgd = fresh_pgd();
	unsigned long warns;

	/* A caller bug: a pte left in the gap. The table stays, warned. */
	ASSERT_NOT_NULL(pgd);
	put(pgd, M2, pte_for(M2));
	put(pgd, M2 + P, pte_for(M2 + P));
	pt_zap_range(pgd, M2, M2 + P, 0, NULL, NULL);
	warns = vas_warn_count();
	fprintf(stderr, "(warnings expected)\n");
	EXPECT_EQ(pt_free_range(pgd, M2, M2 + P, 0, 0), 0);
	EXPECT_GT(vas_warn_count(), warns);
	expect_tables(pgd, 1, 1, 1, 1, 0);
	EXPECT_EQ(get(pgd, M2 + P), pte_for(M2 + P));
	pt_zap_range(pgd, 0, TOP, 0, NULL, NULL);
	EXPECT_EQ(pt_free_range(pgd, M2, M2 + P, 0, 0), 3);
	done_pgd(pgd);
}

/* ---- move ------------------------------------------------------------- */

TEST(move_range)
{
	struct pgd *pgd = fresh_pgd();
	/* 6 pages from 2M-12K (crossing 2M) to G1-8K (crossing 1 GiB):
	 *  old: 1fd 1fe 1ff | 200 201 202      p p g | . p p
	 *  new: G1-8K G1-4K | G1 ...                         */
	unsigned long old = M2 - 3 * P, new = G1 - 2 * P, len = 6 * P;
	struct pt_stats st;

	ASSERT_NOT_NULL(pgd);
	put(pgd, old, pte_for(old));
	put(pgd, old + P, pte_mkdirty(pte_for(old + P)));
	put(pgd, old + 2 * P, PTE_GUARD);
	put(pgd, old + 4 * P, pte_for(old + 4 * P));
	put(pgd, old + 5 * P, pte_for(old + 5 * P));
	expect_tables(pgd, 1, 1, 2, 4, 1);

	EXPECT_EQ(pt_move_range(pgd, old, new, len), 0);
	for (unsigned long i = 0; i < 6; i++)
		EXPECT_EQ(get(pgd, old + i * P), 0);
	EXPECT_EQ(get(pgd, new), pte_for(old));
	EXPECT_EQ(get(pgd, new + P), pte_mkdirty(pte_for(old + P)));
	EXPECT_EQ(get(pgd, new + 2 * P), PTE_GUARD);
	EXPECT_EQ(get(pgd, new + 3 * P), 0);
	EXPECT_EQ(get(pgd, new + 4 * P), pte_for(old + 4 * P));
	EXPECT_EQ(get(pgd, new + 5 * P), pte_for(old + 5 * P));
	/* New: pte [G1-2M, G1) in the old pmd table, pmd [G1, 2G), pte
	 * [G1, G1+2M). The source tables stay (empty) until freed. */
	EXPECT_EQ(pt_validate(pgd, NULL, NULL, &st), 0);
	EXPECT_EQ(st.tables[PT_LEVEL_PMD], 2);
	EXPECT_EQ(st.tables[PT_LEVEL_PTE], 4);
	EXPECT_EQ(st.present, 4);
	EXPECT_EQ(st.guards, 1);
	EXPECT_EQ(st.empty_tables, 2);
	EXPECT_EQ(pt_free_range(pgd, old, old + len, 0, G1 - 2 * P), 2);
	expect_tables(pgd, 1, 2, 2, 4, 1);

	/* Within one table, downwards, by one page less than the length. */
	EXPECT_EQ(pt_move_range(pgd, new, new - 6 * P, 6 * P), 0);
	EXPECT_EQ(get(pgd, new - 6 * P), pte_for(old));
	EXPECT_EQ(get(pgd, new - 4 * P), PTE_GUARD);
	EXPECT_EQ(get(pgd, new - P), pte_for(old + 5 * P));
	expect_tables(pgd, 1, 2, 2, 4, 1);

	/* Errors: overlap, alignment, beyond the top; nothing changes. */
	EXPECT_EQ(pt_move_range(pgd, new - 6 * P, new - 5 * P, 6 * P), -EINVAL);
	EXPECT_EQ(pt_move_range(pgd, new - 6 * P + 1, 0, P), -EINVAL);
	EXPECT_EQ(pt_move_range(pgd, new - 6 * P, TOP - P, 2 * P), -EINVAL);
	EXPECT_EQ(pt_move_range(pgd, 0, P, 0), 0);
	expect_tables(pgd, 1, 2, 2, 4, 1);

	/* A sparse 64 GiB source allocates only what the entries need. */
	EXPECT_EQ(pt_move_range(pgd, 0, 100 * G1, 64 * G1), 0);
	EXPECT_EQ(get(pgd, 100 * G1 + new - 6 * P), pte_for(old));
	expect_tables(pgd, 1, 3, 3, 4, 1);
	pt_zap_range(pgd, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	done_pgd(pgd);
}

/* ---- copy ------------------------------------------------------------- */

/* Page i of the range: 0 skip, 1 cow, 2 set a new frame, 3 share as is. */
static int copy_decide(void *arg, unsigned long addr, pte_t src, pte_t *dst)
{
	unsigned long base = *(unsigned long *)arg;

	switch ((addr - base) / P % 4) {
	case 0:
		return PT_COPY_SKIP;
	case 1:
		return PT_COPY_COW;
	case 2:
		*dst = pte_mkpresent(0x99000 + pte_pfn(src), RW | PTE_DIRTY);
		return PT_COPY_SET;
	default:
		EXPECT_EQ(*dst, src);
		return PT_COPY_SET;
	}
}

static int copy_fail_at_third(void *arg, unsigned long addr, pte_t src,
			      pte_t *dst)
{
	unsigned int *n = arg;

	(void)addr, (void)src, (void)dst;
	return ++*n == 3 ? -ENOMEM : PT_COPY_SET;
}

TEST(copy_range)
{
	struct pgd *src = fresh_pgd(), *dst = pt_pgd_alloc();
	unsigned long base = M2 - 4 * P;	/* 8 pages, across 2 MiB */
	unsigned int n = 0;

	ASSERT_NOT_NULL(src);
	ASSERT_NOT_NULL(dst);
	for (unsigned long i = 0; i < 8; i++)
		put(src, base + i * P, pte_mkdirty(pte_for(base + i * P)));
	put(src, base + 8 * P, PTE_GUARD);
	put(src, 5 * G1, pte_for(5 * G1));	/* outside the range */

	EXPECT_EQ(pt_copy_range(dst, src, base, base + 9 * P, copy_decide,
				&base, NULL), 0);
	for (unsigned long i = 0; i < 8; i++) {
		unsigned long a = base + i * P;
		pte_t orig = pte_mkdirty(pte_for(a));

		switch (i % 4) {
		case 0:
			EXPECT_EQ(get(dst, a), 0);
			EXPECT_EQ(get(src, a), orig);
			break;
		case 1:
			EXPECT_EQ(get(src, a), pte_wrprotect(orig));
			EXPECT_EQ(get(dst, a), pte_mkold(pte_wrprotect(orig)));
			break;
		case 2:
			EXPECT_EQ(get(src, a), orig);
			EXPECT_EQ(get(dst, a),
				  pte_mkpresent(0x99000 + (a >> 12),
						RW | PTE_DIRTY));
			break;
		default:
			EXPECT_EQ(get(src, a), orig);
			EXPECT_EQ(get(dst, a), orig);
		}
	}
	EXPECT_EQ(get(dst, base + 8 * P), PTE_GUARD);
	EXPECT_EQ(get(dst, 5 * G1), 0);
	expect_tables(src, 1, 2, 3, 9, 1);
	expect_tables(dst, 1, 1, 2, 6, 1);

	/* A callback error stops the copy: the entries before it stay. */
	pt_zap_range(dst, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	EXPECT_EQ(pt_copy_range(dst, src, base, base + 8 * P,
				copy_fail_at_third, &n, NULL), -ENOMEM);
	EXPECT_EQ(n, 3);
	expect_tables(dst, 1, 1, 2, 2, 0);
	EXPECT_EQ(pt_copy_range(dst, dst, 0, P, copy_fail_at_third, &n,
				NULL), -EINVAL);

	pt_zap_range(dst, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	pt_pgd_free(dst);
	pt_zap_range(src, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	done_pgd(src);
}

/* ---- failure injection ------------------------------------------------ */

static int always_set(void *arg, unsigned long addr, pte_t src, pte_t *dst)
{
	(void)arg, (void)addr, (void)src, (void)dst;
	return PT_COPY_SET;
}

/*
 * Fork copies VMA by VMA with one cursor: a range in the cursor's span
 * reuses its leaf tables (no walk, no allocation), a range elsewhere walks
 * and moves the cursor; -ENOMEM there leaves the destination and the
 * cursor as they were; a range with nothing to copy allocates nothing.
 */
TEST(copy_range_cursor)
{
	struct pgd *src = fresh_pgd(), *dst = pt_pgd_alloc();
	struct pt_copy_cursor cur = PT_COPY_CURSOR_INIT;
	unsigned long base = M2 - 4 * P;	/* 8 pages, across 2 MiB */
	struct pt_table *leaf0;
	long live;

	ASSERT_NOT_NULL(src);
	ASSERT_NOT_NULL(dst);
	for (unsigned long i = 0; i < 8; i++)
		put(src, base + i * P, pte_for(base + i * P));
	put(src, base + 8 * P, PTE_GUARD);
	put(src, 3 * G1 + P, pte_for(3 * G1 + P));

	/* one page at a time, as fork's one-page VMAs */
	vas_fail_reset();
	for (unsigned long i = 0; i < 4; i++)
		EXPECT_EQ(pt_copy_range(dst, src, base + i * P,
					base + (i + 1) * P, always_set, NULL,
					&cur), 0);
	EXPECT_EQ(cur.base, 0);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_PGTABLE), 3);
	leaf0 = cur.dst;
	EXPECT_EQ((uintptr_t)leaf0, (uintptr_t)pt_table_of(pt_walk(dst, base)));
	for (unsigned long i = 4; i < 9; i++)
		EXPECT_EQ(pt_copy_range(dst, src, base + i * P,
					base + (i + 1) * P, always_set, NULL,
					&cur), 0);
	EXPECT_EQ(cur.base, M2);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_PGTABLE), 4);
	/* a range whose source has nothing: no table, the cursor stays */
	EXPECT_EQ(pt_copy_range(dst, src, 5 * G1, 5 * G1 + 4 * P, always_set,
				NULL, &cur), 0);
	EXPECT_EQ(pt_copy_range(dst, src, base + 9 * P, base + 12 * P,
				always_set, NULL, &cur), 0);
	EXPECT_EQ(cur.base, M2);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_PGTABLE), 4);
	/* a new region: each of its two tables fails in turn */
	for (unsigned long k = 1; k <= 2; k++) {
		live = vas_alloc_live();
		vas_fail_nth(k);
		EXPECT_EQ(pt_copy_range(dst, src, 3 * G1, 3 * G1 + 2 * P,
					always_set, NULL, &cur), -ENOMEM);
		vas_fail_nth(0);
		EXPECT_EQ(vas_alloc_live(), live);
		EXPECT_EQ(cur.base, M2);
		expect_tables(dst, 1, 1, 2, 8, 1);
	}
	EXPECT_EQ(pt_copy_range(dst, src, 3 * G1, 3 * G1 + 2 * P, always_set,
				NULL, &cur), 0);
	EXPECT_EQ(cur.base, 3 * G1);
	/* everything copied once, where it was */
	for (unsigned long i = 0; i < 8; i++)
		EXPECT_EQ(get(dst, base + i * P), pte_for(base + i * P));
	EXPECT_EQ(get(dst, base + 8 * P), PTE_GUARD);
	EXPECT_EQ(get(dst, 3 * G1 + P), pte_for(3 * G1 + P));
	EXPECT_EQ(get(dst, 3 * G1), 0);
	expect_tables(dst, 1, 2, 3, 9, 1);
	EXPECT_EQ(pt_validate(dst, NULL, NULL, NULL), 0);

	vas_fail_reset();
	pt_zap_range(dst, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	pt_pgd_free(dst);
	pt_zap_range(src, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	done_pgd(src);
}

/* Content of a few addresses, to compare before and after a failure. */
static void snapshot(struct pgd *pgd, const unsigned long *a, unsigned int n,
		     pte_t *out, struct pt_stats *st)
{
	for (unsigned int i = 0; i < n; i++)
		out[i] = get(pgd, a[i]);
	EXPECT_EQ(pt_validate(pgd, NULL, NULL, st), 0);
}

static void expect_same(struct pgd *pgd, const unsigned long *a,
			unsigned int n, const pte_t *was,
			const struct pt_stats *stw)
{
	pte_t now[8];
	struct pt_stats st;

	snapshot(pgd, a, n, now, &st);
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(now[i], was[i]);
	for (int l = 0; l < PT_LEVELS; l++)
		EXPECT_EQ(st.tables[l], stw->tables[l]);
	EXPECT_EQ(st.present, stw->present);
	EXPECT_EQ(st.guards, stw->guards);
}

TEST(fail_pgtable_alloc)
{
	static const unsigned long a[] = {0, P, M2, G1, 3 * G1, 3 * G1 + P,
					  PGDIR_SIZE + 7 * P, TOP - P};
	struct pgd *pgd = fresh_pgd(), *child;
	struct pt_prealloc pa = PT_PREALLOC_INIT;
	struct pt_stats st;
	pte_t was[8];
	unsigned long need;
	long live;

	ASSERT_NOT_NULL(pgd);
	put(pgd, 0, pte_for(0));
	put(pgd, P, PTE_GUARD);
	put(pgd, M2, pte_for(M2));

	/* pgd_alloc */
	vas_fail_site(VAS_FP_PGTABLE, true);
	EXPECT_NULL(pt_pgd_alloc());
	/* prealloc for a fresh 512 GiB region: three tables, none made. */
	live = vas_alloc_live();
	EXPECT_EQ(pt_prealloc_for(pgd, PGDIR_SIZE, &pa), -ENOMEM);
	EXPECT_EQ(pa.nr, 0);
	vas_fail_site(VAS_FP_PGTABLE, false);
	for (unsigned long k = 1; k <= 3; k++) {
		vas_fail_nth(k);
		EXPECT_EQ(pt_prealloc_for(pgd, PGDIR_SIZE, &pa), -ENOMEM);
		EXPECT_EQ(pa.nr, 0);
		EXPECT_EQ(vas_alloc_live(), live);
	}
	vas_fail_nth(0);

	/* move: every allocation fails in turn, nothing changes. */
	snapshot(pgd, a, ARRAY_SIZE(a), was, &st);
	vas_fail_reset();
	EXPECT_EQ(pt_move_range(pgd, 0, 3 * G1, 4 * M2), 0);
	need = vas_alloc_site_count(VAS_FP_PGTABLE);
	EXPECT_EQ(need, 3);	/* pmd [3G,4G), pte [3G..), pte [3G+2M..) */
	EXPECT_EQ(pt_move_range(pgd, 3 * G1, 0, 4 * M2), 0);
	EXPECT_EQ(pt_free_range(pgd, 3 * G1, 3 * G1 + 4 * M2, 2 * G1, 0), 3);
	for (unsigned long k = 1; k <= need; k++) {
		snapshot(pgd, a, ARRAY_SIZE(a), was, &st);
		live = vas_alloc_live();
		vas_fail_nth(k);
		EXPECT_EQ(pt_move_range(pgd, 0, 3 * G1, 4 * M2), -ENOMEM);
		vas_fail_nth(0);
		EXPECT_EQ(vas_alloc_live(), live);
		expect_same(pgd, a, ARRAY_SIZE(a), was, &st);
	}

	/* copy: the same for a fresh child. */
	child = pt_pgd_alloc();
	ASSERT_NOT_NULL(child);
	for (unsigned long k = 1; k <= 4; k++) {
		pte_t cw[8];
		struct pt_stats cst;

		snapshot(child, a, ARRAY_SIZE(a), cw, &cst);
		live = vas_alloc_live();
		vas_fail_nth(k);
		EXPECT_EQ(pt_copy_range(child, pgd, 0, 4 * M2, always_set,
					NULL, NULL), -ENOMEM);
		vas_fail_nth(0);
		EXPECT_EQ(vas_alloc_live(), live);
		expect_same(child, a, ARRAY_SIZE(a), cw, &cst);
	}
	vas_fail_reset();
	EXPECT_EQ(pt_copy_range(child, pgd, 0, 4 * M2, always_set, NULL,
				NULL), 0);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_PGTABLE), 4);
	EXPECT_EQ(get(child, M2), pte_for(M2));
	pt_zap_range(child, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	pt_pgd_free(child);
	pt_zap_range(pgd, 0, TOP, PT_ZAP_GUARDS, NULL, NULL);
	vas_fail_reset();
	done_pgd(pgd);
}

/* ---- concurrency ------------------------------------------------------ */

/*
 * Two readers walk and read ptes lock-free (RCU only) while a writer
 * fills, zaps and frees tables over and over. Every pte a reader sees is
 * none or the one stored for its address; ASan/TSan catch any touch of a
 * freed table.
 */
#define RACE_ADDRS 16
static const unsigned long race_addr[RACE_ADDRS] = {
	0, P, M2 - P, M2, 2 * M2, G1 - P, G1, G1 + M2,
	2 * G1, PGDIR_SIZE - P, PGDIR_SIZE, PGDIR_SIZE + G1,
	TOP - G1, TOP - M2, TOP - 2 * P, TOP - P,
};

struct race {
	struct pgd *pgd;
	int stop;
	unsigned long reads, hits, bad, stale;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	unsigned long i = 0, hits = 0, bad = 0, reads = 0, stale = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned long a = race_addr[i++ % RACE_ADDRS];
		pte_t *ptep;

		vas_rcu_read_lock();
		ptep = pt_walk(r->pgd, a);
		if (ptep) {
			pte_t v = ptep_get(ptep);
			struct pt_table *t = pt_table_of(ptep);

			if (t->level != PT_LEVEL_PTE || t->base != (a & ~(M2 - 1)))
				bad++;
			if (!pte_none(v) && v != pte_for(a))
				bad++;
			hits += !pte_none(v);
			/* Stay a while: read the whole leaf table, as a
			 * range walker would, then the upper levels again. */
			for (unsigned int k = 0; k < PT_ENTRIES; k++) {
				pte_t w = ptep_get(&t->e[k]);

				if (!pte_none(w) &&
				    w != pte_for(t->base + k * P))
					bad++;
			}
			if (t->level != PT_LEVEL_PTE)
				bad++;
			/* Unlinked while we read it: only the grace period
			 * kept its memory. */
			stale += pt_walk(r->pgd, a) != ptep;
		}
		vas_rcu_read_unlock();
		if ((reads++ & 63) == 0) {
			/* The locked path too: it re-checks for dead tables. */
			struct pt_lock *ptl;

			ptep = pte_offset_map_lock(r->pgd, a, &ptl);
			if (ptep) {
				pte_t v = ptep_get(ptep);

				if (!pte_none(v) && v != pte_for(a))
					bad++;
				pte_unmap_unlock(ptep, ptl);
			}
		}
	}
	__atomic_add_fetch(&r->reads, reads, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->hits, hits, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->bad, bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->stale, stale, __ATOMIC_RELAXED);
	return NULL;
}

TEST(concurrent_walk_vs_free)
{
	struct race r = {.pgd = fresh_pgd()};
	pthread_t th[2];
	double end = harness_now() + harness_seconds(1.0);
	unsigned long rounds = 0, freed = 0;

	ASSERT_NOT_NULL(r.pgd);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, race_reader, &r), 0);
	while (harness_now() < end || rounds < 20) {
		for (unsigned int i = 0; i < RACE_ADDRS; i++)
			put(r.pgd, race_addr[i], pte_for(race_addr[i]));
		EXPECT_EQ(pt_zap_range(r.pgd, 0, TOP, 0, NULL, NULL),
			  RACE_ADDRS);
		freed += pt_free_range(r.pgd, 0, TOP, 0, 0);
		rounds++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(r.bad, 0);
	EXPECT_GT(freed, rounds);
	fprintf(stderr, "concurrent: %lu rounds, %lu tables freed, %lu reads, "
			"%lu hits, %lu reads of unlinked tables\n",
		rounds, freed, r.reads, r.hits, r.stale);
	expect_tables(r.pgd, 0, 0, 0, 0, 0);
	done_pgd(r.pgd);
}
