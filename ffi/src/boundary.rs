//! The C boundary: the one `catch_unwind` helper every `extern "C"` body runs in, NULL checks
//! for pointer arguments, and string conversions in both directions.
//!
//! Pattern from rustls-ffi (`panic.rs`, `ffi.rs`): a panic never unwinds into C, every pointer
//! is checked before use, outputs are set to NULL before any work so that they are defined on
//! every return path.

use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::error::{ozi_error, ozi_status};

/// Runs `body`, returning `on_panic` if it panics. Every exported function runs in this helper,
/// directly or through [`status_call`].
pub(crate) fn ffi_guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    guarded(body).unwrap_or(on_panic)
}

/// Runs `body`; a panic becomes `Err(panic message)`. The only `catch_unwind` of this crate.
fn guarded<T>(body: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(body)).map_err(|payload| panic_message(payload.as_ref()))
}

/// Runs a fallible entry point body: `error_out` (which may be NULL) is set to NULL first, then
/// to a new `ozi_error` when `body` fails or panics. Returns the status.
///
/// # Safety
/// `error_out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn status_call(
    error_out: *mut *mut ozi_error,
    body: impl FnOnce() -> Result<(), ozi_error>,
) -> ozi_status {
    if !error_out.is_null() {
        // SAFETY: the caller guarantees `error_out` is writable when not NULL.
        unsafe { error_out.write(ptr::null_mut()) };
    }
    let result = guarded(body).unwrap_or_else(|message| {
        Err(ozi_error::new(
            ozi_status::Panic,
            format!("a Rust panic was caught at the C boundary: {message} (please report it)"),
        ))
    });
    match result {
        Ok(()) => ozi_status::Ok,
        Err(error) => {
            let status = error.status();
            if !error_out.is_null() {
                // SAFETY: as above.
                unsafe { error_out.write(Box::into_raw(Box::new(error))) };
            }
            status
        }
    }
}

/// The panic payload as text (for messages).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// A required input pointer: a shared reference, or `null_argument` naming `name`.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `T` for `'a`.
pub(crate) unsafe fn required<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, ozi_error> {
    // SAFETY: forwarded contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| ozi_error::null_argument(name))
}

/// A required output pointer: set to NULL now and returned for the final write.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn output<T>(out: *mut *mut T, name: &str) -> Result<Output<T>, ozi_error> {
    if out.is_null() {
        return Err(ozi_error::null_argument(name));
    }
    // SAFETY: not NULL, writable by contract.
    unsafe { out.write(ptr::null_mut()) };
    Ok(Output(out))
}

/// A checked, non-NULL output pointer (see [`output`]).
pub(crate) struct Output<T>(*mut *mut T);

impl<T> Output<T> {
    /// Hands `value` to the caller.
    pub(crate) fn set(self, value: *mut T) {
        // SAFETY: checked non-NULL and writable when this was built.
        unsafe { self.0.write(value) };
    }
}

/// A required byte buffer `(data, len)`.
///
/// # Safety
/// `data` is NULL or valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8], ozi_error> {
    if data.is_null() {
        return Err(ozi_error::null_argument(name));
    }
    if len > isize::MAX as usize {
        return Err(ozi_error::invalid_input(format!("`{name}` length {len} is larger than any buffer")));
    }
    // SAFETY: not NULL, `len` readable bytes by contract, `len` fits `isize`.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A C string argument that may be NULL (NULL → `None`). Not UTF-8 → `invalid_input`.
///
/// # Safety
/// `s` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn optional_str<'a>(s: *const c_char, name: &str) -> Result<Option<&'a str>, ozi_error> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, NUL-terminated by contract.
    let c = unsafe { CStr::from_ptr(s) };
    c.to_str().map(Some).map_err(|e| ozi_error::invalid_input(format!("`{name}` is not UTF-8: {e}")))
}

/// A required C string argument holding a file path (any bytes on Unix; UTF-8 elsewhere).
///
/// # Safety
/// `s` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn required_path<'a>(s: *const c_char, name: &str) -> Result<&'a std::path::Path, ozi_error> {
    if s.is_null() {
        return Err(ozi_error::null_argument(name));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: not NULL, NUL-terminated by contract.
        let c = unsafe { CStr::from_ptr(s) };
        Ok(std::path::Path::new(std::ffi::OsStr::from_bytes(c.to_bytes())))
    }
    #[cfg(not(unix))]
    {
        // SAFETY: forwarded contract.
        let text = unsafe { optional_str(s, name) }?.ok_or_else(|| ozi_error::null_argument(name))?;
        Ok(std::path::Path::new(text))
    }
}

/// A Rust string as an owned C string for the caller (freed with `ozi_string_free`).
pub(crate) fn owned_c_string(s: String) -> Result<*mut c_char, ozi_error> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| ozi_error::new(ozi_status::InternalError, "internal error: output text holds a NUL byte"))
}

/// Frees a string returned by this library (`json_out` parameters, callback `json`).
/// NULL is a no-op.
///
/// # Safety
/// `s` is NULL or a string from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_string_free(s: *mut c_char) {
    ffi_guard((), || {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` in this library and is freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_caught_and_reported() {
        let mut err: *mut ozi_error = ptr::null_mut();
        let status = unsafe { status_call(&mut err, || panic!("boom")) };
        assert_eq!(status, ozi_status::Panic);
        assert!(!err.is_null());
        unsafe {
            assert_eq!(crate::error::ozi_error_code(err), ozi_status::Panic);
            let message = CStr::from_ptr(crate::error::ozi_error_message(err)).to_str().unwrap();
            assert!(message.contains("boom"), "{message}");
            crate::error::ozi_error_free(err);
        }
        // A NULL error_out is fine too.
        let status = unsafe { status_call(ptr::null_mut(), || panic!("boom")) };
        assert_eq!(status, ozi_status::Panic);
        assert_eq!(ffi_guard(7, || panic!("x")), 7);
        assert_eq!(panic_message(&"text"), "text");
    }

    #[test]
    fn success_clears_error_out() {
        let mut err: *mut ozi_error = ptr::dangling_mut(); // garbage the call must overwrite
        let status = unsafe { status_call(&mut err, || Ok(())) };
        assert_eq!(status, ozi_status::Ok);
        assert!(err.is_null());
    }

    #[test]
    fn null_checks() {
        unsafe {
            let e = required::<u8>(ptr::null(), "engine").err().unwrap();
            assert_eq!(e.status(), ozi_status::NullArgument);
            assert!(e.message().to_str().unwrap().contains("`engine`"));
            assert!(output::<c_char>(ptr::null_mut(), "json_out").is_err());
            assert!(bytes(ptr::null(), 0, "data").is_err());
            assert!(matches!(optional_str(ptr::null(), "options_json"), Ok(None)));
            assert!(required_path(ptr::null(), "path").is_err());
            let bad = [0xffu8, 0];
            assert_eq!(optional_str(bad.as_ptr().cast(), "x").err().unwrap().status(), ozi_status::InvalidInput);
            let big = bytes([1u8].as_ptr(), usize::MAX, "data").err().unwrap();
            assert_eq!(big.status(), ozi_status::InvalidInput);
            let mut out: *mut c_char = ptr::dangling_mut();
            let o = output(&mut out, "json_out").ok().unwrap();
            assert!(out.is_null());
            o.set(owned_c_string("{}".into()).ok().unwrap());
            assert_eq!(CStr::from_ptr(out).to_str().unwrap(), "{}");
            ozi_string_free(out);
            ozi_string_free(ptr::null_mut());
        }
    }
}
