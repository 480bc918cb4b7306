/* SPDX-License-Identifier: MIT */
/*
 * abi.h - the sizes of the caller-filled public structs the library
 * accepts (docs/design.md, "ABI").
 *
 * Each such struct begins with `size_t size`, the sizeof the caller was
 * compiled with. Fields are only added at the end, so a size names a
 * version: the library accepts any size from the struct's first ABI
 * version (VAS_0.1, frozen below) up to its own sizeof, and reads a field
 * only if the size covers it (VAS_ABI_HAS() of <vas/defs.h>). Smaller
 * sizes (no struct version was ever that small: garbage, or 0 from an
 * initialiser that forgot the size) and larger ones (a caller built
 * against a newer library, whose fields this one cannot honour) are
 * refused with -EINVAL.
 */
#ifndef VAS_BASE_ABI_H
#define VAS_BASE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <vas/file.h>
#include <vas/mm.h>
#include <vas/mmu_notifier.h>

#define offsetofend(type, member)                                             \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* The sizes of the first ABI version, VAS_0.1: never change these. */
#define VAS_MACHINE_CONFIG_SIZE_0_1                                           \
	offsetofend(struct vas_machine_config, commit_swap_bytes)
#define VAS_VM_OPS_SIZE_0_1 offsetofend(struct vas_vm_ops, page_mkwrite)
#define VAS_FILE_OPS_SIZE_0_1 offsetofend(struct vas_file_ops, release)
#define VAS_MMU_NOTIFIER_OPS_SIZE_0_1                                         \
	offsetofend(struct vas_mmu_notifier_ops, invalidate_range_end)

/* abi_size_ok() - Whether @size lies in [@first, @cur], the sizes known. */
static inline bool abi_size_ok(size_t size, size_t first, size_t cur)
{
	return size >= first && size <= cur;
}

#define machine_config_size_ok(cfg)                                           \
	abi_size_ok((cfg)->size, VAS_MACHINE_CONFIG_SIZE_0_1,                 \
		    sizeof(struct vas_machine_config))
#define vm_ops_size_ok(ops)                                                   \
	abi_size_ok((ops)->size, VAS_VM_OPS_SIZE_0_1, sizeof(struct vas_vm_ops))
#define file_ops_size_ok(ops)                                                 \
	abi_size_ok((ops)->size, VAS_FILE_OPS_SIZE_0_1,                       \
		    sizeof(struct vas_file_ops))
#define mmu_notifier_ops_size_ok(ops)                                         \
	abi_size_ok((ops)->size, VAS_MMU_NOTIFIER_OPS_SIZE_0_1,               \
		    sizeof(struct vas_mmu_notifier_ops))

#endif /* VAS_BASE_ABI_H */
