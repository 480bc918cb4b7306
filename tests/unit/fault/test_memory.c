// SPDX-License-Identifier: MIT
/*
 * test_memory.c - the memory layer through the library's calls: faults and
 * user access, copy on write and fork, file pages and writeback, zap,
 * guards, vm_insert_page and zap_page_range_single, page-table freeing,
 * and every allocation of faults, fork, populate and mremap failed in
 * turn. Each case ends with the validator (page tables against VMAs, RSS
 * against the entries) and with every frame back in the pool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "harness.h"
#include "page/filemap.h"
#include "page/page.h"
#include "mm/mm.h"
#include "pgtable/pgtable.h"

#define P 4096UL
#define W 0x200000000000UL
#define PRIV (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	unsigned long free0;	/* free frames at the start */
};

static unsigned long frames_free(struct vas_machine *m)
{
	struct frames_stats st;

	frames_drain_local();
	frames_stats(m->frames, &st);
	return st.free;
}

/* A machine whose host files have folios of up to @folio bytes. */
static void fx_init_folio(struct fx *f, size_t folio)
{
	struct vas_machine_config cfg;

	vas_machine_config_init(&cfg);
	cfg.file_folio_max = folio;
	ASSERT_EQ(vas_machine_create(&cfg, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
	f->free0 = frames_free(f->m);
}

static void fx_init(struct fx *f)
{
	fx_init_folio(f, PAGE_SIZE);	/* the library's default */
}

/* Validate, tear down, and check that every frame came back. */
static void fx_fini(struct fx *f)
{
	EXPECT_EQ(vas_mm_validate(f->mm), 0);
	vas_mm_put(f->mm);
	vas_machine_flush(f->m);
	EXPECT_EQ(frames_free(f->m), f->free0);
	EXPECT_EQ(frames_validate(f->m->frames), 0);
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

static unsigned char rd(struct vas_mm_user *mm, unsigned long addr)
{
	unsigned char b = 0xee;

	EXPECT_EQ(vas_read(mm, addr, &b, 1, NULL), 0);
	return b;
}

/* The smaps figures of the VMA at @addr, in kB. */
static struct vas_vma_mem mem_at(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_mem st = {0};
	struct vas_vma_ref *v;

	vas_mmap_read_lock(mm);
	v = vas_vma_lookup(mm, addr);
	if (v)
		vas_vma_mem_stats(v, &st);
	vas_mmap_read_unlock(mm);
	return st;
}

/* A host file of @pages pages, byte i = i * 7 + seed, opened read-write. */
static struct vas_file *host_file(struct vas_machine *m, unsigned long pages,
				  int seed, int *fdp)
{
	char path[] = "/tmp/vas_memory_XXXXXX";
	int fd = mkstemp(path);
	unsigned char *buf = malloc(pages * P);
	struct vas_file *file = NULL;

	HARNESS_CHECK(1, fd >= 0 && buf, "mkstemp");
	unlink(path);
	for (unsigned long i = 0; i < pages * P; i++)
		buf[i] = (unsigned char)(i * 7 + (unsigned long)seed);
	EXPECT_EQ(pwrite(fd, buf, pages * P, 0), (ssize_t)(pages * P));
	free(buf);
	EXPECT_EQ(vas_file_open_host(m, fd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				     "f", &file), 0);
	*fdp = fd;
	return file;
}

/* ---- anonymous memory ------------------------------------------------------ */

TEST(anon_read_maps_zero_page_write_allocates)
{
	struct fx f;
	unsigned char buf[3 * P];

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	memset(buf, 0xaa, sizeof(buf));
	EXPECT_EQ(vas_read(f.mm, W + 100, buf, sizeof(buf), NULL), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			HARNESS_CHECK(1, 0, "byte %zu not zero", i);
	/* the zero page is not counted */
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 0);
	EXPECT_EQ(vas_fill(f.mm, W + P + 10, 0x5a, P, NULL), 0);
	EXPECT_EQ(rd(f.mm, W + P + 9), 0);
	EXPECT_EQ(rd(f.mm, W + P + 10), 0x5a);
	EXPECT_EQ(rd(f.mm, W + 2 * P + 9), 0x5a);
	EXPECT_EQ(rd(f.mm, W + 2 * P + 10), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 2);
	EXPECT_EQ(mem_at(f.mm, W).anon_kb, 8);
	fx_fini(&f);
}

TEST(access_errors_name_the_page)
{
	struct fx f;
	struct vas_fault_info fi = {0};
	unsigned char b[2 * P];

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 2 * P, P, VAS_PROT_READ, PRIV, NULL, 0);
	map(f.mm, W + 3 * P, P, VAS_PROT_NONE, PRIV, NULL, 0);
	map(f.mm, W + 4 * P, P, VAS_PROT_WRITE, PRIV, NULL, 0);
	/* the write runs into the read-only page: the first two are done */
	EXPECT_EQ(vas_fill(f.mm, W + 10, 1, 3 * P, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, W + 2 * P);
	EXPECT_EQ(rd(f.mm, W + 2 * P - 1), 1);
	EXPECT_EQ(vas_read(f.mm, W + 3 * P + 5, b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.addr, W + 3 * P);
	/* x86: a write-only mapping can be read */
	EXPECT_EQ(vas_read(f.mm, W + 4 * P, b, 16, NULL), 0);
	/* a hole */
	EXPECT_EQ(vas_read(f.mm, W + 5 * P + 1, b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.addr, W + 5 * P);
	/* past the top of user space */
	EXPECT_EQ(vas_read(f.mm, VAS_TASK_SIZE - 8, b, 16, &fi), -EFAULT);
	EXPECT_EQ(fi.addr, VAS_TASK_SIZE - P);
	/* mprotect takes write away at once */
	EXPECT_EQ(vas_mprotect(f.mm, W, P, VAS_PROT_READ), 0);
	EXPECT_EQ(vas_fill(f.mm, W, 2, 1, &fi), -EFAULT);
	EXPECT_EQ(vas_mprotect(f.mm, W, P, RW), 0);
	EXPECT_EQ(vas_fill(f.mm, W, 2, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W), 2);
	EXPECT_EQ(vas_read(f.mm, W, b, 0, NULL), 0);
	fx_fini(&f);
}

TEST(dontneed_and_munmap_free_pages_and_tables)
{
	struct fx f;
	struct pt_stats st;

	fx_init(&f);
	map(f.mm, W, 64 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W, 7, 64 * P, NULL), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 64);
	EXPECT_EQ(frames_free(f.m), f.free0 - 64);
	EXPECT_EQ(vas_madvise(f.mm, W, 16 * P, VAS_MADV_DONTNEED), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 48);
	EXPECT_EQ(rd(f.mm, W + 3), 0);		/* refaults as zeros */
	EXPECT_EQ(rd(f.mm, W + 16 * P), 7);
	EXPECT_EQ(frames_free(f.m), f.free0 - 48);
	/* a VMA 1 GiB away shares no table with the first */
	map(f.mm, W + (1UL << 30), P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W + (1UL << 30), 1, 1, NULL), 0);
	EXPECT_EQ(vas_munmap(f.mm, W, 64 * P), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	EXPECT_EQ(frames_free(f.m), f.free0 - 1);
	EXPECT_EQ(pt_validate(mm_of_user(f.mm)->pgd, NULL, NULL, &st), 0);
	/* only the tables of the remaining page: pud, pmd, pte */
	EXPECT_EQ(st.tables[PT_LEVEL_PTE], 1);
	EXPECT_EQ(st.tables[PT_LEVEL_PMD], 1);
	EXPECT_EQ(st.present, 1);
	fx_fini(&f);
}

TEST(munmap_keeps_a_table_a_neighbour_uses)
{
	struct fx f;
	struct pt_stats st;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 2 * P, 2 * P, VAS_PROT_READ, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W, 3, 2 * P, NULL), 0);
	EXPECT_EQ(vas_munmap(f.mm, W + 2 * P, 2 * P), 0);
	EXPECT_EQ(pt_validate(mm_of_user(f.mm)->pgd, NULL, NULL, &st), 0);
	EXPECT_EQ(st.tables[PT_LEVEL_PTE], 1);
	EXPECT_EQ(rd(f.mm, W + P), 3);
	EXPECT_EQ(vas_munmap(f.mm, W, 2 * P), 0);
	EXPECT_EQ(pt_validate(mm_of_user(f.mm)->pgd, NULL, NULL, &st), 0);
	EXPECT_EQ(st.tables[PT_LEVEL_PTE], 0);
	EXPECT_EQ(st.tables[PT_LEVEL_PUD], 0);
	fx_fini(&f);
}

TEST(map_fixed_replaces_memory)
{
	struct fx f;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W, 9, 4 * P, NULL), 0);
	map(f.mm, W + P, 2 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(rd(f.mm, W), 9);
	EXPECT_EQ(rd(f.mm, W + P), 0);
	EXPECT_EQ(rd(f.mm, W + 3 * P), 9);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 2);
	fx_fini(&f);
}

