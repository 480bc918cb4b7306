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

/* Parser state: the script being built and the error buffer. */
struct parser {
	struct vasctl_script *s;
	char *err;
	size_t errlen;
	int line;
	bool *var_bound; /* per variable id: some earlier line binds it */
	size_t var_cap;
	bool forked; /* an earlier line is a (parent) fork */
	bool nomem;
	struct name_index file_ix, var_ix;
	uint64_t *file_peak; /* per file id: the largest SIZE so far */
	size_t peak_cap;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "line %d: ", p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
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

			if (!valid_var(tok + 1, len))
				return fail(p, "bad address '%s'", tok);
			id = var_id(p, tok + 1, len);
			if (id < 0)
				return -ENOMEM;
			if (!p->var_bound[id])
				return fail(p, "unknown variable '$%.*s'",
					    (int)len, tok + 1);
			a->kind = VASCTL_ADDR_VAR;
			a->var = id;
			rest = tok + 1 + len;
		}
		a->delta = 0;
		if (*rest == '\0')
			return 0;
		if ((*rest != '+' && *rest != '-') ||
		    !parse_number(rest + 1, &n))
			return fail(p, "bad address '%s'", tok);
		a->delta = *rest == '+' ? n : (uint64_t)0 - n;
		return 0;
	}
	if (!parse_number(tok, &n))
		return fail(p, "bad address '%s'", tok);
	a->kind = VASCTL_ADDR_ABS;
	a->var = -1;
	a->delta = n;
	return 0;
}

static int parse_num_arg(struct parser *p, const char *tok, const char *what,
			 uint64_t *out)
{
	if (!parse_number(tok, out))
		return fail(p, "bad %s '%s'", what, tok);
	return 0;
}

static int parse_prot(struct parser *p, const char *tok, unsigned int *out)
{
	static const char letters[3] = {'r', 'w', 'x'};
	unsigned int i, prot = 0;

	if (strlen(tok) != 3)
		return fail(p, "bad PROT '%s'", tok);
	for (i = 0; i < 3; i++) {
		if (tok[i] == letters[i])
			prot |= 1u << i;
		else if (tok[i] != '-')
			return fail(p, "bad PROT '%s'", tok);
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
		if (!nv->name)
			return fail(p, "bad %s '%.*s'", what, (int)len, s);
		v |= nv->val;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*out = v;
	return 0;
}

static int file_ref(struct parser *p, const char *tok, int *out)
{
	int id;

	if (!valid_name(tok))
		return fail(p, "bad file name '%s'", tok);
	id = intern(p, &p->file_ix, &p->s->files, &p->s->nfiles, tok,
		    strlen(tok), false);
	if (id < 0)
		return fail(p, "unknown file '%s'", tok);
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

		if (!valid_var(v, strlen(v)))
			return fail(p, "bad variable name '%s'", v);
		id = var_id(p, v, strlen(v));
		if (id < 0)
			return -ENOMEM;
		st->bind = id;
		*left = ntok - 2;
	} else if (ntok >= 1 && !strcmp(tok[ntok - 1], "->")) {
		return fail(p, "missing variable after '->'");
	}
	return 0;
}

static int arity(struct parser *p, int n, int min, int max, const char *kw)
{
	if (n < min)
		return fail(p, "too few arguments to %s", kw);
	if (n > max)
		return fail(p, "too many arguments to %s", kw);
	return 0;
}

/**
 * file_bytes() - Count a `file` statement towards the script's files.
 * @p:    parser.
 * @id:   the file id.
 * @size: its SIZE.
 *
 * The files hold at most, at any time, the sum over the NAMEs of the
 * largest SIZE given to each (a rewrite replaces the contents); that sum
 * may not pass VASCTL_FILES_MAX, so that no script fills the disk.
 * Return: 0, -EINVAL with the error set, or -ENOMEM.
 */
