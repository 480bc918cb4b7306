/* SPDX-License-Identifier: MIT */
/*
 * stats.h (internal) - event counters.
 *
 * Each counter set (one per machine) has VAS_STAT_SLOTS slots, each owned
 * by at most one thread at a time: a thread claims a slot of a set on its
 * first count there (under stats_lock, rank LOCK_RANK_STATS), counts into
 * it with a plain load and store (relaxed atomics: no lock prefix, no
 * shared cache line), and gives it back when it exits (a pthread key
 * destructor). The values stay in the slot: the next owner goes on from
 * them, so an exited thread's counts are never lost and no fold is needed.
 * A thread that finds every slot taken (more than VAS_STAT_SLOTS threads
 * counting in one set at once), or holds slots of VAS_STAT_THREAD_SETS
 * sets already, adds to the set's shared slot with an atomic add.
 * Readers sum the slots with relaxed loads, without a lock: each slot has
 * one writer at a time, so every sum is at least every earlier sum (a
 * reader sees no value of a slot older than one it or a thread it
 * synchronised with saw), but a sum is not a snapshot across slots.
 */
#ifndef VAS_BASE_STATS_H
#define VAS_BASE_STATS_H

#include <stdio.h>
#include <vas/stats.h>
#include "base/compiler.h"

#define VAS_STAT_SLOTS 16
#define VAS_STAT_THREAD_SETS 8	/* sets a thread holds slots in at once */

/* page/page.c's own sharded counters pick a shard per thread with these. */
#define VAS_STAT_SHARDS 16
extern __vas_tls int vas_stat_shard_id;
int vas_stat_shard_pick(void);

struct vas_stat_slot {
	const void *owner;		/* (a) owning thread's token; NULL */
	uint64_t v[VAS_NR_STATS];	/* (a) written by the owner only */
} __attribute__((aligned(64)));

struct vas_stats {
	struct vas_stat_slot slot[VAS_STAT_SLOTS];
	struct vas_stat_slot shared;	/* (a) atomic adds; owner unused */
	struct vas_stats *next;		/* (L: stats_lock) the live sets */
	struct vas_stats **pprev;	/* (L) */
};

/* The calling thread's last-used set and its slot there (fast path). */
struct vas_stat_cache {
	const struct vas_stats *st;
	struct vas_stat_slot *slot;
};
extern __vas_tls struct vas_stat_cache vas_stat_cache;
void stats_add_slow(struct vas_stats *st, enum vas_stat stat, uint64_t n);

/**
 * stats_add() - Add @n to @stat of @st.
 * Context: any; no lock but, on a thread's first count in @st, the
 * stats_lock (a leaf, ranked below only the node pool's lock).
 */
static inline void stats_add(struct vas_stats *st, enum vas_stat stat,
			     uint64_t n)
{
	struct vas_stat_slot *s = vas_stat_cache.slot;

	/*
	 * The owner check catches a set freed and another created at the
	 * same address: its slots are not this thread's.
	 */
	if (likely(vas_stat_cache.st == st &&
		   __atomic_load_n(&s->owner, __ATOMIC_RELAXED) ==
			   &vas_stat_cache)) {
		uint64_t *p = &s->v[stat];

		__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
				 __ATOMIC_RELAXED);
		return;
	}
	stats_add_slow(st, stat, n);
}

/**
 * stats_init() - Make @st a zeroed, live counter set.
 * Context: @st not yet shared. Lifetime: until stats_destroy().
 */
void stats_init(struct vas_stats *st);
/**
 * stats_destroy() - End @st's life: threads holding slots in it forget
 * them. Context: no thread counts in @st any more.
 */
void stats_destroy(struct vas_stats *st);
/** stats_sum() - Sum of @stat over the slots (not a snapshot). */
uint64_t stats_sum(const struct vas_stats *st, enum vas_stat stat);
/** stats_print() - "name value" per counter to @out. */
void stats_print(const struct vas_stats *st, FILE *out);
/** stats_slots_owned() - Slots of @st owned by a thread now (tests). */
unsigned int stats_slots_owned(const struct vas_stats *st);

#endif /* VAS_BASE_STATS_H */
