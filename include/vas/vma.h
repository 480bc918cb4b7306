/* SPDX-License-Identifier: MIT */
/*
 * vma.h - VMAs seen through access-level types, the guards that hand them
 * out, lookup, and the VM_* flags.
 *
 * Access levels are types (as VmaRef, VmaMixedMap and VmaNew of the
 * kernel's Rust mm abstractions):
 *
 *  struct vas_vma_ref       the holder has the mmap lock (read or write) or
 *                           this VMA's read lock. May read the fields.
 *  struct vas_vma_mixedmap  as vas_vma_ref, and VM_MIXEDMAP is set. May also
 *                           insert pages (vas_vm_insert_page(), <vas/memory.h>).
 *  struct vas_vma_new       a VMA being set up by a file's mmap hook, not yet
 *                           visible to anyone. May also set VM_IO,
 *                           VM_DONTEXPAND, VM_DONTCOPY, VM_DONTDUMP,
 *                           VM_MIXEDMAP, VM_PFNMAP and clear
 *                           VM_MAY{READ,WRITE,EXEC}.
 *
 * Lifetime rule, for every pointer of these types: it is valid until the
 * lock it came from is released (the mmap lock, or vas_vma_end_read() of
 * the struct vas_vma_read_guard it came from). Debug builds (VAS_DEBUG)
 * check on every accessor that the calling thread still holds a lock that
 * covers the VMA, and abort with a report if it does not.
 *
 * The VMA read lock itself is a separate type, struct vas_vma_read_guard
 * (below): a VMA reference cannot be mistaken for a lock to release.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_VMA_H
#define VAS_VMA_H

#include <stdbool.h>
#include <stdint.h>
#include <vas/defs.h>
#include <vas/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_vma_ref;
struct vas_vma_mixedmap;
struct vas_vma_new;
struct vas_file;

/* ---- VM_* flags: the values of Linux 6.18 on x86-64 ---------------------- */
#define VAS_VM_NONE 0x00000000UL
#define VAS_VM_READ 0x00000001UL
#define VAS_VM_WRITE 0x00000002UL
#define VAS_VM_EXEC 0x00000004UL
#define VAS_VM_SHARED 0x00000008UL
#define VAS_VM_MAYREAD 0x00000010UL
#define VAS_VM_MAYWRITE 0x00000020UL
#define VAS_VM_MAYEXEC 0x00000040UL
#define VAS_VM_MAYSHARE 0x00000080UL
#define VAS_VM_GROWSDOWN 0x00000100UL
#define VAS_VM_UFFD_MISSING 0x00000200UL
#define VAS_VM_PFNMAP 0x00000400UL
/* A guard region may be installed (MADV_GUARD_INSTALL; smaps "gu"). */
#define VAS_VM_MAYBE_GUARD 0x00000800UL
#define VAS_VM_UFFD_WP 0x00001000UL
#define VAS_VM_LOCKED 0x00002000UL
#define VAS_VM_IO 0x00004000UL
#define VAS_VM_SEQ_READ 0x00008000UL
#define VAS_VM_RAND_READ 0x00010000UL
#define VAS_VM_DONTCOPY 0x00020000UL
#define VAS_VM_DONTEXPAND 0x00040000UL
#define VAS_VM_LOCKONFAULT 0x00080000UL
#define VAS_VM_ACCOUNT 0x00100000UL
#define VAS_VM_NORESERVE 0x00200000UL
#define VAS_VM_HUGETLB 0x00400000UL
#define VAS_VM_SYNC 0x00800000UL
#define VAS_VM_ARCH_1 0x01000000UL	/* x86: VM_PAT */
#define VAS_VM_PAT VAS_VM_ARCH_1
#define VAS_VM_WIPEONFORK 0x02000000UL
#define VAS_VM_DONTDUMP 0x04000000UL
#define VAS_VM_SOFTDIRTY 0x08000000UL
#define VAS_VM_MIXEDMAP 0x10000000UL
#define VAS_VM_HUGEPAGE 0x20000000UL
#define VAS_VM_NOHUGEPAGE 0x40000000UL
#define VAS_VM_MERGEABLE 0x80000000UL
#define VAS_VM_PKEY_BIT0 (1UL << 32)
#define VAS_VM_PKEY_BIT1 (1UL << 33)
#define VAS_VM_PKEY_BIT2 (1UL << 34)
#define VAS_VM_PKEY_BIT3 (1UL << 35)
#define VAS_VM_SHADOW_STACK (1UL << 37)
#define VAS_VM_ALLOW_ANY_UNCACHED (1UL << 39)
#define VAS_VM_DROPPABLE (1UL << 40)
#define VAS_VM_UFFD_MINOR (1UL << 41)
#define VAS_VM_SEALED (1UL << 42)

