// SPDX-License-Identifier: MIT
/*
 * mmap.c - mmap(2): argument checks in Linux 6.18's order (do_mmap),
 * address selection (x86-64 top-down, arch_get_unmapped_area_topdown),
 * and mmap_region: the implicit unmap of MAP_FIXED, the merge with the
 * neighbours, the file's mmap hook, all committed with one atomic store.
 */
#include <errno.h>
#include <limits.h>
#include "base/abi.h"
#include "base/bug.h"
#include "vma/anon_vma.h"
#include "page/file.h"
#include "fault/fault.h"
#include "mmap/mmap_internal.h"
#include "vma/access.h"

/* The huge page size of MAP_HUGETLB (x86-64's default hstate: PMD). */
#define HUGE_SHIFT 21
#define HUGE_SIZE (1UL << HUGE_SHIFT)

/* Flags that MAP_SHARED accepts without validation (LEGACY_MAP_MASK). */
#define LEGACY_MAP_MASK                                                       \
	(VAS_MAP_SHARED | VAS_MAP_PRIVATE | VAS_MAP_FIXED | VAS_MAP_ANONYMOUS | \
	 VAS_MAP_DENYWRITE | VAS_MAP_EXECUTABLE | VAS_MAP_UNINITIALIZED |      \
	 VAS_MAP_GROWSDOWN | VAS_MAP_LOCKED | VAS_MAP_NORESERVE |              \
	 VAS_MAP_POPULATE | VAS_MAP_NONBLOCK | VAS_MAP_STACK | VAS_MAP_HUGETLB)

/* MAP_* -> VM_* (calc_vm_flag_bits). */
static unsigned long calc_vm_flag_bits(int flags)
{
	return (flags & VAS_MAP_GROWSDOWN ? VAS_VM_GROWSDOWN : 0) |
	       (flags & VAS_MAP_LOCKED ? VAS_VM_LOCKED : 0) |
	       (flags & VAS_MAP_STACK ? VAS_VM_NOHUGEPAGE : 0);
}

/* The lowest address a VMA's guard gap leaves free below it. */
static unsigned long vm_start_gap(struct mm_struct *mm,
				  const struct vm_area_struct *vma)
{
	unsigned long start = vma->vm_start;

	if (vma->vm_flags & VAS_VM_GROWSDOWN) {
		start -= mm->machine->cfg.stack_guard_gap;
		if (start > vma->vm_start)
			start = 0;
	}
	return start;
}

/*
 * The highest free gap of @len bytes below @high and at or above @low
 * (vm_unmapped_area, top-down). Return: its start, or -ENOMEM.
 */
static long unmapped_area_topdown(struct mm_struct *mm, unsigned long len,
				  unsigned long low, unsigned long high)
	VAS_REQUIRES(mm)
{
	unsigned long gap_end = high, s, e;
	struct vm_area_struct *vma;

	if (high < low || high - low < len)
		return -ENOMEM;
	/* Walk down from the VMA that contains or follows high - 1. */
	vma = rt_find(&mm->mm_mt, high - 1, &s, &e);
	for (;;) {
		unsigned long gap_start, top = gap_end;

		if (vma && vma->vm_start < high) {
			unsigned long sg = vm_start_gap(mm, vma);

			if (sg < top)
				top = sg;
		}
		vma = rt_prev(&mm->mm_mt, vma ? vma->vm_start : high, &s, &e);
		gap_start = vma ? e : 0;
		if (gap_start < low)
			gap_start = low;
		if (top > gap_start && top - gap_start >= len)
			return (long)(top - len);
		if (!vma || e <= low)
			return -ENOMEM;
		gap_end = top;
	}
}

