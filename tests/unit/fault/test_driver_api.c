// SPDX-License-Identifier: MIT
/*
 * test_driver_api.c - the driver API of issue 13 part 5:
 *  - vm_ops->fault gets a struct vas_vm_fault (vma, address, pgoff, flags;
 *    the page out), and may map the address itself (VM_FAULT_NOPAGE);
 *  - vm_ops->page_mkwrite: called once on the first write to a page of a
 *    shared driver VMA, before it becomes writable; its errors;
 *  - vas_vm_insert_pages: batch insert, Linux's count of pages not
 *    inserted on a partial failure, allocation failure;
 *  - PFN mappings: vas_vma_new_set_pfnmap + vas_vmf_insert_pfn (no
 *    reference, no RSS, gup refuses, fork copies, zap drops nothing), the
 *    errors of bad input, allocation failure;
 *  - vas_unmap_mapping_range of a driver's own file in every address space,
 *    with and without even_cows;
 *  - vas_vma_new_set_mixedmap returns the mixed-map view, and
 *    vas_vma_new_readable/writable/executable;
 *  - maps shows a driver VMA under its file's name, not vm_ops->name (as
 *    Linux's get_vma_name, where vm_ops->name is for VMAs without a file).
 * White-box only for the allocation-failure injection (base/alloc.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>
#include "base/alloc.h"
#include "harness.h"

#define P 4096UL
#define W 0x200000000000UL
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)

/* What the test driver does and what it saw. */
struct drv {
	struct vas_machine *m;
	struct vas_page *pages[8];	/* the driver's pages, byte 0x10 + i */
	unsigned long mode;		/* DRV_* of the next mmap */
	int faults, mkwrites;
	unsigned int last_flags;
	unsigned long last_pgoff, last_addr;
	struct vas_page *last_mkwrite_page;
	int mkwrite_err;		/* what page_mkwrite returns */
	int fault_nopage;		/* fault maps it itself (insert_page) */
	int fault_nothing;		/* fault returns 0 without mapping */
	bool hook_readable, hook_writable, hook_executable;
	struct vas_vma_mixedmap *hook_mixed;
};

#define DRV_FAULT 0x1		/* vm_ops with fault */
#define DRV_MKWRITE 0x2		/* ... and page_mkwrite */
#define DRV_MIXED 0x4		/* set_mixedmap in the hook */
#define DRV_PFN 0x8		/* set_pfnmap, insert page 0's pfn at start */
#define DRV_CLEAR_MAYWRITE 0x10

static int drv_fault(struct vas_vm_fault *vmf)
{
	struct drv *d = vas_vma_private(vmf->vma);
	struct vas_page *pg;

	/* Context: the mmap lock (debug builds check it) */
	vas_mmap_assert_locked(vas_vma_mm(vmf->vma));
	d->faults++;
	d->last_flags = vmf->flags;
	d->last_pgoff = vmf->pgoff;
	d->last_addr = vmf->address;
	if (vmf->pgoff >= 8)
		return -EIO;
	pg = d->pages[vmf->pgoff];
	if (d->fault_nothing)
		return 0;
	if (d->fault_nopage) {
		struct vas_vma_mixedmap *mx = vas_vma_as_mixedmap(vmf->vma);

		if (mx)
			return vas_vm_insert_page(mx, vmf->address, pg);
		return vas_vmf_insert_pfn(vmf->vma, vmf->address,
					  vas_page_pfn(pg));
	}
	vas_page_get(pg);
	vmf->page = pg;
	return 0;
}

static int drv_mkwrite(struct vas_vm_fault *vmf)
{
	struct drv *d = vas_vma_private(vmf->vma);

	/* Context: the mmap lock, not a VMA lock alone (debug builds check) */
	vas_mmap_assert_locked(vas_vma_mm(vmf->vma));
	d->mkwrites++;
	d->last_flags = vmf->flags;
	d->last_pgoff = vmf->pgoff;
	d->last_mkwrite_page = vmf->page;
	return d->mkwrite_err;
}

static const char *drv_name(struct vas_vma_ref *vma)
{
	(void)vma;
	return "[drv]";
}

