// SPDX-License-Identifier: MIT
/*
 * test_host.c - the decisions of the host probe (tools/vasctl/host.c) on
 * made-up inputs: the smaps, status and sysfs texts of this host and of
 * hosts that are not this one (no zero page, small folios, not root, no
 * THP, another kernel), the comparison with the reference configuration
 * (which facts make which scripts skip), and what a script depends on.
 * Then the stand-in for a kernel without the zero page (vasctl_unzero)
 * on this host, whichever zero-page setting it has.
 * tests/harness cases (a name as the first argument runs that case alone).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "host.h"
#include "script.h"

#include "harness.h"


/* Two VMAs as /proc/PID/smaps prints them; %s: the probed page's Rss. */
static const char smaps_fmt[] =
    "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:                132 kB\n"
    "Rss:                   8 kB\n"
    "Anonymous:             8 kB\n"
    "VmFlags: rd wr mr mw me ac sd\n"
    "7f1234560000-7f1234561000 ---p 00000000 00:00 0 \n"
    "Size:                  4 kB\n"
    "Rss:                   0 kB\n"
    "VmFlags: mr mw me sd\n"
    "7f1234561000-7f1234562000 r--p 00000000 00:00 0 \n"
    "Size:                  4 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                   %s kB\n"
    "Pss:                   %s kB\n"
    "Anonymous:             %s kB\n"
    "VmFlags: rd mr mw me sd\n"
    "7f1234562000-7f1234563000 ---p 00000000 00:00 0 \n"
    "Size:                  4 kB\n"
    "Rss:                  12 kB\n"
    "VmFlags: mr mw me sd\n";

static char *smaps_with(const char *rss)
{
	char *t = NULL;

	if (asprintf(&t, smaps_fmt, rss, rss, rss) < 0)
		abort();
	return t;
}

TEST(smaps)
{
	char *zp = smaps_with("0"), *nz = smaps_with("4"), *odd = smaps_with("8");
	uint64_t kb = 0;

	/* the field of the VMA that contains the address, not its neighbours' */
	EXPECT_TRUE(!vasctl_smaps_field_kb(zp, 0x7f1234561000, "Rss:", &kb));
	EXPECT_EQ(kb, 0);
	EXPECT_TRUE(!vasctl_smaps_field_kb(nz, 0x7f1234561fff, "Rss:", &kb));
	EXPECT_EQ(kb, 4);
	EXPECT_TRUE(!vasctl_smaps_field_kb(nz, 0x7f1234561800, "Anonymous:", &kb));
	EXPECT_EQ(kb, 4);
	EXPECT_TRUE(!vasctl_smaps_field_kb(zp, 0x55d0c0a00000, "Rss:", &kb));
	EXPECT_EQ(kb, 8);
	EXPECT_TRUE(!vasctl_smaps_field_kb(zp, 0x7f1234562000, "Rss:", &kb));
	EXPECT_EQ(kb, 12);
	/* no VMA there; a VMA without the field */
	EXPECT_TRUE(vasctl_smaps_field_kb(zp, 0x1000, "Rss:", &kb) == -1);
	EXPECT_TRUE(vasctl_smaps_field_kb(zp, 0x7f1234560000, "Anonymous:", &kb) ==
	       -1);

	/* the verdict: this host (zero page), a pvm_no_zero_page host */
	EXPECT_TRUE(vasctl_zero_page_of(zp, 0x7f1234561000) == 1);
	EXPECT_TRUE(vasctl_zero_page_of(nz, 0x7f1234561000) == 0);
	EXPECT_TRUE(vasctl_zero_page_of(odd, 0x7f1234561000) == -1);
	EXPECT_TRUE(vasctl_zero_page_of(zp, 0x1000) == -1);
	free(zp);
	free(nz);
	free(odd);
}

