// SPDX-License-Identifier: MIT
/*
 * stress_faults.c - threads fault, read and write their own VMAs and a
 * shared one while another thread maps, unmaps, mprotects, zaps and forks
 * the same address space.
 *
 * Checked:
 *  - a faulting thread always reads back what it wrote last into its own
 *    private pages (no store is lost to a racing fork's copy-on-write, a
 *    zap of another range, or a page-table change elsewhere), and reads
 *    zeros after its own MADV_DONTNEED;
 *  - a forked child sees, in each faulter's page, a byte that thread wrote
 *    at some point (never garbage, never another address space's bytes);
 *  - the validator passes on parent and children, and every frame comes
 *    back at the end.
 * Under AddressSanitizer no thread may touch freed memory; under
 * ThreadSanitizer no access may race.
 *
 * Time-boxed: $VAS_STRESS_SECONDS (default 3) seconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>
#include "harness.h"

#define W 0x200000000000UL
#define P 4096UL
#define NFAULTERS 3
#define OWN_PAGES 64UL
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

/* Faulter i owns [own(i), own(i) + OWN_PAGES pages); one shared VMA; the
 * mapper plays 1 GiB above. */
static unsigned long own(int i)
{
	return W + (unsigned long)i * (OWN_PAGES + 16) * P;
}
#define SHARED (W + 0x10000000UL)
#define PLAY (W + 0x40000000UL)

struct ctx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	int stop;
	unsigned long bad, faults, forks, maps;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct faulter {
	struct ctx *c;
	int id;
};

static void *faulter_main(void *arg)
{
	struct faulter *fa = arg;
	struct ctx *c = fa->c;
	unsigned char last[OWN_PAGES] = {0}, b;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (unsigned)(fa->id + 1);
	unsigned long base = own(fa->id);

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long pg = rnd(&seed) % OWN_PAGES;
		unsigned char v = (unsigned char)(fa->id * 64 + 1 +
						  rnd(&seed) % 63);
		unsigned long addr = base + pg * P + rnd(&seed) % P;
		int op = (int)(rnd(&seed) % 16);

		if (op == 0) {
			/* drop our own pages: they read zero after */
			if (vas_madvise(c->mm, base, OWN_PAGES * P,
					VAS_MADV_DONTNEED))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			memset(last, 0, sizeof(last));
			continue;
		}
		if (op < 8) {
			if (vas_fill(c->mm, addr, v, 1, NULL)) {
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
				continue;
			}
			/* the whole page carries the last value */
			if (vas_fill(c->mm, base + pg * P, v, P, NULL))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			last[pg] = v;
		} else if (op < 14) {
			if (vas_read(c->mm, addr, &b, 1, NULL) || b != last[pg]) {
				fprintf(stderr, "faulter %d: page %lu read %#x, "
					"wrote %#x\n", fa->id, pg, b, last[pg]);
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			}
		} else {
			/* the shared VMA: anyone writes, anyone reads */
			unsigned long s = SHARED + rnd(&seed) % (16 * P);

			if (vas_fill(c->mm, s, v, 1, NULL) ||
			    vas_read(c->mm, s, &b, 1, NULL))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&c->faults, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A child's view of faulter i's page: 0 or a value i wrote. */
static bool plausible(int i, unsigned char b)
{
	return b == 0 || (b > i * 64 && b < (i + 1) * 64);
}

static void check_child(struct ctx *c, struct vas_mm_user *child,
			uint64_t *seed)
{
	unsigned char buf[P];

	for (int i = 0; i < NFAULTERS; i++) {
		unsigned long pg = rnd(seed) % OWN_PAGES;

		if (vas_read(child, own(i) + pg * P, buf, P, NULL)) {
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* a page is filled whole after its first byte: the first byte
		 * may be newer than the rest, never foreign */
		for (unsigned long k = 0; k < P; k++)
			if (!plausible(i, buf[k])) {
				fprintf(stderr, "child: faulter %d page %lu "
					"byte %lu is %#x\n", i, pg, k, buf[k]);
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
				break;
			}
	}
	if (vas_mm_validate(child))
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

static void *mapper_main(void *arg)
{
	struct ctx *c = arg;
	uint64_t seed = 42;
	unsigned long got;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long a = PLAY + (rnd(&seed) % 64) * P;
		unsigned long len = (1 + rnd(&seed) % 8) * P;
		int op = (int)(rnd(&seed) % 10);
		struct vas_mm_user *child;

		switch (op) {
		case 0: case 1: case 2:
			if (vas_mmap(c->mm, a, len, RW, PRIV, NULL, 0, &got) == 0)
				(void)vas_fill(c->mm, a, 0x7f, len, NULL);
			break;
		case 3: case 4:
			if (vas_munmap(c->mm, a, len))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			break;
		case 5:	/* -ENOMEM over a hole is fine */
			if (vas_mprotect(c->mm, a, len, VAS_PROT_READ) == -EINVAL)
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			break;
		case 6:
			if (vas_madvise(c->mm, a, len, VAS_MADV_DONTNEED) == -EINVAL)
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			break;
		case 7:
			/* mprotect a faulter's neighbourhood gap: splits none
			 * of its pages, but write-locks around them */
			if (vas_mprotect(c->mm, SHARED, 16 * P, RW))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
			break;
		default:
			if (vas_mm_fork(c->mm, &child) == 0) {
				check_child(c, child, &seed);
				if (rnd(&seed) & 1)
					vas_mm_put(child);
				else
					vas_mm_put_async(child);
				__atomic_add_fetch(&c->forks, 1,
						   __ATOMIC_RELAXED);
			}
			break;
		}
		__atomic_add_fetch(&c->maps, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(faults_race_mapping_changes_and_fork)
{
	struct ctx c = {0};
	struct vas_machine_config cfg;
	pthread_t ft[NFAULTERS], mt;
	struct faulter fa[NFAULTERS];
	unsigned long got;
	double end;

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 512UL << 20;
	ASSERT_EQ(vas_machine_create(&cfg, &c.m), 0);
	ASSERT_EQ(vas_mm_create(c.m, &c.mm), 0);
	for (int i = 0; i < NFAULTERS; i++)
		ASSERT_EQ(vas_mmap(c.mm, own(i), OWN_PAGES * P, RW, PRIV, NULL,
				   0, &got), 0);
	ASSERT_EQ(vas_mmap(c.mm, SHARED, 16 * P, RW,
			   VAS_MAP_SHARED | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &got), 0);
	for (int i = 0; i < NFAULTERS; i++) {
		fa[i] = (struct faulter){ .c = &c, .id = i };
		ASSERT_EQ(pthread_create(&ft[i], NULL, faulter_main, &fa[i]), 0);
	}
	ASSERT_EQ(pthread_create(&mt, NULL, mapper_main, &c), 0);
	end = harness_now() + harness_seconds(3);
	while (harness_now() < end) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (vas_mm_validate(c.mm))
			__atomic_add_fetch(&c.bad, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < NFAULTERS; i++)
		pthread_join(ft[i], NULL);
	pthread_join(mt, NULL);
	printf("# %lu accesses, %lu mapper ops, %lu forks\n", c.faults, c.maps,
	       c.forks);
	EXPECT_EQ(c.bad, 0);
	EXPECT_GT(c.faults, 0);
	EXPECT_GT(c.forks, 0);
	EXPECT_EQ(vas_mm_validate(c.mm), 0);
	vas_mm_put(c.mm);
	vas_machine_flush(c.m);
	EXPECT_EQ(vas_machine_destroy(c.m), 0);
}
