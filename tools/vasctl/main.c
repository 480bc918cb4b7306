// SPDX-License-Identifier: MIT
/*
 * main.c - the vasctl command line.
 *
 *   vasctl kernel FILE|-     run a .vas script on the host kernel
 *   vasctl run FILE|-        run it on the vas model
 *   vasctl diff FILE...      run each on both, compare, print the diffs
 *   vasctl host              print the facts of the host that matter
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
#include "report.h"
#include "scratch.h"
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
	    "usage: vasctl kernel [--zero-page=on|off] FILE|-\n"
	    "       vasctl run [--host-config] [--zero-page=on|off]\n"
	    "                  [--file-folio=SIZE] [--mem SIZE] FILE|-\n"
	    "       vasctl diff [--zero-page=on|off] [--mem SIZE] FILE...\n"
	    "       vasctl host [--check [--zero-page=off] [FILE|-]]\n"
	    "\n"
	    "Runs a .vas script and prints one line per statement. FILE '-' "
	    "reads the\n"
	    "script from standard input. The language and these commands are "
	    "described\n"
	    "in docs/script-language.md (installed in share/doc/vas/docs/).\n"
	    "\n"
	    "commands:\n"
	    "  kernel FILE   run the script on the host kernel with real "
	    "system calls\n"
	    "  run FILE      run the script on the vas model, configured as "
	    "the\n"
	    "                reference host the recordings were made on\n"
	    "  diff FILE...  run each script on both, the model configured "
	    "with the\n"
	    "                facts of this host, and compare stdout and exit "
	    "status;\n"
	    "                print a unified diff (--- kernel, +++ model) per "
	    "script\n"
	    "                that differs, then \"N passed, N failed\"\n"
	    "  host          print the facts of this host that change what a "
	    "script\n"
	    "                prints, one \"name: value\" a line\n"
	    "  --help, -h    print this help\n"
	    "\n"
	    "options:\n"
	    "  --host-config     run: configure the model with the facts of "
	    "this host\n"
	    "  --zero-page=off   a read fault on anonymous memory allocates a "
	    "page, as\n"
	    "                    on a kernel without the zero page; for kernel "
	    "and diff\n"
	    "                    the host is made to behave so (each page that "
	    "maps the\n"
	    "                    zero page after a statement gets its own)\n"
	    "  --zero-page=on    a read fault maps the zero page (kernel: only "
	    "on a host\n"
	    "                    that does)\n"
	    "  --file-folio=SIZE run: the largest page-cache folio of the "
	    "script's files,\n"
	    "                    4K to 2M, a power of two (reference: 16K)\n"
	    "  --mem SIZE        run, diff: the model's physical memory "
	    "(also --mem=SIZE):\n"
	    "                    a multiple of 4K from 8K, K, M or G suffix "
	    "as in scripts\n"
	    "                    (default 256M); a script that needs more "
	    "stops with\n"
	    "                    \"vasctl: the model ran out of memory\" "
	    "(status 1)\n"
	    "  --check [FILE|-]  host: print the facts in which this host "
	    "differs from\n"
	    "                    the reference, those FILE's output can "
	    "depend on\n"
	    "                    (with --zero-page=off: but the zero page)\n"
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
	    "WHAT\" on stderr). diff: 0 when every script passed (both "
	    "runners exit 0\n"
	    "with the same output), 1 otherwise: a script error fails its "
	    "script. host\n"
	    "--check: 0 when the host is the reference (for FILE), 3 when it "
	    "differs.\n",
	    f);
}

/*
 * How the runners are set up (main() fills it from the command line):
 * @facts:  the facts the model is given.
 * @unzero: the kernel runner replaces the zero page (--zero-page=off).
 */
static struct {
	struct vasctl_host facts;
	bool unzero;
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
	pid_t pid, parent = getpid();

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
		/* killed with us, SIGKILL included: no run goes on alone */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
		    getppid() != parent ||
		    dup2(fileno(o), STDOUT_FILENO) < 0 ||
		    dup2(fileno(e), STDERR_FILENO) < 0)
			_exit(1);
		status = run_source(src, len, which, stdout);
		if (fflush(stdout) && status == 0)
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
	*status = run_source(src, srclen, RUNNER_MODEL, f);
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
		char err[512];

		errno = 0;
		src = load_script(path, &len);
		if (!src) {
			fprintf(stderr, "vasctl: %s: %s\n", path,
				errno ? strerror(errno) : "cannot read");
			return 1;
		}
		ret = vasctl_script_parse(src, len, &script, err, sizeof(err));
		if (ret == -EINVAL) {
			fprintf(stderr, "error: %s\n", err);
			free(src);
			return 2;
		}
		if (ret) {
			fprintf(stderr, "vasctl: out of memory\n");
			free(src);
			return 1;
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
 * Fills setup. Return: the number of arguments left, or -1 after printing
 * why an option is wrong.
 */
static int parse_options(const char *cmd, int argc, char **argv)
{
	bool host_config = false, is_run = !strcmp(cmd, "run");
	bool has_model = is_run || !strcmp(cmd, "diff");
	int zero_page = -1, n = 0, i;
	uint64_t folio = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--host-config") && is_run) {
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
		} else if (!strncmp(a, "--", 2) && a[2]) {
			fprintf(stderr, "vasctl: %s: unknown option of %s\n",
				a, cmd);
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
		return 0;
	}
	if (argc < 2) {
		fputs("vasctl: missing command\n", stderr);
		usage(stderr);
		return 1;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "host")) {
		bool unzero = argc > 3 && !strcmp(argv[3], "--zero-page=off");

		if (argc == 2)
			return cmd_host(false, false, NULL);
		if (!strcmp(argv[2], "--check") && argc <= 4 + unzero)
			return cmd_host(true, unzero,
					argc == 4 + unzero ? argv[3 + unzero]
							   : NULL);
		fputs("vasctl: host takes --check [--zero-page=off] [FILE] or "
		      "nothing\n", stderr);
		usage(stderr);
		return 1;
	}
	if (strcmp(cmd, "kernel") && strcmp(cmd, "run") &&
	    strcmp(cmd, "diff")) {
		fprintf(stderr, "vasctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 1;
	}
	n = parse_options(cmd, argc - 2, argv + 2);
	if (n < 0)
		return 1;
	if (!strcmp(cmd, "diff")) {
		if (n < 1) {
			fputs("vasctl: diff takes one FILE or more\n", stderr);
			usage(stderr);
			return 1;
		}
		return cmd_diff(n, argv + 2);
	}
	if (n != 1) {
		fprintf(stderr, "vasctl: %s takes exactly one FILE (or '-')\n",
			cmd);
		usage(stderr);
		return 1;
	}
	return cmd_run(argv[2],
		       strcmp(cmd, "kernel") ? RUNNER_MODEL : RUNNER_KERNEL);
}
