// SPDX-License-Identifier: MIT
//! Errors: a negative errno, as the C API returns it (the kernel's
//! `kernel::error::Error`).

use crate::bindings;
use std::ffi::CStr;
use std::fmt;
use std::num::NonZeroI32;
use std::os::raw::c_int;

/// A negative errno with the value Linux uses for the same failure
/// (`-EINVAL`, `-ENOMEM`, ...).
///
/// ```
/// use vas::error::code::EINVAL;
/// assert_eq!(EINVAL.to_errno(), -22);
/// assert_eq!(format!("{}", EINVAL), "-EINVAL");
/// assert_eq!(vas::Error::from_errno(-22), EINVAL);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(NonZeroI32);

/// `Result<T, Error>`, `T` defaulting to `()` as in the kernel.
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error for `errno`, a negative errno (a positive one is
    /// negated). Zero, which is no error, and values outside the errno
    /// range become `-EINVAL`, as the kernel's `from_errno` does.
    pub fn from_errno(errno: i32) -> Error {
        let e = if errno > 0 { errno.wrapping_neg() } else { errno };
        if !(-4095..0).contains(&e) {
            return code::EINVAL;
        }
        // Checked just above: -4095 <= e < 0.
        Error(NonZeroI32::new(e).unwrap())
    }

    /// The negative errno.
    pub fn to_errno(self) -> i32 {
        self.0.get()
    }

    /// Its name, as `vas_strerror()` gives it ("-ENOMEM").
    pub fn name(self) -> String {
        // SAFETY: vas_strerror() takes any int and returns a static,
        // NUL-terminated string or NULL (defs.h: "Static string").
        let p = unsafe { bindings::vas_strerror(self.to_errno()) };
        if p.is_null() {
            return format!("{}", self.to_errno());
        }
        // SAFETY: p is a static NUL-terminated string (see above).
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({})", self.name())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::error::Error for Error {}

/// 0 or a negative errno, the C API's return convention, as a `Result`.
pub(crate) fn to_result(ret: c_int) -> Result {
    if ret == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(ret))
    }
}

/// The errno values vas returns (Linux x86-64 numbers).
pub mod code {
    use super::Error;
    use std::num::NonZeroI32;

    macro_rules! codes {
        ($($name:ident = $val:expr, $doc:expr;)*) => {$(
            #[doc = $doc]
            pub const $name: Error = Error(match NonZeroI32::new(-$val) {
                Some(v) => v,
                None => panic!(),
            });
        )*};
    }

    codes! {
        EPERM = 1, "Operation not permitted.";
        ENOENT = 2, "No such file or directory.";
        ESRCH = 3, "No such process.";
        EBADF = 9, "Bad file descriptor.";
        EAGAIN = 11, "Try again.";
        ENOMEM = 12, "Out of memory.";
        EACCES = 13, "Permission denied.";
        EFAULT = 14, "Bad address.";
        EBUSY = 16, "Device or resource busy.";
        EEXIST = 17, "File exists.";
        ENODEV = 19, "No such device.";
        EINVAL = 22, "Invalid argument.";
        ENOSYS = 38, "Function not implemented.";
        EOPNOTSUPP = 95, "Operation not supported.";
        EUCLEAN = 117, "Structure needs cleaning (the validator found a broken invariant).";
    }
}

#[cfg(test)]
mod tests {
    use super::code::*;
    use super::*;

    #[test]
    fn from_errno_and_back() {
        assert_eq!(Error::from_errno(-12), ENOMEM);
        assert_eq!(Error::from_errno(12), ENOMEM);
        assert_eq!(Error::from_errno(0), EINVAL);
        assert_eq!(Error::from_errno(-5000), EINVAL);
        assert_eq!(Error::from_errno(i32::MIN), EINVAL);
        assert_eq!(ESRCH.to_errno(), -3);
        assert_eq!(EUCLEAN.to_errno(), -117);
    }

    #[test]
    fn names_come_from_vas_strerror() {
        assert_eq!(ENOMEM.name(), "-ENOMEM");
        assert_eq!(EBUSY.to_string(), "-EBUSY");
        assert_eq!(format!("{:?}", EFAULT), "Error(-EFAULT)");
    }

    #[test]
    fn to_result_maps_zero_to_ok() {
        assert_eq!(to_result(0), Ok(()));
        assert_eq!(to_result(-22), Err(EINVAL));
    }
}
