// SPDX-License-Identifier: MIT
/*
 * test_proc.c - the /proc/PID/maps and smaps text (src/mm/proc.c) and the
 * VmFlags codes, checked against literal text and against the host kernel:
 * the same layout is built in this very process and in a vas address
 * space, and the two smaps texts are compared line by line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vas/file.h>
#include <vas/proc.h>
#include "harness.h"
#include "page/file.h"
#include "mm/mm.h"
#include "vma/vma.h"

#define W 0x200000000000UL
#define P 4096UL

/* The flags Linux gives the common mappings (checked by host_compare). */
#define MAY (VAS_VM_MAYREAD | VAS_VM_MAYWRITE | VAS_VM_MAYEXEC)
#define ANON_RW (VAS_VM_READ | VAS_VM_WRITE | MAY | VAS_VM_ACCOUNT)
#define ANON_RO (VAS_VM_READ | MAY)
#define SHARED_RW                                                             \
	(VAS_VM_READ | VAS_VM_WRITE | VAS_VM_SHARED | MAY | VAS_VM_MAYSHARE)
#define VM_MAYBE_GUARD VAS_VM_MAYBE_GUARD

struct fixture {
	struct vas_machine *machine;
	struct vas_mm_user *user;
	struct mm_struct *mm;
};

static void fixture_init(struct fixture *f)
{
	ASSERT_EQ(vas_machine_create(NULL, &f->machine), 0);
	ASSERT_EQ(vas_mm_create(f->machine, &f->user), 0);
	f->mm = mm_of_user(f->user);
}

static void fixture_fini(struct fixture *f)
{
	vas_mm_put(f->user);
	ASSERT_EQ(vas_machine_destroy(f->machine), 0);
}

/*
 * Link a VMA [start, end) with @flags, mapping @file (a new reference is
 * taken) at page offset @pgoff; for anonymous memory @pgoff is start / P,
 * as mmap sets it.
 */
static struct vm_area_struct *mk(struct mm_struct *mm, unsigned long start,
				 unsigned long end, unsigned long flags,
				 struct vas_file *file, unsigned long pgoff)
	VAS_NO_THREAD_SAFETY_ANALYSIS
{
	struct vm_area_struct *vma;
	int err;

	mmap_write_lock(mm);
	vma = vm_area_alloc(mm);
	ASSERT_NOT_NULL(vma);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = flags;
	vma->vm_pgoff = file ? pgoff : start / P;
	vma->vm_file = file ? vma_file_get(file) : NULL;
	err = vma_link(mm, vma);
	mmap_write_unlock(mm);
	ASSERT_EQ(err, 0);
	return vma;
}

/* The text of vas_proc_maps_print (@smaps false) or smaps; caller frees. */
static char *capture(struct vas_mm_user *user, bool smaps)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int err;

	ASSERT_NOT_NULL(out);
	err = smaps ? vas_proc_smaps_print(user, out)
		    : vas_proc_maps_print(user, out);
	EXPECT_EQ(err, 0);
	fclose(out);
	return text;
}

#define EXPECT_TEXT(got, want)                                                \
	do {                                                                  \
		const char *__g = (got), *__w = (want);                       \
		HARNESS_CHECK(0, strcmp(__g, __w) == 0,                       \
			      "text differs:\n--- got\n%s--- want\n%s---",    \
			      __g, __w);                                      \
	} while (0)

static void expect_maps(struct fixture *f, const char *want, const char *file,
			int line)
{
	char *got = capture(f->user, false);

	if (strcmp(got, want))
		harness_fail(file, line, "maps differ:\n--- got\n%s--- want\n%s---",
			     got, want);
	free(got);
}
#define EXPECT_MAPS(f, want) expect_maps(f, want, __FILE__, __LINE__)

/* 26 spaces: from the end of "... 00:00 0" to column 73, where names go. */
#define PAD0 "                          "

/* ---- maps: anonymous ---------------------------------------------------- */

TEST(maps_empty)
{
	struct fixture f;

	fixture_init(&f);
	EXPECT_MAPS(&f, "");
	fixture_fini(&f);
}

/*
 *  W       +1000   +2000   +3000
 *  |-- A --|       |-- B --|
 */
TEST(maps_anon_rw_p)
{
	struct fixture f;

	fixture_init(&f);
	mk(f.mm, W, W + P, ANON_RW, NULL, 0);
	EXPECT_MAPS(&f, "200000000000-200000001000 rw-p 00000000 00:00 0 \n");
	fixture_fini(&f);
}

