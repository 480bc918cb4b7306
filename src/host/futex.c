// SPDX-License-Identifier: MIT
/* futex.c - futex wait and wake on a 32-bit word (Linux). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "host/host.h"

void host_futex_wait(uint32_t *word, uint32_t val)
{
	/* EAGAIN (value changed) and EINTR are both "re-check". */
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void host_futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
