// SPDX-License-Identifier: MIT
/*
 * refmodel.c - the naive reference model of the mmap family (see
 * refmodel.h). Every operation is written as a walk over page records;
 * the functions are named after the kernel functions whose effect they
 * reproduce, so that each rule can be checked against mm/vma.c,
 * mm/mmap.c, mm/mprotect.c, mm/mlock.c, mm/madvise.c, mm/mseal.c and
 * mm/mremap.c of Linux 6.18.
 */
#include "refmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vas/uapi.h>
#include <vas/vma.h>

#define PAGE_MASK (~(REF_PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + REF_PAGE_SIZE - 1) & PAGE_MASK)

#define VM_ACCESS (VAS_VM_READ | VAS_VM_WRITE | VAS_VM_EXEC)
#define VM_LOCKED_MASK (VAS_VM_LOCKED | VAS_VM_LOCKONFAULT)

/* ---- page records and derived VMAs -------------------------------------- */

int ref_init(struct ref_model *m, unsigned long base, unsigned long npages)
{
	memset(m, 0, sizeof(*m));
	m->pg = calloc(npages, sizeof(*m->pg));
	if (!m->pg)
		return -ENOMEM;
	m->base = base;
	m->npages = npages;
	m->next_vid = 1;
	m->next_anon = 1;
	m->next_shmem = REF_FILEID_SHMEM;
	m->thp = true;
	m->zero_page = true;
	return 0;
}

static void object_fini(struct ref_object *o)
{
	if (!o->page)
		return;
	for (unsigned long k = 0; k < o->npages; k++)
		free(o->page[k]);
	free(o->page);
	o->page = NULL;
}

void ref_fini(struct ref_model *m)
{
	for (unsigned long i = 0; i < m->npages; i++)
		free(m->pg[i].data);
	free(m->pg);
	m->pg = NULL;
	if (m->objects) {
		m->objects->nborrowers--;
		return;
	}
	if (m->nborrowers)
		abort();	/* a model that uses our objects outlives us */
	for (uint32_t id = 0; id < REF_MAX_FILES; id++)
		object_fini(&m->files[id].obj);
	for (uint32_t k = 0; k < m->next_shmem - REF_FILEID_SHMEM; k++)
		object_fini(&m->shmem[k]);
	free(m->shmem);
	m->shmem = NULL;
}

void ref_file_set(struct ref_model *m, uint32_t id, bool readable,
		  bool writable, unsigned long npages)
{
	if (id == 0 || id >= REF_MAX_FILES)
		abort();
	m->files[id].readable = readable;
	m->files[id].writable = writable;
	object_fini(&m->files[id].obj);
	m->files[id].obj.npages = npages;
}

static unsigned char *page_dup(const unsigned char *p)
{
	unsigned char *q;

	if (!p)
		return NULL;
	q = malloc(REF_PAGE_SIZE);
	if (!q)
		abort();
	memcpy(q, p, REF_PAGE_SIZE);
	return q;
}

static void object_dup(struct ref_object *dst, const struct ref_object *src)
{
	*dst = *src;
	if (!src->page)
		return;
	dst->page = calloc(src->npages, sizeof(*dst->page));
	if (!dst->page)
		abort();
	for (unsigned long k = 0; k < src->npages; k++)
		dst->page[k] = page_dup(src->page[k]);
}

void ref_clone(struct ref_model *dst, struct ref_model *src,
	       bool share_objects)
{
	size_t nshmem = src->next_shmem - REF_FILEID_SHMEM;

	*dst = *src;
	dst->objects = NULL;
	dst->nborrowers = 0;
	if (share_objects) {
		dst->objects = src->objects ? src->objects : src;
		dst->objects->nborrowers++;
	}
	dst->pg = malloc(src->npages * sizeof(*dst->pg));
	if (!dst->pg)
		abort();
	for (unsigned long i = 0; i < src->npages; i++) {
		dst->pg[i] = src->pg[i];
		dst->pg[i].data = page_dup(src->pg[i].data);
	}
	if (share_objects)
		return;
	dst->shmem = malloc((src->shmem_cap ? src->shmem_cap : 1) *
			    sizeof(*dst->shmem));
	if (!dst->shmem)
		abort();
	for (uint32_t id = 0; id < REF_MAX_FILES; id++)
		object_dup(&dst->files[id].obj, &src->files[id].obj);
	for (size_t k = 0; k < nshmem; k++)
		object_dup(&dst->shmem[k], &src->shmem[k]);
}

bool ref_in_window(const struct ref_model *m, unsigned long addr,
		   unsigned long len)
{
	return addr >= m->base && len <= m->npages * REF_PAGE_SIZE &&
	       addr - m->base <= m->npages * REF_PAGE_SIZE - len;
}

static unsigned long pidx(const struct ref_model *m, unsigned long addr)
{
	return (addr - m->base) / REF_PAGE_SIZE;
}

static unsigned long paddr(const struct ref_model *m, unsigned long i)
{
	return m->base + i * REF_PAGE_SIZE;
}

static bool mapped(const struct ref_model *m, unsigned long i)
{
	return i < m->npages && m->pg[i].mapped;
}

bool ref_range_free(const struct ref_model *m, unsigned long addr,
		    unsigned long len)
{
	if (!ref_in_window(m, addr, len))
		return false;
	for (unsigned long i = pidx(m, addr); i < pidx(m, addr + len); i++)
		if (m->pg[i].mapped)
			return false;
	return true;
}

static bool range_has(const struct ref_model *m, unsigned long s,
		      unsigned long e, uint64_t flag)
{
	for (unsigned long i = s; i < e; i++)
		if (m->pg[i].mapped && (m->pg[i].flags & flag))
			return true;
	return false;
}

static bool range_has_hole(const struct ref_model *m, unsigned long s,
			   unsigned long e)
{
	for (unsigned long i = s; i < e; i++)
		if (!m->pg[i].mapped)
			return true;
	return false;
}

/* ---- page contents ------------------------------------------------------ */

static const unsigned char zero_page[REF_PAGE_SIZE];

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();	/* a test helper: no way to go on */
	return p;
}

/* The object behind mapped page @i: its file or shmem object, or NULL. */
static struct ref_object *object_of(struct ref_model *m, unsigned long i)
{
	uint32_t id = m->pg[i].fileid;
	struct ref_model *o = m->objects ? m->objects : m;

	if (id >= REF_FILEID_SHMEM)
		return &o->shmem[id - REF_FILEID_SHMEM];
	if (!id || id >= REF_MAX_FILES)
		return NULL;	/* id 0: anonymous */
	return &o->files[id].obj;
}

/*
 * Would a fault on mapped page @i find no page to map (SIGBUS)? Only a
 * page without its own copy faults on its object; past the end of the
 * object filemap_fault() / shmem_fault() return VM_FAULT_SIGBUS.
 */
static bool past_eof(struct ref_model *m, unsigned long i)
{
	struct ref_object *o = object_of(m, i);

	return !m->pg[i].data && o && m->pg[i].pgoff >= o->npages;
}

/* The bytes mapped page @i shows (not past_eof()). */
static const unsigned char *page_view(struct ref_model *m, unsigned long i)
{
	struct ref_object *o = object_of(m, i);

	if (m->pg[i].data)
		return m->pg[i].data;
	if (!o || !o->page || !o->page[m->pg[i].pgoff])
		return zero_page;
	return o->page[m->pg[i].pgoff];
}

