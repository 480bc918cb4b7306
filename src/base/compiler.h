/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - compiler helpers used everywhere inside vas: branch hints,
 * container_of, READ_ONCE/WRITE_ONCE on C11-style atomics, and the public
 * lock annotations. Internal; never installed.
 */
#ifndef VAS_BASE_COMPILER_H
#define VAS_BASE_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <vas/defs.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __maybe_unused __attribute__((unused))
#define __noinline __attribute__((noinline))
#define __cold __attribute__((cold))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __cleanup(fn) __attribute__((cleanup(fn)))

/*
 * Thread-local variables on hot paths: the initial-exec model turns each
 * access into one %fs-relative load instead of a __tls_get_addr() call in
 * the shared library (it takes a little of the static TLS reserve, which
 * glibc keeps for libraries loaded later too).
 */
#define __vas_tls __thread __attribute__((tls_model("initial-exec")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                       \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/*
 * Marked accesses. Plain loads and stores of shared words would be data
 * races (and ThreadSanitizer reports them), so every word that another
 * thread may read or write concurrently is accessed through these.
 */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGNED(x) (((x) & (PAGE_SIZE - 1)) == 0)

#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#endif /* VAS_BASE_COMPILER_H */
