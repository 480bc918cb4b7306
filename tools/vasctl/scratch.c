// SPDX-License-Identifier: MIT
/*
 * scratch.c - the scratch folder and the script's files, for every runner.
 */
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "backend.h"

int vasctl_scratch_init(struct vasctl_scratch *s, size_t nfiles)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->files = calloc(nfiles + 1, sizeof(*s->files));
	if (!s->files) {
		fprintf(stderr, "vasctl: out of memory\n");
		return VASCTL_EFATAL;
	}
	s->nfiles = nfiles;
	for (i = 0; i < nfiles; i++)
		s->files[i].fd = -1;
	memcpy(s->dir, VASCTL_SCRATCH_TEMPLATE, sizeof(VASCTL_SCRATCH_TEMPLATE));
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "vasctl: no scratch folder: %s: %s\n",
			VASCTL_SCRATCH_TEMPLATE, strerror(errno));
		free(s->files);
		s->files = NULL;
		return VASCTL_EFATAL;
	}
	return 0;
}

/* Truncate @fd to 0 bytes, then write the contents of a `file`. */
static int write_contents(int fd, uint64_t size, uint64_t seed)
{
	unsigned char buf[1 << 14];
	uint64_t off = 0;

	if (ftruncate(fd, 0))
		return -1;
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off)
						    : sizeof(buf);
		size_t i;
		ssize_t w;

		for (i = 0; i < n; i++)
			buf[i] = (unsigned char)((off + i) * 131 + seed);
		w = pwrite(fd, buf, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
	}
	return 0;
}

int vasctl_scratch_file(struct vasctl_scratch *s, int id, const char *name,
			uint64_t size, uint64_t seed, bool ro, bool *newdesc)
{
	struct vasctl_sfile *f = &s->files[id];
	int wfd, oldfd = f->fd;

	*newdesc = false;
	if (!f->path) {
		size_t len = strlen(s->dir) + strlen(name) + 2;

		f->path = malloc(len);
		if (!f->path)
			goto fail;
		snprintf(f->path, len, "%s/%s", s->dir, name);
		wfd =
		    open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} else {
		/* A read-only description cannot write: use a second one. */
		wfd = f->ro ? open(f->path, O_RDWR | O_CLOEXEC) : f->fd;
	}
	if (wfd < 0 || write_contents(wfd, size, seed))
		goto fail;
	if (ro) {
		f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0)
			goto fail;
		close(wfd);
	} else {
		f->fd = wfd;
	}
	if (oldfd >= 0 && oldfd != f->fd && oldfd != wfd)
		close(oldfd);
	f->ro = ro;
	*newdesc = f->fd != oldfd;
	return 0;
fail:
	fprintf(stderr, "vasctl: file %s: %s\n", name, strerror(errno));
	return VASCTL_EFATAL;
}

int vasctl_scratch_fread(const struct vasctl_scratch *s, int id,
			 uint64_t offset, uint64_t len, uint64_t *fnvp)
{
	unsigned char buf[VASCTL_FREAD_CHUNK];
	uint64_t h = VASCTL_FNV_BASIS;

	while (len) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t r = pread(s->files[id].fd, buf, want, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		h = vasctl_fnv1a(h, buf, (size_t)r);
		offset += (uint64_t)r;
		len -= (uint64_t)r;
	}
	*fnvp = h;
	return 0;
}

void vasctl_scratch_destroy(struct vasctl_scratch *s)
{
	size_t i;

	if (!s->files)
		return;
	for (i = 0; i < s->nfiles; i++) {
		if (s->files[i].fd >= 0)
			close(s->files[i].fd);
		if (s->files[i].path) {
			unlink(s->files[i].path);
			free(s->files[i].path);
		}
	}
	rmdir(s->dir);
	free(s->files);
	s->files = NULL;
}
