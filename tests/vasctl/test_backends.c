// SPDX-License-Identifier: MIT
/*
 * test_backends.c - tools/backends: the host side of the table of memory
 * system calls (results, errnos, the descriptor of mmap), the host access
 * loop (faults caught, hashing, copying) and the smaps parser (window,
 * fields, early stop), on memory this test maps and on smaps text it
 * writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "calls.h"
#include "host_access.h"
#include "smaps.h"

#include "harness.h"

#define PG BACKEND_PAGE_SIZE

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = BACKEND_FNV_BASIS;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= BACKEND_FNV_PRIME;
	}
	return h;
}

/* Three pages: read-write, read-write, none. */
static unsigned char *three_pages(void)
{
	unsigned char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + 2 * PG, PG, PROT_NONE)) {
		munmap(p, 3 * PG);
		return NULL;
	}
	return p;
}

/* The calls' names come from the table, in its order. */
TEST(calls_table_names)
{
	EXPECT_TRUE(strcmp(backend_call_name(BACKEND_MMAP), "mmap") == 0);
	EXPECT_TRUE(strcmp(backend_call_name(BACKEND_MREMAP), "mremap") == 0);
	EXPECT_TRUE(strcmp(backend_call_name(BACKEND_MSYNC), "msync") == 0);
	EXPECT_TRUE(strcmp(backend_call_name(BACKEND_NR_CALLS), "?") == 0);
}

/* Each call reaches the kernel with its arguments; errors are -errno. */
TEST(calls_host_side)
{
	struct backend_call c = {
		.nr = BACKEND_MMAP, .len = 4 * PG,
		.prot = PROT_READ | PROT_WRITE,
		.flags = MAP_PRIVATE | MAP_ANONYMOUS,
	};
	uint64_t addr = 1, out = 1;
	unsigned char *p;

	ASSERT_EQ(backend_host_call(&c, -1, &addr), 0);
	p = (unsigned char *)(uintptr_t)addr;
	p[0] = 1;
	c = (struct backend_call){ .nr = BACKEND_MPROTECT, .addr = addr,
				   .len = PG, .prot = PROT_READ };
	EXPECT_EQ(backend_host_call(&c, -1, &out), 0);
	EXPECT_EQ(out, 0);
	c.addr = addr + 1;	/* unaligned */
	out = 7;
	EXPECT_EQ(backend_host_call(&c, -1, &out), -EINVAL);
	EXPECT_EQ(out, 7);	/* untouched on failure */
	c = (struct backend_call){ .nr = BACKEND_MADVISE, .addr = addr,
				   .len = PG, .flags = 12345 };
	EXPECT_EQ(backend_host_call(&c, -1, &out), -EINVAL);
	c = (struct backend_call){ .nr = BACKEND_MREMAP, .addr = addr + PG,
				   .len = PG, .len2 = 2 * PG,
				   .flags = MREMAP_MAYMOVE | MREMAP_FIXED,
				   .new_addr = addr + 2 * PG };
	EXPECT_EQ(backend_host_call(&c, -1, &out), 0);
	EXPECT_EQ(out, addr + 2 * PG);
	c = (struct backend_call){ .nr = BACKEND_MMAP, .len = PG,
				   .prot = PROT_READ, .flags = MAP_SHARED };
	EXPECT_EQ(backend_host_call(&c, -1, &out), -EBADF);	/* no file */
	c = (struct backend_call){ .nr = BACKEND_MUNMAP, .addr = addr,
				   .len = 4 * PG };
	EXPECT_EQ(backend_host_call(&c, -1, &out), 0);
	c.nr = BACKEND_NR_CALLS;
	EXPECT_EQ(backend_host_call(&c, -1, &out), -ENOSYS);
}

TEST(access_write_read_copy)
{
	unsigned char *p = three_pages(), buf[2 * PG];
	struct backend_access a;

	ASSERT_NOT_NULL(p);
	backend_host_access((uintptr_t)p + 100, PG, true, 0x5a, NULL, &a);
	EXPECT_EQ(a.sig, 0);
	EXPECT_EQ(p[99], 0);
	EXPECT_EQ(p[100], 0x5a);
	EXPECT_EQ(p[PG + 99], 0x5a);
	EXPECT_EQ(p[PG + 100], 0);
	backend_host_access((uintptr_t)p, 2 * PG, false, 0, NULL, &a);
	EXPECT_EQ(a.sig, 0);
	EXPECT_EQ(a.hash, fnv(p, 2 * PG));
	memset(buf, 0xff, sizeof(buf));
	backend_host_access((uintptr_t)p, 2 * PG, false, 0, buf, &a);
	EXPECT_EQ(a.sig, 0);
	EXPECT_EQ(a.hash, 0);
	EXPECT_TRUE(!memcmp(buf, p, 2 * PG));
	munmap(p, 3 * PG);
}

