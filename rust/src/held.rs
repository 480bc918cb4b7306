// SPDX-License-Identifier: MIT
//! Per-thread records of the locks this crate's guards hold, for the rules
//! the borrow checker cannot see. Lock order (vas's docs/locking.md): an
//! mmap lock comes before every VMA lock, and a thread takes the mmap
//! locks of two address spaces only in fork. So a thread that holds an
//! mmap lock or a VMA read lock, of any address space, must not block on
//! an mmap lock: not in `mmap_read_lock`, not in what takes one (the mmap
//! family, user access, fork, the validator, maps). Such a call panics
//! here instead of deadlocking; trylocks (`mmap_read_trylock`,
//! `lock_vma_under_rcu`) never wait and are exempt. vas's debug library
//! checks the same order on its own records (lock ranks) and aborts.
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
    static HELD: RefCell<Held> = const { RefCell::new(Held { locks: Vec::new(), callbacks: 0 }) };
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

/// A lock this thread holds, one of `key` if there is one: (key, kind).
fn held_by_this_thread(key: usize) -> Option<(usize, Kind)> {
    HELD.try_with(|h| {
        let h = h.borrow();
        h.locks.iter().rev().find(|e| e.0 == key).or_else(|| h.locks.last()).copied()
    })
    .unwrap_or(None)
}

/// Panic if this thread holds a lock of any address space: `what` would
/// block on the mmap lock of `key`, out of the lock order (or on itself).
#[track_caller]
pub(crate) fn assert_unlocked(key: usize, what: &str) {
    if let Some((held, kind)) = held_by_this_thread(key) {
        let lock = match kind {
            Kind::MmapRead => "the mmap lock (an MmapReadGuard)",
            Kind::MmapWrite => "the mmap lock for write (in an mmap hook or vm_ops callback)",
            Kind::VmaRead => "a VMA read lock (a VmaReadGuard)",
        };
        let of = if held == key { "of this address space" } else { "of another address space" };
        panic!(
            "vas: {} while this thread holds {} {}: out of the lock order, it could deadlock",
            what, lock, of
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
