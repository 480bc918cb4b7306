// SPDX-License-Identifier: MIT
/*
 * bench_syscalls.c - the mmap family on vas against the host kernel, in one
 * run, as the ratio kernel time / vas time (higher is better for vas).
 *
 * Kernel side: real system calls in a private window of this process at
 * 0x200000000000 (THP disabled with prctl). vas side: the same calls on one
 * vas address space. Figures (ns per operation, median of --reps
 * repetitions of at least --min-time seconds each; a clock read every 256
 * operations, except where a row says "timed one by one"):
 *   1. mmap + munmap of one anonymous page at a free hint, per pair;
 *   2. mapping, then unmapping, N = 1,000 and 10,000 separate one-page
 *      VMAs (MAP_FIXED_NOREPLACE, one-page gaps), per VMA (each phase
 *      timed as a whole; rounds add up to --reps x --min-time);
 *   3. mprotect that splits a VMA in three, and the mprotect that merges
 *      it back, per call (timed one by one: the two clock reads around
 *      each call are included); and the pair split + merge per pair;
 *   4. mremap growing a VMA in place by one page (and shrinking it back),
 *      and moving a one-page VMA (MREMAP_FIXED) there and back, per call;
 *   5. producing the maps and smaps text of 10,000 VMAs (kernel: reading
 *      /proc/self/maps or smaps; vas: vas_proc_maps_print /
 *      vas_proc_smaps_print to a null stream), per text;
 *   6. vas only (the host has no counterpart without a trap): a walk of the
 *      10,000 VMAs with vas_vma_iter under one mmap read lock, per walk and
 *      per VMA; vas_vma_lookup of a random address inside a random one of
 *      them, and vas_find_vma of a random address of their span (half fall
 *      in gaps), per call, the mmap read lock taken once per 256 calls.
 * Rows 1, 3 (pair), 6 are those of shared/anchors/kvma (the kernel's own
 * VMA code without traps), so this program prints vas's side of its table.
 *
 * Usage: bench_syscalls [--min-time S] [--reps N] [--smoke]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL

static struct vas_mm_user *mm;
static double min_time = 0.2;
static int reps = 5;
static int smoke;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_syscalls: %s failed (%s)\n", what, strerror(errno));
	exit(1);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over reps of ns per op; @fn runs one round and returns its ops. */
static double measure(long (*fn)(int kernel), int kernel)
{
	double v[16] = { 0 };

	fn(kernel);	/* warm-up */
	for (int r = 0; r < reps; r++) {
		double t0 = now(), t;
		long ops = 0;

		do
			ops += fn(kernel);
		while ((t = now() - t0) < min_time);
		v[r] = t * 1e9 / (double)ops;
	}
	qsort(v, (size_t)reps, sizeof(double), cmp);
	return v[reps / 2];
}

/* ---- the operations, on either side ----------------------------------- */

