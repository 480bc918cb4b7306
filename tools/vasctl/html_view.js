// SPDX-License-Identifier: MIT
// html_view.js - draws the frames of a `vasctl run --html` or `vasctl diff
// --html` page (html.c embeds it; docs/vasctl-html.md). The data is the
// JSON of <script id="vas-data">; every frame becomes a
// <section class="frame" data-step=N>, every VMA a <div class="vma"
// data-start=0x.. data-end=0x.. data-prot=rw-p ...>. Left/right keys and
// the slider step through them.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("vas-data").textContent);
  var W = 0x200000000000, T = 0x10000000000;

  function hex(a) { return "0x" + a.toString(16); }
  function fmtA(a) { return a >= W && a < W + T ? "W+" + hex(a - W) : hex(a); }
  function fmtSize(b) {
    var u = ["", "K", "M", "G", "T"], i = 0;
    while (b >= 1024 && b % 1024 === 0 && i < 4) { b /= 1024; i++; }
    return b + u[i];
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The frames of each side, VMAs as objects.
  var sides = D.sides.map(function (s) {
    return {
      name: s.name, status: s.status, err: s.err,
      frames: s.frames.map(function (f) {
        return {
          i: f.i, line: f.line, stmt: f.stmt, child: f.child, out: f.out,
          status: f.status,
          procs: f.procs.map(function (p) {
            return {
              name: p.name,
              vmas: p.vmas.map(function (v) {
                return {
                  s: parseInt(v[0], 16), e: parseInt(v[1], 16), hs: v[0], he: v[1],
                  prot: v[2], off: v[3], name: v[4], flags: v[5], rss: v[6],
                  anon: v[7], locked: v[8], cells: v[9], ppc: v[10]
                };
              })
            };
          })
        };
      })
    };
  });
  var nsteps = 0;
  sides.forEach(function (s) { nsteps = Math.max(nsteps, s.frames.length); });

  // The axis: every boundary of every VMA ever drawn; a stretch that some
  // VMA covers gets 1 + log2(pages) units, a stretch none covers 0.6.
  var bset = {}, ivs = [];
  sides.forEach(function (s) {
    s.frames.forEach(function (f) {
      f.procs.forEach(function (p) {
        p.vmas.forEach(function (v) { bset[v.s] = 1; bset[v.e] = 1; ivs.push(v); });
      });
    });
  });
  var bounds = Object.keys(bset).map(Number).sort(function (a, b) { return a - b; });
  var bidx = {};
  bounds.forEach(function (b, i) { bidx[b] = i; });
  var cover = new Array(bounds.length + 1).fill(0);
  ivs.forEach(function (v) { cover[bidx[v.s]]++; cover[bidx[v.e]]--; });
  var segs = [], units = 0, c = 0, GAP = 0.6;
  for (var i = 0; i + 1 < bounds.length; i++) {
    c += cover[i];
    var len = bounds[i + 1] - bounds[i];
    var u = c > 0 ? 1 + Math.log2(Math.max(len / 4096, 1)) : GAP;
    segs.push({ s: bounds[i], e: bounds[i + 1], u0: units, u: u, gap: c <= 0 });
    units += u;
  }
  function pos(a) { // percent of the bar
    if (!segs.length || units === 0) return 0;
    var lo = 0, hi = segs.length - 1;
    if (a <= segs[0].s) return 0;
    if (a >= segs[hi].e) return 100;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (segs[mid].e <= a) lo = mid + 1; else hi = mid;
    }
    var g = segs[lo];
    return 100 * (g.u0 + g.u * (a - g.s) / (g.e - g.s)) / units;
  }

  function key(v) { return v.hs + "-" + v.he + " " + v.prot + " " + v.off + " " + v.name; }
  function fullKey(v) { return key(v) + " " + v.flags + " " + v.rss + " " + v.anon + " " + v.locked; }
  function overlaps(a, b) { return a.s < b.e && b.s < a.e; }
  function kind(v) {
    return (v.name === null ? "kind-a" : "kind-f") + (v.prot[3] === "s" ? "s" : "p");
  }
  function findProc(f, name) {
    if (!f) return null;
    for (var i = 0; i < f.procs.length; i++) if (f.procs[i].name === name) return f.procs[i];
    return null;
  }

  // What this step did to each VMA, against the previous frame.
  function changes(prev, cur) {
    var out = { cls: new Map(), ghosts: [] };
    if (!prev) return out;
    var pk = {};
    prev.vmas.forEach(function (p) { pk[key(p)] = p; });
    cur.vmas.forEach(function (v) {
      var p = pk[key(v)];
      if (p) {
        if (p.cells !== v.cells || p.rss !== v.rss || p.anon !== v.anon) out.cls.set(v, "ch-pages");
        return;
      }
      var olds = prev.vmas.filter(function (p) { return overlaps(p, v); });
      if (olds.length === 0) out.cls.set(v, "ch-new");
      else if (olds.length >= 2) out.cls.set(v, "ch-merged");
      else if (cur.vmas.filter(function (w) { return overlaps(olds[0], w); }).length >= 2)
        out.cls.set(v, "ch-split");
      else out.cls.set(v, "ch-changed");
    });
    // the parts of old VMAs that nothing maps now
    prev.vmas.forEach(function (p) {
      var a = p.s;
      cur.vmas.forEach(function (v) {
        if (v.e <= a || v.s >= p.e) return;
        if (v.s > a) out.ghosts.push([a, v.s]);
        a = Math.max(a, v.e);
      });
      if (a < p.e) out.ghosts.push([a, p.e]);
    });
    return out;
  }

  // Page strips agree when either is not known, or cell by cell where
  // both are ('?' is a page the runner could not tell).
  function cellsAgree(a, b) {
    if (!a || !b) return true;
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++)
      if (a[i] !== b[i] && a[i] !== "?" && b[i] !== "?") return false;
    return true;
  }
  function vmaEq(a, b) { return fullKey(a) === fullKey(b) && cellsAgree(a.cells, b.cells); }
  function procsEq(a, b) {
    var va = a ? a.vmas : [], vb = b ? b.vmas : [];
    if (va.length !== vb.length) return false;
    for (var i = 0; i < va.length; i++) if (!vmaEq(va[i], vb[i])) return false;
    return true;
  }

  // The first step where the kernel and the model differ (diff pages):
  // what they printed, their exit status, or the VMAs and pages drawn.
  var firstDiff = -1;
  if (D.mode === "diff" && sides.length === 2) {
    for (var st = 0; st < nsteps && firstDiff < 0; st++) {
      var fk = sides[0].frames[st], fm = sides[1].frames[st];
      if (!fk || !fm || fk.out !== fm.out || fk.status !== fm.status ||
          !procsEq(findProc(fk, "parent"), findProc(fm, "parent")) ||
          !procsEq(findProc(fk, "child"), findProc(fm, "child")))
        firstDiff = st;
    }
  }
  // At the first difference: is @v of side @si drawn alike on the other?
  function differs(si, n, pname, v) {
    var p = findProc(sides[1 - si].frames[n], pname);
    return !p || !p.vmas.some(function (w) { return vmaEq(v, w); });
  }

  function drawBar(side, si, f, prevF, pname) {
    var row = el("div", "proc");
    row.dataset.proc = pname;
    row.dataset.side = side.name;
    row.appendChild(el("div", "plabel", pname + (sides.length > 1 ? " " : "")));
    if (sides.length > 1) row.firstChild.appendChild(el("span", "side-name", "(" + side.name + ")"));
    var bar = el("div", "bar");
    segs.forEach(function (g) {
      if (!g.gap) return;
      var m = el("div", "gapmark");
      m.style.left = pos(g.s) + "%";
      m.style.width = (pos(g.e) - pos(g.s)) + "%";
      m.title = "not mapped in any frame: " + fmtSize(g.e - g.s);
      bar.appendChild(m);
    });
    var p = findProc(f, pname);
    if (p) {
      // the first step starts from an empty address space; a child is
      // new at its fork and not compared with the child before it
      var prevP = f.i === 0 ? { vmas: [] } :
        f.stmt === "fork" && pname === "child" ? null : findProc(prevF, pname);
      var ch = changes(prevP, p);
      ch.ghosts.forEach(function (gh) {
        var g = el("div", "ghost");
        g.style.left = pos(gh[0]) + "%";
        g.style.width = (pos(gh[1]) - pos(gh[0])) + "%";
        g.dataset.start = hex(gh[0]);
        g.dataset.end = hex(gh[1]);
        g.title = "removed by this step: " + fmtA(gh[0]) + "-" + fmtA(gh[1]);
        bar.appendChild(g);
      });
      p.vmas.forEach(function (v) {
        var b = el("div", "vma " + kind(v));
        var prot = v.prot.slice(0, 3);
        b.classList.add(prot[0] === "-" && prot[1] === "-" && prot[2] === "-" ? "prot-none"
                        : prot[1] === "w" ? "prot-rw" : "prot-ro");
        if (prot[2] === "x") b.classList.add("exec");
        if (ch.cls.has(v)) b.classList.add(ch.cls.get(v));
        if (sides.length === 2 && f.i === firstDiff && differs(si, f.i, pname, v))
          b.classList.add("differs");
        b.dataset.start = v.hs;
        b.dataset.end = v.he;
        b.dataset.prot = v.prot;
        b.dataset.offset = hex(v.off);
        b.dataset.proc = pname;
        b.dataset.side = side.name;
        if (v.name !== null) b.dataset.name = v.name;
        b.dataset.rss = v.rss;
        b.dataset.pages = v.cells;
        b.style.left = pos(v.s) + "%";
        b.style.width = (pos(v.e) - pos(v.s)) + "%";
        b.title = fmtA(v.s) + "-" + fmtA(v.e) + " " + v.prot + " " + fmtSize(v.e - v.s) +
          (v.name !== null ? " " + v.name + " @" + hex(v.off) : "") +
          "\n" + v.flags + "\nrss=" + v.rss + " anon=" + v.anon + " locked=" + v.locked +
          (v.cells ? "\npages: " + v.ppc + " a cell" : "\npages: not known");
        b.appendChild(el("span", "vlabel", v.prot + " " + fmtSize(v.e - v.s) +
                         (v.name !== null ? " " + v.name : "") +
                         (/(^| )lo( |$)/.test(v.flags) ? " [locked]" : "")));
        var strip = el("div", "strip");
        if (v.cells) {
          for (var k = 0; k < v.cells.length; k++) {
            var cc = v.cells[k];
            strip.appendChild(el("span", "pg pg-" + (cc === "." ? "n" : cc === "?" ? "u" : cc)));
          }
        } else {
          strip.appendChild(el("span", "pg pg-u"));
        }
        b.appendChild(strip);
        bar.appendChild(b);
      });
    }
    row.appendChild(bar);
    return row;
  }

  function drawAxis() {
    var ax = el("div", "axis"), last = -100;
    bounds.forEach(function (b, i) {
      var x = pos(b), end = i === bounds.length - 1;
      if (x - last < 9 && !end) return;
      if (end && x - last < 9 && ax.lastChild) ax.removeChild(ax.lastChild);
      var s = el("span", i === 0 ? "first" : end ? "last" : null, fmtA(b));
      s.style.left = x + "%";
      ax.appendChild(s);
      last = x;
    });
    return ax;
  }

  function firstLineDiff(a, b) {
    var la = a.split("\n"), lb = b.split("\n");
    for (var i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return i;
    return -1;
  }

  function drawOut(text, mark) {
    var pre = el("pre");
    var lines = text.replace(/\n$/, "").split("\n");
    lines.forEach(function (l, i) {
      if (i === mark) pre.appendChild(el("span", "dline", l));
      else pre.appendChild(document.createTextNode(l + (i + 1 < lines.length ? "\n" : "")));
    });
    return pre;
  }

  var frames = document.createElement("div");
  frames.id = "frames";
  var sections = [];
  for (var n = 0; n < nsteps; n++) {
    var ref = null;
    sides.forEach(function (s) { if (!ref && s.frames[n]) ref = s.frames[n]; });
    var sec = el("section", "frame");
    sec.dataset.step = n;
    sec.dataset.line = ref.line;
    sec.dataset.stmt = ref.stmt;
    if (n === firstDiff) { sec.classList.add("first-diff"); sec.dataset.firstDiff = "1"; }
    var head = el("div", "stmt-head");
    head.appendChild(el("span", null, "step " + (n + 1) + "/" + nsteps + ", line " + ref.line + ": "));
    head.appendChild(el("b", "stmt", ref.stmt));
    sides.forEach(function (s) {
      var f = s.frames[n], m = f && /^.* = (.*)\n$/.exec(f.out);
      if (m) head.appendChild(el("span", "result", (sides.length > 1 ? "  " + s.name + ": " : "  \u2192 ") + m[1]));
    });
    sides.forEach(function (s) {
      var f = s.frames[n];
      if (f && f.status !== 0)
        head.appendChild(el("div", "stopped", (sides.length > 1 ? s.name + ": " : "") +
          "the run stopped here, exit status " + f.status + (s.err ? ": " + s.err.trim() : "")));
    });
    if (n === firstDiff) head.appendChild(el("div", "stopped", "the first difference between kernel and model"));
    sec.appendChild(head);
    sec.appendChild(drawAxis());
    var names = ["parent"];
    sides.forEach(function (s) { if (findProc(s.frames[n], "child")) names = ["parent", "child"]; });
    names.forEach(function (pn) {
      sides.forEach(function (s, si) {
        sec.appendChild(drawBar(s, si, s.frames[n] || null, n ? s.frames[n - 1] : null, pn));
      });
    });
    var outs = el("div", "outs");
    var mark = -1;
    if (sides.length === 2 && n === firstDiff && sides[0].frames[n] && sides[1].frames[n])
      mark = firstLineDiff(sides[0].frames[n].out, sides[1].frames[n].out);
    sides.forEach(function (s) {
      var o = el("div", "out");
      o.dataset.side = s.name;
      o.appendChild(el("h4", null, sides.length > 1 ? s.name + " printed" : "printed"));
      o.appendChild(drawOut(s.frames[n] ? s.frames[n].out : "(no step: the run had stopped)", mark));
      outs.appendChild(o);
    });
    sec.appendChild(outs);
    frames.appendChild(sec);
    sections.push(sec);
  }

  // The page around the frames: header, controls, legend, script.
  var app = document.getElementById("app");
  app.textContent = "";
  var header = el("header");
  header.appendChild(el("h1", null, "vasctl " + D.mode + ": " + D.title));
  var ctl = el("div");
  ctl.id = "controls";
  var prevB = el("button", null, "\u25c0"), nextB = el("button", null, "\u25b6");
  prevB.title = "previous step (left key)";
  nextB.title = "next step (right key)";
  var slider = el("input");
  slider.type = "range";
  slider.id = "step";
  slider.min = 0;
  slider.max = Math.max(nsteps - 1, 0);
  var posT = el("span");
  posT.id = "pos";
  ctl.appendChild(prevB); ctl.appendChild(slider); ctl.appendChild(nextB); ctl.appendChild(posT);
  if (D.mode === "diff") {
    var fd = el("span");
    fd.id = "firstdiff";
    fd.dataset.step = firstDiff;
    if (firstDiff < 0) fd.className = "agree";
    fd.textContent = firstDiff < 0 ? "kernel and model agree on every step" :
      "first difference: step " + (firstDiff + 1);
    if (firstDiff >= 0) {
      fd.style.cursor = "pointer";
      fd.onclick = function () { show(firstDiff); };
    }
    ctl.appendChild(fd);
  }
  header.appendChild(ctl);
  var lg = el("div", "legend");
  [["kind-ap", "anonymous private"], ["kind-as", "anonymous shared"], ["kind-fp", "file private"],
   ["kind-fs", "file shared"], ["pg-o", "page mapped once"], ["pg-s", "page shared (COW, or mapped twice)"],
   ["pg-z", "zero page"], ["pg-u", "pages not known"]].forEach(function (x) {
    var s = el("span");
    s.appendChild(el("span", "sw " + x[0]));
    s.appendChild(document.createTextNode(x[1]));
    lg.appendChild(s);
  });
  lg.appendChild(el("span", null, "outline: green new, yellow changed, dashed purple split, " +
                    "blue merged; red dashed: removed; pale: read-only; hatched: no access; " +
                    "red left edge: exec. Scale: 1 + log2(pages) a mapped stretch."));
  header.appendChild(lg);
  app.appendChild(header);
  var main = el("main");
  var sc = el("div");
  sc.id = "script";
  var lineEls = {};
  D.script.replace(/\n$/, "").split("\n").forEach(function (l, i) {
    var d = el("div");
    d.appendChild(el("span", "ln", String(i + 1)));
    d.appendChild(document.createTextNode(l));
    sc.appendChild(d);
    lineEls[i + 1] = d;
  });
  main.appendChild(sc);
  if (!nsteps) {
    var why = sides.map(function (s) {
      return (sides.length > 1 ? s.name + ": " : "") + "exit status " + s.status + (s.err ? ", " + s.err.trim() : "");
    }).join("; ");
    frames.appendChild(el("div", "empty", "No statement ran (" + why + ")."));
  }
  main.appendChild(frames);
  app.appendChild(main);

  var cur = -1;
  function show(i) {
    if (!nsteps) return;
    i = Math.max(0, Math.min(nsteps - 1, i));
    if (cur >= 0) {
      sections[cur].classList.remove("current");
      var old = lineEls[sections[cur].dataset.line];
      if (old) old.classList.remove("now");
    }
    cur = i;
    sections[i].classList.add("current");
    var ln = lineEls[sections[i].dataset.line];
    if (ln) { ln.classList.add("now"); ln.scrollIntoView({ block: "nearest" }); }
    slider.value = i;
    posT.textContent = "step " + (i + 1) + " of " + nsteps + ", line " + sections[i].dataset.line;
    document.body.dataset.step = i;
    if (history.replaceState) history.replaceState(null, "", "#step=" + (i + 1));
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  prevB.onclick = function () { show(cur - 1); };
  nextB.onclick = function () { show(cur + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.target === slider) return; // the slider steps itself
    if (e.key === "ArrowLeft") show(cur - 1);
    else if (e.key === "ArrowRight") show(cur + 1);
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(nsteps - 1);
    else return;
    e.preventDefault();
  });
  var m = /step=(\d+)/.exec(location.hash);
  show(m ? Number(m[1]) - 1 : D.mode === "diff" && firstDiff >= 0 ? firstDiff : 0);
  document.body.dataset.ready = "1";
})();