static const struct vas_vm_ops fault_ops =
	VAS_VM_OPS_INIT(.fault = drv_fault, .name = drv_name);
static const struct vas_vm_ops mkwrite_ops =
	VAS_VM_OPS_INIT(.fault = drv_fault, .page_mkwrite = drv_mkwrite);

static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct drv *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	int err;

	d->hook_readable = vas_vma_new_readable(vma);
	d->hook_writable = vas_vma_new_writable(vma);
	d->hook_executable = vas_vma_new_executable(vma);
	vas_vma_new_set_private(vma, d);
	if (d->mode & DRV_MKWRITE)
		vas_vma_new_set_ops(vma, &mkwrite_ops);
	else if (d->mode & DRV_FAULT)
		vas_vma_new_set_ops(vma, &fault_ops);
	if (d->mode & DRV_CLEAR_MAYWRITE) {
		err = vas_vma_new_try_clear_maywrite(vma);
		if (err)
			return err;
	}
	d->hook_mixed = NULL;
	if (d->mode & DRV_MIXED)
		d->hook_mixed = vas_vma_new_set_mixedmap(vma);
	if (d->mode & DRV_PFN) {
		err = vas_vma_new_set_pfnmap(vma);
		if (err)
			return err;
		/* a PFN mapping cannot also be a mixed one */
		if (vas_vma_new_set_mixedmap(vma))
			return -EEXIST;
		return vas_vmf_insert_pfn(ref, vas_vma_start(ref),
					  vas_page_pfn(d->pages[0]));
	}
	return 0;
}

static const struct vas_file_ops drv_fops = VAS_FILE_OPS_INIT(.mmap = drv_mmap);

struct fx {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_file *f;
	struct drv d;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	ASSERT_EQ(vas_machine_create(NULL, &f->m), 0);
	ASSERT_EQ(vas_mm_create(f->m, &f->mm), 0);
	f->d.m = f->m;
	for (int i = 0; i < 8; i++) {
		f->d.pages[i] = vas_page_alloc(f->m);
		ASSERT_NOT_NULL(f->d.pages[i]);
		memset(vas_page_address(f->d.pages[i]), 0x10 + i, P);
	}
	ASSERT_EQ(vas_file_create(f->m, &drv_fops, &f->d,
				  VAS_FMODE_READ | VAS_FMODE_WRITE, "/dev/drv",
				  &f->f), 0);
}

static void fx_fini(struct fx *f)
{
	EXPECT_EQ(vas_mm_validate(f->mm), 0);
	vas_mm_put(f->mm);
	vas_file_put(f->f);
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(vas_page_mapcount(f->d.pages[i]), 0);
		vas_page_put(f->d.pages[i]);
	}
	EXPECT_EQ(vas_machine_destroy(f->m), 0);
}

static int drv_map(struct fx *f, unsigned long addr, unsigned long len,
		   int prot, int flags, unsigned long mode, unsigned long off)
{
	unsigned long a;

	f->d.mode = mode;
	return vas_mmap(f->mm, addr, len, prot, flags | VAS_MAP_FIXED, f->f,
			off, &a);
}

static int rd(struct vas_mm_user *mm, unsigned long addr)
{
	unsigned char b;

	if (vas_read(mm, addr, &b, 1, NULL))
		return -1;
	return b;
}

/* ---- vm_ops->fault with struct vas_vm_fault --------------------------- */

