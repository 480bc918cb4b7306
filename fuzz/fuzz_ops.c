// SPDX-License-Identifier: MIT
/*
 * fuzz_ops.c - libFuzzer target over the public API: each input is decoded
 * into a sequence of calls on one to three address spaces of one machine
 * (the mmap family, reads and writes, fork, exit, zap_page_range_single,
 * a driver file whose mmap hook inserts pages with vm_insert_page, gup,
 * pin and unpin, brk, mlockall), and after every call:
 *
 *  - vas_mm_validate() of every live address space, the VMAs of each in
 *    order and not overlapping, and the driver's open/close balance (the
 *    hooks that succeeded plus the opens minus the closes is the number
 *    of its VMAs in all the address spaces);
 *  - the errno is one that call may return;
 *  - while the reference model (tests/model/refmodel.h) follows the
 *    address spaces: the same result, the same VMA list (flags, file,
 *    pgoff, anon_vma or not, anonymous RSS), the same bytes in every page
 *    of the window;
 *  - a call made to fail by allocation failure injection (an input byte
 *    arms vas_fail_nth() for the next call) must return -ENOMEM or
 *    succeed; when it returns -ENOMEM, a call that promises to change
 *    nothing then (see strict_on_enomem()) must leave every page of the
 *    window as it was: mapped or not, flags, file, pgoff, and its bytes.
 *
 * The model follows the first address space in full, and the accesses,
 * zaps and forks of the ones forked from it (what ref_fork() models).
 * Anything else it does not model (a driver mapping, a pin, brk, mlockall,
 * a mapping call in a forked address space, an address the kernel
 * chooses, an injected failure) ends the model's part for the rest of the
 * input; the other checks go on. Addresses stay in a window of NPG pages.
 *
 * The input format (little by design: any bytes decode): the first byte
 * chooses the mode: odd, the calls keep to what the model follows (no
 * driver, gup, pin, brk, mlockall, injection, address hints or advices
 * outside its subset, and mapping calls go to the address space it
 * follows in full); even, anything goes. Then, for each call, a byte
 * picks the call, the next the address space, the following ones the
 * arguments; see decode(). fuzz/gen_ops_corpus.py writes seeds in this
 * format.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vas/vas.h>
#include <vas/memory.h>
#include <vas/physmem.h>
#include <vas/proc.h>

#include "base/alloc.h"
#include "refmodel.h"
#include "vas_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define P REF_PAGE_SIZE
#define NPG 32UL			/* the window, in pages */
#define W REF_WINDOW_BASE
#define NMM 3
#define MAXV 256
#define MAXPINS 32
#define MAXOPS 256			/* calls per input */
#define FILE_PAGES 24UL			/* files 1 and 3 */
#define SHORT_FILE_PAGES 5UL		/* file 2: mappings pass its end */
#define BRK_START (W + 24 * P)

/* ---- state of one input ------------------------------------------------ */

struct fmm {
	bool alive;
	struct vas_env v;	/* v.forked: we own the machine and files */
	struct ref_model *m;	/* NULL when the model does not follow it */
	bool full;		/* the model follows every call, not only accesses */
};

struct driver {
	struct vas_machine *machine;
	long live;		/* successful hooks + opens - closes */
	int fail;		/* the next hook fails with this (0: succeeds) */
	int flavour;		/* what the hook sets on the VMA */
	unsigned char pattern;
};

struct fstate {
	const uint8_t *p, *end;
	struct vas_machine *machine;
	struct vas_file *files[REF_MAX_FILES];
	struct vas_file *drv;
	struct driver d;
	struct fmm mm[NMM];
	bool modelled;		/* the model still follows */
	bool model_mode;	/* the input keeps to what the model follows */
	struct ref_model *owner;	/* the model owning the objects */
	struct vas_page *pins[MAXPINS];
	unsigned long npins;
	unsigned long fail_nth;	/* armed for the next call, 0: none */
	long opno;
	const char *opname;
	unsigned char buf[NPG * P], buf2[NPG * P];
};

static bool verbose;

#define FAIL(st, ...)                                                         \
	do {                                                                  \
		fprintf(stderr, "fuzz_ops: op %ld (%s): ", (st)->opno,       \
			(st)->opname);                                        \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		abort();                                                      \
	} while (0)

static unsigned int u8(struct fstate *st)
{
	return st->p < st->end ? *st->p++ : 0;
}

/* ---- the model --------------------------------------------------------- */

/* The model stops following: free every model (borrowers first). */
static void drop_models(struct fstate *st, const char *why)
{
	if (!st->modelled)
		return;
	if (verbose)
		fprintf(stderr, "op %ld: model off (%s)\n", st->opno, why);
	st->modelled = false;
	for (int k = 0; k < NMM; k++) {
		struct ref_model *m = st->mm[k].m;

		if (m && m != st->owner) {
			ref_fini(m);
			free(m);
		}
		st->mm[k].m = NULL;
	}
	if (st->owner) {
		ref_fini(st->owner);
		free(st->owner);
		st->owner = NULL;
	}
}

/* ---- the driver file --------------------------------------------------- */

static void drv_open(struct vas_vma_ref *vma)
{
	struct driver *d = vas_file_private(vas_vma_file(vma));

	d->live++;
}

static void drv_close(const struct vas_vma_closing *vma)
{
	struct driver *d = vas_file_private(vas_vma_closing_file(vma));

	d->live--;
}

static const struct vas_vm_ops drv_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = drv_open,
	.close = drv_close,
};