/* The object's page for a store through a shared mapping (not past_eof()). */
static unsigned char *object_page(struct ref_model *m, unsigned long i)
{
	struct ref_object *o = object_of(m, i);
	uint64_t k = m->pg[i].pgoff;

	if (!o)
		abort();	/* a shared VMA has an object */
	if (!o->page) {
		o->page = calloc(o->npages, sizeof(*o->page));
		if (!o->page)
			abort();
	}
	if (!o->page[k]) {
		o->page[k] = xmalloc(REF_PAGE_SIZE);
		memset(o->page[k], 0, REF_PAGE_SIZE);
	}
	return o->page[k];
}

/*
 * Give private page @i its anonymous page, a copy of what it shows (the
 * write fault's copy on write: do_anonymous_page(), do_cow_fault(),
 * wp_page_copy()). The caller did anon_prepare() on its VMA.
 */
static unsigned char *cow_page(struct ref_model *m, unsigned long i)
{
	if (!m->pg[i].data) {
		unsigned char *p = xmalloc(REF_PAGE_SIZE);

		memcpy(p, page_view(m, i), REF_PAGE_SIZE);
		m->pg[i].data = p;
	}
	return m->pg[i].data;
}

/* zap_pte_range() on private page @i: its anonymous page goes. */
static void zap_page(struct ref_model *m, unsigned long i)
{
	free(m->pg[i].data);
	m->pg[i].data = NULL;
}

/* A private VMA (copy on write) when @flags allow writing. */
static bool is_cow(uint64_t flags)
{
	return !(flags & VAS_VM_SHARED);
}

/*
 * A read fault on mapped page @i: without the zero page, an anonymous
 * private page without its copy gets one, zeroed, its VMA's anon_vma
 * prepared first (do_anonymous_page() when mm_forbids_zeropage()). File
 * and shmem pages map their object's page either way.
 */
static void anon_prepare(struct ref_model *m, unsigned long i);

static void read_fault(struct ref_model *m, unsigned long i)
{
	if (m->zero_page || m->pg[i].data || object_of(m, i) ||
	    !is_cow(m->pg[i].flags))
		return;
	anon_prepare(m, i);
	cow_page(m, i);
}

uint64_t ref_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t k = 0; k < n; k++) {
		h ^= b[k];
		h *= REF_FNV_PRIME;
	}
	return h;
}

/* The VMA (run of pages with one identity) that contains mapped page @i. */
static void run_of(const struct ref_model *m, unsigned long i,
		   unsigned long *s, unsigned long *e)
{
	uint32_t vid = m->pg[i].vid;
	unsigned long a = i, b = i + 1;

	while (a > 0 && m->pg[a - 1].mapped && m->pg[a - 1].vid == vid)
		a--;
	while (b < m->npages && m->pg[b].mapped && m->pg[b].vid == vid)
		b++;
	*s = a;
	*e = b;
}

static void vma_of(const struct ref_model *m, unsigned long i,
		   struct ref_vma *v)
{
	unsigned long s, e;

	run_of(m, i, &s, &e);
	v->start = s;	/* page indices inside the model */
	v->end = e;
	v->flags = m->pg[s].flags;
	v->fileid = m->pg[s].fileid;
	v->pgoff = m->pg[s].pgoff;
	v->anon = m->pg[s].anon;
	v->rss_anon = -1;	/* ref_vmas() counts it */
}

int ref_vmas(const struct ref_model *m, struct ref_vma *out, int max)
{
	int n = 0;

	for (unsigned long i = 0; i < m->npages && n < max;) {
		const struct ref_page *p = &m->pg[i];
		unsigned long e = i;
		long rss = 0;

		if (!p->mapped) {
			i++;
			continue;
		}
		/* one pass: a VMA starts at i (run_of() would find the same) */
		for (; e < m->npages && m->pg[e].mapped &&
		       m->pg[e].vid == p->vid; e++)
			rss += m->pg[e].data != NULL;
		out[n++] = (struct ref_vma){
			.start = paddr(m, i), .end = paddr(m, e),
			.flags = p->flags, .fileid = p->fileid,
			.pgoff = p->pgoff, .anon = p->anon, .rss_anon = rss,
		};
		i = e;
	}
	return n;
}

/* Give pages [s, e) the identity @vid and the anon_vma @anon. */
static void relabel(struct ref_model *m, unsigned long s, unsigned long e,
		    uint32_t vid, uint32_t anon)
{
	for (unsigned long i = s; i < e; i++) {
		m->pg[i].vid = vid;
		m->pg[i].anon = anon;
	}
}

/* split_vma(): make page @i the first page of its VMA. */
static void split_at(struct ref_model *m, unsigned long i)
{
	unsigned long s, e;

	if (i == 0 || i >= m->npages || !mapped(m, i) || !mapped(m, i - 1) ||
	    m->pg[i].vid != m->pg[i - 1].vid)
		return;
	run_of(m, i, &s, &e);
	relabel(m, i, e, m->next_vid++, m->pg[i].anon);
}

static bool anon_ok(uint32_t a, uint32_t b)
{
	return !a || !b || a == b;
}

/*
 * is_mergeable_vma() + is_mergeable_anon_vma() + the pgoff check of
 * can_vma_merge_{before,after}(): may @a and the adjacent @b (right of it)
 * become one VMA? No fork, so no "uncowed parents".
 */
static bool mergeable(const struct ref_vma *a, const struct ref_vma *b)
{
	if (a->end != b->start)
		return false;
	if ((a->flags ^ b->flags) & ~(uint64_t)VAS_VM_SOFTDIRTY)
		return false;
	if (a->flags & VAS_VM_SPECIAL)
		return false;
	if (a->fileid != b->fileid)
		return false;
	if (b->pgoff != a->pgoff + (a->end - a->start))
		return false;
	return anon_ok(a->anon, b->anon);
}

/*
 * vma_merge_new_range() / vma_merge_existing_range(): [s, e) is one VMA
 * whose attributes just changed (or that is new); merge it with the VMA
 * ending at @s and the VMA starting at @e where the rules allow, and only
 * with those. Returns the index just past the resulting VMA.
 */
static unsigned long merge_range_lr(struct ref_model *m, unsigned long s,
				    unsigned long e, bool try_left)
{
	struct ref_vma mid = { 0 }, prev = { 0 }, next = { 0 };
	bool left = false, right = false;
	uint32_t vid, anon;
	unsigned long a = s, b = e;

	vma_of(m, s, &mid);
	if (try_left && s > 0 && mapped(m, s - 1)) {
		vma_of(m, s - 1, &prev);
		left = mergeable(&prev, &mid);
	}
	if (e < m->npages && mapped(m, e)) {
		vma_of(m, e, &next);
		/* can_vma_merge_right(): prev and next must agree too. */
		right = mergeable(&mid, &next) &&
			(!left || anon_ok(prev.anon, next.anon));
	}
	vid = m->pg[s].vid;
	anon = mid.anon;
	if (left) {
		a = prev.start;
		vid = m->pg[prev.start].vid;
		anon = anon ? anon : prev.anon;
	}
	if (right) {
		b = next.end;
		anon = anon ? anon : next.anon;
	}
	relabel(m, a, b, vid, anon);
	return b;
}

