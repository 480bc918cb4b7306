// SPDX-License-Identifier: MIT
/*
 * test_mmap.c - mmap, munmap and mprotect through the public API: merging,
 * splitting, MAP_FIXED replacement, errnos, accounting; the whole layout
 * checked after each step (flags included) and the validator run.
 */
#include <errno.h>
#include <limits.h>
#include "harness.h"
#include <vas/vas.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "mm/mm.h"
#include "pgtable/pgtable.h"

#define W 0x200000000000UL
#define P 4096UL
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define VM_RW (VAS_VM_READ | VAS_VM_WRITE)
#define MAYS (VAS_VM_MAYREAD | VAS_VM_MAYWRITE | VAS_VM_MAYEXEC)

struct f {
	struct vas_machine *m;
	struct vas_mm_user *mm;
};

static void setup(struct f *f)
{
	ASSERT_EQ(vas_machine_create(NULL, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
}

static void teardown(struct f *f)
{
	EXPECT_EQ(vas_mm_validate(f->mm), 0);
	vas_mm_put(f->mm);
	EXPECT_EQ(vas_machine_destroy(f->m), 0);
}

struct want {
	unsigned long start, end, flags, pgoff;
};

/* Exactly these VMAs, with these flags and pgoffs. */
static void expect_vmas_(const char *file, int line, struct vas_mm_user *mm,
			 const struct want *w, int n)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	int i = 0;

	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, mm))) {
		if (i < n && (vas_vma_start(v) != w[i].start ||
			      vas_vma_end(v) != w[i].end ||
			      vas_vma_flags(v) != w[i].flags ||
			      vas_vma_pgoff(v) != w[i].pgoff))
			harness_fail(file, line,
				     "VMA %d is [%#lx,%#lx) flags %#lx pgoff %#lx; want "
				     "[%#lx,%#lx) flags %#lx pgoff %#lx", i,
				     vas_vma_start(v), vas_vma_end(v), vas_vma_flags(v),
				     vas_vma_pgoff(v), w[i].start, w[i].end,
				     w[i].flags, w[i].pgoff);
		i++;
	}
	vas_mmap_read_unlock(mm);
	if (i != n)
		harness_fail(file, line, "%d VMAs, want %d", i, n);
	if (vas_mm_validate(mm))
		harness_fail(file, line, "validator failed");
}
#define EXPECT_VMAS(mm, ...)                                                  \
	do {                                                                  \
		const struct want __w[] = { __VA_ARGS__ };                    \
		expect_vmas_(__FILE__, __LINE__, mm, __w,                     \
			     (int)(sizeof(__w) / sizeof(__w[0])));            \
	} while (0)

#define ANONRW (VM_RW | MAYS | VAS_VM_ACCOUNT)
#define ANONR (VAS_VM_READ | MAYS)

TEST(adjacent_anonymous_mmaps_merge)
{
	struct f f;
	unsigned long a;

	setup(&f);
	/* W: aa  then bb right after: one VMA */
	ASSERT_EQ(vas_mmap(f.mm, W, 2 * P, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(a, W);
	ASSERT_EQ(vas_mmap(f.mm, W + 2 * P, 2 * P, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(a, W + 2 * P);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, ANONRW, W / P });
	/* different prot does not merge */
	ASSERT_EQ(vas_mmap(f.mm, W + 4 * P, P, VAS_PROT_READ, ANON, NULL, 0, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, ANONRW, W / P },
		    { W + 4 * P, W + 5 * P, ANONR, W / P + 4 });
	/* fill a hole between two compatible VMAs: all three merge */
	ASSERT_EQ(vas_mmap(f.mm, W + 7 * P, P, VAS_PROT_READ, ANON, NULL, 0, &a), 0);
	ASSERT_EQ(vas_mmap(f.mm, W + 5 * P, 2 * P, VAS_PROT_READ, ANON, NULL, 0, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, ANONRW, W / P },
		    { W + 4 * P, W + 8 * P, ANONR, W / P + 4 });
	teardown(&f);
}

TEST(mprotect_splits_and_merges_back)
{
	struct f f;
	unsigned long a;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 4 * P, RW, ANON, NULL, 0, &a), 0);
	/* middle becomes read-only: three VMAs; VM_ACCOUNT dropped (no anon_vma) */
	ASSERT_EQ(vas_mprotect(f.mm, W + P, 2 * P, VAS_PROT_READ), 0);
	EXPECT_VMAS(f.mm, { W, W + P, ANONRW, W / P },
		    { W + P, W + 3 * P, ANONR, W / P + 1 },
		    { W + 3 * P, W + 4 * P, ANONRW, W / P + 3 });
	/* back to rw: one VMA again */
	ASSERT_EQ(vas_mprotect(f.mm, W + P, 2 * P, RW), 0);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, ANONRW, W / P });
	teardown(&f);
}

