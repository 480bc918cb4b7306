#!/bin/bash
# SPDX-License-Identifier: MIT
# cg_groups.sh OPS FILE.out - a callgrind profile's self instructions per
# operation, by part of vas (the source folder) and by outside library.
set -euo pipefail
ops=$1
callgrind_annotate --auto=no --inclusive=no "$2" 2>/dev/null |
awk -v ops="$ops" '
/PROGRAM TOTALS/ { t = $1; gsub(",", "", t); total = t; next }
/file:function/ { on = 1; next }
on && /^ *[0-9]/ {
	ir = $1; gsub(",", "", ir)
	g = "other"
	if ($0 ~ /src\/tree\//) g = "tree (src/tree)"
	else if ($0 ~ /src\/vma\//) g = "VMA layer (src/vma)"
	else if ($0 ~ /src\/mmap\//) g = "system calls (src/mmap)"
	else if ($0 ~ /src\/memory\//) g = "memory (src/memory)"
	else if ($0 ~ /src\/pgtable\//) g = "page tables (src/pgtable)"
	else if ($0 ~ /src\/mem\//) g = "pages, anon_vma (src/mem)"
	else if ($0 ~ /src\/mm\//) g = "mm, locks, lookup (src/mm)"
	else if ($0 ~ /src\/base\//) g = "alloc, RCU, stats (src/base)"
	else if ($0 ~ /libc|ld-linux/) g = "libc (malloc, memcpy, pthread)"
	else if ($0 ~ /liburcu/) g = "liburcu"
	else if ($0 ~ /bench\//) g = "benchmark loop"
	sum[g] += ir
}
END {
	for (g in sum)
		printf "%-34s %5.1f%% %9.0f Ir/op\n", g, 100 * sum[g] / total, sum[g] / ops
}' | sort -t% -k1 -rn -k2
