// SPDX-License-Identifier: MIT
/*
 * test_page.c - the frame pool (mem/page.c), white-box: allocation, counts,
 * the zeroing rule, the zero page, exhaustion and recovery, frame numbers,
 * failure injection, the page lock, thread caches across machines, and
 * threads allocating and freeing concurrently. Every case ends with
 * frames_validate() and every frame back in the pool.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "page/page.h"
#include "mm/mm_types.h"
#include "harness.h"

#define P PAGE_SIZE

static struct vas_machine *machine_with(size_t bytes)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = bytes;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_NOT_NULL(m);
	return m;
}

static struct frames_stats stats_of(struct vas_machine *m)
{
	struct frames_stats st;

	frames_stats(m->frames, &st);
	return st;
}

/* Every frame but the zero page is free, the pool is valid; destroy. */
static void finish(struct vas_machine *m)
{
	struct frames_stats st = stats_of(m);

	EXPECT_EQ(frames_validate(m->frames), 0);
	EXPECT_EQ(st.free, st.total - 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

static bool all_bytes(const void *p, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < P; i++)
		if (b[i] != c)
			return false;
	return true;
}

TEST(config_default_and_bad_sizes)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;
	struct frames_stats st;

	vas_machine_config_init(&cfg);
	EXPECT_EQ(cfg.frames_bytes, 256UL << 20);
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	st = stats_of(m);
	EXPECT_EQ(st.total, (256UL << 20) / P);
	EXPECT_EQ(st.free, st.total - 1);
	EXPECT_EQ(st.untouched, st.total - 1);
	EXPECT_EQ(st.cached, 0);
	finish(m);

	cfg.frames_bytes = 0;			/* 0: the default */
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	EXPECT_EQ(vas_machine_config(m)->frames_bytes, 256UL << 20);
	finish(m);

	m = NULL;
	cfg.frames_bytes = 64 * P + 1;		/* not a multiple of a frame */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	cfg.frames_bytes = P;			/* only the zero page */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	cfg.frames_bytes = 1UL << 47;		/* above 64 TiB */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);
	cfg.frames_bytes = 2 * P;		/* the least: one usable */
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	EXPECT_EQ(stats_of(m).free, 1);
	finish(m);
}

TEST(alloc_get_put_counts)
{
	struct vas_machine *m = machine_with(1UL << 20);
	uint64_t allocs = vas_stat_read(m, VAS_STAT_PGALLOC);
	uint64_t frees = vas_stat_read(m, VAS_STAT_PGFREE);
	unsigned long free0 = stats_of(m).free;
	struct page *a, *b;

	a = alloc_page(m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(a);
	b = alloc_page(m->frames, __GFP_ZERO);
	ASSERT_NOT_NULL(b);
	EXPECT_TRUE(a != b);
	EXPECT_TRUE(page_address(a) != page_address(b));
	/* A new page: one reference, unmapped, no flags, no owner. */
	EXPECT_EQ(page_ref_count(a), 1);
	EXPECT_EQ(page_mapcount(a), 0);
	EXPECT_FALSE(page_mapped(a));
	EXPECT_EQ(a->flags, 0);
	EXPECT_NULL(a->mapping);
	EXPECT_EQ(a->index, 0);
	EXPECT_EQ(a->private, 0);
	EXPECT_FALSE(is_zero_page(a));
	EXPECT_EQ(stats_of(m).free, free0 - 2);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_PGALLOC), allocs + 2);
	EXPECT_EQ(frames_validate(m->frames), 0);

	get_page(a);
	EXPECT_EQ(page_ref_count(a), 2);
	EXPECT_TRUE(get_page_unless_zero(a));
	EXPECT_EQ(page_ref_count(a), 3);
	put_page(a);
	put_page(a);
	EXPECT_EQ(page_ref_count(a), 1);
	EXPECT_EQ(stats_of(m).free, free0 - 2);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_PGFREE), frees);

	/* Flags and owner fields are the owner's; freeing clears them. */
	SetPageDirty(a);
	SetPageUptodate(a);
	EXPECT_TRUE(PageDirty(a) && PageUptodate(a));
	EXPECT_TRUE(TestClearPageDirty(a));
	EXPECT_FALSE(TestClearPageDirty(a));
	a->mapping = (void *)m;
	a->index = 7;
	put_page(a);				/* the last reference */
	EXPECT_EQ(page_ref_count(a), 0);
	EXPECT_FALSE(get_page_unless_zero(a));
	EXPECT_EQ(stats_of(m).free, free0 - 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_PGFREE), frees + 1);
	EXPECT_EQ(frames_validate(m->frames), 0);
	put_page(b);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_OOM), 0);
	finish(m);
}

