// SPDX-License-Identifier: MIT
/*
 * test_memfile.c - the frames' memory file (page/page.c, host/hostmem.c):
 * a frame's memfd offset holds the bytes page_address() shows, both ways;
 * every kind of frame (anonymous, shmem, a host file's page cache, a
 * driver's page, the zero page) is in the file; the file grows in steps up
 * to the limit and never shrinks (sealed); the limit and a failed growth
 * (the host's, or injected at every growth site) give -ENOMEM with the
 * address space valid and nothing lost; the vas_machine_mem_info()
 * figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "harness.h"
#include "page/page.h"
#include "mm/mm_types.h"

#define P 4096UL
#define MiB (1UL << 20)
#define W 0x200000000000UL
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

static struct vas_machine *machine_with(size_t bytes)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;

	vas_machine_config_init(&cfg);
	cfg.frames_bytes = bytes;
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	ASSERT_NOT_NULL(m);
	return m;
}

static struct vas_mem_info info(struct vas_machine *m)
{
	struct vas_mem_info mi;

	memset(&mi, 0xa5, sizeof(mi));
	vas_machine_mem_info(m, &mi);
	return mi;
}

static off_t file_size(int fd)
{
	struct stat st;

	ASSERT_EQ(fstat(fd, &st), 0);
	return st.st_size;
}

/* Every frame back (the zero page aside), the pool valid; destroy. */
static void finish(struct vas_machine *m)
{
	frames_drain_local();
	EXPECT_EQ(info(m).used, P);
	EXPECT_EQ(frames_validate(m->frames), 0);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

static struct vas_page *vp(struct page *page)
{
	return (struct vas_page *)page;
}

/* Map the frame at @off of @m's memory file, read-write, shared. */
static unsigned char *map_frame(struct vas_machine *m, off_t off)
{
	void *p = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vas_machine_memfd(m), off);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

TEST(memfd_offset_maps_the_bytes_of_page_address)
{
	struct vas_machine *m = machine_with(16 * MiB);
	int fd = vas_machine_memfd(m);
	struct page *pg[3];
	unsigned char *q, *z;

	ASSERT_TRUE(fd >= 0);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	for (int i = 0; i < 3; i++) {
		unsigned char *a;

		pg[i] = alloc_page(m->frames, GFP_KERNEL);
		ASSERT_NOT_NULL(pg[i]);
		EXPECT_EQ(vas_page_offset(vp(pg[i])),
			  (off_t)(page_to_pfn(pg[i]) * P));
		EXPECT_EQ(vas_page_offset(vp(pg[i])) % (off_t)P, 0);
		a = page_address(pg[i]);
		q = map_frame(m, vas_page_offset(vp(pg[i])));
		EXPECT_TRUE(q != a);
		/* the library's writes show in the embedder's mapping */
		memset(a, 0x30 + i, P);
		a[17] = 0xc3;
		EXPECT_EQ(q[0], 0x30 + i);
		EXPECT_EQ(q[17], 0xc3);
		EXPECT_EQ(q[P - 1], 0x30 + i);
		/* and the embedder's in the library's */
		q[100] = 0x7e;
		q[P - 1] = 0x11;
		EXPECT_EQ(a[100], 0x7e);
		EXPECT_EQ(a[P - 1], 0x11);
		EXPECT_EQ(munmap(q, P), 0);
	}
	/* distinct frames, distinct offsets */
	EXPECT_TRUE(vas_page_offset(vp(pg[0])) != vas_page_offset(vp(pg[1])));
	EXPECT_TRUE(vas_page_offset(vp(pg[1])) != vas_page_offset(vp(pg[2])));

	/* The zero page is frame 0, offset 0, all zero; read-only in the
	 * library's direct map (test_page checks that a write faults). */
	EXPECT_EQ(vas_page_offset(vp(ZERO_PAGE(m->frames))), 0);
	z = mmap(NULL, P, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(z != MAP_FAILED);
	for (size_t i = 0; i < P; i++)
		if (z[i]) {
			EXPECT_EQ(z[i], 0);
			break;
		}
	EXPECT_EQ(munmap(z, P), 0);

	for (int i = 0; i < 3; i++)
		put_page(pg[i]);
	/* a freed frame's offset goes to the next page allocated there */
	pg[0] = alloc_page(m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(pg[0]);
	EXPECT_EQ(vas_page_offset(vp(pg[0])), (off_t)(page_to_pfn(pg[0]) * P));
	q = map_frame(m, vas_page_offset(vp(pg[0])));
	EXPECT_EQ(q[100], 0);			/* zeroed on allocation */
	EXPECT_EQ(munmap(q, P), 0);
	put_page(pg[0]);
	finish(m);
}

/* The file holds whether the host lets it be mapped executable. */
TEST(memfd_exec_mapping)
{
	struct vas_machine *m = machine_with(4 * MiB);
	void *x = mmap(NULL, P, PROT_READ | PROT_EXEC, MAP_SHARED,
		       vas_machine_memfd(m), 0);

	EXPECT_EQ(x != MAP_FAILED, frames_exec_ok(m->frames));
	if (x == MAP_FAILED)
		printf("note: this host refuses PROT_EXEC mappings of a memfd "
		       "(vm.memfd_noexec or a security module): %s\n",
		       strerror(errno));
	else
		EXPECT_EQ(munmap(x, P), 0);
	finish(m);
}

/* The first occurrence of @pat (@len bytes) in @hay (@n bytes), or -1. */
static long find(const unsigned char *hay, size_t n, const char *pat,
		 size_t len)
{
	const unsigned char *p = memmem(hay, n, pat, len);

	return p ? (long)(p - hay) : -1;
}

/* A host file of two pages, opened read-write; its fd into *@fdp. */
static struct vas_file *host_file(struct vas_machine *m, int *fdp)
{
	char path[] = "/tmp/vas_memfile_XXXXXX";
	int fd = mkstemp(path);
	struct vas_file *file = NULL;

	ASSERT_TRUE(fd >= 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, 2 * P), 0);
	ASSERT_EQ(vas_file_open_host(m, fd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				     "f", &file), 0);
	*fdp = fd;
	return file;
}

/*
 * Every kind of frame lives in the memory file: a marker written through
 * an anonymous, a shmem and a host file's mapping, and into a driver's
 * page, is found in the file (at the driver page's vas_page_offset()).
 */
TEST(every_frame_is_in_the_file)
{
	static const char anon[] = "vas-marker-anonymous-page-0123456";
	static const char shm[] = "vas-marker-shmem-page-abcdefghijkl";
	static const char host[] = "vas-marker-host-file-page-zyxwvuts";
	static const char drv[] = "vas-marker-driver-page-9876543210a";
	struct vas_machine *m = machine_with(16 * MiB);
	struct vas_mm_user *mm;
	struct vas_file *file;
	struct vas_page *dp;
	struct vas_mem_info mi;
	unsigned long got;
	unsigned char *all;
	int hfd;

	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	file = host_file(m, &hfd);
	ASSERT_EQ(vas_mmap(mm, W, 2 * P, RW,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &got), 0);
	ASSERT_EQ(vas_mmap(mm, W + 4 * P, 2 * P, RW,
			   VAS_MAP_SHARED | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &got), 0);
	ASSERT_EQ(vas_mmap(mm, W + 8 * P, 2 * P, RW,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, file, 0, &got), 0);
	EXPECT_EQ(vas_write(mm, W + P + 40, anon, sizeof(anon), NULL), 0);
	EXPECT_EQ(vas_write(mm, W + 5 * P + 80, shm, sizeof(shm), NULL), 0);
	EXPECT_EQ(vas_write(mm, W + 9 * P + 120, host, sizeof(host), NULL), 0);
	dp = vas_page_alloc(m);
	ASSERT_NOT_NULL(dp);
	memcpy((char *)vas_page_address(dp) + 160, drv, sizeof(drv));

	mi = info(m);
	all = mmap(NULL, mi.size, PROT_READ, MAP_SHARED, vas_machine_memfd(m),
		   0);
	ASSERT_TRUE(all != MAP_FAILED);
	EXPECT_EQ(find(all, mi.size, anon, sizeof(anon)) % (long)P, 40);
	EXPECT_EQ(find(all, mi.size, shm, sizeof(shm)) % (long)P, 80);
	EXPECT_EQ(find(all, mi.size, host, sizeof(host)) % (long)P, 120);
	EXPECT_EQ(find(all, mi.size, drv, sizeof(drv)),
		  (long)vas_page_offset(dp) + 160);
	EXPECT_EQ(munmap(all, mi.size), 0);

	vas_page_put(dp);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	vas_file_put(file);
	close(hfd);
	vas_machine_flush(m);
	finish(m);
}

/* Allocate @n frames into @pg. */
static void take(struct vas_machine *m, struct page **pg, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		pg[i] = alloc_page(m->frames, GFP_KERNEL);
		ASSERT_NOT_NULL(pg[i]);
	}
}

/*
 * Fresh frames come in ascending order: pages allocated one after another
 * are one run of the memory file (what lets a host mapping of the file,
 * as the mirror's, cover many pages with one mmap). Across the refills of
 * this thread's cache too.
 */
TEST(fresh_frames_ascend_in_the_file)
{
	enum { N = 200 };
	struct vas_machine *m = machine_with(16 * MiB);
	struct page *pg[N];

	take(m, pg, N);
	for (unsigned long i = 1; i < N; i++)
		EXPECT_EQ(vas_page_offset(vp(pg[i])),
			  vas_page_offset(vp(pg[i - 1])) + (off_t)P);
	for (unsigned long i = 0; i < N; i++)
		put_page(pg[i]);
	finish(m);
}

TEST(file_grows_in_steps_to_the_limit_and_never_shrinks)
{
	const unsigned long nr = 16 * MiB / P;
	struct vas_machine *m = machine_with(16 * MiB);
	struct page **pg = calloc(nr, sizeof(*pg));
	int fd = vas_machine_memfd(m);
	uint64_t oom0 = vas_stat_read(m, VAS_STAT_OOM);
	struct vas_mem_info mi;
	int seals;

	ASSERT_NOT_NULL(pg);
	mi = info(m);
	EXPECT_EQ(mi.limit, 16 * MiB);
	EXPECT_EQ(mi.size, 2 * MiB);		/* the first step */
	EXPECT_EQ(mi.used, P);			/* the zero page */
	EXPECT_EQ(mi.peak, P);
	EXPECT_EQ(mi.grows, 1);
	EXPECT_EQ(mi.grow_failures, 0);
	EXPECT_EQ(file_size(fd), (off_t)(2 * MiB));

	/* Sealed: it can grow, never shrink, and the seals are final. */
	seals = fcntl(fd, F_GET_SEALS);
	EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_SEAL),
		  F_SEAL_SHRINK | F_SEAL_SEAL);
	EXPECT_EQ(ftruncate(fd, MiB), -1);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	EXPECT_EQ(errno, EPERM);

	/* The 511 frames after the zero page fill the file... */
	take(m, pg, 2 * MiB / P - 1);
	mi = info(m);
	EXPECT_EQ(mi.size, 2 * MiB);
	EXPECT_EQ(mi.grows, 1);
	EXPECT_EQ(mi.used, 2 * MiB);
	/* ...the next one grows it, to twice its size. */
	take(m, pg + 2 * MiB / P - 1, 1);
	mi = info(m);
	EXPECT_EQ(mi.size, 4 * MiB);
	EXPECT_EQ(mi.grows, 2);
	EXPECT_EQ(mi.used, 2 * MiB + P);
	EXPECT_TRUE(mi.peak >= mi.used && mi.peak <= mi.size);
	EXPECT_EQ(file_size(fd), (off_t)(4 * MiB));
	/* The frame past the old end is in the file. */
	EXPECT_TRUE(vas_page_offset(vp(pg[2 * MiB / P - 1])) <
		    (off_t)(4 * MiB));
	EXPECT_EQ(frames_validate(m->frames), 0);

	/* Up to the limit: 4, 8, 16 MiB; then exhaustion, not growth. */
	take(m, pg + 2 * MiB / P, nr - 1 - 2 * MiB / P);
	mi = info(m);
	EXPECT_EQ(mi.size, 16 * MiB);
	EXPECT_EQ(mi.grows, 4);
	EXPECT_EQ(mi.used, 16 * MiB);
	EXPECT_EQ(mi.peak, 16 * MiB);
	EXPECT_NULL(alloc_page(m->frames, GFP_KERNEL));
	EXPECT_EQ(vas_stat_read(m, VAS_STAT_OOM), oom0 + 1);
	mi = info(m);
	EXPECT_EQ(mi.grows, 4);
	EXPECT_EQ(mi.grow_failures, 0);		/* the limit is no failure */
	for (unsigned long i = 1; i < nr; i++)
		EXPECT_TRUE(vas_page_offset(vp(pg[i - 1])) < (off_t)(16 * MiB));
	EXPECT_EQ(frames_validate(m->frames), 0);

	/* Freeing shrinks nothing; the peak stays. */
	for (unsigned long i = 0; i < nr - 1; i++)
		put_page(pg[i]);
	frames_drain_local();
	mi = info(m);
	EXPECT_EQ(mi.size, 16 * MiB);
	EXPECT_EQ(mi.used, P);
	EXPECT_EQ(mi.peak, 16 * MiB);
	EXPECT_EQ(file_size(fd), (off_t)(16 * MiB));
	free(pg);
	finish(m);
}

