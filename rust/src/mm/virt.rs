// SPDX-License-Identifier: MIT
//! VMAs at their access levels (the kernel's `rust/kernel/mm/virt.rs`).
//!
//! One C object, several Rust types, each saying what its holder may do
//! (vma.h, file.h):
//!
//! | type | C type | holder has | may |
//! |---|---|---|---|
//! | [`VmaRef`] | `struct vas_vma_ref` | the mmap read lock or the VMA's read lock | read the fields, zap |
//! | [`VmaMixedMap`] | `struct vas_vma_mixedmap` | as `VmaRef`, and `VM_MIXEDMAP` is set | also insert pages |
//! | [`VmaNew`] | `struct vas_vma_new` | the VMA in a file's mmap hook, not yet visible | also set flags |
//! | [`VmaClosing`] | `struct vas_vma_closing` | a VMA going away, in `vm_ops->close` | read the fields; no address space |
//!
//! Every one is used only by reference (`&VmaRef`), with a lifetime that
//! the lock or the hook it came from bounds. None is `Send` or `Sync`:
//! the lock behind the reference belongs to one thread.

use crate::bindings;
use crate::error::{code::EINVAL, to_result, Result};
use crate::file::File;
use crate::mm::{MmId, MmWithUser};
use crate::page::Page;
use std::fmt;
use std::ops::Deref;
use std::os::raw::c_ulong;

/// The integer type of VMA flags (`vm_flags_t`, an `unsigned long`).
#[allow(non_camel_case_types)]
pub type vm_flags_t = usize;

/// A VMA with read access (`struct vas_vma_ref`, the kernel's `VmaRef`).
///
/// # Invariants
///
/// For the lifetime of a `&VmaRef`, the VMA is valid and the mmap lock or
/// the VMA's read lock (or something stronger) is held by this thread.
#[repr(C)]
pub struct VmaRef {
    _opaque: bindings::vas_vma_ref,
}

// Methods for any holder of the mmap or VMA read lock, whatever the flags.
impl VmaRef {
    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `vma` is valid for `'a` and this thread holds the mmap lock or its
    /// read lock (or stronger) for all of `'a`.
    pub unsafe fn from_raw<'a>(vma: *const bindings::vas_vma_ref) -> &'a VmaRef {
        // SAFETY: The caller keeps the invariant for 'a.
        unsafe { &*vma.cast() }
    }

    /// The C object.
    pub fn as_ptr(&self) -> *mut bindings::vas_vma_ref {
        self as *const VmaRef as *mut bindings::vas_vma_ref
    }

