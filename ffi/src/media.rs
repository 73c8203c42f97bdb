//! Media as C hands it over: encoded bytes (an image, a video or a shot set), a file path, raw
//! pixels or a list of raw frames, alone or in an array of `ozi_media` for a request. Request
//! media are copied into the core's [`Media`] here (single media calls borrow, see `engine.rs`);
//! the C door checks only the shape of the arrays (frame count, frame kinds, NULL pointers); all
//! checks on the content itself happen in the core.

use std::ffi::c_char;

use ozinstant::{Media, PixelFormat, RawFrame};

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
    /// Encoded bytes, sniffed from content: an image (JPEG, PNG, WebP, BMP, GIF), a video (MP4,
    /// MOV, WebM: H.264, HEVC, VP9) or a shot set (a ZIP archive of images): `data`, `len`.
    Bytes = 1,
    /// A file the engine reads (any of the `BYTES` formats, sniffed from content): `path`.
    Path = 2,
    /// Raw pixels: `data`, `len`, `format`, `width`, `height`, `stride`.
    Pixels = 3,
    /// Raw frames forming one media (the frames of a selfie video or a shot set the caller has
    /// already decoded): `frames`, `frame_count`. One verdict aggregates the frames, as for a
    /// video (`sequence` section with `"kind":"frames"` in the result JSON). Requests only
    /// (`ozi_engine_analyze_request`, `ozi_engine_submit`).
    Frames = 4,
}

/// Most frames a `FRAMES` media may list (`frame_count`), unless the engine's
/// `video.max_frames` is larger: a sanity bound on the count, checked before the array is
/// read. The engine's own limit (`video.max_frames`, default 1800) applies afterwards, per
/// media, as for a clip.
pub(crate) const MAX_FRAMES: usize = 10_000;

/// The bound on `frame_count` for an engine whose `video.max_frames` is `configured`.
pub(crate) fn frame_cap(configured: usize) -> usize {
    MAX_FRAMES.max(configured)
}

/// One media of a request (`ozi_engine_analyze_request`, `ozi_engine_submit`). A tagged
/// struct: `kind` says which fields are read; the others are ignored and may be anything.
/// Zero-initialise it and set the fields of its kind, e.g.
/// `ozi_media m = {.kind = OZI_MEDIA_KIND_PATH, .path = "selfie.jpg"};`.
///
/// All pointers are borrowed: the library copies what it needs (every frame of a `FRAMES`
/// media included) before the call returns.
///
/// Layout: `frames` and `frame_count` were added at the end (for `FRAMES`, after 0.1.0), which
/// changed `sizeof(ozi_media)`: code built against an older header must be recompiled. The
/// layout may still change before 1.0; designated initialisers (or zero-initialising, then
/// setting fields) keep source code compatible.
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
    /// for `PATH` the path is reported when the label is NULL). Ignored on the frames of a
    /// `FRAMES` media (the `FRAMES` media's own label is reported).
    pub label: *const c_char,
    /// `FRAMES`: array of `frame_count` media, each of kind `PIXELS` (any other kind, a nested
    /// `FRAMES` included, is `OZI_STATUS_INVALID_INPUT`), in order. Frames may differ in format
    /// and size. Must not be NULL for `FRAMES` (`OZI_STATUS_NULL_ARGUMENT`).
    pub frames: *const ozi_media,
    /// `FRAMES`: number of frames. 0, or more than 10000 (or than `video.max_frames` of the
    /// engine config when that is larger), fails the call with `OZI_STATUS_INVALID_INPUT`
    /// before `frames` is read. More than `video.max_frames` (default 1800) makes the media
    /// `FAILED`/`INPUT_ERROR` with `video_too_long`, as for a clip. The engine analyses
    /// `video_frames` of them (default `video.frames`, 8), spread evenly, first and last
    /// included; all are copied.
    pub frame_count: usize,
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
/// `max_frames` bounds the `frame_count` of a `FRAMES` media (see [`frame_cap`]).
///
/// # Safety
/// The pointers of `media` that its kind uses are valid as documented on [`ozi_media`].
pub(crate) unsafe fn to_owned_media(media: &ozi_media, index: usize, max_frames: usize) -> Result<Media, ozi_error> {
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
        k if k == ozi_media_kind::Frames as u32 => Media::frames(unsafe { owned_frames(media, index, max_frames) }?),
        other => return Err(ozi_error::invalid_input(format!("{}: unknown ozi_media_kind {other}", field("kind")))),
    };
    Ok(match label {
        Some(l) => owned.with_label(l),
        None => owned,
    })
}

