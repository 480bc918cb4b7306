// SPDX-License-Identifier: MIT
/*
 * test_refmodel_vs_host.c - the reference model (refmodel.c) against the
 * host kernel: the same operations run on the model and as real system
 * calls in a private window of this process; after every operation the
 * return values and the whole VMA lists (from /proc/self/smaps, with each
 * VMA's anonymous RSS) must be equal.
 *
 * Random run: VAS_MODEL_OPS operations (default 20000) from the seed of
 * harness_seed() (replay with VAS_SEED=<seed>). Besides the mapping calls
 * there are user accesses: "write" stores a byte into a range and "read"
 * hashes it, page by page, each ending at the first page that faults
 * (both sides must agree on the signal and the page, or on the hash).
 * Their faults, and those of the populating calls (mlock, MAP_LOCKED,
 * MAP_POPULATE, MADV_POPULATE_*), create anon_vmas and anonymous pages as
 * the model says. Every CONTENT_CHECK_EVERY operations, every page of the
 * window is read on both sides and compared. "fork" forks a child (a
 * process on the host, vas_mm_fork() for vas) that lives for a while
 * beside the parent: accesses in it ("cwrite", "cread") are compared with
 * the model's child (ref_fork()), and so are its VMAs and all its pages
 * when it is born and when it ends.
 *
 * The same random run also drives vas against the model (VAS_VAS_OPS,
 * default 100000; test vas_random_vs_refmodel), with vas's validator after
 * every operation.
 *
 * The zero page: against the host, the model does as the host does
 * (probed); against vas, it has the zero page, as Linux by default. With
 * VAS_ZERO_PAGE=0 all three do without it: the model and vas by their
 * settings, the host made so after every operation (vasctl_unzero(), on
 * a host that has the zero page). VAS_ZERO_PAGE=1 on a host without the
 * zero page is an error: nothing can give it one.
 */
#include "host_ops.h"
#include "refmodel.h"
#include "vas_ops.h"
#include "calls.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vas/memory.h>
#include <vas/uapi.h>
#include <vas/vma.h>

#include "harness.h"
#include "host.h"

#define NPAGES 512UL
#define WINDOW_SPAN (4UL << 20)	/* windows of different cases are apart */
#define MAXV 1024
#define PG REF_PAGE_SIZE
#define CONTENT_CHECK_EVERY 1250

/* Compared flags: all but soft-dirty. */
#define IGNORED_FLAGS REF_FLAGS_IGNORED

/*
 * The operations, one line each. The mapping calls (OP_CALLS) are the rows
 * of tools/backends/calls.h, whose table has their names and their vas and
 * host sides; here each gets its call on the reference model. The others
 * (OP_OTHERS) give the name and the call on each side, the reference
 * model, vas and the host kernel. Both are written with
 *   o    the struct op (its fields below), out (an address result),
 *        acc (an access result);
 *   M    the model (the child's for a child access);
 *   V    the vas environment (the child's for a child access);
 *   H    the host environment, HC the host's forked child.
 * OP_FORK forks a child (ending the one before; fork_step() runs it, not
 * the table); OP_CWRITE and OP_CREAD are accesses in the child.
 */
#define RANGE o->addr, o->len
#define OP_CALLS(X)                                                           \
	X(MMAP, ref_mmap(M, RANGE, o->prot, o->flags, o->fileid, o->off, out)) \
	X(MUNMAP, ref_munmap(M, RANGE))                                       \
	X(MPROTECT, ref_mprotect(M, RANGE, o->prot))                          \
	X(MLOCK, ref_mlock(M, RANGE))                                         \
	X(MLOCK2, ref_mlock2(M, RANGE, (unsigned int)o->flags))               \
	X(MUNLOCK, ref_munlock(M, RANGE))                                     \
	X(MADVISE, ref_madvise(M, RANGE, o->flags))                           \
	X(MSEAL, ref_mseal(M, RANGE, (unsigned long)o->flags))                \
	X(MREMAP, ref_mremap(M, RANGE, o->len2, o->flags, o->new_addr, out))
#define OP_OTHERS(X)                                                          \
	X(WRITE, "write", ref_write(M, RANGE, o->flags, acc),                \
	  vas_env_write(V, RANGE, o->flags, acc),                            \
	  host_write(H, RANGE, o->flags, acc))                               \
	X(READ, "read", ref_read(M, RANGE, acc), vas_env_read(V, RANGE, acc), \
	  host_read(H, RANGE, acc))                                          \
	X(FORK, "fork", -ENOSYS, -ENOSYS, -ENOSYS)                           \
	X(CWRITE, "cwrite", ref_write(M, RANGE, o->flags, acc),              \
	  vas_env_write(V, RANGE, o->flags, acc),                            \
	  host_child_access(HC, true, RANGE, o->flags, acc))                 \
	X(CREAD, "cread", ref_read(M, RANGE, acc),                           \
	  vas_env_read(V, RANGE, acc),                                       \
	  host_child_access(HC, false, RANGE, 0, acc))

#define OP_CALL_KIND(kind, model) OP_##kind,
#define OP_OTHER_KIND(kind, name, model, vas, kernel) OP_##kind,
enum op_kind { OP_CALLS(OP_CALL_KIND) OP_OTHERS(OP_OTHER_KIND) OP_NR };
#undef OP_OTHER_KIND
#undef OP_CALL_KIND

/* The kinds below OP_NR_CALLS are calls.h's calls, numbered by op_call_nr. */
#define OP_COUNT_CALL(kind, model) +1
#define OP_NR_CALLS (0 OP_CALLS(OP_COUNT_CALL))
#define OP_CALL_NR(kind, model) [OP_##kind] = BACKEND_##kind,
static const enum backend_call_nr op_call_nr[OP_NR_CALLS] = {
	OP_CALLS(OP_CALL_NR)
};
#undef OP_CALL_NR

#define OP_OTHER_NAME(kind, name, model, vas, kernel) [OP_##kind] = name,
static const char *const other_names[OP_NR] = { OP_OTHERS(OP_OTHER_NAME) };
#undef OP_OTHER_NAME

static const char *op_name(enum op_kind kind)
{
	return (int)kind < OP_NR_CALLS ? backend_call_name(op_call_nr[kind])
				  : other_names[kind];
}

struct op {
	enum op_kind kind;
	unsigned long addr, len, len2, new_addr, off;
	int prot, flags;	/* write: flags is the byte */
	uint32_t fileid;
};

static bool is_access(const struct op *o)
{
	return o->kind == OP_WRITE || o->kind == OP_READ ||
	       o->kind == OP_CWRITE || o->kind == OP_CREAD;
}

struct ctx {
	struct ref_model m;
	struct host_env h;
	uint64_t rng;
	struct ref_vma mv[MAXV], hv[MAXV];
	/*
	 * When set, operations run on vas instead of the host kernel, and the
	 * validator runs after each one. no_populate leaves out what populates
	 * memory (MAP_LOCKED, MAP_POPULATE, mlock without MLOCK_ONFAULT).
	 */
	struct vas_env *vas;
	bool no_populate;
	/* outcomes per op kind: 0, an error, SIGSEGV, SIGBUS (VAS_MODEL_STATS) */
	unsigned long nres[OP_NR][4];
	unsigned long ncompare;	/* compare_vmas() calls against vas */
	/*
	 * A forked child, while one lives (from OP_FORK for CHILD_LIFE ops
	 * at most): its model, and its process (host) or address space (vas).
	 */
	bool child;
	long child_born;
	struct ref_model cm;
	struct host_child hc;
	struct vas_env vc;
};

