/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the test harness of vas.
 *
 *   TEST(name) { ... }        defines and registers a test case.
 *   EXPECT_*(...)             records a failure and goes on.
 *   ASSERT_*(...)             records a failure and ends the test case.
 *
 * Both print the expression, both values and file:line. The binary runs
 * every case (or those whose name contains argv[1]) and ends with the line
 * "N passed, N failed"; its exit status is 0 only if nothing failed.
 */
#ifndef VAS_TEST_HARNESS_H
#define VAS_TEST_HARNESS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*harness_fn)(void);
void harness_register(const char *name, harness_fn fn);
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void harness_abort_case(void) __attribute__((noreturn));
/* Seed for randomised tests: $VAS_SEED, or from the clock; printed once. */
uint64_t harness_seed(void);
/* Seconds a time-boxed test runs: $VAS_STRESS_SECONDS, else @dflt. */
double harness_seconds(double dflt);
double harness_now(void);
/*
 * Run @fn in a child process; record a failure unless it dies of SIGABRT
 * with @msg in what it wrote to stderr. For debug-build misuse reports.
 */
void harness_expect_abort(const char *file, int line, void (*fn)(void),
			  const char *msg);
#define EXPECT_ABORTS(fn, msg) harness_expect_abort(__FILE__, __LINE__, fn, msg)

#define TEST(name)                                                            \
	static void name(void);                                               \
	__attribute__((constructor)) static void harness_reg_##name(void)     \
	{                                                                     \
		harness_register(#name, name);                                \
	}                                                                     \
	static void name(void)

#define HARNESS_CHECK(fatal, cond, ...)                                       \
	do {                                                                  \
		if (!(cond)) {                                                \
			harness_fail(__FILE__, __LINE__, __VA_ARGS__);        \
			if (fatal)                                            \
				harness_abort_case();                         \
		}                                                             \
	} while (0)

#define HARNESS_CMP(fatal, a, op, b)                                          \
	do {                                                                  \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);            \
		HARNESS_CHECK(fatal, __a op __b,                              \
			      "%s %s %s: 0x%" PRIx64 " (%" PRId64 ") vs 0x%"  \
			      PRIx64 " (%" PRId64 ")",                        \
			      #a, #op, #b, __a, (int64_t)__a, __b,            \
			      (int64_t)__b);                                  \
	} while (0)

#define EXPECT_TRUE(c) HARNESS_CHECK(0, (c), "expected true: %s", #c)
#define ASSERT_TRUE(c) HARNESS_CHECK(1, (c), "expected true: %s", #c)
#define EXPECT_FALSE(c) HARNESS_CHECK(0, !(c), "expected false: %s", #c)
#define ASSERT_FALSE(c) HARNESS_CHECK(1, !(c), "expected false: %s", #c)
#define EXPECT_EQ(a, b) HARNESS_CMP(0, a, ==, b)
#define ASSERT_EQ(a, b) HARNESS_CMP(1, a, ==, b)
#define EXPECT_NE(a, b) HARNESS_CMP(0, a, !=, b)
#define ASSERT_NE(a, b) HARNESS_CMP(1, a, !=, b)
#define EXPECT_LT(a, b) HARNESS_CMP(0, a, <, b)
#define EXPECT_LE(a, b) HARNESS_CMP(0, a, <=, b)
#define EXPECT_GE(a, b) HARNESS_CMP(0, a, >=, b)
#define EXPECT_GT(a, b) HARNESS_CMP(0, a, >, b)
#define EXPECT_PTR_EQ(a, b) HARNESS_CMP(0, (uintptr_t)(a), ==, (uintptr_t)(b))
#define ASSERT_PTR_EQ(a, b) HARNESS_CMP(1, (uintptr_t)(a), ==, (uintptr_t)(b))
#define EXPECT_NULL(a) EXPECT_PTR_EQ(a, NULL)
#define ASSERT_NULL(a) ASSERT_PTR_EQ(a, NULL)
#define ASSERT_NOT_NULL(a) HARNESS_CHECK(1, (a) != NULL, "%s is NULL", #a)
#define EXPECT_NOT_NULL(a) HARNESS_CHECK(0, (a) != NULL, "%s is NULL", #a)

#endif /* VAS_TEST_HARNESS_H */
