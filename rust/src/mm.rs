// SPDX-License-Identifier: MIT
//! Address spaces (the kernel's `rust/kernel/mm.rs`).
//!
//! An address space has two counts (mm.h): *users* (`mm_users`: while
//! non-zero the VMAs and page tables exist) and a *count* (`mm_count`:
//! while non-zero the object's memory exists; all users together hold
//! one count). Two types say which one a reference holds:
//!
//! - [`Mm`] (`struct vas_mm`): a count. Safe to keep after the process is
//!   gone; offers only what is safe with no user, chiefly
//!   [`Mm::mmget_not_zero`].
//! - [`MmWithUser`] (`struct vas_mm_user`): a user. The only type that can
//!   be locked, looked up in, mapped into or faulted.
//!
//! [`MmWithUserAsync`] is an `MmWithUser` whose drop hands a teardown to
//! the machine's worker (`mmput_async`). Each derefs to the weaker one.
//!
//! The mmap read lock is taken through a guard, [`MmapReadGuard`], which
//! hands out [`VmaRef`]s that cannot outlive it; a VMA's own read lock is
//! a [`VmaReadGuard`] from [`MmWithUser::lock_vma_under_rcu`].

use crate::bindings;
use crate::held::{self, Kind};
use crate::machine::Machine;
use crate::types::{ARef, AlwaysRefCounted, NotThreadSafe};
use std::fmt;
use std::ops::Deref;
use std::os::raw::c_ulong;
use std::ptr::{self, NonNull};

pub mod mmput_async;
pub mod virt;

pub use mmput_async::MmWithUserAsync;
use virt::VmaRef;

/// An address space seen through a *count* (`struct vas_mm`, the kernel's
/// `Mm`): its memory stays, but its VMAs and page tables may already be
/// gone. Owned as `ARef<Mm>` (`mmgrab` / `mmdrop`).
///
/// It has no lock: `mm.mmap_read_lock()` on an `Mm` does not compile (see
/// the crate's rules). Get a user first with [`Mm::mmget_not_zero`].
///
/// # Invariants
///
/// A `&Mm` points at a `struct vas_mm` on which a count is held for the
/// lifetime of the reference.
#[repr(C)]
pub struct Mm {
    _opaque: bindings::vas_mm,
}

// SAFETY: vas_mm_drop() may run on another thread than vas_mm_grab() (mm.h
// "Context" lines name no thread).
unsafe impl Send for Mm {}
// SAFETY: Every method of Mm is safe to call from several threads at once
// (grab, drop, get_not_zero and the racy counters are atomic in vas).
unsafe impl Sync for Mm {}

// SAFETY: vas_mm_grab() takes a count that keeps the object until the
// matching vas_mm_drop().
unsafe impl AlwaysRefCounted for Mm {
    fn inc_ref(&self) {
        // SAFETY: We hold a count (type invariant), which vas_mm_grab needs.
        unsafe { bindings::vas_mm_grab(self.as_raw()) }
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up its count.
        unsafe { bindings::vas_mm_drop(obj.as_ptr().cast()) }
    }
}

/// The identity of an address space, for comparison only (`struct
/// vas_mm_id`): what a closing VMA says about the address space it was
/// in ([`VmaClosing::mm_id`](virt::VmaClosing::mm_id)). It can be
/// compared, never locked or dereferenced. Unique while a count of the
/// address space is held.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MmId(usize);

impl MmId {
    pub(crate) fn from_raw(p: *const bindings::vas_mm_id) -> MmId {
        MmId(p as usize)
    }
}

impl fmt::Debug for MmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MmId({:#x})", self.0)
    }
}

