/* SPDX-License-Identifier: MIT */
/*
 * script.h - the parsed form of a .vas script (see shared spec script.md).
 *
 * The parser turns the whole script into an array of statements before
 * anything runs, and performs every check the spec lists as a script error
 * (syntax, unknown statement, unknown file, unbound variable, misplaced
 * @child). Names (files, variables) become small integer ids.
 */
#ifndef VASCTL_SCRIPT_H
#define VASCTL_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "calls.h"	/* tools/backends: the memory system calls */

/* The window base W, and the window size (1 TiB). */
#define VASCTL_W 0x200000000000ULL
#define VASCTL_WSIZE 0x10000000000ULL

/* Linux UAPI values, spelled out: the host headers lack some of them. */
#define VASCTL_PROT_READ 0x1
#define VASCTL_PROT_WRITE 0x2
#define VASCTL_PROT_EXEC 0x4

#define VASCTL_MAP_SHARED 0x01
#define VASCTL_MAP_PRIVATE 0x02
#define VASCTL_MAP_SHARED_VALIDATE 0x03
#define VASCTL_MAP_FIXED 0x10
#define VASCTL_MAP_ANONYMOUS 0x20
#define VASCTL_MAP_GROWSDOWN 0x100
#define VASCTL_MAP_LOCKED 0x2000
#define VASCTL_MAP_NORESERVE 0x4000
#define VASCTL_MAP_POPULATE 0x8000
#define VASCTL_MAP_STACK 0x20000
#define VASCTL_MAP_FIXED_NOREPLACE 0x100000
#define VASCTL_MAP_DROPPABLE 0x08
#define VASCTL_MAP_HUGETLB 0x40000

#define VASCTL_MREMAP_MAYMOVE 1
#define VASCTL_MREMAP_FIXED 2
#define VASCTL_MREMAP_DONTUNMAP 4

#define VASCTL_MS_ASYNC 1
#define VASCTL_MS_INVALIDATE 2
#define VASCTL_MS_SYNC 4

#define VASCTL_MLOCK_ONFAULT 1

/**
 * enum vasctl_op - the statements of the language. The memory system calls
 * are the rows of tools/backends/calls.h, in its order (vasctl_op_call()).
 */
enum vasctl_op {
	VASCTL_OP_FILE,
#define VASCTL__OP_CALL(nr, name, vas, host) VASCTL_OP_##nr,
	BACKEND_CALLS(VASCTL__OP_CALL)
#undef VASCTL__OP_CALL
	VASCTL_OP_WRITE,
	VASCTL_OP_READ,
	VASCTL_OP_FREAD,
	VASCTL_OP_FORK,
	VASCTL_OP_MAPS,
};

/* The calls.h number of statement @op, or -1 if it is not a call. */
static inline int vasctl_op_call(enum vasctl_op op)
{
	int nr = (int)op - (int)VASCTL_OP_FILE - 1;

	return nr >= 0 && nr < BACKEND_NR_CALLS ? nr : -1;
}

/* The statement of call @nr (calls.h). */
static inline enum vasctl_op vasctl_call_op(enum backend_call_nr nr)
{
	return (enum vasctl_op)((int)VASCTL_OP_FILE + 1 + (int)nr);
}

/**
 * enum vasctl_addr_kind - how an address expression starts.
 * @VASCTL_ADDR_ABS: a plain number.
 * @VASCTL_ADDR_W:   the window base W.
 * @VASCTL_ADDR_VAR: a variable.
 */
enum vasctl_addr_kind {
	VASCTL_ADDR_ABS,
	VASCTL_ADDR_W,
	VASCTL_ADDR_VAR,
};

/**
 * struct vasctl_addr - an address expression: base plus a signed delta.
 * @kind:  what the base is.
 * @var:   variable id when @kind is VASCTL_ADDR_VAR.
 * @delta: added to the base modulo 2^64 (the absolute value for ABS).
 */
struct vasctl_addr {
	enum vasctl_addr_kind kind;
	int var;
	uint64_t delta;
};

/**
 * struct vasctl_stmt - one parsed statement.
 * @line:   1-based line number in the script.
 * @text:   the echo text: comment removed, blanks trimmed and folded,
 *          including a leading "@child " when present.
 * @op:     the statement.
 * @child:  true for "@child STATEMENT".
 * @addr:   ADDR of every statement that has one.
 * @newaddr: NEWADDR of mremap (@has_newaddr says whether it was given).
 * @has_newaddr: mremap had a NEWADDR.
 * @len:    LEN, OLDLEN of mremap, SIZE of file, LEN of fread.
 * @len2:   NEWLEN of mremap.
 * @offset: OFFSET of mmap (file) or fread.
 * @seed:   SEED of file (0 when absent).
 * @prot:   PROT bits (VASCTL_PROT_*).
 * @flags:  mmap/mremap/msync flags, madvise advice, mlock2 flags.
 * @byte:   BYTE of write.
 * @ro:     file ... ro.
 * @file:   file id (file, fread, file-backed mmap), -1 otherwise.
 * @bind:   variable id bound by "-> VAR", -1 when none.
 * @addr_col: 1-based byte column of the ADDR token in the line (for the
 *          run-time error of an unbound variable); @addr_width its length.
 * @newaddr_col: the same for NEWADDR; @newaddr_width its length.
 */
