// SPDX-License-Identifier: MIT
/*
 * uaccess.c - user access to an address space (vas_read, vas_write,
 * vas_fill, vas_fault): the x86 fault handler's locking (per-VMA read lock
 * first, then the mmap read lock), page by page.
 *
 * A present entry that allows the access is used at once: its bytes are
 * copied under the leaf table's lock, which keeps the page mapped (a zap
 * needs that lock) and so keeps it from being freed meanwhile. An entry
 * that does not allow it is read without the lock and goes to the fault,
 * which takes the lock itself; a write fault makes the access itself where
 * it holds the page (a new page before it is mapped, a reused one under
 * the lock: struct fault_access), else the access is retried.
 */
#include <errno.h>
#include <string.h>
#include <vas/memory.h>
#include "page/page.h"
#include "fault/fault.h"
#include "vma/vma.h"

/* What one access moves: @buf in or out, or @fill into memory. */
struct access {
	bool write;
	bool touch;		/* vas_fault: fault only, move no bytes */
	int fill;		/* >= 0: vas_fill's byte */
	unsigned char *buf;	/* vas_read's destination */
	const unsigned char *src;	/* vas_write's source */
};

/* Move @n bytes at @kaddr; the access's position stays (advance()). */
static void copy_bytes(const struct access *a, unsigned char *kaddr, size_t n)
{
	if (a->touch)
		return;
	if (!a->write)
		memcpy(a->buf, kaddr, n);
	else if (a->fill >= 0)
		memset(kaddr, a->fill, n);
	else
		memcpy(kaddr, a->src, n);
}

static void advance(struct access *a, size_t n)
{
	if (a->touch)
		return;
	if (!a->write)
		a->buf += n;
	else if (a->fill < 0)
		a->src += n;
}

static void move_bytes(struct access *a, unsigned char *kaddr, size_t n)
{
	copy_bytes(a, kaddr, n);
	advance(a, n);
}

/*
 * The part of an access in one page, for the fault to make. The fault may
 * make it on a page it then drops (it lost a race): the access's position
 * moves on only when the fault says it is done.
 */
struct page_access {
	struct fault_access fa;
	const struct access *a;
	unsigned long off, len;		/* in the page */
};

static void page_access_fn(struct fault_access *fa, unsigned char *kaddr)
{
	struct page_access *pa = container_of(fa, struct page_access, fa);

	copy_bytes(pa->a, kaddr + pa->off, pa->len);
}

/*
 * Access [*addrp, end) inside @vma, advancing *addrp past what was done.
 * Context: @vma held as @flags says. Return: 0 or VM_FAULT_*.
 */
static vm_fault_t access_vma(struct vm_area_struct *vma, unsigned long *addrp,
			     unsigned long end, struct access *a,
			     unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr = *addrp;
	vm_fault_t ret = 0;

	if (a->write)
		flags |= FAULT_FLAG_WRITE;
	if (end > vma->vm_end)
		end = vma->vm_end;
	while (addr < end) {
		unsigned long next = (addr & PAGE_MASK) + PAGE_SIZE;
		struct pt_lock *ptl;
		pte_t *ptep, pte;

		if (next > end)
			next = end;
		if (!vma_access_ok(vma, a->write)) {
			ret = VM_FAULT_SIGSEGV;
			break;
		}
		/* an entry that needs a fault is seen without the lock */
		ptep = pte_lock_usable(mm, addr, a->write, &ptl, &pte);
		if (ptep) {
			struct page *page =
				pfn_to_page(mm->machine->frames, pte_pfn(pte));
			pte_t young = pte_mkyoung(a->write ? pte_mkdirty(pte)
							   : pte);

			move_bytes(a, (unsigned char *)page_address(page) +
					      (addr & ~PAGE_MASK),
				   next - addr);
			if (young != pte)
				set_pte(ptep, young);
			pte_unmap_unlock(ptep, ptl);
			addr = next;
			continue;
		}
		/* a write fault makes the access where it holds the page */
		struct page_access pa = {
			.fa = { .fn = page_access_fn },
			.a = a,
			.off = addr & ~PAGE_MASK,
			.len = next - addr,
		};

		ret = a->write ? handle_mm_fault_access(vma, addr, flags, &pa.fa)
			       : handle_mm_fault(vma, addr, flags);
		if (ret)
			break;
		if (pa.fa.done) {
			advance(a, next - addr);
			addr = next;
		}
	}
	*addrp = addr;
	return ret;
}

