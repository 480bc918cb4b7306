// SPDX-License-Identifier: MIT
/*
 * scratch.c - the scratch folder and the script's files, for every runner.
 */
#define _GNU_SOURCE 1
#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"

/* ---- removal on signals ------------------------------------------------ */

/*
 * The scratch folders of the process that made them (@live_owner), for
 * the signal handlers. Changed only with the handled signals blocked, so a
 * handler sees every path either whole or not at all.
 */
#define MAX_LIVE 4
static struct vasctl_scratch *live[MAX_LIVE];
static pid_t live_owner;
static volatile pid_t forward_child;

static const int handled[] = {SIGINT,  SIGTERM, SIGHUP,	 SIGQUIT, SIGSEGV,
			      SIGBUS,  SIGILL,	SIGFPE,	 SIGABRT};
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))
static struct sigaction previous[NHANDLED];

static void block_handled(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NHANDLED; i++)
		sigaddset(&set, handled[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_mask(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * remove_tree() - Remove the folder @dir and the files in it, whoever made
 * them (the kernel runner's files are made by its child process, whose
 * paths this process never learns). Async-signal-safe: system calls only.
 */
static void remove_tree(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int pass;

	/* a scan that unlinks may skip entries: scan until the folder goes */
	for (pass = 0; fd >= 0 && pass < 8; pass++) {
		char buf[4096];

		lseek(fd, 0, SEEK_SET);
		for (;;) {
			long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
			long off = 0;

			if (n <= 0)
				break;
			while (off < n) {
				/* struct linux_dirent64: d_reclen at 16, d_name at 19 */
				unsigned short reclen;
				const char *name = buf + off + 19;

				memcpy(&reclen, buf + off + 16, sizeof(reclen));
				if (strcmp(name, ".") && strcmp(name, ".."))
					unlinkat(fd, name, 0);
				off += reclen;
			}
		}
		if (!rmdir(dir) || errno != ENOTEMPTY)
			break;
	}
	if (fd >= 0)
		close(fd);
	else
		rmdir(dir);
}

/* Remove @s's files and folder; async-signal-safe. */
static void remove_scratch(const struct vasctl_scratch *s)
{
	remove_tree(s->dir);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	pid_t child = forward_child;
	size_t i;

	(void)uc;
	if (child > 0) {
		kill(child, sig == SIGINT || sig == SIGTERM || sig == SIGHUP ||
				    sig == SIGQUIT
				? sig
				: SIGTERM);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (getpid() == live_owner)
		for (i = 0; i < MAX_LIVE; i++)
			if (live[i])
				remove_scratch(live[i]);
	for (i = 0; i < NHANDLED; i++)
		if (handled[i] == sig)
			sigaction(sig, &previous[i], NULL);
	errno = saved;
	/*
	 * A fault (si_code > 0 for SIGSEGV, SIGBUS, SIGILL, SIGFPE) comes
	 * back when the instruction runs again, to the previous handler; a
	 * signal that was sent is sent again, and arrives when this returns.
	 */
	if (si && si->si_code > 0 && sig != SIGABRT && sig != SIGINT &&
	    sig != SIGTERM && sig != SIGHUP && sig != SIGQUIT)
		return;
	raise(sig);
}

void vasctl_scratch_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NHANDLED; i++)
		sigaddset(&sa.sa_mask, handled[i]);
	for (i = 0; i < NHANDLED; i++) {
		if (sigaction(handled[i], NULL, &previous[i]))
			continue;
		if (!(previous[i].sa_flags & SA_SIGINFO) &&
		    previous[i].sa_handler == SIG_IGN)
			continue;	/* ignored (nohup): leave it so */
		sigaction(handled[i], &sa, NULL);
	}
}

pid_t vasctl_scratch_forward(pid_t child)
{
	pid_t prev = forward_child;

	forward_child = child;
	return prev;
}

/* At exit: what a path that skipped vasctl_scratch_destroy() left. */
static void remove_live(void)
{
	sigset_t old;
	size_t i;

	block_handled(&old);
	if (getpid() == live_owner)
		for (i = 0; i < MAX_LIVE; i++)
			if (live[i])
				remove_scratch(live[i]);
	restore_mask(&old);
}

static void live_add(struct vasctl_scratch *s)
{
	static bool registered;
	sigset_t old;
	size_t i;

	if (!registered && !atexit(remove_live))
		registered = true;
	block_handled(&old);
	if (live_owner != getpid()) {	/* a forked child starts afresh */
		memset(live, 0, sizeof(live));
		live_owner = getpid();
	}
	for (i = 0; i < MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = s;
			break;
		}
	restore_mask(&old);
}

static void live_del(struct vasctl_scratch *s)
{
	size_t i;

	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] == s)
			live[i] = NULL;
}

