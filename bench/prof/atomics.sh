#!/bin/bash
# SPDX-License-Identifier: MIT
# atomics.sh BUILD_DIR ROW[:ROUNDS]... - lock-prefixed (atomic) instructions
# per operation of prof_rows' workloads, by instruction. BUILD_DIR's
# bench/prof_rows must be linked statically and without PIE (BENCHMARKS.md,
# "Session 5"), so that objdump's addresses are the executed ones.
set -euo pipefail
dir=$1
shift
out=${OUT:-/tmp/prof_rows.at}
mkdir -p "$out"
for arg in "$@"; do
	row=${arg%%:*}
	rounds=10
	[ "$row" != "$arg" ] && rounds=${arg#*:}
	f=$out/$row.out
	ops=$(valgrind --tool=callgrind --toggle-collect=prof_region \
		--dump-instr=yes --compress-pos=no --compress-strings=no \
		--callgrind-out-file="$f" "$dir/bench/prof_rows" "$row" "$rounds" \
		2>/dev/null | sed -n 's/.*rounds, \([0-9]*\) ops.*/\1/p')
	echo "== $row"
	python3 "$(dirname "$0")/atomics.py" "$f" "$dir/bench/prof_rows" "$ops" "${TOP:-20}"
done
