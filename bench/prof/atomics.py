#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""atomics.py CALLGRIND_OUT BINARY OPS - atomic (lock-prefixed, or xchg with
memory) instructions executed per operation, by function.

CALLGRIND_OUT must come from a statically linked, non-PIE prof_rows (so that
libc's and liburcu's code has the addresses objdump shows) run with
--dump-instr=yes --compress-pos=no --compress-strings=no (atomics.sh does
both)."""
import re, subprocess, sys
from collections import Counter

out, binary, ops = sys.argv[1], sys.argv[2], int(sys.argv[3])
atomic = {}
fn = None
for line in subprocess.run(['objdump', '-d', '--no-show-raw-insn', binary],
                           capture_output=True, text=True).stdout.splitlines():
    m = re.match(r'^[0-9a-f]+ <(.*)>:', line)
    if m:
        fn = m.group(1)
        continue
    m = re.match(r'^\s+([0-9a-f]+):\s+(.*)$', line)
    if not m:
        continue
    ins = m.group(2)
    if ins.startswith('lock ') or (ins.startswith('xchg') and '(' in ins):
        atomic[int(m.group(1), 16)] = (fn, ins.split('#')[0].strip())
per_fn, per_ins = Counter(), Counter()
skip = False
with open(out) as f:
    for line in f:
        if skip:
            skip = False
            continue
        if line.startswith('calls='):
            skip = True
            continue
        if line.startswith('0x'):
            p = line.split()
            a = int(p[0], 16)
            if a in atomic:
                n = int(p[-1])
                per_fn[atomic[a][0]] += n
                per_ins[(atomic[a][0], atomic[a][1])] += n
total = sum(per_fn.values())
print(f'atomics: {total / ops:.2f} per op ({total} in {ops} ops)')
for (f_, i), n in per_ins.most_common(int(sys.argv[4]) if len(sys.argv) > 4 else 20):
    print(f'  {n / ops:6.2f}  {f_:32s} {i}')
