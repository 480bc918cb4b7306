// SPDX-License-Identifier: MIT
/*
 * bench_fault.c - page faults, fork and munmap of touched memory on vas
 * against the host kernel, in one run, as the ratio kernel time / vas time
 * (higher is better for vas).
 *
 * Kernel side: real faults, mmap, madvise, fork in a private window of this
 * process at 0x200000000000 (THP disabled with prctl). vas side: the same
 * operations on a vas address space at the same addresses, one byte per
 * page through vas_fill (a store) or vas_read (a load), one call per page,
 * so each page costs one fault entry as a hardware fault would.
 *
 * Single-thread figures (median, and minimum, over --reps repetitions; a
 * repetition runs rounds until --min-time seconds of timed work have added
 * up; kernel and vas repetitions alternate, so both see the same machine):
 *   1. first write to each page of a fresh private anonymous mapping
 *      (allocate, zero, map), ns per fault; also with vas_fault instead
 *      of vas_fill, and over a 2 MiB region (frames stay in the caches);
 *   2. first read of each page of a fresh anonymous mapping (zero page);
 *   3. first write to each page of a MAP_PRIVATE mapping of a host file of
 *      --file-mib MiB whose pages are cached (copy on write from the page
 *      cache; vas: vas_file_open_host on the same descriptor);
 *   4. write to each page after MADV_DONTNEED of the whole region;
 *   5. fork of an address space with N = 100, 1,000, 10,000 one-page VMAs
 *      (one-page gaps, each written once): the fork call alone (kernel:
 *      fork() until it returns in the parent; vas: vas_mm_fork) and fork
 *      + exit + wait (kernel: the child _exits at once, the parent
 *      waitpid()s; vas: vas_mm_fork + vas_mm_put of the child), us per
 *      fork. The kernel forks run first, before any vas frame is touched,
 *      so the kernel does not also copy vas's memory; the calling thread
 *      is pinned to one CPU for both sides (as kbench's 7a-7d); and the
 *      cost of each VMA beyond 100, (time at 10,000 - time at 100) / 9,900,
 *      for the call and for fork + exit;
 *   6. munmap of a written region of --region-mib MiB, ns per page;
 *   7. write to each page of a written private anonymous region of
 *      --region-mib MiB shared with a child forked before the round (copy
 *      on write; kernel: the child waits on a pipe until the parent has
 *      written, then exits; vas: vas_mm_fork, vas_mm_put of the child after
 *      the round; neither fork nor exit is timed), ns per fault. The
 *      kernel's fork also write-protects this process's private memory,
 *      the library's own (page tables, struct pages: about 250 pages for
 *      64 MiB) included, so the first vas round after a kernel repetition
 *      takes that many host write faults, in a repetition of >= --min-time.
 *
 * Limits: the bare work a fault cannot avoid, timed in the same
 * repetitions as the fault rows they follow (one more side each after
 * kernel and vas: the same rounds, medians and minima), on as many pages
 * as the row's faults, one page at a time, in order:
 *   - zero a page (rep stosb on x86-64, as the library's clear_page, else
 *     memset) of frames of the same vas machine (vas_page_alloc: the same
 *     memory file, the same 4 KiB direct map the faults' frames come from),
 *     held for the whole run and zeroed round after round: used frames,
 *     as the fault's are (after the warm-up round, figure 1's faults get
 *     the frames the previous round's munmap freed, which the library
 *     zeroes: only never-used frames of the pool, known zero, are not);
 *     over --region-mib MiB they are cold in the caches when zeroed again,
 *     over 2 MiB cache-resident, as the fault's frames of that row are;
 *   - copy a page (memcpy of 4096 bytes, as the COW copy is compiled):
 *     for 3, from frames holding the file's bytes to frames as many, both
 *     warm from the round before, as the page cache pages and the copies
 *     of a file of --file-mib MiB are; for 7, from --region-mib MiB of
 *     frames to as many others, cold;
 *   - store a PTE: one 8-byte store per page into a page-table-like array
 *     (512 entries per 4 KiB table).
 * After the limit rows, "fault time / limit": each side's time over the
 * sum of the two (zero or copy, plus the PTE store), median over median
 * and minimum over minimum. Then limit': the zeroing or the copy with one
 * atomic (lock add) after each page, as no fault can install its entry
 * without one (Linux takes the PTE lock) and on x86 the atomic waits for
 * the stores before it; and the ratio to it plus the PTE store.
 *
 * Scalability (faults per second, higher is better): threads write their
 * own region of --scal-mib MiB (mapped fresh before each round, unmapped
 * after, by the main thread, untimed), one byte per page; a round's time
 * runs from the first thread's start to the last thread's end. Configs:
 * 1 faulting thread; 2 faulting threads; 1 faulting thread while a second
 * loops mmap + munmap of one page 64 GiB away in the same address space;
 * 1 faulting thread while a second only spins (the control for the host's
 * noise: a busy second vCPU slows the first on this machine). vas runs
 * them on two machines: the default one (faults take the per-VMA read
 * lock) and one with fault_mmap_lock_only (faults take the mmap read lock,
 * as without CONFIG_PER_VMA_LOCK). Repetitions are interleaved across all
 * configurations and sides. Also reported: each faulting thread's CPU
 * share (its CPU time over its wall time: below 1 it was preempted, or
 * on the mmap-lock path slept on the lock), and vas's lock-path counters.
 *
 * Every figure is checked once outside the timing (RSS counts, bytes).
 * The last line gives the CPU time the rest of the machine used meanwhile
 * (/proc/stat less this process): the machine is shared.
 *
 * Usage: bench_fault [--min-time S] [--reps N] [--region-mib M]
 *                    [--scal-mib M] [--file-mib M] [--only LIST] [--smoke]
 * --only takes figure ids separated by commas: 1,2,3,4,5,6,7,scal (the
 * limits come with 1, 3 and 7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vas/vas.h>

#define W 0x200000000000UL
#define P 4096UL
#define GIB (1UL << 30)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define MAX_REPS 15

static double min_time = 0.2;
static int reps = 5;
static int smoke;
static unsigned long region = 64UL << 20;	/* single-thread faults, munmap */
static unsigned long scal_region = 16UL << 20;	/* per faulting thread */
static unsigned long file_bytes = 8UL << 20;
static const char *only;	/* --only: comma-separated figures to run */

