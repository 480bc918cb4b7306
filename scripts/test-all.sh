#!/bin/bash
# SPDX-License-Identifier: MIT
# test-all.sh - every build and every test of vas, as CI runs them:
#   release    gcc -O2 -Werror                       all tests
#   clang-tsa  clang -Wthread-safety -Werror          all tests + compile-fail
#   debug      gcc ASan+UBSan, VAS_DEBUG              all tests
#   tsan       clang ThreadSanitizer                  all tests
#   fuzz       clang libFuzzer, ASan+UBSan, VAS_DEBUG  the fuzzers' bounded
#              runs from their seed corpora (RELIABILITY.md, "Fuzzing")
#   rust       the crate in rust/ (cargo test, the binder example) against
#              the release build, and against the debug build (ASan+UBSan,
#              VAS_DEBUG) without the doc tests
# then a smoke run of the benchmarks. Installs missing Debian packages when
# run as root. Ends with "N passed, N failed" (ctest tests over all builds,
# and cargo's tests: each "test result:" line adds its counts);
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

# The Rust crate (rust/, docs/rust.md) against the library of build/$1,
# and the binder example. "release" links libvas.a and runs every test
# (unit, integration with the binder race and the compile-fail check, doc
# tests with the compile-fail rules); "debug" links the ASan+UBSan
# libvas.so, with gcc adding the ASan runtime to each program (rustc links
# with -nodefaultlibs, which leaves it out, unless default-linker-libraries
# is set), and runs the unit and integration tests: the doc tests work
# there too, but would double the step's time.
run_rust() {
	local preset=$1 secs=$2 out status line np nf
	local lib
	lib=$(find "$PWD/build/$preset" -name libvas.so -not -path '*/CMakeFiles/*' -print -quit)
	lib=$(dirname "${lib:-$PWD/build/$preset/src/libvas.so}")
	local env=(VAS_LIB_DIR="$lib" CARGO_TARGET_DIR="$PWD/build/rust-$preset"
		VAS_STRESS_SECONDS="$secs")
	if [ "$preset" = debug ]; then
		local asan="-C default-linker-libraries=yes -C link-arg=-fsanitize=address"
		env+=(VAS_LINK=dylib LD_LIBRARY_PATH="$lib" RUSTFLAGS="$asan"
			RUSTDOCFLAGS="$asan"
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
	fi
	echo "=== rust ($preset) ==="
	if ! command -v cargo >/dev/null 2>&1; then
		broken+=("rust $preset (no cargo)")
		failed=$((failed + 1))
		return
	fi
	local which=()
	[ "$preset" = release ] || which=(--tests)
	out=$(cd rust && env "${env[@]}" cargo test --offline --no-fail-fast "${which[@]}" 2>&1)
	status=$?
	echo "$out" | grep -E '^(test result|error(\[|:)|---- |failures:|race: )' | tail -25
	np=0
	nf=0
	while read -r line; do
		np=$((np + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
		nf=$((nf + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
	done < <(echo "$out" | grep -E '^test result: (ok|FAILED)\. [0-9]+ passed; [0-9]+ failed')
	passed=$((passed + np))
	failed=$((failed + nf))
	if [ $status -ne 0 ] && [ $nf -eq 0 ]; then
		# a build error, or a test program that died (a sanitizer report)
		echo "$out" | tail -30
		failed=$((failed + 1))
	fi
	if (cd rust && env "${env[@]}" cargo run --offline -q --example binder >/dev/null 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		status=1
		echo "rust example binder failed"
	fi
	[ $status -eq 0 ] || broken+=("rust $preset")
}

run_preset release 2
run_rust release 2
if [ -x build/release/tools/vasctl/vasctl ]; then
	echo "=== host facts (vasctl host --check) ==="
	build/release/tools/vasctl/vasctl host --check ||
		echo "(tests that compare this host with a recording are skipped where these facts matter)"
fi
run_preset clang-tsa 2
run_preset debug 5
run_rust debug 2
run_preset tsan 5
run_preset fuzz 2
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
