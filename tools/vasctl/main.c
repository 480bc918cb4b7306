// SPDX-License-Identifier: MIT
/*
 * main.c - the vasctl command line.
 *
 *   vasctl kernel FILE|-     run a .vas script on the host kernel
 *   vasctl run FILE|-        run it on the vas model
 *   vasctl diff FILE...      run each on both, compare, print the diffs
 *   vasctl host              print the facts of the host that matter
 *   vasctl help [CMD]        the help (also --help, -h; CMD --help, -h)
 *   vasctl --version         vas's version (also -V)
 *
 * A script error prints the spec's "error: line N: WHAT", then the same
 * error located as compilers do (vasctl_diag_print(), script.h).
 *
 * `run` gives the model the reference configuration (host.c), the one the
 * recordings were made with; `diff` gives it the facts of the host it
 * compares with.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "host.h"
#include "html.h"
#include "report.h"
#include "scratch.h"
#include "script.h"
#include "udiff.h"

/* The runners. */
enum runner {
	RUNNER_KERNEL,
	RUNNER_MODEL,
};

#ifndef VASCTL_VERSION
#define VASCTL_VERSION "unknown"
#endif

/* Pieces of the help texts, shared by the commands that take them. */
#define HELP_ZERO_PAGE                                                       \
	"  --zero-page=off    a read fault on anonymous memory allocates a "   \
	"page, as on\n"                                                       \
	"                     a kernel without the zero page; the host is "   \
	"made to\n"                                                           \
	"                     behave so (each page that maps the zero page "  \
	"after a\n"                                                           \
	"                     statement gets its own)\n"                      \
	"  --zero-page=on     a read fault maps the zero page (only on a "    \
	"host that does)\n"
#define HELP_ZERO_PAGE_MODEL                                                 \
	"  --zero-page=off    a read fault on anonymous memory allocates a "   \
	"page, as on\n"                                                       \
	"                     a kernel without the zero page\n"              \
	"  --zero-page=on     a read fault maps the zero page (the "          \
	"reference)\n"
#define HELP_ENV                                                             \
	"environment: VAS_SCRATCH_DIR, where the folder for the script's "    \
	"files is made\n"                                                     \
	"(default /var/tmp, on a disk file system); it is removed however "   \
	"vasctl ends,\n"                                                      \
	"SIGKILL included. A script's files may hold 1G in all (else a "      \
	"script error),\n"                                                    \
	"and their file system needs that much free space, plus 64M (else "   \
	"status 1).\n"
#define HELP_MEM                                                             \
	"  --mem SIZE         the model's physical memory (also --mem=SIZE): " \
	"a multiple\n"                                                        \
	"                     of 4K from 8K, K, M or G suffix as in scripts " \
	"(default\n"                                                          \
	"                     256M); a script that needs more stops with\n"   \
	"                     \"vasctl: the model ran out of memory\" "       \
	"(status 1)\n"
#define HELP_HTML                                                            \
	"  --html OUT         also write OUT, an HTML page that draws the "    \
	"address space\n"                                                     \
	"                     after each statement (docs/vasctl-html.md)\n"
#define HELP_HELP "  -h, --help         print this help and exit\n"
#define HELP_SCRIPT_STATUS                                                   \
	"exit status: 0 the script ran, whatever errnos and signals its "     \
	"statements\n"                                                        \
	"met; 1 a failure of vasctl itself, or a wrong command line; 2 an error "  \
	"in the\n"                                                            \
	"script. A script error prints \"error: line N: WHAT\" on standard "  \
	"error, then\n"                                                       \
	"the same as compilers do, \"FILE:N:COL: error: WHAT\" (FILE "       \
	"'<stdin>' for\n"                                                     \
	"'-'), the line with a caret under the word at fault, and notes: "    \
	"the words\n"                                                         \
	"accepted there and the nearest one (\"did you mean\").\n"

