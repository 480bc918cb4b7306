// SPDX-License-Identifier: MIT
/*
 * test_mirror.c - the host mirror (include/vas/mirror.h): its cases, the
 * failure of every fallible step, and a property test.
 *
 * The property test runs random operations of the reference model's set
 * (tests/model: mmap of anonymous and file memory, private and shared,
 * munmap, mprotect, MADV_DONTNEED, guard regions, mremap, truncation,
 * fork, stores through vas) plus reads and writes through the mirror, on
 * one address space or on a parent and its child, each with its mirror.
 * After every step, for every mirror (mirror_check()):
 *  - the host mappings over the mirror's window (/proc/self/maps) are the
 *    PROT_NONE reservation or shared mappings of the machine's memory
 *    file, nothing else; no page of the reservation is resident (mincore);
 *  - a page mapped from the memory file is one vas maps there now (same
 *    file offset: get_user_pages with VAS_FOLL_NOFAULT), with at least
 *    the host's rights (writable in vas if the host maps it writable,
 *    VM_EXEC if executable), and its bytes read the same through the host
 *    pointer and through vas_read();
 *  - the validator is clean.
 * Each mirror access is compared with the same access through vas: the
 * same bytes, or the same signal.
 */
#include "mirror_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>
#include <vas/physmem.h>

#include "base/alloc.h"
#include "harness.h"
#include "mirror/mirror_test.h"

#define P 4096UL
#define GBASE 0x200000000000UL	/* guest window */
#define PROT_RW (VAS_PROT_READ | VAS_PROT_WRITE)

struct env {
	struct vas_machine *machine;
	struct vas_mm_user *mm;
	struct vas_mirror *mi;
	unsigned long start, len;
};

static void env_init(struct env *e, unsigned long npages)
{
	ASSERT_EQ(vas_machine_create(NULL, &e->machine), 0);
	ASSERT_EQ(vas_mm_create(e->machine, &e->mm), 0);
	e->start = GBASE;
	e->len = npages * P;
	ASSERT_EQ(vas_mirror_create(e->mm, e->start, e->len, NULL, 0, &e->mi),
		  0);
	probe_install();
}

static void env_fini(struct env *e)
{
	vas_mirror_destroy(e->mi);
	vas_mm_put(e->mm);
	EXPECT_EQ(vas_machine_destroy(e->machine), 0);
}

static unsigned char *host(struct env *e, unsigned long addr)
{
	return vas_mirror_host_addr(e->mi, addr);
}

static unsigned long mmap_anon(struct env *e, unsigned long addr,
			       unsigned long len, int prot)
{
	unsigned long a;

	ASSERT_EQ(vas_mmap(e->mm, addr, len, prot,
			   VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &a),
		  0);
	return a;
}

/* ---- the check ---------------------------------------------------------- */

static ino_t memfd_ino(struct vas_machine *machine)
{
	struct stat st;

	if (fstat(vas_machine_memfd(machine), &st))
		return (ino_t)-1;
	return st.st_ino;
}

static unsigned long vma_flags_at(struct vas_mm_user *mm, unsigned long addr)
{
	unsigned long flags = 0;

	VAS_MMAP_READ_BEGIN(mm);
	struct vas_vma_ref *vma = vas_vma_lookup(mm, addr);

	if (vma)
		flags = vas_vma_flags(vma);
	VAS_MMAP_READ_END(mm);
	return flags;
}

/* Check one page the host maps from the memory file at @off. */
static int check_mapped_page(struct vas_mm_user *mm, unsigned long gaddr,
			     const unsigned char *h, off_t off, bool w, bool x)
{
	static unsigned char buf[P];
	struct vas_page *pg;
	long n;
	int bad = 0;

	n = vas_get_user_pages(mm, gaddr, 1, VAS_FOLL_NOFAULT, &pg, NULL);
	if (n != 1) {
		fprintf(stderr, "  %#lx: host maps offset %#lx, vas has no "
			"present entry\n", gaddr, (unsigned long)off);
		return 1;
	}
	if (vas_page_offset(pg) != off) {
		fprintf(stderr, "  %#lx: host maps offset %#lx, vas %#lx\n",
			gaddr, (unsigned long)off,
			(unsigned long)vas_page_offset(pg));
		bad = 1;
	}
	vas_page_put(pg);
	if (w) {
		n = vas_get_user_pages(mm, gaddr, 1,
				       VAS_FOLL_NOFAULT | VAS_FOLL_WRITE, &pg,
				       NULL);
		if (n != 1) {
			fprintf(stderr, "  %#lx: host writable, vas not\n",
				gaddr);
			bad = 1;
		} else {
			vas_page_put(pg);
		}
	}
	if (x && !(vma_flags_at(mm, gaddr) & VAS_VM_EXEC)) {
		fprintf(stderr, "  %#lx: host executable, VMA not\n", gaddr);
		bad = 1;
	}
	if (!bad) {
		if (vas_read(mm, gaddr, buf, P, NULL) || memcmp(buf, h, P)) {
			fprintf(stderr, "  %#lx: bytes differ from vas_read\n",
				gaddr);
			bad = 1;
		}
	}
	return bad;
}