TEST(maps_anon_r_p_and_none)
{
	struct fixture f;

	fixture_init(&f);
	mk(f.mm, W, W + 2 * P, ANON_RO, NULL, 0);
	mk(f.mm, W + 3 * P, W + 4 * P, MAY, NULL, 0);
	mk(f.mm, W + 4 * P, W + 5 * P, VAS_VM_EXEC | MAY, NULL, 0);
	mk(f.mm, W + 6 * P, W + 7 * P, VAS_VM_READ | VAS_VM_WRITE | VAS_VM_EXEC | MAY,
	   NULL, 0);
	EXPECT_MAPS(&f, "200000000000-200000002000 r--p 00000000 00:00 0 \n"
			"200000003000-200000004000 ---p 00000000 00:00 0 \n"
			"200000004000-200000005000 --xp 00000000 00:00 0 \n"
			"200000006000-200000007000 rwxp 00000000 00:00 0 \n");
	fixture_fini(&f);
}

/* Addresses print with at least 8 hex digits, and no more than needed. */
TEST(maps_low_and_high_addresses)
{
	struct fixture f;

	fixture_init(&f);
	mk(f.mm, 0x10000, 0x12000, ANON_RW, NULL, 0);
	mk(f.mm, 0x7ffffffde000, 0x7ffffffff000, ANON_RW | VAS_VM_GROWSDOWN,
	   NULL, 0);
	EXPECT_MAPS(&f, "00010000-00012000 rw-p 00000000 00:00 0 \n"
			"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 \n");
	fixture_fini(&f);
}

/* ---- maps: files ------------------------------------------------------- */

struct host_file {
	char dir[64];
	char path[96];
	int fd;
	struct stat st;
	struct vas_file *file;
};

