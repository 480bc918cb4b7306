/* SPDX-License-Identifier: MIT */
/*
 * refmodel.h - a deliberately naive reference model of the Linux 6.18
 * mmap family, for property tests.
 *
 * The model keeps one record per page of a window (mapped?, VM_* flags,
 * file and file page offset, anon_vma identity, and the identity of the
 * VMA the page belongs to). VMAs are derived: a VMA is a maximal run of
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
 * Not modelled (callers keep to the modelled subset): page contents and
 * faults other than the populate done by mlock / MAP_LOCKED / MAP_POPULATE
 * / mremap of a locked VMA; fork (anon_vma chains, uncowed parents);
 * MAP_GROWSDOWN and stack guard gaps; hugetlb, DAX, VM_SPECIAL drivers;
 * rlimits and max_map_count; the kernel's choice of an address when a hint
 * is not free; mremap with old_len 0.
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
};

struct ref_page {
	bool mapped;
	uint64_t flags;
	uint32_t fileid;
	uint64_t pgoff;
	uint32_t vid;		/* VMA identity */
	uint32_t anon;		/* anon_vma identity, 0 = none */
};

struct ref_file {
	bool readable, writable;	/* how its fd was opened */
};

struct ref_model {
	unsigned long base;
	unsigned long npages;
	struct ref_page *pg;
	uint32_t next_vid, next_anon, next_shmem;
	struct ref_file files[REF_MAX_FILES];	/* index = file id */
	bool thp;		/* MADV_[NO]HUGEPAGE are accepted */
	/* size in pages of each shmem object (by id - REF_FILEID_SHMEM) */
	unsigned long *shmem_pages;
	size_t shmem_cap;
};

int ref_init(struct ref_model *m, unsigned long base, unsigned long npages);
void ref_fini(struct ref_model *m);
/* Declare file @id (1 .. REF_MAX_FILES-1) and the mode of its fd. */
void ref_file_set(struct ref_model *m, uint32_t id, bool readable,
		  bool writable);

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
 * @ignore, pgoff unless either is REF_PGOFF_UNKNOWN, file id; shmem ids >= REF_FILEID_SHMEM up to a
 * consistent renaming). anon is not compared.
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
