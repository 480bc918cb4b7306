// SPDX-License-Identifier: MIT
/*
 * test_rt.c - white-box tests of the range tree (src/tree/rt.c).
 *
 * Every mutation goes through st(): preallocate, store, release, then
 * rt_validate(). Small trees are compared whole against an expected list;
 * the randomized tests compare against a naive sorted array after every
 * operation.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"
#include "base/alloc.h"
#include "base/rcu.h"
#include "tree/rt.h"

#define P 0x1000UL
#define E(x) ((void *)(uintptr_t)(x))

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd_below(struct rng *r, unsigned long n)
{
	return (unsigned long)(rnd(r) % n);
}

/* Store with preallocation; the tree must be valid afterwards. */
/* Store without validating (bulk set-up); st() is the checked form. */
static void st_unchecked(struct rt_tree *t, unsigned long s, unsigned long e,
			 void *v)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;

	ASSERT_EQ(rt_preallocate(t, &pa, s, e), 0);
	rt_store(t, &pa, s, e, v);
	rt_prealloc_release(&pa);
}

static void st(struct rt_tree *t, unsigned long s, unsigned long e, void *v)
{
	st_unchecked(t, s, e, v);
	ASSERT_EQ(rt_validate(t), 0);
}

struct rg {
	unsigned long s, e;
	void *v;
};

/* The whole tree, by iteration, must equal @want[0..n). */
static void expect_state(const struct rt_tree *t, const struct rg *want,
			 unsigned long n)
{
	struct rt_iter it;
	unsigned long s, e, i = 0;
	void *v;

	rt_iter_init(&it, t, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e))) {
		ASSERT_TRUE(i < n);
		EXPECT_EQ(s, want[i].s);
		EXPECT_EQ(e, want[i].e);
		EXPECT_PTR_EQ(v, want[i].v);
		i++;
	}
	EXPECT_EQ(i, n);
	EXPECT_EQ(t->nr_entries, n);
}

#define EXPECT_STATE(t, ...)                                                  \
	do {                                                                  \
		const struct rg __w[] = { __VA_ARGS__ };                      \
		expect_state(t, __w, ARRAY_SIZE(__w));                        \
	} while (0)

static void destroy(struct rt_tree *t)
{
	rt_destroy(t);
	EXPECT_EQ(rt_validate(t), 0);
}

/* ---- small trees, whole-state checks ---------------------------------- */

TEST(empty_tree_ops)
{
	struct rt_tree t;
	struct rt_iter it;
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	unsigned long s = 7, e = 7;

	rt_init(&t);
	EXPECT_EQ(rt_validate(&t), 0);
	EXPECT_NULL(rt_lookup(&t, 0, &s, &e));
	EXPECT_NULL(rt_find(&t, 0, &s, &e));
	EXPECT_NULL(rt_prev(&t, ULONG_MAX, &s, &e));
	EXPECT_NULL(rt_next(&t, 0, &s, &e));
	EXPECT_EQ(s, 7);
	rt_iter_init(&it, &t, 0, ULONG_MAX);
	EXPECT_NULL(rt_iter_next(&it, NULL, NULL));
	/* Erasing nothing needs nothing and changes nothing. */
	ASSERT_EQ(rt_preallocate(&t, &pa, P, 2 * P), 0);
	rt_store(&t, &pa, P, 2 * P, NULL);
	rt_prealloc_release(&pa);
	EXPECT_EQ(rt_validate(&t), 0);
	EXPECT_EQ(t.height, 0);
	EXPECT_EQ(rt_node_bytes(&t), 0);
	destroy(&t);
}

TEST(store_lookup_find_prev_next)
{
	struct rt_tree t;
	unsigned long s, e;

	rt_init(&t);
	/*
	 * 0x1000 0x2000 0x3000 0x4000 0x5000 0x6000
	 *   |  A  |      |  B   |  C   |
	 */
	st(&t, 0x1000, 0x2000, E(1));
	st(&t, 0x3000, 0x4000, E(2));
	st(&t, 0x4000, 0x5000, E(3));
	EXPECT_STATE(&t, { 0x1000, 0x2000, E(1) }, { 0x3000, 0x4000, E(2) },
		     { 0x4000, 0x5000, E(3) });
	EXPECT_EQ(t.height, 1);
	EXPECT_EQ(rt_node_bytes(&t), 256);

	EXPECT_NULL(rt_lookup(&t, 0xfff, NULL, NULL));
	EXPECT_PTR_EQ(rt_lookup(&t, 0x1000, &s, &e), E(1));
	EXPECT_EQ(s, 0x1000);
	EXPECT_EQ(e, 0x2000);
	EXPECT_PTR_EQ(rt_lookup(&t, 0x1fff, NULL, NULL), E(1));
	EXPECT_NULL(rt_lookup(&t, 0x2000, NULL, NULL));
	EXPECT_PTR_EQ(rt_lookup(&t, 0x4000, NULL, NULL), E(3));
	EXPECT_NULL(rt_lookup(&t, 0x5000, NULL, NULL));

	EXPECT_PTR_EQ(rt_find(&t, 0, &s, &e), E(1));
	EXPECT_PTR_EQ(rt_find(&t, 0x1800, NULL, NULL), E(1));
	EXPECT_PTR_EQ(rt_find(&t, 0x2000, &s, &e), E(2));
	EXPECT_EQ(s, 0x3000);
	EXPECT_PTR_EQ(rt_find(&t, 0x3fff, NULL, NULL), E(2));
	EXPECT_PTR_EQ(rt_find(&t, 0x4000, NULL, NULL), E(3));
	EXPECT_NULL(rt_find(&t, 0x5000, NULL, NULL));
	EXPECT_NULL(rt_find(&t, ULONG_MAX, NULL, NULL));

	EXPECT_NULL(rt_prev(&t, 0x1000, NULL, NULL));
	EXPECT_NULL(rt_prev(&t, 0x1fff, NULL, NULL));
	EXPECT_PTR_EQ(rt_prev(&t, 0x2000, &s, &e), E(1));
	EXPECT_PTR_EQ(rt_prev(&t, 0x3800, NULL, NULL), E(1));
	EXPECT_PTR_EQ(rt_prev(&t, 0x4000, NULL, NULL), E(2));
	EXPECT_PTR_EQ(rt_prev(&t, 0x4800, NULL, NULL), E(2));
	EXPECT_PTR_EQ(rt_prev(&t, ULONG_MAX, &s, &e), E(3));
	EXPECT_EQ(s, 0x4000);

	EXPECT_PTR_EQ(rt_next(&t, 0, NULL, NULL), E(1));
	EXPECT_PTR_EQ(rt_next(&t, 0x1000, NULL, NULL), E(1));
	EXPECT_PTR_EQ(rt_next(&t, 0x1001, NULL, NULL), E(2));
	EXPECT_PTR_EQ(rt_next(&t, 0x3800, &s, &e), E(3));
	EXPECT_EQ(s, 0x4000);
	EXPECT_NULL(rt_next(&t, 0x4001, NULL, NULL));
	destroy(&t);
}