TEST(status)
{
	static const char root[] = "Name:\tvasctl\nUmask:\t0022\nState:\tR\n"
				   "CapInh:\t0000000000000000\n"
				   "CapPrm:\t000001fffeffffff\n"
				   "CapEff:\t000001fffeffffff\n"
				   "CapBnd:\t000001fffeffffff\n";
	static const char user[] = "Name:\tvasctl\nCapInh:\t0000000000000000\n"
				   "CapPrm:\t0000000000000000\n"
				   "CapEff:\t0000000000000000\n";
	/* CAP_IPC_LOCK (bit 14) but not CAP_SYS_RAWIO (bit 17) */
	static const char ipc[] = "CapEff:\t0000000000004000\nCapBnd:\t0\n";
	uint64_t caps = 1;

	EXPECT_TRUE(!vasctl_status_capeff(root, &caps));
	EXPECT_TRUE(caps & (1ULL << VASCTL_CAP_IPC_LOCK));
	EXPECT_TRUE(caps & (1ULL << VASCTL_CAP_SYS_RAWIO));
	EXPECT_TRUE(!vasctl_status_capeff(user, &caps));
	EXPECT_EQ(caps, 0);
	EXPECT_TRUE(!vasctl_status_capeff(ipc, &caps));
	EXPECT_TRUE(caps & (1ULL << VASCTL_CAP_IPC_LOCK));
	EXPECT_TRUE(!(caps & (1ULL << VASCTL_CAP_SYS_RAWIO)));
	EXPECT_TRUE(vasctl_status_capeff("Name:\tx\nCapPrm:\t0\n", &caps) == -1);
	EXPECT_TRUE(vasctl_status_capeff("CapEff:\tzz\n", &caps) == -1);
}

TEST(sysfs_and_release)
{
	char buf[16];

	EXPECT_TRUE(!vasctl_thp_mode("always [madvise] never\n", buf, sizeof(buf)));
	EXPECT_TRUE(!strcmp(buf, "madvise"));
	EXPECT_TRUE(!vasctl_thp_mode("always madvise [never]\n", buf, sizeof(buf)));
	EXPECT_TRUE(!strcmp(buf, "never"));
	EXPECT_TRUE(vasctl_thp_mode("always madvise never\n", buf, sizeof(buf)) ==
	       -1);
	EXPECT_TRUE(vasctl_thp_mode("[]", buf, sizeof(buf)) == -1);

	EXPECT_TRUE(!vasctl_release_series("6.18.44-fc-v1294", buf, sizeof(buf)));
	EXPECT_TRUE(!strcmp(buf, "6.18"));
	EXPECT_TRUE(!vasctl_release_series("6.1.0-18-amd64", buf, sizeof(buf)));
	EXPECT_TRUE(!strcmp(buf, "6.1"));
	EXPECT_TRUE(!vasctl_release_series("6.18", buf, sizeof(buf)));
	EXPECT_TRUE(!strcmp(buf, "6.18"));
	EXPECT_TRUE(vasctl_release_series("unknown", buf, sizeof(buf)) == -1);
	EXPECT_TRUE(vasctl_release_series("6.", buf, sizeof(buf)) == -1);

	/* where a one-page hint lands: the floor, or nothing known */
	EXPECT_EQ(vasctl_hint_floor(65536, 4096), 65536);
	EXPECT_EQ(vasctl_hint_floor(65536, 65536), 65536);
	EXPECT_EQ(vasctl_hint_floor(4096, 4096), 4096);
	EXPECT_EQ(vasctl_hint_floor(4096, 0), 0);
	EXPECT_EQ(vasctl_hint_floor(32768, VASCTL_UNKNOWN), 32768);
	EXPECT_EQ(vasctl_hint_floor(0x7f1234560000, 4096), VASCTL_UNKNOWN);
	EXPECT_EQ(vasctl_hint_floor(8192, 65536), VASCTL_UNKNOWN);

	/* /proc/kpageflags: a 16 KiB folio, a lone page, two folios */
	{
		const uint64_t head = 1ULL << 15, tail = 1ULL << 16;
		const uint64_t f16[] = {head | 1, tail, tail, tail, 0, head};
		const uint64_t lone[] = {1ULL << 5, tail};
		const uint64_t two[] = {head, tail, head, tail};

		EXPECT_EQ(vasctl_kpage_folio(f16, 6), 4);
		EXPECT_EQ(vasctl_kpage_folio(f16, 3), 3);
		EXPECT_EQ(vasctl_kpage_folio(lone, 2), 1);
		EXPECT_EQ(vasctl_kpage_folio(two, 4), 2);
		EXPECT_EQ(vasctl_kpage_folio(two, 0), 1);
	}
}

