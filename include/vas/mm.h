/* SPDX-License-Identifier: MIT */
/*
 * mm.h - the machine, the address space with its two counts, and the mmap
 * lock.
 *
 * Two pointer types name one address space (Linux: mm_count and mm_users;
 * the Rust abstractions: Mm and MmWithUser):
 *
 *  struct vas_mm *       holds a *count* (vas_mm_grab/vas_mm_drop). The
 *                        object's memory stays, but the address space may
 *                        already be torn down (users == 0). The only way to
 *                        use it is vas_mm_get_not_zero().
 *  struct vas_mm_user *  holds a *user* (vas_mm_get/vas_mm_put). While any
 *                        user exists the VMAs and page tables exist; this is
 *                        the type every lock, lookup and mapping call takes.
 *                        It is also the capability named by the mmap-lock
 *                        annotations, so Clang's -Wthread-safety checks that
 *                        each call holds the lock it needs.
 *
 * All users together hold one count; the last vas_mm_put() tears the
 * address space down (every VMA removed and freed), the last vas_mm_drop()
 * frees the object.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_MM_H
#define VAS_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <vas/defs.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_machine;
struct vas_mm;
struct VAS_CAPABILITY("mmap_lock") vas_mm_user;

/* ---- machine ------------------------------------------------------------ */

/*
 * Tunables of a machine: what a Linux kernel's build, boot parameters and
 * sysctls decide. vas_machine_config_init() fills Linux's defaults; set a
 * field after it to model another kernel (docs/machine.md lists how each
 * shows on a host and how to find its value there).
 *
 * ABI: @size is sizeof(struct vas_machine_config) as the caller was
 * compiled; vas_machine_config_init() sets it, so a config made only that
 * way is always right. Later versions add fields at the end only; the
 * library reads only the fields @size covers and takes the defaults for
 * the rest. A @size smaller than this first version's, or larger than the
 * library knows, is refused (vas_machine_create(): -EINVAL). See "ABI" in
 * docs/design.md.
 */