TEST(overwrite_and_trim)
{
	struct rt_tree t;

	rt_init(&t);
	/*     0x1000        0x5000        0x9000
	 *      |      A      |      B      |
	 */
	st(&t, 0x1000, 0x5000, E(1));
	st(&t, 0x5000, 0x9000, E(2));
	/* exact overwrite */
	st(&t, 0x1000, 0x5000, E(3));
	EXPECT_STATE(&t, { 0x1000, 0x5000, E(3) }, { 0x5000, 0x9000, E(2) });
	/* trim the right part of A: |A'|X|B| */
	st(&t, 0x4000, 0x5000, E(4));
	EXPECT_STATE(&t, { 0x1000, 0x4000, E(3) }, { 0x4000, 0x5000, E(4) },
		     { 0x5000, 0x9000, E(2) });
	/* trim the left part of B */
	st(&t, 0x5000, 0x6000, E(5));
	EXPECT_STATE(&t, { 0x1000, 0x4000, E(3) }, { 0x4000, 0x5000, E(4) },
		     { 0x5000, 0x6000, E(5) }, { 0x6000, 0x9000, E(2) });
	/* trim both: covers X and 5 fully, A and B partly */
	st(&t, 0x3000, 0x7000, E(6));
	EXPECT_STATE(&t, { 0x1000, 0x3000, E(3) }, { 0x3000, 0x7000, E(6) },
		     { 0x7000, 0x9000, E(2) });
	/* split in two */
	st(&t, 0x4000, 0x5000, E(7));
	EXPECT_STATE(&t, { 0x1000, 0x3000, E(3) }, { 0x3000, 0x4000, E(6) },
		     { 0x4000, 0x5000, E(7) }, { 0x5000, 0x7000, E(6) },
		     { 0x7000, 0x9000, E(2) });
	/* punch a hole in the middle of a range (erase splits it) */
	st(&t, 0x7800, 0x8000, NULL);
	EXPECT_STATE(&t, { 0x1000, 0x3000, E(3) }, { 0x3000, 0x4000, E(6) },
		     { 0x4000, 0x5000, E(7) }, { 0x5000, 0x7000, E(6) },
		     { 0x7000, 0x7800, E(2) }, { 0x8000, 0x9000, E(2) });
	/* erase across everything but the ends */
	st(&t, 0x2000, 0x8800, NULL);
	EXPECT_STATE(&t, { 0x1000, 0x2000, E(3) }, { 0x8800, 0x9000, E(2) });
	/* erase over a gap only */
	st(&t, 0x2000, 0x8800, NULL);
	EXPECT_STATE(&t, { 0x1000, 0x2000, E(3) }, { 0x8800, 0x9000, E(2) });
	/* merge by one store over both and the gap */
	st(&t, 0x1000, 0x9000, E(8));
	EXPECT_STATE(&t, { 0x1000, 0x9000, E(8) });
	st(&t, 0, 0x10000, NULL);
	EXPECT_EQ(t.nr_entries, 0);
	EXPECT_EQ(t.height, 0);
	destroy(&t);
}

static void build_gapped(struct rt_tree *t, unsigned long n, int order);

/* An exact overwrite is in place: it needs no preallocated node. */
TEST(exact_overwrite_needs_no_node)
{
	struct rt_tree t;
	struct rt_prealloc pa = RT_PREALLOC_INIT;

	rt_init(&t);
	build_gapped(&t, 3000, 1);
	ASSERT_EQ(rt_preallocate(&t, &pa, 101 * P, 102 * P), 0);
	EXPECT_EQ(pa.nr, 1);		/* reserved for an erase */
	rt_prealloc_release(&pa);
	rt_store(&t, &pa, 101 * P, 102 * P, E(7));	/* pa is empty */
	EXPECT_EQ(rt_validate(&t), 0);
	EXPECT_PTR_EQ(rt_lookup(&t, 101 * P, NULL, NULL), E(7));
	st(&t, 103 * P + 0x800, 104 * P, NULL);		/* a COW store */
	rt_store(&t, &pa, 103 * P, 103 * P + 0x800, E(8));	/* right after */
	EXPECT_EQ(rt_validate(&t), 0);
	EXPECT_PTR_EQ(rt_lookup(&t, 103 * P, NULL, NULL), E(8));
	EXPECT_EQ(t.nr_entries, 3000);
	destroy(&t);
}

/*
 * rt_preallocate() keeps its walk and plan for the store that follows.
 * A store of another range, or after another store (an exact overwrite
 * needs no preallocation), must plan afresh.
 */
TEST(store_plans_afresh_after_other_reserve_or_store)
{
	struct rt_tree t;
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	unsigned long s, e;

	rt_init(&t);
	build_gapped(&t, 400, 1);
	/* reserve A (a split), then B (over many leaves), both stores of an
	 * entry: store A */
	ASSERT_EQ(rt_preallocate(&t, &pa, 21 * P + 0x10, 21 * P + 0x20), 0);
	ASSERT_EQ(rt_preallocate_entry(&t, &pa, 101 * P, 301 * P, false), 0);
	rt_store(&t, &pa, 21 * P + 0x10, 21 * P + 0x20, E(1000));
	rt_prealloc_release(&pa);
	ASSERT_EQ(rt_validate(&t), 0);
	EXPECT_PTR_EQ(rt_lookup(&t, 21 * P + 0x10, &s, &e), E(1000));
	EXPECT_EQ(e, 21 * P + 0x20);
	EXPECT_PTR_EQ(rt_lookup(&t, 21 * P, NULL, &e), E(11));
	EXPECT_EQ(e, 21 * P + 0x10);
	EXPECT_PTR_EQ(rt_lookup(&t, 21 * P + 0x20, &s, NULL), E(11));
	EXPECT_EQ(s, 21 * P + 0x20);
	EXPECT_PTR_EQ(rt_lookup(&t, 151 * P, NULL, NULL), E(76));
	EXPECT_EQ(t.nr_entries, 402);
	/* reserve C, overwrite D exactly (no reservation), then store C */
	ASSERT_EQ(rt_preallocate(&t, &pa, 41 * P, 81 * P), 0);
	rt_store(&t, &pa, 201 * P, 202 * P, E(2000));
	rt_store(&t, &pa, 41 * P, 81 * P, NULL);
	rt_prealloc_release(&pa);
	ASSERT_EQ(rt_validate(&t), 0);
	EXPECT_PTR_EQ(rt_lookup(&t, 201 * P, NULL, NULL), E(2000));
	EXPECT_PTR_EQ(rt_find(&t, 41 * P, &s, NULL), E(41));
	EXPECT_EQ(s, 81 * P);
	EXPECT_EQ(t.nr_entries, 402 - 20);
	destroy(&t);
}