/* The help of each command (`vasctl CMD --help`, `vasctl help CMD`). */
static const struct {
	const char *cmd;
	const char *text;
} helps[] = {
    {"kernel",
     "usage: vasctl kernel [--zero-page=on|off] FILE|-\n"
     "\n"
     "Runs the .vas script FILE ('-': standard input) on the host kernel: "
     "each\n"
     "statement is the system call itself, made by a runner process that "
     "vasctl\n"
     "forks. Prints one line per statement as each completes "
     "(docs/script-language.md).\n"
     "A statement that kills the runner process ends the run with "
     "status 1 and\n"
     "\"vasctl: line N: 'TEXT' killed the runner (SIGSEGV)\" on stderr; "
     "the lines\n"
     "before it stand.\n"
     "\n"
     "options:\n" HELP_ZERO_PAGE HELP_HELP "\n" HELP_ENV "\n"
	 HELP_SCRIPT_STATUS},
    {"run",
     "usage: vasctl run [--host-config] [--zero-page=on|off] "
     "[--file-folio=SIZE]\n"
     "                  [--mem SIZE] [--html OUT] FILE|-\n"
     "\n"
     "Runs the .vas script FILE ('-': standard input) on the vas model, "
     "configured\n"
     "as the reference host the recordings were made on, and prints one "
     "line per\n"
     "statement, as `vasctl kernel` does on the host.\n"
     "\n"
     "options:\n"
     "  --host-config      configure the model with the facts of this "
     "host\n" HELP_ZERO_PAGE_MODEL
     "  --file-folio=SIZE  the largest page-cache folio of the script's "
     "files, 4K to\n"
     "                     2M, a power of two (reference: 16K)\n" HELP_MEM
	 HELP_HTML HELP_HELP "\n" HELP_ENV "\n" HELP_SCRIPT_STATUS},
    {"diff",
     "usage: vasctl diff [--zero-page=on|off] [--mem SIZE] FILE...\n"
     "       vasctl diff --html OUT [--zero-page=on|off] [--mem SIZE] FILE\n"
     "\n"
     "Runs each script on the host kernel and on the model, configured "
     "with the\n"
     "facts of this host, each in a child process, and compares their "
     "standard\n"
     "output and exit status. Prints \"ok FILE\", or \"FAIL FILE: WHY\" "
     "and a\n"
     "unified diff (--- kernel, +++ model); for a script error, \"FAIL "
     "FILE: error:\n"
     "line N: WHAT\" and the error's other lines, indented. Then \"N "
     "passed, N\n"
     "failed\".\n"
     "\n"
     "options:\n" HELP_ZERO_PAGE HELP_MEM HELP_HTML
     "                     (diff: one script; the kernel's and the model's "
     "address\n"
     "                     spaces side by side, the first difference "
     "marked)\n" HELP_HELP "\n" HELP_ENV
     "\n"
     "exit status: 0 every script passed (both runners exit 0 with the "
     "same\n"
     "output); 1 otherwise (a script error fails its script), or a wrong\n"
     "command line.\n"},
    {"host",
     "usage: vasctl host [--check [--zero-page=off] [FILE|-]]\n"
     "\n"
     "Prints the facts of this host that change what a script prints, "
     "one\n"
     "\"name: value\" a line (docs/machine.md).\n"
     "\n"
     "options:\n"
     "  --check [FILE|-]   print the facts in which this host differs "
     "from the\n"
     "                     reference configuration; with FILE, only those "
     "FILE's\n"
     "                     output can depend on\n"
     "  --zero-page=off    with --check: the script is to run without the "
     "zero page,\n"
     "                     which any host can do; the zero page is not "
     "compared\n" HELP_HELP
     "\n"
     "exit status: 0 the facts were printed, or --check: the host is the "
     "reference\n"
     "(for FILE); 3 --check: it differs; 2 an error in FILE; 1 a failure "
     "of vasctl\n"
     "itself, or a wrong command line.\n"},
};