TEST(access_fault_ends_at_the_page)
{
	unsigned char *p = three_pages();
	struct backend_access a;
	struct sigaction before, after;

	ASSERT_NOT_NULL(p);
	sigaction(SIGSEGV, NULL, &before);
	/* the write stops at the third page; the two before are written */
	backend_host_access((uintptr_t)p + 10, 3 * PG - 20, true, 7, NULL, &a);
	EXPECT_EQ(a.sig, SIGSEGV);
	EXPECT_EQ(a.fault_page, (uintptr_t)p + 2 * PG);
	EXPECT_EQ(a.hash, 0);
	EXPECT_EQ(p[10], 7);
	EXPECT_EQ(p[2 * PG - 1], 7);
	backend_host_access((uintptr_t)p + PG, 2 * PG, false, 0, NULL, &a);
	EXPECT_EQ(a.sig, SIGSEGV);
	EXPECT_EQ(a.fault_page, (uintptr_t)p + 2 * PG);
	EXPECT_EQ(a.hash, 0);
	/* the handler was there for the access only */
	sigaction(SIGSEGV, NULL, &after);
	EXPECT_PTR_EQ(after.sa_sigaction, before.sa_sigaction);
	munmap(p, 3 * PG);
}

static const char smaps_text[] =
	"100000-102000 rw-p 00000000 00:00 0 \n"
	"Size:                  8 kB\n"
	"Rss:                   4 kB\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"200000-203000 r--s 00003000 fe:01 4242                       /tmp/x y\n"
	"Size:                 12 kB\n"
	"Rss:                   8 kB\n"
	"Anonymous:             4 kB\n"
	"Swap:                  2 kB\n"
	"Locked:                8 kB\n"
	"VmFlags: rd sh mr mw me ms\n"
	"300000-301000 ---p 00000000 00:00 0                          [stack]\n"
	"Rss:                   0 kB\n"
	"VmFlags: mr mw me\n";

struct seen {
	int n, stop_at;
	struct backend_smaps_vma v[4];
	char path[4][32], flags[4][32];
};

static int record(void *arg, const struct backend_smaps_vma *v)
{
	struct seen *s = arg;

	s->v[s->n] = *v;
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", v->path);
	snprintf(s->flags[s->n], sizeof(s->flags[0]), "%s", v->vmflags);
	return ++s->n == s->stop_at ? 42 : 0;
}

/* Write smaps_text to a temporary file; its path in @path. */
static void write_text(char *path, size_t n)
{
	int fd;

	snprintf(path, n, "/tmp/test_backends_XXXXXX");
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, smaps_text, sizeof(smaps_text) - 1),
		  sizeof(smaps_text) - 1);
	close(fd);
}

TEST(smaps_window_and_fields)
{
	struct backend_smaps_buf buf = { 0 };
	struct seen s = { 0 };
	char path[64];

	write_text(path, sizeof(path));
	/* [0x101000, 0x300000): the first two entries overlap, not the third */
	EXPECT_EQ(backend_smaps_walk(path, &buf, 0x101000, 0x300000, record,
				     &s), 0);
	ASSERT_EQ(s.n, 2);
	EXPECT_EQ(s.v[0].start, 0x100000);
	EXPECT_EQ(s.v[0].end, 0x102000);
	EXPECT_TRUE(!strcmp(s.v[0].perms, "rw-p"));
	EXPECT_TRUE(!strcmp(s.path[0], ""));
	EXPECT_EQ(s.v[0].rss_kb, 4);
	EXPECT_EQ(s.v[0].anon_kb, 0);
	EXPECT_TRUE(!strcmp(s.flags[0], " rd wr mr mw me ac sd"));
	EXPECT_EQ(s.v[1].offset, 0x3000);
	EXPECT_EQ(s.v[1].ino, 4242);
	EXPECT_TRUE(!strcmp(s.v[1].perms, "r--s"));
	EXPECT_TRUE(!strcmp(s.path[1], "/tmp/x y"));
	EXPECT_EQ(s.v[1].rss_kb, 8);
	EXPECT_EQ(s.v[1].anon_kb, 4);
	EXPECT_EQ(s.v[1].swap_kb, 2);
	EXPECT_EQ(s.v[1].locked_kb, 8);
	/* the buffer is reused: a second walk sees the same */
	s.n = 0;
	EXPECT_EQ(backend_smaps_walk(path, &buf, 0, UINT64_MAX, record, &s), 0);
	EXPECT_EQ(s.n, 3);
	EXPECT_TRUE(!strcmp(s.path[2], "[stack]"));
	free(buf.p);
	unlink(path);
}

TEST(smaps_stop_and_errors)
{
	struct backend_smaps_buf buf = { 0 };
	struct seen s = { .stop_at = 1 };
	char path[64];

	write_text(path, sizeof(path));
	EXPECT_EQ(backend_smaps_walk(path, &buf, 0, UINT64_MAX, record, &s),
		  42);
	EXPECT_EQ(s.n, 1);
	unlink(path);
	EXPECT_EQ(backend_smaps_walk(path, &buf, 0, UINT64_MAX, record, &s),
		  -ENOENT);
	/* this process's own smaps: the mapping of this test's code is in */
	s = (struct seen){ 0 };
	EXPECT_EQ(backend_smaps_walk("/proc/self/smaps", &buf,
				     (uintptr_t)&record, (uintptr_t)&record + 1,
				     record, &s), 0);
	EXPECT_EQ(s.n, 1);
	EXPECT_TRUE(strchr(s.v[0].perms, 'x') != NULL);
	free(buf.p);
}
