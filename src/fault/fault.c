// SPDX-License-Identifier: MIT
/*
 * fault.c - page faults (Linux mm/memory.c handle_mm_fault and friends):
 * the zero page and new anonymous pages, copy on write, page-cache pages
 * with fault-around, guard markers. See fault.h for the lock modes and
 * docs/faults.md for the design.
 *
 * Every path allocates (tables, frames, page-cache pages) before it takes
 * the leaf table's lock, then re-checks the entry under the lock: a fault
 * that lost a race drops what it allocated and reports success, and the
 * caller's access retries, as Linux's faults do.
 */
#include <errno.h>
#include <string.h>
#include <vas/file.h>
#include "base/bug.h"
#include "base/err.h"
#include "vma/anon_vma.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"
#include "fault/fault.h"
#include "mm/mmu_notifier.h"
#include "vma/access.h"
#include "vma/vma.h"

/* Linux's default fault_around_bytes, in pages. */
#define FAULT_AROUND_PAGES 16UL
/* Linux's default read-ahead of a file (VM_READAHEAD_PAGES, 128 KiB). */
#define FILE_RA_PAGES 32UL

static unsigned long linear_page_index(const struct vm_area_struct *vma,
				       unsigned long addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/* Map @page at the locked slot @ptep; the caller's reference becomes the
 * mapping's. */
static void map_page(struct mm_struct *mm, pte_t *ptep, struct page *page,
		     pte_t flags)
{
	set_pte(ptep, pte_mkpresent(page_to_pfn(page), flags | PTE_USER));
	page_add_map(page);
	add_mm_counter(mm, mm_counter_of(page), 1);
}

/*
 * map_page() of a new anonymous page (page_set_anon()), which no other
 * thread can reach before the entry is stored: its mapcount is set
 * before, and set_pte()'s release store publishes it. The RSS counter is
 * the caller's (do_wp_page() replacing an anonymous page leaves it).
 */
static void __map_new_anon(pte_t *ptep, struct page *page, pte_t flags)
{
	page_add_new_anon_map(page);
	set_pte(ptep, pte_mkpresent(page_to_pfn(page), flags | PTE_USER));
}

static void map_new_anon(struct mm_struct *mm, pte_t *ptep, struct page *page,
			 pte_t flags)
{
	add_mm_counter(mm, MM_ANONPAGES, 1);
	__map_new_anon(ptep, page, flags);
}

/*
 * A new anonymous page of @vma at @addr (its rmap identity). The page is
 * the caller's alone (just allocated): its flags need no atomic.
 */
static void page_set_anon(struct page *page, struct vm_area_struct *vma,
			  unsigned long addr)
{
	page->mapping = __atomic_load_n(&vma->anon_vma, __ATOMIC_ACQUIRE);
	page->index = linear_page_index(vma, addr);
	__page_set_flag(page, PG_anon);
}

/*
 * vmf_anon_prepare(): @vma needs an anon_vma. Under the VMA lock only, a
 * missing one makes the fault retry under the mmap lock.
 */
static vm_fault_t anon_prepare(struct vm_area_struct *vma, unsigned int flags)
{
	if (__atomic_load_n(&vma->anon_vma, __ATOMIC_ACQUIRE))
		return 0;
	if (flags & FAULT_FLAG_VMA_LOCK)
		return VM_FAULT_RETRY;
	mmap_assert_locked(vma->vm_mm);
	return anon_vma_prepare(vma->vm_mm, vma) ? VM_FAULT_OOM : 0;
}

static vm_fault_t page_error(const struct page *page)
{
	return PTR_ERR(page) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/*
 * Map @page at @addr with @flags if the entry is still empty (a fault
 * that lost the race drops its page and lets the access look again). The
 * caller's reference becomes the mapping's, or is dropped. @new_anon: a
 * new anonymous page (map_new_anon()).
 * Return: 0 or VM_FAULT_OOM (no page table).
 */
static vm_fault_t __map_new_page(struct mm_struct *mm, unsigned long addr,
				 struct page *page, pte_t flags, bool new_anon,
				 bool *mapped)
{
	struct pt_lock *ptl;
	pte_t *ptep = pte_get_locked(mm, addr, &ptl);

	if (!ptep) {
		put_page(page);
		return VM_FAULT_OOM;
	}
	if (pte_none(ptep_get(ptep))) {
		if (new_anon)
			map_new_anon(mm, ptep, page, flags);
		else
			map_page(mm, ptep, page, flags);
		page = NULL;
		if (mapped)
			*mapped = true;
	}
	pte_unmap_unlock(ptep, ptl);
	if (page)
		put_page(page);
	return 0;
}

static vm_fault_t map_new_page(struct mm_struct *mm, unsigned long addr,
			       struct page *page, pte_t flags)
{
	return __map_new_page(mm, addr, page, flags, false, NULL);
}

/*
 * map_new_page() of a new anonymous page; makes the access @fa (if any)
 * on it first, which counts as made if the page is mapped.
 */
static vm_fault_t map_new_anon_page(struct mm_struct *mm, unsigned long addr,
				    struct page *page, pte_t flags,
				    struct fault_access *fa)
{
	if (!fa)
		return __map_new_page(mm, addr, page, flags, true, NULL);
	fa->fn(fa, page_address(page));
	return __map_new_page(mm, addr, page, flags, true, &fa->done);
}

/*
 * A private anonymous copy of @src for @addr of @vma (copy on write of a
 * file or driver page); drops the caller's reference on @src.
 * Return: the copy, or NULL with *@ret set (VM_FAULT_OOM or _RETRY).
 */
static struct page *anon_copy(struct vm_area_struct *vma, unsigned long addr,
			      struct page *src, unsigned int flags,
			      vm_fault_t *ret)
{
	struct page *new = NULL;

	*ret = anon_prepare(vma, flags);
	if (!*ret) {
		new = alloc_page(vma->vm_mm->machine->frames, __GFP_NOZERO);
		if (!new)
			*ret = VM_FAULT_OOM;
	}
	if (new) {
		memcpy(page_address(new), page_address(src), PAGE_SIZE);
		page_set_anon(new, vma, addr);
	}
	put_page(src);
	return new;
}

/*
 * do_anonymous_page(): the zero page for a read, a zeroed page for a write,
 * or for a read too on a machine without the zero page
 * (mm_forbids_zeropage): writable and dirty if the VMA is writable.
 */
static vm_fault_t do_anonymous_page(struct vm_area_struct *vma,
				    unsigned long addr, unsigned int flags,
				    struct fault_access *fa)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page = NULL;
	struct pt_lock *ptl;
	pte_t *ptep;
	vm_fault_t ret;

	if ((flags & FAULT_FLAG_WRITE) || !mm->machine->cfg.zero_page) {
		ret = anon_prepare(vma, flags);
		if (ret)
			return ret;
		page = alloc_page(mm->machine->frames, GFP_KERNEL);
		if (!page)
			return VM_FAULT_OOM;
		page_set_anon(page, vma, addr);
		return map_new_anon_page(mm, addr, page,
					 (vma->vm_flags & VAS_VM_WRITE ?
						  PTE_WRITE | PTE_DIRTY : 0) |
						 PTE_ACCESSED,
					 flags & FAULT_FLAG_WRITE ? fa : NULL);
	}
	ptep = pte_get_locked(mm, addr, &ptl);
	if (!ptep)
		return VM_FAULT_OOM;
	if (pte_none(ptep_get(ptep))) {
		struct page *zero = frames_zero_page(mm->machine->frames);

		set_pte(ptep, pte_mkspecial(pte_mkpresent(page_to_pfn(zero),
							  PTE_USER |
							  PTE_ACCESSED)));
	}
	pte_unmap_unlock(ptep, ptl);
	return 0;
}

/* The page @pte maps, or NULL for a special entry (vm_normal_page). */
static struct page *vm_normal_page(struct mm_struct *mm, pte_t pte)
{
	if (pte_special(pte))
		return NULL;
	return pfn_to_page(mm->machine->frames, pte_pfn(pte));
}

/* The struct vas_vm_fault a driver's handler gets for @addr of @vma. */
static void vm_fault_init(struct vas_vm_fault *vmf, struct vm_area_struct *vma,
			  unsigned long addr, unsigned int flags)
{
	*vmf = (struct vas_vm_fault){
		.vma = vma_ref(vma),
		.address = addr,
		.pgoff = linear_page_index(vma, addr),
		.flags = flags & FAULT_FLAG_WRITE ? VAS_FAULT_FLAG_WRITE : 0,
	};
}

/* A driver callback's errno as the fault's result: -ENOMEM is OOM. */
static vm_fault_t driver_errno(int err)
{
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/*
 * do_page_mkwrite(): tell the driver that @page of @vma becomes writable
 * (vm_ops->page_mkwrite), if it asked to be told. No lock of vas held
 * but the mmap lock (read) the caller has.
 */
static vm_fault_t do_page_mkwrite(struct vm_area_struct *vma,
				  unsigned long addr, struct page *page)
{
	struct vas_vm_fault vmf;
	int err;

	if (!vma_wants_page_mkwrite(vma))
		return 0;
	vm_fault_init(&vmf, vma, addr, FAULT_FLAG_WRITE);
	vmf.flags |= VAS_FAULT_FLAG_MKWRITE;
	vmf.page = (struct vas_page *)page;
	err = vma->vm_ops->page_mkwrite(&vmf);
	return err ? driver_errno(err) : 0;
}

/*
 * do_wp_page(): a write to a present, write-protected entry, or an unshare
 * (FAULT_FLAG_UNSHARE: a read pin of a page this entry does not own
 * alone), which copies as a write does but leaves the copy read-only and
 * clean, as Linux's wp_page_copy maps it with vm_page_prot. Entered with
 * the slot locked; returns with it unlocked.
 */
static vm_fault_t do_wp_page(struct vm_area_struct *vma, unsigned long addr,
			     unsigned int flags, pte_t *ptep,
			     struct pt_lock *ptl, pte_t pte,
			     struct fault_access *fa)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *old = vm_normal_page(mm, pte), *new;
	bool unshare = flags & FAULT_FLAG_UNSHARE;
	struct vas_mmu_notifier_range range;
	vm_fault_t ret;
	int refs = 1;

	if (unshare && (vma->vm_flags & VAS_VM_SHARED)) {
		pte_unmap_unlock(ptep, ptl);	/* nothing to unshare */
		return 0;
	}
	if ((vma->vm_flags & VAS_VM_SHARED) && old &&
	    vma_wants_page_mkwrite(vma)) {
		/*
		 * wp_page_shared() with vm_ops->page_mkwrite: ask the driver
		 * under the mmap lock (a fault under a VMA lock retries there,
		 * as for ->fault) without the leaf lock (it may block), then
		 * make the entry writable if it still maps the page (else the
		 * access retries, as after Linux's finish_mkwrite_fault).
		 */
		pte_unmap_unlock(ptep, ptl);
		/* vmf_can_call_fault(): not under a VMA lock alone */
		if (flags & FAULT_FLAG_VMA_LOCK)
			return VM_FAULT_RETRY;
		get_page(old);
		ret = do_page_mkwrite(vma, addr, old);
		if (!ret) {
			ptep = pte_offset_map_lock(mm->pgd, addr, &ptl);
			if (ptep && ptep_get(ptep) == pte) {
				set_pte(ptep, pte_mkyoung(pte_mkdirty(
						      pte_mkwrite(pte))));
				if (!PageAnon(old))
					set_page_dirty(old);
			}
			if (ptep)
				pte_unmap_unlock(ptep, ptl);
		}
		put_page(old);
		return ret;
	}
	if (vma->vm_flags & VAS_VM_SHARED) {
		/* wp_page_shared(): make it writable and dirty the file page */
		set_pte(ptep, pte_mkyoung(pte_mkdirty(pte_mkwrite(pte))));
		if (old && !PageAnon(old))
			set_page_dirty(old);
		pte_unmap_unlock(ptep, ptl);
		return 0;
	}
	/* wp_can_reuse_anon_folio(): our own anonymous page, no other user */
	if (old && anon_page_exclusive(old)) {
		if (!unshare) {
			set_pte(ptep, pte_mkyoung(pte_mkdirty(pte_mkwrite(pte))));
			if (fa) {	/* the lock keeps the page mapped */
				fa->fn(fa, page_address(old));
				fa->done = true;
			}
		}
		pte_unmap_unlock(ptep, ptl);
		return 0;
	}
	if (old)
		get_page(old);
	pte_unmap_unlock(ptep, ptl);

	/* wp_page_copy() */
	ret = anon_prepare(vma, flags);
	if (ret)
		goto out;
	new = alloc_page(mm->machine->frames, old ? __GFP_NOZERO : GFP_KERNEL);
	if (!new) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	if (old)
		memcpy(page_address(new), page_address(old), PAGE_SIZE);
	page_set_anon(new, vma, addr);
	if (fa && !unshare)	/* the access, before the copy is mapped */
		fa->fn(fa, page_address(new));
	/* the page is replaced: CLEAR over it, before the pte changes */
	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_CLEAR, mm, addr,
				addr + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	ptep = pte_relock(ptep, &ptl);	/* the slot of the entry above */
	if (!ptep || ptep_get(ptep) != pte) {
		if (ptep)
			pte_unmap_unlock(ptep, ptl);
		mmu_notifier_invalidate_range_end(&range);
		put_page(new);
		goto out;
	}
	__map_new_anon(ptep, new,
		       PTE_ACCESSED | (unshare ? 0 : PTE_WRITE | PTE_DIRTY));
	if (fa && !unshare)
		fa->done = true;
	/* an anonymous page replaced by one leaves the counter as it was */
	if (!old || !PageAnon(old)) {
		add_mm_counter(mm, MM_ANONPAGES, 1);
		if (old)
			add_mm_counter(mm, mm_counter_of(old), -1);
	}
	if (old) {
		page_remove_map(old);
		refs = 2;	/* the mapping's reference goes with ours */
	}
	pte_unmap_unlock(ptep, ptl);
	mmu_notifier_invalidate_range_end(&range);
out:
	if (old)
		put_page_refs(old, refs);	/* ours (and the mapping's) */
	return ret;
}

/*
 * A page-cache page around a read fault. The model stands for a file on
 * disk whose pages are all cached (as after the file was just written), so
 * fault-around fills host files' pages, but not those reclaim evicted or a
 * hole punch dropped (not cached: filemap_map_pages maps only what the
 * cache holds); shmem maps only the pages it has.
 */
static struct page *around_page(struct vas_file *file, unsigned long index)
{
	struct page *page;

	if (vas__file_is_shmem(file))
		return filemap_find_page(file, index);
	if (filemap_page_state(file, index) &
	    (FILEMAP_EVICTED | FILEMAP_ABSENT))
		return NULL;
	page = filemap_get_page(file, index, FGP_CREAT);
	return IS_ERR(page) ? NULL : page;
}

void file_readahead(struct vas_file *file, unsigned long idx,
		    unsigned long first, unsigned long nr)
{
	unsigned int state = filemap_page_state(file, idx);
	unsigned long i;

	if (state & FILEMAP_EVICTED) {
		/* the folio comes back, and nothing more */
		file_folio_of(file, idx, &first, &nr);
		for (i = first; i < first + nr; i++) {
			struct page *page;

			if (i != idx &&
			    !(filemap_page_state(file, i) & FILEMAP_EVICTED))
				continue;
			page = filemap_get_page(file, i, FGP_CREAT);
			if (!IS_ERR(page))
				put_page(page);
		}
		return;
	}
	if (!(state & FILEMAP_ABSENT))
		return;
	/* the hole's pages in the window, each a folio of its own */
	for (i = first; i < first + nr; i++) {
		struct page *page;

		if (i != idx && !(filemap_page_state(file, i) & FILEMAP_ABSENT))
			continue;
		page = filemap_get_page(file, i, FGP_CREAT);
		if (IS_ERR(page) && PTR_ERR(page) == -ENXIO)
			break;	/* end of file */
		if (!IS_ERR(page))
			put_page(page);
	}
}

/*
 * The read a fault on a host file's page that is not cached starts
 * (filemap_fault: do_sync_mmap_readahead) before it maps anything, with
 * the window Linux's mmap read-around takes: VM_RAND_READ none (the page
 * alone), VM_SEQ_READ FILE_RA_PAGES from the page on, else FILE_RA_PAGES
 * centred on it. Shmem: nothing (its pages are never evicted).
 */
static void fault_readahead(struct vm_area_struct *vma, unsigned long idx)
{
	unsigned long first = idx, nr = FILE_RA_PAGES;

	if (vas__file_is_shmem(vma->vm_file))
		return;
	if (vma->vm_flags & VAS_VM_RAND_READ)
		nr = 1;
	else if (!(vma->vm_flags & VAS_VM_SEQ_READ))
		first = idx > FILE_RA_PAGES / 2 ? idx - FILE_RA_PAGES / 2 : 0;
	file_readahead(vma->vm_file, idx, first, nr);
}

static vm_fault_t map_file_folio(struct vm_area_struct *vma,
				 unsigned long addr, pte_t flags, bool dirty);

/* Map the cached page @p at @a, old (fault-around), if its entry is empty. */
static void around_map(struct mm_struct *mm, unsigned long a, struct page *p,
		       unsigned long addr)
{
	/* no table for it is no error here */
	(void)map_new_page(mm, a, p, a == addr ? PTE_ACCESSED : 0);
}

/*
 * do_fault_around() and filemap_map_pages() as Linux 6.18.44 runs them:
 *  - the window: FAULT_AROUND_PAGES from the 64 KiB-aligned block start,
 *    or from the VMA's start when that lies inside the block, clipped to
 *    the VMA, to the page table, and to the file's last page;
 *  - the cached pages in it are mapped; a large folio that ends before
 *    the file's last page and lies whole in the VMA and in one page table
 *    is mapped whole, even past the window;
 *  - the first cached folio decides whether a missing page table is
 *    installed (filemap_map_pmd): when it holds the file's last page it
 *    is not, and with no table nothing is mapped around (finish_fault
 *    then maps the faulting page or its folio);
 *  - pages not cached (evicted, in a hole) are skipped.
 */
static void fault_around(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vas_file *file = vma->vm_file;
	unsigned long idx = linear_page_index(vma, addr);
	unsigned long pte_off = (addr >> PAGE_SHIFT) & (PT_ENTRIES - 1);
	unsigned long vma_off = (addr - vma->vm_start) >> PAGE_SHIFT;
	unsigned long from, to, first, last, i, f, n, fa;
	loff_t size = i_size_read(file);
	bool shmem = vas__file_is_shmem(file);
	struct page *p = NULL;
	pte_t *ptep;

	from = pte_off - min_t(unsigned long, pte_off, vma_off);
	if (from < (pte_off & ~(FAULT_AROUND_PAGES - 1)))
		from = pte_off & ~(FAULT_AROUND_PAGES - 1);
	to = min_t(unsigned long, from + FAULT_AROUND_PAGES, PT_ENTRIES);
	to = min_t(unsigned long, to, pte_off + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) -
			      vma_off) - 1;
	if (size <= 0)
		return;
	last = (unsigned long)((size - 1) >> PAGE_SHIFT);
	first = idx - (pte_off - from);
	to = idx + (to - pte_off);
	if (to > last)
		to = last;
	/* next_uptodate_folio(): the first cached page */
	for (i = first; i <= to && !p; i++)
		p = around_page(file, i);
	if (!p)
		return;
	i--;
	file_folio_of(file, i, &f, &n);
	vas_rcu_read_lock();
	ptep = pt_walk(mm->pgd, addr);
	vas_rcu_read_unlock();
	if (!ptep && !shmem && last < f + n) {
		put_page(p);
		return;	/* no pmd_install for a folio across i_size */
	}
	for (; i <= to; i++) {
		if (!p)
			p = around_page(file, i);
		if (!p)
			continue;
		file_folio_of(file, i, &f, &n);
		fa = addr - ((idx - f) << PAGE_SHIFT);
		if (n > 1 && (shmem || last >= f + n) && f <= i &&
		    fa >= vma->vm_start &&
		    fa + (n << PAGE_SHIFT) <= vma->vm_end &&
		    (fa & ~(PMD_SIZE - 1)) ==
			    ((fa + (n << PAGE_SHIFT) - 1) & ~(PMD_SIZE - 1))) {
			/* the whole folio, wherever it starts */
			unsigned long j;

			put_page(p);
			for (j = 0; j < n; j++) {
				p = around_page(file, f + j);
				if (p)
					around_map(mm, fa + (j << PAGE_SHIFT), p,
						   addr);
			}
			p = NULL;
			i = f + n - 1;
			continue;
		}
		around_map(mm, addr + ((i - idx) << PAGE_SHIFT), p, addr);
		p = NULL;
	}
}

