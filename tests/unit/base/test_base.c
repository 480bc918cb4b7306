// SPDX-License-Identifier: MIT
/*
 * test_base.c - the base layer: allocation hook and failure injection,
 * ERR_PTR, RCU glue, statistics, the ranked locks, and (debug builds)
 * lock-rank checking.
 */
#include <errno.h>
#include <pthread.h>
#include "harness.h"
#include "base/alloc.h"
#include "base/bug.h"
#include "base/err.h"
#include "base/lock.h"
#include "base/lockdep.h"
#include "base/rcu.h"
#include "base/stats.h"

TEST(alloc_counts_and_live)
{
	long live = vas_alloc_live();
	unsigned long n0, t0;
	void *a, *b, *c;

	vas_fail_reset();
	n0 = vas_alloc_count();
	t0 = vas_alloc_site_count(VAS_FP_TREE_NODE);
	a = vas_alloc(10, VAS_FP_MISC);
	b = vas_zalloc(64, VAS_FP_TREE_NODE);
	c = vas_alloc_aligned(256, 256, VAS_FP_TREE_NODE);
	ASSERT_TRUE(a && b && c);
	EXPECT_EQ((uintptr_t)c % 256, 0);
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(((unsigned char *)b)[i], 0);
	EXPECT_EQ(vas_alloc_count() - n0, 3);
	EXPECT_EQ(vas_alloc_site_count(VAS_FP_TREE_NODE) - t0, 2);
	EXPECT_EQ(vas_alloc_live() - live, 3);
	vas_free(a);
	vas_free(b);
	vas_free(c);
	vas_free(NULL);
	EXPECT_EQ(vas_alloc_live(), live);
	EXPECT_TRUE(strcmp(vas_alloc_site_name(VAS_FP_TREE_NODE), "TREE_NODE") == 0);
}

TEST(fail_nth_fails_exactly_once)
{
	void *p[5];

	vas_fail_reset();
	vas_fail_nth(3);
	for (int i = 0; i < 5; i++)
		p[i] = vas_alloc(8, VAS_FP_MISC);
	EXPECT_NOT_NULL(p[0]);
	EXPECT_NOT_NULL(p[1]);
	EXPECT_NULL(p[2]);
	EXPECT_NOT_NULL(p[3]);
	EXPECT_NOT_NULL(p[4]);
	EXPECT_EQ(vas_fail_fired(), 1);
	for (int i = 0; i < 5; i++)
		vas_free(p[i]);
	/* vas_alloc_check obeys the same injection */
	vas_fail_nth(1);
	EXPECT_FALSE(vas_alloc_check(VAS_FP_VMA));
	EXPECT_TRUE(vas_alloc_check(VAS_FP_VMA));
	vas_fail_reset();
}

TEST(fail_site_fails_every_time_until_cleared)
{
	void *p;

	vas_fail_reset();
	vas_fail_site(VAS_FP_VMA, true);
	EXPECT_NULL(vas_alloc(8, VAS_FP_VMA));
	EXPECT_NULL(vas_alloc_aligned(64, 64, VAS_FP_VMA));
	p = vas_alloc(8, VAS_FP_MM);	/* other sites unaffected */
	EXPECT_NOT_NULL(p);
	vas_free(p);
	vas_fail_site(VAS_FP_VMA, false);
	p = vas_alloc(8, VAS_FP_VMA);
	EXPECT_NOT_NULL(p);
	vas_free(p);
	EXPECT_EQ(vas_fail_fired(), 2);
	vas_fail_reset();
}

TEST(err_ptr)
{
	void *e = ERR_PTR(-ENOMEM);
	int x;

	EXPECT_TRUE(IS_ERR(e));
	EXPECT_EQ(PTR_ERR(e), -ENOMEM);
	EXPECT_TRUE(IS_ERR_OR_NULL(NULL));
	EXPECT_FALSE(IS_ERR(&x));
	EXPECT_FALSE(IS_ERR_OR_NULL(&x));
	EXPECT_TRUE(IS_ERR(ERR_PTR(-MAX_ERRNO)));
}

struct cb {
	struct vas_rcu_head rcu;
	int *ran;
};

static void cb_fn(struct vas_rcu_head *h)
{
	struct cb *c = container_of(h, struct cb, rcu);

	__atomic_store_n(c->ran, 1, __ATOMIC_RELEASE);
	vas_free(c);
}