/* The number of facts in which @h differs for @needs; the text in @buf. */
static int cmp(const struct vasctl_host *h, unsigned int needs, char *buf,
	       size_t len)
{
	return vasctl_host_compare(&vasctl_reference, h, needs, buf, len);
}

TEST(compare)
{
	struct vasctl_host h;
	char buf[1024];

	/* the reference is itself, whatever the script needs */
	h = vasctl_reference;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, sizeof(buf)) == 0);
	EXPECT_TRUE(buf[0] == '\0');
	/* this host: another patch level, THP madvise, sysctl 4096 (root) */
	snprintf(h.release, sizeof(h.release), "6.18.44-fc-v1294");
	h.mmap_min_addr = 4096;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, sizeof(buf)) == 0);
	h.file_folio = VASCTL_UNKNOWN;	/* without CAP_SYS_ADMIN */
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, sizeof(buf)) == 0);

	/* a pvm_no_zero_page host: only scripts that print maps differ */
	h = vasctl_reference;
	h.zero_page = 0;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  zero_page: no (reference: yes)\n"));
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_RSS, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL & ~VASCTL_NEED_RSS, buf, sizeof(buf)) ==
	       0);
	/* a probe that could not tell differs too */
	h.zero_page = -1;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_RSS, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  zero_page: unknown (reference: yes)\n"));

	/* small folios (a file system without large folios) */
	h = vasctl_reference;
	h.file_folio = 4096;
	h.file_fault_kb = 4;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_RSS, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  file_fault_kb: 4 (reference: 16)\n"));
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALWAYS, buf, sizeof(buf)) == 0);

	/* another kernel: every script */
	h = vasctl_reference;
	snprintf(h.release, sizeof(h.release), "6.12.48+deb13-amd64");
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALWAYS, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  kernel: 6.12.48+deb13-amd64 (reference: 6.18)\n"));

	/* not root: mlock and low addresses, not the others */
	h = vasctl_reference;
	h.cap_ipc_lock = h.cap_sys_rawio = 0;
	h.mmap_min_addr = 65536;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALWAYS | VASCTL_NEED_RSS, buf,
		   sizeof(buf)) == 0);
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_MLOCK, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  cap_ipc_lock: no (reference: yes)\n"));
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_LOW, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  cap_sys_rawio: no (reference: yes)\n"));
	/* and with vm.mmap_min_addr 4096 it is named too */
	h.mmap_min_addr = 4096;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_LOW, buf, sizeof(buf)) == 2);
	EXPECT_TRUE(!strcmp(buf, "  cap_sys_rawio: no (reference: yes)\n"
			    "  mmap_min_addr: 4096 (reference: 65536)\n"));
	/* RLIMIT_MEMLOCK only matters without CAP_IPC_LOCK */
	h = vasctl_reference;
	h.rlimit_memlock = 65536;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_MLOCK, buf, sizeof(buf)) == 0);
	h.cap_ipc_lock = 0;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_MLOCK, buf, sizeof(buf)) == 2);

	/* THP: only whether the kernel has it */
	h = vasctl_reference;
	snprintf(h.thp, sizeof(h.thp), "never");
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_THP, buf, sizeof(buf)) == 0);
	snprintf(h.thp, sizeof(h.thp), "none");
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_THP, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL & ~VASCTL_NEED_THP, buf, sizeof(buf)) ==
	       0);

	/* limits */
	h = vasctl_reference;
	h.rlimit_stack = 1 << 20;
	h.rlimit_as = 1ULL << 32;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_STACK, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALWAYS, buf, sizeof(buf)) == 1);
	EXPECT_TRUE(!strcmp(buf, "  rlimit_as: 4294967296 (reference: unlimited)\n"));
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, sizeof(buf)) == 2);

	/* a short buffer is cut, the count stays right */
	h = vasctl_reference;
	h.zero_page = 0;
	h.file_fault_kb = 4;
	EXPECT_TRUE(cmp(&h, VASCTL_NEED_ALL, buf, 8) == 2);
	EXPECT_TRUE(strlen(buf) < 8);
}