TEST(extreme_addresses)
{
	struct rt_tree t;
	unsigned long s, e;

	rt_init(&t);
	st(&t, 0, 1, E(1));
	st(&t, ULONG_MAX - 1, ULONG_MAX, E(2));
	st(&t, 0x1000, ULONG_MAX - 0x1000, E(3));
	EXPECT_STATE(&t, { 0, 1, E(1) }, { 0x1000, ULONG_MAX - 0x1000, E(3) },
		     { ULONG_MAX - 1, ULONG_MAX, E(2) });
	EXPECT_PTR_EQ(rt_lookup(&t, 0, NULL, NULL), E(1));
	EXPECT_NULL(rt_lookup(&t, 1, NULL, NULL));
	EXPECT_PTR_EQ(rt_lookup(&t, ULONG_MAX - 1, NULL, NULL), E(2));
	EXPECT_NULL(rt_lookup(&t, ULONG_MAX, NULL, NULL));
	EXPECT_NULL(rt_find(&t, ULONG_MAX, NULL, NULL));
	EXPECT_PTR_EQ(rt_prev(&t, ULONG_MAX, &s, &e), E(2));
	EXPECT_EQ(e, ULONG_MAX);
	EXPECT_PTR_EQ(rt_next(&t, ULONG_MAX - 1, NULL, NULL), E(2));
	/* Many tiny ranges at the top of the address space: a deep tree. */
	for (unsigned long i = 0; i < 3000; i++)
		st(&t, ULONG_MAX - 2 * (i + 2), ULONG_MAX - 2 * (i + 2) + 1,
		   E(i + 10));
	EXPECT_GE(t.height, 3);
	EXPECT_PTR_EQ(rt_lookup(&t, ULONG_MAX - 4, NULL, NULL), E(10));
	EXPECT_PTR_EQ(rt_prev(&t, ULONG_MAX, NULL, NULL), E(2));
	/* everything from 0 to the top, in one store */
	st(&t, 0, ULONG_MAX, E(99));
	EXPECT_STATE(&t, { 0, ULONG_MAX, E(99) });
	EXPECT_NULL(rt_lookup(&t, ULONG_MAX, NULL, NULL));
	destroy(&t);
}

/* ---- growth, shrink, spans --------------------------------------------- */

static void build_gapped(struct rt_tree *t, unsigned long n, int order)
{
	for (unsigned long k = 0; k < n; k++) {
		unsigned long i = order >= 0 ? k : n - 1 - k;

		st_unchecked(t, (2 * i + 1) * P, (2 * i + 2) * P, E(i + 1));
		if (k % 997 == 0)	/* every store would be quadratic */
			ASSERT_EQ(rt_validate(t), 0);
	}
	ASSERT_EQ(rt_validate(t), 0);
}

TEST(ascending_descending_dense)
{
	struct rt_tree t;

	for (int order = 1; order >= -1; order -= 2) {
		rt_init(&t);
		build_gapped(&t, 20000, order);
		EXPECT_EQ(t.nr_entries, 20000);
		/* packed leaves: well under 32 bytes of node per range */
		EXPECT_LT(rt_node_bytes(&t) / 20000, 32);
		EXPECT_GE(t.height, 4);
		for (unsigned long i = 0; i < 20000; i += 7) {
			unsigned long s, e;

			EXPECT_PTR_EQ(rt_lookup(&t, (2 * i + 1) * P + 5, &s,
						&e), E(i + 1));
			EXPECT_EQ(s, (2 * i + 1) * P);
			EXPECT_NULL(rt_lookup(&t, (2 * i + 2) * P, NULL, NULL));
			EXPECT_PTR_EQ(rt_find(&t, (2 * i + 2) * P, NULL, NULL),
				      i + 1 < 20000 ? E(i + 2) : NULL);
			EXPECT_PTR_EQ(rt_prev(&t, (2 * i + 1) * P, NULL, NULL),
				      i ? E(i) : NULL);
		}
		destroy(&t);
	}
}

/*
 * The heights docs/tree.md quotes for N one-page ranges built ascending
 * (the layout of an address space that grows upwards; bench_tree builds
 * the same): 2 at 100, 3 at 1000, 4 at 10000, 5 at 65530 (max_map_count).
 */
TEST(height_built_ascending)
{
	static const struct {
		unsigned long n;
		unsigned int height;
	} want[] = { { 100, 2 }, { 1000, 3 }, { 10000, 4 }, { 65530, 5 } };
	struct rt_tree t;

	for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
		rt_init(&t);
		build_gapped(&t, want[k].n, 1);
		printf("# %lu one-page ranges built ascending: height %u, "
		       "%lu nodes\n", want[k].n, t.height, t.nr_nodes);
		EXPECT_EQ(t.nr_entries, want[k].n);
		EXPECT_EQ(t.height, want[k].height);
		destroy(&t);
	}
}

TEST(erase_across_many_nodes)
{
	struct rt_tree t;
	struct rt_iter it;
	unsigned long s, e, n = 0, prev_end = 0;
	void *v;

	rt_init(&t);
	build_gapped(&t, 10000, 1);
	ASSERT_TRUE(t.height >= 4);
	/* erase ranges 1000..8999 at once: spans thousands of leaves */
	st(&t, 2001 * P, 18001 * P, NULL);
	EXPECT_EQ(t.nr_entries, 2000);
	rt_iter_init(&it, &t, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e))) {
		unsigned long i = n < 1000 ? n : n + 8000;

		EXPECT_EQ(s, (2 * i + 1) * P);
		EXPECT_PTR_EQ(v, E(i + 1));
		EXPECT_GE(s, prev_end);
		prev_end = e;
		n++;
	}
	EXPECT_EQ(n, 2000);
	/* store one range over a span that cuts two ranges in the middle */
	st(&t, 501 * P + 0x800, 19501 * P + 0x800, E(7));
	EXPECT_PTR_EQ(rt_lookup(&t, 501 * P, &s, &e), E(251));
	EXPECT_EQ(e, 501 * P + 0x800);
	EXPECT_PTR_EQ(rt_lookup(&t, 10000 * P, &s, &e), E(7));
	EXPECT_EQ(s, 501 * P + 0x800);
	EXPECT_EQ(e, 19501 * P + 0x800);
	EXPECT_PTR_EQ(rt_lookup(&t, 19501 * P + 0x800, &s, &e), E(9751));
	EXPECT_EQ(s, 19501 * P + 0x800);
	EXPECT_EQ(t.nr_entries, 251 + 1 + 1 + 249);
	/* erase everything but the first and last range */
	st(&t, 2 * P, 19999 * P, NULL);
	EXPECT_STATE(&t, { P, 2 * P, E(1) }, { 19999 * P, 20000 * P, E(10000) });
	EXPECT_EQ(t.height, 1);
	destroy(&t);
}