static void *rcu_thread(void *arg)
{
	int *ran = arg;
	struct cb *c = vas_alloc(sizeof(*c), VAS_FP_MISC);

	/* an unregistered thread: the library registers it itself */
	vas_rcu_read_lock();
	vas_rcu_read_lock();	/* nests */
	vas_rcu_read_unlock();
	if (!vas_rcu_read_ongoing())
		*ran = -1;
	vas_rcu_read_unlock();
	c->ran = ran;
	vas_call_rcu(&c->rcu, cb_fn);
	return NULL;
}

TEST(rcu_registers_threads_and_runs_callbacks)
{
	int ran = 0;
	pthread_t t;

	EXPECT_FALSE(vas_rcu_read_ongoing());
	pthread_create(&t, NULL, rcu_thread, &ran);
	pthread_join(t, NULL);	/* thread exit unregisters it */
	EXPECT_NE(__atomic_load_n(&ran, __ATOMIC_ACQUIRE), -1);
	vas_rcu_barrier();
	EXPECT_EQ(__atomic_load_n(&ran, __ATOMIC_ACQUIRE), 1);
	vas_synchronize_rcu();
}

static struct vas_stats st;

static void *stat_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		stats_add(&st, VAS_STAT_VMA_SPLIT, 2);
	return NULL;
}

TEST(stats_shards_sum_and_print)
{
	pthread_t t[4];
	char buf[4096];
	FILE *f;
	int lines = 0;

	stats_init(&st);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, stat_thread, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(stats_sum(&st, VAS_STAT_VMA_SPLIT), 8000);
	EXPECT_EQ(stats_sum(&st, VAS_STAT_VMA_MERGE), 0);
	EXPECT_TRUE(strcmp(vas_stat_name(VAS_STAT_VMA_LOCK_SUCCESS), "vma_lock_success") == 0);
	EXPECT_NULL(vas_stat_name(VAS_NR_STATS));
	f = fmemopen(buf, sizeof(buf), "w");
	ASSERT_NOT_NULL(f);
	stats_print(&st, f);
	fclose(f);
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	EXPECT_EQ(lines, VAS_NR_STATS);
	EXPECT_TRUE(strstr(buf, "vma_split 8000\n") != NULL);
	stats_destroy(&st);
}

/*
 * Per-thread slots: more threads at once than there are slots (the rest
 * add to the shared slot), rounds of threads that exit (their slots go to
 * the next ones, with the values in them), a thread counting in more sets
 * than it keeps slots of, and a set destroyed and created again at the
 * same address under a thread that had a slot in it. Every count must
 * survive its thread.
 */
#define SLOT_THREADS (VAS_STAT_SLOTS + 8)
#define SLOT_SETS (VAS_STAT_THREAD_SETS + 3)
static struct vas_stats slot_sets[SLOT_SETS];

static void *slot_thread(void *arg)
{
	unsigned long id = (unsigned long)(uintptr_t)arg;

	for (int i = 0; i < 500; i++)
		for (int s = 0; s < SLOT_SETS; s++)
			stats_add(&slot_sets[s], VAS_STAT_VMA_MERGE, id + 1);
	return NULL;
}

TEST(stats_counts_survive_their_threads)
{
	pthread_t t[SLOT_THREADS];
	uint64_t want = 0;

	for (int s = 0; s < SLOT_SETS; s++)
		stats_init(&slot_sets[s]);
	for (int round = 0; round < 3; round++) {
		for (unsigned long i = 0; i < SLOT_THREADS; i++) {
			ASSERT_EQ(pthread_create(&t[i], NULL, slot_thread,
						 (void *)(uintptr_t)i), 0);
			want += 500 * (i + 1);
		}
		for (int i = 0; i < SLOT_THREADS; i++)
			pthread_join(t[i], NULL);
		for (int s = 0; s < SLOT_SETS; s++) {
			EXPECT_EQ(stats_sum(&slot_sets[s], VAS_STAT_VMA_MERGE),
				  want);
			/* every exited thread gave its slots back */
			EXPECT_EQ(stats_slots_owned(&slot_sets[s]), 0);
		}
	}
	/* this thread counts, the set dies and is born again in place */
	for (int i = 0; i < 500; i++)
		stats_add(&slot_sets[0], VAS_STAT_VMA_MERGE, 1);
	EXPECT_EQ(stats_sum(&slot_sets[0], VAS_STAT_VMA_MERGE), want + 500);
	EXPECT_EQ(stats_slots_owned(&slot_sets[0]), 1);
	stats_destroy(&slot_sets[0]);
	stats_init(&slot_sets[0]);
	EXPECT_EQ(stats_slots_owned(&slot_sets[0]), 0);
	stats_add(&slot_sets[0], VAS_STAT_VMA_MERGE, 7);
	ASSERT_EQ(pthread_create(&t[0], NULL, slot_thread,
				 (void *)(uintptr_t)1), 0);
	pthread_join(t[0], NULL);
	EXPECT_EQ(stats_sum(&slot_sets[0], VAS_STAT_VMA_MERGE), 7 + 1000);
	EXPECT_EQ(stats_slots_owned(&slot_sets[0]), 1);	/* this thread's */
	for (int s = 0; s < SLOT_SETS; s++)
		stats_destroy(&slot_sets[s]);
}