/* Bottom-up fallback (arch_get_unmapped_area). */
static long unmapped_area_bottomup(struct mm_struct *mm, unsigned long len)
	VAS_REQUIRES(mm)
{
	unsigned long addr = mm->mmap_base / 3 & PAGE_MASK, s, e;
	struct vm_area_struct *vma;

	while (addr + len <= VAS_TASK_SIZE && addr + len > addr) {
		vma = rt_find(&mm->mm_mt, addr, &s, &e);
		if (!vma || addr + len <= vm_start_gap(mm, vma))
			return (long)addr;
		addr = e;
	}
	return -ENOMEM;
}

/*
 * get_unmapped_area() from the caller's position @vmi (rt_iter_seek():
 * the hint's check leaves it at the hint for the mapping's own walks).
 */
static long get_unmapped_area_vmi(struct mm_struct *mm, struct rt_iter *vmi,
				  unsigned long addr, unsigned long len,
				  int flags) VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma;
	long found;

	if (len > VAS_TASK_SIZE)
		return -ENOMEM;
	if (flags & VAS_MAP_FIXED) {
		found = (long)addr;
	} else {
		if (addr) {
			addr &= PAGE_MASK;
			/* mmap_address_hint_valid() */
			if (VAS_TASK_SIZE - len >= addr) {
				/* find_vma(addr), kept in @vmi */
				vma = rt_iter_seek(vmi, addr, ULONG_MAX);
				if (!vma || addr + len <= vm_start_gap(mm, vma))
					return (long)addr;
			}
		}
		found = unmapped_area_topdown(mm, len, PAGE_SIZE, mm->mmap_base);
		if (found < 0)
			found = unmapped_area_bottomup(mm, len);
		if (found < 0)
			return found;
	}
	if ((unsigned long)found > VAS_TASK_SIZE - len)
		return -ENOMEM;
	if ((unsigned long)found & ~PAGE_MASK)
		return -EINVAL;
	/*
	 * security_mmap_addr(), cap_mmap_addr(): below vm.mmap_min_addr
	 * only with CAP_SYS_RAWIO, whoever chose the address.
	 */
	if ((unsigned long)found < mm->machine->cfg.mmap_min_addr &&
	    !__atomic_load_n(&mm->cap_sys_rawio, __ATOMIC_RELAXED))
		return -EPERM;
	return found;
}

long get_unmapped_area(struct mm_struct *mm, unsigned long addr,
		       unsigned long len, int flags)
{
	struct rt_iter vmi;

	rt_iter_init(&vmi, &mm->mm_mt, 0, 0);
	return get_unmapped_area_vmi(mm, &vmi, addr, len, flags);
}

/* What [start, end) holds now and its neighbours (count_overlap()). */
struct overlap {
	unsigned long pages, accounted;	/* pages mapped, accounted ones */
	bool sealed;			/* one of them is sealed */
	/* the VMAs that contain start - 1 and end (may reach inside) */
	struct vm_area_struct *prev, *next;
};

/*
 * count_overlap() - One walk of [start - 1, end + 1) from the caller's
 * position @vmi (Linux's vms_gather_munmap_vmas + vma_prev/vma_next on one
 * vma_iterator): the pages of [start, end) mapped now, and the neighbours
 * as mmap_region() merges with them. @vmi is left sought to start - 1 (the
 * first VMA that ends above it), for the commit's walk.
 */
static void count_overlap(struct mm_struct *mm, struct rt_iter *vmi,
			  unsigned long start, unsigned long end,
			  struct overlap *o) VAS_REQUIRES(mm)
{
	(void)mm;	/* the walk is of mm->mm_mt, through @vmi */
	struct vm_area_struct *vma;
	struct rt_iter it;
	unsigned long s, e;

	*o = (struct overlap){ 0 };
	/* end + 1 does not wrap: end <= VAS_TASK_SIZE */
	if (!rt_iter_seek(vmi, start ? start - 1 : 0, end + 1))
		return;		/* nothing there, no neighbour */
	it = *vmi;
	while ((vma = rt_iter_next(&it, &s, &e))) {
		unsigned long os = max_t(unsigned long, s, start);
		unsigned long oe = min_t(unsigned long, e, end), n;

		if (s < start)		/* e > start - 1: holds start - 1 */
			o->prev = vma;
		if (e > end)		/* s <= end: holds end */
			o->next = vma;
		if (os >= oe)
			continue;
		n = (oe - os) >> PAGE_SHIFT;
		o->pages += n;
		if (vma->vm_flags & VAS_VM_ACCOUNT)
			o->accounted += n;
		if (vma->vm_flags & VAS_VM_SEALED)
			o->sealed = true;
	}
}

