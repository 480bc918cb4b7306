#!/bin/sh
# SPDX-License-Identifier: MIT
# The kernel-vs-model differential fuzzer: random scripts restricted to the
# window (fuzz/gen_diff_script.py) run on the host kernel and on the model
# (`vasctl diff`) for SECONDS seconds. It executes real system calls, so it
# runs on demand only (RELIABILITY.md, "Fuzzing").
#
#   fuzz/diff.sh SECONDS [OUTDIR]
#
# Each script that differs is saved as OUTDIR/diff-SEED.vas with the diff
# (diff-SEED.diff) and shrunk to diff-SEED.min.vas (fuzz/min_diff.py).
# $VASCTL names vasctl (default build/release/tools/vasctl/vasctl);
# $VAS_DIFF_SEED the first seed (default: from the clock); $VAS_DIFF_LEN
# the statements per script (60). Exit status: 0 if nothing differed,
# 1 if something did, 2 on a usage or script error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:?usage: fuzz/diff.sh SECONDS [OUTDIR]}
out=${2:-fuzz-diff-findings}
vasctl=${VASCTL:-build/release/tools/vasctl/vasctl}
seed=${VAS_DIFF_SEED:-$(date +%s)}
len=${VAS_DIFF_LEN:-60}
[ -x "$vasctl" ] || { echo "diff.sh: no vasctl at $vasctl" >&2; exit 2; }
mkdir -p "$out" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
end=$(($(date +%s) + secs))
n=0
bad=0
first=$seed
batch=20
while [ "$(date +%s)" -lt "$end" ]; do
	if [ ! -f "$tmp/s-$seed.vas" ]; then	# the next batch of scripts
		rm -f "$tmp"/s-*.vas
		python3 "$here/gen_diff_script.py" --batch "$tmp" "$seed" \
			"$batch" "$len" || exit 2
	fi
	s="$tmp/s-$seed.vas"
	"$vasctl" diff "$s" > "$tmp/out" 2>&1
	rc=$?
	n=$((n + 1))
	# vasctl diff: 0 same; 1 different, or an error in the script
	# ("error: line N"), which is the generator's fault
	if [ $rc -eq 0 ]; then
		:
	elif grep -q "error: line" "$tmp/out"; then
		cp "$s" "$out/error-$seed.vas"
		cp "$tmp/out" "$out/error-$seed.out"
		echo "seed $seed: a script error ($out/error-$seed.vas)"
		bad=$((bad + 1))
	else
		bad=$((bad + 1))
		cp "$s" "$out/diff-$seed.vas"
		cp "$tmp/out" "$out/diff-$seed.diff"
		echo "seed $seed: the kernel and the model differ ($out/diff-$seed.vas)"
		python3 "$here/min_diff.py" "$vasctl" "$out/diff-$seed.vas" \
			"$out/diff-$seed.min.vas"
	fi
	seed=$((seed + 1))
done
echo "diff.sh: $n scripts (seeds $first..$((seed - 1))), $bad differed"
[ "$bad" -eq 0 ]
