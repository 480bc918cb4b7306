// SPDX-License-Identifier: MIT
/*
 * test_vm_ops.c - driver VMAs (vm_ops open and close) under allocation
 * failure (issue 8, defects 1 and 4).
 *
 * A driver counts its mappings with its mmap hook, open and close: the
 * hooks that succeeded plus the opens minus the closes must equal the
 * number of VMAs with its ops after every operation, also one that
 * failed. Every allocation of each operation on driver VMAs fails once in
 * turn (as many as the dry run made); then:
 *  - the count is balanced and the validator is clean, and nothing leaks;
 *  - an operation that returns -ENOMEM before the driver's hook ran made
 *    no open or close call and left the layout, the pages and the RSS as
 *    they were (vas allocates everything before its point of no return;
 *    a fork that fails tears its child down, closing what it opened);
 *  - a driver mmap whose hook failed (its own page allocation or insert
 *    failed) left its range unmapped, with no page of the driver there;
 *  - an mremap whose source unmap failed after the move returned the new
 *    address (Linux's best-effort unmap_source_vma).
 * White-box: it uses the allocation hook for failure injection.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "harness.h"
#include <vas/vas.h>
#include "base/alloc.h"

#define W 0x200000000000UL
#define P 4096UL
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define DRV_FIXED (VAS_MAP_SHARED | VAS_MAP_FIXED)

struct drv {
	struct vas_machine *m;
	int mmaps, mmaps_ok, opens, closes;
	int insert;		/* pages the hook inserts, byte = 0x40 + page */
	bool dontcopy;
};

static void drv_open(struct vas_vma_ref *vma)
{
	((struct drv *)vas_vma_private(vma))->opens++;
}

static void drv_close(const struct vas_vma_closing *vma)
{
	((struct drv *)vas_vma_closing_private(vma))->closes++;
}

static const struct vas_vm_ops drv_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = drv_open, .close = drv_close,
};

static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	unsigned long start = vas_vma_start(ref);

	d->mmaps++;
	if (d->dontcopy)
		vas_vma_new_set_dontcopy(vma);
	vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	vas_vma_new_set_private(vma, d);
	for (int i = 0; i < d->insert; i++) {
		struct vas_page *pg = vas_page_alloc(d->m);
		int err;

		if (!pg)
			return -ENOMEM;
		memset(vas_page_address(pg), 0x40 + i, P);
		err = vas_vm_insert_page(vas_vma_as_mixedmap(ref),
					 start + (unsigned long)i * P, pg);
		vas_page_put(pg);
		if (err)
			return err;
	}
	d->mmaps_ok++;
	return 0;
}

static const struct vas_file_ops drv_ops = VAS_FILE_OPS_INIT(.mmap = drv_mmap);

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm, *child;
	struct vas_file *f;
	struct drv d;
};

static int drv_vmas(struct vas_mm_user *mm, const struct drv *d)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;
	int n = 0;

	if (!mm)
		return 0;
	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, mm)))
		if (vas_vma_private(v) == d)
			n++;
	vas_mmap_read_unlock(mm);
	return n;
}

/* What an operation must leave alone when it fails with -ENOMEM. */
struct snap {
	int n;
	unsigned long vma[16][4];	/* start, end, flags, pgoff */
	int byte[32];			/* first byte of each page of [W, W+32P) */
	long rss;
};

static void take_snap(struct vas_mm_user *mm, struct snap *s)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *v;

	memset(s, 0, sizeof(*s));
	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
	while ((v = vas_vma_iter_next(&it, mm)) && s->n < 16) {
		s->vma[s->n][0] = vas_vma_start(v);
		s->vma[s->n][1] = vas_vma_end(v);
		s->vma[s->n][2] = vas_vma_flags(v);
		s->vma[s->n][3] = vas_vma_pgoff(v);
		s->n++;
	}
	vas_mmap_read_unlock(mm);
	/* driver and filled anonymous pages only: reading them maps nothing */
	for (int i = 0; i < 32; i++) {
		struct vas_fault_info fi;
		unsigned char b;

		s->byte[i] = vas_read(mm, W + (unsigned long)i * P, &b, 1, &fi) ?
				     -1 : b;
	}
	s->rss = vas_mm_rss(mm, VAS_RSS_FILE) + vas_mm_rss(mm, VAS_RSS_ANON) +
		 vas_mm_rss(mm, VAS_RSS_SHMEM);
}

/*
 * The setup every operation starts from:
 *
 *  W                 W+8P     W+12P     W+16P
 *  |--- drv (8 pages inserted) ---|     |-- anon, filled --|
 */
