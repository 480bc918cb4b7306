#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_html.py - tests of `vasctl run --html` and `vasctl diff --html`.

  check_html.py data VASCTL SCRIPT OUTDIR
      `vasctl run --html` prints what `vasctl run` prints, and the page's
      embedded frames agree with it: one frame a statement, the frames'
      printed text joined is the output, and at each `maps` statement the
      frame's VMAs are the mappings printed.
  check_html.py stopped VASCTL SCRIPT OUTDIR STATUS STEPS [ARGS...]
      `vasctl run --html ARGS` on a SCRIPT whose run stops with exit status
      STATUS after STEPS statements: it prints what `vasctl run` prints,
      exits with STATUS, and the page has STEPS frames, the last one with
      that status.
  check_html.py browser VASCTL SCRIPT OUTDIR
      The page as Debian's chromium draws it (headless, --dump-dom after
      the script ran): one <section class="frame"> a statement, and at each
      `maps` statement the VMA boxes of that process (data-start, data-end,
      data-prot) are the mappings `vasctl run` printed; the known script's
      split, merge, removal and COW sharing are marked. Saves
      OUTDIR/view.png (a screenshot) and OUTDIR/view.html. Exits 77 when
      chromium is not installed (ctest: skipped), saying so.
  check_html.py diff VASCTL SCRIPT OUTDIR FIRST [--mem SIZE]
      `vasctl diff --html` on SCRIPT: the page has the kernel's and the
      model's frames; chromium marks step FIRST (0-based, -1: none) as the
      first difference. Saves OUTDIR/diff.png. Exits 77 without chromium.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

W = 0x200000000000


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, status=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if status is not None and p.returncode != status:
        fail("%s: exit status %d, expected %d\nstderr: %s" %
             (" ".join(cmd), p.returncode, status, p.stderr.decode()))
    return p


def statements(path):
    n = 0
    with open(path) as f:
        for line in f:
            if line.split("#", 1)[0].strip():
                n += 1
    return n


def addr(text):
    """"W+0x4000" -> absolute address."""
    if text.startswith("W+"):
        return W + int(text[2:], 16)
    return int(text, 16)


def parse_maps(text):
    """The `maps` blocks of vasctl's output: [(proc, [vma...])] in order;
    a vma is (start, end, perms, offset, name, rss, anon, locked)."""
    blocks = []
    cur = None
    for line in text.splitlines():
        if line in ("maps:", "@child maps:"):
            cur = []
            blocks.append(("child" if line[0] == "@" else "parent", cur))
        elif line.startswith("  ") and cur is not None:
            f = line.split()
            s, e = f[0].split("-")
            nums = dict(x.split("=") for x in f if "=" in x)
            cur.append((addr(s), addr(e), f[1], int(f[2], 16),
                        None if f[3] == "-" else f[3], int(nums["rss"]),
                        int(nums["anon"]), int(nums["locked"])))
        else:
            cur = None
    return blocks


def page_data(path):
    with open(path) as f:
        s = f.read()
    m = re.search(r'<script id="vas-data" type="application/json">(.*?)'
                  r'</script>', s, re.S)
    if not m:
        fail("%s: no vas-data script" % path)
    if re.search(r'<(script|link|img|iframe)[^>]*\b(src|href)=', s):
        fail("%s: the page loads an external resource" % path)
    return json.loads(m.group(1))


def check_data(vasctl, script, outdir):
    page = os.path.join(outdir, "data.html")
    want = run([vasctl, "run", script], 0).stdout
    got = run([vasctl, "run", "--html", page, script], 0).stdout
    if got != want:
        fail("run --html printed something else than run")
    d = page_data(page)
    if d["mode"] != "run" or len(d["sides"]) != 1:
        fail("one side, mode run expected")
    frames = d["sides"][0]["frames"]
    n = statements(script)
    if len(frames) != n:
        fail("%d frames for %d statements" % (len(frames), n))
    if "".join(f["out"] for f in frames).encode() != want:
        fail("the frames' printed text is not the output")
    maps = iter(parse_maps(want.decode()))
    checked = 0
    for f in frames:
        if not f["out"].lstrip("@child ").startswith("maps:"):
            continue
        proc, vmas = next(maps)
        p = [x for x in f["procs"] if x["name"] == proc]
        if len(p) != 1:
            fail("step %d: no %s in the frame" % (f["i"], proc))
        got = [(int(v[0], 16), int(v[1], 16), v[2], v[3], v[4], v[6], v[7],
                v[8]) for v in p[0]["vmas"]]
        if got != vmas:
            fail("step %d: the frame's VMAs %r, maps printed %r" %
                 (f["i"], got, vmas))
        checked += 1
    if checked == 0:
        fail("the script has no maps statement to compare")
    print("ok: %d frames, %d maps statements agree" % (len(frames), checked))


