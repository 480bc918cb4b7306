// SPDX-License-Identifier: MIT
/*
 * test_mmu_notifier.c - MMU notifiers (include/vas/mmu_notifier.h): for
 * each operation that changes entries, a recording notifier sees exactly
 * Linux's start/end pairs (event and range), start before the entry
 * changes and end after (the callbacks read the entry of a probe address
 * lock-free, white-box), never a page-table lock held; release at exit;
 * unregister; -ENOMEM at registration; and a software TLB built on the
 * notifier that never holds a page vas no longer maps there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "base/lockdep.h"
#include "harness.h"
#include "mm/mm.h"
#include "mm/mmu_notifier.h"
#include "page/page.h"
#include "pgtable/pgtable.h"

#define P 4096UL
#define W 0x200000000000UL
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

/* ---- the recording notifier ---------------------------------------------- */

#define MAXREC 256

struct rec {
	char kind;		/* 'S' start, 'E' end, 'R' release */
	enum vas_mmu_notify_event ev;
	unsigned long start, end;
	pte_t probe;		/* the probe address's entry at the call */
	int rank;		/* highest lock rank held (debug builds) */
};

struct recorder {
	struct mm_struct *mm;
	unsigned long probe;	/* 0: none */
	int n;
	struct rec r[MAXREC];
};

/* The entry at @addr, read lock-free (what a CPU's walker would see). */
static pte_t peek(struct mm_struct *mm, unsigned long addr)
{
	pte_t *ptep, pte;

	if (!mm->pgd)
		return PTE_NONE;
	vas_rcu_read_lock();
	ptep = pt_walk(mm->pgd, addr);
	pte = ptep ? ptep_get(ptep) : PTE_NONE;
	vas_rcu_read_unlock();
	return pte;
}

static void record(struct vas_mmu_notifier *mn, char kind,
		   const struct vas_mmu_notifier_range *range)
{
	struct recorder *r = vas_mmu_notifier_private(mn);
	struct rec *e;

	if (r->n >= MAXREC)
		return;
	e = &r->r[r->n++];
	e->kind = kind;
	e->ev = range ? range->event : VAS_MMU_NOTIFY_RELEASE;
	e->start = range ? range->start : 0;
	e->end = range ? range->end : 0;
	e->probe = r->probe ? peek(r->mm, r->probe) : PTE_NONE;
	e->rank = lockdep_highest_rank();
}

static void rec_start(struct vas_mmu_notifier *mn,
		      const struct vas_mmu_notifier_range *range)
{
	record(mn, 'S', range);
}

static void rec_end(struct vas_mmu_notifier *mn,
		    const struct vas_mmu_notifier_range *range)
{
	record(mn, 'E', range);
}

static void rec_release(struct vas_mmu_notifier *mn, struct vas_mm *mm)
{
	struct recorder *r = vas_mmu_notifier_private(mn);

	EXPECT_PTR_EQ(mm, mm_counted(r->mm));
	record(mn, 'R', NULL);
}

static const struct vas_mmu_notifier_ops rec_ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.release = rec_release,
	.invalidate_range_start = rec_start,
	.invalidate_range_end = rec_end,
};

struct want {
	enum vas_mmu_notify_event ev;
	unsigned long start, end;
};

static void dump(const struct recorder *r)
{
	for (int i = 0; i < r->n; i++)
		fprintf(stderr, "    #%d %c %s [%#lx, %#lx)\n", i, r->r[i].kind,
			vas_mmu_notify_event_name(r->r[i].ev), r->r[i].start,
			r->r[i].end);
}

/*
 * The calls recorded are exactly the pairs @w, in order, each start
 * followed by its end; every call without a page-table lock. Clears @r.
 */
static void check_calls(int line, struct recorder *r, const struct want *w,
			int nw)
{
	bool ok = r->n == 2 * nw;

	for (int i = 0; ok && i < nw; i++) {
		const struct rec *s = &r->r[2 * i], *e = &r->r[2 * i + 1];

		ok = s->kind == 'S' && e->kind == 'E' && s->ev == w[i].ev &&
		     e->ev == w[i].ev && s->start == w[i].start &&
		     e->start == w[i].start && s->end == w[i].end &&
		     e->end == w[i].end;
	}
	if (!ok) {
		harness_fail(__FILE__, line, "notifier calls differ: %d recorded,"
			     " %d pairs wanted", r->n, nw);
		dump(r);
		for (int i = 0; i < nw; i++)
			fprintf(stderr, "    want %s [%#lx, %#lx)\n",
				vas_mmu_notify_event_name(w[i].ev), w[i].start,
				w[i].end);
	}
	for (int i = 0; i < r->n; i++)
		if (r->r[i].rank >= LOCK_RANK_PTL)
			harness_fail(__FILE__, line, "call #%d with lock rank %d "
				     "held", i, r->r[i].rank);
	r->n = 0;
}

