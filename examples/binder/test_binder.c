// SPDX-License-Identifier: MIT
/*
 * test_binder.c - the binder example driver (binder.c) against the public
 * vas API: what its mmap hook makes of a VMA, pages installed on demand
 * and reclaimed, fork, the 4 MiB cap, process exit (also while the
 * shrinker holds the last user), the regression test for "check ownership
 * before using vma", and a time-boxed race of user readers, the
 * allocator, the shrinker and unmap-and-remap of the buffer.
 *
 * Time box of the race: $VAS_STRESS_SECONDS (default 2) seconds, however
 * many remaps that is (procs are released as new ones replace them).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "binder.h"
#include "harness.h"

#define W 0x200000000000UL
#define P BINDER_PAGE_SIZE
#define FILL 0x5a		/* what the test writes into anonymous memory */

/* What binder's VMA must look like. */
#define BINDER_SET (VAS_VM_READ | VAS_VM_MAYREAD | VAS_VM_DONTCOPY | VAS_VM_MIXEDMAP)
#define BINDER_CLEAR (VAS_VM_WRITE | VAS_VM_MAYWRITE | VAS_VM_SHARED)

struct fixture {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct binder_dev *dev;
};

/* The insert hook's record: every insert must go into the proc's own VMA. */
struct insert_rec {
	unsigned long base;	/* where every binder VMA of the test starts */
	unsigned long calls;	/* (a) */
	unsigned long foreign;	/* (a) inserts into a VMA not the proc's */
};

static void insert_hook(struct binder_proc *proc, enum binder_hook_point point,
			struct vas_vma_ref *vma, unsigned long addr, void *arg)
{
	struct insert_rec *rec = arg;
	unsigned long fl = vas_vma_flags(vma);
	bool own = vas_vma_private(vma) == proc &&
		   vas_vma_file(vma) == binder_proc_file(proc) &&
		   (fl & BINDER_SET) == BINDER_SET && !(fl & BINDER_CLEAR) &&
		   vas_vma_start(vma) == rec->base && addr >= rec->base &&
		   addr < vas_vma_end(vma);

	if (point != BINDER_HOOK_INSERT)
		return;
	__atomic_add_fetch(&rec->calls, 1, __ATOMIC_RELAXED);
	if (!own)
		__atomic_add_fetch(&rec->foreign, 1, __ATOMIC_RELAXED);
}

