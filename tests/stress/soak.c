// SPDX-License-Identifier: MIT
/*
 * soak.c - the soak run: every kind of concurrent user of the model at
 * once, for as long as asked.
 *
 *   soak [--seconds N] [--seed S]
 *
 * N: $VAS_SOAK_SECONDS, else 10. S: $VAS_SEED, else from the clock; the
 * seed is printed, and replays each thread's choices (not the threads'
 * interleaving, which is the point of the run).
 *
 * One machine; these threads run together until the time is up:
 *  - faulters (3) own a private anonymous range each in address space A
 *    and write, read, fault (vas_fault), pin (vas_pin_user_pages) and
 *    MADV_DONTNEED their pages;
 *  - writers (2) mmap, munmap, mprotect, mremap and madvise in a range
 *    both of them play in, each in a range of its own (a map, fill, move,
 *    check, unmap cycle), and split and merge the faulters' VMAs
 *    (mprotect to the same protection, madvise RANDOM/NORMAL);
 *  - VMA readers (2) take vas_lock_vma_under_rcu() on addresses of A and
 *    of X (below), falling back to the mmap read lock;
 *  - a forker forks A, checks and changes the child, and ends it with
 *    vas_mm_put() or vas_mm_put_async();
 *  - a lifecycle thread creates short-lived address spaces, publishes a
 *    count of each, and ends them with vas_mm_put_async() while two
 *    getters take users with vas_mm_get_not_zero(), read, map and unmap
 *    in them (their put may be the last: teardown in the getter's
 *    thread);
 *  - a recycler maps and unmaps the same range in two address spaces X and
 *    Y in turn, so that the VMA cache hands a VMA freed in one to the
 *    other while a checker reads X (and the VMA readers look it up);
 *  - a driver thread maps a driver file whose mmap hook inserts its pages
 *    (vas_vm_insert_page; no fault handler) into A, reads them back,
 *    unmaps it or maps anonymous memory over it.
 * The main thread runs vas_mm_validate() on A, X and Y every 100 ms and
 * prints the counts every 60 s.
 *
 * Checked: each faulter's pages hold what it wrote last (zeros after its
 * DONTNEED), also through a pin; a fork child sees only bytes the faulter
 * wrote; a writer's moved range holds its bytes; X never shows Y's bytes,
 * nor a VMA of another address space; a user got with get_not_zero sees
 * its address space's bytes; driver pages hold the driver's bytes; every
 * call returns 0 or an errno that is legal for it there; the validator
 * passes; the driver's VMA count (hooks + opens - closes) ends at 0;
 * the machine's counters balance at the end (address spaces created and
 * torn down, VMAs allocated and freed, pages, pins); the machine is
 * destroyed cleanly and every allocation is freed (vas_alloc_live() back
 * to where it was). Exit status 0 if all held.
 *
 * Public API only, except vas_alloc_live() for the leak check.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vas/vas.h>
#include "base/alloc.h"

#define P 4096UL
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)
#define SHRD (VAS_MAP_SHARED | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

/* Layout of A (addresses are the same in X, Y and the children). */
#define BASE 0x200000000000UL
#define NFAULTERS 3
#define OWN_PAGES 64UL
#define OWN(i) (BASE + (unsigned long)(i) * 0x100000UL)	/* 1 MiB apart */
#define PLAY (BASE + 0x10000000UL)	/* shared by the writers */
#define PLAY_PAGES 64UL
#define WOWN(i) (BASE + 0x20000000UL + (unsigned long)(i) * 0x1000000UL)
#define WOWN_PAGES 16UL
#define DRV (BASE + 0x30000000UL)	/* the driver's mapping */
#define DRV_PAGES 8UL
#define REC (BASE + 0x40000000UL)	/* recycled between X and Y */
#define REC_PAGES 8UL
#define LIFE (BASE + 0x50000000UL)	/* in each short-lived space */
#define LIFE_PAGES 4UL
#define NWRITERS 2
#define NREADERS 2
#define NGETTERS 2
#define TAG_X 0x11
#define TAG_Y 0x22

enum kind {
	K_WRITE, K_READ, K_FAULT, K_PIN, K_DONTNEED,
	K_MMAP, K_MUNMAP, K_MPROTECT, K_MREMAP, K_MADVISE, K_SPLIT,
	K_MOVE_CHECK, K_RCU_LOCKED, K_RCU_FALLBACK, K_FORK, K_FORK_ASYNC,
	K_LIFE, K_GET_OK, K_GET_ZERO, K_GETTER_CHANGE, K_GETTER_LAST_PUT,
	K_RECYCLE,
	K_REC_READ, K_DRV_MAP, K_DRV_READ, K_DRV_OVERMAP, K_VALIDATE,
	K_NR
};