/* Threads that allocate, or free what others allocated, and exit. */
#define LIVE_BLOCKS 16
static void *live_blocks[LIVE_BLOCKS];

static void *live_alloc_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < LIVE_BLOCKS; i++) {
		live_blocks[i] = i % 2 ? vas_alloc(32, VAS_FP_MISC)
				       : vas_node_alloc(VAS_FP_TREE_NODE);
		if (!live_blocks[i])
			return arg;
	}
	return NULL;
}

static void *live_free_thread(void *arg)
{
	for (int i = 0; i < LIVE_BLOCKS; i++) {
		if (i % 2)
			vas_free(live_blocks[i]);
		else
			vas_node_free(live_blocks[i]);
	}
	return arg;
}

TEST(alloc_live_counts_survive_their_threads)
{
	long live = vas_alloc_live();
	pthread_t t;
	void *ret;

	ASSERT_EQ(pthread_create(&t, NULL, live_alloc_thread, (void *)1), 0);
	pthread_join(t, &ret);
	ASSERT_NULL(ret);
	EXPECT_EQ(vas_alloc_live() - live, LIVE_BLOCKS);
	ASSERT_EQ(pthread_create(&t, NULL, live_free_thread, NULL), 0);
	pthread_join(t, NULL);
	EXPECT_EQ(vas_alloc_live(), live);
	/* allocated by this thread, freed by an exiting one */
	live_alloc_thread(NULL);
	EXPECT_EQ(vas_alloc_live() - live, LIVE_BLOCKS);
	ASSERT_EQ(pthread_create(&t, NULL, live_free_thread, NULL), 0);
	pthread_join(t, NULL);
	EXPECT_EQ(vas_alloc_live(), live);
}

TEST(warn_on_counts_and_returns_condition)
{
	unsigned long before = vas_warn_count();

	EXPECT_FALSE(VAS_WARN_ON(1 == 2));
	EXPECT_TRUE(VAS_WARN_ON(1 == 1));
	EXPECT_EQ(vas_warn_count(), before + 1);
}

/* The spinlock flavour of base/lock.h (the node pool's lock). */
TEST(spinlock_locks_and_trylocks)
{
	struct vas_spinlock sl;

	vas_spin_init(&sl, LOCK_RANK_NODE_POOL);
	vas_spin_lock(&sl);
	EXPECT_FALSE(vas_spin_trylock(&sl));
#ifdef VAS_DEBUG
	EXPECT_EQ(lockdep_held_mode(&sl), LOCK_MODE_WRITE);
#endif
	vas_spin_unlock(&sl);
	ASSERT_TRUE(vas_spin_trylock(&sl));
	vas_spin_unlock(&sl);
	EXPECT_EQ(lockdep_depth(), 0);
	vas_spin_destroy(&sl);
}

#ifdef VAS_DEBUG
static int la, lb;
static struct vas_spinlock node_pool_lock;
static struct vas_mutex frame_pool_lock =
	VAS_MUTEX_INITIALIZER(LOCK_RANK_FRAME_POOL);
static struct vas_mutex mmap_wait_lock =
	VAS_MUTEX_INITIALIZER(LOCK_RANK_MMAP_WAIT);

/* The node pool's lock is last: nothing may be taken under it. */
static void mutex_under_node_pool_lock(void)
{
	vas_spin_init(&node_pool_lock, LOCK_RANK_NODE_POOL);
	vas_spin_lock(&node_pool_lock);
	vas_mutex_lock(&frame_pool_lock);
}

