// SPDX-License-Identifier: MIT
/*
 * script.c - lexer and parser of the .vas script language.
 *
 * The whole script is parsed and checked before anything runs. Each line is
 * cut into blank-separated tokens after its comment is removed; the tokens,
 * joined by one space, are the echo text of the statement.
 */
#include "script.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 16

/* A name -> value table entry for flags and advice. */
struct name_val {
	const char *name;
	unsigned int val;
};

static const struct name_val mmap_flags[] = {
    {"private", VASCTL_MAP_PRIVATE},
    {"shared", VASCTL_MAP_SHARED},
    {"shared_validate", VASCTL_MAP_SHARED_VALIDATE},
    {"anonymous", VASCTL_MAP_ANONYMOUS},
    {"fixed", VASCTL_MAP_FIXED},
    {"fixed_noreplace", VASCTL_MAP_FIXED_NOREPLACE},
    {"populate", VASCTL_MAP_POPULATE},
    {"noreserve", VASCTL_MAP_NORESERVE},
    {"locked", VASCTL_MAP_LOCKED},
    {"growsdown", VASCTL_MAP_GROWSDOWN},
    {"stack", VASCTL_MAP_STACK},
    {"droppable", VASCTL_MAP_DROPPABLE},
    {"hugetlb", VASCTL_MAP_HUGETLB},
    {NULL, 0},
};

static const struct name_val mremap_flags[] = {
    {"maymove", VASCTL_MREMAP_MAYMOVE},
    {"fixed", VASCTL_MREMAP_FIXED},
    {"dontunmap", VASCTL_MREMAP_DONTUNMAP},
    {NULL, 0},
};

static const struct name_val msync_flags[] = {
    {"sync", VASCTL_MS_SYNC},
    {"async", VASCTL_MS_ASYNC},
    {"invalidate", VASCTL_MS_INVALIDATE},
    {NULL, 0},
};

/* MADV_* values of Linux's uapi asm-generic/mman-common.h. */
static const struct name_val advices[] = {
    {"normal", 0},	    {"random", 1},	   {"sequential", 2},
    {"willneed", 3},	    {"dontneed", 4},	   {"free", 8},
    {"remove", 9},	    {"dontfork", 10},	   {"dofork", 11},
    {"mergeable", 12},	    {"unmergeable", 13},   {"hugepage", 14},
    {"nohugepage", 15},	    {"dontdump", 16},	   {"dodump", 17},
    {"wipeonfork", 18},	    {"keeponfork", 19},	   {"cold", 20},
    {"pageout", 21},	    {"populate_read", 22}, {"populate_write", 23},
    {"guard_install", 102}, {"guard_remove", 103}, {NULL, 0},
};

static const char *const op_names[] = {
    [VASCTL_OP_FILE] = "file",
#define CALL_NAME(nr, name, vas, host) [VASCTL_OP_##nr] = name,
    BACKEND_CALLS(CALL_NAME)
#undef CALL_NAME
    [VASCTL_OP_WRITE] = "write", [VASCTL_OP_READ] = "read",
    [VASCTL_OP_FREAD] = "fread", [VASCTL_OP_FORK] = "fork",
    [VASCTL_OP_MAPS] = "maps",
};

/*
 * A hash index over a string table (the file names, the variable names):
 * open addressing with linear probing; a slot holds id + 1, 0 is empty.
 * Kept at most half full, so a lookup compares O(1) names on average and
 * a script with N distinct names parses in time linear in N.
 */
struct name_index {
	unsigned int *slots;
	size_t mask;		/* slots - 1; 0 while there are none */
	size_t cap;		/* room in the string table */
};

/*
 * Parser state: the script being built, the error, and the line being
 * parsed (@linebuf: a copy of its code, the tokens point into it, so a
 * token's column is its offset in it plus one).
 */
struct parser {
	struct vasctl_script *s;
	struct vasctl_diag *d;
	const char *linebuf;
	int line;
	bool *var_bound; /* per variable id: some earlier line binds it */
	size_t var_cap;
	bool forked; /* an earlier line is a (parent) fork */
	bool nomem;
	struct name_index file_ix, var_ix;
	uint64_t *file_peak; /* per file id: the largest SIZE so far */
	size_t peak_cap;
};

/*
 * fail_at() - Record the script error of the current line: WHAT is @fmt,
 * the text at fault the @width bytes at @at, a pointer into p->linebuf
 * (NULL: the start of the line). Return: -EINVAL.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail_at(struct parser *p, const char *at, size_t width, const char *fmt, ...)
{
	va_list ap;

	p->d->line = p->line;
	p->d->col = at ? (int)(at - p->linebuf) + 1 : 1;
	p->d->width = width ? (int)width : 1;
	va_start(ap, fmt);
	vsnprintf(p->d->what, sizeof(p->d->what), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* fail_at() at the whole token @tok. */
#define fail_tok(p, tok, ...) fail_at(p, tok, strlen(tok), __VA_ARGS__)

