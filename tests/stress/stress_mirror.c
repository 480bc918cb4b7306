// SPDX-License-Identifier: MIT
/*
 * stress_mirror.c - threads load and store through a mirror while another
 * thread changes the address space under them (munmap + mmap, mprotect,
 * fork + copy-on-write, MADV_DONTNEED): no access may reach a frame vas
 * no longer maps there.
 *
 * The check. Each page holds a stamp (its first word) that only the
 * mutator writes, through vas (vas_write), and a word per writer thread.
 * Per page, the mutator keeps a sequence count, odd while it changes the
 * page: it bumps it, changes the page's frame (a new zero page after
 * MADV_DONTNEED, a new mapping, a copy after fork), stores the next stamp
 * through vas, records it, and bumps the count again.
 *  - A reader loads the stamp through the mirror between two reads of the
 *    count; if the count was even and unchanged, the stamp must be the one
 *    recorded. A stale host mapping (of the frame before the change) shows
 *    an older stamp, or zero.
 *  - A writer stores a value through the mirror and reads it back through
 *    vas_read(), the same way: a store that went to a stale frame is not
 *    there.
 *  - After a fork, the child's copies of the writers' words must not
 *    change while the writers keep storing through the parent's mirror:
 *    a host mapping that fork did not write-protect would store into the
 *    frames the child shares.
 * Accesses vas refuses (in a munmap or mprotect window) are skipped.
 *
 * Time-boxed ($VAS_STRESS_SECONDS, default 3). Runs under ASan and TSan.
 */
#include "mirror_probe.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <vas/physmem.h>

#include "harness.h"

#define P 4096UL
#define GBASE 0x300000000000UL
#define NPAGES 32
#define NREADERS 2
#define NWRITERS 1
#define PROT_RW (VAS_PROT_READ | VAS_PROT_WRITE)

static struct vas_mm_user *mm;
static struct vas_mirror *mi;
static unsigned long seq[NPAGES];	/* odd: the page is being changed */
static uint64_t stamp[NPAGES];
static int stop;
static unsigned long stale, checked, refused;

static unsigned char *hpage(unsigned long i)
{
	return vas_mirror_host_addr(mi, GBASE + i * P);
}

static void *reader(void *arg)
{
	unsigned long i = (uintptr_t)arg, n = 0, bad = 0, ref = 0;

	probe_thread_init();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unsigned long s1, s2;
		uint64_t v, want;

		i = (i * 7 + 3) % NPAGES;
		s1 = __atomic_load_n(&seq[i], __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		want = __atomic_load_n(&stamp[i], __ATOMIC_ACQUIRE);
		if (probe_load64(hpage(i), &v)) {
			ref++;
			continue;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&seq[i], __ATOMIC_ACQUIRE);
		if (s1 != s2)
			continue;
		n++;
		if (v != want) {
			if (bad++ < 5)
				fprintf(stderr, "reader: page %lu stamp %#lx, "
					"vas has %#lx\n", i, (unsigned long)v,
					(unsigned long)want);
		}
	}
	__atomic_fetch_add(&checked, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stale, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&refused, ref, __ATOMIC_RELAXED);
	probe_thread_fini();
	return NULL;
}

static void *writer(void *arg)
{
	unsigned long tid = (uintptr_t)arg, i = tid, n = 0, bad = 0, ref = 0;
	uint64_t c = 0;

	probe_thread_init();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unsigned long s1, s2, off = 64 + 8 * tid;
		uint64_t v;

		i = (i * 5 + 1) % NPAGES;
		s1 = __atomic_load_n(&seq[i], __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		if (probe_store64(hpage(i) + off, ++c)) {
			ref++;
			continue;
		}
		if (vas_read(mm, GBASE + i * P + off, &v, 8, NULL))
			continue;
		s2 = __atomic_load_n(&seq[i], __ATOMIC_ACQUIRE);
		if (s1 != s2)
			continue;
		n++;
		if (v != c && bad++ < 5)
			fprintf(stderr, "writer: page %lu: stored %#lx, vas has "
				"%#lx\n", i, (unsigned long)c, (unsigned long)v);
	}
	__atomic_fetch_add(&checked, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stale, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&refused, ref, __ATOMIC_RELAXED);
	probe_thread_fini();
	return NULL;
}

/* Begin and end changing pages [i, i + n). */
static void change_begin(unsigned long i, unsigned long n)
{
	for (unsigned long j = i; j < i + n; j++)
		__atomic_fetch_add(&seq[j], 1, __ATOMIC_ACQ_REL);
}

/* Store the next stamps through vas, then end the change. */
static void change_end(unsigned long i, unsigned long n)
{
	for (unsigned long j = i; j < i + n; j++) {
		uint64_t s = __atomic_load_n(&stamp[j], __ATOMIC_RELAXED) + 1;

		ASSERT_EQ(vas_write(mm, GBASE + j * P, &s, 8, NULL), 0);
		__atomic_store_n(&stamp[j], s, __ATOMIC_RELEASE);
		__atomic_fetch_add(&seq[j], 1, __ATOMIC_ACQ_REL);
	}
}

