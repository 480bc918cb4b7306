// SPDX-License-Identifier: MIT
/*
 * test_gup.c - get_user_pages and pin_user_pages (fault/gup.c): references
 * and pins, COW breaking and unsharing, the zero page, FOLL_NOFAULT, the
 * -EFAULT and -EINVAL rules, partial counts, fork copying pinned pages,
 * pinned pages outliving munmap, unpin with make_dirty reaching the file,
 * machine destruction refused while pinned, every allocation failed in
 * turn, and threads pinning while others unmap and fork. Each case ends
 * with the validator and with every frame back in the pool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vas/physmem.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "harness.h"
#include "mm/mm.h"
#include "page/page.h"
#include "pgtable/pgtable.h"

#define P 4096UL
#define W 0x200000000000UL
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	unsigned long free0;
};

static unsigned long frames_free(struct vas_machine *m)
{
	struct frames_stats st;

	frames_drain_local();
	frames_stats(m->frames, &st);
	return st.free;
}

static void fx_init(struct fx *f)
{
	ASSERT_EQ(vas_machine_create(NULL, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
	f->free0 = frames_free(f->m);
}

static uint64_t pins_out(struct vas_machine *m)
{
	return vas_stat_read(m, VAS_STAT_FOLL_PIN_ACQUIRED) -
	       vas_stat_read(m, VAS_STAT_FOLL_PIN_RELEASED);
}

static void fx_fini(struct fx *f)
{
	EXPECT_EQ(vas_mm_validate(f->mm), 0);
	vas_mm_put(f->mm);
	vas_machine_flush(f->m);
	EXPECT_EQ(pins_out(f->m), 0);
	EXPECT_EQ(frames_free(f->m), f->free0);
	EXPECT_EQ(frames_validate(f->m->frames), 0);
	EXPECT_EQ(vas_machine_destroy(f->m), 0);
}

static void map(struct vas_mm_user *mm, unsigned long addr, unsigned long len,
		int prot, int flags, struct vas_file *file, unsigned long off)
{
	unsigned long got = 0;
	int err = vas_mmap(mm, addr, len, prot, flags | VAS_MAP_FIXED, file,
			   off, &got);

	HARNESS_CHECK(1, err == 0, "mmap %#lx: %d", addr, err);
}

static unsigned char rd(struct vas_mm_user *mm, unsigned long addr)
{
	unsigned char b = 0xee;

	EXPECT_EQ(vas_read(mm, addr, &b, 1, NULL), 0);
	return b;
}

static void wr(struct vas_mm_user *mm, unsigned long addr, unsigned char b)
{
	EXPECT_EQ(vas_write(mm, addr, &b, 1, NULL), 0);
}

/* The entry at @addr of @mm (PTE_NONE if none). */
static pte_t pte_of(struct vas_mm_user *mm, unsigned long addr)
{
	pte_t *ptep, pte;

	vas_rcu_read_lock();
	ptep = pt_walk(mm_of_user(mm)->pgd, addr);
	pte = ptep ? ptep_get(ptep) : PTE_NONE;
	vas_rcu_read_unlock();
	return pte;
}

/* The page mapped at @addr of @mm, or NULL (no reference taken). */
static struct vas_page *page_at(struct vas_mm_user *mm, unsigned long addr)
{
	pte_t pte = pte_of(mm, addr);

	if (!pte_present(pte))
		return NULL;
	return (struct vas_page *)pfn_to_page(mm_of_user(mm)->machine->frames,
					      pte_pfn(pte));
}

static unsigned char *addr_of(struct vas_page *pg)
{
	return vas_page_address(pg);
}

/* ---- references and pins ------------------------------------------------- */

TEST(get_faults_in_and_references)
{
	struct fx f;
	struct vas_page *pg[3];
	int refs;

	fx_init(&f);
	map(f.mm, W, 3 * P, RW, PRIV, NULL, 0);
	wr(f.mm, W + P, 0x11);
	/* a read of an untouched page maps the zero page, a write a page */
	EXPECT_EQ(vas_get_user_pages(f.mm, W, 3, 0, pg, NULL), 3);
	EXPECT_TRUE(is_zero_page((struct page *)pg[0]));
	EXPECT_EQ(addr_of(pg[1])[0], 0x11);
	EXPECT_PTR_EQ(pg[1], page_at(f.mm, W + P));
	refs = page_ref_count((struct page *)pg[1]);
	EXPECT_EQ(refs, 2);	/* the mapping's and ours */
	EXPECT_FALSE(vas_page_maybe_dma_pinned(pg[1]));
	for (int i = 0; i < 3; i++)
		vas_page_put(pg[i]);
	EXPECT_EQ(page_ref_count((struct page *)page_at(f.mm, W + P)), 1);
	/* FOLL_WRITE faults for write: a page of its own, dirty */
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 2 * P, 1, VAS_FOLL_WRITE, pg,
				     NULL), 1);
	EXPECT_FALSE(is_zero_page((struct page *)pg[0]));
	EXPECT_PTR_EQ(pg[0], page_at(f.mm, W + 2 * P));
	EXPECT_TRUE(pte_write(pte_of(f.mm, W + 2 * P)));
	addr_of(pg[0])[5] = 0x77;
	EXPECT_EQ(rd(f.mm, W + 2 * P + 5), 0x77);
	vas_page_put(pg[0]);
	/* the pins of no address space were counted */
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_FOLL_PIN_ACQUIRED), 0);
	EXPECT_FALSE(mm_flag_test(mm_of_user(f.mm), MMF_HAS_PINNED));
	fx_fini(&f);
}

