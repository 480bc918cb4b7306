// SPDX-License-Identifier: MIT
/*
 * calls_vas.c - the vas column of calls.h: the calls of the vas API.
 * Compiled into the programs that link vas (vasctl's model runner,
 * tests/model), not into the plain-C vas_backends library.
 */
#include "calls.h"

#include <errno.h>
#include <vas/mman.h>

int backend_vas_call(struct vas_mm_user *mm, const struct backend_call *c,
		     struct vas_file *vfile, uint64_t *out)
{
	unsigned long addr = 0;
	int ret;

	switch (c->nr) {
#define C c
#define MM mm
#define VFILE vfile
#define OUT (&addr)
#define VAS_CASE(nr, name, vas, host)                                         \
	case BACKEND_##nr:                                                    \
		ret = vas;                                                    \
		break;
	BACKEND_CALLS(VAS_CASE)
#undef VAS_CASE
#undef OUT
#undef VFILE
#undef MM
#undef C
	default:
		return -ENOSYS;
	}
	if (!ret)
		*out = addr;
	return ret;
}
