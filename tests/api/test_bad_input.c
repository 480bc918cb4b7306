// SPDX-License-Identifier: MIT
/*
 * test_bad_input.c - the bad-input table (issue 12, deliverable 4): every
 * public function with each argument that can be bad, and the errno it
 * must give; after each call the address space is unchanged (its smaps
 * text) and valid (vas_mm_validate()).
 *
 * The system-call rows are checked against the host, not only asserted:
 * the same layout of mappings is built at the same addresses in this
 * process (a private window at W) and in the model, and each row runs on
 * both, with the same arguments, through the real system call and through
 * vas. The model must give the table's errno, and so must the host; a
 * mismatch on either side is a failure, so a wrong row cannot pass. The
 * host window is compared before and after each row too (its lines of
 * /proc/self/maps).
 *
 * Rows of functions that are not system calls are checked against what
 * their header comments promise.
 *
 * NULL where a header does not allow it is not a row: that is a crash by
 * contract (the NULL rule of <vas/defs.h>).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vas/mirror.h>
#include <vas/physmem.h>
#include <vas/vas.h>
#include "harness.h"

#define P 4096UL
#define W 0x200000000000UL
#define TOP VAS_TASK_SIZE
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define BIG (~0UL - P + 2)	/* a length that page-aligns to 0 */
#define WRAP (~0UL - P + 1)	/* a page-aligned length: W + WRAP wraps */
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

/*
 * The layout, in the model and in this process:
 *  W+0   .. W+4P   anonymous private rw, the first page written
 *  W+4P  .. W+5P   hole
 *  W+5P  .. W+7P   anonymous private r
 *  W+8P  .. W+10P  anonymous private r, sealed
 *  W+12P .. W+14P  anonymous shared rw
 *  W+16P .. W+18P  shared r mapping of the file, opened read-only
 *  W+20P .. W+22P  anonymous private rw, mlocked
 *  W+24P .. W+26P  private rw mapping of the file, opened read-write
 * (holes between them).
 */
#define SEALED (W + 8 * P)
#define SHARED (W + 12 * P)
#define ROFILE (W + 16 * P)
#define LOCKED (W + 20 * P)
#define RWFILE (W + 24 * P)
#define FILE_LEN (4 * P)

enum call {
	C_MMAP,		/* anonymous, or of fd_ro / fd_rw by the row's file */
	C_MUNMAP,
	C_MPROTECT,
	C_MREMAP,
	C_MADVISE,
	C_MSYNC,
	C_MLOCK,
	C_MLOCK2,
	C_MUNLOCK,
	C_MLOCKALL,
	C_MSEAL,
	C_PREAD,	/* the file opened read-write, or read-only */
	C_FTRUNCATE,
};

enum which_file { NOFILE, FILE_RO, FILE_RW, FILE_WO };

struct row {
	const char *name;
	enum call call;
	enum which_file file;
	unsigned long a[5];
	int err;		/* the errno Linux gives (positive) */
};

