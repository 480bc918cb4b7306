// SPDX-License-Identifier: MIT
/* bug.c - the reporting end of VAS_BUG_ON, VAS_WARN_ON and vas_die. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/bug.h"

static unsigned long warn_count;

void vas_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "vas: BUG at %s:%d: %s\n", file, line, cond);
	fflush(stderr);
	abort();
}

void vas_warn(const char *file, int line, const char *cond)
{
	__atomic_add_fetch(&warn_count, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "vas: WARNING at %s:%d: %s\n", file, line, cond);
}

unsigned long vas_warn_count(void)
{
	return __atomic_load_n(&warn_count, __ATOMIC_RELAXED);
}

void vas_die(const char *what, int err)
{
	fprintf(stderr, "vas: fatal: %s: %s\n", what, strerror(err));
	fflush(stderr);
	abort();
}