/*
 * do_read_fault(): the cached pages around the page are mapped read-only
 * (fault_around()), the faulting one young. A page that is not cached is
 * read first (fault_readahead()); then, as Linux's fault retried after
 * the read, fault-around maps what is cached. When fault-around left the
 * faulting page unmapped, finish_fault() maps it, with its folio when the
 * folio lies whole in the VMA and one page table and none of its entries
 * is set. Fault-around runs even when the page lies past the end of the
 * file (SIGBUS).
 */
static vm_fault_t do_read_fault(struct vm_area_struct *vma, unsigned long addr)
{
	fault_readahead(vma, linear_page_index(vma, addr));
	fault_around(vma, addr);
	return map_file_folio(vma, addr, PTE_ACCESSED, false);
}

/* do_cow_fault(): a private copy of the file page, mapped writable. */
static vm_fault_t do_cow_fault(struct vm_area_struct *vma, unsigned long addr,
			       unsigned int flags, struct fault_access *fa)
{
	struct page *page, *new;
	vm_fault_t ret;

	/* the anon_vma comes first: a write past EOF still prepares it */
	ret = anon_prepare(vma, flags);
	if (ret)
		return ret;
	fault_readahead(vma, linear_page_index(vma, addr));
	page = filemap_get_page(vma->vm_file, linear_page_index(vma, addr),
				FGP_CREAT);
	if (IS_ERR(page))
		return page_error(page);
	new = anon_copy(vma, addr, page, flags, &ret);
	if (!new)
		return ret;
	return map_new_anon_page(vma->vm_mm, addr, new,
				 PTE_WRITE | PTE_DIRTY | PTE_ACCESSED, fa);
}


