# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# rows.sh - sourced by callgrind.sh and atomics.sh: what they share, their
# arguments (BUILD_DIR ROW[:ROUNDS]...) and the callgrind run of each row.
#
# prof_rows DEFAULT_OUT BUILD_DIR ROW[:ROUNDS]... - for each ROW, run
# BUILD_DIR's bench/prof_rows ROW ROUNDS (default 10) under callgrind,
# collecting prof_region only, with the extra options of the array
# prof_valgrind_opts, into $OUT/ROW.out ($OUT defaults to DEFAULT_OUT);
# then call the script's prof_row ROW FILE OPS (OPS: the operations those
# rounds made). $dir is BUILD_DIR meanwhile.
set -euo pipefail
prof_valgrind_opts=()

prof_rows() {
	local default_out=$1 out arg row rounds f ops
	dir=$2
	shift 2
	out=${OUT:-$default_out}
	mkdir -p "$out"
	for arg in "$@"; do
		row=${arg%%:*}
		rounds=10
		[ "$row" != "$arg" ] && rounds=${arg#*:}
		f=$out/$row.out
		ops=$(valgrind --tool=callgrind --toggle-collect=prof_region \
			"${prof_valgrind_opts[@]}" --callgrind-out-file="$f" \
			"$dir/bench/prof_rows" "$row" "$rounds" \
			2>/dev/null | sed -n 's/.*rounds, \([0-9]*\) ops.*/\1/p')
		prof_row "$row" "$f" "$ops"
	done
}
