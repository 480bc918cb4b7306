// SPDX-License-Identifier: MIT
/*
 * run_model.c - the vas model runner: every statement becomes a call of the
 * vas library on one address space of one vas machine.
 *
 * The model never touches the runner's own memory: addresses are numbers in
 * the model's address space. Files are the same real files on disk as for
 * the kernel runner (scratch.c); each open file description is wrapped by
 * one vas_file, so mappings of one description share one vas_file and can
 * merge, as in Linux.
 *
 * Statements the library does not implement yet (write, read, fork,
 * and the madvise advices that need pages) return VASCTL_EUNSUPPORTED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vas/file.h>
#include <vas/mm.h>
#include <vas/mman.h>
#include <vas/proc.h>
#include <vas/vma.h>

#include "backend.h"
#include "report.h"
#include "scratch.h"
#include "script.h"

/*
 * Runner state.
 * @script:  the parsed script (file names).
 * @scratch: the folder and the host files.
 * @vfiles:  the vas_file of each file id's current description, or NULL.
 * @machine: the vas machine.
 * @mm:      the address space the statements run on.
 */
struct mctx {
	const struct vasctl_script *script;
	struct vasctl_scratch scratch;
	struct vas_file **vfiles;
	struct vas_machine *machine;
	struct vas_mm_user *mm;
};

static int mb_select(void *ctx, bool child)
{
	(void)ctx;
	/* Only reached after a fork, which the model cannot do yet. */
	return child ? VASCTL_EUNSUPPORTED : 0;
}

/*
 * file: the host file is written as for the kernel; a new open file
 * description gets a new vas_file (mappings of the old one keep theirs).
 */
static int mb_file(void *ctx, int id, const char *name, uint64_t size,
		   uint64_t seed, bool ro)
{
	struct mctx *m = ctx;
	struct vas_file *f;
	bool newdesc;
	int ret;

	if (vasctl_scratch_file(&m->scratch, id, name, size, seed, ro,
				&newdesc))
		return VASCTL_EFATAL;
	if (!newdesc && m->vfiles[id])
		return 0;
	ret = vas_file_open_host(m->machine, m->scratch.files[id].fd,
				 ro ? VAS_FMODE_READ
				    : VAS_FMODE_READ | VAS_FMODE_WRITE,
				 name, &f);
	if (ret) {
		fprintf(stderr, "vasctl: vas_file_open_host %s: %s\n", name,
			strerror(-ret));
		return VASCTL_EFATAL;
	}
	if (m->vfiles[id])
		vas_file_put(m->vfiles[id]);
	m->vfiles[id] = f;
	return 0;
}

static int mb_mmap(void *ctx, uint64_t addr, uint64_t len, unsigned int prot,
		   unsigned int flags, int file, uint64_t offset,
		   uint64_t *addrp)
{
	struct mctx *m = ctx;
	unsigned long out = 0;
	int ret;

	ret = vas_mmap(m->mm, (unsigned long)addr, (unsigned long)len,
		       (int)prot, (int)flags, file >= 0 ? m->vfiles[file] : NULL,
		       (unsigned long)offset, &out);
	*addrp = out;
	return ret;
}

static int mb_munmap(void *ctx, uint64_t addr, uint64_t len)
{
	struct mctx *m = ctx;

	return vas_munmap(m->mm, (unsigned long)addr, (unsigned long)len);
}

static int mb_mprotect(void *ctx, uint64_t addr, uint64_t len,
		       unsigned int prot)
{
	struct mctx *m = ctx;

	return vas_mprotect(m->mm, (unsigned long)addr, (unsigned long)len,
			    (int)prot);
}

static int mb_mremap(void *ctx, uint64_t addr, uint64_t oldlen,
		     uint64_t newlen, unsigned int flags, uint64_t newaddr,
		     uint64_t *addrp)
{
	struct mctx *m = ctx;
	unsigned long out = 0;
	int ret;

	ret = vas_mremap(m->mm, (unsigned long)addr, (unsigned long)oldlen,
			 (unsigned long)newlen, (int)flags,
			 (unsigned long)newaddr, &out);
	*addrp = out;
	return ret;
}

