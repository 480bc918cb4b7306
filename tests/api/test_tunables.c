// SPDX-License-Identifier: MIT
/*
 * test_tunables.c - the machine tunables that stand for facts of a Linux
 * host (zero page, page-cache folios, mmap_min_addr and its security
 * module floor) and the CAP_SYS_RAWIO setting of an address space,
 * through the public API only, each with both settings.
 *
 * Regression (issue 8, defect 6): mmap_min_addr applied to hints only, so
 * MAP_FIXED at 0 and an mremap to a low fixed address succeeded; Linux
 * refuses both with -EPERM without CAP_SYS_RAWIO (security_mmap_addr ->
 * cap_mmap_addr, checked at the end of __get_unmapped_area, before the
 * map type, the file mode and MAP_FIXED_NOREPLACE's overlap).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vas/vas.h>
#include "harness.h"

#define PG 4096UL
#define W 0x200000000000UL
#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)

static struct vas_machine *machine_with(const struct vas_machine_config *cfg)
{
	struct vas_machine *m = NULL;

	if (vas_machine_create(cfg, &m))
		harness_abort_case();
	return m;
}

static void done(struct vas_mm_user *mm, struct vas_machine *m)
{
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_mm_put(mm);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}

/* Number of VMAs, and whether one covers @addr. */
static int nvmas(struct vas_mm_user *mm)
{
	int n;

	vas_mmap_read_lock(mm);
	n = vas_mm_map_count(mm);
	vas_mmap_read_unlock(mm);
	return n;
}

static bool mapped(struct vas_mm_user *mm, unsigned long addr)
{
	bool ret;

	vas_mmap_read_lock(mm);
	ret = vas_vma_lookup(mm, addr) != NULL;
	vas_mmap_read_unlock(mm);
	return ret;
}

/* The smaps figures of the VMA at @addr. */
static struct vas_vma_mem mem_at(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_mem mem = { 0 };
	struct vas_vma_ref *vma;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma)
		vas_vma_mem_stats(vma, &mem);
	vas_mmap_read_unlock(mm);
	return mem;
}

/* ---- validation ---------------------------------------------------------- */

TEST(config_defaults_of_new_tunables)
{
	struct vas_machine_config cfg;

	memset(&cfg, 0x5a, sizeof(cfg));
	vas_machine_config_init(&cfg);
	EXPECT_TRUE(cfg.zero_page);
	EXPECT_EQ(cfg.file_folio_max, PG);
	EXPECT_EQ(cfg.lsm_mmap_min_addr, 0);
	EXPECT_EQ(cfg.mmap_min_addr, 65536);
}

TEST(config_rejects_bad_tunables)
{
	static const size_t bad_folios[] = {
		0, PG - 1, PG + PG / 2, 3 * PG, 12288, VAS_FILE_FOLIO_MAX * 2,
		VAS_FILE_FOLIO_MAX + PG,
	};
	struct vas_machine_config cfg;
	struct vas_machine *m;

	for (size_t i = 0; i < sizeof(bad_folios) / sizeof(bad_folios[0]);
	     i++) {
		vas_machine_config_init(&cfg);
		cfg.file_folio_max = bad_folios[i];
		m = NULL;
		EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
		EXPECT_NULL(m);
	}
	vas_machine_config_init(&cfg);
	cfg.lsm_mmap_min_addr = 65536 + 8;	/* not page aligned */
	m = NULL;
	EXPECT_EQ(vas_machine_create(&cfg, &m), -EINVAL);
	EXPECT_NULL(m);

	/* the edges are fine, and both zero-page settings */
	for (size_t f = PG; f <= VAS_FILE_FOLIO_MAX; f *= 2) {
		for (int zp = 0; zp < 2; zp++) {
			vas_machine_config_init(&cfg);
			cfg.file_folio_max = f;
			cfg.zero_page = zp;
			cfg.lsm_mmap_min_addr = 1UL << 20;
			m = machine_with(&cfg);
			EXPECT_EQ(vas_machine_config(m)->file_folio_max, f);
			EXPECT_EQ(vas_machine_config(m)->zero_page, zp);
			EXPECT_EQ(vas_machine_config(m)->lsm_mmap_min_addr,
				  1UL << 20);
			EXPECT_EQ(vas_machine_destroy(m), 0);
		}
	}
}

