/* SPDX-License-Identifier: MIT */
/*
 * stats.h - per-machine event counters in the style of /proc/vmstat.
 *
 * The list is one X-macro, so names, enum values and the printer never drift
 * apart. Each thread counts into its own slot of the machine's counters
 * (a plain store, no shared cache line, no atomic read-modify-write; the
 * slot and its values pass to another thread when it exits; beyond 16
 * threads counting at once, the others share one slot with atomic adds),
 * and readers sum the slots: every read is at least every earlier read of
 * the same counter, but a read of several counters is not a snapshot.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_STATS_H
#define VAS_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <vas/defs.h>

/* X(enum suffix, printed name) */
#define VAS_STAT_LIST(X)                                                      \
	X(VMA_LOCK_SUCCESS, "vma_lock_success")                               \
	X(VMA_LOCK_ABORT, "vma_lock_abort")                                   \
	X(VMA_LOCK_RETRY, "vma_lock_retry")                                   \
	X(VMA_LOCK_MISS, "vma_lock_miss")                                     \
	X(MMAP_LOCK_READ, "mmap_lock_read")                                   \
	X(MMAP_LOCK_READ_CONTENDED, "mmap_lock_read_contended")               \
	X(MMAP_LOCK_WRITE, "mmap_lock_write")                                 \
	X(MMAP_LOCK_WRITE_CONTENDED, "mmap_lock_write_contended")             \
	X(VMA_WRITE_WAIT, "vma_write_wait")                                   \
	X(VMA_ALLOC, "vma_alloc")                                             \
	X(VMA_FREE, "vma_free")                                               \
	X(VMA_SPLIT, "vma_split")                                             \
	X(VMA_MERGE, "vma_merge")                                             \
	X(MM_CREATE, "mm_create")                                             \
	X(MM_TEARDOWN, "mm_teardown")                                         \
	X(MM_TEARDOWN_ASYNC, "mm_teardown_async")                             \
	X(PGALLOC, "pgalloc")                                                 \
	X(PGFREE, "pgfree")                                                   \
	X(OOM, "oom")                                                         \
	X(WRITEBACK_ERROR, "writeback_error")                                 \
	X(FOLL_PIN_ACQUIRED, "nr_foll_pin_acquired")                          \
	X(FOLL_PIN_RELEASED, "nr_foll_pin_released")                          \
	X(MM_LOCK_SEQ_MOVED, "mm_lock_seq_moved")

enum vas_stat {
#define VAS__STAT_ENUM(name, str) VAS_STAT_##name,
	VAS_STAT_LIST(VAS__STAT_ENUM)
#undef VAS__STAT_ENUM
	VAS_NR_STATS
};

#ifdef __cplusplus
extern "C" {
#endif

struct vas_machine;

/**
 * vas_stat_read() - Current value of one counter of @machine.
 *
 * Context: any; takes no lock. The sum is not a snapshot across counters.
 * Return: the value; 0 for an unknown @stat.
 */
VAS_API uint64_t vas_stat_read(const struct vas_machine *machine,
			       enum vas_stat stat);

/** vas_stat_name() - Printed name of @stat ("vma_lock_success"), or NULL. */
VAS_API const char *vas_stat_name(enum vas_stat stat);

/**
 * vas_stats_print() - Print every counter of @machine to @out, one
 * "name value" line each, in list order (as /proc/vmstat does).
 *
 * Context: any; takes no lock.
 */
VAS_API void vas_stats_print(const struct vas_machine *machine, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* VAS_STATS_H */