/* ---- removal after SIGKILL: the watcher ------------------------------- */

/*
 * A signal handler cannot run on SIGKILL. So the first scratch folder a
 * process makes also starts a watcher: a process of its own (forked twice,
 * so no one has to reap it) that holds one end of a socket pair and learns
 * each folder the process makes ('+' records) and removes cleanly ('-').
 * The other end is held by the process and, inherited, by every process
 * it forks (the kernel runner's child, the script's child), so the
 * watcher reads end-of-file only when all of them are gone, however they
 * ended; it then removes the folders still listed and exits. The watcher
 * ignores the terminal's signals (SIGINT, SIGHUP, ...): it has to outlive
 * the process group they kill.
 */
struct watch_rec {
	char op;			/* '+' made, '-' removed */
	char dir[sizeof(((struct vasctl_scratch *)0)->dir)];
};

static int watch_fd = -1;
static pid_t watch_owner;

/* The watcher's life: collect records until end-of-file, then clean up. */
static void __attribute__((noreturn)) watcher_main(int fd)
{
	static const int quiet[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
	struct watch_rec rec, *dirs = NULL;
	size_t n = 0, cap = 0, i;
	sigset_t none;
	int null;

	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "vasctl-scratch", 0, 0, 0);
	/* hold nothing of the process's: no pipe of a reader stays open */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 3)
			close(null);
	}
	/* only so as not to hold the folder it started in */
	(void)!chdir("/");
	for (;;) {
		size_t got = 0;

		memset(&rec, 0, sizeof(rec));
		while (got < sizeof(rec)) {
			ssize_t r = read(fd, (char *)&rec + got,
					 sizeof(rec) - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto done;
			got += (size_t)r;
		}
		rec.dir[sizeof(rec.dir) - 1] = '\0';
		if (rec.op == '+') {
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 4;
				struct watch_rec *nd =
				    realloc(dirs, ncap * sizeof(*nd));

				if (!nd) {	/* cannot list it: remove at once */
					remove_tree(rec.dir);
					continue;
				}
				dirs = nd;
				cap = ncap;
			}
			dirs[n++] = rec;
		} else {
			for (i = 0; i < n; i++)
				if (!strcmp(dirs[i].dir, rec.dir)) {
					dirs[i] = dirs[--n];
					break;
				}
		}
	}
done:
	for (i = 0; i < n; i++)
		remove_tree(dirs[i].dir);
	_exit(0);
}