#define CHILD_LIFE 400

static int window_no;

/*
 * The zero-page setting of the model (and of vas) for a run against the
 * host (@vs_host) or against vas, and whether the host must be made to do
 * without it (*@unzero). Return: 1, 0, or -1 if it cannot be had.
 */
static int zero_page_setting(bool vs_host, bool *unzero)
{
	const char *env = getenv("VAS_ZERO_PAGE");
	int host = vs_host ? host_probe_zero_page() : 1;
	int want = env && *env ? strcmp(env, "0") != 0 : host;

	*unzero = vs_host && want == 0 && host == 1;
	if (vs_host && host < 0) {
		printf("# the zero-page probe could not tell\n");
		return -1;
	}
	if (vs_host && want == 1 && host == 0) {
		printf("# VAS_ZERO_PAGE=1, but this host maps no zero page\n");
		return -1;
	}
	return want;
}

static bool ctx_init_zp(struct ctx *c, unsigned long npages, bool vs_host)
{
	unsigned long base = REF_WINDOW_BASE + WINDOW_SPAN * (unsigned long)window_no++;
	static int shown = -1;
	bool unzero;
	int err, zp = zero_page_setting(vs_host, &unzero);

	if (zp < 0 || ref_init(&c->m, base, npages))
		return false;
	c->m.zero_page = zp;
	err = host_init(&c->h, &c->m, base, npages);
	if (err) {
		printf("# host_init: %s\n", strerror(-err));
		return false;
	}
	c->h.unzero = unzero;
	if (shown != zp * 2 + unzero) {
		shown = zp * 2 + unzero;
		printf("# zero page: %s%s\n", zp ? "yes" : "no",
		       unzero ? " (the host made so)" : "");
	}
	return true;
}

static bool ctx_init(struct ctx *c, unsigned long npages)
{
	return ctx_init_zp(c, npages, true);
}

static void ctx_fini(struct ctx *c)
{
	host_fini(&c->h);
	ref_fini(&c->m);
}

static void op_str(const struct op *o, char *buf, size_t n)
{
	switch (o->kind) {
	case OP_MMAP:
		snprintf(buf, n,
			 "mmap(%#lx, %#lx, prot %#x, flags %#x, file %u, off %#lx)",
			 o->addr, o->len, o->prot, o->flags, o->fileid, o->off);
		break;
	case OP_MREMAP:
		snprintf(buf, n, "mremap(%#lx, %#lx, %#lx, flags %#x, %#lx)",
			 o->addr, o->len, o->len2, o->flags, o->new_addr);
		break;
	case OP_READ:
	case OP_CREAD:
		snprintf(buf, n, "%s(%#lx, %#lx)", op_name(o->kind), o->addr,
			 o->len);
		break;
	case OP_FORK:
		snprintf(buf, n, "fork()");
		break;
	default:
		snprintf(buf, n, "%s(%#lx, %#lx, %#x)", op_name(o->kind),
			 o->addr, o->len, o->kind == OP_MPROTECT ? o->prot :
								    o->flags);
		break;
	}
}

static void access_str(const struct ref_access *a, char *buf, size_t n)
{
	if (a->signo)
		snprintf(buf, n, "%s at %#lx",
			 a->signo == REF_SIGBUS ? "SIGBUS" : "SIGSEGV",
			 a->fault_addr);
	else
		snprintf(buf, n, "ok, hash %016" PRIx64, a->hash);
}

static bool access_eq(const struct ref_access *a, const struct ref_access *b)
{
	return a->signo == b->signo && a->fault_addr == b->fault_addr &&
	       a->hash == b->hash;
}

static bool in_child(const struct op *o)
{
	return o->kind == OP_CWRITE || o->kind == OP_CREAD;
}

/* One side's call for @o: the case labels of a switch. */
#define OP_CASE_CALL_MODEL(kind, model)                                      \
	case OP_##kind:                                                      \
		return model;
#define OP_CASE_MODEL(kind, name, model, vas, kernel)                        \
	case OP_##kind:                                                      \
		return model;
#define OP_CASE_VAS(kind, name, model, vas, kernel)                          \
	case OP_##kind:                                                      \
		return vas;
#define OP_CASE_KERNEL(kind, name, model, vas, kernel)                       \
	case OP_##kind:                                                      \
		return kernel;

/* The calls.h call of a mapping operation. */
static struct backend_call call_of(const struct op *o)
{
	return (struct backend_call){
		.nr = op_call_nr[o->kind], .addr = o->addr, .len = o->len,
		.len2 = o->len2, .new_addr = o->new_addr, .off = o->off,
		.prot = (unsigned int)o->prot, .flags = (unsigned int)o->flags,
	};
}

static int run_model(struct ctx *c, const struct op *o, unsigned long *out,
		     struct ref_access *acc)
{
	struct ref_model *M = in_child(o) ? &c->cm : &c->m;

	switch (o->kind) {
	OP_CALLS(OP_CASE_CALL_MODEL)
	OP_OTHERS(OP_CASE_MODEL)
	case OP_NR:
		break;
	}
	return -ENOSYS;
}

static int run_vas(struct ctx *c, const struct op *o, unsigned long *out,
		   struct ref_access *acc)
{
	struct vas_env *V = in_child(o) ? &c->vc : c->vas;

	if ((int)o->kind < OP_NR_CALLS) {
		struct backend_call call = call_of(o);

		return backend_vas_call(V->mm, &call, vas_env_file(V, o->fileid),
					out);
	}
	switch (o->kind) {
	OP_OTHERS(OP_CASE_VAS)
	default:
		break;
	}
	return -ENOSYS;
}

static int run_kernel(struct ctx *c, const struct op *o, unsigned long *out,
		      struct ref_access *acc)
{
	struct host_env *H = &c->h;
	struct host_child *HC = &c->hc;

	if ((int)o->kind < OP_NR_CALLS) {
		struct backend_call call = call_of(o);

		return host_call(H, &call, o->fileid, out);
	}
	switch (o->kind) {
	OP_OTHERS(OP_CASE_KERNEL)
	default:
		break;
	}
	return -ENOSYS;
}

/* The side compared with the model: vas when it is under test, else Linux. */
static int run_host(struct ctx *c, const struct op *o, unsigned long *out,
		    struct ref_access *acc)
{
	return c->vas ? run_vas(c, o, out, acc) : run_kernel(c, o, out, acc);
}


/*
 * The VMA lists of the model and of the other side (of the child if
 * @child) into c->mv / c->hv, the vas validator, and their comparison;
 * with @skip_lists, only the validator.
 * Return: -1 if they agree, else the first differing entry (0 when the
 * other side's list could not be read or the validator failed).
 */