/* ---- the zero page --------------------------------------------------------- */

/*
 * Reads of anonymous memory, with and without the zero page:
 *
 *   W        +4       +8
 *   |AAAA----|BBBB----|     A: rw- private, B: r-- private; 4 pages each
 *
 * Read both: with the zero page RSS stays 0; without, every page read
 * is a page of its own (Rss and Anonymous 16 kB per VMA). A write after
 * the read reuses that page (no copy, RSS unchanged); in the read-only
 * VMA after mprotect too. MADV_DONTNEED drops them.
 */
static void read_then_write(bool zero_page)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_fault_info fi;
	struct vas_vma_mem mem;
	unsigned long a;
	char buf[4 * PG];
	long per = zero_page ? 0 : 4;

	vas_machine_config_init(&cfg);
	cfg.zero_page = zero_page;
	m = machine_with(&cfg);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_mmap(mm, W, 4 * PG, RW, ANON | VAS_MAP_FIXED, NULL, 0,
			   &a), 0);
	ASSERT_EQ(vas_mmap(mm, W + 4 * PG, 4 * PG, VAS_PROT_READ,
			   ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	ASSERT_EQ(nvmas(mm), 2);

	ASSERT_EQ(vas_read(mm, W, buf, sizeof(buf), &fi), 0);
	ASSERT_EQ(vas_read(mm, W + 4 * PG, buf, sizeof(buf), &fi), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(buf[i], 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), 2 * per);
	mem = mem_at(mm, W);
	EXPECT_EQ(mem.rss_kb, per * 4);
	EXPECT_EQ(mem.anon_kb, per * 4);
	mem = mem_at(mm, W + 4 * PG);
	EXPECT_EQ(mem.rss_kb, per * 4);
	EXPECT_EQ(mem.anon_kb, per * 4);
	EXPECT_EQ(vas_mm_validate(mm), 0);

	/* writes: a copy of the zero page, or the page the read made */
	ASSERT_EQ(vas_fill(mm, W, 0x11, 4 * PG, &fi), 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), 4 + per);
	ASSERT_EQ(vas_mprotect(mm, W + 4 * PG, 4 * PG, RW), 0);
	/* with the zero page B has no anon_vma and merges with A */
	EXPECT_EQ(nvmas(mm), zero_page ? 1 : 2);
	ASSERT_EQ(vas_fill(mm, W + 4 * PG, 0x22, PG, &fi), 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), zero_page ? 5 : 8);
	ASSERT_EQ(vas_read(mm, W + 4 * PG, buf, 2 * PG, &fi), 0);
	EXPECT_EQ(buf[0], 0x22);
	EXPECT_EQ(buf[PG], 0);
	EXPECT_EQ(vas_mm_validate(mm), 0);

	/* MADV_DONTNEED drops them all; a read brings them back (or not) */
	ASSERT_EQ(vas_madvise(mm, W, 8 * PG, VAS_MADV_DONTNEED), 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), 0);
	ASSERT_EQ(vas_read(mm, W, buf, PG, &fi), 0);
	EXPECT_EQ(buf[0], 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), zero_page ? 0 : 1);
	done(mm, m);
}

TEST(zero_page_on_reads_use_no_memory)
{
	read_then_write(true);
}

TEST(zero_page_off_reads_allocate)
{
	read_then_write(false);
}

/*
 * Without the zero page a read gives the VMA its anon_vma, as a write
 * does: two VMAs that were each read get different anon_vmas (B cannot
 * reuse A's: rw- private has VM_ACCOUNT, r-- not) and no longer merge
 * when the protection between them is made equal; with the zero page they
 * do. The host, made to do without the zero page, agrees.
 *
 *   W    +1   +2
 *   |AAAA|BBBB|    A: rw-, B: r--; read A and B, then mprotect B rw-
 */