static unsigned long merge_range(struct ref_model *m, unsigned long s,
				 unsigned long e)
{
	return merge_range_lr(m, s, e, true);
}

/*
 * vma_modify_flags(): give pages [s, e) of one VMA the flags @newflags,
 * splitting off the parts outside the range, then merge at the edges.
 * Returns the index just past the VMA that now contains @s.
 */
static unsigned long modify_flags(struct ref_model *m, unsigned long s,
				  unsigned long e, uint64_t newflags)
{
	split_at(m, s);
	split_at(m, e);
	for (unsigned long i = s; i < e; i++)
		m->pg[i].flags = newflags;
	return merge_range(m, s, e);
}

/*
 * anon_vma_compatible(): may @b, adjacent right of @a, share @a's
 * anon_vma (or the reverse) when one of them faults first?
 */
static bool anon_compatible(const struct ref_vma *a, const struct ref_vma *b)
{
	return a->end == b->start && a->fileid == b->fileid &&
	       !((a->flags ^ b->flags) & ~(VM_ACCESS | VAS_VM_SOFTDIRTY)) &&
	       b->pgoff == a->pgoff + (b->start - a->start);
}

/*
 * anon_vma_prepare() on the VMA containing page @i:
 * find_mergeable_anon_vma() tries next, then prev.
 */
static void anon_prepare(struct ref_model *m, unsigned long i)
{
	struct ref_vma v, o;
	uint32_t anon = 0;

	vma_of(m, i, &v);
	if (v.anon)
		return;
	if (mapped(m, v.end)) {
		vma_of(m, v.end, &o);
		if (o.anon && anon_compatible(&v, &o))
			anon = o.anon;
	}
	if (!anon && v.start > 0 && mapped(m, v.start - 1)) {
		vma_of(m, v.start - 1, &o);
		if (o.anon && anon_compatible(&o, &v))
			anon = o.anon;
	}
	if (!anon)
		anon = m->next_anon++;
	relabel(m, v.start, v.end, m->pg[i].vid, anon);
}

/*
 * populate_vma_page_range() on [s, e) inside one VMA: a private writable
 * VMA takes write faults (FOLL_WRITE: copy on write of every page, and an
 * anon_vma, prepared before the fault looks at the file); others take
 * read faults, which change nothing modelled but without the zero page
 * (read_fault()). PROT_NONE fails with
 * -EFAULT; VM_LOCKONFAULT populates nothing; a page past the end of its
 * file or shmem object (SIGBUS) stops it with -EFAULT, the pages before
 * it populated.
 */
static int populate_vma(struct ref_model *m, unsigned long s, unsigned long e)
{
	uint64_t f = m->pg[s].flags;
	bool write = (f & (VAS_VM_WRITE | VAS_VM_SHARED)) == VAS_VM_WRITE;

	if (f & VAS_VM_LOCKONFAULT)
		return 0;
	if (!(f & VM_ACCESS))
		return -EFAULT;
	if (write)
		anon_prepare(m, s);
	for (unsigned long i = s; i < e; i++) {
		if (past_eof(m, i))
			return -EFAULT;
		if (write)
			cow_page(m, i);
		else
			read_fault(m, i);
	}
	return 0;
}

/* __mm_populate() on [s, e). */
static int mm_populate(struct ref_model *m, unsigned long s, unsigned long e,
		       bool ignore_errors)
{
	for (unsigned long i = s; i < e;) {
		unsigned long vs, ve;
		int err;

		if (!m->pg[i].mapped) {
			i++;
			continue;
		}
		run_of(m, i, &vs, &ve);
		if (!(m->pg[i].flags & (VAS_VM_IO | VAS_VM_PFNMAP))) {
			err = populate_vma(m, i, ve < e ? ve : e);
			if (err && !ignore_errors)
				return err;
		}
		i = ve;
	}
	return 0;
}

/*
 * Unmap pages [s, e): munmap never merges. Split first, so that the two
 * remains of a VMA unmapped in its middle have different identities
 * (else a later mapping of the hole would join them without a check).
 */
static void unmap_pages(struct ref_model *m, unsigned long s, unsigned long e)
{
	split_at(m, s);
	split_at(m, e);
	for (unsigned long i = s; i < e; i++) {
		zap_page(m, i);
		memset(&m->pg[i], 0, sizeof(m->pg[i]));
	}
}

/*
 * vms_gather_munmap_vmas() + vms_complete_munmap_vmas(): unmap [s, e).
 * A sealed VMA in the range fails the whole unmap with -EPERM, but the
 * first VMA has already been split at @s if it is not itself sealed
 * (the split is not undone).
 */
static int gather_munmap(struct ref_model *m, unsigned long s, unsigned long e)
{
	if (range_has(m, s, e, VAS_VM_SEALED)) {
		unsigned long i = s;

		while (i < e && !m->pg[i].mapped)
			i++;
		if (i == s && !(m->pg[s].flags & VAS_VM_SEALED))
			split_at(m, s);
		return -EPERM;
	}
	unmap_pages(m, s, e);
	return 0;
}

/* ---- mmap / munmap ------------------------------------------------------- */

/*
 * Free the bytes of the shmem objects that no page maps any more (they
 * cannot be reached again: the model has no other handle on them).
 */
static void shmem_gc(struct ref_model *m)
{
	size_t n = m->next_shmem - REF_FILEID_SHMEM;
	bool *used;

	if (m->nborrowers)
		return;	/* another model (a child) may still map them */
	used = calloc(n ? n : 1, sizeof(*used));
	if (!used)
		return;
	for (unsigned long i = 0; i < m->npages; i++)
		if (m->pg[i].mapped && m->pg[i].fileid >= REF_FILEID_SHMEM)
			used[m->pg[i].fileid - REF_FILEID_SHMEM] = true;
	for (size_t k = 0; k < n; k++)
		if (!used[k])
			object_fini(&m->shmem[k]);
	free(used);
}

static uint64_t calc_vm_prot_bits(int prot)
{
	uint64_t f = 0;

	if (prot & VAS_PROT_READ)
		f |= VAS_VM_READ;
	if (prot & VAS_PROT_WRITE)
		f |= VAS_VM_WRITE;
	if (prot & VAS_PROT_EXEC)
		f |= VAS_VM_EXEC;
	return f;
}

#define LEGACY_MAP_MASK                                                       \
	(VAS_MAP_SHARED | VAS_MAP_PRIVATE | VAS_MAP_FIXED |                   \
	 VAS_MAP_ANONYMOUS | VAS_MAP_DENYWRITE | VAS_MAP_EXECUTABLE |         \
	 VAS_MAP_UNINITIALIZED | VAS_MAP_GROWSDOWN | VAS_MAP_LOCKED |         \
	 VAS_MAP_NORESERVE | VAS_MAP_POPULATE | VAS_MAP_NONBLOCK |            \
	 VAS_MAP_STACK | VAS_MAP_HUGETLB | 0x40 /* MAP_32BIT */ |             \
	 (21 << 26) | (30 << 26) /* MAP_HUGE_2MB, MAP_HUGE_1GB */)

