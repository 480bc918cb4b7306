// SPDX-License-Identifier: MIT
/*
 * test_filemap.c - the page cache (mem/filemap.c), white-box: fill from a
 * host file, the tail past EOF, beyond-EOF errors, dirty pages seen by
 * fread before writeback and by the host only after it, writeback at
 * release, truncation (pages dropped, tail zeroed), the
 * script's rewrite sequence, punched holes (partial folios kept, whole
 * ones absent, pages read back small), shmem, the radix index over sparse
 * offsets, failure injection at every allocation, and threads getting
 * pages while another dirties and writes back. Every case ends with all
 * frames back in the pool and frames_validate() clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vas/file.h>
#include "base/alloc.h"
#include "base/err.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "mm/mm_types.h"
#include "harness.h"

#define P PAGE_SIZE

static unsigned char pat(unsigned long i, unsigned int seed)
{
	return (unsigned char)((i * 131 + seed) % 256);
}

struct fixture {
	struct vas_machine *m;
	char dir[64];
	char path[96];
	int fd;			/* our own descriptor of the host file */
	struct vas_file *f;
};

static void setup(struct fixture *fx, size_t size, unsigned int seed)
{
	struct vas_machine_config cfg;
	unsigned char *buf = malloc(size ? size : 1);

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 16UL << 20;
	fx->m = NULL;
	ASSERT_EQ(vas_machine_create(&cfg, &fx->m), 0);
	snprintf(fx->dir, sizeof(fx->dir), "/var/tmp/vas-filemap-XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/f", fx->dir);
	fx->fd = open(fx->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(fx->fd >= 0);
	ASSERT_NOT_NULL(buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = pat(i, seed);
	ASSERT_EQ(pwrite(fx->fd, buf, size, 0), (ssize_t)size);
	free(buf);
	fx->f = NULL;
	ASSERT_EQ(vas_file_open_host(fx->m, fx->fd,
				     VAS_FMODE_READ | VAS_FMODE_WRITE, "f",
				     &fx->f), 0);
	EXPECT_EQ(i_size_read(fx->f), (loff_t)size);
}

/* All frames but the zero page back, the pool valid; remove the file. */
static void finish_machine(struct vas_machine *m)
{
	struct frames_stats st;

	frames_drain_local();
	frames_stats(m->frames, &st);
	EXPECT_EQ(frames_validate(m->frames), 0);
	EXPECT_EQ(st.free, st.total - 1);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

static void teardown(struct fixture *fx)
{
	if (fx->f)
		vas_file_put(fx->f);
	close(fx->fd);
	unlink(fx->path);
	rmdir(fx->dir);
	finish_machine(fx->m);
}

static off_t host_size(struct fixture *fx)
{
	struct stat st;

	ASSERT_EQ(fstat(fx->fd, &st), 0);
	return st.st_size;
}

static unsigned char host_byte(struct fixture *fx, off_t off)
{
	unsigned char c = 0;

	ASSERT_EQ(pread(fx->fd, &c, 1, off), 1);
	return c;
}

static bool page_is(struct page *page, unsigned long index, size_t valid,
		    unsigned int seed)
{
	const unsigned char *b = page_address(page);

	for (size_t i = 0; i < P; i++) {
		unsigned char want = i < valid ? pat(index * P + i, seed) : 0;

		if (b[i] != want) {
			fprintf(stderr, "page %lu byte %zu: %#x, want %#x\n",
				index, i, b[i], want);
			return false;
		}
	}
	return true;
}

/*
 * File of 3 pages + 100 bytes:
 *   0      1      2      3          4
 *   [data ][data ][data ][100|zeros] beyond: -ENXIO
 */
TEST(fill_from_host_and_eof)
{
	struct fixture fx;
	struct page *pg[4], *p;

	setup(&fx, 3 * P + 100, 7);
	for (unsigned long i = 0; i < 4; i++) {
		pg[i] = filemap_get_page(fx.f, i, FGP_CREAT);
		ASSERT_TRUE(!IS_ERR_OR_NULL(pg[i]));
		EXPECT_TRUE(PageUptodate(pg[i]));
		EXPECT_FALSE(PageDirty(pg[i]));
		EXPECT_PTR_EQ(pg[i]->mapping, fx.f);
		EXPECT_EQ(pg[i]->index, i);
		EXPECT_EQ(page_ref_count(pg[i]), 2);	/* index + ours */
		EXPECT_TRUE(page_is(pg[i], i, i < 3 ? P : 100, 7));
	}
	EXPECT_EQ(filemap_nrpages(fx.f), 4);
	/* Cached: the same page, with or without FGP_CREAT. */
	p = filemap_get_page(fx.f, 2, 0);
	EXPECT_PTR_EQ(p, pg[2]);
	put_page(p);
	p = filemap_find_page(fx.f, 3);
	EXPECT_PTR_EQ(p, pg[3]);
	put_page(p);
	/* Beyond EOF: -ENXIO, with or without FGP_CREAT. */
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 4, FGP_CREAT), ERR_PTR(-ENXIO));
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 4, 0), ERR_PTR(-ENXIO));
	EXPECT_PTR_EQ(filemap_get_page(fx.f, ULONG_MAX, FGP_CREAT),
		      ERR_PTR(-ENXIO));
	EXPECT_NULL(filemap_find_page(fx.f, 4));
	EXPECT_EQ(filemap_nrpages(fx.f), 4);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(page_ref_count(pg[i]), 2);
		put_page(pg[i]);
	}
	teardown(&fx);
}