/*
 * finish_fault() for a page-cache page: map the page at @addr, and with it
 * the rest of its folio when the whole folio lies in the VMA and one page
 * table and none of its entries is set (else the page alone), with @flags;
 * @dirty marks the pages dirty (a shared write). Reads the pages in.
 */
static vm_fault_t map_file_folio(struct vm_area_struct *vma,
				 unsigned long addr, pte_t flags, bool dirty)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long idx = linear_page_index(vma, addr), first, nr, a0, i;
	struct page *pages[FILE_FOLIO_PAGES];	/* [0, nr) used */
	struct pt_lock *ptl;
	pte_t *ptep;
	bool all_none = true;

	file_folio_of(vma->vm_file, idx, &first, &nr);
	a0 = addr - ((idx - first) << PAGE_SHIFT);
	if (first > idx || a0 < vma->vm_start ||
	    a0 + (nr << PAGE_SHIFT) > vma->vm_end ||
	    (a0 & ~(PMD_SIZE - 1)) !=
		    ((a0 + (nr << PAGE_SHIFT) - 1) & ~(PMD_SIZE - 1))) {
		first = idx;
		nr = 1;
		a0 = addr;
	}
	for (i = 0; i < nr; i++) {
		pages[i] = filemap_get_page(vma->vm_file, first + i, FGP_CREAT);
		if (!IS_ERR(pages[i]))
			continue;
		if (first + i == idx) {
			vm_fault_t ret = page_error(pages[i]);

			while (i--)
				put_page(pages[i]);
			return ret;
		}
		/* another page of the folio failed: the one alone */
		pages[i] = NULL;
		while (i--) {
			put_page(pages[i]);
			pages[i] = NULL;
		}
		pages[0] = filemap_get_page(vma->vm_file, idx, FGP_CREAT);
		if (IS_ERR(pages[0]))
			return page_error(pages[0]);
		first = idx;
		nr = 1;
		a0 = addr;
		break;
	}
	ptep = pte_get_locked(mm, a0, &ptl);
	if (!ptep) {
		for (i = 0; i < nr; i++)
			put_page(pages[i]);
		return VM_FAULT_OOM;
	}
	for (i = 0; i < nr; i++)
		if (!pte_none(ptep_get(ptep + i)))
			all_none = false;
	for (i = 0; i < nr; i++) {
		/* pte_range_none() failed: the faulting page alone */
		if (!all_none && first + i != idx)
			continue;
		if (!pte_none(ptep_get(ptep + i)))
			continue;
		if (dirty)
			set_page_dirty(pages[i]);	/* the folio is dirty */
		map_page(mm, ptep + i, pages[i], flags);
		pages[i] = NULL;
	}
	pte_unmap_unlock(ptep, ptl);
	for (i = 0; i < nr; i++)
		if (pages[i])
			put_page(pages[i]);
	return 0;
}

