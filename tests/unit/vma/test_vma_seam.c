// SPDX-License-Identifier: MIT
/*
 * test_vma_seam.c - the merge engine and the VMA operations of vma.c and
 * merge.c, built against the stub seam (stub/vma/vma_internal.h): no page
 * tables, no files, no anon_vma objects. Every check asserts the whole
 * layout: each VMA's range, pgoff, flags and identity, and map_count.
 * Addresses are pages above W.
 */
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"
#include "vma/vma_internal.h"

#define P PAGE_SIZE
#define W 0x10000000UL
#define RW (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_MAYREAD | VAS_VM_MAYWRITE)
#define RO (VAS_VM_READ | VAS_VM_MAYREAD | VAS_VM_MAYWRITE)

static struct mm_struct *mm_new(void)
{
	struct vas_machine *m = calloc(1, sizeof(*m));
	struct mm_struct *mm = calloc(1, sizeof(*mm));

	vas_mutex_init(&m->vma_cache_lock, LOCK_RANK_VMA_CACHE);
	m->cfg.max_map_count = 65530;
	mm->machine = m;
	rt_init(&mm->mm_mt);
	stub_calls = (struct stub_calls){ .write_locked = true };
	return mm;
}

/* Free @mm, its VMAs (through vma_remove) and its machine. */
static void mm_free(struct mm_struct *mm)
{
	struct vm_area_struct *v;

	while ((v = rt_find(&mm->mm_mt, 0, NULL, NULL)))
		if (vma_remove(mm, v))
			abort();
	rt_destroy(&mm->mm_mt);
	vma_cache_drain(mm->machine);
	vas_rcu_barrier();
	free(mm->machine);
	free(mm);
}

static struct vm_area_struct *mk(struct mm_struct *mm, unsigned long s,
				 unsigned long e, unsigned long flags,
				 unsigned long pgoff)
{
	struct vm_area_struct *v = vm_area_alloc(mm);

	if (!v)
		abort();	/* the set-up itself never fails */
	v->vm_start = W + s * P;
	v->vm_end = W + e * P;
	v->vm_flags = flags;
	v->vm_pgoff = pgoff;
	if (vma_link(mm, v))
		abort();
	return v;
}

struct want {
	struct vm_area_struct *vma;	/* NULL: any object */
	unsigned long s, e, pgoff, flags;
};

/* The whole layout of @mm is @n VMAs, as @w says (pages above W). */
static void expect_layout(struct mm_struct *mm, const struct want *w, int n)
{
	struct rt_iter it;
	struct vm_area_struct *v;
	unsigned long s, e;
	int i = 0;

	EXPECT_EQ(mm->map_count, n);
	rt_iter_init(&it, &mm->mm_mt, 0, ~0UL);
	while ((v = rt_iter_next(&it, &s, &e))) {
		ASSERT_TRUE(i < n);
		EXPECT_EQ(v->vm_start, W + w[i].s * P);
		EXPECT_EQ(v->vm_end, W + w[i].e * P);
		EXPECT_EQ(s, v->vm_start);
		EXPECT_EQ(e, v->vm_end);
		EXPECT_EQ(v->vm_pgoff, w[i].pgoff);
		EXPECT_EQ(v->vm_flags, w[i].flags);
		if (w[i].vma)
			EXPECT_PTR_EQ(v, w[i].vma);
		i++;
	}
	EXPECT_EQ(i, n);
}
#define EXPECT_LAYOUT(mm, ...)                                                \
	do {                                                                  \
		const struct want __w[] = { __VA_ARGS__ };                    \
		expect_layout(mm, __w, sizeof(__w) / sizeof(__w[0]));         \
	} while (0)

/* A new range [s, e) with its neighbours looked up as mmap does. */
static struct vm_area_struct *merge_new(struct mm_struct *mm,
					struct vma_merge_struct *vmg)
{
	vmg->prev = rt_lookup(&mm->mm_mt, vmg->start - 1, NULL, NULL);
	vmg->next = rt_lookup(&mm->mm_mt, vmg->end, NULL, NULL);
	return vma_merge_new_range(vmg);
}

TEST(new_range_merges_prev_next_both)
{
	struct mm_struct *mm = mm_new();
	struct vm_area_struct *a = mk(mm, 1, 3, RW, 1);
	struct vm_area_struct *b = mk(mm, 7, 9, RW, 7);
	VMG_STATE(l, mm, W + 3 * P, W + 4 * P, RW, 3);
	VMG_STATE(r, mm, W + 6 * P, W + 7 * P, RW, 6);
	VMG_STATE(both, mm, W + 4 * P, W + 6 * P, RW, 4);

	/* 0123456789
	 *  aa.....bb   -> aaa...bbb (prev, then next, grows) */
	EXPECT_PTR_EQ(merge_new(mm, &l), a);
	EXPECT_EQ(l.state, VMA_MERGE_SUCCESS);
	EXPECT_PTR_EQ(merge_new(mm, &r), b);
	EXPECT_LAYOUT(mm, { a, 1, 4, 1, RW }, { b, 6, 9, 6, RW });
	/* the gap: prev takes it and next, which goes */
	EXPECT_PTR_EQ(merge_new(mm, &both), a);
	EXPECT_LAYOUT(mm, { a, 1, 9, 1, RW });
	EXPECT_EQ(stub_calls.zap_range + stub_calls.unmap_region, 0);
	mm_free(mm);
}