static int compare_vmas(struct ctx *c, bool child, bool skip_lists, int *nmp,
			int *nhp)
{
	struct vas_env *v = child ? &c->vc : c->vas;
	int nm, nh, d;

	nm = ref_vmas(child ? &c->cm : &c->m, c->mv, MAXV);
	if (skip_lists) {
		nh = nm;
		memcpy(c->hv, c->mv, sizeof(c->mv[0]) * (size_t)nm);
	} else if (c->vas) {
		nh = vas_env_vmas(v, c->hv, MAXV, c->ncompare++ % 4 == 0);
	} else {
		nh = child ? host_child_vmas(&c->h, &c->hc, c->hv, MAXV) :
			     host_vmas(&c->h, c->hv, MAXV);
	}
	*nmp = nm;
	*nhp = nh;
	if (c->vas && vas_mm_validate(v->mm)) {
		printf("# validator failed (seed %" PRIu64 ")%s\n",
		       harness_seed(), child ? " in the child" : "");
		return 0;
	}
	d = nh < 0 ? 0 : ref_vmas_diff(c->mv, nm, c->hv, nh, IGNORED_FLAGS);
	/* against vas, whether a VMA has an anon_vma must agree too */
	if (c->vas && d < 0)
		for (int k = 0; k < nm && k < nh; k++)
			if (!c->mv[k].anon != !c->hv[k].anon) {
				d = k;
				break;
			}
	/*
	 * vas: the per-VMA anonymous RSS is a page-table walk, compared every
	 * 4th time; the total (a counter) always.
	 */
	if (c->vas && d < 0 && !skip_lists) {
		long total = 0;

		for (int k = 0; k < nm; k++)
			total += c->mv[k].rss_anon;
		if (total != vas_mm_rss(v->mm, VAS_RSS_ANON)) {
			printf("#   anonymous RSS: model %ld, vas %ld\n", total,
			       vas_mm_rss(v->mm, VAS_RSS_ANON));
			d = 0;
		}
	}
	return d;
}

/*
 * Run @o on both; compare the results and the VMA lists. On a mismatch,
 * print the seed, @idx, the op and both lists. Return: true if equal.
 */
static bool step(struct ctx *c, const struct op *o, long idx, int *retp)
{
	unsigned long mout = 0, hout = 0;
	struct ref_access macc = { 0 }, hacc = { 0 };
	int mret, hret, nm, nh, d;
	char buf[200], abuf[2][64];

	if (getenv("VAS_MODEL_TRACE")) {	/* the state before each op */
		int nb = ref_vmas(&c->m, c->mv, MAXV);

		op_str(o, buf, sizeof(buf));
		printf("# op %ld: %s\n", idx, buf);
		ref_vmas_print("#   before", c->mv, nb);
	}
	mret = run_model(c, o, &mout, &macc);
	if (mret == -REF_EUNMODELLED) {
		/* never let the host run it: it could map outside the window */
		op_str(o, buf, sizeof(buf));
		printf("# UNMODELLED seed %" PRIu64 " op %ld: %s\n",
		       harness_seed(), idx, buf);
		return false;
	}
	hret = run_host(c, o, &hout, &hacc);
	if (retp)
		*retp = mret;
	c->nres[o->kind][!mret ? 0 : macc.signo == REF_SIGSEGV ? 2 :
			 macc.signo == REF_SIGBUS ? 3 : 1]++;
	/*
	 * With the zero page, a read changes nothing the VMA lists show
	 * (read faults add no anonymous page): the lists (smaps, the costly
	 * part of a host step) are not compared after one; the validator
	 * still runs. Were the read to change them, the next comparison
	 * would see it.
	 */
	d = compare_vmas(c, in_child(o),
			 (o->kind == OP_READ || o->kind == OP_CREAD) &&
				 c->m.zero_page && !getenv("VAS_MODEL_TRACE"),
			 &nm, &nh);
	if (mret == hret && (mret || mout == hout) && d < 0 &&
	    (!is_access(o) || access_eq(&macc, &hacc)))
		return true;
	op_str(o, buf, sizeof(buf));
	printf("# MISMATCH seed %" PRIu64 " op %ld: %s\n", harness_seed(), idx,
	       buf);
	printf("#   model: %d (%s) out %#lx; host: %d (%s) out %#lx\n", mret,
	       strerror(-mret), mout, hret, strerror(-hret), hout);
	if (is_access(o)) {
		access_str(&macc, abuf[0], sizeof(abuf[0]));
		access_str(&hacc, abuf[1], sizeof(abuf[1]));
		printf("#   access: model %s; host %s\n", abuf[0], abuf[1]);
	}
	if (d >= 0)
		printf("#   first differing VMA%s: #%d\n",
		       in_child(o) ? " of the child" : "", d);
	ref_vmas_print("#   model", c->mv, nm);
	if (nh >= 0)
		ref_vmas_print("#   host ", c->hv, nh);
	return false;
}

/*
 * Read every page of the window on both sides (the model and the host
 * kernel or vas) and compare: the same signal, or the same bytes. Read
 * faults change nothing the model keeps but, without the zero page, the
 * pages they give each side alike; so this may run at any time.
 * Return: true if all pages agree.
 */
static bool check_contents(struct ctx *c, long idx, bool child)
{
	static unsigned char mbuf[PG], hbufs[NPAGES * PG];
	static struct ref_access haccs[NPAGES];
	static int hrets[NPAGES];
	bool ok = true, batch = child && !c->vas;
	int shown = 0;

	/* the host child's pages in one round trip */
	if (batch && (c->m.npages > NPAGES ||
		      host_child_read_pages(&c->hc, c->m.base, c->m.npages,
					    hbufs, hrets, haccs))) {
		printf("# the child process does not answer\n");
		return false;
	}
	for (unsigned long i = 0; i < c->m.npages; i++) {
		unsigned long addr = c->m.base + i * PG;
		unsigned char *hbuf = batch ? hbufs + i * PG : hbufs;
		struct ref_access macc, hacc;
		int mret, hret;
		char abuf[2][64];

		mret = ref_read_bytes(child ? &c->cm : &c->m, addr, PG, mbuf,
				      &macc);
		if (batch) {
			hret = hrets[i];
			hacc = haccs[i];
		} else if (c->vas) {
			hret = vas_env_read_bytes(child ? &c->vc : c->vas, addr,
						  PG, hbuf, &hacc);
		} else {
			hret = host_read_bytes(&c->h, addr, PG, hbuf, &hacc);
		}
		if (mret == hret && access_eq(&macc, &hacc) &&
		    (mret || !memcmp(mbuf, hbuf, PG)))
			continue;
		ok = false;
		if (shown++ == 8)
			printf("#   (more pages differ)\n");
		if (shown > 8)
			continue;
		if (!mret && !hret) {	/* show the hashes of the bytes */
			macc.hash = ref_fnv(REF_FNV_BASIS, mbuf, PG);
			hacc.hash = ref_fnv(REF_FNV_BASIS, hbuf, PG);
		}
		access_str(&macc, abuf[0], sizeof(abuf[0]));
		access_str(&hacc, abuf[1], sizeof(abuf[1]));
		printf("# CONTENT MISMATCH seed %" PRIu64 " after op %ld%s: page %#lx: model %d %s; host %d %s\n",
		       harness_seed(), idx, child ? " in the child" : "",
		       addr, mret, abuf[0], hret, abuf[1]);
	}
	if (!ok) {
		int nm = ref_vmas(child ? &c->cm : &c->m, c->mv, MAXV);

		ref_vmas_print("#   model", c->mv, nm);
	}
	return ok;
}

/* With $VAS_MODEL_STATS set: how often each op succeeded, failed, faulted. */
static void print_stats(const struct ctx *c)
{
	if (!getenv("VAS_MODEL_STATS"))
		return;
	for (int k = 0; k < OP_NR; k++)
		printf("# %-8s ok %6lu  error %6lu  SIGSEGV %6lu  SIGBUS %6lu\n",
		       op_name((enum op_kind)k), c->nres[k][0], c->nres[k][1],
		       c->nres[k][2], c->nres[k][3]);
}