/* Insert up to 8 pages of the pattern (none for flavour 3). */
static int drv_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct driver *d = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	struct vas_vma_mixedmap *mx;
	unsigned long a, end;
	int err = 0;

	if (d->fail)
		return d->fail;
	vas_vma_new_set_mixedmap(vma);
	if (d->flavour & 1)
		vas_vma_new_set_dontcopy(vma);
	if (d->flavour & 2)
		vas_vma_new_set_dontexpand(vma);
	mx = vas_vma_as_mixedmap(ref);
	if (!mx)
		return -EIO;	/* set_mixedmap did not take */
	end = vas_vma_end(ref);
	if (end - vas_vma_start(ref) > 8 * P)
		end = vas_vma_start(ref) + 8 * P;
	for (a = vas_vma_start(ref); a < end && (d->flavour & 4) == 0; a += P) {
		struct vas_page *pg = vas_page_alloc(d->machine);

		if (!pg)
			return -ENOMEM;
		memset(vas_page_address(pg), d->pattern + (int)(a / P), P);
		err = vas_vm_insert_page(mx, a, pg);
		vas_page_put(pg);
		if (err)
			return err;
	}
	vas_vma_new_set_ops(vma, &drv_vm_ops);
	d->live++;
	return 0;
}

static const struct vas_file_ops drv_ops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = drv_mmap,
};

/* ---- setup and teardown ------------------------------------------------ */

static int memfd_file(struct fstate *st, uint32_t id, unsigned long pages,
		      bool ro)
{
	char name[16], path[64];
	int fd, fd2, err;

	snprintf(name, sizeof(name), "f%u", id);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)(pages * P)))
		abort();
	if (ro) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		fd2 = open(path, O_RDONLY | O_CLOEXEC);
		if (fd2 < 0)
			abort();
		close(fd);
		fd = fd2;
	}
	err = vas_file_open_host(st->machine, fd,
				 ro ? VAS_FMODE_READ : VAS_FMODE_READ | VAS_FMODE_WRITE,
				 name, &st->files[id]);
	close(fd);
	return err;
}

/*
 * The machine lives for MACHINE_INPUTS inputs (creating one costs more
 * than most inputs): each input ends with what it had at its start (no
 * frame in use but the zero page's, nothing committed), and every
 * MACHINE_INPUTS-th input destroys it (which must succeed). With
 * $VAS_FUZZ_FRESH set, each input gets a new machine (to replay a crash
 * exactly as found). After the machine's destruction, every allocation
 * of vas since its creation must be freed (a leak check that needs no
 * LeakSanitizer pass per input: the smoke run turns those off).
 */
#define MACHINE_INPUTS 64
static struct vas_machine *machine;
static unsigned long machine_inputs, machine_used;
static long machine_live;	/* vas_alloc_live() before its creation */

static void setup(struct fstate *st, const uint8_t *data, size_t size)
{
	struct vas_machine_config cfg;
	struct fmm *f = &st->mm[0];
	struct vas_mem_info mi;

	memset(st, 0, offsetof(struct fstate, buf));
	st->p = data;
	st->end = data + size;
	st->opname = "setup";
	st->model_mode = u8(st) & 1;
	if (!machine) {
		machine_live = vas_alloc_live();
		vas_machine_config_init(&cfg);
		cfg.zero_page = true;		/* as the model's default */
		cfg.frames_bytes = 16UL << 20;
		if (vas_machine_create(&cfg, &machine))
			abort();
		vas_machine_mem_info(machine, &mi);
		machine_used = mi.used;
		machine_inputs = 0;
	}
	st->machine = machine;
	if (memfd_file(st, 1, FILE_PAGES, false) ||
	    memfd_file(st, 2, SHORT_FILE_PAGES, false) ||
	    memfd_file(st, 3, FILE_PAGES, true))
		abort();
	st->d.machine = st->machine;
	if (vas_file_create(st->machine, &drv_ops, &st->d,
			    VAS_FMODE_READ | VAS_FMODE_WRITE, "drv", &st->drv))
		abort();
	f->alive = true;
	f->v = (struct vas_env){ .machine = st->machine, .base = W,
				 .npages = NPG, .forked = true };
	memcpy(f->v.files, st->files, sizeof(f->v.files));
	if (vas_mm_create(st->machine, &f->v.mm))
		abort();
	if (vas_mm_set_brk_start(f->v.mm, BRK_START))
		abort();
	f->m = calloc(1, sizeof(*f->m));
	if (!f->m || ref_init(f->m, W, NPG))
		abort();
	ref_file_set(f->m, 1, true, true, FILE_PAGES);
	ref_file_set(f->m, 2, true, true, SHORT_FILE_PAGES);
	ref_file_set(f->m, 3, true, false, FILE_PAGES);
	f->full = true;
	st->owner = f->m;
	st->modelled = true;
}

static void teardown(struct fstate *st)
{
	struct vas_mem_info mi;
	int err;

	st->opname = "teardown";
	drop_models(st, "end");
	vas_unpin_user_pages(st->pins, st->npins, false);
	st->npins = 0;
	for (int k = 0; k < NMM; k++)
		if (st->mm[k].alive) {
			vas_env_fini(&st->mm[k].v);
			st->mm[k].alive = false;
		}
	if (st->d.live != 0)
		FAIL(st, "driver: %ld VMAs left open after every exit", st->d.live);
	for (int id = 0; id < REF_MAX_FILES; id++)
		vas_file_put(st->files[id]);
	vas_file_put(st->drv);
	vas_machine_flush(machine);
	vas_machine_mem_info(machine, &mi);
	if (mi.used != machine_used)
		FAIL(st, "%zu bytes of frames in use after the input, %lu before",
		     mi.used, machine_used);
	if (vas_machine_committed(machine))
		FAIL(st, "%lu pages committed after the input",
		     vas_machine_committed(machine));
	if (++machine_inputs < MACHINE_INPUTS && !getenv("VAS_FUZZ_FRESH"))
		return;
	err = vas_machine_destroy(machine);
	if (err)
		FAIL(st, "vas_machine_destroy: %d", err);
	machine = NULL;
	if (vas_alloc_live() != machine_live)
		FAIL(st, "%ld allocations of vas not freed after the machine",
		     vas_alloc_live() - machine_live);
}

/* ---- checks ------------------------------------------------------------ */

/* The errnos each call may return, 0-terminated. */
static const int legal_mmap[] = { EINVAL, ENOMEM, EACCES, EPERM, EEXIST,
	ENODEV, EBADF, EOVERFLOW, EAGAIN, EIO, EOPNOTSUPP, 0 };
