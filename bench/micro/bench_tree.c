// SPDX-License-Identifier: MIT
/*
 * bench_tree.c - speed and memory of the range tree (src/tree/rt.c), with
 * the method of the maple-tree anchor (shared/anchors/maple/bench_maple.c)
 * so the two tables can be set side by side.
 *
 * Address space model: N ranges of one page, range i = [B + 2i*4K,
 * B + 2i*4K + 4K), each followed by a one-page gap, B = 0x100000000000.
 * Entries point to 64-byte fake VMAs. The timed tree is built ascending.
 *
 * Every lookup takes its own vas_rcu_read_lock()/unlock() (as mtree_load
 * takes rcu_read_lock inside). Every write is rt_preallocate + rt_store
 * (+ rt_prealloc_release) under a pthread mutex standing in for the mmap
 * lock (maple's mtree_* take the tree's own mutex); replaced nodes are
 * freed by vas_call_rcu. Every figure: iterations chosen so one repetition
 * runs >= --min-time seconds (default 0.2), --reps repetitions (5),
 * median. Results are checked before timing and after the write runs.
 *
 *   bench_tree [--min-time S] [--reps R] [--sizes a,b,c] [-v]
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "base/alloc.h"
#include "base/rcu.h"
#include "tree/rt.h"

#define PG		4096UL
#define BASE		0x100000000000UL
#define NADDR		(1UL << 16)	/* pre-generated random addresses */
#define LBATCH		256		/* lookups between loop-control checks */
#define MAXV		8

static double min_time = 0.2;
static int reps = 5;
static volatile uintptr_t sink;
static int verbose;
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;

struct fake_vma {
	unsigned long vm_start, vm_end;
	unsigned long pad[6];
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned long range_start(unsigned long i) { return BASE + 2 * i * PG; }
static unsigned long gap_start(unsigned long i) { return BASE + (2 * i + 1) * PG; }

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *msg)
{
	fprintf(stderr, "bench_tree: %s\n", msg);
	exit(1);
}

/* ---- the tree, with the writer's lock ----------------------------------- */

static void tree_store(struct rt_tree *t, unsigned long s, unsigned long e,
		       void *v)
{
	struct rt_prealloc pa = RT_PREALLOC_INIT;

	pthread_mutex_lock(&wlock);
	if (rt_preallocate(t, &pa, s, e))
		die("rt_preallocate");
	rt_store(t, &pa, s, e, v);
	rt_prealloc_release(&pa);
	pthread_mutex_unlock(&wlock);
}

static inline void *lookup_one(const struct rt_tree *t, unsigned long a)
{
	void *e;

	vas_rcu_read_lock();
	e = rt_lookup(t, a, NULL, NULL);
	vas_rcu_read_unlock();
	return e;
}

static inline void *find_one(const struct rt_tree *t, unsigned long a)
{
	void *e;

	vas_rcu_read_lock();
	e = rt_find(t, a, NULL, NULL);
	vas_rcu_read_unlock();
	return e;
}

struct ctx {
	struct rt_tree t;
	unsigned long n;
	struct fake_vma *vmas, *gvmas;
	unsigned long *hit, *hit_idx, *gap, *gperm, *rperm;
	unsigned long ngaps, gpos, rpos;
	uint64_t seed;
};

enum order { ORD_ASC, ORD_DESC, ORD_RAND };

static void build_tree(struct ctx *c, struct rt_tree *t, enum order ord)
{
	unsigned long *perm = malloc(c->n * sizeof(*perm));

	if (!perm)
		die("malloc");
	for (unsigned long i = 0; i < c->n; i++)
		perm[i] = ord == ORD_DESC ? c->n - 1 - i : i;
	if (ord == ORD_RAND) {
		uint64_t s = 12345;

		for (unsigned long i = c->n - 1; i > 0; i--) {
			unsigned long j = rnd(&s) % (i + 1), x = perm[i];

			perm[i] = perm[j];
			perm[j] = x;
		}
	}
	rt_init(t);
	for (unsigned long k = 0; k < c->n; k++) {
		struct fake_vma *v = &c->vmas[perm[k]];

		tree_store(t, v->vm_start, v->vm_end, v);
	}
	free(perm);
}

