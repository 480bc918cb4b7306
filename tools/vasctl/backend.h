/* SPDX-License-Identifier: MIT */
/*
 * backend.h - what a vasctl runner (the vas model, the host kernel) offers
 * to the interpreter.
 *
 * The interpreter (interp.c) resolves every address expression and does all
 * the output formatting; a backend only performs the operations. Each
 * operation returns 0 or the negative errno of the call, and
 * VASCTL_EFATAL for a failure of the runner itself (the backend has then
 * printed a diagnostic on stderr and the interpreter exits with status 1).
 *
 * Statements run in the "parent" address space or, after a fork, in the
 * "child" one: the interpreter calls select() before every statement.
 */
#ifndef VASCTL_BACKEND_H
#define VASCTL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calls.h"

/* A failure of the runner, not of the call it makes. */
#define VASCTL_EFATAL (-100000)

/* Longest VmFlags string kept (codes joined by single spaces). */
#define VASCTL_VMFLAGS_MAX 160

/**
 * struct vasctl_map - one mapping as `maps` reports it.
 * @start:     first address.
 * @end:       one past the last address.
 * @prot:      VASCTL_PROT_* bits.
 * @shared:    's' rather than 'p' in the permissions.
 * @offset:    file offset (or shmem page offset) in bytes.
 * @file:      script file id of a file mapping, -1 for an anonymous one.
 * @name:      the script NAME of @file, NULL for an anonymous mapping.
 * @vmflags:   VmFlags codes in kernel order, joined by single spaces,
 *             without sd, hg, nh and mg.
 * @rss_kb:    Rss in kB.
 * @anon_kb:   Anonymous in kB.
 * @locked_kb: Locked in kB (proportional).
 */
struct vasctl_map {
	uint64_t start;
	uint64_t end;
	unsigned int prot;
	bool shared;
	uint64_t offset;
	int file;
	const char *name;
	char vmflags[VASCTL_VMFLAGS_MAX];
	uint64_t rss_kb;
	uint64_t anon_kb;
	uint64_t locked_kb;
};

/**
 * struct vasctl_maps - a growable list of mappings, lowest first.
 * @v:   the records.
 * @n:   number in use.
 * @cap: number allocated.
 */
struct vasctl_maps {
	struct vasctl_map *v;
	size_t n;
	size_t cap;
};

/**
 * vasctl_maps_add() - Append a zeroed record.
 * @m: the list.
 *
 * Context: may allocate.
 * Return: the new record, or NULL when out of memory.
 */
struct vasctl_map *vasctl_maps_add(struct vasctl_maps *m);

/**
 * vasctl_maps_free() - Release a list's records.
 * @m: the list; left empty.
 */
void vasctl_maps_free(struct vasctl_maps *m);

/**
 * enum vasctl_access_result - outcome of `write` or `read`.
 * @VASCTL_ACCESS_OK:      every page was accessed.
 * @VASCTL_ACCESS_SIGSEGV: a page raised SIGSEGV (see @fault_addr).
 * @VASCTL_ACCESS_SIGBUS:  a page raised SIGBUS.
 */
enum vasctl_access_result {
	VASCTL_ACCESS_OK,
	VASCTL_ACCESS_SIGSEGV,
	VASCTL_ACCESS_SIGBUS,
};

/**
 * struct vasctl_access - result of `write` or `read`.
 * @result:     what happened.
 * @fault_addr: page-aligned address of the page that faulted.
 * @fnv:        FNV-1a 64 of the bytes read (read only, when OK).
 */
struct vasctl_access {
	enum vasctl_access_result result;
	uint64_t fault_addr;
	uint64_t fnv;
};

/*
 * Page states of the @pages operation: not mapped now; the shared zero
 * page; a page mapped once (only here); a page mapped more than once (a
 * page shared copy-on-write after fork, or a file or shared page mapped
 * elsewhere too); not known (the area allows no read, or is VM_IO/PFNMAP).
 */
#define VASCTL_PAGE_NONE '.'
#define VASCTL_PAGE_ZERO 'z'
#define VASCTL_PAGE_OWN 'o'
#define VASCTL_PAGE_SHARED 's'
#define VASCTL_PAGE_UNKNOWN '?'