TEST(pin_counts_and_unpin_releases)
{
	struct fx f;
	struct vas_page *pg[2], *again;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	wr(f.mm, W, 1);
	wr(f.mm, W + P, 2);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 2, 0, pg, NULL), 2);
	EXPECT_TRUE(mm_flag_test(mm_of_user(f.mm), MMF_HAS_PINNED));
	EXPECT_TRUE(vas_page_maybe_dma_pinned(pg[0]));
	EXPECT_EQ(page_pincount((struct page *)pg[0]), 1);
	EXPECT_EQ(page_ref_count((struct page *)pg[0]), 2);
	/* a second pin of the same page */
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_WRITE, &again, NULL),
		  1);
	EXPECT_PTR_EQ(again, pg[0]);
	EXPECT_EQ(page_pincount((struct page *)pg[0]), 2);
	EXPECT_EQ(pins_out(f.m), 3);
	/* the validator checks that each pin holds a reference */
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	__atomic_add_fetch(&((struct page *)pg[0])->_pincount, 1,
			   __ATOMIC_RELAXED);
	fprintf(stderr, "# a bad pinned frame is expected:\n");
	EXPECT_EQ(vas_mm_validate(f.mm), -EUCLEAN);
	__atomic_sub_fetch(&((struct page *)pg[0])->_pincount, 1,
			   __ATOMIC_RELAXED);
	vas_unpin_user_pages(&again, 1, false);
	EXPECT_EQ(page_pincount((struct page *)pg[0]), 1);
	vas_unpin_user_pages(pg, 2, false);
	EXPECT_FALSE(vas_page_maybe_dma_pinned(page_at(f.mm, W)));
	EXPECT_EQ(page_ref_count((struct page *)page_at(f.mm, W)), 1);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_FOLL_PIN_ACQUIRED), 3);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_FOLL_PIN_RELEASED), 3);
	/* NULL entries are skipped */
	pg[0] = NULL;
	vas_unpin_user_pages(pg, 1, true);
	fx_fini(&f);
}

TEST(destroy_refused_while_pinned)
{
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_page *pg;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	map(mm, W, P, RW, PRIV, NULL, 0);
	ASSERT_EQ(vas_pin_user_pages(mm, W, 1, VAS_FOLL_WRITE, &pg, NULL), 1);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), -EBUSY);
	addr_of(pg)[0] = 9;	/* still ours */
	vas_unpin_user_pages(&pg, 1, false);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* ---- copy on write -------------------------------------------------------- */

/* @f's page at W written with 'A', then forked into *@child. */
static void forked(struct fx *f, struct vas_mm_user **child)
{
	map(f->mm, W, 2 * P, RW, PRIV, NULL, 0);
	wr(f->mm, W, 'A');
	wr(f->mm, W + P, 'a');
	ASSERT_EQ(vas_mm_fork(f->mm, child), 0);
	ASSERT_PTR_EQ(page_at(f->mm, W), page_at(*child, W));
}

TEST(write_pin_breaks_cow)
{
	struct fx f;
	struct vas_mm_user *child;
	struct vas_page *pg;

	fx_init(&f);
	forked(&f, &child);
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_WRITE, &pg, NULL), 1);
	EXPECT_PTR_EQ(pg, page_at(f.mm, W));
	EXPECT_TRUE(page_at(child, W) != pg);
	EXPECT_TRUE(pte_write(pte_of(f.mm, W)));
	addr_of(pg)[0] = 'B';
	EXPECT_EQ(rd(f.mm, W), 'B');
	EXPECT_EQ(rd(child, W), 'A');
	/* the child's writes do not reach the pin */
	wr(child, W, 'C');
	EXPECT_EQ(addr_of(pg)[0], 'B');
	vas_unpin_user_pages(&pg, 1, true);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	fx_fini(&f);
}