static int fault_result(vm_fault_t ret, unsigned long addr,
			struct vas_fault_info *fi)
{
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (fi) {
		fi->signo = ret & VM_FAULT_SIGBUS ? VAS_SIGBUS : VAS_SIGSEGV;
		fi->addr = addr & PAGE_MASK;
	}
	return -EFAULT;
}

/* Is the VMA above @addr a stack that may grow down to it? Context: M. */
static bool stack_below(struct mm_struct *mm, unsigned long addr)
	VAS_REQUIRES_SHARED(mm)
{
	struct vm_area_struct *next = rt_find(&mm->mm_mt, addr, NULL, NULL);

	return next && (next->vm_flags & VAS_VM_GROWSDOWN);
}

static int access_mm(struct vas_mm_user *u, unsigned long addr, size_t len,
		     struct access *a, struct vas_fault_info *fi)
{
	struct mm_struct *mm = mm_of_user(u);
	unsigned long end = addr + len;
	vm_fault_t ret;

	if (!len)
		return 0;
	if (end < addr || end > VAS_TASK_SIZE) {
		/* the part below the top is accessed; then the first page
		 * past it faults */
		int err = addr < VAS_TASK_SIZE
				  ? access_mm(u, addr, VAS_TASK_SIZE - addr, a,
					      fi)
				  : 0;

		if (err)
			return err;
		return fault_result(VM_FAULT_SIGSEGV,
				    addr < VAS_TASK_SIZE ? VAS_TASK_SIZE : addr,
				    fi);
	}
	while (addr < end) {
		struct vm_area_struct *vma =
			mm->machine->cfg.fault_mmap_lock_only
				? NULL
				: lock_vma_under_rcu(mm, addr);

		if (vma) {
			ret = access_vma(vma, &addr, end, a,
					 FAULT_FLAG_VMA_LOCK);
			vma_end_read(vma);
			if (!ret)
				continue;
			if (ret != VM_FAULT_RETRY)
				return fault_result(ret, addr, fi);
			mm_stat_inc(mm, VAS_STAT_VMA_LOCK_RETRY);
		}
		mmap_read_lock(mm);
		vma = rt_lookup(&mm->mm_mt, addr, NULL, NULL);
		if (!vma && stack_below(mm, addr)) {
			/* lock_mm_and_find_vma(): grow the stack down */
			mmap_read_unlock(mm);
			mmap_write_lock(mm);
			vma = rt_find(&mm->mm_mt, addr, NULL, NULL);
			if (vma && vma->vm_start > addr &&
			    expand_stack_locked(mm, vma, addr))
				vma = NULL;
			mmap_write_downgrade(mm);
			if (vma && (vma->vm_start > addr || vma->vm_end <= addr))
				vma = NULL;
		}
		ret = vma ? access_vma(vma, &addr, end, a, 0) : VM_FAULT_SIGSEGV;
		mmap_read_unlock(mm);
		if (ret)
			return fault_result(ret, addr, fi);
	}
	return 0;
}

int vas_read(struct vas_mm_user *mm, unsigned long addr, void *buf,
	     size_t len, struct vas_fault_info *fi)
{
	struct access a = { .write = false, .fill = -1, .buf = buf };

	return access_mm(mm, addr, len, &a, fi);
}

int vas_write(struct vas_mm_user *mm, unsigned long addr, const void *buf,
	      size_t len, struct vas_fault_info *fi)
{
	struct access a = { .write = true, .fill = -1, .src = buf };

	return access_mm(mm, addr, len, &a, fi);
}

int vas_fill(struct vas_mm_user *mm, unsigned long addr, int byte,
	     size_t len, struct vas_fault_info *fi)
{
	struct access a = { .write = true, .fill = byte & 0xff };

	return access_mm(mm, addr, len, &a, fi);
}

int vas_fault(struct vas_mm_user *mm, unsigned long addr, unsigned int flags,
	      struct vas_fault_info *fi)
{
	struct access a = { .write = flags & VAS_FAULT_WRITE, .touch = true,
			    .fill = -1 };

	return access_mm(mm, addr & PAGE_MASK, 1, &a, fi);
}

long vas_mm_rss(struct vas_mm_user *mm, enum vas_rss which)
{
	if ((unsigned int)which >= NR_MM_COUNTERS)
		return 0;
	return __atomic_load_n(&mm_of_user(mm)->rss_stat[which],
			       __ATOMIC_RELAXED);
}
