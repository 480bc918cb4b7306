// SPDX-License-Identifier: MIT
/*
 * test_api.c - black-box tests of the public API, through <vas/vas.h> only.
 * Built twice: test_api_shared links libvas.so, test_api_static libvas.a.
 *
 * Every step checks the whole observable state it can change: both counts
 * of each address space and every statistics counter of the machine (a
 * counter that should not move is checked not to have moved).
 *
 * Lock states are probed from a second thread (probe_read/probe_write):
 * a trylock there shows whether the lock is held and in which mode, without
 * recursing on the lock in the thread that holds it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vas/vas.h>
#include "harness.h"

/* ---- statistics: snapshot and exact deltas ------------------------------ */

struct snap {
	uint64_t v[VAS_NR_STATS];
};

static void snap_take(const struct vas_machine *m, struct snap *s)
{
	for (int i = 0; i < VAS_NR_STATS; i++)
		s->v[i] = vas_stat_read(m, (enum vas_stat)i);
}

/*
 * expect_deltas() - Every counter moved by exactly the listed amount since
 * @before; counters not listed did not move. Pairs (stat, delta) follow;
 * NO_DELTA says that nothing moved.
 */
#define expect_deltas(m, before, ...)                                         \
	do {                                                                  \
		const int __d[] = { __VA_ARGS__ };                           \
		expect_deltas_at(__FILE__, __LINE__, m, before, __d,          \
				 (int)(sizeof(__d) / sizeof(__d[0])));        \
	} while (0)
#define NO_DELTA -1, 0

static void expect_deltas_at(const char *file, int line,
			     const struct vas_machine *m,
			     const struct snap *before, const int *d, int nd)
{
	int64_t want[VAS_NR_STATS] = { 0 };
	struct snap now;

	for (int k = 0; k + 1 < nd; k += 2)
		if (d[k] >= 0)
			want[d[k]] += d[k + 1];
	snap_take(m, &now);
	for (int i = 0; i < VAS_NR_STATS; i++) {
		int64_t got = (int64_t)(now.v[i] - before->v[i]);

		if (got != want[i])
			harness_fail(file, line,
				     "stat %s moved by %" PRId64 ", want %" PRId64,
				     vas_stat_name((enum vas_stat)i), got,
				     want[i]);
	}
}

/* ---- probes from another thread ------------------------------------------ */

static bool try_read(struct vas_mm_user *mm)
{
	if (!vas_mmap_read_trylock(mm))
		return false;
	vas_mmap_read_unlock(mm);
	return true;
}

static bool try_write(struct vas_mm_user *mm)
{
	if (!vas_mmap_write_trylock(mm))
		return false;
	vas_mmap_write_unlock(mm);
	return true;
}

struct probe {
	struct vas_mm_user *mm;
	bool write;
	bool got;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	p->got = p->write ? try_write(p->mm) : try_read(p->mm);
	return NULL;
}

static bool probe(struct vas_mm_user *mm, bool write)
{
	struct probe p = { .mm = mm, .write = write };
	pthread_t t;

	if (pthread_create(&t, NULL, probe_main, &p) != 0) {
		harness_fail(__FILE__, __LINE__, "pthread_create failed");
		harness_abort_case();
	}
	pthread_join(t, NULL);
	return p.got;
}

/* Could another thread take the lock for read / for write right now? */
#define probe_read(mm) probe(mm, false)
#define probe_write(mm) probe(mm, true)

/* ---- fixture --------------------------------------------------------------- */

static struct vas_machine *machine_new(void)
{
	struct vas_machine *m = NULL;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_NOT_NULL(m);
	return m;
}

static struct vas_mm_user *mm_new(struct vas_machine *m)
{
	struct vas_mm_user *mm = NULL;

	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_NOT_NULL(mm);
	return mm;
}

static void expect_counts(struct vas_mm *mm, int users, int count)
{
	EXPECT_EQ(vas_mm_users(mm), users);
	EXPECT_EQ(vas_mm_count(mm), count);
}

/* ---- version and errors ------------------------------------------------ */

TEST(version)
{
	EXPECT_EQ(VAS_VERSION_HEX, (VAS_VERSION_MAJOR << 16) |
				   (VAS_VERSION_MINOR << 8) |
				   VAS_VERSION_PATCH);
	EXPECT_EQ(vas_version(), VAS_VERSION_HEX);
}

