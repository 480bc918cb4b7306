// SPDX-License-Identifier: MIT
/*
 * host.c - the facts of the host kernel that change a script's output,
 * the reference configuration, the probe, and the stand-in for a kernel
 * without the zero page (see host.h).
 */
#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "scratch.h"
#include "script.h"

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

#define PAGE 4096ULL

/*
 * The reference configuration: Linux 6.18 with its defaults on x86-64, as
 * root. The recordings were made on 6.18.44 with THP in madvise mode
 * (disabled per process by the runner), files on ext4 (16 KiB folios for
 * files written in 16 KiB pieces), and the limits of a root login.
 * vm.mmap_min_addr only matters without CAP_SYS_RAWIO; Linux's default
 * is written here.
 */
const struct vasctl_host vasctl_reference = {
	.release = "6.18",
	.zero_page = 1,
	.thp = "madvise",
	.file_folio = 16384,
	.file_fault_kb = 16,
	.mmap_min_addr = 65536,
	.mmap_min_floor = 65536,
	.max_map_count = 65530,
	.cap_ipc_lock = 1,
	.cap_sys_rawio = 1,
	.rlimit_stack = 8ULL << 20,
	.rlimit_memlock = 8ULL << 20,
	.rlimit_as = VASCTL_UNLIMITED,
	.rlimit_data = VASCTL_UNLIMITED,
	/* the recording host's RAM, no swap; Linux's overcommit defaults
	 * (the reserves as Linux sets them at boot with that much RAM) */
	.mem_total_kb = 24683744,
	.swap_total_kb = 0,
	.overcommit_memory = 0,
	.overcommit_ratio = 50,
	.overcommit_kbytes = 0,
	.admin_reserve_kbytes = 8192,
	.user_reserve_kbytes = 131072,
	.nr_hugepages = 0,
};

/* ---- parsing (pure) --------------------------------------------------- */

int vasctl_smaps_field_kb(const char *smaps, uint64_t addr, const char *field,
			  uint64_t *kb)
{
	size_t flen = strlen(field);
	const char *line = smaps;
	bool inside = false;

	while (*line) {
		size_t n = strcspn(line, "\n");
		unsigned long long s, e;
		char c;

		if (sscanf(line, "%llx-%llx %c", &s, &e, &c) == 3 &&
		    line[strspn(line, "0123456789abcdef")] == '-') {
			if (inside)
				return -1;	/* the VMA had no such field */
			inside = s <= addr && addr < e;
		} else if (inside && n > flen && !strncmp(line, field, flen)) {
			const char *p = line + flen;
			char *end;

			p += strspn(p, " \t");
			errno = 0;
			*kb = strtoull(p, &end, 10);
			if (end == p || errno)
				return -1;
			return 0;
		}
		line += n + (line[n] == '\n');
	}
	return -1;
}

int vasctl_zero_page_of(const char *smaps, uint64_t addr)
{
	uint64_t kb;

	if (vasctl_smaps_field_kb(smaps, addr, "Rss:", &kb))
		return -1;
	return kb == 0 ? 1 : kb == PAGE / 1024 ? 0 : -1;
}

int vasctl_status_capeff(const char *status, uint64_t *caps)
{
	const char *p = strstr(status, "\nCapEff:");
	char *end;

	if (!p && !strncmp(status, "CapEff:", 7))
		p = status - 1;
	if (!p)
		return -1;
	p += 8;
	p += strspn(p, " \t");
	errno = 0;
	*caps = strtoull(p, &end, 16);
	if (end == p || errno || (*end && *end != '\n'))
		return -1;
	return 0;
}

int vasctl_thp_mode(const char *text, char *out, size_t len)
{
	const char *a = strchr(text, '['), *b;

	if (!a)
		return -1;
	b = strchr(a, ']');
	if (!b || b == a + 1 || (size_t)(b - a - 1) >= len)
		return -1;
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = '\0';
	return 0;
}

