// SPDX-License-Identifier: MIT
/*
 * msync.c - msync(2): argument checks, the walk over the range (unmapped
 * parts give -ENOMEM, MS_ASYNC alone stops at the first hole), -EBUSY for
 * MS_INVALIDATE on locked memory. MS_SYNC writes the dirty pages of
 * shared file mappings back (vfs_fsync_range) with the mmap lock dropped,
 * after write-protecting this address space's entries so that the next
 * store dirties the page again.
 */
#include <errno.h>
#include "page/file.h"
#include "page/filemap.h"
#include "fault/fault.h"
#include "mmap/mmap_internal.h"

int vas_msync(struct vas_mm_user *u, unsigned long start, unsigned long len,
	      int flags)
{
	struct mm_struct *mm = mm_of_user(u);
	struct vm_area_struct *vma;
	unsigned long end;
	int error = -EINVAL, unmapped_error = 0;

	if (flags & ~(VAS_MS_ASYNC | VAS_MS_INVALIDATE | VAS_MS_SYNC))
		return error;
	if (start & ~PAGE_MASK)
		return error;
	if ((flags & VAS_MS_ASYNC) && (flags & VAS_MS_SYNC))
		return error;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	mmap_read_lock(mm);
	vma = rt_find(&mm->mm_mt, start, NULL, NULL);
	for (;;) {
		error = -ENOMEM;
		if (!vma)
			break;
		if (start < vma->vm_start) {
			if (flags == VAS_MS_ASYNC)
				break;
			start = vma->vm_start;
			if (start >= end)
				break;
			unmapped_error = -ENOMEM;
		}
		if ((flags & VAS_MS_INVALIDATE) && (vma->vm_flags & VAS_VM_LOCKED)) {
			error = -EBUSY;
			break;
		}
		if ((flags & VAS_MS_SYNC) && vma->vm_file &&
		    (vma->vm_flags & VAS_VM_SHARED)) {
			unsigned long to = vma->vm_end < end ? vma->vm_end : end;
			struct vas_file *file = vas_file_get(vma->vm_file);
			loff_t fstart = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
					(loff_t)(start - vma->vm_start);
			loff_t fend = fstart + (loff_t)(to - start) - 1;

			wrprotect_shared_range(vma, start, to);
			start = vma->vm_end;
			mmap_read_unlock(mm);
			error = file->kind == VAS_FILE_DRIVER
					? 0
					: filemap_write_and_wait_range(file, fstart,
								       fend);
			vas_file_put(file);
			mmap_read_lock(mm);
			if (error || start >= end)
				break;
			vma = rt_find(&mm->mm_mt, start, NULL, NULL);
			continue;
		}
		start = vma->vm_end;
		if (start >= end) {
			error = 0;
			break;
		}
		vma = rt_find(&mm->mm_mt, start, NULL, NULL);
	}
	mmap_read_unlock(mm);
	return error ? error : unmapped_error;
}