TEST(strerror_names)
{
	EXPECT_TRUE(strcmp(vas_strerror(-ENOMEM), "-ENOMEM") == 0);
	EXPECT_TRUE(strcmp(vas_strerror(-EINVAL), "-EINVAL") == 0);
	EXPECT_TRUE(strcmp(vas_strerror(-EBUSY), "-EBUSY") == 0);
	EXPECT_TRUE(strcmp(vas_strerror(-EAGAIN), "-EAGAIN") == 0);
	EXPECT_TRUE(strcmp(vas_strerror(-EUCLEAN), "-EUCLEAN") == 0);
	EXPECT_TRUE(strcmp(vas_strerror(-EFAULT), "-EFAULT") == 0);
	/* Any value gets a static string, never NULL. */
	EXPECT_NOT_NULL(vas_strerror(-100000));
	EXPECT_NOT_NULL(vas_strerror(12345));
}

/* ---- the machine --------------------------------------------------------- */

TEST(machine_config_defaults)
{
	struct vas_machine_config cfg;
	const struct vas_machine_config *got;
	struct vas_machine *m = machine_new();

	memset(&cfg, 0xa5, sizeof(cfg));
	vas_machine_config_init(&cfg);
	EXPECT_EQ(cfg.max_map_count, 65530);
	EXPECT_EQ(cfg.mmap_min_addr, 65536);
	EXPECT_EQ(cfg.stack_guard_gap, 1UL << 20);
	EXPECT_EQ(cfg.vma_cache_max, 16384);

	/* NULL config: the defaults. */
	got = vas_machine_config(m);
	ASSERT_NOT_NULL(got);
	EXPECT_EQ(got->max_map_count, cfg.max_map_count);
	EXPECT_EQ(got->mmap_min_addr, cfg.mmap_min_addr);
	EXPECT_EQ(got->stack_guard_gap, cfg.stack_guard_gap);
	EXPECT_EQ(got->vma_cache_max, cfg.vma_cache_max);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(machine_config_copied)
{
	struct vas_machine_config cfg;
	const struct vas_machine_config *got;
	struct vas_machine *m = NULL;

	vas_machine_config_init(&cfg);
	cfg.max_map_count = 100;
	cfg.mmap_min_addr = 4096;
	cfg.stack_guard_gap = 2 * 4096;
	cfg.vma_cache_max = 0;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_NOT_NULL(m);
	memset(&cfg, 0, sizeof(cfg));	/* the machine keeps its own copy */
	got = vas_machine_config(m);
	EXPECT_EQ(got->max_map_count, 100);
	EXPECT_EQ(got->mmap_min_addr, 4096);
	EXPECT_EQ(got->stack_guard_gap, 2 * 4096);
	EXPECT_EQ(got->vma_cache_max, 0);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(machine_bad_config)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;

	vas_machine_config_init(&cfg);
	cfg.max_map_count = 0;
	m = NULL;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);

	vas_machine_config_init(&cfg);
	cfg.max_map_count = (unsigned long)INT_MAX + 1;
	m = NULL;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);

	vas_machine_config_init(&cfg);
	cfg.mmap_min_addr = 65536 + 1;		/* not page aligned */
	m = NULL;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);

	vas_machine_config_init(&cfg);
	cfg.stack_guard_gap = 4096 - 1;		/* not page aligned */
	m = NULL;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);
}

TEST(machine_fresh_stats_zero)
{
	struct vas_machine *m = machine_new();

	for (int i = 0; i < VAS_NR_STATS; i++)
		EXPECT_EQ(vas_stat_read(m, (enum vas_stat)i), 0);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(machine_destroy_busy)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct vas_mm *c = vas_mm_from_user(mm);
	struct vas_mm_user *mm2;

	/* A live address space: -EBUSY, and the machine still works. */
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	mm2 = mm_new(m);
	expect_counts(vas_mm_from_user(mm2), 1, 1);
	vas_mm_put(mm2);

	/* Only a count left (users 0): still -EBUSY. */
	vas_mm_grab(c);
	vas_mm_put(mm);
	expect_counts(c, 0, 1);
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_CREATE), 2);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN), 2);

	vas_mm_drop(c);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* ---- address-space lifecycle through the counts ----------------------- */