static const char *const kind_name[K_NR] = {
	[K_WRITE] = "faulter writes",
	[K_READ] = "faulter reads (checked)",
	[K_FAULT] = "vas_fault calls",
	[K_PIN] = "pins (checked, unpinned)",
	[K_DONTNEED] = "faulter MADV_DONTNEED",
	[K_MMAP] = "writer mmap",
	[K_MUNMAP] = "writer munmap",
	[K_MPROTECT] = "writer mprotect",
	[K_MREMAP] = "writer mremap",
	[K_MADVISE] = "writer madvise",
	[K_SPLIT] = "splits/merges of faulter VMAs",
	[K_MOVE_CHECK] = "map-move-check cycles",
	[K_RCU_LOCKED] = "lock_vma_under_rcu hits",
	[K_RCU_FALLBACK] = "lock_vma_under_rcu fallbacks",
	[K_FORK] = "forks (exit by put)",
	[K_FORK_ASYNC] = "forks (exit by put_async)",
	[K_LIFE] = "short-lived address spaces",
	[K_GET_OK] = "get_not_zero got a user",
	[K_GET_ZERO] = "get_not_zero found it gone",
	[K_GETTER_CHANGE] = "getter mmap/munmap in it",
	[K_GETTER_LAST_PUT] = "getter held the last user (racy)",
	[K_RECYCLE] = "X/Y recycle rounds",
	[K_REC_READ] = "X reads (checked)",
	[K_DRV_MAP] = "driver mmaps (pages inserted)",
	[K_DRV_READ] = "driver page reads (checked)",
	[K_DRV_OVERMAP] = "driver mapping replaced by anon",
	[K_VALIDATE] = "validations",
};

struct soak {
	struct vas_machine *m;
	struct vas_mm_user *a, *x, *y;
	struct vas_file *drv;
	struct vas_page *drv_pages[DRV_PAGES];	/* the driver's references */
	long drv_vmas;			/* (a) hooks + opens - closes */
	uint64_t seed;
	int stop;			/* (a) */
	unsigned long bad;		/* (a) */
	unsigned long count[K_NR];	/* (a) */
	/* the lifecycle slot: a count of the current short-lived space */
	pthread_mutex_t slot_lock;
	struct vas_mm *slot;		/* (slot_lock) */
	unsigned char slot_tag;		/* (slot_lock) */
};

static struct soak S;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A thread's own stream: splitmix64 of the run's seed and the thread. */
static uint64_t thread_seed(unsigned int id)
{
	uint64_t z = S.seed + 0x9e3779b97f4a7c15ULL * (id + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

static bool stopping(void)
{
	return __atomic_load_n(&S.stop, __ATOMIC_RELAXED);
}

static void inc(enum kind k)
{
	__atomic_add_fetch(&S.count[k], 1, __ATOMIC_RELAXED);
}

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_add_fetch(&S.bad, 1, __ATOMIC_RELAXED) > 20)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "soak: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* An errno that is legal for this call here: 0 or one of the list. */
static void legal(const char *what, int err, int ok1, int ok2, int ok3)
{
	if (err && err != ok1 && err != ok2 && err != ok3)
		bad("%s: unexpected %s", what, vas_strerror(err));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Is every byte of @buf[0..len) equal to @b? */
static bool all(const unsigned char *buf, size_t len, unsigned char b)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != b)
			return false;
	return true;
}

/* ---- faulters ------------------------------------------------------------ */

/* Faulter @i writes bytes in (i * 64, (i + 1) * 64). */
static unsigned char faulter_byte(int i, uint64_t r)
{
	return (unsigned char)(i * 64 + 1 + r % 63);
}

static bool faulter_plausible(int i, unsigned char b)
{
	return b == 0 || (b > i * 64 && b < (i + 1) * 64);
}