struct vas_machine_config {
	size_t size;			/* sizeof(struct vas_machine_config) */
	unsigned long max_map_count;	/* vm.max_map_count: 65530 */
	/*
	 * vm.mmap_min_addr (Linux's dac_mmap_min_addr), page aligned: 65536.
	 * Below it a mapping at a fixed address (MAP_FIXED, MREMAP_FIXED)
	 * needs CAP_SYS_RAWIO (vas_mm_set_cap_sys_rawio(), else -EPERM);
	 * hints below it are raised to it, and stacks do not grow below it.
	 */
	unsigned long mmap_min_addr;
	/*
	 * CONFIG_LSM_MMAP_MIN_ADDR of a kernel with a security module
	 * (SELinux) built in, page aligned: 0, none. Hints are raised to,
	 * and stacks stop at, the larger of it and mmap_min_addr (Linux's
	 * mmap_min_addr); it refuses nothing by itself (no security module
	 * is modelled). Linux's Kconfig default is 65536.
	 */
	unsigned long lsm_mmap_min_addr;
	unsigned long stack_guard_gap;	/* 256 pages: 1 MiB */
	unsigned int vma_cache_max;	/* freed VMAs kept for reuse: 16384 */
	/*
	 * Physical memory: the most the frame pool may hold (its memory
	 * file grows on demand up to it; vas_machine_mem_info()). A
	 * multiple of 4096, two frames to 64 TiB. 256 MiB; 0: default.
	 */
	size_t frames_bytes;
	/*
	 * User access and faults skip the per-VMA read lock and always take
	 * the mmap read lock, as a kernel without CONFIG_PER_VMA_LOCK
	 * does: for measuring what per-VMA locks gain. Default false.
	 */
	bool fault_mmap_lock_only;
	/*
	 * A read fault on anonymous private memory maps the shared zero page
	 * (no memory used, no RSS; a later write copies it), as Linux does.
	 * false: it allocates a zeroed page, charged to RSS and mapped
	 * writable if the VMA is, and the VMA gets its anon_vma, as on a
	 * kernel where mm_forbids_zeropage() holds (a boot parameter of some
	 * hypervisor guests turns the zero page off). Default true.
	 */
	bool zero_page;
	/*
	 * The largest folio, in bytes, of a host file's page cache
	 * (vas_file_open_host): a power of two from 4 KiB (one page per
	 * folio) to VAS_FILE_FOLIO_MAX (2 MiB). The file is cached in
	 * naturally aligned pieces of this size; the piece at the end of
	 * the file, cut short, is split into the largest aligned
	 * power-of-two folios that fit the bytes it has. A shared write fault maps the whole folio (Linux's
	 * finish_fault), reclaim evicts whole folios. Which folios Linux
	 * builds depends on the file system and on how the file was written
	 * (ext4 on 6.18 gives a file written in 16 KiB pieces 16 KiB folios).
	 * Default 4 KiB: single pages, as a file system without large folios.
	 */
	size_t file_folio_max;
	/*
	 * Commit accounting (Linux's vm.overcommit_* sysctls and
	 * __vm_enough_memory()). Memory a private writable mapping may come
	 * to need is committed when it is mapped (VM_ACCOUNT: mmap, brk,
	 * mremap growing or moving it, mprotect making it writable, stack
	 * growth, fork copying it) and shared anonymous memory when it is
	 * created, unless MAP_NORESERVE; each such request is checked:
	 *  VAS_OVERCOMMIT_GUESS (0, Linux's default): refused (-ENOMEM) if
	 *    the request alone is larger than commit_ram_bytes +
	 *    commit_swap_bytes;
	 *  VAS_OVERCOMMIT_ALWAYS (1): never refused;
	 *  VAS_OVERCOMMIT_NEVER (2): refused unless the machine's committed
	 *    total with the request stays below the commit limit: RAM *
	 *    overcommit_ratio / 100 (or overcommit_kbytes if not 0) + swap,
	 *    less admin_reserve_kbytes for an address space without
	 *    CAP_SYS_ADMIN (vas_mm_set_cap_sys_admin()) and less the smaller
	 *    of user_reserve_kbytes and total_vm / 32 of the one asking;
	 *    MAP_NORESERVE is ignored in this mode, as in Linux.
	 * The committed total counts what this machine committed, not the
	 * host's (vas_machine_committed()).
	 */
	int overcommit_memory;		/* vm.overcommit_memory: 0 */
	unsigned int overcommit_ratio;	/* vm.overcommit_ratio: 50 */
	unsigned long overcommit_kbytes; /* vm.overcommit_kbytes: 0 */
	/*
	 * vm.admin_reserve_kbytes and vm.user_reserve_kbytes.
	 * VAS_RESERVE_DEFAULT: Linux's boot-time values from the RAM,
	 * min(RAM / 32, 8 MiB) and min(RAM / 32, 128 MiB).
	 */
	unsigned long admin_reserve_kbytes;
	unsigned long user_reserve_kbytes;
	/*
	 * The RAM and swap the accounting counts (Linux's totalram_pages()
	 * and total_swap_pages), in bytes. 0 RAM: frames_bytes, the memory
	 * the machine can have. Default 0 and 0 (no swap).
	 */
	size_t commit_ram_bytes;
	size_t commit_swap_bytes;
};

/* Values of vas_machine_config.overcommit_memory (Linux's OVERCOMMIT_*). */
#define VAS_OVERCOMMIT_GUESS 0
#define VAS_OVERCOMMIT_ALWAYS 1
#define VAS_OVERCOMMIT_NEVER 2
/* admin_reserve_kbytes or user_reserve_kbytes: Linux's default. */
#define VAS_RESERVE_DEFAULT (~0UL)

/* The largest file_folio_max: one page table's span (PMD order), 2 MiB. */
#define VAS_FILE_FOLIO_MAX (2UL << 20)

/**
 * vas_machine_config_init() - Fill @cfg with the defaults, @cfg->size
 * included (sizeof(*@cfg)). Context: any.
 */
VAS_API void vas_machine_config_init(struct vas_machine_config *cfg);

/**
 * vas_machine_create() - Create a machine: tunables, statistics, the VMA
 * cache and the worker thread that runs deferred teardown.
 * @cfg: tunables, or NULL for the defaults. Copied.
 * @out: receives the machine.
 *
 * Context: any thread; may block, may allocate.
 * Return: 0, -ENOMEM, -EINVAL (a tunable out of range, or @cfg->size
 * not one the library knows: not made by vas_machine_config_init()), -EAGAIN (the
 * worker thread could not be started), or -EMFILE / -ENFILE (no file
 * descriptor for the memory file of the frames, vas/physmem.h).
 */