static const int legal_munmap[] = { EINVAL, ENOMEM, EPERM, 0 };
static const int legal_mprotect[] = { EINVAL, ENOMEM, EACCES, EPERM, 0 };
static const int legal_mremap[] = { EINVAL, ENOMEM, EFAULT, EPERM, EAGAIN,
	0 };
static const int legal_madvise[] = { EINVAL, ENOMEM, EPERM, EAGAIN, EFAULT,
	EIO, EBADF, EACCES, EOPNOTSUPP, EBUSY, 0 };
static const int legal_mlock[] = { EINVAL, ENOMEM, EPERM, EAGAIN, 0 };
static const int legal_msync[] = { EINVAL, ENOMEM, EBUSY, EIO, 0 };
static const int legal_access[] = { EFAULT, ENOMEM, 0 };
static const int legal_enomem[] = { ENOMEM, 0 };
static const int legal_none[] = { 0 };

static void check_errno(struct fstate *st, long ret, const int *legal,
			bool injected)
{
	if (ret >= 0 || (injected && ret == -ENOMEM))
		return;
	for (; *legal; legal++)
		if (*legal == -ret)
			return;
	FAIL(st, "errno %ld (%s) is not one this call returns", -ret,
	     strerror((int)-ret));
}

/* VMAs in order, page aligned, not overlapping; count the driver's. */
static long walk_vmas(struct fstate *st, struct vas_mm_user *mm)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *vma;
	unsigned long prev_end = 0;
	long ndrv = 0;

	vas_mmap_read_lock(mm);
	vas_vma_iter_init(&it, mm, 0, ~0UL);
	while ((vma = vas_vma_iter_next(&it, mm))) {
		unsigned long s = vas_vma_start(vma), e = vas_vma_end(vma);

		if (s >= e || (s | e) & (P - 1) || s < prev_end)
			FAIL(st, "VMA [%#lx, %#lx) after one ending at %#lx", s,
			     e, prev_end);
		prev_end = e;
		if (vas_vma_file(vma) == st->drv)
			ndrv++;
	}
	vas_mmap_read_unlock(mm);
	return ndrv;
}

static void check_invariants(struct fstate *st)
{
	long ndrv = 0;

	for (int k = 0; k < NMM; k++) {
		struct fmm *f = &st->mm[k];
		int err;

		if (!f->alive)
			continue;
		err = vas_mm_validate(f->v.mm);
		if (err)
			FAIL(st, "vas_mm_validate of mm %d: %d", k, err);
		ndrv += walk_vmas(st, f->v.mm);
	}
	if (ndrv != st->d.live)
		FAIL(st, "driver: %ld VMAs, hooks + opens - closes = %ld", ndrv,
		     st->d.live);
}

static void print_vmas(const char *tag, struct ref_vma *v, int n)
{
	ref_vmas_print(tag, v, n);
}

/* The model's VMAs and pages of mm @k against vas's. */
static void check_model(struct fstate *st, int k, bool contents)
{
	static struct ref_vma mv[MAXV], vv[MAXV];
	struct fmm *f = &st->mm[k];
	long total = 0;
	int nm, nv, d;

	if (!st->modelled || !f->alive || !f->m)
		return;
	nm = ref_vmas(f->m, mv, MAXV);
	nv = vas_env_vmas(&f->v, vv, MAXV, true);
	d = ref_vmas_diff(mv, nm, vv, nv, REF_FLAGS_IGNORED);
	for (int i = 0; d < 0 && i < nm && i < nv; i++)
		if (!mv[i].anon != !vv[i].anon)
			d = i;
	for (int i = 0; i < nm; i++)
		total += mv[i].rss_anon;
	if (d < 0 && total != vas_mm_rss(f->v.mm, VAS_RSS_ANON)) {
		fprintf(stderr, "anonymous RSS: model %ld, vas %ld\n", total,
			vas_mm_rss(f->v.mm, VAS_RSS_ANON));
		d = 0;
	}
	if (d >= 0) {
		print_vmas("model", mv, nm);
		print_vmas("vas  ", vv, nv);
		FAIL(st, "mm %d: VMA #%d differs from the model", k, d);
	}
	if (!contents)
		return;
	for (unsigned long i = 0; i < NPG; i++) {
		struct ref_access ma, va;
		unsigned long a = W + i * P;
		int mr, vr;

		mr = ref_read_bytes(f->m, a, P, st->buf, &ma);
		vr = vas_env_read_bytes(&f->v, a, P, st->buf2, &va);
		if (mr != vr || ma.signo != va.signo ||
		    (mr && ma.fault_addr != va.fault_addr) ||
		    (!mr && memcmp(st->buf, st->buf2, P))) {
			print_vmas("model", mv, nm);
			FAIL(st, "mm %d: page %#lx: model %d (signal %d, %02x), vas %d (signal %d, %02x)",
			     k, a, mr, ma.signo, st->buf[0], vr, va.signo,
			     st->buf2[0]);
		}
	}
}

/* ---- the state snapshot of the strict -ENOMEM check --------------------- */

struct pstate {
	bool mapped;
	unsigned long flags;
	uint32_t fileid;
	uint64_t pgoff;
	int ret, signo;
	uint64_t hash;
};

static void snapshot(struct fstate *st, int k, struct pstate *ps)
{
	static struct ref_vma vv[MAXV];
	struct fmm *f = &st->mm[k];
	int nv = vas_env_vmas(&f->v, vv, MAXV, false);

	memset(ps, 0, NPG * sizeof(*ps));
	for (int j = 0; j < nv; j++)
		for (unsigned long a = vv[j].start; a < vv[j].end; a += P) {
			struct pstate *p = &ps[(a - W) / P];

			if (a < W || a >= W + NPG * P)
				continue;
			p->mapped = true;
			p->flags = vv[j].flags & ~REF_FLAGS_IGNORED;
			p->fileid = vv[j].fileid;
			p->pgoff = vv[j].pgoff + (a - vv[j].start) / P;
		}
	for (unsigned long i = 0; i < NPG; i++) {
		struct ref_access acc;

		ps[i].ret = vas_env_read(&f->v, W + i * P, P, &acc);
		ps[i].signo = acc.signo;
		ps[i].hash = acc.hash;
	}
}