static void *faulter_main(void *arg)
{
	int id = (int)(uintptr_t)arg;
	uint64_t seed = thread_seed((unsigned int)id);
	unsigned long base = OWN(id);
	unsigned char last[OWN_PAGES] = { 0 };
	unsigned char *buf = malloc(P);

	if (!buf)
		abort();
	while (!stopping()) {
		unsigned long pg = rnd(&seed) % OWN_PAGES;
		unsigned long addr = base + pg * P;
		int op = (int)(rnd(&seed) % 32);
		struct vas_fault_info fi = { 0 };
		int err;

		if (op == 0) {
			err = vas_madvise(S.a, base, OWN_PAGES * P,
					  VAS_MADV_DONTNEED);
			if (err)
				bad("faulter %d: DONTNEED: %s", id,
				    vas_strerror(err));
			memset(last, 0, sizeof(last));
			inc(K_DONTNEED);
		} else if (op < 12) {
			unsigned char v = faulter_byte(id, rnd(&seed));

			memset(buf, v, P);
			err = vas_write(S.a, addr, buf, P, &fi);
			if (err)
				bad("faulter %d: write page %lu: %s (signal %d)",
				    id, pg, vas_strerror(err), fi.signo);
			else
				last[pg] = v;
			inc(K_WRITE);
		} else if (op < 24) {
			err = vas_read(S.a, addr, buf, P, &fi);
			if (err)
				bad("faulter %d: read page %lu: %s (signal %d)",
				    id, pg, vas_strerror(err), fi.signo);
			else if (!all(buf, P, last[pg]))
				bad("faulter %d: page %lu holds %#x, wrote %#x",
				    id, pg, buf[0], last[pg]);
			inc(K_READ);
		} else if (op < 28) {
			err = vas_fault(S.a, addr, op & 1 ? VAS_FAULT_WRITE : 0,
					&fi);
			if (err)
				bad("faulter %d: fault page %lu: %s", id, pg,
				    vas_strerror(err));
			inc(K_FAULT);
		} else {
			struct vas_page *page = NULL;
			long n = vas_pin_user_pages(S.a, addr, 1,
						    op & 1 ? VAS_FOLL_WRITE : 0,
						    &page, &fi);

			if (n != 1) {
				bad("faulter %d: pin page %lu: %ld", id, pg, n);
				continue;
			}
			/* only this thread writes the page: stable */
			if (!all(vas_page_address(page), P, last[pg]))
				bad("faulter %d: pinned page %lu holds %#x, "
				    "wrote %#x", id, pg,
				    ((unsigned char *)vas_page_address(page))[0],
				    last[pg]);
			vas_unpin_user_pages(&page, 1, false);
			inc(K_PIN);
		}
	}
	free(buf);
	return NULL;
}

/* ---- writers ------------------------------------------------------------- */

static void writer_play(uint64_t *seed)
{
	unsigned long a = PLAY + (rnd(seed) % PLAY_PAGES) * P;
	unsigned long len = (1 + rnd(seed) % 8) * P;
	unsigned long got;
	int err;

	if (a + len > PLAY + PLAY_PAGES * P)
		len = PLAY + PLAY_PAGES * P - a;
	switch (rnd(seed) % 8) {
	case 0:
	case 1:
		err = vas_mmap(S.a, a, len, RW, rnd(seed) % 4 ? PRIV : SHRD,
			       NULL, 0, &got);
		legal("play mmap", err, -ENOMEM, 0, 0);
		if (!err) {
			err = vas_fill(S.a, a, 0x7f, len, NULL);
			/* the other writer may unmap or mprotect it */
			legal("play fill", err, -EFAULT, 0, 0);
		}
		inc(K_MMAP);
		break;
	case 2:
		legal("play munmap", vas_munmap(S.a, a, len), 0, 0, 0);
		inc(K_MUNMAP);
		break;
	case 3:
		err = vas_mprotect(S.a, a, len,
				   rnd(seed) % 2 ? VAS_PROT_READ : RW);
		legal("play mprotect", err, -ENOMEM, 0, 0);
		inc(K_MPROTECT);
		break;
	case 4: {
		unsigned long to = PLAY + (rnd(seed) % (PLAY_PAGES - 8)) * P;

		err = vas_mremap(S.a, a, len, len,
				 VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, to,
				 &got);
		/* EFAULT: not one mapped VMA; EINVAL: overlapping ranges */
		legal("play mremap", err, -EFAULT, -EINVAL, -ENOMEM);
		inc(K_MREMAP);
		break;
	}
	case 5:
		err = vas_mremap(S.a, a, len, len + P, 0, 0, &got);
		legal("play mremap grow", err, -EFAULT, -ENOMEM, 0);
		inc(K_MREMAP);
		break;
	default: {
		static const int adv[] = {
			VAS_MADV_DONTNEED, VAS_MADV_FREE, VAS_MADV_RANDOM,
			VAS_MADV_NORMAL, VAS_MADV_WIPEONFORK,
			VAS_MADV_DONTFORK, VAS_MADV_DOFORK,
		};

		err = vas_madvise(S.a, a, len,
				  adv[rnd(seed) % (sizeof(adv) / sizeof(adv[0]))]);
		/* ENOMEM: a hole; EINVAL: WIPEONFORK on a shared VMA */
		legal("play madvise", err, -ENOMEM, -EINVAL, 0);
		inc(K_MADVISE);
		break;
	}
	}
}

/* Map, fill, move and check a range only this writer uses. */
static void writer_own(int id, uint64_t *seed)
{
	unsigned long half = WOWN_PAGES / 2 * P, a = WOWN(id), got;
	unsigned long len = (1 + rnd(seed) % (WOWN_PAGES / 2)) * P;
	unsigned char tag = (unsigned char)(0xa0 + id * 16 + rnd(seed) % 16);
	unsigned char *buf = malloc(len);
	int err;

	if (!buf)
		abort();
	err = vas_mmap(S.a, a, len, RW, rnd(seed) % 2 ? PRIV : SHRD, NULL, 0,
		       &got);
	if (!err)
		err = vas_fill(S.a, a, tag, len, NULL);
	if (!err)
		err = vas_mremap(S.a, a, len, len,
				 VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
				 a + half, &got);
	if (!err)
		err = vas_read(S.a, a + half, buf, len, NULL);
	if (err)
		bad("writer %d: own range: %s", id, vas_strerror(err));
	else if (!all(buf, len, tag))
		bad("writer %d: moved range holds %#x, wrote %#x", id, buf[0],
		    tag);
	legal("own munmap", vas_munmap(S.a, a, 2 * half), 0, 0, 0);
	inc(K_MOVE_CHECK);
	free(buf);
}