static struct vas_machine *mach;	/* per-VMA locks (default) */
static struct vas_mm_user *mm;
static struct vas_file *vfile;
static int file_fd = -1;

/* ---- helpers ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_fault: %s failed (%s)\n", what, strerror(errno));
	exit(1);
}

static void die_err(const char *what, int err)
{
	fprintf(stderr, "bench_fault: %s failed (%s)\n", what, strerror(-err));
	exit(1);
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_fault: check failed: %s\n", what);
		exit(1);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return v[n / 2];
}

/*
 * One figure: [0] kernel, [1] vas, [2..] the limits measured with it
 * (measure_lim()); median and minimum over repetitions.
 */
#define MAX_LIMS 3
struct fig {
	double med[2 + MAX_LIMS], min[2 + MAX_LIMS];
};

/* Sorts @v. */
static void fig_set(struct fig *f, int side, double *v, int n)
{
	f->med[side] = median(v, n);
	f->min[side] = v[0];
}

/* ---- the operations, on either side ------------------------------------ */

static unsigned long do_mmap(struct vas_mm_user *m, unsigned long addr,
			     unsigned long len, int prot, int flags, int fd,
			     struct vas_file *file)
{
	unsigned long a;
	int err;

	if (!m) {
		void *p = mmap((void *)addr, len, prot, flags, fd, 0);

		if (p == MAP_FAILED)
			die("mmap");
		if ((flags & MAP_FIXED_NOREPLACE) && (unsigned long)p != addr)
			die("mmap at the window");
		return (unsigned long)p;
	}
	err = vas_mmap(m, addr, len, prot, flags, file, 0, &a);
	if (err)
		die_err("vas_mmap", err);
	return a;
}

static void do_munmap(struct vas_mm_user *m, unsigned long a, unsigned long len)
{
	int err = m ? vas_munmap(m, a, len) : (munmap((void *)a, len) ? -errno : 0);

	if (err)
		die_err("munmap", err);
}

static void do_madvise(struct vas_mm_user *m, unsigned long a,
		       unsigned long len, int advice)
{
	int err = m ? vas_madvise(m, a, len, advice)
		    : (madvise((void *)a, len, advice) ? -errno : 0);

	if (err)
		die_err("madvise", err);
}

/* One store per page (a write fault each, on first touch). */
static void touch_write(struct vas_mm_user *m, unsigned long a,
			unsigned long len)
{
	unsigned long end = a + len;

	if (!m) {
		for (; a < end; a += P)
			*(volatile char *)a = 1;
		return;
	}
	for (; a < end; a += P) {
		int err = vas_fill(m, a, 1, 1, NULL);

		if (err)
			die_err("vas_fill", err);
	}
}

/* One load per page; returns the sum so nothing is optimised away. */
static unsigned long touch_read(struct vas_mm_user *m, unsigned long a,
				unsigned long len)
{
	unsigned long end = a + len, sum = 0;

	if (!m) {
		for (; a < end; a += P)
			sum += *(volatile unsigned char *)a;
		return sum;
	}
	for (; a < end; a += P) {
		unsigned char c;
		int err = vas_read(m, a, &c, 1, NULL);

		if (err)
			die_err("vas_read", err);
		sum += c;
	}
	return sum;
}

static unsigned char peek(struct vas_mm_user *m, unsigned long a)
{
	unsigned char c;

	if (!m)
		return *(volatile unsigned char *)a;
	if (vas_read(m, a, &c, 1, NULL))
		die("vas_read");
	return c;
}

static long rss_anon(struct vas_mm_user *m)
{
	return vas_mm_rss(m, VAS_RSS_ANON);
}

/* ---- measuring ------------------------------------------------------------ */

/* What one timed round did: time and operations. */
struct sample {
	double ns;
	long ops;
};

typedef void (*round_fn)(struct vas_mm_user *m, struct sample *s);

/*
 * Median ns per op of @fn on both sides, and of the @nlim limit rounds
 * @lim (called with no address space: they work on the limit frames).
 * Repetitions alternate kernel, vas, then each limit; each runs rounds
 * until @scale * min_time seconds of timed work. One untimed warm-up round
 * each first (it also lets @fn check its results).
 */
static struct fig measure_lim(round_fn fn, double scale, const round_fn *lim,
			      int nlim)
{
	struct fig f = { { 0 }, { 0 } };
	double v[2 + MAX_LIMS][MAX_REPS];
	struct sample s;

	fn(NULL, &s);
	fn(mm, &s);
	for (int i = 0; i < nlim; i++)
		lim[i](NULL, &s);
	for (int r = 0; r < reps; r++) {
		for (int side = 0; side < 2 + nlim; side++) {
			struct vas_mm_user *m = side == 1 ? mm : NULL;
			round_fn f1 = side < 2 ? fn : lim[side - 2];
			double ns = 0;
			long ops = 0;

			do {
				f1(m, &s);
				ns += s.ns;
				ops += s.ops;
			} while (ns < scale * min_time * 1e9);
			v[side][r] = ns / (double)ops;
		}
	}
	for (int side = 0; side < 2 + nlim; side++)
		fig_set(&f, side, v[side], reps);
	return f;
}

/* Kernel and vas alone (no limits). */
static struct fig measure2(round_fn fn, double scale)
{
	return measure_lim(fn, scale, NULL, 0);
}