static const struct row rows[] = {
	/* mmap(addr, len, prot, flags, off) */
	{ "mmap len 0", C_MMAP, NOFILE, { 0, 0, RW, ANON, 0 }, EINVAL },
	{ "mmap len wraps page_align", C_MMAP, NOFILE, { 0, BIG, RW, ANON, 0 },
	  ENOMEM },
	{ "mmap len above TASK_SIZE", C_MMAP, NOFILE,
	  { 0, TOP + P, RW, ANON, 0 }, ENOMEM },
	{ "mmap fixed unaligned", C_MMAP, NOFILE,
	  { W + 30 * P + 1, P, RW, ANON | VAS_MAP_FIXED, 0 }, EINVAL },
	{ "mmap fixed end above TASK_SIZE", C_MMAP, NOFILE,
	  { TOP - P, 2 * P, RW, ANON | VAS_MAP_FIXED, 0 }, ENOMEM },
	{ "mmap fixed addr+len wraps", C_MMAP, NOFILE,
	  { W, ~0UL - W - P + 2, RW, ANON | VAS_MAP_FIXED, 0 }, ENOMEM },
	{ "mmap fixed at 0 (below mmap_min_addr)", C_MMAP, NOFILE,
	  { 0, P, RW, ANON | VAS_MAP_FIXED, 0 }, EPERM },
	{ "mmap no type", C_MMAP, NOFILE,
	  { 0, P, RW, VAS_MAP_ANONYMOUS, 0 }, EINVAL },
	{ "mmap type 0xf", C_MMAP, NOFILE,
	  { 0, P, RW, VAS_MAP_TYPE | VAS_MAP_ANONYMOUS, 0 }, EINVAL },
	{ "mmap anon shared_validate unknown flag", C_MMAP, NOFILE,
	  { 0, P, RW, VAS_MAP_SHARED_VALIDATE | VAS_MAP_ANONYMOUS | 0x800000, 0 },
	  EINVAL },
	{ "mmap file shared_validate unknown flag", C_MMAP, FILE_RW,
	  { 0, P, RW, VAS_MAP_SHARED_VALIDATE | 0x800000, 0 }, EOPNOTSUPP },
	{ "mmap file shared_validate sync (no DAX)", C_MMAP, FILE_RW,
	  { 0, P, RW, VAS_MAP_SHARED_VALIDATE | VAS_MAP_SYNC, 0 }, EOPNOTSUPP },
	{ "mmap fixed_noreplace over a mapping", C_MMAP, NOFILE,
	  { W + P, P, RW, ANON | VAS_MAP_FIXED_NOREPLACE, 0 }, EEXIST },
	{ "mmap fixed over a sealed mapping", C_MMAP, NOFILE,
	  { SEALED, P, RW, ANON | VAS_MAP_FIXED, 0 }, EPERM },
	{ "mmap droppable shared", C_MMAP, NOFILE,
	  { 0, P, RW, VAS_MAP_DROPPABLE | VAS_MAP_SHARED | VAS_MAP_ANONYMOUS, 0 },
	  EINVAL },
	{ "mmap shared anon growsdown", C_MMAP, NOFILE,
	  { 0, P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS | VAS_MAP_GROWSDOWN, 0 },
	  EINVAL },
	{ "mmap file offset unaligned", C_MMAP, FILE_RW,
	  { 0, P, VAS_PROT_READ, VAS_MAP_PRIVATE, 1 }, EINVAL },
	{ "mmap file offset past the largest file", C_MMAP, FILE_RW,
	  { 0, P, VAS_PROT_READ, VAS_MAP_PRIVATE, 1UL << 63 }, EOVERFLOW },
	{ "mmap shared writable of a read-only file", C_MMAP, FILE_RO,
	  { 0, P, RW, VAS_MAP_SHARED, 0 }, EACCES },
	{ "mmap of a write-only file", C_MMAP, FILE_WO,
	  { 0, P, VAS_PROT_READ, VAS_MAP_PRIVATE, 0 }, EACCES },
	{ "mmap file len 0", C_MMAP, FILE_RW,
	  { 0, 0, VAS_PROT_READ, VAS_MAP_SHARED, 0 }, EINVAL },
	/* munmap(addr, len) */
	{ "munmap unaligned", C_MUNMAP, NOFILE, { W + 1, P }, EINVAL },
	{ "munmap len 0", C_MUNMAP, NOFILE, { W, 0 }, EINVAL },
	{ "munmap len wraps page_align", C_MUNMAP, NOFILE, { W, BIG }, EINVAL },
	{ "munmap end above TASK_SIZE", C_MUNMAP, NOFILE, { TOP - P, 2 * P },
	  EINVAL },
	{ "munmap sealed", C_MUNMAP, NOFILE, { SEALED, P }, EPERM },
	{ "munmap end wraps", C_MUNMAP, NOFILE, { W, WRAP }, EINVAL },
	/*
	 * From the start of a VMA into a sealed one. (From inside a VMA,
	 * Linux 6.18 splits that VMA before it meets the seal and leaves the
	 * split: vms_gather_munmap_vmas(); the model does the same, so such
	 * a row would not leave the address space unchanged on either.)
	 */
	{ "munmap range into a sealed mapping", C_MUNMAP, NOFILE,
	  { W + 5 * P, 5 * P }, EPERM },
	/* mprotect(addr, len, prot) */
	{ "mprotect unaligned", C_MPROTECT, NOFILE, { W + 1, P, RW }, EINVAL },
	{ "mprotect len wraps page_align", C_MPROTECT, NOFILE, { W, BIG, RW },
	  ENOMEM },
	{ "mprotect unknown prot bit", C_MPROTECT, NOFILE, { W, P, 0x10 },
	  EINVAL },
	{ "mprotect growsdown and growsup", C_MPROTECT, NOFILE,
	  { W, P, VAS_PROT_READ | VAS_PROT_GROWSDOWN | VAS_PROT_GROWSUP },
	  EINVAL },
	{ "mprotect growsup (x86 has none)", C_MPROTECT, NOFILE,
	  { W, P, VAS_PROT_READ | VAS_PROT_GROWSUP }, EINVAL },
	{ "mprotect growsdown on a non-stack", C_MPROTECT, NOFILE,
	  { W, P, VAS_PROT_READ | VAS_PROT_GROWSDOWN }, EINVAL },
	{ "mprotect a hole", C_MPROTECT, NOFILE, { W + 4 * P, P, RW }, ENOMEM },
	{ "mprotect over a hole", C_MPROTECT, NOFILE, { W + 3 * P, 3 * P, RW },
	  ENOMEM },
	{ "mprotect above TASK_SIZE", C_MPROTECT, NOFILE, { TOP, P, RW },
	  ENOMEM },
	{ "mprotect end wraps", C_MPROTECT, NOFILE, { W, WRAP, RW }, ENOMEM },
	{ "mprotect write on a read-only file", C_MPROTECT, NOFILE,
	  { ROFILE, P, RW }, EACCES },
	{ "mprotect sealed", C_MPROTECT, NOFILE, { SEALED, P, RW }, EPERM },
	/* mremap(addr, old_len, new_len, flags, new_addr) */
	{ "mremap unaligned", C_MREMAP, NOFILE, { W + 1, P, 2 * P, 0, 0 },
	  EINVAL },
	{ "mremap unknown flag", C_MREMAP, NOFILE, { W, P, 2 * P, 8, 0 },
	  EINVAL },
	{ "mremap fixed without maymove", C_MREMAP, NOFILE,
	  { W, P, P, VAS_MREMAP_FIXED, W + 40 * P }, EINVAL },
	{ "mremap dontunmap without maymove", C_MREMAP, NOFILE,
	  { W, P, P, VAS_MREMAP_DONTUNMAP, 0 }, EINVAL },
	{ "mremap dontunmap with other lengths", C_MREMAP, NOFILE,
	  { W, P, 2 * P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_DONTUNMAP, 0 },
	  EINVAL },
	{ "mremap new_len 0", C_MREMAP, NOFILE, { W, P, 0, 0, 0 }, EINVAL },
	{ "mremap new_len wraps page_align", C_MREMAP, NOFILE,
	  { W, P, BIG, 0, 0 }, EINVAL },
	{ "mremap old_len 0 of a private mapping", C_MREMAP, NOFILE,
	  { W, 0, P, VAS_MREMAP_MAYMOVE, 0 }, EINVAL },
	{ "mremap unmapped", C_MREMAP, NOFILE, { W + 4 * P, P, 2 * P, 0, 0 },
	  EFAULT },
	{ "mremap old range over two mappings", C_MREMAP, NOFILE,
	  { W + 3 * P, 3 * P, 4 * P, VAS_MREMAP_MAYMOVE, 0 }, EFAULT },
	{ "mremap grow in place blocked", C_MREMAP, NOFILE,
	  { W, 4 * P, 6 * P, 0, 0 }, ENOMEM },
	{ "mremap grow in place up to a sealed mapping", C_MREMAP, NOFILE,
	  { W + 5 * P, 2 * P, 4 * P, 0, 0 }, ENOMEM },
	{ "mremap fixed unaligned new_addr", C_MREMAP, NOFILE,
	  { W, P, P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + 40 * P + 1 },
	  EINVAL },
	{ "mremap fixed overlapping itself", C_MREMAP, NOFILE,
	  { W, 2 * P, 2 * P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, W + P },
	  EINVAL },
	{ "mremap fixed new range above TASK_SIZE", C_MREMAP, NOFILE,
	  { W, P, 2 * P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, TOP - P },
	  EINVAL },
	{ "mremap sealed", C_MREMAP, NOFILE, { SEALED, P, 2 * P,
	  VAS_MREMAP_MAYMOVE, 0 }, EPERM },
	{ "mremap fixed onto a sealed mapping", C_MREMAP, NOFILE,
	  { W, P, P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, SEALED }, EPERM },
	{ "mremap dontunmap of a locked mapping's neighbour hole", C_MREMAP,
	  NOFILE, { W + 4 * P, P, P, VAS_MREMAP_MAYMOVE | VAS_MREMAP_DONTUNMAP,
	  0 }, EFAULT },
	/* madvise(addr, len, advice) */
	{ "madvise unknown advice", C_MADVISE, NOFILE, { W, P, 999 }, EINVAL },
	{ "madvise unknown advice 26", C_MADVISE, NOFILE, { W, P, 26 },
	  EINVAL },
	{ "madvise unaligned", C_MADVISE, NOFILE,
	  { W + 1, P, VAS_MADV_DONTNEED }, EINVAL },
	{ "madvise len wraps page_align", C_MADVISE, NOFILE,
	  { W, BIG, VAS_MADV_DONTNEED }, EINVAL },
	{ "madvise end above TASK_SIZE", C_MADVISE, NOFILE,
	  { W, ~0UL - W - P + 1, VAS_MADV_NORMAL }, ENOMEM },
	{ "madvise end wraps", C_MADVISE, NOFILE,
	  { W, WRAP, VAS_MADV_NORMAL }, EINVAL },
	{ "madvise a hole", C_MADVISE, NOFILE,
	  { W + 4 * P, P, VAS_MADV_NORMAL }, ENOMEM },
	{ "madvise dontneed on a sealed read-only mapping", C_MADVISE, NOFILE,
	  { SEALED, P, VAS_MADV_DONTNEED }, EPERM },
	{ "madvise free on a sealed read-only mapping", C_MADVISE, NOFILE,
	  { SEALED, P, VAS_MADV_FREE }, EPERM },
	{ "madvise dontneed on a locked mapping", C_MADVISE, NOFILE,
	  { LOCKED, P, VAS_MADV_DONTNEED }, EINVAL },
	{ "madvise free on a shared mapping", C_MADVISE, NOFILE,
	  { ROFILE, P, VAS_MADV_FREE }, EINVAL },
	{ "madvise remove on a private mapping", C_MADVISE, NOFILE,
	  { W, P, VAS_MADV_REMOVE }, EINVAL },
	{ "madvise remove on a read-only shared file", C_MADVISE, NOFILE,
	  { ROFILE, P, VAS_MADV_REMOVE }, EACCES },
	{ "madvise populate_write of a read-only mapping", C_MADVISE, NOFILE,
	  { W + 5 * P, P, VAS_MADV_POPULATE_WRITE }, EINVAL },
	{ "madvise guard_install on a locked mapping", C_MADVISE, NOFILE,
	  { LOCKED, P, VAS_MADV_GUARD_INSTALL }, EINVAL },
	{ "madvise wipeonfork on a shared mapping", C_MADVISE, NOFILE,
	  { SHARED, P, VAS_MADV_WIPEONFORK }, EINVAL },
	{ "madvise collapse (no THP)", C_MADVISE, NOFILE,
	  { W, P, VAS_MADV_COLLAPSE }, EINVAL },
	/* msync(addr, len, flags) */
	{ "msync async and sync", C_MSYNC, NOFILE,
	  { W, P, VAS_MS_ASYNC | VAS_MS_SYNC }, EINVAL },
	{ "msync unknown flag", C_MSYNC, NOFILE, { W, P, 8 }, EINVAL },
	{ "msync unaligned", C_MSYNC, NOFILE, { W + 1, P, VAS_MS_SYNC },
	  EINVAL },
	{ "msync len page-aligns to 0 (Linux: success)", C_MSYNC, NOFILE,
	  { W, BIG, VAS_MS_SYNC }, 0 },
	{ "msync end wraps", C_MSYNC, NOFILE, { W, WRAP, VAS_MS_SYNC }, ENOMEM },
	{ "msync end above TASK_SIZE", C_MSYNC, NOFILE,
	  { W, ~0UL - W - P + 1, VAS_MS_SYNC }, ENOMEM },
	{ "msync a hole", C_MSYNC, NOFILE, { W + 4 * P, P, VAS_MS_SYNC },
	  ENOMEM },
	{ "msync invalidate of a locked mapping", C_MSYNC, NOFILE,
	  { LOCKED, P, VAS_MS_INVALIDATE }, EBUSY },
	/* mlock(addr, len), mlock2(addr, len, flags), munlock(addr, len) */
	{ "mlock a hole", C_MLOCK, NOFILE, { W + 4 * P, P }, ENOMEM },
	{ "mlock end wraps", C_MLOCK, NOFILE, { W, WRAP }, EINVAL },
	{ "mlock2 unknown flag", C_MLOCK2, NOFILE, { W, P, 2 }, EINVAL },
	{ "mlock2 a hole", C_MLOCK2, NOFILE, { W + 4 * P, P, 0 }, ENOMEM },
	{ "munlock a hole", C_MUNLOCK, NOFILE, { W + 4 * P, P }, ENOMEM },
	{ "munlock end wraps", C_MUNLOCK, NOFILE, { W, WRAP }, EINVAL },
	/* mlockall(flags) */
	{ "mlockall 0", C_MLOCKALL, NOFILE, { 0 }, EINVAL },
	{ "mlockall unknown flag", C_MLOCKALL, NOFILE, { 8 }, EINVAL },
	{ "mlockall onfault alone", C_MLOCKALL, NOFILE, { VAS_MCL_ONFAULT },
	  EINVAL },
	/* mseal(addr, len, flags) */
	{ "mseal flags", C_MSEAL, NOFILE, { W, P, 1 }, EINVAL },
	{ "mseal unaligned", C_MSEAL, NOFILE, { W + 1, P, 0 }, EINVAL },
	{ "mseal len wraps page_align", C_MSEAL, NOFILE, { W, BIG, 0 },
	  EINVAL },
	{ "mseal end wraps", C_MSEAL, NOFILE, { W, WRAP, 0 }, EINVAL },
	{ "mseal a hole", C_MSEAL, NOFILE, { W + 4 * P, P, 0 }, ENOMEM },
	{ "mseal over a hole", C_MSEAL, NOFILE, { W + 3 * P, 3 * P, 0 },
	  ENOMEM },
	/* pread(fd, buf, len, off) of the file */
	{ "pread negative offset", C_PREAD, FILE_RW, { 0, P, (unsigned long)-1 },
	  EINVAL },
	{ "pread end past the largest offset", C_PREAD, FILE_RW,
	  { 0, P, 0x7ffffffffffff000UL }, EINVAL },
	{ "pread of a write-only file", C_PREAD, FILE_WO, { 0, P, 0 }, EBADF },
	/* ftruncate(fd, size) */
	{ "ftruncate negative", C_FTRUNCATE, FILE_RW, { (unsigned long)-P },
	  EINVAL },
};

