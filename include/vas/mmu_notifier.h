/* SPDX-License-Identifier: MIT */
/*
 * mmu_notifier.h - being told when an address space's page-table entries
 * change (Linux's MMU notifiers), so that a secondary translation built on
 * them (a software TLB, a host mirror, a device's page tables) never uses
 * a page the address space no longer maps there, or rights it no longer
 * grants.
 *
 * The guarantee: between invalidate_range_start() and the matching
 * invalidate_range_end() for a range, vas changes the entries of that
 * range (clears them, write-protects them, or replaces the page); a page
 * taken out of the range is freed only after invalidate_range_start()
 * returned. A secondary translation that drops its entries for the range
 * in invalidate_range_start(), and does not create new ones for it until
 * invalidate_range_end() (re-checking with a sequence count, as
 * docs/host-memory.md shows), never sees a stale frame.
 *
 * Where vas calls them (Linux's events): munmap and the unmap part of
 * mmap(MAP_FIXED) and mremap (UNMAP); MADV_DONTNEED, MADV_FREE,
 * MADV_PAGEOUT-style reclaim, truncation and hole punching of a mapped
 * file, vas_zap_page_range_single, a copy-on-write break and an unshare
 * replacing one page (CLEAR); mprotect removing rights (PROTECTION_VMA);
 * fork write-protecting the parent's private pages and msync/writeback
 * write-protecting shared file pages (PROTECTION_PAGE); mremap moving
 * entries (UNMAP, on the old range, as Linux's move_page_tables() reports
 * it); the address space's teardown (release(), then no more calls).
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_MMU_NOTIFIER_H
#define VAS_MMU_NOTIFIER_H

#include <vas/defs.h>
#include <vas/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a range is invalidated (Linux's enum mmu_notifier_event). */
enum vas_mmu_notify_event {
	VAS_MMU_NOTIFY_UNMAP = 0,	/* the VMA goes away (munmap) */
	VAS_MMU_NOTIFY_CLEAR,		/* entries cleared or pages replaced;
					 * the VMA stays */
	VAS_MMU_NOTIFY_PROTECTION_VMA,	/* the VMA's rights drop (mprotect) */
	VAS_MMU_NOTIFY_PROTECTION_PAGE,	/* entries write-protected, the VMA
					 * unchanged (fork, writeback) */
	VAS_MMU_NOTIFY_SOFT_DIRTY,	/* soft-dirty tracking (unused yet) */
	VAS_MMU_NOTIFY_RELEASE,		/* the address space is torn down */
	VAS_MMU_NOTIFY_MIGRATE,		/* pages move (unused: no migration) */
	VAS_MMU_NOTIFY_EXCLUSIVE,	/* device-exclusive access (unused) */
};

/* One invalidation. */
struct vas_mmu_notifier_range {
	struct vas_mm *mm;
	unsigned long start;	/* page aligned */
	unsigned long end;	/* page aligned, > start */
	enum vas_mmu_notify_event event;
};

struct vas_mmu_notifier;

/*
 * The callbacks. Any may be NULL.
 *
 * Locking rule: vas calls them from the thread changing the address
 * space, with locks of that address space held (its mmap lock, a VMA
 * lock, or a file's mapping lock; never a page-table lock or a spinning
 * lock), so a callback may sleep and take the embedder's own locks, but
 * must not call back into vas for the same address space (no user
 * access, no faults, no get_user_pages, no mmap lock, no register or
 * unregister) and must not wait for a thread that does. Calls for one
 * address space may come from several threads at once (two faults
 * breaking COW under per-VMA locks): ranges of concurrent calls may
 * overlap, and starts and ends nest per range, not globally.
 *
 * ABI: @size must be sizeof(struct vas_mmu_notifier_ops) (set it with
 * VAS_MMU_NOTIFIER_OPS_INIT()); vas_mmu_notifier_register() refuses a
 * size the library does not know with -EINVAL.
 */
struct vas_mmu_notifier_ops {
	size_t size;	/* sizeof(struct vas_mmu_notifier_ops) */
	/*
	 * The address space is being torn down (exit_mmap): every entry
	 * goes. Called once, before the teardown's zap; no other callback
	 * follows. The notifier stays registered until unregistered.
	 */
	void (*release)(struct vas_mmu_notifier *mn, struct vas_mm *mm);
	/* Entries of @range are about to change; drop what maps them. */
	void (*invalidate_range_start)(struct vas_mmu_notifier *mn,
				       const struct vas_mmu_notifier_range *range);
	/* The change to @range is done; it may be mapped again. */
	void (*invalidate_range_end)(struct vas_mmu_notifier *mn,
				     const struct vas_mmu_notifier_range *range);
};

#define VAS_MMU_NOTIFIER_OPS_INIT(...)                                        \
	{ .size = sizeof(struct vas_mmu_notifier_ops), __VA_ARGS__ }

/**
 * vas_mmu_notifier_register() - Register @ops with @priv on @mm
 * (mmu_notifier_register). Calls begin with the next change of @mm's
 * entries; pages @mm maps now are not reported.
 * @out: receives the notifier.
 * Context: the caller holds a user of @mm and no lock of it; takes the
 * mmap write lock and write-locks every VMA (so it waits for faults in
 * progress: no invalidation is between its start and its end while the
 * notifier is added). May allocate. Lifetime: the notifier holds a count
 * on @mm (the object, not a user) until unregistered.
 * Return: 0, -EINVAL (@ops->size unknown), or -ENOMEM.
 */
VAS_API int vas_mmu_notifier_register(struct vas_mm_user *mm,
				      const struct vas_mmu_notifier_ops *ops,
				      void *priv, struct vas_mmu_notifier **out)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_mmu_notifier_unregister() - Stop @mn's calls and free it: when it
 * returns, no callback of @mn runs or will run. If the address space
 * still has users and release() was not called, it is not called now
 * (Linux calls it; vas does not, so a callback never runs in the
 * unregistering thread). NULL is a no-op.
 * Context: no lock of the address space held; not from a callback. May
 * block (waits for running callbacks).
 */
VAS_API void vas_mmu_notifier_unregister(struct vas_mmu_notifier *mn);

/** vas_mmu_notifier_private() - @priv of the registration. Context: any. */
VAS_API void *vas_mmu_notifier_private(const struct vas_mmu_notifier *mn);

/** vas_mmu_notify_event_name() - "UNMAP", "CLEAR", ... Context: any. */
VAS_API const char *vas_mmu_notify_event_name(enum vas_mmu_notify_event ev);

#ifdef __cplusplus
}
#endif

#endif /* VAS_MMU_NOTIFIER_H */