/*
 * mirror_check() - The invariants of @e's mirror (file comment). Return:
 * the number of pages the host maps from the memory file; fails the case
 * on a violation.
 */
static unsigned long mirror_check(struct env *e)
{
	uintptr_t lo = (uintptr_t)vas_mirror_base(e->mi), hi = lo + e->len;
	ino_t ino = memfd_ino(e->machine);
	unsigned long mapped = 0, covered = 0;
	unsigned char vec[64];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int bad = 0;

	ASSERT_NOT_NULL(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, t, off, inode;
		char perms[8];
		unsigned int dmaj, dmin;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &t, perms,
			   &off, &dmaj, &dmin, &inode) != 7)
			continue;
		if (t <= lo || s >= hi)
			continue;
		/*
		 * The host merges a mapping at the window's edge with a
		 * compatible neighbour (another mirror's reservation, or
		 * its mapping of the next frame): look at the window only.
		 */
		if (s < lo) {
			off += lo - s;
			s = lo;
		}
		if (t > hi)
			t = hi;
		covered += t - s;
		if (!strcmp(perms, "---p") && inode == 0) {
			for (unsigned long a = s; a < t; a += 64 * P) {
				unsigned long n = (t - a) / P;

				if (n > 64)
					n = 64;
				ASSERT_EQ(mincore((void *)a, n * P, vec), 0);
				for (unsigned long i = 0; i < n; i++)
					if (vec[i] & 1) {
						fprintf(stderr, "reserved page "
							"%#lx resident\n",
							a + i * P);
						bad = 1;
					}
			}
			continue;
		}
		if (perms[3] != 's' || (ino_t)inode != ino || perms[0] != 'r') {
			fprintf(stderr, "unexpected host mapping: %s", line);
			bad = 1;
			continue;
		}
		for (unsigned long a = s; a < t; a += P) {
			bad |= check_mapped_page(e->mm, e->start + (a - lo),
						 (const unsigned char *)a,
						 (off_t)(off + (a - s)),
						 perms[1] == 'w',
						 perms[2] == 'x');
			mapped++;
		}
	}
	fclose(f);
	if (covered != e->len) {
		fprintf(stderr, "the window has %#lx bytes of host mappings, "
			"not %#lx\n", covered, e->len);
		bad = 1;
	}
	EXPECT_EQ(vas_mm_validate(e->mm), 0);
	ASSERT_EQ(bad, 0);
	return mapped;
}

/*
 * A host range of @len bytes that is free and likely to stay free: near
 * the bottom of a 256 MiB hole, while the host's top-down allocator puts
 * new small mappings (the mirror's own page-state array) at its top.
 */
static void *free_host_range(unsigned long len)
{
	char *hole = mmap(NULL, 256UL << 20, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ASSERT_TRUE(hole != MAP_FAILED && len <= (128UL << 20));
	munmap(hole, 256UL << 20);
	return hole + (16UL << 20);
}

/* ---- cases ----------------------------------------------------------------- */

TEST(create_rejects_bad_arguments)
{
	struct vas_machine *machine;
	struct vas_mm_user *mm;
	struct vas_mirror *mi = (void *)1;
	void *busy;

	ASSERT_EQ(vas_machine_create(NULL, &machine), 0);
	ASSERT_EQ(vas_mm_create(machine, &mm), 0);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, 0, NULL, 0, &mi), -EINVAL);
	EXPECT_NULL(mi);
	EXPECT_EQ(vas_mirror_create(mm, GBASE + 1, P, NULL, 0, &mi), -EINVAL);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, P + 1, NULL, 0, &mi), -EINVAL);
	EXPECT_EQ(vas_mirror_create(mm, -P, 2 * P, NULL, 0, &mi), -EINVAL);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, P, NULL, 0x10, &mi), -EINVAL);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, P, NULL, VAS_MIRROR_FIXED, &mi),
		  -EINVAL);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, P, (void *)(P + 8), 0, &mi),
		  -EINVAL);
	/* FIXED over a host mapping: -EEXIST, the mapping untouched. */
	busy = mmap(free_host_range(4 * P), 4 * P, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_TRUE(busy != MAP_FAILED);
	memset(busy, 0x5a, 4 * P);
	EXPECT_EQ(vas_mirror_create(mm, GBASE, 2 * P, (char *)busy + P,
				    VAS_MIRROR_FIXED, &mi),
		  -EEXIST);
	EXPECT_EQ(((unsigned char *)busy)[2 * P], 0x5a);
	/* Free it: now the same range is a 1:1-style fixed mirror. */
	munmap(busy, 4 * P);
	ASSERT_EQ(vas_mirror_create(mm, GBASE, 2 * P, busy, VAS_MIRROR_FIXED,
				    &mi),
		  0);
	EXPECT_PTR_EQ(vas_mirror_base(mi), busy);
	EXPECT_PTR_EQ(vas_mirror_host_addr(mi, GBASE + P + 5),
		      (char *)busy + P + 5);
	EXPECT_NULL(vas_mirror_host_addr(mi, GBASE + 2 * P));
	EXPECT_NULL(vas_mirror_host_addr(mi, GBASE - 1));
	EXPECT_EQ(vas_mirror_fault(mi, (char *)busy + 2 * P, 0, NULL), -ERANGE);
	vas_mirror_destroy(mi);
	vas_mirror_destroy(NULL);
	/* destroy gave the host range back */
	void *again = mmap(busy, 2 * P, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0);
	EXPECT_PTR_EQ(again, busy);
	munmap(again, 2 * P);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(machine), 0);
}

