// SPDX-License-Identifier: MIT
/*
 * insert.c - the operations of the Rust mm abstractions on typed VMAs:
 * vm_insert_page (vas_vma_mixedmap) and zap_page_range_single
 * (vas_vma_ref); pages a driver owns; pread through the page cache.
 */
#include <errno.h>
#include <limits.h>
#include <vas/memory.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "fault/fault.h"
#include "vma/access.h"
#include "vma/vma.h"

static struct page *page_of(struct vas_page *p)
{
	return (struct page *)p;
}

struct vas_page *vas_page_alloc(struct vas_machine *machine)
{
	return (struct vas_page *)alloc_page(machine->frames, GFP_KERNEL);
}

void vas_page_get(struct vas_page *page)
{
	get_page(page_of(page));
}

void vas_page_put(struct vas_page *page)
{
	if (page)
		put_page(page_of(page));
}

void *vas_page_address(struct vas_page *page)
{
	return page_address(page_of(page));
}

int vas_page_mapcount(const struct vas_page *page)
{
	return page_mapcount((const struct page *)page);
}

/*
 * insert_page(): map @page at @addr (inside @vma, aligned) if nothing is
 * mapped there. Writable only in a shared writable VMA without
 * page_mkwrite (vm_page_prot with writenotify is read-only).
 */
static int insert_page(struct vm_area_struct *vma, unsigned long addr,
		       struct page *page)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pt_lock *ptl;
	pte_t *ptep, flags = PTE_USER;
	int err = 0;

	/* validate_page_before_insert(): no anonymous or special pages */
	if (PageAnon(page) || is_zero_page(page))
		return -EINVAL;
	if ((vma->vm_flags & (VAS_VM_SHARED | VAS_VM_WRITE)) ==
	    (VAS_VM_SHARED | VAS_VM_WRITE) && !vma_wants_page_mkwrite(vma))
		flags |= PTE_WRITE;
	ptep = pte_get_locked(mm, addr, &ptl);
	if (!ptep)
		return -ENOMEM;
	if (!pte_none(ptep_get(ptep))) {
		err = -EBUSY;
	} else {
		get_page(page);
		set_pte(ptep, pte_mkpresent(page_to_pfn(page), flags));
		page_add_map(page);
		add_mm_counter(mm, mm_counter_of(page), 1);
	}
	pte_unmap_unlock(ptep, ptl);
	return err;
}

int vas_vm_insert_page(struct vas_vma_mixedmap *ref, unsigned long addr,
		       struct vas_page *p)
{
	struct vm_area_struct *vma = vma_of_mixedmap(ref);

	vma_assert_stable(vma);
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;
	return insert_page(vma, addr, page_of(p));
}

int vas_vm_insert_pages(struct vas_vma_mixedmap *ref, unsigned long addr,
			struct vas_page **pages, unsigned long *num)
{
	struct vm_area_struct *vma = vma_of_mixedmap(ref);
	unsigned long i, n = *num;
	int err;

	vma_assert_stable(vma);
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!n)
		return 0;
	/* Linux: addr < vm_start || addr + num * PAGE_SIZE - 1 >= vm_end */
	if (addr < vma->vm_start || n > (vma->vm_end - addr) >> PAGE_SHIFT)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		err = insert_page(vma, addr + (i << PAGE_SHIFT),
				  page_of(pages[i]));
		if (err) {
			*num = n - i;	/* the pages not inserted */
			return err;
		}
	}
	*num = 0;
	return 0;
}