static void fixture_init(struct fixture *f, struct insert_rec *rec)
{
	ASSERT_EQ(vas_machine_create(NULL, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
	ASSERT_EQ(binder_dev_create(f->m, &f->dev), 0);
	if (rec)
		binder_dev_set_hook(f->dev, insert_hook, rec);
}

/*
 * End of a test: the process exits (if @mm_alive), every proc must be gone
 * with every page freed, none of them while still mapped (unless the test
 * made that happen on purpose: @dropped_mapped).
 */
static void fixture_fini(struct fixture *f, bool mm_alive,
			 unsigned long dropped_mapped)
{
	struct binder_stats st;

	if (mm_alive) {
		EXPECT_EQ(vas_mm_validate(f->mm), 0);
		vas_mm_put(f->mm);
	}
	binder_dev_stats(f->dev, &st);
	EXPECT_EQ(st.procs, 0);
	EXPECT_EQ(st.pages_alloc, st.pages_freed);
	EXPECT_EQ(st.dropped_mapped, dropped_mapped);
	EXPECT_EQ(binder_lru_count(f->dev), 0);
	EXPECT_EQ(binder_dev_destroy(f->dev), 0);
	EXPECT_EQ(vas_machine_destroy(f->m), 0);
}

static int map_binder(struct vas_mm_user *mm, struct binder_proc *proc,
		      unsigned long addr, unsigned long len)
{
	unsigned long got = 0;
	int err = vas_mmap(mm, addr, len, VAS_PROT_READ,
			   VAS_MAP_PRIVATE | VAS_MAP_FIXED | VAS_MAP_NORESERVE,
			   binder_proc_file(proc), 0, &got);

	if (!err && got != addr)
		return -EADDRNOTAVAIL;
	return err;
}

static int map_anon(struct vas_mm_user *mm, unsigned long addr,
		    unsigned long len)
{
	unsigned long got = 0;

	return vas_mmap(mm, addr, len, VAS_PROT_READ | VAS_PROT_WRITE,
			VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			NULL, 0, &got);
}

/* Does the page at @buf hold exactly page @idx of proc @id, generation @gen? */
static bool is_pattern(const void *buf, unsigned int id, unsigned long idx,
		       unsigned int gen)
{
	unsigned int pid, pgen;
	unsigned long pidx;

	return binder_pattern_decode(buf, &pid, &pidx, &pgen) && pid == id &&
	       pidx == idx && pgen == gen;
}

/* Is every byte of the page at @buf equal to @byte? */
static bool is_filled(const unsigned char *buf, unsigned char byte)
{
	size_t i;

	for (i = 0; i < P; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

/* Read one page; expect the proc's pattern of @idx in generation @gen. */
static void expect_page(struct vas_mm_user *mm, unsigned long addr,
			struct binder_proc *proc, unsigned long idx,
			unsigned int gen)
{
	static unsigned char buf[P];
	struct vas_fault_info fi = { 0 };

	EXPECT_EQ(vas_read(mm, addr, buf, P, &fi), 0);
	EXPECT_TRUE(is_pattern(buf, binder_proc_id(proc), idx, gen));
}

/* Read one page; expect the access to stop at it with @signo. */
static void expect_fault(struct vas_mm_user *mm, unsigned long addr, int signo)
{
	unsigned char buf[64];
	struct vas_fault_info fi = { 0 };

	EXPECT_EQ(vas_read(mm, addr, buf, sizeof(buf), &fi), -EFAULT);
	EXPECT_EQ(fi.signo, signo);
	EXPECT_EQ(fi.addr, addr);
}

/* Resident kB of the VMA at @addr (vas_vma_mem_stats, smaps' Rss). */
static unsigned long vma_rss_kb(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_mem mem = { 0 };
	struct vas_vma_ref *vma;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma)
		vas_vma_mem_stats(vma, &mem);
	vas_mmap_read_unlock(mm);
	return vma ? mem.rss_kb : ~0UL;
}

/*
 *  W                  W+16P
 *  |   binder (r--)   |
 */
TEST(binder_mmap_hook_sets_up_a_read_only_vma)
{
	struct fixture f;
	struct binder_proc *proc;
	struct vas_mm_user *other;
	struct binder_stats st;
	unsigned long a, start, size;

	fixture_init(&f, NULL);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	EXPECT_FALSE(binder_proc_buffer(proc, &start, &size));

	/* a writable mapping: the hook refuses it (binder: FORBIDDEN_MMAP_FLAGS) */
	EXPECT_EQ(vas_mmap(f.mm, W, 16 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			   VAS_MAP_PRIVATE | VAS_MAP_FIXED, binder_proc_file(proc),
			   0, &a), -EPERM);
	EXPECT_EQ(vas_mmap(f.mm, W, 16 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, binder_proc_file(proc),
			   0, &a), -EPERM);
	/* another address space than the opener's: refused */
	ASSERT_EQ(vas_mm_create(f.m, &other), 0);
	EXPECT_EQ(map_binder(other, proc, W, 16 * P), -EINVAL);
	vas_mm_put(other);

	ASSERT_EQ(map_binder(f.mm, proc, W, 16 * P), 0);
	EXPECT_TRUE(binder_proc_buffer(proc, &start, &size));
	EXPECT_EQ(start, W);
	EXPECT_EQ(size, 16 * P);
	vas_mmap_read_lock(f.mm);
	{
		struct vas_vma_ref *v = vas_vma_lookup(f.mm, W);
		unsigned long fl = v ? vas_vma_flags(v) : 0;

		EXPECT_NOT_NULL(v);
		if (v) {
			EXPECT_EQ(vas_vma_start(v), W);
			EXPECT_EQ(vas_vma_end(v), W + 16 * P);
			EXPECT_EQ(fl & BINDER_SET, BINDER_SET);
			EXPECT_EQ(fl & BINDER_CLEAR, 0);
			EXPECT_PTR_EQ(vas_vma_private(v), proc);
			EXPECT_PTR_EQ(vas_vma_file(v), binder_proc_file(proc));
			EXPECT_NOT_NULL(vas_vma_as_mixedmap(v));
		}
	}
	vas_mmap_read_unlock(f.mm);

	/* VM_MAYWRITE is gone: never writable, not even through mprotect */
	EXPECT_EQ(vas_mprotect(f.mm, W, 16 * P, VAS_PROT_READ | VAS_PROT_WRITE),
		  -EACCES);
	EXPECT_EQ(vas_mprotect(f.mm, W, P, VAS_PROT_READ | VAS_PROT_WRITE),
		  -EACCES);
	/* one mapping per open (binder: "already mapped") */
	EXPECT_EQ(map_binder(f.mm, proc, W + 32 * P, 4 * P), -EBUSY);
	/* user writes fault */
	EXPECT_EQ(vas_fill(f.mm, W, 1, 1, NULL), -EFAULT);
	/* maps prints the file's name */
	{
		char buf[4096] = { 0 };
		FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");

		ASSERT_NOT_NULL(out);
		EXPECT_EQ(vas_proc_maps_print(f.mm, out), 0);
		fclose(out);
		EXPECT_NOT_NULL(strstr(buf, " r--p 00000000 "));
		EXPECT_NOT_NULL(strstr(buf, "/dev/binder\n"));
	}

	/*
	 * A hole punched into the buffer: as in Linux, the parts below and
	 * above it are new VMA objects (two vm_ops->open) and the page in
	 * between goes with the old one (vm_ops->close). The driver installs
	 * only into the VMA that starts where its mapping started.
	 *
	 *  W              W+8P W+9P           W+16P
	 *  | binder        |    | split-off    |
	 */
	EXPECT_EQ(vas_munmap(f.mm, W + 8 * P, P), 0);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.vma_opens, 2);
	EXPECT_EQ(st.vma_closes, 1);
	EXPECT_EQ(binder_use_range(proc, 2, 1), 0);
	EXPECT_EQ(binder_use_range(proc, 8, 1), -ESRCH);	/* the hole */
	EXPECT_EQ(binder_use_range(proc, 10, 1), -ESRCH);	/* split-off */
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.inserted, 1);
	EXPECT_EQ(st.no_vma, 1);
	EXPECT_EQ(st.not_owned, 1);
	expect_page(f.mm, W + 2 * P, proc, 2, 1);
	expect_fault(f.mm, W + 8 * P, VAS_SIGSEGV);
	expect_fault(f.mm, W + 10 * P, VAS_SIGBUS);
	binder_stop_using_range(proc, 2, 1);

	EXPECT_EQ(vas_munmap(f.mm, W, 16 * P), 0);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.vma_opens, 2);
	EXPECT_EQ(st.vma_closes, 3);
	EXPECT_EQ(st.procs, 1);
	binder_close(proc);	/* no mapping holds the file: released, freed */
	fixture_fini(&f, true, 0);
}

/*
 *  W    W+P  W+2P W+3P W+4P           W+8P
 *  | p0 | p1 | p2 | p3 |   (absent)   |     binder VMA, pages inserted
 */