    /// The address space of the VMA (`vas_vma_mm`). A live VMA implies a
    /// user, so this is an [`MmWithUser`], valid as long as the reference.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let vma = mm.lock_vma_under_rcu(a).unwrap();
    /// assert_eq!(vma.mm().id(), mm.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn mm(&self) -> &MmWithUser {
        // SAFETY: We hold a lock of the VMA (type invariant), so it is live
        // and its address space has a user for as long as the reference
        // (vma.h on vas_vma_mm).
        unsafe { MmWithUser::from_raw(bindings::vas_vma_mm(self.as_ptr())) }
    }

    /// The VMA's flags, a combination of [`flags`] (Linux `VM_*` values).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*, mm::virt::flags};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// let f = guard.vma_lookup(a).unwrap().flags();
    /// assert_eq!(f & (flags::READ | flags::WRITE | flags::EXEC | flags::SHARED),
    ///            flags::READ | flags::WRITE);
    /// # Ok(())
    /// # }
    /// ```
    pub fn flags(&self) -> vm_flags_t {
        // SAFETY: We hold a lock of the VMA, which the accessors need.
        unsafe { bindings::vas_vma_flags(self.as_ptr()) as vm_flags_t }
    }

    /// The (inclusive) start address.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0x10000000, 3 * PAGE_SIZE, PROT_READ,
    ///                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// let vma = guard.vma_lookup(a + PAGE_SIZE).unwrap();
    /// assert_eq!((vma.start(), vma.end()), (0x10000000, 0x10000000 + 3 * PAGE_SIZE));
    /// # Ok(())
    /// # }
    /// ```
    pub fn start(&self) -> usize {
        // SAFETY: We hold a lock of the VMA.
        unsafe { bindings::vas_vma_start(self.as_ptr()) as usize }
    }

    /// The (exclusive) end address (example at [`start`](VmaRef::start)).
    pub fn end(&self) -> usize {
        // SAFETY: We hold a lock of the VMA.
        unsafe { bindings::vas_vma_end(self.as_ptr()) as usize }
    }

    /// The file offset of [`start`](VmaRef::start), in pages.
    pub fn pgoff(&self) -> usize {
        // SAFETY: We hold a lock of the VMA.
        unsafe { bindings::vas_vma_pgoff(self.as_ptr()) as usize }
    }

    /// The mapped file, or `None` for anonymous memory. The VMA holds a
    /// reference on its file, so it lives as long as the `&VmaRef`.
    pub fn file(&self) -> Option<&File> {
        // SAFETY: We hold a lock of the VMA.
        let f = unsafe { bindings::vas_vma_file(self.as_ptr()) };
        if f.is_null() {
            None
        } else {
            // SAFETY: The VMA holds a reference on its file while it is
            // mapped, and it stays mapped while we hold its lock.
            Some(unsafe { File::from_raw(f) })
        }
    }

    /// Clear the page-table entries of `[address, address + size)`
    /// (`zap_page_range_single`): anonymous pages are freed, file and
    /// driver pages lose this mapping's reference, dirty data still
    /// reaches the file. Page tables themselves stay. A range that
    /// overflows or is not inside the VMA does nothing, as in the kernel.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.fill(a, 0x5a, 2 * PAGE_SIZE)?;
    /// assert_eq!(mm.rss(Rss::Anon), 2);
    /// mm.lock_vma_under_rcu(a).unwrap().zap_page_range_single(a, PAGE_SIZE);
    /// assert_eq!(mm.rss(Rss::Anon), 1);
    /// let mut b = [0u8; 2];
    /// mm.read(a + PAGE_SIZE - 1, &mut b)?;            // zapped: zero again
    /// assert_eq!(b, [0, 0x5a]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn zap_page_range_single(&self, address: usize, size: usize) {
        let (end, overflow) = address.overflowing_add(size);
        if overflow || address < self.start() || self.end() < end {
            return;
        }
        // SAFETY: We hold a lock of the VMA, which is all
        // vas_zap_page_range_single() needs, whatever the flags; the range
        // is inside the VMA (checked above).
        unsafe {
            bindings::vas_zap_page_range_single(self.as_ptr(), address as c_ulong, size as c_ulong)
        }
    }

    /// This VMA at the [`VmaMixedMap`] level if `VM_MIXEDMAP` is set
    /// (`vas_vma_as_mixedmap`), else `None`.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let guard = mm.mmap_read_lock();
    /// assert!(guard.vma_lookup(a).unwrap().as_mixedmap_vma().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_mixedmap_vma(&self) -> Option<&VmaMixedMap> {
        // SAFETY: We hold a lock of the VMA; vas_vma_as_mixedmap() checks
        // VM_MIXEDMAP and returns NULL when it is clear.
        let m = unsafe { bindings::vas_vma_as_mixedmap(self.as_ptr()) };
        if m.is_null() {
            None
        } else {
            // SAFETY: VM_MIXEDMAP is set; the result lives as long as self
            // (vma.h: "Lifetime: that of @vma") under the same lock.
            Some(unsafe { VmaMixedMap::from_raw(m) })
        }
    }

    /// The smaps page figures of the VMA (`vas_vma_mem_stats`: Rss,
    /// Anonymous, Locked, in kB), from a walk of its page tables.
    pub fn mem_stats(&self) -> VmaMem {
        let mut out = bindings::vas_vma_mem::default();
        // SAFETY: We hold a lock of the VMA, which vas_vma_mem_stats()
        // needs; out is a valid out-parameter.
        unsafe { bindings::vas_vma_mem_stats(self.as_ptr(), &mut out) };
        VmaMem { rss_kb: out.rss_kb as usize, anon_kb: out.anon_kb as usize, locked_kb: out.locked_kb as usize }
    }
}

