// SPDX-License-Identifier: MIT
/*
 * test_refmodel_vs_host.c - the reference model (refmodel.c) against the
 * host kernel: the same operations run on the model and as real system
 * calls in a private window of this process; after every operation the
 * return values and the whole VMA lists (from /proc/self/smaps) must be
 * equal.
 *
 * Random run: VAS_MODEL_OPS operations (default 20000) from the seed of
 * harness_seed() (replay with VAS_SEED=<seed>). Sequences are fault-free:
 * the only page faults are those of mlock / MAP_LOCKED / MAP_POPULATE,
 * which the model follows (anon_vma creation).
 */
#include "host_ops.h"
#include "refmodel.h"
#include "vas_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vas/uapi.h>
#include <vas/vma.h>

#include "harness.h"

#define NPAGES 512UL
#define WINDOW_SPAN (4UL << 20)	/* windows of different cases are apart */
#define MAXV 1024
#define PG REF_PAGE_SIZE

/* Compared flags: all but soft-dirty. */
#define IGNORED_FLAGS REF_FLAGS_IGNORED

enum op_kind {
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MLOCK, OP_MLOCK2, OP_MUNLOCK,
	OP_MADVISE, OP_MSEAL, OP_MREMAP, OP_NR
};

static const char *const op_names[OP_NR] = {
	"mmap", "munmap", "mprotect", "mlock", "mlock2", "munlock",
	"madvise", "mseal", "mremap",
};

struct op {
	enum op_kind kind;
	unsigned long addr, len, len2, new_addr, off;
	int prot, flags;
	uint32_t fileid;
};

struct ctx {
	struct ref_model m;
	struct host_env h;
	uint64_t rng;
	struct ref_vma mv[MAXV], hv[MAXV];
	/*
	 * When set, operations run on vas instead of the host kernel, and the
	 * validator runs after each one. vas has no page faults yet, so the
	 * generator then leaves out what populates memory (MAP_LOCKED,
	 * MAP_POPULATE, mlock without MLOCK_ONFAULT): its anon_vma effects
	 * are page-level.
	 */
	struct vas_env *vas;
	bool no_populate;
};

static int window_no;

static bool ctx_init(struct ctx *c, unsigned long npages)
{
	unsigned long base = REF_WINDOW_BASE + WINDOW_SPAN * (unsigned long)window_no++;
	int err;

	if (ref_init(&c->m, base, npages))
		return false;
	err = host_init(&c->h, &c->m, base, npages);
	if (err) {
		printf("# host_init: %s\n", strerror(-err));
		return false;
	}
	return true;
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
	default:
		snprintf(buf, n, "%s(%#lx, %#lx, %#x)", op_names[o->kind],
			 o->addr, o->len, o->kind == OP_MPROTECT ? o->prot :
								    o->flags);
		break;
	}
}

static int run_model(struct ctx *c, const struct op *o, unsigned long *out)
{
	struct ref_model *m = &c->m;

	switch (o->kind) {
	case OP_MMAP:
		return ref_mmap(m, o->addr, o->len, o->prot, o->flags,
				o->fileid, o->off, out);
	case OP_MUNMAP:
		return ref_munmap(m, o->addr, o->len);
	case OP_MPROTECT:
		return ref_mprotect(m, o->addr, o->len, o->prot);
	case OP_MLOCK:
		return ref_mlock(m, o->addr, o->len);
	case OP_MLOCK2:
		return ref_mlock2(m, o->addr, o->len, (unsigned int)o->flags);
	case OP_MUNLOCK:
		return ref_munlock(m, o->addr, o->len);
	case OP_MADVISE:
		return ref_madvise(m, o->addr, o->len, o->flags);
	case OP_MSEAL:
		return ref_mseal(m, o->addr, o->len, (unsigned long)o->flags);
	case OP_MREMAP:
		return ref_mremap(m, o->addr, o->len, o->len2, o->flags,
				  o->new_addr, out);
	case OP_NR:
		break;
	}
	return -ENOSYS;
}

static int run_vas(struct ctx *c, const struct op *o, unsigned long *out)
{
	struct vas_mm_user *mm = c->vas->mm;

	switch (o->kind) {
	case OP_MMAP:
		return vas_mmap(mm, o->addr, o->len, o->prot, o->flags,
				vas_env_file(c->vas, o->fileid), o->off, out);
	case OP_MUNMAP:
		return vas_munmap(mm, o->addr, o->len);
	case OP_MPROTECT:
		return vas_mprotect(mm, o->addr, o->len, o->prot);
	case OP_MLOCK:
		return vas_mlock(mm, o->addr, o->len);
	case OP_MLOCK2:
		return vas_mlock2(mm, o->addr, o->len, o->flags);
	case OP_MUNLOCK:
		return vas_munlock(mm, o->addr, o->len);
	case OP_MADVISE:
		return vas_madvise(mm, o->addr, o->len, o->flags);
	case OP_MSEAL:
		return vas_mseal(mm, o->addr, o->len, (unsigned long)o->flags);
	case OP_MREMAP:
		return vas_mremap(mm, o->addr, o->len, o->len2, o->flags,
				  o->new_addr, out);
	case OP_NR:
		break;
	}
	return -ENOSYS;
}

