/* SPDX-License-Identifier: MIT */
/*
 * refmodel.h - a deliberately naive reference model of the Linux 6.18
 * mmap family, for property tests.
 *
 * The model keeps one record per page of a window (mapped?, VM_* flags,
 * file and file page offset, anon_vma identity, the identity of the
 * VMA the page belongs to, and the page's own bytes if it has an
 * anonymous page). VMAs are derived: a VMA is a maximal run of
 * pages with the same VMA identity. Operations change page records the
 * way Linux changes VMAs: they split at the edges of the range they
 * change and merge the changed range only with its immediate neighbours,
 * when Linux's merge rules (mm/vma.c) allow it. Nothing is ever merged
 * "because it happens to be adjacent and compatible" otherwise.
 *
 * The calls mirror the system calls (and include/vas/mman.h): they take
 * the same arguments, a file id instead of a file (0 = none), and return
 * 0 or a negative errno as Linux 6.18 does, for arguments that stay inside
 * the window (callers must not pass ranges that leave it).
 *
 * Page contents (x86-64 semantics): each file and shared anonymous (shmem)
 * object keeps its bytes page by page; a page of a private mapping that
 * was written (or populated for write: mlock, MAP_POPULATE/MAP_LOCKED,
 * MADV_POPULATE_WRITE, mremap of a locked VMA) keeps its own copy, the
 * anonymous page, made from what the page showed then (copy on write).
 * A private page without a copy shows zeros (anonymous) or the file's
 * current bytes, so writes through a shared mapping of the file show
 * through until the private page is written. Contents move with mremap,
 * MADV_DONTNEED drops private copies, MADV_REMOVE punches the object.
 * ref_write() and ref_read() stand for a thread storing or loading
 * (include/vas/memory.h): page by page, stopping at the first page that
 * raises SIGSEGV (unmapped; write without VM_WRITE; read without any of
 * VM_READ, VM_WRITE, VM_EXEC: no protection keys) or SIGBUS (past the
 * end of the object). The private pages with a copy are the VMA's
 * anonymous RSS (a page only read maps the zero page or the page cache,
 * unless the model has no zero page: see ref_model.zero_page).
 *
 * Not modelled (callers keep to the modelled subset): faults other than
 * those of ref_write(), ref_read() and the populating calls (read faults
 * have no modelled effect: fault-around and page cache RSS are not
 * modelled); MADV_FREE, MADV_COLD/PAGEOUT (their effect on contents and
 * RSS depends on reclaim) and the other advices with page effects; in a
 * forked child (ref_fork()) anything but accesses (its anon_vma chains
 * and uncowed parents change its merge rules); file size changes (truncate,
 * writes past the end); MAP_GROWSDOWN and stack guard gaps; hugetlb, DAX,
 * VM_SPECIAL drivers; rlimits and max_map_count; the kernel's choice of
 * an address when a hint is not free; mremap with old_len 0.
 */
#ifndef VAS_TESTS_REFMODEL_H
#define VAS_TESTS_REFMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REF_PAGE_SIZE 4096UL
#define REF_WINDOW_BASE 0x200000000000UL
#define REF_MAX_FILES 8
/* File ids at or above this are shared anonymous (shmem) objects: their
 * identity is only compared up to renaming (see ref_vmas_diff()). */
#define REF_FILEID_SHMEM 0x10000U

/*
 * Returned (negated) for arguments outside the modelled subset: a range
 * leaving the window, an address the kernel would choose, old_len 0.
 */
#define REF_EUNMODELLED 10000

/* /proc shows offset 0 for anonymous private VMAs: their pgoff is unknown. */
#define REF_PGOFF_UNKNOWN (~0ULL)

/* One derived VMA. */
struct ref_vma {
	unsigned long start, end;
	uint64_t flags;		/* VAS_VM_* */
	uint32_t fileid;	/* 0 = anonymous private */
	uint64_t pgoff;		/* in pages; REF_PGOFF_UNKNOWN: not known */
	uint32_t anon;		/* anon_vma identity, 0 = none (model only) */
	long rss_anon;		/* anonymous pages mapped; < 0: not known */
};