TEST(reads_and_writes_reach_vas)
{
	struct env e;
	struct vas_mirror_stats st;
	uint64_t v;

	env_init(&e, 16);
	mmap_anon(&e, GBASE, 8 * P, PROT_RW);
	/* A store through the mirror is seen by vas_read ... */
	ASSERT_EQ(probe_store64(host(&e, GBASE + 3 * P + 8), 0x1122334455667788),
		  0);
	ASSERT_EQ(vas_read(e.mm, GBASE + 3 * P + 8, &v, 8, NULL), 0);
	EXPECT_EQ(v, 0x1122334455667788);
	/* ... and a store through vas by a load through the mirror. */
	v = 0xfeed;
	ASSERT_EQ(vas_write(e.mm, GBASE + 5 * P, &v, 8, NULL), 0);
	v = 0;
	ASSERT_EQ(probe_load64(host(&e, GBASE + 5 * P), &v), 0);
	EXPECT_EQ(v, 0xfeed);
	vas_mirror_stats(e.mi, &st);
	EXPECT_GE(st.faults, 2);
	EXPECT_EQ(st.refused, 0);
	EXPECT_GE(mirror_check(&e), 2);
	env_fini(&e);
}

TEST(refused_accesses_get_the_guest_signal)
{
	struct env e;
	struct vas_fault_info fi;
	struct vas_mirror_stats st;
	uint64_t v;

	env_init(&e, 16);
	mmap_anon(&e, GBASE + 2 * P, P, VAS_PROT_READ);
	mmap_anon(&e, GBASE + 4 * P, P, VAS_PROT_NONE);
	mmap_anon(&e, GBASE + 6 * P, 2 * P, PROT_RW);
	ASSERT_EQ(vas_madvise(e.mm, GBASE + 7 * P, P, VAS_MADV_GUARD_INSTALL),
		  0);
	/* no VMA */
	EXPECT_EQ(probe_load64(host(&e, GBASE + P), &v), VAS_SIGSEGV);
	EXPECT_EQ(vas_mirror_fault(e.mi, host(&e, GBASE + P + 10), 0, &fi),
		  -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, GBASE + P);
	/* read-only: the load works, the store is refused */
	EXPECT_EQ(probe_load64(host(&e, GBASE + 2 * P), &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(probe_store64(host(&e, GBASE + 2 * P), 1), VAS_SIGSEGV);
	/* PROT_NONE, a guard region */
	EXPECT_EQ(probe_load64(host(&e, GBASE + 4 * P), &v), VAS_SIGSEGV);
	EXPECT_EQ(probe_store64(host(&e, GBASE + 6 * P), 1), 0);
	EXPECT_EQ(probe_store64(host(&e, GBASE + 7 * P), 1), VAS_SIGSEGV);
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.refused, 5);
	mirror_check(&e);
	env_fini(&e);
}

TEST(file_past_its_end_is_sigbus)
{
	struct env e;
	struct vas_file *file;
	char path[] = "/tmp/vas-mirror-XXXXXX";
	unsigned long a;
	uint64_t v;
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, P + 100), 0);
	ASSERT_EQ(pwrite(fd, "xyz", 3, P), 3);
	env_init(&e, 8);
	ASSERT_EQ(vas_file_open_host(e.machine, fd,
				     VAS_FMODE_READ | VAS_FMODE_WRITE, "f",
				     &file),
		  0);
	ASSERT_EQ(vas_mmap(e.mm, GBASE, 4 * P, PROT_RW,
			   VAS_MAP_SHARED | VAS_MAP_FIXED, file, 0, &a),
		  0);
	EXPECT_EQ(probe_load64(host(&e, GBASE + P), &v), 0);
	EXPECT_EQ(v & 0xffffff, 0x7a7978);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 2 * P), &v), VAS_SIGBUS);
	/* A shared store through the mirror reaches the file's cache. */
	EXPECT_EQ(probe_store64(host(&e, GBASE + 8), 0x4142), 0);
	char b[2];
	ASSERT_EQ(vas_file_pread(file, b, 2, 8), 2);
	EXPECT_EQ(b[0], 0x42);
	EXPECT_EQ(b[1], 0x41);
	mirror_check(&e);
	/* Truncation takes the host mapping of the page away. */
	ASSERT_EQ(vas_file_truncate(file, 100), 0);
	EXPECT_EQ(probe_load64(host(&e, GBASE + P), &v), VAS_SIGBUS);
	mirror_check(&e);
	vas_file_put(file);
	env_fini(&e);
	close(fd);
}

