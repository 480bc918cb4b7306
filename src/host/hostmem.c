// SPDX-License-Identifier: MIT
/*
 * hostmem.c - host memory for the machine's frames and their descriptors:
 * anonymous reservations (the struct page array), and the memory file that
 * holds the frames (a memfd, mapped once as the direct map).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "host/host.h"

/* Older C libraries lack the names; the values are the kernel's ABI. */
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U		/* Linux 6.3 */
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#endif

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

/*
 * A memfd whose pages may be mapped executable (the mirror maps guest text
 * from it). Linux 6.3 added MFD_EXEC and MFD_NOEXEC_SEAL, and the sysctl
 * vm.memfd_noexec: at 1 a memfd created without MFD_EXEC is created as
 * MFD_NOEXEC_SEAL, at 2 MFD_EXEC is refused (EACCES). So: ask for
 * MFD_EXEC; a kernel that does not know the flag says EINVAL, one that
 * forbids it EACCES (or EPERM); then create the file without it. On Linux
 * 6.18 the noexec seal only concerns execve(2): PROT_EXEC mappings work
 * either way. A security module may still refuse them: probed afterwards
 * (host_memfile_create()).
 */
static int memfd_open(void)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd;

	fd = memfd_create("vas-frames", flags | MFD_EXEC);
	if (fd < 0 && (errno == EINVAL || errno == EACCES || errno == EPERM))
		fd = memfd_create("vas-frames", flags);
	return fd < 0 ? -errno : fd;
}

/* Whether @fd's pages can be mapped PROT_EXEC (the mirror maps text so). */
static bool memfd_exec_ok(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, 4096);
	return true;
}

int host_memfile_create(size_t limit, size_t size, struct host_memfile *mf)
{
	void *map;
	int fd, err;

	fd = memfd_open();
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)size)) {
		err = -errno;
		goto close;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL)) {
		err = -errno;
		goto close;
	}
	map = mmap(NULL, limit, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		goto close;
	}
	mf->fd = fd;
	mf->map = map;
	mf->exec_ok = memfd_exec_ok(fd);
	return 0;
close:
	close(fd);
	return err;
}

int host_memfile_grow(const struct host_memfile *mf, size_t size)
{
	int ret;

	do
		ret = ftruncate(mf->fd, (off_t)size);
	while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

void host_memfile_destroy(struct host_memfile *mf, size_t limit)
{
	if (mf->map)
		munmap(mf->map, limit);
	if (mf->fd >= 0)
		close(mf->fd);
	mf->map = NULL;
	mf->fd = -1;
}
