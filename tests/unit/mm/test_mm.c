// SPDX-License-Identifier: MIT
/*
 * test_mm.c - the machine, the two counts, teardown and the mmap lock.
 */
#include <pthread.h>
#include <unistd.h>
#include "mm_test.h"

TEST(machine_defaults_and_bad_config)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;

	vas_machine_config_init(&cfg);
	EXPECT_EQ(cfg.max_map_count, 65530);
	EXPECT_EQ(cfg.mmap_min_addr, 65536);
	EXPECT_EQ(cfg.stack_guard_gap, 256 * P);
	cfg.mmap_min_addr = 100;	/* not page aligned */
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	cfg.mmap_min_addr = 65536;
	cfg.max_map_count = 0;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	cfg.max_map_count = 10;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	EXPECT_EQ(vas_machine_config(m)->max_map_count, 10);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(machine_destroy_busy_while_mm_lives)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct vas_mm *c;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &u), 0);
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	c = vas_mm_from_user(u);
	vas_mm_grab(c);
	vas_mm_put(u);			/* users 0: torn down, object stays */
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	vas_mm_drop(c);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

TEST(counts_get_not_zero_and_teardown)
{
	struct fixture f;
	struct vas_mm *c;
	struct vas_mm_user *u2;

	fixture_init(&f);
	c = vas_mm_from_user(f.user);
	EXPECT_EQ(vas_mm_users(c), 1);
	EXPECT_EQ(vas_mm_count(c), 1);
	vas_mm_grab(c);
	EXPECT_EQ(vas_mm_count(c), 2);
	u2 = vas_mm_get_not_zero(c);
	ASSERT_PTR_EQ(u2, f.user);
	EXPECT_EQ(vas_mm_users(c), 2);
	EXPECT_PTR_EQ(vas_mm_get(u2), u2);
	EXPECT_EQ(vas_mm_users(c), 3);
	vas_mm_put(u2);
	vas_mm_put(u2);
	EXPECT_EQ(vas_mm_users(c), 1);

	mmap_write_lock(f.mm);
	ASSERT_NOT_NULL(mk(f.mm, W, W + 4 * P, RW));
	ASSERT_NOT_NULL(mk(f.mm, W + 8 * P, W + 9 * P, RW));
	mmap_write_unlock(f.mm);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_FREE), 0);

	vas_mm_put(f.user);		/* last user: VMAs removed and freed */
	f.user = NULL;
	EXPECT_EQ(vas_mm_users(c), 0);
	EXPECT_EQ(vas_mm_count(c), 1);
	EXPECT_NULL(vas_mm_get_not_zero(c));
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_MM_TEARDOWN), 1);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_FREE), 2);
	EXPECT_NULL(mm_of(c)->mm_mt.root);
	EXPECT_EQ(mm_of(c)->map_count, 0);
	vas_mm_drop(c);
	fixture_fini(&f);
}

TEST(put_async_defers_to_worker)
{
	struct fixture f;
	struct vas_mm *c;

	fixture_init(&f);
	c = vas_mm_from_user(f.user);
	vas_mm_grab(c);
	mmap_write_lock(f.mm);
	ASSERT_NOT_NULL(mk(f.mm, W, W + P, RW));
	mmap_write_unlock(f.mm);
	vas_mm_put_async(f.user);
	f.user = NULL;
	EXPECT_NULL(vas_mm_get_not_zero(c));
	vas_machine_flush(f.machine);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_MM_TEARDOWN_ASYNC), 1);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_FREE), 1);
	EXPECT_NULL(mm_of(c)->mm_mt.root);
	vas_mm_drop(c);
	fixture_fini(&f);
}

TEST(put_async_last_drop_by_worker)
{
	struct fixture f;

	fixture_init(&f);
	vas_mm_put_async(f.user);	/* worker tears down and frees */
	f.user = NULL;
	fixture_fini(&f);		/* destroy flushes first */
}

/* Two read trylocks succeed together; a write trylock then fails. */
static bool trylock_read_twice_not_write(struct vas_mm_user *u)
{
	bool ok = true;

	if (!vas_mmap_read_trylock(u))
		return false;
	if (vas_mmap_read_trylock(u))
		vas_mmap_read_unlock(u);
	else
		ok = false;
	if (vas_mmap_write_trylock(u)) {
		vas_mmap_write_unlock(u);
		ok = false;
	}
	vas_mmap_read_unlock(u);
	return ok;
}