static void host_file_open(struct fixture *f, struct host_file *h,
			   const char *name, int mode)
{
	snprintf(h->dir, sizeof(h->dir), "/tmp/vas-proc-XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(h->dir));
	snprintf(h->path, sizeof(h->path), "%s/%s", h->dir, name);
	h->fd = open(h->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(h->fd >= 0);
	ASSERT_EQ(ftruncate(h->fd, 64 * P), 0);
	ASSERT_EQ(fstat(h->fd, &h->st), 0);
	ASSERT_EQ(vas_file_open_host(f->machine, h->fd, mode, h->path, &h->file), 0);
}

static void host_file_close(struct host_file *h)
{
	vas_file_put(h->file);
	close(h->fd);
	unlink(h->path);
	rmdir(h->dir);
}

/*
 * The maps line of a file mapping, built field by field from the host
 * file's stat: the name starts at column 73.
 */
static void file_line(char *buf, size_t size, const char *range,
		      const char *perm, unsigned long off,
		      const struct host_file *h)
{
	int n = snprintf(buf, size, "%s %s %08lx %02x:%02x %lu ", range, perm,
			 off, major(h->st.st_dev), minor(h->st.st_dev),
			 (unsigned long)h->st.st_ino);

	while (n < 73)
		buf[n++] = ' ';
	snprintf(buf + n, size - (size_t)n, "%s\n", h->path);
}

/*
 *  W       +1000   +2000   +3000   +4000
 *  |-- private file, pgoff 5 --|   |-- shared file, pgoff 0 --|
 */
TEST(maps_file_private_offset_and_shared)
{
	struct fixture f;
	struct host_file h;
	char want[512], line[256];

	fixture_init(&f);
	host_file_open(&f, &h, "data", VAS_FMODE_READ | VAS_FMODE_WRITE);
	mk(f.mm, W, W + 2 * P, ANON_RO, h.file, 5);
	mk(f.mm, W + 3 * P, W + 4 * P, SHARED_RW, h.file, 0);
	mk(f.mm, W + 4 * P, W + 5 * P, VAS_VM_READ | VAS_VM_MAYREAD | VAS_VM_MAYEXEC |
	   VAS_VM_MAYSHARE, h.file, 0x12345);

	file_line(want, sizeof(want), "200000000000-200000002000", "r--p",
		  5 * P, &h);
	file_line(line, sizeof(line), "200000003000-200000004000", "rw-s", 0, &h);
	strcat(want, line);
	file_line(line, sizeof(line), "200000004000-200000005000", "r--s",
		  0x12345 * P, &h);
	strcat(want, line);
	EXPECT_MAPS(&f, want);
	/* The stat columns: an example of what file_line builds. */
	EXPECT_TRUE(strstr(want, " 00005000 ") != NULL);
	EXPECT_TRUE(strstr(want, " 12345000 ") != NULL);

	host_file_close(&h);	/* files go before their machine */
	fixture_fini(&f);
}

/* The shmem object of a shared anonymous mapping: /dev/zero (deleted). */
TEST(maps_shared_anonymous)
{
	struct fixture f;
	struct vas_file *shm;

	fixture_init(&f);
	shm = shmem_file_setup(f.machine->frames, f.machine, 2 * P);
	ASSERT_NOT_NULL(shm);
	mk(f.mm, W, W + 2 * P, SHARED_RW, shm, 0);
	mk(f.mm, W + 2 * P, W + 3 * P, SHARED_RW, shm, 2);
	vas_file_put(shm);
	EXPECT_MAPS(&f, "200000000000-200000002000 rw-s 00000000 00:00 0" PAD0
			"/dev/zero (deleted)\n"
			"200000002000-200000003000 rw-s 00002000 00:00 0" PAD0
			"/dev/zero (deleted)\n");
	fixture_fini(&f);
}

/* A driver file prints its name; a newline in a name prints as \012. */
static int noop_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	(void)file;
	(void)vma;
	return 0;
}

static const struct vas_file_ops noop_ops = VAS_FILE_OPS_INIT(.mmap = noop_mmap);

TEST(maps_driver_file_and_escaped_name)
{
	struct fixture f;
	struct vas_file *drv, *odd;

	fixture_init(&f);
	ASSERT_EQ(vas_file_create(f.machine, &noop_ops, NULL, VAS_FMODE_READ,
				  "/dev/binder", &drv), 0);
	ASSERT_EQ(vas_file_create(f.machine, &noop_ops, NULL, VAS_FMODE_READ,
				  "/tmp/a\nb", &odd), 0);
	mk(f.mm, W, W + P, ANON_RO | VAS_VM_MAYSHARE, drv, 0);
	mk(f.mm, W + 2 * P, W + 3 * P, ANON_RO, odd, 1);
	vas_file_put(drv);
	vas_file_put(odd);
	EXPECT_MAPS(&f, "200000000000-200000001000 r--s 00000000 00:00 0" PAD0
			"/dev/binder\n"
			"200000002000-200000003000 r--p 00001000 00:00 0" PAD0
			"/tmp/a\\012b\n");
	fixture_fini(&f);
}

/* A VMA without a file whose vm_ops names it ([vdso]-like special mapping). */
static const char *special_name(struct vas_vma_ref *vma)
{
	return vas_vma_start(vma) == W ? "[vvar]" : NULL;
}

static const struct vas_vm_ops special_ops = VAS_VM_OPS_INIT(.name = special_name);

TEST(maps_vm_ops_name)
{
	struct fixture f;
	struct vm_area_struct *a, *b;

	fixture_init(&f);
	a = mk(f.mm, W, W + P, VAS_VM_READ | VAS_VM_MAYREAD, NULL, 0);
	b = mk(f.mm, W + 2 * P, W + 3 * P, VAS_VM_READ | VAS_VM_MAYREAD, NULL, 0);
	a->vm_ops = &special_ops;
	b->vm_ops = &special_ops;	/* name() returns NULL: no name */
	EXPECT_MAPS(&f, "200000000000-200000001000 r--p 00000000 00:00 0" PAD0
			"[vvar]\n"
			"200000002000-200000003000 r--p 00000000 00:00 0 \n");
	a->vm_ops = NULL;
	b->vm_ops = NULL;
	fixture_fini(&f);
}

/*
 *  W      +1000  +2000  +3000  +4000  +5000  +6000  +8000
 *  |-rw-p-|-r--p-|      |-rw-s file----|-rw-p-|-rw-s shm-|
 */
TEST(maps_several)
{
	struct fixture f;
	struct host_file h;
	struct vas_file *shm;
	char want[1024], line[256];

	fixture_init(&f);
	host_file_open(&f, &h, "several", VAS_FMODE_READ | VAS_FMODE_WRITE);
	shm = shmem_file_setup(f.machine->frames, f.machine, 2 * P);
	ASSERT_NOT_NULL(shm);
	mk(f.mm, W, W + P, ANON_RW, NULL, 0);
	mk(f.mm, W + P, W + 2 * P, ANON_RO, NULL, 0);
	mk(f.mm, W + 3 * P, W + 5 * P, SHARED_RW, h.file, 2);
	mk(f.mm, W + 5 * P, W + 6 * P, ANON_RW, NULL, 0);
	mk(f.mm, W + 6 * P, W + 8 * P, SHARED_RW, shm, 0);
	vas_file_put(shm);

	strcpy(want, "200000000000-200000001000 rw-p 00000000 00:00 0 \n"
		     "200000001000-200000002000 r--p 00000000 00:00 0 \n");
	file_line(line, sizeof(line), "200000003000-200000005000", "rw-s",
		  2 * P, &h);
	strcat(want, line);
	strcat(want, "200000005000-200000006000 rw-p 00000000 00:00 0 \n"
		     "200000006000-200000008000 rw-s 00000000 00:00 0" PAD0
		     "/dev/zero (deleted)\n");
	EXPECT_MAPS(&f, want);
	host_file_close(&h);	/* files go before their machine */
	fixture_fini(&f);
}

/* ---- smaps ------------------------------------------------------------- */

#define SMAPS_ZERO_FIGURES                                                    \
	"KernelPageSize:        4 kB\n"                                       \
	"MMUPageSize:           4 kB\n"                                       \
	"Rss:                   0 kB\n"                                       \
	"Pss:                   0 kB\n"                                       \
	"Pss_Dirty:             0 kB\n"                                       \
	"Shared_Clean:          0 kB\n"                                       \
	"Shared_Dirty:          0 kB\n"                                       \
	"Private_Clean:         0 kB\n"                                       \
	"Private_Dirty:         0 kB\n"                                       \
	"Referenced:            0 kB\n"                                       \
	"Anonymous:             0 kB\n"                                       \
	"KSM:                   0 kB\n"                                       \
	"LazyFree:              0 kB\n"                                       \
	"AnonHugePages:         0 kB\n"                                       \
	"ShmemPmdMapped:        0 kB\n"                                       \
	"FilePmdMapped:         0 kB\n"                                       \
	"Shared_Hugetlb:        0 kB\n"                                       \
	"Private_Hugetlb:       0 kB\n"                                       \
	"Swap:                  0 kB\n"                                       \
	"SwapPss:               0 kB\n"                                       \
	"Locked:                0 kB\n"

TEST(smaps_anon_and_shmem)
{
	struct fixture f;
	struct vas_file *shm;
	char *got;

	fixture_init(&f);
	shm = shmem_file_setup(f.machine->frames, f.machine, 16 * P);
	ASSERT_NOT_NULL(shm);
	mk(f.mm, W, W + 3 * P, ANON_RW, NULL, 0);
	mk(f.mm, W + 0x100000, W + 0x100000 + 0x40000000, SHARED_RW, shm, 0);
	vas_file_put(shm);
	got = capture(f.user, true);
	EXPECT_TEXT(got,
		    "200000000000-200000003000 rw-p 00000000 00:00 0 \n"
		    "Size:                 12 kB\n" SMAPS_ZERO_FIGURES
		    "THPeligible:           0\n"
		    "VmFlags: rd wr mr mw me ac \n"
		    "200000100000-200040100000 rw-s 00000000 00:00 0" PAD0
		    "/dev/zero (deleted)\n"
		    "Size:            1048576 kB\n" SMAPS_ZERO_FIGURES
		    "THPeligible:           0\n"
		    "VmFlags: rd wr sh mr mw me ms \n");
	free(got);
	fixture_fini(&f);
}

/* A VMA without flags prints "VmFlags: " and the newline. */
TEST(smaps_no_flags)
{
	struct fixture f;
	char *got;

	fixture_init(&f);
	mk(f.mm, W, W + P, 0, NULL, 0);
	got = capture(f.user, true);
	EXPECT_TEXT(got, "200000000000-200000001000 ---p 00000000 00:00 0 \n"
			 "Size:                  4 kB\n" SMAPS_ZERO_FIGURES
			 "THPeligible:           0\n"
			 "VmFlags: \n");
	free(got);
	fixture_fini(&f);
}

/* THPeligible: anonymous, VM_HUGEPAGE, no VM_NOHUGEPAGE, an aligned 2 MiB. */
TEST(smaps_thp_eligible)
{
	static const struct {
		unsigned long start, end, flags;
		bool file;
		unsigned int want;
	} cases[] = {
		{ 0x400000, 0x800000, ANON_RW | VAS_VM_HUGEPAGE, false, 1 },
		{ 0x400000, 0x600000, ANON_RW | VAS_VM_HUGEPAGE, false, 1 },
		{ 0x400000, 0x5ff000, ANON_RW | VAS_VM_HUGEPAGE, false, 0 },
		{ 0x401000, 0x601000, ANON_RW | VAS_VM_HUGEPAGE, false, 0 },
		{ 0x401000, 0x800000, ANON_RW | VAS_VM_HUGEPAGE, false, 1 },
		{ 0x400000, 0x800000, ANON_RW, false, 0 },
		{ 0x400000, 0x800000, ANON_RW | VAS_VM_HUGEPAGE | VAS_VM_NOHUGEPAGE,
		  false, 0 },
		{ 0x400000, 0x800000, SHARED_RW | VAS_VM_HUGEPAGE, true, 0 },
		{ 0x400000, 0x800000, ANON_RO | VAS_VM_HUGEPAGE, false, 1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct vas_file *shm = NULL;
		char want[64], *got;

		fixture_init(&f);
		if (cases[i].file) {
			shm = shmem_file_setup(f.machine->frames, f.machine, 0x400000);
			ASSERT_NOT_NULL(shm);
		}
		mk(f.mm, W + cases[i].start, W + cases[i].end, cases[i].flags,
		   shm, 0);
		vas_file_put(shm);
		got = capture(f.user, true);
		snprintf(want, sizeof(want), "\nTHPeligible:    %8u\n", cases[i].want);
		HARNESS_CHECK(0, strstr(got, want) != NULL,
			      "case %u: no \"%s\" in\n%s", i, want + 1, got);
		free(got);
		fixture_fini(&f);
	}
}

/* ---- VmFlags codes ------------------------------------------------------ */

/*
 * Every bit and its code, written out independently of src/mm/proc.c
 * (Linux 6.18 fs/proc/task_mmu.c show_smap_vma_flags(), x86-64): NULL for
 * the protection-key bits, which print nothing; "??" for unnamed bits.
 */
static const char *const want_codes[64] = {
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms",		/* 0-7 */
	"gd", "um", "pf", "gu", "uw", "lo", "io", "sr",		/* 8-15 */
	"rr", "dc", "de", "lf", "ac", "nr", "ht", "sf",		/* 16-23 */
	"ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg",		/* 24-31 */
	NULL, NULL, NULL, NULL, "??", "ss", "??", "??",		/* 32-39 */
	"dp", "ui", "sl", "??", "??", "??", "??", "??",		/* 40-47 */
	"??", "??", "??", "??", "??", "??", "??", "??",		/* 48-55 */
	"??", "??", "??", "??", "??", "??", "??", "??",		/* 56-63 */
};

TEST(vmflags_each_bit)
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		char buf[8];
		const char *want = want_codes[bit] ? want_codes[bit] : "";
		size_t n = vas_vm_flags_codes(1UL << bit, buf, sizeof(buf));

		HARNESS_CHECK(0, strcmp(buf, want) == 0 && n == strlen(want),
			      "bit %u: \"%s\" (%zu), want \"%s\"", bit, buf, n,
			      want);
	}
}