int vasctl_release_series(const char *rel, char *out, size_t len)
{
	size_t a = strspn(rel, "0123456789"), b;

	if (!a || rel[a] != '.')
		return -1;
	b = strspn(rel + a + 1, "0123456789");
	if (!b || a + 1 + b >= len)
		return -1;
	memcpy(out, rel, a + 1 + b);
	out[a + 1 + b] = '\0';
	return 0;
}

uint64_t vasctl_hint_floor(uint64_t got, uint64_t mmap_min_addr)
{
	/* Hints are taken as they are from one page up: no floor above it. */
	if (got == PAGE)
		return mmap_min_addr != VASCTL_UNKNOWN && mmap_min_addr < PAGE
			       ? mmap_min_addr
			       : PAGE;
	/* Raised to the floor: a low, page-aligned address, not below the
	 * sysctl (the floor is the larger of it and the security module's). */
	if (got > PAGE && got <= (16ULL << 20) && !(got & (PAGE - 1)) &&
	    (mmap_min_addr == VASCTL_UNKNOWN || got >= mmap_min_addr))
		return got;
	return VASCTL_UNKNOWN;
}

/* /proc/kpageflags bits (linux/kernel-page-flags.h). */
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16

uint64_t vasctl_kpage_folio(const uint64_t *flags, size_t n)
{
	size_t i;

	if (!n || !(flags[0] & (1ULL << KPF_COMPOUND_HEAD)))
		return 1;
	for (i = 1; i < n; i++)
		if (!(flags[i] & (1ULL << KPF_COMPOUND_TAIL)) ||
		    (flags[i] & (1ULL << KPF_COMPOUND_HEAD)))
			break;
	return i;
}

/* ---- what a script depends on ---------------------------------------- */

#define MADV_HUGEPAGE_ 14
#define MADV_NOHUGEPAGE_ 15
#define LOW_ADDR (1ULL << 20)

/* A plain number below 1 MiB that names a place (0 is no hint). */
static bool low_abs(const struct vasctl_addr *a, bool zero_counts)
{
	return a->kind == VASCTL_ADDR_ABS && a->delta < LOW_ADDR &&
	       (a->delta || zero_counts);
}

unsigned int vasctl_script_needs(const struct vasctl_script *s)
{
	unsigned int needs = VASCTL_NEED_ALWAYS;
	size_t i;

	for (i = 0; i < s->nstmts; i++) {
		const struct vasctl_stmt *st = &s->stmts[i];

		switch (st->op) {
		case VASCTL_OP_MAPS:
			needs |= VASCTL_NEED_RSS;
			break;
		case VASCTL_OP_MADVISE:
			if (st->flags == MADV_HUGEPAGE_ ||
			    st->flags == MADV_NOHUGEPAGE_)
				needs |= VASCTL_NEED_THP;
			break;
		case VASCTL_OP_MLOCK:
		case VASCTL_OP_MLOCK2:
			needs |= VASCTL_NEED_MLOCK;
			break;
		case VASCTL_OP_MMAP:
			needs |= VASCTL_NEED_COMMIT;
			if (st->flags & VASCTL_MAP_HUGETLB)
				needs |= VASCTL_NEED_HUGETLB;
			if (st->flags & VASCTL_MAP_LOCKED)
				needs |= VASCTL_NEED_MLOCK;
			if (st->flags & VASCTL_MAP_GROWSDOWN)
				needs |= VASCTL_NEED_STACK;
			if (low_abs(&st->addr,
				    st->flags & (VASCTL_MAP_FIXED |
						 VASCTL_MAP_FIXED_NOREPLACE)))
				needs |= VASCTL_NEED_LOW;
			break;
		case VASCTL_OP_MPROTECT:
		case VASCTL_OP_FORK:
			needs |= VASCTL_NEED_COMMIT;
			break;
		case VASCTL_OP_MREMAP:
			needs |= VASCTL_NEED_COMMIT;
			if (st->has_newaddr &&
			    low_abs(&st->newaddr,
				    st->flags & VASCTL_MREMAP_FIXED))
				needs |= VASCTL_NEED_LOW;
			break;
		default:
			break;
		}
	}
	return needs;
}

