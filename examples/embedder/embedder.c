// SPDX-License-Identifier: MIT
/*
 * embedder.c - a program that embeds vas: it lays out an address space the
 * way an ELF loader lays out a process, runs it a little, forks it, and
 * prints its maps. The walk-through is docs/tutorial.md, part 1.
 *
 *   text   r-x  private mapping of the "executable" (a host file)
 *   data   rw-  private mapping of the same file: writes make private copies
 *   bss    rw-  anonymous memory after the data
 *   heap        grown and shrunk with vas_brk()
 *   stack  rw-  MAP_GROWSDOWN: a fault below it grows it
 *
 * Public API only (include/vas). Every result is checked: the program
 * prints what it did and exits 1 at the first unexpected result.
 *
 * Usage: vas_embedder
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vas/vas.h>

#define P VAS_PAGE_SIZE

/* The layout: a classic non-PIE x86-64 executable and a stack below the top. */
#define TEXT 0x400000UL			/* two pages of code */
#define DATA (TEXT + 2 * P)		/* one page: 3000 bytes of the file */
#define DATA_BYTES 3000UL
#define BSS (DATA + P)			/* two pages of zeros */
#define BRK_START (BSS + 2 * P)		/* the heap starts after the bss */
#define STACK (0x7ffff0000000UL - 4 * P)	/* four pages, growing down */

/* A failed check ends the program with status 1, naming the line. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n",          \
				__FILE__, __LINE__, #cond);                   \
			exit(1);                                              \
		}                                                             \
	} while (0)
/* A call that must return 0. */
#define CHECK_OK(call)                                                        \
	do {                                                                  \
		int err_ = (call);                                            \
		if (err_) {                                                   \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__,          \
				__LINE__, #call, vas_strerror(err_));         \
			exit(1);                                              \
		}                                                             \
	} while (0)

/* Read one byte of @mm at @addr; -1 if the access faulted. */
static int peek(struct vas_mm_user *mm, unsigned long addr)
{
	unsigned char b;

	return vas_read(mm, addr, &b, 1, NULL) ? -1 : b;
}

/* Store one byte; 0, or the signal the access raised. */
static int poke(struct vas_mm_user *mm, unsigned long addr, unsigned char b)
{
	struct vas_fault_info fi;

	return vas_write(mm, addr, &b, 1, &fi) ? fi.signo : 0;
}

/*
 * The [start, end) of the VMA that contains @addr, or 0s. Shows the rule
 * for VMA references: the pointer vas_vma_lookup() returns is valid only
 * while the mmap lock is held, so the fields are copied out in the block.
 */
static void vma_range(struct vas_mm_user *mm, unsigned long addr,
		      unsigned long *start, unsigned long *end)
{
	*start = *end = 0;
	VAS_MMAP_READ_BEGIN(mm);
	struct vas_vma_ref *vma = vas_vma_lookup(mm, addr);

	if (vma) {
		*start = vas_vma_start(vma);
		*end = vas_vma_end(vma);
	}
	VAS_MMAP_READ_END(mm);
}

/*
 * Write the "executable": two pages of code (0x90, x86's nop), then
 * DATA_BYTES of initialised data ("hello" and 0x11s). Return: the path of
 * the file (unlinked by the caller) and its open descriptor.
 */