/* A munmap-like loop: the writer erases as it iterates. */
TEST(iterate_while_storing)
{
	struct rt_tree t;
	struct rt_iter it;
	unsigned long s, e, n = 0;
	void *v;

	rt_init(&t);
	build_gapped(&t, 3000, 1);
	rt_iter_init(&it, &t, 101 * P, 4001 * P);
	while ((v = rt_iter_next(&it, &s, &e))) {
		EXPECT_EQ(s, (2 * (50 + n) + 1) * P);
		EXPECT_PTR_EQ(v, E(51 + n));
		st(&t, s, e, NULL);
		n++;
	}
	EXPECT_EQ(n, 1950);
	EXPECT_EQ(t.nr_entries, 3000 - 1950);
	destroy(&t);
}

/*
 * Windows [a, b) of a tree with hundreds of leaves, walked with rt_iter
 * (which steps from leaf to sibling leaf) and with a chain of rt_find calls
 * (which routes from the root each time): the same ranges, in order. The
 * tree is thinned at random first, so leaves have every fill.
 */
TEST(iter_windows_match_find_chain)
{
	struct rng r = { harness_seed() + 3 };
	struct rt_tree t;

	rt_init(&t);
	build_gapped(&t, 6000, 1);
	for (int k = 0; k < 900; k++) {
		unsigned long i = rnd_below(&r, 6000);

		st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	}
	ASSERT_EQ(rt_validate(&t), 0);
	ASSERT_TRUE(t.height >= 4);
	for (int q = 0; q < 160; q++) {
		/* every eighth: from low down to the end, a long walk */
		unsigned long a = rnd_below(&r, (q % 8 ? 12002 : 600) * P);
		unsigned long b = q % 8 ? a + rnd_below(&r, 4000 * P) : ULONG_MAX;
		unsigned long s, e, fs, fe, pos = a, n = 0;
		struct rt_iter it;
		void *v, *f;

		rt_iter_init(&it, &t, a, b);
		while ((v = rt_iter_next(&it, &s, &e))) {
			f = rt_find(&t, pos, &fs, &fe);
			ASSERT_PTR_EQ(v, f);
			ASSERT_EQ(s, fs);
			ASSERT_EQ(e, fe);
			ASSERT_TRUE(s < b && e > pos);
			pos = e;
			n++;
		}
		f = rt_find(&t, pos, &fs, NULL);
		ASSERT_TRUE(!f || fs >= b);
		EXPECT_NULL(rt_iter_next(&it, NULL, NULL));	/* stays ended */
		if (q % 8 == 0)
			EXPECT_GT(n, 4000);
	}
	destroy(&t);
}

/*
 * rt_iter_seek() from iterators in every state (fresh, right after a
 * seek, after steps, ended, after a store) lands where rt_find() does,
 * and the walk from there is rt_find()'s chain; rt_iter_prev_entry() and
 * rt_iter_next_entry() after each step agree with rt_prev() and rt_next().
 * Seeks near the last position take the remembered leaf, far ones and
 * ones after a store walk: both must give the same answers.
 */
TEST(iter_seek_and_neighbours_match_find)
{
	struct rng r = { harness_seed() + 5 };
	struct rt_tree t;
	struct rt_iter it, keep;

	rt_init(&t);
	build_gapped(&t, 3000, 1);
	for (int k = 0; k < 700; k++) {
		unsigned long i = rnd_below(&r, 3000);

		st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	}
	st(&t, 0, P, E(5000));			/* the first range at 0 */
	ASSERT_TRUE(t.height >= 3);
	rt_iter_init(&keep, &t, 0, 0);
	for (int q = 0; q < 4000; q++) {
		/* mostly near the previous seek, sometimes anywhere */
		unsigned long base = keep.pos, a, b, s, e, fs, fe, ps, pe, pos;
		unsigned long n = 0;
		void *v, *f, *g;

		if (q % 5 == 0 || base > 6300 * P)
			a = rnd_below(&r, 6200 * P);
		else
			a = base + rnd_below(&r, 16 * P) - min_t(unsigned long,
								  base, 6 * P);
		if (q % 7 == 0)
			a &= ~(P - 1);			/* on a range's edge */
		b = a + rnd_below(&r, 12 * P) + 1;
		it = keep;
		if (q % 11 == 3) {			/* a store since: walks */
			unsigned long i = rnd_below(&r, 3000);

			st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P,
				     q % 2 ? E(i + 1) : NULL);
		}
		f = rt_find(&t, a, &fs, NULL);
		v = rt_iter_seek(&it, a, b);
		ASSERT_PTR_EQ(v, f && fs < b ? f : NULL);
		ASSERT_EQ(it.pos, f ? a : b);
		keep = it;
		pos = a;
		while ((v = rt_iter_next(&it, &s, &e))) {
			f = rt_find(&t, pos, &fs, &fe);
			ASSERT_PTR_EQ(v, f);
			ASSERT_EQ(s, fs);
			ASSERT_EQ(e, fe);
			ASSERT_TRUE(s < b);
			g = rt_iter_prev_entry(&it, &ps, &pe);
			ASSERT_PTR_EQ(g, rt_prev(&t, s, &fs, &fe));
			if (g) {
				ASSERT_EQ(ps, fs);
				ASSERT_EQ(pe, fe);
				ASSERT_TRUE(rt_iter_prev_end(&it, &pe));
				ASSERT_EQ(pe, fe);
			} else {
				ASSERT_FALSE(rt_iter_prev_end(&it, &pe));
			}
			g = rt_iter_next_entry(&it, &ps, &pe);
			ASSERT_PTR_EQ(g, rt_next(&t, e, &fs, &fe));
			if (g) {
				ASSERT_EQ(ps, fs);
				ASSERT_EQ(pe, fe);
				ASSERT_TRUE(rt_iter_next_start(&it, &ps));
				ASSERT_EQ(ps, fs);
			} else {
				ASSERT_FALSE(rt_iter_next_start(&it, &ps));
			}
			pos = e;
			n++;
		}
		f = rt_find(&t, pos, &fs, NULL);
		ASSERT_TRUE(!f || fs >= b);
		if (q % 3 == 0)
			keep = it;			/* an ended iterator */
	}
	ASSERT_EQ(rt_validate(&t), 0);
	destroy(&t);
}

