/* SPDX-License-Identifier: MIT */
/*
 * html.h - `vasctl run --html OUT.html` and `vasctl diff --html OUT.html`:
 * a picture of the address space after each statement, in one
 * self-contained HTML page (docs/vasctl-html.md).
 *
 * Running a script with html_run() records one frame a statement as a
 * JSON object (the statement, what it printed, and the VMAs of the parent
 * and of the child, with the state of each page where the runner can
 * tell); html_write() puts the frames of one or two runners, the script
 * and the page's viewer (html_view.js, html_view.css, built in) into the
 * page. The viewer draws the frames when the page loads.
 */
#ifndef VASCTL_HTML_H
#define VASCTL_HTML_H

#include <stdio.h>

#include "backend.h"
#include "script.h"

/*
 * The most pages of one VMA whose state is asked of the runner: a larger
 * VMA's page strip is shown as not known. The strip of a VMA has at most
 * VASCTL_HTML_CELLS cells; a cell of several pages shows the most notable
 * state among them (shared, then own, zero page, unknown, none).
 */
#define VASCTL_HTML_MAX_PAGES (1UL << 18)
#define VASCTL_HTML_CELLS 256

/**
 * vasctl_html_run() - Run a parsed script, recording a frame a statement.
 * @s:      the script.
 * @b:      the backend, initialised.
 * @out:    where the statements' results go, as vasctl_interp_run().
 * @frames: receives the frames: JSON objects joined by commas (the
 *          contents of an array).
 *
 * After each statement the observer asks the runner for the parent's
 * mappings (select(false), maps, and pages when the runner has it), and
 * for the child's once a fork succeeded.
 * Context: may allocate.
 * Return: the exit status, as vasctl_interp_run(); 1 also when a frame
 * could not be taken (out of memory, a failure of the runner).
 */
int vasctl_html_run(const struct vasctl_script *s, struct vasctl_backend *b,
		    FILE *out, FILE *frames);

/**
 * struct vasctl_html_side - the frames of one runner for html_write().
 * @name:   "model" or "kernel".
 * @frames: what vasctl_html_run() wrote (NUL-terminated), or "" for none.
 * @status: the runner's exit status.
 * @err:    its standard error, or NULL when not kept.
 */
struct vasctl_html_side {
	const char *name;
	const char *frames;
	int status;
	const char *err;
};

/**
 * vasctl_html_write() - Write the page.
 * @f:      the page's stream.
 * @title:  the script's path.
 * @src:    the script text, @len bytes.
 * @len:    its length.
 * @sides:  one side (run) or two, kernel first (diff).
 * @nsides: 1 or 2.
 *
 * Return: 0, or -1 when writing failed (errno set).
 */
int vasctl_html_write(FILE *f, const char *title, const char *src,
		      size_t len, const struct vasctl_html_side *sides,
		      int nsides);

#endif /* VASCTL_HTML_H */
