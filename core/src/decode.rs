//! Decoding media into upright 8-bit RGB frames.
//!
//! Two doors lead here:
//!
//! * [`decode`] takes encoded bytes (JPEG, PNG, WebP, BMP or GIF). The format is sniffed from
//!   the content (magic bytes), never from a file name.
//! * [`from_pixels`] takes raw interleaved pixels handed over by a host (camera frames,
//!   already-decoded buffers) in one of the [`PixelFormat`] layouts.
//!
//! Both return an [`RgbFrame`] (upright, 8-bit, interleaved RGB) and an [`ImageInfo`] that
//! describes what was decoded without carrying any pixel.
//!
//! # Limits
//!
//! [`decode`] checks, in this order and before any pixel buffer is allocated:
//!
//! 1. the encoded size against [`Limits::max_bytes_per_media`] ([`Error::MediaTooLarge`]);
//! 2. the format signature ([`Error::UnsupportedFormat`]);
//! 3. the dimensions announced by the header against [`Limits::max_dimension`] and
//!    [`Limits::max_pixels`] ([`Error::ImageTooLarge`]).
//!
//! The `image` crate's own [`image::Limits`] (maximum width, height and allocation) are set on
//! the decoder as a second line of defence; a breach there is reported as
//! [`Error::ImageTooLarge`] too.
//!
//! # Conversions
//!
//! * **EXIF orientation** (all eight values) is applied, so the frame is upright; the value
//!   found is reported in [`ImageInfo::orientation`] and the reported width and height are those
//!   of the upright frame.
//! * **Alpha is dropped**, not composited: a transparent pixel keeps the colour stored under it.
//! * **Grey** (with or without alpha) is replicated into R, G and B.
//! * **16-bit** samples are scaled to 8 bits (`round(v * 255 / 65535)`).
//! * **JPEG** pixels come from libjpeg-turbo's decoder (bit-exact with OpenCV, see
//!   `decode_jpeg_libjpeg`); the header, EXIF and limits are read with the `image` crate first.
//!   libjpeg reports errors by unwinding through its C frames, so a build with
//!   `panic = "abort"` would abort on every corrupt JPEG. Such builds decode JPEGs with
//!   `zune-jpeg` instead (pure Rust: its errors are values; strict mode, so corrupt data is an
//!   error), and corrupt input stays a typed [`Error::Decode`]; the price is parity: its pixels differ from libjpeg-turbo's by 1-3
//!   levels on about 11 % of photos, and reduced-size decoding is not available (see
//!   [`JpegDecoder`]).
//! * **CMYK / YCCK JPEGs** are converted to RGB by the JPEG decoder (`zune-jpeg`) with the naive
//!   formula `R = (255 - C) * (255 - K) / 255`, reading the samples as Adobe (inverted) storage,
//!   which is what Photoshop and most CMYK writers produce. No ICC profile is applied, so colours
//!   are approximate; a rare non-inverted CMYK file comes out with inverted colours.
//! * **Animated GIF and WebP**: only the **first frame** is decoded.
//!
//! # Reduced-size JPEG decoding
//!
//! [`decode_reduced`] lets libjpeg scale a large JPEG down by 2, 4 or 8 in the DCT domain while
//! it decodes (each 8×8 block is inverse-transformed straight to 4×4, 2×2 or 1×1 pixels), which
//! skips most of the IDCT, colour conversion and memory traffic of a full decode. The pipeline
//! never needs 12 MP: the detector sees ~192² pixels and the liveness crops are 80×80. The
//! reduction is chosen from the header so that the long side stays at or above a floor, and
//! [`ImageInfo::decode_scale`] reports it; [`ImageInfo::width`] and [`ImageInfo::height`] stay
//! the full upright size.
//!
//! # Hygiene
//!
//! Intermediate pixel buffers owned here (the decoder's output before conversion to RGB8, the
//! un-rotated RGB buffer) are zeroized before they are freed. Buffers internal to the decoders
//! cannot be reached and are freed normally. No decoder input is ever trusted: every failure is
//! a typed [`Error`], and a panic inside a third-party decoder is caught and reported as
//! [`Error::Decode`].

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::config::Limits;
use crate::error::{Error, Result};
use crate::frame::RgbFrame;

/// Allocation head-room (bytes) granted to decoders on top of the pixel budget, for metadata
/// chunks (ICC profiles, EXIF, text), palettes and row buffers.
const ALLOC_HEADROOM: u64 = 16 * 1024 * 1024;

/// Largest decoded sample size we budget for, in bytes per pixel (RGBA, 16 bits per channel).
const MAX_DECODED_BYTES_PER_PIXEL: u64 = 8;

/// Pixel layout of raw frames handed over by hosts.
///
/// All layouts are interleaved, 8 bits per channel, rows top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// Red, green, blue: 3 bytes per pixel.
    Rgb8,
    /// Blue, green, red (OpenCV's default): 3 bytes per pixel.
    Bgr8,
    /// Red, green, blue, alpha: 4 bytes per pixel. Alpha is dropped.
    Rgba8,
    /// Blue, green, red, alpha (common for Windows and Android surfaces): 4 bytes per pixel.
    /// Alpha is dropped.
    Bgra8,
}

impl PixelFormat {
    /// Bytes per pixel of this layout (3 or 4).
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => 3,
            PixelFormat::Rgba8 | PixelFormat::Bgra8 => 4,
        }
    }

    /// Parses a layout name, case-insensitively and ignoring surrounding white space:
    /// `rgb`/`rgb8`, `bgr`/`bgr8`, `rgba`/`rgba8`, `bgra`/`bgra8`.
    ///
    /// Anything else is [`Error::InvalidInput`].
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rgb" | "rgb8" => Ok(PixelFormat::Rgb8),
            "bgr" | "bgr8" => Ok(PixelFormat::Bgr8),
            "rgba" | "rgba8" => Ok(PixelFormat::Rgba8),
            "bgra" | "bgra8" => Ok(PixelFormat::Bgra8),
            _ => Err(Error::InvalidInput(format!(
                "unknown pixel format {s:?}; expected one of rgb8, bgr8, rgba8, bgra8"
            ))),
        }
    }

    /// The canonical snake_case name (`rgb8`, `bgr8`, `rgba8`, `bgra8`), as serialised.
    pub fn name(self) -> &'static str {
        match self {
            PixelFormat::Rgb8 => "rgb8",
            PixelFormat::Bgr8 => "bgr8",
            PixelFormat::Rgba8 => "rgba8",
            PixelFormat::Bgra8 => "bgra8",
        }
    }
}

/// What was decoded (reported in results; never pixels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageInfo {
    /// Container format: `jpeg`, `png`, `webp`, `bmp`, `gif` for encoded images; `raw_rgb8`,
    /// `raw_bgr8`, `raw_rgba8`, `raw_bgra8` for raw pixels; `mp4`, `matroska` (videos), `zip`
    /// (shot sets) and `raw_frames` for multi-frame media, whose size is the best shot's.
    pub format: String,
    /// Width in pixels of the upright frame (after EXIF orientation is applied).
    pub width: u32,
    /// Height in pixels of the upright frame (after EXIF orientation is applied).
    pub height: u32,
    /// EXIF orientation found in the media, 1..=8 (1 when there is none, and for raw pixels).
    pub orientation: u8,
    /// Length of the input in bytes (encoded bytes, or the raw pixel buffer handed over).
    pub encoded_bytes: u64,
    /// 1 when the frame was analysed at full size; 2, 4 or 8 when a large JPEG was decoded at
    /// that fraction of its size (libjpeg's DCT-domain scaling). Boxes, landmarks and crops in
    /// results are always in full-size pixels.
    #[serde(default = "one")]
    pub decode_scale: u32,
}

fn one() -> u32 {
    1
}

/// How far [`decode_reduced`] may shrink a JPEG while decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reduction {
    /// Largest denominator allowed: 1 (never reduce), 2, 4 or 8.
    pub max_scale: u32,
    /// The reduced frame's long side stays at or above this, pixels.
    pub min_long_side: u32,
}

impl Reduction {
    /// No reduction: decode at full size.
    pub const NONE: Reduction = Reduction { max_scale: 1, min_long_side: 0 };

    /// The denominator for a `width × height` image: the largest of 8, 4, 2 allowed by
    /// `max_scale` whose reduced long side is at least `min_long_side`, else 1.
    pub fn scale_for(&self, width: u32, height: u32) -> u32 {
        let long = width.max(height);
        [8u32, 4, 2].into_iter().find(|&d| d <= self.max_scale && long.div_ceil(d) >= self.min_long_side).unwrap_or(1)
    }
}

/// Decodes encoded media (JPEG, PNG, WebP, BMP or GIF, sniffed from the content) into an
/// upright 8-bit RGB frame.
///
/// Errors:
/// * [`Error::MediaTooLarge`] when `bytes` is longer than `limits.max_bytes_per_media` (checked
///   before anything else);
/// * [`Error::InvalidInput`] when `bytes` is empty;
/// * [`Error::UnsupportedFormat`] when the content is not one of the five formats, or uses a
///   feature the decoder does not support;
/// * [`Error::ImageTooLarge`] when the header announces a side longer than
///   `limits.max_dimension` or more than `limits.max_pixels` pixels (before any pixel buffer is
///   allocated);
/// * [`Error::Decode`] when the data is truncated or corrupt (the decoder's message is kept), or
///   the header announces a zero-sized image.
///
/// See the [module documentation](self) for colour conversions, alpha, animation and EXIF.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<(RgbFrame, ImageInfo)> {
    decode_reduced(bytes, limits, Reduction::NONE)
}

