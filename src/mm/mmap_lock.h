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

#include <pthread.h>
#include <stdbool.h>

/* All fields (L: m). */
struct mmap_lock {
	pthread_mutex_t m;
	pthread_cond_t readers_cv;	/* queued readers wait here */
	pthread_cond_t writers_cv;	/* waiting writers wait here */
	int readers;			/* readers holding the lock */
	bool writer;			/* a writer holds the lock */
	int writers_waiting;
	int readers_waiting;
	unsigned long reader_batch;	/* bumped when queued readers are admitted */
};

void mmap_lock_init(struct mmap_lock *l);
void mmap_lock_fini(struct mmap_lock *l);

#endif /* VAS_MM_MMAP_LOCK_H */
