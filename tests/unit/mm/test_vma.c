// SPDX-License-Identifier: MIT
/*
 * test_vma.c - linking, lookup, split, merge, replace and removal of VMAs,
 * with the whole layout asserted after every step. Addresses are pages
 * above W; the ruler in each comment counts pages.
 */
#include "mm_test.h"
#include "vma/access.h"

TEST(link_lookup_find)
{
	struct fixture f;
	struct vm_area_struct *a, *b;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	/* 0123456789
	 *  aa   bbb   */
	a = mk(f.mm, W + 1 * P, W + 3 * P, RW);
	b = mk(f.mm, W + 6 * P, W + 9 * P, RW | VAS_VM_EXEC);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_LAYOUT(f.mm, 2, W + P, W + 3 * P, W + 6 * P, W + 9 * P);
	EXPECT_EQ(f.mm->total_vm, 5);
	EXPECT_EQ(f.mm->data_vm, 5);	/* writable private: data, even +x */
	EXPECT_EQ(f.mm->exec_vm, 0);

	EXPECT_PTR_EQ(vas_vma_lookup(f.user, W + P), vma_ref(a));
	EXPECT_PTR_EQ(vas_vma_lookup(f.user, W + 3 * P - 1), vma_ref(a));
	EXPECT_NULL(vas_vma_lookup(f.user, W + 3 * P));
	EXPECT_NULL(vas_vma_lookup(f.user, W));
	EXPECT_PTR_EQ(vas_find_vma(f.user, 0), vma_ref(a));
	EXPECT_PTR_EQ(vas_find_vma(f.user, W + 3 * P), vma_ref(b));
	EXPECT_NULL(vas_find_vma(f.user, W + 9 * P));
	EXPECT_PTR_EQ(vas_find_vma_intersection(f.user, W, W + 2 * P), vma_ref(a));
	EXPECT_NULL(vas_find_vma_intersection(f.user, W + 3 * P, W + 6 * P));
	EXPECT_PTR_EQ(vas_find_vma_intersection(f.user, W + 3 * P, W + 6 * P + 1),
		      vma_ref(b));
	EXPECT_NULL(vas_find_vma_intersection(f.user, W + 5 * P, W + 5 * P));
	EXPECT_NULL(vas_vma_prev(f.user, vma_ref(a)));
	EXPECT_PTR_EQ(vas_vma_prev(f.user, vma_ref(b)), vma_ref(a));
	EXPECT_PTR_EQ(vas_vma_next(f.user, vma_ref(a)), vma_ref(b));
	EXPECT_NULL(vas_vma_next(f.user, vma_ref(b)));

	/* accessors */
	EXPECT_EQ(vas_vma_start(vma_ref(b)), W + 6 * P);
	EXPECT_EQ(vas_vma_end(vma_ref(b)), W + 9 * P);
	EXPECT_EQ(vas_vma_flags(vma_ref(b)), RW | VAS_VM_EXEC);
	EXPECT_EQ(vas_vma_pgoff(vma_ref(b)), (W + 6 * P) / P);
	EXPECT_NULL(vas_vma_file(vma_ref(b)));
	EXPECT_PTR_EQ(vas_vma_mm(vma_ref(b)), f.user);
	EXPECT_NULL(vas_vma_private(vma_ref(b)));
	EXPECT_NULL(vas_vma_as_mixedmap(vma_ref(b)));

	/* overlap and bad ranges are refused, layout unchanged */
	{
		struct vm_area_struct *x = vm_area_alloc(f.mm);

		ASSERT_NOT_NULL(x);
		x->vm_start = W + 2 * P;
		x->vm_end = W + 4 * P;
		x->vm_flags = RW;
		EXPECT_EQ(vma_link(f.mm, x), -EEXIST);
		x->vm_start = W + 5 * P;
		x->vm_end = W + 7 * P;
		EXPECT_EQ(vma_link(f.mm, x), -EEXIST);
		x->vm_start = W + 4 * P + 1;
		EXPECT_EQ(vma_link(f.mm, x), -EINVAL);
		x->vm_start = W + 4 * P;
		x->vm_end = W + 4 * P;
		EXPECT_EQ(vma_link(f.mm, x), -EINVAL);
		vm_area_free(x);
	}
	EXPECT_LAYOUT(f.mm, 2, W + P, W + 3 * P, W + 6 * P, W + 9 * P);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

TEST(iterator_walks_range_in_order)
{
	struct fixture f;
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	unsigned long seen[8];
	int n = 0;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	for (int i = 0; i < 6; i++)
		ASSERT_NOT_NULL(mk(f.mm, W + (2 * i) * P, W + (2 * i + 1) * P, RW));
	mmap_write_downgrade(f.mm);
	/* [W+3P, W+9P) intersects VMAs 2, 3, 4 (starting at 4P, 6P, 8P) */
	vas_vma_iter_init(&it, f.user, W + 3 * P, W + 9 * P);
	while ((v = vas_vma_iter_next(&it, f.user)) && n < 8)
		seen[n++] = vas_vma_start(v);
	EXPECT_EQ(n, 3);
	EXPECT_EQ(seen[0], W + 4 * P);
	EXPECT_EQ(seen[1], W + 6 * P);
	EXPECT_EQ(seen[2], W + 8 * P);
	n = 0;
	vas_vma_iter_init(&it, f.user, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, f.user)))
		n++;
	EXPECT_EQ(n, 6);
	EXPECT_EQ(vas_mm_map_count(f.user), 6);
	mmap_read_unlock(f.mm);
	fixture_fini(&f);
}

