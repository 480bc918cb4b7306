#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-smoke.sh BUILD_DIR - run each benchmark briefly: they must build and
# run to completion (figures are not checked; see BENCHMARKS.md).
set -euo pipefail
dir=${1:-build/release}
status=0
for b in "$dir"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "--- $(basename "$b") --smoke"
	if ! "$b" --smoke >/dev/null; then
		echo "FAILED: $b"
		status=1
	fi
done
exit $status