/* Add a line of help to the error: "note: " and @fmt in the diagnostic. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
note(struct parser *p, const char *fmt, ...)
{
	size_t n = strlen(p->d->note);
	va_list ap;

	if (n + 2 >= sizeof(p->d->note))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->d->note + n, sizeof(p->d->note) - n - 1, fmt, ap);
	va_end(ap);
	strcat(p->d->note, "\n");
	return -EINVAL;
}

/*
 * The optimal-string-alignment distance (Damerau-Levenshtein: insert,
 * delete, replace, swap two neighbours) between @a and @b; words longer
 * than 63 bytes count as far from everything.
 */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	unsigned char d[64][64];	/* each at most 63 */
	size_t i, j;

	if (n >= 64 || m >= 64)
		return SIZE_MAX;
	for (i = 0; i <= n; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= m; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			unsigned int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1u < c)
				c = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < c)
				c = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < c)
				c = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)c;
		}
	}
	return d[n][m];
}

/*
 * The word of @words[0, @n) nearest to @w (@len bytes), or NULL when none
 * is near: at most a third of @w's length away (rounded down), after lower
 * case and without a C prefix such as "MAP_" or "MADV_"; or @w is the
 * start (3 bytes or more) of exactly one word. With @ok, only the words
 * @i with @ok[@i] count.
 */
static const char *nearest(const char *w, size_t len, const char *const *words,
			   size_t n, const bool *ok)
{
	static const char *const prefixes[] = {"mremap_", "madv_", "mlock_",
					       "map_", "ms_", "prot_"};
	size_t i, best = SIZE_MAX, limit, prefixed = 0;
	const char *found = NULL, *start = NULL;
	char low[64];

	if (len == 0 || len >= sizeof(low))
		return NULL;
	for (i = 0; i < len; i++)
		low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] - 'A' + 'a')
						      : w[i];
	low[len] = '\0';
	w = low;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (len > pl && !strncmp(w, prefixes[i], pl)) {
			w += pl;
			len -= pl;
			break;
		}
	}
	limit = len / 3;	/* none for one or two letters */
	for (i = 0; i < n; i++) {
		size_t d;

		if (ok && !ok[i])
			continue;
		d = edit_distance(w, len, words[i], strlen(words[i]));

		if (d < best) {
			best = d;
			found = words[i];
		}
		if (len >= 3 && !strncmp(words[i], w, len)) {
			start = words[i];
			prefixed++;
		}
	}
	if (found && best <= limit)
		return found;
	return prefixed == 1 ? start : NULL;
}

/*
 * Notes for a word @w (@len bytes) not in @words[0, @n): the nearest one
 * ("did you mean"), and with @list, all of them ("accepted: ...", then
 * @tail). Return: -EINVAL.
 */
static int suggest(struct parser *p, const char *w, size_t len,
		   const char *const *words, size_t n, bool list,
		   const char *tail)
{
	const char *near = nearest(w, len, words, n, NULL);
	char all[768];
	size_t i, used = 0;

	if (near)
		note(p, "did you mean '%s'?", near);
	if (!list)
		return -EINVAL;
	all[0] = '\0';
	for (i = 0; i < n && used < sizeof(all); i++) {
		int k = snprintf(all + used, sizeof(all) - used, "%s%s",
				 i ? " " : "", words[i]);

		if (k < 0)
			break;
		used += (size_t)k;
	}
	return note(p, "accepted: %s%s", all, tail ? tail : "");
}

/* The names of a name_val table, into @words (room for 32). */
static size_t table_words(const struct name_val *tab, const char **words)
{
	size_t n = 0;

	for (; tab->name && n < 32; tab++)
		words[n++] = tab->name;
	return n;
}

/**
 * parse_number() - Parse decimal or 0x hex with an optional K/M/G suffix.
 * @tok: the token.
 * @out: the value.
 *
 * Return: true if @tok is a whole number that fits in 64 bits.
 */