static void expect_unchanged(struct fstate *st, int k,
			     const struct pstate *before)
{
	static struct pstate after[NPG];

	snapshot(st, k, after);
	for (unsigned long i = 0; i < NPG; i++) {
		const struct pstate *b = &before[i], *a = &after[i];

		if (b->mapped != a->mapped || b->flags != a->flags ||
		    b->fileid != a->fileid || b->pgoff != a->pgoff)
			FAIL(st, "-ENOMEM changed mm %d's page %#lx: mapped %d flags %#lx file %u pgoff %#llx -> mapped %d flags %#lx file %u pgoff %#llx",
			     k, W + i * P, b->mapped, b->flags, b->fileid,
			     (unsigned long long)b->pgoff, a->mapped, a->flags,
			     a->fileid, (unsigned long long)a->pgoff);
		if (b->ret != a->ret || b->signo != a->signo ||
		    b->hash != a->hash)
			FAIL(st, "-ENOMEM changed mm %d's page %#lx's contents: %d/%d/%016llx -> %d/%d/%016llx",
			     k, W + i * P, b->ret, b->signo,
			     (unsigned long long)b->hash, a->ret, a->signo,
			     (unsigned long long)a->hash);
	}
}

/* Does [a, a + len) lie inside one VMA of mm @k (page aligned)? */
static bool in_one_vma(struct fstate *st, int k, unsigned long a,
		       unsigned long len)
{
	struct vas_mm_user *mm = st->mm[k].v.mm;
	struct vas_vma_ref *vma;
	bool ok;

	if (!len || (a | len) & (P - 1) || a + len < a)
		return false;
	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, a);
	ok = vma && vas_vma_start(vma) <= a && a + len <= vas_vma_end(vma);
	vas_mmap_read_unlock(mm);
	return ok;
}

/* ---- decoding ---------------------------------------------------------- */

enum op_kind {
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_MLOCK,
	OP_MSEAL, OP_MSYNC, OP_WRITE, OP_READ, OP_FORK, OP_EXIT, OP_ZAP,
	OP_DRIVER, OP_PIN, OP_UNPIN, OP_BRK, OP_MLOCKALL, OP_FAIL, OP_GUP,
	OP_NR
};

static const char *const op_names[OP_NR] = {
	"mmap", "munmap", "mprotect", "mremap", "madvise", "mlock", "mseal",
	"msync", "write", "read", "fork", "exit", "zap", "driver mmap",
	"pin", "unpin", "brk", "mlockall", "fail", "gup",
};

/* A page of the window; 0xf0 and above: corner cases. */
static unsigned long addr_of(struct fstate *st)
{
	unsigned int b = u8(st);

	if (b < 0xf8)
		return W + (b % NPG) * P;
	switch (b) {
	case 0xf8: return W + (u8(st) % NPG) * P + 1 + u8(st);	/* unaligned */
	default: return W + (b % NPG) * P;
	}
}

static unsigned long len_of(struct fstate *st)
{
	unsigned int b = u8(st);

	if (b < 0xf0 || (st->model_mode && b >= 0xf3))
		return (b % 12 + 1) * P;	/* the model: inside the window */
	switch (b) {
	case 0xf0: return 0;
	case 0xf1: return 1;
	case 0xf2: return P + 1 + u8(st);
	case 0xf3: return NPG * P;
	case 0xf4: return -P;		/* wraps */
	default: return (b % 12 + 1) * P;
	}
}

static int prot_of(struct fstate *st)
{
	static const int prots[8] = {
		VAS_PROT_NONE, VAS_PROT_READ, VAS_PROT_READ | VAS_PROT_WRITE,
		VAS_PROT_READ | VAS_PROT_EXEC, VAS_PROT_READ | VAS_PROT_WRITE,
		VAS_PROT_READ | VAS_PROT_WRITE | VAS_PROT_EXEC, VAS_PROT_WRITE,
		VAS_PROT_EXEC,
	};
	unsigned int b = u8(st);

	return prots[b & 7] | (b == 0xff ? 0x10 : 0);
}

static const int advices[] = {
	VAS_MADV_NORMAL, VAS_MADV_RANDOM, VAS_MADV_SEQUENTIAL,
	VAS_MADV_DONTFORK, VAS_MADV_DOFORK, VAS_MADV_WIPEONFORK,
	VAS_MADV_KEEPONFORK, VAS_MADV_DONTDUMP, VAS_MADV_DODUMP,
	VAS_MADV_HUGEPAGE, VAS_MADV_NOHUGEPAGE, VAS_MADV_DONTNEED,
	VAS_MADV_DONTNEED_LOCKED, VAS_MADV_REMOVE, VAS_MADV_POPULATE_READ,
	VAS_MADV_POPULATE_WRITE,
	/* not modelled */
	VAS_MADV_WILLNEED, VAS_MADV_FREE, VAS_MADV_COLD, VAS_MADV_PAGEOUT,
	VAS_MADV_GUARD_INSTALL, VAS_MADV_GUARD_REMOVE, VAS_MADV_MERGEABLE,
	VAS_MADV_UNMERGEABLE, VAS_MADV_COLLAPSE, 200,
};

/*
 * The advices the model knows (the first 16 of advices[]) and an invalid
 * one; it refuses the others as invalid, where Linux takes them.
 */
static bool advice_modelled(int adv)
{
	for (int i = 0; i < 16; i++)
		if (advices[i] == adv)
			return true;
	return adv == 200;
}

/* Advices that change nothing on -ENOMEM (no VMA flag, no contents). */
static bool advice_strict(int adv)
{
	return adv == VAS_MADV_POPULATE_READ || adv == VAS_MADV_POPULATE_WRITE ||
	       adv == VAS_MADV_WILLNEED;
}

