// SPDX-License-Identifier: MIT
/*
 * test_vma_lock.c - per-VMA locks: lock_vma_under_rcu, its fallbacks and
 * counters, writers draining readers, detach, recycled VMAs, and the debug
 * report of a VMA reference used after its guard was released.
 */
#include <pthread.h>
#include <unistd.h>
#include "base/err.h"
#include "mm_test.h"
#include "vma/access.h"

static uint32_t refcnt(struct vm_area_struct *v)
{
	return __atomic_load_n(&v->vm_refcnt, __ATOMIC_RELAXED);
}

/*
 * vas_lock_vma_under_rcu() at @addr: the read-locked VMA, with its guard in
 * *@gp, or NULL (and *@gp NULL).
 */
static struct vm_area_struct *read_lock(struct vas_mm_user *u,
					unsigned long addr,
					struct vas_vma_read_guard **gp)
{
	struct vm_area_struct *vma;

	if (!vas_lock_vma_under_rcu(u, addr, gp)) {
		EXPECT_NULL(*gp);
		return NULL;
	}
	vma = vma_of_read_guard(*gp);
	EXPECT_PTR_EQ(vas_vma_read_guard_vma(*gp), vma_ref(vma));
	return vma;
}

TEST(lock_under_rcu_success_miss_and_counters)
{
	struct fixture f;
	struct vm_area_struct *a;
	struct vas_vma_read_guard *g;
	struct vas_vma_ref *r;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + 2 * P, RW);
	ASSERT_NOT_NULL(a);
	mmap_write_unlock(f.mm);
	EXPECT_EQ(refcnt(a), 1);

	ASSERT_TRUE(vas_lock_vma_under_rcu(f.user, W + P + 5, &g));
	ASSERT_PTR_EQ(g, vma_read_guard(a));
	r = vas_vma_read_guard_vma(g);
	ASSERT_PTR_EQ(r, vma_ref(a));
	EXPECT_EQ(refcnt(a), 2);
	/* readable without the mmap lock: the VMA lock covers it */
	EXPECT_EQ(vas_vma_start(r), W);
	EXPECT_EQ(vas_vma_end(r), W + 2 * P);
	vas_vma_end_read(g);
	EXPECT_EQ(refcnt(a), 1);

	EXPECT_NULL(read_lock(f.user, W + 2 * P, &g));	/* no VMA */
	EXPECT_NULL(read_lock(f.user, 0, &g));
	ASSERT_PTR_EQ(read_lock(f.user, W, &g), a);
	EXPECT_EQ(refcnt(a), 2);
	vas_vma_end_read(g);
	EXPECT_EQ(refcnt(a), 1);
	vas_vma_count_retry(f.user);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_LOCK_SUCCESS), 2);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_LOCK_ABORT), 2);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_LOCK_RETRY), 1);
	EXPECT_EQ(vas_stat_read(f.machine, VAS_STAT_VMA_LOCK_MISS), 0);
	fixture_fini(&f);
}

TEST(write_locked_vma_refuses_readers_until_mmap_unlock)
{
	struct fixture f;
	struct vm_area_struct *a, *b;
	struct vas_vma_read_guard *g;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + P, RW);
	b = mk(f.mm, W + 2 * P, W + 3 * P, RW);
	ASSERT_TRUE(a && b);
	mmap_write_unlock(f.mm);

	mmap_write_lock(f.mm);
	vma_start_write(a);
	EXPECT_TRUE(vma_is_write_locked(a));
	EXPECT_FALSE(vma_is_write_locked(b));
	/* a is write-locked: fall back. b is not: readers never wait for
	 * unrelated writers, even while the mmap lock is held for write. */
	EXPECT_NULL(read_lock(f.user, W, &g));
	EXPECT_PTR_EQ(read_lock(f.user, W + 2 * P, &g), b);
	if (g)
		vas_vma_end_read(g);
	mmap_write_unlock(f.mm);
	EXPECT_FALSE(vma_is_write_locked(a));
	EXPECT_PTR_EQ(read_lock(f.user, W, &g), a);
	if (g)
		vas_vma_end_read(g);

	/* downgrade also releases the VMA write locks */
	mmap_write_lock(f.mm);
	vma_start_write(a);
	mmap_write_downgrade(f.mm);
	EXPECT_FALSE(vma_is_write_locked(a));
	mmap_read_unlock(f.mm);
	fixture_fini(&f);
}

/*
 * A section's VMA write locks end with it, both ways: up to
 * MM_LOCKED_VMAS_MAX attached VMAs are listed and released one by one
 * (mm_lock_seq, which every fault reads, keeps its value); more move
 * mm_lock_seq on. A VMA locked and then detached in the section leaves
 * the list (it may be freed before the section ends).
 */
