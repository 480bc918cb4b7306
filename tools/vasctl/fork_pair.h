/* SPDX-License-Identifier: MIT */
/*
 * fork_pair.h - the one way vasctl forks a process it talks to: the
 * isolated runner of `vasctl run`/`kernel` (interp.c) and the kernel
 * runner's `fork` child (run_kernel.c).
 */
#ifndef VASCTL_FORK_PAIR_H
#define VASCTL_FORK_PAIR_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/**
 * vasctl_fork_pair() - Fork a child joined to this process by a socket
 * pair of @type (SOCK_STREAM, SOCK_SEQPACKET; close-on-exec).
 * @type: the socket type.
 * @out:  a stream flushed before the fork, with stderr, so that what is
 *        buffered is not written twice (by the child too).
 * @sock: where this side's end of the pair goes; the other end is closed.
 *
 * Return: the child's pid in the parent, 0 in the child, or -1 when the
 * socket pair or the fork failed: said on stderr ("vasctl: socketpair:
 * ..." or "vasctl: fork: ..."), nothing left open and *@sock unset.
 */
static inline pid_t vasctl_fork_pair(int type, FILE *out, int *sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, "vasctl: socketpair: %s\n", strerror(errno));
		return -1;
	}
	fflush(out);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "vasctl: fork: %s\n", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	/* the child keeps sv[1], the parent sv[0] */
	close(sv[pid == 0 ? 0 : 1]);
	*sock = sv[pid == 0 ? 1 : 0];
	return pid;
}

#endif /* VASCTL_FORK_PAIR_H */