/* ---- fork ------------------------------------------------------------------ */

/* Compare the child's contents, then end it on both sides. */
static bool child_end(struct ctx *c, long idx)
{
	bool ok;
	int err;

	if (!c->child)
		return true;
	ok = check_contents(c, idx, true);
	if (c->vas) {
		vas_env_fini(&c->vc);
	} else {
		err = host_child_end(&c->hc);
		if (err) {
			printf("# the child process failed: %d\n", err);
			ok = false;
		}
	}
	ref_fini(&c->cm);
	c->child = false;
	return ok;
}

/*
 * fork: end the child there is, fork a new one on both sides; then the
 * child's VMA list and contents, and the parent's VMA list, must agree
 * with the model (fork changes nothing the parent's model keeps).
 */
static bool fork_step(struct ctx *c, long idx)
{
	int nm, nh, d, err;

	if (!child_end(c, idx))
		return false;
	c->nres[OP_FORK][0]++;
	err = c->vas ? vas_env_fork(c->vas, &c->vc) : host_fork(&c->h, &c->hc);
	if (err) {
		printf("# fork failed: %d (seed %" PRIu64 " op %ld)\n", err,
		       harness_seed(), idx);
		return false;
	}
	ref_fork(&c->cm, &c->m);
	c->child = true;
	c->child_born = idx;
	for (int child = 0; child < 2; child++) {
		d = compare_vmas(c, child, false, &nm, &nh);
		if (d < 0)
			continue;
		printf("# MISMATCH seed %" PRIu64 " op %ld: fork(), %s: first differing VMA #%d\n",
		       harness_seed(), idx, child ? "child" : "parent", d);
		ref_vmas_print("#   model", c->mv, nm);
		if (nh >= 0)
			ref_vmas_print("#   host ", c->hv, nh);
		return false;
	}
	return check_contents(c, idx, true);
}

/* Run @o (a fork, an access in the child or an op of the parent). */
static bool run_op(struct ctx *c, const struct op *o, long idx)
{
	if (o->kind == OP_FORK)
		return fork_step(c, idx);
	if (c->child && idx - c->child_born >= CHILD_LIFE &&
	    !child_end(c, idx))
		return false;
	if (in_child(o) && !c->child)
		return true;	/* the child has ended */
	return step(c, o, idx, NULL);
}

/* ---- random operations --------------------------------------------------- */

static uint64_t rnd64(struct ctx *c)
{
	/* splitmix64 */
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd(struct ctx *c, unsigned long n)
{
	return n ? rnd64(c) % n : 0;
}

static bool chance(struct ctx *c, unsigned int percent)
{
	return rnd(c, 1000) < percent * 10UL;
}

/* A VMA boundary of the model (or a random page), as a page index. */
static unsigned long pick_page(struct ctx *c)
{
	int n;

	if (chance(c, 40)) {
		n = ref_vmas(&c->m, c->mv, MAXV);
		if (n) {
			const struct ref_vma *v = &c->mv[rnd(c, (unsigned long)n)];
			unsigned long a = chance(c, 50) ? v->start : v->end;

			return (a - c->m.base) / PG;
		}
	}
	return rnd(c, c->m.npages);
}

/* A page range [*s, *s + *n) inside the window, n >= 1. */
static void pick_range(struct ctx *c, unsigned long *s, unsigned long *n)
{
	unsigned long a = pick_page(c), b, max;

	if (a >= c->m.npages)
		a = c->m.npages - 1;
	if (chance(c, 30)) {
		b = pick_page(c);
		if (b > a && b <= c->m.npages) {
			*s = a;
			*n = b - a;
			return;
		}
	}
	max = c->m.npages - a;
	if (max > 24 && !chance(c, 10))
		max = 24;
	*s = a;
	*n = 1 + rnd(c, max);
}

/* Bytes for @n pages, sometimes not a multiple of the page size. */
static unsigned long bytes(struct ctx *c, unsigned long n)
{
	if (chance(c, 10))
		return (n - 1) * PG + 1 + rnd(c, PG - 1);
	return n * PG;
}

static int rnd_prot(struct ctx *c)
{
	static const int prots[] = {
		VAS_PROT_NONE, VAS_PROT_READ, VAS_PROT_READ | VAS_PROT_WRITE,
		VAS_PROT_READ | VAS_PROT_EXEC, VAS_PROT_READ | VAS_PROT_WRITE,
		VAS_PROT_READ | VAS_PROT_WRITE | VAS_PROT_EXEC, VAS_PROT_WRITE,
		VAS_PROT_EXEC, VAS_PROT_READ,
	};

	return prots[rnd(c, sizeof(prots) / sizeof(prots[0]))];
}

static const int advices[] = {
	VAS_MADV_NORMAL,	 VAS_MADV_RANDOM,	  VAS_MADV_SEQUENTIAL,
	VAS_MADV_DONTFORK,	 VAS_MADV_DOFORK,	  VAS_MADV_WIPEONFORK,
	VAS_MADV_KEEPONFORK,	 VAS_MADV_DONTDUMP,	  VAS_MADV_DODUMP,
	VAS_MADV_HUGEPAGE,	 VAS_MADV_NOHUGEPAGE,	  VAS_MADV_DONTNEED,
	VAS_MADV_DONTNEED,	 VAS_MADV_DONTNEED_LOCKED, VAS_MADV_REMOVE,
	VAS_MADV_POPULATE_READ,	 VAS_MADV_POPULATE_WRITE,
};

static unsigned long sealed_pages(struct ctx *c)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < c->m.npages; i++)
		if (c->m.pg[i].mapped && (c->m.pg[i].flags & VAS_VM_SEALED))
			n++;
	return n;
}

static void gen_mmap(struct ctx *c, struct op *o)
{
	unsigned long s, n;
	int type;

	pick_range(c, &s, &n);
	o->kind = OP_MMAP;
	o->addr = c->m.base + s * PG;
	o->len = bytes(c, n);
	o->prot = rnd_prot(c);
	if (chance(c, 50)) {
		o->flags = VAS_MAP_ANONYMOUS;
		type = chance(c, 80) ? VAS_MAP_PRIVATE : VAS_MAP_SHARED;
		o->off = chance(c, 10) ? rnd(c, 64) * PG : 0;
	} else {
		o->fileid = 1 + (uint32_t)rnd(c, HOST_NFILES);
		type = chance(c, 50) ? VAS_MAP_PRIVATE : VAS_MAP_SHARED;
		if (chance(c, 10))
			type = VAS_MAP_SHARED_VALIDATE;
		o->off = rnd(c, 64) * PG;
	}
	if (chance(c, 1))
		type = chance(c, 50) ? 0 : VAS_MAP_SHARED_VALIDATE;
	o->flags |= type;
	if (chance(c, 10) && ref_range_free(&c->m, o->addr, n * PG))
		;	/* a hint: free, so the kernel takes it */
	else if (chance(c, 25))
		o->flags |= VAS_MAP_FIXED_NOREPLACE;
	else
		o->flags |= VAS_MAP_FIXED;
	if (chance(c, 4) && !c->no_populate)
		o->flags |= VAS_MAP_LOCKED;
	if (chance(c, 4) && !c->no_populate)
		o->flags |= VAS_MAP_POPULATE;
	if (chance(c, 10))
		o->flags |= VAS_MAP_NORESERVE;
	if (chance(c, 3))
		o->flags |= VAS_MAP_STACK;
	/* errors */
	if (chance(c, 1) && (o->flags & (VAS_MAP_FIXED | VAS_MAP_FIXED_NOREPLACE)))
		o->addr += 1 + rnd(c, PG - 1);
	if (chance(c, 1))
		o->len = 0;
	if (chance(c, 1))
		o->off += 1 + rnd(c, PG - 1);
	if (chance(c, 1) && !(o->flags & VAS_MAP_ANONYMOUS))
		o->fileid = 0;
}