/// [`decode`], but a JPEG whose size allows it is decoded at 1/2, 1/4 or 1/8 of its size in the
/// DCT domain (see the [module documentation](self#reduced-size-jpeg-decoding)). Other formats,
/// and CMYK JPEGs, are decoded at full size. Limits apply to the full size announced by the
/// header, so the same inputs are accepted either way.
pub fn decode_reduced(bytes: &[u8], limits: &Limits, reduction: Reduction) -> Result<(RgbFrame, ImageInfo)> {
    let size = bytes.len() as u64;
    if size > limits.max_bytes_per_media {
        return Err(Error::MediaTooLarge { size, limit: limits.max_bytes_per_media });
    }
    if bytes.is_empty() {
        return Err(Error::InvalidInput("media is empty (0 bytes)".to_owned()));
    }
    let (format, name) = sniff(bytes)?;

    let decoded = catch_unwind(AssertUnwindSafe(|| decode_upright(bytes, format, limits, reduction))).unwrap_or_else(
        |payload| Err(Error::Decode(format!("the {name} decoder panicked: {}", panic_message(payload.as_ref())))),
    )?;

    let frame = RgbFrame::new(decoded.width, decoded.height, decoded.rgb)?;
    let (width, height) = if decoded.orientation >= 5 { (decoded.full.1, decoded.full.0) } else { decoded.full };
    let info = ImageInfo {
        format: name.to_owned(),
        width,
        height,
        orientation: decoded.orientation,
        encoded_bytes: size,
        decode_scale: decoded.scale,
    };
    Ok((frame, info))
}

/// Converts raw interleaved pixels handed over by a host into an 8-bit RGB frame.
///
/// * `data`: the pixel buffer; bytes past the last pixel of the last row are ignored.
/// * `format`: the layout of one pixel; BGR layouts are swapped, alpha is dropped.
/// * `width`, `height`: frame size in pixels.
/// * `stride`: distance in bytes between the starts of two consecutive rows (at least
///   `width * format.bytes_per_pixel()`), or `0` for tightly packed rows; row padding is
///   ignored. The last row needs no padding.
///
/// The frame is taken as upright (orientation 1). `limits.max_bytes_per_media` does not apply
/// (it bounds *encoded* media); the pixel limits do.
///
/// Errors: [`Error::InvalidInput`] when a side is 0, `stride` is shorter than a row, `data` is
/// shorter than `stride * (height - 1) + width * bytes_per_pixel`, or that arithmetic overflows;
/// [`Error::ImageTooLarge`] when the size breaks `limits.max_dimension` or `limits.max_pixels`.
pub fn from_pixels(
    data: &[u8],
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
    limits: &Limits,
) -> Result<(RgbFrame, ImageInfo)> {
    if width == 0 || height == 0 {
        return Err(Error::InvalidInput(format!("raw frame has zero size ({width}x{height})")));
    }
    check_size_limits(width, height, limits)?;

    let overflow = || Error::InvalidInput(format!("raw frame geometry overflows ({width}x{height}, stride {stride})"));
    let bpp = format.bytes_per_pixel();
    let w = usize::try_from(width).map_err(|_| overflow())?;
    let h = usize::try_from(height).map_err(|_| overflow())?;
    let row_bytes = w.checked_mul(bpp).ok_or_else(overflow)?;
    let stride = if stride == 0 { row_bytes } else { stride };
    if stride < row_bytes {
        return Err(Error::InvalidInput(format!(
            "stride of {stride} bytes is shorter than one row of {width} {} pixels ({row_bytes} bytes)",
            format.name()
        )));
    }
    let needed = stride.checked_mul(h - 1).and_then(|v| v.checked_add(row_bytes)).ok_or_else(overflow)?;
    if data.len() < needed {
        return Err(Error::InvalidInput(format!(
            "raw buffer holds {} bytes, {width}x{height} {} with stride {stride} needs {needed}",
            data.len(),
            format.name()
        )));
    }
    let out_len = w.checked_mul(h).and_then(|p| p.checked_mul(3)).ok_or_else(overflow)?;

    let mut rgb = Vec::with_capacity(out_len);
    for y in 0..h {
        // In range: y * stride + row_bytes <= needed <= data.len().
        let start = y * stride;
        let row = data.get(start..start + row_bytes).ok_or_else(overflow)?;
        match format {
            PixelFormat::Rgb8 => rgb.extend_from_slice(row),
            PixelFormat::Rgba8 => row.chunks_exact(4).for_each(|p| rgb.extend_from_slice(&p[..3])),
            PixelFormat::Bgr8 => row.chunks_exact(3).for_each(|p| rgb.extend_from_slice(&[p[2], p[1], p[0]])),
            PixelFormat::Bgra8 => row.chunks_exact(4).for_each(|p| rgb.extend_from_slice(&[p[2], p[1], p[0]])),
        }
    }

    let frame = RgbFrame::new(width, height, rgb)?;
    let info = ImageInfo {
        format: format!("raw_{}", format.name()),
        width,
        height,
        orientation: 1,
        encoded_bytes: data.len() as u64,
        decode_scale: 1,
    };
    Ok((frame, info))
}

/// An upright RGB8 buffer and what [`ImageInfo`] needs to know about it.
struct Decoded {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
    orientation: u8,
    /// Stored (un-rotated) full size announced by the header.
    full: (u32, u32),
    /// Reduction applied (1 = none).
    scale: u32,
}

/// Identifies the container from its magic bytes; returns the `image` format and our name.
fn sniff(bytes: &[u8]) -> Result<(ImageFormat, &'static str)> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok((ImageFormat::Jpeg, "jpeg")),
        Ok(ImageFormat::Png) => Ok((ImageFormat::Png, "png")),
        Ok(ImageFormat::WebP) => Ok((ImageFormat::WebP, "webp")),
        Ok(ImageFormat::Bmp) => Ok((ImageFormat::Bmp, "bmp")),
        Ok(ImageFormat::Gif) => Ok((ImageFormat::Gif, "gif")),
        Ok(other) => {
            Err(Error::UnsupportedFormat(format!("{other:?} images are not accepted; use JPEG, PNG, WebP, BMP or GIF")))
        }
        Err(_) => Err(Error::UnsupportedFormat(
            "the content matches no known signature; use an image (JPEG, PNG, WebP, BMP, GIF), a video (MP4, MOV, WebM) or a ZIP shot set".to_owned(),
        )),
    }
}

/// The JPEG decoder a build uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegDecoder {
    /// libjpeg-turbo (through `mozjpeg`): bit-exact with OpenCV, DCT-domain reduced decoding.
    /// Its errors unwind, so it needs `panic = "unwind"`.
    Libjpeg,
    /// `zune-jpeg` (through `image`): no unwinding, for `panic = "abort"` builds.
    Pure,
}

impl JpegDecoder {
    /// libjpeg-turbo, except in builds with `panic = "abort"`.
    pub const BUILD: JpegDecoder = if cfg!(panic = "abort") { JpegDecoder::Pure } else { JpegDecoder::Libjpeg };
}

/// Header check, full decode, conversion to RGB8 and EXIF orientation.
fn decode_upright(bytes: &[u8], format: ImageFormat, limits: &Limits, reduction: Reduction) -> Result<Decoded> {
    decode_upright_with(bytes, format, limits, reduction, JpegDecoder::BUILD)
}

/// [`decode_upright`] with a chosen JPEG decoder.
fn decode_upright_with(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
    reduction: Reduction,
    jpeg: JpegDecoder,
) -> Result<Decoded> {
    let alloc_budget = limits.max_pixels.saturating_mul(MAX_DECODED_BYTES_PER_PIXEL).saturating_add(ALLOC_HEADROOM);

    // Our own header read first: every format's decoder refuses some sizes itself, with its own
    // error kinds (BMP and WebP past 65535 or 16383, a zero-sized BMP as "unsupported"), and
    // the PNG decoder refuses an over-budget row before reporting the size.
    if let Some((w, h)) = header_dimensions(bytes, format) {
        if w == 0 || h == 0 {
            return Err(Error::Decode(format!("the header announces a zero-sized image ({w}x{h})")));
        }
        check_size_limits(w, h, limits)?;
    }

    // Header pass: only the allocation budget, so an oversized header is reported below with
    // the dimensions it announces (the PNG decoder would otherwise refuse it without them).
    let mut header_limits = image::Limits::default();
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    header_limits.max_alloc = Some(alloc_budget);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|e| map_image_error(e, None))?;

    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Error::Decode(format!("the header announces a zero-sized image ({width}x{height})")));
    }
    check_size_limits(width, height, limits)?;
    let dims = Some((width, height));

    let orientation = decoder.orientation().map_err(|e| map_image_error(e, dims))?.to_exif();

    // A truncated JPEG is an error whichever decoder runs (both would fill the rest with grey).
    if format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        return Err(Error::Decode("truncated JPEG: the data ends before the end-of-image marker".into()));
    }
    let scale = if jpeg == JpegDecoder::Libjpeg { reduction.scale_for(width, height) } else { 1 };
    let direct = match (format, jpeg) {
        (ImageFormat::Jpeg, JpegDecoder::Libjpeg) => decode_jpeg_libjpeg(bytes, scale)?,
        (ImageFormat::Jpeg, JpegDecoder::Pure) => decode_jpeg_zune(bytes)?,
        _ => None,
    };
    if let Some((rgb, w, h)) = direct {
        // libjpeg's scaled output size is ceil(side / scale).
        if (w, h) != (width.div_ceil(scale), height.div_ceil(scale)) {
            let mut rgb = rgb;
            rgb.zeroize();
            return Err(Error::Decode(format!("JPEG frame is {w}x{h} at 1/{scale}, the header said {width}x{height}")));
        }
        let (rgb, w, h) = orient(rgb, w, h, orientation);
        return Ok(Decoded { rgb, width: w, height: h, orientation, full: (width, height), scale });
    }

    // Second line of defence: the decoder's own limits, with the output buffer reserved from
    // the allocation budget (as `ImageReader::decode` does).
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_dimension);
    decode_limits.max_image_height = Some(limits.max_dimension);
    decode_limits.max_alloc = Some(alloc_budget);
    decode_limits.reserve(decoder.total_bytes()).map_err(|e| map_image_error(e, dims))?;
    decoder.set_limits(decode_limits).map_err(|e| map_image_error(e, dims))?;

    let image = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(e, dims))?;
    let (w, h) = (image.width(), image.height());
    let rgb = into_rgb8(image);
    let (rgb, width, height) = orient(rgb, w, h, orientation);
    Ok(Decoded { rgb, width, height, orientation, full: (w, h), scale: 1 })
}