TEST(mremap_moves_contents)
{
	struct fx f;
	unsigned long got = 0;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	for (unsigned long i = 0; i < 4; i++)
		EXPECT_EQ(vas_fill(f.mm, W + i * P, (int)i + 1, P, NULL), 0);
	EXPECT_EQ(vas_mremap(f.mm, W, 4 * P, 8 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
			     W + 0x100000, &got), 0);
	EXPECT_EQ(got, W + 0x100000);
	for (unsigned long i = 0; i < 4; i++)
		EXPECT_EQ(rd(f.mm, got + i * P + 5), i + 1);
	EXPECT_EQ(rd(f.mm, got + 6 * P), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 4);
	/* shrinking frees the tail */
	EXPECT_EQ(vas_mremap(f.mm, got, 8 * P, 2 * P, 0, 0, &got), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 2);
	fx_fini(&f);
}

/* ---- fork ---------------------------------------------------------------- */

TEST(fork_shares_copy_on_write)
{
	struct fx f;
	struct vas_mm_user *child;
	unsigned long free_before;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	map(f.mm, W + 8 * P, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
	    NULL, 0);
	map(f.mm, W + 16 * P, P, RW, PRIV, NULL, 0);
	map(f.mm, W + 18 * P, P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_madvise(f.mm, W + 16 * P, P, VAS_MADV_DONTFORK), 0);
	EXPECT_EQ(vas_madvise(f.mm, W + 18 * P, P, VAS_MADV_WIPEONFORK), 0);
	EXPECT_EQ(vas_fill(f.mm, W, 0x11, 4 * P, NULL), 0);
	EXPECT_EQ(vas_fill(f.mm, W + 8 * P, 0x22, 2 * P, NULL), 0);
	EXPECT_EQ(vas_fill(f.mm, W + 18 * P, 0x33, P, NULL), 0);
	EXPECT_EQ(vas_mlock(f.mm, W, P), 0);
	free_before = frames_free(f.m);
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	/* nothing copied yet */
	EXPECT_EQ(frames_free(f.m), free_before);
	EXPECT_EQ(vas_mm_rss(child, VAS_RSS_ANON), 4);
	/* shared memory is not copied: it faults in from the shmem object */
	EXPECT_EQ(vas_mm_rss(child, VAS_RSS_SHMEM), 0);
	/* locked pages shared by two count half in each; mlock not inherited */
	EXPECT_EQ(mem_at(f.mm, W).locked_kb, 2);
	EXPECT_EQ(mem_at(child, W).locked_kb, 0);
	EXPECT_EQ(rd(child, W + 3 * P), 0x11);
	/* the child writes: its own copy */
	EXPECT_EQ(vas_fill(child, W + P, 0x44, P, NULL), 0);
	EXPECT_EQ(rd(f.mm, W + P), 0x11);
	EXPECT_EQ(rd(child, W + P), 0x44);
	EXPECT_EQ(frames_free(f.m), free_before - 1);
	/* shared memory is shared */
	EXPECT_EQ(vas_fill(child, W + 8 * P, 0x55, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W + 8 * P), 0x55);
	/* DONTFORK: no VMA; WIPEONFORK: zeros */
	struct vas_fault_info fi;
	unsigned char b;
	EXPECT_EQ(vas_read(child, W + 16 * P, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(rd(child, W + 18 * P), 0);
	EXPECT_EQ(rd(f.mm, W + 18 * P), 0x33);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	/* the parent's pages are its alone again: written in place */
	free_before = frames_free(f.m);
	EXPECT_EQ(vas_fill(f.mm, W + 2 * P, 0x66, P, NULL), 0);
	EXPECT_EQ(frames_free(f.m), free_before);
	EXPECT_EQ(mem_at(f.mm, W).locked_kb, 4);
	fx_fini(&f);
}

struct fork_race {
	struct vas_mm_user *mm;
	int stop;
};

/* Write every odd VMA of fork_race's 64 over and over, a new value each. */
static void *fork_race_writer(void *arg)
{
	struct fork_race *r = arg;
	unsigned int n = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned long i = 1; i < 64; i += 2)
			if (vas_fill(r->mm, W + 2 * i * P, 0x80 | (n & 0x7f), P,
				     NULL))
				return (void *)1;
		n++;
	}
	return NULL;
}