static bool advice_sets_flags(int adv)
{
	switch (adv) {
	case VAS_MADV_NORMAL: case VAS_MADV_RANDOM: case VAS_MADV_SEQUENTIAL:
	case VAS_MADV_DONTFORK: case VAS_MADV_DOFORK: case VAS_MADV_WIPEONFORK:
	case VAS_MADV_KEEPONFORK: case VAS_MADV_DONTDUMP: case VAS_MADV_DODUMP:
	case VAS_MADV_HUGEPAGE: case VAS_MADV_NOHUGEPAGE:
	case VAS_MADV_MERGEABLE: case VAS_MADV_UNMERGEABLE:
		return true;
	default:
		return false;
	}
}

/* ---- one call ---------------------------------------------------------- */

struct call {
	enum op_kind kind;
	int k;				/* the address space */
	unsigned long addr, len, len2, new_addr, off;
	int prot, flags, arg;
	uint32_t fileid;
};

/*
 * A plain length (whole pages, at most 12) that would leave the window
 * ends at its end instead: the model follows only calls inside it. The
 * corner cases stay as they are: an unaligned mremap new_len rounds up
 * and can pass the end, where Linux 6.18 grows in place if the pages
 * there are free; ref_mremap() then answers -REF_EUNMODELLED.
 */
static void clamp(unsigned long a, unsigned long *len)
{
	unsigned long end = W + NPG * P;

	if (*len && *len <= 12 * P && !(*len & (P - 1)) && a < end &&
	    a + *len > end)
		*len = end - a;
}

static void decode(struct fstate *st, struct call *c)
{
	unsigned int b;

	static const enum op_kind modelled_kinds[] = {
		OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_MLOCK,
		OP_MSEAL, OP_MSYNC, OP_WRITE, OP_READ, OP_FORK, OP_EXIT, OP_ZAP,
		OP_WRITE, OP_READ, OP_MMAP,
	};

	memset(c, 0, sizeof(*c));
	b = u8(st);
	c->kind = st->model_mode ?
		modelled_kinds[b % (sizeof(modelled_kinds) / sizeof(modelled_kinds[0]))] :
		(enum op_kind)(b % OP_NR);
	c->k = (int)(u8(st) % NMM);
	switch (c->kind) {
	case OP_MMAP:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->prot = prot_of(st);
		b = u8(st);
		c->fileid = b & 3;	/* 0: anonymous */
		c->flags = (b & 4) ? VAS_MAP_SHARED : VAS_MAP_PRIVATE;
		if (!c->fileid)
			c->flags |= VAS_MAP_ANONYMOUS;
		if (b & 8)
			c->flags |= VAS_MAP_FIXED_NOREPLACE;
		else if (!(b & 0x80) || (b & 0x40) || st->model_mode)
			c->flags |= VAS_MAP_FIXED;	/* else a hint */
		if ((b & 0x30) == 0x10)
			c->flags |= VAS_MAP_POPULATE;
		if ((b & 0x30) == 0x20)
			c->flags |= VAS_MAP_LOCKED;
		if ((b & 0x30) == 0x30)
			c->flags |= VAS_MAP_NORESERVE;
		b = u8(st);
		c->off = (b % 32) * P;
		if (b == 0xff)
			c->off = 5;		/* unaligned */
		if (b == 0xfe)
			c->flags = (c->flags & ~VAS_MAP_TYPE) |
				   VAS_MAP_SHARED_VALIDATE;
		if (b == 0xfd)
			c->flags &= ~VAS_MAP_TYPE;	/* no type: EINVAL */
		break;
	case OP_MREMAP:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->len2 = len_of(st);
		b = u8(st);
		c->flags = b & 7;	/* MAYMOVE, FIXED, DONTUNMAP, mixes */
		if (b == 0xff)
			c->flags = 8;
		c->new_addr = addr_of(st);
		break;
	case OP_MPROTECT:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->prot = prot_of(st);
		break;
	case OP_MADVISE:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->arg = advices[u8(st) % (st->model_mode ? 16 :
					   sizeof(advices) / sizeof(advices[0]))];
		break;
	case OP_MLOCK:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->arg = (int)(u8(st) % 4);	/* mlock, mlock2 onfault, munlock, mlock2 bad */
		break;
	case OP_MSEAL:
	case OP_MUNMAP:
	case OP_MSYNC:
	case OP_ZAP:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->arg = (int)u8(st);
		break;
	case OP_WRITE:
	case OP_READ:
		c->addr = addr_of(st);
		c->len = len_of(st);
		b = u8(st);
		if (b & 1)
			c->addr += u8(st) * 16UL;
		c->arg = (int)u8(st);
		break;
	case OP_DRIVER:
		c->addr = addr_of(st);
		c->len = len_of(st);
		c->prot = prot_of(st);
		b = u8(st);
		c->flags = ((b & 1) ? VAS_MAP_PRIVATE : VAS_MAP_SHARED) |
			   ((b & 2) ? VAS_MAP_FIXED_NOREPLACE : VAS_MAP_FIXED);
		c->arg = (int)u8(st);	/* flavour, failure */
		break;
	case OP_PIN:
	case OP_GUP:
		c->addr = addr_of(st) & ~(P - 1);
		c->len = u8(st) % 4 + 1;	/* pages */
		c->arg = (int)u8(st);		/* gup flags */
		break;
	case OP_UNPIN:
	case OP_BRK:
	case OP_MLOCKALL:
	case OP_FORK:
	case OP_EXIT:
		c->arg = (int)u8(st);
		break;
	case OP_FAIL:
		c->arg = (int)(u8(st) % 24 + 1);
		break;
	case OP_NR:
		break;
	}
	if (c->kind != OP_PIN && c->kind != OP_GUP) {
		clamp(c->addr, &c->len);
		if (c->kind == OP_MREMAP)
			clamp((c->flags & VAS_MREMAP_FIXED) ? c->new_addr :
							       c->addr,
			      &c->len2);
	}
}

