// SPDX-License-Identifier: MIT
/*
 * test_alloc_sweep.c - the allocation-failure sweep (issue 12, deliverable
 * 2): for each scenario of the table below, the operation under test is run
 * once to count the allocations it makes, then once per allocation with
 * that allocation failed (vas_fail_nth), each time on a fresh setup.
 *
 * Every failed run must give the scenario's documented result:
 *  - -ENOMEM (or the alternative errno the row names, as Linux gives it)
 *    with the state exactly as before the call: the smaps text of every
 *    address space (VMAs, flags, Rss, Anonymous, Locked), the bytes of
 *    every resident page (read back through get_user_pages with
 *    VAS_FOLL_NOFAULT, which faults nothing in), the map count, the RSS
 *    counters, the committed-memory counter, the free frames of the
 *    machine (with the host file's cache, which may keep a page a failed
 *    fault read, as Linux's does) and the bytes of the host file;
 *  - or, where Linux itself stops part-way, that errno with the progress
 *    made: PARTIAL (populate, mlock's populate, an access of several
 *    pages, a pin of several pages) keeps the VMAs as they were before
 *    the call or as the run without a failure leaves them, only pages
 *    differ; PARTIAL_VMAS (mprotect or madvise over several VMAs) leaves
 *    the VMAs before the failing one changed;
 *  - or, where Linux ignores the failure (MAY_SUCCEED: MAP_POPULATE's
 *    populate, mlockall's, the teardown of exit), success with the same
 *    VMAs (maps text) as the run without a failure; or LATE (mremap once
 *    the pages moved: the unmap of the source may fail, and mremap
 *    succeeds with the source left in place);
 * the row's why says which Linux code decides it.
 * and in every case vas_mm_validate() passes, and after teardown every
 * allocation is freed (vas_alloc_live() back to its value before the
 * setup; LeakSanitizer checks the same in the debug build).
 *
 * The test prints the number of failure points swept, per scenario and in
 * total (RELIABILITY.md quotes it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <vas/mmu_notifier.h>
#include <vas/physmem.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "harness.h"
#include "mm/mm.h"
#include "page/filemap.h"
#include "page/page.h"

#define P 4096UL
#define W 0x200000000000UL
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define FIXED_ANON (ANON | VAS_MAP_FIXED)
#define R VAS_PROT_READ
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define FILE_PAGES 64

/* ---- the driver: pages inserted by its mmap hook, no fault handler ---- */

struct drv {
	struct vas_machine *m;
	int hooks_ok;		/* mmap hooks that succeeded */
	int opens;
	int closes;
};

static void drv_open(struct vas_vma_ref *vma)
{
	struct drv *d = vas_vma_private(vma);

	d->opens++;
}

static void drv_close(const struct vas_vma_closing *vma)
{
	struct drv *d = vas_vma_closing_private(vma);

	d->closes++;
}

static const struct vas_vm_ops drv_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = drv_open,
	.close = drv_close,
};

/* Two pages of 0xd0 and 0xd1 at the start of the new VMA. */
static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	struct vas_vma_mixedmap *mix;

	vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	vas_vma_new_set_private(vma, d);
	mix = vas_vma_as_mixedmap(ref);
	if (!mix)
		return -EINVAL;
	for (unsigned long i = 0; i < 2; i++) {
		struct vas_page *pg = vas_page_alloc(d->m);
		int err;

		if (!pg)
			return -ENOMEM;
		memset(vas_page_address(pg), 0xd0 + (int)i, P);
		err = vas_vm_insert_page(mix, vas_vma_start(ref) + i * P, pg);
		vas_page_put(pg);
		if (err)
			return err;
	}
	d->hooks_ok++;
	return 0;
}

static const struct vas_file_ops drv_ops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = drv_mmap,
};

/* ---- one run's world ---------------------------------------------------- */

struct sx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_mm_user *child;	/* a fork's child, in setup or op */
	struct vas_file *file;		/* host file, FILE_PAGES pages */
	struct vas_file *drvf;		/* the driver file */
	struct drv drv;
	int fd;
	char path[64];
	struct vas_page *pins[8];
	long npins;
	struct vas_machine *m2;		/* made by an op */
	struct vas_mm_user *mm2;
	struct vas_file *f2;
	struct vas_mmu_notifier *mn;
	int notified;			/* notifier calls, start + end */
};