/*
 * Fork while another thread writes the parent's odd VMAs, one-page VMAs
 * with one-page gaps that share one leaf table with the even ones being
 * copied (the copy goes through its cursor of leaf tables, locking the
 * parent's table against those faults). Every child holds the parent's
 * bytes in the even VMAs, a whole page of one value (the first or one the
 * writer stored) in the odd ones, and validates; so does the parent.
 */
TEST(fork_races_faults_on_vmas_sharing_its_tables)
{
	struct fork_race r = {0};
	struct fx f;
	pthread_t t;
	void *ret;

	fx_init(&f);
	for (unsigned long i = 0; i < 64; i++) {
		map(f.mm, W + 2 * i * P, P, RW, PRIV, NULL, 0);
		EXPECT_EQ(vas_fill(f.mm, W + 2 * i * P, (int)i, P, NULL), 0);
	}
	r.mm = f.mm;
	ASSERT_EQ(pthread_create(&t, NULL, fork_race_writer, &r), 0);
	for (int round = 0; round < 40; round++) {
		struct vas_mm_user *child;

		ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
		for (unsigned long i = 0; i < 64; i++) {
			unsigned long a = W + 2 * i * P;
			unsigned char first = rd(child, a);

			EXPECT_EQ(rd(child, a + P - 1), first);
			if (i % 2 == 0)
				EXPECT_EQ(first, i);
			else
				EXPECT_TRUE(first == i || (first & 0x80));
		}
		EXPECT_EQ(vas_mm_validate(child), 0);
		vas_mm_put(child);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(pthread_join(t, &ret), 0);
	EXPECT_NULL(ret);
	fx_fini(&f);
}

TEST(forked_vma_does_not_merge_with_fresh_neighbour)
{
	struct fx f;
	struct vas_mm_user *child;

	fx_init(&f);
	map(f.mm, W, 2 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W, 1, 1, NULL), 0);
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	map(child, W + 2 * P, 2 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(child, W + 2 * P, 1, 1, NULL), 0);
	vas_mmap_read_lock(child);
	EXPECT_EQ(vas_mm_map_count(child), 2);
	vas_mmap_read_unlock(child);
	/* in the parent the same sequence merges */
	map(f.mm, W + 2 * P, 2 * P, RW, PRIV, NULL, 0);
	vas_mmap_read_lock(f.mm);
	EXPECT_EQ(vas_mm_map_count(f.mm), 1);
	vas_mmap_read_unlock(f.mm);
	vas_mm_put(child);
	fx_fini(&f);
}

/* ---- files ----------------------------------------------------------------- */

TEST(file_private_fault_around_and_copy)
{
	struct fx f;
	struct vas_file *file;
	int fd;
	unsigned char b;

	fx_init(&f);
	file = host_file(f.m, 40, 3, &fd);
	map(f.mm, W, 40 * P, VAS_PROT_READ | VAS_PROT_WRITE, VAS_MAP_PRIVATE,
	    file, 0);
	/* one read maps the 64 KiB block around it */
	EXPECT_EQ(rd(f.mm, W + 17 * P + 1), (unsigned char)((17 * P + 1) * 7 + 3));
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 64);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 16);
	/* a write copies: the file keeps its bytes */
	EXPECT_EQ(vas_fill(f.mm, W + 17 * P, 0xf0, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W + 17 * P), 0xf0);
	EXPECT_EQ(vas_file_pread(file, &b, 1, 17 * P), 1);
	EXPECT_EQ(b, (unsigned char)(17 * P * 7 + 3));
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 15);
	EXPECT_EQ(mem_at(f.mm, W).anon_kb, 4);
	vas_file_put(file);	/* the VMA keeps it */
	fx_fini(&f);
	close(fd);
}

/*
 * pread's argument checks (issue 8, defect 8): an offset whose range ends
 * past LLONG_MAX hashed an empty read where Linux's rw_verify_area()
 * returns -EINVAL, even past the end of the file. The host's own pread on
 * the same descriptor is the oracle for every case.
 */
TEST(file_pread_range_checks)
{
	static const struct {
		long long off;
		size_t len;
	} cases[] = {
		{ 0, P }, { 4 * P, P }, { 1LL << 40, P },
		{ LLONG_MAX, 0 }, { LLONG_MAX, 1 },
		{ LLONG_MAX - (long long)P + 1, P }, { LLONG_MAX - (long long)P, P },
		{ LLONG_MAX - (long long)P + 1, P - 1 }, { -1, 1 }, { -1, 0 },
	};
	struct fx f;
	struct vas_file *file;
	unsigned char buf[P], hbuf[P];
	int fd;

	fx_init(&f);
	file = host_file(f.m, 4, 2, &fd);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ssize_t want = pread(fd, hbuf, cases[i].len, (off_t)cases[i].off);
		ssize_t got = vas_file_pread(file, buf, cases[i].len,
					     (off_t)cases[i].off);

		if (want < 0)
			want = -errno;
		HARNESS_CHECK(0, got == want, "pread(%lld, %zu): %zd, host %zd",
			      cases[i].off, cases[i].len, got, want);
		if (got > 0)
			EXPECT_EQ(memcmp(buf, hbuf, (size_t)got), 0);
	}
	/* a length above SSIZE_MAX, as read(2) */
	EXPECT_EQ(vas_file_pread(file, buf, (size_t)SSIZE_MAX + 1, 0), -EINVAL);
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