/*
 * MADV_POPULATE_WRITE write-faults a private VMA, which gives it an
 * anon_vma, so a later mprotect to read-only keeps VM_ACCOUNT (as on the
 * host kernel); POPULATE_READ maps the zero page and does not.
 */
TEST(madvise_populate_at_the_vma_level)
{
	struct f f;
	unsigned long a;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 2 * P, RW, ANON, NULL, 0, &a), 0);
	ASSERT_EQ(vas_mmap(f.mm, W + 4 * P, 2 * P, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * P, VAS_MADV_POPULATE_READ), 0);
	EXPECT_EQ(vas_madvise(f.mm, W + 4 * P, 2 * P, VAS_MADV_POPULATE_WRITE), 0);
	ASSERT_EQ(vas_mprotect(f.mm, W, 2 * P, VAS_PROT_READ), 0);
	ASSERT_EQ(vas_mprotect(f.mm, W + 4 * P, 2 * P, VAS_PROT_READ), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONR, W / P },
		    { W + 4 * P, W + 6 * P, ANONR | VAS_VM_ACCOUNT, W / P + 4 });
	/* no write access: -EINVAL; a hole stops the walk: -ENOMEM */
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * P, VAS_MADV_POPULATE_WRITE), -EINVAL);
	EXPECT_EQ(vas_madvise(f.mm, W, 6 * P, VAS_MADV_POPULATE_READ), -ENOMEM);
	EXPECT_EQ(vas_madvise(f.mm, W + 2 * P, P, VAS_MADV_POPULATE_READ), -ENOMEM);
	EXPECT_EQ(vas_madvise(f.mm, W + 4 * P, 2 * P, VAS_MADV_POPULATE_READ), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONR, W / P },
		    { W + 4 * P, W + 6 * P, ANONR | VAS_VM_ACCOUNT, W / P + 4 });
	teardown(&f);
}

TEST(mprotect_over_hole_changes_part_before)
{
	struct f f;
	unsigned long a;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 2 * P, RW, ANON, NULL, 0, &a), 0);
	ASSERT_EQ(vas_mmap(f.mm, W + 3 * P, P, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(vas_mprotect(f.mm, W, 4 * P, VAS_PROT_READ), -ENOMEM);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONR, W / P },
		    { W + 3 * P, W + 4 * P, ANONRW, W / P + 3 });
	/* a hole at the start: nothing changes */
	EXPECT_EQ(vas_mprotect(f.mm, W + 2 * P, 2 * P, VAS_PROT_NONE), -ENOMEM);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONR, W / P },
		    { W + 3 * P, W + 4 * P, ANONRW, W / P + 3 });
	EXPECT_EQ(vas_mprotect(f.mm, W + 1, P, VAS_PROT_READ), -EINVAL);
	EXPECT_EQ(vas_mprotect(f.mm, W, 0, VAS_PROT_READ), 0);
	EXPECT_EQ(vas_mprotect(f.mm, W, P, 0x10), -EINVAL);
	teardown(&f);
}

