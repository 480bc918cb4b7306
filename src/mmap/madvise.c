// SPDX-License-Identifier: MIT
/*
 * madvise.c - madvise(2) (do_madvise, madvise_walk_vmas): argument checks,
 * the walk that skips unmapped parts and reports -ENOMEM at the end, the
 * advices that change VMA flags (with splits and merges at the edges), the
 * mseal protection against discarding read-only anonymous memory, guard
 * regions, the advices on resident pages (pte/zap.c does the page
 * work), MADV_REMOVE's hole punch and MADV_POPULATE_(READ|WRITE).
 */
#include <errno.h>
#include "base/err.h"
#include "vma/anon_vma.h"
#include "page/file.h"
#include "page/filemap.h"
#include "fault/fault.h"
#include "mmap/mmap_internal.h"

static bool advice_valid(int advice)
{
	switch (advice) {
	case VAS_MADV_NORMAL: case VAS_MADV_RANDOM: case VAS_MADV_SEQUENTIAL:
	case VAS_MADV_WILLNEED: case VAS_MADV_DONTNEED: case VAS_MADV_FREE:
	case VAS_MADV_REMOVE: case VAS_MADV_DONTFORK: case VAS_MADV_DOFORK:
	case VAS_MADV_MERGEABLE: case VAS_MADV_UNMERGEABLE:
	case VAS_MADV_HUGEPAGE: case VAS_MADV_NOHUGEPAGE:
	case VAS_MADV_DONTDUMP: case VAS_MADV_DODUMP:
	case VAS_MADV_WIPEONFORK: case VAS_MADV_KEEPONFORK:
	case VAS_MADV_COLD: case VAS_MADV_PAGEOUT:
	case VAS_MADV_POPULATE_READ: case VAS_MADV_POPULATE_WRITE:
	case VAS_MADV_DONTNEED_LOCKED: case VAS_MADV_COLLAPSE:
	case VAS_MADV_GUARD_INSTALL: case VAS_MADV_GUARD_REMOVE:
		return true;
	default:
		return false;
	}
}

/* Advices that only change vm_flags (madvise_need_mmap_write). */
static bool advice_changes_flags(int advice)
{
	switch (advice) {
	case VAS_MADV_NORMAL: case VAS_MADV_RANDOM: case VAS_MADV_SEQUENTIAL:
	case VAS_MADV_DONTFORK: case VAS_MADV_DOFORK:
	case VAS_MADV_MERGEABLE: case VAS_MADV_UNMERGEABLE:
	case VAS_MADV_HUGEPAGE: case VAS_MADV_NOHUGEPAGE:
	case VAS_MADV_DONTDUMP: case VAS_MADV_DODUMP:
	case VAS_MADV_WIPEONFORK: case VAS_MADV_KEEPONFORK:
		return true;
	default:
		return false;
	}
}

/* Advices that discard data, refused on sealed read-only anonymous memory. */
static bool advice_discards(int advice)
{
	switch (advice) {
	case VAS_MADV_FREE: case VAS_MADV_DONTNEED:
	case VAS_MADV_DONTNEED_LOCKED: case VAS_MADV_REMOVE:
	case VAS_MADV_DONTFORK: case VAS_MADV_WIPEONFORK:
	case VAS_MADV_GUARD_INSTALL:
		return true;
	default:
		return false;
	}
}

static bool is_ro_anon(const struct vm_area_struct *vma)
{
	if (vma->vm_file || (vma->vm_flags & VAS_VM_SHARED))
		return false;
	return !(vma->vm_flags & VAS_VM_WRITE);
}

