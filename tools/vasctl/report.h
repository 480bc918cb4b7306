/* SPDX-License-Identifier: MIT */
/*
 * report.h - output formatting of vasctl, shared by every runner, and the
 * interpreter that drives a backend.
 */
#ifndef VASCTL_REPORT_H
#define VASCTL_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "script.h"

/**
 * vasctl_errno_name() - Symbolic name of a Linux errno.
 * @err: a positive errno value.
 *
 * Return: a static string such as "EINVAL", or NULL if unknown.
 */
const char *vasctl_errno_name(int err);

/**
 * vasctl_format_addr() - Format an address as the spec prints it.
 * @buf: receives "W+0x..." for an address in [W, W + 1T), "?" otherwise.
 * @len: size of @buf (32 is enough).
 * @a:   the address.
 */
void vasctl_format_addr(char *buf, size_t len, uint64_t a);

/**
 * vasctl_format_errno() - Format a call's negative errno as "-ENAME".
 * @buf: receives the text (unknown values print as "-E<number>").
 * @len: size of @buf (32 is enough).
 * @ret: a negative errno.
 */
void vasctl_format_errno(char *buf, size_t len, int ret);

/**
 * vasctl_filter_vmflags() - Copy the smaps VmFlags codes of @src (separated
 * by blanks) to @dst, one space apart, without sd, hg, nh and mg, which
 * depend on how the host kernel was built (script.md, maps field 5).
 * @dst: receives the codes; a code that does not fit is left out.
 * @len: size of @dst.
 * @src: the codes as smaps or vas_vm_flags_codes() print them.
 */
void vasctl_filter_vmflags(char *dst, size_t len, const char *src);

/**
 * vasctl_print_maps() - Print the output of `maps` or `@child maps`.
 * @out:   the stream.
 * @child: print "@child maps:" rather than "maps:".
 * @m:     the mappings, lowest first.
 */
void vasctl_print_maps(FILE *out, bool child, const struct vasctl_maps *m);

/**
 * vasctl_interp_run() - Run a parsed script on a backend.
 * @s:   the script.
 * @b:   the backend, initialised.
 * @out: where results go (stdout).
 *
 * Errors go to stderr as "error: line N: WHAT" (script errors found while
 * running) or "vasctl: ..." (runner failures).
 * Return: the exit status: 0 after a complete run, 1 for a failure of the
 * runner, 2 for a script error found while running.
 */
int vasctl_interp_run(const struct vasctl_script *s, struct vasctl_backend *b,
		      FILE *out);

/**
 * struct vasctl_observer - called by the interpreter after each statement.
 * @step: @index is the statement's index in the script, @status what the
 *        run's exit status is now (0 to go on; 1 or 2 when this statement
 *        stopped the run). The output stream has been flushed. Return 0,
 *        or 1 to stop the run with status 1 (a failure of the observer).
 * @arg:  passed to @step.
 */
struct vasctl_observer {
	int (*step)(void *arg, size_t index, int status);
	void *arg;
};

/**
 * vasctl_interp_run_observed() - vasctl_interp_run(), calling @obs after
 * each statement run (also after the one that stopped the run).
 * @s, @b, @out: as vasctl_interp_run().
 * @obs:         the observer, or NULL.
 *
 * Return: as vasctl_interp_run().
 */
int vasctl_interp_run_observed(const struct vasctl_script *s,
			       struct vasctl_backend *b, FILE *out,
			       const struct vasctl_observer *obs);

#endif /* VASCTL_REPORT_H */
