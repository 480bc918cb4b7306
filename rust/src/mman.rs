// SPDX-License-Identifier: MIT
//! The system calls of an address space and user access (mman.h,
//! memory.h, proc.h), as methods of [`MmWithUser`]. Each takes the mmap
//! lock itself (`VAS_EXCLUDES(mm)` in C), so each panics if this thread
//! holds an mmap or VMA lock of any address space (it could deadlock).

use crate::bindings;
use crate::error::{code::EFAULT, code::ENOMEM, to_result, Error, Result};
use crate::file::File;
use crate::held;
use crate::mm::MmWithUser;
use crate::types::ARef;
use std::fmt;
use std::os::raw::{c_char, c_int, c_ulong, c_void};
use std::ptr::{self, NonNull};

/// The constants of the mmap family, with Linux's UAPI values (uapi.h).
pub mod uapi {
    #![allow(missing_docs)]
    pub use crate::page::PAGE_SIZE;
    pub use crate::mman::{AccessError, Rss, Signal};

    pub const PROT_NONE: i32 = 0x0;
    pub const PROT_READ: i32 = 0x1;
    pub const PROT_WRITE: i32 = 0x2;
    pub const PROT_EXEC: i32 = 0x4;

    pub const MAP_SHARED: i32 = 0x01;
    pub const MAP_PRIVATE: i32 = 0x02;
    pub const MAP_SHARED_VALIDATE: i32 = 0x03;
    pub const MAP_FIXED: i32 = 0x10;
    pub const MAP_ANONYMOUS: i32 = 0x20;
    pub const MAP_GROWSDOWN: i32 = 0x100;
    pub const MAP_LOCKED: i32 = 0x2000;
    pub const MAP_NORESERVE: i32 = 0x4000;
    pub const MAP_POPULATE: i32 = 0x8000;
    pub const MAP_FIXED_NOREPLACE: i32 = 0x100000;

    pub const MREMAP_MAYMOVE: i32 = 1;
    pub const MREMAP_FIXED: i32 = 2;
    pub const MREMAP_DONTUNMAP: i32 = 4;

    pub const MADV_NORMAL: i32 = 0;
    pub const MADV_DONTNEED: i32 = 4;
    pub const MADV_DONTFORK: i32 = 10;
    pub const MADV_DOFORK: i32 = 11;
    pub const MADV_DONTDUMP: i32 = 16;
    pub const MADV_WIPEONFORK: i32 = 18;
    pub const MADV_POPULATE_READ: i32 = 22;
    pub const MADV_POPULATE_WRITE: i32 = 23;
    pub const MADV_GUARD_INSTALL: i32 = 102;
    pub const MADV_GUARD_REMOVE: i32 = 103;

    /// The highest user address + 1 (x86-64, 4-level paging).
    pub const TASK_SIZE: usize = (1 << 47) - PAGE_SIZE;
}

/// A signal a user access raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// `SIGSEGV`: nothing mapped there, or no permission.
    Segv,
    /// `SIGBUS`: mapped, but no page can back the address.
    Bus,
}

/// Why a user access ([`MmWithUser::read`] and friends) stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessError {
    /// `-EFAULT`: the page at `addr` raised `signal`; the pages before it
    /// were accessed.
    Signal {
        /// The signal (`struct vas_fault_info` `signo`).
        signal: Signal,
        /// The page-aligned address of the page.
        addr: usize,
    },
    /// `-ENOMEM` (the kernel's OOM) or another errno.
    Errno(Error),
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::Signal { signal: Signal::Segv, addr } => write!(f, "SIGSEGV@{:#x}", addr),
            AccessError::Signal { signal: Signal::Bus, addr } => write!(f, "SIGBUS@{:#x}", addr),
            AccessError::Errno(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AccessError {}

/// An RSS counter (`enum vas_rss`).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rss {
    /// File pages (`MM_FILEPAGES`), driver pages included.
    File = 0,
    /// Anonymous pages (`MM_ANONPAGES`).
    Anon = 1,
    /// Shared memory pages (`MM_SHMEMPAGES`).
    Shmem = 2,
}

