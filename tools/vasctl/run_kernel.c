// SPDX-License-Identifier: MIT
/*
 * run_kernel.c - the host-kernel runner: every statement becomes the real
 * system call on the runner process (or on the child it forked). The
 * runner process is not vasctl's first process: vasctl_interp_run() forks
 * it for the statements (b->isolate), so a statement that destroys it
 * cannot take the report with it (interp.c, run_isolated()).
 *
 * A forked child is kept alive and driven over a SOCK_SEQPACKET socket pair:
 * the parent sends one request per statement and reads back the result (and
 * the mapping records for maps). Files live in a private scratch folder on
 * a disk file system; when the parent opens a new description for a file,
 * it passes the descriptor to the child with SCM_RIGHTS, so both use the
 * same open file description as the spec demands.
 *
 * The memory system calls, accesses (write, read) page by page with
 * SIGSEGV and SIGBUS caught, and maps from /proc/self/smaps are
 * tools/backends' (calls.h, host_access.h, smaps.h), which the property
 * test's host backend uses too.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "fork_pair.h"
#include "host_access.h"
#include "host.h"
#include "report.h"
#include "scratch.h"
#include "script.h"
#include "smaps.h"

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

/* Request codes beyond the statements. */
enum {
	KOP_ADOPT = 1000, /* take the attached fd as the file's descriptor */
};

/*
 * Runner state. In a forked child process, a copy of it serves requests.
 */
struct kctx {
	const struct vasctl_script *script;
	struct vasctl_scratch scratch; /* the folder and the files */
	bool in_child;	     /* statements go to the child */
	bool unzero;	     /* no page maps the zero page after a statement */
	pid_t child;	     /* 0 when none */
	int sock;	     /* parent's end, -1 when no child */
};

/*
 * A statement sent to the child: a memory system call in @c, or an access
 * (@c.addr, @c.len, @c.flags the byte) or fread (@file, @c.off, @c.len).
 */
struct kreq {
	int op;
	int file;
	struct backend_call c;
};

/* The child's answer, followed by @nmaps messages of struct vasctl_map. */
struct kresp {
	int ret;
	uint64_t addr;
	struct vasctl_access acc;
	uint64_t fnv;
	uint64_t nmaps;
};

/* ---- accesses and maps: tools/backends ------------------------------ */

/**
 * k_access() - Write @byte to or read [@addr, @addr + @len), page by page.
 * @addr:  first byte.
 * @len:   number of bytes.
 * @write: store (true) or load (false).
 * @byte:  the value stored.
 * @res:   outcome; the hash of the bytes read when reading.
 *
 * A fault ends the access; the pages before the faulting one were done.
 * Context: installs and restores SIGSEGV and SIGBUS handlers.
 */
static void k_access(uint64_t addr, uint64_t len, bool write, unsigned int byte,
		     struct vasctl_access *res)
{
	struct backend_access a;

	backend_host_access(addr, len, write, byte, NULL, &a);
	memset(res, 0, sizeof(*res));
	if (!a.sig) {
		res->result = VASCTL_ACCESS_OK;
		res->fnv = a.hash;
	} else {
		res->result = a.sig == SIGBUS ? VASCTL_ACCESS_SIGBUS
					      : VASCTL_ACCESS_SIGSEGV;
		res->fault_addr = a.fault_page;
	}
}

static int path_to_file(const struct kctx *k, const char *path, size_t plen)
{
	size_t dl = strlen(k->scratch.dir), i;

	if (plen <= dl + 1 || memcmp(path, k->scratch.dir, dl) ||
	    path[dl] != '/')
		return -1;
	path += dl + 1;
	plen -= dl + 1;
	for (i = 0; i < k->script->nfiles; i++)
		if (strlen(k->script->files[i]) == plen &&
		    !memcmp(k->script->files[i], path, plen))
			return (int)i;
	return -1;
}

/* k_maps()'s walk: where the records go. */
struct k_maps_walk {
	const struct kctx *k;
	struct vasctl_maps *out;
};

