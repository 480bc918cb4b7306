/* SPDX-License-Identifier: MIT */
/*
 * vma_internal.h - the seam of vma/ (Linux's mm/vma_internal.h): the one
 * place where vma.c and merge.c take what they use from other layers:
 * allocation and errors (base/), file references (page/), zapping and
 * freeing page tables (pte/), the address space and its locks (mm/).
 *
 * tests/unit/vma builds vma.c and merge.c with a header of the same name
 * found first on the include path, which declares the same functions and
 * defines them as stubs: allocation failure switches, no page tables
 * (zap_range and unmap_region record their calls), no real files.
 */
#ifndef VAS_VMA_VMA_INTERNAL_H
#define VAS_VMA_VMA_INTERNAL_H

#include <errno.h>
#include <string.h>
#include <vas/file.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/err.h"
#include "mm/mm.h"
#include "page/file.h"
#include "pte/pte.h"
#include "vma/access.h"
#include "vma/anon_vma.h"
#include "vma/vma.h"

#endif /* VAS_VMA_VMA_INTERNAL_H */
