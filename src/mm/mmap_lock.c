// SPDX-License-Identifier: MIT
/*
 * mmap_lock.c - the mmap lock: a phase-fair reader/writer lock, plus
 * mm_lock_seq, which makes VMA write locks cheap.
 *
 * mm_lock_seq (always even) is the stamp of the current write section:
 * vma_start_write() stamps a VMA with it and lists the VMA in
 * mm->locked_vmas; a VMA whose stamp equals mm_lock_seq is write-locked.
 * Releasing (or downgrading) the write lock releases them: each listed
 * VMA's stamp becomes MM_SEQ_UNLOCKED, or, when more were locked than the
 * list holds, mm_lock_seq moves on by 2 and every stamp goes stale at once.
 */
#include <errno.h>
#include "base/bug.h"
#include "base/lockdep.h"
#include "mm/mm.h"

void mmap_lock_init(struct mmap_lock *l)
{
	vas_mutex_init(&l->m, LOCK_RANK_MMAP_WAIT);
	vas_cond_init(&l->readers_cv);
	vas_cond_init(&l->writers_cv);
	l->word = 0;
	l->writers_waiting = 0;
	l->readers_waiting = 0;
	l->reader_batch = 0;
}

void mmap_lock_fini(struct mmap_lock *l)
{
	VAS_BUG_ON(l->word || l->writers_waiting || l->readers_waiting);
	vas_cond_destroy(&l->writers_cv);
	vas_cond_destroy(&l->readers_cv);
	vas_mutex_destroy(&l->m);
}

static void lock_m(struct mmap_lock *l) VAS_ACQUIRE(l->m)
{
	vas_mutex_lock(&l->m);
}

static void unlock_m(struct mmap_lock *l) VAS_RELEASE(l->m)
{
	vas_mutex_unlock(&l->m);
}

static uint32_t word(const struct mmap_lock *l)
{
	return __atomic_load_n(&l->word, __ATOMIC_ACQUIRE);
}

/* Turn the fast paths back on once nobody waits. Context: l->m held. */
static void maybe_clear_slow(struct mmap_lock *l)
{
	if (!l->readers_waiting && !l->writers_waiting)
		__atomic_fetch_and(&l->word, ~MMAP_LOCK_SLOW, __ATOMIC_RELEASE);
}

/* Admit every queued reader. Context: l->m held, no writer. */
static void admit_readers(struct mmap_lock *l)
{
	if (l->readers_waiting) {
		__atomic_fetch_add(&l->word, (uint32_t)l->readers_waiting,
				   __ATOMIC_ACQ_REL);
		l->readers_waiting = 0;
		l->reader_batch++;
		vas_cond_broadcast(&l->readers_cv);
	}
}

