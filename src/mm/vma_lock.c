// SPDX-License-Identifier: MIT
/*
 * vma_lock.c - per-VMA locks, as Linux 6.18 has them.
 *
 * vm_refcnt:  0                 detached (not in any tree)
 *             1                 attached
 *             1 + n             attached, n readers
 *             + VMA_LOCK_OFFSET a writer is waiting for the readers to leave
 * vm_lock_seq: equal to mm->mm_lock_seq while the VMA is write-locked.
 *             The write section's end releases it: MM_SEQ_UNLOCKED for
 *             the VMAs it listed in mm->locked_vmas (mmap_lock.c), or
 *             mm_lock_seq moves on when they did not fit.
 *
 * Reader (vma_start_read, inside RCU): give up if the VMA's stamp equals
 * mm_lock_seq; take a reference only if vm_refcnt is non-zero and below
 * VMA_REF_LIMIT (so no writer is draining it); check it is still this
 * address space's VMA (VMAs are reused: vma/vma.c); re-check the stamp.
 *
 * Writer (vma_start_write, mmap lock held for write): add VMA_LOCK_OFFSET,
 * wait until only the attach reference is left, stamp the VMA with
 * mm_lock_seq, remove VMA_LOCK_OFFSET, list the VMA in mm->locked_vmas.
 * Readers arriving later fail on the stamp until the mmap write lock is
 * released: then the stamp is overwritten, or goes stale as mm_lock_seq
 * moves on. A VMA leaves the list when it is detached (it may be freed
 * before the section ends) and joins it when it is attached.
 *
 * Waiting writers sleep on mm->vma_writer_wait (a futex word); a reader
 * that drops a reference while VMA_LOCK_OFFSET is set bumps it and wakes
 * them. The address space outlives the wake-up because the reader holds a
 * user of it, or (another address space's recycled VMA) a count taken just
 * for that.
 */
#include <errno.h>
#include "base/bug.h"
#include "base/err.h"
#include "base/lockdep.h"
#include "host/host.h"
#include "mm/mm.h"
#include "tree/rt.h"

static inline uint32_t refcnt_read(const struct vm_area_struct *vma)
{
	return __atomic_load_n(&vma->vm_refcnt, __ATOMIC_ACQUIRE);
}

static inline unsigned long mm_seq(struct mm_struct *mm)
{
	return __atomic_load_n(&mm->mm_lock_seq, __ATOMIC_ACQUIRE);
}

