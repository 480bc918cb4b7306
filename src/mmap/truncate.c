// SPDX-License-Identifier: MIT
/*
 * truncate.c - truncation and hole punches as Linux's mm/truncate.c does
 * them: unmap the pages that go from every mapping of the file, cut the
 * page cache, unmap again (for faults that raced with the cut); and the
 * public calls that change a host file's size.
 *
 * vas has no per-file VMA tree (i_mmap); truncation is rare, so
 * unmap_mapping_range() walks the machine's address spaces instead, taking
 * each one's mmap lock for read in turn. No lock is held across the walk.
 */
#include <errno.h>
#include <limits.h>
#include <vas/memory.h>
#include "base/bug.h"
#include "mmap/mmap_internal.h"
#include "page/file.h"
#include "page/filemap.h"

/*
 * unmap_mapping_range(): zap the entries of every VMA, in every address
 * space of the machine, that map @file at page offsets [@first, @last]. vas has
 * no per-file VMA tree (i_mmap); truncation is rare, so it walks the
 * address spaces instead.
 */
void unmap_mapping_range(struct vas_file *file, unsigned long first,
			 unsigned long last, bool even_cows)
{
	struct vas_machine *machine = file->machine;
	unsigned long last_id = 0;

	for (;;) {
		struct mm_struct *mm, *pick = NULL;
		struct vm_area_struct *vma;
		struct rt_iter it;
		bool got;

		/* the live address space with the next id: no allocation, and
		 * none is skipped or visited twice while the list changes */
		vas_mutex_lock(&machine->mm_list_lock);
		for (mm = machine->mm_list; mm; mm = mm->mm_list_next)
			if (mm->id > last_id && (!pick || mm->id < pick->id) &&
			    __atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED))
				pick = mm;
		got = pick && mmget_not_zero(pick);
		vas_mutex_unlock(&machine->mm_list_lock);
		if (!pick)
			break;
		last_id = pick->id;
		if (!got)
			continue;	/* exiting meanwhile: its teardown zaps */
		mmap_read_lock(pick);
		rt_iter_init(&it, &pick->mm_mt, 0, ULONG_MAX);
		while ((vma = rt_iter_next(&it, NULL, NULL))) {
			unsigned long vlast, s, e;

			/* every description of the inode: one page cache */
			if (!vma->vm_file || cache_of(vma->vm_file) != cache_of(file))
				continue;
			vlast = vma->vm_pgoff + vma_pages(vma) - 1;
			if (vlast < first || vma->vm_pgoff > last)
				continue;
			s = vma->vm_start;
			if (vma->vm_pgoff < first)
				s += (first - vma->vm_pgoff) << PAGE_SHIFT;
			e = vma->vm_end;
			if (vlast > last)
				e -= (vlast - last) << PAGE_SHIFT;
			if (even_cows)
				zap_range(pick, s, e, 0);
			else
				zap_range_keep_cows(pick, s, e);
		}
		mmap_read_unlock(pick);
		mmput(pick);
	}
}

int vas_unmap_mapping_range(struct vas_file *file, off_t start, off_t len,
			    bool even_cows)
{
	unsigned long first, last;

	if (start < 0 || len < 0)
		return -EINVAL;
	/*
	 * Linux's unmap_mapping_range(): from the page of @start (rounded
	 * down: partial pages go too), PAGE_ALIGN(@len) / 4096 pages, to the
	 * end for len 0 or a range past the largest index.
	 */
	first = (unsigned long)((unsigned long long)start >> PAGE_SHIFT);
	last = ULONG_MAX;
	if (len) {
		unsigned long long n = ((unsigned long long)len + PAGE_SIZE - 1) >>
				       PAGE_SHIFT;

		if (first + n - 1 >= first)	/* no wrap */
			last = first + n - 1;
	}
	unmap_mapping_range(file, first, last, even_cows);
	return 0;
}

/*
 * truncate_pagecache() - Linux's: zap the mappings of the pages wholly
 * beyond @newsize, cut the cache, zap again.
 * Context: no mmap lock held; may block.
 */
static void truncate_pagecache(struct vas_file *file, loff_t newsize)
{
	unsigned long first = ((unsigned long long)newsize + PAGE_SIZE - 1) >>
			      PAGE_SHIFT;

	unmap_mapping_range(file, first, ULONG_MAX, true);
	filemap_cut(file, newsize);
	unmap_mapping_range(file, first, ULONG_MAX, true);
}

/* truncate_setsize(): i_size first, then the cache when it shrinks. */
static void truncate_setsize(struct vas_file *file, loff_t newsize)
{
	if (filemap_set_isize(file, newsize) > newsize)
		truncate_pagecache(file, newsize);
}

int vas_file_truncate(struct vas_file *file, off_t size)
{
	int err;

	if (size < 0 || file->kind != VAS_FILE_HOST)
		return -EINVAL;
	if (size >= i_size_read(file)) {
		/* Growing: the host first, so a failure changes nothing. */
		err = filemap_host_truncate(file, size);
		if (!err)
			truncate_setsize(file, size);
		return err;
	}
	/* Shrinking: the cache first, so no writeback lands past the end. */
	truncate_setsize(file, size);
	return filemap_host_truncate(file, size);
}

int vas_file_set_size(struct vas_file *file, off_t size)
{
	if (size < 0 || file->kind != VAS_FILE_HOST)
		return -EINVAL;
	truncate_setsize(file, size);
	return 0;
}
