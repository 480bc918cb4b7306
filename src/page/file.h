/* SPDX-License-Identifier: MIT */
/*
 * file.h (internal) - struct vas_file: an open file description that
 * address spaces map. Host-backed (a duplicate of a host descriptor),
 * driver (an ops table with an mmap hook), or the shmem object behind a
 * shared anonymous mapping.
 */
#ifndef VAS_MEM_FILE_H
#define VAS_MEM_FILE_H

#include <vas/file.h>
#include "base/compiler.h"
#include "page/filemap.h"

enum vas_file_kind {
	VAS_FILE_HOST,
	VAS_FILE_DRIVER,
	VAS_FILE_SHMEM,
};

/*
 * Locking key: (c) constant after creation, (a) atomic; f_mapping has its
 * own key (page/filemap.h).
 */
struct vas_file {
	int refcount;				/* (a) */
	enum vas_file_kind kind;		/* (c) */
	int mode;				/* (c) VAS_FMODE_* */
	int host_fd;				/* (c) VAS_FILE_HOST, else -1 */
	const struct vas_file_ops *ops;		/* (c) VAS_FILE_DRIVER */
	void *priv;				/* (c) */
	struct frames *frames;			/* (c) the machine's memory */
	struct vas_machine *machine;		/* (c) the owner (opaque here) */
	char *name;				/* (c) */
	struct address_space f_mapping;		/* the page cache: i_size,
						 * index, page states */
	/* VMAs that map this file (i_mmap's count); writeback at the last. */
	long nr_vmas;				/* (a) */
	/*
	 * Linux keeps one page cache per inode, shared by every open file
	 * description of it. vas: the first description of a host inode
	 * opened on a machine owns the cache; later ones point at it here
	 * (holding a reference) and every page-cache call goes to it
	 * (filemap.c cache_of()). NULL: this file owns its cache. (c)
	 */
	struct vas_file *inode_owner;
	unsigned long dev, ino;			/* (c) host files */
	struct vas_file *inode_next;		/* (L: frames_inode_lock) */
	/* An owner opened read-only writes back through a writable
	 * description's descriptor, duplicated here; -1: none. (a) */
	int wb_fd;
};

/* The file that owns @f's page cache (see inode_owner). */
static inline struct vas_file *cache_of(struct vas_file *f)
{
	return f->inode_owner ? f->inode_owner : f;
}

/**
 * vma_file_get() - A VMA takes @file: a reference and a count in nr_vmas.
 * Context: mmap lock held for write (or a VMA not yet visible).
 */
struct vas_file *vma_file_get(struct vas_file *file);

/**
 * vma_file_put() - A VMA lets go of @file. When the last VMA mapping a host
 * file goes (munmap of the last mapping), its dirty pages are written back
 * (errors are lost, as for a writeback error nobody waits on).
 * Context: may block (host I/O); no page-table lock held.
 */
void vma_file_put(struct vas_file *file);

/**
 * shmem_file_setup() - The shmem object of a new shared anonymous mapping
 * of @size bytes ("/dev/zero (deleted)" in maps). Context: may allocate.
 * Return: the file with one reference, or NULL.
 */
struct vas_file *shmem_file_setup(struct frames *frames,
				  struct vas_machine *machine,
				  unsigned long size);

/**
 * file_open_host() - vas_file_open_host() on the pool @frames of @machine
 * (include/vas/file.h has the contract; mmap/file.c the public call).
 * file_create_driver() - vas_file_create() likewise.
 */
int file_open_host(struct frames *frames, struct vas_machine *machine,
		   int fd, int mode, const char *name, struct vas_file **out)
	VAS_MUST_CHECK;
int file_create_driver(struct frames *frames, struct vas_machine *machine,
		       const struct vas_file_ops *ops, void *priv, int mode,
		       const char *name, struct vas_file **out) VAS_MUST_CHECK;

/** vas__file_is_shmem() - Whether @file backs a shared anonymous mapping. */
bool vas__file_is_shmem(const struct vas_file *file);

/**
 * vas__file_host_stat() - Device numbers and inode of a host-backed file,
 * for maps. Return: 0, or -EINVAL for other kinds (they print 00:00 0).
 */
int vas__file_host_stat(const struct vas_file *file, unsigned long *dev_major,
			unsigned long *dev_minor, unsigned long *ino);

/** file_has_mmap() - Whether mapping @file is possible (f_op->mmap). */
static inline bool file_has_mmap(const struct vas_file *file)
{
	return file->kind != VAS_FILE_DRIVER || file->ops->mmap;
}

#endif /* VAS_MEM_FILE_H */
