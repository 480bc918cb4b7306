// SPDX-License-Identifier: MIT
//! Files, and driver files whose mmap hook sets up the VMA (`struct
//! vas_file`, `struct vas_file_ops`, `struct vas_vm_ops`; file.h). The
//! [`MiscDevice`] trait has the shape of the kernel's
//! `kernel::miscdevice::MiscDevice::mmap`.

use crate::bindings;
use crate::error::{code::EINVAL, to_result, Result};
use crate::held::{self, Kind};
use crate::machine::Machine;
use crate::mm::virt::{VmaClosing, VmaNew, VmaRef};
use crate::types::{ARef, AlwaysRefCounted};
use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};

/// File mode: open for reading (`VAS_FMODE_READ`).
pub const FMODE_READ: i32 = 0x1;
/// File mode: open for writing (`VAS_FMODE_WRITE`).
pub const FMODE_WRITE: i32 = 0x2;

/// An open file (`struct vas_file`): a host file or a driver file. Owned
/// as `ARef<File>` (`vas_file_get` / `vas_file_put`); each VMA that maps
/// it holds a reference of its own.
///
/// # Invariants
///
/// A `&File` points at a `struct vas_file` on which a reference is held
/// for the lifetime of the reference.
#[repr(C)]
pub struct File {
    _opaque: bindings::vas_file,
}

// SAFETY: vas_file_put() may run on any thread; the last one runs the
// release callback there, which only drops a Send device.
unsafe impl Send for File {}
// SAFETY: Every method only reads constant fields or counts atomically.
unsafe impl Sync for File {}

// SAFETY: vas_file_get() takes a reference that keeps the file until the
// matching vas_file_put().
unsafe impl AlwaysRefCounted for File {
    fn inc_ref(&self) {
        // SAFETY: We hold a reference, which vas_file_get() needs; it
        // returns its argument.
        unsafe { bindings::vas_file_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up its reference.
        unsafe { bindings::vas_file_put(obj.as_ptr().cast()) }
    }
}

impl File {
    /// A reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is a `struct vas_file` on which a reference is held for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::vas_file) -> &'a File {
        // SAFETY: The caller keeps the file for 'a.
        unsafe { &*ptr.cast() }
    }

    /// The C file.
    pub fn as_raw(&self) -> *mut bindings::vas_file {
        self as *const File as *mut bindings::vas_file
    }

    /// A driver file whose mmap hook is `device`'s
    /// [`MiscDevice::mmap`] (`vas_file_create`). `mode` is
    /// [`FMODE_READ`] and/or [`FMODE_WRITE`], as the file was opened;
    /// `name` is what maps prints for its mappings. The file owns
    /// `device` and drops it when its last reference goes (the release
    /// callback), and keeps `machine` alive until then. Errors: `-EINVAL`
    /// (a bad mode, a NUL in `name`), `-ENOMEM`.
    ///
    /// ```
    /// # use vas::{Machine, file::{File, MiscDevice, FMODE_READ, FMODE_WRITE}, mm::virt::VmaNew};
    /// struct Dev;
    /// impl MiscDevice for Dev {
    ///     fn mmap(&self, _file: &File, _vma: &VmaNew) -> vas::Result { Ok(()) }
    /// }
    /// let machine = Machine::new().unwrap();
    /// let file = File::create(&machine, Dev, FMODE_READ | FMODE_WRITE, "/dev/x").unwrap();
    /// assert_eq!(file.name(), "/dev/x");
    /// assert_eq!(file.mode(), FMODE_READ | FMODE_WRITE);
    /// assert!(File::create(&machine, Dev, 4, "x").is_err());
    /// ```
    pub fn create<T: MiscDevice>(machine: &Machine, device: T, mode: i32, name: &str) -> Result<ARef<File>> {
        let cname = CString::new(name).map_err(|_| EINVAL)?;
        let data = Box::into_raw(Box::new(FileData { machine: machine.clone(), device }));
        let mut out = ptr::null_mut();
        // SAFETY: The ops table is 'static; data stays valid until the
        // release callback frees it; the name is copied (file.h);
        // out is a valid out-parameter.
        let ret = unsafe {
            bindings::vas_file_create(
                machine.as_raw(),
                FileOpsTable::<T>::OPS_REF,
                data.cast(),
                mode,
                cname.as_ptr(),
                &mut out,
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: vas did not take data (no file was made).
            drop(unsafe { Box::from_raw(data) });
            return Err(e);
        }
        // SAFETY: vas_file_create() gave us the file's first reference.
        Ok(unsafe { ARef::from_raw(NonNull::new(out).expect("vas_file_create set *out").cast()) })
    }

    /// The name given at creation.
    pub fn name(&self) -> String {
        // SAFETY: The name lives as long as the file (file.h).
        unsafe { CStr::from_ptr(bindings::vas_file_name(self.as_raw())) }
            .to_string_lossy()
            .into_owned()
    }

    /// The file mode ([`FMODE_READ`], [`FMODE_WRITE`]).
    pub fn mode(&self) -> i32 {
        // SAFETY: We hold a reference.
        unsafe { bindings::vas_file_mode(self.as_raw()) }
    }
}

impl PartialEq for File {
    /// Identity: the same open file.
    fn eq(&self, other: &File) -> bool {
        ptr::eq(self, other)
    }
}

impl Eq for File {}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "File({:p}, {:?})", self.as_raw(), self.name())
    }
}