#define EXPECT_CALLS(r, ...)                                                  \
	do {                                                                  \
		const struct want __w[] = { __VA_ARGS__ };                   \
		check_calls(__LINE__, (r), __w, (int)(sizeof(__w) / sizeof(__w[0]))); \
	} while (0)
#define EXPECT_NO_CALLS(r) check_calls(__LINE__, (r), NULL, 0)

#define UNMAP VAS_MMU_NOTIFY_UNMAP
#define CLEAR VAS_MMU_NOTIFY_CLEAR
#define PVMA VAS_MMU_NOTIFY_PROTECTION_VMA
#define PPAGE VAS_MMU_NOTIFY_PROTECTION_PAGE

/* ---- fixture --------------------------------------------------------------- */

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_mmu_notifier *mn;
	struct recorder rec;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	ASSERT_EQ(vas_machine_create(NULL, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
	f->rec.mm = mm_of_user(f->mm);
}

static void fx_register(struct fx *f)
{
	ASSERT_EQ(vas_mmu_notifier_register(f->mm, &rec_ops, &f->rec, &f->mn), 0);
	EXPECT_PTR_EQ(vas_mmu_notifier_private(f->mn), &f->rec);
}

static void fx_fini(struct fx *f)
{
	if (f->mm) {
		EXPECT_EQ(vas_mm_validate(f->mm), 0);
		vas_mm_put(f->mm);
	}
	vas_mmu_notifier_unregister(f->mn);
	vas_machine_flush(f->m);
	EXPECT_EQ(vas_machine_destroy(f->m), 0);
}

static unsigned long map(struct vas_mm_user *mm, unsigned long addr,
			 unsigned long len, int prot, int flags,
			 struct vas_file *file, unsigned long off)
{
	unsigned long got = 0;
	int err = vas_mmap(mm, addr, len, prot, flags | VAS_MAP_FIXED, file,
			   off, &got);

	HARNESS_CHECK(1, err == 0, "mmap %#lx: %d", addr, err);
	return got;
}

static void touch(struct vas_mm_user *mm, unsigned long addr,
		  unsigned long len, int byte)
{
	ASSERT_EQ(vas_fill(mm, addr, byte, len, NULL), 0);
}

static struct vas_file *host_file(struct vas_machine *m, unsigned long pages,
				  int *fdp)
{
	char path[] = "/tmp/vas_notifier_XXXXXX";
	int fd = mkstemp(path);
	struct vas_file *file = NULL;
	char buf[P];

	HARNESS_CHECK(1, fd >= 0, "mkstemp");
	unlink(path);
	memset(buf, 'f', sizeof(buf));
	for (unsigned long i = 0; i < pages; i++)
		EXPECT_EQ(pwrite(fd, buf, P, (off_t)(i * P)), (ssize_t)P);
	EXPECT_EQ(vas_file_open_host(m, fd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				     "f", &file), 0);
	*fdp = fd;
	return file;
}

/* ---- the operations, one by one -------------------------------------------- */

TEST(event_names_and_private)
{
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name(UNMAP), "UNMAP"), 0);
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name(CLEAR), "CLEAR"), 0);
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name(PVMA), "PROTECTION_VMA"), 0);
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name(PPAGE), "PROTECTION_PAGE"), 0);
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name(VAS_MMU_NOTIFY_RELEASE),
			 "RELEASE"), 0);
	EXPECT_EQ(strcmp(vas_mmu_notify_event_name((enum vas_mmu_notify_event)99),
			 "UNKNOWN"), 0);
	vas_mmu_notifier_unregister(NULL);	/* a no-op */
}

/* munmap: one UNMAP over the range; start sees the page, end does not. */
TEST(munmap_unmaps_with_page_still_mapped_at_start)
{
	struct fx f;
	pte_t before;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	f.rec.probe = W + P;
	before = peek(f.rec.mm, W + P);
	ASSERT_TRUE(pte_present(before));
	EXPECT_EQ(vas_munmap(f.mm, W + P, 2 * P), 0);
	ASSERT_EQ(f.rec.n, 2);
	EXPECT_EQ(f.rec.r[0].probe, before);	/* start: still mapped */
	EXPECT_EQ(f.rec.r[1].probe, PTE_NONE);	/* end: gone */
	EXPECT_CALLS(&f.rec, { UNMAP, W + P, W + 3 * P });
	/* a range with no VMA: nothing happens, no call (do_vmi_munmap) */
	EXPECT_EQ(vas_munmap(f.mm, W + P, P), 0);
	EXPECT_NO_CALLS(&f.rec);
	/* several VMAs and holes: one call over the whole range */
	EXPECT_EQ(vas_munmap(f.mm, W, 8 * P), 0);
	EXPECT_CALLS(&f.rec, { UNMAP, W, W + 8 * P });
	fx_fini(&f);
}