impl fmt::Debug for VmaRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmaRef({:#x}-{:#x}, flags {:#x})", self.start(), self.end(), self.flags())
    }
}

/// The smaps page figures of one VMA, in kB (`struct vas_vma_mem`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmaMem {
    /// Rss.
    pub rss_kb: usize,
    /// Anonymous.
    pub anon_kb: usize,
    /// Locked (proportional).
    pub locked_kb: usize,
}

/// A VMA with read access and `VM_MIXEDMAP` set (`struct
/// vas_vma_mixedmap`, the kernel's `VmaMixedMap`): pages may be inserted.
/// Derefs to [`VmaRef`]. Obtained from [`VmaRef::as_mixedmap_vma`] or
/// [`VmaNew::set_mixedmap`]; a plain `VmaRef` has no `vm_insert_page`
/// (that does not compile; see the crate's rules).
///
/// # Invariants
///
/// As `VmaRef`, and `VM_MIXEDMAP` is set.
#[repr(C)]
pub struct VmaMixedMap {
    _opaque: bindings::vas_vma_mixedmap,
}

impl Deref for VmaMixedMap {
    type Target = VmaRef;

    fn deref(&self) -> &VmaRef {
        // SAFETY: The same VMA at the plain level, under the same lock and
        // for the same lifetime.
        unsafe { VmaRef::from_raw(bindings::vas_vma_mixedmap_ref(self.as_ptr())) }
    }
}

impl VmaMixedMap {
    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// As [`VmaRef::from_raw`], and `VM_MIXEDMAP` is set.
    pub unsafe fn from_raw<'a>(vma: *const bindings::vas_vma_mixedmap) -> &'a VmaMixedMap {
        // SAFETY: The caller keeps the invariant for 'a.
        unsafe { &*vma.cast() }
    }

    /// The C object.
    pub fn as_ptr(&self) -> *mut bindings::vas_vma_mixedmap {
        self as *const VmaMixedMap as *mut bindings::vas_vma_mixedmap
    }

    /// Map `page` at `address` (`vm_insert_page`): the mapping takes its
    /// own reference on the page, the caller keeps its own. Writable only
    /// if the VMA is shared and writable. Errors: `-EFAULT` (`address`
    /// outside the VMA), `-EBUSY` (something is mapped there), `-EINVAL`
    /// (misaligned, or a page of another machine), `-ENOMEM`.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*, file::{File, MiscDevice, FMODE_READ},
    /// #           mm::virt::VmaNew, page::Page};
    /// struct Dev;
    /// impl MiscDevice for Dev {
    ///     fn mmap(&self, _file: &File, vma: &VmaNew) -> vas::Result {
    ///         vma.set_mixedmap();
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> vas::Result {
    /// let machine = Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// let file = File::create(&machine, Dev, FMODE_READ, "dev")?;
    /// let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0)?;
    /// let page = Page::alloc_page_with(&machine, |b| b[..5].copy_from_slice(b"hello"))?;
    /// {
    ///     let guard = mm.mmap_read_lock();
    ///     let vma = guard.vma_lookup(a).unwrap().as_mixedmap_vma().unwrap();
    ///     vma.vm_insert_page(a, &page)?;
    ///     assert_eq!(vma.vm_insert_page(a, &page), Err(vas::error::code::EBUSY));
    ///     assert_eq!(vma.vm_insert_page(a + 2 * PAGE_SIZE, &page), Err(vas::error::code::EFAULT));
    /// }
    /// let mut b = [0u8; 5];
    /// mm.read(a, &mut b).unwrap();
    /// assert_eq!(&b, b"hello");
    /// assert_eq!(page.mapcount(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn vm_insert_page(&self, address: usize, page: &Page) -> Result {
        // The C side does not check that the page is of this VMA's machine.
        if !self.mm().is_in(page.machine()) {
            return Err(EINVAL);
        }
        // SAFETY: We hold a lock of the VMA and VM_MIXEDMAP is set (type
        // invariant), which vas_vm_insert_page() needs; the page is
        // referenced by `page` and of this machine (checked above).
        to_result(unsafe { bindings::vas_vm_insert_page(self.as_ptr(), address as c_ulong, page.as_raw()) })
    }
}

