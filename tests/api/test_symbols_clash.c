// SPDX-License-Identifier: MIT
/*
 * test_symbols_clash.c - an embedder that defines functions with the kernel
 * names vas uses inside (vma_lookup, mmap_read_lock, rt_store,
 * lock_vma_under_rcu). Built twice: against libvas.a (a clash would be a
 * duplicate-definition link error) and against libvas.so (a clash would
 * let ours interpose on the library's own calls).
 *
 * Each of our functions counts its calls. The library must never call them,
 * and calling them must reach ours.
 */
#include <vas/vas.h>
#include "harness.h"

static int calls[4];

/* Deliberately the kernel's names, with external linkage. */
void *vma_lookup(void *mm, unsigned long addr);
void mmap_read_lock(void *mm);
int rt_store(void *tree, unsigned long first, unsigned long last, void *p);
void *lock_vma_under_rcu(void *mm, unsigned long address);

void *vma_lookup(void *mm, unsigned long addr)
{
	(void)addr;
	calls[0]++;
	return mm;
}

void mmap_read_lock(void *mm)
{
	(void)mm;
	calls[1]++;
}

int rt_store(void *tree, unsigned long first, unsigned long last, void *p)
{
	(void)tree, (void)p;
	calls[2]++;
	return (int)(last - first);
}

void *lock_vma_under_rcu(void *mm, unsigned long address)
{
	(void)address;
	calls[3]++;
	return mm;
}

static void expect_calls(int a, int b, int c, int d)
{
	EXPECT_EQ(calls[0], a);
	EXPECT_EQ(calls[1], b);
	EXPECT_EQ(calls[2], c);
	EXPECT_EQ(calls[3], d);
}

TEST(library_does_not_call_ours)
{
	struct vas_machine *m = NULL;
	struct vas_mm_user *mm = NULL;
	struct vas_vma_read_guard *g;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	vas_mmap_read_lock(mm);
	EXPECT_NULL(vas_vma_lookup(mm, 1UL << 20));
	vas_mmap_read_unlock(mm);
	vas_mmap_write_lock(mm);
	EXPECT_EQ(vas_mm_map_count(mm), 0);
	vas_mmap_write_unlock(mm);
	if (vas_lock_vma_under_rcu(mm, 1UL << 20, &g)) {
		vas_vma_end_read(g);
		harness_fail(__FILE__, __LINE__, "locked a VMA in nothing");
	}
	EXPECT_NULL(g);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_VMA_LOCK_ABORT), 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MMAP_LOCK_READ), 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MMAP_LOCK_WRITE), 1);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
	expect_calls(0, 0, 0, 0);
}

TEST(ours_are_ours)
{
	int x;

	calls[0] = calls[1] = calls[2] = calls[3] = 0;
	EXPECT_PTR_EQ(vma_lookup(&x, 1), &x);
	mmap_read_lock(&x);
	EXPECT_EQ(rt_store(&x, 10, 17, &x), 7);
	EXPECT_PTR_EQ(lock_vma_under_rcu(&x, 2), &x);
	expect_calls(1, 1, 1, 1);
}
