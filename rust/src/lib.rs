// SPDX-License-Identifier: MIT
//! The kernel's Rust mm API on vas.
//!
//! This crate gives the types of Linux's `rust/kernel/mm.rs`,
//! `rust/kernel/mm/virt.rs` and `rust/kernel/mm/mmput_async.rs` (Linux
//! 6.18) — [`Mm`](mm::Mm), [`MmWithUser`](mm::MmWithUser),
//! [`MmWithUserAsync`](mm::MmWithUserAsync),
//! [`MmapReadGuard`](mm::MmapReadGuard), [`VmaReadGuard`](mm::VmaReadGuard),
//! [`VmaRef`](mm::virt::VmaRef), [`VmaMixedMap`](mm::virt::VmaMixedMap),
//! [`VmaNew`](mm::virt::VmaNew), the [`flags`](mm::virt::flags) — with the
//! kernel's names and rules, running on libvas (the Linux 6.18 VM core in
//! user space) through its C API (`include/vas/*.h`). Code written against
//! the kernel's types compiles here and runs in a test process, under the
//! borrow checker, with vas's sanitizer and debug builds underneath.
//!
//! Besides the kernel's types there is what a user-space test needs: a
//! [`Machine`] to create address spaces in, the mmap family and user
//! access as methods of `MmWithUser` ([`mman`]), driver files with an
//! mmap hook ([`file::MiscDevice`], [`file::File`]) and driver-owned
//! pages ([`page::Page`]).
//!
//! ```
//! use vas::{Machine, uapi::*};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let machine = Machine::new()?;
//! let mm = machine.mm_create()?;                  // ARef<MmWithUser>
//! let a = mm.mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
//! mm.fill(a, 0x5a, 8192)?;                        // faults two pages in
//!
//! // The per-VMA lock, falling back to the mmap lock:
//! let end = match mm.lock_vma_under_rcu(a) {
//!     Some(vma) => vma.end(),                     // VmaReadGuard derefs to VmaRef
//!     None => mm.mmap_read_lock().vma_lookup(a).unwrap().end(),
//! };
//! assert_eq!(end, a + (1 << 20));
//!
//! assert_eq!(mm.read(a - 4096, &mut [0u8; 1]),
//!            Err(AccessError::Signal { signal: Signal::Segv, addr: a - 4096 }));
//! drop(mm);                                       // the last user: teardown
//! machine.destroy()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Building and linking
//!
//! The crate needs Rust 1.63 or newer (Debian 12's `rustc`) and nothing
//! but the standard library. `build.rs` finds libvas through `VAS_LIB_DIR`
//! (a directory with `libvas.a` / `libvas.so`, e.g. `build/release/src`),
//! else `pkg-config vas`, else in `../build/release` (`src/` today);
//! `VAS_LINK=dylib` links the shared library (with
//! `VAS_LIB_NAME=vas-debug`, the one with vas's run-time checks).
//! docs/rust.md has the details.
//!
//! # Where each C rule is checked
//!
//! vas's C API states its rules in types as far as C allows, in Clang's
//! thread-safety analysis, and at run time in debug builds. Here:
//!
//! | rule (C header) | Rust: compile time | Rust: run time | C |
//! |---|---|---|---|
//! | only a user can be locked, looked up in, mapped (mm.h) | `Mm` has no lock methods ([rule 3](rules)) | `mmget_not_zero` returns `None` when no user is left | types |
//! | a VMA reference lives until its lock is released (vma.h) | borrows: [rule 1](rules), [rule 4](rules) | — | debug builds, at run time |
//! | `vm_insert_page` needs `VM_MIXEDMAP` (memory.h) | `VmaMixedMap` type ([rule 2](rules)) | `as_mixedmap_vma` checks the flag | types + the same check |
//! | VMA setters only in the mmap hook (vma.h) | `&VmaNew` only inside [`MiscDevice::mmap`](file::MiscDevice::mmap), not storable ([rules 5, 6](rules)) | — | debug builds |
//! | clear `VM_MAYREAD`/`WRITE`/`EXEC` only when `VM_READ`/`WRITE`/`EXEC` is clear | — | `try_clear_*` return `-EINVAL` (the C check) | run time |
//! | a lock is released by the thread that took it | guards are `!Send`, VMA types `!Sync` ([rules 7, 8](rules)) | — | debug builds (per-thread records) |
//! | every guard is released, exactly once | `Drop` | — | Clang `-Wthread-safety`, within a function |
//! | lock order: a thread that holds an mmap or VMA lock, of any address space, does not block on an mmap lock (`mmap_read_lock`, the mmap family, user access, fork, validate, maps: `VAS_EXCLUDES` and docs/locking.md) | — | panics (per-thread records of this crate's guards) | Clang analysis (same address space only); debug builds: lock ranks |
//! | `zap_page_range_single` inside the VMA | — | out-of-range calls do nothing (as the kernel's Rust) | does nothing; debug builds report |
//! | a page inserted into a VMA of its own machine | — | `vm_insert_page` returns `-EINVAL` | not checked |
//! | pages and driver files do not outlive their machine | `Page` and driver `File`s hold a [`Machine`] handle | a machine with address spaces left is leaked, not destroyed | `vas_machine_destroy` refuses (`-EBUSY`) only for address spaces and host files |
//! | counts: every get has its put | `ARef` | `vas_mm_get` returning another pointer panics | — |
//!
//! Each `unsafe` block says, in its `SAFETY:` comment, which C contract
//! makes it sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod bindings;
pub mod error;
pub mod file;
mod held;
pub mod machine;
pub mod mm;
pub mod mman;
pub mod page;
pub mod rules;
pub mod types;

pub use error::{Error, Result};
pub use machine::{Machine, MachineConfig, Stat};
pub use mman::uapi;

/// The version of the linked libvas (`vas_version()`, `VAS_VERSION_HEX`:
/// major << 16 | minor << 8 | patch).
///
/// ```
/// assert_eq!(vas::version(), 0x000100);
/// ```
pub fn version() -> u32 {
    // SAFETY: Any context.
    unsafe { bindings::vas_version() }
}