/* Pools smaller than a step: the file is the limit at once. */
TEST(small_limit_is_one_step)
{
	struct vas_machine *m = machine_with(64 * P);
	struct vas_mem_info mi = info(m);

	EXPECT_EQ(mi.limit, 64 * P);
	EXPECT_EQ(mi.size, 64 * P);
	EXPECT_EQ(mi.grows, 1);
	EXPECT_EQ(file_size(vas_machine_memfd(m)), (off_t)(64 * P));
	finish(m);
}

/* ---- the limit and failed growth through an address space ----------------- */

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
};

static void fx_init(struct fx *f, size_t bytes)
{
	f->m = machine_with(bytes);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
}

static void fx_fini(struct fx *f)
{
	EXPECT_EQ(vas_mm_validate(f->mm), 0);
	vas_mm_put(f->mm);
	vas_machine_flush(f->m);
	finish(f->m);
}

/*
 * Map @len bytes of private anonymous memory at W, MAP_NORESERVE: the
 * tests map more than the machine's memory, which commit accounting
 * (overcommit_memory 0, as Linux's heuristic) refuses otherwise.
 */
static void map_anon(struct fx *f, unsigned long len)
{
	unsigned long got;

	ASSERT_EQ(vas_mmap(f->mm, W, len, RW,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED |
				   VAS_MAP_NORESERVE,
			   NULL, 0, &got), 0);
}