TEST(mapcount_helpers)
{
	struct vas_machine *m = machine_with(1UL << 20);
	struct page *p = alloc_page(m->frames, GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	/* Two mappings, each with its own reference. */
	get_page(p);
	EXPECT_TRUE(page_add_map(p));		/* first */
	get_page(p);
	EXPECT_FALSE(page_add_map(p));
	EXPECT_EQ(page_mapcount(p), 2);
	EXPECT_EQ(p->_mapcount, 1);		/* -1 based */
	EXPECT_TRUE(page_mapped(p));
	EXPECT_EQ(frames_validate(m->frames), 0);
	EXPECT_FALSE(page_remove_map(p));
	put_page(p);
	EXPECT_TRUE(page_remove_map(p));	/* last */
	put_page(p);
	EXPECT_EQ(page_mapcount(p), 0);
	EXPECT_EQ(page_ref_count(p), 1);
	put_page(p);
	finish(m);
}

/* The rule: no address space can ever read bytes another one left. */
TEST(recycled_frames_are_zeroed)
{
	struct vas_machine *m = machine_with(1UL << 20);
	struct frames_stats st = stats_of(m);
	struct page **pages = calloc(st.total, sizeof(*pages));
	unsigned long n = 0;

	ASSERT_NOT_NULL(pages);
	/* Dirty every frame of the pool, free them all, allocate again. */
	while ((pages[n] = alloc_page(m->frames, GFP_KERNEL)) != NULL) {
		EXPECT_TRUE(all_bytes(page_address(pages[n]), 0));
		memset(page_address(pages[n]), 0xab, P);
		n++;
	}
	EXPECT_EQ(n, st.total - 1);
	for (unsigned long i = 0; i < n; i++)
		put_page(pages[i]);
	EXPECT_EQ(frames_validate(m->frames), 0);
	for (unsigned long i = 0; i < n; i++) {
		pages[i] = alloc_page(m->frames, i & 1 ? GFP_KERNEL : __GFP_ZERO);
		ASSERT_NOT_NULL(pages[i]);
		if (!all_bytes(page_address(pages[i]), 0))
			harness_fail(__FILE__, __LINE__, "frame %lu not zero",
				     page_to_pfn(pages[i]));
	}
	for (unsigned long i = 0; i < n; i++)
		put_page(pages[i]);
	free(pages);
	finish(m);
}

TEST(nozero_frames)
{
	struct vas_machine *m = machine_with(1UL << 20);
	struct page *p = alloc_page(m->frames, GFP_KERNEL), *q;

	ASSERT_NOT_NULL(p);
	memset(page_address(p), 0xab, P);
	put_page(p);
	/* This thread's cache hands the same frame back first. */
	q = alloc_page(m->frames, __GFP_NOZERO);
	ASSERT_PTR_EQ(q, p);
#ifdef VAS_DEBUG
	/* Debug builds: poison, so a caller that forgets to fill shows up. */
	EXPECT_TRUE(all_bytes(page_address(q), PAGE_POISON));
#endif
	memset(page_address(q), 0xcd, P);	/* the caller's obligation */
	put_page(q);
	/* __GFP_ZERO wins over __GFP_NOZERO. */
	q = alloc_page(m->frames, __GFP_NOZERO | __GFP_ZERO);
	ASSERT_NOT_NULL(q);
	EXPECT_TRUE(all_bytes(page_address(q), 0));
	put_page(q);
	finish(m);
}

TEST(zero_page_shared_never_freed)
{
	struct vas_machine *m = machine_with(64 * P);
	struct vas_machine *m2 = machine_with(64 * P);
	struct page *z = ZERO_PAGE(m->frames), *pages[64];
	unsigned long n = 0;

	ASSERT_NOT_NULL(z);
	EXPECT_PTR_EQ(ZERO_PAGE(m->frames), z);
	EXPECT_TRUE(ZERO_PAGE(m2->frames) != z);	/* one per machine */
	EXPECT_TRUE(is_zero_page(z));
	EXPECT_TRUE(PageReserved(z));
	EXPECT_TRUE(PageUptodate(z));
	EXPECT_EQ(page_ref_count(z), 1);
	EXPECT_EQ(page_mapcount(z), 0);
	EXPECT_TRUE(all_bytes(page_address(z), 0));
	EXPECT_TRUE(pfn_valid(m->frames, page_to_pfn(z)));
	EXPECT_PTR_EQ(pfn_to_page(m->frames, page_to_pfn(z)), z);

	/* References may be taken and dropped; the page stays. */
	get_page(z);
	put_page(z);
	EXPECT_EQ(page_ref_count(z), 1);

	/* Exhausting the pool never hands it out. */
	while ((pages[n] = alloc_page(m->frames, GFP_KERNEL)) != NULL) {
		EXPECT_TRUE(pages[n] != z);
		n++;
	}
	EXPECT_EQ(n, 63);
	while (n)
		put_page(pages[--n]);
	EXPECT_TRUE(all_bytes(page_address(z), 0));
	EXPECT_EQ(page_ref_count(z), 1);
	finish(m2);
	finish(m);
}

static void put_last_zero_page_ref(void)
{
	struct vas_machine *m = machine_with(64 * P);

	put_page(ZERO_PAGE(m->frames));
}

TEST(zero_page_misuse_is_caught)
{
	unsigned long warns = vas_warn_count();
	struct vas_machine *m;
	int status = 0;
	pid_t pid;

	/* First, while this process has one thread (TSan forks no other). */
	EXPECT_ABORTS(put_last_zero_page_ref, "PG_reserved");
	m = machine_with(64 * P);
	/* Not rmapped: the helpers warn and count nothing. */
	EXPECT_FALSE(page_add_map(ZERO_PAGE(m->frames)));
	EXPECT_FALSE(page_remove_map(ZERO_PAGE(m->frames)));
	EXPECT_EQ(page_mapcount(ZERO_PAGE(m->frames)), 0);
	EXPECT_EQ(vas_warn_count(), warns + 2);

	/* Writing to it faults in the host: its memory is read-only. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		*(volatile char *)page_address(ZERO_PAGE(m->frames)) = 1;
		_exit(0);
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE(all_bytes(page_address(ZERO_PAGE(m->frames)), 0));
	finish(m);
}

static void free_twice(void)
{
	struct vas_machine *m = machine_with(64 * P);
	struct page *p = alloc_page(m->frames, GFP_KERNEL);

	put_page(p);
	put_page(p);
}

static void free_mapped(void)
{
	struct vas_machine *m = machine_with(64 * P);
	struct page *p = alloc_page(m->frames, GFP_KERNEL);

	(void)page_add_map(p);
	put_page(p);
}

TEST(free_misuse_is_caught)
{
	EXPECT_ABORTS(free_twice, "now < 0");
	EXPECT_ABORTS(free_mapped, "page_mapped(page)");
}

TEST(exhaustion_then_recovery)
{
	/* 4 MiB: thread caches are on (1024 frames, caches of 8). */
	struct vas_machine *m = machine_with(4UL << 20);
	struct frames_stats st = stats_of(m);
	struct page **pages = calloc(st.total, sizeof(*pages));
	unsigned long n = 0, total = st.total;

	ASSERT_NOT_NULL(pages);
	while ((pages[n] = alloc_page(m->frames, GFP_KERNEL)) != NULL)
		n++;
	EXPECT_EQ(n, total - 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_OOM), 1);
	EXPECT_NULL(alloc_page(m->frames, GFP_KERNEL));	/* stays exhausted */
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_OOM), 2);
	st = stats_of(m);
	EXPECT_EQ(st.free, 0);
	EXPECT_EQ(st.untouched, 0);
	EXPECT_EQ(frames_validate(m->frames), 0);

	/* One frame back: one allocation succeeds, the next fails. */
	put_page(pages[--n]);
	EXPECT_EQ(stats_of(m).free, 1);
	pages[n] = alloc_page(m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(pages[n]);
	n++;
	EXPECT_NULL(alloc_page(m->frames, GFP_KERNEL));

	/* Half back (some to the cache, most to the list), all again. */
	while (n > total / 2)
		put_page(pages[--n]);
	st = stats_of(m);
	EXPECT_EQ(st.free, total - 1 - n);
	EXPECT_LE(st.cached, 8);
	EXPECT_EQ(frames_validate(m->frames), 0);
	while ((pages[n] = alloc_page(m->frames, GFP_KERNEL)) != NULL)
		n++;
	EXPECT_EQ(n, total - 1);
	while (n)
		put_page(pages[--n]);
	st = stats_of(m);
	EXPECT_EQ(st.free, total - 1);
	EXPECT_LE(st.cached, 8);
	frames_drain_local();
	EXPECT_EQ(stats_of(m).cached, 0);
	free(pages);
	finish(m);
}