/**
 * struct vasctl_backend - the operations of one runner.
 * @name:     "kernel" or "model".
 * @ctx:      passed to every operation.
 * @select:   run the next statements in the child (@child true) or the
 *            parent; called before each statement. Only called with true
 *            after a successful fork().
 * @file:     create or rewrite file @file (id) named @name: @size bytes,
 *            byte i = (i * 131 + @seed) mod 256; read-only with @ro.
 * @call:     make the memory system call @c (tools/backends/calls.h);
 *            @file is the script file id mmap maps, -1 for none. The
 *            address of mmap and mremap in *@addrp.
 * @write:    store @byte into [@addr, @addr + @len), page by page.
 * @read:     load [@addr, @addr + @len), page by page, hash the bytes.
 * @fread:    pread(2) @len bytes at @offset of @file; hash into *@fnvp.
 * @fork:     create the child from the current (parent) address space,
 *            ending the previous child first.
 * @maps:     append the mappings that overlap [W, W + 1T) to @out,
 *            lowest first.
 * @pages:    optional (NULL when the runner cannot tell; html.c): the
 *            state of each of the @n pages from @addr in the current
 *            address space, one VASCTL_PAGE_* code a page into @state,
 *            without faulting any in. Return 0, -EOPNOTSUPP when the
 *            runner cannot tell now, or VASCTL_EFATAL.
 * @destroy:  end any child, remove scratch state, free @ctx.
 * @isolate:  vasctl_interp_run() runs the statements in a process of their
 *            own, which they may destroy without harm to the report (the
 *            kernel runner: its statements are real system calls on that
 *            process). The backend is set up before, in this process, and
 *            @destroy is then called in both processes.
 */
struct vasctl_backend {
	const char *name;
	void *ctx;
	int (*select)(void *ctx, bool child);
	int (*file)(void *ctx, int file, const char *name, uint64_t size,
		    uint64_t seed, bool ro);
	int (*call)(void *ctx, const struct backend_call *c, int file,
		    uint64_t *addrp);
	int (*write)(void *ctx, uint64_t addr, uint64_t len, unsigned int byte,
		     struct vasctl_access *res);
	int (*read)(void *ctx, uint64_t addr, uint64_t len,
		    struct vasctl_access *res);
	int (*fread)(void *ctx, int file, uint64_t offset, uint64_t len,
		     uint64_t *fnvp);
	int (*fork)(void *ctx);
	int (*maps)(void *ctx, struct vasctl_maps *out);
	int (*pages)(void *ctx, uint64_t addr, size_t n, char *state);
	void (*destroy)(void *ctx);
	bool isolate;
};

/**
 * vasctl_kernel_backend_init() - Set up the host-kernel runner.
 * @b:      filled with the kernel runner's operations.
 * @script: the parsed script (file names are used to name mappings).
 * @unzero: after every statement, give each page of the window that maps
 *          the zero page a page of its own (vasctl_unzero): the host then
 *          prints what a kernel without the zero page prints.
 *
 * Disables THP for the process and creates the scratch folder; checks
 * that the script's files fit in it (vasctl_scratch_room()) and that
 * nothing of this process lies in the window. The statements are to run
 * in a process of their own (@b->isolate).
 * Context: may allocate.
 * Return: 0, or VASCTL_EFATAL (a diagnostic was printed).
 */
struct vasctl_script;
struct vasctl_host;

/*
 * The model's physical memory (--mem SIZE): the machine's frames_bytes,
 * 0 for the library's default. Set by main() before the runners start.
 */
extern uint64_t vasctl_model_mem;

int vasctl_kernel_backend_init(struct vasctl_backend *b,
			       const struct vasctl_script *script, bool unzero);

/**
 * vasctl_model_backend_init() - Set up the vas model runner.
 * @b:      filled with the model runner's operations.
 * @script: the parsed script.
 * @facts:  the host the model stands for: the machine's tunables (zero
 *          page, folios of the script's files, mmap_min_addr,
 *          max_map_count) and the address space's limits and
 *          capabilities come from it; unknown facts from the reference.
 *
 * Creates a vas machine with one address space, and the scratch folder for
 * the script's files (real host files, wrapped by vas_file_open_host()).
 * Context: may allocate.
 * Return: 0, or VASCTL_EFATAL (a diagnostic was printed).
 */
int vasctl_model_backend_init(struct vasctl_backend *b,
			      const struct vasctl_script *script,
			      const struct vasctl_host *facts);

/**
 * vasctl_fnv1a() - Continue an FNV-1a 64-bit hash.
 * @h:   the hash so far (VASCTL_FNV_BASIS to start).
 * @p:   bytes.
 * @len: their number.
 *
 * Return: the updated hash.
 */
#define VASCTL_FNV_BASIS 0xcbf29ce484222325ULL
#define VASCTL_FNV_PRIME 0x100000001b3ULL
uint64_t vasctl_fnv1a(uint64_t h, const void *p, size_t len);

#endif /* VASCTL_BACKEND_H */