TEST(fault_gets_a_vm_fault)
{
	struct fx f;
	struct vas_fault_info fi;

	fx_init(&f);
	/* file offset 2 pages: the handler sees pgoff 2 + index */
	ASSERT_EQ(drv_map(&f, W, 4 * P, RW, VAS_MAP_SHARED, DRV_FAULT, 2 * P), 0);
	EXPECT_EQ(rd(f.mm, W + P + 5), 0x13);
	EXPECT_EQ(f.d.faults, 1);
	EXPECT_EQ(f.d.last_pgoff, 3);
	EXPECT_EQ(f.d.last_addr, W + P);
	EXPECT_EQ(f.d.last_flags, 0);
	EXPECT_EQ(vas_fill(f.mm, W + 2 * P, 0x77, 1, NULL), 0);
	EXPECT_EQ(f.d.last_flags, VAS_FAULT_FLAG_WRITE);
	EXPECT_EQ(f.d.last_pgoff, 4);
	EXPECT_EQ(((unsigned char *)vas_page_address(f.d.pages[4]))[0], 0x77);
	/* the handler's error: SIGBUS */
	ASSERT_EQ(drv_map(&f, W + 8 * P, P, RW, VAS_MAP_SHARED, DRV_FAULT, 9 * P), 0);
	EXPECT_EQ(vas_fault(f.mm, W + 8 * P, 0, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	fx_fini(&f);
}

TEST(fault_maps_the_address_itself)
{
	struct fx f;
	struct vas_fault_info fi;

	fx_init(&f);
	f.d.fault_nopage = 1;
	ASSERT_EQ(drv_map(&f, W, 2 * P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_FAULT | DRV_MIXED, 0), 0);
	EXPECT_EQ(rd(f.mm, W + P), 0x11);
	EXPECT_EQ(rd(f.mm, W + P + 9), 0x11);	/* mapped: no second fault */
	EXPECT_EQ(f.d.faults, 1);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[1]), 1);
	/* returning 0 with nothing mapped and no page: SIGBUS, not a loop */
	f.d.fault_nopage = 0;
	f.d.fault_nothing = 1;
	EXPECT_EQ(vas_fault(f.mm, W, 0, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	EXPECT_EQ(fi.addr, W);
	fx_fini(&f);
}

/* ---- page_mkwrite ------------------------------------------------------ */

TEST(page_mkwrite_on_the_first_write)
{
	struct fx f;
	uint64_t retries;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 4 * P, RW, VAS_MAP_SHARED, DRV_MKWRITE, 0), 0);

	/* a read maps read-only and does not ask */
	EXPECT_EQ(rd(f.mm, W), 0x10);
	EXPECT_EQ(f.d.mkwrites, 0);
	/*
	 * The first write asks, with the page and the flags, under the mmap
	 * lock: the fault under the VMA lock retries there (Linux's
	 * vmf_can_call_fault), once.
	 */
	retries = vas_stat_read(f.m, VAS_STAT_VMA_LOCK_RETRY);
	EXPECT_EQ(vas_fill(f.mm, W, 0x55, 1, NULL), 0);
	EXPECT_EQ(vas_stat_read(f.m, VAS_STAT_VMA_LOCK_RETRY), retries + 1);
	EXPECT_EQ(f.d.mkwrites, 1);
	EXPECT_PTR_EQ(f.d.last_mkwrite_page, f.d.pages[0]);
	EXPECT_EQ(f.d.last_flags, VAS_FAULT_FLAG_WRITE | VAS_FAULT_FLAG_MKWRITE);
	EXPECT_EQ(f.d.last_pgoff, 0);
	/* now writable: no more calls */
	EXPECT_EQ(vas_fill(f.mm, W + 1, 0x56, 1, NULL), 0);
	EXPECT_EQ(f.d.mkwrites, 1);
	EXPECT_EQ(((unsigned char *)vas_page_address(f.d.pages[0]))[1], 0x56);
	/* a write fault on an unmapped page: fault, then page_mkwrite */
	EXPECT_EQ(vas_fill(f.mm, W + 2 * P, 0x57, 1, NULL), 0);
	EXPECT_EQ(f.d.faults, 2);
	EXPECT_EQ(f.d.mkwrites, 2);
	EXPECT_EQ(f.d.last_pgoff, 2);
	/* a private mapping copies on write and never asks */
	ASSERT_EQ(drv_map(&f, W + 8 * P, P, RW, VAS_MAP_PRIVATE, DRV_MKWRITE, 0), 0);
	EXPECT_EQ(vas_fill(f.mm, W + 8 * P, 0x58, 1, NULL), 0);
	EXPECT_EQ(f.d.mkwrites, 2);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	fx_fini(&f);
}

