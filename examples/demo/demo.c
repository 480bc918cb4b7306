// SPDX-License-Identifier: MIT
/*
 * demo.c - the core of vas at work, on the public API only.
 *
 * Two reader threads look up random addresses the way a page-fault handler
 * does: vas_lock_vma_under_rcu() first, and when that fails the mmap read
 * lock and vas_vma_lookup(). Meanwhile a writer keeps changing the address
 * space with the mapping calls: it splits VMAs and merges them back
 * (vas_mprotect), replaces pages by new mappings (vas_mmap with
 * MAP_FIXED), and unmaps and maps again (vas_munmap, vas_mmap). Every VMA a
 * reader gets is checked: it covers its address, belongs to its address
 * space and has one of the two protections the writer uses. At the end the
 * demo prints the layout, what each side did, and the machine's lock
 * statistics, and exits 1 if anything was wrong.
 *
 * Usage: vas_demo [SECONDS]   (default 1)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL
#define SLOTS 64UL		/* the window holds up to 64 VMAs of 3 pages */
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED)

struct reader_stats {
	unsigned long fast, slow, hole, wrong;
};

static struct vas_mm_user *user;
static int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Is @vma what a reader may see at @addr: a VMA of this address space that
 * covers @addr, read-write or read-only, with the flags mmap gives private
 * anonymous memory? Context: the lock @vma came from is held.
 */
static bool vma_ok(struct vas_vma_ref *vma, unsigned long addr)
{
	unsigned long flags = vas_vma_flags(vma);
	unsigned long access = flags & VAS_VM_ACCESS_FLAGS;

	return vas_vma_start(vma) <= addr && addr < vas_vma_end(vma) &&
	       vas_vma_mm(vma) == user && vas_vma_file(vma) == NULL &&
	       (access == VAS_VM_READ ||
		access == (VAS_VM_READ | VAS_VM_WRITE)) &&
	       !(flags & VAS_VM_SHARED);
}

static void *reader(void *arg)
{
	struct reader_stats *st = arg;
	uint64_t seed = (uint64_t)(uintptr_t)arg | 1;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		unsigned long addr = W + next_rand(&seed) % (SLOTS * 4 * P);
		struct vas_vma_read_guard *guard;

		if (vas_lock_vma_under_rcu(user, addr, &guard)) {
			/* the per-VMA lock: no mmap lock taken */
			if (!vma_ok(vas_vma_read_guard_vma(guard), addr))
				st->wrong++;
			vas_vma_end_read(guard);
			st->fast++;
			continue;
		}
		/* no VMA there, or it is being changed: as Linux falls back */
		VAS_MMAP_READ_BEGIN(user);
		struct vas_vma_ref *vma = vas_vma_lookup(user, addr);

		if (!vma)
			st->hole++;
		else if (!vma_ok(vma, addr))
			st->wrong++;
		VAS_MMAP_READ_END(user);
		st->slow++;
	}
	return NULL;
}

/*
 * One change to one slot of 4 pages, [a, a + 4P), which holds nothing or
 * the mapping [a, a + 3P) (in one to three VMAs) and a free page:
 *   empty slot   map [a, a + 3P) again                       (mmap)
 *   0            split at a + P and merge back               (mprotect x2)
 *   1            replace the middle page by a read-only one   (mmap fixed)
 *   2            make the middle page writable: it merges     (mprotect)
 *   3            unmap the slot                               (munmap)
 * Return: the number of calls made, or -1 if a call failed.
 */
static int writer_round(uint64_t *seed)
{
	unsigned long a = W + (next_rand(seed) % SLOTS) * 4 * P, got;
	bool empty;
	int err;

	VAS_MMAP_READ_BEGIN(user);
	empty = vas_find_vma_intersection(user, a, a + 4 * P) == NULL;
	VAS_MMAP_READ_END(user);
	/* the writer alone changes the layout: what it saw still holds */
	if (empty) {
		err = vas_mmap(user, a, 3 * P, RW, ANON, NULL, 0, &got);
		return err || got != a ? -1 : 1;
	}
	switch (next_rand(seed) % 4) {
	case 0:
		err = vas_mprotect(user, a, P, VAS_PROT_READ);
		if (!err)
			err = vas_mprotect(user, a, P, RW);
		return err ? -1 : 2;
	case 1:
		err = vas_mmap(user, a + P, P, VAS_PROT_READ, ANON, NULL, 0,
			       &got);
		return err || got != a + P ? -1 : 1;
	case 2:
		return vas_mprotect(user, a + P, P, RW) ? -1 : 1;
	default:
		return vas_munmap(user, a, 4 * P) ? -1 : 1;
	}
}