/*
 * A walk over more VMAs than one leaf's parent holds, compared with a
 * vas_find_vma chain; then one that drops the lock between steps while
 * VMAs ahead of it and behind it are unmapped: each step after a change
 * finds its place again from the end of the VMA it returned last.
 */
TEST(iterator_many_vmas_and_changes_between_steps)
{
	struct fixture f;
	struct vas_vma_iter it;
	struct vas_vma_ref *v, *w;
	unsigned long pos = 0, last = 0;
	int n = 0, even = 0;
	bool gone[400] = { false };

	fixture_init(&f);
	mmap_write_lock(f.mm);
	for (int i = 0; i < 400; i++)
		ASSERT_NOT_NULL(mk(f.mm, W + (2 * i) * P, W + (2 * i + 1) * P,
				   RW));
	mmap_write_downgrade(f.mm);
	vas_vma_iter_init(&it, f.user, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, f.user))) {
		w = vas_find_vma(f.user, pos);
		ASSERT_PTR_EQ(v, w);
		pos = vas_vma_end(v);
		n++;
	}
	EXPECT_EQ(n, 400);
	mmap_read_unlock(f.mm);

	mmap_read_lock(f.mm);
	vas_vma_iter_init(&it, f.user, 0, ULONG_MAX);
	n = 0;
	while ((v = vas_vma_iter_next(&it, f.user))) {
		unsigned long i = (vas_vma_start(v) - W) / (2 * P);

		EXPECT_TRUE(vas_vma_start(v) >= last);
		last = vas_vma_end(v);
		if (i % 2 == 0)
			EXPECT_EQ(i, 2UL * (unsigned long)even++);
		EXPECT_FALSE(gone[i]);
		if (++n % 3 == 0) {
			/* an odd one ahead and one behind go */
			unsigned long ahead = (i | 1) + 2, behind = (i - 4) | 1;

			mmap_read_unlock(f.mm);
			if (ahead < 400) {
				EXPECT_EQ(vas_munmap(f.user, W + 2 * ahead * P,
						     P), 0);
				gone[ahead] = true;
			}
			if (i > 4) {
				EXPECT_EQ(vas_munmap(f.user, W + 2 * behind * P,
						     P), 0);
				gone[behind] = true;
			}
			mmap_read_lock(f.mm);
		}
	}
	EXPECT_EQ(even, 200);
	mmap_read_unlock(f.mm);
	fixture_fini(&f);
}

