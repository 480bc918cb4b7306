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
};

/* Wrap @h's scratch files (same modes) and create the address space. */
int vas_env_init(struct vas_env *v, const struct host_env *h);
void vas_env_fini(struct vas_env *v);
/* @fileid: 0 for none, else one of the host env's files. */
struct vas_file *vas_env_file(const struct vas_env *v, uint32_t fileid);
/*
 * The VMAs in [base, base + npages pages) as the model describes them:
 * file ids from the wrapped files, shared anonymous objects numbered from
 * REF_FILEID_SHMEM in order of appearance, pgoff in pages.
 */
int vas_env_vmas(const struct vas_env *v, struct ref_vma *out, int max);

#endif /* VAS_TESTS_VAS_OPS_H */