/* ---- the two sides ------------------------------------------------------ */

struct world {
	struct vas_machine *m;
	struct vas_mm_user *mm;
	int fd_rw, fd_ro, fd_wo;
	struct vas_file *f_rw, *f_ro, *f_wo;
	bool host;		/* the host window is set up */
	bool host_rawio;	/* CAP_SYS_RAWIO still in effect here */
};

static int host_fd(const struct world *w, enum which_file f)
{
	return f == FILE_RO ? w->fd_ro : f == FILE_WO ? w->fd_wo :
	       f == FILE_RW ? w->fd_rw : -1;
}

static struct vas_file *model_file(const struct world *w, enum which_file f)
{
	return f == FILE_RO ? w->f_ro : f == FILE_WO ? w->f_wo :
	       f == FILE_RW ? w->f_rw : NULL;
}

static char pread_buf[2 * P];

/* Run @r in the model. Return: 0 or a positive errno. */
static int run_model(struct world *w, const struct row *r)
{
	const unsigned long *a = r->a;
	unsigned long out;
	long n;

	switch (r->call) {
	case C_MMAP:
		return -vas_mmap(w->mm, a[0], a[1], (int)a[2], (int)a[3],
				 model_file(w, r->file), a[4], &out);
	case C_MUNMAP:
		return -vas_munmap(w->mm, a[0], a[1]);
	case C_MPROTECT:
		return -vas_mprotect(w->mm, a[0], a[1], (int)a[2]);
	case C_MREMAP:
		return -vas_mremap(w->mm, a[0], a[1], a[2], (int)a[3], a[4],
				   &out);
	case C_MADVISE:
		return -vas_madvise(w->mm, a[0], a[1], (int)a[2]);
	case C_MSYNC:
		return -vas_msync(w->mm, a[0], a[1], (int)a[2]);
	case C_MLOCK:
		return -vas_mlock(w->mm, a[0], a[1]);
	case C_MLOCK2:
		return -vas_mlock2(w->mm, a[0], a[1], (int)a[2]);
	case C_MUNLOCK:
		return -vas_munlock(w->mm, a[0], a[1]);
	case C_MLOCKALL:
		return -vas_mlockall(w->mm, (int)a[0]);
	case C_MSEAL:
		return -vas_mseal(w->mm, a[0], a[1], a[2]);
	case C_PREAD:
		n = vas_file_pread(model_file(w, r->file), pread_buf,
				   a[1] > sizeof(pread_buf) ? a[1] : a[1],
				   (off_t)a[2]);
		return n < 0 ? (int)-n : 0;
	case C_FTRUNCATE:
		return -vas_file_truncate(model_file(w, r->file), (off_t)a[0]);
	}
	return -1;
}