def check_stopped(vasctl, script, outdir, status, steps, extra):
    page = os.path.join(outdir, "stopped.html")
    want = run([vasctl, "run"] + extra + [script], status)
    got = run([vasctl, "run", "--html", page] + extra + [script], status)
    if got.stdout != want.stdout or got.stderr != want.stderr:
        fail("run --html printed something else than run")
    frames = page_data(page)["sides"][0]["frames"]
    if len(frames) != steps or frames[-1]["status"] != status or \
            any(f["status"] for f in frames[:-1]):
        fail("%d frames, statuses %r; expected %d, the last %d" %
             (len(frames), [f["status"] for f in frames], steps, status))
    if "".join(f["out"] for f in frames).encode() != want.stdout:
        fail("the frames' printed text is not the output")
    print("ok: stopped at step %d with status %d" % (steps, status))


class Dom(html.parser.HTMLParser):
    """The frames of a dumped DOM: for each section.frame its attributes,
    its VMA boxes and its ghosts (removed parts)."""

    def __init__(self):
        super().__init__()
        self.frames = []
        self.first_diff = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "section" and "frame" in cls:
            self.frames.append({"attrs": a, "cls": cls, "vmas": [],
                                "ghosts": []})
        elif "vma" in cls and self.frames:
            self.frames[-1]["vmas"].append(dict(a, cls=cls))
        elif "ghost" in cls and self.frames:
            self.frames[-1]["ghosts"].append(a)
        elif a.get("id") == "firstdiff":
            self.first_diff = int(a["data-step"])


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    print("SKIPPED: chromium is not installed (scripts/deps.sh installs it)")
    sys.exit(77)