TEST(mm_create_counts)
{
	struct vas_machine *m = machine_new();
	struct snap s;
	struct vas_mm_user *mm;
	struct vas_mm *c;

	snap_take(m, &s);
	mm = mm_new(m);
	c = vas_mm_from_user(mm);
	ASSERT_NOT_NULL(c);
	EXPECT_PTR_EQ(vas_mm_from_user(mm), c);	/* a view, stable */
	EXPECT_PTR_EQ(vas_mm_machine(c), m);
	expect_counts(c, 1, 1);
	expect_deltas(m, &s, VAS_STAT_MM_CREATE, 1);

	vas_mmap_read_lock(mm);
	EXPECT_EQ(vas_mm_map_count(mm), 0);
	vas_mmap_read_unlock(mm);

	snap_take(m, &s);
	vas_mm_put(mm);
	/* The last user tore it down (under the write lock) and freed it. */
	expect_deltas(m, &s, VAS_STAT_MM_TEARDOWN, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mm_users_and_counts)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m), *u;
	struct vas_mm *c = vas_mm_from_user(mm);
	struct snap s;

	snap_take(m, &s);
	/* Another user: same object, users 2, count still 1. */
	u = vas_mm_get(mm);
	EXPECT_PTR_EQ(u, mm);
	expect_counts(c, 2, 1);
	vas_mm_put(u);
	expect_counts(c, 1, 1);

	/* A count: users 1, count 2. */
	vas_mm_grab(c);
	expect_counts(c, 1, 2);

	/* A user from the count while users remain. */
	u = vas_mm_get_not_zero(c);
	EXPECT_PTR_EQ(u, mm);
	expect_counts(c, 2, 2);
	vas_mm_put(u);
	expect_counts(c, 1, 2);
	expect_deltas(m, &s, NO_DELTA);	/* no teardown yet */

	/* The last user: teardown; the count keeps the object. */
	vas_mm_put(mm);
	expect_counts(c, 0, 1);
	expect_deltas(m, &s, VAS_STAT_MM_TEARDOWN, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);
	EXPECT_PTR_EQ(vas_mm_machine(c), m);

	/* Gone: no user can be taken any more. */
	EXPECT_NULL(vas_mm_get_not_zero(c));
	expect_counts(c, 0, 1);

	/* A second count, then both dropped: the last frees. */
	vas_mm_grab(c);
	expect_counts(c, 0, 2);
	vas_mm_drop(c);
	expect_counts(c, 0, 1);
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	vas_mm_drop(c);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN), 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mm_put_async_last)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct vas_mm *c = vas_mm_from_user(mm);
	struct snap s;

	vas_mm_grab(c);		/* keep the object to look at it */
	snap_take(m, &s);
	vas_mm_put_async(mm);
	vas_machine_flush(m);
	/* The worker tore it down and dropped the users' count. */
	expect_counts(c, 0, 1);
	expect_deltas(m, &s, VAS_STAT_MM_TEARDOWN, 1,
		      VAS_STAT_MM_TEARDOWN_ASYNC, 1, VAS_STAT_MMAP_LOCK_WRITE, 1);
	EXPECT_NULL(vas_mm_get_not_zero(c));
	vas_mm_drop(c);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mm_put_async_not_last)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct vas_mm *c = vas_mm_from_user(mm);
	struct snap s;

	snap_take(m, &s);
	vas_mm_put_async(vas_mm_get(mm));
	vas_machine_flush(m);
	expect_counts(c, 1, 1);
	expect_deltas(m, &s, NO_DELTA);
	vas_mm_put(mm);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN_ASYNC), 0);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN), 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mm_put_async_then_destroy)
{
	struct vas_machine *m = machine_new();

	/* vas_machine_destroy() waits for queued teardowns itself. */
	vas_mm_put_async(mm_new(m));
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mm_user_scoped)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct vas_mm *c = vas_mm_from_user(mm);

	{
		struct vas_mm_user *u VAS_MM_USER_SCOPED = vas_mm_get(mm);

		EXPECT_PTR_EQ(u, mm);
		expect_counts(c, 2, 1);
	}
	expect_counts(c, 1, 1);
	{
		/* NULL (vas_mm_get_not_zero() failed) is put by no one. */
		struct vas_mm_user *none VAS_MM_USER_SCOPED = NULL;

		EXPECT_NULL(none);
	}
	expect_counts(c, 1, 1);

	vas_mm_grab(c);
	{
		/* The scoped user is the last one: teardown at the brace. */
		struct vas_mm_user *last VAS_MM_USER_SCOPED = mm;

		EXPECT_PTR_EQ(last, mm);
		expect_counts(c, 1, 2);
	}
	expect_counts(c, 0, 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN), 1);
	vas_mm_drop(c);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* ---- the mmap lock --------------------------------------------------------- */