static int closes;
static void count_close(const struct vas_vma_closing *vma)
{
	(void)vma;
	closes++;
}

TEST(new_range_refusals)
{
	static const struct vas_vm_ops closing = VAS_VM_OPS_INIT(.close = count_close);
	struct mm_struct *mm = mm_new();
	struct vm_area_struct *a = mk(mm, 1, 3, RW, 1);
	struct vm_area_struct *b = mk(mm, 4, 6, RW, 4);
	VMG_STATE(flags, mm, W + 3 * P, W + 4 * P, RO, 3);
	VMG_STATE(pgoff, mm, W + 3 * P, W + 4 * P, RW, 9);
	VMG_STATE(file, mm, W + 3 * P, W + 4 * P, RW, 3);
	VMG_STATE(special, mm, W + 3 * P, W + 4 * P, RW | VAS_VM_IO, 3);

	EXPECT_NULL(merge_new(mm, &flags));
	EXPECT_EQ(flags.state, VMA_MERGE_NOMERGE);
	EXPECT_NULL(merge_new(mm, &pgoff));
	file.file = (struct vas_file *)&file;
	EXPECT_NULL(merge_new(mm, &file));
	a->vm_flags |= VAS_VM_IO;
	b->vm_flags |= VAS_VM_IO;
	EXPECT_NULL(merge_new(mm, &special));
	EXPECT_LAYOUT(mm, { a, 1, 3, 1, RW | VAS_VM_IO },
		      { b, 4, 6, 4, RW | VAS_VM_IO });
	a->vm_flags = b->vm_flags = RW;

	/* anon_vmas of prev and next differ: only prev takes the range */
	{
		VMG_STATE(g, mm, W + 3 * P, W + 4 * P, RW, 3);

		a->anon_vma = (struct anon_vma *)&a;
		b->anon_vma = (struct anon_vma *)&b;
		EXPECT_PTR_EQ(merge_new(mm, &g), a);
		EXPECT_LAYOUT(mm, { a, 1, 4, 1, RW }, { b, 4, 6, 4, RW });
	}
	/* next has a close op: prev grows, next is not removed */
	{
		struct vm_area_struct *c = mk(mm, 7, 9, RW, 7);
		VMG_STATE(g, mm, W + 6 * P, W + 7 * P, RW, 6);

		c->vm_ops = &closing;
		b->anon_vma = NULL;
		EXPECT_PTR_EQ(merge_new(mm, &g), b);
		EXPECT_LAYOUT(mm, { a, 1, 4, 1, RW }, { b, 4, 7, 4, RW },
			      { c, 7, 9, 7, RW });
		EXPECT_EQ(closes, 0);
	}
	/* a forked anon_vma is not shared with a new range's source */
	{
		struct vm_area_struct src = { .anon_vma = (struct anon_vma *)&src,
					      .anon_vma_forked = true };
		VMG_STATE(g, mm, W + 10 * P, W + 11 * P, RW, 10);
		struct vm_area_struct *d = mk(mm, 9 + 2, 12, RW, 11);

		g.middle = &src;
		g.anon_vma = src.anon_vma;
		EXPECT_NULL(merge_new(mm, &g));
		EXPECT_LAYOUT(mm, { a, 1, 4, 1, RW }, { b, 4, 7, 4, RW },
			      { NULL, 7, 9, 7, RW }, { d, 11, 12, 11, RW });
	}
	mm_free(mm);
}

TEST(existing_range_merges)
{
	struct mm_struct *mm = mm_new();
	struct vm_area_struct *a = mk(mm, 1, 3, RO, 1);
	struct vm_area_struct *b = mk(mm, 3, 5, RW, 3);
	struct vm_area_struct *c = mk(mm, 5, 7, RO, 5);
	struct vm_area_struct *v;

	/* flags no neighbour has: no merge, b is carved (it keeps the range) */
	v = vma_modify_flags(mm, b, W + 4 * P, W + 5 * P, RO | VAS_VM_EXEC);
	EXPECT_PTR_EQ(v, b);
	EXPECT_LAYOUT(mm, { a, 1, 3, 1, RO }, { NULL, 3, 4, 3, RW },
		      { b, 4, 5, 4, RO | VAS_VM_EXEC }, { c, 5, 7, 5, RO });
	/* the range touches c but not a: c takes it */
	v = vma_modify_flags(mm, b, W + 4 * P, W + 5 * P, RO);
	EXPECT_PTR_EQ(v, c);
	EXPECT_LAYOUT(mm, { a, 1, 3, 1, RO }, { NULL, 3, 4, 3, RW },
		      { c, 4, 7, 4, RO });
	mm_free(mm);
}