static void mmap_wait_under_node_pool_lock(void)
{
	vas_spin_init(&node_pool_lock, LOCK_RANK_NODE_POOL);
	vas_spin_lock(&node_pool_lock);
	vas_mutex_lock(&mmap_wait_lock);
}

static void node_pool_lock_twice(void)
{
	vas_spin_init(&node_pool_lock, LOCK_RANK_NODE_POOL);
	vas_spin_lock(&node_pool_lock);
	vas_spin_lock(&node_pool_lock);
}

TEST(lockdep_ranks_the_node_pool_lock_last)
{
	EXPECT_ABORTS(mutex_under_node_pool_lock,
		      "lock order violation: taking a lock ranked below");
	EXPECT_ABORTS(mmap_wait_under_node_pool_lock,
		      "lock order violation: taking a lock ranked below");
	EXPECT_ABORTS(node_pool_lock_twice, "recursive acquisition");
	/* the right way round: every other lock may be held */
	vas_spin_init(&node_pool_lock, LOCK_RANK_NODE_POOL);
	vas_mutex_lock(&frame_pool_lock);
	vas_mutex_lock(&mmap_wait_lock);
	vas_spin_lock(&node_pool_lock);
	EXPECT_EQ(lockdep_depth(), 3);
	vas_spin_unlock(&node_pool_lock);
	vas_mutex_unlock(&mmap_wait_lock);
	vas_mutex_unlock(&frame_pool_lock);
	EXPECT_EQ(lockdep_depth(), 0);
	vas_spin_destroy(&node_pool_lock);
}

static void wrong_order(void)
{
	lockdep_acquire(&la, LOCK_RANK_VMA, LOCK_MODE_READ, false, false);
	lockdep_acquire(&lb, LOCK_RANK_MMAP, LOCK_MODE_READ, false, false);
}

static void same_rank(void)
{
	lockdep_acquire(&la, LOCK_RANK_MMAP, LOCK_MODE_READ, false, false);
	lockdep_acquire(&lb, LOCK_RANK_MMAP, LOCK_MODE_WRITE, false, false);
}

static void recursive(void)
{
	lockdep_acquire(&la, LOCK_RANK_MMAP, LOCK_MODE_READ, false, false);
	lockdep_acquire(&la, LOCK_RANK_MMAP, LOCK_MODE_READ, false, false);
}

static void release_unheld(void)
{
	lockdep_release(&la);
}

TEST(lockdep_reports_order_violations)
{
	EXPECT_ABORTS(wrong_order, "lock order violation: taking a lock ranked below");
	EXPECT_ABORTS(same_rank, "two locks of one rank without nesting");
	EXPECT_ABORTS(recursive, "recursive acquisition");
	EXPECT_ABORTS(release_unheld, "releasing a lock this thread does not hold");
}

TEST(lockdep_allows_order_nesting_and_trylocks)
{
	lockdep_acquire(&la, LOCK_RANK_MMAP, LOCK_MODE_WRITE, false, false);
	lockdep_acquire(&lb, LOCK_RANK_MMAP, LOCK_MODE_WRITE, false, true);	/* nested */
	EXPECT_EQ(lockdep_held_mode(&lb), LOCK_MODE_WRITE);
	lockdep_release(&lb);
	lockdep_acquire(&lb, LOCK_RANK_VMA, LOCK_MODE_READ, false, false);
	lockdep_acquire(&st, LOCK_RANK_VMA, LOCK_MODE_READ, false, false);	/* VMA locks nest */
	lockdep_release(&st);
	lockdep_release(&lb);
	lockdep_set_mode(&la, LOCK_MODE_READ);	/* downgrade */
	EXPECT_EQ(lockdep_held_mode(&la), LOCK_MODE_READ);
	lockdep_release(&la);
	lockdep_acquire(&la, LOCK_RANK_VMA, LOCK_MODE_READ, false, false);
	lockdep_acquire(&lb, LOCK_RANK_MMAP, LOCK_MODE_READ, true, false);	/* trylock */
	EXPECT_EQ(lockdep_depth(), 2);
	lockdep_release(&lb);
	lockdep_release(&la);
	EXPECT_EQ(lockdep_depth(), 0);
	EXPECT_EQ(lockdep_held_mode(&la), LOCK_MODE_NONE);
}
#endif
