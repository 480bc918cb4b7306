// SPDX-License-Identifier: MIT
/*
 * machine.c - the machine: tunables, counters, physical memory, the VMA
 * cache, and the worker thread that runs deferred teardowns (started here,
 * run by mmap/exit.c).
 */
#include <errno.h>
#include <string.h>
#include <vas/physmem.h>
#include "base/abi.h"
#include "base/alloc.h"
#include "base/bug.h"
#include "host/host.h"
#include "mmap/mmap_internal.h"
#include "page/page.h"

void vas_machine_config_init(struct vas_machine_config *cfg)
{
	cfg->size = sizeof(*cfg);
	cfg->max_map_count = 65530;
	cfg->mmap_min_addr = 65536;
	cfg->lsm_mmap_min_addr = 0;
	cfg->stack_guard_gap = 256UL << PAGE_SHIFT;
	cfg->vma_cache_max = 16384;
	cfg->frames_bytes = 256UL << 20;
	cfg->fault_mmap_lock_only = false;
	cfg->zero_page = true;
	cfg->file_folio_max = PAGE_SIZE;
	cfg->overcommit_memory = VAS_OVERCOMMIT_GUESS;
	cfg->overcommit_ratio = 50;
	cfg->overcommit_kbytes = 0;
	cfg->admin_reserve_kbytes = VAS_RESERVE_DEFAULT;
	cfg->user_reserve_kbytes = VAS_RESERVE_DEFAULT;
	cfg->commit_ram_bytes = 0;
	cfg->commit_swap_bytes = 0;
}

/*
 * The defaults that depend on the RAM: commit_ram_bytes is frames_bytes,
 * and the reserves are Linux's init_admin_reserve() and
 * init_user_reserve(): 1/32 of the free memory at boot (all of the RAM
 * here), at most 8 MiB and 128 MiB.
 */
static void config_resolve(struct vas_machine_config *cfg)
{
	unsigned long ram_kb;

	if (!cfg->commit_ram_bytes)
		cfg->commit_ram_bytes = cfg->frames_bytes;
	ram_kb = cfg->commit_ram_bytes >> 10;
	if (cfg->admin_reserve_kbytes == VAS_RESERVE_DEFAULT)
		cfg->admin_reserve_kbytes = min_t(unsigned long, ram_kb / 32,
						  8192);
	if (cfg->user_reserve_kbytes == VAS_RESERVE_DEFAULT)
		cfg->user_reserve_kbytes = min_t(unsigned long, ram_kb / 32,
						 1UL << 17);
}

/* A tunable out of range (vas_machine_create() refuses it: -EINVAL)? */
static bool config_bad(const struct vas_machine_config *cfg)
{
	size_t folio = cfg->file_folio_max;

	return cfg->max_map_count == 0 || cfg->max_map_count > INT32_MAX ||
	       (cfg->mmap_min_addr & (PAGE_SIZE - 1)) ||
	       (cfg->lsm_mmap_min_addr & (PAGE_SIZE - 1)) ||
	       (cfg->stack_guard_gap & (PAGE_SIZE - 1)) ||
	       folio < PAGE_SIZE || folio > VAS_FILE_FOLIO_MAX ||
	       (folio & (folio - 1)) ||
	       cfg->overcommit_memory < VAS_OVERCOMMIT_GUESS ||
	       cfg->overcommit_memory > VAS_OVERCOMMIT_NEVER;
}

/* Undo what vas_machine_create() set up, the worker thread aside. */
static void machine_free(struct vas_machine *machine)
{
	frames_destroy(machine->frames);
	vas_cond_destroy(&machine->worker_idle);
	vas_cond_destroy(&machine->worker_cond);
	vas_mutex_destroy(&machine->worker_lock);
	vas_mutex_destroy(&machine->mm_list_lock);
	vas_mutex_destroy(&machine->vma_cache_lock);
	stats_destroy(&machine->stats);
	vas_free(machine);
}