/* Split and merge a faulter's VMA without changing what it may do. */
static void writer_split(uint64_t *seed)
{
	int i = (int)(rnd(seed) % NFAULTERS);
	unsigned long a = OWN(i) + (rnd(seed) % (OWN_PAGES - 4)) * P;
	unsigned long len = (1 + rnd(seed) % 4) * P;
	int err;

	if (rnd(seed) % 2)
		err = vas_mprotect(S.a, a, len, RW);
	else
		err = vas_madvise(S.a, a, len,
				  rnd(seed) % 2 ? VAS_MADV_RANDOM :
						  VAS_MADV_NORMAL);
	if (err)
		bad("split faulter %d's VMA: %s", i, vas_strerror(err));
	inc(K_SPLIT);
}

static void *writer_main(void *arg)
{
	int id = (int)(uintptr_t)arg;
	uint64_t seed = thread_seed(10 + (unsigned int)id);

	while (!stopping()) {
		unsigned int op = (unsigned int)(rnd(&seed) % 16);

		if (op < 10)
			writer_play(&seed);
		else if (op < 13)
			writer_own(id, &seed);
		else
			writer_split(&seed);
	}
	return NULL;
}

/* ---- VMA readers ----------------------------------------------------------- */

static void check_vma(struct vas_vma_ref *vma, struct vas_mm_user *mm,
		      unsigned long addr, const char *how)
{
	if (vas_vma_mm(vma) != mm)
		bad("%s: the VMA at %#lx is another address space's", how,
		    addr);
	if (vas_vma_start(vma) > addr || vas_vma_end(vma) <= addr)
		bad("%s: the VMA [%#lx, %#lx) does not contain %#lx", how,
		    vas_vma_start(vma), vas_vma_end(vma), addr);
	if (addr >= OWN(0) && addr < OWN(NFAULTERS - 1) + OWN_PAGES * P &&
	    (vas_vma_flags(vma) & (VAS_VM_READ | VAS_VM_WRITE)) !=
		    (VAS_VM_READ | VAS_VM_WRITE))
		bad("%s: a faulter's VMA at %#lx is not RW", how, addr);
}

static void *reader_main(void *arg)
{
	int id = (int)(uintptr_t)arg;
	uint64_t seed = thread_seed(20 + (unsigned int)id);

	while (!stopping()) {
		struct vas_mm_user *mm = S.a;
		struct vas_vma_read_guard *g;
		unsigned long addr;
		bool must;

		switch (rnd(&seed) % 5) {
		case 0:
			addr = OWN(rnd(&seed) % NFAULTERS) +
			       (rnd(&seed) % OWN_PAGES) * P;
			break;
		case 1:
			addr = PLAY + (rnd(&seed) % PLAY_PAGES) * P;
			break;
		case 2:
			addr = DRV + (rnd(&seed) % DRV_PAGES) * P;
			break;
		default:
			mm = S.x;
			addr = REC + (rnd(&seed) % REC_PAGES) * P;
			break;
		}
		addr += rnd(&seed) % P;
		must = addr >= OWN(0) && addr < OWN(NFAULTERS);
		if (vas_lock_vma_under_rcu(mm, addr, &g)) {
			check_vma(vas_vma_read_guard_vma(g), mm, addr,
				  "lock_vma_under_rcu");
			vas_vma_end_read(g);
			inc(K_RCU_LOCKED);
		} else {
			struct vas_vma_ref *vma;

			vas_mmap_read_lock(mm);
			vma = vas_vma_lookup(mm, addr);
			if (vma)
				check_vma(vma, mm, addr, "vma_lookup");
			else if (must && (addr - OWN(0)) % 0x100000UL <
						 OWN_PAGES * P)
				bad("no VMA at faulter address %#lx", addr);
			vas_mmap_read_unlock(mm);
			inc(K_RCU_FALLBACK);
		}
	}
	return NULL;
}

/* ---- fork ------------------------------------------------------------------ */