/* Call the file's mmap hook on the new, still invisible @vma. */
static int call_mmap(struct vas_file *file, struct vm_area_struct *vma)
{
	int err;

	if (file->kind != VAS_FILE_DRIVER)
		return 0;
	vma_new_begin(vma);
	err = file->ops->mmap(file, vma_new(vma));
	vma_new_end(vma);
	/* vm_ops of a size this library does not know: as a failed hook */
	if (!err && vma->vm_ops && !vm_ops_size_ok(vma->vm_ops))
		err = -EINVAL;
	return err;
}

/*
 * mmap_region() - Map [addr, addr + len) with @vm_flags, replacing what is
 * there, merging with the neighbours Linux would merge with.
 *
 *	|--L--|.....|--R--|   L and R straddle the edges: after the implicit
 *	     [addr   end)     unmap, "prev" is L's lower part and "next" R's
 *	                      upper part; either may take the new range.
 */
static long mmap_region(struct mm_struct *mm, struct rt_iter *vmi,
			struct vas_file *file, unsigned long addr,
			unsigned long len, unsigned long vm_flags,
			unsigned long pgoff)
	VAS_REQUIRES(mm)
{
	unsigned long end = addr + len, pglen = len >> PAGE_SHIFT;
	unsigned long charged;
	unsigned long nr_pages, nr_accounted, te = end;
	struct vm_area_struct *vma;
	struct overlap o;
	int err;
	VMG_STATE(vmg, mm, addr, end, vm_flags, pgoff);

	mmap_assert_write_locked(mm);
	count_overlap(mm, vmi, addr, end, &o);
	nr_pages = o.pages;
	nr_accounted = o.accounted;
	if (o.sealed)
		return munmap_check_sealed(mm, addr, end);
	if (!may_expand_vm(mm, vm_flags, pglen - nr_pages))
		return -ENOMEM;
	/*
	 * accountable_mapping(): private writable memory is committed; what
	 * it replaces was, in so far as it was accounted (the charge passes
	 * to the new mapping).
	 */
	if ((vm_flags & (VAS_VM_NORESERVE | VAS_VM_SHARED | VAS_VM_WRITE)) ==
	    VAS_VM_WRITE) {
		charged = pglen - nr_accounted;
		if (charged && vm_enough_memory(mm, charged))
			return -ENOMEM;
		vm_flags |= VAS_VM_ACCOUNT;
	}
	/*
	 * shmem_zero_setup(): the shmem object of shared anonymous memory
	 * is committed whole unless VM_NORESERVE (shmem_acct_size). Checked
	 * only: the object does not hold the charge (vas_machine_committed()
	 * leaves shared anonymous memory out).
	 */
	if (file && file->kind == VAS_FILE_SHMEM &&
	    !(vm_flags & VAS_VM_NORESERVE) && vm_enough_memory(mm, pglen))
		return -ENOMEM;

	/*
	 * The neighbours as they will be once [addr, end) is unmapped. A
	 * neighbour cut by the range that has vm_ops with open or close is
	 * not merged with (the engine refuses): its pieces get objects of
	 * their own (the commit's open and close calls), and the new range a
	 * VMA of its own. (Linux would grow one of the pieces over the range;
	 * only a driver that leaves its VMA's flags unchanged and maps over
	 * its own mapping sees the difference.)
	 */
	vmg.vm_flags = vm_flags;
	vmg.file = file;
	vmg.prev = o.prev;	/* count_overlap()'s walk: no lookup */
	vmg.next = o.next;
	vmg.vmi = vmi;
	if (nr_pages) {	/* MAP_FIXED: what was mapped there goes */
		vmg.zap_start = addr;
		vmg.zap_end = end;
	}
	if (vma_merge_new_range(&vmg))
		return (long)addr;
	if (vmg_nomem(&vmg))
		return -ENOMEM;

	/*
	 * A new VMA (also when next is the upper part of one VMA that
	 * straddles both edges and merges: the new VMA takes the place of
	 * that part, with its vm_ops, and no hook runs, as Linux grows the
	 * split-off part instead)
	 */
	vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	/* mlockall(MCL_FUTURE) does not lock droppable memory */
	if (vm_flags & VAS_VM_DROPPABLE)
		vma->vm_flags &= ~(VAS_VM_LOCKED | VAS_VM_LOCKONFAULT);
	vma->vm_pgoff = pgoff;
	if (file)
		vma->vm_file = vma_file_get(file);
	if (vmg.merge_next) {
		te = vmg.next->vm_end;
		vma->vm_ops = vmg.next->vm_ops;
		vma->vm_private_data = vmg.next->vm_private_data;
	}
	{
		VMC_STATE(c, addr, te, vma, pgoff);
		bool hook = te == end && file &&
			    file->kind == VAS_FILE_DRIVER;

		/* MAP_FIXED: what was mapped there goes */
		if (nr_pages) {
			c.zap_start = addr;
			c.zap_end = end;
		}
		c.may_gap = hook;
		c.vmi = vmi;
		err = vmc_prepare(mm, &c);
		if (err)
			goto out_free;
		if (hook) {
			/*
			 * __mmap_region(): every allocation is done; the old
			 * mapping goes (pages, close ops) before the hook, so
			 * it sees an empty range. From here the range is
			 * either the new mapping or a gap.
			 */
			vmc_clean_up(mm, &c);
			err = call_mmap(file, vma);
			if (err) {
				/*
				 * Undo any partial mapping done by the driver
				 * and leave the range unmapped
				 * (vms_abort_munmap_vmas).
				 */
				vmc_drop_target(&c);
				vmc_commit(mm, &c);
				goto out_free;
			}
			/* The hook may have made the mapping special. */
			if ((vma->vm_flags & VAS_VM_SPECIAL) &&
			    (vma->vm_flags & VAS_VM_LOCKED))
				vma->vm_flags &= ~(VAS_VM_LOCKED |
						   VAS_VM_LOCKONFAULT);
		}
		vmc_commit(mm, &c);
	}
	return (long)addr;

out_free:
	vm_area_free(vma);
	return err;
}

