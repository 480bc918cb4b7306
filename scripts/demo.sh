#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh - the main job: build vas (release), then
#  1. the core at work: readers taking VMA locks under RCU while a writer
#     changes the tree, with the lock statistics printed (examples/demo);
#  2. the tour: one script of mappings, merges, splits, errors, mremap,
#     and memory (faults, copy-on-write fork, a shared file mapping),
#     run on the vas model and on this machine's kernel with vasctl diff,
#     ending with the summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j 2 >/dev/null
build/release/examples/vas_demo "${1:-1}"
echo
echo "=== vasctl diff tests/conformance/tour.vas (model vs host kernel) ==="
build/release/tools/vasctl/vasctl run tests/conformance/tour.vas
exec build/release/tools/vasctl/vasctl diff tests/conformance/tour.vas
