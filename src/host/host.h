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