impl fmt::Debug for VmaMixedMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmaMixedMap({:?})", &**self)
    }
}

/// A VMA being set up by a file's mmap hook (`struct vas_vma_new`, the
/// kernel's `VmaNew`): not yet visible to anyone, so its flags may still
/// change. Derefs to [`VmaRef`]. Only
/// [`MiscDevice::mmap`](crate::file::MiscDevice::mmap) receives one, for
/// the duration of the call: it cannot be kept, sent to another thread or
/// built (see the crate's rules).
///
/// # Invariants
///
/// For the lifetime of a `&VmaNew`, the VMA is in its mmap hook on this
/// thread (vas holds the mmap lock for write).
#[repr(C)]
pub struct VmaNew {
    _opaque: bindings::vas_vma_new,
}

impl Deref for VmaNew {
    type Target = VmaRef;

    fn deref(&self) -> &VmaRef {
        // SAFETY: vas_vma_new_ref() gives the same VMA at the read level,
        // valid until the hook returns (vma.h), which outlasts &self.
        unsafe { VmaRef::from_raw(bindings::vas_vma_new_ref(self.as_ptr())) }
    }
}

impl VmaNew {
    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `vma` is the VMA of an mmap hook running on this thread, for all of
    /// `'a`.
    pub unsafe fn from_raw<'a>(vma: *mut bindings::vas_vma_new) -> &'a VmaNew {
        // SAFETY: The caller keeps the invariant for 'a.
        unsafe { &*vma.cast() }
    }

    /// The C object.
    pub fn as_ptr(&self) -> *mut bindings::vas_vma_new {
        self as *const VmaNew as *mut bindings::vas_vma_new
    }

    /// Set `VM_MIXEDMAP`: pages may be inserted (`vm_insert_page`).
    /// Returns the VMA at that level, for inserting pages in the hook.
    pub fn set_mixedmap(&self) -> &VmaMixedMap {
        // SAFETY: In the hook (type invariant), which the setters need;
        // it returns the VMA at the mixed-map level (NULL only for a PFN
        // mapping, which this crate cannot make).
        let m = unsafe { bindings::vas_vma_new_set_mixedmap(self.as_ptr()) };
        assert!(!m.is_null(), "VM_MIXEDMAP was just set");
        // SAFETY: VM_MIXEDMAP is set; valid until the hook returns.
        unsafe { VmaMixedMap::from_raw(m) }
    }

