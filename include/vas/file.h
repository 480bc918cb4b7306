/* SPDX-License-Identifier: MIT */
/*
 * file.h - files that address spaces map: host-backed regular files and
 * driver files whose mmap hook sets up the VMA.
 *
 * A struct vas_file is reference counted; each VMA that maps it holds a
 * reference. It stands for an open file description: its mode (read,
 * write) is fixed at creation, like the f_mode of an open file.
 *
 * Pointer arguments follow the NULL rule of <vas/defs.h>: puts, drops and
 * destroys accept NULL; any other pointer may be NULL only where its
 * comment says so.
 */
#ifndef VAS_FILE_H
#define VAS_FILE_H

#include <stdbool.h>
#include <sys/types.h>
#include <vas/defs.h>
#include <vas/vma.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vas_machine;
struct vas_file;
struct vas_page;

/* File modes (f_mode). */
#define VAS_FMODE_READ 0x1
#define VAS_FMODE_WRITE 0x2

/*
 * struct vas_vma_closing - what vm_ops->close sees of a VMA, or of the
 * piece of one, that goes away. It is not a vas_vma_ref: close also runs
 * when the address space is torn down after its last user is gone
 * (vas_mm_put(), exit_mmap), when nothing may lock it or take a user of
 * it any more. So this type gives the fields and, for the address space,
 * only an identity (struct vas_mm_id) that no function accepts: it can be
 * compared, never locked, got or looked up in. Lifetime: until close
 * returns (it describes the VMA as it was; the memory is already
 * unmapped). Context of the accessors: inside the close call.
 */
struct vas_vma_closing;

/*
 * struct vas_mm_id - an address space's identity, for comparison only.
 * Never defined: it cannot be dereferenced, and no function takes it.
 */
struct vas_mm_id;

/** vas_vma_closing_start() - Start of the range that goes away. */
VAS_API unsigned long vas_vma_closing_start(const struct vas_vma_closing *vma);
/** vas_vma_closing_end() - End (exclusive) of the range that goes away. */
VAS_API unsigned long vas_vma_closing_end(const struct vas_vma_closing *vma);
/** vas_vma_closing_flags() - The VMA's VM_* flags. */
VAS_API unsigned long vas_vma_closing_flags(const struct vas_vma_closing *vma);
/** vas_vma_closing_pgoff() - File offset of vas_vma_closing_start(), in pages. */
VAS_API unsigned long vas_vma_closing_pgoff(const struct vas_vma_closing *vma);
/** vas_vma_closing_file() - The mapped file (still referenced until close returns). */
VAS_API struct vas_file *vas_vma_closing_file(const struct vas_vma_closing *vma);
/** vas_vma_closing_private() - The private data the mmap hook set, or NULL. */
VAS_API void *vas_vma_closing_private(const struct vas_vma_closing *vma);
/** vas_vma_closing_mm_id() - Identity of the address space the VMA was in. */
VAS_API const struct vas_mm_id *
vas_vma_closing_mm_id(const struct vas_vma_closing *vma);

/**
 * vas_mm_id() - The identity of @mm, to compare with
 * vas_vma_closing_mm_id(). Context: any; the caller holds a count of @mm.
 * Lifetime: an identity stays unique while a count of the address space is
 * held (after that the memory may be reused by another one).
 */
VAS_API const struct vas_mm_id *vas_mm_id(const struct vas_mm *mm);

/* Flags of a fault a driver's handler sees (Linux's FAULT_FLAG_*). */
#define VAS_FAULT_FLAG_WRITE 0x01u	/* a store */
#define VAS_FAULT_FLAG_MKWRITE 0x02u	/* a call of page_mkwrite */

/*
 * struct vas_vm_fault - one fault on a driver's VMA (Linux's struct
 * vm_fault), lent to vm_ops->fault and ->page_mkwrite. The library
 * allocates it, so it may grow at the end in later versions. Lifetime:
 * the call it is passed to.
 */
struct vas_vm_fault {
	struct vas_vma_ref *vma;	/* the VMA; its guard is held */
	unsigned long address;		/* the faulting page's address */
	unsigned long pgoff;		/* its file offset, in pages */
	unsigned int flags;		/* VAS_FAULT_FLAG_* */
	/*
	 * ->fault: out, the page to map, with one reference that the
	 * mapping takes over (NULL: the handler mapped the address itself).
	 * ->page_mkwrite: in, the page that becomes writable.
	 */
	struct vas_page *page;
};