/// Copies the frames of a `FRAMES` media. The count is checked before the array is read, and
/// every frame's shape (kind, pointer, format) before any pixel is copied.
///
/// # Safety
/// `media.frames` is NULL or points to `media.frame_count` valid `ozi_media` whose `PIXELS`
/// pointers are valid as documented on [`ozi_media`].
unsafe fn owned_frames(media: &ozi_media, index: usize, max_frames: usize) -> Result<Vec<RawFrame>, ozi_error> {
    let count = media.frame_count;
    if count == 0 || count > max_frames {
        return Err(ozi_error::invalid_input(format!(
            "media[{index}].frame_count is {count}; a FRAMES media holds 1 to {max_frames} frames"
        )));
    }
    if media.frames.is_null() {
        return Err(ozi_error::null_argument(&format!("media[{index}].frames")));
    }
    if count.checked_mul(size_of::<ozi_media>()).is_none_or(|n| n > isize::MAX as usize) {
        return Err(ozi_error::invalid_input(format!("media[{index}].frame_count {count} is larger than any array")));
    }
    // SAFETY: not NULL; `count` elements (their size fits `isize`) readable by contract.
    let items = unsafe { std::slice::from_raw_parts(media.frames, count) };
    let mut checked = Vec::with_capacity(count);
    for (j, frame) in items.iter().enumerate() {
        let field = |f: &str| format!("media[{index}].frames[{j}].{f}");
        if frame.kind != ozi_media_kind::Pixels as u32 {
            return Err(ozi_error::invalid_input(format!(
                "{} is {}; every frame of a FRAMES media is OZI_MEDIA_KIND_PIXELS ({})",
                field("kind"),
                frame.kind,
                ozi_media_kind::Pixels as u32
            )));
        }
        // SAFETY: a PIXELS media's `data` is readable for `len` bytes by contract.
        let data = unsafe { bytes(frame.data, frame.len, &field("data")) }?;
        let format = pixel_format(frame.format).map_err(|_| {
            ozi_error::invalid_input(format!("{}: unknown ozi_pixel_format {}", field("format"), frame.format))
        })?;
        checked.push((data, format, frame));
    }
    Ok(checked.into_iter().map(|(data, format, f)| RawFrame::new(data, format, f.width, f.height, f.stride)).collect())
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
            frames: std::ptr::null(),
            frame_count: 0,
        }
    }

    fn pixels(data: &[u8], w: u32, h: u32) -> ozi_media {
        ozi_media {
            kind: ozi_media_kind::Pixels as u32,
            data: data.as_ptr(),
            len: data.len(),
            format: ozi_pixel_format::Rgb8 as u32,
            width: w,
            height: h,
            ..zeroed()
        }
    }

    fn frames(frames: &[ozi_media]) -> ozi_media {
        ozi_media {
            kind: ozi_media_kind::Frames as u32,
            frames: frames.as_ptr(),
            frame_count: frames.len(),
            ..zeroed()
        }
    }

    fn status(m: &ozi_media) -> Option<ozi_status> {
        unsafe { to_owned_media(m, 2, MAX_FRAMES) }.err().map(|e| e.status())
    }

    #[test]
    fn frames_are_copied_in_order_with_their_geometry() {
        let a = [1u8; 12];
        let b = [2u8; 4 * 2 * 2 + 2];
        let mut list = [pixels(&a, 2, 2), pixels(&b, 2, 2)];
        list[1].format = ozi_pixel_format::Bgra8 as u32;
        list[1].stride = 9;
        list[1].label = c"ignored".as_ptr();
        let mut m = frames(&list);
        m.label = c"burst".as_ptr();
        let owned = unsafe { to_owned_media(&m, 0, MAX_FRAMES) }.ok().unwrap();
        assert_eq!(owned.label.as_deref(), Some("burst"));
        let MediaRef::Frames(raw) = owned.as_ref() else { panic!("not frames") };
        assert_eq!(raw.len(), 2);
        assert_eq!((raw[0].format, raw[0].width, raw[0].height, raw[0].stride), (PixelFormat::Rgb8, 2, 2, 0));
        assert_eq!(&raw[0].data[..], &a[..]);
        assert_eq!((raw[1].format, raw[1].stride), (PixelFormat::Bgra8, 9));
        assert_eq!(&raw[1].data[..], &b[..]);
        assert_ne!(raw[0].data.as_ptr(), a.as_ptr(), "copied, not borrowed");
    }

    #[test]
    fn bad_frame_arrays_are_refused() {
        let px = [0u8; 12];
        let one = [pixels(&px, 2, 2)];
        // No frame, too many frames (checked before the pointer is read: it is dangling here).
        let mut m = frames(&one);
        m.frame_count = 0;
        assert_eq!(status(&m), Some(ozi_status::InvalidInput));
        m.frame_count = MAX_FRAMES + 1;
        m.frames = std::ptr::dangling();
        assert_eq!(status(&m), Some(ozi_status::InvalidInput));
        m.frame_count = usize::MAX;
        assert_eq!(status(&m), Some(ozi_status::InvalidInput));
        // NULL array.
        m.frames = std::ptr::null();
        m.frame_count = 3;
        let e = unsafe { to_owned_media(&m, 2, MAX_FRAMES) }.err().unwrap();
        assert_eq!(e.status(), ozi_status::NullArgument);
        assert!(e.message().to_str().unwrap().contains("media[2].frames"));
        // Nested FRAMES, and every other kind.
        let nested = [pixels(&px, 2, 2), frames(&one)];
        let e = unsafe { to_owned_media(&frames(&nested), 2, MAX_FRAMES) }.err().unwrap();
        assert_eq!(e.status(), ozi_status::InvalidInput);
        assert!(e.message().to_str().unwrap().contains("media[2].frames[1].kind"));
        for kind in [0, ozi_media_kind::Bytes as u32, ozi_media_kind::Path as u32, 99] {
            let mut list = [pixels(&px, 2, 2)];
            list[0].kind = kind;
            assert_eq!(status(&frames(&list)), Some(ozi_status::InvalidInput), "kind {kind}");
        }
        // A frame with NULL data, or an unknown format.
        let mut list = [pixels(&px, 2, 2), pixels(&px, 2, 2)];
        list[1].data = std::ptr::null();
        let e = unsafe { to_owned_media(&frames(&list), 2, MAX_FRAMES) }.err().unwrap();
        assert_eq!(e.status(), ozi_status::NullArgument);
        assert!(e.message().to_str().unwrap().contains("media[2].frames[1].data"));
        let mut list = [pixels(&px, 2, 2)];
        list[0].format = 0;
        assert_eq!(status(&frames(&list)), Some(ozi_status::InvalidInput));
        // A larger video.max_frames raises the bound.
        assert_eq!(frame_cap(1_800), MAX_FRAMES);
        assert_eq!(frame_cap(20_000), 20_000);
        let many = vec![pixels(&px, 2, 2); MAX_FRAMES + 1];
        assert_eq!(status(&frames(&many)), Some(ozi_status::InvalidInput));
        assert!(unsafe { to_owned_media(&frames(&many), 0, frame_cap(20_000)) }.is_ok());
        // The geometry itself is the core's to check (like a PIXELS media's): copied as given.
        let mut list = [pixels(&px, 2, 2)];
        list[0].width = 1000;
        assert!(unsafe { to_owned_media(&frames(&list), 0, MAX_FRAMES) }.is_ok());
    }

    #[test]
    fn formats_and_kinds() {
        assert_eq!(pixel_format(1).ok(), Some(PixelFormat::Rgb8));
        assert_eq!(pixel_format(4).ok(), Some(PixelFormat::Bgra8));
        assert_eq!(pixel_format(0).err().map(|e| e.status()), Some(ozi_status::InvalidInput));
        let m = zeroed();
        assert_eq!(
            unsafe { to_owned_media(&m, 0, MAX_FRAMES) }.err().map(|e| e.status()),
            Some(ozi_status::InvalidInput)
        );
    }

    #[test]
    fn null_pointers_in_media() {
        let mut m = zeroed();
        for kind in [ozi_media_kind::Bytes, ozi_media_kind::Path, ozi_media_kind::Pixels] {
            m.kind = kind as u32;
            m.format = ozi_pixel_format::Rgb8 as u32;
            let e = unsafe { to_owned_media(&m, 3, MAX_FRAMES) }.err().unwrap();
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
        let owned = unsafe { to_owned_media(&m, 0, MAX_FRAMES) }.ok().unwrap();
        assert_eq!(owned.label.as_deref(), Some("front"));
        assert!(matches!(owned.as_ref(), MediaRef::Bytes(b) if b == data));
    }
}