VAS_API int vas_machine_create(const struct vas_machine_config *cfg,
			       struct vas_machine **out) VAS_MUST_CHECK;

/**
 * vas_machine_destroy() - Destroy @machine. Waits for deferred teardowns
 * and RCU callbacks to finish first.
 *
 * Context: no address space of @machine may remain (not even a count).
 * May block. Return: 0 (also for a NULL @machine: nothing done), or -EBUSY
 * (address spaces or host files of the machine remain, or pins taken by
 * vas_pin_user_pages() are not yet released; nothing done). References
 * (vas_get_user_pages(), driver pages) are not checked: frames still
 * referenced are reported and lost.
 */
VAS_API int vas_machine_destroy(struct vas_machine *machine) VAS_MUST_CHECK;

/**
 * vas_machine_committed() - Pages the address spaces of @machine have
 * committed now (Linux's Committed_AS, counted for this machine only).
 * An address space's changes reach it when its mmap write lock is
 * released (or downgraded), one atomic add per write section.
 * Context: any; racy. Return: the number of pages.
 */
VAS_API unsigned long vas_machine_committed(const struct vas_machine *machine);

/**
 * vas_machine_config() - The tunables of @machine, with the defaults that
 * depend on others resolved (frames_bytes, commit_ram_bytes, the reserves).
 * Its size field is the library's sizeof(struct vas_machine_config): read
 * a field only if size covers it (VAS_ABI_HAS()).
 * Context: any. Lifetime: as long as @machine.
 */
VAS_API const struct vas_machine_config *
vas_machine_config(const struct vas_machine *machine);

/**
 * vas_machine_flush() - Wait until every deferred teardown queued so far
 * (vas_mm_put_async) has run. Context: may block; holds no vas lock.
 */
VAS_API void vas_machine_flush(struct vas_machine *machine);

/* ---- address space: creation and the two counts ------------------------ */

/**
 * vas_mm_create() - Create an empty address space in @machine.
 * @out: receives the creator's user reference (users = 1, count = 1).
 * Context: any; may allocate. Return: 0 or -ENOMEM.
 */
VAS_API int vas_mm_create(struct vas_machine *machine,
			  struct vas_mm_user **out) VAS_MUST_CHECK;

/**
 * vas_mm_from_user() - The count view of @mm (no count is taken).
 * Lifetime: as long as the caller's user reference; vas_mm_grab() it to
 * keep it longer.
 */
VAS_API struct vas_mm *vas_mm_from_user(struct vas_mm_user *mm);

/** vas_mm_grab() - Take a count (mmgrab). Context: caller holds a count or user. */
VAS_API void vas_mm_grab(struct vas_mm *mm);

/**
 * vas_mm_drop() - Drop a count (mmdrop); the last one frees the object.
 * NULL is a no-op.
 * Context: may free; the caller's pointer is invalid afterwards.
 */
VAS_API void vas_mm_drop(struct vas_mm *mm);

/**
 * vas_mm_get_not_zero() - Take a user if the address space still has one
 * (mmget_not_zero).
 * Context: the caller holds a count on @mm. Takes no lock.
 * Return: the user reference, or NULL if the address space is gone.
 * Lifetime: until the matching vas_mm_put()/vas_mm_put_async().
 */
VAS_API struct vas_mm_user *vas_mm_get_not_zero(struct vas_mm *mm)
	VAS_MUST_CHECK;

/** vas_mm_get() - Take another user (mmget). Context: caller holds a user. */
VAS_API struct vas_mm_user *vas_mm_get(struct vas_mm_user *mm);

/**
 * vas_mm_put() - Drop a user (mmput). The last user tears the address space
 * down here, in the caller's thread: every VMA is removed and freed.
 * NULL is a no-op.
 * Context: the caller holds no lock of @mm; may block.
 */
VAS_API void vas_mm_put(struct vas_mm_user *mm) VAS_EXCLUDES(mm);

/**
 * vas_mm_put_async() - Drop a user; if it is the last, the machine's worker
 * tears the address space down later (mmput_async). Never blocks on the
 * teardown; safe where vas_mm_put() would take a lock the caller orders
 * after the mmap lock. NULL is a no-op.
 * Context: any; may be called with other locks held (not @mm's mmap lock).
 */