#define VAS_VM_ACCESS_FLAGS (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_EXEC)
#define VAS_VM_STACK VAS_VM_GROWSDOWN
/* Mappings that never merge and cannot be mlocked (Linux VM_SPECIAL). */
#define VAS_VM_SPECIAL                                                        \
	(VAS_VM_IO | VAS_VM_DONTEXPAND | VAS_VM_PFNMAP | VAS_VM_MIXEDMAP)

/* ---- lookup under the mmap lock ------------------------------------------ */

/**
 * vas_vma_lookup() - The VMA that contains @addr (vma_lookup).
 * Context: mmap lock held (read or write).
 * Return: the VMA, or NULL if no VMA contains @addr.
 * Lifetime: until the mmap lock is released.
 */
VAS_API struct vas_vma_ref *vas_vma_lookup(struct vas_mm_user *mm,
					   unsigned long addr)
	VAS_REQUIRES_SHARED(mm);

/**
 * vas_find_vma() - The first VMA that ends above @addr: the one containing
 * @addr, else the next one above it (find_vma).
 * Context, return, lifetime: as vas_vma_lookup().
 */
VAS_API struct vas_vma_ref *vas_find_vma(struct vas_mm_user *mm,
					 unsigned long addr)
	VAS_REQUIRES_SHARED(mm);

/**
 * vas_find_vma_intersection() - The first VMA that intersects
 * [@start, @end), or NULL (find_vma_intersection).
 * Context, return, lifetime: as vas_vma_lookup().
 */
VAS_API struct vas_vma_ref *vas_find_vma_intersection(struct vas_mm_user *mm,
						      unsigned long start,
						      unsigned long end)
	VAS_REQUIRES_SHARED(mm);

/** vas_vma_prev() - The VMA before @vma, or NULL. Context: as vas_vma_lookup(). */
VAS_API struct vas_vma_ref *vas_vma_prev(struct vas_mm_user *mm,
					 const struct vas_vma_ref *vma)
	VAS_REQUIRES_SHARED(mm);
/** vas_vma_next() - The VMA after @vma, or NULL. Context: as vas_vma_lookup(). */
VAS_API struct vas_vma_ref *vas_vma_next(struct vas_mm_user *mm,
					 const struct vas_vma_ref *vma)
	VAS_REQUIRES_SHARED(mm);

/*
 * Iteration over the VMAs that intersect [start, end), in address order:
 *
 *	struct vas_vma_iter it;
 *	struct vas_vma_ref *vma;
 *
 *	vas_vma_iter_init(&it, mm, 0, ULONG_MAX);
 *	while ((vma = vas_vma_iter_next(&it, mm)))
 *		...
 *
 * Context: mmap lock held (read or write) for the whole walk. The walk
 * steps from one VMA to the next in the tree's leaves; if the address space
 * changed since the last step (the caller may drop the lock between steps,
 * or change the address space under the write lock), it finds its place
 * again from the end of the VMA it returned last.
 *
 * ABI: the caller allocates the iterator, vas_vma_iter_init() fills all
 * of it; only pos and end are the caller's to read. The rest is the
 * library's, and __reserved is room for it to grow: the size of struct
 * vas_vma_iter stays the same for the whole VAS_0 ABI ("ABI" in
 * docs/design.md).
 */
struct vas_vma_iter {
	unsigned long pos;
	unsigned long end;
	/* private: where the walk stands in the VMA tree (src/tree/rt.h) */
	const void *__leaf, *__parent;
	unsigned int __slot, __pslot;
	unsigned long __seq;
	unsigned long __reserved[4];	/* private: for later versions */
};
VAS_API void vas_vma_iter_init(struct vas_vma_iter *it, struct vas_mm_user *mm,
			       unsigned long start, unsigned long end)
	VAS_REQUIRES_SHARED(mm);
VAS_API struct vas_vma_ref *vas_vma_iter_next(struct vas_vma_iter *it,
					      struct vas_mm_user *mm)
	VAS_REQUIRES_SHARED(mm);

