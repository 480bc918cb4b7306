/* SPDX-License-Identifier: MIT */
/*
 * mm.h (internal) - the address space: counts, the mmap lock, per-VMA
 * locks, lookup, teardown and validation, in the kernel's names.
 */
#ifndef VAS_MM_MM_H
#define VAS_MM_MM_H

#include "mm/mm_types.h"

/* ---- counts (mm.c) ---- */
void mmgrab(struct mm_struct *mm);
void mmdrop(struct mm_struct *mm);
bool mmget_not_zero(struct mm_struct *mm) VAS_MUST_CHECK;
void mmget(struct mm_struct *mm);
/* Dropping a user, and with the last one the teardown: mmap/exit.c. */

static inline void mm_stat_inc(struct mm_struct *mm, enum vas_stat stat)
{
	stats_add(&mm->machine->stats, stat, 1);
}

/*
 * mmap_min_addr() - Linux's mmap_min_addr: the lowest address a hint is
 * raised to and a stack grows to, the larger of vm.mmap_min_addr and the
 * security module's floor. (Linux's dac_mmap_min_addr, the threshold of
 * CAP_SYS_RAWIO, is machine->cfg.mmap_min_addr.)
 */
static inline unsigned long mmap_min_addr(const struct vas_machine *machine)
{
	unsigned long dac = machine->cfg.mmap_min_addr;
	unsigned long lsm = machine->cfg.lsm_mmap_min_addr;

	return dac > lsm ? dac : lsm;
}

/* ---- the mmap lock (mmap_lock.c) ---- */
void mmap_read_lock(struct mm_struct *mm) VAS_ACQUIRE_SHARED(mm);
bool mmap_read_trylock(struct mm_struct *mm) VAS_TRY_ACQUIRE_SHARED(true, mm);
void mmap_read_unlock(struct mm_struct *mm) VAS_RELEASE_SHARED(mm);
void mmap_write_lock(struct mm_struct *mm) VAS_ACQUIRE(mm);
/* For fork: a second address space's lock while holding the first's. */
void mmap_write_lock_nested(struct mm_struct *mm) VAS_ACQUIRE(mm);
bool mmap_write_trylock(struct mm_struct *mm) VAS_TRY_ACQUIRE(true, mm);
void mmap_write_unlock(struct mm_struct *mm) VAS_RELEASE(mm);
void mmap_write_downgrade(struct mm_struct *mm)
	VAS_RELEASE(mm) VAS_ACQUIRE_SHARED(mm);

/*
 * Assertions: tell the analysis the lock is held, and check it at run time
 * in debug builds (the held-lock records). The write assertion also checks
 * the lock word in every build.
 */
void mmap_assert_locked(struct mm_struct *mm) VAS_ASSERT_SHARED_CAPABILITY(mm);
void mmap_assert_write_locked(struct mm_struct *mm) VAS_ASSERT_CAPABILITY(mm);
/* Whether the lock is held for write by anyone (racy unless held). */
bool mmap_lock_is_write_locked(struct mm_struct *mm);

/* ---- per-VMA locks (vma_lock.c) ---- */
struct vm_area_struct *vma_start_read(struct mm_struct *mm,
				      struct vm_area_struct *vma);
void vma_end_read(struct vm_area_struct *vma);
void vma_start_write(struct vm_area_struct *vma) VAS_REQUIRES(vma->vm_mm);
bool vma_is_write_locked(struct vm_area_struct *vma);
void vma_assert_write_locked(struct vm_area_struct *vma);
void vma_assert_locked(struct vm_area_struct *vma);
void vma_assert_attached(struct vm_area_struct *vma);
/* Whether @vma is in a tree (vm_refcnt non-zero). Context: mmap lock. */
static inline bool vma_is_attached(const struct vm_area_struct *vma)
{
	return __atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED) != 0;
}
void vma_assert_detached(struct vm_area_struct *vma);
void vma_mark_attached(struct vm_area_struct *vma) VAS_REQUIRES(vma->vm_mm);
void vma_mark_detached(struct vm_area_struct *vma) VAS_REQUIRES(vma->vm_mm);
struct vm_area_struct *lock_vma_under_rcu(struct mm_struct *mm,
					  unsigned long address);
/* Context: any. The VMA is readable by this thread (mmap lock or VMA lock). */
void vma_assert_stable(const struct vm_area_struct *vma);

/* ---- validation (validate.c) ---- */
int validate_mm(struct mm_struct *mm) VAS_REQUIRES_SHARED(mm);

#endif /* VAS_MM_MM_H */