TEST(map_fixed_replacement_unmaps_the_old_range)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	map(f.mm, W + P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0);
	EXPECT_CALLS(&f.rec, { UNMAP, W + P, W + 3 * P });
	/* MAP_FIXED over a hole: nothing to unmap */
	map(f.mm, W + 16 * P, P, RW, PRIV, NULL, 0);
	EXPECT_NO_CALLS(&f.rec);
	fx_fini(&f);
}

TEST(mremap_move_and_shrink)
{
	struct fx f;
	unsigned long got;
	pte_t before;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	/* shrink: the tail is unmapped (do_vmi_munmap) */
	ASSERT_EQ(vas_mremap(f.mm, W, 4 * P, 3 * P, 0, 0, &got), 0);
	EXPECT_CALLS(&f.rec, { UNMAP, W + 3 * P, W + 4 * P });
	/*
	 * move: move_page_tables() reports the old range as UNMAP while the
	 * entries move, then the old range is unmapped (UNMAP again), as
	 * Linux's move_vma() does.
	 */
	f.rec.probe = W;
	before = peek(f.rec.mm, W);
	ASSERT_EQ(vas_mremap(f.mm, W, 3 * P, 3 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
			     W + 64 * P, &got), 0);
	EXPECT_EQ(got, W + 64 * P);
	HARNESS_CHECK(1, f.rec.n >= 2, "%d calls", f.rec.n);
	EXPECT_EQ(f.rec.r[0].probe, before);
	EXPECT_EQ(f.rec.r[1].probe, PTE_NONE);
	EXPECT_CALLS(&f.rec, { UNMAP, W, W + 3 * P }, { UNMAP, W, W + 3 * P });
	fx_fini(&f);
}

TEST(madvise_dontneed_free_pageout)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 4 * P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	/* per VMA, as madvise_walk_vmas() calls them */
	EXPECT_EQ(vas_madvise(f.mm, W + 2 * P, 4 * P, VAS_MADV_DONTNEED), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W + 2 * P, W + 4 * P },
		     { CLEAR, W + 4 * P, W + 6 * P });
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * P, VAS_MADV_FREE), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W, W + 2 * P });
	/* pageout drops the clean lazily freed pages: one call per page */
	f.rec.probe = W + P;
	EXPECT_TRUE(pte_present(peek(f.rec.mm, W + P)));
	EXPECT_EQ(vas_madvise(f.mm, W, 4 * P, VAS_MADV_PAGEOUT), 0);
	ASSERT_EQ(f.rec.n, 4);
	EXPECT_TRUE(pte_present(f.rec.r[2].probe));
	EXPECT_EQ(f.rec.r[3].probe, PTE_NONE);
	EXPECT_CALLS(&f.rec, { CLEAR, W, W + P }, { CLEAR, W + P, W + 2 * P });
	/* nothing lazily freed is left: pageout changes nothing, no call */
	EXPECT_EQ(vas_madvise(f.mm, W, 4 * P, VAS_MADV_PAGEOUT), 0);
	EXPECT_NO_CALLS(&f.rec);
	fx_fini(&f);
}

TEST(guard_install_zaps_the_range_once)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, 8 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W + 2 * P, P, 1);
	touch(f.mm, W + 5 * P, P, 1);
	fx_register(&f);
	EXPECT_EQ(vas_madvise(f.mm, W + P, 6 * P, VAS_MADV_GUARD_INSTALL), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W + P, W + 7 * P });
	/* no page left there: markers only, no call; removal neither */
	EXPECT_EQ(vas_madvise(f.mm, W, 8 * P, VAS_MADV_GUARD_INSTALL), 0);
	EXPECT_NO_CALLS(&f.rec);
	EXPECT_EQ(vas_madvise(f.mm, W, 8 * P, VAS_MADV_GUARD_REMOVE), 0);
	EXPECT_NO_CALLS(&f.rec);
	fx_fini(&f);
}

TEST(zap_page_range_single_clears)
{
	struct fx f;
	struct vas_vma_ref *v;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	vas_mmap_read_lock(f.mm);
	v = vas_vma_lookup(f.mm, W);
	ASSERT_NOT_NULL(v);
	vas_zap_page_range_single(v, W + P, P + 1);	/* rounded up */
	vas_mmap_read_unlock(f.mm);
	EXPECT_CALLS(&f.rec, { CLEAR, W + P, W + 3 * P });
	fx_fini(&f);
}