TEST(pfn_round_trips)
{
	struct vas_machine *m = machine_with(1UL << 20);
	struct frames_stats st = stats_of(m);
	char *base = page_address(ZERO_PAGE(m->frames));
	struct page *p[16];

	EXPECT_EQ(page_to_pfn(ZERO_PAGE(m->frames)), 0);
	for (int i = 0; i < 16; i++) {
		unsigned long pfn;

		p[i] = alloc_page(m->frames, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		pfn = page_to_pfn(p[i]);
		EXPECT_TRUE(pfn > 0 && pfn < st.total);
		EXPECT_TRUE(pfn_valid(m->frames, pfn));
		EXPECT_PTR_EQ(pfn_to_page(m->frames, pfn), p[i]);
		EXPECT_PTR_EQ(page_address(p[i]), base + pfn * P);
		EXPECT_EQ((uintptr_t)page_address(p[i]) % P, 0);
	}
	EXPECT_TRUE(pfn_valid(m->frames, st.total - 1));
	EXPECT_FALSE(pfn_valid(m->frames, st.total));
	EXPECT_FALSE(pfn_valid(m->frames, ~0UL));
	EXPECT_NULL(pfn_to_page(m->frames, st.total));
	EXPECT_PTR_EQ(page_address(pfn_to_page(m->frames, st.total - 1)),
		      base + (st.total - 1) * P);
	for (int i = 0; i < 16; i++)
		put_page(p[i]);
	finish(m);
}

TEST(failure_injection)
{
	struct vas_machine *m = machine_with(1UL << 20);
	unsigned long free0 = stats_of(m).free;
	struct page *p;

	vas_fail_reset();
	vas_fail_site(VAS_FP_FRAME, true);
	EXPECT_NULL(alloc_page(m->frames, GFP_KERNEL));
	EXPECT_NULL(alloc_page(m->frames, __GFP_NOZERO));
	vas_fail_site(VAS_FP_FRAME, false);
	EXPECT_EQ(vas_fail_fired(), 2);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_FRAME), 2);
	/* Injected failures are not exhaustion. */
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_OOM), 0);
	EXPECT_EQ(stats_of(m).free, free0);

	vas_fail_nth(2);			/* the second from now */
	p = alloc_page(m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_NULL(alloc_page(m->frames, GFP_KERNEL));
	put_page(p);
	p = alloc_page(m->frames, GFP_KERNEL);		/* once only */
	ASSERT_NOT_NULL(p);
	put_page(p);
	EXPECT_EQ(vas_fail_fired(), 3);
	vas_fail_reset();

	/* Pool creation fails cleanly too (it is a MACHINE allocation). */
	{
		long live = vas_alloc_live();
		struct vas_machine *m2 = NULL;

		vas_fail_nth(2);	/* machine, then the pool */
		EXPECT_EQ(vas_machine_create(NULL, &m2), -ENOMEM);
		EXPECT_NULL(m2);
		vas_fail_reset();
		EXPECT_EQ(vas_alloc_live(), live);
	}
	finish(m);
}