TEST(binder_pages_on_demand_and_shrinker)
{
	struct insert_rec rec = { .base = W };
	struct fixture f;
	struct binder_proc *proc;
	struct vas_page *pg[4], *own;
	struct binder_stats st;
	unsigned long i;

	fixture_init(&f, &rec);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	ASSERT_EQ(map_binder(f.mm, proc, W, 8 * P), 0);

	/* nothing inserted yet: a driver VMA without fault handler SIGBUSes */
	expect_fault(f.mm, W, VAS_SIGBUS);
	EXPECT_EQ(vma_rss_kb(f.mm, W), 0);

	ASSERT_EQ(binder_use_range(proc, 0, 4), 0);
	EXPECT_EQ(rec.calls, 4);
	EXPECT_EQ(rec.foreign, 0);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(binder_proc_page_gen(proc, i), 1);
		expect_page(f.mm, W + i * P, proc, i, 1);
		pg[i] = binder_proc_page_get(proc, i);
		ASSERT_NOT_NULL(pg[i]);
		EXPECT_EQ(vas_page_mapcount(pg[i]), 1);
	}
	expect_fault(f.mm, W + 4 * P, VAS_SIGBUS);
	EXPECT_EQ(vma_rss_kb(f.mm, W), 4 * P / 1024);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 4);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 0);
	/* outside the buffer */
	EXPECT_EQ(binder_use_range(proc, 7, 2), -EINVAL);
	EXPECT_EQ(binder_proc_page_gen(proc, 7), 0);	/* all or nothing */

	/* vm_insert_page itself: outside the VMA, occupied, misaligned */
	ASSERT_NOT_NULL(own = vas_page_alloc(f.m));
	vas_mmap_read_lock(f.mm);
	{
		struct vas_vma_ref *v = vas_vma_lookup(f.mm, W);
		struct vas_vma_mixedmap *mix = v ? vas_vma_as_mixedmap(v) : NULL;

		EXPECT_NOT_NULL(mix);
		if (mix) {
			EXPECT_EQ(vas_vm_insert_page(mix, W + 8 * P, own), -EFAULT);
			EXPECT_EQ(vas_vm_insert_page(mix, W - P, own), -EFAULT);
			EXPECT_EQ(vas_vm_insert_page(mix, W, own), -EBUSY);
			EXPECT_EQ(vas_vm_insert_page(mix, W + 4 * P + 8, own),
				  -EINVAL);
		}
	}
	vas_mmap_read_unlock(f.mm);
	EXPECT_EQ(vas_page_mapcount(own), 0);
	vas_page_put(own);
	EXPECT_EQ(vma_rss_kb(f.mm, W), 4 * P / 1024);

	/* pinned pages are not reclaimable */
	EXPECT_EQ(binder_lru_count(f.dev), 0);
	EXPECT_EQ(binder_shrink(f.dev, 16), 0);
	binder_stop_using_range(proc, 0, 4);
	EXPECT_EQ(binder_lru_count(f.dev), 4);
	/* pinning again takes a page off the LRU, without a new install */
	ASSERT_EQ(binder_use_range(proc, 1, 1), 0);
	EXPECT_EQ(binder_lru_count(f.dev), 3);
	EXPECT_EQ(binder_proc_page_gen(proc, 1), 1);
	EXPECT_EQ(binder_shrink(f.dev, 2), 2);
	EXPECT_EQ(binder_shrink(f.dev, 16), 1);
	EXPECT_EQ(binder_lru_count(f.dev), 0);
	/* page 1 stayed; pages 0, 2 and 3 are zapped */
	EXPECT_EQ(vma_rss_kb(f.mm, W), P / 1024);
	EXPECT_EQ(vas_page_mapcount(pg[1]), 1);
	expect_page(f.mm, W + P, proc, 1, 1);
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		EXPECT_EQ(vas_page_mapcount(pg[i]), 0);
		expect_fault(f.mm, W + i * P, VAS_SIGBUS);
	}
	binder_stop_using_range(proc, 1, 1);
	EXPECT_EQ(binder_shrink(f.dev, 16), 1);
	EXPECT_EQ(vas_page_mapcount(pg[1]), 0);
	EXPECT_EQ(vma_rss_kb(f.mm, W), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 0);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.shrink_freed, 4);
	EXPECT_EQ(st.shrink_zapped, 4);
	/* the driver dropped its references; ours keep the pages */
	EXPECT_EQ(st.pages_alloc, 4);
	EXPECT_EQ(st.pages_freed, 4);
	for (i = 0; i < 4; i++)
		vas_page_put(pg[i]);

	/* used again: a new page, the next generation */
	ASSERT_EQ(binder_use_range(proc, 0, 1), 0);
	expect_page(f.mm, W, proc, 0, 2);
	binder_stop_using_range(proc, 0, 1);
	EXPECT_EQ(rec.calls, 5);
	EXPECT_EQ(rec.foreign, 0);

	/* the mapping goes with a page still in it; the driver keeps its own */
	EXPECT_EQ(vas_munmap(f.mm, W, 8 * P), 0);
	pg[0] = binder_proc_page_get(proc, 0);
	ASSERT_NOT_NULL(pg[0]);
	EXPECT_EQ(vas_page_mapcount(pg[0]), 0);
	vas_page_put(pg[0]);
	EXPECT_EQ(binder_use_range(proc, 2, 1), -ESRCH);	/* no VMA */
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.no_vma, 1);
	binder_close(proc);
	fixture_fini(&f, true, 0);
}