/* Truncation zaps each mapping past the end twice (truncate_pagecache). */
TEST(truncation_clears_mappings_past_the_end)
{
	struct fx f;
	struct vas_file *file;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 4, &fd);
	map(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, file, 0);
	map(f.mm, W + 8 * P, 4 * P, RW, VAS_MAP_PRIVATE, file, 0);
	touch(f.mm, W, 4 * P, 2);
	touch(f.mm, W + 8 * P, 4 * P, 3);
	fx_register(&f);
	ASSERT_EQ(vas_file_truncate(file, (off_t)(2 * P)), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W + 2 * P, W + 4 * P },
		     { CLEAR, W + 10 * P, W + 12 * P },
		     { CLEAR, W + 2 * P, W + 4 * P },
		     { CLEAR, W + 10 * P, W + 12 * P });
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

/* A hole punch (MADV_REMOVE) clears each mapping of the hole once. */
TEST(hole_punch_clears_each_mapping)
{
	struct fx f;
	struct vas_file *file;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 4, &fd);
	map(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, file, 0);
	map(f.mm, W + 8 * P, 4 * P, RW, VAS_MAP_PRIVATE, file, 0);
	touch(f.mm, W, 4 * P, 2);
	touch(f.mm, W + 8 * P, P, 3);	/* a private copy: it stays */
	fx_register(&f);
	ASSERT_EQ(vas_madvise(f.mm, W + P, 2 * P, VAS_MADV_REMOVE), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W + P, W + 3 * P },
		     { CLEAR, W + 9 * P, W + 11 * P });
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

/* MREMAP_DONTUNMAP moves the entries (UNMAP on the old range) only. */
TEST(mremap_dontunmap_moves_entries)
{
	struct fx f;
	unsigned long got;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 2 * P, 1);
	fx_register(&f);
	ASSERT_EQ(vas_mremap(f.mm, W, 2 * P, 2 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED |
			     VAS_MREMAP_DONTUNMAP, W + 32 * P, &got), 0);
	EXPECT_CALLS(&f.rec, { UNMAP, W, W + 2 * P });
	fx_fini(&f);
}

/* COW break: CLEAR over the page; start sees the old page, end the new. */
TEST(cow_break_clears_one_page)
{
	struct fx f;
	struct vas_mm_user *child;
	pte_t before;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	fx_register(&f);
	f.rec.probe = W + 2 * P;
	before = peek(f.rec.mm, W + 2 * P);
	EXPECT_FALSE(pte_write(before));
	touch(f.mm, W + 2 * P + 5, 1, 9);
	ASSERT_EQ(f.rec.n, 2);
	EXPECT_EQ(f.rec.r[0].probe, before);
	EXPECT_TRUE(pte_write(f.rec.r[1].probe));
	EXPECT_NE(pte_pfn(f.rec.r[1].probe), pte_pfn(before));
	EXPECT_CALLS(&f.rec, { CLEAR, W + 2 * P, W + 3 * P });
	/* the child's break is not ours */
	touch(child, W, 1, 7);
	EXPECT_NO_CALLS(&f.rec);
	vas_mm_put(child);
	/* now the only mapper: the write reuses the page, no call */
	touch(f.mm, W + 3 * P, 1, 9);
	EXPECT_NO_CALLS(&f.rec);
	/* the zero page replaced by a page is a COW break too */
	map(f.mm, W + 16 * P, P, RW, PRIV, NULL, 0);
	{
		unsigned char b;

		ASSERT_EQ(vas_read(f.mm, W + 16 * P, &b, 1, NULL), 0);
	}
	EXPECT_NO_CALLS(&f.rec);	/* none -> zero page: nothing to drop */
	touch(f.mm, W + 16 * P, 1, 4);
	EXPECT_CALLS(&f.rec, { CLEAR, W + 16 * P, W + 17 * P });
	fx_fini(&f);
}

/*
 * fork: PROTECTION_PAGE over each private writable-capable VMA whose
 * entries are copied (an anon_vma, or guards/PFN/mixed maps), none for
 * shared or never-written ones (copy_page_range()).
 */