/*
 * The limit is the machine's memory: past it a write fails -ENOMEM (the
 * pages before written), MADV_POPULATE_WRITE too, a fault reports OOM;
 * the address space stays valid and works again once memory is freed.
 */
TEST(limit_gives_enomem)
{
	struct fx f;
	struct vas_fault_info fi = {0};
	unsigned char b = 0;
	unsigned long i;

	fx_init(&f, MiB);			/* 255 frames usable */
	map_anon(&f, 2 * MiB);
	EXPECT_EQ(vas_fill(f.mm, W, 0x5a, 2 * MiB, NULL), -ENOMEM);
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	EXPECT_EQ(frames_validate(f.m->frames), 0);
	/* the pages before the failing one were written: every frame but
	 * the zero page (page tables are not frames in vas) */
	for (i = 0; i < 2 * MiB / P; i++) {
		EXPECT_EQ(vas_read(f.mm, W + i * P, &b, 1, NULL), 0);
		if (b != 0x5a)
			break;
	}
	EXPECT_EQ(i, MiB / P - 1);
	EXPECT_EQ(b, 0);			/* the rest: the zero page */
	EXPECT_EQ(vas_fault(f.mm, W + (i + 1) * P, VAS_FAULT_WRITE, &fi),
		  -ENOMEM);
	EXPECT_EQ(vas_madvise(f.mm, W, 2 * MiB, VAS_MADV_POPULATE_WRITE),
		  -ENOMEM);
	EXPECT_EQ(info(f.m).size, MiB);
	EXPECT_EQ(info(f.m).grow_failures, 0);
	EXPECT_EQ(vas_mm_validate(f.mm), 0);

	/* Freed memory is usable again. */
	EXPECT_EQ(vas_madvise(f.mm, W, MiB / 2, VAS_MADV_DONTNEED), 0);
	EXPECT_EQ(vas_fill(f.mm, W + (i + 1) * P, 0x66, 16 * P, NULL), 0);
	EXPECT_EQ(vas_read(f.mm, W + (i + 16) * P, &b, 1, NULL), 0);
	EXPECT_EQ(b, 0x66);
	fx_fini(&f);
}

