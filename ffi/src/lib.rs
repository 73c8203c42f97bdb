//! C ABI of ozinstant: `libozinstant.so` / `libozinstant.a` and the cbindgen-generated header
//! `include/ozinstant.h` (committed; `scripts/test-c.sh` fails when it drifts).
//!
//! Thin by design: every function checks its pointers, converts arguments and calls one method
//! of [`ozinstant::Engine`]. The contract that C callers read (ownership, threading, status
//! codes) is in the doc comments, which become the header's comments, and in the header
//! preamble of `ffi/cbindgen.toml`.
//!
//! * [`error`]: `ozi_status` (stable numbers) and the owned `ozi_error` object.
//! * [`boundary`]: the one `catch_unwind` helper, NULL checks, string helpers, `ozi_string_free`.
//! * [`media`]: `ozi_media` and the pixel format / media kind enums.
//! * [`engine`]: the engine handle and every analysis entry point.
//! * [`attest`]: the engine's public key and the verifier of signed results.
#![allow(non_camel_case_types)]

pub mod error;

pub mod boundary;

pub mod media;

pub mod engine;

pub mod attest;

use std::ffi::c_char;

pub use attest::{ozi_engine_public_key_pem, ozi_verify_result};
pub use boundary::ozi_string_free;
pub use engine::{
    ozi_callback, ozi_engine, ozi_engine_analyze_bytes, ozi_engine_analyze_path, ozi_engine_analyze_pixels,
    ozi_engine_analyze_request, ozi_engine_free, ozi_engine_info, ozi_engine_new, ozi_engine_ready, ozi_engine_stats,
    ozi_engine_submit, ozi_engine_warm_up, ozi_fail_reason, ozi_resolution, ozi_verdict,
};
pub use error::{
    ozi_error, ozi_error_code, ozi_error_free, ozi_error_message, ozi_error_name, ozi_status, ozi_status_name,
};
pub use media::{ozi_media, ozi_media_kind, ozi_pixel_format};

/// The library version, e.g. `"0.1.0"` (the engine's version: all front doors share it).
/// A static string, never NULL, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn ozi_version() -> *const c_char {
    boundary::ffi_guard(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// NUL-terminated version (this crate's version is the workspace version, as the core's).
const VERSION: &std::ffi::CStr =
    match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_the_engine_version() {
        let v = unsafe { std::ffi::CStr::from_ptr(super::ozi_version()) };
        assert_eq!(v.to_str().unwrap(), ozinstant::VERSION);
    }
}