TEST(fork_write_protects_the_parent)
{
	struct fx f;
	struct vas_mm_user *child;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 8 * P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0); /* no writes */
	map(f.mm, W + 16 * P, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
	    NULL, 0);
	map(f.mm, W + 24 * P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0);
	touch(f.mm, W, P, 1);
	touch(f.mm, W + 16 * P, P, 1);
	/* read-only now, but once written: still a COW mapping */
	map(f.mm, W + 32 * P, 2 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W + 32 * P, P, 1);
	ASSERT_EQ(vas_mprotect(f.mm, W + 32 * P, 2 * P, VAS_PROT_READ), 0);
	fx_register(&f);
	f.rec.probe = W;
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	HARNESS_CHECK(1, f.rec.n >= 2, "%d calls", f.rec.n);
	EXPECT_TRUE(pte_write(f.rec.r[0].probe));	/* start: still writable */
	EXPECT_FALSE(pte_write(f.rec.r[1].probe));	/* end: protected */
	EXPECT_CALLS(&f.rec, { PPAGE, W, W + 4 * P },
		     { PPAGE, W + 32 * P, W + 34 * P });
	vas_mm_put(child);
	fx_fini(&f);
}

/*
 * mprotect: PROTECTION_VMA for any change of flags, over the range where
 * page tables exist (change_pud_range()), none without page tables or
 * without a change.
 */
TEST(mprotect_protection_vma)
{
	struct fx f;
	unsigned long far = W + (8UL << 30);	/* its own 1 GiB */

	fx_init(&f);
	map(f.mm, W, 8 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, P, 1);
	map(f.mm, far, 4 * P, RW, PRIV, NULL, 0);	/* never touched */
	fx_register(&f);
	ASSERT_EQ(vas_mprotect(f.mm, W + P, 2 * P, VAS_PROT_READ), 0);
	EXPECT_CALLS(&f.rec, { PVMA, W + P, W + 3 * P });
	/* adding rights back: Linux calls it as well */
	ASSERT_EQ(vas_mprotect(f.mm, W + P, 2 * P, RW), 0);
	EXPECT_CALLS(&f.rec, { PVMA, W + P, W + 3 * P });
	/* no change of flags: no call */
	ASSERT_EQ(vas_mprotect(f.mm, W, 8 * P, RW), 0);
	EXPECT_NO_CALLS(&f.rec);
	/* no page table under the range: no call */
	ASSERT_EQ(vas_mprotect(f.mm, far, 4 * P, VAS_PROT_NONE), 0);
	EXPECT_NO_CALLS(&f.rec);
	/* the range of several VMAs: one call per VMA part */
	map(f.mm, W + 8 * P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0);
	EXPECT_NO_CALLS(&f.rec);
	ASSERT_EQ(vas_mprotect(f.mm, W + 6 * P, 4 * P, VAS_PROT_NONE), 0);
	EXPECT_CALLS(&f.rec, { PVMA, W + 6 * P, W + 8 * P },
		     { PVMA, W + 8 * P, W + 10 * P });
	fx_fini(&f);
}

/* msync(MS_SYNC) write-protects the shared file range before writeback. */
TEST(msync_write_protects)
{
	struct fx f;
	struct vas_file *file;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 4, &fd);
	map(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, file, 0);
	touch(f.mm, W, 4 * P, 2);
	fx_register(&f);
	f.rec.probe = W + P;
	ASSERT_EQ(vas_msync(f.mm, W, 4 * P, VAS_MS_SYNC), 0);
	ASSERT_EQ(f.rec.n, 2);
	EXPECT_TRUE(pte_write(f.rec.r[0].probe));
	EXPECT_FALSE(pte_write(f.rec.r[1].probe));
	EXPECT_CALLS(&f.rec, { PPAGE, W, W + 4 * P });
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

/* exit: release() once, before the zap, then no call at all. */
TEST(release_at_exit_then_nothing)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	f.rec.probe = W;
	vas_mm_put(f.mm);
	f.mm = NULL;
	ASSERT_EQ(f.rec.n, 1);
	EXPECT_EQ(f.rec.r[0].kind, 'R');
	EXPECT_TRUE(pte_present(f.rec.r[0].probe));	/* before the zap */
	EXPECT_TRUE(f.rec.r[0].rank < LOCK_RANK_PTL);	/* -1: no records */
	/* the object stays (the notifier's count) until unregistered */
	fx_fini(&f);
	EXPECT_EQ(f.rec.n, 1);
}

/* The teardown worker (vas_mm_put_async) calls release() as well. */
TEST(release_from_the_teardown_worker)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, P, RW, PRIV, NULL, 0);
	touch(f.mm, W, P, 1);
	fx_register(&f);
	vas_mm_put_async(f.mm);
	f.mm = NULL;
	vas_machine_flush(f.m);
	ASSERT_EQ(f.rec.n, 1);
	EXPECT_EQ(f.rec.r[0].kind, 'R');
	fx_fini(&f);
}