/* Start this process's watcher, unless it runs. Return: 0, or -errno. */
static int watch_start(void)
{
	int sv[2], status;
	pid_t pid;

	if (watch_owner == getpid() && watch_fd >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	if (pid == 0) {
		close(sv[1]);
		if (fork() == 0)
			watcher_main(sv[0]);
		_exit(0);
	}
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* a forked process keeps its parent's watcher's end: do not close it */
	watch_fd = sv[1];
	watch_owner = getpid();
	return 0;
}

/* Tell the watcher that @dir was made (@op '+') or removed ('-'). */
static int watch_send(char op, const char *dir)
{
	struct watch_rec rec;
	const char *p = (const char *)&rec;
	size_t done = 0;

	if (watch_owner != getpid() || watch_fd < 0)
		return -ENOTCONN;
	memset(&rec, 0, sizeof(rec));
	rec.op = op;
	snprintf(rec.dir, sizeof(rec.dir), "%s", dir);
	while (done < sizeof(rec)) {
		ssize_t w = send(watch_fd, p + done, sizeof(rec) - done,
				 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

/* ---- the folder and its files ---------------------------------------- */

int vasctl_scratch_init(struct vasctl_scratch *s, size_t nfiles)
{
	const char *parent = getenv("VAS_SCRATCH_DIR");
	char real[PATH_MAX];
	size_t i;
	int n, err;

	memset(s, 0, sizeof(*s));
	s->files = calloc(nfiles + 1, sizeof(*s->files));
	if (!s->files) {
		fprintf(stderr, "vasctl: out of memory\n");
		return VASCTL_EFATAL;
	}
	s->nfiles = nfiles;
	for (i = 0; i < nfiles; i++)
		s->files[i].fd = -1;
	if (!parent || !*parent)
		parent = VASCTL_SCRATCH_PARENT;
	/* the real path: the kernel runner finds it again in smaps */
	if (!realpath(parent, real)) {
		fprintf(stderr, "vasctl: no scratch folder: %s: %s\n", parent,
			strerror(errno));
		goto fail;
	}
	n = snprintf(s->dir, sizeof(s->dir), "%s/%s", real,
		     VASCTL_SCRATCH_NAME);
	if (n < 0 || (size_t)n >= sizeof(s->dir)) {
		fprintf(stderr, "vasctl: no scratch folder: %s: %s\n", real,
			strerror(ENAMETOOLONG));
		goto fail;
	}
	err = watch_start();
	if (err) {
		fprintf(stderr, "vasctl: no scratch folder: the watcher: %s\n",
			strerror(-err));
		goto fail;
	}
	{
		sigset_t old;
		char *made;

		block_handled(&old);
		made = mkdtemp(s->dir);
		restore_mask(&old);
		if (!made) {
			fprintf(stderr, "vasctl: no scratch folder: %s: %s\n",
				s->dir, strerror(errno));
			goto fail;
		}
	}
	live_add(s);
	err = watch_send('+', s->dir);
	if (err) {
		fprintf(stderr, "vasctl: no scratch folder: the watcher: %s\n",
			strerror(-err));
		vasctl_scratch_destroy(s);
		return VASCTL_EFATAL;
	}
	return 0;
fail:
	free(s->files);
	s->files = NULL;
	return VASCTL_EFATAL;
}

int vasctl_scratch_room(const struct vasctl_scratch *s, uint64_t bytes)
{
	const char *fake = getenv("VAS_TEST_SCRATCH_FREE");
	uint64_t avail;
	struct statvfs v;

	if (!bytes)
		return 0;
	if (fake && *fake) {
		avail = strtoull(fake, NULL, 0);
	} else if (statvfs(s->dir, &v)) {
		fprintf(stderr, "vasctl: %s: %s\n", s->dir, strerror(errno));
		return VASCTL_EFATAL;
	} else {
		avail = (uint64_t)v.f_bavail * v.f_frsize;
	}
	if (avail >= VASCTL_SCRATCH_MARGIN &&
	    bytes <= avail - VASCTL_SCRATCH_MARGIN)
		return 0;
	fprintf(stderr,
		"vasctl: the script's files need %" PRIu64 " bytes, and the "
		"scratch file system has %" PRIu64 " free, of which vasctl "
		"leaves 64M\n",
		bytes, avail);
	return VASCTL_EFATAL;
}

/*
 * $VAS_TEST_HOLD: tell the test where the scratch folder is, then wait to
 * be killed.
 */
void vasctl_scratch_hold(const struct vasctl_scratch *s)
{
	const char *fifo = getenv("VAS_TEST_HOLD");
	int fd;

	if (!fifo || !*fifo)
		return;
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	dprintf(fd, "%s\n", s->dir);
	close(fd);
	for (;;)
		pause();
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
	return __vasctl_scratch_file(s, id, name, size, seed, ro, newdesc,
				     true);
}

int __vasctl_scratch_file(struct vasctl_scratch *s, int id, const char *name,
			  uint64_t size, uint64_t seed, bool ro, bool *newdesc,
			  bool hold)
{
	struct vasctl_sfile *f = &s->files[id];
	int wfd, oldfd = f->fd;

	*newdesc = false;
	if (!f->path) {
		size_t len = strlen(s->dir) + strlen(name) + 2;
		char *path = malloc(len);
		sigset_t old;

		if (!path)
			goto fail;
		snprintf(path, len, "%s/%s", s->dir, name);
		/* the handlers see the path before the file exists */
		block_handled(&old);
		f->path = path;
		restore_mask(&old);
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
	if (hold)
		vasctl_scratch_hold(s);
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
	sigset_t old;
	size_t i;

	if (!s->files)
		return;
	block_handled(&old);
	live_del(s);
	restore_mask(&old);
	for (i = 0; i < s->nfiles; i++) {
		if (s->files[i].fd >= 0)
			close(s->files[i].fd);
		if (s->files[i].path) {
			unlink(s->files[i].path);
			free(s->files[i].path);
		}
	}
	remove_tree(s->dir);	/* and what a child process made */
	watch_send('-', s->dir);
	free(s->files);
	s->files = NULL;
}
