/* SPDX-License-Identifier: MIT */
/*
 * host_ops.h - the operations of refmodel.h as real system calls on the
 * test process, inside a window that nothing else maps, and the window's
 * VMAs as /proc/self/smaps shows them.
 */
#ifndef VAS_TESTS_HOST_OPS_H
#define VAS_TESTS_HOST_OPS_H

#include "calls.h"	/* tools/backends: the mapping calls */
#include "refmodel.h"
#include "scratch.h"	/* tools/vasctl: scratch folders removed on signals */

#define HOST_NFILES 3	/* file ids 1..3; id 3 is opened read-only */
/* Files 1 and 3 are 8 MiB, file 2 this many pages (mappings pass its end). */
#define HOST_SHORT_FILE_PAGES 48

struct host_env {
	unsigned long base, npages;
	struct vasctl_scratch scratch;	/* the folder; the files' paths */
	char paths[REF_MAX_FILES][576];
	int fds[REF_MAX_FILES];
	/*
	 * After every operation (in the child too), each page of the window
	 * that maps the zero page gets a page of its own (vasctl_unzero()):
	 * the host then behaves as a kernel without the zero page.
	 */
	bool unzero;
};

/*
 * host_init() - Create the scratch files (in a mkdtemp() folder in
 * $VAS_SCRATCH_DIR, else /var/tmp), declare them in @m, disable THP for
 * the process, and check that nothing is mapped in [@base, @base +
 * @npages pages). The folder and the files are removed by host_fini(),
 * and also at exit and when the process is killed by a signal
 * (SIGINT/TERM/HUP/QUIT, or a crash: the previous handler then runs).
 * With $VAS_TEST_HOLD naming a FIFO, the first host_init() writes the
 * folder's path there and waits to be killed (for the test of that).
 * Return: 0 or -errno.
 */
int host_init(struct host_env *h, struct ref_model *m, unsigned long base,
	      unsigned long npages);
/* host_fini() - Unmap the window (except sealed VMAs), remove the files. */
void host_fini(struct host_env *h);
/*
 * host_probe_zero_page() - Does an anonymous read fault map the zero page
 * on this host (vasctl's probe)? Return: 1, 0, or -1 if it cannot tell.
 */
int host_probe_zero_page(void);

/*
 * host_call() - Make call @c (tools/backends/calls.h) on the test process;
 * mmap maps file @fileid's descriptor, unless MAP_ANONYMOUS. An mmap or a
 * mremap the kernel placed outside the window is undone and returns -EDOM
 * (its address in *@out).
 * Return: 0 with the address of mmap and mremap in *@out, or -errno.
 */
int host_call(struct host_env *h, const struct backend_call *c,
	      uint32_t fileid, unsigned long *out);

/*
 * host_write() - Store @byte into [@addr, @addr + @len) byte by byte;
 * host_read() - load and hash the bytes (FNV-1a 64), as ref_write() and
 * ref_read() describe. SIGSEGV and SIGBUS are caught (handlers installed
 * around the access only) and end the access at the faulting page.
 * Return: 0, -EFAULT with @res's signal and page, or -EDOM if the range
 * leaves the window (nothing is touched).
 */
int host_write(struct host_env *h, unsigned long addr, unsigned long len,
	       int byte, struct ref_access *res);
int host_read(struct host_env *h, unsigned long addr, unsigned long len,
	      struct ref_access *res);
/* host_read() that copies the bytes to @buf (res->hash stays 0). */
int host_read_bytes(struct host_env *h, unsigned long addr, unsigned long len,
		    void *buf, struct ref_access *res);

/* A forked copy of the test process that makes accesses on request. */
struct host_child {
	int pid;
	int cmd_fd, res_fd;	/* pipes to and from it */
};

/*
 * host_fork() - fork(2) the test process; the child serves
 * host_child_access() requests until host_child_end(). Return: 0 or -errno.
 */
int host_fork(struct host_env *h, struct host_child *ch);
/* host_write() / host_read() (@write) in the child; -EPIPE if it is gone. */
int host_child_access(struct host_child *ch, bool write, unsigned long addr,
		      unsigned long len, int byte, struct ref_access *res);
/* host_read_bytes() in the child, @len <= REF_PAGE_SIZE. */
int host_child_read_bytes(struct host_child *ch, unsigned long addr,
			  unsigned long len, void *buf, struct ref_access *res);
/*
 * host_child_read_bytes() of the @n pages from @addr, page by page, in one
 * request: page k's result in @ret[k] and @res[k], its bytes at @buf + k
 * pages. Return: 0, or -EPIPE if the child is gone.
 */
int host_child_read_pages(struct host_child *ch, unsigned long addr,
			  unsigned long n, void *buf, int *ret,
			  struct ref_access *res);
/* Tell the child to exit and reap it. Return: 0 if it exited cleanly. */
int host_child_end(struct host_child *ch);

/*
 * host_vmas() - The VMAs of the window from /proc/self/smaps: flags from
 * VmFlags (an unknown mnemonic sets bit 63), file id from the path
 * (shared anonymous memory: REF_FILEID_SHMEM + inode), pgoff from the
 * offset column, rss_anon from Anonymous (plus Swap but for shmem).
 * Return: their number (<= @max), or -errno.
 */
int host_vmas(struct host_env *h, struct ref_vma *out, int max);
/* host_vmas() of the child's window, from /proc/PID/smaps. */
int host_child_vmas(struct host_env *h, const struct host_child *ch,
		    struct ref_vma *out, int max);

#endif /* VAS_TESTS_HOST_OPS_H */
