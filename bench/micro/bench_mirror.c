// SPDX-License-Identifier: MIT
/*
 * bench_mirror.c - the host mirror (include/vas/mirror.h) against plain
 * host memory and against copying through vas, in one run:
 *
 *   1. sequential read and write bandwidth over --mib MiB (default 64):
 *      plain host memory (anonymous, faulted in), the mirror (faulted in
 *      by an untimed first pass), and vas_read / vas_write (64 KiB calls
 *      into / from a host buffer, which is then summed / was filled once).
 *      A read sums every 8-byte word; a write stores every word.
 *   2. first touch, ns per page, over --fault-mib MiB (default 16): the
 *      host kernel's own fault (a store to each page of a fresh anonymous
 *      mapping) against a store through the mirror to each page of a
 *      fresh vas mapping (SIGSEGV, vas fault, host mmap of the frame, the
 *      store again), and through the mirror to pages vas has mapped
 *      already (vas_fill first, untimed): one fault then maps a run of
 *      pages whose frames are contiguous in the memory file (up to 64;
 *      the frame allocator gives a thread fresh frames in descending
 *      order, so today the runs are mostly one page: the host mmaps are
 *      counted and printed).
 *   3. pin and unpin, ns per page: vas_pin_user_pages +
 *      vas_unpin_user_pages of a faulted-in region, 1 page and 512 pages a
 *      call; and vas_get_user_pages + vas_page_put, 512 a call.
 *
 * Each figure is the median (and minimum) over --reps repetitions. The
 * last line gives the load average: the machine is shared.
 *
 * Usage: bench_mirror [--mib M] [--fault-mib M] [--reps N] [--smoke]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <vas/vas.h>
#include <vas/mirror.h>
#include <vas/physmem.h>

#define P 4096UL
#define GBASE 0x200000000000UL
#define MAX_REPS 15
#define CHUNK (64UL << 10)

static unsigned long bw_bytes = 64UL << 20;
static unsigned long fault_bytes = 16UL << 20;
static int reps = 5;

static struct vas_machine *machine;
static struct vas_mm_user *mm;
static struct vas_mirror *mi;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_mirror: %s failed (%s)\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and minimum of @n values. */
static void stats(double *v, int n, double *med, double *min)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*min = v[0];
	*med = v[n / 2];
}

static uint64_t sum_words(const uint64_t *p, unsigned long bytes)
{
	uint64_t s = 0;

	for (unsigned long i = 0; i < bytes / 8; i++)
		s += p[i];
	return s;
}

static void store_words(uint64_t *p, unsigned long bytes, uint64_t v)
{
	for (unsigned long i = 0; i < bytes / 8; i++)
		p[i] = v + i;
}

static void vas_map_anon(unsigned long addr, unsigned long len)
{
	unsigned long a;
	int err = vas_mmap(mm, addr, len, PROT_READ | PROT_WRITE,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &a);

	if (err)
		die("vas_mmap", err);
}

/* Median and best (the highest rate, or the lowest time) of @n values. */
static void print_row(const char *what, const char *unit, double *v, int n)
{
	double med, min;
	bool rate = unit[strlen(unit) - 2] == '/' && unit[strlen(unit) - 1] == 's';

	stats(v, n, &med, &min);
	printf("%-56s %10.1f %10.1f %s\n", what, med, rate ? v[n - 1] : min,
	       unit);
}

/* ---- 1. bandwidth ---------------------------------------------------------- */