int ref_mmap(struct ref_model *m, unsigned long addr, unsigned long len,
	     int prot, int flags, uint32_t fileid, unsigned long off,
	     unsigned long *out)
{
	uint64_t vm_flags;
	unsigned long pgoff, s, e;
	struct ref_file *f = NULL;
	int err;

	/* sys_mmap (x86), ksys_mmap_pgoff() */
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!(flags & VAS_MAP_ANONYMOUS)) {
		if (fileid == 0 || fileid >= REF_MAX_FILES ||
		    !(m->files[fileid].readable || m->files[fileid].writable))
			return -EBADF;
		f = &m->files[fileid];
	} else {
		fileid = 0;
	}
	pgoff = off / REF_PAGE_SIZE;
	/* do_mmap() */
	if (!len)
		return -EINVAL;
	if (flags & VAS_MAP_FIXED_NOREPLACE)
		flags |= VAS_MAP_FIXED;
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (flags & VAS_MAP_FIXED) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
	} else {
		addr = PAGE_ALIGN(addr);
	}
	if (!ref_in_window(m, addr, len) ||
	    (!(flags & VAS_MAP_FIXED) && !ref_range_free(m, addr, len)))
		return -REF_EUNMODELLED;	/* the kernel picks the address */
	s = pidx(m, addr);
	e = pidx(m, addr + len);
	if ((flags & VAS_MAP_FIXED_NOREPLACE) && !ref_range_free(m, addr, len))
		return -EEXIST;
	vm_flags = calc_vm_prot_bits(prot) | VAS_VM_MAYREAD | VAS_VM_MAYWRITE |
		   VAS_VM_MAYEXEC;
	if (flags & VAS_MAP_LOCKED)
		vm_flags |= VAS_VM_LOCKED;
	if ((flags & VAS_MAP_STACK) && m->thp)
		vm_flags |= VAS_VM_NOHUGEPAGE;
	if (f) {
		switch (flags & VAS_MAP_TYPE) {
		case VAS_MAP_SHARED:
			flags &= LEGACY_MAP_MASK;
			/* fallthrough */
		case VAS_MAP_SHARED_VALIDATE:
			if (flags & ~LEGACY_MAP_MASK)
				return -EOPNOTSUPP;
			if ((prot & VAS_PROT_WRITE) && !f->writable)
				return -EACCES;
			vm_flags |= VAS_VM_SHARED | VAS_VM_MAYSHARE;
			if (!f->writable)
				vm_flags &= ~(VAS_VM_MAYWRITE | VAS_VM_SHARED);
			/* fallthrough */
		case VAS_MAP_PRIVATE:
			if (!f->readable)
				return -EACCES;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & VAS_MAP_TYPE) {
		case VAS_MAP_SHARED:
			vm_flags |= VAS_VM_SHARED | VAS_VM_MAYSHARE;
			pgoff = 0;
			break;
		case VAS_MAP_PRIVATE:
			pgoff = addr / REF_PAGE_SIZE;
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & VAS_MAP_NORESERVE)
		vm_flags |= VAS_VM_NORESERVE;	/* overcommit is not "never" */
	/* __mmap_region(): unmap what is there (vms_gather_munmap_vmas) */
	err = gather_munmap(m, s, e);
	if (err)
		return err;
	/* accountable_mapping() */
	if ((vm_flags & (VAS_VM_NORESERVE | VAS_VM_SHARED | VAS_VM_WRITE)) ==
	    VAS_VM_WRITE)
		vm_flags |= VAS_VM_ACCOUNT;
	if (!f && (vm_flags & VAS_VM_SHARED)) {
		/* shmem_zero_setup(): a new object of the mapping's size */
		size_t k = m->next_shmem - REF_FILEID_SHMEM;

		if (k >= m->shmem_cap) {
			size_t cap = m->shmem_cap ? 2 * m->shmem_cap : 256;
			struct ref_object *p = realloc(m->shmem,
						       cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			m->shmem = p;
			m->shmem_cap = cap;
		}
		if (k % 64 == 63)
			shmem_gc(m);
		m->shmem[k] = (struct ref_object){ .npages = e - s };
		fileid = m->next_shmem++;
	}
	for (unsigned long i = s; i < e; i++) {
		zap_page(m, i);	/* none: gather_munmap() dropped it */
		m->pg[i].mapped = true;
		m->pg[i].flags = vm_flags;
		m->pg[i].fileid = fileid;
		m->pg[i].pgoff = pgoff + (i - s);
		m->pg[i].vid = m->next_vid;
		m->pg[i].anon = 0;
	}
	m->next_vid++;
	merge_range(m, s, e);
	if ((vm_flags & VAS_VM_LOCKED) ||
	    (flags & (VAS_MAP_POPULATE | VAS_MAP_NONBLOCK)) == VAS_MAP_POPULATE)
		(void)mm_populate(m, s, e, true);
	*out = addr;
	return 0;
}

int ref_munmap(struct ref_model *m, unsigned long addr, unsigned long len)
{
	unsigned long s, e;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	s = pidx(m, addr);
	e = pidx(m, addr + len);
	return gather_munmap(m, s, e);
}

/* ---- mprotect ------------------------------------------------------------ */

int ref_mprotect(struct ref_model *m, unsigned long addr, unsigned long len,
		 int prot)
{
	unsigned long i, end;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	if (prot & ~(VAS_PROT_READ | VAS_PROT_WRITE | VAS_PROT_EXEC |
		     VAS_PROT_SEM))
		return -EINVAL;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	i = pidx(m, addr);
	end = pidx(m, addr + len);
	while (i < end) {
		unsigned long vs, ve, t;
		uint64_t oldflags, newflags;

		if (!m->pg[i].mapped)
			return -ENOMEM;
		run_of(m, i, &vs, &ve);
		t = ve < end ? ve : end;
		oldflags = m->pg[i].flags;
		newflags = calc_vm_prot_bits(prot) | (oldflags & ~VM_ACCESS);
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS)
			return -EACCES;
		/* mprotect_fixup() */
		if (oldflags & VAS_VM_SEALED)
			return -EPERM;
		if (newflags == oldflags) {
			i = ve;
			continue;
		}
		if (newflags & VAS_VM_WRITE) {
			if (!(oldflags & (VAS_VM_ACCOUNT | VAS_VM_WRITE |
					  VAS_VM_HUGETLB | VAS_VM_SHARED |
					  VAS_VM_NORESERVE)))
				newflags |= VAS_VM_ACCOUNT;
		} else if ((oldflags & VAS_VM_ACCOUNT) &&
			   m->pg[i].fileid == 0 && !m->pg[i].anon) {
			newflags &= ~VAS_VM_ACCOUNT;
		}
		ve = modify_flags(m, i, t, newflags);
		if ((oldflags & (VAS_VM_WRITE | VAS_VM_SHARED | VAS_VM_LOCKED)) ==
			    VAS_VM_LOCKED &&
		    (newflags & VAS_VM_WRITE))
			(void)populate_vma(m, i, t);
		i = ve;
	}
	return 0;
}

/* ---- mlock --------------------------------------------------------------- */

