/* SPDX-License-Identifier: MIT */
/*
 * mirror_probe.h - accesses to mirror memory that may be refused, for the
 * mirror's tests: a SIGSEGV handler resolves faults through
 * vas_mirror_handle_signal(); a refused access jumps back to the probe,
 * which returns the signal the guest would get.
 *
 * Each thread that probes calls probe_thread_init() (its alternate signal
 * stack: a mirrored stack would need one, and the handler must not run on
 * a stack it may be unmapping).
 */
#ifndef VAS_TESTS_MIRROR_PROBE_H
#define VAS_TESTS_MIRROR_PROBE_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>
#include <vas/mirror.h>

static _Thread_local sigjmp_buf probe_jmp;
static _Thread_local volatile int probe_armed;
static _Thread_local struct vas_fault_info probe_fi;
static _Thread_local void *probe_altstack;

static void probe_segv(int sig, siginfo_t *si, void *uc)
{
	struct vas_fault_info fi = { 0, 0 };

	(void)sig;
	if (vas_mirror_handle_signal(si, uc, &fi))
		return;
	if (probe_armed) {
		probe_armed = 0;
		probe_fi = fi;
		siglongjmp(probe_jmp, 1);
	}
	/* Not a probe: crash with the default action on the retry. */
	signal(SIGSEGV, SIG_DFL);
}

static inline void probe_thread_init(void)
{
	stack_t ss;

	if (probe_altstack)
		return;
	probe_altstack = malloc(1 << 16);
	ss.ss_sp = probe_altstack;
	ss.ss_size = 1 << 16;
	ss.ss_flags = 0;
	if (!probe_altstack || sigaltstack(&ss, NULL))
		abort();
}

static inline void probe_thread_fini(void)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (!probe_altstack)
		return;
	sigaltstack(&ss, NULL);
	free(probe_altstack);
	probe_altstack = NULL;
}

static inline void probe_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		abort();
	probe_thread_init();
}

/*
 * probe_copy() - memcpy(@dst, @src, @len) where either side may be mirror
 * memory. Return: 0, or the signal that stopped it (*@fi, if not NULL,
 * says where); the bytes before the faulting page may have been copied.
 */
static inline int probe_copy(void *dst, const void *src, size_t len,
			     struct vas_fault_info *fi)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	if (sigsetjmp(probe_jmp, 1)) {
		if (fi)
			*fi = probe_fi;
		return probe_fi.signo ? probe_fi.signo : -1;
	}
	probe_armed = 1;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
	probe_armed = 0;
	return 0;
}

/* probe_load64() / probe_store64(): one aligned word. 0 or the signal. */
static inline int probe_load64(const void *p, uint64_t *v)
{
	if (sigsetjmp(probe_jmp, 1))
		return probe_fi.signo ? probe_fi.signo : -1;
	probe_armed = 1;
	*v = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	probe_armed = 0;
	return 0;
}

static inline int probe_store64(void *p, uint64_t v)
{
	if (sigsetjmp(probe_jmp, 1))
		return probe_fi.signo ? probe_fi.signo : -1;
	probe_armed = 1;
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
	probe_armed = 0;
	return 0;
}

#endif /* VAS_TESTS_MIRROR_PROBE_H */