TEST(mmap_lock_read)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	EXPECT_TRUE(probe_read(mm));
	EXPECT_TRUE(probe_write(mm));
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);

	snap_take(m, &s);
	vas_mmap_read_lock(mm);
	vas_mmap_assert_locked(mm);
	EXPECT_TRUE(probe_read(mm));	/* readers share */
	EXPECT_FALSE(probe_write(mm));	/* a writer is kept out */
	vas_mmap_read_unlock(mm);
	EXPECT_TRUE(probe_write(mm));	/* released */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 2,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mmap_lock_write)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	vas_mmap_write_lock(mm);
	vas_mmap_assert_write_locked(mm);
	vas_mmap_assert_locked(mm);
	EXPECT_FALSE(probe_read(mm));
	EXPECT_FALSE(probe_write(mm));
	vas_mmap_write_unlock(mm);
	EXPECT_TRUE(probe_read(mm));
	EXPECT_TRUE(probe_write(mm));
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_WRITE, 2,
		      VAS_STAT_MMAP_LOCK_READ, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mmap_lock_trylocks)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	if (vas_mmap_read_trylock(mm)) {
		EXPECT_TRUE(probe_read(mm));
		EXPECT_FALSE(probe_write(mm));
		EXPECT_EQ(vas_mm_map_count(mm), 0);
		vas_mmap_read_unlock(mm);
	} else {
		harness_fail(__FILE__, __LINE__, "read trylock failed, unlocked");
	}
	if (vas_mmap_write_trylock(mm)) {
		EXPECT_FALSE(probe_read(mm));
		EXPECT_FALSE(probe_write(mm));
		vas_mmap_write_unlock(mm);
	} else {
		harness_fail(__FILE__, __LINE__, "write trylock failed, unlocked");
	}
	/* Failed trylocks count nothing; successful ones count as locks. */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 2,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(mmap_lock_downgrade)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	vas_mmap_write_lock(mm);
	EXPECT_FALSE(probe_read(mm));
	vas_mmap_write_downgrade(mm);
	vas_mmap_assert_locked(mm);
	EXPECT_TRUE(probe_read(mm));	/* now shared */
	EXPECT_FALSE(probe_write(mm));	/* but still held */
	vas_mmap_read_unlock(mm);
	EXPECT_TRUE(probe_write(mm));
	/* A downgrade is not a new acquisition. */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_WRITE, 2,
		      VAS_STAT_MMAP_LOCK_READ, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/*
 * The lock blocks (VAS_MMAP_*_BEGIN/END). The probes record what another
 * thread saw inside and after the block. Each function locks again after
 * its block: the analysis sees the END, so this compiles under
 * -Wthread-safety (it did not when the guards asserted the lock to the end
 * of the function).
 */
struct seen {
	bool read_in, write_in, read_after, write_after, read_relocked;
	int map_count, map_count_relocked;
	void *lookup;
};

static void read_block(struct vas_mm_user *mm, struct seen *seen)
{
	VAS_MMAP_READ_BEGIN(mm);
	seen->read_in = probe_read(mm);
	seen->write_in = probe_write(mm);
	seen->map_count = vas_mm_map_count(mm);
	seen->lookup = vas_vma_lookup(mm, 1UL << 20);
	VAS_MMAP_READ_END(mm);
	seen->read_after = probe_read(mm);
	seen->write_after = probe_write(mm);
	VAS_MMAP_WRITE_BEGIN(mm);
	seen->read_relocked = probe_read(mm);
	seen->map_count_relocked = vas_mm_map_count(mm);
	VAS_MMAP_WRITE_END(mm);
}

static void write_block(struct vas_mm_user *mm, struct seen *seen)
{
	VAS_MMAP_WRITE_BEGIN(mm);
	seen->read_in = probe_read(mm);
	seen->write_in = probe_write(mm);
	seen->map_count = vas_mm_map_count(mm);
	seen->lookup = vas_find_vma(mm, 0);
	VAS_MMAP_WRITE_END(mm);
	seen->read_after = probe_read(mm);
	seen->write_after = probe_write(mm);
	VAS_MMAP_READ_BEGIN(mm);
	seen->read_relocked = probe_read(mm);
	seen->map_count_relocked = vas_mm_map_count(mm);
	VAS_MMAP_READ_END(mm);
}