/* Take a reader reference unless detached or a writer is draining. */
static bool refcnt_inc_limited(struct vm_area_struct *vma, uint32_t *oldp)
{
	uint32_t old = __atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED);

	do {
		if (old == 0 || old >= VMA_REF_LIMIT) {
			*oldp = old;
			return false;
		}
	} while (!__atomic_compare_exchange_n(&vma->vm_refcnt, &old, old + 1,
					      true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	*oldp = old;
	return true;
}

/* Drop a reader reference; wake a writer that waits for it. */
static void vma_refcount_put(struct vm_area_struct *vma)
{
	struct mm_struct *mm = __atomic_load_n(&vma->vm_mm, __ATOMIC_RELAXED);
	uint32_t newcnt;

	newcnt = __atomic_sub_fetch(&vma->vm_refcnt, 1, __ATOMIC_RELEASE);
	if (unlikely(newcnt & VMA_LOCK_OFFSET)) {
		__atomic_add_fetch(&mm->vma_writer_wait, 1, __ATOMIC_RELEASE);
		host_futex_wake_all(&mm->vma_writer_wait);
	}
}

/* Sleep until vm_refcnt == @target. Context: mmap lock held for write. */
static void vma_wait_refcnt(struct vm_area_struct *vma, uint32_t target)
{
	struct mm_struct *mm = vma->vm_mm;
	bool counted = false;

	for (int spin = 0; spin < 64; spin++) {
		if (refcnt_read(vma) == target)
			return;
		host_cpu_relax();
	}
	for (;;) {
		uint32_t w = __atomic_load_n(&mm->vma_writer_wait,
					     __ATOMIC_ACQUIRE);

		if (refcnt_read(vma) == target)
			return;
		if (!counted) {
			mm_stat_inc(mm, VAS_STAT_VMA_WRITE_WAIT);
			counted = true;
		}
		host_futex_wait(&mm->vma_writer_wait, w);
	}
}

/*
 * Add VMA_LOCK_OFFSET and wait for the readers to leave.
 * Return: false if the VMA was detached (no reader can enter then).
 */
static bool vma_enter_locked(struct vm_area_struct *vma, bool detaching)
{
	uint32_t old = __atomic_load_n(&vma->vm_refcnt, __ATOMIC_RELAXED);

	do {
		if (old == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&vma->vm_refcnt, &old,
					      old + VMA_LOCK_OFFSET, true,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	vma_wait_refcnt(vma, VMA_LOCK_OFFSET + (detaching ? 0 : 1));
	return true;
}

/* Remove VMA_LOCK_OFFSET. Return: whether the VMA is now detached. */
static bool vma_exit_locked(struct vm_area_struct *vma)
{
	return __atomic_sub_fetch(&vma->vm_refcnt, VMA_LOCK_OFFSET,
				  __ATOMIC_RELEASE) == 0;
}

/* List @vma among the section's write-locked VMAs. (M write) */
static void locked_vmas_add(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (mm->nr_locked_vmas < MM_LOCKED_VMAS_MAX)
		mm->locked_vmas[mm->nr_locked_vmas++] = vma;
	else
		mm->nr_locked_vmas = MM_LOCKED_VMAS_MAX + 1; /* overflow */
}

/* @vma is leaving the tree: its stamp no longer matters. (M write) */
static void locked_vmas_del(struct mm_struct *mm, struct vm_area_struct *vma)
{
	unsigned int nr = mm->nr_locked_vmas;

	if (nr > MM_LOCKED_VMAS_MAX)
		return;
	for (unsigned int i = 0; i < nr; i++) {
		if (mm->locked_vmas[i] == vma) {
			mm->locked_vmas[i] = mm->locked_vmas[--nr];
			mm->nr_locked_vmas = nr;
			return;
		}
	}
}

/**
 * vma_start_read() - Try to read-lock @vma, found in @mm's tree under RCU.
 *
 * Context: inside an RCU read-side section.
 * Return: @vma read-locked; NULL if it is write-locked, being drained or
 * belongs to another address space now; ERR_PTR(-EAGAIN) if it was
 * detached (the caller may look again).
 */
struct vm_area_struct *vma_start_read(struct mm_struct *mm,
				      struct vm_area_struct *vma)
{
	struct mm_struct *other;
	uint32_t old;

	/* Cheap early check: write-locked in the current write section. */
	if (__atomic_load_n(&vma->vm_lock_seq, __ATOMIC_RELAXED) == mm_seq(mm))
		return NULL;
	if (unlikely(!refcnt_inc_limited(vma, &old)))
		return old ? NULL : ERR_PTR(-EAGAIN);

	/* The VMA may have been freed and reused by another address space. */
	other = __atomic_load_n(&vma->vm_mm, __ATOMIC_RELAXED);
	if (unlikely(other != mm)) {
		mmgrab(other);
		vma_refcount_put(vma);
		mmdrop(other);
		return NULL;
	}
	/*
	 * Re-check the stamp: a writer may have locked the VMA between the
	 * first check and our reference (it then drained before we came in).
	 * Acquire: the writer's release of the stamp at the end of its
	 * section publishes its changes to the VMA.
	 */
	if (unlikely(__atomic_load_n(&vma->vm_lock_seq, __ATOMIC_ACQUIRE) ==
		     mm_seq(mm))) {
		vma_refcount_put(vma);
		return NULL;
	}
	lockdep_acquire(vma, LOCK_RANK_VMA, LOCK_MODE_READ, true, false);
	return vma;
}

/** vma_end_read() - Release a VMA read lock. Context: any. */
void vma_end_read(struct vm_area_struct *vma)
{
	lockdep_release(vma);
	vma_refcount_put(vma);
}

/**
 * vma_start_write() - Write-lock @vma until the mmap write lock is released.
 * Context: mmap lock held for write. May block until the VMA's current
 * readers leave.
 */
void vma_start_write(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long seq;
	bool locked;

	mmap_assert_write_locked(mm);
	seq = mm->mm_lock_seq;
	if (vma->vm_lock_seq == seq)
		return;
	locked = vma_enter_locked(vma, false);
	__atomic_store_n(&vma->vm_lock_seq, seq, __ATOMIC_RELAXED);
	if (locked) {
		bool detached = vma_exit_locked(vma);

		VAS_WARN_ON_ONCE(detached);
		/* a detached VMA is listed when it is attached */
		locked_vmas_add(mm, vma);
	}
}

bool vma_is_write_locked(struct vm_area_struct *vma)
{
	return __atomic_load_n(&vma->vm_lock_seq, __ATOMIC_RELAXED) ==
	       mm_seq(vma->vm_mm);
}

void vma_assert_write_locked(struct vm_area_struct *vma)
{
	VAS_BUG_ON(!vma_is_write_locked(vma));
}

/* Read-locked by someone, or write-locked. */
void vma_assert_locked(struct vm_area_struct *vma)
{
	VAS_BUG_ON(refcnt_read(vma) <= 1 && !vma_is_write_locked(vma));
}

void vma_assert_attached(struct vm_area_struct *vma)
{
	VAS_BUG_ON(refcnt_read(vma) == 0);
}

void vma_assert_detached(struct vm_area_struct *vma)
{
	VAS_BUG_ON(refcnt_read(vma) != 0);
}

/** vma_mark_attached() - @vma is in the tree now. Context: @vma write-locked. */
void vma_mark_attached(struct vm_area_struct *vma)
{
	vma_assert_write_locked(vma);
	vma_assert_detached(vma);
	locked_vmas_add(vma->vm_mm, vma);
	__atomic_store_n(&vma->vm_refcnt, 1u, __ATOMIC_RELEASE);
}

/**
 * vma_mark_detached() - @vma has left the tree; wait until no reader holds
 * a reference. Context: @vma write-locked; may block.
 */
void vma_mark_detached(struct vm_area_struct *vma)
{
	vma_assert_write_locked(vma);
	vma_assert_attached(vma);
	locked_vmas_del(vma->vm_mm, vma);
	if (unlikely(__atomic_sub_fetch(&vma->vm_refcnt, 1, __ATOMIC_ACQ_REL))) {
		/* Readers took temporary references: wait them out. */
		if (vma_enter_locked(vma, true)) {
			bool detached = vma_exit_locked(vma);

			VAS_WARN_ON_ONCE(!detached);
		}
	}
}

/**
 * lock_vma_under_rcu() - Find and read-lock the VMA containing @address
 * without the mmap lock.
 * Context: the caller holds a user of @mm. Takes and releases RCU.
 * Return: the read-locked VMA, or NULL (fall back to the mmap lock).
 */
struct vm_area_struct *lock_vma_under_rcu(struct mm_struct *mm,
					  unsigned long address)
{
	struct vm_area_struct *vma;

retry:
	vas_rcu_read_lock();
	vma = rt_lookup(&mm->mm_mt, address, NULL, NULL);
	if (!vma) {
		vas_rcu_read_unlock();
		goto inval;
	}
	vma = vma_start_read(mm, vma);
	if (IS_ERR_OR_NULL(vma)) {
		vas_rcu_read_unlock();
		if (PTR_ERR(vma) == -EAGAIN) {
			/* Detached after we found it: the tree has moved on. */
			mm_stat_inc(mm, VAS_STAT_VMA_LOCK_MISS);
			goto retry;
		}
		goto inval;
	}
	vas_rcu_read_unlock();
	/* A stable reference now; the range may have changed before it. */
	if (unlikely(address < vma->vm_start || address >= vma->vm_end)) {
		vma_end_read(vma);
		goto inval;
	}
	mm_stat_inc(mm, VAS_STAT_VMA_LOCK_SUCCESS);
	return vma;
inval:
	mm_stat_inc(mm, VAS_STAT_VMA_LOCK_ABORT);
	return NULL;
}

void vma_assert_stable(const struct vm_area_struct *vma)
{
#ifdef VAS_DEBUG
	const struct mm_struct *mm = __atomic_load_n(&vma->vm_mm,
						     __ATOMIC_RELAXED);

	if (lockdep_held_mode(vma) != LOCK_MODE_NONE)
		return;
	if (mm && lockdep_held_mode(&mm->mmap_lock) != LOCK_MODE_NONE)
		return;
	lockdep_report("VMA reference used without the lock that covers it "
		       "(was its guard released?)", vma);
#else
	(void)vma;
#endif
}