int vas_machine_create(const struct vas_machine_config *cfg,
		       struct vas_machine **out)
{
	struct vas_machine *machine;
	struct vas_machine_config conf;
	int err;

	/*
	 * The caller's fields over the defaults: a config of an older
	 * version (smaller size) gets the defaults for the fields it lacks.
	 */
	vas_machine_config_init(&conf);
	if (cfg) {
		if (!machine_config_size_ok(cfg))
			return -EINVAL;
		memcpy(&conf, cfg, cfg->size);
		conf.size = sizeof(conf);
	}
	cfg = &conf;
	if (config_bad(cfg))
		return -EINVAL;
	machine = vas_alloc_aligned(sizeof(*machine), 64, VAS_FP_MACHINE);
	if (!machine)
		return -ENOMEM;
	memset(machine, 0, sizeof(*machine));
	machine->cfg = *cfg;
	stats_init(&machine->stats);
	err = frames_create(&machine->cfg.frames_bytes,
			    machine->cfg.file_folio_max, &machine->stats,
			    &machine->frames);
	if (err) {
		stats_destroy(&machine->stats);
		vas_free(machine);
		return err;
	}
	config_resolve(&machine->cfg);
	vas_mutex_init(&machine->vma_cache_lock, LOCK_RANK_VMA_CACHE);
	vas_mutex_init(&machine->worker_lock, LOCK_RANK_WORKER);
	vas_mutex_init(&machine->mm_list_lock, LOCK_RANK_MM_LIST);
	vas_cond_init(&machine->worker_cond);
	vas_cond_init(&machine->worker_idle);
	err = host_thread_create(&machine->worker, teardown_worker, machine);
	if (err) {
		machine_free(machine);
		return err;
	}
	*out = machine;
	return 0;
}

int vas_machine_destroy(struct vas_machine *machine)
{
	if (!machine)	/* the NULL rule of vas/defs.h */
		return 0;
	vas_machine_flush(machine);
	if (__atomic_load_n(&machine->nr_mms, __ATOMIC_ACQUIRE) != 0)
		return -EBUSY;
	/* pinned pages not yet unpinned (vas_unpin_user_pages) */
	if (stats_sum(&machine->stats, VAS_STAT_FOLL_PIN_ACQUIRED) !=
	    stats_sum(&machine->stats, VAS_STAT_FOLL_PIN_RELEASED))
		return -EBUSY;
	vas_mutex_lock(frames_inode_lock(machine->frames));
	if (*frames_inodes(machine->frames)) {	/* a host file is open */
		vas_mutex_unlock(frames_inode_lock(machine->frames));
		return -EBUSY;
	}
	vas_mutex_unlock(frames_inode_lock(machine->frames));
	teardown_worker_stop(machine);
	/* VMAs and tree nodes freed through RCU must be gone first. */
	vas_rcu_barrier();
	vma_cache_drain(machine);
	machine_free(machine);
	return 0;
}

unsigned long vas_machine_committed(const struct vas_machine *machine)
{
	long n = __atomic_load_n(&machine->committed, __ATOMIC_RELAXED);

	return n > 0 ? (unsigned long)n : 0;
}

const struct vas_machine_config *
vas_machine_config(const struct vas_machine *machine)
{
	return &machine->cfg;
}

uint64_t vas_stat_read(const struct vas_machine *machine, enum vas_stat stat)
{
	if (!machine)
		return 0;
	return stats_sum(&machine->stats, stat);
}

void vas_machine_mem_info(const struct vas_machine *machine,
			  struct vas_mem_info *out)
{
	frames_mem_info(machine->frames, out);
}

int vas_machine_memfd(const struct vas_machine *machine)
{
	return frames_memfd(machine->frames);
}

void vas_stats_print(const struct vas_machine *machine, FILE *out)
{
	stats_print(&machine->stats, out);
}