    /// Set `VM_IO`: memory-mapped I/O or similar; other parts of the
    /// system stay away from the pages.
    pub fn set_io(&self) {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_set_io(self.as_ptr()) }
    }

    /// Set `VM_DONTEXPAND`: mremap cannot grow the VMA.
    pub fn set_dontexpand(&self) {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_set_dontexpand(self.as_ptr()) }
    }

    /// Set `VM_DONTCOPY`: fork does not copy the VMA.
    pub fn set_dontcopy(&self) {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_set_dontcopy(self.as_ptr()) }
    }

    /// Set `VM_DONTDUMP`: not in core dumps.
    pub fn set_dontdump(&self) {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_set_dontdump(self.as_ptr()) }
    }

    /// Whether `VM_READ` is set: the mapping is readable
    /// (`vas_vma_new_readable`).
    pub fn readable(&self) -> bool {
        // SAFETY: In the hook (type invariant).
        unsafe { bindings::vas_vma_new_readable(self.as_ptr()) }
    }

    /// Whether `VM_WRITE` is set (`vas_vma_new_writable`).
    pub fn writable(&self) -> bool {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_writable(self.as_ptr()) }
    }

    /// Whether `VM_EXEC` is set (`vas_vma_new_executable`).
    pub fn executable(&self) -> bool {
        // SAFETY: In the hook.
        unsafe { bindings::vas_vma_new_executable(self.as_ptr()) }
    }

    /// Clear `VM_MAYREAD`, so that mprotect can never make the VMA
    /// readable; `-EINVAL` (nothing changed) if `VM_READ` is set. For good.
    pub fn try_clear_mayread(&self) -> Result {
        // SAFETY: In the hook; the C side checks VM_READ.
        to_result(unsafe { bindings::vas_vma_new_try_clear_mayread(self.as_ptr()) })
    }

    /// Clear `VM_MAYWRITE`; `-EINVAL` if `VM_WRITE` is set.
    pub fn try_clear_maywrite(&self) -> Result {
        // SAFETY: In the hook; the C side checks VM_WRITE.
        to_result(unsafe { bindings::vas_vma_new_try_clear_maywrite(self.as_ptr()) })
    }

    /// Clear `VM_MAYEXEC`; `-EINVAL` if `VM_EXEC` is set.
    pub fn try_clear_mayexec(&self) -> Result {
        // SAFETY: In the hook; the C side checks VM_EXEC.
        to_result(unsafe { bindings::vas_vma_new_try_clear_mayexec(self.as_ptr()) })
    }
}

impl fmt::Debug for VmaNew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmaNew({:?})", &**self)
    }
}

/// What `vm_ops->close` sees of a VMA, or of the piece of one, that goes
/// away (`struct vas_vma_closing`). Not a [`VmaRef`]: close also runs at
/// teardown, after the last user is gone, so there is no address space to
/// lock, only its identity ([`mm_id`](VmaClosing::mm_id)). Received by
/// [`MiscDevice::vma_close`](crate::file::MiscDevice::vma_close) only.
///
/// # Invariants
///
/// Valid until the close call that received it returns.
#[repr(C)]
pub struct VmaClosing {
    _opaque: bindings::vas_vma_closing,
}

impl VmaClosing {
    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `vma` is the argument of a close call that lasts for `'a`.
    pub unsafe fn from_raw<'a>(vma: *const bindings::vas_vma_closing) -> &'a VmaClosing {
        // SAFETY: The caller keeps the invariant for 'a.
        unsafe { &*vma.cast() }
    }

    fn as_ptr(&self) -> *const bindings::vas_vma_closing {
        self as *const VmaClosing as *const bindings::vas_vma_closing
    }

    /// Start of the range that goes away.
    pub fn start(&self) -> usize {
        // SAFETY: Inside the close call (type invariant).
        unsafe { bindings::vas_vma_closing_start(self.as_ptr()) as usize }
    }

    /// End (exclusive) of the range that goes away.
    pub fn end(&self) -> usize {
        // SAFETY: Inside the close call.
        unsafe { bindings::vas_vma_closing_end(self.as_ptr()) as usize }
    }

    /// The VMA's flags.
    pub fn flags(&self) -> vm_flags_t {
        // SAFETY: Inside the close call.
        unsafe { bindings::vas_vma_closing_flags(self.as_ptr()) as vm_flags_t }
    }

    /// File offset of [`start`](VmaClosing::start), in pages.
    pub fn pgoff(&self) -> usize {
        // SAFETY: Inside the close call.
        unsafe { bindings::vas_vma_closing_pgoff(self.as_ptr()) as usize }
    }