static bool parse_number(const char *tok, uint64_t *out)
{
	const char *s = tok;
	unsigned int base = 10;
	uint64_t v = 0, mul = 1;
	bool digits = false;

	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		digits = true;
	}
	if (!digits)
		return false;
	switch (*s) {
	case '\0':
		break;
	case 'K':
		mul = 1ULL << 10;
		s++;
		break;
	case 'M':
		mul = 1ULL << 20;
		s++;
		break;
	case 'G':
		mul = 1ULL << 30;
		s++;
		break;
	default:
		return false;
	}
	if (*s != '\0' || v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

static bool valid_var(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* FNV-1a of a name, for the index. */
static size_t name_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* Rebuild @ix with @nslots slots (a power of two) over @tab[0, @n). */
static bool index_resize(struct name_index *ix, char **tab, size_t n,
			 size_t nslots)
{
	unsigned int *slots = calloc(nslots, sizeof(*slots));
	size_t i, j;

	if (!slots)
		return false;
	for (i = 0; i < n; i++) {
		j = name_hash(tab[i], strlen(tab[i])) & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = (unsigned int)i + 1;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->mask = nslots - 1;
	return true;
}

/*
 * Find or add a name in a string table indexed by @ix; returns its id, or
 * -1 (not found and not @add, or no memory: p->nomem). Each name compared
 * counts in p->s->name_probes.
 */
static int intern(struct parser *p, struct name_index *ix, char ***tab,
		  size_t *n, const char *name, size_t len, bool add)
{
	size_t j;
	char *copy;

	if (ix->slots) {
		for (j = name_hash(name, len) & ix->mask; ix->slots[j];
		     j = (j + 1) & ix->mask) {
			const char *s = (*tab)[ix->slots[j] - 1];

			p->s->name_probes++;
			if (!strncmp(s, name, len) && s[len] == '\0')
				return (int)ix->slots[j] - 1;
		}
	}
	if (!add)
		return -1;
	if (*n >= INT_MAX - 1)
		goto nomem;
	if (*n == ix->cap) {	/* the table doubles */
		size_t ncap = ix->cap ? ix->cap * 2 : 16;
		char **nt = realloc(*tab, ncap * sizeof(**tab));

		if (!nt)
			goto nomem;
		*tab = nt;
		ix->cap = ncap;
	}
	/* the index stays at most half full */
	if ((*n + 1) * 2 > (ix->slots ? ix->mask + 1 : 0) &&
	    !index_resize(ix, *tab, *n, ix->slots ? (ix->mask + 1) * 2 : 32))
		goto nomem;
	copy = strndup(name, len);
	if (!copy)
		goto nomem;
	(*tab)[*n] = copy;
	for (j = name_hash(name, len) & ix->mask; ix->slots[j];
	     j = (j + 1) & ix->mask)
		;
	ix->slots[j] = (unsigned int)*n + 1;
	return (int)(*n)++;
nomem:
	p->nomem = true;
	return -1;
}

static int var_id(struct parser *p, const char *name, size_t len)
{
	int id = intern(p, &p->var_ix, &p->s->vars, &p->s->nvars, name, len,
			true);

	if (id >= 0 && (size_t)id >= p->var_cap) {
		size_t cap = p->var_cap ? p->var_cap * 2 : 16;
		bool *nb = realloc(p->var_bound, cap * sizeof(*nb));

		if (!nb) {
			p->nomem = true;
			return -1;
		}
		memset(nb + p->var_cap, 0, (cap - p->var_cap) * sizeof(*nb));
		p->var_bound = nb;
		p->var_cap = cap;
	}
	return id;
}

static int addr_note(struct parser *p)
{
	return note(p, "an address is W, $VAR or a number, and at most one "
		       "+N or -N: W+16K, $a-4K, 0x10000");
}

/*
 * The error of $NAME in @tok (@len bytes of name), which no earlier line
 * binds; the nearest variable that one does is suggested.
 */
static int unknown_var(struct parser *p, const char *tok, size_t len)
{
	const char *near = nearest(tok + 1, len,
				   (const char *const *)p->s->vars,
				   p->s->nvars, p->var_bound);

	fail_at(p, tok, len + 1, "unknown variable '$%.*s'", (int)len, tok + 1);
	if (near)
		note(p, "did you mean '$%s'?", near);
	return note(p, "a variable is bound by an earlier mmap or mremap "
		       "line ending in '-> %.*s'", (int)len, tok + 1);
}

/**
 * parse_addr() - Parse an address expression.
 * @p:   parser.
 * @tok: "W", "W+N", "W-N", "$v", "$v+N", "$v-N" or a plain number.
 * @a:   the result.
 *
 * A variable must be bound by an earlier line.
 * Return: 0 or -EINVAL with the error set.
 */
static int parse_addr(struct parser *p, const char *tok, struct vasctl_addr *a)
{
	const char *rest;
	uint64_t n;

	if (tok[0] == 'W' || tok[0] == '$') {
		if (tok[0] == 'W') {
			a->kind = VASCTL_ADDR_W;
			a->var = -1;
			rest = tok + 1;
		} else {
			size_t len = strcspn(tok + 1, "+-");
			int id;

			if (!valid_var(tok + 1, len)) {
				fail_tok(p, tok, "bad address '%s'", tok);
				return addr_note(p);
			}
			id = var_id(p, tok + 1, len);
			if (id < 0)
				return -ENOMEM;
			if (!p->var_bound[id])
				return unknown_var(p, tok, len);
			a->kind = VASCTL_ADDR_VAR;
			a->var = id;
			rest = tok + 1 + len;
		}
		a->delta = 0;
		if (*rest == '\0')
			return 0;
		if ((*rest != '+' && *rest != '-') ||
		    !parse_number(rest + 1, &n)) {
			/* the caret under what follows the base */
			fail_at(p, rest, strlen(rest), "bad address '%s'", tok);
			return addr_note(p);
		}
		a->delta = *rest == '+' ? n : (uint64_t)0 - n;
		return 0;
	}
	if (!parse_number(tok, &n)) {
		fail_tok(p, tok, "bad address '%s'", tok);
		return addr_note(p);
	}
	a->kind = VASCTL_ADDR_ABS;
	a->var = -1;
	a->delta = n;
	return 0;
}

/* Notes for @tok, which is not a number. Return: -EINVAL. */
static int number_notes(struct parser *p, const char *tok)
{
	size_t len = strlen(tok), digits;
	const char *s = tok;
	char fixed[64];
	uint64_t v;

	/* a lower-case suffix, or an upper-case 0X */
	if (len < sizeof(fixed)) {
		memcpy(fixed, tok, len + 1);
		if (len > 1 && strchr("kmg", fixed[len - 1]))
			fixed[len - 1] = (char)(fixed[len - 1] - 'a' + 'A');
		if (fixed[0] == '0' && fixed[1] == 'X')
			fixed[1] = 'x';
		if (strcmp(fixed, tok) && parse_number(fixed, &v))
			note(p, "did you mean '%s'?", fixed);
	}
	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	digits = strspn(s, s == tok ? "0123456789"
				    : "0123456789abcdefABCDEF");
	if (digits && (s[digits] == '\0' ||
		       (strchr("KMG", s[digits]) && s[digits + 1] == '\0')))
		return note(p, "the value does not fit in 64 bits");
	return note(p, "a number is decimal or 0x hex, with an optional "
		       "suffix K, M or G (x 1024, 1024^2, 1024^3)");
}

static int parse_num_arg(struct parser *p, const char *tok, const char *what,
			 uint64_t *out)
{
	if (!parse_number(tok, out)) {
		fail_tok(p, tok, "bad %s '%s'", what, tok);
		return number_notes(p, tok);
	}
	return 0;
}

/* The error of a bad PROT @tok, with its notes. Return: -EINVAL. */
static int bad_prot(struct parser *p, const char *tok)
{
	static const char *const prots[] = {"---", "r--", "rw-", "r-x",
					    "rwx", "-w-", "--x", "-wx"};
	char fixed[4] = "---";
	unsigned int seen = 0;
	const char *c;

	fail_tok(p, tok, "bad PROT '%s'", tok);
	/* the same letters in the right order: "wr-", "rw", "RW-" */
	for (c = tok; *c; c++) {
		const char *at;
		unsigned int i;

		if (*c == '-')
			continue;
		at = strchr("rwx", *c | 0x20);
		if (!at)
			break;
		i = (unsigned int)(at - "rwx");
		if (seen & (1u << i))
			break;
		seen |= 1u << i;
		fixed[i] = "rwx"[i];
	}
	if (!*c && strlen(tok) <= 3 && seen)
		note(p, "did you mean '%s'?", fixed);
	return suggest(p, tok, 0, prots, 8, true,
		       " (r, w, x or '-', in that order)");
}

static int parse_prot(struct parser *p, const char *tok, unsigned int *out)
{
	static const char letters[3] = {'r', 'w', 'x'};
	unsigned int i, prot = 0;

	if (strlen(tok) != 3)
		return bad_prot(p, tok);
	for (i = 0; i < 3; i++) {
		if (tok[i] == letters[i])
			prot |= 1u << i;
		else if (tok[i] != '-')
			return bad_prot(p, tok);
	}
	*out = prot;
	return 0;
}

/**
 * parse_flags() - Parse names from @tab joined by '|'.
 * @p:          parser.
 * @tok:        the token.
 * @tab:        allowed names.
 * @what:       word for the error message.
 * @allow_zero: accept a lone "0" for no flags.
 * @out:        the OR of the values.
 *
 * Return: 0 or -EINVAL with the error set.
 */
static int parse_flags(struct parser *p, const char *tok,
		       const struct name_val *tab, const char *what,
		       bool allow_zero, unsigned int *out)
{
	const char *s = tok;
	unsigned int v = 0;

	if (allow_zero && !strcmp(tok, "0")) {
		*out = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(s, "|");
		const struct name_val *nv;

		for (nv = tab; nv->name; nv++)
			if (strlen(nv->name) == len &&
			    !memcmp(nv->name, s, len))
				break;
		if (!nv->name) {
			const char *words[32];

			fail_at(p, s, len, "bad %s '%.*s'", what, (int)len, s);
			return suggest(p, s, len, words,
				       table_words(tab, words), true,
				       tab == advices ? NULL
				       : allow_zero ? ", joined by '|', or 0"
						    : ", joined by '|'");
		}
		v |= nv->val;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*out = v;
	return 0;
}

static int bad_file_name(struct parser *p, const char *tok)
{
	fail_tok(p, tok, "bad file name '%s'", tok);
	return note(p, "a file name is lower-case letters, digits and '_'");
}

static int file_ref(struct parser *p, const char *tok, int *out)
{
	int id;

	if (!valid_name(tok))
		return bad_file_name(p, tok);
	id = intern(p, &p->file_ix, &p->s->files, &p->s->nfiles, tok,
		    strlen(tok), false);
	if (id < 0) {
		const char *near = nearest(tok, strlen(tok),
					   (const char *const *)p->s->files,
					   p->s->nfiles, NULL);

		fail_tok(p, tok, "unknown file '%s'", tok);
		if (near)
			note(p, "did you mean '%s'?", near);
		return note(p, "a file is made by an earlier line 'file %s "
			       "SIZE'", tok);
	}
	*out = id;
	return 0;
}

/* Handles a trailing "-> VAR"; returns the number of tokens left before it. */
static int parse_bind(struct parser *p, char **tok, int ntok,
		      struct vasctl_stmt *st, int *left)
{
	*left = ntok;
	st->bind = -1;
	if (ntok >= 2 && !strcmp(tok[ntok - 2], "->")) {
		const char *v = tok[ntok - 1];
		int id;

		if (!valid_var(v, strlen(v))) {
			fail_tok(p, v, "bad variable name '%s'", v);
			return note(p, "a variable name is letters, digits and "
				       "'_'");
		}
		id = var_id(p, v, strlen(v));
		if (id < 0)
			return -ENOMEM;
		st->bind = id;
		*left = ntok - 2;
	} else if (ntok >= 1 && !strcmp(tok[ntok - 1], "->")) {
		return fail_at(p, tok[ntok - 1] + 2, 1,
			       "missing variable after '->'");
	}
	return 0;
}

/* What statement @op takes, for the notes. */
static const char *usage_of(enum vasctl_op op)
{
	switch (op) {
	case VASCTL_OP_FILE:
		return "file NAME SIZE [SEED] [ro]";
	case VASCTL_OP_MMAP:
		return "mmap ADDR LEN PROT FLAGS [NAME OFFSET] [-> VAR]";
	case VASCTL_OP_MREMAP:
		return "mremap ADDR OLDLEN NEWLEN FLAGS [NEWADDR] [-> VAR]";
	case VASCTL_OP_MPROTECT:
		return "mprotect ADDR LEN PROT";
	case VASCTL_OP_MADVISE:
		return "madvise ADDR LEN ADVICE";
	case VASCTL_OP_MLOCK2:
		return "mlock2 ADDR LEN onfault";
	case VASCTL_OP_MSYNC:
		return "msync ADDR LEN FLAGS";
	case VASCTL_OP_WRITE:
		return "write ADDR LEN BYTE";
	case VASCTL_OP_FREAD:
		return "fread NAME OFFSET LEN";
	case VASCTL_OP_FORK:
		return "fork";
	case VASCTL_OP_MAPS:
		return "maps";
	default:	/* munmap, mlock, munlock, mseal, read */
		return NULL;
	}
}

/*
 * The error of a statement with @n arguments @arg where it takes @min to
 * @max: the caret just past the last word for too few, under the first
 * word too many for too many. Return: 0 when @n fits, else -EINVAL.
 */
static int arity(struct parser *p, char **arg, int n, int min, int max,
		 const char *kw, enum vasctl_op op)
{
	const char *use = usage_of(op);
	/* just past the last word: the last argument, or the keyword arg[-1] */
	const char *end = n ? arg[n - 1] + strlen(arg[n - 1])
			    : arg[-1] + strlen(arg[-1]);

	if (n >= min && n <= max)
		return 0;
	if (n < min)
		fail_at(p, end, 1, "too few arguments to %s", kw);
	else
		fail_at(p, arg[max], (size_t)(end - arg[max]),
			"too many arguments to %s", kw);
	if (use)
		return note(p, "usage: %s", use);
	return note(p, "usage: %s ADDR LEN", kw);
}

/**
 * file_bytes() - Count a `file` statement towards the script's files.
 * @p:    parser.
 * @id:   the file id.
 * @size: its SIZE.
 * @tok:  the SIZE token (where the error points).
 *
 * The files hold at most, at any time, the sum over the NAMEs of the
 * largest SIZE given to each (a rewrite replaces the contents); that sum
 * may not pass VASCTL_FILES_MAX, so that no script fills the disk.
 * Return: 0, -EINVAL with the error set, or -ENOMEM.
 */
static int file_bytes(struct parser *p, int id, uint64_t size,
		      const char *tok)
{
	struct vasctl_script *s = p->s;

	if ((size_t)id >= p->peak_cap) {
		size_t ncap = p->peak_cap ? 2 * p->peak_cap : 8;
		uint64_t *np;

		while (ncap <= (size_t)id)
			ncap *= 2;
		np = realloc(p->file_peak, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		memset(np + p->peak_cap, 0,
		       (ncap - p->peak_cap) * sizeof(*np));
		p->file_peak = np;
		p->peak_cap = ncap;
	}
	if (size <= p->file_peak[id])
		return 0;
	if (size - p->file_peak[id] > VASCTL_FILES_MAX - s->file_bytes)
		return fail_tok(p, tok, "files too large: more than 1G in all");
	s->file_bytes += size - p->file_peak[id];
	p->file_peak[id] = size;
	return 0;
}

/**
 * parse_stmt() - Parse the tokens of one statement (after any @child).
 * @p:   parser.
 * @tok: tokens; tok[0] is the keyword.
 * @n:   number of tokens.
 * @st:  filled.
 *
 * Return: 0 or a negative errno (-EINVAL: error message set).
 */
static int parse_stmt(struct parser *p, char **tok, int n,
		      struct vasctl_stmt *st)
{
	const char *kw = tok[0];
	int a = n - 1, ret, i;
	char **arg = tok + 1;

	st->file = -1;
	st->bind = -1;
	for (i = 0; i <= VASCTL_OP_MAPS; i++)
		if (!strcmp(kw, op_names[i]))
			break;
	if (i > VASCTL_OP_MAPS) {
		fail_tok(p, kw, "unknown statement '%s'", kw);
		return suggest(p, kw, strlen(kw), op_names, VASCTL_OP_MAPS + 1,
			       true, ", each may follow '@child'");
	}
	st->op = (enum vasctl_op)i;

	if (st->op == VASCTL_OP_MMAP || st->op == VASCTL_OP_MREMAP) {
		ret = parse_bind(p, arg, a, st, &a);
		if (ret)
			return ret;
	}

	switch (st->op) {
	case VASCTL_OP_FILE: {
		bool ro = a >= 1 && !strcmp(arg[a - 1], "ro");
		int id;

		if (ro)
			a--;
		ret = arity(p, arg, a, 2, 3, kw, st->op);
		if (ret)
			return ret;
		if (!valid_name(arg[0]))
			return bad_file_name(p, arg[0]);
		ret = parse_num_arg(p, arg[1], "SIZE", &st->len);
		if (!ret && a == 3)
			ret = parse_num_arg(p, arg[2], "SEED", &st->seed);
		if (ret)
			return ret;
		id = intern(p, &p->file_ix, &p->s->files, &p->s->nfiles, arg[0],
			    strlen(arg[0]), true);
		if (id < 0)
			return -ENOMEM;
		st->file = id;
		st->ro = ro;
		return file_bytes(p, id, st->len, arg[1]);
	}
	case VASCTL_OP_MMAP:
		if (a != 4 && a != 6) {
			const char *end = a ? arg[a - 1] + strlen(arg[a - 1])
					    : kw + strlen(kw);

			if (a > 6)
				fail_at(p, arg[6], (size_t)(end - arg[6]),
					"mmap takes ADDR LEN PROT FLAGS [NAME "
					"OFFSET] [-> VAR]");
			else
				fail_at(p, end, 1, "mmap takes ADDR LEN PROT "
					"FLAGS [NAME OFFSET] [-> VAR]");
			return note(p, "%d argument%s before '->'", a,
				    a == 1 ? "" : "s");
		}
		ret = parse_addr(p, arg[0], &st->addr);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "LEN", &st->len);
		if (!ret)
			ret = parse_prot(p, arg[2], &st->prot);
		if (!ret)
			ret = parse_flags(p, arg[3], mmap_flags, "mmap flag",
					  false, &st->flags);
		if (!ret && a == 6) {
			ret = file_ref(p, arg[4], &st->file);
			if (!ret)
				ret = parse_num_arg(p, arg[5], "OFFSET",
						    &st->offset);
		}
		return ret;
	case VASCTL_OP_MREMAP:
		ret = arity(p, arg, a, 4, 5, kw, st->op);
		if (!ret)
			ret = parse_addr(p, arg[0], &st->addr);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "OLDLEN", &st->len);
		if (!ret)
			ret = parse_num_arg(p, arg[2], "NEWLEN", &st->len2);
		if (!ret)
			ret = parse_flags(p, arg[3], mremap_flags,
					  "mremap flag", true, &st->flags);
		if (!ret && a == 5) {
			st->has_newaddr = true;
			ret = parse_addr(p, arg[4], &st->newaddr);
		}
		return ret;
	case VASCTL_OP_MUNMAP:
	case VASCTL_OP_MLOCK:
	case VASCTL_OP_MUNLOCK:
	case VASCTL_OP_MSEAL:
	case VASCTL_OP_READ:
		ret = arity(p, arg, a, 2, 2, kw, st->op);
		if (!ret)
			ret = parse_addr(p, arg[0], &st->addr);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "LEN", &st->len);
		return ret;
	case VASCTL_OP_MPROTECT:
	case VASCTL_OP_MADVISE:
	case VASCTL_OP_MLOCK2:
	case VASCTL_OP_MSYNC:
	case VASCTL_OP_WRITE:
		ret = arity(p, arg, a, 3, 3, kw, st->op);
		if (!ret)
			ret = parse_addr(p, arg[0], &st->addr);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "LEN", &st->len);
		if (ret)
			return ret;
		switch (st->op) {
		case VASCTL_OP_MPROTECT:
			return parse_prot(p, arg[2], &st->prot);
		case VASCTL_OP_MADVISE:
			return parse_flags(p, arg[2], advices, "advice", false,
					   &st->flags);
		case VASCTL_OP_MLOCK2:
			if (strcmp(arg[2], "onfault")) {
				static const char *const onfault[] = {
				    "onfault"};

				fail_tok(p, arg[2], "bad mlock2 flag '%s'",
					 arg[2]);
				return suggest(p, arg[2], strlen(arg[2]),
					       onfault, 1, true, NULL);
			}
			st->flags = VASCTL_MLOCK_ONFAULT;
			return 0;
		case VASCTL_OP_MSYNC:
			return parse_flags(p, arg[2], msync_flags, "msync flag",
					   true, &st->flags);
		default: {
			uint64_t b;

			if (!parse_number(arg[2], &b) || b > 255) {
				fail_tok(p, arg[2], "bad BYTE '%s'", arg[2]);
				return note(p, "BYTE is a number from 0 to "
					       "255");
			}
			st->byte = (unsigned int)b;
			return 0;
		}
		}
	case VASCTL_OP_FREAD:
		ret = arity(p, arg, a, 3, 3, kw, st->op);
		if (!ret)
			ret = file_ref(p, arg[0], &st->file);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "OFFSET", &st->offset);
		if (!ret)
			ret = parse_num_arg(p, arg[2], "LEN", &st->len);
		return ret;
	case VASCTL_OP_FORK:
	case VASCTL_OP_MAPS:
		return arity(p, arg, a, 0, 0, kw, st->op);
	}
	return fail_tok(p, kw, "unknown statement '%s'", kw);
}