TEST(unregister_stops_calls_and_others_go_on)
{
	struct fx f;
	struct recorder r2 = { 0 };
	struct vas_mmu_notifier *mn2;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	touch(f.mm, W, 4 * P, 1);
	fx_register(&f);
	r2.mm = f.rec.mm;
	ASSERT_EQ(vas_mmu_notifier_register(f.mm, &rec_ops, &r2, &mn2), 0);
	EXPECT_EQ(vas_madvise(f.mm, W, P, VAS_MADV_DONTNEED), 0);
	EXPECT_CALLS(&f.rec, { CLEAR, W, W + P });
	EXPECT_CALLS(&r2, { CLEAR, W, W + P });
	vas_mmu_notifier_unregister(f.mn);
	f.mn = NULL;
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * P, VAS_MADV_DONTNEED), 0);
	EXPECT_NO_CALLS(&f.rec);
	EXPECT_CALLS(&r2, { CLEAR, W, W + 2 * P });
	/* unregistering does not call release() */
	vas_mmu_notifier_unregister(mn2);
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * P, VAS_MADV_DONTNEED), 0);
	EXPECT_NO_CALLS(&r2);
	/* a notifier without ops is accepted and harmless */
	ASSERT_EQ(vas_mmu_notifier_register(f.mm, NULL, NULL, &mn2), 0);
	EXPECT_EQ(vas_munmap(f.mm, W, P), 0);
	vas_mmu_notifier_unregister(mn2);
	fx_fini(&f);
}

/* unregister() waits for a callback that is running in another thread. */
struct slow {
	int in_cb, unregistering, cb_done;	/* (a) */
	struct vas_mm_user *mm;
};

static void slow_start(struct vas_mmu_notifier *mn,
		       const struct vas_mmu_notifier_range *range)
{
	struct slow *s = vas_mmu_notifier_private(mn);

	(void)range;
	__atomic_store_n(&s->in_cb, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->unregistering, __ATOMIC_ACQUIRE))
		sched_yield();
	usleep(20000);	/* an unregister that does not wait returns meanwhile */
	__atomic_store_n(&s->cb_done, 1, __ATOMIC_RELEASE);
}

static const struct vas_mmu_notifier_ops slow_ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.invalidate_range_start = slow_start,
};

static void *slow_zapper(void *arg)
{
	struct slow *s = arg;

	EXPECT_EQ(vas_madvise(s->mm, W, P, VAS_MADV_DONTNEED), 0);
	return NULL;
}

TEST(unregister_waits_for_a_running_callback)
{
	struct fx f;
	struct slow s = { 0 };
	struct vas_mmu_notifier *mn;
	pthread_t t;

	fx_init(&f);
	map(f.mm, W, P, RW, PRIV, NULL, 0);
	touch(f.mm, W, P, 1);
	s.mm = f.mm;
	ASSERT_EQ(vas_mmu_notifier_register(f.mm, &slow_ops, &s, &mn), 0);
	ASSERT_EQ(pthread_create(&t, NULL, slow_zapper, &s), 0);
	while (!__atomic_load_n(&s.in_cb, __ATOMIC_ACQUIRE))
		sched_yield();
	__atomic_store_n(&s.unregistering, 1, __ATOMIC_RELEASE);
	vas_mmu_notifier_unregister(mn);
	EXPECT_EQ(__atomic_load_n(&s.cb_done, __ATOMIC_ACQUIRE), 1);
	pthread_join(t, NULL);
	fx_fini(&f);
}

/* Registration: each allocation failed in turn is -ENOMEM, nothing kept. */
TEST(register_allocation_failure)
{
	struct fx f;
	int err = -ENOMEM;

	fx_init(&f);
	map(f.mm, W, P, RW, PRIV, NULL, 0);
	for (unsigned long k = 1; err == -ENOMEM; k++) {
		vas_fail_nth(k);
		err = vas_mmu_notifier_register(f.mm, &rec_ops, &f.rec, &f.mn);
		vas_fail_nth(0);
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_NULL(f.rec.mm->notifier_subscriptions);
			f.mn = NULL;
		}
		HARNESS_CHECK(1, k < 10, "register never succeeds");
	}
	EXPECT_EQ(err, 0);
	EXPECT_EQ(vas_munmap(f.mm, W, P), 0);
	EXPECT_CALLS(&f.rec, { UNMAP, W, W + P });
	/* a second registration: one allocation, failed */
	{
		struct vas_mmu_notifier *mn2 = NULL;

		vas_fail_nth(1);
		EXPECT_EQ(vas_mmu_notifier_register(f.mm, &rec_ops, &f.rec,
						    &mn2), -ENOMEM);
		vas_fail_nth(0);
		EXPECT_NULL(mn2);
		map(f.mm, W, P, RW, PRIV, NULL, 0);
		EXPECT_EQ(vas_munmap(f.mm, W, P), 0);
		EXPECT_CALLS(&f.rec, { UNMAP, W, W + P });	/* once */
	}
	fx_fini(&f);
}