struct vasctl_stmt {
	int line;
	char *text;
	enum vasctl_op op;
	bool child;
	struct vasctl_addr addr;
	struct vasctl_addr newaddr;
	bool has_newaddr;
	uint64_t len;
	uint64_t len2;
	uint64_t offset;
	uint64_t seed;
	unsigned int prot;
	unsigned int flags;
	unsigned int byte;
	bool ro;
	int file;
	int bind;
	int addr_col;
	int addr_width;
	int newaddr_col;
	int newaddr_width;
};

/*
 * The most a script's files may hold at once, 1 GiB: the line whose `file`
 * statement would pass it is a script error, "files too large: more than
 * 1G in all" (both runners, before running anything). A run also needs
 * that much room on the scratch file system: vasctl_scratch_room().
 */
#define VASCTL_FILES_MAX (1ULL << 30)

/**
 * struct vasctl_script - a whole parsed script.
 * @stmts:  statements in line order.
 * @nstmts: their number.
 * @files:  file NAMEs, indexed by file id.
 * @nfiles: their number.
 * @vars:   variable names (without '$'), indexed by variable id.
 * @nvars:  their number.
 * @file_bytes: the most its files hold at once: the sum over the file
 *          NAMEs of the largest SIZE a `file` statement gives each; at
 *          most VASCTL_FILES_MAX (a script error otherwise).
 * @name_probes: names compared while looking names up during the parse
 *          (a hash index: about one per lookup, whatever the number of
 *          names; tests check the parse stays linear with it).
 * @src:    the script text the parse was given, borrowed (not copied, not
 *          freed): it must outlive the script. Used only to echo a line in
 *          the diagnostic of a run-time script error (interp.c).
 * @srclen: its length.
 * @name:   the script's name for diagnostics ("x.vas", "<stdin>"), set
 *          by the caller after the parse, borrowed; NULL prints
 *          "<script>".
 */
struct vasctl_script {
	struct vasctl_stmt *stmts;
	size_t nstmts;
	char **files;
	size_t nfiles;
	char **vars;
	size_t nvars;
	uint64_t file_bytes;
	size_t name_probes;
	const char *src;
	size_t srclen;
	const char *name;
};

/**
 * struct vasctl_diag - a script error, located.
 * @line:  1-based line number.
 * @col:   1-based byte column of the text at fault in the line (for a
 *         missing argument: just past the line's last word).
 * @width: the length of the text at fault in bytes, at least 1.
 * @what:  the message, as in "error: line N: WHAT".
 * @note:  more help, "" or lines each ending in '\n' (for instance
 *         "did you mean 'dontneed'?\n" and "accepted: normal random ...\n").
 */
struct vasctl_diag {
	int line;
	int col;
	int width;
	char what[512];
	char note[1024];
};

/**
 * vasctl_script_parse() - Parse and check a whole script.
 * @src:    script text: @len bytes, not necessarily NUL-terminated.
 * @len:    its length in bytes.
 * @script: filled on success; release with vasctl_script_free().
 * @err:    on a script error, receives "line N: WHAT" (without "error: ").
 * @errlen: size of @err.
 *
 * A NUL byte anywhere in a line (a comment included) is a script error of
 * that line: "line N: NUL byte". The first error in line order wins.
 *
 * Context: may allocate.
 * Return: 0 on success, -EINVAL on a script error (@err set), -ENOMEM when
 * out of memory.
 */
int vasctl_script_parse(const char *src, size_t len,
			struct vasctl_script *script, char *err, size_t errlen);

/**
 * vasctl_script_parse_diag() - vasctl_script_parse(), with a located error.
 * @src:    script text: @len bytes, not necessarily NUL-terminated; the
 *          script borrows it (@script->src) for run-time diagnostics.
 * @len:    its length in bytes.
 * @script: filled on success; release with vasctl_script_free().
 * @diag:   on a script error, where and what it is (WHAT and the notes
 *          are cut to fit their arrays).
 *
 * Context: may allocate; no locks (vasctl is single-threaded).
 * Return: as vasctl_script_parse().
 */
int vasctl_script_parse_diag(const char *src, size_t len,
			     struct vasctl_script *script,
			     struct vasctl_diag *diag);

/**
 * vasctl_diag_print() - Print a script error.
 * @f:    where to (standard error).
 * @name: the script's name ("x.vas", "<stdin>"); NULL prints "<script>".
 * @src:  the script text (to echo the line), or NULL.
 * @len:  its length.
 * @d:    the error.
 *
 * Prints the spec's line "error: line N: WHAT" first, unchanged, then the
 * same error as compilers give it: "NAME:N:COL: error: WHAT", the line
 * (tabs shown as spaces, other control bytes as '?') under a gutter with
 * its number, a caret line under the text at fault, and @d->note's lines,
 * each prefixed "note: ".
 *
 * Context: writes to @f only; does not allocate.
 */
void vasctl_diag_print(FILE *f, const char *name, const char *src,
		       size_t len, const struct vasctl_diag *d);

/**
 * vasctl_script_free() - Release what vasctl_script_parse() allocated.
 * @script: a parsed script (or a zeroed one).
 */
void vasctl_script_free(struct vasctl_script *script);

#endif /* VASCTL_SCRIPT_H */