TEST(read_pin_unshares)
{
	struct fx f;
	struct vas_mm_user *child;
	struct vas_page *pg, *ref;

	fx_init(&f);
	forked(&f, &child);
	/* a reference does not unshare */
	ASSERT_EQ(vas_get_user_pages(f.mm, W, 1, 0, &ref, NULL), 1);
	EXPECT_PTR_EQ(ref, page_at(child, W));
	vas_page_put(ref);
	/* a read pin does: the parent gets a copy, still read-only */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, 0, &pg, NULL), 1);
	EXPECT_PTR_EQ(pg, page_at(f.mm, W));
	EXPECT_TRUE(page_at(child, W) != pg);
	EXPECT_FALSE(pte_write(pte_of(f.mm, W)));
	EXPECT_FALSE(pte_dirty(pte_of(f.mm, W)));
	EXPECT_EQ(addr_of(pg)[0], 'A');
	/* the child's write goes to its own page, not to the pin */
	wr(child, W, 'C');
	EXPECT_EQ(addr_of(pg)[0], 'A');
	EXPECT_EQ(rd(f.mm, W), 'A');
	/* the parent's write reuses the pinned page (exclusive) */
	wr(f.mm, W, 'P');
	EXPECT_PTR_EQ(page_at(f.mm, W), pg);
	EXPECT_EQ(addr_of(pg)[0], 'P');
	EXPECT_EQ(rd(child, W), 'C');
	/* a read pin of an exclusive page copies nothing */
	{
		struct vas_page *pg2;

		ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, 0, &pg2, NULL), 1);
		EXPECT_PTR_EQ(pg2, pg);
		vas_unpin_user_pages(&pg2, 1, false);
	}
	vas_unpin_user_pages(&pg, 1, false);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	fx_fini(&f);
}

TEST(zero_page_pins)
{
	struct fx f;
	struct vas_page *pg;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	/* a read pin of an untouched page pins the zero page, uncounted */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, 0, &pg, NULL), 1);
	EXPECT_TRUE(is_zero_page((struct page *)pg));
	EXPECT_FALSE(vas_page_maybe_dma_pinned(pg));
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_FOLL_PIN_ACQUIRED), 0);
	EXPECT_EQ(addr_of(pg)[100], 0);
	vas_unpin_user_pages(&pg, 1, true);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_FOLL_PIN_RELEASED), 0);
	/* a long-term one unshares it: a zeroed page, mapped read-only */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_LONGTERM, &pg, NULL),
		  1);
	EXPECT_FALSE(is_zero_page((struct page *)pg));
	EXPECT_TRUE(vas_page_maybe_dma_pinned(pg));
	EXPECT_PTR_EQ(page_at(f.mm, W), pg);
	EXPECT_FALSE(pte_write(pte_of(f.mm, W)));
	EXPECT_EQ(addr_of(pg)[100], 0);
	addr_of(pg)[100] = 3;
	EXPECT_EQ(rd(f.mm, W + 100), 3);
	/* a later write keeps the pinned page */
	wr(f.mm, W + 101, 4);
	EXPECT_PTR_EQ(page_at(f.mm, W), pg);
	EXPECT_EQ(addr_of(pg)[101], 4);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	vas_unpin_user_pages(&pg, 1, false);
	fx_fini(&f);
}

/* ---- NOFAULT, errors, partial counts -------------------------------------- */

TEST(nofault_stops_at_first_absent)
{
	struct fx f;
	struct vas_page *pg[4];
	struct vas_fault_info fi = { -1, 0 };

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	wr(f.mm, W, 1);
	wr(f.mm, W + P, 2);
	wr(f.mm, W + 3 * P, 4);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 4, VAS_FOLL_NOFAULT, pg, &fi), 2);
	EXPECT_EQ(fi.addr, W + 2 * P);
	EXPECT_EQ(fi.signo, 0);
	EXPECT_TRUE(pte_none(pte_of(f.mm, W + 2 * P)));	/* not faulted */
	vas_unpin_user_pages(pg, 2, false);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 2 * P, 2, VAS_FOLL_NOFAULT, pg,
				     &fi), -EFAULT);
	EXPECT_EQ(fi.addr, W + 2 * P);
	/* a read of the zero page is there; a write to it would fault */
	EXPECT_EQ(rd(f.mm, W + 2 * P), 0);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 2 * P, 2, VAS_FOLL_NOFAULT, pg,
				     NULL), 2);
	vas_page_put(pg[0]);
	vas_page_put(pg[1]);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + P, 2,
				     VAS_FOLL_NOFAULT | VAS_FOLL_WRITE, pg, &fi),
		  1);
	EXPECT_EQ(fi.addr, W + 2 * P);
	vas_page_put(pg[0]);
	EXPECT_TRUE(is_zero_page((struct page *)page_at(f.mm, W + 2 * P)));
	/* a read pin of a shared COW page needs a fault: it stops too */
	{
		struct vas_mm_user *child;

		ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
		EXPECT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_NOFAULT, pg,
					     NULL), -EFAULT);
		EXPECT_PTR_EQ(page_at(f.mm, W), page_at(child, W));
		EXPECT_EQ(vas_get_user_pages(f.mm, W, 1, VAS_FOLL_NOFAULT, pg,
					     NULL), 1);
		vas_page_put(pg[0]);
		vas_mm_put(child);
	}
	fx_fini(&f);
}

