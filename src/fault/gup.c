// SPDX-License-Identifier: MIT
/*
 * gup.c - get_user_pages and pin_user_pages (Linux mm/gup.c, the slow
 * path): the pages of a range of an address space, taken for use outside
 * it, with references (FOLL_GET) or pins (FOLL_PIN).
 *
 * Under the mmap read lock, page by page: the VMA is checked once
 * (check_vma_flags), then the entry is looked at under its table's lock
 * (follow_page_pte); a page that is there with the rights asked is taken
 * under that lock, which keeps it from being unmapped and freed meanwhile.
 * Otherwise the page is faulted in as a user access would be
 * (handle_mm_fault, for write with FOLL_WRITE, or an unshare for a read
 * pin of a page the entry does not own alone), and looked at again.
 *
 * A pin is a reference plus one in page->_pincount (exact, where Linux
 * biases the refcount by GUP_PIN_COUNTING_BIAS); the zero page is pinned
 * without either. The machine counts pins taken and released
 * (nr_foll_pin_acquired, nr_foll_pin_released, as /proc/vmstat does);
 * vas_machine_destroy() refuses while they differ. docs/host-memory.md
 * has the design.
 */
#include <errno.h>
#include <vas/physmem.h>
#include "base/bug.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "fault/fault.h"

/* Linux's FOLL_* bits, the public ones first (physmem.h). */
#define FOLL_WRITE VAS_FOLL_WRITE
#define FOLL_LONGTERM VAS_FOLL_LONGTERM
#define FOLL_NOFAULT VAS_FOLL_NOFAULT
#define FOLL_GET 0x100u		/* internal: take a reference */
#define FOLL_PIN 0x200u		/* internal: take a pin */
#define FOLL_PUBLIC (FOLL_WRITE | FOLL_LONGTERM | FOLL_NOFAULT)

/* is_cow_mapping(): private and may become writable. */
static bool is_cow_mapping(unsigned long vm_flags)
{
	return (vm_flags & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) ==
	       VAS_VM_MAYWRITE;
}

/*
 * vma_needs_dirty_tracking(): a shared writable mapping of a file whose
 * dirty pages are written back (a host file; not shmem, not a driver's).
 */
static bool vma_needs_dirty_tracking(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VAS_VM_SHARED | VAS_VM_WRITE)) ==
		       (VAS_VM_SHARED | VAS_VM_WRITE) &&
	       vma->vm_file && vma->vm_file->kind == VAS_FILE_HOST;
}

/*
 * check_vma_flags(): whether @vma may be taken from as @flags ask. Linux's
 * rules, without FOLL_FORCE: VM_IO and VM_PFNMAP never; a write needs
 * VM_WRITE, and a long-term write pin no shared writable host-file mapping
 * (writable_file_mapping_allowed); a read needs VM_READ (stricter than a
 * user access on x86, which any of read, write and exec lets through).
 */
static int check_vma_flags(const struct vm_area_struct *vma,
			   unsigned int flags)
{
	unsigned long vm_flags = vma->vm_flags;

	if (vm_flags & (VAS_VM_IO | VAS_VM_PFNMAP))
		return -EFAULT;
	if (flags & FOLL_WRITE) {
		if ((flags & (FOLL_PIN | FOLL_LONGTERM)) ==
			    (FOLL_PIN | FOLL_LONGTERM) &&
		    vma_needs_dirty_tracking(vma))
			return -EFAULT;
		if (!(vm_flags & VAS_VM_WRITE))
			return -EFAULT;
	} else if (!(vm_flags & VAS_VM_READ)) {
		return -EFAULT;
	}
	return 0;
}

/*
 * gup_must_unshare(): a read pin of a write-protected entry must not pin a
 * page the entry may stop mapping at the next write: an anonymous page not
 * exclusive to it (shared copy on write after fork), and, for a long-term
 * pin in a private writable mapping, a page that is not anonymous at all
 * (a file page, the zero page), which the next write would replace.
 */
