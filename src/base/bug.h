/* SPDX-License-Identifier: MIT */
/*
 * bug.h - the three checking levels.
 *
 *  VAS_BUG_ON(cond)            corrupted invariant: print file:line, abort.
 *  VAS_WARN_ON(cond)           recoverable surprise: print file:line each
 *                              time, evaluate to !!cond so callers can bail
 *                              out; VAS_WARN_ON_ONCE() prints once per site.
 *  VAS_ASSERT_EXPENSIVE(cond)  VAS_BUG_ON only in VAS_DEBUG builds.
 *  vas_die(what, err)          unrecoverable host failure (a pthread error).
 *
 * A test can count warnings with vas_warn_count().
 */
#ifndef VAS_BASE_BUG_H
#define VAS_BASE_BUG_H

#include <stdbool.h>
#include "base/compiler.h"

__cold void vas_bug(const char *file, int line, const char *cond)
	__attribute__((noreturn));
__cold void vas_warn(const char *file, int line, const char *cond);
__cold void vas_die(const char *what, int err) __attribute__((noreturn));
unsigned long vas_warn_count(void);

#define VAS_BUG_ON(cond)                                                      \
	do {                                                                  \
		if (unlikely(cond))                                           \
			vas_bug(__FILE__, __LINE__, #cond);                   \
	} while (0)

#define VAS_BUG() vas_bug(__FILE__, __LINE__, "BUG")

#define VAS_WARN_ON(cond)                                                     \
	({                                                                    \
		bool __w = !!(cond);                                          \
		if (unlikely(__w))                                            \
			vas_warn(__FILE__, __LINE__, #cond);                  \
		__w;                                                          \
	})

#define VAS_WARN_ON_ONCE(cond)                                                \
	({                                                                    \
		static bool __warned;                                         \
		bool __w = !!(cond);                                          \
		if (unlikely(__w) &&                                          \
		    !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED))  \
			vas_warn(__FILE__, __LINE__, #cond);                  \
		__w;                                                          \
	})

#ifdef VAS_DEBUG
#define VAS_ASSERT_EXPENSIVE(cond) VAS_BUG_ON(!(cond))
#define VAS_DEBUG_ONLY(x) x
#else
#define VAS_ASSERT_EXPENSIVE(cond) ((void)0)
#define VAS_DEBUG_ONLY(x)
#endif

#endif /* VAS_BASE_BUG_H */
