// SPDX-License-Identifier: MIT
/* harness.c - registry, failure records and main() of every test binary. */
#include <stdarg.h>
#include <stdlib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include "harness.h"

#define MAX_CASES 512

static struct {
	const char *name;
	harness_fn fn;
} cases[MAX_CASES];
static int nr_cases;
static int case_failures;
static jmp_buf case_jmp;
static const char *current;

void harness_register(const char *name, harness_fn fn)
{
	if (nr_cases == MAX_CASES) {
		fprintf(stderr, "harness: too many test cases\n");
		abort();
	}
	cases[nr_cases].name = name;
	cases[nr_cases].fn = fn;
	nr_cases++;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  FAIL %s:%d [%s]: ", file, line, current ? current : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	case_failures++;
}

void harness_abort_case(void)
{
	longjmp(case_jmp, 1);
}

double harness_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t seed;

static void seed_init(void)
{
	const char *env;

	env = getenv("VAS_SEED");
	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
	}
	printf("# seed %" PRIu64 " (replay with VAS_SEED=%" PRIu64 ")\n", seed, seed);
	fflush(stdout);
}

uint64_t harness_seed(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, seed_init);
	return seed;
}

double harness_seconds(double dflt)
{
	const char *env = getenv("VAS_STRESS_SECONDS");

	if (env && *env)
		return strtod(env, NULL);
	return dflt;
}

static int passed, failed;	/* static: live across longjmp */
static int case_index;

void harness_expect_abort(const char *file, int line, void (*fn)(void),
			  const char *msg)
{
	char buf[8192];
	size_t total = 0;
	int pipefd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd)) {
		harness_fail(file, line, "pipe failed");
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	while (pid > 0 && total < sizeof(buf) - 1 &&
	       (n = read(pipefd[0], buf + total, sizeof(buf) - 1 - total)) > 0)
		total += (size_t)n;
	buf[total] = 0;
	close(pipefd[0]);
	if (pid < 0) {
		harness_fail(file, line, "fork failed");
		return;
	}
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		harness_fail(file, line, "child did not abort (status %#x)", status);
	if (!strstr(buf, msg))
		harness_fail(file, line, "child's report lacks \"%s\"; it said: %s",
			     msg, buf);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (case_index = 0; case_index < nr_cases; case_index++) {
		int i = case_index;

		if (filter && !strstr(cases[i].name, filter))
			continue;
		current = cases[i].name;
		case_failures = 0;
		if (setjmp(case_jmp) == 0)
			cases[i].fn();
		if (case_failures) {
			printf("not ok %d - %s\n", i + 1, cases[i].name);
			failed++;
		} else {
			printf("ok %d - %s\n", i + 1, cases[i].name);
			passed++;
		}
	}
	current = NULL;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
