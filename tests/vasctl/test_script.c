// SPDX-License-Identifier: MIT
/*
 * test_script.c - white-box tests of the vasctl parser and formatters:
 * number forms, address expressions, echo text, errno names, addresses.
 * tests/harness cases (a name as the first argument runs that case alone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "script.h"

#include "harness.h"

/* A string equal to @want (a NULL @got fails). */
#define EXPECT_STR(got, want)                                                \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		HARNESS_CHECK(0, g_ && !strcmp(g_, w_),                      \
			      "%s: got '%s', expected '%s'", #got,           \
			      g_ ? g_ : "(null)", w_);                       \
	} while (0)

/* Parse a one-statement script and return its first statement's length. */
static int parse1(const char *src, struct vasctl_script *s)
{
	char err[256];

	return vasctl_script_parse(src, strlen(src), s, err, sizeof(err));
}

/* Parse a string literal, NUL bytes in it included, into @s and @err. */
#define PARSE_LIT(lit, s, err) \
	vasctl_script_parse(lit, sizeof(lit) - 1, s, err, sizeof(err))

TEST(numbers)
{
	static const struct {
		const char *text;
		uint64_t val;
	} ok[] = {
	    {"munmap W 4096", 4096},
	    {"munmap W 0x1000", 0x1000},
	    {"munmap W 0xABc", 0xabc},
	    {"munmap W 16K", 16384},
	    {"munmap W 2M", 2 << 20},
	    {"munmap W 3G", 3ULL << 30},
	    {"munmap W 0x10K", 16 << 10},
	    {"munmap W 0", 0},
	    {"munmap W 18446744073709551615", UINT64_MAX},
	    {"munmap W 0xffffffffffffffff", UINT64_MAX},
	};
	static const char *const bad[] = {
	    "munmap W 4k",   "munmap W 0x",
	    "munmap W 16KK", "munmap W -1",
	    "munmap W 1T",   "munmap W 18446744073709551616",
	    "munmap W 0x1g", "munmap W 17179869184G",
	    "munmap W 0X10",
	};
	struct vasctl_script s;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		EXPECT_TRUE(parse1(ok[i].text, &s) == 0);
		EXPECT_TRUE(s.nstmts == 1 && s.stmts[0].len == ok[i].val);
		vasctl_script_free(&s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_TRUE(parse1(bad[i], &s) == -EINVAL);
		EXPECT_TRUE(s.nstmts == 0);
	}
}

TEST(addresses)
{
	struct vasctl_script s;
	const struct vasctl_stmt *st;

	EXPECT_TRUE(parse1("mmap W 8K rw- private|anonymous -> a\n"
		      "munmap $a+16K 4K\nmunmap $a-4K 4K\nmunmap W-0x1000 4K\n"
		      "munmap 0x1234 4K\nmunmap W 4K\n",
		      &s) == 0);
	EXPECT_TRUE(s.nstmts == 6);
	st = s.stmts;
	EXPECT_TRUE(st[0].addr.kind == VASCTL_ADDR_W && st[0].addr.delta == 0);
	EXPECT_TRUE(st[0].bind == 0 && st[0].prot == 3 &&
	       st[0].flags == (VASCTL_MAP_PRIVATE | VASCTL_MAP_ANONYMOUS));
	EXPECT_TRUE(st[1].addr.kind == VASCTL_ADDR_VAR && st[1].addr.var == 0 &&
	       st[1].addr.delta == 16384);
	EXPECT_TRUE(st[2].addr.delta == (uint64_t)-4096);
	EXPECT_TRUE(st[3].addr.kind == VASCTL_ADDR_W &&
	       st[3].addr.delta == (uint64_t)-4096);
	EXPECT_TRUE(st[4].addr.kind == VASCTL_ADDR_ABS &&
	       st[4].addr.delta == 0x1234);
	EXPECT_STR(s.vars[0], "a");
	vasctl_script_free(&s);
}