static void check_child(struct vas_mm_user *child, uint64_t *seed)
{
	unsigned char *buf = malloc(P);
	unsigned long got;
	int err;

	if (!buf)
		abort();
	for (int i = 0; i < NFAULTERS; i++) {
		unsigned long pg = rnd(seed) % OWN_PAGES;

		err = vas_read(child, OWN(i) + pg * P, buf, P, NULL);
		if (err) {
			bad("child: faulter %d page %lu: %s", i, pg,
			    vas_strerror(err));
			continue;
		}
		/* a fork in the middle of a write may see part of it */
		for (unsigned long k = 0; k < P; k++)
			if (!faulter_plausible(i, buf[k])) {
				bad("child: faulter %d page %lu byte %lu is "
				    "%#x", i, pg, k, buf[k]);
				break;
			}
		/* the child's writes stay its own */
		err = vas_fill(child, OWN(i) + pg * P, 0xff, P, NULL);
		legal("child fill", err, 0, 0, 0);
	}
	/* the child changes its own layout */
	err = vas_mmap(child, PLAY, 4 * P, RW, PRIV, NULL, 0, &got);
	legal("child mmap", err, 0, 0, 0);
	legal("child munmap", vas_munmap(child, OWN(0), 4 * P), 0, 0, 0);
	if (vas_mm_validate(child))
		bad("child: validator failed");
	free(buf);
}

static void *forker_main(void *arg)
{
	uint64_t seed = thread_seed(30);

	(void)arg;
	while (!stopping()) {
		struct vas_mm_user *child;
		int err = vas_mm_fork(S.a, &child);

		if (err) {
			legal("fork", err, -ENOMEM, 0, 0);
			continue;
		}
		check_child(child, &seed);
		if (rnd(&seed) % 2) {
			vas_mm_put(child);
			inc(K_FORK);
		} else {
			vas_mm_put_async(child);
			inc(K_FORK_ASYNC);
		}
		sleep_us(500);
	}
	return NULL;
}

/* ---- short-lived address spaces: put_async against get_not_zero ------------ */

static void *life_main(void *arg)
{
	uint64_t seed = thread_seed(40);
	unsigned char tag = 1;

	(void)arg;
	while (!stopping()) {
		struct vas_mm_user *mm;
		struct vas_mm *count;
		unsigned long got;
		int err;

		if (rnd(&seed) % 2) {
			err = vas_mm_create(S.m, &mm);
			if (!err) {
				err = vas_mmap(mm, LIFE, LIFE_PAGES * P, RW,
					       PRIV, NULL, 0, &got);
				if (err)
					vas_mm_put(mm);
			}
		} else {
			/* a fork of X: the recycled range may be there */
			err = vas_mm_fork(S.x, &mm);
			if (!err) {
				err = vas_mmap(mm, LIFE, LIFE_PAGES * P, RW,
					       PRIV, NULL, 0, &got);
				if (err)
					vas_mm_put(mm);
			}
		}
		if (err) {
			legal("life: create", err, -ENOMEM, 0, 0);
			continue;
		}
		tag = (unsigned char)(tag % 250 + 1);
		legal("life: fill", vas_fill(mm, LIFE, tag, LIFE_PAGES * P,
					     NULL), 0, 0, 0);
		count = vas_mm_from_user(mm);
		vas_mm_grab(count);
		pthread_mutex_lock(&S.slot_lock);
		S.slot = count;
		S.slot_tag = tag;
		pthread_mutex_unlock(&S.slot_lock);
		sleep_us((long)(rnd(&seed) % 300));
		/* exit: the getters may hold users; the last put tears down */
		vas_mm_put_async(mm);
		sleep_us((long)(rnd(&seed) % 300));
		pthread_mutex_lock(&S.slot_lock);
		S.slot = NULL;
		pthread_mutex_unlock(&S.slot_lock);
		vas_mm_drop(count);
		inc(K_LIFE);
	}
	return NULL;
}

/* A got user maps, checks and unmaps a range, and locks a VMA of it. */
static void getter_change(struct vas_mm_user *mm, unsigned char tag)
{
	unsigned long a = LIFE + (LIFE_PAGES + 4) * P, got;
	struct vas_vma_read_guard *g;
	unsigned char b = 0;
	int err;

	if (vas_lock_vma_under_rcu(mm, LIFE, &g)) {
		check_vma(vas_vma_read_guard_vma(g), mm, LIFE, "getter");
		vas_vma_end_read(g);
	}
	/* the other getter may be here too: its munmap is legal */
	err = vas_mmap(mm, a, P, RW, PRIV, NULL, 0, &got);
	legal("getter mmap", err, 0, 0, 0);
	if (!err) {
		err = vas_fill(mm, a, tag, P, NULL);
		legal("getter fill", err, -EFAULT, 0, 0);
		err = vas_read(mm, a, &b, 1, NULL);
		legal("getter read", err, -EFAULT, 0, 0);
		if (!err && b != tag && b != 0)
			bad("getter: its page holds %#x, wrote %#x", b, tag);
	}
	legal("getter munmap", vas_munmap(mm, a, P), 0, 0, 0);
	inc(K_GETTER_CHANGE);
}