static void bandwidth(void)
{
	double r_plain[MAX_REPS], r_mirror[MAX_REPS], r_vas[MAX_REPS];
	double w_plain[MAX_REPS], w_mirror[MAX_REPS], w_vas[MAX_REPS];
	uint64_t *plain, *mir = vas_mirror_host_addr(mi, GBASE);
	static uint64_t buf[CHUNK / 8];
	double mib = (double)bw_bytes / (1 << 20), t;

	plain = mmap(NULL, bw_bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (plain == MAP_FAILED)
		die("mmap", errno);
	store_words(plain, bw_bytes, 1);
	vas_map_anon(GBASE, bw_bytes);
	store_words(mir, bw_bytes, 1);		/* faults everything in */
	if (sum_words(mir, bw_bytes) != sum_words(plain, bw_bytes))
		die("mirror check", EIO);
	for (int r = 0; r < reps; r++) {
		t = now();
		sink += sum_words(plain, bw_bytes);
		r_plain[r] = mib / (now() - t);
		t = now();
		sink += sum_words(mir, bw_bytes);
		r_mirror[r] = mib / (now() - t);
		t = now();
		for (unsigned long o = 0; o < bw_bytes; o += CHUNK) {
			int err = vas_read(mm, GBASE + o, buf, CHUNK, NULL);

			if (err)
				die("vas_read", err);
			sink += sum_words(buf, CHUNK);
		}
		r_vas[r] = mib / (now() - t);

		t = now();
		store_words(plain, bw_bytes, (uint64_t)r);
		w_plain[r] = mib / (now() - t);
		t = now();
		store_words(mir, bw_bytes, (uint64_t)r);
		w_mirror[r] = mib / (now() - t);
		store_words(buf, CHUNK, (uint64_t)r);
		t = now();
		for (unsigned long o = 0; o < bw_bytes; o += CHUNK) {
			int err = vas_write(mm, GBASE + o, buf, CHUNK, NULL);

			if (err)
				die("vas_write", err);
		}
		w_vas[r] = mib / (now() - t);
	}
	printf("%-56s %10s %10s\n", "1. bandwidth over the region", "median",
	       "best");
	print_row("  read: plain host memory", "MiB/s", r_plain, reps);
	print_row("  read: through the mirror", "MiB/s", r_mirror, reps);
	print_row("  read: vas_read (64 KiB calls), then summed", "MiB/s",
		  r_vas, reps);
	print_row("  write: plain host memory", "MiB/s", w_plain, reps);
	print_row("  write: through the mirror", "MiB/s", w_mirror, reps);
	print_row("  write: vas_write (64 KiB calls)", "MiB/s", w_vas, reps);
	munmap(plain, bw_bytes);
	if (vas_munmap(mm, GBASE, bw_bytes))
		die("vas_munmap", EIO);
}

/* ---- 2. first touch -------------------------------------------------------- */

static void first_touch(void)
{
	double host[MAX_REPS], mirror[MAX_REPS], batched[MAX_REPS], t;
	struct vas_mirror_stats b0, b1;
	unsigned long pages = fault_bytes / P;
	volatile unsigned char *mir = vas_mirror_host_addr(mi, GBASE);
	struct vas_mirror_stats s0, s1;

	vas_mirror_stats(mi, &s0);
	for (int r = 0; r < reps; r++) {
		unsigned char *h = mmap(NULL, fault_bytes,
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (h == MAP_FAILED)
			die("mmap", errno);
		madvise(h, fault_bytes, MADV_NOHUGEPAGE);
		t = now();
		for (unsigned long i = 0; i < pages; i++)
			((volatile unsigned char *)h)[i * P] = 1;
		host[r] = (now() - t) * 1e9 / (double)pages;
		munmap(h, fault_bytes);

		vas_map_anon(GBASE, fault_bytes);	/* fresh: all faults */
		t = now();
		for (unsigned long i = 0; i < pages; i++)
			mir[i * P] = 1;
		mirror[r] = (now() - t) * 1e9 / (double)pages;

		vas_map_anon(GBASE, fault_bytes);
		if (vas_fill(mm, GBASE, 2, fault_bytes, NULL))
			die("vas_fill", EIO);
		vas_mirror_stats(mi, &b0);
		t = now();
		for (unsigned long i = 0; i < pages; i++)
			mir[i * P] = 1;
		batched[r] = (now() - t) * 1e9 / (double)pages;
		vas_mirror_stats(mi, &b1);

	}
	vas_mirror_stats(mi, &s1);
	printf("2. first touch, a store to each page of %lu MiB\n",
	       fault_bytes >> 20);
	print_row("  host kernel: fresh anonymous mapping", "ns/page", host,
		  reps);
	print_row("  mirror: fresh vas mapping (vas faults each page)",
		  "ns/page", mirror, reps);
	print_row("  mirror: pages vas has mapped", "ns/page", batched, reps);
	printf("    (last repetition: %lu host mmaps for %lu pages)\n",
	       b1.maps - b0.maps, b1.pages_mapped - b0.pages_mapped);
	printf("  (mirror, all of figure 2: %lu faults, %lu host mmaps of %lu "
	       "pages, %lu flushes)\n",
	       s1.faults - s0.faults, s1.maps - s0.maps,
	       s1.pages_mapped - s0.pages_mapped, s1.flushes - s0.flushes);
	if (vas_munmap(mm, GBASE, fault_bytes))
		die("vas_munmap", EIO);
}

/* ---- 3. pin and unpin ------------------------------------------------------ */

static void pins(void)
{
	double one[MAX_REPS], batch[MAX_REPS], gets[MAX_REPS], t;
	unsigned long pages = fault_bytes / P;
	struct vas_page *pg[512];

	vas_map_anon(GBASE, fault_bytes);
	if (vas_fill(mm, GBASE, 2, fault_bytes, NULL))
		die("vas_fill", EIO);
	for (int r = 0; r < reps; r++) {
		t = now();
		for (unsigned long i = 0; i < pages; i++) {
			long n = vas_pin_user_pages(mm, GBASE + i * P, 1,
						    VAS_FOLL_WRITE, pg, NULL);

			if (n != 1)
				die("vas_pin_user_pages", (int)n);
			vas_unpin_user_pages(pg, 1, false);
		}
		one[r] = (now() - t) * 1e9 / (double)pages;
		t = now();
		for (unsigned long i = 0; i < pages; i += 512) {
			long n = vas_pin_user_pages(mm, GBASE + i * P, 512,
						    VAS_FOLL_WRITE, pg, NULL);

			if (n != 512)
				die("vas_pin_user_pages", (int)n);
			vas_unpin_user_pages(pg, 512, false);
		}
		batch[r] = (now() - t) * 1e9 / (double)pages;
		t = now();
		for (unsigned long i = 0; i < pages; i += 512) {
			long n = vas_get_user_pages(mm, GBASE + i * P, 512, 0,
						    pg, NULL);

			if (n != 512)
				die("vas_get_user_pages", (int)n);
			for (int j = 0; j < 512; j++)
				vas_page_put(pg[j]);
		}
		gets[r] = (now() - t) * 1e9 / (double)pages;
	}
	printf("3. pin and unpin, pages faulted in\n");
	print_row("  pin + unpin (FOLL_WRITE), 1 page a call", "ns/page", one,
		  reps);
	print_row("  pin + unpin (FOLL_WRITE), 512 pages a call", "ns/page",
		  batch, reps);
	print_row("  get_user_pages + put, 512 pages a call", "ns/page", gets,
		  reps);
	if (vas_munmap(mm, GBASE, fault_bytes))
		die("vas_munmap", EIO);
}

int main(int argc, char **argv)
{
	struct vas_machine_config cfg;
	unsigned long window;
	stack_t ss;
	double load[3];
	int err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			bw_bytes = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--fault-mib") && i + 1 < argc)
			fault_bytes = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke")) {
			bw_bytes = 2UL << 20;
			fault_bytes = 2UL << 20;
			reps = 1;
		} else {
			fprintf(stderr, "usage: bench_mirror [--mib M] "
				"[--fault-mib M] [--reps N] [--smoke]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || !bw_bytes || !fault_bytes ||
	    fault_bytes % (512 * P))
		die("arguments", EINVAL);
	vas_machine_config_init(&cfg);
	window = bw_bytes > fault_bytes ? bw_bytes : fault_bytes;
	if (cfg.frames_bytes < 3 * window)
		cfg.frames_bytes = 3 * window;
	err = vas_machine_create(&cfg, &machine);
	if (err)
		die("vas_machine_create", err);
	if ((err = vas_mm_create(machine, &mm)))
		die("vas_mm_create", err);
	if ((err = vas_mirror_create(mm, GBASE, window, NULL, 0, &mi)))
		die("vas_mirror_create", err);
	ss.ss_sp = malloc(1 << 16);
	ss.ss_size = 1 << 16;
	ss.ss_flags = 0;
	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		die("sigaltstack", errno);
	if ((err = vas_mirror_install_handler()))
		die("vas_mirror_install_handler", err);

	bandwidth();
	first_touch();
	pins();

	vas_mirror_destroy(mi);
	vas_mm_put(mm);
	if ((err = vas_machine_destroy(machine)))
		die("vas_machine_destroy", err);
	if (getloadavg(load, 3) == 3)
		printf("load average at the end: %.2f %.2f %.2f (the machine "
		       "is shared)\n",
		       load[0], load[1], load[2]);
	return 0;
}