TEST(page_mkwrite_errors)
{
	struct fx f;
	struct vas_fault_info fi;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 4 * P, RW, VAS_MAP_SHARED, DRV_MKWRITE, 0), 0);
	EXPECT_EQ(rd(f.mm, W), 0x10);
	f.d.mkwrite_err = -EIO;		/* refused: SIGBUS, nothing written */
	EXPECT_EQ(vas_fill(f.mm, W, 0x55, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	EXPECT_EQ(fi.addr, W);
	EXPECT_EQ(rd(f.mm, W), 0x10);
	/* also on a write fault that maps the page: nothing stays mapped */
	EXPECT_EQ(vas_fill(f.mm, W + P, 0x55, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[1]), 0);
	f.d.mkwrite_err = -ENOMEM;	/* the kernel's OOM */
	EXPECT_EQ(vas_fill(f.mm, W, 0x55, 1, NULL), -ENOMEM);
	EXPECT_EQ(rd(f.mm, W), 0x10);
	f.d.mkwrite_err = 0;
	EXPECT_EQ(vas_fill(f.mm, W, 0x55, 1, NULL), 0);
	EXPECT_EQ(rd(f.mm, W), 0x55);
	fx_fini(&f);
}

/* Pages inserted into a VMA with page_mkwrite are mapped read-only. */
TEST(page_mkwrite_inserted_page)
{
	struct fx f;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 2 * P, RW, VAS_MAP_SHARED,
			  DRV_MKWRITE | DRV_MIXED, 0), 0);
	vas_mmap_read_lock(f.mm);
	EXPECT_EQ(vas_vm_insert_page(vas_vma_as_mixedmap(vas_vma_lookup(f.mm, W)),
				     W, f.d.pages[5]), 0);
	vas_mmap_read_unlock(f.mm);
	EXPECT_EQ(vas_fill(f.mm, W, 0x66, 1, NULL), 0);
	EXPECT_EQ(f.d.faults, 0);
	EXPECT_EQ(f.d.mkwrites, 1);
	EXPECT_PTR_EQ(f.d.last_mkwrite_page, f.d.pages[5]);
	EXPECT_EQ(((unsigned char *)vas_page_address(f.d.pages[5]))[0], 0x66);
	fx_fini(&f);
}

/* ---- the hook's view: set_mixedmap, readable/writable/executable -------- */

TEST(vma_new_access_flags_and_mixedmap_view)
{
	struct fx f;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, P, VAS_PROT_READ | VAS_PROT_EXEC,
			  VAS_MAP_SHARED, DRV_MIXED, 0), 0);
	EXPECT_TRUE(f.d.hook_readable);
	EXPECT_FALSE(f.d.hook_writable);
	EXPECT_TRUE(f.d.hook_executable);
	EXPECT_NOT_NULL(f.d.hook_mixed);
	ASSERT_EQ(drv_map(&f, W + 2 * P, P, VAS_PROT_WRITE, VAS_MAP_SHARED, 0, 0),
		  0);
	EXPECT_FALSE(f.d.hook_readable);
	EXPECT_TRUE(f.d.hook_writable);
	EXPECT_FALSE(f.d.hook_executable);
	EXPECT_NULL(f.d.hook_mixed);
	fx_fini(&f);
}

/* ---- vm_insert_pages --------------------------------------------------- */

static struct vas_vma_mixedmap *mixed_at(struct vas_mm_user *mm,
					 unsigned long addr)
{
	return vas_vma_as_mixedmap(vas_vma_lookup(mm, addr));
}

TEST(vm_insert_pages_all_and_partial)
{
	struct fx f;
	unsigned long num;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 8 * P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_MIXED, 0), 0);
	vas_mmap_read_lock(f.mm);
	/* leaving the VMA, or misaligned: nothing inserted, num kept */
	num = 2;
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W + 7 * P,
				      f.d.pages, &num), -EFAULT);
	EXPECT_EQ(num, 2);
	num = 9;
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W, f.d.pages, &num),
		  -EFAULT);
	EXPECT_EQ(num, 9);
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W + 1, f.d.pages,
				      &num), -EINVAL);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[0]), 0);
	/* num 0: nothing to do */
	num = 0;
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W, f.d.pages, &num), 0);
	/* page 6 at W + 6P first: a batch of 4 from W + 4P stops there */
	EXPECT_EQ(vas_vm_insert_page(mixed_at(f.mm, W), W + 6 * P,
				     f.d.pages[7]), 0);
	num = 4;
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W + 4 * P,
				      f.d.pages, &num), -EBUSY);
	EXPECT_EQ(num, 2);	/* pages 2 and 3 of the batch not inserted */
	EXPECT_EQ(vas_page_mapcount(f.d.pages[0]), 1);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[1]), 1);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[2]), 0);
	/* the whole batch */
	num = 4;
	EXPECT_EQ(vas_vm_insert_pages(mixed_at(f.mm, W), W, f.d.pages + 2,
				      &num), 0);
	EXPECT_EQ(num, 0);
	vas_mmap_read_unlock(f.mm);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(rd(f.mm, W + (unsigned long)i * P), 0x12 + i);
	EXPECT_EQ(rd(f.mm, W + 4 * P), 0x10);
	EXPECT_EQ(rd(f.mm, W + 5 * P), 0x11);
	EXPECT_EQ(rd(f.mm, W + 6 * P), 0x17);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 7);
	fx_fini(&f);
}