TEST(split_above_and_below)
{
	struct fixture f;
	struct vm_area_struct *a, *n1, *n2;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	/* 0123456789
	 * aaaaaaaa      -> split at 5 (new above) -> split at 2 (new below)
	 * nnaaannn                                                   */
	a = mk(f.mm, W, W + 8 * P, RW);
	ASSERT_NOT_NULL(a);
	ASSERT_EQ(vma_split(f.mm, a, W + 5 * P, false, &n1), 0);
	EXPECT_LAYOUT(f.mm, 2, W, W + 5 * P, W + 5 * P, W + 8 * P);
	EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 5 * P, NULL, NULL), n1);
	EXPECT_EQ(n1->vm_flags, RW);
	ASSERT_EQ(vma_split(f.mm, a, W + 2 * P, true, &n2), 0);
	EXPECT_LAYOUT(f.mm, 3, W, W + 2 * P, W + 2 * P, W + 5 * P, W + 5 * P, W + 8 * P);
	EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W, NULL, NULL), n2);
	EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 3 * P, NULL, NULL), a);
	EXPECT_EQ(f.mm->total_vm, 8);
	/* the split VMAs are write-locked until the mmap lock is released */
	EXPECT_TRUE(vma_is_write_locked(a));
	EXPECT_TRUE(vma_is_write_locked(n2));
	/* bad split points */
	EXPECT_EQ(vma_split(f.mm, a, W + 2 * P, false, &n2), -EINVAL);
	EXPECT_EQ(vma_split(f.mm, a, W + 5 * P, false, &n2), -EINVAL);
	EXPECT_EQ(vma_split(f.mm, a, W + 3 * P + 8, false, &n2), -EINVAL);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_SPLIT), 2);
	mmap_write_unlock(f.mm);
	EXPECT_FALSE(vma_is_write_locked(a));
	fixture_fini(&f);
}

TEST(merge_next)
{
	struct fixture f;
	struct vm_area_struct *a, *b, *c;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	/* aabbb c  -> merge a+b -> aaaaa c */
	a = mk(f.mm, W, W + 2 * P, RW);
	b = mk(f.mm, W + 2 * P, W + 5 * P, RW);
	c = mk(f.mm, W + 6 * P, W + 7 * P, RW);
	ASSERT_TRUE(a && b && c);
	ASSERT_EQ(vma_merge_next(f.mm, a, b), 0);
	EXPECT_LAYOUT(f.mm, 2, W, W + 5 * P, W + 6 * P, W + 7 * P);
	EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 4 * P, NULL, NULL), a);
	EXPECT_EQ(f.mm->total_vm, 6);
	EXPECT_EQ(vma_merge_next(f.mm, a, c), -EINVAL);	/* not adjacent */
	EXPECT_LAYOUT(f.mm, 2, W, W + 5 * P, W + 6 * P, W + 7 * P);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

TEST(remove_vma)
{
	struct fixture f;
	struct vm_area_struct *a, *b;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + 2 * P, RW);
	b = mk(f.mm, W + 3 * P, W + 4 * P, RW);
	ASSERT_TRUE(a && b);
	ASSERT_EQ(vma_remove(f.mm, a), 0);
	EXPECT_LAYOUT(f.mm, 1, W + 3 * P, W + 4 * P);
	EXPECT_EQ(f.mm->total_vm, 1);
	ASSERT_EQ(vma_remove(f.mm, b), 0);
	EXPECT_LAYOUT(f.mm, 0);
	EXPECT_EQ(f.mm->total_vm, 0);
	EXPECT_EQ(f.mm->data_vm, 0);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