/// Decodes a JPEG with libjpeg-turbo's decoder (through `mozjpeg`, a libjpeg-turbo fork whose
/// decoding is unchanged), returning tightly packed RGB8 and the size, or `None` for CMYK/YCCK
/// files, which libjpeg cannot convert to RGB (the `image` decoder handles those).
///
/// Why not the `image` crate's decoder: OpenCV's `imread` uses libjpeg-turbo, and so did the
/// pipeline that produced MiniFASNet's reference scores. zune-jpeg's output differs from it by
/// 1-3 levels on about 11 % of samples, which moved one sample's liveness score by 0.023;
/// libjpeg-turbo's output is bit-exact with OpenCV's (measured on the samples).
/// Limits were checked on the header before this is called.
///
/// libjpeg reports fatal errors by unwinding (`resume_unwind`, which skips the panic hook); they
/// are caught here and returned as [`Error::Decode`] with libjpeg's message.
fn decode_jpeg_libjpeg(bytes: &[u8], scale: u32) -> Result<Option<(Vec<u8>, u32, u32)>> {
    catch_unwind(AssertUnwindSafe(|| decode_jpeg_libjpeg_inner(bytes, scale))).unwrap_or_else(|payload| {
        Err(Error::Decode(panic_message(payload.as_ref()).trim_start_matches("libjpeg fatal error: ").to_owned()))
    })
}

/// Decodes a JPEG with zune-jpeg in strict mode (corrupt entropy-coded data is an error, as
/// with `strict_jpeg` for libjpeg, instead of grey blocks), returning RGB8 and the size, or
/// `None` for CMYK/YCCK files (the `image` decoder converts those). No unwinding: this is the
/// decoder of `panic = "abort"` builds ([`JpegDecoder::Pure`]).
fn decode_jpeg_zune(bytes: &[u8]) -> Result<Option<(Vec<u8>, u32, u32)>> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    // The limits were checked on the header already; zune's own (16384 px) must not refuse
    // more than ours.
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| Error::Decode(format!("JPEG: {e:?}")))?;
    if matches!(decoder.input_colorspace(), Some(ColorSpace::CMYK | ColorSpace::YCCK)) {
        return Ok(None);
    }
    let info = decoder.info().ok_or_else(|| Error::Decode("JPEG: no frame header".into()))?;
    let rgb = decoder.decode().map_err(|e| Error::Decode(format!("JPEG: {e:?}")))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if rgb.len() != w as usize * h as usize * 3 {
        let mut rgb = rgb;
        rgb.zeroize();
        return Err(Error::Decode(format!("JPEG: the decoder gave a frame of another size than {w}x{h}")));
    }
    Ok(Some((rgb, w, h)))
}

/// True when the JPEG stream reaches an end-of-image marker after its first scan. libjpeg
/// decodes a truncated file with a warning and fills the missing rows with grey, which would
/// be analysed as if it were the photo; a truncated upload is an error instead. Marker segments
/// before the first scan (APPn with EXIF thumbnails, which hold their own EOI) are skipped by
/// their lengths; inside entropy-coded data a 0xFF byte is always stuffed, so `FF D9` there is a
/// real marker.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        if marker == 0xD9 {
            return true;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if marker == 0xDA {
            let scan = i + 2 + len;
            return scan <= bytes.len() && bytes[scan..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        i += 2 + len;
    }
    false
}

fn decode_jpeg_libjpeg_inner(bytes: &[u8], scale: u32) -> Result<Option<(Vec<u8>, u32, u32)>> {
    use mozjpeg_sys::J_COLOR_SPACE::{JCS_CMYK, JCS_YCCK};
    let err = |e: std::io::Error| Error::Decode(format!("JPEG: {e}"));
    let mut d = mozjpeg::Decompress::with_err(strict_jpeg::error_mgr()).from_mem(bytes).map_err(err)?;
    if matches!(d.color_space(), JCS_CMYK | JCS_YCCK) {
        return Ok(None);
    }
    if scale > 1 {
        // scale is 2, 4 or 8: numerator 4, 2 or 1 over libjpeg's denominator 8.
        d.scale((8 / scale) as u8);
    }
    let mut started = d.rgb().map_err(err)?;
    let (w, h) = (started.width(), started.height());
    let rgb: Vec<u8> = started.read_scanlines::<u8>().map_err(err)?;
    if let Err(e) = started.finish() {
        let mut rgb = rgb;
        rgb.zeroize();
        return Err(err(e));
    }
    if rgb.len() != w * h * 3 {
        return Err(Error::Decode(format!("JPEG: decoder returned {} bytes for {w}x{h}", rgb.len())));
    }
    Ok(Some((rgb, w as u32, h as u32)))
}

/// The stored size announced by a PNG, GIF, BMP or WebP header, read from fixed offsets (no
/// decoder involved), or `None` when the header is too short or not understood (JPEG sizes
/// come from the decoder's own header pass). Only used to refuse sizes early with the right
/// error; the decoders check everything again.
fn header_dimensions(b: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    let le16 = |i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]) as u32);
    let le24 = |i: usize| b.get(i..i + 3).map(|s| u32::from_le_bytes([s[0], s[1], s[2], 0]));
    let le32 = |i: usize| b.get(i..i + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let be32 = |i: usize| b.get(i..i + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    match format {
        // Signature, IHDR length, "IHDR", width, height (big-endian).
        ImageFormat::Png if b.get(12..16) == Some(b"IHDR") => Some((be32(16)?, be32(20)?)),
        // "GIF8?a", logical screen width and height.
        ImageFormat::Gif => Some((le16(6)?, le16(8)?)),
        // File header (14 bytes), then the DIB header: 12-byte OS/2 core header with u16 sizes,
        // else i32 sizes; a negative height means top-down rows.
        ImageFormat::Bmp => match le32(14)? {
            12 => Some((le16(18)?, le16(20)?)),
            _ => Some(((le32(18)? as i32).unsigned_abs(), (le32(22)? as i32).unsigned_abs())),
        },
        ImageFormat::WebP if b.get(8..12) == Some(b"WEBP") => match b.get(12..16)? {
            // Lossy: frame tag (3 bytes), start code, 14-bit width and height.
            b"VP8 " => Some((le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            // Lossless: signature byte, then 14-bit width - 1 and height - 1.
            b"VP8L" => {
                let bits = le32(21)?;
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            // Extended: flags (4 bytes), 24-bit canvas width - 1 and height - 1.
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            _ => None,
        },
        _ => None,
    }
}

/// A libjpeg error manager for which lost data is an error. libjpeg only *warns* when entropy-
/// coded data is corrupt (bad Huffman code, a marker or the end of the file in the middle of a
/// scan) and fills the blocks it could not decode with grey; that picture would then be
/// analysed as if it were the photo. Such warnings unwind here like fatal errors (the `mozjpeg`
/// crate builds libjpeg with unwinding support, and `decode_jpeg_libjpeg` catches the payload).
/// Harmless warnings (extraneous bytes before a marker, an unknown JFIF revision, a bad ICC
/// chunk) stay silent.
mod strict_jpeg {
    use std::os::raw::c_int;

    use mozjpeg_sys::{
        JWRN_BOGUS_PROGRESSION, JWRN_HIT_MARKER, JWRN_HUFF_BAD_CODE, JWRN_JPEG_EOF, JWRN_MUST_RESYNC,
        JWRN_NOT_SEQUENTIAL, jpeg_common_struct, jpeg_error_mgr, jpeg_std_error,
    };

    /// Warnings after which some pixels are not the file's.
    const DATA_LOSS: [c_int; 6] = [
        JWRN_BOGUS_PROGRESSION as c_int,
        JWRN_HIT_MARKER as c_int,
        JWRN_HUFF_BAD_CODE as c_int,
        JWRN_JPEG_EOF as c_int,
        JWRN_MUST_RESYNC as c_int,
        JWRN_NOT_SEQUENTIAL as c_int,
    ];

    /// libjpeg's `JMSG_LENGTH_MAX`: the buffer size `format_message` may fill.
    const MESSAGE_MAX: usize = 200;

    pub(super) fn error_mgr() -> jpeg_error_mgr {
        // SAFETY: jpeg_error_mgr is a plain C struct for which all-zero is a valid value, and
        // jpeg_std_error fills in every field.
        let mut err: jpeg_error_mgr = unsafe { std::mem::zeroed() };
        unsafe { jpeg_std_error(&mut err) };
        err.error_exit = Some(error_exit);
        err.emit_message = Some(emit_message);
        err
    }

    /// libjpeg's message for the current `msg_code`.
    fn message(cinfo: &mut jpeg_common_struct) -> String {
        // SAFETY: `err` points at the error manager owned by the decompressor, alive for the
        // whole decode. `format_message` writes at most JMSG_LENGTH_MAX bytes, NUL included,
        // into the buffer; its declared parameter type (a reference to 80 bytes) is only a
        // pointer at the C ABI, so it is called through a pointer-typed signature.
        unsafe {
            let Some(format) = (*cinfo.err).format_message else {
                return format!("libjpeg message {}", (*cinfo.err).msg_code);
            };
            type Format = unsafe extern "C-unwind" fn(&mut jpeg_common_struct, *mut u8);
            let format: Format = std::mem::transmute(format);
            let mut buf = [0u8; MESSAGE_MAX];
            format(cinfo, buf.as_mut_ptr());
            let end = buf.iter().position(|&b| b == 0).unwrap_or(MESSAGE_MAX);
            String::from_utf8_lossy(&buf[..end]).into_owned()
        }
    }

    unsafe extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
        let msg = message(cinfo);
        std::panic::resume_unwind(Box::new(msg));
    }

    unsafe extern "C-unwind" fn emit_message(cinfo: &mut jpeg_common_struct, level: c_int) {
        // SAFETY: as in `message`.
        let code = unsafe { (*cinfo.err).msg_code };
        if level < 0 && DATA_LOSS.contains(&code) {
            let msg = message(cinfo);
            std::panic::resume_unwind(Box::new(msg));
        }
    }
}

/// Rejects sizes over `limits.max_dimension` (either side) or `limits.max_pixels` (area).
fn check_size_limits(width: u32, height: u32, limits: &Limits) -> Result<()> {
    let longest = width.max(height);
    if longest > limits.max_dimension {
        return Err(Error::ImageTooLarge {
            width,
            height,
            reason: format!("a side of {longest} px exceeds max_dimension = {}", limits.max_dimension),
        });
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Error::ImageTooLarge {
            width,
            height,
            reason: format!("{pixels} pixels exceed max_pixels = {}", limits.max_pixels),
        });
    }
    Ok(())
}

/// Maps an `image` error onto ours. `dims` are the header's dimensions, when known.
fn map_image_error(e: ImageError, dims: Option<(u32, u32)>) -> Error {
    match e {
        ImageError::Limits(l) => {
            let (width, height) = dims.unwrap_or((0, 0));
            Error::ImageTooLarge { width, height, reason: format!("decoder limit: {l}") }
        }
        ImageError::Unsupported(u) => Error::UnsupportedFormat(u.to_string()),
        other => Error::Decode(other.to_string()),
    }
}

/// The text of a caught panic, when it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "no message"
    }
}

