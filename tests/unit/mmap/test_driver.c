// SPDX-License-Identifier: MIT
/*
 * test_driver.c - a driver file's mmap hook at the vas_vma_new access
 * level: the flags it may set, VM_MAY* it may clear (and what mprotect
 * then refuses), vm_ops open/close/name, private data, such special
 * mappings never merging; and the regressions of issue 8:
 *  - defect 1: a hook that inserted pages and failed left them mapped
 *    outside every VMA, and a failing hook with MAP_FIXED kept the old
 *    mapping where Linux leaves a gap;
 *  - defect 3: vm_ops->close gets a struct vas_vma_closing, which works
 *    at teardown, when the address space has no user left;
 *  - defect 4: splits call open for the pieces cut off and close for the
 *    piece that goes, with Linux's objects and ranges.
 * Public API only.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

/* One vm_ops or hook call: 'm' mmap hook, 'o' open, 'c' close. */
struct call {
	char kind;
	unsigned long start, end, pgoff;
};

struct drv {
	int mmaps, opens, closes, releases;
	int mmaps_ok;			/* hooks that returned 0 */
	int fail_with;			/* the hook fails with this... */
	int insert;			/* ...after inserting this many pages */
	int insert_byte;
	bool plain;			/* leave the VMA's flags alone */
	struct vas_machine *m;
	struct vas_mm *mm;		/* a count, for the close checks */
	int users_at_close;		/* vas_mm_users() in the last close */
	bool close_mm_matches;		/* the closing mm_id is mm's */
	unsigned long close_flags;
	struct vas_file *close_file;
	struct call log[64];
	int nlog;
};

static void log_call(struct drv *d, char kind, unsigned long start,
		     unsigned long end, unsigned long pgoff)
{
	if (d->nlog < (int)(sizeof(d->log) / sizeof(d->log[0])))
		d->log[d->nlog++] = (struct call){ kind, start, end, pgoff };
}

static void drv_open(struct vas_vma_ref *vma)
{
	struct drv *d = vas_vma_private(vma);

	d->opens++;
	log_call(d, 'o', vas_vma_start(vma), vas_vma_end(vma), vas_vma_pgoff(vma));
}

static void drv_close(const struct vas_vma_closing *vma)
{
	struct drv *d = vas_vma_closing_private(vma);

	d->closes++;
	log_call(d, 'c', vas_vma_closing_start(vma), vas_vma_closing_end(vma),
		 vas_vma_closing_pgoff(vma));
	if (d->mm) {
		d->users_at_close = vas_mm_users(d->mm);
		d->close_mm_matches =
			vas_vma_closing_mm_id(vma) == vas_mm_id(d->mm);
	}
	d->close_flags = vas_vma_closing_flags(vma);
	d->close_file = vas_vma_closing_file(vma);
}

static const char *drv_name(struct vas_vma_ref *vma)
{
	(void)vma;
	return "[drv]";
}

static const struct vas_vm_ops drv_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = drv_open, .close = drv_close, .name = drv_name,
};

/*
 * Like binder: read-only for good, no fork copy, pages by vm_insert_page
 * (unless plain: then the flags stay as mmap made them, so the VMA can
 * merge and fork copies it). Inserts d->insert pages of d->insert_byte,
 * then fails with d->fail_with if set.
 */
static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	unsigned long start = vas_vma_start(ref);

	d->mmaps++;
	log_call(d, 'm', start, vas_vma_end(ref), vas_vma_pgoff(ref));
	if (!d->plain) {
		if (vas_vma_end(ref) - start > 16 * P)
			return -EINVAL;
		if (vas_vma_new_try_clear_maywrite(vma))
			return -EPERM;		/* VM_WRITE was asked for */
		vas_vma_new_set_dontcopy(vma);
		vas_vma_new_set_mixedmap(vma);
	}
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	vas_vma_new_set_private(vma, d);
	for (int i = 0; i < d->insert; i++) {
		struct vas_vma_mixedmap *mix = vas_vma_as_mixedmap(ref);
		struct vas_page *pg;
		int err;

		if (!mix)
			return -EINVAL;
		pg = vas_page_alloc(d->m);
		if (!pg)
			return -ENOMEM;
		memset(vas_page_address(pg), d->insert_byte, P);
		err = vas_vm_insert_page(mix, start + (unsigned long)i * P, pg);
		vas_page_put(pg);	/* the mapping holds its own reference */
		if (err)
			return err;
	}
	if (d->fail_with)
		return d->fail_with;
	d->mmaps_ok++;
	return 0;
}