/* Parse one line (already split into tokens) into @st. */
static int parse_line(struct parser *p, char **tok, int n,
		      struct vasctl_stmt *st)
{
	int ret;

	if (!strcmp(tok[0], "@child")) {
		if (n < 2) {
			fail_at(p, tok[0] + 6, 1, "@child without a statement");
			return note(p, "usage: @child STATEMENT");
		}
		if (!strcmp(tok[1], "@child"))
			return fail_tok(p, tok[1], "@child @child is not "
					"allowed");
		if (!strcmp(tok[1], "fork"))
			return fail_tok(p, tok[1], "@child fork is not allowed");
		if (!p->forked) {
			fail_tok(p, tok[0], "@child before any fork");
			return note(p, "@child runs its statement in the child "
				       "made by the last earlier 'fork'");
		}
		st->child = true;
		tok++;
		n--;
	} else if (tok[0][0] == '@') {
		static const char *const child[] = {"@child"};

		fail_tok(p, tok[0], "unknown statement '%s'", tok[0]);
		return suggest(p, tok[0], strlen(tok[0]), child, 1, true,
			       NULL);
	}
	ret = parse_stmt(p, tok, n, st);
	if (ret)
		return ret;
	if (st->op != VASCTL_OP_FILE && st->op != VASCTL_OP_FREAD &&
	    st->op != VASCTL_OP_FORK && st->op != VASCTL_OP_MAPS) {
		st->addr_col = (int)(tok[1] - p->linebuf) + 1;
		st->addr_width = (int)strlen(tok[1]);
	}
	if (st->has_newaddr) {
		st->newaddr_col = (int)(tok[5] - p->linebuf) + 1;
		st->newaddr_width = (int)strlen(tok[5]);
	}
	if (st->op == VASCTL_OP_FORK)
		p->forked = true;
	if (st->bind >= 0)
		p->var_bound[st->bind] = true;
	return 0;
}

