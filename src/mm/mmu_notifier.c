// SPDX-License-Identifier: MIT
/*
 * mmu_notifier.c - MMU notifiers (Linux's mm/mmu_notifier.c, the classic
 * invalidate_range_start/end subscriptions): registration, the calls, and
 * unregistration that waits for running callbacks.
 *
 * The list of an address space is read without a lock: a caller of
 * start/end enters a read section (an SRCU-like read count), walks the
 * list and calls each notifier, and leaves. Writers (register, unregister,
 * release) change the list under subscriptions->lock; unregister then
 * waits for the read sections that may still see the notifier it removed
 * before it frees it (synchronize_srcu()). The read count is two counters,
 * as SRCU's: new readers count on the side idx names; a waiter first
 * waits for the other side to empty (readers that read idx before an
 * earlier flip), flips idx, then waits for the old side to empty. Readers
 * that keep arriving count on the new side, so a waiter is never starved.
 *
 * Registration takes the mmap write lock and write-locks every VMA
 * (Linux's mm_take_all_locks()): every invalidation runs under the mmap
 * lock or a VMA read lock, so none is between its start and its end while
 * the list grows, and a new notifier never sees an end without its start.
 */
#include <errno.h>
#include <limits.h>
#include "base/abi.h"
#include "base/alloc.h"
#include "base/bug.h"
#include "base/lock.h"
#include "base/lockdep.h"
#include "host/host.h"
#include "mm/mm.h"
#include "mm/mmu_notifier.h"

/*
 * Locking key:
 *  (L) subscriptions->lock (rank LOCK_RANK_MMU_NOTIFIER)
 *  (R) read without a lock, inside a read section (acquire loads)
 *  (a) atomic
 *  (c) constant after registration
 */
struct mmu_notifier_subscriptions {
	struct vas_mutex lock;
	struct vas_mmu_notifier *list;	/* (L, R) newest first */
	uint32_t idx;			/* (L, a) the side new readers count on */
	uint32_t readers[2];		/* (a) read sections per side; futex words */
	uint32_t waiters;		/* (a) threads sleeping on readers[] */
};

struct vas_mmu_notifier {
	struct vas_mmu_notifier *next;		/* (L, R) */
	struct mm_struct *mm;			/* (c) holds a count */
	const struct vas_mmu_notifier_ops *ops;	/* (c) */
	void *priv;				/* (c) */
	bool linked;				/* (L) on the list */
};

static const struct vas_mmu_notifier_ops no_ops;

/* ---- the read count --------------------------------------------------- */

static unsigned int srcu_read_lock(struct mmu_notifier_subscriptions *s)
{
	unsigned int i = __atomic_load_n(&s->idx, __ATOMIC_ACQUIRE) & 1;

	/* seq_cst: ordered against the waiter's list change and its loads */
	__atomic_add_fetch(&s->readers[i], 1, __ATOMIC_SEQ_CST);
	return i;
}

static void srcu_read_unlock(struct mmu_notifier_subscriptions *s,
			     unsigned int i)
{
	if (__atomic_sub_fetch(&s->readers[i], 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&s->waiters, __ATOMIC_SEQ_CST))
		host_futex_wake_all(&s->readers[i]);
}

/* Wait until side @i was seen empty. */
static void srcu_wait_side(struct mmu_notifier_subscriptions *s,
			   unsigned int i)
{
	for (;;) {
		uint32_t v = __atomic_load_n(&s->readers[i], __ATOMIC_SEQ_CST);

		if (!v)
			return;
		__atomic_add_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(&s->readers[i], __ATOMIC_SEQ_CST);
		if (v)
			host_futex_wait(&s->readers[i], v);
		__atomic_sub_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
	}
}

/*
 * synchronize_srcu(): every read section that may have seen the list as
 * it was before the caller's change has ended. Context: s->lock held.
 */
static void synchronize_srcu(struct mmu_notifier_subscriptions *s)
	VAS_REQUIRES(&s->lock)
{
	unsigned int old = __atomic_load_n(&s->idx, __ATOMIC_RELAXED) & 1;

	srcu_wait_side(s, old ^ 1);
	__atomic_store_n(&s->idx, old ^ 1, __ATOMIC_SEQ_CST);
	srcu_wait_side(s, old);
}