static void gen_mremap(struct ctx *c, struct op *o)
{
	unsigned long s, n, n2, d, k = rnd(c, 100);

	pick_range(c, &s, &n);
	o->kind = OP_MREMAP;
	o->addr = c->m.base + s * PG;
	o->len = bytes(c, n);
	if (k < 25) {		/* shrink in place */
		n2 = n > 1 ? 1 + rnd(c, n - 1) : 1;
		o->len2 = bytes(c, n2);
		o->flags = chance(c, 50) ? VAS_MREMAP_MAYMOVE : 0;
	} else if (k < 45) {	/* grow in place */
		unsigned long room = c->m.npages - s - n;

		n2 = n + 1 + rnd(c, room < 16 ? room + 1 : 16);
		if (s + n2 > c->m.npages)
			n2 = c->m.npages - s;
		o->len2 = bytes(c, n2);
		o->flags = 0;
	} else {		/* move */
		bool same = k < 70 || (k >= 90 && chance(c, 90));

		n2 = same ? n : 1 + rnd(c, n + 8);
		if (n2 > c->m.npages)
			n2 = c->m.npages;
		d = rnd(c, c->m.npages - n2 + 1);
		if (chance(c, 40)) {
			unsigned long b = pick_page(c);

			if (b + n2 <= c->m.npages)
				d = b;
		}
		o->new_addr = c->m.base + d * PG;
		o->len2 = same ? o->len : n2 * PG;
		o->flags = VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED;
		if (k >= 90)
			o->flags |= VAS_MREMAP_DONTUNMAP;
	}
	/* errors */
	k = rnd(c, 100);
	if (k == 0)
		o->flags |= 8;
	else if (k == 1)
		o->addr += 1 + rnd(c, PG - 1);
	else if (k == 2)
		o->len2 = 0;
	else if (k == 3 && (o->flags & VAS_MREMAP_FIXED))
		o->flags &= ~VAS_MREMAP_MAYMOVE;
	else if (k == 4 && (o->flags & VAS_MREMAP_FIXED))
		o->new_addr += 1 + rnd(c, PG - 1);
}

/*
 * A write or read: mostly inside one VMA of the model (for writes mostly
 * a writable one; sometimes running past its end), else anywhere;
 * sometimes starting or ending mid-page.
 */
static void gen_access(struct ctx *c, struct op *o, enum op_kind kind)
{
	unsigned long s, n, len, off;
	bool child = kind == OP_CWRITE || kind == OP_CREAD;
	bool in_vma = chance(c, 75);
	int nv = in_vma ? ref_vmas(child ? &c->cm : &c->m, c->mv, MAXV) : 0;

	o->kind = kind;
	if (in_vma && (kind == OP_WRITE || kind == OP_CWRITE) && chance(c, 70)) {
		int nw = 0;

		for (int k = 0; k < nv; k++)	/* keep the writable ones */
			if (c->mv[k].flags & VAS_VM_WRITE)
				c->mv[nw++] = c->mv[k];
		if (nw)
			nv = nw;
	}
	if (nv) {
		const struct ref_vma *v = &c->mv[rnd(c, (unsigned long)nv)];
		unsigned long vs = (v->start - c->m.base) / PG;
		unsigned long ve = (v->end - c->m.base) / PG;

		s = chance(c, 30) ? vs : vs + rnd(c, ve - vs);
		n = ve - s;
		if (n > 8 && !chance(c, 20))
			n = 1 + rnd(c, 8);
		if (chance(c, 10))
			n += 1 + rnd(c, 3);	/* past the VMA's end */
		if (s + n > c->m.npages)
			n = c->m.npages - s;
	} else {
		pick_range(c, &s, &n);
	}
	o->addr = c->m.base + s * PG;
	len = n * PG;
	if (chance(c, 15)) {
		off = rnd(c, PG);
		o->addr += off;
		len -= off;
	}
	if (chance(c, 15))
		len -= rnd(c, len < PG ? len + 1 : PG);	/* may leave 0 */
	o->len = len;
	o->flags = kind == OP_WRITE || kind == OP_CWRITE ? (int)rnd(c, 256) : 0;
}

static void gen_op(struct ctx *c, struct op *o)
{
	unsigned long s, n, k = rnd(c, 100);

	memset(o, 0, sizeof(*o));
	if (rnd(c, 1000) < 3) {
		o->kind = OP_FORK;
		return;
	}
	if (k < 20) {		/* user access: 12% writes, 8% reads */
		bool child = c->child && chance(c, 30);

		gen_access(c, o, k < 12 ? (child ? OP_CWRITE : OP_WRITE) :
					  (child ? OP_CREAD : OP_READ));
		return;
	}
	k = rnd(c, 100);
	if (k < 22) {
		gen_mmap(c, o);
		return;
	}
	if (k < 32) {
		gen_mremap(c, o);
		return;
	}
	pick_range(c, &s, &n);
	o->addr = c->m.base + s * PG;
	o->len = bytes(c, n);
	if (k < 42) {
		o->kind = OP_MUNMAP;
	} else if (k < 62) {
		o->kind = OP_MPROTECT;
		o->prot = rnd_prot(c);
		if (chance(c, 1))
			o->prot |= 0x10;
	} else if (k < 68 && !c->no_populate) {
		o->kind = OP_MLOCK;
	} else if (k < 74) {
		o->kind = OP_MLOCK2;
		o->flags = chance(c, 60) || c->no_populate ? VAS_MLOCK_ONFAULT : 0;
		if (chance(c, 2))
			o->flags |= 2;
	} else if (k < 82) {
		o->kind = OP_MUNLOCK;
	} else if (k < 99 || sealed_pages(c) > c->m.npages / 16) {
		o->kind = OP_MADVISE;
		o->flags = advices[rnd(c, sizeof(advices) / sizeof(advices[0]))];
		if (chance(c, 1))
			o->flags = 200;
	} else {
		o->kind = OP_MSEAL;
		o->len = bytes(c, n < 4 ? n : 1 + rnd(c, 4));
		if (chance(c, 5))
			o->flags = 1;
	}
	/* errors and corner cases common to the range calls */
	k = rnd(c, 100);
	if (k < 2)
		o->addr += 1 + rnd(c, PG - 1);	/* mlock rounds it down */
	else if (k < 3)
		o->len = 0;
	if (o->kind == OP_MLOCK || o->kind == OP_MLOCK2 ||
	    o->kind == OP_MUNLOCK) {
		if ((o->addr & (PG - 1)) &&
		    (o->addr & ~(PG - 1)) + PG * ((o->len + (o->addr & (PG - 1)) + PG - 1) / PG) >
			    c->m.base + c->m.npages * PG)
			o->addr &= ~(PG - 1);
	}
}

