//! What callers hand the engine: media (encoded bytes, a file path or raw pixels) grouped in a
//! request, with per-call options.
//!
//! Owned pixel and byte buffers are wrapped in [`Zeroizing`] and wiped when the request is
//! dropped, which happens as soon as the analysis is done.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::FacePolicy;
use crate::decode::PixelFormat;
use crate::error::{Error, Result};

/// Where a media's content comes from.
pub enum MediaSource {
    /// Encoded image bytes (JPEG, PNG, WebP, BMP, GIF; the format is sniffed from content).
    Bytes(Zeroizing<Vec<u8>>),
    /// A file to read. The engine opens it read-only; the bytes read are zeroized after use.
    Path(PathBuf),
    /// Raw pixels a host already holds.
    Pixels {
        /// Pixel data, `stride * (height - 1) + width * bpp` bytes at least.
        data: Zeroizing<Vec<u8>>,
        /// Channel layout.
        format: PixelFormat,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// Bytes per row (0 = tightly packed).
        stride: usize,
    },
}

impl std::fmt::Debug for MediaSource {
    // Never print content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            MediaSource::Path(p) => write!(f, "Path({})", p.display()),
            MediaSource::Pixels { format, width, height, .. } => write!(f, "Pixels({format:?} {width}x{height})"),
        }
    }
}

/// Borrowed view of a media's content, used by the pipeline (and by callers that do not want to
/// give up their buffer).
#[derive(Debug, Clone, Copy)]
pub enum MediaRef<'a> {
    /// Encoded bytes.
    Bytes(&'a [u8]),
    /// A file path.
    Path(&'a std::path::Path),
    /// Raw pixels.
    Pixels {
        /// Pixel data.
        data: &'a [u8],
        /// Channel layout.
        format: PixelFormat,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// Bytes per row (0 = tightly packed).
        stride: usize,
    },
}

/// One media of a request.
#[derive(Debug)]
pub struct Media {
    /// The content.
    pub source: MediaSource,
    /// A label reported as `source` in results (the CLI puts the path as given).
    pub label: Option<String>,
}

impl Media {
    /// Encoded image bytes (taken over; zeroized after analysis).
    pub fn bytes(data: impl Into<Vec<u8>>) -> Self {
        Media { source: MediaSource::Bytes(Zeroizing::new(data.into())), label: None }
    }

    /// A file path; its text is reported as `source`.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let label = Some(path.display().to_string());
        Media { source: MediaSource::Path(path), label }
    }

    /// Raw pixels (taken over; zeroized after analysis). `stride` 0 means tightly packed.
    pub fn pixels(data: impl Into<Vec<u8>>, format: PixelFormat, width: u32, height: u32, stride: usize) -> Self {
        Media {
            source: MediaSource::Pixels { data: Zeroizing::new(data.into()), format, width, height, stride },
            label: None,
        }
    }

    /// Sets the label reported as `source`.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Borrowed view of the content.
    pub fn as_ref(&self) -> MediaRef<'_> {
        match &self.source {
            MediaSource::Bytes(b) => MediaRef::Bytes(b),
            MediaSource::Path(p) => MediaRef::Path(p),
            MediaSource::Pixels { data, format, width, height, stride } => {
                MediaRef::Pixels { data, format: *format, width: *width, height: *height, stride: *stride }
            }
        }
    }
}

/// Per-call options; unset fields fall back to the engine configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzeOptions {
    /// Attack threshold on `confidence_spoofing`, 0..1.
    pub threshold: Option<f64>,
    /// Whether failing quality checks fail the media.
    pub quality_gate: Option<bool>,
    /// Face policy for this call.
    pub face_policy: Option<FacePolicy>,
    /// Request id to use instead of a generated UUID v4.
    pub request_id: Option<String>,
}

impl AnalyzeOptions {
    /// Parses options from JSON (as the C door passes them). Empty means defaults.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        let o: AnalyzeOptions = serde_json::from_str(json).map_err(|e| Error::InvalidInput(format!("options: {e}")))?;
        o.validate()?;
        Ok(o)
    }

    /// Checks ranges and the request id.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::InvalidInput(format!("threshold {t} is outside 0..=1")));
        }
        if let Some(id) = &self.request_id {
            validate_request_id(id)?;
        }
        Ok(())
    }
}

/// A request id must be 1..=128 printable ASCII characters without spaces.
pub fn validate_request_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidInput("request_id must be 1 to 128 printable ASCII characters, no spaces".into()));
    }
    Ok(())
}

/// A "folder" of media analysed together, with one request id on every result.
#[derive(Debug, Default)]
pub struct Request {
    /// The media, in order.
    pub media: Vec<Media>,
    /// Options for every media of this request.
    pub options: AnalyzeOptions,
}

impl Request {
    /// A request holding `media`.
    pub fn new(media: Vec<Media>) -> Self {
        Request { media, options: AnalyzeOptions::default() }
    }

    /// Sets the request id (default: a generated UUID v4).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.options.request_id = Some(id.into());
        self
    }

    /// Sets the per-call options.
    pub fn with_options(mut self, options: AnalyzeOptions) -> Self {
        self.options = options;
        self
    }
}

impl From<Media> for Request {
    fn from(m: Media) -> Self {
        Request::new(vec![m])
    }
}
