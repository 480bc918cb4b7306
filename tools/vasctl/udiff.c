// SPDX-License-Identifier: MIT
/*
 * udiff.c - line-based unified diff: Myers' greedy O(ND) shortest edit
 * script, then hunks with VASCTL_UDIFF_CONTEXT lines of context.
 */
#include "udiff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One line of a text; @nl is false only for a last line without '\n'. */
struct line {
	const char *p;
	size_t len;
	bool nl;
};

/* One step of the edit script: '=' keep, '-' delete a line, '+' insert. */
struct edit {
	char op;
	size_t ai; /* line of a ('=' and '-') */
	size_t bi; /* line of b ('=' and '+') */
};

static int split_lines(const char *t, size_t len, struct line **out,
		       size_t *n)
{
	size_t cap = 16, i = 0, k = 0;
	struct line *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	while (i < len) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - t) : len;

		if (k == cap) {
			struct line *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[k].p = t + i;
		v[k].len = e - i;
		v[k].nl = nl != NULL;
		k++;
		i = nl ? e + 1 : len;
	}
	*out = v;
	*n = k;
	return 0;
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && x->nl == y->nl &&
	       !memcmp(x->p, y->p, x->len);
}

/*
 * Myers' algorithm. trace[d] holds V (the furthest x on each diagonal k,
 * for k in [-d, d]) after step d; the edit script is read back from it.
 */
static int shortest_edit(const struct line *a, size_t n, const struct line *b,
			 size_t m, struct edit **out, size_t *nout)
{
	const long max = (long)(n + m);
	long *v = calloc((size_t)(2 * max + 3), sizeof(*v));
	long **trace = calloc((size_t)(max + 1), sizeof(*trace));
	struct edit *e = NULL;
	long d, k, x, y, found = -1;
	size_t ne = 0;
	int ret = -ENOMEM;

	if (!v || !trace)
		goto out;
	v += max + 1; /* v[k] for k in [-max - 1, max + 1] */
	for (d = 0; d <= max && found < 0; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			       line_eq(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = d;
				break;
			}
		}
		trace[d] = malloc((size_t)(2 * d + 1) * sizeof(long));
		if (!trace[d])
			goto out;
		memcpy(trace[d], &v[-d], (size_t)(2 * d + 1) * sizeof(long));
	}

	e = malloc((n + m + 1) * sizeof(*e));
	if (!e)
		goto out;
	/* Walk back from (n, m); edits come out last first. */
	x = (long)n;
	y = (long)m;
	for (d = found; d >= 0; d--) {
		long pk, px, py;

		k = x - y;
		if (d == 0) {
			px = 0;
			py = 0;
		} else {
			const long *pv = trace[d - 1] + (d - 1);

			if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = pv[pk];
			py = px - pk;
		}
		while (x > px && y > py) {
			x--;
			y--;
			e[ne++] = (struct edit){'=', (size_t)x, (size_t)y};
		}
		if (d > 0) {
			if (x == px)
				e[ne++] = (struct edit){'+', 0, (size_t)py};
			else
				e[ne++] = (struct edit){'-', (size_t)px, 0};
		}
		x = px;
		y = py;
	}
	for (k = 0; k < (long)ne / 2; k++) {
		struct edit t = e[k];

		e[k] = e[ne - 1 - (size_t)k];
		e[ne - 1 - (size_t)k] = t;
	}
	*out = e;
	*nout = ne;
	e = NULL;
	ret = 0;
out:
	if (trace)
		for (d = 0; d <= max; d++)
			free(trace[d]);
	free(trace);
	if (v)
		free(v - (max + 1));
	free(e);
	return ret;
}

static void put_line(FILE *out, char prefix, const struct line *l)
{
	fputc(prefix, out);
	fwrite(l->p, 1, l->len, out);
	fputc('\n', out);
	if (!l->nl)
		fputs("\\ No newline at end of file\n", out);
}

/* "-START,COUNT" with GNU diff's conventions. */
static void put_range(FILE *out, char sign, size_t before, size_t count)
{
	fprintf(out, "%c%zu", sign, count ? before + 1 : before);
	if (count != 1)
		fprintf(out, ",%zu", count);
}

static void put_hunk(FILE *out, const struct edit *e, size_t from, size_t to,
		     const struct line *a, const struct line *b,
		     const size_t *apos, const size_t *bpos)
{
	size_t i, ac = 0, bc = 0;

	for (i = from; i < to; i++) {
		ac += e[i].op != '+';
		bc += e[i].op != '-';
	}
	fputs("@@ ", out);
	put_range(out, '-', apos[from], ac);
	fputc(' ', out);
	put_range(out, '+', bpos[from], bc);
	fputs(" @@\n", out);
	for (i = from; i < to; i++) {
		if (e[i].op == '=')
			put_line(out, ' ', &a[e[i].ai]);
		else if (e[i].op == '-')
			put_line(out, '-', &a[e[i].ai]);
		else
			put_line(out, '+', &b[e[i].bi]);
	}
}

int vasctl_udiff(FILE *out, const char *a_name, const char *a, size_t alen,
		 const char *b_name, const char *b, size_t blen)
{
	struct line *al = NULL, *bl = NULL;
	size_t na = 0, nb = 0, ne = 0, i;
	size_t *apos = NULL, *bpos = NULL;
	struct edit *e = NULL;
	int ret;

	if (alen == blen && !memcmp(a, b, alen))
		return 0;
	ret = split_lines(a, alen, &al, &na);
	if (!ret)
		ret = split_lines(b, blen, &bl, &nb);
	if (!ret)
		ret = shortest_edit(al, na, bl, nb, &e, &ne);
	if (ret)
		goto out;
	apos = malloc((ne + 1) * sizeof(*apos));
	bpos = malloc((ne + 1) * sizeof(*bpos));
	if (!apos || !bpos) {
		ret = -ENOMEM;
		goto out;
	}
	/* Lines of a and b before each edit. */
	apos[0] = bpos[0] = 0;
	for (i = 0; i < ne; i++) {
		apos[i + 1] = apos[i] + (e[i].op != '+');
		bpos[i + 1] = bpos[i] + (e[i].op != '-');
	}

	fprintf(out, "--- %s\n+++ %s\n", a_name, b_name);
	i = 0;
	while (i < ne) {
		size_t first, last, from, to, j;

		while (i < ne && e[i].op == '=')
			i++;
		if (i == ne)
			break;
		first = i;
		last = i;
		/* Extend while the next change is close enough to share. */
		for (j = i + 1; j < ne; j++) {
			if (e[j].op == '=')
				continue;
			if (j - last - 1 > 2 * VASCTL_UDIFF_CONTEXT)
				break;
			last = j;
		}
		from = first > VASCTL_UDIFF_CONTEXT
			   ? first - VASCTL_UDIFF_CONTEXT
			   : 0;
		to = last + 1 + VASCTL_UDIFF_CONTEXT < ne
			 ? last + 1 + VASCTL_UDIFF_CONTEXT
			 : ne;
		put_hunk(out, e, from, to, al, bl, apos, bpos);
		i = last + 1;
	}
	ret = 1;
out:
	free(al);
	free(bl);
	free(e);
	free(apos);
	free(bpos);
	return ret;
}
