// SPDX-License-Identifier: MIT
/*
 * exit.c - the end of an address space (Linux's mmput, exit_mmap and
 * mmput_async with its worker): the last user's put tears it down, in the
 * caller's thread or, for vas_mm_put_async(), in the machine's teardown
 * worker; the last count (mmdrop, mm/mm.c) frees the object.
 */
#include <limits.h>
#include <pthread.h>
#include "base/bug.h"
#include "mm/mmu_notifier.h"
#include "mmap/mmap_internal.h"

static void machine_queue_teardown(struct vas_machine *machine,
				   struct mm_struct *mm);

/*
 * exit_mmap() - Remove and free every VMA of @mm. No user is left, so no
 * thread can look the tree up any more; VMA readers of other address
 * spaces that hold a stale pointer to one of ours are waited out by
 * vma_mark_detached(). Never allocates and never fails.
 */
void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *freelist = NULL, **tail = &freelist;
	struct vma_batch b = VMA_BATCH_INIT;
	struct rt_iter it;

	/* the last user is gone: notifiers first, then nothing calls them */
	mmu_notifier_release(mm);
	mmap_write_lock(mm);
	rt_iter_init(&it, &mm->mm_mt, 0, ULONG_MAX);
	while ((vma = rt_iter_next(&it, NULL, NULL))) {
		mmap_assert_write_locked(vma->vm_mm);	/* vm_mm == mm */
		vma_start_write(vma);
		/* in address order: the closes come in that order (Linux) */
		vma->cache_next = NULL;
		*tail = vma;
		tail = &vma->cache_next;
	}
	/*
	 * Pages first (dirty file pages get their dirty bit while their
	 * VMAs and files are still there), then the tree (its nodes after
	 * a grace period)...
	 */
	zap_range(mm, 0, PT_USER_TOP, ZAP_GUARDS);
	rt_destroy(&mm->mm_mt);
	/* ...then each VMA is detached and handed back. */
	while (freelist) {
		vma = freelist;
		freelist = vma->cache_next;
		vma->cache_next = NULL;
		vma_close(vma, vma->vm_start, vma->vm_end);
		mmap_assert_write_locked(vma->vm_mm);
		vma_mark_detached(vma);
		vm_area_free_to(vma, &b);
	}
	/* one acquisition of the machine's caches for all of them */
	vma_batch_release(mm->machine, &b);
	vma_cache_flush(mm);
	mm->map_count = 0;
	vm_acct_memory(mm, -(long)mm->committed_vm);	/* vm_unacct_memory */
	mm->total_vm = mm->locked_vm = mm->data_vm = 0;
	mm->exec_vm = mm->stack_vm = 0;
	/* No VMA is left, so no walker: every table goes at once. */
	pt_pgd_free(mm->pgd);
	mm->pgd = NULL;
	mmap_write_unlock(mm);
	stats_add(&mm->machine->stats, VAS_STAT_MM_TEARDOWN, 1);
}

static bool mm_users_dec(struct mm_struct *mm)
{
	int left = __atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_ACQ_REL);

	VAS_BUG_ON(left < 0);
	return left == 0;
}

void mmput(struct mm_struct *mm)
{
	if (mm_users_dec(mm)) {
		exit_mmap(mm);
		mmdrop(mm);
	}
}

void mmput_async(struct mm_struct *mm)
{
	if (mm_users_dec(mm))
		machine_queue_teardown(mm->machine, mm);
}

void vas_mm_put(struct vas_mm_user *mm)
{
	if (mm)	/* the NULL rule of vas/defs.h */
		mmput(mm_of_user(mm));
}

void vas_mm_put_async(struct vas_mm_user *mm)
{
	if (mm)
		mmput_async(mm_of_user(mm));
}

void vas__mm_put_cleanup(struct vas_mm_user **mmp)
{
	if (*mmp)
		vas_mm_put(*mmp);
}

void *teardown_worker(void *arg)
{
	struct vas_machine *machine = arg;
	struct mm_struct *mm;

	vas_mutex_lock(&machine->worker_lock);
	for (;;) {
		while (!machine->worker_queue && !machine->worker_stop) {
			vas_cond_broadcast(&machine->worker_idle);
			vas_cond_wait(&machine->worker_cond,
					  &machine->worker_lock);
		}
		mm = machine->worker_queue;
		if (!mm)
			break;	/* stop, and nothing left to do */
		machine->worker_queue = mm->async_next;
		machine->worker_busy = true;
		vas_mutex_unlock(&machine->worker_lock);

		exit_mmap(mm);
		stats_add(&machine->stats, VAS_STAT_MM_TEARDOWN_ASYNC, 1);
		mmdrop(mm);

		vas_mutex_lock(&machine->worker_lock);
		machine->worker_busy = false;
	}
	vas_cond_broadcast(&machine->worker_idle);
	vas_mutex_unlock(&machine->worker_lock);
	return NULL;
}

static void machine_queue_teardown(struct vas_machine *machine,
				   struct mm_struct *mm)
{
	vas_mutex_lock(&machine->worker_lock);
	mm->async_next = machine->worker_queue;
	machine->worker_queue = mm;
	vas_cond_signal(&machine->worker_cond);
	vas_mutex_unlock(&machine->worker_lock);
}

void vas_machine_flush(struct vas_machine *machine)
{
	vas_mutex_lock(&machine->worker_lock);
	while (machine->worker_queue || machine->worker_busy)
		vas_cond_wait(&machine->worker_idle, &machine->worker_lock);
	vas_mutex_unlock(&machine->worker_lock);
}

void teardown_worker_stop(struct vas_machine *machine)
{
	vas_mutex_lock(&machine->worker_lock);
	machine->worker_stop = true;
	vas_cond_signal(&machine->worker_cond);
	vas_mutex_unlock(&machine->worker_lock);
	pthread_join(machine->worker, NULL);
}