/* Fill the file's first step: every frame of its 2 MiB in use. */
static struct page **fill_first_step(struct fx *f)
{
	struct page **pg = calloc(2 * MiB / P, sizeof(*pg));
	unsigned long n = 0;

	ASSERT_NOT_NULL(pg);
	while (info(f->m).used < 2 * MiB)
		take(f->m, pg + n++, 1);
	EXPECT_EQ(info(f->m).size, 2 * MiB);
	return pg;
}

static void put_all(struct page **pg)
{
	for (unsigned long i = 0; pg[i]; i++)
		put_page(pg[i]);
	free(pg);
}

/* Growth at allocation fails (injected): the limit's behaviour, no loss. */
TEST(grow_failure_injected_at_allocation)
{
	struct fx f;
	struct page **pg, *p;
	uint64_t oom0;
	long live;

	fx_init(&f, 16 * MiB);
	map_anon(&f, 5 * P);
	/* page table and anon_vma first, so the writes need frames only */
	EXPECT_EQ(vas_fault(f.mm, W + 4 * P, VAS_FAULT_WRITE, NULL), 0);
	pg = fill_first_step(&f);
	oom0 = vas_stat_read(f.m, VAS_STAT_OOM);
	live = vas_alloc_live();

	vas_fail_reset();
	vas_fail_site(VAS_FP_FRAMES_GROW, true);
	EXPECT_NULL(alloc_page(f.m->frames, GFP_KERNEL));
	EXPECT_EQ(vas_fill(f.mm, W, 1, 4 * P, NULL), -ENOMEM);
	EXPECT_EQ(vas_madvise(f.mm, W, 4 * P, VAS_MADV_POPULATE_WRITE),
		  -ENOMEM);
	vas_fail_site(VAS_FP_FRAMES_GROW, false);
	EXPECT_EQ(vas_fail_fired(), 3);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_OOM), oom0 + 3);
	EXPECT_EQ(info(f.m).size, 2 * MiB);
	EXPECT_EQ(info(f.m).grows, 1);
	EXPECT_EQ(info(f.m).grow_failures, 3);
	EXPECT_EQ(vas_alloc_live(), live);
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	EXPECT_EQ(frames_validate(f.m->frames), 0);

	/* Cleared: the next allocation grows the file. */
	EXPECT_EQ(vas_fill(f.mm, W, 1, 4 * P, NULL), 0);
	EXPECT_EQ(info(f.m).size, 4 * MiB);
	EXPECT_EQ(info(f.m).grows, 2);
	p = alloc_page(f.m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	put_page(p);
	put_all(pg);
	fx_fini(&f);
}

