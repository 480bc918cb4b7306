// SPDX-License-Identifier: MIT
/*
 * test_cleanup.c - scratch folders do not outlive the process that made
 * them: vasctl (kernel, run, diff) and the property test, killed while a
 * run holds its scratch folder, leave nothing behind.
 *
 *   test_vasctl_cleanup CASE PROGRAM ARGS...
 *
 * CASE is SIGNAL (TERM, INT, HUP, SEGV, ABRT, KILL) or "exit": the program runs
 * with $VAS_SCRATCH_DIR set to a fresh folder of its own and $VAS_TEST_HOLD
 * to a FIFO; once it has written the path of its scratch folder there (and
 * so holds it, with a file in it), the test checks that the folder exists
 * and is not empty, sends the signal and checks that the program died of
 * it (or, under a sanitizer that reports the signal, at least did not
 * exit 0) and that $VAS_SCRATCH_DIR is empty. After SIGKILL no handler
 * runs: another process (vasctl's watcher) removes the folder once the
 * program and its children are gone, so the test waits until it is gone
 * (ctest's time limit fails it if it stays). "exit" runs the program
 * without $VAS_TEST_HOLD and checks only the last: a run that ends, well or
 * not, leaves nothing either.
 * Prints "N passed, N failed"; exits non-zero on a failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A sanitizer reports some signals itself and exits 1 (CMake sets it). */
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int passed, failed;

#define EXPECT(cond, ...)                                                 \
	do {                                                              \
		if (cond) {                                               \
			passed++;                                         \
		} else {                                                  \
			failed++;                                         \
			fprintf(stderr, "%s:%d: expected %s: ", __FILE__, \
				__LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

/* Entries of @dir but . and ..; -1 if it cannot be read. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int signal_of(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {{"TERM", SIGTERM}, {"INT", SIGINT},	  {"HUP", SIGHUP},
		    {"SEGV", SIGSEGV}, {"ABRT", SIGABRT}, {"QUIT", SIGQUIT},
		    {"KILL", SIGKILL}};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(name, sigs[i].name))
			return sigs[i].sig;
	return 0;
}

/*
 * Read the scratch path the program writes into @fifo (opened
 * non-blocking), while it lives. Return: 0, or -1 if it ended first.
 */
static int wait_for_hold(int fd, pid_t pid, char *path, size_t len,
			 int *status)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, path + n, len - 1 - n);

		if (r > 0) {
			n += (size_t)r;
			path[n] = '\0';
			if (strchr(path, '\n')) {
				*strchr(path, '\n') = '\0';
				return 0;
			}
			continue;
		}
		if (waitpid(pid, status, WNOHANG) == pid)
			return -1;
		usleep(10000);	/* polling, not a time limit: ctest's is */
	}
}

int main(int argc, char **argv)
{
	char parent[] = "cleanup.XXXXXX", fifo[64], path[4096];
	bool hold = argc > 1 && strcmp(argv[1], "exit");
	int sig, status = 0, fd = -1;
	pid_t pid;

	if (argc < 3 || (hold && !(sig = signal_of(argv[1])))) {
		fprintf(stderr, "usage: %s TERM|INT|HUP|SEGV|ABRT|QUIT|KILL|exit "
			"PROGRAM ARGS...\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(parent)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(fifo, sizeof(fifo), "%s.fifo", parent);
	if (hold && mkfifo(fifo, 0600)) {
		perror("mkfifo");
		return 1;
	}
	if (hold) {
		fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			perror(fifo);
			return 1;
		}
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		setenv("VAS_SCRATCH_DIR", parent, 1);
		if (hold)
			setenv("VAS_TEST_HOLD", fifo, 1);
		else
			unsetenv("VAS_TEST_HOLD");
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (hold) {
		if (wait_for_hold(fd, pid, path, sizeof(path), &status)) {
			EXPECT(0, "%s ended (status %#x) before it held a "
				  "scratch folder", argv[2], status);
		} else {
			char real[4096];

			/* it holds a folder of ours, with a file in it */
			EXPECT(realpath(parent, real) &&
				       !strncmp(path, real, strlen(real)),
			       "%s is not in %s", path, parent);
			EXPECT(entries(path) >= 1, "%s has %d entries", path,
			       entries(path));
			kill(pid, sig);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			EXPECT((WIFSIGNALED(status) && WTERMSIG(status) == sig) ||
				       (SANITIZED && WIFEXITED(status) &&
					WEXITSTATUS(status)),
			       "%s did not die of signal %d: status %#x",
			       argv[2], sig, status);
			if (sig == SIGKILL) {
				printf("waiting for %s to go\n", path);
				fflush(stdout);
				while (entries(parent) > 0)
					usleep(10000);	/* ctest's limit */
			}
		}
		close(fd);
		unlink(fifo);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	EXPECT(entries(parent) == 0, "%d entries left in %s", entries(parent),
	       parent);
	if (entries(parent) == 0)
		rmdir(parent);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