TEST(binder_vma_is_not_copied_by_fork)
{
	struct fixture f;
	struct binder_proc *proc;
	struct vas_mm_user *child;
	struct vas_page *pg;

	fixture_init(&f, NULL);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	ASSERT_EQ(map_binder(f.mm, proc, W, 4 * P), 0);
	ASSERT_EQ(binder_use_range(proc, 0, 2), 0);
	ASSERT_NOT_NULL(pg = binder_proc_page_get(proc, 0));

	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	vas_mmap_read_lock(child);
	EXPECT_NULL(vas_vma_lookup(child, W));
	EXPECT_EQ(vas_mm_map_count(child), 0);
	vas_mmap_read_unlock(child);
	EXPECT_EQ(vas_mm_rss(child, VAS_RSS_FILE), 0);
	expect_fault(child, W, VAS_SIGSEGV);
	EXPECT_EQ(vas_page_mapcount(pg), 1);	/* only the parent maps it */
	expect_page(f.mm, W, proc, 0, 1);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);

	binder_stop_using_range(proc, 0, 2);
	EXPECT_EQ(binder_shrink(f.dev, 8), 2);
	EXPECT_EQ(vas_page_mapcount(pg), 0);
	vas_page_put(pg);
	EXPECT_EQ(vas_munmap(f.mm, W, 4 * P), 0);
	binder_close(proc);
	fixture_fini(&f, true, 0);
}

/*
 *  W                              W+4M       W+4M+2P
 *  |  buffer: the first 4 MiB     | not used |
 */
TEST(binder_buffer_capped_at_4mib)
{
	struct fixture f;
	struct binder_proc *proc;
	unsigned long start, size;

	fixture_init(&f, NULL);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	/* binder accepts a larger mapping and uses only its first 4 MiB */
	ASSERT_EQ(map_binder(f.mm, proc, W, BINDER_MAX_BUFFER + 2 * P), 0);
	EXPECT_TRUE(binder_proc_buffer(proc, &start, &size));
	EXPECT_EQ(start, W);
	EXPECT_EQ(size, BINDER_MAX_BUFFER);
	EXPECT_EQ(binder_use_range(proc, BINDER_MAX_PAGES - 1, 1), 0);
	EXPECT_EQ(binder_use_range(proc, BINDER_MAX_PAGES, 1), -EINVAL);
	EXPECT_EQ(binder_use_range(proc, BINDER_MAX_PAGES - 1, 2), -EINVAL);
	expect_page(f.mm, W + BINDER_MAX_BUFFER - P, proc, BINDER_MAX_PAGES - 1, 1);
	expect_fault(f.mm, W + BINDER_MAX_BUFFER, VAS_SIGBUS);
	EXPECT_EQ(vma_rss_kb(f.mm, W), P / 1024);
	binder_stop_using_range(proc, BINDER_MAX_PAGES - 1, 1);
	EXPECT_EQ(vas_munmap(f.mm, W, BINDER_MAX_BUFFER + 2 * P), 0);
	binder_close(proc);
	fixture_fini(&f, true, 0);
}

/*
 * The process exits while one binder file is still open: installs fail at
 * vas_mm_get_not_zero(), the shrinker skips the proc's pages, and closing
 * the file frees them and drops the last count on the address space.
 * Another file was closed while still mapped: the teardown's unmap
 * releases it and frees its proc from inside the teardown.
 */
TEST(binder_process_exit)
{
	struct fixture f;
	struct binder_proc *proc, *gone;
	struct binder_stats st;

	fixture_init(&f, NULL);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	ASSERT_EQ(map_binder(f.mm, proc, W, 8 * P), 0);
	ASSERT_EQ(binder_use_range(proc, 0, 3), 0);
	binder_stop_using_range(proc, 1, 2);
	ASSERT_EQ(binder_open(f.dev, f.mm, &gone), 0);
	ASSERT_EQ(map_binder(f.mm, gone, W + 64 * P, 4 * P), 0);
	ASSERT_EQ(binder_use_range(gone, 0, 4), 0);
	binder_stop_using_range(gone, 0, 2);
	binder_close(gone);		/* the VMA still holds the file */
	/* the users' count and one per proc */
	EXPECT_EQ(vas_mm_count(vas_mm_from_user(f.mm)), 3);

	vas_mm_put(f.mm);		/* exit: the VMAs go, one proc stays */
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.vma_closes, 2);
	EXPECT_EQ(st.procs, 1);
	EXPECT_EQ(st.pages_freed, 4);	/* gone's, none of them still mapped */
	EXPECT_EQ(st.dropped_mapped, 0);
	EXPECT_EQ(binder_lru_count(f.dev), 2);
	EXPECT_EQ(binder_use_range(proc, 4, 1), -ESRCH);
	EXPECT_EQ(binder_shrink(f.dev, 8), 0);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.no_mm, 1);
	EXPECT_EQ(st.shrink_no_mm, 2);
	EXPECT_EQ(st.shrink_freed, 0);
	EXPECT_EQ(st.pages_freed, 5);	/* and the page of the failed install */
	binder_stop_using_range(proc, 0, 1);
	binder_close(proc);		/* frees 3 pages, drops the count */
	fixture_fini(&f, false, 0);
}

/* The process exits while the shrinker holds a user of its address space. */
struct exit_in_zap {
	struct vas_mm_user *mm;
	int users_before, users_after;
	bool exited;
};

static void *exit_thread(void *arg)
{
	struct exit_in_zap *x = arg;

	vas_mm_put(x->mm);		/* not the last user: returns at once */
	return NULL;
}

static void exit_in_zap_hook(struct binder_proc *proc,
			     enum binder_hook_point point,
			     struct vas_vma_ref *vma, unsigned long addr,
			     void *arg)
{
	struct exit_in_zap *x = arg;
	pthread_t t;

	(void)proc;
	(void)vma;
	(void)addr;
	if (point != BINDER_HOOK_ZAP || x->exited)
		return;
	x->users_before = vas_mm_users(vas_mm_from_user(x->mm));
	if (pthread_create(&t, NULL, exit_thread, x) == 0) {
		pthread_join(t, NULL);
		x->exited = true;
	}
	x->users_after = vas_mm_users(vas_mm_from_user(x->mm));
}

