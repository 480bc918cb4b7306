// SPDX-License-Identifier: MIT
/*
 * test_uapi.c - the constants of <vas/uapi.h> against the host's
 * <sys/mman.h>: each one the host headers define must have the same value
 * (checked at compile time). The test then checks that nearly all of them
 * were compared, so that other headers cannot make the check vacuous, and
 * prints those the host headers lack.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <vas/vas.h>
#include "harness.h"

#ifdef PROT_NONE
_Static_assert(VAS_PROT_NONE == PROT_NONE, "PROT_NONE");
#endif
#ifdef PROT_READ
_Static_assert(VAS_PROT_READ == PROT_READ, "PROT_READ");
#endif
#ifdef PROT_WRITE
_Static_assert(VAS_PROT_WRITE == PROT_WRITE, "PROT_WRITE");
#endif
#ifdef PROT_EXEC
_Static_assert(VAS_PROT_EXEC == PROT_EXEC, "PROT_EXEC");
#endif
#ifdef PROT_SEM
_Static_assert(VAS_PROT_SEM == PROT_SEM, "PROT_SEM");
#endif
#ifdef PROT_GROWSDOWN
_Static_assert(VAS_PROT_GROWSDOWN == PROT_GROWSDOWN, "PROT_GROWSDOWN");
#endif
#ifdef PROT_GROWSUP
_Static_assert(VAS_PROT_GROWSUP == PROT_GROWSUP, "PROT_GROWSUP");
#endif
#ifdef MAP_SHARED
_Static_assert(VAS_MAP_SHARED == MAP_SHARED, "MAP_SHARED");
#endif
#ifdef MAP_PRIVATE
_Static_assert(VAS_MAP_PRIVATE == MAP_PRIVATE, "MAP_PRIVATE");
#endif
#ifdef MAP_SHARED_VALIDATE
_Static_assert(VAS_MAP_SHARED_VALIDATE == MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE");
#endif
#ifdef MAP_DROPPABLE
_Static_assert(VAS_MAP_DROPPABLE == MAP_DROPPABLE, "MAP_DROPPABLE");
#endif
#ifdef MAP_TYPE
_Static_assert(VAS_MAP_TYPE == MAP_TYPE, "MAP_TYPE");
#endif
#ifdef MAP_FIXED
_Static_assert(VAS_MAP_FIXED == MAP_FIXED, "MAP_FIXED");
#endif
#ifdef MAP_ANONYMOUS
_Static_assert(VAS_MAP_ANONYMOUS == MAP_ANONYMOUS, "MAP_ANONYMOUS");
#endif
#ifdef MAP_GROWSDOWN
_Static_assert(VAS_MAP_GROWSDOWN == MAP_GROWSDOWN, "MAP_GROWSDOWN");
#endif
#ifdef MAP_DENYWRITE
_Static_assert(VAS_MAP_DENYWRITE == MAP_DENYWRITE, "MAP_DENYWRITE");
#endif
#ifdef MAP_EXECUTABLE
_Static_assert(VAS_MAP_EXECUTABLE == MAP_EXECUTABLE, "MAP_EXECUTABLE");
#endif
#ifdef MAP_LOCKED
_Static_assert(VAS_MAP_LOCKED == MAP_LOCKED, "MAP_LOCKED");
#endif
#ifdef MAP_NORESERVE
_Static_assert(VAS_MAP_NORESERVE == MAP_NORESERVE, "MAP_NORESERVE");
#endif
#ifdef MAP_POPULATE
_Static_assert(VAS_MAP_POPULATE == MAP_POPULATE, "MAP_POPULATE");
#endif
#ifdef MAP_NONBLOCK
_Static_assert(VAS_MAP_NONBLOCK == MAP_NONBLOCK, "MAP_NONBLOCK");
#endif
#ifdef MAP_STACK
_Static_assert(VAS_MAP_STACK == MAP_STACK, "MAP_STACK");
#endif
#ifdef MAP_HUGETLB
_Static_assert(VAS_MAP_HUGETLB == MAP_HUGETLB, "MAP_HUGETLB");
#endif
#ifdef MAP_SYNC
_Static_assert(VAS_MAP_SYNC == MAP_SYNC, "MAP_SYNC");
#endif
#ifdef MAP_FIXED_NOREPLACE
_Static_assert(VAS_MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE");
#endif
#ifdef MAP_UNINITIALIZED
_Static_assert(VAS_MAP_UNINITIALIZED == MAP_UNINITIALIZED, "MAP_UNINITIALIZED");
#endif
#ifdef MREMAP_MAYMOVE
_Static_assert(VAS_MREMAP_MAYMOVE == MREMAP_MAYMOVE, "MREMAP_MAYMOVE");
#endif
#ifdef MREMAP_FIXED
_Static_assert(VAS_MREMAP_FIXED == MREMAP_FIXED, "MREMAP_FIXED");
#endif
#ifdef MREMAP_DONTUNMAP
_Static_assert(VAS_MREMAP_DONTUNMAP == MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP");
#endif
#ifdef MADV_NORMAL
_Static_assert(VAS_MADV_NORMAL == MADV_NORMAL, "MADV_NORMAL");
#endif
#ifdef MADV_RANDOM
_Static_assert(VAS_MADV_RANDOM == MADV_RANDOM, "MADV_RANDOM");
#endif
#ifdef MADV_SEQUENTIAL
_Static_assert(VAS_MADV_SEQUENTIAL == MADV_SEQUENTIAL, "MADV_SEQUENTIAL");
#endif
#ifdef MADV_WILLNEED
_Static_assert(VAS_MADV_WILLNEED == MADV_WILLNEED, "MADV_WILLNEED");
#endif
#ifdef MADV_DONTNEED
_Static_assert(VAS_MADV_DONTNEED == MADV_DONTNEED, "MADV_DONTNEED");
#endif
#ifdef MADV_FREE
_Static_assert(VAS_MADV_FREE == MADV_FREE, "MADV_FREE");
#endif
#ifdef MADV_REMOVE
_Static_assert(VAS_MADV_REMOVE == MADV_REMOVE, "MADV_REMOVE");
#endif
#ifdef MADV_DONTFORK
_Static_assert(VAS_MADV_DONTFORK == MADV_DONTFORK, "MADV_DONTFORK");
#endif
#ifdef MADV_DOFORK
_Static_assert(VAS_MADV_DOFORK == MADV_DOFORK, "MADV_DOFORK");
#endif
#ifdef MADV_MERGEABLE
_Static_assert(VAS_MADV_MERGEABLE == MADV_MERGEABLE, "MADV_MERGEABLE");
#endif
#ifdef MADV_UNMERGEABLE
_Static_assert(VAS_MADV_UNMERGEABLE == MADV_UNMERGEABLE, "MADV_UNMERGEABLE");
#endif
#ifdef MADV_HUGEPAGE
_Static_assert(VAS_MADV_HUGEPAGE == MADV_HUGEPAGE, "MADV_HUGEPAGE");
#endif
#ifdef MADV_NOHUGEPAGE
_Static_assert(VAS_MADV_NOHUGEPAGE == MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
#endif
#ifdef MADV_DONTDUMP
_Static_assert(VAS_MADV_DONTDUMP == MADV_DONTDUMP, "MADV_DONTDUMP");
#endif
#ifdef MADV_DODUMP
_Static_assert(VAS_MADV_DODUMP == MADV_DODUMP, "MADV_DODUMP");
#endif
#ifdef MADV_WIPEONFORK
_Static_assert(VAS_MADV_WIPEONFORK == MADV_WIPEONFORK, "MADV_WIPEONFORK");
#endif
#ifdef MADV_KEEPONFORK
_Static_assert(VAS_MADV_KEEPONFORK == MADV_KEEPONFORK, "MADV_KEEPONFORK");
#endif
#ifdef MADV_COLD
_Static_assert(VAS_MADV_COLD == MADV_COLD, "MADV_COLD");
#endif
#ifdef MADV_PAGEOUT
_Static_assert(VAS_MADV_PAGEOUT == MADV_PAGEOUT, "MADV_PAGEOUT");
#endif
#ifdef MADV_POPULATE_READ
_Static_assert(VAS_MADV_POPULATE_READ == MADV_POPULATE_READ, "MADV_POPULATE_READ");
#endif
#ifdef MADV_POPULATE_WRITE
_Static_assert(VAS_MADV_POPULATE_WRITE == MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE");
#endif
#ifdef MADV_DONTNEED_LOCKED
_Static_assert(VAS_MADV_DONTNEED_LOCKED == MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED");
#endif
#ifdef MADV_COLLAPSE
_Static_assert(VAS_MADV_COLLAPSE == MADV_COLLAPSE, "MADV_COLLAPSE");
#endif
#ifdef MADV_GUARD_INSTALL
_Static_assert(VAS_MADV_GUARD_INSTALL == MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL");
#endif
#ifdef MADV_GUARD_REMOVE
_Static_assert(VAS_MADV_GUARD_REMOVE == MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE");
#endif
#ifdef MS_ASYNC
_Static_assert(VAS_MS_ASYNC == MS_ASYNC, "MS_ASYNC");
#endif
#ifdef MS_INVALIDATE
_Static_assert(VAS_MS_INVALIDATE == MS_INVALIDATE, "MS_INVALIDATE");
#endif
#ifdef MS_SYNC
_Static_assert(VAS_MS_SYNC == MS_SYNC, "MS_SYNC");
#endif
#ifdef MLOCK_ONFAULT
_Static_assert(VAS_MLOCK_ONFAULT == MLOCK_ONFAULT, "MLOCK_ONFAULT");
#endif
#ifdef MCL_CURRENT
_Static_assert(VAS_MCL_CURRENT == MCL_CURRENT, "MCL_CURRENT");
#endif
#ifdef MCL_FUTURE
_Static_assert(VAS_MCL_FUTURE == MCL_FUTURE, "MCL_FUTURE");
#endif
#ifdef MCL_ONFAULT
_Static_assert(VAS_MCL_ONFAULT == MCL_ONFAULT, "MCL_ONFAULT");
#endif

/* The constants compared above. */
static const char *const compared[] = {
#ifdef PROT_NONE
	"PROT_NONE",
#endif
#ifdef PROT_READ
	"PROT_READ",
#endif
#ifdef PROT_WRITE
	"PROT_WRITE",
#endif
#ifdef PROT_EXEC
	"PROT_EXEC",
#endif
#ifdef PROT_SEM
	"PROT_SEM",
#endif
#ifdef PROT_GROWSDOWN
	"PROT_GROWSDOWN",
#endif
#ifdef PROT_GROWSUP
	"PROT_GROWSUP",
#endif
#ifdef MAP_SHARED
	"MAP_SHARED",
#endif
#ifdef MAP_PRIVATE
	"MAP_PRIVATE",
#endif
#ifdef MAP_SHARED_VALIDATE
	"MAP_SHARED_VALIDATE",
#endif
#ifdef MAP_DROPPABLE
	"MAP_DROPPABLE",
#endif
#ifdef MAP_TYPE
	"MAP_TYPE",
#endif
#ifdef MAP_FIXED
	"MAP_FIXED",
#endif
#ifdef MAP_ANONYMOUS
	"MAP_ANONYMOUS",
#endif
#ifdef MAP_GROWSDOWN
	"MAP_GROWSDOWN",
#endif
#ifdef MAP_DENYWRITE
	"MAP_DENYWRITE",
#endif
#ifdef MAP_EXECUTABLE
	"MAP_EXECUTABLE",
#endif
#ifdef MAP_LOCKED
	"MAP_LOCKED",
#endif
#ifdef MAP_NORESERVE
	"MAP_NORESERVE",
#endif
#ifdef MAP_POPULATE
	"MAP_POPULATE",
#endif
#ifdef MAP_NONBLOCK
	"MAP_NONBLOCK",
#endif
#ifdef MAP_STACK
	"MAP_STACK",
#endif
#ifdef MAP_HUGETLB
	"MAP_HUGETLB",
#endif
#ifdef MAP_SYNC
	"MAP_SYNC",
#endif
#ifdef MAP_FIXED_NOREPLACE
	"MAP_FIXED_NOREPLACE",
#endif
#ifdef MAP_UNINITIALIZED
	"MAP_UNINITIALIZED",
#endif
#ifdef MREMAP_MAYMOVE
	"MREMAP_MAYMOVE",
#endif
#ifdef MREMAP_FIXED
	"MREMAP_FIXED",
#endif
#ifdef MREMAP_DONTUNMAP
	"MREMAP_DONTUNMAP",
#endif
#ifdef MADV_NORMAL
	"MADV_NORMAL",
#endif
#ifdef MADV_RANDOM
	"MADV_RANDOM",
#endif
#ifdef MADV_SEQUENTIAL
	"MADV_SEQUENTIAL",
#endif
#ifdef MADV_WILLNEED
	"MADV_WILLNEED",
#endif
#ifdef MADV_DONTNEED
	"MADV_DONTNEED",
#endif
#ifdef MADV_FREE
	"MADV_FREE",
#endif
#ifdef MADV_REMOVE
	"MADV_REMOVE",
#endif
#ifdef MADV_DONTFORK
	"MADV_DONTFORK",
#endif
#ifdef MADV_DOFORK
	"MADV_DOFORK",
#endif
#ifdef MADV_MERGEABLE
	"MADV_MERGEABLE",
#endif
#ifdef MADV_UNMERGEABLE
	"MADV_UNMERGEABLE",
#endif
#ifdef MADV_HUGEPAGE
	"MADV_HUGEPAGE",
#endif
#ifdef MADV_NOHUGEPAGE
	"MADV_NOHUGEPAGE",
#endif
#ifdef MADV_DONTDUMP
	"MADV_DONTDUMP",
#endif
#ifdef MADV_DODUMP
	"MADV_DODUMP",
#endif
#ifdef MADV_WIPEONFORK
	"MADV_WIPEONFORK",
#endif
#ifdef MADV_KEEPONFORK
	"MADV_KEEPONFORK",
#endif
#ifdef MADV_COLD
	"MADV_COLD",
#endif
#ifdef MADV_PAGEOUT
	"MADV_PAGEOUT",
#endif
#ifdef MADV_POPULATE_READ
	"MADV_POPULATE_READ",
#endif
#ifdef MADV_POPULATE_WRITE
	"MADV_POPULATE_WRITE",
#endif
#ifdef MADV_DONTNEED_LOCKED
	"MADV_DONTNEED_LOCKED",
#endif
#ifdef MADV_COLLAPSE
	"MADV_COLLAPSE",
#endif
#ifdef MADV_GUARD_INSTALL
	"MADV_GUARD_INSTALL",
#endif
#ifdef MADV_GUARD_REMOVE
	"MADV_GUARD_REMOVE",
#endif
#ifdef MS_ASYNC
	"MS_ASYNC",
#endif
#ifdef MS_INVALIDATE
	"MS_INVALIDATE",
#endif
#ifdef MS_SYNC
	"MS_SYNC",
#endif
#ifdef MLOCK_ONFAULT
	"MLOCK_ONFAULT",
#endif
#ifdef MCL_CURRENT
	"MCL_CURRENT",
#endif
#ifdef MCL_FUTURE
	"MCL_FUTURE",
#endif
#ifdef MCL_ONFAULT
	"MCL_ONFAULT",
#endif
};

