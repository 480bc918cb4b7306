/* SPDX-License-Identifier: MIT */
/*
 * mman.h - the mmap family of system calls on an address space, with the
 * semantics and errno values of Linux 6.18 (x86-64, 4-level paging).
 *
 * Each call takes the mmap lock itself (VAS_EXCLUDES: the caller must not
 * hold it) and returns 0 or a negative errno; addresses come back through
 * an out-parameter. A failed call leaves the address space as Linux leaves
 * it: unchanged, except where Linux itself stops part-way (mprotect,
 * madvise and mlock over several VMAs change the VMAs before the one that
 * failed, as documented per call).
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_MMAN_H
#define VAS_MMAN_H

#include <vas/defs.h>
#include <vas/mm.h>
#include <vas/uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_file;

/**
 * vas_mmap() - mmap(2).
 * @file: the file to map (its reference is taken), or NULL with
 *        VAS_MAP_ANONYMOUS.
 * @off:  file offset in bytes (page aligned).
 * @addrp: receives the address of the mapping.
 * Return: 0 or -errno.
 */
VAS_API int vas_mmap(struct vas_mm_user *mm, unsigned long addr,
		     unsigned long len, int prot, int flags,
		     struct vas_file *file, unsigned long off,
		     unsigned long *addrp) VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/** vas_munmap() - munmap(2). Return: 0 or -errno. */
VAS_API int vas_munmap(struct vas_mm_user *mm, unsigned long addr,
		       unsigned long len) VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_mprotect() - mprotect(2). On an error part-way through a range of
 * several VMAs, the VMAs before the failing point keep the new protection
 * (as in Linux).
 */
VAS_API int vas_mprotect(struct vas_mm_user *mm, unsigned long addr,
			 unsigned long len, int prot)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_mremap() - mremap(2) with VAS_MREMAP_* @flags; @new_addr is used
 * (and checked) only with MREMAP_FIXED or MREMAP_DONTUNMAP, ignored
 * otherwise. With MREMAP_FIXED and equal
 * lengths, several VMAs move together (Linux 6.18).
 * Return: 0 with the new address in *@addrp, or -errno.
 */
VAS_API int vas_mremap(struct vas_mm_user *mm, unsigned long addr,
		       unsigned long old_len, unsigned long new_len, int flags,
		       unsigned long new_addr, unsigned long *addrp)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_mlock() / vas_mlock2() / vas_munlock() - mlock(2), mlock2(2) with
 * VAS_MLOCK_ONFAULT, munlock(2). Like Linux, VMAs before a hole in the
 * range keep their new state and -ENOMEM is returned.
 */
VAS_API int vas_mlock(struct vas_mm_user *mm, unsigned long addr,
		      unsigned long len) VAS_EXCLUDES(mm) VAS_MUST_CHECK;
VAS_API int vas_mlock2(struct vas_mm_user *mm, unsigned long addr,
		       unsigned long len, int flags)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;
VAS_API int vas_munlock(struct vas_mm_user *mm, unsigned long addr,
			unsigned long len) VAS_EXCLUDES(mm) VAS_MUST_CHECK;
/** vas_mlockall() / vas_munlockall() - mlockall(2) (VAS_MCL_*), munlockall(2). */
VAS_API int vas_mlockall(struct vas_mm_user *mm, int flags)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;
VAS_API int vas_munlockall(struct vas_mm_user *mm)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_madvise() - madvise(2), every advice of Linux 6.18 (VAS_MADV_*).
 *
 * The advices that change VMA flags (normal, random, sequential, dontfork,
 * dofork, wipeonfork, keeponfork, dontdump, dodump, hugepage, nohugepage,
 * mergeable, unmergeable) split and merge at the edges of the range;
 * guard_install puts guard markers in the page tables and marks the VMA
 * VM_MAYBE_GUARD ("gu"). The advices on resident pages: dontneed and
 * dontneed_locked zap them; free cleans the anonymous pages mapped only
 * there and marks them lazily freed; pageout drops those still clean and
 * the clean, singly mapped folios of host files, and unmaps the singly
 * mapped pages of shared anonymous memory (they stay in it: no swap);
 * guard_remove removes the guard markers; willneed and cold change
 * nothing vas shows. Unmapped
 * parts of the range are skipped and reported as -ENOMEM at the end, as in
 * Linux.
 * remove punches a hole in the file behind each shared writable file VMA
 * of the range (-EOPNOTSUPP for a driver file) and zaps its mappings
 * everywhere. populate_read and populate_write stop at the first hole
 * (-ENOMEM), VM_IO/VM_PFNMAP VMA or VMA without the needed access
 * (-EINVAL), or page past the end of a file (-EFAULT). collapse returns
 * -EINVAL (no transparent huge pages).
 *
 * Context: takes the mmap lock: for write for the flag advices,
 * guard_install and collapse, for read for the others (remove drops it for
 * the file operation, as Linux does); may block, may allocate.
 * Return: 0 or -errno.
 */
