// SPDX-License-Identifier: MIT
/*
 * interp.c - runs a parsed script on a backend and prints the results.
 *
 * The interpreter owns the variables (one namespace for parent and child)
 * and resolves address expressions before it calls the backend; it prints
 * one line per statement (several for maps) through report.c.
 *
 * A backend that asks for it (the kernel runner, whose statements are real
 * system calls on the process that runs them) gets its statements run in
 * a forked process, the runner process; see run_isolated().
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fork_pair.h"
#include "report.h"
#include "scratch.h"

/* Variable values and whether a successful call bound them. */
struct vars {
	uint64_t *val;
	bool *bound;
};

/**
 * resolve() - Compute the value of an address expression.
 * @s:   the script (variable names, for the error message).
 * @st:  the statement (its line, for the error message).
 * @v:   variable state.
 * @a:   the expression.
 * @out: the address.
 *
 * Return: 0, or 2 after printing the error for a variable whose only
 * binding failed.
 */
static int resolve(const struct vasctl_script *s, const struct vasctl_stmt *st,
		   const struct vars *v, const struct vasctl_addr *a,
		   uint64_t *out)
{
	switch (a->kind) {
	case VASCTL_ADDR_ABS:
		*out = a->delta;
		return 0;
	case VASCTL_ADDR_W:
		*out = VASCTL_W + a->delta;
		return 0;
	case VASCTL_ADDR_VAR:
		if (!v->bound[a->var]) {
			struct vasctl_diag d = {.line = st->line};
			bool second = a == &st->newaddr;

			d.col = second ? st->newaddr_col : st->addr_col;
			d.width = second ? st->newaddr_width : st->addr_width;
			snprintf(d.what, sizeof(d.what),
				 "variable '$%s' is not bound: its binding "
				 "failed", s->vars[a->var]);
			snprintf(d.note, sizeof(d.note),
				 "each earlier line that binds it ('-> %s') "
				 "returned an errno, so '$%s' has no value\n",
				 s->vars[a->var], s->vars[a->var]);
			vasctl_diag_print(stderr, s->name, s->src, s->srclen,
					  &d);
			return 2;
		}
		*out = v->val[a->var] + a->delta;
		return 0;
	}
	return 2;
}

/* Print the " = RESULT" of a call that returns 0 or an errno. */
static void put_rc(FILE *out, int ret)
{
	char buf[32];

	if (ret == 0) {
		fputs("0\n", out);
		return;
	}
	vasctl_format_errno(buf, sizeof(buf), ret);
	fprintf(out, "%s\n", buf);
}

static void put_access(FILE *out, const struct vasctl_access *a, bool read)
{
	char buf[32];

	switch (a->result) {
	case VASCTL_ACCESS_OK:
		if (read)
			fprintf(out, "fnv=%016" PRIx64 "\n", a->fnv);
		else
			fputs("ok\n", out);
		return;
	case VASCTL_ACCESS_SIGSEGV:
	case VASCTL_ACCESS_SIGBUS:
		vasctl_format_addr(buf, sizeof(buf), a->fault_addr);
		fprintf(out, "%s@%s\n",
			a->result == VASCTL_ACCESS_SIGSEGV ? "SIGSEGV"
							   : "SIGBUS",
			buf);
		return;
	}
}

/**
 * run_stmt() - Run one statement and print its result.
 * @s:   the script.
 * @st:  the statement.
 * @b:   the backend.
 * @v:   variable state.
 * @out: the output stream.
 *
 * Return: the exit status if the run must stop (1 or 2), else 0.
 */
static int run_stmt(const struct vasctl_script *s, const struct vasctl_stmt *st,
		    struct vasctl_backend *b, struct vars *v, FILE *out)
{
	uint64_t addr = 0, newaddr = 0, res = 0;
	struct vasctl_access acc = {0};
	struct vasctl_maps maps = {0};
	char buf[32];
	int ret = 0, x, call;

	if (st->op != VASCTL_OP_FILE && st->op != VASCTL_OP_FREAD &&
	    st->op != VASCTL_OP_FORK && st->op != VASCTL_OP_MAPS) {
		x = resolve(s, st, v, &st->addr, &addr);
		if (x)
			return x;
	}
	if (st->has_newaddr) {
		x = resolve(s, st, v, &st->newaddr, &newaddr);
		if (x)
			return x;
	}
	ret = b->select(b->ctx, st->child);
	if (ret == VASCTL_EFATAL)
		return 1;

