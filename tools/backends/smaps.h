/* SPDX-License-Identifier: MIT */
/*
 * smaps.h - the one parser of /proc/PID/smaps shared by vasctl's kernel
 * runner (`maps`) and the property test's host backend (host_vmas()).
 */
#ifndef VAS_BACKENDS_SMAPS_H
#define VAS_BACKENDS_SMAPS_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct backend_smaps_vma - one smaps entry, as far as the users read it.
 * @start:     first address.
 * @end:       one past the last address.
 * @perms:     the permission column ("rw-p"), NUL-terminated.
 * @offset:    the offset column, in bytes.
 * @ino:       the inode column.
 * @path:      the path column ("" for none), NUL-terminated.
 * @rss_kb:    Rss in kB.
 * @anon_kb:   Anonymous in kB.
 * @swap_kb:   Swap in kB.
 * @locked_kb: Locked in kB.
 * @vmflags:   the text after "VmFlags:" (two-letter codes, spaces between).
 *
 * The strings point into the smaps text: valid during the callback only.
 */
struct backend_smaps_vma {
	uint64_t start;
	uint64_t end;
	char perms[8];
	uint64_t offset;
	unsigned long ino;
	const char *path;
	uint64_t rss_kb;
	uint64_t anon_kb;
	uint64_t swap_kb;
	uint64_t locked_kb;
	const char *vmflags;
};

/**
 * struct backend_smaps_buf - a text buffer reused across reads.
 * @p:   the text (NULL before the first read).
 * @cap: bytes allocated.
 *
 * Zero-initialise; release with free(@p).
 */
struct backend_smaps_buf {
	char *p;
	size_t cap;
};

/* Called once a VMA: 0 to go on, anything else to stop the walk with it. */
typedef int (*backend_smaps_fn)(void *arg, const struct backend_smaps_vma *v);

/**
 * backend_smaps_walk() - Read @path and call @fn for each VMA in it that
 * overlaps [@lo, @hi), lowest first.
 * @path: "/proc/self/smaps" or "/proc/PID/smaps".
 * @buf:  holds the text; grown as needed, kept for the next call.
 * @lo:   the window's first address.
 * @hi:   one past its last address.
 * @fn:   called when an entry's VmFlags line (its last) is read.
 * @arg:  passed to @fn.
 *
 * Context: may allocate; reads the file with read(2).
 * Return: 0, -errno of the read (-ENOMEM when @buf cannot grow), or the
 * first nonzero return of @fn.
 */
int backend_smaps_walk(const char *path, struct backend_smaps_buf *buf,
		       uint64_t lo, uint64_t hi, backend_smaps_fn fn,
		       void *arg);

#endif /* VAS_BACKENDS_SMAPS_H */