static bool __read_lock(struct mmap_lock *l, bool try, bool *contended)
{
	uint32_t w = word(l);

	/* fast path: no writer, nobody waiting */
	while (!(w & (MMAP_LOCK_WRITER | MMAP_LOCK_SLOW)))
		if (__atomic_compare_exchange_n(&l->word, &w, w + 1, true,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	lock_m(l);
	/*
	 * Until MMAP_LOCK_SLOW is set a fast-path writer may still take the
	 * word: join the readers only by compare-and-swap.
	 */
	w = word(l);
	while (!(w & MMAP_LOCK_WRITER) && !l->writers_waiting) {
		if (__atomic_compare_exchange_n(&l->word, &w, w + 1, true,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			unlock_m(l);
			return true;
		}
	}
	if (try) {
		unlock_m(l);
		return false;
	}
	/* Queue; a writer's release admits the whole batch. */
	{
		unsigned long batch = l->reader_batch;

		*contended = true;
		__atomic_fetch_or(&l->word, MMAP_LOCK_SLOW, __ATOMIC_ACQ_REL);
		l->readers_waiting++;
		/* the writer may have left before the bit was set */
		if (!(word(l) & MMAP_LOCK_WRITER) && !l->writers_waiting)
			admit_readers(l);
		while (l->reader_batch == batch)
			vas_cond_wait_in_lock(&l->readers_cv, &l->m);
		maybe_clear_slow(l);
	}
	unlock_m(l);
	return true;
}

static bool __write_lock(struct mmap_lock *l, bool try, bool *contended)
{
	uint32_t w = 0;
	bool waited = false;

	if (__atomic_compare_exchange_n(&l->word, &w, MMAP_LOCK_WRITER, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return true;
	lock_m(l);
	for (;;) {
		w = word(l);
		if (!(w & (MMAP_LOCK_WRITER | MMAP_LOCK_READERS))) {
			/* free: take it by CAS (a fast path may race us
			 * until MMAP_LOCK_SLOW is set) */
			if (__atomic_compare_exchange_n(&l->word, &w,
							w | MMAP_LOCK_WRITER,
							false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				break;
			continue;
		}
		if (try) {
			unlock_m(l);
			return false;
		}
		if (!waited) {
			/* From here on every reader and writer comes
			 * through l->m. */
			*contended = true;
			waited = true;
			l->writers_waiting++;
			__atomic_fetch_or(&l->word, MMAP_LOCK_SLOW,
					  __ATOMIC_ACQ_REL);
			continue;	/* the holder may have just left */
		}
		vas_cond_wait_in_lock(&l->writers_cv, &l->m);
	}
	if (waited)
		l->writers_waiting--;
	maybe_clear_slow(l);
	unlock_m(l);
	return true;
}

/* The slow half of a release: wake whoever goes next. */
static void release_slow(struct mmap_lock *l, bool was_writer)
{
	lock_m(l);
	if (was_writer) {
		__atomic_fetch_and(&l->word, ~MMAP_LOCK_WRITER, __ATOMIC_RELEASE);
		if (l->readers_waiting)
			admit_readers(l);
		else if (l->writers_waiting)
			vas_cond_signal(&l->writers_cv);
	} else if (!(word(l) & MMAP_LOCK_READERS) && l->writers_waiting) {
		vas_cond_signal(&l->writers_cv);
	}
	maybe_clear_slow(l);
	unlock_m(l);
}

static void begin_write_seq(struct mm_struct *mm)
{
	VAS_BUG_ON(mm->mm_lock_seq & 1);
	VAS_BUG_ON(mm->nr_locked_vmas != 0);
}

/*
 * Release every VMA write lock of the section. When they all fit in
 * locked_vmas[], each gets MM_SEQ_UNLOCKED (a release store: a reader that
 * sees it sees the section's changes to the VMA) and mm_lock_seq stays as
 * it is, so the faulters that read it on another VMA keep their copy of
 * its cache line; otherwise mm_lock_seq moves on (a release store too),
 * and every stamp of the section goes stale at once.
 */
static void end_write_seq(struct mm_struct *mm)
{
	unsigned int nr = mm->nr_locked_vmas;

	if (likely(nr <= MM_LOCKED_VMAS_MAX)) {
		for (unsigned int i = 0; i < nr; i++)
			__atomic_store_n(&mm->locked_vmas[i]->vm_lock_seq,
					 MM_SEQ_UNLOCKED, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&mm->mm_lock_seq, mm->mm_lock_seq + 2,
				 __ATOMIC_RELEASE);
		mm_stat_inc(mm, VAS_STAT_MM_LOCK_SEQ_MOVED);
	}
	mm->nr_locked_vmas = 0;
	if (mm->committed_pending) {
		__atomic_add_fetch(&mm->machine->committed,
				   mm->committed_pending, __ATOMIC_RELAXED);
		mm->committed_pending = 0;
	}
}

void mmap_read_lock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	bool contended = false;

	lockdep_acquire(&mm->mmap_lock, LOCK_RANK_MMAP, LOCK_MODE_READ, false,
			false);
	__read_lock(&mm->mmap_lock, false, &contended);
	mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_READ);
	if (contended)
		mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_READ_CONTENDED);
}

bool mmap_read_trylock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	bool contended = false;

	if (!__read_lock(&mm->mmap_lock, true, &contended))
		return false;
	lockdep_acquire(&mm->mmap_lock, LOCK_RANK_MMAP, LOCK_MODE_READ, true,
			false);
	mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_READ);
	return true;
}

void mmap_read_unlock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct mmap_lock *l = &mm->mmap_lock;
	uint32_t now;

	lockdep_release(l);
	now = __atomic_sub_fetch(&l->word, 1, __ATOMIC_RELEASE);
	VAS_BUG_ON((now & MMAP_LOCK_READERS) == MMAP_LOCK_READERS);
	/* the last reader out wakes a waiting writer */
	if (unlikely(now & MMAP_LOCK_SLOW) && !(now & MMAP_LOCK_READERS))
		release_slow(l, false);
}

static void write_lock(struct mm_struct *mm, bool nested)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	bool contended = false;

	lockdep_acquire(&mm->mmap_lock, LOCK_RANK_MMAP, LOCK_MODE_WRITE, false,
			nested);
	__write_lock(&mm->mmap_lock, false, &contended);
	begin_write_seq(mm);
	mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_WRITE);
	if (contended)
		mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_WRITE_CONTENDED);
}