TEST(uncached_without_creat_is_null)
{
	struct fixture fx;

	setup(&fx, 2 * P, 1);
	EXPECT_NULL(filemap_get_page(fx.f, 1, 0));
	EXPECT_NULL(filemap_find_page(fx.f, 0));
	EXPECT_EQ(filemap_nrpages(fx.f), 0);
	teardown(&fx);
}

TEST(dirty_fread_then_writeback)
{
	struct fixture fx;
	size_t size = 3 * P + 100;
	unsigned char *want = malloc(size + 64), *got = malloc(size + 64);
	struct page *p1, *p3;
	ssize_t n;

	ASSERT_NOT_NULL(want);
	ASSERT_NOT_NULL(got);
	setup(&fx, size, 3);
	for (size_t i = 0; i < size; i++)
		want[i] = pat(i, 3);

	p1 = filemap_get_page(fx.f, 1, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p1));
	memcpy((char *)page_address(p1) + 10, "HELLO", 5);
	memcpy(want + P + 10, "HELLO", 5);
	EXPECT_TRUE(set_page_dirty(p1));
	EXPECT_FALSE(folio_mark_dirty(p1));
	EXPECT_TRUE(PageDirty(p1));

	/* The partial last page: a write inside EOF and one past it. */
	p3 = filemap_get_page(fx.f, 3, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p3));
	((char *)page_address(p3))[50] = 'x';
	((char *)page_address(p3))[200] = 'y';
	want[3 * P + 50] = 'x';
	set_page_dirty(p3);

	/* fread sees the cached bytes at once; uncached pages via pread. */
	n = filemap_fread(fx.f, 0, size + 64, got);
	EXPECT_EQ(n, (ssize_t)size);
	EXPECT_EQ(memcmp(got, want, size), 0);
	n = filemap_fread(fx.f, (loff_t)P + 8, 9, got);
	EXPECT_EQ(n, 9);
	EXPECT_EQ(memcmp(got, want + P + 8, 9), 0);
	EXPECT_EQ(filemap_fread(fx.f, (loff_t)size, 10, got), 0);
	EXPECT_EQ(filemap_fread(fx.f, (loff_t)size + P, 10, got), 0);
	EXPECT_EQ(filemap_fread(fx.f, -1, 10, got), -EINVAL);

	/* The host does not see them yet. */
	EXPECT_EQ(host_byte(&fx, (off_t)P + 10), pat(P + 10, 3));
	EXPECT_EQ(host_byte(&fx, 3 * (off_t)P + 50), pat(3 * P + 50, 3));

	/* A range not covering page 1 leaves it dirty. */
	EXPECT_EQ(filemap_write_and_wait_range(fx.f, 0, P - 1), 0);
	EXPECT_TRUE(PageDirty(p1));
	EXPECT_EQ(host_byte(&fx, (off_t)P + 10), pat(P + 10, 3));
	/* One byte of page 1 in the range: the page is written. */
	EXPECT_EQ(filemap_write_and_wait_range(fx.f, 2 * P - 1, 2 * P - 1), 0);
	EXPECT_FALSE(PageDirty(p1));
	EXPECT_TRUE(PageDirty(p3));
	EXPECT_EQ(host_byte(&fx, (off_t)P + 10), 'H');
	EXPECT_EQ(host_byte(&fx, (off_t)P + 14), 'O');
	EXPECT_EQ(filemap_write_and_wait_range(fx.f, 0, LLONG_MAX), 0);
	EXPECT_FALSE(PageDirty(p3));
	EXPECT_EQ(host_byte(&fx, 3 * (off_t)P + 50), 'x');
	/* Never past EOF. */
	EXPECT_EQ(host_size(&fx), (off_t)size);

	put_page(p1);
	put_page(p3);
	teardown(&fx);
	free(want);
	free(got);
}