static void read_prepares_anon_vma(bool zero_page)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_fault_info fi;
	unsigned long a;
	char c;

	vas_machine_config_init(&cfg);
	cfg.zero_page = zero_page;
	m = machine_with(&cfg);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_mmap(mm, W, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  0);
	ASSERT_EQ(vas_mmap(mm, W + PG, PG, VAS_PROT_READ,
			   ANON | VAS_MAP_FIXED, NULL, 0, &a), 0);
	ASSERT_EQ(vas_read(mm, W, &c, 1, &fi), 0);
	ASSERT_EQ(vas_read(mm, W + PG, &c, 1, &fi), 0);
	ASSERT_EQ(vas_mprotect(mm, W + PG, PG, RW), 0);
	EXPECT_EQ(nvmas(mm), zero_page ? 1 : 2);
	done(mm, m);
}

TEST(zero_page_on_read_leaves_no_anon_vma)
{
	read_prepares_anon_vma(true);
}

TEST(zero_page_off_read_prepares_anon_vma)
{
	read_prepares_anon_vma(false);
}

/* Populating a read-only private VMA (mlock) reads it: the same rule. */
static void populate_read(bool zero_page)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	unsigned long a;

	vas_machine_config_init(&cfg);
	cfg.zero_page = zero_page;
	m = machine_with(&cfg);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_mmap(mm, W, 3 * PG, VAS_PROT_READ, ANON | VAS_MAP_FIXED,
			   NULL, 0, &a), 0);
	ASSERT_EQ(vas_mlock(mm, W, 3 * PG), 0);
	EXPECT_EQ(vas_mm_rss(mm, VAS_RSS_ANON), zero_page ? 0 : 3);
	EXPECT_EQ(mem_at(mm, W).locked_kb, zero_page ? 0 : 12);
	done(mm, m);
}

TEST(zero_page_on_mlock_populates_nothing)
{
	populate_read(true);
}

TEST(zero_page_off_mlock_populates_pages)
{
	populate_read(false);
}

/* ---- folios of host files -------------------------------------------------- */

/* A host file of @size bytes, unlinked; its descriptor. */
static int temp_file(size_t size)
{
	char path[] = "/var/tmp/vas-tunables-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Pages one shared write fault maps at page @pg of a file of @size bytes
 * mapped whole (@vma_pages pages from offset 0, or the whole file if 0),
 * with folios of at most @folio bytes.
 */
static long fault_maps(size_t folio, size_t size, unsigned long pg,
		       unsigned long vma_pages)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_file *f;
	struct vas_fault_info fi;
	unsigned long a, len;
	long rss = -1;
	int fd = temp_file(size);

	if (fd < 0)
		return -1;
	vas_machine_config_init(&cfg);
	cfg.file_folio_max = folio;
	m = machine_with(&cfg);
	if (vas_mm_create(m, &mm))
		goto out_m;
	if (vas_file_open_host(m, fd, VAS_FMODE_READ | VAS_FMODE_WRITE, "f",
			       &f))
		goto out_mm;
	len = vma_pages ? vma_pages * PG : (size + PG - 1) & ~(PG - 1);
	if (!vas_mmap(mm, W, len, RW, VAS_MAP_SHARED | VAS_MAP_FIXED, f, 0,
		      &a) &&
	    !vas_fill(mm, W + pg * PG, 1, 1, &fi))
		rss = vas_mm_rss(mm, VAS_RSS_FILE);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_file_put(f);
out_mm:
	vas_mm_put(mm);
out_m:
	EXPECT_EQ(vas_machine_destroy(m), 0);
	close(fd);
	return rss;
}

TEST(file_folio_max_decides_what_a_shared_write_fault_maps)
{
	/* 64 KiB file: folios of the tunable's size */
	EXPECT_EQ(fault_maps(PG, 64 << 10, 0, 0), 1);
	EXPECT_EQ(fault_maps(16 << 10, 64 << 10, 0, 0), 4);
	EXPECT_EQ(fault_maps(16 << 10, 64 << 10, 5, 0), 4);
	EXPECT_EQ(fault_maps(64 << 10, 64 << 10, 9, 0), 16);
	/* the largest folio: a 64 KiB file's one piece is one 64 KiB folio */
	EXPECT_EQ(fault_maps(VAS_FILE_FOLIO_MAX, 64 << 10, 3, 0), 16);
	/* the end of a 20 KiB file: 16 KiB, then a single page */
	EXPECT_EQ(fault_maps(16 << 10, 20 << 10, 1, 0), 4);
	EXPECT_EQ(fault_maps(16 << 10, 20 << 10, 4, 0), 1);
	/* a 24 KiB file with 64 KiB folios: 16 KiB + 8 KiB */
	EXPECT_EQ(fault_maps(64 << 10, 24 << 10, 2, 0), 4);
	EXPECT_EQ(fault_maps(64 << 10, 24 << 10, 5, 0), 2);
	/* a VMA that cuts the folio: the page alone */
	EXPECT_EQ(fault_maps(16 << 10, 64 << 10, 1, 2), 1);
}

