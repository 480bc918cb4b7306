/* SPDX-License-Identifier: MIT */
/*
 * scratch.h - the scratch folder of a run and the script's files in it,
 * shared by every runner: the files are real files on a disk file system
 * for the model as well as for the kernel (see "Files" in the spec).
 */
#ifndef VASCTL_SCRATCH_H
#define VASCTL_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Scratch folders are made in $VAS_SCRATCH_DIR, else in this folder (on a
 * disk file system, as the spec asks), named vasctl.XXXXXX.
 */
#define VASCTL_SCRATCH_PARENT "/var/tmp"
#define VASCTL_SCRATCH_NAME "vasctl.XXXXXX"

/**
 * struct vasctl_sfile - one file of the script.
 * @path: its path in the scratch folder, NULL until the first `file`.
 * @fd:   the open file description the script uses, -1 until then.
 * @ro:   @fd is open read-only.
 */
struct vasctl_sfile {
	char *path;
	int fd;
	bool ro;
};

/**
 * struct vasctl_scratch - the scratch folder and the files in it.
 * @dir:    the folder's path.
 * @files:  one entry per script file id.
 * @nfiles: their number.
 */
struct vasctl_scratch {
	char dir[512];
	struct vasctl_sfile *files;
	size_t nfiles;
};

/**
 * vasctl_scratch_init() - Create the scratch folder.
 * @s:      filled.
 * @nfiles: number of file ids of the script.
 *
 * Until vasctl_scratch_destroy(), the folder and the files in it (whoever
 * made them) are also removed when this process exits (atexit) or is
 * killed by a signal that vasctl_scratch_signals() handles; and, by a
 * watcher process that the first call in a process starts, when this
 * process and every process forked from it have ended in any way
 * (SIGKILL, a crash): see "removal after SIGKILL" in scratch.c.
 * Context: may allocate.
 * Return: 0, or VASCTL_EFATAL (a diagnostic was printed).
 */
int vasctl_scratch_init(struct vasctl_scratch *s, size_t nfiles);

/*
 * What a run leaves free on the scratch file system: a script's files
 * (struct vasctl_script.file_bytes) must fit in its free space less this.
 */
#define VASCTL_SCRATCH_MARGIN (64ULL << 20)

/**
 * vasctl_scratch_room() - Check that @bytes of files fit in the scratch
 * file system with VASCTL_SCRATCH_MARGIN to spare. Every runner calls it
 * with the script's file_bytes before it runs a statement.
 * @s:     the scratch state (its folder made).
 * @bytes: the most the files will hold at once; 0 needs no room.
 *
 * For tests, $VAS_TEST_SCRATCH_FREE (a number of bytes) stands for the
 * free space that statvfs(3) reports.
 * Return: 0, or VASCTL_EFATAL ("vasctl: the script's files need ...").
 */
int vasctl_scratch_room(const struct vasctl_scratch *s, uint64_t bytes);

/**
 * vasctl_scratch_signals() - Make SIGINT, SIGTERM, SIGHUP, SIGQUIT and the
 * crash signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) remove this
 * process's scratch folders, end the child that vasctl_scratch_forward()
 * named, and then take their previous course (the default action, or
 * the handler installed before, such as a sanitizer's): the process still
 * dies of the signal. A signal that was ignored stays ignored. Forked
 * processes inherit the handlers but remove nothing of their parent's.
 * Context: call once, early in main().
 */
void vasctl_scratch_signals(void);

/**
 * vasctl_scratch_hold() - For tests of the cleanup: when $VAS_TEST_HOLD
 * names a FIFO, write @s's folder path and a newline into it and wait to
 * be killed; else return at once.
 */
void vasctl_scratch_hold(const struct vasctl_scratch *s);

/**
 * vasctl_scratch_forward() - Name a child process (0: none) that the
 * handlers of vasctl_scratch_signals() send the signal to, and wait for,
 * before this process dies: the child owns scratch folders of its own, or
 * runs the statements of one of this process's.
 * Return: the child named before.
 */
pid_t vasctl_scratch_forward(pid_t child);

/**
 * vasctl_scratch_file() - Run a `file` statement on the host file system.
 * @s:       the scratch state.
 * @id:      file id.
 * @name:    its NAME (for the path and the diagnostic).
 * @size:    bytes; byte i = (i * 131 + @seed) mod 256.
 * @seed:    see @size.
 * @ro:      open read-only.
 * @newdesc: set when files[@id].fd is now a different open file
 *           description than before (first creation, `ro`, or leaving
 *           `ro`); the previous descriptor has been closed.
 *
 * A rewrite without `ro` of a file that is open read-write keeps its
 * description; anything else opens a new one, as the spec says.
 *
 * For tests of the cleanup: when $VAS_TEST_HOLD names a FIFO, the first
 * file made stops the process there for good, after it wrote the scratch
 * folder's path and a newline into the FIFO (the test then kills it).
 * Return: 0, or VASCTL_EFATAL (a diagnostic was printed).
 */
int vasctl_scratch_file(struct vasctl_scratch *s, int id, const char *name,
			uint64_t size, uint64_t seed, bool ro, bool *newdesc);
/* vasctl_scratch_file() that never holds (@hold false): for the probe. */
int __vasctl_scratch_file(struct vasctl_scratch *s, int id, const char *name,
			  uint64_t size, uint64_t seed, bool ro, bool *newdesc,
			  bool hold);

/*
 * `fread` reads in pieces of this size, one pread(2) each, until @len
 * bytes or the end of the file; the first error is the result. Both
 * runners read so (pread's -EINVAL for a range ending past LLONG_MAX
 * depends on the piece's length).
 */
#define VASCTL_FREAD_CHUNK (16u << 10)

/**
 * vasctl_scratch_fread() - pread(2) and hash @len bytes of file @id,
 * VASCTL_FREAD_CHUNK bytes at a time.
 * @s:      the scratch state.
 * @id:     file id (created).
 * @offset: first byte.
 * @len:    bytes wanted (fewer at end of file).
 * @fnvp:   receives the FNV-1a hash of the bytes returned.
 *
 * Return: 0 or the negative errno of pread.
 */
int vasctl_scratch_fread(const struct vasctl_scratch *s, int id,
			 uint64_t offset, uint64_t len, uint64_t *fnvp);

/**
 * vasctl_scratch_destroy() - Close and remove the files and the folder,
 * files that a forked process made in it included.
 * @s: the scratch state; its memory is released.
 */
void vasctl_scratch_destroy(struct vasctl_scratch *s);

#endif /* VASCTL_SCRATCH_H */
