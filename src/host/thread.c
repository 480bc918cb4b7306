// SPDX-License-Identifier: MIT
/* thread.c - threads, yielding and the clock. */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include "host/host.h"

int host_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, NULL, fn, arg) ? -EAGAIN : 0;
}

void host_yield(void)
{
	sched_yield();
}

uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