/// Converts any decoded image to a tightly packed RGB8 buffer (alpha dropped, grey replicated,
/// 16-bit and float scaled), zeroizing the source buffer when a conversion copy was made.
fn into_rgb8(image: DynamicImage) -> Vec<u8> {
    if let DynamicImage::ImageRgb8(buf) = image {
        return buf.into_raw();
    }
    let rgb = image.to_rgb8().into_raw();
    zeroize_image(image);
    rgb
}

/// Overwrites the pixel buffer of a decoded image with zeros, then frees it.
fn zeroize_image(image: DynamicImage) {
    match image {
        DynamicImage::ImageLuma8(b) => b.into_raw().zeroize(),
        DynamicImage::ImageLumaA8(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgb8(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgba8(b) => b.into_raw().zeroize(),
        DynamicImage::ImageLuma16(b) => b.into_raw().zeroize(),
        DynamicImage::ImageLumaA16(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgb16(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgba16(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgb32F(b) => b.into_raw().zeroize(),
        DynamicImage::ImageRgba32F(b) => b.into_raw().zeroize(),
        // Future layouts of the non-exhaustive enum: freed without wiping.
        _ => {}
    }
}

/// For an output pixel `(dx, dy)` of the upright image, the stored pixel it comes from is
/// `base + dx * step_x + dy * step_y` (pixel index into the stored `w` x `h` buffer), given the
/// EXIF `orientation`. Values outside 2..=8 mean "as stored".
fn source_steps(orientation: u8, w: usize, h: usize) -> (usize, isize, isize) {
    let (wi, last_row, last_col) = (w as isize, (h - 1) * w, w - 1);
    match orientation {
        2 => (last_col, -1, wi),             // mirror horizontally: (w-1-dx, dy)
        3 => (last_row + last_col, -1, -wi), // rotate 180°: (w-1-dx, h-1-dy)
        4 => (last_row, 1, -wi),             // mirror vertically: (dx, h-1-dy)
        5 => (0, wi, 1),                     // transpose: (dy, dx)
        6 => (last_row, -wi, 1),             // rotate 90° clockwise: (dy, h-1-dx)
        7 => (last_row + last_col, -wi, -1), // transverse: (w-1-dy, h-1-dx)
        8 => (last_col, wi, -1),             // rotate 90° counter-clockwise: (w-1-dy, dx)
        _ => (0, 1, wi),
    }
}

/// Applies an EXIF orientation to a tightly packed RGB8 buffer of `w` x `h` pixels; returns the
/// upright buffer and its size. The stored buffer is zeroized when a copy was made. Works in
/// 32×32 tiles so that the rotations (which read the source column-wise) stay in cache.
fn orient(rgb: Vec<u8>, w: u32, h: u32, orientation: u8) -> (Vec<u8>, u32, u32) {
    if !(2..=8).contains(&orientation) || w == 0 || h == 0 {
        return (rgb, w, h);
    }
    const TILE: usize = 32;
    let (ow, oh) = if orientation >= 5 { (h as usize, w as usize) } else { (w as usize, h as usize) };
    let (base, step_x, step_y) = source_steps(orientation, w as usize, h as usize);
    let mut out = vec![0u8; rgb.len()];
    for ty in (0..oh).step_by(TILE) {
        for tx in (0..ow).step_by(TILE) {
            for dy in ty..(ty + TILE).min(oh) {
                let row_src = base as isize + dy as isize * step_y;
                let row = &mut out[dy * ow * 3..(dy + 1) * ow * 3];
                for dx in tx..(tx + TILE).min(ow) {
                    // In range: the mapping is a bijection onto the stored pixels.
                    let i = (row_src + dx as isize * step_x) as usize * 3;
                    row[dx * 3..dx * 3 + 3].copy_from_slice(&rgb[i..i + 3]);
                }
            }
        }
    }
    let mut stored = rgb;
    stored.zeroize();
    (out, ow as u32, oh as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::{Duration, Instant};

    use image::codecs::bmp::BmpEncoder;
    use image::codecs::gif::GifEncoder;
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::metadata::Orientation;
    use image::{ExtendedColorType, Frame, ImageEncoder, RgbImage, RgbaImage};

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/");

    const RED: [u8; 3] = [255, 0, 0];
    const GREEN: [u8; 3] = [0, 255, 0];
    const BLUE: [u8; 3] = [0, 0, 255];
    const WHITE: [u8; 3] = [255, 255, 255];

    // ---------------------------------------------------------------- helpers

    /// Deterministic xorshift64* generator: reproducible "random" bytes without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| (self.next() >> 56) as u8).collect()
        }
    }

    /// Plain CRC-32 (IEEE, as PNG uses), bitwise.
    fn crc32(parts: &[&[u8]]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in parts.iter().flat_map(|p| p.iter()) {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// One PNG chunk: length, type, data, CRC.
    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
        c
    }

    /// A TIFF structure holding one IFD with one entry: 0x0112 (Orientation), SHORT.
    fn tiff_orientation(orientation: u16, little_endian: bool) -> Vec<u8> {
        let u16b = |v: u16| if little_endian { v.to_le_bytes() } else { v.to_be_bytes() };
        let u32b = |v: u32| if little_endian { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut t = Vec::new();
        t.extend_from_slice(if little_endian { b"II" } else { b"MM" });
        t.extend_from_slice(&u16b(42));
        t.extend_from_slice(&u32b(8)); // offset of IFD0
        t.extend_from_slice(&u16b(1)); // one entry
        t.extend_from_slice(&u16b(0x0112)); // tag: Orientation
        t.extend_from_slice(&u16b(3)); // type: SHORT
        t.extend_from_slice(&u32b(1)); // count
        t.extend_from_slice(&u16b(orientation));
        t.extend_from_slice(&[0, 0]); // value field padding
        t.extend_from_slice(&u32b(0)); // no next IFD
        t
    }

    /// Splices an APP1 Exif segment carrying `orientation` right after the JPEG's SOI.
    fn jpeg_with_exif(jpeg: &[u8], orientation: u16, little_endian: bool) -> Vec<u8> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "not a JPEG");
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff_orientation(orientation, little_endian));
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// Inserts an eXIf chunk carrying `orientation` right after a PNG's IHDR.
    fn png_with_exif(png: &[u8], orientation: u16) -> Vec<u8> {
        let after_ihdr = 8 + 8 + 13 + 4;
        assert_eq!(&png[12..16], b"IHDR");
        let mut out = png[..after_ihdr].to_vec();
        out.extend_from_slice(&png_chunk(b"eXIf", &tiff_orientation(orientation, false)));
        out.extend_from_slice(&png[after_ihdr..]);
        out
    }

    /// A 64x32 image with solid quadrants: red top-left, green top-right, blue bottom-left,
    /// white bottom-right. Quadrant borders fall on JPEG MCU borders (16 px).
    fn quadrants() -> RgbImage {
        RgbImage::from_fn(64, 32, |x, y| {
            image::Rgb(match (x < 32, y < 16) {
                (true, true) => RED,
                (false, true) => GREEN,
                (true, false) => BLUE,
                (false, false) => WHITE,
            })
        })
    }

    fn jpeg_rgb(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 100)
            .encode(img.as_raw(), img.width(), img.height(), ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    fn png(data: &[u8], w: u32, h: u32, ct: ExtendedColorType) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out).write_image(data, w, h, ct).unwrap();
        out
    }

    fn webp_lossless(data: &[u8], w: u32, h: u32, ct: ExtendedColorType) -> Vec<u8> {
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out).encode(data, w, h, ct).unwrap();
        out
    }

    fn bmp(data: &[u8], w: u32, h: u32, ct: ExtendedColorType) -> Vec<u8> {
        let mut out = Vec::new();
        BmpEncoder::new(&mut out).encode(data, w, h, ct).unwrap();
        out
    }

    /// A two-frame animated GIF: the first frame is red, the second blue.
    fn animated_gif(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = GifEncoder::new(&mut out);
            let red = RgbaImage::from_pixel(w, h, image::Rgba([255, 0, 0, 255]));
            let blue = RgbaImage::from_pixel(w, h, image::Rgba([0, 0, 255, 255]));
            enc.encode_frames(vec![Frame::new(red), Frame::new(blue)]).unwrap();
        }
        out
    }

    fn progressive_jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 100);
        enc.set_progressive(true);
        enc.encode(img.as_raw(), img.width() as u16, img.height() as u16, jpeg_encoder::ColorType::Rgb).unwrap();
        out
    }

    fn ok(bytes: &[u8]) -> (RgbFrame, ImageInfo) {
        match decode(bytes, &Limits::default()) {
            Ok(v) => v,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    fn assert_close(got: [u8; 3], want: [u8; 3], tol: u8, what: &str) {
        let close = got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= tol);
        assert!(close, "{what}: got {got:?}, want {want:?} (±{tol})");
    }

    /// Every pixel of `frame` within `tol` of `want`.
    fn assert_uniform(frame: &RgbFrame, want: [u8; 3], tol: u8, what: &str) {
        for y in 0..frame.height() {
            for x in 0..frame.width() {
                assert_close(frame.pixel(x, y), want, tol, &format!("{what} at ({x},{y})"));
            }
        }
    }

    /// Decoding never panics, and a panic caught inside must not be what happened either.
    fn decode_never_panics(bytes: &[u8], what: &str) -> Result<(RgbFrame, ImageInfo)> {
        let r = decode(bytes, &Limits::default());
        if let Err(e) = &r {
            assert!(!e.to_string().contains("panicked"), "{what}: decoder panicked: {e}");
            assert!(
                matches!(
                    e,
                    Error::Decode(_)
                        | Error::UnsupportedFormat(_)
                        | Error::ImageTooLarge { .. }
                        | Error::InvalidInput(_)
                ),
                "{what}: unexpected error kind {e:?}"
            );
        }
        r
    }

    fn unlimited() -> Limits {
        Limits {
            max_media_per_request: usize::MAX,
            max_bytes_per_media: u64::MAX,
            max_pixels: u64::MAX,
            max_dimension: u32::MAX,
        }
    }

    // ---------------------------------------------------------------- samples

    #[test]
    fn every_sample_decodes_upright_with_known_sizes() {
        let expected: &[(&str, u32, u32, u8)] = &[
            ("minivision_live_image_T1.jpg", 480, 640, 6),
            ("minivision_spoof_print_image_F1.jpg", 480, 640, 6),
            ("minivision_spoof_replay_image_F2.jpg", 480, 640, 6),
            ("hyperfas_spoof_replay_fake_screen.png", 934, 1004, 1),
            ("facerec_live_biden.jpg", 970, 2204, 1),
            ("facerec_live_obama.jpg", 910, 1137, 1),
            ("facerec_live_obama2.jpg", 626, 1200, 1),
            ("skimage_live_astronaut.png", 512, 512, 1),
        ];
        let mut seen = 0;
        let mut checked = 0;
        for entry in std::fs::read_dir(SAMPLES).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            let format = match ext.as_str() {
                "jpg" | "jpeg" => "jpeg",
                "png" => "png",
                "webp" => "webp",
                "bmp" => "bmp",
                "gif" => "gif",
                _ => continue,
            };
            let bytes = std::fs::read(&path).unwrap();
            let (frame, info) = decode(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            seen += 1;
            assert_eq!(info.format, format, "{name}");
            assert_eq!(info.encoded_bytes, bytes.len() as u64, "{name}");
            assert_eq!((frame.width(), frame.height()), (info.width, info.height), "{name}");
            assert_eq!(frame.as_raw().len(), info.width as usize * info.height as usize * 3, "{name}");
            // Not a blank frame: real photos have spread.
            let (lo, hi) = frame.as_raw().iter().fold((255u8, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            assert!(hi - lo > 100, "{name}: suspiciously flat pixels {lo}..{hi}");
            if let Some(&(_, w, h, o)) = expected.iter().find(|(n, ..)| *n == name) {
                assert_eq!((info.width, info.height), (w, h), "{name}: W x H");
                assert_eq!(info.orientation, o, "{name}: EXIF orientation");
                checked += 1;
            }
        }
        assert_eq!(checked, expected.len(), "some expected samples are missing");
        assert!(seen >= expected.len());
    }

    // ---------------------------------------------------------------- orientation

    /// Corners (top-left, top-right, bottom-left, bottom-right) of the upright quadrant image
    /// for each EXIF orientation, written out from the EXIF specification.
    const CORNERS: [(u8, [[u8; 3]; 4]); 8] = [
        (1, [RED, GREEN, BLUE, WHITE]),
        (2, [GREEN, RED, WHITE, BLUE]),
        (3, [WHITE, BLUE, GREEN, RED]),
        (4, [BLUE, WHITE, RED, GREEN]),
        (5, [RED, BLUE, GREEN, WHITE]),
        (6, [BLUE, RED, WHITE, GREEN]),
        (7, [WHITE, GREEN, BLUE, RED]),
        (8, [GREEN, WHITE, RED, BLUE]),
    ];

    fn corners(frame: &RgbFrame, inset: u32) -> [[u8; 3]; 4] {
        let (r, b) = (frame.width() - 1 - inset, frame.height() - 1 - inset);
        [frame.pixel(inset, inset), frame.pixel(r, inset), frame.pixel(inset, b), frame.pixel(r, b)]
    }

    #[test]
    fn all_eight_exif_orientations_in_jpeg() {
        let base = jpeg_rgb(&quadrants());
        for (o, want) in CORNERS {
            for little_endian in [false, true] {
                let bytes = jpeg_with_exif(&base, u16::from(o), little_endian);
                let (frame, info) = ok(&bytes);
                let what = format!("orientation {o} ({})", if little_endian { "II" } else { "MM" });
                assert_eq!(info.orientation, o, "{what}");
                let dims = if o >= 5 { (32, 64) } else { (64, 32) };
                assert_eq!((frame.width(), frame.height()), dims, "{what}");
                assert_eq!((info.width, info.height), dims, "{what}");
                // JPEG at quality 100 keeps solid quadrants within a few levels.
                for (got, want) in corners(&frame, 2).into_iter().zip(want) {
                    assert_close(got, want, 12, &what);
                }
            }
        }
    }

    #[test]
    fn jpeg_without_exif_or_with_bogus_orientation_is_as_stored() {
        let base = jpeg_rgb(&quadrants());
        for bytes in [base.clone(), jpeg_with_exif(&base, 0, false), jpeg_with_exif(&base, 9, true)] {
            let (frame, info) = ok(&bytes);
            assert_eq!(info.orientation, 1);
            assert_eq!((frame.width(), frame.height()), (64, 32));
            for (got, want) in corners(&frame, 2).into_iter().zip(CORNERS[0].1) {
                assert_close(got, want, 12, "no orientation");
            }
        }
    }

    #[test]
    fn png_exif_orientation_matches_image_crate_exactly() {
        let mut rng = Rng(7);
        let src = RgbImage::from_raw(7, 5, rng.bytes(7 * 5 * 3)).unwrap();
        let plain = png(src.as_raw(), 7, 5, ExtendedColorType::Rgb8);
        for o in 1..=8u8 {
            let (frame, info) = ok(&png_with_exif(&plain, u16::from(o)));
            assert_eq!(info.orientation, o);
            let mut want = DynamicImage::ImageRgb8(src.clone());
            want.apply_orientation(Orientation::from_exif(o).unwrap());
            assert_eq!((frame.width(), frame.height()), (want.width(), want.height()), "orientation {o}");
            assert_eq!(frame.as_raw(), want.to_rgb8().as_raw().as_slice(), "orientation {o}");
        }
    }

    #[test]
    fn orient_agrees_with_image_crate_on_odd_sizes() {
        let mut rng = Rng(99);
        for (w, h) in [(1, 1), (1, 6), (6, 1), (2, 3), (9, 4)] {
            let src = RgbImage::from_raw(w, h, rng.bytes((w * h * 3) as usize)).unwrap();
            for o in 0..=9u8 {
                let (out, ow, oh) = orient(src.as_raw().clone(), w, h, o);
                let mut want = DynamicImage::ImageRgb8(src.clone());
                want.apply_orientation(Orientation::from_exif(o).unwrap_or(Orientation::NoTransforms));
                assert_eq!((ow, oh), (want.width(), want.height()), "{w}x{h} orientation {o}");
                assert_eq!(&out, want.to_rgb8().as_raw(), "{w}x{h} orientation {o}");
            }
        }
    }

    // ---------------------------------------------------------------- colour layouts

    #[test]
    fn grey_png_is_replicated() {
        let (frame, info) = ok(&png(&[77; 6 * 4], 6, 4, ExtendedColorType::L8));
        assert_eq!((info.format.as_str(), info.width, info.height), ("png", 6, 4));
        assert_uniform(&frame, [77, 77, 77], 0, "L8");
    }

    #[test]
    fn grey_alpha_png_drops_alpha() {
        let data: Vec<u8> = [200u8, 10].repeat(5 * 3);
        let (frame, _) = ok(&png(&data, 5, 3, ExtendedColorType::La8));
        assert_uniform(&frame, [200, 200, 200], 0, "La8");
    }

    #[test]
    fn rgba_png_drops_alpha_without_compositing() {
        // Fully transparent pixels keep the colour stored under them.
        let data: Vec<u8> = [10u8, 20, 30, 0, 240, 130, 5, 255].repeat(4 * 3);
        let (frame, _) = ok(&png(&data, 8, 3, ExtendedColorType::Rgba8));
        for y in 0..3 {
            for x in 0..8 {
                let want = if x % 2 == 0 { [10, 20, 30] } else { [240, 130, 5] };
                assert_eq!(frame.pixel(x, y), want);
            }
        }
    }

    #[test]
    fn sixteen_bit_pngs_are_scaled_to_eight_bits() {
        let ne = |v: &[u16]| v.iter().flat_map(|s| s.to_ne_bytes()).collect::<Vec<u8>>();
        // 8-bit equivalent: round(v * 255 / 65535); allow ±1 for the rounding rule.
        let rgb16 = ne(&[65535, 32896, 0].repeat(4 * 2));
        let (frame, _) = ok(&png(&rgb16, 4, 2, ExtendedColorType::Rgb16));
        assert_uniform(&frame, [255, 128, 0], 1, "Rgb16");

        let rgba16 = ne(&[0, 65535, 25700, 0].repeat(3 * 3));
        let (frame, _) = ok(&png(&rgba16, 3, 3, ExtendedColorType::Rgba16));
        assert_uniform(&frame, [0, 255, 100], 1, "Rgba16");

        let l16 = ne(&[51400].repeat(2 * 5));
        let (frame, _) = ok(&png(&l16, 2, 5, ExtendedColorType::L16));
        assert_uniform(&frame, [200, 200, 200], 1, "L16");

        let la16 = ne(&[12850, 1].repeat(2 * 2));
        let (frame, _) = ok(&png(&la16, 2, 2, ExtendedColorType::La16));
        assert_uniform(&frame, [50, 50, 50], 1, "La16");
    }

    #[test]
    fn grey_jpeg_is_replicated() {
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 100).encode(&[90; 16 * 16], 16, 16, ExtendedColorType::L8).unwrap();
        let (frame, info) = ok(&bytes);
        assert_eq!(info.format, "jpeg");
        assert_uniform(&frame, [90, 90, 90], 2, "grey JPEG");
    }

    /// CMYK JPEGs (Adobe APP14, inverted storage as Photoshop writes them) come out as RGB by the
    /// naive formula; JPEG loss plus the integer conversion stay within ±8 per channel on solid
    /// colours.
    #[test]
    fn cmyk_jpeg_converts_to_rgb() {
        let cases: [([u8; 4], [u8; 3]); 6] = [
            ([0, 0, 0, 0], WHITE),
            ([0, 255, 255, 0], RED),
            ([255, 0, 255, 0], GREEN),
            ([255, 255, 0, 0], BLUE),
            ([0, 0, 0, 255], [0, 0, 0]),
            ([0, 0, 0, 128], [127, 127, 127]),
        ];
        for (cmyk, rgb) in cases {
            let mut bytes = Vec::new();
            let enc = jpeg_encoder::Encoder::new(&mut bytes, 100);
            enc.encode(&cmyk.repeat(16 * 16), 16, 16, jpeg_encoder::ColorType::Cmyk).unwrap();
            let (frame, info) = ok(&bytes);
            assert_eq!((info.width, info.height), (16, 16));
            assert_uniform(&frame, rgb, 8, &format!("CMYK {cmyk:?}"));
        }
    }

    #[test]
    fn progressive_jpeg_decodes() {
        let bytes = progressive_jpeg(&quadrants());
        // SOF2 marker present: this really is a progressive stream.
        assert!(bytes.windows(2).any(|w| w == [0xFF, 0xC2]), "encoder did not write SOF2");
        let (frame, info) = ok(&bytes);
        assert_eq!((info.format.as_str(), info.width, info.height, info.orientation), ("jpeg", 64, 32, 1));
        for (got, want) in corners(&frame, 2).into_iter().zip(CORNERS[0].1) {
            assert_close(got, want, 12, "progressive");
        }
        let (frame, info) = ok(&jpeg_with_exif(&bytes, 8, false));
        assert_eq!((info.width, info.height, info.orientation), (32, 64, 8));
        for (got, want) in corners(&frame, 2).into_iter().zip(CORNERS[7].1) {
            assert_close(got, want, 12, "progressive, orientation 8");
        }
    }

    #[test]
    fn bmp_decodes_exactly() {
        let img = quadrants();
        let (frame, info) = ok(&bmp(img.as_raw(), 64, 32, ExtendedColorType::Rgb8));
        assert_eq!((info.format.as_str(), info.width, info.height), ("bmp", 64, 32));
        assert_eq!(frame.as_raw(), img.as_raw().as_slice());

        let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 128]).collect();
        let (frame, _) = ok(&bmp(&rgba, 64, 32, ExtendedColorType::Rgba8));
        assert_eq!(frame.as_raw(), img.as_raw().as_slice());
    }

    #[test]
    fn lossless_webp_decodes_exactly() {
        let img = quadrants();
        let (frame, info) = ok(&webp_lossless(img.as_raw(), 64, 32, ExtendedColorType::Rgb8));
        assert_eq!((info.format.as_str(), info.width, info.height), ("webp", 64, 32));
        assert_eq!(frame.as_raw(), img.as_raw().as_slice());

        let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 7]).collect();
        let (frame, _) = ok(&webp_lossless(&rgba, 64, 32, ExtendedColorType::Rgba8));
        assert_eq!(frame.as_raw(), img.as_raw().as_slice());
    }

    #[test]
    fn animated_gif_yields_first_frame() {
        let bytes = animated_gif(10, 6);
        let (frame, info) = ok(&bytes);
        assert_eq!((info.format.as_str(), info.width, info.height, info.orientation), ("gif", 10, 6, 1));
        assert_uniform(&frame, RED, 0, "first GIF frame");
    }

    // ---------------------------------------------------------------- bad input

    #[test]
    fn empty_input_is_invalid() {
        assert!(matches!(decode(&[], &Limits::default()), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn unknown_and_unaccepted_formats_are_unsupported() {
        let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0".to_vec();
        let ico = b"\0\0\x01\0\x01\0\x10\x10\0\0\x01\0\x20\0\0\0".to_vec();
        for bytes in [b"hello, world".to_vec(), tiff, ico, vec![0u8; 64], b"%PDF-1.7\n".to_vec()] {
            let r = decode(&bytes, &Limits::default());
            assert!(matches!(r, Err(Error::UnsupportedFormat(_))), "{bytes:?}: {r:?}");
        }
    }

    #[test]
    fn over_the_byte_limit_is_refused_first() {
        let limits = Limits { max_bytes_per_media: 100, ..Limits::default() };
        // Garbage: the size check must come before sniffing.
        match decode(&[0xAB; 101], &limits) {
            Err(Error::MediaTooLarge { size: 101, limit: 100 }) => {}
            other => panic!("expected MediaTooLarge, got {other:?}"),
        }
        let jpeg = jpeg_rgb(&quadrants());
        let limits = Limits { max_bytes_per_media: jpeg.len() as u64 - 1, ..Limits::default() };
        assert!(matches!(decode(&jpeg, &limits), Err(Error::MediaTooLarge { .. })));
        let limits = Limits { max_bytes_per_media: jpeg.len() as u64, ..Limits::default() };
        assert!(decode(&jpeg, &limits).is_ok());
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED);
        let prefixes: [&[u8]; 7] = [
            b"",
            b"\xFF\xD8\xFF",
            b"\x89PNG\r\n\x1a\n",
            b"GIF89a",
            b"BM",
            b"RIFF\x20\0\0\0WEBPVP8L",
            b"RIFF\x20\0\0\0WEBPVP8 ",
        ];
        for round in 0..300 {
            let prefix = prefixes[round % prefixes.len()];
            let len = (rng.next() % 600) as usize;
            let mut bytes = prefix.to_vec();
            bytes.extend(rng.bytes(len));
            if bytes.is_empty() {
                continue;
            }
            let _ = decode_never_panics(&bytes, &format!("random round {round}"));
        }
    }

    /// Small valid files of every format, for truncation and corruption runs.
    fn corpus() -> Vec<(&'static str, Vec<u8>)> {
        let img = quadrants();
        vec![
            ("jpeg", jpeg_rgb(&img)),
            ("jpeg+exif", jpeg_with_exif(&jpeg_rgb(&img), 6, true)),
            ("progressive jpeg", progressive_jpeg(&img)),
            ("png", png(img.as_raw(), 64, 32, ExtendedColorType::Rgb8)),
            ("webp", webp_lossless(img.as_raw(), 64, 32, ExtendedColorType::Rgb8)),
            ("bmp", bmp(img.as_raw(), 64, 32, ExtendedColorType::Rgb8)),
            ("gif", animated_gif(16, 8)),
        ]
    }

    #[test]
    fn truncated_files_fail_cleanly() {
        for (name, bytes) in corpus() {
            assert!(decode_never_panics(&bytes, name).is_ok(), "{name} must decode whole");
            let mut errors = 0;
            let cuts = (1..bytes.len()).step_by(7).chain([bytes.len() - 1]);
            for cut in cuts {
                if decode_never_panics(&bytes[..cut], &format!("{name} cut at {cut}")).is_err() {
                    errors += 1;
                }
            }
            // Some cuts must be refused (a decoder that accepts everything would be broken).
            assert!(errors > 0, "{name}: no truncation was refused");
        }
    }

    #[test]
    fn corrupted_files_fail_cleanly() {
        let mut rng = Rng(0xC0FFEE);
        for (name, bytes) in corpus() {
            for round in 0..60 {
                let mut bad = bytes.clone();
                for _ in 0..1 + round % 4 {
                    let i = (rng.next() as usize) % bad.len();
                    bad[i] ^= 1 << (rng.next() % 8);
                }
                let _ = decode_never_panics(&bad, &format!("{name} corrupted, round {round}"));
            }
        }
    }

    /// What a `panic = "abort"` build runs: corrupt and truncated JPEGs give typed errors
    /// without unwinding (an unwind would abort such a process), and good ones decode close to
    /// libjpeg-turbo.
    #[test]
    fn pure_jpeg_decoder_never_unwinds() {
        let limits = Limits::default();
        let pure = |bytes: &[u8]| {
            catch_unwind(AssertUnwindSafe(|| {
                decode_upright_with(bytes, ImageFormat::Jpeg, &limits, Reduction::NONE, JpegDecoder::Pure)
            }))
            .expect("the pure JPEG path unwound: a panic = \"abort\" build would abort here")
        };
        let mut rng = Rng(0xAB07);
        let (mut errors, mut checked) = (0, 0);
        for name in ["minivision_live_image_T1.jpg", "facerec_live_obama.jpg", "minivision_spoof_print_image_F1.jpg"] {
            let bytes = std::fs::read(format!("{SAMPLES}{name}")).unwrap();
            let good = pure(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            let reference = decode_upright(&bytes, ImageFormat::Jpeg, &limits, Reduction::NONE).unwrap();
            assert_eq!((good.width, good.height), (reference.width, reference.height), "{name}");
            let mean_diff = good.rgb.iter().zip(&reference.rgb).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
                / good.rgb.len() as f64;
            assert!(mean_diff < 1.0, "{name}: zune-jpeg is {mean_diff} levels from libjpeg-turbo on average");
            for cut in (2..bytes.len()).step_by((bytes.len() / 25).max(1)) {
                checked += 1;
                let e = pure(&bytes[..cut]).err().unwrap_or_else(|| panic!("{name} cut at {cut} decoded"));
                assert!(matches!(e, Error::Decode(_) | Error::UnsupportedFormat(_)), "{name} cut at {cut}: {e:?}");
                errors += 1;
            }
            for round in 0..40 {
                let mut bad = bytes.clone();
                for _ in 0..1 + round % 4 {
                    let i = (rng.next() as usize) % bad.len();
                    bad[i] ^= 1 << (rng.next() % 8);
                }
                checked += 1;
                if pure(&bad).is_err() {
                    errors += 1;
                }
            }
        }
        assert!(errors > checked / 3, "only {errors} of {checked} damaged files were refused");

        // A stray restart marker inside the scan: libjpeg refuses it by unwinding (caught here,
        // an abort in a panic = "abort" build). The pure path must not unwind; zune-jpeg's
        // strict mode does not see this one and resynchronises (docs/SECURITY.md).
        let mut bytes = std::fs::read(format!("{SAMPLES}minivision_live_image_T1.jpg")).unwrap();
        let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let start = sos + 2 + usize::from(u16::from_be_bytes([bytes[sos + 2], bytes[sos + 3]]));
        let mut mid = start + (bytes.len() - start) / 3;
        while bytes[mid - 1] == 0xFF || bytes[mid] == 0xFF {
            mid += 1;
        }
        bytes.splice(mid..mid, [0xFF, 0xD5]);
        let libjpeg =
            decode_upright(&bytes, ImageFormat::Jpeg, &limits, Reduction::NONE).err().expect("libjpeg refuses it");
        assert!(matches!(libjpeg, Error::Decode(_)), "{libjpeg:?}");
        if let Ok(decoded) = pure(&bytes) {
            assert_eq!(decoded.rgb.len(), decoded.width as usize * decoded.height as usize * 3);
        }
    }

    #[test]
    fn truncated_real_photo_fails_cleanly() {
        let bytes = std::fs::read(format!("{SAMPLES}minivision_live_image_T1.jpg")).unwrap();
        let step = (bytes.len() / 40).max(1);
        for cut in (2..bytes.len()).step_by(step) {
            let _ = decode_never_panics(&bytes[..cut], &format!("sample cut at {cut}"));
        }
    }

    // ---------------------------------------------------------------- oversized headers

    /// Signature, IHDR announcing `w` x `h` RGB8, an empty zlib IDAT and IEND: all CRCs valid.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(png_chunk(b"IHDR", &ihdr));
        out.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
        out.extend(png_chunk(b"IEND", &[]));
        out
    }

    /// A real JPEG whose SOF announces `w` x `h` instead.
    fn jpeg_claiming(w: u16, h: u16, progressive: bool) -> Vec<u8> {
        let img = quadrants();
        let mut bytes = if progressive { progressive_jpeg(&img) } else { jpeg_rgb(&img) };
        let sof = if progressive { 0xC2 } else { 0xC0 };
        let at = bytes.windows(2).position(|m| m == [0xFF, sof]).expect("SOF marker");
        bytes[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
        bytes[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
        bytes
    }

    fn expect_too_large(bytes: &[u8], limits: &Limits, dims: (u32, u32), what: &str) {
        let start = Instant::now();
        let r = decode(bytes, limits);
        let took = start.elapsed();
        match r {
            Err(Error::ImageTooLarge { width, height, .. }) => assert_eq!((width, height), dims, "{what}"),
            other => panic!("{what}: expected ImageTooLarge, got {other:?}"),
        }
        // Header-only work: anything close to a full allocation would take far longer.
        assert!(took < Duration::from_secs(2), "{what}: took {took:?}");
    }

    #[test]
    fn huge_png_header_is_refused_before_allocation() {
        let limits = Limits::default();
        expect_too_large(&png_header(100_000, 100_000), &limits, (100_000, 100_000), "PNG 100000²");
        // Sides within max_dimension, area over max_pixels.
        expect_too_large(&png_header(16_000, 16_000), &limits, (16_000, 16_000), "PNG 16000²");
        // The hand-made header is otherwise well formed: small sizes get past the limits.
        assert!(matches!(decode(&png_header(4, 4), &limits), Err(Error::Decode(_))));
    }

    #[test]
    fn huge_jpeg_sof_is_refused_before_allocation() {
        let limits = Limits::default();
        expect_too_large(&jpeg_claiming(65_000, 65_000, false), &limits, (65_000, 65_000), "baseline 65000²");
        expect_too_large(&jpeg_claiming(65_000, 65_000, true), &limits, (65_000, 65_000), "progressive 65000²");
        expect_too_large(&jpeg_claiming(60_000, 10, false), &limits, (60_000, 10), "long side");
    }

    #[test]
    fn every_format_honours_pixel_and_dimension_limits() {
        for (name, bytes) in corpus() {
            let (frame, _) = ok(&bytes);
            let (w, h) = (frame.width(), frame.height());
            let area = u64::from(w) * u64::from(h);
            let too_many = Limits { max_pixels: area - 1, ..Limits::default() };
            let too_long = Limits { max_dimension: w.max(h) - 1, ..Limits::default() };
            for limits in [too_many, too_long] {
                match decode(&bytes, &limits) {
                    // The header's (stored) size: swapped when EXIF rotates the frame.
                    Err(Error::ImageTooLarge { width, height, .. }) => {
                        assert_eq!(u64::from(width) * u64::from(height), area, "{name}");
                        assert_eq!(width.max(height), w.max(h), "{name}");
                    }
                    other => panic!("{name}: expected ImageTooLarge, got {other:?}"),
                }
            }
            let exact = Limits { max_pixels: area, max_dimension: w.max(h), ..Limits::default() };
            assert!(decode(&bytes, &exact).is_ok(), "{name}: limits are inclusive");
        }
    }

    #[test]
    fn image_errors_map_to_our_kinds() {
        use image::error::{LimitError, LimitErrorKind, UnsupportedError};
        let e = map_image_error(
            ImageError::Limits(LimitError::from_kind(LimitErrorKind::InsufficientMemory)),
            Some((3, 4)),
        );
        assert!(matches!(e, Error::ImageTooLarge { width: 3, height: 4, .. }));
        let e = map_image_error(
            ImageError::Unsupported(UnsupportedError::from(image::error::ImageFormatHint::Unknown)),
            None,
        );
        assert!(matches!(e, Error::UnsupportedFormat(_)));
        let e = map_image_error(ImageError::IoError(std::io::ErrorKind::UnexpectedEof.into()), None);
        assert!(matches!(e, Error::Decode(_)));
    }

    // ---------------------------------------------------------------- raw pixels

    /// The same 5x3 picture in every layout, rows padded to `stride_pad` extra bytes (0xAA)
    /// except the last row.
    fn raw(format: PixelFormat, reference: &[u8], w: usize, h: usize, stride_pad: usize) -> (Vec<u8>, usize) {
        let bpp = format.bytes_per_pixel();
        let stride = w * bpp + stride_pad;
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let p = &reference[(y * w + x) * 3..][..3];
                match format {
                    PixelFormat::Rgb8 => out.extend_from_slice(p),
                    PixelFormat::Bgr8 => out.extend_from_slice(&[p[2], p[1], p[0]]),
                    PixelFormat::Rgba8 => out.extend_from_slice(&[p[0], p[1], p[2], 0x55]),
                    PixelFormat::Bgra8 => out.extend_from_slice(&[p[2], p[1], p[0], 0x55]),
                }
            }
            if y + 1 < h {
                out.extend(std::iter::repeat_n(0xAA, stride_pad));
            }
        }
        (out, stride)
    }

    const ALL_FORMATS: [PixelFormat; 4] =
        [PixelFormat::Rgb8, PixelFormat::Bgr8, PixelFormat::Rgba8, PixelFormat::Bgra8];

    #[test]
    fn raw_layouts_with_padding_give_identical_frames() {
        let (w, h) = (5usize, 3usize);
        let reference = Rng(42).bytes(w * h * 3);
        for format in ALL_FORMATS {
            for pad in [0, 1, 7, 64] {
                let (data, stride) = raw(format, &reference, w, h, pad);
                let (frame, info) = from_pixels(&data, format, w as u32, h as u32, stride, &Limits::default())
                    .unwrap_or_else(|e| panic!("{format:?} pad {pad}: {e}"));
                assert_eq!(frame.as_raw(), reference.as_slice(), "{format:?} pad {pad}");
                assert_eq!(info.format, format!("raw_{}", format.name()));
                assert_eq!((info.width, info.height, info.orientation), (5, 3, 1));
                assert_eq!(info.encoded_bytes, data.len() as u64);
            }
        }
    }

    #[test]
    fn raw_lying_stride_or_length_is_invalid() {
        let (w, h) = (5usize, 3usize);
        let reference = Rng(1).bytes(w * h * 3);
        let limits = Limits::default();
        for format in ALL_FORMATS {
            let (data, stride) = raw(format, &reference, w, h, 4);
            let short = from_pixels(&data[..data.len() - 1], format, 5, 3, stride, &limits);
            assert!(matches!(short, Err(Error::InvalidInput(_))), "{format:?}: short buffer");
            let narrow = from_pixels(&data, format, 5, 3, w * format.bytes_per_pixel() - 1, &limits);
            assert!(matches!(narrow, Err(Error::InvalidInput(_))), "{format:?}: stride under a row");
            let wide = from_pixels(&data, format, 5, 3, stride + 1, &limits);
            assert!(matches!(wide, Err(Error::InvalidInput(_))), "{format:?}: stride past the data");
            assert!(matches!(from_pixels(&[], format, 5, 3, stride, &limits), Err(Error::InvalidInput(_))));
        }
    }

    #[test]
    fn raw_zero_sizes_are_invalid() {
        let limits = Limits::default();
        for (w, h) in [(0, 3), (3, 0), (0, 0)] {
            let r = from_pixels(&[0; 64], PixelFormat::Rgb8, w, h, 9, &limits);
            assert!(matches!(r, Err(Error::InvalidInput(_))), "{w}x{h}: {r:?}");
        }
    }

    #[test]
    fn raw_limits_and_overflow_are_errors() {
        let small = Limits { max_pixels: 14, ..Limits::default() };
        assert!(matches!(
            from_pixels(&[0; 45], PixelFormat::Rgb8, 5, 3, 15, &small),
            Err(Error::ImageTooLarge { width: 5, height: 3, .. })
        ));
        let short_side = Limits { max_dimension: 4, ..Limits::default() };
        assert!(matches!(
            from_pixels(&[0; 45], PixelFormat::Rgb8, 5, 3, 15, &short_side),
            Err(Error::ImageTooLarge { .. })
        ));
        // Default limits stop u32::MAX early.
        let r = from_pixels(&[0; 16], PixelFormat::Bgra8, u32::MAX, u32::MAX, usize::MAX, &Limits::default());
        assert!(matches!(r, Err(Error::ImageTooLarge { .. })), "{r:?}");
        // Without limits, the geometry arithmetic itself must refuse, not overflow.
        let none = unlimited();
        for format in ALL_FORMATS {
            let r = from_pixels(&[0; 16], format, u32::MAX, u32::MAX, usize::MAX, &none);
            assert!(matches!(r, Err(Error::InvalidInput(_))), "{format:?}: {r:?}");
            let r = from_pixels(&[0; 16], format, u32::MAX, 2, usize::MAX, &none);
            assert!(matches!(r, Err(Error::InvalidInput(_))), "{format:?}: {r:?}");
            let r = from_pixels(&[0; 16], format, u32::MAX, 1, usize::MAX, &none);
            assert!(matches!(r, Err(Error::InvalidInput(_))), "{format:?}: {r:?}");
            let r = from_pixels(&[0; 16], format, 2, u32::MAX, 8, &none);
            assert!(matches!(r, Err(Error::InvalidInput(_))), "{format:?}: {r:?}");
        }
    }

    #[test]
    fn pixel_format_names() {
        for (s, f) in [
            ("rgb", PixelFormat::Rgb8),
            ("RGB8", PixelFormat::Rgb8),
            ("bgr", PixelFormat::Bgr8),
            ("Bgr8", PixelFormat::Bgr8),
            (" rgba ", PixelFormat::Rgba8),
            ("rgba8", PixelFormat::Rgba8),
            ("BGRA", PixelFormat::Bgra8),
            ("bgra8", PixelFormat::Bgra8),
        ] {
            assert_eq!(PixelFormat::parse(s).unwrap(), f, "{s:?}");
        }
        for bad in ["", "rgb16", "yuv", "argb", "rgb 8"] {
            assert!(matches!(PixelFormat::parse(bad), Err(Error::InvalidInput(_))), "{bad:?}");
        }
        for f in ALL_FORMATS {
            assert_eq!(PixelFormat::parse(f.name()).unwrap(), f);
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.name()));
        }
        assert_eq!(PixelFormat::Rgb8.bytes_per_pixel(), 3);
        assert_eq!(PixelFormat::Bgr8.bytes_per_pixel(), 3);
        assert_eq!(PixelFormat::Rgba8.bytes_per_pixel(), 4);
        assert_eq!(PixelFormat::Bgra8.bytes_per_pixel(), 4);
    }

    #[test]
    fn image_info_serialises_without_pixels() {
        let (_, info) = ok(&png(&[1, 2, 3], 1, 1, ExtendedColorType::Rgb8));
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "format": "png", "width": 1, "height": 1, "orientation": 1, "encoded_bytes": info.encoded_bytes,
                "decode_scale": 1
            })
        );
    }

    #[test]
    fn reduction_is_chosen_from_the_long_side() {
        let r = Reduction { max_scale: 8, min_long_side: 960 };
        assert_eq!(r.scale_for(3024, 4032), 4); // 1008 px
        assert_eq!(r.scale_for(1920, 1080), 2); // 960 px
        assert_eq!(r.scale_for(1919, 1080), 2); // ceil(1919 / 2) = 960
        assert_eq!(r.scale_for(1918, 1080), 1); // 959 px would be too small
        assert_eq!(r.scale_for(1000, 800), 1);
        assert_eq!(Reduction { max_scale: 2, min_long_side: 100 }.scale_for(8000, 6000), 2);
        assert_eq!(Reduction::NONE.scale_for(8000, 6000), 1);
    }

    #[test]
    fn reduced_jpeg_keeps_full_size_info_and_orientation() {
        // 4 quadrants, 1600x1200, stored with EXIF orientation 6 (90° clockwise).
        let img = RgbImage::from_fn(1600, 1200, |x, y| {
            image::Rgb(match (x < 800, y < 600) {
                (true, true) => RED,
                (false, true) => GREEN,
                (true, false) => BLUE,
                (false, false) => WHITE,
            })
        });
        let jpeg = jpeg_with_exif(&jpeg_rgb(&img), 6, false);
        let reduction = Reduction { max_scale: 8, min_long_side: 500 };
        let (frame, info) = decode_reduced(&jpeg, &unlimited(), reduction).unwrap();
        assert_eq!((info.width, info.height, info.orientation, info.decode_scale), (1200, 1600, 6, 2));
        assert_eq!((frame.width(), frame.height()), (600, 800));
        let (full, full_info) = decode(&jpeg, &unlimited()).unwrap();
        assert_eq!((full_info.width, full_info.height, full_info.decode_scale), (1200, 1600, 1));
        // Same picture: corners of the reduced frame match the full frame's.
        let (a, b) = (corners(&frame, 20), corners(&full, 40));
        for (ca, cb) in a.iter().zip(&b) {
            assert_close(*ca, *cb, 6, "reduced vs full corner");
        }
        // Limits apply to the full size, whatever the reduction.
        let tight = Limits { max_pixels: 1_000_000, ..unlimited() };
        assert_eq!(decode_reduced(&jpeg, &tight, reduction).unwrap_err().name(), "image_too_large");
        // PNG is never reduced.
        let png = png(img.as_raw(), 1600, 1200, ExtendedColorType::Rgb8);
        assert_eq!(decode_reduced(&png, &unlimited(), reduction).unwrap().1.decode_scale, 1);
    }

    #[test]
    fn truncated_jpegs_are_rejected_not_grey_filled() {
        for name in ["minivision_live_image_T1.jpg", "facerec_live_obama.jpg", "group_three_faces.jpg"] {
            let bytes = std::fs::read(format!("{}/../samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            assert!(jpeg_has_end_marker(&bytes), "{name}");
            for fraction in [0.3, 0.6, 0.95] {
                let cut = &bytes[..(bytes.len() as f64 * fraction) as usize];
                let err = decode(cut, &Limits::default()).err().unwrap_or_else(|| panic!("{name} cut at {fraction}"));
                assert!(matches!(err, Error::Decode(_)), "{name} cut at {fraction}: {err:?}");
            }
            // Trailing bytes after the end marker (common in camera files) are fine.
            let mut longer = bytes.clone();
            longer.extend_from_slice(b"trailing vendor data");
            assert!(decode(&longer, &Limits::default()).is_ok(), "{name} with trailing data");
        }
    }
}