/*
 * The writer stores between steps, before and after the iterator's
 * place: each step after a store routes again from the end of the range
 * returned last. Ranges that stay for the whole walk are each returned
 * once, in order; nothing below a returned range is returned after it.
 */
TEST(iter_with_stores_between_steps)
{
	struct rng r = { harness_seed() + 5 };
	struct rt_tree t;
	struct rt_iter it;
	unsigned long s, e, last = 0, kept = 0;
	static bool gone[6000];
	void *v;

	memset(gone, 0, sizeof(gone));
	rt_init(&t);
	build_gapped(&t, 6000, 1);	/* E(i + 1) at (2i + 1)P; even i stay */
	rt_iter_init(&it, &t, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e))) {
		unsigned long i = (uintptr_t)v - 1, j;

		ASSERT_TRUE(s >= last);
		last = e;
		if (i < 6000) {		/* not a fill */
			ASSERT_FALSE(gone[i]);	/* not one erased before */
			if (i % 2 == 0)
				ASSERT_EQ(i, 2 * kept++);	/* none skipped */
		}
		switch (rnd_below(&r, 4)) {
		case 0:		/* erase an odd one, anywhere */
			j = 2 * rnd_below(&r, 3000) + 1;
			st(&t, (2 * j + 1) * P, (2 * j + 2) * P, NULL);
			gone[j] = true;
			break;
		case 1:		/* fill a gap, anywhere */
			j = rnd_below(&r, 6000);
			st(&t, (2 * j + 2) * P, (2 * j + 2) * P + 0x800,
			   E(0x100000 + j));
			break;
		default:	/* no store: the next step is in place */
			break;
		}
	}
	EXPECT_EQ(kept, 3000);
	destroy(&t);
}

/* ---- randomized, against a naive sorted array --------------------------- */

struct ref {
	struct rg *r, *tmp;
	unsigned long n, cap;
};

static void ref_store(struct ref *m, unsigned long s, unsigned long e,
		      void *v)
{
	unsigned long i, k = 0;
	bool put = false;
	struct rg *x;

	for (i = 0; i < m->n; i++) {
		struct rg r = m->r[i];

		if (r.e <= s) {
			m->tmp[k++] = r;
			continue;
		}
		if (r.s < s)
			m->tmp[k++] = (struct rg){ r.s, s, r.v };
		if (!put) {
			if (v)
				m->tmp[k++] = (struct rg){ s, e, v };
			put = true;
		}
		if (r.s >= e)
			m->tmp[k++] = r;
		else if (r.e > e)
			m->tmp[k++] = (struct rg){ e, r.e, r.v };
	}
	if (!put && v)
		m->tmp[k++] = (struct rg){ s, e, v };
	ASSERT_TRUE(k <= m->cap);
	x = m->r;
	m->r = m->tmp;
	m->tmp = x;
	m->n = k;
}

static void ref_check_order(const struct ref *m)
{
	for (unsigned long i = 1; i < m->n; i++)
		ASSERT_TRUE(m->r[i - 1].e <= m->r[i].s);
}

/* Point queries at random addresses, compared with the model. */
static void check_points(const struct rt_tree *t, const struct ref *m,
			 struct rng *r, unsigned long space, int count)
{
	for (int q = 0; q < count; q++) {
		unsigned long a = rnd_below(r, space), s = 0, e = 0, i;
		const struct rg *in = NULL, *nx = NULL, *pv = NULL;
		void *v;

		for (i = 0; i < m->n; i++) {
			if (m->r[i].e <= a)
				pv = &m->r[i];
			else if (!nx)
				nx = &m->r[i];
			if (m->r[i].s <= a && a < m->r[i].e)
				in = &m->r[i];
		}
		v = rt_lookup(t, a, &s, &e);
		ASSERT_PTR_EQ(v, in ? in->v : NULL);
		if (in) {
			ASSERT_EQ(s, in->s);
			ASSERT_EQ(e, in->e);
		}
		v = rt_find(t, a, &s, &e);
		ASSERT_PTR_EQ(v, nx ? nx->v : NULL);
		if (nx)
			ASSERT_EQ(s, nx->s);
		v = rt_prev(t, a, &s, &e);
		ASSERT_PTR_EQ(v, pv ? pv->v : NULL);
		if (pv)
			ASSERT_EQ(e, pv->e);
		v = rt_next(t, a, &s, &e);
		if (nx && nx->s < a)
			nx = nx + 1 < m->r + m->n ? nx + 1 : NULL;
		ASSERT_PTR_EQ(v, nx ? nx->v : NULL);
		if (nx)
			ASSERT_EQ(s, nx->s);
	}
}

/*
 * ThreadSanitizer makes the whole-tree checks after every op some 30 times
 * slower; the sequential logic is covered by the other builds, so under it
 * the random runs do a twentieth of the ops.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_OPS_DIVISOR 20
#endif
#endif
#ifndef RT_OPS_DIVISOR
#define RT_OPS_DIVISOR 1
#endif

static void random_run(unsigned long space_pages, unsigned long ops,
		       unsigned long maxlen, unsigned long prefill,
		       unsigned int want_height)
{
	struct rng r = { harness_seed() ^ space_pages };
	struct ref m = { 0 };
	struct rt_tree t;
	unsigned int max_height = 0;
	long live0;

	vas_rcu_barrier();
	live0 = vas_alloc_live();
	ops /= RT_OPS_DIVISOR;

	m.cap = space_pages + 8;
	m.r = calloc(m.cap, sizeof(*m.r));
	m.tmp = calloc(m.cap, sizeof(*m.tmp));
	ASSERT_TRUE(m.r && m.tmp);
	rt_init(&t);
	for (unsigned long i = 0; i < prefill; i++) {
		unsigned long s = 2 * i * P + P;

		st_unchecked(&t, s, s + P, E(0x100000 + i));
		/* ascending: the reference just appends (ref_store copies) */
		m.r[m.n++] = (struct rg){ s, s + P, E(0x100000 + i) };
	}
	ASSERT_EQ(rt_validate(&t), 0);
	expect_state(&t, m.r, m.n);
	for (unsigned long op = 1; op <= ops; op++) {
		unsigned long len = 1 + rnd_below(&r, rnd_below(&r, 64) ?
						  4 : maxlen);
		unsigned long sp = rnd_below(&r, space_pages);
		unsigned long s = sp * P, e = s + len * P;
		void *v = rnd_below(&r, 4) ? E(op) : NULL;

		/* sometimes odd, unaligned bounds */
		if (!rnd_below(&r, 16)) {
			s += rnd_below(&r, P / 2);
			e -= rnd_below(&r, P / 2);
		}
		st(&t, s, e, v);
		ref_store(&m, s, e, v);
		ref_check_order(&m);
		if (t.height > max_height)
			max_height = t.height;
		if (m.n < 3000 || op % 64 == 0)
			expect_state(&t, m.r, m.n);
		if (op % 256 == 0)
			check_points(&t, &m, &r, space_pages * P + P, 8);
		if (harness_now() < 0)	/* keep the compiler honest */
			break;
	}
	expect_state(&t, m.r, m.n);
	EXPECT_GE(max_height, want_height);
	printf("# random: space %lu pages, %lu ops, %lu ranges left, "
	       "max height %u, %zu node bytes\n", space_pages, ops, m.n,
	       max_height, rt_node_bytes(&t));
	destroy(&t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
	free(m.r);
	free(m.tmp);
}