// Methods that are safe with no user: they need only the count.
impl Mm {
    /// The C object.
    pub fn as_raw(&self) -> *mut bindings::vas_mm {
        self as *const Mm as *mut bindings::vas_mm
    }

    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a `struct vas_mm` on which a count is held for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::vas_mm) -> &'a Mm {
        // SAFETY: The caller keeps the object for 'a; Mm is the C type.
        unsafe { &*ptr.cast() }
    }

    /// Take a user if the address space still has one (`mmget_not_zero`).
    ///
    /// ```
    /// # use vas::{Machine, types::ARef, mm::Mm};
    /// let machine = Machine::new().unwrap();
    /// let mm = machine.mm_create().unwrap();
    /// let count = mm.mmgrab();
    /// let user = count.mmget_not_zero().unwrap();
    /// assert_eq!(mm.users(), 2);
    /// drop(user);
    /// drop(mm);                                   // the process exits
    /// assert!(count.mmget_not_zero().is_none());
    /// ```
    pub fn mmget_not_zero(&self) -> Option<ARef<MmWithUser>> {
        // SAFETY: We hold a count, which vas_mm_get_not_zero() needs.
        let user = unsafe { bindings::vas_mm_get_not_zero(self.as_raw()) };
        // SAFETY: A non-NULL result is a user reference we now own.
        NonNull::new(user).map(|u| unsafe { ARef::from_raw(u.cast()) })
    }

    /// Take another count (`mmgrab`): `ARef::from(self)`.
    pub fn mmgrab(&self) -> ARef<Mm> {
        ARef::from(self)
    }

    /// The number of users now (`vas_mm_users`; racy, for tests).
    pub fn users(&self) -> i32 {
        // SAFETY: We hold a count; the read is atomic.
        unsafe { bindings::vas_mm_users(self.as_raw()) }
    }

    /// The count now (`vas_mm_count`; racy, for tests).
    pub fn count(&self) -> i32 {
        // SAFETY: We hold a count; the read is atomic.
        unsafe { bindings::vas_mm_count(self.as_raw()) }
    }

    /// The identity of this address space (`vas_mm_id`).
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let (a, b) = (machine.mm_create().unwrap(), machine.mm_create().unwrap());
    /// assert_eq!(a.id(), a.mmgrab().id());
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> MmId {
        // SAFETY: Any context; we hold a count (file.h).
        MmId::from_raw(unsafe { bindings::vas_mm_id(self.as_raw()) })
    }

    /// Whether this address space lives in `machine`.
    pub fn is_in(&self, machine: &Machine) -> bool {
        // SAFETY: We hold a count, which vas_mm_machine() needs.
        unsafe { bindings::vas_mm_machine(self.as_raw()) == machine.as_raw() }
    }
}

impl fmt::Debug for Mm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mm({:p}, users {}, count {})", self.as_raw(), self.users(), self.count())
    }
}

/// An address space seen through a *user* (`struct vas_mm_user`, the
/// kernel's `MmWithUser`): its VMAs and page tables exist while the
/// reference does. Owned as `ARef<MmWithUser>` (`mmget` / `mmput`: the
/// drop of the last user tears the address space down, in the dropping
/// thread). Derefs to [`Mm`].
///
/// # Invariants
///
/// A `&MmWithUser` points at a `struct vas_mm_user` on which a user is
/// held for the lifetime of the reference.
#[repr(C)]
pub struct MmWithUser {
    _opaque: bindings::vas_mm_user,
}

// SAFETY: vas_mm_put() may run on another thread than vas_mm_get().
unsafe impl Send for MmWithUser {}
// SAFETY: Every method is safe to call from several threads at once: the
// locks are the C ones, and each guard stays on its thread.
unsafe impl Sync for MmWithUser {}

// SAFETY: vas_mm_get() takes a user that keeps the address space until the
// matching vas_mm_put().
unsafe impl AlwaysRefCounted for MmWithUser {
    fn inc_ref(&self) {
        // SAFETY: We hold a user, which vas_mm_get() needs. It returns its
        // argument (mm.c); ARef::clone relies on that.
        let p = unsafe { bindings::vas_mm_get(self.as_raw()) };
        assert_eq!(p, self.as_raw(), "vas_mm_get() returned another pointer");
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up its user. vas_mm_put() needs no lock
        // of the address space held; a guard borrows the MmWithUser it
        // locks, so no guard of this reference is alive here.
        unsafe { bindings::vas_mm_put(obj.as_ptr().cast()) }
    }
}

impl Deref for MmWithUser {
    type Target = Mm;

    fn deref(&self) -> &Mm {
        // SAFETY: We hold a user, so vas_mm_from_user() is valid and its
        // result lives as long as our user reference (mm.h), that is as
        // long as &self; every user implies a count, Mm's invariant.
        unsafe { Mm::from_raw(bindings::vas_mm_from_user(self.as_raw())) }
    }
}

impl fmt::Debug for MmWithUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MmWithUser({:?})", &**self)
    }
}