TEST(text_is_mapped_executable)
{
	struct env e;
	uint64_t v;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 2 * P, VAS_PROT_READ | VAS_PROT_EXEC);
	EXPECT_EQ(probe_load64(host(&e, GBASE), &v), 0);
	EXPECT_EQ(mirror_check(&e), 1);
	/* mprotect taking exec away takes the host mapping away too */
	ASSERT_EQ(vas_mprotect(e.mm, GBASE, 2 * P, VAS_PROT_READ), 0);
	EXPECT_EQ(mirror_check(&e), 0);
	env_fini(&e);
}

static void take_exec_away(void *arg)
{
	struct env *e = arg;

	ASSERT_EQ(vas_mprotect(e->mm, GBASE, 2 * P, VAS_PROT_READ), 0);
}

/*
 * An mprotect that takes exec away between the fault path's look at the
 * VMA and vas's fault finds no page tables to report to the notifiers;
 * the mirror must not map the page with the old rights (it did: r-x).
 */
TEST(rights_change_before_the_page_exists)
{
	struct env e;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 2 * P, VAS_PROT_READ | VAS_PROT_EXEC);
	mirror_test_between(take_exec_away, &e);
	EXPECT_EQ(vas_mirror_fault(e.mi, host(&e, GBASE), 0, NULL), 0);
	EXPECT_EQ(mirror_check(&e), 1);
	env_fini(&e);
}

TEST(unmap_and_dontneed_take_pages_away)
{
	struct env e;
	struct vas_mirror_stats st;
	uint64_t v;

	env_init(&e, 16);
	mmap_anon(&e, GBASE, 8 * P, PROT_RW);
	for (unsigned long i = 0; i < 8; i++)
		ASSERT_EQ(probe_store64(host(&e, GBASE + i * P), i + 1), 0);
	EXPECT_EQ(mirror_check(&e), 8);
	ASSERT_EQ(vas_madvise(e.mm, GBASE + 2 * P, 2 * P, VAS_MADV_DONTNEED), 0);
	EXPECT_EQ(mirror_check(&e), 6);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 2 * P), &v), 0);
	EXPECT_EQ(v, 0);	/* a new zero page, not the old frame */
	ASSERT_EQ(vas_munmap(e.mm, GBASE + 5 * P, P), 0);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 5 * P), &v), VAS_SIGSEGV);
	/* mremap moves the bytes; the old range faults */
	unsigned long to;
	ASSERT_EQ(vas_mremap(e.mm, GBASE + 6 * P, 2 * P, 2 * P,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED,
			     GBASE + 12 * P, &to),
		  0);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 6 * P), &v), VAS_SIGSEGV);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 13 * P), &v), 0);
	EXPECT_EQ(v, 8);
	vas_mirror_stats(e.mi, &st);
	EXPECT_GE(st.invalidations, 3);
	mirror_check(&e);
	env_fini(&e);
}

