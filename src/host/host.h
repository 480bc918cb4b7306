/* SPDX-License-Identifier: MIT */
/*
 * host.h - the only code that calls the real operating system for
 * synchronisation, threads, memory and files: futex wait/wake, thread
 * creation, clocks, the host memory behind the machine's frames, the host
 * files behind page caches. scripts/check-os-calls.sh keeps every other
 * folder of src/ from calling the OS directly.
 */
#ifndef VAS_HOST_HOST_H
#define VAS_HOST_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * host_futex_wait() - Sleep while *@word == @val (or until woken).
 * Spurious returns happen; callers re-check. Context: may block.
 */
void host_futex_wait(uint32_t *word, uint32_t val);
/** host_futex_wake_all() - Wake every sleeper on @word. Context: any. */
void host_futex_wake_all(uint32_t *word);

/**
 * host_thread_create() - Start a joinable thread running @fn(@arg).
 * Return: 0 or -EAGAIN.
 */
int host_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

/** host_cpu_relax() - A pause for spin loops. */
static inline void host_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/** host_yield() - Give the CPU to another runnable thread. */
void host_yield(void);

/** host_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t host_now_ns(void);

/* ---- host memory (hostmem.c) ------------------------------------------- */

/**
 * host_mem_reserve() - Reserve @bytes (a multiple of the host page size) of
 * private anonymous host memory, zero-filled, without committing swap
 * (MAP_NORESERVE): pages the library never touches cost nothing.
 * Context: any; may block. Return: the memory, or NULL.
 */
void *host_mem_reserve(size_t bytes);

/** host_mem_release() - Give back memory from host_mem_reserve(). */
void host_mem_release(void *addr, size_t bytes);

/**
 * host_mem_protect_ro() - Make [@addr, @addr + @bytes) read-only, so that a
 * stray write faults in the host instead of corrupting shared data.
 * Return: 0 or a negative errno.
 */
int host_mem_protect_ro(void *addr, size_t bytes);

/**
 * struct host_memfile - the memory file that holds a machine's frames.
 * @fd:      the memfd (close-on-exec, sealed F_SEAL_SHRINK | F_SEAL_SEAL).
 * @map:     the direct map: the file's first `limit` bytes, MAP_SHARED,
 *           read-write; the part past the file's size faults (SIGBUS).
 * @exec_ok: whether a PROT_EXEC mapping of the file works on this host
 *           (vm.memfd_noexec, a security module may forbid it).
 */
struct host_memfile {
	int fd;
	void *map;
	bool exec_ok;
};

/**
 * host_memfile_create() - Create a memory file of @size bytes (page
 * aligned, <= @limit), asking for MFD_EXEC where the host knows it and
 * falling back to a plain memfd where it refuses it; seal it against
 * shrinking, and map its first @limit bytes shared into *@mf.
 * Context: any; may block.
 * Return: 0, or a negative errno of the host (-EMFILE, -ENFILE, -ENOMEM...).
 * Lifetime: until host_memfile_destroy().
 */
int host_memfile_create(size_t limit, size_t size, struct host_memfile *mf);

/**
 * host_memfile_grow() - Make @mf's file @size bytes (larger than now:
 * the seal refuses smaller, -EPERM). The new bytes read as zero and take
 * no host memory until written.
 * Context: any; may block. Return: 0 or a negative errno.
 */
int host_memfile_grow(const struct host_memfile *mf, size_t size);

/** host_memfile_destroy() - Unmap @mf's direct map of @limit bytes, close. */
void host_memfile_destroy(struct host_memfile *mf, size_t limit);

/* ---- host files (file.c); each restarts on EINTR ---------------------- */

/** struct host_stat - What callers need of fstat(2). */
struct host_stat {
	off_t size;
	unsigned long dev;		/* st_dev */
	unsigned long dev_major, dev_minor;
	unsigned long ino;
	unsigned int mode;		/* st_mode */
};

/**
 * host_pread() - Read all of [@pos, @pos + @len) of @fd, or up to its EOF.
 * Context: may block. Return: bytes read or a negative errno.
 */
ssize_t host_pread(int fd, void *buf, size_t len, off_t pos);
/**
 * host_pwrite() - Write all of @len bytes at @pos of @fd.
 * Context: may block. Return: 0 or a negative errno (-EIO: no progress).
 */
int host_pwrite(int fd, const void *buf, size_t len, off_t pos);
/**
 * host_fallocate_punch() - Punch a hole of @len bytes at @pos of @fd,
 * keeping its size. Context: may block. Return: 0 or a negative errno.
 */
int host_fallocate_punch(int fd, off_t pos, off_t len);
/** host_ftruncate() - Context: may block. Return: 0 or a negative errno. */
int host_ftruncate(int fd, off_t size);
/** host_fstat() - Fill @st for @fd. Return: 0 or a negative errno. */
int host_fstat(int fd, struct host_stat *st);
/** host_fcntl_getfl() - @fd's status flags, or a negative errno. */
int host_fcntl_getfl(int fd);
/**
 * host_dup_cloexec() - A new close-on-exec descriptor for @fd's open file
 * description. Return: the descriptor or a negative errno.
 * Lifetime: the caller owns it until host_close().
 */
int host_dup_cloexec(int fd);
/** host_close() - Close @fd (a descriptor of host_dup_cloexec()). */
void host_close(int fd);

#endif /* VAS_HOST_HOST_H */