/* Unmap every unsealed VMA of the window, on both sides. */
static bool reset(struct ctx *c, long idx)
{
	int n = ref_vmas(&c->m, c->mv, MAXV);
	struct ref_vma v[MAXV];

	memcpy(v, c->mv, sizeof(v[0]) * (size_t)n);
	for (int k = 0; k < n; k++) {
		struct op o = { .kind = OP_MUNMAP, .addr = v[k].start,
				.len = v[k].end - v[k].start };

		if (v[k].flags & VAS_VM_SEALED)
			continue;
		if (!step(c, &o, idx, NULL))
			return false;
	}
	return true;
}

TEST(refmodel_random_vs_host)
{
	struct ctx *c = calloc(1, sizeof(*c));
	const char *env = getenv("VAS_MODEL_OPS");
	long nops = env && *env ? strtol(env, NULL, 0) : 20000;
	double t0 = harness_now();

	ASSERT_NOT_NULL(c);
	ASSERT_TRUE(ctx_init(c, NPAGES));
	c->rng = harness_seed();
	for (long i = 0; i < nops; i++) {
		struct op o;

		if (i % CONTENT_CHECK_EVERY == CONTENT_CHECK_EVERY - 1 &&
		    !check_contents(c, i, false)) {
			harness_fail(__FILE__, __LINE__,
				     "model != host contents at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
		if (i % 2500 == 2499 && !reset(c, i))
			break;
		gen_op(c, &o);
		if (!run_op(c, &o, i)) {
			harness_fail(__FILE__, __LINE__,
				     "model != host at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
	}
	if (!child_end(c, nops))
		harness_fail(__FILE__, __LINE__, "model != host in the child (seed %" PRIu64 ")",
			     harness_seed());
	printf("# %ld ops in %.1f s\n", nops, harness_now() - t0);
	print_stats(c);
	if (getenv("VAS_MODEL_DUMP")) {	/* the final state, to debug */
		int nm = ref_vmas(&c->m, c->mv, MAXV);

		ref_vmas_print("# final", c->mv, nm);
	}
	ctx_fini(c);
	free(c);
}

/*
 * The property test of the mapping layer: the same random operations on
 * vas and on the reference model (which the test above checks against
 * the host kernel), compared after every operation, with vas's validator.
 * $VAS_VAS_OPS operations (default 100000).
 */
TEST(vas_random_vs_refmodel)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct vas_env *v = calloc(1, sizeof(*v));
	const char *env = getenv("VAS_VAS_OPS");
	long nops = env && *env ? strtol(env, NULL, 0) : 100000, i;
	double t0 = harness_now();

	ASSERT_NOT_NULL(c);
	ASSERT_NOT_NULL(v);
	ASSERT_TRUE(ctx_init_zp(c, NPAGES, false));
	ASSERT_EQ(vas_env_init(v, &c->h, c->m.zero_page), 0);
	c->vas = v;
	/*
	 * Populating calls prepare anon_vmas on both sides (mem/anon_vma.c);
	 * VAS_NO_POPULATE=1 leaves them out (to tell their rules apart).
	 */
	c->no_populate = getenv("VAS_NO_POPULATE") != NULL;
	c->rng = harness_seed() ^ 0x5a5a;
	for (i = 0; i < nops; i++) {
		struct op o;

		if (i % CONTENT_CHECK_EVERY == CONTENT_CHECK_EVERY - 1 &&
		    !check_contents(c, i, false)) {
			harness_fail(__FILE__, __LINE__,
				     "model != vas contents at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
		if (i % 2500 == 2499 && !reset(c, i))
			break;
		gen_op(c, &o);
		if (!run_op(c, &o, i)) {
			harness_fail(__FILE__, __LINE__,
				     "model != vas at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
	}
	if (!child_end(c, i))
		harness_fail(__FILE__, __LINE__, "model != vas in the child (seed %" PRIu64 ")",
			     harness_seed());
	printf("# vas vs model: %ld ops in %.1f s\n", i, harness_now() - t0);
	print_stats(c);
	c->vas = NULL;
	vas_env_fini(v);
	ctx_fini(c);
	free(v);
	free(c);
}

/* ---- scenarios ----------------------------------------------------------- */

static struct ctx *sc;

#define A(pg) (sc->m.base + (unsigned long)(pg) * PG)

static int S(struct op o)
{
	int ret;

	if (!step(sc, &o, -1, &ret))
		harness_fail(__FILE__, __LINE__, "model != host");
	return ret;
}

static int S_anon(unsigned long pg, unsigned long n, int prot)
{
	return S((struct op){ .kind = OP_MMAP, .addr = A(pg), .len = n * PG,
			      .prot = prot,
			      .flags = VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS |
				       VAS_MAP_FIXED });
}

static int S_file(unsigned long pg, unsigned long n, int prot, int type,
		  uint32_t id, unsigned long offpg)
{
	return S((struct op){ .kind = OP_MMAP, .addr = A(pg), .len = n * PG,
			      .prot = prot, .flags = type | VAS_MAP_FIXED,
			      .fileid = id, .off = offpg * PG });
}

static int S_range(enum op_kind k, unsigned long pg, unsigned long n, int arg)
{
	return S((struct op){ .kind = k, .addr = A(pg), .len = n * PG,
			      .prot = arg, .flags = arg });
}

static int nvmas(void)
{
	return ref_vmas(&sc->m, sc->mv, MAXV);
}

static void sc_begin(void)
{
	sc = calloc(1, sizeof(*sc));
	ASSERT_NOT_NULL(sc);
	ASSERT_TRUE(ctx_init(sc, 64));
}

static void sc_end(void)
{
	if (sc->child && !child_end(sc, -1))
		harness_fail(__FILE__, __LINE__, "model != host in the child");
	ctx_fini(sc);
	free(sc);
	sc = NULL;
}

#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define RO VAS_PROT_READ

TEST(scenario_mprotect_split_and_merge_back)
{
	sc_begin();
	EXPECT_EQ(S_anon(0, 8, RW), 0);
	EXPECT_EQ(nvmas(), 1);
	EXPECT_EQ(S_range(OP_MPROTECT, 2, 2, RO), 0);
	EXPECT_EQ(nvmas(), 3);
	EXPECT_EQ(S_range(OP_MPROTECT, 2, 2, RW), 0);
	EXPECT_EQ(nvmas(), 1);
	/* a hole: the part before it changes, then -ENOMEM */
	EXPECT_EQ(S_range(OP_MUNMAP, 4, 1, 0), 0);
	EXPECT_EQ(nvmas(), 2);
	EXPECT_EQ(S_range(OP_MPROTECT, 2, 4, RO), -ENOMEM);
	EXPECT_EQ(nvmas(), 3);
	sc_end();
}

TEST(scenario_merge_at_edges_only)
{
	sc_begin();
	/* two compatible neighbours kept apart by a third VMA */
	EXPECT_EQ(S_anon(0, 3, RW), 0);
	EXPECT_EQ(S_anon(3, 3, RO), 0);
	EXPECT_EQ(S_anon(6, 3, RW), 0);
	EXPECT_EQ(nvmas(), 3);
	/* changing the middle merges it with both */
	EXPECT_EQ(S_range(OP_MPROTECT, 3, 3, RW), 0);
	EXPECT_EQ(nvmas(), 1);
	/* madvise inside: split in three; back: one again */
	EXPECT_EQ(S_range(OP_MADVISE, 4, 1, VAS_MADV_DONTDUMP), 0);
	EXPECT_EQ(nvmas(), 3);
	EXPECT_EQ(S_range(OP_MADVISE, 4, 1, VAS_MADV_DODUMP), 0);
	EXPECT_EQ(nvmas(), 1);
	/* a file mapping next to another of the same file, offsets apart */
	EXPECT_EQ(S_file(20, 2, RO, VAS_MAP_SHARED, 1, 0), 0);
	EXPECT_EQ(S_file(22, 2, RO, VAS_MAP_SHARED, 1, 5), 0);
	EXPECT_EQ(S_file(24, 2, RO, VAS_MAP_SHARED, 1, 7), 0);
	EXPECT_EQ(nvmas(), 3);
	sc_end();
}

TEST(scenario_mlock_munlock_merge_back)
{
	sc_begin();
	EXPECT_EQ(S_anon(0, 8, RO), 0);
	EXPECT_EQ(S_range(OP_MLOCK, 2, 3, 0), 0);
	EXPECT_EQ(nvmas(), 3);
	EXPECT_EQ(S_range(OP_MUNLOCK, 2, 3, 0), 0);
	EXPECT_EQ(nvmas(), 1);
	EXPECT_EQ(S_range(OP_MLOCK2, 1, 1, VAS_MLOCK_ONFAULT), 0);
	EXPECT_EQ(nvmas(), 3);
	EXPECT_EQ(S_range(OP_MUNLOCK, 0, 8, 0), 0);
	EXPECT_EQ(nvmas(), 1);
	/* PROT_NONE: the flags change, the populate fails */
	EXPECT_EQ(S_anon(16, 4, VAS_PROT_NONE), 0);
	S_range(OP_MLOCK, 16, 4, 0);
	sc_end();
}

TEST(scenario_mremap_move_breaks_pgoff)
{
	sc_begin();
	/* unfaulted anonymous: the moved VMA takes its new address's pgoff */
	EXPECT_EQ(S_anon(0, 4, RW), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(0), .len = 4 * PG,
				 .len2 = 4 * PG,
				 .flags = VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
				 .new_addr = A(10) }), 0);
	EXPECT_EQ(S_anon(14, 2, RW), 0);
	EXPECT_EQ(nvmas(), 1);
	/* faulted (mlock populates a private writable VMA): pgoff moves */
	EXPECT_EQ(S_anon(30, 4, RW), 0);
	EXPECT_EQ(S_range(OP_MLOCK, 30, 4, 0), 0);
	EXPECT_EQ(S_range(OP_MUNLOCK, 30, 4, 0), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(30), .len = 4 * PG,
				 .len2 = 4 * PG,
				 .flags = VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
				 .new_addr = A(40) }), 0);
	EXPECT_EQ(S_anon(44, 2, RW), 0);
	EXPECT_EQ(nvmas(), 3);
	/* grow in place, shrink */
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(44), .len = 2 * PG,
				 .len2 = 6 * PG }), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(44), .len = 6 * PG,
				 .len2 = 1 * PG }), 0);
	sc_end();
}