TEST(statements)
{
	struct vasctl_script s;
	const struct vasctl_stmt *st;

	EXPECT_TRUE(parse1("file d 1M 7 ro\nfile e 4K\n"
		      "mmap W 4K r-x shared_validate|fixed|populate d 0x1000\n"
		      "mremap W 4K 8K maymove|fixed|dontunmap W+8K -> m\n"
		      "madvise W 4K guard_install\nmsync W 4K 0\n"
		      "msync W 4K sync|invalidate\nmlock2 W 4K onfault\n"
		      "write W 4K 255\nfread e 4K 100\nfork\n@child maps\n",
		      &s) == 0);
	EXPECT_TRUE(s.nstmts == 12 && s.nfiles == 2);
	st = s.stmts;
	EXPECT_TRUE(st[0].op == VASCTL_OP_FILE && st[0].file == 0 &&
	       st[0].len == 1 << 20 && st[0].seed == 7 && st[0].ro);
	EXPECT_TRUE(st[1].file == 1 && st[1].seed == 0 && !st[1].ro);
	EXPECT_TRUE(st[2].file == 0 && st[2].offset == 0x1000 && st[2].prot == 5 &&
	       st[2].flags == 0x3 + 0x10 + 0x8000 && st[2].bind == -1);
	EXPECT_TRUE(st[3].op == VASCTL_OP_MREMAP && st[3].has_newaddr &&
	       st[3].newaddr.delta == 8192 && st[3].flags == 7 &&
	       st[3].len == 4096 && st[3].len2 == 8192);
	EXPECT_TRUE(st[4].flags == 102);
	EXPECT_TRUE(st[5].flags == 0 && st[6].flags == 6);
	EXPECT_TRUE(st[7].flags == VASCTL_MLOCK_ONFAULT);
	EXPECT_TRUE(st[8].byte == 255);
	EXPECT_TRUE(st[9].op == VASCTL_OP_FREAD && st[9].file == 1 &&
	       st[9].offset == 4096 && st[9].len == 100);
	EXPECT_TRUE(st[11].child && st[11].op == VASCTL_OP_MAPS);
	EXPECT_STR(st[11].text, "@child maps");
	vasctl_script_free(&s);
}

TEST(echo)
{
	struct vasctl_script s;

	EXPECT_TRUE(parse1("  \t mmap\tW  4K   rw-  private|anonymous\t->  a  # c\n"
		      "\n# only\n   \nread $a 4K#x\r\n",
		      &s) == 0);
	EXPECT_TRUE(s.nstmts == 2);
	EXPECT_STR(s.stmts[0].text, "mmap W 4K rw- private|anonymous -> a");
	EXPECT_TRUE(s.stmts[0].line == 1);
	EXPECT_STR(s.stmts[1].text, "read $a 4K");
	EXPECT_TRUE(s.stmts[1].line == 5);
	vasctl_script_free(&s);
	EXPECT_TRUE(parse1("", &s) == 0 && s.nstmts == 0);
	vasctl_script_free(&s);
}