static void drv_release(struct vas_file *file)
{
	struct drv *d = vas_file_private(file);

	d->releases++;
}

static const struct vas_file_ops drv_ops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = drv_mmap, .release = drv_release,
};

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_file *f;
	struct drv d;
};

static void fx_init(struct fx *x, bool plain)
{
	memset(x, 0, sizeof(*x));
	ASSERT_EQ(vas_machine_create(NULL, &x->m), 0);
	ASSERT_EQ(vas_mm_create(x->m, &x->mm), 0);
	x->d.m = x->m;
	x->d.plain = plain;
	x->d.mm = vas_mm_from_user(x->mm);
	vas_mm_grab(x->d.mm);
	ASSERT_EQ(vas_file_create(x->m, &drv_ops, &x->d,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "drv", &x->f), 0);
}

static void fx_fini(struct fx *x)
{
	EXPECT_EQ(vas_mm_validate(x->mm), 0);
	vas_mm_put(x->mm);
	vas_mm_drop(x->d.mm);
	vas_file_put(x->f);
	EXPECT_EQ(x->d.releases, 1);
	EXPECT_EQ(vas_machine_destroy(x->m), 0);
}

/* VMAs whose private data is @d (the driver's VMAs). */
static int drv_vmas(struct vas_mm_user *mm, const struct drv *d)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	int n = 0;

	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, mm)))
		if (vas_vma_private(v) == d)
			n++;
	vas_mmap_read_unlock(mm);
	return n;
}

/* Hooks that succeeded plus opens minus closes: the driver's VMAs. */
#define EXPECT_BALANCED(mm, d)                                                \
	EXPECT_EQ((d)->mmaps_ok + (d)->opens - (d)->closes, drv_vmas(mm, d))

/* The calls logged since @from are exactly @want. */
static void expect_log_(const char *file, int line, struct drv *d, int from,
			const struct call *want, int n)
{
	if (d->nlog - from != n)
		harness_fail(file, line, "%d calls, want %d", d->nlog - from, n);
	for (int i = 0; i < n && from + i < d->nlog; i++) {
		const struct call *c = &d->log[from + i];

		if (c->kind != want[i].kind || c->start != want[i].start ||
		    c->end != want[i].end || c->pgoff != want[i].pgoff)
			harness_fail(file, line,
				     "call %d is %c [W+%#lx,W+%#lx) pgoff %lu; want "
				     "%c [W+%#lx,W+%#lx) pgoff %lu", i, c->kind,
				     c->start - W, c->end - W, c->pgoff,
				     want[i].kind, want[i].start - W,
				     want[i].end - W, want[i].pgoff);
	}
}
#define EXPECT_LOG(d, from, ...)                                              \
	do {                                                                  \
		const struct call __w[] = { __VA_ARGS__ };                    \
		expect_log_(__FILE__, __LINE__, d, from, __w,                 \
			    (int)(sizeof(__w) / sizeof(__w[0])));             \
	} while (0)

/* [start, end) of the VMA at @addr, 0 0 if none. */
static void vma_at(struct vas_mm_user *mm, unsigned long addr,
		   unsigned long *start, unsigned long *end)
{
	struct vas_vma_ref *v;

	vas_mmap_read_lock(mm);
	v = vas_vma_lookup(mm, addr);
	*start = v ? vas_vma_start(v) : 0;
	*end = v ? vas_vma_end(v) : 0;
	vas_mmap_read_unlock(mm);
}

static int byte_at(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_fault_info fi;
	unsigned char b;

	if (vas_read(mm, addr, &b, 1, &fi))
		return -1;
	return b;
}

