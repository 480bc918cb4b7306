// SPDX-License-Identifier: MIT
/*
 * host_ops.c - the reference operations as real system calls (see
 * host_ops.h). The flag and advice values of include/vas/uapi.h are the
 * Linux values, so they are passed through unchanged. The mapping calls,
 * the access loop and the smaps parser are vasctl's kernel runner's
 * (tools/backends).
 */
#define _GNU_SOURCE
#include "host_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vas/uapi.h>

#include "host.h"
#include "host_access.h"
#include "smaps.h"


/* File sizes: id 2 is short, so that its mappings reach past its end. */
static unsigned long file_pages(uint32_t id)
{
	return id == 2 ? HOST_SHORT_FILE_PAGES : (8UL << 20) / REF_PAGE_SIZE;
}

int host_init(struct host_env *h, struct ref_model *m, unsigned long base,
	      unsigned long npages)
{
	static bool signals;
	struct ref_vma v[1];
	int n;

	memset(h, 0, sizeof(*h));
	h->base = base;
	h->npages = npages;
	for (int i = 0; i < REF_MAX_FILES; i++)
		h->fds[i] = -1;
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		return -errno;
	if (!signals) {
		vasctl_scratch_signals();
		signals = true;
	}
	if (vasctl_scratch_init(&h->scratch, REF_MAX_FILES))
		return -EIO;	/* it said why */
	for (uint32_t id = 1; id <= HOST_NFILES; id++) {
		bool ro = id == HOST_NFILES;
		int fd;

		snprintf(h->paths[id], sizeof(h->paths[id]), "%s/f%u",
			 h->scratch.dir, id);
		/* removed on a signal or at exit from now on */
		h->scratch.files[id].path = strdup(h->paths[id]);
		if (!h->scratch.files[id].path)
			return -ENOMEM;
		fd = open(h->paths[id], O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 ||
		    ftruncate(fd, (off_t)(file_pages(id) * REF_PAGE_SIZE)))
			return -errno;
		if (ro) {
			close(fd);
			fd = open(h->paths[id], O_RDONLY);
			if (fd < 0)
				return -errno;
		}
		h->fds[id] = fd;
		ref_file_set(m, id, true, !ro, file_pages(id));
	}
	vasctl_scratch_hold(&h->scratch);
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
	for (uint32_t id = 1; id < REF_MAX_FILES; id++)
		if (h->fds[id] >= 0)
			close(h->fds[id]);
	vasctl_scratch_destroy(&h->scratch);	/* the files, the folder */
}

int host_probe_zero_page(void)
{
	return vasctl_probe_zero_page();
}

/*
 * The result of an operation, after the zero page was replaced in the
 * window if @h does without it.
 */
static int settle(struct host_env *h, int ret)
{
	if (h->unzero) {
		int err = vasctl_unzero(h->base,
					h->base + h->npages * REF_PAGE_SIZE);

		if (err) {
			fprintf(stderr, "vasctl_unzero: %s\n", strerror(-err));
			abort();
		}
	}
	return ret;
}

static bool in_window(const struct host_env *h, unsigned long a,
		      unsigned long len)
{
	unsigned long size = h->npages * REF_PAGE_SIZE;

	return a >= h->base && len <= size && a - h->base <= size - len;
}

int host_call(struct host_env *h, const struct backend_call *c,
	      uint32_t fileid, unsigned long *out)
{
	uint64_t addr = 0;
	int fd = -1, ret;

	if (c->nr == BACKEND_MMAP && !(c->flags & VAS_MAP_ANONYMOUS) &&
	    fileid < REF_MAX_FILES)
		fd = h->fds[fileid];
	ret = backend_host_call(c, fd, &addr);
	if (!ret && (c->nr == BACKEND_MMAP || c->nr == BACKEND_MREMAP)) {
		unsigned long len = c->nr == BACKEND_MMAP ? c->len : c->len2;

		*out = addr;
		if (!in_window(h, addr, len)) {
			/* placed by the kernel outside the window: undo */
			munmap((void *)addr, len);
			return -EDOM;
		}
	}
	return settle(h, ret);
}

/* ---- user access: tools/backends/host_access.h ---------------------------- */

/*
 * Store @byte into or load [addr, addr + len) with faults caught; loads
 * are hashed, or copied to @out if not NULL.
 */
