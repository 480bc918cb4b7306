// SPDX-License-Identifier: MIT
/*
 * host_ops.c - the reference operations as real system calls (see
 * host_ops.h). The flag and advice values of include/vas/uapi.h are the
 * Linux values, so they are passed through unchanged.
 */
#define _GNU_SOURCE
#include "host_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vas/uapi.h>

#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef SYS_mlock2
#define SYS_mlock2 325
#endif

#define FILE_SIZE (8UL << 20)

static int ret_errno(long r)
{
	return r < 0 ? -errno : 0;
}

int host_init(struct host_env *h, struct ref_model *m, unsigned long base,
	      unsigned long npages)
{
	struct ref_vma v[1];
	int n;

	memset(h, 0, sizeof(*h));
	h->base = base;
	h->npages = npages;
	for (int i = 0; i < REF_MAX_FILES; i++)
		h->fds[i] = -1;
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		return -errno;
	snprintf(h->dir, sizeof(h->dir), "/var/tmp/vas-model-XXXXXX");
	if (!mkdtemp(h->dir))
		return -errno;
	for (uint32_t id = 1; id <= HOST_NFILES; id++) {
		bool ro = id == HOST_NFILES;
		int fd;

		snprintf(h->paths[id], sizeof(h->paths[id]), "%s/f%u", h->dir,
			 id);
		fd = open(h->paths[id], O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, FILE_SIZE))
			return -errno;
		if (ro) {
			close(fd);
			fd = open(h->paths[id], O_RDONLY);
			if (fd < 0)
				return -errno;
		}
		h->fds[id] = fd;
		ref_file_set(m, id, true, !ro);
	}
	n = host_vmas(h, v, 1);
	if (n < 0)
		return n;
	if (n > 0)
		return -EEXIST;
	return 0;
}

void host_fini(struct host_env *h)
{
	for (unsigned long i = 0; i < h->npages; i++)
		(void)munmap((void *)(h->base + i * REF_PAGE_SIZE),
			     REF_PAGE_SIZE);	/* sealed pages stay */
	for (uint32_t id = 1; id < REF_MAX_FILES; id++) {
		if (h->fds[id] >= 0) {
			close(h->fds[id]);
			unlink(h->paths[id]);
		}
	}
	rmdir(h->dir);
}

static bool in_window(const struct host_env *h, unsigned long a,
		      unsigned long len)
{
	unsigned long size = h->npages * REF_PAGE_SIZE;

	return a >= h->base && len <= size && a - h->base <= size - len;
}

int host_mmap(struct host_env *h, unsigned long addr, unsigned long len,
	      int prot, int flags, uint32_t fileid, unsigned long off,
	      unsigned long *out)
{
	int fd = -1;
	void *p;

	if (!(flags & VAS_MAP_ANONYMOUS) && fileid < REF_MAX_FILES)
		fd = h->fds[fileid];
	p = mmap((void *)addr, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	if (!in_window(h, (unsigned long)p, len)) {
		/* placed by the kernel outside the window: undo, report */
		munmap(p, len);
		*out = (unsigned long)p;
		return -EDOM;
	}
	*out = (unsigned long)p;
	return 0;
}

int host_munmap(struct host_env *h, unsigned long addr, unsigned long len)
{
	(void)h;
	return ret_errno(munmap((void *)addr, len));
}

int host_mprotect(struct host_env *h, unsigned long addr, unsigned long len,
		  int prot)
{
	(void)h;
	return ret_errno(mprotect((void *)addr, len, prot));
}

int host_mlock(struct host_env *h, unsigned long addr, unsigned long len)
{
	(void)h;
	/* syscall(): sanitizers intercept mlock() and make it a no-op */
	return ret_errno(syscall(SYS_mlock, addr, len));
}

int host_mlock2(struct host_env *h, unsigned long addr, unsigned long len,
		unsigned int flags)
{
	(void)h;
	return ret_errno(syscall(SYS_mlock2, addr, len, flags));
}

int host_munlock(struct host_env *h, unsigned long addr, unsigned long len)
{
	(void)h;
	return ret_errno(syscall(SYS_munlock, addr, len));
}

int host_madvise(struct host_env *h, unsigned long addr, unsigned long len,
		 int advice)
{
	(void)h;
	return ret_errno(madvise((void *)addr, len, advice));
}

int host_mseal(struct host_env *h, unsigned long addr, unsigned long len,
	       unsigned long flags)
{
	(void)h;
	return ret_errno(syscall(SYS_mseal, addr, len, flags));
}

int host_mremap(struct host_env *h, unsigned long addr, unsigned long old_len,
		unsigned long new_len, int flags, unsigned long new_addr,
		unsigned long *out)
{
	void *p = mremap((void *)addr, old_len, new_len, flags,
			 (void *)new_addr);

	if (p == MAP_FAILED)
		return -errno;
	*out = (unsigned long)p;
	if (!in_window(h, (unsigned long)p, new_len)) {
		munmap(p, new_len);
		return -EDOM;
	}
	return 0;
}

/* ---- /proc/self/smaps ---------------------------------------------------- */

static char *smaps_buf;
static size_t smaps_cap;

static int read_smaps(size_t *lenp)
{
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (smaps_cap - len < 65536) {
			size_t cap = smaps_cap ? smaps_cap * 2 : 1 << 20;
			char *b = realloc(smaps_buf, cap);

			if (!b) {
				close(fd);
				return -ENOMEM;
			}
			smaps_buf = b;
			smaps_cap = cap;
		}
		r = read(fd, smaps_buf + len, smaps_cap - len - 1);
		if (r < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	smaps_buf[len] = 0;
	*lenp = len;
	return 0;
}

static uint32_t fileid_of(const struct host_env *h, const char *path,
			  unsigned long ino)
{
	if (!*path)
		return 0;
	if (!strncmp(path, "/dev/zero", 9) || !strncmp(path, "/SYSV", 5))
		return REF_FILEID_SHMEM + (uint32_t)ino;
	for (uint32_t id = 1; id < REF_MAX_FILES; id++)
		if (h->fds[id] >= 0 && !strcmp(path, h->paths[id]))
			return id;
	return 0xffff;
}

int host_vmas(struct host_env *h, struct ref_vma *out, int max)
{
	size_t len;
	int n = 0, err;
	bool in = false;
	char *line, *next;

	err = read_smaps(&len);
	if (err)
		return err;
	for (line = smaps_buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!strncmp(line, "VmFlags:", 8)) {
			char *p = line + 8;

			if (!in)
				continue;
			out[n].flags = 0;
			while (*p) {
				uint64_t f;

				while (*p == ' ')
					p++;
				if (!p[0] || !p[1])
					break;
				f = ref_flag_from_mnemonic(p);
				out[n].flags |= f ? f : 1ULL << 63;
				p += 2;
			}
			n++;
			in = false;
			continue;
		}
		/* a header: "start-end perms offset dev inode path" */
		{
			unsigned long s, e, off, ino;
			char perms[8], dev[16];
			int pos = 0;

			if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &s, &e,
				   perms, &off, dev, &ino, &pos) < 6)
				continue;
			if (e <= h->base ||
			    s >= h->base + h->npages * REF_PAGE_SIZE)
				continue;
			if (n >= max)
				return n;
			in = true;
			out[n].start = s;
			out[n].end = e;
			out[n].pgoff = off / REF_PAGE_SIZE;
			out[n].anon = 0;
			out[n].fileid = fileid_of(h, line + pos, ino);
			if (!out[n].fileid)
				out[n].pgoff = REF_PGOFF_UNKNOWN;
		}
	}
	return n;
}