/* do_mlock() / munlock: apply_vma_lock_flags(), then populate. */
static int do_mlock(struct ref_model *m, unsigned long addr, unsigned long len,
		    uint64_t lockflags)
{
	unsigned long i, s, end;

	len = PAGE_ALIGN(len + (addr & ~PAGE_MASK));
	addr &= PAGE_MASK;
	if (!len)
		return 0;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	s = i = pidx(m, addr);
	end = pidx(m, addr + len);
	while (i < end) {
		unsigned long vs, ve, t;
		uint64_t oldflags, newflags;

		if (!m->pg[i].mapped)
			return -ENOMEM;
		run_of(m, i, &vs, &ve);
		t = ve < end ? ve : end;
		oldflags = m->pg[i].flags;
		newflags = (oldflags & ~VM_LOCKED_MASK) | lockflags;
		/* mlock_fixup() */
		if (newflags == oldflags || (oldflags & VAS_VM_SPECIAL)) {
			i = ve;
			continue;
		}
		i = modify_flags(m, i, t, newflags);
	}
	if (lockflags) {
		int err = mm_populate(m, s, end, false);

		/* __mlock_posix_error_return() */
		if (err == -EFAULT)
			return -ENOMEM;
		if (err == -ENOMEM)
			return -EAGAIN;
		return err;
	}
	return 0;
}

int ref_mlock(struct ref_model *m, unsigned long addr, unsigned long len)
{
	return do_mlock(m, addr, len, VAS_VM_LOCKED);
}