TEST(driver_mmap_hook_sets_up_the_vma)
{
	struct fx x;
	unsigned long a, a2;

	fx_init(&x, false);
	/* writable mappings are refused by the hook */
	EXPECT_EQ(vas_mmap(x.mm, W, 4 * P, RW, VAS_MAP_SHARED | VAS_MAP_FIXED,
			   x.f, 0, &a), -EPERM);
	EXPECT_EQ(x.d.mmaps, 1);
	/* too large */
	EXPECT_EQ(vas_mmap(x.mm, W, 32 * P, VAS_PROT_READ, VAS_MAP_SHARED, x.f, 0,
			   &a), -EINVAL);
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	EXPECT_EQ(a, W);
	/* an adjacent mapping of the same file never merges (VM_MIXEDMAP) */
	ASSERT_EQ(vas_mmap(x.mm, W + 4 * P, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 4 * P, &a2), 0);
	vas_mmap_read_lock(x.mm);
	{
		struct vas_vma_ref *v = vas_vma_lookup(x.mm, W);
		unsigned long fl = vas_vma_flags(v);

		ASSERT_NOT_NULL(v);
		EXPECT_EQ(vas_vma_end(v), W + 4 * P);
		EXPECT_TRUE(fl & VAS_VM_MIXEDMAP);
		EXPECT_TRUE(fl & VAS_VM_DONTCOPY);
		EXPECT_TRUE(fl & VAS_VM_MAYSHARE);
		/* like binder: only VM_MAYWRITE cleared; VM_SHARED stays */
		EXPECT_FALSE(fl & (VAS_VM_MAYWRITE | VAS_VM_WRITE));
		EXPECT_TRUE(fl & VAS_VM_SHARED);
		EXPECT_PTR_EQ(vas_vma_private(v), &x.d);
		EXPECT_PTR_EQ(vas_vma_file(v), x.f);
		EXPECT_NOT_NULL(vas_vma_as_mixedmap(v));
		EXPECT_NOT_NULL(vas_vma_lookup(x.mm, W + 4 * P));
		EXPECT_NE((uintptr_t)vas_vma_lookup(x.mm, W + 4 * P), (uintptr_t)v);
	}
	vas_mmap_read_unlock(x.mm);
	/* VM_MAYWRITE is gone: mprotect to writable is refused */
	EXPECT_EQ(vas_mprotect(x.mm, W, 4 * P, RW), -EACCES);
	/*
	 * Unmapping the middle: as Linux's two splits, the pieces below and
	 * above are new VMA objects (open) and the middle one is closed.
	 */
	EXPECT_EQ(vas_munmap(x.mm, W + P, P), 0);
	EXPECT_EQ(x.d.opens, 2);
	EXPECT_EQ(x.d.closes, 1);
	/* unmapping a whole VMA object closes it */
	EXPECT_EQ(vas_munmap(x.mm, W + 4 * P, 4 * P), 0);
	EXPECT_EQ(x.d.closes, 2);
	EXPECT_BALANCED(x.mm, &x.d);
	/* maps names the VMA by vm_ops->name only without a file; ours has one */
	{
		char buf[4096] = { 0 };
		FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");

		ASSERT_NOT_NULL(out);
		EXPECT_EQ(vas_proc_maps_print(x.mm, out), 0);
		fclose(out);
		EXPECT_TRUE(strstr(buf, "drv\n") != NULL);
	}
	EXPECT_EQ(vas_mm_validate(x.mm), 0);
	vas_mm_put(x.mm);		/* closes the two remaining VMAs */
	x.mm = NULL;
	EXPECT_EQ(x.d.closes, 4);
	EXPECT_EQ(x.d.opens + 2, x.d.closes);	/* 2 came from mmap, 2 from open */
	vas_mm_drop(x.d.mm);
	vas_file_put(x.f);	/* the VMAs' references are gone: released */
	EXPECT_EQ(x.d.releases, 1);
	EXPECT_EQ(vas_machine_destroy(x.m), 0);
}

/*
 * Regression (issue 8, defect 4): a partial munmap, an mprotect split or
 * an mremap of part of a driver VMA called neither open for the piece
 * that stays nor close for the piece that goes. Linux's splits make a new
 * object for each piece cut off (open) and close the removed one with its
 * own range; a driver that counts its mappings relies on it. Each step's
 * calls are checked in order, with their ranges and file offsets.
 *
 *  W                                W+8P
 *  |------------- drv --------------|
 */