static void fx_init(struct fx *x, bool dontcopy)
{
	struct vas_fault_info fi;
	unsigned long a;

	memset(x, 0, sizeof(*x));
	ASSERT_EQ(vas_machine_create(NULL, &x->m), 0);
	ASSERT_EQ(vas_mm_create(x->m, &x->mm), 0);
	x->d.m = x->m;
	x->d.dontcopy = dontcopy;
	ASSERT_EQ(vas_file_create(x->m, &drv_ops, &x->d, VAS_FMODE_READ, "drv",
				  &x->f), 0);
	x->d.insert = 8;
	ASSERT_EQ(vas_mmap(x->mm, W, 8 * P, VAS_PROT_READ, DRV_FIXED, x->f, 0, &a), 0);
	x->d.insert = 0;
	ASSERT_EQ(vas_mmap(x->mm, W + 12 * P, 4 * P, RW, ANON | VAS_MAP_FIXED, NULL,
			   0, &a), 0);
	ASSERT_EQ(vas_fill(x->mm, W + 12 * P, 0x11, 4 * P, &fi), 0);
}

static void fx_fini(struct fx *x)
{
	EXPECT_EQ(vas_mm_validate(x->mm), 0);
	if (x->child) {
		EXPECT_EQ(vas_mm_validate(x->child), 0);
		vas_mm_put(x->child);
	}
	vas_mm_put(x->mm);
	EXPECT_EQ(x->d.mmaps_ok + x->d.opens, x->d.closes);
	vas_file_put(x->f);
	EXPECT_EQ(vas_machine_destroy(x->m), 0);
}

/* ---- the operations ------------------------------------------------------ */

static int op_munmap_middle(struct fx *x)
{
	return vas_munmap(x->mm, W + 3 * P, 2 * P);
}

static int op_munmap_across(struct fx *x)
{
	return vas_munmap(x->mm, W + 6 * P, 8 * P);	/* drv top, anon bottom */
}

static int op_mprotect_middle(struct fx *x)
{
	return vas_mprotect(x->mm, W + 3 * P, 2 * P, VAS_PROT_NONE);
}

static int op_mremap_move_part(struct fx *x)
{
	unsigned long a;

	return vas_mremap(x->mm, W + 3 * P, 2 * P, 2 * P,
			  VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 20 * P, &a);
}

static int op_mremap_shrink(struct fx *x)
{
	unsigned long a;

	return vas_mremap(x->mm, W, 8 * P, 5 * P, 0, 0, &a);
}

/* MAP_FIXED of the driver over its own middle; the new hook inserts. */
static int op_fixed_drv_over_drv(struct fx *x)
{
	unsigned long a;

	x->d.insert = 2;
	return vas_mmap(x->mm, W + 2 * P, 3 * P, VAS_PROT_READ, DRV_FIXED, x->f,
			0, &a);
}

/* MAP_FIXED of the driver over the top of drv, the gap and anon. */
static int op_fixed_drv_across(struct fx *x)
{
	unsigned long a;

	x->d.insert = 3;
	return vas_mmap(x->mm, W + 6 * P, 8 * P, VAS_PROT_READ, DRV_FIXED, x->f,
			0, &a);
}

static int op_fixed_anon_over_drv(struct fx *x)
{
	unsigned long a;

	return vas_mmap(x->mm, W + 2 * P, 2 * P, RW, ANON | VAS_MAP_FIXED, NULL, 0,
			&a);
}

static int op_drv_mmap_new(struct fx *x)
{
	unsigned long a;

	x->d.insert = 2;
	return vas_mmap(x->mm, W + 24 * P, 4 * P, VAS_PROT_READ, DRV_FIXED, x->f,
			0, &a);
}

static int op_fork(struct fx *x)
{
	return vas_mm_fork(x->mm, &x->child);
}

struct op {
	const char *name;
	int (*fn)(struct fx *x);
	bool hook;		/* runs the driver's hook (may fail inside it) */
	unsigned long start, end;	/* the range a failed hook leaves empty */
	bool fork;		/* needs a copyable driver VMA */
};

static const struct op ops[] = {
	{ "munmap_middle", op_munmap_middle, false, 0, 0, false },
	{ "munmap_across", op_munmap_across, false, 0, 0, false },
	{ "mprotect_middle", op_mprotect_middle, false, 0, 0, false },
	{ "mremap_move_part", op_mremap_move_part, false, 0, 0, false },
	{ "mremap_shrink", op_mremap_shrink, false, 0, 0, false },
	{ "fixed_drv_over_drv", op_fixed_drv_over_drv, true, W + 2 * P, W + 5 * P,
	  false },
	{ "fixed_drv_across", op_fixed_drv_across, true, W + 6 * P, W + 14 * P,
	  false },
	{ "fixed_anon_over_drv", op_fixed_anon_over_drv, false, 0, 0, false },
	{ "drv_mmap_new", op_drv_mmap_new, true, W + 24 * P, W + 28 * P, false },
	{ "fork", op_fork, false, 0, 0, true },
};