	call = vasctl_op_call(st->op);
	if (call >= 0) {
		struct backend_call c = {
		    .nr = (enum backend_call_nr)call, .addr = addr,
		    .len = st->len, .len2 = st->len2, .new_addr = newaddr,
		    .off = st->offset, .prot = st->prot, .flags = st->flags};

		ret = b->call(b->ctx, &c, st->file, &res);
	}
	switch (st->op) {
	case VASCTL_OP_FILE:
		ret = b->file(b->ctx, st->file, s->files[st->file], st->len,
			      st->seed, st->ro);
		break;
	case VASCTL_OP_WRITE:
		ret = b->write(b->ctx, addr, st->len, st->byte, &acc);
		break;
	case VASCTL_OP_READ:
		ret = b->read(b->ctx, addr, st->len, &acc);
		break;
	case VASCTL_OP_FREAD:
		ret = b->fread(b->ctx, st->file, st->offset, st->len, &acc.fnv);
		break;
	case VASCTL_OP_FORK:
		fflush(out);
		ret = b->fork(b->ctx);
		break;
	case VASCTL_OP_MAPS:
		ret = b->maps(b->ctx, &maps);
		if (ret == 0)
			vasctl_print_maps(out, st->child, &maps);
		vasctl_maps_free(&maps);
		break;
	default:	/* a call, made above */
		break;
	}
	if (ret == VASCTL_EFATAL)
		return 1;
	if (st->op == VASCTL_OP_MAPS) {
		if (ret) {
			vasctl_format_errno(buf, sizeof(buf), ret);
			fprintf(stderr, "vasctl: line %d: maps failed: %s\n",
				st->line, buf);
			return 1;
		}
		return 0;
	}

	fprintf(out, "%s = ", st->text);
	switch (st->op) {
	case VASCTL_OP_MMAP:
	case VASCTL_OP_MREMAP:
		if (ret) {
			put_rc(out, ret);
			break;
		}
		vasctl_format_addr(buf, sizeof(buf), res);
		fprintf(out, "%s\n", buf);
		if (st->bind >= 0) {
			v->val[st->bind] = res;
			v->bound[st->bind] = true;
		}
		break;
	case VASCTL_OP_WRITE:
	case VASCTL_OP_READ:
		put_access(out, &acc, st->op == VASCTL_OP_READ);
		break;
	case VASCTL_OP_FREAD:
		if (ret)
			put_rc(out, ret);
		else
			fprintf(out, "fnv=%016" PRIx64 "\n", acc.fnv);
		break;
	default:
		put_rc(out, ret);
		break;
	}
	return 0;
}

/* Allocate the variables of @s; false (and a diagnostic) when out of memory. */
static bool vars_init(const struct vasctl_script *s, struct vars *v)
{
	v->val = calloc(s->nvars + 1, sizeof(*v->val));
	v->bound = calloc(s->nvars + 1, sizeof(*v->bound));
	if (v->val && v->bound)
		return true;
	fprintf(stderr, "vasctl: out of memory\n");
	return false;
}

static void vars_free(struct vars *v)
{
	free(v->val);
	free(v->bound);
}

/* ---- the runner process ------------------------------------------------ */

/*
 * After each statement the runner process sends a frame, then the lines the
 * statement printed (@len bytes), and waits for one byte back: the lines
 * are out, so its messages on standard error come after them.
 */
struct frame {
	uint64_t index;	/* the statement, in s->stmts */
	uint64_t len;
};