/*
 * do_mmap() - @shmem: the shmem object a shared anonymous mapping gets
 * (file is NULL then), so that it merges only with its own pieces.
 */
static long do_mmap(struct mm_struct *mm, struct vas_file *file,
		    struct vas_file *shmem, unsigned long addr,
		    unsigned long len, int prot, int flags, unsigned long pgoff)
	VAS_REQUIRES(mm)
{
	const struct vas_machine_config *cfg = &mm->machine->cfg;
	bool hugetlb = !file && (flags & VAS_MAP_HUGETLB);
	unsigned long vm_flags;
	struct rt_iter vmi;	/* one position for the whole call */
	long found;

	if (!len)
		return -EINVAL;
	if (flags & VAS_MAP_FIXED_NOREPLACE)
		flags |= VAS_MAP_FIXED;
	if (!(flags & VAS_MAP_FIXED)) {
		/* round_hint_to_min() */
		addr &= PAGE_MASK;
		if (addr && addr < mmap_min_addr(mm->machine))
			addr = mmap_min_addr(mm->machine);
	}
	if (len > ULONG_MAX - PAGE_SIZE + 1)
		return -ENOMEM;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if ((unsigned long)mm->map_count > mm->machine->cfg.max_map_count)
		return -ENOMEM;
	vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) |
		   mm->def_flags | VAS_VM_MAYREAD | VAS_VM_MAYWRITE |
		   VAS_VM_MAYEXEC;
	rt_iter_init(&vmi, &mm->mm_mt, 0, 0);
	found = get_unmapped_area_vmi(mm, &vmi, addr, len, flags);
	if (found < 0)
		return found;
	addr = (unsigned long)found;
	/* hugetlb_get_unmapped_area(): a fixed address must be aligned */
	if (hugetlb && (flags & VAS_MAP_FIXED) && (addr & (HUGE_SIZE - 1)))
		return -EINVAL;
	if (flags & VAS_MAP_FIXED_NOREPLACE) {
		/* find_vma_intersection(), kept in vmi */
		if (rt_iter_seek(&vmi, addr, addr + len))
			return -EEXIST;
	}
	if ((flags & VAS_MAP_LOCKED) &&
	    !__atomic_load_n(&mm->cap_ipc_lock, __ATOMIC_RELAXED) &&
	    rlimit_pages(mm, VAS_RLIMIT_MEMLOCK) == 0)
		return -EPERM;
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;
	if (hugetlb) {
		/*
		 * Anonymous MAP_HUGETLB maps a hugetlbfs file in Linux, so
		 * the checks are a file's (MAP_SHARED_VALIDATE accepts
		 * MAP_HUGETLB; MAP_DROPPABLE is refused).
		 */
		switch (flags & VAS_MAP_TYPE) {
		case VAS_MAP_SHARED:
		case VAS_MAP_PRIVATE:
			break;
		case VAS_MAP_SHARED_VALIDATE:
			if (flags & ~LEGACY_MAP_MASK)
				return -EOPNOTSUPP;
			break;
		default:
			return -EINVAL;
		}
		if (vm_flags & VAS_VM_GROWSDOWN)
			return -EINVAL;
		/*
		 * hugetlbfs_file_mmap(): the machine has no huge pages to
		 * reserve (nr_hugepages 0). Linux maps the range when
		 * MAP_NORESERVE skips the reservation (and every access
		 * then gets SIGBUS); the model refuses that too.
		 */
		return -ENOMEM;
	}
	if (file) {
		/* file_mmap_ok(): offsets up to MAX_LFS_FILESIZE for regular
		 * files and shmem, ULONG_MAX for drivers */
		unsigned long maxsize = file->kind == VAS_FILE_DRIVER ?
					~0UL : 0x7fffffffffffffffUL;

		if (len > maxsize || pgoff > (maxsize - len) >> PAGE_SHIFT)
			return -EOVERFLOW;
		switch (flags & VAS_MAP_TYPE) {
		case VAS_MAP_SHARED:
			flags &= LEGACY_MAP_MASK;
			/* fall through */
		case VAS_MAP_SHARED_VALIDATE:
			if (flags & ~LEGACY_MAP_MASK)
				return -EOPNOTSUPP;
			if ((prot & VAS_PROT_WRITE) &&
			    !(file->mode & VAS_FMODE_WRITE))
				return -EACCES;
			vm_flags |= VAS_VM_SHARED | VAS_VM_MAYSHARE;
			if (!(file->mode & VAS_FMODE_WRITE))
				vm_flags &= ~(VAS_VM_MAYWRITE | VAS_VM_SHARED);
			/* fall through */
		case VAS_MAP_PRIVATE:
			if (!(file->mode & VAS_FMODE_READ))
				return -EACCES;
			if (!file_has_mmap(file))
				return -ENODEV;
			if (vm_flags & VAS_VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & VAS_MAP_TYPE) {
		case VAS_MAP_SHARED:
			if (vm_flags & VAS_VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VAS_VM_SHARED | VAS_VM_MAYSHARE;
			break;
		case VAS_MAP_DROPPABLE:
			/*
			 * Linux 6.11: memory the kernel may drop under
			 * pressure; never locked, never a stack, not copied on
			 * fork nor dumped, and not committed.
			 */
			if (flags & (VAS_MAP_LOCKED | VAS_MAP_HUGETLB))
				return -EINVAL;
			if (vm_flags & VAS_VM_GROWSDOWN)
				return -EINVAL;
			vm_flags |= VAS_VM_DROPPABLE | VAS_VM_NORESERVE |
				    VAS_VM_WIPEONFORK | VAS_VM_DONTDUMP;
			/* fall through */
		case VAS_MAP_PRIVATE:
			pgoff = addr >> PAGE_SHIFT;
			break;
		default:
			return -EINVAL;
		}
	}
	/* honoured only where overcommit is allowed */
	if ((flags & VAS_MAP_NORESERVE) &&
	    cfg->overcommit_memory != VAS_OVERCOMMIT_NEVER)
		vm_flags |= VAS_VM_NORESERVE;
	return mmap_region(mm, &vmi, file ? file : shmem, addr, len, vm_flags,
			   pgoff);
}

int vas_mmap(struct vas_mm_user *u, unsigned long addr, unsigned long len,
	     int prot, int flags, struct vas_file *file, unsigned long off,
	     unsigned long *addrp)
{
	struct mm_struct *mm = mm_of_user(u);
	struct vas_file *shmem = NULL;
	long ret;

	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (flags & VAS_MAP_ANONYMOUS) {
		file = NULL;
		if (flags & VAS_MAP_HUGETLB) {
			/*
			 * ksys_mmap_pgoff(): the huge page size must be one
			 * the machine knows (the default, 2 MiB, is the only
			 * one), and the length is rounded up to it.
			 */
			unsigned int log = ((unsigned int)flags >>
					    VAS_MAP_HUGE_SHIFT) &
					   VAS_MAP_HUGE_MASK;

			if (log && log != HUGE_SHIFT)
				return -EINVAL;
			len = (len + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
		}
	} else if (!file) {
		return -EBADF;
	} else if (flags & VAS_MAP_HUGETLB) {
		return -EINVAL;	/* not a hugetlbfs file */
	}
	flags &= ~(VAS_MAP_EXECUTABLE | VAS_MAP_DENYWRITE);
	if (!file && (flags & VAS_MAP_TYPE) == VAS_MAP_SHARED) {
		/* shared anonymous memory lives in a shmem object */
		shmem = shmem_file_setup(mm->machine->frames, mm->machine, len);
		if (!shmem)
			return -ENOMEM;
	}
	mmap_write_lock(mm);
	ret = do_mmap(mm, file, shmem, addr, len, prot, flags,
		      off >> PAGE_SHIFT);
	/*
	 * An anonymous mapping is VM_LOCKED only through MAP_LOCKED or
	 * def_flags (no hook changes its flags): without those and
	 * MAP_POPULATE there is nothing to populate, and no lookup to do.
	 */
	if (ret >= 0 && (file || (flags & (VAS_MAP_LOCKED | VAS_MAP_POPULATE)) ||
			 (mm->def_flags & VAS_VM_LOCKED))) {
		/* mm_populate() for MAP_LOCKED and MAP_POPULATE; errors ignored */
		struct vm_area_struct *v = rt_lookup(&mm->mm_mt, (unsigned long)ret,
						     NULL, NULL);

		if (v && ((v->vm_flags & VAS_VM_LOCKED) ||
			  /* do_mmap() decides on the flags before
			   * droppable memory sheds VM_LOCKED */
			  ((v->vm_flags & VAS_VM_DROPPABLE) &&
			   (mm->def_flags & VAS_VM_LOCKED)) ||
			  (flags & (VAS_MAP_POPULATE | VAS_MAP_NONBLOCK)) ==
				  VAS_MAP_POPULATE))
			mm_populate(mm, (unsigned long)ret,
					     (unsigned long)ret +
					     ((len + PAGE_SIZE - 1) & PAGE_MASK));
	}
	mmap_write_unlock(mm);
	if (shmem)
		vas_file_put(shmem);
	if (ret < 0)
		return (int)ret;
	*addrp = (unsigned long)ret;
	return 0;
}