/* Whether figure @id ("1".."6", "scal") was asked for (all by default). */
static bool want(const char *id)
{
	size_t n = strlen(id);

	if (!only)
		return true;
	for (const char *p = only; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, id, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* ---- output --------------------------------------------------------------- */

static void header(const char *title, const char *unit)
{
	printf("\n%-56s %10s %30s\n", title, unit, "minimum of the repetitions");
	printf("%-56s %10s %10s %7s %10s %10s %7s\n", "", "kernel", "vas",
	       "k/vas", "kernel", "vas", "k/vas");
}

static void row(const char *name, struct fig f)
{
	printf("%-56s %10.1f %10.1f %7.2f %10.1f %10.1f %7.2f\n", name,
	       f.med[0], f.med[1], f.med[0] / f.med[1], f.min[0], f.min[1],
	       f.min[0] / f.min[1]);
	fflush(stdout);
}

/*
 * A fault row, then its limits (in the vas columns: they are one figure)
 * and each side's fault time over the limits' sum.
 */
static void lim_line(const char *name, double med, double min)
{
	printf("  %-54s %10s %10.1f %7s %10s %10.1f\n", name, "", med, "", "",
	       min);
}

static void ratio_line(const char *name, struct fig f, double med, double min)
{
	printf("  %-54s %10.2f %10.2f %7s %10.2f %10.2f\n", name,
	       f.med[0] / med, f.med[1] / med, "", f.min[0] / min,
	       f.min[1] / min);
}

/*
 * A fault row, then its limits (in the vas columns: they are one figure)
 * and each side's time over the sum of the first two (the work: zero or
 * copy; the PTE store). A third limit, the work followed by one atomic per
 * page, is shown apart with its own ratio (with the PTE store).
 */
static void row_lim(const char *name, struct fig f, const char *const *lim,
		    int nlim)
{
	char line[192];
	double med = 0, min = 0;

	row(name, f);
	for (int i = 0; i < nlim && i < 2; i++) {
		snprintf(line, sizeof(line), "limit: %s", lim[i]);
		lim_line(line, f.med[2 + i], f.min[2 + i]);
		med += f.med[2 + i];
		min += f.min[2 + i];
	}
	ratio_line("fault time / limit (the two limits' sum)", f, med, min);
	if (nlim > 2) {
		snprintf(line, sizeof(line), "limit': %s", lim[2]);
		lim_line(line, f.med[4], f.min[4]);
		ratio_line("fault time / (limit' + PTE store)", f,
			   f.med[4] + f.med[3], f.min[4] + f.min[3]);
	}
	fflush(stdout);
}

/* ---- 1-4, 6, 7: single-thread faults ------------------------------------- */

static bool checked[2][8];	/* [side][figure]: results verified once */

static void round_anon_write(struct vas_mm_user *m, struct sample *s)
{
	unsigned long a = do_mmap(m, W, region, RW, ANON | MAP_FIXED_NOREPLACE,
				  -1, NULL);
	double t0 = now();

	touch_write(m, a, region);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(region / P);
	if (!checked[!!m][1]) {
		check(peek(m, a + region - P) == 1, "anon write: byte");
		check(!m || rss_anon(m) == (long)(region / P), "anon write: rss");
		checked[!!m][1] = true;
	}
	do_munmap(m, a, region);
}

/* As round_anon_write over a 2 MiB region, which stays in the caches. */
static void round_anon_write_small(struct vas_mm_user *m, struct sample *s)
{
	unsigned long saved = region;

	region = region < (2UL << 20) ? region : 2UL << 20;
	round_anon_write(m, s);
	region = saved;
}

/* vas_fault(VAS_FAULT_WRITE) instead of a one-byte vas_fill. */
static void round_anon_fault(struct vas_mm_user *m, struct sample *s)
{
	unsigned long a, end;
	double t0;

	if (!m) {
		round_anon_write(m, s);
		return;
	}
	a = do_mmap(m, W, region, RW, ANON | MAP_FIXED_NOREPLACE, -1, NULL);
	end = a + region;
	t0 = now();
	for (unsigned long p = a; p < end; p += P)
		if (vas_fault(m, p, VAS_FAULT_WRITE, NULL))
			die("vas_fault");
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(region / P);
	check(rss_anon(m) == (long)(region / P), "vas_fault: rss");
	do_munmap(m, a, region);
}

static void round_anon_read(struct vas_mm_user *m, struct sample *s)
{
	unsigned long a = do_mmap(m, W, region, RW, ANON | MAP_FIXED_NOREPLACE,
				  -1, NULL), sum;
	double t0 = now();

	sum = touch_read(m, a, region);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(region / P);
	check(sum == 0, "zero-page read: bytes");
	if (!checked[!!m][2]) {
		check(!m || rss_anon(m) == 0, "zero-page read: rss");
		checked[!!m][2] = true;
	}
	do_munmap(m, a, region);
}

static unsigned char file_byte(unsigned long page)
{
	return (unsigned char)(0x40 + page % 61);
}

static void round_file_cow(struct vas_mm_user *m, struct sample *s)
{
	unsigned long a = do_mmap(m, W, file_bytes, RW,
				  MAP_PRIVATE | MAP_FIXED_NOREPLACE, file_fd,
				  vfile);
	double t0 = now();

	touch_write(m, a, file_bytes);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(file_bytes / P);
	if (!checked[!!m][3]) {
		unsigned long last = file_bytes / P - 1;
		unsigned char c[2] = { 0, 0 };

		check(peek(m, a + last * P) == 1, "file COW: byte");
		check(peek(m, a + last * P + 1) == file_byte(last),
		      "file COW: copied bytes");
		check(!m || rss_anon(m) == (long)(file_bytes / P),
		      "file COW: rss");
		/* the file itself is unchanged */
		if (m)
			check(vas_file_pread(vfile, c, 1, (off_t)(last * P)) == 1,
			      "vas_file_pread");
		else
			check(pread(file_fd, c, 1, (off_t)(last * P)) == 1,
			      "pread");
		check(c[0] == file_byte(last), "file COW: file unchanged");
		checked[!!m][3] = true;
	}
	do_munmap(m, a, file_bytes);
}

/* Set up by the caller: the region mapped and written once. */
static void round_dontneed(struct vas_mm_user *m, struct sample *s)
{
	double t0;

	do_madvise(m, W, region, MADV_DONTNEED);
	if (!checked[!!m][4]) {
		check(peek(m, W) == 0, "dontneed: zero after");
		check(!m || rss_anon(m) == 0, "dontneed: rss");
		do_madvise(m, W, region, MADV_DONTNEED);
	}
	t0 = now();
	touch_write(m, W, region);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(region / P);
	if (!checked[!!m][4]) {
		check(!m || rss_anon(m) == (long)(region / P), "refault: rss");
		checked[!!m][4] = true;
	}
}

static void round_munmap(struct vas_mm_user *m, struct sample *s)
{
	unsigned long a = do_mmap(m, W, region, RW, ANON | MAP_FIXED_NOREPLACE,
				  -1, NULL);
	double t0;

	touch_write(m, a, region);
	t0 = now();
	do_munmap(m, a, region);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)(region / P);
	if (!checked[!!m][6]) {
		check(!m || rss_anon(m) == 0, "munmap: rss");
		checked[!!m][6] = true;
	}
}

/* Set up by the caller: the region mapped at W and written. */
static void round_fork_cow(struct vas_mm_user *m, struct sample *s)
{
	bool first = !checked[!!m][7];
	unsigned long last = W + region - P;
	double t0;

	/* the first time, the child must keep a 2 where the parent writes 1 */
	if (first && !m)
		*(volatile char *)last = 2;
	else if (first && vas_fill(m, last, 2, 1, NULL))
		die("vas_fill");
	if (!m) {
		int pfd[2], st;
		pid_t pid;
		char c;

		if (pipe(pfd))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {	/* keeps the pages shared until told */
			close(pfd[1]);
			if (read(pfd[0], &c, 1) < 0)
				_exit(2);
			_exit(*(volatile char *)last == (first ? 2 : 1) ? 0 : 1);
		}
		close(pfd[0]);
		t0 = now();
		touch_write(NULL, W, region);
		s->ns = (now() - t0) * 1e9;
		close(pfd[1]);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			die("fork COW: the child's bytes");
	} else {
		struct vas_mm_user *child;
		int err = vas_mm_fork(m, &child);

		if (err)
			die_err("vas_mm_fork", err);
		t0 = now();
		touch_write(m, W, region);
		s->ns = (now() - t0) * 1e9;
		if (first) {
			check(peek(child, last) == 2, "fork COW: child's byte");
			check(rss_anon(child) == (long)(region / P) &&
			      rss_anon(m) == (long)(region / P), "fork COW: rss");
		}
		vas_mm_put(child);
	}
	s->ops = (long)(region / P);
	if (first) {
		check(peek(m, last) == 1, "fork COW: parent's byte");
		checked[!!m][7] = true;
	}
}

/* ---- the limits ------------------------------------------------------------ */

/*
 * Frames of the vas machine for the limits (see the top), held all run:
 * lim_a[i], lim_b[i] (region / P each) and lim_f[i] (file_bytes / P) are
 * their direct-map addresses. lim_n: pages per limit round, the row's.
 */
static struct vas_page **lim_pages;
static unsigned long lim_nr_pages;
static unsigned char **lim_a, **lim_b, **lim_f;
static uint64_t *lim_pte;
static unsigned long lim_n;

/* clear_page() as the library does it. */
static inline void zero_page(void *p)
{
#if defined(__x86_64__)
	void *d = p;
	unsigned long n = P;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0) : "memory");
