// SPDX-License-Identifier: MIT
/*
 * rcu.c - thread registration and the callback trampoline for liburcu.
 */
#include <pthread.h>
#include "base/bug.h"
#include "base/rcu.h"

__vas_tls bool vas_rcu_registered;
#ifdef VAS_TSAN
char vas_rcu_tsan_sync;
#endif

static __vas_tls struct vas_rcu_head *batch_first;
static __vas_tls unsigned int batch_nr;

static pthread_key_t rcu_key;
static void batch_flush(void);
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *arg)
{
	(void)arg;
	batch_flush();
	if (vas_rcu_registered) {
		urcu_memb_unregister_thread();
		vas_rcu_registered = false;
	}
}

static void rcu_key_init(void)
{
	int err = pthread_key_create(&rcu_key, rcu_thread_exit);

	if (err)
		vas_die("pthread_key_create", err);
}

void vas_rcu_register_slow(void)
{
	int err;

	pthread_once(&rcu_key_once, rcu_key_init);
	urcu_memb_register_thread();
	vas_rcu_registered = true;
	/* Any non-NULL value makes the destructor run at thread exit. */
	err = pthread_setspecific(rcu_key, (void *)1);
	if (err)
		vas_die("pthread_setspecific", err);
}

void vas_synchronize_rcu(void)
{
	VAS_BUG_ON(vas_rcu_read_ongoing());
	urcu_memb_synchronize_rcu();
	vas_rcu_tsan_acquire();
}

/* Runs a whole batch after its grace period, newest first. */
static void call_rcu_batch(struct rcu_head *rh)
{
	struct vas_rcu_head *head = caa_container_of(rh, struct vas_rcu_head, head);

	/* liburcu's queue is not instrumented: show the hand-off. */
	VAS_TSAN_ACQUIRE(head);
	vas_rcu_tsan_acquire();
	while (head) {
		struct vas_rcu_head *next = head->next;	/* func frees head */

		head->func(head);
		head = next;
	}
}

/* Hand the calling thread's batch to liburcu. */
static void batch_flush(void)
{
	struct vas_rcu_head *first = batch_first;

	if (!first)
		return;
	batch_first = NULL;
	batch_nr = 0;
	vas_rcu_register();
	VAS_TSAN_RELEASE(first);
	urcu_memb_call_rcu(&first->head, call_rcu_batch);
}

void vas_call_rcu(struct vas_rcu_head *head,
		  void (*func)(struct vas_rcu_head *head))
{
	vas_rcu_register();	/* so that thread exit flushes the batch */
	head->func = func;
	head->next = batch_first;
	batch_first = head;
	if (++batch_nr == VAS_RCU_BATCH)
		batch_flush();
}

void vas_rcu_barrier(void)
{
	VAS_BUG_ON(vas_rcu_read_ongoing());
	batch_flush();
	vas_rcu_register();
	urcu_memb_barrier();
	vas_rcu_tsan_acquire();
}
