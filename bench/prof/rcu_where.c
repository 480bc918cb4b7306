// SPDX-License-Identifier: MIT
/*
 * rcu_where.c - experiment: does it matter on which CPU the RCU callbacks
 * of vas's write path run? The main thread is pinned to CPU 0 and given
 * its own liburcu call_rcu worker pinned to CPU argv[1] (0: the same CPU,
 * 1: the other); then mmap+munmap pairs of one page are timed.
 * BENCHMARKS.md, "Session 6: the quiet run", goal 1. Not built by CMake:
 *
 *   gcc -O2 -Wall -Iinclude -o /tmp/rcu_where bench/prof/rcu_where.c \
 *       build/release/src/libvas.a -lurcu-memb -lurcu-common -lpthread
 *   /tmp/rcu_where 0; /tmp/rcu_where 1
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <urcu/urcu-memb.h>
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct call_rcu_data *crdp;
	cpu_set_t set;
	unsigned long a;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	crdp = urcu_memb_create_call_rcu_data(0, cpu);
	if (!crdp)
		return 1;
	urcu_memb_set_thread_call_rcu_data(crdp);
	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &mm))
		return 1;
	for (int r = 0; r < rounds; r++) {
		long n = 0;
		double t0 = now(), t;

		do {
			for (int i = 0; i < 256; i++)
				if (vas_mmap(mm, W, P, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0,
					     &a) || a != W ||
				    vas_munmap(mm, W, P))
					return 1;
			n += 256;
			t = now();
		} while (t - t0 < 0.2);
		printf("worker on CPU %d: %.1f ns per pair\n", cpu,
		       (t - t0) * 1e9 / n);
	}
	vas_mm_put(mm);
	return vas_machine_destroy(m) ? 1 : 0;
}
