// SPDX-License-Identifier: MIT
/*
 * prof_rows.c - run one workload of bench_syscalls / bench_fault a fixed
 * number of times, untimed, for an instruction-count profiler:
 *
 *   valgrind --tool=callgrind --toggle-collect=prof_region \
 *	build/release/bench/prof_rows ROW [ROUNDS]
 *
 * Only prof_region() (the workload itself; setup is outside it) is counted,
 * after one uncounted round that warms the caches (as the benchmarks'
 * warm-up rounds do), so "Ir per op" = the total of the run / (ROUNDS x
 * ops per round), printed at the end as the divisor to use. Instruction counts do not depend on the
 * load of the machine, which makes them the figure for before/after
 * decisions on a shared machine; they do not see cache misses. Work that
 * RCU callbacks do on liburcu's thread is not in prof_region (counted in
 * the total of the run without --toggle-collect).
 *
 * Rows (same layout as bench_syscalls: W = 0x200000000000, one-page VMAs
 * with one-page gaps):
 *   pair        mmap + munmap of one page at the hint W (256 per round)
 *   map1000     map 1,000 VMAs             unmap1000    unmap them
 *   map10000    map 10,000 VMAs            unmap10000   unmap them
 *   mprotect    mprotect split in three + merge back (256 pairs a round)
 *   walk        vas_vma_iter walk of 10,000 VMAs (1 walk a round)
 *   lookup      vas_vma_lookup among 10,000 VMAs (256 a round)
 *   maps        maps text of 10,000 VMAs to /dev/null (1 a round)
 *   smaps       smaps text of 10,000 VMAs (1 a round)
 *   fork        vas_mm_fork of 10,000 written one-page VMAs (1 a round;
 *               the child is put outside the region)
 *   forkexit    vas_mm_fork + vas_mm_put of the child (1 a round)
 *   forkN       as fork / forkexit with N VMAs: fork100, forkexit100 ...
 *   wfault      anonymous write fault, first touch: vas_fill of 1 byte in
 *               each page of a 256-page region (256 a round; MADV_DONTNEED
 *               between rounds)
 *   rfault      read fault mapping the zero page: vas_read of 1 byte a
 *               page, as wfault (with the zero page off: a fresh page)
 *   cowfault    copy-on-write fault: vas_fill of 1 byte a page of a
 *               written region shared with a child forked between rounds
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct vas_mm_user *mm;
static FILE *devnull;
static volatile unsigned long sink;

static void die(const char *what)
{
	fprintf(stderr, "prof_rows: %s failed\n", what);
	exit(1);
}

static void map_n(unsigned long n, int write)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long a;

		if (vas_mmap(mm, W + 2 * i * P, P, RW,
			     ANON | MAP_FIXED_NOREPLACE, NULL, 0, &a))
			die("vas_mmap");
		if (write && vas_fill(mm, a, 1, 1, NULL))
			die("vas_fill");
	}
}

static void unmap_n(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (vas_munmap(mm, W + 2 * i * P, P))
			die("vas_munmap");
}

enum row {
	R_PAIR, R_MAP, R_UNMAP, R_MPROTECT, R_WALK, R_LOOKUP, R_MAPS, R_SMAPS,
	R_FORK, R_FORKEXIT, R_WFAULT, R_RFAULT, R_COWFAULT,
};

#define FAULT_PAGES 256UL

static enum row row;
static unsigned long nv;
static unsigned long addrs[256];
static struct vas_mm_user *child;

/* One round of the workload. */
__attribute__((noinline)) static long work(void)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	unsigned long s = 0, a;

	switch (row) {
	case R_WFAULT:
	case R_COWFAULT:
		for (unsigned long i = 0; i < FAULT_PAGES; i++)
			if (vas_fill(mm, W + i * P, 1, 1, NULL))
				die("vas_fill");
		return FAULT_PAGES;
	case R_RFAULT:
		for (unsigned long i = 0; i < FAULT_PAGES; i++) {
			char c;

			if (vas_read(mm, W + i * P, &c, 1, NULL))
				die("vas_read");
			s += (unsigned char)c;
		}
		sink += s;
		return FAULT_PAGES;
	case R_PAIR:
		for (int i = 0; i < 256; i++)
			if (vas_mmap(mm, W, P, RW, ANON, NULL, 0, &a) ||
			    a != W || vas_munmap(mm, W, P))
				die("pair");
		return 256;
	case R_MAP:
		map_n(nv, 0);
		return (long)nv;
	case R_UNMAP:
		unmap_n(nv);
		return (long)nv;
	case R_MPROTECT:
		for (int i = 0; i < 256; i++)
			if (vas_mprotect(mm, W + P, P, PROT_READ) ||
			    vas_mprotect(mm, W + P, P, RW))
				die("mprotect");
		return 256;
	case R_WALK:
		vas_mmap_read_lock(mm);
		vas_vma_iter_init(&it, mm, 0, ~0UL);
		while ((v = vas_vma_iter_next(&it, mm)))
			s += vas_vma_start(v) ^ vas_vma_end(v) ^ vas_vma_flags(v);
		vas_mmap_read_unlock(mm);
		sink += s;
		return 1;
	case R_LOOKUP:
		vas_mmap_read_lock(mm);
		for (int i = 0; i < 256; i++)
			s += (unsigned long)vas_vma_lookup(mm, addrs[i]);
		vas_mmap_read_unlock(mm);
		sink += s;
		return 256;
	case R_MAPS:
		if (vas_proc_maps_print(mm, devnull))
			die("maps");
		return 1;
	case R_SMAPS:
		if (vas_proc_smaps_print(mm, devnull))
			die("smaps");
		return 1;
	case R_FORK:
	case R_FORKEXIT:
		if (vas_mm_fork(mm, &child))
			die("vas_mm_fork");
		if (row == R_FORKEXIT) {
			vas_mm_put(child);
			child = NULL;
		}
		return 1;
	}
	return 0;
}