/*
 * The shrinker's user is the last one: its vas_mm_put_async() hands the
 * teardown to the machine's worker instead of running it under the
 * shrinker's locks.
 */
TEST(binder_shrinker_hands_the_teardown_to_the_worker)
{
	struct fixture f;
	struct exit_in_zap x = { 0 };
	struct binder_proc *proc;
	struct binder_stats st;

	fixture_init(&f, NULL);
	x.mm = f.mm;
	binder_dev_set_hook(f.dev, exit_in_zap_hook, &x);
	ASSERT_EQ(binder_open(f.dev, f.mm, &proc), 0);
	ASSERT_EQ(map_binder(f.mm, proc, W, 4 * P), 0);
	ASSERT_EQ(binder_use_range(proc, 0, 2), 0);
	binder_stop_using_range(proc, 0, 2);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_MM_TEARDOWN_ASYNC), 0);

	EXPECT_EQ(binder_shrink(f.dev, 1), 1);
	EXPECT_TRUE(x.exited);
	EXPECT_EQ(x.users_before, 2);	/* the process and the shrinker */
	EXPECT_EQ(x.users_after, 1);	/* the shrinker */
	vas_machine_flush(f.m);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_MM_TEARDOWN_ASYNC), 1);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.shrink_zapped, 1);
	EXPECT_EQ(st.vma_closes, 1);	/* the worker unmapped the buffer */
	/* the other page: the address space is gone now */
	EXPECT_EQ(binder_shrink(f.dev, 1), 0);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.shrink_no_mm, 1);
	binder_close(proc);
	fixture_fini(&f, false, 0);
}

/*
 * Regression test for the Rust Binder fix "check ownership before using
 * vma" (2026). Scenario: a process maps its binder buffer at W, unmaps it
 * and maps something else at W, while the driver still has the proc and
 * the address it recorded at mmap time. A page installed for the proc then
 * finds a VMA at W that is not the proc's.
 * Invariant broken without the check: the driver inserted its page into
 * whatever VMA covered the address, here the VMA of another binder file
 * (an anonymous VMA is refused by the type system already: no
 * VM_MIXEDMAP, so vas_vma_as_mixedmap() gives NULL).
 *
 *  1. W | A's binder VMA |    A installs page 0
 *  2. W | anonymous      |    A's install: refused (not_owned)
 *  3. W | B's binder VMA |    A's install: refused; B's: into B's VMA
 *  4. same, check off    :    A's page 3 lands in B's VMA (the bug)
 */
TEST(binder_regression_check_ownership_before_using_vma)
{
	struct insert_rec rec = { .base = W };
	struct fixture f;
	struct binder_proc *a, *b;
	struct binder_stats st;
	unsigned char buf[P];
	struct vas_fault_info fi;
	unsigned long i;

	fixture_init(&f, &rec);
	ASSERT_EQ(binder_open(f.dev, f.mm, &a), 0);
	ASSERT_EQ(map_binder(f.mm, a, W, 8 * P), 0);
	ASSERT_EQ(binder_use_range(a, 0, 1), 0);
	expect_page(f.mm, W, a, 0, 1);

	/* 2: the process replaces the buffer with anonymous memory */
	ASSERT_EQ(vas_munmap(f.mm, W, 8 * P), 0);
	ASSERT_EQ(map_anon(f.mm, W, 8 * P), 0);
	EXPECT_EQ(binder_use_range(a, 1, 1), -ESRCH);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.not_owned, 1);
	EXPECT_EQ(st.inserted, 1);
	EXPECT_EQ(vas_fill(f.mm, W + 2 * P, FILL, P, NULL), 0);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(vas_read(f.mm, W + i * P, buf, P, &fi), 0);
		EXPECT_TRUE(is_filled(buf, i == 2 ? FILL : 0));
	}

	/* 3: another open of binder maps its buffer over it, at W again */
	ASSERT_EQ(binder_open(f.dev, f.mm, &b), 0);
	ASSERT_EQ(map_binder(f.mm, b, W, 8 * P), 0);
	EXPECT_EQ(binder_use_range(a, 2, 1), -ESRCH);
	ASSERT_EQ(binder_use_range(b, 2, 1), 0);
	expect_page(f.mm, W + 2 * P, b, 2, 1);
	expect_fault(f.mm, W + P, VAS_SIGBUS);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.not_owned, 2);
	EXPECT_EQ(rec.foreign, 0);

	/* 4: without the check, A's page goes into B's VMA */
	binder_dev_set_skip_vma_check(f.dev, true);
	EXPECT_EQ(binder_use_range(a, 3, 1), 0);
	binder_dev_set_skip_vma_check(f.dev, false);
	EXPECT_EQ(rec.foreign, 1);
	expect_page(f.mm, W + 3 * P, a, 3, 1);	/* A's bytes in B's mapping */

	/*
	 * The shrinker, with the check: A's pages are not in A's VMA (it has
	 * none), so it only drops its reference; page 3 stays mapped in B's
	 * VMA (counted as dropped while mapped). B's page is zapped.
	 */
	binder_stop_using_range(a, 0, 1);
	binder_stop_using_range(a, 3, 1);
	binder_stop_using_range(b, 2, 1);
	EXPECT_EQ(binder_shrink(f.dev, 16), 3);
	binder_dev_stats(f.dev, &st);
	EXPECT_EQ(st.shrink_zapped, 1);
	EXPECT_EQ(st.dropped_mapped, 1);
	expect_fault(f.mm, W + 2 * P, VAS_SIGBUS);
	expect_page(f.mm, W + 3 * P, a, 3, 1);	/* the mapping's own reference */
	EXPECT_EQ(vas_munmap(f.mm, W, 8 * P), 0);
	binder_close(a);
	binder_close(b);
	fixture_fini(&f, true, 1);
}