TEST(scenario_mseal)
{
	sc_begin();
	EXPECT_EQ(S_anon(0, 8, RO), 0);
	EXPECT_EQ(S_range(OP_MSEAL, 2, 2, 0), 0);
	EXPECT_EQ(nvmas(), 3);
	EXPECT_EQ(S_range(OP_MUNMAP, 0, 8, 0), -EPERM);
	EXPECT_EQ(S_range(OP_MPROTECT, 2, 1, RW), -EPERM);
	EXPECT_EQ(S_range(OP_MPROTECT, 0, 8, RO), -EPERM);
	EXPECT_EQ(S_anon(3, 1, RO), -EPERM);
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(2), .len = PG,
				 .len2 = 2 * PG }), -EPERM);
	S_range(OP_MADVISE, 0, 8, VAS_MADV_DONTFORK);
	S_range(OP_MLOCK, 0, 8, 0);
	EXPECT_EQ(S_range(OP_MSEAL, 6, 4, 0), -ENOMEM);
	/* the sealed pages stay mapped for the life of the process */
	sc_end();
}

TEST(scenario_shared_readonly_file)
{
	sc_begin();
	EXPECT_EQ(S_file(0, 4, RW, VAS_MAP_SHARED, HOST_NFILES, 0), -EACCES);
	EXPECT_EQ(S_file(0, 4, RO, VAS_MAP_SHARED, HOST_NFILES, 0), 0);
	EXPECT_EQ(S_range(OP_MPROTECT, 0, 4, RW), -EACCES);
	EXPECT_EQ(S_file(8, 4, RW, VAS_MAP_PRIVATE, HOST_NFILES, 0), 0);
	EXPECT_EQ(S_range(OP_MPROTECT, 8, 4, RO), 0);
	EXPECT_EQ(S_range(OP_MPROTECT, 8, 4, RW), 0);
	sc_end();
}

static int S_access(enum op_kind k, unsigned long pg, unsigned long n, int byte)
{
	return S((struct op){ .kind = k, .addr = A(pg), .len = n * PG,
			      .flags = byte });
}

/* The anonymous RSS of the model's VMA that contains page @pg. */
static long rss_at(unsigned long pg)
{
	int n = nvmas();

	for (int k = 0; k < n; k++)
		if (sc->mv[k].start <= A(pg) && A(pg) < sc->mv[k].end)
			return sc->mv[k].rss_anon;
	return -1;
}

/*
 * mprotect making a locked private VMA writable populates the fixup's
 * range only, even when the result merges with a neighbour that has
 * unpopulated pages (vas populated the whole merged VMA once).
 *
 *   0    4    8
 *   |AAAA|BBBB|   A: rw locked, pages dropped by MADV_DONTNEED_LOCKED
 *                 B: r locked; mprotect(B, rw) -> one VMA, 4 pages of RSS
 */
TEST(scenario_mprotect_locked_populates_range_only)
{
	sc_begin();
	EXPECT_EQ(S((struct op){ .kind = OP_MMAP, .addr = A(0), .len = 4 * PG,
				 .prot = RW,
				 .flags = VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS |
					  VAS_MAP_FIXED | VAS_MAP_LOCKED }), 0);
	EXPECT_EQ(rss_at(0), 4);
	EXPECT_EQ(S_range(OP_MADVISE, 0, 4, VAS_MADV_DONTNEED_LOCKED), 0);
	EXPECT_EQ(rss_at(0), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MMAP, .addr = A(4), .len = 4 * PG,
				 .prot = RO,
				 .flags = VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS |
					  VAS_MAP_FIXED | VAS_MAP_LOCKED }), 0);
	EXPECT_EQ(S_range(OP_MPROTECT, 4, 4, RW), 0);
	if (sc->m.zero_page) {
		EXPECT_EQ(nvmas(), 1);
		EXPECT_EQ(rss_at(0), 4);
	} else {
		/*
		 * Without the zero page MAP_LOCKED's read faults gave B its
		 * pages and an anon_vma of its own (A's is not compatible:
		 * VM_ACCOUNT differs), so B no longer merges with A.
		 */
		EXPECT_EQ(nvmas(), 2);
		EXPECT_EQ(rss_at(0), 0);
		EXPECT_EQ(rss_at(4), 4);
	}
	sc_end();
}

/* mseal: MADV_REMOVE, like every discard, is refused with -EPERM on
 * sealed read-only anonymous memory before its own checks (-EINVAL). */