VAS_API void vas_mm_put_async(struct vas_mm_user *mm) VAS_EXCLUDES(mm);

/** vas_mm_users() - Current user count (racy; for tests and reports). */
VAS_API int vas_mm_users(const struct vas_mm *mm);
/** vas_mm_count() - Current count (racy; for tests and reports). */
VAS_API int vas_mm_count(const struct vas_mm *mm);
/** vas_mm_map_count() - Number of VMAs. Context: mmap lock held (read). */
VAS_API int vas_mm_map_count(struct vas_mm_user *mm) VAS_REQUIRES_SHARED(mm);
/** vas_mm_machine() - The machine @mm lives in. Context: caller holds a count. */
VAS_API struct vas_machine *vas_mm_machine(const struct vas_mm *mm);

/**
 * vas_mm_validate() - Check every invariant of @mm: the tree, each VMA
 * against the tree, flags, counts and accounting, every page-table entry
 * against the VMAs and its frame's counts, the RSS counters against the
 * entries; prints what is wrong to stderr.
 * Context: takes the mmap lock for write and write-locks every VMA, so
 * that no fault runs meanwhile (waits for VMA readers); may block.
 * Return: 0, or -EUCLEAN.
 */
VAS_API int vas_mm_validate(struct vas_mm_user *mm) VAS_EXCLUDES(mm);

/* ---- the mmap lock ------------------------------------------------------- */
/*
 * A writer-fair reader/writer lock: readers that arrive while a writer waits
 * queue behind it, and a writer's release admits every reader that queued,
 * so neither side can starve the other. While it is held for write, VMAs
 * are write-locked cheaply (vma_start_write stamps them with mm_lock_seq);
 * releasing it releases every VMA write lock at once (docs/locking.md).
 *
 * Lock order: mmap lock, then VMA locks, then page locks, then page-table
 * locks; two address spaces' mmap locks only through the fork path.
 */

/** vas_mmap_read_lock() - Take the mmap lock for read. May block. */
VAS_API void vas_mmap_read_lock(struct vas_mm_user *mm) VAS_ACQUIRE_SHARED(mm);
/** vas_mmap_read_trylock() - Take it for read if that needs no wait. */
VAS_API bool vas_mmap_read_trylock(struct vas_mm_user *mm)
	VAS_TRY_ACQUIRE_SHARED(true, mm) VAS_MUST_CHECK;
/** vas_mmap_read_unlock() - Release a read hold. */
VAS_API void vas_mmap_read_unlock(struct vas_mm_user *mm) VAS_RELEASE_SHARED(mm);
/** vas_mmap_write_lock() - Take the mmap lock for write. May block. */
VAS_API void vas_mmap_write_lock(struct vas_mm_user *mm) VAS_ACQUIRE(mm);
/** vas_mmap_write_trylock() - Take it for write if that needs no wait. */
VAS_API bool vas_mmap_write_trylock(struct vas_mm_user *mm)
	VAS_TRY_ACQUIRE(true, mm) VAS_MUST_CHECK;
/** vas_mmap_write_unlock() - Release the write hold and every VMA write lock. */
VAS_API void vas_mmap_write_unlock(struct vas_mm_user *mm) VAS_RELEASE(mm);
/**
 * vas_mmap_write_downgrade() - Turn the write hold into a read hold without
 * a window in which another writer could enter. Releases VMA write locks.
 */
VAS_API void vas_mmap_write_downgrade(struct vas_mm_user *mm)
	VAS_RELEASE(mm) VAS_ACQUIRE_SHARED(mm);

/**
 * vas_mmap_assert_locked() / vas_mmap_assert_write_locked() - Tell the
 * compiler (and, in debug builds, check at run time) that the calling thread
 * holds the mmap lock, where the analysis cannot see it taken (a callback
 * called with the lock held). The analysis then treats the lock as held to
 * the end of the calling function. As Linux's mmap_assert_locked(), only
 * the mmap lock satisfies it: a VMA read lock alone does not.
 */
VAS_API void vas_mmap_assert_locked(struct vas_mm_user *mm)
	VAS_ASSERT_SHARED_CAPABILITY(mm);
VAS_API void vas_mmap_assert_write_locked(struct vas_mm_user *mm)
	VAS_ASSERT_CAPABILITY(mm);