TEST(write_section_releases_listed_vmas_or_moves_the_sequence)
{
	enum { N = MM_LOCKED_VMAS_MAX + 2 };
	struct fixture f;
	struct vm_area_struct *v[N];
	struct vas_vma_read_guard *g;
	unsigned long seq;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	for (int i = 0; i < N; i++) {
		v[i] = mk(f.mm, W + 2 * i * P, W + (2 * i + 1) * P, RW);
		ASSERT_NOT_NULL(v[i]);
	}
	mmap_write_unlock(f.mm);	/* N new VMAs: did not fit */
	seq = f.mm->mm_lock_seq;
	EXPECT_EQ(seq & 1, 0);
	for (int i = 0; i < N; i++)
		EXPECT_FALSE(vma_is_write_locked(v[i]));

	/* MM_LOCKED_VMAS_MAX locks, one of them unmapped: listed */
	mmap_write_lock(f.mm);
	for (int i = 0; i < MM_LOCKED_VMAS_MAX; i++)
		vma_start_write(v[i]);
	EXPECT_EQ(f.mm->nr_locked_vmas, MM_LOCKED_VMAS_MAX);
	/* detached (off the list) and freed */
	EXPECT_EQ(vma_remove(f.mm, v[0]), 0);
	EXPECT_EQ(f.mm->nr_locked_vmas, MM_LOCKED_VMAS_MAX - 1);
	EXPECT_NULL(read_lock(f.user, W + 2 * P, &g));	/* v[1] locked */
	EXPECT_PTR_EQ(read_lock(f.user, W + 2 * (N - 1) * P, &g), v[N - 1]);
	if (g)
		vas_vma_end_read(g);
	mmap_write_unlock(f.mm);
	EXPECT_EQ(f.mm->mm_lock_seq, seq);
	EXPECT_EQ(f.mm->nr_locked_vmas, 0);
	for (int i = 1; i < N; i++) {
		EXPECT_FALSE(vma_is_write_locked(v[i]));
		EXPECT_PTR_EQ(read_lock(f.user, v[i]->vm_start, &g), v[i]);
		if (g)
			vas_vma_end_read(g);
	}

	/* one more than fits: the sequence moves, every lock goes */
	mmap_write_lock(f.mm);
	for (int i = 1; i < N; i++)
		vma_start_write(v[i]);
	EXPECT_EQ(f.mm->nr_locked_vmas, MM_LOCKED_VMAS_MAX + 1);
	EXPECT_NULL(read_lock(f.user, v[N - 1]->vm_start, &g));
	mmap_write_unlock(f.mm);
	EXPECT_EQ(f.mm->mm_lock_seq, seq + 2);
	for (int i = 1; i < N; i++) {
		EXPECT_FALSE(vma_is_write_locked(v[i]));
		EXPECT_PTR_EQ(read_lock(f.user, v[i]->vm_start, &g), v[i]);
		if (g)
			vas_vma_end_read(g);
	}
	fixture_fini(&f);
}

struct hold_ctx {
	struct vas_mm_user *user;
	unsigned long addr;
	int locked;		/* set once the reader holds the VMA */
	uint64_t hold_us;
};

static void *hold_reader(void *arg)
{
	struct hold_ctx *c = arg;
	struct vas_vma_read_guard *g;
	bool locked = vas_lock_vma_under_rcu(c->user, c->addr, &g);

	__atomic_store_n(&c->locked, locked ? 1 : -1, __ATOMIC_RELEASE);
	if (locked) {
		usleep((useconds_t)c->hold_us);
		vas_vma_end_read(g);
	}
	return NULL;
}

static void start_holder(struct hold_ctx *c, pthread_t *t)
{
	pthread_create(t, NULL, hold_reader, c);
	while (__atomic_load_n(&c->locked, __ATOMIC_ACQUIRE) == 0)
		usleep(100);
}

TEST(start_write_waits_for_readers)
{
	struct fixture f;
	struct vm_area_struct *a;
	struct hold_ctx c = { 0 };
	pthread_t t;
	double t0, waited;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + P, RW);
	ASSERT_NOT_NULL(a);
	mmap_write_unlock(f.mm);

	c.user = f.user;
	c.addr = W;
	c.hold_us = 100000;
	start_holder(&c, &t);
	ASSERT_EQ(c.locked, 1);
	mmap_write_lock(f.mm);
	t0 = harness_now();
	vma_start_write(a);		/* must wait for the reader */
	waited = harness_now() - t0;
	EXPECT_TRUE(vma_is_write_locked(a));
	EXPECT_EQ(refcnt(a), 1);
	mmap_write_unlock(f.mm);
	pthread_join(t, NULL);
	EXPECT_GT(waited * 1000, 50);	/* ms; the reader held 100 ms */
	EXPECT_GE(vas_stat_read(f.machine, VAS_STAT_VMA_WRITE_WAIT), 1);
	fixture_fini(&f);
}