TEST(random_small_vs_reference)
{
	/* ~1000 ranges: height 2-3, every op compared whole */
	random_run(2000, 30000, 64, 0, 2);
}

TEST(random_large_vs_reference)
{
	/* thousands of ranges: height 4 */
	random_run(40000, 20000, 300, 15000, 4);
}

TEST(random_height5)
{
	/* 70000 ranges built ascending, then churn: height 5 */
	random_run(140000, 4000, 500, 70000, 5);
}

/* ---- allocation failure -------------------------------------------------- */

/* Snapshot of a tree's ranges, for "unchanged" checks. */
static unsigned long snap(const struct rt_tree *t, struct rg *out,
			  unsigned long max)
{
	struct rt_iter it;
	unsigned long n = 0, s, e;
	void *v;

	rt_iter_init(&it, t, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e)) && n < max)
		out[n++] = (struct rg){ s, e, v };
	return n;
}

static void fail_each(struct rt_tree *t, unsigned long s, unsigned long e,
		      void *v)
{
	static struct rg before[4096];
	unsigned long n = snap(t, before, ARRAY_SIZE(before));
	unsigned long nodes = t->nr_nodes;

	for (unsigned long k = 1;; k++) {
		struct rt_prealloc pa = RT_PREALLOC_INIT;
		int err;

		vas_fail_reset();
		vas_fail_nth(k);
		err = rt_preallocate(t, &pa, s, e);
		vas_fail_reset();
		if (err == 0) {
			rt_store(t, &pa, s, e, v);
			rt_prealloc_release(&pa);
			ASSERT_EQ(rt_validate(t), 0);
			break;
		}
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_NULL(pa.nodes);
		ASSERT_EQ(pa.nr, 0);
		ASSERT_EQ(rt_validate(t), 0);
		ASSERT_EQ(t->nr_nodes, nodes);
		expect_state(t, before, n);
		ASSERT_TRUE(k < 100);
	}
}