TEST(munmap_middle_edges_and_errors)
{
	struct f f;
	unsigned long a;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 6 * P, RW, ANON, NULL, 0, &a), 0);
	ASSERT_EQ(vas_munmap(f.mm, W + 2 * P, 2 * P), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONRW, W / P },
		    { W + 4 * P, W + 6 * P, ANONRW, W / P + 4 });
	ASSERT_EQ(vas_munmap(f.mm, W + P, 4 * P), 0);	/* trims both */
	EXPECT_VMAS(f.mm, { W, W + P, ANONRW, W / P },
		    { W + 5 * P, W + 6 * P, ANONRW, W / P + 5 });
	EXPECT_EQ(vas_munmap(f.mm, W + 1, P), -EINVAL);
	EXPECT_EQ(vas_munmap(f.mm, W, 0), -EINVAL);
	EXPECT_EQ(vas_munmap(f.mm, W + 10 * P, P), 0);	/* nothing there */
	teardown(&f);
}

/*
 * munmap frees exactly the page tables no remaining VMA shares: its floor
 * and ceiling (the VMAs that stay on either side) come from its own walk
 * of the tree's leaves, so place the VMAs across many leaves (400 VMAs:
 * three levels) and unmap them in an order that meets every case: the
 * neighbour in the same leaf, in the parent's other child, found only
 * from the root, and none. Two VMAs share each pte table (2 MiB).
 */
#define PT_SPAN (2UL << 20)
#define NPT 200

static long pte_tables(struct vas_mm_user *u)
{
	return __atomic_load_n(&mm_of_user(u)->pgd->nr_tables[PT_LEVEL_PTE],
			       __ATOMIC_RELAXED);
}

static unsigned long pair_vma(int i)
{
	return W + (unsigned long)(i / 2) * PT_SPAN + (i % 2 ? 2 * P : 0);
}

static void expect_tables(struct vas_mm_user *mm, const bool *alive,
			  bool data)
{
	long want = 0;

	for (int j = 0; j < NPT; j++)
		want += alive[2 * j] || alive[2 * j + 1];
	EXPECT_EQ(pte_tables(mm), want);
	for (int i = 0; data && i < 2 * NPT; i++) {
		unsigned char b = 0;

		if (!alive[i])
			continue;
		EXPECT_EQ(vas_read(mm, pair_vma(i), &b, 1, NULL), 0);
		EXPECT_EQ(b, (unsigned char)(i + 1));
	}
}

static void map_pairs(struct f *f, bool *alive)
{
	unsigned long a;

	for (int i = 0; i < 2 * NPT; i++) {
		unsigned char b = (unsigned char)(i + 1);

		ASSERT_EQ(vas_mmap(f->mm, pair_vma(i), P, RW,
				   ANON | VAS_MAP_FIXED_NOREPLACE, NULL, 0, &a), 0);
		ASSERT_EQ(vas_write(f->mm, a, &b, 1, NULL), 0);
		alive[i] = true;
	}
	expect_tables(f->mm, alive, true);
}

TEST(munmap_frees_the_page_tables_between_its_neighbours)
{
	unsigned long warned = vas_warn_count();
	bool alive[2 * NPT];
	struct f f;

	setup(&f);
	/* one VMA at a time, 7 apart (all 400, as 7 and 400 are coprime) */
	map_pairs(&f, alive);
	for (int k = 0, i = 0; k < 2 * NPT; k++, i = (i + 7) % (2 * NPT)) {
		ASSERT_EQ(vas_munmap(f.mm, pair_vma(i), P), 0);
		alive[i] = false;
		expect_tables(f.mm, alive, k % 37 == 0);
	}
	EXPECT_EQ(pte_tables(f.mm), 0);
	/* ranges of several VMAs, starting in a VMA's page or in a gap */
	map_pairs(&f, alive);
	for (int j = 0; j + 3 < NPT; j += 5) {
		unsigned long s = W + j * PT_SPAN + (j % 2 ? 2 * P : P);
		unsigned long e = W + (j + 3) * PT_SPAN + (j % 3 ? P : 3 * P);

		ASSERT_EQ(vas_munmap(f.mm, s, e - s), 0);
		for (int i = 0; i < 2 * NPT; i++)
			if (pair_vma(i) >= s && pair_vma(i) < e)
				alive[i] = false;
		expect_tables(f.mm, alive, j % 25 == 0);
	}
	expect_tables(f.mm, alive, true);
	/* a bound too wide would have met a table still in use: warned */
	EXPECT_EQ(vas_warn_count(), warned);
	teardown(&f);
}