TEST(detach_waits_for_readers_then_vma_is_reusable)
{
	struct fixture f;
	struct vm_area_struct *a, *again;
	struct hold_ctx c = { 0 };
	pthread_t t;
	double t0;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + P, RW);
	ASSERT_NOT_NULL(a);
	mmap_write_unlock(f.mm);
	c.user = f.user;
	c.addr = W;
	c.hold_us = 100000;
	start_holder(&c, &t);
	mmap_write_lock(f.mm);
	t0 = harness_now();
	ASSERT_EQ(vma_remove(f.mm, a), 0);	/* drains the reader first */
	EXPECT_GT((harness_now() - t0) * 1000, 50);
	EXPECT_EQ(refcnt(a), 0);
	EXPECT_LAYOUT(f.mm, 0);
	/* the cache hands the same memory out again, detached and clean */
	again = vm_area_alloc(f.mm);
	EXPECT_PTR_EQ(again, a);
	EXPECT_EQ(refcnt(again), 0);
	vm_area_free(again);
	mmap_write_unlock(f.mm);
	pthread_join(t, NULL);
	fixture_fini(&f);
}

/*
 * A reader that found a VMA in mm1's tree under RCU may lock it after it
 * was freed and reused by mm2 (the cache is type-safe, not use-once).
 * vma_start_read() must notice that the VMA is no longer mm1's.
 */
TEST(recycled_vma_of_another_mm_is_refused)
{
	struct fixture f;
	struct vas_mm_user *u2;
	struct mm_struct *mm2;
	struct vm_area_struct *a, *b, *got;
	struct vas_vma_read_guard *g;

	fixture_init(&f);
	ASSERT_EQ(vas_mm_create(f.machine, &u2), 0);
	mm2 = mm_of_user(u2);
	mmap_write_lock(f.mm);
	a = mk(f.mm, W, W + P, RW);
	ASSERT_NOT_NULL(a);
	ASSERT_EQ(vma_remove(f.mm, a), 0);	/* a goes to mm1's cache, */
	vma_cache_flush(f.mm);			/* to the machine's (exit), */
	mmap_write_unlock(f.mm);

	mmap_write_lock(mm2);
	b = mk(mm2, W, W + P, RW);		/* ... and comes back for mm2 */
	mmap_write_unlock(mm2);
	ASSERT_PTR_EQ(b, a);

	vas_rcu_read_lock();
	got = vma_start_read(f.mm, a);		/* the stale pointer of mm1 */
	vas_rcu_read_unlock();
	EXPECT_NULL(got);
	EXPECT_EQ(refcnt(a), 1);		/* reference given back */
	EXPECT_EQ(vas_mm_count(vas_mm_from_user(u2)), 1);

	/* the right address space locks it */
	vas_rcu_read_lock();
	got = vma_start_read(mm2, a);
	vas_rcu_read_unlock();
	EXPECT_PTR_EQ(got, a);
	if (got && !IS_ERR(got))
		vma_end_read(got);
	EXPECT_NULL(read_lock(f.user, W, &g));
	vas_mm_put(u2);
	fixture_fini(&f);
}

TEST(detached_vma_reports_eagain)
{
	struct fixture f;
	struct vm_area_struct *a, *got;

	fixture_init(&f);
	mmap_write_lock(f.mm);
	a = vm_area_alloc(f.mm);
	ASSERT_NOT_NULL(a);
	mmap_write_unlock(f.mm);
	vas_rcu_read_lock();
	got = vma_start_read(f.mm, a);
	vas_rcu_read_unlock();
	EXPECT_PTR_EQ(got, ERR_PTR(-EAGAIN));
	mmap_write_lock(f.mm);
	vm_area_free(a);
	mmap_write_unlock(f.mm);
	fixture_fini(&f);
}

#ifdef VAS_DEBUG
/*
 * The Rust seed's `drop(guard); vma.foo()` case: a VMA reference used after
 * its guard was released must be reported, in the child, by an abort that
 * names the misuse.
 */
static void misuse_child(int variant)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct vas_vma_read_guard *g;
	struct vas_vma_ref *r;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		_exit(3);
	mmap_write_lock(mm_of_user(u));
	if (!mk(mm_of_user(u), W, W + P, RW))
		_exit(4);
	mmap_write_unlock(mm_of_user(u));
	if (variant == 0) {
		vas_mmap_read_lock(u);
		r = vas_vma_lookup(u, W);
		vas_mmap_read_unlock(u);	/* drop(guard) */
		(void)vas_vma_start(r);		/* vma.foo() */
		_exit(0);
	}
	if (!vas_lock_vma_under_rcu(u, W, &g))
		_exit(5);
	r = vas_vma_read_guard_vma(g);
	vas_vma_end_read(g);			/* drop(guard) */
	switch (variant) {
	case 1:
		(void)vas_vma_start(r);		/* vma.foo() */
		break;
	case 2:
		/* the guard itself, after its end (the analysis reports this
		 * within a function; here it cannot see it) */
		(void)vas_vma_read_guard_vma(g);
		break;
	case 3:
		vas_vma_end_read(g);		/* ended twice */
		break;
	case 4:
		/* under the mmap lock, the ended guard is still not held */
		vas_mmap_read_lock(u);
		(void)vas_vma_read_guard_vma(g);
		break;
	}
	_exit(0);
}