static void *getter_main(void *arg)
{
	int id = (int)(uintptr_t)arg;
	uint64_t seed = thread_seed(50 + (unsigned int)id);
	unsigned char buf[64];

	while (!stopping()) {
		struct vas_mm *count;
		struct vas_mm_user *mm;
		unsigned char tag;
		int err;

		pthread_mutex_lock(&S.slot_lock);
		count = S.slot;
		tag = S.slot_tag;
		if (count)
			vas_mm_grab(count);
		pthread_mutex_unlock(&S.slot_lock);
		if (!count) {
			sleep_us(20);
			continue;
		}
		mm = vas_mm_get_not_zero(count);
		if (!mm) {
			inc(K_GET_ZERO);
			sleep_us(10);
		} else {
			unsigned long off = (rnd(&seed) % LIFE_PAGES) * P +
					    rnd(&seed) % (P - sizeof(buf));

			/* a user keeps the VMAs: the bytes are there */
			err = vas_read(mm, LIFE + off, buf, sizeof(buf), NULL);
			if (err)
				bad("getter: read: %s", vas_strerror(err));
			else if (!all(buf, sizeof(buf), tag))
				bad("getter: read %#x, the space holds %#x",
				    buf[0], tag);
			/* change it too: teardown waits for this user */
			if (rnd(&seed) % 4 == 0)
				getter_change(mm, tag);
			inc(K_GET_OK);
			if (vas_mm_users(count) == 1)
				inc(K_GETTER_LAST_PUT);	/* racy: a hint */
			if (rnd(&seed) % 2)
				vas_mm_put(mm);
			else
				vas_mm_put_async(mm);
		}
		vas_mm_drop(count);
	}
	return NULL;
}

/* ---- VMA recycling between X and Y ----------------------------------------- */

static void *recycler_main(void *arg)
{
	uint64_t seed = thread_seed(60);
	unsigned long got;

	(void)arg;
	while (!stopping()) {
		unsigned long len = (1 + rnd(&seed) % REC_PAGES) * P;
		int err;

		err = vas_mmap(S.x, REC, len, RW, rnd(&seed) % 2 ? PRIV : SHRD,
			       NULL, 0, &got);
		legal("recycle: mmap X", err, 0, 0, 0);
		if (!err)
			legal("recycle: fill X",
			      vas_fill(S.x, REC, TAG_X, len, NULL), 0, 0, 0);
		sleep_us((long)(rnd(&seed) % 100));
		legal("recycle: munmap X", vas_munmap(S.x, REC, REC_PAGES * P),
		      0, 0, 0);
		/* the VMA just freed in X is the cache's first pick here */
		err = vas_mmap(S.y, REC, len, RW, rnd(&seed) % 2 ? PRIV : SHRD,
			       NULL, 0, &got);
		legal("recycle: mmap Y", err, 0, 0, 0);
		if (!err)
			legal("recycle: fill Y",
			      vas_fill(S.y, REC, TAG_Y, len, NULL), 0, 0, 0);
		sleep_us((long)(rnd(&seed) % 100));
		legal("recycle: munmap Y", vas_munmap(S.y, REC, REC_PAGES * P),
		      0, 0, 0);
		inc(K_RECYCLE);
	}
	return NULL;
}

/* Reads X's recycled range: X's bytes, zeros, or nothing mapped. */
static void *rec_checker_main(void *arg)
{
	uint64_t seed = thread_seed(61);
	unsigned char buf[256];

	(void)arg;
	while (!stopping()) {
		unsigned long off = rnd(&seed) % (REC_PAGES * P - sizeof(buf));
		struct vas_fault_info fi = { 0 };
		int err = vas_read(S.x, REC + off, buf, sizeof(buf), &fi);

		if (err == -EFAULT && fi.signo == VAS_SIGSEGV)
			continue;	/* unmapped (part of) the range */
		if (err) {
			bad("X read: %s (signal %d)", vas_strerror(err),
			    fi.signo);
			continue;
		}
		for (size_t k = 0; k < sizeof(buf); k++)
			if (buf[k] != 0 && buf[k] != TAG_X) {
				bad("X read %#x at %#lx: %s", buf[k],
				    REC + off + k,
				    buf[k] == TAG_Y ? "Y's bytes" : "garbage");
				break;
			}
		inc(K_REC_READ);
	}
	return NULL;
}

/* ---- the driver ------------------------------------------------------------ */

static unsigned char drv_byte(unsigned long i)
{
	return (unsigned char)(0xd0 + i);
}

static void drv_open(struct vas_vma_ref *vma)
{
	(void)vma;
	__atomic_add_fetch(&S.drv_vmas, 1, __ATOMIC_RELAXED);
}

static void drv_close(const struct vas_vma_closing *vma)
{
	(void)vma;
	__atomic_sub_fetch(&S.drv_vmas, 1, __ATOMIC_RELAXED);
}

