/* SPDX-License-Identifier: MIT */
/*
 * lock.h - the ranked locks of vas: a pthread mutex and a pthread spinlock
 * that carry their lockdep rank, and a condition variable that knows the
 * mutex it waits with.
 *
 * Every pthread lock in src/ outside host/ is a struct vas_mutex or a
 * struct vas_spinlock (the locks built on atomics, the mmap lock, the VMA,
 * page and page-table locks, record themselves), so every acquisition is
 * checked against the order in base/lockdep.h in debug builds, and
 * Clang's -Wthread-safety sees each lock as a capability ("mutex").
 *
 * The functions are inline: the frame pools and the node pool take their
 * lock on hot paths. In builds without VAS_DEBUG they are the bare pthread
 * calls (the rank is never read).
 */
#ifndef VAS_BASE_LOCK_H
#define VAS_BASE_LOCK_H

#include <pthread.h>
#include <stdbool.h>
#include "base/bug.h"
#include "base/compiler.h"
#include "base/lockdep.h"

struct VAS_CAPABILITY("mutex") vas_mutex {
	pthread_mutex_t m;
	enum lock_rank rank;	/* (c) its place in the global order */
};

/* A condition variable; vas_cond_wait() names its mutex. */
struct vas_cond {
	pthread_cond_t c;
};

#define VAS_MUTEX_INITIALIZER(r) { PTHREAD_MUTEX_INITIALIZER, (r) }

/**
 * vas_mutex_init() - Make @m an unlocked mutex of rank @rank.
 * Context: @m not yet shared. Lifetime: until vas_mutex_destroy().
 */
static inline void vas_mutex_init(struct vas_mutex *m, enum lock_rank rank)
{
	pthread_mutex_init(&m->m, NULL);
	m->rank = rank;
}

/** vas_mutex_destroy() - Context: @m unlocked and no longer shared. */
static inline void vas_mutex_destroy(struct vas_mutex *m)
{
	pthread_mutex_destroy(&m->m);
}

static inline void __vas_mutex_lock(struct vas_mutex *m, bool nested)
	VAS_ACQUIRE(m) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	int err;

	lockdep_acquire(m, m->rank, LOCK_MODE_WRITE, false, nested);
	err = pthread_mutex_lock(&m->m);
	if (unlikely(err))
		vas_die("pthread_mutex_lock", err);
}

/**
 * vas_mutex_lock() - Take @m.
 * Context: may block; the thread holds no lock ranked above @m's rank, nor
 * one of the same rank (debug builds abort otherwise).
 */
static inline void vas_mutex_lock(struct vas_mutex *m) VAS_ACQUIRE(m)
{
	__vas_mutex_lock(m, false);
}

/**
 * vas_mutex_lock_nested() - Take @m while holding another lock of its rank,
 * in an order the caller guarantees (e.g. by address).
 * Context: as vas_mutex_lock().
 */
static inline void vas_mutex_lock_nested(struct vas_mutex *m) VAS_ACQUIRE(m)
{
	__vas_mutex_lock(m, true);
}

/**
 * vas_mutex_trylock() - Take @m if it is free; true if taken.
 * Context: any (a trylock cannot deadlock, so the order does not apply).
 */
static inline bool vas_mutex_trylock(struct vas_mutex *m)
	VAS_TRY_ACQUIRE(true, m) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	if (pthread_mutex_trylock(&m->m) != 0)
		return false;
	lockdep_acquire(m, m->rank, LOCK_MODE_WRITE, true, false);
	return true;
}

/** vas_mutex_unlock() - Drop @m. Context: @m held by this thread. */
static inline void vas_mutex_unlock(struct vas_mutex *m)
	VAS_RELEASE(m) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_mutex_unlock(&m->m);
	lockdep_release(m);
}

/**
 * vas_mutex_assert_held() - Abort (debug builds) unless this thread holds @m.
 * Context: any.
 */
static inline void vas_mutex_assert_held(const struct vas_mutex *m)
	VAS_ASSERT_CAPABILITY(m)
{
#ifdef VAS_DEBUG
	if (lockdep_held_mode(m) == LOCK_MODE_NONE)
		lockdep_report("mutex not held", m);
#else
	(void)m;
#endif
}