/* The page tables of a fresh range cannot be allocated: -ENOMEM, num kept. */
TEST(vm_insert_pages_allocation_failure)
{
	for (unsigned long n = 1;; n++) {
		struct fx f;
		unsigned long num = 3;
		int err;

		fx_init(&f);
		ASSERT_EQ(drv_map(&f, W, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED,
				  DRV_MIXED, 0), 0);
		vas_mmap_read_lock(f.mm);
		vas_fail_nth(n);
		err = vas_vm_insert_pages(mixed_at(f.mm, W), W, f.d.pages,
					  &num);
		vas_fail_reset();
		vas_mmap_read_unlock(f.mm);
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(num, 3);
			EXPECT_EQ(vas_page_mapcount(f.d.pages[0]), 0);
			EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 0);
		} else {
			EXPECT_EQ(num, 0);
			EXPECT_EQ(rd(f.mm, W + 2 * P), 0x12);
		}
		fx_fini(&f);
		if (!err)
			break;
		ASSERT_TRUE(n < 20);
	}
}

/* ---- PFN mappings ------------------------------------------------------ */

TEST(pfn_map_shared)
{
	struct fx f;
	struct vas_mm_user *child;
	struct vas_page *got[1];
	struct vas_fault_info fi;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 4 * P, RW, VAS_MAP_SHARED, DRV_PFN, 0), 0);
	vas_mmap_read_lock(f.mm);
	{
		unsigned long fl = vas_vma_flags(vas_vma_lookup(f.mm, W));
		unsigned long want = VAS_VM_PFNMAP | VAS_VM_IO |
				     VAS_VM_DONTEXPAND | VAS_VM_DONTDUMP;

		EXPECT_EQ(fl & want, want);
		EXPECT_EQ(fl & VAS_VM_MIXEDMAP, 0);
		EXPECT_NULL(vas_vma_as_mixedmap(vas_vma_lookup(f.mm, W)));
	}
	vas_mmap_read_unlock(f.mm);
	/* the frame is reached, no reference or map count is taken */
	EXPECT_EQ(rd(f.mm, W + 100), 0x10);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[0]), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_FILE), 0);
	EXPECT_EQ(vas_fill(f.mm, W, 0x42, 2, NULL), 0);
	EXPECT_EQ(((unsigned char *)vas_page_address(f.d.pages[0]))[1], 0x42);
	/* no handler: the rest SIGBUSes */
	EXPECT_EQ(vas_fault(f.mm, W + P, 0, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGBUS);
	/* get_user_pages refuses VM_PFNMAP */
	EXPECT_EQ(vas_get_user_pages(f.mm, W, 1, 0, got, NULL), -EFAULT);
	/* fork copies the entry: the child reaches the same frame */
	ASSERT_EQ(vas_mm_fork(f.mm, &child), 0);
	EXPECT_EQ(rd(child, W + 1), 0x42);
	EXPECT_EQ(vas_mm_validate(child), 0);
	vas_mm_put(child);
	/* unmapping drops nothing of the driver's page */
	EXPECT_EQ(vas_munmap(f.mm, W, 4 * P), 0);
	EXPECT_EQ(((unsigned char *)vas_page_address(f.d.pages[0]))[1], 0x42);
	fx_fini(&f);
}