fn access_result(ret: c_int, fi: &bindings::vas_fault_info) -> Result<(), AccessError> {
    match ret {
        0 => Ok(()),
        r if r == EFAULT.to_errno() => {
            let signal = if fi.signo == bindings::VAS_SIGBUS { Signal::Bus } else { Signal::Segv };
            Err(AccessError::Signal { signal, addr: fi.addr as usize })
        }
        r => Err(AccessError::Errno(Error::from_errno(r))),
    }
}

/// The mmap family. Context for each: no mmap or VMA lock of any address
/// space held by the calling thread (panics otherwise); may block, may
/// allocate.
impl MmWithUser {
    #[track_caller]
    fn unlocked(&self, what: &str) {
        held::assert_unlocked(self.held_key(), what);
    }

    /// `mmap(2)`: map `len` bytes at (or near) `addr`, anonymous memory
    /// with `file` `None` and `MAP_ANONYMOUS`, else `file` from byte
    /// `off` (page aligned). Returns the address. Errors: Linux's.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// assert_eq!(a % PAGE_SIZE, 0);
    /// assert_eq!(mm.mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0),
    ///            Err(vas::error::code::EINVAL));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn mmap(&self, addr: usize, len: usize, prot: i32, flags: i32, file: Option<&File>, off: usize) -> Result<usize> {
        self.unlocked("mmap()");
        let mut out: c_ulong = 0;
        let f = file.map_or(ptr::null_mut(), |f| f.as_raw());
        // SAFETY: We hold a user and no lock of it (checked above); the file
        // is referenced by the caller (vas takes its own reference).
        to_result(unsafe {
            bindings::vas_mmap(self.as_raw(), addr as c_ulong, len as c_ulong, prot, flags, f, off as c_ulong, &mut out)
        })?;
        Ok(out as usize)
    }

    /// `munmap(2)`.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, 3 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.munmap(a + PAGE_SIZE, PAGE_SIZE)?;           // a hole: two VMAs
    /// assert_eq!(mm.mmap_read_lock().map_count(), 2);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn munmap(&self, addr: usize, len: usize) -> Result {
        self.unlocked("munmap()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_munmap(self.as_raw(), addr as c_ulong, len as c_ulong) })
    }

    /// `mprotect(2)`.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// assert!(mm.fill(a, 1, 1).is_err());
    /// mm.mprotect(a, PAGE_SIZE, PROT_READ | PROT_WRITE)?;
    /// assert!(mm.fill(a, 1, 1).is_ok());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn mprotect(&self, addr: usize, len: usize, prot: i32) -> Result {
        self.unlocked("mprotect()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_mprotect(self.as_raw(), addr as c_ulong, len as c_ulong, prot) })
    }

    /// `mremap(2)`; `new_addr` is used with `MREMAP_FIXED` or
    /// `MREMAP_DONTUNMAP`. Returns the new address.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let b = mm.mremap(a, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0)?;
    /// let g = mm.mmap_read_lock();
    /// assert_eq!(g.vma_lookup(b).unwrap().end() - b, 2 * PAGE_SIZE);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn mremap(&self, addr: usize, old_len: usize, new_len: usize, flags: i32, new_addr: usize) -> Result<usize> {
        self.unlocked("mremap()");
        let mut out: c_ulong = 0;
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe {
            bindings::vas_mremap(
                self.as_raw(),
                addr as c_ulong,
                old_len as c_ulong,
                new_len as c_ulong,
                flags,
                new_addr as c_ulong,
                &mut out,
            )
        })?;
        Ok(out as usize)
    }

    /// `madvise(2)`.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.fill(a, 7, PAGE_SIZE)?;
    /// mm.madvise(a, PAGE_SIZE, MADV_DONTNEED)?;
    /// assert_eq!(mm.rss(Rss::Anon), 0);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn madvise(&self, addr: usize, len: usize, advice: i32) -> Result {
        self.unlocked("madvise()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_madvise(self.as_raw(), addr as c_ulong, len as c_ulong, advice) })
    }

    /// `mlock(2)`.
    #[track_caller]
    pub fn mlock(&self, addr: usize, len: usize) -> Result {
        self.unlocked("mlock()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_mlock(self.as_raw(), addr as c_ulong, len as c_ulong) })
    }

    /// `munlock(2)`.
    #[track_caller]
    pub fn munlock(&self, addr: usize, len: usize) -> Result {
        self.unlocked("munlock()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_munlock(self.as_raw(), addr as c_ulong, len as c_ulong) })
    }

    /// `mseal(2)` (`flags` must be 0).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.mseal(a, PAGE_SIZE, 0)?;
    /// assert_eq!(mm.munmap(a, PAGE_SIZE), Err(vas::error::code::EPERM));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn mseal(&self, addr: usize, len: usize, flags: usize) -> Result {
        self.unlocked("mseal()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_mseal(self.as_raw(), addr as c_ulong, len as c_ulong, flags as c_ulong) })
    }

    /// `fork(2)` of the address space (`vas_mm_fork`): the child, with one
    /// user.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.write(a, b"parent")?;
    /// let child = mm.fork()?;
    /// child.write(a, b"child!")?;                     // copy-on-write
    /// let mut b = [0u8; 6];
    /// mm.read(a, &mut b)?;
    /// assert_eq!(&b, b"parent");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn fork(&self) -> Result<ARef<MmWithUser>> {
        self.unlocked("fork()");
        let mut out = ptr::null_mut();
        // SAFETY: We hold a user and no lock of it; out is valid.
        to_result(unsafe { bindings::vas_mm_fork(self.as_raw(), &mut out) })?;
        let out = NonNull::new(out).ok_or(ENOMEM)?;
        // SAFETY: vas_mm_fork() gave us the child's user.
        Ok(unsafe { ARef::from_raw(out.cast()) })
    }

    /// Check every invariant of the address space (`vas_mm_validate`):
    /// `-EUCLEAN` if one is broken (details on stderr).
    ///
    /// ```
    /// # fn main() -> vas::Result {
    /// # let machine = vas::Machine::new()?;
    /// let mm = machine.mm_create()?;
    /// mm.validate()
    /// # }
    /// ```
    #[track_caller]
    pub fn validate(&self) -> Result {
        self.unlocked("validate()");
        // SAFETY: We hold a user and no lock of it.
        to_result(unsafe { bindings::vas_mm_validate(self.as_raw()) })
    }

    /// Pages of the kind `which` mapped now (`vas_mm_rss`).
    pub fn rss(&self, which: Rss) -> i64 {
        // SAFETY: Any context; we hold a user.
        unsafe { bindings::vas_mm_rss(self.as_raw(), which as c_int) as i64 }
    }

    /// The `/proc/PID/maps` text (`vas_proc_maps_print`).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// mm.mmap(0x10000000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, None, 0)?;
    /// assert_eq!(mm.maps()?, "10000000-10001000 r--p 00000000 00:00 0 \n");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn maps(&self) -> Result<String> {
        self.unlocked("maps()");
        let mut buf: *mut c_char = ptr::null_mut();
        let mut size = 0usize;
        // SAFETY: open_memstream() with valid out-parameters; glibc
        // allocates the buffer, which we free after fclose().
        let stream = unsafe { bindings::open_memstream(&mut buf, &mut size) };
        if stream.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: We hold a user and no lock of it; the stream is open.
        let ret = unsafe { bindings::vas_proc_maps_print(self.as_raw(), stream) };
        // SAFETY: The stream is ours; after fclose() buf and size are final.
        let closed = unsafe { bindings::fclose(stream) };
        let text = if buf.is_null() {
            String::new()
        } else {
            // SAFETY: buf holds size bytes (open_memstream).
            let bytes = unsafe { std::slice::from_raw_parts(buf as *const u8, size) };
            String::from_utf8_lossy(bytes).into_owned()
        };
        // SAFETY: glibc allocated buf with malloc.
        unsafe { bindings::free(buf as *mut c_void) };
        to_result(ret)?;
        if closed != 0 {
            return Err(ENOMEM);
        }
        Ok(text)
    }
}