TEST(map_fixed_replaces_and_merges)
{
	struct f f;
	unsigned long a;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 6 * P, RW, ANON, NULL, 0, &a), 0);
	/* read-only over the middle: split in three */
	ASSERT_EQ(vas_mmap(f.mm, W + 2 * P, 2 * P, VAS_PROT_READ,
			   ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONRW, W / P },
		    { W + 2 * P, W + 4 * P, ANONR, W / P + 2 },
		    { W + 4 * P, W + 6 * P, ANONRW, W / P + 4 });
	/* rw over it again: merges back with both sides */
	ASSERT_EQ(vas_mmap(f.mm, W + 2 * P, 2 * P, RW, ANON | VAS_MAP_FIXED, NULL,
			   0, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + 6 * P, ANONRW, W / P });
	EXPECT_EQ(vas_mmap(f.mm, W + P, P, RW, ANON | VAS_MAP_FIXED_NOREPLACE,
			   NULL, 0, &a), -EEXIST);
	/* a hint over a mapping goes elsewhere (top-down, below mmap_base) */
	ASSERT_EQ(vas_mmap(f.mm, W, P, RW, ANON, NULL, 0, &a), 0);
	EXPECT_NE(a, W);
	EXPECT_EQ(a & (P - 1), 0);
	EXPECT_EQ(vas_munmap(f.mm, a, P), 0);
	teardown(&f);
}

TEST(mmap_errnos)
{
	struct f f;
	unsigned long a = 123;

	setup(&f);
	EXPECT_EQ(vas_mmap(f.mm, W, 0, RW, ANON, NULL, 0, &a), -EINVAL);
	EXPECT_EQ(vas_mmap(f.mm, W, P, RW, VAS_MAP_ANONYMOUS, NULL, 0, &a), -EINVAL);
	EXPECT_EQ(vas_mmap(f.mm, W, P, RW, VAS_MAP_PRIVATE, NULL, 0, &a), -EBADF);
	EXPECT_EQ(vas_mmap(f.mm, W + 1, P, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a), -EINVAL);
	EXPECT_EQ(vas_mmap(f.mm, W, P, RW, ANON, NULL, 1, &a), -EINVAL);
	EXPECT_EQ(vas_mmap(f.mm, W, -P, RW, ANON, NULL, 0, &a), -ENOMEM);
	EXPECT_EQ(vas_mmap(f.mm, VAS_TASK_SIZE, P, RW, ANON | VAS_MAP_FIXED, NULL, 0,
			   &a), -ENOMEM);
	EXPECT_EQ(a, 123);	/* untouched on failure */
	teardown(&f);
}

TEST(shared_anonymous_never_merges)
{
	struct f f;
	unsigned long a;
	const unsigned long sh = VM_RW | MAYS | VAS_VM_SHARED | VAS_VM_MAYSHARE;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
			   NULL, 0, &a), 0);
	ASSERT_EQ(vas_mmap(f.mm, W + 2 * P, 2 * P, RW,
			   VAS_MAP_SHARED | VAS_MAP_ANONYMOUS, NULL, 0, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, sh, 0 }, { W + 2 * P, W + 4 * P, sh, 0 });
	/* split pieces of one object merge back; pgoff follows the object */
	ASSERT_EQ(vas_mprotect(f.mm, W + P, P, VAS_PROT_READ), 0);
	EXPECT_VMAS(f.mm, { W, W + P, sh, 0 },
		    { W + P, W + 2 * P, sh & ~VAS_VM_WRITE, 1 },
		    { W + 2 * P, W + 4 * P, sh, 0 });
	ASSERT_EQ(vas_mprotect(f.mm, W + P, P, RW), 0);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, sh, 0 }, { W + 2 * P, W + 4 * P, sh, 0 });
	teardown(&f);
}

