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
 * `read` and `write` are user accesses of the model's address space
 * (vas_read, vas_fill); `fread` reads through the model's page cache, so
 * it sees stores into shared mappings at once; `fork` is vas_mm_fork.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vas/file.h>
#include <vas/memory.h>
#include <vas/mm.h>
#include <vas/mman.h>
#include <vas/physmem.h>
#include <vas/proc.h>
#include <vas/vma.h>

#include "backend.h"
#include "host.h"
#include "report.h"
#include "scratch.h"
#include "script.h"

/*
 * Runner state.
 * @script:  the parsed script (file names).
 * @scratch: the folder and the host files.
 * @vfiles:  the vas_file of each file id's current description, or NULL.
 * @machine: the vas machine.
 * @parent:  the address space statements without @child run on.
 * @child:   the one the last fork made, or NULL.
 * @mm:      the address space the current statement runs on.
 */
struct mctx {
	const struct vasctl_script *script;
	struct vasctl_scratch scratch;
	struct vas_file **vfiles;
	struct vas_machine *machine;
	struct vas_mm_user *parent;
	struct vas_mm_user *child;
	struct vas_mm_user *mm;
};

static int mb_select(void *ctx, bool child)
{
	struct mctx *m = ctx;

	m->mm = child ? m->child : m->parent;
	return m->mm ? 0 : VASCTL_EFATAL;
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

	/*
	 * Rewriting a file the model has open: its page cache goes with the
	 * truncation to 0 (mapped pages past the new end SIGBUS), and the new
	 * size comes after the host file has its new bytes.
	 */
	if (m->vfiles[id] && vas_file_set_size(m->vfiles[id], 0))
		return VASCTL_EFATAL;
	if (vasctl_scratch_file(&m->scratch, id, name, size, seed, ro,
				&newdesc))
		return VASCTL_EFATAL;
	if (m->vfiles[id] && vas_file_set_size(m->vfiles[id], (off_t)size))
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

/* The memory system calls: tools/backends/calls.h's vas column. */
static int mb_call(void *ctx, const struct backend_call *c, int file,
		   uint64_t *addrp)
{
	struct mctx *m = ctx;

	return backend_vas_call(m->mm, c, file >= 0 ? m->vfiles[file] : NULL,
				addrp);
}

static void access_result(int ret, const struct vas_fault_info *fi,
			  struct vasctl_access *res)
{
	if (!ret) {
		res->result = VASCTL_ACCESS_OK;
		return;
	}
	res->result = fi->signo == VAS_SIGBUS ? VASCTL_ACCESS_SIGBUS
					      : VASCTL_ACCESS_SIGSEGV;
	res->fault_addr = fi->addr;
}

static int mb_write(void *ctx, uint64_t addr, uint64_t len, unsigned int byte,
		    struct vasctl_access *res)
{
	struct mctx *m = ctx;
	struct vas_fault_info fi;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = vas_fill(m->mm, (unsigned long)addr, (int)byte, (size_t)len, &fi);
	if (ret == -ENOMEM) {
		fprintf(stderr, "vasctl: the model ran out of memory\n");
		return VASCTL_EFATAL;
	}
	access_result(ret, &fi, res);
	return 0;
}

static int mb_read(void *ctx, uint64_t addr, uint64_t len,
		   struct vasctl_access *res)
{
	static unsigned char buf[64 << 10];
	struct mctx *m = ctx;
	struct vas_fault_info fi;
	uint64_t h = VASCTL_FNV_BASIS;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		ret = vas_read(m->mm, (unsigned long)addr, buf, n, &fi);
		if (ret)
			break;
		h = vasctl_fnv1a(h, buf, n);
		addr += n;
		len -= n;
	}
	if (ret == -ENOMEM) {
		fprintf(stderr, "vasctl: the model ran out of memory\n");
		return VASCTL_EFATAL;
	}
	access_result(ret, &fi, res);
	res->fnv = h;
	return 0;
}

/*
 * fread goes through the model's page cache (vas_file_pread), in the
 * pieces the kernel runner reads (scratch.h); an errno is the statement's
 * result, as pread's is on the host.
 */