/*
 * Operations on a VMA of a driver file (vm_operations_struct). Every
 * callback runs with the mmap lock held for write (open, close) or the
 * VMA's guard held (name); none may take the mmap lock.
 *
 * Each VMA object gets one call when it appears (the mmap hook, or open)
 * and one when it goes away (close), the calls Linux 6.18 makes:
 *  - a split (munmap, mprotect, madvise, mlock, mseal, mremap, MAP_FIXED
 *    over part of the VMA) makes a new VMA object for each piece that is
 *    cut off and calls open on it; the piece Linux keeps in the original
 *    object is the one the operation changes (mprotect) or removes
 *    (munmap), and a removed piece gets close with its own range;
 *  - mremap's copy at the new address, and fork's copy in the child
 *    (unless VM_DONTCOPY), get open;
 *  - merges never call them: a VMA with a close op is never removed by a
 *    merge, only grown or shrunk.
 * So after every operation, the mmap hooks that succeeded plus the open
 * calls minus the close calls is the number of VMAs with these ops.
 *
 * ABI: @size must be sizeof(struct vas_vm_ops) as the driver was compiled
 * (VAS_VM_OPS_INIT() sets it); ops whose size the library does not know
 * make the mmap that installed them fail with -EINVAL ("ABI" in
 * docs/design.md).
 */
struct vas_vm_ops {
	size_t size;	/* sizeof(struct vas_vm_ops) */
	/*
	 * A new VMA object now maps part of what an existing one mapped
	 * (a piece cut off by a split, mremap's copy, fork's copy). The VMA
	 * may not be in the tree yet (as in Linux's __split_vma); its fields
	 * are final. May be NULL.
	 */
	void (*open)(struct vas_vma_ref *vma);
	/*
	 * The VMA, or the piece of it given by vas_vma_closing_start/end(),
	 * goes away; its pages are already unmapped. Also runs at teardown,
	 * where the address space has no user any more: hence the distinct
	 * type. A VMA with a close op is never removed by a merge. May be NULL.
	 */
	void (*close)(const struct vas_vma_closing *vma);
	/*
	 * Name shown in maps for a VMA without a file, printed as returned
	 * (the kernel's special mappings return "[vdso]", brackets and all),
	 * or NULL. May be NULL.
	 */
	const char *(*name)(struct vas_vma_ref *vma);
	/*
	 * No page is mapped at @vmf->address of @vmf->vma (vm_ops->fault):
	 * set @vmf->page to a page with one reference, which the mapping
	 * takes over, and return 0; or map the address yourself
	 * (vas_vmf_insert_pfn(), vas_vm_insert_page()), leave @vmf->page
	 * NULL and return 0 (Linux's VM_FAULT_NOPAGE; if nothing is mapped
	 * there then, the access raises SIGBUS); or return a negative errno:
	 * -ENOMEM ends the access with -ENOMEM (the kernel's OOM), any other
	 * raises SIGBUS (vas keeps the errno convention of its API instead of
	 * Linux's VM_FAULT_* codes). A write to a private VMA maps a copy
	 * (the page's reference is dropped); a write to a shared one calls
	 * page_mkwrite first, if there is one.
	 * Context: the mmap lock held for read (faults under a VMA lock retry
	 * there first, as Linux does for handlers without map_pages); may
	 * block and allocate (vas_page_alloc). May be NULL: then only pages
	 * the driver inserted (vas_vm_insert_page) exist, and others SIGBUS.
	 */
	int (*fault)(struct vas_vm_fault *vmf);
	/*
	 * @vmf->page, mapped read-only in a shared VMA, is about to become
	 * writable (vm_ops->page_mkwrite): the first write to it since it
	 * was mapped, by a write fault that maps it (after ->fault) or by a
	 * write to a read-only entry of it. While the VMA has this op its
	 * pages are mapped read-only until such a write (Linux's
	 * writenotify): vas_vm_insert_page() and read faults map them so.
	 * Return 0 to let the write go on, or a negative errno as for
	 * ->fault (-ENOMEM: OOM, other: SIGBUS). Not called for private
	 * VMAs (their writes copy) nor for PFN mappings.
	 * Context: the mmap lock held for read, no other lock of vas; may
	 * block. May be NULL.
	 */
	int (*page_mkwrite)(struct vas_vm_fault *vmf);
};

/*
 * Operations of a driver file (file_operations). ABI: @size must be
 * sizeof(struct vas_file_ops) (VAS_FILE_OPS_INIT() sets it);
 * vas_file_create() refuses a size the library does not know (-EINVAL).
 */
struct vas_file_ops {
	size_t size;	/* sizeof(struct vas_file_ops) */
	/*
	 * Set up @vma for a new mapping (f_op->mmap). The VMA is not yet
	 * visible; the hook may change its flags through the vas_vma_new
	 * setters, install vm_ops and private data, insert pages
	 * (vas_vm_insert_page through vas_vma_as_mixedmap(vas_vma_new_ref())),
	 * or fail the mmap by returning a negative errno.
	 *
	 * As in Linux (__mmap_region), with MAP_FIXED over existing mappings
	 * the old mapping goes before the hook runs: its pages are unmapped
	 * and its close ops called, so the hook sees an empty range. If the
	 * hook fails, whatever it inserted is unmapped and the range is left
	 * empty: the old mapping does not come back (vms_abort_munmap_vmas
	 * leaves a gap once the old pages are gone). The hook is called only
	 * after every allocation the mmap needs has succeeded, so nothing
	 * fails after it; it is not called when the new range merges with a
	 * neighbour (Linux merges before it would call the hook).
	 * Context: mmap lock held for write. May be NULL: the file cannot
	 * be mapped (mmap fails with -ENODEV, as without f_op->mmap).
	 */
	int (*mmap)(struct vas_file *file, struct vas_vma_new *vma);
	/* The last reference went away. May be NULL. */
	void (*release)(struct vas_file *file);
};

