// SPDX-License-Identifier: MIT
//! Every `unsafe` block and `unsafe impl` of the crate and its example has
//! a `SAFETY:` comment that says which C contract makes it sound: the
//! comment ends at most a few lines above it (a multi-line statement may
//! sit between), as clippy's `undocumented_unsafe_blocks` wants it.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().map_or(false, |x| x == "rs") {
            out.push(p);
        }
    }
}

/// Whether line `i` holds an `unsafe` block or impl (not an `unsafe fn`
/// declaration, whose contract is its `# Safety` section).
fn opens_unsafe(line: &str) -> bool {
    let code = line.split("//").next().unwrap();
    code.contains("unsafe {") || code.trim_start().starts_with("unsafe impl")
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("//") && !t.starts_with("///") && !t.starts_with("//!")
}

/// The comment block that ends right above line `i` (or above the one or
/// two lines of the statement that line `i` continues) has `SAFETY:`, and
/// no other `unsafe` sits between.
fn safety_comment_above(lines: &[&str], i: usize) -> bool {
    let mut j = i;
    let mut skipped = 0;
    while j > 0 && !is_comment(lines[j - 1]) {
        j -= 1;
        skipped += 1;
        if skipped > 2 || opens_unsafe(lines[j]) || lines[j].trim().is_empty() {
            return false;
        }
    }
    while j > 0 && is_comment(lines[j - 1]) {
        j -= 1;
        if lines[j].contains("SAFETY:") {
            return true;
        }
    }
    false
}

#[test]
fn every_unsafe_block_has_a_safety_comment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("examples"), &mut files);
    let mut missing = Vec::new();
    let mut seen = 0;
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !opens_unsafe(line) {
                continue;
            }
            seen += 1;
            let found = safety_comment_above(&lines, i);
            if !found {
                missing.push(format!("{}:{}: {}", f.strip_prefix(root).unwrap().display(), i + 1, line.trim()));
            }
        }
    }
    assert!(seen > 50, "only {} unsafe blocks found: is the scan broken?", seen);
    assert!(missing.is_empty(), "unsafe without a SAFETY: comment:\n{}", missing.join("\n"));
}