TEST(errors)
{
	struct vasctl_script s;
	char err[256];

	EXPECT_TRUE(PARSE_LIT("maps\n\nfrob 1\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 3: unknown statement 'frob'");
	EXPECT_TRUE(PARSE_LIT("fork\n@child fork\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 2: @child fork is not allowed");
	EXPECT_TRUE(PARSE_LIT("@fork\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 1: unknown statement '@fork'");
	EXPECT_TRUE(PARSE_LIT("mmap W 4K rw- private|anonymous -> 1a-\n", &s,
			 err) == -EINVAL);
	EXPECT_STR(err, "line 1: bad variable name '1a-'");
}

/* Parse @src for its located error into @d; returns the parse's result. */
static int parse_diag(const char *src, struct vasctl_diag *d)
{
	struct vasctl_script s;
	int ret = vasctl_script_parse_diag(src, strlen(src), &s, d);

	if (ret == 0)
		vasctl_script_free(&s);
	return ret;
}

/*
 * Issue 13: an error points at the text at fault (line, 1-based byte
 * column, width) and its notes name the nearest accepted word, when one is
 * near enough (a third of the length, after case and a C prefix; or the
 * start of exactly one word).
 */
TEST(diagnostics)
{
	struct vasctl_diag d;
	char big[200];

	/* the word of FLAGS at fault, not the whole token */
	EXPECT_TRUE(parse_diag("maps\nmmap W 4K rw- private|anon|fixed\n", &d) ==
		    -EINVAL);
	EXPECT_EQ(d.line, 2);
	EXPECT_EQ(d.col, 23);
	EXPECT_EQ(d.width, 4);
	EXPECT_STR(d.what, "bad mmap flag 'anon'");
	EXPECT_TRUE(!strncmp(d.note, "did you mean 'anonymous'?\naccepted: "
				     "private shared ", 51));
	/* an empty word between '|': where it would be */
	EXPECT_TRUE(parse_diag("mmap W 4K rw- private||anonymous\n", &d) ==
		    -EINVAL);
	EXPECT_EQ(d.col, 23);
	EXPECT_EQ(d.width, 1);
	/* too few: just past the last word; too many: the extra words */
	EXPECT_TRUE(parse_diag("munmap  W\n", &d) == -EINVAL);
	EXPECT_EQ(d.col, 10);
	EXPECT_STR(d.note, "usage: munmap ADDR LEN\n");
	EXPECT_TRUE(parse_diag("\tmaps a  b # c\n", &d) == -EINVAL);
	EXPECT_EQ(d.col, 7);
	EXPECT_EQ(d.width, 4);
	/* a transposition is one edit; case and the MADV_ prefix are none */
	EXPECT_TRUE(parse_diag("madvise W 4K dontnede\n", &d) == -EINVAL);
	EXPECT_TRUE(!strncmp(d.note, "did you mean 'dontneed'?\n", 25));
	EXPECT_TRUE(parse_diag("madvise W 4K MADV_DONTNEED\n", &d) == -EINVAL);
	EXPECT_TRUE(!strncmp(d.note, "did you mean 'dontneed'?\n", 25));
	/* too far (4 edits of 8 letters), or the start of two words: none */
	EXPECT_TRUE(parse_diag("madvise W 4K dontxxxx\n", &d) == -EINVAL);
	EXPECT_TRUE(!strncmp(d.note, "accepted: ", 10));
	EXPECT_TRUE(parse_diag("mmap W 4K rw- fix\n", &d) == -EINVAL);
	EXPECT_TRUE(!strncmp(d.note, "accepted: ", 10));
	EXPECT_TRUE(parse_diag("mmap W 4K rw- anon\n", &d) == -EINVAL);
	EXPECT_TRUE(!strncmp(d.note, "did you mean 'anonymous'?\n", 26));
	/* one or two letters are near nothing */
	EXPECT_TRUE(parse_diag("mmap W 4K rw- private|anonymous -> a\n"
			       "munmap $b 4K\n", &d) == -EINVAL);
	EXPECT_EQ(d.col, 8);
	EXPECT_EQ(d.width, 2);
	EXPECT_TRUE(!strncmp(d.note, "a variable is bound", 19));
	/* a word too long to compare is near nothing, and does not overflow */
	memset(big, 'a', sizeof(big));
	memcpy(big, "madvise W 4K ", 13);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	EXPECT_TRUE(parse_diag(big, &d) == -EINVAL);
	EXPECT_EQ(d.col, 14);
	EXPECT_TRUE(!strncmp(d.note, "accepted: ", 10));
	/* the NUL byte itself */
	EXPECT_TRUE(vasctl_script_parse_diag("maps\nmunmap W\0 4K\n", 17,
					     &(struct vasctl_script){0},
					     &d) == -EINVAL);
	EXPECT_EQ(d.line, 2);
	EXPECT_EQ(d.col, 9);
}

/* The printed form: the spec's line first, then the compiler's. */
TEST(diag_print)
{
	static const char src[] = "maps\n\tmunmap\t$x 4K # \xc3\xa9\r\n";
	struct vasctl_diag d = {.line = 2, .col = 9, .width = 2};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_TRUE(f != NULL);
	snprintf(d.what, sizeof(d.what), "unknown variable '$x'");
	snprintf(d.note, sizeof(d.note), "one\ntwo\n");
	vasctl_diag_print(f, "x.vas", src, sizeof(src) - 1, &d);
	vasctl_diag_print(f, NULL, NULL, 0, &d);
	fclose(f);
	/* tabs to the next multiple of 8, so the caret stands under $x */
	EXPECT_STR(buf, "error: line 2: unknown variable '$x'\n"
			"x.vas:2:9: error: unknown variable '$x'\n"
			"    2 |         munmap  $x 4K # \xc3\xa9\n"
			"      |                 ^~\n"
			"note: one\n"
			"note: two\n"
			"error: line 2: unknown variable '$x'\n"
			"<script>:2:9: error: unknown variable '$x'\n"
			"note: one\n"
			"note: two\n");
	free(buf);
}

/*
 * Random scripts of words from the language, near misses and odd bytes:
 * every error is located inside its line (the caret at most one past its
 * end), prints the spec's line first, and vasctl_script_parse() still
 * gives "line N: WHAT". Under the debug preset ASan checks the rest.
 */
TEST(diag_random)
{
	static const char *const words[] = {
	    "mmap", "mmapp", "munmap", "mprotect", "madvise", "mremap", "msync",
	    "mlock2", "write", "read", "fread", "file", "fork", "maps", "@child",
	    "@x", "W", "W+4K", "W-", "$a", "$a+1", "$", "$zz", "4K", "4k", "0x",
	    "0X10", "256", "rw-", "wr-", "RW", "private|anonymous", "private||",
	    "anon", "MAP_SHARED", "fixed", "maymove|fxied", "0", "dontneeed",
	    "onfault", "sync|now", "data", "dat", "Data", "->", "a", "a-b",
	    "#", "\t", "\r", "\xc3\xa9", "\x01", "0xffffffffffffffffG"};
	enum { NW = sizeof(words) / sizeof(words[0]) };
	unsigned int seed = 12345, round;
	char src[512], err[1100];

	for (round = 0; round < 20000; round++) {
		struct vasctl_script sc;
		struct vasctl_diag d;
		size_t len = 0, i, nlines = 0, ll;
		const char *line;
		char *out = NULL;
		size_t outlen = 0;
		FILE *f;
		int ret, k;

		while (len < 400) {
			seed = seed * 1103515245u + 12345u;
			k = (int)((seed >> 16) % (NW + 4));
			if (k >= NW) {
				src[len++] = k == NW ? ' ' : '\n';
				continue;
			}
			len += (size_t)snprintf(src + len, sizeof(src) - len,
						"%s ", words[k]);
			if ((seed >> 8) % 7 == 0)
				break;
		}
		src[len] = '\0';
		ret = vasctl_script_parse_diag(src, len, &sc, &d);
		if (ret == 0) {
			vasctl_script_free(&sc);
			continue;
		}
		ASSERT_EQ(ret, -EINVAL);
		/* the line d.line and its length */
		line = src;
		for (i = 1; i < (size_t)d.line; i++) {
			line = strchr(line, '\n');
			ASSERT_TRUE(line != NULL);
			line++;
		}
		ll = strcspn(line, "\n");
		for (i = 0; i < len; i++)
			nlines += src[i] == '\n';
		ASSERT_TRUE(d.line >= 1 && (size_t)d.line <= nlines + 1);
		ASSERT_TRUE(d.col >= 1 && (size_t)d.col <= ll + 1);
		ASSERT_TRUE(d.width >= 1 &&
			    (size_t)(d.col - 1 + d.width) <= ll + 1);
		/* the text at fault is (part of) the word the message quotes */
		if (strchr(d.what, '\'') && !strstr(d.what, "after '->'")) {
			const char *q = strchr(d.what, '\'') + 1;
			char at[256];

			snprintf(at, sizeof(at), "%.*s", d.width,
				 line + d.col - 1);
			ASSERT_TRUE(strchr(q, '\'') != NULL);
			ASSERT_TRUE(strstr(q, at) != NULL &&
				    strstr(q, at) + strlen(at) <=
					strrchr(q, '\''));
		}
		f = open_memstream(&out, &outlen);
		ASSERT_TRUE(f != NULL);
		vasctl_diag_print(f, "r.vas", src, len, &d);
		fclose(f);
		snprintf(err, sizeof(err), "error: line %d: %s\nr.vas:%d:%d: ",
			 d.line, d.what, d.line, d.col);
		ASSERT_TRUE(!strncmp(out, err, strlen(err)));
		free(out);
		ASSERT_TRUE(vasctl_script_parse(src, len, &sc, err,
						sizeof(err)) == -EINVAL);
		ASSERT_TRUE(!strncmp(err, "line ", 5) &&
			    strstr(err, d.what) != NULL);
	}
}

/*
 * Regression (issue 8, defect 10): a NUL byte ended the script silently, so
 * "maps\n\0frob" ran "maps" and exited 0. A NUL byte is not text: it is a
 * script error of its line, wherever it stands, and the first error in line
 * order still wins.
 */
TEST(nul_byte)
{
	struct vasctl_script s;
	char err[256];

	EXPECT_TRUE(PARSE_LIT("maps\n\0frob\nmaps\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 2: NUL byte");
	EXPECT_TRUE(PARSE_LIT("maps\nmunmap W 4K\0\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 2: NUL byte");
	EXPECT_TRUE(PARSE_LIT("maps # a \0 in a comment\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 1: NUL byte");
	EXPECT_TRUE(PARSE_LIT("maps\n\0", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 2: NUL byte");
	EXPECT_TRUE(PARSE_LIT("frob\n\0\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 1: unknown statement 'frob'");
	/* The length bounds the text: a NUL past it is not part of it. */
	EXPECT_TRUE(vasctl_script_parse("maps\n\0frob", 5, &s, err, sizeof(err)) ==
	       0);
	EXPECT_TRUE(s.nstmts == 1 && s.stmts[0].op == VASCTL_OP_MAPS);
	vasctl_script_free(&s);
	/* No newline at the end: the last line still counts. */
	EXPECT_TRUE(PARSE_LIT("maps\nfork", &s, err) == 0);
	EXPECT_TRUE(s.nstmts == 2 && s.stmts[1].op == VASCTL_OP_FORK &&
	       s.stmts[1].line == 2);
	vasctl_script_free(&s);
}

TEST(format)
{
	char buf[32];
	int e;

	vasctl_format_addr(buf, sizeof(buf), VASCTL_W);
	EXPECT_STR(buf, "W+0x0");
	vasctl_format_addr(buf, sizeof(buf), VASCTL_W + 0xabc000);
	EXPECT_STR(buf, "W+0xabc000");
	vasctl_format_addr(buf, sizeof(buf), VASCTL_W + VASCTL_WSIZE - 1);
	EXPECT_STR(buf, "W+0xffffffffff");
	vasctl_format_addr(buf, sizeof(buf), VASCTL_W + VASCTL_WSIZE);
	EXPECT_STR(buf, "?");
	vasctl_format_addr(buf, sizeof(buf), VASCTL_W - 1);
	EXPECT_STR(buf, "?");
	vasctl_format_addr(buf, sizeof(buf), 0);
	EXPECT_STR(buf, "?");
	vasctl_format_errno(buf, sizeof(buf), -EINVAL);
	EXPECT_STR(buf, "-EINVAL");
	vasctl_format_errno(buf, sizeof(buf), -EOPNOTSUPP);
	EXPECT_STR(buf, "-EOPNOTSUPP");
	vasctl_format_errno(buf, sizeof(buf), -EHWPOISON);
	EXPECT_STR(buf, "-EHWPOISON");
	vasctl_format_errno(buf, sizeof(buf), -4000);
	EXPECT_STR(buf, "-E4000");
	/* Every errno glibc names has the same name here. */
	for (e = 1; e < 134; e++) {
		const char *g = strerrorname_np(e);

		if (g)
			EXPECT_STR(vasctl_errno_name(e), g);
		else
			EXPECT_TRUE(vasctl_errno_name(e) == NULL);
	}
	EXPECT_TRUE(vasctl_fnv1a(VASCTL_FNV_BASIS, "", 0) == 0xcbf29ce484222325ULL);
	EXPECT_TRUE(vasctl_fnv1a(VASCTL_FNV_BASIS, "a", 1) == 0xaf63dc4c8601ec8cULL);
}

TEST(maps_format)
{
	struct vasctl_maps m = {0};
	struct vasctl_map *r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	r = vasctl_maps_add(&m);
	r->start = VASCTL_W;
	r->end = VASCTL_W + 0x3000;
	r->prot = 3;
	strcpy(r->vmflags, "rd wr mr mw me ac");
	r->rss_kb = 8;
	r->anon_kb = 8;
	r = vasctl_maps_add(&m);
	r->start = VASCTL_W + 0x3000;
	r->end = VASCTL_W + 0x5000;
	r->prot = 1;
	r->shared = true;
	r->offset = 0x2000;
	r->file = 0;
	r->name = "data";
	strcpy(r->vmflags, "rd sh mr mw me ms");
	vasctl_print_maps(f, false, &m);
	vasctl_print_maps(f, true, &m);
	fclose(f);
	EXPECT_STR(text, "maps:\n"
			 "  W+0x0-W+0x3000 rw-p 00000000 - rd wr mr mw me ac "
			 "rss=8 anon=8 locked=0\n"
			 "  W+0x3000-W+0x5000 r--s 00002000 data rd sh mr mw "
			 "me ms rss=0 anon=0 locked=0\n"
			 "@child maps:\n"
			 "  W+0x0-W+0x3000 rw-p 00000000 - rd wr mr mw me ac "
			 "rss=8 anon=8 locked=0\n"
			 "  W+0x3000-W+0x5000 r--s 00002000 data rd sh mr mw "
			 "me ms rss=0 anon=0 locked=0\n");
	free(text);
	vasctl_maps_free(&m);
}

/*
 * Parsing is linear in the number of distinct names. Regression (issue 12,
 * weak spot 3): names were looked up by comparing with every name so far,
 * so 100,000 variables took about 5 * 10^9 comparisons (20 s). The parser
 * counts the names it compares (name_probes); with the hash index it is
 * about one per lookup, whatever the number of names.
 */
TEST(many_names_linear)
{
	enum { N = 100000 };
	size_t cap = (size_t)N * 64, len = 0, lookups;
	char *src = malloc(cap);
	struct vasctl_script s;
	char err[256];
	int i;

	ASSERT_TRUE(src != NULL);
	/* each variable bound once and used once; a few files too */
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(src + len, cap - len,
					"mmap W 4K rw- private|anonymous -> v%d\n",
					i);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(src + len, cap - len, "munmap $v%d 4K\n",
					i);
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(src + len, cap - len,
					"file f%d 4K\nfread f%d 0 1\n", i, i);
	ASSERT_EQ(vasctl_script_parse(src, len, &s, err, sizeof(err)), 0);
	EXPECT_EQ(s.nvars, N);
	EXPECT_EQ(s.nfiles, 1000);
	EXPECT_EQ(s.nstmts, 2 * N + 2000);
	EXPECT_TRUE(!strcmp(s.vars[N - 1], "v99999"));
	EXPECT_EQ(s.stmts[2 * N - 1].addr.var, N - 1);
	/* 2N variable lookups and 2000 file lookups: a few probes each */
	lookups = 2 * (size_t)N + 2000;
	EXPECT_LE(s.name_probes, 2 * lookups);
	vasctl_script_free(&s);
	free(src);
}

/*
 * Regression (issue 12, weak spot 2): `file big 0xffffffffffffffff` was
 * accepted and wrote until the disk was full. The files of a script may
 * hold VASCTL_FILES_MAX (1G) at once: the sum over the NAMEs of the largest
 * SIZE each is given (a rewrite replaces the contents, it adds nothing).
 * The line whose `file` would pass it is a script error, found before
 * anything runs.
 */
TEST(file_bytes)
{
	struct vasctl_script s;
	char err[256];

	EXPECT_TRUE(PARSE_LIT("maps\nfile big 0xffffffffffffffff\n", &s,
			      err) == -EINVAL);
	EXPECT_STR(err, "line 2: files too large: more than 1G in all");
	/* 1G exactly fits; rewrites count once, at their largest */
	EXPECT_TRUE(PARSE_LIT("file a 512M\nfile b 256M\nfile a 4K\n"
			      "file b 512M\nfile a 512M 3 ro\nfile b 1\n",
			      &s, err) == 0);
	EXPECT_EQ(s.file_bytes, VASCTL_FILES_MAX);
	vasctl_script_free(&s);
	EXPECT_TRUE(PARSE_LIT("file a 512M\nfile b 256M\nfile a 4K\n"
			      "file b 512M\nfile c 1\n",
			      &s, err) == -EINVAL);
	EXPECT_STR(err, "line 5: files too large: more than 1G in all");
	EXPECT_TRUE(PARSE_LIT("file a 1G\nfile a 0x40000001\n", &s, err) ==
		    -EINVAL);
	EXPECT_STR(err, "line 2: files too large: more than 1G in all");
	/* the first error in line order still wins */
	EXPECT_TRUE(PARSE_LIT("frob\nfile a 2G\n", &s, err) == -EINVAL);
	EXPECT_STR(err, "line 1: unknown statement 'frob'");
	EXPECT_TRUE(PARSE_LIT("file a 0\nmaps\n", &s, err) == 0);
	EXPECT_EQ(s.file_bytes, 0);
	vasctl_script_free(&s);
}
