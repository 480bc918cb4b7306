// SPDX-License-Identifier: MIT
/*
 * test_null.c - the NULL rule of <vas/defs.h>, through the public API:
 * every function that gives up a reference or destroys an object accepts
 * NULL and does nothing, as free(3) does.
 *
 * Regression (issue 12, weak spot 4): vas_mm_put(NULL), vas_mm_put_async(NULL),
 * vas_mm_drop(NULL) and vas_machine_destroy(NULL) dereferenced the pointer
 * (SIGSEGV) while vas_file_put(NULL) and vas_page_put(NULL) did nothing.
 *
 * The host-memory calls of issue 10 (vas_unpin_user_pages(),
 * vas_mmu_notifier_unregister(), vas_mirror_destroy()) follow the same rule;
 * their tests live with their implementations.
 */
#include <errno.h>
#include <vas/vas.h>
#include "harness.h"

#define RW (VAS_PROT_READ | VAS_PROT_WRITE)
#define ANON (VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS)

TEST(null_mm_put)
{
	vas_mm_put(NULL);
}

TEST(null_mm_put_async)
{
	vas_mm_put_async(NULL);
}

TEST(null_mm_drop)
{
	vas_mm_drop(NULL);
}

TEST(null_machine_destroy)
{
	EXPECT_EQ(vas_machine_destroy(NULL), 0);
}

TEST(null_file_put)
{
	vas_file_put(NULL);
}

TEST(null_page_put)
{
	vas_page_put(NULL);
}

TEST(null_mm_user_scoped)
{
	struct vas_mm_user *mm VAS_MM_USER_SCOPED = NULL;

	(void)mm;
}

/*
 * The NULL calls leave a live machine alone: each put/destroy with NULL
 * between real work, then the real objects go away as usual (a NULL put
 * must not have dropped anything of theirs).
 */
TEST(null_puts_amid_real_objects)
{
	struct vas_machine *m = NULL;
	struct vas_mm_user *mm = NULL;
	struct vas_mm *count;
	struct vas_page *page;
	unsigned long addr = 0;
	char b = 1;

	ASSERT_EQ(vas_machine_create(NULL, &m), 0);
	ASSERT_EQ(vas_mm_create(m, &mm), 0);
	count = vas_mm_from_user(mm);
	vas_mm_grab(count);
	ASSERT_EQ(vas_mmap(mm, 0, 4096, RW, ANON, NULL, 0, &addr), 0);
	page = vas_page_alloc(m);
	ASSERT_TRUE(page != NULL);

	vas_mm_put(NULL);
	vas_mm_put_async(NULL);
	vas_machine_flush(m);
	vas_mm_drop(NULL);
	vas_file_put(NULL);
	vas_page_put(NULL);
	EXPECT_EQ(vas_machine_destroy(NULL), 0);

	EXPECT_EQ(vas_mm_users(count), 1);
	EXPECT_EQ(vas_mm_count(count), 2);
	EXPECT_EQ(vas_write(mm, addr, &b, 1, NULL), 0);
	EXPECT_EQ(vas_mm_validate(mm), 0);
	vas_page_put(page);
	vas_mm_put(mm);
	vas_mm_drop(count);
	EXPECT_EQ(vas_machine_destroy(m), 0);
}
