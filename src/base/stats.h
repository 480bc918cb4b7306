/* SPDX-License-Identifier: MIT */
/*
 * stats.h (internal) - event counters. Each thread adds to one of
 * VAS_STAT_SHARDS shards, chosen once per thread, so two threads on a hot
 * path rarely share a cache line; readers sum the shards.
 */
#ifndef VAS_BASE_STATS_H
#define VAS_BASE_STATS_H

#include <stdio.h>
#include <vas/stats.h>
#include "base/compiler.h"

#define VAS_STAT_SHARDS 16

struct vas_stat_shard {
	uint64_t v[VAS_NR_STATS];	/* (a) */
} __attribute__((aligned(64)));

struct vas_stats {
	struct vas_stat_shard shard[VAS_STAT_SHARDS];
};

extern __vas_tls int vas_stat_shard_id;
int vas_stat_shard_pick(void);

/** stats_add() - Add @n to @stat. Context: any; lock-free. */
static inline void stats_add(struct vas_stats *st, enum vas_stat stat,
			     uint64_t n)
{
	int s = vas_stat_shard_id;

	if (unlikely(s == 0))
		s = vas_stat_shard_pick();
	__atomic_fetch_add(&st->shard[s - 1].v[stat], n, __ATOMIC_RELAXED);
}

/** stats_sum() - Sum of @stat over the shards (not a snapshot). */
uint64_t stats_sum(const struct vas_stats *st, enum vas_stat stat);
/** stats_print() - "name value" per counter to @out. */
void stats_print(const struct vas_stats *st, FILE *out);

#endif /* VAS_BASE_STATS_H */