/* The new flags for @advice, or -EINVAL (madvise_update_vma's switch). */
static long advice_flags(const struct vm_area_struct *vma, int advice)
{
	unsigned long f = vma->vm_flags;

	switch (advice) {
	case VAS_MADV_NORMAL:
		return (long)(f & ~(VAS_VM_RAND_READ | VAS_VM_SEQ_READ));
	case VAS_MADV_SEQUENTIAL:
		return (long)((f & ~VAS_VM_RAND_READ) | VAS_VM_SEQ_READ);
	case VAS_MADV_RANDOM:
		return (long)((f & ~VAS_VM_SEQ_READ) | VAS_VM_RAND_READ);
	case VAS_MADV_DONTFORK:
		return (long)(f | VAS_VM_DONTCOPY);
	case VAS_MADV_DOFORK:
		if (f & VAS_VM_IO)
			return -EINVAL;
		return (long)(f & ~VAS_VM_DONTCOPY);
	case VAS_MADV_WIPEONFORK:
		if (vma->vm_file || (f & VAS_VM_SHARED))
			return -EINVAL;
		return (long)(f | VAS_VM_WIPEONFORK);
	case VAS_MADV_KEEPONFORK:
		if (f & VAS_VM_DROPPABLE)
			return -EINVAL;
		return (long)(f & ~VAS_VM_WIPEONFORK);
	case VAS_MADV_DONTDUMP:
		return (long)(f | VAS_VM_DONTDUMP);
	case VAS_MADV_DODUMP:
		if ((f & VAS_VM_SPECIAL) || (f & VAS_VM_DROPPABLE))
			return -EINVAL;
		return (long)(f & ~VAS_VM_DONTDUMP);
	case VAS_MADV_MERGEABLE:
		if (f & (VAS_VM_MERGEABLE | VAS_VM_SHARED | VAS_VM_MAYSHARE |
			 VAS_VM_PFNMAP | VAS_VM_IO | VAS_VM_DONTEXPAND |
			 VAS_VM_HUGETLB | VAS_VM_MIXEDMAP | VAS_VM_DROPPABLE))
			return (long)f;
		return (long)(f | VAS_VM_MERGEABLE);
	case VAS_MADV_UNMERGEABLE:
		return (long)(f & ~VAS_VM_MERGEABLE);
	case VAS_MADV_HUGEPAGE:
		return (long)((f & ~VAS_VM_NOHUGEPAGE) | VAS_VM_HUGEPAGE);
	case VAS_MADV_NOHUGEPAGE:
		return (long)((f & ~VAS_VM_HUGEPAGE) | VAS_VM_NOHUGEPAGE);
	}
	return (long)f;
}

/*
 * mseal: no discarding of sealed read-only anonymous memory. Checked per
 * VMA as the walk reaches it, so the VMAs before keep the advice.
 */
static bool madvise_sealed(const struct vm_area_struct *vma, int advice)
{
	return advice_discards(advice) && (vma->vm_flags & VAS_VM_SEALED) &&
	       is_ro_anon(vma);
}

/*
 * The advices on the pages of one VMA's part [start, end), which change no
 * VMA: Linux takes the mmap lock for read for them (madvise_need_mmap_write
 * is false), and so does vas; faults may run meanwhile.
 */