/*
 * madvise: the library answers -ENOSYS for the advices that need the
 * memory layer (remove, guard_*); Linux never does.
 */
static int mb_madvise(void *ctx, uint64_t addr, uint64_t len,
		      unsigned int advice)
{
	struct mctx *m = ctx;
	int ret;

	ret = vas_madvise(m->mm, (unsigned long)addr, (unsigned long)len,
			  (int)advice);
	return ret == -ENOSYS ? VASCTL_EUNSUPPORTED : ret;
}

static int mb_mlock(void *ctx, uint64_t addr, uint64_t len)
{
	struct mctx *m = ctx;

	return vas_mlock(m->mm, (unsigned long)addr, (unsigned long)len);
}

static int mb_mlock2(void *ctx, uint64_t addr, uint64_t len,
		     unsigned int flags)
{
	struct mctx *m = ctx;

	return vas_mlock2(m->mm, (unsigned long)addr, (unsigned long)len,
			  (int)flags);
}

static int mb_munlock(void *ctx, uint64_t addr, uint64_t len)
{
	struct mctx *m = ctx;

	return vas_munlock(m->mm, (unsigned long)addr, (unsigned long)len);
}

static int mb_mseal(void *ctx, uint64_t addr, uint64_t len)
{
	struct mctx *m = ctx;

	return vas_mseal(m->mm, (unsigned long)addr, (unsigned long)len, 0);
}

static int mb_msync(void *ctx, uint64_t addr, uint64_t len,
		    unsigned int flags)
{
	struct mctx *m = ctx;

	return vas_msync(m->mm, (unsigned long)addr, (unsigned long)len,
			 (int)flags);
}

static int mb_write(void *ctx, uint64_t addr, uint64_t len, unsigned int byte,
		    struct vasctl_access *res)
{
	(void)ctx, (void)addr, (void)len, (void)byte;
	memset(res, 0, sizeof(*res));
	return VASCTL_EUNSUPPORTED;
}

static int mb_read(void *ctx, uint64_t addr, uint64_t len,
		   struct vasctl_access *res)
{
	(void)ctx, (void)addr, (void)len;
	memset(res, 0, sizeof(*res));
	return VASCTL_EUNSUPPORTED;
}

/* fread goes to the host file, not through the model. */
static int mb_fread(void *ctx, int file, uint64_t offset, uint64_t len,
		    uint64_t *fnvp)
{
	struct mctx *m = ctx;

	return vasctl_scratch_fread(&m->scratch, file, offset, len, fnvp);
}

static int mb_fork(void *ctx)
{
	(void)ctx;
	return VASCTL_EUNSUPPORTED;
}

/* The script file id whose NAME is @name, or -1 (shmem, driver files). */
static int file_id(const struct vasctl_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i], name))
			return (int)i;
	return -1;
}

/**
 * fill_map() - Describe one VMA as `maps` reports it.
 * @m:   runner state.
 * @vma: the VMA.
 * @r:   the record, zeroed.
 *
 * Context: mmap lock held for read.
 */
static void fill_map(const struct mctx *m, const struct vas_vma_ref *vma,
		     struct vasctl_map *r)
{
	unsigned long flags = vas_vma_flags(vma);
	struct vas_file *file = vas_vma_file(vma);
	char codes[192];