static const struct vas_vm_ops drv_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = drv_open,
	.close = drv_close,
};

/* The mmap hook: a read-only VMA with every driver page inserted. */
static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	unsigned long start = vas_vma_start(ref), i;

	(void)file;
	if (vas_vma_pgoff(ref) != 0 || vas_vma_end(ref) - start > DRV_PAGES * P)
		return -EINVAL;
	if (vas_vma_new_try_clear_maywrite(vma))
		return -EPERM;
	vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	for (i = 0; start + i * P < vas_vma_end(ref); i++) {
		int err = vas_vm_insert_page(vas_vma_as_mixedmap(ref),
					     start + i * P, S.drv_pages[i]);

		if (err)
			return err;	/* the mmap unmaps what went in */
	}
	__atomic_add_fetch(&S.drv_vmas, 1, __ATOMIC_RELAXED);
	return 0;
}

static const struct vas_file_ops drv_file_ops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = drv_mmap,
};

/* Read the driver range of @mm: driver bytes, zeros (anon) or unmapped. */
static void drv_check(struct vas_mm_user *mm, unsigned long pg, bool mapped)
{
	unsigned char buf[128];
	struct vas_fault_info fi = { 0 };
	int err = vas_read(mm, DRV + pg * P + 64, buf, sizeof(buf), &fi);

	if (err == -EFAULT && fi.signo == VAS_SIGSEGV && !mapped)
		return;
	if (err) {
		bad("driver page %lu: %s (signal %d)", pg, vas_strerror(err),
		    fi.signo);
		return;
	}
	if (!all(buf, sizeof(buf), drv_byte(pg)) &&
	    (mapped || !all(buf, sizeof(buf), 0)))
		bad("driver page %lu holds %#x", pg, buf[0]);
	inc(K_DRV_READ);
}

static void *driver_main(void *arg)
{
	uint64_t seed = thread_seed(70);
	unsigned long got;

	(void)arg;
	while (!stopping()) {
		unsigned long n = 1 + rnd(&seed) % DRV_PAGES;
		int err = vas_mmap(S.a, DRV, n * P, VAS_PROT_READ,
				   VAS_MAP_SHARED | VAS_MAP_FIXED, S.drv, 0,
				   &got);

		if (err) {
			bad("driver mmap: %s", vas_strerror(err));
			continue;
		}
		inc(K_DRV_MAP);
		for (int k = 0; k < 8; k++)
			drv_check(S.a, rnd(&seed) % n, true);
		/* the writers' mprotect never reaches here: refused anyway */
		err = vas_mprotect(S.a, DRV, n * P, RW);
		if (err != -EACCES)
			bad("driver mprotect RW: %s", vas_strerror(err));
		if (rnd(&seed) % 2) {
			err = vas_mmap(S.a, DRV, n * P, RW, PRIV, NULL, 0, &got);
			legal("driver overmap", err, 0, 0, 0);
			drv_check(S.a, rnd(&seed) % n, false);
			inc(K_DRV_OVERMAP);
		}
		legal("driver munmap", vas_munmap(S.a, DRV, DRV_PAGES * P), 0,
		      0, 0);
	}
	return NULL;
}

/* Readers of the driver range that do not know what is mapped there. */
static void *drv_reader_main(void *arg)
{
	uint64_t seed = thread_seed(71);

	(void)arg;
	while (!stopping())
		drv_check(S.a, rnd(&seed) % DRV_PAGES, false);
	return NULL;
}

/* ---- main ------------------------------------------------------------------- */

static void print_counts(FILE *out, const char *what, double elapsed)
{
	fprintf(out, "# %s after %.0f s:\n", what, elapsed);
	for (int k = 0; k < K_NR; k++)
		fprintf(out, "#   %-36s %lu\n", kind_name[k],
			__atomic_load_n(&S.count[k], __ATOMIC_RELAXED));
}