TEST(prealloc_failure_leaves_tree_unchanged)
{
	struct rt_tree t;
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	long live0;

	vas_rcu_barrier();
	live0 = vas_alloc_live();

	rt_init(&t);
	fail_each(&t, P, 2 * P, E(1));		/* into the empty tree */
	build_gapped(&t, 2000, 1);
	fail_each(&t, 3 * P + 0x100, 3 * P + 0x200, E(2));	/* split */
	fail_each(&t, 2 * P, 3000 * P, NULL);	/* erase across nodes */
	fail_each(&t, 1 * P, 4000 * P, E(3));	/* replace almost all */
	fail_each(&t, 0, ULONG_MAX, NULL);	/* empty it */
	EXPECT_EQ(t.nr_entries, 0);

	/*
	 * A failing site: -ENOMEM, and a pa that held nodes keeps them.
	 * Tree u is one leaf of 9 ranges: inserting in the middle takes one
	 * node. Tree t's first leaf is full: the same insert takes three
	 * (two leaves and a parent), so the second call must allocate.
	 */
	build_gapped(&t, 500, 1);
	{
		struct rt_tree u;

		rt_init(&u);
		build_gapped(&u, 9, 1);
		ASSERT_EQ(rt_preallocate(&u, &pa, 2 * P + 1, 2 * P + 2), 0);
		EXPECT_EQ(pa.nr, 1);
		vas_fail_site(VAS_FP_TREE_NODE, true);
		EXPECT_EQ(rt_preallocate(&t, &pa, 2 * P + 1, 2 * P + 2),
			  -ENOMEM);
		vas_fail_site(VAS_FP_TREE_NODE, false);
		EXPECT_EQ(pa.nr, 1);
		rt_store(&u, &pa, 2 * P + 1, 2 * P + 2, E(5));
		EXPECT_EQ(pa.nr, 0);
		EXPECT_EQ(rt_validate(&u), 0);
		EXPECT_EQ(u.nr_entries, 10);
		destroy(&u);
	}
	rt_prealloc_release(&pa);
	EXPECT_EQ(rt_validate(&t), 0);
	EXPECT_EQ(t.nr_entries, 500);
	vas_fail_reset();
	destroy(&t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
}

TEST(destroy_without_memory_for_batch)
{
	struct rt_tree t;
	long live0;

	vas_rcu_barrier();
	live0 = vas_alloc_live();

	rt_init(&t);
	build_gapped(&t, 300, 1);	/* appends: no batch header kept */
	vas_fail_site(VAS_FP_TREE_NODE, true);
	rt_destroy(&t);			/* falls back to synchronize_rcu */
	vas_fail_reset();
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
}

/* ---- bulk copy, in-place replacement, truncation (fork) ---------------- */

/* Gapped ranges, some erased at random so that leaves have every fill. */
static void build_thinned(struct rt_tree *t, unsigned long n, struct rng *r)
{
	build_gapped(t, n, 1);
	for (unsigned long k = 0; k < n / 5; k++) {
		unsigned long i = rnd_below(r, n);

		st_unchecked(t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	}
	ASSERT_EQ(rt_validate(t), 0);
}

TEST(dup_copies_shape_and_entries)
{
	static const unsigned long sizes[] = { 0, 1, 9, 10, 11, 160, 2000, 12000 };
	static struct rg want[12000], got[12000];
	struct rng r = { harness_seed() + 7 };
	long live0;

	vas_rcu_barrier();
	live0 = vas_alloc_live();
	for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
		struct rt_tree t, c;
		unsigned long n;

		rt_init(&t);
		rt_init(&c);
		build_thinned(&t, sizes[z], &r);
		n = snap(&t, want, ARRAY_SIZE(want));
		ASSERT_EQ(rt_dup(&c, &t), 0);
		ASSERT_EQ(rt_validate(&c), 0);
		EXPECT_EQ(c.height, t.height);
		EXPECT_EQ(c.nr_nodes, t.nr_nodes);
		expect_state(&c, want, n);
		if (t.root)
			EXPECT_TRUE(c.root != t.root);
		/* the copy is independent: change it all over */
		for (unsigned long i = 0; i < sizes[z]; i += 3)
			st_unchecked(&c, (2 * i + 1) * P, (2 * i + 3) * P,
				     E(0x200000 + i));
		st(&c, 0, 2 * sizes[z] / 3 * P, NULL);
		expect_state(&t, want, n);
		ASSERT_EQ(rt_validate(&t), 0);
		EXPECT_EQ(snap(&t, got, ARRAY_SIZE(got)), n);
		destroy(&c);
		destroy(&t);
	}
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
}

TEST(dup_failure_leaves_copy_empty)
{
	static struct rg want[3000];
	struct rng r = { harness_seed() + 9 };
	struct rt_tree t, c;
	unsigned long n, k;
	long live0;

	vas_rcu_barrier();
	rt_init(&t);
	build_thinned(&t, 3000, &r);	/* height 3-4, a few hundred nodes */
	n = snap(&t, want, ARRAY_SIZE(want));
	vas_rcu_barrier();
	live0 = vas_alloc_live();
	for (k = 1;; k++) {
		int err;

		rt_init(&c);
		vas_fail_nth(k);
		err = rt_dup(&c, &t);
		vas_fail_reset();
		if (!err)
			break;
		ASSERT_EQ(err, -ENOMEM);
		ASSERT_NULL(c.root);
		EXPECT_EQ(c.nr_nodes, 0);
		EXPECT_EQ(c.nr_entries, 0);
		EXPECT_EQ(rt_validate(&c), 0);
		EXPECT_EQ(vas_alloc_live(), live0);	/* freed at once */
		ASSERT_TRUE(k <= t.nr_nodes);
	}
	EXPECT_EQ(k, t.nr_nodes + 1);	/* every node's allocation failed once */
	expect_state(&t, want, n);
	expect_state(&c, want, n);
	ASSERT_EQ(rt_validate(&c), 0);
	destroy(&c);
	destroy(&t);
}

TEST(iter_replace_in_place)
{
	struct rng r = { harness_seed() + 11 };
	struct rt_tree t, c;
	struct rt_iter it;
	unsigned long s, e, n = 0, seq;
	void *v;

	rt_init(&t);
	rt_init(&c);
	build_thinned(&t, 2000, &r);
	ASSERT_EQ(rt_dup(&c, &t), 0);
	seq = c.__seq;
	rt_iter_init(&it, &c, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e))) {
		rt_iter_replace(&it, E((uintptr_t)v + 0x400000));
		n++;
	}
	EXPECT_EQ(n, t.nr_entries);
	EXPECT_EQ(c.__seq, seq);	/* not a store */
	rt_iter_init(&it, &t, 0, ULONG_MAX);
	while ((v = rt_iter_next(&it, &s, &e))) {
		unsigned long cs, ce;

		EXPECT_PTR_EQ(rt_lookup(&c, s, &cs, &ce),
			      E((uintptr_t)v + 0x400000));
		EXPECT_EQ(cs, s);
		EXPECT_EQ(ce, e);
		EXPECT_PTR_EQ(rt_lookup(&t, s, NULL, NULL), v);
	}
	EXPECT_EQ(rt_validate(&c), 0);
	destroy(&c);
	destroy(&t);
}

TEST(truncate_at_every_kind_of_point)
{
	static struct rg want[1500];
	struct rng r = { harness_seed() + 13 };
	struct rt_tree t;
	unsigned long n;
	long live0;

	vas_rcu_barrier();
	rt_init(&t);
	build_thinned(&t, 1500, &r);	/* height 3 */
	n = snap(&t, want, ARRAY_SIZE(want));
	vas_rcu_barrier();
	live0 = vas_alloc_live();
	for (unsigned long q = 0; q < 3 * n + 4; q++) {
		struct rt_tree c;
		unsigned long from, keep = 0;

		/* each start, each end, inside each range; 0, the top, random */
		if (q < 3 * n)
			from = q % 3 == 0 ? want[q / 3].s :
			       q % 3 == 1 ? want[q / 3].e : want[q / 3].s + 1;
		else
			from = q == 3 * n ? 0 : q == 3 * n + 1 ? ULONG_MAX :
			       rnd_below(&r, 3002 * P);
		if (q % 7 && q < 3 * n)
			continue;	/* a seventh of them: quadratic otherwise */
		while (keep < n && want[keep].e <= from)
			keep++;
		rt_init(&c);
		ASSERT_EQ(rt_dup(&c, &t), 0);
		rt_truncate(&c, from);
		ASSERT_EQ(rt_validate(&c), 0);
		expect_state(&c, want, keep);
		/* it takes stores afterwards */
		st(&c, 3004 * P, 3005 * P, E(1));
		EXPECT_PTR_EQ(rt_lookup(&c, 3004 * P, NULL, NULL), E(1));
		rt_truncate(&c, 0);
		EXPECT_NULL(c.root);
		EXPECT_EQ(c.height, 0);
		EXPECT_EQ(rt_validate(&c), 0);
		destroy(&c);
	}
	expect_state(&t, want, n);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
	destroy(&t);
}

/*
 * Replaced nodes wait for their grace period in the tree; then the writer
 * frees them itself at its next reservation (the RCU callback only marks
 * the batch done). A tree destroyed with batches still waiting leaves them
 * to their callbacks; nothing leaks either way.
 */
