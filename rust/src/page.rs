// SPDX-License-Identifier: MIT
//! Pages a driver owns (`struct vas_page`, memory.h; the kernel's
//! `kernel::page::Page`).

use crate::bindings;
use crate::error::{code::EINVAL, code::ENOMEM, Result};
use crate::machine::Machine;
use std::fmt;
use std::ptr::{self, NonNull};

/// The size of a page: 4096 bytes.
pub const PAGE_SIZE: usize = 4096;

/// A page of a machine's memory, with one reference that the handle owns
/// (`vas_page_alloc` / `vas_page_put`). A mapping made with
/// [`vm_insert_page`](crate::mm::virt::VmaMixedMap::vm_insert_page) takes
/// its own reference, so dropping the `Page` does not unmap it. Cloning
/// takes another reference (`vas_page_get`).
///
/// The page keeps its [`Machine`] alive: vas frees a machine's memory
/// when it is destroyed, and does not check for pages still held.
///
/// Its bytes are written where nobody else can see them, in
/// [`alloc_page_with`](Page::alloc_page_with); afterwards user accesses
/// through a mapping may run at any time, so reads and writes are the
/// `unsafe` raw ones, as in the kernel.
///
/// # Invariants
///
/// `ptr` is a page of `machine` on which the handle owns one reference.
pub struct Page {
    ptr: NonNull<bindings::vas_page>,
    machine: Machine,
}

// SAFETY: vas_page_get/put may be called from any thread (memory.h:
// "Context: any").
unsafe impl Send for Page {}
// SAFETY: &Page allows only reference counting, the racy mapcount, inserts
// (which lock) and the unsafe raw accessors.
unsafe impl Sync for Page {}

impl Page {
    /// A zeroed page of `machine`'s memory (`vas_page_alloc`); `-ENOMEM`
    /// when the machine's memory is used up.
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let page = vas::page::Page::alloc_page(&machine).unwrap();
    /// let mut b = [1u8; 8];
    /// // SAFETY: nobody else can access a page just allocated.
    /// unsafe { page.read_raw(b.as_mut_ptr(), 100, 8) }.unwrap();
    /// assert_eq!(b, [0; 8]);
    /// ```
    pub fn alloc_page(machine: &Machine) -> Result<Page> {
        // SAFETY: Any context (memory.h); the machine is alive.
        let p = unsafe { bindings::vas_page_alloc(machine.as_raw()) };
        Ok(Page { ptr: NonNull::new(p).ok_or(ENOMEM)?, machine: machine.clone() })
    }

    /// A page whose bytes `init` writes before anyone else can see them.
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let page = vas::page::Page::alloc_page_with(&machine, |b| b[4095] = 7).unwrap();
    /// let mut last = 0u8;
    /// // SAFETY: the page is not mapped, nobody else has it.
    /// unsafe { page.read_raw(&mut last, 4095, 1) }.unwrap();
    /// assert_eq!(last, 7);
    /// ```
    pub fn alloc_page_with(machine: &Machine, init: impl FnOnce(&mut [u8])) -> Result<Page> {
        let page = Self::alloc_page(machine)?;
        // SAFETY: The page was just allocated: nobody else holds a
        // reference, no mapping exists, so this is the only access; its
        // PAGE_SIZE bytes stay valid while we hold the reference.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(bindings::vas_page_address(page.as_raw()).cast::<u8>(), PAGE_SIZE)
        };
        init(bytes);
        Ok(page)
    }

    /// The C page.
    pub fn as_raw(&self) -> *mut bindings::vas_page {
        self.ptr.as_ptr()
    }

    /// The machine the page belongs to.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// How many page-table entries map the page now (racy, for tests).
    pub fn mapcount(&self) -> i32 {
        // SAFETY: Any context; we hold a reference.
        unsafe { bindings::vas_page_mapcount(self.as_raw()) }
    }

    fn check(offset: usize, len: usize) -> Result {
        match offset.checked_add(len) {
            Some(end) if end <= PAGE_SIZE => Ok(()),
            _ => Err(EINVAL),
        }
    }

    /// Copy `len` bytes at `offset` of the page to `dst`; `-EINVAL` if the
    /// range leaves the page.
    ///
    /// # Safety
    ///
    /// `dst` is valid for `len` bytes of writes, and nothing writes the
    /// range meanwhile (not another thread, not a user access through a
    /// writable mapping of the page).
    pub unsafe fn read_raw(&self, dst: *mut u8, offset: usize, len: usize) -> Result {
        Self::check(offset, len)?;
        // SAFETY: The range is inside the page, which stays valid while we
        // hold a reference; the caller vouches for dst and for no
        // concurrent writer.
        unsafe {
            let src = bindings::vas_page_address(self.as_raw()).cast::<u8>().add(offset);
            ptr::copy_nonoverlapping(src, dst, len);
        }
        Ok(())
    }

    /// Copy `len` bytes from `src` to `offset` of the page; `-EINVAL` if
    /// the range leaves the page.
    ///
    /// # Safety
    ///
    /// `src` is valid for `len` bytes of reads, and nothing else accesses
    /// the range meanwhile (not another thread, not a user access through
    /// a mapping of the page).
    pub unsafe fn write_raw(&self, src: *const u8, offset: usize, len: usize) -> Result {
        Self::check(offset, len)?;
        // SAFETY: As read_raw(), with the caller vouching for exclusive
        // access.
        unsafe {
            let dst = bindings::vas_page_address(self.as_raw()).cast::<u8>().add(offset);
            ptr::copy_nonoverlapping(src, dst, len);
        }
        Ok(())
    }

    /// Give up the handle without dropping its reference.
    pub fn into_raw(self) -> *mut bindings::vas_page {
        let me = std::mem::ManuallyDrop::new(self);
        // SAFETY: The machine handle is moved out once and dropped here;
        // `me` is never dropped, so its page reference is handed over.
        drop(unsafe { ptr::read(&me.machine) });
        me.ptr.as_ptr()
    }

    /// A handle that takes over a reference the caller owns.
    ///
    /// # Safety
    ///
    /// `ptr` is a page of `machine` and the caller owns one reference on
    /// it, which it hands over.
    pub unsafe fn from_raw(ptr: NonNull<bindings::vas_page>, machine: &Machine) -> Page {
        Page { ptr, machine: machine.clone() }
    }
}

