// SPDX-License-Identifier: MIT
/*
 * main.c - the vasctl command line.
 *
 *   vasctl kernel FILE|-     run a .vas script on the host kernel
 *   vasctl run FILE|-        run it on the vas model
 *   vasctl diff FILE...      run each on both, compare, print the diffs
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "report.h"
#include "script.h"
#include "udiff.h"

/* The runners. */
enum runner {
	RUNNER_KERNEL,
	RUNNER_MODEL,
};

static void usage(FILE *f)
{
	fputs(
	    "usage: vasctl kernel|run FILE|-\n"
	    "       vasctl diff FILE...\n"
	    "\n"
	    "Runs a .vas script (see the script language spec) and prints one\n"
	    "line per statement. FILE '-' reads the script from standard "
	    "input.\n"
	    "\n"
	    "commands:\n"
	    "  kernel FILE   run the script on the host kernel with real "
	    "system calls\n"
	    "  run FILE      run the script on the vas model\n"
	    "  diff FILE...  run each script on both and compare stdout and "
	    "exit status;\n"
	    "                print a unified diff (--- kernel, +++ model) per "
	    "script\n"
	    "                that differs, then \"N passed, N failed\"\n"
	    "  --help, -h    print this help\n"
	    "\n"
	    "exit status: 0 the script ran; 1 a failure of vasctl itself; 2 "
	    "an error\n"
	    "in the script (\"error: line N: WHAT\" on stderr). diff: 0 when "
	    "every\n"
	    "script passed (both runners exit 0 with the same output), 1 "
	    "otherwise:\n"
	    "a script error fails its script.\n",
	    f);
}

/*
 * Read a whole stream into a buffer, NUL-terminated for convenience; its
 * length goes to *lenp (the stream may itself hold NUL bytes).
 */
static char *read_all(FILE *f, size_t *lenp)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t r;

		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			buf[n] = '\0';
			*lenp = n;
			break;
		}
	}
	return buf;
}

static char *load_script(const char *path, size_t *lenp)
{
	FILE *f;
	char *src;

	if (!strcmp(path, "-"))
		return read_all(stdin, lenp);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	src = read_all(f, lenp);
	fclose(f);
	return src;
}

/**
 * run_source() - Parse and run a script on one runner.
 * @src:   the script text.
 * @len:   its length in bytes.
 * @which: the runner.
 * @out:   where the results go.
 *
 * Return: the exit status (0, 1 or 2); diagnostics went to stderr.
 */
static int run_source(const char *src, size_t len, enum runner which,
		      FILE *out)
{
	struct vasctl_script script;
	struct vasctl_backend b;
	char err[512];
	int ret;

	ret = vasctl_script_parse(src, len, &script, err, sizeof(err));
	if (ret == -EINVAL) {
		fprintf(stderr, "error: %s\n", err);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "vasctl: out of memory\n");
		return 1;
	}
	if (which == RUNNER_KERNEL)
		ret = vasctl_kernel_backend_init(&b, &script);
#ifdef VASCTL_NO_MODEL
	else {
		fputs("vasctl: this vasctl was built without the vas model\n",
		      stderr);
		ret = VASCTL_EFATAL;
	}
#else
	else
		ret = vasctl_model_backend_init(&b, &script);
#endif
	if (ret) {
		vasctl_script_free(&script);
		return 1;
	}
	ret = vasctl_interp_run(&script, &b, out);
	b.destroy(b.ctx);
	vasctl_script_free(&script);
	return ret;
}

static int cmd_run(const char *path, enum runner which)
{
	char *src;
	size_t len;
	int ret;

	errno = 0;
	src = load_script(path, &len);
	if (!src) {
		fprintf(stderr, "vasctl: %s: %s\n", path,
			errno ? strerror(errno) : "cannot read");
		return 1;
	}
	ret = run_source(src, len, which, stdout);
	free(src);
	if (fflush(stdout) && ret == 0) {
		fprintf(stderr, "vasctl: writing the output: %s\n",
			strerror(errno));
		ret = 1;
	}
	return ret;
}

/*
 * What one runner did with a script: its exit status (128 + N when killed
 * by signal N), its standard output and its standard error.
 */
struct outcome {
	int status;
	char *out;
	size_t outlen;
	char *err;
};

/* Read a temporary file back from its start. */
static char *read_back(FILE *f, size_t *lenp)
{
	size_t len;

	rewind(f);
	return read_all(f, lenp ? lenp : &len);
}

/**
 * capture() - Run a script on one runner in a child process.
 * @src:   the script text.
 * @len:   its length in bytes.
 * @which: the runner.
 * @res:   receives status, stdout and stderr; free out and err.
 *
 * A child process keeps the runners apart: the kernel runner maps in the
 * process's own window, and neither can disturb the other or diff itself.
 * Return: 0, or -1 after printing why the child could not be run.
 */
