// SPDX-License-Identifier: MIT
/*
 * stress_fault_access.c - a write fault makes the access itself where it
 * holds the page (struct fault_access: the bytes go into a new page before
 * it is mapped, or a copy before it replaces the original), while another
 * thread faults the same pages: whichever fault installs the page, the
 * writer's bytes land once, at their place.
 *
 * Rounds: the writer vas_writes a buffer of three pages and a bit, at an
 * offset inside the first page, over pages that need a fault (even rounds:
 * fresh after MADV_DONTNEED, zero-filled; odd rounds: shared with a child
 * forked for the round, copy on write), while the toucher vas_faults the
 * same pages for write, from the last down, at the same time. A fault that
 * loses the race drops its page with the writer's bytes in it; the writer
 * must then store them again, from the same position of its buffer.
 * Checked after each round: every byte of the region (the buffer's, zeros
 * or the old contents around it), the child's bytes unchanged.
 *
 * Time-boxed: $VAS_STRESS_SECONDS (default 3) seconds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>
#include "harness.h"

#define W 0x200000000000UL
#define P 4096UL
#define PAGES 4UL
#define OFF 100UL
#define LEN (3 * P + 1000)
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

struct ctx {
	struct vas_mm_user *mm;
	pthread_barrier_t go, done;
	int stop;
	unsigned long round;
	unsigned long bad;
};

static unsigned char pat(unsigned long round, unsigned long i)
{
	return (unsigned char)(1 + (round * 7 + i * 13 + i / P) % 251);
}

static void *toucher(void *arg)
{
	struct ctx *c = arg;

	for (;;) {
		pthread_barrier_wait(&c->go);
		if (__atomic_load_n(&c->stop, __ATOMIC_RELAXED))
			return NULL;
		for (unsigned long p = PAGES; p-- > 0;)
			if (vas_fault(c->mm, W + p * P, VAS_FAULT_WRITE, NULL))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&c->done);
	}
}

TEST(write_fault_makes_the_access_once)
{
	static unsigned char buf[LEN], got[PAGES * P], old[PAGES * P];
	struct vas_machine *m;
	struct ctx c = { 0 };
	unsigned long a, rounds = 0;
	pthread_t t;
	double end;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &c.mm), 0);
	ASSERT_EQ(vas_mmap(c.mm, W, PAGES * P, RW, PRIV, NULL, 0, &a), 0);
	pthread_barrier_init(&c.go, NULL, 2);
	pthread_barrier_init(&c.done, NULL, 2);
	ASSERT_EQ(pthread_create(&t, NULL, toucher, &c), 0);
	end = harness_now() + harness_seconds(3);
	for (unsigned long r = 0; harness_now() < end || r < 2; r++) {
		struct vas_mm_user *child = NULL;
		bool cow = r & 1;

		/* even: fresh pages; odd: written, shared with a child */
		ASSERT_EQ(vas_madvise(c.mm, W, PAGES * P, VAS_MADV_DONTNEED), 0);
		memset(old, 0, sizeof(old));
		if (cow) {
			for (unsigned long i = 0; i < sizeof(old); i++)
				old[i] = (unsigned char)(0x80 | (i % 127));
			ASSERT_EQ(vas_write(c.mm, W, old, sizeof(old), NULL), 0);
			ASSERT_EQ(vas_mm_fork(c.mm, &child), 0);
		}
		for (unsigned long i = 0; i < LEN; i++)
			buf[i] = pat(r, i);
		pthread_barrier_wait(&c.go);
		if (vas_write(c.mm, W + OFF, buf, LEN, NULL))
			c.bad++;
		pthread_barrier_wait(&c.done);

		ASSERT_EQ(vas_read(c.mm, W, got, sizeof(got), NULL), 0);
		for (unsigned long i = 0; i < sizeof(got); i++) {
			unsigned char want = i >= OFF && i < OFF + LEN
						     ? buf[i - OFF]
						     : old[i];

			if (got[i] != want) {
				fprintf(stderr, "round %lu (%s): byte %lu is "
					"%u, not %u\n", r, cow ? "cow" : "fresh",
					i, got[i], want);
				c.bad++;
				break;
			}
		}
		if (child) {
			ASSERT_EQ(vas_read(child, W, got, sizeof(got), NULL), 0);
			if (memcmp(got, old, sizeof(got))) {
				fprintf(stderr, "round %lu: the child's bytes "
					"changed\n", r);
				c.bad++;
			}
			vas_mm_put(child);
		}
		rounds++;
		if (c.bad)
			break;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&c.go);
	pthread_join(t, NULL);
	printf("# %lu rounds\n", rounds);
	EXPECT_EQ(c.bad, 0);
	EXPECT_EQ(vas_mm_validate(c.mm), 0);
	pthread_barrier_destroy(&c.go);
	pthread_barrier_destroy(&c.done);
	vas_mm_put(c.mm);
	vas_machine_flush(m);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
