// SPDX-License-Identifier: MIT
/*
 * guest.c - run code in a vas address space: build a guest process in vas,
 * mirror it into this process (include/vas/mirror.h), call its text
 * through the mirror, then fork it and show copy-on-write through both
 * mirrors. The walk-through is examples/guest/README.md.
 *
 *   text   r-x  a private mapping of a host file holding x86-64 code
 *   data   rw-  anonymous
 *   stack  rw-  MAP_GROWSDOWN, one page: the guest's pushes grow it
 *
 * The guest code (58 bytes, below) switches to the guest stack, pushes the
 * first N Fibonacci numbers (modulo 2^64), pops them back into the data
 * array, returns their sum and switches back. Every page it touches
 * starts PROT_NONE in the host: the first fetch, push and store fault, the
 * mirror's handler makes vas fault the page in (growing the stack) and
 * maps the frame, and the instruction runs again at host speed.
 *
 * Public API only. x86-64 only: elsewhere it says why and exits 77 (the
 * ctest skip code); also when the host forbids executable mappings of
 * memory files (vm.memfd_noexec = 2). Every result is checked; exit 1 at
 * the first surprise.
 *
 * Usage: vas_guest
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
#include <vas/vas.h>
#include <vas/mirror.h>
#include <vas/physmem.h>

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n",          \
				__FILE__, __LINE__, #cond);                   \
			exit(1);                                              \
		}                                                             \
	} while (0)
#define CHECK_OK(call)                                                        \
	do {                                                                  \
		int err_ = (call);                                            \
		if (err_) {                                                   \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__,          \
				__LINE__, #call, vas_strerror(err_));         \
			exit(1);                                              \
		}                                                             \
	} while (0)

#define P VAS_PAGE_SIZE
#define SKIP 77

#if defined(__x86_64__)

/* The guest's layout. */
#define GUEST_BASE 0x10000000UL
#define TEXT GUEST_BASE			/* one page of code */
#define DATA (GUEST_BASE + 0x10000)	/* eight pages */
#define STACK_TOP (GUEST_BASE + 0x400000)	/* one page below it at first */
#define WINDOW (STACK_TOP + P - GUEST_BASE)	/* what the mirror covers */

#define N_PARENT 2000	/* pushes 16008 bytes: the stack grows to 4 pages */
#define N_CHILD 1000

/*
 * long guest(uint64_t *data, void *stack_top, long n)  (System V ABI)
 *
 *	mov   rax, rsp		; the host's stack pointer
 *	mov   rsp, rsi		; switch to the guest stack
 *	push  rax
 *	xor   r8d, r8d		; a = fib(0)
 *	mov   r9d, 1		; b = fib(1)
 *	mov   rcx, rdx
 * 1:	push  r8		; fib(i) onto the guest stack
 *	lea   r10, [r8 + r9]
 *	mov   r8, r9
 *	mov   r9, r10
 *	dec   rcx
 *	jnz   1b
 *	xor   eax, eax		; the sum
 *	mov   rcx, rdx
 * 2:	pop   r10		; fib(rcx - 1)
 *	add   rax, r10
 *	mov   [rdi + rcx*8 - 8], r10
 *	dec   rcx
 *	jnz   2b
 *	pop   rsp		; back to the host stack
 *	ret
 */
static const unsigned char guest_code[] = {
	0x48, 0x89, 0xe0, 0x48, 0x89, 0xf4, 0x50, 0x45, 0x31, 0xc0,
	0x41, 0xb9, 0x01, 0x00, 0x00, 0x00, 0x48, 0x89, 0xd1, 0x41,
	0x50, 0x4f, 0x8d, 0x14, 0x08, 0x4d, 0x89, 0xc8, 0x4d, 0x89,
	0xd1, 0x48, 0xff, 0xc9, 0x75, 0xef, 0x31, 0xc0, 0x48, 0x89,
	0xd1, 0x41, 0x5a, 0x4c, 0x01, 0xd0, 0x4c, 0x89, 0x54, 0xcf,
	0xf8, 0x48, 0xff, 0xc9, 0x75, 0xf1, 0x5c, 0xc3,
};

typedef long (*guest_fn)(uint64_t *data, void *stack_top, long n);

/* What the guest must compute: fib(i) mod 2^64 and their sum. */
static uint64_t fib_sum(long n, uint64_t *fib)
{
	uint64_t a = 0, b = 1, sum = 0;

	for (long i = 0; i < n; i++) {
		fib[i] = a;
		sum += a;
		uint64_t c = a + b;
		a = b;
		b = c;
	}
	return sum;
}