TEST(accounting_and_map_count_limit)
{
	struct vas_machine_config cfg;
	struct f f;
	unsigned long a;

	vas_machine_config_init(&cfg);
	cfg.max_map_count = 2;
	ASSERT_EQ(vas_machine_create(&cfg, &f.m), 0);
	ASSERT_EQ(vas_mm_create(f.m, &f.mm), 0);
	ASSERT_EQ(vas_mmap(f.mm, W, 3 * P, RW, ANON, NULL, 0, &a), 0);
	ASSERT_EQ(vas_mmap(f.mm, W + 4 * P, P, RW, ANON, NULL, 0, &a), 0);
	/* a split that would make 3 VMAs is refused, nothing changes */
	EXPECT_EQ(vas_munmap(f.mm, W + P, P), -ENOMEM);
	EXPECT_VMAS(f.mm, { W, W + 3 * P, ANONRW, W / P },
		    { W + 4 * P, W + 5 * P, ANONRW, W / P + 4 });
	/* RLIMIT_AS */
	ASSERT_EQ(vas_mm_set_rlimit(f.mm, VAS_RLIMIT_AS, 5 * P), 0);
	EXPECT_EQ(vas_mmap(f.mm, W + 8 * P, P, RW, ANON, NULL, 0, &a), -ENOMEM);
	teardown(&f);
}

/* ---- allocation failure ------------------------------------------------- */

/* Flags of every page of [W, W + 8P), 0 where unmapped. */
static void page_flags(struct vas_mm_user *mm, unsigned long *out)
{
	vas_mmap_read_lock(mm);
	for (int i = 0; i < 8; i++) {
		struct vas_vma_ref *v = vas_vma_lookup(mm, W + (unsigned long)i * P);

		out[i] = v ? vas_vma_flags(v) : 0;
	}
	vas_mmap_read_unlock(mm);
}

static int op_fixed(struct vas_mm_user *mm)
{
	unsigned long a;

	return vas_mmap(mm, W + 2 * P, 2 * P, VAS_PROT_READ, ANON | VAS_MAP_FIXED,
			NULL, 0, &a);
}

static int op_munmap(struct vas_mm_user *mm)
{
	return vas_munmap(mm, W + 2 * P, 2 * P);
}

static int op_mprotect(struct vas_mm_user *mm)
{
	return vas_mprotect(mm, W + 2 * P, 2 * P, VAS_PROT_READ);
}

static int op_shared(struct vas_mm_user *mm)
{
	unsigned long a;

	return vas_mmap(mm, W + 6 * P, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
			NULL, 0, &a);
}

static int op_mremap_move(struct vas_mm_user *mm)
{
	unsigned long a;

	return vas_mremap(mm, W + 2 * P, 2 * P, 2 * P,
			  VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 7 * P, &a);
}

static int op_mremap_grow(struct vas_mm_user *mm)
{
	unsigned long a;

	return vas_mremap(mm, W, 6 * P, 7 * P, 0, 0, &a);
}

static int op_mlock(struct vas_mm_user *mm)
{
	return vas_mlock2(mm, W + 2 * P, 2 * P, VAS_MLOCK_ONFAULT);
}

static int op_madvise(struct vas_mm_user *mm)
{
	return vas_madvise(mm, W + 2 * P, 2 * P, VAS_MADV_DONTFORK);
}

static int op_populate(struct vas_mm_user *mm)
{
	return vas_madvise(mm, W + 2 * P, 2 * P, VAS_MADV_POPULATE_WRITE);
}

/*
 * Every allocation of each call fails once in turn (as many as the dry run
 * made): the call returns -ENOMEM, every page keeps its mapping and flags
 * (mprotect, mlock and madvise may leave a split behind, as Linux does),
 * and nothing leaks. The one exception is Linux's too: once mremap has
 * moved the pages, the unmap of the source is best effort
 * (unmap_source_vma), so a failure there still returns the new address
 * and leaves the source VMA in place without VM_ACCOUNT.
 * The window holds one 6-page VMA at W (pages 6 and 7 are free).
 */