/* ---- the race ------------------------------------------------------------ */

#define NPG 32UL		/* buffer pages */
#define WINDOW 32		/* procs the test holds: the newest ones */
#define KEEP_OPEN 2		/* replaced procs whose file stays open */
#define OWNERS 64		/* epochs whose owner is remembered */
#define RING 16			/* buffers in use by the allocator */
#define NREADERS 2

struct race {
	struct fixture f;
	struct insert_rec rec;
	/*
	 * One proc per remap, for as long as the race runs: the test holds a
	 * reference on the newest WINDOW of them, proc id i + 1 at
	 * procs[i % WINDOW]; opening a new one releases the oldest (its file
	 * was closed long before). The allocator takes its own reference on
	 * the proc it uses, under procs_lock; a reader that finds a page of a
	 * released proc can check all but its generation.
	 */
	pthread_mutex_t procs_lock;
	struct binder_proc *procs[WINDOW];	/* (procs_lock) */
	unsigned int nprocs;	/* (a) opened so far; written under procs_lock */
	unsigned long released;	/* procs released during the race */
	/*
	 * (a) Odd while the mapping at W changes. For an even value e,
	 * owner[e / 2 % OWNERS] is the index of the proc mapped at W, or -1
	 * for the anonymous replacement; written before e is published. A
	 * reader checks the epoch again after reading the owner (a seqlock):
	 * the slot is reused OWNERS epochs later.
	 */
	unsigned long epoch;
	int owner[OWNERS];	/* (a) */
	int stop_readers, stop;			/* (a) */
	/* (a) results */
	unsigned long reads_ok, reads_released, reads_absent, reads_anon;
	unsigned long reads_changing;
	unsigned long uses_ok, uses_refused, bad;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void race_bad(struct race *r, const char *what, unsigned long idx,
		     unsigned long x, unsigned long y)
{
	if (__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED) <= 10)
		fprintf(stderr, "race: page %lu: %s (%#lx, %#lx)\n", idx, what, x, y);
}

static void race_inc(unsigned long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/*
 * Check one user read of page @idx. @owner: -2 if the mapping may have
 * changed during the read, else what was mapped throughout (a proc's
 * index, or -1 for anonymous memory).
 */
static void race_check_read(struct race *r, unsigned long idx, int err,
			    const struct vas_fault_info *fi,
			    const unsigned char *buf, int owner)
{
	unsigned int pid, pgen, nprocs, gen = 0;
	struct binder_proc *proc;
	unsigned long pidx;

	if (err == -EFAULT && fi->signo == VAS_SIGBUS) {
		/* a binder page not present (yet, or reclaimed) */
		if (owner == -1)
			race_bad(r, "SIGBUS in the anonymous mapping", idx, 0, 0);
		race_inc(&r->reads_absent);
		return;
	}
	if (err == -EFAULT && fi->signo == VAS_SIGSEGV) {
		/* between munmap and mmap */
		if (owner != -2)
			race_bad(r, "SIGSEGV while mapped", idx, 0, 0);
		race_inc(&r->reads_changing);
		return;
	}
	if (err) {
		race_bad(r, "vas_read failed", idx, (unsigned long)-err, 0);
		return;
	}
	if (is_filled(buf, 0) || is_filled(buf, FILL)) {
		if (owner >= 0)
			race_bad(r, "anonymous bytes in a binder mapping", idx,
				 (unsigned long)owner, buf[0]);
		race_inc(&r->reads_anon);
		return;
	}
	if (!binder_pattern_decode(buf, &pid, &pidx, &pgen)) {
		race_bad(r, "bytes the driver never wrote", idx, buf[0], buf[8]);
		return;
	}
	pthread_mutex_lock(&r->procs_lock);
	nprocs = r->nprocs;
	proc = pid ? r->procs[(pid - 1) % WINDOW] : NULL;
	if (proc && binder_proc_id(proc) == pid)
		gen = binder_proc_page_gen(proc, idx);
	pthread_mutex_unlock(&r->procs_lock);
	if (pidx != idx || pid == 0 || pid > nprocs) {
		race_bad(r, "a page of another index or proc", idx, pidx, pid);
		return;
	}
	if (owner == -1)
		race_bad(r, "driver bytes in the anonymous mapping", idx, pid, 0);
	else if (owner >= 0 && pid != (unsigned int)owner + 1)
		race_bad(r, "a proc's page in another proc's mapping", idx, pid,
			 (unsigned long)owner + 1);
	if (!gen) {
		/* released since the read: its generations are gone */
		if (pgen == 0)
			race_bad(r, "generation 0", idx, pid, 0);
		race_inc(&r->reads_released);
		return;
	}
	if (pgen == 0 || pgen > gen)
		race_bad(r, "a generation the driver has not written", idx, pgen,
			 0);
	race_inc(&r->reads_ok);
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	uint64_t seed = harness_seed() ^ (uint64_t)(uintptr_t)&seed;
	unsigned char *buf = malloc(P);

	if (!buf)
		return NULL;
	while (!__atomic_load_n(&r->stop_readers, __ATOMIC_RELAXED)) {
		unsigned long idx = rnd(&seed) % NPG;
		struct vas_fault_info fi = { 0 };
		unsigned long e1, e2;
		int err, owner = -2;

		e1 = __atomic_load_n(&r->epoch, __ATOMIC_ACQUIRE);
		err = vas_read(r->f.mm, W + idx * P, buf, P, &fi);
		e2 = __atomic_load_n(&r->epoch, __ATOMIC_ACQUIRE);
		if (e1 == e2 && !(e1 & 1)) {
			int o = __atomic_load_n(&r->owner[e1 / 2 % OWNERS],
						__ATOMIC_RELAXED);

			/* the slot was not reused meanwhile */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&r->epoch, __ATOMIC_RELAXED) == e1)
				owner = o;
		}
		race_check_read(r, idx, err, &fi, buf, owner);
	}
	free(buf);
	return NULL;
}

