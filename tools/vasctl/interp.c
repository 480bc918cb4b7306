// SPDX-License-Identifier: MIT
/*
 * interp.c - runs a parsed script on a backend and prints the results.
 *
 * The interpreter owns the variables (one namespace for parent and child)
 * and resolves address expressions before it calls the backend; it prints
 * one line per statement (several for maps) through report.c.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

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

	v.val = calloc(s->nvars + 1, sizeof(*v.val));
	v.bound = calloc(s->nvars + 1, sizeof(*v.bound));
	if (!v.val || !v.bound) {
		fprintf(stderr, "vasctl: out of memory\n");
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
	fflush(out);
	free(v.val);
	free(v.bound);
	return status;
}
