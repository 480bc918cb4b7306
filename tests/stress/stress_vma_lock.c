// SPDX-License-Identifier: MIT
/*
 * stress_vma_lock.c - readers take VMA locks under RCU (falling back to the
 * mmap read lock and vma_lookup) at random addresses while a writer inserts,
 * removes, splits, merges and replaces VMAs of the same address space, and
 * a second address space keeps reusing the VMAs the first one frees.
 *
 * Invariant checked by every reader on every VMA it gets: the VMA covers
 * the reader's address, belongs to the reader's address space (its tag and
 * vm_mm), and its fields are consistent (pgoff == start / page, the layout
 * the writer keeps). Under AddressSanitizer no reader may touch freed
 * memory; under ThreadSanitizer no access may race.
 *
 * Time-boxed: $VAS_STRESS_SECONDS (default 5) seconds.
 */
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"
#include "base/alloc.h"
#include "mm/mm.h"
#include "vma/vma.h"

#define W 0x200000000000UL
#define P 4096UL
#define NPAGES 512UL
#define RW (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_MAYREAD | VAS_VM_MAYWRITE)
#define NREADERS 2

static int tag1, tag2;		/* vm_private_data of mm1's and mm2's VMAs */

struct ctx {
	struct vas_mm_user *u1, *u2;
	struct mm_struct *mm1, *mm2;
	int stop;
	unsigned long bad;
	unsigned long locked, fallback, fallback_hit, writer_ops, recycled;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check(struct ctx *c, struct vm_area_struct *vma,
		  unsigned long addr, const char *how)
{
	if (vma->vm_start > addr || vma->vm_end <= addr ||
	    vma->vm_mm != c->mm1 || vma->vm_private_data != &tag1 ||
	    vma->vm_pgoff != vma->vm_start / P) {
		fprintf(stderr, "reader (%s) at %#lx got [%#lx, %#lx) mm %p tag %p pgoff %#lx\n",
			how, addr, vma->vm_start, vma->vm_end, (void *)vma->vm_mm,
			vma->vm_private_data, vma->vm_pgoff);
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
	}
}

static void *reader(void *arg)
{
	struct ctx *c = arg;
	uint64_t seed = harness_seed() ^ (uint64_t)(uintptr_t)&seed;
	unsigned long locked = 0, fb = 0, fbhit = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long addr = W + rnd(&seed) % (NPAGES * P);
		struct vm_area_struct *vma = lock_vma_under_rcu(c->mm1, addr);

		if (vma) {
			check(c, vma, addr, "vma lock");
			vma_end_read(vma);
			locked++;
			continue;
		}
		fb++;
		mmap_read_lock(c->mm1);
		vma = rt_lookup(&c->mm1->mm_mt, addr, NULL, NULL);
		if (vma) {
			check(c, vma, addr, "mmap lock");
			fbhit++;
		}
		mmap_read_unlock(c->mm1);
	}
	__atomic_add_fetch(&c->locked, locked, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->fallback, fb, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->fallback_hit, fbhit, __ATOMIC_RELAXED);
	return NULL;
}

static struct vm_area_struct *new_vma(struct mm_struct *mm, unsigned long s,
				      unsigned long e, void *tag)
{
	struct vm_area_struct *v = vm_area_alloc(mm);

	if (v) {
		v->vm_start = s;
		v->vm_end = e;
		v->vm_flags = RW;
		v->vm_pgoff = s / P;
		v->vm_private_data = tag;
	}
	return v;
}

