#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh - the main job: build vas (release) and run the demo, which shows
# the core at work: readers taking VMA locks under RCU while a writer
# changes the tree, with the lock statistics printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j 2 >/dev/null
exec build/release/examples/vas_demo "$@"
