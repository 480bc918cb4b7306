#!/bin/sh
# SPDX-License-Identifier: MIT
# kdoc2man.sh OUTDIR VERSION DATE DESCRIPTION HEADER... - regenerate the man
# pages of the public headers (cmake/kdoc2man.awk) into OUTDIR/man3 and
# OUTDIR/man3type, replacing what was there, and touch OUTDIR/stamp.
# Needs only sh and a POSIX awk.
set -eu
out=$1 version=$2 date=$3 description=$4
shift 4
here=$(dirname "$0")
rm -rf "$out/man3" "$out/man3type" "$out/stamp"
mkdir -p "$out/man3" "$out/man3type"
${AWK:-awk} -v outdir="$out" -v version="$version" -v date="$date" \
	-v description="$description" -f "$here/kdoc2man.awk" "$@"
touch "$out/stamp"