/* Every VAS_ constant of uapi.h but the geometry (VAS_PAGE_SIZE, ...). */
static const char *const all[] = {
	"PROT_NONE",
	"PROT_READ",
	"PROT_WRITE",
	"PROT_EXEC",
	"PROT_SEM",
	"PROT_GROWSDOWN",
	"PROT_GROWSUP",
	"MAP_SHARED",
	"MAP_PRIVATE",
	"MAP_SHARED_VALIDATE",
	"MAP_DROPPABLE",
	"MAP_TYPE",
	"MAP_FIXED",
	"MAP_ANONYMOUS",
	"MAP_GROWSDOWN",
	"MAP_DENYWRITE",
	"MAP_EXECUTABLE",
	"MAP_LOCKED",
	"MAP_NORESERVE",
	"MAP_POPULATE",
	"MAP_NONBLOCK",
	"MAP_STACK",
	"MAP_HUGETLB",
	"MAP_SYNC",
	"MAP_FIXED_NOREPLACE",
	"MAP_UNINITIALIZED",
	"MREMAP_MAYMOVE",
	"MREMAP_FIXED",
	"MREMAP_DONTUNMAP",
	"MADV_NORMAL",
	"MADV_RANDOM",
	"MADV_SEQUENTIAL",
	"MADV_WILLNEED",
	"MADV_DONTNEED",
	"MADV_FREE",
	"MADV_REMOVE",
	"MADV_DONTFORK",
	"MADV_DOFORK",
	"MADV_MERGEABLE",
	"MADV_UNMERGEABLE",
	"MADV_HUGEPAGE",
	"MADV_NOHUGEPAGE",
	"MADV_DONTDUMP",
	"MADV_DODUMP",
	"MADV_WIPEONFORK",
	"MADV_KEEPONFORK",
	"MADV_COLD",
	"MADV_PAGEOUT",
	"MADV_POPULATE_READ",
	"MADV_POPULATE_WRITE",
	"MADV_DONTNEED_LOCKED",
	"MADV_COLLAPSE",
	"MADV_GUARD_INSTALL",
	"MADV_GUARD_REMOVE",
	"MS_ASYNC",
	"MS_INVALIDATE",
	"MS_SYNC",
	"MLOCK_ONFAULT",
	"MCL_CURRENT",
	"MCL_FUTURE",
	"MCL_ONFAULT",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

TEST(uapi_values_match_the_host_headers)
{
	size_t n = NELEM(compared), total = NELEM(all);

	for (size_t i = 0; i < total; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (!strcmp(all[i], compared[k]))
				break;
		if (k == n)
			printf("# not in the host headers: %s\n", all[i]);
	}
	printf("# %zu of %zu constants compared with <sys/mman.h>\n", n,
	       total);
	/* the host's headers lack at most a few of the newest ones */
	EXPECT_GE(n, total - 8);
}
