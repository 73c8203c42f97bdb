//! Status codes and the owned error object.
//!
//! `ozi_status` values 1..=18 are exactly the core's [`ozinstant::Error::code`] numbers; 0 is
//! success and 100.. are failures that only the C door can produce. Numbers are never
//! renumbered and a retired number is never reused (it stays here as a comment).

use std::ffi::{CStr, CString, c_char};

use crate::boundary::ffi_guard;

/// Result of every fallible `ozi_` function. Stable numbers: never renumbered, never reused.
///
/// 1..=18 are the engine's error codes (the `number` field of an `error` in result JSON);
/// 100 and up are produced by the C interface itself.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ozi_status {
    /// Success.
    Ok = 0,
    /// Malformed input that is not an image problem: empty media, raw pixels whose stride or
    /// length lies, an unknown pixel format or media kind, a `FRAMES` media with no frame, too
    /// many frames or a frame that is not `PIXELS`, bad `options_json` (e.g. `video_frames`
    /// outside 1..=64), a bad request id, a string that is not UTF-8.
    InvalidInput = 1,
    /// The bytes are not a supported format: not an image (JPEG, PNG, WebP, BMP, GIF), a video
    /// (MP4, MOV, WebM) nor a shot set (ZIP).
    UnsupportedFormat = 2,
    /// The bytes claim a supported format but cannot be decoded (a truncated or corrupt image,
    /// video or ZIP archive).
    DecodeFailed = 3,
    /// The encoded media is larger than `limits.max_bytes_per_media`.
    MediaTooLarge = 4,
    /// The image (header or raw size) is over `limits.max_pixels` or `limits.max_dimension`, or
    /// a video picture over `video.max_pixels` or `video.max_side`.
    ImageTooLarge = 5,
    /// A request holds no media or more than `limits.max_media_per_request`.
    TooManyMedia = 6,
    /// `max_in_flight` requests are already running or queued; nothing was accepted. Retry later.
    Busy = 7,
    /// No ONNX Runtime shared library was found; the message lists where the engine looked.
    RuntimeNotFound = 8,
    /// ONNX Runtime failed to load, create a session or run a model.
    RuntimeError = 9,
    /// A model file is missing, has the wrong checksum or unexpected inputs/outputs.
    ModelError = 10,
    /// `config_json` is not valid JSON, has an unknown key or an out-of-range value.
    InvalidConfig = 11,
    /// A file given by path could not be read.
    IoError = 12,
    /// A bug inside the engine (for example a contained panic in the analysis). Please report it.
    InternalError = 13,
    /// The engine shut down before the request could run.
    ShuttingDown = 14,
    /// A video whose codec (or a coding tool of it) this build cannot decode.
    UnsupportedCodec = 15,
    /// The engine was created in another process and inherited through `fork()`: its worker
    /// threads do not exist in this process, so it refuses all work (`ozi_engine_ready` is
    /// false). `ozi_engine_free` is safe in the child (it leaks the thread-owning parts). Create
    /// a new engine after forking.
    Forked = 16,
    /// A video longer than `video.max_duration_ms` or with more frames than `video.max_frames`
    /// (found from its headers, before any frame is decoded).
    VideoTooLong = 17,
    /// A shot set (ZIP archive of frames) refused before anything was extracted: more entries
    /// than `video.shot_set.max_entries`, an entry or the total over the size limits, a
    /// compression ratio that marks a zip bomb, an encrypted entry, a compression method other
    /// than stored or deflate, two entries with one name, no image entry.
    ArchiveRejected = 18,
    /// A required pointer argument was NULL. The message names the argument.
    NullArgument = 100,
    /// A Rust panic was caught at the C boundary (a bug; please report it). The panic did not
    /// cross into C and the engine handle stays usable.
    Panic = 101,
}

impl ozi_status {
    /// Every status, in numeric order.
    const ALL: [ozi_status; 21] = [
        ozi_status::Ok,
        ozi_status::InvalidInput,
        ozi_status::UnsupportedFormat,
        ozi_status::DecodeFailed,
        ozi_status::MediaTooLarge,
        ozi_status::ImageTooLarge,
        ozi_status::TooManyMedia,
        ozi_status::Busy,
        ozi_status::RuntimeNotFound,
        ozi_status::RuntimeError,
        ozi_status::ModelError,
        ozi_status::InvalidConfig,
        ozi_status::IoError,
        ozi_status::InternalError,
        ozi_status::ShuttingDown,
        ozi_status::UnsupportedCodec,
        ozi_status::Forked,
        ozi_status::VideoTooLong,
        ozi_status::ArchiveRejected,
        ozi_status::NullArgument,
        ozi_status::Panic,
    ];

