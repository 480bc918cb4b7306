/* SPDX-License-Identifier: MIT */
/*
 * uapi.h - the constants of the mmap family, with the values of Linux's
 * UAPI on x86-64 (checked against the host's <sys/mman.h> where it
 * defines them: tests/api/test_uapi.c). Includes no system header.
 */
#ifndef VAS_UAPI_H
#define VAS_UAPI_H

/* mmap/mprotect prot */
#define VAS_PROT_NONE 0x0
#define VAS_PROT_READ 0x1
#define VAS_PROT_WRITE 0x2
#define VAS_PROT_EXEC 0x4
#define VAS_PROT_SEM 0x8
#define VAS_PROT_GROWSDOWN 0x01000000
#define VAS_PROT_GROWSUP 0x02000000

/* mmap flags */
#define VAS_MAP_SHARED 0x01
#define VAS_MAP_PRIVATE 0x02
#define VAS_MAP_SHARED_VALIDATE 0x03
#define VAS_MAP_DROPPABLE 0x08
#define VAS_MAP_TYPE 0x0f
#define VAS_MAP_FIXED 0x10
#define VAS_MAP_ANONYMOUS 0x20
#define VAS_MAP_GROWSDOWN 0x00100
#define VAS_MAP_DENYWRITE 0x00800
#define VAS_MAP_EXECUTABLE 0x01000
#define VAS_MAP_LOCKED 0x02000
#define VAS_MAP_NORESERVE 0x04000
#define VAS_MAP_POPULATE 0x08000
#define VAS_MAP_NONBLOCK 0x10000
#define VAS_MAP_STACK 0x20000
#define VAS_MAP_HUGETLB 0x40000
#define VAS_MAP_SYNC 0x80000
#define VAS_MAP_FIXED_NOREPLACE 0x100000
#define VAS_MAP_UNINITIALIZED 0x4000000
/* MAP_HUGETLB's page size: log2 of it in these bits (0: the default). */
#define VAS_MAP_HUGE_SHIFT 26
#define VAS_MAP_HUGE_MASK 0x3f
#define VAS_MAP_HUGE_2MB (21 << VAS_MAP_HUGE_SHIFT)
#define VAS_MAP_HUGE_1GB (30 << VAS_MAP_HUGE_SHIFT)

/* mremap flags */
#define VAS_MREMAP_MAYMOVE 1
#define VAS_MREMAP_FIXED 2
#define VAS_MREMAP_DONTUNMAP 4

/* madvise advice */
#define VAS_MADV_NORMAL 0
#define VAS_MADV_RANDOM 1
#define VAS_MADV_SEQUENTIAL 2
#define VAS_MADV_WILLNEED 3
#define VAS_MADV_DONTNEED 4
#define VAS_MADV_FREE 8
#define VAS_MADV_REMOVE 9
#define VAS_MADV_DONTFORK 10
#define VAS_MADV_DOFORK 11
#define VAS_MADV_MERGEABLE 12
#define VAS_MADV_UNMERGEABLE 13
#define VAS_MADV_HUGEPAGE 14
#define VAS_MADV_NOHUGEPAGE 15
#define VAS_MADV_DONTDUMP 16
#define VAS_MADV_DODUMP 17
#define VAS_MADV_WIPEONFORK 18
#define VAS_MADV_KEEPONFORK 19
#define VAS_MADV_COLD 20
#define VAS_MADV_PAGEOUT 21
#define VAS_MADV_POPULATE_READ 22
#define VAS_MADV_POPULATE_WRITE 23
#define VAS_MADV_DONTNEED_LOCKED 24
#define VAS_MADV_COLLAPSE 25
#define VAS_MADV_GUARD_INSTALL 102
#define VAS_MADV_GUARD_REMOVE 103

/* msync flags */
#define VAS_MS_ASYNC 1
#define VAS_MS_INVALIDATE 2
#define VAS_MS_SYNC 4

/* mlock2, mlockall */
#define VAS_MLOCK_ONFAULT 0x01
#define VAS_MCL_CURRENT 1
#define VAS_MCL_FUTURE 2
#define VAS_MCL_ONFAULT 4

/* Address space geometry: x86-64 with 4-level paging. */
#define VAS_PAGE_SIZE 4096UL
#define VAS_TASK_SIZE ((1UL << 47) - VAS_PAGE_SIZE)

#endif /* VAS_UAPI_H */
