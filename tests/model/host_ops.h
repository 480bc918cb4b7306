/* SPDX-License-Identifier: MIT */
/*
 * host_ops.h - the operations of refmodel.h as real system calls on the
 * test process, inside a window that nothing else maps, and the window's
 * VMAs as /proc/self/smaps shows them.
 */
#ifndef VAS_TESTS_HOST_OPS_H
#define VAS_TESTS_HOST_OPS_H

#include "refmodel.h"

#define HOST_NFILES 3	/* file ids 1..3; id 3 is opened read-only */

struct host_env {
	unsigned long base, npages;
	char dir[64];
	char paths[REF_MAX_FILES][96];
	int fds[REF_MAX_FILES];
};

/*
 * host_init() - Create the scratch files (in a mkdtemp() directory under
 * /var/tmp), declare them in @m, disable THP for the process, and check
 * that nothing is mapped in [@base, @base + @npages pages).
 * Return: 0 or -errno.
 */
int host_init(struct host_env *h, struct ref_model *m, unsigned long base,
	      unsigned long npages);
/* host_fini() - Unmap the window (except sealed VMAs), remove the files. */
void host_fini(struct host_env *h);

int host_mmap(struct host_env *h, unsigned long addr, unsigned long len,
	      int prot, int flags, uint32_t fileid, unsigned long off,
	      unsigned long *out);
int host_munmap(struct host_env *h, unsigned long addr, unsigned long len);
int host_mprotect(struct host_env *h, unsigned long addr, unsigned long len,
		  int prot);
int host_mlock(struct host_env *h, unsigned long addr, unsigned long len);
int host_mlock2(struct host_env *h, unsigned long addr, unsigned long len,
		unsigned int flags);
int host_munlock(struct host_env *h, unsigned long addr, unsigned long len);
int host_madvise(struct host_env *h, unsigned long addr, unsigned long len,
		 int advice);
int host_mseal(struct host_env *h, unsigned long addr, unsigned long len,
	       unsigned long flags);
int host_mremap(struct host_env *h, unsigned long addr, unsigned long old_len,
		unsigned long new_len, int flags, unsigned long new_addr,
		unsigned long *out);

/*
 * host_vmas() - The VMAs of the window from /proc/self/smaps: flags from
 * VmFlags (an unknown mnemonic sets bit 63), file id from the path
 * (shared anonymous memory: REF_FILEID_SHMEM + inode), pgoff from the
 * offset column. Return: their number (<= @max), or -errno.
 */
int host_vmas(struct host_env *h, struct ref_vma *out, int max);

#endif /* VAS_TESTS_HOST_OPS_H */
