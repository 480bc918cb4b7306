// SPDX-License-Identifier: MIT
//! Finds libvas and tells rustc how to link it.
//!
//! Where the library comes from, first match wins:
//!
//! 1. `VAS_LIB_DIR`: a directory holding `libvas.a` and/or `libvas.so`,
//!    such as `build/release/src` of a CMake build or `PREFIX/lib` of an
//!    install;
//! 2. `pkg-config vas` (an installed vas; `PKG_CONFIG_PATH` for a prefix
//!    pkg-config does not search);
//! 3. the directory of `../build/release` (or one or two levels below it,
//!    `src/` today) that holds the library: the release preset of this
//!    repository.
//!
//! How it is linked:
//!
//! - `VAS_LINK=static` (the default when `libvas.a` is there and
//!   `VAS_LIB_NAME` is `vas`): `libvas.a` goes into the crate, with
//!   liburcu and pthread from the system; nothing is needed at run time.
//! - `VAS_LINK=dylib`: `-lvas` (or `-l$VAS_LIB_NAME`, e.g. `vas-debug`)
//!   with an rpath to the directory for tests, examples and binaries;
//!   doc tests need `LD_LIBRARY_PATH` (cargo gives them no link
//!   arguments). The ASan build (`build/debug/src`) is linked this way.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new(env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into()))
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The `-l` names of a pkg-config `--libs` output, without `-lvas*`.
fn other_libs(libs: &str) -> Vec<String> {
    libs.split_whitespace()
        .filter_map(|w| w.strip_prefix("-l"))
        .filter(|l| !l.starts_with("vas"))
        .map(|l| l.to_string())
        .collect()
}

/// The directory under `dir` (at most `depth` levels down) that holds
/// libvas.so or libvas.a: the CMake build puts it in `src/`.
fn find_lib(dir: &Path, depth: u32) -> Option<PathBuf> {
    if dir.join("libvas.so").exists() || dir.join("libvas.a").exists() {
        return Some(dir.to_path_buf());
    }
    if depth == 0 {
        return None;
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("CMakeFiles"))
        .collect();
    subdirs.sort();
    subdirs.iter().find_map(|d| find_lib(d, depth - 1))
}

fn main() {
    for var in ["VAS_LIB_DIR", "VAS_LINK", "VAS_LIB_NAME", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");
    // The compile-fail check (tests/rules.rs) runs the same compiler.
    if let Ok(rustc) = env::var("RUSTC") {
        println!("cargo:rustc-env=VAS_RUSTC={}", rustc);
    }

    let name = env::var("VAS_LIB_NAME").unwrap_or_else(|_| "vas".into());
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut deps: Vec<String> = Vec::new();
    let dir: PathBuf = if let Ok(d) = env::var("VAS_LIB_DIR") {
        PathBuf::from(d)
    } else if let Some(d) = pkg_config(&["--variable=libdir", "vas"]) {
        if let Some(libs) = pkg_config(&["--static", "--libs", "vas"]) {
            deps = other_libs(&libs);
        }
        PathBuf::from(d)
    } else {
        match find_lib(&manifest.join("../build/release"), 2) {
            Some(d) => d,
            None => panic!(
                "libvas not found: set VAS_LIB_DIR (e.g. build/release/src after \
                 `cmake --preset release && cmake --build --preset release`), or install \
                 vas where pkg-config finds it (see docs/rust.md)"
            ),
        }
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    if deps.is_empty() {
        // What libvas needs (vas.pc: Requires.private liburcu-memb, -lpthread).
        deps = match pkg_config(&["--libs", "liburcu-memb"]) {
            Some(l) => other_libs(&l),
            None => vec!["urcu-memb".into(), "urcu-common".into()],
        };
        deps.push("pthread".into());
    }

    let archive = dir.join(format!("lib{}.a", name));
    let shared = dir.join(format!("lib{}.so", name));
    let link = env::var("VAS_LINK").unwrap_or_else(|_| {
        if name == "vas" && archive.exists() {
            "static".into()
        } else {
            "dylib".into()
        }
    });
    let lib: &Path = match link.as_str() {
        "static" => &archive,
        "dylib" => &shared,
        other => panic!("VAS_LINK={}: expected static or dylib", other),
    };
    if !lib.exists() {
        panic!("{} does not exist (VAS_LIB_DIR, VAS_LINK, VAS_LIB_NAME)", lib.display());
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    if link == "static" {
        println!("cargo:rustc-link-lib=static={}", name);
    } else {
        println!("cargo:rustc-link-lib=dylib={}", name);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
    for d in deps {
        println!("cargo:rustc-link-lib=dylib={}", d);
    }
}