/// A driver whose files can be mapped (the kernel's `MiscDevice`, mmap
/// part). [`File::create`] makes a file whose `f_op->mmap` is
/// [`mmap`](MiscDevice::mmap); with [`HAS_VM_OPS`](MiscDevice::HAS_VM_OPS)
/// its VMAs also get `vm_ops` that call the `vma_*` methods.
///
/// Every callback runs on the thread of the system call that caused it,
/// with the mmap lock held for write (close at teardown: with no user
/// left): none may take the mmap lock (that panics, see
/// [`MmWithUser::mmap_read_lock`](crate::mm::MmWithUser::mmap_read_lock)).
/// A panic in a callback aborts the process (it cannot unwind through C).
pub trait MiscDevice: Send + Sync + Sized + 'static {
    /// Whether the VMAs of a successful `mmap` get `vm_ops` with
    /// [`vma_open`](MiscDevice::vma_open) and
    /// [`vma_close`](MiscDevice::vma_close) (`vas_vma_new_set_ops`). A VMA
    /// with a close op is never removed by a merge.
    const HAS_VM_OPS: bool = false;

    /// Set up `vma` for a new mapping of `file` (`f_op->mmap`): change its
    /// flags with the [`VmaNew`] setters, insert pages through
    /// [`VmaNew::set_mixedmap`], or fail the mmap with an error. `vma`
    /// lives for this call only.
    fn mmap(&self, file: &File, vma: &VmaNew) -> Result;

    /// A new VMA object now maps part of what one of this device's VMAs
    /// mapped: a piece cut off by a split, mremap's copy, fork's copy
    /// (`vm_ops->open`).
    fn vma_open(&self, _vma: &VmaRef) {}

    /// A VMA of this device, or the piece of one that `vma` gives, goes
    /// away; its pages are already unmapped (`vm_ops->close`). Also runs
    /// at teardown, with no user of the address space left.
    fn vma_close(&self, _vma: &VmaClosing) {}
}

/// What a driver file's private data points at.
struct FileData<T> {
    /// Held, never read: the machine must outlive the file.
    #[allow(dead_code)]
    machine: Machine,
    device: T,
}

/// Run a callback body; a panic cannot unwind into C, so it aborts.
fn no_unwind<R>(what: &str, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            eprintln!("vas: panic in a {} callback; aborting", what);
            std::process::abort();
        }
    }
}

/// The device of a driver file made by [`File::create::<T>`].
///
/// # Safety
///
/// `file` is such a file, referenced for `'a`.
unsafe fn device_of<'a, T: MiscDevice>(file: *const bindings::vas_file) -> &'a T {
    // SAFETY: File::create::<T> set the private data to a FileData<T>,
    // freed only by the release callback, after the last reference.
    unsafe { &(*bindings::vas_file_private(file).cast::<FileData<T>>()).device }
}

struct FileOpsTable<T>(PhantomData<T>);