#ifdef VAS_DEBUG
/* Called with a page-table lock held, the call helper aborts (debug). */
static void call_under_ptl(void)
{
	struct vas_machine *m;
	struct vas_mm_user *u;
	struct vas_mmu_notifier *mn;
	struct recorder r = { 0 };
	struct vas_mmu_notifier_range range;
	struct pt_lock *ptl;
	pte_t *ptep;
	unsigned long got;

	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &u) ||
	    vas_mmap(u, W, P, RW, PRIV | VAS_MAP_FIXED, NULL, 0, &got) ||
	    vas_fill(u, W, 1, P, NULL))
		abort();
	r.mm = mm_of_user(u);
	if (vas_mmu_notifier_register(u, &rec_ops, &r, &mn))
		abort();
	ptep = pte_offset_map_lock(r.mm->pgd, W, &ptl);
	mmu_notifier_range_init(&range, CLEAR, r.mm, W, W + P);
	mmu_notifier_invalidate_range_start(&range);	/* aborts */
	pte_unmap_unlock(ptep, ptl);
}
#endif

TEST(no_call_with_a_page_table_lock)
{
#ifdef VAS_DEBUG
	EXPECT_ABORTS(call_under_ptl, "MMU notifier called with a page-table");
#else
	printf("  (release build: no lock records to check against)\n");
#endif
}

/* Results the random walk does not look at (errors are part of it). */
static void ign(int err)
{
	(void)err;
}

/* ---- a software TLB ---------------------------------------------------- */

/*
 * A direct-mapped TLB of 64 entries keyed by guest page: each entry holds
 * the page vas mapped there when it was filled (a reference the TLB
 * owns), and whether it was filled for a write. The notifier drops the
 * entries of a range at start, and counts invalidations in progress; a
 * fill re-checks a sequence count (the mirror's scheme).
 */
#define TLB_N 64

struct tlb {
	struct mm_struct *mm;
	unsigned long va[TLB_N];	/* 0: empty */
	struct page *page[TLB_N];
	bool write[TLB_N];
	unsigned long seq;
	int busy;
	unsigned long invalidations;
	unsigned long fills, checked;	/* entries filled, entries checked */
};

static void tlb_drop(struct tlb *t, int i)
{
	if (!t->va[i])
		return;
	put_page(t->page[i]);
	t->va[i] = 0;
	t->page[i] = NULL;
}

static void tlb_start(struct vas_mmu_notifier *mn,
		      const struct vas_mmu_notifier_range *range)
{
	struct tlb *t = vas_mmu_notifier_private(mn);

	t->seq++;
	t->busy++;
	t->invalidations++;
	for (int i = 0; i < TLB_N; i++) {
		if (!t->va[i] || t->va[i] < range->start || t->va[i] >= range->end)
			continue;
		/* write-protecting entries keeps read entries */
		if (range->event == PPAGE && !t->write[i])
			continue;
		tlb_drop(t, i);
	}
}

static void tlb_end(struct vas_mmu_notifier *mn,
		    const struct vas_mmu_notifier_range *range)
{
	struct tlb *t = vas_mmu_notifier_private(mn);

	(void)range;
	if (t->busy <= 0) {
		harness_fail(__FILE__, __LINE__, "an end without its start");
		return;
	}
	t->busy--;
}

static void tlb_release(struct vas_mmu_notifier *mn, struct vas_mm *mm)
{
	struct tlb *t = vas_mmu_notifier_private(mn);

	(void)mm;
	for (int i = 0; i < TLB_N; i++)
		tlb_drop(t, i);
}

static const struct vas_mmu_notifier_ops tlb_ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.release = tlb_release,
	.invalidate_range_start = tlb_start,
	.invalidate_range_end = tlb_end,
};

/* The page vas maps at @va now (present, and writable if @write), or NULL. */
static struct page *mapped(struct mm_struct *mm, unsigned long va, bool write)
{
	pte_t pte = peek(mm, va);

	if (!pte_present(pte) || pte_special(pte) || (write && !pte_write(pte)))
		return NULL;
	return pfn_to_page(mm->machine->frames, pte_pfn(pte));
}

/*
 * Fill the entry for @va after a guest access: as a secondary MMU, with
 * the mmap lock for read (no invalidation runs meanwhile except COW
 * breaks under VMA locks, none in this single-threaded test).
 */
static void tlb_fill(struct tlb *t, unsigned long va, bool write)
{
	int i = (int)((va / P) % TLB_N);
	unsigned long seq;
	struct page *page;

	mmap_read_lock(t->mm);
	seq = t->seq;
	page = mapped(t->mm, va, write);
	if (page && seq == t->seq && !t->busy) {
		tlb_drop(t, i);
		get_page(page);
		t->va[i] = va;
		t->page[i] = page;
		t->write[i] = write;
		t->fills++;
	}
	mmap_read_unlock(t->mm);
}