/* ---- the page lock ------------------------------------------------------- */

struct lock_arg {
	struct page *page;
	int *counter;
	int iters;
};

static void *lock_worker(void *arg)
{
	struct lock_arg *a = arg;

	for (int i = 0; i < a->iters; i++) {
		lock_page(a->page);
		/* Plain accesses: TSan checks that the lock orders them. */
		(*a->counter)++;
		unlock_page(a->page);
	}
	return NULL;
}

TEST(page_lock)
{
	struct vas_machine *m = machine_with(1UL << 20);
	struct page *p = alloc_page(m->frames, GFP_KERNEL);
	pthread_t t[3];
	struct lock_arg a;
	int counter = 0;

	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(trylock_page(p));
	EXPECT_TRUE(PageLocked(p));
	EXPECT_FALSE(trylock_page(p));
	unlock_page(p);
	EXPECT_FALSE(PageLocked(p));
	lock_page(p);
	SetPageDirty(p);			/* other bits live alongside */
	unlock_page(p);
	EXPECT_TRUE(PageDirty(p));
	ClearPageDirty(p);

	a = (struct lock_arg){ .page = p, .counter = &counter, .iters = 20000 };
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, lock_worker, &a), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(counter, 3 * 20000);
	EXPECT_EQ(p->flags, 0);			/* no lock, no waiters left */
	put_page(p);
	finish(m);
}