static bool gup_must_unshare(const struct vm_area_struct *vma,
			     unsigned int flags, const struct page *page)
{
	if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN)
		return false;
	if (!PageAnon(page))
		return (flags & FOLL_LONGTERM) && is_cow_mapping(vma->vm_flags);
	return !anon_page_exclusive(page);
}

/* try_grab_folio() for one page, under its entry's lock. */
static void grab_page(struct mm_struct *mm, struct page *page,
		      unsigned int flags)
{
	if (flags & FOLL_PIN) {
		if (is_zero_page(page))
			return;	/* pinned forever anyway: not counted */
		get_page(page);
		__atomic_add_fetch(&page->_pincount, 1, __ATOMIC_ACQ_REL);
		stats_add(&mm->machine->stats, VAS_STAT_FOLL_PIN_ACQUIRED, 1);
		return;
	}
	get_page(page);
}

/*
 * follow_page_pte(): take the page mapped at @addr if its entry allows the
 * access @flags ask for.
 * Return: 0 with *@pagep taken; -ENOENT: fault it in (no entry, or a write
 * to a write-protected one); -EMLINK: unshare it first; -EFAULT: an entry
 * with no page behind it (a PFN map).
 */
static int follow_page_pte(struct vm_area_struct *vma, unsigned long addr,
			   unsigned int flags, struct page **pagep)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pt_lock *ptl;
	pte_t *ptep, pte;
	struct page *page;
	int ret = 0;

	ptep = pte_offset_map_lock(mm->pgd, addr, &ptl);
	if (!ptep)
		return -ENOENT;
	pte = ptep_get(ptep);
	if (!pte_present(pte) || ((flags & FOLL_WRITE) && !pte_write(pte))) {
		ret = -ENOENT;	/* guard markers too: the fault says SIGSEGV */
		goto out;
	}
	page = pfn_to_page(mm->machine->frames, pte_pfn(pte));
	if (!page || (pte_special(pte) && !is_zero_page(page))) {
		ret = -EFAULT;	/* follow_pfn_pte() */
		goto out;
	}
	if (!pte_write(pte) && gup_must_unshare(vma, flags, page)) {
		ret = -EMLINK;
		goto out;
	}
	grab_page(mm, page, flags);
	/*
	 * FOLL_TOUCH: a page taken for write through a clean entry is dirtied
	 * (folio_mark_dirty), which also ends an anonymous page's lazy free.
	 */
	if ((flags & FOLL_WRITE) && !pte_dirty(pte) && !is_zero_page(page)) {
		set_page_dirty(page);
		if (PageAnon(page))
			ClearPageLazyfree(page);
	}
	*pagep = page;
out:
	pte_unmap_unlock(ptep, ptl);
	return ret;
}

/* gup_put_folio() for one page. */
static void gup_put_page(struct page *page, unsigned int flags)
{
	if (flags & FOLL_PIN) {
		if (is_zero_page(page))
			return;
		VAS_BUG_ON(page_pincount(page) <= 0);
		/* the pin goes before its reference: put_page() may free */
		__atomic_sub_fetch(&page->_pincount, 1, __ATOMIC_ACQ_REL);
		stats_add(frames_vstats(page->pool), VAS_STAT_FOLL_PIN_RELEASED,
			  1);
	}
	put_page(page);
}

static void fault_info(struct vas_fault_info *fi, int signo,
		       unsigned long addr)
{
	if (fi) {
		fi->signo = signo;
		fi->addr = addr;
	}
}

/*
 * __get_user_pages(): take @nr pages from @addr of @mm as @flags say.
 * Context: no mmap lock held; takes it for read.
 * Return: as vas_get_user_pages().
 */
static long __get_user_pages(struct mm_struct *mm, unsigned long addr,
			     unsigned long nr, unsigned int flags,
			     struct page **pages, struct vas_fault_info *fi)
{
	struct vm_area_struct *vma = NULL;
	unsigned int fault_flags;
	unsigned long i;
	long ret = 0;
	vm_fault_t fault;
	int err;