VAS_API int vas_madvise(struct vas_mm_user *mm, unsigned long addr,
			unsigned long len, int advice)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/** vas_mseal() - mseal(2): @flags must be 0. All-or-nothing for holes. */
VAS_API int vas_mseal(struct vas_mm_user *mm, unsigned long addr,
		      unsigned long len, unsigned long flags)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_msync() - msync(2) (VAS_MS_*). Context: takes the mmap lock for
 * read.
 */
VAS_API int vas_msync(struct vas_mm_user *mm, unsigned long addr,
		      unsigned long len, int flags)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_mm_set_brk_start() - Where the heap starts (what exec sets up: the
 * end of the data segment, page aligned). Until it is set, brk only
 * reports 0. Context: takes the mmap lock for write. Return: 0, -EINVAL
 * (not page aligned or not below TASK_SIZE) or -EBUSY (already set).
 */
VAS_API int vas_mm_set_brk_start(struct vas_mm_user *mm, unsigned long start)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_brk() - brk(2): move the program break to @brk. Like the system
 * call it cannot fail: *@brkp receives the new break, or the old one when
 * the request was refused (below the start, RLIMIT_DATA, a mapping or a
 * stack guard gap in the way, no memory). Return: 0.
 */
VAS_API int vas_brk(struct vas_mm_user *mm, unsigned long brk,
		    unsigned long *brkp) VAS_EXCLUDES(mm);

/* Resource limits of an address space (RLIMIT_*). */
enum vas_rlimit {
	VAS_RLIMIT_AS,
	VAS_RLIMIT_DATA,
	VAS_RLIMIT_MEMLOCK,
	VAS_RLIMIT_STACK,
	VAS_NR_RLIMITS
};
#define VAS_RLIM_INFINITY (~0UL)

/**
 * vas_mm_set_rlimit() - Set the soft limit @resource of @mm, in bytes.
 * Defaults: unlimited, except RLIMIT_MEMLOCK 8 MiB and RLIMIT_STACK 8 MiB.
 * Context: takes the mmap lock for write. Return: 0 or -EINVAL.
 */
VAS_API int vas_mm_set_rlimit(struct vas_mm_user *mm, enum vas_rlimit resource,
			      unsigned long value) VAS_EXCLUDES(mm);
/** vas_mm_get_rlimit() - The soft limit, in bytes. Context: any. */
VAS_API unsigned long vas_mm_get_rlimit(struct vas_mm_user *mm,
					enum vas_rlimit resource);
/**
 * vas_mm_set_cap_ipc_lock() - Whether the "process" has CAP_IPC_LOCK (mlock
 * beyond RLIMIT_MEMLOCK; default true, as for root). Context: any.
 */
VAS_API void vas_mm_set_cap_ipc_lock(struct vas_mm_user *mm, bool capable);
/**
 * vas_mm_set_cap_sys_rawio() - Whether the "process" has CAP_SYS_RAWIO.
 * Without it (the default, as for an ordinary process) a mapping at a
 * fixed address below the machine's mmap_min_addr (MAP_FIXED,
 * MAP_FIXED_NOREPLACE, MREMAP_FIXED) fails with -EPERM, and a mapping that
 * starts there (made while it had the capability) cannot grow in place:
 * Linux's cap_mmap_addr(). A fork's child inherits it. Context: any.
 */
VAS_API void vas_mm_set_cap_sys_rawio(struct vas_mm_user *mm, bool capable);
/**
 * vas_mm_set_cap_sys_admin() - Whether the "process" has CAP_SYS_ADMIN
 * (default true, as for root). Without it, commit accounting in
 * VAS_OVERCOMMIT_NEVER mode keeps the machine's admin_reserve_kbytes out of
 * its reach (struct vas_machine_config). A fork's child inherits it.
 * Context: any.
 */
VAS_API void vas_mm_set_cap_sys_admin(struct vas_mm_user *mm, bool capable);

#ifdef __cplusplus
}
#endif

#endif /* VAS_MMAN_H */