/* The model's side; -REF_EUNMODELLED when it does not follow. */
static int run_model(struct fstate *st, const struct call *c,
		     unsigned long *out, struct ref_access *acc)
{
	struct fmm *f = &st->mm[c->k];
	bool access_like = c->kind == OP_READ || c->kind == OP_WRITE ||
			   c->kind == OP_ZAP;

	if (!st->modelled || !f->m)
		return -REF_EUNMODELLED;
	if (!f->full && !access_like)
		return -REF_EUNMODELLED;
	switch (c->kind) {
	case OP_MMAP:
		return ref_mmap(f->m, c->addr, c->len, c->prot, c->flags,
				c->fileid, c->off, out);
	case OP_MUNMAP:
		return ref_munmap(f->m, c->addr, c->len);
	case OP_MPROTECT:
		return ref_mprotect(f->m, c->addr, c->len, c->prot);
	case OP_MREMAP:
		return ref_mremap(f->m, c->addr, c->len, c->len2, c->flags,
				  c->new_addr, out);
	case OP_MADVISE:
		if (!advice_modelled(c->arg))
			return -REF_EUNMODELLED;
		return ref_madvise(f->m, c->addr, c->len, c->arg);
	case OP_MLOCK:
		switch (c->arg) {
		case 0: return ref_mlock(f->m, c->addr, c->len);
		case 1: return ref_mlock2(f->m, c->addr, c->len, VAS_MLOCK_ONFAULT);
		case 2: return ref_munlock(f->m, c->addr, c->len);
		default: return ref_mlock2(f->m, c->addr, c->len, 2);
		}
	case OP_MSEAL:
		return ref_mseal(f->m, c->addr, c->len, (c->arg & 0xf0) == 0xf0);
	case OP_WRITE:
		return ref_write(f->m, c->addr, c->len, c->arg, acc);
	case OP_READ:
		return ref_read(f->m, c->addr, c->len, acc);
	default:
		return -REF_EUNMODELLED;
	}
}

/*
 * Zap in the model: what zap_page_range_single() does to contents, the
 * private copies of the range dropped. Only for a range inside one VMA.
 */
static void model_zap(struct ref_model *m, unsigned long a, unsigned long len)
{
	for (unsigned long i = (a - m->base) / P; i < (a + len - m->base) / P;
	     i++) {
		free(m->pg[i].data);
		m->pg[i].data = NULL;
	}
}

static long do_zap(struct fstate *st, struct call *c)
{
	struct vas_mm_user *mm = st->mm[c->k].v.mm;
	struct vas_vma_ref *vma;
	unsigned long a = c->addr & ~(P - 1), len = c->len, e;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, a);
	if (vma && vas_vma_start(vma) <= a) {
		e = vas_vma_end(vma);
		if (len > e - a || !len)
			len = e - a;
		len = (len + P - 1) & ~(P - 1);
		if (len > e - a)
			len = e - a;
		vas_zap_page_range_single(vma, a, len);
		c->addr = a;
		c->len = len;
	} else {
		c->len = 0;	/* nothing zapped */
	}
	vas_mmap_read_unlock(mm);
	return 0;
}

static int free_slot(struct fstate *st)
{
	for (int k = 0; k < NMM; k++)
		if (!st->mm[k].alive)
			return k;
	return -1;
}

static int nalive(struct fstate *st)
{
	int n = 0;

	for (int k = 0; k < NMM; k++)
		n += st->mm[k].alive;
	return n;
}

static long do_fork(struct fstate *st, const struct call *c)
{
	struct fmm *f = &st->mm[c->k], *ch;
	int slot = free_slot(st), err;

	if (slot < 0)
		return 0;
	ch = &st->mm[slot];
	ch->v = (struct vas_env){ .machine = st->machine, .base = W,
				  .npages = NPG, .forked = true };
	memcpy(ch->v.files, st->files, sizeof(ch->v.files));
	err = vas_mm_fork(f->v.mm, &ch->v.mm);
	if (err)
		return err;
	ch->alive = true;
	ch->full = false;
	ch->m = NULL;
	if (st->modelled && f->m) {
		ch->m = calloc(1, sizeof(*ch->m));
		if (!ch->m)
			abort();
		ref_fork(ch->m, f->m);
	}
	return 0;
}

static void do_exit(struct fstate *st, const struct call *c)
{
	struct fmm *f = &st->mm[c->k];

	if (nalive(st) < 2)
		return;		/* the last one stays */
	vas_env_fini(&f->v);
	f->alive = false;
	if (f->m && f->m != st->owner) {
		ref_fini(f->m);
		free(f->m);
	}
	f->m = NULL;		/* the owner lives on in st->owner */
	f->full = false;
}

static void check_pins(struct fstate *st, int k, unsigned long addr,
		       struct vas_page **pages, long n)
{
	for (long i = 0; i < n; i++) {
		struct vas_fault_info fi;

		if (vas_read(st->mm[k].v.mm, addr + (unsigned long)i * P,
			     st->buf, P, &fi))
			continue;
		if (memcmp(st->buf, vas_page_address(pages[i]), P))
			FAIL(st, "pinned page %ld of %#lx: bytes differ from the mapping",
			     i, addr);
	}
}

static long do_gup(struct fstate *st, const struct call *c, bool pin)
{
	struct vas_page *pages[4];
	struct vas_fault_info fi;
	unsigned int fl = 0;
	long n;

	if (c->arg & 1)
		fl |= VAS_FOLL_WRITE;
	if (pin && (c->arg & 2))
		fl |= VAS_FOLL_LONGTERM;
	if (c->arg & 4)
		fl |= VAS_FOLL_NOFAULT;
	if (pin && st->npins + c->len > MAXPINS)
		return 0;
	n = pin ? vas_pin_user_pages(st->mm[c->k].v.mm, c->addr, c->len, fl,
				     pages, &fi) :
		  vas_get_user_pages(st->mm[c->k].v.mm, c->addr, c->len, fl,
				     pages, &fi);
	if (n == 0 || n > (long)c->len)
		FAIL(st, "gup returned %ld for %lu pages", n, c->len);
	if (n < 0)
		return n;
	check_pins(st, c->k, c->addr, pages, n);
	for (long i = 0; i < n; i++) {
		if (pin)
			st->pins[st->npins++] = pages[i];
		else
			vas_page_put(pages[i]);
	}
	return n;
}

