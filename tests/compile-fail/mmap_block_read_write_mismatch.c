// expect: use of undeclared identifier 'vas__mmap_write_scope'
/* SPDX-License-Identifier: MIT */
/*
 * A read block closed by VAS_MMAP_WRITE_END: the write unlock of a read
 * hold. Each END names its own BEGIN's scope variable, so this does not
 * compile, with or without the analysis.
 * Twin (-DVAS_CF_OK): READ_BEGIN ... READ_END.
 */
#include <vas/vas.h>

int count_vmas(struct vas_mm_user *mm);

int count_vmas(struct vas_mm_user *mm)
{
	int n;

	VAS_MMAP_READ_BEGIN(mm);
	n = vas_mm_map_count(mm);
#ifdef VAS_CF_OK
	VAS_MMAP_READ_END(mm);
#else
	VAS_MMAP_WRITE_END(mm);
#endif
	return n;
}