impl Clone for Page {
    /// Another reference to the same page (`vas_page_get`).
    fn clone(&self) -> Page {
        // SAFETY: Any context; we hold a reference.
        unsafe { bindings::vas_page_get(self.as_raw()) };
        Page { ptr: self.ptr, machine: self.machine.clone() }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: We own one reference (type invariant). vas_page_put()
        // needs no page-table lock held, and none is ever held by Rust.
        unsafe { bindings::vas_page_put(self.as_raw()) }
    }
}

impl PartialEq for Page {
    /// Whether both handles reference the same page.
    fn eq(&self, other: &Page) -> bool {
        self.ptr == other.ptr
    }
}

impl Eq for Page {}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Page({:p}, mapcount {})", self.as_raw(), self.mapcount())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_is_zeroed_and_bounds_are_checked() {
        let machine = Machine::new().unwrap();
        let page = Page::alloc_page(&machine).unwrap();
        let mut buf = [0xffu8; PAGE_SIZE];
        // SAFETY: The page is ours alone.
        unsafe { page.read_raw(buf.as_mut_ptr(), 0, PAGE_SIZE) }.unwrap();
        assert!(buf.iter().all(|&b| b == 0));
        // SAFETY: As above; these fail before touching memory.
        unsafe {
            assert_eq!(page.read_raw(buf.as_mut_ptr(), 1, PAGE_SIZE), Err(EINVAL));
            assert_eq!(page.write_raw(buf.as_ptr(), PAGE_SIZE, 1), Err(EINVAL));
            assert_eq!(page.write_raw(buf.as_ptr(), usize::MAX, 2), Err(EINVAL));
            page.write_raw(b"xyz".as_ptr(), PAGE_SIZE - 3, 3).unwrap();
            page.read_raw(buf.as_mut_ptr(), PAGE_SIZE - 4, 4).unwrap();
        }
        assert_eq!(&buf[..4], b"\0xyz");
        assert_eq!(page.mapcount(), 0);
    }

    #[test]
    fn clone_shares_the_page_and_keeps_the_machine() {
        let machine = Machine::new().unwrap();
        let page = Page::alloc_page_with(&machine, |b| b[0] = 9).unwrap();
        let other = page.clone();
        assert_eq!(page, other);
        drop(page);
        let mut b = 0u8;
        // SAFETY: The page is ours alone.
        unsafe { other.read_raw(&mut b, 0, 1) }.unwrap();
        assert_eq!(b, 9);
        assert!(other.machine().same(&machine));
        // The page holds a handle: the machine cannot go yet.
        assert_eq!(machine.clone().destroy(), Err(crate::error::code::EBUSY));
        let raw = other.into_raw();
        // SAFETY: into_raw() handed us its reference.
        let back = unsafe { Page::from_raw(NonNull::new(raw).unwrap(), &machine) };
        drop(back);
        machine.destroy().unwrap();
    }

    #[test]
    fn pages_run_out() {
        let mut cfg = crate::MachineConfig::default();
        cfg.frames_bytes = 64 * PAGE_SIZE;
        let machine = Machine::with_config(&cfg).unwrap();
        let mut pages = Vec::new();
        let err = loop {
            match Page::alloc_page(&machine) {
                Ok(p) => pages.push(p),
                Err(e) => break e,
            }
            assert!(pages.len() <= 64, "more pages than frames");
        };
        assert_eq!(err, ENOMEM);
        assert!(!pages.is_empty());
        pages.pop();
        assert!(Page::alloc_page(&machine).is_ok());
    }
}