def browse(page, outdir, png, step):
    """Open @page at #step=@step + 1, or as it opens when @step is None
    (one chromium run): its DOM after the page's script ran, and a
    screenshot."""
    exe = chromium()
    base = [exe, "--headless", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=" + os.path.join(outdir, "chromium-profile"),
            "--virtual-time-budget=10000"]
    if os.geteuid() == 0:
        base.append("--no-sandbox")     # chromium refuses root otherwise
    url = "file://" + os.path.abspath(page)
    if step is not None:
        url += "#step=%d" % (step + 1)
    if os.path.exists(png):
        os.unlink(png)
    dom = run(base + ["--window-size=1400,900", "--screenshot=" + png,
                      "--dump-dom", url], 0).stdout.decode()
    with open(png, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail("%s is not a PNG" % png)
    p = Dom()
    p.feed(dom)
    return p


def box(v):
    return (int(v["data-start"], 16), int(v["data-end"], 16), v["data-prot"])


def check_browser(vasctl, script, outdir):
    page = os.path.join(outdir, "view.html")
    want = run([vasctl, "run", "--html", page, script], 0).stdout.decode()
    n = statements(script)
    dom = browse(page, outdir, os.path.join(outdir, "view.png"), n - 1)
    if len(dom.frames) != n:
        fail("the browser drew %d frames for %d statements" %
             (len(dom.frames), n))
    for i, f in enumerate(dom.frames):
        if f["attrs"].get("data-step") != str(i):
            fail("frame %d has data-step %r" % (i, f["attrs"].get("data-step")))
    current = [f for f in dom.frames if "current" in f["cls"]]
    if len(current) != 1 or current[0]["attrs"]["data-step"] != str(n - 1):
        fail("#step=%d did not show the last frame alone" % n)
    maps = iter(parse_maps(want))
    checked = 0
    for f in dom.frames:
        if f["attrs"]["data-stmt"] not in ("maps", "@child maps"):
            continue
        proc, vmas = next(maps)
        got = [box(v) for v in f["vmas"] if v["data-proc"] == proc]
        exp = [(v[0], v[1], v[2]) for v in vmas]
        if got != exp:
            fail("step %s: boxes %r, maps printed %r" %
                 (f["attrs"]["data-step"], got, exp))
        checked += 1
    # what the known script does, as the boxes show it
    if os.path.basename(script) == "known.vas":
        by = {f["attrs"]["data-stmt"]: f for f in dom.frames}

        def classes(stmt, c):
            return [box(v) for v in by[stmt]["vmas"] if c in v["cls"]]
        a = W
        if classes("mmap W 64K rw- private|anonymous -> a", "ch-new") != \
                [(a, a + 0x10000, "rw-p")]:
            fail("the first mmap is not marked new")
        if classes("mprotect $a+16K 16K r--", "ch-split") != \
                [(a, a + 0x4000, "rw-p"), (a + 0x4000, a + 0x8000, "r--p"),
                 (a + 0x8000, a + 0x10000, "rw-p")]:
            fail("the mprotect split is not marked")
        if classes("mprotect $a+16K 16K rw-", "ch-merged") != \
                [(a, a + 0x10000, "rw-p")]:
            fail("the merge back is not marked")
        g = by["munmap $a+48K 16K"]["ghosts"]
        if [(int(x["data-start"], 16), int(x["data-end"], 16)) for x in g] \
                != [(a + 0xc000, a + 0x10000)]:
            fail("the munmap's removal is not drawn: %r" % g)
        cow = [v for v in by["@child write $a 4K 9"]["vmas"]
               if int(v["data-start"], 16) == a]
        # each has its own copy of the page the child wrote; the other
        # three written pages are shared, the two read map the zero page
        if sorted((v["data-proc"], v["data-pages"]) for v in cow) != \
                [("child", "ossszz......"), ("parent", "ossszz......")]:
            fail("COW sharing after fork: %r" %
                 [(v["data-proc"], v["data-pages"]) for v in cow])
    print("ok: the browser drew %d frames; %d maps statements agree; "
          "screenshot %s" % (n, checked, os.path.join(outdir, "view.png")))


def check_diff(vasctl, script, outdir, first, extra):
    page = os.path.join(outdir, "diff.html")
    p = run([vasctl, "diff", "--html", page] + extra + [script],
            0 if first < 0 else 1)
    if first < 0 and b"1 passed" not in p.stdout:
        fail("diff did not pass: %s" % p.stdout.decode())
    d = page_data(page)
    if d["mode"] != "diff" or [s["name"] for s in d["sides"]] != \
            ["kernel", "model"]:
        fail("kernel and model sides expected")
    n = statements(script)
    if len(d["sides"][0]["frames"]) != n:
        fail("the kernel side has %d frames for %d statements" %
             (len(d["sides"][0]["frames"]), n))
    # the page opens at the first difference; else show the COW step
    shown = first if first >= 0 else n - 3
    dom = browse(page, outdir, os.path.join(outdir, "diff.png"),
                 None if first >= 0 else shown)
    if len(dom.frames) != n:
        fail("the browser drew %d frames for %d statements" %
             (len(dom.frames), n))
    current = [i for i, f in enumerate(dom.frames) if "current" in f["cls"]]
    if current != [shown]:
        fail("frames %r shown, expected %d alone" % (current, shown))
    marked = [i for i, f in enumerate(dom.frames) if "first-diff" in f["cls"]]
    if dom.first_diff != first or marked != ([first] if first >= 0 else []):
        fail("first difference at %r (marked %r), expected %d" %
             (dom.first_diff, marked, first))
    # both sides drawn, the same boxes where they agree
    for i, f in enumerate(dom.frames[:first if first >= 0 else n]):
        k = [box(v) + (v["data-proc"],) for v in f["vmas"]
             if v["data-side"] == "kernel"]
        m = [box(v) + (v["data-proc"],) for v in f["vmas"]
             if v["data-side"] == "model"]
        if k != m or not k:
            fail("step %d: kernel boxes %r, model boxes %r" % (i, k, m))
    # the kernel's page strips (pagemap, kpageflags, kpagecount)
    if os.path.basename(script) == "known.vas" and first < 0:
        by = {f["attrs"]["data-stmt"]: f for f in dom.frames}
        cow = sorted((v["data-side"], v["data-proc"], v["data-pages"])
                     for v in by["@child write $a 4K 9"]["vmas"]
                     if int(v["data-start"], 16) == W)
        want = [(s, p, "ossszz......") for s in ("kernel", "model")
                for p in ("child", "parent")]
        if os.geteuid() != 0:
            print("not root: pagemap gives no frame numbers, the kernel's "
                  "strips are not compared")
        elif cow != want:
            fail("COW pages after fork: %r" % cow)
    print("ok: diff page, %d frames, first difference %d" % (n, first))


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(2)
    what, vasctl, script, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    if what == "data":
        check_data(vasctl, script, outdir)
    elif what == "stopped":
        check_stopped(vasctl, script, outdir, int(sys.argv[5]),
                      int(sys.argv[6]), sys.argv[7:])
    elif what == "browser":
        check_browser(vasctl, script, outdir)
    elif what == "diff":
        check_diff(vasctl, script, outdir, int(sys.argv[5]), sys.argv[6:])
    else:
        fail("unknown check " + what)


main()
