/* SPDX-License-Identifier: MIT */
/*
 * lock.h - the one mutex of vas: a pthread mutex that carries its lockdep
 * rank, and a condition variable that knows the mutex it waits with.
 *
 * Every lock in src/ is a struct vas_mutex (or the mmap lock, whose own
 * implementation in mm/mmap_lock.c is the only other user of pthread
 * locks), so every acquisition is checked against the order in
 * base/lockdep.h in debug builds, and Clang's -Wthread-safety sees each
 * lock as a capability ("mutex").
 *
 * The functions are inline: the frame pools take their lock on hot paths.
 * In builds without VAS_DEBUG they are the bare pthread calls.
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

#endif /* VAS_BASE_LOCK_H */