TEST(fork_is_copy_on_write_in_both_mirrors)
{
	struct env e;
	struct vas_mm_user *child;
	struct vas_mirror *cmi;
	uint64_t v;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 4 * P, PROT_RW);
	for (unsigned long i = 0; i < 4; i++)
		ASSERT_EQ(probe_store64(host(&e, GBASE + i * P), 100 + i), 0);
	ASSERT_EQ(vas_mm_fork(e.mm, &child), 0);
	/* fork write-protected the parent's host mappings */
	mirror_check(&e);
	ASSERT_EQ(vas_mirror_create(child, GBASE, e.len, NULL, 0, &cmi), 0);
	unsigned char *ch = vas_mirror_host_addr(cmi, GBASE);
	EXPECT_EQ(probe_load64(ch + P, &v), 0);
	EXPECT_EQ(v, 101);
	/* Writes on either side stay on that side. */
	EXPECT_EQ(probe_store64(host(&e, GBASE + P), 7), 0);
	EXPECT_EQ(probe_store64(ch + 2 * P, 8), 0);
	EXPECT_EQ(probe_load64(ch + P, &v), 0);
	EXPECT_EQ(v, 101);
	EXPECT_EQ(probe_load64(host(&e, GBASE + 2 * P), &v), 0);
	EXPECT_EQ(v, 102);
	ASSERT_EQ(vas_read(child, GBASE + P, &v, 8, NULL), 0);
	EXPECT_EQ(v, 101);
	ASSERT_EQ(vas_read(e.mm, GBASE + P, &v, 8, NULL), 0);
	EXPECT_EQ(v, 7);
	ASSERT_EQ(vas_read(child, GBASE + 2 * P, &v, 8, NULL), 0);
	EXPECT_EQ(v, 8);
	mirror_check(&e);
	struct env ce = { e.machine, child, cmi, GBASE, e.len };
	mirror_check(&ce);
	vas_mirror_destroy(cmi);
	vas_mm_put(child);
	env_fini(&e);
}

TEST(a_fault_maps_a_run_of_contiguous_frames)
{
	struct env e;
	struct vas_mirror_stats st;
	struct vas_page *pg[32];
	unsigned long run = 1;
	uint64_t v;

	env_init(&e, 32);
	/*
	 * A thread gets fresh frames in descending order, and freed ones
	 * back last-freed first: a range filled, unmapped (its pages freed
	 * in address order) and filled again has ascending frames.
	 */
	mmap_anon(&e, GBASE, 32 * P, PROT_RW);
	ASSERT_EQ(vas_fill(e.mm, GBASE, 3, 32 * P, NULL), 0);
	mmap_anon(&e, GBASE, 32 * P, PROT_RW);
	ASSERT_EQ(vas_fill(e.mm, GBASE, 3, 32 * P, NULL), 0);
	ASSERT_EQ(vas_get_user_pages(e.mm, GBASE, 32, VAS_FOLL_NOFAULT, pg,
				     NULL),
		  32);
	while (run < 32 &&
	       vas_page_offset(pg[run]) == vas_page_offset(pg[0]) + (off_t)(run * P))
		run++;
	for (int i = 0; i < 32; i++)
		vas_page_put(pg[i]);
	/* A read fault maps the run vas has mapped already, in one call. */
	ASSERT_EQ(probe_load64(host(&e, GBASE), &v), 0);
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.maps, 1);
	EXPECT_EQ(st.pages_mapped, run);
	EXPECT_EQ(mirror_check(&e), run);
	printf("  frames contiguous over %lu pages: one host mmap\n", run);
	env_fini(&e);
}

TEST(handle_signal_decodes_the_access)
{
	struct env e;
	struct vas_mirror_stats st;
	struct vas_fault_info fi = { 0, 0 };
	siginfo_t si;
	ucontext_t uc;
	uint64_t v;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 2 * P, PROT_RW);
	ASSERT_EQ(getcontext(&uc), 0);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_addr = host(&e, GBASE + 8);
	/* Sent by kill(): not a fault, nothing done. */
	si.si_code = SI_USER;
	EXPECT_FALSE(vas_mirror_handle_signal(&si, &uc, &fi));
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.faults, 0);
	/* Outside every mirror. */
	si.si_code = SEGV_MAPERR;
	si.si_addr = &v;
	EXPECT_FALSE(vas_mirror_handle_signal(&si, &uc, &fi));
	si.si_addr = host(&e, GBASE + 8);
#if defined(__x86_64__)
	/* Error code 6 (user write): the page is mapped writable. */
	uc.uc_mcontext.gregs[REG_ERR] = 6;
	EXPECT_TRUE(vas_mirror_handle_signal(&si, &uc, &fi));
	EXPECT_EQ(mirror_check(&e), 1);
	EXPECT_EQ(probe_store64(host(&e, GBASE + 8), 5), 0);
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.faults, 1);	/* the store did not fault again */
	/* Error code 0x14 (instruction fetch) from a VMA without VM_EXEC. */
	uc.uc_mcontext.gregs[REG_ERR] = 0x14;
	si.si_addr = host(&e, GBASE + P);
	EXPECT_FALSE(vas_mirror_handle_signal(&si, &uc, &fi));
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, GBASE + P);
#endif
	env_fini(&e);
}