TEST(file_shared_write_fread_msync_and_truncate)
{
	struct fx f;
	struct vas_file *file;
	struct vas_fault_info fi;
	unsigned char b;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 8, 1, &fd);
	map(f.mm, W, 8 * P, RW, VAS_MAP_SHARED, file, 0);
	EXPECT_EQ(vas_fill(f.mm, W + P, 0xab, 2, NULL), 0);
	/* fread sees it at once, the host file only after writeback */
	EXPECT_EQ(vas_file_pread(file, &b, 1, P + 1), 1);
	EXPECT_EQ(b, 0xab);
	EXPECT_EQ(pread(fd, &b, 1, P + 1), 1);
	EXPECT_NE(b, 0xab);
	EXPECT_EQ(vas_msync(f.mm, W, 8 * P, VAS_MS_SYNC), 0);
	EXPECT_EQ(pread(fd, &b, 1, P + 1), 1);
	EXPECT_EQ(b, 0xab);
	/* a store after writeback dirties the page again */
	EXPECT_EQ(vas_fill(f.mm, W + P, 0xcd, 1, NULL), 0);
	EXPECT_EQ(vas_msync(f.mm, W, 8 * P, VAS_MS_SYNC), 0);
	EXPECT_EQ(pread(fd, &b, 1, P), 1);
	EXPECT_EQ(b, 0xcd);
	/* truncation: mapped pages past the end go, accesses SIGBUS */
	EXPECT_EQ(vas_fill(f.mm, W + 6 * P, 0x01, P, NULL), 0);
	EXPECT_EQ(vas_file_truncate(file, 3 * P + 100), 0);
	EXPECT_EQ(vas_read(f.mm, W + 5 * P, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	EXPECT_EQ(fi.addr, W + 5 * P);
	EXPECT_EQ(rd(f.mm, W + 3 * P + 99), (unsigned char)((3 * P + 99) * 7 + 1));
	EXPECT_EQ(rd(f.mm, W + 3 * P + 100), 0);	/* the EOF tail */
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	/* MADV_REMOVE punches a hole: zeros in the mapping and the file */
	EXPECT_EQ(vas_madvise(f.mm, W + P, P, VAS_MADV_REMOVE), 0);
	EXPECT_EQ(rd(f.mm, W + P), 0);
	EXPECT_EQ(pread(fd, &b, 1, P), 1);
	EXPECT_EQ(b, 0);
	vas_file_put(file);
	fx_fini(&f);
	close(fd);
}

TEST(munmap_of_the_last_mapping_writes_back)
{
	struct fx f;
	struct vas_file *file;
	unsigned char b;
	int fd;

	fx_init(&f);
	file = host_file(f.m, 4, 1, &fd);
	map(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, file, 0);
	map(f.mm, W + 8 * P, 4 * P, RW, VAS_MAP_SHARED, file, 0);
	EXPECT_EQ(vas_fill(f.mm, W + 2 * P, 0x77, P, NULL), 0);
	/* another mapping of the file remains: nothing written yet */
	EXPECT_EQ(vas_munmap(f.mm, W, 4 * P), 0);
	EXPECT_EQ(pread(fd, &b, 1, 2 * P + 5), 1);
	EXPECT_NE(b, 0x77);
	/* the last one goes: written back */
	EXPECT_EQ(vas_munmap(f.mm, W + 8 * P, 4 * P), 0);
	EXPECT_EQ(pread(fd, &b, 1, 2 * P + 5), 1);
	EXPECT_EQ(b, 0x77);
	vas_file_put(file);
	fx_fini(&f);
	close(fd);
}

/*
 * vas_file_open_host() checks the descriptor's access mode (issue 8,
 * defect 7): a writable vas_file over a read-only descriptor let shared
 * writable mappings dirty pages that msync then failed to store (-EBADF,
 * which Linux's msync never returns) and teardown dropped. A mode the
 * descriptor lacks is -EBADF, as write(2) or read(2) on it would be, with
 * nothing allocated; a narrower mode is fine, and a write-only vas_file
 * cannot be read (pread -EBADF, mmap -EACCES).
 */
TEST(open_host_checks_the_descriptor_mode)
{
	struct vas_file *rw, *file;
	unsigned long got;
	unsigned char b;
	char path[64];
	struct fx f;
	int fd, rofd, wofd, pathfd;
	long live;

	fx_init(&f);
	rw = host_file(f.m, 4, 1, &fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rofd = open(path, O_RDONLY);
	wofd = open(path, O_WRONLY);
	pathfd = open(path, O_PATH);
	ASSERT_TRUE(rofd >= 0 && wofd >= 0 && pathfd >= 0);
	live = vas_alloc_live();
	EXPECT_EQ(vas_file_open_host(f.m, rofd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				     "ro", &file), -EBADF);
	EXPECT_EQ(vas_file_open_host(f.m, rofd, VAS_FMODE_WRITE, "ro", &file),
		  -EBADF);
	EXPECT_EQ(vas_file_open_host(f.m, wofd, VAS_FMODE_READ, "wo", &file),
		  -EBADF);
	EXPECT_EQ(vas_file_open_host(f.m, pathfd, VAS_FMODE_READ, "path",
				     &file), -EBADF);
	EXPECT_EQ(vas_alloc_live(), live);
	/* the read-only descriptor, read-only: mapped, nothing to store */
	ASSERT_EQ(vas_file_open_host(f.m, rofd, VAS_FMODE_READ, "ro", &file),
		  0);
	EXPECT_EQ(vas_mmap(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, file, 0, &got),
		  -EACCES);
	vas_file_put(file);
	/* an O_RDWR descriptor may back a read-only file */
	ASSERT_EQ(vas_file_open_host(f.m, fd, VAS_FMODE_READ, "rw", &file), 0);
	vas_file_put(file);
	/* write-only: no read, no mapping */
	ASSERT_EQ(vas_file_open_host(f.m, wofd, VAS_FMODE_WRITE, "wo", &file),
		  0);
	EXPECT_EQ(vas_file_pread(file, &b, 1, 0), -EBADF);
	EXPECT_EQ(vas_mmap(f.mm, W, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED, file,
			   0, &got), -EACCES);
	vas_file_put(file);
	vas_file_put(rw);
	close(rofd);
	close(wofd);
	close(pathfd);
	close(fd);
	fx_fini(&f);
}

TEST(descriptions_of_one_inode_share_the_page_cache)
{
	struct fx f;
	struct vas_file *rw, *ro;
	unsigned char b;
	char path[64];
	int fd, rofd;

	fx_init(&f);
	rw = host_file(f.m, 4, 1, &fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rofd = open(path, O_RDONLY);
	ASSERT_TRUE(rofd >= 0);
	ASSERT_EQ(vas_file_open_host(f.m, rofd, VAS_FMODE_READ, "ro", &ro), 0);
	/* the read-only description cannot map shared writable */
	{
		unsigned long got;

		EXPECT_EQ(vas_mmap(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, ro, 0,
				   &got), -EACCES);
	}
	map(f.mm, W, 4 * P, RW, VAS_MAP_SHARED, rw, 0);
	map(f.mm, W + 8 * P, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED, ro, 0);
	EXPECT_EQ(vas_fill(f.mm, W + P, 0x42, 1, NULL), 0);
	/* one cache: the other description's fread and mapping see it */
	EXPECT_EQ(vas_file_pread(ro, &b, 1, P), 1);
	EXPECT_EQ(b, 0x42);
	EXPECT_EQ(rd(f.mm, W + 9 * P), 0x42);
	/* the mappings of two descriptions do not merge */
	vas_mmap_read_lock(f.mm);
	EXPECT_EQ(vas_mm_map_count(f.mm), 2);
	vas_mmap_read_unlock(f.mm);
	/* truncation through one description zaps the other's mappings */
	EXPECT_EQ(vas_file_truncate(rw, P), 0);
	{
		struct vas_fault_info fi;

		EXPECT_EQ(vas_read(f.mm, W + 10 * P, &b, 1, &fi), -EFAULT);
		EXPECT_EQ(fi.signo, VAS_SIGBUS);
	}
	EXPECT_EQ(vas_munmap(f.mm, W, 16 * P), 0);
	/* the owner goes first; the cache lives on with the other */
	vas_file_put(rw);
	EXPECT_EQ(vas_file_pread(ro, &b, 1, 0), 1);
	vas_file_put(ro);
	fx_fini(&f);
	close(rofd);
	close(fd);
}

/* ---- guards ---------------------------------------------------------------- */

TEST(guard_regions)
{
	struct fx f;
	struct vas_fault_info fi;
	struct vas_mm_user *child;
	unsigned char b;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f.mm, W, 9, 4 * P, NULL), 0);
	EXPECT_EQ(vas_madvise(f.mm, W + P, P, VAS_MADV_GUARD_INSTALL), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 3);
	EXPECT_EQ(vas_read(f.mm, W + P + 7, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, W + P);
	/* fork keeps guard markers */
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	EXPECT_EQ(vas_read(child, W + P, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(rd(child, W + 2 * P), 9);
	vas_mm_put(child);
	/* populate stops at a guard */
	EXPECT_EQ(vas_madvise(f.mm, W, 4 * P, VAS_MADV_POPULATE_READ), -EFAULT);
	EXPECT_EQ(vas_madvise(f.mm, W + P, P, VAS_MADV_GUARD_REMOVE), 0);
	EXPECT_EQ(rd(f.mm, W + P), 0);
	EXPECT_EQ(vas_mlock(f.mm, W, P), 0);
	EXPECT_EQ(vas_madvise(f.mm, W, P, VAS_MADV_GUARD_INSTALL), -EINVAL);
	fx_fini(&f);
}

/*
 * MADV_PAGEOUT of a dirty folio mapped once writes it back and evicts it,
 * as Linux 6.18 does (issue 8, section 3; the model kept it mapped). When
 * the writeback fails (here RLIMIT_FSIZE: pwrite gets EFBIG), the folio
 * stays cached and dirty, unmapped, and the error is counted; the bytes
 * reach the file once writeback can run again.
 *
 *	W        W+4P     W+8P
 *	| folio  | folio  |   shared mapping of an 8-page file
 */
TEST(pageout_writes_dirty_folios_back)
{
	struct vas_fault_info fi;
	struct rlimit old, lim = { 0, 0 };
	struct page *pg;
	struct fx f;
	struct vas_file *file;
	unsigned char b;
	int fd;

	fx_init_folio(&f, 16384);	/* the 16 KiB folios drawn above */
	file = host_file(f.m, 8, 1, &fd);
	map(f.mm, W, 8 * P, RW, VAS_MAP_SHARED, file, 0);
	EXPECT_EQ(vas_fill(f.mm, W + P, 0xab, 1, &fi), 0);
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 16);	/* the folio */
	EXPECT_EQ(vas_madvise(f.mm, W, 8 * P, VAS_MADV_PAGEOUT), 0);
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 0);
	EXPECT_EQ(pread(fd, &b, 1, P), 1);
	EXPECT_EQ(b, 0xab);
	EXPECT_NULL(filemap_find_page(file, 1));
	EXPECT_EQ(filemap_page_state(file, 1), FILEMAP_EVICTED);
	/* read back with its folio; fault-around maps the cached one */
	EXPECT_EQ(rd(f.mm, W + P), 0xab);
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 32);

	/* writeback fails: cached, dirty, unmapped, counted */
	EXPECT_EQ(vas_fill(f.mm, W + 5 * P, 0xcd, 1, &fi), 0);
	ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim.rlim_max = old.rlim_max;
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	EXPECT_EQ(vas_madvise(f.mm, W + 4 * P, 4 * P, VAS_MADV_PAGEOUT), 0);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_WRITEBACK_ERROR), 1);
	EXPECT_EQ(mem_at(f.mm, W + 4 * P).rss_kb, 16);	/* folio 0 only */
	pg = filemap_find_page(file, 5);
	ASSERT_NOT_NULL(pg);
	EXPECT_TRUE(PageDirty(pg));
	put_page(pg);
	EXPECT_EQ(filemap_page_state(file, 5), 0);
	EXPECT_EQ(rd(f.mm, W + 5 * P), 0xcd);
	EXPECT_EQ(vas_madvise(f.mm, W + 4 * P, 4 * P, VAS_MADV_PAGEOUT), 0);
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 16);
	EXPECT_EQ(pread(fd, &b, 1, 5 * P), 1);
	EXPECT_EQ(b, 0xcd);
	vas_file_put(file);
	fx_fini(&f);
	close(fd);
}

