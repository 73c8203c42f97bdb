//! Media as C hands it over: encoded bytes, a file path or raw pixels, alone or in an array of
//! `ozi_media` for a request. Request media are copied into the core's [`Media`] here (single
//! media calls borrow, see `engine.rs`); all checks on the content itself happen in the core.

use std::ffi::c_char;

use ozinstant::{Media, PixelFormat};

use crate::boundary::{bytes, optional_str, required_path};
use crate::error::ozi_error;

/// Layout of raw pixels: interleaved, 8 bits per channel, rows top to bottom. Passed as a
/// `uint32_t` (a value outside this enum gives `OZI_STATUS_INVALID_INPUT`). 0 is not a format,
/// so a zero-initialised `ozi_media` is rejected rather than read as RGB.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ozi_pixel_format {
    /// Red, green, blue: 3 bytes per pixel.
    Rgb8 = 1,
    /// Blue, green, red (OpenCV's default): 3 bytes per pixel.
    Bgr8 = 2,
    /// Red, green, blue, alpha: 4 bytes per pixel; alpha is ignored.
    Rgba8 = 3,
    /// Blue, green, red, alpha (Windows and Android surfaces): 4 bytes per pixel; alpha is ignored.
    Bgra8 = 4,
}

/// What an `ozi_media` holds. Passed as a `uint32_t` (another value gives
/// `OZI_STATUS_INVALID_INPUT`); 0 is not a kind.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ozi_media_kind {
    /// Encoded image bytes (JPEG, PNG, WebP, BMP, GIF; sniffed from content): `data`, `len`.
    Bytes = 1,
    /// A file the engine reads: `path`.
    Path = 2,
    /// Raw pixels: `data`, `len`, `format`, `width`, `height`, `stride`.
    Pixels = 3,
}

/// One media of a request (`ozi_engine_analyze_request`, `ozi_engine_submit`). A tagged
/// struct: `kind` says which fields are read; the others are ignored and may be anything.
/// Zero-initialise it and set the fields of its kind, e.g.
/// `ozi_media m = {.kind = OZI_MEDIA_KIND_PATH, .path = "selfie.jpg"};`.
///
/// All pointers are borrowed: the library copies what it needs before the call returns.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ozi_media {
    /// An `ozi_media_kind` value.
    pub kind: u32,
    /// `BYTES`: the encoded image; `PIXELS`: the pixel rows. Must not be NULL for those kinds.
    pub data: *const u8,
    /// Length of `data` in bytes.
    pub len: usize,
    /// `PATH`: NUL-terminated file path (bytes as the OS takes them). Must not be NULL for `PATH`.
    pub path: *const c_char,
    /// `PIXELS`: an `ozi_pixel_format` value.
    pub format: u32,
    /// `PIXELS`: width in pixels.
    pub width: u32,
    /// `PIXELS`: height in pixels.
    pub height: u32,
    /// `PIXELS`: bytes from one row to the next (0 = tightly packed, `width * bytes per pixel`).
    /// `data` must hold at least `stride * (height - 1) + width * bytes per pixel` bytes.
    pub stride: usize,
    /// Optional NUL-terminated UTF-8 label reported as `source` in the result JSON (NULL = none;
    /// for `PATH` the path is reported when the label is NULL).
    pub label: *const c_char,
}

/// The core's pixel format for a C value.
pub(crate) fn pixel_format(value: u32) -> Result<PixelFormat, ozi_error> {
    match value {
        v if v == ozi_pixel_format::Rgb8 as u32 => Ok(PixelFormat::Rgb8),
        v if v == ozi_pixel_format::Bgr8 as u32 => Ok(PixelFormat::Bgr8),
        v if v == ozi_pixel_format::Rgba8 as u32 => Ok(PixelFormat::Rgba8),
        v if v == ozi_pixel_format::Bgra8 as u32 => Ok(PixelFormat::Bgra8),
        other => Err(ozi_error::invalid_input(format!("unknown ozi_pixel_format {other}"))),
    }
}

/// A copy of `media[index]` as an owned core [`Media`] (buffers are zeroized by the core after
/// the analysis).
///
/// # Safety
/// The pointers of `media` that its kind uses are valid as documented on [`ozi_media`].
pub(crate) unsafe fn to_owned_media(media: &ozi_media, index: usize) -> Result<Media, ozi_error> {
    let field = |f: &str| format!("media[{index}].{f}");
    // SAFETY (all blocks below): pointers valid as documented on `ozi_media`, by contract.
    let label = unsafe { optional_str(media.label, &field("label")) }?;
    let owned = match media.kind {
        k if k == ozi_media_kind::Bytes as u32 => {
            Media::bytes(unsafe { bytes(media.data, media.len, &field("data")) }?)
        }
        k if k == ozi_media_kind::Path as u32 => Media::path(unsafe { required_path(media.path, &field("path")) }?),
        k if k == ozi_media_kind::Pixels as u32 => {
            let data = unsafe { bytes(media.data, media.len, &field("data")) }?;
            Media::pixels(data, pixel_format(media.format)?, media.width, media.height, media.stride)
        }
        other => return Err(ozi_error::invalid_input(format!("{}: unknown ozi_media_kind {other}", field("kind")))),
    };
    Ok(match label {
        Some(l) => owned.with_label(l),
        None => owned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ozi_status;
    use ozinstant::MediaRef;

    fn zeroed() -> ozi_media {
        ozi_media {
            kind: 0,
            data: std::ptr::null(),
            len: 0,
            path: std::ptr::null(),
            format: 0,
            width: 0,
            height: 0,
            stride: 0,
            label: std::ptr::null(),
        }
    }

    #[test]
    fn formats_and_kinds() {
        assert_eq!(pixel_format(1).ok(), Some(PixelFormat::Rgb8));
        assert_eq!(pixel_format(4).ok(), Some(PixelFormat::Bgra8));
        assert_eq!(pixel_format(0).err().map(|e| e.status()), Some(ozi_status::InvalidInput));
        let m = zeroed();
        assert_eq!(unsafe { to_owned_media(&m, 0) }.err().map(|e| e.status()), Some(ozi_status::InvalidInput));
    }

    #[test]
    fn null_pointers_in_media() {
        let mut m = zeroed();
        for kind in [ozi_media_kind::Bytes, ozi_media_kind::Path, ozi_media_kind::Pixels] {
            m.kind = kind as u32;
            m.format = ozi_pixel_format::Rgb8 as u32;
            let e = unsafe { to_owned_media(&m, 3) }.err().unwrap();
            assert_eq!(e.status(), ozi_status::NullArgument);
            assert!(e.message().to_str().unwrap().contains("media[3]."));
        }
    }

    #[test]
    fn copies_content_and_label() {
        let data = [1u8, 2, 3];
        let mut m = zeroed();
        m.kind = ozi_media_kind::Bytes as u32;
        m.data = data.as_ptr();
        m.len = data.len();
        m.label = c"front".as_ptr();
        let owned = unsafe { to_owned_media(&m, 0) }.ok().unwrap();
        assert_eq!(owned.label.as_deref(), Some("front"));
        assert!(matches!(owned.as_ref(), MediaRef::Bytes(b) if b == data));
    }
}
