// SPDX-License-Identifier: MIT
//! The machine: physical memory, tunables, statistics and the worker that
//! runs deferred teardowns (`struct vas_machine`, mm.h). Everything else
//! lives in one.

use crate::bindings;
use crate::error::{code::EBUSY, to_result, Result};
use crate::mm::MmWithUser;
use crate::types::ARef;
use std::ffi::CStr;
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::Arc;

/// The tunables of a machine (`struct vas_machine_config`): what a Linux
/// kernel's build, boot parameters and sysctls decide. `default()` gives
/// Linux's defaults (`vas_machine_config_init`); docs/machine.md says what
/// each field means.
pub type MachineConfig = bindings::vas_machine_config;

impl Default for MachineConfig {
    fn default() -> Self {
        let mut cfg = std::mem::MaybeUninit::<MachineConfig>::uninit();
        // SAFETY: vas_machine_config_init() fills every field of the
        // struct it is given (mm.h); the layout is declared field for
        // field in bindings.rs.
        unsafe {
            bindings::vas_machine_config_init(cfg.as_mut_ptr());
            cfg.assume_init()
        }
    }
}

struct Inner {
    ptr: NonNull<bindings::vas_machine>,
}

// SAFETY: Every vas_machine function may be called from any thread (mm.h:
// "Context: any" or "may block"); the worker is the machine's own.
unsafe impl Send for Inner {}
// SAFETY: As above; the machine synchronises internally.
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        // Inside a callback of vas (a file's release during a teardown on
        // the machine's worker, say) vas_machine_destroy() would wait for
        // that very worker, and vas still uses the machine after the
        // callback returns: leak it instead.
        if crate::held::inside_callback() {
            return;
        }
        // SAFETY: The last handle is going away; vas_machine_destroy()
        // refuses (-EBUSY, nothing done) while an address space or host
        // file of the machine remains, and then the machine stays valid
        // for them: it is leaked. Pages and driver files hold a handle
        // (Page, File), so none of them remains here.
        let _ = unsafe { bindings::vas_machine_destroy(self.ptr.as_ptr()) };
    }
}

/// A machine (`struct vas_machine`). Cloning gives another handle to the
/// same machine; the last handle destroys it.
///
/// The C rule "no address space, host file, page or driver file of the
/// machine may remain when it is destroyed" is kept this way: a
/// [`Page`](crate::page::Page) and a driver file created by
/// [`File::create`](crate::file::File::create) hold a handle, so the
/// machine outlives them; an address space does not (an
/// [`ARef<MmWithUser>`] is the kernel's type, with no room for one), and
/// a machine whose last handle goes while address spaces remain is
/// leaked rather than destroyed (vas refuses with `-EBUSY`, so they stay
/// valid). [`Machine::destroy`] reports that case.
///
/// ```
/// # fn main() -> vas::Result {
/// let machine = vas::Machine::new()?;
/// let mm = machine.mm_create()?;
/// let page = vas::page::Page::alloc_page(&machine)?;   // holds a handle
/// assert_eq!(machine.clone().destroy(), Err(vas::error::code::EBUSY));
/// drop(page);
/// drop(mm);
/// machine.destroy()                      // nothing remains: destroyed
/// # }
/// ```
#[derive(Clone)]
pub struct Machine {
    inner: Arc<Inner>,
}

/// A per-machine event counter (`enum vas_stat`, stats.h), in the order of
/// `VAS_STAT_LIST`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Stat {
    VmaLockSuccess,
    VmaLockAbort,
    VmaLockRetry,
    VmaLockMiss,
    MmapLockRead,
    MmapLockReadContended,
    MmapLockWrite,
    MmapLockWriteContended,
    VmaWriteWait,
    VmaAlloc,
    VmaFree,
    VmaSplit,
    VmaMerge,
    MmCreate,
    MmTeardown,
    MmTeardownAsync,
    Pgalloc,
    Pgfree,
    Oom,
    WritebackError,
    FollPinAcquired,
    FollPinReleased,
}

impl Stat {
    /// Every counter, in list order.
    pub const ALL: [Stat; 22] = [
        Stat::VmaLockSuccess,
        Stat::VmaLockAbort,
        Stat::VmaLockRetry,
        Stat::VmaLockMiss,
        Stat::MmapLockRead,
        Stat::MmapLockReadContended,
        Stat::MmapLockWrite,
        Stat::MmapLockWriteContended,
        Stat::VmaWriteWait,
        Stat::VmaAlloc,
        Stat::VmaFree,
        Stat::VmaSplit,
        Stat::VmaMerge,
        Stat::MmCreate,
        Stat::MmTeardown,
        Stat::MmTeardownAsync,
        Stat::Pgalloc,
        Stat::Pgfree,
        Stat::Oom,
        Stat::WritebackError,
        Stat::FollPinAcquired,
        Stat::FollPinReleased,
    ];

    /// The printed name (`vas_stat_name`: "vma_lock_success").
    ///
    /// ```
    /// assert_eq!(vas::Stat::MmTeardownAsync.name(), "mm_teardown_async");
    /// ```
    pub fn name(self) -> &'static str {
        // SAFETY: vas_stat_name() returns a static string or NULL for an
        // unknown value (stats.h).
        let p = unsafe { bindings::vas_stat_name(self as i32) };
        if p.is_null() {
            return "?";
        }
        // SAFETY: A static NUL-terminated string (see above).
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?")
    }
}