static int io_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	(void)file;
	vas_vma_new_set_io(vma);
	vas_vma_new_set_mixedmap(vma);
	return 0;
}

static const struct vas_file_ops io_ops = VAS_FILE_OPS_INIT(.mmap = io_mmap);

TEST(efault_rules)
{
	struct fx f;
	struct vas_page *pg[4];
	struct vas_fault_info fi;
	struct vas_file *io;
	unsigned long got;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 4 * P, P, VAS_PROT_NONE, PRIV, NULL, 0);
	map(f.mm, W + 6 * P, P, VAS_PROT_READ, PRIV, NULL, 0);
	map(f.mm, W + 8 * P, P, VAS_PROT_WRITE, PRIV, NULL, 0);
	map(f.mm, W + 10 * P, P, VAS_PROT_EXEC, PRIV, NULL, 0);
	/* no VMA */
	memset(&fi, 0, sizeof(fi));
	EXPECT_EQ(vas_pin_user_pages(f.mm, W + 2 * P, 1, 0, pg, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, W + 2 * P);
	EXPECT_EQ(vas_get_user_pages(f.mm, 0x1000, 1, 0, pg, NULL), -EFAULT);
	/* PROT_NONE */
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 4 * P, 1, 0, pg, &fi), -EFAULT);
	EXPECT_EQ(fi.addr, W + 4 * P);
	/* a write to a read-only VMA; a read of it is fine */
	EXPECT_EQ(vas_pin_user_pages(f.mm, W + 6 * P, 1, VAS_FOLL_WRITE, pg,
				     NULL), -EFAULT);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W + 6 * P, 1, 0, pg, NULL), 1);
	vas_unpin_user_pages(pg, 1, false);
	/* a read needs VM_READ: write-only and exec-only VMAs refuse it */
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 8 * P, 1, 0, pg, NULL), -EFAULT);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 8 * P, 1, VAS_FOLL_WRITE, pg,
				     NULL), 1);
	vas_page_put(pg[0]);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 10 * P, 1, 0, pg, NULL),
		  -EFAULT);
	/* no stack expansion */
	map(f.mm, W + 20 * P, 2 * P, RW, PRIV | VAS_MAP_GROWSDOWN, NULL, 0);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 19 * P, 1, 0, pg, NULL),
		  -EFAULT);
	/* VM_IO */
	ASSERT_EQ(vas_file_create(f.m, &io_ops, NULL,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "io", &io),
		  0);
	ASSERT_EQ(vas_mmap(f.mm, W + 30 * P, P, RW,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, io, 0, &got), 0);
	EXPECT_EQ(vas_get_user_pages(f.mm, W + 30 * P, 1, 0, pg, &fi), -EFAULT);
	EXPECT_EQ(fi.addr, W + 30 * P);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W + 30 * P, 1, VAS_FOLL_WRITE, pg,
				     NULL), -EFAULT);
	vas_file_put(io);
	/* nothing was pinned on the way */
	EXPECT_EQ(pins_out(f.m), 0);
	fx_fini(&f);
}

TEST(einval_rules)
{
	struct fx f;
	struct vas_page *pg[2];

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W + 1, 1, 0, pg, NULL), -EINVAL);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 0, 0, pg, NULL), -EINVAL);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 1, 0, NULL, NULL), -EINVAL);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 1, 0x80, pg, NULL), -EINVAL);
	EXPECT_EQ(vas_get_user_pages(f.mm, W, 1, 0x100, pg, NULL), -EINVAL);
	EXPECT_EQ(vas_pin_user_pages(f.mm, ~0UL & PAGE_MASK, 2, 0, pg, NULL),
		  -EINVAL);
	EXPECT_EQ(vas_get_user_pages(f.mm, W, ~0UL, 0, pg, NULL), -EINVAL);
	/* FOLL_LONGTERM only when pinning */
	EXPECT_EQ(vas_get_user_pages(f.mm, W, 1, VAS_FOLL_LONGTERM, pg, NULL),
		  -EINVAL);
	/* the last page below the top does not wrap: a plain -EFAULT */
	EXPECT_EQ(vas_get_user_pages(f.mm, ~0UL & PAGE_MASK, 1, 0, pg, NULL),
		  -EFAULT);
	EXPECT_TRUE(pte_none(pte_of(f.mm, W)));
	EXPECT_EQ(pins_out(f.m), 0);
	fx_fini(&f);
}