/* The counted round: callgrind --toggle-collect=prof_region. */
__attribute__((noinline)) static long prof_region(void)
{
	return work();
}

/* Between rounds, uncounted: the state the next round starts from. */
static void between(void)
{
	if (row == R_MAP)
		unmap_n(nv);
	if (child) {
		vas_mm_put(child);
		child = NULL;
	}
	if (row == R_UNMAP)
		map_n(nv, 0);
	if ((row == R_WFAULT || row == R_RFAULT) &&
	    vas_madvise(mm, W, FAULT_PAGES * P, VAS_MADV_DONTNEED))
		die("vas_madvise");
	if (row == R_COWFAULT && vas_mm_fork(mm, &child))
		die("vas_mm_fork");
}

int main(int argc, char **argv)
{
	struct vas_machine *m;
	const char *name = argc > 1 ? argv[1] : "";
	long rounds = argc > 2 ? atol(argv[2]) : 10, ops = 0;

	devnull = fopen("/dev/null", "w");
	if (!devnull || vas_machine_create(NULL, &m) || vas_mm_create(m, &mm))
		die("setup");
	nv = 10000;
	if (!strcmp(name, "pair"))
		row = R_PAIR;
	else if (!strncmp(name, "map", 3) && name[3] >= '0' && name[3] <= '9')
		row = R_MAP, nv = strtoul(name + 3, NULL, 10);
	else if (!strncmp(name, "unmap", 5))
		row = R_UNMAP, nv = strtoul(name + 5, NULL, 10);
	else if (!strcmp(name, "mprotect"))
		row = R_MPROTECT;
	else if (!strcmp(name, "walk"))
		row = R_WALK;
	else if (!strcmp(name, "lookup"))
		row = R_LOOKUP;
	else if (!strcmp(name, "maps"))
		row = R_MAPS;
	else if (!strcmp(name, "smaps"))
		row = R_SMAPS;
	else if (!strcmp(name, "wfault"))
		row = R_WFAULT;
	else if (!strcmp(name, "rfault"))
		row = R_RFAULT;
	else if (!strcmp(name, "cowfault"))
		row = R_COWFAULT;
	else if (!strncmp(name, "forkexit", 8))
		row = R_FORKEXIT, nv = name[8] ? strtoul(name + 8, NULL, 10) : nv;
	else if (!strncmp(name, "fork", 4))
		row = R_FORK, nv = name[4] ? strtoul(name + 4, NULL, 10) : nv;
	else
		die("usage: prof_rows ROW [ROUNDS]; see the source for ROWs");
	if (!nv || nv > 60000)
		die("VMA count");

	if (row == R_MPROTECT) {
		unsigned long a;

		if (vas_mmap(mm, W, 3 * P, RW, ANON | MAP_FIXED, NULL, 0, &a))
			die("vas_mmap");
	} else if (row == R_WFAULT || row == R_RFAULT || row == R_COWFAULT) {
		unsigned long a;

		if (vas_mmap(mm, W, FAULT_PAGES * P, RW, ANON | MAP_FIXED,
			     NULL, 0, &a))
			die("vas_mmap");
		if (row == R_COWFAULT &&
		    (vas_fill(mm, W, 0x5a, FAULT_PAGES * P, NULL) ||
		     vas_mm_fork(mm, &child)))
			die("cow setup");
	} else if (row != R_PAIR && row != R_MAP && row != R_UNMAP)
		map_n(nv, row == R_FORK || row == R_FORKEXIT || row == R_SMAPS);
	for (int i = 0; i < 256; i++)
		addrs[i] = W + 2 * (unsigned long)((i * 7919) % 10000) * P +
			   (unsigned long)(i * 13) % P;

	/* an uncounted round first: caches (VMAs, nodes, frames) warm */
	if (row == R_UNMAP)
		map_n(nv, 0);
	work();
	between();
	for (long r = 0; r < rounds; r++) {
		ops += prof_region();
		between();
	}
	printf("prof_rows %s: %ld rounds, %ld ops (divide Ir by this)\n", name,
	       rounds, ops);
	if (child)	/* cowfault's, forked by the last between() */
		vas_mm_put(child);
	vas_mm_put(mm);
	return vas_machine_destroy(m) ? 1 : 0;
}
