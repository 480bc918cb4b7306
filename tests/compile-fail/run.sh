#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh CC INCLUDE_DIR SRC_DIR FILE... - the compile-fail driver.
#
# Each FILE is a small C program that misuses the API. Its first line is
#     // expect: REGEX
# (an extended regular expression). The program is checked twice with the
# project's warning flags, -Wthread-safety and -Werror:
#   1. as is: the compiler must fail, print at least one "error:" line, and
#      every "error:" line must match REGEX (so the failure is the misuse,
#      not a typo or a second, unrelated problem);
#   2. with -DVAS_CF_OK, the corrected twin (the same file, with the misuse
#      replaced under #ifdef VAS_CF_OK): it must compile without a warning.
# A file containing a line starting with "// white-box" is also given
# -I SRC_DIR (internal headers); the others see only the public headers.
#
# Prints one "ok"/"not ok" line per check and "N passed, N failed"; exits 1
# if any check failed.
set -u

if [ $# -lt 4 ]; then
	echo "usage: $0 CC INCLUDE_DIR SRC_DIR FILE..." >&2
	exit 2
fi
cc=$1 inc=$2 src=$3
shift 3

flags="-std=gnu11 -fsyntax-only -Wall -Wextra -Wshadow -Wstrict-prototypes
 -Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wnull-dereference
 -Wthread-safety -Wthread-safety-beta -Werror -fno-color-diagnostics"
pass=0 fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }

for file in "$@"; do
	name=$(basename "$file" .c)
	line1=$(head -n 1 "$file")
	case $line1 in
	"// expect: "*) re=${line1#"// expect: "} ;;
	*) notok "$name: first line is not '// expect: REGEX'"; continue ;;
	esac
	extra=
	if grep -q '^// white-box' "$file"; then
		extra="-I $src"
	fi

	# 1. The misuse must fail, with the expected diagnostic only.
	# shellcheck disable=SC2086
	if "$cc" $flags -I "$inc" $extra "$file" >"$tmp/out" 2>&1; then
		notok "$name: compiled, but must fail with /$re/"
	else
		grep 'error:' "$tmp/out" >"$tmp/errors"
		if [ ! -s "$tmp/errors" ]; then
			notok "$name: failed without an error line"
			cat "$tmp/out"
		elif grep -Ev -e "$re" "$tmp/errors" >"$tmp/other"; then
			notok "$name: unexpected error (want /$re/):"
			cat "$tmp/other"
		else
			ok "$name: fails with /$re/ ($(wc -l <"$tmp/errors") error(s))"
		fi
	fi

	# 2. The corrected twin must compile cleanly.
	# shellcheck disable=SC2086
	if "$cc" $flags -DVAS_CF_OK -I "$inc" $extra "$file" >"$tmp/out" 2>&1 &&
	   [ ! -s "$tmp/out" ]; then
		ok "$name: corrected twin (-DVAS_CF_OK) compiles cleanly"
	else
		notok "$name: corrected twin (-DVAS_CF_OK) does not compile cleanly:"
		cat "$tmp/out"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