static int madvise_vma_pages(struct mm_struct *mm, struct vm_area_struct *vma,
			     unsigned long start, unsigned long end, int advice)
	VAS_REQUIRES_SHARED(mm)
{
	if (madvise_sealed(vma, advice))
		return -EPERM;
	switch (advice) {
	case VAS_MADV_DONTNEED:
	case VAS_MADV_DONTNEED_LOCKED:
		/* madvise_dontneed_free_valid_vma() */
		if (advice == VAS_MADV_DONTNEED && (vma->vm_flags & VAS_VM_LOCKED))
			return -EINVAL;
		if (vma->vm_flags & (VAS_VM_PFNMAP | VAS_VM_HUGETLB))
			return -EINVAL;
		zap_range(mm, start, end, 0);
		return 0;
	case VAS_MADV_FREE:
		if (vma->vm_file || (vma->vm_flags & (VAS_VM_LOCKED | VAS_VM_PFNMAP |
						      VAS_VM_HUGETLB | VAS_VM_SHARED)))
			return -EINVAL;
		madvise_free_range(vma, start, end);
		return 0;
	case VAS_MADV_WILLNEED:
	case VAS_MADV_COLD:
	case VAS_MADV_PAGEOUT:
		if (advice != VAS_MADV_WILLNEED &&
		    (vma->vm_flags & (VAS_VM_LOCKED | VAS_VM_PFNMAP | VAS_VM_HUGETLB)))
			return -EINVAL;
		if (advice == VAS_MADV_PAGEOUT)
			pageout_range(vma, start, end);
		return 0;
	case VAS_MADV_GUARD_REMOVE:
		if (vma->vm_flags & (VAS_VM_SPECIAL | VAS_VM_HUGETLB |
				     VAS_VM_DROPPABLE))
			return -EINVAL;
		remove_guards(mm, start, end);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * One VMA's part [start, end): the checks every advice shares, the flag
 * advices (which split and merge) and guard installation. Context: mmap
 * lock held for write.
 */
static int madvise_vma(struct mm_struct *mm, struct vm_area_struct *vma,
		       unsigned long start, unsigned long end, int advice)
	VAS_REQUIRES(mm)
{
	struct vm_area_struct *got;
	long nf;

	if (madvise_sealed(vma, advice))
		return -EPERM;
	if (advice_changes_flags(advice)) {
		nf = advice_flags(vma, advice);
		if (nf < 0)
			return (int)nf;
		if ((unsigned long)nf == vma->vm_flags)
			return 0;
		got = vma_modify_flags(mm, vma, start, end, (unsigned long)nf);
		return IS_ERR(got) ? (int)PTR_ERR(got) : 0;
	}
	switch (advice) {
	case VAS_MADV_COLLAPSE:
		return -EINVAL;	/* no transparent huge pages in vas */
	case VAS_MADV_GUARD_INSTALL:
		/* is_valid_guard_vma(): not special, not locked */
		if (vma->vm_flags & (VAS_VM_SPECIAL | VAS_VM_HUGETLB |
				     VAS_VM_LOCKED | VAS_VM_DROPPABLE))
			return -EINVAL;
		/*
		 * Page-table entries in anonymous memory come with an
		 * anon_vma, as after a write fault: it decides later merges
		 * (and mprotect keeps VM_ACCOUNT). Prepared before anything
		 * changes, so -ENOMEM here leaves the VMA as it was.
		 */
		if (!vma->vm_file && !vma->vm_ops) {
			int err = anon_vma_prepare(mm, vma);

			if (err)
				return err;
		}
		/* VM_MAYBE_GUARD goes on the whole VMA, without a split */
		if (!(vma->vm_flags & VAS_VM_MAYBE_GUARD)) {
			mmap_assert_write_locked(vma->vm_mm);
			vma_start_write(vma);
			vma->vm_flags |= VAS_VM_MAYBE_GUARD;
		}
		return install_guards(mm, start, end);
	default:
		return madvise_vma_pages(mm, vma, start, end, advice);
	}
}

/*
 * MADV_POPULATE_READ/WRITE (madvise_populate, faultin_page_range): fault
 * the range in VMA by VMA, in order, as get_user_pages does it without
 * FOLL_FORCE. Unlike the other advices a hole is an error at once
 * (-ENOMEM); a VM_IO/VM_PFNMAP VMA or one without the access the fault
 * needs is -EINVAL; a page past the end of a file or shmem object
 * (SIGBUS) is -EFAULT. VMAs before the failing one stay populated. The
 * VMA-level effect is the write fault's anon_vma in a private VMA.
 * The mmap lock is held for read, as in Linux.
 */
static int madvise_populate(struct mm_struct *mm, unsigned long start,
			    unsigned long end, bool write) VAS_REQUIRES_SHARED(mm)
{
	struct vm_area_struct *vma;
	unsigned long e, to, f;
	vm_fault_t ret;

	while (start < end) {
		vma = rt_lookup(&mm->mm_mt, start, NULL, &e);
		if (!vma)
			return -ENOMEM;
		f = vma->vm_flags;
		if (f & (VAS_VM_IO | VAS_VM_PFNMAP))
			return -EINVAL;
		if (!(f & (write ? VAS_VM_WRITE : VAS_VM_READ)))
			return -EINVAL;
		to = e < end ? e : end;
		ret = fault_in_range(vma, start, to, write);
		if (ret & VM_FAULT_OOM)
			return -ENOMEM;
		if (ret)
			return -EFAULT;
		start = to;
	}
	return 0;
}

/*
 * The hole [@first, @first + @nr) of @file (vfs_fallocate(PUNCH_HOLE) as
 * ext4 does it: truncate_pagecache_range). The folios wholly inside leave
 * the cache; a large folio only partly inside is unmapped everywhere
 * (the split it gets first unmaps it; it fails and the folio stays whole),
 * its part of the hole zeroed. Private copies stay. The memory the hole
 * needs is allocated before anything is zapped, so -ENOMEM changes nothing.
 */
static int punch_hole(struct vas_file *file, unsigned long first,
		      unsigned long nr)
{
	unsigned long last = first + nr - 1, f0, n0, f1, n1, drop, dend;

	file_folio_of(file, first, &f0, &n0);
	file_folio_of(file, last, &f1, &n1);
	/* the whole folios inside: from the first that starts in the hole */
	drop = f0 < first ? f0 + n0 : first;
	dend = f1 + n1 - 1 > last ? f1 : last + 1;
	if (dend < drop)
		dend = drop;	/* one folio, partly inside */
	/* the memory the hole needs first: -ENOMEM leaves the mappings */
	if (filemap_punch_hole_prepare(file))
		return -ENOMEM;
	unmap_mapping_range(file, f0, f1 + n1 - 1, false);
	return filemap_punch_hole(file, first, nr, drop, dend - drop);
}

/*
 * MADV_REMOVE (madvise_remove): punch a hole in the file behind each
 * shared writable VMA of the range. Like Linux, the mmap lock is dropped
 * for the file operation, which zaps every mapping of the hole.
 */
static int madvise_remove(struct mm_struct *mm, unsigned long start,
			  unsigned long end)
{
	int unmapped_error = 0, err;

	while (start < end) {
		struct vm_area_struct *vma;
		struct vas_file *file = NULL;
		unsigned long s, e, to, first = 0;

		mmap_read_lock(mm);
		vma = rt_find(&mm->mm_mt, start, &s, &e);
		if (!vma || s >= end) {
			mmap_read_unlock(mm);
			return -ENOMEM;
		}
		if (start < s) {
			unmapped_error = -ENOMEM;
			start = s;
		}
		to = e < end ? e : end;
		if (madvise_sealed(vma, VAS_MADV_REMOVE))
			err = -EPERM;
		else if (vma->vm_flags & VAS_VM_LOCKED)
			err = -EINVAL;
		else if (!vma->vm_file)
			err = -EINVAL;
		else if ((vma->vm_flags & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) !=
			 (VAS_VM_SHARED | VAS_VM_MAYWRITE))
			err = -EACCES;
		else
			err = 0;
		if (!err) {
			file = vas_file_get(vma->vm_file);
			first = vma->vm_pgoff + ((start - s) >> PAGE_SHIFT);
		}
		mmap_read_unlock(mm);
		if (err)
			return err;
		if (file->kind == VAS_FILE_DRIVER)
			err = -EOPNOTSUPP;
		else
			err = punch_hole(file, first, (to - start) >> PAGE_SHIFT);
		vas_file_put(file);
		if (err)
			return err;
		start = to;
	}
	return unmapped_error;
}

/*
 * madvise_vma() from the walk, which holds the lock in the mode @write
 * says: the analysis cannot follow a mode chosen at run time, so the
 * write lock is checked here at run time instead (debug builds).
 */
static int madvise_vma_write(struct mm_struct *mm, struct vm_area_struct *vma,
			     unsigned long start, unsigned long end, int advice)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_assert_write_locked(mm);
	return madvise_vma(mm, vma, start, end, advice);
}

/*
 * madvise_walk_vmas(): apply @advice VMA by VMA over [start, end); a hole
 * is remembered (-ENOMEM at the end) and skipped. @write: the mmap lock is
 * held for write (flag advices), else for read (page advices).
 */
static int madvise_walk(struct mm_struct *mm, unsigned long start,
			unsigned long end, int advice, bool write)
	VAS_REQUIRES_SHARED(mm)
{
	struct vm_area_struct *vma;
	unsigned long tmp, e;
	int unmapped_error = 0, error = 0;

	vma = rt_find(&mm->mm_mt, start, NULL, NULL);
	for (;;) {
		if (!vma) {
			error = -ENOMEM;
			break;
		}
		if (start < vma->vm_start) {
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		if (write) {
			error = madvise_vma_write(mm, vma, start, tmp, advice);
		} else {
			error = madvise_vma_pages(mm, vma, start, tmp, advice);
		}
		if (error)
			break;
		/* continue after the VMA now covering tmp - 1 (it may have merged) */
		rt_lookup(&mm->mm_mt, tmp - 1, NULL, &e);
		start = e;
		if (start >= end)
			break;
		vma = rt_find(&mm->mm_mt, start, NULL, NULL);
	}
	return error ? error : unmapped_error;
}

int vas_madvise(struct vas_mm_user *u, unsigned long start, unsigned long len_in,
		int advice)
{
	struct mm_struct *mm = mm_of_user(u);
	unsigned long end;
	int error;

	if (!advice_valid(advice))
		return -EINVAL;
	if (user_range(start, len_in, &end))
		return -EINVAL;
	if (end == start)
		return 0;
	switch (advice) {
	case VAS_MADV_REMOVE:
		return madvise_remove(mm, start, end);
	case VAS_MADV_POPULATE_READ:
	case VAS_MADV_POPULATE_WRITE:
		mmap_read_lock(mm);
		error = madvise_populate(mm, start, end,
					 advice == VAS_MADV_POPULATE_WRITE);
		mmap_read_unlock(mm);
		return error;
	}
	/* madvise_need_mmap_write(): only advices that change VMAs */
	if (advice_changes_flags(advice) || advice == VAS_MADV_GUARD_INSTALL ||
	    advice == VAS_MADV_COLLAPSE) {
		mmap_write_lock(mm);
		error = madvise_walk(mm, start, end, advice, true);
		mmap_write_unlock(mm);
	} else {
		mmap_read_lock(mm);
		error = madvise_walk(mm, start, end, advice, false);
		mmap_read_unlock(mm);
	}
	return error;
}