/* ---- the per-VMA read lock -------------------------------------------- */
/*
 * struct vas_vma_read_guard - a held VMA read lock (the VmaReadGuard of the
 * kernel's Rust mm abstractions). It is not a VMA: the VMA it locks is read
 * through vas_vma_read_guard_vma(), and only a guard can be passed to
 * vas_vma_end_read(). A VMA found under the mmap lock (vas_vma_lookup() and
 * the others above) is a plain struct vas_vma_ref and has no read lock to
 * end; passing one to vas_vma_end_read() does not compile.
 *
 * For Clang's -Wthread-safety the guard is a capability ("vma_read_lock")
 * named by the caller's guard variable: vas_lock_vma_under_rcu() acquires
 * it when it returns true, vas_vma_end_read() releases it, and
 * vas_vma_read_guard_vma() needs it held. The analysis thus reports, within
 * a function, a guard used or ended after vas_vma_end_read(), a guard not
 * ended on some path, and a guard used without testing the result of
 * vas_lock_vma_under_rcu() (tests/compile-fail has each case). It
 * cannot follow the struct vas_vma_ref the guard hands out (that type is
 * the same under either lock); debug builds (VAS_DEBUG) catch a reference
 * used after its guard ended, at run time.
 *
 *	struct vas_vma_read_guard *g;
 *
 *	if (vas_lock_vma_under_rcu(mm, addr, &g)) {
 *		struct vas_vma_ref *vma = vas_vma_read_guard_vma(g);
 *		...			// vma is valid until the end_read
 *		vas_vma_end_read(g);
 *	} else {
 *		// no VMA there, or it is being changed: fall back
 *		vas_mmap_read_lock(mm);
 *		...
 *		vas_mmap_read_unlock(mm);
 *	}
 *
 * Every path out of the locked branch must pass vas_vma_end_read(): there is
 * no scoped form, because Clang 14's analysis cannot see a cleanup function
 * release a lock (see the mmap lock blocks in vas/mm.h).
 */
struct VAS_CAPABILITY("vma_read_lock") vas_vma_read_guard;

/**
 * vas_lock_vma_under_rcu() - Read-lock the VMA that contains @addr without
 * the mmap lock (lock_vma_under_rcu).
 * @mm:     the address space.
 * @addr:   the address.
 * @guardp: receives the guard on success, NULL on failure.
 *
 * Looks the VMA up under RCU and takes its read lock if it is neither
 * write-locked nor detached, then checks that it still belongs to @mm and
 * still contains @addr. Never waits for a writer.
 *
 * Context: the caller holds a user of @mm; it need not hold the mmap lock
 * (it may, even for write: a VMA it has write-locked is refused).
 * Return: true with *@guardp held, or false: no VMA there, or it is being
 * changed. On false, fall back to vas_mmap_read_lock() + vas_vma_lookup().
 * Lifetime: *@guardp until vas_vma_end_read(*@guardp).
 */
VAS_API bool vas_lock_vma_under_rcu(struct vas_mm_user *mm, unsigned long addr,
				    struct vas_vma_read_guard **guardp)
	VAS_TRY_ACQUIRE_SHARED(true, *guardp) VAS_MUST_CHECK;

/**
 * vas_vma_read_guard_vma() - The VMA @guard read-locks, at the read access
 * level (VmaReadGuard's deref to VmaRef).
 * Context: @guard held. Debug builds abort with a report if the calling
 * thread does not hold it.
 * Return: the VMA. Lifetime: until vas_vma_end_read(@guard).
 */
VAS_API struct vas_vma_ref *
vas_vma_read_guard_vma(struct vas_vma_read_guard *guard)
	VAS_REQUIRES_SHARED(guard);

/**
 * vas_vma_end_read() - Release the VMA read lock @guard (dropping the
 * VmaReadGuard). @guard and every reference it handed out are invalid
 * afterwards. Not a destructor: @guard must not be NULL (the NULL that a
 * failed vas_lock_vma_under_rcu() leaves holds no lock to end).
 * Context: @guard held by the calling thread (debug builds abort with a
 * report otherwise).
 */
VAS_API void vas_vma_end_read(struct vas_vma_read_guard *guard)
	VAS_RELEASE_SHARED(guard);

/**
 * vas_vma_count_retry() - Record that a caller gave up on a VMA read lock
 * and retried under the mmap lock (the vmstat vma_lock_retry event; the
 * fault path counts it). Context: any.
 */
VAS_API void vas_vma_count_retry(struct vas_mm_user *mm);

/* ---- accessors (vas_vma_ref) ------------------------------------------- */
/*
 * Context for each: the lock the VMA came from is held (the mmap lock, or
 * the VMA read guard). Debug builds abort with a report if it is not.
 */
VAS_API unsigned long vas_vma_start(const struct vas_vma_ref *vma);
VAS_API unsigned long vas_vma_end(const struct vas_vma_ref *vma);
VAS_API unsigned long vas_vma_flags(const struct vas_vma_ref *vma);
/** vas_vma_pgoff() - File offset of vas_vma_start() in pages. */
VAS_API unsigned long vas_vma_pgoff(const struct vas_vma_ref *vma);
/** vas_vma_file() - The mapped file, or NULL for anonymous memory. */
VAS_API struct vas_file *vas_vma_file(const struct vas_vma_ref *vma);
/**
 * vas_vma_mm() - The address space of @vma. A live VMA implies a user, so
 * this is a vas_mm_user; it is valid as long as the VMA reference. (The
 * VMA that vm_ops->close gets is not a vas_vma_ref: at teardown there is
 * no user left, so struct vas_vma_closing in file.h offers no address
 * space to lock, only an identity.)
 */