/* ---- the calls -------------------------------------------------------- */

/*
 * Callbacks may sleep: no page-table lock (and nothing ranked above it)
 * may be held around them. Debug builds check the thread's lock records.
 */
static void assert_may_call(const void *obj)
{
#ifdef VAS_DEBUG
	if (lockdep_highest_rank() >= LOCK_RANK_PTL)
		lockdep_report("MMU notifier called with a page-table lock or "
			       "a lock ranked above it held", obj);
#else
	(void)obj;
#endif
}

static struct mmu_notifier_subscriptions *subs_of(struct mm_struct *mm)
{
	return __atomic_load_n(&mm->notifier_subscriptions, __ATOMIC_ACQUIRE);
}

static void check_range(const struct vas_mmu_notifier_range *range)
{
	VAS_WARN_ON(range->start >= range->end ||
		    !PAGE_ALIGNED(range->start) || !PAGE_ALIGNED(range->end));
	assert_may_call(range->mm);
}

/* Call each notifier's start (@end false) or end (@end true) for @range. */
static void invalidate_range(const struct vas_mmu_notifier_range *range,
			     bool end)
{
	struct mmu_notifier_subscriptions *s = subs_of(mm_of(range->mm));
	struct vas_mmu_notifier *mn;
	unsigned int i;

	check_range(range);
	i = srcu_read_lock(s);
	for (mn = __atomic_load_n(&s->list, __ATOMIC_ACQUIRE); mn;
	     mn = __atomic_load_n(&mn->next, __ATOMIC_ACQUIRE)) {
		void (*fn)(struct vas_mmu_notifier *,
			   const struct vas_mmu_notifier_range *) =
			end ? mn->ops->invalidate_range_end
			    : mn->ops->invalidate_range_start;

		if (fn)
			fn(mn, range);
	}
	srcu_read_unlock(s, i);
}

void __mmu_notifier_invalidate_range_start(
	const struct vas_mmu_notifier_range *range)
{
	invalidate_range(range, false);
}

void __mmu_notifier_invalidate_range_end(
	const struct vas_mmu_notifier_range *range)
{
	invalidate_range(range, true);
}

void __mmu_notifier_release(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *s = subs_of(mm);
	struct vas_mmu_notifier *mn;
	unsigned int i;

	VAS_BUG_ON(__atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED) != 0);
	assert_may_call(mm);
	i = srcu_read_lock(s);
	for (mn = __atomic_load_n(&s->list, __ATOMIC_ACQUIRE); mn;
	     mn = __atomic_load_n(&mn->next, __ATOMIC_ACQUIRE))
		if (mn->ops->release)
			mn->ops->release(mn, mm_counted(mm));
	srcu_read_unlock(s, i);

	/* every notifier off the list: no call follows (hlist_del_init_rcu) */
	vas_mutex_lock(&s->lock);
	for (mn = s->list; mn; mn = mn->next)
		mn->linked = false;
	__atomic_store_n(&s->list, NULL, __ATOMIC_RELEASE);
	synchronize_srcu(s);
	vas_mutex_unlock(&s->lock);
}

/* ---- registration ----------------------------------------------------- */

static struct mmu_notifier_subscriptions *subscriptions_alloc(void)
{
	struct mmu_notifier_subscriptions *s =
		vas_zalloc(sizeof(*s), VAS_FP_MISC);

	if (s)
		vas_mutex_init(&s->lock, LOCK_RANK_MMU_NOTIFIER);
	return s;
}

static void subscriptions_free(struct mmu_notifier_subscriptions *s)
{
	if (!s)
		return;
	vas_mutex_destroy(&s->lock);
	vas_free(s);
}

void mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *s = subs_of(mm);

	if (!s)
		return;
	VAS_BUG_ON(s->list != NULL);	/* each notifier holds a count */
	mm->notifier_subscriptions = NULL;
	subscriptions_free(s);
}