/* Run @r on the host. Return: 0 or the errno. */
static int run_host(struct world *w, const struct row *r)
{
	const unsigned long *a = r->a;
	long ret;
	void *p;

	errno = 0;
	switch (r->call) {
	case C_MMAP:
		p = mmap((void *)a[0], a[1], (int)a[2], (int)a[3],
			 host_fd(w, r->file), (off_t)a[4]);
		if (p != MAP_FAILED) {
			/* unexpected: give the memory back (outside W only) */
			if ((unsigned long)p < W || (unsigned long)p >= W + 64 * P)
				munmap(p, a[1]);
			return 0;
		}
		return errno;
	case C_MUNMAP:
		ret = munmap((void *)a[0], a[1]);
		break;
	case C_MPROTECT:
		ret = mprotect((void *)a[0], a[1], (int)a[2]);
		break;
	case C_MREMAP:
		p = mremap((void *)a[0], a[1], a[2], (int)a[3], (void *)a[4]);
		return p == MAP_FAILED ? errno : 0;
	case C_MADVISE:
		ret = madvise((void *)a[0], a[1], (int)a[2]);
		break;
	case C_MSYNC:
		ret = msync((void *)a[0], a[1], (int)a[2]);
		break;
	/* the mlock family by syscall(): AddressSanitizer makes the libc
	 * calls do nothing */
	case C_MLOCK:
		ret = syscall(SYS_mlock, a[0], a[1]);
		break;
	case C_MLOCK2:
		ret = syscall(SYS_mlock2, a[0], a[1], a[2]);
		break;
	case C_MUNLOCK:
		ret = syscall(SYS_munlock, a[0], a[1]);
		break;
	case C_MLOCKALL:
		ret = syscall(SYS_mlockall, a[0]);
		if (!ret)
			syscall(SYS_munlockall);
		break;
	case C_MSEAL:
		ret = syscall(SYS_mseal, a[0], a[1], a[2]);
		break;
	case C_PREAD:
		ret = pread(host_fd(w, r->file), pread_buf,
			    a[1] > sizeof(pread_buf) ? a[1] : a[1],
			    (off_t)a[2]);
		break;
	case C_FTRUNCATE:
		ret = ftruncate(host_fd(w, r->file), (off_t)a[0]);
		break;
	default:
		return -1;
	}
	return ret < 0 ? errno : 0;
}