TEST(vmflags_named_values)
{
	static const struct {
		unsigned long flag;
		const char *code;
	} named[] = {
		{ VAS_VM_READ, "rd" }, { VAS_VM_WRITE, "wr" },
		{ VAS_VM_EXEC, "ex" }, { VAS_VM_SHARED, "sh" },
		{ VAS_VM_MAYREAD, "mr" }, { VAS_VM_MAYWRITE, "mw" },
		{ VAS_VM_MAYEXEC, "me" }, { VAS_VM_MAYSHARE, "ms" },
		{ VAS_VM_GROWSDOWN, "gd" }, { VAS_VM_UFFD_MISSING, "um" },
		{ VAS_VM_PFNMAP, "pf" }, { VM_MAYBE_GUARD, "gu" },
		{ VAS_VM_UFFD_WP, "uw" }, { VAS_VM_LOCKED, "lo" },
		{ VAS_VM_IO, "io" }, { VAS_VM_SEQ_READ, "sr" },
		{ VAS_VM_RAND_READ, "rr" }, { VAS_VM_DONTCOPY, "dc" },
		{ VAS_VM_DONTEXPAND, "de" }, { VAS_VM_LOCKONFAULT, "lf" },
		{ VAS_VM_ACCOUNT, "ac" }, { VAS_VM_NORESERVE, "nr" },
		{ VAS_VM_HUGETLB, "ht" }, { VAS_VM_SYNC, "sf" },
		{ VAS_VM_PAT, "ar" }, { VAS_VM_WIPEONFORK, "wf" },
		{ VAS_VM_DONTDUMP, "dd" }, { VAS_VM_SOFTDIRTY, "sd" },
		{ VAS_VM_MIXEDMAP, "mm" }, { VAS_VM_HUGEPAGE, "hg" },
		{ VAS_VM_NOHUGEPAGE, "nh" }, { VAS_VM_MERGEABLE, "mg" },
		{ VAS_VM_PKEY_BIT0, "" }, { VAS_VM_PKEY_BIT1, "" },
		{ VAS_VM_PKEY_BIT2, "" }, { VAS_VM_PKEY_BIT3, "" },
		{ VAS_VM_SHADOW_STACK, "ss" },
		{ VAS_VM_ALLOW_ANY_UNCACHED, "??" },
		{ VAS_VM_DROPPABLE, "dp" }, { VAS_VM_UFFD_MINOR, "ui" },
		{ VAS_VM_SEALED, "sl" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		char buf[8];

		vas_vm_flags_codes(named[i].flag, buf, sizeof(buf));
		HARNESS_CHECK(0, strcmp(buf, named[i].code) == 0,
			      "flag %#lx: \"%s\", want \"%s\"", named[i].flag, buf,
			      named[i].code);
	}
}

TEST(vmflags_order_and_truncation)
{
	char buf[200];
	unsigned long all = ~0UL;
	size_t n;

	/* Bit order, not the order of the kernel's source table. */
	n = vas_vm_flags_codes(VAS_VM_SEALED | VAS_VM_ACCOUNT | VAS_VM_READ |
			       VAS_VM_UFFD_MISSING | VAS_VM_PFNMAP |
			       VAS_VM_GROWSDOWN | VAS_VM_PKEY_BIT1,
			       buf, sizeof(buf));
	EXPECT_TEXT(buf, "rd gd um pf ac sl");
	EXPECT_EQ(n, strlen("rd gd um pf ac sl"));

	n = vas_vm_flags_codes(0, buf, sizeof(buf));
	EXPECT_TEXT(buf, "");
	EXPECT_EQ(n, 0);

	/* 60 codes of 2 letters and 59 spaces; 192 bytes hold any value. */
	n = vas_vm_flags_codes(all, buf, sizeof(buf));
	EXPECT_EQ(n, 60 * 3 - 1);
	EXPECT_EQ(strlen(buf), n);
	EXPECT_TRUE(strncmp(buf, "rd wr ex sh mr mw me ms gd um pf gu uw lo io "
				 "sr rr dc de lf ac nr ht sf ar wf dd sd mm hg "
				 "nh mg ?? ss ?? ?? dp ui sl ??", 119) == 0);

	/* Truncation keeps a NUL and reports the full length. */
	n = vas_vm_flags_codes(ANON_RW, buf, 6);
	EXPECT_TEXT(buf, "rd wr");
	EXPECT_EQ(n, strlen("rd wr mr mw me ac"));
	n = vas_vm_flags_codes(ANON_RW, buf, 1);
	EXPECT_TEXT(buf, "");
	EXPECT_EQ(vas_vm_flags_codes(ANON_RW, NULL, 0), n);
}

/* ---- against the host kernel ------------------------------------------- */

/*
 * The layout, built both in this process (real mmap, madvise, ...) and in
 * vas (VMAs with the flags Linux gives them). Mappings are one page apart
 * so that the host does not merge them. No page is touched: every figure
 * is then 0 on both sides.
 */
enum host_op {
	OP_NONE,
	OP_MADVISE,	/* arg: advice */
	OP_MSEAL,
	OP_MLOCK_ONFAULT,
};

struct host_case {
	unsigned long off, len;
	int prot, flags;
	int file;			/* 0 anonymous, 1 host file, 2 shmem */
	unsigned long file_off;
	enum host_op op;
	int arg;
	unsigned long vm_flags;		/* what vas is given */
};

#define HOST_BASE (W + 0x40000000UL)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define RWP (PROT_READ | PROT_WRITE)
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

static const struct host_case host_cases[] = {
	{ 0x0000, P, RWP, PRIV, 0, 0, OP_NONE, 0, ANON_RW },
	{ 0x2000, 2 * P, PROT_READ, PRIV, 0, 0, OP_NONE, 0, ANON_RO },
	{ 0x5000, P, PROT_NONE, PRIV, 0, 0, OP_NONE, 0, MAY },
	{ 0x7000, P, PROT_READ | PROT_EXEC, PRIV, 0, 0, OP_NONE, 0,
	  VAS_VM_READ | VAS_VM_EXEC | MAY },
	{ 0x9000, P, RWP | PROT_EXEC, PRIV, 0, 0, OP_NONE, 0,
	  ANON_RW | VAS_VM_EXEC },
	{ 0xb000, P, PROT_NONE, PRIV | MAP_LOCKED, 0, 0, OP_NONE, 0,
	  MAY | VAS_VM_LOCKED },
	{ 0xd000, P, RWP, PRIV | MAP_NORESERVE, 0, 0, OP_NONE, 0,
	  (ANON_RW & ~VAS_VM_ACCOUNT) | VAS_VM_NORESERVE },
	{ 0xf000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_DONTFORK, ANON_RW |
	  VAS_VM_DONTCOPY },
	{ 0x11000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_WIPEONFORK, ANON_RW |
	  VAS_VM_WIPEONFORK },
	{ 0x13000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_DONTDUMP, ANON_RW |
	  VAS_VM_DONTDUMP },
	{ 0x15000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_RANDOM, ANON_RW |
	  VAS_VM_RAND_READ },
	{ 0x17000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_SEQUENTIAL, ANON_RW |
	  VAS_VM_SEQ_READ },
	{ 0x19000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_GUARD_INSTALL, ANON_RW |
	  VM_MAYBE_GUARD },
	{ 0x1b000, P, RWP, PRIV, 0, 0, OP_MSEAL, 0, ANON_RW | VAS_VM_SEALED },
	{ 0x1d000, P, RWP, PRIV, 0, 0, OP_MLOCK_ONFAULT, 0, ANON_RW |
	  VAS_VM_LOCKED | VAS_VM_LOCKONFAULT },
	{ 0x1f000, P, RWP, PRIV | MAP_GROWSDOWN, 0, 0, OP_NONE, 0, ANON_RW |
	  VAS_VM_GROWSDOWN },
	{ 0x21000, P, RWP, PRIV, 0, 0, OP_MADVISE, MADV_NOHUGEPAGE, ANON_RW |
	  VAS_VM_NOHUGEPAGE },
	{ 0x23000, 2 * P, RWP, MAP_SHARED, 1, 3 * P, OP_NONE, 0, SHARED_RW },
	{ 0x26000, P, PROT_READ, MAP_SHARED, 1, 0, OP_NONE, 0,
	  SHARED_RW & ~VAS_VM_WRITE },
	{ 0x28000, P, PROT_READ, MAP_PRIVATE, 1, 5 * P, OP_NONE, 0, ANON_RO },
	{ 0x2a000, P, RWP, MAP_PRIVATE, 1, 7 * P, OP_NONE, 0, ANON_RW },
	{ 0x2c000, 2 * P, RWP, MAP_SHARED | MAP_ANONYMOUS, 2, 0, OP_NONE, 0,
	  SHARED_RW },
	{ 0x2f000, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, 2, 0, OP_NONE, 0,
	  SHARED_RW & ~VAS_VM_WRITE },
	/* THP: eligible only with MADV_HUGEPAGE and an aligned 2 MiB inside. */
	{ 0x200000, 0x400000, RWP, PRIV, 0, 0, OP_MADVISE, MADV_HUGEPAGE,
	  ANON_RW | VAS_VM_HUGEPAGE },
	{ 0x700000, 0x200000, RWP, PRIV, 0, 0, OP_MADVISE, MADV_HUGEPAGE,
	  ANON_RW | VAS_VM_HUGEPAGE },
	{ 0xa00000, 0x200000, RWP, PRIV, 0, 0, OP_NONE, 0, ANON_RW },
};
#define NR_HOST_CASES (sizeof(host_cases) / sizeof(host_cases[0]))

/* Codes that depend on the host kernel's build and THP settings. */
static bool host_dependent_code(const char *code, size_t len)
{
	static const char *const skip[] = { "sd", "hg", "nh", "mg" };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (len == 2 && !strncmp(code, skip[i], 2))
			return true;
	return false;
}

/* A VmFlags line without the host-dependent codes, into @buf. */
static void strip_vmflags(const char *line, char *buf, size_t size)
{
	const char *p = line + strlen("VmFlags:");
	size_t n = (size_t)snprintf(buf, size, "VmFlags:");

	while (*p) {
		const char *q;

		while (*p == ' ')
			p++;
		q = p;
		while (*q && *q != ' ' && *q != '\n')
			q++;
		if (q > p && !host_dependent_code(p, (size_t)(q - p)) && n < size)
			n += (size_t)snprintf(buf + n, size - n, " %.*s",
					      (int)(q - p), p);
		p = *q ? q + 1 : q;
	}
}

/*
 * The smaps lines of the VMAs that start in [lo, hi), without ProtectionKey
 * lines (a host with protection keys prints them) and with VmFlags
 * stripped. Returns the number of lines, at most @max.
 */
static int collect(FILE *in, unsigned long lo, unsigned long hi,
		   char (*lines)[256], int max)
{
	char line[4096];
	bool in_range = false;
	int n = 0;

	while (fgets(line, sizeof(line), in)) {
		unsigned long start, end;
		char dash;

		/* A header line: "START-END PERM ..." (labels are not hex). */
		if (sscanf(line, "%lx%c%lx", &start, &dash, &end) == 3 &&
		    dash == '-')
			in_range = start >= lo && start < hi;
		if (!in_range || !strncmp(line, "ProtectionKey:", 14))
			continue;
		if (n >= max)
			return n + 1;
		if (!strncmp(line, "VmFlags:", 8))
			strip_vmflags(line, lines[n], sizeof(lines[n]));
		else
			snprintf(lines[n], sizeof(lines[n]), "%.*s",
				 (int)strcspn(line, "\n"), line);
		n++;
	}
	return n;
}

static bool host_thp_madvise(void)
{
	char buf[128] = "";
	FILE *in = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!in)
		return false;
	if (!fgets(buf, sizeof(buf), in))
		buf[0] = '\0';
	fclose(in);
	return strstr(buf, "[madvise]") != NULL;
}