/* vasctl_host_print() and vasctl_host_set(), which spell facts alike. */
TEST(print_set)
{
	static const char ref_text[] =
	    "kernel: 6.18\n"
	    "zero_page: yes\n"
	    "thp: madvise\n"
	    "file_folio: 16384\n"
	    "file_fault_kb: 16\n"
	    "mmap_min_addr: 65536\n"
	    "mmap_min_floor: 65536\n"
	    "max_map_count: 65530\n"
	    "cap_ipc_lock: yes\n"
	    "cap_sys_rawio: yes\n"
	    "rlimit_stack: 8388608\n"
	    "rlimit_memlock: 8388608\n"
	    "rlimit_as: unlimited\n"
	    "rlimit_data: unlimited\n"
	    "mem_total_kb: 24683744\n"
	    "swap_total_kb: 0\n"
	    "overcommit_memory: 0\n"
	    "overcommit_ratio: 50\n"
	    "overcommit_kbytes: 0\n"
	    "admin_reserve_kbytes: 8192\n"
	    "user_reserve_kbytes: 131072\n"
	    "nr_hugepages: 0\n";
	struct vasctl_host h = vasctl_reference;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	vasctl_host_print(f, &h);
	fclose(f);
	EXPECT_TRUE(text && !strcmp(text, ref_text));
	free(text);

	EXPECT_TRUE(!vasctl_host_set(&h, "zero_page=no,file_fault_kb=4 "
				    "kernel=6.12.1  rlimit_as=4096,"
				    "mmap_min_addr=unknown cap_sys_rawio=unknown"));
	EXPECT_TRUE(h.zero_page == 0);
	EXPECT_EQ(h.file_fault_kb, 4);
	EXPECT_TRUE(!strcmp(h.release, "6.12.1"));
	EXPECT_EQ(h.rlimit_as, 4096);
	EXPECT_EQ(h.mmap_min_addr, VASCTL_UNKNOWN);
	EXPECT_TRUE(h.cap_sys_rawio == -1);
	EXPECT_EQ(h.file_folio, 16384);	/* untouched */
	EXPECT_TRUE(!vasctl_host_set(&h, "rlimit_as=unlimited"));
	EXPECT_EQ(h.rlimit_as, VASCTL_UNLIMITED);
	EXPECT_TRUE(!vasctl_host_set(&h, ""));
	EXPECT_TRUE(vasctl_host_set(&h, "nosuch=1") == -1);
	EXPECT_TRUE(vasctl_host_set(&h, "zero_page=maybe") == -1);
	EXPECT_TRUE(vasctl_host_set(&h, "file_folio=12x") == -1);
	EXPECT_TRUE(vasctl_host_set(&h, "file_folio=") == -1);
	EXPECT_TRUE(vasctl_host_set(&h, "zero_page") == -1);
	EXPECT_TRUE(vasctl_host_set(&h, "thp=abcdefghijklmnopq") == -1);
}

/* VASCTL_NEED_* of a script. */
static unsigned int needs_of(const char *src)
{
	struct vasctl_script s;
	char err[256];
	unsigned int n;

	if (vasctl_script_parse(src, strlen(src), &s, err, sizeof(err))) {
		fprintf(stderr, "parse: %s\n", err);
		return 0;
	}
	n = vasctl_script_needs(&s);
	vasctl_script_free(&s);
	return n;
}

