// SPDX-License-Identifier: MIT
/*
 * alloc.c - the allocation hook and its failure injection.
 *
 * Allocations are counted per thread, with no shared write, so that the
 * hook costs the hot paths (a frame per fault) nothing but a few loads:
 * vas_fail_nth() arms the calling thread's count, and the switches
 * (fail_at, its owner, site_fail) are process-wide relaxed atomics that a
 * concurrent allocation either sees or does not, which is all a test
 * needs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/lock.h"

static unsigned long fail_at;		/* fail when count reaches this; 0 = off */
static const void *fail_owner;		/* the armed thread's counter */
static unsigned long fired;
static bool site_fail[VAS_NR_ALLOC_SITES];
static bool any_site_fail;		/* some site_fail[] is set */
/* This thread's allocations, in all and per site, since the last reset. */
static __vas_tls unsigned long alloc_counter;
static __vas_tls unsigned long site_counter[VAS_NR_ALLOC_SITES];

/*
 * The live count (allocations not yet freed) is kept per thread, with no
 * lock prefix: each thread adds to its own counter with a plain load and
 * store (relaxed atomics), and registers it on its first allocation or
 * free in a list that vas_alloc_live() sums under live_lock. A thread's
 * count may be negative (tree nodes are freed by the RCU callback thread).
 * At thread exit a pthread key destructor folds the counter into
 * live_retired and unregisters it; an allocation or free after that (a
 * later destructor) registers it again, and pthread runs the destructor
 * again. live_lock takes nothing (rank LOCK_RANK_ALLOC_LIVE).
 */
struct live_counter {
	long n;				/* (a) written by its thread only */
	bool registered;		/* this thread only */
	struct live_counter *next;	/* (L: live_lock) */
	struct live_counter **pprev;	/* (L) */
};

static struct vas_mutex live_lock =
	VAS_MUTEX_INITIALIZER(LOCK_RANK_ALLOC_LIVE);
static struct live_counter *live_threads;	/* (L) */
static long live_retired;			/* (L) exited threads' sum */
static __vas_tls struct live_counter live_mine;
static pthread_key_t live_key;
static pthread_once_t live_once = PTHREAD_ONCE_INIT;

static void live_thread_exit(void *arg)
{
	struct live_counter *c = &live_mine;

	(void)arg;
	vas_mutex_lock(&live_lock);
	live_retired += c->n;
	WRITE_ONCE(c->n, 0L);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->registered = false;
	vas_mutex_unlock(&live_lock);
}

static void live_key_init(void)
{
	pthread_key_create(&live_key, live_thread_exit);
}

static __attribute__((noinline)) void live_register(void)
{
	struct live_counter *c = &live_mine;

	pthread_once(&live_once, live_key_init);
	pthread_setspecific(live_key, (void *)1);
	vas_mutex_lock(&live_lock);
	c->next = live_threads;
	if (live_threads)
		live_threads->pprev = &c->next;
	c->pprev = &live_threads;
	live_threads = c;
	c->registered = true;
	vas_mutex_unlock(&live_lock);
}

static inline void live_add(long d)
{
	if (unlikely(!live_mine.registered))
		live_register();
	WRITE_ONCE(live_mine.n, READ_ONCE(live_mine.n) + d);
}

static const char *const site_names[] = {
#define VAS__SITE_NAME(s) #s,
	VAS_ALLOC_SITES(VAS__SITE_NAME)
#undef VAS__SITE_NAME
};

const char *vas_alloc_site_name(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		return "?";
	return site_names[site];
}

/* Decide whether this allocation fails by injection. */
static bool should_fail(enum vas_alloc_site site)
{
	unsigned long n = ++alloc_counter;

	site_counter[site]++;
	if (unlikely(READ_ONCE(any_site_fail)) && READ_ONCE(site_fail[site]))
		goto fail;
	if (unlikely(READ_ONCE(fail_owner) == &alloc_counter) &&
	    n == READ_ONCE(fail_at)) {
		WRITE_ONCE(fail_owner, NULL);
		goto fail;
	}
	return false;
fail:
	__atomic_add_fetch(&fired, 1, __ATOMIC_RELAXED);
	return true;
}

bool vas_alloc_check(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	return !should_fail(site);
}

void *vas_alloc(size_t size, enum vas_alloc_site site)
{
	void *p;

	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	if (should_fail(site))
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		live_add(1);
	return p;
}

void *vas_zalloc(size_t size, enum vas_alloc_site site)
{
	void *p = vas_alloc(size, site);

	if (p)
		memset(p, 0, size);
	return p;
}

void *vas_alloc_aligned(size_t size, size_t align, enum vas_alloc_site site)
{
	void *p = NULL;

	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	if (should_fail(site))
		return NULL;
	if (posix_memalign(&p, align, size ? size : 1) != 0)
		return NULL;
	live_add(1);
	return p;
}

void vas_free(void *p)
{
	if (!p)
		return;
	live_add(-1);
	free(p);
}

void vas_fail_nth(unsigned long n)
{
	WRITE_ONCE(fail_owner, NULL);
	if (!n)
		return;
	WRITE_ONCE(fail_at, alloc_counter + n);
	WRITE_ONCE(fail_owner, &alloc_counter);
}

void vas_fail_site(enum vas_alloc_site site, bool fail)
{
	bool any = false;

	if ((unsigned)site < VAS_NR_ALLOC_SITES)
		WRITE_ONCE(site_fail[site], fail);
	for (unsigned i = 0; i < VAS_NR_ALLOC_SITES; i++)
		any |= READ_ONCE(site_fail[i]);
	WRITE_ONCE(any_site_fail, any);
}