/* Whether the VMA at @va allows writes (the test's thread, white-box). */
static bool vma_writable(struct mm_struct *mm, unsigned long va)
{
	struct vm_area_struct *vma;
	bool w;

	mmap_read_lock(mm);
	vma = rt_lookup(&mm->mm_mt, va, NULL, NULL);
	w = vma && (vma->vm_flags & VAS_VM_WRITE);
	mmap_read_unlock(mm);
	return w;
}

/* Every entry holds the page vas maps there, with a write entry writable. */
static void tlb_check(struct tlb *t, unsigned long step, int op)
{
	for (int i = 0; i < TLB_N; i++) {
		struct page *now;

		if (!t->va[i])
			continue;
		t->checked++;
		now = mapped(t->mm, t->va[i], t->write[i]);
		if (now && t->write[i] && !vma_writable(t->mm, t->va[i]))
			now = NULL;	/* the VMA no longer grants it */
		if (now != t->page[i]) {
			harness_fail(__FILE__, __LINE__, "step %lu op %d: stale TLB"
				     " entry %#lx (%s)", step, op, t->va[i],
				     t->write[i] ? "write" : "read");
			harness_abort_case();
		}
	}
}

TEST(software_tlb_never_stale)
{
	struct vas_machine *m;
	struct vas_mm_user *u, *child = NULL;
	struct vas_mmu_notifier *mn;
	struct tlb t = { 0 };
	uint64_t seed = harness_seed();
	unsigned long steps = 4000, npages = 48;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &u), 0);
	t.mm = mm_of_user(u);
	ASSERT_EQ(vas_mmu_notifier_register(u, &tlb_ops, &t, &mn), 0);
	srand((unsigned int)seed);
	for (unsigned long step = 0; step < steps; step++) {
		unsigned long a = W + (unsigned long)(rand() % (int)npages) * P;
		unsigned long n = 1 + (unsigned long)(rand() % 6);
		unsigned long got;
		int op = rand() % 20;
		unsigned char b;

		if (a + n * P > W + npages * P)
			n = (W + npages * P - a) / P;
		switch (op) {
		case 0:
		case 1:
			ign(vas_mmap(u, a, n * P, RW, PRIV | VAS_MAP_FIXED,
				     NULL, 0, &got));
			break;
		case 2:
			ign(vas_munmap(u, a, n * P));
			break;
		case 3:
			ign(vas_mprotect(u, a, n * P,
					 rand() % 2 ? VAS_PROT_READ : RW));
			break;
		case 4:
			if (child)
				vas_mm_put(child);
			child = NULL;
			ign(vas_mm_fork(u, &child));
			break;
		case 5:
			ign(vas_madvise(u, a, n * P, VAS_MADV_DONTNEED));
			break;
		case 6:
			ign(vas_mremap(u, a, n * P, n * P,
				       VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
				       W + (unsigned long)(rand() % (int)npages) * P,
				       &got));
			break;
		case 7:
			/* guards come and go, or they would fill the window */
			ign(vas_madvise(u, a, n * P, VAS_MADV_GUARD_INSTALL));
			tlb_check(&t, step, op);
			ign(vas_madvise(u, a, n * P, VAS_MADV_GUARD_REMOVE));
			break;
		case 8:
			ign(vas_madvise(u, a, n * P, VAS_MADV_FREE));
			ign(vas_madvise(u, a, n * P, VAS_MADV_PAGEOUT));
			break;
		case 9:
		case 10:
		case 11:
		case 12:
			/* a guest write (COW breaks), then the TLB learns it */
			if (vas_write(u, a, &step, 1, NULL))
				break;
			tlb_check(&t, step, op);	/* before it refills */
			tlb_fill(&t, a, true);
			break;
		case 13:
		case 14:
		case 15:
		case 16:
		case 17:
			if (vas_read(u, a, &b, 1, NULL))
				break;
			tlb_check(&t, step, op);
			tlb_fill(&t, a, false);
			break;
		default:
			/* the child's writes leave the parent's pages alone */
			if (child)
				ign(vas_write(child, a, &step, 1, NULL));
			break;
		}
		tlb_check(&t, step, op);
	}
	printf("  %lu invalidations, %lu fills, %lu entries checked\n",
	       t.invalidations, t.fills, t.checked);
	EXPECT_GT(t.invalidations, steps / 4);
	EXPECT_GT(t.fills, steps / 20);
	if (child)
		vas_mm_put(child);
	vas_mm_put(u);
	vas_mmu_notifier_unregister(mn);
	vas_machine_flush(m);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