TEST(each_allocation_fails_cleanly)
{
	int (*ops[])(struct vas_mm_user *) = { op_fixed, op_munmap, op_mprotect,
					       op_shared, op_mremap_move,
					       op_mremap_grow, op_mlock, op_madvise,
					       op_populate };

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		unsigned long need = 0, count, before[8], after[8], a;
		long live;
		struct f f;
		int err;

		for (unsigned long k = 0;; k++) {
			live = vas_alloc_live();
			setup(&f);
			ASSERT_EQ(vas_mmap(f.mm, W, 6 * P, RW, ANON, NULL, 0, &a), 0);
			page_flags(f.mm, before);
			count = vas_alloc_count();
			vas_fail_nth(k);	/* k == 0: dry run */
			err = ops[i](f.mm);
			vas_fail_nth(0);
			count = vas_alloc_count() - count;
			if (k == 0) {
				need = count;	/* what the dry run allocated */
				EXPECT_EQ(err, 0);
				/* there is something to fail in each op */
				EXPECT_GT(need, 0);
			} else if (err == 0 && ops[i] == op_mremap_move) {
				page_flags(f.mm, after);
				for (int p = 0; p < 6; p++)
					EXPECT_EQ(after[p], before[p] & ~VAS_VM_ACCOUNT);
				EXPECT_EQ(after[6], 0);
				EXPECT_EQ(after[7], before[2]);
			} else {
				if (err != -ENOMEM)
					harness_fail(__FILE__, __LINE__,
						     "op %u alloc %lu: %d", i, k, err);
				page_flags(f.mm, after);
				for (int p = 0; p < 8; p++)
					if (before[p] != after[p])
						harness_fail(__FILE__, __LINE__,
							     "op %u alloc %lu: page %d changed",
							     i, k, p);
			}
			teardown(&f);
			if (vas_alloc_live() != live)
				harness_fail(__FILE__, __LINE__, "op %u alloc %lu: leak %ld",
					     i, k, vas_alloc_live() - live);
			if (k >= need)
				break;
		}
	}
}

/*
 * Regression (issue 8, defect 5): mremap with old_len 0 of a shared mapping
 * made the duplicate and then returned -EINVAL (the unmap of an empty
 * source range failed), so the caller saw a failure that had changed the
 * address space. Linux returns the duplicate's address; the duplicate maps
 * the same pages; a refused call (private mapping, flags) changes nothing.
 *
 *  W     W+4P        W+16P   W+20P
 *  |--S--|    ...    |--D--|          S shared, D its duplicate
 */