#else
	memset(p, 0, P);
	__asm__ volatile("" : : "r"(p) : "memory");
#endif
}

static unsigned char **lim_frames(unsigned long n)
{
	unsigned char **v = calloc(n, sizeof(*v));

	if (!v)
		die("calloc");
	for (unsigned long i = 0; i < n; i++) {
		struct vas_page *pg = vas_page_alloc(mach);

		if (!pg)
			die("vas_page_alloc");
		lim_pages[lim_nr_pages++] = pg;
		v[i] = vas_page_address(pg);
	}
	return v;
}

static void lim_setup(void)
{
	unsigned long rn = region / P, fn = file_bytes / P;

	lim_pages = calloc(2 * rn + fn, sizeof(*lim_pages));
	lim_pte = aligned_alloc(P, rn * sizeof(uint64_t));
	if (!lim_pages || !lim_pte)
		die("calloc");
	memset(lim_pte, 0, rn * sizeof(uint64_t));
	lim_a = lim_frames(rn);
	lim_b = lim_frames(rn);
	lim_f = lim_frames(fn);
	for (unsigned long i = 0; i < fn; i++)
		memset(lim_f[i], file_byte(i), P);
}

static void lim_teardown(void)
{
	for (unsigned long i = 0; i < lim_nr_pages; i++)
		vas_page_put(lim_pages[i]);
	free(lim_pages);
	free(lim_a);
	free(lim_b);
	free(lim_f);
	free(lim_pte);
}

static void round_lim_zero(struct vas_mm_user *m, struct sample *s)
{
	double t0 = now();

	(void)m;
	for (unsigned long i = 0; i < lim_n; i++)
		zero_page(lim_a[i]);
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)lim_n;
}

/* Copy lim_n pages from @src[i] to lim_b[i]. */
static void lim_copy(unsigned char **src, struct sample *s)
{
	double t0 = now();

	for (unsigned long i = 0; i < lim_n; i++)
		memcpy(lim_b[i], src[i], P);
	__asm__ volatile("" : : : "memory");
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)lim_n;
}

static void round_lim_copy_file(struct vas_mm_user *m, struct sample *s)
{
	(void)m;
	lim_copy(lim_f, s);
}

static void round_lim_copy_anon(struct vas_mm_user *m, struct sample *s)
{
	(void)m;
	lim_copy(lim_a, s);
}

static void round_lim_pte(struct vas_mm_user *m, struct sample *s)
{
	volatile uint64_t *pte = lim_pte;
	double t0 = now();

	(void)m;
	for (unsigned long i = 0; i < lim_n; i++)
		pte[i] = ((0x100000UL + i) << 12) | 0x67;	/* P RW U A D */
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)lim_n;
}

/*
 * The same work, each page followed by one atomic (lock add) on a line of
 * its own: a fault cannot install its entry without one (Linux takes the
 * PTE lock), and an x86 atomic waits until the stores before it, the
 * zeroing's or the copy's, have reached the cache.
 */
static long lim_atomic_word[16] __attribute__((aligned(64)));

static void round_lim_zero_atomic(struct vas_mm_user *m, struct sample *s)
{
	double t0 = now();

	(void)m;
	for (unsigned long i = 0; i < lim_n; i++) {
		zero_page(lim_a[i]);
		__atomic_fetch_add(&lim_atomic_word[0], 1, __ATOMIC_RELAXED);
	}
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)lim_n;
}

static void lim_copy_atomic(unsigned char **src, struct sample *s)
{
	double t0 = now();

	for (unsigned long i = 0; i < lim_n; i++) {
		memcpy(lim_b[i], src[i], P);
		__atomic_fetch_add(&lim_atomic_word[0], 1, __ATOMIC_RELAXED);
	}
	s->ns = (now() - t0) * 1e9;
	s->ops = (long)lim_n;
}

static void round_lim_copy_file_atomic(struct vas_mm_user *m, struct sample *s)
{
	(void)m;
	lim_copy_atomic(lim_f, s);
}

static void round_lim_copy_anon_atomic(struct vas_mm_user *m, struct sample *s)
{
	(void)m;
	lim_copy_atomic(lim_a, s);
}

static const round_fn lim_zero[] = { round_lim_zero, round_lim_pte,
				     round_lim_zero_atomic };