/* The lines of /proc/self/maps inside the window (malloc'd). */
static char *host_window(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s = strtoul(line, NULL, 16);

		if (s >= W && s < W + 64 * P)
			fputs(line, out);
	}
	if (f)
		fclose(f);
	fclose(out);
	return buf;
}

/* Print the lines of @a and @b that differ (the texts mostly line up). */
static void print_diff(const char *a, const char *b)
{
	fprintf(stderr, "  before (-), after (+):\n");
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || memcmp(a, b, la))
			fprintf(stderr, "  -%.*s\n  +%.*s\n", (int)la, a,
				(int)lb, b);
		a += la + (a[la] != 0);
		b += lb + (b[lb] != 0);
	}
}

static char *model_state(struct world *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (vas_proc_smaps_print(w->mm, out))
		fputs("smaps failed\n", out);
	fprintf(out, "committed %lu\n", vas_machine_committed(w->m));
	fclose(out);
	return buf;
}

/*
 * Drop CAP_SYS_RAWIO from this process's effective set, so that the host
 * refuses MAP_FIXED below vm.mmap_min_addr as it does for an ordinary
 * process (the model's default, vas_mm_set_cap_sys_rawio()).
 */
static bool drop_rawio(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	d[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	if (syscall(SYS_capset, &h, d))
		return false;
	if (syscall(SYS_capget, &h, d))
		return false;
	return !(d[CAP_SYS_RAWIO / 32].effective & (1u << (CAP_SYS_RAWIO % 32)));
}

static bool host_map(unsigned long addr, unsigned long len, int prot,
		     int flags, int fd)
{
	void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE,
		       fd, 0);

	if (p == MAP_FAILED || p != (void *)addr) {
		fprintf(stderr, "host window: mmap at %#lx: %s\n", addr,
			strerror(errno));
		return false;
	}
	return true;
}

static bool host_setup(struct world *w)
{
	if (!host_map(W, 4 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1) ||
	    !host_map(W + 5 * P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1) ||
	    !host_map(SEALED, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1) ||
	    !host_map(SHARED, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS, -1) ||
	    !host_map(ROFILE, 2 * P, PROT_READ, MAP_SHARED, w->fd_ro) ||
	    !host_map(LOCKED, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1) ||
	    !host_map(RWFILE, 2 * P, RW, MAP_PRIVATE, w->fd_rw))
		return false;
	memset((void *)W, 0x5a, P);
	if (syscall(SYS_mlock, LOCKED, 2 * P)) {
		fprintf(stderr, "host window: mlock: %s\n", strerror(errno));
		return false;
	}
	if (syscall(SYS_mseal, SEALED, 2 * P, 0)) {
		fprintf(stderr, "host window: mseal: %s\n", strerror(errno));
		return false;
	}
	return true;
}

static void model_map(struct world *w, unsigned long addr, unsigned long len,
		      int prot, int flags, struct vas_file *file)
{
	unsigned long got;

	ASSERT_EQ(vas_mmap(w->mm, addr, len, prot, flags | VAS_MAP_FIXED, file,
			   0, &got), 0);
}

static void world_init(struct world *w, bool host)
{
	char path[] = "/tmp/vas-bad-input-XXXXXX";
	char fill[FILE_LEN];
	char b = 0x5a;

	memset(w, 0, sizeof(*w));
	w->fd_rw = mkstemp(path);
	ASSERT_TRUE(w->fd_rw >= 0);
	w->fd_ro = open(path, O_RDONLY);
	w->fd_wo = open(path, O_WRONLY);
	unlink(path);
	ASSERT_TRUE(w->fd_ro >= 0 && w->fd_wo >= 0);
	memset(fill, 0x77, sizeof(fill));
	ASSERT_EQ(pwrite(w->fd_rw, fill, sizeof(fill), 0), (ssize_t)sizeof(fill));

	ASSERT_EQ(vas_machine_create(NULL, &w->m), 0);
	ASSERT_EQ(vas_mm_create(w->m, &w->mm), 0);
	ASSERT_EQ(vas_file_open_host(w->m, w->fd_rw,
				     VAS_FMODE_READ | VAS_FMODE_WRITE, "rw",
				     &w->f_rw), 0);
	ASSERT_EQ(vas_file_open_host(w->m, w->fd_ro, VAS_FMODE_READ, "ro",
				     &w->f_ro), 0);
	ASSERT_EQ(vas_file_open_host(w->m, w->fd_wo, VAS_FMODE_WRITE, "wo",
				     &w->f_wo), 0);
	model_map(w, W, 4 * P, RW, ANON, NULL);
	model_map(w, W + 5 * P, 2 * P, VAS_PROT_READ, ANON, NULL);
	model_map(w, SEALED, 2 * P, VAS_PROT_READ, ANON, NULL);
	model_map(w, SHARED, 2 * P, RW, VAS_MAP_SHARED | VAS_MAP_ANONYMOUS,
		  NULL);
	model_map(w, ROFILE, 2 * P, VAS_PROT_READ, VAS_MAP_SHARED, w->f_ro);
	model_map(w, LOCKED, 2 * P, RW, ANON, NULL);
	model_map(w, RWFILE, 2 * P, RW, VAS_MAP_PRIVATE, w->f_rw);
	ASSERT_EQ(vas_fill(w->mm, W, b, P, NULL), 0);
	ASSERT_EQ(vas_mlock(w->mm, LOCKED, 2 * P), 0);
	ASSERT_EQ(vas_mseal(w->mm, SEALED, 2 * P, 0), 0);
	ASSERT_EQ(vas_mm_validate(w->mm), 0);

	if (!host)
		return;
	w->host_rawio = !drop_rawio();
	w->host = host_setup(w);
	if (!w->host)
		printf("bad_input: the host window at %#lx could not be set up "
		       "(see above): the table is checked on the model only\n",
		       W);
}