/* Print the first VMAs of the layout and check the address space. */
static int print_layout(const char *title)
{
	struct vas_vma_iter it;
	int n = 0;

	VAS_MMAP_READ_BEGIN(user);
	struct vas_vma_ref *v;

	printf("%s: %d VMAs\n", title, vas_mm_map_count(user));
	vas_vma_iter_init(&it, user, 0, ~0UL);
	while ((v = vas_vma_iter_next(&it, user))) {
		unsigned long flags;
		char codes[64];

		if (n++ >= 6)
			continue;
		flags = vas_vma_flags(v);
		vas_vm_flags_codes(flags, codes, sizeof(codes));
		printf("  %012lx-%012lx %c%c  %s\n", vas_vma_start(v),
		       vas_vma_end(v), flags & VAS_VM_READ ? 'r' : '-',
		       flags & VAS_VM_WRITE ? 'w' : '-', codes);
	}
	VAS_MMAP_READ_END(user);
	if (n > 6)
		printf("  ... %d more\n", n - 6);
	if (vas_mm_validate(user)) {
		printf("  VALIDATION FAILED\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0, t0;
	struct reader_stats rs[2] = { { 0 } };
	struct vas_machine *machine;
	unsigned long ops = 0, wrong;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int err, bad = 0, i;
	pthread_t t[2];

	err = vas_machine_create(NULL, &machine);
	if (err) {
		fprintf(stderr, "vas_demo: %s\n", vas_strerror(err));
		return 1;
	}
	err = vas_mm_create(machine, &user);
	if (err) {
		fprintf(stderr, "vas_demo: %s\n", vas_strerror(err));
		if (vas_machine_destroy(machine))
			fprintf(stderr, "vas_demo: the machine stays\n");
		return 1;
	}
	for (unsigned long s = 0; s < SLOTS && !err; s++) {
		unsigned long got;

		err = vas_mmap(user, W + s * 4 * P, 3 * P, RW, ANON, NULL, 0,
			       &got);
	}
	if (err) {
		fprintf(stderr, "vas_demo: mmap: %s\n", vas_strerror(err));
		bad = 1;
		goto out;
	}
	printf("vas %d.%d.%d demo: 2 readers (VMA lock under RCU, mmap-lock "
	       "fallback) vs 1 writer, %.1f s\n\n", VAS_VERSION_MAJOR,
	       VAS_VERSION_MINOR, VAS_VERSION_PATCH, secs);
	bad |= print_layout("before");

	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, reader, &rs[i])) {
			fprintf(stderr, "vas_demo: pthread_create failed\n");
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			while (i--)
				pthread_join(t[i], NULL);
			bad = 1;
			goto out;
		}
	t0 = now();
	while (now() - t0 < secs) {
		int n = writer_round(&seed);

		if (n < 0) {
			fprintf(stderr, "vas_demo: a change of the layout "
				"failed\n");
			bad = 1;
			break;
		}
		ops += (unsigned long)n;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	printf("\n");
	bad |= print_layout("after");
	wrong = rs[0].wrong + rs[1].wrong;
	printf("\nreaders: %lu lookups under a VMA lock, %lu under the mmap "
	       "lock (%lu found a hole); %lu wrong\n",
	       rs[0].fast + rs[1].fast, rs[0].slow + rs[1].slow,
	       rs[0].hole + rs[1].hole, wrong);
	printf("writer:  %lu calls (mmap, mprotect, munmap)\n\n", ops);
	printf("machine statistics:\n");
	vas_stats_print(machine, stdout);
	if (wrong || ops == 0)
		bad = 1;
out:
	vas_mm_put(user);
	err = vas_machine_destroy(machine);
	if (err) {
		fprintf(stderr, "vas_demo: vas_machine_destroy: %s\n",
			vas_strerror(err));
		bad = 1;
	}
	return bad;
}
