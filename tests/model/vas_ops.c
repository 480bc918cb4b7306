// SPDX-License-Identifier: MIT
/* vas_ops.c - see vas_ops.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <vas/memory.h>
#include <vas/proc.h>
#include "vas_ops.h"
#include "vma/anon_vma.h"
#include "vma/access.h"

int vas_env_init(struct vas_env *v, const struct host_env *h, bool zero_page)
{
	struct vas_machine_config cfg;
	int err;

	*v = (struct vas_env){ .base = h->base, .npages = h->npages };
	vas_machine_config_init(&cfg);
	cfg.zero_page = zero_page;
	err = vas_machine_create(&cfg, &v->machine);
	if (err)
		return err;
	err = vas_mm_create(v->machine, &v->mm);
	if (err)
		return err;
	for (int id = 1; id < REF_MAX_FILES; id++) {
		int fl, mode;

		if (h->fds[id] < 0)
			continue;
		fl = fcntl(h->fds[id], F_GETFL);
		if (fl < 0)
			continue;
		mode = (fl & O_ACCMODE) == O_RDONLY ? VAS_FMODE_READ :
		       (fl & O_ACCMODE) == O_WRONLY ? VAS_FMODE_WRITE :
						      VAS_FMODE_READ | VAS_FMODE_WRITE;
		err = vas_file_open_host(v->machine, h->fds[id], mode,
					 h->paths[id], &v->files[id]);
		if (err)
			return err;
	}
	return 0;
}

void vas_env_fini(struct vas_env *v)
{
	free(v->buf);
	v->buf = NULL;
	if (v->mm)
		vas_mm_put(v->mm);
	v->mm = NULL;
	if (v->forked)
		return;	/* the files and the machine are the parent's */
	for (int id = 0; id < REF_MAX_FILES; id++)
		if (v->files[id])
			vas_file_put(v->files[id]);
	if (v->machine && vas_machine_destroy(v->machine))
		fprintf(stderr, "vas_env_fini: machine busy\n");
}

int vas_env_fork(const struct vas_env *v, struct vas_env *child)
{
	*child = (struct vas_env){ .machine = v->machine, .base = v->base,
				   .npages = v->npages, .forked = true };
	memcpy(child->files, v->files, sizeof(child->files));
	return vas_mm_fork(v->mm, &child->mm);
}

struct vas_file *vas_env_file(const struct vas_env *v, uint32_t fileid)
{
	return fileid && fileid < REF_MAX_FILES ? v->files[fileid] : NULL;
}

int vas_env_vmas(const struct vas_env *v, struct ref_vma *out, int max,
		 bool rss)
{
	struct vas_file *shmem[256];
	unsigned int nshmem = 0;
	struct vas_vma_iter it;
	struct vas_vma_ref *vma;
	int n = 0;

	vas_mmap_read_lock(v->mm);
	vas_vma_iter_init(&it, v->mm, v->base, v->base + v->npages * REF_PAGE_SIZE);
	while ((vma = vas_vma_iter_next(&it, v->mm)) && n < max) {
		struct vas_file *f = vas_vma_file(vma);
		struct vas_vma_mem mem;
		uint32_t id = 0;

		if (f) {
			for (uint32_t k = 1; k < REF_MAX_FILES; k++)
				if (v->files[k] == f)
					id = k;
			if (!id) {	/* a shmem object: number it */
				unsigned int k;

				for (k = 0; k < nshmem && shmem[k] != f; k++)
					;
				if (k == nshmem && nshmem < 256)
					shmem[nshmem++] = f;
				id = REF_FILEID_SHMEM + k;
			}
		}
		if (rss)
			vas_vma_mem_stats(vma, &mem);
		out[n++] = (struct ref_vma){
			.start = vas_vma_start(vma), .end = vas_vma_end(vma),
			.flags = vas_vma_flags(vma), .fileid = id,
			.pgoff = vas_vma_pgoff(vma),
			/* for reports: the anon_vma's id (not compared) */
			.anon = vma_of_ref(vma)->anon_vma ?
				(uint32_t)vma_of_ref(vma)->anon_vma->id : 0,
			.rss_anon = rss ? (long)(mem.anon_kb /
						 (REF_PAGE_SIZE / 1024)) : -1,
		};
	}
	vas_mmap_read_unlock(v->mm);
	return n;
}

static int vas_env_result(int err, const struct vas_fault_info *fi,
			  struct ref_access *res)
{
	if (err == -EFAULT) {
		res->signo = fi->signo == VAS_SIGBUS ? REF_SIGBUS :
			     fi->signo == VAS_SIGSEGV ? REF_SIGSEGV : -1;
		res->fault_addr = fi->addr;
		res->hash = 0;
	}
	return err;
}

int vas_env_write(struct vas_env *v, unsigned long addr, unsigned long len,
		  int byte, struct ref_access *res)
{
	struct vas_fault_info fi = { 0 };

	*res = (struct ref_access){ 0 };
	return vas_env_result(vas_fill(v->mm, addr, byte, len, &fi), &fi, res);
}

int vas_env_read_bytes(struct vas_env *v, unsigned long addr,
		       unsigned long len, void *buf, struct ref_access *res)
{
	struct vas_fault_info fi = { 0 };

	*res = (struct ref_access){ 0 };
	return vas_env_result(vas_read(v->mm, addr, buf, len, &fi), &fi, res);
}

int vas_env_read(struct vas_env *v, unsigned long addr, unsigned long len,
		 struct ref_access *res)
{
	struct vas_fault_info fi = { 0 };
	int err;

	*res = (struct ref_access){ .hash = REF_FNV_BASIS };
	if (len > v->npages * REF_PAGE_SIZE)
		return -EDOM;
	if (!v->buf) {
		v->buf = malloc(v->npages * REF_PAGE_SIZE);
		if (!v->buf)
			return -ENOMEM;
	}
	err = vas_read(v->mm, addr, v->buf, len, &fi);
	if (!err)
		res->hash = ref_fnv(REF_FNV_BASIS, v->buf, len);
	return vas_env_result(err, &fi, res);
}