static void world_fini(struct world *w)
{
	vas_mm_put(w->mm);
	vas_file_put(w->f_rw);
	vas_file_put(w->f_ro);
	vas_file_put(w->f_wo);
	EXPECT_EQ(vas_machine_destroy(w->m), 0);
	close(w->fd_rw);
	close(w->fd_ro);
	close(w->fd_wo);
}

TEST(system_call_table_matches_the_host)
{
	struct world w;
	unsigned int model_ok = 0, host_ok = 0, host_skipped = 0;

	world_init(&w, true);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char *before = model_state(&w), *after;
		char *hbefore = NULL, *hafter;
		int got = run_model(&w, r), host;

		if (got != r->err)
			harness_fail(__FILE__, __LINE__,
				     "%s: model gives %s (%d), the table %s",
				     r->name, strerrorname_np(got) ?: "0", got,
				     strerrorname_np(r->err));
		else
			model_ok++;
		after = model_state(&w);
		if (strcmp(before, after)) {
			harness_fail(__FILE__, __LINE__,
				     "%s: the address space changed", r->name);
			print_diff(before, after);
		}
		if (vas_mm_validate(w.mm))
			harness_fail(__FILE__, __LINE__, "%s: invalid after",
				     r->name);
		free(before);
		free(after);

		if (!w.host) {
			host_skipped++;
			continue;
		}
		if (r->call == C_MMAP && r->err == EPERM && !r->a[0] &&
		    w.host_rawio) {
			printf("bad_input: %s: not checked on the host: this "
			       "process keeps CAP_SYS_RAWIO (capset failed)\n",
			       r->name);
			host_skipped++;
			continue;
		}
		hbefore = host_window();
		host = run_host(&w, r);
		hafter = host_window();
		if (host != r->err)
			harness_fail(__FILE__, __LINE__,
				     "%s: the host gives %s (%d), the table %s",
				     r->name, strerrorname_np(host) ?: "0",
				     host, strerrorname_np(r->err));
		else
			host_ok++;
		if (strcmp(hbefore, hafter)) {
			harness_fail(__FILE__, __LINE__,
				     "%s: the host window changed", r->name);
			print_diff(hbefore, hafter);
		}
		free(hbefore);
		free(hafter);
	}
	/*
	 * Prot bits mmap(2) does not check: Linux maps anyway (only
	 * mprotect refuses them). Both sides must accept them, then the
	 * mappings go again.
	 */
	static const int lax_prot[] = { 0x10, 0x80, VAS_PROT_SEM,
					VAS_PROT_GROWSDOWN, VAS_PROT_GROWSUP };
	for (size_t i = 0; i < sizeof(lax_prot) / sizeof(lax_prot[0]); i++) {
		unsigned long a = W + 40 * P, got = 0;
		int err = vas_mmap(w.mm, a, P, RW | lax_prot[i],
				   ANON | VAS_MAP_FIXED_NOREPLACE, NULL, 0, &got);

		EXPECT_EQ(err, 0);
		if (!err)
			EXPECT_EQ(vas_munmap(w.mm, a, P), 0);
		if (w.host) {
			void *p = mmap((void *)a, P, RW | lax_prot[i],
				       MAP_PRIVATE | MAP_ANONYMOUS |
				       MAP_FIXED_NOREPLACE, -1, 0);

			HARNESS_CHECK(0, p == (void *)a, "host mmap prot %#x: %s",
				      lax_prot[i], strerror(errno));
			if (p != MAP_FAILED)
				munmap(p, P);
		}
	}
	printf("bad_input: %zu system-call rows: %u as the table in the model, "
	       "%u on the host, %u not run on the host\n",
	       sizeof(rows) / sizeof(rows[0]), model_ok, host_ok, host_skipped);
	world_fini(&w);
}

/* ---- the functions that are not system calls ----------------------------- */

/*
 * Each row: the call, the errno its header promises, and the address space
 * unchanged and valid afterwards. NO_ERR marks a call whose header promises
 * a non-errno result for the bad input (NULL, a count, nothing done).
 */
static struct world *lw;
static unsigned int lib_rows;

static void lib_row(const char *file, int line, const char *what, long got,
		    long want)
{
	static char *before;
	char *after;

	if (!what) {		/* before the call */
		free(before);
		before = model_state(lw);
		return;
	}
	lib_rows++;
	if (got != want)
		harness_fail(file, line, "%s: %ld, want %ld", what, got, want);
	after = model_state(lw);
	if (strcmp(before, after)) {
		harness_fail(file, line, "%s: the address space changed", what);
		print_diff(before, after);
	}
	if (vas_mm_validate(lw->mm))
		harness_fail(file, line, "%s: invalid after", what);
	free(after);
	free(before);
	before = NULL;
}