    /// The status for a core error code; an unknown (newer) code maps to `InternalError`.
    pub fn from_code(code: u32) -> ozi_status {
        ozi_status::ALL
            .into_iter()
            .find(|s| *s as u32 == code && *s != ozi_status::Ok && (*s as u32) < 100)
            .unwrap_or(ozi_status::InternalError)
    }

    /// Stable snake_case name (the core's `Error::name()` for its codes).
    pub fn name(self) -> &'static CStr {
        match self {
            ozi_status::Ok => c"ok",
            ozi_status::InvalidInput => c"invalid_input",
            ozi_status::UnsupportedFormat => c"unsupported_format",
            ozi_status::DecodeFailed => c"decode_failed",
            ozi_status::MediaTooLarge => c"media_too_large",
            ozi_status::ImageTooLarge => c"image_too_large",
            ozi_status::TooManyMedia => c"too_many_media",
            ozi_status::Busy => c"busy",
            ozi_status::RuntimeNotFound => c"runtime_not_found",
            ozi_status::RuntimeError => c"runtime_error",
            ozi_status::ModelError => c"model_error",
            ozi_status::InvalidConfig => c"invalid_config",
            ozi_status::IoError => c"io_error",
            ozi_status::InternalError => c"internal_error",
            ozi_status::ShuttingDown => c"shutting_down",
            ozi_status::UnsupportedCodec => c"unsupported_codec",
            ozi_status::Forked => c"forked",
            ozi_status::VideoTooLong => c"video_too_long",
            ozi_status::ArchiveRejected => c"archive_rejected",
            ozi_status::NullArgument => c"null_argument",
            ozi_status::Panic => c"panic",
        }
    }
}

/// An error: a status code and a human-readable message. Owned by the caller, who frees it with
/// `ozi_error_free`. Never shared between threads by the library, never stored in a global or
/// thread-local "last error".
#[derive(Debug)]
pub struct ozi_error {
    status: ozi_status,
    message: CString,
}

impl ozi_error {
    /// An error with `status` and `message` (interior NUL bytes are replaced by U+FFFD).
    pub(crate) fn new(status: ozi_status, message: impl Into<String>) -> ozi_error {
        let mut message: String = message.into();
        if message.contains('\0') {
            message = message.replace('\0', "\u{FFFD}");
        }
        ozi_error { status, message: CString::new(message).unwrap_or_default() }
    }

    /// `argument` was NULL.
    pub(crate) fn null_argument(argument: &str) -> ozi_error {
        ozi_error::new(ozi_status::NullArgument, format!("argument `{argument}` is NULL"))
    }

    /// Bad input detected by the C door itself (same code as the core's `invalid_input`).
    pub(crate) fn invalid_input(message: impl std::fmt::Display) -> ozi_error {
        ozi_error::new(ozi_status::InvalidInput, format!("invalid input: {message}"))
    }

    /// The status of this error.
    pub(crate) fn status(&self) -> ozi_status {
        self.status
    }

    /// The message of this error.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &CStr {
        &self.message
    }
}

impl From<ozinstant::Error> for ozi_error {
    fn from(e: ozinstant::Error) -> Self {
        ozi_error::new(ozi_status::from_code(e.code()), e.to_string())
    }
}

/// Message returned by the accessors for a NULL `ozi_error`.
const NULL_ERROR_MESSAGE: &CStr = c"the ozi_error pointer is NULL";

/// The status code of `error`; `OZI_STATUS_NULL_ARGUMENT` when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live `ozi_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_error_code(error: *const ozi_error) -> ozi_status {
    ffi_guard(ozi_status::Panic, || {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { error.as_ref() } {
            Some(e) => e.status,
            None => ozi_status::NullArgument,
        }
    })
}

/// The message of `error`: NUL-terminated UTF-8, owned by `error` and valid until
/// `ozi_error_free(error)`. Never NULL: a NULL `error` gives a static message.
///
/// # Safety
/// `error` is NULL or a live `ozi_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_error_message(error: *const ozi_error) -> *const c_char {
    ffi_guard(NULL_ERROR_MESSAGE.as_ptr(), || {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { error.as_ref() } {
            Some(e) => e.message.as_ptr(),
            None => NULL_ERROR_MESSAGE.as_ptr(),
        }
    })
}

