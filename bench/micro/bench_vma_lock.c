// SPDX-License-Identifier: MIT
/*
 * bench_vma_lock.c - cost and scaling of taking a VMA for reading:
 *
 *   vma lock   lock_vma_under_rcu + vma_end_read (the per-VMA path; what
 *              vas_lock_vma_under_rcu + vas_vma_end_read wrap)
 *   mmap lock  mmap_read_lock + vma_lookup + mmap_read_unlock (the fallback,
 *              and what every fault paid before per-VMA locks)
 *
 * with 1 and 2 reader threads, each on its own VMAs, and with or without a
 * writer thread that keeps splitting and merging *other* VMAs of the same
 * address space under the mmap write lock. Readers pick random addresses in
 * their own 64 VMAs. Figures: ns per round trip (per thread) and total
 * Mops/s; each configuration runs --min-time seconds, --reps times, median.
 *
 * Usage: bench_vma_lock [--min-time S] [--reps N] [--smoke]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mm/mm.h"
#include "vma/vma.h"

#define W 0x200000000000UL
#define P 4096UL
#define PER_READER 64
#define FLAGS (VAS_VM_READ | VAS_VM_MAYREAD)

static struct mm_struct *mm;
static int stop;

struct reader {
	pthread_t t;
	int id;
	bool use_mmap_lock;
	unsigned long ops;
	unsigned long fallbacks;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (uint64_t)(r->id + 1);
	unsigned long base = W + (unsigned long)r->id * PER_READER * 2 * P;
	unsigned long ops = 0, fb = 0, sink = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 64; i++) {
			unsigned long addr;
			struct vm_area_struct *vma;

			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			addr = base + (s % PER_READER) * 2 * P;
			if (!r->use_mmap_lock) {
				vma = lock_vma_under_rcu(mm, addr);
				if (vma) {
					sink += vma->vm_start;
					vma_end_read(vma);
					continue;
				}
				fb++;
			}
			mmap_read_lock(mm);
			vma = rt_lookup(&mm->mm_mt, addr, NULL, NULL);
			sink += vma ? vma->vm_start : 0;
			mmap_read_unlock(mm);
		}
		ops += 64;
	}
	r->ops = ops;
	r->fallbacks = fb;
	__asm__ __volatile__("" : : "r"(sink));
	return NULL;
}

/* Split and merge back VMAs no reader uses (the writer's own region). */
static void *writer_main(void *arg)
{
	unsigned long base = W + 1024 * 1024 * P, *ops = arg, n = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct vm_area_struct *vma, *nv;

		mmap_write_lock(mm);
		vma = rt_lookup(&mm->mm_mt, base + (n % 64) * 4 * P, NULL, NULL);
		if (vma && vma_split(mm, vma, vma->vm_start + P, false, &nv) == 0 &&
		    vma_merge_next(mm, vma, nv) == 0)
			n++;
		mmap_write_unlock(mm);
	}
	*ops = n;
	return NULL;
}

struct result {
	double ns_per_op;	/* per thread */
	double mops;		/* all readers together */
	double writer_kops;
	unsigned long fallbacks;
};

static struct result run(int nreaders, bool writer, bool use_mmap_lock,
			 double secs)
{
	struct reader r[2];
	pthread_t wt;
	unsigned long wops = 0, total = 0, fb = 0;
	double t0, el;
	struct result res;

	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < nreaders; i++) {
		r[i] = (struct reader){ .id = i, .use_mmap_lock = use_mmap_lock };
		pthread_create(&r[i].t, NULL, reader_main, &r[i]);
	}
	if (writer)
		pthread_create(&wt, NULL, writer_main, &wops);
	t0 = now();
	while (now() - t0 < secs) {
		struct timespec ts = { 0, 5000000 };

		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nreaders; i++) {
		pthread_join(r[i].t, NULL);
		total += r[i].ops;
		fb += r[i].fallbacks;
	}
	if (writer)
		pthread_join(wt, NULL);
	el = now() - t0;
	res.mops = (double)total / el / 1e6;
	res.ns_per_op = el * 1e9 * nreaders / (double)total;
	res.writer_kops = (double)wops / el / 1e3;
	res.fallbacks = fb;
	return res;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void map_all(void) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_write_lock(mm);
	/* readers' VMAs: 2 x 64 one-page VMAs with one-page gaps */
	for (unsigned long i = 0; i < 2 * PER_READER; i++) {
		struct vm_area_struct *v = vm_area_alloc(mm);

		v->vm_start = W + i * 2 * P;
		v->vm_end = v->vm_start + P;
		v->vm_flags = FLAGS;
		v->vm_pgoff = v->vm_start / P;
		if (vma_link(mm, v))
			abort();
	}
	/* the writer's VMAs, far away */
	for (unsigned long i = 0; i < 64; i++) {
		struct vm_area_struct *v = vm_area_alloc(mm);

		v->vm_start = W + 1024 * 1024 * P + i * 4 * P;
		v->vm_end = v->vm_start + 2 * P;
		v->vm_flags = FLAGS;
		v->vm_pgoff = v->vm_start / P;
		if (vma_link(mm, v))
			abort();
	}
	mmap_write_unlock(mm);
}

int main(int argc, char **argv)
{
	double min_time = 0.3;
	int reps = 5;
	struct vas_machine *m;
	struct vas_mm_user *u;
	static const struct {
		const char *name;
		int readers;
		bool writer, mmap_lock;
	} cfgs[] = {
		{ "vma lock, 1 reader", 1, false, false },
		{ "vma lock, 2 readers", 2, false, false },
		{ "vma lock, 1 reader + writer", 1, true, false },
		{ "vma lock, 2 readers + writer", 2, true, false },
		{ "mmap lock, 1 reader", 1, false, true },
		{ "mmap lock, 2 readers", 2, false, true },
		{ "mmap lock, 1 reader + writer", 1, true, true },
		{ "mmap lock, 2 readers + writer", 2, true, true },
	};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
			min_time = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke"))
			min_time = 0.02, reps = 1;
	}
	if (reps < 1 || reps > 99)
		reps = 5;
	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u))
		return 1;
	mm = mm_of_user(u);
	map_all();

	printf("# bench_vma_lock: %d reps x %.2f s, median; ns per round trip per thread\n",
	       reps, min_time);
	printf("%-32s %10s %10s %12s %10s\n", "config", "ns/op", "Mops/s", "writer kop/s",
	       "fallbacks");
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		double ns[99] = { 0 }, mops[99] = { 0 }, wk[99] = { 0 };
		unsigned long fb = 0;

		for (int r = 0; r < reps; r++) {
			struct result res = run(cfgs[c].readers, cfgs[c].writer,
						cfgs[c].mmap_lock, min_time);

			ns[r] = res.ns_per_op;
			mops[r] = res.mops;
			wk[r] = res.writer_kops;
			fb += res.fallbacks;
		}
		qsort(ns, (size_t)reps, sizeof(double), cmp);
		qsort(mops, (size_t)reps, sizeof(double), cmp);
		qsort(wk, (size_t)reps, sizeof(double), cmp);
		printf("%-32s %10.1f %10.2f %12.1f %10lu\n", cfgs[c].name,
		       ns[reps / 2], mops[reps / 2], wk[reps / 2], fb);
	}
	vas_mm_put(u);
	return vas_machine_destroy(m) ? 1 : 0;
}