/* mm_take_all_locks(), for what it excludes here: faults under VMA locks. */
static void write_lock_all_vmas(struct mm_struct *mm) VAS_REQUIRES(mm)
{
	struct vm_area_struct *vma;
	struct rt_iter it;

	rt_iter_init(&it, &mm->mm_mt, 0, ULONG_MAX);
	while ((vma = rt_iter_next(&it, NULL, NULL))) {
		mmap_assert_write_locked(vma->vm_mm);	/* vm_mm == mm */
		vma_start_write(vma);
	}
}

int vas_mmu_notifier_register(struct vas_mm_user *u,
			      const struct vas_mmu_notifier_ops *ops,
			      void *priv, struct vas_mmu_notifier **out)
{
	struct mm_struct *mm = mm_of_user(u);
	struct mmu_notifier_subscriptions *spare = NULL, *s;
	struct vas_mmu_notifier *mn;

	if (ops && !mmu_notifier_ops_size_ok(ops))
		return -EINVAL;
	/* allocate first: -ENOMEM changes nothing */
	mn = vas_zalloc(sizeof(*mn), VAS_FP_MISC);
	if (!mn)
		return -ENOMEM;
	if (!subs_of(mm)) {
		spare = subscriptions_alloc();
		if (!spare) {
			vas_free(mn);
			return -ENOMEM;
		}
	}
	mn->mm = mm;
	mn->ops = ops ? ops : &no_ops;
	mn->priv = priv;

	mmap_write_lock(mm);
	write_lock_all_vmas(mm);
	s = subs_of(mm);
	if (!s) {
		/* set once and kept until mm_free(): NULL before means spare */
		VAS_BUG_ON(!spare);
		s = spare;
		spare = NULL;
		__atomic_store_n(&mm->notifier_subscriptions, s,
				 __ATOMIC_RELEASE);
	}
	mmgrab(mm);
	vas_mutex_lock(&s->lock);
	mn->next = s->list;
	mn->linked = true;
	__atomic_store_n(&s->list, mn, __ATOMIC_RELEASE);
	vas_mutex_unlock(&s->lock);
	mmap_write_unlock(mm);
	subscriptions_free(spare);	/* another registration was first */
	*out = mn;
	return 0;
}

void vas_mmu_notifier_unregister(struct vas_mmu_notifier *mn)
{
	struct mmu_notifier_subscriptions *s;
	struct vas_mmu_notifier **pp;
	struct mm_struct *mm;

	if (!mn)
		return;
	mm = mn->mm;
	s = subs_of(mm);
	vas_mutex_lock(&s->lock);
	if (mn->linked) {
		for (pp = &s->list; *pp != mn; pp = &(*pp)->next)
			VAS_BUG_ON(!*pp);
		/* readers at mn still find its next: it is not changed */
		__atomic_store_n(pp, mn->next, __ATOMIC_RELEASE);
		mn->linked = false;
	}
	/* always: a release() of mn may still be running */
	synchronize_srcu(s);
	vas_mutex_unlock(&s->lock);
	vas_free(mn);
	mmdrop(mm);
}

void *vas_mmu_notifier_private(const struct vas_mmu_notifier *mn)
{
	return mn->priv;
}

const char *vas_mmu_notify_event_name(enum vas_mmu_notify_event ev)
{
	switch (ev) {
	case VAS_MMU_NOTIFY_UNMAP:
		return "UNMAP";
	case VAS_MMU_NOTIFY_CLEAR:
		return "CLEAR";
	case VAS_MMU_NOTIFY_PROTECTION_VMA:
		return "PROTECTION_VMA";
	case VAS_MMU_NOTIFY_PROTECTION_PAGE:
		return "PROTECTION_PAGE";
	case VAS_MMU_NOTIFY_SOFT_DIRTY:
		return "SOFT_DIRTY";
	case VAS_MMU_NOTIFY_RELEASE:
		return "RELEASE";
	case VAS_MMU_NOTIFY_MIGRATE:
		return "MIGRATE";
	case VAS_MMU_NOTIFY_EXCLUSIVE:
		return "EXCLUSIVE";
	}
	return "UNKNOWN";
}
