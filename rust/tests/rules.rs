// SPDX-License-Identifier: MIT
//! The rules the types enforce, checked with the expected diagnostic.
//!
//! Each `tests/rules/NAME.fail.rs` breaks one rule and must not compile,
//! with the one error its `// expect:` line describes: an error code and
//! fragments of the message, separated by `&`, all of which must appear
//! (the same on rustc 1.63 and on newer ones). Its twin `NAME.pass.rs` differs only where
//! the rule is kept and must compile. The crate's doc tests
//! (`vas::rules`) run the same files through rustdoc (compile_fail, and
//! the twins compiled and run); rustdoc checks no error code on a stable
//! compiler, so this test makes sure each failure has the right cause.
//!
//! It runs the compiler that built the crate (`VAS_RUSTC`, from build.rs)
//! with `--emit=metadata` (type and borrow checking, no code) against the
//! crate's rlib next to this test's executable.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const RULES: &[&str] = &[
    "vma_after_mmap_guard",
    "insert_page_plain_vma",
    "lock_mm_without_user",
    "vma_guard_outlives_mm",
    "vma_new_escapes_hook",
    "vma_new_setter_on_vmaref",
    "guard_to_other_thread",
    "vma_to_other_thread",
];

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

fn deps_dir() -> PathBuf {
    std::env::current_exe().unwrap().parent().unwrap().to_path_buf()
}

/// Compile `src` against the rlib `vas`; the compiler's stderr on failure.
fn compile(src: &Path, rlib: &Path, out: &Path) -> Result<(), String> {
    let o = Command::new(env!("VAS_RUSTC"))
        // A sanitizer runtime preloaded for the tests is not for rustc.
        .env_remove("LD_PRELOAD")
        .args(["--edition", "2021", "--crate-type", "bin", "--emit=metadata", "--color", "never"])
        .arg("--crate-name")
        .arg("rule")
        .arg("-o")
        .arg(out)
        .arg("--extern")
        .arg(format!("vas={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps_dir().display()))
        .arg(src)
        .output()
        .expect("run rustc");
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

/// The crate's rlib built by this compiler: the newest `libvas-*.rlib` in
/// the deps directory that a twin compiles against (another toolchain may
/// have left its own there).
fn find_rlib(out: &Path) -> PathBuf {
    let mut rlibs: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(deps_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("libvas-") && n.ends_with(".rlib")
        })
        .map(|p| (fs::metadata(&p).and_then(|m| m.modified()).unwrap(), p))
        .collect();
    rlibs.sort();
    let probe = rules_dir().join(format!("{}.pass.rs", RULES[0]));
    let mut last = String::new();
    for (_, rlib) in rlibs.iter().rev() {
        match compile(&probe, rlib, out) {
            Ok(()) => return rlib.clone(),
            Err(e) => last = e,
        }
    }
    panic!("no libvas rlib in {} works with this compiler: {}", deps_dir().display(), last);
}

fn expectations(src: &str) -> Vec<String> {
    let line = src
        .lines()
        .find_map(|l| l.trim().strip_prefix("// expect:"))
        .expect("a fail case names its error in an `// expect:` line");
    line.split('&').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[test]
fn each_rule_fails_for_its_reason_and_its_twin_compiles() {
    let tmp = std::env::temp_dir().join(format!("vas-rules-{}", std::process::id()));
    fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("rule.rmeta");
    let rlib = find_rlib(&out);
    let mut bad = Vec::new();
    for rule in RULES {
        let pass = rules_dir().join(format!("{}.pass.rs", rule));
        let fail = rules_dir().join(format!("{}.fail.rs", rule));
        if let Err(e) = compile(&pass, &rlib, &out) {
            bad.push(format!("{}: the twin does not compile:\n{}", rule, e));
        }
        let want = expectations(&fs::read_to_string(&fail).unwrap());
        match compile(&fail, &rlib, &out) {
            Ok(()) => bad.push(format!("{}: compiles, but must not", rule)),
            Err(e) => {
                let code = |w: &String| {
                    if w.len() == 5 && w.starts_with('E') {
                        format!("error[{}]", w)
                    } else {
                        w.clone()
                    }
                };
                if !want.iter().all(|w| e.contains(&code(w))) {
                    bad.push(format!("{}: fails, but not with {:?}:\n{}", rule, want, e));
                }
                let errors = e.lines().filter(|l| l.starts_with("error")).count();
                // One error, plus rustc's "aborting due to" line.
                if errors > 2 {
                    bad.push(format!("{}: more than one error:\n{}", rule, e));
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    assert!(bad.is_empty(), "\n{}", bad.join("\n\n"));
}

#[test]
fn every_rule_file_is_listed_and_has_a_twin() {
    let mut names: Vec<String> = fs::read_dir(rules_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> =
        RULES.iter().flat_map(|r| vec![format!("{}.fail.rs", r), format!("{}.pass.rs", r)]).collect();
    want.sort();
    assert_eq!(names, want);
    // ... and each appears in the crate's docs, so rustdoc runs it too.
    let docs = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules.rs")).unwrap();
    for n in &want {
        assert!(docs.contains(&format!("tests/rules/{}", n)), "{} missing from src/rules.rs", n);
    }
}