static const round_fn lim_file[] = { round_lim_copy_file, round_lim_pte,
				     round_lim_copy_file_atomic };
static const round_fn lim_anon[] = { round_lim_copy_anon, round_lim_pte,
				     round_lim_copy_anon_atomic };

/* A fault row with its limits over @pages pages. */
static void fault_row(const char *name, round_fn fn, const round_fn *lim,
		      const char *lim_name, unsigned long pages)
{
	char with[128];
	const char *names[3] = { lim_name, "PTE store, 8 bytes per page", with };

	snprintf(with, sizeof(with), "%s, then one atomic",
		 strncmp(lim_name, "zero", 4) ? "the copy" : "the zeroing");
	lim_n = pages;
	row_lim(name, measure_lim(fn, 1, lim, 3), names, 3);
}

static void make_file(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300];
	unsigned char *buf;
	int err;

	snprintf(dir, sizeof(dir), "%s/bench_fault.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/file", dir);
	file_fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (file_fd < 0)
		die("open");
	buf = malloc(file_bytes);
	if (!buf)
		die("malloc");
	for (unsigned long i = 0; i < file_bytes; i++)
		buf[i] = file_byte(i / P);
	if (pwrite(file_fd, buf, file_bytes, 0) != (ssize_t)file_bytes)
		die("pwrite");
	free(buf);
	/* the descriptors keep it; nothing is left behind on exit */
	unlink(path);
	rmdir(dir);
	err = vas_file_open_host(mach, file_fd, VAS_FMODE_READ | VAS_FMODE_WRITE,
				 "bench_fault.file", &vfile);
	if (err)
		die_err("vas_file_open_host", err);
}

/* ---- 5: fork -------------------------------------------------------------- */

static const int fork_ns[] = { 100, 1000, 10000 };
#define NR_FORK 3
/* us per fork: [N][0] fork call, [N][1] fork + exit + wait */
static struct fig forkfig[NR_FORK][2];
static cpu_set_t saved_cpus;

static void pin(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof(saved_cpus), &saved_cpus))
		die("sched_getcpu");
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		die("sched_setaffinity");
}

static void unpin(void)
{
	if (sched_setaffinity(0, sizeof(saved_cpus), &saved_cpus))
		die("sched_setaffinity");
}

/* N one-page VMAs at W with one-page gaps, each written once. */
static void gapped_map(struct vas_mm_user *m, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned long a = do_mmap(m, W + 2UL * (unsigned long)i * P, P,
					  RW, ANON | MAP_FIXED_NOREPLACE, -1,
					  NULL);

		touch_write(m, a, P);
	}
}

static void gapped_unmap(struct vas_mm_user *m, int n)
{
	do_munmap(m, W, 2UL * (unsigned long)n * P);
}

/* Fork-call and fork+exit times of one side with n VMAs, us. */
static void fork_side(struct vas_mm_user *m, int n, struct fig out[2])
{
	double call[MAX_REPS], full[MAX_REPS];

	for (int r = -1; r < reps; r++) {	/* r == -1: warm-up */
		double c = 0, f = 0;
		long forks = 0;

		do {
			double t0 = now(), t1, t2;

			if (!m) {
				int st;
				pid_t pid = fork();

				if (pid < 0)
					die("fork");
				if (pid == 0)
					_exit(0);
				t1 = now();
				if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
					die("waitpid");
			} else {
				struct vas_mm_user *child;
				int err = vas_mm_fork(m, &child);

				if (err)
					die_err("vas_mm_fork", err);
				t1 = now();
				if (r < 0 && !forks)
					check(rss_anon(child) == n,
					      "fork: child rss");
				vas_mm_put(child);
			}
			t2 = now();
			c += t1 - t0;
			f += t2 - t0;
			forks++;
		} while (f < (r < 0 ? 0.0 : min_time));
		if (r >= 0) {
			call[r] = c * 1e6 / (double)forks;
			full[r] = f * 1e6 / (double)forks;
		}
	}
	fig_set(&out[0], !!m, call, reps);
	fig_set(&out[1], !!m, full, reps);
}

/* The kernel forks, before vas has touched any frame (see the top). */
static void fork_kernel_all(int nr)
{
	pin();
	for (int i = 0; i < nr; i++) {
		gapped_map(NULL, fork_ns[i]);
		fork_side(NULL, fork_ns[i], forkfig[i]);
		gapped_unmap(NULL, fork_ns[i]);
	}
	unpin();
}

static void fork_vas_all(int nr)
{
	pin();
	for (int i = 0; i < nr; i++) {
		gapped_map(mm, fork_ns[i]);
		check(rss_anon(mm) == fork_ns[i], "fork setup: rss");
		fork_side(mm, fork_ns[i], forkfig[i]);
		gapped_unmap(mm, fork_ns[i]);
	}
	unpin();
}

/* ---- scalability ----------------------------------------------------------- */

enum disturb { DISTURB_NONE, DISTURB_MMAP, DISTURB_SPIN };
#define MAX_FAULTERS 2
#define DISTURB_ADDR (W + 64 * GIB)

static struct {
	struct vas_mm_user *m;		/* NULL: the kernel */
	int n;
	pthread_t thread[MAX_FAULTERS];
	pthread_barrier_t start, done;
	bool quit;
	double t0[MAX_FAULTERS], t1[MAX_FAULTERS];
	double cpu[MAX_FAULTERS];	/* thread CPU time of the last round */
	pthread_t disturber;
	atomic_bool stop;
	atomic_long dops;
} team;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long scal_addr(int i)
{
	return W + (unsigned long)i * GIB;
}

static void *fault_thread(void *arg)
{
	int i = (int)(long)arg;

	for (;;) {
		pthread_barrier_wait(&team.start);
		if (team.quit)
			return NULL;
		double c0 = thread_cpu();

		team.t0[i] = now();
		touch_write(team.m, scal_addr(i), scal_region);
		team.t1[i] = now();
		team.cpu[i] = thread_cpu() - c0;
		pthread_barrier_wait(&team.done);
	}
}

static void *mmap_disturber(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&team.stop, memory_order_relaxed)) {
		do_mmap(team.m, DISTURB_ADDR, P, RW,
			ANON | MAP_FIXED_NOREPLACE, -1, NULL);
		do_munmap(team.m, DISTURB_ADDR, P);
		atomic_fetch_add_explicit(&team.dops, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *spin_disturber(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&team.stop, memory_order_relaxed))
		atomic_fetch_add_explicit(&team.dops, 1, memory_order_relaxed);
	return NULL;
}

