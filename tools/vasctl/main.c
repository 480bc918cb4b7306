// SPDX-License-Identifier: MIT
/*
 * main.c - the vasctl command line.
 *
 *   vasctl kernel FILE|-   run a .vas script on the host kernel
 *   vasctl run FILE|-      run it on the vas model (not built yet)
 *   vasctl diff FILE|-     run it on both and diff (not built yet)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "report.h"
#include "script.h"

static void usage(FILE *f)
{
	fputs(
	    "usage: vasctl COMMAND FILE|-\n"
	    "\n"
	    "Runs a .vas script (see the script language spec) and prints one\n"
	    "line per statement. FILE '-' reads the script from standard "
	    "input.\n"
	    "\n"
	    "commands:\n"
	    "  kernel FILE   run the script on the host kernel with real "
	    "system calls\n"
	    "  run FILE      run the script on the vas model (not built yet)\n"
	    "  diff FILE     run it on both and compare the outputs (not built "
	    "yet)\n"
	    "  --help, -h    print this help\n"
	    "\n"
	    "exit status: 0 the script ran; 1 a failure of vasctl itself;\n"
	    "2 an error in the script (\"error: line N: WHAT\" on stderr).\n",
	    f);
}

/* Read a whole stream into a NUL-terminated buffer. */
static char *read_all(FILE *f)
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
			break;
		}
	}
	return buf;
}

static char *load_script(const char *path)
{
	FILE *f;
	char *src;

	if (!strcmp(path, "-"))
		return read_all(stdin);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	src = read_all(f);
	fclose(f);
	return src;
}

static int cmd_kernel(const char *path)
{
	struct vasctl_script script;
	struct vasctl_backend b;
	char err[512];
	char *src;
	int ret;

	errno = 0;
	src = load_script(path);
	if (!src) {
		fprintf(stderr, "vasctl: %s: %s\n", path,
			errno ? strerror(errno) : "cannot read");
		return 1;
	}
	ret = vasctl_script_parse(src, &script, err, sizeof(err));
	free(src);
	if (ret == -EINVAL) {
		fprintf(stderr, "error: %s\n", err);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "vasctl: out of memory\n");
		return 1;
	}
	if (vasctl_kernel_backend_init(&b, &script)) {
		vasctl_script_free(&script);
		return 1;
	}
	ret = vasctl_interp_run(&script, &b, stdout);
	b.destroy(b.ctx);
	vasctl_script_free(&script);
	if (fflush(stdout) && ret == 0) {
		fprintf(stderr, "vasctl: writing the output: %s\n",
			strerror(errno));
		ret = 1;
	}
	return ret;
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
	if (argc != 3) {
		fprintf(stderr, "vasctl: %s takes exactly one FILE (or '-')\n",
			cmd);
		usage(stderr);
		return 1;
	}
	if (strcmp(cmd, "kernel")) {
		fputs("vasctl: the model runner is not built yet\n", stderr);
		return 1;
	}
	return cmd_kernel(argv[2]);
}