TEST(replaced_nodes_freed_by_writer_after_grace_period)
{
	struct rt_tree t;
	struct rt_prealloc pa = RT_PREALLOC_INIT;
	long live0, held, after;

	vas_rcu_barrier();
	live0 = vas_alloc_live();
	rt_init(&t);
	build_gapped(&t, 300, 1);
	for (unsigned long i = 0; i < 300; i += 2)	/* each copies a leaf */
		st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	held = vas_alloc_live();
	EXPECT_GT(held, live0 + (long)t.nr_nodes);	/* the last ones wait */
	vas_rcu_barrier();	/* every batch is done now: nothing freed yet */
	EXPECT_EQ(vas_alloc_live(), held);
	ASSERT_EQ(rt_preallocate(&t, &pa, 1, 2), 0);	/* harvests them */
	rt_prealloc_release(&pa);
	after = vas_alloc_live();
	EXPECT_LT(after, held);
	EXPECT_LE(after, live0 + (long)t.nr_nodes + 4);	/* + plan, spare */
	ASSERT_EQ(rt_validate(&t), 0);
	EXPECT_EQ(t.nr_entries, 150);
	/* batches still waiting when the tree goes */
	for (unsigned long i = 1; i < 300; i += 4)
		st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	destroy(&t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
	/* and batches already done when it goes */
	rt_init(&t);
	build_gapped(&t, 300, 1);
	for (unsigned long i = 0; i < 300; i += 2)
		st_unchecked(&t, (2 * i + 1) * P, (2 * i + 2) * P, NULL);
	vas_rcu_barrier();
	destroy(&t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
	/* a big erase is freed by its callback: nothing held when idle */
	rt_init(&t);
	build_gapped(&t, 3000, 1);
	ASSERT_EQ(rt_preallocate(&t, &pa, 1, 2), 0);	/* plan allocated */
	rt_prealloc_release(&pa);
	vas_rcu_barrier();
	held = vas_alloc_live();
	st_unchecked(&t, 2 * P, 5990 * P, NULL);	/* ~290 leaves */
	vas_rcu_barrier();
	EXPECT_LT(vas_alloc_live(), held - 200);
	EXPECT_LE(vas_alloc_live(), live0 + (long)t.nr_nodes + 4);
	destroy(&t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
}

/* ---- concurrency --------------------------------------------------------- */

/* Each entry knows the range it was stored with; trims only shrink it. */
struct cobj {
	unsigned long s, e;
};

#define C_BASE 0x100000000000UL
#define C_PAGES 8192UL

struct cshared {
	struct rt_tree t;
	int stop;
	unsigned long reads, iters, errors;
};

static bool cobj_ok(const struct cobj *o, unsigned long s, unsigned long e)
{
	return o && s < e && o->s <= s && e <= o->e;
}

static void *c_reader(void *arg)
{
	struct cshared *c = arg;
	struct rng r = { (uint64_t)(uintptr_t)&r ^ harness_seed() };
	unsigned long reads = 0, iters = 0, errors = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		unsigned long a = C_BASE + rnd_below(&r, C_PAGES * P);
		unsigned long s, e;
		const struct cobj *o;

		vas_rcu_read_lock();
		o = rt_lookup(&c->t, a, &s, &e);
		if (o && (!cobj_ok(o, s, e) || a < s || a >= e))
			errors++;
		o = rt_find(&c->t, a, &s, &e);
		if (o && (!cobj_ok(o, s, e) || e <= a))
			errors++;
		o = rt_prev(&c->t, a, &s, &e);
		if (o && (!cobj_ok(o, s, e) || e > a))
			errors++;
		vas_rcu_read_unlock();
		reads++;
		if (reads % 64 == 0) {
			struct rt_iter it;
			/* now and then the whole tree: many sibling steps */
			unsigned long lim = reads % 4096 ? a + 512 * P :
					    ULONG_MAX, last = a;

			vas_rcu_read_lock();
			rt_iter_init(&it, &c->t, a, lim);
			while ((o = rt_iter_next(&it, &s, &e))) {
				if (!cobj_ok(o, s, e) || e <= last ||
				    s >= lim)
					errors++;
				last = e;
			}
			vas_rcu_read_unlock();
			iters++;
		}
	}
	__atomic_add_fetch(&c->reads, reads, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->iters, iters, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->errors, errors, __ATOMIC_RELAXED);
	return NULL;
}

TEST(concurrent_readers_and_writer)
{
	static struct cshared c;
	long live0;
	struct rng r = { harness_seed() + 17 };
	double until = harness_now() + harness_seconds(2.0);
	struct cobj **objs;
	unsigned long nobj = 0, cap = 1 << 22, ops = 0;
	pthread_t th[2];

	vas_rcu_barrier();
	live0 = vas_alloc_live();
	objs = calloc(cap, sizeof(*objs));
	ASSERT_NOT_NULL(objs);
	memset(&c, 0, sizeof(c));
	rt_init(&c.t);
	for (unsigned long i = 0; i < C_PAGES / 2; i++) {
		struct cobj *o = malloc(sizeof(*o));

		ASSERT_NOT_NULL(o);
		o->s = C_BASE + 2 * i * P;
		o->e = o->s + P;
		objs[nobj++] = o;
		st(&c.t, o->s, o->e, o);
	}
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, c_reader, &c), 0);
	while (harness_now() < until && nobj + 4 < cap) {
		unsigned long a = C_BASE + rnd_below(&r, C_PAGES) * P;
		unsigned long len = (1 + rnd_below(&r, rnd_below(&r, 32) ?
						   3 : 64)) * P;
		struct rt_prealloc pa = RT_PREALLOC_INIT;
		unsigned long s, e;
		struct cobj *o = NULL;
		int kind = (int)rnd_below(&r, 4);

		if (kind == 3) {
			/* exact overwrite of an existing range */
			if (!rt_find(&c.t, a, &s, &e))
				continue;
			a = s;
			len = e - s;
		}
		if (kind != 0) {
			o = malloc(sizeof(*o));
			ASSERT_NOT_NULL(o);
			o->s = a;
			o->e = a + len;
			objs[nobj++] = o;
		}
		ASSERT_EQ(rt_preallocate(&c.t, &pa, a, a + len), 0);
		rt_store(&c.t, &pa, a, a + len, o);
		rt_prealloc_release(&pa);
		if (++ops % 1024 == 0)
			ASSERT_EQ(rt_validate(&c.t), 0);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("# concurrent: %lu stores, %lu reads, %lu iterations, "
	       "height %u, %lu ranges\n", ops, c.reads, c.iters, c.t.height,
	       c.t.nr_entries);
	EXPECT_EQ(c.errors, 0);
	EXPECT_GT(c.reads, 0);
	EXPECT_GT(ops, 100);
	EXPECT_EQ(rt_validate(&c.t), 0);
	destroy(&c.t);
	vas_rcu_barrier();
	EXPECT_EQ(vas_alloc_live(), live0);
	for (unsigned long i = 0; i < nobj; i++)
		free(objs[i]);
	free(objs);
}
