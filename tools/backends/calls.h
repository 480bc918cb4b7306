/* SPDX-License-Identifier: MIT */
/*
 * calls.h - the memory system calls that vasctl's runners and the property
 * test (tests/model) make, as one table: each row names a call and gives
 * its vas implementation and its host-kernel one. A new call is one row
 * here; calls_vas.c and calls_host.c expand the columns, vasctl's
 * statements and tests/model's operations take their names and numbers
 * from the rows.
 *
 * The accesses (host_access.h), the smaps parser (smaps.h), files and fork
 * are not in the table: how a tool reaches the memory and its children
 * differs (vasctl drives a forked child over a socket; tests/model only
 * accesses memory in its child).
 */
#ifndef VAS_BACKENDS_CALLS_H
#define VAS_BACKENDS_CALLS_H

#include <stdint.h>

/*
 * X(NR, name, vas, host), in vasctl's statement order. In the columns, C is
 * the struct backend_call; the vas column is a call of the vas API on the
 * address space MM (VFILE: the struct vas_file of mmap, NULL for none; OUT:
 * the unsigned long * that receives an address), returning 0 or -errno; the
 * host column is the system call (FD: the descriptor of mmap, -1 for none),
 * returning as syscall(2) does. The numbers are Linux's, which the vas
 * UAPI values are too, so both columns pass them through.
 */
#define BACKEND_CALLS(X)                                                      \
	X(MMAP, "mmap",                                                       \
	  vas_mmap(MM, C->addr, C->len, (int)C->prot, (int)C->flags, VFILE,  \
		   C->off, OUT),                                              \
	  syscall(SYS_mmap, C->addr, C->len, (unsigned long)C->prot,         \
		  (unsigned long)C->flags, FD, C->off))                       \
	X(MUNMAP, "munmap", vas_munmap(MM, C->addr, C->len),                  \
	  syscall(SYS_munmap, C->addr, C->len))                               \
	X(MPROTECT, "mprotect", vas_mprotect(MM, C->addr, C->len, (int)C->prot), \
	  syscall(SYS_mprotect, C->addr, C->len, (unsigned long)C->prot))     \
	X(MREMAP, "mremap",                                                   \
	  vas_mremap(MM, C->addr, C->len, C->len2, (int)C->flags,            \
		     C->new_addr, OUT),                                       \
	  syscall(SYS_mremap, C->addr, C->len, C->len2,                       \
		  (unsigned long)C->flags, C->new_addr))                      \
	X(MADVISE, "madvise", vas_madvise(MM, C->addr, C->len, (int)C->flags), \
	  syscall(SYS_madvise, C->addr, C->len, (unsigned long)C->flags))     \
	X(MLOCK, "mlock", vas_mlock(MM, C->addr, C->len),                     \
	  syscall(SYS_mlock, C->addr, C->len))                                \
	X(MLOCK2, "mlock2", vas_mlock2(MM, C->addr, C->len, (int)C->flags),   \
	  syscall(SYS_mlock2, C->addr, C->len, (unsigned long)C->flags))      \
	X(MUNLOCK, "munlock", vas_munlock(MM, C->addr, C->len),               \
	  syscall(SYS_munlock, C->addr, C->len))                              \
	X(MSEAL, "mseal", vas_mseal(MM, C->addr, C->len, C->flags),           \
	  syscall(SYS_mseal, C->addr, C->len, (unsigned long)C->flags))       \
	X(MSYNC, "msync", vas_msync(MM, C->addr, C->len, (int)C->flags),      \
	  syscall(SYS_msync, C->addr, C->len, (unsigned long)C->flags))

#define BACKEND__CALL_NR(nr, name, vas, host) BACKEND_##nr,
/** enum backend_call_nr - the rows of BACKEND_CALLS, in order. */
enum backend_call_nr { BACKEND_CALLS(BACKEND__CALL_NR) BACKEND_NR_CALLS };
#undef BACKEND__CALL_NR

/**
 * struct backend_call - one call and its arguments.
 * @nr:       which call.
 * @addr:     the address argument (mmap's hint, mremap's old address).
 * @len:      the length (mremap's old length).
 * @len2:     mremap's new length.
 * @new_addr: mremap's new address (0 without MREMAP_FIXED/DONTUNMAP).
 * @off:      mmap's file offset in bytes.
 * @prot:     PROT_* of mmap and mprotect.
 * @flags:    MAP_*, MREMAP_*, MLOCK_*, MS_*, mseal's flags, or madvise's
 *            MADV_* advice.
 */
struct backend_call {
	enum backend_call_nr nr;
	uint64_t addr;
	uint64_t len;
	uint64_t len2;
	uint64_t new_addr;
	uint64_t off;
	unsigned int prot;
	unsigned int flags;
};

/* The name of call @nr ("mmap"), or "?" for a bad number. */
const char *backend_call_name(enum backend_call_nr nr);

/**
 * backend_host_call() - Make call @c on this process.
 * @c:   the call.
 * @fd:  mmap's descriptor, -1 for none (other calls ignore it).
 * @out: receives the call's result on success: the address for mmap and
 *       mremap, 0 for the others.
 *
 * By syscall(2), not the libc wrappers, which sanitizers intercept (they
 * make mlock a no-op).
 * Context: any; the call acts on this process.
 * Return: 0 or -errno.
 */
int backend_host_call(const struct backend_call *c, int fd, uint64_t *out);

struct vas_mm_user;
struct vas_file;
/**
 * backend_vas_call() - Make call @c on the vas address space @mm
 * (calls_vas.c: only for programs linked with vas).
 * @mm:    the address space.
 * @c:     the call.
 * @vfile: mmap's file, NULL for none (other calls ignore it).
 * @out:   receives the address of mmap and mremap on success.
 *
 * Context: as the vas call: no mmap lock held.
 * Return: 0 or -errno, as the vas call.
 */
int backend_vas_call(struct vas_mm_user *mm, const struct backend_call *c,
		     struct vas_file *vfile, uint64_t *out);

#endif /* VAS_BACKENDS_CALLS_H */