static void shuffle(unsigned long *a, unsigned long n, uint64_t *seed)
{
	for (unsigned long i = 0; i < n; i++)
		a[i] = i;
	for (unsigned long i = n - 1; i > 0; i--) {
		unsigned long j = rnd(seed) % (i + 1), x = a[i];

		a[i] = a[j];
		a[j] = x;
	}
}

static void ctx_init(struct ctx *c, unsigned long n)
{
	memset(c, 0, sizeof(*c));
	c->n = n;
	c->ngaps = n - 1;
	c->seed = 0x9E3779B97F4A7C15ULL ^ n;
	c->vmas = calloc(n, sizeof(*c->vmas));
	c->gvmas = calloc(n, sizeof(*c->gvmas));
	c->hit = malloc(NADDR * sizeof(unsigned long));
	c->hit_idx = malloc(NADDR * sizeof(unsigned long));
	c->gap = malloc(NADDR * sizeof(unsigned long));
	c->gperm = malloc(c->ngaps * sizeof(unsigned long));
	c->rperm = malloc(n * sizeof(unsigned long));
	if (!c->vmas || !c->gvmas || !c->hit || !c->hit_idx || !c->gap ||
	    !c->gperm || !c->rperm)
		die("malloc");
	for (unsigned long i = 0; i < n; i++) {
		c->vmas[i].vm_start = range_start(i);
		c->vmas[i].vm_end = range_start(i) + PG;
		c->gvmas[i].vm_start = gap_start(i);
		c->gvmas[i].vm_end = gap_start(i) + PG;
	}
	for (unsigned long k = 0; k < NADDR; k++) {
		unsigned long i = rnd(&c->seed) % n;
		unsigned long g = rnd(&c->seed) % c->ngaps;

		c->hit_idx[k] = i;
		c->hit[k] = range_start(i) + rnd(&c->seed) % PG;
		c->gap[k] = gap_start(g) + rnd(&c->seed) % PG;
	}
	shuffle(c->gperm, c->ngaps, &c->seed);
	shuffle(c->rperm, n, &c->seed);
	build_tree(c, &c->t, ORD_ASC);
}

static void ctx_free(struct ctx *c)
{
	pthread_mutex_lock(&wlock);
	rt_destroy(&c->t);
	pthread_mutex_unlock(&wlock);
	vas_rcu_barrier();
	free(c->vmas);
	free(c->gvmas);
	free(c->hit);
	free(c->hit_idx);
	free(c->gap);
	free(c->gperm);
	free(c->rperm);
}

static void verify(struct ctx *c)
{
	struct rt_iter it;
	unsigned long cnt = 0;
	void *e;

	for (unsigned long k = 0; k < NADDR; k++) {
		if (lookup_one(&c->t, c->hit[k]) != &c->vmas[c->hit_idx[k]])
			die("verify: wrong entry for an in-range address");
		if (lookup_one(&c->t, c->gap[k]))
			die("verify: entry found in a gap");
	}
	vas_rcu_read_lock();
	rt_iter_init(&it, &c->t, 0, ULONG_MAX);
	while ((e = rt_iter_next(&it, NULL, NULL))) {
		if (e != &c->vmas[cnt])
			die("verify: iteration order");
		cnt++;
	}
	vas_rcu_read_unlock();
	if (cnt != c->n)
		die("verify: iteration count");
	pthread_mutex_lock(&wlock);
	if (rt_validate(&c->t))
		die("verify: rt_validate");
	pthread_mutex_unlock(&wlock);
}

/* ---- timing driver (same as the maple anchor's) ------------------------ */

typedef void (*bench_fn)(struct ctx *c, long iters, double *out);