/* do_shared_fault(): the page-cache page (and its folio), writable, dirty. */
static vm_fault_t do_shared_fault(struct vm_area_struct *vma,
				  unsigned long addr)
{
	fault_readahead(vma, linear_page_index(vma, addr));
	return map_file_folio(vma, addr, PTE_WRITE | PTE_DIRTY | PTE_ACCESSED,
			      true);
}

/*
 * A driver's VMA (__do_fault with vm_ops->fault): the driver's page, or a
 * private copy for a write to a private VMA; a write to a shared VMA asks
 * page_mkwrite first (do_shared_fault). A handler that mapped the address
 * itself (vas_vmf_insert_pfn, vas_vm_insert_page: Linux's VM_FAULT_NOPAGE)
 * returns no page. Without a handler only pages the driver inserted exist:
 * SIGBUS.
 */
static vm_fault_t do_driver_fault(struct vm_area_struct *vma,
				  unsigned long addr, unsigned int flags)
{
	bool write = flags & FAULT_FLAG_WRITE;
	pte_t pflags = PTE_ACCESSED;
	struct vas_vm_fault vmf;
	struct page *page;
	vm_fault_t ret;
	int err;

	if (!vma->vm_ops || !vma->vm_ops->fault)
		return VM_FAULT_SIGBUS;
	if (flags & FAULT_FLAG_VMA_LOCK)
		return VM_FAULT_RETRY;
	vm_fault_init(&vmf, vma, addr, flags);
	err = vma->vm_ops->fault(&vmf);
	page = (struct page *)vmf.page;
	if (err) {
		if (page) {	/* the handler broke its contract */
			VAS_WARN_ON_ONCE(1);
			put_page(page);
		}
		return driver_errno(err);
	}
	if (!page) {
		pte_t *ptep, pte;

		/* VM_FAULT_NOPAGE: mapped by the handler, or it broke the rules */
		vas_rcu_read_lock();
		ptep = pt_walk(vma->vm_mm->pgd, addr);
		pte = ptep ? ptep_get(ptep) : PTE_NONE;
		vas_rcu_read_unlock();
		return pte_present(pte) ? 0 : VM_FAULT_SIGBUS;
	}
	if (PageAnon(page) || is_zero_page(page)) {
		VAS_WARN_ON_ONCE(1);	/* the handler broke its contract */
		put_page(page);
		return VM_FAULT_SIGBUS;
	}
	if (write && !(vma->vm_flags & VAS_VM_SHARED)) {
		page = anon_copy(vma, addr, page, flags, &ret);
		if (!page)
			return ret;
		return map_new_anon_page(vma->vm_mm, addr, page,
					 pflags | PTE_WRITE | PTE_DIRTY, NULL);
	} else if (write) {
		ret = do_page_mkwrite(vma, addr, page);
		if (ret) {
			put_page(page);
			return ret;
		}
	}
	if (write)
		pflags |= PTE_WRITE | PTE_DIRTY;
	return map_new_page(vma->vm_mm, addr, page, pflags);
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long addr,
			   unsigned int flags)
{
	return handle_mm_fault_access(vma, addr, flags, NULL);
}

