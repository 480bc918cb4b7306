// SPDX-License-Identifier: MIT
/*
 * test_udiff.c - the unified diff printer of vasctl diff, against output
 * checked with GNU diff -u (its two header lines left aside).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udiff.h"

#include "harness.h"

/* Diff @a to @b and compare the hunks (after the two header lines). */
static void check(const char *what, const char *a, const char *b,
		  int want_ret, const char *want)
{
	char *buf = NULL, *hunks;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	ret = vasctl_udiff(f, "kernel", a, strlen(a), "model", b, strlen(b));
	fclose(f);
	hunks = buf;
	if (ret == 1) {
		if (strncmp(buf, "--- kernel\n+++ model\n", 21)) {
			harness_fail(__FILE__, __LINE__, "%s: headers:\n%s",
				     what, buf);
			free(buf);
			return;
		}
		hunks = buf + 21;
	}
	HARNESS_CHECK(0, ret == want_ret && !strcmp(hunks, want),
		      "%s: returned %d (want %d)\n--- got\n%s--- want\n%s",
		      what, ret, want_ret, hunks, want);
	free(buf);
}

static const char twenty[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n"
			     "15\n16\n17\n18\n19\n20\n";

TEST(udiff_hunks)
{
	check("equal", "a\nb\n", "a\nb\n", 0, "");
	check("both empty", "", "", 0, "");
	check("three hunks", twenty,
	      "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n11\n12\n13\n14\n15\n16\n17\n18\n"
	      "19\nnew\n20\n",
	      1,
	      "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
	      "@@ -7,7 +7,6 @@\n 7\n 8\n 9\n-10\n 11\n 12\n 13\n"
	      "@@ -17,4 +16,5 @@\n 17\n 18\n 19\n+new\n 20\n");
	/* Six unchanged lines between two changes: one hunk, as diff -u. */
	check("close changes share a hunk", twenty,
	      "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\ntwelve\n13\n14\n15\n16\n"
	      "17\n18\n19\n20\n",
	      1,
	      "@@ -2,14 +2,14 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n"
	      " 11\n-12\n+twelve\n 13\n 14\n 15\n");
	check("no newline at end", "x\ny", "x\nz\n", 1,
	      "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n");
	check("from empty", "", "x\nz\n", 1, "@@ -0,0 +1,2 @@\n+x\n+z\n");
	check("to empty", "x\nz\n", "", 1, "@@ -1,2 +0,0 @@\n-x\n-z\n");
	check("one line each", "a\n", "b\n", 1, "@@ -1 +1 @@\n-a\n+b\n");
	check("lines cut off at the end", "a\nb\nc\nd\ne\n", "a\nb\n", 1,
	      "@@ -1,5 +1,2 @@\n a\n b\n-c\n-d\n-e\n");
}