TEST(needs)
{
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous\nread W 4K\nmaps\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_RSS));
	EXPECT_TRUE(needs_of("madvise W 4K hugepage\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_THP));
	EXPECT_TRUE(needs_of("madvise W 4K nohugepage\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_THP));
	EXPECT_TRUE(needs_of("madvise W 4K dontneed\n") == VASCTL_NEED_ALWAYS);
	EXPECT_TRUE(needs_of("mlock W 4K\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_MLOCK));
	EXPECT_TRUE(needs_of("mlock2 W 4K onfault\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_MLOCK));
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous|locked\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_MLOCK));
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous|growsdown\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_STACK));
	/* low addresses: fixed at 0, any hint below 1 MiB, mremap there */
	EXPECT_TRUE(needs_of("mmap 0 4K rw- private|anonymous|fixed\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_LOW));
	EXPECT_TRUE(needs_of("mmap 0 4K rw- private|anonymous|fixed_noreplace\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_LOW));
	EXPECT_TRUE(needs_of("mmap 0x1000 4K rw- private|anonymous\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_LOW));
	EXPECT_TRUE(needs_of("mmap 0 4K rw- private|anonymous -> a\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("mmap 0x200000000000 4K rw- private|anonymous|fixed\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous -> a\n"
			"mremap $a 4K 4K maymove|fixed 0\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_LOW));
	EXPECT_TRUE(needs_of("mmap W 4K rw- private|anonymous -> a\n"
			"mremap $a 4K 4K maymove|fixed W+0x10000\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("read 0x1000 1\n") == VASCTL_NEED_ALWAYS);
	/* what commits memory; huge pages */
	EXPECT_TRUE(needs_of("mprotect W 4K rw-\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("fork\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("mremap W 4K 8K maymove\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT));
	EXPECT_TRUE(needs_of("mmap W 2M rw- private|anonymous|hugetlb\n") ==
	       (VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT | VASCTL_NEED_HUGETLB));
}

/* /proc/meminfo figures. */
TEST(meminfo)
{
	static const char mi[] =
	    "MemTotal:       24683744 kB\n"
	    "MemFree:        20000000 kB\n"
	    "SwapTotal:             0 kB\n"
	    "Odd:            12\n";
	uint64_t kb = 1;

	EXPECT_TRUE(!vasctl_meminfo_kb(mi, "MemTotal:", &kb));
	EXPECT_EQ(kb, 24683744);
	EXPECT_TRUE(!vasctl_meminfo_kb(mi, "SwapTotal:", &kb));
	EXPECT_EQ(kb, 0);
	EXPECT_TRUE(vasctl_meminfo_kb(mi, "Odd:", &kb) == -1);
	EXPECT_TRUE(vasctl_meminfo_kb(mi, "Missing:", &kb) == -1);
	EXPECT_TRUE(vasctl_meminfo_kb("", "MemTotal:", &kb) == -1);
}

/* The commit facts compare for scripts that commit memory; the mode 2
 * sysctls only when one side is in mode 2; nr_hugepages for hugetlb. */
TEST(compare_commit)
{
	struct vasctl_host h = vasctl_reference;
	char buf[512];

	h.overcommit_ratio = 80;
	h.user_reserve_kbytes = 1;
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h, VASCTL_NEED_ALL,
				      buf, sizeof(buf)), 0);
	h.mem_total_kb = 1024;
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h,
				      VASCTL_NEED_ALWAYS, buf, sizeof(buf)), 0);
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h,
				      VASCTL_NEED_ALWAYS | VASCTL_NEED_COMMIT,
				      buf, sizeof(buf)), 1);
	EXPECT_TRUE(strstr(buf, "mem_total_kb: 1024 (reference: 24683744)"));
	h.overcommit_memory = 2;
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h,
				      VASCTL_NEED_COMMIT, buf, sizeof(buf)), 4);
	h = vasctl_reference;
	h.nr_hugepages = 16;
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h,
				      VASCTL_NEED_ALL & ~VASCTL_NEED_HUGETLB,
				      buf, sizeof(buf)), 0);
	EXPECT_EQ(vasctl_host_compare(&vasctl_reference, &h,
				      VASCTL_NEED_HUGETLB, buf, sizeof(buf)),
		  1);
}

/*
 * vasctl_unzero() on this host: after it, every page that was only read
 * is a page of its own (Rss and Anonymous count it) and still reads 0,
 * on a host with the zero page (where it makes the pages) and on one
 * without (where the reads made them already). Pages never touched and
 * shared memory are left alone.
 *
 *   p: rw- private 8 pages: read 0, 2; write 3
 *   q: r-- private 4 pages: read 1
 *   s: rw- shared  2 pages: read 0 (shmem: never the zero page)
 */
static uint64_t kb_of(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t cap = 1 << 20, n;
	char *t = malloc(cap);
	uint64_t kb = VASCTL_UNKNOWN;

	if (f && t) {
		n = fread(t, 1, cap - 1, f);
		t[n] = '\0';
		if (vasctl_smaps_field_kb(t, (uint64_t)(uintptr_t)addr, field,
					  &kb))
			kb = VASCTL_UNKNOWN;
	}
	if (f)
		fclose(f);
	free(t);
	return kb;
}

/* @n anonymous pages with @prot, a PROT_NONE page on either side. */
static volatile char *alone(size_t n, int prot, int type)
{
	const size_t pg = 4096;
	char *g = mmap(NULL, (n + 2) * pg, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (g == MAP_FAILED)
		return MAP_FAILED;
	p = mmap(g + pg, n * pg, prot, type | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0);
	return p == MAP_FAILED ? MAP_FAILED : p;
}

TEST(unzero)
{
	const size_t pg = 4096;
	volatile char *p, *q, *s;
	uint64_t lo, hi;
	int err;

	prctl(PR_SET_THP_DISABLE, 1UL, 0UL, 0UL, 0UL);
	/* each between PROT_NONE pages: merged with no other memory */
	p = alone(8, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	q = alone(4, PROT_READ, MAP_PRIVATE);
	s = alone(2, PROT_READ | PROT_WRITE, MAP_SHARED);
	EXPECT_TRUE(p != MAP_FAILED && q != MAP_FAILED && s != MAP_FAILED);
	if (p == MAP_FAILED || q == MAP_FAILED || s == MAP_FAILED)
		return;
	(void)p[0];
	(void)p[2 * pg];
	p[3 * pg] = 7;
	(void)q[pg];
	(void)s[0];
	lo = (uint64_t)(uintptr_t)p < (uint64_t)(uintptr_t)q
		     ? (uint64_t)(uintptr_t)p
		     : (uint64_t)(uintptr_t)q;
	if ((uint64_t)(uintptr_t)s < lo)
		lo = (uint64_t)(uintptr_t)s;
	hi = lo + (1ULL << 32);
	err = vasctl_unzero(lo, hi);
	EXPECT_TRUE(err == 0);
	if (err)
		fprintf(stderr, "vasctl_unzero: %s\n", strerror(-err));
	EXPECT_EQ(kb_of((const void *)p, "Rss:"), 12);
	EXPECT_EQ(kb_of((const void *)p, "Anonymous:"), 12);
	EXPECT_EQ(kb_of((const void *)q, "Rss:"), 4);
	EXPECT_EQ(kb_of((const void *)q, "Anonymous:"), 4);
	EXPECT_EQ(kb_of((const void *)s, "Anonymous:"), 0);
	EXPECT_TRUE(p[0] == 0 && p[2 * pg] == 0 && p[3 * pg] == 7 && q[pg] == 0);
	/* a second pass finds nothing to do */
	EXPECT_TRUE(vasctl_unzero(lo, hi) == 0);
	EXPECT_EQ(kb_of((const void *)p, "Rss:"), 12);
	munmap((void *)(p - pg), 10 * pg);
	munmap((void *)(q - pg), 6 * pg);
	munmap((void *)(s - pg), 4 * pg);
}