/// The stable snake_case name of `error`'s status (`"decode_failed"`, `"null_argument"`, ...):
/// a static string, never NULL (`"null_argument"` when `error` is NULL). Match on this or on
/// `ozi_error_code`, never on the message.
///
/// # Safety
/// `error` is NULL or a live `ozi_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_error_name(error: *const ozi_error) -> *const c_char {
    ffi_guard(ozi_status::Panic.name().as_ptr(), || {
        // SAFETY: the caller passes NULL or a live error.
        let status = unsafe { error.as_ref() }.map_or(ozi_status::NullArgument, |e| e.status);
        status.name().as_ptr()
    })
}

/// Frees an error returned through an `error_out` parameter or handed to a callback.
/// NULL is a no-op.
///
/// # Safety
/// `error` is NULL or an `ozi_error` from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_error_free(error: *mut ozi_error) {
    ffi_guard((), || {
        if !error.is_null() {
            // SAFETY: `error` came from `Box::into_raw` in this library and is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

/// The stable snake_case name of a status number (`"ok"`, `"busy"`, `"panic"`, ...), or
/// `"unknown"` for a number that is not an `ozi_status`. A static string, never NULL. Useful when
/// `error_out` was NULL, or in logs.
#[unsafe(no_mangle)]
pub extern "C" fn ozi_status_name(status: u32) -> *const c_char {
    ffi_guard(c"unknown".as_ptr(), || {
        ozi_status::ALL.into_iter().find(|s| *s as u32 == status).map_or(c"unknown", |s| s.name()).as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_core_codes() {
        for (code, name) in ozinstant::Error::CODES {
            let s = ozi_status::from_code(*code);
            assert_eq!(s as u32, *code);
            assert_eq!(s.name().to_str().unwrap(), *name);
        }
        assert_eq!(ozi_status::from_code(0), ozi_status::InternalError);
        assert_eq!(ozi_status::from_code(18), ozi_status::ArchiveRejected);
        assert_eq!(ozi_status::from_code(19), ozi_status::InternalError);
        // Every core code has its status, and every status below 100 but Ok is a core code.
        let below_100 = ozi_status::ALL.iter().filter(|s| **s != ozi_status::Ok && (**s as u32) < 100).count();
        assert_eq!(below_100, ozinstant::Error::CODES.len());
        assert_eq!(ozi_status::from_code(100), ozi_status::InternalError);
        assert_eq!(ozi_status::Ok as u32, 0);
        assert_eq!(ozi_status::NullArgument as u32, 100);
        assert_eq!(ozi_status::Panic as u32, 101);
    }

    #[test]
    fn status_names() {
        let name = |n| unsafe { CStr::from_ptr(ozi_status_name(n)) }.to_str().unwrap();
        assert_eq!(name(0), "ok");
        assert_eq!(name(7), "busy");
        assert_eq!(name(101), "panic");
        assert_eq!(name(15), "unsupported_codec");
        assert_eq!(name(16), "forked");
        assert_eq!(name(17), "video_too_long");
        assert_eq!(name(18), "archive_rejected");
        assert_eq!(name(19), "unknown");
        assert_eq!(name(u32::MAX), "unknown");
    }

    #[test]
    fn error_object_accessors() {
        let e = Box::into_raw(Box::new(ozi_error::from(ozinstant::Error::Decode("truncated".into()))));
        unsafe {
            assert_eq!(ozi_error_code(e), ozi_status::DecodeFailed);
            assert_eq!(CStr::from_ptr(ozi_error_name(e)).to_str().unwrap(), "decode_failed");
            assert!(CStr::from_ptr(ozi_error_message(e)).to_str().unwrap().contains("truncated"));
            ozi_error_free(e);
            assert_eq!(ozi_error_code(std::ptr::null()), ozi_status::NullArgument);
            assert_eq!(CStr::from_ptr(ozi_error_name(std::ptr::null())).to_str().unwrap(), "null_argument");
            assert!(!ozi_error_message(std::ptr::null()).is_null());
            ozi_error_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn interior_nul_in_message_is_replaced() {
        let e = ozi_error::new(ozi_status::InvalidInput, "a\0b");
        assert_eq!(e.message().to_str().unwrap(), "a\u{FFFD}b");
    }
}
