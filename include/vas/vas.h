/* SPDX-License-Identifier: MIT */
/*
 * vas.h - umbrella header of the vas library: the Linux 6.18 virtual-memory
 * core (address spaces, VMAs, the mmap lock and per-VMA locks) in user space.
 * Include this one header; it includes only libc headers besides its own.
 */
#ifndef VAS_VAS_H
#define VAS_VAS_H

#include <vas/defs.h>
#include <vas/stats.h>
#include <vas/mm.h>
#include <vas/vma.h>
#include <vas/uapi.h>
#include <vas/file.h>
#include <vas/mman.h>
#include <vas/proc.h>
#include <vas/memory.h>
#include <vas/physmem.h>
#include <vas/mmu_notifier.h>

#endif /* VAS_VAS_H */
