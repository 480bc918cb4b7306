// SPDX-License-Identifier: MIT
/*
 * mm.c - the address space: creation, the two counts, teardown, and the
 * public names of the mmap lock.
 *
 * mm_count: while non-zero the object's memory exists. mm_users: while
 * non-zero the address space (VMAs) exists. All users together hold one
 * count. The last mmput() tears the address space down (exit_mmap), then
 * drops that count; the last mmdrop() frees the object.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/lockdep.h"
#include "mm/mm.h"
#include "mm/mmu_notifier.h"
#include "pgtable/pgtable.h"

static unsigned long next_mm_id;

static void mm_list_add(struct vas_machine *machine, struct mm_struct *mm)
{
	vas_mutex_lock(&machine->mm_list_lock);
	mm->mm_list_next = machine->mm_list;
	if (mm->mm_list_next)
		mm->mm_list_next->mm_list_pprev = &mm->mm_list_next;
	mm->mm_list_pprev = &machine->mm_list;
	machine->mm_list = mm;
	vas_mutex_unlock(&machine->mm_list_lock);
}

static void mm_list_del(struct vas_machine *machine, struct mm_struct *mm)
{
	vas_mutex_lock(&machine->mm_list_lock);
	*mm->mm_list_pprev = mm->mm_list_next;
	if (mm->mm_list_next)
		mm->mm_list_next->mm_list_pprev = mm->mm_list_pprev;
	vas_mutex_unlock(&machine->mm_list_lock);
}

int vas_mm_create(struct vas_machine *machine, struct vas_mm_user **out)
{
	struct mm_struct *mm;

	mm = vas_alloc_aligned(sizeof(*mm), 64, VAS_FP_MM);
	if (!mm)
		return -ENOMEM;
	*mm = (struct mm_struct){
		.machine = machine,
		.mm_users = 1,
		.mm_count = 1,
		.id = __atomic_add_fetch(&next_mm_id, 1, __ATOMIC_RELAXED),
	};
	mm->pgd = pt_pgd_alloc();
	if (!mm->pgd) {
		vas_free(mm);
		return -ENOMEM;
	}
	rt_init(&mm->mm_mt);
	mmap_lock_init(&mm->mmap_lock);
	vas_mutex_init(&mm->page_table_lock, LOCK_RANK_MM_PAGE_TABLE);
	mm_list_add(machine, mm);
	/* x86-64 without randomisation: TASK_SIZE less the 128 MiB gap */
	mm->mmap_base = (VAS_TASK_SIZE - (128UL << 20)) & PAGE_MASK;
	for (int r = 0; r < VAS_NR_RLIMITS; r++)
		mm->rlimit[r] = VAS_RLIM_INFINITY;
	mm->rlimit[VAS_RLIMIT_MEMLOCK] = 8UL << 20;
	mm->rlimit[VAS_RLIMIT_STACK] = 8UL << 20;
	mm->cap_ipc_lock = true;
	mm->cap_sys_rawio = false;
	mm->cap_sys_admin = true;
	__atomic_add_fetch(&machine->nr_mms, 1, __ATOMIC_RELAXED);
	stats_add(&machine->stats, VAS_STAT_MM_CREATE, 1);
	*out = mm_user(mm);
	return 0;
}

void mmgrab(struct mm_struct *mm)
{
	int old = __atomic_fetch_add(&mm->mm_count, 1, __ATOMIC_RELAXED);

	VAS_BUG_ON(old <= 0);
}

static void mm_free(struct mm_struct *mm)
{
	struct vas_machine *machine = mm->machine;

	VAS_BUG_ON(mm->mm_mt.root != NULL);
	VAS_BUG_ON(__atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED) != 0);
	/* The VMAs of the mm's own cache go to the machine's (vma/vma.c). */
	if (mm->vma_cache_nr) {
		vas_mutex_lock(&machine->vma_cache_lock);
		while (mm->vma_cache_nr) {
			struct vm_area_struct *v =
				mm->vma_cache[--mm->vma_cache_nr];

			v->cache_next = machine->vma_cache;
			machine->vma_cache = v;
			machine->vma_cache_nr++;
		}
		vas_mutex_unlock(&machine->vma_cache_lock);
	}
	mm_list_del(machine, mm);
	mmu_notifier_subscriptions_destroy(mm);
	mmap_lock_fini(&mm->mmap_lock);
	vas_mutex_destroy(&mm->page_table_lock);
	vas_free(mm);
	__atomic_sub_fetch(&machine->nr_mms, 1, __ATOMIC_RELEASE);
}

void mmdrop(struct mm_struct *mm)
{
	int left = __atomic_sub_fetch(&mm->mm_count, 1, __ATOMIC_ACQ_REL);

	VAS_BUG_ON(left < 0);
	if (left == 0)
		mm_free(mm);
}

