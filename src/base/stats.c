// SPDX-License-Identifier: MIT
/* stats.c - shard choice, summing and printing of the counters. */
#include "base/stats.h"

__vas_tls int vas_stat_shard_id;	/* 1-based; 0 = not chosen yet */
static unsigned int next_shard;

int vas_stat_shard_pick(void)
{
	unsigned int n = __atomic_fetch_add(&next_shard, 1, __ATOMIC_RELAXED);

	vas_stat_shard_id = (int)(n % VAS_STAT_SHARDS) + 1;
	return vas_stat_shard_id;
}

static const char *const stat_names[] = {
#define VAS__STAT_NAME(name, str) str,
	VAS_STAT_LIST(VAS__STAT_NAME)
#undef VAS__STAT_NAME
};

const char *vas_stat_name(enum vas_stat stat)
{
	if ((unsigned)stat >= VAS_NR_STATS)
		return NULL;
	return stat_names[stat];
}

uint64_t stats_sum(const struct vas_stats *st, enum vas_stat stat)
{
	uint64_t sum = 0;

	if ((unsigned)stat >= VAS_NR_STATS)
		return 0;
	for (int s = 0; s < VAS_STAT_SHARDS; s++)
		sum += __atomic_load_n(&st->shard[s].v[stat], __ATOMIC_RELAXED);
	return sum;
}

void stats_print(const struct vas_stats *st, FILE *out)
{
	for (unsigned i = 0; i < VAS_NR_STATS; i++)
		fprintf(out, "%s %llu\n", stat_names[i],
			(unsigned long long)stats_sum(st, (enum vas_stat)i));
}