static int run_kernel(struct ctx *c, const struct op *o, unsigned long *out)
{
	struct host_env *h = &c->h;

	switch (o->kind) {
	case OP_MMAP:
		return host_mmap(h, o->addr, o->len, o->prot, o->flags,
				 o->fileid, o->off, out);
	case OP_MUNMAP:
		return host_munmap(h, o->addr, o->len);
	case OP_MPROTECT:
		return host_mprotect(h, o->addr, o->len, o->prot);
	case OP_MLOCK:
		return host_mlock(h, o->addr, o->len);
	case OP_MLOCK2:
		return host_mlock2(h, o->addr, o->len, (unsigned int)o->flags);
	case OP_MUNLOCK:
		return host_munlock(h, o->addr, o->len);
	case OP_MADVISE:
		return host_madvise(h, o->addr, o->len, o->flags);
	case OP_MSEAL:
		return host_mseal(h, o->addr, o->len, (unsigned long)o->flags);
	case OP_MREMAP:
		return host_mremap(h, o->addr, o->len, o->len2, o->flags,
				   o->new_addr, out);
	case OP_NR:
		break;
	}
	return -ENOSYS;
}

/* The side compared with the model: vas when it is under test, else Linux. */
static int run_host(struct ctx *c, const struct op *o, unsigned long *out)
{
	return c->vas ? run_vas(c, o, out) : run_kernel(c, o, out);
}

/*
 * Run @o on both; compare the results and the VMA lists. On a mismatch,
 * print the seed, @idx, the op and both lists. Return: true if equal.
 */
static bool step(struct ctx *c, const struct op *o, long idx, int *retp)
{
	unsigned long mout = 0, hout = 0;
	int mret, hret, nm, nh, d;
	char buf[200];

	if (getenv("VAS_MODEL_TRACE")) {	/* the state before each op */
		int nb = ref_vmas(&c->m, c->mv, MAXV);

		op_str(o, buf, sizeof(buf));
		printf("# op %ld: %s\n", idx, buf);
		ref_vmas_print("#   before", c->mv, nb);
	}
	mret = run_model(c, o, &mout);
	if (mret == -REF_EUNMODELLED) {
		/* never let the host run it: it could map outside the window */
		op_str(o, buf, sizeof(buf));
		printf("# UNMODELLED seed %" PRIu64 " op %ld: %s\n",
		       harness_seed(), idx, buf);
		return false;
	}
	hret = run_host(c, o, &hout);
	if (retp)
		*retp = mret;
	nm = ref_vmas(&c->m, c->mv, MAXV);
	nh = c->vas ? vas_env_vmas(c->vas, c->hv, MAXV) :
		      host_vmas(&c->h, c->hv, MAXV);
	if (c->vas && vas_mm_validate(c->vas->mm)) {
		printf("# validator failed after op %ld (seed %" PRIu64 ")\n",
		       idx, harness_seed());
		return false;
	}
	d = nh < 0 ? 0 : ref_vmas_diff(c->mv, nm, c->hv, nh, IGNORED_FLAGS);
	/* against vas, whether a VMA has an anon_vma must agree too */
	if (c->vas && d < 0)
		for (int k = 0; k < nm && k < nh; k++)
			if (!c->mv[k].anon != !c->hv[k].anon) {
				d = k;
				break;
			}
	if (mret == hret && (mret || mout == hout) && d < 0)
		return true;
	op_str(o, buf, sizeof(buf));
	printf("# MISMATCH seed %" PRIu64 " op %ld: %s\n", harness_seed(), idx,
	       buf);
	printf("#   model: %d (%s) out %#lx; host: %d (%s) out %#lx\n", mret,
	       strerror(-mret), mout, hret, strerror(-hret), hout);
	if (d >= 0)
		printf("#   first differing VMA: #%d\n", d);
	ref_vmas_print("#   model", c->mv, nm);
	if (nh >= 0)
		ref_vmas_print("#   host ", c->hv, nh);
	return false;
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
	VAS_MADV_NORMAL,     VAS_MADV_RANDOM,	  VAS_MADV_SEQUENTIAL,
	VAS_MADV_DONTFORK,   VAS_MADV_DOFORK,	  VAS_MADV_WIPEONFORK,
	VAS_MADV_KEEPONFORK, VAS_MADV_DONTDUMP,	  VAS_MADV_DODUMP,
	VAS_MADV_HUGEPAGE,   VAS_MADV_NOHUGEPAGE,
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

static void gen_op(struct ctx *c, struct op *o)
{
	unsigned long s, n, k = rnd(c, 100);

	memset(o, 0, sizeof(*o));
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

		if (i % 2500 == 2499 && !reset(c, i))
			break;
		gen_op(c, &o);
		if (!step(c, &o, i, NULL)) {
			harness_fail(__FILE__, __LINE__,
				     "model != host at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
	}
	printf("# %ld ops in %.1f s\n", nops, harness_now() - t0);
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
	ASSERT_TRUE(ctx_init(c, NPAGES));
	ASSERT_EQ(vas_env_init(v, &c->h), 0);
	c->vas = v;
	/*
	 * Populating calls prepare anon_vmas on both sides (mem/anon_vma.c);
	 * VAS_NO_POPULATE=1 leaves them out (to tell their rules apart).
	 */
	c->no_populate = getenv("VAS_NO_POPULATE") != NULL;
	c->rng = harness_seed() ^ 0x5a5a;
	for (i = 0; i < nops; i++) {
		struct op o;

		if (i % 2500 == 2499 && !reset(c, i))
			break;
		gen_op(c, &o);
		if (!step(c, &o, i, NULL)) {
			harness_fail(__FILE__, __LINE__,
				     "model != vas at op %ld (seed %" PRIu64 ")",
				     i, harness_seed());
			break;
		}
	}
	printf("# vas vs model: %ld ops in %.1f s\n", i, harness_now() - t0);
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
