// SPDX-License-Identifier: MIT
/*
 * fuzz_script.c - libFuzzer target over the vasctl script parser and the
 * model runner: each input is a script; it is parsed, and a script that
 * parses runs on the vas model (never on the host kernel) with the
 * reference configuration, its output thrown away. Crashes, sanitizer
 * reports, leaks and hangs are the findings.
 *
 * Inputs that would only measure the machine are not run: a `file` larger
 * than FUZZ_MAX_BYTES (it is written to a scratch folder), and a length
 * above it where the model touches every page (read, write, fread,
 * mprotect, mremap, madvise, mlock, msync, and mmap with populate or
 * locked). Plain mmap, munmap and mseal keep any length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "report.h"
#include "host.h"
#include "script.h"

#define FUZZ_MAX_BYTES (16ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vasctl's --mem (main.c, not linked here): 0, the model's default. */
uint64_t vasctl_model_mem;

static bool too_costly(const struct vasctl_script *s)
{
	size_t i;

	for (i = 0; i < s->nstmts; i++) {
		const struct vasctl_stmt *st = &s->stmts[i];

		switch (st->op) {
		case VASCTL_OP_MMAP:
			if (!(st->flags & (VASCTL_MAP_POPULATE |
					   VASCTL_MAP_LOCKED)))
				break;
			/* fall through */
		case VASCTL_OP_FILE:
		case VASCTL_OP_READ:
		case VASCTL_OP_WRITE:
		case VASCTL_OP_FREAD:
		case VASCTL_OP_MPROTECT:
		case VASCTL_OP_MADVISE:
		case VASCTL_OP_MLOCK:
		case VASCTL_OP_MLOCK2:
		case VASCTL_OP_MUNLOCK:
		case VASCTL_OP_MSYNC:
			if (st->len > FUZZ_MAX_BYTES)
				return true;
			break;
		case VASCTL_OP_MREMAP:
			if (st->len > FUZZ_MAX_BYTES ||
			    st->len2 > FUZZ_MAX_BYTES)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null_out;
	struct vasctl_script s;
	struct vasctl_backend b;
	char err[512];

	if (!null_out) {
		null_out = fopen("/dev/null", "w");
		if (!null_out)
			abort();
	}
	if (vasctl_script_parse((const char *)data, size, &s, err,
				sizeof(err)))
		return 0;	/* a script error (or no memory): parsed only */
	if (!too_costly(&s) &&
	    !vasctl_model_backend_init(&b, &s, &vasctl_reference)) {
		(void)vasctl_interp_run(&s, &b, null_out);
		b.destroy(b.ctx);
	}
	vasctl_script_free(&s);
	return 0;
}