struct ref_page {
	bool mapped;
	uint64_t flags;
	uint32_t fileid;
	uint64_t pgoff;
	uint32_t vid;		/* VMA identity */
	uint32_t anon;		/* anon_vma identity, 0 = none */
	/*
	 * A private page's anonymous page (REF_PAGE_SIZE bytes), NULL if it
	 * has none (it shows zeros or its object's bytes). Always NULL in a
	 * VM_SHARED VMA. A page with one implies pg.anon != 0.
	 */
	unsigned char *data;
};

/* The bytes of a file or shmem object, page by page. */
struct ref_object {
	unsigned long npages;	/* its size (i_size) in pages */
	unsigned char **page;	/* [npages], NULL: all zero; NULL entry: zero page */
};

struct ref_file {
	bool readable, writable;	/* how its fd was opened */
	struct ref_object obj;
};

struct ref_model {
	unsigned long base;
	unsigned long npages;
	struct ref_page *pg;
	uint32_t next_vid, next_anon, next_shmem;
	struct ref_file files[REF_MAX_FILES];	/* index = file id */
	bool thp;		/* MADV_[NO]HUGEPAGE are accepted */
	/*
	 * A read of an anonymous private page without its own copy maps the
	 * zero page (true, Linux's default; ref_init() sets it). false: the
	 * read gives it its own zeroed page, the VMA its anon_vma first, as
	 * a write does (a kernel where mm_forbids_zeropage(): the page then
	 * counts in rss_anon). So do ref_read(), ref_read_bytes() and the
	 * populating calls that read (mlock and MAP_LOCKED/MAP_POPULATE of a
	 * VMA that is not private writable, MADV_POPULATE_READ).
	 */
	bool zero_page;
	/* each shmem object (by id - REF_FILEID_SHMEM) */
	struct ref_object *shmem;
	size_t shmem_cap;
	/*
	 * Files and shmem objects: a model made by ref_clone(.., true) or
	 * ref_fork() uses those of @objects (which counts its borrowers and
	 * keeps its shmem objects while it has any).
	 */
	struct ref_model *objects;
	unsigned int nborrowers;
};

/* The result of an access (ref_write(), ref_read()). */
#define REF_SIGBUS 7
#define REF_SIGSEGV 11
struct ref_access {
	int signo;		/* 0, REF_SIGSEGV or REF_SIGBUS */
	unsigned long fault_addr; /* the faulting page, if signo */
	uint64_t hash;		/* reads: FNV-1a 64 of the bytes, if !signo */
};
#define REF_FNV_BASIS 0xcbf29ce484222325ULL
#define REF_FNV_PRIME 0x100000001b3ULL

int ref_init(struct ref_model *m, unsigned long base, unsigned long npages);
void ref_fini(struct ref_model *m);
/*
 * ref_clone() - Make @dst a copy of @src, to be ref_fini()ed before @src.
 * With @share_objects, @dst uses @src's files and shmem objects (stores
 * through its shared mappings reach them; it must not create shmem
 * objects: no shared anonymous ref_mmap), else it is independent.
 */
void ref_clone(struct ref_model *dst, struct ref_model *src,
	       bool share_objects);
/*
 * ref_fork() - @child becomes the address space fork(2) gives a child of
 * @parent (dup_mmap()): VM_DONTCOPY VMAs left out, VM_LOCKED and
 * VM_LOCKONFAULT cleared, the pages of private VMAs a snapshot (copy on
 * write both ways), shared mappings sharing their objects with @parent,
 * VM_WIPEONFORK VMAs empty (zeros, no anon_vma). @parent is unchanged (it
 * keeps its anon_vmas: no merge rule of the parent changes). The model
 * follows only accesses in @child (ref_write(), ref_read()); ref_fini() it
 * before @parent.
 */
