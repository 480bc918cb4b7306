// SPDX-License-Identifier: MIT
/* hostmem.c - host memory for the machine's frames and their descriptors. */
#include <errno.h>
#include <sys/mman.h>
#include "host/host.h"

void *host_mem_reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void host_mem_release(void *addr, size_t bytes)
{
	if (addr)
		munmap(addr, bytes);
}

int host_mem_protect_ro(void *addr, size_t bytes)
{
	return mprotect(addr, bytes, PROT_READ) ? -errno : 0;
}
