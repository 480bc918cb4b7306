/* SPDX-License-Identifier: MIT */
/*
 * mmu_notifier.h (internal) - the calls that tell an address space's MMU
 * notifiers (include/vas/mmu_notifier.h) that entries change, in Linux's
 * names (include/linux/mmu_notifier.h).
 *
 * A caller brackets a change of entries:
 *
 *	struct vas_mmu_notifier_range range;
 *
 *	mmu_notifier_range_init(&range, VAS_MMU_NOTIFY_CLEAR, mm, start, end);
 *	mmu_notifier_invalidate_range_start(&range);
 *	... change the entries of [start, end) under their page-table locks ...
 *	mmu_notifier_invalidate_range_end(&range);
 *	... only now may a page taken out be freed (or at any time after start)
 *
 * Rules for the caller (asserted in debug builds):
 *  - it holds what keeps [start, end) of @mm in place: the mmap lock (read
 *    or write), a VMA read lock covering the range, or for exit_mmap no
 *    user is left;
 *  - it holds no page-table lock and no lock ranked above LOCK_RANK_PTL
 *    (callbacks may sleep): start before taking the PTL, end after
 *    dropping it.
 *
 * With no notifier registered each call costs one load and one branch
 * (mm->notifier_subscriptions is NULL until the first registration).
 */
#ifndef VAS_MM_MMU_NOTIFIER_H
#define VAS_MM_MMU_NOTIFIER_H

#include <vas/mmu_notifier.h>
#include "mm/mm_types.h"

/* The address space's notifiers; allocated at the first registration. */
struct mmu_notifier_subscriptions;

/* Whether @mm has ever had a notifier (Linux's mm_has_notifiers). */
static inline bool mm_has_notifiers(struct mm_struct *mm)
{
	return unlikely(__atomic_load_n(&mm->notifier_subscriptions,
					__ATOMIC_ACQUIRE) != NULL);
}

static inline void mmu_notifier_range_init(struct vas_mmu_notifier_range *r,
					   enum vas_mmu_notify_event event,
					   struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	r->mm = mm_counted(mm);
	r->start = start;
	r->end = end;
	r->event = event;
}

void __mmu_notifier_invalidate_range_start(
	const struct vas_mmu_notifier_range *range);
void __mmu_notifier_invalidate_range_end(
	const struct vas_mmu_notifier_range *range);
void __mmu_notifier_release(struct mm_struct *mm);

/**
 * mmu_notifier_invalidate_range_start() - Entries of @range are about to
 * change: each notifier drops what maps them. Context: see the file
 * comment (no page-table lock; may block in a callback).
 */
static inline void
mmu_notifier_invalidate_range_start(const struct vas_mmu_notifier_range *range)
{
	if (mm_has_notifiers(mm_of(range->mm)))
		__mmu_notifier_invalidate_range_start(range);
}

/** mmu_notifier_invalidate_range_end() - The change of @range is done. */
static inline void
mmu_notifier_invalidate_range_end(const struct vas_mmu_notifier_range *range)
{
	if (mm_has_notifiers(mm_of(range->mm)))
		__mmu_notifier_invalidate_range_end(range);
}

/**
 * mmu_notifier_release() - The last user of @mm is gone (exit_mmap, before
 * anything is torn down): each notifier's release() runs once, and none is
 * called again. Context: no user left, no lock of @mm held; may block.
 */
static inline void mmu_notifier_release(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_release(mm);
}

/**
 * mmu_notifier_subscriptions_destroy() - Free what the registrations of
 * @mm left (the list head). Context: mm_free(), no notifier registered
 * (each held a count on @mm).
 */
void mmu_notifier_subscriptions_destroy(struct mm_struct *mm);

#endif /* VAS_MM_MMU_NOTIFIER_H */