/*
 * One repetition of one configuration on one side: a warm-up round, then
 * rounds until min_time of faulting. Return: k faults per second;
 * *@dkops: the disturber's k iterations per second meanwhile.
 */
/* Lock-path counters of the vas machines, summed per configuration. */
static const enum vas_stat lock_stats[] = {
	VAS_STAT_VMA_LOCK_SUCCESS, VAS_STAT_VMA_LOCK_ABORT,
	VAS_STAT_VMA_LOCK_MISS, VAS_STAT_VMA_LOCK_RETRY,
	VAS_STAT_MMAP_LOCK_READ, VAS_STAT_MMAP_LOCK_READ_CONTENDED,
	VAS_STAT_VMA_WRITE_WAIT,
	/* the mapper's write sections, and those whose VMA write locks did
	 * not fit in mm->locked_vmas (they move the mm_lock_seq that every
	 * fault reads: a cache miss for the faulter) */
	VAS_STAT_MMAP_LOCK_WRITE, VAS_STAT_MMAP_LOCK_WRITE_CONTENDED,
	VAS_STAT_MM_LOCK_SEQ_MOVED,
};
#define NR_LOCK_STATS (sizeof(lock_stats) / sizeof(lock_stats[0]))
static uint64_t lock_delta[NR_LOCK_STATS];
static long lock_faults;

static double scal_rep(struct vas_mm_user *m, int n, enum disturb d,
		       double *dkops, double *share)
{
	double cpu = 0, wall = 0;
	struct vas_machine *ma = m ? vas_mm_machine(vas_mm_from_user(m)) : NULL;
	double busy = 0, dtime = 0;
	long faults = 0, dops = 0;
	uint64_t st0[NR_LOCK_STATS];

	memset(&team, 0, sizeof(team));
	team.m = m;
	team.n = n;
	atomic_store(&team.stop, false);
	atomic_store(&team.dops, 0);
	pthread_barrier_init(&team.start, NULL, (unsigned)n + 1);
	pthread_barrier_init(&team.done, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&team.thread[i], NULL, fault_thread,
				   (void *)(long)i))
			die("pthread_create");
	if (d != DISTURB_NONE &&
	    pthread_create(&team.disturber, NULL,
			   d == DISTURB_MMAP ? mmap_disturber : spin_disturber,
			   NULL))
		die("pthread_create");
	/* the disturber runs before the first round starts */
	while (d != DISTURB_NONE && !atomic_load(&team.dops))
		sched_yield();

	for (int round = 0; round == 0 || busy < min_time; round++) {
		double first = 1e300, last = 0, m0, m1;
		long d0, d1;

		for (int i = 0; i < n; i++)
			do_mmap(m, scal_addr(i), scal_region, RW,
				ANON | MAP_FIXED_NOREPLACE, -1, NULL);
		if (ma)
			for (unsigned j = 0; j < NR_LOCK_STATS; j++)
				st0[j] = vas_stat_read(ma, lock_stats[j]);
		d0 = atomic_load(&team.dops);
		m0 = now();
		pthread_barrier_wait(&team.start);
		pthread_barrier_wait(&team.done);
		m1 = now();
		d1 = atomic_load(&team.dops);
		if (ma && round > 0) {
			for (unsigned j = 0; j < NR_LOCK_STATS; j++)
				lock_delta[j] += vas_stat_read(ma, lock_stats[j]) -
						 st0[j];
			lock_faults += n * (long)(scal_region / P);
		}
		for (int i = 0; i < n; i++) {
			first = team.t0[i] < first ? team.t0[i] : first;
			last = team.t1[i] > last ? team.t1[i] : last;
		}
		if (m && round == 0)
			check(rss_anon(m) == n * (long)(scal_region / P),
			      "scalability: rss");
		for (int i = 0; i < n; i++)
			do_munmap(m, scal_addr(i), scal_region);
		if (round == 0)
			continue;	/* warm-up */
		busy += last - first;
		faults += n * (long)(scal_region / P);
		for (int i = 0; i < n; i++) {
			cpu += team.cpu[i];
			wall += team.t1[i] - team.t0[i];
		}
		dops += d1 - d0;
		dtime += m1 - m0;
	}

	team.quit = true;
	pthread_barrier_wait(&team.start);
	for (int i = 0; i < n; i++)
		pthread_join(team.thread[i], NULL);
	if (d != DISTURB_NONE) {
		atomic_store(&team.stop, true);
		pthread_join(team.disturber, NULL);
	}
	pthread_barrier_destroy(&team.start);
	pthread_barrier_destroy(&team.done);
	*dkops = d != DISTURB_NONE ? (double)dops / dtime / 1e3 : 0;
	*share = cpu / wall;
	return (double)faults / busy / 1e3;
}

#define NR_SCAL 4
#define NR_SIDES 3	/* kernel, vas (per-VMA locks), vas (mmap lock only) */

/*
 * Every configuration on every side, repetitions interleaved (rep 0 of
 * all, then rep 1 of all, ...) so that a noisy stretch of the shared
 * machine hits all of them alike. Medians.
 */