/* The VMA at @addr of @mm (internal view). Context: mmap lock held. */
static struct vm_area_struct *vma_at(struct vas_mm_user *mm, unsigned long addr)
{
	return rt_lookup(&mm_of_user(mm)->mm_mt, addr, NULL, NULL);
}

/*
 * Guard installation on anonymous memory prepares the anon_vma first, as
 * madvise_guard_install() does (issue 8, section 3): the VMA then merges
 * and keeps VM_ACCOUNT as a faulted one. A failed anon_vma allocation is
 * -ENOMEM with the VMA as it was: no anon_vma, no VM_MAYBE_GUARD, no
 * marker. File VMAs get no anon_vma.
 *
 *	W  W+P         W+4P
 *	|aaaa|          anonymous, untouched; guard at W+P
 */
TEST(guard_install_prepares_anon_vma)
{
	struct fx f;
	struct vas_file *file;
	int fd;

	fx_init(&f);
	map(f.mm, W, 4 * P, RW, PRIV, NULL, 0);
	vas_fail_site(VAS_FP_MISC, true);
	EXPECT_EQ(vas_madvise(f.mm, W + P, P, VAS_MADV_GUARD_INSTALL), -ENOMEM);
	vas_fail_site(VAS_FP_MISC, false);
	vas_mmap_read_lock(f.mm);
	EXPECT_NULL(vma_at(f.mm, W)->anon_vma);
	EXPECT_EQ(vma_at(f.mm, W)->vm_flags & VAS_VM_MAYBE_GUARD, 0);
	vas_mmap_read_unlock(f.mm);
	EXPECT_EQ(rd(f.mm, W + P), 0);	/* no marker: the zero page */

	EXPECT_EQ(vas_madvise(f.mm, W + P, P, VAS_MADV_GUARD_INSTALL), 0);
	vas_mmap_read_lock(f.mm);
	EXPECT_NOT_NULL(vma_at(f.mm, W)->anon_vma);
	EXPECT_NE(vma_at(f.mm, W)->vm_flags & VAS_VM_MAYBE_GUARD, 0);
	vas_mmap_read_unlock(f.mm);
	/* read-only keeps VM_ACCOUNT: the VMA has an anon_vma */
	EXPECT_EQ(vas_mprotect(f.mm, W + 2 * P, P, VAS_PROT_READ), 0);
	vas_mmap_read_lock(f.mm);
	EXPECT_NE(vma_at(f.mm, W + 2 * P)->vm_flags & VAS_VM_ACCOUNT, 0);
	vas_mmap_read_unlock(f.mm);

	file = host_file(f.m, 4, 1, &fd);
	map(f.mm, W + 16 * P, 4 * P, RW, VAS_MAP_PRIVATE, file, 0);
	EXPECT_EQ(vas_madvise(f.mm, W + 16 * P, P, VAS_MADV_GUARD_INSTALL), 0);
	vas_mmap_read_lock(f.mm);
	EXPECT_NULL(vma_at(f.mm, W + 16 * P)->anon_vma);
	vas_mmap_read_unlock(f.mm);
	vas_file_put(file);
	close(fd);
	fx_fini(&f);
}

