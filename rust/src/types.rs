// SPDX-License-Identifier: MIT
//! Reference-counted handles to C objects (the kernel's `ARef` and
//! `AlwaysRefCounted`) and the marker for types that must stay on one
//! thread.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

/// A type whose objects are always reference counted by the C side, so a
/// `&T` may be turned into an owned reference ([`ARef`]) at any time.
///
/// # Safety
///
/// `inc_ref` must take a reference that keeps `self` valid until the
/// matching `dec_ref`, and `dec_ref` must give exactly one back.
pub unsafe trait AlwaysRefCounted {
    /// Take one more reference.
    fn inc_ref(&self);

    /// Give one reference back.
    ///
    /// # Safety
    ///
    /// The caller owns a reference on `obj` and does not use `obj` (through
    /// this reference) afterwards.
    unsafe fn dec_ref(obj: NonNull<Self>);
}

/// An owned reference to an always-refcounted object: `ARef<Mm>` holds a
/// count (`mmgrab`), `ARef<MmWithUser>` a user (`mmget`),
/// `ARef<MmWithUserAsync>` a user given back with `mmput_async`,
/// `ARef<File>` a file reference. Dropping it gives the reference back;
/// cloning takes another.
///
/// ```
/// # use vas::{Machine, types::ARef, mm::Mm};
/// # fn main() -> vas::Result {
/// let machine = Machine::new()?;
/// let mm = machine.mm_create()?;       // ARef<MmWithUser>: users 1, count 1
/// let mm2 = mm.clone();                 // mmget: users 2
/// assert_eq!(mm.users(), 2);
/// let count: ARef<Mm> = ARef::from(&**mm);   // mmgrab
/// assert_eq!(count.count(), 2);
/// drop(mm2);
/// drop(mm);                             // the last user: teardown
/// assert_eq!(count.users(), 0);
/// assert!(count.mmget_not_zero().is_none());
/// drop(count);                          // the last count: freed
/// machine.destroy()
/// # }
/// ```
pub struct ARef<T: AlwaysRefCounted> {
    ptr: NonNull<T>,
    _p: PhantomData<T>,
}

// SAFETY: An ARef<T> gives access to &T (needs T: Sync) and may be dropped,
// that is dec_ref'd, on another thread than the one that took it (needs
// T: Send, as in the kernel).
unsafe impl<T: AlwaysRefCounted + Sync + Send> Send for ARef<T> {}
// SAFETY: &ARef<T> gives only &T.
unsafe impl<T: AlwaysRefCounted + Sync + Send> Sync for ARef<T> {}

impl<T: AlwaysRefCounted> ARef<T> {
    /// An `ARef` that takes over a reference the caller owns.
    ///
    /// # Safety
    ///
    /// `ptr` is valid and the caller owns one reference on it, which it
    /// hands over.
    pub unsafe fn from_raw(ptr: NonNull<T>) -> Self {
        ARef { ptr, _p: PhantomData }
    }

    /// Give up the `ARef` without dropping its reference.
    pub fn into_raw(me: Self) -> NonNull<T> {
        let ptr = me.ptr;
        std::mem::forget(me);
        ptr
    }
}

impl<T: AlwaysRefCounted> Clone for ARef<T> {
    fn clone(&self) -> Self {
        ARef::from(&**self)
    }
}

impl<T: AlwaysRefCounted> Deref for ARef<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: By the type invariant the object is valid while we hold
        // a reference.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: AlwaysRefCounted> From<&T> for ARef<T> {
    fn from(b: &T) -> Self {
        b.inc_ref();
        // SAFETY: We just took a reference, which we hand over.
        unsafe { ARef::from_raw(NonNull::from(b)) }
    }
}

impl<T: AlwaysRefCounted> Drop for ARef<T> {
    fn drop(&mut self) {
        // SAFETY: We own a reference and give it back; self.ptr is not used
        // afterwards.
        unsafe { T::dec_ref(self.ptr) };
    }
}

impl<T: AlwaysRefCounted + fmt::Debug> fmt::Debug for ARef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A zero-sized marker that makes a type neither `Send` nor `Sync`: a lock
/// guard must be released on the thread that took it (the kernel's
/// `NotThreadSafe`; vas's debug builds keep per-thread records of held
/// locks and check them).
pub type NotThreadSafe = PhantomData<*mut ()>;

/// The value of [type@NotThreadSafe].
#[allow(non_upper_case_globals)]
pub const NotThreadSafe: NotThreadSafe = PhantomData;
