/* SPDX-License-Identifier: MIT */
/*
 * vma_internal.h (test stub) - found before src/vma/vma_internal.h when
 * tests/unit/vma builds vma.c and merge.c. The types are the real ones;
 * what vma/ takes from the layers above base/ and tree/ is defined by the
 * test (stubs.c): no page tables (zap_range and unmap_region record their
 * calls), no real files (a reference count), no anon_vma objects (a
 * count), the mm/ locks as checks of a flag. Allocation is base/'s, with
 * its failure injection (vas_fail_nth).
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

/* What the stubs saw. */
struct stub_calls {
	int zap_range, unmap_region, file_get, file_put, anon_get, anon_put;
	bool write_locked;		/* the "mmap lock" */
};
extern struct stub_calls stub_calls;

#endif /* VAS_VMA_VMA_INTERNAL_H */