	mmap_read_lock(mm);
	if (flags & FOLL_PIN)
		mm_flag_set(mm, MMF_HAS_PINNED);
	for (i = 0; i < nr; i++, addr += PAGE_SIZE) {
		if (!vma || addr >= vma->vm_end) {
			/* gup_vma_lookup(): no stack expansion */
			vma = rt_lookup(&mm->mm_mt, addr, NULL, NULL);
			if (!vma) {
				ret = -EFAULT;
				fault_info(fi, VAS_SIGSEGV, addr);
				break;
			}
			ret = check_vma_flags(vma, flags);
			if (ret) {
				fault_info(fi, VAS_SIGSEGV, addr);
				break;
			}
		}
		for (;;) {
			err = follow_page_pte(vma, addr, flags, &pages[i]);
			if (!err)
				break;
			if (err == -EFAULT) {
				fault_info(fi, VAS_SIGSEGV, addr);
				goto out;
			}
			if (flags & FOLL_NOFAULT) {
				/* faultin_page() refuses: no signal */
				err = -EFAULT;
				fault_info(fi, 0, addr);
				goto out;
			}
			fault_flags = flags & FOLL_WRITE ? FAULT_FLAG_WRITE : 0;
			if (err == -EMLINK)
				fault_flags |= FAULT_FLAG_UNSHARE;
			fault = handle_mm_fault(vma, addr, fault_flags);
			if (fault & VM_FAULT_OOM) {
				err = -ENOMEM;
				goto out;
			}
			if (fault & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) {
				err = -EFAULT;
				fault_info(fi, fault & VM_FAULT_SIGBUS
						       ? VAS_SIGBUS
						       : VAS_SIGSEGV, addr);
				goto out;
			}
			/* 0 (or a retry): look again */
		}
	}
	err = (int)ret;
out:
	mmap_read_unlock(mm);
	return i ? (long)i : err;
}

static bool gup_args_ok(unsigned long addr, unsigned long nr,
			unsigned int flags, struct vas_page **pages)
{
	if (!pages || (flags & ~FOLL_PUBLIC) || (addr & ~PAGE_MASK) || !nr)
		return false;
	/* the range may not wrap (it may run past the user range: -EFAULT) */
	return nr <= (~0UL >> PAGE_SHIFT) &&
	       addr <= ~0UL - ((nr - 1) << PAGE_SHIFT) - (PAGE_SIZE - 1);
}

long vas_get_user_pages(struct vas_mm_user *mm, unsigned long addr,
			unsigned long nr_pages, unsigned int gup_flags,
			struct vas_page **pages, struct vas_fault_info *fi)
{
	/* is_valid_gup_args(): FOLL_LONGTERM only when pinning */
	if (!gup_args_ok(addr, nr_pages, gup_flags, pages) ||
	    (gup_flags & FOLL_LONGTERM))
		return -EINVAL;
	return __get_user_pages(mm_of_user(mm), addr, nr_pages,
				gup_flags | FOLL_GET, (struct page **)pages,
				fi);
}

long vas_pin_user_pages(struct vas_mm_user *mm, unsigned long addr,
			unsigned long nr_pages, unsigned int gup_flags,
			struct vas_page **pages, struct vas_fault_info *fi)
{
	if (!gup_args_ok(addr, nr_pages, gup_flags, pages))
		return -EINVAL;
	return __get_user_pages(mm_of_user(mm), addr, nr_pages,
				gup_flags | FOLL_PIN, (struct page **)pages,
				fi);
}

void vas_unpin_user_pages(struct vas_page **pages, unsigned long nr_pages,
			  bool make_dirty)
{
	unsigned long i;

	for (i = 0; i < nr_pages; i++) {
		struct page *page = (struct page *)pages[i];

		if (!page)
			continue;
		/* unpin_user_pages_dirty_lock() */
		if (make_dirty && !is_zero_page(page))
			set_page_dirty(page);
		gup_put_page(page, FOLL_PIN);
	}
}

bool vas_page_maybe_dma_pinned(const struct vas_page *page)
{
	return page_maybe_dma_pinned((const struct page *)page);
}