struct use {
	struct binder_proc *proc;
	unsigned long first, count;
};

/*
 * The allocator: buffers for the newest proc, and now and then for one it
 * replaced (the process still has that file open, or has closed it).
 */
static void *race_allocator(void *arg)
{
	struct race *r = arg;
	uint64_t seed = harness_seed() ^ 0x5eed ^ (uint64_t)(uintptr_t)&seed;
	struct use ring[RING];
	unsigned int head = 0, n = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		unsigned int back = rnd(&seed) % 4 ? 0 : (unsigned int)(rnd(&seed) % 4);
		unsigned int np;
		struct use u;
		int err;

		/* a reference of its own: the test may release the proc */
		pthread_mutex_lock(&r->procs_lock);
		np = r->nprocs;
		if (back >= np)
			back = np - 1;
		u.proc = r->procs[(np - 1 - back) % WINDOW];
		binder_proc_get(u.proc);
		pthread_mutex_unlock(&r->procs_lock);
		u.first = rnd(&seed) % NPG;
		u.count = 1 + rnd(&seed) % 4;
		if (u.first + u.count > NPG)
			u.count = NPG - u.first;
		err = binder_use_range(u.proc, u.first, u.count);
		if (err)
			binder_proc_put(u.proc);
		if (err == -ESRCH) {
			race_inc(&r->uses_refused);
		} else if (err) {
			race_bad(r, "binder_use_range failed", u.first,
				 (unsigned long)-err, 0);
		} else {
			race_inc(&r->uses_ok);
			if (n == RING || (n && rnd(&seed) % 2)) {
				struct use *old = &ring[head];

				binder_stop_using_range(old->proc, old->first,
							old->count);
				binder_proc_put(old->proc);
				head = (head + 1) % RING;
				n--;
			}
			ring[(head + n) % RING] = u;
			n++;
		}
	}
	for (; n; n--, head = (head + 1) % RING) {
		binder_stop_using_range(ring[head].proc, ring[head].first,
					ring[head].count);
		binder_proc_put(ring[head].proc);
	}
	return NULL;
}