TEST(partial_counts)
{
	struct fx f;
	struct vas_page *pg[4];
	struct vas_fault_info fi;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 2 * P, P, VAS_PROT_READ, PRIV, NULL, 0);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 4, 0, pg, &fi), 3);
	EXPECT_EQ(fi.addr, W + 3 * P);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	vas_unpin_user_pages(pg, 3, false);
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 4, VAS_FOLL_WRITE, pg, &fi), 2);
	EXPECT_EQ(fi.addr, W + 2 * P);
	EXPECT_EQ(pins_out(f.m), 2);
	vas_unpin_user_pages(pg, 2, true);
	fx_fini(&f);
}

/* ---- files ---------------------------------------------------------------- */

/* A host file of @pages pages of @byte, opened read-write. */
static struct vas_file *host_file(struct vas_machine *m, unsigned long pages,
				  int byte, int *fdp)
{
	char path[] = "/tmp/vas_gup_XXXXXX";
	int fd = mkstemp(path);
	unsigned char *buf = malloc(pages * P);
	struct vas_file *file = NULL;

	HARNESS_CHECK(1, fd >= 0 && buf, "mkstemp");
	unlink(path);
	memset(buf, byte, pages * P);
	EXPECT_EQ(pwrite(fd, buf, pages * P, 0), (ssize_t)(pages * P));
	free(buf);
	EXPECT_EQ(vas_file_open_host(m, fd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				     "f", &file), 0);
	*fdp = fd;
	return file;
}

TEST(longterm_write_pin_of_shared_file)
{
	struct fx f;
	struct vas_page *pg[2];
	struct vas_file *file;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 2, 'f', &fd);
	map(f.mm, W, 2 * P, RW, VAS_MAP_SHARED, file, 0);
	map(f.mm, W + 4 * P, 2 * P, RW, VAS_MAP_PRIVATE, file, 0);
	map(f.mm, W + 8 * P, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
	    NULL, 0);
	/* shared writable host file: refused, and nothing faulted */
	EXPECT_EQ(vas_pin_user_pages(f.mm, W, 1,
				     VAS_FOLL_LONGTERM | VAS_FOLL_WRITE, pg,
				     NULL), -EFAULT);
	EXPECT_TRUE(pte_none(pte_of(f.mm, W)));
	/* short-term, or read-only: fine */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_WRITE, pg, NULL), 1);
	vas_unpin_user_pages(pg, 1, false);
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_LONGTERM, pg, NULL),
		  1);
	EXPECT_PTR_EQ(pg[0], page_at(f.mm, W));	/* the page-cache page */
	vas_unpin_user_pages(pg, 1, false);
	/* a private mapping: a long-term write pin of a private copy */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W + 4 * P, 1,
				     VAS_FOLL_LONGTERM | VAS_FOLL_WRITE, pg,
				     NULL), 1);
	EXPECT_TRUE(PageAnon((struct page *)pg[0]));
	vas_unpin_user_pages(pg, 1, false);
	/* a long-term read pin of a private file page unshares it */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W + 5 * P, 1, VAS_FOLL_LONGTERM, pg,
				     NULL), 1);
	EXPECT_TRUE(PageAnon((struct page *)pg[0]));
	EXPECT_EQ(addr_of(pg[0])[0], 'f');
	EXPECT_FALSE(pte_write(pte_of(f.mm, W + 5 * P)));
	vas_unpin_user_pages(pg, 1, false);
	/* shmem: fine */
	ASSERT_EQ(vas_pin_user_pages(f.mm, W + 8 * P, 2,
				     VAS_FOLL_LONGTERM | VAS_FOLL_WRITE, pg,
				     NULL), 2);
	vas_unpin_user_pages(pg, 2, false);
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

TEST(unpin_make_dirty_reaches_file)
{
	struct fx f;
	struct vas_page *pg[2];
	struct vas_file *file;
	char b[2];
	int fd;

	fx_init(&f);
	file = host_file(f.m, 2, 'f', &fd);
	map(f.mm, W, 2 * P, RW, VAS_MAP_SHARED, file, 0);
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 2, VAS_FOLL_WRITE, pg, NULL), 2);
	/* written back: the pages and entries are clean again */
	EXPECT_EQ(vas_msync(f.mm, W, 2 * P, VAS_MS_SYNC), 0);
	EXPECT_FALSE(PageDirty((struct page *)pg[0]));
	/* DMA into both pages; only the first is unpinned dirty */
	addr_of(pg[0])[7] = 'D';
	addr_of(pg[1])[7] = 'N';
	vas_unpin_user_pages(&pg[0], 1, true);
	vas_unpin_user_pages(&pg[1], 1, false);
	EXPECT_EQ(vas_msync(f.mm, W, 2 * P, VAS_MS_SYNC), 0);
	EXPECT_EQ(pread(fd, &b[0], 1, 7), 1);
	EXPECT_EQ(pread(fd, &b[1], 1, P + 7), 1);
	EXPECT_EQ(b[0], 'D');
	EXPECT_EQ(b[1], 'f');	/* not marked dirty: not written back */
	EXPECT_EQ(vas_munmap(f.mm, W, 2 * P), 0);
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