static void sx_init(struct sx *x)
{
	static unsigned char buf[FILE_PAGES * P];

	memset(x, 0, sizeof(*x));
	ASSERT_EQ(vas_machine_create(NULL, &x->m), 0);
	ASSERT_EQ(vas_mm_create(x->m, &x->mm), 0);
	snprintf(x->path, sizeof(x->path), "/tmp/vas-sweep-XXXXXX");
	x->fd = mkstemp(x->path);
	ASSERT_TRUE(x->fd >= 0);
	unlink(x->path);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i / P + 0x40);
	ASSERT_EQ(pwrite(x->fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ASSERT_EQ(vas_file_open_host(x->m, x->fd,
				     VAS_FMODE_READ | VAS_FMODE_WRITE, "sweep",
				     &x->file), 0);
	x->drv.m = x->m;
	ASSERT_EQ(vas_file_create(x->m, &drv_ops, &x->drv, VAS_FMODE_READ,
				  "drv", &x->drvf), 0);
}

static void sx_fini(struct sx *x)
{
	vas_unpin_user_pages(x->pins, (unsigned long)x->npins, false);
	vas_mmu_notifier_unregister(x->mn);
	vas_mm_put(x->mm2);
	vas_file_put(x->f2);
	ASSERT_EQ(vas_machine_destroy(x->m2), 0);
	vas_mm_put(x->child);
	vas_mm_put(x->mm);
	vas_file_put(x->file);
	vas_file_put(x->drvf);
	EXPECT_EQ(x->drv.hooks_ok + x->drv.opens, x->drv.closes);
	ASSERT_EQ(vas_machine_destroy(x->m), 0);
	close(x->fd);
}

/* ---- the state a failed call must leave as it found ------------------- */

static unsigned long frames_free(struct vas_machine *m)
{
	struct frames_stats st;

	frames_drain_local();
	frames_stats(m->frames, &st);
	return st.free;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* The resident pages of @mm, by get_user_pages without faulting. */
static void resident_pages(FILE *out, struct vas_mm_user *mm)
{
	unsigned long ranges[64][2];
	int n = 0;
	struct vas_vma_iter it;
	struct vas_vma_ref *v;

	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ~0UL);
	while ((v = vas_vma_iter_next(&it, mm)) && n < 64) {
		ranges[n][0] = vas_vma_start(v);
		ranges[n][1] = vas_vma_end(v);
		n++;
	}
	vas_mmap_read_unlock(mm);
	for (int i = 0; i < n; i++) {
		for (unsigned long a = ranges[i][0]; a < ranges[i][1]; a += P) {
			struct vas_page *pg;

			if (vas_get_user_pages(mm, a, 1, VAS_FOLL_NOFAULT, &pg,
					       NULL) != 1)
				continue;
			fprintf(out, "page %lx %016llx\n", a,
				(unsigned long long)fnv(vas_page_address(pg), P,
							0xcbf29ce484222325ULL));
			vas_page_put(pg);
		}
	}
}

static void mm_state(FILE *out, const char *who, struct vas_mm_user *mm)
{
	if (!mm) {
		fprintf(out, "%s: none\n", who);
		return;
	}
	resident_pages(out, mm);	/* first: it may mark pages referenced */
	vas_mmap_read_lock(mm);
	fprintf(out, "%s: map_count %d rss %ld %ld %ld\n", who,
		vas_mm_map_count(mm), vas_mm_rss(mm, VAS_RSS_FILE),
		vas_mm_rss(mm, VAS_RSS_ANON), vas_mm_rss(mm, VAS_RSS_SHMEM));
	vas_mmap_read_unlock(mm);
	if (vas_proc_smaps_print(mm, out))
		fprintf(out, "smaps failed\n");
}

/* The whole state, as text (malloc'd): compared with strcmp. */
static char *snapshot(struct sx *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	static unsigned char fb[FILE_PAGES * P];

	mm_state(out, "mm", x->mm);
	mm_state(out, "child", x->child);
	/* a page read into the host file's cache may stay (Linux's does) */
	fprintf(out, "committed %lu frames free or in the file's cache %lu\n",
		vas_machine_committed(x->m),
		frames_free(x->m) + filemap_nrpages(x->file));
	if (pread(x->fd, fb, sizeof(fb), 0) == (ssize_t)sizeof(fb))
		fprintf(out, "file %016llx\n",
			(unsigned long long)fnv(fb, sizeof(fb),
						0xcbf29ce484222325ULL));
	fclose(out);
	return buf;
}

/* The maps text of @x->mm, the host file's inode (new each run) as "INO". */
static char *maps_text(struct sx *x)
{
	char *buf = NULL, *out, *o, ino[32];
	size_t len = 0, il;
	FILE *f = open_memstream(&buf, &len);
	struct stat st;

	if (x->mm && vas_proc_maps_print(x->mm, f))
		fprintf(f, "maps failed\n");
	fclose(f);
	ASSERT_EQ(fstat(x->fd, &st), 0);
	il = (size_t)snprintf(ino, sizeof(ino), " %lu ", (unsigned long)st.st_ino);
	out = o = calloc(2 * len + 1, 1);	/* " INO " may be longer */
	ASSERT_NOT_NULL(out);
	for (const char *c = buf; *c;) {
		if (!strncmp(c, ino, il)) {
			memcpy(o, " INO ", 5);
			o += 5;
			c += il;
		} else {
			*o++ = *c++;
		}
	}
	*o = 0;
	free(buf);
	return out;
}

/* ---- setups (never failed) ---------------------------------------------- */

static void map(struct sx *x, unsigned long addr, unsigned long len, int prot,
		int flags, struct vas_file *file, unsigned long off)
{
	unsigned long got;

	ASSERT_EQ(vas_mmap(x->mm, addr, len, prot, flags | VAS_MAP_FIXED, file,
			   off, &got), 0);
}

static void touch(struct sx *x, unsigned long addr, unsigned long len, int byte)
{
	ASSERT_EQ(vas_fill(x->mm, addr, byte, len, NULL), 0);
}

static void readp(struct sx *x, unsigned long addr, unsigned long len)
{
	static char sink[16 * P];

	ASSERT_TRUE(len <= sizeof(sink));
	ASSERT_EQ(vas_read(x->mm, addr, sink, len, NULL), 0);
}

/* Anonymous 8 pages at W, the first 4 written; file private at W+16P. */
static void setup_basic(struct sx *x)
{
	map(x, W, 8 * P, RW, ANON, NULL, 0);
	touch(x, W, 4 * P, 0x11);
	map(x, W + 16 * P, 4 * P, RW, VAS_MAP_PRIVATE, x->file, 0);
	readp(x, W + 16 * P, 2 * P);
}

/* setup_basic and 4 untouched anonymous pages 4 MiB away (no page table). */
static void setup_far(struct sx *x)
{
	setup_basic(x);
	map(x, W + 1024 * P, 4 * P, RW, ANON, NULL, 0);
}

/* Three anonymous VMAs with holes, all touched: for the multi-VMA calls. */
static void setup_three(struct sx *x)
{
	map(x, W, 4 * P, RW, ANON, NULL, 0);
	map(x, W + 5 * P, 4 * P, R, ANON, NULL, 0);
	map(x, W + 10 * P, 4 * P, RW, ANON, NULL, 0);
	touch(x, W, 4 * P, 0x21);
	readp(x, W + 5 * P, 4 * P);
	touch(x, W + 10 * P, 4 * P, 0x22);
}

/* Three adjacent anonymous VMAs (RW, R, RW), all touched: no holes. */
static void setup_adjacent(struct sx *x)
{
	map(x, W, 4 * P, RW, ANON, NULL, 0);
	map(x, W + 4 * P, 4 * P, R, ANON, NULL, 0);
	map(x, W + 8 * P, 4 * P, RW, ANON, NULL, 0);
	touch(x, W, 4 * P, 0x21);
	readp(x, W + 4 * P, 4 * P);
	touch(x, W + 8 * P, 4 * P, 0x22);
}

/* setup_basic, a shared file mapping dirtied, a driver mapping, a fork. */
static void setup_rich(struct sx *x)
{
	unsigned long got;

	setup_basic(x);
	map(x, W + 32 * P, 4 * P, RW, VAS_MAP_SHARED, x->file, 0);
	touch(x, W + 32 * P, 2 * P, 0x33);
	ASSERT_EQ(vas_mmap(x->mm, W + 48 * P, 4 * P, R, VAS_MAP_SHARED,
			   x->drvf, 0, &got), 0);
}

static void setup_forked(struct sx *x)
{
	setup_rich(x);
	ASSERT_EQ(vas_mm_fork(x->mm, &x->child), 0);
}

/*
 * setup_rich, and a child forked and put: the machine's caches hold its
 * VMAs and anon_vmas, so the next fork takes its objects from the reserve
 * (vma_batch_reserve) and each reuse is a failure point of its own.
 */
static void setup_warm(struct sx *x)
{
	struct vas_mm_user *c;

	setup_rich(x);
	ASSERT_EQ(vas_mm_fork(x->mm, &c), 0);
	vas_mm_put(c);
}

/* setup_basic with the first page pinned (fork must copy it at once). */
static void setup_pinned(struct sx *x)
{
	setup_basic(x);
	ASSERT_EQ(vas_pin_user_pages(x->mm, W, 1, VAS_FOLL_WRITE, x->pins,
				     NULL), 1);
	x->npins = 1;
}

/* setup_basic, a stack of 2 pages at W+702P (past the guard gap), a shared anonymous one. */
static void setup_stack_shm(struct sx *x)
{
	setup_basic(x);
	map(x, W + 702 * P, 2 * P, RW, ANON | VAS_MAP_GROWSDOWN, NULL, 0);
	touch(x, W + 702 * P, P, 0x66);
	map(x, W + 300 * P, 4 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
	    NULL, 0);
	touch(x, W + 300 * P, P, 0x67);
}

/* setup_basic and file mappings of pages never read (past readahead). */
static void setup_file_far(struct sx *x)
{
	setup_basic(x);
	map(x, W + 400 * P, 4 * P, RW, VAS_MAP_PRIVATE, x->file, 48 * P);
	map(x, W + 500 * P, 4 * P, RW, VAS_MAP_SHARED, x->file, 56 * P);
}

static void setup_brk(struct sx *x)
{
	unsigned long b;

	ASSERT_EQ(vas_mm_set_brk_start(x->mm, W + 64 * P), 0);
	ASSERT_EQ(vas_brk(x->mm, W + 68 * P, &b), 0);
	ASSERT_EQ(b, W + 68 * P);
	touch(x, W + 64 * P, 4 * P, 0x44);
}

/* ---- operations ------------------------------------------------------------ */

static int do_mmap(struct sx *x, unsigned long addr, unsigned long len,
		   int prot, int flags, struct vas_file *file, unsigned long off)
{
	unsigned long got;

	return vas_mmap(x->mm, addr, len, prot, flags, file, off, &got);
}

static int op_mmap_anon(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW, FIXED_ANON, NULL, 0);
}
static int op_mmap_anon_hint(struct sx *x)
{
	return do_mmap(x, 0, 4 * P, RW, ANON, NULL, 0);
}
static int op_mmap_file_private(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW,
		       VAS_MAP_PRIVATE | VAS_MAP_FIXED, x->file, 2 * P);
}
static int op_mmap_file_shared(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW,
		       VAS_MAP_SHARED | VAS_MAP_FIXED, x->file, 0);
}
static int op_mmap_shared_anon(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW,
		       VAS_MAP_SHARED | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
		       NULL, 0);
}
static int op_mmap_fixed_middle(struct sx *x)	/* splits the anon VMA */
{
	return do_mmap(x, W + 2 * P, 2 * P, R, FIXED_ANON, NULL, 0);
}
static int op_mmap_fixed_span(struct sx *x)	/* over two VMAs and a hole */
{
	return do_mmap(x, W + 6 * P, 12 * P, RW, FIXED_ANON, NULL, 0);
}
static int op_mmap_merge_after(struct sx *x)
{
	return do_mmap(x, W + 8 * P, 2 * P, RW, FIXED_ANON, NULL, 0);
}
static int op_mmap_merge_both(struct sx *x)	/* fills the hole of three */
{
	return do_mmap(x, W + 4 * P, P, RW, FIXED_ANON, NULL, 0);
}
static int op_mmap_populate(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW,
		       FIXED_ANON | VAS_MAP_POPULATE, NULL, 0);
}
static int op_mmap_file_populate(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, R,
		       VAS_MAP_PRIVATE | VAS_MAP_FIXED | VAS_MAP_POPULATE,
		       x->file, 0);
}
static int op_mmap_locked(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, RW,
		       FIXED_ANON | VAS_MAP_LOCKED, NULL, 0);
}
static int op_mmap_driver(struct sx *x)
{
	return do_mmap(x, W + 100 * P, 4 * P, R, VAS_MAP_SHARED | VAS_MAP_FIXED,
		       x->drvf, 0);
}
static int op_munmap_middle(struct sx *x)
{
	return vas_munmap(x->mm, W + 2 * P, 2 * P);
}
static int op_munmap_span(struct sx *x)
{
	return vas_munmap(x->mm, W + 2 * P, 10 * P);
}
static int op_munmap_driver_part(struct sx *x)
{
	return vas_munmap(x->mm, W + 49 * P, P);
}
static int op_mprotect_split(struct sx *x)
{
	return vas_mprotect(x->mm, W + 2 * P, 2 * P, R);
}
static int op_mprotect_merge(struct sx *x)	/* middle VMA becomes RW */
{
	return vas_mprotect(x->mm, W + 5 * P, 4 * P, RW);
}
static int op_mprotect_span(struct sx *x)
{
	return vas_mprotect(x->mm, W + 2 * P, 4 * P, VAS_PROT_NONE);
}
static int do_mremap(struct sx *x, unsigned long a, unsigned long ol,
		     unsigned long nl, int flags, unsigned long na)
{
	unsigned long got;

	return vas_mremap(x->mm, a, ol, nl, flags, na, &got);
}
static int op_mremap_grow(struct sx *x)
{
	return do_mremap(x, W, 8 * P, 12 * P, 0, 0);
}
static int op_mremap_move(struct sx *x)
{
	return do_mremap(x, W, 8 * P, 20 * P, VAS_MREMAP_MAYMOVE, 0);
}
static int op_mremap_fixed_part(struct sx *x)
{
	return do_mremap(x, W + 2 * P, 2 * P, 2 * P,
			 VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 100 * P);
}
static int op_mremap_shrink(struct sx *x)
{
	return do_mremap(x, W, 8 * P, 3 * P, 0, 0);
}
static int op_mremap_dontunmap(struct sx *x)
{
	return do_mremap(x, W, 8 * P, 8 * P,
			 VAS_MREMAP_MAYMOVE | VAS_MREMAP_DONTUNMAP, 0);
}
static int op_mremap_file(struct sx *x)
{
	return do_mremap(x, W + 16 * P, 4 * P, 4 * P,
			 VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 100 * P);
}
static int op_madv_dontneed(struct sx *x)
{
	return vas_madvise(x->mm, W + P, 2 * P, VAS_MADV_DONTNEED);
}
static int op_madv_free(struct sx *x)
{
	return vas_madvise(x->mm, W + P, 2 * P, VAS_MADV_FREE);
}
static int op_madv_wipeonfork(struct sx *x)
{
	return vas_madvise(x->mm, W + 2 * P, 2 * P, VAS_MADV_WIPEONFORK);
}
static int op_madv_dontfork_span(struct sx *x)
{
	return vas_madvise(x->mm, W + 2 * P, 10 * P, VAS_MADV_DONTFORK);
}
static int op_madv_guard_install(struct sx *x)
{
	return vas_madvise(x->mm, W + 1024 * P, 3 * P, VAS_MADV_GUARD_INSTALL);
}
static int op_madv_guard_remove(struct sx *x)
{
	return vas_madvise(x->mm, W + 4 * P, 3 * P, VAS_MADV_GUARD_REMOVE);
}
static int op_madv_populate_read(struct sx *x)
{
	return vas_madvise(x->mm, W + 1024 * P, 4 * P, VAS_MADV_POPULATE_READ);
}
static int op_madv_populate_write(struct sx *x)
{
	return vas_madvise(x->mm, W, 8 * P, VAS_MADV_POPULATE_WRITE);
}
static int op_madv_pageout(struct sx *x)
{
	return vas_madvise(x->mm, W, 8 * P, VAS_MADV_PAGEOUT);
}
static int op_madv_remove(struct sx *x)
{
	return vas_madvise(x->mm, W + 32 * P, 2 * P, VAS_MADV_REMOVE);
}
static int op_mlock(struct sx *x)
{
	return vas_mlock(x->mm, W + 2 * P, 4 * P);
}
static int op_mlock_onfault(struct sx *x)
{
	return vas_mlock2(x->mm, W + 2 * P, 4 * P, VAS_MLOCK_ONFAULT);
}
static int op_munlock(struct sx *x)
{
	return vas_munlock(x->mm, W + 2 * P, 2 * P);
}
static int op_mlockall(struct sx *x)
{
	return vas_mlockall(x->mm, VAS_MCL_CURRENT);
}
static int op_munlockall(struct sx *x)
{
	return vas_munlockall(x->mm);
}
static int op_msync(struct sx *x)
{
	return vas_msync(x->mm, W + 32 * P, 4 * P, VAS_MS_SYNC);
}
static int op_mseal(struct sx *x)
{
	return vas_mseal(x->mm, W + 2 * P, 2 * P, 0);
}
static int op_mseal_span(struct sx *x)
{
	return vas_mseal(x->mm, W + 2 * P, 10 * P, 0);
}
static int brk_to(struct sx *x, unsigned long want)
{
	unsigned long got;

	EXPECT_EQ(vas_brk(x->mm, want, &got), 0);
	return got == want ? 0 : -ENOMEM;	/* brk reports by the break */
}
static int op_brk_grow(struct sx *x)
{
	return brk_to(x, W + 72 * P);
}
static int op_brk_shrink(struct sx *x)
{
	return brk_to(x, W + 66 * P);
}
static int op_read_anon(struct sx *x)	/* untouched: the zero page */
{
	char b[16];

	return vas_read(x->mm, W + 1024 * P, b, sizeof(b), NULL);
}
static int op_write_anon(struct sx *x)
{
	return vas_fill(x->mm, W + 5 * P, 0x55, 16, NULL);
}
static int op_write_anon_pages(struct sx *x)	/* four new pages */
{
	return vas_fill(x->mm, W + 4 * P, 0x56, 4 * P, NULL);
}
static int op_read_file(struct sx *x)
{
	char b[16];

	return vas_read(x->mm, W + 18 * P, b, sizeof(b), NULL);
}
static int op_write_file_private(struct sx *x)	/* COW of a cached page */
{
	return vas_fill(x->mm, W + 16 * P, 0x57, 16, NULL);
}
static int op_write_file_shared(struct sx *x)
{
	return vas_fill(x->mm, W + 34 * P, 0x58, 16, NULL);
}
static int op_write_cow(struct sx *x)		/* after fork */
{
	return vas_fill(x->mm, W + P, 0x59, 16, NULL);
}
static int op_fault_write(struct sx *x)
{
	return vas_fault(x->mm, W + 6 * P, VAS_FAULT_WRITE, NULL);
}
static int op_fork(struct sx *x)
{
	return vas_mm_fork(x->mm, &x->child);
}
static int op_machine_create(struct sx *x)
{
	return vas_machine_create(NULL, &x->m2);
}
static int op_mm_create(struct sx *x)
{
	return vas_mm_create(x->m, &x->mm2);
}
static int op_file_open_host(struct sx *x)
{
	return vas_file_open_host(x->m, x->fd, VAS_FMODE_READ, "again", &x->f2);
}
static void mn_start(struct vas_mmu_notifier *mn,
		     const struct vas_mmu_notifier_range *range)
{
	struct sx *x = vas_mmu_notifier_private(mn);

	(void)range;
	x->notified++;
}
static const struct vas_mmu_notifier_ops mn_ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.invalidate_range_start = mn_start,
	.invalidate_range_end = mn_start,
};
static int op_notifier_register(struct sx *x)
{
	return vas_mmu_notifier_register(x->mm, &mn_ops, x, &x->mn);
}
static int op_stack_grow(struct sx *x)	/* a write just below the stack */
{
	return vas_fill(x->mm, W + 701 * P, 0x68, 16, NULL);
}
static int op_write_shm(struct sx *x)
{
	return vas_fill(x->mm, W + 301 * P, 0x69, 16, NULL);
}
static int op_read_file_far(struct sx *x)
{
	char b[16];

	return vas_read(x->mm, W + 400 * P, b, sizeof(b), NULL);
}
static int op_write_file_far_private(struct sx *x)
{
	return vas_fill(x->mm, W + 401 * P, 0x6a, 16, NULL);
}
static int op_write_file_far_shared(struct sx *x)
{
	return vas_fill(x->mm, W + 500 * P, 0x6b, 16, NULL);
}
static int op_exit(struct sx *x)
{
	vas_mm_put(x->mm);
	x->mm = NULL;
	return 0;
}
static int pin(struct sx *x, unsigned long addr, unsigned long n,
	       unsigned int flags)
{
	long r = vas_pin_user_pages(x->mm, addr, n, flags, x->pins, NULL);

	if (r < 0)
		return (int)r;
	x->npins = r;
	return (unsigned long)r == n ? 0 : -ENOMEM;	/* a short count */
}
static int op_pin_one(struct sx *x)
{
	return pin(x, W + 5 * P, 1, VAS_FOLL_WRITE);
}
static int op_pin_many(struct sx *x)
{
	return pin(x, W + 2 * P, 4, VAS_FOLL_WRITE);
}
static int op_pin_cow(struct sx *x)	/* after fork: unshare for a read pin */
{
	return pin(x, W, 2, 0);
}
static int op_gup_file(struct sx *x)
{
	long r = vas_get_user_pages(x->mm, W + 16 * P, 4, 0, x->pins, NULL);

	if (r < 0)
		return (int)r;
	for (long i = 0; i < r; i++)
		vas_page_put(x->pins[i]);
	return r == 4 ? 0 : -ENOMEM;
}