static void check_failed_hook(const struct op *op, struct fx *x, unsigned long k)
{
	struct vas_vma_ref *v;

	vas_mmap_read_lock(x->mm);
	v = vas_find_vma_intersection(x->mm, op->start, op->end);
	if (v)
		harness_fail(__FILE__, __LINE__,
			     "%s alloc %lu: a VMA at %#lx after the hook failed",
			     op->name, k, vas_vma_start(v));
	vas_mmap_read_unlock(x->mm);
	for (unsigned long a = op->start; a < op->end; a += P) {
		struct vas_fault_info fi;
		unsigned char b;

		if (vas_read(x->mm, a, &b, 1, &fi) != -EFAULT ||
		    fi.signo != VAS_SIGSEGV)
			harness_fail(__FILE__, __LINE__,
				     "%s alloc %lu: %#lx readable after the hook failed",
				     op->name, k, a);
	}
}

TEST(driver_vmas_under_each_allocation_failure)
{
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *op = &ops[i];
		unsigned long need = 0, count;
		int in_hook = 0, best_effort = 0;

		for (unsigned long k = 0;; k++) {
			long live = vas_alloc_live();
			struct snap before, after;
			int err, opens, closes, mmaps, mmaps_ok;
			struct fx x;

			fx_init(&x, !op->fork);
			take_snap(x.mm, &before);
			opens = x.d.opens;
			closes = x.d.closes;
			mmaps = x.d.mmaps;
			mmaps_ok = x.d.mmaps_ok;
			count = vas_alloc_count();
			vas_fail_nth(k);	/* k == 0: dry run */
			err = op->fn(&x);
			vas_fail_nth(0);
			count = vas_alloc_count() - count;
			if (k == 0) {
				need = count;
				EXPECT_EQ(err, 0);
				EXPECT_GT(need, 0);
			}
			/* the driver's count holds, whatever happened */
			if (x.d.mmaps_ok + x.d.opens - x.d.closes !=
			    drv_vmas(x.mm, &x.d) + drv_vmas(x.child, &x.d))
				harness_fail(__FILE__, __LINE__,
					     "%s alloc %lu: %d hooks + %d opens - %d "
					     "closes, %d VMAs", op->name, k,
					     x.d.mmaps_ok, x.d.opens, x.d.closes,
					     drv_vmas(x.mm, &x.d) +
					     drv_vmas(x.child, &x.d));
			/* nothing can fail after a hook that succeeded */
			if (err && x.d.mmaps_ok != mmaps_ok)
				harness_fail(__FILE__, __LINE__,
					     "%s alloc %lu: %d after the hook succeeded",
					     op->name, k, err);
			if (vas_mm_validate(x.mm))
				harness_fail(__FILE__, __LINE__,
					     "%s alloc %lu: validator", op->name, k);
			if (k > 0 && err == -ENOMEM && x.d.mmaps == mmaps) {
				/* failed before any hook: all or nothing */
				take_snap(x.mm, &after);
				if (memcmp(&before, &after, sizeof(before)))
					harness_fail(__FILE__, __LINE__,
						     "%s alloc %lu: changed", op->name, k);
				/*
				 * No call, but for fork: the child it had
				 * begun to copy is torn down, its opens
				 * closed again (dup_mmap's failure path).
				 */
				if (x.d.opens - opens != x.d.closes - closes ||
				    (!op->fork && x.d.opens != opens))
					harness_fail(__FILE__, __LINE__,
						     "%s alloc %lu: %d opens, %d closes",
						     op->name, k, x.d.opens - opens,
						     x.d.closes - closes);
			} else if (k > 0 && err == -ENOMEM && op->hook) {
				/* the hook ran and failed: the range is empty */
				check_failed_hook(op, &x, k);
				in_hook++;
			} else if (k > 0 && !err) {
				best_effort++;	/* mremap's unmap of the source */
			} else if (k > 0 && err) {
				harness_fail(__FILE__, __LINE__, "%s alloc %lu: %d",
					     op->name, k, err);
			}
			fx_fini(&x);
			if (vas_alloc_live() != live)
				harness_fail(__FILE__, __LINE__, "%s alloc %lu: leak %ld",
					     op->name, k, vas_alloc_live() - live);
			if (k >= need)
				break;
		}
		/* the failures inside the hook and after a move were reached */
		if (op->hook && !in_hook)
			harness_fail(__FILE__, __LINE__, "%s: no failure in the hook",
				     op->name);
		if (best_effort && op->fn != op_mremap_move_part)
			harness_fail(__FILE__, __LINE__, "%s: succeeded %d times "
				     "with an allocation failed", op->name,
				     best_effort);
		if (op->fn == op_mremap_move_part && !best_effort)
			harness_fail(__FILE__, __LINE__, "%s: the source unmap "
				     "never failed", op->name);
	}
}