/*
 * May mremap with MREMAP_FIXED return -ENOMEM with nothing changed? Linux
 * 6.18 (mm/mremap.c): mremap_to() first unmaps the destination ("err =
 * do_munmap(mm, vrm->new_addr, vrm->new_len, vrm->uf_unmap_early);") and,
 * when it shrinks, the tail of the source (shrink_vma()); both stay
 * unmapped when the move fails after. And remap_move(), the move of
 * old_len == new_len, moves the VMAs of the source range one at a time
 * and stops at the first error with the ones before it moved ("if
 * (IS_ERR_VALUE(res_vma)) return res_vma;"). So only a source inside one
 * VMA, not shrunk, to a free destination.
 */
static bool mremap_fixed_strict(struct fstate *st, const struct call *c)
{
	struct vas_mm_user *mm = st->mm[c->k].v.mm;
	bool free;

	if (c->len2 < c->len || c->new_addr + c->len2 < c->new_addr ||
	    !in_one_vma(st, c->k, c->addr, c->len))
		return false;
	vas_mmap_read_lock(mm);
	free = !vas_find_vma_intersection(mm, c->new_addr,
					  c->new_addr + c->len2);
	vas_mmap_read_unlock(mm);
	return free;
}

/*
 * What a call may have changed when it returns -ENOMEM. true: nothing
 * (every allocation comes before the change, docs/design.md); false: the
 * part before the failure (VMA by VMA, page by page, as Linux).
 */
static bool strict_on_enomem(struct fstate *st, const struct call *c)
{
	switch (c->kind) {
	case OP_MMAP:
	case OP_MUNMAP:
	case OP_FORK:
	case OP_READ:
	case OP_MSYNC:
	case OP_PIN:
	case OP_GUP:
		return true;
	case OP_MPROTECT:
	case OP_MSEAL:
		return in_one_vma(st, c->k, c->addr, c->len);
	case OP_MREMAP:
		return !(c->flags & VAS_MREMAP_FIXED) ||
		       mremap_fixed_strict(st, c);
	case OP_MADVISE:
		return advice_strict(c->arg) ||
		       (advice_sets_flags(c->arg) &&
			in_one_vma(st, c->k, c->addr, c->len));
	case OP_MLOCK:
		return c->arg != 0 && in_one_vma(st, c->k, c->addr, c->len);
	default:
		return false;
	}
}

/* Calls whose success under injection may still differ from the model's. */
static bool may_populate(const struct call *c)
{
	return c->kind == OP_MMAP || c->kind == OP_MREMAP ||
	       c->kind == OP_MPROTECT || c->kind == OP_MLOCK ||
	       c->kind == OP_MADVISE || c->kind == OP_WRITE;
}

static const int *legal_of(enum op_kind kind)
{
	switch (kind) {
	case OP_MMAP: case OP_DRIVER: return legal_mmap;
	case OP_MUNMAP: return legal_munmap;
	case OP_MPROTECT: return legal_mprotect;
	case OP_MREMAP: return legal_mremap;
	case OP_MADVISE: return legal_madvise;
	case OP_MLOCK: case OP_MLOCKALL: return legal_mlock;
	case OP_MSEAL: return legal_munmap;
	case OP_MSYNC: return legal_msync;
	case OP_WRITE: case OP_READ: return legal_access;
	case OP_FORK: return legal_enomem;
	case OP_PIN: case OP_GUP: return legal_access;
	default: return legal_none;
	}
}

static long run_vas(struct fstate *st, struct call *c, unsigned long *out,
		    struct ref_access *acc)
{
	struct vas_mm_user *mm = st->mm[c->k].v.mm;
	struct vas_env *v = &st->mm[c->k].v;

	switch (c->kind) {
	case OP_MMAP:
		return vas_mmap(mm, c->addr, c->len, c->prot, c->flags,
				vas_env_file(v, c->fileid), c->off, out);
	case OP_DRIVER:
		return vas_mmap(mm, c->addr, c->len, c->prot, c->flags, st->drv,
				0, out);
	case OP_MUNMAP:
		return vas_munmap(mm, c->addr, c->len);
	case OP_MPROTECT:
		return vas_mprotect(mm, c->addr, c->len, c->prot);
	case OP_MREMAP:
		return vas_mremap(mm, c->addr, c->len, c->len2, c->flags,
				  c->new_addr, out);
	case OP_MADVISE:
		return vas_madvise(mm, c->addr, c->len, c->arg);
	case OP_MLOCK:
		switch (c->arg) {
		case 0: return vas_mlock(mm, c->addr, c->len);
		case 1: return vas_mlock2(mm, c->addr, c->len, VAS_MLOCK_ONFAULT);
		case 2: return vas_munlock(mm, c->addr, c->len);
		default: return vas_mlock2(mm, c->addr, c->len, 2);
		}
	case OP_MSEAL:
		return vas_mseal(mm, c->addr, c->len, (c->arg & 0xf0) == 0xf0);
	case OP_MSYNC:
		return vas_msync(mm, c->addr, c->len,
				 (int[]){ VAS_MS_ASYNC, VAS_MS_SYNC,
					  VAS_MS_INVALIDATE,
					  VAS_MS_SYNC | VAS_MS_INVALIDATE,
					  VAS_MS_ASYNC | VAS_MS_SYNC, 0x10 }[c->arg % 6]);
	case OP_WRITE:
		return vas_env_write(v, c->addr, c->len, c->arg, acc);
	case OP_READ:
		if (c->len > NPG * P)
			c->len = NPG * P;
		return vas_env_read(v, c->addr, c->len, acc);
	case OP_ZAP:
		return do_zap(st, c);
	case OP_FORK:
		return do_fork(st, c);
	case OP_EXIT:
		do_exit(st, c);
		return 0;
	case OP_PIN:
		return do_gup(st, c, true);
	case OP_GUP:
		return do_gup(st, c, false);
	case OP_UNPIN:
		if (st->npins) {
			unsigned long n = (unsigned long)c->arg % st->npins + 1;

			vas_unpin_user_pages(st->pins + st->npins - n, n,
					     c->arg & 1);
			st->npins -= n;
		}
		return 0;
	case OP_BRK: {
		unsigned long brk;
		int err = vas_brk(mm, BRK_START + (unsigned long)(c->arg % 24) * P +
					      (c->arg >= 0xf0 ? 7 : 0), &brk);

		if (!err && (brk < BRK_START || brk > BRK_START + 25 * P))
			FAIL(st, "brk: break %#lx", brk);
		return err;
	}
	case OP_MLOCKALL:
		if (c->arg & 0x80)
			return vas_munlockall(mm);
		return vas_mlockall(mm, c->arg & 7);
	case OP_FAIL:
	case OP_NR:
		break;
	}
	return 0;
}

