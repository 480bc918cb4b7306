/* SPDX-License-Identifier: MIT */
/*
 * host.h - the only code that calls the real operating system for
 * synchronisation, threads and memory: futex wait/wake, thread creation,
 * clocks, the host memory behind the machine's frames.
 */
#ifndef VAS_HOST_HOST_H
#define VAS_HOST_HOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

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

#endif /* VAS_HOST_HOST_H */
