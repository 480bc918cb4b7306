#!/bin/bash
# SPDX-License-Identifier: MIT
# check-layers.sh - keep src/ layered: a file may use only its own folder
# and the folders of lower layers.
#
#   scripts/check-layers.sh [OBJDIR [OBJECT...]]
#
# The layer list is read from docs/design.md (the block after the line
# "<!-- layers -->"): one layer a line, bottom first, each a list of
# folders under src/; "." is src/ itself (the composition root). A folder
# written "name:public" is a client of the public API (src/mirror): it may
# include only its own folder's headers (and <vas/...>), and use only
# exported vas_* symbols of other folders.
#
# Two checks:
#  1. includes: every '#include "DIR/..."' in src/ names a header of the
#     file's own folder or of a lower layer;
#  2. symbols (with OBJDIR, the folder holding the library's object files,
#     e.g. build/release/src/CMakeFiles/vas_objs.dir): every symbol an
#     object file uses from another object file is defined in its own
#     folder or in a lower layer, so a declaration placed low cannot hide
#     a call upwards. With OBJECTs (the build's list, as ctest passes it),
#     only those are read: a build folder may hold stale objects of files
#     that moved.
# Prints each violation and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A layer_of public_only
n=0
while read -r line; do
	[ -n "$line" ] || continue
	for d in $line; do
		case $d in
		*:public)
			d=${d%:public}
			public_only[$d]=1
			;;
		esac
		layer_of[$d]=$n
	done
	n=$((n + 1))
done < <(awk '/<!-- layers -->/ { on = 1; next }
	      on && /^```/ { if (fence++) exit; next }
	      on && fence == 1 { sub(/#.*/, ""); print }' docs/design.md)
if [ "$n" -eq 0 ]; then
	echo "check-layers: no layer list in docs/design.md" >&2
	exit 2
fi

bad=0
folder_of() {	# src/mm/mm.c -> mm; src/machine.c -> .
	local rel=${1#src/}
	case $rel in
	*/*) echo "${rel%%/*}" ;;
	*) echo . ;;
	esac
}
# may_use FROM TO: a file of folder FROM may use folder TO
may_use() {
	[ "$1" = "$2" ] && return 0
	local lf=${layer_of[$1]-} lt=${layer_of[$2]-}
	[ -n "$lf" ] && [ -n "$lt" ] && [ "$lt" -lt "$lf" ]
}

# 1. includes
while IFS= read -r f; do
	from=$(folder_of "$f")
	if [ -z "${layer_of[$from]-}" ]; then
		echo "$f: folder '$from' is in no layer of docs/design.md"
		bad=1
		continue
	fi
	while IFS=: read -r lno inc; do
		to=${inc%%/*}
		[ "$to" != "$inc" ] || to=.
		# "name.h" next to the including file is its own folder's
		if [ "$to" = . ] && [ "$from" != . ] &&
		   [ -e "$(dirname "$f")/$inc" ]; then
			to=$from
		fi
		if [ -n "${public_only[$from]-}" ] && [ "$to" != "$from" ]; then
			echo "$f:$lno: includes \"$inc\": $from is a client of the public API (<vas/...> and its own folder only)"
			bad=1
		elif ! may_use "$from" "$to"; then
			echo "$f:$lno: includes \"$inc\": $to (layer ${layer_of[$to]-?}) is not below $from (layer ${layer_of[$from]})"
			bad=1
		fi
	done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' "$f" |
		 sed -E 's/^([0-9]+):[^"]*"([^"]+)".*/\1:\2/')
done < <(find src -name '*.[ch]' | sort)

# 2. symbols
if [ $# -ge 1 ]; then
	objdir=$1
	if [ ! -d "$objdir" ]; then
		echo "check-layers: no object folder $objdir" >&2
		exit 2
	fi
	shift
	objs=()
	if [ $# -gt 0 ]; then
		objs=("$@")
	else
		while IFS= read -r -d '' o; do
			objs+=("$o")
		done < <(find "$objdir" -name '*.o' -print0 | sort -z)
	fi
	declare -A def_in
	while read -r obj sym; do
		rel=${obj#"$objdir"/}
		rel=${rel#./}
		def_in[$sym]=$(folder_of "src/${rel%.o}")
	done < <(nm -A --defined-only --extern-only "${objs[@]}" 2>/dev/null |
		 awk '{ sub(/\.o:.*/, ".o", $1); print $1, $3 }')
	while read -r obj sym; do
		[ -n "${def_in[$sym]-}" ] || continue	# libc, liburcu, ...
		rel=${obj#"$objdir"/}
		rel=${rel#./}
		from=$(folder_of "src/${rel%.o}")
		to=${def_in[$sym]}
		if [ -n "${public_only[$from]-}" ] && [ "$to" != "$from" ] &&
		   [[ $sym != vas_* ]]; then
			echo "src/${rel%.c.o}.c: uses $sym of $to: $from is a client of the public API (exported vas_* only)"
			bad=1
		elif ! may_use "$from" "$to"; then
			echo "src/${rel%.c.o}.c: uses $sym, defined in $to (layer ${layer_of[$to]-?}), not below $from (layer ${layer_of[$from]-?})"
			bad=1
		fi
	done < <(nm -A --undefined-only "${objs[@]}" 2>/dev/null |
		 awk '{ sub(/\.o:.*/, ".o", $1); print $1, $NF }')
fi

if [ "$bad" -ne 0 ]; then
	echo "check-layers: FAILED (the order is in docs/design.md)"
	exit 1
fi
echo "check-layers: ok ($n layers)"