TEST(pfn_map_from_the_fault_handler)
{
	struct fx f;

	fx_init(&f);
	f.d.fault_nopage = 1;
	ASSERT_EQ(drv_map(&f, W, 4 * P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_PFN | DRV_FAULT, 0), 0);
	EXPECT_EQ(rd(f.mm, W + 3 * P), 0x13);
	EXPECT_EQ(rd(f.mm, W + 3 * P + 1), 0x13);
	EXPECT_EQ(f.d.faults, 1);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[3]), 0);
	fx_fini(&f);
}

TEST(pfn_map_bad_input)
{
	struct fx f;

	fx_init(&f);
	/* a private PFN mapping that may become writable: -EINVAL (BUG) */
	EXPECT_EQ(drv_map(&f, W, P, VAS_PROT_READ, VAS_MAP_PRIVATE, DRV_PFN, 0),
		  -EINVAL);
	/* without VM_MAYWRITE it is fine */
	ASSERT_EQ(drv_map(&f, W, P, VAS_PROT_READ, VAS_MAP_PRIVATE,
			  DRV_PFN | DRV_CLEAR_MAYWRITE, 0), 0);
	EXPECT_EQ(rd(f.mm, W), 0x10);
	/* a mixed map cannot become a PFN map */
	EXPECT_EQ(drv_map(&f, W + 2 * P, P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_PFN | DRV_MIXED, 0), -EINVAL);
	ASSERT_EQ(drv_map(&f, W + 2 * P, 2 * P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_PFN, 0), 0);
	ASSERT_EQ(drv_map(&f, W + 4 * P, P, VAS_PROT_READ, VAS_MAP_SHARED,
			  DRV_MIXED, 0), 0);
	vas_mmap_read_lock(f.mm);
	{
		struct vas_vma_ref *pfn = vas_vma_lookup(f.mm, W + 2 * P);
		struct vas_vma_ref *mixed = vas_vma_lookup(f.mm, W + 4 * P);
		unsigned long pfn1 = vas_page_pfn(f.d.pages[1]);

		EXPECT_EQ(vas_page_pfn(f.d.pages[1]) * P,
			  (unsigned long)vas_page_offset(f.d.pages[1]));
		EXPECT_EQ(vas_vmf_insert_pfn(mixed, W + 4 * P, pfn1), -EINVAL);
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + 4 * P, pfn1), -EFAULT);
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + P, pfn1), -EFAULT);
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + 3 * P + 8, pfn1), -EINVAL);
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + 3 * P, 1UL << 40), -EINVAL);
		/* something there already: it stays, and that is success */
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + 2 * P, pfn1), 0);
		EXPECT_EQ(vas_vmf_insert_pfn(pfn, W + 3 * P, pfn1), 0);
	}
	vas_mmap_read_unlock(f.mm);
	EXPECT_EQ(rd(f.mm, W + 2 * P), 0x10);
	EXPECT_EQ(rd(f.mm, W + 3 * P), 0x11);
	EXPECT_EQ(vas_mm_validate(f.mm), 0);
	fx_fini(&f);
}

/* An entry that needs fresh page tables: -ENOMEM, nothing mapped. */
TEST(pfn_map_allocation_failure)
{
	const unsigned long far = W + (1UL << 30);

	for (unsigned long n = 1;; n++) {
		struct fx f;
		struct vas_fault_info fi;
		int err;

		fx_init(&f);
		ASSERT_EQ(drv_map(&f, W, 1UL << 31, VAS_PROT_READ,
				  VAS_MAP_SHARED, DRV_PFN, 0), 0);
		vas_mmap_read_lock(f.mm);
		vas_fail_nth(n);
		err = vas_vmf_insert_pfn(vas_vma_lookup(f.mm, far), far,
					 vas_page_pfn(f.d.pages[2]));
		vas_fail_reset();
		vas_mmap_read_unlock(f.mm);
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(vas_fault(f.mm, far, 0, &fi), -EFAULT);
			EXPECT_EQ(fi.signo, VAS_SIGBUS);	/* nothing there */
		} else {
			EXPECT_EQ(rd(f.mm, far), 0x12);
		}
		EXPECT_EQ(rd(f.mm, W), 0x10);	/* the hook's entry stays */
		fx_fini(&f);
		if (!err)
			break;
		ASSERT_TRUE(n < 20);
	}
}