TEST(scenario_mseal_remove_eperm)
{
	sc_begin();
	EXPECT_EQ(S_anon(0, 2, RO), 0);
	EXPECT_EQ(S_range(OP_MSEAL, 0, 2, 0), 0);
	EXPECT_EQ(S_range(OP_MADVISE, 0, 2, VAS_MADV_REMOVE), -EPERM);
	EXPECT_EQ(S_range(OP_MADVISE, 0, 2, VAS_MADV_DONTNEED), -EPERM);
	EXPECT_EQ(S_anon(4, 2, RW), 0);
	EXPECT_EQ(S_range(OP_MADVISE, 4, 2, VAS_MADV_REMOVE), -EINVAL);
	sc_end();
}

/*
 * Contents: a shared and a private mapping of one file; the private one
 * sees the file until its own write (copy on write), MADV_DONTNEED drops
 * the copies, MADV_REMOVE punches the file but not the copies, mremap
 * moves the bytes. Each access is compared with the host on its own.
 *
 *   0    4    8    12   16   20   24
 *   |SSSS|    |PPPP|              S: file 1 shared, P: file 1 private
 */
TEST(scenario_contents_cow_dontneed_remove)
{
	sc_begin();
	EXPECT_EQ(S_file(0, 4, RW, VAS_MAP_SHARED, 1, 0), 0);
	EXPECT_EQ(S_file(8, 4, RW, VAS_MAP_PRIVATE, 1, 0), 0);
	EXPECT_EQ(S_access(OP_WRITE, 0, 4, 0x11), 0);
	EXPECT_EQ(S_access(OP_READ, 8, 4, 0), 0);	/* sees 0x11 */
	EXPECT_EQ(rss_at(8), 0);
	EXPECT_EQ(S_access(OP_WRITE, 9, 1, 0x22), 0);
	EXPECT_EQ(rss_at(8), 1);
	EXPECT_EQ(S_access(OP_WRITE, 0, 2, 0x33), 0);
	EXPECT_EQ(S_access(OP_READ, 8, 2, 0), 0);	/* 0x33, 0x22 */
	EXPECT_EQ(S_range(OP_MADVISE, 8, 4, VAS_MADV_DONTNEED), 0);
	EXPECT_EQ(rss_at(8), 0);
	EXPECT_EQ(S_access(OP_READ, 9, 1, 0), 0);	/* 0x33 again */
	EXPECT_EQ(S_access(OP_WRITE, 10, 1, 0x44), 0);
	EXPECT_EQ(S_range(OP_MADVISE, 0, 4, VAS_MADV_REMOVE), 0);
	EXPECT_EQ(S_access(OP_READ, 0, 4, 0), 0);	/* zeros */
	EXPECT_EQ(S_access(OP_READ, 8, 4, 0), 0);	/* 0, 0, 0x44, 0 */
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(8), .len = 4 * PG,
				 .len2 = 6 * PG,
				 .flags = VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
				 .new_addr = A(16) }), 0);
	EXPECT_EQ(S_access(OP_READ, 16, 6, 0), 0);
	EXPECT_EQ(rss_at(16), 1);
	/* no write permission, then nothing mapped: SIGSEGV */
	EXPECT_EQ(S_range(OP_MPROTECT, 16, 6, RO), 0);
	EXPECT_EQ(S_access(OP_WRITE, 16, 1, 1), -EFAULT);
	EXPECT_EQ(S_access(OP_READ, 20, 4, 0), -EFAULT);
	sc_end();
}

/*
 * SIGBUS: a shmem object grown by mremap in place, and a mapping that
 * runs past the end of the short file 2. The pages before the faulting
 * one are written.
 */
TEST(scenario_contents_sigbus)
{
	sc_begin();
	EXPECT_EQ(S((struct op){ .kind = OP_MMAP, .addr = A(0), .len = 2 * PG,
				 .prot = RW,
				 .flags = VAS_MAP_SHARED | VAS_MAP_ANONYMOUS |
					  VAS_MAP_FIXED }), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MREMAP, .addr = A(0), .len = 2 * PG,
				 .len2 = 4 * PG }), 0);
	EXPECT_EQ(S_access(OP_WRITE, 0, 4, 0x55), -EFAULT);
	EXPECT_EQ(S_access(OP_READ, 0, 4, 0), -EFAULT);
	EXPECT_EQ(S_access(OP_READ, 0, 2, 0), 0);
	EXPECT_EQ(S_file(8, 4, RW, VAS_MAP_PRIVATE, 2,
			 HOST_SHORT_FILE_PAGES - 2), 0);
	EXPECT_EQ(S_access(OP_WRITE, 8, 4, 0x66), -EFAULT);
	EXPECT_EQ(rss_at(8), 2);
	EXPECT_EQ(S_file(16, 4, RW, VAS_MAP_SHARED, 2,
			 HOST_SHORT_FILE_PAGES - 2), 0);
	EXPECT_EQ(S_access(OP_WRITE, 16, 4, 0x77), -EFAULT);
	EXPECT_EQ(S_access(OP_READ, 16, 2, 0), 0);
	EXPECT_EQ(S_range(OP_MLOCK, 16, 4, 0), -ENOMEM);
	sc_end();
}

/*
 * fork: the child gets a snapshot of private pages (copy on write both
 * ways), shares shared pages, has no VM_DONTCOPY VMA and an empty
 * VM_WIPEONFORK one; the checks of fork_step() and child_end() compare
 * the child's VMAs and every page of it with the model.
 *
 *   0    4    8    12   16
 *   |PPPP|SSSS|DDDD|WWWW|   P: private anon, S: shared anon,
 *                           D: MADV_DONTFORK, W: MADV_WIPEONFORK
 */
TEST(scenario_fork_cow_shared_dontfork_wipeonfork)
{
	sc_begin();
	EXPECT_EQ(S_anon(0, 4, RW), 0);
	EXPECT_EQ(S((struct op){ .kind = OP_MMAP, .addr = A(4), .len = 4 * PG,
				 .prot = RW,
				 .flags = VAS_MAP_SHARED | VAS_MAP_ANONYMOUS |
					  VAS_MAP_FIXED }), 0);
	EXPECT_EQ(S_anon(8, 4, RO), 0);
	EXPECT_EQ(S_range(OP_MADVISE, 8, 4, VAS_MADV_DONTFORK), 0);
	EXPECT_EQ(S_anon(12, 4, RW), 0);
	EXPECT_EQ(S_range(OP_MADVISE, 12, 4, VAS_MADV_WIPEONFORK), 0);
	EXPECT_EQ(S_access(OP_WRITE, 0, 16, 0x5a), -EFAULT);	/* 8: RO */
	EXPECT_EQ(S_access(OP_WRITE, 12, 4, 0x5b), 0);
	EXPECT_TRUE(run_op(sc, &(struct op){ .kind = OP_FORK }, -1));
	EXPECT_EQ(S_access(OP_WRITE, 1, 1, 0x61), 0);		/* parent */
	EXPECT_EQ(S_access(OP_WRITE, 5, 1, 0x62), 0);		/* shared */
	EXPECT_EQ(S_access(OP_CWRITE, 2, 1, 0x63), 0);		/* child */
	EXPECT_EQ(S_access(OP_CREAD, 0, 8, 0), 0);
	EXPECT_EQ(S_access(OP_CREAD, 8, 1, 0), -EFAULT);	/* not copied */
	EXPECT_EQ(S_access(OP_CREAD, 12, 4, 0), 0);		/* zeros */
	EXPECT_EQ(S_access(OP_READ, 0, 8, 0), 0);
	EXPECT_TRUE(child_end(sc, -1));
	sc_end();
}