TEST(splits_open_the_pieces_cut_off_and_close_the_removed_one)
{
	struct fx x;
	unsigned long a;
	int n;

	fx_init(&x, false);
	ASSERT_EQ(vas_mmap(x.mm, W, 8 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	EXPECT_LOG(&x.d, 0, { 'm', W, W + 8 * P, 0 });
	/* top edge: the part below is cut off (open), the top goes (close) */
	n = x.d.nlog;
	EXPECT_EQ(vas_munmap(x.mm, W + 6 * P, 2 * P), 0);
	EXPECT_LOG(&x.d, n, { 'o', W, W + 6 * P, 0 },
		   { 'c', W + 6 * P, W + 8 * P, 6 });
	EXPECT_BALANCED(x.mm, &x.d);
	/* bottom edge: the part above is cut off */
	n = x.d.nlog;
	EXPECT_EQ(vas_munmap(x.mm, W, P), 0);
	EXPECT_LOG(&x.d, n, { 'o', W + P, W + 6 * P, 1 }, { 'c', W, W + P, 0 });
	EXPECT_BALANCED(x.mm, &x.d);
	/* the middle: both sides cut off, then the middle goes */
	n = x.d.nlog;
	EXPECT_EQ(vas_munmap(x.mm, W + 2 * P, P), 0);
	EXPECT_LOG(&x.d, n, { 'o', W + P, W + 2 * P, 1 },
		   { 'o', W + 3 * P, W + 6 * P, 3 },
		   { 'c', W + 2 * P, W + 3 * P, 2 });
	EXPECT_BALANCED(x.mm, &x.d);
	/* mprotect of a middle part: the outer parts are cut off, no close */
	n = x.d.nlog;
	EXPECT_EQ(vas_mprotect(x.mm, W + 4 * P, P, VAS_PROT_NONE), 0);
	EXPECT_LOG(&x.d, n, { 'o', W + 3 * P, W + 4 * P, 3 },
		   { 'o', W + 5 * P, W + 6 * P, 5 });
	EXPECT_BALANCED(x.mm, &x.d);
	/* munmap across several VMAs: each closed, in address order */
	n = x.d.nlog;
	EXPECT_EQ(vas_munmap(x.mm, W, 6 * P), 0);
	EXPECT_LOG(&x.d, n, { 'c', W + P, W + 2 * P, 1 },
		   { 'c', W + 3 * P, W + 4 * P, 3 },
		   { 'c', W + 4 * P, W + 5 * P, 4 },
		   { 'c', W + 5 * P, W + 6 * P, 5 });
	EXPECT_EQ(drv_vmas(x.mm, &x.d), 0);
	EXPECT_BALANCED(x.mm, &x.d);

	/*
	 * mremap of the middle page elsewhere: the copy is opened, then the
	 * source is unmapped as above. Then a shrink unmaps the tail.
	 *
	 *  W+16P          W+20P          W+32P
	 *  |--- drv ------|              |copy|
	 */
	ASSERT_EQ(vas_mmap(x.mm, W + 16 * P, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	n = x.d.nlog;
	EXPECT_EQ(vas_mremap(x.mm, W + 17 * P, P, P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 32 * P, &a), 0);
	EXPECT_EQ(a, W + 32 * P);
	EXPECT_LOG(&x.d, n, { 'o', W + 32 * P, W + 33 * P, 1 },
		   { 'o', W + 16 * P, W + 17 * P, 0 },
		   { 'o', W + 18 * P, W + 20 * P, 2 },
		   { 'c', W + 17 * P, W + 18 * P, 1 });
	EXPECT_BALANCED(x.mm, &x.d);
	n = x.d.nlog;
	EXPECT_EQ(vas_mremap(x.mm, W + 18 * P, 2 * P, P, 0, 0, &a), 0);
	EXPECT_LOG(&x.d, n, { 'o', W + 18 * P, W + 19 * P, 2 },
		   { 'c', W + 19 * P, W + 20 * P, 3 });
	EXPECT_BALANCED(x.mm, &x.d);
	/* teardown closes what is left, in address order */
	n = x.d.nlog;
	vas_mm_put(x.mm);
	EXPECT_LOG(&x.d, n, { 'c', W + 16 * P, W + 17 * P, 0 },
		   { 'c', W + 18 * P, W + 19 * P, 2 },
		   { 'c', W + 32 * P, W + 33 * P, 1 });
	EXPECT_EQ(x.d.mmaps_ok + x.d.opens, x.d.closes);
	vas_mm_drop(x.d.mm);
	vas_file_put(x.f);
	EXPECT_EQ(vas_machine_destroy(x.m), 0);
}

/*
 * Mappings that may merge (the hook leaves the flags alone) and fork: a
 * VMA with a close op is never removed by a merge, only grown; fork opens
 * the child's copy; every step keeps the count.
 *
 *  W        W+4P     W+8P
 *  |-- A ---|-- B ---|       A, B: the same file at contiguous offsets
 */
TEST(merges_and_fork_keep_opens_and_closes_balanced)
{
	struct vas_mm_user *child;
	struct fx x;
	unsigned long a, s, e;
	int n;

	fx_init(&x, true);
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	/* merges with A before any hook would run: no hook, no open */
	n = x.d.nlog;
	ASSERT_EQ(vas_mmap(x.mm, W + 4 * P, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 4 * P, &a), 0);
	EXPECT_EQ(x.d.nlog, n);
	vma_at(x.mm, W, &s, &e);
	EXPECT_EQ(e, W + 8 * P);
	EXPECT_BALANCED(x.mm, &x.d);
	/* a middle mprotect: three VMAs; back: no merge can remove the middle */
	n = x.d.nlog;
	EXPECT_EQ(vas_mprotect(x.mm, W + 2 * P, 2 * P, RW), 0);
	EXPECT_LOG(&x.d, n, { 'o', W, W + 2 * P, 0 },
		   { 'o', W + 4 * P, W + 8 * P, 4 });
	EXPECT_EQ(vas_mprotect(x.mm, W + 2 * P, 2 * P, VAS_PROT_READ), 0);
	EXPECT_EQ(drv_vmas(x.mm, &x.d), 3);
	EXPECT_BALANCED(x.mm, &x.d);
	/*
	 * A whole-VMA mprotect changes it in place; then an edge mprotect
	 * merges a part of the next VMA into it (the next one shrinks): no
	 * calls.
	 */
	n = x.d.nlog;
	EXPECT_EQ(vas_mprotect(x.mm, W + 2 * P, 2 * P, RW), 0);
	EXPECT_EQ(vas_mprotect(x.mm, W + 4 * P, P, RW), 0);
	EXPECT_EQ(x.d.nlog, n);
	vma_at(x.mm, W + 2 * P, &s, &e);
	EXPECT_EQ(s, W + 2 * P);
	EXPECT_EQ(e, W + 5 * P);	/* the middle grew over B's first page */
	EXPECT_BALANCED(x.mm, &x.d);
	/* fork opens the child's copies; the child's teardown closes them */
	n = x.d.nlog;
	ASSERT_EQ(vas_mm_fork(x.mm, &child), 0);
	EXPECT_EQ(x.d.nlog - n, drv_vmas(x.mm, &x.d));
	EXPECT_EQ(drv_vmas(child, &x.d), drv_vmas(x.mm, &x.d));
	for (int i = n; i < x.d.nlog; i++)
		EXPECT_EQ(x.d.log[i].kind, 'o');
	EXPECT_EQ(x.d.mmaps_ok + x.d.opens - x.d.closes,
		  drv_vmas(x.mm, &x.d) + drv_vmas(child, &x.d));
	vas_mm_put(child);
	EXPECT_BALANCED(x.mm, &x.d);
	/* mremap that grows in place and moves */
	EXPECT_EQ(vas_mremap(x.mm, W + 5 * P, 3 * P, 5 * P, 0, 0, &a), 0);
	EXPECT_BALANCED(x.mm, &x.d);
	EXPECT_EQ(vas_mremap(x.mm, W, 2 * P, 2 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 64 * P, &a), 0);
	EXPECT_BALANCED(x.mm, &x.d);
	/* madvise and mlock splits, mseal */
	EXPECT_EQ(vas_madvise(x.mm, W + 6 * P, P, VAS_MADV_DONTFORK), 0);
	EXPECT_BALANCED(x.mm, &x.d);
	EXPECT_EQ(vas_mlock2(x.mm, W + 7 * P, P, VAS_MLOCK_ONFAULT), 0);
	EXPECT_BALANCED(x.mm, &x.d);
	EXPECT_EQ(vas_mseal(x.mm, W + 8 * P, P, 0), 0);
	EXPECT_BALANCED(x.mm, &x.d);
	/*
	 * A munmap that meets the sealed VMA fails with -EPERM after Linux's
	 * first split (at its start, in the VMA below): that split's open
	 * stays, balanced by the VMA it made.
	 */
	n = x.d.nlog;
	EXPECT_EQ(vas_munmap(x.mm, W + 3 * P, 6 * P), -EPERM);
	EXPECT_LOG(&x.d, n, { 'o', W + 2 * P, W + 3 * P, 2 });
	EXPECT_BALANCED(x.mm, &x.d);
	fx_fini(&x);
}

/*
 * Regression (issue 8, defect 1): a hook that inserted pages and then
 * failed left them mapped outside every VMA, so a later mapping at the
 * same address read the driver's bytes. Linux unmaps the partial mapping
 * (__mmap_new_file_vma). Nothing of the failed call may remain.
 */
TEST(failed_hook_leaves_no_page_behind)
{
	struct fx x;
	unsigned long a;

	fx_init(&x, false);
	x.d.insert = 2;
	x.d.insert_byte = 0xdd;
	x.d.fail_with = -EIO;
	EXPECT_EQ(vas_mmap(x.mm, W, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), -EIO);
	EXPECT_EQ(x.d.mmaps, 1);
	EXPECT_EQ(drv_vmas(x.mm, &x.d), 0);
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_FILE) + vas_mm_rss(x.mm, VAS_RSS_ANON) +
		  vas_mm_rss(x.mm, VAS_RSS_SHMEM), 0);
	EXPECT_EQ(vas_mm_validate(x.mm), 0);
	/* a new mapping there reads zeros, not the driver's bytes */
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, VAS_PROT_READ, ANON | VAS_MAP_FIXED,
			   NULL, 0, &a), 0);
	EXPECT_EQ(byte_at(x.mm, W), 0);
	EXPECT_EQ(byte_at(x.mm, W + P), 0);
	EXPECT_EQ(x.d.closes, 0);	/* the hook failed: nothing to close */
	fx_fini(&x);
}