static void *race_shrinker(void *arg)
{
	struct race *r = arg;
	const struct timespec pause = { 0, 50 * 1000 };

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		binder_shrink(r->f.dev, 4);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	const struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Publish the next epoch; @owner for an even one. */
static void race_epoch(struct race *r, int owner)
{
	unsigned long e = __atomic_load_n(&r->epoch, __ATOMIC_RELAXED) + 1;

	if (!(e & 1))	/* after the odd epoch (release: see race_reader) */
		__atomic_store_n(&r->owner[e / 2 % OWNERS], owner,
				 __ATOMIC_RELEASE);
	__atomic_store_n(&r->epoch, e, __ATOMIC_RELEASE);
}

/* The anonymous memory at W holds only zeros and what the test wrote. */
static void race_check_anon(struct race *r)
{
	unsigned char *buf = malloc(P);
	unsigned long i;

	ASSERT_NOT_NULL(buf);
	for (i = 0; i < NPG; i++) {
		int err = vas_read(r->f.mm, W + i * P, buf, P, NULL);

		if (err || !(is_filled(buf, 0) || is_filled(buf, FILL)))
			race_bad(r, "anonymous replacement holds other bytes", i,
				 (unsigned long)-err, buf[0]);
	}
	free(buf);
}

/* The proc of index @i (id @i + 1), which the test still holds. */
static struct binder_proc *race_proc(struct race *r, unsigned int i)
{
	return r->procs[i % WINDOW];	/* only this thread writes it */
}

/* Open proc number nprocs + 1; release the test's oldest. */
static struct binder_proc *race_open(struct race *r)
{
	unsigned int n = __atomic_load_n(&r->nprocs, __ATOMIC_RELAXED);
	struct binder_proc *proc, *old;

	ASSERT_EQ(binder_open(r->f.dev, r->f.mm, &proc), 0);
	ASSERT_EQ(binder_proc_id(proc), n + 1);
	binder_proc_get(proc);		/* the test's, while in the window */
	pthread_mutex_lock(&r->procs_lock);
	old = r->procs[n % WINDOW];
	r->procs[n % WINDOW] = proc;
	__atomic_store_n(&r->nprocs, n + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&r->procs_lock);
	if (old) {
		/* closed KEEP_OPEN remaps after it was replaced */
		binder_proc_put(old);
		r->released++;
	}
	return proc;
}

/*
 * User readers, the allocator and the shrinker run while this thread
 * plays the process: it keeps replacing its binder buffer at W by
 * anonymous memory (munmap, then mmap MAP_FIXED) and that by the buffer of
 * a new binder open (mmap MAP_FIXED), closing the files of older opens.
 * At the end the process exits while the allocator and the shrinker still
 * run (the shrinker may hold the last user: vas_mm_put_async()).
 *
 *  W           W+32P
 *  | binder #1 |  ->  | anonymous |  ->  | binder #2 |  ->  ...
 */
static void race_run(double seconds, unsigned int min_cycles, long pace_ms)
{
	struct race *r = calloc(1, sizeof(*r));
	pthread_t readers[NREADERS], alloc_thread, shrink_thread;
	double start = harness_now(), end = start + seconds;
	unsigned int i, n, cycles = 0;
	struct binder_stats st;

	ASSERT_NOT_NULL(r);
	ASSERT_EQ(pthread_mutex_init(&r->procs_lock, NULL), 0);
	r->rec.base = W;
	fixture_init(&r->f, &r->rec);
	ASSERT_EQ(map_binder(r->f.mm, race_open(r), W, NPG * P), 0);
	r->owner[0] = 0;

	for (i = 0; i < NREADERS; i++)
		ASSERT_EQ(pthread_create(&readers[i], NULL, race_reader, r), 0);
	ASSERT_EQ(pthread_create(&alloc_thread, NULL, race_allocator, r), 0);
	ASSERT_EQ(pthread_create(&shrink_thread, NULL, race_shrinker, r), 0);

	for (;;) {
		sleep_ms(2 * pace_ms);
		/* binder -> anonymous */
		race_epoch(r, 0);
		EXPECT_EQ(vas_munmap(r->f.mm, W, NPG * P), 0);
		EXPECT_EQ(map_anon(r->f.mm, W, NPG * P), 0);
		EXPECT_EQ(vas_fill(r->f.mm, W + (cycles % NPG) * P, FILL, P, NULL), 0);
		race_epoch(r, -1);
		sleep_ms(pace_ms);
		race_check_anon(r);
		cycles++;
		n = __atomic_load_n(&r->nprocs, __ATOMIC_RELAXED);
		if (harness_now() > end && cycles >= min_cycles)
			break;
		/* anonymous -> the buffer of a new open */
		race_epoch(r, 0);
		EXPECT_EQ(map_binder(r->f.mm, race_open(r), W, NPG * P), 0);
		if (n > KEEP_OPEN)
			binder_close(race_proc(r, n - 1 - KEEP_OPEN));
		race_epoch(r, (int)n);
	}

	__atomic_store_n(&r->stop_readers, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++)
		pthread_join(readers[i], NULL);
	race_check_anon(r);
	EXPECT_EQ(vas_mm_validate(r->f.mm), 0);
	vas_mm_put(r->f.mm);		/* exit */
	sleep_ms(20);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	pthread_join(alloc_thread, NULL);
	pthread_join(shrink_thread, NULL);
	vas_machine_flush(r->f.m);	/* a teardown the shrinker handed on */
	printf("# teardown of the address space: %s\n",
	       vas_stat_read(r->f.m, VAS_STAT_MM_TEARDOWN_ASYNC)
		       ? "by the worker (the shrinker's put was the last)"
		       : "by the exiting thread");

	n = r->nprocs;
	binder_dev_stats(r->f.dev, &st);
	printf("# %u remaps in %.1f s (%lu procs released on the way); reads: "
	       "%lu pattern (%lu of a released proc), %lu absent, %lu "
	       "anonymous, %lu during a remap; buffers: %lu used, %lu "
	       "refused\n", cycles, harness_now() - start, r->released,
	       r->reads_ok + r->reads_released, r->reads_released,
	       r->reads_absent, r->reads_anon, r->reads_changing, r->uses_ok,
	       r->uses_refused);
	printf("# driver: %lu inserted (%lu under the VMA lock, %lu under the "
	       "mmap lock), %lu not owned, %lu no VMA; shrinker: %lu freed, "
	       "%lu zapped, %lu busy, %lu mmap busy; after the exit: %lu "
	       "installs and %lu reclaims found no address space\n",
	       st.inserted, st.vma_locked, st.mmap_locked, st.not_owned,
	       st.no_vma, st.shrink_freed, st.shrink_zapped, st.shrink_busy,
	       st.shrink_mmap_busy, st.no_mm, st.shrink_no_mm);
	EXPECT_EQ(r->bad, 0);
	EXPECT_EQ(r->rec.foreign, 0);
	EXPECT_EQ(r->rec.calls, st.inserted + st.insert_failed);
	EXPECT_EQ(st.insert_failed, 0);
	EXPECT_EQ(st.dropped_mapped, 0);
	EXPECT_GT(r->reads_ok, 0);
	EXPECT_GT(st.inserted, 0);
	EXPECT_GT(st.not_owned, 0);
	EXPECT_GT(st.shrink_zapped, 0);
	EXPECT_EQ(st.vma_opens, 0);
	EXPECT_EQ(st.vma_closes, n);	/* every binder VMA was unmapped */

	/* every proc but the last WINDOW was released during the race */
	EXPECT_EQ(r->released, n > WINDOW ? n - WINDOW : 0);
	EXPECT_GE(cycles, min_cycles);

	/* the files still open are closed; the test's references go */
	for (i = n > KEEP_OPEN + 1 ? n - 1 - KEEP_OPEN : 0; i < n; i++)
		binder_close(race_proc(r, i));
	for (i = n > WINDOW ? n - WINDOW : 0; i < n; i++)
		binder_proc_put(race_proc(r, i));
	fixture_fini(&r->f, false, 0);
	pthread_mutex_destroy(&r->procs_lock);
	free(r);
}

/* Time-boxed: $VAS_STRESS_SECONDS (default 2), however many remaps. */
TEST(binder_race_unmap_remap)
{
	race_run(harness_seconds(2.0), 0, 3);
}

/*
 * The race runs as long as asked: it used to stop at 400 remaps (one proc
 * each, never released), whatever the time box. Counted, not timed: 450
 * remaps at a quicker pace, and the procs beyond the window released.
 */
TEST(binder_race_runs_past_400_remaps)
{
	race_run(0, 450, 1);
}