static struct vm_area_struct *new_vma(struct mm_struct *mm, unsigned long s,
				      unsigned long e)
{
	struct vm_area_struct *v = vm_area_alloc(mm);

	if (v) {
		v->vm_start = s;
		v->vm_end = e;
		v->vm_flags = RW;
		v->vm_pgoff = s / P;
	}
	return v;
}

TEST(replace_range_every_shape)
{
	struct fixture f;
	struct vm_area_struct *a, *b, *c, *x;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	/* 0         1
	 * 0123456789012345
	 * aaaa bb cccc        replace [2, 10) by x:
	 * aaxxxxxxxxcc        a trimmed, b removed, c trimmed (pgoff moves) */
	a = mk(f.mm, W, W + 4 * P, RW);
	b = mk(f.mm, W + 5 * P, W + 7 * P, RW);
	c = mk(f.mm, W + 8 * P, W + 12 * P, RW);
	ASSERT_TRUE(a && b && c);
	x = new_vma(f.mm, W + 2 * P, W + 10 * P);
	ASSERT_NOT_NULL(x);
	ASSERT_EQ(vma_replace_range(f.mm, x), 0);
	EXPECT_LAYOUT(f.mm, 3, W, W + 2 * P, W + 2 * P, W + 10 * P, W + 10 * P, W + 12 * P);
	EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 11 * P, NULL, NULL), c);
	EXPECT_EQ(f.mm->total_vm, 12);

	/* replace exactly x: x2 takes its place */
	{
		struct vm_area_struct *x2 = new_vma(f.mm, W + 2 * P, W + 10 * P);

		ASSERT_NOT_NULL(x2);
		ASSERT_EQ(vma_replace_range(f.mm, x2), 0);
		EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 5 * P, NULL, NULL), x2);
		x = x2;
	}
	EXPECT_LAYOUT(f.mm, 3, W, W + 2 * P, W + 2 * P, W + 10 * P, W + 10 * P, W + 12 * P);

	/* inside one VMA: x is split around y */
	{
		struct vm_area_struct *y = new_vma(f.mm, W + 4 * P, W + 6 * P);
		struct vm_area_struct *tail;

		ASSERT_NOT_NULL(y);
		ASSERT_EQ(vma_replace_range(f.mm, y), 0);
		EXPECT_LAYOUT(f.mm, 5, W, W + 2 * P, W + 2 * P, W + 4 * P,
			      W + 4 * P, W + 6 * P, W + 6 * P, W + 10 * P,
			      W + 10 * P, W + 12 * P);
		tail = rt_lookup(&f.mm->mm_mt, W + 7 * P, NULL, NULL);
		EXPECT_NE((uintptr_t)tail, (uintptr_t)x);
		EXPECT_PTR_EQ(rt_lookup(&f.mm->mm_mt, W + 3 * P, NULL, NULL), x);
	}
	/* into a hole */
	{
		struct vm_area_struct *z = new_vma(f.mm, W + 20 * P, W + 21 * P);

		ASSERT_EQ(vma_replace_range(f.mm, z), 0);
	}
	EXPECT_EQ(f.mm->total_vm, 13);
	EXPECT_EQ(f.mm->map_count, 6);
	EXPECT_EQ(validate_mm(f.mm), 0);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

TEST(max_map_count_is_enforced)
{
	struct vas_machine_config cfg;
	struct fixture f;
	struct vm_area_struct *a, *n;

	vas_machine_config_init(&cfg);
	cfg.max_map_count = 3;
	ASSERT_EQ(vas_machine_create(&cfg, &f.machine), 0);
	ASSERT_EQ(vas_mm_create(f.machine, &f.user), 0);
	f.mm = mm_of_user(f.user);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + 4 * P, RW);
	ASSERT_NOT_NULL(mk(f.mm, W + 5 * P, W + 6 * P, RW));
	ASSERT_NOT_NULL(mk(f.mm, W + 7 * P, W + 8 * P, RW));
	EXPECT_NULL(mk(f.mm, W + 9 * P, W + 10 * P, RW));
	EXPECT_EQ(vma_split(f.mm, a, W + 2 * P, false, &n), -ENOMEM);
	{
		struct vm_area_struct *y = new_vma(f.mm, W + P, W + 2 * P);

		EXPECT_EQ(vma_replace_range(f.mm, y), -ENOMEM);
		vm_area_free(y);
	}
	EXPECT_LAYOUT(f.mm, 3, W, W + 4 * P, W + 5 * P, W + 6 * P, W + 7 * P, W + 8 * P);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