/* The machine's counters: printed, and the pairs that must balance. */
static void check_machine_counters(void)
{
	static const enum vas_stat pairs[][2] = {
		{ VAS_STAT_MM_CREATE, VAS_STAT_MM_TEARDOWN },
		{ VAS_STAT_VMA_ALLOC, VAS_STAT_VMA_FREE },
		{ VAS_STAT_PGALLOC, VAS_STAT_PGFREE },
		{ VAS_STAT_FOLL_PIN_ACQUIRED, VAS_STAT_FOLL_PIN_RELEASED },
	};

	printf("# machine counters:\n");
	for (int i = 0; vas_stat_name((enum vas_stat)i); i++)
		printf("#   %-36s %" PRIu64 "\n", vas_stat_name((enum vas_stat)i),
		       vas_stat_read(S.m, (enum vas_stat)i));
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint64_t a = vas_stat_read(S.m, pairs[i][0]);
		uint64_t b = vas_stat_read(S.m, pairs[i][1]);

		if (a != b)
			bad("%s %" PRIu64 " but %s %" PRIu64 " at the end",
			    vas_stat_name(pairs[i][0]), a,
			    vas_stat_name(pairs[i][1]), b);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: soak [--seconds N] [--seed S]\n"
			"  N: $VAS_SOAK_SECONDS, else 10; S: $VAS_SEED, else "
			"from the clock\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *env = getenv("VAS_SOAK_SECONDS");
	double seconds = env && *env ? strtod(env, NULL) : 10;
	struct vas_machine_config cfg;
	pthread_t th[32];
	int nth = 0, err;
	long live0;
	double start, next_print;
	unsigned long got;

	env = getenv("VAS_SEED");
	if (env && *env) {
		S.seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		S.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			S.seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (!(seconds > 0))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# soak: %.0f s, seed %llu (replay the choices with --seed "
	       "%llu)\n", seconds, (unsigned long long)S.seed,
	       (unsigned long long)S.seed);

	live0 = vas_alloc_live();
	pthread_mutex_init(&S.slot_lock, NULL);
	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 512UL << 20;
	if (vas_machine_create(&cfg, &S.m) || vas_mm_create(S.m, &S.a) ||
	    vas_mm_create(S.m, &S.x) || vas_mm_create(S.m, &S.y)) {
		fprintf(stderr, "soak: setup failed\n");
		return 1;
	}
	for (int i = 0; i < NFAULTERS; i++)
		if (vas_mmap(S.a, OWN(i), OWN_PAGES * P, RW, PRIV, NULL, 0,
			     &got)) {
			fprintf(stderr, "soak: setup failed\n");
			return 1;
		}
	for (unsigned long i = 0; i < DRV_PAGES; i++) {
		S.drv_pages[i] = vas_page_alloc(S.m);
		if (!S.drv_pages[i]) {
			fprintf(stderr, "soak: setup failed\n");
			return 1;
		}
		memset(vas_page_address(S.drv_pages[i]), drv_byte(i), P);
	}
	if (vas_file_create(S.m, &drv_file_ops, NULL, VAS_FMODE_READ,
			    "soak-driver", &S.drv)) {
		fprintf(stderr, "soak: setup failed\n");
		return 1;
	}

#define START(fn, arg)                                                      \
	do {                                                                 \
		if (pthread_create(&th[nth++], NULL, fn,                     \
				   (void *)(uintptr_t)(arg))) {              \
			fprintf(stderr, "soak: pthread_create failed\n");    \
			return 1;                                            \
		}                                                            \
	} while (0)
	for (int i = 0; i < NFAULTERS; i++)
		START(faulter_main, i);
	for (int i = 0; i < NWRITERS; i++)
		START(writer_main, i);
	for (int i = 0; i < NREADERS; i++)
		START(reader_main, i);
	START(forker_main, 0);
	START(life_main, 0);
	for (int i = 0; i < NGETTERS; i++)
		START(getter_main, i);
	START(recycler_main, 0);
	START(rec_checker_main, 0);
	START(driver_main, 0);
	START(drv_reader_main, 0);

	start = now();
	next_print = start + 60;
	while (now() < start + seconds) {
		sleep_us(100 * 1000);
		if (vas_mm_validate(S.a) || vas_mm_validate(S.x) ||
		    vas_mm_validate(S.y))
			bad("validator failed");
		inc(K_VALIDATE);
		if (now() >= next_print) {
			print_counts(stdout, "operations so far", now() - start);
			next_print += 60;
		}
		if (__atomic_load_n(&S.bad, __ATOMIC_RELAXED) > 100)
			break;	/* enough to go on */
	}
	__atomic_store_n(&S.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);

	if (vas_mm_validate(S.a) || vas_mm_validate(S.x) ||
	    vas_mm_validate(S.y))
		bad("validator failed at the end");
	vas_mm_put(S.a);
	vas_mm_put(S.x);
	vas_mm_put(S.y);
	vas_machine_flush(S.m);
	if (__atomic_load_n(&S.drv_vmas, __ATOMIC_RELAXED) != 0)
		bad("driver VMAs: %ld left (hooks + opens - closes)",
		    S.drv_vmas);
	vas_file_put(S.drv);
	for (unsigned long i = 0; i < DRV_PAGES; i++)
		vas_page_put(S.drv_pages[i]);
	check_machine_counters();
	err = vas_machine_destroy(S.m);
	if (err)
		bad("vas_machine_destroy: %s", vas_strerror(err));
	if (vas_alloc_live() != live0)
		bad("leak: %ld allocations live, %ld before the run",
		    vas_alloc_live(), live0);
	pthread_mutex_destroy(&S.slot_lock);

	print_counts(stdout, "operations", now() - start);
	printf("# %lu errors\n", S.bad);
	printf("%s\n", S.bad ? "soak: FAILED" : "soak: ok");
	return S.bad ? 1 : 0;
}