impl<T: MiscDevice> FileOpsTable<T> {
    const OPS: bindings::vas_file_ops =
        bindings::vas_file_ops {
            size: std::mem::size_of::<bindings::vas_file_ops>(),
            mmap: Some(mmap_callback::<T>),
            release: Some(release_callback::<T>),
        };
    const OPS_REF: &'static bindings::vas_file_ops = &Self::OPS;
    const VM_OPS: bindings::vas_vm_ops = bindings::vas_vm_ops {
        size: std::mem::size_of::<bindings::vas_vm_ops>(),
        open: Some(vma_open_callback::<T>),
        close: Some(vma_close_callback::<T>),
        // vas asks vm_ops->name only for a VMA without a file, and only a
        // file's mmap hook installs vm_ops: it would never be called.
        name: None,
        fault: None,
        page_mkwrite: None,
    };
    const VM_OPS_REF: &'static bindings::vas_vm_ops = &Self::VM_OPS;
}

unsafe extern "C" fn mmap_callback<T: MiscDevice>(file: *mut bindings::vas_file, vma: *mut bindings::vas_vma_new) -> c_int {
    no_unwind("mmap", || {
        // SAFETY: vas calls f_op->mmap with the mmap lock held for write
        // and the VMA in its hook (file.h); the VMA's address space has a
        // user for the call.
        let key = held::key_of_user(unsafe { bindings::vas_vma_mm(bindings::vas_vma_new_ref(vma)) });
        held::in_callback(Some((key, Kind::MmapWrite)), || {
            // SAFETY: The hook's file is referenced for the call; it was
            // made by File::create::<T> (only it installs these ops).
            let (dev, f) = unsafe { (device_of::<T>(file), File::from_raw(file)) };
            // SAFETY: The VMA is in its hook on this thread until we return.
            let new = unsafe { VmaNew::from_raw(vma) };
            match dev.mmap(f, new) {
                Ok(()) => {
                    if T::HAS_VM_OPS {
                        // SAFETY: In the hook; the table is 'static.
                        unsafe { bindings::vas_vma_new_set_ops(vma, FileOpsTable::<T>::VM_OPS_REF) };
                    }
                    0
                }
                Err(e) => e.to_errno(),
            }
        })
    })
}

unsafe extern "C" fn release_callback<T: MiscDevice>(file: *mut bindings::vas_file) {
    no_unwind("release", || {
        held::in_callback(None, || {
            // SAFETY: The last reference is gone: nothing uses the private
            // data any more; File::create::<T> made it with Box::into_raw.
            drop(unsafe { Box::from_raw(bindings::vas_file_private(file).cast::<FileData<T>>()) });
        })
    })
}

unsafe extern "C" fn vma_open_callback<T: MiscDevice>(vma: *mut bindings::vas_vma_ref) {
    no_unwind("vm_ops->open", || {
        // SAFETY: open runs with the mmap lock held for write and the new
        // VMA's fields final (file.h), so the accessors may be used and its
        // address space has a user.
        let key = held::key_of_user(unsafe { bindings::vas_vma_mm(vma) });
        held::in_callback(Some((key, Kind::MmapWrite)), || {
            // SAFETY: Only our mmap callback installs these ops, on VMAs of
            // files made by File::create::<T>; the VMA references its file.
            let dev = unsafe { device_of::<T>(bindings::vas_vma_file(vma)) };
            // SAFETY: The VMA is locked (mmap write lock) for the call.
            dev.vma_open(unsafe { VmaRef::from_raw(vma) });
        })
    })
}

unsafe extern "C" fn vma_close_callback<T: MiscDevice>(vma: *const bindings::vas_vma_closing) {
    no_unwind("vm_ops->close", || {
        // SAFETY: The closing view is valid until we return (file.h).
        let key = unsafe { bindings::vas_vma_closing_mm_id(vma) } as usize;
        held::in_callback(Some((key, Kind::MmapWrite)), || {
            // SAFETY: As in open; the file is referenced until close returns.
            let dev = unsafe { device_of::<T>(bindings::vas_vma_closing_file(vma)) };
            // SAFETY: Valid for the call.
            dev.vma_close(unsafe { VmaClosing::from_raw(vma) });
        })
    })
}
