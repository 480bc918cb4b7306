// SPDX-License-Identifier: MIT
/*
 * stress_notifier.c - MMU notifiers under concurrency: writer threads
 * break copy-on-write (invalidations under per-VMA locks, from several
 * threads at once) while a mapper munmaps, maps over, mprotects and zaps
 * the same range and a forker forks; meanwhile a registrar registers and
 * unregisters short-lived notifiers.
 *
 * Checked:
 *  - the long-lived notifier sees every start followed by its end: the
 *    count in progress never drops below zero and is zero at the end,
 *    starts == ends, every range page aligned and non-empty;
 *  - a short-lived notifier is never called after its unregistration
 *    returned: its private data is poisoned and freed right after (ASan
 *    reports a use after free; in other builds the callback finds the
 *    poison), and it never sees an end without its start;
 *  - release() comes once, at the last put, and nothing after it.
 * Under ThreadSanitizer no access may race.
 *
 * Public API only. Time-boxed: $VAS_STRESS_SECONDS (default 3) seconds.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>
#include "harness.h"

#define W 0x200000000000UL
#define P 4096UL
#define NPAGES 64UL
#define NWRITERS 2
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define MAGIC 0x6e6f7469667921UL
#define POISON 0xdeadUL

struct counts {
	unsigned long magic;
	long in_progress;	/* (a) */
	unsigned long starts, ends, releases;	/* (a) */
	unsigned long bad;	/* (a) */
};

static void count_bad(struct counts *c)
{
	__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

static struct counts *counts_of(struct vas_mmu_notifier *mn)
{
	struct counts *c = vas_mmu_notifier_private(mn);

	if (__atomic_load_n(&c->magic, __ATOMIC_RELAXED) != MAGIC)
		abort();	/* called after unregistration */
	return c;
}

static void check_range(struct counts *c,
			const struct vas_mmu_notifier_range *r)
{
	if (r->start >= r->end || (r->start | r->end) & (P - 1))
		count_bad(c);
}

static void n_start(struct vas_mmu_notifier *mn,
		    const struct vas_mmu_notifier_range *r)
{
	struct counts *c = counts_of(mn);

	check_range(c, r);
	__atomic_add_fetch(&c->starts, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->in_progress, 1, __ATOMIC_RELAXED);
	if ((r->start >> 12) % 7 == 0)
		sched_yield();	/* callbacks may sleep */
}

static void n_end(struct vas_mmu_notifier *mn,
		  const struct vas_mmu_notifier_range *r)
{
	struct counts *c = counts_of(mn);

	check_range(c, r);
	__atomic_add_fetch(&c->ends, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&c->in_progress, 1, __ATOMIC_RELAXED) < 0)
		count_bad(c);	/* an end without its start */
}

static void n_release(struct vas_mmu_notifier *mn, struct vas_mm *mm)
{
	struct counts *c = counts_of(mn);

	(void)mm;
	__atomic_add_fetch(&c->releases, 1, __ATOMIC_RELAXED);
}

static const struct vas_mmu_notifier_ops ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.release = n_release,
	.invalidate_range_start = n_start,
	.invalidate_range_end = n_end,
};

struct ctx {
	struct vas_mm_user *mm;
	int stop;
	unsigned long cycles[4];	/* per role, to show each ran */
	unsigned long bad;
};