static void scalability(struct vas_mm_user *mm_lockonly)
{
	static const struct {
		const char *name, *tag;
		int n;
		enum disturb d;
	} cfg[NR_SCAL] = {
		{ "1 faulting thread", "1 faulter", 1, DISTURB_NONE },
		{ "2 faulting threads (total)", "2 faulters", 2, DISTURB_NONE },
		{ "1 faulting thread + 1 mmap/munmap loop", "1 + mapper", 1,
		  DISTURB_MMAP },
		{ "1 faulting thread + 1 spinning thread", "1 + spinner", 1,
		  DISTURB_SPIN },
	};
	struct vas_mm_user *side_mm[NR_SIDES] = { NULL, mm, mm_lockonly };
	double rate[NR_SCAL][NR_SIDES][MAX_REPS];
	double drate[NR_SCAL][NR_SIDES][MAX_REPS];
	double share[NR_SCAL][NR_SIDES][MAX_REPS], sh[NR_SCAL][NR_SIDES];
	double f[NR_SCAL][NR_SIDES], df[NR_SCAL][NR_SIDES];
	/* per configuration and vas side: lock-path events per fault */
	double ev[NR_SCAL][NR_SIDES][NR_LOCK_STATS] = { { { 0 } } };
	long evf[NR_SCAL][NR_SIDES] = { { 0 } };

	for (int r = 0; r < reps; r++)
		for (int c = 0; c < NR_SCAL; c++)
			for (int sd = 0; sd < NR_SIDES; sd++) {
				memset(lock_delta, 0, sizeof(lock_delta));
				lock_faults = 0;
				rate[c][sd][r] = scal_rep(side_mm[sd], cfg[c].n,
							  cfg[c].d,
							  &drate[c][sd][r],
							  &share[c][sd][r]);
				for (unsigned j = 0; j < NR_LOCK_STATS; j++)
					ev[c][sd][j] += (double)lock_delta[j];
				evf[c][sd] += lock_faults;
			}
	for (int c = 0; c < NR_SCAL; c++)
		for (int sd = 0; sd < NR_SIDES; sd++) {
			f[c][sd] = median(rate[c][sd], reps);
			df[c][sd] = median(drate[c][sd], reps);
			sh[c][sd] = median(share[c][sd], reps);
		}

	printf("\n%-56s %9s %14s %14s\n",
	       "scalability: k faults/s, higher is better", "kernel",
	       "vas VMA lock", "vas mmap lock");
	for (int c = 0; c < NR_SCAL; c++)
		printf("%-56s %9.0f %14.0f %14.0f\n", cfg[c].name, f[c][0],
		       f[c][1], f[c][2]);
	printf("%-56s %9s %14.2f %14.2f\n",
	       "  1 thread: vas rate / kernel rate", "",
	       f[0][1] / f[0][0], f[0][2] / f[0][0]);
	printf("%-56s %9.2f %14.2f %14.2f\n", "  2 threads / 1 thread",
	       f[1][0] / f[0][0], f[1][1] / f[0][1], f[1][2] / f[0][2]);
	printf("%-56s %8.1f%% %13.1f%% %13.1f%%\n",
	       "  faulter's loss to the mapper, vs alone",
	       100 * (1 - f[2][0] / f[0][0]), 100 * (1 - f[2][1] / f[0][1]),
	       100 * (1 - f[2][2] / f[0][2]));
	printf("%-56s %8.1f%% %13.1f%% %13.1f%%\n",
	       "  faulter's loss to the mapper, vs the spinner",
	       100 * (1 - f[2][0] / f[3][0]), 100 * (1 - f[2][1] / f[3][1]),
	       100 * (1 - f[2][2] / f[3][2]));
	printf("%-56s %9.1f %14.1f %14.1f\n",
	       "  mapper: k mmap+munmap pairs/s while faulting", df[2][0],
	       df[2][1], df[2][2]);
	printf("  CPU share of each faulting thread while it faulted "
	       "(thread CPU time / its wall time):\n");
	for (int c = 0; c < NR_SCAL; c++)
		printf("    %-52s %9.2f %14.2f %14.2f\n", cfg[c].name, sh[c][0],
		       sh[c][1], sh[c][2]);
	printf("  the same per CPU-second of the faulting threads (k faults/s "
	       "divided by the CPU share):\n");
	for (int c = 0; c < NR_SCAL; c++)
		printf("    %-52s %9.0f %14.0f %14.0f\n", cfg[c].name,
		       f[c][0] / sh[c][0], f[c][1] / sh[c][1],
		       f[c][2] / sh[c][2]);
	printf("    %-52s %8.1f%% %13.1f%% %13.1f%%\n",
	       "faulter's loss to the mapper per CPU-second, vs alone",
	       100 * (1 - f[2][0] / sh[2][0] / (f[0][0] / sh[0][0])),
	       100 * (1 - f[2][1] / sh[2][1] / (f[0][1] / sh[0][1])),
	       100 * (1 - f[2][2] / sh[2][2] / (f[0][2] / sh[0][2])));
	printf("  vas lock-path events per 1000 faults (vas_stat counters; "
	       "the mapper's own mmap-lock takes included):\n");
	printf("    %-17s", "config, side");
	for (unsigned j = 0; j < NR_LOCK_STATS; j++)
		printf(" %s", vas_stat_name(lock_stats[j]));
	printf("\n");
	for (int c = 0; c < NR_SCAL; c++)
		for (int sd = 1; sd < NR_SIDES; sd++) {
			printf("    %-11s %-5s", cfg[c].tag,
			       sd == 1 ? "VMA" : "mmap");
			for (unsigned j = 0; j < NR_LOCK_STATS; j++)
				printf(" %*.1f", (int)strlen(vas_stat_name(
							lock_stats[j])),
				       evf[c][sd] ? ev[c][sd][j] * 1e3 /
							    (double)evf[c][sd]
						  : 0.0);
			printf("\n");
		}
	fflush(stdout);
}

/* ---- the rest of the machine --------------------------------------------- */