#define ROW(call, want)                                                       \
	do {                                                                  \
		long got__;                                                   \
		lib_row(__FILE__, __LINE__, NULL, 0, 0);                      \
		got__ = (long)(call);                                         \
		lib_row(__FILE__, __LINE__, #call, got__, (long)(want));      \
	} while (0)

static int bad_config(void (*set)(struct vas_machine_config *c))
{
	struct vas_machine_config c;
	struct vas_machine *m = NULL;
	int err;

	vas_machine_config_init(&c);
	set(&c);
	err = vas_machine_create(&c, &m);
	if (!err)
		EXPECT_EQ(vas_machine_destroy(m), 0);
	return err;
}

static void c_map_count0(struct vas_machine_config *c) { c->max_map_count = 0; }
static void c_map_count_big(struct vas_machine_config *c) { c->max_map_count = 1UL << 31; }
static void c_min_addr(struct vas_machine_config *c) { c->mmap_min_addr = 65536 + 1; }
static void c_lsm_min_addr(struct vas_machine_config *c) { c->lsm_mmap_min_addr = 100; }
static void c_gap(struct vas_machine_config *c) { c->stack_guard_gap = 4097; }
static void c_frames_unaligned(struct vas_machine_config *c) { c->frames_bytes = 3 * P + 1; }
static void c_frames_one(struct vas_machine_config *c) { c->frames_bytes = P; }
static void c_folio_small(struct vas_machine_config *c) { c->file_folio_max = 2048; }
static void c_folio_odd(struct vas_machine_config *c) { c->file_folio_max = 3 * P; }
static void c_folio_big(struct vas_machine_config *c) { c->file_folio_max = 2 * VAS_FILE_FOLIO_MAX; }
static void c_overcommit_neg(struct vas_machine_config *c) { c->overcommit_memory = -1; }
static void c_overcommit_3(struct vas_machine_config *c) { c->overcommit_memory = 3; }

/* What the mmap hook's bad calls gave (the hook then fails the mmap). */
static int hook_results[8];

static int bad_hook(struct vas_file *file, struct vas_vma_new *vma)
{
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	struct vas_vma_mixedmap *mix;
	struct vas_page *pg = vas_page_alloc(vas_file_private(file));
	unsigned long s = vas_vma_start(ref), e = vas_vma_end(ref);

	if (!pg)
		return -ENOMEM;
	hook_results[0] = vas_vma_new_try_clear_mayread(vma);	/* VM_READ */
	vas_vma_new_set_mixedmap(vma);
	mix = vas_vma_as_mixedmap(ref);
	hook_results[1] = vas_vm_insert_page(mix, s + 1, pg);	/* unaligned */
	hook_results[2] = vas_vm_insert_page(mix, e, pg);	/* outside */
	hook_results[3] = vas_vm_insert_page(mix, s - P, pg);	/* outside */
	hook_results[4] = vas_vm_insert_page(mix, s, pg);	/* fine */
	hook_results[5] = vas_vm_insert_page(mix, s, pg);	/* taken */
	vas_page_put(pg);
	return -ENXIO;		/* the mmap fails: nothing may remain */
}

static const struct vas_file_ops bad_hook_ops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = bad_hook,
};

