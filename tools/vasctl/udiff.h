/* SPDX-License-Identifier: MIT */
/*
 * udiff.h - a small line-based unified diff (as `diff -u` prints it), for
 * `vasctl diff` to show how the model's output differs from the kernel's.
 */
#ifndef VASCTL_UDIFF_H
#define VASCTL_UDIFF_H

#include <stddef.h>
#include <stdio.h>

/* Unchanged lines shown around each change, as diff -u. */
#define VASCTL_UDIFF_CONTEXT 3

/**
 * vasctl_udiff() - Print the unified diff from text @a to text @b.
 * @out:    the stream.
 * @a_name: name on the "--- " line.
 * @a:      the old text (lines end with '\n'; the last may not).
 * @alen:   its length in bytes.
 * @b_name: name on the "+++ " line.
 * @b:      the new text.
 * @blen:   its length.
 *
 * Prints nothing when the texts are equal. Otherwise prints the two header
 * lines, then hunks "@@ -START,COUNT +START,COUNT @@" with the numbering of
 * GNU diff (",COUNT" left out when it is 1; an empty side names the line
 * before it), lines prefixed by ' ', '-' or '+', and "\ No newline at end of
 * file" after a last line without one. The edit script is a shortest one
 * (Myers' O(ND) algorithm).
 *
 * Context: may allocate.
 * Return: 0 if the texts are equal, 1 if a diff was printed, -ENOMEM.
 */
int vasctl_udiff(FILE *out, const char *a_name, const char *a, size_t alen,
		 const char *b_name, const char *b, size_t blen);

#endif /* VASCTL_UDIFF_H */
