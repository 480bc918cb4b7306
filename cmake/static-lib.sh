#!/bin/sh
# SPDX-License-Identifier: MIT
# static-lib.sh OUT.a OBJ... - build a static library whose internal symbols
# cannot clash with an embedder's: link all objects into one relocatable
# object, make every hidden-visibility symbol local, and archive that.
set -eu
out=$1; shift
tmp=${out%.a}.o
ld -r -o "$tmp" "$@"
objcopy --localize-hidden "$tmp"
rm -f "$out"
ar rcs "$out" "$tmp"
rm -f "$tmp"