static void usage(FILE *f)
{
	fputs(
	    "usage: vasctl kernel [--zero-page=on|off] FILE|-\n"
	    "       vasctl run [--host-config] [--zero-page=on|off]\n"
	    "                  [--file-folio=SIZE] [--mem SIZE] [--html OUT] "
	    "FILE|-\n"
	    "       vasctl diff [--zero-page=on|off] [--mem SIZE] FILE...\n"
	    "       vasctl diff --html OUT [--zero-page=on|off] [--mem SIZE] "
	    "FILE\n"
	    "       vasctl host [--check [--zero-page=off] [FILE|-]]\n"
	    "       vasctl help [COMMAND]\n"
	    "       vasctl --version\n"
	    "\n"
	    "Runs a .vas script and prints one line per statement. FILE '-' "
	    "reads the\n"
	    "script from standard input. The language and these commands are "
	    "described\n"
	    "in docs/script-language.md (installed in share/doc/vas/docs/).\n"
	    "\n"
	    "commands:\n"
	    "  kernel FILE     run the script on the host kernel with real "
	    "system calls\n"
	    "  run FILE        run the script on the vas model, configured as "
	    "the\n"
	    "                  reference host the recordings were made on\n"
	    "  diff FILE...    run each script on both, the model configured "
	    "with the\n"
	    "                  facts of this host, and compare stdout and exit "
	    "status\n"
	    "  host            print the facts of this host that change what a "
	    "script\n"
	    "                  prints, one \"name: value\" a line\n"
	    "  help [COMMAND]  print this help, or COMMAND's: its options and "
	    "exit status\n"
	    "                  (also vasctl COMMAND --help)\n"
	    "\n"
	    "options:\n"
	    "  -h, --help      print this help and exit\n"
	    "  -V, --version   print vasctl's version and exit\n"
	    "\n"
	    "environment:\n"
	    "  VAS_SCRATCH_DIR   where the folder for a script's files is made "
	    "(default\n"
	    "                    /var/tmp; it must be on a disk file system); "
	    "it is\n"
	    "                    removed however vasctl ends, SIGKILL "
	    "included. A script's\n"
	    "                    files may hold 1G in all (else a script "
	    "error), and their\n"
	    "                    file system needs that much free space, "
	    "plus 64M (else\n"
	    "                    status 1)\n"
	    "\n"
	    "exit status: 0 the script ran; 1 a failure of vasctl itself "
	    "(kernel: also\n"
	    "a statement that killed the runner process: \"vasctl: line N: "
	    "'TEXT' killed\n"
	    "the runner (SIGSEGV)\" on stderr); 2 an error in the script "
	    "(\"error: line N:\n"
	    "WHAT\" on stderr, then the error as FILE:N:COL with the line and "
	    "a caret).\n"
	    "diff: 0 when every script passed (both runners exit 0 with the "
	    "same output),\n"
	    "1 otherwise: a script error fails its script. host --check: 0 "
	    "when the host\n"
	    "is the reference (for FILE), 3 when it differs.\n",
	    f);
}

/* Print @cmd's help on standard output. Return: the exit status. */
static int help(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (!strcmp(cmd, helps[i].cmd)) {
			fputs(helps[i].text, stdout);
			return fflush(stdout) ? 1 : 0;
		}
	}
	fprintf(stderr, "vasctl: help: unknown command '%s'\n", cmd);
	usage(stderr);
	return 1;
}

/* A wrong command line for @cmd: @why, and where to read more. Return: 1. */
static int usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "vasctl: %s\nTry 'vasctl %s%s--help'.\n", why,
		cmd ? cmd : "", cmd ? " " : "");
	return 1;
}

/*
 * How the runners are set up (main() fills it from the command line):
 * @facts:  the facts the model is given.
 * @unzero: the kernel runner replaces the zero page (--zero-page=off).
 */
static struct {
	struct vasctl_host facts;
	bool unzero;
	const char *html;
} setup;

uint64_t vasctl_model_mem;

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
 * script_name() - The name of script @path in diagnostics.
 * @path: the command line's FILE.
 *
 * Return: @path, or "<stdin>" for "-".
 */
static const char *script_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