/* One smaps entry as a maps record; -ENOMEM when out of memory. */
static int k_maps_one(void *arg, const struct backend_smaps_vma *v)
{
	struct k_maps_walk *w = arg;
	struct vasctl_map *cur = vasctl_maps_add(w->out);

	if (!cur)
		return -ENOMEM;
	cur->start = v->start;
	cur->end = v->end;
	cur->offset = v->offset;
	cur->prot = (v->perms[0] == 'r' ? VASCTL_PROT_READ : 0) |
		    (v->perms[1] == 'w' ? VASCTL_PROT_WRITE : 0) |
		    (v->perms[2] == 'x' ? VASCTL_PROT_EXEC : 0);
	cur->shared = v->perms[3] == 's';
	cur->file = path_to_file(w->k, v->path, strlen(v->path));
	cur->name = cur->file >= 0 ? w->k->script->files[cur->file] : NULL;
	cur->rss_kb = v->rss_kb;
	cur->anon_kb = v->anon_kb;
	cur->locked_kb = v->locked_kb;
	vasctl_filter_vmflags(cur->vmflags, sizeof(cur->vmflags), v->vmflags);
	return 0;
}

/**
 * k_maps() - Collect the mappings of this process that overlap the window.
 * @k:   runner state.
 * @out: receives the records.
 *
 * Return: 0, or VASCTL_EFATAL.
 */
static int k_maps(const struct kctx *k, struct vasctl_maps *out)
{
	struct backend_smaps_buf buf = { 0 };
	struct k_maps_walk w = { .k = k, .out = out };
	int err = backend_smaps_walk("/proc/self/smaps", &buf, VASCTL_W,
				     VASCTL_W + VASCTL_WSIZE, k_maps_one, &w);

	free(buf.p);
	if (err) {
		if (err == -ENOMEM)
			fprintf(stderr, "vasctl: out of memory\n");
		else
			fprintf(stderr, "vasctl: /proc/self/smaps: %s\n",
				strerror(-err));
		return VASCTL_EFATAL;
	}
	return 0;
}

/* ---- the statements, run in this process ----------------------------- */

/**
 * k_exec() - Run one request in the calling process.
 * @k:    runner state.
 * @q:    the request.
 * @r:    the result.
 * @maps: receives the records of maps.
 *
 * Return: r->ret, which is 0, a negative errno or VASCTL_EFATAL.
 */
static int k_exec(const struct kctx *k, const struct kreq *q, struct kresp *r,
		  struct vasctl_maps *maps)
{
	memset(r, 0, sizeof(*r));
	if (vasctl_op_call(q->op) >= 0) {
		int fd = q->file >= 0 ? k->scratch.files[q->file].fd : -1;

		r->ret = backend_host_call(&q->c, fd, &r->addr);
		goto out;
	}
	switch (q->op) {
	case VASCTL_OP_WRITE:
	case VASCTL_OP_READ:
		k_access(q->c.addr, q->c.len, q->op == VASCTL_OP_WRITE,
			 q->c.flags, &r->acc);
		r->ret = 0;
		break;
	case VASCTL_OP_FREAD:
		r->ret = vasctl_scratch_fread(&k->scratch, q->file, q->c.off,
					      q->c.len, &r->fnv);
		break;
	case VASCTL_OP_MAPS:
		r->ret = k_maps(k, maps);
		r->nmaps = maps->n;
		break;
	default:
		fprintf(stderr, "vasctl: bad request %d\n", q->op);
		r->ret = VASCTL_EFATAL;
		break;
	}
out:
	if (k->unzero && r->ret != VASCTL_EFATAL) {
		int err = vasctl_unzero(VASCTL_W, VASCTL_W + VASCTL_WSIZE);

		if (err) {
			fprintf(stderr, "vasctl: --zero-page=off: %s\n",
				strerror(-err));
			r->ret = VASCTL_EFATAL;
		}
	}
	return r->ret;
}

/* ---- the child process ------------------------------------------------ */

/* Receive one message, with at most one attached descriptor in *@fdp. */
static ssize_t recv_msg(int sock, void *buf, size_t len, int *fdp)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *c;
	ssize_t n;

	if (fdp)
		*fdp = -1;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			if (fdp)
				*fdp = fd;
			else
				close(fd);
		}
	return n;
}