TEST(library_functions_refuse_bad_input)
{
	struct world w;
	struct vas_fault_info fi;
	struct vas_page *pages[4] = { NULL };
	struct vas_file *f = NULL, *drv = NULL, *hookf = NULL;
	struct vas_mirror *mi = NULL;
	unsigned long brk = 0, addr = 0;
	char buf[64];
	int fd_path, fd_closed;
	FILE *ro;
	void *busy;

	world_init(&w, false);
	lw = &w;

	/* mm.h: a tunable out of range */
	ROW(bad_config(c_map_count0), -EINVAL);
	ROW(bad_config(c_map_count_big), -EINVAL);
	ROW(bad_config(c_min_addr), -EINVAL);
	ROW(bad_config(c_lsm_min_addr), -EINVAL);
	ROW(bad_config(c_gap), -EINVAL);
	ROW(bad_config(c_frames_unaligned), -EINVAL);
	ROW(bad_config(c_frames_one), -EINVAL);
	ROW(bad_config(c_folio_small), -EINVAL);
	ROW(bad_config(c_folio_odd), -EINVAL);
	ROW(bad_config(c_folio_big), -EINVAL);
	ROW(bad_config(c_overcommit_neg), -EINVAL);
	ROW(bad_config(c_overcommit_3), -EINVAL);
	/* a machine with an address space left */
	ROW(vas_machine_destroy(w.m), -EBUSY);

	/* mman.h: the heap and the limits */
	ROW(vas_mm_set_brk_start(w.mm, W + 14 * P + 1), -EINVAL);
	ROW(vas_mm_set_brk_start(w.mm, TOP), -EINVAL);
	ROW(vas_brk(w.mm, W + 15 * P, &brk), 0);	/* no start yet */
	EXPECT_EQ(brk, 0);
	ASSERT_EQ(vas_mm_set_brk_start(w.mm, W + 14 * P), 0);
	ROW(vas_mm_set_brk_start(w.mm, W + 14 * P), -EBUSY);
	ROW(vas_brk(w.mm, W + 13 * P, &brk), 0);	/* below the start */
	EXPECT_EQ(brk, W + 14 * P);
	ROW(vas_brk(w.mm, W + 17 * P, &brk), 0);	/* onto ROFILE... */
	EXPECT_EQ(brk, W + 14 * P);			/* ...refused */
	ROW(vas_mm_set_rlimit(w.mm, VAS_NR_RLIMITS, 0), -EINVAL);
	ROW(vas_mm_set_rlimit(w.mm, (enum vas_rlimit)-1, 0), -EINVAL);

	/* file.h */
	fd_path = open("/tmp", O_PATH | O_DIRECTORY);
	fd_closed = open("/dev/null", O_RDONLY);
	close(fd_closed);
	ROW(vas_file_open_host(w.m, w.fd_rw, 0, "x", &f), -EINVAL);
	ROW(vas_file_open_host(w.m, w.fd_rw, 4, "x", &f), -EINVAL);
	ROW(vas_file_open_host(w.m, w.fd_rw, VAS_FMODE_READ | 4, "x", &f),
	    -EINVAL);
	ROW(vas_file_open_host(w.m, -1, VAS_FMODE_READ, "x", &f), -EBADF);
	ROW(vas_file_open_host(w.m, fd_closed, VAS_FMODE_READ, "x", &f),
	    -EBADF);
	ROW(vas_file_open_host(w.m, fd_path, VAS_FMODE_READ, "x", &f), -EBADF);
	ROW(vas_file_open_host(w.m, w.fd_ro, VAS_FMODE_WRITE, "x", &f), -EBADF);
	ROW(vas_file_open_host(w.m, w.fd_wo, VAS_FMODE_READ, "x", &f), -EBADF);
	EXPECT_NULL(f);
	close(fd_path);
	ROW(vas_file_create(w.m, NULL, NULL, VAS_FMODE_READ, "x", &drv),
	    -EINVAL);
	ROW(vas_file_create(w.m, &bad_hook_ops, w.m, 8, "x", &drv), -EINVAL);
	EXPECT_NULL(drv);
	ASSERT_EQ(vas_file_create(w.m, &bad_hook_ops, w.m, VAS_FMODE_READ,
				  "drv", &drv), 0);
	ROW(vas_file_truncate(drv, 0), -EINVAL);
	ROW(vas_file_truncate(w.f_rw, -1), -EINVAL);
	ROW(vas_file_set_size(drv, 0), -EINVAL);
	ROW(vas_file_set_size(w.f_rw, -1), -EINVAL);

	/* memory.h: pread beyond what the host's pread(2) checks first */
	ROW(vas_file_pread(drv, buf, sizeof(buf), 0), -EINVAL);
	/* the host gives EFAULT here: its access_ok() of the user buffer
	 * comes first; vas has no user buffer to check */
	ROW(vas_file_pread(w.f_rw, buf, 1UL << 63, 0), -EINVAL);
	ROW(vas_file_pread(w.f_rw, buf, sizeof(buf), 1L << 62), 0); /* EOF */

	/* memory.h: user access */
	memset(&fi, 0, sizeof(fi));
	ROW(vas_read(w.mm, W + 4 * P, buf, 1, &fi), -EFAULT);	/* hole */
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, W + 4 * P);
	ROW(vas_write(w.mm, W + 5 * P, buf, 1, &fi), -EFAULT);	/* read-only */
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	ROW(vas_fill(w.mm, ROFILE, 0, 1, &fi), -EFAULT);
	ROW(vas_fault(w.mm, SEALED, VAS_FAULT_WRITE, &fi), -EFAULT);
	ROW(vas_read(w.mm, ~0UL - 7, buf, 16, &fi), -EFAULT);	/* wraps */
	ROW(vas_read(w.mm, TOP, buf, 1, NULL), -EFAULT);
	ROW(vas_read(w.mm, W, buf, 0, NULL), 0);		/* nothing */

	/* vma.h / memory.h: what a driver's mmap hook may get wrong */
	ASSERT_EQ(vas_file_create(w.m, &bad_hook_ops, w.m, VAS_FMODE_READ,
				  "hook", &hookf), 0);
	ROW(vas_mmap(w.mm, W + 30 * P, 2 * P, VAS_PROT_READ,
		     VAS_MAP_SHARED | VAS_MAP_FIXED, hookf, 0, &addr), -ENXIO);
	EXPECT_EQ(hook_results[0], -EINVAL);
	EXPECT_EQ(hook_results[1], -EINVAL);
	EXPECT_EQ(hook_results[2], -EFAULT);
	EXPECT_EQ(hook_results[3], -EFAULT);
	EXPECT_EQ(hook_results[4], 0);
	EXPECT_EQ(hook_results[5], -EBUSY);
	/* no hook: the file cannot be mapped */

	/* physmem.h */
	ROW(vas_get_user_pages(w.mm, W + 1, 1, 0, pages, NULL), -EINVAL);
	ROW(vas_get_user_pages(w.mm, W, 0, 0, pages, NULL), -EINVAL);
	ROW(vas_get_user_pages(w.mm, W, 1, 0, NULL, NULL), -EINVAL);
	ROW(vas_get_user_pages(w.mm, W, 1, 0x80, pages, NULL), -EINVAL);
	ROW(vas_get_user_pages(w.mm, W, 1, VAS_FOLL_LONGTERM, pages, NULL),
	    -EINVAL);
	ROW(vas_get_user_pages(w.mm, ~0UL - P + 1, 2, 0, pages, NULL), -EINVAL);
	ROW(vas_get_user_pages(w.mm, W + 4 * P, 1, 0, pages, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	ROW(vas_get_user_pages(w.mm, W + 5 * P, 1, VAS_FOLL_WRITE, pages, &fi),
	    -EFAULT);
	ROW(vas_pin_user_pages(w.mm, W + 1, 1, 0, pages, NULL), -EINVAL);
	ROW(vas_pin_user_pages(w.mm, W, 0, 0, pages, NULL), -EINVAL);
	ROW(vas_pin_user_pages(w.mm, W, 1, 0, NULL, NULL), -EINVAL);
	ROW(vas_pin_user_pages(w.mm, W, 1, 0x80, pages, NULL), -EINVAL);
	ROW(vas_pin_user_pages(w.mm, ~0UL - P + 1, 2, 0, pages, NULL), -EINVAL);
	ROW(vas_pin_user_pages(w.mm, W + 4 * P, 1, 0, pages, &fi), -EFAULT);
	/* a page of the shared file mapping of a host file, long term and
	 * for writing: refused (the private one of RWFILE is not shared) */
	ROW(vas_pin_user_pages(w.mm, ROFILE, 1,
			       VAS_FOLL_LONGTERM | VAS_FOLL_WRITE, pages, NULL),
	    -EFAULT);

	/* mirror.h */
	ROW(vas_mirror_create(w.mm, W + 1, P, NULL, 0, &mi), -EINVAL);
	ROW(vas_mirror_create(w.mm, W, 0, NULL, 0, &mi), -EINVAL);
	ROW(vas_mirror_create(w.mm, W, P + 1, NULL, 0, &mi), -EINVAL);
	ROW(vas_mirror_create(w.mm, ~0UL - P + 1, 2 * P, NULL, 0, &mi), -EINVAL);
	ROW(vas_mirror_create(w.mm, W, P, NULL, 2, &mi), -EINVAL);
	ROW(vas_mirror_create(w.mm, W, P, NULL, VAS_MIRROR_FIXED, &mi), -EINVAL);
	busy = mmap(NULL, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(busy != MAP_FAILED);
	ROW(vas_mirror_create(w.mm, W, P, busy, VAS_MIRROR_FIXED, &mi), -EEXIST);
	munmap(busy, P);
	EXPECT_NULL(mi);

	/* proc.h */
	ro = fopen("/dev/null", "r");
	ASSERT_NOT_NULL(ro);
	ROW(vas_proc_maps_print(w.mm, ro), -EIO);
	ROW(vas_proc_smaps_print(w.mm, ro), -EIO);
	fclose(ro);
	ROW(vas_vm_flags_codes(VAS_VM_READ, NULL, 0), 2);	/* "rd" */

	/* stats.h */
	ROW(vas_stat_name(VAS_NR_STATS) == NULL, 1);
	ROW(vas_stat_name((enum vas_stat)-1) == NULL, 1);

	printf("bad_input: %u library-function rows\n", lib_rows);
	vas_file_put(hookf);
	vas_file_put(drv);
	world_fini(&w);
}
