// SPDX-License-Identifier: MIT
/*
 * lockdep.c - rank checks and held-lock records; see lockdep.h.
 * Built in every configuration; its functions are used only with VAS_DEBUG.
 */
#include <stdio.h>
#include <stdlib.h>
#include "base/lockdep.h"

#ifdef VAS_DEBUG

struct held_lock {
	const void *lock;
	enum lock_rank rank;
	enum lock_mode mode;
};

static __vas_tls struct held_lock held[LOCKDEP_MAX_HELD];
static __vas_tls unsigned int nr_held;

static const char *mode_name(enum lock_mode m)
{
	switch (m) {
	case LOCK_MODE_READ:
		return "read";
	case LOCK_MODE_WRITE:
		return "write";
	case LOCK_MODE_SETUP:
		return "setup";
	default:
		return "?";
	}
}

static void dump_held(void)
{
	fprintf(stderr, "vas: lockdep: this thread holds %u lock(s):\n", nr_held);
	for (unsigned int i = 0; i < nr_held; i++)
		fprintf(stderr, "  #%u %p rank %d %s\n", i, held[i].lock,
			(int)held[i].rank, mode_name(held[i].mode));
}

void lockdep_report(const char *what, const void *obj)
{
	fprintf(stderr, "vas: lockdep: %s (object %p)\n", what, obj);
	dump_held();
	fflush(stderr);
	abort();
}

void lockdep_acquire(const void *lock, enum lock_rank rank,
		     enum lock_mode mode, bool trylock, bool nested)
{
	if (nr_held == LOCKDEP_MAX_HELD)
		lockdep_report("too many locks held", lock);
	for (unsigned int i = 0; i < nr_held; i++) {
		/* A trylock cannot deadlock, so it may even recurse. */
		if (trylock)
			continue;
		if (held[i].lock == lock)
			lockdep_report("recursive acquisition of a lock", lock);
		if (held[i].rank > rank)
			lockdep_report("lock order violation: taking a lock "
				       "ranked below one already held", lock);
		if (held[i].rank == rank && !nested && rank != LOCK_RANK_VMA)
			lockdep_report("lock order violation: two locks of one "
				       "rank without nesting", lock);
	}
	held[nr_held].lock = lock;
	held[nr_held].rank = rank;
	held[nr_held].mode = mode;
	nr_held++;
}

void lockdep_release(const void *lock)
{
	for (unsigned int i = nr_held; i-- > 0;) {
		if (held[i].lock != lock)
			continue;
		for (unsigned int j = i + 1; j < nr_held; j++)
			held[j - 1] = held[j];
		nr_held--;
		return;
	}
	lockdep_report("releasing a lock this thread does not hold", lock);
}

void lockdep_set_mode(const void *lock, enum lock_mode mode)
{
	for (unsigned int i = 0; i < nr_held; i++) {
		if (held[i].lock == lock) {
			held[i].mode = mode;
			return;
		}
	}
	lockdep_report("changing the mode of a lock not held", lock);
}

enum lock_mode lockdep_held_mode(const void *lock)
{
	for (unsigned int i = 0; i < nr_held; i++)
		if (held[i].lock == lock)
			return held[i].mode;
	return LOCK_MODE_NONE;
}

unsigned int lockdep_depth(void)
{
	return nr_held;
}

int lockdep_highest_rank(void)
{
	int r = 0;

	for (unsigned int i = 0; i < nr_held; i++)
		if ((int)held[i].rank > r)
			r = (int)held[i].rank;
	return r;
}

#else
/* Keep the translation unit non-empty in release builds. */
extern int vas_lockdep_unused;
#endif