/**
 * parse_source() - Parse a script, printing its error if it has one.
 * @src:    the script text.
 * @len:    its length in bytes.
 * @name:   its name in diagnostics (script_name()).
 * @script: filled on success; it borrows @src and @name.
 *
 * Return: 0, or the exit status after printing why not (2 a script error,
 * 1 out of memory).
 */
static int parse_source(const char *src, size_t len, const char *name,
			struct vasctl_script *script)
{
	struct vasctl_diag d;
	int ret = vasctl_script_parse_diag(src, len, script, &d);

	if (ret == -EINVAL) {
		vasctl_diag_print(stderr, name, src, len, &d);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "vasctl: out of memory\n");
		return 1;
	}
	script->name = name;
	return 0;
}

/**
 * run_source() - Parse and run a script on one runner.
 * @src:   the script text.
 * @len:   its length in bytes.
 * @name:  its name in diagnostics (script_name()).
 * @which: the runner.
 * @out:   where the results go.
 * @frames: NULL, or where vasctl_html_run() puts a frame a statement.
 *
 * Return: the exit status (0, 1 or 2); diagnostics went to stderr.
 */
static int run_source(const char *src, size_t len, const char *name,
		      enum runner which, FILE *out, FILE *frames)
{
	struct vasctl_script script;
	struct vasctl_backend b;
	int ret;

	ret = parse_source(src, len, name, &script);
	if (ret)
		return ret;
	if (which == RUNNER_KERNEL)
		ret = vasctl_kernel_backend_init(&b, &script, setup.unzero);
#ifdef VASCTL_NO_MODEL
	else {
		fputs("vasctl: this vasctl was built without the vas model\n",
		      stderr);
		ret = VASCTL_EFATAL;
	}
#else
	else
		ret = vasctl_model_backend_init(&b, &script, &setup.facts);
#endif
	if (ret) {
		vasctl_script_free(&script);
		return 1;
	}
	ret = frames ? vasctl_html_run(&script, &b, out, frames)
		     : vasctl_interp_run(&script, &b, out);
	b.destroy(b.ctx);
	vasctl_script_free(&script);
	return ret;
}

/* Create the --html page before the script runs; NULL after saying why. */
static FILE *open_html(void)
{
	FILE *f = fopen(setup.html, "w");

	if (!f)
		fprintf(stderr, "vasctl: %s: %s\n", setup.html, strerror(errno));
	return f;
}

/*
 * Write the --html page @f of @path from @sides and close it; on failure
 * say so and turn @ret into 1.
 */
static int put_html(FILE *f, int ret, const char *path, const char *src,
		    size_t len, const struct vasctl_html_side *sides,
		    int nsides)
{
	int bad = vasctl_html_write(f, path, src, len, sides, nsides);

	if (fclose(f) || bad) {
		fprintf(stderr, "vasctl: %s: %s\n", setup.html, strerror(errno));
		return 1;
	}
	return ret;
}

