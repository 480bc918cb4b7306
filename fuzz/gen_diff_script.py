#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write one random .vas script (the script language,
/work/shared/spec/script.md, docs/script-language.md) for the kernel-vs-model
differential fuzzer (fuzz/diff.sh): every address lies in the first
WINDOW_PAGES pages of the window W, and the script ends with `maps` of both
address spaces.

    gen_diff_script.py SEED [STATEMENTS] > x.vas
    gen_diff_script.py --batch DIR FIRST N [STATEMENTS]   # DIR/s-SEED.vas

The same SEED gives the same script (Python's random.Random).
"""
import random
import sys

WINDOW_PAGES = 48
FILES = [("fa", 64, 3, False), ("fb", 20, 9, False), ("fc", 64, 5, True)]
PROTS = ["---", "r--", "rw-", "r-x", "rwx", "-w-", "--x", "-wx"]
ADVICES = ["normal", "random", "sequential", "willneed", "dontneed", "free",
           "remove", "dontfork", "dofork", "wipeonfork", "keeponfork",
           "dontdump", "dodump", "hugepage", "nohugepage", "mergeable",
           "unmergeable", "cold", "pageout", "populate_read",
           "populate_write", "guard_install", "guard_remove"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.forked = False

    def chance(self, pct):
        return self.r.randrange(100) < pct

    def page(self):
        return self.r.randrange(WINDOW_PAGES)

    def rng(self):
        """A page range inside the window: (address, length) text."""
        s = self.page()
        n = 1 + self.r.randrange(min(8, WINDOW_PAGES - s))
        addr = "W+0x%x" % (s * 4096)
        length = n * 4096
        if self.chance(3):
            addr = "W+0x%x" % (s * 4096 + 1 + self.r.randrange(4095))
        if self.chance(3):
            length = self.r.choice([0, 1, n * 4096 - 1])
        return addr, "0x%x" % length

    def mmap(self):
        addr, length = self.rng()
        prot = self.r.choice(PROTS)
        if self.chance(45):
            flags = ["anonymous", "private" if self.chance(75) else "shared"]
            tail = ""
        else:
            name, pages, _, ro = self.r.choice(FILES)
            flags = ["private" if self.chance(50) else "shared"]
            if self.chance(10):
                flags = ["shared_validate"]
            tail = " %s 0x%x" % (name, self.r.randrange(pages) * 4096)
        flags.append("fixed_noreplace" if self.chance(20) else "fixed")
        for f, pct in (("populate", 5), ("locked", 5), ("noreserve", 8)):
            if self.chance(pct):
                flags.append(f)
        return "mmap %s %s %s %s%s" % (addr, length, prot, "|".join(flags),
                                       tail)

    def mremap(self):
        s = self.page()
        n = 1 + self.r.randrange(min(8, WINDOW_PAGES - s))
        k = self.r.randrange(100)
        if k < 25:
            n2 = 1 + self.r.randrange(n)
            return "mremap W+0x%x 0x%x 0x%x %s" % (
                s * 4096, n * 4096, n2 * 4096,
                "maymove" if self.chance(50) else "0")
        if k < 45:
            n2 = min(n + 1 + self.r.randrange(8), WINDOW_PAGES - s)
            return "mremap W+0x%x 0x%x 0x%x 0" % (s * 4096, n * 4096,
                                                 n2 * 4096)
        n2 = n if k < 75 else 1 + self.r.randrange(8)
        d = self.r.randrange(WINDOW_PAGES - n2 + 1)
        flags = "maymove|fixed" + ("|dontunmap" if k >= 90 else "")
        return "mremap W+0x%x 0x%x 0x%x %s W+0x%x" % (
            s * 4096, n * 4096, n2 * 4096, flags, d * 4096)

    def access(self, child):
        addr, length = self.rng()
        pre = "@child " if child else ""
        if self.chance(55):
            return "%swrite %s %s %d" % (pre, addr, length,
                                         self.r.randrange(256))
        return "%sread %s %s" % (pre, addr, length)

    def statement(self):
        k = self.r.randrange(100)
        if self.forked and k < 15:
            if self.chance(80):
                return self.access(True)
            if self.chance(50):
                return "@child maps"
            addr, length = self.rng()
            return "@child " + self.r.choice([
                "munmap %s %s" % (addr, length),
                "mprotect %s %s %s" % (addr, length, self.r.choice(PROTS)),
                "madvise %s %s %s" % (addr, length, self.r.choice(ADVICES))])
        if k < 35:
            return self.access(False)
        if k < 37:
            self.forked = True
            return "fork"
        if k < 40:
            name, pages, _, _ = self.r.choice(FILES)
            return "fread %s 0x%x 0x%x" % (name,
                                           self.r.randrange(pages) * 4096,
                                           (1 + self.r.randrange(8)) * 4096)
        if k < 44:
            return "maps"
        k = self.r.randrange(100)
        if k < 25:
            return self.mmap()
        if k < 35:
            return self.mremap()
        addr, length = self.rng()
        if k < 45:
            return "munmap %s %s" % (addr, length)
        if k < 60:
            return "mprotect %s %s %s" % (addr, length, self.r.choice(PROTS))
        if k < 80:
            return "madvise %s %s %s" % (addr, length,
                                         self.r.choice(ADVICES))
        if k < 92:
            return self.r.choice(["mlock %s %s", "mlock2 %s %s onfault",
                                  "munlock %s %s"]) % (addr, length)
        if k < 96:
            return "msync %s %s %s" % (addr, length, self.r.choice(
                ["sync", "async", "invalidate", "sync|invalidate"]))
        return "mseal %s %s" % (addr, length)


def script(seed, count):
    g = Gen(seed)
    lines = ["# fuzz/gen_diff_script.py %d %d" % (seed, count)]
    for name, pages, fseed, ro in FILES:
        lines.append("file %s %dK %d%s" % (name, pages * 4, fseed,
                                           " ro" if ro else ""))
    for _ in range(6):  # something to work on
        lines.append(g.mmap())
    for _ in range(count):
        lines.append(g.statement())
    lines.append("maps")
    if g.forked:
        lines.append("@child maps")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--batch":
        # --batch DIR FIRST N [STATEMENTS]: DIR/s-SEED.vas for N seeds
        folder, first, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        count = int(sys.argv[5]) if len(sys.argv) > 5 else 60
        for seed in range(first, first + n):
            with open("%s/s-%d.vas" % (folder, seed), "w") as f:
                f.write(script(seed, count))
        return
    seed = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    sys.stdout.write(script(seed, count))


if __name__ == "__main__":
    main()