TEST(mmap_lock_blocks)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct seen seen;
	struct snap s;

	snap_take(m, &s);
	memset(&seen, 0xff, sizeof(seen));
	read_block(mm, &seen);
	EXPECT_TRUE(seen.read_in);
	EXPECT_FALSE(seen.write_in);
	EXPECT_EQ(seen.map_count, 0);
	EXPECT_NULL(seen.lookup);
	EXPECT_TRUE(seen.read_after);
	EXPECT_TRUE(seen.write_after);
	EXPECT_FALSE(seen.read_relocked);
	EXPECT_EQ(seen.map_count_relocked, 0);
	EXPECT_TRUE(probe_write(mm));
	/* block: 1 read, then 1 write; probes: 3 reads (1 failed), 2 writes
	 * (1 failed) + the last one */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 3,
		      VAS_STAT_MMAP_LOCK_WRITE, 3);

	snap_take(m, &s);
	memset(&seen, 0xff, sizeof(seen));
	write_block(mm, &seen);
	EXPECT_FALSE(seen.read_in);
	EXPECT_FALSE(seen.write_in);
	EXPECT_EQ(seen.map_count, 0);
	EXPECT_NULL(seen.lookup);
	EXPECT_TRUE(seen.read_after);
	EXPECT_TRUE(seen.write_after);
	EXPECT_TRUE(seen.read_relocked);
	EXPECT_EQ(seen.map_count_relocked, 0);
	EXPECT_TRUE(probe_write(mm));
	/* blocks: 1 write, 1 read; probes: 3 reads (1 failed), 2 writes (1
	 * failed) + the last one */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 3,
		      VAS_STAT_MMAP_LOCK_WRITE, 3);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/*
 * Leaving a lock block by return, without its END. -Wthread-safety rejects
 * this ("still held at the end of function"), so the analysis is off for
 * this one function; compiled so, the block aborts with a report when its
 * scope ends without END.
 */
static int read_block_early_return(struct vas_mm_user *mm)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	VAS_MMAP_READ_BEGIN(mm);
	if (vas_mm_map_count(mm) == 0)
		return 1;	/* the bug: the lock is still held */
	VAS_MMAP_READ_END(mm);
	return 0;
}

static void early_return_child(void)
{
	struct vas_machine *m;
	struct vas_mm_user *mm;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &mm))
		_exit(3);
	read_block_early_return(mm);
	_exit(0);
}

TEST(mmap_lock_block_left_early_aborts)
{
	EXPECT_ABORTS(early_return_child,
		      "an mmap lock block (VAS_MMAP_*_BEGIN) was left without "
		      "its END");
	EXPECT_ABORTS(early_return_child, "test_api.c:");
}

/* ---- lookups on an empty address space --------------------------------- */

static void expect_empty_locked(struct vas_mm_user *mm) VAS_REQUIRES_SHARED(mm);
static void expect_empty_locked(struct vas_mm_user *mm)
{
	static const unsigned long addrs[] = {
		0, 4095, 4096, 65536, 1UL << 30, 0x7fffffffefffUL,
		ULONG_MAX - 4095, ULONG_MAX,
	};
	struct vas_vma_iter it;

	EXPECT_EQ(vas_mm_map_count(mm), 0);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		EXPECT_NULL(vas_vma_lookup(mm, addrs[i]));
		EXPECT_NULL(vas_find_vma(mm, addrs[i]));
	}
	EXPECT_NULL(vas_find_vma_intersection(mm, 0, ULONG_MAX));
	EXPECT_NULL(vas_find_vma_intersection(mm, 65536, 65536 + 4096));
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	EXPECT_NULL(vas_vma_iter_next(&it, mm));
	EXPECT_NULL(vas_vma_iter_next(&it, mm));	/* stays at the end */
}

