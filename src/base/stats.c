// SPDX-License-Identifier: MIT
/*
 * stats.c - the counter sets' slots: claiming one on a thread's first
 * count in a set, giving them back at thread exit, summing and printing.
 * See stats.h for the scheme.
 */
#include <pthread.h>
#include "base/lock.h"
#include "base/stats.h"

__vas_tls int vas_stat_shard_id;	/* 1-based; 0 = not chosen yet */
static unsigned int next_shard;

int vas_stat_shard_pick(void)
{
	unsigned int n = __atomic_fetch_add(&next_shard, 1, __ATOMIC_RELAXED);

	vas_stat_shard_id = (int)(n % VAS_STAT_SHARDS) + 1;
	return vas_stat_shard_id;
}

/*
 * stats_lock guards the list of live sets, every change of a slot's owner
 * and the pruning of a thread's claims. It takes nothing.
 */
static struct vas_mutex stats_lock = VAS_MUTEX_INITIALIZER(LOCK_RANK_STATS);
static struct vas_stats *live_sets;	/* (L: stats_lock) */

/*
 * A thread's claims: the sets it counts in, each with its slot there, or
 * NULL where it found no free slot and adds to the shared one. Only the
 * thread reads and writes this; its address (vas_stat_cache's) is the
 * thread's token in the slots' owner words.
 */
struct stat_claim {
	struct vas_stats *st;
	struct vas_stat_slot *slot;
};

__vas_tls struct vas_stat_cache vas_stat_cache;
static __vas_tls struct stat_claim claims[VAS_STAT_THREAD_SETS];
static __vas_tls unsigned int nr_claims;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static const void *my_token(void)
{
	return &vas_stat_cache;
}

/* Is @st a live set? (L) */
static bool set_live(const struct vas_stats *st)
{
	for (struct vas_stats *s = live_sets; s; s = s->next)
		if (s == st)
			return true;
	return false;
}

/* Does @c still name a slot this thread owns in a live set? (L) */
static bool claim_valid(const struct stat_claim *c)
{
	return set_live(c->st) &&
	       (!c->slot ||
		__atomic_load_n(&c->slot->owner, __ATOMIC_RELAXED) == my_token());
}

/* Give back claim @i's slot and drop the claim. (L) */
static void claim_drop(unsigned int i)
{
	struct stat_claim *c = &claims[i];

	if (c->slot && claim_valid(c))
		__atomic_store_n(&c->slot->owner, NULL, __ATOMIC_RELEASE);
	if (vas_stat_cache.slot == c->slot)
		vas_stat_cache = (struct vas_stat_cache){ 0 };
	claims[i] = claims[--nr_claims];
}

/* Thread exit: give back every slot (their values stay in them). */
static void stats_thread_exit(void *arg)
{
	(void)arg;
	vas_mutex_lock(&stats_lock);
	while (nr_claims)
		claim_drop(nr_claims - 1);
	vas_stat_cache = (struct vas_stat_cache){ 0 };
	vas_mutex_unlock(&stats_lock);
}

static void exit_key_init(void)
{
	pthread_key_create(&exit_key, stats_thread_exit);
}

/* Claim a slot of @st for this thread, or the shared one (NULL). */
static struct vas_stat_slot *claim(struct vas_stats *st)
{
	struct vas_stat_slot *slot = NULL;
	unsigned int i;

	pthread_once(&exit_once, exit_key_init);
	/* (re)arm the destructor: it may already have run in this thread */
	pthread_setspecific(exit_key, (void *)1);
	vas_mutex_lock(&stats_lock);
	if (!set_live(st)) {	/* not (or no longer) a live set */
		vas_mutex_unlock(&stats_lock);
		return NULL;
	}
	for (i = 0; i < nr_claims;)	/* sets gone since */
		if (!claim_valid(&claims[i]))
			claim_drop(i);
		else
			i++;
	if (nr_claims == VAS_STAT_THREAD_SETS)
		claim_drop(0);
	for (i = 0; i < VAS_STAT_SLOTS; i++) {
		if (!__atomic_load_n(&st->slot[i].owner, __ATOMIC_RELAXED)) {
			slot = &st->slot[i];
			__atomic_store_n(&slot->owner, my_token(),
					 __ATOMIC_RELAXED);
			break;
		}
	}
	claims[nr_claims++] = (struct stat_claim){ .st = st, .slot = slot };
	vas_mutex_unlock(&stats_lock);
	return slot;
}

void stats_add_slow(struct vas_stats *st, enum vas_stat stat, uint64_t n)
{
	struct vas_stat_slot *slot = NULL;
	unsigned int i;

	for (i = 0; i < nr_claims; i++) {
		if (claims[i].st != st)
			continue;
		slot = claims[i].slot;
		if (!slot || __atomic_load_n(&slot->owner, __ATOMIC_RELAXED) ==
				     my_token())
			goto found;
		break;	/* a claim in a set since freed: claim() prunes it */
	}
	slot = claim(st);
found:
	if (!slot) {
		__atomic_fetch_add(&st->shared.v[stat], n, __ATOMIC_RELAXED);
		return;
	}
	vas_stat_cache = (struct vas_stat_cache){ .st = st, .slot = slot };
	__atomic_store_n(&slot->v[stat],
			 __atomic_load_n(&slot->v[stat], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

void stats_init(struct vas_stats *st)
{
	*st = (struct vas_stats){ 0 };
	vas_mutex_lock(&stats_lock);
	st->next = live_sets;
	if (live_sets)
		live_sets->pprev = &st->next;
	st->pprev = &live_sets;
	live_sets = st;
	vas_mutex_unlock(&stats_lock);
}

void stats_destroy(struct vas_stats *st)
{
	vas_mutex_lock(&stats_lock);
	*st->pprev = st->next;
	if (st->next)
		st->next->pprev = st->pprev;
	st->next = NULL;
	st->pprev = NULL;
	vas_mutex_unlock(&stats_lock);
	/* this thread's own fast path must not find it again */
	if (vas_stat_cache.st == st)
		vas_stat_cache = (struct vas_stat_cache){ 0 };
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
	uint64_t sum;

	if ((unsigned)stat >= VAS_NR_STATS)
		return 0;
	sum = __atomic_load_n(&st->shared.v[stat], __ATOMIC_RELAXED);
	for (int s = 0; s < VAS_STAT_SLOTS; s++)
		sum += __atomic_load_n(&st->slot[s].v[stat], __ATOMIC_RELAXED);
	return sum;
}

void stats_print(const struct vas_stats *st, FILE *out)
{
	for (unsigned i = 0; i < VAS_NR_STATS; i++)
		fprintf(out, "%s %llu\n", stat_names[i],
			(unsigned long long)stats_sum(st, (enum vas_stat)i));
}

unsigned int stats_slots_owned(const struct vas_stats *st)
{
	unsigned int n = 0;

	for (int s = 0; s < VAS_STAT_SLOTS; s++)
		n += __atomic_load_n(&st->slot[s].owner, __ATOMIC_RELAXED) != NULL;
	return n;
}