/* ---- fork and munmap ------------------------------------------------------- */

TEST(fork_copies_pinned_pages)
{
	struct fx f;
	struct vas_mm_user *child;
	struct vas_page *pg;
	pte_t before;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	wr(f.mm, W, 'A');
	wr(f.mm, W + P, 'a');
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, 0, &pg, NULL), 1);
	before = pte_of(f.mm, W);
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	/* the pinned page is copied for the child; the parent keeps it
	 * writable; the other page is shared copy-on-write */
	EXPECT_PTR_EQ(page_at(f.mm, W), pg);
	EXPECT_TRUE(page_at(child, W) != pg);
	EXPECT_EQ(pte_of(f.mm, W), before);
	EXPECT_TRUE(pte_write(pte_of(child, W)));
	EXPECT_TRUE(pte_dirty(pte_of(child, W)));
	EXPECT_PTR_EQ(page_at(f.mm, W + P), page_at(child, W + P));
	EXPECT_FALSE(pte_write(pte_of(f.mm, W + P)));
	EXPECT_FALSE(vas_page_maybe_dma_pinned(page_at(child, W)));
	EXPECT_EQ(rd(child, W), 'A');
	/* later writes through the pin and the parent's mapping stay out
	 * of the child */
	addr_of(pg)[0] = 'B';
	wr(f.mm, W + 1, 'b');
	EXPECT_PTR_EQ(page_at(f.mm, W), pg);
	EXPECT_EQ(addr_of(pg)[1], 'b');
	EXPECT_EQ(rd(child, W), 'A');
	EXPECT_EQ(rd(child, W + 1), 0);
	EXPECT_EQ(rd(f.mm, W), 'B');
	EXPECT_EQ(vas_mm_rss(child, VAS_RSS_ANON), 2);
	EXPECT_FALSE(mm_flag_test(mm_of_user(child), MMF_HAS_PINNED));
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	vas_unpin_user_pages(&pg, 1, false);
	fx_fini(&f);
}

TEST(pinned_page_outlives_munmap)
{
	struct fx f;
	struct vas_page *pg;
	unsigned long free_pinned;

	fx_init(&f);
	map(f.mm, W, P, RW, PRIV, NULL, 0);
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_WRITE, &pg, NULL), 1);
	addr_of(pg)[0] = 1;
	free_pinned = frames_free(f.m);
	EXPECT_EQ(vas_munmap(f.mm, W, P), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 0);
	EXPECT_EQ(vas_page_mapcount(pg), 0);
	/* still ours: its bytes, and its frame */
	EXPECT_EQ(frames_free(f.m), free_pinned);
	memset(addr_of(pg), 0x5a, P);
	EXPECT_TRUE(vas_page_maybe_dma_pinned(pg));
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	vas_unpin_user_pages(&pg, 1, true);
	EXPECT_EQ(frames_free(f.m), free_pinned + 1);
	/* an address space that goes away leaves its pins too */
	map(f.mm, W, P, RW, PRIV, NULL, 0);
	ASSERT_EQ(vas_pin_user_pages(f.mm, W, 1, VAS_FOLL_WRITE, &pg, NULL), 1);
	{
		struct vas_mm_user *other;

		ASSERT_EQ(vas_mm_create(f.m, &other), 0);
		vas_mm_put(f.mm);
		f.mm = other;
	}
	vas_machine_flush(f.m);
	addr_of(pg)[P - 1] = 2;
	vas_unpin_user_pages(&pg, 1, false);
	fx_fini(&f);
}

/* ---- allocation failure ------------------------------------------------------ */

/* What a case under failure injection does; returns 0 or -errno. */
struct fail_case {
	const char *name;
	void (*setup)(struct fx *f, struct vas_mm_user **child);
	long (*op)(struct fx *f, struct vas_mm_user **child,
		   struct vas_page **pg);
	void (*check)(struct fx *f, struct vas_mm_user *child,
		      struct vas_page *pg);
};

static void setup_empty(struct fx *f, struct vas_mm_user **child)
{
	(void)child;
	map(f->mm, W, P, RW, PRIV, NULL, 0);
}