static void measure(struct ctx *c, bench_fn fn, int nphase, long granule,
		    double *res)
{
	double out[4], samples[4][16];
	long iters = granule;
	double mint;

	for (;;) {
		fn(c, iters, out);
		mint = out[0];
		for (int p = 1; p < nphase; p++)
			if (out[p] < mint)
				mint = out[p];
		if (mint >= 0.05e9)
			break;
		iters *= 4;
	}
	iters = (long)(iters * (min_time * 1e9 / mint) * 1.15);
	iters = (iters + granule - 1) / granule * granule;
	for (int r = 0; r < reps; r++) {
		for (;;) {
			fn(c, iters, out);
			mint = out[0];
			for (int p = 1; p < nphase; p++)
				if (out[p] < mint)
					mint = out[p];
			if (mint >= min_time * 1e9)
				break;
			iters = (long)(iters * (min_time * 1e9 / mint) * 1.15);
			iters = (iters + granule - 1) / granule * granule;
		}
		for (int p = 0; p < nphase; p++)
			samples[p][r] = out[p] / (double)iters;
	}
	for (int p = 0; p < nphase; p++) {
		if (verbose) {
			fprintf(stderr, "  N=%lu phase %d ns/op:", c->n, p);
			for (int r = 0; r < reps; r++)
				fprintf(stderr, " %.1f", samples[p][r]);
			fprintf(stderr, "  (%ld iterations)\n", iters);
		}
		res[p] = median(samples[p], reps);
	}
}

/* ---- lookups ------------------------------------------------------------ */

static void b_lookup_hit(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++)
		acc += (uintptr_t)lookup_one(&c->t, c->hit[i & (NADDR - 1)]);
	out[0] = (double)(now_ns() - t0);
	sink += acc;
}

static void b_lookup_gap(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++)
		acc += (uintptr_t)lookup_one(&c->t, c->gap[i & (NADDR - 1)]);
	out[0] = (double)(now_ns() - t0);
	sink += acc;
}

static void b_find_hit(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++)
		acc += (uintptr_t)find_one(&c->t, c->hit[i & (NADDR - 1)]);
	out[0] = (double)(now_ns() - t0);
	sink += acc;
}

static void b_find_gap(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++)
		acc += (uintptr_t)find_one(&c->t, c->gap[i & (NADDR - 1)]);
	out[0] = (double)(now_ns() - t0);
	sink += acc;
}

/* ---- writes --------------------------------------------------------------
 * W_STORE: a batch of K distinct random ranges is erased (each merges with
 * its two gaps into one 3-page hole), then put back into their holes.
 * W_GAPFILL: K random gaps are filled exactly, then erased again.
 * out[0] = insert time, out[1] = erase time; iters counts each.
 */

static unsigned long batch_k(const struct ctx *c)
{
	unsigned long k = c->n / 4;

	if (k > 64)
		k = 64;
	return k ? k : 1;
}

enum wmode { W_STORE, W_GAPFILL };

static void b_write(struct ctx *c, enum wmode m, long iters, double *out)
{
	unsigned long k = batch_k(c);
	struct fake_vma *vs[64];
	double tin = 0, tout = 0;

	for (long done = 0; done < iters; done += (long)k) {
		uint64_t t0, t1, t2;
		unsigned long j;

		for (j = 0; j < k; j++) {
			if (m == W_GAPFILL) {
				vs[j] = &c->gvmas[c->gperm[c->gpos]];
				if (++c->gpos == c->ngaps)
					c->gpos = 0;
			} else {
				vs[j] = &c->vmas[c->rperm[c->rpos]];
				if (++c->rpos == c->n)
					c->rpos = 0;
			}
		}
		if (m == W_GAPFILL) {
			t0 = now_ns();
			for (j = 0; j < k; j++)
				tree_store(&c->t, vs[j]->vm_start,
					   vs[j]->vm_end, vs[j]);
			t1 = now_ns();
			for (j = 0; j < k; j++)
				tree_store(&c->t, vs[j]->vm_start,
					   vs[j]->vm_end, NULL);
			t2 = now_ns();
			tin += (double)(t1 - t0);
			tout += (double)(t2 - t1);
		} else {
			t0 = now_ns();
			for (j = 0; j < k; j++)
				tree_store(&c->t, vs[j]->vm_start,
					   vs[j]->vm_end, NULL);
			t1 = now_ns();
			for (j = 0; j < k; j++)
				tree_store(&c->t, vs[j]->vm_start,
					   vs[j]->vm_end, vs[j]);
			t2 = now_ns();
			tout += (double)(t1 - t0);
			tin += (double)(t2 - t1);
		}
	}
	out[0] = tin;
	out[1] = tout;
}