/* Send one message, with descriptor @fd attached unless it is -1. */
static int send_msg(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/**
 * child_loop() - Serve requests in the forked child until the socket closes.
 * @k:    the child's copy of the runner state.
 * @sock: the child's end of the socket pair.
 *
 * Context: never returns; the child leaves with _exit().
 */
static void __attribute__((noreturn)) child_loop(struct kctx *k, int sock)
{
	for (;;) {
		struct vasctl_maps maps = {0};
		struct kreq q;
		struct kresp r;
		ssize_t n;
		size_t i;
		int fd;

		n = recv_msg(sock, &q, sizeof(q), &fd);
		if (n == 0)
			_exit(0);
		if (n != (ssize_t)sizeof(q))
			_exit(3);
		if (q.op == KOP_ADOPT) {
			if (fd < 0 || q.file < 0 ||
			    (size_t)q.file >= k->script->nfiles)
				_exit(3);
			if (k->scratch.files[q.file].fd >= 0)
				close(k->scratch.files[q.file].fd);
			k->scratch.files[q.file].fd = fd;
			memset(&r, 0, sizeof(r));
		} else {
			if (fd >= 0)
				close(fd);
			k_exec(k, &q, &r, &maps);
		}
		if (send_msg(sock, &r, sizeof(r), -1))
			_exit(3);
		for (i = 0; i < maps.n; i++)
			if (send_msg(sock, &maps.v[i], sizeof(maps.v[i]), -1))
				_exit(3);
		vasctl_maps_free(&maps);
	}
}

/* End the child, if any: close its socket and reap it. */
static int end_child(struct kctx *k)
{
	int status;
	pid_t p;

	if (!k->child)
		return 0;
	close(k->sock);
	k->sock = -1;
	do {
		p = waitpid(k->child, &status, 0);
	} while (p < 0 && errno == EINTR);
	k->child = 0;
	k->in_child = false;
	if (p < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "vasctl: the child process died\n");
		return VASCTL_EFATAL;
	}
	return 0;
}

static int child_died(struct kctx *k)
{
	fprintf(stderr, "vasctl: the child process died\n");
	if (k->child) {
		close(k->sock);
		k->sock = -1;
		kill(k->child, SIGKILL);
		waitpid(k->child, NULL, 0);
		k->child = 0;
	}
	return VASCTL_EFATAL;
}

/**
 * dispatch() - Run a request in the selected process.
 * @k:    runner state.
 * @q:    the request.
 * @r:    the result.
 * @maps: receives the records of maps (names resolved here).
 *
 * Return: r->ret.
 */
static int dispatch(struct kctx *k, const struct kreq *q, struct kresp *r,
		    struct vasctl_maps *maps)
{
	uint64_t i;

	if (!k->in_child)
		return k_exec(k, q, r, maps);
	if (send_msg(k->sock, q, sizeof(*q), -1) ||
	    recv_msg(k->sock, r, sizeof(*r), NULL) != (ssize_t)sizeof(*r))
		return child_died(k);
	for (i = 0; i < r->nmaps; i++) {
		struct vasctl_map *m = maps ? vasctl_maps_add(maps) : NULL;

		if (!m) {
			fprintf(stderr, "vasctl: out of memory\n");
			return VASCTL_EFATAL;
		}
		if (recv_msg(k->sock, m, sizeof(*m), NULL) !=
		    (ssize_t)sizeof(*m))
			return child_died(k);
		m->vmflags[sizeof(m->vmflags) - 1] = '\0';
		m->name = m->file >= 0 && (size_t)m->file < k->script->nfiles
			      ? k->script->files[m->file]
			      : NULL;
	}
	return r->ret;
}

/* ---- backend operations ------------------------------------------------ */

static int kb_select(void *ctx, bool child)
{
	struct kctx *k = ctx;

	if (child && !k->child) {
		fprintf(stderr, "vasctl: no child process\n");
		return VASCTL_EFATAL;
	}
	k->in_child = child;
	return 0;
}

/*
 * file: runs in the runner's process whichever side is selected (the file
 * system and the open file description are shared); a new description is
 * handed to the child.
 */