void mmget(struct mm_struct *mm)
{
	int old = __atomic_fetch_add(&mm->mm_users, 1, __ATOMIC_RELAXED);

	VAS_BUG_ON(old <= 0);
}

bool mmget_not_zero(struct mm_struct *mm)
{
	int old = __atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED);

	do {
		if (old == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&mm->mm_users, &old, old + 1,
					      true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

int vas_mm_set_rlimit(struct vas_mm_user *u, enum vas_rlimit resource,
		      unsigned long value)
{
	struct mm_struct *mm = mm_of_user(u);

	if ((unsigned)resource >= VAS_NR_RLIMITS)
		return -EINVAL;
	mmap_write_lock(mm);
	__atomic_store_n(&mm->rlimit[resource], value, __ATOMIC_RELAXED);
	mmap_write_unlock(mm);
	return 0;
}

unsigned long vas_mm_get_rlimit(struct vas_mm_user *u, enum vas_rlimit resource)
{
	if ((unsigned)resource >= VAS_NR_RLIMITS)
		return 0;
	return __atomic_load_n(&mm_of_user(u)->rlimit[resource],
			       __ATOMIC_RELAXED);
}

void vas_mm_set_cap_ipc_lock(struct vas_mm_user *u, bool capable)
{
	__atomic_store_n(&mm_of_user(u)->cap_ipc_lock, capable,
			 __ATOMIC_RELAXED);
}

void vas_mm_set_cap_sys_admin(struct vas_mm_user *u, bool capable)
{
	__atomic_store_n(&mm_of_user(u)->cap_sys_admin, capable,
			 __ATOMIC_RELAXED);
}

void vas_mm_set_cap_sys_rawio(struct vas_mm_user *u, bool capable)
{
	__atomic_store_n(&mm_of_user(u)->cap_sys_rawio, capable,
			 __ATOMIC_RELAXED);
}

/* ---- public names ------------------------------------------------------- */

struct vas_mm *vas_mm_from_user(struct vas_mm_user *mm)
{
	return mm_counted(mm_of_user(mm));
}

void vas_mm_grab(struct vas_mm *mm)
{
	mmgrab(mm_of(mm));
}

void vas_mm_drop(struct vas_mm *mm)
{
	if (mm)	/* the NULL rule of vas/defs.h */
		mmdrop(mm_of(mm));
}

struct vas_mm_user *vas_mm_get_not_zero(struct vas_mm *mm)
{
	return mmget_not_zero(mm_of(mm)) ? mm_user(mm_of(mm)) : NULL;
}

struct vas_mm_user *vas_mm_get(struct vas_mm_user *mm)
{
	mmget(mm_of_user(mm));
	return mm;
}

int vas_mm_users(const struct vas_mm *mm)
{
	return __atomic_load_n(&mm_of(mm)->mm_users, __ATOMIC_RELAXED);
}

int vas_mm_count(const struct vas_mm *mm)
{
	return __atomic_load_n(&mm_of(mm)->mm_count, __ATOMIC_RELAXED);
}

int vas_mm_map_count(struct vas_mm_user *mm)
{
	return mm_of_user(mm)->map_count;
}

struct vas_machine *vas_mm_machine(const struct vas_mm *mm)
{
	return mm_of(mm)->machine;
}

/*
 * The public lock functions convert the capability from vas_mm_user to the
 * internal mm_struct; the analysis cannot see through that conversion, so
 * these thin wrappers are exempt and their declarations carry the contract.
 */
void vas_mmap_read_lock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_read_lock(mm_of_user(mm));
}

bool vas_mmap_read_trylock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	return mmap_read_trylock(mm_of_user(mm));
}

void vas_mmap_read_unlock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_read_unlock(mm_of_user(mm));
}

void vas_mmap_write_lock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_write_lock(mm_of_user(mm));
}

bool vas_mmap_write_trylock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	return mmap_write_trylock(mm_of_user(mm));
}

void vas_mmap_write_unlock(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_write_unlock(mm_of_user(mm));
}

void vas_mmap_write_downgrade(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_write_downgrade(mm_of_user(mm));
}

void vas_mmap_assert_locked(struct vas_mm_user *mm) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_assert_locked(mm_of_user(mm));
}

void vas_mmap_assert_write_locked(struct vas_mm_user *mm)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	mmap_assert_write_locked(mm_of_user(mm));
}

void vas__mmap_scope_left_open(const struct vas__mmap_scope *scope)
{
	fprintf(stderr,
		"vas: %s:%d: an mmap lock block (VAS_MMAP_*_BEGIN) was left "
		"without its END (return, break, continue or goto out of the "
		"block); the mmap lock is still held\n",
		scope->file, scope->line);
	fflush(stderr);
	abort();
}