static int capture(const char *src, size_t len, enum runner which,
		   struct outcome *res)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int status, ret = -1;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (!o || !e) {
		fprintf(stderr, "vasctl: tmpfile: %s\n", strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "vasctl: fork: %s\n", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (dup2(fileno(o), STDOUT_FILENO) < 0 ||
		    dup2(fileno(e), STDERR_FILENO) < 0)
			_exit(1);
		status = run_source(src, len, which, stdout);
		if (fflush(stdout) && status == 0)
			status = 1;
		fflush(stderr);
		exit(status);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "vasctl: waitpid: %s\n",
				strerror(errno));
			goto out;
		}
	}
	res->status = WIFEXITED(status) ? WEXITSTATUS(status)
					: 128 + WTERMSIG(status);
	res->out = read_back(o, &res->outlen);
	res->err = read_back(e, NULL);
	if (!res->out || !res->err) {
		fprintf(stderr, "vasctl: reading the output back failed\n");
		free(res->out);
		free(res->err);
		res->out = res->err = NULL;
		goto out;
	}
	ret = 0;
out:
	if (o)
		fclose(o);
	if (e)
		fclose(e);
	return ret;
}

/* Print a runner's standard error, each line prefixed by its name. */
static void put_stderr(const char *name, const struct outcome *r)
{
	const char *p = r->err;

	while (*p) {
		size_t n = strcspn(p, "\n");

		printf("  %s: %.*s\n", name, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* One line of text with no newline: a runner's whole standard error. */
static bool one_line(const char *s)
{
	size_t n = strcspn(s, "\n");

	return n > 0 && (s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0'));
}

/**
 * diff_one() - Compare the two runners on one script.
 * @path: the script ("-" for standard input).
 *
 * A script passes when both runners exit 0 and print the same standard
 * output. A script error (exit status 2) fails the script even when both
 * runners found it: when they report the same error after the same output,
 * the FAIL line quotes it ("FAIL path: error: line N: WHAT").
 * Return: 0 passed, 1 failed, -1 could not be run.
 */
static int diff_one(const char *path)
{
	struct outcome k, m;
	bool same_out;
	char *src;
	size_t len;
	int ret = -1, d;

	errno = 0;
	src = load_script(path, &len);
	if (!src) {
		printf("FAIL %s: %s\n", path,
		       errno ? strerror(errno) : "cannot read");
		return 1;
	}
	if (capture(src, len, RUNNER_KERNEL, &k)) {
		free(src);
		return -1;
	}
	if (capture(src, len, RUNNER_MODEL, &m)) {
		free(k.out);
		free(k.err);
		free(src);
		return -1;
	}
	free(src);
	same_out = k.outlen == m.outlen && !memcmp(k.out, m.out, k.outlen);
	if (k.status == 0 && m.status == 0 && same_out) {
		printf("ok %s\n", path);
		ret = 0;
		goto out;
	}
	if (k.status == 2 && m.status == 2 && same_out &&
	    !strcmp(k.err, m.err) && one_line(k.err)) {
		printf("FAIL %s: %.*s\n", path, (int)strcspn(k.err, "\n"),
		       k.err);
		ret = 1;
		goto out;
	}
	if (k.status != m.status || k.status != 0) {
		printf("FAIL %s: exit status kernel %d, model %d\n", path,
		       k.status, m.status);
		put_stderr("kernel", &k);
		put_stderr("model", &m);
	} else {
		printf("FAIL %s: the outputs differ\n", path);
	}
	d = vasctl_udiff(stdout, "kernel", k.out, k.outlen, "model", m.out,
			 m.outlen);
	if (d < 0) {
		fprintf(stderr, "vasctl: out of memory\n");
		goto out;
	}
	ret = 1;
out:
	free(k.out);
	free(k.err);
	free(m.out);
	free(m.err);
	return ret;
}

static int cmd_diff(int n, char **paths)
{
	int i, passed = 0, failed = 0;

	for (i = 0; i < n; i++) {
		int r = diff_one(paths[i]);

		if (r < 0)
			return 1;
		if (r)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	if (fflush(stdout)) {
		fprintf(stderr, "vasctl: writing the output: %s\n",
			strerror(errno));
		return 1;
	}
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		fputs("vasctl: missing command\n", stderr);
		usage(stderr);
		return 1;
	}
	cmd = argv[1];
	if (strcmp(cmd, "kernel") && strcmp(cmd, "run") &&
	    strcmp(cmd, "diff")) {
		fprintf(stderr, "vasctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 1;
	}
	if (!strcmp(cmd, "diff")) {
		if (argc < 3) {
			fputs("vasctl: diff takes one FILE or more\n", stderr);
			usage(stderr);
			return 1;
		}
		return cmd_diff(argc - 2, argv + 2);
	}
	if (argc != 3) {
		fprintf(stderr, "vasctl: %s takes exactly one FILE (or '-')\n",
			cmd);
		usage(stderr);
		return 1;
	}
	return cmd_run(argv[2],
		       strcmp(cmd, "kernel") ? RUNNER_MODEL : RUNNER_KERNEL);
}
