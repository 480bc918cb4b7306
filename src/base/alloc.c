// SPDX-License-Identifier: MIT
/*
 * alloc.c - the allocation hook and its failure injection.
 *
 * The injection state is process-wide and uses relaxed atomics: tests arm
 * it from one thread, and a concurrent allocation either sees the arming or
 * does not, which is all a test needs.
 */
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"

static unsigned long fail_at;		/* fail when count reaches this; 0 = off */
static unsigned long alloc_counter;
static unsigned long fired;
static long live;
static bool site_fail[VAS_NR_ALLOC_SITES];
static unsigned long site_counter[VAS_NR_ALLOC_SITES];

static const char *const site_names[] = {
#define VAS__SITE_NAME(s) #s,
	VAS_ALLOC_SITES(VAS__SITE_NAME)
#undef VAS__SITE_NAME
};

const char *vas_alloc_site_name(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		return "?";
	return site_names[site];
}

/* Decide whether this allocation fails by injection. */
static bool should_fail(enum vas_alloc_site site)
{
	unsigned long n = __atomic_add_fetch(&alloc_counter, 1, __ATOMIC_RELAXED);
	unsigned long at = READ_ONCE(fail_at);

	__atomic_add_fetch(&site_counter[site], 1, __ATOMIC_RELAXED);
	if (unlikely(READ_ONCE(site_fail[site])))
		goto fail;
	if (unlikely(at != 0 && n == at)) {
		WRITE_ONCE(fail_at, 0UL);
		goto fail;
	}
	return false;
fail:
	__atomic_add_fetch(&fired, 1, __ATOMIC_RELAXED);
	return true;
}

bool vas_alloc_check(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	return !should_fail(site);
}

void *vas_alloc(size_t size, enum vas_alloc_site site)
{
	void *p;

	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	if (should_fail(site))
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *vas_zalloc(size_t size, enum vas_alloc_site site)
{
	void *p = vas_alloc(size, site);

	if (p)
		memset(p, 0, size);
	return p;
}

void *vas_alloc_aligned(size_t size, size_t align, enum vas_alloc_site site)
{
	void *p = NULL;

	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		site = VAS_FP_MISC;
	if (should_fail(site))
		return NULL;
	if (posix_memalign(&p, align, size ? size : 1) != 0)
		return NULL;
	__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void vas_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
	free(p);
}

void vas_fail_nth(unsigned long n)
{
	unsigned long now = READ_ONCE(alloc_counter);

	WRITE_ONCE(fail_at, n ? now + n : 0UL);
}

void vas_fail_site(enum vas_alloc_site site, bool fail)
{
	if ((unsigned)site < VAS_NR_ALLOC_SITES)
		WRITE_ONCE(site_fail[site], fail);
}

void vas_fail_reset(void)
{
	WRITE_ONCE(fail_at, 0UL);
	WRITE_ONCE(alloc_counter, 0UL);
	WRITE_ONCE(fired, 0UL);
	for (unsigned i = 0; i < VAS_NR_ALLOC_SITES; i++) {
		WRITE_ONCE(site_fail[i], false);
		WRITE_ONCE(site_counter[i], 0UL);
	}
}

unsigned long vas_fail_fired(void)
{
	return READ_ONCE(fired);
}

unsigned long vas_alloc_count(void)
{
	return READ_ONCE(alloc_counter);
}

unsigned long vas_alloc_site_count(enum vas_alloc_site site)
{
	if ((unsigned)site >= VAS_NR_ALLOC_SITES)
		return 0;
	return READ_ONCE(site_counter[site]);
}

long vas_alloc_live(void)
{
	return READ_ONCE(live);
}
