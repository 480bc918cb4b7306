// SPDX-License-Identifier: MIT
/* calls_host.c - the host column of calls.h: the real system calls. */
#define _GNU_SOURCE 1
#include "calls.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mlock2
#define SYS_mlock2 325 /* x86-64 */
#endif
#ifndef SYS_mseal
#define SYS_mseal 462 /* x86-64, arm64 and the generic table */
#endif

const char *backend_call_name(enum backend_call_nr nr)
{
#define NAME(nr, name, vas, host) [BACKEND_##nr] = name,
	static const char *const names[BACKEND_NR_CALLS] = {
		BACKEND_CALLS(NAME)
	};
#undef NAME
	return (unsigned int)nr < BACKEND_NR_CALLS ? names[nr] : "?";
}

int backend_host_call(const struct backend_call *c, int fd, uint64_t *out)
{
	long ret;

	switch (c->nr) {
#define C c
#define FD fd
#define HOST_CASE(nr, name, vas, host)                                        \
	case BACKEND_##nr:                                                    \
		ret = host;                                                   \
		break;
	BACKEND_CALLS(HOST_CASE)
#undef HOST_CASE
#undef FD
#undef C
	default:
		return -ENOSYS;
	}
	if (ret == -1)
		return -errno;
	*out = (uint64_t)ret;
	return 0;
}
