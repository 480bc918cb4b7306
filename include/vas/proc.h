/* SPDX-License-Identifier: MIT */
/*
 * proc.h - the /proc/PID/maps and /proc/PID/smaps text of an address space,
 * character for character as Linux 6.18 (x86-64) prints them, and the
 * two-letter VmFlags codes of smaps.
 *
 * What vas prints differently from a real process, and why:
 *  - "[heap]" names a VMA that overlaps the brk area (vas_brk()), as in
 *    Linux; there is no [stack] or [vsyscall] line or name: vas sets up no
 *    initial stack and no gate VMA;
 *  - no "ProtectionKey:" line: vas models a CPU without protection keys
 *    (arch_pkeys_enabled() false), as on the reference host;
 *  - THPeligible follows the "madvise" THP mode with only PMD-sized anonymous
 *    huge pages enabled (the host's defaults);
 *  - device and inode of a host-backed file are those of the host file; the
 *    shmem object of a shared anonymous mapping has none (00:00 0, where
 *    Linux prints its internal tmpfs device and inode);
 *  - the smaps page figures come from a walk of the VMA's page tables, as
 *    Linux's smaps_pte_range(): Rss, Pss, Pss_Dirty, Shared_Clean,
 *    Shared_Dirty, Private_Clean, Private_Dirty, Referenced, Anonymous and
 *    Locked (the zero page and PFN maps count nothing). KSM, the huge-page
 *    lines, Swap and SwapPss are always 0 (vas has no KSM, no huge pages,
 *    no swap); so is LazyFree, where Linux counts the clean anonymous pages
 *    that MADV_FREE marked.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_PROC_H
#define VAS_PROC_H

#include <stddef.h>
#include <stdio.h>
#include <vas/defs.h>
#include <vas/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * vas_proc_maps_print() - Write the /proc/PID/maps text of @mm to @out.
 * @mm:  the address space; the caller holds a user reference.
 * @out: an open stream; vas writes to it and neither flushes nor closes it.
 *
 * One line per VMA, in address order: "START-END PERM OFFSET MAJ:MIN INODE",
 * then, for a named mapping, spaces up to column 73 and the name: the file's
 * name (vas_file_name()), "/dev/zero (deleted)" for a shared anonymous
 * mapping, what the VMA's vm_ops->name returns, or "[heap]". Anonymous
 * lines end with the space after the inode, as in Linux.
 *
 * Context: takes and releases the mmap lock for read (the caller must not
 * hold it); the whole text is one snapshot. May block on @out.
 * Return: 0, or -EIO if writing to @out failed (the text may be partial).
 */
VAS_API int vas_proc_maps_print(struct vas_mm_user *mm, FILE *out)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/**
 * vas_proc_smaps_print() - Write the /proc/PID/smaps text of @mm to @out.
 *
 * Per VMA: its maps line, then Size, KernelPageSize, MMUPageSize, Rss, Pss,
 * Pss_Dirty, Shared_Clean, Shared_Dirty, Private_Clean, Private_Dirty,
 * Referenced, Anonymous, KSM, LazyFree, AnonHugePages, ShmemPmdMapped,
 * FilePmdMapped, Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, Locked
 * (each "NAME:", padded, the figure right-aligned in 8 columns, " kB"),
 * THPeligible, and "VmFlags: " with each code of vas_vm_flags_codes()
 * followed by one space.
 *
 * Context, return: as vas_proc_maps_print().
 */
VAS_API int vas_proc_smaps_print(struct vas_mm_user *mm, FILE *out)
	VAS_EXCLUDES(mm) VAS_MUST_CHECK;

/* The smaps page figures of one VMA, in kB (Rss, Anonymous, Locked). */
struct vas_vma_mem {
	unsigned long rss_kb;
	unsigned long anon_kb;
	unsigned long locked_kb;	/* proportional, as smaps' Locked */
};

/**
 * vas_vma_mem_stats() - The smaps figures of @vma, from a walk of its page
 * tables. Context: @vma's guard held (mmap lock, or its read lock).
 */
VAS_API void vas_vma_mem_stats(struct vas_vma_ref *vma, struct vas_vma_mem *out);

/**
 * vas_vm_flags_codes() - The smaps VmFlags codes of @vm_flags.
 * @vm_flags: VAS_VM_* bits (Linux VM_* values).
 * @buf:      receives the codes, separated by single spaces, without a
 *            trailing space ("rd wr mr mw me ac"), NUL-terminated; truncated
 *            to @size - 1 characters if it does not fit. May be NULL if
 *            @size is 0.
 * @size:     bytes at @buf.
 *
 * The codes come in the kernel's order, the bit order of the flags (Linux
 * 6.18 show_smap_vma_flags(), x86-64 configuration): rd wr ex sh mr mw me
 * ms gd um pf gu uw lo io sr rr dc de lf ac nr ht sf ar wf dd sd mm hg nh
 * mg ss dp ui sl. The protection-key bits 32-35 have no code; any other bit
 * without a code prints "??", as in the kernel. 64 bytes always suffice
 * for the flags Linux sets; 192 for any value.
 *
 * Context: any. Return: the length of the full text (like snprintf), so a
 * result >= @size means it was truncated.
 */
VAS_API size_t vas_vm_flags_codes(unsigned long vm_flags, char *buf,
				  size_t size);

#ifdef __cplusplus
}
#endif

#endif /* VAS_PROC_H */