static int cmd_run(const char *path, enum runner which)
{
	char *src, *fbuf = NULL;
	size_t len, flen = 0;
	FILE *frames = NULL, *page = NULL;
	int ret;

	errno = 0;
	src = load_script(path, &len);
	if (!src) {
		fprintf(stderr, "vasctl: %s: %s\n", path,
			errno ? strerror(errno) : "cannot read");
		return 1;
	}
	if (setup.html) {
		page = open_html();
		frames = page ? open_memstream(&fbuf, &flen) : NULL;
		if (!frames) {
			if (page) {
				fprintf(stderr, "vasctl: out of memory\n");
				fclose(page);
			}
			free(src);
			return 1;
		}
	}
	ret = run_source(src, len, script_name(path), which, stdout, frames);
	if (frames) {
		struct vasctl_html_side side = {.name = "model", .frames = ""};

		if (fclose(frames)) {
			fprintf(stderr, "vasctl: out of memory\n");
			ret = 1;
		} else if (fbuf) {
			side.frames = fbuf;
		}
		side.status = ret;
		ret = put_html(page, ret, path, src, len, &side, 1);
	}
	free(fbuf);
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
	char *frames;
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
 * @name:  its name in diagnostics.
 * @which: the runner.
 * @res:   receives status, stdout and stderr; free out and err; with
 *         --html also the frames (free them).
 *
 * A child process keeps the runners apart: the kernel runner maps in the
 * process's own window, and neither can disturb the other or diff itself.
 * Return: 0, or -1 after printing why the child could not be run.
 */
static int capture(const char *src, size_t len, const char *name,
		   enum runner which, struct outcome *res)
{
	FILE *o = tmpfile(), *e = tmpfile(), *h = NULL;
	int status, ret = -1;
	pid_t pid, parent = getpid();

	memset(res, 0, sizeof(*res));
	if (setup.html)
		h = tmpfile();
	if (!o || !e || (setup.html && !h)) {
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
		/* killed with us, SIGKILL included: no run goes on alone */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
		    getppid() != parent ||
		    dup2(fileno(o), STDOUT_FILENO) < 0 ||
		    dup2(fileno(e), STDERR_FILENO) < 0)
			_exit(1);
		status = run_source(src, len, name, which, stdout, h);
		if ((fflush(stdout) || (h && fflush(h))) && status == 0)
			status = 1;
		fflush(stderr);
		exit(status);
	}
	vasctl_scratch_forward(pid);	/* killed with us: no scratch left */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			vasctl_scratch_forward(0);
			fprintf(stderr, "vasctl: waitpid: %s\n",
				strerror(errno));
			goto out;
		}
	}
	vasctl_scratch_forward(0);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status)
					: 128 + WTERMSIG(status);
	res->out = read_back(o, &res->outlen);
	res->err = read_back(e, NULL);
	if (h)
		res->frames = read_back(h, NULL);
	if (!res->out || !res->err || (h && !res->frames)) {
		fprintf(stderr, "vasctl: reading the output back failed\n");
		free(res->out);
		free(res->err);
		free(res->frames);
		res->out = res->err = res->frames = NULL;
		goto out;
	}
	ret = 0;
out:
	if (o)
		fclose(o);
	if (e)
		fclose(e);
	if (h)
		fclose(h);
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

/* A script error's diagnostic (vasctl_diag_print()): "error: line ". */
static bool script_error(const char *s)
{
	return !strncmp(s, "error: line ", 12) && strchr(s, '\n');
}

/**
 * diff_one() - Compare the two runners on one script.
 * @path: the script ("-" for standard input).
 *
 * A script passes when both runners exit 0 and print the same standard
 * output. A script error (exit status 2) fails the script even when both
 * runners found it: when they report the same error after the same output,
 * the FAIL line quotes its first line ("FAIL path: error: line N: WHAT")
 * and its other lines follow, indented by two spaces (they name the
 * script: "path:N:COL: error: WHAT", the line, the caret, the notes).
 * Return: 0 passed, 1 failed, -1 could not be run.
 */
