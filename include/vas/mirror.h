/* SPDX-License-Identifier: MIT */
/*
 * mirror.h - an address space reflected into the host's: guest address
 * @a of a vas address space is host address base + (a - start), so a
 * program (an emulator's translated code, a sandboxed guest) loads and
 * stores there at host speed, while vas keeps Linux's semantics.
 *
 * The mirror reserves [base, base + len) of the host as PROT_NONE. A host
 * access to a page vas has not given the mirror raises SIGSEGV; the
 * mirror's fault entry (vas_mirror_fault(), called from the embedder's
 * signal handler or from the one vas_mirror_install_handler() installs)
 * makes vas fault the page in as the guest's access would, then maps the
 * page's frame from the machine's memory file at that host address with
 * the rights vas granted (read-only for a page still shared copy-on-write,
 * so the first write faults again and breaks COW in vas). MMU notifiers
 * take host mappings away (or write-protect them) before vas changes the
 * entries, so a host access never reaches a frame vas no longer maps
 * there. An access vas refuses (no VMA, PROT_NONE, a guard region, past
 * the end of a file) stays refused: the fault entry returns the signal
 * the guest would get.
 *
 * Built only on the public API (physmem.h, mmu_notifier.h, vma.h).
 * docs/host-memory.md has the design and the host limits (the host's
 * vm.max_map_count).
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_MIRROR_H
#define VAS_MIRROR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <vas/defs.h>
#include <vas/mm.h>
#include <vas/memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_mirror;

/*
 * Flags of vas_mirror_create(). VAS_MIRROR_FIXED: place the mirror exactly
 * at @base, which must be free in the host (nothing is replaced), else
 * -EEXIST.
 */
#define VAS_MIRROR_FIXED 0x1u

/**
 * vas_mirror_create() - Mirror guest [@start, @start + @len) of @mm.
 * @base: the host address for @start; NULL lets the host choose. With
 *        VAS_MIRROR_FIXED and @base == (void *)@start, guest pointers
 *        are host pointers (a 1:1 mirror).
 * @out:  receives the mirror; it holds a user of @mm (vas_mm_get) until
 *        destroyed.
 * Without VAS_MIRROR_FIXED a non-NULL @base is a hint (vas_mirror_base()
 * tells where the mirror went). The mirror keeps one byte per page of the
 * range (MAP_NORESERVE memory, touched only where pages get mapped), and
 * at most 64 mirrors live at once.
 * Context: no lock of @mm held; registers an MMU notifier (takes the mmap
 * write lock). Return: 0; -EINVAL (unaligned, empty or wrapping range,
 * unknown @flags, VAS_MIRROR_FIXED without @base); -EEXIST
 * (VAS_MIRROR_FIXED and the host range is in use); -ENOMEM (also: 64
 * mirrors live). Nothing is left behind on failure.
 */
VAS_API int vas_mirror_create(struct vas_mm_user *mm, unsigned long start,
			      unsigned long len, void *base,
			      unsigned int flags, struct vas_mirror **out)
	VAS_MUST_CHECK;

/**
 * vas_mirror_destroy() - Unmap the host range, unregister, drop the user.
 * Context: no thread may access the mirror's host range any more. NULL is
 * a no-op.
 */
VAS_API void vas_mirror_destroy(struct vas_mirror *mi);

/** vas_mirror_base() - The host address of guest @start. Context: any. */
VAS_API void *vas_mirror_base(const struct vas_mirror *mi);

/**
 * vas_mirror_host_addr() - The host address of guest @addr, or NULL if
 * @addr lies outside the mirror. Context: any.
 */
VAS_API void *vas_mirror_host_addr(const struct vas_mirror *mi,
				   unsigned long addr);

/**
 * vas_mirror_fault() - Resolve a host fault at @host_addr in the mirror,
 * for a read or (VAS_FAULT_WRITE) a write: fault the guest page in
 * through vas and map its frame at @host_addr. The retried access then
 * runs at host speed.
 * Context: any thread holding no lock of the mirror's address space
 * (typically a SIGSEGV handler of the thread that faulted; safe there
 * because that thread was running guest code, not vas). May block.
 * Return: 0 (retry the access); -EFAULT with *@fi set (may be NULL) when
 * the guest access raises a signal (deliver it to the guest; SIGBUS also
 * for a VM_IO or VM_PFNMAP area, whose pages the mirror cannot map);
 * -ENOMEM (vas or the host out of memory); -ERANGE when @host_addr is not
 * in the mirror; another -errno of the host's mmap(2) refusing the
 * mapping (-EPERM or -EACCES for an executable mapping of a memory file
 * the host made non-executable: vm.memfd_noexec = 2).
 */
VAS_API int vas_mirror_fault(struct vas_mirror *mi, void *host_addr,
			     unsigned int flags, struct vas_fault_info *fi);

/**
 * vas_mirror_handle_signal() - For an embedder's SIGSEGV handler: if the
 * fault at @si->si_addr lies in a live mirror, resolve it (the access
 * kind read from @ucontext where the host architecture tells it) and
 * return true; false when the address is in no mirror or the guest
 * access is refused (*@fi set then, if @fi is not NULL).
 * The access kind comes from the page-fault error code on x86-64 (write,
 * instruction fetch); elsewhere a fault on a page the mirror mapped
 * read-only is taken for a write, any other for a read (an instruction
 * fetch from a page vas maps without VM_EXEC then faults for ever there).
 * When the fault cannot be resolved for want of memory, *@fi says SIGBUS.
 * Context: a SIGSEGV handler (SA_SIGINFO), on an alternate signal stack
 * if the faulting code may run on mirrored stack pages. Takes the
 * mirror's lock and vas's locks: the interrupted code must hold none of
 * them and must not be inside malloc (it was running guest code).
 */
VAS_API bool vas_mirror_handle_signal(siginfo_t *si, void *ucontext,
				      struct vas_fault_info *fi);

/**
 * vas_mirror_install_handler() - Install a process-wide SIGSEGV handler
 * (SA_SIGINFO | SA_ONSTACK) that calls vas_mirror_handle_signal() and
 * passes faults it does not resolve to the handler installed before it
 * (or to the default action). Idempotent.
 * Context: any; not concurrently with sigaction() on SIGSEGV elsewhere.
 * Return: 0 or -errno of sigaction().
 */
VAS_API int vas_mirror_install_handler(void);

/* The mirror's own counters (vas_mirror_stats()). */
struct vas_mirror_stats {
	unsigned long faults;		/* host faults resolved */
	unsigned long refused;		/* host faults the guest gets */
	unsigned long maps;		/* host mmap calls */
	unsigned long pages_mapped;	/* pages those calls mapped */
	unsigned long invalidations;	/* notifier ranges that hit the mirror */
	unsigned long flushes;		/* whole-mirror unmaps (host map
					 * count pressure) */
	unsigned long host_mappings;	/* host mappings the mirror holds now
					 * (an upper bound) */
};

/** vas_mirror_stats() - @mi's counters, racy snapshot. Context: any. */
VAS_API void vas_mirror_stats(const struct vas_mirror *mi,
			      struct vas_mirror_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* VAS_MIRROR_H */