	r->start = vas_vma_start(vma);
	r->end = vas_vma_end(vma);
	r->prot = (flags & VAS_VM_READ ? VASCTL_PROT_READ : 0) |
		  (flags & VAS_VM_WRITE ? VASCTL_PROT_WRITE : 0) |
		  (flags & VAS_VM_EXEC ? VASCTL_PROT_EXEC : 0);
	/* show_map_vma(): 's' for VM_MAYSHARE, not VM_SHARED. */
	r->shared = (flags & VAS_VM_MAYSHARE) != 0;
	/* Anonymous private VMAs print 0; pgoff is their page index. */
	r->offset = file ? (uint64_t)vas_vma_pgoff(vma) << 12 : 0;
	r->file = file ? file_id(m->script, vas_file_name(file)) : -1;
	r->name = r->file >= 0 ? m->script->files[r->file] : NULL;
	vas_vm_flags_codes(flags, codes, sizeof(codes));
	vasctl_filter_vmflags(r->vmflags, sizeof(r->vmflags), codes);
	/* No page memory in the model yet. */
	r->rss_kb = 0;
	r->anon_kb = 0;
	r->locked_kb = 0;
}

static int mb_maps(void *ctx, struct vasctl_maps *out)
{
	struct mctx *m = ctx;
	struct vas_vma_iter it;
	struct vas_vma_ref *vma;
	int ret = 0;

	vas_mmap_read_lock(m->mm);
	vas_vma_iter_init(&it, m->mm, VASCTL_W, VASCTL_W + VASCTL_WSIZE);
	while ((vma = vas_vma_iter_next(&it, m->mm))) {
		struct vasctl_map *r = vasctl_maps_add(out);

		if (!r) {
			fprintf(stderr, "vasctl: out of memory\n");
			ret = VASCTL_EFATAL;
			break;
		}
		fill_map(m, vma, r);
	}
	vas_mmap_read_unlock(m->mm);
	return ret;
}

static void mb_destroy(void *ctx)
{
	struct mctx *m = ctx;
	size_t i;
	int ret;

	if (m->mm)
		vas_mm_put(m->mm);
	for (i = 0; i < m->script->nfiles; i++)
		if (m->vfiles[i])
			vas_file_put(m->vfiles[i]);
	if (m->machine) {
		ret = vas_machine_destroy(m->machine);
		if (ret)
			fprintf(stderr, "vasctl: vas_machine_destroy: %s\n",
				strerror(-ret));
	}
	vasctl_scratch_destroy(&m->scratch);
	free(m->vfiles);
	free(m);
}

int vasctl_model_backend_init(struct vasctl_backend *b,
			      const struct vasctl_script *script)
{
	struct mctx *m = calloc(1, sizeof(*m));
	int ret;

	if (m)
		m->vfiles = calloc(script->nfiles + 1, sizeof(*m->vfiles));
	if (!m || !m->vfiles) {
		free(m);
		fprintf(stderr, "vasctl: out of memory\n");
		return VASCTL_EFATAL;
	}
	m->script = script;
	if (vasctl_scratch_init(&m->scratch, script->nfiles))
		goto fail;
	ret = vas_machine_create(NULL, &m->machine);
	if (ret) {
		m->machine = NULL;
		fprintf(stderr, "vasctl: vas_machine_create: %s\n",
			strerror(-ret));
		goto fail;
	}
	ret = vas_mm_create(m->machine, &m->mm);
	if (ret) {
		m->mm = NULL;
		fprintf(stderr, "vasctl: vas_mm_create: %s\n", strerror(-ret));
		goto fail;
	}
	memset(b, 0, sizeof(*b));
	b->name = "model";
	b->ctx = m;
	b->select = mb_select;
	b->file = mb_file;
	b->mmap = mb_mmap;
	b->munmap = mb_munmap;
	b->mprotect = mb_mprotect;
	b->mremap = mb_mremap;
	b->madvise = mb_madvise;
	b->mlock = mb_mlock;
	b->mlock2 = mb_mlock2;
	b->munlock = mb_munlock;
	b->mseal = mb_mseal;
	b->msync = mb_msync;
	b->write = mb_write;
	b->read = mb_read;
	b->fread = mb_fread;
	b->fork = mb_fork;
	b->maps = mb_maps;
	b->destroy = mb_destroy;
	return 0;
fail:
	mb_destroy(m);
	return VASCTL_EFATAL;
}