int ref_mlock2(struct ref_model *m, unsigned long addr, unsigned long len,
	       unsigned int flags)
{
	if (flags & ~VAS_MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(m, addr, len,
			VAS_VM_LOCKED |
				((flags & VAS_MLOCK_ONFAULT) ? VAS_VM_LOCKONFAULT : 0));
}

int ref_munlock(struct ref_model *m, unsigned long addr, unsigned long len)
{
	return do_mlock(m, addr, len, 0);
}

/* ---- madvise ------------------------------------------------------------- */

static bool madvise_valid(int advice)
{
	switch (advice) {
	case VAS_MADV_NORMAL:
	case VAS_MADV_RANDOM:
	case VAS_MADV_SEQUENTIAL:
	case VAS_MADV_DONTFORK:
	case VAS_MADV_DOFORK:
	case VAS_MADV_WIPEONFORK:
	case VAS_MADV_KEEPONFORK:
	case VAS_MADV_DONTDUMP:
	case VAS_MADV_DODUMP:
		return true;
	case VAS_MADV_HUGEPAGE:
	case VAS_MADV_NOHUGEPAGE:
		return true;
	case VAS_MADV_DONTNEED:
	case VAS_MADV_DONTNEED_LOCKED:
	case VAS_MADV_REMOVE:
	case VAS_MADV_POPULATE_READ:
	case VAS_MADV_POPULATE_WRITE:
		return true;
	default:
		return false;
	}
}

/* is_discard(): the advices mseal refuses on read-only anonymous memory. */
static bool madvise_discards(int advice)
{
	switch (advice) {
	case VAS_MADV_DONTNEED:
	case VAS_MADV_DONTNEED_LOCKED:
	case VAS_MADV_REMOVE:
	case VAS_MADV_DONTFORK:
	case VAS_MADV_WIPEONFORK:
		return true;
	default:
		return false;
	}
}

/*
 * madvise_dontneed_free() on [s, e) of one VMA: zap the range. Private
 * pages lose their anonymous pages (they show zeros or the file again);
 * shared pages keep their bytes in the object.
 */
static int madvise_dontneed(struct ref_model *m, unsigned long s,
			    unsigned long e, int advice)
{
	uint64_t f = m->pg[s].flags;

	/* madvise_dontneed_free_valid_vma() */
	if (advice == VAS_MADV_DONTNEED && (f & VAS_VM_LOCKED))
		return -EINVAL;
	if (f & VAS_VM_PFNMAP)
		return -EINVAL;
	for (unsigned long i = s; i < e; i++)
		zap_page(m, i);
	return 0;
}

/*
 * madvise_remove() on [s, e) of one VMA: punch a hole in the object
 * (vfs_fallocate(PUNCH_HOLE | KEEP_SIZE)). Every mapping of it shows
 * zeros there, but private copies of its pages stay (even_cows == 0).
 */
static int madvise_remove(struct ref_model *m, unsigned long s,
			  unsigned long e)
{
	uint64_t f = m->pg[s].flags;
	struct ref_object *o;

	if (f & VAS_VM_LOCKED)
		return -EINVAL;
	o = object_of(m, s);
	if (!o)
		return -EINVAL;
	if ((f & (VAS_VM_SHARED | VAS_VM_MAYWRITE)) !=
	    (VAS_VM_SHARED | VAS_VM_MAYWRITE))
		return -EACCES;
	for (unsigned long i = s; i < e; i++) {
		uint64_t k = m->pg[i].pgoff;

		if (o->page && k < o->npages) {
			free(o->page[k]);
			o->page[k] = NULL;
		}
	}
	return 0;
}

/*
 * madvise_populate() (faultin_page_range() without FOLL_FORCE): fault
 * [s, e) in VMA by VMA. A hole is -ENOMEM at once; a VMA without the
 * access (VM_WRITE for a write, VM_READ for a read) is -EINVAL; a page
 * past the end of its object is -EFAULT. The pages before stay faulted.
 */
static int madvise_populate(struct ref_model *m, unsigned long s,
			    unsigned long e, bool write)
{
	for (unsigned long i = s; i < e;) {
		unsigned long vs, ve, t;
		uint64_t f;
		bool cow;

		if (!m->pg[i].mapped)
			return -ENOMEM;
		run_of(m, i, &vs, &ve);
		t = ve < e ? ve : e;
		f = m->pg[i].flags;
		if (f & (VAS_VM_IO | VAS_VM_PFNMAP))
			return -EINVAL;
		if (!(f & (write ? VAS_VM_WRITE : VAS_VM_READ)))
			return -EINVAL;
		cow = write && is_cow(f);
		if (cow)
			anon_prepare(m, i);
		for (; i < t; i++) {
			if (past_eof(m, i))
				return -EFAULT;
			if (cow)
				cow_page(m, i);
			else if (!write)
				read_fault(m, i);
		}
	}
	return 0;
}

/* is_ro_anon() of mm/mseal.c */
static bool is_ro_anon(uint64_t flags, uint32_t fileid)
{
	return fileid == 0 && !(flags & VAS_VM_SHARED) &&
	       !(flags & VAS_VM_WRITE);
}

/* madvise_vma_behavior() for the advices that only change flags. */
static int madvise_vma(struct ref_model *m, unsigned long s, unsigned long e,
		       int advice, unsigned long *next)
{
	uint64_t f = m->pg[s].flags, nf = f;
	uint32_t fileid = m->pg[s].fileid;
	unsigned long vs, ve;

	run_of(m, s, &vs, &ve);
	*next = ve;
	/* can_madvise_modify() */
	if (madvise_discards(advice) && (f & VAS_VM_SEALED) &&
	    is_ro_anon(f, fileid))
		return -EPERM;
	switch (advice) {
	case VAS_MADV_DONTNEED:
	case VAS_MADV_DONTNEED_LOCKED:
		return madvise_dontneed(m, s, e, advice);
	case VAS_MADV_REMOVE:
		return madvise_remove(m, s, e);
	case VAS_MADV_NORMAL:
		nf &= ~(VAS_VM_RAND_READ | VAS_VM_SEQ_READ);
		break;
	case VAS_MADV_SEQUENTIAL:
		nf = (nf & ~VAS_VM_RAND_READ) | VAS_VM_SEQ_READ;
		break;
	case VAS_MADV_RANDOM:
		nf = (nf & ~VAS_VM_SEQ_READ) | VAS_VM_RAND_READ;
		break;
	case VAS_MADV_DONTFORK:
		nf |= VAS_VM_DONTCOPY;
		break;
	case VAS_MADV_DOFORK:
		if (f & VAS_VM_IO)
			return -EINVAL;
		nf &= ~VAS_VM_DONTCOPY;
		break;
	case VAS_MADV_WIPEONFORK:
		if (fileid || (f & VAS_VM_SHARED))
			return -EINVAL;
		nf |= VAS_VM_WIPEONFORK;
		break;
	case VAS_MADV_KEEPONFORK:
		if (f & VAS_VM_DROPPABLE)
			return -EINVAL;
		nf &= ~VAS_VM_WIPEONFORK;
		break;
	case VAS_MADV_DONTDUMP:
		nf |= VAS_VM_DONTDUMP;
		break;
	case VAS_MADV_DODUMP:
		if ((f & VAS_VM_SPECIAL) || (f & VAS_VM_DROPPABLE))
			return -EINVAL;
		nf &= ~VAS_VM_DONTDUMP;
		break;
	case VAS_MADV_HUGEPAGE:
		nf = (nf & ~VAS_VM_NOHUGEPAGE) | VAS_VM_HUGEPAGE;
		break;
	case VAS_MADV_NOHUGEPAGE:
		nf = (nf & ~VAS_VM_HUGEPAGE) | VAS_VM_NOHUGEPAGE;
		break;
	}
	if (nf == f)
		return 0;
	*next = modify_flags(m, s, e, nf);
	return 0;
}

int ref_madvise(struct ref_model *m, unsigned long addr, unsigned long len,
		int advice)
{
	unsigned long i, end, len_in = len;
	int unmapped_error = 0;

	if (!madvise_valid(advice) ||
	    (!m->thp && (advice == VAS_MADV_HUGEPAGE ||
			 advice == VAS_MADV_NOHUGEPAGE)))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (len_in && !len)
		return -EINVAL;
	if (!len)
		return 0;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	i = pidx(m, addr);
	end = pidx(m, addr + len);
	if (advice == VAS_MADV_POPULATE_READ ||
	    advice == VAS_MADV_POPULATE_WRITE)
		return madvise_populate(m, i, end,
					advice == VAS_MADV_POPULATE_WRITE);
	/* madvise_walk_vmas(): holes are skipped and reported at the end. */
	while (i < end && !m->pg[i].mapped)
		i++;
	if (i > pidx(m, addr))
		unmapped_error = -ENOMEM;
	if (i == end) {
		/* find_vma() may still find a VMA after the range. */
		return -ENOMEM;
	}
	while (i < end) {
		unsigned long next;
		unsigned long vs, ve, t;
		int err;

		if (!m->pg[i].mapped) {
			unmapped_error = -ENOMEM;
			i++;
			continue;
		}
		run_of(m, i, &vs, &ve);
		t = ve < end ? ve : end;
		err = madvise_vma(m, i, t, advice, &next);
		if (err)
			return err;
		i = next > t ? next : t;
	}
	return unmapped_error;
}

/* ---- mseal --------------------------------------------------------------- */

int ref_mseal(struct ref_model *m, unsigned long addr, unsigned long len,
	      unsigned long flags)
{
	unsigned long i, end, len_in = len;

	if (flags)
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (len_in && !len)
		return -EINVAL;
	if (!len)
		return 0;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	i = pidx(m, addr);
	end = pidx(m, addr + len);
	if (range_has_hole(m, i, end))
		return -ENOMEM;
	while (i < end) {
		unsigned long vs, ve, t;

		run_of(m, i, &vs, &ve);
		t = ve < end ? ve : end;
		if (m->pg[i].flags & VAS_VM_SEALED)
			i = ve;
		else
			i = modify_flags(m, i, t,
					 m->pg[i].flags | VAS_VM_SEALED);
	}
	return 0;
}

/* ---- mremap -------------------------------------------------------------- */

/*
 * move_vma() of pages [s, s+n) (inside one VMA) to [d, d+dn), dn >= n:
 * copy_vma() (an unfaulted anonymous VMA takes the pgoff of its new
 * address, else the pgoff moves with it), merge the copy with its new
 * neighbours, then unmap the source (or, with MREMAP_DONTUNMAP, clear
 * VM_LOCKED_MASK on the source VMA; VM_ACCOUNT stays). move_page_tables()
 * takes the anonymous pages along: the source keeps none (with
 * MREMAP_DONTUNMAP it shows zeros or its object again); the pages past
 * the old length are new.
 */
static void move_pages(struct ref_model *m, unsigned long s, unsigned long n,
		       unsigned long d, unsigned long dn, bool dontunmap)
{
	struct ref_vma src;
	unsigned long pgoff;
	uint32_t vid = m->next_vid++;

	vma_of(m, s, &src);
	if (src.fileid == 0 && !src.anon)
		pgoff = paddr(m, d) / REF_PAGE_SIZE;
	else
		pgoff = src.pgoff + (s - src.start);
	for (unsigned long k = 0; k < dn; k++) {
		zap_page(m, d + k);	/* none: the target was unmapped */
		if (k < n) {
			m->pg[d + k].data = m->pg[s + k].data;
			m->pg[s + k].data = NULL;
		}
		m->pg[d + k].mapped = true;
		m->pg[d + k].flags = src.flags;
		m->pg[d + k].fileid = src.fileid;
		m->pg[d + k].pgoff = pgoff + k;
		m->pg[d + k].vid = vid;
		m->pg[d + k].anon = src.anon;
	}
	merge_range(m, d, d + dn);
	if (!dontunmap) {
		unmap_pages(m, s, s + n);
		return;
	}
	/* dontunmap_complete() */
	{
		unsigned long vs, ve;
		bool whole;

		run_of(m, s, &vs, &ve);
		whole = vs == src.start && ve == src.end && vs == s &&
			ve == s + n && m->pg[s].vid != m->pg[d].vid;
		for (unsigned long i = vs; i < ve; i++) {
			m->pg[i].flags &= ~VM_LOCKED_MASK;
			if (whole)
				m->pg[i].anon = 0;
		}
	}
}

/* check_prep_vma() for the VMA containing page @i. */
static int check_prep_vma(struct ref_model *m, unsigned long i,
			  unsigned long old_n, unsigned long new_n,
			  bool will_map_new, bool dontunmap)
{
	unsigned long vs, ve;
	uint64_t f;

	if (i >= m->npages || !m->pg[i].mapped)
		return -EFAULT;
	f = m->pg[i].flags;
	if (f & VAS_VM_SEALED)
		return -EPERM;
	if (!will_map_new)
		return 0;
	run_of(m, i, &vs, &ve);
	if (dontunmap && (f & (VAS_VM_DONTEXPAND | VAS_VM_PFNMAP)))
		return -EINVAL;
	if (old_n > ve - i)
		return -EFAULT;
	if (new_n == old_n)
		return 0;
	if (f & (VAS_VM_DONTEXPAND | VAS_VM_PFNMAP))
		return -EFAULT;
	return 0;
}

/* mremap_to() for pages [s, s+on) of one VMA to [d, d+nn). */
static int mremap_to(struct ref_model *m, unsigned long s, unsigned long on,
		     unsigned long d, unsigned long nn, int flags)
{
	bool locked;

	if (flags & VAS_MREMAP_FIXED) {
		int err = gather_munmap(m, d, d + nn);

		if (err)
			return err;
	}
	locked = m->pg[s].flags & VAS_VM_LOCKED;
	move_pages(m, s, on, d, nn, flags & VAS_MREMAP_DONTUNMAP);
	if (locked && nn > on)
		(void)mm_populate(m, d + on, d + nn, true);
	return 0;
}

/* remap_move(): MREMAP_FIXED without resize may move several VMAs. */
static int remap_move(struct ref_model *m, unsigned long s, unsigned long e,
		      unsigned long d, int flags)
{
	bool seen = false;
	unsigned long target = d, last_end = 0;

	for (unsigned long i = s; i < e;) {
		unsigned long vs, ve, t, off;
		int err;

		if (!m->pg[i].mapped) {
			if (!seen)
				return -EFAULT;
			i++;
			continue;
		}
		run_of(m, i, &vs, &ve);
		t = ve < e ? ve : e;
		off = seen ? vs - last_end : 0;
		last_end = ve;
		err = check_prep_vma(m, i, t - i, t - i, true,
				     flags & VAS_MREMAP_DONTUNMAP);
		if (err)
			return err;
		err = mremap_to(m, i, t - i, target + off, t - i, flags);
		if (err)
			return err;
		seen = true;
		target = target + off + (t - i);
		i = t;
	}
	return seen ? 0 : -EFAULT;
}

int ref_mremap(struct ref_model *m, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, int flags, unsigned long new_addr,
	       unsigned long *out)
{
	unsigned long s, on, nn, d = 0;
	bool implies_new;
	int err;

	/* check_mremap_params() */
	if (flags & ~(VAS_MREMAP_FIXED | VAS_MREMAP_MAYMOVE |
		      VAS_MREMAP_DONTUNMAP))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	/* "Is the new length silly?", whatever the flags */
	if (new_len > VAS_TASK_SIZE)
		return -EINVAL;
	implies_new = flags & (VAS_MREMAP_FIXED | VAS_MREMAP_DONTUNMAP);
	if (implies_new) {
		if (new_addr > VAS_TASK_SIZE - new_len)
			return -EINVAL;
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (!(flags & VAS_MREMAP_MAYMOVE))
			return -EINVAL;
		if ((flags & VAS_MREMAP_DONTUNMAP) && old_len != new_len)
			return -EINVAL;
		if (addr < new_addr + new_len && new_addr < addr + old_len)
			return -EINVAL;
		if (!(flags & VAS_MREMAP_FIXED) ||
		    !ref_in_window(m, new_addr, new_len))
			return -REF_EUNMODELLED;
		d = pidx(m, new_addr);
	}
	if (!old_len || !ref_in_window(m, addr, old_len))
		return -REF_EUNMODELLED;
	s = pidx(m, addr);
	on = old_len / REF_PAGE_SIZE;
	nn = new_len / REF_PAGE_SIZE;
	if ((flags & VAS_MREMAP_FIXED) && on == nn) {
		err = remap_move(m, s, s + on, d, flags);
		if (err)
			return err;
		*out = new_addr;
		return 0;
	}
	if (implies_new) {
		/*
		 * check_prep_vma() first (for a shrink, only the part that
		 * stays must be inside the VMA), then mremap_to(): unmap
		 * the target, unmap the source's tail, move.
		 */
		err = check_prep_vma(m, s, on < nn ? on : nn, nn, true,
				     flags & VAS_MREMAP_DONTUNMAP);
		if (err)
			return err;
		if (flags & VAS_MREMAP_FIXED) {
			err = gather_munmap(m, d, d + nn);
			if (err)
				return err;
		}
		if (on > nn) {
			err = gather_munmap(m, s + nn, s + on);
			if (err)
				return err;
			on = nn;
		}
		err = mremap_to(m, s, on, d, nn, flags & ~VAS_MREMAP_FIXED);
		if (err)
			return err;
		*out = new_addr;
		return 0;
	}
	err = check_prep_vma(m, s, on, nn, nn > on, false);
	if (err)
		return err;
	if (nn == on) {
		*out = addr;
		return 0;
	}
	if (nn < on) {
		/* shrink_vma(): a plain munmap of the tail */
		err = gather_munmap(m, s + nn, s + on);
		if (err)
			return err;
		*out = addr;
		return 0;
	}
	/* expand_vma() */
	{
		unsigned long vs, ve;

		run_of(m, s, &vs, &ve);
		/*
		 * Growth past the window's end, the window's part free: what
		 * lies past the window decides, and the model does not know
		 * it. Linux 6.18 grows in place when that is free too
		 * (vma_expandable(): no VMA in [old end, new end)); new_len
		 * rounds up, so an unaligned one can pass the end.
		 */
		if (ve == s + on && s + nn > m->npages &&
		    ref_range_free(m, paddr(m, ve),
				   (m->npages - ve) * REF_PAGE_SIZE))
			return -REF_EUNMODELLED;
		if (ve == s + on && s + nn <= m->npages &&
		    ref_range_free(m, paddr(m, ve), (nn - on) * REF_PAGE_SIZE)) {
			/* expand_vma_in_place(): vma_merge_extend() */
			struct ref_vma v;
			bool locked;

			vma_of(m, s, &v);
			for (unsigned long k = ve; k < s + nn; k++) {
				m->pg[k] = m->pg[ve - 1];
				m->pg[k].pgoff = v.pgoff + (k - vs);
				m->pg[k].data = NULL;	/* a new page */
			}
			/* the VMA is "prev"; only next may join */
			merge_range_lr(m, vs, s + nn, false);
			locked = v.flags & VAS_VM_LOCKED;
			if (locked)
				(void)mm_populate(m, ve, s + nn, true);
			*out = addr;
			return 0;
		}
	}
	if (!(flags & VAS_MREMAP_MAYMOVE))
		return -ENOMEM;
	return -REF_EUNMODELLED;	/* the kernel picks the address */
}

/* ---- fork ---------------------------------------------------------------- */

void ref_fork(struct ref_model *child, struct ref_model *parent)
{
	ref_clone(child, parent, true);
	for (unsigned long i = 0; i < child->npages; i++) {
		struct ref_page *p = &child->pg[i];

		if (!p->mapped)
			continue;
		if (p->flags & VAS_VM_DONTCOPY) {
			zap_page(child, i);
			memset(p, 0, sizeof(*p));
			continue;
		}
		p->flags &= ~VM_LOCKED_MASK;
		if (p->flags & VAS_VM_WIPEONFORK) {
			zap_page(child, i);
			p->anon = 0;
		}
	}
}

/* ---- user access --------------------------------------------------------- */

static int access_fault(struct ref_model *m, struct ref_access *res, int signo,
			unsigned long i)
{
	res->signo = signo;
	res->fault_addr = paddr(m, i);
	res->hash = 0;
	return -EFAULT;
}

/*
 * The loop of ref_write() and ref_read(): each page of [addr, addr + len)
 * in turn, as the x86 fault handler sees it. No VMA: SIGSEGV (no stack to
 * grow: no VM_GROWSDOWN). access_error(): a write needs VM_WRITE, a read
 * any of VM_READ, VM_WRITE, VM_EXEC (no protection keys). A write to a
 * private page without its anonymous page prepares the anon_vma
 * (vmf_anon_prepare(), before do_cow_fault() asks the file), then copies;
 * a fault on the object past its end is SIGBUS.
 */
static int access_range(struct ref_model *m, unsigned long addr,
			unsigned long len, bool write, int byte,
			unsigned char *out, struct ref_access *res)
{
	unsigned long cur = addr, end = addr + len;

	memset(res, 0, sizeof(*res));
	res->hash = write ? 0 : REF_FNV_BASIS;
	if (!len)
		return 0;
	if (!ref_in_window(m, addr, len))
		return -REF_EUNMODELLED;
	while (cur < end) {
		unsigned long i = pidx(m, cur), next = paddr(m, i + 1);
		size_t off = cur - paddr(m, i);
		uint64_t f;

		if (next > end)
			next = end;
		if (!m->pg[i].mapped)
			return access_fault(m, res, REF_SIGSEGV, i);
		f = m->pg[i].flags;
		if (!(f & (write ? VAS_VM_WRITE : VM_ACCESS)))
			return access_fault(m, res, REF_SIGSEGV, i);
		if (!write) {
			if (past_eof(m, i))
				return access_fault(m, res, REF_SIGBUS, i);
			read_fault(m, i);
			if (out)
				memcpy(out + (cur - addr), page_view(m, i) + off,
				       next - cur);
			else
				res->hash = ref_fnv(res->hash,
						    page_view(m, i) + off,
						    next - cur);
		} else if (is_cow(f)) {
			if (!m->pg[i].data)
				anon_prepare(m, i);
			if (past_eof(m, i))
				return access_fault(m, res, REF_SIGBUS, i);
			memset(cow_page(m, i) + off, byte, next - cur);
		} else {
			if (past_eof(m, i))
				return access_fault(m, res, REF_SIGBUS, i);
			memset(object_page(m, i) + off, byte, next - cur);
		}
		cur = next;
	}
	return 0;
}

int ref_write(struct ref_model *m, unsigned long addr, unsigned long len,
	      int byte, struct ref_access *res)
{
	return access_range(m, addr, len, true, byte, NULL, res);
}

int ref_read(struct ref_model *m, unsigned long addr, unsigned long len,
	     struct ref_access *res)
{
	return access_range(m, addr, len, false, 0, NULL, res);
}

int ref_read_bytes(struct ref_model *m, unsigned long addr, unsigned long len,
		   void *buf, struct ref_access *res)
{
	int ret = access_range(m, addr, len, false, 0, buf, res);

	res->hash = 0;
	return ret;
}

/* ---- comparison and printing --------------------------------------------- */

static const struct {
	uint64_t flag;
	const char *name;
} mnemonics[] = {
	{ VAS_VM_READ, "rd" },	       { VAS_VM_WRITE, "wr" },
	{ VAS_VM_EXEC, "ex" },	       { VAS_VM_SHARED, "sh" },
	{ VAS_VM_MAYREAD, "mr" },      { VAS_VM_MAYWRITE, "mw" },
	{ VAS_VM_MAYEXEC, "me" },      { VAS_VM_MAYSHARE, "ms" },
	{ VAS_VM_GROWSDOWN, "gd" },    { VAS_VM_PFNMAP, "pf" },
	{ VAS_VM_LOCKED, "lo" },       { VAS_VM_IO, "io" },
	{ VAS_VM_SEQ_READ, "sr" },     { VAS_VM_RAND_READ, "rr" },
	{ VAS_VM_DONTCOPY, "dc" },     { VAS_VM_DONTEXPAND, "de" },
	{ VAS_VM_LOCKONFAULT, "lf" },  { VAS_VM_ACCOUNT, "ac" },
	{ VAS_VM_NORESERVE, "nr" },    { VAS_VM_HUGETLB, "ht" },
	{ VAS_VM_SYNC, "sf" },	       { VAS_VM_ARCH_1, "ar" },
	{ VAS_VM_WIPEONFORK, "wf" },   { VAS_VM_DONTDUMP, "dd" },
	{ VAS_VM_SOFTDIRTY, "sd" },    { VAS_VM_MIXEDMAP, "mm" },
	{ VAS_VM_HUGEPAGE, "hg" },     { VAS_VM_NOHUGEPAGE, "nh" },
	{ VAS_VM_MERGEABLE, "mg" },    { VAS_VM_UFFD_MISSING, "um" },
	{ VAS_VM_UFFD_WP, "uw" },      { VAS_VM_UFFD_MINOR, "ui" },
	{ VAS_VM_SHADOW_STACK, "ss" }, { VAS_VM_SEALED, "sl" },
	{ VAS_VM_DROPPABLE, "dp" },
};

uint64_t ref_flag_from_mnemonic(const char *two)
{
	for (size_t k = 0; k < sizeof(mnemonics) / sizeof(mnemonics[0]); k++)
		if (two[0] == mnemonics[k].name[0] &&
		    two[1] == mnemonics[k].name[1])
			return mnemonics[k].flag;
	return 0;
}

const char *ref_flags_str(uint64_t flags, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t k = 0; k < sizeof(mnemonics) / sizeof(mnemonics[0]); k++) {
		if (!(flags & mnemonics[k].flag))
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
				      n ? " " : "", mnemonics[k].name);
		flags &= ~mnemonics[k].flag;
	}
	if (flags)
		snprintf(buf + n, n < size ? size - n : 0, " ?%#llx",
			 (unsigned long long)flags);
	return buf;
}

