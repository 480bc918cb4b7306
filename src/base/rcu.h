/* SPDX-License-Identifier: MIT */
/*
 * rcu.h - RCU for vas, on liburcu's urcu-memb flavour.
 *
 * Callers never register threads: vas_rcu_read_lock() and vas_call_rcu()
 * register the calling thread on first use and a thread-exit destructor
 * unregisters it.
 *
 * Publication uses C11 acquire/release (rcu_dereference/rcu_assign_pointer
 * below), which both the hardware and ThreadSanitizer understand. Grace
 * periods come from liburcu; in ThreadSanitizer builds every read-side
 * unlock releases, and every reclaimer acquires, one synchronisation object,
 * so the tool sees the happens-before that the grace period provides.
 */
#ifndef VAS_BASE_RCU_H
#define VAS_BASE_RCU_H

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>
#include "base/compiler.h"

#if defined(__SANITIZE_THREAD__)
#define VAS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VAS_TSAN 1
#endif
#endif

#ifdef VAS_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char vas_rcu_tsan_sync;
#define vas_rcu_tsan_release() __tsan_release(&vas_rcu_tsan_sync)
#define vas_rcu_tsan_acquire() __tsan_acquire(&vas_rcu_tsan_sync)
#define VAS_TSAN_RELEASE(p) __tsan_release(p)
#define VAS_TSAN_ACQUIRE(p) __tsan_acquire(p)
#else
#define VAS_TSAN_RELEASE(p) ((void)(p))
#define VAS_TSAN_ACQUIRE(p) ((void)(p))
#define vas_rcu_tsan_release() ((void)0)
#define vas_rcu_tsan_acquire() ((void)0)
#endif

/* Embed in an object freed after a grace period. */
struct vas_rcu_head {
	struct rcu_head head;
	void (*func)(struct vas_rcu_head *head);
	struct vas_rcu_head *next;	/* in the calling thread's batch */
};

/* Callbacks a thread gathers before it hands them to liburcu at once. */
#define VAS_RCU_BATCH 64

extern __vas_tls bool vas_rcu_registered;
void vas_rcu_register_slow(void);

/** vas_rcu_register() - Register the calling thread with RCU if needed. */
static inline void vas_rcu_register(void)
{
	if (unlikely(!vas_rcu_registered))
		vas_rcu_register_slow();
}

/**
 * vas_rcu_read_lock() - Enter an RCU read-side section. Nests.
 * Context: any thread; never blocks.
 */
static inline void vas_rcu_read_lock(void)
{
	vas_rcu_register();
	urcu_memb_read_lock();
}

/** vas_rcu_read_unlock() - Leave an RCU read-side section. */
static inline void vas_rcu_read_unlock(void)
{
	vas_rcu_tsan_release();
	urcu_memb_read_unlock();
}

/** vas_rcu_read_ongoing() - Whether the caller is in a read-side section. */
static inline bool vas_rcu_read_ongoing(void)
{
	return vas_rcu_registered && urcu_memb_read_ongoing();
}

/**
 * vas_synchronize_rcu() - Wait for a grace period.
 * Context: not inside an RCU read-side section; may block.
 */
void vas_synchronize_rcu(void);

/**
 * vas_call_rcu() - Run @func(@head) after a grace period, on liburcu's
 * call_rcu thread. Context: any thread, also inside a read-side section.
 *
 * Callbacks are gathered per thread and queued VAS_RCU_BATCH at a time
 * (one liburcu call_rcu, so one wake-up of its worker, per batch): a
 * callback may wait until its thread has gathered a batch, calls
 * vas_rcu_barrier() or exits. At most VAS_RCU_BATCH - 1 objects per
 * thread wait that way.
 */
void vas_call_rcu(struct vas_rcu_head *head,
		  void (*func)(struct vas_rcu_head *head));

/**
 * vas_rcu_barrier() - Wait until every callback queued so far has run:
 * those of the calling thread's batch, and the batches other threads have
 * handed over (a thread hands its batch over when it is full or when the
 * thread exits).
 * Context: not inside a read-side section, not on the call_rcu thread.
 */
void vas_rcu_barrier(void);

/*
 * liburcu defines these two with volatile accesses; vas replaces them with
 * C11 atomics, which ThreadSanitizer understands.
 */
#undef rcu_dereference
#undef rcu_assign_pointer
/* Read a pointer published with rcu_assign_pointer(). */
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
/* Publish @v: everything written to *v before is seen by rcu_dereference. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

#endif /* VAS_BASE_RCU_H */