/* ---- failures ----------------------------------------------------------- */

TEST(create_fails_cleanly_at_every_step)
{
	struct vas_machine *machine;
	struct vas_mm_user *mm;
	struct vas_mirror *mi;
	void *base;
	unsigned long fired;
	long live;
	int err, users;

	ASSERT_EQ(vas_machine_create(NULL, &machine), 0);
	ASSERT_EQ(vas_mm_create(machine, &mm), 0);
	/* A free host range, to see that a failed FIXED create leaves it free. */
	base = free_host_range(8 * P);
	users = vas_mm_users(vas_mm_from_user(mm));
	live = vas_alloc_live();
	fired = mirror_fail_fired();
	/* The mirror's own steps. */
	for (unsigned long n = 1;; n++) {
		mirror_fail_nth(n);
		err = vas_mirror_create(mm, GBASE, 8 * P, base, VAS_MIRROR_FIXED,
					&mi);
		mirror_fail_nth(0);
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		EXPECT_NULL(mi);
		EXPECT_EQ(vas_mm_users(vas_mm_from_user(mm)), users);
		EXPECT_EQ(vas_alloc_live(), live);
		void *p = mmap(base, 8 * P, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		EXPECT_PTR_EQ(p, base);
		munmap(p, 8 * P);
		ASSERT_TRUE(n < 10);
	}
	EXPECT_EQ(mirror_fail_fired() - fired, 3);
	vas_mirror_destroy(mi);
	/* The first registration gave @mm its notifier list, kept until the
	 * address space is freed: count from here. */
	live = vas_alloc_live();
	/* vas's allocations for it (the notifier's registration). */
	for (unsigned long n = 1;; n++) {
		vas_fail_reset();
		vas_fail_nth(n);
		err = vas_mirror_create(mm, GBASE, 8 * P, base, VAS_MIRROR_FIXED,
					&mi);
		vas_fail_reset();
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		EXPECT_EQ(vas_mm_users(vas_mm_from_user(mm)), users);
		EXPECT_EQ(vas_alloc_live(), live);
		void *p = mmap(base, 8 * P, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		EXPECT_PTR_EQ(p, base);
		munmap(p, 8 * P);
		ASSERT_TRUE(n < 100);
	}
	vas_mirror_destroy(mi);
	EXPECT_EQ(vas_mm_users(vas_mm_from_user(mm)), users);
	EXPECT_EQ(vas_alloc_live(), live);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(machine), 0);
}

TEST(fault_fails_cleanly_when_vas_runs_out)
{
	struct env e;
	struct vas_mirror_stats st;
	unsigned long n;
	uint64_t v;
	int err;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 4 * P, PROT_RW);
	/* Every allocation of a write fault through the mirror, in turn. */
	for (n = 1;; n++) {
		vas_fail_reset();
		vas_fail_nth(n);
		err = vas_mirror_fault(e.mi, host(&e, GBASE + P), VAS_FAULT_WRITE,
				       NULL);
		vas_fail_reset();
		mirror_check(&e);
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		ASSERT_TRUE(n < 100);
	}
	EXPECT_GT(n, 1);	/* it allocated: the page, its table */
	EXPECT_EQ(probe_store64(host(&e, GBASE + P), 9), 0);
	ASSERT_EQ(vas_read(e.mm, GBASE + P, &v, 8, NULL), 0);
	EXPECT_EQ(v, 9);
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.faults, 1);
	env_fini(&e);
}

TEST(fault_fails_cleanly_when_the_memory_file_cannot_grow)
{
	struct env e;
	unsigned long i, n = 1024;	/* 4 MiB: past the file's first size */
	int err = 0;
	uint64_t v;

	env_init(&e, n);
	mmap_anon(&e, GBASE, n * P, PROT_RW);
	vas_fail_site(VAS_FP_FRAMES_GROW, true);
	for (i = 0; i < n; i++) {
		err = vas_mirror_fault(e.mi, host(&e, GBASE + i * P),
				       VAS_FAULT_WRITE, NULL);
		if (err)
			break;
	}
	vas_fail_site(VAS_FP_FRAMES_GROW, false);
	EXPECT_EQ(err, -ENOMEM);
	EXPECT_LT(i, n);
	/* Nothing mapped for the page that failed; it works once it can grow. */
	EXPECT_EQ(mirror_check(&e), i);
	EXPECT_EQ(probe_store64(host(&e, GBASE + i * P), 77), 0);
	ASSERT_EQ(vas_read(e.mm, GBASE + i * P, &v, 8, NULL), 0);
	EXPECT_EQ(v, 77);
	mirror_check(&e);
	env_fini(&e);
}