void mmap_write_lock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	write_lock(mm, false);
}

void mmap_write_lock_nested(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	write_lock(mm, true);
}

bool mmap_write_trylock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	bool contended = false;

	if (!__write_lock(&mm->mmap_lock, true, &contended))
		return false;
	lockdep_acquire(&mm->mmap_lock, LOCK_RANK_MMAP, LOCK_MODE_WRITE, true,
			false);
	begin_write_seq(mm);
	mm_stat_inc(mm, VAS_STAT_MMAP_LOCK_WRITE);
	return true;
}

void mmap_write_unlock(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct mmap_lock *l = &mm->mmap_lock;
	uint32_t w = MMAP_LOCK_WRITER;

	end_write_seq(mm);
	lockdep_release(l);
	VAS_BUG_ON(!(word(l) & MMAP_LOCK_WRITER));
	if (!__atomic_compare_exchange_n(&l->word, &w, 0, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		release_slow(l, true);	/* someone waits */
}

void mmap_write_downgrade(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct mmap_lock *l = &mm->mmap_lock;

	end_write_seq(mm);
	lockdep_set_mode(l, LOCK_MODE_READ);
	lock_m(l);
	VAS_BUG_ON(!(word(l) & MMAP_LOCK_WRITER));
	/* one reader (us) before the writer bit goes: no gap for a writer */
	__atomic_fetch_add(&l->word, 1, __ATOMIC_RELAXED);
	__atomic_fetch_and(&l->word, ~MMAP_LOCK_WRITER, __ATOMIC_RELEASE);
	admit_readers(l);
	maybe_clear_slow(l);
	unlock_m(l);
}

bool mmap_lock_is_write_locked(struct mm_struct *mm)
{
	return mmap_lock_writer(&mm->mmap_lock);
}

/*
 * Linux's mmap_assert_locked() is lockdep_assert_held(&mm->mmap_lock):
 * the mmap lock itself, which a VMA lock does not stand for
 * (vma_assert_locked() is the one that takes either). (These checks were
 * VAS_BUG_ON(!"..."), which never fires: a string is never NULL.)
 */
void mmap_assert_locked(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	if (lockdep_held_mode(&mm->mmap_lock) == LOCK_MODE_NONE)
		vas_bug(__FILE__, __LINE__, "mmap lock not held by this thread");
}

void mmap_assert_write_locked(struct mm_struct *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	enum lock_mode m = lockdep_held_mode(&mm->mmap_lock);

	VAS_BUG_ON(!mmap_lock_is_write_locked(mm));
	if (m != LOCKDEP_UNKNOWN && m != LOCK_MODE_WRITE)
		vas_bug(__FILE__, __LINE__,
			"mmap lock not held for write by this thread");
}
