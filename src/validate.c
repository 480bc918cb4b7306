// SPDX-License-Identifier: MIT
/*
 * validate.c - the address-space validator (Linux's validate_mm): the tree,
 * every VMA against the tree, flags, the per-VMA lock state, the counts and
 * the accounting. Tests call it after every change.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "base/bug.h"
#include "page/page.h"
#include "pte/pte.h"
#include "mm/mm.h"
#include "pgtable/pgtable.h"
#include "vma/vma.h"

#define BAD(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "vas: validate_mm(mm %lu): ", mm->id);        \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		bad++;                                                        \
	} while (0)

/* What the page-table walk of validate_mm() counts and checks. */
struct pte_check {
	struct mm_struct *mm;
	bool quiet;		/* no fault can run: check frames too */
	long rss[NR_MM_COUNTERS];
	int bad;
};

/*
 * One non-none entry: it lies in a VMA; a guard marker only where
 * VM_MAYBE_GUARD was set; a present one maps a frame of this machine that
 * is in use and mapped, and is writable only where the VMA may write (a
 * private VMA: only its own anonymous pages).
 */
static int check_pte(void *arg, unsigned long addr, pte_t pte)
{
	struct pte_check *pc = arg;
	struct mm_struct *mm = pc->mm;
	struct vm_area_struct *vma = rt_lookup(&mm->mm_mt, addr, NULL, NULL);
	struct page *page;
	int ref, map, pin;

	if (!vma) {
		fprintf(stderr, "vas: validate_mm(mm %lu): entry %#llx at %#lx "
			"outside every VMA\n", mm->id, (unsigned long long)pte,
			addr);
		pc->bad++;
		return 0;
	}
	if (pte_is_guard(pte)) {
		if (!(vma->vm_flags & VAS_VM_MAYBE_GUARD)) {
			fprintf(stderr, "vas: validate_mm(mm %lu): guard at "
				"%#lx in a VMA without VM_MAYBE_GUARD\n",
				mm->id, addr);
			pc->bad++;
		}
		return 0;
	}
	if (pte_special(pte) || !pc->quiet)
		return 0;
	page = pfn_to_page(mm->machine->frames, pte_pfn(pte));
	/*
	 * A page shared with another address space (fork) may be unmapped
	 * there meanwhile, which drops the mapcount before the refcount:
	 * reading the refcount first never sees more mappings than
	 * references then.
	 */
	ref = page ? page_ref_count(page) : -1;
	map = page ? page_mapcount(page) : -1;
	if (!page || ref < 1 || map < 1 || map > ref) {
		fprintf(stderr, "vas: validate_mm(mm %lu): entry %#llx at %#lx: "
			"bad frame (ref %d, map %d)\n", mm->id,
			(unsigned long long)pte, addr, ref, map);
		pc->bad++;
		return 0;
	}
	/*
	 * Each pin holds a reference of its own, and a pinned anonymous page
	 * is exclusive (gup unshares first, fork copies it). Pins cannot be
	 * taken meanwhile (that needs the mmap lock); an unpin drops the pin
	 * before its reference, so reading it last never sees too many.
	 */
	pin = page_pincount(page);
	if (pin < 0 || map + pin > ref || (pin && PageAnon(page) && map != 1)) {
		fprintf(stderr, "vas: validate_mm(mm %lu): entry %#llx at %#lx: "
			"bad pinned frame (ref %d, map %d, pin %d)\n", mm->id,
			(unsigned long long)pte, addr, ref, map, pin);
		pc->bad++;
	}
	if (pte_write(pte) && !(vma->vm_flags & VAS_VM_SHARED) &&
	    !PageAnon(page)) {
		fprintf(stderr, "vas: validate_mm(mm %lu): writable entry of a "
			"shared page at %#lx in a private VMA\n", mm->id, addr);
		pc->bad++;
	}
	pc->rss[mm_counter_of(page)]++;
	return 0;
}

/*
 * The page tables against the VMAs. Faults under VMA read locks may run
 * while the mmap lock is held: only with every VMA write-locked (@quiet,
 * as vas_mm_validate() does it) are the frames' counts and the RSS
 * counters stable enough to check.
 */
static int validate_ptes(struct mm_struct *mm, bool quiet)
{
	struct pte_check pc = { .mm = mm, .quiet = quiet };
	int i, bad = 0;

	if (pt_validate(mm->pgd, check_pte, &pc, NULL))
		bad++;
	bad += pc.bad;
	for (i = 0; quiet && i < NR_MM_COUNTERS; i++) {
		long now = __atomic_load_n(&mm->rss_stat[i], __ATOMIC_RELAXED);

		if (now != pc.rss[i]) {
			fprintf(stderr, "vas: validate_mm(mm %lu): rss[%d] is "
				"%ld but the page tables map %ld\n", mm->id, i,
				now, pc.rss[i]);
			bad++;
		}
	}
	return bad;
}

