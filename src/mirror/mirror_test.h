/* SPDX-License-Identifier: MIT */
/*
 * mirror_test.h - failure injection into the mirror, for white-box tests
 * (they link vas_internal, where this hidden function is visible).
 *
 * The mirror is a client of the public API: its own allocations and host
 * calls do not go through vas's allocator (src/base/alloc.h is internal),
 * so it has its own injection point. The allocations vas makes for it
 * (the MMU notifier's registration) fail with vas_fail_nth().
 */
#ifndef VAS_MIRROR_MIRROR_TEST_H
#define VAS_MIRROR_MIRROR_TEST_H

/*
 * mirror_fail_nth() - Make the @n-th fallible step of the mirror from now,
 * in the calling thread, fail (n >= 1), once; 0 disarms. The steps, in
 * vas_mirror_create(): the mirror's allocation, its page-state array, the
 * host reservation (each then fails with -ENOMEM); in the fault path: the
 * host mmap of a run (as if the host's vm.max_map_count were reached: the
 * mirror flushes itself and maps again).
 * Context: any. Return: nothing; mirror_fail_fired() counts the failures.
 */
void mirror_fail_nth(unsigned long n);
/* mirror_fail_fired() - Steps failed by injection in this thread. */
unsigned long mirror_fail_fired(void);

/*
 * mirror_test_between() - Call @fn(@arg) once, in the calling thread, in
 * the fault path's next round between reading the VMA's rights and
 * faulting the page in through vas (no lock held there), so a test can
 * change the address space at that point; NULL disarms.
 */
void mirror_test_between(void (*fn)(void *arg), void *arg);

#endif /* VAS_MIRROR_MIRROR_TEST_H */