TEST(mremap_old_len_zero_duplicates_shared_mapping)
{
	const unsigned long shared = VM_RW | MAYS | VAS_VM_SHARED |
				     VAS_VM_MAYSHARE;
	struct vas_fault_info fi;
	unsigned char b = 0;
	unsigned long a = 0;
	struct f f;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, 4 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS |
			   VAS_MAP_FIXED, NULL, 0, &a), 0);
	ASSERT_EQ(vas_fill(f.mm, W, 0x11, 4 * P, &fi), 0);
	/* in place: old_len 0 cannot grow the VMA */
	EXPECT_EQ(vas_mremap(f.mm, W + P, 0, 2 * P, 0, 0, &a), -ENOMEM);
	EXPECT_EQ(vas_mremap(f.mm, W + P, 0, 2 * P, VAS_MREMAP_MAYMOVE |
			     VAS_MREMAP_DONTUNMAP, W + 16 * P, &a), -EINVAL);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, shared, 0 });
	a = 0;
	EXPECT_EQ(vas_mremap(f.mm, W + P, 0, 2 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 16 * P, &a), 0);
	EXPECT_EQ(a, W + 16 * P);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, shared, 0 },
		    { W + 16 * P, W + 18 * P, shared, 1 });
	/* the same pages: a store through one is seen through the other */
	EXPECT_EQ(vas_read(f.mm, W + 16 * P, &b, 1, &fi), 0);
	EXPECT_EQ(b, 0x11);
	b = 0x22;
	EXPECT_EQ(vas_write(f.mm, W + 17 * P + 5, &b, 1, &fi), 0);
	b = 0;
	EXPECT_EQ(vas_read(f.mm, W + 2 * P + 5, &b, 1, &fi), 0);
	EXPECT_EQ(b, 0x22);
	/* maymove alone: the kernel's choice, the source stays */
	a = 0;
	EXPECT_EQ(vas_mremap(f.mm, W, 0, P, VAS_MREMAP_MAYMOVE, 0, &a), 0);
	EXPECT_NE(a, 0);
	EXPECT_NE(a, W);
	EXPECT_EQ(vas_read(f.mm, a, &b, 1, &fi), 0);
	EXPECT_EQ(b, 0x11);
	EXPECT_EQ(vas_munmap(f.mm, a, P), 0);
	/* private memory cannot be duplicated: -EINVAL, nothing changes */
	ASSERT_EQ(vas_mmap(f.mm, W + 8 * P, 2 * P, RW, ANON | VAS_MAP_FIXED, NULL,
			   0, &a), 0);
	EXPECT_EQ(vas_mremap(f.mm, W + 8 * P, 0, 2 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 24 * P, &a),
		  -EINVAL);
	EXPECT_VMAS(f.mm, { W, W + 4 * P, shared, 0 },
		    { W + 8 * P, W + 10 * P, ANONRW, W / P + 8 },
		    { W + 16 * P, W + 18 * P, shared, 1 });
	teardown(&f);
}

/*
 * Without MREMAP_FIXED or MREMAP_DONTUNMAP, new_addr is not used, so
 * Linux 6.18 does not check it (check_mremap_params() checks it only for
 * those flags, since the fix "mm/mremap: fix regression in vrm->new_addr
 * check"): any value, however far past TASK_SIZE, is ignored. The length
 * is still checked.
 */
TEST(mremap_ignores_new_addr_without_fixed)
{
	unsigned long a = 0;
	struct f f;

	setup(&f);
	ASSERT_EQ(vas_mmap(f.mm, W, P, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	/* grows in place: new_addr is garbage, and ignored */
	EXPECT_EQ(vas_mremap(f.mm, W, P, 2 * P, 0, ~0UL - 3 * P + 1, &a), 0);
	EXPECT_EQ(a, W);
	EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONRW, W / P });
	a = 0;
	EXPECT_EQ(vas_mremap(f.mm, W, 2 * P, 3 * P, VAS_MREMAP_MAYMOVE,
			     VAS_TASK_SIZE, &a), 0);
	EXPECT_EQ(a, W);
	EXPECT_VMAS(f.mm, { W, W + 3 * P, ANONRW, W / P });
	/* shrinks: likewise */
	EXPECT_EQ(vas_mremap(f.mm, W, 3 * P, P, 0, ~0UL - P + 1, &a), 0);
	EXPECT_VMAS(f.mm, { W, W + P, ANONRW, W / P });
	/* a new_len above TASK_SIZE stays -EINVAL, whatever the flags */
	EXPECT_EQ(vas_mremap(f.mm, W, P, VAS_TASK_SIZE + P, 0, 0, &a), -EINVAL);
	/* and with MREMAP_FIXED new_addr counts */
	EXPECT_EQ(vas_mremap(f.mm, W, P, P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
			     VAS_TASK_SIZE, &a), -EINVAL);
	EXPECT_VMAS(f.mm, { W, W + P, ANONRW, W / P });
	teardown(&f);
}

/*
 * Regression (fuzz_ops, CI 2026-12-06): a munmap that meets a sealed VMA
 * after splitting the first one at its start returned -EPERM when that
 * split's allocation failed, with nothing split. Linux 6.18
 * (vms_gather_munmap_vmas) returns the split's error, -ENOMEM, and
 * changes nothing; when the split succeeds it stays, with -EPERM.
 *
 *  W     W+P   W+2P        W+4P
 *  |-- A -----|-- sealed --|       munmap [W+P, W+3P)
 */