TEST(host_refusing_a_mapping_flushes_the_mirror)
{
	struct env e;
	struct vas_mirror_stats st;
	uint64_t v;

	env_init(&e, 8);
	mmap_anon(&e, GBASE, 4 * P, PROT_RW);
	ASSERT_EQ(probe_store64(host(&e, GBASE), 1), 0);
	ASSERT_EQ(probe_store64(host(&e, GBASE + 2 * P), 3), 0);
	EXPECT_EQ(mirror_check(&e), 2);
	/* The next host mmap fails as at vm.max_map_count: flush, map again. */
	unsigned long fired = mirror_fail_fired();
	mirror_fail_nth(1);
	ASSERT_EQ(probe_store64(host(&e, GBASE + P), 2), 0);
	mirror_fail_nth(0);
	EXPECT_EQ(mirror_fail_fired() - fired, 1);
	vas_mirror_stats(e.mi, &st);
	EXPECT_EQ(st.flushes, 1);
	EXPECT_EQ(st.host_mappings, 3);
	EXPECT_EQ(mirror_check(&e), 1);	/* only the page faulted since */
	for (unsigned long i = 0; i < 3; i++) {
		ASSERT_EQ(probe_load64(host(&e, GBASE + i * P), &v), 0);
		EXPECT_EQ(v, i + 1);
	}
	env_fini(&e);
}

/* ---- the property test --------------------------------------------------- */

#define W 48			/* window pages */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static unsigned long rnd_below(unsigned long n)
{
	return rnd() % n;
}

static const int prots[] = {
	VAS_PROT_NONE, VAS_PROT_READ, PROT_RW, VAS_PROT_READ | VAS_PROT_EXEC,
	PROT_RW | VAS_PROT_EXEC,
};

static void random_range(unsigned long *addr, unsigned long *len)
{
	unsigned long n = 1 + rnd_below(8);
	unsigned long a = rnd_below(W - n + 1);

	*addr = GBASE + a * P;
	*len = n * P;
}

static unsigned long acc_ok, acc_refused, acc_sigbus, seen_mapped;

/* A mirror read of one page against vas_read: same bytes or same signal. */
static void op_mirror_read(struct env *e, unsigned long addr)
{
	static unsigned char a[P], b[P];
	struct vas_fault_info fi1 = { 0, 0 }, fi2 = { 0, 0 };
	int s1, s2;

	s1 = probe_copy(a, host(e, addr), P, &fi1);
	s2 = vas_read(e->mm, addr, b, P, &fi2) ? fi2.signo : 0;
	ASSERT_EQ(s1, s2);
	acc_ok += !s1;
	acc_refused += !!s1;
	acc_sigbus += s1 == VAS_SIGBUS;
	if (!s1)
		ASSERT_EQ(memcmp(a, b, P), 0);
	else
		EXPECT_EQ(fi1.addr, addr);
}

static void op_mirror_write(struct env *e, unsigned long addr)
{
	unsigned long off = rnd_below(P);
	unsigned char c = (unsigned char)rnd(), got;
	struct vas_fault_info fi = { 0, 0 };
	int s;

	s = probe_copy(host(e, addr + off), &c, 1, &fi);
	acc_ok += !s;
	acc_refused += !!s;
	acc_sigbus += s == VAS_SIGBUS;
	if (s) {
		EXPECT_EQ(fi.addr, addr);
		ASSERT_EQ(vas_write(e->mm, addr + off, &c, 1, &fi), -EFAULT);
		ASSERT_EQ(fi.signo, s);
	} else {
		ASSERT_EQ(vas_read(e->mm, addr + off, &got, 1, NULL), 0);
		ASSERT_EQ(got, c);
	}
}