/* ---- populate -------------------------------------------------------------- */

TEST(populate_fills_pages)
{
	struct fx f;
	unsigned long got;

	fx_init(&f);
	EXPECT_EQ(vas_mmap(f.mm, W, 8 * P, RW, PRIV | VAS_MAP_POPULATE, NULL,
			   0, &got), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 8);
	EXPECT_EQ(vas_mmap(f.mm, W + 16 * P, 8 * P, VAS_PROT_READ,
			   PRIV | VAS_MAP_POPULATE, NULL, 0, &got), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 8);	/* zero page */
	map(f.mm, W + 32 * P, 8 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_mlock(f.mm, W + 32 * P, 4 * P), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 12);
	EXPECT_EQ(mem_at(f.mm, W + 32 * P).locked_kb, 16);
	fx_fini(&f);
}

/* ---- driver pages: vm_insert_page, zap_page_range_single ----------------- */

static int mixed_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	(void)file;
	vas_vma_new_set_mixedmap(vma);
	return 0;
}

static const struct vas_file_ops mixed_ops = VAS_FILE_OPS_INIT(.mmap = mixed_mmap);

TEST(vm_insert_page_and_zap_single)
{
	struct fx f;
	struct vas_file *drv;
	struct vas_page *pg;
	struct vas_fault_info fi;
	unsigned char b;

	fx_init(&f);
	ASSERT_EQ(vas_file_create(f.m, &mixed_ops, NULL, VAS_FMODE_READ, "drv",
				  &drv), 0);
	map(f.mm, W, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED, drv, 0);
	pg = vas_page_alloc(f.m);
	ASSERT_NOT_NULL(pg);
	memset(vas_page_address(pg), 0x3c, P);
	/* not inserted yet: a driver VMA without a fault handler SIGBUSes */
	EXPECT_EQ(vas_read(f.mm, W + P, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	vas_mmap_read_lock(f.mm);
	{
		struct vas_vma_mixedmap *mx =
			vas_vma_as_mixedmap(vas_vma_lookup(f.mm, W));

		ASSERT_NOT_NULL(mx);
		EXPECT_EQ(vas_vm_insert_page(mx, W + P, pg), 0);
		EXPECT_EQ(vas_vm_insert_page(mx, W + P, pg), -EBUSY);
		EXPECT_EQ(vas_vm_insert_page(mx, W + 4 * P, pg), -EFAULT);
		EXPECT_EQ(vas_vm_insert_page(mx, W + 2 * P + 1, pg), -EINVAL);
	}
	vas_mmap_read_unlock(f.mm);
	EXPECT_EQ(vas_page_mapcount(pg), 1);
	EXPECT_EQ(rd(f.mm, W + P + 100), 0x3c);
	EXPECT_EQ(mem_at(f.mm, W).rss_kb, 4);
	{
		struct vas_vma_read_guard *g;
		struct vas_vma_ref *v;

		ASSERT_TRUE(vas_lock_vma_under_rcu(f.mm, W, &g));
		v = vas_vma_read_guard_vma(g);
		/* out of the VMA, or overflowing: nothing happens */
		vas_zap_page_range_single(v, W + 3 * P, 2 * P);
		EXPECT_EQ(vas_page_mapcount(pg), 1);
		vas_zap_page_range_single(v, W, 4 * P);
		EXPECT_EQ(vas_page_mapcount(pg), 0);
		vas_vma_end_read(g);
	}
	EXPECT_EQ(vas_read(f.mm, W + P, &b, 1, &fi), -EFAULT);
	vas_page_put(pg);
	vas_file_put(drv);
	fx_fini(&f);
}

/* A driver whose fault handler hands out a page per fault, filled with
 * the page's offset in the VMA + 1, or fails past the second page. */
static int handler_faults;

static int pattern_fault(struct vas_vm_fault *vmf)
{
	struct vas_vma_ref *vma = vmf->vma;
	unsigned long idx = (vmf->address - vas_vma_start(vma)) / P;
	struct vas_page *pg;

	handler_faults++;
	/* the file offset of the address: both mappings start at offset 0 */
	EXPECT_EQ(vmf->pgoff, idx);
	EXPECT_NULL(vmf->page);
	if (idx >= 2)
		return -EIO;
	pg = vas_page_alloc(vas_mm_machine(vas_mm_from_user(vas_vma_mm(vma))));
	if (!pg)
		return -ENOMEM;
	memset(vas_page_address(pg), (int)idx + 1, P);
	vmf->page = pg;
	return 0;
}

static const struct vas_vm_ops pattern_vm_ops = VAS_VM_OPS_INIT(.fault = pattern_fault);

static int pattern_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	(void)file;
	vas_vma_new_set_ops(vma, &pattern_vm_ops);
	return 0;
}

static const struct vas_file_ops pattern_ops = VAS_FILE_OPS_INIT(.mmap = pattern_mmap);

TEST(driver_fault_handler)
{
	struct fx f;
	struct vas_file *drv;
	struct vas_fault_info fi;
	unsigned char b;

	fx_init(&f);
	ASSERT_EQ(vas_file_create(f.m, &pattern_ops, NULL,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "pat", &drv), 0);
	map(f.mm, W, 4 * P, RW, VAS_MAP_PRIVATE, drv, 0);
	map(f.mm, W + 8 * P, 4 * P, RW, VAS_MAP_SHARED, drv, 0);
	handler_faults = 0;
	EXPECT_EQ(rd(f.mm, W + P + 3), 2);
	EXPECT_EQ(rd(f.mm, W + P + 4), 2);	/* mapped: no second fault */
	EXPECT_EQ(handler_faults, 1);
	EXPECT_EQ(vas_read(f.mm, W + 2 * P, &b, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	/* a private write copies; a shared one writes the driver's page */
	EXPECT_EQ(vas_fill(f.mm, W, 9, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W), 9);
	EXPECT_EQ(rd(f.mm, W + 1), 1);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	EXPECT_EQ(vas_fill(f.mm, W + 8 * P, 7, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W + 8 * P), 7);
	EXPECT_EQ(mem_at(f.mm, W + 8 * P).rss_kb, 4);
	vas_file_put(drv);
	fx_fini(&f);
}

/* ---- allocation failure ---------------------------------------------------- */

/* Run @op with its n-th allocation failed, n = 1, 2, ... until it passes;
 * every failure must be -ENOMEM with nothing lost. */
static void each_allocation_fails(void (*setup)(struct fx *),
				  int (*op)(struct fx *),
				  void (*check)(struct fx *))
{
	for (unsigned long n = 1;; n++) {
		struct fx f;
		int err;

		fx_init(&f);
		setup(&f);
		vas_fail_nth(n);
		err = op(&f);
		vas_fail_reset();
		if (err != 0)
			HARNESS_CHECK(0, err == -ENOMEM, "n=%lu: %d", n, err);
		EXPECT_EQ(vas_mm_validate(f.mm), 0);
		if (!err)
			check(&f);
		fx_fini(&f);
		if (!err)
			break;
		HARNESS_CHECK(1, n < 200, "never passed");
	}
}

static void setup_touched(struct fx *f)
{
	map(f->mm, W, 8 * P, RW, PRIV, NULL, 0);
	map(f->mm, W + (1UL << 31), 2 * P, RW, PRIV, NULL, 0);
	EXPECT_EQ(vas_fill(f->mm, W, 1, 4 * P, NULL), 0);
	EXPECT_EQ(vas_fill(f->mm, W + (1UL << 31), 2, P, NULL), 0);
}

static void setup_fault(struct fx *f)
{
	setup_touched(f);
	map(f->mm, W + (1UL << 35), P, RW, PRIV, NULL, 0);
}

/* A fresh table path (pud, pmd, pte), an anon_vma and a page. */
static int op_write_fault(struct fx *f)
{
	return vas_fill(f->mm, W + (1UL << 35), 5, 1, NULL);
}
static void check_write_fault(struct fx *f)
{
	EXPECT_EQ(rd(f->mm, W + (1UL << 35)), 5);
}

static int op_fork(struct fx *f)
{
	struct vas_mm_user *child;
	int err = vas_mm_fork(f->mm, &child);

	if (!err) {
		EXPECT_EQ(rd(child, W + 3 * P), 1);
		EXPECT_EQ(vas_mm_validate(child), 0);
		vas_mm_put(child);
	}
	return err;
}
static void check_nothing(struct fx *f)
{
	EXPECT_EQ(rd(f->mm, W), 1);
}

static int op_populate(struct fx *f)
{
	return vas_madvise(f->mm, W, 8 * P, VAS_MADV_POPULATE_WRITE);
}
static void check_populate(struct fx *f)
{
	EXPECT_EQ(vas_mm_rss(f->mm, VAS_RSS_ANON), 8 + 1);
}

static int op_mremap(struct fx *f)
{
	unsigned long got;

	return vas_mremap(f->mm, W, 8 * P, 8 * P,
			  VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
			  W + (1UL << 33), &got);
}
static void check_mremap(struct fx *f)
{
	EXPECT_EQ(rd(f->mm, W + (1UL << 33) + 3 * P), 1);
}

TEST(each_allocation_of_a_fault_fails_cleanly)
{
	each_allocation_fails(setup_fault, op_write_fault, check_write_fault);
}
TEST(each_allocation_of_fork_fails_cleanly)
{
	each_allocation_fails(setup_touched, op_fork, check_nothing);
}
/*
 * fork of an address space whose VMA tree has a few hundred nodes' worth
 * of levels: the tree is copied in bulk, then each entry replaced; some
 * VMAs are VM_DONTCOPY (erased from the copy) or VM_WIPEONFORK. Every
 * allocation fails in turn: -ENOMEM, the parent exactly as it was and
 * valid, nothing left allocated once the machine is gone.
 */
#define NMANY 300
static bool many_dontfork(int i) { return i % 7 == 3; }
static bool many_wipe(int i) { return i % 11 == 5; }

static void setup_many(struct fx *f)
{
	for (int i = 0; i < NMANY; i++) {
		unsigned long a = W + 2UL * (unsigned long)i * P;

		map(f->mm, a, P, RW, PRIV, NULL, 0);
		EXPECT_EQ(vas_fill(f->mm, a, 1 + i % 200, 1, NULL), 0);
		if (many_dontfork(i))
			EXPECT_EQ(vas_madvise(f->mm, a, P, VAS_MADV_DONTFORK), 0);
		if (many_wipe(i))
			EXPECT_EQ(vas_madvise(f->mm, a, P, VAS_MADV_WIPEONFORK),
				  0);
	}
}

/* @mm holds the layout of setup_many (as the parent, or as a child). */
static void check_many(struct vas_mm_user *mm, bool child)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	int i = 0, n = 0;

	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, mm))) {
		while (child && many_dontfork(i))
			i++;
		EXPECT_EQ(vas_vma_start(v), W + 2UL * (unsigned long)i * P);
		EXPECT_EQ(vas_vma_end(v), W + 2UL * (unsigned long)i * P + P);
		i++;
		n++;
	}
	vas_mmap_read_unlock(mm);
	EXPECT_EQ(n, child ? NMANY - (NMANY + 3) / 7 : NMANY);
	for (i = 0; i < NMANY; i++) {
		if (child && many_dontfork(i))
			continue;
		EXPECT_EQ(rd(mm, W + 2UL * (unsigned long)i * P),
			  child && many_wipe(i) ? 0 : 1 + i % 200);
	}
}