/* ---- thread caches and machines ---------------------------------------------- */

struct stale_arg {
	struct vas_machine *m;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int step;			/* 0: go; 1: cached; 2: m destroyed */
	bool ok;
};

static void *stale_worker(void *arg)
{
	struct stale_arg *a = arg;
	struct page *p[4];
	struct vas_machine *m2;

	for (int i = 0; i < 4; i++)
		p[i] = alloc_page(a->m->frames, GFP_KERNEL);
	for (int i = 0; i < 4; i++)
		if (p[i])
			put_page(p[i]);
	pthread_mutex_lock(&a->mu);
	a->step = 1;
	pthread_cond_broadcast(&a->cv);
	while (a->step != 2)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	/* The cache still names the destroyed pool: it must be forgotten. */
	if (vas_machine_create(NULL, &m2) == 0) {
		struct page *q = alloc_page(m2->frames, GFP_KERNEL);

		a->ok = q && q->pool == m2->frames;
		if (q)
			put_page(q);
		frames_drain_local();
		a->ok = a->ok && frames_validate(m2->frames) == 0 &&
			vas_machine_destroy(m2) == 0;
	}
	return NULL;
}

TEST(thread_cache_outlives_its_machine)
{
	struct stale_arg a = { .m = machine_with(4UL << 20) };
	pthread_t t;

	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	ASSERT_EQ(pthread_create(&t, NULL, stale_worker, &a), 0);
	pthread_mutex_lock(&a.mu);
	while (a.step != 1)
		pthread_cond_wait(&a.cv, &a.mu);
	pthread_mutex_unlock(&a.mu);

	/* The worker's cache holds frames: free, but not on the list. */
	EXPECT_GT(stats_of(a.m).cached, 0);
	EXPECT_EQ(frames_validate(a.m->frames), 0);
	finish(a.m);				/* no warning: nothing in use */

	pthread_mutex_lock(&a.mu);
	a.step = 2;
	pthread_cond_broadcast(&a.cv);
	pthread_mutex_unlock(&a.mu);
	pthread_join(t, NULL);
	EXPECT_TRUE(a.ok);
	pthread_cond_destroy(&a.cv);
	pthread_mutex_destroy(&a.mu);
}

