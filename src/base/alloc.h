/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the one allocation hook of vas, with deterministic failure
 * injection.
 *
 * Every allocation in the library goes through vas_alloc() and names its
 * site. A test can make the N-th allocation from now fail (counting every
 * site), or make every allocation at one site fail, and can count the
 * allocations an operation makes so that it can fail each of them in turn.
 * A failed allocation returns NULL; callers turn that into -ENOMEM.
 */
#ifndef VAS_BASE_ALLOC_H
#define VAS_BASE_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include "base/compiler.h"

/* X(site) - one per allocation site class. */
#define VAS_ALLOC_SITES(X)                                                    \
	X(MACHINE)                                                            \
	X(MM)                                                                 \
	X(VMA)                                                                \
	X(TREE_NODE)                                                          \
	X(STATS)                                                              \
	X(LOCKDEP)                                                            \
	X(FRAME)                                                              \
	X(FRAMES_GROW)                                                        \
	X(PGTABLE)                                                            \
	X(MISC)

enum vas_alloc_site {
#define VAS__SITE_ENUM(s) VAS_FP_##s,
	VAS_ALLOC_SITES(VAS__SITE_ENUM)
#undef VAS__SITE_ENUM
	VAS_NR_ALLOC_SITES
};

/**
 * vas_alloc() - Allocate @size bytes for @site, uninitialised.
 * Context: any thread; may block. Return: the memory, or NULL (real or
 * injected failure).
 */
void *vas_alloc(size_t size, enum vas_alloc_site site) VAS_MUST_CHECK;

/** vas_zalloc() - vas_alloc() that zeroes the memory. */
void *vas_zalloc(size_t size, enum vas_alloc_site site) VAS_MUST_CHECK;

/**
 * vas_alloc_aligned() - Allocate @size bytes aligned to @align (a power of
 * two, at least sizeof(void *)) for @site. Free with vas_free().
 */
void *vas_alloc_aligned(size_t size, size_t align, enum vas_alloc_site site)
	VAS_MUST_CHECK;

/**
 * vas_alloc_check() - Count an allocation at @site that is served without
 * the host allocator (a reuse cache), and apply failure injection to it.
 * Return: false if the allocation must fail.
 */
bool vas_alloc_check(enum vas_alloc_site site) VAS_MUST_CHECK;

/** vas_free() - Free memory from vas_alloc*(); NULL is a no-op. */
void vas_free(void *p);

/*
 * Pooled fixed-size blocks: VAS_NODE_SIZE bytes aligned to VAS_NODE_SIZE
 * (range-tree nodes). Nodes are allocated by writers and freed by the RCU
 * callback thread, so each thread keeps a small cache and the caches trade
 * batches through a global pool; glibc's malloc is hit only to grow it.
 * Builds with AddressSanitizer or ThreadSanitizer bypass the pool, so the
 * tools see every allocation and free.
 */
#define VAS_NODE_SIZE 256
/** vas_node_alloc() - A node-sized block, uninitialised, or NULL. */
void *vas_node_alloc(enum vas_alloc_site site) VAS_MUST_CHECK;
/** vas_node_free() - Give back a block from vas_node_alloc(); NULL ok. */
void vas_node_free(void *p);

/** vas_alloc_site_name() - "TREE_NODE" for VAS_FP_TREE_NODE, etc. */
const char *vas_alloc_site_name(enum vas_alloc_site site);

/* ---- failure injection (tests) ---------------------------------------- */

/**
 * vas_fail_nth() - Make the @n-th allocation from now of the calling
 * thread fail (n >= 1), once; 0 disarms. Counts allocations of every site
 * made by this thread (others never fail by it).
 */
void vas_fail_nth(unsigned long n);

/** vas_fail_site() - Make every allocation at @site fail until cleared. */
void vas_fail_site(enum vas_alloc_site site, bool fail);

/**
 * vas_fail_reset() - Disarm all injection and reset the counters (the
 * calling thread's counts).
 */
void vas_fail_reset(void);

/** vas_fail_fired() - How many allocations were failed by injection. */
unsigned long vas_fail_fired(void);

/** vas_alloc_count() - The calling thread's allocations since its reset. */
unsigned long vas_alloc_count(void);

/** vas_alloc_site_count() - This thread's allocations at @site. */
unsigned long vas_alloc_site_count(enum vas_alloc_site site);

/**
 * vas_alloc_live() - Allocations not yet freed (leak checks in tests): the
 * sum of per-thread counts (exited threads' folded in), exact when no
 * thread allocates or frees meanwhile; not a snapshot otherwise.
 * Context: takes the live-count lock (a leaf); not under the node pool's.
 */
long vas_alloc_live(void);

#endif /* VAS_BASE_ALLOC_H */