TEST(each_allocation_of_fork_of_many_vmas_fails_cleanly)
{
	struct vas_mm_user *child = NULL;
	unsigned long n, frames0;
	uint64_t vmas0;
	struct fx f;
	long live0;

	fx_init(&f);
	setup_many(&f);
	/* one fork first: the VMA cache then serves every later one */
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	vas_mm_put(child);
	vas_rcu_barrier();
	live0 = vas_alloc_live();
	frames0 = frames_free(f.m);
	vmas0 = vas_stat_read(f.m, VAS_STAT_VMA_ALLOC) -
		vas_stat_read(f.m, VAS_STAT_VMA_FREE);
	for (n = 1;; n++) {
		int err;

		child = NULL;
		vas_fail_nth(n);
		err = vas_mm_fork(f.mm, &child);
		vas_fail_reset();
		HARNESS_CHECK(1, err == 0 || err == -ENOMEM, "n=%lu: %d", n,
			      err);
		check_many(f.mm, false);
		if (!err) {
			check_many(child, true);
			vas_mm_put(child);
		}
		vas_rcu_barrier();
		/* tree nodes, anon_vmas, page tables, frames, VMAs: all back */
		EXPECT_EQ(vas_alloc_live(), live0);
		EXPECT_EQ(frames_free(f.m), frames0);
		EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_VMA_ALLOC) -
			  vas_stat_read(f.m, VAS_STAT_VMA_FREE), vmas0);
		if (!err)
			break;
		HARNESS_CHECK(1, n < 3000, "never passed");
	}
	/* the tree's nodes, a VMA and anon_vma each, page tables, ... */
	printf("# fork of %d VMAs: %lu allocations failed in turn\n", NMANY,
	       n - 1);
	EXPECT_GT(n, NMANY);
	fx_fini(&f);
}

TEST(each_allocation_of_populate_fails_cleanly)
{
	each_allocation_fails(setup_touched, op_populate, check_populate);
}
TEST(each_allocation_of_mremap_fails_cleanly)
{
	each_allocation_fails(setup_touched, op_mremap, check_mremap);
}
