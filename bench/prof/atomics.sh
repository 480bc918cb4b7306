#!/bin/bash
# SPDX-License-Identifier: MIT
# atomics.sh BUILD_DIR ROW[:ROUNDS]... - lock-prefixed (atomic) instructions
# per operation of prof_rows' workloads, by instruction. BUILD_DIR's
# bench/prof_rows must be linked statically and without PIE (BENCHMARKS.md,
# "Session 5"), so that objdump's addresses are the executed ones.
. "$(dirname "$0")/rows.sh"
prof_valgrind_opts=(--dump-instr=yes --compress-pos=no --compress-strings=no)

prof_row() {	# ROW FILE OPS
	echo "== $1"
	python3 "$(dirname "$0")/atomics.py" "$2" "$dir/bench/prof_rows" "$3" "${TOP:-20}"
}

prof_rows /tmp/prof_rows.at "$@"