TEST(alternating_machines_and_thread_exit)
{
	struct vas_machine *m1 = machine_with(4UL << 20);
	struct vas_machine *m2 = machine_with(4UL << 20);
	struct page *p;

	for (int i = 0; i < 100; i++) {
		p = alloc_page((i & 1 ? m2 : m1)->frames, GFP_KERNEL);
		ASSERT_NOT_NULL(p);
		put_page(p);
	}
	/* A page of m1 freed while this thread's cache is m2's. */
	p = alloc_page(m1->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	(void)stats_of(m2);
	put_page(p);
	EXPECT_EQ(frames_validate(m1->frames), 0);
	EXPECT_EQ(frames_validate(m2->frames), 0);
	finish(m1);
	finish(m2);
}

/* ---- concurrency --------------------------------------------------------- */

#define NTHREADS 4
#define HOLD 72

struct conc {
	struct vas_machine *m;
	pthread_mutex_t mu;
	struct page *handoff[256];	/* (mu) pages for another thread */
	unsigned int nr_handoff;	/* (mu) */
	int iters;
};

struct conc_thread {
	struct conc *c;
	unsigned int id;
	uint64_t seed;
	unsigned long errors;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fill with a tag; check it is still there before the page goes. */
static void tag(struct page *p, unsigned char t)
{
	memset(page_address(p), t, 64);
	((unsigned char *)page_address(p))[P - 1] = t;
}

static bool tagged(struct page *p, unsigned char t)
{
	const unsigned char *b = page_address(p);

	for (int i = 0; i < 64; i++)
		if (b[i] != t)
			return false;
	return b[P - 1] == t;
}

static void *conc_worker(void *arg)
{
	struct conc_thread *t = arg;
	struct conc *c = t->c;
	struct page *held[HOLD];
	unsigned char mine = (unsigned char)(0x10 + t->id);
	unsigned int nr = 0;

	for (int i = 0; i < c->iters; i++) {
		unsigned int r = (unsigned int)rnd(&t->seed);

		if (nr < HOLD && (r & 3) != 0) {
			struct page *p = alloc_page(c->m->frames, GFP_KERNEL);

			if (!p)
				continue;	/* others hold the rest */
			const unsigned char *b = page_address(p);
			if (b[0] || b[63] || b[P - 1] || page_ref_count(p) != 1)
				t->errors++;
			tag(p, mine);
			held[nr++] = p;
		} else if (nr) {
			unsigned int k = r % nr;
			struct page *p = held[k];

			held[k] = held[--nr];
			if (!tagged(p, mine))
				t->errors++;
			if (r & 0x100) {	/* hand our reference over */
				get_page(p);	/* and exercise get/put */
				put_page(p);
				pthread_mutex_lock(&c->mu);
				if (c->nr_handoff < 256) {
					c->handoff[c->nr_handoff++] = p;
					p = NULL;
				}
				pthread_mutex_unlock(&c->mu);
			}
			if (p)
				put_page(p);
		}
		if ((r & 0xf0) == 0) {	/* drop a handed-off page */
			struct page *q = NULL;

			pthread_mutex_lock(&c->mu);
			if (c->nr_handoff)
				q = c->handoff[--c->nr_handoff];
			pthread_mutex_unlock(&c->mu);
			if (q)
				put_page(q);
		}
	}
	while (nr)
		put_page(held[--nr]);
	return NULL;
}

TEST(concurrent_alloc_free)
{
	/* Small enough that threads run the pool dry now and then. */
	struct conc c = { .m = machine_with(1UL << 20), .iters = 20000 };
	struct conc_thread t[NTHREADS];
	pthread_t th[NTHREADS];
	uint64_t seed = harness_seed();

	pthread_mutex_init(&c.mu, NULL);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		t[i] = (struct conc_thread){ .c = &c, .id = i,
					     .seed = seed * 2654435761u + i + 1 };
		ASSERT_EQ(pthread_create(&th[i], NULL, conc_worker, &t[i]), 0);
	}
	for (unsigned int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(t[i].errors, 0);
	}
	/* The threads have exited: their caches went back to the list. */
	EXPECT_EQ(stats_of(c.m).cached, 0);
	while (c.nr_handoff)
		put_page(c.handoff[--c.nr_handoff]);
	frames_drain_local();
	EXPECT_EQ(stats_of(c.m).cached, 0);
	EXPECT_EQ(vas_stat_read(c.m, VAS_STAT_PGALLOC),
		  vas_stat_read(c.m, VAS_STAT_PGFREE));
	pthread_mutex_destroy(&c.mu);
	finish(c.m);
}

/* Default-size machine, 2 threads: the pool never runs dry. */
TEST(concurrent_two_threads_default_pool)
{
	struct conc c = { .m = machine_with(0), .iters = 50000 };
	struct conc_thread t[2];
	pthread_t th[2];

	pthread_mutex_init(&c.mu, NULL);
	for (unsigned int i = 0; i < 2; i++) {
		t[i] = (struct conc_thread){ .c = &c, .id = i, .seed = 77 + i };
		ASSERT_EQ(pthread_create(&th[i], NULL, conc_worker, &t[i]), 0);
	}
	for (unsigned int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(t[i].errors, 0);
	}
	while (c.nr_handoff)
		put_page(c.handoff[--c.nr_handoff]);
	EXPECT_EQ(vas_stat_read(c.m, VAS_STAT_OOM), 0);
	pthread_mutex_destroy(&c.mu);
	finish(c.m);
}