/* ---- mmap_min_addr and CAP_SYS_RAWIO --------------------------------------- */

/*
 * Without CAP_SYS_RAWIO (the default), nothing may be mapped at a fixed
 * address below mmap_min_addr: -EPERM, and the address space is
 * unchanged. Checks that come before the address (length, alignment) win;
 * the map type, the file's mode and the overlap of MAP_FIXED_NOREPLACE
 * come after it. A hint below it is raised to it.
 */
TEST(mmap_min_addr_refuses_low_fixed_mappings)
{
	struct vas_machine *m = machine_with(NULL);
	struct vas_mm_user *mm;
	unsigned long a = 0;
	struct vas_file *ro;
	int fd = temp_file(4 * PG);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	ASSERT_EQ(vas_file_open_host(m, fd, VAS_FMODE_READ, "ro", &ro), 0);
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EPERM);
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, ANON | VAS_MAP_FIXED_NOREPLACE,
			   NULL, 0, &a), -EPERM);
	EXPECT_EQ(vas_mmap(mm, PG, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EPERM);
	EXPECT_EQ(vas_mmap(mm, 65536 - PG, 2 * PG, RW, ANON | VAS_MAP_FIXED,
			   NULL, 0, &a), -EPERM);
	/* before the address: length 0, a misaligned fixed address */
	EXPECT_EQ(vas_mmap(mm, 0, 0, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EINVAL);
	EXPECT_EQ(vas_mmap(mm, 1, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EINVAL);
	/* after it: no map type, a read-only file mapped shared writable */
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			   NULL, 0, &a), -EPERM);
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, VAS_MAP_SHARED | VAS_MAP_FIXED, ro,
			   0, &a), -EPERM);
	EXPECT_EQ(nvmas(mm), 0);
	EXPECT_EQ(vas_mm_validate(mm), 0);

	/* at mmap_min_addr itself: fine */
	EXPECT_EQ(vas_mmap(mm, 65536, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0,
			   &a), 0);
	EXPECT_EQ(a, 65536);
	/* a hint below it is raised to it (taken: the next free place) */
	EXPECT_EQ(vas_munmap(mm, 65536, PG), 0);
	EXPECT_EQ(vas_mmap(mm, PG, PG, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(a, 65536);

	/* mremap to a low fixed address: -EPERM, the source stays */
	ASSERT_EQ(vas_mmap(mm, W, 2 * PG, RW, ANON | VAS_MAP_FIXED, NULL, 0,
			   &a), 0);
	EXPECT_EQ(vas_mremap(mm, W, PG, PG,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, 0, &a),
		  -EPERM);
	/*
	 * Shrinking and moving: Linux's mremap_to() shrinks the source
	 * before it asks for the address, and leaves it shrunk (as on the
	 * host, without CAP_SYS_RAWIO, to address 0).
	 */
	EXPECT_EQ(vas_mremap(mm, W, 2 * PG, PG,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, PG, &a),
		  -EPERM);
	EXPECT_TRUE(mapped(mm, W));
	EXPECT_FALSE(mapped(mm, W + PG));
	EXPECT_EQ(vas_mremap(mm, W, PG, PG,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED |
				     VAS_MREMAP_DONTUNMAP,
			     PG, &a), -EPERM);
	/* an unmapped source is -EFAULT first */
	EXPECT_EQ(vas_mremap(mm, W + 16 * PG, PG, PG,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, PG, &a),
		  -EFAULT);
	EXPECT_TRUE(mapped(mm, W));
	EXPECT_FALSE(mapped(mm, 0));
	EXPECT_FALSE(mapped(mm, PG));
	EXPECT_EQ(nvmas(mm), 2);	/* W's page and the hint's */
	vas_file_put(ro);
	close(fd);
	done(mm, m);
}

/*
 * With CAP_SYS_RAWIO the low mappings succeed; a fork's child inherits
 * the privilege. Once it is dropped, such a mapping can no longer grow in
 * place (mremap moves it, or fails without MREMAP_MAYMOVE), nor be
 * replaced by MAP_FIXED; munmap works.
 */
TEST(cap_sys_rawio_allows_low_fixed_mappings)
{
	struct vas_machine *m = machine_with(NULL);
	struct vas_mm_user *mm, *child;
	unsigned long a = 1;

	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	vas_mm_set_cap_sys_rawio(mm, true);
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  0);
	EXPECT_EQ(a, 0);
	ASSERT_EQ(vas_mmap(mm, W, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  0);
	EXPECT_EQ(vas_mremap(mm, W, PG, PG,
			     VAS_MREMAP_MAYMOVE | VAS_MREMAP_FIXED, 4 * PG, &a),
		  0);
	EXPECT_EQ(a, 4 * PG);
	EXPECT_EQ(vas_mm_validate(mm), 0);

	ASSERT_EQ(vas_mm_fork(mm, &child), 0);
	EXPECT_EQ(vas_mmap(child, 8 * PG, PG, RW, ANON | VAS_MAP_FIXED, NULL,
			   0, &a), 0);
	vas_mm_put(child);

	vas_mm_set_cap_sys_rawio(mm, false);
	EXPECT_EQ(vas_mremap(mm, 4 * PG, PG, 2 * PG, 0, 0, &a), -ENOMEM);
	EXPECT_EQ(vas_mremap(mm, 4 * PG, PG, 2 * PG, VAS_MREMAP_MAYMOVE, 0,
			     &a), 0);
	EXPECT_TRUE(a >= 65536);
	EXPECT_FALSE(mapped(mm, 4 * PG));
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EPERM);
	EXPECT_TRUE(mapped(mm, 0));
	EXPECT_EQ(vas_munmap(mm, 0, PG), 0);
	EXPECT_FALSE(mapped(mm, 0));
	done(mm, m);
}