/** vas_cond_init() - Context: @c not yet shared. */
static inline void vas_cond_init(struct vas_cond *c)
{
	pthread_cond_init(&c->c, NULL);
}

/** vas_cond_destroy() - Context: no thread waits on @c. */
static inline void vas_cond_destroy(struct vas_cond *c)
{
	pthread_cond_destroy(&c->c);
}

/**
 * vas_cond_wait() - Drop @m, sleep until @c is signalled, take @m again.
 * Context: @m held, and no other lock (the wait drops only @m); may block.
 */
static inline void vas_cond_wait(struct vas_cond *c, struct vas_mutex *m)
	VAS_REQUIRES(m) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	lockdep_release(m);
#ifdef VAS_DEBUG
	if (lockdep_depth() != 0)
		lockdep_report("sleeping on a condition with another lock held",
			       m);
#endif
	pthread_cond_wait(&c->c, &m->m);
	lockdep_acquire(m, m->rank, LOCK_MODE_WRITE, false, false);
}

/**
 * vas_cond_wait_in_lock() - vas_cond_wait() for the wait queue of a
 * sleeping lock (the mmap lock's, mm/mmap_lock.c): the thread sleeps for
 * the lock its caller has already recorded, and may hold locks ranked
 * below that one (fork's nested mmap lock); lockdep checked the order when
 * the caller recorded it, so no other lock is checked here.
 * Context: @m held; may block.
 */
static inline void vas_cond_wait_in_lock(struct vas_cond *c,
					 struct vas_mutex *m)
	VAS_REQUIRES(m) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	lockdep_release(m);
	pthread_cond_wait(&c->c, &m->m);
	lockdep_acquire(m, m->rank, LOCK_MODE_WRITE, false, false);
}

/** vas_cond_signal() - Wake one waiter of @c. Context: any. */
static inline void vas_cond_signal(struct vas_cond *c)
{
	pthread_cond_signal(&c->c);
}

/** vas_cond_broadcast() - Wake every waiter of @c. Context: any. */
static inline void vas_cond_broadcast(struct vas_cond *c)
{
	pthread_cond_broadcast(&c->c);
}

/*
 * A spinlock that carries its rank: for a lock held for a few instructions
 * that takes nothing, on a path that must not sleep (the node pool of
 * base/alloc.c, which RCU callbacks refill). No condition variable waits
 * with it.
 */
struct VAS_CAPABILITY("mutex") vas_spinlock {
	pthread_spinlock_t s;
	enum lock_rank rank;	/* (c) its place in the global order */
};

/**
 * vas_spin_init() - Make @l an unlocked spinlock of rank @rank.
 * Context: @l not yet shared. Lifetime: until vas_spin_destroy().
 */
static inline void vas_spin_init(struct vas_spinlock *l, enum lock_rank rank)
{
	pthread_spin_init(&l->s, PTHREAD_PROCESS_PRIVATE);
	l->rank = rank;
}

/** vas_spin_destroy() - Context: @l unlocked and no longer shared. */
static inline void vas_spin_destroy(struct vas_spinlock *l)
{
	pthread_spin_destroy(&l->s);
}

/**
 * vas_spin_lock() - Take @l, spinning while another thread holds it.
 * Context: the thread holds no lock ranked above @l's rank, nor one of the
 * same rank (debug builds abort otherwise); hold it for a few instructions
 * and take nothing under it.
 */
static inline void vas_spin_lock(struct vas_spinlock *l)
	VAS_ACQUIRE(l) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	lockdep_acquire(l, l->rank, LOCK_MODE_WRITE, false, false);
	pthread_spin_lock(&l->s);
}

/**
 * vas_spin_trylock() - Take @l if it is free; true if taken.
 * Context: any (a trylock cannot deadlock, so the order does not apply).
 */
static inline bool vas_spin_trylock(struct vas_spinlock *l)
	VAS_TRY_ACQUIRE(true, l) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	if (pthread_spin_trylock(&l->s) != 0)
		return false;
	lockdep_acquire(l, l->rank, LOCK_MODE_WRITE, true, false);
	return true;
}

/** vas_spin_unlock() - Drop @l. Context: @l held by this thread. */
static inline void vas_spin_unlock(struct vas_spinlock *l)
	VAS_RELEASE(l) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_spin_unlock(&l->s);
	lockdep_release(l);
}

#endif /* VAS_BASE_LOCK_H */
