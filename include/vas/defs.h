/* SPDX-License-Identifier: MIT */
/*
 * defs.h - what every public header of vas shares: the export macro, the
 * version, the lock annotations, and the NULL rule. It includes only libc
 * headers.
 *
 * The NULL rule, for every function of every public header of vas:
 *  - A function that gives up a reference or destroys an object accepts
 *    NULL and does nothing, as free(3) does: vas_mm_put(),
 *    vas_mm_put_async(), vas_mm_drop(), vas_machine_destroy() (returns
 *    0), vas_file_put(), vas_page_put(), vas_unpin_user_pages() (for NULL
 *    entries of its array), vas_mmu_notifier_unregister(),
 *    vas_mirror_destroy(), and the cleanup of VAS_MM_USER_SCOPED.
 *  - Every other pointer argument must point to a valid object (and a
 *    pointer to a result must point to writable storage), unless its
 *    comment says it may be NULL and what NULL means there. A NULL where
 *    none is allowed is a programming error: nothing checks it and the
 *    behaviour is undefined, as for a dangling pointer.
 *  - Ending a lock is not a destructor: vas_mmap_read_unlock(),
 *    vas_mmap_write_unlock() and vas_vma_end_read() need the lock held, so
 *    a NULL there is an error (Clang's -Wthread-safety reports ending a
 *    guard that vas_lock_vma_under_rcu() did not give).
 * docs/design.md ("Pointer arguments and NULL") says why.
 */
#ifndef VAS_DEFS_H
#define VAS_DEFS_H

#define VAS_VERSION_MAJOR 0
#define VAS_VERSION_MINOR 1
#define VAS_VERSION_PATCH 0
#define VAS_VERSION_HEX                                                       \
	((VAS_VERSION_MAJOR << 16) | (VAS_VERSION_MINOR << 8) | VAS_VERSION_PATCH)

#if defined(VAS_BUILDING_LIBRARY)
#define VAS_API __attribute__((visibility("default")))
#else
#define VAS_API
#endif

/* A function whose result must not be ignored: it can fail. */
#define VAS_MUST_CHECK __attribute__((warn_unused_result))

/*
 * Lock annotations for Clang's thread-safety analysis (-Wthread-safety).
 * They compile to nothing on other compilers. The mmap lock is a capability
 * named by the address space it belongs to (a struct vas_mm_user pointer);
 * see include/vas/mm.h.
 */
#if defined(__clang__)
#define VAS__TSA(x) __attribute__((x))
#else
#define VAS__TSA(x)
#endif
#define VAS_CAPABILITY(name) VAS__TSA(capability(name))
#define VAS_ACQUIRE(...) VAS__TSA(acquire_capability(__VA_ARGS__))
#define VAS_ACQUIRE_SHARED(...) VAS__TSA(acquire_shared_capability(__VA_ARGS__))
#define VAS_RELEASE(...) VAS__TSA(release_capability(__VA_ARGS__))
#define VAS_RELEASE_SHARED(...) VAS__TSA(release_shared_capability(__VA_ARGS__))
#define VAS_RELEASE_GENERIC(...) VAS__TSA(release_generic_capability(__VA_ARGS__))
#define VAS_TRY_ACQUIRE(...) VAS__TSA(try_acquire_capability(__VA_ARGS__))
#define VAS_TRY_ACQUIRE_SHARED(...)                                           \
	VAS__TSA(try_acquire_shared_capability(__VA_ARGS__))
#define VAS_REQUIRES(...) VAS__TSA(requires_capability(__VA_ARGS__))
#define VAS_REQUIRES_SHARED(...) VAS__TSA(requires_shared_capability(__VA_ARGS__))
#define VAS_EXCLUDES(...) VAS__TSA(locks_excluded(__VA_ARGS__))
#define VAS_ASSERT_CAPABILITY(...) VAS__TSA(assert_capability(__VA_ARGS__))
#define VAS_ASSERT_SHARED_CAPABILITY(...)                                     \
	VAS__TSA(assert_shared_capability(__VA_ARGS__))
#define VAS_NO_THREAD_SAFETY_ANALYSIS VAS__TSA(no_thread_safety_analysis)

/*
 * ABI of the structs the caller fills (vas_machine_config, vas_vm_ops,
 * vas_file_ops, vas_mmu_notifier_ops): each begins with `size_t size`,
 * the sizeof the caller was compiled with. Fields are only ever added at
 * the end; the library reads a field only if @size covers it, and refuses
 * a @size below the first version's or above its own with -EINVAL where
 * it takes the struct. docs/design.md ("ABI") has the rules.
 *
 * VAS_ABI_HAS(ptr, field) - whether the struct *@ptr, of the size its
 * size member says, contains @field.
 */
#define VAS_ABI_HAS(ptr, field)                                               \
	((ptr)->size >= __builtin_offsetof(__typeof__(*(ptr)), field) +       \
				sizeof((ptr)->field))

#define VAS__CONCAT2(a, b) a##b
#define VAS__CONCAT(a, b) VAS__CONCAT2(a, b)
#define VAS__UNIQUE(prefix) VAS__CONCAT(prefix, __COUNTER__)

#ifdef __cplusplus
extern "C" {
#endif

/** vas_version() - The library's version as VAS_VERSION_HEX. Context: any. */
VAS_API unsigned int vas_version(void);

/** vas_strerror() - Name of a negative errno ("-ENOMEM"); any. Static string. */
VAS_API const char *vas_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* VAS_DEFS_H */