static void b_store(struct ctx *c, long it, double *o) { b_write(c, W_STORE, it, o); }
static void b_gapfill(struct ctx *c, long it, double *o) { b_write(c, W_GAPFILL, it, o); }

/* Allocator cost alone: rt_preallocate for a 1-page erase, then release. */
static void b_prealloc_only(struct ctx *c, long iters, double *out)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < iters; i++) {
		struct fake_vma *v = &c->vmas[c->rperm[(unsigned long)i % c->n]];
		struct rt_prealloc pa = RT_PREALLOC_INIT;

		pthread_mutex_lock(&wlock);
		if (rt_preallocate(&c->t, &pa, v->vm_start, v->vm_end))
			die("rt_preallocate");
		rt_prealloc_release(&pa);
		pthread_mutex_unlock(&wlock);
	}
	out[0] = (double)(now_ns() - t0);
}

/* ---- iteration ---------------------------------------------------------- */

static void b_iter(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	long seen = 0;
	uint64_t t0 = now_ns();

	while (seen < iters) {
		struct rt_iter it;
		void *e;

		vas_rcu_read_lock();
		rt_iter_init(&it, &c->t, 0, ULONG_MAX);
		while ((e = rt_iter_next(&it, NULL, NULL))) {
			acc += (uintptr_t)e;
			seen++;
		}
		vas_rcu_read_unlock();
	}
	out[0] = (double)(now_ns() - t0) * (double)iters / (double)seen;
	sink += acc;
}

/* Like mt_for_each: every step routes again from the root. */
static void b_find_each(struct ctx *c, long iters, double *out)
{
	uintptr_t acc = 0;
	long seen = 0;
	uint64_t t0 = now_ns();

	while (seen < iters) {
		unsigned long a = 0, e;
		void *v;

		for (;;) {
			vas_rcu_read_lock();
			v = rt_find(&c->t, a, NULL, &e);
			vas_rcu_read_unlock();
			if (!v)
				break;
			a = e;
			acc += (uintptr_t)v;
			seen++;
		}
	}
	out[0] = (double)(now_ns() - t0) * (double)iters / (double)seen;
	sink += acc;
}

/* ---- threads ------------------------------------------------------------ */

