// SPDX-License-Identifier: MIT
/*
 * demo.c - the core of vas at work.
 *
 * Two reader threads look up random addresses the way a page-fault handler
 * does: vas_lock_vma_under_rcu() first, and on failure the mmap read lock
 * and vas_vma_lookup(). Meanwhile a writer keeps changing the address
 * space: it splits VMAs, merges them back, replaces ranges (MAP_FIXED-like)
 * and unmaps and remaps. Every VMA a reader gets is checked to cover its
 * address and to belong to its address space. At the end the demo prints
 * the layout, what each side did, and the machine's lock statistics.
 *
 * Mapping system calls arrive with the next layer; until then the writer
 * uses the internal VMA operations (src/vma/vma.h), so this program links
 * the white-box library.
 *
 * Usage: vas_demo [SECONDS]   (default 1)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vas/vas.h>
#include "mm/mm.h"
#include "vma/vma.h"

#define W 0x200000000000UL
#define P 4096UL
#define SLOTS 64UL		/* the window holds up to 64 VMAs of 4 pages */
#define FLAGS (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_MAYREAD | VAS_VM_MAYWRITE)

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

static void *reader(void *arg)
{
	struct reader_stats *st = arg;
	uint64_t seed = (uint64_t)(uintptr_t)arg | 1;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		unsigned long addr = W + next_rand(&seed) % (SLOTS * 4 * P);
		struct vas_vma_read_guard *guard;
		struct vas_vma_ref *vma;

		if (vas_lock_vma_under_rcu(user, addr, &guard)) {
			/* the per-VMA lock path: no mmap lock taken */
			vma = vas_vma_read_guard_vma(guard);
			if (vas_vma_start(vma) > addr || vas_vma_end(vma) <= addr ||
			    vas_vma_mm(vma) != user)
				st->wrong++;
			vas_vma_end_read(guard);
			st->fast++;
			continue;
		}
		vas_mmap_read_lock(user);	/* fallback, as Linux does */
		vma = vas_vma_lookup(user, addr);
		if (vma && (vas_vma_start(vma) > addr || vas_vma_end(vma) <= addr))
			st->wrong++;
		if (!vma)
			st->hole++;
		vas_mmap_read_unlock(user);
		st->slow++;
	}
	return NULL;
}

static struct vm_area_struct *new_vma(struct mm_struct *mm, unsigned long s,
				      unsigned long e)
{
	struct vm_area_struct *v = vm_area_alloc(mm);

	if (v) {
		v->vm_start = s;
		v->vm_end = e;
		v->vm_flags = FLAGS;
		v->vm_pgoff = s / P;
	}
	return v;
}

/* Remove every VMA in [a, b). Context: mmap lock held for write. */
static void unmap_range(struct mm_struct *mm, unsigned long a, unsigned long b)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma;
	unsigned long s;

	while ((vma = rt_find(&mm->mm_mt, a, &s, NULL)) && s < b)
		if (vma_remove(mm, vma))
			break;
}

/*
 * One change to one 4-page slot:
 *   empty slot        map [a, a+3P) again (MAP_FIXED-like replace)
 *   1) split at a+P and merge back, or merge a one-page VMA with its
 *      neighbour
 *   2) replace the middle page by a new VMA
 *   3) unmap the slot
 */
static void writer_round(struct mm_struct *mm, uint64_t *seed, unsigned long *ops)
	VAS_REQUIRES(mm)
{
	unsigned long a = W + (next_rand(seed) % SLOTS) * 4 * P;
	struct vm_area_struct *vma = rt_lookup(&mm->mm_mt, a, NULL, NULL), *n;
	unsigned long s;

	(*ops)++;
	if (!vma) {
		n = new_vma(mm, a, a + 3 * P);
		if (n && vma_replace_range(mm, n))
			vm_area_free(n);
		return;
	}
	switch (next_rand(seed) % 3) {
	case 0:
		if (vma_pages(vma) > 1) {
			if (vma_split(mm, vma, a + P, false, &n) == 0 &&
			    vma_merge_next(mm, vma, n) == 0)
				(*ops)++;
		} else {
			n = rt_next(&mm->mm_mt, vma->vm_end, &s, NULL);
			if (n && s == vma->vm_end && s < a + 4 * P &&
			    vma_merge_next(mm, vma, n))
				return;
		}
		break;
	case 1:
		n = new_vma(mm, a + P, a + 2 * P);
		if (n && vma_replace_range(mm, n))
			vm_area_free(n);
		break;
	default:
		unmap_range(mm, a, a + 4 * P);
		break;
	}
}

static void print_layout(const char *title)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	int n = 0;

	vas_mmap_read_lock(user);
	printf("%s: %d VMAs\n", title, vas_mm_map_count(user));
	vas_vma_iter_init(&it, user, 0, ~0UL);
	while ((v = vas_vma_iter_next(&it, user))) {
		if (n++ < 6)
			printf("  %012lx-%012lx flags %#06lx pgoff %lx\n",
			       vas_vma_start(v), vas_vma_end(v), vas_vma_flags(v),
			       vas_vma_pgoff(v));
	}
	if (n > 6)
		printf("  ... %d more\n", n - 6);
	vas_mmap_read_unlock(user);
	if (vas_mm_validate(user))
		printf("  VALIDATION FAILED\n");
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0, t0;
	struct reader_stats rs[2] = { { 0 } };
	struct vas_machine *machine;
	struct mm_struct *mm;
	unsigned long ops = 0, wrong;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	pthread_t t[2];
	int err;

	err = vas_machine_create(NULL, &machine);
	if (!err)
		err = vas_mm_create(machine, &user);
	if (err) {
		fprintf(stderr, "vas_demo: %s\n", vas_strerror(err));
		return 1;
	}
	mm = mm_of_user(user);
	mmap_write_lock(mm);
	for (unsigned long i = 0; i < SLOTS; i++) {
		struct vm_area_struct *v = new_vma(mm, W + i * 4 * P, W + i * 4 * P + 3 * P);

		if (!v || vma_link(mm, v)) {
			mmap_write_unlock(mm);
			return 1;
		}
	}
	mmap_write_unlock(mm);
	printf("vas %d.%d.%d demo: 2 readers (VMA lock under RCU, mmap-lock fallback) "
	       "vs 1 writer, %.1f s\n\n", VAS_VERSION_MAJOR, VAS_VERSION_MINOR,
	       VAS_VERSION_PATCH, secs);
	print_layout("before");

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, &rs[i]);
	t0 = now();
	while (now() - t0 < secs) {
		mmap_write_lock(mm);
		writer_round(mm, &seed, &ops);
		mmap_write_unlock(mm);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	printf("\n");
	print_layout("after");
	wrong = rs[0].wrong + rs[1].wrong;
	printf("\nreaders: %lu lookups under a VMA lock, %lu under the mmap lock "
	       "(%lu found a hole); %lu wrong\n",
	       rs[0].fast + rs[1].fast, rs[0].slow + rs[1].slow,
	       rs[0].hole + rs[1].hole, wrong);
	printf("writer:  %lu changes (split, merge, replace, unmap, remap)\n\n", ops);
	printf("machine statistics:\n");
	vas_stats_print(machine, stdout);

	vas_mm_put(user);
	err = vas_machine_destroy(machine);
	return wrong || err ? 1 : 0;
}