static int file_bytes(struct parser *p, int id, uint64_t size)
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
		return fail(p, "files too large: more than 1G in all");
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
	if (i > VASCTL_OP_MAPS)
		return fail(p, "unknown statement '%s'", kw);
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
		ret = arity(p, a, 2, 3, kw);
		if (ret)
			return ret;
		if (!valid_name(arg[0]))
			return fail(p, "bad file name '%s'", arg[0]);
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
		return file_bytes(p, id, st->len);
	}
	case VASCTL_OP_MMAP:
		if (a != 4 && a != 6)
			return fail(p, "mmap takes ADDR LEN PROT FLAGS [NAME "
				       "OFFSET] [-> VAR]");
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
		ret = arity(p, a, 4, 5, kw);
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
		ret = arity(p, a, 2, 2, kw);
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
		ret = arity(p, a, 3, 3, kw);
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
			if (strcmp(arg[2], "onfault"))
				return fail(p, "bad mlock2 flag '%s'", arg[2]);
			st->flags = VASCTL_MLOCK_ONFAULT;
			return 0;
		case VASCTL_OP_MSYNC:
			return parse_flags(p, arg[2], msync_flags, "msync flag",
					   true, &st->flags);
		default: {
			uint64_t b;

			if (!parse_number(arg[2], &b) || b > 255)
				return fail(p, "bad BYTE '%s'", arg[2]);
			st->byte = (unsigned int)b;
			return 0;
		}
		}
	case VASCTL_OP_FREAD:
		ret = arity(p, a, 3, 3, kw);
		if (!ret)
			ret = file_ref(p, arg[0], &st->file);
		if (!ret)
			ret = parse_num_arg(p, arg[1], "OFFSET", &st->offset);
		if (!ret)
			ret = parse_num_arg(p, arg[2], "LEN", &st->len);
		return ret;
	case VASCTL_OP_FORK:
	case VASCTL_OP_MAPS:
		return arity(p, a, 0, 0, kw);
	}
	return fail(p, "unknown statement '%s'", kw);
}

/* Parse one line (already split into tokens) into @st. */
static int parse_line(struct parser *p, char **tok, int n,
		      struct vasctl_stmt *st)
{
	int ret;

	if (!strcmp(tok[0], "@child")) {
		if (n < 2)
			return fail(p, "@child without a statement");
		if (!strcmp(tok[1], "@child"))
			return fail(p, "@child @child is not allowed");
		if (!strcmp(tok[1], "fork"))
			return fail(p, "@child fork is not allowed");
		if (!p->forked)
			return fail(p, "@child before any fork");
		st->child = true;
		tok++;
		n--;
	} else if (tok[0][0] == '@') {
		return fail(p, "unknown statement '%s'", tok[0]);
	}
	ret = parse_stmt(p, tok, n, st);
	if (ret)
		return ret;
	if (st->op == VASCTL_OP_FORK)
		p->forked = true;
	if (st->bind >= 0)
		p->var_bound[st->bind] = true;
	return 0;
}

int vasctl_script_parse(const char *src, size_t len,
			struct vasctl_script *script, char *err, size_t errlen)
{
	struct parser p = {.s = script, .err = err, .errlen = errlen};
	const char *end = src + len;
	size_t cap = 0;
	int ret = 0;

	memset(script, 0, sizeof(*script));
	if (errlen)
		err[0] = '\0';
	while (src < end) {
		const char *nl = memchr(src, '\n', (size_t)(end - src));
		size_t linelen = nl ? (size_t)(nl - src) : (size_t)(end - src);
		const char *hash = memchr(src, '#', linelen);
		size_t codelen = hash ? (size_t)(hash - src) : linelen;
		char *buf, *tok[MAX_TOKENS], *save = NULL, *t;
		struct vasctl_stmt st;
		int n = 0;

		p.line++;
		/* Text has no NUL byte, not even in a comment. */
		if (memchr(src, '\0', linelen)) {
			ret = fail(&p, "NUL byte");
			break;
		}
		buf = strndup(src, codelen);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		src += linelen;
		if (src < end)
			src++;
		for (t = strtok_r(buf, " \t\r\v\f", &save); t;
		     t = strtok_r(NULL, " \t\r\v\f", &save)) {
			if (n == MAX_TOKENS) {
				ret = fail(&p, "too many tokens");
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
	if (ret)
		vasctl_script_free(script);
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
