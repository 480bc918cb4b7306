// SPDX-License-Identifier: MIT
/* file.c - vas_file objects: creation, references, host metadata. */
#define _GNU_SOURCE	/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "base/abi.h"
#include "base/alloc.h"
#include "base/bug.h"
#include "base/stats.h"
#include "host/host.h"
#include "page/file.h"
#include "page/page.h"

static struct vas_file *file_alloc(struct frames *frames,
				   struct vas_machine *machine,
				   enum vas_file_kind kind, int mode,
				   const char *name)
{
	struct vas_file *f = vas_zalloc(sizeof(*f), VAS_FP_MISC);
	size_t n = strlen(name ? name : "") + 1;

	if (!f)
		return NULL;
	f->name = vas_alloc(n, VAS_FP_MISC);
	if (!f->name) {
		vas_free(f);
		return NULL;
	}
	memcpy(f->name, name ? name : "", n);
	f->refcount = 1;
	f->kind = kind;
	f->mode = mode;
	f->host_fd = -1;
	f->wb_fd = -1;
	f->frames = frames;
	f->machine = machine;
	filemap_init(&f->f_mapping, 0);
	return f;
}

/* Take a reference unless the count already reached zero. */
static bool file_get_unless_zero(struct vas_file *f)
{
	int old = __atomic_load_n(&f->refcount, __ATOMIC_RELAXED);

	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&f->refcount, &old, old + 1, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

/*
 * Share the page cache of the description of the same inode opened first
 * (Linux's per-inode cache), or become that owner. A writable newcomer
 * lends a read-only owner a descriptor for writeback.
 */
static void inode_attach(struct vas_file *f)
{
	struct vas_mutex *lock = frames_inode_lock(f->frames);
	struct vas_file **inodes = frames_inodes(f->frames), *o;

	vas_mutex_lock(lock);
	for (o = *inodes; o; o = o->inode_next)
		if (o->dev == f->dev && o->ino == f->ino &&
		    file_get_unless_zero(o))
			break;
	if (o) {
		f->inode_owner = o;
		if (!(o->mode & VAS_FMODE_WRITE) && (f->mode & VAS_FMODE_WRITE) &&
		    __atomic_load_n(&o->wb_fd, __ATOMIC_RELAXED) < 0)
			__atomic_store_n(&o->wb_fd,
					 host_dup_cloexec(f->host_fd),
					 __ATOMIC_RELEASE);
	} else {
		f->inode_next = *inodes;
		*inodes = f;
	}
	vas_mutex_unlock(lock);
}

static void inode_detach(struct vas_file *f)
{
	struct vas_mutex *lock = frames_inode_lock(f->frames);
	struct vas_file **pp;

	if (f->kind != VAS_FILE_HOST || f->inode_owner)
		return;
	vas_mutex_lock(lock);
	for (pp = frames_inodes(f->frames); *pp; pp = &(*pp)->inode_next)
		if (*pp == f) {
			*pp = f->inode_next;
			break;
		}
	vas_mutex_unlock(lock);
}

int file_open_host(struct frames *frames, struct vas_machine *machine,
		   int fd, int mode, const char *name, struct vas_file **out)
{
	struct vas_file *f;
	struct host_stat st;
	int dup_fd, fl;

	if (!(mode & (VAS_FMODE_READ | VAS_FMODE_WRITE)) ||
	    (mode & ~(VAS_FMODE_READ | VAS_FMODE_WRITE)))
		return -EINVAL;
	fl = host_fcntl_getfl(fd);
	if (fl < 0 || host_fstat(fd, &st))
		return -EBADF;
	/*
	 * The description may do only what @fd may: reading needs a
	 * readable descriptor (page-cache fills, fread), writing a writable
	 * one (writeback); else -EBADF, as read(2) or write(2) on @fd.
	 */
	if ((fl & O_PATH) ||
	    ((mode & VAS_FMODE_READ) && (fl & O_ACCMODE) == O_WRONLY) ||
	    ((mode & VAS_FMODE_WRITE) && (fl & O_ACCMODE) == O_RDONLY))
		return -EBADF;
	f = file_alloc(frames, machine, VAS_FILE_HOST, mode, name);
	if (!f)
		return -ENOMEM;
	dup_fd = host_dup_cloexec(fd);
	if (dup_fd < 0) {
		filemap_release(f);
		vas_free(f->name);
		vas_free(f);
		return -EBADF;
	}
	f->host_fd = dup_fd;
	f->f_mapping.i_size = st.size;	/* not yet shared */
	f->dev = st.dev;
	f->ino = st.ino;
	inode_attach(f);
	*out = f;
	return 0;
}

int file_create_driver(struct frames *frames, struct vas_machine *machine,
		       const struct vas_file_ops *ops, void *priv, int mode,
		       const char *name, struct vas_file **out)
{
	struct vas_file *f;

	if (!ops || !file_ops_size_ok(ops) ||
	    (mode & ~(VAS_FMODE_READ | VAS_FMODE_WRITE)))
		return -EINVAL;
	f = file_alloc(frames, machine, VAS_FILE_DRIVER, mode, name);
	if (!f)
		return -ENOMEM;
	f->ops = ops;
	f->priv = priv;
	*out = f;
	return 0;
}

struct vas_file *shmem_file_setup(struct frames *frames,
				  struct vas_machine *machine,
				  unsigned long size)
{
	struct vas_file *f = file_alloc(frames, machine, VAS_FILE_SHMEM,
					VAS_FMODE_READ | VAS_FMODE_WRITE,
					"/dev/zero (deleted)");

	if (f)
		f->f_mapping.i_size = (loff_t)size;	/* fixed */
	return f;
}

struct vas_file *vas_file_get(struct vas_file *file)
{
	int old = __atomic_fetch_add(&file->refcount, 1, __ATOMIC_RELAXED);

	VAS_BUG_ON(old <= 0);
	return file;
}

void vas_file_put(struct vas_file *file)
{
	int left;

	if (!file)
		return;
	left = __atomic_sub_fetch(&file->refcount, 1, __ATOMIC_ACQ_REL);
	VAS_BUG_ON(left < 0);
	if (left)
		return;
	if (file->kind == VAS_FILE_DRIVER && file->ops->release)
		file->ops->release(file);
	inode_detach(file);
	filemap_release(file);	/* writes dirty pages back first */
	if (file->host_fd >= 0)
		host_close(file->host_fd);
	if (file->wb_fd >= 0)
		host_close(file->wb_fd);
	vas_file_put(file->inode_owner);	/* a sharer's reference */
	vas_free(file->name);
	vas_free(file);
}

struct vas_file *vma_file_get(struct vas_file *file)
{
	__atomic_add_fetch(&file->nr_vmas, 1, __ATOMIC_RELAXED);
	return vas_file_get(file);
}

void vma_file_put(struct vas_file *file)
{
	long left = __atomic_sub_fetch(&file->nr_vmas, 1, __ATOMIC_ACQ_REL);

	VAS_BUG_ON(left < 0);
	if (!left && file->kind == VAS_FILE_HOST &&
	    filemap_write_and_wait_range(file, 0, LLONG_MAX))
		stats_add(frames_vstats(file->frames), VAS_STAT_WRITEBACK_ERROR, 1);
	vas_file_put(file);
}

void *vas_file_private(const struct vas_file *file)
{
	return file->priv;
}

const char *vas_file_name(const struct vas_file *file)
{
	return file->name;
}

int vas_file_mode(const struct vas_file *file)
{
	return file->mode;
}

bool vas__file_is_shmem(const struct vas_file *file)
{
	return file && file->kind == VAS_FILE_SHMEM;
}

int vas__file_host_stat(const struct vas_file *file, unsigned long *dev_major,
			unsigned long *dev_minor, unsigned long *ino)
{
	struct host_stat st;

	if (!file || file->kind != VAS_FILE_HOST ||
	    host_fstat(file->host_fd, &st))
		return -EINVAL;
	*dev_major = st.dev_major;
	*dev_minor = st.dev_minor;
	*ino = st.ino;
	return 0;
}