TEST(release_writes_back)
{
	struct fixture fx;
	struct page *p;

	setup(&fx, 2 * P, 9);
	p = filemap_get_page(fx.f, 1, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	((char *)page_address(p))[7] = 'Q';
	set_page_dirty(p);
	put_page(p);
	EXPECT_EQ(host_byte(&fx, (off_t)P + 7), pat(P + 7, 9));
	vas_file_put(fx.f);		/* the last reference */
	fx.f = NULL;
	EXPECT_EQ(host_byte(&fx, (off_t)P + 7), 'Q');
	EXPECT_EQ(host_size(&fx), 2 * (off_t)P);
	teardown(&fx);
}

/*
 * 4 pages, all cached, page 3 dirty; truncate to P + 10:
 *   0      1           2      3
 *   [keep ][10|zeros ] dropped dropped
 */
TEST(truncate_drops_and_zeroes)
{
	struct fixture fx;
	struct page *pg[4], *p;
	unsigned char got[64];

	setup(&fx, 4 * P, 5);
	for (unsigned long i = 0; i < 4; i++) {
		pg[i] = filemap_get_page(fx.f, i, FGP_CREAT);
		ASSERT_TRUE(!IS_ERR_OR_NULL(pg[i]));
	}
	set_page_dirty(pg[3]);

	EXPECT_EQ(vas_file_truncate(fx.f, (loff_t)P + 10), 0);
	EXPECT_EQ(i_size_read(fx.f), (loff_t)P + 10);
	EXPECT_EQ(host_size(&fx), (off_t)P + 10);
	EXPECT_EQ(filemap_nrpages(fx.f), 2);
	/* Dropped pages: detached, clean, only our reference left. */
	for (int i = 2; i < 4; i++) {
		EXPECT_NULL(pg[i]->mapping);
		EXPECT_FALSE(PageDirty(pg[i]));
		EXPECT_EQ(page_ref_count(pg[i]), 1);
	}
	EXPECT_PTR_EQ(pg[1]->mapping, fx.f);
	EXPECT_TRUE(page_is(pg[1], 1, 10, 5));
	EXPECT_TRUE(page_is(pg[0], 0, P, 5));
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 2, FGP_CREAT), ERR_PTR(-ENXIO));
	EXPECT_EQ(filemap_fread(fx.f, (loff_t)P, 64, got), 10);
	for (int i = 0; i < 4; i++)
		put_page(pg[i]);

	/* Truncation to the same size. */
	EXPECT_EQ(vas_file_truncate(fx.f, (loff_t)P + 10), 0);
	EXPECT_EQ(filemap_nrpages(fx.f), 2);

	/* Extend: the old tail and the new pages read as zeros. */
	EXPECT_EQ(vas_file_truncate(fx.f, 3 * (loff_t)P), 0);
	EXPECT_EQ(filemap_fread(fx.f, (loff_t)P + 8, 4, got), 4);
	EXPECT_EQ(got[0], pat(P + 8, 5));
	EXPECT_EQ(got[1], pat(P + 9, 5));
	EXPECT_EQ(got[2], 0);
	EXPECT_EQ(got[3], 0);
	p = filemap_get_page(fx.f, 2, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	EXPECT_TRUE(page_is(p, 2, 0, 0));
	put_page(p);

	/* Shrinking to 0 drops everything. */
	EXPECT_EQ(vas_file_truncate(fx.f, 0), 0);
	EXPECT_EQ(filemap_nrpages(fx.f), 0);
	EXPECT_EQ(vas_file_truncate(fx.f, -1), -EINVAL);
	teardown(&fx);
}