static unsigned long k_mmap(unsigned long addr, unsigned long len, int prot, int flags)
{
	void *p = mmap((void *)addr, len, prot, flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return (unsigned long)p;
}

static unsigned long v_mmap(unsigned long addr, unsigned long len, int prot, int flags)
{
	unsigned long a;

	if (vas_mmap(mm, addr, len, prot, flags, NULL, 0, &a))
		die("vas_mmap");
	return a;
}

static void do_munmap(int kernel, unsigned long a, unsigned long len)
{
	if (kernel ? munmap((void *)a, len) : vas_munmap(mm, a, len))
		die("munmap");
}

static unsigned long do_mmap(int kernel, unsigned long addr, unsigned long len,
			     int prot, int flags)
{
	return kernel ? k_mmap(addr, len, prot, flags) : v_mmap(addr, len, prot, flags);
}

static void do_mprotect(int kernel, unsigned long a, unsigned long len, int prot)
{
	if (kernel ? mprotect((void *)a, len, prot) : vas_mprotect(mm, a, len, prot))
		die("mprotect");
}

static unsigned long do_mremap(int kernel, unsigned long a, unsigned long o,
			       unsigned long n, int flags, unsigned long na)
{
	unsigned long r;

	if (kernel) {
		void *p = mremap((void *)a, o, n, flags, (void *)na);

		if (p == MAP_FAILED)
			die("mremap");
		return (unsigned long)p;
	}
	if (vas_mremap(mm, a, o, n, flags, na, &r))
		die("vas_mremap");
	return r;
}

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static long op_mmap_munmap(int kernel)
{
	for (int i = 0; i < 256; i++) {
		unsigned long a = do_mmap(kernel, W, P, RW, ANON);

		if (a != W)
			die("hint not honoured");
		do_munmap(kernel, a, P);
	}
	return 256;
}

static unsigned long nvmas;
static double map_ns, unmap_ns;

/* Map then unmap nvmas VMAs; times both phases separately. */
static long op_many(int kernel)
{
	double t0 = now(), t1;

	for (unsigned long i = 0; i < nvmas; i++)
		do_mmap(kernel, W + 2 * i * P, P, RW, ANON | MAP_FIXED_NOREPLACE);
	t1 = now();
	for (unsigned long i = 0; i < nvmas; i++)
		do_munmap(kernel, W + 2 * i * P, P);
	map_ns += (t1 - t0) * 1e9;
	unmap_ns += (now() - t1) * 1e9;
	return (long)nvmas;
}

static double split_ns, merge_ns;

/* Split then merge back, each call between two clock reads. */
static long op_mprotect_timed(int kernel)
{
	double a = 0, b = 0;

	for (int i = 0; i < 256; i++) {
		double t0 = now(), t1, t2;

		do_mprotect(kernel, W + P, P, PROT_READ);
		t1 = now();
		do_mprotect(kernel, W + P, P, RW);
		t2 = now();
		a += t1 - t0;
		b += t2 - t1;
	}
	split_ns += a * 1e9;
	merge_ns += b * 1e9;
	return 512;	/* calls */
}

/* The same pair without clock reads. */
static long op_mprotect_pair(int kernel)
{
	for (int i = 0; i < 256; i++) {
		do_mprotect(kernel, W + P, P, PROT_READ);
		do_mprotect(kernel, W + P, P, RW);
	}
	return 256;	/* pairs */
}

static long op_mremap_grow(int kernel)
{
	for (int i = 0; i < 256; i++) {
		do_mremap(kernel, W, P, 2 * P, 0, 0);
		do_mremap(kernel, W, 2 * P, P, 0, 0);
	}
	return 512;
}

static long op_mremap_move(int kernel)
{
	for (int i = 0; i < 256; i++) {
		do_mremap(kernel, W, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, W + 64 * P);
		do_mremap(kernel, W + 64 * P, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, W);
	}
	return 512;
}

static FILE *devnull;
static char readbuf[1 << 20];
static const char *proc_file;

static long op_proc(int kernel)
{
	bool smaps = !strcmp(proc_file, "smaps");

	if (kernel) {
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/proc/self/%s", proc_file);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("open /proc/self/...");
		while (read(fd, readbuf, sizeof(readbuf)) > 0)
			;
		close(fd);
	} else if (smaps ? vas_proc_smaps_print(mm, devnull) :
		   vas_proc_maps_print(mm, devnull)) {
		die("vas_proc_(s)maps_print");
	}
	return 1;
}

/* ---- vas only: walks and lookups among nvmas VMAs ---------------------- */

#define NADDR 65536UL
static unsigned long *addr_in, *addr_span, apos;
static volatile unsigned long sink;

static long op_walk(int kernel)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	unsigned long sum = 0, n = 0;

	(void)kernel;
	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ~0UL);
	while ((v = vas_vma_iter_next(&it, mm))) {
		sum += vas_vma_start(v) + vas_vma_end(v) + vas_vma_flags(v);
		n++;
	}
	vas_mmap_read_unlock(mm);
	if (n != nvmas)
		die("walk: VMA count");
	sink += sum;
	return 1;
}

static long op_lookup(int kernel)
{
	unsigned long sum = 0;

	(void)kernel;
	vas_mmap_read_lock(mm);
	for (int i = 0; i < 256; i++)
		sum += (unsigned long)vas_vma_lookup(mm, addr_in[apos++ % NADDR]);
	vas_mmap_read_unlock(mm);
	sink += sum;
	return 256;
}

static long op_find(int kernel)
{
	unsigned long sum = 0;

	(void)kernel;
	vas_mmap_read_lock(mm);
	for (int i = 0; i < 256; i++)
		sum += (unsigned long)vas_find_vma(mm, addr_span[apos++ % NADDR]);
	vas_mmap_read_unlock(mm);
	sink += sum;
	return 256;
}