/* CPU seconds the whole machine has been busy (not idle nor iowait). */
static double machine_busy(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) < 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	/* user nice system [idle] [iowait] irq softirq steal */
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of this process and its reaped children. */
static double self_cpu(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec +
			b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
	       (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec +
			b.ru_utime.tv_usec + b.ru_stime.tv_usec) * 1e-6;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct vas_machine_config cfg;
	struct vas_machine *mach_lockonly;
	struct vas_mm_user *mm_lockonly;
	int nr_fork = NR_FORK, err;
	double t_start, busy_start, self_start, other, wall;
	char lname[120];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
			min_time = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--region-mib") && i + 1 < argc)
			region = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--scal-mib") && i + 1 < argc)
			scal_region = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--file-mib") && i + 1 < argc)
			file_bytes = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--smoke"))
			smoke = 1;
		else {
			fprintf(stderr, "usage: bench_fault [--min-time S] "
				"[--reps N] [--region-mib M] [--scal-mib M] "
				"[--file-mib M] [--only 1,2,3,4,5,6,7,scal] "
				"[--smoke]\n"
				"  figures 1, 3 and 7 come with their limits: "
				"zeroing, copying a page, a PTE store\n");
			return 2;
		}
	}
	if (smoke) {
		min_time = 0.002;
		reps = 1;
		region = scal_region = file_bytes = 1UL << 20;
		nr_fork = 2;
	}
	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	if (!region || !scal_region || !file_bytes || region > 1 * GIB ||
	    scal_region > 1 * GIB || file_bytes > 1 * GIB) {
		fprintf(stderr, "bench_fault: sizes must be 1..1024 MiB\n");
		return 2;
	}
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	t_start = now();
	busy_start = machine_busy();
	self_start = self_cpu();

	printf("# bench_fault: %d reps x >= %.3f s, median; ratio = kernel "
	       "time / vas time (higher is better for vas)\n", reps, min_time);
	printf("# fault region %lu MiB, file %lu MiB, scalability %lu MiB "
	       "per thread\n", region >> 20, file_bytes >> 20,
	       scal_region >> 20);
	fflush(stdout);

	/* The kernel forks first, while this process is still small. */
	if (want("5"))
		fork_kernel_all(nr_fork);

	/*
	 * Frames: the regions, the file and its copies, 10,000 VMAs; figure
	 * 7's region twice (parent and child); the limits' frames.
	 */
	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 5 * region + 3 * file_bytes + (256UL << 20);
	if ((err = vas_machine_create(&cfg, &mach)) ||
	    (err = vas_mm_create(mach, &mm)))
		die_err("setup", err);
	vas_machine_config_init(&cfg);
	cfg.frames_bytes = 2 * scal_region + (64UL << 20);
	cfg.fault_mmap_lock_only = true;
	if ((err = vas_machine_create(&cfg, &mach_lockonly)) ||
	    (err = vas_mm_create(mach_lockonly, &mm_lockonly)))
		die_err("setup", err);
	make_file();

	if (want("5"))
		fork_vas_all(nr_fork);

	if (want("1") || want("2") || want("3") || want("4") || want("7"))
		header("single thread", "ns/fault");
	if (want("1") || want("3") || want("7"))
		lim_setup();
	if (want("1")) {
		unsigned long small = region < (2UL << 20) ? region : 2UL << 20;

		snprintf(lname, sizeof(lname), "zero a used frame, %lu MiB (cold)",
			 region >> 20);
		fault_row("1. anon write fault, first touch (vas_fill 1 B)",
			  round_anon_write, lim_zero, lname, region / P);
		fault_row("1. anon write fault, first touch (vas_fault)",
			  round_anon_fault, lim_zero, lname, region / P);
		snprintf(lname, sizeof(lname),
			 "zero a used frame, %lu %s (cache-resident)",
			 small >= (1UL << 20) ? small >> 20 : small >> 10,
			 small >= (1UL << 20) ? "MiB" : "KiB");
		fault_row("1. the same (vas_fill), 2 MiB region: cache-resident",
			  round_anon_write_small, lim_zero, lname, small / P);
	}
	if (want("2")) {
		row("2. anon read fault, zero page (vas_read 1 B)",
		    measure2(round_anon_read, 1));
	}
	if (want("3")) {
		snprintf(lname, sizeof(lname),
			 "copy a page, %lu MiB of frames to as many (warm)",
			 file_bytes >> 20);
		fault_row("3. write fault, MAP_PRIVATE file (copy)",
			  round_file_cow, lim_file, lname, file_bytes / P);
	}
	if (want("4")) {
		do_mmap(NULL, W, region, RW, ANON | MAP_FIXED_NOREPLACE, -1,
			NULL);
		do_mmap(mm, W, region, RW, ANON | MAP_FIXED_NOREPLACE, -1, NULL);
		touch_write(NULL, W, region);
		touch_write(mm, W, region);
		row("4. write fault after MADV_DONTNEED",
		    measure2(round_dontneed, 1));
		do_munmap(NULL, W, region);
		do_munmap(mm, W, region);
	}
	if (want("7")) {
		do_mmap(NULL, W, region, RW, ANON | MAP_FIXED_NOREPLACE, -1,
			NULL);
		do_mmap(mm, W, region, RW, ANON | MAP_FIXED_NOREPLACE, -1, NULL);
		touch_write(NULL, W, region);
		touch_write(mm, W, region);
		snprintf(lname, sizeof(lname),
			 "copy a page, %lu MiB of frames to as many (cold)",
			 region >> 20);
		fault_row("7. write fault after fork, private anon (COW copy)",
			  round_fork_cow, lim_anon, lname, region / P);
		do_munmap(NULL, W, region);
		do_munmap(mm, W, region);
	}
	if (lim_pages)
		lim_teardown();

	if (want("5")) {
		header("fork (pinned to one CPU)", "us/fork");
		for (int i = 0; i < nr_fork; i++) {
			char name[80];

			snprintf(name, sizeof(name),
				 "5. fork call, %d one-page VMAs", fork_ns[i]);
			row(name, forkfig[i][0]);
			snprintf(name, sizeof(name),
				 "5. fork + exit + wait, %d one-page VMAs",
				 fork_ns[i]);
			row(name, forkfig[i][1]);
		}
		if (nr_fork == NR_FORK) {
			struct fig d;

			/* [0]: the fork call alone; [1]: fork + exit + wait */
			for (int k = 0; k < 2; k++) {
				for (int sd = 0; sd < 2; sd++) {
					d.med[sd] = (forkfig[2][k].med[sd] -
						     forkfig[0][k].med[sd]) /
						    9900 * 1e3;
					d.min[sd] = (forkfig[2][k].min[sd] -
						     forkfig[0][k].min[sd]) /
						    9900 * 1e3;
				}
				row(k ? "5. per extra VMA, fork + exit (ns, 10,000 vs 100)" :
				    "5. per extra VMA, fork call (ns, 10,000 vs 100)",
				    d);
			}
		}
	}

	if (want("6")) {
		char name[80];

		header("munmap", "ns/page");
		snprintf(name, sizeof(name),
			 "6. munmap of a written %lu MiB region", region >> 20);
		row(name, measure2(round_munmap, 0.25));
	}

	if (want("scal"))
		scalability(mm_lockonly);

	wall = now() - t_start;
	other = machine_busy() - busy_start - (self_cpu() - self_start);
	printf("\n# %.1f s; the rest of the machine used %.1f CPU-s meanwhile "
	       "(%.2f of %ld CPUs on average)\n", wall, other > 0 ? other : 0,
	       (other > 0 ? other : 0) / wall, sysconf(_SC_NPROCESSORS_ONLN));

	close(file_fd);
	vas_file_put(vfile);
	vas_mm_put(mm);
	vas_mm_put(mm_lockonly);
	if (vas_machine_destroy(mach) || vas_machine_destroy(mach_lockonly))
		die("vas_machine_destroy");
	return 0;
}