static int mb_fread(void *ctx, int file, uint64_t offset, uint64_t len,
		    uint64_t *fnvp)
{
	static unsigned char buf[VASCTL_FREAD_CHUNK];
	struct mctx *m = ctx;
	uint64_t h = VASCTL_FNV_BASIS;

	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t got = vas_file_pread(m->vfiles[file], buf, n,
					     (off_t)offset);

		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		h = vasctl_fnv1a(h, buf, (size_t)got);
		offset += (uint64_t)got;
		len -= (uint64_t)got;
	}
	*fnvp = h;
	return 0;
}

/* fork: the old child exits first, then the parent forks. */
static int mb_fork(void *ctx)
{
	struct mctx *m = ctx;
	int ret;

	if (m->child) {
		vas_mm_put(m->child);
		m->child = NULL;
	}
	ret = vas_mm_fork(m->parent, &m->child);
	if (ret) {
		m->child = NULL;
		fprintf(stderr, "vasctl: vas_mm_fork: %s\n", strerror(-ret));
		return VASCTL_EFATAL;
	}
	return 0;
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
static void fill_map(const struct mctx *m, struct vas_vma_ref *vma,
		     struct vasctl_map *r)
{
	struct vas_vma_mem mem;
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
	vas_vma_mem_stats(vma, &mem);
	r->rss_kb = mem.rss_kb;
	r->anon_kb = mem.anon_kb;
	r->locked_kb = mem.locked_kb;
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

/*
 * pages: get_user_pages without faulting (VAS_FOLL_NOFAULT), a read, a run
 * of pages at a time: it stops at the first page not mapped now, which is
 * then skipped. The zero page is the one with no mapcount. A page refused
 * as no fault would give it (no VMA, no VM_READ, VM_IO or VM_PFNMAP) makes
 * it and the rest unknown: the caller asks for one VMA at a time.
 */
static int mb_pages(void *ctx, uint64_t addr, size_t n, char *state)
{
	struct mctx *m = ctx;
	struct vas_page *pages[64];
	size_t i = 0;

	while (i < n) {
		size_t want = n - i < 64 ? n - i : 64;
		struct vas_fault_info fi = {0};
		long r, j;

		r = vas_get_user_pages(m->mm, (unsigned long)(addr + i * 4096),
				       want, VAS_FOLL_NOFAULT, pages, &fi);
		if (r == -EFAULT && fi.signo == VAS_SIGSEGV) {
			memset(state + i, VASCTL_PAGE_UNKNOWN, n - i);
			return 0;
		}
		if (r == -EFAULT) {	/* not mapped now, or past the file */
			state[i++] = VASCTL_PAGE_NONE;
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "vasctl: vas_get_user_pages: %s\n",
				strerror((int)-r));
			return VASCTL_EFATAL;
		}
		for (j = 0; j < r; j++) {
			int mc = vas_page_mapcount(pages[j]);

			state[i++] = mc <= 0   ? VASCTL_PAGE_ZERO
				     : mc == 1 ? VASCTL_PAGE_OWN
					       : VASCTL_PAGE_SHARED;
			vas_page_put(pages[j]);
		}
	}
	return 0;
}

static void mb_destroy(void *ctx)
{
	struct mctx *m = ctx;
	size_t i;
	int ret;

	if (m->child)
		vas_mm_put(m->child);
	if (m->parent)
		vas_mm_put(m->parent);
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

/* A number fact of @h, or the reference's when @h does not know it. */
#define FACT(h, field)                                                        \
	((h)->field != VASCTL_UNKNOWN ? (h)->field : vasctl_reference.field)
#define TRI(h, field)                                                         \
	((h)->field >= 0 ? (h)->field > 0 : vasctl_reference.field > 0)

/* The largest power of two of bytes at most @v, at least a page. */
static size_t folio_bytes(uint64_t v)
{
	size_t b = 4096;

	while (b < VAS_FILE_FOLIO_MAX && (uint64_t)b * 2 <= v)
		b *= 2;
	return b;
}

/* The machine's tunables for the host @h. */
static void machine_config(const struct vasctl_host *h,
			   struct vas_machine_config *cfg)
{
	uint64_t floor = FACT(h, mmap_min_floor);

	vas_machine_config_init(cfg);
	cfg->max_map_count = (unsigned long)FACT(h, max_map_count);
	cfg->mmap_min_addr = (unsigned long)FACT(h, mmap_min_addr);
	cfg->lsm_mmap_min_addr =
	    floor > cfg->mmap_min_addr ? (unsigned long)floor : 0;
	cfg->zero_page = TRI(h, zero_page);
	cfg->frames_bytes = (size_t)vasctl_model_mem;
	/* commit accounting with the host's RAM, swap and sysctls */
	cfg->commit_ram_bytes = (size_t)FACT(h, mem_total_kb) << 10;
	cfg->commit_swap_bytes = (size_t)FACT(h, swap_total_kb) << 10;
	cfg->overcommit_memory = (int)FACT(h, overcommit_memory);
	cfg->overcommit_ratio = (unsigned int)FACT(h, overcommit_ratio);
	cfg->overcommit_kbytes = (unsigned long)FACT(h, overcommit_kbytes);
	cfg->admin_reserve_kbytes = (unsigned long)FACT(h, admin_reserve_kbytes);
	cfg->user_reserve_kbytes = (unsigned long)FACT(h, user_reserve_kbytes);
	/* the folio if it is known, else what a fault maps */
	if (h->file_folio != VASCTL_UNKNOWN)
		cfg->file_folio_max = folio_bytes(h->file_folio);
	else if (h->file_fault_kb != VASCTL_UNKNOWN)
		cfg->file_folio_max = folio_bytes(h->file_fault_kb << 10);
	else
		cfg->file_folio_max = folio_bytes(vasctl_reference.file_folio);
}

static unsigned long limit(uint64_t v)
{
	return v == VASCTL_UNLIMITED ? VAS_RLIM_INFINITY : (unsigned long)v;
}

/* The process's limits and capabilities for the host @h. */
static int mm_config(const struct vasctl_host *h, struct vas_mm_user *mm)
{
	if (vas_mm_set_rlimit(mm, VAS_RLIMIT_STACK,
			      limit(FACT(h, rlimit_stack))) ||
	    vas_mm_set_rlimit(mm, VAS_RLIMIT_MEMLOCK,
			      limit(FACT(h, rlimit_memlock))) ||
	    vas_mm_set_rlimit(mm, VAS_RLIMIT_AS, limit(FACT(h, rlimit_as))) ||
	    vas_mm_set_rlimit(mm, VAS_RLIMIT_DATA,
			      limit(FACT(h, rlimit_data))))
		return -EINVAL;
	vas_mm_set_cap_ipc_lock(mm, TRI(h, cap_ipc_lock));
	vas_mm_set_cap_sys_rawio(mm, TRI(h, cap_sys_rawio));
	return 0;
}

int vasctl_model_backend_init(struct vasctl_backend *b,
			      const struct vasctl_script *script,
			      const struct vasctl_host *facts)
{
	struct mctx *m = calloc(1, sizeof(*m));
	struct vas_machine_config cfg;
	int ret;

	if (m)
		m->vfiles = calloc(script->nfiles + 1, sizeof(*m->vfiles));
	if (!m || !m->vfiles) {
		free(m);
		fprintf(stderr, "vasctl: out of memory\n");
		return VASCTL_EFATAL;
	}
	m->script = script;
	if (vasctl_scratch_init(&m->scratch, script->nfiles) ||
	    vasctl_scratch_room(&m->scratch, script->file_bytes))
		goto fail;
	machine_config(facts, &cfg);
	ret = vas_machine_create(&cfg, &m->machine);
	if (ret) {
		m->machine = NULL;
		fprintf(stderr, "vasctl: vas_machine_create: %s\n",
			strerror(-ret));
		goto fail;
	}
	ret = vas_mm_create(m->machine, &m->parent);
	m->mm = m->parent;
	if (ret) {
		m->parent = m->mm = NULL;
		fprintf(stderr, "vasctl: vas_mm_create: %s\n", strerror(-ret));
		goto fail;
	}
	ret = mm_config(facts, m->parent);
	if (ret) {
		fprintf(stderr, "vasctl: vas_mm_set_rlimit: %s\n",
			strerror(-ret));
		goto fail;
	}
	memset(b, 0, sizeof(*b));
	b->name = "model";
	b->ctx = m;
	b->select = mb_select;
	b->file = mb_file;
	b->call = mb_call;
	b->write = mb_write;
	b->read = mb_read;
	b->fread = mb_fread;
	b->fork = mb_fork;
	b->maps = mb_maps;
	b->pages = mb_pages;
	b->destroy = mb_destroy;
	return 0;
fail:
	mb_destroy(m);
	return VASCTL_EFATAL;
}