/* The setters of vas_vma_new, as a file's mmap hook uses them. */
TEST(vma_new_setters)
{
	struct fixture f;
	struct vm_area_struct *v;
	struct vas_vma_new *n;
	int token;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	v = new_vma(f.mm, W, W + P);
	ASSERT_NOT_NULL(v);
	v->vm_flags = VAS_VM_READ | VAS_VM_MAYREAD | VAS_VM_MAYWRITE | VAS_VM_MAYEXEC;
	vma_new_begin(v);
	n = vma_new(v);
	vas_vma_new_set_io(n);
	vas_vma_new_set_dontexpand(n);
	vas_vma_new_set_dontcopy(n);
	vas_vma_new_set_dontdump(n);
	vas_vma_new_set_mixedmap(n);
	vas_vma_new_set_private(n, &token);
	EXPECT_EQ(vas_vma_new_try_clear_mayread(n), -EINVAL);	/* VM_READ set */
	EXPECT_EQ(vas_vma_new_try_clear_maywrite(n), 0);
	EXPECT_EQ(vas_vma_new_try_clear_mayexec(n), 0);
	EXPECT_EQ(vas_vma_flags(vas_vma_new_ref(n)),
		  VAS_VM_READ | VAS_VM_MAYREAD | VAS_VM_IO | VAS_VM_DONTEXPAND |
		  VAS_VM_DONTCOPY | VAS_VM_DONTDUMP | VAS_VM_MIXEDMAP);
	vma_new_end(v);
	ASSERT_EQ(vma_link(f.mm, v), 0);
	{
		struct vas_vma_ref *r = vas_vma_lookup(f.user, W);
		struct vas_vma_mixedmap *mx = vas_vma_as_mixedmap(r);

		ASSERT_NOT_NULL(mx);
		EXPECT_PTR_EQ(vas_vma_mixedmap_ref(mx), r);
		EXPECT_PTR_EQ(vas_vma_private(r), &token);
	}
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

/* The validator must catch each kind of corruption it claims to check. */
TEST(validator_catches_corruption)
{
	struct fixture f;
	struct vm_area_struct *a, *b;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + 2 * P, RW);
	b = mk(f.mm, W + 4 * P, W + 6 * P, RW);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(validate_mm(f.mm), 0);

	f.mm->map_count++;
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	f.mm->map_count--;

	a->vm_end += P;		/* VMA disagrees with the tree */
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	a->vm_end -= P;

	f.mm->total_vm++;
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	f.mm->total_vm--;

	b->vm_flags &= ~VAS_VM_MAYWRITE;	/* VM_WRITE without VM_MAYWRITE */
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	b->vm_flags |= VAS_VM_MAYWRITE;

	b->vm_flags |= VAS_VM_SHARED;		/* VM_SHARED without VM_MAYSHARE */
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	b->vm_flags &= ~VAS_VM_SHARED;

	__atomic_store_n(&b->vm_refcnt, 0u, __ATOMIC_RELAXED);	/* "detached" */
	EXPECT_EQ(validate_mm(f.mm), -EUCLEAN);
	__atomic_store_n(&b->vm_refcnt, 1u, __ATOMIC_RELAXED);

	EXPECT_EQ(validate_mm(f.mm), 0);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}