static void setup_forked(struct fx *f, struct vas_mm_user **child)
{
	map(f->mm, W, P, RW, PRIV, NULL, 0);
	wr(f->mm, W, 'A');
	ASSERT_EQ(vas_mm_fork(f->mm, child), 0);
}

static void setup_pinned(struct fx *f, struct vas_mm_user **child)
{
	struct vas_page *pg;

	(void)child;
	map(f->mm, W, 4 * P, RW, PRIV, NULL, 0);
	wr(f->mm, W, 'A');
	wr(f->mm, W + P, 'a');
	wr(f->mm, W + 2 * P, 'b');
	wr(f->mm, W + 3 * P, 'c');
	ASSERT_EQ(vas_pin_user_pages(f->mm, W + P, 1, 0, &pg, NULL), 1);
}

static long op_write_pin(struct fx *f, struct vas_mm_user **child,
			 struct vas_page **pg)
{
	(void)child;
	return vas_pin_user_pages(f->mm, W, 1, VAS_FOLL_WRITE, pg, NULL);
}

static long op_read_pin(struct fx *f, struct vas_mm_user **child,
			struct vas_page **pg)
{
	(void)child;
	return vas_pin_user_pages(f->mm, W, 1, 0, pg, NULL);
}

static long op_longterm_pin(struct fx *f, struct vas_mm_user **child,
			    struct vas_page **pg)
{
	(void)child;
	return vas_pin_user_pages(f->mm, W, 1, VAS_FOLL_LONGTERM, pg, NULL);
}

static long op_fork(struct fx *f, struct vas_mm_user **child,
		    struct vas_page **pg)
{
	(void)pg;
	return vas_mm_fork(f->mm, child);
}

static void check_private(struct fx *f, struct vas_mm_user *child,
			  struct vas_page *pg)
{
	EXPECT_PTR_EQ(pg, page_at(f->mm, W));
	EXPECT_TRUE(vas_page_maybe_dma_pinned(pg));
	if (child) {
		EXPECT_TRUE(page_at(child, W) != pg);
		EXPECT_EQ(rd(child, W), 'A');
	}
	vas_unpin_user_pages(&pg, 1, false);
}

static void check_zero(struct fx *f, struct vas_mm_user *child,
		       struct vas_page *pg)
{
	(void)child;
	EXPECT_PTR_EQ(pg, page_at(f->mm, W));
	EXPECT_FALSE(is_zero_page((struct page *)pg));
	vas_unpin_user_pages(&pg, 1, false);
}

static void check_fork(struct fx *f, struct vas_mm_user *child,
		       struct vas_page *pg)
{
	struct vas_page *pinned;

	(void)pg;
	pinned = page_at(f->mm, W + P);
	EXPECT_TRUE(page_at(child, W + P) != pinned);
	EXPECT_EQ(rd(child, W + P), 'a');
	EXPECT_EQ(rd(child, W + 3 * P), 'c');
	EXPECT_TRUE(pte_write(pte_of(f->mm, W + P)));
}

/* Pins held by setup_pinned(), dropped before the teardown. */
static void unpin_setup(struct fx *f)
{
	for (unsigned long a = W; a < W + 4 * P; a += P) {
		struct vas_page *pg = page_at(f->mm, a);

		if (pg && vas_page_maybe_dma_pinned(pg))
			vas_unpin_user_pages(&pg, 1, false);
	}
}

static const struct fail_case fail_cases[] = {
	{ "write pin of an empty page (tables, frame)", setup_empty,
	  op_write_pin, check_private },
	{ "write pin breaking COW", setup_forked, op_write_pin,
	  check_private },
	{ "read pin unsharing", setup_forked, op_read_pin, check_private },
	{ "long-term read pin of the zero page", setup_empty, op_longterm_pin,
	  check_zero },
	{ "fork copying a pinned page", setup_pinned, op_fork, check_fork },
};

TEST(each_allocation_fails)
{
	for (size_t c = 0; c < sizeof(fail_cases) / sizeof(fail_cases[0]);
	     c++) {
		const struct fail_case *fc = &fail_cases[c];

		for (unsigned long n = 1;; n++) {
			struct vas_mm_user *child = NULL;
			struct vas_page *pg = NULL;
			unsigned char before[4];
			uint64_t pinned;
			long ret;
			struct fx f;

			fx_init(&f);
			fc->setup(&f, &child);
			for (int i = 0; i < 4; i++)
				before[i] = pte_present(pte_of(f.mm, W + i * P))
						    ? rd(f.mm, W + i * P)
						    : 0;
			pinned = pins_out(f.m);
			vas_fail_nth(n);
			ret = fc->op(&f, &child, &pg);
			vas_fail_reset();
			if (ret < 0) {
				HARNESS_CHECK(0, ret == -ENOMEM, "%s n=%lu: %ld",
					      fc->name, n, ret);
				/* nothing pinned, nothing changed */
				EXPECT_EQ(pins_out(f.m), pinned);
				for (int i = 0; i < 4; i++)
					if (pte_present(pte_of(f.mm, W + i * P)))
						EXPECT_EQ(rd(f.mm, W + i * P),
							  before[i]);
			}
			EXPECT_EQ(vas_mm_validate(f.mm), 0);
			if (ret >= 0)
				fc->check(&f, child, pg);
			unpin_setup(&f);
			if (child) {
				EXPECT_EQ(vas_mm_validate(child), 0);
				vas_mm_put(child);
			}
			fx_fini(&f);
			if (ret >= 0) {
				/* the op allocated, and each failure was seen */
				HARNESS_CHECK(0, n > 1, "%s: nothing failed",
					      fc->name);
				break;
			}
			HARNESS_CHECK(1, n < 200, "%s: never passed", fc->name);
		}
	}
}