/*
 * Each allocation of a write that must grow the file fails in turn
 * (vas_fail_nth: the growth is one of them): -ENOMEM, the address space
 * valid, nothing lost; the last run passes.
 */
TEST(grow_failure_each_allocation_in_turn)
{
	bool grow_failed = false;

	for (unsigned long n = 1;; n++) {
		struct fx f;
		struct page **pg;
		unsigned char b = 0;
		int err;

		fx_init(&f, 16 * MiB);
		pg = fill_first_step(&f);
		map_anon(&f, 4 * P);
		vas_fail_reset();
		vas_fail_nth(n);
		err = vas_fill(f.mm, W, 1, 4 * P, NULL);
		vas_fail_reset();
		if (err)
			HARNESS_CHECK(0, err == -ENOMEM, "n=%lu: %d", n, err);
		if (info(f.m).grow_failures) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(info(f.m).size, 2 * MiB);
			grow_failed = true;
		}
		EXPECT_EQ(vas_mm_validate(f.mm), 0);
		EXPECT_EQ(frames_validate(f.m->frames), 0);
		if (!err) {
			EXPECT_EQ(vas_read(f.mm, W + 3 * P, &b, 1, NULL), 0);
			EXPECT_EQ(b, 1);
			EXPECT_EQ(info(f.m).grows, 2);
		}
		put_all(pg);
		fx_fini(&f);
		if (!err)
			break;
		HARNESS_CHECK(1, n < 50, "never passed");
	}
	EXPECT_TRUE(grow_failed);		/* the growth was one of them */
}

/* The first growth, at machine creation, fails: -ENOMEM, nothing kept. */
TEST(grow_failure_at_creation)
{
	struct vas_machine_config cfg;
	struct vas_machine *m = NULL;
	long live = vas_alloc_live();
	int fd;

	vas_machine_config_init(&cfg);
	vas_fail_reset();
	vas_fail_site(VAS_FP_FRAMES_GROW, true);
	EXPECT_EQ(vas_machine_create(&cfg, &m), -ENOMEM);
	vas_fail_site(VAS_FP_FRAMES_GROW, false);
	EXPECT_NULL(m);
	EXPECT_EQ(vas_fail_fired(), 1);
	EXPECT_EQ(vas_alloc_live(), live);
	/* no descriptor left open: the next one is the lowest free */
	fd = dup(0);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(vas_machine_create(&cfg, &m), 0);
	EXPECT_EQ(vas_machine_memfd(m), fd);
	finish(m);
}