/*
 * Regression (issue 8, defect 1): MAP_FIXED of a driver over a mapping.
 * As Linux 6.18 (__mmap_region), the old mapping goes before the hook:
 * its pages are unmapped and its VMAs closed, so the hook can insert
 * into an empty range; if the hook fails, the range is left empty (the
 * host kernel does the same: a perf event's mmap hook refusing a
 * MAP_FIXED over anonymous memory leaves a hole).
 *
 *  W     W+P         W+3P   W+4P
 *  |-----|---- drv ---|-----|       anonymous around, data 0x11
 */
TEST(map_fixed_hook_failure_leaves_a_gap)
{
	struct vas_fault_info fi;
	struct fx x;
	unsigned long a, s, e;

	fx_init(&x, false);
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	ASSERT_EQ(vas_fill(x.mm, W, 0x11, 4 * P, &fi), 0);
	x.d.insert = 1;
	x.d.insert_byte = 0xdd;
	x.d.fail_with = -ENODEV;
	EXPECT_EQ(vas_mmap(x.mm, W + P, 2 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), -ENODEV);
	vma_at(x.mm, W, &s, &e);
	EXPECT_EQ(s, W);
	EXPECT_EQ(e, W + P);
	vma_at(x.mm, W + P, &s, &e);
	EXPECT_EQ(e, 0);		/* the gap */
	vma_at(x.mm, W + 2 * P, &s, &e);
	EXPECT_EQ(e, 0);
	vma_at(x.mm, W + 3 * P, &s, &e);
	EXPECT_EQ(s, W + 3 * P);
	EXPECT_EQ(e, W + 4 * P);
	EXPECT_EQ(byte_at(x.mm, W), 0x11);
	EXPECT_EQ(byte_at(x.mm, W + P), -1);
	EXPECT_EQ(byte_at(x.mm, W + 3 * P), 0x11);
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_ANON), 2);
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_FILE), 0);
	EXPECT_EQ(vas_mm_validate(x.mm), 0);

	/*
	 * Over the driver's own mapping: the old one's pieces are cut off
	 * and its middle closed before the new hook runs; the new hook then
	 * inserts into the emptied range.
	 *
	 *  W+8P       W+10P     W+12P     W+14P
	 *  |---- drv (old) -----------------|
	 *             |-- new --|
	 */
	x.d.fail_with = 0;
	x.d.insert = 0;
	ASSERT_EQ(vas_mmap(x.mm, W + 8 * P, 6 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	x.d.insert = 2;
	x.d.insert_byte = 0xee;
	{
		int n = x.d.nlog;

		ASSERT_EQ(vas_mmap(x.mm, W + 10 * P, 2 * P, VAS_PROT_READ,
				   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 8 * P, &a), 0);
		EXPECT_LOG(&x.d, n, { 'o', W + 8 * P, W + 10 * P, 0 },
			   { 'o', W + 12 * P, W + 14 * P, 4 },
			   { 'c', W + 10 * P, W + 12 * P, 2 },
			   { 'm', W + 10 * P, W + 12 * P, 8 });
	}
	EXPECT_EQ(byte_at(x.mm, W + 10 * P), 0xee);
	EXPECT_EQ(byte_at(x.mm, W + 11 * P), 0xee);
	EXPECT_EQ(drv_vmas(x.mm, &x.d), 3);
	EXPECT_BALANCED(x.mm, &x.d);
	/* and a failing one over it leaves a gap, the pieces around stay */
	x.d.fail_with = -EIO;
	{
		int n = x.d.nlog;

		EXPECT_EQ(vas_mmap(x.mm, W + 9 * P, 4 * P, VAS_PROT_READ,
				   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), -EIO);
		EXPECT_LOG(&x.d, n, { 'o', W + 8 * P, W + 9 * P, 0 },
			   { 'o', W + 13 * P, W + 14 * P, 5 },
			   { 'c', W + 9 * P, W + 10 * P, 1 },
			   { 'c', W + 10 * P, W + 12 * P, 8 },
			   { 'c', W + 12 * P, W + 13 * P, 4 },
			   { 'm', W + 9 * P, W + 13 * P, 0 });
	}
	EXPECT_EQ(byte_at(x.mm, W + 10 * P), -1);
	EXPECT_EQ(drv_vmas(x.mm, &x.d), 2);
	EXPECT_BALANCED(x.mm, &x.d);
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_FILE), 0);
	fx_fini(&x);
}