/* ---- threads --------------------------------------------------------------- */

#define T_PAGES 16
#define T_ROUNDS 400

struct race {
	struct vas_mm_user *mm;
	int stop;	/* (a) */
};

/*
 * Pin or reference a random run of pages, check each is alive (not back
 * in the pool, still counted) and read it, let go; over and over. Writes
 * through the pins would race with fork's copy of them as DMA does in
 * Linux, so the threads only read (fork and COW copies read too).
 */
static void *pinner(void *arg)
{
	struct race *r = arg;
	struct vas_page *pg[T_PAGES];
	unsigned int seed = (unsigned int)(uintptr_t)&pg;

	for (int round = 0; round < T_ROUNDS; round++) {
		unsigned long first = (unsigned long)(rand_r(&seed) % T_PAGES);
		unsigned long nr = 1 + (unsigned long)rand_r(&seed) %
					       (T_PAGES - first);
		unsigned int flags = round & 1 ? VAS_FOLL_WRITE : 0;
		bool pin = round % 3;
		long got = pin ? vas_pin_user_pages(r->mm, W + first * P, nr,
						    flags, pg, NULL)
			       : vas_get_user_pages(r->mm, W + first * P, nr,
						    flags, pg, NULL);

		if (got == -EFAULT)
			continue;	/* unmapped just now */
		HARNESS_CHECK(1, got > 0 && (unsigned long)got <= nr,
			      "gup: %ld", got);
		for (long i = 0; i < got; i++) {
			struct page *p = (struct page *)pg[i];

			HARNESS_CHECK(1, !page_test_flag(p, PG_free) &&
					  page_ref_count(p) > 0 &&
					  (!pin || is_zero_page(p) ||
					   page_pincount(p) > 0),
				      "a page taken went away");
			(void)__atomic_load_n(addr_of(pg[i]) + 100,
					      __ATOMIC_RELAXED);
		}
		if (pin)
			vas_unpin_user_pages(pg, (unsigned long)got,
					     flags & VAS_FOLL_WRITE);
		else
			for (long i = 0; i < got; i++)
				vas_page_put(pg[i]);
	}
	return NULL;
}

/* Unmap, map again and fault in, or fork and drop the child, until the
 * pinners end. */
static void *changer(void *arg)
{
	struct race *r = arg;
	unsigned long got;
	int i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct vas_mm_user *child;
		unsigned long a = W + (unsigned long)(i % T_PAGES) * P;

		if (i % 4 == 0) {
			if (vas_mm_fork(r->mm, &child) == 0) {
				unsigned char b;

				EXPECT_EQ(vas_read(child, W, &b, 1, NULL), 0);
				EXPECT_EQ(vas_mm_validate(child), 0);
				vas_mm_put(child);
			}
		} else {
			EXPECT_EQ(vas_munmap(r->mm, a, 2 * P), 0);
			EXPECT_EQ(vas_mmap(r->mm, a, 2 * P, RW,
					   PRIV | VAS_MAP_FIXED, NULL, 0, &got),
				  0);
			EXPECT_EQ(vas_fault(r->mm, a, VAS_FAULT_WRITE, NULL), 0);
		}
		i++;
	}
	return NULL;
}

TEST(pin_races_munmap_and_fork)
{
	struct race r = { 0 };
	pthread_t t[3];
	struct fx f;

	fx_init(&f);
	r.mm = f.mm;
	map(f.mm, W, (T_PAGES + 1) * P, RW, PRIV, NULL, 0);
	ASSERT_EQ(pthread_create(&t[0], NULL, pinner, &r), 0);
	ASSERT_EQ(pthread_create(&t[1], NULL, pinner, &r), 0);
	ASSERT_EQ(pthread_create(&t[2], NULL, changer, &r), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t[2], NULL);
	EXPECT_EQ(pins_out(f.m), 0);
	fx_fini(&f);
}