static void misuse_mmap_guard(void)
{
	misuse_child(0);
}

static void misuse_vma_guard(void)
{
	misuse_child(1);
}

static void misuse_guard_after_end(void)
{
	misuse_child(2);
}

static void misuse_guard_ended_twice(void)
{
	misuse_child(3);
}

static void misuse_guard_after_end_under_mmap_lock(void)
{
	misuse_child(4);
}

/* mmap lock after a VMA lock inverts the lock order: reported. */
static void order_child(void)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct vas_vma_read_guard *g;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		_exit(3);
	mmap_write_lock(mm_of_user(u));
	if (!mk(mm_of_user(u), W, W + P, RW))
		_exit(4);
	mmap_write_unlock(mm_of_user(u));
	if (!vas_lock_vma_under_rcu(u, W, &g))
		_exit(5);
	vas_mmap_read_lock(u);		/* wrong order */
	_exit(0);
}

/*
 * vas_mmap_assert_locked() asserts the mmap lock, as Linux's
 * mmap_assert_locked() (lockdep_assert_held(&mm->mmap_lock)): a VMA read
 * lock alone does not satisfy it (vma_assert_locked() is the one that
 * takes either).
 */
static void assert_mmap_under_vma_lock_child(void)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct vas_vma_read_guard *g;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		_exit(3);
	mmap_write_lock(mm_of_user(u));
	if (!mk(mm_of_user(u), W, W + P, RW))
		_exit(4);
	mmap_write_unlock(mm_of_user(u));
	if (!vas_lock_vma_under_rcu(u, W, &g))
		_exit(5);
	vas_mmap_assert_locked(u);	/* only the VMA lock is held */
	_exit(0);
}

/* The same with nothing held at all. */
static void assert_mmap_unlocked_child(void)
{
	struct vas_machine *m;
	struct vas_mm_user *u;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		_exit(3);
	vas_mmap_assert_locked(u);
	_exit(0);
}

/* A thread that takes @arg's mmap lock for write, says so, and keeps it. */
static int writer_pipe[2];

static void *write_holder(void *arg)
{
	char c = 1;

	vas_mmap_write_lock(arg);
	if (write(writer_pipe[1], &c, 1) != 1)
		_exit(6);
	for (;;)
		pause();
	return NULL;
}

/* The write lock held, by another thread: not this thread's to assert. */
static void assert_write_held_elsewhere_child(void)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	pthread_t t;
	char c;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		_exit(3);
	if (pipe(writer_pipe) || pthread_create(&t, NULL, write_holder, u))
		_exit(4);
	if (read(writer_pipe[0], &c, 1) != 1)
		_exit(5);
	vas_mmap_assert_write_locked(u);
	_exit(0);
}

TEST(debug_mmap_assert_locked_wants_the_mmap_lock)
{
	EXPECT_ABORTS(assert_mmap_under_vma_lock_child,
		      "mmap lock not held by this thread");
	EXPECT_ABORTS(assert_mmap_unlocked_child,
		      "mmap lock not held by this thread");
	EXPECT_ABORTS(assert_write_held_elsewhere_child,
		      "mmap lock not held for write by this thread");
}

TEST(debug_reports_mmap_lock_under_vma_lock)
{
	EXPECT_ABORTS(order_child, "lock order violation");
}

TEST(debug_reports_use_after_mmap_guard)
{
	EXPECT_ABORTS(misuse_mmap_guard, "VMA reference used without the lock");
}

TEST(debug_reports_use_after_vma_guard)
{
	EXPECT_ABORTS(misuse_vma_guard, "VMA reference used without the lock");
}

TEST(debug_reports_vma_read_guard_used_after_end)
{
	EXPECT_ABORTS(misuse_guard_after_end,
		      "VMA read guard used or ended, but this thread does not "
		      "hold it");
	EXPECT_ABORTS(misuse_guard_ended_twice,
		      "VMA read guard used or ended, but this thread does not "
		      "hold it");
	EXPECT_ABORTS(misuse_guard_after_end_under_mmap_lock,
		      "VMA read guard used or ended, but this thread does not "
		      "hold it");
}
#endif
