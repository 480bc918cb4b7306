#!/bin/bash
# SPDX-License-Identifier: MIT
# test-all.sh - every build and every test of vas, as CI runs them:
#   release    gcc -O2 -Werror                       all tests
#   clang-tsa  clang -Wthread-safety -Werror          all tests + compile-fail
#   debug      gcc ASan+UBSan, VAS_DEBUG              all tests
#   tsan       clang ThreadSanitizer                  all tests
# then a smoke run of the benchmarks. Installs missing Debian packages when
# run as root. Ends with "N passed, N failed" (ctest tests over all builds);
# tests skipped because the host is not the reference configuration
# (tests/conformance/README.md) are counted apart, with the facts that
# differ, and are neither passed nor failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

JOBS=${JOBS:-2}
passed=0
failed=0
skipped=0
broken=()

run_preset() {
	local preset=$1 secs=$2 out
	echo "=== $preset ==="
	if ! cmake --preset "$preset" >"build-$preset.log" 2>&1 ||
	   ! cmake --build --preset "$preset" -j "$JOBS" >>"build-$preset.log" 2>&1; then
		cat "build-$preset.log"
		broken+=("$preset (build)")
		failed=$((failed + 1))
		return
	fi
	out=$(VAS_STRESS_SECONDS=$secs ctest --preset "$preset" -j "$JOBS" 2>&1)
	echo "$out" | grep -vE '^\s*(Start|[0-9]+/[0-9]+ Test)' | tail -25
	local line total nfail
	line=$(echo "$out" | grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -1)
	if [ -z "$line" ]; then
		broken+=("$preset (no ctest summary)")
		failed=$((failed + 1))
		return
	fi
	total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
	nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
	nskip=$(echo "$out" | grep -cE '^\s+[0-9]+ - .* \(Skipped\)$')
	passed=$((passed + total - nfail - nskip))
	failed=$((failed + nfail))
	skipped=$((skipped + nskip))
	[ "$nfail" -eq 0 ] || broken+=("$preset")
}

run_preset release 2
if [ -x build/release/tools/vasctl/vasctl ]; then
	echo "=== host facts (vasctl host --check) ==="
	build/release/tools/vasctl/vasctl host --check ||
		echo "(tests that compare this host with a recording are skipped where these facts matter)"
fi
run_preset clang-tsa 2
run_preset debug 5
run_preset tsan 5
rm -f build-*.log

echo "=== benchmark smoke run (release) ==="
if scripts/bench-smoke.sh build/release; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	broken+=("bench smoke")
fi

[ ${#broken[@]} -eq 0 ] || echo "failing: ${broken[*]}"
[ "$skipped" -eq 0 ] ||
	echo "$skipped skipped: the host is not the reference configuration (above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