int ref_vmas_diff(const struct ref_vma *a, int na, const struct ref_vma *b,
		  int nb, uint64_t ignore)
{
	/* shmem ids of @a renamed to ids of @b */
	uint32_t from[64], to[64];
	int nren = 0;

	for (int k = 0; k < na || k < nb; k++) {
		if (k >= na || k >= nb)
			return k;
		if (a[k].start != b[k].start || a[k].end != b[k].end ||
		    ((a[k].flags ^ b[k].flags) & ~ignore) ||
		    (a[k].pgoff != b[k].pgoff &&
		     a[k].pgoff != REF_PGOFF_UNKNOWN &&
		     b[k].pgoff != REF_PGOFF_UNKNOWN) ||
		    (a[k].rss_anon != b[k].rss_anon && a[k].rss_anon >= 0 &&
		     b[k].rss_anon >= 0))
			return k;
		if (a[k].fileid < REF_FILEID_SHMEM ||
		    b[k].fileid < REF_FILEID_SHMEM) {
			if (a[k].fileid != b[k].fileid)
				return k;
			continue;
		}
		{
			int r;

			for (r = 0; r < nren; r++)
				if (from[r] == a[k].fileid || to[r] == b[k].fileid)
					break;
			if (r < nren) {
				if (from[r] != a[k].fileid || to[r] != b[k].fileid)
					return k;
			} else if (nren < 64) {
				from[nren] = a[k].fileid;
				to[nren++] = b[k].fileid;
			}
		}
	}
	return -1;
}

void ref_vmas_print(const char *tag, const struct ref_vma *v, int n)
{
	char buf[256];

	for (int k = 0; k < n; k++)
		printf("%s %lx-%lx pgoff %#llx file %#x anon %u rss %ld  %s\n",
		       tag, v[k].start, v[k].end, (unsigned long long)v[k].pgoff,
		       v[k].fileid, v[k].anon, v[k].rss_anon,
		       ref_flags_str(v[k].flags, buf, sizeof(buf)));
}