/*
 * Regression (issue 8, defect 1): MAP_FIXED of a driver over memory that
 * has pages. The hook ran while the old pages were still mapped, so its
 * vm_insert_page found the address busy (-EBUSY), and pages it could
 * insert were zapped with the old ones after it. Linux clears the old
 * range before the hook.
 */
TEST(map_fixed_hook_inserts_over_old_pages)
{
	struct vas_fault_info fi;
	struct fx x;
	unsigned long a;

	fx_init(&x, false);
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	ASSERT_EQ(vas_fill(x.mm, W, 0x11, 4 * P, &fi), 0);
	x.d.insert = 2;
	x.d.insert_byte = 0xdd;
	ASSERT_EQ(vas_mmap(x.mm, W, 4 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 0, &a), 0);
	EXPECT_EQ(byte_at(x.mm, W), 0xdd);
	EXPECT_EQ(byte_at(x.mm, W + P), 0xdd);
	EXPECT_EQ(byte_at(x.mm, W + 2 * P), -1);	/* not inserted: SIGBUS */
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_ANON), 0);
	EXPECT_EQ(vas_mm_rss(x.mm, VAS_RSS_FILE), 2);
	fx_fini(&x);
}

/*
 * Regression (issue 8, defect 3): close runs at teardown after the last
 * user is gone. It used to get a vas_vma_ref whose vas_vma_mm() handed out
 * a vas_mm_user with no user behind it. The closing view gives the fields
 * and an identity that compares equal to the address space's.
 */