struct thr {
	pthread_t tid;
	struct ctx *c;
	int writer;
	uint64_t seed;
	long ops, bad, miss;
	double secs, cpu;
	pthread_barrier_t *bar;
	volatile int *stop;
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader_main(void *arg)
{
	struct thr *t = arg;
	struct ctx *c = t->c;
	unsigned long k = (t->seed * 7919) & (NADDR - 1);
	long ops = 0, bad = 0, miss = 0;
	uint64_t t0;
	double c0;

	pthread_barrier_wait(t->bar);
	t0 = now_ns();
	c0 = thread_cpu();
	while (!__atomic_load_n(t->stop, __ATOMIC_RELAXED)) {
		for (int j = 0; j < LBATCH; j++) {
			void *e = lookup_one(&c->t, c->hit[k]);

			if (e != &c->vmas[c->hit_idx[k]]) {
				if (e)
					bad++;
				else
					miss++;
			}
			k = (k + 1) & (NADDR - 1);
		}
		ops += LBATCH;
	}
	t->cpu = thread_cpu() - c0;
	t->secs = (double)(now_ns() - t0) / 1e9;
	t->ops = ops;
	t->bad = bad;
	t->miss = miss;
	return NULL;
}

static void *writer_main(void *arg)
{
	struct thr *t = arg;
	struct ctx *c = t->c;
	long ops = 0;
	uint64_t t0;
	double c0;

	pthread_barrier_wait(t->bar);
	t0 = now_ns();
	c0 = thread_cpu();
	while (!__atomic_load_n(t->stop, __ATOMIC_RELAXED)) {
		struct fake_vma *v = &c->vmas[rnd(&t->seed) % c->n];

		tree_store(&c->t, v->vm_start, v->vm_end, NULL);
		tree_store(&c->t, v->vm_start, v->vm_end, v);
		ops += 2;
	}
	t->cpu = thread_cpu() - c0;
	t->secs = (double)(now_ns() - t0) / 1e9;
	t->ops = ops;
	return NULL;
}

struct tres {
	double rops, wops, rcpu;
	long bad, miss, rtotal;
};

static void run_threads(struct ctx *c, int nr, int nw, struct tres *o)
{
	struct thr t[4];
	pthread_barrier_t bar;
	volatile int stop = 0;
	struct timespec d;
	int n = nr + nw;

	memset(o, 0, sizeof(*o));
	pthread_barrier_init(&bar, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		t[i] = (struct thr){ .c = c, .writer = i >= nr,
				     .seed = 0xABCDEF12345ULL * (uint64_t)(i + 1) + c->n,
				     .bar = &bar, .stop = &stop };
		pthread_create(&t[i].tid, NULL,
			       t[i].writer ? writer_main : reader_main, &t[i]);
	}
	pthread_barrier_wait(&bar);
	d.tv_sec = (time_t)(min_time * 1.5);
	d.tv_nsec = (long)((min_time * 1.5 - (double)d.tv_sec) * 1e9);
	nanosleep(&d, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++) {
		pthread_join(t[i].tid, NULL);
		if (t[i].writer) {
			o->wops += (double)t[i].ops / t[i].secs;
		} else {
			o->rops += (double)t[i].ops / t[i].secs;
			o->rcpu += t[i].cpu / t[i].secs;
			o->bad += t[i].bad;
			o->miss += t[i].miss;
			o->rtotal += t[i].ops;
		}
	}
	pthread_barrier_destroy(&bar);
	vas_rcu_barrier();
}

static void measure_threads(struct ctx *c, int nr, int nw, double *r,
			    double *w, double *cpu)
{
	double rs[16] = { 0 }, ws[16] = { 0 }, cs[16] = { 0 };
	struct tres o;

	for (int i = 0; i < reps; i++) {
		run_threads(c, nr, nw, &o);
		if (o.bad)
			die("a concurrent reader saw a wrong entry");
		rs[i] = o.rops / 1e6;
		ws[i] = o.wops / 1e6;
		cs[i] = o.rcpu;
	}
	*r = median(rs, reps);
	if (w)
		*w = median(ws, reps);
	if (cpu)
		*cpu = median(cs, reps);
}

/* ---- table -------------------------------------------------------------- */

enum {
	R_LOAD_HIT, R_FIND_HIT, R_LOAD_GAP, R_FIND_GAP,
	R_STORE, R_STORE_ERASE, R_PRE_ONLY, R_GAP_STORE, R_GAP_ERASE,
	R_ITER_FIND, R_ITER,
	R_T1R, R_T2R, R_T2R_CPU,
	R_T1R1W_R, R_T1R1W_CPU, R_T1R1W_W,
	R_T2R1W_R, R_T2R1W_CPU, R_T2R1W_W,
	R_NODES_ASC, R_NODES_DESC, R_NODES_RAND, R_NODES_CHURN,
	R_HEIGHT_ASC,
	R_NROWS
};

struct row {
	const char *name, *unit;
	int prec;		/* digits after the point */
};

static const struct row rows[R_NROWS] = {
	[R_LOAD_HIT]	= { "lookup in range: rcu + rt_lookup + unlock (vma_lookup)", "ns/op", 1 },
	[R_FIND_HIT]	= { "lookup in range: rcu + rt_find + unlock (find_vma)", "ns/op", 1 },
	[R_LOAD_GAP]	= { "lookup in gap: rcu + rt_lookup -> NULL", "ns/op", 1 },
	[R_FIND_GAP]	= { "lookup in gap: rcu + rt_find -> next range", "ns/op", 1 },
	[R_STORE]	= { "insert: rt_preallocate + rt_store into a 3-page hole", "ns/op", 0 },
	[R_STORE_ERASE]	= { "erase: rt_preallocate + rt_store(NULL) (merges with both gaps)", "ns/op", 0 },
	[R_PRE_ONLY]	= { "rt_preallocate + rt_prealloc_release alone", "ns/op", 0 },
	[R_GAP_STORE]	= { "fill a 1-page gap exactly: rt_store", "ns/op", 0 },
	[R_GAP_ERASE]	= { "erase that fill: rt_store(NULL)", "ns/op", 0 },
	[R_ITER_FIND]	= { "full iteration: rt_find from the root per entry", "ns/entry", 1 },
	[R_ITER]	= { "full iteration: rt_iter under one rcu_read_lock", "ns/entry", 1 },
	[R_T1R]		= { "threads: 1 reader (rcu + rt_lookup), total", "Mops/s", 2 },
	[R_T2R]		= { "threads: 2 readers, total", "Mops/s", 2 },
	[R_T2R_CPU]	= { "threads: 2 readers, reader CPU time / wall time", "CPUs", 2 },
	[R_T1R1W_R]	= { "threads: 1 reader + 1 writer, reader total", "Mops/s", 2 },
	[R_T1R1W_CPU]	= { "threads: 1 reader + 1 writer, reader CPU / wall", "CPUs", 2 },
	[R_T1R1W_W]	= { "threads: 1 reader + 1 writer, writer (erase+store)", "Mops/s", 3 },
	[R_T2R1W_R]	= { "threads: 2 readers + 1 writer, reader total", "Mops/s", 2 },
	[R_T2R1W_CPU]	= { "threads: 2 readers + 1 writer, reader CPU / wall", "CPUs", 2 },
	[R_T2R1W_W]	= { "threads: 2 readers + 1 writer, writer (erase+store)", "Mops/s", 3 },
	[R_NODES_ASC]	= { "node bytes per range, built ascending (timed tree)", "B/range", 1 },
	[R_NODES_DESC]	= { "node bytes per range, built descending", "B/range", 1 },
	[R_NODES_RAND]	= { "node bytes per range, built in random order", "B/range", 1 },
	[R_NODES_CHURN]	= { "node bytes per range, timed tree after the write runs", "B/range", 1 },
	[R_HEIGHT_ASC]	= { "tree height, built ascending", "levels", 0 },
};

static double results[MAXV][R_NROWS];

static double node_bytes(struct ctx *c, enum order ord)
{
	struct rt_tree t;
	double b;

	build_tree(c, &t, ord);
	b = (double)rt_node_bytes(&t) / (double)c->n;
	pthread_mutex_lock(&wlock);
	if (rt_validate(&t))
		die("rt_validate");
	rt_destroy(&t);
	pthread_mutex_unlock(&wlock);
	vas_rcu_barrier();
	return b;
}

static void run_n(int col, unsigned long n)
{
	struct ctx c;
	double r[4];
	double *res = results[col];

	fprintf(stderr, "[vas rt] N=%lu ...\n", n);
	ctx_init(&c, n);
	res[R_NODES_ASC] = (double)rt_node_bytes(&c.t) / (double)n;
	res[R_HEIGHT_ASC] = c.t.height;
	verify(&c);

	measure(&c, b_lookup_hit, 1, 1024, r); res[R_LOAD_HIT] = r[0];
	measure(&c, b_find_hit, 1, 1024, r); res[R_FIND_HIT] = r[0];
	measure(&c, b_lookup_gap, 1, 1024, r); res[R_LOAD_GAP] = r[0];
	measure(&c, b_find_gap, 1, 1024, r); res[R_FIND_GAP] = r[0];
	measure(&c, b_find_each, 1, (long)n, r); res[R_ITER_FIND] = r[0];
	measure(&c, b_iter, 1, (long)n, r); res[R_ITER] = r[0];

	measure_threads(&c, 1, 0, &res[R_T1R], NULL, NULL);
	measure_threads(&c, 2, 0, &res[R_T2R], NULL, &res[R_T2R_CPU]);
	measure_threads(&c, 1, 1, &res[R_T1R1W_R], &res[R_T1R1W_W],
			&res[R_T1R1W_CPU]);
	measure_threads(&c, 2, 1, &res[R_T2R1W_R], &res[R_T2R1W_W],
			&res[R_T2R1W_CPU]);
	verify(&c);

	measure(&c, b_store, 2, (long)batch_k(&c), r);
	res[R_STORE] = r[0];
	res[R_STORE_ERASE] = r[1];
	measure(&c, b_prealloc_only, 1, 64, r);
	res[R_PRE_ONLY] = r[0];
	measure(&c, b_gapfill, 2, (long)batch_k(&c), r);
	res[R_GAP_STORE] = r[0];
	res[R_GAP_ERASE] = r[1];
	verify(&c);
	res[R_NODES_CHURN] = (double)rt_node_bytes(&c.t) / (double)n;

	res[R_NODES_DESC] = node_bytes(&c, ORD_DESC);
	res[R_NODES_RAND] = node_bytes(&c, ORD_RAND);
	ctx_free(&c);
}

static double machine_busy(double *steal)
{
	unsigned long long v[10] = { 0 };
	double hz = (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	*steal = 0;
	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
		fclose(f);
		return 0;
	}
	fclose(f);
	*steal = (double)v[7] / hz;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	unsigned long sizes[MAXV] = { 100, 1000, 10000, 65530 };
	double busy0, busy1, st0, st1, me0, me1;
	int nsizes = 4;
	uint64_t w0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--smoke")) {
			/* CI: every figure once, briefly, small sizes */
			min_time = 0.005;
			reps = 1;
			sizes[0] = 100;
			sizes[1] = 1000;
			nsizes = 2;
		} else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
			min_time = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			char *s = argv[++i];