/* splitmix64: the addresses are fixed from run to run. */
static unsigned long rnd(void)
{
	static unsigned long x = 42;
	unsigned long z = (x += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/* Addresses for op_lookup (all hit) and op_find (half in gaps), checked. */
static void make_addrs(void)
{
	addr_in = malloc(NADDR * sizeof(*addr_in));
	addr_span = malloc(NADDR * sizeof(*addr_span));
	if (!addr_in || !addr_span)
		die("malloc");
	for (unsigned long i = 0; i < NADDR; i++) {
		addr_in[i] = W + 2 * P * (rnd() % nvmas) + rnd() % P;
		addr_span[i] = W + rnd() % (2 * P * nvmas);
	}
	vas_mmap_read_lock(mm);
	for (unsigned long i = 0; i < NADDR; i++) {
		struct vas_vma_ref *v = vas_vma_lookup(mm, addr_in[i]);
		struct vas_vma_ref *f = vas_find_vma(mm, addr_span[i]);
		unsigned long want = W + 2 * P * ((addr_span[i] - W) / (2 * P));

		if (addr_span[i] - want >= P)	/* in the gap after it */
			want += 2 * P;
		if (!v || vas_vma_start(v) > addr_in[i] ||
		    vas_vma_end(v) <= addr_in[i])
			die("lookup check");
		if (want >= W + 2 * P * nvmas ? f != NULL :
		    !f || vas_vma_start(f) != want)
			die("find_vma check");
	}
	vas_mmap_read_unlock(mm);
}

static void row(const char *name, double k, double v)
{
	printf("%-52s %12.1f %12.1f %8.2f\n", name, k, v, k / v);
}

/* A row with no kernel figure. */
static void row_vas(const char *name, double v)
{
	printf("%-52s %12s %12.1f %8s\n", name, "-", v, "-");
}

int main(int argc, char **argv)
{
	struct vas_machine *m;
	char name[80];
	double k, v;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
			min_time = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke"))
			smoke = 1, min_time = 0.005, reps = 1;
	}
	if (reps < 1 || reps > 15)
		reps = 5;
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	devnull = fopen("/dev/null", "w");
	if (!devnull || vas_machine_create(NULL, &m) || vas_mm_create(m, &mm))
		die("setup");

	printf("# bench_syscalls: %d reps x >= %.2f s, median ns per op\n", reps, min_time);
	printf("%-52s %12s %12s %8s\n", "operation", "kernel ns", "vas ns", "ratio");
	row("mmap+munmap 1 anon page at a free hint, per pair",
	    measure(op_mmap_munmap, 1), measure(op_mmap_munmap, 0));

	for (int n = 0; n < 2; n++) {
		double km = 0, ku = 0, vm = 0, vu = 0;
		long rounds;

		nvmas = n ? 10000 : 1000;
		if (smoke && n)
			break;
		for (int side = 1; side >= 0; side--) {
			map_ns = unmap_ns = 0;
			rounds = 0;
			op_many(side);		/* warm-up */
			map_ns = unmap_ns = 0;
			for (double t0 = now(); now() - t0 < min_time * reps;)
				rounds += op_many(side);
			if (side) {
				km = map_ns / (double)rounds;
				ku = unmap_ns / (double)rounds;
			} else {
				vm = map_ns / (double)rounds;
				vu = unmap_ns / (double)rounds;
			}
		}
		snprintf(name, sizeof(name), "map %lu one-page VMAs, per VMA", nvmas);
		row(name, km, vm);
		snprintf(name, sizeof(name), "unmap %lu one-page VMAs, per VMA", nvmas);
		row(name, ku, vu);
	}

	do_mmap(1, W, 3 * P, RW, ANON | MAP_FIXED);
	do_mmap(0, W, 3 * P, RW, ANON | MAP_FIXED);
	split_ns = merge_ns = 0;
	k = measure(op_mprotect_timed, 1);	/* ns per call, split or merge */
	{
		double ks = split_ns, kmg = merge_ns;

		split_ns = merge_ns = 0;
		v = measure(op_mprotect_timed, 0);
		/* a pair is two calls: its time, shared as the clocks saw it */
		row("mprotect splitting a VMA in three (timed one by one)",
		    ks / (ks + kmg) * 2 * k,
		    split_ns / (split_ns + merge_ns) * 2 * v);
		row("mprotect merging it back (timed one by one)",
		    kmg / (ks + kmg) * 2 * k,
		    merge_ns / (split_ns + merge_ns) * 2 * v);
	}
	row("mprotect split + merge back, per pair",
	    measure(op_mprotect_pair, 1), measure(op_mprotect_pair, 0));
	do_munmap(1, W, 3 * P);
	do_munmap(0, W, 3 * P);

	do_mmap(1, W, P, RW, ANON | MAP_FIXED);
	do_mmap(0, W, P, RW, ANON | MAP_FIXED);
	row("mremap grow in place by a page (and shrink back)",
	    measure(op_mremap_grow, 1), measure(op_mremap_grow, 0));
	row("mremap move a one-page VMA (MREMAP_FIXED)",
	    measure(op_mremap_move, 1), measure(op_mremap_move, 0));
	do_munmap(1, W, P);
	do_munmap(0, W, P);

	nvmas = smoke ? 100 : 10000;
	for (unsigned long i = 0; i < nvmas; i++) {
		do_mmap(1, W + 2 * i * P, P, RW, ANON | MAP_FIXED_NOREPLACE);
		do_mmap(0, W + 2 * i * P, P, RW, ANON | MAP_FIXED_NOREPLACE);
	}
	proc_file = "maps";
	snprintf(name, sizeof(name), "maps text of %lu VMAs (whole text)", nvmas);
	row(name, measure(op_proc, 1), measure(op_proc, 0));
	proc_file = "smaps";
	snprintf(name, sizeof(name), "smaps text of %lu VMAs (whole text)", nvmas);
	row(name, measure(op_proc, 1), measure(op_proc, 0));

	v = measure(op_walk, 0);
	snprintf(name, sizeof(name), "walk %lu VMAs (vas_vma_iter), per walk", nvmas);
	row_vas(name, v);
	snprintf(name, sizeof(name), "walk %lu VMAs, per VMA", nvmas);
	row_vas(name, v / (double)nvmas);
	make_addrs();
	snprintf(name, sizeof(name), "vas_vma_lookup among %lu VMAs", nvmas);
	row_vas(name, measure(op_lookup, 0));
	snprintf(name, sizeof(name), "vas_find_vma in the %lu-VMA span", nvmas);
	row_vas(name, measure(op_find, 0));
	vas_mm_put(mm);
	return vas_machine_destroy(m) ? 1 : 0;
}