/*
 * Lock blocks. VAS_MMAP_READ_BEGIN(mm) opens a block and takes the mmap lock
 * for read; VAS_MMAP_READ_END(mm) releases it and closes the block (and
 * VAS_MMAP_WRITE_BEGIN/END for write):
 *
 *	VAS_MMAP_READ_BEGIN(mm);
 *	struct vas_vma_ref *vma = vas_vma_lookup(mm, addr);
 *	...
 *	VAS_MMAP_READ_END(mm);
 *	// unlocked; vma is out of scope, and a lookup here does not compile
 *	// under -Wthread-safety
 *
 * The rules:
 *  - BEGIN and END pair up like braces (they are braces: one without the
 *    other does not compile); a READ_BEGIN closed by a WRITE_END, or the
 *    reverse, does not compile either. Both name the same address space
 *    (the analysis checks it, and debug builds at run time).
 *  - Variables declared in the block die with the lock.
 *  - Clang's thread-safety analysis sees the lock taken at BEGIN and
 *    released at END, as if the calls were written out: code after the
 *    block may lock again, and a lookup after the block is reported.
 *  - Control must leave the block through END only. There is no unlock on
 *    return, break, continue or goto: Clang 14's analysis cannot see a
 *    cleanup function release a lock, so it would believe the lock still
 *    held. Such an early exit is instead reported by -Wthread-safety (the
 *    lock "is still held at the end of function", "is not held on every
 *    path through here", or "expecting ... to be held at start of each
 *    loop"); compiled without the analysis, it aborts at run time, with
 *    the file and line of the BEGIN, when the block's scope ends without
 *    its END. Set a result, then leave through END.
 *
 * Context: BEGIN as vas_mmap_read_lock() / vas_mmap_write_lock() (a user
 * of @mm, not holding its mmap lock; may block); END as the unlock.
 */
struct vas__mmap_scope {
	const char *file;
	int line;
	int open;		/* 1 from BEGIN until END */
};
/*
 * vas__mmap_scope_left_open() - Print that the block opened at @scope's
 * file and line was left without its END, and abort. Called only by the
 * block's cleanup. Context: any.
 */
VAS_API void vas__mmap_scope_left_open(const struct vas__mmap_scope *scope)
	__attribute__((noreturn));
static inline void vas__mmap_scope_check(struct vas__mmap_scope *scope)
{
	if (__builtin_expect(scope->open, 0))
		vas__mmap_scope_left_open(scope);
}

#define VAS_MMAP_READ_BEGIN(mm)                                               \
	{                                                                     \
		struct vas__mmap_scope vas__mmap_read_scope                   \
			__attribute__((cleanup(vas__mmap_scope_check))) =     \
				{ __FILE__, __LINE__, 1 };                    \
		vas_mmap_read_lock(mm)
#define VAS_MMAP_READ_END(mm)                                                 \
		vas_mmap_read_unlock(mm);                                     \
		vas__mmap_read_scope.open = 0;                                \
	}                                                                     \
	do {                                                                  \
	} while (0)
#define VAS_MMAP_WRITE_BEGIN(mm)                                              \
	{                                                                     \
		struct vas__mmap_scope vas__mmap_write_scope                  \
			__attribute__((cleanup(vas__mmap_scope_check))) =     \
				{ __FILE__, __LINE__, 1 };                    \
		vas_mmap_write_lock(mm)
#define VAS_MMAP_WRITE_END(mm)                                                \
		vas_mmap_write_unlock(mm);                                    \
		vas__mmap_write_scope.open = 0;                               \
	}                                                                     \
	do {                                                                  \
	} while (0)

/**
 * vas__mm_put_cleanup() - The cleanup behind VAS_MM_USER_SCOPED: a variable
 * declared `struct vas_mm_user *mm VAS_MM_USER_SCOPED = ...;` is given to
 * vas_mm_put() when its block ends (nothing is done for NULL).
 * Context: as vas_mm_put(): no lock of the address space held at the end
 * of the block. Lifetime: the user reference ends with the block.
 */
VAS_API void vas__mm_put_cleanup(struct vas_mm_user **mmp);
#define VAS_MM_USER_SCOPED __attribute__((cleanup(vas__mm_put_cleanup)))

#ifdef __cplusplus
}
#endif

#endif /* VAS_MM_H */