TEST(lookup_empty)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	vas_mmap_read_lock(mm);
	expect_empty_locked(mm);
	vas_mmap_read_unlock(mm);
	vas_mmap_write_lock(mm);
	expect_empty_locked(mm);
	vas_mmap_write_unlock(mm);
	/* Lookups under the mmap lock touch no VMA-lock counter. */
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);

	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/*
 * Try the VMA read lock at @addr; on success record the VMA's range in
 * *@start and *@end and release it. Return: whether it was locked.
 */
static bool vma_read_try(struct vas_mm_user *mm, unsigned long addr,
			 unsigned long *start, unsigned long *end)
{
	/* not NULL, to see the failure path set it */
	struct vas_vma_read_guard *g = (void *)(uintptr_t)1;
	struct vas_vma_ref *vma;

	if (!vas_lock_vma_under_rcu(mm, addr, &g)) {
		EXPECT_NULL(g);		/* NULL on failure */
		return false;
	}
	ASSERT_NOT_NULL(g);
	vma = vas_vma_read_guard_vma(g);
	ASSERT_NOT_NULL(vma);
	*start = vas_vma_start(vma);
	*end = vas_vma_end(vma);
	EXPECT_PTR_EQ(vas_vma_mm(vma), mm);
	vas_vma_end_read(g);
	return true;
}

TEST(lock_vma_under_rcu_empty)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	unsigned long start, end;
	struct snap s;

	snap_take(m, &s);
	EXPECT_FALSE(vma_read_try(mm, 1UL << 20, &start, &end));
	/* No VMA: an abort (fall back), not a miss, nothing else. */
	expect_deltas(m, &s, VAS_STAT_VMA_LOCK_ABORT, 1);

	snap_take(m, &s);
	EXPECT_FALSE(vma_read_try(mm, 0, &start, &end));
	EXPECT_FALSE(vma_read_try(mm, ULONG_MAX, &start, &end));
	EXPECT_FALSE(vma_read_try(mm, 65536, &start, &end));
	expect_deltas(m, &s, VAS_STAT_VMA_LOCK_ABORT, 3);

	/* Neither needs nor takes the mmap lock; works while it is held. */
	snap_take(m, &s);
	vas_mmap_write_lock(mm);
	EXPECT_FALSE(vma_read_try(mm, 1UL << 20, &start, &end));
	vas_mmap_write_unlock(mm);
	expect_deltas(m, &s, VAS_STAT_VMA_LOCK_ABORT, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1);

	/* The caller's fallback records the retry. */
	snap_take(m, &s);
	vas_vma_count_retry(mm);
	expect_deltas(m, &s, VAS_STAT_VMA_LOCK_RETRY, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/*
 * Regression (issue 8, defect 2): "vas_vma_end_read() accepts a reference
 * from vas_vma_lookup()". A VMA found under the mmap lock was released as if
 * it were read-locked: that dropped the VMA's attach count, the validator
 * found it "in the tree but detached", and the next vas_lock_vma_under_rcu()
 * looped forever. That call no longer compiles (the read lock is a struct
 * vas_vma_read_guard; tests/compile-fail/end_read_on_lookup.c). This is what
 * the code does instead: a VMA from a lookup is released with the mmap
 * lock, a VMA read lock through its guard; afterwards the address space is
 * valid and the VMA read-locks again, every time.
 */
TEST(regression_end_read_on_lookup_result)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct vas_vma_read_guard *g;
	struct vas_vma_ref *vma;
	unsigned long a = 0, start = 0, end = 0;
	struct snap s;

	ASSERT_EQ(vas_mmap(mm, 0, 2 * 4096, VAS_PROT_READ,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS, NULL, 0, &a), 0);

	/* The lookup: its VMA lives as long as the mmap lock, no longer. */
	snap_take(m, &s);
	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, a + 4096);
	ASSERT_NOT_NULL(vma);
	EXPECT_EQ(vas_vma_start(vma), a);
	vas_mmap_read_unlock(mm);	/* not vas_vma_end_read(vma) */
	EXPECT_EQ(vas_mm_validate(mm), 0);
	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(vma_read_try(mm, a + 4096, &start, &end));
		EXPECT_EQ(start, a);
		EXPECT_EQ(end, a + 2 * 4096);
	}
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1, VAS_STAT_VMA_LOCK_SUCCESS, 3);

	/* The read lock: ended through its guard, under the mmap lock too. */
	snap_take(m, &s);
	vas_mmap_read_lock(mm);
	if (vas_lock_vma_under_rcu(mm, a, &g)) {
		vma = vas_vma_read_guard_vma(g);
		EXPECT_PTR_EQ(vma, vas_vma_lookup(mm, a));	/* one VMA */
		vas_vma_end_read(g);
	} else {
		harness_fail(__FILE__, __LINE__, "VMA read lock refused");
	}
	vas_mmap_read_unlock(mm);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	EXPECT_TRUE(vma_read_try(mm, a, &start, &end));
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 1,
		      VAS_STAT_MMAP_LOCK_WRITE, 1, VAS_STAT_VMA_LOCK_SUCCESS, 2);

	EXPECT_EQ(vas_munmap(mm, a, 2 * 4096), 0);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* ---- statistics and validation ------------------------------------------- */

