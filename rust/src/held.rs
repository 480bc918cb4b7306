// SPDX-License-Identifier: MIT
//! Per-thread records of the locks this crate's guards hold, for the rules
//! the borrow checker cannot see: a thread that holds an address space's
//! mmap lock or one of its VMA read locks must not call what takes the
//! mmap lock (the mmap family, user access, fork, the validator), and must
//! not take the mmap read lock again (a writer queued in between would
//! deadlock it; after a VMA lock it is also the wrong lock order). Such a
//! call panics here instead of deadlocking. vas's debug library checks
//! the same rules again, on its own records.
//!
//! The records also tell [`crate::Machine`] whether it is being dropped
//! inside a callback of vas (see there).

use crate::bindings;
use std::cell::RefCell;

/// A lock of an address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    MmapRead,
    /// In an mmap hook or a vm_ops callback: vas holds it for write.
    MmapWrite,
    VmaRead,
}

struct Held {
    locks: Vec<(usize, Kind)>,
    callbacks: usize,
}

thread_local! {
    static HELD: RefCell<Held> = RefCell::new(Held { locks: Vec::new(), callbacks: 0 });
}

/// The key of an address space in the records: its `vas_mm_id`.
pub(crate) fn key_of_user(mm: *mut bindings::vas_mm_user) -> usize {
    // SAFETY: The caller passes a user reference it holds (mm.h:
    // vas_mm_from_user needs the caller's user; vas_mm_id a count, which
    // every user implies).
    unsafe { bindings::vas_mm_id(bindings::vas_mm_from_user(mm)) as usize }
}

pub(crate) fn push(key: usize, kind: Kind) {
    let _ = HELD.try_with(|h| h.borrow_mut().locks.push((key, kind)));
}

pub(crate) fn pop(key: usize, kind: Kind) {
    let _ = HELD.try_with(|h| {
        let mut h = h.borrow_mut();
        if let Some(i) = h.locks.iter().rposition(|e| *e == (key, kind)) {
            h.locks.remove(i);
        }
    });
}

fn held_by_this_thread(key: usize) -> Option<Kind> {
    HELD.try_with(|h| h.borrow().locks.iter().rev().find(|e| e.0 == key).map(|e| e.1))
        .unwrap_or(None)
}

/// Panic if this thread holds a lock of the address space `key`: `what`
/// would take its mmap lock and deadlock.
#[track_caller]
pub(crate) fn assert_unlocked(key: usize, what: &str) {
    if let Some(kind) = held_by_this_thread(key) {
        let lock = match kind {
            Kind::MmapRead => "its mmap lock (an MmapReadGuard)",
            Kind::MmapWrite => "its mmap lock for write (inside an mmap hook or vm_ops callback)",
            Kind::VmaRead => "a VMA read lock of it (a VmaReadGuard)",
        };
        panic!(
            "vas: {} while this thread holds {}: this would deadlock",
            what, lock
        );
    }
}

/// Run `f` as a callback from vas: the mmap lock of `key` (if any) is
/// held for write meanwhile, and machines dropped in it are not destroyed.
pub(crate) fn in_callback<R>(key: Option<(usize, Kind)>, f: impl FnOnce() -> R) -> R {
    struct Exit(Option<(usize, Kind)>);
    impl Drop for Exit {
        fn drop(&mut self) {
            if let Some((k, kind)) = self.0 {
                pop(k, kind);
            }
            let _ = HELD.try_with(|h| h.borrow_mut().callbacks -= 1);
        }
    }
    let _ = HELD.try_with(|h| h.borrow_mut().callbacks += 1);
    if let Some((k, kind)) = key {
        push(k, kind);
    }
    let _exit = Exit(key);
    f()
}

/// Whether this thread is inside a callback from vas.
pub(crate) fn inside_callback() -> bool {
    HELD.try_with(|h| h.borrow().callbacks > 0).unwrap_or(true)
}