/// User access: a thread of the process touching its memory, page by
/// page, each faulted in as the hardware would make the kernel do it
/// (memory.h). They take a VMA's read lock and fall back to the mmap read
/// lock, so the calling thread must hold no mmap or VMA lock of any
/// address space (panics otherwise).
impl MmWithUser {
    /// Load `buf.len()` bytes at `addr` (`vas_read`).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// let mut b = [1u8; 4];
    /// assert_eq!(mm.read(a, &mut b), Ok(()));
    /// assert_eq!(b, [0; 4]);
    /// assert_eq!(mm.read(a + PAGE_SIZE, &mut b),
    ///            Err(AccessError::Signal { signal: Signal::Segv, addr: a + PAGE_SIZE }));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn read(&self, addr: usize, buf: &mut [u8]) -> Result<(), AccessError> {
        self.unlocked("read()");
        let mut fi = bindings::vas_fault_info::default();
        // SAFETY: We hold a user and no lock of it; buf is valid for
        // buf.len() bytes of writes.
        let ret = unsafe {
            bindings::vas_read(self.as_raw(), addr as c_ulong, buf.as_mut_ptr().cast(), buf.len(), &mut fi)
        };
        access_result(ret, &fi)
    }

    /// Store `buf` at `addr` (`vas_write`).
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// assert_eq!(mm.write(a, b"x"), Err(AccessError::Signal { signal: Signal::Segv, addr: a }));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn write(&self, addr: usize, buf: &[u8]) -> Result<(), AccessError> {
        self.unlocked("write()");
        let mut fi = bindings::vas_fault_info::default();
        // SAFETY: We hold a user and no lock of it; buf is valid for reads.
        let ret = unsafe {
            bindings::vas_write(self.as_raw(), addr as c_ulong, buf.as_ptr().cast(), buf.len(), &mut fi)
        };
        access_result(ret, &fi)
    }

    /// Store `byte` into `len` bytes at `addr` (`vas_fill`).
    #[track_caller]
    pub fn fill(&self, addr: usize, byte: u8, len: usize) -> Result<(), AccessError> {
        self.unlocked("fill()");
        let mut fi = bindings::vas_fault_info::default();
        // SAFETY: We hold a user and no lock of it.
        let ret = unsafe { bindings::vas_fill(self.as_raw(), addr as c_ulong, byte as c_int, len, &mut fi) };
        access_result(ret, &fi)
    }

    /// Fault the page at `addr` in for a read, or a write if `write`
    /// (`vas_fault`), without moving bytes.
    ///
    /// ```
    /// # use vas::{Machine, uapi::*};
    /// # fn main() -> vas::Result {
    /// # let machine = Machine::new()?;
    /// # let mm = machine.mm_create()?;
    /// let a = mm.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0)?;
    /// mm.fault(a, true).unwrap();
    /// assert_eq!(mm.rss(Rss::Anon), 1);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn fault(&self, addr: usize, write: bool) -> Result<(), AccessError> {
        self.unlocked("fault()");
        let mut fi = bindings::vas_fault_info::default();
        let flags = if write { bindings::VAS_FAULT_WRITE } else { 0 };
        // SAFETY: We hold a user and no lock of it.
        let ret = unsafe { bindings::vas_fault(self.as_raw(), addr as c_ulong, flags, &mut fi) };
        access_result(ret, &fi)
    }
}

