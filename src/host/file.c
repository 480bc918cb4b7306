// SPDX-License-Identifier: MIT
/*
 * file.c - host file descriptors: positioned reads and writes, hole
 * punching, truncation, stat, descriptor flags, duplication and closing.
 * Interrupted calls (EINTR) are restarted here, and nowhere else.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "host/host.h"

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

/*
 * Read (@write false) or write @len bytes at @pos, again after EINTR and
 * short transfers, until done or a transfer of 0 bytes (end of file for a
 * read). Return: the bytes transferred, or -errno.
 */
static ssize_t rw_full(int fd, void *buf, size_t len, off_t pos, bool write)
{
	size_t done = 0;

	while (done < len) {
		char *p = (char *)buf + done;
		off_t at = pos + (off_t)done;
		ssize_t n = write ? pwrite(fd, p, len - done, at)
				  : pread(fd, p, len - done, at);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t host_pread(int fd, void *buf, size_t len, off_t pos)
{
	return rw_full(fd, buf, len, pos, false);
}

int host_pwrite(int fd, const void *buf, size_t len, off_t pos)
{
	ssize_t n = rw_full(fd, (void *)buf, len, pos, true);

	if (n < 0)
		return (int)n;
	return (size_t)n < len ? -EIO : 0;	/* wrote nothing: no space */
}

int host_fallocate_punch(int fd, off_t pos, off_t len)
{
	while (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos,
			 len))
		if (errno != EINTR)
			return neg_errno();
	return 0;
}

int host_ftruncate(int fd, off_t size)
{
	while (ftruncate(fd, size))
		if (errno != EINTR)
			return neg_errno();
	return 0;
}

int host_fstat(int fd, struct host_stat *st)
{
	struct stat s;

	if (fstat(fd, &s))
		return neg_errno();
	st->size = s.st_size;
	st->dev = (unsigned long)s.st_dev;
	st->dev_major = major(s.st_dev);
	st->dev_minor = minor(s.st_dev);
	st->ino = (unsigned long)s.st_ino;
	st->mode = (unsigned int)s.st_mode;
	return 0;
}

int host_fcntl_getfl(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? neg_errno() : fl;
}

int host_dup_cloexec(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return nfd < 0 ? neg_errno() : nfd;
}

void host_close(int fd)
{
	/* Linux frees the descriptor even when close() reports EINTR. */
	close(fd);
}
