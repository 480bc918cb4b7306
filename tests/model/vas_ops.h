/* SPDX-License-Identifier: MIT */
/*
 * vas_ops.h - the model's operations on a vas address space, and its VMAs
 * in the model's terms, so that property tests can compare vas with the
 * reference model (refmodel.h) the way host_ops.h compares the kernel.
 */
#ifndef VAS_TESTS_VAS_OPS_H
#define VAS_TESTS_VAS_OPS_H

#include <vas/vas.h>
#include "host_ops.h"
#include "refmodel.h"

struct vas_env {
	struct vas_machine *machine;
	struct vas_mm_user *mm;
	struct vas_file *files[REF_MAX_FILES];	/* from the host env's fds */
	unsigned long base, npages;
	unsigned char *buf;	/* for reads: npages pages, allocated on use */
	bool forked;		/* made by vas_env_fork(): shares the files */
};

/*
 * Wrap @h's scratch files (same modes) and create the address space, on a
 * machine with the zero page or without it (@zero_page: the tunable).
 */
int vas_env_init(struct vas_env *v, const struct host_env *h, bool zero_page);
void vas_env_fini(struct vas_env *v);
/*
 * vas_env_fork() - @child: vas_mm_fork() of @v's address space, with @v's
 * files and machine (vas_env_fini() it before @v). Return: 0 or -ENOMEM.
 */
int vas_env_fork(const struct vas_env *v, struct vas_env *child);
/* @fileid: 0 for none, else one of the host env's files. */
struct vas_file *vas_env_file(const struct vas_env *v, uint32_t fileid);
/*
 * The VMAs in [base, base + npages pages) as the model describes them:
 * file ids from the wrapped files, shared anonymous objects numbered from
 * REF_FILEID_SHMEM in order of appearance, pgoff in pages, rss_anon from
 * vas_vma_mem_stats() if @rss (a page-table walk), else -1.
 */
int vas_env_vmas(const struct vas_env *v, struct ref_vma *out, int max,
		 bool rss);
/*
 * vas_env_write() - vas_fill() of [@addr, @addr + @len) with @byte;
 * vas_env_read() - vas_read() of it, hashed as ref_read() does.
 * Return: as ref_write(): 0, or -EFAULT with @res's signal and page, or
 * another error of vas.
 */
int vas_env_write(struct vas_env *v, unsigned long addr, unsigned long len,
		  int byte, struct ref_access *res);
int vas_env_read(struct vas_env *v, unsigned long addr, unsigned long len,
		 struct ref_access *res);
/* vas_env_read() that copies the bytes to @buf (res->hash stays 0). */
int vas_env_read_bytes(struct vas_env *v, unsigned long addr,
		       unsigned long len, void *buf, struct ref_access *res);

#endif /* VAS_TESTS_VAS_OPS_H */