impl From<AccessError> for Error {
    /// The errno of the C call: `-EFAULT` for a signal.
    fn from(e: AccessError) -> Error {
        match e {
            AccessError::Signal { .. } => EFAULT,
            AccessError::Errno(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uapi::*;
    use super::*;
    use crate::error::code::*;
    use crate::mm::virt::flags;
    use crate::Machine;

    #[test]
    fn mlock_and_munlock_set_and_clear_vm_locked() {
        let machine = Machine::new().unwrap();
        let mm = machine.mm_create().unwrap();
        let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
        mm.mlock(a, PAGE_SIZE).unwrap();
        {
            let g = mm.mmap_read_lock();
            assert_ne!(g.vma_lookup(a).unwrap().flags() & flags::LOCKED, 0);
            assert_eq!(g.vma_lookup(a + PAGE_SIZE).unwrap().flags() & flags::LOCKED, 0);
            assert_eq!(g.map_count(), 2);
        }
        assert_eq!(mm.rss(Rss::Anon), 1, "mlock populates");
        mm.munlock(a, PAGE_SIZE).unwrap();
        assert_eq!(mm.mmap_read_lock().map_count(), 1, "merged again");
        assert_eq!(mm.mlock(a + 2 * PAGE_SIZE, PAGE_SIZE), Err(ENOMEM));
        assert_eq!(mm.munlock(a, usize::MAX - a + 1), Err(EINVAL));
        mm.validate().unwrap();
    }

    #[test]
    fn user_access_errors() {
        let machine = Machine::new().unwrap();
        let mm = machine.mm_create().unwrap();
        let a = mm.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
        // The pages before the failing one were accessed.
        let end = a + PAGE_SIZE;
        let e = mm.fill(end - 2, 0x11, 4).unwrap_err();
        assert_eq!(e, AccessError::Signal { signal: Signal::Segv, addr: end });
        let mut b = [0u8; 2];
        mm.read(end - 2, &mut b).unwrap();
        assert_eq!(b, [0x11, 0x11]);
        assert_eq!(mm.fault(end, false), Err(AccessError::Signal { signal: Signal::Segv, addr: end }));
        assert_eq!(e.to_string(), format!("SIGSEGV@{:#x}", end));
        assert_eq!(Error::from(e), EFAULT);
        let bus = AccessError::Signal { signal: Signal::Bus, addr: 0x1000 };
        assert_eq!(bus.to_string(), "SIGBUS@0x1000");
        assert_eq!(AccessError::Errno(ENOMEM).to_string(), "-ENOMEM");
        assert_eq!(Error::from(AccessError::Errno(ENOMEM)), ENOMEM);
        mm.write(a, b"ok").unwrap();
        mm.fault(a, true).unwrap();
        // Out of memory: the machine's frames run out. MAP_NORESERVE: commit
        // accounting (overcommit_memory 0) refuses a private writable
        // mapping larger than the machine's memory.
        let mut cfg = crate::MachineConfig::default();
        cfg.frames_bytes = 32 * PAGE_SIZE;
        let small = Machine::with_config(&cfg).unwrap();
        let mm = small.mm_create().unwrap();
        assert_eq!(
            mm.mmap(0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0),
            Err(ENOMEM)
        );
        let a = mm
            .mmap(0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, None, 0)
            .unwrap();
        assert_eq!(mm.fill(a, 1, 64 * PAGE_SIZE), Err(AccessError::Errno(ENOMEM)));
        assert!(mm.rss(Rss::Anon) > 0);
    }

    #[test]
    fn system_call_errors_are_linux_errnos() {
        let machine = Machine::new().unwrap();
        let mm = machine.mm_create().unwrap();
        assert_eq!(mm.munmap(1, PAGE_SIZE), Err(EINVAL));
        assert_eq!(mm.mprotect(0x10000000, PAGE_SIZE, PROT_READ), Err(ENOMEM));
        assert_eq!(mm.mremap(0x10000000, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), Err(EFAULT));
        assert_eq!(mm.madvise(0, PAGE_SIZE, 12345), Err(EINVAL));
        assert_eq!(mm.mseal(0, PAGE_SIZE, 1), Err(EINVAL));
        assert_eq!(mm.mmap(0x1000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, None, 0), Err(EPERM));
        assert_eq!(mm.maps().unwrap(), "");
        assert_eq!(mm.mmap_read_lock().map_count(), 0);
    }
}
