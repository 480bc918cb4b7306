#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh - install the Debian 12 packages vas needs, if missing and if root.
set -eu
pkgs="cmake ninja-build gcc clang libclang-rt-14-dev liburcu-dev pkg-config binutils valgrind cppcheck man-db groff-base"
# chromium and python3: the browser test of `vasctl run --html`
# (tests/vasctl/html/check_html.py).
pkgs="$pkgs chromium python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The Rust crate (rust/) needs cargo and rustc >= 1.63: Debian's, unless a
# toolchain is already on the PATH (rustup's, say).
command -v cargo >/dev/null 2>&1 || missing="$missing cargo"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