    /// The mapped file (still referenced until close returns).
    pub fn file(&self) -> Option<&File> {
        // SAFETY: Inside the close call.
        let f = unsafe { bindings::vas_vma_closing_file(self.as_ptr()) };
        if f.is_null() {
            None
        } else {
            // SAFETY: Referenced until close returns (file.h), which
            // outlasts &self.
            Some(unsafe { File::from_raw(f) })
        }
    }

    /// The identity of the address space the VMA was in.
    pub fn mm_id(&self) -> MmId {
        // SAFETY: Inside the close call.
        MmId::from_raw(unsafe { bindings::vas_vma_closing_mm_id(self.as_ptr()) })
    }
}

impl fmt::Debug for VmaClosing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmaClosing({:#x}-{:#x}, flags {:#x})", self.start(), self.end(), self.flags())
    }
}

/// The `VM_*` flags: the values of Linux 6.18 on x86-64 (vma.h).
pub mod flags {
    use super::vm_flags_t;

    macro_rules! vm_flags {
        ($($name:ident = $val:expr, $doc:expr;)*) => {$(
            #[doc = $doc]
            pub const $name: vm_flags_t = $val;
        )*};
    }

    vm_flags! {
        NONE = 0x0, "No flags are set.";
        READ = 0x1, "Mapping allows reads.";
        WRITE = 0x2, "Mapping allows writes.";
        EXEC = 0x4, "Mapping allows execution.";
        SHARED = 0x8, "Mapping is shared.";
        MAYREAD = 0x10, "Mapping may be made readable (mprotect).";
        MAYWRITE = 0x20, "Mapping may be made writable.";
        MAYEXEC = 0x40, "Mapping may be made executable.";
        MAYSHARE = 0x80, "Mapping may be shared.";
        GROWSDOWN = 0x100, "A stack that grows down.";
        UFFD_MISSING = 0x200, "userfaultfd missing-page tracking.";
        PFNMAP = 0x400, "Page ranges without `struct page`, pure PFN.";
        MAYBE_GUARD = 0x800, "A guard region may be installed (smaps `gu`).";
        UFFD_WP = 0x1000, "userfaultfd write protection.";
        LOCKED = 0x2000, "Pages are mlocked.";
        IO = 0x4000, "Memory-mapped I/O or similar.";
        SEQ_READ = 0x8000, "Sequential reads expected (MADV_SEQUENTIAL).";
        RAND_READ = 0x10000, "Random reads expected (MADV_RANDOM).";
        DONTCOPY = 0x20000, "Not copied on fork.";
        DONTEXPAND = 0x40000, "Cannot grow with mremap.";
        LOCKONFAULT = 0x80000, "Lock pages when they are faulted in.";
        ACCOUNT = 0x100000, "Accounted against overcommit.";
        NORESERVE = 0x200000, "Not accounted (MAP_NORESERVE).";
        HUGETLB = 0x400000, "Huge TLB pages.";
        SYNC = 0x800000, "Synchronous page faults (DAX).";
        ARCH_1 = 0x1000000, "Architecture flag (x86: `VM_PAT`).";
        WIPEONFORK = 0x2000000, "Empty in the child after fork.";
        DONTDUMP = 0x4000000, "Not in core dumps.";
        SOFTDIRTY = 0x8000000, "Soft-dirty tracking.";
        MIXEDMAP = 0x10000000, "May hold `struct page` pages and PFNs (`vm_insert_page`).";
        HUGEPAGE = 0x20000000, "MADV_HUGEPAGE.";
        NOHUGEPAGE = 0x40000000, "MADV_NOHUGEPAGE.";
        MERGEABLE = 0x80000000, "KSM may merge pages.";
        SHADOW_STACK = 1 << 37, "A shadow stack.";
        DROPPABLE = 1 << 40, "MAP_DROPPABLE.";
        SEALED = 1 << 42, "Sealed (mseal).";
    }
}

#[cfg(test)]
mod tests;