TEST(mmap_lock_seq_and_trylocks)
{
	struct fixture f;
	unsigned long seq;

	fixture_init(&f);
	/* a section that write-locks no VMA leaves mm_lock_seq alone */
	seq = f.mm->mm_lock_seq;
	EXPECT_EQ(seq & 1, 0);
	mmap_write_lock(f.mm);
	EXPECT_EQ(f.mm->mm_lock_seq, seq);
	EXPECT_TRUE(mmap_lock_is_write_locked(f.mm));
	mmap_write_unlock(f.mm);
	EXPECT_EQ(f.mm->mm_lock_seq, seq);
	EXPECT_FALSE(mmap_lock_is_write_locked(f.mm));

	EXPECT_TRUE(trylock_read_twice_not_write(f.user));
	if (mmap_write_trylock(f.mm)) {
		EXPECT_TRUE(mmap_lock_is_write_locked(f.mm));
		mmap_write_downgrade(f.mm);
		EXPECT_FALSE(mmap_lock_is_write_locked(f.mm));
		EXPECT_EQ(f.mm->mm_lock_seq, seq);
		EXPECT_EQ(mmap_lock_readers(&f.mm->mmap_lock), 1);
		EXPECT_FALSE(mmap_lock_writer(&f.mm->mmap_lock));
		mmap_read_unlock(f.mm);
	} else {
		EXPECT_TRUE(!"write_trylock failed on a free lock");
	}
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_MMAP_LOCK_WRITE), 2);
	fixture_fini(&f);
}

TEST(mmap_lock_blocks_unlock_at_end)
{
	struct fixture f;
	struct vm_area_struct *a = NULL;

	fixture_init(&f);
	VAS_MMAP_WRITE_BEGIN(f.user);
	EXPECT_TRUE(mmap_lock_writer(&f.mm->mmap_lock));
	a = mk(f.mm, W, W + P, RW);
	VAS_MMAP_WRITE_END(f.user);
	ASSERT_NOT_NULL(a);
	EXPECT_FALSE(mmap_lock_writer(&f.mm->mmap_lock));
	VAS_MMAP_READ_BEGIN(f.user);
	EXPECT_EQ(mmap_lock_readers(&f.mm->mmap_lock), 1);
	EXPECT_NOT_NULL(vas_vma_lookup(f.user, W));
	VAS_MMAP_READ_END(f.user);
	EXPECT_EQ(mmap_lock_readers(&f.mm->mmap_lock), 0);
	{
		struct vas_mm_user *extra VAS_MM_USER_SCOPED = vas_mm_get(f.user);

		EXPECT_EQ(vas_mm_users(vas_mm_from_user(extra)), 2);
	}
	EXPECT_EQ(vas_mm_users(vas_mm_from_user(f.user)), 1);
	fixture_fini(&f);
}

/* ---- fairness ----------------------------------------------------------- */

struct fair_ctx {
	struct vas_mm_user *user;
	volatile int stop;
	unsigned long reader_rounds;
	unsigned long writer_rounds;
};