/* The "executable": the code in a host file (unlinked, kept open). */
static int make_text_file(void)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/vas-guest-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(unlink(path) == 0);
	CHECK(pwrite(fd, guest_code, sizeof(guest_code), 0) ==
	      (ssize_t)sizeof(guest_code));
	return fd;
}

static void load(struct vas_machine *machine, struct vas_mm_user *mm, int fd)
{
	struct vas_file *exe;
	unsigned long addr;

	CHECK_OK(vas_file_open_host(machine, fd, VAS_FMODE_READ, "/guest/text",
				    &exe));
	CHECK_OK(vas_mmap(mm, TEXT, P, VAS_PROT_READ | VAS_PROT_EXEC,
			  VAS_MAP_PRIVATE | VAS_MAP_FIXED, exe, 0, &addr));
	vas_file_put(exe);
	CHECK_OK(vas_mmap(mm, DATA, 8 * P, VAS_PROT_READ | VAS_PROT_WRITE,
			  VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED,
			  NULL, 0, &addr));
	CHECK_OK(vas_mmap(mm, STACK_TOP - P, P, VAS_PROT_READ | VAS_PROT_WRITE,
			  VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS | VAS_MAP_FIXED |
				  VAS_MAP_GROWSDOWN,
			  NULL, 0, &addr));
}

/* The stack VMA's start (it grows as the guest pushes). */
static unsigned long stack_start(struct vas_mm_user *mm)
{
	unsigned long start = 0;

	VAS_MMAP_READ_BEGIN(mm);
	struct vas_vma_ref *vma = vas_vma_lookup(mm, STACK_TOP - 1);

	if (vma)
		start = vas_vma_start(vma);
	VAS_MMAP_READ_END(mm);
	return start;
}

/*
 * Mirror @mm: 1:1 (guest pointers are host pointers) if the guest's range
 * is free in this process, else wherever the host puts it.
 */
static struct vas_mirror *mirror(struct vas_mm_user *mm, bool try_1to1)
{
	struct vas_mirror *mi;
	int err = -EEXIST;

	if (try_1to1)
		err = vas_mirror_create(mm, GUEST_BASE, WINDOW,
					(void *)GUEST_BASE, VAS_MIRROR_FIXED,
					&mi);
	if (err == -EEXIST)
		err = vas_mirror_create(mm, GUEST_BASE, WINDOW, NULL, 0, &mi);
	CHECK_OK(err);
	printf("mirror of [%#lx, %#lx) at host %p%s\n", GUEST_BASE,
	       GUEST_BASE + WINDOW, vas_mirror_base(mi),
	       vas_mirror_base(mi) == (void *)GUEST_BASE ?
		       " (1:1: guest pointers are host pointers)" :
		       " (offset: the guest range is taken in this process)");
	return mi;
}

static long call_guest(struct vas_mirror *mi, long n)
{
	guest_fn fn = (guest_fn)vas_mirror_host_addr(mi, TEXT);

	return fn((uint64_t *)vas_mirror_host_addr(mi, DATA),
		  vas_mirror_host_addr(mi, STACK_TOP), n);
}

/* data[i] == want[i] for i < n, through the mirror and through vas_read. */
static void check_data(struct vas_mirror *mi, struct vas_mm_user *mm,
		       const uint64_t *want, long n)
{
	const uint64_t *host = vas_mirror_host_addr(mi, DATA);
	uint64_t v;

	for (long i = 0; i < n; i++) {
		CHECK(host[i] == want[i]);
		CHECK_OK(vas_read(mm, DATA + i * 8, &v, 8, NULL));
		CHECK(v == want[i]);
	}
}

static void print_stats(const char *who, struct vas_mirror *mi)
{
	struct vas_mirror_stats st;

	vas_mirror_stats(mi, &st);
	printf("%s mirror: %lu faults, %lu host mmaps of %lu pages, "
	       "%lu invalidations\n",
	       who, st.faults, st.maps, st.pages_mapped, st.invalidations);
}

/* Whether the host lets us map the memory file executable. */
static bool memfd_exec_allowed(struct vas_machine *machine)
{
	void *p = mmap(NULL, P, PROT_READ | PROT_EXEC, MAP_SHARED,
		       vas_machine_memfd(machine), 0);

	if (p == MAP_FAILED) {
		printf("the host refuses executable mappings of the memory "
		       "file (%s; vm.memfd_noexec = 2?): nothing to run\n",
		       strerror(errno));
		return false;
	}
	munmap(p, P);
	return true;
}

