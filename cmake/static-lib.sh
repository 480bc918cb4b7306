#!/bin/sh
# SPDX-License-Identifier: MIT
# static-lib.sh OUT.o OBJ... - the one object of libvas.a, whose internal
# symbols cannot clash with an embedder's: link all objects into one
# relocatable object and make every hidden-visibility symbol local. The
# build archives it (src/CMakeLists.txt, target vas_static).
set -eu
out=$1; shift
tmp=$out.tmp
rm -f "$tmp"
ld -r -o "$tmp" "$@"
objcopy --localize-hidden "$tmp"
mv -f "$tmp" "$out"