// Methods that need a user.
impl MmWithUser {
    /// The C object.
    pub fn as_raw(&self) -> *mut bindings::vas_mm_user {
        self as *const MmWithUser as *mut bindings::vas_mm_user
    }

    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a `struct vas_mm_user` on which a user is held for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::vas_mm_user) -> &'a MmWithUser {
        // SAFETY: The caller keeps the user for 'a; MmWithUser is the C type.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn held_key(&self) -> usize {
        held::key_of_user(self.as_raw())
    }

    /// Read-lock the VMA that contains `vma_addr` without the mmap lock
    /// (`lock_vma_under_rcu`). `None` if there is no VMA there, or it is
    /// being changed (write-locked, detached): then fall back to
    /// [`mmap_read_lock`](MmWithUser::mmap_read_lock). Never waits for a
    /// writer. The guard cannot outlive `self`'s borrow (see the crate's
    /// rules) and must be dropped on this thread.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// let machine = Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// match mm.lock_vma_under_rcu(a + PAGE_SIZE) {
    ///     Some(vma) => assert_eq!((vma.start(), vma.end()), (a, a + 2 * PAGE_SIZE)),
    ///     None => {
    ///         // contended: fall back to the mmap lock
    ///         let guard = mm.mmap_read_lock();
    ///         assert_eq!(guard.vma_lookup(a).unwrap().start(), a);
    ///     }
    /// }
    /// assert!(mm.lock_vma_under_rcu(a - PAGE_SIZE).is_none());   // no VMA there
    /// # Ok(())
    /// # }
    /// ```
    pub fn lock_vma_under_rcu(&self, vma_addr: usize) -> Option<VmaReadGuard<'_>> {
        let mut guard = ptr::null_mut();
        // SAFETY: We hold a user, which is all vas_lock_vma_under_rcu()
        // needs (it may be called with or without the mmap lock); guardp is
        // a valid out-parameter.
        let locked =
            unsafe { bindings::vas_lock_vma_under_rcu(self.as_raw(), vma_addr as c_ulong, &mut guard) };
        if !locked {
            return None;
        }
        // SAFETY: The guard is held (the call returned true), which
        // vas_vma_read_guard_vma() needs; the VMA is valid until
        // vas_vma_end_read(), that is until the VmaReadGuard drops.
        let vma = unsafe { bindings::vas_vma_read_guard_vma(guard) };
        let key = self.held_key();
        held::push(key, Kind::VmaRead);
        // INVARIANT: We hold the VMA read lock `guard`, on this thread.
        Some(VmaReadGuard {
            guard,
            vma: vma.cast(),
            key,
            _mm: std::marker::PhantomData,
            _nts: NotThreadSafe,
        })
    }

    /// Take the mmap lock for read (`mmap_read_lock`). May block.
    ///
    /// Panics if this thread already holds an mmap lock or a VMA read
    /// lock, of this or another address space: taking it again could
    /// deadlock behind a queued writer, and after a VMA lock or another
    /// address space's mmap lock it is out of the lock order (only fork
    /// holds two mmap locks).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// let machine = Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// let vma = guard.vma_lookup(a).unwrap();
    /// assert_eq!(vma.end() - vma.start(), PAGE_SIZE);
    /// drop(guard);            // unlocks; `vma` cannot be used after this
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn mmap_read_lock(&self) -> MmapReadGuard<'_> {
        let key = self.held_key();
        held::assert_unlocked(key, "mmap_read_lock()");
        // SAFETY: We hold a user, which the mmap lock functions need.
        unsafe { bindings::vas_mmap_read_lock(self.as_raw()) };
        held::push(key, Kind::MmapRead);
        // INVARIANT: We just took the read lock on this thread.
        MmapReadGuard { mm: self, key, _nts: NotThreadSafe }
    }

    /// Take the mmap lock for read if that needs no wait
    /// (`mmap_read_trylock`).
    ///
    /// ```
    /// # fn main() -> vas::Result {
    /// let machine = vas::Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// let guard = mm.mmap_read_trylock().expect("nobody else holds it");
    /// assert_eq!(guard.map_count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn mmap_read_trylock(&self) -> Option<MmapReadGuard<'_>> {
        // SAFETY: We hold a user. A trylock never waits, so it may be
        // tried with other locks of the address space held.
        if !unsafe { bindings::vas_mmap_read_trylock(self.as_raw()) } {
            return None;
        }
        let key = self.held_key();
        held::push(key, Kind::MmapRead);
        // INVARIANT: We just took the read lock on this thread.
        Some(MmapReadGuard { mm: self, key, _nts: NotThreadSafe })
    }
}