void vas_fail_reset(void)
{
	WRITE_ONCE(fail_owner, NULL);
	WRITE_ONCE(fail_at, 0UL);
	alloc_counter = 0;
	WRITE_ONCE(fired, 0UL);
	WRITE_ONCE(any_site_fail, false);
	for (unsigned i = 0; i < VAS_NR_ALLOC_SITES; i++) {
		WRITE_ONCE(site_fail[i], false);
		site_counter[i] = 0;
	}
}

unsigned long vas_fail_fired(void)
{
	return READ_ONCE(fired);
}

unsigned long vas_alloc_count(void)
{
	return alloc_counter;
}

unsigned long vas_alloc_site_count(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		return 0;
	return site_counter[site];
}

long vas_alloc_live(void)
{
	long n;

	vas_mutex_lock(&live_lock);
	n = live_retired;
	for (struct live_counter *c = live_threads; c; c = c->next)
		n += READ_ONCE(c->n);
	vas_mutex_unlock(&live_lock);
	return n;
}

/* ---- the node pool ------------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NODE_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NODE_POOL 0
#endif
#endif
#ifndef NODE_POOL
#define NODE_POOL 1
#endif

/*
 * The free blocks a thread caches are an array of pointers, and a batch
 * moved through the global pool is carried by one of its own blocks
 * holding the pointers to the others: taking a block never reads the
 * block itself. (A linked list through the blocks would: the blocks come
 * back through RCU callbacks that run on another CPU, so each pop would
 * stall on a cache miss.)
 */
#define NODE_BATCH 30		/* moved between a thread and the pool */
#define NODE_LOCAL_MAX 60	/* per-thread cache */

struct node_batch {
	struct node_batch *next_batch;
	unsigned int n;				/* pointers in slot[] */
	void *slot[NODE_BATCH - 1];		/* the rest of the batch */
};
_Static_assert(sizeof(struct node_batch) <= VAS_NODE_SIZE,
	       "a batch must fit in the block that carries it");

/*
 * The global pool is a stack of batches: a thread pushes or pops one in
 * O(1) under a spinlock held for a few instructions, so the writer and
 * the RCU callback thread never sleep on it. It takes nothing and may be
 * taken under any lock: it is ranked last (LOCK_RANK_NODE_POOL).
 */
static struct vas_spinlock pool_lock;
static struct node_batch *pool_batches;	/* (pool_lock) */
static __vas_tls void *local[NODE_LOCAL_MAX];
static __vas_tls unsigned int local_nr;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_push_batch(struct node_batch *batch)
{
	vas_spin_lock(&pool_lock);
	batch->next_batch = pool_batches;
	pool_batches = batch;
	vas_spin_unlock(&pool_lock);
}

static struct node_batch *pool_pop_batch(void)
{
	struct node_batch *batch;

	vas_spin_lock(&pool_lock);
	batch = pool_batches;
	if (batch)
		pool_batches = batch->next_batch;
	vas_spin_unlock(&pool_lock);
	return batch;
}

/* Move up to NODE_BATCH blocks from the top of the cache into a batch. */
static void local_push_batch(void)
{
	unsigned int take = local_nr < NODE_BATCH ? local_nr : NODE_BATCH;
	struct node_batch *carrier = local[--local_nr];

	carrier->n = take - 1;
	for (unsigned int i = 0; i < carrier->n; i++)
		carrier->slot[i] = local[--local_nr];
	pool_push_batch(carrier);
}

/* Thread exit: hand the cache back in batches (the last one may be short). */
static void local_return_all(void *arg)
{
	(void)arg;
	while (local_nr)
		local_push_batch();
}

static void pool_key_init(void)
{
	vas_spin_init(&pool_lock, LOCK_RANK_NODE_POOL);
	pthread_key_create(&pool_key, local_return_all);
}

static void pool_thread_init(void)
{
	pthread_once(&pool_once, pool_key_init);
	pthread_setspecific(pool_key, (void *)1);
}

/*
 * Refill the calling thread's empty cache: a batch from the pool, else one
 * chunk of NODE_BATCH blocks from a single aligned allocation. Chunks stay
 * in the pool for good: it holds the peak number of nodes ever in use,
 * blocks in flight through RCU included.
 */
static bool local_refill(void)
{
	struct node_batch *batch;
	char *chunk;

	pool_thread_init();
	batch = pool_pop_batch();
	if (batch) {
		for (unsigned int i = 0; i < batch->n; i++)
			local[local_nr++] = batch->slot[i];
		local[local_nr++] = batch;
		return true;
	}
	if (posix_memalign((void **)&chunk, VAS_NODE_SIZE,
			   (size_t)VAS_NODE_SIZE * NODE_BATCH) != 0)
		return false;
	for (unsigned int i = 0; i < NODE_BATCH; i++)
		local[local_nr++] = chunk + (size_t)i * VAS_NODE_SIZE;
	return true;
}

void *vas_node_alloc(enum vas_alloc_site site)
{
	void *p = NULL;

	if (should_fail(site))
		return NULL;
	if (NODE_POOL) {
		if (!local_nr && !local_refill())
			return NULL;
		live_add(1);
		return local[--local_nr];
	}
	if (posix_memalign(&p, VAS_NODE_SIZE, VAS_NODE_SIZE) != 0)
		return NULL;
	live_add(1);
	return p;
}

void vas_node_free(void *p)
{
	if (!p)
		return;
	live_add(-1);
	if (!NODE_POOL) {
		free(p);
		return;
	}
	if (!local_nr)
		pool_thread_init();
	if (local_nr == NODE_LOCAL_MAX)
		local_push_batch();	/* the newest NODE_BATCH go */
	local[local_nr++] = p;
}
