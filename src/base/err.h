/* SPDX-License-Identifier: MIT */
/*
 * err.h - ERR_PTR-style errors for internal functions that return pointers.
 *
 * NULL means "not found" (or "no merge"); a failure is ERR_PTR(-E), with E
 * a positive errno below MAX_ERRNO. Public functions never return these.
 */
#ifndef VAS_BASE_ERR_H
#define VAS_BASE_ERR_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_ERRNO 4095

static inline void *ERR_PTR(long error)
{
	return (void *)(intptr_t)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)(intptr_t)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (uintptr_t)ptr >= (uintptr_t)-MAX_ERRNO;
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

#endif /* VAS_BASE_ERR_H */
