#!/bin/bash
# SPDX-License-Identifier: MIT
# check-os-calls.sh - only src/host/ calls the operating system's file and
# memory calls (docs/design.md "Layers": host/ is the only code that calls
# the OS). Every other file of src/ goes through the host_* functions of
# src/host/host.h, except src/mirror/: a client of the public API bundled
# in libvas (docs/design.md, "Layers"), which calls the OS as an embedder
# would and may not include src/host/host.h.
#
#   scripts/check-os-calls.sh [SRCDIR]      (default: src)
#
# Looks, outside comments and string literals, for a call of one of the
# functions below that is not a member call (ops->mmap(), .open()).
# Prints each call found and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
srcdir=${1:-src}

calls='pread|pwrite|pread64|pwrite64|fallocate|ftruncate|fstat|stat|lstat|fcntl|open|openat|close|dup|dup2|dup3|read|write|mmap|munmap|mremap|mprotect|madvise|msync|mlock|munlock'

bad=0
while IFS= read -r f; do
	# Blank out comments and literals (keeping line numbers), then report
	# each NAME( not preceded by an identifier character, '.' or '->'.
	out=$(perl -0777 -ne '
		s{/\*.*?\*/}{ $& =~ s/[^\n]//gr }gse;
		s{//[^\n]*}{}g;
		s{"(?:\\.|[^"\\\n])*"}{""}g;
		s{'"'"'(?:\\.|[^'"'"'\\\n])*'"'"'}{0}g;
		my $n = 0;
		for my $line (split /\n/, $_, -1) {
			$n++;
			while ($line =~ /(?<![\w.>])('"$calls"')\s*\(/g) {
				print "$ARGV:$n: calls $1()\n";
			}
		}' "$f")
	if [ -n "$out" ]; then
		echo "$out"
		bad=1
	fi
done < <(find "$srcdir" -name '*.[ch]' -not -path "$srcdir/host/*" \
	   -not -path "$srcdir/mirror/*" | sort)

if [ "$bad" -ne 0 ]; then
	echo "check-os-calls: FAILED (call the OS through src/host/host.h)"
	exit 1
fi
echo "check-os-calls: ok"