/*
 * Initialisers that set the size member and then the given fields:
 *
 *	static const struct vas_vm_ops my_vm_ops =
 *		VAS_VM_OPS_INIT(.close = my_close, .name = my_name);
 *	static const struct vas_file_ops my_fops = VAS_FILE_OPS_INIT(.mmap = my_mmap);
 */
#define VAS_VM_OPS_INIT(...)                                                  \
	{ .size = sizeof(struct vas_vm_ops), __VA_ARGS__ }
#define VAS_FILE_OPS_INIT(...)                                                \
	{ .size = sizeof(struct vas_file_ops), __VA_ARGS__ }

/**
 * vas_file_open_host() - A file backed by the host file open on @fd.
 * @fd:   host descriptor; vas keeps its own duplicate.
 * @mode: VAS_FMODE_READ and/or VAS_FMODE_WRITE: what the file may do (its
 *        mappings, fread, writeback); @fd must allow it (O_RDWR allows
 *        either, O_RDONLY only reading, O_WRONLY only writing).
 * @name: the name maps and smaps print for its mappings; copied. May be
 *        NULL: the empty name.
 * Context: any; may allocate. Lifetime: the file holds one reference for
 * the caller (vas_file_put()); @fd stays the caller's.
 * Return: 0; -EINVAL for an empty or unknown @mode; -EBADF when @fd is
 * not an open descriptor, is an O_PATH one, or lacks an access @mode asks
 * for (as read(2) or write(2) on it would fail); -ENOMEM. Nothing is
 * allocated on failure.
 */
VAS_API int vas_file_open_host(struct vas_machine *machine, int fd, int mode,
			       const char *name, struct vas_file **out)
	VAS_MUST_CHECK;

/**
 * vas_file_create() - A driver file with @ops and private data @priv.
 * @ops:  the file's operations; must stay valid as long as the file.
 *        NULL, or a @ops->size the library does not know, is refused
 *        with -EINVAL.
 * @priv: any value, NULL included; vas only hands it back
 *        (vas_file_private()).
 * @name: as for vas_file_open_host(): may be NULL, the empty name.
 * Context: any; may allocate. Return: 0, -EINVAL (@ops NULL or of an
 * unknown size, or @mode with bits other than VAS_FMODE_*), or -ENOMEM.
 */
VAS_API int vas_file_create(struct vas_machine *machine,
			    const struct vas_file_ops *ops, void *priv, int mode,
			    const char *name, struct vas_file **out)
	VAS_MUST_CHECK;

/** vas_file_get() - Take a reference. Context: caller holds one. */
VAS_API struct vas_file *vas_file_get(struct vas_file *file);
/**
 * vas_file_put() - Drop a reference; the last one releases the file.
 * NULL is a no-op. Context: no mmap lock held (the last put writes dirty
 * pages back and calls ops->release).
 */
VAS_API void vas_file_put(struct vas_file *file);
/** vas_file_private() - The driver's @priv. Lifetime: that of @file. */
VAS_API void *vas_file_private(const struct vas_file *file);
/** vas_file_name() - The name given at creation. Lifetime: that of @file. */
VAS_API const char *vas_file_name(const struct vas_file *file);
/** vas_file_mode() - VAS_FMODE_* bits. */
VAS_API int vas_file_mode(const struct vas_file *file);

/**
 * vas_file_truncate() - ftruncate(2) of a host file: the page cache and
 * every mapping past the new end go (later accesses there SIGBUS); growing
 * reads zeros. Context: no mmap lock held (mappings are zapped).
 * Return: 0, -EINVAL (not a host file, negative size), or the host errno.
 */
VAS_API int vas_file_truncate(struct vas_file *file, off_t size)
	VAS_MUST_CHECK;

/**
 * vas_file_set_size() - The host file behind @file changed size outside
 * vas (another writer truncated or extended it, as truncate_setsize()
 * learns of it): cached pages and mappings past the new end go, the tail
 * of a partial last page reads zeros. The host file is not touched.
 * Context: no mmap lock held. Return: 0, or -EINVAL (not a host file,
 * negative size).
 */
VAS_API int vas_file_set_size(struct vas_file *file, off_t size) VAS_MUST_CHECK;

/**
 * vas_vma_new_set_ops() - Install @ops on a VMA in its mmap hook. @ops
 * must stay valid as long as the VMA; NULL removes them (no ops). If
 * @ops->size is not one the library knows, the mmap fails with -EINVAL
 * when the hook returns (as if the hook had failed: nothing stays mapped,
 * no vm_ops callback is made).
 * Context: inside the mmap hook that received @vma.
 */
VAS_API void vas_vma_new_set_ops(struct vas_vma_new *vma,
				 const struct vas_vm_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* VAS_FILE_H */