static int stopped(struct ctx *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void ign(int err)
{
	(void)err;	/* races make some calls fail: that is fine */
}

static void *writer(void *arg)
{
	struct ctx *c = arg;
	uint64_t s = harness_seed() ^ (uintptr_t)&s;
	unsigned long n = 0;

	while (!stopped(c)) {
		unsigned long a = W + (rnd(&s) % NPAGES) * P;
		unsigned char b = (unsigned char)n;

		ign(vas_write(c->mm, a, &b, 1, NULL));	/* may fault: mapper */
		n++;
	}
	__atomic_add_fetch(&c->cycles[0], n, __ATOMIC_RELAXED);
	return NULL;
}

static void *mapper(void *arg)
{
	struct ctx *c = arg;
	uint64_t s = harness_seed() ^ 0x5151;
	unsigned long n = 0, got;

	while (!stopped(c)) {
		unsigned long a = W + (rnd(&s) % NPAGES) * P;
		unsigned long len = (1 + rnd(&s) % 4) * P;
		int err = 0;

		if (a + len > W + NPAGES * P)
			len = W + NPAGES * P - a;
		switch (rnd(&s) % 5) {
		case 0:
			err = vas_munmap(c->mm, a, len);
			break;
		case 1:
			err = vas_mmap(c->mm, a, len, RW, PRIV, NULL, 0, &got);
			break;
		case 2:
			err = vas_mprotect(c->mm, a, len, VAS_PROT_READ);
			break;
		case 3:
			err = vas_mprotect(c->mm, a, len, RW);
			break;
		case 4:
			err = vas_madvise(c->mm, a, len, VAS_MADV_DONTNEED);
			break;
		}
		ign(err);
		n++;
	}
	__atomic_add_fetch(&c->cycles[1], n, __ATOMIC_RELAXED);
	return NULL;
}

static void *forker(void *arg)
{
	struct ctx *c = arg;
	unsigned long n = 0;

	while (!stopped(c)) {
		struct vas_mm_user *child;

		if (vas_mm_fork(c->mm, &child) == 0) {
			sched_yield();	/* let the writers break COW */
			vas_mm_put(child);
		}
		n++;
	}
	__atomic_add_fetch(&c->cycles[2], n, __ATOMIC_RELAXED);
	return NULL;
}

static void *registrar(void *arg)
{
	struct ctx *c = arg;
	unsigned long n = 0;

	while (!stopped(c)) {
		struct counts *k = calloc(1, sizeof(*k));
		struct vas_mmu_notifier *mn;

		if (!k)
			abort();
		k->magic = MAGIC;
		if (vas_mmu_notifier_register(c->mm, &ops, k, &mn)) {
			free(k);
			continue;
		}
		for (int i = 0; i < 200 && !stopped(c); i++)
			sched_yield();
		vas_mmu_notifier_unregister(mn);
		/* some ends may be lost with it, never an end too many */
		if (__atomic_load_n(&k->bad, __ATOMIC_RELAXED) ||
		    k->ends > k->starts || k->releases)
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&k->magic, POISON, __ATOMIC_RELAXED);
		free(k);
		n++;
	}
	__atomic_add_fetch(&c->cycles[3], n, __ATOMIC_RELAXED);
	return NULL;
}

TEST(notifier_counts_stay_paired_under_races)
{
	struct vas_machine *m;
	struct ctx c = { 0 };
	struct counts k = { .magic = MAGIC };
	struct vas_mmu_notifier *mn;
	pthread_t t[NWRITERS + 3];
	double secs = harness_seconds(3), t0;
	unsigned long got;
	int nt = 0;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &c.mm), 0);
	ASSERT_EQ(vas_mmap(c.mm, W, NPAGES * P, RW, PRIV, NULL, 0, &got), 0);
	ASSERT_EQ(vas_fill(c.mm, W, 1, NPAGES * P, NULL), 0);
	ASSERT_EQ(vas_mmu_notifier_register(c.mm, &ops, &k, &mn), 0);
	for (int i = 0; i < NWRITERS; i++)
		ASSERT_EQ(pthread_create(&t[nt++], NULL, writer, &c), 0);
	ASSERT_EQ(pthread_create(&t[nt++], NULL, mapper, &c), 0);
	ASSERT_EQ(pthread_create(&t[nt++], NULL, forker, &c), 0);
	ASSERT_EQ(pthread_create(&t[nt++], NULL, registrar, &c), 0);
	t0 = harness_now();
	while (harness_now() - t0 < secs)
		sched_yield();
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	printf("  %lu writes, %lu map ops, %lu forks, %lu registrations; "
	       "%lu starts\n", c.cycles[0], c.cycles[1], c.cycles[2],
	       c.cycles[3], k.starts);
	EXPECT_EQ(k.bad, 0);
	EXPECT_EQ(c.bad, 0);
	EXPECT_EQ(k.in_progress, 0);
	EXPECT_EQ(k.starts, k.ends);
	EXPECT_GT(k.starts, 0);
	EXPECT_GT(c.cycles[3], 0);
	EXPECT_EQ(vas_mm_validate(c.mm), 0);
	vas_mm_put(c.mm);
	EXPECT_EQ(k.releases, 1);
	vas_mmu_notifier_unregister(mn);
	vas_machine_flush(m);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