void ref_fork(struct ref_model *child, struct ref_model *parent);
/*
 * Declare file @id (1 .. REF_MAX_FILES-1), the mode of its fd and its size
 * in pages; its bytes are all zero (a new sparse file).
 */
void ref_file_set(struct ref_model *m, uint32_t id, bool readable,
		  bool writable, unsigned long npages);

int ref_mmap(struct ref_model *m, unsigned long addr, unsigned long len,
	     int prot, int flags, uint32_t fileid, unsigned long off,
	     unsigned long *out);
int ref_munmap(struct ref_model *m, unsigned long addr, unsigned long len);
int ref_mprotect(struct ref_model *m, unsigned long addr, unsigned long len,
		 int prot);
int ref_mlock(struct ref_model *m, unsigned long addr, unsigned long len);
int ref_mlock2(struct ref_model *m, unsigned long addr, unsigned long len,
	       unsigned int flags);
int ref_munlock(struct ref_model *m, unsigned long addr, unsigned long len);
int ref_madvise(struct ref_model *m, unsigned long addr, unsigned long len,
		int advice);
int ref_mseal(struct ref_model *m, unsigned long addr, unsigned long len,
	      unsigned long flags);
int ref_mremap(struct ref_model *m, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, int flags, unsigned long new_addr,
	       unsigned long *out);

/*
 * ref_write() - Store @byte into [@addr, @addr + @len), page by page, as
 * vas_fill() does; ref_read() - load the bytes and hash them. A faulting
 * page stops the access (the pages before it were accessed).
 * Return: 0; -EFAULT with @res->signo and @res->fault_addr set; or
 * -REF_EUNMODELLED if the range leaves the window.
 */
int ref_write(struct ref_model *m, unsigned long addr, unsigned long len,
	      int byte, struct ref_access *res);
int ref_read(struct ref_model *m, unsigned long addr, unsigned long len,
	     struct ref_access *res);
/* ref_read() that copies the bytes to @buf (res->hash stays 0). */
int ref_read_bytes(struct ref_model *m, unsigned long addr, unsigned long len,
		   void *buf, struct ref_access *res);
/* FNV-1a 64 of @n bytes at @p, continuing from @h. */
uint64_t ref_fnv(uint64_t h, const void *p, size_t n);

/* Is [addr, addr+len) inside the window and free of mappings? */
bool ref_range_free(const struct ref_model *m, unsigned long addr,
		    unsigned long len);
/* Is [addr, addr+len) inside the window? */
bool ref_in_window(const struct ref_model *m, unsigned long addr,
		   unsigned long len);

/* The derived VMAs in address order; returns their number (<= @max). */
int ref_vmas(const struct ref_model *m, struct ref_vma *out, int max);

/*
 * Flags that the comparison ignores: soft-dirty (set on every new VMA,
 * ignored by merging).
 */
#define REF_FLAGS_IGNORED 0x08000000UL /* VAS_VM_SOFTDIRTY */

/*
 * ref_vmas_diff() - Compare two VMA lists (start, end, flags outside
 * @ignore, pgoff unless either is REF_PGOFF_UNKNOWN, file id; shmem ids
 * >= REF_FILEID_SHMEM up to a consistent renaming; rss_anon unless either
 * is negative). anon is not compared.
 * Return: -1 if equal, else the index of the first differing entry.
 */
int ref_vmas_diff(const struct ref_vma *a, int na, const struct ref_vma *b,
		  int nb, uint64_t ignore);
/* Print @n VMAs, one per line, prefixed by @tag. */
void ref_vmas_print(const char *tag, const struct ref_vma *v, int n);
/* The VM_* flag of a two-letter smaps VmFlags mnemonic, or 0. */
uint64_t ref_flag_from_mnemonic(const char *two);
/* Two-letter smaps mnemonics of @flags into @buf. */
const char *ref_flags_str(uint64_t flags, char *buf, size_t size);

#endif /* VAS_TESTS_REFMODEL_H */