/// A held mmap read lock (the kernel's `MmapReadGuard`). Dropping it
/// unlocks. It is neither `Send` nor `Sync`: the lock is released on the
/// thread that took it.
///
/// # Invariants
///
/// The guard owns a read hold of `mm`'s mmap lock, taken on this thread.
pub struct MmapReadGuard<'a> {
    mm: &'a MmWithUser,
    key: usize,
    _nts: NotThreadSafe,
}

impl<'a> MmapReadGuard<'a> {
    /// The VMA that contains `vma_addr` (`vma_lookup`), or `None`. The
    /// reference borrows the guard, so it cannot be used after the lock
    /// is released: that does not compile (see the crate's rules).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// assert_eq!(guard.vma_lookup(a + 10).map(|v| v.start()), Some(a));
    /// assert!(guard.vma_lookup(a + PAGE_SIZE).is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn vma_lookup(&self, vma_addr: usize) -> Option<&VmaRef> {
        // SAFETY: We hold the mmap read lock (type invariant), which
        // vas_vma_lookup() needs. Any address is fine.
        let vma = unsafe { bindings::vas_vma_lookup(self.mm.as_raw(), vma_addr as c_ulong) };
        // SAFETY: A non-NULL VMA is valid until the mmap lock is released
        // (vma.h), which is no sooner than the end of our borrow of self.
        NonNull::new(vma).map(|v| unsafe { VmaRef::from_raw(v.as_ptr()) })
    }

    /// The first VMA that ends above `addr` (`find_vma`): the one that
    /// contains it, else the next one above it.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// assert_eq!(guard.find_vma(0).map(|v| v.start()), Some(a));
    /// assert!(guard.find_vma(a + PAGE_SIZE).is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn find_vma(&self, addr: usize) -> Option<&VmaRef> {
        // SAFETY: As in vma_lookup().
        let vma = unsafe { bindings::vas_find_vma(self.mm.as_raw(), addr as c_ulong) };
        // SAFETY: As in vma_lookup().
        NonNull::new(vma).map(|v| unsafe { VmaRef::from_raw(v.as_ptr()) })
    }

    /// The number of VMAs (`vas_mm_map_count`, which needs the lock).
    pub fn map_count(&self) -> usize {
        // SAFETY: We hold the mmap read lock, which vas_mm_map_count() needs.
        unsafe { bindings::vas_mm_map_count(self.mm.as_raw()) as usize }
    }

    /// The address space this guard locks.
    pub fn mm(&self) -> &'a MmWithUser {
        self.mm
    }
}

impl Drop for MmapReadGuard<'_> {
    fn drop(&mut self) {
        held::pop(self.key, Kind::MmapRead);
        // SAFETY: We hold the read lock (type invariant), on this thread
        // (the guard is !Send).
        unsafe { bindings::vas_mmap_read_unlock(self.mm.as_raw()) };
    }
}

/// A held VMA read lock (`struct vas_vma_read_guard`, the kernel's
/// `VmaReadGuard`), from [`MmWithUser::lock_vma_under_rcu`]. Derefs to the
/// [`VmaRef`] it locks; dropping it unlocks (`vas_vma_end_read`). It
/// borrows the `MmWithUser` it came from, so it cannot outlive that user
/// reference, and it is neither `Send` nor `Sync`.
///
/// # Invariants
///
/// The guard owns the VMA read lock `guard`, taken on this thread; `vma`
/// is the VMA it locks.
pub struct VmaReadGuard<'a> {
    guard: *mut bindings::vas_vma_read_guard,
    vma: *const VmaRef,
    key: usize,
    _mm: std::marker::PhantomData<&'a MmWithUser>,
    _nts: NotThreadSafe,
}

impl Deref for VmaReadGuard<'_> {
    type Target = VmaRef;

    fn deref(&self) -> &VmaRef {
        // SAFETY: The VMA is valid while the guard is held (vma.h:
        // "Lifetime: until vas_vma_end_read(@guard)"), that is for the
        // borrow of self.
        unsafe { &*self.vma }
    }
}

impl Drop for VmaReadGuard<'_> {
    fn drop(&mut self) {
        held::pop(self.key, Kind::VmaRead);
        // SAFETY: We hold the guard (type invariant), on this thread.
        unsafe { bindings::vas_vma_end_read(self.guard) };
    }
}

impl fmt::Debug for VmaReadGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmaReadGuard({:?})", &**self)
    }
}

#[cfg(test)]
mod tests;