/*
 * A security module's floor above vm.mmap_min_addr (this host: 4096 and
 * 65536): hints are raised to the floor, stacks stop at it, but a fixed
 * mapping needs CAP_SYS_RAWIO only below vm.mmap_min_addr.
 */
TEST(lsm_mmap_min_addr_raises_hints_only)
{
	struct vas_machine_config cfg;
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_fault_info fi;
	unsigned long a = 0;
	char c;

	vas_machine_config_init(&cfg);
	cfg.mmap_min_addr = PG;
	cfg.lsm_mmap_min_addr = 65536;
	m = machine_with(&cfg);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	EXPECT_EQ(vas_mmap(mm, 0, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  -EPERM);
	EXPECT_EQ(vas_mmap(mm, PG, PG, RW, ANON | VAS_MAP_FIXED, NULL, 0, &a),
		  0);
	EXPECT_EQ(a, PG);
	EXPECT_EQ(vas_mmap(mm, 2 * PG, PG, RW, ANON, NULL, 0, &a), 0);
	EXPECT_EQ(a, 65536);
	/* a stack at 80 KiB grows to 64 KiB, not below (nothing below it
	 * within the guard gap) */
	EXPECT_EQ(vas_munmap(mm, 0, 65536 + PG), 0);
	ASSERT_EQ(vas_mmap(mm, 65536 + 4 * PG, PG, RW,
			   ANON | VAS_MAP_FIXED | VAS_MAP_GROWSDOWN, NULL, 0,
			   &a), 0);
	EXPECT_EQ(vas_read(mm, 65536, &c, 1, &fi), 0);
	EXPECT_TRUE(mapped(mm, 65536));
	EXPECT_EQ(vas_read(mm, 65536 - PG, &c, 1, &fi), -EFAULT);
	EXPECT_EQ(fi.signo, VAS_SIGSEGV);
	EXPECT_EQ(fi.addr, 65536 - PG);
	EXPECT_EQ(nvmas(mm), 1);
	done(mm, m);
}