static int host_access(struct host_env *h, unsigned long addr,
		       unsigned long len, bool write, int byte,
		       unsigned char *out, struct ref_access *res)
{
	struct backend_access a;

	memset(res, 0, sizeof(*res));
	if (!in_window(h, addr, len))
		return -EDOM;	/* never touch memory outside the window */
	backend_host_access(addr, len, write, (unsigned int)byte, out, &a);
	res->hash = a.hash;
	if (a.sig) {
		res->signo = a.sig == SIGBUS ? REF_SIGBUS : REF_SIGSEGV;
		res->fault_addr = a.fault_page;
	}
	return settle(h, a.sig ? -EFAULT : 0);
}

int host_write(struct host_env *h, unsigned long addr, unsigned long len,
	       int byte, struct ref_access *res)
{
	return host_access(h, addr, len, true, byte, NULL, res);
}

int host_read(struct host_env *h, unsigned long addr, unsigned long len,
	      struct ref_access *res)
{
	return host_access(h, addr, len, false, 0, NULL, res);
}

int host_read_bytes(struct host_env *h, unsigned long addr, unsigned long len,
		    void *buf, struct ref_access *res)
{
	int ret = host_access(h, addr, len, false, 0, buf, res);

	res->hash = 0;
	return ret;
}

/* ---- fork ------------------------------------------------------------------ */

struct child_req {
	int op;			/* 0: exit, 1: write, 2: read, 3: read bytes,
				 * 4: read the bytes of len pages, one by one */
	int byte;
	unsigned long addr, len;
};

struct child_resp {
	int ret;
	struct ref_access acc;
};

static bool full_io(ssize_t (*io)(int, void *, size_t), int fd, void *buf,
		    size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = io(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
	}
	return true;
}

static ssize_t write_fd(int fd, void *buf, size_t len)
{
	return write(fd, buf, len);
}

/* The child's loop: serve accesses until told to exit or the pipe closes. */
static void __attribute__((noreturn))
child_serve(struct host_env *h, int in, int out)
{
	struct child_req q;
	unsigned char *buf = malloc(REF_PAGE_SIZE);

	while (buf && full_io(read, in, &q, sizeof(q)) && q.op) {
		struct child_resp r = { 0 };
		bool bytes = q.op == 3 && q.len <= REF_PAGE_SIZE;

		if (q.op == 4) {	/* one page after the other */
			for (unsigned long k = 0; k < q.len; k++) {
				r.ret = host_access(h, q.addr + k * REF_PAGE_SIZE,
						    REF_PAGE_SIZE, false, 0, buf,
						    &r.acc);
				if (!full_io(write_fd, out, &r, sizeof(r)) ||
				    !full_io(write_fd, out, buf, REF_PAGE_SIZE))
					_exit(1);
			}
			continue;
		}
		r.ret = host_access(h, q.addr, q.len, q.op == 1, q.byte,
				    bytes ? buf : NULL, &r.acc);
		if (!full_io(write_fd, out, &r, sizeof(r)) ||
		    (bytes && !full_io(write_fd, out, buf, q.len)))
			break;
	}
	_exit(0);	/* no atexit handlers, no leak check of a copy */
}

int host_fork(struct host_env *h, struct host_child *ch)
{
	int req[2], resp[2];
	pid_t pid;

	if (pipe(req))
		return -errno;
	if (pipe(resp)) {
		int err = -errno;

		close(req[0]);
		close(req[1]);
		return err;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(req[0]);
		close(req[1]);
		close(resp[0]);
		close(resp[1]);
		return err;
	}
	if (pid == 0) {
		close(req[1]);
		close(resp[0]);
		child_serve(h, req[0], resp[1]);
	}
	close(req[0]);
	close(resp[1]);
	ch->pid = pid;
	ch->cmd_fd = req[1];
	ch->res_fd = resp[0];
	return 0;
}

int host_child_access(struct host_child *ch, bool write, unsigned long addr,
		      unsigned long len, int byte, struct ref_access *res)
{
	struct child_req q = { .op = write ? 1 : 2, .byte = byte,
			       .addr = addr, .len = len };
	struct child_resp r;

	if (!full_io(write_fd, ch->cmd_fd, &q, sizeof(q)) ||
	    !full_io(read, ch->res_fd, &r, sizeof(r)))
		return -EPIPE;
	*res = r.acc;
	return r.ret;
}