static int kb_file(void *ctx, int id, const char *name, uint64_t size,
		   uint64_t seed, bool ro)
{
	struct kctx *k = ctx;
	bool newdesc;

	if (vasctl_scratch_file(&k->scratch, id, name, size, seed, ro,
				&newdesc))
		return VASCTL_EFATAL;
	if (k->child && newdesc) {
		struct kreq q = {.op = KOP_ADOPT, .file = id};
		struct kresp r;

		if (send_msg(k->sock, &q, sizeof(q),
			     k->scratch.files[id].fd) ||
		    recv_msg(k->sock, &r, sizeof(r), NULL) !=
			(ssize_t)sizeof(r))
			return child_died(k);
	}
	return 0;
}

/* The memory system calls: tools/backends/calls.h's host column. */
static int kb_call(void *ctx, const struct backend_call *c, int file,
		   uint64_t *addrp)
{
	struct kreq q = {.op = vasctl_call_op(c->nr),
			 .file = file,
			 .c = *c};
	struct kresp r;
	int ret = dispatch(ctx, &q, &r, NULL);

	*addrp = r.addr;
	return ret;
}

static int kb_write(void *ctx, uint64_t addr, uint64_t len, unsigned int byte,
		    struct vasctl_access *res)
{
	struct kreq q = {.op = VASCTL_OP_WRITE,
			 .file = -1,
			 .c = {.addr = addr, .len = len, .flags = byte}};
	struct kresp r;
	int ret = dispatch(ctx, &q, &r, NULL);

	*res = r.acc;
	return ret;
}

static int kb_read(void *ctx, uint64_t addr, uint64_t len,
		   struct vasctl_access *res)
{
	struct kreq q = {.op = VASCTL_OP_READ,
			 .file = -1,
			 .c = {.addr = addr, .len = len}};
	struct kresp r;
	int ret = dispatch(ctx, &q, &r, NULL);

	*res = r.acc;
	return ret;
}

static int kb_fread(void *ctx, int file, uint64_t offset, uint64_t len,
		    uint64_t *fnvp)
{
	struct kreq q = {.op = VASCTL_OP_FREAD,
			 .file = file,
			 .c = {.off = offset, .len = len}};
	struct kresp r;
	int ret = dispatch(ctx, &q, &r, NULL);

	*fnvp = r.fnv;
	return ret;
}

static int kb_maps(void *ctx, struct vasctl_maps *out)
{
	struct kreq q = {.op = VASCTL_OP_MAPS, .file = -1};
	struct kresp r;

	return dispatch(ctx, &q, &r, out);
}

/*
 * pages (html.c): /proc/PID/pagemap of the selected process, and for each
 * present page its frame's /proc/kpageflags (the zero page) and
 * /proc/kpagecount (how often it is mapped). Without the frame numbers
 * (no CAP_SYS_ADMIN) a page mapped only here is told by pagemap's
 * "exclusively mapped" bit, any other present page is not known. Reads
 * only: the address space is not touched. -EOPNOTSUPP when pagemap
 * cannot be read.
 */
#define PM_PRESENT (1ULL << 63)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_PFN ((1ULL << 55) - 1)
#define KPF_ZERO_PAGE 24

static uint64_t read_u64_at(int fd, uint64_t index, bool *ok)
{
	uint64_t v = 0;

	if (fd < 0 || pread(fd, &v, sizeof(v), (off_t)(index * 8)) != 8)
		*ok = false;
	return v;
}