TEST(close_at_teardown_sees_the_fields_and_no_user)
{
	struct fx x;
	unsigned long a;

	fx_init(&x, false);
	ASSERT_EQ(vas_mmap(x.mm, W + 2 * P, 3 * P, VAS_PROT_READ,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, x.f, 5 * P, &a), 0);
	/* a munmap's close runs while the caller's user is there */
	EXPECT_EQ(vas_munmap(x.mm, W + 4 * P, P), 0);
	EXPECT_EQ(x.d.users_at_close, 1);
	EXPECT_TRUE(x.d.close_mm_matches);
	vas_mm_put(x.mm);
	x.mm = NULL;
	EXPECT_EQ(x.d.closes, 2);
	EXPECT_EQ(x.d.users_at_close, 0);	/* teardown: no user left */
	EXPECT_TRUE(x.d.close_mm_matches);
	EXPECT_PTR_EQ(x.d.close_file, x.f);
	EXPECT_TRUE(x.d.close_flags & VAS_VM_MIXEDMAP);
	EXPECT_LOG(&x.d, 2, { 'c', W + 4 * P, W + 5 * P, 7 },
		   { 'c', W + 2 * P, W + 4 * P, 5 });
	vas_mm_drop(x.d.mm);
	vas_file_put(x.f);
	EXPECT_EQ(vas_machine_destroy(x.m), 0);
}