/* ---- unmap_mapping_range ------------------------------------------------ */

TEST(unmap_mapping_range_every_address_space)
{
	struct fx f;
	struct vas_mm_user *other;
	unsigned long a;

	fx_init(&f);
	ASSERT_EQ(vas_mm_create(f.m, &other), 0);
	ASSERT_EQ(drv_map(&f, W, 4 * P, RW, VAS_MAP_SHARED, DRV_FAULT, 0), 0);
	f.d.mode = DRV_FAULT;
	/* the other maps file pages 1..4 at W + 16P */
	ASSERT_EQ(vas_mmap(other, W + 16 * P, 4 * P, RW,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, f.f, P, &a), 0);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(rd(f.mm, W + (unsigned long)i * P), 0x10 + i);
		EXPECT_EQ(rd(other, W + 16 * P + (unsigned long)i * P),
			  0x11 + i);
	}
	EXPECT_EQ(f.d.faults, 8);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[2]), 2);
	EXPECT_EQ(vas_unmap_mapping_range(f.f, -1, P, true), -EINVAL);
	EXPECT_EQ(vas_unmap_mapping_range(f.f, 0, -P, true), -EINVAL);
	/*
	 * From byte 2P - 100, P + 100 bytes: Linux rounds the start down and
	 * the length up, pages 1 and 2
	 */
	EXPECT_EQ(vas_unmap_mapping_range(f.f, 2 * P - 100, P + 100, false), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[0]), 1);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[1]), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[2]), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[3]), 2);
	EXPECT_EQ(rd(f.mm, W + 2 * P), 0x12);	/* faults again */
	EXPECT_EQ(rd(other, W + 17 * P), 0x12);
	EXPECT_EQ(f.d.faults, 10);
	/* len 0: to the end of the file */
	EXPECT_EQ(vas_unmap_mapping_range(f.f, 3 * P, 0, true), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[3]), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[4]), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[2]), 2);
	EXPECT_EQ(vas_mm_validate(other), 0);
	vas_mm_put(other);
	fx_fini(&f);
}

TEST(unmap_mapping_range_even_cows)
{
	struct fx f;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, 2 * P, RW, VAS_MAP_PRIVATE, DRV_FAULT, 0), 0);
	EXPECT_EQ(rd(f.mm, W + P), 0x11);		/* the driver's page */
	EXPECT_EQ(vas_fill(f.mm, W, 0x99, 1, NULL), 0);	/* a private copy */
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	/* without even_cows the copy stays, the driver's page goes */
	EXPECT_EQ(vas_unmap_mapping_range(f.f, 0, 2 * P, false), 0);
	EXPECT_EQ(vas_page_mapcount(f.d.pages[1]), 0);
	EXPECT_EQ(rd(f.mm, W), 0x99);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 1);
	/* with even_cows it goes too: the driver's page comes back */
	EXPECT_EQ(vas_unmap_mapping_range(f.f, 0, 2 * P, true), 0);
	EXPECT_EQ(vas_mm_rss(f.mm, VAS_RSS_ANON), 0);
	EXPECT_EQ(rd(f.mm, W), 0x10);
	fx_fini(&f);
}

/* ---- maps: a driver VMA is named by its file ----------------------------- */

TEST(maps_names_a_driver_vma_by_its_file)
{
	struct fx f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	fx_init(&f);
	ASSERT_EQ(drv_map(&f, W, P, VAS_PROT_READ, VAS_MAP_SHARED, DRV_FAULT, 0),
		  0);
	out = open_memstream(&buf, &len);
	ASSERT_NOT_NULL(out);
	EXPECT_EQ(vas_proc_maps_print(f.mm, out), 0);
	fclose(out);
	/*
	 * Linux's get_vma_name(): a VMA with a file shows the file's path;
	 * vm_ops->name names only VMAs without one (special mappings).
	 */
	EXPECT_NOT_NULL(strstr(buf, "/dev/drv\n"));
	EXPECT_NULL(strstr(buf, "[drv]"));
	free(buf);
	fx_fini(&f);
}