static int kb_pages(void *ctx, uint64_t addr, size_t n, char *state)
{
	struct kctx *k = ctx;
	char path[64];
	int pm, flags, count;
	size_t i;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap",
		 k->in_child ? (int)k->child : (int)getpid());
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (pm < 0)
		return -EOPNOTSUPP;
	flags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	count = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		bool ok = true, fok = true, cok = true;
		uint64_t e = read_u64_at(pm, (addr >> 12) + i, &ok), pfn, f, c;

		if (!ok) {
			ret = -EOPNOTSUPP;
			break;
		}
		pfn = e & PM_PFN;
		if (!(e & PM_PRESENT)) {
			state[i] = VASCTL_PAGE_NONE;
			continue;
		}
		f = pfn ? read_u64_at(flags, pfn, &fok) : 0;
		c = pfn ? read_u64_at(count, pfn, &cok) : 0;
		if (pfn && fok && (f & (1ULL << KPF_ZERO_PAGE)))
			state[i] = VASCTL_PAGE_ZERO;
		else if (pfn && cok && c > 1)
			state[i] = VASCTL_PAGE_SHARED;
		else if ((pfn && cok && c == 1) || (e & PM_EXCLUSIVE))
			state[i] = VASCTL_PAGE_OWN;
		else
			state[i] = VASCTL_PAGE_UNKNOWN;
	}
	close(pm);
	if (flags >= 0)
		close(flags);
	if (count >= 0)
		close(count);
	return ret;
}

static int kb_fork(void *ctx)
{
	struct kctx *k = ctx;
	int sock;
	pid_t pid;

	if (end_child(k))
		return VASCTL_EFATAL;
	pid = vasctl_fork_pair(SOCK_SEQPACKET, stdout, &sock);
	if (pid < 0)
		return VASCTL_EFATAL;
	if (pid == 0)
		child_loop(k, sock);
	k->child = pid;
	k->sock = sock;
	return 0;
}

static void kb_destroy(void *ctx)
{
	struct kctx *k = ctx;

	end_child(k);
	vasctl_scratch_destroy(&k->scratch);
	free(k);
}

/*
 * Run the script (and the children it forks) on one CPU. Linux adds newly
 * faulted folios to per-CPU LRU batches, and MADV_COLD/MADV_PAGEOUT drain
 * only the batch of the CPU they run on (lru_add_drain()): a process that
 * moved to another CPU between the fault and the advice leaves the folio
 * in the other CPU's batch, where reclaim cannot isolate it, and pageout
 * then keeps it. On a busy machine that made pageout results vary from run
 * to run. Failure (a cpuset that forbids it) only loses that determinism.
 */
static void pin_to_one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The window must hold nothing of the runner's own (a sanitizer's
 * allocator, a library): the script's mappings there would replace it.
 * Return: 0, or VASCTL_EFATAL.
 */
static int window_free(const struct kctx *k)
{
	struct vasctl_maps maps = {0};
	int ret = k_maps(k, &maps);

	if (!ret && maps.n) {
		fprintf(stderr, "vasctl: the window is not free: this process "
			"maps [%#" PRIx64 ", %#" PRIx64 ")\n",
			maps.v[0].start, maps.v[0].end);
		ret = VASCTL_EFATAL;
	}
	vasctl_maps_free(&maps);
	return ret;
}

int vasctl_kernel_backend_init(struct vasctl_backend *b,
			       const struct vasctl_script *script, bool unzero)
{
	struct kctx *k = calloc(1, sizeof(*k));

	if (!k) {
		fprintf(stderr, "vasctl: out of memory\n");
		return VASCTL_EFATAL;
	}
	k->script = script;
	k->sock = -1;
	k->unzero = unzero;
	if (prctl(PR_SET_THP_DISABLE, 1UL, 0UL, 0UL, 0UL)) {
		fprintf(stderr, "vasctl: prctl(PR_SET_THP_DISABLE): %s\n",
			strerror(errno));
		goto fail;
	}
	pin_to_one_cpu();
	if (vasctl_scratch_init(&k->scratch, script->nfiles))
		goto fail;
	if (vasctl_scratch_room(&k->scratch, script->file_bytes) ||
	    window_free(k)) {
		vasctl_scratch_destroy(&k->scratch);
		goto fail;
	}
	memset(b, 0, sizeof(*b));
	b->name = "kernel";
	b->isolate = true;
	b->ctx = k;
	b->select = kb_select;
	b->file = kb_file;
	b->call = kb_call;
	b->write = kb_write;
	b->read = kb_read;
	b->fread = kb_fread;
	b->fork = kb_fork;
	b->maps = kb_maps;
	b->pages = kb_pages;
	b->destroy = kb_destroy;
	return 0;
fail:
	free(k);
	return VASCTL_EFATAL;
}
