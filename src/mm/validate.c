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
#include "mm/mm.h"
#include "vma/vma.h"

#define BAD(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "vas: validate_mm(mm %lu): ", mm->id);        \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		bad++;                                                        \
	} while (0)

int validate_mm(struct mm_struct *mm)
{
	unsigned long prev_end = 0, total = 0, locked = 0, s, e;
	unsigned long mayflags, access;
	struct vm_area_struct *vma;
	struct rt_iter it;
	int count = 0, bad = 0;

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
	return bad ? -EUCLEAN : 0;
}

int vas_mm_validate(struct vas_mm_user *u)
{
	struct mm_struct *mm = mm_of_user(u);
	int err;

	mmap_read_lock(mm);
	err = validate_mm(mm);
	mmap_read_unlock(mm);
	return err;
}