int vas_vmf_insert_pfn(struct vas_vma_ref *ref, unsigned long addr,
		       unsigned long pfn)
{
	struct vm_area_struct *vma = vma_of_ref(ref);
	struct mm_struct *mm;
	struct pt_lock *ptl;
	struct page *frame;
	pte_t *ptep, flags = PTE_USER | PTE_ACCESSED;

	vma_assert_stable(vma);
	mm = vma->vm_mm;
	/*
	 * Linux BUG()s on a VMA that is not VM_PFNMAP (vmf_insert_pfn needs
	 * VM_PFNMAP or VM_MIXEDMAP; vas's PFN entries need VM_PFNMAP) and on
	 * a COW PFN mapping (private, VM_MAYWRITE): -EINVAL here.
	 */
	if (!(vma->vm_flags & VAS_VM_PFNMAP) ||
	    (vma->vm_flags & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) ==
		    VAS_VM_MAYWRITE)
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;		/* Linux: VM_FAULT_SIGBUS */
	/* only a frame of this machine that is allocated now */
	frame = pfn_to_page(mm->machine->frames, pfn);
	if (!frame || page_ref_count(frame) < 1 || is_zero_page(frame))
		return -EINVAL;
	if ((vma->vm_flags & (VAS_VM_SHARED | VAS_VM_WRITE)) ==
	    (VAS_VM_SHARED | VAS_VM_WRITE))
		flags |= PTE_WRITE | PTE_DIRTY;
	ptep = pte_get_locked(mm, addr, &ptl);
	if (!ptep)
		return -ENOMEM;
	/* insert_pfn(): an entry already there stays, and that is success */
	if (pte_none(ptep_get(ptep)))
		set_pte(ptep, pte_mkspecial(pte_mkpresent(pfn, flags)));
	pte_unmap_unlock(ptep, ptl);
	return 0;
}

unsigned long vas_page_pfn(const struct vas_page *page)
{
	return page_to_pfn((const struct page *)page);
}

void vas_zap_page_range_single(struct vas_vma_ref *ref, unsigned long addr,
			       unsigned long size)
{
	struct vm_area_struct *vma = vma_of_ref(ref);
	unsigned long end = addr + size;

	vma_assert_stable(vma);
	/* range_in_vma(), and no overflow: otherwise nothing happens */
	if (end < addr || addr < vma->vm_start || end > vma->vm_end) {
#ifdef VAS_DEBUG
		vas_warn(__FILE__, __LINE__,
			 "zap_page_range_single: range not inside the VMA");
#endif
		return;
	}
	addr &= PAGE_MASK;
	end = (end + PAGE_SIZE - 1) & PAGE_MASK;
	if (end > vma->vm_end)
		end = vma->vm_end;
	zap_range(vma->vm_mm, addr, end, 0);
}

/* Linux's MAX_RW_COUNT: the most one read(2) transfers. */
#define MAX_RW_COUNT ((size_t)INT_MAX & PAGE_MASK)

ssize_t vas_file_pread(struct vas_file *file, void *buf, size_t len, off_t off)
{
	unsigned long idx, end;
	loff_t size;

	/*
	 * rw_verify_area(): a negative offset, a length that is negative as
	 * a ssize_t, or a range whose end overflows loff_t is -EINVAL, even
	 * at or past the end of the file; then the length is clamped.
	 */
	if (off < 0 || (ssize_t)len < 0 ||
	    (len && (loff_t)len > (loff_t)LLONG_MAX - off))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (file->kind == VAS_FILE_DRIVER)
		return -EINVAL;
	if (!(file->mode & VAS_FMODE_READ))
		return -EBADF;	/* vfs_read(): not open for reading */
	/*
	 * A small read(2) reads what is missing of its range into the cache
	 * (page_cache_sync_ra): an evicted page with its folio, a page of a
	 * hole alone. Linux may read further ahead when the read starts the
	 * file or continues a sequential one; vas reads just the range.
	 */
	size = i_size_read(file);
	if (file->kind == VAS_FILE_HOST && len && off < size) {
		/* the last byte read: within the file, no overflow */
		loff_t last = off + min_t(loff_t, size - off - 1,
					  (loff_t)min_t(size_t, len - 1,
							LLONG_MAX));

		end = (unsigned long)(last >> PAGE_SHIFT) + 1;
		for (idx = (unsigned long)off >> PAGE_SHIFT; idx < end; idx++)
			file_readahead(file, idx, idx, 1);
	}
	return filemap_fread(file, off, len, buf);
}