TEST(stat_names)
{
	static const char *const names[] = {
#define NAME(e, str) str,
		VAS_STAT_LIST(NAME)
#undef NAME
	};

	EXPECT_EQ(sizeof(names) / sizeof(names[0]), VAS_NR_STATS);
	for (int i = 0; i < VAS_NR_STATS; i++) {
		const char *n = vas_stat_name((enum vas_stat)i);

		ASSERT_NOT_NULL(n);
		EXPECT_TRUE(strcmp(n, names[i]) == 0);
	}
	EXPECT_TRUE(strcmp(vas_stat_name(VAS_STAT_VMA_LOCK_ABORT),
			   "vma_lock_abort") == 0);
	EXPECT_NULL(vas_stat_name(VAS_NR_STATS));
}

TEST(stats_print_format)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	char *buf = NULL, *line, *save = NULL;
	unsigned long start, end;
	size_t len = 0;
	FILE *out;
	int n = 0;

	/* Make a few counters non-zero. */
	vas_mmap_read_lock(mm);
	vas_mmap_read_unlock(mm);
	EXPECT_FALSE(vma_read_try(mm, 1UL << 20, &start, &end));
	EXPECT_FALSE(vma_read_try(mm, 2UL << 20, &start, &end));

	out = open_memstream(&buf, &len);
	ASSERT_NOT_NULL(out);
	vas_stats_print(m, out);
	ASSERT_EQ(fclose(out), 0);
	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(len > 0 && buf[len - 1] == '\n');

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		char name[64], extra;
		unsigned long long value;

		if (n >= VAS_NR_STATS) {
			harness_fail(__FILE__, __LINE__, "extra line '%s'", line);
			continue;
		}
		EXPECT_EQ(sscanf(line, "%63s %llu %c", name, &value, &extra), 2);
		EXPECT_TRUE(strcmp(name, vas_stat_name((enum vas_stat)n)) == 0);
		EXPECT_EQ(value, vas_stat_read(m, (enum vas_stat)n));
		/* exactly "name value": one space, then digits to the end */
		EXPECT_EQ(strlen(line),
			  strlen(name) + 1 +
				  strspn(line + strlen(name) + 1, "0123456789"));
	}
	EXPECT_EQ(n, VAS_NR_STATS);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_CREATE), 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MMAP_LOCK_READ), 1);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_VMA_LOCK_ABORT), 2);
	EXPECT_EQ(vas_stat_read(m, VAS_NR_STATS), 0);	/* unknown: 0 */
	free(buf);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(validate_empty)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *mm = mm_new(m);
	struct snap s;

	snap_take(m, &s);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	/*
	 * It took and released the write lock (so that no fault runs while
	 * it counts pages): a writer gets in afterwards.
	 */
	EXPECT_TRUE(probe_write(mm));
	expect_deltas(m, &s, VAS_STAT_MMAP_LOCK_READ, 0,
		      VAS_STAT_MMAP_LOCK_WRITE, 2);
	expect_counts(vas_mm_from_user(mm), 1, 1);

	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(two_spaces_independent)
{
	struct vas_machine *m = machine_new();
	struct vas_mm_user *a = mm_new(m), *b = mm_new(m);

	EXPECT_NE((uintptr_t)a, (uintptr_t)b);
	vas_mmap_write_lock(a);
	EXPECT_TRUE(probe_write(b));	/* one lock per address space */
	EXPECT_FALSE(probe_read(a));
	vas_mmap_write_unlock(a);
	vas_mm_put(a);
	expect_counts(vas_mm_from_user(b), 1, 1);
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	vas_mm_put(b);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_CREATE), 2);
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_MM_TEARDOWN), 2);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