/* Send or receive exactly @len bytes. Return: 0, or -1 (end or error). */
static int xfer(int sock, void *buf, size_t len, bool send_it)
{
	char *p = buf;

	while (len) {
		ssize_t n = send_it ? send(sock, p, len, MSG_NOSIGNAL)
				    : recv(sock, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * runner_main() - The runner process: run the statements, send their lines.
 * @s:      the script.
 * @b:      the backend (the runner process's copy).
 * @sock:   its end of the socket pair.
 * @parent: the process that reports.
 *
 * Dies with its parent (PR_SET_PDEATHSIG). A crash signal kills it
 * outright (no handler of a sanitizer turns it into an exit), so that the
 * parent can name it.
 * Context: never returns.
 */
static void __attribute__((noreturn))
runner_main(const struct vasctl_script *s, struct vasctl_backend *b, int sock,
	    pid_t parent)
{
	static const int crash[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
	struct vars v;
	int status = 0;
	size_t i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
		_exit(1);
	for (i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
		signal(crash[i], SIG_DFL);
	if (!vars_init(s, &v))
		status = 1;
	for (i = 0; i < s->nstmts && !status; i++) {
		struct frame f = {.index = i};
		char *buf = NULL, ack;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (!m) {
			fprintf(stderr, "vasctl: out of memory\n");
			status = 1;
			break;
		}
		status = run_stmt(s, &s->stmts[i], b, &v, m);
		if (fclose(m)) {
			fprintf(stderr, "vasctl: out of memory\n");
			free(buf);
			status = 1;
			break;
		}
		f.len = len;
		if (xfer(sock, &f, sizeof(f), true) ||
		    xfer(sock, buf, f.len, true) ||
		    xfer(sock, &ack, 1, false))
			_exit(1);	/* the parent is gone */
		free(buf);
	}
	vars_free(&v);
	b->destroy(b->ctx);
	_exit(status);
}

/* "SIGSEGV" for SIGSEGV, into @buf. */
static const char *sig_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

/**
 * run_isolated() - Run the statements in a forked runner process.
 * @s:   the script.
 * @b:   the backend, set up in this process.
 * @out: where results go.
 *
 * The runner process runs the statements, and the statements act on its
 * address space (the kernel runner's real system calls), never on this
 * one, which holds only the script and the report. Each statement's lines
 * are written to @out and flushed as soon as it completes. When a
 * statement kills the runner process (an out-of-window munmap of its own
 * memory, ...), the lines before it stand and standard error says which
 * statement it was: "vasctl: line N: 'TEXT' killed the runner (SIGSEGV)".
 * Return: the exit status, as vasctl_interp_run(); 1 when the runner
 * process died.
 */
static int run_isolated(const struct vasctl_script *s,
			struct vasctl_backend *b, FILE *out)
{
	pid_t pid, prev, parent = getpid();
	uint64_t done = 0;
	int sock, status;
	bool out_err = false;
	char name[32];

	pid = vasctl_fork_pair(SOCK_STREAM, out, &sock);
	if (pid < 0)
		return 1;
	if (pid == 0)
		runner_main(s, b, sock, parent);
	prev = vasctl_scratch_forward(pid);	/* a signal ends it too */
	for (;;) {
		struct frame f;
		char *buf, ack = 1;

		if (xfer(sock, &f, sizeof(f), false) || f.index >= s->nstmts)
			break;
		buf = malloc(f.len ? f.len : 1);
		if (!buf) {
			fprintf(stderr, "vasctl: out of memory\n");
			break;
		}
		if (xfer(sock, buf, f.len, false)) {
			free(buf);
			break;
		}
		if (fwrite(buf, 1, f.len, out) != f.len || fflush(out))
			out_err = true;
		free(buf);
		if (out_err) {
			fprintf(stderr, "vasctl: writing the output: %s\n",
				strerror(errno));
			break;
		}
		done = f.index + 1;
		if (xfer(sock, &ack, 1, true))
			break;
	}
	close(sock);
	if (out_err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "vasctl: waitpid: %s\n",
				strerror(errno));
			vasctl_scratch_forward(prev);
			return 1;
		}
	}
	vasctl_scratch_forward(prev);
	if (out_err)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 2)
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		sig_name(WTERMSIG(status), name, sizeof(name));
	else
		snprintf(name, sizeof(name), "status %d", WEXITSTATUS(status));
	if (done < s->nstmts)
		fprintf(stderr, "vasctl: line %d: '%s' killed the runner (%s)\n",
			s->stmts[done].line, s->stmts[done].text, name);
	else
		fprintf(stderr, "vasctl: the runner died after the last line "
			"(%s)\n", name);
	return 1;
}

int vasctl_interp_run(const struct vasctl_script *s, struct vasctl_backend *b,
		      FILE *out)
{
	return vasctl_interp_run_observed(s, b, out, NULL);
}

int vasctl_interp_run_observed(const struct vasctl_script *s,
			       struct vasctl_backend *b, FILE *out,
			       const struct vasctl_observer *obs)
{
	struct vars v;
	size_t i;
	int status = 0;

	/*
	 * An observer (--html) reads the backend's address space after each
	 * statement, so the statements run here; diff --html runs each
	 * runner in a child process of its own (main.c's capture()), which
	 * keeps diff's report safe from a crash all the same.
	 */
	if (b->isolate && !obs)
		return run_isolated(s, b, out);
	if (!vars_init(s, &v)) {
		status = 1;
		goto out;
	}
	for (i = 0; i < s->nstmts && !status; i++) {
		status = run_stmt(s, &s->stmts[i], b, &v, out);
		if (obs) {	/* html.c: a picture after each statement */
			int r;

			fflush(out);
			r = obs->step(obs->arg, i, status);
			if (r && !status)
				status = r;
		}
	}
out:
	/* a failed write sets the error flag; a later fflush() is silent */
	if ((fflush(out) || ferror(out)) && status == 0) {
		fprintf(stderr, "vasctl: writing the output: %s\n",
			strerror(errno));
		status = 1;
	}
	vars_free(&v);
	return status;
}