/* The writers' words of every page of @child. */
static void child_words(struct vas_mm_user *child, uint64_t *w)
{
	for (unsigned long j = 0; j < NPAGES; j++)
		for (unsigned long t = 0; t < NWRITERS; t++)
			ASSERT_EQ(vas_read(child, GBASE + j * P + 64 + 8 * t,
					   &w[j * NWRITERS + t], 8, NULL),
				  0);
}

TEST(stress_mirror_no_stale_frames)
{
	static uint64_t before[NPAGES * NWRITERS], after[NPAGES * NWRITERS];
	struct vas_machine *machine;
	struct vas_mirror_stats st;
	pthread_t th[NREADERS + NWRITERS];
	unsigned long a, ops[4] = { 0 }, rounds = 0;
	double end = harness_now() + harness_seconds(3);
	uint64_t rng = harness_seed() | 1;

	ASSERT_EQ(vas_machine_create(NULL, &machine), 0);
	ASSERT_EQ(vas_mm_create(machine, &mm), 0);
	ASSERT_EQ(vas_mmap(mm, GBASE, NPAGES * P, PROT_RW,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &a),
		  0);
	change_begin(0, NPAGES);
	change_end(0, NPAGES);
	ASSERT_EQ(vas_mirror_create(mm, GBASE, NPAGES * P, NULL, 0, &mi), 0);
	probe_install();
	for (uintptr_t t = 0; t < NREADERS; t++)
		ASSERT_EQ(pthread_create(&th[t], NULL, reader, (void *)t), 0);
	for (uintptr_t t = 0; t < NWRITERS; t++)
		ASSERT_EQ(pthread_create(&th[NREADERS + t], NULL, writer,
					 (void *)t),
			  0);

	while (harness_now() < end) {
		unsigned long i, n, op;
		struct vas_mm_user *child;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		n = 1 + rng % 4;
		i = (rng >> 8) % (NPAGES - n + 1);
		op = (rng >> 20) % 4;
		ops[op]++;
		rounds++;
		change_begin(i, n);
		switch (op) {
		case 0:
			ASSERT_EQ(vas_madvise(mm, GBASE + i * P, n * P,
					      VAS_MADV_DONTNEED),
				  0);
			break;
		case 1:
			ASSERT_EQ(vas_munmap(mm, GBASE + i * P, n * P), 0);
			sched_yield();
			ASSERT_EQ(vas_mmap(mm, GBASE + i * P, n * P, PROT_RW,
					   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS |
						   VAS_MAP_FIXED,
					   NULL, 0, &a),
				  0);
			break;
		case 2:
			ASSERT_EQ(vas_mprotect(mm, GBASE + i * P, n * P,
					       VAS_PROT_READ),
				  0);
			sched_yield();
			ASSERT_EQ(vas_mprotect(mm, GBASE + i * P, n * P, PROT_RW),
				  0);
			break;
		case 3:
			/*
			 * fork: every page is shared copy-on-write. The
			 * parent's next stamps copy pages [i, i + n) for it
			 * (the child holds the old frames), then the child
			 * writes junk over the old frames: a parent's host
			 * mapping left on them shows an old stamp or junk.
			 */
			ASSERT_EQ(vas_mm_fork(mm, &child), 0);
			child_words(child, before);
			change_end(i, n);
			for (unsigned long j = i; j < i + n; j++) {
				uint64_t junk = 0xdead0000 + j;

				ASSERT_EQ(vas_write(child, GBASE + j * P, &junk,
						    8, NULL),
					  0);
			}
			/*
			 * The writers keep storing through the parent's
			 * mirror meanwhile; none of it may reach the child
			 * (a host mapping left writable by fork would store
			 * into the frames the child shares).
			 */
			usleep(1000);
			child_words(child, after);
			for (unsigned long k = 0; k < NPAGES * NWRITERS; k++) {
				if (before[k] != after[k] &&
				    __atomic_fetch_add(&stale, 1, __ATOMIC_RELAXED) < 5)
					fprintf(stderr, "fork: the child's word "
						"%lu changed: %#lx -> %#lx\n",
						k, (unsigned long)before[k],
						(unsigned long)after[k]);
			}
			vas_mm_put(child);
			continue;
		}
		change_end(i, n);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int t = 0; t < NREADERS + NWRITERS; t++)
		pthread_join(th[t], NULL);

	vas_mirror_stats(mi, &st);
	printf("  %lu rounds (dontneed %lu, munmap %lu, mprotect %lu, fork "
	       "%lu); %lu accesses checked, %lu refused; mirror: %lu faults, "
	       "%lu invalidations\n",
	       rounds, ops[0], ops[1], ops[2], ops[3], checked, refused,
	       st.faults, st.invalidations);
	EXPECT_EQ(stale, 0);
	EXPECT_GT(checked, 100);
	EXPECT_GT(st.invalidations, 10);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mirror_destroy(mi);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(machine), 0);
}