/* ---- the table ---------------------------------------------------------------- */

/* What a run with a failed allocation may give (beyond -ENOMEM, unchanged). */
#define MAY_SUCCEED 0x1	/* 0, with the maps text of the run without failure */
/*
 * PARTIAL: the errno, with the progress Linux makes, in pages only or in
 * all of the VMA changes: the maps text (the VMAs and their protections)
 * is that from before the call or that of the run without a failure.
 * PARTIAL_VMAS: the errno, the VMAs changed up to the failing one (only
 * the validator checks what is left).
 */
#define PARTIAL 0x2
#define LATE 0x4	/* 0 with other VMAs: Linux goes on past a failure */
#define PARTIAL_VMAS 0x8

struct scenario {
	const char *name;
	void (*setup)(struct sx *x);
	int (*op)(struct sx *x);
	unsigned int flags;
	int alt_err;		/* another errno Linux gives, or 0 */
	const char *why;	/* what Linux does, for MAY_SUCCEED / PARTIAL */
};

static const struct scenario scenarios[] = {
	{ "mmap anon fixed", setup_basic, op_mmap_anon, 0, 0, NULL },
	{ "mmap anon hint", setup_basic, op_mmap_anon_hint, 0, 0, NULL },
	{ "mmap file private", setup_basic, op_mmap_file_private, 0, 0, NULL },
	{ "mmap file shared", setup_basic, op_mmap_file_shared, 0, 0, NULL },
	{ "mmap shared anon", setup_basic, op_mmap_shared_anon, 0, 0, NULL },
	{ "mmap fixed splits", setup_basic, op_mmap_fixed_middle, 0, 0, NULL },
	{ "mmap fixed over two VMAs", setup_basic, op_mmap_fixed_span, 0, 0, NULL },
	{ "mmap merges with prev", setup_basic, op_mmap_merge_after, 0, 0, NULL },
	{ "mmap merges both", setup_three, op_mmap_merge_both, 0, 0, NULL },
	{ "mmap populate", setup_basic, op_mmap_populate, MAY_SUCCEED, 0,
	  "mm_populate() ignores errors: mmap succeeds, pages may be missing" },
	{ "mmap file populate", setup_basic, op_mmap_file_populate, MAY_SUCCEED,
	  0, "as mmap populate" },
	{ "mmap locked", setup_basic, op_mmap_locked, MAY_SUCCEED, 0,
	  "MAP_LOCKED populates as MAP_POPULATE, ignoring errors" },
	{ "mmap driver", setup_rich, op_mmap_driver, 0, 0, NULL },
	{ "munmap middle", setup_basic, op_munmap_middle, 0, 0, NULL },
	{ "munmap span", setup_adjacent, op_munmap_span, 0, 0, NULL },
	{ "munmap driver part", setup_rich, op_munmap_driver_part, 0, 0, NULL },
	{ "mprotect split", setup_basic, op_mprotect_split, 0, 0, NULL },
	{ "mprotect merge", setup_three, op_mprotect_merge, 0, 0, NULL },
	{ "mprotect span", setup_adjacent, op_mprotect_span, PARTIAL_VMAS, 0,
	  "VMAs before the failing one keep the new protection" },
	{ "mremap grow in place", setup_basic, op_mremap_grow, 0, 0, NULL },
	{ "mremap move", setup_basic, op_mremap_move, LATE, 0,
	  "as mremap fixed part" },
	{ "mremap fixed part", setup_basic, op_mremap_fixed_part, LATE, 0,
	  "once the pages moved, a failed unmap of the source leaves it "
	  "mapped, empty, and mremap succeeds (unmap_source_vma)" },
	{ "mremap shrink", setup_basic, op_mremap_shrink, 0, 0, NULL },
	{ "mremap dontunmap", setup_basic, op_mremap_dontunmap, 0, 0, NULL },
	{ "mremap file", setup_basic, op_mremap_file, LATE, 0,
	  "as mremap fixed part" },
	{ "madvise dontneed", setup_basic, op_madv_dontneed, 0, 0, NULL },
	{ "madvise free", setup_basic, op_madv_free, 0, 0, NULL },
	{ "madvise wipeonfork", setup_basic, op_madv_wipeonfork, 0, 0, NULL },
	{ "madvise dontfork span", setup_adjacent, op_madv_dontfork_span,
	  PARTIAL_VMAS,
	  0, "VMAs before the failing one keep the new flag" },
	{ "madvise guard install", setup_far, op_madv_guard_install, PARTIAL,
	  0, "markers installed before the failure stay" },
	{ "madvise guard remove", setup_basic, op_madv_guard_remove, 0, 0, NULL },
	{ "madvise populate read", setup_far, op_madv_populate_read, PARTIAL,
	  0, "pages before the failing one are populated" },
	{ "madvise populate write", setup_basic, op_madv_populate_write,
	  PARTIAL, 0, "pages before the failing one are populated" },
	{ "madvise pageout", setup_rich, op_madv_pageout, 0, 0, NULL },
	/* regression: the mappings of the hole were zapped before the
	 * allocation of the hole's record failed */
	{ "madvise remove", setup_rich, op_madv_remove, 0, 0, NULL },
	{ "mlock", setup_basic, op_mlock, PARTIAL, -EAGAIN,
	  "the VMAs are locked before populating; a populate failure is "
	  "-EAGAIN for -ENOMEM (__mlock_posix_error_return)" },
	{ "mlock2 onfault", setup_basic, op_mlock_onfault, 0, 0, NULL },
	{ "munlock", setup_basic, op_munlock, 0, 0, NULL },
	{ "mlockall", setup_far, op_mlockall, MAY_SUCCEED, 0,
	  "mlockall populates with mm_populate(), which ignores errors" },
	{ "munlockall", setup_basic, op_munlockall, 0, 0, NULL },
	{ "msync", setup_rich, op_msync, 0, 0, NULL },
	{ "mseal", setup_basic, op_mseal, 0, 0, NULL },
	{ "mseal span", setup_adjacent, op_mseal_span, 0, 0, NULL },
	{ "brk grow", setup_brk, op_brk_grow, 0, 0, NULL },
	{ "brk shrink", setup_brk, op_brk_shrink, 0, 0, NULL },
	{ "read anon", setup_far, op_read_anon, 0, 0, NULL },
	{ "write anon", setup_basic, op_write_anon, 0, 0, NULL },
	{ "write anon pages", setup_basic, op_write_anon_pages, PARTIAL, 0,
	  "the pages before the failing one are written" },
	{ "read file", setup_basic, op_read_file, 0, 0, NULL },
	{ "write file private", setup_basic, op_write_file_private, 0, 0, NULL },
	{ "write file shared", setup_rich, op_write_file_shared, 0, 0, NULL },
	{ "write cow", setup_forked, op_write_cow, 0, 0, NULL },
	{ "fault write", setup_basic, op_fault_write, 0, 0, NULL },
	{ "fork", setup_rich, op_fork, 0, 0, NULL },
	{ "fork from warm caches", setup_warm, op_fork, 0, 0, NULL },
	{ "exit", setup_forked, op_exit, MAY_SUCCEED, 0,
	  "teardown cannot fail" },
	{ "read file uncached", setup_file_far, op_read_file_far, MAY_SUCCEED,
	  0, "readahead and fault-around are best effort (page_cache_ra_"
	  "unbounded stops at a failure); the page is then read by itself" },
	{ "write file uncached private", setup_file_far,
	  op_write_file_far_private, 0, 0, NULL },
	{ "write file uncached shared", setup_file_far,
	  op_write_file_far_shared, 0, 0, NULL },
	{ "fork with a pinned page", setup_pinned, op_fork, 0, 0, NULL },
	{ "stack grows", setup_stack_shm, op_stack_grow, PARTIAL, -EFAULT,
	  "a failed expansion is a bad area (SIGSEGV: expand_downwards "
	  "-ENOMEM); once the VMA grew, the page's failure is the fault's "
	  "OOM with the VMA grown" },
	{ "write shared anon", setup_stack_shm, op_write_shm, 0, 0, NULL },
	{ "machine create", setup_basic, op_machine_create, 0, 0, NULL },
	{ "mm create", setup_basic, op_mm_create, 0, 0, NULL },
	{ "file open host", setup_basic, op_file_open_host, 0, 0, NULL },
	{ "mmu notifier register", setup_basic, op_notifier_register, 0, 0,
	  NULL },
	{ "pin one", setup_basic, op_pin_one, 0, 0, NULL },
	{ "pin many", setup_basic, op_pin_many, PARTIAL, 0,
	  "a short count: the pages before the failing one are pinned" },
	{ "pin cow", setup_forked, op_pin_cow, PARTIAL, 0, "as pin many" },
	{ "gup file", setup_basic, op_gup_file, PARTIAL, 0, "as pin many" },
};