VAS_API struct vas_mm_user *vas_vma_mm(const struct vas_vma_ref *vma);
/** vas_vma_private() - The private data its file's mmap hook set, or NULL. */
VAS_API void *vas_vma_private(const struct vas_vma_ref *vma);

/**
 * vas_vma_as_mixedmap() - @vma at the VM_MIXEDMAP access level.
 * Return: the same VMA as a vas_vma_mixedmap, or NULL if VM_MIXEDMAP is not
 * set. Lifetime: that of @vma.
 */
VAS_API struct vas_vma_mixedmap *vas_vma_as_mixedmap(struct vas_vma_ref *vma);
/** vas_vma_mixedmap_ref() - Back to the plain access level. */
VAS_API struct vas_vma_ref *vas_vma_mixedmap_ref(struct vas_vma_mixedmap *vma);

/* ---- setters (vas_vma_new), for a file's mmap hook ----------------------- */
/*
 * Context: inside the mmap hook that received @vma; the VMA is not yet
 * visible to any other thread. Lifetime: until the hook returns.
 */
VAS_API struct vas_vma_ref *vas_vma_new_ref(struct vas_vma_new *vma);
VAS_API void vas_vma_new_set_io(struct vas_vma_new *vma);
VAS_API void vas_vma_new_set_dontexpand(struct vas_vma_new *vma);
VAS_API void vas_vma_new_set_dontcopy(struct vas_vma_new *vma);
VAS_API void vas_vma_new_set_dontdump(struct vas_vma_new *vma);
/**
 * vas_vma_new_set_mixedmap() - Set VM_MIXEDMAP (vm_flags_set, as the seed's
 * VmaNew::set_mixedmap).
 * Return: @vma at the VM_MIXEDMAP access level, to insert pages into it
 * (vas_vm_insert_page()); NULL if the VMA is a PFN mapping
 * (vas_vma_new_set_pfnmap(): Linux's BUG_ON of the two together; nothing
 * changed). Lifetime: until the hook returns.
 */
VAS_API struct vas_vma_mixedmap *
vas_vma_new_set_mixedmap(struct vas_vma_new *vma);
/**
 * vas_vma_new_set_pfnmap() - Make the VMA a PFN mapping for
 * vas_vmf_insert_pfn(): set VM_PFNMAP, VM_IO, VM_DONTEXPAND and
 * VM_DONTDUMP, as remap_pfn_range() does (a PFN mapping has no pages:
 * get_user_pages refuses it, fork copies no entry of it, zap drops no
 * reference). Return: -EINVAL if VM_MIXEDMAP is set (Linux's BUG_ON of
 * the two together; nothing changed), else 0.
 */
VAS_API int vas_vma_new_set_pfnmap(struct vas_vma_new *vma) VAS_MUST_CHECK;
/**
 * vas_vma_new_readable() (and _writable, _executable) - Whether the VMA
 * has VM_READ (VM_WRITE, VM_EXEC): what the mmap asked for, as the seed's
 * VmaNew::readable(). A hook refuses a mapping it does not allow, or
 * clears the matching VM_MAY* so mprotect cannot add it later.
 */
VAS_API bool vas_vma_new_readable(struct vas_vma_new *vma);
VAS_API bool vas_vma_new_writable(struct vas_vma_new *vma);
VAS_API bool vas_vma_new_executable(struct vas_vma_new *vma);
/** vas_vma_new_set_private() - Attach the driver's private data (any value, NULL too). */
VAS_API void vas_vma_new_set_private(struct vas_vma_new *vma, void *data);
/**
 * vas_vma_new_try_clear_mayread() (and _maywrite, _mayexec) - Clear
 * VM_MAYREAD so that mprotect can never add VM_READ.
 * Return: 0, or -EINVAL if VM_READ is set (nothing changed).
 */
VAS_API int vas_vma_new_try_clear_mayread(struct vas_vma_new *vma) VAS_MUST_CHECK;
VAS_API int vas_vma_new_try_clear_maywrite(struct vas_vma_new *vma) VAS_MUST_CHECK;
VAS_API int vas_vma_new_try_clear_mayexec(struct vas_vma_new *vma) VAS_MUST_CHECK;

#ifdef __cplusplus
}
#endif

#endif /* VAS_VMA_H */