vm_fault_t handle_mm_fault_access(struct vm_area_struct *vma,
				  unsigned long addr, unsigned int flags,
				  struct fault_access *fa)
{
	struct mm_struct *mm = vma->vm_mm;
	bool write = flags & FAULT_FLAG_WRITE;
	struct pt_lock *ptl;
	pte_t *ptep, pte;

	if (flags & FAULT_FLAG_VMA_LOCK) {	/* the VMA's read lock */
		vma_assert_locked(vma);
		VAS_BUG_ON(lockdep_held_mode(vma) == LOCK_MODE_NONE);
	} else {
		mmap_assert_locked(mm);
	}
	addr &= PAGE_MASK;
	if (!vma_access_ok(vma, write))
		return VM_FAULT_SIGSEGV;
	/*
	 * An empty entry needs no lock to classify: each case re-checks it
	 * under the leaf lock before it installs anything.
	 */
	vas_rcu_read_lock();
	ptep = pt_walk(mm->pgd, addr);
	pte = ptep ? ptep_get(ptep) : PTE_NONE;
	vas_rcu_read_unlock();
	if (pte_none(pte))
		goto none;
	ptep = pte_get_locked(mm, addr, &ptl);
	if (!ptep)
		return VM_FAULT_OOM;
	pte = ptep_get(ptep);
	if (pte_is_guard(pte)) {
		pte_unmap_unlock(ptep, ptl);
		return VM_FAULT_SIGSEGV;
	}
	if (pte_present(pte)) {
		if ((write || (flags & FAULT_FLAG_UNSHARE)) && !pte_write(pte))
			return do_wp_page(vma, addr, flags, ptep, ptl, pte,
					  write ? fa : NULL);
		/* spurious: just make it young (and dirty) */
		if (pte != pte_mkyoung(write ? pte_mkdirty(pte) : pte))
			set_pte(ptep, pte_mkyoung(write ? pte_mkdirty(pte) : pte));
		pte_unmap_unlock(ptep, ptl);
		return 0;
	}
	pte_unmap_unlock(ptep, ptl);
none:
	if (!write)
		fa = NULL;	/* only writes are made here */
	if (!vma->vm_file)
		return do_anonymous_page(vma, addr, flags, fa);
	if (vma->vm_file->kind == VAS_FILE_DRIVER)
		return do_driver_fault(vma, addr, flags);
	if (!write)
		return do_read_fault(vma, addr);
	if (!(vma->vm_flags & VAS_VM_SHARED))
		return do_cow_fault(vma, addr, flags, fa);
	return do_shared_fault(vma, addr);
}

vm_fault_t fault_in_range(struct vm_area_struct *vma, unsigned long start,
			  unsigned long end, bool write)
{
	/* GUP faults as an access would, fault-around included */
	unsigned int flags = write ? FAULT_FLAG_WRITE : 0;
	unsigned long addr;
	vm_fault_t ret;

	mmap_assert_locked(vma->vm_mm);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		pte_t *ptep;
		pte_t pte;

		/* follow_page(): already there, as the access needs it? */
		vas_rcu_read_lock();
		ptep = pt_walk(vma->vm_mm->pgd, addr);
		pte = ptep ? ptep_get(ptep) : PTE_NONE;
		vas_rcu_read_unlock();
		if (pte_present(pte) && (!write || pte_write(pte)))
			continue;
		ret = handle_mm_fault(vma, addr, flags);
		if (ret)
			return ret;
	}
	return 0;
}