#define MAX_LINES 1024

TEST(host_compare_smaps_and_maps)
{
	static char host[MAX_LINES][256], mine[MAX_LINES][256];
	struct fixture f;
	struct host_file h;
	struct vas_file *shm[NR_HOST_CASES] = { 0 };
	bool thp = host_thp_madvise();
	unsigned int i;
	int nh, nm, k;
	char *text;
	FILE *in;

	fixture_init(&f);
	host_file_open(&f, &h, "hostcmp", VAS_FMODE_READ | VAS_FMODE_WRITE);

	for (i = 0; i < NR_HOST_CASES; i++) {
		const struct host_case *c = &host_cases[i];
		unsigned long addr = HOST_BASE + c->off;
		void *p = mmap((void *)addr, c->len, c->prot,
			       c->flags | MAP_FIXED_NOREPLACE,
			       c->file == 1 ? h.fd : -1, (off_t)c->file_off);
		struct vas_file *file = NULL;
		long r = 0;

		ASSERT_PTR_EQ(p, (void *)addr);
		switch (c->op) {
		case OP_NONE:
			break;
		case OP_MADVISE:
			r = madvise(p, c->len, c->arg);
			break;
		case OP_MSEAL:
			r = syscall(462, p, c->len, 0);
			break;
		case OP_MLOCK_ONFAULT:
			r = syscall(SYS_mlock2, p, c->len, MLOCK_ONFAULT);
			break;
		}
		ASSERT_EQ(r, 0);
		if (c->file == 1) {
			file = h.file;
		} else if (c->file == 2) {
			shm[i] = shmem_file_setup(f.machine->frames, f.machine, c->len);
			ASSERT_NOT_NULL(shm[i]);
			file = shm[i];
		}
		mk(f.mm, addr, addr + c->len, c->vm_flags, file, c->file_off / P);
	}

	/* smaps: the host's lines for the range, then vas's. */
	in = fopen("/proc/self/smaps", "r");
	ASSERT_NOT_NULL(in);
	nh = collect(in, HOST_BASE, HOST_BASE + 0x40000000UL, host, MAX_LINES);
	fclose(in);
	text = capture(f.user, true);
	in = fmemopen(text, strlen(text), "r");
	ASSERT_NOT_NULL(in);
	nm = collect(in, HOST_BASE, HOST_BASE + 0x40000000UL, mine, MAX_LINES);
	fclose(in);
	free(text);

	EXPECT_EQ(nh, nm);
	EXPECT_EQ(nm, (int)NR_HOST_CASES * 25);
	for (k = 0; k < nh && k < nm; k++) {
		const char *a = host[k], *b = mine[k];

		/*
		 * The shmem object: Linux prints its tmpfs device and inode
		 * (00:01 N), vas 00:00 0. Compare all but those columns.
		 */
		if (strstr(a, "/dev/zero (deleted)")) {
			char *x = strstr(a, " 00:01 ");
			char *y = strstr(b, " 00:00 0");

			EXPECT_TRUE(x != NULL && y != NULL);
			if (x && y) {
				EXPECT_EQ((long)(x - a), (long)(y - b));
				EXPECT_TRUE(!strncmp(a, b, (size_t)(x - a)));
				EXPECT_TEXT(strstr(a, "/dev/zero"),
					    strstr(b, "/dev/zero"));
				EXPECT_EQ(strlen(a), strlen(b));
			}
			continue;
		}
		if (!thp && !strncmp(a, "THPeligible:", 12))
			continue;
		HARNESS_CHECK(0, strcmp(a, b) == 0,
			      "line %d:\n  host: \"%s\"\n  vas:  \"%s\"", k, a, b);
	}

	/* Sealed mappings stay until the process exits. */
	for (i = 0; i < NR_HOST_CASES; i++) {
		if (host_cases[i].op != OP_MSEAL)
			munmap((void *)(HOST_BASE + host_cases[i].off),
			       host_cases[i].len);
		vas_file_put(shm[i]);
	}
	host_file_close(&h);	/* files go before their machine */
	fixture_fini(&f);
}

