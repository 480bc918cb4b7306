// SPDX-License-Identifier: MIT
/*
 * host_access.c - the access loop with faults caught (host_access.h).
 *
 * A handler siglongjmp()s back from the faulting load or store; the handlers
 * are installed only around the access, so faults elsewhere still crash the
 * process.
 */
#include "host_access.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;
static volatile uint64_t fault_page;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * access_pages() - The loop of backend_host_access(), recording the page
 * being accessed in fault_page before touching it. Out of line, so that no
 * local of backend_host_access() lives across siglongjmp().
 * Return: the hash of the bytes loaded (0 for stores and copies).
 */
static __attribute__((noinline)) uint64_t
access_pages(uint64_t addr, uint64_t end, bool write, unsigned int byte,
	     unsigned char *out)
{
	uint64_t cur = addr, h = BACKEND_FNV_BASIS;

	while (cur < end) {
		uint64_t next = (cur & ~(BACKEND_PAGE_SIZE - 1)) +
				BACKEND_PAGE_SIZE;

		if (next > end || next == 0)
			next = end;
		fault_page = cur & ~(BACKEND_PAGE_SIZE - 1);
		if (out) {	/* the first load faults, if any */
			(void)*(volatile unsigned char *)(uintptr_t)cur;
			memcpy(out + (cur - addr), (const void *)(uintptr_t)cur,
			       next - cur);
			cur = next;
			continue;
		}
		for (uint64_t p = cur; p < next; p++) {
			volatile unsigned char *b =
			    (volatile unsigned char *)(uintptr_t)p;

			if (write) {
				*b = (unsigned char)byte;
			} else {
				h ^= *b;
				h *= BACKEND_FNV_PRIME;
			}
		}
		cur = next;
	}
	return write || out ? 0 : h;
}

void backend_host_access(uint64_t addr, uint64_t len, bool write,
			 unsigned int byte, void *out,
			 struct backend_access *res)
{
	struct sigaction sa, old_segv, old_bus;
	uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;

	memset(res, 0, sizeof(*res));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		res->hash = access_pages(addr, end, write, byte, out);
	} else {
		res->sig = fault_sig;
		res->fault_page = fault_page;
		res->hash = 0;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
}