impl Machine {
    /// A machine with Linux's default tunables (`vas_machine_create(NULL)`).
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// assert_eq!(machine.config().max_map_count, 65530);
    /// ```
    pub fn new() -> Result<Machine> {
        Self::create(ptr::null())
    }

    /// A machine with the tunables `cfg` (copied). Errors: `-EINVAL` for a
    /// tunable out of range, `-ENOMEM`, `-EAGAIN`.
    ///
    /// ```
    /// let mut cfg = vas::MachineConfig::default();
    /// cfg.max_map_count = 100;
    /// let machine = vas::Machine::with_config(&cfg).unwrap();
    /// assert_eq!(machine.config().max_map_count, 100);
    /// cfg.file_folio_max = 12345;          // not a power of two
    /// assert_eq!(vas::Machine::with_config(&cfg).err(), Some(vas::error::code::EINVAL));
    /// ```
    pub fn with_config(cfg: &MachineConfig) -> Result<Machine> {
        Self::create(cfg)
    }

    fn create(cfg: *const MachineConfig) -> Result<Machine> {
        let mut out = ptr::null_mut();
        // SAFETY: cfg is NULL or points at a whole config, which
        // vas_machine_create() copies; out is a valid out-parameter.
        to_result(unsafe { bindings::vas_machine_create(cfg, &mut out) })?;
        Ok(Machine {
            inner: Arc::new(Inner {
                // vas_machine_create() set *out on success.
                ptr: NonNull::new(out).ok_or(crate::error::code::ENOMEM)?,
            }),
        })
    }

    /// The C machine.
    pub fn as_raw(&self) -> *mut bindings::vas_machine {
        self.inner.ptr.as_ptr()
    }

    /// Whether `self` and `other` are handles to one machine.
    pub fn same(&self, other: &Machine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The machine's tunables (`vas_machine_config`).
    pub fn config(&self) -> MachineConfig {
        // SAFETY: The machine is valid while we hold a handle; the result
        // lives as long as the machine and is copied out at once.
        unsafe { *bindings::vas_machine_config(self.as_raw()) }
    }

    /// A new, empty address space (`vas_mm_create`): the creator's user
    /// reference (users 1, count 1).
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let mm = machine.mm_create().unwrap();
    /// assert_eq!((mm.users(), mm.count()), (1, 1));
    /// assert_eq!(mm.mmap_read_lock().map_count(), 0);
    /// ```
    pub fn mm_create(&self) -> Result<ARef<MmWithUser>> {
        let mut out = ptr::null_mut();
        // SAFETY: The machine is valid while we hold a handle; out is a
        // valid out-parameter.
        to_result(unsafe { bindings::vas_mm_create(self.as_raw(), &mut out) })?;
        let out = NonNull::new(out).ok_or(crate::error::code::ENOMEM)?;
        // SAFETY: vas_mm_create() gave us one user reference, which the
        // ARef takes over.
        Ok(unsafe { ARef::from_raw(out.cast()) })
    }

    /// Wait until every teardown queued so far by
    /// [`MmWithUserAsync`](crate::mm::MmWithUserAsync) drops has run
    /// (`vas_machine_flush`). Context: may block; hold no lock of vas.
    ///
    /// ```
    /// # use vas::{Machine, Stat, mm::MmWithUser};
    /// let machine = Machine::new().unwrap();
    /// let mm = MmWithUser::into_mmput_async(machine.mm_create().unwrap());
    /// drop(mm);                       // the last user: the worker tears it down
    /// machine.flush();
    /// assert_eq!(machine.stat(Stat::MmTeardownAsync), 1);
    /// ```
    pub fn flush(&self) {
        // SAFETY: The machine is valid; flush holds no vas lock of ours.
        unsafe { bindings::vas_machine_flush(self.as_raw()) }
    }

    /// The current value of a counter (`vas_stat_read`).
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let _mm = machine.mm_create().unwrap();
    /// assert_eq!(machine.stat(vas::Stat::MmCreate), 1);
    /// ```
    pub fn stat(&self, stat: Stat) -> u64 {
        // SAFETY: Any thread, no lock (stats.h); stat is a valid enum value.
        unsafe { bindings::vas_stat_read(self.as_raw(), stat as i32) }
    }

    /// Destroy the machine now (`vas_machine_destroy`), reporting what
    /// the drop of the last handle would hide. Errors: `-EBUSY` if other
    /// handles remain (other `Machine`s, pages, driver files: nothing is
    /// done), or if address spaces or host files of the machine remain
    /// (vas refuses; the machine is then leaked, so that they stay valid).
    ///
    /// ```
    /// let machine = vas::Machine::new().unwrap();
    /// let other = machine.clone();
    /// assert_eq!(machine.destroy(), Err(vas::error::code::EBUSY));
    /// other.destroy().unwrap();
    /// ```
    pub fn destroy(self) -> Result {
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(_) => return Err(EBUSY),
        };
        let ptr = inner.ptr;
        std::mem::forget(inner);
        // SAFETY: This was the last handle, so no Page or driver File of
        // ours remains. On failure vas did nothing (mm.h) and the machine
        // stays valid for what remains; it is leaked.
        to_result(unsafe { bindings::vas_machine_destroy(ptr.as_ptr()) })
    }
}

impl fmt::Debug for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Machine({:p})", self.as_raw())
    }
}