/* maps of the host and of vas, for the same kinds of line. */
TEST(host_compare_maps_lines)
{
	struct fixture f;
	struct host_file h;
	char line[512], host_file_line[512] = "", host_anon[512] = "";
	char want[1024];
	char *text;
	FILE *in;
	void *a, *b;

	fixture_init(&f);
	host_file_open(&f, &h, "mapsline", VAS_FMODE_READ | VAS_FMODE_WRITE);
	a = mmap((void *)(HOST_BASE + 0x3000000), P, PROT_READ,
		 MAP_PRIVATE | MAP_FIXED_NOREPLACE, h.fd, 9 * P);
	b = mmap((void *)(HOST_BASE + 0x3002000), P, RWP,
		 PRIV | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_PTR_EQ(a, (void *)(HOST_BASE + 0x3000000));
	ASSERT_PTR_EQ(b, (void *)(HOST_BASE + 0x3002000));
	in = fopen("/proc/self/maps", "r");
	ASSERT_NOT_NULL(in);
	while (fgets(line, sizeof(line), in)) {
		unsigned long s = strtoul(line, NULL, 16);

		if (s == (unsigned long)a)
			strcpy(host_file_line, line);
		else if (s == (unsigned long)b)
			strcpy(host_anon, line);
	}
	fclose(in);
	munmap(a, P);
	munmap(b, P);

	mk(f.mm, (unsigned long)a, (unsigned long)a + P, ANON_RO, h.file, 9);
	mk(f.mm, (unsigned long)b, (unsigned long)b + P, ANON_RW, NULL, 0);
	text = capture(f.user, false);
	snprintf(want, sizeof(want), "%s%s", host_file_line, host_anon);
	EXPECT_TEXT(text, want);
	free(text);
	host_file_close(&h);	/* files go before their machine */
	fixture_fini(&f);
}