TEST(existing_range_left_right_both)
{
	struct mm_struct *mm = mm_new();
	struct vm_area_struct *a = mk(mm, 1, 3, RO, 1);
	struct vm_area_struct *b = mk(mm, 3, 6, RW, 3);
	struct vm_area_struct *c = mk(mm, 6, 8, RO, 6);

	/* merge left: a takes b's first page */
	EXPECT_PTR_EQ(vma_modify_flags(mm, b, W + 3 * P, W + 4 * P, RO), a);
	EXPECT_LAYOUT(mm, { a, 1, 4, 1, RO }, { b, 4, 6, 4, RW },
		      { c, 6, 8, 6, RO });
	/* merge right: c takes b's last page */
	EXPECT_PTR_EQ(vma_modify_flags(mm, b, W + 5 * P, W + 6 * P, RO), c);
	EXPECT_LAYOUT(mm, { a, 1, 4, 1, RO }, { b, 4, 5, 4, RW },
		      { c, 5, 8, 5, RO });
	/* both: a grows over b and c */
	EXPECT_PTR_EQ(vma_modify_flags(mm, b, W + 4 * P, W + 5 * P, RO), a);
	EXPECT_LAYOUT(mm, { a, 1, 8, 1, RO });
	mm_free(mm);
}

/*
 * Each allocation of each operation fails in turn: the operation returns
 * -ENOMEM (or the nomem state) and the layout is exactly as before.
 */
TEST(allocation_failure_leaves_tree_unchanged)
{
	unsigned long n;
	bool done;

	for (n = 1, done = false; !done && n < 64; n++) {	/* both merge */
		struct mm_struct *mm = mm_new();
		struct vm_area_struct *a = mk(mm, 1, 3, RW, 1);
		struct vm_area_struct *b = mk(mm, 4, 6, RW, 4);
		VMG_STATE(g, mm, W + 3 * P, W + 4 * P, RW, 3);
		struct vm_area_struct *t;

		vas_fail_nth(n);
		t = merge_new(mm, &g);
		done = !vas_fail_fired();
		vas_fail_reset();
		if (done) {
			EXPECT_PTR_EQ(t, a);
			EXPECT_LAYOUT(mm, { a, 1, 6, 1, RW });
		} else {
			EXPECT_NULL(t);
			EXPECT_TRUE(vmg_nomem(&g));
			EXPECT_LAYOUT(mm, { a, 1, 3, 1, RW }, { b, 4, 6, 4, RW });
		}
		mm_free(mm);
	}
	EXPECT_TRUE(done);
	EXPECT_TRUE(n > 1);
	for (n = 1, done = false; !done && n < 64; n++) {	/* carve */
		struct mm_struct *mm = mm_new();
		struct vm_area_struct *a = mk(mm, 1, 6, RW, 1);
		struct vm_area_struct *t;

		vas_fail_nth(n);
		t = vma_modify_flags(mm, a, W + 2 * P, W + 4 * P, RO);
		done = !vas_fail_fired();
		vas_fail_reset();
		if (done) {
			EXPECT_PTR_EQ(t, a);
			EXPECT_LAYOUT(mm, { NULL, 1, 2, 1, RW }, { a, 2, 4, 2, RO },
				      { NULL, 4, 6, 4, RW });
		} else {
			EXPECT_PTR_EQ(t, ERR_PTR(-ENOMEM));
			EXPECT_LAYOUT(mm, { a, 1, 6, 1, RW });
		}
		mm_free(mm);
	}
	EXPECT_TRUE(done);
	for (n = 1, done = false; !done && n < 64; n++) {	/* merge left */
		struct mm_struct *mm = mm_new();
		struct vm_area_struct *a = mk(mm, 1, 3, RO, 1);
		struct vm_area_struct *b = mk(mm, 3, 6, RW, 3);
		struct vm_area_struct *t;

		vas_fail_nth(n);
		t = vma_modify_flags(mm, b, W + 3 * P, W + 4 * P, RO);
		done = !vas_fail_fired();
		vas_fail_reset();
		if (done) {
			EXPECT_PTR_EQ(t, a);
			EXPECT_LAYOUT(mm, { a, 1, 4, 1, RO }, { b, 4, 6, 4, RW });
		} else {
			EXPECT_PTR_EQ(t, ERR_PTR(-ENOMEM));
			EXPECT_LAYOUT(mm, { a, 1, 3, 1, RO }, { b, 3, 6, 3, RW });
		}
		mm_free(mm);
	}
	EXPECT_TRUE(done);
}

/* The engine asserts the mmap lock on its first line. */
static void merge_unlocked(void)
{
	struct mm_struct *mm = mm_new();
	VMG_STATE(g, mm, W, W + P, RW, 0);

	stub_calls.write_locked = false;
	vma_merge_new_range(&g);
}

TEST(engine_asserts_mmap_lock)
{
	EXPECT_ABORTS(merge_unlocked, "mmap lock not held for write");
}
