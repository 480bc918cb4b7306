#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Shrink a script on which `vasctl diff` finds a difference: drop
statements, in chunks and then one by one, as long as the difference stays
(delta debugging). `file` lines stay. A difference: `vasctl diff` fails the
script, and not for an error in it (a statement dropped can leave an
`@child` without its `fork`).

    min_diff.py VASCTL IN.vas OUT.vas
"""
import os
import subprocess
import sys
import tempfile


def is_script_error(out):
    """vasctl diff's report of an error in the script itself."""
    return b"error: line" in out


def differs(vasctl, lines):
    fd, path = tempfile.mkstemp(suffix=".vas")
    try:
        with os.fdopen(fd, "w") as f:
            f.write("".join(lines))
        r = subprocess.run([vasctl, "diff", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        return r.returncode != 0 and not is_script_error(r.stdout)
    except subprocess.TimeoutExpired:
        return False
    finally:
        os.unlink(path)


def main():
    vasctl, src, dst = sys.argv[1:4]
    with open(src) as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    head = [l for l in lines if l.startswith("file ")]
    body = [l for l in lines if not l.startswith("file ")]
    if not differs(vasctl, head + body):
        sys.exit("min_diff.py: no difference to start from")
    chunk = max(1, len(body) // 2)
    while chunk >= 1:
        i = 0
        while i < len(body):
            trial = body[:i] + body[i + chunk:]
            if trial and differs(vasctl, head + trial):
                body = trial
            else:
                i += chunk
        chunk //= 2
    with open(dst, "w") as f:
        f.write("".join(head + body))
    print("%s: %d statements" % (dst, len(body)))


if __name__ == "__main__":
    main()