static void *reader_stream(void *arg)
{
	struct fair_ctx *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		vas_mmap_read_lock(c->user);
		usleep(200);	/* hold long enough that readers overlap */
		vas_mmap_read_unlock(c->user);
		__atomic_add_fetch(&c->reader_rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *writer_stream(void *arg)
{
	struct fair_ctx *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		vas_mmap_write_lock(c->user);
		usleep(200);
		vas_mmap_write_unlock(c->user);
		__atomic_add_fetch(&c->writer_rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Three readers overlapping continuously would starve a reader-preferring
 * lock's writer; two writers back to back would starve a writer-preferring
 * lock's readers. Both sides must make progress.
 */
TEST(mmap_lock_is_writer_fair)
{
	struct fixture f;
	struct fair_ctx c = { 0 };
	pthread_t r[3], w[2];

	fixture_init(&f);
	c.user = f.user;
	for (int i = 0; i < 3; i++)
		pthread_create(&r[i], NULL, reader_stream, &c);
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, writer_stream, &c);
	usleep(300 * 1000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(r[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	/* 300 ms of 200 us holds: each side gets well over a handful. */
	EXPECT_GT(c.writer_rounds, 20);
	EXPECT_GT(c.reader_rounds, 20);
	fixture_fini(&f);
}

/*
 * The lock word's fast paths against its queues: threads take the lock in
 * every mode (read, write, both trylocks, write then downgrade) in random
 * order with no pause, and count who is inside. A writer must be alone; a
 * reader must see no writer. Under TSan, the word's atomics must order the
 * data the holders touch.
 */
struct excl_ctx {
	struct vas_mm_user *user;
	struct mm_struct *mm;
	int stop;
	int readers_in, writers_in;	/* (a) */
	unsigned long data;		/* guarded by the mmap lock */
	unsigned long bad;
};

static void check_inside(struct excl_ctx *c, bool writer)
{
	int r = __atomic_load_n(&c->readers_in, __ATOMIC_RELAXED);
	int w = __atomic_load_n(&c->writers_in, __ATOMIC_RELAXED);

	if (writer ? (w != 1 || r != 0) : (w != 0))
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

static void *excl_thread(void *arg)
{
	struct excl_ctx *c = arg;
	uint64_t s = (uint64_t)pthread_self() | 1;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long v;
		int op;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		op = (int)(s % 5);
		if (op == 0 || (op == 2 && mmap_read_trylock(c->mm))) {
			if (op == 0)
				mmap_read_lock(c->mm);
			__atomic_add_fetch(&c->readers_in, 1, __ATOMIC_RELAXED);
			check_inside(c, false);
			v = c->data;
			(void)v;
			__atomic_sub_fetch(&c->readers_in, 1, __ATOMIC_RELAXED);
			mmap_read_unlock(c->mm);
		} else if (op == 1 || op == 4 ||
			   (op == 3 && mmap_write_trylock(c->mm))) {
			if (op != 3)
				mmap_write_lock(c->mm);
			__atomic_add_fetch(&c->writers_in, 1, __ATOMIC_RELAXED);
			check_inside(c, true);
			c->data++;
			__atomic_sub_fetch(&c->writers_in, 1, __ATOMIC_RELAXED);
			if (op == 4) {
				/* downgrade: now a reader, writers still out */
				__atomic_add_fetch(&c->readers_in, 1,
						   __ATOMIC_RELAXED);
				mmap_write_downgrade(c->mm);
				check_inside(c, false);
				__atomic_sub_fetch(&c->readers_in, 1,
						   __ATOMIC_RELAXED);
				mmap_read_unlock(c->mm);
			} else {
				mmap_write_unlock(c->mm);
			}
		}
	}
	return NULL;
}

TEST(mmap_lock_word_excludes_in_every_mode)
{
	struct fixture f;
	struct excl_ctx c = { 0 };
	pthread_t t[4];

	fixture_init(&f);
	c.user = f.user;
	c.mm = f.mm;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, excl_thread, &c);
	usleep(500 * 1000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(c.bad, 0);
	EXPECT_GT(c.data, 0);
	/* the lock ends free, with the fast paths on */
	EXPECT_EQ(__atomic_load_n(&f.mm->mmap_lock.word, __ATOMIC_RELAXED), 0);
	fixture_fini(&f);
}

/*
 * The committed total: an address space's vm_acct_memory() reaches the
 * machine's total when its write section ends (one atomic add of the net
 * change), and its own overcommit checks in the section count what it has
 * committed so far.
 */
TEST(committed_reaches_the_machine_at_section_end)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct mm_struct *mm;
	unsigned long c0;

	vas_machine_config_init(&cfg);
	cfg.overcommit_memory = VAS_OVERCOMMIT_NEVER;
	cfg.overcommit_kbytes = 4096;		/* 1024 pages */
	cfg.admin_reserve_kbytes = 0;
	cfg.user_reserve_kbytes = 0;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &u), 0);
	mm = mm_of_user(u);
	c0 = vas_machine_committed(m);

	mmap_write_lock(mm);
	vm_acct_memory(mm, 1000);
	EXPECT_EQ(vas_machine_committed(m), c0);	/* not yet */
	EXPECT_EQ(vm_enough_memory(mm, 10), 0);
	EXPECT_EQ(vm_enough_memory(mm, 100), -ENOMEM);	/* 1100 > 1024 */
	vm_acct_memory(mm, -997);
	mmap_write_unlock(mm);
	EXPECT_EQ(vas_machine_committed(m), c0 + 3);
	EXPECT_EQ(mm->committed_pending, 0);

	/* a section that nets 0 leaves it; a downgrade ends a section */
	mmap_write_lock(mm);
	vm_acct_memory(mm, 50);
	vm_acct_memory(mm, -50);
	mmap_write_unlock(mm);
	EXPECT_EQ(vas_machine_committed(m), c0 + 3);
	mmap_write_lock(mm);
	vm_acct_memory(mm, -3);
	mmap_write_downgrade(mm);
	EXPECT_EQ(vas_machine_committed(m), c0);
	mmap_read_unlock(mm);
	vas_mm_put(u);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
