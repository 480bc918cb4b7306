/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - an outside program on an installed vas, through the public
 * header only. tests/install/test_install.sh builds it with find_package
 * (consumer/CMakeLists.txt) and with pkg-config.
 *
 *   consumer         maps memory, faults it in, reads it back: prints
 *                    "consumer ok" and exits 0
 *   consumer misuse  the same, then uses a VMA reference after its guard
 *                    was released: libvas-debug aborts with a lockdep
 *                    report; libvas and libvas.a do not check, and the
 *                    program goes on and prints "misuse unnoticed"
 */
#include <stdio.h>
#include <string.h>
#include <vas/vas.h>

int main(int argc, char **argv)
{
	struct vas_machine *m;
	struct vas_mm_user *mm;
	struct vas_fault_info fi;
	unsigned long a;
	char buf[4];
	int found;

	if (vas_version() != VAS_VERSION_HEX)
		return 1;
	if (vas_machine_create(NULL, &m))
		return 2;
	if (vas_mm_create(m, &mm))
		return 3;
	if (vas_mmap(mm, 0, 2 * VAS_PAGE_SIZE, VAS_PROT_READ | VAS_PROT_WRITE,
		     VAS_MAP_PRIVATE | VAS_MAP_ANONYMOUS, NULL, 0, &a))
		return 4;
	if (vas_fill(mm, a, 0x5a, VAS_PAGE_SIZE, &fi) ||
	    vas_read(mm, a + 100, buf, sizeof(buf), &fi) || buf[3] != 0x5a)
		return 5;
	if (vas_mm_rss(mm, VAS_RSS_ANON) != 1)
		return 6;
	VAS_MMAP_READ_BEGIN(mm);
	found = vas_mm_map_count(mm) == 1 && vas_vma_lookup(mm, a);
	VAS_MMAP_READ_END(mm);
	if (!found)
		return 7;
	if (argc > 1 && strcmp(argv[1], "misuse") == 0) {
		struct vas_vma_ref *vma;
		unsigned long start;

		vas_mmap_read_lock(mm);
		vma = vas_vma_lookup(mm, a);
		vas_mmap_read_unlock(mm);
		start = vas_vma_start(vma);	/* no lock covers vma here */
		printf("misuse unnoticed (%s)\n", start == a ? "same" : "other");
	}
	vas_mm_put(mm);
	if (vas_machine_destroy(m))
		return 8;
	puts("consumer ok");
	return 0;
}