int vasctl_meminfo_kb(const char *meminfo, const char *field, uint64_t *kb)
{
	size_t n = strlen(field);
	const char *line = meminfo;

	while (line && *line) {
		if (!strncmp(line, field, n)) {
			const char *v = line + n;
			unsigned long long x;
			char *end;

			v += strspn(v, " \t");
			errno = 0;
			x = strtoull(v, &end, 10);
			if (end == v || errno || strncmp(end, " kB", 3))
				return -1;
			*kb = x;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* ---- printing and comparing ------------------------------------------ */

static void num_str(char *buf, size_t len, uint64_t v)
{
	if (v == VASCTL_UNKNOWN)
		snprintf(buf, len, "unknown");
	else if (v == VASCTL_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static const char *tri_str(int v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "unknown";
}

/* The facts by name, in the order `vasctl host` prints them. */
enum fact_kind { F_STR, F_TRI, F_NUM };
static const struct {
	const char *name;
	enum fact_kind kind;
	size_t off;
	size_t size;	/* F_STR: the array's size */
} facts[] = {
#define STR(n, f) {n, F_STR, offsetof(struct vasctl_host, f),                  \
		   sizeof(((struct vasctl_host *)0)->f)}
#define TRI(n, f) {n, F_TRI, offsetof(struct vasctl_host, f), 0}
#define NUM(n, f) {n, F_NUM, offsetof(struct vasctl_host, f), 0}
	STR("kernel", release),
	TRI("zero_page", zero_page),
	STR("thp", thp),
	NUM("file_folio", file_folio),
	NUM("file_fault_kb", file_fault_kb),
	NUM("mmap_min_addr", mmap_min_addr),
	NUM("mmap_min_floor", mmap_min_floor),
	NUM("max_map_count", max_map_count),
	TRI("cap_ipc_lock", cap_ipc_lock),
	TRI("cap_sys_rawio", cap_sys_rawio),
	NUM("rlimit_stack", rlimit_stack),
	NUM("rlimit_memlock", rlimit_memlock),
	NUM("rlimit_as", rlimit_as),
	NUM("rlimit_data", rlimit_data),
	NUM("mem_total_kb", mem_total_kb),
	NUM("swap_total_kb", swap_total_kb),
	NUM("overcommit_memory", overcommit_memory),
	NUM("overcommit_ratio", overcommit_ratio),
	NUM("overcommit_kbytes", overcommit_kbytes),
	NUM("admin_reserve_kbytes", admin_reserve_kbytes),
	NUM("user_reserve_kbytes", user_reserve_kbytes),
	NUM("nr_hugepages", nr_hugepages),
#undef STR
#undef TRI
#undef NUM
};
#define NFACTS (sizeof(facts) / sizeof(facts[0]))

void vasctl_host_print(FILE *out, const struct vasctl_host *h)
{
	const char *base = (const char *)h;
	char buf[32];
	size_t i;

	for (i = 0; i < NFACTS; i++) {
		const void *f = base + facts[i].off;

		switch (facts[i].kind) {
		case F_STR:
			fprintf(out, "%s: %s\n", facts[i].name,
				(const char *)f);
			break;
		case F_TRI:
			fprintf(out, "%s: %s\n", facts[i].name,
				tri_str(*(const int *)f));
			break;
		case F_NUM:
			num_str(buf, sizeof(buf), *(const uint64_t *)f);
			fprintf(out, "%s: %s\n", facts[i].name, buf);
			break;
		}
	}
}

int vasctl_host_set(struct vasctl_host *h, const char *spec)
{
	char *base = (char *)h;

	while (*spec) {
		size_t n = strcspn(spec, "="), vlen, i;
		const char *v;
		char val[65];

		if (!spec[n])
			return -1;
		v = spec + n + 1;
		vlen = strcspn(v, " ,");
		if (vlen >= sizeof(val))
			return -1;
		memcpy(val, v, vlen);
		val[vlen] = '\0';
		for (i = 0; i < NFACTS; i++)
			if (strlen(facts[i].name) == n &&
			    !strncmp(facts[i].name, spec, n))
				break;
		if (i == NFACTS)
			return -1;
		if (facts[i].kind == F_STR) {
			if (vlen >= facts[i].size)
				return -1;
			memcpy(base + facts[i].off, val, vlen + 1);
		} else if (facts[i].kind == F_TRI) {
			int t = !strcmp(val, "yes") ? 1 :
				!strcmp(val, "no") ? 0 :
				!strcmp(val, "unknown") ? -1 : -2;

			if (t == -2)
				return -1;
			memcpy(base + facts[i].off, &t, sizeof(t));
		} else {
			uint64_t u;
			char *end;

			if (!strcmp(val, "unknown")) {
				u = VASCTL_UNKNOWN;
			} else if (!strcmp(val, "unlimited")) {
				u = VASCTL_UNLIMITED;
			} else {
				errno = 0;
				u = strtoull(val, &end, 10);
				if (!vlen || *end || errno)
					return -1;
			}
			memcpy(base + facts[i].off, &u, sizeof(u));
		}
		spec = v + vlen;
		spec += strspn(spec, " ,");
	}
	return 0;
}

/* Appends to a bounded buffer. */
struct sbuf {
	char *p;
	size_t len, used;
	int n;
};

static void differs(struct sbuf *b, const char *name, const char *host,
		    const char *ref)
{
	int w;

	b->n++;
	if (b->used >= b->len)
		return;
	w = snprintf(b->p + b->used, b->len - b->used,
		     "  %s: %s (reference: %s)\n", name, host, ref);
	if (w > 0)
		b->used += (size_t)w;
	if (b->used >= b->len)
		b->used = b->len;
}

static void cmp_num(struct sbuf *b, const char *name, uint64_t ref,
		    uint64_t h)
{
	char hs[32], rs[32];

	if (h == ref && h != VASCTL_UNKNOWN)
		return;
	num_str(hs, sizeof(hs), h);
	num_str(rs, sizeof(rs), ref);
	differs(b, name, hs, rs);
}

static void cmp_tri(struct sbuf *b, const char *name, int ref, int h)
{
	if (h == ref && h >= 0)
		return;
	differs(b, name, tri_str(h), tri_str(ref));
}

/* The lowest address a fixed mapping may take. */
static uint64_t fixed_floor(const struct vasctl_host *h)
{
	if (h->cap_sys_rawio > 0)
		return 0;
	return h->cap_sys_rawio < 0 ? VASCTL_UNKNOWN : h->mmap_min_addr;
}

int vasctl_host_compare(const struct vasctl_host *ref,
			const struct vasctl_host *h, unsigned int needs,
			char *out, size_t len)
{
	struct sbuf b = {.p = out, .len = len};
	char series[sizeof(h->release)];

	if (len)
		out[0] = '\0';
	if (needs & VASCTL_NEED_ALWAYS) {
		if (vasctl_release_series(h->release, series,
					  sizeof(series)) ||
		    strcmp(series, ref->release))
			differs(&b, "kernel", h->release, ref->release);
		cmp_num(&b, "rlimit_as", ref->rlimit_as, h->rlimit_as);
		cmp_num(&b, "rlimit_data", ref->rlimit_data, h->rlimit_data);
		cmp_num(&b, "max_map_count", ref->max_map_count,
			h->max_map_count);
	}
	if (needs & VASCTL_NEED_RSS) {
		cmp_tri(&b, "zero_page", ref->zero_page, h->zero_page);
		/* the folio itself is unknown without CAP_SYS_ADMIN; what a
		 * fault maps is what shows */
		cmp_num(&b, "file_fault_kb", ref->file_fault_kb,
			h->file_fault_kb);
	}
	if ((needs & VASCTL_NEED_THP) &&
	    (!strcmp(h->thp, "none") || !strcmp(h->thp, "unknown")) !=
		    (!strcmp(ref->thp, "none") || !strcmp(ref->thp, "unknown")))
		differs(&b, "thp", h->thp, ref->thp);
	if (needs & VASCTL_NEED_MLOCK) {
		cmp_tri(&b, "cap_ipc_lock", ref->cap_ipc_lock, h->cap_ipc_lock);
		if (h->cap_ipc_lock <= 0 || ref->cap_ipc_lock <= 0)
			cmp_num(&b, "rlimit_memlock", ref->rlimit_memlock,
				h->rlimit_memlock);
	}
	if (needs & VASCTL_NEED_LOW) {
		cmp_num(&b, "mmap_min_floor", ref->mmap_min_floor,
			h->mmap_min_floor);
		if (fixed_floor(h) != fixed_floor(ref) ||
		    fixed_floor(h) == VASCTL_UNKNOWN) {
			cmp_tri(&b, "cap_sys_rawio", ref->cap_sys_rawio,
				h->cap_sys_rawio);
			cmp_num(&b, "mmap_min_addr", ref->mmap_min_addr,
				h->mmap_min_addr);
		}
	}
	if (needs & VASCTL_NEED_STACK)
		cmp_num(&b, "rlimit_stack", ref->rlimit_stack, h->rlimit_stack);
	if (needs & VASCTL_NEED_COMMIT) {
		cmp_num(&b, "mem_total_kb", ref->mem_total_kb, h->mem_total_kb);
		cmp_num(&b, "swap_total_kb", ref->swap_total_kb,
			h->swap_total_kb);
		cmp_num(&b, "overcommit_memory", ref->overcommit_memory,
			h->overcommit_memory);
		/* the rest counts in mode 2 only */
		if (h->overcommit_memory == 2 || ref->overcommit_memory == 2) {
			cmp_num(&b, "overcommit_ratio", ref->overcommit_ratio,
				h->overcommit_ratio);
			cmp_num(&b, "overcommit_kbytes", ref->overcommit_kbytes,
				h->overcommit_kbytes);
			cmp_num(&b, "admin_reserve_kbytes",
				ref->admin_reserve_kbytes,
				h->admin_reserve_kbytes);
			cmp_num(&b, "user_reserve_kbytes",
				ref->user_reserve_kbytes,
				h->user_reserve_kbytes);
		}
	}
	if (needs & VASCTL_NEED_HUGETLB)
		cmp_num(&b, "nr_hugepages", ref->nr_hugepages, h->nr_hugepages);
	return b.n;
}

/* ---- the probe ------------------------------------------------------ */

/* The whole of a /proc or /sys file, NUL-terminated; NULL with errno. */
static char *read_text(const char *path)
{
	size_t cap = 1 << 14, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (!buf || fd < 0)
		goto fail;
	for (;;) {
		ssize_t r;

		if (cap - n < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return buf;
fail:
	err = errno ? errno : ENOMEM;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = err;
	return NULL;
}

static uint64_t read_number(const char *path)
{
	char *t = read_text(path), *end;
	unsigned long long v;

	if (!t)
		return VASCTL_UNKNOWN;
	errno = 0;
	v = strtoull(t, &end, 10);
	if (end == t || errno)
		v = VASCTL_UNKNOWN;
	free(t);
	return v;
}

/* A field of the VMA at @addr in this process's smaps, or VASCTL_UNKNOWN. */
static uint64_t self_smaps_kb(const void *addr, const char *field)
{
	char *t = read_text("/proc/self/smaps");
	uint64_t kb;

	if (!t)
		return VASCTL_UNKNOWN;
	if (vasctl_smaps_field_kb(t, (uint64_t)(uintptr_t)addr, field, &kb))
		kb = VASCTL_UNKNOWN;
	free(t);
	return kb;
}

/*
 * A page alone in its VMA (the neighbours are PROT_NONE), read once: Rss
 * stays 0 if it maps the zero page, 4 kB if the kernel gave it a page.
 */
int vasctl_probe_zero_page(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	volatile char *mid;
	char *t;
	int ret;

	if (p == MAP_FAILED)
		return -1;
	mid = p + PAGE;
	if (mprotect(p + PAGE, PAGE, PROT_READ)) {
		munmap(p, 3 * PAGE);
		return -1;
	}
	(void)*mid;
	t = read_text("/proc/self/smaps");
	ret = t ? vasctl_zero_page_of(t, (uint64_t)(uintptr_t)(p + PAGE)) : -1;
	free(t);
	munmap(p, 3 * PAGE);
	return ret;
}

/* The folio of the frame that maps @p, from pagemap and kpageflags. */
static uint64_t probe_folio_of(const void *p)
{
	uint64_t ent, flags[512], pfn;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return VASCTL_UNKNOWN;
	r = pread(fd, &ent, sizeof(ent),
		  (off_t)((uintptr_t)p / PAGE * sizeof(ent)));
	close(fd);
	/* present, and a frame number (0 without CAP_SYS_ADMIN) */
	if (r != (ssize_t)sizeof(ent) || !(ent >> 63))
		return VASCTL_UNKNOWN;
	pfn = ent & ((1ULL << 55) - 1);
	if (!pfn)
		return VASCTL_UNKNOWN;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VASCTL_UNKNOWN;
	r = pread(fd, flags, sizeof(flags), (off_t)(pfn * sizeof(flags[0])));
	close(fd);
	if (r < (ssize_t)sizeof(flags[0]))
		return VASCTL_UNKNOWN;
	return vasctl_kpage_folio(flags, (size_t)r / sizeof(flags[0])) * PAGE;
}

/*
 * Folios of a file written as `file` writes it (64 KiB in 16 KiB pieces,
 * in a scratch folder like a script's): the folio of its first page, and
 * the Rss one shared write fault on it maps. The largest of three tries:
 * under memory pressure the kernel falls back to smaller folios now and
 * then, which is not what the file system does.
 */
static void probe_file_folio(struct vasctl_host *h)
{
	struct vasctl_scratch s;
	bool newdesc;
	int try;

	if (vasctl_scratch_init(&s, 1))
		return;
	for (try = 0; try < 3; try++) {
		uint64_t kb, folio;
		char *p;

		if (__vasctl_scratch_file(&s, 0, "probe", 4 * VASCTL_FILE_PIECE,
					  0, false, &newdesc, false))
			break;
		p = mmap(NULL, 4 * VASCTL_FILE_PIECE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, s.files[0].fd, 0);
		if (p == MAP_FAILED)
			break;
		*(volatile char *)p = 1;
		kb = self_smaps_kb(p, "Rss:");
		folio = probe_folio_of(p);
		munmap(p, 4 * VASCTL_FILE_PIECE);
		if (kb != VASCTL_UNKNOWN &&
		    (h->file_fault_kb == VASCTL_UNKNOWN || kb > h->file_fault_kb))
			h->file_fault_kb = kb;
		if (folio != VASCTL_UNKNOWN &&
		    (h->file_folio == VASCTL_UNKNOWN || folio > h->file_folio))
			h->file_folio = folio;
	}
	vasctl_scratch_destroy(&s);
}

static uint64_t limit_of(int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl))
		return VASCTL_UNKNOWN;
	if (rl.rlim_cur == RLIM_INFINITY)
		return VASCTL_UNLIMITED;
	return (uint64_t)rl.rlim_cur;
}

int vasctl_host_probe(struct vasctl_host *h)
{
	struct utsname u;
	uint64_t caps;
	char *t;
	void *p;

	memset(h, 0, sizeof(*h));
	h->file_folio = h->file_fault_kb = VASCTL_UNKNOWN;
	snprintf(h->release, sizeof(h->release), "%s",
		 uname(&u) ? "unknown" : u.release);
	if (prctl(PR_SET_THP_DISABLE, 1UL, 0UL, 0UL, 0UL)) {
		fprintf(stderr, "vasctl: prctl(PR_SET_THP_DISABLE): %s\n",
			strerror(errno));
		return -1;
	}
	h->zero_page = vasctl_probe_zero_page();

	t = read_text("/sys/kernel/mm/transparent_hugepage/enabled");
	if (!t)
		snprintf(h->thp, sizeof(h->thp), "%s",
			 errno == ENOENT ? "none" : "unknown");
	else if (vasctl_thp_mode(t, h->thp, sizeof(h->thp)))
		snprintf(h->thp, sizeof(h->thp), "unknown");
	free(t);

	probe_file_folio(h);

	h->mmap_min_addr = read_number("/proc/sys/vm/mmap_min_addr");
	h->max_map_count = read_number("/proc/sys/vm/max_map_count");
	p = mmap((void *)(uintptr_t)PAGE, PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	h->mmap_min_floor = p == MAP_FAILED
				    ? VASCTL_UNKNOWN
				    : vasctl_hint_floor((uint64_t)(uintptr_t)p,
							h->mmap_min_addr);
	if (p != MAP_FAILED)
		munmap(p, PAGE);

	h->cap_ipc_lock = h->cap_sys_rawio = -1;
	t = read_text("/proc/self/status");
	if (t && !vasctl_status_capeff(t, &caps)) {
		h->cap_ipc_lock = !!(caps & (1ULL << VASCTL_CAP_IPC_LOCK));
		h->cap_sys_rawio = !!(caps & (1ULL << VASCTL_CAP_SYS_RAWIO));
	}
	free(t);

	h->rlimit_stack = limit_of(RLIMIT_STACK);
	h->rlimit_memlock = limit_of(RLIMIT_MEMLOCK);
	h->rlimit_as = limit_of(RLIMIT_AS);
	h->rlimit_data = limit_of(RLIMIT_DATA);

	h->mem_total_kb = h->swap_total_kb = VASCTL_UNKNOWN;
	t = read_text("/proc/meminfo");
	if (t) {
		if (vasctl_meminfo_kb(t, "MemTotal:", &h->mem_total_kb))
			h->mem_total_kb = VASCTL_UNKNOWN;
		if (vasctl_meminfo_kb(t, "SwapTotal:", &h->swap_total_kb))
			h->swap_total_kb = VASCTL_UNKNOWN;
	}
	free(t);
	h->overcommit_memory = read_number("/proc/sys/vm/overcommit_memory");
	h->overcommit_ratio = read_number("/proc/sys/vm/overcommit_ratio");
	h->overcommit_kbytes = read_number("/proc/sys/vm/overcommit_kbytes");
	h->admin_reserve_kbytes =
	    read_number("/proc/sys/vm/admin_reserve_kbytes");
	h->user_reserve_kbytes = read_number("/proc/sys/vm/user_reserve_kbytes");
	h->nr_hugepages = read_number("/proc/sys/vm/nr_hugepages");

	t = getenv("VAS_TEST_HOST");
	if (t && vasctl_host_set(h, t)) {
		fprintf(stderr, "vasctl: VAS_TEST_HOST: cannot read '%s'\n", t);
		return -1;
	}
	return 0;
}

/* ---- a kernel without the zero page ---------------------------------- */

/* PAGEMAP_SCAN (Linux 6.7, linux/fs.h; Debian 12's headers lack it). */
struct vasctl_page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

struct vasctl_pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

#define VASCTL_PAGEMAP_SCAN _IOWR('f', 16, struct vasctl_pm_scan_arg)
#define VASCTL_PAGE_IS_PFNZERO (1 << 5)

int vasctl_unzero(uint64_t lo, uint64_t hi)
{
	struct vasctl_page_region r[64];
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	int ret = 0;

	if (pm < 0 || mem < 0) {
		ret = -errno;
		goto out;
	}
	while (lo < hi) {
		struct vasctl_pm_scan_arg a = {
		    .size = sizeof(a),
		    .start = lo,
		    .end = hi,
		    .vec = (uint64_t)(uintptr_t)r,
		    .vec_len = sizeof(r) / sizeof(r[0]),
		    .category_mask = VASCTL_PAGE_IS_PFNZERO,
		    .return_mask = VASCTL_PAGE_IS_PFNZERO,
		};
		long n = ioctl(pm, VASCTL_PAGEMAP_SCAN, &a);
		long i;

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (i = 0; i < n; i++) {
			uint64_t a2;

			for (a2 = r[i].start; a2 < r[i].end; a2 += PAGE) {
				static const char zero;

				if (pwrite(mem, &zero, 1, (off_t)a2) != 1) {
					ret = errno ? -errno : -EIO;
					goto out;
				}
			}
		}
		if (a.walk_end <= lo)
			break;
		lo = a.walk_end;
	}
out:
	if (pm >= 0)
		close(pm);
	if (mem >= 0)
		close(mem);
	return ret;
}
