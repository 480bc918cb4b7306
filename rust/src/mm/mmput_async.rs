// SPDX-License-Identifier: MIT
//! A user reference given back with `mmput_async` (the kernel's
//! `rust/kernel/mm/mmput_async.rs`).

use crate::bindings;
use crate::mm::MmWithUser;
use crate::types::{ARef, AlwaysRefCounted};
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;

/// An [`MmWithUser`] whose drop is `vas_mm_put_async()`: if it was the
/// last user, the machine's worker tears the address space down later, so
/// the drop never runs a teardown in the caller's thread. For code that
/// holds locks a teardown could need (a shrinker, the callers of a vm_ops
/// callback). [`Machine::flush`](crate::Machine::flush) waits for queued
/// teardowns.
///
/// # Invariants
///
/// As [`MmWithUser`]: a user is held for the lifetime of a reference.
#[repr(transparent)]
pub struct MmWithUserAsync {
    mm: MmWithUser,
}

// SAFETY: vas_mm_put_async() may be called on any thread (mm.h).
unsafe impl Send for MmWithUserAsync {}
// SAFETY: As MmWithUser.
unsafe impl Sync for MmWithUserAsync {}

// SAFETY: vas_mm_get() takes a user, vas_mm_put_async() gives it back.
unsafe impl AlwaysRefCounted for MmWithUserAsync {
    fn inc_ref(&self) {
        self.mm.inc_ref();
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up its user. vas_mm_put_async() may be
        // called with other locks held, not this mmap lock; no guard of
        // this reference is alive (guards borrow it).
        unsafe { bindings::vas_mm_put_async(obj.as_ptr().cast()) }
    }
}

impl Deref for MmWithUserAsync {
    type Target = MmWithUser;

    fn deref(&self) -> &MmWithUser {
        &self.mm
    }
}

impl fmt::Debug for MmWithUserAsync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MmWithUserAsync({:?})", &**self)
    }
}

impl MmWithUser {
    /// Make `me` give its user back with `mmput_async` when dropped.
    ///
    /// ```
    /// # use vas::{Machine, Stat, mm::MmWithUser};
    /// let machine = Machine::new().unwrap();
    /// let mm = machine.mm_create().unwrap();
    /// let count = mm.mmgrab();
    /// let shrinker = MmWithUser::into_mmput_async(count.mmget_not_zero().unwrap());
    /// drop(mm);                      // not the last user: nothing happens
    /// assert_eq!(count.users(), 1);
    /// drop(shrinker);                // the last one: handed to the worker
    /// machine.flush();
    /// assert_eq!(count.users(), 0);
    /// assert_eq!(machine.stat(Stat::MmTeardownAsync), 1);
    /// ```
    pub fn into_mmput_async(me: ARef<MmWithUser>) -> ARef<MmWithUserAsync> {
        // SAFETY: MmWithUserAsync is a transparent MmWithUser with the same
        // invariant; the user reference is handed over.
        unsafe { ARef::from_raw(ARef::into_raw(me).cast()) }
    }
}