int vasctl_script_parse(const char *src, size_t len,
			struct vasctl_script *script, char *err, size_t errlen)
{
	struct vasctl_diag d;
	int ret = vasctl_script_parse_diag(src, len, script, &d);

	if (errlen)
		err[0] = '\0';
	if (ret == -EINVAL && errlen)
		snprintf(err, errlen, "line %d: %s", d.line, d.what);
	return ret;
}

int vasctl_script_parse_diag(const char *src, size_t len,
			     struct vasctl_script *script,
			     struct vasctl_diag *diag)
{
	struct parser p = {.s = script, .d = diag};
	const char *start = src, *end = src + len;
	size_t cap = 0;
	int ret = 0;

	memset(script, 0, sizeof(*script));
	memset(diag, 0, sizeof(*diag));
	while (src < end) {
		const char *nl = memchr(src, '\n', (size_t)(end - src));
		size_t linelen = nl ? (size_t)(nl - src) : (size_t)(end - src);
		const char *hash = memchr(src, '#', linelen), *nul;
		size_t codelen = hash ? (size_t)(hash - src) : linelen;
		char *buf, *tok[MAX_TOKENS], *save = NULL, *t;
		struct vasctl_stmt st;
		int n = 0;

		p.line++;
		/* Text has no NUL byte, not even in a comment. */
		nul = memchr(src, '\0', linelen);
		if (nul) {
			p.linebuf = src;
			ret = fail_at(&p, nul, 1, "NUL byte");
			note(&p, "a script is text: no NUL byte, not even in a "
				 "comment");
			break;
		}
		buf = strndup(src, codelen);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		p.linebuf = buf;
		src += linelen;
		if (src < end)
			src++;
		for (t = strtok_r(buf, " \t\r\v\f", &save); t;
		     t = strtok_r(NULL, " \t\r\v\f", &save)) {
			if (n == MAX_TOKENS) {
				ret = fail_at(&p, t, strlen(t),
					      "too many tokens");
				note(&p, "a line has at most %d words",
				     MAX_TOKENS);
				break;
			}
			tok[n++] = t;
		}
		if (ret || n == 0) {
			free(buf);
			if (ret)
				break;
			continue;
		}
		memset(&st, 0, sizeof(st));
		st.line = p.line;
		ret = parse_line(&p, tok, n, &st);
		if (ret == 0) {
			size_t textlen = 0;
			int i;

			for (i = 0; i < n; i++)
				textlen += strlen(tok[i]) + 1;
			st.text = malloc(textlen);
			if (st.text) {
				st.text[0] = '\0';
				for (i = 0; i < n; i++) {
					if (i)
						strcat(st.text, " ");
					strcat(st.text, tok[i]);
				}
			}
			if (!st.text)
				ret = -ENOMEM;
		}
		free(buf);
		if (ret == 0 && script->nstmts == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct vasctl_stmt *ns =
			    realloc(script->stmts, ncap * sizeof(*ns));

			if (!ns) {
				free(st.text);
				ret = -ENOMEM;
			} else {
				script->stmts = ns;
				cap = ncap;
			}
		}
		if (ret)
			break;
		script->stmts[script->nstmts++] = st;
	}
	if (p.nomem)
		ret = -ENOMEM;
	free(p.var_bound);
	free(p.file_peak);
	free(p.file_ix.slots);
	free(p.var_ix.slots);
	if (ret) {
		vasctl_script_free(script);
	} else {
		script->src = start;
		script->srclen = len;
	}
	return ret;
}