static int diff_one(const char *path)
{
	struct outcome k, m;
	FILE *page = NULL;
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
	if (setup.html && !(page = open_html())) {
		free(src);
		return -1;
	}
	if (capture(src, len, script_name(path), RUNNER_KERNEL, &k)) {
		if (page)
			fclose(page);
		free(src);
		return -1;
	}
	if (capture(src, len, script_name(path), RUNNER_MODEL, &m)) {
		if (page)
			fclose(page);
		free(k.out);
		free(k.err);
		free(k.frames);
		free(src);
		return -1;
	}
	if (setup.html) {
		struct vasctl_html_side sides[2] = {
		    {.name = "kernel", .frames = k.frames, .status = k.status,
		     .err = k.err},
		    {.name = "model", .frames = m.frames, .status = m.status,
		     .err = m.err}};

		if (put_html(page, 0, path, src, len, sides, 2)) {
			free(src);
			goto out;
		}
	}
	free(src);
	same_out = k.outlen == m.outlen && !memcmp(k.out, m.out, k.outlen);
	if (k.status == 0 && m.status == 0 && same_out) {
		printf("ok %s\n", path);
		ret = 0;
		goto out;
	}
	if (k.status == 2 && m.status == 2 && same_out &&
	    !strcmp(k.err, m.err) && script_error(k.err)) {
		const char *p = k.err;
		size_t n = strcspn(p, "\n");

		printf("FAIL %s: %.*s\n", path, (int)n, p);
		for (p += n + 1; *p; p += n + (p[n] == '\n')) {
			n = strcspn(p, "\n");
			printf("  %.*s\n", (int)n, p);
		}
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
	free(k.frames);
	free(m.out);
	free(m.err);
	free(m.frames);
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

#ifndef VASCTL_NO_MODEL
/* The model's stdout and exit status for @src, configured as @facts. */
static char *model_output(const char *src, size_t srclen,
			  const struct vasctl_host *facts, int *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	setup.facts = *facts;
	setup.unzero = false;
	*status = run_source(src, srclen, NULL, RUNNER_MODEL, f, NULL);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
#endif

/*
 * Do the facts in which @h differs from @ref leave what @src prints as it
 * is? Asked of the model, which has every fact of struct vasctl_host as a
 * tunable but the kernel release and whether THP exists: when those two
 * are the reference's and no fact is unknown, the model runs @src both
 * ways. A model that answered wrong makes the host test run and fail,
 * never pass without having run.
 */
static bool same_output_on_model(const char *src, size_t len,
				 const struct vasctl_host *ref,
				 const struct vasctl_host *h,
				 unsigned int needs)
{
#ifdef VASCTL_NO_MODEL
	(void)src;
	(void)len;
	(void)ref;
	(void)h;
	(void)needs;
	return false;
#else
	struct vasctl_host known = *ref;
	char buf[2048], *a, *b;
	int sa, sb;
	bool same;

	/* only modelled facts differ, and none is unknown */
	snprintf(known.release, sizeof(known.release), "%s", h->release);
	snprintf(known.thp, sizeof(known.thp), "%s", h->thp);
	if (vasctl_host_compare(ref, &known, needs, buf, sizeof(buf)))
		return false;
	if (h->zero_page < 0 || h->cap_ipc_lock < 0 || h->cap_sys_rawio < 0 ||
	    h->file_fault_kb == VASCTL_UNKNOWN ||
	    h->mmap_min_addr == VASCTL_UNKNOWN ||
	    h->mmap_min_floor == VASCTL_UNKNOWN ||
	    h->max_map_count == VASCTL_UNKNOWN ||
	    h->rlimit_stack == VASCTL_UNKNOWN ||
	    h->rlimit_memlock == VASCTL_UNKNOWN ||
	    h->rlimit_as == VASCTL_UNKNOWN || h->rlimit_data == VASCTL_UNKNOWN ||
	    h->mem_total_kb == VASCTL_UNKNOWN ||
	    h->swap_total_kb == VASCTL_UNKNOWN ||
	    h->overcommit_memory == VASCTL_UNKNOWN ||
	    h->overcommit_ratio == VASCTL_UNKNOWN ||
	    h->overcommit_kbytes == VASCTL_UNKNOWN ||
	    h->admin_reserve_kbytes == VASCTL_UNKNOWN ||
	    h->user_reserve_kbytes == VASCTL_UNKNOWN ||
	    /* strict overcommit counts what the whole host committed */
	    h->overcommit_memory == 2 ||
	    /* the model has no huge pages to reserve */
	    ((needs & VASCTL_NEED_HUGETLB) && h->nr_hugepages != 0))
		return false;
	a = model_output(src, len, ref, &sa);
	b = model_output(src, len, h, &sb);
	same = a && b && sa == sb && !strcmp(a, b);
	free(a);
	free(b);
	return same;
#endif
}

/**
 * cmd_host() - `vasctl host [--check [--zero-page=off] [FILE|-]]`.
 * @check:   compare with the reference rather than print the facts.
 * @unzero:  with @check, the script is to run with --zero-page=off, which
 *           any host can do: the zero page is not compared.
 * @path:    with @check, the script whose dependencies count, or NULL for
 *           every fact.
 *
 * With a script, a fact counts if the script's statements can depend on
 * it (vasctl_script_needs()) and, when the model can tell, if the model
 * prints something else for the script with the host's facts than with
 * the reference's.
 * Return: the exit status: 0; 3 when @check finds a difference; 2 for a
 * script error; 1 when the probe or the script could not be read.
 */
static int cmd_host(bool check, bool unzero, const char *path)
{
	unsigned int needs = VASCTL_NEED_ALL;
	struct vasctl_host h, ref = vasctl_reference;
	char diffs[2048], *src = NULL;
	size_t len = 0;
	int ret;

	if (check && path) {
		struct vasctl_script script;

		errno = 0;
		src = load_script(path, &len);
		if (!src) {
			fprintf(stderr, "vasctl: %s: %s\n", path,
				errno ? strerror(errno) : "cannot read");
			return 1;
		}
		ret = parse_source(src, len, script_name(path), &script);
		if (ret) {
			free(src);
			return ret;
		}
		needs = vasctl_script_needs(&script);
		vasctl_script_free(&script);
	}
	if (vasctl_host_probe(&h)) {
		free(src);
		return 1;
	}
	if (!check) {
		vasctl_host_print(stdout, &h);
		return fflush(stdout) ? 1 : 0;
	}
	if (unzero)	/* the kernel runner is told to do without it */
		ref.zero_page = h.zero_page = 0;
	ret = 0;
	if (vasctl_host_compare(&ref, &h, needs, diffs, sizeof(diffs)) &&
	    !(src && same_output_on_model(src, len, &ref, &h, needs))) {
		printf("the host differs from the reference configuration "
		       "in:\n%s", diffs);
		ret = 3;
	}
	free(src);
	return fflush(stdout) ? 1 : ret;
}

/* "16K", "2M", "4096": a size in bytes, or 0 if it does not parse. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return 0;
	if (*end == 'K' && v < (1ULL << 54))
		v <<= 10, end++;
	else if (*end == 'M' && v < (1ULL << 44))
		v <<= 20, end++;
	else if (*end == 'G' && v < (1ULL << 34))
		v <<= 30, end++;
	return *end ? 0 : v;
}

/* The most --mem may ask: the library's limit of frames_bytes, 64 TiB. */
#define MEM_MAX (1ULL << 46)

/**
 * parse_options() - Take the options of kernel, run and diff from @argv.
 * @cmd:  the command.
 * @argc: arguments after the command.
 * @argv: them; options are removed.
 *
 * Fills setup. Return: the number of arguments left; -1 after printing
 * why an option is wrong; -2 after printing the help (--help, -h).
 */
static int parse_options(const char *cmd, int argc, char **argv)
{
	bool host_config = false, is_run = !strcmp(cmd, "run");
	bool has_model = is_run || !strcmp(cmd, "diff");
	int zero_page = -1, n = 0, i;
	uint64_t folio = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			return help(cmd) ? -1 : -2;
		} else if (!strcmp(a, "--host-config") && is_run) {
			host_config = true;
		} else if (!strcmp(a, "--zero-page=on")) {
			zero_page = 1;
		} else if (!strcmp(a, "--zero-page=off")) {
			zero_page = 0;
		} else if (!strncmp(a, "--file-folio=", 13) && is_run) {
			folio = parse_size(a + 13);
			if (folio < 4096 || folio > (2U << 20) ||
			    (folio & (folio - 1))) {
				fprintf(stderr, "vasctl: %s: a power of two "
					"from 4K to 2M\n", a);
				return -1;
			}
		} else if ((!strcmp(a, "--mem") || !strncmp(a, "--mem=", 6)) &&
			   has_model) {
			const char *v = a[5] ? a + 6
					    : i + 1 < argc ? argv[++i] : NULL;

			if (!v) {
				fputs("vasctl: --mem: missing SIZE\n", stderr);
				return -1;
			}
			vasctl_model_mem = parse_size(v);
			if (vasctl_model_mem < 8192 || vasctl_model_mem > MEM_MAX ||
			    (vasctl_model_mem & 4095)) {
				fprintf(stderr, "vasctl: --mem %s: a size of "
					"8K to 64 TiB, a multiple of 4K\n", v);
				return -1;
			}
		} else if ((!strcmp(a, "--html") || !strncmp(a, "--html=", 7)) &&
			   has_model) {
			setup.html = a[6] ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!setup.html || !*setup.html) {
				fputs("vasctl: --html: missing OUT\n", stderr);
				return -1;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "vasctl: %s: unknown option of %s\n",
				a, cmd);
			fprintf(stderr, "Try 'vasctl %s --help'.\n", cmd);
			return -1;
		} else {
			argv[n++] = argv[i];
		}
	}
	setup.facts = vasctl_reference;
	/* diff compares with this host; kernel needs the probe for "on" */
	if (host_config || !strcmp(cmd, "diff") ||
	    (!strcmp(cmd, "kernel") && zero_page == 1)) {
		if (vasctl_host_probe(&setup.facts))
			return -1;
	}
	if (strcmp(cmd, "run") && zero_page == 1 &&
	    setup.facts.zero_page == 0) {
		fprintf(stderr, "vasctl: --zero-page=on: this host maps no zero "
			"page, and the kernel runner cannot give it one\n");
		return -1;
	}
	if (zero_page >= 0)
		setup.facts.zero_page = zero_page;
	setup.unzero = zero_page == 0;
	if (folio) {
		setup.facts.file_folio = folio;
		setup.facts.file_fault_kb = folio >> 10;
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int n;

	vasctl_scratch_signals();
	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (argc == 2 &&
	    (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
#ifdef VASCTL_NO_MODEL
		puts("vasctl (vas) " VASCTL_VERSION ", without the model");
#else
		puts("vasctl (vas) " VASCTL_VERSION);
#endif
		return fflush(stdout) ? 1 : 0;
	}
	if (argc < 2) {
		fputs("vasctl: missing command\n", stderr);
		usage(stderr);
		return 1;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help")) {
		if (argc == 2) {
			usage(stdout);
			return fflush(stdout) ? 1 : 0;
		}
		if (argc == 3)
			return help(argv[2]);
		return usage_error(NULL, "help takes one COMMAND or nothing");
	}
	if (!strcmp(cmd, "host")) {
		bool unzero = argc > 3 && !strcmp(argv[3], "--zero-page=off");

		if (argc == 2)
			return cmd_host(false, false, NULL);
		for (n = 2; n < argc; n++)
			if (!strcmp(argv[n], "--help") || !strcmp(argv[n], "-h"))
				return help(cmd);
		if (!strcmp(argv[2], "--check") && argc <= 4 + unzero)
			return cmd_host(true, unzero,
					argc == 4 + unzero ? argv[3 + unzero]
							   : NULL);
		return usage_error(cmd, "host takes --check [--zero-page=off] "
				   "[FILE] or nothing");
	}
	if (strcmp(cmd, "kernel") && strcmp(cmd, "run") &&
	    strcmp(cmd, "diff")) {
		fprintf(stderr, "vasctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 1;
	}
	n = parse_options(cmd, argc - 2, argv + 2);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (!strcmp(cmd, "diff")) {
		if (n < 1)
			return usage_error(cmd, "diff takes one FILE or more");
		if (setup.html && n != 1)
			return usage_error(cmd, "diff --html takes one FILE");
		return cmd_diff(n, argv + 2);
	}
	if (n != 1) {
		fprintf(stderr, "vasctl: %s takes exactly one FILE (or '-')\n",
			cmd);
		fprintf(stderr, "Try 'vasctl %s --help'.\n", cmd);
		return 1;
	}
	return cmd_run(argv[2],
		       strcmp(cmd, "kernel") ? RUNNER_MODEL : RUNNER_KERNEL);
}