static int make_executable(char *path, size_t len)
{
	unsigned char buf[2 * P + DATA_BYTES];
	int fd;

	snprintf(path, len, "%s/vas-embedder-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	memset(buf, 0x90, 2 * P);
	memset(buf + 2 * P, 0x11, DATA_BYTES);
	memcpy(buf + 2 * P, "hello", 5);
	CHECK(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	return fd;
}

/* ---- 1. the loader ------------------------------------------------------- */

static void load(struct vas_machine *machine, struct vas_mm_user *mm,
		 int fd)
{
	struct vas_file *exe;
	unsigned long addr, brk;

	/*
	 * The file: vas keeps its own duplicate of @fd. The mode says how
	 * @fd was opened (read-only); the name is what maps prints, here
	 * the path the program would have had.
	 */
	CHECK_OK(vas_file_open_host(machine, fd, VAS_FMODE_READ,
				    "/usr/bin/hello", &exe));

	/* text: r-x, private, file offset 0 */
	CHECK_OK(vas_mmap(mm, TEXT, 2 * P, VAS_PROT_READ | VAS_PROT_EXEC,
			  VAS_MAP_PRIVATE | VAS_MAP_FIXED, exe, 0, &addr));
	CHECK(addr == TEXT);
	/*
	 * data: rw-, private, file offset 2P. A private writable mapping of
	 * a read-only file is allowed: stores go to private copies.
	 */
	CHECK_OK(vas_mmap(mm, DATA, P, VAS_PROT_READ | VAS_PROT_WRITE,
			  VAS_MAP_PRIVATE | VAS_MAP_FIXED, exe, 2 * P, &addr));
	/* Each VMA took its own reference to the file: drop the loader's. */
	vas_file_put(exe);

	/* bss: anonymous zeros after the data */
	CHECK_OK(vas_mmap(mm, BSS, 2 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			  VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			  NULL, 0, &addr));

	/* the heap: brk starts at the end of the bss, empty */
	CHECK_OK(vas_mm_set_brk_start(mm, BRK_START));
	CHECK_OK(vas_brk(mm, 0, &brk));		/* a query: brk(0) */
	CHECK(brk == BRK_START);

	/* the stack: four pages below the top, growing down */
	CHECK_OK(vas_mmap(mm, STACK, 4 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			  VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED |
				  VAS_MAP_GROWSDOWN,
			  NULL, 0, &addr));
	printf("loaded: text %#lx, data %#lx, bss %#lx, brk %#lx, stack %#lx\n",
	       TEXT, DATA, BSS, brk, STACK);
}

/* ---- 2. the program runs ------------------------------------------------- */

static void run(struct vas_mm_user *mm, int fd)
{
	struct vas_fault_info fi;
	unsigned long brk, start, end;
	unsigned char b, word[5];

	/* text: the file's bytes; stores raise SIGSEGV */
	CHECK(peek(mm, TEXT + 123) == 0x90);
	CHECK(vas_fill(mm, TEXT, 0, 1, &fi) == -EFAULT);
	CHECK(fi.signo == VAS_SIGSEGV && fi.addr == TEXT);

	/* data: the file's bytes, then zeros past the end of the file */
	CHECK_OK(vas_read(mm, DATA, word, 5, NULL));
	CHECK(memcmp(word, "hello", 5) == 0);
	CHECK(peek(mm, DATA + DATA_BYTES - 1) == 0x11);
	CHECK(peek(mm, DATA + DATA_BYTES) == 0);
	/* a store makes a private copy: the file keeps its byte */
	CHECK(poke(mm, DATA, 'H') == 0);
	CHECK(peek(mm, DATA) == 'H');
	CHECK(pread(fd, &b, 1, 2 * P) == 1 && b == 'h');
	/* bss: zeros, writable */
	CHECK(peek(mm, BSS + P + 7) == 0);
	CHECK(poke(mm, BSS, 1) == 0);

	/* the heap: grow it by three pages and a bit, use it, shrink it */
	CHECK_OK(vas_brk(mm, BRK_START + 3 * P + 100, &brk));
	CHECK(brk == BRK_START + 3 * P + 100);
	CHECK_OK(vas_fill(mm, BRK_START, 0x42, 4 * P, NULL));	/* whole pages */
	CHECK(poke(mm, BRK_START + 4 * P, 1) == VAS_SIGSEGV);	/* past it */
	CHECK_OK(vas_brk(mm, BRK_START + P, &brk));
	CHECK(brk == BRK_START + P);
	CHECK(poke(mm, BRK_START + P, 1) == VAS_SIGSEGV);	/* unmapped */
	CHECK(peek(mm, BRK_START + P - 1) == 0x42);
	printf("heap: grown to %#lx, shrunk to %#lx\n", BRK_START + 3 * P + 100,
	       brk);

	/*
	 * The stack: a fault one page below it grows the VMA down to that
	 * page (expand_stack); a fault farther than RLIMIT_STACK (8 MiB by
	 * default) below its top does not.
	 */
	CHECK(poke(mm, STACK - 100, 7) == 0);
	vma_range(mm, STACK, &start, &end);
	CHECK(start == STACK - P && end == STACK + 4 * P);
	CHECK(poke(mm, STACK - 64 * 1024, 7) == 0);
	vma_range(mm, STACK, &start, &end);
	CHECK(start == STACK - 64 * 1024);
	CHECK(poke(mm, STACK + 4 * P - (9UL << 20), 7) == VAS_SIGSEGV);
	vma_range(mm, STACK, &start, &end);
	CHECK(start == STACK - 64 * 1024);
	printf("stack: grew down to %#lx; 9 MiB below its top: SIGSEGV\n",
	       start);
}

/* ---- 3. fork ------------------------------------------------------------- */

static struct vas_mm_user *fork_and_check(struct vas_mm_user *mm)
{
	struct vas_mm_user *child;

	/*
	 * The child shares every private page copy-on-write. vas_mm_fork()
	 * takes the parent's mmap lock itself: the caller holds none.
	 */
	CHECK_OK(vas_mm_fork(mm, &child));
	CHECK(peek(child, DATA) == 'H');		/* the parent's copy */
	CHECK(peek(child, BRK_START) == 0x42);

	/* stores on either side are private to that side */
	CHECK(poke(child, DATA, 'C') == 0);
	CHECK(poke(mm, BRK_START, 0x43) == 0);
	CHECK(peek(mm, DATA) == 'H' && peek(child, DATA) == 'C');
	CHECK(peek(mm, BRK_START) == 0x43 && peek(child, BRK_START) == 0x42);
	/* the text is the file's, shared by both */
	CHECK(peek(child, TEXT) == 0x90);
	printf("fork: data 'H' in the parent, 'C' in the child; heap 0x43 "
	       "and 0x42\n");
	return child;
}

/* ---- 4. maps ------------------------------------------------------------- */

static void print_maps(const char *who, struct vas_mm_user *mm)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	/* Takes the mmap lock for read itself; the text is one snapshot. */
	CHECK_OK(vas_proc_maps_print(mm, f));
	CHECK(fclose(f) == 0);
	/* seven VMAs: text, data, bss, heap, stack and nothing else */
	CHECK(strstr(text, "00400000-00402000 r-xp 00000000 ") != NULL);
	CHECK(strstr(text, "00402000-00403000 rw-p 00002000 ") != NULL);
	CHECK(strstr(text, "[heap]\n") != NULL);
	printf("\n%s maps:\n%s", who, text);
	free(text);
}

int main(void)
{
	struct vas_machine *machine;
	struct vas_mm_user *mm, *child;
	char path[256];
	int fd;

	CHECK_OK(vas_machine_create(NULL, &machine));
	CHECK_OK(vas_mm_create(machine, &mm));
	fd = make_executable(path, sizeof(path));

	load(machine, mm, fd);
	run(mm, fd);
	child = fork_and_check(mm);
	print_maps("parent", mm);
	print_maps("child", child);
	CHECK_OK(vas_mm_validate(mm));
	CHECK_OK(vas_mm_validate(child));

	/*
	 * Exit: the last user of each address space tears it down (its
	 * VMAs drop their file references); then the machine can go.
	 */
	vas_mm_put(child);
	vas_mm_put(mm);
	CHECK_OK(vas_machine_destroy(machine));
	close(fd);
	unlink(path);
	printf("\nok\n");
	return 0;
}
