// SPDX-License-Identifier: MIT
/*
 * smaps.c - the /proc/PID/smaps parser (smaps.h).
 */
#define _GNU_SOURCE 1
#include "smaps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read all of @path into @buf, NUL-terminated. Return: 0 or -errno. */
static int read_all(const char *path, struct backend_smaps_buf *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (buf->cap - len < 65536) {
			size_t cap = buf->cap ? buf->cap * 2 : 1 << 20;
			char *b = realloc(buf->p, cap);

			if (!b) {
				close(fd);
				return -ENOMEM;
			}
			buf->p = b;
			buf->cap = cap;
		}
		r = read(fd, buf->p + len, buf->cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf->p[len] = '\0';
	return 0;
}

static uint64_t field_kb(const char *line)
{
	return strtoull(line + strcspn(line, "0123456789"), NULL, 10);
}

int backend_smaps_walk(const char *path, struct backend_smaps_buf *buf,
		       uint64_t lo, uint64_t hi, backend_smaps_fn fn,
		       void *arg)
{
	struct backend_smaps_vma v;
	bool in = false;
	char *line, *next;
	int err = read_all(path, buf);

	if (err)
		return err;
	for (line = buf->p; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		/* field lines start with a capital, headers with [0-9a-f] */
		if (*line >= 'A' && *line <= 'Z') {
			if (!in)
				continue;
			if (!strncmp(line, "Rss:", 4)) {
				v.rss_kb = field_kb(line);
			} else if (!strncmp(line, "Anonymous:", 10)) {
				v.anon_kb = field_kb(line);
			} else if (!strncmp(line, "Swap:", 5)) {
				v.swap_kb = field_kb(line);
			} else if (!strncmp(line, "Locked:", 7)) {
				v.locked_kb = field_kb(line);
			} else if (!strncmp(line, "VmFlags:", 8)) {
				in = false;
				v.vmflags = line + 8;
				err = fn(arg, &v);
				if (err)
					return err;
			}
			continue;
		}
		/* a header: "start-end perms offset dev inode path" */
		{
			unsigned long long s, e, off;
			unsigned long ino;
			char *p;
			int pos = 0;

			in = false;
			/* most VMAs are outside the window: look first */
			s = strtoull(line, &p, 16);
			if (p == line || *p != '-' || s >= hi ||
			    strtoull(p + 1, NULL, 16) <= lo)
				continue;
			memset(&v, 0, sizeof(v));
			if (sscanf(line, "%llx-%llx %7s %llx %*s %lu %n", &s,
				   &e, v.perms, &off, &ino, &pos) < 5)
				continue;
			in = true;
			v.start = s;
			v.end = e;
			v.offset = off;
			v.ino = ino;
			v.path = pos ? line + pos : "";
		}
	}
	return 0;
}