			nsizes = 0;
			while (*s && nsizes < MAXV) {
				sizes[nsizes++] = strtoul(s, &s, 10);
				if (*s == ',')
					s++;
			}
		} else {
			fprintf(stderr, "usage: %s [--min-time S] [--reps R] "
				"[--sizes a,b,c] [-v] [--smoke]\n", argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > 15)
		die("--reps must be 1..15");
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] < 2)
			die("sizes must be >= 2");

	busy0 = machine_busy(&st0);
	me0 = self_cpu();
	w0 = now_ns();
	for (int i = 0; i < nsizes; i++)
		run_n(i, sizes[i]);
	busy1 = machine_busy(&st1);
	me1 = self_cpu();

	printf("\n### vas rt (median of %d, >= %.2f s each)\n\n", reps,
	       min_time);
	printf("wall %.1f s; this process used %.1f CPU-s; the rest of the "
	       "machine used %.1f CPU-s (steal %.1f s) on %ld CPUs\n\n",
	       (double)(now_ns() - w0) / 1e9, me1 - me0,
	       (busy1 - busy0) - (me1 - me0) > 0 ?
	       (busy1 - busy0) - (me1 - me0) : 0, st1 - st0,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("| metric | unit |");
	for (int i = 0; i < nsizes; i++)
		printf(" N=%lu |", sizes[i]);
	printf("\n|---|---|");
	for (int i = 0; i < nsizes; i++)
		printf("---:|");
	printf("\n");
	for (int r = 0; r < R_NROWS; r++) {
		printf("| %s | %s |", rows[r].name, rows[r].unit);
		for (int i = 0; i < nsizes; i++) {
			printf(" %.*f |", rows[r].prec, results[i][r]);
		}
		printf("\n");
	}
	fflush(stdout);
	vas_rcu_barrier();
	return (int)(sink & 0);
}
