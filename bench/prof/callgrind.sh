#!/bin/bash
# SPDX-License-Identifier: MIT
# callgrind.sh BUILD_DIR ROW[:ROUNDS]... - instructions per operation of
# prof_rows' workloads, and the functions they go to (self, top TOP=12).
# Instruction counts do not depend on the machine's load: use them for
# before/after decisions (see BENCHMARKS.md).
. "$(dirname "$0")/rows.sh"

prof_row() {	# ROW FILE OPS
	local row=$1 f=$2 ops=$3 total
	total=$(callgrind_annotate "$f" 2>/dev/null |
		sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	echo "== $row: $((total / ops)) Ir/op ($total Ir, $ops ops)"
	callgrind_annotate --auto=no --inclusive=no "$f" 2>/dev/null |
		awk -v ops="$ops" -v total="$total" -v top="${TOP:-12}" '
		/file:function/ { on = 1; next }
		on && /^ *[0-9]/ && n < top {
			ir = $1; gsub(",", "", ir)
			fn = $0; sub(/.*:/, "", fn); sub(/ \[.*/, "", fn)
			printf "  %-28s %5.1f%% %8.0f Ir/op\n", fn, 100 * ir / total, ir / ops
			n++
		}'
}

prof_rows /tmp/prof_rows.cg "$@"
