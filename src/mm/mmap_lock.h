/* SPDX-License-Identifier: MIT */
/*
 * mmap_lock.h - the lock word of the mmap lock. Its operations, which take
 * the address space, are declared in mm/mm.h.
 *
 * A writer-fair (phase-fair) reader/writer lock: a reader that arrives
 * while a writer holds or waits for the lock queues; a writer's release
 * admits every queued reader at once before the next writer may enter. So
 * a stream of readers cannot starve a writer, and a stream of writers
 * cannot starve readers.
 */
#ifndef VAS_MM_MMAP_LOCK_H
#define VAS_MM_MMAP_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "base/lock.h"

/*
 * The lock word holds the state; the mutex and condition variables only
 * queue waiters (the mutex is ranked LOCK_RANK_MMAP_WAIT, after every
 * other lock but the node pool's: it is held for a few instructions inside
 * the lock's own functions, and takes nothing):
 *   bits 0..27  readers holding the lock
 *   MMAP_LOCK_WRITER   a writer holds it
 *   MMAP_LOCK_SLOW     someone waits: every change goes through @m
 * Uncontended, a reader takes the lock with one compare-and-swap on the
 * word and releases it with one atomic subtraction; a writer likewise. As
 * soon as a thread has to wait it sets MMAP_LOCK_SLOW under @m, which
 * turns every fast path off until the queues are empty again, so the
 * queueing below (phase-fair) decides who goes next.
 */
#define MMAP_LOCK_WRITER (1u << 28)
#define MMAP_LOCK_SLOW (1u << 29)
#define MMAP_LOCK_READERS (MMAP_LOCK_WRITER - 1)

struct mmap_lock {
	uint32_t word;			/* (a) see above */
	struct vas_mutex m;
	struct vas_cond readers_cv;	/* (m) queued readers wait here */
	struct vas_cond writers_cv;	/* (m) waiting writers wait here */
	int writers_waiting;		/* (m) */
	int readers_waiting;		/* (m) */
	unsigned long reader_batch;	/* (m) bumped when readers are admitted */
};

/* For tests: readers holding @l, and whether a writer does. */
static inline unsigned int mmap_lock_readers(const struct mmap_lock *l)
{
	return __atomic_load_n(&l->word, __ATOMIC_RELAXED) & MMAP_LOCK_READERS;
}
static inline bool mmap_lock_writer(const struct mmap_lock *l)
{
	return __atomic_load_n(&l->word, __ATOMIC_RELAXED) & MMAP_LOCK_WRITER;
}

void mmap_lock_init(struct mmap_lock *l);
void mmap_lock_fini(struct mmap_lock *l);

#endif /* VAS_MM_MMAP_LOCK_H */