/* One random change to mm1. Context: mm1 write-locked. */
static void writer_op(struct ctx *c, struct mm_struct *mm, uint64_t *seed)
	VAS_REQUIRES(mm)
{
	unsigned long a = W + (rnd(seed) % NPAGES) * P;
	struct vm_area_struct *vma = rt_lookup(&mm->mm_mt, a, NULL, NULL);
	struct vm_area_struct *n;
	unsigned long len = (1 + rnd(seed) % 6) * P, s, e;
	int err = 0;

	switch (rnd(seed) % 5) {
	case 0:	/* insert into free space */
		e = a + len > W + NPAGES * P ? W + NPAGES * P : a + len;
		if (!rt_find(&mm->mm_mt, a, &s, NULL) || s >= e) {
			n = new_vma(mm, a, e, &tag1);
			if (n && (err = vma_link(mm, n)))
				vm_area_free(n);
		}
		break;
	case 1:	/* remove */
		if (vma)
			err = vma_remove(mm, vma);
		break;
	case 2:	/* split: one range replaced by two */
		if (vma && vma_pages(vma) > 1) {
			unsigned long at = vma->vm_start +
				(1 + rnd(seed) % (vma_pages(vma) - 1)) * P;

			err = vma_split(mm, vma, at, rnd(seed) & 1, &n);
		}
		break;
	case 3:	/* merge with the next one if adjacent */
		if (vma) {
			n = rt_next(&mm->mm_mt, vma->vm_end, &s, NULL);
			if (n && s == vma->vm_end)
				err = vma_merge_next(mm, vma, n);
		}
		break;
	default: /* replace whatever is in [a, a + len) */
		e = a + len > W + NPAGES * P ? W + NPAGES * P : a + len;
		n = new_vma(mm, a, e, &tag1);
		if (n && (err = vma_replace_range(mm, n)))
			vm_area_free(n);
		break;
	}
	if (err)
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

static void *writer(void *arg)
{
	struct ctx *c = arg;
	uint64_t seed = harness_seed() * 31 + 7;
	unsigned long ops = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		mmap_write_lock(c->mm1);
		for (int i = 0; i < 4; i++)
			writer_op(c, c->mm1, &seed);
		if ((ops & 255) == 0 && validate_mm(c->mm1))
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		mmap_write_unlock(c->mm1);
		ops += 4;
	}
	c->writer_ops = ops;
	return NULL;
}

/* mm2 maps and unmaps in the same addresses, reusing mm1's freed VMAs. */
static void *recycler(void *arg)
{
	struct ctx *c = arg;
	uint64_t seed = harness_seed() * 17 + 3;
	unsigned long n = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long a = W + (rnd(&seed) % NPAGES) * P;
		struct vm_area_struct *v;

		mmap_write_lock(c->mm2);
		v = new_vma(c->mm2, a, a + P, &tag2);
		if (v && vma_link(c->mm2, v) == 0) {
			if (vma_remove(c->mm2, v))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			n++;
		} else if (v) {
			vm_area_free(v);
		}
		mmap_write_unlock(c->mm2);
	}
	c->recycled = n;
	return NULL;
}

TEST(readers_writer_recycler)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct ctx c = { 0 };
	pthread_t r[NREADERS], w, rc;
	double secs = harness_seconds(5.0), t0;

	vas_machine_config_init(&cfg);
	cfg.vma_cache_max = 64;	/* also exercise the real RCU-deferred free */
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &c.u1), 0);
	ASSERT_EQ(vas_mm_create(m, &c.u2), 0);
	c.mm1 = mm_of_user(c.u1);
	c.mm2 = mm_of_user(c.u2);

	for (int i = 0; i < NREADERS; i++)
		pthread_create(&r[i], NULL, reader, &c);
	pthread_create(&w, NULL, writer, &c);
	pthread_create(&rc, NULL, recycler, &c);
	t0 = harness_now();
	while (harness_now() - t0 < secs)
		usleep(20000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(r[i], NULL);
	pthread_join(w, NULL);
	pthread_join(rc, NULL);

	printf("# %.1fs: %lu VMA-locked reads, %lu fallbacks (%lu hit), %lu writer ops, %lu recycled\n",
	       secs, c.locked, c.fallback, c.fallback_hit, c.writer_ops, c.recycled);
	printf("# vma_lock success %llu abort %llu miss %llu, vma_write_wait %llu\n",
	       (unsigned long long)vas_stat_read(m, VAS_STAT_VMA_LOCK_SUCCESS),
	       (unsigned long long)vas_stat_read(m, VAS_STAT_VMA_LOCK_ABORT),
	       (unsigned long long)vas_stat_read(m, VAS_STAT_VMA_LOCK_MISS),
	       (unsigned long long)vas_stat_read(m, VAS_STAT_VMA_WRITE_WAIT));
	EXPECT_EQ(c.bad, 0);
	EXPECT_GT(c.locked, 0);
	EXPECT_GT(c.writer_ops, 0);
	EXPECT_GT(c.recycled, 0);
	EXPECT_EQ(vas_mm_validate(c.u1), 0);
	EXPECT_EQ(vas_mm_validate(c.u2), 0);
	vas_mm_put(c.u1);
	vas_mm_put(c.u2);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