int main(void)
{
	static uint64_t fib[N_PARENT];
	struct vas_machine *machine;
	struct vas_mm_user *mm, *child;
	struct vas_mirror *mi, *cmi;
	stack_t ss;
	long sum;
	uint64_t want_sum, v;
	int fd;

	CHECK_OK(vas_machine_create(NULL, &machine));
	if (!memfd_exec_allowed(machine)) {
		CHECK_OK(vas_machine_destroy(machine));
		return SKIP;
	}
	CHECK_OK(vas_mm_create(machine, &mm));
	fd = make_text_file();
	load(machine, mm, fd);

	/*
	 * Faults in guest code run the handler vas installs; the guest's
	 * stack is itself mirrored (and starts PROT_NONE), so the handler
	 * runs on an alternate stack (SA_ONSTACK; one per thread).
	 */
	ss.ss_sp = malloc(1 << 16);
	ss.ss_size = 1 << 16;
	ss.ss_flags = 0;
	CHECK(ss.ss_sp && sigaltstack(&ss, NULL) == 0);
	CHECK_OK(vas_mirror_install_handler());

	/* ---- the parent runs ---- */
	mi = mirror(mm, true);
	sum = call_guest(mi, N_PARENT);
	want_sum = fib_sum(N_PARENT, fib);
	printf("guest: sum of fib(0..%d) mod 2^64 = %#lx (expected %#lx), "
	       "fib(90) = %lu\n",
	       N_PARENT - 1, (unsigned long)sum, (unsigned long)want_sum,
	       (unsigned long)((uint64_t *)vas_mirror_host_addr(mi, DATA))[90]);
	CHECK((uint64_t)sum == want_sum);
	check_data(mi, mm, fib, N_PARENT);
	printf("guest stack grew to [%#lx, %#lx): %lu pages\n", stack_start(mm),
	       STACK_TOP, (STACK_TOP - stack_start(mm)) / P);
	CHECK(stack_start(mm) <= STACK_TOP - 4 * P);
	print_stats("parent", mi);

	/* ---- fork: the child shares the pages copy-on-write ---- */
	CHECK_OK(vas_mm_fork(mm, &child));
	cmi = mirror(child, false);
	/* The parent writes data[0], the child data[1], through the mirrors. */
	((volatile uint64_t *)vas_mirror_host_addr(mi, DATA))[0] = 0xaaaa;
	((volatile uint64_t *)vas_mirror_host_addr(cmi, DATA))[1] = 0xbbbb;
	/* Each side sees its own store and the other's old value. */
	CHECK(((uint64_t *)vas_mirror_host_addr(mi, DATA))[1] == fib[1]);
	CHECK(((uint64_t *)vas_mirror_host_addr(cmi, DATA))[0] == fib[0]);
	CHECK_OK(vas_read(mm, DATA, &v, 8, NULL));
	CHECK(v == 0xaaaa);
	CHECK_OK(vas_read(mm, DATA + 8, &v, 8, NULL));
	CHECK(v == fib[1]);
	CHECK_OK(vas_read(child, DATA, &v, 8, NULL));
	CHECK(v == fib[0]);
	CHECK_OK(vas_read(child, DATA + 8, &v, 8, NULL));
	CHECK(v == 0xbbbb);
	printf("after fork: parent data[0..1] = %#lx %#lx, child %#lx %#lx\n",
	       (unsigned long)((uint64_t *)vas_mirror_host_addr(mi, DATA))[0],
	       (unsigned long)((uint64_t *)vas_mirror_host_addr(mi, DATA))[1],
	       (unsigned long)((uint64_t *)vas_mirror_host_addr(cmi, DATA))[0],
	       (unsigned long)((uint64_t *)vas_mirror_host_addr(cmi, DATA))[1]);

	/* The child runs the guest code again, on its copy of the stack. */
	sum = call_guest(cmi, N_CHILD);
	want_sum = fib_sum(N_CHILD, fib);
	printf("child guest: sum of fib(0..%d) mod 2^64 = %#lx (expected "
	       "%#lx)\n",
	       N_CHILD - 1, (unsigned long)sum, (unsigned long)want_sum);
	CHECK((uint64_t)sum == want_sum);
	check_data(cmi, child, fib, N_CHILD);
	/* The parent's data kept its own values: */
	fib_sum(N_PARENT, fib);
	fib[0] = 0xaaaa;
	check_data(mi, mm, fib, N_PARENT);
	print_stats("parent", mi);
	print_stats("child", cmi);

	vas_mirror_destroy(cmi);
	vas_mm_put(child);
	vas_mirror_destroy(mi);
	vas_mm_put(mm);
	CHECK_OK(vas_machine_destroy(machine));
	close(fd);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	free(ss.ss_sp);
	printf("ok\n");
	return 0;
}

#else /* !__x86_64__ */

int main(void)
{
	printf("vas_guest runs x86-64 guest code natively: this host is not "
	       "x86-64, nothing to run\n");
	return SKIP;
}

#endif