/* The kinds the model cannot follow at all (it stops). */
static bool unmodelled_kind(const struct call *c)
{
	return c->kind == OP_DRIVER || c->kind == OP_PIN || c->kind == OP_GUP ||
	       c->kind == OP_BRK || c->kind == OP_MLOCKALL ||
	       c->kind == OP_UNPIN;
}

/*
 * Calls whose model side is done after vas's (zap, fork, exit) or is
 * nothing (msync changes nothing the model keeps); their results are not
 * compared.
 */
static bool vas_only(const struct call *c)
{
	return c->kind == OP_ZAP || c->kind == OP_FORK || c->kind == OP_EXIT ||
	       c->kind == OP_MSYNC;
}

static void run_one(struct fstate *st, struct call *c)
{
	static struct pstate before[NMM][NPG];
	struct fmm *f = &st->mm[c->k];
	struct ref_access macc = { 0 }, vacc = { 0 };
	unsigned long mout = 0, vout = 0, fired;
	bool strict = false, inject = false;
	int mret = -REF_EUNMODELLED;
	long vret;

	st->opname = op_names[c->kind];
	if (c->kind == OP_FAIL) {
		st->fail_nth = (unsigned long)c->arg;
		return;
	}
	if (!f->alive) {	/* the call goes to a live one */
		for (c->k = 0; !st->mm[c->k].alive; c->k++)
			;
		f = &st->mm[c->k];
	}
	if (st->model_mode && !f->full && c->kind != OP_READ &&
	    c->kind != OP_WRITE && c->kind != OP_ZAP && c->kind != OP_FORK &&
	    c->kind != OP_EXIT) {
		/* mapping calls go to the address space the model follows */
		for (int k = 0; k < NMM; k++)
			if (st->mm[k].alive && st->mm[k].full)
				c->k = k;
		f = &st->mm[c->k];
	}
	if (c->kind == OP_DRIVER) {
		st->d.flavour = c->arg & 7;
		st->d.pattern = (unsigned char)(c->arg & 0xf8);
		st->d.fail = (c->arg & 0xc0) == 0xc0 ? -EACCES : 0;
	}
	if (st->fail_nth && c->kind != OP_EXIT && c->kind != OP_UNPIN &&
	    c->kind != OP_ZAP) {
		inject = true;
		strict = strict_on_enomem(st, c);
		if (strict)
			for (int k = 0; k < NMM; k++)
				if (st->mm[k].alive)
					snapshot(st, k, before[k]);
	}
	if (unmodelled_kind(c))
		drop_models(st, op_names[c->kind]);
	if (vas_only(c)) {
		mret = 0;	/* the model's side: after vas's call */
	} else {
		mret = run_model(st, c, &mout, &macc);
		if (mret == -REF_EUNMODELLED)
			drop_models(st, "unmodelled call");
	}
	fired = vas_fail_fired();
	if (inject)
		vas_fail_nth(st->fail_nth);
	vret = run_vas(st, c, &vout, &vacc);
	if (inject) {
		vas_fail_nth(0);
		st->fail_nth = 0;
	}
	fired = vas_fail_fired() - fired;
	if (verbose)
		fprintf(stderr, "op %ld: %s mm %d %#lx %#lx %#lx %#x %#x -> %ld (model %d)%s\n",
			st->opno, op_names[c->kind], c->k, c->addr, c->len,
			c->len2, c->prot, c->flags, vret, mret,
			fired ? " [injected]" : "");
	check_errno(st, vret, legal_of(c->kind), fired);
	if (c->kind == OP_MMAP && !vret && (c->flags & VAS_MAP_FIXED) &&
	    vout != c->addr)
		FAIL(st, "MAP_FIXED mapped at %#lx, not %#lx", vout, c->addr);
	if (fired) {
		if (vret == -ENOMEM && strict)
			for (int k = 0; k < NMM; k++)
				if (st->mm[k].alive)
					expect_unchanged(st, k, before[k]);
		if (vret == -ENOMEM || (c->kind == OP_FORK && vret) ||
		    may_populate(c))
			drop_models(st, "injected failure");
	}
	/* the model's side of zap, fork, exit: done by run_vas() */
	if (st->modelled && c->kind == OP_ZAP && f->m && c->len)
		model_zap(f->m, c->addr, c->len);
	check_invariants(st);
	if (!st->modelled || mret == -REF_EUNMODELLED)
		return;
	if (!vas_only(c)) {
		if (mret != vret || (!mret && mout != vout))
			FAIL(st, "mm %d: model %d (out %#lx), vas %ld (out %#lx)",
			     c->k, mret, mout, vret, vout);
		if ((c->kind == OP_READ || c->kind == OP_WRITE) &&
		    (macc.signo != vacc.signo ||
		     (mret && macc.fault_addr != vacc.fault_addr) ||
		     (!mret && macc.hash != vacc.hash)))
			FAIL(st, "mm %d: access: model signal %d at %#lx hash %016llx, vas signal %d at %#lx hash %016llx",
			     c->k, macc.signo, macc.fault_addr,
			     (unsigned long long)macc.hash, vacc.signo,
			     vacc.fault_addr, (unsigned long long)vacc.hash);
	}
	for (int k = 0; k < NMM; k++)
		check_model(st, k, k == c->k || c->kind == OP_FORK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fstate *st;
	struct call c;

	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			abort();
		verbose = getenv("VAS_FUZZ_VERBOSE") != NULL;
	}
	setup(st, data, size);
	for (st->opno = 0; st->p < st->end && st->opno < MAXOPS; st->opno++) {
		decode(st, &c);
		run_one(st, &c);
	}
	teardown(st);
	return 0;
}