TEST(property_random_operations)
{
	struct env envs[2];
	struct vas_file *file;
	char path[] = "/tmp/vas-mirror-prop-XXXXXX";
	unsigned long steps = 1500, a, len, to;
	const char *s = getenv("VAS_MIRROR_STEPS");
	int nenv = 1, fd;
	unsigned long counts[16] = { 0 }, errors = 0;

	if (s)
		steps = strtoul(s, NULL, 0);
	rng_state = harness_seed() | 1;
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, 16 * P), 0);
	env_init(&envs[0], W);
	ASSERT_EQ(vas_file_open_host(envs[0].machine, fd,
				     VAS_FMODE_READ | VAS_FMODE_WRITE, "file",
				     &file),
		  0);

	for (unsigned long step = 0; step < steps; step++) {
		int which = (int)rnd_below(nenv);
		struct env *e = &envs[which];
		unsigned int op = (unsigned int)rnd_below(14);
		int prot = prots[rnd_below(5)];
		unsigned char byte = (unsigned char)rnd();
		int rc = 0;

		random_range(&a, &len);
		counts[op]++;
		switch (op) {
		case 0:	/* mmap anonymous private */
			rc = vas_mmap(e->mm, a, len, prot,
				       VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS |
					       VAS_MAP_FIXED,
				       NULL, 0, &to);
			break;
		case 1:	/* mmap anonymous shared */
			rc = vas_mmap(e->mm, a, len, prot,
				       VAS_MAP_SHARED | VAS_MAP_ANONYMOUS |
					       VAS_MAP_FIXED,
				       NULL, 0, &to);
			break;
		case 2:	/* mmap the file, private or shared */
			rc = vas_mmap(e->mm, a, len, prot,
				       (rnd() & 1 ? VAS_MAP_SHARED
						  : VAS_MAP_PRIVATE) |
					       VAS_MAP_FIXED,
				       file, rnd_below(12) * P, &to);
			break;
		case 3:
			rc = vas_munmap(e->mm, a, len);
			break;
		case 4:
			rc = vas_mprotect(e->mm, a, len, prot);
			break;
		case 5:
			rc = vas_madvise(e->mm, a, len,
					  rnd() % 4 ? VAS_MADV_DONTNEED
					  : rnd() & 1 ? VAS_MADV_GUARD_INSTALL
						      : VAS_MADV_GUARD_REMOVE);
			break;
		case 6: {	/* mremap to another place of the window */
			unsigned long na = GBASE + rnd_below(W - 8) * P;
			unsigned long nlen = len + (rnd() & 1 ? P : 0);

			if (na + nlen <= a || na >= a + len)
				rc = vas_mremap(e->mm, a, len, nlen,
						 VAS_MREMAP_MAYMOVE |
							 VAS_MREMAP_FIXED,
						 na, &to);
			break;
		}
		case 7:
			rc = vas_fill(e->mm, a, byte, len, NULL);
			break;
		case 8:
		case 9:
			for (unsigned long p = a; p < a + len; p += P)
				op_mirror_write(e, p);
			break;
		case 10:
		case 11:
			for (unsigned long p = a; p < a + len; p += P)
				op_mirror_read(e, p);
			break;
		case 12:	/* truncate the file and grow it back */
			if (rnd() & 1) {
				ASSERT_EQ(vas_file_truncate(file,
							    (4 + rnd_below(12)) *
								    P),
					  0);
			} else {
				ASSERT_EQ(vas_file_truncate(file, 16 * P), 0);
			}
			break;
		case 13:	/* fork, or end one of the two */
			if (nenv == 1) {
				struct env *c = &envs[1];

				if (vas_mm_fork(e->mm, &c->mm))
					break;
				c->machine = e->machine;
				c->start = e->start;
				c->len = e->len;
				ASSERT_EQ(vas_mirror_create(c->mm, c->start,
							    c->len, NULL, 0,
							    &c->mi),
					  0);
				nenv = 2;
			} else {
				struct env *d = &envs[which];

				vas_mirror_destroy(d->mi);
				vas_mm_put(d->mm);
				if (which == 0)
					envs[0] = envs[1];
				nenv = 1;
			}
			break;
		}
		errors += rc != 0;
		for (int i = 0; i < nenv; i++)
			seen_mapped += mirror_check(&envs[i]);
	}
	printf("  %lu steps, %lu calls refused by vas; %lu mirror accesses "
	       "ran, %lu were refused (%lu SIGBUS); %lu host-mapped pages "
	       "checked\n",
	       steps, errors, acc_ok, acc_refused, acc_sigbus, seen_mapped);
	EXPECT_GT(acc_ok, steps / 10);
	EXPECT_GT(seen_mapped, steps);
	for (int i = 0; i < nenv; i++) {
		struct vas_mirror_stats st;

		vas_mirror_stats(envs[i].mi, &st);
		printf("  mirror %d: %lu faults, %lu refused, %lu maps (%lu "
		       "pages), %lu invalidations, %lu flushes\n",
		       i, st.faults, st.refused, st.maps, st.pages_mapped,
		       st.invalidations, st.flushes);
	}
	if (nenv == 2) {
		vas_mirror_destroy(envs[1].mi);
		vas_mm_put(envs[1].mm);
	}
	vas_file_put(file);
	env_fini(&envs[0]);
	close(fd);
}