/* The script's `file NAME` on an existing file: truncate, write, resize. */
TEST(script_rewrite_sequence)
{
	struct fixture fx;
	unsigned char buf[2 * P], got[2 * P];
	struct page *p;

	setup(&fx, 3 * P, 1);
	p = filemap_get_page(fx.f, 0, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	put_page(p);
	EXPECT_EQ(vas_file_truncate(fx.f, 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pat(i, 77);
	ASSERT_EQ(pwrite(fx.fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	EXPECT_EQ(vas_file_truncate(fx.f, sizeof(buf)), 0);
	EXPECT_EQ(filemap_fread(fx.f, 0, sizeof(got), got),
		  (ssize_t)sizeof(got));
	EXPECT_EQ(memcmp(got, buf, sizeof(buf)), 0);
	p = filemap_get_page(fx.f, 1, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	EXPECT_TRUE(page_is(p, 1, P, 77));
	put_page(p);
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 2, FGP_CREAT), ERR_PTR(-ENXIO));
	teardown(&fx);
}

/* The page cache holds page @i of the fixture's file. */
static bool cached(struct fixture *fx, unsigned long i)
{
	struct page *p = filemap_find_page(fx->f, i);

	if (p)
		put_page(p);
	return p != NULL;
}

/*
 * A punched hole (issue 8, section 3): the pages of the folios wholly
 * inside leave the cache and become absent (no shadow), those of a folio
 * partly inside stay cached with their bytes zeroed; a page read back
 * into a hole is a folio of its own; truncation forgets every state. The
 * host file holds zeros over the hole.
 *
 *	0   1   2   3 | 4   5   6   7 | 8 ...      16 KiB folios
 *	    [hole 1 ......... 6] : folio 0-3 and 4-7 partly inside
 *	                  [drop 8-11] : a whole folio
 */
TEST(punch_hole_keeps_partial_folios)
{
	struct fixture fx;
	unsigned char got[P];
	struct page *p;

	setup(&fx, 16 * P, 3);
	for (unsigned long i = 0; i < 16; i++) {
		p = filemap_get_page(fx.f, i, FGP_CREAT);
		ASSERT_TRUE(!IS_ERR_OR_NULL(p));
		put_page(p);
	}
	/* partial folios only: nothing dropped, the hole's bytes zeroed */
	EXPECT_EQ(filemap_punch_hole(fx.f, 1, 6, 1, 0), 0);
	EXPECT_EQ(filemap_nrpages(fx.f), 16);
	for (unsigned long i = 0; i < 8; i++) {
		p = filemap_find_page(fx.f, i);
		ASSERT_NOT_NULL(p);
		EXPECT_TRUE(page_is(p, i, i >= 1 && i <= 6 ? 0 : P, 3));
		put_page(p);
		EXPECT_EQ(filemap_page_state(fx.f, i), 0);
	}
	EXPECT_EQ(host_byte(&fx, 3 * P), 0);
	EXPECT_EQ(host_byte(&fx, 7 * P), pat(7 * P, 3));

	/* a whole folio: dropped, absent; read back small */
	EXPECT_EQ(filemap_punch_hole(fx.f, 8, 4, 8, 4), 0);
	EXPECT_EQ(filemap_nrpages(fx.f), 12);
	for (unsigned long i = 8; i < 12; i++) {
		EXPECT_FALSE(cached(&fx, i));
		EXPECT_EQ(filemap_page_state(fx.f, i), FILEMAP_ABSENT);
	}
	EXPECT_EQ(filemap_page_state(fx.f, 12), 0);
	p = filemap_get_page(fx.f, 9, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	EXPECT_TRUE(page_is(p, 9, 0, 3));
	put_page(p);
	EXPECT_EQ(filemap_page_state(fx.f, 9), FILEMAP_SMALL);
	EXPECT_EQ(filemap_page_state(fx.f, 8), FILEMAP_ABSENT);
	EXPECT_EQ(filemap_page_state(fx.f, 10), FILEMAP_ABSENT);
	/* fread reads the host's zeros without filling the cache */
	EXPECT_EQ(filemap_fread(fx.f, 10 * (loff_t)P, P, got), (ssize_t)P);
	EXPECT_EQ(got[0], 0);
	EXPECT_FALSE(cached(&fx, 10));
	/* an evicted page read back keeps its shape; absent ones stay */
	EXPECT_TRUE(filemap_evict(fx.f, 13));
	EXPECT_EQ(filemap_page_state(fx.f, 13), FILEMAP_EVICTED);
	EXPECT_TRUE(filemap_evict(fx.f, 9));
	EXPECT_EQ(filemap_page_state(fx.f, 9),
		  FILEMAP_EVICTED | FILEMAP_SMALL);
	p = filemap_get_page(fx.f, 13, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	put_page(p);
	EXPECT_EQ(filemap_page_state(fx.f, 13), 0);
	/* punching again over a hole merges the ranges */
	EXPECT_EQ(filemap_punch_hole(fx.f, 8, 8, 8, 8), 0);
	for (unsigned long i = 8; i < 16; i++)
		EXPECT_EQ(filemap_page_state(fx.f, i), FILEMAP_ABSENT);
	/* the rewrite truncates to 0: every state goes */
	EXPECT_EQ(vas_file_truncate(fx.f, 0), 0);
	EXPECT_EQ(vas_file_truncate(fx.f, 16 * (loff_t)P), 0);
	for (unsigned long i = 0; i < 16; i++)
		EXPECT_EQ(filemap_page_state(fx.f, i), 0);
	EXPECT_EQ(filemap_punch_hole(fx.f, 1, 2, 3, 1), -EINVAL);
	teardown(&fx);
}

/*
 * Allocation failure: a punch without room for the hole's record is
 * -ENOMEM before the host file or the cache changes; a page read back
 * into a hole without room to cut the hole is -ENOMEM, nothing inserted.
 */
TEST(punch_hole_and_readback_fail_cleanly)
{
	struct fixture fx;
	struct page *p;
	long live;

	setup(&fx, 8 * P, 4);
	p = filemap_get_page(fx.f, 5, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	put_page(p);
	live = vas_alloc_live();
	vas_fail_site(VAS_FP_MISC, true);
	EXPECT_EQ(filemap_punch_hole(fx.f, 4, 4, 4, 4), -ENOMEM);
	vas_fail_site(VAS_FP_MISC, false);
	EXPECT_EQ(vas_alloc_live(), live);
	EXPECT_TRUE(cached(&fx, 5));
	EXPECT_EQ(host_byte(&fx, 5 * P), pat(5 * P, 4));
	EXPECT_EQ(filemap_page_state(fx.f, 5), 0);

	/* holes [0, 4) and [4, 8) merge; a page in the middle cuts it */
	EXPECT_EQ(filemap_punch_hole(fx.f, 4, 4, 4, 4), 0);
	EXPECT_EQ(filemap_punch_hole(fx.f, 0, 4, 0, 4), 0);
	live = vas_alloc_live();
	vas_fail_site(VAS_FP_MISC, true);
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 5, FGP_CREAT), ERR_PTR(-ENOMEM));
	vas_fail_site(VAS_FP_MISC, false);
	EXPECT_EQ(vas_alloc_live(), live);
	EXPECT_FALSE(cached(&fx, 5));
	EXPECT_EQ(filemap_page_state(fx.f, 5), FILEMAP_ABSENT);
	p = filemap_get_page(fx.f, 5, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	put_page(p);
	EXPECT_EQ(filemap_page_state(fx.f, 4), FILEMAP_ABSENT);
	EXPECT_EQ(filemap_page_state(fx.f, 5), FILEMAP_SMALL);
	EXPECT_EQ(filemap_page_state(fx.f, 6), FILEMAP_ABSENT);
	teardown(&fx);
}

TEST(shmem_zero_fill_never_written)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;
	struct vas_file *f;
	struct page *p, *q;
	unsigned char got[16];

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 16UL << 20;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	f = shmem_file_setup(m->frames, m, 3 * P);
	ASSERT_NOT_NULL(f);
	EXPECT_EQ(i_size_read(f), 3 * (loff_t)P);
	EXPECT_EQ(filemap_fread(f, 0, sizeof(got), got), (ssize_t)sizeof(got));
	EXPECT_EQ(got[0], 0);
	p = filemap_get_page(f, 2, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p));
	EXPECT_TRUE(page_is(p, 2, 0, 0));
	EXPECT_TRUE(PageUptodate(p));
	memset(page_address(p), 0xab, 16);
	set_page_dirty(p);
	q = filemap_get_page(f, 2, 0);
	EXPECT_PTR_EQ(q, p);
	put_page(q);
	EXPECT_EQ(filemap_fread(f, 2 * (loff_t)P, 16, got), 16);
	EXPECT_EQ(got[15], 0xab);
	EXPECT_EQ(filemap_write_and_wait_range(f, 0, LLONG_MAX), 0);
	EXPECT_TRUE(PageDirty(p));		/* no backing store */
	EXPECT_PTR_EQ(filemap_get_page(f, 3, FGP_CREAT), ERR_PTR(-ENXIO));
	EXPECT_EQ(vas_file_truncate(f, P), -EINVAL);	/* size is fixed */
	put_page(p);
	vas_file_put(f);
	finish_machine(m);
}

TEST(driver_files_have_no_cache)
{
	static const struct vas_file_ops ops = VAS_FILE_OPS_INIT();
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;
	struct vas_file *f = NULL;
	char c;

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 1UL << 20;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_EQ(vas_file_create(m, &ops, NULL, VAS_FMODE_READ, "drv", &f), 0);
	EXPECT_PTR_EQ(filemap_get_page(f, 0, FGP_CREAT), ERR_PTR(-EINVAL));
	EXPECT_EQ(filemap_fread(f, 0, 1, &c), -EINVAL);
	vas_file_put(f);
	finish_machine(m);
}

/* Sparse offsets across many tree levels; truncation in the middle. */
TEST(sparse_index)
{
	enum { N = 300 };
	static unsigned long idx[N];
	struct fixture fx;
	uint64_t x = harness_seed() | 1;
	loff_t size = (loff_t)1 << 40;	/* sparse: 2^28 pages */
	unsigned long cut = 1UL << 27, kept = 0;

	setup(&fx, 0, 0);
	/* Where the host refuses the size (EFBIG), nothing changes. */
	if (vas_file_truncate(fx.f, (loff_t)1 << 62))
		EXPECT_EQ(i_size_read(fx.f), 0);
	ASSERT_EQ(vas_file_truncate(fx.f, size), 0);
	for (int i = 0; i < N; i++) {
		struct page *p;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* Mix tiny, clustered and huge offsets. */
		idx[i] = i % 3 == 0 ? (unsigned long)(x % 200) :
			 i % 3 == 1 ? (unsigned long)(x % 70000) :
				      (unsigned long)(x % (1UL << 28));
		p = filemap_get_page(fx.f, idx[i], FGP_CREAT);
		ASSERT_TRUE(!IS_ERR_OR_NULL(p));
		EXPECT_EQ(p->index, idx[i]);
		put_page(p);
	}
	for (int i = 0; i < N; i++) {
		struct page *p = filemap_find_page(fx.f, idx[i]);

		ASSERT_NOT_NULL(p);
		EXPECT_EQ(p->index, idx[i]);
		put_page(p);
	}
	EXPECT_EQ(filemap_nrpages(fx.f) <= N, true);
	EXPECT_EQ(vas_file_set_size(fx.f, (loff_t)cut << PAGE_SHIFT), 0);
	for (int i = 0; i < N; i++) {
		struct page *p = filemap_find_page(fx.f, idx[i]);

		if (idx[i] < cut) {
			ASSERT_NOT_NULL(p);
			put_page(p);
		} else {
			EXPECT_NULL(p);
		}
	}
	for (unsigned long i = 0; i < N; i++) {
		bool dup = false;

		for (unsigned long j = 0; j < i; j++)
			dup |= idx[j] == idx[i];
		if (!dup && idx[i] < cut)
			kept++;
	}
	EXPECT_EQ(filemap_nrpages(fx.f), kept);
	EXPECT_EQ(vas_file_truncate(fx.f, 0), 0);
	EXPECT_EQ(filemap_nrpages(fx.f), 0);
	teardown(&fx);
}

/* Every allocation of a fill that also grows the tree fails in turn. */
TEST(failure_injection)
{
	struct fixture fx;
	struct page *p, *p0;
	unsigned long n, target = 5000000;
	long live;
	bool done = false;

	setup(&fx, 0, 0);
	ASSERT_EQ(vas_file_truncate(fx.f, (loff_t)(target + 1) * P), 0);
	p0 = filemap_get_page(fx.f, 3, FGP_CREAT);
	ASSERT_TRUE(!IS_ERR_OR_NULL(p0));

	vas_fail_site(VAS_FP_FRAME, true);
	EXPECT_PTR_EQ(filemap_get_page(fx.f, 4, FGP_CREAT), ERR_PTR(-ENOMEM));
	vas_fail_site(VAS_FP_FRAME, false);
	EXPECT_EQ(filemap_nrpages(fx.f), 1);
	EXPECT_NULL(filemap_find_page(fx.f, 4));

	vas_fail_site(VAS_FP_MISC, true);
	EXPECT_PTR_EQ(filemap_get_page(fx.f, target, FGP_CREAT),
		      ERR_PTR(-ENOMEM));
	vas_fail_site(VAS_FP_MISC, false);

	for (n = 1; !done && n < 64; n++) {
		vas_fail_reset();
		live = vas_alloc_live();
		vas_fail_nth(n);
		p = filemap_get_page(fx.f, target, FGP_CREAT);
		if (vas_fail_fired()) {
			EXPECT_PTR_EQ(p, ERR_PTR(-ENOMEM));
			EXPECT_EQ(vas_alloc_live(), live);
			EXPECT_EQ(filemap_nrpages(fx.f), 1);
			EXPECT_NULL(filemap_find_page(fx.f, target));
			p = filemap_find_page(fx.f, 3);
			EXPECT_PTR_EQ(p, p0);
			if (p)
				put_page(p);
			continue;
		}
		ASSERT_TRUE(!IS_ERR_OR_NULL(p));
		EXPECT_EQ(p->index, target);
		put_page(p);
		done = true;
	}
	vas_fail_reset();
	EXPECT_TRUE(done);
	EXPECT_GT(n, 2);		/* the frame and at least one node */
	EXPECT_EQ(filemap_nrpages(fx.f), 2);
	put_page(p0);
	teardown(&fx);
}

/* ---- threads ------------------------------------------------------------- */

#define CPAGES 64

struct conc {
	struct fixture *fx;
	int stop;			/* (a) */
	unsigned int seed;
	uint64_t gen[CPAGES];		/* writer's last value per page */
	int errors;			/* (a) */
};

struct getter_arg {
	struct conc *c;
	uint64_t x;
};

static void *getter(void *arg)
{
	struct getter_arg *g = arg;
	struct conc *c = g->c;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long i;
		struct page *p;
		const unsigned char *b;

		g->x ^= g->x << 13, g->x ^= g->x >> 7, g->x ^= g->x << 17;
		i = g->x % CPAGES;
		p = (g->x >> 8) & 1 ? filemap_get_page(c->fx->f, i, FGP_CREAT)
				    : filemap_find_page(c->fx->f, i);
		if (!p)
			continue;
		b = page_address(p);
		/* Bytes 8.. are never written: they must be the file's. */
		if (IS_ERR(p) || p->index != i || !PageUptodate(p) ||
		    b[100] != pat(i * P + 100, c->seed) ||
		    b[P - 1] != pat(i * P + P - 1, c->seed))
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
		if (!IS_ERR(p))
			put_page(p);
	}
	return NULL;
}

static void *dirtier(void *arg)
{
	struct conc *c = arg;
	uint64_t x = 88172645463325252ULL;
	unsigned int rounds = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long i;
		struct page *p;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = x % CPAGES;
		p = filemap_get_page(c->fx->f, i, FGP_CREAT);
		if (IS_ERR_OR_NULL(p)) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		c->gen[i]++;
		memcpy(page_address(p), &c->gen[i], sizeof(uint64_t));
		set_page_dirty(p);
		put_page(p);
		if (++rounds % 8 == 0 &&
		    filemap_write_and_wait_range(c->fx->f, 0, LLONG_MAX))
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(concurrent_get_put_dirty_writeback)
{
	static struct conc c;
	struct getter_arg g[3];
	pthread_t t[4];
	struct fixture fx;
	double end;

	memset(&c, 0, sizeof(c));
	c.seed = 11;
	c.fx = &fx;
	setup(&fx, CPAGES * P, c.seed);
	for (int i = 0; i < 3; i++) {
		g[i].c = &c;
		g[i].x = harness_seed() + 0x9e3779b97f4a7c15ULL * (i + 1);
		g[i].x |= 1;
		ASSERT_EQ(pthread_create(&t[i], NULL, getter, &g[i]), 0);
	}
	ASSERT_EQ(pthread_create(&t[3], NULL, dirtier, &c), 0);
	end = harness_now() + harness_seconds(1.0);
	while (harness_now() < end)
		usleep(10000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(c.errors, 0);

	EXPECT_EQ(filemap_write_and_wait_range(fx.f, 0, LLONG_MAX), 0);
	for (unsigned long i = 0; i < CPAGES; i++) {
		uint64_t v = 0;

		if (!c.gen[i])
			continue;
		ASSERT_EQ(pread(fx.fd, &v, sizeof(v), (off_t)(i * P)),
			  (ssize_t)sizeof(v));
		EXPECT_EQ(v, c.gen[i]);
	}
	teardown(&fx);
}