void vasctl_script_free(struct vasctl_script *script)
{
	size_t i;

	for (i = 0; i < script->nstmts; i++)
		free(script->stmts[i].text);
	for (i = 0; i < script->nfiles; i++)
		free(script->files[i]);
	for (i = 0; i < script->nvars; i++)
		free(script->vars[i]);
	free(script->stmts);
	free(script->files);
	free(script->vars);
	memset(script, 0, sizeof(*script));
}

/* The display width of byte @c at display column @x (tabs stop every 8). */
static size_t byte_width(unsigned char c, size_t x)
{
	if (c == '\t')
		return 8 - x % 8;
	if ((c & 0xc0) == 0x80)	/* a UTF-8 continuation byte */
		return 0;
	return 1;
}

void vasctl_diag_print(FILE *f, const char *name, const char *src,
		       size_t len, const struct vasctl_diag *d)
{
	const char *line = src, *end = src ? src + len : NULL, *note = d->note;
	size_t linelen = 0, i, x = 0, from = 0, to = 0, col;
	int ln, gutter;

	if (!name)
		name = "<script>";
	fprintf(f, "error: line %d: %s\n", d->line, d->what);
	fprintf(f, "%s:%d:%d: error: %s\n", name, d->line, d->col, d->what);
	for (ln = 1; src && ln < d->line && line < end; ln++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		line = nl ? nl + 1 : end;
	}
	if (src && ln == d->line && line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		linelen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		if (linelen && line[linelen - 1] == '\r')
			linelen--;
		gutter = snprintf(NULL, 0, "%d", d->line);
		if (gutter < 4)
			gutter = 4;
		fprintf(f, " %*d | ", gutter, d->line);
		col = (size_t)d->col - 1;
		for (i = 0; i <= linelen; i++) {
			unsigned char c = i < linelen ? (unsigned char)line[i]
						      : ' ';
			size_t w = byte_width(c, x);

			if (i == col)
				from = x;
			if (i < linelen) {
				if (c == '\t')
					fprintf(f, "%*s", (int)w, "");
				else if (c < 0x20 || c == 0x7f)
					fputc(c == '\r' || c == '\v' ||
					      c == '\f' ? ' ' : '?', f);
				else
					fputc(c, f);
			}
			x += w;
			if (i + 1 == col + (size_t)d->width)
				to = x;
		}
		if (to <= from)
			to = from + 1;
		fprintf(f, "\n %*s | %*s^", gutter, "", (int)from, "");
		for (i = from + 1; i < to; i++)
			fputc('~', f);
		fputc('\n', f);
	}
	while (*note) {
		size_t n = strcspn(note, "\n");

		fprintf(f, "note: %.*s\n", (int)n, note);
		note += n + (note[n] == '\n');
	}
}
