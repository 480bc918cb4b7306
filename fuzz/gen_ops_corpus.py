#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_ops (fuzz/corpus/ops): hand-made call
sequences in fuzz_ops.c's input format (a mode byte, then the calls), and a
few pseudo-random ones from a fixed seed. Rerun after a change of the format:
    python3 fuzz/gen_ops_corpus.py fuzz/corpus/ops
"""
import os
import random
import sys

# the calls (enum op_kind in fuzz_ops.c)
(MMAP, MUNMAP, MPROTECT, MREMAP, MADVISE, MLOCK, MSEAL, MSYNC, WRITE, READ,
 FORK, EXIT, ZAP, DRIVER, PIN, UNPIN, BRK, MLOCKALL, FAIL, GUP) = range(20)
# prot bytes (an index into prots[])
NONE, R, RW, RX, RW2, RWX, WO, XO = range(8)
# mmap's flag byte: file id in bits 0-1 (0 anonymous), 4 shared,
# 8 MAP_FIXED_NOREPLACE, 0x10 populate, 0x20 locked, 0x80 hint
SHARED, NOREPLACE, POPULATE, LOCKED, HINT = 4, 8, 0x10, 0x20, 0x80
# madvise: index into advices[]
ADV = dict(normal=0, random=1, sequential=2, dontfork=3, dofork=4,
           wipeonfork=5, keeponfork=6, dontdump=7, dodump=8, hugepage=9,
           nohugepage=10, dontneed=11, dontneed_locked=12, remove=13,
           populate_read=14, populate_write=15, willneed=16, free=17,
           cold=18, pageout=19, guard_install=20, guard_remove=21)
# mremap flags
MAYMOVE, FIXED, DONTUNMAP = 1, 2, 4


def npages(n):
    """A length byte of n pages (1..12)."""
    return n - 1


def mmap(mm, pg, n, prot, flags=0, off=0):
    return [MMAP, mm, pg, npages(n), prot, flags, off]


def munmap(mm, pg, n):
    return [MUNMAP, mm, pg, npages(n), 0]


def mprotect(mm, pg, n, prot):
    return [MPROTECT, mm, pg, npages(n), prot]


def mremap(mm, pg, n, n2, flags, new_pg=0):
    return [MREMAP, mm, pg, npages(n), npages(n2), flags, new_pg]


def madvise(mm, pg, n, adv):
    return [MADVISE, mm, pg, npages(n), ADV[adv]]


def mlock(mm, pg, n, kind=0):  # 0 mlock, 1 mlock2 onfault, 2 munlock
    return [MLOCK, mm, pg, npages(n), kind]


def mseal(mm, pg, n):
    return [MSEAL, mm, pg, npages(n), 0]


def msync(mm, pg, n, kind=1):
    return [MSYNC, mm, pg, npages(n), kind]


def write(mm, pg, n, byte):
    return [WRITE, mm, pg, npages(n), 0, byte]


def read(mm, pg, n):
    return [READ, mm, pg, npages(n), 0, 0]


def fork(mm):
    return [FORK, mm, 0]


def exit_(mm):
    return [EXIT, mm, 0]


def zap(mm, pg, n):
    return [ZAP, mm, pg, npages(n), 0]


def driver(mm, pg, n, prot=R, private=False, flavour=0):
    return [DRIVER, mm, pg, npages(n), prot, 1 if private else 0, flavour]


def pin(mm, pg, n, write_=False, longterm=False):
    return [PIN, mm, pg, n - 1, (1 if write_ else 0) | (2 if longterm else 0)]


def gup(mm, pg, n, write_=False):
    return [GUP, mm, pg, n - 1, 1 if write_ else 0]


def unpin(n=255):
    return [UNPIN, 0, n]


def brk(pages):
    return [BRK, 0, pages]


def fail(nth):
    return [FAIL, 0, nth - 1]


SEEDS = {
    "anon-fork-cow": [
        mmap(0, 0, 8, RW), write(0, 0, 8, 0x11), fork(0), write(0, 2, 2, 0x22),
        write(1, 4, 1, 0x33), read(0, 0, 8), read(1, 0, 8), zap(1, 0, 4),
        read(1, 0, 8), fork(1), write(2, 6, 2, 0x44), read(0, 0, 8),
        exit_(1), read(2, 0, 8), exit_(0), read(2, 0, 8)],
    "file-shared-private": [
        mmap(0, 0, 6, RW, SHARED | 1), mmap(0, 8, 6, RW, 1),
        write(0, 1, 2, 0x5a), read(0, 8, 6), write(0, 9, 1, 0x6b),
        write(0, 2, 1, 0x7c), read(0, 8, 6), zap(0, 8, 6), read(0, 8, 6),
        msync(0, 0, 6), madvise(0, 0, 6, "remove"), read(0, 8, 6)],
    "short-file-sigbus": [
        mmap(0, 0, 10, R, 2), read(0, 0, 10), mmap(0, 12, 10, RW, SHARED | 2),
        write(0, 12, 10, 0x9), mlock(0, 12, 10), mlock(0, 0, 10)],
    "split-merge": [
        mmap(0, 0, 12, RW), mprotect(0, 2, 3, R), mprotect(0, 2, 3, RW),
        madvise(0, 4, 2, "dontfork"), madvise(0, 4, 2, "dofork"),
        mlock(0, 6, 2, 1), mlock(0, 6, 2, 2), munmap(0, 5, 1),
        mmap(0, 5, 1, RW), write(0, 0, 12, 1), mremap(0, 0, 4, 8, 0),
        mremap(0, 8, 4, 4, MAYMOVE | FIXED, 20), mremap(0, 20, 4, 2, 0),
        mremap(0, 0, 2, 2, MAYMOVE | FIXED | DONTUNMAP, 26), read(0, 0, 12)],
    "mlock-populate": [
        mmap(0, 0, 6, RW, LOCKED), mmap(0, 8, 6, R, 1 | POPULATE),
        mlock(0, 0, 12), mprotect(0, 0, 6, R), mprotect(0, 0, 6, RW),
        mlock(0, 0, 12, 2), madvise(0, 8, 4, "populate_read"),
        madvise(0, 0, 4, "populate_write"), madvise(0, 0, 6, "dontneed")],
    "seal": [
        mmap(0, 0, 4, RW), mseal(0, 1, 2), munmap(0, 0, 4), mprotect(0, 0, 4, R),
        mremap(0, 1, 1, 2, MAYMOVE), madvise(0, 0, 4, "dontneed"),
        mmap(0, 0, 4, RW)],
    "wipeonfork-dontfork": [
        mmap(0, 0, 4, RW), mmap(0, 4, 4, RW, SHARED), write(0, 0, 8, 0xaa),
        madvise(0, 0, 2, "wipeonfork"), madvise(0, 2, 1, "dontfork"),
        fork(0), read(1, 0, 8), write(1, 4, 4, 0xbb), read(0, 4, 4),
        exit_(1)],
    "driver": [
        driver(0, 0, 4), read(0, 0, 4), driver(0, 6, 3, RW, private=True),
        write(0, 6, 3, 0x77), fork(0), read(1, 0, 4), zap(1, 0, 4),
        read(1, 0, 4), munmap(0, 1, 1), mprotect(0, 2, 1, NONE),
        driver(0, 12, 10, R, flavour=1), fork(0), exit_(0),
        driver(1, 0, 4, R, flavour=0xc0)],
    "pin-fork": [
        mmap(0, 0, 4, RW), write(0, 0, 4, 0x42), pin(0, 0, 2, write_=True),
        fork(0), write(0, 0, 1, 0x43), read(1, 0, 2), pin(1, 2, 2),
        gup(0, 3, 1, write_=True), unpin(1), munmap(0, 0, 4), unpin()],
    "inject-maps": [
        mmap(0, 0, 8, RW), write(0, 0, 8, 3), fail(1), mmap(0, 2, 2, R, 1),
        fail(2), munmap(0, 3, 2), fail(1), mprotect(0, 1, 2, R),
        fail(3), mremap(0, 0, 2, 2, MAYMOVE | FIXED, 20), fail(1), fork(0),
        fail(2), fork(0), fail(1), madvise(0, 0, 2, "populate_write"),
        fail(1), mseal(0, 6, 1)],
    "inject-fault": [
        mmap(0, 0, 8, RW, 1), fail(1), write(0, 0, 8, 9), fail(1),
        read(0, 0, 8), fail(1), pin(0, 0, 4), fail(2), gup(0, 4, 2)],
    "brk-mlockall": [
        brk(4), write(0, 24, 4, 1), brk(2), brk(8), [MLOCKALL, 0, 2],
        mmap(0, 0, 2, RW), [MLOCKALL, 0, 0x80], brk(0)],
    "hint-noreplace": [
        mmap(0, 0, 4, RW, HINT), mmap(0, 0, 4, RW, NOREPLACE),
        mmap(0, 2, 4, RW, NOREPLACE), mmap(0, 4, 4, RW, HINT | SHARED)],
}


# Seeds that use what the model does not follow: the input's first byte
# (the mode) is even for them, odd for the others.
FREE_MODE = {"driver", "pin-fork", "inject-maps", "inject-fault",
             "brk-mlockall", "hint-noreplace"}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/ops"
    os.makedirs(out, exist_ok=True)
    for name, ops in SEEDS.items():
        mode = 0 if name in FREE_MODE else 1
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([mode] + [b for op in ops for b in op]))
    rng = random.Random(12)
    for i in range(6):
        with open(os.path.join(out, "random-%d" % i), "wb") as f:
            f.write(bytes([i & 1] + [rng.randrange(256) for _ in range(300)]))


if __name__ == "__main__":
    main()
