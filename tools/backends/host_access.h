/* SPDX-License-Identifier: MIT */
/*
 * host_access.h - user access to this process's memory with SIGSEGV and
 * SIGBUS caught: the one access loop of vasctl's kernel runner and of the
 * property test's host backend (tests/model/host_ops.c).
 */
#ifndef VAS_BACKENDS_HOST_ACCESS_H
#define VAS_BACKENDS_HOST_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

/* The page size of the accesses (every vas host has 4 KiB base pages). */
#define BACKEND_PAGE_SIZE 4096ULL
/* FNV-1a 64: the hash of the bytes a read loads. */
#define BACKEND_FNV_BASIS 0xcbf29ce484222325ULL
#define BACKEND_FNV_PRIME 0x100000001b3ULL

/**
 * struct backend_access - the outcome of backend_host_access().
 * @sig:        0, SIGSEGV or SIGBUS: the signal that ended the access.
 * @fault_page: with @sig, the page-aligned address of the page that
 *              faulted; the pages before it were accessed.
 * @hash:       the FNV-1a 64 hash of the bytes loaded (a hashed read that
 *              completed), else 0.
 */
struct backend_access {
	int sig;
	uint64_t fault_page;
	uint64_t hash;
};

/**
 * backend_host_access() - Store into or load [@addr, @addr + @len) of this
 * process, page by page, byte by byte.
 * @addr:  first byte.
 * @len:   number of bytes; a range that wraps ends at the top of memory.
 * @write: store @byte (true) or load (false).
 * @byte:  the value stored.
 * @out:   for a load, NULL to hash the bytes, else where they are copied
 *         (@len bytes; the first load of each page is the one that faults).
 * @res:   the outcome.
 *
 * A fault ends the access at the faulting page.
 * Context: installs SIGSEGV and SIGBUS handlers for the access only and
 * restores the previous ones; not reentrant (one static jump buffer), so
 * one thread at a time.
 */
void backend_host_access(uint64_t addr, uint64_t len, bool write,
			 unsigned int byte, void *out,
			 struct backend_access *res);

#endif /* VAS_BACKENDS_HOST_ACCESS_H */