int host_child_read_bytes(struct host_child *ch, unsigned long addr,
			  unsigned long len, void *buf, struct ref_access *res)
{
	struct child_req q = { .op = 3, .addr = addr, .len = len };
	struct child_resp r;

	if (len > REF_PAGE_SIZE)
		return -EINVAL;
	if (!full_io(write_fd, ch->cmd_fd, &q, sizeof(q)) ||
	    !full_io(read, ch->res_fd, &r, sizeof(r)) ||
	    !full_io(read, ch->res_fd, buf, len))
		return -EPIPE;
	*res = r.acc;
	res->hash = 0;
	return r.ret;
}

int host_child_read_pages(struct host_child *ch, unsigned long addr,
			  unsigned long n, void *buf, int *ret,
			  struct ref_access *res)
{
	struct child_req q = { .op = 4, .addr = addr, .len = n };

	if (!full_io(write_fd, ch->cmd_fd, &q, sizeof(q)))
		return -EPIPE;
	for (unsigned long k = 0; k < n; k++) {
		struct child_resp r;

		if (!full_io(read, ch->res_fd, &r, sizeof(r)) ||
		    !full_io(read, ch->res_fd,
			     (unsigned char *)buf + k * REF_PAGE_SIZE,
			     REF_PAGE_SIZE))
			return -EPIPE;
		ret[k] = r.ret;
		res[k] = r.acc;
		res[k].hash = 0;
	}
	return 0;
}

int host_child_end(struct host_child *ch)
{
	struct child_req q = { 0 };
	int status = 0;

	(void)full_io(write_fd, ch->cmd_fd, &q, sizeof(q));
	close(ch->cmd_fd);
	close(ch->res_fd);
	if (waitpid(ch->pid, &status, 0) < 0)
		return -errno;
	ch->pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

/* ---- /proc/self/smaps: tools/backends/smaps.h ---------------------------- */

static struct backend_smaps_buf smaps_buf;

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

/* vmas_of()'s walk: where the VMAs go. */
struct vmas_walk {
	const struct host_env *h;
	struct ref_vma *out;
	int n, max;
};

/* One smaps entry as a ref_vma; 1 (stop) when @max are filled. */
static int vma_of(void *arg, const struct backend_smaps_vma *v)
{
	struct vmas_walk *w = arg;
	struct ref_vma *r = &w->out[w->n];
	const char *p = v->vmflags;

	if (w->n >= w->max)
		return 1;
	r->start = v->start;
	r->end = v->end;
	r->pgoff = v->offset / REF_PAGE_SIZE;
	r->anon = 0;
	r->fileid = fileid_of(w->h, v->path, v->ino);
	if (!r->fileid)
		r->pgoff = REF_PGOFF_UNKNOWN;
	/*
	 * An anonymous page swapped out moves from Anonymous to Swap; for
	 * shmem, Swap counts shmem pages.
	 */
	r->rss_anon = (long)(v->anon_kb / (REF_PAGE_SIZE / 1024));
	if (r->fileid < REF_FILEID_SHMEM)
		r->rss_anon += (long)(v->swap_kb / (REF_PAGE_SIZE / 1024));
	r->flags = 0;
	while (*p) {	/* an unknown mnemonic sets bit 63 */
		uint64_t f;

		while (*p == ' ')
			p++;
		if (!p[0] || !p[1])
			break;
		f = ref_flag_from_mnemonic(p);
		r->flags |= f ? f : 1ULL << 63;
		p += 2;
	}
	w->n++;
	return 0;
}

static int vmas_of(struct host_env *h, const char *path, struct ref_vma *out,
		   int max)
{
	struct vmas_walk w = { .h = h, .out = out, .max = max };
	int err = backend_smaps_walk(path, &smaps_buf, h->base,
				     h->base + h->npages * REF_PAGE_SIZE,
				     vma_of, &w);

	return err < 0 ? err : w.n;
}

int host_vmas(struct host_env *h, struct ref_vma *out, int max)
{
	return vmas_of(h, "/proc/self/smaps", out, max);
}

int host_child_vmas(struct host_env *h, const struct host_child *ch,
		    struct ref_vma *out, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)ch->pid);
	return vmas_of(h, path, out, max);
}