/*
 * The host refuses to grow the file: RLIMIT_FSIZE below the next size
 * makes ftruncate(2) fail (EFBIG; SIGXFSZ ignored). The same as the
 * limit, counted as a growth failure; fine again once the limit is lifted.
 */
TEST(grow_failure_from_the_host)
{
	struct fx f;
	struct page **pg, *p;
	struct rlimit old, low;
	void (*oldsig)(int);

	fx_init(&f, 16 * MiB);
	map_anon(&f, 5 * P);
	EXPECT_EQ(vas_fault(f.mm, W + 4 * P, VAS_FAULT_WRITE, NULL), 0);
	pg = fill_first_step(&f);
	ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
	low = old;
	low.rlim_cur = 3 * MiB;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
	EXPECT_NULL(alloc_page(f.m->frames, GFP_KERNEL));
	EXPECT_EQ(vas_fill(f.mm, W, 1, 4 * P, NULL), -ENOMEM);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	EXPECT_EQ(info(f.m).size, 2 * MiB);
	EXPECT_EQ(info(f.m).grow_failures, 2);
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	EXPECT_EQ(frames_validate(f.m->frames), 0);

	EXPECT_EQ(vas_fill(f.mm, W, 1, 4 * P, NULL), 0);
	EXPECT_EQ(info(f.m).size, 4 * MiB);
	p = alloc_page(f.m->frames, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	put_page(p);
	put_all(pg);
	fx_fini(&f);
}

/* ---- threads growing the file together ---------------------------------- */

#define GROW_THREADS 4
#define GROW_EACH 1000

struct grow_arg {
	struct vas_machine *m;
	struct page *pg[GROW_EACH];
};

static void *grow_thread(void *p)
{
	struct grow_arg *a = p;

	for (int i = 0; i < GROW_EACH; i++) {
		a->pg[i] = alloc_page(a->m->frames, GFP_KERNEL);
		if (!a->pg[i])
			break;
		/* each frame is writable at once: inside the file */
		*(volatile unsigned long *)page_address(a->pg[i]) =
			(unsigned long)a->pg[i];
	}
	frames_drain_local();
	return NULL;
}

/* Four threads take 4000 of the 4095 frames of a 16 MiB pool at once: the
 * file grows 2 -> 16 MiB under them, each frame given once, all inside. */
TEST(threads_grow_the_file_together)
{
	struct vas_machine *m = machine_with(16 * MiB);
	struct grow_arg *a = calloc(GROW_THREADS, sizeof(*a));
	pthread_t t[GROW_THREADS];
	unsigned char *seen = calloc(16 * MiB / P, 1);
	struct vas_mem_info mi;

	ASSERT_TRUE(a && seen);
	for (int i = 0; i < GROW_THREADS; i++) {
		a[i].m = m;
		ASSERT_EQ(pthread_create(&t[i], NULL, grow_thread, &a[i]), 0);
	}
	for (int i = 0; i < GROW_THREADS; i++)
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	mi = info(m);
	EXPECT_EQ(mi.used, (GROW_THREADS * GROW_EACH + 1) * P);
	EXPECT_EQ(mi.size, 16 * MiB);
	EXPECT_EQ(mi.grows, 4);
	EXPECT_EQ(mi.grow_failures, 0);
	for (int i = 0; i < GROW_THREADS; i++)
		for (int j = 0; j < GROW_EACH; j++) {
			struct page *pg = a[i].pg[j];
			off_t off;

			ASSERT_NOT_NULL(pg);
			off = vas_page_offset(vp(pg));
			EXPECT_TRUE(off > 0 && off < (off_t)mi.size);
			EXPECT_EQ(seen[off / P], 0);
			seen[off / P] = 1;
			EXPECT_EQ(*(unsigned long *)page_address(pg),
				  (unsigned long)pg);
		}
	EXPECT_EQ(frames_validate(m->frames), 0);
	for (int i = 0; i < GROW_THREADS; i++)
		for (int j = 0; j < GROW_EACH; j++)
			put_page(a[i].pg[j]);
	free(seen);
	free(a);
	finish(m);
}