TEST(munmap_into_a_sealed_vma_after_a_failed_split)
{
	unsigned long a, need = 0;
	int enomem = 0;

	for (unsigned long k = 0;; k++) {
		unsigned long count;
		long live = vas_alloc_live();
		struct f f;
		int err;

		setup(&f);
		ASSERT_EQ(vas_mmap(f.mm, W, 2 * P, VAS_PROT_READ, ANON | VAS_MAP_FIXED,
				   NULL, 0, &a), 0);
		ASSERT_EQ(vas_mmap(f.mm, W + 2 * P, 2 * P, RW, ANON | VAS_MAP_FIXED,
				   NULL, 0, &a), 0);
		ASSERT_EQ(vas_mseal(f.mm, W + 2 * P, 2 * P, 0), 0);
		count = vas_alloc_count();
		vas_fail_nth(k);	/* k == 0: dry run */
		err = vas_munmap(f.mm, W + P, 2 * P);
		vas_fail_nth(0);
		count = vas_alloc_count() - count;
		if (k == 0)
			need = count;
		if (err == -ENOMEM) {
			enomem++;
			EXPECT_VMAS(f.mm, { W, W + 2 * P, ANONR, W / P },
				    { W + 2 * P, W + 4 * P, ANONRW | VAS_VM_SEALED,
				      W / P + 2 });
		} else {
			EXPECT_EQ(err, -EPERM);	/* A was split, and stays so */
			EXPECT_VMAS(f.mm, { W, W + P, ANONR, W / P },
				    { W + P, W + 2 * P, ANONR, W / P + 1 },
				    { W + 2 * P, W + 4 * P, ANONRW | VAS_VM_SEALED,
				      W / P + 2 });
		}
		teardown(&f);
		EXPECT_EQ(vas_alloc_live(), live);
		if (k >= need)
			break;
	}
	EXPECT_GT(need, 0);
	EXPECT_EQ(enomem, (int)need);	/* every allocation's failure */
}

TEST(brk_grows_shrinks_and_refuses)
{
	struct f f;
	unsigned long b, a;
	const unsigned long H = 0x555555554000UL;
	const unsigned long heap = VM_RW | VAS_VM_MAYREAD | VAS_VM_MAYWRITE |
				   VAS_VM_MAYEXEC | VAS_VM_ACCOUNT;

	setup(&f);
	EXPECT_EQ(vas_brk(f.mm, H + P, &b), 0);
	EXPECT_EQ(b, 0);			/* no heap yet */
	EXPECT_EQ(vas_mm_set_brk_start(f.mm, H + 1), -EINVAL);
	ASSERT_EQ(vas_mm_set_brk_start(f.mm, H), 0);
	EXPECT_EQ(vas_mm_set_brk_start(f.mm, H), -EBUSY);
	EXPECT_EQ(vas_brk(f.mm, H + 100, &b), 0);
	EXPECT_EQ(b, H + 100);
	EXPECT_VMAS(f.mm, { H, H + P, heap, H / P });
	EXPECT_EQ(vas_brk(f.mm, H + 3 * P, &b), 0);	/* extends the same VMA */
	EXPECT_EQ(b, H + 3 * P);
	EXPECT_VMAS(f.mm, { H, H + 3 * P, heap, H / P });
	EXPECT_EQ(vas_brk(f.mm, H - P, &b), 0);		/* below the start */
	EXPECT_EQ(b, H + 3 * P);
	EXPECT_EQ(vas_brk(f.mm, H + P, &b), 0);		/* shrink */
	EXPECT_EQ(b, H + P);
	EXPECT_VMAS(f.mm, { H, H + P, heap, H / P });
	/* a mapping in the way refuses growth */
	ASSERT_EQ(vas_mmap(f.mm, H + 4 * P, P, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	EXPECT_EQ(vas_brk(f.mm, H + 4 * P, &b), 0);
	EXPECT_EQ(b, H + P);
	teardown(&f);
}