static unsigned long swept_total;

/* The lines of @a and @b that differ (the texts mostly line up). */
static void report_diff(const char *name, unsigned long k, const char *a,
			const char *b)
{
	fprintf(stderr, "---- %s, allocation %lu: before (-), after (+):\n",
		name, k);
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || memcmp(a, b, la))
			fprintf(stderr, "-%.*s\n+%.*s\n", (int)la, a, (int)lb,
				b);
		a += la + (a[la] != 0);
		b += lb + (b[lb] != 0);
	}
}

static void sweep_one(const struct scenario *s)
{
	struct sx x;
	unsigned long before, need;
	long live = vas_alloc_live();
	char *after_maps;
	int err;

	/* The run without a failure: count, and the maps it leaves. */
	sx_init(&x);
	s->setup(&x);
	before = vas_alloc_count();
	err = s->op(&x);
	need = vas_alloc_count() - before;
	after_maps = maps_text(&x);
	HARNESS_CHECK(0, err == 0, "%s: %d without a failure", s->name, err);
	if (x.mm)
		EXPECT_EQ(vas_mm_validate(x.mm), 0);
	sx_fini(&x);
	HARNESS_CHECK(0, vas_alloc_live() == live, "%s: %ld leaked", s->name,
		      vas_alloc_live() - live);

	for (unsigned long k = 1; k <= need; k++) {
		char *snap, *now, *maps0;
		bool same;

		live = vas_alloc_live();
		sx_init(&x);
		s->setup(&x);
		snap = snapshot(&x);
		maps0 = maps_text(&x);
		vas_fail_nth(k);
		err = s->op(&x);
		vas_fail_nth(0);
		if (x.mm && vas_mm_validate(x.mm))
			harness_fail(__FILE__, __LINE__,
				     "%s: allocation %lu/%lu: invalid after %d",
				     s->name, k, need, err);
		if (x.child && vas_mm_validate(x.child))
			harness_fail(__FILE__, __LINE__,
				     "%s: allocation %lu/%lu: child invalid",
				     s->name, k, need);
		now = snapshot(&x);
		same = strcmp(snap, now) == 0;
		if (err == 0) {
			char *m = maps_text(&x);

			if (s->flags & LATE)
				;	/* checked by the validator above */
			else if (!(s->flags & MAY_SUCCEED))
				harness_fail(__FILE__, __LINE__,
					     "%s: allocation %lu/%lu failed, "
					     "call gave 0", s->name, k, need);
			else if (strcmp(m, after_maps))
				harness_fail(__FILE__, __LINE__,
					     "%s: allocation %lu/%lu: 0 but maps "
					     "differ:\n%s---- want ----\n%s",
					     s->name, k, need, m, after_maps);
			free(m);
		} else if (err == -ENOMEM || (s->alt_err && err == s->alt_err)) {
			char *m = maps_text(&x);

			if (!same && (s->flags & PARTIAL) && strcmp(m, maps0) &&
			    strcmp(m, after_maps)) {
				harness_fail(__FILE__, __LINE__,
					     "%s: allocation %lu/%lu: %d, the "
					     "VMAs neither as before nor as "
					     "without a failure", s->name, k,
					     need, err);
				report_diff(s->name, k, maps0, m);
			}
			free(m);
			if (!same && !(s->flags & (PARTIAL | PARTIAL_VMAS))) {
				harness_fail(__FILE__, __LINE__,
					     "%s: allocation %lu/%lu: %d and "
					     "the state changed", s->name, k,
					     need, err);
				report_diff(s->name, k, snap, now);
			}
		} else {
			harness_fail(__FILE__, __LINE__,
				     "%s: allocation %lu/%lu failed: call gave %d",
				     s->name, k, need, err);
		}
		free(snap);
		free(now);
		free(maps0);
		sx_fini(&x);
		if (vas_alloc_live() != live)
			harness_fail(__FILE__, __LINE__,
				     "%s: allocation %lu/%lu: %ld objects leaked",
				     s->name, k, need, vas_alloc_live() - live);
	}
	free(after_maps);
	printf("sweep: %-28s %3lu allocations failed in turn\n", s->name, need);
	swept_total += need;
}

TEST(every_allocation_of_every_scenario_fails_cleanly)
{
	const char *only = getenv("VAS_SWEEP_ONLY");

	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (only && !strstr(scenarios[i].name, only))
			continue;
		sweep_one(&scenarios[i]);
	}
	printf("sweep: %zu scenarios, %lu failure points swept\n",
	       sizeof(scenarios) / sizeof(scenarios[0]), swept_total);
	EXPECT_GT(swept_total, 0);
}