int validate_mm(struct mm_struct *mm)
{
	unsigned long prev_end = 0, total = 0, locked = 0, s, e;
	unsigned long mayflags, access;
	struct vm_area_struct *vma;
	struct rt_iter it;
	int count = 0, bad = 0;
	bool quiet = true;

	mmap_assert_locked(mm);
	if (rt_validate(&mm->mm_mt))
		BAD("range tree invalid");
	if (__atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED) <= 0)
		BAD("validated with mm_users %d", mm->mm_users);
	if (__atomic_load_n(&mm->mm_count, __ATOMIC_RELAXED) <= 0)
		BAD("mm_count %d", mm->mm_count);

	rt_iter_init(&it, &mm->mm_mt, 0, ULONG_MAX);
	while ((vma = rt_iter_next(&it, &s, &e))) {
		count++;
		if (vma->vm_start != s || vma->vm_end != e)
			BAD("VMA %p is [%#lx, %#lx) but the tree has [%#lx, %#lx)",
			    (void *)vma, vma->vm_start, vma->vm_end, s, e);
		if (vma->vm_start >= vma->vm_end)
			BAD("VMA %p empty or inverted", (void *)vma);
		if (!PAGE_ALIGNED(vma->vm_start) || !PAGE_ALIGNED(vma->vm_end))
			BAD("VMA [%#lx, %#lx) not page aligned", vma->vm_start,
			    vma->vm_end);
		if (vma->vm_end > VAS_TASK_SIZE)
			BAD("VMA [%#lx, %#lx) above TASK_SIZE", vma->vm_start,
			    vma->vm_end);
		if (vma->vm_start < prev_end)
			BAD("VMA [%#lx, %#lx) overlaps the one before",
			    vma->vm_start, vma->vm_end);
		prev_end = vma->vm_end;
		if (vma->vm_mm != mm)
			BAD("VMA [%#lx, %#lx) belongs to another mm",
			    vma->vm_start, vma->vm_end);
		if (__atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED) == 0)
			BAD("VMA [%#lx, %#lx) in the tree but detached",
			    vma->vm_start, vma->vm_end);
		/* VM_READ/WRITE/EXEC each need their VM_MAY* (bit << 4). */
		access = vma->vm_flags & VAS_VM_ACCESS_FLAGS;
		mayflags = (vma->vm_flags >> 4) & VAS_VM_ACCESS_FLAGS;
		if (access & ~mayflags)
			BAD("VMA [%#lx, %#lx) flags %#lx: access without VM_MAY*",
			    vma->vm_start, vma->vm_end, vma->vm_flags);
		if ((vma->vm_flags & VAS_VM_SHARED) &&
		    !(vma->vm_flags & VAS_VM_MAYSHARE))
			BAD("VMA [%#lx, %#lx) VM_SHARED without VM_MAYSHARE",
			    vma->vm_start, vma->vm_end);
		total += vma_pages(vma);
		if (vma->vm_flags & VAS_VM_LOCKED)
			locked += vma_pages(vma);
		if (!vma_is_write_locked(vma))
			quiet = false;
	}
	if (count != mm->map_count)
		BAD("map_count %d but %d VMAs in the tree", mm->map_count, count);
	if ((unsigned long)count != mm->mm_mt.nr_entries)
		BAD("tree says %lu entries, walk found %d", mm->mm_mt.nr_entries,
		    count);
	if (total != mm->total_vm)
		BAD("total_vm %lu but the VMAs span %lu pages", mm->total_vm,
		    total);
	if (locked != mm->locked_vm)
		BAD("locked_vm %lu but VM_LOCKED VMAs span %lu pages",
		    mm->locked_vm, locked);
	if (mm->data_vm + mm->exec_vm + mm->stack_vm > mm->total_vm)
		BAD("data_vm %lu + exec_vm %lu + stack_vm %lu > total_vm %lu",
		    mm->data_vm, mm->exec_vm, mm->stack_vm, mm->total_vm);
	if ((unsigned long)count > mm->machine->cfg.max_map_count)
		BAD("%d VMAs, above max_map_count", count);
	bad += validate_ptes(mm, quiet);
	return bad ? -EUCLEAN : 0;
}

int vas_mm_validate(struct vas_mm_user *u)
{
	struct mm_struct *mm = mm_of_user(u);
	int err;

	struct vm_area_struct *vma;
	struct rt_iter it;

	/* every VMA write-locked: no fault runs, the page counts hold still */
	mmap_write_lock(mm);
	rt_iter_init(&it, &mm->mm_mt, 0, ULONG_MAX);
	while ((vma = rt_iter_next(&it, NULL, NULL))) {
		mmap_assert_write_locked(vma->vm_mm);
		vma_start_write(vma);
	}
	err = validate_mm(mm);
	mmap_write_unlock(mm);
	return err;
}
